/*
 * store.c: a fresh file gets the schema; calls round-trip field by field;
 * idempotency keys are unique per operator; lists filter and page; an
 * amendment keeps history and checks the version; a savepoint failure
 * undoes only its request; everything survives close and reopen; a
 * database from a newer schema is refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "unit.h"

static char	 dir[] = "/tmp/hotlined-store-XXXXXX";
static char	 path[300];

static void
make_call(struct call *c, const char *op, int64_t started, const char *line)
{
	call_init(c);
	c->c_line = strdup(line);
	c->c_started_at = started;
	c->c_operator = strdup(op);
	c->c_call_type = strdup("counseling");
	c->c_caller_type = strdup("medic");
	c->c_topics[0] = strdup("anxiety");
	c->c_topics[1] = strdup("sleep");
	c->c_ntopics = 2;
	c->c_risk = strdup("high");
	c->c_notes = strdup("夜班后失眠");
	c->c_duration_s = 600;
	c->c_assess[0] = strdup("no");
	c->c_assess[1] = strdup("no");
	c->c_assess[2] = strdup("no");
	c->c_assess[3] = strdup("yes");
}

static struct store *
open_store(void)
{
	struct store	*s;
	char		*cause = NULL;

	if ((s = store_open(path, 1000, &cause)) == NULL)
		fail_msg("store_open: %s", cause);
	return s;
}

static int
setup(void **state)
{
	(void)state;
	clock_set_timezone("Asia/Shanghai");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/t.db", dir);
	return 0;
}

static int
teardown(void **state)
{
	char	 p[320];

	(void)state;
	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
	rmdir(dir);
	return 0;
}

static void
test_insert_get_roundtrip(void **state)
{
	struct store	*s = open_store();
	struct call	 c, g;
	char		 fp[80];

	(void)state;
	make_call(&c, "wang", 1581874200, "400");
	assert_int_equal(store_begin(s), STORE_OK);
	assert_int_equal(store_call_insert(s, &c, "key-1", "fp-1"), STORE_OK);
	assert_int_equal(store_commit(s), STORE_OK);
	assert_true(c.c_id > 0);
	assert_int_equal(c.c_version, 1);
	call_init(&g);
	assert_int_equal(store_call_get(s, c.c_id, &g), STORE_OK);
	assert_string_equal(g.c_line, "400");
	assert_int_equal(g.c_started_at, 1581874200);
	assert_int_equal(g.c_duration_s, 600);
	assert_string_equal(g.c_operator, "wang");
	assert_int_equal(g.c_ntopics, 2);
	assert_string_equal(g.c_topics[0], "anxiety");
	assert_string_equal(g.c_topics[1], "sleep");
	assert_string_equal(g.c_notes, "夜班后失眠");
	assert_string_equal(g.c_assess[3], "yes");
	assert_null(g.c_gender);
	assert_int_equal(g.c_callback_at, 0);
	call_free(&g);
	/* The key finds it again, for this operator only. */
	call_init(&g);
	assert_int_equal(store_call_by_key(s, "wang", "key-1", &g, fp,
	    sizeof(fp)), STORE_OK);
	assert_int_equal(g.c_id, c.c_id);
	assert_string_equal(fp, "fp-1");
	call_free(&g);
	call_init(&g);
	assert_int_equal(store_call_by_key(s, "li", "key-1", &g, fp,
	    sizeof(fp)), STORE_NOTFOUND);
	assert_int_equal(store_call_get(s, 9999, &g), STORE_NOTFOUND);
	call_free(&g);
	/* The same key again is a conflict and leaves the batch usable. */
	call_free(&c);
	make_call(&c, "wang", 1581874300, "400");
	assert_int_equal(store_call_insert(s, &c, "key-1", "fp-2"),
	    STORE_CONFLICT);
	call_free(&c);
	make_call(&c, "wang", 1581874300, "9120");
	assert_int_equal(store_call_insert(s, &c, "key-2", "fp-2"), STORE_OK);
	assert_int_equal(store_commit(s), STORE_OK);
	call_free(&c);
	store_close(s);
}

