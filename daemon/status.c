/*
 * The status listener: GET /healthz, /status and /metrics, answered from
 * counters kept in memory. The API tells it what happened (a call stored,
 * a commit done or failed, a write refused), the listeners count requests
 * and connections, and a timer probes the store, the database's size and
 * the free disk space. The counts start from the store at start-up, so a
 * restart does not reset "calls today".
 *
 * The counters belong to the main loop, which renders the answers into a
 * snapshot after every commit, after other changes (at most every
 * STATUS_PUBLISH_MS) and every second. The status listeners run in a
 * thread of their own with their own event loop and serve the latest
 * snapshot: a status request never touches SQLite and never waits behind
 * a commit's fsync, and /healthz can tell when the main loop has stalled.
 * The only state the two threads share is the snapshot pointer and the
 * status listeners' own request counts, under one mutex.
 */
#include <sys/queue.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

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

#define STATUS_TICK_S		1	/* probe, sizes, publish */
#define STATUS_PUBLISH_MS	10	/* at most this late after a change */
#define STATUS_STALL_S		10	/* no snapshot for this long: 503 */
#define STATUS_MINUTES		60	/* "last hour", by the minute */
#define STATUS_DISK_MIN		(4 * 1024 * 1024) /* less free is "full" */
#define STATUS_NBUCKETS		12

/* Commit durations, seconds: the histogram's upper bounds. */
static const double status_buckets[STATUS_NBUCKETS] = { 0.0005, 0.001,
    0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5 };

struct status_line {
	char		*sl_code;
	uint64_t	 sl_today;
	int64_t		 sl_last;		/* latest start; 0: none */
	int64_t		 sl_min_at[STATUS_MINUTES]; /* UTC minute of slot */
	uint64_t	 sl_min_n[STATUS_MINUTES];
};

struct status_total {
	char		*st_line;
	char		*st_caller;
	char		*st_risk;
	uint64_t	 st_n;
};

struct status_code {
	char		*sc_listener;
	int		 sc_code;
	uint64_t	 sc_n;
};

/* A call stored in the open batch: counted once the batch commits. */
struct status_pending {
	char		*sp_line;
	char		*sp_caller;
	char		*sp_risk;
	char		*sp_operator;
	int64_t		 sp_started;
};

struct status_vec {
	void		*v;
	size_t		 n;
	size_t		 cap;
};

/* What the status thread serves: rendered by the main loop. */
struct status_snap {
	int		 sn_refs;	/* under st_mu */
	int64_t		 sn_at_us;	/* monotonic, when rendered */
	int		 sn_stopping;
	char		*sn_why;	/* NULL: the store is ok */
	char		*sn_json;
	size_t		 sn_json_len;
	char		*sn_metrics;
	size_t		 sn_metrics_len;
};

static struct status {
	struct event_base	*st_base;
	struct store		*st_store;
	struct batch		*st_batch;
	const struct config	*st_cf;
	char			*st_db_path;	/* the store opened at start */
	struct event		*st_tick;
	int64_t			 st_started;	/* wall clock */
	int64_t			 st_started_us;	/* monotonic */
	int			 st_stopping;
	int64_t			 st_day_start;	/* the local day being counted */
	int64_t			 st_day_end;
	struct status_vec	 st_lines;	/* struct status_line */
	struct status_vec	 st_totals;	/* struct status_total */
	struct status_vec	 st_codes;	/* struct status_code */
	struct status_vec	 st_ops;	/* char *, active today */
	struct status_vec	 st_pending;	/* struct status_pending */
	int64_t			 st_conns;
	int64_t			 st_last_commit;
	uint64_t		 st_hist[STATUS_NBUCKETS + 1];
	uint64_t		 st_hist_count;
	double			 st_hist_sum;
	char			 st_commit_fail[256];	/* until a write works */
	char			 st_lock_fail[256];	/* until a probe works */
	char			 st_probe_fail[256];
	int			 st_disk_full;
	int64_t			 st_db_size;
	struct event		*st_pub_ev;	/* publish soon */
	/* The status thread. */
	struct event_base	*st_tbase;
	pthread_t		 st_thread;
	int			 st_running;
	int			 st_wake[2];	/* main -> thread: stop */
	struct event		*st_wake_ev;
	pthread_mutex_t		 st_mu;		/* guards these three, sn_refs */
	struct status_snap	*st_snap;
	struct status_vec	 st_tcodes;	/* the status listeners' answers */
	int64_t			 st_tconns;
	long			 st_max_headers; /* read by the thread */
} S = { .st_wake = { -1, -1 } };

