/*
 * The records of who did what: the append-only audit trail (audit.c) and
 * the export log (one row per export, its size written when it ends).
 */
#include "store_int.h"

#define AUDIT_COLUMNS \
	"id, at, who, role, peer, action, call_id, item_id, detail"

const char *const store_audit_sql[ST_MAX] = {
	[ST_AUDIT_INSERT] = "INSERT INTO audit (at, who, role, peer, action,"
	    " call_id, item_id, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	[ST_AUDIT_LAST] = "SELECT coalesce(max(id), 0) FROM audit",
	/* The rows committed since ?1, for syslog, oldest first. */
	[ST_AUDIT_AFTER] = "SELECT " AUDIT_COLUMNS " FROM audit WHERE id > ?1"
	    " ORDER BY id",
	/* NULL parameters leave a filter out; ?5: the cursor (an id). */
	[ST_AUDIT_LIST] = "SELECT " AUDIT_COLUMNS " FROM audit"
	    " WHERE (?1 IS NULL OR at >= ?1) AND (?2 IS NULL OR at < ?2)"
	    " AND (?3 IS NULL OR action = ?3) AND (?4 IS NULL OR who = ?4)"
	    " AND (?5 IS NULL OR id < ?5) ORDER BY id DESC LIMIT ?6",
	[ST_EXPORT_BEGIN] = "INSERT INTO exports (by, role, at, range_from,"
	    " range_to, format) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[ST_EXPORT_END] = "UPDATE exports SET rows = ?2, finished_at = ?3"
	    " WHERE id = ?1",
};

/* Append one row to the audit trail; its id and time are set in e. */
int
store_audit_add(struct store *s, struct audit_entry *e)
{
	sqlite3_stmt	*st = s->s_st[ST_AUDIT_INSERT];
	int		 rc;

	e->ae_at = clock_now();
	sqlite3_bind_int64(st, 1, e->ae_at);
	store_bind_text(st, 2, e->ae_who);
	store_bind_text(st, 3, e->ae_role);
	store_bind_text(st, 4, e->ae_peer);
	store_bind_text(st, 5, e->ae_action);
	store_bind_time(st, 6, e->ae_call_id);
	store_bind_time(st, 7, e->ae_item_id);
	store_bind_text(st, 8, e->ae_detail);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, "writing the audit trail");
	e->ae_id = sqlite3_last_insert_rowid(s->s_db);
	return STORE_OK;
}

/* The id of the newest audit row; 0 when there is none. */
int
store_audit_last(struct store *s, int64_t *id)
{
	sqlite3_stmt	*st = s->s_st[ST_AUDIT_LAST];
	int		 rc;

	rc = sqlite3_step(st);
	*id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? STORE_OK : store_fail(s, "reading the "
	    "audit trail");
}

/* Hand every row st yields to fn; the texts last only for the call. */
static int
store_audit_rows(struct store *s, sqlite3_stmt *st,
    void (*fn)(const struct audit_entry *, void *), void *arg)
{
	struct audit_entry	 e;
	int			 rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		e.ae_id = sqlite3_column_int64(st, 0);
		e.ae_at = sqlite3_column_int64(st, 1);
		e.ae_who = (const char *)sqlite3_column_text(st, 2);
		e.ae_role = (const char *)sqlite3_column_text(st, 3);
		e.ae_peer = (const char *)sqlite3_column_text(st, 4);
		e.ae_action = (const char *)sqlite3_column_text(st, 5);
		e.ae_call_id = sqlite3_column_int64(st, 6);	/* NULL: 0 */
		e.ae_item_id = sqlite3_column_int64(st, 7);
		e.ae_detail = (const char *)sqlite3_column_text(st, 8);
		fn(&e, arg);
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? STORE_OK : store_fail(s, "reading the "
	    "audit trail");
}

/* The audit rows after id, oldest first. */
int
store_audit_after(struct store *s, int64_t id,
    void (*fn)(const struct audit_entry *, void *), void *arg)
{
	sqlite3_bind_int64(s->s_st[ST_AUDIT_AFTER], 1, id);
	return store_audit_rows(s, s->s_st[ST_AUDIT_AFTER], fn, arg);
}

/* The audit rows f selects, newest first. */
int
store_audit_list(struct store *s, const struct audit_filter *f,
    void (*fn)(const struct audit_entry *, void *), void *arg)
{
	sqlite3_stmt	*st = s->s_st[ST_AUDIT_LIST];

	store_bind_time(st, 1, f->af_since);
	store_bind_time(st, 2, f->af_until);
	store_bind_text(st, 3, f->af_action);
	store_bind_text(st, 4, f->af_who);
	store_bind_time(st, 5, f->af_before);
	sqlite3_bind_int64(st, 6, f->af_limit);
	return store_audit_rows(s, st, fn, arg);
}

/* Record that who (role) began an export of [from, to); its id. */
int
store_export_begin(struct store *s, const char *who, const char *role,
    int64_t from, int64_t to, const char *format, int64_t *id)
{
	sqlite3_stmt	*st = s->s_st[ST_EXPORT_BEGIN];
	int		 rc;

	if (store_request_begin(s) != STORE_OK)
		return STORE_ERR;
	store_bind_text(st, 1, who);
	store_bind_text(st, 2, role);
	sqlite3_bind_int64(st, 3, clock_now());
	sqlite3_bind_int64(st, 4, from);
	sqlite3_bind_int64(st, 5, to);
	store_bind_text(st, 6, format);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	*id = sqlite3_last_insert_rowid(s->s_db);
	return store_request_end(s, rc == SQLITE_DONE ? STORE_OK :
	    store_fail(s, "recording an export"));
}

/* Record how many rows export id sent, and when it ended. */
int
store_export_end(struct store *s, int64_t id, int64_t rows)
{
	sqlite3_stmt	*st = s->s_st[ST_EXPORT_END];
	int		 rc;

	if (store_request_begin(s) != STORE_OK)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, rows);
	sqlite3_bind_int64(st, 3, clock_now());
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return store_request_end(s, rc == SQLITE_DONE ? STORE_OK :
	    store_fail(s, "recording an export's end"));
}
