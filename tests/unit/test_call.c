/*
 * call.c against conf/dev.conf: call_from_json takes a full record field
 * by field and fills the defaults; each required field missing gives
 * missing_field naming it; wrong types, unknown codes, unknown and
 * server-set fields are refused as invalid_field naming the field; text
 * limits count code points (4000 Chinese characters of notes fit, 4001
 * do not); caller_name and caller_contact need consent; callback_at is
 * required with outcome callback and not before started_at; started_at
 * may be at most 5 minutes ahead; risk_assessment needs risk moderate or
 * above and all four items as yes, no or unknown; caller_number is kept
 * only as its keyed hash. call_to_json redacts the personal fields unless
 * asked; call_patch merges, clears with null, diffs {field: {from, to}},
 * gives no changes for a no-op and refuses an invalid merged record.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "unit.h"

static struct config	*cf;

/* The time of receipt: 2020-02-17T08:40:00+08:00. */
#define NOW	1581900000
/* 2020-02-17T01:30:00+08:00 */
#define T_NIGHT	1581874200

/* The required fields, valid. */
#define BASE	"\"line\":\"400\",\"caller_type\":\"medic\"," \
	"\"topics\":[\"anxiety\",\"sleep\"],\"risk\":\"low\""


static int
group_setup(void **state)
{
	(void)state;
	cf = unit_dev_config();
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	config_free(cf);
	return 0;
}

static json_t *
parse(const char *text)
{
	json_error_t	 jerr;
	json_t		*o;

	if ((o = json_loads(text, JSON_DECODE_ANY, &jerr)) == NULL)
		fail_msg("bad test JSON (%s): %s", jerr.text, text);
	return o;
}

/* Validate text into c (initialised here); the rc of call_from_json. */
static int
validate(const char *text, struct call *c, struct call_error *err)
{
	json_t	*o = parse(text);
	int	 rc;

	call_init(c);
	memset(err, 0, sizeof(*err));
	rc = call_from_json(c, o, cf, NOW, err);
	json_decref(o);
	return rc;
}

static void
validate_ok(const char *text, struct call *c)
{
	struct call_error	 err;

	if (validate(text, c, &err) != 0) {
		call_free(c);
		fail_msg("refused (%s/%s: %s): %s", err.ce_kind, err.ce_field,
		    err.ce_msg, text);
	}
}

/* text must be refused as kind, naming field, with says in the message. */
static void
expect_bad(const char *text, const char *kind, const char *field,
    const char *says)
{
	struct call		 c;
	struct call_error	 err;
	int			 rc;

	rc = validate(text, &c, &err);
	call_free(&c);
	if (rc != -1)
		fail_msg("accepted: %s", text);
	if (err.ce_kind == NULL || strcmp(err.ce_kind, kind) != 0 ||
	    strcmp(err.ce_field, field) != 0 ||
	    strstr(err.ce_msg, says) == NULL)
		fail_msg("%s\n got %s/%s \"%s\"\n wanted %s/%s \"...%s...\"",
		    text, err.ce_kind ? err.ce_kind : "(null)", err.ce_field,
		    err.ce_msg, kind, field, says);
}

/* The hex HMAC-SHA256 of digits under the configured key, made here. */
static void
expect_hash(const char *digits, char *out)
{
	unsigned char	 mac[EVP_MAX_MD_SIZE];
	unsigned int	 len = 0, i;

	assert_non_null(HMAC(EVP_sha256(), cf->cf_hash_key,
	    (int)cf->cf_hash_key_len, (const unsigned char *)digits,
	    strlen(digits), mac, &len));
	assert_int_equal(len, 32);
	for (i = 0; i < len; i++)
		snprintf(out + 2 * i, 3, "%02x", mac[i]);
}

/* A record as the store would hand it back: server fields set. */
static void
stored_call(const char *text, struct call *c)
{
	validate_ok(text, c);
	c->c_id = 42;
	c->c_operator = strdup("wang");
	assert_non_null(c->c_operator);
	c->c_created_at = NOW;
	c->c_updated_at = NOW + 60;
	c->c_version = 3;
	c->c_repeat_calls = 2;
}

static void
test_full_record(void **state)
{
	struct call	 c;
	char		 hash[65];

	(void)state;
	validate_ok(FULL, &c);
	assert_string_equal(c.c_line, "9120");
	assert_int_equal(c.c_started_at, T_NIGHT);
	assert_int_equal(c.c_duration_s, 1260);
	assert_string_equal(c.c_call_type, "info");
	assert_string_equal(c.c_caller_type, "aid_team");
	assert_string_equal(c.c_gender, "f");
	assert_string_equal(c.c_age_band, "30-39");
	assert_int_equal(c.c_ntopics, 3);
	assert_string_equal(c.c_topics[0], "infection_fear");
	assert_string_equal(c.c_topics[1], "sleep");
	assert_string_equal(c.c_topics[2], "family");
	assert_null(c.c_topics[3]);
	assert_string_equal(c.c_risk, "high");
	assert_string_equal(c.c_outcome, "callback");
	assert_int_equal(c.c_callback_at, 1581991200);
	assert_string_equal(c.c_notes, "援鄂归来，隔离期间失眠，担心家人。");
	assert_int_equal(c.c_consent, 1);
	assert_string_equal(c.c_caller_name, "张女士");
	assert_string_equal(c.c_caller_contact, "微信 zhang_2020");
	expect_hash("8613800001234", hash);
	assert_string_equal(c.c_caller_hash, hash);
	assert_string_equal(c.c_assess[0], "yes");	/* desire */
	assert_string_equal(c.c_assess[1], "no");	/* capability */
	assert_string_equal(c.c_assess[2], "unknown");	/* intent */
	assert_string_equal(c.c_assess[3], "yes");	/* buffers */
	assert_int_equal(c.c_emergency, 1);
	/* Server fields are left for the server. */
	assert_int_equal(c.c_id, 0);
	assert_null(c.c_operator);
	assert_int_equal(c.c_version, 0);
	assert_int_equal(c.c_created_at, 0);
	assert_int_equal(c.c_repeat_calls, 0);
	call_free(&c);
	/* call_free leaves an initialised record. */
	assert_null(c.c_line);
	assert_int_equal(c.c_ntopics, 0);
	assert_int_equal(c.c_duration_s, -1);
}

