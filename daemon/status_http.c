/*
 * The status listeners' thread: GET /healthz, /status and /metrics,
 * answered from the latest snapshot the main loop rendered
 * (status_render.c). The thread has an event loop of its own: a status
 * request never touches SQLite and never waits behind a commit's fsync,
 * and /healthz can tell when the main loop has stalled. The only state
 * the two threads share is the snapshot, under status_render.c's mutex,
 * and the status listeners' own request counts, under status.c's.
 */
#include <sys/queue.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "server.h"
#include "status_int.h"

#define STATUS_STALL_S		10	/* no snapshot for this long: 503 */

static struct status_http {
	struct event_base	*st_tbase;
	pthread_t		 st_thread;
	int			 st_running;
	int			 st_wake[2];	/* main -> thread: stop */
	struct event		*st_wake_ev;
	long			 st_max_headers; /* read by the thread */
} S = { .st_wake = { -1, -1 } };

/* In the status thread: the main thread wants it to stop. */
static void
status_wake_cb(evutil_socket_t fd, short events, void *arg)
{
	char	 c;

	(void)events;
	(void)arg;
	while (read(fd, &c, 1) == 1)
		;
	event_base_loopbreak(S.st_tbase);
}

/*
 * The status thread's own loop and its wake-up pipe, made before the
 * status listeners (opened on that loop while still root) and before the
 * store; status_init() does the rest once the store is open.
 */
