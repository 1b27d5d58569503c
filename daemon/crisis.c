/*
 * The crisis record of a call: a quantified suicide-risk assessment
 * (ideation and hopelessness, 0 to 10; the six items of the Columbia
 * screener; when a plan is in place, its time frame), the safety plan
 * (personal, like the notes) and the emergency linkage (who was
 * contacted, when, their reference, whether contact with the caller was
 * confirmed). The call keeps it as one validated JSON object (c_crisis),
 * stored as such; to clients each member is a field of the call, so an
 * amendment and its history treat it like any other field.
 */
#include <stdio.h>
#include <string.h>

#include "hotlined.h"

#define CRISIS_REF_MAX	64	/* characters of an emergency reference */
#define CRISIS_FUTURE_S	300	/* clock skew allowed on contacted_at */

const char *const crisis_fields[] = { "ideation_intensity", "hopelessness",
    "screener", "plan_timeframe", "safety_plan", "emergency", NULL };
const char *const crisis_screener[] = { "wish_dead",
    "active_thoughts", "method", "intent", "plan", "behavior", NULL };
const char *const crisis_safety[] = { "warning_signs",
    "coping_steps", "people_places", "professional_contacts", "means_safer",
    NULL };
const char *const crisis_answers[] = { "yes", "no", "unknown", NULL };
/*
 * The crisis rollups count the time frames, agencies and outcomes in
 * these orders (STORE_CRISIS_VALS in store_int.h): change both, then a
 * new migration that builds them again.
 */
const char *const crisis_timeframes[] = { "72h", "1w", "later",
    NULL };
const char *const crisis_agencies[] = { "110", "120", "119", "family",
    "workplace", "other", NULL };
const char *const crisis_confirmed[] = { "confirmed", "not_confirmed",
    "pending", NULL };

static int
crisis_in(const char *const *v, const char *s)
{
	size_t	 i;

	for (i = 0; v[i] != NULL; i++)
		if (strcmp(v[i], s) == 0)
			return 1;
	return 0;
}

/* "a, b, c" of v into buf. */
static const char *
crisis_list(const char *const *v, char *buf, size_t len)
{
	size_t	 i, n = 0;

	buf[0] = '\0';
	for (i = 0; v[i] != NULL && n < len; i++)
		n += snprintf(buf + n, len - n, "%s%s", i ? ", " : "", v[i]);
	return buf;
}

/* A score 0 to 10 under name into out (absent or null: nothing). */
static int
crisis_score(json_t *o, const char *name, json_t *out,
    struct call_error *err)
{
	json_t	*v = json_object_get(o, name);

	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > 10)
		return call_fail(err, "invalid_field", name, "%s must be a "
		    "whole number from 0 to 10", name);
	json_object_set(out, name, v);
	return 0;
}

/* A code of list under name into out (absent or null: nothing). */
static int
crisis_code(json_t *o, const char *name, const char *field,
    const char *const *list, json_t *out, struct call_error *err)
{
	json_t	*v = json_object_get(o, name);
	char	 buf[128];

	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v) || !crisis_in(list, json_string_value(v)))
		return call_fail(err, "invalid_field", field, "%s must be "
		    "one of: %s", field, crisis_list(list, buf, sizeof(buf)));
	json_object_set(out, name, v);
	return 0;
}

/* An object of every item of items, each yes, no or unknown. */
static int
crisis_items(json_t *o, const char *name, const char *const *items,
    json_t *out, struct call_error *err)
{
	json_t		*v = json_object_get(o, name), *r;
	const char	*k;
	json_t		*x;
	char		 field[48], buf[128];
	size_t		 i;

	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_object(v))
		return call_fail(err, "invalid_field", name, "%s must be an "
		    "object of: %s", name, crisis_list(items, buf, sizeof(buf)));
	json_object_foreach(v, k, x)
		if (!crisis_in(items, k))
			return call_fail(err, "invalid_field", name, "%s has "
			    "no item %.40s; its items are: %s", name, k,
			    crisis_list(items, buf, sizeof(buf)));
	r = json_object();
	json_object_set_new(out, name, r);
	for (i = 0; items[i] != NULL; i++) {
		snprintf(field, sizeof(field), "%s.%s", name, items[i]);
		if (json_object_get(v, items[i]) == NULL)
			return call_fail(err, "missing_field", field, "%s is "
			    "required: yes, no or unknown", field);
		if (crisis_code(v, items[i], field, crisis_answers, r,
		    err) == -1)
			return -1;
	}
	return 0;
}

