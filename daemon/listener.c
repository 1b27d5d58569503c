/*
 * Listeners: one evhttp per configured address, "unix:PATH" or
 * "tcp:HOST:PORT". A Unix socket is created defensively (path length,
 * another instance still answering, only a stale socket unlinked, mode
 * set on purpose); every listener carries the HTTP limits.
 *
 * Under socket activation a listener adopts the socket the manager passed
 * under its name instead of binding: "api" or "status" for a kind's Unix
 * address, "api-tcp" or "status-tcp" for its TCP one (listener_fdname;
 * the sockets' side is listener_sock.c).
 *
 * evhttp accepts; every connection it takes gets its bufferevent from
 * here (listener_bevcb, listener_make_bev), which is how the listener
 * learns of it (libevent 2.1 has no accept hook on evhttp): at the end of
 * the accept the connection is counted per peer, or answered 503 and
 * closed when over the limits, before a byte of it is read. Its input
 * then tells when a request starts, and a timer runs: a connection
 * waiting for a request is closed after idle_timeout_s, one whose request
 * has not arrived whole within request_timeout_s of its first byte too (a
 * client dribbling a byte at a time resets evhttp's own read timeout at
 * every byte).
 *
 * A TCP listener may speak TLS (listener_set_tls): listener_make_bev then
 * makes each connection's bufferevent an OpenSSL one, from the listener's
 * current context. A reload hands a kept listener
 * the new context; connections already open keep the one they began with.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <openssl/ssl.h>

#include "listener_int.h"

static long
listener_status_headers(const struct limits *lim)
{
	long	 cap = 1024 * 1024;

	return lim->lim_max_headers > cap / 16 ? cap : lim->lim_max_headers * 16;
}

static struct conn *
listener_conn_find(struct listener *l, struct evhttp_connection *evcon)
{
	size_t	 i;

	for (i = 0; evcon != NULL && i < l->l_nconns; i++)
		if (l->l_conns[i]->c_evcon == evcon)
			return l->l_conns[i];
	return NULL;
}

/* Forget c: its peer's count, the open connections of status. */
static void
listener_conn_free(struct conn *c)
{
	struct listener	*l = c->c_l;
	size_t		 i;

	for (i = 0; i < l->l_nconns; i++)
		if (l->l_conns[i] == c) {
			l->l_conns[i] = l->l_conns[--l->l_nconns];
			break;
		}
	limit_conn_close(l->l_tab, c->c_peer);
	status_conn(l->l_kind, -1);
	if (c->c_timer != NULL)
		event_free(c->c_timer);
	free(c);
}

/*
 * Wait in state s: a request to start (idle) or to arrive whole. Only an
 * idle connection watches its input: the watch costs a call for every
 * read and every line evhttp takes out of the buffer.
 */
static void
listener_conn_wait(struct conn *c, enum conn_state s)
{
	struct evbuffer	*in = bufferevent_get_input(c->c_bev);
	struct timeval	 tv;

	c->c_state = s;
	if (s == CONN_IDLE)
		evbuffer_cb_set_flags(in, c->c_incb, EVBUFFER_CB_ENABLED);
	else
		evbuffer_cb_clear_flags(in, c->c_incb, EVBUFFER_CB_ENABLED);
	tv.tv_sec = s == CONN_IDLE ? c->c_l->l_lim.lim_idle_timeout_s :
	    c->c_l->l_lim.lim_request_timeout_s;
	tv.tv_usec = 0;
	evtimer_add(c->c_timer, &tv);
}

/* Idle too long, or a request too slow to arrive: close. */
static void
listener_conn_timeout(evutil_socket_t fd, short events, void *arg)
{
	struct conn	*c = arg;

	(void)fd;
	(void)events;
	if (c->c_state == CONN_BUSY)
		return;
	if (c->c_state == CONN_READING)
		log_info("%s: closing a connection from %s: its request did "
		    "not arrive within limits.request_timeout_s (%ld s)",
		    c->c_l->l_name, c->c_peer,
		    c->c_l->l_lim.lim_request_timeout_s);
	else
		log_debug("%s: closing an idle connection from %s",
		    c->c_l->l_name, c->c_peer);
	evhttp_connection_free(c->c_evcon);	/* closecb frees c */
}