/* Room for one more element of size sz in v; NULL when out of memory. */
static void *
status_vec_add(struct status_vec *v, size_t sz)
{
	void	*p;
	size_t	 cap;

	if (v->n == v->cap) {
		cap = v->cap == 0 ? 8 : v->cap * 2;
		if ((p = reallocarray(v->v, cap, sz)) == NULL)
			return NULL;
		v->v = p;
		v->cap = cap;
	}
	p = (char *)v->v + v->n++ * sz;
	memset(p, 0, sz);
	return p;
}

/* The local day (configured timezone) holding t: [*start, *end). */
void
status_day_bounds(int64_t t, int64_t *start, int64_t *end)
{
	struct tm	 tm, next;
	time_t		 tt = (time_t)t;

	if (localtime_r(&tt, &tm) == NULL) {
		*start = t - t % 86400;
		*end = *start + 86400;
		return;
	}
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	next = tm;
	next.tm_mday++;
	*start = (int64_t)mktime(&tm);
	*end = (int64_t)mktime(&next);
}

/*
 * Escape a Prometheus label value (backslash, double quote, newline) into
 * out (len bytes, always terminated); the length the whole would need.
 */
size_t
status_label_escape(const char *in, char *out, size_t len)
{
	size_t	 n = 0;
	char	 esc;

	for (; *in != '\0'; in++) {
		esc = *in == '\\' ? '\\' : *in == '"' ? '"' :
		    *in == '\n' ? 'n' : '\0';
		if (esc != '\0') {
			if (n + 1 < len)
				out[n] = '\\';
			n++;
		}
		if (n + 1 < len)
			out[n] = esc != '\0' ? esc : *in;
		n++;
	}
	if (len > 0)
		out[n < len ? n : len - 1] = '\0';
	return n;
}

static struct status_line *
status_line(const char *code)
{
	struct status_line	*l = S.st_lines.v;
	size_t			 i;

	for (i = 0; i < S.st_lines.n; i++)
		if (strcmp(l[i].sl_code, code) == 0)
			return &l[i];
	if ((l = status_vec_add(&S.st_lines, sizeof(*l))) == NULL)
		return NULL;
	if ((l->sl_code = strdup(code)) == NULL) {
		S.st_lines.n--;
		return NULL;
	}
	return l;
}

static void
status_total_add(const char *line, const char *caller, const char *risk,
    uint64_t n)
{
	struct status_total	*t = S.st_totals.v;
	size_t			 i;

	for (i = 0; i < S.st_totals.n; i++)
		if (strcmp(t[i].st_line, line) == 0 &&
		    strcmp(t[i].st_caller, caller) == 0 &&
		    strcmp(t[i].st_risk, risk) == 0) {
			t[i].st_n += n;
			return;
		}
	if ((t = status_vec_add(&S.st_totals, sizeof(*t))) == NULL)
		return;
	t->st_line = strdup(line);
	t->st_caller = strdup(caller);
	t->st_risk = strdup(risk);
	t->st_n = n;
	if (t->st_line == NULL || t->st_caller == NULL || t->st_risk == NULL) {
		free(t->st_line);
		free(t->st_caller);
		free(t->st_risk);
		S.st_totals.n--;
	}
}

static void
status_op_add(const char *name)
{
	char	**v = S.st_ops.v, **p;
	size_t	  i;

	for (i = 0; i < S.st_ops.n; i++)
		if (strcmp(v[i], name) == 0)
			return;
	if ((p = status_vec_add(&S.st_ops, sizeof(*p))) == NULL)
		return;
	if ((*p = strdup(name)) == NULL)
		S.st_ops.n--;
}

static void
status_ops_clear(void)
{
	char	**v = S.st_ops.v;
	size_t	  i;

	for (i = 0; i < S.st_ops.n; i++)
		free(v[i]);
	S.st_ops.n = 0;
}

/* Past local midnight: a new day starts with nothing counted. */
static void	status_roll(int64_t);

/* Calls today on every line (the main loop's counters). */
int64_t
status_calls_today(void)
{
	struct status_line	*l = S.st_lines.v;
	int64_t			 n = 0;
	size_t			 i;

	status_roll(clock_now());
	for (i = 0; i < S.st_lines.n; i++)
		n += (int64_t)l[i].sl_today;
	return n;
}

static void
status_roll(int64_t now)
{
	struct status_line	*l = S.st_lines.v;
	size_t			 i;

	if (now >= S.st_day_start && now < S.st_day_end)
		return;
	status_day_bounds(now, &S.st_day_start, &S.st_day_end);
	for (i = 0; i < S.st_lines.n; i++)
		l[i].sl_today = 0;
	status_ops_clear();
}

