/*
 * The phone calls the PBX reported (pbx.c decides what they mean): one
 * row per call, the events already applied, how far the queue_log has
 * been followed, the calls answered and never logged.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

#define PBX_COLS "id, pbx_id, queue, line, offered_at, answered_at," \
	" ended_at, wait_s, talk_s, outcome, agent, operator, caller_hash," \
	" call_id, updated_at"

const char *const store_pbx_sql[ST_MAX] = {
	[ST_PBX_SEEN] = "INSERT OR IGNORE INTO pbx_seen (key) VALUES (?1)",
	[ST_PBX_GET] = "SELECT " PBX_COLS " FROM pbx_calls WHERE pbx_id = ?1",
	[ST_PBX_PUT] = "INSERT INTO pbx_calls (pbx_id, queue, line,"
	    " offered_at, answered_at, ended_at, wait_s, talk_s, outcome,"
	    " agent, operator, caller_hash, updated_at) VALUES (?1, ?2, ?3,"
	    " ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
	    " ON CONFLICT (pbx_id) DO UPDATE SET queue = ?2, line = ?3,"
	    " offered_at = ?4, answered_at = ?5, ended_at = ?6, wait_s = ?7,"
	    " talk_s = ?8, outcome = ?9, agent = ?10, operator = ?11,"
	    " caller_hash = ?12, updated_at = ?13",
	[ST_PBX_FOLLOW_GET] = "SELECT device, inode, offset FROM pbx_follow"
	    " WHERE path = ?1",
	[ST_PBX_FOLLOW_SET] = "INSERT INTO pbx_follow (path, device, inode,"
	    " offset, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)"
	    " ON CONFLICT (path) DO UPDATE SET device = ?2, inode = ?3,"
	    " offset = ?4, updated_at = ?5",
	[ST_PBX_UNLOGGED] = "SELECT " PBX_COLS " FROM pbx_calls"
	    " WHERE call_id IS NULL AND answered_at IS NOT NULL"
	    " AND answered_at < ?1 ORDER BY answered_at, id LIMIT ?2",
	[ST_PBX_UNLOGGED_COUNT] = "SELECT count(*) FROM pbx_calls"
	    " WHERE call_id IS NULL AND answered_at IS NOT NULL"
	    " AND answered_at < ?1",
	[ST_PBX_LINK] = "UPDATE pbx_calls SET call_id = ?2"
	    " WHERE pbx_id = ?1 AND call_id IS NULL",
	[ST_PBX_LATEST] = "SELECT " PBX_COLS " FROM pbx_calls"
	    " WHERE call_id IS NULL AND answered_at IS NOT NULL"
	    " AND operator = ?1 AND answered_at >= ?2"
	    " ORDER BY answered_at DESC, id DESC LIMIT 1",
	[ST_PBX_RANGE] = "SELECT " PBX_COLS " FROM pbx_calls"
	    " WHERE offered_at >= ?1 AND offered_at < ?2",
	[ST_PBX_ERASE] = "UPDATE pbx_calls SET caller_hash = NULL"
	    " WHERE id IN (SELECT id FROM pbx_calls WHERE offered_at < ?1"
	    " AND caller_hash IS NOT NULL LIMIT ?2)",
	/* A caller's item still open: their number is still held. */
	[ST_PBX_CB_OPEN] = "SELECT c.item_id FROM pbx_callbacks c"
	    " JOIN queue_items i ON i.id = c.item_id"
	    " WHERE c.caller_hash = ?1 AND c.number IS NOT NULL"
	    " AND i.state IN ('waiting', 'claimed')"
	    " ORDER BY c.item_id LIMIT 1",
	[ST_PBX_CB_ADD] = "INSERT INTO pbx_callbacks (item_id, caller_hash,"
	    " line, pbx_call, tries, first_at, last_at, number)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	[ST_PBX_CB_TRIED] = "UPDATE pbx_callbacks SET tries = tries + 1,"
	    " pbx_call = ?2, last_at = max(last_at, ?3),"
	    " first_at = min(first_at, ?3) WHERE item_id = ?1",
	[ST_PBX_CB_GET] = "SELECT item_id, caller_hash, line, pbx_call, tries,"
	    " first_at, last_at, number FROM pbx_callbacks WHERE item_id = ?1",
	[ST_PBX_CB_ERASE] = "UPDATE pbx_callbacks SET number = NULL"
	    " WHERE item_id = ?1 AND number IS NOT NULL",
	[ST_PBX_CB_EXPIRE] = "UPDATE pbx_callbacks SET number = NULL"
	    " WHERE item_id IN (SELECT item_id FROM pbx_callbacks"
	    " WHERE first_at < ?1 AND number IS NOT NULL LIMIT ?2)",
	/* The phone measures' rollups (pbx_rollup.c). */
	[ST_PBX_RU_GET] = "SELECT hours, days FROM pbx_rollup WHERE day = ?1"
	    " AND line = ?2 AND operator = ?3",
	[ST_PBX_RU_PUT] = "INSERT INTO pbx_rollup (day, line, operator, days,"
	    " hours) VALUES (?1, ?2, ?3, ?5, ?4) ON CONFLICT (day, line,"
	    " operator) DO UPDATE SET days = ?5, hours = ?4",
	[ST_PBX_RU_DEL] = "DELETE FROM pbx_rollup WHERE day = ?1 AND line = ?2"
	    " AND operator = ?3",
	/* The timezone its days are in: a row of its own. */
	[ST_PBX_RU_ZONE] = "SELECT operator FROM pbx_rollup WHERE day = -1"
	    " AND line = 'timezone'",
	[ST_PBX_RU_CLEAR] = "DELETE FROM pbx_rollup",
	[ST_PBX_RU_MARK] = "INSERT INTO pbx_rollup (day, line, operator, days,"
	    " hours) VALUES (-1, 'timezone', ?1, x'', x'')",
	[ST_PBX_RU_RANGE] = "SELECT day, line, operator, days, hours"
	    " FROM pbx_rollup WHERE day >= ?1 AND day < ?2",
	[ST_PBX_RU_DAYS] = "SELECT day, line, operator, days"
	    " FROM pbx_rollup WHERE day >= ?1 AND day < ?2",
};