/* Bytes came in: on an idle connection, a request has started. */
static void
listener_conn_input(struct evbuffer *buf, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct conn	*c = arg;

	(void)buf;
	if (info->n_added > 0 && c->c_state == CONN_IDLE)
		listener_conn_wait(c, CONN_READING);
}

static void
listener_conn_closed(struct evhttp_connection *evcon, void *arg)
{
	struct conn	*c = arg;
	struct bufferevent *bev = evhttp_connection_get_bufferevent(evcon);

	if (c->c_closecb != NULL)
		c->c_closecb(evcon, c->c_closearg);
	if (bev != NULL && c->c_incb != NULL)
		evbuffer_remove_cb_entry(bufferevent_get_input(bev), c->c_incb);
	listener_conn_free(c);
}

/*
 * The bufferevent of a connection evhttp takes: an OpenSSL one from the
 * listener's current context on a TLS listener (never NULL: evhttp would
 * then speak plain HTTP on the TLS port), else a plain socket one. evhttp
 * sets the fd.
 */
static struct bufferevent *
listener_make_bev(struct listener *l, struct event_base *base)
{
	if (l->l_tls != NULL)
		return tls_bufferevent(base, l->l_tls);
	return bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
}

/* Make room for one more in *v (n used, *cap allocated). */
static int
listener_grow(struct conn ***v, size_t n, size_t *cap)
{
	struct conn	**nv;
	size_t		  ncap;

	if (n < *cap)
		return 0;
	ncap = *cap == 0 ? 16 : *cap * 2;
	if ((nv = reallocarray(*v, ncap, sizeof(*nv))) == NULL)
		return -1;
	*v = nv;
	*cap = ncap;
	return 0;
}

/*
 * evhttp wants a bufferevent for a connection it has just accepted (it
 * sets the fd afterwards): keep it to count the connection at the end of
 * the accept, in listener_accepted. When memory is short the connection
 * is served uncounted (a plain one by evhttp's own bufferevent, a TLS one
 * by ours).
 */
static struct bufferevent *
listener_bevcb(struct event_base *base, void *arg)
{
	struct listener		*l = arg;
	struct conn		*c;
	struct bufferevent	*bev;

	if ((bev = listener_make_bev(l, base)) == NULL)
		return NULL;
	if (listener_grow(&l->l_new, l->l_nnew, &l->l_capnew) == -1 ||
	    (c = calloc(1, sizeof(*c))) == NULL)
		return bev;
	c->c_bev = bev;
	c->c_l = l;
	l->l_new[l->l_nnew++] = c;
	event_active(l->l_accepted, EV_TIMEOUT, 1);
	return c->c_bev;
}

/* Log refused connections: the first, then a count at most a minute. */
static void
listener_refused(struct listener *l, const char *peer, int why)
{
	int64_t	 now = clock_mono_usec() / 1000000;

	l->l_refused++;
	if (l->l_refused_at != 0 && now - l->l_refused_at <
	    LISTENER_REFUSED_LOG_S)
		return;
	log_warnx("%s: refused %llu connection%s, the last from %s: "
	    "limits.%s (%ld) reached", l->l_name,
	    (unsigned long long)l->l_refused, l->l_refused == 1 ? "" : "s",
	    peer, why == LIMIT_PEER ? "max_connections_per_peer" :
	    "max_connections", why == LIMIT_PEER ?
	    l->l_lim.lim_max_conns_peer : l->l_lim.lim_max_conns);
	l->l_refused = 0;
	l->l_refused_at = now;
}

/*
 * Turn a connection away: 503 with Retry-After, written at once (the
 * socket buffer takes it); the caller closes it. What the client sent
 * already is read first, so that closing does not reset the connection
 * before the client can read the answer.
 */
