/*
 * status.c: Prometheus label values escape backslash, double quote and
 * newline (and nothing else), truncating safely; a day's bounds are the
 * configured zone's midnights (Asia/Shanghai, a 23- and a 25-hour day in
 * Europe/Berlin); the in-memory counts start from the store, count only
 * committed calls, reset "today" at local midnight, age "last hour" by
 * the minute, and mark the store not ok after a failed commit until a
 * later one works.
 */
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "unit.h"
#include "server.h"

/* 2020-02-17T01:30:00+08:00 */
#define T_NIGHT	1581874200

static void
test_label_escape(void **state)
{
	static const struct {
		const char	*in;
		const char	*out;
	} cases[] = {
		{ "", "" },
		{ "plain", "plain" },
		{ "a\"b", "a\\\"b" },
		{ "a\\b", "a\\\\b" },
		{ "a\nb", "a\\nb" },
		{ "\\\"\n", "\\\\\\\"\\n" },
		{ "unix:/run/hotlined/status.sock", "unix:/run/hotlined/"
		    "status.sock" },
		{ "一线医护人员", "一线医护人员" },
		{ "tab\there", "tab\there" },
	};
	char	 buf[128];
	size_t	 i, n;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = status_label_escape(cases[i].in, buf, sizeof(buf));
		assert_string_equal(buf, cases[i].out);
		assert_int_equal(n, strlen(cases[i].out));
	}
	/* Too small: cut, terminated, and the needed length returned. */
	n = status_label_escape("ab\"cd", buf, 4);
	assert_int_equal(n, 6);
	assert_string_equal(buf, "ab\\");
	n = status_label_escape("abc", buf, 1);
	assert_int_equal(n, 3);
	assert_string_equal(buf, "");
	assert_int_equal(status_label_escape("abc", NULL, 0), 3);
}

static void
test_day_bounds(void **state)
{
	int64_t	 start, end, t;

	(void)state;
	assert_int_equal(clock_set_timezone("Asia/Shanghai"), 0);
	status_day_bounds(T_NIGHT, &start, &end);
	/* 2020-02-17T00:00:00+08:00 .. 2020-02-18T00:00:00+08:00 */
	assert_int_equal(start, 1581868800);
	assert_int_equal(end, 1581955200);
	/* The last second of a day and the first of the next. */
	status_day_bounds(end - 1, &start, &t);
	assert_int_equal(start, 1581868800);
	status_day_bounds(end, &start, &t);
	assert_int_equal(start, 1581955200);
	/* 16:00 UTC is midnight in Shanghai, not UTC's. */
	status_day_bounds(1581955200 - 1, &start, &end);
	assert_int_equal(start, 1581868800);

	assert_int_equal(clock_set_timezone("Europe/Berlin"), 0);
	/* 2020-03-29 has 23 hours, 2020-10-25 has 25. */
	status_day_bounds(1585476000, &start, &end);	/* 29 Mar 12:00 */
	assert_int_equal(start, 1585436400);
	assert_int_equal(end - start, 23 * 3600);
	status_day_bounds(1603620000, &start, &end);	/* 25 Oct 12:00 */
	assert_int_equal(end - start, 25 * 3600);
	assert_int_equal(clock_set_timezone("Asia/Shanghai"), 0);
}

static void
set_call(struct call *c, const char *line, int64_t started)
{
	call_init(c);
	c->c_line = strdup(line);
	c->c_caller_type = strdup("medic");
	c->c_risk = strdup("low");
	c->c_operator = strdup("wang");
	c->c_call_type = strdup("counseling");
	c->c_started_at = started;
}

static const json_t *
line_json(json_t *st, const char *code)
{
	json_t	*l;
	size_t	 i;

	json_array_foreach(json_object_get(st, "lines"), i, l)
		if (strcmp(json_string_value(json_object_get(l, "code")),
		    code) == 0)
			return l;
	fail_msg("no line %s", code);
	return NULL;
}

