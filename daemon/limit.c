/*
 * Limits against hostile or runaway clients, kept in small tables keyed
 * by a peer (an IP address, or a uid on a Unix socket) or an identity:
 * open connections per peer, a token bucket of requests per identity, and
 * failed authentications per peer with a block once too many came in a
 * window. No I/O and no clock of its own (the caller passes monotonic
 * milliseconds), so the unit tests drive it directly. One table belongs
 * to one thread.
 */
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net.h"

#define LIMIT_TAB_START	16

struct limit_ent {
	char	 le_key[LIMIT_KEY_MAX];
	long	 le_count;	/* connections; failures in the window */
	double	 le_tokens;	/* the bucket */
	int64_t	 le_stamp;	/* bucket: last refill; failures: window
				   start */
	int64_t	 le_until;	/* blocked until (ms); 0: not */
	int64_t	 le_expire;	/* failures: the window ends; 0: never */
};

struct limit_tab {
	struct limit_ent	*lt_v;
	size_t			 lt_n;
	size_t			 lt_cap;
	size_t			 lt_max;	/* most entries kept */
	long			 lt_total;	/* connections, all peers */
};

struct limit_tab *
limit_tab_new(size_t max)
{
	struct limit_tab	*t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->lt_max = max;
	return t;
}

void
limit_tab_free(struct limit_tab *t)
{
	if (t == NULL)
		return;
	free(t->lt_v);
	free(t);
}

size_t
limit_tab_size(const struct limit_tab *t)
{
	return t->lt_n;
}

static struct limit_ent *
limit_find(struct limit_tab *t, const char *key)
{
	size_t	 i;

	for (i = 0; i < t->lt_n; i++)
		if (strcmp(t->lt_v[i].le_key, key) == 0)
			return &t->lt_v[i];
	return NULL;
}

static void
limit_drop(struct limit_tab *t, struct limit_ent *e)
{
	*e = t->lt_v[--t->lt_n];
}

/* An entry that remembers nothing a later request would miss. */
static int
limit_at_rest(const struct limit_ent *e, int64_t now, long rate, long burst)
{
	double	 full;

	if (rate > 0) {
		full = e->le_tokens + (double)(now - e->le_stamp) * rate / 1000.0;
		return full >= (double)burst;
	}
	/* Open connections never expire; failures when their window ends. */
	return e->le_until <= now && (e->le_count == 0 ||
	    (e->le_expire != 0 && e->le_expire <= now));
}

/* Forget entries at rest (rate 0: those with no count and no block). */
static void
limit_prune(struct limit_tab *t, int64_t now, long rate, long burst)
{
	size_t	 i = 0;

	while (i < t->lt_n)
		if (limit_at_rest(&t->lt_v[i], now, rate, burst))
			limit_drop(t, &t->lt_v[i]);
		else
			i++;
}

/*
 * The entry of key, a new one (zeroed) if there is room: a full table is
 * pruned first. NULL when the table is full of live entries or memory is
 * short: the caller lets the request through untracked.
 */
static struct limit_ent *
limit_get(struct limit_tab *t, const char *key, int64_t now, long rate,
    long burst, int *fresh)
{
	struct limit_ent	*e, *v;
	size_t			 cap;

	*fresh = 0;
	if ((e = limit_find(t, key)) != NULL)
		return e;
	if (t->lt_n == t->lt_cap)
		limit_prune(t, now, rate, burst);
	if (t->lt_n == t->lt_cap) {
		if (t->lt_cap >= t->lt_max)
			return NULL;
		cap = t->lt_cap == 0 ? LIMIT_TAB_START : t->lt_cap * 2;
		if (cap > t->lt_max)
			cap = t->lt_max;
		if ((v = reallocarray(t->lt_v, cap, sizeof(*v))) == NULL)
			return NULL;
		t->lt_v = v;
		t->lt_cap = cap;
	}
	e = &t->lt_v[t->lt_n++];
	memset(e, 0, sizeof(*e));
	snprintf(e->le_key, sizeof(e->le_key), "%s", key);
	*fresh = 1;
	return e;
}

/*
 * A connection from peer opens: LIMIT_OK and counted, or LIMIT_TOTAL or
 * LIMIT_PEER (not counted) when max_total or max_peer are reached.
 */
int
limit_conn_open(struct limit_tab *t, const char *peer, long max_total,
    long max_peer)
{
	struct limit_ent	*e;
	int			 fresh;

	if (t->lt_total >= max_total)
		return LIMIT_TOTAL;
	if ((e = limit_get(t, peer, 0, 0, 0, &fresh)) == NULL)
		return LIMIT_TOTAL;	/* only when memory is short */
	if (e->le_count >= max_peer)
		return LIMIT_PEER;
	e->le_count++;
	t->lt_total++;
	return LIMIT_OK;
}

