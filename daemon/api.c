/*
 * The HTTP API's engine: dispatch with the one role check (the route
 * table is api_route.c's, admission api_admit.c's), the one reply and
 * JSON error writer, the request body, and the hand-over of writes to
 * the group commit (batch.c), whose answers wait for the commit. The handlers of
 * each resource are in api_*.c. Reads run outside any transaction and so
 * never see an uncommitted write.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>

#include "api.h"

/* An answer held until the batch it joined has committed. */
struct held {
	struct evhttp_request	*h_req;
	int			 h_code;
	struct evbuffer		*h_body;
	int			 h_read;	/* a read waiting for its audit
						   row, not a write */
};

/*
 * On every answer: the console's pages may run only their own scripts
 * and styles, be framed by no one, and leak no address; the API's
 * answers (personal fields) are never stored by a browser or proxy.
 */
static const char *const api_security_headers[][2] = {
	{ "Content-Security-Policy", "default-src 'self'; frame-ancestors "
	    "'none'; base-uri 'none'; form-action 'self'" },
	{ "X-Content-Type-Options", "nosniff" },
	{ "Referrer-Policy", "no-referrer" },
};

static void	api_write_fail(struct api *a, struct write *w, const char *why);

struct api *
api_new(struct event_base *base, struct batch *b, struct store *store)
{
	struct api	*a;

	if ((a = calloc(1, sizeof(*a))) == NULL)
		return NULL;
	a->a_base = base;
	a->a_batch = b;
	a->a_store = store;
	TAILQ_INIT(&a->a_exports);
	TAILQ_INIT(&a->a_stats);
	a->a_rate = limit_tab_new(API_LIMIT_KEYS);
	a->a_auth = limit_tab_new(API_LIMIT_KEYS);
	a->a_full_logged = -60000;
	if (a->a_rate == NULL || a->a_auth == NULL) {
		api_free(a);
		return NULL;
	}
	if ((a->a_signins = api_work_start(a, &api_signin_kind)) == NULL)
		log_warnx("passwords are checked on the loop's thread");
	a->a_care_reads = api_work_start(a, &api_care_read_kind);
	return a;
}

/*
 * After batch_stop(): every write has run or been answered 503. Answer
 * the streams and statistics still going.
 */
void
api_free(struct api *a)
{
	if (a == NULL)
		return;
	api_exports_abort(a);
	api_stats_abort(a);
	api_work_stop(a->a_signins);
	api_work_stop(a->a_care_reads);
	free(a->a_fails);
	limit_tab_free(a->a_rate);
	limit_tab_free(a->a_auth);
	free(a);
}

void
api_set_config(struct api *a, const struct config *cf)
{
	struct stats_run	*j;

	a->a_cf = cf;
	TAILQ_FOREACH(j, &a->a_stats, sj_entry) {
		stats_set_config(j->sj_job, cf);
		stats_more_set_config(j->sj_more, cf);
	}
}

/* From now on every request gets 503: the daemon is going away. */
void
api_stop(struct api *a)
{
	a->a_stopping = 1;
	api_work_drop(a->a_signins, NULL);
	api_work_drop(a->a_care_reads, NULL);
}

/* Send body with code now; body is consumed. */
void
api_send(struct evhttp_request *req, int code, struct evbuffer *body)
{
	const char	*reason;

	switch (code) {
	case 200: reason = "OK"; break;
	case 201: reason = "Created"; break;
	case 204: reason = "No Content"; break;
	case 304: reason = "Not Modified"; break;
	case 400: reason = "Bad Request"; break;
	case 401: reason = "Unauthorized"; break;
	case 403: reason = "Forbidden"; break;
	case 404: reason = "Not Found"; break;
	case 405: reason = "Method Not Allowed"; break;
	case 409: reason = "Conflict"; break;
	case 412: reason = "Precondition Failed"; break;
	case 415: reason = "Unsupported Media Type"; break;
	case 422: reason = "Unprocessable Content"; break;
	case 429: reason = "Too Many Requests"; break;
	case 431: reason = "Request Header Fields Too Large"; break;
	case 503: reason = "Service Unavailable"; break;
	default: reason = "Internal Server Error"; break;
	}
	evhttp_send_reply(req, code, reason, body);
	if (body != NULL)
		evbuffer_free(body);
}

