/*
 * What the follow-up and crisis statistics (stats_followup.c) read: the
 * plans' steps by the time they first fell due, and the crisis records
 * of the calls started in a range, each along an index.
 */
#include <stdio.h>
#include <string.h>

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
	[ST_CRISIS_RANGE] = "SELECT started_at, line, operator, risk,"
	    " json_extract(crisis, '$.ideation_intensity'),"
	    " json_extract(crisis, '$.hopelessness'),"
	    " json_extract(crisis, '$.plan_timeframe'),"
	    " json_extract(crisis, '$.emergency.agency'),"
	    " json_extract(crisis, '$.emergency.confirmed')"
	    " FROM calls WHERE started_at >= ?1 AND started_at < ?2"
	    " AND crisis IS NOT NULL",
};

static int
store_followup_int(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? -1 :
	    sqlite3_column_int(st, i);
}

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

/* The crisis record of each call started in [from, to), to cb. */
int
store_crisis_range(struct store *s, int64_t from, int64_t to,
    void (*cb)(const struct crisis_row *, void *), void *arg)
{
	sqlite3_stmt		*st = s->s_st[ST_CRISIS_RANGE];
	struct crisis_row	 r;
	int			 rc;

	sqlite3_bind_int64(st, 1, from);
	sqlite3_bind_int64(st, 2, to);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&r, 0, sizeof(r));
		r.cr_started_at = sqlite3_column_int64(st, 0);
		store_col_copy(st, 1, r.cr_line, sizeof(r.cr_line));
		store_col_copy(st, 2, r.cr_operator, sizeof(r.cr_operator));
		store_col_copy(st, 3, r.cr_risk, sizeof(r.cr_risk));
		r.cr_ideation = store_followup_int(st, 4);
		r.cr_hopelessness = store_followup_int(st, 5);
		store_col_copy(st, 6, r.cr_timeframe, sizeof(r.cr_timeframe));
		store_col_copy(st, 7, r.cr_agency, sizeof(r.cr_agency));
		store_col_copy(st, 8, r.cr_confirmed, sizeof(r.cr_confirmed));
		cb(&r, arg);
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? STORE_OK : store_fail(s,
	    "reading the crisis records");
}
