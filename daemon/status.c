/*
 * The status counters, kept in the main loop's memory: calls per line
 * today and per minute of the last hour, calls by line, caller type and
 * risk, operators active today, answers per listener and code, open
 * connections, commit durations and the store's failures. The API and
 * the listeners tell them what happened (status.h); the counts start
 * from the store at start-up, so a restart does not reset "calls today".
 *
 * Below the status listener, which renders them (status_render.c): it
 * registers with status_on_change() and is told of every change, and
 * reads them through status_int.h. Only the status listeners' own counts
 * are touched from the status thread, under this file's mutex.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "status_int.h"

/* Commit durations, seconds: the histogram's upper bounds. */
const double status_buckets[STATUS_NBUCKETS] = { 0.0005, 0.001,
    0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5 };

/* A call stored in the open batch: counted once the batch commits. */
struct status_pending {
	char		*sp_line;
	char		*sp_caller;
	char		*sp_risk;
	char		*sp_operator;
	int64_t		 sp_started;
	int		 sp_moved;	/* amended: +1 or -1 in the totals only */
};

static struct status_counts S;

/* The status thread counts too: st_tcodes and st_tconns under this. */
static pthread_mutex_t status_mu = PTHREAD_MUTEX_INITIALIZER;

/* The counters, read-only, for the renderer. */
const struct status_counts *
status_counts(void)
{
	return &S;
}

/* Who renders the counters: told of every change (one at a time). */
void
status_on_change(void (*cb)(int, void *), void *arg)
{
	S.st_change = cb;
	S.st_change_arg = arg;
}

/* The counters moved: STATUS_NOW to be seen at once, or STATUS_SOON. */
static void
status_changed(int when)
{
	if (S.st_change != NULL)
		S.st_change(when, S.st_change_arg);
}

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

struct status_line *
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
    int64_t n)
{
	struct status_total	*t = S.st_totals.v;
	size_t			 i;

	for (i = 0; i < S.st_totals.n; i++)
		if (strcmp(t[i].st_line, line) == 0 &&
		    strcmp(t[i].st_caller, caller) == 0 &&
		    strcmp(t[i].st_risk, risk) == 0) {
			t[i].st_n += (uint64_t)n;
			return;
		}
	/* A call leaves only a series it was counted in. */
	if (n < 0 || (t = status_vec_add(&S.st_totals, sizeof(*t))) == NULL)
		return;
	t->st_line = strdup(line);
	t->st_caller = strdup(caller);
	t->st_risk = strdup(risk);
	t->st_n = (uint64_t)n;
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

/* Past local midnight: a new day starts with nothing counted. */
void
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

/* Calls on line l in the hour up to now. */
uint64_t
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
	if (p->sp_moved != 0) {
		status_total_add(p->sp_line, p->sp_caller, p->sp_risk,
		    p->sp_moved);
		return;
	}
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
			    sc->sc_text[2], sc->sc_num[3]);
		break;
	case STORE_COUNT_OPERATOR:
		if (sc->sc_text[0] != NULL)
			status_op_add(sc->sc_text[0]);
		break;
	}
}

/* Start counting at time now from what the store holds. */
int
status_load(struct store *store, int64_t now, char **cause)
{
	status_day_bounds(now, &S.st_day_start, &S.st_day_end);
	if (store_counts(store, S.st_day_start, S.st_day_end,
	    (now / 60 - STATUS_MINUTES + 1) * 60, status_load_row,
	    &now) != STORE_OK) {
		asprintf(cause, "loading the status counts: %s",
		    store_errmsg(store));
		return -1;
	}
	return 0;
}

/* The timezone may have changed: find today's bounds again. */
void
status_rebound(void)
{
	status_day_bounds(clock_now(), &S.st_day_start, &S.st_day_end);
}

/* The database file and its WAL: their size, and room left on the disk. */

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

void
status_codes_free(struct status_vec *v)
{
	struct status_code	*c = v->v;
	size_t			 i;

	for (i = 0; i < v->n; i++)
		free(c[i].sc_listener);
	free(v->v);
}

/* After the status listeners are closed: every count goes. */
void
status_counts_free(void)
{
	struct status_line	*l = S.st_lines.v;
	struct status_total	*t = S.st_totals.v;
	size_t			 i;

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
	free(S.st_lines.v);
	free(S.st_totals.v);
	free(S.st_ops.v);
	free(S.st_pending.v);
	memset(&S, 0, sizeof(S));
}

