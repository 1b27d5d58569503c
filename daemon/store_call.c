/*
 * The calls: their rows and topics, amendments and their history,
 * idempotency keys, repeat counts, and retention's erasure of their
 * personal fields.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

#define CALL_COLUMNS \
	"id, line, started_at, duration_s, operator, call_type, caller_type," \
	" gender, age_band, risk, outcome, callback_at, notes, consent," \
	" caller_name, caller_contact, caller_hash, assess_desire," \
	" assess_capability, assess_intent, assess_buffers, emergency," \
	" repeat_calls, created_at, updated_at, version, legal_hold," \
	" personal_erased_at, crisis"

const char *const store_call_sql[ST_MAX] = {
	[ST_CALL_INSERT] = "INSERT INTO calls (line, started_at, duration_s,"
	    " operator, call_type, caller_type, gender, age_band, risk,"
	    " outcome, callback_at, notes, consent, caller_name,"
	    " caller_contact, caller_hash, assess_desire, assess_capability,"
	    " assess_intent, assess_buffers, emergency, repeat_calls,"
	    " created_at, updated_at, version, idem_key, fingerprint, crisis)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
	    " ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?23, 1, ?24,"
	    " ?25, ?26)",
	[ST_TOPIC_INSERT] = "INSERT INTO call_topics (call_id, pos, topic)"
	    " VALUES (?1, ?2, ?3)",
	[ST_TOPICS_DELETE] = "DELETE FROM call_topics WHERE call_id = ?1",
	[ST_TOPICS_GET] = "SELECT topic FROM call_topics WHERE call_id = ?1"
	    " ORDER BY pos",
	[ST_CALL_GET] = "SELECT " CALL_COLUMNS " FROM calls WHERE id = ?1",
	[ST_CALL_BY_KEY] = "SELECT " CALL_COLUMNS ", fingerprint FROM calls"
	    " WHERE operator = ?1 AND idem_key = ?2",
	/* NULL parameters leave a filter out; lists come as JSON arrays. */
	/*
	 * The range and the cursor as one range of calls_started (bounds
	 * that are expressions of the parameters alone), so that a page
	 * starts where the last one ended instead of scanning from the
	 * newest call again: a "?N IS NULL OR" bound is not a range.
	 */
	[ST_CALL_LIST] = "SELECT " CALL_COLUMNS " FROM calls"
	    " WHERE started_at >= coalesce(?1, -9223372036854775807)"
	    " AND started_at <= min(coalesce(?2 - 1, 9223372036854775807),"
	    "      coalesce(?6, 9223372036854775807))"
	    " AND (?3 IS NULL OR line IN (SELECT value FROM json_each(?3)))"
	    " AND (?4 IS NULL OR risk IN (SELECT value FROM json_each(?4)))"
	    " AND (?5 IS NULL OR operator IN"
	    "      (SELECT value FROM json_each(?5)))"
	    " AND (?6 IS NULL OR started_at < ?6 OR id < ?7)"
	    " ORDER BY started_at DESC, id DESC LIMIT ?8",
	/*
	 * The same for one operator (?5), along calls_operator: an
	 * operator's own list. Along calls_started it would read every
	 * call newer than the operator's last.
	 */
	[ST_CALL_LIST_OP] = "SELECT " CALL_COLUMNS " FROM calls"
	    " WHERE operator = ?5"
	    " AND started_at >= coalesce(?1, -9223372036854775807)"
	    " AND started_at <= min(coalesce(?2 - 1, 9223372036854775807),"
	    "      coalesce(?6, 9223372036854775807))"
	    " AND (?3 IS NULL OR line IN (SELECT value FROM json_each(?3)))"
	    " AND (?4 IS NULL OR risk IN (SELECT value FROM json_each(?4)))"
	    " AND (?6 IS NULL OR started_at < ?6 OR id < ?7)"
	    " ORDER BY started_at DESC, id DESC LIMIT ?8",
	/*
	 * The export's rows: the list's range and cursor (?1 to ?4), each
	 * call with its first queue item (its referral, else its callback).
	 */
	[ST_CALL_EXPORT] = "SELECT c.id, c.line, c.started_at, c.duration_s,"
	    " c.operator, c.call_type, c.caller_type, c.gender, c.age_band,"
	    " c.risk, c.outcome, c.callback_at, c.notes, c.consent,"
	    " c.caller_name, c.caller_contact, c.assess_desire,"
	    " c.assess_capability, c.assess_intent, c.assess_buffers,"
	    " c.emergency, c.repeat_calls, c.created_at, c.updated_at,"
	    " c.version, c.personal_erased_at, q.queue, q.priority"
	    " FROM calls c LEFT JOIN queue_items q ON q.id ="
	    " (SELECT min(id) FROM queue_items WHERE call_id = c.id)"
	    " WHERE c.started_at >= coalesce(?1, -9223372036854775807)"
	    " AND c.started_at <= min(coalesce(?2 - 1, 9223372036854775807),"
	    "      coalesce(?3, 9223372036854775807))"
	    " AND (?3 IS NULL OR c.started_at < ?3 OR c.id < ?4)"
	    " ORDER BY c.started_at DESC, c.id DESC LIMIT ?5",
	[ST_CALL_UPDATE] = "UPDATE calls SET line = ?2, started_at = ?3,"
	    " duration_s = ?4, call_type = ?5, caller_type = ?6, gender = ?7,"
	    " age_band = ?8, risk = ?9, outcome = ?10, callback_at = ?11,"
	    " notes = ?12, consent = ?13, caller_name = ?14,"
	    " caller_contact = ?15, caller_hash = ?16, assess_desire = ?17,"
	    " assess_capability = ?18, assess_intent = ?19,"
	    " assess_buffers = ?20, emergency = ?21, updated_at = ?22,"
	    " legal_hold = ?24, crisis = ?25, version = version + 1"
	    " WHERE id = ?1 AND version = ?23",
	[ST_HISTORY_INSERT] = "INSERT INTO call_history (call_id, version,"
	    " amended_at, amended_by, changes) VALUES (?1, ?2, ?3, ?4, ?5)",
	[ST_HISTORY_GET] = "SELECT version, amended_at, amended_by, changes"
	    " FROM call_history WHERE call_id = ?1 ORDER BY version",
	[ST_REPEAT_COUNT] = "SELECT count(*) FROM calls WHERE caller_hash = ?1"
	    " AND (?2 = 0 OR id < ?2)",
	/*
	 * Retention (store_erase_slice): the oldest calls started before ?1,
	 * not yet erased, not held, with no follow-up still open (its
	 * counselor may still need the contact).
	 */
	[ST_ERASE_PICK] = "SELECT id FROM calls WHERE personal_erased_at IS NULL"
	    " AND started_at < ?1 AND legal_hold = 0 AND NOT EXISTS"
	    " (SELECT 1 FROM queue_items q WHERE q.call_id = calls.id"
	    " AND q.state IN ('waiting', 'claimed')) ORDER BY started_at, id"
	    " LIMIT ?2",
	/* An amendment keeps which personal field changed, not its values. */
	[ST_ERASE_HISTORY] = "UPDATE call_history SET changes ="
	    " json_replace(changes, '$.notes', '(erased)', '$.caller_name',"
	    " '(erased)', '$.caller_contact', '(erased)', '$.safety_plan',"
	    " '(erased)') WHERE call_id = ?1"
	    " AND (json_type(changes, '$.notes') IS NOT NULL"
	    " OR json_type(changes, '$.safety_plan') IS NOT NULL"
	    " OR json_type(changes, '$.caller_name') IS NOT NULL"
	    " OR json_type(changes, '$.caller_contact') IS NOT NULL)",
	/* What a counselor wrote about the caller is personal too. */
	[ST_ERASE_ITEMS] = "UPDATE queue_items SET resolution = NULL"
	    " WHERE call_id = ?1 AND resolution IS NOT NULL",
	[ST_ERASE_CALL] = "UPDATE calls SET notes = NULL, caller_name = NULL,"
	    " caller_contact = NULL, caller_hash = NULL,"
	    " crisis = json_remove(crisis, '$.safety_plan'),"
	    " personal_erased_at = ?2 WHERE id = ?1"
};

