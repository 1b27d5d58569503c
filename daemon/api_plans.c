/*
 * Follow-up plans over HTTP: an attempt to reach the caller on a plan's
 * step (POST /v1/queue-items/{id}/attempts), a call's plan with its steps
 * and attempts (GET /v1/calls/{id}/plan), and ending a plan early
 * (POST /v1/calls/{id}/plan/end).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>

#include "api.h"

/* "a, b, c" of a NULL-terminated list, for an error message. */
static void
api_plan_list(const char *const *v, char *buf, size_t len)
{
	size_t	 i, n = 0;

	buf[0] = '\0';
	for (i = 0; v[i] != NULL && n < len; i++)
		n += snprintf(buf + n, len - n, "%s%s", i > 0 ? ", " : "",
		    v[i]);
}

/*
 * The body's string field name, one of codes (NULL: free text of at most
 * the notes limit); required or not. *out: NULL when absent. -1: answered.
 */
static int
api_plan_field(struct ctx *x, json_t *body, const char *name,
    const char *const *codes, int required, const char **out)
{
	json_t		*v = json_object_get(body, name);
	char		 list[160];
	long		 max = x->x_api->a_cf->cf_limits.lim_notes_max;
	size_t		 len;

	*out = NULL;
	if (v == NULL || json_is_null(v)) {
		if (required)
			api_error(x, 400, "missing_field", name, "%s is "
			    "required", name);
		return required ? -1 : 0;
	}
	if (!json_is_string(v)) {
		api_error(x, 400, "invalid_field", name, "%s must be a string",
		    name);
		return -1;
	}
	*out = json_string_value(v);
	if (codes != NULL && !plan_known(codes, *out)) {
		api_plan_list(codes, list, sizeof(list));
		api_error(x, 400, "invalid_field", name, "%s must be one of: "
		    "%s", name, list);
		return -1;
	}
	if (codes == NULL && (long)(len = call_utf8_len(*out)) > max) {
		api_error(x, 400, "invalid_field", name, "%s has %zu "
		    "characters; at most %ld are allowed", name, len, max);
		return -1;
	}
	return 0;
}

/* The body: an object of only the members known. -1: answered. */
static int
api_plan_body(struct ctx *x, struct write *w, const char *const *known,
    const char *what)
{
	const char	*k;
	json_t		*v;

	if ((w->w_body = api_body(x)) == NULL)
		return -1;
	if (!json_is_object(w->w_body)) {
		api_error(x, 400, "invalid_json", NULL, "the body must be a "
		    "JSON object");
		return -1;
	}
	json_object_foreach(w->w_body, k, v) {
		if (!plan_known(known, k)) {
			api_error(x, 400, "unknown_field", k, "unknown field "
			    "%.64s: %s", k, what);
			return -1;
		}
	}
	return 0;
}

/* In the pump: record the attempt; the step as it now is. */
static void
api_attempt_run(struct write *w)
{
	struct ctx		*x = &w->w_x;
	struct queue_item	 it;
	const char		*result, *note;
	char			 why[200];
	json_t			*o;
	int			 rc;

	result = json_string_value(json_object_get(w->w_body, "result"));
	note = json_string_value(json_object_get(w->w_body, "note"));
	memset(&it, 0, sizeof(it));
	rc = plan_attempt(x->x_api->a_store, x->x_api->a_cf, w->w_id,
	    &x->x_id, result, note, &it, why, sizeof(why));
	if (rc != QUEUE_OK)
		api_queue_fail(x, rc, why, "record the attempt");
	else {
		o = queue_item_json(&it);
		json_object_del(o, "resolution");
		api_reply(x, 200, o);
	}
	store_item_free(&it);
}

/* POST /v1/queue-items/{id}/attempts {"result": "...", "note": "..."} */
void
api_item_attempt(struct ctx *x, int64_t id)
{
	static const char *const known[] = { "result", "note", NULL };
	struct write	*w;
	const char	*v;

	if (api_query_check(x, (const char *const []){ NULL }) == -1 ||
	    (w = api_write_new(x)) == NULL)
		return;
	w->w_id = id;
	if (api_plan_body(x, w, known, "an attempt takes result and note") ==
	    -1 || api_plan_field(x, w->w_body, "result", plan_results, 1,
	    &v) == -1 || api_plan_field(x, w->w_body, "note", NULL, 0,
	    &v) == -1) {
		api_write_free(w);
		return;
	}
	w->w_run = api_attempt_run;
	api_write_queue(x, w);
}

/* In the pump: end the plan; the plan as it now is. */
static void
api_plan_end_run(struct write *w)
{
	struct ctx	*x = &w->w_x;
	const char	*reason;
	char		 why[200];
	json_t		*o;
	int		 rc;

	reason = json_string_value(json_object_get(w->w_body, "reason"));
	rc = plan_end(x->x_api->a_store, w->w_id, &x->x_id, reason, why,
	    sizeof(why));
	if (rc != QUEUE_OK) {
		api_queue_fail(x, rc, why, "end the plan");
		return;
	}
	/* What is shown is the plan without notes: nothing to audit. */
	o = plan_json(x->x_api->a_store, x->x_api->a_cf, w->w_id, 0,
	    x->x_id.id_name, &rc);
	if (o == NULL)
		api_store_error(x, "read the plan");
	else
		api_reply(x, 200, o);
}

/* POST /v1/calls/{id}/plan/end {"reason": "..."} */
void
api_plan_end(struct ctx *x, int64_t id)
{
	static const char *const known[] = { "reason", NULL };
	struct write	*w;
	const char	*v;

	if (api_query_check(x, (const char *const []){ NULL }) == -1 ||
	    (w = api_write_new(x)) == NULL)
		return;
	w->w_id = id;
	if (api_plan_body(x, w, known, "ending a plan takes reason") == -1 ||
	    api_plan_field(x, w->w_body, "reason", plan_end_reasons, 1,
	    &v) == -1) {
		api_write_free(w);
		return;
	}
	w->w_run = api_plan_end_run;
	api_write_queue(x, w);
}

/*
 * GET /v1/calls/{id}/plan: the plan, its steps, every attempt; attempt
 * notes as the reader may see the call's notes (and their own), the read
 * audited like a read of the call.
 */
void
api_plan_get(struct ctx *x, int64_t id)
{
	struct call	 c;
	json_t		*o;
	int		 rc, flags;

	if (api_query_check(x, (const char *const []){ NULL }) == -1)
		return;
	call_init(&c);
	if ((rc = store_call_get(x->x_api->a_store, id, &c)) != STORE_OK) {
		if (rc == STORE_NOTFOUND)
			api_error(x, 404, "not_found", "id", "no call %lld",
			    (long long)id);
		else
			api_store_error(x, "read the call");
		call_free(&c);
		return;
	}
	flags = api_show_flags(x, &c);
	o = plan_json(x->x_api->a_store, x->x_api->a_cf, id,
	    (flags & CALL_SHOW_PERSONAL) != 0, x->x_id.id_name, &rc);
	if (rc == STORE_NOTFOUND)
		api_error(x, 404, "not_found", "id", "call %lld has no "
		    "follow-up plan", (long long)id);
	else if (o == NULL)
		api_store_error(x, "read the plan");
	else if (flags & CALL_SHOW_PERSONAL)
		api_reply_read(x, c.c_operator, id, 0, o);
	else
		api_reply(x, 200, o);
	call_free(&c);
}