/* Count n calls on line l started in minute m, if within the hour. */
static void
status_minute_add(struct status_line *l, int64_t m, uint64_t n, int64_t now)
{
	size_t	 k = (size_t)(m % STATUS_MINUTES);

	if (m <= now / 60 - STATUS_MINUTES || m > now / 60)
		return;
	if (l->sl_min_at[k] != m) {
		l->sl_min_at[k] = m;
		l->sl_min_n[k] = 0;
	}
	l->sl_min_n[k] += n;
}

static uint64_t
status_last_hour(const struct status_line *l, int64_t now)
{
	uint64_t	 n = 0;
	size_t		 k;

	for (k = 0; k < STATUS_MINUTES; k++)
		if (l->sl_min_at[k] > now / 60 - STATUS_MINUTES &&
		    l->sl_min_at[k] <= now / 60)
			n += l->sl_min_n[k];
	return n;
}

/* One committed call, counted at time now. */
static void
status_tally(const struct status_pending *p, int64_t now)
{
	struct status_line	*l;

	status_roll(now);
	status_total_add(p->sp_line, p->sp_caller, p->sp_risk, 1);
	if ((l = status_line(p->sp_line)) == NULL)
		return;
	if (p->sp_started > l->sl_last)
		l->sl_last = p->sp_started;
	status_minute_add(l, p->sp_started / 60, 1, now);
	if (p->sp_started >= S.st_day_start && p->sp_started < S.st_day_end) {
		l->sl_today++;
		status_op_add(p->sp_operator);
	}
}

static void
status_load_row(const struct store_count *sc, void *arg)
{
	struct status_line	*l;
	int64_t			 now = *(const int64_t *)arg;

	switch (sc->sc_kind) {
	case STORE_COUNT_LINE:
		if (sc->sc_text[0] == NULL ||
		    (l = status_line(sc->sc_text[0])) == NULL)
			return;
		l->sl_today = (uint64_t)sc->sc_num[1];
		l->sl_last = sc->sc_num[2];
		break;
	case STORE_COUNT_MINUTE:
		if (sc->sc_text[0] != NULL &&
		    (l = status_line(sc->sc_text[0])) != NULL)
			status_minute_add(l, sc->sc_num[1],
			    (uint64_t)sc->sc_num[2], now);
		break;
	case STORE_COUNT_TOTAL:
		if (sc->sc_text[0] != NULL && sc->sc_text[1] != NULL &&
		    sc->sc_text[2] != NULL)
			status_total_add(sc->sc_text[0], sc->sc_text[1],
			    sc->sc_text[2], (uint64_t)sc->sc_num[3]);
		break;
	case STORE_COUNT_OPERATOR:
		if (sc->sc_text[0] != NULL)
			status_op_add(sc->sc_text[0]);
		break;
	}
}

/* The database file and its WAL: their size, and room left on the disk. */
static void
status_files(void)
{
	struct stat	 sb;
	struct statvfs	 vfs;
	char		 wal[4096];
	const char	*path = S.st_db_path;
	int64_t		 size = 0;

	if (stat(path, &sb) == 0)
		size += (int64_t)sb.st_size;
	if ((size_t)snprintf(wal, sizeof(wal), "%s-wal", path) <
	    sizeof(wal) && stat(wal, &sb) == 0)
		size += (int64_t)sb.st_size;
	S.st_db_size = size;
	S.st_disk_full = statvfs(path, &vfs) == 0 &&
	    (uint64_t)vfs.f_bavail * vfs.f_frsize < STATUS_DISK_MIN;
}

static void	status_publish(void);

/* The loop's timer: is the write lock free, how big is the store. */
static void
status_tick(evutil_socket_t fd, short events, void *arg)
{
	const char	*why;
	int		 rc;

	(void)fd;
	(void)events;
	(void)arg;
	status_files();
	if (!S.st_stopping) {
		rc = store_lock_check(S.st_store);
		if (rc == STORE_OK && !batch_store_ok(S.st_batch, &why))
			/* A full disk or an I/O error, until writes work. */
			snprintf(S.st_probe_fail, sizeof(S.st_probe_fail),
			    "%s", why);
		else if (rc == STORE_OK) {
			S.st_probe_fail[0] = '\0';
			S.st_lock_fail[0] = '\0';
		} else if (rc == STORE_BUSY)
			snprintf(S.st_probe_fail, sizeof(S.st_probe_fail),
			    "the database is locked by another process");
		else
			snprintf(S.st_probe_fail, sizeof(S.st_probe_fail),
			    "the store cannot write: %s",
			    store_errmsg(S.st_store));
	}
	status_publish();
}

static void
status_publish_cb(evutil_socket_t fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	(void)arg;
	status_publish();
}

