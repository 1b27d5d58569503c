/*
 * The call record: the one validator for what a client sends, the JSON a
 * client gets back, and the merge and diff behind an amendment.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>

#include "hotlined.h"

#define CALL_TEXT_MAX	100	/* caller_name, caller_contact */
#define CALL_FUTURE_S	300	/* clock skew allowed on started_at */
#define CALL_DAY_S	86400

static struct code_name call_type_v[] = {
	{ "counseling", "心理咨询" }, { "info", "信息咨询" },
	{ "silent", "无声来电" }, { "prank", "骚扰来电" },
	{ "wrong_number", "打错电话" },
};
static struct code_name call_gender_v[] = {
	{ "f", "女" }, { "m", "男" }, { "x", "其他" },
};
static struct code_name call_age_v[] = {
	{ "<18", "18岁以下" }, { "18-29", "18-29岁" }, { "30-39", "30-39岁" },
	{ "40-49", "40-49岁" }, { "50-59", "50-59岁" }, { "60+", "60岁及以上" },
};
const struct code_list call_types = { call_type_v, 5 };
const struct code_list call_genders = { call_gender_v, 3 };
const struct code_list call_age_bands = { call_age_v, 6 };
/* Four items, NULL-terminated so call_in() can search it. */
const char *const call_assess_keys[5] = { "desire", "capability", "intent",
    "buffers", NULL };

/* The fields a client may send, in the order records are rendered. */
static const char *const call_input_fields[] = { "line", "started_at",
    "duration_s", "call_type", "caller_type", "gender", "age_band", "topics",
    "risk", "outcome", "callback_at", "notes", "consent", "caller_name",
    "caller_contact", "caller_number", "risk_assessment",
    "emergency_contacted", "pbx_call_id", "ideation_intensity", "hopelessness",
    "screener", "plan_timeframe", "safety_plan", "emergency", NULL };
static const char *const call_server_fields[] = { "id", "operator", "queue",
    "repeat_calls", "created_at", "updated_at", "version", "history",
    "redacted", "personal_erased_at", "erased", NULL };
static const char *const call_personal[] = { "notes", "caller_name",
    "caller_contact", "safety_plan", NULL };
/* What retention erases and an amendment may not bring back. */
static const char *const call_erasable[] = { "notes", "caller_name",
    "caller_contact", "caller_number", "safety_plan", NULL };

/* Fill err (kind, field, message); returns -1. crisis.c uses it too. */
int
call_fail(struct call_error *err, const char *kind, const char *field,
    const char *fmt, ...)
{
	va_list	 ap;

	err->ce_kind = kind;
	snprintf(err->ce_field, sizeof(err->ce_field), "%s", field);
	va_start(ap, fmt);
	vsnprintf(err->ce_msg, sizeof(err->ce_msg), fmt, ap);
	va_end(ap);
	return -1;
}

static int
call_in(const char *const *v, const char *s)
{
	for (; *v != NULL; v++)
		if (strcmp(*v, s) == 0)
			return 1;
	return 0;
}

void
call_init(struct call *c)
{
	memset(c, 0, sizeof(*c));
	c->c_duration_s = -1;
}

void
call_free(struct call *c)
{
	size_t	 i;

	free(c->c_line);
	free(c->c_operator);
	free(c->c_call_type);
	free(c->c_caller_type);
	free(c->c_gender);
	free(c->c_age_band);
	for (i = 0; i < c->c_ntopics; i++)
		free(c->c_topics[i]);
	free(c->c_risk);
	free(c->c_outcome);
	free(c->c_notes);
	free(c->c_caller_name);
	free(c->c_caller_contact);
	free(c->c_caller_hash);
	free(c->c_pbx_call_id);
	for (i = 0; i < 4; i++)
		free(c->c_assess[i]);
	json_decref(c->c_crisis);
	call_init(c);
}

