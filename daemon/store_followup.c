/*
 * What the follow-up and crisis statistics (stats_followup.c) read: the
 * plans' steps by the time they first fell due, along an index; the
 * crisis records of the calls started in a range, from the calls or from
 * their rollups (migration 17, kept by triggers), and the rollups'
 * rebuild.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "store_int.h"

const char *const store_followup_sql[ST_MAX] = {
	/*
	 * A step's counselor: who reached the caller or ended the plan
	 * (completed_by), else who tried last.
	 */
	[ST_FOLLOWUP_STEPS] = "SELECT q.due_first, q.queue, q.priority,"
	    " q.state, q.completed_at, q.escalated_at, q.attempts,"
	    " COALESCE(q.completed_by, (SELECT a.by FROM attempts a"
	    "  WHERE a.item_id = q.id ORDER BY a.id DESC LIMIT 1), '')"
	    " FROM queue_items q WHERE q.due_first >= ?1 AND q.due_first < ?2"
	    " AND q.due_first <= ?3",
	/* The calls themselves, and the rollups (migration 17). */
	[ST_CRISIS_RANGE] = "SELECT t, line, operator, risk, "
	    STORE_CRISIS_VALS("1") " FROM (SELECT started_at AS t, line,"
	    " operator, risk, " STORE_CRISIS_JSON("calls") " FROM calls"
	    " WHERE started_at >= ?1 AND started_at < ?2"
	    " AND crisis IS NOT NULL)",
	[ST_CRISIS_HOURS] = "SELECT k, line, operator, risk, "
	    STORE_CRISIS_SUMS " FROM crisis_hourly WHERE k >= ?1 AND k < ?2"
	    " AND calls <> 0",
	[ST_CRISIS_DAYS] = "SELECT k, line, operator, risk, "
	    STORE_CRISIS_SUMS " FROM crisis_daily WHERE k >= ?1 AND k < ?2"
	    " AND calls <> 0",
	[ST_CRISIS_MONTHS] = "SELECT k, line, operator, risk, "
	    STORE_CRISIS_SUMS " FROM crisis_monthly WHERE k >= ?1 AND k < ?2"
	    " AND calls <> 0",
	[ST_CRISIS_ZONE] = "SELECT zone FROM rollup_days_zone",
	[ST_CRISIS_SET_ZONE] = "INSERT OR REPLACE INTO rollup_days_zone"
	    " (id, zone) VALUES (1, ?1)",
	[ST_ROLLUP_DAY_INSERT] = "INSERT OR IGNORE INTO rollup_days"
	    " (lo, day, month) VALUES (?1, ?2, ?3)",
	[ST_ROLLUP_DAYS_END] = "SELECT coalesce(max(lo), 0) FROM rollup_days",
	[ST_FU_HOURS] = "SELECT k, queue, priority, counselor, "
	    STORE_FU_SUMS " FROM followup_hourly WHERE k >= ?1 AND k < ?2"
	    " AND steps <> 0",
	[ST_FU_DAYS] = "SELECT k, queue, priority, counselor, "
	    STORE_FU_SUMS " FROM followup_daily WHERE k >= ?1 AND k < ?2"
	    " AND steps <> 0",
	[ST_FU_MONTHS] = "SELECT k, queue, priority, counselor, "
	    STORE_FU_SUMS " FROM followup_monthly WHERE k >= ?1 AND k < ?2"
	    " AND steps <> 0",
	[ST_FU_WINDOWS] = "SELECT queue, priority, w FROM followup_windows"
	    " ORDER BY queue, priority",
	[ST_FU_WINDOW_INSERT] = "INSERT INTO followup_windows (queue,"
	    " priority, w) VALUES (?1, ?2, ?3)",
};

/*
 * Each plan's step that first fell due in [from, to) and by now, to cb.
 * STORE_OK or the failure.
 */
int
store_followup_steps(struct store *s, int64_t from, int64_t to, int64_t now,
    void (*cb)(const struct followup_row *, void *), void *arg)
{
	sqlite3_stmt		*st = s->s_st[ST_FOLLOWUP_STEPS];
	struct followup_row	 r;
	int			 rc;

	sqlite3_bind_int64(st, 1, from);
	sqlite3_bind_int64(st, 2, to);
	sqlite3_bind_int64(st, 3, now);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&r, 0, sizeof(r));
		r.fr_due = sqlite3_column_int64(st, 0);
		store_col_copy(st, 1, r.fr_queue, sizeof(r.fr_queue));
		r.fr_priority = sqlite3_column_int(st, 2);
		store_col_copy(st, 3, r.fr_state, sizeof(r.fr_state));
		r.fr_completed_at = sqlite3_column_int64(st, 4);
		r.fr_escalated_at = sqlite3_column_int64(st, 5);
		r.fr_attempts = sqlite3_column_int(st, 6);
		store_col_copy(st, 7, r.fr_counselor, sizeof(r.fr_counselor));
		cb(&r, arg);
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? STORE_OK : store_fail(s,
	    "reading the follow-up steps");
}

