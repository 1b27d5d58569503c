/*
 * The HTTP API: routes, the one role check, the one JSON error writer,
 * and the group commit. A write is validated at once, then queued; at the
 * end of the loop turn the pump takes the write lock without waiting
 * (BEGIN IMMEDIATE, busy timeout 0), runs every queued write in its own
 * savepoint, commits once and only then sends the answers (or 503 to all
 * of them if the commit failed). While another process holds the lock the
 * pump retries on a timer, so the loop never blocks on it; a write that
 * waited longer than store.busy_timeout_ms gets 503. Reads run outside
 * any transaction and so never see an uncommitted write.
 */
#include <sys/queue.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/evp.h>

#include "server.h"

#define API_IDEM_MAX	128
#define API_LIST_LIMIT	50
#define API_LIMIT_KEYS	8192	/* identities and peers remembered */

struct held {
	TAILQ_ENTRY(held)	 h_entry;
	struct evhttp_request	*h_req;
	int			 h_code;
	struct evbuffer		*h_body;
	int			 h_read;	/* a read waiting for its audit
						   row, not a write */
	void			(*h_then)(void *, int);	/* instead of a
							   reply: run with
							   commit's success */
	void			*h_arg;
};
TAILQ_HEAD(heldq, held);

/* One request being handled. */
struct ctx {
	struct api		*x_api;
	struct listener		*x_l;		/* the request came in on */
	struct evhttp_request	*x_req;
	struct identity		 x_id;
	const char		*x_path;
	struct evkeyvalq	 x_query;
	int			 x_method;
};

/* A call shown with its personal fields in a list, maybe through an item. */
struct read_ref {
	int64_t		 rr_call;
	int64_t		 rr_item;
};

/* The calls a list shows with their personal fields, to be audited. */
struct read_set {
	struct read_ref	*rs_v;
	size_t		 rs_n;
	size_t		 rs_cap;
	int		 rs_oom;
};

/* A validated write waiting for the pump. */
struct write {
	TAILQ_ENTRY(write)	 w_entry;
	struct ctx		 w_x;		/* identity copied into id_buf */
	json_t			*w_body;
	char			*w_key;		/* Idempotency-Key, or NULL */
	char			 w_fp[2 * SHA256_LEN + 1];
	struct call		 w_call;	/* POST: the validated call */
	int64_t			 w_id;		/* PATCH, a read: the call;
						   an item */
	int64_t			 w_item;	/* a read: the item shown */
	struct read_ref		*w_refs;	/* a list: the calls shown */
	size_t			 w_nrefs;
	char			 w_detail[64];	/* a list: which one */
	const char		*w_action;	/* a read: "call.read", ... */
	long long		 w_want;	/* PATCH: If-Match, or -1 */
	char			 w_queue[40];	/* claim: the queue */
	enum queue_action	 w_act;		/* an item: what to do */
	void			(*w_run)(struct write *);
	int64_t			 w_queued_ms;
	void			(*w_task)(void *);	/* api_task() */
	void			(*w_done)(void *, int);
	void			*w_arg;
};
TAILQ_HEAD(writeq, write);

/* A statistics request being read a slice per loop turn. */
struct stats_run {
	TAILQ_ENTRY(stats_run)	 sj_entry;
	struct api		*sj_api;
	struct evhttp_request	*sj_req;
	struct listener		*sj_l;		/* sj_req came in on */
	struct stats_req	*sj_job;
	struct event		*sj_ev;
};

/* An export being streamed, a page of calls at a time. */
struct export {
	TAILQ_ENTRY(export)	 e_entry;
	struct ctx		 e_x;		/* identity copied */
	struct evhttp_connection *e_conn;
	struct call_filter	 e_f;		/* range and cursor */
	int			 e_csv;
	int			 e_personal;
	int64_t			 e_log_id;	/* its row in exports */
	int64_t			 e_rows;
};
TAILQ_HEAD(exportq, export);

struct api {
	struct event_base	*a_base;
	struct store		*a_store;
	const struct config	*a_cf;
	struct event		*a_flush_ev;	/* end of turn: pump */
	struct event		*a_retry_ev;	/* lock busy: pump again */
	struct writeq		 a_writes;
	size_t			 a_nwrites;
	struct heldq		 a_held;
	size_t			 a_nheld;
	struct exportq		 a_exports;
	TAILQ_HEAD(, stats_run)	 a_stats;
	int			 a_stopping;
	uint64_t		 a_ncommits;	/* batches committed */
	uint64_t		 a_nbatched;	/* writes in them */
	struct event		*a_probe_ev;	/* store failing: try it */
	int			 a_store_bad;	/* the last write failed */
	int			 a_batch_trouble; /* a write of this batch
						    failed that way */
	char			 a_store_why[160]; /* why, for /healthz */
	struct auth_fail	*a_fails;	/* failed authentications not
						   yet in the audit trail */
	size_t			 a_nfails;
	uint64_t		 a_fails_more;	/* beyond API_FAILS_MAX */
	struct limit_tab	*a_rate;	/* requests by identity */
	struct limit_tab	*a_auth;	/* failed auths by peer */
	int64_t			 a_full_logged;	/* a_auth full: last said */
};

/*
 * A peer's failed authentications in this loop turn: one audit row each,
 * written by the pump with the turn's other writes. A flood of bad tokens
 * costs at most API_FAILS_MAX rows per turn, plus one that counts the
 * rest.
 */
struct auth_fail {
	char			 af_peer[64];
	int			 af_unix;
	uint64_t		 af_n;
};
#define API_FAILS_MAX	64

#define API_RETRY_MS	10	/* pause between tries for a busy lock */
#define API_PROBE_MS	1000	/* while writes fail: try one this often */

/* Route handlers. */
static void	api_schema(struct ctx *);
static void	api_whoami(struct ctx *);
static void	api_calls_list(struct ctx *);
static void	api_calls_post(struct ctx *);
static void	api_call_get(struct ctx *, int64_t);
static void	api_call_patch(struct ctx *, int64_t);
static void	api_queues(struct ctx *);
static void	api_queue_items(struct ctx *, const char *);
static void	api_queue_claim(struct ctx *, const char *);
static void	api_item_get(struct ctx *, int64_t);
static void	api_item_act(struct ctx *, int64_t, const char *);
static void	api_stats(struct ctx *);
static void	api_export(struct ctx *);
static void	api_audit(struct ctx *);
static void	api_post_run(struct write *);
static void	api_patch_run(struct write *);

#define R_OPERATOR	(1 << ROLE_OPERATOR)
#define R_COUNSELOR	(1 << ROLE_COUNSELOR)
#define R_SUPERVISOR	(1 << ROLE_SUPERVISOR)
#define R_ADMIN		(1 << ROLE_ADMIN)
#define R_ANY		(R_OPERATOR | R_COUNSELOR | R_SUPERVISOR | R_ADMIN)
#define R_QUEUE		(R_COUNSELOR | R_SUPERVISOR | R_ADMIN)
#define R_READ_ALL	(R_SUPERVISOR | R_ADMIN)

enum route_id { RT_SCHEMA, RT_WHOAMI, RT_CALLS, RT_CALL, RT_QUEUES, RT_QUEUE,
    RT_CLAIM, RT_ITEM, RT_ITEM_ACT, RT_STATS, RT_EXPORT, RT_AUDIT };

/* Which roles may use each method of each route: the one role check. */
static const struct route {
	enum route_id	 rt_id;
	const char	*rt_allow;	/* the Allow header */
	int		 rt_get;	/* roles for GET and HEAD */
	int		 rt_post;
	int		 rt_patch;
} routes[] = {
	{ RT_SCHEMA, "GET, HEAD", R_ANY, 0, 0 },
	{ RT_WHOAMI, "GET, HEAD", R_ANY, 0, 0 },
	{ RT_CALLS, "GET, HEAD, POST", R_ANY, R_OPERATOR | R_ADMIN, 0 },
	{ RT_CALL, "GET, HEAD, PATCH", R_ANY, 0, R_OPERATOR | R_SUPERVISOR |
	    R_ADMIN },
	{ RT_QUEUES, "GET, HEAD", R_ANY, 0, 0 },
	{ RT_QUEUE, "GET, HEAD", R_QUEUE, 0, 0 },
	{ RT_CLAIM, "POST", 0, R_QUEUE, 0 },
	{ RT_ITEM, "GET, HEAD", R_QUEUE, 0, 0 },
	{ RT_ITEM_ACT, "POST", 0, R_QUEUE, 0 },
	{ RT_STATS, "GET, HEAD", R_READ_ALL, 0, 0 },
	{ RT_EXPORT, "GET", R_READ_ALL, 0, 0 },
	{ RT_AUDIT, "GET, HEAD", R_ADMIN, 0, 0 },
};

/*
 * Which roles may amend which fields of a call (PATCH), after the route's
 * check: a legal hold is the supervisors' and admins' to set or clear,
 * and a supervisor amends nothing else.
 */
static const struct patch_role {
	const char	*pr_field;	/* NULL: every other field */
	int		 pr_roles;
} patch_roles[] = {
	{ "legal_hold", R_SUPERVISOR | R_ADMIN },
	{ NULL, R_OPERATOR | R_ADMIN },
};

static void api_error(struct ctx *, int, const char *, const char *,
    const char *, ...) __attribute__((format(printf, 5, 6)));
static void api_error_send(struct evhttp_request *, int, const char *,
    const char *, const char *);

static void	api_pump(struct api *);
static void	api_exports_abort(struct api *);
static void	api_stats_abort(struct api *);
static void	api_writes_fail(struct api *, const char *);
static void	api_commit(struct api *);
static void	api_write_free(struct write *);
static const char *api_store_trouble(struct api *);
static void	api_store_fine(struct api *);
static void	api_read_run(struct write *);
static void	api_read_note(struct ctx *, struct read_set *,
		    const struct call *, int, int64_t);
static void	api_reply_list(struct ctx *, struct read_set *, const char *,
		    json_t *);
static void	api_fails_run(struct write *);
static void	api_audit_authfail(struct ctx *);

/*
 * While writes fail (a full disk, an I/O error), try a small write every
 * second, so the store is known to be healthy again as soon as space is
 * freed, even when no client writes meanwhile.
 */