/* Something changed that need not be seen at once: publish soon. */
static void
status_dirty(void)
{
	struct timeval	 tv = { 0, STATUS_PUBLISH_MS * 1000 };

	if (S.st_pub_ev != NULL && !evtimer_pending(S.st_pub_ev, NULL))
		evtimer_add(S.st_pub_ev, &tv);
}

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
 * Start counting: the counts so far from the store, the timers, the
 * status thread's loop (not yet running: see status_run).
 */
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
	pthread_mutex_init(&S.st_mu, NULL);
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

int
status_init(struct event_base *base, struct store *store, struct batch *b,
    const struct config *cf, char **cause)
{
	struct timeval	 tv = { STATUS_TICK_S, 0 };
	int64_t		 now = clock_now();

	S.st_base = base;
	S.st_store = store;
	S.st_batch = b;
	S.st_cf = cf;
	S.st_max_headers = cf->cf_limits.lim_max_headers;
	if ((S.st_db_path = strdup(cf->cf_db_path)) == NULL) {
		asprintf(cause, "status: out of memory");
		return -1;
	}
	S.st_started = now;
	S.st_started_us = clock_mono_usec();
	status_day_bounds(now, &S.st_day_start, &S.st_day_end);
	if (store_counts(store, S.st_day_start, S.st_day_end,
	    (now / 60 - STATUS_MINUTES + 1) * 60, status_load_row,
	    &now) != STORE_OK) {
		asprintf(cause, "loading the status counts: %s",
		    store_errmsg(store));
		return -1;
	}
	if ((S.st_tick = event_new(base, -1, EV_PERSIST, status_tick,
	    NULL)) == NULL || event_add(S.st_tick, &tv) == -1 ||
	    (S.st_pub_ev = evtimer_new(base, status_publish_cb,
	    NULL)) == NULL) {
		asprintf(cause, "status: cannot set up its events: %s",
		    strerror(errno));
		return -1;
	}
	status_files();
	status_publish();
	return 0;
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

static void
status_pending_clear(void)
{
	struct status_pending	*p = S.st_pending.v;
	size_t			 i;

	for (i = 0; i < S.st_pending.n; i++) {
		free(p[i].sp_line);
		free(p[i].sp_caller);
		free(p[i].sp_risk);
		free(p[i].sp_operator);
	}
	S.st_pending.n = 0;
}

static void
status_snap_unref(struct status_snap *sn)
{
	int	 n;

	if (sn == NULL)
		return;
	pthread_mutex_lock(&S.st_mu);
	n = --sn->sn_refs;
	pthread_mutex_unlock(&S.st_mu);
	if (n > 0)
		return;
	free(sn->sn_why);
	free(sn->sn_json);
	free(sn->sn_metrics);
	free(sn);
}

static void
status_codes_free(struct status_vec *v)
{
	struct status_code	*c = v->v;
	size_t			 i;

	for (i = 0; i < v->n; i++)
		free(c[i].sc_listener);
	free(v->v);
}

/* After the status listeners are closed: everything goes. */
void
status_free(void)
{
	struct status_line	*l = S.st_lines.v;
	struct status_total	*t = S.st_totals.v;
	size_t			 i;

	status_halt();
	if (S.st_tick != NULL)
		event_free(S.st_tick);
	if (S.st_pub_ev != NULL)
		event_free(S.st_pub_ev);
	if (S.st_wake_ev != NULL)
		event_free(S.st_wake_ev);
	if (S.st_tbase != NULL)
		event_base_free(S.st_tbase);
	if (S.st_wake[0] != -1)
		close(S.st_wake[0]);
	if (S.st_wake[1] != -1)
		close(S.st_wake[1]);
	for (i = 0; i < S.st_lines.n; i++)
		free(l[i].sl_code);
	for (i = 0; i < S.st_totals.n; i++) {
		free(t[i].st_line);
		free(t[i].st_caller);
		free(t[i].st_risk);
	}
	status_codes_free(&S.st_codes);
	status_codes_free(&S.st_tcodes);
	status_ops_clear();
	status_pending_clear();
	status_snap_unref(S.st_snap);
	free(S.st_lines.v);
	free(S.st_totals.v);
	free(S.st_ops.v);
	free(S.st_pending.v);
	free(S.st_db_path);
	pthread_mutex_destroy(&S.st_mu);
	memset(&S, 0, sizeof(S));
	S.st_wake[0] = S.st_wake[1] = -1;
}

/*
 * A reload, with the status thread halted: the lines to show and the
 * header limit come from cf now (the store stays the one opened).
 */
void
status_set_config(const struct config *cf)
{
	S.st_cf = cf;
	S.st_max_headers = cf->cf_limits.lim_max_headers;	/* halted */
	/* The timezone may have changed: find today's bounds again. */
	status_day_bounds(clock_now(), &S.st_day_start, &S.st_day_end);
	status_publish();
}

/* The daemon is going away: /healthz says so from now on. */
void
status_stop(void)
{
	S.st_stopping = 1;
	status_publish();
}

/* Hook: a call was stored in the open batch. */
void
status_call_stored(const struct call *c)
{
	struct status_pending	*p;

	if ((p = status_vec_add(&S.st_pending, sizeof(*p))) == NULL)
		return;
	p->sp_line = strdup(c->c_line);
	p->sp_caller = strdup(c->c_caller_type);
	p->sp_risk = strdup(c->c_risk);
	p->sp_operator = strdup(c->c_operator);
	p->sp_started = c->c_started_at;
	if (p->sp_line == NULL || p->sp_caller == NULL || p->sp_risk == NULL ||
	    p->sp_operator == NULL) {
		free(p->sp_line);
		free(p->sp_caller);
		free(p->sp_risk);
		free(p->sp_operator);
		S.st_pending.n--;
	}
}

/*
 * Hook: a batch was committed (ok) or rolled back, taking usec. Published
 * at once, before the batch's answers go out: a client that got its 201
 * finds its call counted.
 */
void
status_commit(int ok, int64_t usec, const char *why)
{
	struct status_pending	*p = S.st_pending.v;
	double			 sec = (double)usec / 1e6;
	int64_t			 now = clock_now();
	size_t			 i, k;

	for (k = 0; k < STATUS_NBUCKETS && sec > status_buckets[k]; k++)
		;
	S.st_hist[k]++;
	S.st_hist_count++;
	S.st_hist_sum += sec;
	if (!ok) {
		snprintf(S.st_commit_fail, sizeof(S.st_commit_fail), "the "
		    "last commit failed: %s", why != NULL ? why : "?");
		status_pending_clear();
		status_publish();
		return;
	}
	S.st_commit_fail[0] = '\0';
	S.st_lock_fail[0] = '\0';
	S.st_last_commit = now;
	for (i = 0; i < S.st_pending.n; i++)
		status_tally(&p[i], now);
	status_pending_clear();
	status_publish();
}

/* Hook: queued writes were refused (lock held too long, store broken). */
void
status_store_failed(const char *why)
{
	snprintf(S.st_lock_fail, sizeof(S.st_lock_fail), "%s", why);
	status_pending_clear();
	status_publish();
}

static void
status_code_add(struct status_vec *v, const char *listener, int code,
    uint64_t n)
{
	struct status_code	*c = v->v;
	size_t			 i;

	for (i = 0; i < v->n; i++)
		if (c[i].sc_code == code &&
		    strcmp(c[i].sc_listener, listener) == 0) {
			c[i].sc_n += n;
			return;
		}
	if ((c = status_vec_add(v, sizeof(*c))) == NULL)
		return;
	if ((c->sc_listener = strdup(listener)) == NULL) {
		v->n--;
		return;
	}
	c->sc_code = code;
	c->sc_n = n;
}

/*
 * Hooks from the listeners: one answer sent, one connection more or less.
 * A status listener's run in the status thread (or in the main thread
 * while that is halted): they count under the mutex, for the next
 * snapshot.
 */
void
status_request(enum listener_kind kind, const char *listener, int code)
{
	if (kind == LISTENER_STATUS) {
		pthread_mutex_lock(&S.st_mu);
		status_code_add(&S.st_tcodes, listener, code, 1);
		pthread_mutex_unlock(&S.st_mu);
		return;
	}
	status_code_add(&S.st_codes, listener, code, 1);
	status_dirty();
}

void
status_conn(enum listener_kind kind, int delta)
{
	if (kind == LISTENER_STATUS) {
		pthread_mutex_lock(&S.st_mu);
		S.st_tconns += delta;
		pthread_mutex_unlock(&S.st_mu);
		return;
	}
	S.st_conns += delta;
	status_dirty();
}

/* Hook from the API: a write was queued (writes_waiting moved). */
void
status_writes_changed(void)
{
	status_dirty();
}

/* Every listener's answers: the main loop's and the status thread's. */
static void
status_codes_all(struct status_vec *out)
{
	struct status_code	*c;
	size_t			 i;

	memset(out, 0, sizeof(*out));
	c = S.st_codes.v;
	for (i = 0; i < S.st_codes.n; i++)
		status_code_add(out, c[i].sc_listener, c[i].sc_code,
		    c[i].sc_n);
	pthread_mutex_lock(&S.st_mu);
	c = S.st_tcodes.v;
	for (i = 0; i < S.st_tcodes.n; i++)
		status_code_add(out, c[i].sc_listener, c[i].sc_code,
		    c[i].sc_n);
	pthread_mutex_unlock(&S.st_mu);
}

static int64_t
status_conns_all(void)
{
	int64_t	 n;

	pthread_mutex_lock(&S.st_mu);
	n = S.st_tconns;
	pthread_mutex_unlock(&S.st_mu);
	return S.st_conns + n;
}

/* Why the store cannot take writes now, or NULL when it can. */
static const char *
status_store_why(void)
{
	if (S.st_commit_fail[0] != '\0')
		return S.st_commit_fail;
	if (S.st_lock_fail[0] != '\0')
		return S.st_lock_fail;
	if (S.st_probe_fail[0] != '\0')
		return S.st_probe_fail;
	if (S.st_disk_full)
		return "the disk is full";
	return NULL;
}

static json_t *
status_time_json(int64_t t)
{
	char	 buf[40];

	if (t == 0)
		return json_null();
	clock_format(t, buf, sizeof(buf));
	return json_string(buf);
}

static json_t *
status_lines_json(int64_t now)
{
	const struct code_list	*cl = &S.st_cf->cf_lines;
	struct status_line	*l;
	json_t			*a = json_array();
	size_t			 i;

	for (i = 0; i < cl->cl_n; i++) {
		l = status_line(cl->cl_v[i].cn_code);
		json_array_append_new(a, json_pack("{s:s, s:s, s:I, s:I, s:o}",
		    "code", cl->cl_v[i].cn_code, "name", cl->cl_v[i].cn_name,
		    "calls_today", (json_int_t)(l != NULL ? l->sl_today : 0),
		    "calls_last_hour", (json_int_t)(l != NULL ?
		    status_last_hour(l, now) : 0),
		    "last_call_at", status_time_json(l != NULL ?
		    l->sl_last : 0)));
	}
	return a;
}

static json_t *
status_queues_json(int64_t now)
{
	const struct queue_count	*q;
	json_t				*a = json_array();
	size_t				 i, n;

	n = queue_counts(&q);
	for (i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:I, s:I, s:I, "
		    "s:I, s:I, s:I}", "code", q[i].qc_code, "name",
		    q[i].qc_name, "waiting", (json_int_t)q[i].qc_waiting,
		    "claimed", (json_int_t)q[i].qc_claimed, "scheduled",
		    (json_int_t)q[i].qc_scheduled, "oldest_wait_s",
		    (json_int_t)(q[i].qc_oldest_due > 0 &&
		    q[i].qc_oldest_due < now ? now - q[i].qc_oldest_due : 0),
		    "escalated", (json_int_t)q[i].qc_escalated,
		    "escalations", (json_int_t)q[i].qc_escalations));
	return a;
}

