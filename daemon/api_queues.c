/*
 * /v1/queues: the follow-up queues, their items, claiming the next item
 * and acting on one (complete, release, renew).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include <openssl/crypto.h>

#include "api.h"

/* GET /v1/queues: the depth of every queue, from memory. */
void
api_queues(struct ctx *x)
{
	const struct queue_count	*v;
	size_t				 n, i;
	json_t				*arr = json_array();

	if (api_query_check(x, (const char *const []){ NULL }) == -1) {
		json_decref(arr);
		return;
	}
	n = queue_counts(&v);
	for (i = 0; i < n; i++)
		json_array_append_new(arr, queue_count_json(&v[i]));
	api_reply(x, 200, json_pack("{s:o}", "queues", arr));
}

/*
 * An item with its call (as x may see it) under "call"; noted in rs, when
 * not NULL, for a list's audit rows. What a counselor wrote about the
 * caller (the resolution) is personal like the call's notes: shown to
 * those who may see them, and to the counselor who wrote it.
 */
static int	api_item_missed(struct ctx *, const struct queue_item *,
		    json_t *, int);

static json_t *
api_item_json1(struct ctx *x, const struct queue_item *it,
    struct read_set *rs, int show_number)
{
	struct call	 c;
	json_t		*o = queue_item_json(it);
	int		 flags = 0;

	call_init(&c);
	if (store_call_get(x->x_api->a_store, it->qi_call_id, &c) ==
	    STORE_OK) {
		flags = api_show_flags(x, &c);
		json_object_set_new(o, "call", call_to_json(&c, flags));
		json_object_del(json_object_get(o, "call"), "queue");
		if (rs != NULL)
			api_read_note(x, rs, &c, flags, it->qi_id);
	} else
		json_object_set_new(o, "call", json_null());
	if (!(flags & CALL_SHOW_PERSONAL) && it->qi_resolution != NULL &&
	    strcmp(it->qi_completed_by, x->x_id.id_name) != 0) {
		json_object_del(o, "resolution");
		json_object_set_new(o, "redacted", json_pack("[s]",
		    "resolution"));
	}
	call_free(&c);
	if (!show_number)
		api_item_missed(x, it, o, 0);
	return o;
}

json_t *
api_item_json(struct ctx *x, const struct queue_item *it,
    struct read_set *rs)
{
	return api_item_json1(x, it, rs, 0);
}

/* GET /v1/queues/{q}?state=&limit=: its items, next to be claimed first. */
void
api_queue_items(struct ctx *x, const char *queue)
{
	static const char *const known[] = { "state", "limit", NULL };
	static const char *const views[] = { "open", "waiting", "scheduled",
	    "claimed", "done", NULL };
	const struct queue_count	*qc;
	struct queue_item		*v = NULL;
	struct read_set			 rs = { NULL, 0, 0, 0 };
	const char			*view;
	size_t				 n = 0, i;
	long				 limit;
	json_t				*arr;
	char				 what[64];

	if ((qc = queue_count(queue)) == NULL) {
		api_error(x, 404, "not_found", "queue", "no queue %.40s",
		    queue);
		return;
	}
	if (api_query_check(x, known) == -1 || api_limit_param(x, &limit) == -1)
		return;
	if ((view = evhttp_find_header(&x->x_query, "state")) == NULL)
		view = "open";
	for (i = 0; views[i] != NULL; i++)
		if (strcmp(view, views[i]) == 0)
			break;
	if (views[i] == NULL) {
		api_error(x, 400, "invalid_parameter", "state", "state must be "
		    "one of: open, waiting, scheduled, claimed, done");
		return;
	}
	if (store_items_list(x->x_api->a_store, queue, view, clock_now(),
	    limit, &v, &n) != STORE_OK) {
		api_store_error(x, "list the queue");
		return;
	}
	arr = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(arr, api_item_json(x, &v[i], &rs));
	store_items_free(v, n);
	snprintf(what, sizeof(what), "queue %s", queue);
	api_reply_list(x, &rs, what, json_pack("{s:o, s:o}", "queue",
	    queue_count_json(qc), "items", arr));
}

/*
 * A missed caller's item (pbx_callback.c): its calls under "missed";
 * with show, the caller's number too when x holds the item. 1 when the
 * number is in o (the caller writes the audit row), else 0. Lists never
 * carry the number; supervisors see it only on an item they hold.
 */
