/*
 * call.c: the one validator (required fields, codes, types, limits in
 * characters, consent, callback, assessment), the caller-number hash,
 * redaction, and the merge and diff behind an amendment.
 */
#include <stdlib.h>
#include <string.h>

#include "unit.h"

static struct config	*cf;
static const int64_t	 NOW = 1581900000;	/* 2020-02-17 08:40 +08:00 */

static int
setup(void **state)
{
	(void)state;
	cf = unit_dev_config();
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	config_free(cf);
	return 0;
}

/* Validate text; returns the rc, fills c and err. */
static int
validate(const char *text, struct call *c, struct call_error *err)
{
	json_t	*o = json_loads(text, 0, NULL);
	int	 rc;

	if (o == NULL)
		fail_msg("bad test JSON: %s", text);
	call_init(c);
	memset(err, 0, sizeof(*err));
	rc = call_from_json(c, o, cf, NOW, err);
	json_decref(o);
	return rc;
}

#define BASE "\"line\":\"400\",\"caller_type\":\"medic\"," \
	"\"topics\":[\"anxiety\",\"sleep\"],\"risk\":\"low\""

static void
test_good_record(void **state)
{
	struct call		 c;
	struct call_error	 err;

	(void)state;
	assert_int_equal(validate("{" BASE ",\"duration_s\":600,"
	    "\"gender\":\"f\",\"notes\":\"夜班\",\"consent\":true,"
	    "\"caller_name\":\"张\",\"started_at\":\"2020-02-17T01:30:00+08:00\""
	    "}", &c, &err), 0);
	assert_string_equal(c.c_line, "400");
	assert_int_equal(c.c_ntopics, 2);
	assert_string_equal(c.c_topics[1], "sleep");
	assert_int_equal(c.c_duration_s, 600);
	assert_string_equal(c.c_call_type, "counseling");
	assert_int_equal(c.c_started_at, 1581874200);
	assert_int_equal(c.c_consent, 1);
	assert_string_equal(c.c_caller_name, "张");
	assert_null(c.c_caller_hash);
	call_free(&c);
	/* started_at defaults to the time of receipt. */
	assert_int_equal(validate("{" BASE "}", &c, &err), 0);
	assert_int_equal(c.c_started_at, NOW);
	assert_int_equal(c.c_duration_s, -1);
	call_free(&c);
}

static const struct bad {
	const char	*b_json;
	const char	*b_kind;
	const char	*b_field;
} bad[] = {
	{ "{\"caller_type\":\"medic\",\"topics\":[\"sleep\"],\"risk\":\"low\"}",
	    "missing_field", "line" },
	{ "{\"line\":\"400\",\"topics\":[\"sleep\"],\"risk\":\"low\"}",
	    "missing_field", "caller_type" },
	{ "{\"line\":\"400\",\"caller_type\":\"medic\",\"risk\":\"low\"}",
	    "missing_field", "topics" },
	{ "{\"line\":\"400\",\"caller_type\":\"medic\",\"topics\":[\"sleep\"]}",
	    "missing_field", "risk" },
	{ "{" BASE ",\"line\":\"110\"}", "invalid_field", "line" },
	{ "{\"line\":400,\"caller_type\":\"medic\",\"topics\":[\"sleep\"],"
	    "\"risk\":\"low\"}", "invalid_field", "line" },
	{ "{\"line\":\"400\",\"caller_type\":\"medic\",\"topics\":[\"x\"],"
	    "\"risk\":\"low\"}", "invalid_field", "topics" },
	{ "{\"line\":\"400\",\"caller_type\":\"medic\",\"topics\":[],"
	    "\"risk\":\"low\"}", "invalid_field", "topics" },
	{ "{\"line\":\"400\",\"caller_type\":\"medic\",\"topics\":\"sleep\","
	    "\"risk\":\"low\"}", "invalid_field", "topics" },
	{ "{" BASE ",\"duration_s\":86401}", "invalid_field", "duration_s" },
	{ "{" BASE ",\"duration_s\":1.5}", "invalid_field", "duration_s" },
	{ "{" BASE ",\"gender\":\"q\"}", "invalid_field", "gender" },
	{ "{" BASE ",\"age_band\":\"17\"}", "invalid_field", "age_band" },
	{ "{" BASE ",\"call_type\":\"spam\"}", "invalid_field", "call_type" },
	{ "{" BASE ",\"colour\":1}", "invalid_field", "colour" },
	{ "{" BASE ",\"version\":1}", "invalid_field", "version" },
	{ "{" BASE ",\"repeat_calls\":0}", "invalid_field", "repeat_calls" },
	{ "{" BASE ",\"caller_name\":\"张\"}", "invalid_field", "caller_name" },
	{ "{" BASE ",\"caller_contact\":\"1\",\"consent\":false}",
	    "invalid_field", "caller_contact" },
	{ "{" BASE ",\"consent\":1}", "invalid_field", "consent" },
	{ "{" BASE ",\"started_at\":\"2020-02-17 01:30\"}", "invalid_field",
	    "started_at" },
	{ "{" BASE ",\"started_at\":\"2020-02-30T01:30:00Z\"}",
	    "invalid_field", "started_at" },
	{ "{" BASE ",\"started_at\":\"2020-02-17T00:46:00Z\"}",
	    "invalid_field", "started_at" },	/* 6 min in the future */
	{ "{" BASE ",\"outcome\":\"callback\"}", "missing_field",
	    "callback_at" },
	{ "{" BASE ",\"outcome\":\"callback\",\"started_at\":"
	    "\"2020-02-17T01:30:00+08:00\",\"callback_at\":"
	    "\"2020-02-17T01:00:00+08:00\"}", "invalid_field", "callback_at" },
	{ "{" BASE ",\"risk_assessment\":{\"desire\":\"no\",\"capability\":"
	    "\"no\",\"intent\":\"no\",\"buffers\":\"no\"}}", "invalid_field",
	    "risk_assessment" },
	{ "{\"line\":\"400\",\"caller_type\":\"medic\",\"topics\":[\"sleep\"],"
	    "\"risk\":\"high\",\"risk_assessment\":{\"desire\":\"no\"}}",
	    "invalid_field", "risk_assessment" },
	{ "{\"line\":\"400\",\"caller_type\":\"medic\",\"topics\":[\"sleep\"],"
	    "\"risk\":\"high\",\"risk_assessment\":{\"desire\":\"maybe\","
	    "\"capability\":\"no\",\"intent\":\"no\",\"buffers\":\"no\"}}",
	    "invalid_field", "risk_assessment" },
	{ "{" BASE ",\"caller_number\":\"12\"}", "invalid_field",
	    "caller_number" },
	{ "{" BASE ",\"emergency_contacted\":\"no\"}", "invalid_field",
	    "emergency_contacted" },
	{ "[1]", "invalid_field", "" },
};

