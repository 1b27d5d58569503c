/*
 * How the API shows things: a call with the personal fields its reader
 * may see and its queue items, and GET /v1/schema and /v1/whoami.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "api.h"

/* Which personal fields x may see in c. */
int
api_show_flags(const struct ctx *x, const struct call *c)
{
	switch (x->x_id.id_role) {
	case ROLE_SUPERVISOR:
	case ROLE_ADMIN:
		return CALL_SHOW_PERSONAL;
	case ROLE_OPERATOR:
		return strcmp(c->c_operator, x->x_id.id_name) == 0 ?
		    CALL_SHOW_PERSONAL : 0;
	case ROLE_COUNSELOR:
		/* The counselor holding its queue item calls the caller back. */
		return store_item_holder(x->x_api->a_store, c->c_id,
		    x->x_id.id_name) == 1 ? CALL_SHOW_PERSONAL : 0;
	default:
		return 0;
	}
}

/* A short form of an item, as a call shows where it went. */
static json_t *
api_item_brief(const struct queue_item *it)
{
	json_t	*o = queue_item_json(it);
	json_t	*b;

	b = json_pack("{s:O, s:O, s:O, s:O, s:O, s:O, s:O}", "item",
	    json_object_get(o, "id"), "code", json_object_get(o, "queue"),
	    "name", json_object_get(o, "queue_name"), "kind",
	    json_object_get(o, "kind"), "priority",
	    json_object_get(o, "priority"), "state",
	    json_object_get(o, "state"), "due_at", json_object_get(o, "due_at"));
	json_decref(o);
	return b;
}

/* The call as x may see it, with its items v (n) as "queue_items". */
json_t *
api_call_json_items(struct ctx *x, const struct call *c,
    const struct queue_item *v, size_t n)
{
	json_t	*o = call_to_json(c, api_show_flags(x, c));
	json_t	*items = json_array();
	size_t	 i;

	for (i = 0; i < n; i++)
		json_array_append_new(items, api_item_brief(&v[i]));
	if (n > 0)
		json_object_set(o, "queue", json_array_get(items, 0));
	json_object_set_new(o, "queue_items", items);
	return o;
}

/*
 * The call as x may see it, with where it went: "queue" (its referral,
 * else its callback, else null) and "queue_items" (all of them).
 */
json_t *
api_call_json(struct ctx *x, const struct call *c)
{
	struct queue_item	*v;
	size_t			 n;
	json_t			*o;

	if (store_items_by_call(x->x_api->a_store, c->c_id, &v, &n) !=
	    STORE_OK) {
		log_warnx("%s: %s", __func__, store_errmsg(x->x_api->a_store));
		return call_to_json(c, api_show_flags(x, c));
	}
	o = api_call_json_items(x, c, v, n);
	store_items_free(v, n);
	return o;
}

static json_t *
api_codes(const struct code_list *cl)
{
	json_t	*a = json_array();
	size_t	 i;

	for (i = 0; i < cl->cl_n; i++)
		json_array_append_new(a, json_pack("{s:s, s:s}", "code",
		    cl->cl_v[i].cn_code, "name", cl->cl_v[i].cn_name));
	return a;
}