/* The fields that INSERT and UPDATE share, at the same positions 2..21. */
static void
store_bind_fields(sqlite3_stmt *st, const struct call *c, int with_operator)
{
	int	 i = 2, k;

	if (with_operator) {
		/* INSERT: line ?1, started ?2, duration ?3, operator ?4. */
		store_bind_text(st, 1, c->c_line);
		sqlite3_bind_int64(st, 2, c->c_started_at);
		if (c->c_duration_s < 0)
			sqlite3_bind_null(st, 3);
		else
			sqlite3_bind_int64(st, 3, c->c_duration_s);
		store_bind_text(st, 4, c->c_operator);
		i = 5;
	} else {
		store_bind_text(st, 2, c->c_line);
		sqlite3_bind_int64(st, 3, c->c_started_at);
		if (c->c_duration_s < 0)
			sqlite3_bind_null(st, 4);
		else
			sqlite3_bind_int64(st, 4, c->c_duration_s);
		i = 5;
	}
	store_bind_text(st, i++, c->c_call_type);
	store_bind_text(st, i++, c->c_caller_type);
	store_bind_text(st, i++, c->c_gender);
	store_bind_text(st, i++, c->c_age_band);
	store_bind_text(st, i++, c->c_risk);
	store_bind_text(st, i++, c->c_outcome);
	store_bind_time(st, i++, c->c_callback_at);
	store_bind_text(st, i++, c->c_notes);
	sqlite3_bind_int(st, i++, c->c_consent);
	store_bind_text(st, i++, c->c_caller_name);
	store_bind_text(st, i++, c->c_caller_contact);
	store_bind_text(st, i++, c->c_caller_hash);
	for (k = 0; k < 4; k++)
		store_bind_text(st, i++, c->c_assess[k]);
	sqlite3_bind_int(st, i++, c->c_emergency);
}

