/*
 * The store: one SQLite database in WAL mode, and its engine: open, the
 * pragmas, the statements prepared once at open, the batch and its
 * savepoints, the fault, the probe and the lock check (checkpoints are
 * store_wal.c's, the commits' fsync store_sync.c's, each on a thread of
 * its own; without the sync thread the writer keeps synchronous=FULL).
 * Writes join a batch: the first write of a loop turn opens BEGIN
 * IMMEDIATE, each request runs inside its own savepoint, and
 * store_commit() ends the batch; the API sends its answers only after
 * that commit is on the disk. The schema is in store_schema.c; the tables' rows in
 * store_call.c, store_queue.c, store_audit.c and store_stats.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store_int.h"

#define STORE_READ_WAIT_MS	100	/* longest a read blocks the loop */

static const char *const store_core_sql[ST_MAX] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_SAVEPOINT] = "SAVEPOINT request",
	[ST_RELEASE] = "RELEASE request",
	[ST_ROLLBACK_TO] = "ROLLBACK TO request",
	/* A write that changes nothing but still goes to disk: page 1. */
	[ST_PROBE] = ("PRAGMA user_version = " STORE_SCHEMA_VERSION_TEXT),
	[ST_READ_BEGIN] = "BEGIN DEFERRED",
};

/* Remember the last SQLite error for the caller's log line. */
int
store_fail(struct store *s, const char *what)
{
	s->s_errcode = sqlite3_extended_errcode(s->s_db);
	snprintf(s->s_err, sizeof(s->s_err), "%s: %s", what,
	    sqlite3_errmsg(s->s_db));
	return STORE_ERR;
}

/*
 * The connection, for the tools that check or age a file with raw SQL
 * (tests/fuzz, bench/fill.c); the daemon goes through store*.c.
 */
sqlite3 *
store_handle(struct store *s)
{
	return s->s_db;
}

/*
 * What kind of trouble the last failure was: STORE_FAULT_FULL (the disk
 * or the file system quota), STORE_FAULT_IO (the disk failed, or the
 * file is damaged) or STORE_FAULT_OTHER.
 */
int
store_fault(struct store *s)
{
	switch (s->s_errcode & 0xff) {
	case SQLITE_FULL:
		return STORE_FAULT_FULL;
	case SQLITE_IOERR:
	case SQLITE_CORRUPT:
	case SQLITE_CANTOPEN:
	case SQLITE_READONLY:
	case SQLITE_NOTADB:
		return STORE_FAULT_IO;
	default:
		return STORE_FAULT_OTHER;
	}
}

const char *
store_errmsg(struct store *s)
{
	return s->s_err;
}

/* Run a statement that yields no row, and reset it. */
int
store_exec_st(struct store *s, enum store_stmt which)
{
	sqlite3_stmt	*st = s->s_st[which];
	int		 rc;

	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, sqlite3_sql(st));
	return STORE_OK;
}

/* Run a pragma on db; with want, its answer must be want (any case). */
int
store_pragma(sqlite3 *db, const char *sql, const char *want, char **cause)
{
	sqlite3_stmt	*st;
	const char	*got;
	int		 ok = 1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		asprintf(cause, "%s: %s", sql, sqlite3_errmsg(db));
		return -1;
	}
	if (sqlite3_step(st) == SQLITE_ROW && want != NULL) {
		got = (const char *)sqlite3_column_text(st, 0);
		ok = got != NULL && strcasecmp(got, want) == 0;
	}
	if (sqlite3_finalize(st) != SQLITE_OK || !ok) {
		if (ok)
			asprintf(cause, "%s: %s", sql, sqlite3_errmsg(db));
		else
			asprintf(cause, "%s: the database refused (wanted %s)",
			    sql, want);
		return -1;
	}
	return 0;
}

static int
store_setup_once(sqlite3 *db, const char *path, char **cause)
{
	if (store_pragma(db, "PRAGMA journal_mode = WAL", "wal", cause) == -1 ||
	    store_pragma(db, "PRAGMA synchronous = FULL", NULL, cause) == -1 ||
	    store_pragma(db, "PRAGMA foreign_keys = ON", NULL, cause) == -1 ||
	    /* Erased text is overwritten with zeros, not left in free
	       space (retention.c). */
	    store_pragma(db, "PRAGMA secure_delete = ON", NULL, cause) == -1 ||
	    /* A year's phone rollups and the calls' indexes stay in memory
	       between requests (32 MiB; SQLite's default is 2). */
	    store_pragma(db, "PRAGMA cache_size = -32768", NULL, cause) == -1 ||
	    store_migrate(db, path, cause) == -1)
		return -1;
	return 0;
}