/* Characters (code points) in a valid UTF-8 string. */
size_t
call_utf8_len(const char *s)
{
	size_t	 n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

/* "risk must be one of: none, low, ..." */
static int
call_bad_code(struct call_error *err, const char *field,
    const struct code_list *cl)
{
	char	 list[400] = "";
	size_t	 i;

	for (i = 0; i < cl->cl_n; i++) {
		if (i > 0)
			strncat(list, ", ", sizeof(list) - strlen(list) - 1);
		strncat(list, cl->cl_v[i].cn_code,
		    sizeof(list) - strlen(list) - 1);
	}
	return call_fail(err, "invalid_field", field, "%s must be one of: %s",
	    field, list);
}

/* A code from cl at key, or absent (NULL) when optional. */
static int
call_code(json_t *o, const char *key, const struct code_list *cl,
    int required, char **out, struct call_error *err)
{
	json_t		*v = json_object_get(o, key);
	const char	*s;

	if (v == NULL || json_is_null(v)) {
		if (required)
			return call_fail(err, "missing_field", key,
			    "%s is required", key);
		return 0;
	}
	if (!json_is_string(v))
		return call_fail(err, "invalid_field", key,
		    "%s must be a string code", key);
	s = json_string_value(v);
	if (config_find(cl, s) == NULL)
		return call_bad_code(err, key, cl);
	if ((*out = strdup(s)) == NULL)
		return call_fail(err, "internal", key, "out of memory");
	return 0;
}

static int
call_time(json_t *o, const char *key, int64_t *out, struct call_error *err)
{
	json_t	*v = json_object_get(o, key);

	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v) || clock_parse(json_string_value(v), out) == -1)
		return call_fail(err, "invalid_field", key, "%s must be an "
		    "RFC 3339 time with a zone, such as "
		    "2020-02-17T01:30:00+08:00", key);
	return 0;
}

static int
call_text(json_t *o, const char *key, long max, char **out,
    struct call_error *err)
{
	json_t	*v = json_object_get(o, key);

	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return call_fail(err, "invalid_field", key,
		    "%s must be a string", key);
	if (call_utf8_len(json_string_value(v)) > (size_t)max)
		return call_fail(err, "invalid_field", key,
		    "%s is longer than %ld characters", key, max);
	if ((*out = strdup(json_string_value(v))) == NULL)
		return call_fail(err, "internal", key, "out of memory");
	return 0;
}

static int
call_bool(json_t *o, const char *key, int *out, struct call_error *err)
{
	json_t	*v = json_object_get(o, key);

	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_boolean(v))
		return call_fail(err, "invalid_field", key,
		    "%s must be true or false", key);
	*out = json_is_true(v);
	return 0;
}

static int
call_topics(struct call *c, json_t *o, const struct config *cf,
    struct call_error *err)
{
	json_t	*v = json_object_get(o, "topics"), *t;
	size_t	 i, j;

	if (v == NULL || json_is_null(v))
		return call_fail(err, "missing_field", "topics",
		    "topics is required: at least one topic code");
	if (!json_is_array(v) || json_array_size(v) == 0)
		return call_fail(err, "invalid_field", "topics",
		    "topics must be a non-empty array of topic codes");
	if (json_array_size(v) > CALL_MAX_TOPICS)
		return call_fail(err, "invalid_field", "topics",
		    "topics has more than %d entries", CALL_MAX_TOPICS);
	json_array_foreach(v, i, t) {
		if (!json_is_string(t))
			return call_fail(err, "invalid_field", "topics",
			    "topics must be an array of string codes");
		if (config_find(&cf->cf_topics, json_string_value(t)) == NULL)
			return call_bad_code(err, "topics", &cf->cf_topics);
		for (j = 0; j < c->c_ntopics; j++)
			if (strcmp(c->c_topics[j], json_string_value(t)) == 0)
				return call_fail(err, "invalid_field", "topics",
				    "topics: \"%s\" is listed twice",
				    c->c_topics[j]);
		if ((c->c_topics[c->c_ntopics] =
		    strdup(json_string_value(t))) == NULL)
			return call_fail(err, "internal", "topics",
			    "out of memory");
		c->c_ntopics++;
	}
	return 0;
}

