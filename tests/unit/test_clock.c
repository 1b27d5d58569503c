/*
 * clock.c: clock_parse takes strict RFC 3339 with a zone (Z, z, +08:00,
 * -03:30, fractions dropped) and refuses a missing zone, impossible dates
 * and times, bad offsets and trailing garbage, leaving the output alone;
 * clock_parse_date gives a day's local bounds (Asia/Shanghai, and a
 * 23-hour DST day in Europe/Berlin); clock_format prints local time with
 * its offset (+08:00, -03:30, +05:45, Z) and round-trips through
 * clock_parse; only installed zones can be set.
 */
#include <string.h>
#include <time.h>

#include "unit.h"

/* 2020-02-17T01:30:00+08:00, the hotline's busiest night shift. */
#define T_NIGHT	1581874200

/* Every test starts in the hotline's own zone. */
static int
zone_setup(void **state)
{
	(void)state;
	return clock_set_timezone(UNIT_ZONE);
}

static int64_t
parse_ok(const char *s)
{
	int64_t	 t = -1;

	if (clock_parse(s, &t) != 0)
		fail_msg("refused \"%s\"", s);
	return t;
}

static void
test_parse_zones(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("2020-02-16T17:30:00Z"), T_NIGHT);
	assert_int_equal(parse_ok("2020-02-17T01:30:00+08:00"), T_NIGHT);
	assert_int_equal(parse_ok("2020-02-16T17:30:00+00:00"), T_NIGHT);
	assert_int_equal(parse_ok("2020-02-16T17:30:00-00:00"), T_NIGHT);
	assert_int_equal(parse_ok("2020-02-16T12:30:00-05:00"), T_NIGHT);
	assert_int_equal(parse_ok("2020-02-16T14:00:00-03:30"), T_NIGHT);
	assert_int_equal(parse_ok("2020-02-16T23:15:00+05:45"), T_NIGHT);
	/* RFC 3339 5.6: lower case t and z, and a space, are allowed. */
	assert_int_equal(parse_ok("2020-02-16t17:30:00z"), T_NIGHT);
	assert_int_equal(parse_ok("2020-02-17 01:30:00+08:00"), T_NIGHT);
	/* Fractions of a second are dropped, not rounded. */
	assert_int_equal(parse_ok("2020-02-16T17:30:00.999Z"), T_NIGHT);
	assert_int_equal(parse_ok("2020-02-17T01:30:00.5+08:00"), T_NIGHT);
}

static void
test_parse_calendar(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("1970-01-01T00:00:00Z"), 0);
	assert_int_equal(parse_ok("1970-01-01T08:00:00+08:00"), 0);
	assert_int_equal(parse_ok("2020-02-29T00:00:00Z"), 1582934400);
	assert_int_equal(parse_ok("2000-02-29T00:00:00Z"), 951782400);
	assert_int_equal(parse_ok("2020-12-31T23:59:59Z"), 1609459199);
	/* Past 2038: time is 64 bits. */
	assert_int_equal(parse_ok("2038-01-19T03:14:08Z"), 2147483648LL);
	/* A leap second is taken as the second before it. */
	assert_int_equal(parse_ok("2016-12-31T23:59:60Z"), 1483228799);
}