static void
store_pbx_text(sqlite3_stmt *st, int i, char *out, size_t len)
{
	const unsigned char	*v = sqlite3_column_text(st, i);

	out[0] = '\0';
	if (v != NULL)
		snprintf(out, len, "%s", (const char *)v);
}

static int64_t
store_pbx_int(sqlite3_stmt *st, int i, int64_t null)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? null :
	    sqlite3_column_int64(st, i);
}

static void
store_pbx_row(sqlite3_stmt *st, struct pbx_call *pc)
{
	memset(pc, 0, sizeof(*pc));
	pc->pc_id = sqlite3_column_int64(st, 0);
	store_pbx_text(st, 1, pc->pc_pbx_id, sizeof(pc->pc_pbx_id));
	store_pbx_text(st, 2, pc->pc_queue, sizeof(pc->pc_queue));
	store_pbx_text(st, 3, pc->pc_line, sizeof(pc->pc_line));
	pc->pc_offered_at = store_pbx_int(st, 4, 0);
	pc->pc_answered_at = store_pbx_int(st, 5, 0);
	pc->pc_ended_at = store_pbx_int(st, 6, 0);
	pc->pc_wait_s = store_pbx_int(st, 7, -1);
	pc->pc_talk_s = store_pbx_int(st, 8, -1);
	store_pbx_text(st, 9, pc->pc_outcome, sizeof(pc->pc_outcome));
	store_pbx_text(st, 10, pc->pc_agent, sizeof(pc->pc_agent));
	store_pbx_text(st, 11, pc->pc_operator, sizeof(pc->pc_operator));
	store_pbx_text(st, 12, pc->pc_caller_hash,
	    sizeof(pc->pc_caller_hash));
	pc->pc_call_id = store_pbx_int(st, 13, 0);
	pc->pc_updated_at = sqlite3_column_int64(st, 14);
}

static void
store_pbx_done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

/* Note an event by its key (a SHA-256): 1 when new, 0 when seen before. */
int
store_pbx_seen(struct store *s, const unsigned char *key)
{
	sqlite3_stmt	*st = s->s_st[ST_PBX_SEEN];
	int		 rc;

	sqlite3_bind_blob(st, 1, key, SHA256_LEN, SQLITE_STATIC);
	rc = sqlite3_step(st);
	store_pbx_done(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, "noting a phone event");
	return sqlite3_changes(s->s_db) == 1;
}

