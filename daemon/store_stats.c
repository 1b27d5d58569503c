/*
 * The statistics: the hourly rollups (added to in the same transactions
 * as the calls and items, read back by hour, built once from the calls),
 * the reads of the calls themselves that stats.c steps through, and the
 * start-up counts of the status listener.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

static int	store_stats_add(struct store *, enum store_stmt, const char *,
		    int64_t, const char *, const char *, const int64_t[6],
		    const int64_t *);

const char *const store_stats_sql[ST_MAX] = {
	/* Add the deltas to a rollup row, making it if needed. */
	[ST_ROLLUP_ADD] = "INSERT INTO stats_hourly (dim, hour, value, calls,"
	    " dur_sum, dur_n, high, items, escalated,"
	    " w0, w1, w2, w3, w4, w5, w6, w7, w8, w9, w10, w11, w12,"
	    " w13, w14, w15, w16)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,"
	    " ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20,"
	    " ?21, ?22, ?23, ?24, ?25, ?26)"
	    " ON CONFLICT (dim, hour, value) DO UPDATE SET"
	    " calls = calls + ?4, dur_sum = dur_sum + ?5, dur_n = dur_n + ?6,"
	    " high = high + ?7, items = items + ?8, escalated = escalated + ?9,"
	    " w0 = w0 + ?10, w1 = w1 + ?11, w2 = w2 + ?12, w3 = w3 +"
	    " ?13, w4 = w4 + ?14, w5 = w5 + ?15, w6 = w6 + ?16, w7 = w7"
	    " + ?17, w8 = w8 + ?18, w9 = w9 + ?19, w10 = w10 + ?20, w11"
	    " = w11 + ?21, w12 = w12 + ?22, w13 = w13 + ?23, w14 = w14 +"
	    " ?24, w15 = w15 + ?25, w16 = w16 + ?26",
	/* The rollup rows of one dimension in [?2, ?3), in hour order. */
	[ST_ROLLUP_READ] = "SELECT hour, value, calls, dur_sum, dur_n, high,"
	    " items, escalated, w0, w1, w2, w3, w4, w5, w6, w7, w8, w9, w10,"
	    " w11, w12, w13, w14, w15, w16 FROM stats_hourly"
	    " WHERE dim = ?1 AND hour >= ?2 AND hour < ?3 ORDER BY hour",
	/* No rollups yet, but calls: a store from before them (stats.c). */
	/* Whether any row exists, not how many: no scan at start-up. */
	[ST_ROLLUP_MISSING] = "SELECT NOT EXISTS (SELECT 1 FROM stats_hourly)"
	    " AND EXISTS (SELECT 1 FROM calls)",
	/*
	 * What each call adds to the rollups, in the order of their start,
	 * for a rebuild: its coded fields, its topics (separated by 0x1f),
	 * its first item's queue, its items, those past SLA and the waits
	 * until a first claim (separated by commas).
	 */
	[ST_ROLLUP_EACH] = "SELECT c.started_at, c.line, c.caller_type,"
	    " c.risk, c.outcome, c.operator, c.call_type, c.duration_s,"
	    " (SELECT group_concat(topic, char(31)) FROM call_topics"
	    " WHERE call_id = c.id),"
	    " (SELECT queue FROM queue_items WHERE call_id = c.id"
	    " ORDER BY id LIMIT 1),"
	    " (SELECT count(*) FROM queue_items WHERE call_id = c.id),"
	    " (SELECT count(escalated_at) FROM queue_items"
	    " WHERE call_id = c.id),"
	    " (SELECT group_concat(first_claimed_at - due_at) FROM queue_items"
	    " WHERE call_id = c.id AND first_claimed_at IS NOT NULL"
	    " AND first_claimed_at != 0)"
	    " FROM calls c ORDER BY c.started_at, c.id",
	/* The daily rollups of pairs: as ST_ROLLUP_ADD, by day and pair. */
	[ST_DAILY_ADD] = "INSERT INTO stats_daily (pair, day, v0, v1, calls,"
	    " dur_sum, dur_n, high, items, escalated,"
	    " w0, w1, w2, w3, w4, w5, w6, w7, w8, w9, w10, w11, w12,"
	    " w13, w14, w15, w16)"
	    " VALUES (?1, ?2, ?3, ?27, ?4, ?5, ?6, ?7, ?8, ?9,"
	    " ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20,"
	    " ?21, ?22, ?23, ?24, ?25, ?26)"
	    " ON CONFLICT (pair, day, v0, v1) DO UPDATE SET"
	    " calls = calls + ?4, dur_sum = dur_sum + ?5, dur_n = dur_n + ?6,"
	    " high = high + ?7, items = items + ?8, escalated = escalated + ?9,"
	    " w0 = w0 + ?10, w1 = w1 + ?11, w2 = w2 + ?12, w3 = w3 +"
	    " ?13, w4 = w4 + ?14, w5 = w5 + ?15, w6 = w6 + ?16, w7 = w7"
	    " + ?17, w8 = w8 + ?18, w9 = w9 + ?19, w10 = w10 + ?20, w11"
	    " = w11 + ?21, w12 = w12 + ?22, w13 = w13 + ?23, w14 = w14 +"
	    " ?24, w15 = w15 + ?25, w16 = w16 + ?26",
	[ST_DAILY_READ] = "SELECT day, v0, v1, calls, dur_sum, dur_n, high,"
	    " items, escalated, w0, w1, w2, w3, w4, w5, w6, w7, w8, w9, w10,"
	    " w11, w12, w13, w14, w15, w16 FROM stats_daily"
	    " WHERE pair = ?1 AND day >= ?2 AND day < ?3 ORDER BY day",
	/* The monthly rollups of pairs: as ST_ROLLUP_ADD, by month and pair. */
	[ST_MONTHLY_ADD] = "INSERT INTO stats_monthly (pair, month, v0, v1, calls,"
	    " dur_sum, dur_n, high, items, escalated,"
	    " w0, w1, w2, w3, w4, w5, w6, w7, w8, w9, w10, w11, w12,"
	    " w13, w14, w15, w16)"
	    " VALUES (?1, ?2, ?3, ?27, ?4, ?5, ?6, ?7, ?8, ?9,"
	    " ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20,"
	    " ?21, ?22, ?23, ?24, ?25, ?26)"
	    " ON CONFLICT (pair, month, v0, v1) DO UPDATE SET"
	    " calls = calls + ?4, dur_sum = dur_sum + ?5, dur_n = dur_n + ?6,"
	    " high = high + ?7, items = items + ?8, escalated = escalated + ?9,"
	    " w0 = w0 + ?10, w1 = w1 + ?11, w2 = w2 + ?12, w3 = w3 +"
	    " ?13, w4 = w4 + ?14, w5 = w5 + ?15, w6 = w6 + ?16, w7 = w7"
	    " + ?17, w8 = w8 + ?18, w9 = w9 + ?19, w10 = w10 + ?20, w11"
	    " = w11 + ?21, w12 = w12 + ?22, w13 = w13 + ?23, w14 = w14 +"
	    " ?24, w15 = w15 + ?25, w16 = w16 + ?26",
	[ST_MONTHLY_READ] = "SELECT month, v0, v1, calls, dur_sum, dur_n, high,"
	    " items, escalated, w0, w1, w2, w3, w4, w5, w6, w7, w8, w9, w10,"
	    " w11, w12, w13, w14, w15, w16 FROM stats_monthly"
	    " WHERE pair = ?1 AND month >= ?2 AND month < ?3 ORDER BY month",
	/* A call's sums waiting to be folded into the daily and monthly. */
	[ST_PENDING_ADD] = "INSERT INTO stats_pending (started_at, sums, vals)"
	    " VALUES (?1, ?2, ?3)",
	[ST_PENDING_READ] = "SELECT started_at, sums, vals FROM stats_pending"
	    " WHERE started_at >= ?1 AND started_at < ?2 ORDER BY started_at",
	[ST_PENDING_COUNT] = "SELECT count(*) FROM stats_pending",
	/* The zone whose days stats_daily counts ("": none until rebuilt). */
	[ST_DAILY_ZONE] = "SELECT zone FROM stats_daily_zone",
	[ST_DAILY_ZONE_SET] = "INSERT OR REPLACE INTO stats_daily_zone"
	    " (id, zone) VALUES (1, ?1)",
	/* The risk codes the rollups count as high (stats_high.c). */
	[ST_HIGH] = "SELECT risks FROM stats_high",
	[ST_HIGH_SET] = "INSERT OR REPLACE INTO stats_high (id, risks)"
	    " VALUES (1, ?1)",
	/*
	 * Whether a stored call is at a risk code one list holds and the
	 * other not: a few rows of call_totals, not the calls.
	 */
	[ST_HIGH_DIFFERS] = "SELECT EXISTS (SELECT 1 FROM call_totals"
	    " WHERE calls != 0 AND (risk IN (SELECT value FROM json_each(?1)))"
	    " != (risk IN (SELECT value FROM json_each(?2))))",
	/*
	 * Whether a row that holds the risk counts otherwise than the list
	 * ?1 says: all its calls as high, or none. The hourly rows of risk;
	 * with ?4, the daily and monthly rows of the pairs ?2 (the risk
	 * their first value) and ?3 (their second). Then whether there
	 * was a row to check.
	 */
	[ST_HIGH_CHECK] = "WITH h(code) AS (SELECT value FROM json_each(?1))"
	    " SELECT EXISTS (SELECT 1 FROM stats_hourly WHERE dim = 'risk'"
	    " AND high != CASE WHEN value IN h THEN calls ELSE 0 END)"
	    " OR (?4 AND (EXISTS (SELECT 1 FROM stats_daily"
	    " WHERE pair IN (SELECT value FROM json_each(?2))"
	    " AND high != CASE WHEN v0 IN h THEN calls ELSE 0 END)"
	    " OR EXISTS (SELECT 1 FROM stats_daily"
	    " WHERE pair IN (SELECT value FROM json_each(?3))"
	    " AND high != CASE WHEN v1 IN h THEN calls ELSE 0 END)"
	    " OR EXISTS (SELECT 1 FROM stats_monthly"
	    " WHERE pair IN (SELECT value FROM json_each(?2))"
	    " AND high != CASE WHEN v0 IN h THEN calls ELSE 0 END)"
	    " OR EXISTS (SELECT 1 FROM stats_monthly"
	    " WHERE pair IN (SELECT value FROM json_each(?3))"
	    " AND high != CASE WHEN v1 IN h THEN calls ELSE 0 END))),"
	    " EXISTS (SELECT 1 FROM stats_hourly WHERE dim = 'risk')",
	/* The start-up counts of the status listener (store_counts). */
	/*
	 * Per line: its calls in the day (one read of the day's calls) and
	 * its latest start, found by the rollups' latest hour of the line
	 * and a read of that hour backwards (no scan of every call).
	 */
	[ST_COUNT_LINES] = "SELECT h.value, coalesce(t.n, 0),"
	    " (SELECT started_at FROM calls WHERE started_at >= h.last"
	    " AND started_at < h.last + 3600 AND line = h.value"
	    " ORDER BY started_at DESC LIMIT 1)"
	    " FROM (SELECT value, max(hour) AS last FROM stats_hourly"
	    " WHERE dim = 'line' AND calls > 0 GROUP BY value) AS h"
	    " LEFT JOIN (SELECT line, count(*) AS n FROM calls"
	    " WHERE started_at >= ?1 AND started_at < ?2 GROUP BY line) AS t"
	    " ON t.line = h.value",
	[ST_COUNT_MINUTES] = "SELECT line, started_at / 60, count(*)"
	    " FROM calls WHERE started_at >= ?3 GROUP BY 1, 2",
	/* Kept by triggers (migration 16): a few rows, not every call. */
	[ST_COUNT_TOTALS] = "SELECT line, caller_type, risk, calls"
	    " FROM call_totals",
	[ST_COUNT_OPERATORS] = "SELECT DISTINCT operator FROM calls"
	    " WHERE started_at >= ?1 AND started_at < ?2",
};