static void
test_defaults(void **state)
{
	struct call	 c;
	size_t		 i;
	static const char *const texts[] = {
		"{" BASE "}",
		/* null is the same as absent for every optional field */
		"{" BASE ",\"started_at\":null,\"duration_s\":null,"
		    "\"call_type\":null,\"gender\":null,\"age_band\":null,"
		    "\"outcome\":null,\"callback_at\":null,\"notes\":null,"
		    "\"consent\":null,\"caller_name\":null,"
		    "\"caller_contact\":null,\"caller_number\":null,"
		    "\"risk_assessment\":null,\"emergency_contacted\":null}",
	};

	(void)state;
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		validate_ok(texts[i], &c);
		assert_string_equal(c.c_line, "400");
		assert_string_equal(c.c_caller_type, "medic");
		assert_int_equal(c.c_ntopics, 2);
		assert_string_equal(c.c_risk, "low");
		assert_int_equal(c.c_started_at, NOW);
		assert_int_equal(c.c_duration_s, -1);
		assert_string_equal(c.c_call_type, "counseling");
		assert_null(c.c_gender);
		assert_null(c.c_age_band);
		assert_null(c.c_outcome);
		assert_int_equal(c.c_callback_at, 0);
		assert_null(c.c_notes);
		assert_int_equal(c.c_consent, 0);
		assert_null(c.c_caller_name);
		assert_null(c.c_caller_contact);
		assert_null(c.c_caller_hash);
		assert_null(c.c_assess[0]);
		assert_null(c.c_assess[3]);
		assert_int_equal(c.c_emergency, 0);
		call_free(&c);
	}
	/* The ends of the duration range. */
	validate_ok("{" BASE ",\"duration_s\":0}", &c);
	assert_int_equal(c.c_duration_s, 0);
	call_free(&c);
	validate_ok("{" BASE ",\"duration_s\":86400}", &c);
	assert_int_equal(c.c_duration_s, 86400);
	call_free(&c);
}

static void
test_missing_required(void **state)
{
	(void)state;
	expect_bad("{\"caller_type\":\"medic\",\"topics\":[\"sleep\"],"
	    "\"risk\":\"low\"}", "missing_field", "line", "line is required");
	expect_bad("{\"line\":\"400\",\"topics\":[\"sleep\"],\"risk\":\"low\"}",
	    "missing_field", "caller_type", "caller_type is required");
	expect_bad("{\"line\":\"400\",\"caller_type\":\"medic\","
	    "\"risk\":\"low\"}", "missing_field", "topics",
	    "topics is required");
	expect_bad("{\"line\":\"400\",\"caller_type\":\"medic\","
	    "\"topics\":[\"sleep\"]}", "missing_field", "risk",
	    "risk is required");
	/* null is missing too. */
	expect_bad("{\"line\":null,\"caller_type\":\"medic\","
	    "\"topics\":[\"sleep\"],\"risk\":\"low\"}", "missing_field", "line",
	    "line is required");
	expect_bad("{\"line\":\"400\",\"caller_type\":\"medic\","
	    "\"topics\":null,\"risk\":\"low\"}", "missing_field", "topics",
	    "topics is required");
	expect_bad("{\"line\":\"400\",\"caller_type\":\"medic\","
	    "\"topics\":[\"sleep\"],\"risk\":null}", "missing_field", "risk",
	    "risk is required");
	/* An empty body: the first required field is named. */
	expect_bad("{}", "missing_field", "line", "line is required");
}

static void
test_wrong_types(void **state)
{
	struct call		 c;
	struct call_error	 err;
	json_t			*o;

	(void)state;
	expect_bad("{\"line\":400,\"caller_type\":\"medic\","
	    "\"topics\":[\"sleep\"],\"risk\":\"low\"}", "invalid_field", "line",
	    "line must be a string code");
	expect_bad("{\"line\":\"400\",\"caller_type\":true,"
	    "\"topics\":[\"sleep\"],\"risk\":\"low\"}", "invalid_field",
	    "caller_type", "caller_type must be a string code");
	expect_bad("{\"line\":\"400\",\"caller_type\":\"medic\","
	    "\"topics\":\"sleep\",\"risk\":\"low\"}", "invalid_field", "topics",
	    "topics must be a non-empty array");
	expect_bad("{\"line\":\"400\",\"caller_type\":\"medic\","
	    "\"topics\":[],\"risk\":\"low\"}", "invalid_field", "topics",
	    "topics must be a non-empty array");
	expect_bad("{\"line\":\"400\",\"caller_type\":\"medic\","
	    "\"topics\":[\"sleep\",3],\"risk\":\"low\"}", "invalid_field",
	    "topics", "topics must be an array of string codes");
	expect_bad("{\"line\":\"400\",\"caller_type\":\"medic\","
	    "\"topics\":[\"sleep\"],\"risk\":[\"low\"]}", "invalid_field",
	    "risk", "risk must be a string code");
	expect_bad("{" BASE ",\"started_at\":1581874200}", "invalid_field",
	    "started_at", "started_at must be an RFC 3339 time with a zone");
	expect_bad("{" BASE ",\"started_at\":\"2020-02-17T01:30:00\"}",
	    "invalid_field", "started_at", "RFC 3339");
	expect_bad("{" BASE ",\"duration_s\":\"600\"}", "invalid_field",
	    "duration_s", "duration_s must be a whole number of seconds");
	expect_bad("{" BASE ",\"duration_s\":1.5}", "invalid_field",
	    "duration_s", "whole number");
	expect_bad("{" BASE ",\"duration_s\":-1}", "invalid_field",
	    "duration_s", "from 0 to 86400");
	expect_bad("{" BASE ",\"duration_s\":86401}", "invalid_field",
	    "duration_s", "from 0 to 86400");
	expect_bad("{" BASE ",\"call_type\":1}", "invalid_field", "call_type",
	    "call_type must be a string code");
	expect_bad("{" BASE ",\"gender\":false}", "invalid_field", "gender",
	    "gender must be a string code");
	expect_bad("{" BASE ",\"outcome\":{}}", "invalid_field", "outcome",
	    "outcome must be a string code");
	expect_bad("{" BASE ",\"callback_at\":true}", "invalid_field",
	    "callback_at", "callback_at must be an RFC 3339 time");
	expect_bad("{" BASE ",\"notes\":5}", "invalid_field", "notes",
	    "notes must be a string");
	expect_bad("{" BASE ",\"consent\":\"yes\"}", "invalid_field", "consent",
	    "consent must be true or false");
	expect_bad("{" BASE ",\"consent\":1}", "invalid_field", "consent",
	    "consent must be true or false");
	expect_bad("{" BASE ",\"consent\":true,\"caller_name\":[\"张\"]}",
	    "invalid_field", "caller_name", "caller_name must be a string");
	expect_bad("{" BASE ",\"caller_number\":13800001234}", "invalid_field",
	    "caller_number", "caller_number must be a string");
	expect_bad("{\"line\":\"400\",\"caller_type\":\"medic\","
	    "\"topics\":[\"sleep\"],\"risk\":\"high\","
	    "\"risk_assessment\":\"none\"}", "invalid_field", "risk_assessment",
	    "risk_assessment must be an object");
	expect_bad("{" BASE ",\"emergency_contacted\":\"no\"}",
	    "invalid_field", "emergency_contacted",
	    "emergency_contacted must be true or false");
	/* The body itself must be an object. */
	expect_bad("[\"400\",\"medic\"]", "invalid_field", "",
	    "the body must be a JSON object");
	expect_bad("\"400\"", "invalid_field", "",
	    "the body must be a JSON object");
	o = json_null();
	call_init(&c);
	assert_int_equal(call_from_json(&c, o, cf, NOW, &err), -1);
	assert_string_equal(err.ce_kind, "invalid_field");
	call_free(&c);
	json_decref(o);
}

