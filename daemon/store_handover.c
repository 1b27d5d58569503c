/*
 * The shift handover's questions of the store (handover.c): the ids of
 * the open items of high-risk calls, of the items someone holds, of those
 * escalated or with a failed attempt in a time range, and of the calls
 * whose emergency is still pending. Each list is short and bounded.
 */
#include <stdlib.h>

#include "store_int.h"

const char *const store_handover_sql[ST_MAX] = {
	/* ?1: the risk codes counted high, a JSON list. */
	[ST_HANDOVER_RISK] = "SELECT q.id FROM queue_items q"
	    " JOIN calls c ON c.id = q.call_id"
	    " WHERE q.state IN ('waiting', 'claimed')"
	    " AND c.risk IN (SELECT value FROM json_each(?1))"
	    " ORDER BY q.due_at, q.id LIMIT ?2",
	[ST_HANDOVER_HELD] = "SELECT id FROM queue_items"
	    " WHERE state = 'claimed' ORDER BY claimed_by, claimed_at, id"
	    " LIMIT ?1",
	/* Escalated, or an attempt that did not reach the caller, in
	 * [?1, ?2). */
	[ST_HANDOVER_TROUBLE] = "SELECT id FROM queue_items"
	    " WHERE (escalated_at >= ?1 AND escalated_at < ?2)"
	    " OR id IN (SELECT item_id FROM attempts WHERE at >= ?1"
	    " AND at < ?2 AND result != 'reached') ORDER BY id LIMIT ?3",
	[ST_HANDOVER_EMERGENCIES] = "SELECT id FROM calls"
	    " WHERE crisis IS NOT NULL"
	    " AND json_extract(crisis, '$.emergency.confirmed') = 'pending'"
	    " ORDER BY started_at, id LIMIT ?1",
	[ST_EMERGENCIES_PENDING] = "SELECT count(*) FROM calls"
	    " WHERE crisis IS NOT NULL"
	    " AND json_extract(crisis, '$.emergency.confirmed') = 'pending'",
};

/* Step st for rows of one id each into *out (caller frees). */
static int
store_handover_ids(struct store *s, sqlite3_stmt *st, int64_t **out,
    size_t *n)
{
	int64_t	*v = NULL, *nv;
	size_t	 cap = 0;
	int	 rc;

	*n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			if ((nv = reallocarray(v, cap, sizeof(*v))) == NULL) {
				rc = SQLITE_NOMEM;
				break;
			}
			v = nv;
		}
		v[(*n)++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE) {
		free(v);
		*out = NULL;
		*n = 0;
		return store_fail(s, "reading the handover");
	}
	*out = v;
	return STORE_OK;
}

/*
 * The ids of one handover list (enum store_handover): risks, the high
 * risk codes as JSON (HANDOVER_RISK); [from, to) (HANDOVER_TROUBLE).
 */
int
store_handover(struct store *s, enum store_handover_list which,
    const char *risks, int64_t from, int64_t to, long limit, int64_t **out,
    size_t *n)
{
	sqlite3_stmt	*st;

	switch (which) {
	case HANDOVER_RISK:
		st = s->s_st[ST_HANDOVER_RISK];
		store_bind_text(st, 1, risks);
		sqlite3_bind_int64(st, 2, limit);
		break;
	case HANDOVER_HELD:
		st = s->s_st[ST_HANDOVER_HELD];
		sqlite3_bind_int64(st, 1, limit);
		break;
	case HANDOVER_TROUBLE:
		st = s->s_st[ST_HANDOVER_TROUBLE];
		sqlite3_bind_int64(st, 1, from);
		sqlite3_bind_int64(st, 2, to);
		sqlite3_bind_int64(st, 3, limit);
		break;
	default:
		st = s->s_st[ST_HANDOVER_EMERGENCIES];
		sqlite3_bind_int64(st, 1, limit);
		break;
	}
	return store_handover_ids(s, st, out, n);
}

/* How many calls have an emergency still pending. */
int
store_emergencies_pending(struct store *s, int64_t *n)
{
	sqlite3_stmt	*st = s->s_st[ST_EMERGENCIES_PENDING];
	int		 rc;

	rc = sqlite3_step(st);
	*n = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? STORE_OK : store_fail(s, "counting pending "
	    "emergencies");
}
