/*
 * store.c on database files in a private temporary directory: a fresh
 * file gets the schema (user_version: the migrations this knows) and a
 * newer one is refused; a call validated by call.c is inserted with an
 * idempotency key, committed and read back field by field; keys are
 * found per operator and reused only as a conflict that leaves the
 * batch usable; lists filter by time, line, risk and operator, newest
 * first, and page by cursor through ties without loss or repeat; an
 * update checks the version, replaces the topics and records history;
 * repeat calls are counted by caller hash; a rollback or an uncommitted
 * close keeps nothing; a second handle finds the write lock busy;
 * everything committed is found again after reopen; a backup taken
 * while a handle is open holds every committed call, and none that was
 * not committed; the probe writes and leaves no batch; retention erases
 * in slices the personal fields of old calls, not held ones nor newer
 * ones, and the values in their history, once.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "unit.h"
#include "store.h"

static struct config	*cf;
static char		 dir[512];
static char		 dbpath[600];

/* 2020-02-17T01:30:00+08:00 */
#define T_NIGHT	1581874200


static void
remove_db(void)
{
	char	 p[700];

	unlink(dbpath);
	snprintf(p, sizeof(p), "%s-wal", dbpath);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", dbpath);
	unlink(p);
	snprintf(p, sizeof(p), "%s-journal", dbpath);
	unlink(p);
}

static int
group_setup(void **state)
{
	(void)state;
	cf = unit_dev_config();
	if (unit_mkdtemp(dir, sizeof(dir), "hotlined-store") == -1)
		return -1;
	snprintf(dbpath, sizeof(dbpath), "%s/calls.db", dir);
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	config_free(cf);
	remove_db();
	return rmdir(dir);
}

/* Each test starts from no database at all. */
static int
fresh(void **state)
{
	(void)state;
	remove_db();
	return 0;
}

static struct store *
open_store(void)
{
	struct store	*s;
	char		*cause = NULL;

	if ((s = store_open(dbpath, 1000, &cause)) == NULL)
		fail_msg("store_open: %s", cause);
	return s;
}

/* A call as the API would store it: validated, its operator set. */
static void
make_call(struct call *c, const char *text, const char *op)
{
	struct call_error	 err;
	json_t			*o;

	if ((o = json_loads(text, 0, NULL)) == NULL)
		fail_msg("bad test JSON: %s", text);
	call_init(c);
	if (call_from_json(c, o, cf, T_NIGHT + 86400, &err) != 0)
		fail_msg("%s: %s", err.ce_field, err.ce_msg);
	json_decref(o);
	c->c_operator = strdup(op);
	assert_non_null(c->c_operator);
}

/* A small call on line at started (UTC seconds) with risk. */
static void
make_small(struct call *c, const char *op, const char *line, int64_t started,
    const char *risk)
{
	char	 text[512], when[40];

	clock_format(started, when, sizeof(when));
	snprintf(text, sizeof(text), "{\"line\":\"%s\",\"caller_type\":"
	    "\"medic\",\"topics\":[\"anxiety\"],\"risk\":\"%s\","
	    "\"started_at\":\"%s\"}", line, risk, when);
	make_call(c, text, op);
}

static void
insert_ok(struct store *s, struct call *c, const char *key, const char *fp)
{
	int	 rc;

	if ((rc = store_call_insert(s, c, key, fp)) != STORE_OK)
		fail_msg("insert: %d: %s", rc, store_errmsg(s));
}

static void
free_list(struct call *v, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		call_free(&v[i]);
	free(v);
}

/* Every field of got equals want's; the server fields are checked apart. */
static void
assert_same_call(const struct call *want, const struct call *got)
{
	size_t	 i;

	assert_int_equal(got->c_id, want->c_id);
	assert_string_equal(got->c_line, want->c_line);
	assert_int_equal(got->c_started_at, want->c_started_at);
	assert_int_equal(got->c_duration_s, want->c_duration_s);
	assert_string_equal(got->c_operator, want->c_operator);
	assert_string_equal(got->c_call_type, want->c_call_type);
	assert_string_equal(got->c_caller_type, want->c_caller_type);
	if (want->c_gender == NULL)
		assert_null(got->c_gender);
	else
		assert_string_equal(got->c_gender, want->c_gender);
	if (want->c_age_band == NULL)
		assert_null(got->c_age_band);
	else
		assert_string_equal(got->c_age_band, want->c_age_band);
	assert_int_equal(got->c_ntopics, want->c_ntopics);
	for (i = 0; i < want->c_ntopics; i++)
		assert_string_equal(got->c_topics[i], want->c_topics[i]);
	assert_string_equal(got->c_risk, want->c_risk);
	if (want->c_outcome == NULL)
		assert_null(got->c_outcome);
	else
		assert_string_equal(got->c_outcome, want->c_outcome);
	assert_int_equal(got->c_callback_at, want->c_callback_at);
	if (want->c_notes == NULL)
		assert_null(got->c_notes);
	else
		assert_string_equal(got->c_notes, want->c_notes);
	assert_int_equal(got->c_consent, want->c_consent);
	if (want->c_caller_name == NULL)
		assert_null(got->c_caller_name);
	else
		assert_string_equal(got->c_caller_name, want->c_caller_name);
	if (want->c_caller_contact == NULL)
		assert_null(got->c_caller_contact);
	else
		assert_string_equal(got->c_caller_contact,
		    want->c_caller_contact);
	if (want->c_caller_hash == NULL)
		assert_null(got->c_caller_hash);
	else
		assert_string_equal(got->c_caller_hash, want->c_caller_hash);
	for (i = 0; i < 4; i++) {
		if (want->c_assess[i] == NULL)
			assert_null(got->c_assess[i]);
		else
			assert_string_equal(got->c_assess[i],
			    want->c_assess[i]);
	}
	assert_int_equal(got->c_emergency, want->c_emergency);
	assert_int_equal(got->c_repeat_calls, want->c_repeat_calls);
	assert_int_equal(got->c_created_at, want->c_created_at);
	assert_int_equal(got->c_updated_at, want->c_updated_at);
	assert_int_equal(got->c_version, want->c_version);
}