static int
call_assessment(struct call *c, json_t *o, const struct config *cf,
    struct call_error *err)
{
	static const char *const answers[] = { "yes", "no", "unknown", NULL };
	json_t		*v = json_object_get(o, "risk_assessment"), *a;
	const char	*k;
	int		 i, moderate = config_risk_rank(cf, "moderate");

	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_object(v))
		return call_fail(err, "invalid_field", "risk_assessment",
		    "risk_assessment must be an object {desire, capability, "
		    "intent, buffers}");
	if (moderate != -1 && config_risk_rank(cf, c->c_risk) < moderate)
		return call_fail(err, "invalid_field", "risk_assessment",
		    "risk_assessment is only recorded with risk moderate or "
		    "above");
	json_object_foreach(v, k, a)
		if (!call_in(call_assess_keys, k))
			return call_fail(err, "invalid_field",
			    "risk_assessment", "risk_assessment has no item "
			    "\"%s\" (desire, capability, intent, buffers)", k);
	for (i = 0; i < 4; i++) {
		a = json_object_get(v, call_assess_keys[i]);
		if (a == NULL || !json_is_string(a) ||
		    !call_in(answers, json_string_value(a)))
			return call_fail(err, "invalid_field",
			    "risk_assessment", "risk_assessment.%s must be "
			    "yes, no or unknown", call_assess_keys[i]);
		if ((c->c_assess[i] = strdup(json_string_value(a))) == NULL)
			return call_fail(err, "internal", "risk_assessment",
			    "out of memory");
	}
	return 0;
}

static int
call_duration(struct call *c, json_t *o, struct call_error *err)
{
	json_t	*v = json_object_get(o, "duration_s");

	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > CALL_DAY_S)
		return call_fail(err, "invalid_field", "duration_s",
		    "duration_s must be a whole number of seconds from 0 to "
		    "86400");
	c->c_duration_s = json_integer_value(v);
	return 0;
}

/* Unknown and server-set fields are refused, so typos lose nothing. */
static int
call_check_keys(json_t *o, struct call_error *err)
{
	const char	*k;
	json_t		*v;

	json_object_foreach(o, k, v) {
		if (strcmp(k, "legal_hold") == 0)
			return call_fail(err, "invalid_field", k, "legal_hold "
			    "is set on a stored call by a supervisor or an "
			    "admin (PATCH)");
		if (call_in(call_server_fields, k))
			return call_fail(err, "invalid_field", k,
			    "%s is set by the server", k);
		if (!call_in(call_input_fields, k))
			return call_fail(err, "invalid_field", k,
			    "unknown field \"%s\"", k);
	}
	return 0;
}

static int
call_personal_fields(struct call *c, json_t *o, const struct config *cf,
    struct call_error *err)
{
	json_t	*num = json_object_get(o, "caller_number");

	if (call_text(o, "notes", cf->cf_limits.lim_notes_max, &c->c_notes,
	    err) == -1 ||
	    call_bool(o, "consent", &c->c_consent, err) == -1 ||
	    call_text(o, "caller_name", CALL_TEXT_MAX, &c->c_caller_name,
	    err) == -1 ||
	    call_text(o, "caller_contact", CALL_TEXT_MAX, &c->c_caller_contact,
	    err) == -1)
		return -1;
	if (!c->c_consent && c->c_caller_name != NULL)
		return call_fail(err, "invalid_field", "caller_name",
		    "caller_name is kept only with the caller's consent "
		    "(consent: true)");
	if (!c->c_consent && c->c_caller_contact != NULL)
		return call_fail(err, "invalid_field", "caller_contact",
		    "caller_contact is kept only with the caller's consent "
		    "(consent: true)");
	if (num == NULL || json_is_null(num))
		return 0;
	if (!json_is_string(num))
		return call_fail(err, "invalid_field", "caller_number",
		    "caller_number must be a string");
	if (cf->cf_hash_key == NULL)
		return call_fail(err, "invalid_field", "caller_number",
		    "caller_number needs privacy.caller_hash_key in the "
		    "server's configuration");
	if (call_hash_number(cf, json_string_value(num),
	    &c->c_caller_hash) == -1)
		return call_fail(err, "invalid_field", "caller_number",
		    "caller_number must hold 5 to 20 digits");
	return 0;
}