/*
 * The crisis records in [from, to) from src: the calls themselves
 * (started then), or the rows of a rollup whose hour, day or month
 * starts then; each to cb. STORE_OK or the failure.
 */
int
store_crisis_read(struct store *s, enum store_crisis_src src, int64_t from,
    int64_t to, void (*cb)(const struct crisis_row *, void *), void *arg)
{
	static const enum store_stmt	 sts[] = { ST_CRISIS_RANGE,
	    ST_CRISIS_HOURS, ST_CRISIS_DAYS, ST_CRISIS_MONTHS };
	sqlite3_stmt			*st = s->s_st[sts[src]];
	struct crisis_row		 r;
	int				 rc, i;

	sqlite3_bind_int64(st, 1, from);
	sqlite3_bind_int64(st, 2, to);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&r, 0, sizeof(r));
		r.cr_at = sqlite3_column_int64(st, 0);
		store_col_copy(st, 1, r.cr_line, sizeof(r.cr_line));
		store_col_copy(st, 2, r.cr_operator, sizeof(r.cr_operator));
		store_col_copy(st, 3, r.cr_risk, sizeof(r.cr_risk));
		for (i = 0; i < STORE_CRISIS_NSUMS; i++)
			r.cr_v[i] = sqlite3_column_int64(st, 4 + i);
		cb(&r, arg);
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? STORE_OK : store_fail(s,
	    "reading the crisis records");
}

/* The last local midnight in rollup_days into *end (0: none). */
int
store_crisis_days_end(struct store *s, int64_t *end)
{
	sqlite3_stmt	*st = s->s_st[ST_ROLLUP_DAYS_END];
	int		 rc;

	*end = 0;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*end = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? STORE_OK : store_fail(s,
	    "reading the local days");
}

/* The zone the crisis rollups' days count in into buf; "" for none. */
int
store_crisis_zone(struct store *s, char *buf, size_t len)
{
	sqlite3_stmt	*st = s->s_st[ST_CRISIS_ZONE];
	int		 rc;

	buf[0] = '\0';
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		store_col_copy(st, 0, buf, len);
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? STORE_OK :
	    store_fail(s, "reading the zone of the crisis rollups");
}

/* The local midnight of the day after *tm's (a day once walked). */
static int64_t
store_crisis_next_day(struct tm *tm)
{
	/* Each time: a clock moved at midnight leaves tm at 00:15. */
	tm->tm_sec = tm->tm_min = tm->tm_hour = 0;
	tm->tm_mday++;
	tm->tm_isdst = -1;
	return (int64_t)mktime(tm);
}

/*
 * The local midnights from 2000 (STORE_ROLLUP_DAYS_FROM) to to in
 * rollup_days, with their months, those already there kept. In the
 * caller's transaction.
 */
int
store_crisis_days(struct store *s, int64_t to)
{
	sqlite3_stmt	*st = s->s_st[ST_ROLLUP_DAY_INSERT];
	struct tm	 tm, mt;
	time_t		 tt = STORE_ROLLUP_DAYS_FROM;
	int64_t		 day, mon = 0;
	int		 rc = SQLITE_DONE, cur = -1;

	localtime_r(&tt, &tm);
	tm.tm_mday--;
	day = store_crisis_next_day(&tm);
	for (; rc == SQLITE_DONE && day < to;
	    day = store_crisis_next_day(&tm)) {
		if (tm.tm_mon != cur) {
			mt = tm;
			mt.tm_sec = mt.tm_min = mt.tm_hour = 0;
			mt.tm_mday = 1;
			mt.tm_isdst = -1;
			mon = (int64_t)mktime(&mt);
			cur = tm.tm_mon;
		}
		sqlite3_bind_int64(st, 1, day);
		sqlite3_bind_int64(st, 2, day);
		sqlite3_bind_int64(st, 3, mon);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
	}
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? STORE_OK : store_fail(s,
	    "writing the local days");
}

