/*
 * Listeners: one evhttp per configured address, "unix:PATH" or
 * "tcp:HOST:PORT". A Unix socket is created defensively (path length,
 * another instance still answering, only a stale socket unlinked, mode
 * set on purpose); every listener carries the HTTP limits.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/http.h>

#include "hotlined.h"

#define LISTENER_BACKLOG	512

struct listener {
	char			*l_name;	/* the configured address */
	enum listener_kind	 l_kind;
	int			 l_unix;
	char			*l_path;	/* Unix: unlinked at close */
	struct evhttp		*l_http;
	struct evhttp_bound_socket *l_bound;
	void			*l_arg;
	void			(*l_cb)(struct evhttp_request *, void *);
	struct evhttp_connection **l_conns;	/* seen, still open */
	size_t			 l_nconns;
	size_t			 l_capconns;
};

/* Refuse a path in use by a live daemon; remove a stale socket. */
static int
listener_unix_clear(const struct sockaddr_un *sun, char **cause)
{
	struct stat	 sb;
	int		 fd, rc;

	if (lstat(sun->sun_path, &sb) == -1)
		return errno == ENOENT ? 0 : (asprintf(cause, "%s: %s",
		    sun->sun_path, strerror(errno)), -1);
	if (!S_ISSOCK(sb.st_mode)) {
		asprintf(cause, "%s: exists and is not a socket",
		    sun->sun_path);
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		asprintf(cause, "socket: %s", strerror(errno));
		return -1;
	}
	rc = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	close(fd);
	if (rc == 0) {
		asprintf(cause, "%s: another hotlined is listening there",
		    sun->sun_path);
		return -1;
	}
	if (unlink(sun->sun_path) == -1 && errno != ENOENT) {
		asprintf(cause, "%s: removing a stale socket: %s",
		    sun->sun_path, strerror(errno));
		return -1;
	}
	return 0;
}

static int
listener_unix(struct listener *l, const char *path, mode_t mode,
    char **cause)
{
	struct sockaddr_un	 sun;
	mode_t			 old;
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		asprintf(cause, "%s: socket path too long (at most %zu bytes)",
		    path, sizeof(sun.sun_path) - 1);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if (listener_unix_clear(&sun, cause) == -1)
		return -1;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		asprintf(cause, "socket: %s", strerror(errno));
		return -1;
	}
	/* Never let the socket exist with a wider mode than asked for. */
	old = umask(0177);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		asprintf(cause, "%s: bind: %s", path, strerror(errno));
		umask(old);
		close(fd);
		return -1;
	}
	umask(old);
	if (chmod(path, mode) == -1 || listen(fd, LISTENER_BACKLOG) == -1) {
		asprintf(cause, "%s: %s", path, strerror(errno));
		unlink(path);
		close(fd);
		return -1;
	}
	if ((l->l_path = strdup(path)) == NULL) {
		unlink(path);
		close(fd);
		return -1;
	}
	return fd;
}

/* Split "HOST:PORT" or "[V6]:PORT" into host and port (in buf). */
static int
listener_split(const char *a, char *buf, size_t len, char **host,
    char **port)
{
	char	*p;

	if (strlen(a) >= len)
		return -1;
	memcpy(buf, a, strlen(a) + 1);
	if (buf[0] == '[') {
		if ((p = strchr(buf, ']')) == NULL || p[1] != ':')
			return -1;
		*p = '\0';
		*host = buf + 1;
		*port = p + 2;
	} else {
		if ((p = strrchr(buf, ':')) == NULL)
			return -1;
		*p = '\0';
		*host = buf;
		*port = p + 1;
	}
	return **port == '\0' ? -1 : 0;
}