struct evbuffer *
api_json_body(struct evhttp_request *req, json_t *o)
{
	struct evbuffer	*b = evbuffer_new();
	char		*s;

	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "application/json; charset=utf-8");
	if (b == NULL)
		return NULL;
	if ((s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER)) != NULL) {
		evbuffer_add(b, s, strlen(s));
		evbuffer_add(b, "\n", 1);
		free(s);
	}
	return b;
}

/* The batch a held answer joined is over: send it, or say it failed. */
static void
api_held_send(void *arg, int ok, const char *why)
{
	struct held		*h = arg;
	struct evkeyvalq	*hdr;
	char			 msg[300];

	if (ok) {
		api_send(h->h_req, h->h_code, h->h_body);
		free(h);
		return;
	}
	evbuffer_free(h->h_body);
	hdr = evhttp_request_get_output_headers(h->h_req);
	evhttp_remove_header(hdr, "Location");
	evhttp_remove_header(hdr, "Content-Type");
	if (h->h_read)
		snprintf(msg, sizeof(msg), "%s: the commit failed; the read "
		    "could not be recorded in the audit trail, so nothing is "
		    "shown: retry later", why);
	else
		snprintf(msg, sizeof(msg), "%s: the commit failed and "
		    "nothing was stored; retry later with the same "
		    "Idempotency-Key", why);
	api_error_send(h->h_req, 503, "store_unavailable", NULL, msg);
	free(h);
}

/*
 * Answer with o (a reference is taken). A write's answer waits for the
 * commit of the batch it joined to reach the disk; any other answer, for
 * the commits it may have read to reach it (batch_settled).
 */
void
api_reply(struct ctx *x, int code, json_t *o)
{
	struct evbuffer	*body = o != NULL ? api_json_body(x->x_req, o) : NULL;

	json_decref(o);
	api_reply_body(x, code, body);
}

/* api_reply of a body already made (its Content-Type set by the caller). */
void
api_reply_body(struct ctx *x, int code, struct evbuffer *body)
{
	struct batch	*b = x->x_api->a_batch;
	struct held	*h;

	if (batch_settled(b)) {
		api_send(x->x_req, code, body);
		return;
	}
	if ((h = calloc(1, sizeof(*h))) == NULL ||
	    batch_after(b, api_held_send, h) == -1) {
		/* Cannot wait for the commit: commit now, sync, answer. */
		free(h);
		batch_commit(b);
		batch_settle(b);
		api_send(x->x_req, code, body);
		return;
	}
	h->h_req = x->x_req;
	h->h_code = code;
	h->h_body = body;
	h->h_read = x->x_method == EVHTTP_REQ_GET ||
	    x->x_method == EVHTTP_REQ_HEAD;
}

/*
 * A message may quote what the client sent, which need not be UTF-8 (or
 * may be cut mid-character): never let that lose the message.
 */
static json_t *
api_json_text(const char *msg)
{
	json_t	*j;
	char	*safe, *p;

	if ((j = json_string(msg)) != NULL || (safe = strdup(msg)) == NULL)
		return j != NULL ? j : json_string("(no message)");
	for (p = safe; *p != '\0'; p++)
		if ((unsigned char)*p >= 0x80)
			*p = '?';
	j = json_string(safe);
	free(safe);
	return j;
}

void
api_error_send(struct evhttp_request *req, int code, const char *kind,
    const char *field, const char *msg)
{
	json_t	*o;

	o = json_pack("{s:s}", "error", kind);
	if (field != NULL && *field != '\0')
		json_object_set_new(o, "field", json_string(field));
	json_object_set_new(o, "message", api_json_text(msg));
	api_send(req, code, api_json_body(req, o));
	json_decref(o);
}

/* The one JSON error writer: {"error", "field", "message"}. */
void
api_error(struct ctx *x, int code, const char *kind, const char *field,
    const char *fmt, ...)
{
	char	 msg[600];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	api_error_send(x->x_req, code, kind, field, msg);
}