static void
listener_refuse(struct listener *l, int fd, const char *peer, int why)
{
	char		 body[256], msg[512], junk[4096];
	int		 n, i;

	if (l->l_tls != NULL) {		/* no plain answer on a TLS port */
		shutdown(fd, SHUT_RDWR);
		listener_refused(l, peer, why);
		return;
	}
	snprintf(body, sizeof(body), "{\"error\":\"too_many_connections\","
	    "\"field\":\"%s\",\"message\":\"too many connections%s; "
	    "retry shortly\"}\n", why == LIMIT_PEER ?
	    "max_connections_per_peer" : "max_connections",
	    why == LIMIT_PEER ? " from this address" : "");
	n = snprintf(msg, sizeof(msg), "HTTP/1.1 503 Service Unavailable\r\n"
	    "Content-Type: application/json; charset=utf-8\r\n"
	    "Retry-After: 1\r\nConnection: close\r\n"
	    "Content-Length: %zu\r\n\r\n%s", strlen(body), body);
	for (i = 0; i < 4 && recv(fd, junk, sizeof(junk), MSG_DONTWAIT) > 0;
	    i++)
		;
	if (send(fd, msg, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL) == -1)
		log_debug("%s: refusing %s: %s", l->l_name, peer,
		    strerror(errno));
	shutdown(fd, SHUT_WR);
	listener_refused(l, peer, why);
}

/* Track c, counted: closecb, input watch, idle timer. */
static int
listener_conn_add(struct listener *l, struct conn *c)
{
	if (listener_grow(&l->l_conns, l->l_nconns, &l->l_capconns) == -1 ||
	    (c->c_timer = evtimer_new(l->l_base, listener_conn_timeout,
	    c)) == NULL || (c->c_incb = evbuffer_add_cb(bufferevent_get_input(
	    c->c_bev), listener_conn_input, c)) == NULL)
		return -1;
	l->l_conns[l->l_nconns++] = c;
	evhttp_connection_set_closecb(c->c_evcon, listener_conn_closed, c);
	status_conn(l->l_kind, 1);
	listener_conn_wait(c, CONN_IDLE);
	return 0;
}

/*
 * A connection evhttp accepted: counted, or refused over the limits.
 * evhttp gives no handle on the connection it made, but the bufferevent
 * it asked for carries it as its callbacks' argument.
 */
static void
listener_count(struct listener *l, struct conn *c)
{
	void	*evcon = NULL;
	int	 fd, rc;

	bufferevent_getcb(c->c_bev, NULL, NULL, NULL, &evcon);
	if ((c->c_evcon = evcon) == NULL) {
		free(c);	/* evhttp dropped it at once */
		return;
	}
	fd = bufferevent_getfd(c->c_bev);
	if (fd == -1 || limit_peer(fd, c->c_peer, sizeof(c->c_peer)) == -1)
		snprintf(c->c_peer, sizeof(c->c_peer), "unknown peer");
	if ((rc = limit_conn_open(l->l_tab, c->c_peer, l->l_lim.lim_max_conns,
	    l->l_lim.lim_max_conns_peer)) != LIMIT_OK) {
		if (fd != -1)
			listener_refuse(l, fd, c->c_peer, rc);
		evhttp_connection_free(c->c_evcon);
		free(c);
		return;
	}
	if (fd != -1 && !l->l_unix)
		listener_nodelay(fd);
	if (listener_conn_add(l, c) == -1) {
		log_warnx("%s: out of memory for a connection from %s",
		    l->l_name, c->c_peer);
		limit_conn_close(l->l_tab, c->c_peer);
		if (c->c_timer != NULL)
			event_free(c->c_timer);
		evhttp_connection_free(c->c_evcon);
		free(c);
	}
}

/* The end of an accept: count what evhttp took. */
static void
listener_accepted(evutil_socket_t fd, short events, void *arg)
{
	struct listener	*l = arg;
	size_t		 i, n = l->l_nnew;

	(void)fd;
	(void)events;
	l->l_nnew = 0;
	for (i = 0; i < n; i++)
		listener_count(l, l->l_new[i]);
}

