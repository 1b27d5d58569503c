/*
 * The browser console's sessions (session.c keeps them in memory): a row
 * per session, keyed by the SHA-256 of its id, so a copy of the database
 * holds no usable session.
 */
#include <string.h>

#include "store_int.h"

const char *const store_session_sql[ST_MAX] = {
	[ST_SESSION_ADD] = "INSERT INTO sessions (id_sha, name, role, pw_sha,"
	    " created_at, seen_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[ST_SESSION_DEL] = "DELETE FROM sessions WHERE id_sha = ?1",
	[ST_SESSION_SEEN] = "UPDATE sessions SET seen_at = ?2"
	    " WHERE id_sha = ?1",
	[ST_SESSION_LOAD] = "SELECT id_sha, name, role, pw_sha, created_at,"
	    " seen_at FROM sessions",
};

/* Step st, which changes rows, and reset it: STORE_OK or the failure. */
static int
store_session_step(struct store *s, sqlite3_stmt *st, const char *what)
{
	int	 rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? STORE_OK : store_fail(s, what);
}

int
store_session_add(struct store *s, const struct session_row *r)
{
	sqlite3_stmt	*st = s->s_st[ST_SESSION_ADD];

	sqlite3_bind_blob(st, 1, r->sr_sha, SHA256_LEN, SQLITE_STATIC);
	store_bind_text(st, 2, r->sr_name);
	sqlite3_bind_int(st, 3, r->sr_role);
	sqlite3_bind_blob(st, 4, r->sr_pw, SHA256_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, r->sr_created);
	sqlite3_bind_int64(st, 6, r->sr_seen);
	return store_session_step(s, st, "storing a session");
}

/* Remove the session whose id hashes to sha (none: still STORE_OK). */
int
store_session_del(struct store *s, const unsigned char *sha)
{
	sqlite3_stmt	*st = s->s_st[ST_SESSION_DEL];

	sqlite3_bind_blob(st, 1, sha, SHA256_LEN, SQLITE_STATIC);
	return store_session_step(s, st, "ending a session");
}

/* When the session was last used, kept for a restart's idle check. */
int
store_session_seen(struct store *s, const unsigned char *sha, int64_t at)
{
	sqlite3_stmt	*st = s->s_st[ST_SESSION_SEEN];

	sqlite3_bind_blob(st, 1, sha, SHA256_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, at);
	return store_session_step(s, st, "noting a session's use");
}

/* Every stored session, to cb; a row of the wrong shape is skipped. */
int
store_session_load(struct store *s,
    void (*cb)(const struct session_row *, void *), void *arg)
{
	sqlite3_stmt		*st = s->s_st[ST_SESSION_LOAD];
	struct session_row	 r;
	int			 rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_bytes(st, 0) != SHA256_LEN ||
		    sqlite3_column_bytes(st, 3) != SHA256_LEN)
			continue;
		memset(&r, 0, sizeof(r));
		memcpy(r.sr_sha, sqlite3_column_blob(st, 0), SHA256_LEN);
		r.sr_name = (const char *)sqlite3_column_text(st, 1);
		r.sr_role = sqlite3_column_int(st, 2);
		memcpy(r.sr_pw, sqlite3_column_blob(st, 3), SHA256_LEN);
		r.sr_created = sqlite3_column_int64(st, 4);
		r.sr_seen = sqlite3_column_int64(st, 5);
		if (r.sr_name != NULL)
			cb(&r, arg);
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? STORE_OK : store_fail(s, "reading the "
	    "sessions");
}
