/*
 * The follow-up queues: queue items, their transitions and history, and
 * the counts and due times the queue timer and the status listener read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

#define ITEM_COLUMNS \
	"id, call_id, queue, kind, priority, state, due_at, created_at," \
	" claimed_by, claimed_at, lease_until, completed_at, completed_by," \
	" resolution, escalated_at, version, first_claimed_at, step, attempts"

const char *const store_queue_sql[ST_MAX] = {
	[ST_ITEM_INSERT] = "INSERT INTO queue_items (call_id, queue, kind,"
	    " priority, state, due_at, created_at, step, due_first)"
	    " VALUES (?1, ?2, ?3, ?4, 'waiting', ?5, ?6, ?7,"
	    " CASE WHEN ?7 IS NOT NULL THEN ?5 END)",
	[ST_ITEM_GET] = "SELECT " ITEM_COLUMNS " FROM queue_items WHERE id = ?1",
	[ST_ITEMS_BY_CALL] = "SELECT " ITEM_COLUMNS " FROM queue_items"
	    " WHERE call_id = ?1 ORDER BY id",
	/* The next claimable item: priority first, then the longest wait. */
	/*
	 * Along queue_items_next, in its order: the planner would rather
	 * take queue_items_oldest for the due time and sort every waiting
	 * item of the queue by priority, for each claim.
	 */
	[ST_ITEM_NEXT] = "SELECT " ITEM_COLUMNS " FROM queue_items"
	    " WHERE id = (SELECT id FROM queue_items"
	    " INDEXED BY queue_items_next WHERE queue = ?1"
	    " AND state = 'waiting' AND due_at <= ?2"
	    " ORDER BY priority, due_at, id LIMIT 1)",
	/* Every transition: the whole mutable state, if nobody moved first. */
	[ST_ITEM_SET] = "UPDATE queue_items SET state = ?2, claimed_by = ?3,"
	    " claimed_at = ?4, lease_until = ?5, completed_at = ?6,"
	    " completed_by = ?7, resolution = ?8, escalated_at = ?9,"
	    " first_claimed_at = coalesce(first_claimed_at, ?4),"
	    " due_at = ?11, attempts = ?12,"
	    " version = version + 1 WHERE id = ?1 AND version = ?10",
	/*
	 * ?2 state; ?3 due by; ?4 due after. Each along queue_items_next
	 * (queue, state, priority, due_at, id): a queue's done items,
	 * millions of them in a large store, are never read for its open
	 * ones.
	 */
	[ST_ITEMS_LIST] = "SELECT " ITEM_COLUMNS " FROM queue_items"
	    " WHERE queue = ?1 AND state = ?2"
	    " AND (?3 IS NULL OR due_at <= ?3) AND (?4 IS NULL OR due_at > ?4)"
	    " ORDER BY priority, due_at, id LIMIT ?6",
	/*
	 * Open: not done or cancelled. The two states' items are ordered
	 * in the index alone, then only the page's rows read.
	 */
	[ST_ITEMS_OPEN] = "SELECT " ITEM_COLUMNS " FROM queue_items"
	    " WHERE id IN (SELECT id FROM queue_items"
	    " INDEXED BY queue_items_next WHERE queue = ?1"
	    " AND state IN ('waiting', 'claimed')"
	    " ORDER BY priority, due_at, id LIMIT ?6)"
	    " ORDER BY priority, due_at, id",
	/* A tick takes at most STORE_TICK_ITEMS of each: a backlog (a long
	 * stop) is worked off a few milliseconds a turn (queue_run). */
	[ST_ITEMS_EXPIRED] = "SELECT " ITEM_COLUMNS " FROM queue_items"
	    " WHERE state = 'claimed' AND lease_until <= ?1 ORDER BY id"
	    " LIMIT " STORE_TICK_ITEMS_TEXT,
	/*
	 * One SLA's overdue items (queue ?1, priority ?2, due by ?3), along
	 * queue_items_waiting in its order: only those are read, however
	 * many wait within their SLA or have been escalated already.
	 */
	[ST_ITEMS_OVERDUE] = "SELECT " ITEM_COLUMNS " FROM queue_items"
	    " INDEXED BY queue_items_waiting"
	    " WHERE queue = ?1 AND priority = ?2 AND escalated_at IS NULL"
	    " AND state = 'waiting' AND due_at <= ?3"
	    " ORDER BY due_at, id LIMIT " STORE_TICK_ITEMS_TEXT,
	/* The SLAs, a JSON list of [queue, priority, seconds]. */
	[ST_SLAS] = "SELECT json_extract(value, '$[0]'),"
	    " json_extract(value, '$[1]'), json_extract(value, '$[2]')"
	    " FROM json_each(?1)",
	[ST_ITEM_HOLDER] = "SELECT 1 FROM queue_items WHERE call_id = ?1"
	    " AND state = 'claimed' AND claimed_by = ?2 LIMIT 1",
	/*
	 * The waiting items from queue_items_waiting alone (no row read),
	 * the claimed ones (a lease each: few) from their rows.
	 */
	[ST_QUEUE_COUNTS] = "SELECT queue, sum(w), sum(c), sum(s), min(o),"
	    " sum(e) FROM (SELECT queue, total(due_at <= ?1) AS w, 0 AS c,"
	    " total(due_at > ?1) AS s,"
	    " min(CASE WHEN due_at <= ?1 THEN due_at END) AS o,"
	    " total(escalated_at IS NOT NULL) AS e"
	    " FROM queue_items INDEXED BY queue_items_waiting"
	    " WHERE state = 'waiting' GROUP BY queue"
	    " UNION ALL SELECT queue, 0, count(*), 0, NULL,"
	    " total(escalated_at IS NOT NULL) FROM queue_items"
	    " WHERE state = 'claimed' GROUP BY queue)"
	    " GROUP BY queue",
	[ST_ITEM_LOG] = "INSERT INTO queue_history (item_id, at, actor, action,"
	    " detail) VALUES (?1, ?2, ?3, ?4, ?5)",
	[ST_ITEM_LOG_GET] = "SELECT at, actor, action, detail FROM queue_history"
	    " WHERE item_id = ?1 ORDER BY id",
	[ST_QUEUE_OLDEST] = "SELECT min(due_at) FROM queue_items"
	    " WHERE queue = ?1 AND state = 'waiting' AND due_at <= ?2",
	[ST_NEXT_DUE] = "SELECT min(due_at) FROM queue_items"
	    " WHERE state = 'waiting' AND due_at > ?1",
};