static void
test_parse_rejects(void **state)
{
	static const char *const bad[] = {
		/* no zone */
		"2020-02-17T01:30:00",
		"2020-02-17T01:30:00.5",
		"2020-02-17T01:30:00 ",
		"2020-02-17T01:30",
		"2020-02-17",
		"",
		/* impossible dates */
		"2020-02-30T01:30:00Z",
		"2019-02-29T01:30:00Z",
		"2100-02-29T01:30:00Z",
		"2020-04-31T01:30:00Z",
		"2020-13-01T01:30:00Z",
		"2020-00-10T01:30:00Z",
		"2020-01-00T01:30:00Z",
		"1969-12-31T23:59:59Z",
		/* impossible times */
		"2020-02-17T24:00:00Z",
		"2020-02-17T23:60:00Z",
		"2020-02-17T23:59:61Z",
		/* trailing garbage */
		"2020-02-17T01:30:00Zjunk",
		"2020-02-17T01:30:00ZZ",
		"2020-02-17T01:30:00+08:00x",
		"2020-02-17T01:30:00+08:00:00",
		"2020-02-17T01:30:00+08:00 ",
		/* bad zones */
		"2020-02-17T01:30:00+08",
		"2020-02-17T01:30:00+8:00",
		"2020-02-17T01:30:00+24:00",
		"2020-02-17T01:30:00+08:60",
		"2020-02-17T01:30:00 UTC",
		"2020-02-17T01:30:00GMT+8",
		/* bad shapes */
		"2020/02/17T01:30:00Z",
		"2020-02-17X01:30:00Z",
		"2020-02-17T01.30.00Z",
		"2020-2-17T01:30:00Z",
		"20-02-17T01:30:00+08:00",
		" 2020-02-17T01:30:00Z",
		"2020-02-17T01:30:00.Z",
		"+2020-02-17T01:30:00Z",
	};
	size_t	 i;
	int64_t	 t;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		t = 42;
		if (clock_parse(bad[i], &t) != -1)
			fail_msg("accepted \"%s\" as %lld", bad[i],
			    (long long)t);
		/* A refusal leaves the output as it was. */
		assert_int_equal(t, 42);
	}
}

static void
test_parse_date_shanghai(void **state)
{
	int64_t	 start = 0, end = 0;

	(void)state;
	/* 2020-02-17 in Shanghai: 2020-02-16T16:00Z to 2020-02-17T16:00Z. */
	assert_int_equal(clock_parse_date("2020-02-17", &start, &end), 0);
	assert_int_equal(start, 1581868800);
	assert_int_equal(end, 1581955200);
	assert_int_equal(start, parse_ok("2020-02-17T00:00:00+08:00"));
	/* The night call belongs to the 17th, not the 16th (UTC date). */
	assert_true(start <= T_NIGHT && T_NIGHT < end);
	/* Month and year ends roll over. */
	assert_int_equal(clock_parse_date("2020-02-29", &start, &end), 0);
	assert_int_equal(start, parse_ok("2020-02-29T00:00:00+08:00"));
	assert_int_equal(end, parse_ok("2020-03-01T00:00:00+08:00"));
	assert_int_equal(clock_parse_date("2020-12-31", &start, &end), 0);
	assert_int_equal(start, 1609344000);
	assert_int_equal(end, 1609430400);
}

static void
test_parse_date_dst(void **state)
{
	int64_t	 start = 0, end = 0;

	(void)state;
	/* Clocks went forward on 2020-03-29 in Berlin: a 23-hour day. */
	assert_int_equal(clock_set_timezone("Europe/Berlin"), 0);
	assert_int_equal(clock_parse_date("2020-03-29", &start, &end), 0);
	assert_int_equal(start, parse_ok("2020-03-29T00:00:00+01:00"));
	assert_int_equal(end, parse_ok("2020-03-30T00:00:00+02:00"));
	assert_int_equal(end - start, 23 * 3600);
	/* ... and back on 2020-10-25: 25 hours. */
	assert_int_equal(clock_parse_date("2020-10-25", &start, &end), 0);
	assert_int_equal(end - start, 25 * 3600);
}

static void
test_parse_date_rejects(void **state)
{
	static const char *const bad[] = { "2020-02-30", "2021-02-29",
	    "2020-13-01", "2020-2-17", "2020-02-17T00:00:00+08:00",
	    "2020-02-17 ", "20200217", "", "1969-12-31", "2020-02-1x" };
	size_t	 i;
	int64_t	 start, end;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		start = end = 42;
		if (clock_parse_date(bad[i], &start, &end) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_int_equal(start, 42);
		assert_int_equal(end, 42);
	}
}

static void
test_format_shanghai(void **state)
{
	char	 buf[40];

	(void)state;
	clock_format(T_NIGHT, buf, sizeof(buf));
	assert_string_equal(buf, "2020-02-17T01:30:00+08:00");
	clock_format(0, buf, sizeof(buf));
	assert_string_equal(buf, "1970-01-01T08:00:00+08:00");
	clock_format(1609430399, buf, sizeof(buf));
	assert_string_equal(buf, "2020-12-31T23:59:59+08:00");
	clock_format(2147483648LL, buf, sizeof(buf));
	assert_string_equal(buf, "2038-01-19T11:14:08+08:00");
	/* A short buffer is cut, never overrun. */
	memset(buf, 'x', sizeof(buf));
	clock_format(T_NIGHT, buf, 11);
	assert_string_equal(buf, "2020-02-17");
	assert_int_equal(buf[11], 'x');
}