int
store_pbx_get(struct store *s, const char *pbx_id, struct pbx_call *pc)
{
	sqlite3_stmt	*st = s->s_st[ST_PBX_GET];
	int		 rc;

	store_bind_text(st, 1, pbx_id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		store_pbx_row(st, pc);
	store_pbx_done(st);
	if (rc == SQLITE_ROW)
		return STORE_OK;
	return rc == SQLITE_DONE ? STORE_NOTFOUND : store_fail(s,
	    "reading a phone call");
}

static void
store_pbx_bind_opt(sqlite3_stmt *st, int i, const char *v)
{
	if (v[0] == '\0')
		sqlite3_bind_null(st, i);
	else
		store_bind_text(st, i, v);
}

static void
store_pbx_bind_secs(sqlite3_stmt *st, int i, int64_t v)
{
	if (v < 0)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_int64(st, i, v);
}

/* Store pc, a new call or a changed one (by its PBX id). */
int
store_pbx_put(struct store *s, const struct pbx_call *pc)
{
	sqlite3_stmt	*st = s->s_st[ST_PBX_PUT];
	int		 rc;

	store_bind_text(st, 1, pc->pc_pbx_id);
	store_bind_text(st, 2, pc->pc_queue);
	store_pbx_bind_opt(st, 3, pc->pc_line);
	sqlite3_bind_int64(st, 4, pc->pc_offered_at);
	store_bind_time(st, 5, pc->pc_answered_at);
	store_bind_time(st, 6, pc->pc_ended_at);
	store_pbx_bind_secs(st, 7, pc->pc_wait_s);
	store_pbx_bind_secs(st, 8, pc->pc_talk_s);
	store_pbx_bind_opt(st, 9, pc->pc_outcome);
	store_pbx_bind_opt(st, 10, pc->pc_agent);
	store_pbx_bind_opt(st, 11, pc->pc_operator);
	store_pbx_bind_opt(st, 12, pc->pc_caller_hash);
	sqlite3_bind_int64(st, 13, pc->pc_updated_at);
	rc = sqlite3_step(st);
	store_pbx_done(st);
	return rc == SQLITE_DONE ? STORE_OK : store_fail(s,
	    "storing a phone call");
}

/* How far the file at path was read, and which file it was. */
int
store_pbx_follow_get(struct store *s, const char *path, int64_t *dev,
    int64_t *ino, int64_t *off)
{
	sqlite3_stmt	*st = s->s_st[ST_PBX_FOLLOW_GET];
	int		 rc;

	store_bind_text(st, 1, path);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*dev = sqlite3_column_int64(st, 0);
		*ino = sqlite3_column_int64(st, 1);
		*off = sqlite3_column_int64(st, 2);
	}
	store_pbx_done(st);
	if (rc == SQLITE_ROW)
		return STORE_OK;
	return rc == SQLITE_DONE ? STORE_NOTFOUND : store_fail(s,
	    "reading the queue_log position");
}

int
store_pbx_follow_set(struct store *s, const char *path, int64_t dev,
    int64_t ino, int64_t off, int64_t now)
{
	sqlite3_stmt	*st = s->s_st[ST_PBX_FOLLOW_SET];
	int		 rc;

	store_bind_text(st, 1, path);
	sqlite3_bind_int64(st, 2, dev);
	sqlite3_bind_int64(st, 3, ino);
	sqlite3_bind_int64(st, 4, off);
	sqlite3_bind_int64(st, 5, now);
	rc = sqlite3_step(st);
	store_pbx_done(st);
	return rc == SQLITE_DONE ? STORE_OK : store_fail(s,
	    "keeping the queue_log position");
}

/* Calls answered before `before` that no logged call points to, oldest
 * first, at most limit; *out caller frees. */
int
store_pbx_unlogged(struct store *s, int64_t before, long limit,
    struct pbx_call **out, size_t *n)
{
	sqlite3_stmt	*st = s->s_st[ST_PBX_UNLOGGED];
	struct pbx_call	*v;
	int		 rc;

	*out = NULL;
	*n = 0;
	if ((v = calloc(limit > 0 ? limit : 1, sizeof(*v))) == NULL)
		return store_fail(s, "out of memory");
	sqlite3_bind_int64(st, 1, before);
	sqlite3_bind_int64(st, 2, limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < (size_t)limit)
		store_pbx_row(st, &v[(*n)++]);
	store_pbx_done(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		free(v);
		*n = 0;
		return store_fail(s, "listing the unlogged calls");
	}
	*out = v;
	return STORE_OK;
}