/* {"listener": {"2xx": n, "4xx": n, ...}, ...} */
static json_t *
status_requests_json(void)
{
	struct status_vec	 all;
	struct status_code	*c;
	json_t			*o = json_object(), *l, *v;
	char			 cls[8];
	size_t			 i;

	status_codes_all(&all);
	c = all.v;
	for (i = 0; i < all.n; i++) {
		if ((l = json_object_get(o, c[i].sc_listener)) == NULL) {
			l = json_object();
			json_object_set_new(o, c[i].sc_listener, l);
		}
		snprintf(cls, sizeof(cls), "%dxx", c[i].sc_code / 100 % 10);
		v = json_object_get(l, cls);
		json_object_set_new(l, cls, json_integer(c[i].sc_n +
		    (v != NULL ? json_integer_value(v) : 0)));
	}
	status_codes_free(&all);
	return o;
}

/* The whole of GET /status at time now. */
json_t *
status_json(int64_t now)
{
	const char	*why = status_store_why();
	char		 day[16];
	struct tm	 tm;
	time_t		 tt;

	status_roll(now);
	tt = (time_t)S.st_day_start;
	if (localtime_r(&tt, &tm) == NULL ||
	    strftime(day, sizeof(day), "%Y-%m-%d", &tm) == 0)
		day[0] = '\0';
	return json_pack("{s:s, s:o, s:I, s:s, s:s, s:b, s:{s:s, s:b, s:o, "
	    "s:o, s:I, s:I}, s:o, s:o, s:I, s:o, s:I, s:o}",
	    "version", HOTLINED_VERSION,
	    "started_at", status_time_json(S.st_started),
	    "uptime_s", (json_int_t)((clock_mono_usec() - S.st_started_us) /
	    1000000),
	    "timezone", S.st_cf->cf_timezone,
	    "day", day,
	    "stopping", S.st_stopping,
	    "store",
	    "path", S.st_db_path,
	    "ok", why == NULL,
	    "reason", why != NULL ? json_string(why) : json_null(),
	    "last_commit_at", status_time_json(S.st_last_commit),
	    "writes_waiting", (json_int_t)(S.st_batch != NULL ?
	    batch_waiting(S.st_batch) : 0),
	    "size_bytes", (json_int_t)S.st_db_size,
	    "lines", status_lines_json(now),
	    "queues", status_queues_json(now),
	    "connections_open", (json_int_t)status_conns_all(),
	    "requests", status_requests_json(),
	    "operators_active_today", (json_int_t)S.st_ops.n,
	    "retention", retention_json());
}

