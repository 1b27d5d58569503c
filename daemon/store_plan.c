/*
 * Follow-up plans (plan.c): the plan a call got, when and why it was
 * ended early, and every attempt made to reach the caller. The steps
 * themselves are queue items (store_queue.c) with a step number.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

#define ATTEMPT_COLUMNS "id, item_id, call_id, at, by, result, note"

const char *const store_plan_sql[ST_MAX] = {
	[ST_PLAN_INSERT] = "INSERT INTO plans (call_id, code, attempts,"
	    " retry_s, started_at) VALUES (?1, ?2, ?3, ?4, ?5)",
	[ST_PLAN_GET] = "SELECT call_id, code, attempts, retry_s, started_at,"
	    " ended_at, ended_by, end_reason FROM plans WHERE call_id = ?1",
	/* Once: a plan already ended is not ended again. */
	[ST_PLAN_END] = "UPDATE plans SET ended_at = ?2, ended_by = ?3,"
	    " end_reason = ?4 WHERE call_id = ?1 AND ended_at IS NULL",
	[ST_ATTEMPT_INSERT] = "INSERT INTO attempts (item_id, call_id, at, by,"
	    " result, note) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[ST_ATTEMPTS_BY_CALL] = "SELECT " ATTEMPT_COLUMNS " FROM attempts"
	    " WHERE call_id = ?1 ORDER BY id",
	/* Retention (store_erase_slice): what was said of the caller. */
	[ST_ERASE_ATTEMPTS] = "UPDATE attempts SET note = NULL"
	    " WHERE call_id = ?1 AND note IS NOT NULL",
};

/* Step st, which changes rows, and reset it: STORE_OK or the failure. */
static int
store_plan_step(struct store *s, sqlite3_stmt *st, const char *what)
{
	int	 rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE)
		return STORE_CONFLICT;
	return rc == SQLITE_DONE ? STORE_OK : store_fail(s, what);
}

/* A new plan for pr_call_id. STORE_CONFLICT: the call has one already. */
int
store_plan_insert(struct store *s, const struct plan_row *pr)
{
	sqlite3_stmt	*st = s->s_st[ST_PLAN_INSERT];

	sqlite3_bind_int64(st, 1, pr->pr_call_id);
	store_bind_text(st, 2, pr->pr_code);
	sqlite3_bind_int64(st, 3, pr->pr_attempts);
	sqlite3_bind_int64(st, 4, pr->pr_retry_s);
	sqlite3_bind_int64(st, 5, pr->pr_started_at);
	return store_plan_step(s, st, "storing a follow-up plan");
}

/* The plan of call id; STORE_NOTFOUND: it has none. */
int
store_plan_get(struct store *s, int64_t id, struct plan_row *pr)
{
	sqlite3_stmt	*st = s->s_st[ST_PLAN_GET];
	int		 rc;

	memset(pr, 0, sizeof(*pr));
	sqlite3_bind_int64(st, 1, id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		pr->pr_call_id = sqlite3_column_int64(st, 0);
		store_col_copy(st, 1, pr->pr_code, sizeof(pr->pr_code));
		pr->pr_attempts = (long)sqlite3_column_int64(st, 2);
		pr->pr_retry_s = sqlite3_column_int64(st, 3);
		pr->pr_started_at = sqlite3_column_int64(st, 4);
		pr->pr_ended_at = sqlite3_column_int64(st, 5);
		store_col_copy(st, 6, pr->pr_ended_by, sizeof(pr->pr_ended_by));
		store_col_copy(st, 7, pr->pr_end_reason,
		    sizeof(pr->pr_end_reason));
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc == SQLITE_ROW)
		return STORE_OK;
	return rc == SQLITE_DONE ? STORE_NOTFOUND : store_fail(s, "reading a "
	    "follow-up plan");
}

/* End the plan (ended_at, by, reason set); STORE_CONFLICT: it had ended. */
int
store_plan_end(struct store *s, const struct plan_row *pr)
{
	sqlite3_stmt	*st = s->s_st[ST_PLAN_END];
	int		 rc;

	sqlite3_bind_int64(st, 1, pr->pr_call_id);
	sqlite3_bind_int64(st, 2, pr->pr_ended_at);
	store_bind_text(st, 3, pr->pr_ended_by);
	store_bind_text(st, 4, pr->pr_end_reason);
	if ((rc = store_plan_step(s, st, "ending a follow-up plan")) !=
	    STORE_OK)
		return rc;
	return sqlite3_changes(store_handle(s)) == 1 ? STORE_OK :
	    STORE_CONFLICT;
}

/* A new attempt; sets its id. */
int
store_attempt_insert(struct store *s, struct attempt_row *ar)
{
	sqlite3_stmt	*st = s->s_st[ST_ATTEMPT_INSERT];
	int		 rc;

	sqlite3_bind_int64(st, 1, ar->ar_item_id);
	sqlite3_bind_int64(st, 2, ar->ar_call_id);
	sqlite3_bind_int64(st, 3, ar->ar_at);
	store_bind_text(st, 4, ar->ar_by);
	store_bind_text(st, 5, ar->ar_result);
	store_bind_text(st, 6, ar->ar_note);
	if ((rc = store_plan_step(s, st, "storing an attempt")) == STORE_OK)
		ar->ar_id = sqlite3_last_insert_rowid(store_handle(s));
	return rc;
}

void
store_attempts_free(struct attempt_row *v, size_t n)
{
	size_t	 i;

	for (i = 0; v != NULL && i < n; i++)
		free(v[i].ar_note);
	free(v);
}

/* Every attempt on the steps of call id, oldest first (caller frees). */
int
store_attempts_by_call(struct store *s, int64_t id, struct attempt_row **out,
    size_t *n)
{
	sqlite3_stmt		*st = s->s_st[ST_ATTEMPTS_BY_CALL];
	struct attempt_row	*v = NULL, *nv, *a;
	size_t			 cap = 0;
	int			 rc;

	*n = 0;
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap == 0 ? 8 : cap * 2;
			if ((nv = reallocarray(v, cap, sizeof(*v))) == NULL) {
				rc = SQLITE_NOMEM;
				break;
			}
			v = nv;
		}
		a = &v[(*n)++];
		memset(a, 0, sizeof(*a));
		a->ar_id = sqlite3_column_int64(st, 0);
		a->ar_item_id = sqlite3_column_int64(st, 1);
		a->ar_call_id = sqlite3_column_int64(st, 2);
		a->ar_at = sqlite3_column_int64(st, 3);
		store_col_copy(st, 4, a->ar_by, sizeof(a->ar_by));
		store_col_copy(st, 5, a->ar_result, sizeof(a->ar_result));
		a->ar_note = store_col_text(st, 6);
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE) {
		store_attempts_free(v, *n);
		*n = 0;
		*out = NULL;
		return store_fail(s, "reading attempts");
	}
	*out = v;
	return STORE_OK;
}