static void
test_list_and_page(void **state)
{
	struct store		*s = open_store();
	struct call_filter	 f;
	struct call		 c, *v;
	char			*lines[] = { "2325" };
	size_t			 n, i, total = 0;
	int64_t			 prev = INT64_MAX;

	(void)state;
	for (i = 0; i < 7; i++) {
		make_call(&c, i % 2 ? "li" : "wang", 1581900000 + (int64_t)i *
		    60, "2325");
		assert_int_equal(store_call_insert(s, &c, NULL, NULL),
		    STORE_OK);
		call_free(&c);
	}
	assert_int_equal(store_commit(s), STORE_OK);
	memset(&f, 0, sizeof(f));
	f.f_lines = lines;
	f.f_nlines = 1;
	f.f_limit = 3;
	for (;;) {
		assert_int_equal(store_call_list(s, &f, &v, &n), STORE_OK);
		for (i = 0; i < n; i++) {
			assert_string_equal(v[i].c_line, "2325");
			assert_true(v[i].c_started_at < prev);
			prev = v[i].c_started_at;
		}
		total += n;
		if (n > 0) {
			f.f_has_cursor = 1;
			f.f_cur_started = v[n - 1].c_started_at;
			f.f_cur_id = v[n - 1].c_id;
		}
		for (i = 0; i < n; i++)
			call_free(&v[i]);
		free(v);
		if (n < 3)
			break;
	}
	assert_int_equal(total, 7);
	memset(&f, 0, sizeof(f));
	f.f_from = 1581900000 + 60;
	f.f_to = 1581900000 + 240;
	f.f_limit = 50;
	assert_int_equal(store_call_list(s, &f, &v, &n), STORE_OK);
	assert_int_equal(n, 3);
	for (i = 0; i < n; i++)
		call_free(&v[i]);
	free(v);
	store_close(s);
}

static void
test_update_history_and_version(void **state)
{
	struct store	*s = open_store();
	struct call	 c;
	json_t		*changes, *h;

	(void)state;
	make_call(&c, "wang", 1581874200, "400");
	assert_int_equal(store_call_insert(s, &c, NULL, NULL), STORE_OK);
	free(c.c_risk);
	c.c_risk = strdup("low");
	changes = json_pack("{s:{s:s, s:s}}", "risk", "from", "high", "to",
	    "low");
	assert_int_equal(store_call_update(s, &c, "wang", changes), STORE_OK);
	/* The same stale version again: a conflict. */
	assert_int_equal(store_call_update(s, &c, "wang", changes),
	    STORE_CONFLICT);
	assert_int_equal(store_commit(s), STORE_OK);
	h = store_call_history(s, c.c_id);
	assert_int_equal(json_array_size(h), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(h,
	    0), "version")), 1);
	assert_true(json_equal(json_object_get(json_array_get(h, 0),
	    "changes"), changes));
	json_decref(h);
	json_decref(changes);
	call_free(&c);
	assert_int_equal(store_call_get(s, 1, &c), STORE_OK);
	call_free(&c);
	store_close(s);
}

static void
test_rollback_and_reopen(void **state)
{
	struct store	*s = open_store();
	struct call	 c, g;
	int64_t		 id;

	(void)state;
	make_call(&c, "wang", 1581874200, "400");
	assert_int_equal(store_call_insert(s, &c, "gone", NULL), STORE_OK);
	id = c.c_id;
	store_rollback(s);
	call_free(&c);
	call_init(&g);
	assert_int_equal(store_call_get(s, id, &g), STORE_NOTFOUND);
	store_close(s);
	s = open_store();
	assert_int_equal(store_call_get(s, 1, &g), STORE_OK);
	assert_string_equal(g.c_notes, "夜班后失眠");
	call_free(&g);
	assert_int_equal(store_repeat_count(s, "none", 0), 0);
	store_close(s);
}

static void
test_newer_schema_refused(void **state)
{
	sqlite3		*db;
	char		*cause = NULL;

	(void)state;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL,
	    NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_null(store_open(path, 1000, &cause));
	assert_non_null(strstr(cause, "99"));
	assert_non_null(strstr(cause, "newer"));
	free(cause);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_insert_get_roundtrip),
		cmocka_unit_test(test_list_and_page),
		cmocka_unit_test(test_update_history_and_version),
		cmocka_unit_test(test_rollback_and_reopen),
		cmocka_unit_test(test_newer_schema_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