/* Column i into buf ("" for NULL), cut to size. */
void
store_col_copy(sqlite3_stmt *st, int i, char *buf, size_t len)
{
	const char	*v = (const char *)sqlite3_column_text(st, i);

	snprintf(buf, len, "%s", v != NULL ? v : "");
}

/* Fill it from a row of ITEM_COLUMNS. */
static void
store_row_item(sqlite3_stmt *st, struct queue_item *it)
{
	memset(it, 0, sizeof(*it));
	it->qi_id = sqlite3_column_int64(st, 0);
	it->qi_call_id = sqlite3_column_int64(st, 1);
	store_col_copy(st, 2, it->qi_queue, sizeof(it->qi_queue));
	store_col_copy(st, 3, it->qi_kind, sizeof(it->qi_kind));
	it->qi_priority = sqlite3_column_int(st, 4);
	store_col_copy(st, 5, it->qi_state, sizeof(it->qi_state));
	it->qi_due_at = sqlite3_column_int64(st, 6);
	it->qi_created_at = sqlite3_column_int64(st, 7);
	store_col_copy(st, 8, it->qi_claimed_by, sizeof(it->qi_claimed_by));
	it->qi_claimed_at = sqlite3_column_int64(st, 9);
	it->qi_lease_until = sqlite3_column_int64(st, 10);
	it->qi_completed_at = sqlite3_column_int64(st, 11);
	store_col_copy(st, 12, it->qi_completed_by,
	    sizeof(it->qi_completed_by));
	it->qi_resolution = store_col_text(st, 13);
	it->qi_escalated_at = sqlite3_column_int64(st, 14);
	it->qi_version = sqlite3_column_int64(st, 15);
	it->qi_first_claimed_at = sqlite3_column_int64(st, 16);
	it->qi_step = sqlite3_column_int(st, 17);	/* NULL: 0 */
	it->qi_attempts = sqlite3_column_int(st, 18);
}

void
store_item_free(struct queue_item *it)
{
	free(it->qi_resolution);
	it->qi_resolution = NULL;
}

void
store_items_free(struct queue_item *v, size_t n)
{
	size_t	 i;

	for (i = 0; v != NULL && i < n; i++)
		store_item_free(&v[i]);
	free(v);
}