/*
 * Add to the rollup row (dim, hour, value): d, the calls, duration sum,
 * durations, high-risk calls, items and escalations, and w, the waits
 * per bucket (STORE_WAIT_BUCKETS of them).
 */
int
store_stats_rollup_add(struct store *s, const char *dim, int64_t hour,
    const char *value, const int64_t d[6], const int64_t *w)
{
	return store_stats_add(s, ST_ROLLUP_ADD, dim, hour, value, NULL, d,
	    w);
}

/* The same for the daily (1) or monthly (2) row (pair, t, v0, v1). */
int
store_stats_pair_add(struct store *s, int tier, const char *pair, int64_t t,
    const char *v0, const char *v1, const int64_t d[6], const int64_t *w)
{
	return store_stats_add(s, tier == 2 ? ST_MONTHLY_ADD : ST_DAILY_ADD,
	    pair, t, v0, v1, d, w);
}

static int
store_stats_add(struct store *s, enum store_stmt which, const char *dim,
    int64_t t, const char *v0, const char *v1, const int64_t d[6],
    const int64_t *w)
{
	sqlite3_stmt	*st = s->s_st[which];
	int		 rc, i;

	store_bind_text(st, 1, dim);
	sqlite3_bind_int64(st, 2, t);
	store_bind_text(st, 3, v0);
	if (v1 != NULL)
		store_bind_text(st, 27, v1);
	for (i = 0; i < 6; i++)
		sqlite3_bind_int64(st, 4 + i, d[i]);
	for (i = 0; i < STORE_WAIT_BUCKETS; i++)
		sqlite3_bind_int64(st, 10 + i, w[i]);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? STORE_OK : store_fail(s, "updating the "
	    "statistics");
}

