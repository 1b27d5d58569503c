/*
 * The service manager's side: readiness, status, reload, stop and
 * watchdog messages on $NOTIFY_SOCKET, and the names of the sockets it
 * passes in $LISTEN_FDS / $LISTEN_FDNAMES.
 *
 * Both are systemd's documented, stable protocols (sd_notify(3),
 * sd_listen_fds(3)): one datagram of "KEY=VALUE" lines to an AF_UNIX
 * socket, and fds from 3 up named by a colon-separated list. They are
 * spoken here directly rather than through libsystemd, which would bring
 * its compression and crypto libraries into a sandboxed daemon for
 * about a hundred lines of code.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hotlined.h"

#define NOTIFY_FDS_START	3	/* SD_LISTEN_FDS_START */
#define NOTIFY_FDS_MAX		64	/* more is a broken environment */

static struct {
	int			 n_fd;		/* -1: not under a manager */
	struct sockaddr_un	 n_sun;
	socklen_t		 n_sunlen;
	uint64_t		 n_watchdog_usec;	/* 0: no watchdog */
	char			 n_status[256];	/* the last STATUS= sent */
} notify = { .n_fd = -1 };

/*
 * Parse a decimal number that must fill s and lie in [0, max]; -1 when
 * s is not one.
 */
static int
notify_number(const char *s, uint64_t max, uint64_t *out)
{
	char			*end;
	unsigned long long	 v;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > max)
		return -1;
	*out = v;
	return 0;
}

/*
 * Read $NOTIFY_SOCKET and $WATCHDOG_USEC (for this pid only). Without
 * $NOTIFY_SOCKET every notify_* call does nothing. 0, or -1 with *cause
 * (caller frees) when the environment is unusable.
 */