/* The crisis record as JSON text at i (NULL when there is none). */
static void
store_bind_crisis(sqlite3_stmt *st, int i, const json_t *crisis)
{
	char	*s;

	if (crisis == NULL || (s = json_dumps(crisis, JSON_COMPACT)) == NULL)
		sqlite3_bind_null(st, i);	/* none (or out of memory) */
	else
		sqlite3_bind_text(st, i, s, -1, free);
}

static int
store_topics_put(struct store *s, const struct call *c)
{
	sqlite3_stmt	*st = s->s_st[ST_TOPIC_INSERT];
	size_t		 i;
	int		 rc;

	for (i = 0; i < c->c_ntopics; i++) {
		sqlite3_bind_int64(st, 1, c->c_id);
		sqlite3_bind_int64(st, 2, (int64_t)i);
		store_bind_text(st, 3, c->c_topics[i]);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		if (rc != SQLITE_DONE)
			return store_fail(s, "inserting topics");
	}
	return STORE_OK;
}

/* Count earlier calls with this caller hash (before id; 0: all). */
int64_t
store_repeat_count(struct store *s, const char *hash, int64_t before_id)
{
	sqlite3_stmt	*st = s->s_st[ST_REPEAT_COUNT];
	int64_t		 n = -1;

	store_bind_text(st, 1, hash);
	sqlite3_bind_int64(st, 2, before_id);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	else
		store_fail(s, "counting repeat calls");
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return n;
}

static int
store_call_insert1(struct store *s, struct call *c, const char *key,
    const char *fingerprint)
{
	sqlite3_stmt	*st = s->s_st[ST_CALL_INSERT];
	int		 rc;

	c->c_repeat_calls = 0;
	if (c->c_caller_hash != NULL &&
	    (c->c_repeat_calls = store_repeat_count(s, c->c_caller_hash,
	    0)) < 0)
		return STORE_ERR;
	c->c_created_at = c->c_updated_at = clock_now();
	c->c_version = 1;
	store_bind_fields(st, c, 1);
	sqlite3_bind_int64(st, 22, c->c_repeat_calls);
	sqlite3_bind_int64(st, 23, c->c_created_at);
	store_bind_text(st, 24, key);
	store_bind_text(st, 25, fingerprint);
	store_bind_crisis(st, 26, c->c_crisis);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc == SQLITE_CONSTRAINT_UNIQUE)
		return STORE_CONFLICT;
	if (rc != SQLITE_DONE)
		return store_fail(s, "inserting a call");
	c->c_id = sqlite3_last_insert_rowid(s->s_db);
	return store_topics_put(s, c);	/* a new call has no topics yet */
}

/*
 * Insert c (its operator set) with an optional idempotency key; sets the
 * server fields. STORE_CONFLICT: the key is already used by this operator.
 */