/*
 * Put an evhttp on addr: the inherited socket named for it, or one bound
 * here. NULL with *cause (caller frees).
 */
struct listener *
listener_open(struct event_base *base, const char *addr,
    enum listener_kind kind, mode_t mode, const struct limits *lim,
    char **cause)
{
	struct listener	*l;
	int		 fd;

	if ((l = calloc(1, sizeof(*l))) == NULL ||
	    (l->l_name = strdup(addr)) == NULL) {
		asprintf(cause, "%s: out of memory", addr);
		free(l);
		return NULL;
	}
	l->l_kind = kind;
	l->l_unix = strncmp(addr, "unix:", 5) == 0;
	if (!l->l_unix && strncmp(addr, "tcp:", 4) != 0) {
		asprintf(cause, "%s: expected unix:PATH or tcp:HOST:PORT",
		    addr);
		fd = -1;
	} else if ((fd = listener_adopt(l, addr, cause)) != -2)
		;	/* adopted, or a bad inherited socket */
	else if (l->l_unix)
		fd = listener_unix(l, addr + 5, mode, cause);
	else
		fd = listener_tcp(addr + 4, cause);
	if (fd == -1 || (l->l_http = evhttp_new(base)) == NULL) {
		if (fd != -1) {
			asprintf(cause, "%s: evhttp_new failed", addr);
			close(fd);
		}
		listener_close(l);
		return NULL;
	}
	l->l_base = base;
	if ((l->l_tab = limit_tab_new(SIZE_MAX)) == NULL ||
	    (l->l_accepted = event_new(base, -1, 0, listener_accepted,
	    l)) == NULL ||
	    (l->l_bound = evhttp_accept_socket_with_handle(l->l_http,
	    fd)) == NULL) {
		asprintf(cause, "%s: cannot accept", addr);
		close(fd);
		listener_close(l);
		return NULL;
	}
	evhttp_set_bevcb(l->l_http, listener_bevcb, l);
	listener_set_limits(l, lim);
	/* Every method reaches the handler, which answers 405 itself. */
	evhttp_set_allowed_methods(l->l_http, EVHTTP_REQ_GET |
	    EVHTTP_REQ_POST | EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT |
	    EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE |
	    EVHTTP_REQ_CONNECT | EVHTTP_REQ_PATCH);
	return l;
}

/*
 * The limits of l, at open and again at a reload (a listener kept across
 * it takes the new values; connections already open keep evhttp's old
 * sizes and timeout).
 */
void
listener_set_limits(struct listener *l, const struct limits *lim)
{
	l->l_lim = *lim;
	if (l->l_kind == LISTENER_STATUS) {
		if (l->l_lim.lim_max_conns > LISTENER_STATUS_CONNS)
			l->l_lim.lim_max_conns = LISTENER_STATUS_CONNS;
		if (l->l_lim.lim_max_conns_peer > LISTENER_STATUS_PEER)
			l->l_lim.lim_max_conns_peer = LISTENER_STATUS_PEER;
	}
	/*
	 * evhttp answers headers over its limit with a bare 400. A status
	 * listener lets up to 16 times the limit through so that its handler
	 * can answer 431 as HTTP says; beyond that evhttp's 400 stands.
	 */
	evhttp_set_max_headers_size(l->l_http, (ev_ssize_t)(l->l_kind ==
	    LISTENER_STATUS ? listener_status_headers(lim) :
	    lim->lim_max_headers));
	evhttp_set_max_body_size(l->l_http, (ev_ssize_t)lim->lim_max_body);
	evhttp_set_timeout(l->l_http, (int)lim->lim_timeout_s);
}

/* Stop accepting new connections; those open go on being served. */
void
listener_stop(struct listener *l)
{
	if (l->l_bound != NULL) {
		evhttp_del_accept_socket(l->l_http, l->l_bound);
		l->l_bound = NULL;
	}
	if (l->l_path != NULL) {
		unlink(l->l_path);
		free(l->l_path);
		l->l_path = NULL;
	}
}