static int
user_version(void)
{
	sqlite3		*db;
	sqlite3_stmt	*st;
	int		 v = -1;

	assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1,
	    &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static void
test_open_fresh(void **state)
{
	struct store	*s;
	struct call	 c;
	char		*cause = NULL, bad[700];

	(void)state;
	s = open_store();
	assert_int_equal(store_in_batch(s), 0);
	call_init(&c);
	assert_int_equal(store_call_get(s, 1, &c), STORE_NOTFOUND);
	store_close(s);
	assert_int_equal(user_version(), store_schema_version());
	/* Opening again migrates nothing. */
	s = open_store();
	store_close(s);
	assert_int_equal(user_version(), store_schema_version());
	/* A directory that is not there: refused, the path named. */
	snprintf(bad, sizeof(bad), "%s/no-such-dir/calls.db", dir);
	assert_null(store_open(bad, 1000, &cause));
	assert_non_null(cause);
	assert_non_null(strstr(cause, bad));
	free(cause);
}

static void
test_newer_schema_refused(void **state)
{
	sqlite3		*db;
	char		*cause = NULL, want[128];

	(void)state;
	store_close(open_store());
	assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL,
	    NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_null(store_open(dbpath, 1000, &cause));
	assert_non_null(cause);
	assert_non_null(strstr(cause, dbpath));
	snprintf(want, sizeof(want), "schema version 99, newer than this "
	    "hotlined knows (%d)", store_schema_version());
	assert_non_null(strstr(cause, want));
	free(cause);
}

static void
test_insert_and_get(void **state)
{
	struct store	*s = open_store();
	struct call	 c, g;
	int64_t		 before, after;

	(void)state;
	make_call(&c, FULL, "wang");
	before = clock_now();
	assert_int_equal(store_begin(s), STORE_OK);
	assert_int_equal(store_in_batch(s), 1);
	insert_ok(s, &c, "6f1c7e1a-key-1", "fp-1");
	assert_int_equal(store_commit(s), STORE_OK);
	assert_int_equal(store_in_batch(s), 0);
	after = clock_now();
	/* The server fields are set on the record given. */
	assert_int_equal(c.c_id, 1);
	assert_int_equal(c.c_version, 1);
	assert_int_equal(c.c_repeat_calls, 0);
	assert_true(before <= c.c_created_at && c.c_created_at <= after);
	assert_int_equal(c.c_updated_at, c.c_created_at);

	call_init(&g);
	assert_int_equal(store_call_get(s, c.c_id, &g), STORE_OK);
	assert_same_call(&c, &g);
	/* And spelled out, so a shared mistake cannot hide. */
	assert_string_equal(g.c_line, "9120");
	assert_int_equal(g.c_started_at, T_NIGHT);
	assert_int_equal(g.c_duration_s, 1260);
	assert_string_equal(g.c_operator, "wang");
	assert_string_equal(g.c_call_type, "info");
	assert_string_equal(g.c_caller_type, "aid_team");
	assert_string_equal(g.c_gender, "f");
	assert_string_equal(g.c_age_band, "30-39");
	assert_int_equal(g.c_ntopics, 3);
	assert_string_equal(g.c_topics[0], "infection_fear");
	assert_string_equal(g.c_topics[1], "sleep");
	assert_string_equal(g.c_topics[2], "family");
	assert_string_equal(g.c_risk, "high");
	assert_string_equal(g.c_outcome, "callback");
	assert_int_equal(g.c_callback_at, 1581991200);
	assert_string_equal(g.c_notes, "援鄂归来，隔离期间失眠，担心家人。");
	assert_int_equal(g.c_consent, 1);
	assert_string_equal(g.c_caller_name, "张女士");
	assert_string_equal(g.c_caller_contact, "微信 zhang_2020");
	assert_int_equal(strlen(g.c_caller_hash), 64);
	assert_string_equal(g.c_assess[0], "yes");
	assert_string_equal(g.c_assess[1], "no");
	assert_string_equal(g.c_assess[2], "unknown");
	assert_string_equal(g.c_assess[3], "yes");
	assert_int_equal(g.c_emergency, 1);
	call_free(&g);
	call_free(&c);

	/* Absent optional fields come back absent, not empty or zero. */
	make_call(&c, "{\"line\":\"400\",\"caller_type\":\"medic\","
	    "\"topics\":[\"sleep\"],\"risk\":\"low\","
	    "\"started_at\":\"2020-02-17T02:00:00+08:00\"}", "li");
	insert_ok(s, &c, NULL, NULL);
	assert_int_equal(store_commit(s), STORE_OK);
	assert_int_equal(c.c_id, 2);
	call_init(&g);
	assert_int_equal(store_call_get(s, 2, &g), STORE_OK);
	assert_same_call(&c, &g);
	assert_int_equal(g.c_duration_s, -1);
	assert_null(g.c_gender);
	assert_null(g.c_outcome);
	assert_int_equal(g.c_callback_at, 0);
	assert_null(g.c_notes);
	assert_null(g.c_caller_hash);
	assert_null(g.c_assess[0]);
	assert_int_equal(g.c_consent, 0);
	call_free(&g);
	call_free(&c);
	call_init(&g);
	assert_int_equal(store_call_get(s, 3, &g), STORE_NOTFOUND);
	assert_int_equal(store_call_get(s, -1, &g), STORE_NOTFOUND);
	call_free(&g);
	store_close(s);
}

static void
test_idempotency_key(void **state)
{
	struct store	*s = open_store();
	struct call	 c, g;
	char		 fp[80];
	int64_t		 id;

	(void)state;
	make_call(&c, FULL, "wang");
	insert_ok(s, &c, "key-1", "fp-1");
	assert_int_equal(store_commit(s), STORE_OK);
	id = c.c_id;
	call_free(&c);

	call_init(&g);
	memset(fp, 'x', sizeof(fp));
	assert_int_equal(store_call_by_key(s, "wang", "key-1", &g, fp,
	    sizeof(fp)), STORE_OK);
	assert_int_equal(g.c_id, id);
	assert_string_equal(g.c_notes, "援鄂归来，隔离期间失眠，担心家人。");
	assert_int_equal(g.c_ntopics, 3);
	assert_string_equal(fp, "fp-1");
	call_free(&g);
	/* The fingerprint is cut to the buffer, never overrun. */
	call_init(&g);
	memset(fp, 'x', sizeof(fp));
	assert_int_equal(store_call_by_key(s, "wang", "key-1", &g, fp, 3),
	    STORE_OK);
	assert_string_equal(fp, "fp");
	assert_int_equal(fp[3], 'x');
	call_free(&g);
	/* Keys belong to their operator. */
	call_init(&g);
	assert_int_equal(store_call_by_key(s, "li", "key-1", &g, fp,
	    sizeof(fp)), STORE_NOTFOUND);
	assert_int_equal(store_call_by_key(s, "wang", "key-2", &g, fp,
	    sizeof(fp)), STORE_NOTFOUND);
	call_free(&g);

	/* The same key again is a conflict, and the batch goes on. */
	make_call(&c, FULL, "wang");
	assert_int_equal(store_call_insert(s, &c, "key-1", "fp-2"),
	    STORE_CONFLICT);
	call_free(&c);
	make_call(&c, FULL, "wang");
	insert_ok(s, &c, "key-2", "fp-2");
	assert_int_equal(c.c_id, id + 1);
	call_free(&c);
	/* Another operator may use the same key. */
	make_call(&c, FULL, "li");
	insert_ok(s, &c, "key-1", "fp-3");
	call_free(&c);
	/* No key: no uniqueness. */
	make_call(&c, FULL, "li");
	insert_ok(s, &c, NULL, NULL);
	call_free(&c);
	make_call(&c, FULL, "li");
	insert_ok(s, &c, NULL, NULL);
	call_free(&c);
	assert_int_equal(store_commit(s), STORE_OK);

	call_init(&g);
	assert_int_equal(store_call_by_key(s, "li", "key-1", &g, fp,
	    sizeof(fp)), STORE_OK);
	assert_string_equal(fp, "fp-3");
	assert_string_equal(g.c_operator, "li");
	call_free(&g);
	/* The refused insert left nothing behind: 5 calls, ids 1 to 5. */
	call_init(&g);
	assert_int_equal(store_call_get(s, 5, &g), STORE_OK);
	call_free(&g);
	call_init(&g);
	assert_int_equal(store_call_get(s, 6, &g), STORE_NOTFOUND);
	call_free(&g);
	store_close(s);
}

/* The calls for the list tests: [i] = {operator, line, risk, minute}. */
static const struct row {
	const char	*r_op, *r_line, *r_risk;
	int		 r_min;
} rows[] = {
	{ "wang", "400", "low", 0 },
	{ "li", "9120", "high", 10 },
	{ "wang", "2325", "none", 20 },
	{ "li", "400", "moderate", 20 },	/* ties at minute 20 */
	{ "wang", "400", "high", 20 },
	{ "wang", "9120", "low", 30 },
	{ "li", "2325", "high", 40 },
	{ "wang", "400", "low", 50 },
	{ "li", "400", "low", 50 },
	{ "wang", "2325", "imminent", 60 },
	{ "li", "9120", "none", 70 },
	{ "wang", "400", "moderate", 80 },
};
#define NROWS	(sizeof(rows) / sizeof(rows[0]))

static void
insert_rows(struct store *s)
{
	struct call	 c;
	size_t		 i;

	for (i = 0; i < NROWS; i++) {
		make_small(&c, rows[i].r_op, rows[i].r_line,
		    T_NIGHT + rows[i].r_min * 60, rows[i].r_risk);
		insert_ok(s, &c, NULL, NULL);
		assert_int_equal(c.c_id, (int64_t)i + 1);
		call_free(&c);
	}
	assert_int_equal(store_commit(s), STORE_OK);
}

/* The ids f lists, newest first, as "12,11,..."; into buf. */
static void
list_ids(struct store *s, const struct call_filter *f, char *buf,
    size_t len)
{
	struct call	*v;
	size_t		 n, i;
	int		 rc;

	buf[0] = '\0';
	if ((rc = store_call_list(s, f, &v, &n)) != STORE_OK)
		fail_msg("list: %d: %s", rc, store_errmsg(s));
	for (i = 0; i < n; i++)
		snprintf(buf + strlen(buf), len - strlen(buf), "%s%lld",
		    i ? "," : "", (long long)v[i].c_id);
	free_list(v, n);
}

static void
test_list_filters(void **state)
{
	struct store		*s = open_store();
	struct call_filter	 f;
	char			*l400[] = { "400" }, *l9120_2325[] = { "9120",
				    "2325" }, *rhigh[] = { "high", "imminent" },
				    *oli[] = { "li" }, *onobody[] = { "zhao" };
	char			 ids[256];
	struct call		*v;
	size_t			 n;

	(void)state;
	insert_rows(s);
	memset(&f, 0, sizeof(f));
	f.f_limit = 50;
	/* Newest first; a tie in started_at goes by id, highest first. */
	list_ids(s, &f, ids, sizeof(ids));
	assert_string_equal(ids, "12,11,10,9,8,7,6,5,4,3,2,1");
	f.f_limit = 4;
	list_ids(s, &f, ids, sizeof(ids));
	assert_string_equal(ids, "12,11,10,9");
	f.f_limit = 50;

	f.f_lines = l400;
	f.f_nlines = 1;
	list_ids(s, &f, ids, sizeof(ids));
	assert_string_equal(ids, "12,9,8,5,4,1");
	f.f_lines = l9120_2325;
	f.f_nlines = 2;
	list_ids(s, &f, ids, sizeof(ids));
	assert_string_equal(ids, "11,10,7,6,3,2");
	f.f_nlines = 0;
	f.f_lines = NULL;

	f.f_risks = rhigh;
	f.f_nrisks = 2;
	list_ids(s, &f, ids, sizeof(ids));
	assert_string_equal(ids, "10,7,5,2");
	f.f_ops = oli;
	f.f_nops = 1;
	list_ids(s, &f, ids, sizeof(ids));
	assert_string_equal(ids, "7,2");
	f.f_nrisks = 0;
	f.f_risks = NULL;
	list_ids(s, &f, ids, sizeof(ids));
	assert_string_equal(ids, "11,9,7,4,2");
	f.f_ops = onobody;
	list_ids(s, &f, ids, sizeof(ids));
	assert_string_equal(ids, "");
	f.f_nops = 0;
	f.f_ops = NULL;

	/* from is inclusive, to exclusive. */
	f.f_from = T_NIGHT + 20 * 60;
	f.f_to = T_NIGHT + 50 * 60;
	list_ids(s, &f, ids, sizeof(ids));
	assert_string_equal(ids, "7,6,5,4,3");
	f.f_to = 0;
	list_ids(s, &f, ids, sizeof(ids));
	assert_string_equal(ids, "12,11,10,9,8,7,6,5,4,3");
	f.f_from = 0;
	f.f_to = T_NIGHT + 10 * 60;
	list_ids(s, &f, ids, sizeof(ids));
	assert_string_equal(ids, "1");
	/* Everything together. */
	f.f_from = T_NIGHT + 10 * 60;
	f.f_to = T_NIGHT + 80 * 60;
	f.f_lines = l400;
	f.f_nlines = 1;
	f.f_ops = oli;
	f.f_nops = 1;
	list_ids(s, &f, ids, sizeof(ids));
	assert_string_equal(ids, "9,4");

	/* The records listed are whole. */
	memset(&f, 0, sizeof(f));
	f.f_limit = 1;
	assert_int_equal(store_call_list(s, &f, &v, &n), STORE_OK);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].c_operator, "wang");
	assert_string_equal(v[0].c_line, "400");
	assert_string_equal(v[0].c_risk, "moderate");
	assert_int_equal(v[0].c_started_at, T_NIGHT + 80 * 60);
	assert_int_equal(v[0].c_ntopics, 1);
	assert_string_equal(v[0].c_topics[0], "anxiety");
	assert_int_equal(v[0].c_version, 1);
	free_list(v, n);
	store_close(s);
}