/*
 * Build the crisis rollups again from the calls, their days and months
 * local to zone (the process's, set by clock.c) up to to, in the
 * caller's transaction.
 */
int
store_crisis_rebuild(struct store *s, const char *zone, int64_t to)
{
	sqlite3_stmt	*st = s->s_st[ST_CRISIS_SET_ZONE];
	int		 rc;

	if (sqlite3_exec(s->s_db, "DELETE FROM crisis_hourly;"
	    "DELETE FROM crisis_daily; DELETE FROM crisis_monthly;"
	    "DELETE FROM rollup_days;", NULL, NULL, NULL) != SQLITE_OK)
		return store_fail(s, "emptying the crisis rollups");
	if ((rc = store_crisis_days(s, to)) != STORE_OK)
		return rc;
	if (sqlite3_exec(s->s_db, STORE_CRISIS_ADD_ALL(STORE_CRISIS_CALLS,
	    "1"), NULL, NULL, NULL) != SQLITE_OK)
		return store_fail(s, "building the crisis rollups");
	store_bind_text(st, 1, zone);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? STORE_OK : store_fail(s, "setting the zone "
	    "of the crisis rollups");
}

/*
 * The follow-up rollup rows whose hour, day or month (src, not
 * CRISIS_CALLS) starts in [from, to), each to cb.
 */
int
store_followup_read(struct store *s, enum store_crisis_src src, int64_t from,
    int64_t to, void (*cb)(const struct followup_sum *, void *), void *arg)
{
	static const enum store_stmt	 sts[] = { ST_FU_HOURS, ST_FU_HOURS,
	    ST_FU_DAYS, ST_FU_MONTHS };
	sqlite3_stmt			*st = s->s_st[sts[src]];
	struct followup_sum		 r;
	int				 rc, i;

	sqlite3_bind_int64(st, 1, from);
	sqlite3_bind_int64(st, 2, to);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&r, 0, sizeof(r));
		r.fs_at = sqlite3_column_int64(st, 0);
		store_col_copy(st, 1, r.fs_queue, sizeof(r.fs_queue));
		r.fs_priority = sqlite3_column_int(st, 2);
		store_col_copy(st, 3, r.fs_counselor, sizeof(r.fs_counselor));
		for (i = 0; i < STORE_FU_NSUMS; i++)
			r.fs_v[i] = sqlite3_column_int64(st, 4 + i);
		cb(&r, arg);
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? STORE_OK : store_fail(s,
	    "reading the follow-up rollups");
}

/* The windows the follow-up rollups count on time with, each to cb. */
int
store_followup_windows(struct store *s,
    void (*cb)(const struct followup_window *, void *), void *arg)
{
	sqlite3_stmt		*st = s->s_st[ST_FU_WINDOWS];
	struct followup_window	 w;
	int			 rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&w, 0, sizeof(w));
		store_col_copy(st, 0, w.fw_queue, sizeof(w.fw_queue));
		w.fw_priority = sqlite3_column_int(st, 1);
		w.fw_s = sqlite3_column_int64(st, 2);
		cb(&w, arg);
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? STORE_OK : store_fail(s,
	    "reading the follow-up windows");
}

/*
 * Build the follow-up rollups again from the steps, on time counted with
 * the n windows w, in the caller's transaction (after the days).
 */
int
store_followup_rebuild(struct store *s, const struct followup_window *w,
    size_t n)
{
	sqlite3_stmt	*st = s->s_st[ST_FU_WINDOW_INSERT];
	size_t		 i;
	int		 rc = SQLITE_DONE;

	if (sqlite3_exec(s->s_db, "DELETE FROM followup_hourly;"
	    "DELETE FROM followup_daily; DELETE FROM followup_monthly;"
	    "DELETE FROM followup_windows;", NULL, NULL, NULL) != SQLITE_OK)
		return store_fail(s, "emptying the follow-up rollups");
	for (i = 0; i < n && rc == SQLITE_DONE; i++) {
		store_bind_text(st, 1, w[i].fw_queue);
		sqlite3_bind_int(st, 2, w[i].fw_priority);
		sqlite3_bind_int64(st, 3, w[i].fw_s);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
	}
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, "writing the follow-up windows");
	if (sqlite3_exec(s->s_db, STORE_FU_ADD_ALL(STORE_FU_ITEMS("1"), "1"),
	    NULL, NULL, NULL) != SQLITE_OK)
		return store_fail(s, "building the follow-up rollups");
	return STORE_OK;
}