/* One sample line: name{labels} value, label values escaped. */
static void
status_sample(struct evbuffer *b, const char *name, const char *const *kv,
    const char *value)
{
	char	 esc[512];
	size_t	 i;

	evbuffer_add_printf(b, "%s", name);
	for (i = 0; kv != NULL && kv[i] != NULL; i += 2) {
		status_label_escape(kv[i + 1], esc, sizeof(esc));
		evbuffer_add_printf(b, "%s%s=\"%s\"", i == 0 ? "{" : ",",
		    kv[i], esc);
	}
	evbuffer_add_printf(b, "%s %s\n", kv != NULL && kv[0] != NULL ?
	    "}" : "", value);
}

static void
status_head(struct evbuffer *b, const char *name, const char *type,
    const char *help)
{
	evbuffer_add_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help,
	    name, type);
}

static void
status_metrics_calls(struct evbuffer *b)
{
	struct status_total	*t = S.st_totals.v;
	struct status_code	*c;
	struct status_vec	 all;
	const char		*kv[7] = { NULL };
	char			 v[32], code[8];
	size_t			 i;

	status_head(b, "hotlined_calls_total", "counter",
	    "Calls logged, by line, caller type and risk.");
	for (i = 0; i < S.st_totals.n; i++) {
		kv[0] = "line", kv[1] = t[i].st_line;
		kv[2] = "caller_type", kv[3] = t[i].st_caller;
		kv[4] = "risk", kv[5] = t[i].st_risk;
		snprintf(v, sizeof(v), "%llu", (unsigned long long)t[i].st_n);
		status_sample(b, "hotlined_calls_total", kv, v);
	}
	status_head(b, "hotlined_http_requests_total", "counter",
	    "HTTP requests answered, by listener and status code.");
	kv[4] = NULL;
	status_codes_all(&all);
	c = all.v;
	for (i = 0; i < all.n; i++) {
		snprintf(code, sizeof(code), "%d", c[i].sc_code);
		kv[0] = "listener", kv[1] = c[i].sc_listener;
		kv[2] = "code", kv[3] = code;
		snprintf(v, sizeof(v), "%llu", (unsigned long long)c[i].sc_n);
		status_sample(b, "hotlined_http_requests_total", kv, v);
	}
	status_codes_free(&all);
}