static void
test_unknown_codes(void **state)
{
	(void)state;
	expect_bad("{" BASE ",\"line\":\"110\"}", "invalid_field", "line",
	    "line must be one of: 400, 9120, 2325");
	expect_bad("{\"line\":\"400\",\"caller_type\":\"doctor\","
	    "\"topics\":[\"sleep\"],\"risk\":\"low\"}", "invalid_field",
	    "caller_type", "caller_type must be one of: medic, medic_family, "
	    "aid_team, aid_team_family, member, other");
	expect_bad("{\"line\":\"400\",\"caller_type\":\"medic\","
	    "\"topics\":[\"sleep\",\"boredom\"],\"risk\":\"low\"}",
	    "invalid_field", "topics", "topics must be one of: anxiety, "
	    "low_mood, sleep,");
	expect_bad("{\"line\":\"400\",\"caller_type\":\"medic\","
	    "\"topics\":[\"sleep\"],\"risk\":\"severe\"}", "invalid_field",
	    "risk", "risk must be one of: none, low, moderate, high, imminent");
	expect_bad("{" BASE ",\"outcome\":\"cured\"}", "invalid_field",
	    "outcome", "outcome must be one of: counseled, referred, callback, "
	    "emergency, hung_up");
	expect_bad("{" BASE ",\"call_type\":\"spam\"}", "invalid_field",
	    "call_type", "call_type must be one of: counseling, info, silent, "
	    "prank, wrong_number");
	expect_bad("{" BASE ",\"gender\":\"F\"}", "invalid_field", "gender",
	    "gender must be one of: f, m, x");
	expect_bad("{" BASE ",\"age_band\":\"17\"}", "invalid_field",
	    "age_band", "age_band must be one of: <18, 18-29, 30-39, 40-49, "
	    "50-59, 60+");
	/* Codes are exact: no case folding, no padding. */
	expect_bad("{" BASE ",\"line\":\"400 \"}", "invalid_field", "line",
	    "line must be one of");
	expect_bad("{\"line\":\"400\",\"caller_type\":\"medic\","
	    "\"topics\":[\"sleep\"],\"risk\":\"Low\"}", "invalid_field", "risk",
	    "risk must be one of");
	/* A queue code is not a line. */
	expect_bad("{" BASE ",\"line\":\"mhc\"}", "invalid_field", "line",
	    "line must be one of");
	expect_bad("{\"line\":\"400\",\"caller_type\":\"medic\","
	    "\"topics\":[\"sleep\",\"anxiety\",\"sleep\"],\"risk\":\"low\"}",
	    "invalid_field", "topics", "topics: \"sleep\" is listed twice");
	expect_bad("{\"line\":\"400\",\"caller_type\":\"medic\",\"topics\":["
	    "\"sleep\",\"sleep\",\"sleep\",\"sleep\",\"sleep\",\"sleep\","
	    "\"sleep\",\"sleep\",\"sleep\",\"sleep\",\"sleep\",\"sleep\","
	    "\"sleep\",\"sleep\",\"sleep\",\"sleep\",\"sleep\"],"
	    "\"risk\":\"low\"}", "invalid_field", "topics",
	    "topics has more than 16 entries");
}

static void
test_unknown_and_server_fields(void **state)
{
	static const char *const server[] = { "id", "operator", "queue",
	    "repeat_calls", "created_at", "updated_at", "version", "history",
	    "redacted" };
	char	 text[512], says[64];
	size_t	 i;

	(void)state;
	expect_bad("{" BASE ",\"colour\":\"red\"}", "invalid_field", "colour",
	    "unknown field \"colour\"");
	/* A typo of a real field is not taken for it. */
	expect_bad("{" BASE ",\"note\":\"x\"}", "invalid_field", "note",
	    "unknown field \"note\"");
	expect_bad("{" BASE ",\"Notes\":\"x\"}", "invalid_field", "Notes",
	    "unknown field");
	/* The hash is the server's business, and not a field at all. */
	expect_bad("{" BASE ",\"caller_hash\":\"00\"}", "invalid_field",
	    "caller_hash", "unknown field");
	for (i = 0; i < sizeof(server) / sizeof(server[0]); i++) {
		snprintf(text, sizeof(text), "{" BASE ",\"%s\":1}", server[i]);
		snprintf(says, sizeof(says), "%s is set by the server",
		    server[i]);
		expect_bad(text, "invalid_field", server[i], says);
	}
	/* Checked before anything else: even with a required field gone. */
	expect_bad("{\"line\":\"400\",\"id\":7}", "invalid_field", "id",
	    "set by the server");
}

/* "{BASE, "key": "<n times s>"}", allocated. */
static char *
with_text(const char *key, const char *s, size_t n)
{
	char	*text, *p;
	size_t	 i;

	text = malloc(sizeof(BASE) + strlen(key) + n * strlen(s) + 40);
	assert_non_null(text);
	p = text + sprintf(text, "{" BASE ",\"%s\":\"", key);
	for (i = 0; i < n; i++)
		p = stpcpy(p, s);
	strcpy(p, "\"}");
	return text;
}