static void
test_bad_records(void **state)
{
	struct call		 c;
	struct call_error	 err;
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (validate(bad[i].b_json, &c, &err) != -1)
			fail_msg("accepted %s", bad[i].b_json);
		if (strcmp(err.ce_kind, bad[i].b_kind) != 0 ||
		    strcmp(err.ce_field, bad[i].b_field) != 0)
			fail_msg("%s: got %s/%s (%s), wanted %s/%s",
			    bad[i].b_json, err.ce_kind, err.ce_field,
			    err.ce_msg, bad[i].b_kind, bad[i].b_field);
		assert_true(strlen(err.ce_msg) > 0);
		call_free(&c);
	}
}

/* Notes are limited in characters: 4000 Chinese characters fit. */
static void
test_notes_in_characters(void **state)
{
	struct call		 c;
	struct call_error	 err;
	size_t			 n = 4001, i;
	char			*text, *p;

	(void)state;
	text = malloc(64 + sizeof(BASE) + 3 * n);
	assert_non_null(text);
	p = text + sprintf(text, "{" BASE ",\"notes\":\"");
	for (i = 0; i < n - 1; i++)
		p += sprintf(p, "话");
	strcpy(p, "\"}");
	assert_int_equal(validate(text, &c, &err), 0);
	assert_int_equal(call_utf8_len(c.c_notes), 4000);
	call_free(&c);
	strcpy(p, "话\"}");
	assert_int_equal(validate(text, &c, &err), -1);
	assert_string_equal(err.ce_field, "notes");
	call_free(&c);
	free(text);
}

static void
test_caller_hash(void **state)
{
	struct call		 a, b, d;
	struct call_error	 err;

	(void)state;
	assert_int_equal(validate("{" BASE ",\"caller_number\":"
	    "\"138-0000-1234\"}", &a, &err), 0);
	assert_int_equal(validate("{" BASE ",\"caller_number\":"
	    "\"13800001234\"}", &b, &err), 0);
	assert_int_equal(validate("{" BASE ",\"caller_number\":"
	    "\"13800001235\"}", &d, &err), 0);
	assert_int_equal(strlen(a.c_caller_hash), 64);
	assert_string_equal(a.c_caller_hash, b.c_caller_hash);
	assert_string_not_equal(a.c_caller_hash, d.c_caller_hash);
	assert_null(strstr(a.c_caller_hash, "1380000"));
	call_free(&a);
	call_free(&b);
	call_free(&d);
}