int
store_pbx_unlogged_count(struct store *s, int64_t before, int64_t *n)
{
	sqlite3_stmt	*st = s->s_st[ST_PBX_UNLOGGED_COUNT];
	int		 rc;

	sqlite3_bind_int64(st, 1, before);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*n = sqlite3_column_int64(st, 0);
	store_pbx_done(st);
	return rc == SQLITE_ROW ? STORE_OK : store_fail(s,
	    "counting the unlogged calls");
}

/* The logged call call_id is the phone call pbx_id: STORE_NOTFOUND when
 * there is no such phone call, STORE_CONFLICT when it is logged already. */
int
store_pbx_link(struct store *s, const char *pbx_id, int64_t call_id)
{
	sqlite3_stmt	*st = s->s_st[ST_PBX_LINK];
	struct pbx_call	 pc;
	int		 rc;

	store_bind_text(st, 1, pbx_id);
	sqlite3_bind_int64(st, 2, call_id);
	rc = sqlite3_step(st);
	store_pbx_done(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, "joining a phone call");
	if (sqlite3_changes(s->s_db) == 1)
		return STORE_OK;
	rc = store_pbx_get(s, pbx_id, &pc);
	return rc == STORE_OK ? STORE_CONFLICT : rc;
}

/* The operator's latest answered call since `since` not yet logged. */
int
store_pbx_latest(struct store *s, const char *operator, int64_t since,
    struct pbx_call *pc)
{
	sqlite3_stmt	*st = s->s_st[ST_PBX_LATEST];
	int		 rc;

	store_bind_text(st, 1, operator);
	sqlite3_bind_int64(st, 2, since);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		store_pbx_row(st, pc);
	store_pbx_done(st);
	if (rc == SQLITE_ROW)
		return STORE_OK;
	return rc == SQLITE_DONE ? STORE_NOTFOUND : store_fail(s,
	    "finding the latest phone call");
}

/* Every call offered in [from, to), to cb. */
int
store_pbx_range(struct store *s, int64_t from, int64_t to,
    void (*cb)(const struct pbx_call *, void *), void *arg)
{
	sqlite3_stmt	*st = s->s_st[ST_PBX_RANGE];
	struct pbx_call	 pc;
	int		 rc;

	sqlite3_bind_int64(st, 1, from);
	sqlite3_bind_int64(st, 2, to);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_pbx_row(st, &pc);
		cb(&pc, arg);
	}
	store_pbx_done(st);
	return rc == SQLITE_DONE ? STORE_OK : store_fail(s,
	    "reading the phone calls");
}

/* Retention: forget the caller hash of at most max phone calls offered
 * before cutoff; *n how many. */
int
store_pbx_erase(struct store *s, int64_t cutoff, int max, int64_t *n)
{
	sqlite3_stmt	*st = s->s_st[ST_PBX_ERASE];
	int		 rc;

	sqlite3_bind_int64(st, 1, cutoff);
	sqlite3_bind_int(st, 2, max);
	rc = sqlite3_step(st);
	store_pbx_done(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, "erasing the phone calls' caller hashes");
	*n = sqlite3_changes(s->s_db);
	return STORE_OK;
}

/* The open callback item of a caller (by hash): STORE_NOTFOUND when none. */
int
store_pbx_callback_open(struct store *s, const char *hash, int64_t *item)
{
	sqlite3_stmt	*st = s->s_st[ST_PBX_CB_OPEN];
	int		 rc;

	store_bind_text(st, 1, hash);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*item = sqlite3_column_int64(st, 0);
	store_pbx_done(st);
	if (rc == SQLITE_ROW)
		return STORE_OK;
	if (rc == SQLITE_DONE)
		return STORE_NOTFOUND;
	return store_fail(s, "looking for a missed caller's item");
}