static void
api_probe_cb(evutil_socket_t fd, short events, void *arg)
{
	struct api	*a = arg;
	struct timeval	 tv = { API_PROBE_MS / 1000, API_PROBE_MS % 1000 * 1000 };
	int		 rc;

	(void)fd;
	(void)events;
	if (!a->a_store_bad)
		return;
	if ((rc = store_probe(a->a_store)) == STORE_OK)
		api_store_fine(a);
	else {
		if (rc == STORE_ERR)
			api_store_trouble(a);
		evtimer_add(a->a_probe_ev, &tv);
	}
}

/*
 * A write failed: say why in words a client and an operator understand,
 * and, for a full disk or an I/O error, mark the store unhealthy (logged
 * once) until a write succeeds again. Returns the words, NULL for any
 * other failure (a lock, a bug: nothing an operator must do).
 */
static const char *
api_store_trouble(struct api *a)
{
	struct timeval	 tv = { API_PROBE_MS / 1000, API_PROBE_MS % 1000 * 1000 };
	const char	*why;

	switch (store_fault(a->a_store)) {
	case STORE_FAULT_FULL:
		why = "the disk is full";
		break;
	case STORE_FAULT_IO:
		why = "the store's disk or file failed (I/O error)";
		break;
	default:
		return NULL;
	}
	if (!a->a_store_bad || strcmp(a->a_store_why, why) != 0)
		log_warnx("the store cannot write: %s (%s); writes are "
		    "answered 503, reads go on", why,
		    store_errmsg(a->a_store));
	a->a_store_bad = 1;
	a->a_batch_trouble = 1;
	snprintf(a->a_store_why, sizeof(a->a_store_why), "%s", why);
	if (!evtimer_pending(a->a_probe_ev, NULL))
		evtimer_add(a->a_probe_ev, &tv);
	return why;
}

/* A write went through: the store is healthy. */
static void
api_store_fine(struct api *a)
{
	if (!a->a_store_bad)
		return;
	a->a_store_bad = 0;
	a->a_store_why[0] = '\0';
	evtimer_del(a->a_probe_ev);
	log_info("the store writes again");
}

/*
 * Whether the store takes writes: 1, or 0 with *why ("the disk is full")
 * for the status listener's /healthz. Answered from memory.
 */
int
api_store_ok(const struct api *a, const char **why)
{
	if (!a->a_store_bad)
		return 1;
	if (why != NULL)
		*why = a->a_store_why;
	return 0;
}

/* The end of a loop turn that queued writes, or a retry: run them. */
static void
api_pump_cb(evutil_socket_t fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	api_pump(arg);
}

struct api *
api_new(struct event_base *base, struct store *store)
{
	struct api	*a;

	if ((a = calloc(1, sizeof(*a))) == NULL)
		return NULL;
	a->a_base = base;
	a->a_store = store;
	TAILQ_INIT(&a->a_held);
	TAILQ_INIT(&a->a_writes);
	TAILQ_INIT(&a->a_exports);
	TAILQ_INIT(&a->a_stats);
	a->a_flush_ev = event_new(base, -1, 0, api_pump_cb, a);
	a->a_retry_ev = evtimer_new(base, api_pump_cb, a);
	a->a_probe_ev = evtimer_new(base, api_probe_cb, a);
	a->a_rate = limit_tab_new(API_LIMIT_KEYS);
	a->a_auth = limit_tab_new(API_LIMIT_KEYS);
	a->a_full_logged = -60000;
	if (a->a_flush_ev == NULL || a->a_retry_ev == NULL ||
	    a->a_probe_ev == NULL || a->a_rate == NULL || a->a_auth == NULL) {
		api_free(a);
		return NULL;
	}
	return a;
}

/* Run what can still run; what cannot (lock still busy) gets 503. */
void
api_free(struct api *a)
{
	if (a == NULL)
		return;
	api_pump(a);
	if (!TAILQ_EMPTY(&a->a_writes))
		api_writes_fail(a, "hotlined stopped before the store could "
		    "take this write");
	api_commit(a);
	api_exports_abort(a);
	api_stats_abort(a);
	if (a->a_ncommits > 0)
		log_info("%llu writes in %llu commits (%.1f per commit)",
		    (unsigned long long)a->a_nbatched,
		    (unsigned long long)a->a_ncommits,
		    (double)a->a_nbatched / (double)a->a_ncommits);
	if (a->a_flush_ev != NULL)
		event_free(a->a_flush_ev);
	if (a->a_retry_ev != NULL)
		event_free(a->a_retry_ev);
	if (a->a_probe_ev != NULL)
		event_free(a->a_probe_ev);
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
	TAILQ_FOREACH(j, &a->a_stats, sj_entry)
		stats_set_config(j->sj_job, cf);
}

/* From now on every request gets 503: the daemon is going away. */
void
api_stop(struct api *a)
{
	a->a_stopping = 1;
}

/* Send body with code now; body is consumed. */
static void
api_send(struct evhttp_request *req, int code, struct evbuffer *body)
{
	const char	*reason;

	switch (code) {
	case 200: reason = "OK"; break;
	case 201: reason = "Created"; break;
	case 204: reason = "No Content"; break;
	case 400: reason = "Bad Request"; break;
	case 401: reason = "Unauthorized"; break;
	case 403: reason = "Forbidden"; break;
	case 404: reason = "Not Found"; break;
	case 405: reason = "Method Not Allowed"; break;
	case 409: reason = "Conflict"; break;
	case 412: reason = "Precondition Failed"; break;
	case 415: reason = "Unsupported Media Type"; break;
	case 429: reason = "Too Many Requests"; break;
	case 431: reason = "Request Header Fields Too Large"; break;
	case 503: reason = "Service Unavailable"; break;
	default: reason = "Internal Server Error"; break;
	}
	evhttp_send_reply(req, code, reason, body);
	if (body != NULL)
		evbuffer_free(body);
}

static struct evbuffer *
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

/*
 * Answer with o (a reference is taken). A write's answer waits for the
 * commit of the batch it joined.
 */
static void
api_reply(struct ctx *x, int code, json_t *o)
{
	struct api	*a = x->x_api;
	struct evbuffer	*body = o != NULL ? api_json_body(x->x_req, o) : NULL;
	struct held	*h;

	json_decref(o);
	if (!store_in_batch(a->a_store)) {
		api_send(x->x_req, code, body);
		return;
	}
	if ((h = calloc(1, sizeof(*h))) == NULL) {
		/* Cannot wait for the commit: commit now. */
		api_commit(a);
		api_send(x->x_req, code, body);
		return;
	}
	h->h_req = x->x_req;
	h->h_code = code;
	h->h_body = body;
	h->h_read = x->x_method == EVHTTP_REQ_GET ||
	    x->x_method == EVHTTP_REQ_HEAD;
	TAILQ_INSERT_TAIL(&a->a_held, h, h_entry);
	a->a_nheld++;
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

static void
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
static void
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

static void
api_store_error(struct ctx *x, const char *what)
{
	const char	*why;
	int		 write = x->x_method == EVHTTP_REQ_POST ||
			    x->x_method == EVHTTP_REQ_PATCH;

	log_warnx("could not %s: %s", what, store_errmsg(x->x_api->a_store));
	if ((why = api_store_trouble(x->x_api)) == NULL)
		why = "the store failed";
	api_error(x, 503, "store_unavailable", NULL, "%s: could not %s%s",
	    why, what, write ? "; nothing was stored: retry later with "
	    "the same Idempotency-Key" : "; retry later");
}

/* Commit the open batch, then send every held answer. */
static void
api_commit(struct api *a)
{
	struct held	*h;
	const char	*why;
	char		 msg[300], rmsg[300];
	int		 ok;
	size_t		 n = a->a_nheld;
	int64_t		 t0 = clock_mono_usec();

	if (!store_in_batch(a->a_store) && n == 0)
		return;
	ok = store_commit(a->a_store) == STORE_OK;
	queue_committed(ok);	/* answers after this see the new counts */
	audit_committed(ok);
	status_commit(ok, clock_mono_usec() - t0, store_errmsg(a->a_store));
	if (ok) {
		a->a_ncommits++;
		a->a_nbatched += n;
		/* A commit whose writes all failed proves nothing. */
		if (!a->a_batch_trouble)
			api_store_fine(a);
	} else {
		log_warnx("commit of %zu writes failed: %s", n,
		    store_errmsg(a->a_store));
		why = api_store_trouble(a);
		snprintf(msg, sizeof(msg), "%s: the commit failed and "
		    "nothing was stored; retry later with the same "
		    "Idempotency-Key", why != NULL ? why : "the store failed");
		snprintf(rmsg, sizeof(rmsg), "%s: the commit failed; the read "
		    "could not be recorded in the audit trail, so nothing is "
		    "shown: retry later", why != NULL ? why : "the store failed");
	}
	while ((h = TAILQ_FIRST(&a->a_held)) != NULL) {
		TAILQ_REMOVE(&a->a_held, h, h_entry);
		if (h->h_then != NULL)
			h->h_then(h->h_arg, ok);
		else if (ok)
			api_send(h->h_req, h->h_code, h->h_body);
		else {
			evbuffer_free(h->h_body);
			evhttp_remove_header(evhttp_request_get_output_headers(
			    h->h_req), "Location");
			evhttp_remove_header(evhttp_request_get_output_headers(
			    h->h_req), "Content-Type");
			api_error_send(h->h_req, 503, "store_unavailable",
			    NULL, h->h_read ? rmsg : msg);
		}
		free(h);
	}
	a->a_nheld = 0;
}

/* Which personal fields x may see in c. */
static int
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
static json_t *
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
static json_t *
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

static void
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
	api_reply(x, 200, o);
}

static void
api_whoami(struct ctx *x)
{
	api_reply(x, 200, json_pack("{s:s, s:s, s:s}", "name",
	    x->x_id.id_name, "role", config_role_name(x->x_id.id_role),
	    "via", x->x_id.id_unix ? "unix" : "tcp"));
}

/* The request body as JSON, or an error answered and NULL. */
static json_t *
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