/*
 * Read the counts the status listener starts from: per line (calls in
 * [day_start, day_end) and the latest start), per line and minute since
 * hour_start, all calls by line, caller type and risk, and the operators
 * with a call in the day. Each row goes to cb; STORE_OK or STORE_ERR.
 */
int
store_counts(struct store *s, int64_t day_start, int64_t day_end,
    int64_t hour_start, void (*cb)(const struct store_count *, void *),
    void *arg)
{
	static const enum store_stmt which[] = { ST_COUNT_LINES,
	    ST_COUNT_MINUTES, ST_COUNT_TOTALS, ST_COUNT_OPERATORS };
	static const enum store_count_kind kinds[] = { STORE_COUNT_LINE,
	    STORE_COUNT_MINUTE, STORE_COUNT_TOTAL, STORE_COUNT_OPERATOR };
	struct store_count	 sc;
	sqlite3_stmt		*st;
	size_t			 i;
	int			 rc, ncol, k;

	for (i = 0; i < sizeof(which) / sizeof(which[0]); i++) {
		st = s->s_st[which[i]];
		ncol = sqlite3_bind_parameter_count(st);
		if (ncol >= 1)
			sqlite3_bind_int64(st, 1, day_start);
		if (ncol >= 2)
			sqlite3_bind_int64(st, 2, day_end);
		if (ncol >= 3)
			sqlite3_bind_int64(st, 3, hour_start);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			memset(&sc, 0, sizeof(sc));
			sc.sc_kind = kinds[i];
			ncol = sqlite3_column_count(st);
			for (k = 0; k < ncol && k < 3; k++) {
				if (sqlite3_column_type(st, k) == SQLITE_TEXT)
					sc.sc_text[k] = (const char *)
					    sqlite3_column_text(st, k);
				else
					sc.sc_num[k] =
					    sqlite3_column_int64(st, k);
			}
			if (ncol > 3)
				sc.sc_num[3] = sqlite3_column_int64(st, 3);
			cb(&sc, arg);
		}
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		if (rc != SQLITE_DONE)
			return store_fail(s, "counting calls");
	}
	return STORE_OK;
}