void
api_store_error(struct ctx *x, const char *what)
{
	const char	*why;
	int		 write = x->x_method == EVHTTP_REQ_POST ||
			    x->x_method == EVHTTP_REQ_PATCH;

	log_warnx("could not %s: %s", what, store_errmsg(x->x_api->a_store));
	if ((why = batch_trouble(x->x_api->a_batch)) == NULL)
		why = "the store failed";
	api_error(x, 503, "store_unavailable", NULL, "%s: could not %s%s",
	    why, what, write ? "; nothing was stored: retry later with "
	    "the same Idempotency-Key" : "; retry later");
}

/* The request body as JSON, or an error answered and NULL. */
json_t *
api_body(struct ctx *x)
{
	struct evbuffer	*in = evhttp_request_get_input_buffer(x->x_req);
	const char	*ct;
	json_error_t	 jerr;
	json_t		*o;
	size_t		 len;

	ct = evhttp_find_header(evhttp_request_get_input_headers(x->x_req),
	    "Content-Type");
	if (ct != NULL && strncasecmp(ct, "application/json", 16) != 0) {
		api_error(x, 415, "unsupported_media_type", NULL,
		    "the body must be application/json, not %.100s", ct);
		return NULL;
	}
	len = evbuffer_get_length(in);
	o = json_loadb((const char *)evbuffer_pullup(in, -1), len,
	    JSON_REJECT_DUPLICATES, &jerr);
	if (o == NULL)
		api_error(x, 400, "invalid_json", NULL, "the body is not valid "
		    "JSON: %s (line %d, column %d)", jerr.text, jerr.line,
		    jerr.column);
	return o;
}

/*
 * A copy of x that outlives the request's handler: no query or path, and
 * the requester's name copied, as the config may be swapped meanwhile.
 */
void
api_ctx_keep(struct ctx *dst, const struct ctx *x)
{
	*dst = *x;
	TAILQ_INIT(&dst->x_query);
	dst->x_path = NULL;
	snprintf(dst->x_id.id_buf, sizeof(dst->x_id.id_buf), "%s",
	    x->x_id.id_name);
	dst->x_id.id_name = dst->x_id.id_buf;
}

/* In the batch: run the write, then free it. */
static void
api_job_run(struct batch_job *job)
{
	struct write	*w = (struct write *)job;

	w->w_run(w);
	api_write_free(w);
}

/* The batch could not run the write: answer 503 and free it. */
static void
api_job_fail(struct batch_job *job, const char *why)
{
	struct write	*w = (struct write *)job;

	api_write_fail(w->w_x.x_api, w, why);
}

/*
 * Queue w for the batch, which runs at the end of this loop turn. A
 * reload that takes away the listener x came in on fails it first.
 */
void
api_write_queue(struct ctx *x, struct write *w)
{
	api_ctx_keep(&w->w_x, x);
	w->w_job.bj_owner = x->x_req != NULL ? x->x_l : NULL;
	w->w_job.bj_run = api_job_run;
	w->w_job.bj_fail = api_job_fail;
	batch_queue(x->x_api->a_batch, &w->w_job);
}

void
api_write_free(struct write *w)
{
	json_decref(w->w_body);
	free(w->w_key);
	free(w->w_refs);
	call_free(&w->w_call);
	free(w);
}

/* A new write of an item or queue, with no body to keep. */
struct write *
api_write_new(struct ctx *x)
{
	struct write	*w;

	if ((w = calloc(1, sizeof(*w))) == NULL) {
		api_error(x, 503, "internal", NULL, "out of memory");
		return NULL;
	}
	call_init(&w->w_call);
	return w;
}

/* Answer queued write w, taken off the queue, with 503; free it. */
static void
api_write_fail(struct api *a, struct write *w, const char *why)
{
	if (w->w_run == api_export_begin_run) {
		api_export_free((struct export *)w->w_body);
		w->w_body = NULL;
	}
	if (w->w_run == api_fails_run) {
		log_warnx("%zu failed authentications not in the "
		    "audit trail: %s", a->a_nfails, why);
		a->a_nfails = 0;
		a->a_fails_more = 0;
	}
	if (w->w_run == api_read_run)
		api_error(&w->w_x, 503, "store_unavailable", NULL,
		    "%s; the read could not be recorded in the audit "
		    "trail, so nothing is shown: retry later", why);
	else if (w->w_x.x_req != NULL)
		api_error(&w->w_x, 503, "store_unavailable", NULL,
		    "%s; nothing was stored: retry later with the "
		    "same Idempotency-Key", why);
	api_write_free(w);
}