static void
test_list_cursor_paging(void **state)
{
	struct store		*s = open_store();
	struct call_filter	 f;
	struct call		*v;
	char			 ids[256], all[256];
	char			*l400[] = { "400" };
	size_t			 n, i, pages = 0;
	long			 limit;

	(void)state;
	insert_rows(s);
	/* Every page size, including ones that split the ties. */
	for (limit = 1; limit <= 13; limit++) {
		memset(&f, 0, sizeof(f));
		f.f_limit = limit;
		all[0] = '\0';
		for (pages = 0; pages < 20; pages++) {
			assert_int_equal(store_call_list(s, &f, &v, &n),
			    STORE_OK);
			assert_true(n <= (size_t)limit);
			for (i = 0; i < n; i++)
				snprintf(all + strlen(all), sizeof(all) -
				    strlen(all), "%s%lld", all[0] ? "," : "",
				    (long long)v[i].c_id);
			if (n > 0) {
				f.f_has_cursor = 1;
				f.f_cur_started = v[n - 1].c_started_at;
				f.f_cur_id = v[n - 1].c_id;
			}
			free_list(v, n);
			if (n < (size_t)limit)
				break;
		}
		if (strcmp(all, "12,11,10,9,8,7,6,5,4,3,2,1") != 0)
			fail_msg("limit %ld: paged %s", limit, all);
		assert_int_equal(pages, (NROWS / (size_t)limit));
	}
	/* Paging within a filter. */
	memset(&f, 0, sizeof(f));
	f.f_limit = 2;
	f.f_lines = l400;
	f.f_nlines = 1;
	list_ids(s, &f, ids, sizeof(ids));
	assert_string_equal(ids, "12,9");
	f.f_has_cursor = 1;
	f.f_cur_started = T_NIGHT + 50 * 60;
	f.f_cur_id = 9;
	list_ids(s, &f, ids, sizeof(ids));
	assert_string_equal(ids, "8,5");
	f.f_cur_started = T_NIGHT + 20 * 60;
	f.f_cur_id = 5;
	list_ids(s, &f, ids, sizeof(ids));
	assert_string_equal(ids, "4,1");
	f.f_cur_started = T_NIGHT;
	f.f_cur_id = 1;
	list_ids(s, &f, ids, sizeof(ids));
	assert_string_equal(ids, "");
	store_close(s);
}

