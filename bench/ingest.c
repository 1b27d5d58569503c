/*
 * ingest: a load generator for POST /v1/calls. C clients, each on its own
 * keep-alive connection, send one call at a time and wait for the answer
 * before sending the next, as an operator's client does. Only a 201 counts
 * as acknowledged; anything else is an error and is reported, and the
 * exit status is 1. SIGTERM ends a run early: nothing more is sent, the
 * answers still owed are awaited, and the run is reported as usual.
 * -T makes the calls as if now were the given time (as ceiling -T does),
 * so the two write the same calls into the same hours.
 *
 * One thread and poll(2): the generator shares the machine with the
 * daemon, so it must cost little per request.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "gen.h"

#define REQ_MAX		16384	/* headers and one body */
#define RESP_INIT	16384
#define STALL_MS	30000	/* no byte for this long: the daemon stalled */
#define ERR_SHOWN	3	/* error answers printed in full */

enum cstate { C_IDLE, C_SEND, C_RECV };

struct client {
	int		 c_fd;
	enum cstate	 c_state;
	char		 c_req[REQ_MAX];
	size_t		 c_reqlen, c_off;
	char		*c_rbuf;
	size_t		 c_rsize, c_rlen;
	struct timespec	 c_t0;
};

static const char *tcp_host = "127.0.0.1", *tcp_port = "8692";
static const char *unix_path;
static const char *token = "dev-operator-wang";
static int64_t	   fixed_now;	/* -T: calls made as if now were this */
static struct gen  recs, keys;
static long	   nrequests = 1000, issued, finished, acked;
static long	   nerrors, nlost, status_count[600], shown;
static double	  *lat_ms, *lat_at;	/* -L: when each began */
static long	   nlat;
static const char *lat_file;

static __attribute__((noreturn)) void
usage(void)
{
	fprintf(stderr, "usage: ingest [-c clients] [-n requests] [-s seed] "
	    "[-k token] [-T now]\n\t      [-L file] "
	    "[-t host:port | -u socket]\n");
	exit(1);
}

static long
number(const char *s, long lo, long hi, const char *what)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || v < lo || v > hi)
		errx(1, "%s must be %ld to %ld: %s", what, lo, hi, s);
	return v;
}

static double
ms_since(const struct timespec *t0)
{
	struct timespec	 t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1e3 +
	    (t.tv_nsec - t0->tv_nsec) / 1e6;
}

static int
dial(void)
{
	struct addrinfo	 hints, *res, *ai;
	struct sockaddr_un sun;
	int		 fd = -1, one = 1, e;

	if (unix_path != NULL) {
		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		if (strlen(unix_path) >= sizeof(sun.sun_path))
			errx(1, "%s: path too long", unix_path);
		strcpy(sun.sun_path, unix_path);
		if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
			err(1, "socket");
		if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
			err(1, "connect %s", unix_path);
		return fd;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if ((e = getaddrinfo(tcp_host, tcp_port, &hints, &res)) != 0)
		errx(1, "%s:%s: %s", tcp_host, tcp_port, gai_strerror(e));
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, ai->ai_socktype,
		    ai->ai_protocol)) == -1)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -1;
	}
	if (fd == -1)
		err(1, "connect %s:%s", tcp_host, tcp_port);
	freeaddrinfo(res);
	/* One small request at a time: Nagle would only add delay. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

static void
client_connect(struct client *c)
{
	c->c_fd = dial();
	if (fcntl(c->c_fd, F_SETFL, O_NONBLOCK) == -1)
		err(1, "fcntl");
	c->c_state = C_IDLE;
}

/* The next call, with a key of its own. */
static void
client_start(struct client *c)
{
	struct rec	 r;
	char		 body[REQ_MAX / 2], key[37];
	int		 blen, hlen;

	gen_record(&recs, &r, fixed_now != 0 ? fixed_now :
	    (int64_t)time(NULL));
	if ((blen = gen_json(&r, body, sizeof(body))) == -1)
		errx(1, "a generated body is over %zu bytes", sizeof(body));
	gen_uuid(&keys, key);
	hlen = snprintf(c->c_req, sizeof(c->c_req), "POST /v1/calls HTTP/1.1\r\n"
	    "Host: hotlined\r\n%s%s%s"
	    "Content-Type: application/json; charset=utf-8\r\n"
	    "Idempotency-Key: %s\r\nContent-Length: %d\r\n\r\n",
	    unix_path ? "" : "Authorization: Bearer ", unix_path ? "" : token,
	    unix_path ? "" : "\r\n", key, blen);
	if (hlen < 0 || (size_t)hlen + (size_t)blen > sizeof(c->c_req))
		errx(1, "a request is over %zu bytes", sizeof(c->c_req));
	memcpy(c->c_req + hlen, body, (size_t)blen);
	c->c_reqlen = (size_t)hlen + (size_t)blen;
	c->c_off = 0;
	c->c_rlen = 0;
	c->c_state = C_SEND;
	issued++;
	clock_gettime(CLOCK_MONOTONIC, &c->c_t0);
}

