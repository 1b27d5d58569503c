/*
 * The pieces of statistics and export: local time buckets (hours, days,
 * ISO weeks, months; a day of 23 or 25 hours where the clocks change;
 * the first and last bucket cut to the range; the bucket cap) and the
 * CSV of a call (RFC 4180 quoting, names beside codes, personal columns
 * only when asked for).
 */
#include <string.h>

#include <event2/buffer.h>

#include "unit.h"
#include "domain.h"

static int64_t
at(const char *rfc3339)
{
	int64_t	 t;

	if (clock_parse(rfc3339, &t) == -1)
		fail_msg("bad time %s", rfc3339);
	return t;
}

static void
label(int64_t t, enum clock_unit u, const char *want)
{
	char	 buf[40];

	clock_bucket_label(t, u, buf, sizeof(buf));
	assert_string_equal(buf, want);
}

static void
test_days_in_shanghai(void **state)
{
	int64_t	*b;
	size_t	 n;

	(void)state;
	assert_int_equal(clock_set_timezone("Asia/Shanghai"), 0);
	assert_int_equal(clock_buckets(at("2020-02-16T00:00:00+08:00"),
	    at("2020-02-19T00:00:00+08:00"), CLOCK_DAY, 100, &b, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(b[1] - b[0], 86400);
	assert_int_equal(b[1], at("2020-02-17T00:00:00+08:00"));
	label(b[1], CLOCK_DAY, "2020-02-17");
	/* 17:30 UTC on the 16th is in the 17th's bucket. */
	assert_true(at("2020-02-16T17:30:00Z") >= b[1]);
	assert_true(at("2020-02-16T17:30:00Z") < b[2]);
	free(b);
	/* A range starting mid-day: the first bucket is cut, not widened. */
	assert_int_equal(clock_buckets(at("2020-02-16T12:00:00+08:00"),
	    at("2020-02-17T06:00:00+08:00"), CLOCK_DAY, 100, &b, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(b[0], at("2020-02-16T12:00:00+08:00"));
	assert_int_equal(b[1], at("2020-02-17T00:00:00+08:00"));
	assert_int_equal(b[2], at("2020-02-17T06:00:00+08:00"));
	free(b);
	/* Hours: 24 in a day; labels in local time. */
	assert_int_equal(clock_buckets(at("2020-02-17T00:00:00+08:00"),
	    at("2020-02-18T00:00:00+08:00"), CLOCK_HOUR, 100, &b, &n), 0);
	assert_int_equal(n, 24);
	label(b[23], CLOCK_HOUR, "2020-02-17 23:00");
	free(b);
	/* Too many buckets: refused. */
	assert_int_equal(clock_buckets(at("2000-01-01T00:00:00Z"),
	    at("2020-01-01T00:00:00Z"), CLOCK_HOUR, 10000, &b, &n), -1);
	assert_null(b);
}

static void
test_weeks_and_months(void **state)
{
	int64_t	*b;
	size_t	 n;

	(void)state;
	assert_int_equal(clock_set_timezone("Asia/Shanghai"), 0);
	/* Sunday 16 February is in ISO week 7; Monday the 17th starts 8. */
	assert_int_equal(clock_buckets(at("2020-02-16T00:00:00+08:00"),
	    at("2020-02-24T00:00:00+08:00"), CLOCK_WEEK, 100, &b, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(b[1], at("2020-02-17T00:00:00+08:00"));
	label(b[0], CLOCK_WEEK, "2020-W07");
	label(b[1], CLOCK_WEEK, "2020-W08");
	free(b);
	/* 2020 is a leap year; the ISO year of 2020-12-31 is 2020-W53. */
	assert_int_equal(clock_buckets(at("2020-01-15T00:00:00+08:00"),
	    at("2021-01-01T00:00:00+08:00"), CLOCK_MONTH, 100, &b, &n), 0);
	assert_int_equal(n, 12);
	assert_int_equal(b[2] - b[1], 29 * 86400);
	label(b[1], CLOCK_MONTH, "2020-02");
	label(b[11], CLOCK_MONTH, "2020-12");
	label(at("2020-12-31T12:00:00+08:00"), CLOCK_WEEK, "2020-W53");
	free(b);
}

static void
test_daylight_saving(void **state)
{
	int64_t	*b;
	size_t	 n;

	(void)state;
	/* Berlin: 29 March 2020 has 23 hours, 25 October 25. */
	assert_int_equal(clock_set_timezone("Europe/Berlin"), 0);
	assert_int_equal(clock_buckets(at("2020-03-28T00:00:00+01:00"),
	    at("2020-03-31T00:00:00+02:00"), CLOCK_DAY, 100, &b, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(b[2] - b[1], 23 * 3600);
	label(b[1], CLOCK_DAY, "2020-03-29");
	free(b);
	assert_int_equal(clock_buckets(at("2020-10-25T00:00:00+02:00"),
	    at("2020-10-26T00:00:00+01:00"), CLOCK_HOUR, 100, &b, &n), 0);
	assert_int_equal(n, 25);
	free(b);
	assert_int_equal(clock_set_timezone(UNIT_ZONE), 0);
}

/* The CSV text of b (caller frees). */
static char *
text(struct evbuffer *b)
{
	size_t	 n = evbuffer_get_length(b);
	char	*s = calloc(1, n + 1);

	assert_non_null(s);
	evbuffer_remove(b, s, n);
	return s;
}

/* c as the store's row hands it to the export (store_call_rows()). */
static void
row_of(const struct call *c, struct call_row *r)
{
	size_t	 i;

	memset(r, 0, sizeof(*r));
	r->cr_id = c->c_id;
	r->cr_started_at = c->c_started_at;
	r->cr_duration_s = c->c_duration_s;
	r->cr_callback_at = c->c_callback_at;
	r->cr_repeat_calls = c->c_repeat_calls;
	r->cr_created_at = c->c_created_at;
	r->cr_updated_at = c->c_updated_at;
	r->cr_version = c->c_version;
	r->cr_erased_at = c->c_erased_at;
	r->cr_line = c->c_line;
	r->cr_operator = c->c_operator;
	r->cr_call_type = c->c_call_type;
	r->cr_caller_type = c->c_caller_type;
	r->cr_gender = c->c_gender;
	r->cr_age_band = c->c_age_band;
	r->cr_risk = c->c_risk;
	r->cr_outcome = c->c_outcome;
	r->cr_notes = c->c_notes;
	r->cr_caller_name = c->c_caller_name;
	r->cr_caller_contact = c->c_caller_contact;
	for (i = 0; i < 4; i++)
		r->cr_assess[i] = c->c_assess[i];
	for (i = 0; i < c->c_ntopics; i++)
		r->cr_topics[i] = c->c_topics[i];
	r->cr_ntopics = c->c_ntopics;
	r->cr_consent = c->c_consent;
	r->cr_emergency = c->c_emergency;
}

/* Row r as one CSV line (caller frees). */
static char *
line(struct export_line *l, const struct config *cf,
    const struct call_row *r, int personal)
{
	struct evbuffer	*b = evbuffer_new();
	char		*s;

	assert_non_null(b);
	assert_int_equal(export_line_make(l, cf, r, personal), 0);
	assert_int_equal(export_csv_line(b, l, personal), 0);
	s = text(b);
	evbuffer_free(b);
	return s;
}

static void
test_csv(void **state)
{
	struct config		*cf = unit_dev_config();
	struct call		 c;
	struct call_row		 r;
	struct call_error	 err;
	struct export_line	 l;
	struct evbuffer		*b = evbuffer_new();
	json_t			*in;
	const char		*p;
	char			*s;

	(void)state;
	memset(&l, 0, sizeof(l));
	in = json_loads(FULL, 0, NULL);
	assert_non_null(in);
	json_object_set_new(in, "notes", json_string("a, \"b\"\r\nc"));
	call_init(&c);
	if (call_from_json(&c, in, cf, 1581874200, &err) == -1)
		fail_msg("%s: %s", err.ce_field, err.ce_msg);
	c.c_id = 7;
	c.c_operator = strdup("wang");
	c.c_created_at = c.c_updated_at = 1581874200;
	c.c_version = 1;
	row_of(&c, &r);
	r.cr_queue = "mhc";
	r.cr_priority = 1;
	export_csv_header(b, 0, 0);
	s = text(b);
	assert_null(strstr(s, "notes"));
	assert_null(strstr(s, "caller_name"));
	assert_non_null(strstr(s, ",consent,created_at,updated_at,version\r\n"));
	free(s);
	/* header=names: the same columns under their Chinese headings. */
	export_csv_header(b, 1, 1);
	s = text(b);
	assert_true(strncmp(s, "编号,开始时间,热线代码,热线,通话时长（秒）,", 62) ==
	    0);
	assert_non_null(strstr(s, ",来电者姓名,联系方式,备注,登记时间,更新时间,版本\r\n"));
	free(s);
	s = line(&l, cf, &r, 1);
	assert_true(strncmp(s, "7,2020-02-17T01:30:00+08:00,9120,"
	    "0532-85669120,1260,wang,info,", 51) == 0);
	assert_non_null(strstr(s, ",aid_team,援鄂医疗队队员,f,30-39,"
	    "infection_fear; sleep; family,感染担忧; 睡眠问题; 家庭困难,high,"
	    "高风险,callback,约定回访,2020-02-18T10:00:00+08:00,mhc,"
	    "青岛市精神卫生中心,1,yes,no,unknown,yes,yes,0,yes,张女士,"));
	assert_non_null(strstr(s, ",\"a, \"\"b\"\"\r\nc\","));
	assert_int_equal(strcmp(s + strlen(s) - 2, "\r\n"), 0);
	free(s);
	/* Without the personal columns: none of their values. */
	s = line(&l, cf, &r, 0);
	assert_null(strstr(s, "张女士"));
	assert_null(strstr(s, "\"a, "));
	free(s);
	/*
	 * A formula quoted, its quotes doubled; no queue, no assessment, no
	 * duration; erased personal fields say when.
	 */
	r.cr_queue = NULL;
	r.cr_assess[0] = NULL;
	r.cr_duration_s = -1;
	r.cr_outcome = NULL;
	r.cr_ntopics = 0;
	r.cr_erased_at = 1588262400;	/* 2020-05-01 00:00 +08:00 */
	r.cr_operator = "=1+\"2\",3";
	s = line(&l, cf, &r, 1);
	p = "7,2020-02-17T01:30:00+08:00,9120,0532-85669120,,"
	    "\"'=1+\"\"2\"\",3\",info,";
	assert_true(strncmp(s, p, strlen(p)) == 0);
	assert_non_null(strstr(s, ",aid_team,援鄂医疗队队员,f,30-39,,,high,"
	    "高风险,,,2020-02-18T10:00:00+08:00,,,,,,,,yes,0,yes,"
	    "(erased 2020-05-01),(erased 2020-05-01),(erased 2020-05-01),"
	    "2020-02-17T01:30:00+08:00,2020-02-17T01:30:00+08:00,1\r\n"));
	free(s);
	export_line_free(&l);
	json_decref(in);
	call_free(&c);
	evbuffer_free(b);
	config_free(cf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_days_in_shanghai),
		cmocka_unit_test(test_weeks_and_months),
		cmocka_unit_test(test_daylight_saving),
		cmocka_unit_test(test_csv),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