/* emergency.contacted_at: required, not before the call nor ahead. */
static int
crisis_contacted(json_t *e, int64_t started, int64_t now, json_t *out,
    struct call_error *err)
{
	json_t	*v = json_object_get(e, "contacted_at");
	int64_t	 t;
	char	 buf[40];

	if (v == NULL || json_is_null(v))
		return call_fail(err, "missing_field", "emergency.contacted_"
		    "at", "emergency.contacted_at is required: when the "
		    "emergency contact was made");
	if (!json_is_string(v) || clock_parse(json_string_value(v), &t) == -1)
		return call_fail(err, "invalid_field", "emergency.contacted_"
		    "at", "emergency.contacted_at must be an RFC 3339 time");
	if (t > now + CRISIS_FUTURE_S || t < started)
		return call_fail(err, "invalid_field", "emergency.contacted_"
		    "at", "emergency.contacted_at is %s", t < started ?
		    "before started_at" : "in the future");
	clock_format(t, buf, sizeof(buf));
	json_object_set_new(out, "contacted_at", json_string(buf));
	return 0;
}

/* The emergency linkage: agency and time required, pending by default. */
static int
crisis_emergency(json_t *o, int64_t started, int64_t now, json_t *out,
    struct call_error *err)
{
	static const char *const keys[] = { "agency", "contacted_at",
	    "reference", "confirmed", NULL };
	json_t		*v = json_object_get(o, "emergency"), *e, *x;
	const char	*k;
	char		 buf[96];

	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_object(v))
		return call_fail(err, "invalid_field", "emergency",
		    "emergency must be an object {agency, contacted_at, "
		    "reference, confirmed}");
	json_object_foreach(v, k, x)
		if (!crisis_in(keys, k))
			return call_fail(err, "invalid_field", "emergency",
			    "emergency has no member %.40s; its members are: "
			    "%s", k, crisis_list(keys, buf, sizeof(buf)));
	e = json_object();
	json_object_set_new(out, "emergency", e);
	if (json_object_get(v, "agency") == NULL)
		return call_fail(err, "missing_field", "emergency.agency",
		    "emergency.agency is required (an emergency is recorded "
		    "before it is confirmed): one of %s",
		    crisis_list(crisis_agencies, buf, sizeof(buf)));
	if (crisis_code(v, "agency", "emergency.agency", crisis_agencies, e,
	    err) == -1 || crisis_contacted(v, started, now, e, err) == -1 ||
	    crisis_code(v, "confirmed", "emergency.confirmed",
	    crisis_confirmed, e, err) == -1)
		return -1;
	if (json_object_get(e, "confirmed") == NULL)
		json_object_set_new(e, "confirmed", json_string("pending"));
	x = json_object_get(v, "reference");
	if (x != NULL && !json_is_null(x) && (!json_is_string(x) ||
	    call_utf8_len(json_string_value(x)) > CRISIS_REF_MAX))
		return call_fail(err, "invalid_field", "emergency.reference",
		    "emergency.reference must be a string of at most %d "
		    "characters", CRISIS_REF_MAX);
	json_object_set(e, "reference", x != NULL ? x : json_null());
	return 0;
}

/*
 * The crisis fields of a call body o into *out (caller frees; NULL when
 * none is given); started: the call's start. -1 with err.
 */
int
crisis_from_json(json_t *o, int64_t started, int64_t now, json_t **out,
    struct call_error *err)
{
	json_t	*c = json_object(), *sc;