/*
 * WAL mode and the migrations, tried again while another process holds
 * the lock, for up to busy_ms: switching a fresh file to WAL needs an
 * exclusive lock, and SQLite answers that with SQLITE_BUSY at once
 * rather than calling the busy handler.
 */
static int
store_setup(sqlite3 *db, const char *path, long busy_ms, char **cause)
{
	struct timespec	 pause = { 0, 20 * 1000 * 1000 };
	long		 waited = 0;

	for (;;) {
		if (store_setup_once(db, path, cause) == 0)
			return 0;
		if ((sqlite3_errcode(db) & 0xff) != SQLITE_BUSY ||
		    waited >= busy_ms)
			return -1;
		free(*cause);
		*cause = NULL;
		nanosleep(&pause, NULL);
		waited += 20;
	}
}

/* Each family's statements (store_int.h), all prepared at open. */
static const char *const *const store_families[] = {
	store_core_sql, store_call_sql, store_queue_sql, store_audit_sql,
	store_stats_sql, store_session_sql, store_pbx_sql, store_plan_sql,
	store_handover_sql, store_followup_sql, store_care_sql,
};

/*
 * Prepare every statement once, from the family whose table names it; a
 * slot that no family or two families fill is a bug in the tables.
 */
static int
store_prepare(struct store *s, const char *path, char **cause)
{
	const char	*sql;
	size_t		 f;
	int		 i;

	for (f = 0; f < sizeof(store_families) / sizeof(store_families[0]);
	    f++) {
		for (i = 0; i < ST_MAX; i++) {
			if ((sql = store_families[f][i]) == NULL)
				continue;
			if (s->s_st[i] != NULL)
				fatalx("%s: statement %d is in two families",
				    __func__, i);
			if (sqlite3_prepare_v3(s->s_db, sql, -1,
			    SQLITE_PREPARE_PERSISTENT, &s->s_st[i], NULL) !=
			    SQLITE_OK) {
				asprintf(cause, "%s: preparing \"%s\": %s",
				    path, sql, sqlite3_errmsg(s->s_db));
				return -1;
			}
		}
	}
	for (i = 0; i < ST_MAX; i++)
		if (s->s_st[i] == NULL)
			fatalx("%s: statement %d has no SQL", __func__, i);
	return 0;
}

/* Open (creating if needed) the database at path; NULL with *cause. */
struct store *
store_open(const char *path, long busy_ms, char **cause)
{
	struct store	*s;
	const char	*wal;

	/*
	 * Each write runs in a savepoint of its own (store_request_begin), so
	 * SQLite keeps the first image of every page a write changes in a
	 * sub-journal, spilled past 64 KiB (SQLite's default) into a
	 * temporary file: at 64 writers 12 000 pwrite(2)s a second on the
	 * loop, a third fewer calls stored. It is kept in memory, and never
	 * spilled: with a spill past 256 KiB or more, SQLite 3.40 answered a
	 * savepoint that outgrew it "database or disk is full" (test_store.c).
	 * A write's pages are a few hundred KiB; the upgrade to schema 19
	 * over ten million calls held 100 MB at most. Before SQLite is first
	 * used only; later (a tool that used SQLite first) it is refused
	 * and the default stays.
	 */
	(void)sqlite3_config(SQLITE_CONFIG_STMTJRNL_SPILL, -1);
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->s_path = strdup(path)) == NULL) {
		free(s);
		asprintf(cause, "%s", strerror(errno));
		return NULL;
	}
	if (sqlite3_open_v2(path, &s->s_db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		asprintf(cause, "%s: %s", path, s->s_db != NULL ?
		    sqlite3_errmsg(s->s_db) : "out of memory");
		goto fail;
	}
	sqlite3_extended_result_codes(s->s_db, 1);
	/* SQLite's own name: a symlinked store keeps its log by the target. */
	wal = sqlite3_filename_wal(sqlite3_db_filename(s->s_db, "main"));
	if (wal == NULL || (s->s_wal_path = strdup(wal)) == NULL) {
		asprintf(cause, "%s: out of memory", path);
		goto fail;
	}
	/*
	 * Opening may wait out another process's lock for the whole busy
	 * timeout (WAL mode and a migration need the write lock; nothing is
	 * served yet). Afterwards reads wait only briefly; the write lock is
	 * taken in store_begin.
	 */
	s->s_busy_ms = busy_ms;
	sqlite3_busy_timeout(s->s_db, (int)busy_ms);
	if (store_setup(s->s_db, path, busy_ms, cause) == -1)
		goto fail;
	sqlite3_busy_timeout(s->s_db, (int)(busy_ms < STORE_READ_WAIT_MS ?
	    busy_ms : STORE_READ_WAIT_MS));
	if (store_prepare(s, path, cause) == -1 ||
	    store_wal_start(s, path, cause) == -1)
		goto fail;
	return s;
fail:
	store_close(s);
	return NULL;
}