int
store_pbx_callback_add(struct store *s, const struct pbx_callback *cb)
{
	sqlite3_stmt	*st = s->s_st[ST_PBX_CB_ADD];
	int		 rc;

	sqlite3_bind_int64(st, 1, cb->cb_item_id);
	store_bind_text(st, 2, cb->cb_caller_hash);
	store_bind_text(st, 3, cb->cb_line[0] != '\0' ? cb->cb_line : NULL);
	store_bind_time(st, 4, cb->cb_pbx_call);
	sqlite3_bind_int64(st, 5, cb->cb_tries);
	sqlite3_bind_int64(st, 6, cb->cb_first_at);
	sqlite3_bind_int64(st, 7, cb->cb_last_at);
	sqlite3_bind_blob(st, 8, cb->cb_number, (int)cb->cb_number_len,
	    SQLITE_STATIC);
	rc = sqlite3_step(st);
	store_pbx_done(st);
	return rc == SQLITE_DONE ? STORE_OK :
	    store_fail(s, "adding a missed caller's item");
}

/* The caller tried again (phone call pbx_call, given up at at). */
int
store_pbx_callback_tried(struct store *s, int64_t item, int64_t pbx_call,
    int64_t at)
{
	sqlite3_stmt	*st = s->s_st[ST_PBX_CB_TRIED];
	int		 rc;

	sqlite3_bind_int64(st, 1, item);
	sqlite3_bind_int64(st, 2, pbx_call);
	sqlite3_bind_int64(st, 3, at);
	rc = sqlite3_step(st);
	store_pbx_done(st);
	return rc == SQLITE_DONE ? STORE_OK :
	    store_fail(s, "counting a missed caller's try");
}

int
store_pbx_callback_get(struct store *s, int64_t item, struct pbx_callback *cb)
{
	sqlite3_stmt	*st = s->s_st[ST_PBX_CB_GET];
	const void	*b;
	int		 rc, n;

	memset(cb, 0, sizeof(*cb));
	sqlite3_bind_int64(st, 1, item);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		cb->cb_item_id = sqlite3_column_int64(st, 0);
		store_pbx_text(st, 1, cb->cb_caller_hash,
		    sizeof(cb->cb_caller_hash));
		store_pbx_text(st, 2, cb->cb_line, sizeof(cb->cb_line));
		cb->cb_pbx_call = store_pbx_int(st, 3, 0);
		cb->cb_tries = sqlite3_column_int64(st, 4);
		cb->cb_first_at = sqlite3_column_int64(st, 5);
		cb->cb_last_at = sqlite3_column_int64(st, 6);
		b = sqlite3_column_blob(st, 7);
		n = sqlite3_column_bytes(st, 7);
		if (b != NULL && n > 0 && (size_t)n <= sizeof(cb->cb_number)) {
			memcpy(cb->cb_number, b, (size_t)n);
			cb->cb_number_len = (size_t)n;
		}
	}
	store_pbx_done(st);
	if (rc == SQLITE_ROW)
		return STORE_OK;
	if (rc == SQLITE_DONE)
		return STORE_NOTFOUND;
	return store_fail(s, "reading a missed caller's item");
}

/* Overwrite the sealed number (secure_delete: the page is zeroed). */
int
store_pbx_callback_erase(struct store *s, int64_t item)
{
	sqlite3_stmt	*st = s->s_st[ST_PBX_CB_ERASE];
	int		 rc;

	sqlite3_bind_int64(st, 1, item);
	rc = sqlite3_step(st);
	store_pbx_done(st);
	return rc == SQLITE_DONE ? STORE_OK :
	    store_fail(s, "erasing a missed caller's number");
}

/* Retention: the numbers of callers who first tried before cutoff. */
int
store_pbx_callback_expire(struct store *s, int64_t cutoff, int max,
    int64_t *n)
{
	sqlite3_stmt	*st = s->s_st[ST_PBX_CB_EXPIRE];
	int		 rc;

	sqlite3_bind_int64(st, 1, cutoff);
	sqlite3_bind_int(st, 2, max);
	rc = sqlite3_step(st);
	store_pbx_done(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, "erasing missed callers' numbers");
	*n = sqlite3_changes(s->s_db);
	return STORE_OK;
}

/* The hours' (buf[0]) and whole day's (buf[1]) records of one rollup
 * row; NULL and 0 when none (caller frees). */