/*
 * A reload closes listener l, and with it its connections and their
 * requests: answer (503) the writes still queued for the store and the
 * statistics still being read that came in on it, which would otherwise
 * be answered later on a request evhttp has freed. Exports hear of the
 * close on their connection.
 */
void
api_listener_closing(struct api *a, struct listener *l)
{
	struct stats_run	*j, *jn;

	batch_drop(a->a_batch, l, "its listen address was removed by a "
	    "reload");
	api_work_drop(a->a_signins, l);
	api_work_drop(a->a_care_reads, l);
	for (j = TAILQ_FIRST(&a->a_stats); j != NULL; j = jn) {
		jn = TAILQ_NEXT(j, sj_entry);
		if (j->sj_l == l)
			api_stats_drop(j, "store_unavailable", "statistics not "
			    "finished: their listen address was removed by a "
			    "reload; retry on another");
	}
}

static void
api_dispatch(struct ctx *x, const struct route *rt, int64_t id,
    const char *queue, const char *verb)
{
	char	 peer[LIMIT_KEY_MAX];
	int	 roles, get = x->x_method == EVHTTP_REQ_GET ||
		    x->x_method == EVHTTP_REQ_HEAD;

	roles = get ? rt->rt_get : x->x_method == EVHTTP_REQ_POST ?
	    rt->rt_post : x->x_method == EVHTTP_REQ_PATCH ? rt->rt_patch :
	    x->x_method == EVHTTP_REQ_DELETE ? rt->rt_delete : 0;
	/* An export is made to be read: HEAD would make (and audit) one. */
	if (x->x_method == EVHTTP_REQ_HEAD && strstr(rt->rt_allow, "HEAD") ==
	    NULL)
		roles = 0;
	if (roles == 0) {
		evhttp_add_header(evhttp_request_get_output_headers(x->x_req),
		    "Allow", rt->rt_allow);
		api_error(x, 405, "method_not_allowed", NULL, "%s allows %s",
		    x->x_path, rt->rt_allow);
		return;
	}
	if (rt->rt_id == RT_SESSION && get && api_session_none(x)) {
		/* The console asking whether it is signed in: no failure. */
		api_error(x, 401, "unauthorized", NULL, "not signed in");
		return;
	}
	if (api_admit(x, roles == R_ANON, peer, sizeof(peer)) == -1)
		return;
	/* No other site's page may act in a signed-in user's name. */
	if (!get && (x->x_cookie || (roles == R_ANON && evhttp_find_header(
	    evhttp_request_get_input_headers(x->x_req), "Origin") != NULL)) &&
	    api_session_origin_ok(x) == -1) {
		api_error(x, 403, "forbidden_origin", NULL, "a request that "
		    "changes something must come from the console's own page");
		return;
	}
	if (roles == R_ANON) {
		api_session_post(x, peer);
		return;
	}
	if (!(roles & (1 << x->x_id.id_role))) {
		api_error(x, 403, "forbidden", NULL, "role %s may not do this",
		    config_role_name(x->x_id.id_role));
		return;
	}
	switch (rt->rt_id) {
	case RT_SCHEMA:
		api_schema(x);
		break;
	case RT_WHOAMI:
		api_whoami(x);
		break;
	case RT_CALLS:
		if (get)
			api_calls_list(x);
		else
			api_calls_post(x);
		break;
	case RT_CALL:
		if (get)
			api_call_get(x, id);
		else
			api_call_patch(x, id);
		break;
	case RT_QUEUES:
		api_queues(x);
		break;
	case RT_QUEUE:
		api_queue_items(x, queue);
		break;
	case RT_CLAIM:
		api_queue_claim(x, queue);
		break;
	case RT_ITEM:
		api_item_get(x, id);
		break;
	case RT_ITEM_ACT:
		api_item_act(x, id, verb);
		break;
	case RT_ATTEMPT:
		api_item_attempt(x, id);
		break;
	case RT_PLAN:
		api_plan_get(x, id);
		break;
	case RT_PLAN_END:
		api_plan_end(x, id);
		break;
	case RT_HANDOVER:
		api_handover(x);
		break;
	case RT_STATS:
		api_stats(x);
		break;
	case RT_EXPORT:
		api_export(x);
		break;
	case RT_AUDIT:
		api_audit(x);
		break;
	case RT_SESSION:
		if (get)
			api_session_get(x);
		else
			api_session_delete(x);
		break;
	case RT_PBX_EVENTS:
		api_pbx_event(x);
		break;
	case RT_PBX_UNLOGGED:
		api_pbx_unlogged(x);
		break;
	case RT_PBX_LATEST:
		api_pbx_latest(x);
		break;
	case RT_CARE_PEOPLE:
		get ? api_care_people(x) : api_care_person_post(x);
		break;
	case RT_CARE_PERSON:
		get ? api_care_person_get(x, id) : api_care_person_patch(x, id);
		break;
	case RT_CARE_CONTACTS:
		api_care_contact_post(x, id);
		break;
	case RT_CARE_PERSON_DIFFS:
		api_care_difficulty_post(x, id);
		break;
	case RT_CARE_DIFFS:
		api_care_difficulties(x);
		break;
	case RT_CARE_DIFF:
		api_care_difficulty_patch(x, id);
		break;
	case RT_CARE_END:
		api_care_end_date(x);
		break;
	case RT_CARE_LINK:
		api_care_link(x, id);
		break;
	case RT_CARE_IMPORT:
		api_care_import(x);
		break;
	case RT_CARE_EXPORT:
		api_care_export(x);
		break;
	}
}