	*out = NULL;
	if (crisis_score(o, "ideation_intensity", c, err) == -1 ||
	    crisis_score(o, "hopelessness", c, err) == -1 ||
	    crisis_items(o, "screener", crisis_screener, c, err) == -1 ||
	    crisis_code(o, "plan_timeframe", "plan_timeframe",
	    crisis_timeframes, c, err) == -1 ||
	    crisis_items(o, "safety_plan", crisis_safety, c, err) == -1 ||
	    crisis_emergency(o, started, now, c, err) == -1) {
		json_decref(c);
		return -1;
	}
	sc = json_object_get(c, "screener");
	if (json_object_get(c, "plan_timeframe") != NULL && (sc == NULL ||
	    strcmp(json_string_value(json_object_get(sc, "plan")),
	    "yes") != 0)) {
		json_decref(c);
		return call_fail(err, "invalid_field", "plan_timeframe",
		    "plan_timeframe is recorded when a plan is in place: "
		    "screener.plan must be yes");
	}
	if (json_object_size(c) > 0)
		*out = c;
	else
		json_decref(c);
	return 0;
}

/*
 * The crisis fields the config requires of a call at risk (a code), from
 * crisis.require_from up: -1 with err naming the first one missing
 * (plan_timeframe only when screener.plan is yes).
 */
int
crisis_required(const struct config *cf, const char *risk,
    const json_t *crisis, struct call_error *err)
{
	const struct crisis_conf	*cc = &cf->cf_crisis;
	json_t				*sc;
	size_t				 i;

	if (cc->cc_from < 0 || risk == NULL ||
	    config_risk_rank(cf, risk) < cc->cc_from)
		return 0;
	for (i = 0; crisis_fields[i] != NULL; i++) {
		if ((cc->cc_require & (1u << i)) == 0 || (crisis != NULL &&
		    json_object_get(crisis, crisis_fields[i]) != NULL))
			continue;
		if (strcmp(crisis_fields[i], "plan_timeframe") == 0) {
			sc = crisis != NULL ? json_object_get(crisis,
			    "screener") : NULL;
			if (sc == NULL || strcmp(json_string_value(
			    json_object_get(sc, "plan")), "yes") != 0)
				continue;
		}
		return call_fail(err, "required_field", crisis_fields[i],
		    "%s is required for a call at risk %s (the config requires "
		    "it from %s up)", crisis_fields[i], risk,
		    cf->cf_risks.cl_v[cc->cc_from].cn_code);
	}
	return 0;
}

/*
 * An amendment's changes (field: {from, to}) to c: the requirement is
 * checked again when they touch the risk or a crisis field, so a change
 * of something else (a legal hold) never trips over an older record.
 */
int
crisis_required_patch(const struct config *cf, const struct call *c,
    const json_t *changes, struct call_error *err)
{
	size_t	 i;
	int	 touched = json_object_get(changes, "risk") != NULL;

	for (i = 0; crisis_fields[i] != NULL && !touched; i++)
		touched = json_object_get(changes, crisis_fields[i]) != NULL;
	return touched ? crisis_required(cf, c->c_risk, c->c_crisis, err) : 0;
}

/* Each crisis field of crisis (or NULL) into o; null when absent. */
void
crisis_to_json(const json_t *crisis, json_t *o)
{
	json_t	*v;
	size_t	 i;

	for (i = 0; crisis_fields[i] != NULL; i++) {
		v = crisis != NULL ? json_object_get(crisis,
		    crisis_fields[i]) : NULL;
		json_object_set_new(o, crisis_fields[i], v != NULL ?
		    json_deep_copy(v) : json_null());
	}
}

/* An emergency not yet confirmed or given up: still pending. */
int
crisis_pending(const json_t *crisis)
{
	json_t	*e = crisis != NULL ? json_object_get(crisis, "emergency") :
		    NULL;

	return e != NULL && strcmp(json_string_value(json_object_get(e,
	    "confirmed")), "pending") == 0;
}