static int
listener_tcp(const char *addr, char **cause)
{
	struct addrinfo	 hints, *res;
	char		 buf[300], *host, *port;
	int		 fd, on = 1, rc;

	if (listener_split(addr, buf, sizeof(buf), &host, &port) == -1) {
		asprintf(cause, "%s: expected HOST:PORT", addr);
		return -1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(*host != '\0' ? host : NULL, port, &hints,
	    &res)) != 0) {
		asprintf(cause, "%s: %s", addr, gai_strerror(rc));
		return -1;
	}
	fd = socket(res->ai_family, res->ai_socktype | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, res->ai_protocol);
	if (fd == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1 ||
	    bind(fd, res->ai_addr, res->ai_addrlen) == -1 ||
	    listen(fd, LISTENER_BACKLOG) == -1) {
		asprintf(cause, "%s: %s", addr, strerror(errno));
		if (fd != -1)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

static long
listener_status_headers(const struct limits *lim)
{
	long	 cap = 1024 * 1024;

	return lim->lim_max_headers > cap / 16 ? cap : lim->lim_max_headers * 16;
}

/* Bind addr and put an evhttp on it; NULL with *cause (caller frees). */
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
	if (strncmp(addr, "unix:", 5) == 0) {
		l->l_unix = 1;
		fd = listener_unix(l, addr + 5, mode, cause);
	} else if (strncmp(addr, "tcp:", 4) == 0)
		fd = listener_tcp(addr + 4, cause);
	else {
		asprintf(cause, "%s: expected unix:PATH or tcp:HOST:PORT",
		    addr);
		fd = -1;
	}
	if (fd == -1 || (l->l_http = evhttp_new(base)) == NULL) {
		if (fd != -1) {
			asprintf(cause, "%s: evhttp_new failed", addr);
			close(fd);
		}
		listener_close(l);
		return NULL;
	}
	if ((l->l_bound = evhttp_accept_socket_with_handle(l->l_http,
	    fd)) == NULL) {
		asprintf(cause, "%s: cannot accept", addr);
		close(fd);
		listener_close(l);
		return NULL;
	}
	/*
	 * evhttp answers headers over its limit with a bare 400. A status
	 * listener lets up to 16 times the limit through so that its handler
	 * can answer 431 as HTTP says; beyond that evhttp's 400 stands.
	 */
	evhttp_set_max_headers_size(l->l_http, (ev_ssize_t)(kind ==
	    LISTENER_STATUS ? listener_status_headers(lim) :
	    lim->lim_max_headers));
	evhttp_set_max_body_size(l->l_http, (ev_ssize_t)lim->lim_max_body);
	evhttp_set_timeout(l->l_http, (int)lim->lim_timeout_s);
	/* Every method reaches the handler, which answers 405 itself. */
	evhttp_set_allowed_methods(l->l_http, EVHTTP_REQ_GET |
	    EVHTTP_REQ_POST | EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT |
	    EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE |
	    EVHTTP_REQ_CONNECT | EVHTTP_REQ_PATCH);
	return l;
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
	if (l->l_http != NULL) {
		listener_stop(l);
		evhttp_free(l->l_http);	/* closes its connections */
	}
	free(l->l_conns);
	if (l->l_path != NULL)
		unlink(l->l_path);
	free(l->l_path);
	free(l->l_name);
	free(l);
}

/* A connection of l closed: forget it. */
static void
listener_conn_closed(struct evhttp_connection *evcon, void *arg)
{
	struct listener	*l = arg;
	size_t		 i;

	for (i = 0; i < l->l_nconns; i++)
		if (l->l_conns[i] == evcon) {
			l->l_conns[i] = l->l_conns[--l->l_nconns];
			status_conn(l->l_kind, -1);
			return;
		}
}

/*
 * Count the connection of req once (evhttp tells of a connection only
 * through its requests, so one that never sent a request is not counted).
 */
static void
listener_conn_seen(struct listener *l, struct evhttp_request *req)
{
	struct evhttp_connection	 *evcon, **v;
	size_t				  i, cap;

	if ((evcon = evhttp_request_get_connection(req)) == NULL)
		return;
	for (i = 0; i < l->l_nconns; i++)
		if (l->l_conns[i] == evcon)
			return;
	if (l->l_nconns == l->l_capconns) {
		cap = l->l_capconns == 0 ? 16 : l->l_capconns * 2;
		if ((v = reallocarray(l->l_conns, cap, sizeof(*v))) == NULL)
			return;
		l->l_conns = v;
		l->l_capconns = cap;
	}
	l->l_conns[l->l_nconns++] = evcon;
	evhttp_connection_set_closecb(evcon, listener_conn_closed, l);
	status_conn(l->l_kind, 1);
}

/* An answer went out: count it by listener and status code. */
static void
listener_done(struct evhttp_request *req, void *arg)
{
	struct listener	*l = arg;

	status_request(l->l_kind, l->l_name,
	    evhttp_request_get_response_code(req));
}

static void
listener_request(struct evhttp_request *req, void *arg)
{
	struct listener	*l = arg;

	listener_conn_seen(l, req);
	evhttp_request_set_on_complete_cb(req, listener_done, l);
	l->l_cb(req, l);
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