int
store_call_insert(struct store *s, struct call *c, const char *key,
    const char *fingerprint)
{
	if (store_request_begin(s) != STORE_OK)
		return STORE_ERR;
	return store_request_end(s, store_call_insert1(s, c, key,
	    fingerprint));
}

/* Fill c from a row of CALL_COLUMNS, then its topics. */
static int
store_row_call(struct store *s, sqlite3_stmt *st, struct call *c)
{
	sqlite3_stmt	*tq = s->s_st[ST_TOPICS_GET];
	int		 i, rc;

	c->c_id = sqlite3_column_int64(st, 0);
	c->c_line = store_col_text(st, 1);
	c->c_started_at = sqlite3_column_int64(st, 2);
	c->c_duration_s = sqlite3_column_type(st, 3) == SQLITE_NULL ? -1 :
	    sqlite3_column_int64(st, 3);
	c->c_operator = store_col_text(st, 4);
	c->c_call_type = store_col_text(st, 5);
	c->c_caller_type = store_col_text(st, 6);
	c->c_gender = store_col_text(st, 7);
	c->c_age_band = store_col_text(st, 8);
	c->c_risk = store_col_text(st, 9);
	c->c_outcome = store_col_text(st, 10);
	c->c_callback_at = sqlite3_column_int64(st, 11);
	c->c_notes = store_col_text(st, 12);
	c->c_consent = sqlite3_column_int(st, 13);
	c->c_caller_name = store_col_text(st, 14);
	c->c_caller_contact = store_col_text(st, 15);
	c->c_caller_hash = store_col_text(st, 16);
	for (i = 0; i < 4; i++)
		c->c_assess[i] = store_col_text(st, 17 + i);
	c->c_emergency = sqlite3_column_int(st, 21);
	c->c_repeat_calls = sqlite3_column_int64(st, 22);
	c->c_created_at = sqlite3_column_int64(st, 23);
	c->c_updated_at = sqlite3_column_int64(st, 24);
	c->c_version = sqlite3_column_int64(st, 25);
	c->c_legal_hold = sqlite3_column_int(st, 26);
	c->c_erased_at = sqlite3_column_int64(st, 27);
	if (sqlite3_column_type(st, 28) != SQLITE_NULL)
		c->c_crisis = json_loads((const char *)sqlite3_column_text(st,
		    28), 0, NULL);
	if (c->c_line == NULL || c->c_operator == NULL ||
	    c->c_call_type == NULL || c->c_caller_type == NULL ||
	    c->c_risk == NULL) {
		snprintf(s->s_err, sizeof(s->s_err), "call %lld: a required "
		    "column is empty or memory ran out", (long long)c->c_id);
		return STORE_ERR;
	}
	sqlite3_bind_int64(tq, 1, c->c_id);
	while ((rc = sqlite3_step(tq)) == SQLITE_ROW &&
	    c->c_ntopics < CALL_MAX_TOPICS)
		c->c_topics[c->c_ntopics++] = store_col_text(tq, 0);
	sqlite3_reset(tq);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return store_fail(s, "reading topics");
	return STORE_OK;
}

/* Read call id into c (initialised; caller frees with call_free). */
int
store_call_get(struct store *s, int64_t id, struct call *c)
{
	sqlite3_stmt	*st = s->s_st[ST_CALL_GET];
	int		 rc;

	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		rc = store_row_call(s, st, c);
	else if (rc == SQLITE_DONE)
		rc = STORE_NOTFOUND;
	else
		rc = store_fail(s, "reading a call");
	sqlite3_reset(st);
	return rc;
}

/*
 * The call an operator stored under an idempotency key, and the
 * fingerprint of the body it was stored from (into fp, fplen bytes).
 */
int
store_call_by_key(struct store *s, const char *operator, const char *key,
    struct call *c, char *fp, size_t fplen)
{
	sqlite3_stmt	*st = s->s_st[ST_CALL_BY_KEY];
	const char	*v;
	int		 rc;

	store_bind_text(st, 1, operator);
	store_bind_text(st, 2, key);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		v = (const char *)sqlite3_column_text(st, 29);
		snprintf(fp, fplen, "%s", v != NULL ? v : "");
		rc = store_row_call(s, st, c);
	} else if (rc == SQLITE_DONE)
		rc = STORE_NOTFOUND;
	else
		rc = store_fail(s, "looking up an idempotency key");
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc;
}