/* Step st for rows of items into *out (caller frees with store_items_free). */
static int
store_items_collect(struct store *s, sqlite3_stmt *st, const char *what,
    struct queue_item **out, size_t *n)
{
	struct queue_item	*v = NULL, *nv;
	size_t			 cap = 0;
	int			 rc;

	*out = NULL;
	*n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap == 0 ? 8 : cap * 2;
			if ((nv = reallocarray(v, cap, sizeof(*v))) == NULL) {
				rc = SQLITE_NOMEM;
				break;
			}
			v = nv;
		}
		store_row_item(st, &v[(*n)++]);
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE) {
		store_items_free(v, *n);
		*n = 0;
		return store_fail(s, what);
	}
	*out = v;
	return STORE_OK;
}

/* One item from a statement bound to select at most one. */
static int
store_item_one(struct store *s, sqlite3_stmt *st, const char *what,
    struct queue_item *it)
{
	int	 rc;

	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		store_row_item(st, it);
		rc = STORE_OK;
	} else if (rc == SQLITE_DONE)
		rc = STORE_NOTFOUND;
	else
		rc = store_fail(s, what);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc;
}

static int
store_item_log1(struct store *s, int64_t id, int64_t at, const char *actor,
    const char *action, const char *detail)
{
	sqlite3_stmt	*st = s->s_st[ST_ITEM_LOG];
	int		 rc;

	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, at);
	store_bind_text(st, 3, actor);
	store_bind_text(st, 4, action);
	store_bind_text(st, 5, detail);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? STORE_OK : store_fail(s, "recording a "
	    "queue transition");
}

static int
store_item_insert1(struct store *s, struct queue_item *it, const char *actor)
{
	sqlite3_stmt	*st = s->s_st[ST_ITEM_INSERT];
	int		 rc;

	store_bind_time(st, 1, it->qi_call_id);	/* 0: a missed caller's */
	store_bind_text(st, 2, it->qi_queue);
	store_bind_text(st, 3, it->qi_kind);
	sqlite3_bind_int(st, 4, it->qi_priority);
	sqlite3_bind_int64(st, 5, it->qi_due_at);
	sqlite3_bind_int64(st, 6, it->qi_created_at);
	if (it->qi_step > 0)
		sqlite3_bind_int(st, 7, it->qi_step);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc == SQLITE_CONSTRAINT_UNIQUE)
		return STORE_CONFLICT;
	if (rc != SQLITE_DONE)
		return store_fail(s, "inserting a queue item");
	it->qi_id = sqlite3_last_insert_rowid(s->s_db);
	snprintf(it->qi_state, sizeof(it->qi_state), "waiting");
	it->qi_version = 1;
	return store_item_log1(s, it->qi_id, it->qi_created_at, actor,
	    "created", NULL);
}

/*
 * A new item (qi_call_id, queue, kind, priority, due and created set)
 * in state waiting; sets its id. STORE_CONFLICT: the call has one of
 * that kind already.
 */
int
store_item_insert(struct store *s, struct queue_item *it, const char *actor)
{
	if (store_request_begin(s) != STORE_OK)
		return STORE_ERR;
	return store_request_end(s, store_item_insert1(s, it, actor));
}

int
store_item_get(struct store *s, int64_t id, struct queue_item *it)
{
	sqlite3_bind_int64(s->s_st[ST_ITEM_GET], 1, id);
	return store_item_one(s, s->s_st[ST_ITEM_GET], "reading a queue item",
	    it);
}

/* The next claimable item of queue at now; STORE_NOTFOUND: none. */
int
store_item_next(struct store *s, const char *queue, int64_t now,
    struct queue_item *it)
{
	sqlite3_stmt	*st = s->s_st[ST_ITEM_NEXT];

	store_bind_text(st, 1, queue);
	sqlite3_bind_int64(st, 2, now);
	return store_item_one(s, st, "finding the next queue item", it);
}

int
store_items_by_call(struct store *s, int64_t call_id, struct queue_item **out,
    size_t *n)
{
	sqlite3_bind_int64(s->s_st[ST_ITEMS_BY_CALL], 1, call_id);
	return store_items_collect(s, s->s_st[ST_ITEMS_BY_CALL],
	    "reading a call's queue items", out, n);
}

/*
 * The items of queue in view (waiting: claimable now, scheduled, claimed,
 * done, open: all but done), first to be claimed first, at most limit.
 */