static void
test_update_and_history(void **state)
{
	struct store		*s = open_store();
	struct call		 c, upd, upd2, g;
	struct call_error	 err;
	json_t			*patch, *changes, *changes2, *h, *e;
	int64_t			 before, when;

	(void)state;
	make_call(&c, FULL, "wang");
	insert_ok(s, &c, "k", "fp");
	assert_int_equal(store_commit(s), STORE_OK);

	/* Amend as the API does: call_patch, then store_call_update. */
	patch = json_loads("{\"risk\":\"imminent\",\"topics\":[\"grief\","
	    "\"sleep\"],\"emergency_contacted\":false}", 0, NULL);
	call_init(&upd);
	assert_int_equal(call_patch(&c, patch, cf, &upd, &changes, &err), 0);
	json_decref(patch);
	assert_int_equal(json_object_size(changes), 3);
	before = clock_now();
	assert_int_equal(store_call_update(s, &upd, "wang", changes),
	    STORE_OK);
	assert_int_equal(store_commit(s), STORE_OK);

	call_init(&g);
	assert_int_equal(store_call_get(s, c.c_id, &g), STORE_OK);
	assert_int_equal(g.c_version, 2);
	assert_string_equal(g.c_risk, "imminent");
	assert_int_equal(g.c_emergency, 0);
	/* The topics are replaced, not added to. */
	assert_int_equal(g.c_ntopics, 2);
	assert_string_equal(g.c_topics[0], "grief");
	assert_string_equal(g.c_topics[1], "sleep");
	assert_true(g.c_updated_at >= before);
	assert_int_equal(g.c_created_at, c.c_created_at);
	assert_string_equal(g.c_notes, c.c_notes);
	assert_string_equal(g.c_caller_hash, c.c_caller_hash);
	assert_string_equal(g.c_operator, "wang");

	/* A second amendment from the stale version 1: refused, no trace. */
	upd.c_emergency = 1;
	assert_int_equal(store_call_update(s, &upd, "li", changes),
	    STORE_CONFLICT);
	assert_int_equal(store_commit(s), STORE_OK);
	call_free(&g);
	call_init(&g);
	assert_int_equal(store_call_get(s, c.c_id, &g), STORE_OK);
	assert_int_equal(g.c_version, 2);
	assert_int_equal(g.c_emergency, 0);

	/* From version 2: the second entry. */
	patch = json_loads("{\"outcome\":\"referred\"}", 0, NULL);
	call_init(&upd2);
	assert_int_equal(call_patch(&g, patch, cf, &upd2, &changes2, &err), 0);
	json_decref(patch);
	assert_int_equal(upd2.c_version, 2);
	assert_int_equal(store_call_update(s, &upd2, "chen", changes2),
	    STORE_OK);
	assert_int_equal(store_commit(s), STORE_OK);

	h = store_call_history(s, c.c_id);
	assert_non_null(h);
	assert_int_equal(json_array_size(h), 2);
	e = json_array_get(h, 0);
	assert_int_equal(json_integer_value(json_object_get(e, "version")), 1);
	assert_string_equal(json_string_value(json_object_get(e,
	    "amended_by")), "wang");
	assert_true(json_equal(json_object_get(e, "changes"), changes));
	assert_int_equal(clock_parse(json_string_value(json_object_get(e,
	    "amended_at")), &when), 0);
	assert_true(when >= before && when <= clock_now());
	e = json_array_get(h, 1);
	assert_int_equal(json_integer_value(json_object_get(e, "version")), 2);
	assert_string_equal(json_string_value(json_object_get(e,
	    "amended_by")), "chen");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    json_object_get(e, "changes"), "outcome"), "to")), "referred");
	json_decref(h);
	/* A call never amended, and no call: empty history. */
	h = store_call_history(s, 999);
	assert_int_equal(json_array_size(h), 0);
	json_decref(h);
	call_free(&g);
	call_init(&g);
	assert_int_equal(store_call_get(s, c.c_id, &g), STORE_OK);
	assert_int_equal(g.c_version, 3);
	assert_string_equal(g.c_outcome, "referred");
	call_free(&g);

	/* No such call: nothing to update. */
	upd2.c_id = 999;
	assert_int_equal(store_call_update(s, &upd2, "chen", changes2),
	    STORE_CONFLICT);
	store_rollback(s);
	json_decref(changes);
	json_decref(changes2);
	call_free(&upd);
	call_free(&upd2);
	call_free(&c);
	store_close(s);
}

