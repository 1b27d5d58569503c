/*
 * The phone system's resources: POST /v1/pbx/events (the pbx role: any
 * telephony that is not Asterisk's queue_log), GET /v1/pbx/unlogged
 * (supervisors: answered calls nobody logged) and GET /v1/pbx/latest
 * (an operator's latest answered call not yet logged, to fill the form).
 * A logged call joins its phone call through pbx_call_id in POST
 * /v1/calls (api_calls.c, api_pbx_join()).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>

#include "api.h"

#define API_PBX_LATEST_S	(12 * 3600)	/* the form looks this far back */

static void
api_pbx_error(struct ctx *x, const struct call_error *err)
{
	api_error(x, strcmp(err->ce_kind, "internal") == 0 ? 503 : 400,
	    err->ce_kind, err->ce_field, "%s", err->ce_msg);
}

/* In the pump: apply the event, answer with the phone call. */
static void
api_pbx_event_run(struct write *w)
{
	struct ctx		*x = &w->w_x;
	struct store		*st = x->x_api->a_store;
	struct pbx_event	 ev;
	struct pbx_call		 pc;
	struct call_error	 err;
	unsigned char		 key[SHA256_LEN];
	char			 why[160];
	int			 rc, applied;

	if (pbx_event_from_json(w->w_body, x->x_api->a_cf, clock_now(), &ev,
	    &err) == -1) {
		api_pbx_error(x, &err);
		return;
	}
	if (pbx_event_key(&ev, key) == -1 ||
	    store_request_begin(st) != STORE_OK) {
		api_store_error(x, "apply the event");
		return;
	}
	applied = pbx_apply(st, x->x_api->a_cf, &ev, key, clock_now(), why,
	    sizeof(why));
	rc = applied == PBX_ERR ? STORE_ERR : STORE_OK;
	if (rc == STORE_OK)
		rc = pbx_rollup_flush(st);	/* its rollup, in its request */
	else
		pbx_rollup_discard();
	if (rc == STORE_OK && applied != PBX_BAD)
		rc = store_pbx_get(st, ev.pe_call, &pc);
	if ((rc = store_request_end(st, rc)) != STORE_OK) {
		api_store_error(x, "apply the event");
		return;
	}
	if (applied == PBX_BAD) {
		api_error(x, 400, "invalid_field", "at", "%s", why);
		return;
	}
	api_reply(x, applied == PBX_APPLIED ? 201 : 200, json_pack("{s:b, "
	    "s:o}", "duplicate", applied == PBX_DUPLICATE, "call",
	    pbx_call_json(&pc)));
}

/* POST /v1/pbx/events */
void
api_pbx_event(struct ctx *x)
{
	struct pbx_event	 ev;
	struct call_error	 err;
	struct write		*w;

	if ((w = api_write_new(x)) == NULL)
		return;
	if ((w->w_body = api_body(x)) == NULL)
		goto fail;
	if (pbx_event_from_json(w->w_body, x->x_api->a_cf, clock_now(), &ev,
	    &err) == -1) {
		api_pbx_error(x, &err);
		goto fail;
	}
	/* The time of receipt stays the event's time in the pump. */
	if (json_object_set_new(w->w_body, "at", call_json_time(ev.pe_at)) ==
	    -1) {
		api_error(x, 503, "internal", NULL, "out of memory");
		goto fail;
	}
	w->w_run = api_pbx_event_run;
	api_write_queue(x, w);
	return;
fail:
	api_write_free(w);
}