static void
api_call_error(struct ctx *x, const struct call_error *err)
{
	if (strcmp(err->ce_kind, "internal") == 0) {
		log_warnx("%s: %s", __func__, err->ce_msg);
		api_error(x, 503, "internal", NULL, "%s", err->ce_msg);
		return;
	}
	if (strcmp(err->ce_kind, "erased") == 0) {
		api_error(x, 409, err->ce_kind, err->ce_field, "%s",
		    err->ce_msg);
		return;
	}
	api_error(x, 400, err->ce_kind, err->ce_field, "%s", err->ce_msg);
}

/* The SHA-256 of the body in canonical form: what the key promised. */
static int
api_fingerprint(json_t *body, char *out)
{
	unsigned char	 sha[SHA256_LEN];
	char		*s;
	int		 rc;

	if ((s = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		return -1;
	rc = digest_sha256(s, strlen(s), sha);
	free(s);
	digest_hex_encode(sha, sizeof(sha), out);
	return rc;
}

static int
api_idem_key_ok(const char *k)
{
	size_t	 n = strlen(k);

	if (n == 0 || n > API_IDEM_MAX)
		return 0;
	for (; *k != '\0'; k++)
		if (*k < 0x21 || *k > 0x7e)
			return 0;
	return 1;
}

/* A retry of a keyed POST: the stored record, or 409 if the body differs. */
static int
api_idem_replay(struct ctx *x, const char *key, const char *fp)
{
	struct call	 c;
	char		 stored[2 * SHA256_LEN + 1];
	int		 rc;

	call_init(&c);
	rc = store_call_by_key(x->x_api->a_store, x->x_id.id_name, key, &c,
	    stored, sizeof(stored));
	if (rc == STORE_NOTFOUND)
		return 0;
	if (rc != STORE_OK)
		api_store_error(x, "look up the Idempotency-Key");
	else if (strcmp(stored, fp) != 0)
		api_error(x, 409, "idempotency_conflict", "Idempotency-Key",
		    "this Idempotency-Key was used for call %lld with a "
		    "different body", (long long)c.c_id);
	else
		api_reply(x, 200, api_call_json(x, &c));
	call_free(&c);
	return 1;
}

/*
 * A copy of x that outlives the request's handler: no query or path, and
 * the requester's name copied, as the config may be swapped meanwhile.
 */
static void
api_ctx_keep(struct ctx *dst, const struct ctx *x)
{
	*dst = *x;
	TAILQ_INIT(&dst->x_query);
	dst->x_path = NULL;
	snprintf(dst->x_id.id_buf, sizeof(dst->x_id.id_buf), "%s",
	    x->x_id.id_name);
	dst->x_id.id_name = dst->x_id.id_buf;
}

/* Queue w for the pump, which runs at the end of this loop turn. */
static void
api_write_queue(struct ctx *x, struct write *w)
{
	struct api	*a = x->x_api;

	api_ctx_keep(&w->w_x, x);
	w->w_queued_ms = clock_mono_ms();
	TAILQ_INSERT_TAIL(&a->a_writes, w, w_entry);
	if (a->a_nwrites++ == 0 && !evtimer_pending(a->a_retry_ev, NULL))
		event_active(a->a_flush_ev, 0, 0);
	status_writes_changed();
}

static void
api_write_free(struct write *w)
{
	json_decref(w->w_body);
	free(w->w_key);
	free(w->w_refs);
	call_free(&w->w_call);
	free(w);
}

static void
api_calls_post(struct ctx *x)
{
	struct call_error	 err;
	struct write		*w;
	const char		*key;

	key = evhttp_find_header(evhttp_request_get_input_headers(x->x_req),
	    "Idempotency-Key");
	if (key != NULL && !api_idem_key_ok(key)) {
		api_error(x, 400, "invalid_parameter", "Idempotency-Key",
		    "Idempotency-Key must be 1 to %d printable ASCII "
		    "characters", API_IDEM_MAX);
		return;
	}
	if ((w = calloc(1, sizeof(*w))) == NULL) {
		api_error(x, 503, "internal", NULL, "out of memory");
		return;
	}
	call_init(&w->w_call);
	if ((w->w_body = api_body(x)) == NULL)
		goto fail;
	if (call_from_json(&w->w_call, w->w_body, x->x_api->a_cf,
	    clock_now(), &err) == -1) {
		api_call_error(x, &err);
		goto fail;
	}
	/* Only a keyed request can be replayed: only it needs a fingerprint. */
	if ((w->w_call.c_operator = strdup(x->x_id.id_name)) == NULL ||
	    (key != NULL && ((w->w_key = strdup(key)) == NULL ||
	    api_fingerprint(w->w_body, w->w_fp) == -1))) {
		api_error(x, 503, "internal", NULL, "out of memory");
		goto fail;
	}
	w->w_run = api_post_run;
	api_write_queue(x, w);
	return;
fail:
	api_write_free(w);
}

/* Give a stored call the queue items routing says it needs. */
static int
api_route_call(struct ctx *x, const struct call *c)
{
	struct queue_item	 v[2];
	size_t			 n, i;
	int			 rc;

	rc = queue_route(c, x->x_id.id_name, v, &n);
	for (i = 0; i < n; i++)
		store_item_free(&v[i]);
	return rc;
}

/* In the pump: a retry's stored record, or the new call stored. */
static void
api_post_run(struct write *w)
{
	struct ctx		*x = &w->w_x;
	struct store		*st = x->x_api->a_store;
	struct queue_item	 v[2];
	size_t			 n = 0, i;
	char			 loc[64];
	int			 rc;

	if (w->w_key != NULL && api_idem_replay(x, w->w_key, w->w_fp))
		return;
	/*
	 * The call, its queue items and its statistics: kept or undone
	 * together. What was just written is used as it is, not read back.
	 */
	if ((rc = store_request_begin(st)) == STORE_OK) {
		rc = store_call_insert(st, &w->w_call, w->w_key,
		    w->w_key != NULL ? w->w_fp : NULL);
		if (rc == STORE_OK)
			rc = queue_route(&w->w_call, x->x_id.id_name, v, &n);
		if (rc == STORE_OK)
			rc = stats_rollup_add(st, x->x_api->a_cf, &w->w_call,
			    v, n, 1);
		rc = store_request_end(st, rc);
	}
	if (rc != STORE_OK) {
		for (i = 0; i < n; i++)
			store_item_free(&v[i]);
		api_store_error(x, "store the call");
		return;
	}
	status_call_stored(&w->w_call);
	snprintf(loc, sizeof(loc), "/v1/calls/%lld",
	    (long long)w->w_call.c_id);
	evhttp_add_header(evhttp_request_get_output_headers(x->x_req),
	    "Location", loc);
	api_reply(x, 201, api_call_json_items(x, &w->w_call, v, n));
	for (i = 0; i < n; i++)
		store_item_free(&v[i]);
}

/* A query parameter, checked against the names the route knows. */
static int
api_query_check(struct ctx *x, const char *const *known)
{
	struct evkeyval	*kv, *kv2;
	size_t		 i;

	TAILQ_FOREACH(kv, &x->x_query, next) {
		for (i = 0; known[i] != NULL; i++)
			if (strcmp(kv->key, known[i]) == 0)
				break;
		if (known[i] == NULL) {
			api_error(x, 400, "invalid_parameter", kv->key,
			    "unknown parameter %.64s", kv->key);
			return -1;
		}
		for (kv2 = TAILQ_NEXT(kv, next); kv2 != NULL;
		    kv2 = TAILQ_NEXT(kv2, next))
			if (strcmp(kv->key, kv2->key) == 0) {
				api_error(x, 400, "invalid_parameter", kv->key,
				    "%s given twice; use a comma-separated "
				    "list", kv->key);
				return -1;
			}
	}
	return 0;
}

/* A time bound: RFC 3339, or a date (its start, or its end for "to"). */
static int
api_time_param(struct ctx *x, const char *name, int is_end, int64_t *out)
{
	const char	*v = evhttp_find_header(&x->x_query, name);
	int64_t		 start, end;

	*out = 0;
	if (v == NULL)
		return 0;
	if (clock_parse(v, out) == 0)
		return 0;
	if (clock_parse_date(v, &start, &end) == 0) {
		*out = is_end ? end : start;
		return 0;
	}
	api_error(x, 400, "invalid_parameter", name, "%s must be a date "
	    "YYYY-MM-DD or an RFC 3339 time", name);
	return -1;
}

/* Split a comma list of codes, each checked against cl (NULL: any). */
static int
api_list_param(struct ctx *x, const char *name, const struct code_list *cl,
    char ***out, size_t *n)
{
	const char	*v = evhttp_find_header(&x->x_query, name);
	char		*dup, *p, *tok, **nv;

	*out = NULL;
	*n = 0;
	if (v == NULL)
		return 0;
	if ((dup = strdup(v)) == NULL) {
		api_error(x, 503, "internal", NULL, "out of memory");
		return -1;
	}
	for (p = dup; (tok = strsep(&p, ",")) != NULL; ) {
		if (*tok == '\0' || strlen(tok) > 64 ||
		    (cl != NULL && config_find(cl, tok) == NULL)) {
			api_error(x, 400, "invalid_parameter", name,
			    "%s: unknown code \"%.64s\"", name, tok);
			free(dup);
			return -1;
		}
		if ((nv = reallocarray(*out, *n + 1, sizeof(**out))) == NULL ||
		    ((*out = nv)[*n] = strdup(tok)) == NULL) {
			/* What *out holds the caller frees. */
			api_error(x, 503, "internal", NULL, "out of memory");
			free(dup);
			return -1;
		}
		(*n)++;
	}
	free(dup);
	return 0;
}

static void
api_strv_free(char **v, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static int
api_limit_param(struct ctx *x, long *out)
{
	const char	*v = evhttp_find_header(&x->x_query, "limit");
	long		 max = x->x_api->a_cf->cf_limits.lim_list_max;
	char		*end;

	*out = API_LIST_LIMIT < max ? API_LIST_LIMIT : max;
	if (v == NULL)
		return 0;
	errno = 0;
	*out = strtol(v, &end, 10);
	if (*v == '\0' || *end != '\0' || errno != 0 || *out < 1 ||
	    *out > max) {
		api_error(x, 400, "invalid_parameter", "limit",
		    "limit must be an integer from 1 to %ld", max);
		return -1;
	}
	return 0;
}

/* The cursor is "started_at.id" in base64: opaque to clients. */
static int
api_cursor_param(struct ctx *x, struct call_filter *f)
{
	const char	*v = evhttp_find_header(&x->x_query, "cursor");
	unsigned char	 buf[96];
	long long	 t, id;
	char		 tail;
	size_t		 len;

	if (v == NULL)
		return 0;
	len = strlen(v);
	if (len == 0 || len > 64 || len % 4 != 0 ||
	    EVP_DecodeBlock(buf, (const unsigned char *)v, (int)len) < 0)
		goto bad;
	buf[len * 3 / 4] = '\0';
	if (sscanf((char *)buf, "%lld.%lld%c", &t, &id, &tail) != 2 || id < 0)
		goto bad;
	f->f_has_cursor = 1;
	f->f_cur_started = t;
	f->f_cur_id = id;
	return 0;
bad:
	api_error(x, 400, "invalid_parameter", "cursor", "cursor is not one "
	    "this server gave out");
	return -1;
}

static json_t *
api_cursor_json(const struct call *c)
{
	char		 plain[48];
	unsigned char	 enc[72];
	int		 n;

	n = snprintf(plain, sizeof(plain), "%lld.%lld",
	    (long long)c->c_started_at, (long long)c->c_id);
	EVP_EncodeBlock(enc, (const unsigned char *)plain, n);
	return json_string((char *)enc);
}

static int
api_list_filter(struct ctx *x, struct call_filter *f)
{
	static const char *const known[] = { "from", "to", "line", "risk",
	    "operator", "limit", "cursor", NULL };
	const struct config	*cf = x->x_api->a_cf;
	char			*self;

	memset(f, 0, sizeof(*f));
	if (api_query_check(x, known) == -1 ||
	    api_time_param(x, "from", 0, &f->f_from) == -1 ||
	    api_time_param(x, "to", 1, &f->f_to) == -1 ||
	    api_list_param(x, "line", &cf->cf_lines, &f->f_lines,
	    &f->f_nlines) == -1 ||
	    api_list_param(x, "risk", &cf->cf_risks, &f->f_risks,
	    &f->f_nrisks) == -1 ||
	    api_list_param(x, "operator", NULL, &f->f_ops, &f->f_nops) == -1 ||
	    api_limit_param(x, &f->f_limit) == -1 ||
	    api_cursor_param(x, f) == -1)
		return -1;
	if (x->x_id.id_role != ROLE_OPERATOR)
		return 0;
	/* An operator lists its own calls only. */
	if (f->f_nops > 1 || (f->f_nops == 1 &&
	    strcmp(f->f_ops[0], x->x_id.id_name) != 0)) {
		api_error(x, 403, "forbidden", "operator", "an operator may "
		    "list only its own calls");
		return -1;
	}
	if (f->f_nops == 0) {
		if ((f->f_ops = calloc(1, sizeof(*f->f_ops))) == NULL ||
		    (self = strdup(x->x_id.id_name)) == NULL) {
			api_error(x, 503, "internal", NULL, "out of memory");
			return -1;
		}
		f->f_ops[0] = self;
		f->f_nops = 1;
	}
	return 0;
}

static void
api_calls_list(struct ctx *x)
{
	struct call_filter	 f;
	struct read_set		 rs = { NULL, 0, 0, 0 };
	struct call		*v = NULL;
	size_t			 n = 0, i;
	json_t			*arr, *o;
	int			 more;

	if (api_list_filter(x, &f) == -1)
		goto done;
	f.f_limit++;	/* one more tells whether there is a next page */
	if (store_call_list(x->x_api->a_store, &f, &v, &n) != STORE_OK) {
		api_store_error(x, "list calls");
		goto done;
	}
	more = n == (size_t)f.f_limit;
	arr = json_array();
	for (i = 0; i < n && i < (size_t)f.f_limit - 1; i++) {
		json_array_append_new(arr, api_call_json(x, &v[i]));
		api_read_note(x, &rs, &v[i], api_show_flags(x, &v[i]), 0);
	}
	o = json_pack("{s:o, s:o}", "calls", arr, "next_cursor", more ?
	    api_cursor_json(&v[n - 2]) : json_null());
	api_reply_list(x, &rs, "calls", o);
done:
	for (i = 0; i < n; i++)
		call_free(&v[i]);
	free(v);
	api_strv_free(f.f_lines, f.f_nlines);
	api_strv_free(f.f_risks, f.f_nrisks);
	api_strv_free(f.f_ops, f.f_nops);
}

/* Redact personal fields inside each history entry's changes. */
static void
api_history_redact(json_t *hist)
{
	static const char *const personal[] = { "notes", "caller_name",
	    "caller_contact" };
	json_t	*e, *ch;
	size_t	 i, k;

	json_array_foreach(hist, i, e) {
		ch = json_object_get(e, "changes");
		for (k = 0; k < 3; k++)
			if (json_object_get(ch, personal[k]) != NULL)
				json_object_set_new(ch, personal[k],
				    json_string("(redacted)"));
	}
}

/*
 * Answer o, a single call (call_id) that x read, maybe through item_id.
 * Anyone but the call's operator leaves a row in the audit trail first:
 * the answer waits for the pump to commit it, and a read whose row
 * cannot be written is refused (503), never shown unaudited.
 */
static void
api_reply_read(struct ctx *x, const char *operator, int64_t call_id,
    int64_t item_id, json_t *o)
{
	struct write	*w;

	if (operator != NULL && strcmp(operator, x->x_id.id_name) == 0) {
		api_reply(x, 200, o);
		return;
	}
	if ((w = calloc(1, sizeof(*w))) == NULL) {
		json_decref(o);
		api_error(x, 503, "internal", NULL, "out of memory");
		return;
	}
	if ((w->w_refs = calloc(1, sizeof(*w->w_refs))) == NULL) {
		free(w);
		json_decref(o);
		api_error(x, 503, "internal", NULL, "out of memory");
		return;
	}
	call_init(&w->w_call);
	w->w_body = o;
	w->w_refs[0].rr_call = call_id;
	w->w_refs[0].rr_item = item_id;
	w->w_nrefs = 1;
	w->w_action = "call.read";
	w->w_run = api_read_run;
	api_write_queue(x, w);
}

/*
 * Call c is in a list x asked for, shown with flags (through item, or
 * 0): a row for the audit trail when its personal fields are shown to
 * anyone but its operator.
 */
static void
api_read_note(struct ctx *x, struct read_set *rs, const struct call *c,
    int flags, int64_t item)
{
	struct read_ref	*v;
	size_t		 cap;

	if (!(flags & CALL_SHOW_PERSONAL) ||
	    strcmp(c->c_operator, x->x_id.id_name) == 0 || rs->rs_oom)
		return;
	if (rs->rs_n == rs->rs_cap) {
		cap = rs->rs_cap == 0 ? 16 : rs->rs_cap * 2;
		if ((v = reallocarray(rs->rs_v, cap, sizeof(*v))) == NULL) {
			rs->rs_oom = 1;
			return;
		}
		rs->rs_v = v;
		rs->rs_cap = cap;
	}
	rs->rs_v[rs->rs_n].rr_call = c->c_id;
	rs->rs_v[rs->rs_n++].rr_item = item;
}

/*
 * Answer o, a list (detail: which) showing the calls of rs with their
 * personal fields: one "call.list" row each first, committed before the
 * answer, as for a single read; a list whose rows cannot be written is
 * refused (503), never shown unaudited. Takes rs's array.
 */
static void
api_reply_list(struct ctx *x, struct read_set *rs, const char *detail,
    json_t *o)
{
	struct write	*w;

	if (rs->rs_n == 0 && !rs->rs_oom) {
		api_reply(x, 200, o);
		return;
	}
	if (rs->rs_oom || (w = calloc(1, sizeof(*w))) == NULL) {
		free(rs->rs_v);
		json_decref(o);
		api_error(x, 503, "internal", NULL, "out of memory");
		return;
	}
	call_init(&w->w_call);
	w->w_body = o;
	w->w_refs = rs->rs_v;
	w->w_nrefs = rs->rs_n;
	snprintf(w->w_detail, sizeof(w->w_detail), "%s", detail);
	w->w_action = "call.list";
	w->w_run = api_read_run;
	api_write_queue(x, w);
}

/*
 * In the pump: a read's audit rows (one call, or each call a list showed
 * with its personal fields), then its answer after the commit.
 */
static void
api_read_run(struct write *w)
{
	struct ctx	*x = &w->w_x;
	struct store	*st = x->x_api->a_store;
	json_t		*o = w->w_body;
	size_t		 i;
	int		 rc;

	w->w_body = NULL;
	if ((rc = store_request_begin(st)) == STORE_OK) {
		for (i = 0; i < w->w_nrefs && rc == STORE_OK; i++)
			rc = audit_record(&x->x_id, w->w_action,
			    w->w_refs[i].rr_call, w->w_refs[i].rr_item,
			    w->w_detail[0] != '\0' ? w->w_detail : NULL);
		rc = store_request_end(st, rc);
	}
	if (rc != STORE_OK) {
		json_decref(o);
		api_store_error(x, "record the read in the audit trail, so "
		    "nothing is shown");
		return;
	}
	api_reply(x, 200, o);
}

/* The names of the changed fields, "risk,notes": never their values. */
static char *
api_changed_names(json_t *changes)
{
	const char	*k;
	json_t		*v;
	char		*out = NULL, *p;
	size_t		 len = 1;

	json_object_foreach(changes, k, v)
		len += strlen(k) + 1;
	if ((out = calloc(1, len)) == NULL)
		return NULL;
	p = out;
	json_object_foreach(changes, k, v)
		p += sprintf(p, "%s%s", p == out ? "" : ",", k);
	return out;
}

/* In the pump's request: the amendment's audit row. */
static int
api_amend_audit(struct ctx *x, int64_t id, json_t *changes)
{
	char	*names;
	int	 rc;

	if ((names = api_changed_names(changes)) == NULL)
		return STORE_ERR;
	rc = audit_record(&x->x_id, "call.amend", id, 0, names);
	free(names);
	return rc;
}

/* Load call id for x: 0, or an error answered and -1. */
static int
api_load_call(struct ctx *x, int64_t id, struct call *c)
{
	int	 rc;

	rc = store_call_get(x->x_api->a_store, id, c);
	if (rc == STORE_NOTFOUND) {
		api_error(x, 404, "not_found", "id", "no call %lld",
		    (long long)id);
		return -1;
	}
	if (rc != STORE_OK) {
		api_store_error(x, "read the call");
		return -1;
	}
	if (x->x_id.id_role == ROLE_OPERATOR &&
	    strcmp(c->c_operator, x->x_id.id_name) != 0) {
		api_error(x, 403, "forbidden", "id", "call %lld was logged by "
		    "another operator", (long long)id);
		return -1;
	}
	return 0;
}

static void
api_call_get(struct ctx *x, int64_t id)
{
	struct call	 c;
	json_t		*o, *hist;
	int		 flags;

	call_init(&c);
	if (api_load_call(x, id, &c) == -1)
		goto done;
	if ((hist = store_call_history(x->x_api->a_store, id)) == NULL) {
		api_store_error(x, "read the call's history");
		goto done;
	}
	flags = api_show_flags(x, &c);
	if (!(flags & CALL_SHOW_PERSONAL))
		api_history_redact(hist);
	o = api_call_json(x, &c);
	json_object_set_new(o, "history", hist);
	api_reply_read(x, c.c_operator, id, 0, o);
done:
	call_free(&c);
}

/* If-Match: "N" (quotes optional); -1 when absent, -2 when malformed. */
static long long
api_if_match(struct ctx *x)
{
	const char	*v;
	char		*end;
	long long	 n;

	v = evhttp_find_header(evhttp_request_get_input_headers(x->x_req),
	    "If-Match");
	if (v == NULL)
		return -1;
	if (*v == '"')
		v++;
	errno = 0;
	n = strtoll(v, &end, 10);
	if (end == v || errno != 0 || n < 1 ||
	    !(*end == '\0' || (end[0] == '"' && end[1] == '\0')))
		return -2;
	return n;
}

/* Whether x's role may amend every field in body; -1: answered 403. */
static int
api_patch_roles(struct ctx *x, json_t *body)
{
	const struct patch_role	*pr;
	const char		*k;
	json_t			*v;

	if (!json_is_object(body))
		return 0;	/* call_patch says what is wrong */
	json_object_foreach(body, k, v) {
		for (pr = patch_roles; pr->pr_field != NULL; pr++)
			if (strcmp(pr->pr_field, k) == 0)
				break;
		if (pr->pr_roles & (1 << x->x_id.id_role))
			continue;
		api_error(x, 403, "forbidden", k, "role %s may not amend %.64s",
		    config_role_name(x->x_id.id_role), k);
		return -1;
	}
	return 0;
}

static void
api_call_patch(struct ctx *x, int64_t id)
{
	struct write	*w;
	long long	 want;

	if ((want = api_if_match(x)) == -2) {
		api_error(x, 400, "invalid_parameter", "If-Match",
		    "If-Match must be a version, such as \"3\"");
		return;
	}
	if ((w = calloc(1, sizeof(*w))) == NULL) {
		api_error(x, 503, "internal", NULL, "out of memory");
		return;
	}
	call_init(&w->w_call);
	if ((w->w_body = api_body(x)) == NULL ||
	    api_patch_roles(x, w->w_body) == -1) {
		api_write_free(w);
		return;
	}
	w->w_id = id;
	w->w_want = want;
	w->w_run = api_patch_run;
	api_write_queue(x, w);
}

/* In the pump already: a read's audit row, then its answer. */
static void
api_read_now(struct ctx *x, int64_t call_id, json_t *o)
{
	struct write	 w;

	memset(&w, 0, sizeof(w));
	w.w_x = *x;
	w.w_body = o;
	w.w_id = call_id;
	api_read_run(&w);
}

/* In the pump: merge, validate and store an amendment with its history. */
static void
api_patch_run(struct write *w)
{
	struct ctx		*x = &w->w_x;
	struct api		*a = x->x_api;
	struct call		 old, new;
	struct call_error	 err;
	json_t			*changes = NULL;
	int			 rc;

	call_init(&old);
	call_init(&new);
	if (api_load_call(x, w->w_id, &old) == -1)
		goto done;
	if (w->w_want != -1 && w->w_want != old.c_version) {
		api_error(x, 412, "version_mismatch", "If-Match", "call %lld "
		    "is at version %lld, not %lld", (long long)w->w_id,
		    (long long)old.c_version, w->w_want);
		goto done;
	}
	if (call_patch(&old, w->w_body, a->a_cf, &new, &changes,
	    &err) == -1) {
		api_call_error(x, &err);
		goto done;
	}
	if (json_object_size(changes) == 0) {
		/* Nothing changed: the answer is a read of the call. */
		if (strcmp(old.c_operator, x->x_id.id_name) == 0)
			api_reply(x, 200, api_call_json(x, &old));
		else
			api_read_now(x, w->w_id, api_call_json(x, &old));
		goto done;
	}
	/* The statistics move with the call: out before, in after. */
	if ((rc = store_request_begin(a->a_store)) == STORE_OK) {
		rc = stats_rollup_call(a->a_store, a->a_cf, w->w_id, -1);
		if (rc == STORE_OK)
			rc = store_call_update(a->a_store, &new,
			    x->x_id.id_name, changes);
		call_free(&new);
		call_init(&new);
		if (rc == STORE_OK)
			rc = store_call_get(a->a_store, w->w_id, &new);
		/* A hold changes nothing routing reads: no new follow-up. */
		if (rc == STORE_OK && !(json_object_size(changes) == 1 &&
		    json_object_get(changes, "legal_hold") != NULL))
			rc = api_route_call(x, &new);
		if (rc == STORE_OK)
			rc = stats_rollup_call(a->a_store, a->a_cf, w->w_id, 1);
		if (rc == STORE_OK)
			rc = api_amend_audit(x, w->w_id, changes);
		rc = store_request_end(a->a_store, rc);
	}
	if (rc == STORE_CONFLICT) {
		api_error(x, 412, "version_mismatch", NULL, "call %lld changed "
		    "meanwhile", (long long)w->w_id);
		goto done;
	}
	if (rc != STORE_OK) {
		api_store_error(x, "amend the call");
		goto done;
	}
	api_reply(x, 200, api_call_json(x, &new));
done:
	json_decref(changes);
	call_free(&old);
	call_free(&new);
}

/* GET /v1/queues: the depth of every queue, from memory. */
static void
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
static json_t *
api_item_json(struct ctx *x, const struct queue_item *it,
    struct read_set *rs)
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
	return o;
}

/* GET /v1/queues/{q}?state=&limit=: its items, next to be claimed first. */
static void
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

/* GET /v1/queue-items/{id}: one item, its call and its history. */
static void
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
	o = api_item_json(x, &it, NULL);
	json_object_set_new(o, "history", hist);
	call = json_object_get(o, "call");
	if (json_is_null(call))
		api_reply(x, 200, o);	/* no call shown: nothing to audit */
	else
		api_reply_read(x, json_string_value(json_object_get(call,
		    "operator")), it.qi_call_id, it.qi_id, o);
	store_item_free(&it);
}

/* A new write of an item or queue, with no body to keep. */
static struct write *
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

/* In the pump: the next item of the queue, or 204. */
static void
api_claim_run(struct write *w)
{
	struct ctx		*x = &w->w_x;
	struct queue_item	 it;

	switch (queue_claim(w->w_queue, &x->x_id, &it)) {
	case QUEUE_OK:
		api_reply(x, 200, api_item_json(x, &it, NULL));
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
static void
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
	switch (rc) {
	case QUEUE_OK:
		api_reply(x, 200, api_item_json(x, &it, NULL));
		break;
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
		api_store_error(x, "change the queue item");
		break;
	}
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
static void
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

/* from and to, both required, from before to. -1: answered. */
static int
api_range(struct ctx *x, int64_t *from, int64_t *to)
{
	if (api_time_param(x, "from", 0, from) == -1 ||
	    api_time_param(x, "to", 1, to) == -1)
		return -1;
	if (*from == 0 || *to == 0) {
		api_error(x, 400, "invalid_parameter", *from == 0 ? "from" :
		    "to", "from and to are required: dates YYYY-MM-DD (to "
		    "includes its day) or RFC 3339 times");
		return -1;
	}
	if (*from >= *to) {
		api_error(x, 400, "invalid_parameter", "to", "to must be "
		    "after from");
		return -1;
	}
	return 0;
}

static void
api_stats_done(struct stats_run *j, json_t *o)
{
	struct api	*a = j->sj_api;

	TAILQ_REMOVE(&a->a_stats, j, sj_entry);
	if (o != NULL)
		api_send(j->sj_req, 200, api_json_body(j->sj_req, o));
	else {
		log_warnx("statistics: %s", store_errmsg(a->a_store));
		api_error_send(j->sj_req, 503, "store_unavailable", NULL,
		    "the store could not compute the statistics; retry later");
	}
	json_decref(o);
	event_free(j->sj_ev);
	stats_free(j->sj_job);
	free(j);
}

/*
 * One step, then back to the loop: a zero timer fires only after the loop
 * has looked at every socket again, so other requests go first.
 */
static void
api_stats_step(evutil_socket_t fd, short events, void *arg)
{
	struct stats_run	*j = arg;
	struct timeval		 now = { 0, 0 };
	int			 rc;

	(void)fd;
	(void)events;
	if ((rc = stats_step(j->sj_job)) == 1) {
		evtimer_add(j->sj_ev, &now);
		return;
	}
	api_stats_done(j, rc == 0 ? stats_result(j->sj_job) : NULL);
}

/* GET /v1/stats?from=&to=&by= */
static void
api_stats(struct ctx *x)
{
	static const char *const known[] = { "from", "to", "by", NULL };
	struct timeval		 now = { 0, 0 };
	struct stats_run	*j;
	struct stats_req	*job;
	int64_t			 from, to;
	char			 err[300];

	if (api_query_check(x, known) == -1 || api_range(x, &from, &to) == -1)
		return;
	switch (stats_start(x->x_api->a_store, x->x_api->a_cf, from, to,
	    evhttp_find_header(&x->x_query, "by"), &job, err, sizeof(err))) {
	case STATS_OK:
		break;
	case STATS_BAD:
		api_error(x, 400, "invalid_parameter", "by", "%s", err);
		return;
	default:
		api_error(x, 503, "internal", NULL, "out of memory");
		return;
	}
	if ((j = calloc(1, sizeof(*j))) == NULL ||
	    (j->sj_ev = evtimer_new(x->x_api->a_base, api_stats_step,
	    j)) == NULL) {
		free(j);
		stats_free(job);
		api_error(x, 503, "internal", NULL, "out of memory");
		return;
	}
	j->sj_api = x->x_api;
	j->sj_req = x->x_req;
	j->sj_l = x->x_l;
	j->sj_job = job;
	TAILQ_INSERT_TAIL(&x->x_api->a_stats, j, sj_entry);
	evtimer_add(j->sj_ev, &now);
}

/* Answer statistics still being read: 503, the reader may retry. */
static void
api_stats_drop(struct stats_run *j, const char *kind, const char *why)
{
	TAILQ_REMOVE(&j->sj_api->a_stats, j, sj_entry);
	api_error_send(j->sj_req, 503, kind, NULL, why);
	event_free(j->sj_ev);
	stats_free(j->sj_job);
	free(j);
}

/* At exit: answer the statistics still being read. */
static void
api_stats_abort(struct api *a)
{
	struct stats_run	*j;

	while ((j = TAILQ_FIRST(&a->a_stats)) != NULL)
		api_stats_drop(j, "shutting_down", "hotlined is shutting "
		    "down; retry shortly");
}

#define API_EXPORT_PAGE	200	/* calls per chunk */

static void	api_export_next(struct export *);

static void
api_export_free(struct export *e)
{
	TAILQ_REMOVE(&e->e_x.x_api->a_exports, e, e_entry);
	if (e->e_conn != NULL)
		listener_set_closecb(e->e_x.x_l, e->e_conn, NULL, NULL);
	free(e);
}

/* In the pump: record the end of an export (no one waits for it). */
static void
api_export_end_run(struct write *w)
{
	if (store_export_end(w->w_x.x_api->a_store, w->w_id,
	    (int64_t)w->w_want) != STORE_OK)
		log_warnx("could not record the end of export %lld: %s",
		    (long long)w->w_id, store_errmsg(w->w_x.x_api->a_store));
}

/* The export is over (sent, or the reader went away): log it, free it. */
static void
api_export_finish(struct export *e, int complete)
{
	struct write	*w;

	log_info("export %lld by %s: %lld calls%s", (long long)e->e_log_id,
	    e->e_x.x_id.id_name, (long long)e->e_rows, complete ? "" :
	    ", cut short: the reader went away");
	if ((w = calloc(1, sizeof(*w))) != NULL) {
		call_init(&w->w_call);
		w->w_x = e->e_x;
		w->w_x.x_req = NULL;	/* nothing to answer */
		w->w_id = e->e_log_id;
		w->w_want = e->e_rows;
		w->w_run = api_export_end_run;
		api_write_queue(&w->w_x, w);
	}
	api_export_free(e);
}

/*
 * The reader went away mid-stream. libevent has already taken the request
 * off the connection and left it to us (evhttp's "userdone" rule):
 * ending the reply is what frees it.
 */
static void
api_export_closed(struct evhttp_connection *conn, void *arg)
{
	struct export		*e = arg;
	struct evhttp_request	*req = e->e_x.x_req;

	(void)conn;
	e->e_conn = NULL;
	if (evhttp_request_get_connection(req) == NULL)
		evhttp_send_reply_end(req);
	api_export_finish(e, 0);
}

static void
api_export_sent(struct evhttp_connection *conn, void *arg)
{
	(void)conn;
	api_export_next(arg);
}

/* One call as a row; 0, or -1 when the store failed. */
static int
api_export_row(struct export *e, struct call *c, struct evbuffer *b)
{
	json_t	*rec = api_call_json(&e->e_x, c);
	char	*s;

	if (rec == NULL)
		return -1;
	if (e->e_csv)
		export_csv_row(b, e->e_x.x_api->a_cf, c, rec, e->e_personal);
	else if ((s = json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER)) !=
	    NULL) {
		evbuffer_add_printf(b, "%s%s", e->e_rows > 0 ? ",\n" : "", s);
		free(s);
	}
	json_decref(rec);
	e->e_rows++;
	return 0;
}

/* Send the next page, or end the stream. Memory stays one page. */
static void
api_export_next(struct export *e)
{
	struct evhttp_request	*req = e->e_x.x_req;
	struct evbuffer		*b;
	struct call		*v = NULL;
	size_t			 n = 0, i;
	int			 rc;

	if ((b = evbuffer_new()) == NULL) {
		evhttp_send_reply_end(req);
		api_export_finish(e, 0);
		return;
	}
	rc = store_call_list(e->e_x.x_api->a_store, &e->e_f, &v, &n);
	for (i = 0; rc == STORE_OK && i < n; i++)
		if (api_export_row(e, &v[i], b) == -1)
			rc = STORE_ERR;
	if (n > 0) {
		e->e_f.f_has_cursor = 1;
		e->e_f.f_cur_started = v[n - 1].c_started_at;
		e->e_f.f_cur_id = v[n - 1].c_id;
	}
	for (i = 0; i < n; i++)
		call_free(&v[i]);
	free(v);
	if (rc != STORE_OK)
		/* The status is sent: all we can do is stop short. */
		log_warnx("export %lld stopped: %s", (long long)e->e_log_id,
		    store_errmsg(e->e_x.x_api->a_store));
	if (rc == STORE_OK && n == (size_t)e->e_f.f_limit) {
		evhttp_send_reply_chunk_with_cb(req, b, api_export_sent, e);
		evbuffer_free(b);
		return;
	}
	if (!e->e_csv)
		evbuffer_add(b, "\n]\n", 3);
	evhttp_send_reply_chunk(req, b);
	evbuffer_free(b);
	evhttp_send_reply_end(req);
	api_export_finish(e, rc == STORE_OK);
}

/* After the export was recorded: start the stream (or say why not). */
static void
api_export_start(void *arg, int ok)
{
	struct export		*e = arg;
	struct evhttp_request	*req = e->e_x.x_req;
	struct evkeyvalq	*h = evhttp_request_get_output_headers(req);
	struct evbuffer		*b;

	if (!ok) {
		api_error_send(req, 503, "store_unavailable", NULL, "the "
		    "store could not record the export; nothing was sent: "
		    "retry later");
		api_export_free(e);
		return;
	}
	evhttp_add_header(h, "Content-Type", e->e_csv ?
	    "text/csv; charset=utf-8" : "application/json; charset=utf-8");
	evhttp_add_header(h, "Content-Disposition", e->e_csv ?
	    "attachment; filename=\"hotline-export.csv\"" :
	    "attachment; filename=\"hotline-export.json\"");
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_send_reply_start(req, 200, "OK");
	e->e_conn = evhttp_request_get_connection(req);
	listener_set_closecb(e->e_x.x_l, e->e_conn, api_export_closed, e);
	if ((b = evbuffer_new()) != NULL) {
		if (e->e_csv) {
			/* The byte-order mark: Excel and WPS then read UTF-8. */
			evbuffer_add(b, "\xef\xbb\xbf", 3);
			export_csv_header(b, e->e_personal);
		} else
			evbuffer_add(b, "[\n", 2);
		evhttp_send_reply_chunk(req, b);
		evbuffer_free(b);
	}
	api_export_next(e);
}

/* The export's row in exports and in the audit trail, kept together. */
static int
api_export_record(struct export *e)
{
	struct store	*st = e->e_x.x_api->a_store;
	char		 from[40], to[40], detail[160];
	int		 rc;

	if ((rc = store_request_begin(st)) != STORE_OK)
		return rc;
	rc = store_export_begin(st, e->e_x.x_id.id_name,
	    config_role_name(e->e_x.x_id.id_role), e->e_f.f_from,
	    e->e_f.f_to, e->e_csv ? "csv" : "json", &e->e_log_id);
	if (rc == STORE_OK) {
		clock_format(e->e_f.f_from, from, sizeof(from));
		clock_format(e->e_f.f_to, to, sizeof(to));
		snprintf(detail, sizeof(detail), "export %lld: from %s to %s, "
		    "%s", (long long)e->e_log_id, from, to, e->e_csv ? "csv" :
		    "json");
		rc = audit_record(&e->e_x.x_id, "export", 0, 0, detail);
	}
	return store_request_end(st, rc);
}

/* In the pump: record the export, then stream it after the commit. */
static void
api_export_begin_run(struct write *w)
{
	struct export	*e = (struct export *)w->w_body;
	struct api	*a = w->w_x.x_api;
	struct held	*h;

	w->w_body = NULL;	/* not JSON: ours to hand on */
	if (api_export_record(e) != STORE_OK ||
	    (h = calloc(1, sizeof(*h))) == NULL) {
		api_store_error(&w->w_x, "record the export");
		api_export_free(e);
		return;
	}
	h->h_req = w->w_x.x_req;
	h->h_then = api_export_start;
	h->h_arg = e;
	TAILQ_INSERT_TAIL(&a->a_held, h, h_entry);
	a->a_nheld++;
}

/* GET /v1/export?from=&to=&format=csv|json */
static void
api_export(struct ctx *x)
{
	static const char *const known[] = { "from", "to", "format", NULL };
	const char	*fmt;
	struct export	*e;
	struct write	*w;
	int64_t		 from, to;

	if (api_query_check(x, known) == -1 || api_range(x, &from, &to) == -1)
		return;
	fmt = evhttp_find_header(&x->x_query, "format");
	if (fmt != NULL && strcmp(fmt, "csv") != 0 && strcmp(fmt, "json") != 0) {
		api_error(x, 400, "invalid_parameter", "format", "format must "
		    "be csv or json");
		return;
	}
	if ((e = calloc(1, sizeof(*e))) == NULL ||
	    (w = api_write_new(x)) == NULL) {
		free(e);
		return;
	}
	api_ctx_keep(&e->e_x, x);
	e->e_csv = fmt == NULL || strcmp(fmt, "csv") == 0;
	e->e_personal = 1;	/* supervisors and admins see them all */
	e->e_f.f_from = from;
	e->e_f.f_to = to;
	e->e_f.f_limit = API_EXPORT_PAGE;
	TAILQ_INSERT_TAIL(&x->x_api->a_exports, e, e_entry);
	w->w_body = (json_t *)e;
	w->w_run = api_export_begin_run;
	api_write_queue(x, w);
}

/* At exit: drop the streams still running (their connections close). */
static void
api_exports_abort(struct api *a)
{
	struct export	*e;

	while ((e = TAILQ_FIRST(&a->a_exports)) != NULL) {
		log_warnx("export %lld by %s cut short: hotlined is stopping",
		    (long long)e->e_log_id, e->e_x.x_id.id_name);
		api_export_free(e);
	}
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
	else if (w->w_done != NULL)
		w->w_done(w->w_arg, 0);
	api_write_free(w);
}

/* Answer every queued write with 503: the store cannot take them. */
static void
api_writes_fail(struct api *a, const char *why)
{
	struct write	*w;

	log_warnx("%zu writes refused: %s", a->a_nwrites, why);
	status_store_failed(why);
	while ((w = TAILQ_FIRST(&a->a_writes)) != NULL) {
		TAILQ_REMOVE(&a->a_writes, w, w_entry);
		api_write_fail(a, w, why);
	}
	a->a_nwrites = 0;
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
	struct write		*w, *wn;
	struct stats_run	*j, *jn;
	const char		*why = "its listen address was removed by a "
				    "reload";

	for (w = TAILQ_FIRST(&a->a_writes); w != NULL; w = wn) {
		wn = TAILQ_NEXT(w, w_entry);
		if (w->w_x.x_l != l || w->w_x.x_req == NULL)
			continue;
		TAILQ_REMOVE(&a->a_writes, w, w_entry);
		a->a_nwrites--;
		api_write_fail(a, w, why);
	}
	status_writes_changed();
	for (j = TAILQ_FIRST(&a->a_stats); j != NULL; j = jn) {
		jn = TAILQ_NEXT(j, sj_entry);
		if (j->sj_l == l)
			api_stats_drop(j, "store_unavailable", "statistics not "
			    "finished: their listen address was removed by a "
			    "reload; retry on another");
	}
}

/*
 * Run the queued writes in one transaction and answer them after the
 * commit. The write lock is taken without waiting; while another process
 * holds it, try again shortly, up to store.busy_timeout_ms.
 */
static void
api_pump(struct api *a)
{
	struct timeval	 tv = { 0, API_RETRY_MS * 1000 };
	struct write	*w;
	const char	*trouble;
	char		 why[300];
	int		 rc;

	if (TAILQ_EMPTY(&a->a_writes))
		return;
	rc = store_begin(a->a_store);
	if (rc == STORE_BUSY) {
		w = TAILQ_FIRST(&a->a_writes);
		if (clock_mono_ms() - w->w_queued_ms < a->a_cf->cf_busy_ms) {
			evtimer_add(a->a_retry_ev, &tv);
			return;
		}
		api_writes_fail(a, "the database is locked by another "
		    "process");
		return;
	}
	if (rc != STORE_OK) {
		trouble = api_store_trouble(a);
		snprintf(why, sizeof(why), "%s: %s", trouble != NULL ? trouble :
		    "the store cannot write", store_errmsg(a->a_store));
		api_writes_fail(a, why);
		return;
	}
	a->a_batch_trouble = 0;
	while ((w = TAILQ_FIRST(&a->a_writes)) != NULL) {
		TAILQ_REMOVE(&a->a_writes, w, w_entry);
		w->w_run(w);
		api_write_free(w);
	}
	a->a_nwrites = 0;
	api_commit(a);
}

/* In the pump: the daemon's own work; done hears of the commit. */
static void
api_task_run(struct write *w)
{
	struct held	*h;

	w->w_task(w->w_arg);
	if ((h = calloc(1, sizeof(*h))) == NULL) {
		log_warnx("%s: out of memory", __func__);
		w->w_done(w->w_arg, 0);
		return;
	}
	h->h_then = w->w_done;
	h->h_arg = w->w_arg;
	TAILQ_INSERT_TAIL(&w->w_x.x_api->a_held, h, h_entry);
	w->w_x.x_api->a_nheld++;
}

/*
 * Queue run(arg) to run in the next write batch, inside its transaction,
 * like a client's write; done(arg, ok) is called once that batch has
 * committed (ok 1) or failed (0). -1: out of memory.
 */
int
api_task(struct api *a, void (*run)(void *), void (*done)(void *, int),
    void *arg)
{
	struct ctx	 x;
	struct write	*w;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return -1;
	call_init(&w->w_call);
	memset(&x, 0, sizeof(x));
	x.x_api = a;
	x.x_id.id_name = "hotlined";
	w->w_task = run;
	w->w_done = done;
	w->w_arg = arg;
	w->w_run = api_task_run;
	api_write_queue(&x, w);
	return 0;
}

/* Run the queued writes now (a reload or a stop is coming). */
void
api_flush(struct api *a)
{
	api_pump(a);
}

/*
 * A request was answered 401: note its peer and transport for the audit
 * trail (never the token, nor any part of it). The pump writes them with
 * the loop turn's other writes; see struct auth_fail.
 */
static void
api_audit_authfail(struct ctx *x)
{
	struct api		*a = x->x_api;
	struct auth_fail	*f;
	struct write		*w;
	struct ctx		 anon;
	size_t			 i;

	for (i = 0; i < a->a_nfails; i++) {
		f = &a->a_fails[i];
		if (f->af_unix == x->x_id.id_unix &&
		    strcmp(f->af_peer, x->x_id.id_peer) == 0) {
			f->af_n++;
			return;
		}
	}
	if (a->a_fails == NULL && (a->a_fails = calloc(API_FAILS_MAX,
	    sizeof(*a->a_fails))) == NULL) {
		log_warnx("%s: out of memory: a failed authentication from "
		    "%s is not in the audit trail", __func__, x->x_id.id_peer);
		return;
	}
	if (a->a_nfails == API_FAILS_MAX) {
		a->a_fails_more++;
		return;
	}
	f = &a->a_fails[a->a_nfails];
	snprintf(f->af_peer, sizeof(f->af_peer), "%s", x->x_id.id_peer);
	f->af_unix = x->x_id.id_unix;
	f->af_n = 1;
	if (a->a_nfails++ > 0)
		return;		/* the pump's write is queued already */
	/* Not api_write_new: its error would be a second answer. */
	if ((w = calloc(1, sizeof(*w))) == NULL) {
		a->a_nfails = 0;
		return;
	}
	call_init(&w->w_call);
	anon = *x;
	anon.x_id.id_name = "-";
	api_write_queue(&anon, w);
	w->w_x.x_req = NULL;	/* answered already */
	w->w_run = api_fails_run;
}

/* In the pump: one audit row per peer that failed to authenticate. */
static void
api_fails_run(struct write *w)
{
	struct api		*a = w->w_x.x_api;
	struct identity		 id;
	struct auth_fail	*f;
	char			 detail[96];
	size_t			 i;
	int			 rc;

	memset(&id, 0, sizeof(id));
	id.id_role = ROLE_NONE;
	if ((rc = store_request_begin(a->a_store)) == STORE_OK) {
		for (i = 0; i < a->a_nfails && rc == STORE_OK; i++) {
			f = &a->a_fails[i];
			snprintf(id.id_peer, sizeof(id.id_peer), "%s",
			    f->af_peer);
			id.id_unix = f->af_unix;
			if (f->af_n > 1)
				snprintf(detail, sizeof(detail), "via %s, %llu "
				    "attempts", f->af_unix ? "unix" : "tcp",
				    (unsigned long long)f->af_n);
			else
				snprintf(detail, sizeof(detail), "via %s",
				    f->af_unix ? "unix" : "tcp");
			rc = audit_record(&id, "auth.fail", 0, 0, detail);
		}
		if (rc == STORE_OK && a->a_fails_more > 0) {
			snprintf(id.id_peer, sizeof(id.id_peer), "-");
			snprintf(detail, sizeof(detail), "%llu more attempts "
			    "from other peers at the same time",
			    (unsigned long long)a->a_fails_more);
			rc = audit_record(&id, "auth.fail", 0, 0, detail);
		}
		rc = store_request_end(a->a_store, rc);
	}
	if (rc != STORE_OK)
		log_warnx("%zu failed authentications not in the audit "
		    "trail: %s", a->a_nfails, store_errmsg(a->a_store));
	a->a_nfails = 0;
	a->a_fails_more = 0;
}

static void
api_audit_row(const struct audit_entry *e, void *arg)
{
	json_array_append_new(arg, audit_entry_json(e));
}

/* The cursor of GET /v1/audit: the last id shown, in base64. */
static int
api_audit_cursor(struct ctx *x, int64_t *before)
{
	const char	*v = evhttp_find_header(&x->x_query, "cursor");
	unsigned char	 buf[64];
	long long	 id;
	char		 tail;
	size_t		 len;

	*before = 0;
	if (v == NULL)
		return 0;
	len = strlen(v);
	if (len == 0 || len > 32 || len % 4 != 0 ||
	    EVP_DecodeBlock(buf, (const unsigned char *)v, (int)len) < 0)
		goto bad;
	buf[len * 3 / 4] = '\0';
	if (sscanf((char *)buf, "a%lld%c", &id, &tail) != 1 || id < 1)
		goto bad;
	*before = id;
	return 0;
bad:
	api_error(x, 400, "invalid_parameter", "cursor", "cursor is not one "
	    "this server gave out");
	return -1;
}

static json_t *
api_audit_cursor_json(int64_t id)
{
	char		 plain[32];
	unsigned char	 enc[48];
	int		 n;

	n = snprintf(plain, sizeof(plain), "a%lld", (long long)id);
	EVP_EncodeBlock(enc, (const unsigned char *)plain, n);
	return json_string((char *)enc);
}

/* The filter of GET /v1/audit from its query; -1: answered. */
static int
api_audit_filter(struct ctx *x, struct audit_filter *f)
{
	static const char *const known[] = { "since", "until", "action",
	    "who", "limit", "cursor", NULL };

	memset(f, 0, sizeof(*f));
	if (api_query_check(x, known) == -1 ||
	    api_time_param(x, "since", 0, &f->af_since) == -1 ||
	    api_time_param(x, "until", 1, &f->af_until) == -1 ||
	    api_limit_param(x, &f->af_limit) == -1 ||
	    api_audit_cursor(x, &f->af_before) == -1)
		return -1;
	if (f->af_since != 0 && f->af_until != 0 &&
	    f->af_since >= f->af_until) {
		api_error(x, 400, "invalid_parameter", "until", "until must "
		    "be after since");
		return -1;
	}
	f->af_action = evhttp_find_header(&x->x_query, "action");
	if (f->af_action != NULL && !audit_action_known(f->af_action)) {
		api_error(x, 400, "invalid_parameter", "action", "action: "
		    "unknown action \"%.64s\"", f->af_action);
		return -1;
	}
	f->af_who = evhttp_find_header(&x->x_query, "who");
	if (f->af_who != NULL && (*f->af_who == '\0' ||
	    strlen(f->af_who) > 64)) {
		api_error(x, 400, "invalid_parameter", "who", "who must be a "
		    "name of 1 to 64 characters");
		return -1;
	}
	return 0;
}

/* GET /v1/audit?since=&until=&action=&who=&limit=&cursor=: newest first. */
static void
api_audit(struct ctx *x)
{
	struct audit_filter	 f;
	json_t			*o, *rows;
	long			 limit;

	if (api_audit_filter(x, &f) == -1)
		return;
	limit = f.af_limit;
	f.af_limit++;	/* one more tells whether there is a next page */
	rows = json_array();
	if (store_audit_list(x->x_api->a_store, &f, api_audit_row, rows) !=
	    STORE_OK) {
		json_decref(rows);
		api_store_error(x, "read the audit trail");
		return;
	}
	o = json_pack("{s:O, s:n}", "audit", rows, "next_cursor");
	if (json_array_size(rows) > (size_t)limit) {
		json_array_remove(rows, (size_t)limit);
		json_object_set_new(o, "next_cursor", api_audit_cursor_json(
		    json_integer_value(json_object_get(json_array_get(rows,
		    (size_t)limit - 1), "id"))));
	}
	json_decref(rows);
	api_reply(x, 200, o);
}

/* A positive decimal id with no sign or leading zero; end at *endp. */
static int
api_path_id(const char *p, int64_t *id, const char **endp)
{
	char		*end;
	long long	 n;

	if (!isdigit((unsigned char)*p) || *p == '0')
		return -1;
	errno = 0;
	n = strtoll(p, &end, 10);
	if (errno != 0)
		return -1;
	*id = n;
	*endp = end;
	return 0;
}

/*
 * Match the path: a route, with the id of /v1/calls/{id} and
 * /v1/queue-items/{id}[/verb], the queue of /v1/queues/{q}[/claim], and
 * the verb of an item action.
 */
static const struct route *
api_route(const char *path, int64_t *id, char *queue, size_t qlen,
    const char **verb)
{
	const char	*p, *end;
	size_t		 n;

	if (strcmp(path, "/v1/schema") == 0)
		return &routes[RT_SCHEMA];
	if (strcmp(path, "/v1/whoami") == 0)
		return &routes[RT_WHOAMI];
	if (strcmp(path, "/v1/calls") == 0)
		return &routes[RT_CALLS];
	if (strcmp(path, "/v1/queues") == 0)
		return &routes[RT_QUEUES];
	if (strcmp(path, "/v1/stats") == 0)
		return &routes[RT_STATS];
	if (strcmp(path, "/v1/export") == 0)
		return &routes[RT_EXPORT];
	if (strcmp(path, "/v1/audit") == 0)
		return &routes[RT_AUDIT];
	if (strncmp(path, "/v1/calls/", 10) == 0)
		return api_path_id(path + 10, id, &end) == 0 && *end == '\0' ?
		    &routes[RT_CALL] : NULL;
	if (strncmp(path, "/v1/queue-items/", 16) == 0) {
		if (api_path_id(path + 16, id, &end) == -1)
			return NULL;
		if (*end == '\0')
			return &routes[RT_ITEM];
		*verb = end + 1;
		return strcmp(end, "/complete") == 0 ||
		    strcmp(end, "/release") == 0 ||
		    strcmp(end, "/renew") == 0 ? &routes[RT_ITEM_ACT] : NULL;
	}
	if (strncmp(path, "/v1/queues/", 11) != 0)
		return NULL;
	p = path + 11;
	n = strcspn(p, "/");
	if (n == 0 || n >= qlen)
		return NULL;
	memcpy(queue, p, n);
	queue[n] = '\0';
	if (p[n] == '\0')
		return &routes[RT_QUEUE];
	return strcmp(p + n, "/claim") == 0 ? &routes[RT_CLAIM] : NULL;
}

/* 429 with Retry-After: wait seconds (>= 1). */
static void
api_too_many(struct ctx *x, long wait, const char *field, const char *why)
{
	char	 v[24];

	snprintf(v, sizeof(v), "%ld", wait < 1 ? 1 : wait);
	evhttp_add_header(evhttp_request_get_output_headers(x->x_req),
	    "Retry-After", v);
	api_error(x, 429, "too_many_requests", field, "%s; retry in %s s",
	    why, v);
}

/* The peer of the request (an address, "uid N"): the key of its limits. */
static void
api_peer(struct ctx *x, char *buf, size_t len)
{
	struct evhttp_connection	*evcon;
	struct bufferevent		*bev;

	if ((evcon = evhttp_request_get_connection(x->x_req)) == NULL ||
	    (bev = evhttp_connection_get_bufferevent(evcon)) == NULL ||
	    limit_peer(bufferevent_getfd(bev), buf, len) == -1)
		snprintf(buf, len, "unknown peer");
}

/*
 * A request from peer named no one known: count it against the peer.
 * The first failure of a window and the one that blocks the peer are
 * logged (LOG_AUTHPRIV), with the peer and never what was sent.
 */
static void
api_auth_failed(struct api *a, struct ctx *x, const char *peer)
{
	const struct limits	*lim = &a->a_cf->cf_limits;

	switch (limit_fail(a->a_auth, peer, clock_mono_ms(),
	    lim->lim_auth_failures, lim->lim_auth_window_s,
	    lim->lim_auth_block_s)) {
	case LIMIT_FIRST:
		log_auth("authentication failed from %s (%s %.100s)", peer,
		    x->x_id.id_unix ? "Unix socket" : "TCP", x->x_path);
		break;
	case LIMIT_BLOCK:
		log_auth("%ld failed authentications from %s within %ld s: "
		    "refusing its requests (429) for %ld s",
		    lim->lim_auth_failures, peer, lim->lim_auth_window_s,
		    lim->lim_auth_block_s);
		break;
	case LIMIT_FULL:
		/* Every one is still audited; the log says so once a minute. */
		if (clock_mono_ms() - a->a_full_logged >= 60000) {
			a->a_full_logged = clock_mono_ms();
			log_auth("failed authentications from more than %d "
			    "peers at once (the latest from %s): new peers are "
			    "not counted towards a block until some rest",
			    API_LIMIT_KEYS, peer);
		}
		break;
	}
}

/*
 * Who asks, and whether they may ask now: a peer blocked for failed
 * authentications gets 429 whatever it sends; an unknown requester 401
 * (and a failure counted); a known one over its rate 429. 0 when the
 * request may go on.
 */
static int
api_admit(struct ctx *x)
{
	struct api		*a = x->x_api;
	const struct limits	*lim = &a->a_cf->cf_limits;
	char			 peer[LIMIT_KEY_MAX];
	long			 wait;

	api_peer(x, peer, sizeof(peer));
	if ((wait = limit_blocked(a->a_auth, peer, clock_mono_ms())) > 0) {
		api_too_many(x, wait, "auth_failures", "too many failed "
		    "authentications from this address");
		return -1;
	}
	if (auth_identify(x->x_req, x->x_id.id_unix, a->a_cf,
	    &x->x_id) == -1) {
		api_auth_failed(a, x, peer);
		api_audit_authfail(x);
		if (!x->x_id.id_unix)
			evhttp_add_header(evhttp_request_get_output_headers(
			    x->x_req), "WWW-Authenticate", "Bearer");
		api_error(x, 401, "unauthorized", NULL, "unknown requester");
		return -1;
	}
	if ((wait = limit_rate(a->a_rate, x->x_id.id_name, clock_mono_ms(),
	    lim->lim_rate_per_s, lim->lim_rate_burst)) > 0) {
		api_too_many(x, wait, "rate_per_s", "too many requests from "
		    "this identity");
		return -1;
	}
	return 0;
}

static void
api_dispatch(struct ctx *x, const struct route *rt, int64_t id,
    const char *queue, const char *verb)
{
	int	 roles, get = x->x_method == EVHTTP_REQ_GET ||
		    x->x_method == EVHTTP_REQ_HEAD;

	roles = get ? rt->rt_get : x->x_method == EVHTTP_REQ_POST ?
	    rt->rt_post : x->x_method == EVHTTP_REQ_PATCH ? rt->rt_patch : 0;
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
	if (api_admit(x) == -1)
		return;
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
	case RT_STATS:
		api_stats(x);
		break;
	case RT_EXPORT:
		api_export(x);
		break;
	case RT_AUDIT:
		api_audit(x);
		break;
	}
}

/* Refuse a request with more header fields than the limit: 431. */
static int
api_header_count(struct ctx *x)
{
	struct evkeyvalq	*h = evhttp_request_get_input_headers(x->x_req);
	struct evkeyval		*kv;
	long			 n = 0, max;

	max = x->x_api->a_cf->cf_limits.lim_max_header_count;
	TAILQ_FOREACH(kv, h, next)
		n++;
	if (n <= max)
		return 0;
	evhttp_add_header(evhttp_request_get_output_headers(x->x_req),
	    "Connection", "close");
	api_error(x, 431, "too_many_headers", "max_header_count", "the "
	    "request has %ld header fields; limits.max_header_count is %ld",
	    n, max);
	return -1;
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

	memset(&x, 0, sizeof(x));
	x.x_api = listener_arg(l);
	x.x_l = l;
	x.x_req = req;
	x.x_method = evhttp_request_get_command(req);
	x.x_id.id_unix = listener_is_unix(l);
	TAILQ_INIT(&x.x_query);
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

/* Writes queued for the store (its lock), not yet run: for status. */
size_t
api_writes_waiting(const struct api *a)
{
	return a->a_nwrites;
}