static void
test_repeat_calls(void **state)
{
	struct store	*s = open_store();
	struct call	 c;
	char		*hash;
	int64_t		 ids[3];
	int		 i;

	(void)state;
	for (i = 0; i < 3; i++) {
		make_call(&c, "{\"line\":\"400\",\"caller_type\":\"medic\","
		    "\"topics\":[\"sleep\"],\"risk\":\"low\","
		    "\"caller_number\":\"138 0000 1234\"}", "wang");
		insert_ok(s, &c, NULL, NULL);
		/* Earlier calls from the same number, at insert. */
		assert_int_equal(c.c_repeat_calls, i);
		ids[i] = c.c_id;
		call_free(&c);
	}
	make_call(&c, "{\"line\":\"400\",\"caller_type\":\"medic\","
	    "\"topics\":[\"sleep\"],\"risk\":\"low\","
	    "\"caller_number\":\"139 0000 1234\"}", "wang");
	insert_ok(s, &c, NULL, NULL);
	assert_int_equal(c.c_repeat_calls, 0);
	call_free(&c);
	assert_int_equal(store_commit(s), STORE_OK);
	assert_int_equal(call_hash_number(cf, "13800001234", &hash), 0);
	assert_int_equal(store_repeat_count(s, hash, 0), 3);
	assert_int_equal(store_repeat_count(s, hash, ids[1]), 1);
	assert_int_equal(store_repeat_count(s, hash, ids[0]), 0);
	assert_int_equal(store_repeat_count(s, "0000", 0), 0);
	call_init(&c);
	assert_int_equal(store_call_get(s, ids[2], &c), STORE_OK);
	assert_int_equal(c.c_repeat_calls, 2);
	assert_string_equal(c.c_caller_hash, hash);
	call_free(&c);
	free(hash);
	store_close(s);
}