static void
test_notes_in_characters(void **state)
{
	struct call	 c;
	char		*text;
	long		 saved;

	(void)state;
	assert_int_equal(cf->cf_limits.lim_notes_max, 4000);
	/* 4000 characters, 12000 bytes: fits. */
	text = with_text("notes", "话", 4000);
	validate_ok(text, &c);
	assert_int_equal(strlen(c.c_notes), 12000);
	assert_int_equal(call_utf8_len(c.c_notes), 4000);
	call_free(&c);
	free(text);
	text = with_text("notes", "话", 4001);
	expect_bad(text, "invalid_field", "notes",
	    "notes is longer than 4000 characters");
	free(text);
	/* Four-byte characters count once too. */
	text = with_text("notes", "😢", 4000);
	validate_ok(text, &c);
	assert_int_equal(strlen(c.c_notes), 16000);
	call_free(&c);
	free(text);
	text = with_text("notes", "a", 4001);
	expect_bad(text, "invalid_field", "notes", "longer than 4000");
	free(text);
	/* The limit is the configured one. */
	saved = cf->cf_limits.lim_notes_max;
	cf->cf_limits.lim_notes_max = 3;
	text = with_text("notes", "失眠", 2);
	expect_bad(text, "invalid_field", "notes",
	    "notes is longer than 3 characters");
	free(text);
	text = with_text("notes", "眠", 3);
	validate_ok(text, &c);
	call_free(&c);
	free(text);
	cf->cf_limits.lim_notes_max = saved;
	assert_int_equal(call_utf8_len(""), 0);
	assert_int_equal(call_utf8_len("a话😢"), 3);
}

static void
test_name_and_contact_limits(void **state)
{
	struct call	 c;
	char		*text, *p;

	(void)state;
	/* 100 characters each, in characters too; with consent. */
	text = with_text("caller_name", "张", 100);
	p = strstr(text, "\"caller_name\"");
	memmove(p + 15, p, strlen(p) + 1);
	memcpy(p, "\"consent\":true,", 15);
	validate_ok(text, &c);
	assert_int_equal(call_utf8_len(c.c_caller_name), 100);
	call_free(&c);
	free(text);
	text = with_text("caller_contact", "电", 101);
	p = strstr(text, "\"caller_contact\"");
	memmove(p + 15, p, strlen(p) + 1);
	memcpy(p, "\"consent\":true,", 15);
	expect_bad(text, "invalid_field", "caller_contact",
	    "caller_contact is longer than 100 characters");
	free(text);
}

static void
test_consent(void **state)
{
	struct call	 c;

	(void)state;
	expect_bad("{" BASE ",\"caller_name\":\"张女士\"}", "invalid_field",
	    "caller_name", "caller_name is kept only with the caller's "
	    "consent (consent: true)");
	expect_bad("{" BASE ",\"consent\":false,\"caller_name\":\"张女士\"}",
	    "invalid_field", "caller_name", "consent");
	expect_bad("{" BASE ",\"caller_contact\":\"13800001234\"}",
	    "invalid_field", "caller_contact", "caller_contact is kept only "
	    "with the caller's consent");
	expect_bad("{" BASE ",\"consent\":null,\"caller_contact\":\"x\"}",
	    "invalid_field", "caller_contact", "consent");
	validate_ok("{" BASE ",\"consent\":true,\"caller_name\":\"张女士\","
	    "\"caller_contact\":\"13800001234\"}", &c);
	assert_int_equal(c.c_consent, 1);
	assert_string_equal(c.c_caller_name, "张女士");
	assert_string_equal(c.c_caller_contact, "13800001234");
	call_free(&c);
	/* Consent alone, or notes without consent, are fine. */
	validate_ok("{" BASE ",\"consent\":true}", &c);
	assert_int_equal(c.c_consent, 1);
	assert_null(c.c_caller_name);
	call_free(&c);
	validate_ok("{" BASE ",\"notes\":\"不愿留名\",\"caller_name\":null}",
	    &c);
	assert_int_equal(c.c_consent, 0);
	assert_string_equal(c.c_notes, "不愿留名");
	call_free(&c);
}

static void
test_callback(void **state)
{
	struct call	 c;

	(void)state;
	expect_bad("{" BASE ",\"outcome\":\"callback\"}", "missing_field",
	    "callback_at", "callback_at is required when outcome is callback");
	expect_bad("{" BASE ",\"outcome\":\"callback\",\"callback_at\":null}",
	    "missing_field", "callback_at", "required");
	expect_bad("{" BASE ",\"outcome\":\"callback\","
	    "\"started_at\":\"2020-02-17T01:30:00+08:00\","
	    "\"callback_at\":\"2020-02-17T01:29:59+08:00\"}", "invalid_field",
	    "callback_at", "callback_at is before started_at");
	/* Against the default started_at, the time of receipt. */
	expect_bad("{" BASE ",\"outcome\":\"callback\","
	    "\"callback_at\":\"2020-02-17T08:39:59+08:00\"}", "invalid_field",
	    "callback_at", "before started_at");
	expect_bad("{" BASE ",\"outcome\":\"callback\","
	    "\"callback_at\":\"tomorrow\"}", "invalid_field", "callback_at",
	    "RFC 3339");
	/* The same second is not before. */
	validate_ok("{" BASE ",\"outcome\":\"callback\","
	    "\"started_at\":\"2020-02-17T01:30:00+08:00\","
	    "\"callback_at\":\"2020-02-16T17:30:00Z\"}", &c);
	assert_int_equal(c.c_callback_at, T_NIGHT);
	assert_int_equal(c.c_started_at, T_NIGHT);
	call_free(&c);
	/* A callback time with another outcome is kept. */
	validate_ok("{" BASE ",\"outcome\":\"referred\","
	    "\"callback_at\":\"2020-02-20T09:00:00+08:00\"}", &c);
	assert_string_equal(c.c_outcome, "referred");
	assert_int_equal(c.c_callback_at, 1582160400);
	call_free(&c);
}

static void
test_started_at_future(void **state)
{
	struct call	 c;

	(void)state;
	/* NOW + 300 s is clock skew; NOW + 301 s is the future. */
	validate_ok("{" BASE ",\"started_at\":\"2020-02-17T08:45:00+08:00\"}",
	    &c);
	assert_int_equal(c.c_started_at, NOW + 300);
	call_free(&c);
	expect_bad("{" BASE ",\"started_at\":\"2020-02-17T08:45:01+08:00\"}",
	    "invalid_field", "started_at", "started_at is in the future");
	expect_bad("{" BASE ",\"started_at\":\"2020-02-17T00:45:01Z\"}",
	    "invalid_field", "started_at", "in the future");
	expect_bad("{" BASE ",\"started_at\":\"2021-02-17T08:40:00+08:00\"}",
	    "invalid_field", "started_at", "in the future");
	validate_ok("{" BASE ",\"started_at\":\"2020-01-24T23:59:59+08:00\"}",
	    &c);
	assert_int_equal(c.c_started_at, 1579881599);
	call_free(&c);
}

#define ASSESS(d, c, i, b) "\"risk_assessment\":{\"desire\":\"" d "\"," \
	"\"capability\":\"" c "\",\"intent\":\"" i "\",\"buffers\":\"" b "\"}"
