/*
 * GET /v1/handover: what the shift starting at the nearest shift boundary
 * must know: the open items of high-risk calls by due time, the items
 * someone holds, the items escalated or with a failed attempt in the
 * leaving shift, and the emergencies not yet confirmed. Calls are shown
 * as the requester may see them, and audited like a queue's list.
 */
#include <stdio.h>
#include <string.h>

#include <event2/http.h>

#include "api.h"

static const char *const api_handover_names[HANDOVER_NLISTS] = {
	"high_risk_open", "held", "escalated_or_failed", "emergencies_pending"
};

/* The items of ids (n) as x may see them; noted in rs for the audit. */
static json_t *
api_handover_items(struct ctx *x, const int64_t *ids, size_t n,
    struct read_set *rs)
{
	struct queue_item	 it;
	json_t			*a = json_array();
	size_t			 i;

	for (i = 0; i < n; i++) {
		if (store_item_get(x->x_api->a_store, ids[i], &it) != STORE_OK)
			continue;	/* gone meanwhile */
		json_array_append_new(a, api_item_json(x, &it, rs));
		store_item_free(&it);
	}
	return a;
}

/* The calls of ids (n): when, risk, who logged it, the emergency. */
static json_t *
api_handover_calls(struct ctx *x, const int64_t *ids, size_t n)
{
	struct call	 c;
	json_t		*a = json_array(), *e;
	size_t		 i;

	for (i = 0; i < n; i++) {
		call_init(&c);
		if (store_call_get(x->x_api->a_store, ids[i], &c) == STORE_OK) {
			e = json_object_get(c.c_crisis, "emergency");
			json_array_append_new(a, json_pack("{s:I, s:s, s:o, "
			    "s:s, s:s, s:O}", "call_id", (json_int_t)c.c_id,
			    "line", c.c_line, "started_at",
			    call_json_time(c.c_started_at), "risk", c.c_risk,
			    "operator", c.c_operator, "emergency", e != NULL ?
			    e : json_null()));
		}
		call_free(&c);
	}
	return a;
}

void
api_handover(struct ctx *x)
{
	static const char *const known[] = { "at", NULL };
	struct read_set	 rs = { NULL, 0, 0, 0 };
	struct handover	 h;
	int64_t		 at = clock_now();
	json_t		*o;
	int		 i;

	if (api_query_check(x, known) == -1)
		return;
	if (evhttp_find_header(&x->x_query, "at") != NULL &&
	    api_time_param(x, "at", 0, &at) == -1)
		return;
	if (handover_lists(x->x_api->a_store, x->x_api->a_cf, at, &h) == -1) {
		api_store_error(x, "read the handover");
		return;
	}
	o = json_pack("{s:o, s:{s:o, s:o, s:o}}", "at", call_json_time(at),
	    "shift", "starts_at", call_json_time(h.h_boundary),
	    "leaving_from", call_json_time(h.h_prev), "events_until",
	    call_json_time(h.h_until));
	for (i = 0; i < HANDOVER_NLISTS; i++)
		json_object_set_new(o, api_handover_names[i],
		    i == HANDOVER_EMERGENCIES ? api_handover_calls(x,
		    h.h_ids[i], h.h_n[i]) : api_handover_items(x, h.h_ids[i],
		    h.h_n[i], &rs));
	handover_free(&h);
	api_reply_list(x, &rs, "handover", o);
}