static void
test_rollback(void **state)
{
	struct store	*s = open_store();
	struct call	 c, g;
	char		 fp[16];
	int64_t		 id;

	(void)state;
	make_call(&c, FULL, "wang");
	insert_ok(s, &c, "gone", "fp");
	id = c.c_id;
	call_free(&c);
	store_rollback(s);
	assert_int_equal(store_in_batch(s), 0);
	call_init(&g);
	assert_int_equal(store_call_get(s, id, &g), STORE_NOTFOUND);
	assert_int_equal(store_call_by_key(s, "wang", "gone", &g, fp,
	    sizeof(fp)), STORE_NOTFOUND);
	call_free(&g);
	/* The key is free again. */
	make_call(&c, FULL, "wang");
	insert_ok(s, &c, "gone", "fp");
	call_free(&c);
	assert_int_equal(store_commit(s), STORE_OK);
	/* A commit with nothing open is a no-op. */
	assert_int_equal(store_commit(s), STORE_OK);
	/* Closing with a batch open keeps nothing of it. */
	make_call(&c, FULL, "wang");
	insert_ok(s, &c, "uncommitted", NULL);
	id = c.c_id;
	call_free(&c);
	store_close(s);
	s = open_store();
	call_init(&g);
	assert_int_equal(store_call_get(s, id, &g), STORE_NOTFOUND);
	assert_int_equal(store_call_by_key(s, "wang", "gone", &g, fp,
	    sizeof(fp)), STORE_OK);
	call_free(&g);
	store_close(s);
}

static void
test_busy(void **state)
{
	struct store	*a = open_store(), *b = open_store();
	struct call	 c, g;

	(void)state;
	assert_int_equal(store_begin(a), STORE_OK);
	/* The write lock is taken without waiting: busy, try later. */
	assert_int_equal(store_begin(b), STORE_BUSY);
	assert_int_equal(store_in_batch(b), 0);
	make_call(&c, FULL, "wang");
	insert_ok(a, &c, NULL, NULL);
	call_free(&c);
	/* Reads go on beside the writer. */
	call_init(&g);
	assert_int_equal(store_call_get(b, 1, &g), STORE_NOTFOUND);
	assert_int_equal(store_commit(a), STORE_OK);
	assert_int_equal(store_call_get(b, 1, &g), STORE_OK);
	call_free(&g);
	assert_int_equal(store_begin(b), STORE_OK);
	assert_int_equal(store_commit(b), STORE_OK);
	store_close(a);
	store_close(b);
}