/*
 * Validate o against the config into c (initialised, caller frees).
 * now is the time of receipt, the default for started_at.
 */
int
call_from_json(struct call *c, json_t *o, const struct config *cf,
    int64_t now, struct call_error *err)
{
	if (!json_is_object(o))
		return call_fail(err, "invalid_field", "", "the body must be "
		    "a JSON object");
	c->c_started_at = now;
	if (call_check_keys(o, err) == -1 ||
	    call_code(o, "line", &cf->cf_lines, 1, &c->c_line, err) == -1 ||
	    call_code(o, "caller_type", &cf->cf_caller_types, 1,
	    &c->c_caller_type, err) == -1 ||
	    call_topics(c, o, cf, err) == -1 ||
	    call_code(o, "risk", &cf->cf_risks, 1, &c->c_risk, err) == -1 ||
	    call_time(o, "started_at", &c->c_started_at, err) == -1 ||
	    call_duration(c, o, err) == -1 ||
	    call_code(o, "call_type", &call_types, 0, &c->c_call_type,
	    err) == -1 ||
	    call_code(o, "gender", &call_genders, 0, &c->c_gender, err) == -1 ||
	    call_code(o, "age_band", &call_age_bands, 0, &c->c_age_band,
	    err) == -1 ||
	    call_code(o, "outcome", &cf->cf_outcomes, 0, &c->c_outcome,
	    err) == -1 ||
	    call_time(o, "callback_at", &c->c_callback_at, err) == -1 ||
	    call_personal_fields(c, o, cf, err) == -1 ||
	    call_assessment(c, o, cf, err) == -1 ||
	    call_bool(o, "emergency_contacted", &c->c_emergency, err) == -1 ||
	    call_text(o, "pbx_call_id", 63, &c->c_pbx_call_id, err) == -1 ||
	    crisis_from_json(o, c->c_started_at, now, &c->c_crisis, err) == -1)
		return -1;
	/* The linkage says more than the lone boolean, which stays true. */
	if (c->c_crisis != NULL && json_object_get(c->c_crisis,
	    "emergency") != NULL)
		c->c_emergency = 1;
	if (c->c_call_type == NULL &&
	    (c->c_call_type = strdup("counseling")) == NULL)
		return call_fail(err, "internal", "", "out of memory");
	if (c->c_started_at > now + CALL_FUTURE_S)
		return call_fail(err, "invalid_field", "started_at",
		    "started_at is in the future");
	if (c->c_outcome != NULL && strcmp(c->c_outcome, "callback") == 0 &&
	    c->c_callback_at == 0)
		return call_fail(err, "missing_field", "callback_at",
		    "callback_at is required when outcome is callback");
	if (c->c_callback_at != 0 && c->c_callback_at < c->c_started_at)
		return call_fail(err, "invalid_field", "callback_at",
		    "callback_at is before started_at");
	return 0;
}

/*
 * The HMAC keyed with cf's key, made once per thread and key: HMAC() looks
 * the MAC and the digest up by name on every call, which was a tenth of
 * a care form's row. A copy is taken for each number. NULL: none.
 */