int
store_items_list(struct store *s, const char *queue, const char *view,
    int64_t now, long limit, struct queue_item **out, size_t *n)
{
	int		 open = strcmp(view, "open") == 0;
	sqlite3_stmt	*st = s->s_st[open ? ST_ITEMS_OPEN : ST_ITEMS_LIST];

	store_bind_text(st, 1, queue);
	if (strcmp(view, "waiting") == 0 || strcmp(view, "scheduled") == 0)
		store_bind_text(st, 2, "waiting");
	else if (!open)
		store_bind_text(st, 2, view);
	if (strcmp(view, "waiting") == 0)
		sqlite3_bind_int64(st, 3, now);
	if (strcmp(view, "scheduled") == 0)
		sqlite3_bind_int64(st, 4, now);
	sqlite3_bind_int64(st, 6, limit);
	return store_items_collect(s, st, "listing a queue", out, n);
}

/* Claimed items whose lease ended by now. */
int
store_items_expired(struct store *s, int64_t now, struct queue_item **out,
    size_t *n)
{
	sqlite3_bind_int64(s->s_st[ST_ITEMS_EXPIRED], 1, now);
	return store_items_collect(s, s->s_st[ST_ITEMS_EXPIRED],
	    "finding expired leases", out, n);
}

/* Oldest due first, then by id. */
static int
store_item_cmp_due(const void *a, const void *b)
{
	const struct queue_item	*x = a, *y = b;

	if (x->qi_due_at != y->qi_due_at)
		return x->qi_due_at < y->qi_due_at ? -1 : 1;
	return (x->qi_id > y->qi_id) - (x->qi_id < y->qi_id);
}

/*
 * Waiting items not yet escalated that have waited past their SLA at now,
 * the longest overdue first, at most STORE_TICK_ITEMS; slas: a JSON list
 * of [queue, priority, seconds]. Each SLA's first ones are read along
 * its part of queue_items_waiting, then the oldest of them all kept.
 */
int
store_items_overdue(struct store *s, int64_t now, const char *slas,
    struct queue_item **out, size_t *n)
{
	sqlite3_stmt		*ls = s->s_st[ST_SLAS];
	sqlite3_stmt		*st = s->s_st[ST_ITEMS_OVERDUE];
	struct queue_item	*v = NULL, *w, *nv;
	size_t			 nv_n = 0, nw, i;
	int			 rc;

	*out = NULL;
	*n = 0;
	store_bind_text(ls, 1, slas);
	while ((rc = sqlite3_step(ls)) == SQLITE_ROW) {
		store_bind_text(st, 1,
		    (const char *)sqlite3_column_text(ls, 0));
		sqlite3_bind_int(st, 2, sqlite3_column_int(ls, 1));
		sqlite3_bind_int64(st, 3, now - sqlite3_column_int64(ls, 2));
		if (store_items_collect(s, st, "finding overdue items", &w,
		    &nw) != STORE_OK) {
			rc = SQLITE_ERROR;
			break;
		}
		if (nw == 0)
			continue;
		if ((nv = reallocarray(v, nv_n + nw, sizeof(*v))) == NULL) {
			store_items_free(w, nw);
			rc = SQLITE_NOMEM;
			break;
		}
		v = nv;
		memcpy(v + nv_n, w, nw * sizeof(*w));
		nv_n += nw;
		free(w);	/* its texts are v's now */
	}
	sqlite3_reset(ls);
	sqlite3_clear_bindings(ls);
	if (rc != SQLITE_DONE) {
		store_items_free(v, nv_n);
		return rc == SQLITE_ERROR ? STORE_ERR :
		    store_fail(s, "reading the SLAs");
	}
	if (nv_n > 1)
		qsort(v, nv_n, sizeof(*v), store_item_cmp_due);
	for (i = STORE_TICK_ITEMS; i < nv_n; i++)
		store_item_free(&v[i]);
	*out = v;
	*n = nv_n < STORE_TICK_ITEMS ? nv_n : STORE_TICK_ITEMS;
	return STORE_OK;
}

/* 1 when who holds a claimed item of call_id, 0 when not, -1 on error. */
int
store_item_holder(struct store *s, int64_t call_id, const char *who)
{
	sqlite3_stmt	*st = s->s_st[ST_ITEM_HOLDER];
	int		 rc;

	sqlite3_bind_int64(st, 1, call_id);
	store_bind_text(st, 2, who);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_fail(s, "checking a claim");
		return -1;
	}
	return rc == SQLITE_ROW;
}

