/*
 * ingest: C concurrent clients, each on one keep-alive connection, POST
 * realistic calls with fresh Idempotency-Keys to hotlined and wait for
 * each 201. Prints acknowledged calls per second and latency quantiles.
 *
 *   ingest -p PORT [-c CLIENTS] [-n CALLS] [-t TOKEN]
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <err.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct worker {
	pthread_t	 w_thread;
	int		 w_id;
	long		 w_n;
	int64_t		*w_lat;		/* nanoseconds, w_n of them */
	long		 w_ok;
	long		 w_err;
};

static int		 port;
static const char	*token = "dev-operator-wang";
static unsigned		 run_id;

static const char *const lines[] = { "400", "400", "400", "9120", "2325" };
static const char *const callers[] = { "medic", "medic", "medic_family",
    "aid_team", "aid_team_family", "member", "other" };
static const char *const topics[] = { "anxiety", "low_mood", "sleep",
    "stress", "grief", "family", "work", "infection_fear" };
static const char *const risks[] = { "none", "low", "low", "low",
    "moderate" };

static int64_t
now_ns(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int
dial(void)
{
	struct sockaddr_in	 sin;
	int			 fd, on = 1;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		err(1, "connect 127.0.0.1:%d", port);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	return fd;
}

/* One request and its response; the HTTP status, or -1. */
static int
roundtrip(int fd, const char *req, size_t len)
{
	char	 buf[8192], *hdr_end, *cl;
	size_t	 have = 0, need;
	ssize_t	 r;
	int	 status;

	for (size_t off = 0; off < len; off += (size_t)r)
		if ((r = write(fd, req + off, len - off)) <= 0)
			return -1;
	for (;;) {
		if ((r = read(fd, buf + have, sizeof(buf) - 1 - have)) <= 0)
			return -1;
		have += (size_t)r;
		buf[have] = '\0';
		if ((hdr_end = strstr(buf, "\r\n\r\n")) != NULL)
			break;
	}
	if (sscanf(buf, "HTTP/1.1 %d", &status) != 1 ||
	    (cl = strcasestr(buf, "Content-Length:")) == NULL)
		return -1;
	need = (size_t)(hdr_end + 4 - buf) + strtoul(cl + 15, NULL, 10);
	while (have < need) {
		if ((r = read(fd, buf, sizeof(buf))) <= 0)
			return -1;
		have += (size_t)r;
	}
	return status;
}

static void *
work(void *arg)
{
	struct worker	*w = arg;
	char		 body[4096], req[5120], notes[1600];
	int		 fd = dial(), st;
	long		 i;
	size_t		 len, k;
	int64_t		 t0;

	/* About 300 characters of Chinese notes, as operators write them. */
	notes[0] = '\0';
	for (k = 0; k < 30; k++)
		strcat(notes, "夜班后失眠焦虑担心家人");
	for (i = 0; i < w->w_n; i++) {
		unsigned	 r = (unsigned)(w->w_id * 7919 + i * 104729);

		snprintf(body, sizeof(body), "{\"line\":\"%s\",\"caller_type\":"
		    "\"%s\",\"topics\":[\"%s\",\"%s\"],\"risk\":\"%s\","
		    "\"duration_s\":%u,\"outcome\":\"counseled\",\"notes\":"
		    "\"%s\"}", lines[r % 5], callers[r % 7], topics[r % 8],
		    topics[(r / 8 + 1 + r % 8) % 8 == r % 8 ? (r % 8 + 1) % 8 :
		    (r / 8 + 1 + r % 8) % 8], risks[r % 5], 60 + r % 3000,
		    notes);
		len = (size_t)snprintf(req, sizeof(req), "POST /v1/calls "
		    "HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer %s\r\n"
		    "Content-Type: application/json\r\nIdempotency-Key: "
		    "bench-%u-%d-%ld\r\nContent-Length: %zu\r\n\r\n%s", token,
		    run_id, w->w_id, i, strlen(body), body);
		t0 = now_ns();
		st = roundtrip(fd, req, len);
		w->w_lat[i] = now_ns() - t0;
		if (st == 201)
			w->w_ok++;
		else {
			w->w_err++;
			if (st == -1) {
				close(fd);
				fd = dial();
			}
		}
	}
	close(fd);
	return NULL;
}

static int
cmp64(const void *a, const void *b)
{
	int64_t	 x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char *argv[])
{
	struct worker	*w;
	int64_t		*all, t0, el;
	long		 n = 20000, ok = 0, bad = 0, per, k = 0;
	int		 c = 8, ch, i;

	while ((ch = getopt(argc, argv, "c:n:p:t:")) != -1) {
		switch (ch) {
		case 'c': c = atoi(optarg); break;
		case 'n': n = atol(optarg); break;
		case 'p': port = atoi(optarg); break;
		case 't': token = optarg; break;
		default:
			fprintf(stderr, "usage: ingest -p PORT [-c CLIENTS] "
			    "[-n CALLS] [-t TOKEN]\n");
			return 2;
		}
	}
	if (port <= 0 || c <= 0 || n < c)
		errx(2, "need -p PORT, -c >= 1 and -n >= -c");
	run_id = (unsigned)getpid() ^ (unsigned)time(NULL);
	per = n / c;
	w = calloc((size_t)c, sizeof(*w));
	all = calloc((size_t)(per * c), sizeof(*all));
	t0 = now_ns();
	for (i = 0; i < c; i++) {
		w[i].w_id = i;
		w[i].w_n = per;
		w[i].w_lat = all + per * i;
		pthread_create(&w[i].w_thread, NULL, work, &w[i]);
	}
	for (i = 0; i < c; i++) {
		pthread_join(w[i].w_thread, NULL);
		ok += w[i].w_ok;
		bad += w[i].w_err;
	}
	el = now_ns() - t0;
	k = per * c;
	qsort(all, (size_t)k, sizeof(*all), cmp64);
	/* clients acked errors seconds calls/s p50_ms p99_ms max_ms */
	printf("%d %ld %ld %.3f %.1f %.2f %.2f %.2f\n", c, ok, bad,
	    (double)el / 1e9, (double)ok / ((double)el / 1e9),
	    (double)all[k / 2] / 1e6, (double)all[k * 99 / 100] / 1e6,
	    (double)all[k - 1] / 1e6);
	free(all);
	free(w);
	return bad == 0 ? 0 : 1;
}