static void
test_reopen(void **state)
{
	struct store		*s = open_store();
	struct store		*s2;
	struct call		 c, upd, g, saved;
	struct call_error	 err;
	struct call_filter	 f;
	json_t			*patch, *changes, *h;
	char			 fp[16], ids[256];

	(void)state;
	insert_rows(s);
	make_call(&c, FULL, "wang");
	insert_ok(s, &c, "key-full", "fp-full");
	assert_int_equal(store_commit(s), STORE_OK);
	patch = json_loads("{\"notes\":\"回访已完成\"}", 0, NULL);
	call_init(&upd);
	assert_int_equal(call_patch(&c, patch, cf, &upd, &changes, &err), 0);
	json_decref(patch);
	assert_int_equal(store_call_update(s, &upd, "wang", changes),
	    STORE_OK);
	assert_int_equal(store_commit(s), STORE_OK);
	call_init(&saved);
	assert_int_equal(store_call_get(s, c.c_id, &saved), STORE_OK);
	store_close(s);

	s2 = open_store();
	call_init(&g);
	assert_int_equal(store_call_get(s2, c.c_id, &g), STORE_OK);
	assert_same_call(&saved, &g);
	assert_string_equal(g.c_notes, "回访已完成");
	assert_int_equal(g.c_version, 2);
	call_free(&g);
	call_init(&g);
	assert_int_equal(store_call_by_key(s2, "wang", "key-full", &g, fp,
	    sizeof(fp)), STORE_OK);
	assert_int_equal(g.c_id, c.c_id);
	assert_string_equal(fp, "fp-full");
	call_free(&g);
	h = store_call_history(s2, c.c_id);
	assert_int_equal(json_array_size(h), 1);
	assert_true(json_equal(json_object_get(json_array_get(h, 0),
	    "changes"), changes));
	json_decref(h);
	memset(&f, 0, sizeof(f));
	f.f_limit = 50;
	list_ids(s2, &f, ids, sizeof(ids));
	/* The full call ties with row 1 and, a later id, comes first. */
	assert_string_equal(ids, "12,11,10,9,8,7,6,5,4,3,2,13,1");
	/* New ids go on after the old. */
	call_free(&g);
	make_call(&g, FULL, "li");
	insert_ok(s2, &g, NULL, NULL);
	assert_int_equal(g.c_id, 14);
	assert_int_equal(g.c_repeat_calls, 1);
	assert_int_equal(store_commit(s2), STORE_OK);
	call_free(&g);
	store_close(s2);
	json_decref(changes);
	call_free(&saved);
	call_free(&upd);
	call_free(&c);
}