/* A connection limit_conn_open counted has closed. */
void
limit_conn_close(struct limit_tab *t, const char *peer)
{
	struct limit_ent	*e;

	if ((e = limit_find(t, peer)) == NULL || e->le_count == 0)
		return;
	t->lt_total--;
	if (--e->le_count == 0)
		limit_drop(t, e);
}

long
limit_conns(const struct limit_tab *t)
{
	return t->lt_total;
}

long
limit_conns_of(struct limit_tab *t, const char *peer)
{
	struct limit_ent	*e = limit_find(t, peer);

	return e != NULL ? e->le_count : 0;
}

/* Whole seconds, at least 1, until ms milliseconds have passed. */
static long
limit_secs(int64_t ms)
{
	long	 s = (long)((ms + 999) / 1000);

	return s < 1 ? 1 : s;
}

/*
 * One request by key, from a bucket of burst tokens refilled at rate per
 * second: 0 when it may go ahead, else the seconds (>= 1) until a token
 * is back. rate 0: no limit.
 */
long
limit_rate(struct limit_tab *t, const char *key, int64_t now, long rate,
    long burst)
{
	struct limit_ent	*e;
	int			 fresh;
	double			 need;
	int64_t			 ms;

	if (rate <= 0)
		return 0;
	if ((e = limit_get(t, key, now, rate, burst, &fresh)) == NULL)
		return 0;
	if (fresh)
		e->le_tokens = (double)burst;
	else if (now > e->le_stamp) {
		e->le_tokens += (double)(now - e->le_stamp) * rate / 1000.0;
		if (e->le_tokens > (double)burst)
			e->le_tokens = (double)burst;
	}
	e->le_stamp = now;
	if (e->le_tokens >= 1.0) {
		e->le_tokens -= 1.0;
		return 0;
	}
	need = (1.0 - e->le_tokens) * 1000.0 / rate;
	if ((double)(ms = (int64_t)need) < need)
		ms++;
	return limit_secs(ms);
}

/* Seconds (>= 1) key stays blocked, or 0. */
long
limit_blocked(struct limit_tab *t, const char *key, int64_t now)
{
	struct limit_ent	*e = limit_find(t, key);

	if (e == NULL || e->le_until <= now)
		return 0;
	return limit_secs(e->le_until - now);
}

/*
 * A failure by key: counted in a window of window_s seconds from the
 * first one; the max-th in the window blocks key for block_s seconds.
 * LIMIT_FIRST for the first failure of a window, LIMIT_BLOCK for the one
 * that blocks, LIMIT_FULL when the table is full of live entries (it is
 * not counted), else LIMIT_OK: what deserves a log line.
 */
int
limit_fail(struct limit_tab *t, const char *key, int64_t now, long max,
    long window_s, long block_s)
{
	struct limit_ent	*e;
	int			 fresh;

	if ((e = limit_get(t, key, now, 0, 0, &fresh)) == NULL)
		return LIMIT_FULL;
	if (e->le_count == 0 || now - e->le_stamp >= window_s * 1000) {
		e->le_count = 0;
		e->le_stamp = now;
		e->le_expire = now + window_s * 1000;
	}
	if (++e->le_count == max) {
		e->le_until = now + block_s * 1000;
		e->le_count = 0;	/* a new window after the block */
		return LIMIT_BLOCK;
	}
	return e->le_count == 1 ? LIMIT_FIRST : LIMIT_OK;
}

/*
 * The peer of a connected socket as a table key: the IPv4 address (also
 * when mapped into IPv6), an IPv6 address's /64 ("2001:db8:1:2::/64": one
 * host is handed a whole /64, so counting its addresses one by one would
 * let it fill the tables), or "uid N" on a Unix socket (SO_PEERCRED). -1
 * when the socket cannot say.
 */
int
limit_peer(int fd, char *buf, size_t len)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	struct ucred		 cred;
	socklen_t		 sl = sizeof(ss), cl = sizeof(cred);
	const void		*addr;
	int			 af;
	char			 text[INET6_ADDRSTRLEN];

	if (getpeername(fd, (struct sockaddr *)&ss, &sl) == -1)
		return -1;
	if (ss.ss_family == AF_UNIX) {
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) == -1)
			return -1;
		snprintf(buf, len, "uid %u", (unsigned int)cred.uid);
		return 0;
	}
	if (ss.ss_family == AF_INET) {
		af = AF_INET;
		addr = &((struct sockaddr_in *)&ss)->sin_addr;
	} else if (ss.ss_family == AF_INET6 &&
	    IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
		af = AF_INET;
		addr = &sin6->sin6_addr.s6_addr[12];
	} else if (ss.ss_family == AF_INET6) {
		af = AF_INET6;
		memset(&sin6->sin6_addr.s6_addr[8], 0, 8);
		addr = &sin6->sin6_addr;
	} else
		return -1;
	if (inet_ntop(af, addr, text, sizeof(text)) == NULL)
		return -1;
	snprintf(buf, len, "%s%s", text, af == AF_INET6 ? "/64" : "");
	return 0;
}