#define RISK(r)	"\"line\":\"400\",\"caller_type\":\"medic\"," \
	"\"topics\":[\"sleep\"],\"risk\":\"" r "\""

static void
test_risk_assessment(void **state)
{
	static const char *const ok[] = { "moderate", "high", "imminent" };
	struct call	 c;
	char		 text[512];
	size_t		 i;

	(void)state;
	expect_bad("{" RISK("low") "," ASSESS("no", "no", "no", "yes") "}",
	    "invalid_field", "risk_assessment", "risk_assessment is only "
	    "recorded with risk moderate or above");
	expect_bad("{" RISK("none") "," ASSESS("no", "no", "no", "yes") "}",
	    "invalid_field", "risk_assessment", "moderate or above");
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(text, sizeof(text), "{\"line\":\"400\","
		    "\"caller_type\":\"medic\",\"topics\":[\"sleep\"],"
		    "\"risk\":\"%s\"," ASSESS("unknown", "yes", "no", "no")
		    "}", ok[i]);
		validate_ok(text, &c);
		assert_string_equal(c.c_risk, ok[i]);
		assert_string_equal(c.c_assess[0], "unknown");
		assert_string_equal(c.c_assess[1], "yes");
		assert_string_equal(c.c_assess[2], "no");
		assert_string_equal(c.c_assess[3], "no");
		call_free(&c);
	}
	/* Optional even at high risk. */
	validate_ok("{" RISK("high") ",\"risk_assessment\":null}", &c);
	assert_null(c.c_assess[0]);
	call_free(&c);
	/* All four items, each yes, no or unknown. */
	expect_bad("{" RISK("high") ",\"risk_assessment\":{}}",
	    "invalid_field", "risk_assessment",
	    "risk_assessment.desire must be yes, no or unknown");
	expect_bad("{" RISK("high") ",\"risk_assessment\":{\"desire\":\"no\","
	    "\"capability\":\"no\",\"buffers\":\"no\"}}", "invalid_field",
	    "risk_assessment", "risk_assessment.intent must be yes, no or "
	    "unknown");
	expect_bad("{" RISK("high") "," ASSESS("no", "maybe", "no", "no") "}",
	    "invalid_field", "risk_assessment", "risk_assessment.capability "
	    "must be");
	expect_bad("{" RISK("high") "," ASSESS("no", "no", "no", "YES") "}",
	    "invalid_field", "risk_assessment", "risk_assessment.buffers");
	expect_bad("{" RISK("high") ",\"risk_assessment\":{\"desire\":true,"
	    "\"capability\":\"no\",\"intent\":\"no\",\"buffers\":\"no\"}}",
	    "invalid_field", "risk_assessment", "risk_assessment.desire");
	expect_bad("{" RISK("high") ",\"risk_assessment\":{\"desire\":\"no\","
	    "\"capability\":\"no\",\"intent\":\"no\",\"buffers\":\"no\","
	    "\"plan\":\"no\"}}", "invalid_field", "risk_assessment",
	    "risk_assessment has no item \"plan\"");
	expect_bad("{" RISK("high") ",\"risk_assessment\":[\"no\",\"no\","
	    "\"no\",\"no\"]}", "invalid_field", "risk_assessment",
	    "must be an object");
}

static void
test_caller_number_hash(void **state)
{
	struct call	 a, b, d;
	char		 want[65], *h = NULL, *dump;
	json_t		*o;

	(void)state;
	validate_ok("{" BASE ",\"caller_number\":\"138-0000-1234\"}", &a);
	validate_ok("{" BASE ",\"caller_number\":\"(138) 0000 1234\"}", &b);
	validate_ok("{" BASE ",\"caller_number\":\"13800001235\"}", &d);
	expect_hash("13800001234", want);
	assert_string_equal(a.c_caller_hash, want);
	assert_int_equal(strlen(a.c_caller_hash), 64);
	/* Same digits, same hash; one digit off, another hash. */
	assert_string_equal(a.c_caller_hash, b.c_caller_hash);
	assert_string_not_equal(a.c_caller_hash, d.c_caller_hash);
	/* The number itself is nowhere in the record or its JSON. */
	assert_null(strstr(a.c_caller_hash, "13800001234"));
	a.c_operator = strdup("wang");
	o = call_to_json(&a, CALL_SHOW_PERSONAL);
	assert_null(json_object_get(o, "caller_number"));
	assert_null(json_object_get(o, "caller_hash"));
	dump = json_dumps(o, 0);
	assert_null(strstr(dump, "0000"));
	assert_null(strstr(dump, want));
	free(dump);
	json_decref(o);
	o = call_input_json(&a);
	assert_null(json_object_get(o, "caller_number"));
	dump = json_dumps(o, 0);
	assert_null(strstr(dump, "0000"));
	free(dump);
	json_decref(o);
	call_free(&a);
	call_free(&b);
	call_free(&d);

	/* The key matters: the hash is keyed, not a bare digest. */
	assert_int_equal(call_hash_number(cf, "13800001234", &h), 0);
	assert_string_equal(h, want);
	free(h);
	h = NULL;
	assert_int_equal(call_hash_number(cf, "12345", &h), 0);
	free(h);
	h = NULL;
	assert_int_equal(call_hash_number(cf, "12345678901234567890", &h), 0);
	free(h);
	h = NULL;
	assert_int_equal(call_hash_number(cf, "1234", &h), -1);
	assert_int_equal(call_hash_number(cf, "123456789012345678901", &h), -1);
	assert_int_equal(call_hash_number(cf, "138abc00001", &h), -1);
	assert_int_equal(call_hash_number(cf, "", &h), -1);
	assert_null(h);

	expect_bad("{" BASE ",\"caller_number\":\"12\"}", "invalid_field",
	    "caller_number", "caller_number must hold 5 to 20 digits");
	expect_bad("{" BASE ",\"caller_number\":\"138.0000.1234\"}",
	    "invalid_field", "caller_number", "5 to 20 digits");
	expect_bad("{" BASE ",\"caller_number\":\"\"}", "invalid_field",
	    "caller_number", "5 to 20 digits");
}

static void
test_caller_number_needs_key(void **state)
{
	unsigned char	*key = cf->cf_hash_key;
	size_t		 len = cf->cf_hash_key_len;
	struct call	 a, b;

	(void)state;
	cf->cf_hash_key = NULL;
	cf->cf_hash_key_len = 0;
	expect_bad("{" BASE ",\"caller_number\":\"13800001234\"}",
	    "invalid_field", "caller_number", "caller_number needs "
	    "privacy.caller_hash_key in the server's configuration");
	/* Another key, another hash for the same number. */
	cf->cf_hash_key = (unsigned char *)"another-key-of-16-bytes";
	cf->cf_hash_key_len = strlen("another-key-of-16-bytes");
	validate_ok("{" BASE ",\"caller_number\":\"13800001234\"}", &a);
	cf->cf_hash_key = key;
	cf->cf_hash_key_len = len;
	validate_ok("{" BASE ",\"caller_number\":\"13800001234\"}", &b);
	assert_string_not_equal(a.c_caller_hash, b.c_caller_hash);
	call_free(&a);
	call_free(&b);
}