/*
 * The value of each coded dimension in SQL, over the calls c and their
 * topics t; stats.c names them.
 */
static const struct {
	const char	*sd_name;
	const char	*sd_expr;
} store_stats_dims[] = {
	{ "line", "c.line" },
	{ "caller_type", "c.caller_type" },
	{ "topic", "t.topic" },
	{ "risk", "c.risk" },
	{ "outcome", "coalesce(c.outcome, '')" },
	{ "operator", "c.operator" },
	{ "queue", "coalesce((SELECT q2.queue FROM queue_items q2"
	    " WHERE q2.call_id = c.id ORDER BY q2.id LIMIT 1), '')" },
	{ "call_type", "c.call_type" },
};

/*
 * One statistics request read from the calls themselves. Its statements
 * depend on the dimensions asked for, so they are built here from fixed
 * fragments (every value a bound parameter), prepared on first use and
 * kept for the request's next steps.
 */
struct store_stats_scan {
	struct store	*ss_store;
	int		 ss_by_time;
	const char	*ss_expr[2];	/* the coded values; NULL: none */
	int		 ss_topic;	/* a dimension is the topic */
	sqlite3_stmt	*ss_st[4];	/* calls, items; x totals, dims */
};

/* A reader's row could not be taken: it ran out of memory. */
static int
store_stats_nomem(struct store *s, const char *what)
{
	s->s_errcode = SQLITE_NOMEM;
	snprintf(s->s_err, sizeof(s->s_err), "%s: out of memory", what);
	return STORE_ERR;
}