/* GET /v1/pbx/unlogged?limit= */
void
api_pbx_unlogged(struct ctx *x)
{
	static const char *const known[] = { "limit", NULL };
	const struct config	*cf = x->x_api->a_cf;
	struct store		*st = x->x_api->a_store;
	struct pbx_call		*v;
	json_t			*calls;
	int64_t			 before = clock_now() - cf->cf_pbx.px_unlogged_s;
	int64_t			 total;
	size_t			 n, i;
	long			 limit;

	if (api_query_check(x, known) == -1 || api_limit_param(x, &limit) == -1)
		return;
	if (store_pbx_unlogged_count(st, before, &total) != STORE_OK ||
	    store_pbx_unlogged(st, before, limit, &v, &n) != STORE_OK) {
		api_store_error(x, "list the unlogged calls");
		return;
	}
	calls = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(calls, pbx_call_json(&v[i]));
	free(v);
	api_reply(x, 200, json_pack("{s:I, s:o, s:I, s:o}", "unlogged_after_s",
	    (json_int_t)cf->cf_pbx.px_unlogged_s, "answered_before",
	    call_json_time(before), "count", (json_int_t)total, "calls",
	    calls));
}

/* GET /v1/pbx/latest: the asker's latest answered call not yet logged. */
void
api_pbx_latest(struct ctx *x)
{
	struct pbx_call	 pc;
	int		 rc;

	if (api_query_check(x, (const char *const[]){ NULL }) == -1)
		return;
	rc = store_pbx_latest(x->x_api->a_store, x->x_id.id_name, clock_now() -
	    API_PBX_LATEST_S, &pc);
	if (rc == STORE_NOTFOUND) {
		api_error(x, 404, "not_found", NULL, "no answered phone call of "
		    "yours in the last 12 hours is waiting to be logged");
		return;
	}
	if (rc != STORE_OK) {
		api_store_error(x, "find the latest phone call");
		return;
	}
	api_reply(x, 200, pbx_call_json(&pc));
}

/*
 * POST /v1/calls with pbx_call_id, before it is queued: the phone call
 * must exist, be unlogged and be the asker's (a supervisor or admin may
 * log anyone's); it gives the call its start (the answer), duration and
 * caller hash when the operator gave none. 0, or -1 answered.
 */
int
api_pbx_join(struct ctx *x, json_t *body, struct call *c)
{
	struct pbx_call	 pc;
	int		 rc;

	if (c->c_pbx_call_id == NULL)
		return 0;
	rc = store_pbx_get(x->x_api->a_store, c->c_pbx_call_id, &pc);
	if (rc == STORE_NOTFOUND) {
		api_error(x, 400, "invalid_field", "pbx_call_id", "no phone "
		    "call has the id \"%.63s\"", c->c_pbx_call_id);
		return -1;
	}
	if (rc != STORE_OK) {
		api_store_error(x, "find the phone call");
		return -1;
	}
	if (pc.pc_call_id != 0) {
		api_error(x, 409, "conflict", "pbx_call_id", "the phone call is "
		    "logged already, as call %lld", (long long)pc.pc_call_id);
		return -1;
	}
	if (x->x_id.id_role == ROLE_OPERATOR && pc.pc_operator[0] != '\0' &&
	    strcmp(pc.pc_operator, x->x_id.id_name) != 0) {
		api_error(x, 403, "forbidden", "pbx_call_id", "the phone call "
		    "was answered by another operator");
		return -1;
	}
	if (c->c_caller_hash == NULL && pc.pc_caller_hash[0] != '\0' &&
	    (c->c_caller_hash = strdup(pc.pc_caller_hash)) == NULL) {
		api_error(x, 503, "internal", NULL, "out of memory");
		return -1;
	}
	if (c->c_duration_s < 0 && pc.pc_talk_s >= 0)
		c->c_duration_s = pc.pc_talk_s;
	if (json_object_get(body, "started_at") == NULL)
		c->c_started_at = pc.pc_answered_at != 0 ? pc.pc_answered_at :
		    pc.pc_offered_at;
	return 0;
}

/* In the pump, beside the call's insert: the phone call points to it. */
int
api_pbx_link(struct ctx *x, const struct call *c)
{
	int	 rc;

	if (c->c_pbx_call_id == NULL)
		return STORE_OK;
	rc = store_pbx_link(x->x_api->a_store, c->c_pbx_call_id, c->c_id);
	if (rc == STORE_CONFLICT || rc == STORE_NOTFOUND)
		return STORE_CONFLICT;
	return rc;
}