static int
api_item_missed(struct ctx *x, const struct queue_item *it, json_t *o,
    int show)
{
	struct pbx_callback	 cb;
	const struct config	*cf = x->x_api->a_cf;
	json_t			*red;
	char			 number[40];
	int			 shown = 0;

	if (it->qi_call_id != 0 || store_pbx_callback_get(x->x_api->a_store,
	    it->qi_id, &cb) != STORE_OK)
		return 0;
	number[0] = '\0';
	if (show && strcmp(it->qi_state, "claimed") == 0 &&
	    strcmp(it->qi_claimed_by, x->x_id.id_name) == 0 &&
	    cf->cf_pbx.px_cb_on && pbx_callback_open(cf->cf_pbx.px_cb_key,
	    &cb, number, sizeof(number)) == 0)
		shown = 1;
	json_object_set_new(o, "missed", pbx_callback_json(&cb,
	    shown ? number : NULL));
	if (!shown && cb.cb_number_len != 0) {
		if ((red = json_object_get(o, "redacted")) == NULL)
			json_object_set_new(o, "redacted", red = json_array());
		json_array_append_new(red, json_string("caller_number"));
	}
	OPENSSL_cleanse(number, sizeof(number));
	OPENSSL_cleanse(&cb, sizeof(cb));
	return shown;
}

/* In the pump: the audit row of a missed caller's number shown. */
static int
api_item_number_audit(struct ctx *x, int64_t item)
{
	struct store	*st = x->x_api->a_store;

	if (store_request_begin(st) != STORE_OK)
		return STORE_ERR;
	return store_request_end(st, audit_record(&x->x_id, "item.number", 0,
	    item, NULL));
}

/* An item answered in the pump (claim, renew): the number to its holder,
 * audited first; a number that cannot be audited is not shown. */
static void
api_item_reply_held(struct ctx *x, const struct queue_item *it)
{
	json_t	*o = api_item_json1(x, it, NULL, 1);

	if (api_item_missed(x, it, o, 1) &&
	    api_item_number_audit(x, it->qi_id) != STORE_OK) {
		json_decref(o);
		api_store_error(x, "audit the caller's number shown");
		return;
	}
	api_reply(x, 200, o);
}

/* GET of an item showing its number: the audit row first, as a read's. */
static void
api_item_reply_number(struct ctx *x, int64_t item, json_t *o)
{
	struct write	*w;

	if ((w = api_write_new(x)) == NULL ||
	    (w->w_refs = calloc(1, sizeof(*w->w_refs))) == NULL) {
		free(w);
		json_decref(o);
		if (w != NULL)
			api_error(x, 503, "internal", NULL, "out of memory");
		return;
	}
	w->w_body = o;
	w->w_refs[0].rr_item = item;
	w->w_nrefs = 1;
	w->w_action = "item.number";
	w->w_run = api_read_run;
	api_write_queue(x, w);
}

/* GET /v1/queue-items/{id}: one item, its call and its history. */
void
api_item_get(struct ctx *x, int64_t id)
{
	struct queue_item	 it;
	json_t			*o, *hist, *call;
	int			 rc;

	if (api_query_check(x, (const char *const []){ NULL }) == -1)
		return;
	rc = store_item_get(x->x_api->a_store, id, &it);
	if (rc == STORE_NOTFOUND) {
		api_error(x, 404, "not_found", "id", "no queue item %lld",
		    (long long)id);
		return;
	}
	if (rc != STORE_OK) {
		api_store_error(x, "read the queue item");
		return;
	}
	if ((hist = store_item_history(x->x_api->a_store, id)) == NULL) {
		store_item_free(&it);
		api_store_error(x, "read the queue item's history");
		return;
	}
	o = api_item_json1(x, &it, NULL, 1);
	json_object_set_new(o, "history", hist);
	call = json_object_get(o, "call");
	if (api_item_missed(x, &it, o, 1))
		api_item_reply_number(x, it.qi_id, o);
	else if (json_is_null(call))
		api_reply(x, 200, o);	/* no call shown: nothing to audit */
	else
		api_reply_read(x, json_string_value(json_object_get(call,
		    "operator")), it.qi_call_id, it.qi_id, o);
	store_item_free(&it);
}

/* In the pump: the next item of the queue, or 204. */
static void
api_claim_run(struct write *w)
{
	struct ctx		*x = &w->w_x;
	struct queue_item	 it;

	switch (queue_claim(w->w_queue, &x->x_id, &it)) {
	case QUEUE_OK:
		api_item_reply_held(x, &it);
		store_item_free(&it);
		break;
	case QUEUE_EMPTY:
		api_reply(x, 204, NULL);
		break;
	case QUEUE_NOTFOUND:
		api_error(x, 404, "not_found", "queue", "no queue %.40s",
		    w->w_queue);
		break;
	default:
		api_store_error(x, "claim an item");
		break;
	}
}

