/*
 * Where a listener's socket comes from: a Unix socket made defensively
 * (path length, another instance still answering, only a stale socket
 * unlinked, its mode set on purpose), a bound TCP socket, or, under
 * socket activation, the socket the service manager passed under the
 * listener's name (listener_fdname). The inherited sockets stay open here
 * for the life of the process and a listener gets a duplicate, so a
 * reload can drop and adopt them again.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "listener_int.h"

#define LISTENER_BACKLOG	512

/* The sockets the service manager passed (LISTEN_FDS), by name. */
static struct notify_fd	*inherited;
static size_t		 ninherited;

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

int
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

int
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

/*
 * Send each answer's last segment at once: an answer larger than one
 * segment would otherwise wait, under Nagle's algorithm, for the ACK the
 * client delays (40 ms on Linux). Nothing to do, and no failure, on a
 * socket that is not TCP.
 */
void
listener_nodelay(int fd)
{
	int	 on = 1;

	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
}

/*
 * Take the sockets a service manager passed to this process and keep
 * them by name. 0, or -1 with *cause (caller frees) when the environment
 * is malformed.
 */
int
listener_inherit(char **cause)
{
	size_t	 i;

	if (notify_fds_parse(getenv("LISTEN_PID"), getenv("LISTEN_FDS"),
	    getenv("LISTEN_FDNAMES"), getpid(), &inherited, &ninherited,
	    cause) == -1)
		return -1;
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	for (i = 0; i < ninherited; i++) {
		if (fcntl(inherited[i].nf_fd, F_SETFD, FD_CLOEXEC) == -1) {
			asprintf(cause, "inherited socket %d (%s): %s",
			    inherited[i].nf_fd, inherited[i].nf_name,
			    strerror(errno));
			return -1;
		}
		log_debug("inherited socket %d: %s", inherited[i].nf_fd,
		    inherited[i].nf_name);
	}
	return 0;
}

/* Say which inherited sockets no listener took: a unit and a config
 * that do not agree. */
void
listener_inherit_report(void)
{
	size_t	 i;

	for (i = 0; i < ninherited; i++)
		if (!inherited[i].nf_used)
			log_warnx("inherited socket \"%s\" (fd %d) matches no "
			    "listen address in the config; it is not served",
			    inherited[i].nf_name, inherited[i].nf_fd);
}

void
listener_inherit_free(void)
{
	size_t	 i;

	for (i = 0; i < ninherited; i++)
		close(inherited[i].nf_fd);
	notify_fds_free(inherited, ninherited);
	inherited = NULL;
	ninherited = 0;
}

/* The socket name (FileDescriptorName=) a listen address answers to. */
const char *
listener_fdname(enum listener_kind kind, const char *addr)
{
	int	 tcp = strncmp(addr, "tcp:", 4) == 0;

	if (kind == LISTENER_STATUS)
		return tcp ? "status-tcp" : "status";
	return tcp ? "api-tcp" : "api";
}

/* Do two paths name the same file (a relative config path and the
 * absolute one a unit binds)? */
static int
listener_same_file(const char *a, const char *b)
{
	struct stat	 sa, sb;

	if (strcmp(a, b) == 0)
		return 1;
	return stat(a, &sa) == 0 && stat(b, &sb) == 0 &&
	    sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/*
 * Adopt the inherited socket named for addr, if one is free: a
 * non-blocking duplicate, checked to be a listening stream socket of the
 * address's family. The fd, -2 when there is none to adopt, -1 with
 * *cause.
 */
int
listener_adopt(struct listener *l, const char *addr, char **cause)
{
	struct notify_fd	*nf = NULL;
	struct sockaddr_un	 sun;
	socklen_t		 len;
	const char		*name = listener_fdname(l->l_kind, addr);
	int			 fd, type = 0, acc = 0, dom = 0;
	size_t			 i;

	for (i = 0; i < ninherited && nf == NULL; i++)
		if (!inherited[i].nf_used &&
		    strcmp(inherited[i].nf_name, name) == 0)
			nf = &inherited[i];
	if (nf == NULL)
		return -2;
	len = sizeof(type);
	getsockopt(nf->nf_fd, SOL_SOCKET, SO_TYPE, &type, &len);
	len = sizeof(acc);
	getsockopt(nf->nf_fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &len);
	len = sizeof(dom);
	getsockopt(nf->nf_fd, SOL_SOCKET, SO_DOMAIN, &dom, &len);
	if (type != SOCK_STREAM || !acc || (l->l_unix ? dom != AF_UNIX :
	    dom != AF_INET && dom != AF_INET6)) {
		asprintf(cause, "%s: the inherited socket \"%s\" is not a "
		    "listening %s stream socket", addr, name,
		    l->l_unix ? "Unix" : "TCP");
		return -1;
	}
	len = sizeof(sun);
	memset(&sun, 0, sizeof(sun));
	if (l->l_unix && getsockname(nf->nf_fd, (struct sockaddr *)&sun,
	    &len) == 0 && sun.sun_path[0] != '\0' &&
	    !listener_same_file(addr + 5, sun.sun_path))
		log_warnx("%s: the inherited socket \"%s\" is at %s; serving "
		    "it there", addr, name, sun.sun_path);
	/* Inherited sockets arrive blocking: evhttp would hang on one. */
	if ((fd = fcntl(nf->nf_fd, F_DUPFD_CLOEXEC, 3)) == -1 ||
	    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == -1) {
		asprintf(cause, "%s: inherited socket \"%s\": %s", addr, name,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	nf->nf_used = 1;
	l->l_inherited = nf;
	log_info("%s: serving the inherited socket \"%s\"", addr, name);
	return fd;
}