static void
test_format_other_zones(void **state)
{
	char	 buf[40];

	(void)state;
	assert_int_equal(clock_set_timezone("UTC"), 0);
	clock_format(T_NIGHT, buf, sizeof(buf));
	assert_string_equal(buf, "2020-02-16T17:30:00Z");
	assert_int_equal(clock_set_timezone("America/St_Johns"), 0);
	clock_format(T_NIGHT, buf, sizeof(buf));
	assert_string_equal(buf, "2020-02-16T14:00:00-03:30");
	assert_int_equal(clock_set_timezone("Asia/Kathmandu"), 0);
	clock_format(T_NIGHT, buf, sizeof(buf));
	assert_string_equal(buf, "2020-02-16T23:15:00+05:45");
}

static void
test_format_round_trip(void **state)
{
	static const int64_t	 times[] = { 0, 1, T_NIGHT, 1582934399,
	    1609430400, 2147483648LL, 4102444800LL };
	char			 buf[40];
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
		clock_format(times[i], buf, sizeof(buf));
		assert_int_equal(strlen(buf), 25);
		assert_string_equal(buf + 19, "+08:00");
		assert_int_equal(parse_ok(buf), times[i]);
	}
}

static void
test_set_timezone(void **state)
{
	char	 buf[40];

	(void)state;
	assert_int_equal(clock_zone_exists("Asia/Shanghai"), 0);
	assert_int_equal(clock_zone_exists("UTC"), 0);
	assert_int_equal(clock_zone_exists("Mars/Olympus"), -1);
	assert_int_equal(clock_zone_exists("Asia"), -1);
	assert_int_equal(clock_zone_exists(""), -1);
	assert_int_equal(clock_zone_exists("/etc/passwd"), -1);
	assert_int_equal(clock_zone_exists("../../../etc/passwd"), -1);
	assert_int_equal(clock_zone_exists("Asia/../UTC"), -1);
	/* A refused zone leaves the current one in force. */
	assert_int_equal(clock_set_timezone("Mars/Olympus"), -1);
	clock_format(T_NIGHT, buf, sizeof(buf));
	assert_string_equal(buf, "2020-02-17T01:30:00+08:00");
}

/*
 * The zone directory holds tables beside the zones. Taking one for a zone
 * makes glibc fall back to UTC without a word.
 */
static void
test_zone_exists_refuses_tables(void **state)
{
	(void)state;
	assert_int_equal(clock_zone_exists("zone.tab"), -1);
	assert_int_equal(clock_zone_exists("iso3166.tab"), -1);
	assert_int_equal(clock_zone_exists("tzdata.zi"), -1);
}

static void
test_now(void **state)
{
	int64_t	 before, now, after;

	(void)state;
	before = (int64_t)time(NULL);
	now = clock_now();
	after = (int64_t)time(NULL);
	assert_true(before <= now && now <= after);
	assert_true(now > 1577836800);	/* after 2020-01-01 */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_parse_zones, zone_setup),
		cmocka_unit_test_setup(test_parse_calendar, zone_setup),
		cmocka_unit_test_setup(test_parse_rejects, zone_setup),
		cmocka_unit_test_setup(test_parse_date_shanghai, zone_setup),
		cmocka_unit_test_setup(test_parse_date_dst, zone_setup),
		cmocka_unit_test_setup(test_parse_date_rejects, zone_setup),
		cmocka_unit_test_setup(test_format_shanghai, zone_setup),
		cmocka_unit_test_setup(test_format_other_zones, zone_setup),
		cmocka_unit_test_setup(test_format_round_trip, zone_setup),
		cmocka_unit_test_setup(test_set_timezone, zone_setup),
		cmocka_unit_test_setup(test_zone_exists_refuses_tables,
		    zone_setup),
		cmocka_unit_test_setup(test_now, zone_setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