/* A JSON array text of v, for the json_each() filters; caller frees. */
static char *
store_json_list(char **v, size_t n)
{
	json_t	*a;
	char	*s;
	size_t	 i;

	if (n == 0)
		return NULL;
	a = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	s = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return s;
}

/* The calls matching f, newest first; *out (caller frees) holds *n. */
int
store_call_list(struct store *s, const struct call_filter *f,
    struct call **out, size_t *n)
{
	sqlite3_stmt	*st = s->s_st[f->f_nops == 1 ? ST_CALL_LIST_OP :
			    ST_CALL_LIST];
	char		*lines, *risks, *ops;
	struct call	*v;
	int		 rc = STORE_OK;

	*out = NULL;
	*n = 0;
	if ((v = calloc((size_t)f->f_limit, sizeof(*v))) == NULL)
		return store_fail(s, "listing calls");
	lines = store_json_list(f->f_lines, f->f_nlines);
	risks = store_json_list(f->f_risks, f->f_nrisks);
	ops = store_json_list(f->f_ops, f->f_nops);
	store_bind_time(st, 1, f->f_from);
	store_bind_time(st, 2, f->f_to);
	store_bind_text(st, 3, lines);
	store_bind_text(st, 4, risks);
	store_bind_text(st, 5, f->f_nops == 1 ? f->f_ops[0] : ops);
	if (f->f_has_cursor) {
		sqlite3_bind_int64(st, 6, f->f_cur_started);
		sqlite3_bind_int64(st, 7, f->f_cur_id);
	}
	sqlite3_bind_int64(st, 8, f->f_limit);
	while (*n < (size_t)f->f_limit) {
		if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
			rc = rc == SQLITE_DONE ? STORE_OK :
			    store_fail(s, "listing calls");
			break;
		}
		call_init(&v[*n]);
		if ((rc = store_row_call(s, st, &v[(*n)++])) != STORE_OK)
			break;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	free(lines);
	free(risks);
	free(ops);
	*out = v;
	return rc;
}

/*
 * The topics of call id, in order, into r: copied into *buf (grown as
 * needed, kept from call to call), as the next step reuses the
 * statement's own.
 */
static int
store_row_topics(struct store *s, int64_t id, struct call_row *r,
    char **buf, size_t *cap)
{
	sqlite3_stmt		*tq = s->s_st[ST_TOPICS_GET];
	const unsigned char	*t;
	size_t			 off[CALL_MAX_TOPICS], len = 0, n, i;
	char			*nb;
	int			 rc;

	r->cr_ntopics = 0;
	sqlite3_bind_int64(tq, 1, id);
	while ((rc = sqlite3_step(tq)) == SQLITE_ROW &&
	    r->cr_ntopics < CALL_MAX_TOPICS) {
		if ((t = sqlite3_column_text(tq, 0)) == NULL)
			continue;
		n = (size_t)sqlite3_column_bytes(tq, 0) + 1;
		if (len + n > *cap) {
			if ((nb = realloc(*buf, 2 * (len + n))) == NULL) {
				sqlite3_reset(tq);
				return store_fail(s, "reading topics");
			}
			*buf = nb;
			*cap = 2 * (len + n);
		}
		memcpy(*buf + len, t, n);
		off[r->cr_ntopics++] = len;
		len += n;
	}
	sqlite3_reset(tq);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return store_fail(s, "reading topics");
	for (i = 0; i < r->cr_ntopics; i++)
		r->cr_topics[i] = *buf + off[i];
	return STORE_OK;
}

