/*
 * The care register's pure parts: local days (config_care.c) and their
 * boundaries in the configured timezone, when a contact falls due and
 * when it is overdue, phone digits, and the one validator of a person
 * (care.c) against conf/dev.conf's care lists.
 */
#include <string.h>

#include "unit.h"
#include "domain.h"

static void
test_days(void **state)
{
	static const char *const good[] = { "1970-01-01", "2020-02-29",
	    "2020-12-31", "2000-02-29", "2038-01-19" };
	static const char *const bad[] = { "2019-02-29", "1900-02-29",
	    "2020-13-01", "2020-00-10", "2020-04-31", "20-01-01",
	    "2020/01/01", "2020-1-01", "", "1969-12-31" };
	char		 buf[CARE_DATE_LEN];
	int64_t		 d;
	size_t		 i;

	(void)state;
	assert_int_equal(config_care_day_parse("1970-01-01", &d), 0);
	assert_int_equal(d, 0);
	assert_int_equal(config_care_day_parse("2020-03-01", &d), 0);
	assert_int_equal(d, 18322);
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(config_care_day_parse(good[i], &d), 0);
		config_care_day_format(d, buf, sizeof(buf));
		assert_string_equal(buf, good[i]);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(config_care_day_parse(bad[i], &d), -1);
}

/* Asia/Shanghai: a local day begins at 16:00 UTC of the day before. */
static void
test_local_day_boundary(void **state)
{
	struct config	*cf = unit_dev_config();
	int64_t		 d9, t;

	(void)state;
	assert_int_equal(config_care_day_parse("2020-02-09", &d9), 0);
	assert_int_equal(clock_parse("2020-02-08T16:00:00Z", &t), 0);
	assert_int_equal(config_care_day_of(t), d9);
	assert_int_equal(config_care_day_of(t - 1), d9 - 1);
	assert_int_equal(config_care_day_start(d9), t);
	config_free(cf);
}

static void
test_due_and_overdue(void **state)
{
	(void)state;
	assert_int_equal(care_due_day(100, -1, 7), 107);
	assert_int_equal(care_due_day(100, 103, 7), 110);
	/* A contact before the start does not move the first one back. */
	assert_int_equal(care_due_day(100, 90, 7), 107);
	assert_false(care_overdue(107, -1, 107));
	assert_true(care_overdue(107, -1, 108));
	/* Nothing falls due after the care has ended. */
	assert_false(care_overdue(107, 105, 200));
	assert_true(care_overdue(107, 107, 108));
}

/* The forms' rule (careform.c), kept as the register keeps it. */
static void
test_phone(void **state)
{
	char	 n[40], d[24];

	(void)state;
	assert_int_equal(care_phone("+86 138-0532-1234", n, sizeof(n), d,
	    sizeof(d)), 0);
	assert_string_equal(n, "13805321234");
	assert_string_equal(d, "13805321234");
	assert_int_equal(care_phone("0532-85669120", n, sizeof(n), d,
	    sizeof(d)), 0);
	assert_string_equal(d, "053285669120");
	assert_int_equal(care_phone("1234", n, sizeof(n), d, sizeof(d)), -1);
	assert_int_equal(care_phone("138x0000", n, sizeof(n), d, sizeof(d)),
	    -1);
	assert_int_equal(care_phone("123456789012345678901", n, sizeof(n), d,
	    sizeof(d)), -1);
}

/* The validator: codes by code or name, the match key, the field named. */
static void
test_person_build(void **state)
{
	struct config		*cf = unit_dev_config();
	struct call_error	 err;
	json_t			*b, *row, *fam, *old;
	int64_t			 start;

	(void)state;
	b = json_loads("{\"name\":\"张三\",\"unit\":\"市立医院\",\"team\":"
	    "\"援鄂医疗队\",\"category\":\"护士\",\"gender\":\"女\",\"phone\":"
	    "\"138 0000 1111\",\"start_date\":\"2020-02-01\",\"family\":"
	    "[{\"name\":\"李四\",\"relation\":\"配偶\"}]}", 0, NULL);
	assert_int_equal(care_person_build(cf, b, NULL, "chen", 1580000000,
	    &row, &fam, &err), 0);
	assert_string_equal(json_string_value(json_object_get(row, "team")),
	    "aid_hubei");
	assert_string_equal(json_string_value(json_object_get(row,
	    "category")), "nurse");
	assert_string_equal(json_string_value(json_object_get(row, "gender")),
	    "female");
	assert_string_equal(json_string_value(json_object_get(row,
	    "match_key")), "张三\x1f" "市立医院\x1f" "13800001111");
	assert_int_equal(config_care_day_parse("2020-02-01", &start), 0);
	assert_int_equal(json_integer_value(json_object_get(row, "due_day")),
	    start + 7);
	assert_int_equal(json_array_size(fam), 1);
	/* A change over the stored row: validated as a whole. */
	old = row;
	json_decref(fam);
	json_decref(b);
	b = json_loads("{\"every_days\":3,\"end_date\":\"2020-01-01\"}", 0,
	    NULL);
	memset(&err, 0, sizeof(err));
	assert_int_equal(care_person_build(cf, b, old, "chen", 1580000000,
	    &row, &fam, &err), -1);
	assert_string_equal(err.ce_field, "end_date");
	json_decref(b);
	b = json_loads("{\"team\":\"army\"}", 0, NULL);
	assert_int_equal(care_person_build(cf, b, old, "chen", 1580000000,
	    &row, &fam, &err), -1);
	assert_string_equal(err.ce_field, "team");
	assert_non_null(strstr(err.ce_msg, "aid_hubei"));
	json_decref(b);
	b = json_loads("{\"family\":[{\"phone\":\"?\"}]}", 0, NULL);
	assert_int_equal(care_person_build(cf, b, old, "chen", 1580000000,
	    &row, &fam, &err), -1);
	assert_string_equal(err.ce_field, "family[0].phone");
	json_decref(b);
	b = json_loads("{\"liaison\":\"wang\"}", 0, NULL);
	assert_int_equal(care_person_build(cf, b, old, "chen", 1580000000,
	    &row, &fam, &err), -1);
	assert_string_equal(err.ce_field, "liaison");
	json_decref(b);
	b = json_loads("{\"liaison\":\"sun\",\"every_days\":3}", 0, NULL);
	assert_int_equal(care_person_build(cf, b, old, "chen", 1580000000,
	    &row, &fam, &err), 0);
	assert_int_equal(json_integer_value(json_object_get(row, "due_day")),
	    start + 3);
	assert_null(fam);
	json_decref(row);
	json_decref(b);
	json_decref(old);
	config_free(cf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_days),
		cmocka_unit_test(test_local_day_boundary),
		cmocka_unit_test(test_due_and_overdue),
		cmocka_unit_test(test_phone),
		cmocka_unit_test(test_person_build),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