void
store_close(struct store *s)
{
	int	 i;

	if (s == NULL)
		return;
	if (s->s_in_batch)
		store_rollback(s);
	store_sync_stop(s);
	store_wal_stop(s);
	for (i = 0; i < ST_MAX; i++)
		sqlite3_finalize(s->s_st[i]);
	if (sqlite3_close(s->s_db) != SQLITE_OK)
		log_warnx("%s: sqlite3_close: %s", __func__,
		    sqlite3_errmsg(s->s_db));
	free(s->s_path);
	free(s->s_wal_path);
	free(s);
}

/*
 * The WAL's file, named as SQLite names it (beside the target of a
 * symlinked store), for those that look at it without a handle.
 */
const char *
store_wal_path(const struct store *s)
{
	return s->s_wal_path;
}

int
store_in_batch(struct store *s)
{
	return s->s_in_batch;
}

/*
 * Several reads as one snapshot (an export's page: the calls, then each
 * one's items): one read transaction instead of one per statement. Not
 * inside a batch (its reads are in its transaction already), and never
 * across loop turns: a snapshot held long keeps checkpoints from
 * finishing. A failure only means the reads run one by one.
 */
void
store_read_begin(struct store *s)
{
	if (s->s_in_batch || s->s_in_read)
		return;
	s->s_in_read = store_exec_st(s, ST_READ_BEGIN) == STORE_OK;
}

void
store_read_end(struct store *s)
{
	if (!s->s_in_read)
		return;
	s->s_in_read = 0;
	if (!s->s_in_batch && sqlite3_get_autocommit(s->s_db) == 0)
		store_exec_st(s, ST_COMMIT);
}

/*
 * Open the batch: take the write lock without waiting. STORE_BUSY: another
 * process holds it; the caller tries again later.
 */
