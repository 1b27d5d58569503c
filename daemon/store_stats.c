/*
 * The statistics: the hourly rollups, added to in the same transactions
 * as the calls and items, and the start-up counts of the status listener.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

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
	/* The start-up counts of the status listener (store_counts). */
	[ST_COUNT_LINES] = "SELECT line, count(*) FILTER (WHERE started_at"
	    " >= ?1 AND started_at < ?2), max(started_at) FROM calls"
	    " GROUP BY line",
	[ST_COUNT_MINUTES] = "SELECT line, started_at / 60, count(*)"
	    " FROM calls WHERE started_at >= ?3 GROUP BY 1, 2",
	[ST_COUNT_TOTALS] = "SELECT line, caller_type, risk, count(*)"
	    " FROM calls GROUP BY 1, 2, 3",
	[ST_COUNT_OPERATORS] = "SELECT DISTINCT operator FROM calls"
	    " WHERE started_at >= ?1 AND started_at < ?2",
};

/*
 * Add to the rollup row (dim, hour, value): d, the calls, duration sum,
 * durations, high-risk calls, items and escalations, and w, the waits
 * per bucket (STORE_WAIT_BUCKETS of them).
 */
int
store_rollup_add(struct store *s, const char *dim, int64_t hour,
    const char *value, const int64_t d[6], const int64_t *w)
{
	sqlite3_stmt	*st = s->s_st[ST_ROLLUP_ADD];
	int		 rc, i;

	store_bind_text(st, 1, dim);
	sqlite3_bind_int64(st, 2, hour);
	store_bind_text(st, 3, value);
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