int
notify_init(char **cause)
{
	const char	*path, *wd, *wdpid;
	uint64_t	 v, pid;
	size_t		 len;

	*cause = NULL;
	notify_close();
	notify.n_watchdog_usec = 0;
	notify.n_status[0] = '\0';
	if ((wd = getenv("WATCHDOG_USEC")) != NULL) {
		wdpid = getenv("WATCHDOG_PID");
		if (notify_number(wd, UINT64_MAX, &v) == -1 || v == 0) {
			asprintf(cause, "WATCHDOG_USEC=%s is not a positive "
			    "number", wd);
			return -1;
		}
		if (wdpid == NULL || (notify_number(wdpid, INT32_MAX,
		    &pid) == 0 && (pid_t)pid == getpid()))
			notify.n_watchdog_usec = v;
	}
	if ((path = getenv("NOTIFY_SOCKET")) == NULL || *path == '\0')
		return 0;
	if ((path[0] != '/' && path[0] != '@') ||
	    (len = strlen(path)) >= sizeof(notify.n_sun.sun_path)) {
		asprintf(cause, "NOTIFY_SOCKET=%s: not an absolute path or "
		    "@abstract name that fits a socket address", path);
		return -1;
	}
	memset(&notify.n_sun, 0, sizeof(notify.n_sun));
	notify.n_sun.sun_family = AF_UNIX;
	memcpy(notify.n_sun.sun_path, path, len);
	/* An abstract name starts with a NUL and has no terminating one. */
	if (path[0] == '@')
		notify.n_sun.sun_path[0] = '\0';
	notify.n_sunlen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
	    len + (path[0] == '@' ? 0 : 1));
	notify.n_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0);
	if (notify.n_fd == -1) {
		asprintf(cause, "notify socket: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* 1 when a service manager listens for our messages. */
int
notify_enabled(void)
{
	return notify.n_fd != -1;
}

/* The watchdog interval the manager asked for, in microseconds; 0: none. */
uint64_t
notify_watchdog_usec(void)
{
	return notify.n_watchdog_usec;
}

/*
 * Send one datagram. Non-blocking: a manager that does not read must not
 * stall the event loop; a lost message is logged.
 */
static int
notify_send(const char *msg)
{
	ssize_t	 n;

	if (notify.n_fd == -1)
		return 0;
	n = sendto(notify.n_fd, msg, strlen(msg), MSG_NOSIGNAL,
	    (struct sockaddr *)&notify.n_sun, notify.n_sunlen);
	if (n == -1) {
		log_warn("%s: sending \"%.20s\"", __func__, msg);
		return -1;
	}
	return 0;
}

/*
 * Long work before READY=1 (a store's upgrade, rollups built from every
 * call): the service manager's start timeout is moved NOTIFY_EXTEND_S
 * on from now, and the status says why.
 */
void
notify_extend(const char *why)
{
	char	 msg[200];

	snprintf(msg, sizeof(msg), "EXTEND_TIMEOUT_USEC=%llu\nSTATUS=%s",
	    (unsigned long long)NOTIFY_EXTEND_S * 1000000ULL, why);
	notify_send(msg);
}

/* The store is open and every listener accepts. */
void
notify_ready(void)
{
	notify_send("READY=1");
}

/* A reload begins; notify_ready() ends it, whether it worked or not. */
void
notify_reloading(void)
{
	char		 msg[80];

	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%" PRIu64,
	    (uint64_t)clock_mono_usec());
	notify_send(msg);
}

void
notify_stopping(void)
{
	notify_send("STOPPING=1\nSTATUS=stopping: committing what is in "
	    "flight");
}

/* The loop is alive: sent from a timer in the loop itself. */
void
notify_watchdog(void)
{
	if (notify.n_watchdog_usec != 0)
		notify_send("WATCHDOG=1");
}

/*
 * The one-line status: calls logged today and follow-ups waiting in the
 * queues (and how many of them are past their SLA). A negative number
 * is not known yet and left out. The length of the line, as snprintf.
 */
int
notify_status_format(char *buf, size_t len, int64_t calls_today,
    int64_t waiting, int64_t escalated)
{
	char	 today[48] = "", queue[80] = "";

	if (calls_today >= 0)
		snprintf(today, sizeof(today), "%" PRId64 " call%s today",
		    calls_today, calls_today == 1 ? "" : "s");
	if (waiting >= 0) {
		snprintf(queue, sizeof(queue), "%" PRId64 " waiting in the "
		    "queues", waiting);
		if (escalated > 0)
			snprintf(queue + strlen(queue), sizeof(queue) -
			    strlen(queue), " (%" PRId64 " past SLA)",
			    escalated);
	}
	return snprintf(buf, len, "serving%s%s%s%s", *today || *queue ?
	    ": " : "", today, *today && *queue ? ", " : "", queue);
}

/* Send STATUS= when the line changed since it was last sent. */
void
notify_status(int64_t calls_today, int64_t waiting, int64_t escalated)
{
	char	 line[sizeof(notify.n_status)], msg[sizeof(line) + 8];

	if (notify.n_fd == -1)
		return;
	notify_status_format(line, sizeof(line), calls_today, waiting,
	    escalated);
	if (strcmp(line, notify.n_status) == 0)
		return;
	snprintf(msg, sizeof(msg), "STATUS=%s", line);
	if (notify_send(msg) == 0)
		memcpy(notify.n_status, line, sizeof(line));
}

/* Forget the last status, so the next notify_status() sends it again. */
void
notify_status_reset(void)
{
	notify.n_status[0] = '\0';
}

void
notify_close(void)
{
	if (notify.n_fd != -1)
		close(notify.n_fd);
	notify.n_fd = -1;
}

void
notify_fds_free(struct notify_fd *v, size_t n)
{
	size_t	 i;

	for (i = 0; v != NULL && i < n; i++)
		free(v[i].nf_name);
	free(v);
}

/* A name systemd would accept in FileDescriptorName=. */
static int
notify_fdname_ok(const char *s, size_t len)
{
	size_t	 i;

	if (len == 0 || len > 255)
		return 0;
	for (i = 0; i < len; i++)
		if (s[i] < 0x21 || s[i] > 0x7e || s[i] == ':')
			return 0;
	return 1;
}

/*
 * The sockets a manager passed to pid self, from the values of
 * LISTEN_PID, LISTEN_FDS and LISTEN_FDNAMES (each may be NULL): fds
 * NOTIFY_FDS_START.. with their names; a socket without a name is
 * "unknown", as systemd calls it. Returns 0 with *out (caller frees with
 * notify_fds_free) and *n, n = 0 when the sockets are for another pid or
 * there are none; -1 with *cause (caller frees) when the values are
 * malformed.
 */
int
notify_fds_parse(const char *pid_s, const char *fds_s, const char *names,
    pid_t self, struct notify_fd **out, size_t *n, char **cause)
{
	struct notify_fd	*v;
	const char		*p, *colon;
	uint64_t		 pid, nfds;
	size_t			 i, len;

	*out = NULL;
	*n = 0;
	*cause = NULL;
	if (pid_s == NULL || fds_s == NULL)
		return 0;
	if (notify_number(pid_s, INT32_MAX, &pid) == -1) {
		asprintf(cause, "LISTEN_PID=%s is not a pid", pid_s);
		return -1;
	}
	if ((pid_t)pid != self)
		return 0;
	if (notify_number(fds_s, NOTIFY_FDS_MAX, &nfds) == -1) {
		asprintf(cause, "LISTEN_FDS=%s is not a number from 0 to %d",
		    fds_s, NOTIFY_FDS_MAX);
		return -1;
	}
	if (nfds == 0)
		return 0;
	if ((v = calloc(nfds, sizeof(*v))) == NULL) {
		asprintf(cause, "out of memory");
		return -1;
	}
	p = names;
	for (i = 0; i < nfds; i++) {
		v[i].nf_fd = NOTIFY_FDS_START + (int)i;
		if (p != NULL && *p != '\0') {
			colon = strchr(p, ':');
			len = colon != NULL ? (size_t)(colon - p) : strlen(p);
			if (!notify_fdname_ok(p, len)) {
				asprintf(cause, "LISTEN_FDNAMES: name %zu is "
				    "not a valid socket name", i + 1);
				notify_fds_free(v, i);
				return -1;
			}
			v[i].nf_name = strndup(p, len);
			p = colon != NULL ? colon + 1 : NULL;
		} else {
			v[i].nf_name = strdup("unknown");
			if (p != NULL && *p == '\0')
				p = NULL;
		}
		if (v[i].nf_name == NULL) {
			asprintf(cause, "out of memory");
			notify_fds_free(v, i);
			return -1;
		}
	}
	if (p != NULL) {
		asprintf(cause, "LISTEN_FDNAMES names more sockets than "
		    "LISTEN_FDS=%s", fds_s);
		notify_fds_free(v, nfds);
		return -1;
	}
	*out = v;
	*n = nfds;
	return 0;
}