static const char *
store_stats_expr(const char *name)
{
	size_t	 i;

	for (i = 0; i < sizeof(store_stats_dims) / sizeof(store_stats_dims[0]);
	    i++)
		if (strcmp(store_stats_dims[i].sd_name, name) == 0)
			return store_stats_dims[i].sd_expr;
	return NULL;
}

/*
 * A read of s by time buckets (by_time) and up to two coded dimensions
 * (code0, code1, or NULL); NULL when out of memory or a name is unknown.
 */
struct store_stats_scan *
store_stats_scan_new(struct store *s, int by_time, const char *code0,
    const char *code1)
{
	struct store_stats_scan	*sc;
	const char		*code[2] = { code0, code1 };
	size_t			 i;

	if ((sc = calloc(1, sizeof(*sc))) == NULL)
		return NULL;
	sc->ss_store = s;
	sc->ss_by_time = by_time;
	for (i = 0; i < 2 && code[i] != NULL; i++) {
		if ((sc->ss_expr[i] = store_stats_expr(code[i])) == NULL) {
			log_warnx("%s: no dimension \"%s\"", __func__, code[i]);
			free(sc);
			return NULL;
		}
		sc->ss_topic |= strcmp(code[i], "topic") == 0;
	}
	return sc;
}

void
store_stats_scan_free(struct store_stats_scan *sc)
{
	size_t	 i;

	if (sc == NULL)
		return;
	for (i = 0; i < 4; i++)
		sqlite3_finalize(sc->ss_st[i]);
	free(sc);
}

/*
 * The statement: what to select after the bucket and the two values
 * (cols), from which tables (the topics and items joins), ordered or not.
 */
static sqlite3_stmt *
store_stats_prepare(struct store_stats_scan *sc, const char *cols, int items,
    int grouped, int with_dims)
{
	sqlite3_stmt	*st = NULL;
	const char	*e1 = "NULL", *e2 = "NULL";
	char		*sql;

	if (with_dims && sc->ss_expr[0] != NULL)
		e1 = sc->ss_expr[0];
	if (with_dims && sc->ss_expr[1] != NULL)
		e2 = sc->ss_expr[1];
	if (asprintf(&sql, "WITH b(k, lo, hi) AS (SELECT"
	    " json_extract(value, '$[2]'), json_extract(value, '$[0]'),"
	    " json_extract(value, '$[1]') FROM json_each(?1))"
	    " SELECT %s, %s, %s, %s FROM b CROSS JOIN calls c%s%s"
	    " WHERE c.started_at >= b.lo AND c.started_at < b.hi%s",
	    with_dims && sc->ss_by_time ? "b.k" : "-1", e1, e2, cols,
	    with_dims && sc->ss_topic ?
	    " JOIN call_topics t ON t.call_id = c.id" : "",
	    items ? " JOIN queue_items q ON q.call_id = c.id" : "",
	    grouped ? " GROUP BY 1, 2, 3" : "") == -1) {
		store_stats_nomem(sc->ss_store, "preparing the statistics");
		return NULL;
	}
	if (sqlite3_prepare_v2(sc->ss_store->s_db, sql, -1, &st, NULL) !=
	    SQLITE_OK) {
		store_fail(sc->ss_store, "preparing the statistics");
		st = NULL;
	}
	free(sql);
	return st;
}

/* The bucket and the two values that start every row of a scan. */
static void
store_stats_row_key(sqlite3_stmt *st, struct store_stats_row *w)
{
	memset(w, 0, sizeof(*w));
	w->ssr_bucket = sqlite3_column_int64(st, 0);
	w->ssr_val[0] = (const char *)sqlite3_column_text(st, 1);
	w->ssr_val[1] = (const char *)sqlite3_column_text(st, 2);
}

/* Reset st after its rows: STORE_OK when every one was read. */
static int
store_stats_end(struct store *s, sqlite3_stmt *st, int rc, const char *what)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc == SQLITE_DONE)
		return STORE_OK;
	if (rc == SQLITE_ROW)	/* the reader stopped */
		return store_stats_nomem(s, what);
	return store_fail(s, what);
}