int
store_begin(struct store *s)
{
	int	 rc;

	if (s->s_in_batch)
		return STORE_OK;
	sqlite3_busy_timeout(s->s_db, 0);
	rc = sqlite3_step(s->s_st[ST_BEGIN]);
	sqlite3_reset(s->s_st[ST_BEGIN]);
	sqlite3_busy_timeout(s->s_db, (int)(s->s_busy_ms < STORE_READ_WAIT_MS ?
	    s->s_busy_ms : STORE_READ_WAIT_MS));
	if (rc == SQLITE_DONE) {
		s->s_in_batch = 1;
		return STORE_OK;
	}
	store_fail(s, "BEGIN IMMEDIATE");
	return (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED ?
	    STORE_BUSY : STORE_ERR;
}

/*
 * Whether the open batch is gone: rolled back by SQLite itself (it may do
 * that on SQLITE_FULL or an I/O error) or by us when a savepoint could not
 * be undone. Its writes were answered into the held queue: they must hear
 * 503 at the commit, and nothing more may join it.
 */
static int
store_batch_lost(struct store *s)
{
	if (s->s_in_batch && !s->s_undone && sqlite3_get_autocommit(s->s_db))
		s->s_undone = 1;
	return s->s_undone;
}

/*
 * Open the batch if needed, then a savepoint for this request. Requests
 * nest: only the outermost opens and ends the savepoint, so a request
 * made of several writes is kept or undone whole.
 */
int
store_request_begin(struct store *s)
{
	if (s->s_depth++ > 0)
		return STORE_OK;
	if (store_batch_lost(s)) {
		s->s_depth = 0;
		snprintf(s->s_err, sizeof(s->s_err), "the batch was rolled "
		    "back after an earlier error");
		return STORE_ERR;
	}
	if (!s->s_in_batch) {
		if (store_exec_st(s, ST_BEGIN) != STORE_OK) {
			s->s_depth = 0;
			return STORE_ERR;
		}
		s->s_in_batch = 1;
	}
	if (store_exec_st(s, ST_SAVEPOINT) != STORE_OK) {
		s->s_depth = 0;
		return STORE_ERR;
	}
	return STORE_OK;
}

/* End the request's savepoint: keep its writes, or undo only them. */
int
store_request_end(struct store *s, int rc)
{
	if (s->s_depth == 0 || --s->s_depth > 0)
		return rc;
	if (store_batch_lost(s))
		return STORE_ERR;
	if (rc == STORE_OK) {
		if (store_exec_st(s, ST_RELEASE) == STORE_OK)
			return STORE_OK;
		rc = STORE_ERR;
	}
	if (store_batch_lost(s) ||
	    store_exec_st(s, ST_ROLLBACK_TO) != STORE_OK ||
	    store_exec_st(s, ST_RELEASE) != STORE_OK) {
		/* The savepoint is gone: drop the whole batch, keep it open
		   as lost so that store_commit() fails it. */
		if (sqlite3_get_autocommit(s->s_db) == 0) {
			sqlite3_step(s->s_st[ST_ROLLBACK]);
			sqlite3_reset(s->s_st[ST_ROLLBACK]);
		}
		s->s_undone = 1;
	}
	return rc;
}

/*
 * Commit the batch; on failure everything in it is rolled back and the
 * store is ready for the next batch (a COMMIT that failed on a full disk
 * may leave the transaction open: it is rolled back here).
 */
int
store_commit(struct store *s)
{
	if (!s->s_in_batch)
		return STORE_OK;
	if (store_batch_lost(s)) {
		if (s->s_err[0] == '\0')
			snprintf(s->s_err, sizeof(s->s_err), "the batch was "
			    "rolled back");
		store_rollback(s);
		return STORE_ERR;
	}
	if (store_exec_st(s, ST_COMMIT) != STORE_OK) {
		store_rollback(s);
		return STORE_ERR;
	}
	s->s_in_batch = 0;
	return STORE_OK;
}

void
store_rollback(struct store *s)
{
	if (sqlite3_get_autocommit(s->s_db) == 0) {
		sqlite3_step(s->s_st[ST_ROLLBACK]);
		sqlite3_reset(s->s_st[ST_ROLLBACK]);
	}
	s->s_in_batch = 0;
	s->s_depth = 0;
	s->s_undone = 0;
}

/*
 * After a write failed on a full disk or an I/O error: try one small real
 * write (page 1 is rewritten with the same schema version) to see whether
 * the store can write again. STORE_OK: it can; STORE_BUSY: another
 * process holds the lock, try later; STORE_ERR: still failing.
 */
int
store_probe(struct store *s)
{
	int	 rc;

	if (s->s_in_batch)
		return STORE_BUSY;
	if ((rc = store_begin(s)) != STORE_OK)
		return rc;
	if (store_exec_st(s, ST_PROBE) != STORE_OK) {
		store_rollback(s);
		return STORE_ERR;
	}
	return store_commit(s);
}

/* Bind v, or NULL when v is NULL. */
void
store_bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

/* Bind a time, or NULL when it is 0 (not set). */
void
store_bind_time(sqlite3_stmt *st, int i, int64_t v)
{
	if (v == 0)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_int64(st, i, v);
}

/* Column i as a copy, NULL for NULL; caller frees. */
char *
store_col_text(sqlite3_stmt *st, int i)
{
	const unsigned char	*v = sqlite3_column_text(st, i);

	return v != NULL ? strdup((const char *)v) : NULL;
}

/*
 * Is the write lock free now? Take it without waiting and let it go again
 * (nothing is written: cheap enough for every second). STORE_BUSY:
 * another process holds it. Never inside an open batch.
 */
int
store_lock_check(struct store *s)
{
	int	 rc;

	if (s->s_in_batch)
		return STORE_OK;
	if ((rc = store_begin(s)) == STORE_OK)
		store_rollback(s);
	/* While the checkpoint thread takes the lock, whether another
	   process holds it too is not known: say what was last known. */
	if (rc == STORE_BUSY && store_wal_locking_now(s))
		return s->s_lock_last;
	s->s_lock_last = rc;
	return rc;
}