static void
test_to_json_redaction(void **state)
{
	struct call	 c;
	json_t		*o, *r, *a;

	(void)state;
	stored_call(FULL, &c);
	o = call_to_json(&c, CALL_SHOW_PERSONAL);
	/* With the six fields of the crisis record, null when not given. */
	assert_int_equal(json_object_size(o), 32);
	assert_null(json_object_get(o, "redacted"));
	assert_null(json_object_get(o, "erased"));
	assert_true(json_is_false(json_object_get(o, "legal_hold")));
	assert_true(json_is_null(json_object_get(o, "personal_erased_at")));
	assert_string_equal(json_string_value(json_object_get(o, "notes")),
	    "援鄂归来，隔离期间失眠，担心家人。");
	assert_string_equal(json_string_value(json_object_get(o,
	    "caller_name")), "张女士");
	assert_string_equal(json_string_value(json_object_get(o,
	    "caller_contact")), "微信 zhang_2020");
	assert_int_equal(json_integer_value(json_object_get(o, "id")), 42);
	assert_string_equal(json_string_value(json_object_get(o, "operator")),
	    "wang");
	assert_int_equal(json_integer_value(json_object_get(o, "version")), 3);
	assert_int_equal(json_integer_value(json_object_get(o,
	    "repeat_calls")), 2);
	assert_true(json_is_null(json_object_get(o, "queue")));
	assert_string_equal(json_string_value(json_object_get(o,
	    "started_at")), "2020-02-17T01:30:00+08:00");
	assert_string_equal(json_string_value(json_object_get(o,
	    "callback_at")), "2020-02-18T10:00:00+08:00");
	assert_string_equal(json_string_value(json_object_get(o,
	    "created_at")), "2020-02-17T08:40:00+08:00");
	assert_string_equal(json_string_value(json_object_get(o,
	    "updated_at")), "2020-02-17T08:41:00+08:00");
	assert_int_equal(json_integer_value(json_object_get(o, "duration_s")),
	    1260);
	assert_true(json_is_true(json_object_get(o, "consent")));
	assert_true(json_is_true(json_object_get(o, "emergency_contacted")));
	assert_int_equal(json_array_size(json_object_get(o, "topics")), 3);
	a = json_object_get(o, "risk_assessment");
	assert_string_equal(json_string_value(json_object_get(a, "intent")),
	    "unknown");
	json_decref(o);

	o = call_to_json(&c, 0);
	assert_int_equal(json_object_size(o), 29);
	assert_null(json_object_get(o, "notes"));
	assert_null(json_object_get(o, "caller_name"));
	assert_null(json_object_get(o, "caller_contact"));
	r = json_object_get(o, "redacted");
	assert_int_equal(json_array_size(r), 4);
	assert_string_equal(json_string_value(json_array_get(r, 0)), "notes");
	assert_string_equal(json_string_value(json_array_get(r, 1)),
	    "caller_name");
	assert_string_equal(json_string_value(json_array_get(r, 2)),
	    "caller_contact");
	/* Everything else is still there. */
	assert_string_equal(json_string_value(json_object_get(o, "line")),
	    "9120");
	assert_string_equal(json_string_value(json_object_get(o, "risk")),
	    "high");
	assert_true(json_is_true(json_object_get(o, "consent")));
	assert_non_null(json_object_get(o, "risk_assessment"));
	json_decref(o);
	call_free(&c);

	/* A record without personal data: still listed, never shown. */
	stored_call("{" BASE "}", &c);
	o = call_to_json(&c, 0);
	assert_int_equal(json_array_size(json_object_get(o, "redacted")), 4);
	assert_null(json_object_get(o, "notes"));
	assert_true(json_is_null(json_object_get(o, "duration_s")));
	assert_true(json_is_null(json_object_get(o, "callback_at")));
	assert_true(json_is_null(json_object_get(o, "risk_assessment")));
	json_decref(o);
	call_free(&c);
}

/* What call_input_json gives, call_from_json takes back unchanged. */
static void
test_input_json_round_trip(void **state)
{
	struct call		 a, b;
	struct call_error	 err;
	json_t			*o, *p;

	(void)state;
	validate_ok(FULL, &a);
	o = call_input_json(&a);
	call_init(&b);
	if (call_from_json(&b, o, cf, NOW, &err) != 0)
		fail_msg("%s: %s", err.ce_field, err.ce_msg);
	p = call_input_json(&b);
	assert_true(json_equal(o, p));
	assert_int_equal(b.c_started_at, a.c_started_at);
	assert_int_equal(b.c_callback_at, a.c_callback_at);
	/* The number is not in the input form, so no hash comes back. */
	assert_null(b.c_caller_hash);
	json_decref(o);
	json_decref(p);
	call_free(&a);
	call_free(&b);
}

/* Patch old with text; the rc, out and changes filled. */
static int
patch(const struct call *old, const char *text, struct call *out,
    json_t **changes, struct call_error *err)
{
	json_t	*p = parse(text);
	int	 rc;

	call_init(out);
	memset(err, 0, sizeof(*err));
	*changes = NULL;
	rc = call_patch(old, p, cf, out, changes, err);
	json_decref(p);
	return rc;
}

static void
expect_change(json_t *changes, const char *field, const char *from,
    const char *to)
{
	json_t	*ch = json_object_get(changes, field), *f, *t;

	if (ch == NULL)
		fail_msg("no change to %s", field);
	assert_int_equal(json_object_size(ch), 2);
	f = json_object_get(ch, "from");
	t = json_object_get(ch, "to");
	assert_non_null(f);
	assert_non_null(t);
	if (from == NULL)
		assert_true(json_is_null(f));
	else
		assert_string_equal(json_string_value(f), from);
	if (to == NULL)
		assert_true(json_is_null(t));
	else
		assert_string_equal(json_string_value(t), to);
}