/* A header's value in the head (NUL-terminated), or NULL. */
static const char *
header(const char *head, const char *name)
{
	const char	*p = head;
	size_t		 n = strlen(name);

	while ((p = strstr(p, "\r\n")) != NULL) {
		p += 2;
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			p += n + 1;
			while (*p == ' ' || *p == '\t')
				p++;
			return p;
		}
	}
	return NULL;
}

static void
client_done(struct client *c, int status, const char *body, size_t blen)
{
	double	 ms = ms_since(&c->c_t0);

	finished++;
	c->c_state = C_IDLE;
	if (status == 201) {
		acked++;
		lat_at[nlat] = c->c_t0.tv_sec * 1e3 + c->c_t0.tv_nsec / 1e6;
		lat_ms[nlat++] = ms;
		return;
	}
	nerrors++;
	if (status > 0 && status < 600)
		status_count[status]++;
	else
		nlost++;
	if (blen > 300)
		blen = 300;
	while (blen > 0 && (body[blen - 1] == '\n' || body[blen - 1] == '\r'))
		blen--;
	if (shown++ < ERR_SHOWN)
		fprintf(stderr, "ingest: error answer: %d %.*s\n", status,
		    (int)blen, body != NULL ? body : "");
}

/*
 * The connection broke mid-request: an error (the answer never came),
 * then a new connection so the run can go on.
 */
static void
client_lost(struct client *c, const char *why)
{
	if (shown < ERR_SHOWN)
		fprintf(stderr, "ingest: connection lost: %s\n", why);
	close(c->c_fd);
	client_done(c, 0, NULL, 0);
	client_connect(c);
}

/* A whole answer in the buffer? Then account for it. */
static void
client_parse(struct client *c)
{
	char		*end, *head;
	const char	*v;
	long		 clen = 0;
	size_t		 hlen;
	int		 status, closing;

	if ((end = memmem(c->c_rbuf, c->c_rlen, "\r\n\r\n", 4)) == NULL)
		return;
	hlen = (size_t)(end - c->c_rbuf) + 4;
	if ((head = strndup(c->c_rbuf, hlen - 2)) == NULL)
		err(1, NULL);
	if (sscanf(head, "HTTP/1.%*d %d", &status) != 1)
		errx(1, "not an HTTP answer: %.60s", head);
	if ((v = header(head, "Transfer-Encoding")) != NULL &&
	    strncasecmp(v, "chunked", 7) == 0)
		errx(1, "chunked answers are not supported");
	if ((v = header(head, "Content-Length")) != NULL)
		clen = strtol(v, NULL, 10);
	closing = (v = header(head, "Connection")) != NULL &&
	    strncasecmp(v, "close", 5) == 0;
	free(head);
	if (c->c_rlen < hlen + (size_t)clen)
		return;
	client_done(c, status, c->c_rbuf + hlen, (size_t)clen);
	if (closing) {
		close(c->c_fd);
		client_connect(c);
	}
}

static void
client_read(struct client *c)
{
	ssize_t	 n;

	if (c->c_rsize - c->c_rlen < 4096) {
		c->c_rsize *= 2;
		if ((c->c_rbuf = realloc(c->c_rbuf, c->c_rsize)) == NULL)
			err(1, NULL);
	}
	n = read(c->c_fd, c->c_rbuf + c->c_rlen, c->c_rsize - c->c_rlen - 1);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n == -1)
		client_lost(c, strerror(errno));
	else if (n == 0)
		client_lost(c, "closed by the server");
	else {
		c->c_rlen += (size_t)n;
		c->c_rbuf[c->c_rlen] = '\0';
		client_parse(c);
	}
}

static void
client_write(struct client *c)
{
	ssize_t	 n;

	n = write(c->c_fd, c->c_req + c->c_off, c->c_reqlen - c->c_off);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n == -1) {
		client_lost(c, strerror(errno));
		return;
	}
	c->c_off += (size_t)n;
	if (c->c_off == c->c_reqlen)
		c->c_state = C_RECV;
}