static void
status_metrics_queues(struct evbuffer *b, int64_t now)
{
	static const char *const states[] = { "waiting", "claimed",
	    "scheduled", "escalated" };
	const struct queue_count	*q;
	const char			*kv[5] = { NULL };
	char				 v[32];
	int64_t				 n[4];
	size_t				 i, k, nq;

	nq = queue_counts(&q);
	status_head(b, "hotlined_escalations_total", "counter",
	    "Queue items escalated past their SLA since start-up.");
	for (i = 0; i < nq; i++) {
		kv[0] = "queue", kv[1] = q[i].qc_code;
		snprintf(v, sizeof(v), "%llu",
		    (unsigned long long)q[i].qc_escalations);
		status_sample(b, "hotlined_escalations_total", kv, v);
	}
	status_head(b, "hotlined_queue_items", "gauge",
	    "Open queue items, by queue and state.");
	for (i = 0; i < nq; i++) {
		n[0] = q[i].qc_waiting, n[1] = q[i].qc_claimed;
		n[2] = q[i].qc_scheduled, n[3] = q[i].qc_escalated;
		for (k = 0; k < 4; k++) {
			kv[0] = "queue", kv[1] = q[i].qc_code;
			kv[2] = "state", kv[3] = states[k];
			snprintf(v, sizeof(v), "%lld", (long long)n[k]);
			status_sample(b, "hotlined_queue_items", kv, v);
		}
	}
	kv[2] = NULL;
	status_head(b, "hotlined_queue_oldest_wait_seconds", "gauge",
	    "How long the oldest claimable item of a queue has waited.");
	for (i = 0; i < nq; i++) {
		kv[0] = "queue", kv[1] = q[i].qc_code;
		snprintf(v, sizeof(v), "%lld", (long long)(q[i].qc_oldest_due >
		    0 && q[i].qc_oldest_due < now ? now - q[i].qc_oldest_due :
		    0));
		status_sample(b, "hotlined_queue_oldest_wait_seconds", kv, v);
	}
}