static json_int_t
num(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

static void
test_counts(void **state)
{
	struct config		*cf = unit_dev_config();
	struct event_base	*base = event_base_new();
	struct store		*s;
	struct call		 c;
	char			 dir[512], db[600], *cause = NULL;
	int64_t			 now, start, end;
	json_t			*st;

	(void)state;
	assert_non_null(base);
	assert_int_equal(unit_mkdtemp(dir, sizeof(dir), "status"), 0);
	snprintf(db, sizeof(db), "%s/hotline.db", dir);
	if ((s = store_open(db, 1000, &cause)) == NULL)
		fail_msg("store_open: %s", cause);
	free(cf->cf_db_path);
	cf->cf_db_path = strdup(db);

	/* One call already in the store, started now, with its rollups
	   (the lines' counts start from them). */
	now = clock_now();
	set_call(&c, "9120", now);
	assert_int_equal(store_call_insert(s, &c, NULL, NULL), STORE_OK);
	assert_int_equal(stats_rollup_add(s, cf, &c, NULL, 0, 1), STORE_OK);
	assert_int_equal(store_commit(s), STORE_OK);
	call_free(&c);
	if (status_init(base, s, NULL, cf, &cause) == -1)
		fail_msg("status_init: %s", cause);
	st = status_json(now);
	assert_int_equal(num(line_json(st, "9120"), "calls_today"), 1);
	assert_int_equal(num(line_json(st, "9120"), "calls_last_hour"), 1);
	assert_int_equal(num(st, "operators_active_today"), 1);
	assert_true(json_is_true(json_object_get(json_object_get(st,
	    "store"), "ok")));
	json_decref(st);

	/* Counted after the commit only; a failed commit counts nothing. */
	set_call(&c, "400", now);
	status_call_stored(&c);
	status_commit(0, 1500, "disk I/O error");
	st = status_json(now);
	assert_int_equal(num(line_json(st, "400"), "calls_today"), 0);
	assert_false(json_is_true(json_object_get(json_object_get(st,
	    "store"), "ok")));
	assert_non_null(strstr(json_string_value(json_object_get(
	    json_object_get(st, "store"), "reason")), "disk I/O error"));
	json_decref(st);
	status_call_stored(&c);
	status_commit(1, 800, NULL);
	call_free(&c);
	st = status_json(now);
	assert_int_equal(num(line_json(st, "400"), "calls_today"), 1);
	assert_true(json_is_true(json_object_get(json_object_get(st,
	    "store"), "ok")));
	json_decref(st);

	/* A call from yesterday: in no "today", nor the last hour. */
	status_day_bounds(now, &start, &end);
	set_call(&c, "2325", start - 60);
	status_call_stored(&c);
	status_commit(1, 800, NULL);
	call_free(&c);
	st = status_json(now);
	assert_int_equal(num(line_json(st, "2325"), "calls_today"), 0);
	json_decref(st);

	/* Past local midnight: today starts empty; the hour ages out. */
	st = status_json(end);
	assert_int_equal(num(line_json(st, "400"), "calls_today"), 0);
	assert_int_equal(num(line_json(st, "9120"), "calls_today"), 0);
	assert_int_equal(num(st, "operators_active_today"), 0);
	json_decref(st);
	st = status_json(now + 3600 + 60);
	assert_int_equal(num(line_json(st, "400"), "calls_last_hour"), 0);
	json_decref(st);

	status_free();
	store_close(s);
	event_base_free(base);
	config_free(cf);
	unlink(db);
	snprintf(db, sizeof(db), "%s/hotline.db-wal", dir);
	unlink(db);
	snprintf(db, sizeof(db), "%s/hotline.db-shm", dir);
	unlink(db);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_label_escape),
		cmocka_unit_test(test_day_bounds),
		cmocka_unit_test(test_counts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