static void
test_redaction(void **state)
{
	struct call		 c;
	struct call_error	 err;
	json_t			*o, *r;

	(void)state;
	assert_int_equal(validate("{" BASE ",\"notes\":\"n\",\"consent\":true,"
	    "\"caller_name\":\"张\",\"caller_contact\":\"1\"}", &c, &err), 0);
	c.c_operator = strdup("wang");
	o = call_to_json(&c, CALL_SHOW_PERSONAL);
	assert_string_equal(json_string_value(json_object_get(o, "notes")),
	    "n");
	assert_null(json_object_get(o, "redacted"));
	json_decref(o);
	o = call_to_json(&c, 0);
	assert_null(json_object_get(o, "notes"));
	assert_null(json_object_get(o, "caller_name"));
	assert_null(json_object_get(o, "caller_contact"));
	r = json_object_get(o, "redacted");
	assert_int_equal(json_array_size(r), 3);
	assert_string_equal(json_string_value(json_array_get(r, 0)), "notes");
	assert_string_equal(json_string_value(json_object_get(o, "line")),
	    "400");
	json_decref(o);
	call_free(&c);
}

static void
test_patch(void **state)
{
	struct call		 old, new;
	struct call_error	 err;
	json_t			*patch, *changes, *ch;

	(void)state;
	assert_int_equal(validate("{" BASE ",\"gender\":\"m\",\"notes\":\"a\","
	    "\"started_at\":\"2020-02-17T01:30:00+08:00\"}", &old, &err), 0);
	old.c_operator = strdup("wang");
	old.c_id = 7;
	old.c_version = 3;

	patch = json_loads("{\"risk\":\"none\",\"gender\":null}", 0, NULL);
	call_init(&new);
	assert_int_equal(call_patch(&old, patch, cf, &new, &changes, &err), 0);
	assert_string_equal(new.c_risk, "none");
	assert_null(new.c_gender);
	assert_string_equal(new.c_notes, "a");
	assert_int_equal(new.c_started_at, old.c_started_at);
	assert_int_equal(new.c_id, 7);
	assert_int_equal(new.c_version, 3);
	assert_string_equal(new.c_operator, "wang");
	assert_int_equal(json_object_size(changes), 2);
	ch = json_object_get(changes, "risk");
	assert_string_equal(json_string_value(json_object_get(ch, "from")),
	    "low");
	assert_string_equal(json_string_value(json_object_get(ch, "to")),
	    "none");
	assert_true(json_is_null(json_object_get(json_object_get(changes,
	    "gender"), "to")));
	json_decref(patch);
	json_decref(changes);
	call_free(&new);

	/* Nothing changes: an empty diff. */
	patch = json_loads("{\"risk\":\"low\"}", 0, NULL);
	call_init(&new);
	assert_int_equal(call_patch(&old, patch, cf, &new, &changes, &err), 0);
	assert_int_equal(json_object_size(changes), 0);
	json_decref(patch);
	json_decref(changes);
	call_free(&new);

	/* The merged record is validated whole. */
	patch = json_loads("{\"line\":null}", 0, NULL);
	call_init(&new);
	assert_int_equal(call_patch(&old, patch, cf, &new, &changes, &err),
	    -1);
	assert_string_equal(err.ce_field, "line");
	json_decref(patch);
	call_free(&new);
	patch = json_loads("{\"operator\":\"li\"}", 0, NULL);
	call_init(&new);
	assert_int_equal(call_patch(&old, patch, cf, &new, &changes, &err),
	    -1);
	assert_string_equal(err.ce_field, "operator");
	json_decref(patch);
	call_free(&new);
	call_free(&old);
}

static void
test_clock(void **state)
{
	int64_t	 t, start, end;
	char	 buf[40];

	(void)state;
	assert_int_equal(clock_parse("2020-02-16T17:30:00Z", &t), 0);
	assert_int_equal(t, 1581874200);
	assert_int_equal(clock_parse("2020-02-17T01:30:00+08:00", &t), 0);
	assert_int_equal(t, 1581874200);
	assert_int_equal(clock_parse("2020-02-17T01:30:00", &t), -1);
	assert_int_equal(clock_parse("2020-02-30T01:30:00Z", &t), -1);
	assert_int_equal(clock_parse("2020-02-17T01:30:00Zjunk", &t), -1);
	assert_int_equal(clock_parse_date("2020-02-17", &start, &end), 0);
	assert_int_equal(start, 1581868800);	/* 2020-02-16T16:00:00Z */
	assert_int_equal(end - start, 86400);
	assert_int_equal(clock_parse_date("2020-13-01", &start, &end), -1);
	clock_format(1581874200, buf, sizeof(buf));
	assert_string_equal(buf, "2020-02-17T01:30:00+08:00");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_record),
		cmocka_unit_test(test_bad_records),
		cmocka_unit_test(test_notes_in_characters),
		cmocka_unit_test(test_caller_hash),
		cmocka_unit_test(test_redaction),
		cmocka_unit_test(test_patch),
		cmocka_unit_test(test_clock),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