static const char *
store_col(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

/* Fill r from a row of ST_CALL_EXPORT, then its topics. */
static int
store_row_export(struct store *s, sqlite3_stmt *st, struct call_row *r,
    char **buf, size_t *cap)
{
	int	 i;

	r->cr_id = sqlite3_column_int64(st, 0);
	r->cr_line = store_col(st, 1);
	r->cr_started_at = sqlite3_column_int64(st, 2);
	r->cr_duration_s = sqlite3_column_type(st, 3) == SQLITE_NULL ? -1 :
	    sqlite3_column_int64(st, 3);
	r->cr_operator = store_col(st, 4);
	r->cr_call_type = store_col(st, 5);
	r->cr_caller_type = store_col(st, 6);
	r->cr_gender = store_col(st, 7);
	r->cr_age_band = store_col(st, 8);
	r->cr_risk = store_col(st, 9);
	r->cr_outcome = store_col(st, 10);
	r->cr_callback_at = sqlite3_column_int64(st, 11);
	r->cr_notes = store_col(st, 12);
	r->cr_consent = sqlite3_column_int(st, 13);
	r->cr_caller_name = store_col(st, 14);
	r->cr_caller_contact = store_col(st, 15);
	for (i = 0; i < 4; i++)
		r->cr_assess[i] = store_col(st, 16 + i);
	r->cr_emergency = sqlite3_column_int(st, 20);
	r->cr_repeat_calls = sqlite3_column_int64(st, 21);
	r->cr_created_at = sqlite3_column_int64(st, 22);
	r->cr_updated_at = sqlite3_column_int64(st, 23);
	r->cr_version = sqlite3_column_int64(st, 24);
	r->cr_erased_at = sqlite3_column_int64(st, 25);
	r->cr_queue = store_col(st, 26);
	r->cr_priority = sqlite3_column_int64(st, 27);
	if (r->cr_line == NULL || r->cr_operator == NULL ||
	    r->cr_call_type == NULL || r->cr_caller_type == NULL ||
	    r->cr_risk == NULL) {
		snprintf(s->s_err, sizeof(s->s_err), "call %lld: a required "
		    "column is empty", (long long)r->cr_id);
		return STORE_ERR;
	}
	return store_row_topics(s, r->cr_id, r, buf, cap);
}

/*
 * The calls of f's range after its cursor, newest first, at most
 * f->f_limit, each handed to fn(row, arg) as it is read (nothing is
 * copied; fn returns 0, or -1 to stop). *n: the calls handed.
 */
int
store_call_rows(struct store *s, const struct call_filter *f,
    int (*fn)(const struct call_row *, void *), void *arg, size_t *n)
{
	sqlite3_stmt	*st = s->s_st[ST_CALL_EXPORT];
	struct call_row	 r;
	char		*buf = NULL;
	size_t		 cap = 0;
	int		 rc = STORE_OK;

	*n = 0;
	store_bind_time(st, 1, f->f_from);
	store_bind_time(st, 2, f->f_to);
	if (f->f_has_cursor) {
		sqlite3_bind_int64(st, 3, f->f_cur_started);
		sqlite3_bind_int64(st, 4, f->f_cur_id);
	}
	sqlite3_bind_int64(st, 5, f->f_limit);
	while (*n < (size_t)f->f_limit) {
		if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
			rc = rc == SQLITE_DONE ? STORE_OK :
			    store_fail(s, "exporting calls");
			break;
		}
		memset(&r, 0, sizeof(r));
		if ((rc = store_row_export(s, st, &r, &buf, &cap)) != STORE_OK)
			break;
		if (fn(&r, arg) == -1) {
			snprintf(s->s_err, sizeof(s->s_err), "call %lld: its "
			    "row could not be written", (long long)r.cr_id);
			rc = STORE_ERR;
			break;
		}
		(*n)++;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	free(buf);
	return rc;
}

static int
store_call_update1(struct store *s, const struct call *c, const char *by,
    const char *changes, int64_t now)
{
	sqlite3_stmt	*st = s->s_st[ST_CALL_UPDATE];
	sqlite3_stmt	*h = s->s_st[ST_HISTORY_INSERT];
	int		 rc;

	sqlite3_bind_int64(st, 1, c->c_id);
	store_bind_fields(st, c, 0);
	sqlite3_bind_int64(st, 22, now);
	sqlite3_bind_int64(st, 23, c->c_version);
	sqlite3_bind_int(st, 24, c->c_legal_hold);
	store_bind_crisis(st, 25, c->c_crisis);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, "updating a call");
	if (sqlite3_changes(s->s_db) == 0)
		return STORE_CONFLICT;
	sqlite3_bind_int64(s->s_st[ST_TOPICS_DELETE], 1, c->c_id);
	if (store_exec_st(s, ST_TOPICS_DELETE) != STORE_OK ||
	    store_topics_put(s, c) != STORE_OK)
		return STORE_ERR;
	sqlite3_bind_int64(h, 1, c->c_id);
	sqlite3_bind_int64(h, 2, c->c_version);
	sqlite3_bind_int64(h, 3, now);
	store_bind_text(h, 4, by);
	store_bind_text(h, 5, changes);
	rc = sqlite3_step(h);
	sqlite3_reset(h);
	sqlite3_clear_bindings(h);
	if (rc != SQLITE_DONE)
		return store_fail(s, "recording history");
	return STORE_OK;
}