/* A NULL-terminated list of fixed codes as a JSON array. */
static json_t *
api_list(const char *const *v)
{
	json_t	*a = json_array();
	size_t	 i;

	for (i = 0; v[i] != NULL; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

/* The follow-up plans of the config, as a client shows them. */
static json_t *
api_plans(const struct config *cf)
{
	const struct plan_conf	*pc;
	json_t			*a = json_array(), *o, *st;
	size_t			 i, k;

	for (i = 0; i < cf->cf_nplans; i++) {
		pc = &cf->cf_plans[i];
		st = json_array();
		for (k = 0; k < pc->pc_nsteps; k++)
			json_array_append_new(st, json_integer(pc->pc_steps[k]));
		o = json_pack("{s:s, s:s, s:s, s:I, s:o, s:I, s:I}", "code",
		    pc->pc_code, "name", pc->pc_name, "queue",
		    cf->cf_queues.cl_v[pc->pc_match.ru_queue].cn_code,
		    "priority", (json_int_t)pc->pc_match.ru_priority,
		    "steps_s", st, "attempts", (json_int_t)pc->pc_attempts,
		    "retry_after_s", (json_int_t)pc->pc_retry_s);
		json_object_set_new(o, "risk_at_least",
		    pc->pc_match.ru_risk_min >= 0 ? json_string(cf->cf_risks
		    .cl_v[pc->pc_match.ru_risk_min].cn_code) : json_null());
		json_array_append_new(a, o);
	}
	return a;
}

/* The crisis record's codes, and what the config requires of it. */
static json_t *
api_crisis(const struct config *cf)
{
	const struct crisis_conf	*cc = &cf->cf_crisis;
	json_t				*req = json_array();
	size_t				 i;

	for (i = 0; crisis_fields[i] != NULL; i++)
		if (cc->cc_require & (1u << i))
			json_array_append_new(req, json_string(crisis_fields[i]));
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:[ii], "
	    "s:{s:o, s:o}}", "fields", api_list(crisis_fields),
	    "screener_items", api_list(crisis_screener),
	    "safety_plan_items", api_list(crisis_safety),
	    "answers", api_list(crisis_answers),
	    "plan_timeframes", api_list(crisis_timeframes),
	    "emergency_agencies", api_list(crisis_agencies),
	    "emergency_outcomes", api_list(crisis_confirmed),
	    "intensity_bands", api_list(stats_bands),
	    "score_range", 0, 10,
	    "required", "from", cc->cc_from >= 0 ?
	    json_string(cf->cf_risks.cl_v[cc->cc_from].cn_code) : json_null(),
	    "fields", req);
}

void
api_schema(struct ctx *x)
{
	const struct config	*cf = x->x_api->a_cf;
	json_t			*o;

	o = json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, "
	    "s:o, s:[sss], s:{s:I, s:I}}",
	    "version", HOTLINED_VERSION, "timezone", cf->cf_timezone,
	    "lines", api_codes(&cf->cf_lines),
	    "caller_types", api_codes(&cf->cf_caller_types),
	    "topics", api_codes(&cf->cf_topics),
	    "risk_levels", api_codes(&cf->cf_risks),
	    "outcomes", api_codes(&cf->cf_outcomes),
	    "queues", api_codes(&cf->cf_queues),
	    "call_types", api_codes(&call_types),
	    "genders", api_codes(&call_genders),
	    "age_bands", api_codes(&call_age_bands),
	    "assessment_answers", "yes", "no", "unknown",
	    "limits", "notes_max_chars", (json_int_t)cf->cf_limits.lim_notes_max,
	    "list_max", (json_int_t)cf->cf_limits.lim_list_max);
	json_object_set_new(o, "crisis", api_crisis(cf));
	json_object_set_new(o, "plans", api_plans(cf));
	json_object_set_new(o, "attempt_results", api_list(plan_results));
	json_object_set_new(o, "plan_end_reasons", api_list(plan_end_reasons));
	json_object_set_new(o, "care", json_pack("{s:o, s:o, s:o, s:I}",
	    "teams", api_codes(&cf->cf_care.cc_teams),
	    "difficulties", api_codes(&cf->cf_care.cc_difficulties),
	    "staff_categories", api_codes(&cf->cf_care.cc_categories),
	    "every_days", (json_int_t)cf->cf_care.cc_every_days));
	api_reply(x, 200, o);
}

void
api_whoami(struct ctx *x)
{
	api_reply(x, 200, json_pack("{s:s, s:s, s:s}", "name",
	    x->x_id.id_name, "role", config_role_name(x->x_id.id_role),
	    "via", x->x_id.id_unix ? "unix" : "tcp"));
}