/* POST /v1/queues/{q}/claim */
void
api_queue_claim(struct ctx *x, const char *queue)
{
	struct write	*w;

	if (queue_count(queue) == NULL) {
		api_error(x, 404, "not_found", "queue", "no queue %.40s",
		    queue);
		return;
	}
	if (api_query_check(x, (const char *const []){ NULL }) == -1 ||
	    (w = api_write_new(x)) == NULL)
		return;
	snprintf(w->w_queue, sizeof(w->w_queue), "%s", queue);
	w->w_run = api_claim_run;
	api_write_queue(x, w);
}

/* A queue or plan move's failure (QUEUE_*) as its answer; why says it. */
void
api_queue_fail(struct ctx *x, int rc, const char *why, const char *what)
{
	switch (rc) {
	case QUEUE_NOTFOUND:
		api_error(x, 404, "not_found", "id", "%s", why);
		break;
	case QUEUE_FORBIDDEN:
		api_error(x, 403, "forbidden", "id", "%s", why);
		break;
	case QUEUE_STATE:
		api_error(x, 409, "wrong_state", "id", "%s", why);
		break;
	default:
		api_store_error(x, what);
		break;
	}
}

/* In the pump: complete, release or renew an item. */
static void
api_act_run(struct write *w)
{
	struct ctx		*x = &w->w_x;
	struct queue_item	 it;
	const char		*res;
	char			 why[200];
	int			 rc;

	res = json_string_value(json_object_get(w->w_body, "resolution"));
	memset(&it, 0, sizeof(it));
	rc = queue_act(w->w_id, w->w_act, &x->x_id, res, &it, why,
	    sizeof(why));
	if (rc == QUEUE_OK)
		api_item_reply_held(x, &it);
	else
		api_queue_fail(x, rc, why, "change the queue item");
	store_item_free(&it);
}

/* The body of complete: {"resolution": "..."}, checked. -1: answered. */
static int
api_resolution(struct ctx *x, struct write *w)
{
	const char	*k, *res;
	json_t		*v;
	size_t		 len;

	if ((w->w_body = api_body(x)) == NULL)
		return -1;
	if (!json_is_object(w->w_body)) {
		api_error(x, 400, "invalid_json", NULL, "the body must be a "
		    "JSON object {\"resolution\": \"...\"}");
		return -1;
	}
	json_object_foreach(w->w_body, k, v) {
		if (strcmp(k, "resolution") != 0) {
			api_error(x, 400, "unknown_field", k, "unknown field "
			    "%.64s: complete takes only resolution", k);
			return -1;
		}
	}
	v = json_object_get(w->w_body, "resolution");
	if (v == NULL || json_is_null(v)) {
		api_error(x, 400, "missing_field", "resolution", "resolution "
		    "is required: say what was done for the caller");
		return -1;
	}
	if (!json_is_string(v)) {
		api_error(x, 400, "invalid_field", "resolution", "resolution "
		    "must be a string");
		return -1;
	}
	res = json_string_value(v);
	len = call_utf8_len(res);
	while (*res == ' ' || *res == '\t' || *res == '\n' || *res == '\r')
		res++;
	if (*res == '\0') {
		api_error(x, 400, "missing_field", "resolution", "resolution "
		    "is empty: say what was done for the caller");
		return -1;
	}
	if ((long)len > x->x_api->a_cf->cf_limits.lim_notes_max) {
		api_error(x, 400, "invalid_field", "resolution", "resolution "
		    "has %zu characters; at most %ld are allowed", len,
		    x->x_api->a_cf->cf_limits.lim_notes_max);
		return -1;
	}
	return 0;
}

/* POST /v1/queue-items/{id}/complete, /release, /renew */
void
api_item_act(struct ctx *x, int64_t id, const char *verb)
{
	struct write	*w;

	if (api_query_check(x, (const char *const []){ NULL }) == -1 ||
	    (w = api_write_new(x)) == NULL)
		return;
	w->w_id = id;
	if (strcmp(verb, "complete") == 0) {
		w->w_act = QUEUE_COMPLETE;
		if (api_resolution(x, w) == -1) {
			api_write_free(w);
			return;
		}
	} else
		w->w_act = strcmp(verb, "release") == 0 ? QUEUE_RELEASE :
		    QUEUE_RENEW;
	w->w_run = api_act_run;
	api_write_queue(x, w);
}