int
store_pbx_rollup_get(struct store *s, int64_t day, const char *line,
    const char *op, unsigned char **buf, size_t *len)
{
	sqlite3_stmt	*st = s->s_st[ST_PBX_RU_GET];
	const void	*b;
	int		 rc, n, k;

	buf[0] = buf[1] = NULL;
	len[0] = len[1] = 0;
	sqlite3_bind_int64(st, 1, day);
	store_bind_text(st, 2, line);
	store_bind_text(st, 3, op);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		for (k = 0; k < 2; k++) {
			b = sqlite3_column_blob(st, k);
			n = sqlite3_column_bytes(st, k);
			if (n <= 0)
				continue;
			if ((buf[k] = malloc((size_t)n)) == NULL) {
				free(buf[0]);
				buf[0] = NULL;
				store_pbx_done(st);
				return store_fail(s, "out of memory");
			}
			memcpy(buf[k], b, (size_t)n);
			len[k] = (size_t)n;
		}
	store_pbx_done(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		free(buf[0]);
		free(buf[1]);
		buf[0] = buf[1] = NULL;
		return store_fail(s, "reading a phone rollup");
	}
	return STORE_OK;
}

/* Write a rollup row (hours, whole day); both empty delete it. */
int
store_pbx_rollup_put(struct store *s, int64_t day, const char *line,
    const char *op, unsigned char *const *buf, const size_t *len)
{
	sqlite3_stmt	*st;
	int		 rc, del = len[0] == 0 && len[1] == 0;

	st = s->s_st[del ? ST_PBX_RU_DEL : ST_PBX_RU_PUT];
	sqlite3_bind_int64(st, 1, day);
	store_bind_text(st, 2, line);
	store_bind_text(st, 3, op);
	if (!del) {
		sqlite3_bind_blob(st, 4, len[0] > 0 ? buf[0] : (const void *)"",
		    (int)len[0], SQLITE_STATIC);
		sqlite3_bind_blob(st, 5, len[1] > 0 ? buf[1] : (const void *)"",
		    (int)len[1], SQLITE_STATIC);
	}
	rc = sqlite3_step(st);
	store_pbx_done(st);
	return rc == SQLITE_DONE ? STORE_OK :
	    store_fail(s, "writing a phone rollup");
}

/* Are the rollups' days in zone (*ok 1), or missing or in another? */
int
store_pbx_rollup_zone(struct store *s, const char *zone, int *ok)
{
	sqlite3_stmt	*st = s->s_st[ST_PBX_RU_ZONE];
	const char	*z;
	int		 rc;

	*ok = 0;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		z = (const char *)sqlite3_column_text(st, 0);
		*ok = z != NULL && strcmp(z, zone) == 0;
	}
	store_pbx_done(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? STORE_OK :
	    store_fail(s, "reading the phone rollups' timezone");
}

/* No rollups, their days to be in zone. */
int
store_pbx_rollup_clear(struct store *s, const char *zone)
{
	sqlite3_stmt	*st = s->s_st[ST_PBX_RU_CLEAR];
	int		 rc;

	rc = sqlite3_step(st);
	store_pbx_done(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, "clearing the phone rollups");
	st = s->s_st[ST_PBX_RU_MARK];
	store_bind_text(st, 1, zone);
	rc = sqlite3_step(st);
	store_pbx_done(st);
	return rc == SQLITE_DONE ? STORE_OK :
	    store_fail(s, "clearing the phone rollups");
}

/* The rollup rows of the days in [from, to): the whole day's records,
 * and with hours the hours' too (else NULL, 0). */
int
store_pbx_rollup_range(struct store *s, int64_t from, int64_t to, int hours,
    void (*fn)(int64_t, const char *, const char *, const unsigned char *,
    size_t, const unsigned char *, size_t, void *), void *arg)
{
	sqlite3_stmt	*st = s->s_st[hours ? ST_PBX_RU_RANGE : ST_PBX_RU_DAYS];
	int		 rc;

	sqlite3_bind_int64(st, 1, from);
	sqlite3_bind_int64(st, 2, to);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		fn(sqlite3_column_int64(st, 0),
		    (const char *)sqlite3_column_text(st, 1),
		    (const char *)sqlite3_column_text(st, 2),
		    sqlite3_column_blob(st, 3),
		    (size_t)sqlite3_column_bytes(st, 3),
		    hours ? sqlite3_column_blob(st, 4) : NULL,
		    hours ? (size_t)sqlite3_column_bytes(st, 4) : 0, arg);
	store_pbx_done(st);
	return rc == SQLITE_DONE ? STORE_OK :
	    store_fail(s, "reading the phone rollups");
}