/*
 * The calls started in slices (a JSON list of [lo, hi, k]) by bucket and
 * value (with_dims) or all together: how many, their durations, how many
 * at a risk in high (a JSON list of codes). Each row goes to fn, which
 * returns -1 when it cannot take it.
 */
int
store_stats_calls(struct store_stats_scan *sc, int with_dims,
    const char *slices, const char *high,
    int (*fn)(const struct store_stats_row *, void *), void *arg)
{
	struct store_stats_row	 w;
	sqlite3_stmt		*st;
	int			 rc;

	if ((st = sc->ss_st[with_dims]) == NULL &&
	    (st = sc->ss_st[with_dims] = store_stats_prepare(sc, "count(*),"
	    " total(c.duration_s), count(c.duration_s), total(c.risk IN"
	    " (SELECT value FROM json_each(?2)))", 0, 1, with_dims)) == NULL)
		return STORE_ERR;
	sqlite3_bind_text(st, 1, slices, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, high, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_stats_row_key(st, &w);
		w.ssr_calls = sqlite3_column_int64(st, 3);
		w.ssr_dur_sum = sqlite3_column_double(st, 4);
		w.ssr_dur_n = sqlite3_column_int64(st, 5);
		w.ssr_high = (int64_t)sqlite3_column_double(st, 6);
		if (fn(&w, arg) == -1)
			break;
	}
	return store_stats_end(sc->ss_store, st, rc, "reading the calls");
}

/*
 * The follow-up items of the calls started in slices, one row each: past
 * SLA or not, and the wait until its first claim if it had one.
 */
int
store_stats_items(struct store_stats_scan *sc, int with_dims,
    const char *slices, int (*fn)(const struct store_stats_row *, void *),
    void *arg)
{
	struct store_stats_row	 w;
	sqlite3_stmt		*st;
	int			 rc;

	if ((st = sc->ss_st[2 + with_dims]) == NULL &&
	    (st = sc->ss_st[2 + with_dims] = store_stats_prepare(sc,
	    "q.escalated_at IS NOT NULL, q.first_claimed_at - q.due_at", 1, 0,
	    with_dims)) == NULL)
		return STORE_ERR;
	sqlite3_bind_text(st, 1, slices, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_stats_row_key(st, &w);
		w.ssr_items = 1;
		w.ssr_escalated = sqlite3_column_int(st, 3);
		if ((w.ssr_has_wait = sqlite3_column_type(st, 4) !=
		    SQLITE_NULL))
			w.ssr_wait = sqlite3_column_int64(st, 4);
		if (fn(&w, arg) == -1)
			break;
	}
	return store_stats_end(sc->ss_store, st, rc, "reading the items");
}

/*
 * The rollup rows of dim in [lo, hi), in hour order, each to fn; or, with
 * tier 1 (2), the daily (monthly) rows of the pair dim, in time order
 * (ssr_hour the day or month, ssr_val the pair's two values).
 */
int
store_stats_rollups(struct store *s, const char *dim, int tier, int64_t lo,
    int64_t hi, int (*fn)(const struct store_stats_row *, void *), void *arg)
{
	static const enum store_stmt which[] = { ST_ROLLUP_READ, ST_DAILY_READ,
	    ST_MONTHLY_READ };
	struct store_stats_row	 w;
	sqlite3_stmt		*st = s->s_st[which[tier]];
	int			 daily = tier > 0;
	int			 rc, i, k;

	store_bind_text(st, 1, dim);
	sqlite3_bind_int64(st, 2, lo);
	sqlite3_bind_int64(st, 3, hi);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&w, 0, sizeof(w));
		w.ssr_hour = sqlite3_column_int64(st, 0);
		w.ssr_val[0] = (const char *)sqlite3_column_text(st, 1);
		k = 2;
		if (daily)
			w.ssr_val[1] = (const char *)sqlite3_column_text(st,
			    k++);
		w.ssr_calls = sqlite3_column_int64(st, k++);
		w.ssr_dur_sum = (double)sqlite3_column_int64(st, k++);
		w.ssr_dur_n = sqlite3_column_int64(st, k++);
		w.ssr_high = sqlite3_column_int64(st, k++);
		w.ssr_items = sqlite3_column_int64(st, k++);
		w.ssr_escalated = sqlite3_column_int64(st, k++);
		for (i = 0; i < STORE_WAIT_BUCKETS; i++)
			w.ssr_waits[i] = sqlite3_column_int64(st, k + i);
		if (fn(&w, arg) == -1)
			break;
	}
	return store_stats_end(s, st, rc, "reading the rollups");
}