static void
test_patch_merge(void **state)
{
	struct call		 old, out;
	struct call_error	 err;
	json_t			*changes;

	(void)state;
	stored_call(FULL, &old);
	assert_int_equal(patch(&old, "{\"outcome\":\"referred\","
	    "\"notes\":\"已转介精神卫生中心\",\"topics\":[\"sleep\"]}", &out,
	    &changes, &err), 0);
	/* The patched fields... */
	assert_string_equal(out.c_outcome, "referred");
	assert_string_equal(out.c_notes, "已转介精神卫生中心");
	assert_int_equal(out.c_ntopics, 1);
	assert_string_equal(out.c_topics[0], "sleep");
	/* ... the others as they were ... */
	assert_string_equal(out.c_line, "9120");
	assert_int_equal(out.c_started_at, T_NIGHT);
	assert_int_equal(out.c_duration_s, 1260);
	assert_string_equal(out.c_risk, "high");
	assert_int_equal(out.c_callback_at, old.c_callback_at);
	assert_string_equal(out.c_caller_name, "张女士");
	assert_string_equal(out.c_assess[2], "unknown");
	assert_int_equal(out.c_emergency, 1);
	/* ... and the server's, hash included. */
	assert_int_equal(out.c_id, 42);
	assert_string_equal(out.c_operator, "wang");
	assert_int_equal(out.c_version, 3);
	assert_int_equal(out.c_created_at, NOW);
	assert_int_equal(out.c_updated_at, NOW + 60);
	assert_int_equal(out.c_repeat_calls, 2);
	assert_string_equal(out.c_caller_hash, old.c_caller_hash);
	/* Exactly the three changes, from and to. */
	assert_int_equal(json_object_size(changes), 3);
	expect_change(changes, "outcome", "callback", "referred");
	expect_change(changes, "notes", "援鄂归来，隔离期间失眠，担心家人。",
	    "已转介精神卫生中心");
	assert_int_equal(json_array_size(json_object_get(json_object_get(
	    changes, "topics"), "from")), 3);
	assert_string_equal(json_string_value(json_array_get(json_object_get(
	    json_object_get(changes, "topics"), "to"), 0)), "sleep");
	json_decref(changes);
	call_free(&out);
	call_free(&old);
}

static void
test_patch_null_clears(void **state)
{
	struct call		 old, out;
	struct call_error	 err;
	json_t			*changes;

	(void)state;
	stored_call(FULL, &old);
	assert_int_equal(patch(&old, "{\"gender\":null,\"age_band\":null,"
	    "\"duration_s\":null,\"caller_contact\":null,"
	    "\"risk_assessment\":null,\"caller_number\":null}", &out, &changes,
	    &err), 0);
	assert_null(out.c_gender);
	assert_null(out.c_age_band);
	assert_int_equal(out.c_duration_s, -1);
	assert_null(out.c_caller_contact);
	assert_null(out.c_assess[0]);
	assert_null(out.c_caller_hash);
	assert_string_equal(out.c_caller_name, "张女士");
	assert_int_equal(json_object_size(changes), 6);
	expect_change(changes, "gender", "f", NULL);
	expect_change(changes, "age_band", "30-39", NULL);
	expect_change(changes, "caller_contact", "微信 zhang_2020", NULL);
	/* The number's hash is never shown, even in history. */
	expect_change(changes, "caller_number", "(hashed)", NULL);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
	    changes, "duration_s"), "from")), 1260);
	assert_true(json_is_null(json_object_get(json_object_get(changes,
	    "risk_assessment"), "to")));
	json_decref(changes);
	call_free(&out);
	call_free(&old);
}

static void
test_patch_caller_number(void **state)
{
	struct call		 old, out;
	struct call_error	 err;
	json_t			*changes;
	char			 want[65];

	(void)state;
	stored_call("{" BASE "}", &old);
	assert_int_equal(patch(&old, "{\"caller_number\":\"13900001111\"}",
	    &out, &changes, &err), 0);
	expect_hash("13900001111", want);
	assert_string_equal(out.c_caller_hash, want);
	assert_int_equal(json_object_size(changes), 1);
	expect_change(changes, "caller_number", NULL, "(hashed)");
	json_decref(changes);
	call_free(&out);
	call_free(&old);
}

static void
test_patch_noop(void **state)
{
	static const char *const noops[] = { "{}", "{\"risk\":\"high\"}",
	    "{\"line\":\"9120\",\"consent\":true,"
	    "\"topics\":[\"infection_fear\",\"sleep\",\"family\"]}",
	    "{\"started_at\":\"2020-02-16T17:30:00Z\"}",
	    "{\"caller_number\":\"8613800001234\"}" };
	struct call		 old, out;
	struct call_error	 err;
	json_t			*changes, *a, *b;
	size_t			 i;

	(void)state;
	stored_call(FULL, &old);
	for (i = 0; i < sizeof(noops) / sizeof(noops[0]); i++) {
		if (patch(&old, noops[i], &out, &changes, &err) != 0)
			fail_msg("%s: %s", noops[i], err.ce_msg);
		assert_non_null(changes);
		if (json_object_size(changes) != 0)
			fail_msg("%s changed %zu fields", noops[i],
			    json_object_size(changes));
		a = call_to_json(&old, CALL_SHOW_PERSONAL);
		b = call_to_json(&out, CALL_SHOW_PERSONAL);
		assert_true(json_equal(a, b));
		assert_string_equal(out.c_caller_hash, old.c_caller_hash);
		json_decref(a);
		json_decref(b);
		json_decref(changes);
		call_free(&out);
	}
	call_free(&old);
}

/* text as a patch of old must be refused as kind on field. */
static void
expect_patch_bad(const struct call *old, const char *text, const char *kind,
    const char *field, const char *says)
{
	struct call		 out;
	struct call_error	 err;
	json_t			*changes;
	int			 rc;

	rc = patch(old, text, &out, &changes, &err);
	call_free(&out);
	if (rc != -1) {
		json_decref(changes);
		fail_msg("patch accepted: %s", text);
	}
	assert_null(changes);
	if (err.ce_kind == NULL || strcmp(err.ce_kind, kind) != 0 ||
	    strcmp(err.ce_field, field) != 0 ||
	    strstr(err.ce_msg, says) == NULL)
		fail_msg("%s\n got %s/%s \"%s\"\n wanted %s/%s \"...%s...\"",
		    text, err.ce_kind ? err.ce_kind : "(null)", err.ce_field,
		    err.ce_msg, kind, field, says);
}