/* A call stored (moved 0) or amended (+1, -1) in the open batch. */
static void
status_call_pending(const struct call *c, int moved)
{
	struct status_pending	*p;

	if ((p = status_vec_add(&S.st_pending, sizeof(*p))) == NULL)
		return;
	p->sp_moved = moved;
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

/* Hook: a call was stored in the open batch. */
void
status_call_stored(const struct call *c)
{
	status_call_pending(c, 0);
}

/*
 * Hook: a call was amended in the open batch from old to new: its count
 * by line, caller type and risk moves with it, as the store's does.
 */
void
status_call_amended(const struct call *old, const struct call *new)
{
	if (strcmp(old->c_line, new->c_line) == 0 &&
	    strcmp(old->c_caller_type, new->c_caller_type) == 0 &&
	    strcmp(old->c_risk, new->c_risk) == 0)
		return;
	status_call_pending(old, -1);
	status_call_pending(new, 1);
}

/* A commit took usec, to the disk: the commits' histogram. */
void
status_commit_time(int64_t usec)
{
	double	 sec = (double)usec / 1e6;
	size_t	 k;

	for (k = 0; k < STATUS_NBUCKETS && sec > status_buckets[k]; k++)
		;
	S.st_hist[k]++;
	S.st_hist_count++;
	S.st_hist_sum += sec;
}

/*
 * Hook: a batch was committed (ok) or rolled back, taking usec (-1: its
 * time is told later, once the commit is on the disk: status_commit_time).
 * Published at once, before the batch's answers go out: a client that
 * got its 201 finds its call counted.
 */
void
status_commit(int ok, int64_t usec, const char *why)
{
	struct status_pending	*p = S.st_pending.v;
	int64_t			 now = clock_now();
	size_t			 i;

	if (usec >= 0)
		status_commit_time(usec);
	if (!ok) {
		snprintf(S.st_commit_fail, sizeof(S.st_commit_fail), "the "
		    "last commit failed: %s", why != NULL ? why : "?");
		status_pending_clear();
		status_changed(STATUS_NOW);
		return;
	}
	S.st_commit_fail[0] = '\0';
	S.st_lock_fail[0] = '\0';
	S.st_last_commit = now;
	for (i = 0; i < S.st_pending.n; i++)
		status_tally(&p[i], now);
	status_pending_clear();
	status_changed(STATUS_NOW);
}

/* The store took a probe's write lock: a refusal is over. */
void
status_lock_ok(void)
{
	S.st_lock_fail[0] = '\0';
}

/* Hook: queued writes were refused (lock held too long, store broken). */
void
status_store_failed(const char *why)
{
	snprintf(S.st_lock_fail, sizeof(S.st_lock_fail), "%s", why);
	status_pending_clear();
	status_changed(STATUS_NOW);
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
		pthread_mutex_lock(&status_mu);
		status_code_add(&S.st_tcodes, listener, code, 1);
		pthread_mutex_unlock(&status_mu);
		return;
	}
	status_code_add(&S.st_codes, listener, code, 1);
	status_changed(STATUS_SOON);
}

void
status_conn(enum listener_kind kind, int delta)
{
	if (kind == LISTENER_STATUS) {
		pthread_mutex_lock(&status_mu);
		S.st_tconns += delta;
		pthread_mutex_unlock(&status_mu);
		return;
	}
	S.st_conns += delta;
	status_changed(STATUS_SOON);
}

/* Hook from the API: a write was queued (writes_waiting moved). */
void
status_writes_changed(void)
{
	status_changed(STATUS_SOON);
}

/* Every listener's answers: the main loop's and the status thread's. */
void
status_codes_all(struct status_vec *out)
{
	struct status_code	*c;
	size_t			 i;

	memset(out, 0, sizeof(*out));
	c = S.st_codes.v;
	for (i = 0; i < S.st_codes.n; i++)
		status_code_add(out, c[i].sc_listener, c[i].sc_code,
		    c[i].sc_n);
	pthread_mutex_lock(&status_mu);
	c = S.st_tcodes.v;
	for (i = 0; i < S.st_tcodes.n; i++)
		status_code_add(out, c[i].sc_listener, c[i].sc_code,
		    c[i].sc_n);
	pthread_mutex_unlock(&status_mu);
}

/* Connections open on every listener. */
int64_t
status_conns_all(void)
{
	int64_t	 n;

	pthread_mutex_lock(&status_mu);
	n = S.st_tconns;
	pthread_mutex_unlock(&status_mu);
	return S.st_conns + n;
}