int
status_prepare(char **cause)
{
	memset(&S, 0, sizeof(S));
	S.st_wake[0] = S.st_wake[1] = -1;
	if ((S.st_tbase = event_base_new()) == NULL ||
	    pipe2(S.st_wake, O_NONBLOCK | O_CLOEXEC) == -1 ||
	    (S.st_wake_ev = event_new(S.st_tbase, S.st_wake[0],
	    EV_READ | EV_PERSIST, status_wake_cb, NULL)) == NULL ||
	    event_add(S.st_wake_ev, NULL) == -1) {
		asprintf(cause, "status: cannot set up its loop: %s",
		    strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Start counting: the counts so far from the store, the timers, the
 * first snapshot; the status thread's loop is not yet running (see
 * status_run).
 */
int
status_init(struct event_base *base, struct store *store, struct batch *b,
    const struct config *cf, char **cause)
{
	S.st_max_headers = cf->cf_limits.lim_max_headers;
	if (status_load(store, clock_now(), cause) == -1)
		return -1;
	return status_render_init(base, store, b, cf, cause);
}

/* The status thread's loop: the status listeners' evhttps live on it. */
struct event_base *
status_base(void)
{
	return S.st_tbase;
}

static void *
status_thread(void *arg)
{
	(void)arg;
	if (event_base_dispatch(S.st_tbase) == -1)
		log_warnx("%s: the status loop failed", __func__);
	return NULL;
}

/* Start the status thread; signals stay with the main thread. */
int
status_run(void)
{
	sigset_t	 all, old;
	int		 rc;

	if (S.st_running)
		return 0;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&S.st_thread, NULL, status_thread, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		log_warnx("%s: pthread_create: %s", __func__, strerror(rc));
		return -1;
	}
	S.st_running = 1;
	return 0;
}

/*
 * Stop the status thread and wait for it: from then on the main thread
 * may open and close status listeners (a reload, the end).
 */
void
status_halt(void)
{
	if (!S.st_running)
		return;
	if (write(S.st_wake[1], "x", 1) != 1)
		log_warn("%s: waking the status thread", __func__);
	pthread_join(S.st_thread, NULL);
	S.st_running = 0;
}

/* After the status listeners are closed: everything goes. */
void
status_free(void)
{
	status_halt();
	if (S.st_wake_ev != NULL)
		event_free(S.st_wake_ev);
	if (S.st_tbase != NULL)
		event_base_free(S.st_tbase);
	if (S.st_wake[0] != -1)
		close(S.st_wake[0]);
	if (S.st_wake[1] != -1)
		close(S.st_wake[1]);
	memset(&S, 0, sizeof(S));
	S.st_wake[0] = S.st_wake[1] = -1;
	status_render_free();
	status_counts_free();
}

/*
 * A reload, with the status thread halted: the lines to show and the
 * header limit come from cf now (the store stays the one opened).
 */
void
status_set_config(const struct config *cf)
{
	S.st_max_headers = cf->cf_limits.lim_max_headers;	/* halted */
	status_render_set_config(cf);
}

static void
status_send(struct evhttp_request *req, int code, const char *reason,
    const char *type, struct evbuffer *b)
{
	struct evkeyvalq	*h = evhttp_request_get_output_headers(req);

	evhttp_add_header(h, "Content-Type", type);
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_send_reply(req, code, reason, b);
}

/* Sum of the request headers' sizes, as they came. */
static size_t
status_header_bytes(struct evhttp_request *req)
{
	struct evkeyvalq	*h = evhttp_request_get_input_headers(req);
	struct evkeyval		*kv;
	size_t			 n = 0;

	TAILQ_FOREACH(kv, h, next)
		n += strlen(kv->key) + strlen(kv->value) + 4;
	return n;
}

/* GET /healthz from the snapshot: the store, stopping, a stalled loop. */
static void
status_healthz(struct evhttp_request *req, const struct status_snap *sn,
    struct evbuffer *b)
{
	const char	*text = "text/plain; charset=utf-8";
	int64_t		 age = (clock_mono_usec() - sn->sn_at_us) / 1000000;

	if (sn->sn_stopping)
		evbuffer_add_printf(b, "shutting down\n");
	else if (sn->sn_why != NULL)
		evbuffer_add_printf(b, "%s\n", sn->sn_why);
	else if (age >= STATUS_STALL_S)
		evbuffer_add_printf(b, "the event loop has not run for %lld "
		    "s\n", (long long)age);
	else {
		evbuffer_add_printf(b, "ok\n");
		status_send(req, 200, "OK", text, b);
		return;
	}
	status_send(req, 503, "Service Unavailable", text, b);
}

static void
status_route(struct evhttp_request *req, const struct status_snap *sn,
    struct evbuffer *b)
{
	const char	*path = evhttp_request_get_uri(req);
	const char	*text = "text/plain; charset=utf-8";
	int		 m = evhttp_request_get_command(req);
	size_t		 plen = strcspn(path, "?");

	if (status_header_bytes(req) >
	    (size_t)S.st_max_headers) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Connection", "close");
		evbuffer_add_printf(b, "request headers too large\n");
		status_send(req, 431, "Request Header Fields Too Large", text,
		    b);
	} else if (m != EVHTTP_REQ_GET && m != EVHTTP_REQ_HEAD) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Allow", "GET, HEAD");
		evbuffer_add_printf(b, "only GET and HEAD\n");
		status_send(req, 405, "Method Not Allowed", text, b);
	} else if (plen == 8 && strncmp(path, "/healthz", 8) == 0)
		status_healthz(req, sn, b);
	else if (plen == 7 && strncmp(path, "/status", 7) == 0) {
		evbuffer_add(b, sn->sn_json, sn->sn_json_len);
		evbuffer_add(b, "\n", 1);
		status_send(req, 200, "OK", "application/json; charset=utf-8",
		    b);
	} else if (plen == 8 && strncmp(path, "/metrics", 8) == 0) {
		evbuffer_add(b, sn->sn_metrics, sn->sn_metrics_len);
		status_send(req, 200, "OK",
		    "text/plain; version=0.0.4; charset=utf-8", b);
	} else {
		evbuffer_add_printf(b, "not found: try /healthz, /status or "
		    "/metrics\n");
		status_send(req, 404, "Not Found", text, b);
	}
}

/* The evhttp callback of every status listener, in the status thread. */
void
status_handle(struct evhttp_request *req, void *arg)
{
	struct status_snap	*sn;
	struct evbuffer		*b;

	(void)arg;
	sn = status_snap_get();
	if (sn == NULL || (b = evbuffer_new()) == NULL) {
		evhttp_send_error(req, 503, NULL);
		status_snap_unref(sn);
		return;
	}
	status_route(req, sn, b);
	evbuffer_free(b);
	status_snap_unref(sn);
}