static void
test_patch_refused(void **state)
{
	struct call	 old;

	(void)state;
	stored_call(FULL, &old);
	/* Required fields cannot be cleared. */
	expect_patch_bad(&old, "{\"line\":null}", "missing_field", "line",
	    "line is required");
	expect_patch_bad(&old, "{\"topics\":null}", "missing_field", "topics",
	    "topics is required");
	/* The merged record is checked whole. */
	expect_patch_bad(&old, "{\"callback_at\":null}", "missing_field",
	    "callback_at", "required when outcome is callback");
	expect_patch_bad(&old, "{\"consent\":false}", "invalid_field",
	    "caller_name", "consent");
	expect_patch_bad(&old, "{\"risk\":\"low\"}", "invalid_field",
	    "risk_assessment", "moderate or above");
	expect_patch_bad(&old, "{\"started_at\":"
	    "\"2020-02-18T11:00:00+08:00\"}", "invalid_field", "callback_at",
	    "before started_at");
	expect_patch_bad(&old, "{\"risk\":\"severe\"}", "invalid_field",
	    "risk", "risk must be one of");
	/* The same field rules as for a new record. */
	expect_patch_bad(&old, "{\"operator\":\"li\"}", "invalid_field",
	    "operator", "operator is set by the server");
	expect_patch_bad(&old, "{\"version\":4}", "invalid_field", "version",
	    "set by the server");
	expect_patch_bad(&old, "{\"colour\":\"red\"}", "invalid_field",
	    "colour", "unknown field");
	expect_patch_bad(&old, "[]", "invalid_field", "",
	    "the body must be a JSON object of the fields to change");
	call_free(&old);
}

/* Erased fields are gone and listed, for every reader; the rest stays. */
static void
test_to_json_erased(void **state)
{
	struct call	 c;
	json_t		*o, *e;
	int		 flags;

	(void)state;
	stored_call(FULL, &c);
	free(c.c_notes);
	free(c.c_caller_name);
	free(c.c_caller_contact);
	c.c_notes = c.c_caller_name = c.c_caller_contact = NULL;
	c.c_erased_at = NOW + 86400;
	c.c_legal_hold = 0;
	for (flags = 0; flags <= CALL_SHOW_PERSONAL; flags += CALL_SHOW_PERSONAL) {
		o = call_to_json(&c, flags);
		assert_string_equal(json_string_value(json_object_get(o,
		    "personal_erased_at")), "2020-02-18T08:40:00+08:00");
		assert_null(json_object_get(o, "notes"));
		assert_null(json_object_get(o, "caller_name"));
		assert_null(json_object_get(o, "caller_contact"));
		e = json_object_get(o, "erased");
		assert_int_equal(json_array_size(e), 4);
		assert_string_equal(json_string_value(json_array_get(e, 0)),
		    "notes");
		assert_int_equal(json_object_get(o, "redacted") != NULL,
		    flags == 0);
		assert_string_equal(json_string_value(json_object_get(o,
		    "risk")), "high");
		json_decref(o);
	}
	call_free(&c);
}

/* legal_hold: a boolean, kept when absent, in the changes; not on POST. */
static void
test_patch_legal_hold(void **state)
{
	struct call		 old, out;
	struct call_error	 err;
	json_t			*changes, *ch;

	(void)state;
	stored_call(FULL, &old);
	assert_int_equal(patch(&old, "{\"legal_hold\":true}", &out, &changes,
	    &err), 0);
	assert_int_equal(out.c_legal_hold, 1);
	assert_int_equal(json_object_size(changes), 1);
	ch = json_object_get(changes, "legal_hold");
	assert_true(json_is_false(json_object_get(ch, "from")));
	assert_true(json_is_true(json_object_get(ch, "to")));
	json_decref(changes);
	/* Held stays held through another amendment. */
	call_free(&old);
	old = out;
	assert_int_equal(patch(&old, "{\"outcome\":\"referred\"}", &out,
	    &changes, &err), 0);
	assert_int_equal(out.c_legal_hold, 1);
	assert_null(json_object_get(changes, "legal_hold"));
	json_decref(changes);
	call_free(&out);
	expect_patch_bad(&old, "{\"legal_hold\":1}", "invalid_field",
	    "legal_hold", "true or false");
	expect_patch_bad(&old, "{\"legal_hold\":null}", "invalid_field",
	    "legal_hold", "true or false");
	call_free(&old);
	expect_bad("{" BASE ",\"legal_hold\":true}", "invalid_field",
	    "legal_hold", "PATCH");
}

/* An erased call: personal fields cannot come back; the rest may change. */
static void
test_patch_erased(void **state)
{
	struct call		 old, out;
	struct call_error	 err;
	json_t			*changes;

	(void)state;
	stored_call(FULL, &old);
	free(old.c_notes);
	free(old.c_caller_name);
	free(old.c_caller_contact);
	free(old.c_caller_hash);
	old.c_notes = old.c_caller_name = old.c_caller_contact = NULL;
	old.c_caller_hash = NULL;
	old.c_erased_at = NOW + 86400;
	expect_patch_bad(&old, "{\"notes\":\"again\"}", "erased", "notes",
	    "were erased at 2020-02-18T08:40:00+08:00");
	expect_patch_bad(&old, "{\"caller_name\":\"x\"}", "erased",
	    "caller_name", "cannot be set again");
	expect_patch_bad(&old, "{\"caller_contact\":\"x\"}", "erased",
	    "caller_contact", "cannot be set again");
	expect_patch_bad(&old, "{\"caller_number\":\"13800001234\"}",
	    "erased", "caller_number", "cannot be set again");
	assert_int_equal(patch(&old, "{\"outcome\":\"referred\","
	    "\"notes\":null}", &out, &changes, &err), 0);
	assert_null(out.c_notes);
	assert_null(out.c_caller_name);
	assert_null(out.c_caller_hash);
	assert_int_equal(out.c_erased_at, old.c_erased_at);
	assert_int_equal(json_object_size(changes), 1);
	json_decref(changes);
	call_free(&out);
	call_free(&old);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_record),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_missing_required),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_unknown_codes),
		cmocka_unit_test(test_unknown_and_server_fields),
		cmocka_unit_test(test_notes_in_characters),
		cmocka_unit_test(test_name_and_contact_limits),
		cmocka_unit_test(test_consent),
		cmocka_unit_test(test_callback),
		cmocka_unit_test(test_started_at_future),
		cmocka_unit_test(test_risk_assessment),
		cmocka_unit_test(test_caller_number_hash),
		cmocka_unit_test(test_caller_number_needs_key),
		cmocka_unit_test(test_to_json_redaction),
		cmocka_unit_test(test_input_json_round_trip),
		cmocka_unit_test(test_patch_merge),
		cmocka_unit_test(test_patch_null_clears),
		cmocka_unit_test(test_patch_caller_number),
		cmocka_unit_test(test_patch_noop),
		cmocka_unit_test(test_patch_refused),
		cmocka_unit_test(test_to_json_erased),
		cmocka_unit_test(test_patch_legal_hold),
		cmocka_unit_test(test_patch_erased),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