static int
cmp_double(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile of the sorted latencies. */
static double
percentile(double p)
{
	long	 i;

	if (nlat == 0)
		return 0;
	i = (long)(p / 100 * nlat + 0.999999) - 1;
	return lat_ms[i < 0 ? 0 : i >= nlat ? nlat - 1 : i];
}

/*
 * -L: one line per acknowledged request, in the order they ended: when it
 * was sent (CLOCK_MONOTONIC, ms) and how long its answer took (ms), to be
 * set beside what the daemon did at that moment.
 */
static void
write_lat(void)
{
	FILE	*f;
	long	 i;

	if (lat_file == NULL)
		return;
	if ((f = fopen(lat_file, "w")) == NULL)
		err(1, "%s", lat_file);
	for (i = 0; i < nlat; i++)
		fprintf(f, "%.3f %.3f\n", lat_at[i], lat_ms[i]);
	if (fclose(f) == EOF)
		err(1, "%s", lat_file);
}

static void
report(int nclients, double elapsed)
{
	int	 s;

	write_lat();
	qsort(lat_ms, (size_t)nlat, sizeof(*lat_ms), cmp_double);
	printf("clients=%d requests=%ld acked=%ld errors=%ld elapsed_s=%.3f "
	    "rate=%.1f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f\n", nclients,
	    finished, acked, nerrors, elapsed / 1e3,
	    elapsed > 0 ? acked / (elapsed / 1e3) : 0, percentile(50),
	    percentile(99), nlat ? lat_ms[nlat - 1] : 0);
	for (s = 0; s < 600; s++)
		if (status_count[s] != 0)
			fprintf(stderr, "ingest: %ld answers with status %d\n",
			    status_count[s], s);
	if (nlost != 0)
		fprintf(stderr, "ingest: %ld requests without an answer "
		    "(connection lost)\n", nlost);
}

static volatile sig_atomic_t stopping;

static void
on_term(int sig)
{
	(void)sig;
	stopping = 1;
}

int
main(int argc, char *argv[])
{
	struct client	*cl;
	struct pollfd	*pfd;
	struct sigaction sa;
	struct timespec	 t0;
	uint64_t	 seed = 1, kseed;
	char		*p;
	int		 ch, i, n, nclients = 1;

	while ((ch = getopt(argc, argv, "c:k:L:n:s:T:t:u:")) != -1) {
		switch (ch) {
		case 'c':
			nclients = (int)number(optarg, 1, 4096, "clients");
			break;
		case 'k':
			token = optarg;
			break;
		case 'L':
			lat_file = optarg;
			break;
		case 'T':
			fixed_now = number(optarg, 1, LONG_MAX, "now");
			break;
		case 'n':
			nrequests = number(optarg, 1, 100000000, "requests");
			break;
		case 's':
			seed = (uint64_t)number(optarg, 0, LONG_MAX, "seed");
			break;
		case 't':
			if ((p = strrchr(optarg, ':')) == NULL)
				usage();
			*p = '\0';
			tcp_host = optarg;
			tcp_port = p + 1;
			break;
		case 'u':
			unix_path = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();

	/* Same seed, same calls; keys are new on every run. */
	gen_init(&recs, seed);
	arc4random_buf(&kseed, sizeof(kseed));
	gen_seed(&keys, kseed);
	if ((lat_ms = calloc((size_t)nrequests, sizeof(*lat_ms))) == NULL ||
	    (lat_at = calloc((size_t)nrequests, sizeof(*lat_at))) == NULL ||
	    (cl = calloc((size_t)nclients, sizeof(*cl))) == NULL ||
	    (pfd = calloc((size_t)nclients, sizeof(*pfd))) == NULL)
		err(1, NULL);
	/* Connections are made before the clock starts. */
	for (i = 0; i < nclients; i++) {
		cl[i].c_rsize = RESP_INIT;
		if ((cl[i].c_rbuf = malloc(cl[i].c_rsize)) == NULL)
			err(1, NULL);
		client_connect(&cl[i]);
	}

	/* SIGTERM: send nothing more, wait for the answers, report. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (finished < nrequests) {
		if (stopping)
			nrequests = issued;
		for (i = 0; i < nclients; i++) {
			if (cl[i].c_state == C_IDLE && issued < nrequests)
				client_start(&cl[i]);
			pfd[i].fd = cl[i].c_state == C_IDLE ? -1 : cl[i].c_fd;
			pfd[i].events = cl[i].c_state == C_SEND ? POLLOUT :
			    POLLIN;
			pfd[i].revents = 0;
		}
		if ((n = poll(pfd, (nfds_t)nclients, STALL_MS)) == -1) {
			if (errno == EINTR)
				continue;
			err(1, "poll");
		}
		if (n == 0) {
			report(nclients, ms_since(&t0));
			errx(2, "stalled: no answer for %d s with %ld requests "
			    "outstanding", STALL_MS / 1000, issued - finished);
		}
		for (i = 0; i < nclients; i++) {
			if (pfd[i].revents == 0)
				continue;
			if (cl[i].c_state == C_SEND)
				client_write(&cl[i]);
			else if (cl[i].c_state == C_RECV)
				client_read(&cl[i]);
		}
	}
	report(nclients, ms_since(&t0));
	return nerrors != 0;
}