/* The evhttp callback of every api listener; arg is the listener. */
void
api_request(struct evhttp_request *req, void *arg)
{
	struct listener		*l = arg;
	const struct evhttp_uri	*uri;
	const struct route	*rt;
	const char		*q, *verb = NULL;
	struct ctx		 x;
	int64_t			 id = 0;
	char			 queue[40];
	size_t			 i;

	memset(&x, 0, sizeof(x));
	x.x_api = listener_arg(l);
	x.x_l = l;
	x.x_req = req;
	x.x_method = evhttp_request_get_command(req);
	x.x_id.id_unix = listener_is_unix(l);
	TAILQ_INIT(&x.x_query);
	for (i = 0; i < sizeof(api_security_headers) /
	    sizeof(api_security_headers[0]); i++)
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    api_security_headers[i][0], api_security_headers[i][1]);
	if (api_header_count(&x) == -1)
		return;
	if (x.x_api->a_stopping) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Connection", "close");
		api_error(&x, 503, "shutting_down", NULL, "hotlined is "
		    "shutting down; retry shortly");
		return;
	}
	uri = evhttp_request_get_evhttp_uri(req);
	if (uri == NULL || (x.x_path = evhttp_uri_get_path(uri)) == NULL) {
		api_error(&x, 400, "invalid_parameter", NULL, "bad request "
		    "target");
		return;
	}
	if (strncmp(x.x_path, "/v1/", 4) != 0 && strcmp(x.x_path, "/v1") != 0) {
		api_web(&x, x.x_api->a_cf->cf_web_root);
		return;
	}
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Cache-Control", "no-store");
	if ((rt = api_route(x.x_path, &id, queue, sizeof(queue),
	    &verb)) == NULL) {
		api_error(&x, 404, "not_found", NULL, "no such resource: %.200s",
		    x.x_path);
		return;
	}
	if ((q = evhttp_uri_get_query(uri)) != NULL &&
	    evhttp_parse_query_str(q, &x.x_query) == -1) {
		api_error(&x, 400, "invalid_parameter", NULL, "the query "
		    "string is malformed");
		return;
	}
	api_dispatch(&x, rt, id, queue, verb);
	evhttp_clear_headers(&x.x_query);
}