/*
 * Store the amended call c, whose c_version is the version it replaces,
 * and keep changes in its history. STORE_CONFLICT: the call has moved on.
 */
int
store_call_update(struct store *s, const struct call *c, const char *by,
    json_t *changes)
{
	char	*text;
	int	 rc;

	if ((text = json_dumps(changes, JSON_COMPACT)) == NULL)
		return store_fail(s, "encoding changes");
	if (store_request_begin(s) != STORE_OK) {
		free(text);
		return STORE_ERR;
	}
	rc = store_request_end(s, store_call_update1(s, c, by, text,
	    clock_now()));
	free(text);
	return rc;
}

/* The amendments of call id, oldest first; NULL on error. */
json_t *
store_call_history(struct store *s, int64_t id)
{
	sqlite3_stmt	*st = s->s_st[ST_HISTORY_GET];
	json_t		*a = json_array(), *e, *ch;
	char		 buf[40];
	int		 rc;

	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ch = json_loads((const char *)sqlite3_column_text(st, 3), 0,
		    NULL);
		clock_format(sqlite3_column_int64(st, 1), buf, sizeof(buf));
		e = json_pack("{s:I, s:s, s:s, s:o}", "version",
		    (json_int_t)sqlite3_column_int64(st, 0), "amended_at", buf,
		    "amended_by", (const char *)sqlite3_column_text(st, 2),
		    "changes", ch != NULL ? ch : json_object());
		json_array_append_new(a, e);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		store_fail(s, "reading history");
		json_decref(a);
		return NULL;
	}
	return a;
}

/* Erase the personal fields of call id, its history's values, its items'
 * resolutions. */
static int
store_erase_call(struct store *s, int64_t id, int64_t now)
{
	static const enum store_stmt which[] = { ST_ERASE_HISTORY,
	    ST_ERASE_ITEMS, ST_ERASE_ATTEMPTS, ST_ERASE_CALL };
	size_t	 i;

	for (i = 0; i < sizeof(which) / sizeof(which[0]); i++) {
		sqlite3_bind_int64(s->s_st[which[i]], 1, id);
		if (which[i] == ST_ERASE_CALL)
			sqlite3_bind_int64(s->s_st[which[i]], 2, now);
		if (store_exec_st(s, which[i]) != STORE_OK)
			return STORE_ERR;
	}
	return STORE_OK;
}

static int
store_erase_slice1(struct store *s, int64_t cutoff, int64_t now, int limit,
    int64_t *n)
{
	sqlite3_stmt	*st = s->s_st[ST_ERASE_PICK];
	int64_t		*ids;
	int		 rc, k, nids = 0;

	if ((ids = calloc((size_t)limit, sizeof(*ids))) == NULL)
		return store_fail(s, "erasing: out of memory");
	sqlite3_bind_int64(st, 1, cutoff);
	sqlite3_bind_int(st, 2, limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && nids < limit)
		ids[nids++] = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		free(ids);
		return store_fail(s, "choosing calls to erase");
	}
	for (k = 0; k < nids; k++)
		if (store_erase_call(s, ids[k], now) != STORE_OK) {
			free(ids);
			return STORE_ERR;
		}
	free(ids);
	*n = nids;
	return STORE_OK;
}

/*
 * Retention: erase the personal fields (notes, name, contact, the caller
 * hash) of at most limit calls started before cutoff, in the open batch
 * as one request; *n says how many (fewer than limit: none are left).
 * Everything the statistics read stays as it was.
 */
int
store_erase_slice(struct store *s, int64_t cutoff, int64_t now, int limit,
    int64_t *n)
{
	*n = 0;
	if (store_request_begin(s) != STORE_OK)
		return STORE_ERR;
	return store_request_end(s, store_erase_slice1(s, cutoff, now, limit,
	    n));
}