static int
store_item_set1(struct store *s, struct queue_item *it, int64_t at,
    const char *actor, const char *action, const char *detail)
{
	sqlite3_stmt	*st = s->s_st[ST_ITEM_SET];
	int		 rc;

	sqlite3_bind_int64(st, 1, it->qi_id);
	store_bind_text(st, 2, it->qi_state);
	store_bind_text(st, 3, *it->qi_claimed_by ? it->qi_claimed_by : NULL);
	store_bind_time(st, 4, it->qi_claimed_at);
	store_bind_time(st, 5, it->qi_lease_until);
	store_bind_time(st, 6, it->qi_completed_at);
	store_bind_text(st, 7, *it->qi_completed_by ? it->qi_completed_by :
	    NULL);
	store_bind_text(st, 8, it->qi_resolution);
	store_bind_time(st, 9, it->qi_escalated_at);
	sqlite3_bind_int64(st, 10, it->qi_version);
	sqlite3_bind_int64(st, 11, it->qi_due_at);
	sqlite3_bind_int(st, 12, it->qi_attempts);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, "updating a queue item");
	if (sqlite3_changes(s->s_db) == 0)
		return STORE_CONFLICT;
	it->qi_version++;
	return store_item_log1(s, it->qi_id, at, actor, action, detail);
}

/*
 * Store it's new state (its qi_version the one it replaces) and the
 * transition in its history. STORE_CONFLICT: the item moved meanwhile.
 */
int
store_item_set(struct store *s, struct queue_item *it, int64_t at,
    const char *actor, const char *action, const char *detail)
{
	if (store_request_begin(s) != STORE_OK)
		return STORE_ERR;
	return store_request_end(s, store_item_set1(s, it, at, actor, action,
	    detail));
}

/* An item's transitions, oldest first; NULL on error. */
json_t *
store_item_history(struct store *s, int64_t id)
{
	sqlite3_stmt	*st = s->s_st[ST_ITEM_LOG_GET];
	json_t		*a = json_array(), *e;
	const char	*detail;
	char		 buf[40];
	int		 rc;

	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		clock_format(sqlite3_column_int64(st, 0), buf, sizeof(buf));
		e = json_pack("{s:s, s:s, s:s}", "at", buf, "by",
		    (const char *)sqlite3_column_text(st, 1), "action",
		    (const char *)sqlite3_column_text(st, 2));
		if ((detail = (const char *)sqlite3_column_text(st, 3)) != NULL)
			json_object_set_new(e, "detail", json_string(detail));
		json_array_append_new(a, e);
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE) {
		store_fail(s, "reading a queue item's history");
		json_decref(a);
		return NULL;
	}
	return a;
}

/* When the next scheduled item becomes claimable after now; 0: never. */
int
store_next_due(struct store *s, int64_t now, int64_t *due)
{
	sqlite3_stmt	*st = s->s_st[ST_NEXT_DUE];
	int		 rc;

	sqlite3_bind_int64(st, 1, now);
	rc = sqlite3_step(st);
	*due = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_ROW ? STORE_OK : store_fail(s, "finding the "
	    "next due item");
}

/* The due time of the oldest claimable item of queue at now; 0: none. */
int
store_queue_oldest(struct store *s, const char *queue, int64_t now,
    int64_t *due)
{
	sqlite3_stmt	*st = s->s_st[ST_QUEUE_OLDEST];
	int		 rc;

	store_bind_text(st, 1, queue);
	sqlite3_bind_int64(st, 2, now);
	rc = sqlite3_step(st);
	*due = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_ROW ? STORE_OK : store_fail(s, "finding the "
	    "oldest item");
}

/*
 * Per queue at now: claimable, claimed, scheduled, the due time of the
 * oldest claimable one, escalated; fn is called once per queue with items.
 */
int
store_queue_counts(struct store *s, int64_t now,
    void (*fn)(void *, const char *, const int64_t[5]), void *arg)
{
	sqlite3_stmt	*st = s->s_st[ST_QUEUE_COUNTS];
	int64_t		 v[5];
	int		 rc, i;

	sqlite3_bind_int64(st, 1, now);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (i = 0; i < 5; i++)
			v[i] = (int64_t)sqlite3_column_double(st, i + 1);
		v[3] = sqlite3_column_int64(st, 4);	/* NULL: 0 */
		fn(arg, (const char *)sqlite3_column_text(st, 0), v);
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? STORE_OK : store_fail(s, "counting queue "
	    "items");
}