static void
status_metrics_commits(struct evbuffer *b)
{
	const char	*kv[3] = { "le", NULL, NULL };
	char		 le[32], v[32];
	uint64_t	 cum = 0;
	size_t		 k;

	status_head(b, "hotlined_commit_duration_seconds", "histogram",
	    "Time taken by each group commit of the store.");
	for (k = 0; k <= STATUS_NBUCKETS; k++) {
		cum += S.st_hist[k];
		if (k < STATUS_NBUCKETS)
			snprintf(le, sizeof(le), "%g", status_buckets[k]);
		else
			snprintf(le, sizeof(le), "+Inf");
		kv[1] = le;
		snprintf(v, sizeof(v), "%llu", (unsigned long long)cum);
		status_sample(b, "hotlined_commit_duration_seconds_bucket", kv,
		    v);
	}
	snprintf(v, sizeof(v), "%.6f", S.st_hist_sum);
	status_sample(b, "hotlined_commit_duration_seconds_sum", NULL, v);
	snprintf(v, sizeof(v), "%llu", (unsigned long long)S.st_hist_count);
	status_sample(b, "hotlined_commit_duration_seconds_count", NULL, v);
}

/* The Prometheus text exposition format, version 0.0.4. */
static void
status_metrics(struct evbuffer *b, int64_t now)
{
	const char	*kv[3] = { "version", HOTLINED_VERSION, NULL };
	char		 v[32];

	status_metrics_calls(b);
	status_metrics_queues(b, now);
	status_metrics_commits(b);
	status_head(b, "hotlined_store_ok", "gauge",
	    "1 when the store accepts writes, else 0.");
	status_sample(b, "hotlined_store_ok", NULL,
	    status_store_why() == NULL ? "1" : "0");
	status_head(b, "hotlined_up", "gauge",
	    "1 while the daemon serves, 0 once it is stopping.");
	status_sample(b, "hotlined_up", NULL, S.st_stopping ? "0" : "1");
	status_head(b, "hotlined_connections_open", "gauge",
	    "HTTP connections open on all listeners.");
	snprintf(v, sizeof(v), "%lld", (long long)status_conns_all());
	status_sample(b, "hotlined_connections_open", NULL, v);
	status_head(b, "hotlined_build_info", "gauge",
	    "The running version; always 1.");
	status_sample(b, "hotlined_build_info", kv, "1");
	status_head(b, "process_start_time_seconds", "gauge",
	    "Start time of the process since the Unix epoch, in seconds.");
	snprintf(v, sizeof(v), "%lld", (long long)S.st_started);
	status_sample(b, "process_start_time_seconds", NULL, v);
}

/* Render the answers from the counters and hand them to the thread. */
static void
status_publish(void)
{
	struct status_snap	*sn, *old;
	struct evbuffer		*b;
	const char		*why;
	json_t			*o;
	int64_t			 now = clock_now();
	size_t			 len;

	if ((sn = calloc(1, sizeof(*sn))) == NULL)
		return;
	if ((b = evbuffer_new()) == NULL) {
		free(sn);
		return;
	}
	sn->sn_refs = 1;
	sn->sn_stopping = S.st_stopping;
	if ((why = status_store_why()) != NULL)
		sn->sn_why = strdup(why);
	o = status_json(now);
	sn->sn_json = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	sn->sn_json_len = sn->sn_json != NULL ? strlen(sn->sn_json) : 0;
	status_metrics(b, now);
	len = evbuffer_get_length(b);
	if ((sn->sn_metrics = malloc(len + 1)) != NULL) {
		evbuffer_remove(b, sn->sn_metrics, len);
		sn->sn_metrics_len = len;
	}
	evbuffer_free(b);
	if (sn->sn_json == NULL || sn->sn_metrics == NULL ||
	    (why != NULL && sn->sn_why == NULL)) {
		/* Out of memory: keep serving the last one. */
		status_snap_unref(sn);
		return;
	}
	sn->sn_at_us = clock_mono_usec();
	pthread_mutex_lock(&S.st_mu);
	old = S.st_snap;
	S.st_snap = sn;
	pthread_mutex_unlock(&S.st_mu);
	status_snap_unref(old);
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
	pthread_mutex_lock(&S.st_mu);
	if ((sn = S.st_snap) != NULL)
		sn->sn_refs++;
	pthread_mutex_unlock(&S.st_mu);
	if (sn == NULL || (b = evbuffer_new()) == NULL) {
		evhttp_send_error(req, 503, NULL);
		status_snap_unref(sn);
		return;
	}
	status_route(req, sn, b);
	evbuffer_free(b);
	status_snap_unref(sn);
}