static EVP_MAC_CTX *
call_hash_ctx(const struct config *cf)
{
	static _Thread_local EVP_MAC_CTX	*ctx;
	static _Thread_local unsigned char	*key;
	static _Thread_local size_t		 keylen;
	const unsigned char	*k = cf->cf_hash_key != NULL ?
	    cf->cf_hash_key : (const unsigned char *)"";
	OSSL_PARAM		 params[2];
	EVP_MAC			*mac;

	if (ctx != NULL && keylen == cf->cf_hash_key_len &&
	    (keylen == 0 || memcmp(key, k, keylen) == 0))
		return ctx;
	EVP_MAC_CTX_free(ctx);
	free(key);
	ctx = NULL;
	keylen = 0;
	if ((key = malloc(cf->cf_hash_key_len + 1)) == NULL ||
	    (mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
		return NULL;
	ctx = EVP_MAC_CTX_new(mac);
	EVP_MAC_free(mac);
	params[0] = OSSL_PARAM_construct_utf8_string("digest", "SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	if (ctx == NULL || EVP_MAC_init(ctx, k, cf->cf_hash_key_len,
	    params) != 1) {
		EVP_MAC_CTX_free(ctx);
		ctx = NULL;
		return NULL;
	}
	memcpy(key, k, cf->cf_hash_key_len);
	keylen = cf->cf_hash_key_len;
	return ctx;
}

/* Keyed hash of a phone number's digits: HMAC-SHA256, hex. */
int
call_hash_number(const struct config *cf, const char *num, char **out)
{
	EVP_MAC_CTX	*base, *ctx;
	unsigned char	 mac[EVP_MAX_MD_SIZE];
	size_t		 maclen = 0;
	char		 digits[32];
	size_t		 n = 0;
	int		 rc;

	for (; *num != '\0'; num++) {
		if (isdigit((unsigned char)*num)) {
			if (n >= 20)
				return -1;
			digits[n++] = *num;
		} else if (strchr(" +-()", *num) == NULL)
			return -1;
	}
	if (n < 5)
		return -1;
	if ((base = call_hash_ctx(cf)) == NULL ||
	    (ctx = EVP_MAC_CTX_dup(base)) == NULL)
		return -1;
	rc = EVP_MAC_update(ctx, (unsigned char *)digits, n) == 1 &&
	    EVP_MAC_final(ctx, mac, &maclen, sizeof(mac)) == 1 ? 0 : -1;
	EVP_MAC_CTX_free(ctx);
	if (rc == -1 || (*out = malloc(2 * maclen + 1)) == NULL)
		return -1;
	digest_hex_encode(mac, maclen, *out);
	return 0;
}

static json_t *
call_json_str(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

json_t *
call_json_time(int64_t t)
{
	char	 buf[40];

	if (t == 0)
		return json_null();
	clock_format(t, buf, sizeof(buf));
	return json_string(buf);
}

/* The client-settable fields of c, as a client would send them. */
json_t *
call_input_json(const struct call *c)
{
	json_t	*o = json_object(), *t = json_array(), *a;
	size_t	 i;

	for (i = 0; i < c->c_ntopics; i++)
		json_array_append_new(t, json_string(c->c_topics[i]));
	json_object_set_new(o, "line", json_string(c->c_line));
	json_object_set_new(o, "started_at", call_json_time(c->c_started_at));
	json_object_set_new(o, "duration_s", c->c_duration_s < 0 ?
	    json_null() : json_integer(c->c_duration_s));
	json_object_set_new(o, "call_type", json_string(c->c_call_type));
	json_object_set_new(o, "caller_type", json_string(c->c_caller_type));
	json_object_set_new(o, "gender", call_json_str(c->c_gender));
	json_object_set_new(o, "age_band", call_json_str(c->c_age_band));
	json_object_set_new(o, "topics", t);
	json_object_set_new(o, "risk", json_string(c->c_risk));
	json_object_set_new(o, "outcome", call_json_str(c->c_outcome));
	json_object_set_new(o, "callback_at", call_json_time(c->c_callback_at));
	json_object_set_new(o, "notes", call_json_str(c->c_notes));
	json_object_set_new(o, "consent", json_boolean(c->c_consent));
	json_object_set_new(o, "caller_name", call_json_str(c->c_caller_name));
	json_object_set_new(o, "caller_contact",
	    call_json_str(c->c_caller_contact));
	a = json_null();
	if (c->c_assess[0] != NULL) {
		a = json_object();
		for (i = 0; i < 4; i++)
			json_object_set_new(a, call_assess_keys[i],
			    json_string(c->c_assess[i]));
	}
	json_object_set_new(o, "risk_assessment", a);
	json_object_set_new(o, "emergency_contacted",
	    json_boolean(c->c_emergency));
	crisis_to_json(c->c_crisis, o);
	return o;
}

/* Remove personal fields from o and say which in key ("redacted"). */
static void
call_redact(json_t *o, const char *key)
{
	json_t	*r = json_array();
	size_t	 i;

	for (i = 0; call_personal[i] != NULL; i++) {
		json_object_del(o, call_personal[i]);
		json_array_append_new(r, json_string(call_personal[i]));
	}
	json_object_set_new(o, key, r);
}

/* The record as the API returns it; flags: CALL_SHOW_PERSONAL. */
json_t *
call_to_json(const struct call *c, int flags)
{
	json_t	*o = call_input_json(c);

	json_object_set_new(o, "id", json_integer(c->c_id));
	json_object_set_new(o, "operator", json_string(c->c_operator));
	json_object_set_new(o, "queue", json_null());
	json_object_set_new(o, "repeat_calls", json_integer(c->c_repeat_calls));
	json_object_set_new(o, "created_at", call_json_time(c->c_created_at));
	json_object_set_new(o, "updated_at", call_json_time(c->c_updated_at));
	json_object_set_new(o, "version", json_integer(c->c_version));
	json_object_set_new(o, "legal_hold", json_boolean(c->c_legal_hold));
	json_object_set_new(o, "personal_erased_at",
	    call_json_time(c->c_erased_at));
	/* Erased is not empty: the fields go, and "erased" says which. */
	if (c->c_erased_at != 0)
		call_redact(o, "erased");
	if (!(flags & CALL_SHOW_PERSONAL))
		call_redact(o, "redacted");
	return o;
}

/* {field: {from, to}} for every input field that differs. */
static json_t *
call_diff(const struct call *a, const struct call *b)
{
	json_t		*ja = call_input_json(a), *jb = call_input_json(b);
	json_t		*changes = json_object(), *ch;
	const char	*k;
	json_t		*va;

	json_object_foreach(ja, k, va) {
		if (json_equal(va, json_object_get(jb, k)))
			continue;
		ch = json_object();
		json_object_set(ch, "from", va);
		json_object_set(ch, "to", json_object_get(jb, k));
		json_object_set_new(changes, k, ch);
	}
	if ((a->c_caller_hash == NULL) != (b->c_caller_hash == NULL) ||
	    (a->c_caller_hash != NULL &&
	    strcmp(a->c_caller_hash, b->c_caller_hash) != 0)) {
		ch = json_object();
		json_object_set_new(ch, "from", a->c_caller_hash ?
		    json_string("(hashed)") : json_null());
		json_object_set_new(ch, "to", b->c_caller_hash ?
		    json_string("(hashed)") : json_null());
		json_object_set_new(changes, "caller_number", ch);
	}
	if (a->c_legal_hold != b->c_legal_hold)
		json_object_set_new(changes, "legal_hold", json_pack("{s:b, s:b}",
		    "from", a->c_legal_hold, "to", b->c_legal_hold));
	json_decref(ja);
	json_decref(jb);
	return changes;
}

static int
call_copy_server(struct call *dst, const struct call *src)
{
	dst->c_id = src->c_id;
	dst->c_created_at = src->c_created_at;
	dst->c_updated_at = src->c_updated_at;
	dst->c_version = src->c_version;
	dst->c_repeat_calls = src->c_repeat_calls;
	dst->c_legal_hold = src->c_legal_hold;
	dst->c_erased_at = src->c_erased_at;
	if ((dst->c_operator = strdup(src->c_operator)) == NULL)
		return -1;
	if (dst->c_caller_hash == NULL && src->c_caller_hash != NULL &&
	    (dst->c_caller_hash = strdup(src->c_caller_hash)) == NULL)
		return -1;
	return 0;
}

/* An erased call's personal fields stay erased: none may be set again. */
static int
call_check_erased(const struct call *old, json_t *patch,
    struct call_error *err)
{
	json_t	*v;
	char	 when[40];
	size_t	 i;

	if (old->c_erased_at == 0)
		return 0;
	for (i = 0; call_erasable[i] != NULL; i++) {
		v = json_object_get(patch, call_erasable[i]);
		if (v == NULL || json_is_null(v))
			continue;
		clock_format(old->c_erased_at, when, sizeof(when));
		return call_fail(err, "erased", call_erasable[i], "the personal "
		    "fields of call %lld were erased at %s (retention); %s "
		    "cannot be set again", (long long)old->c_id, when,
		    call_erasable[i]);
	}
	return 0;
}

/* legal_hold in a patch: true or false; -1 when absent (old stays). */
static int
call_patch_hold(json_t *patch, int *hold, struct call_error *err)
{
	json_t	*v = json_object_get(patch, "legal_hold");

	*hold = -1;
	if (v == NULL)
		return 0;
	if (!json_is_boolean(v))
		return call_fail(err, "invalid_field", "legal_hold",
		    "legal_hold must be true or false");
	*hold = json_is_true(v);
	return 0;
}

/* call_patch without legal_hold: merge, validate, keep the server's. */
static int
call_patch_fields(const struct call *old, json_t *patch,
    const struct config *cf, struct call *out, struct call_error *err)
{
	json_t		*merged, *v;
	const char	*k;
	int		 rc;

	if (call_check_keys(patch, err) == -1 ||
	    call_check_erased(old, patch, err) == -1)
		return -1;
	/* Clearing started_at would silently move the call to today. */
	v = json_object_get(patch, "started_at");
	if (v != NULL && json_is_null(v))
		return call_fail(err, "invalid_field", "started_at",
		    "started_at cannot be cleared; give the time the call "
		    "began");
	merged = call_input_json(old);
	json_object_foreach(patch, k, v) {
		if (json_is_null(v))
			json_object_del(merged, k);
		else if (strcmp(k, "emergency") == 0 && json_is_object(v) &&
		    json_is_object(json_object_get(merged, k)))
			/* Confirming it need not repeat who and when. */
			json_object_update(json_object_get(merged, k), v);
		else
			json_object_set(merged, k, v);
	}
	/* started_at was accepted once; amending other fields keeps it. */
	rc = call_from_json(out, merged, cf,
	    old->c_started_at > clock_now() ? old->c_started_at : clock_now(),
	    err);
	json_decref(merged);
	if (rc == -1)
		return -1;
	if (call_copy_server(out, old) == -1)
		return call_fail(err, "internal", "", "out of memory");
	v = json_object_get(patch, "caller_number");
	if (v != NULL && json_is_null(v)) {
		free(out->c_caller_hash);
		out->c_caller_hash = NULL;
	}
	return 0;
}

/*
 * Apply patch to old into out (initialised, caller frees): the merged
 * record is validated whole. *changes (caller frees) lists what differs;
 * it is empty when the patch changes nothing.
 */
int
call_patch(const struct call *old, json_t *patch, const struct config *cf,
    struct call *out, json_t **changes, struct call_error *err)
{
	json_t		*fields;
	int		 rc, hold;

	*changes = NULL;
	if (!json_is_object(patch))
		return call_fail(err, "invalid_field", "", "the body must be "
		    "a JSON object of the fields to change");
	if (call_patch_hold(patch, &hold, err) == -1)
		return -1;
	/* The rest of the patch is a call's own fields. */
	if ((fields = json_copy(patch)) == NULL)
		return call_fail(err, "internal", "", "out of memory");
	json_object_del(fields, "legal_hold");
	rc = call_patch_fields(old, fields, cf, out, err);
	json_decref(fields);
	if (rc == -1)
		return -1;
	if (hold != -1)
		out->c_legal_hold = hold;
	*changes = call_diff(old, out);
	return 0;
}