/* Whether the rollups are still to build: none yet, but calls stored. */
int
store_stats_missing(struct store *s, int *missing)
{
	sqlite3_stmt	*st = s->s_st[ST_ROLLUP_MISSING];
	int		 rc;

	rc = sqlite3_step(st);
	*missing = rc == SQLITE_ROW && sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? STORE_OK : store_fail(s, "looking for the "
	    "rollups");
}

/* The zone the daily rollups count days in, into buf; "" when none. */
int
store_stats_daily_zone(struct store *s, char *buf, size_t len)
{
	sqlite3_stmt	*st = s->s_st[ST_DAILY_ZONE];
	int		 rc;

	buf[0] = '\0';
	if ((rc = sqlite3_step(st)) == SQLITE_ROW &&
	    sqlite3_column_text(st, 0) != NULL)
		snprintf(buf, len, "%s", sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? STORE_OK :
	    store_fail(s, "reading the zone of the rollups");
}

/* Say which zone the daily rollups count in; "": they are out of date. */
int
store_stats_daily_set_zone(struct store *s, const char *zone)
{
	sqlite3_stmt	*st = s->s_st[ST_DAILY_ZONE_SET];
	int		 rc;

	store_bind_text(st, 1, zone);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? STORE_OK : store_fail(s, "setting the zone "
	    "of the rollups");
}

/*
 * The risk codes the rollups count as high, a JSON list, into *risks
 * (caller frees); NULL when the store names none (from before migration
 * 20, until the next start has checked them).
 */
int
store_stats_high(struct store *s, char **risks)
{
	sqlite3_stmt	*st = s->s_st[ST_HIGH];
	const char	*t;
	int		 rc;

	*risks = NULL;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW &&
	    (t = (const char *)sqlite3_column_text(st, 0)) != NULL &&
	    (*risks = strdup(t)) == NULL) {
		sqlite3_reset(st);
		return store_stats_nomem(s, "reading the rollups' risk codes");
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? STORE_OK :
	    store_fail(s, "reading the rollups' risk codes");
}

/* Say which risk codes the rollups count as high (a JSON list). */
int
store_stats_high_set(struct store *s, const char *risks)
{
	sqlite3_stmt	*st = s->s_st[ST_HIGH_SET];
	int		 rc;

	store_bind_text(st, 1, risks);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? STORE_OK : store_fail(s, "setting the "
	    "rollups' risk codes");
}

/*
 * Whether a stored call is at a risk code that one of the JSON lists a
 * and b holds and the other not (*differs).
 */
int
store_stats_high_differs(struct store *s, const char *a, const char *b,
    int *differs)
{
	sqlite3_stmt	*st = s->s_st[ST_HIGH_DIFFERS];
	int		 rc;

	store_bind_text(st, 1, a);
	store_bind_text(st, 2, b);
	rc = sqlite3_step(st);
	*differs = rc != SQLITE_ROW || sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_ROW ? STORE_OK : store_fail(s, "comparing the "
	    "risk codes counted as high");
}

/*
 * Whether a rollup row that holds the risk counts as high otherwise than
 * the JSON list risks says (*bad): the hourly rows of risk, and with
 * daily the daily and monthly rows of the pairs first (JSON lists of
 * pair names whose first value is the risk) and second (their second).
 * *seen: whether there was an hourly row to check.
 */
int
store_stats_high_check(struct store *s, const char *risks, const char *first,
    const char *second, int daily, int *bad, int *seen)
{
	sqlite3_stmt	*st = s->s_st[ST_HIGH_CHECK];
	int		 rc;

	store_bind_text(st, 1, risks);
	store_bind_text(st, 2, first);
	store_bind_text(st, 3, second);
	sqlite3_bind_int(st, 4, daily);
	rc = sqlite3_step(st);
	*bad = rc != SQLITE_ROW || sqlite3_column_int(st, 0);
	*seen = rc == SQLITE_ROW && sqlite3_column_int(st, 1);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_ROW ? STORE_OK : store_fail(s, "checking the "
	    "rollups' high-risk counts");
}

/* Empty the rollups before a rebuild: the hourly ones too with hourly. */
int
store_stats_clear(struct store *s, int hourly)
{
	if (sqlite3_exec(s->s_db, hourly ? "DELETE FROM stats_hourly;"
	    "DELETE FROM stats_daily; DELETE FROM stats_monthly;"
	    "DELETE FROM stats_pending;" : "DELETE FROM stats_daily;"
	    "DELETE FROM stats_monthly; DELETE FROM stats_pending;", NULL,
	    NULL, NULL) != SQLITE_OK)
		return store_fail(s, "emptying the rollups");
	return STORE_OK;
}

/*
 * Hand what every call adds to the rollups, in the order of their start,
 * to fn while it says STORE_OK. The texts are valid only in the call.
 */
int
store_stats_each_call(struct store *s,
    int (*fn)(const struct store_stats_call *, void *), void *arg)
{
	struct store_stats_call	 c;
	sqlite3_stmt		*st = s->s_st[ST_ROLLUP_EACH];
	int			 rc = SQLITE_DONE, frc = STORE_OK;

	while (frc == STORE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		c.ssc_started_at = sqlite3_column_int64(st, 0);
		c.ssc_line = (const char *)sqlite3_column_text(st, 1);
		c.ssc_caller_type = (const char *)sqlite3_column_text(st, 2);
		c.ssc_risk = (const char *)sqlite3_column_text(st, 3);
		c.ssc_outcome = (const char *)sqlite3_column_text(st, 4);
		c.ssc_operator = (const char *)sqlite3_column_text(st, 5);
		c.ssc_call_type = (const char *)sqlite3_column_text(st, 6);
		c.ssc_duration_s = sqlite3_column_type(st, 7) == SQLITE_NULL ?
		    -1 : sqlite3_column_int64(st, 7);
		c.ssc_topics = (const char *)sqlite3_column_text(st, 8);
		c.ssc_queue = (const char *)sqlite3_column_text(st, 9);
		c.ssc_items = sqlite3_column_int64(st, 10);
		c.ssc_escalated = sqlite3_column_int64(st, 11);
		c.ssc_waits = (const char *)sqlite3_column_text(st, 12);
		frc = fn(&c, arg);
	}
	sqlite3_reset(st);
	if (frc != STORE_OK)
		return frc;
	return rc == SQLITE_DONE ? STORE_OK : store_fail(s, "reading the "
	    "calls");
}

/* Keep a call's sums and values (stats_rollup.c's text) to fold later. */
int
store_stats_pending_add(struct store *s, int64_t started_at,
    const char *sums, const char *vals)
{
	sqlite3_stmt	*st = s->s_st[ST_PENDING_ADD];
	int		 rc;

	sqlite3_bind_int64(st, 1, started_at);
	store_bind_text(st, 2, sums);
	store_bind_text(st, 3, vals);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? STORE_OK : store_fail(s, "updating the "
	    "statistics");
}

/*
 * The pending sums of the calls started in [lo, hi), in the order of
 * their start, each to fn while it says STORE_OK.
 */
int
store_stats_pending_each(struct store *s, int64_t lo, int64_t hi,
    int (*fn)(int64_t, const char *, const char *, void *), void *arg)
{
	sqlite3_stmt	*st = s->s_st[ST_PENDING_READ];
	int		 rc = SQLITE_DONE, frc = STORE_OK;

	sqlite3_bind_int64(st, 1, lo);
	sqlite3_bind_int64(st, 2, hi);
	while (frc == STORE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
		frc = fn(sqlite3_column_int64(st, 0),
		    (const char *)sqlite3_column_text(st, 1),
		    (const char *)sqlite3_column_text(st, 2), arg);
	sqlite3_reset(st);
	if (frc != STORE_OK)
		return frc;
	return rc == SQLITE_DONE ? STORE_OK : store_fail(s, "reading the "
	    "pending statistics");
}

/* How many calls' sums are pending. */
int
store_stats_pending_count(struct store *s, int64_t *n)
{
	sqlite3_stmt	*st = s->s_st[ST_PENDING_COUNT];
	int		 rc;

	*n = 0;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? STORE_OK : store_fail(s, "counting the "
	    "pending statistics");
}

/* Forget the pending sums, folded into the daily and monthly rows. */
int
store_stats_pending_clear(struct store *s)
{
	if (sqlite3_exec(s->s_db, "DELETE FROM stats_pending", NULL, NULL,
	    NULL) != SQLITE_OK)
		return store_fail(s, "emptying the pending statistics");
	return STORE_OK;
}