/* A copy made by store_backup() while the store is open and writing. */
static void
test_backup(void **state)
{
	struct store	*s = open_store();
	struct call	 c;
	sqlite3		*db;
	sqlite3_stmt	*st;
	char		 dest[700], *cause = NULL;

	(void)state;
	make_call(&c, FULL, "wang");
	insert_ok(s, &c, "key-b", "fp-b");
	assert_int_equal(store_commit(s), STORE_OK);
	call_free(&c);
	make_call(&c, FULL, "li");
	insert_ok(s, &c, "key-open", "fp-open");	/* not committed */
	snprintf(dest, sizeof(dest), "%s/copy.db", dir);
	unlink(dest);
	assert_int_equal(store_backup(dbpath, dest, &cause), 0);
	assert_null(cause);
	store_rollback(s);
	assert_int_equal(store_probe(s), STORE_OK);
	assert_int_equal(store_in_batch(s), 0);
	store_close(s);
	call_free(&c);
	assert_int_equal(sqlite3_open(dest, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT group_concat(idem_key)"
	    " FROM calls", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "key-b");
	sqlite3_finalize(st);
	sqlite3_close(db);
	unlink(dest);
	/* A destination that cannot be written is an error with a reason. */
	assert_int_equal(store_backup(dbpath, "/nonexistent/dir/copy.db",
	    &cause), -1);
	assert_non_null(strstr(cause, "No such file or directory"));
	free(cause);
}

/* Amend c's notes (a history entry with both values) or its hold. */
static void
amend(struct store *s, struct call *c, const char *text)
{
	struct call		 upd;
	struct call_error	 err;
	json_t			*patch, *changes;

	patch = json_loads(text, 0, NULL);
	call_init(&upd);
	assert_int_equal(call_patch(c, patch, cf, &upd, &changes, &err), 0);
	json_decref(patch);
	assert_int_equal(store_call_update(s, &upd, "wang", changes),
	    STORE_OK);
	json_decref(changes);
	call_free(&upd);
}

/* Wait (at most 20 s) for the checkpoint thread's TRUNCATE. */
static void
wal_wait_cut(struct store *s)
{
	struct timespec		 pause = { 0, 20 * 1000 * 1000 };
	struct store_wal_info	 wi;
	int			 i;

	for (i = 0; i < 1000; i++) {
		store_wal_info(s, &wi);
		if (wi.wi_bytes == 0 && wi.wi_last_at != 0 &&
		    strcmp(wi.wi_last_mode, "truncate") == 0 && !wi.wi_last_busy)
			break;
		nanosleep(&pause, NULL);
	}
	assert_int_equal(wi.wi_bytes, 0);
	assert_string_equal(wi.wi_last_mode, "truncate");
	assert_int_equal(wi.wi_failed, 0);
}

static void
test_erase_slices(void **state)
{
	struct store	*s = open_store();
	struct call	 c[7], g;
	json_t		*h;
	char		*text;
	int64_t		 n, now = T_NIGHT + 30 * 86400;
	int		 i;

	(void)state;
	/* Five old calls, one old and held, one new. */
	for (i = 0; i < 7; i++) {
		make_call(&c[i], FULL, "wang");
		if (i == 6)
			c[i].c_started_at = now - 3600;
		insert_ok(s, &c[i], NULL, NULL);
	}
	amend(s, &c[0], "{\"notes\":\"第二稿\"}");
	amend(s, &c[5], "{\"legal_hold\":true}");
	assert_int_equal(store_commit(s), STORE_OK);
	/* In slices of two: 2, 2, 1, then nothing is left. */
	for (i = 0; i < 4; i++) {
		assert_int_equal(store_erase_slice(s, now - 86400, now, 2, &n),
		    STORE_OK);
		assert_int_equal(n, i < 2 ? 2 : i == 2 ? 1 : 0);
		assert_int_equal(store_commit(s), STORE_OK);
	}
	/* The checkpoint thread cuts the WAL to nothing once asked. */
	assert_int_equal(store_checkpoint(s), STORE_OK);
	wal_wait_cut(s);
	for (i = 0; i < 7; i++) {
		call_init(&g);
		assert_int_equal(store_call_get(s, c[i].c_id, &g), STORE_OK);
		if (i < 5) {
			assert_int_equal(g.c_erased_at, now);
			assert_null(g.c_notes);
			assert_null(g.c_caller_name);
			assert_null(g.c_caller_contact);
			assert_null(g.c_caller_hash);
		} else {
			assert_int_equal(g.c_erased_at, 0);
			assert_non_null(g.c_notes);
			assert_non_null(g.c_caller_hash);
		}
		/* What the statistics read is kept. */
		assert_string_equal(g.c_risk, "high");
		assert_int_equal(g.c_ntopics, 3);
		assert_int_equal(g.c_duration_s, 1260);
		assert_int_equal(g.c_legal_hold, i == 5);
		call_free(&g);
	}
	/* The history says notes changed, and no longer from what to what. */
	h = store_call_history(s, c[0].c_id);
	assert_non_null(h);
	assert_int_equal(json_array_size(h), 1);
	text = json_dumps(json_object_get(json_array_get(h, 0), "changes"),
	    JSON_COMPACT);
	assert_string_equal(text, "{\"notes\":\"(erased)\"}");
	free(text);
	json_decref(h);
	h = store_call_history(s, c[5].c_id);
	text = json_dumps(json_object_get(json_array_get(h, 0), "changes"),
	    JSON_COMPACT);
	assert_string_equal(text, "{\"legal_hold\":{\"from\":false,"
	    "\"to\":true}}");
	free(text);
	json_decref(h);
	for (i = 0; i < 7; i++)
		call_free(&c[i]);
	store_close(s);
}

/*
 * Once a store is open, SQLite in this process must still carry a
 * savepoint whose page images are many megabytes: with that journal held
 * in memory up to 4 MiB and spilled past it (SQLITE_CONFIG_STMTJRNL_SPILL),
 * SQLite 3.40 answered such a savepoint SQLITE_FULL, "database or disk
 * is full", with the disk nearly empty (a care form of 12 000 people
 * imported again, a migration's second index over a million calls).
 */
static void
test_large_savepoint(void **state)
{
	struct store	*s;
	sqlite3		*db;
	char		 path[600], *err = NULL;
	int		 rc;

	(void)state;
	s = open_store();	/* configures SQLite for the process */
	snprintf(path, sizeof(path), "%s/savepoint.db", dir);
	unlink(path);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA journal_mode = WAL;"
	    "CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, b BLOB);"
	    "WITH RECURSIVE i(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM i"
	    "  WHERE x < 20000) INSERT INTO t SELECT x, 0, zeroblob(1500)"
	    "  FROM i;", NULL, NULL, &err), SQLITE_OK);
	/* As a write of the batch: a savepoint inside the transaction. */
	rc = sqlite3_exec(db, "BEGIN IMMEDIATE; SAVEPOINT w;"
	    "UPDATE t SET n = n + 1; RELEASE w; COMMIT;", NULL, NULL, &err);
	if (rc != SQLITE_OK)
		fail_msg("a savepoint over 20 000 rows: %s", err);
	sqlite3_close(db);
	store_close(s);
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_open_fresh, fresh),
		cmocka_unit_test_setup(test_newer_schema_refused, fresh),
		cmocka_unit_test_setup(test_insert_and_get, fresh),
		cmocka_unit_test_setup(test_idempotency_key, fresh),
		cmocka_unit_test_setup(test_list_filters, fresh),
		cmocka_unit_test_setup(test_list_cursor_paging, fresh),
		cmocka_unit_test_setup(test_update_and_history, fresh),
		cmocka_unit_test_setup(test_repeat_calls, fresh),
		cmocka_unit_test_setup(test_rollback, fresh),
		cmocka_unit_test_setup(test_busy, fresh),
		cmocka_unit_test_setup(test_reopen, fresh),
		cmocka_unit_test_setup(test_backup, fresh),
		cmocka_unit_test_setup(test_erase_slices, fresh),
		cmocka_unit_test_setup(test_large_savepoint, fresh),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