void
listener_close(struct listener *l)
{
	if (l == NULL)
		return;
	if (l->l_accepted != NULL)
		event_free(l->l_accepted);
	if (l->l_http != NULL) {
		listener_stop(l);
		evhttp_free(l->l_http);	/* closes its connections */
	}
	while (l->l_nconns > 0)		/* none, unless evhttp kept one */
		listener_conn_free(l->l_conns[0]);
	while (l->l_nnew > 0)		/* their bufferevents went with it */
		free(l->l_new[--l->l_nnew]);
	free(l->l_conns);
	free(l->l_new);
	limit_tab_free(l->l_tab);
	if (l->l_path != NULL)
		unlink(l->l_path);
	if (l->l_inherited != NULL)
		l->l_inherited->nf_used = 0;
	SSL_CTX_free(l->l_tls);
	free(l->l_path);
	free(l->l_name);
	free(l);
}

/* An answer went out: count it by listener and status code. */
static void
listener_done(struct evhttp_request *req, void *arg)
{
	struct listener	*l = arg;
	struct conn	*c;

	status_request(l->l_kind, l->l_name,
	    evhttp_request_get_response_code(req));
	/* Bytes already in: the next request has started. */
	if ((c = listener_conn_find(l, evhttp_request_get_connection(req))) !=
	    NULL)
		listener_conn_wait(c, evbuffer_get_length(
		    bufferevent_get_input(c->c_bev)) > 0 ? CONN_READING :
		    CONN_IDLE);
}

/* A request arrived whole: its handler gets it, no timer runs meanwhile. */
static void
listener_request(struct evhttp_request *req, void *arg)
{
	struct listener	*l = arg;
	struct conn	*c;

	if ((c = listener_conn_find(l, evhttp_request_get_connection(req))) !=
	    NULL) {
		c->c_state = CONN_BUSY;
		evtimer_del(c->c_timer);
		evbuffer_cb_clear_flags(bufferevent_get_input(c->c_bev),
		    c->c_incb, EVBUFFER_CB_ENABLED);
	}
	evhttp_request_set_on_complete_cb(req, listener_done, l);
	l->l_cb(req, l);
}

/*
 * A handler that must hear of evcon closing (an export streaming to it)
 * asks here: the listener holds evhttp's one close callback of the
 * connection for its own counts. cb NULL: no longer.
 */
void
listener_set_closecb(struct listener *l, struct evhttp_connection *evcon,
    void (*cb)(struct evhttp_connection *, void *), void *arg)
{
	struct conn	*c;

	if ((c = listener_conn_find(l, evcon)) == NULL) {
		/* Not counted (memory was short): evhttp's is free. */
		evhttp_connection_set_closecb(evcon, cb, arg);
		return;
	}
	c->c_closecb = cb;
	c->c_closearg = arg;
}

/* Requests on l go to cb, which gets l; listener_arg(l) gives arg. */
void
listener_set_handler(struct listener *l,
    void (*cb)(struct evhttp_request *, void *), void *arg)
{
	l->l_arg = arg;
	l->l_cb = cb;
	evhttp_set_gencb(l->l_http, listener_request, l);
}

void *
listener_arg(const struct listener *l)
{
	return l->l_arg;
}

int
listener_is_unix(const struct listener *l)
{
	return l->l_unix;
}

const char *
listener_name(const struct listener *l)
{
	return l->l_name;
}

int
listener_is_inherited(const struct listener *l)
{
	return l->l_inherited != NULL;
}

/*
 * Serve l over TLS with ctx (a reference is taken), or plain HTTP when
 * ctx is NULL. Only between turns of l's loop: a reload, or before it runs.
 */
void
listener_set_tls(struct listener *l, struct ssl_ctx_st *ctx)
{
	if (ctx != NULL)
		SSL_CTX_up_ref(ctx);
	SSL_CTX_free(l->l_tls);
	l->l_tls = ctx;		/* listener_make_bev reads it */
}

int
listener_is_tls(const struct listener *l)
{
	return l->l_tls != NULL;
}
