/*
 * The store: one SQLite database in WAL mode with synchronous=FULL. The
 * schema is created and upgraded by numbered migrations (user_version).
 * Every statement is prepared once at open. Writes join a batch: the
 * first write of a loop turn opens BEGIN IMMEDIATE, each request runs
 * inside its own savepoint, and store_commit() ends the batch; the API
 * sends its answers only after that commit returned.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store.h"

/*
 * Migrations, in order; migration N (1-based) takes user_version from
 * N-1 to N. Never edit one that has shipped: add a new one.
 */
static const char *const store_migrations[] = {
	/* 1: calls, their topics, their amendment history. */
	"CREATE TABLE calls ("
	"  id             INTEGER PRIMARY KEY,"
	"  line           TEXT NOT NULL,"
	"  started_at     INTEGER NOT NULL,"
	"  duration_s     INTEGER,"
	"  operator       TEXT NOT NULL,"
	"  call_type      TEXT NOT NULL,"
	"  caller_type    TEXT NOT NULL,"
	"  gender         TEXT,"
	"  age_band       TEXT,"
	"  risk           TEXT NOT NULL,"
	"  outcome        TEXT,"
	"  callback_at    INTEGER,"
	"  notes          TEXT,"
	"  consent        INTEGER NOT NULL DEFAULT 0,"
	"  caller_name    TEXT,"
	"  caller_contact TEXT,"
	"  caller_hash    TEXT,"
	"  assess_desire     TEXT,"
	"  assess_capability TEXT,"
	"  assess_intent     TEXT,"
	"  assess_buffers    TEXT,"
	"  emergency      INTEGER NOT NULL DEFAULT 0,"
	"  repeat_calls   INTEGER NOT NULL DEFAULT 0,"
	"  created_at     INTEGER NOT NULL,"
	"  updated_at     INTEGER NOT NULL,"
	"  version        INTEGER NOT NULL DEFAULT 1,"
	"  idem_key       TEXT,"
	"  fingerprint    TEXT,"
	"  UNIQUE (operator, idem_key)"
	");"
	"CREATE INDEX calls_started ON calls (started_at, id);"
	"CREATE INDEX calls_operator ON calls (operator, started_at, id);"
	"CREATE INDEX calls_caller_hash ON calls (caller_hash)"
	"  WHERE caller_hash IS NOT NULL;"
	"CREATE TABLE call_topics ("
	"  call_id  INTEGER NOT NULL REFERENCES calls (id),"
	"  pos      INTEGER NOT NULL,"
	"  topic    TEXT NOT NULL,"
	"  PRIMARY KEY (call_id, pos),"
	"  UNIQUE (call_id, topic)"
	") WITHOUT ROWID;"
	"CREATE INDEX call_topics_topic ON call_topics (topic, call_id);"
	"CREATE TABLE call_history ("
	"  id          INTEGER PRIMARY KEY,"
	"  call_id     INTEGER NOT NULL REFERENCES calls (id),"
	"  version     INTEGER NOT NULL,"
	"  amended_at  INTEGER NOT NULL,"
	"  amended_by  TEXT NOT NULL,"
	"  changes     TEXT NOT NULL,"
	"  UNIQUE (call_id, version)"
	");",
	/* 2: follow-up queue items and their transitions. */
	"CREATE TABLE queue_items ("
	"  id            INTEGER PRIMARY KEY,"
	"  call_id       INTEGER NOT NULL REFERENCES calls (id),"
	"  queue         TEXT NOT NULL,"
	"  kind          TEXT NOT NULL,"
	"  priority      INTEGER NOT NULL,"
	"  state         TEXT NOT NULL,"
	"  due_at        INTEGER NOT NULL,"
	"  created_at    INTEGER NOT NULL,"
	"  claimed_by    TEXT,"
	"  claimed_at    INTEGER,"
	"  lease_until   INTEGER,"
	"  completed_at  INTEGER,"
	"  completed_by  TEXT,"
	"  resolution    TEXT,"
	"  escalated_at  INTEGER,"
	"  version       INTEGER NOT NULL DEFAULT 1,"
	"  UNIQUE (call_id, kind)"
	");"
	"CREATE INDEX queue_items_next ON queue_items"
	"  (queue, state, priority, due_at, id);"
	"CREATE INDEX queue_items_due ON queue_items (state, due_at);"
	"CREATE INDEX queue_items_lease ON queue_items (state, lease_until);"
	"CREATE TABLE queue_history ("
	"  id        INTEGER PRIMARY KEY,"
	"  item_id   INTEGER NOT NULL REFERENCES queue_items (id),"
	"  at        INTEGER NOT NULL,"
	"  actor     TEXT NOT NULL,"
	"  action    TEXT NOT NULL,"
	"  detail    TEXT"
	");"
	"CREATE INDEX queue_history_item ON queue_history (item_id, id);",
	/* 3: the first claim of an item (its wait), and the export log. */
	"ALTER TABLE queue_items ADD COLUMN first_claimed_at INTEGER;"
	"UPDATE queue_items SET first_claimed_at = (SELECT min(at)"
	"  FROM queue_history h WHERE h.item_id = queue_items.id"
	"  AND h.action = 'claimed');"
	"CREATE TABLE exports ("
	"  id           INTEGER PRIMARY KEY,"
	"  by           TEXT NOT NULL,"
	"  role         TEXT NOT NULL,"
	"  at           INTEGER NOT NULL,"
	"  range_from   INTEGER NOT NULL,"
	"  range_to     INTEGER NOT NULL,"
	"  format       TEXT NOT NULL,"
	"  rows         INTEGER,"
	"  finished_at  INTEGER"
	");",
	/*
	 * 4: statistics rolled up per UTC hour and dimension value, kept in
	 * the same transactions as the calls and items (stats.c), and built
	 * here from what is already stored (stats_rebuild). Waits to a first
	 * claim are counted in 17 buckets, w0 to w16 (stats.c).
	 */
	"CREATE TABLE stats_hourly ("
	"  dim       TEXT NOT NULL,"
	"  hour      INTEGER NOT NULL,"
	"  value     TEXT NOT NULL,"
	"  calls     INTEGER NOT NULL DEFAULT 0,"
	"  dur_sum   INTEGER NOT NULL DEFAULT 0,"
	"  dur_n     INTEGER NOT NULL DEFAULT 0,"
	"  high      INTEGER NOT NULL DEFAULT 0,"
	"  items     INTEGER NOT NULL DEFAULT 0,"
	"  escalated INTEGER NOT NULL DEFAULT 0,"
	"  w0        INTEGER NOT NULL DEFAULT 0,"
	"  w1        INTEGER NOT NULL DEFAULT 0,"
	"  w2        INTEGER NOT NULL DEFAULT 0,"
	"  w3        INTEGER NOT NULL DEFAULT 0,"
	"  w4        INTEGER NOT NULL DEFAULT 0,"
	"  w5        INTEGER NOT NULL DEFAULT 0,"
	"  w6        INTEGER NOT NULL DEFAULT 0,"
	"  w7        INTEGER NOT NULL DEFAULT 0,"
	"  w8        INTEGER NOT NULL DEFAULT 0,"
	"  w9        INTEGER NOT NULL DEFAULT 0,"
	"  w10       INTEGER NOT NULL DEFAULT 0,"
	"  w11       INTEGER NOT NULL DEFAULT 0,"
	"  w12       INTEGER NOT NULL DEFAULT 0,"
	"  w13       INTEGER NOT NULL DEFAULT 0,"
	"  w14       INTEGER NOT NULL DEFAULT 0,"
	"  w15       INTEGER NOT NULL DEFAULT 0,"
	"  w16       INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (dim, hour, value)"
	") WITHOUT ROWID;",
	/* 5: the oldest claimable item of a queue, by index. */
	"CREATE INDEX queue_items_oldest ON queue_items (queue, state, due_at);",
	/*
	 * 6: the audit trail (audit.c): who read, amended, exported or moved
	 * what, and who failed to authenticate. Append-only: the triggers
	 * refuse to change or remove a row, whoever asks.
	 */
	"CREATE TABLE audit ("
	"  id       INTEGER PRIMARY KEY,"
	"  at       INTEGER NOT NULL,"
	"  who      TEXT NOT NULL,"
	"  role     TEXT NOT NULL,"
	"  peer     TEXT NOT NULL,"
	"  action   TEXT NOT NULL,"
	"  call_id  INTEGER,"
	"  item_id  INTEGER,"
	"  detail   TEXT"
	");"
	"CREATE INDEX audit_at ON audit (at, id);"
	"CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN"
	"  SELECT RAISE(ABORT, 'the audit trail is append-only');"
	"END;"
	"CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN"
	"  SELECT RAISE(ABORT, 'the audit trail is append-only');"
	"END;",
	/*
	 * 7: retention. When a call's personal fields were erased, and a
	 * legal hold that exempts it; the calls still to erase, by index.
	 */
	"ALTER TABLE calls ADD COLUMN personal_erased_at INTEGER;"
	"ALTER TABLE calls ADD COLUMN legal_hold INTEGER NOT NULL DEFAULT 0;"
	"CREATE INDEX calls_unerased ON calls (started_at, id)"
	"  WHERE personal_erased_at IS NULL;",
};
#define STORE_SCHEMA_VERSION \
	((int)(sizeof(store_migrations) / sizeof(store_migrations[0])))
#define STORE_SCHEMA_VERSION_TEXT "7"	/* the probe's; checked at open */

#define STORE_READ_WAIT_MS	100	/* longest a read blocks the loop */

#define CALL_COLUMNS \
	"id, line, started_at, duration_s, operator, call_type, caller_type," \
	" gender, age_band, risk, outcome, callback_at, notes, consent," \
	" caller_name, caller_contact, caller_hash, assess_desire," \
	" assess_capability, assess_intent, assess_buffers, emergency," \
	" repeat_calls, created_at, updated_at, version, legal_hold," \
	" personal_erased_at"

#define ITEM_COLUMNS \
	"id, call_id, queue, kind, priority, state, due_at, created_at," \
	" claimed_by, claimed_at, lease_until, completed_at, completed_by," \
	" resolution, escalated_at, version, first_claimed_at"

#define AUDIT_COLUMNS \
	"id, at, who, role, peer, action, call_id, item_id, detail"

enum store_stmt {
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_SAVEPOINT,
	ST_RELEASE,
	ST_ROLLBACK_TO,
	ST_CALL_INSERT,
	ST_TOPIC_INSERT,
	ST_TOPICS_DELETE,
	ST_TOPICS_GET,
	ST_CALL_GET,
	ST_CALL_BY_KEY,
	ST_CALL_LIST,
	ST_CALL_UPDATE,
	ST_HISTORY_INSERT,
	ST_HISTORY_GET,
	ST_REPEAT_COUNT,
	ST_ITEM_INSERT,
	ST_ITEM_GET,
	ST_ITEMS_BY_CALL,
	ST_ITEM_NEXT,
	ST_ITEM_SET,
	ST_ITEMS_LIST,
	ST_ITEMS_EXPIRED,
	ST_ITEMS_OVERDUE,
	ST_ITEM_HOLDER,
	ST_QUEUE_COUNTS,
	ST_ITEM_LOG,
	ST_ITEM_LOG_GET,
	ST_EXPORT_BEGIN,
	ST_EXPORT_END,
	ST_ROLLUP_ADD,
	ST_QUEUE_OLDEST,
	ST_NEXT_DUE,
	ST_COUNT_LINES,
	ST_COUNT_MINUTES,
	ST_COUNT_TOTALS,
	ST_COUNT_OPERATORS,
	ST_AUDIT_INSERT,
	ST_AUDIT_LAST,
	ST_AUDIT_AFTER,
	ST_AUDIT_LIST,
	ST_PROBE,
	ST_ERASE_PICK,
	ST_ERASE_HISTORY,
	ST_ERASE_ITEMS,
	ST_ERASE_CALL,
	ST_MAX
};

static const char *const store_sql[ST_MAX] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_SAVEPOINT] = "SAVEPOINT request",
	[ST_RELEASE] = "RELEASE request",
	[ST_ROLLBACK_TO] = "ROLLBACK TO request",
	[ST_CALL_INSERT] = "INSERT INTO calls (line, started_at, duration_s,"
	    " operator, call_type, caller_type, gender, age_band, risk,"
	    " outcome, callback_at, notes, consent, caller_name,"
	    " caller_contact, caller_hash, assess_desire, assess_capability,"
	    " assess_intent, assess_buffers, emergency, repeat_calls,"
	    " created_at, updated_at, version, idem_key, fingerprint)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
	    " ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?23, 1, ?24,"
	    " ?25)",
	[ST_TOPIC_INSERT] = "INSERT INTO call_topics (call_id, pos, topic)"
	    " VALUES (?1, ?2, ?3)",
	[ST_TOPICS_DELETE] = "DELETE FROM call_topics WHERE call_id = ?1",
	[ST_TOPICS_GET] = "SELECT topic FROM call_topics WHERE call_id = ?1"
	    " ORDER BY pos",
	[ST_CALL_GET] = "SELECT " CALL_COLUMNS " FROM calls WHERE id = ?1",
	[ST_CALL_BY_KEY] = "SELECT " CALL_COLUMNS ", fingerprint FROM calls"
	    " WHERE operator = ?1 AND idem_key = ?2",
	/* NULL parameters leave a filter out; lists come as JSON arrays. */
	[ST_CALL_LIST] = "SELECT " CALL_COLUMNS " FROM calls"
	    " WHERE (?1 IS NULL OR started_at >= ?1)"
	    " AND (?2 IS NULL OR started_at < ?2)"
	    " AND (?3 IS NULL OR line IN (SELECT value FROM json_each(?3)))"
	    " AND (?4 IS NULL OR risk IN (SELECT value FROM json_each(?4)))"
	    " AND (?5 IS NULL OR operator IN"
	    "      (SELECT value FROM json_each(?5)))"
	    " AND (?6 IS NULL OR started_at < ?6 OR"
	    "      (started_at = ?6 AND id < ?7))"
	    " ORDER BY started_at DESC, id DESC LIMIT ?8",
	[ST_CALL_UPDATE] = "UPDATE calls SET line = ?2, started_at = ?3,"
	    " duration_s = ?4, call_type = ?5, caller_type = ?6, gender = ?7,"
	    " age_band = ?8, risk = ?9, outcome = ?10, callback_at = ?11,"
	    " notes = ?12, consent = ?13, caller_name = ?14,"
	    " caller_contact = ?15, caller_hash = ?16, assess_desire = ?17,"
	    " assess_capability = ?18, assess_intent = ?19,"
	    " assess_buffers = ?20, emergency = ?21, updated_at = ?22,"
	    " legal_hold = ?24, version = version + 1"
	    " WHERE id = ?1 AND version = ?23",
	[ST_HISTORY_INSERT] = "INSERT INTO call_history (call_id, version,"
	    " amended_at, amended_by, changes) VALUES (?1, ?2, ?3, ?4, ?5)",
	[ST_HISTORY_GET] = "SELECT version, amended_at, amended_by, changes"
	    " FROM call_history WHERE call_id = ?1 ORDER BY version",
	[ST_REPEAT_COUNT] = "SELECT count(*) FROM calls WHERE caller_hash = ?1"
	    " AND (?2 = 0 OR id < ?2)",
	[ST_ITEM_INSERT] = "INSERT INTO queue_items (call_id, queue, kind,"
	    " priority, state, due_at, created_at)"
	    " VALUES (?1, ?2, ?3, ?4, 'waiting', ?5, ?6)",
	[ST_ITEM_GET] = "SELECT " ITEM_COLUMNS " FROM queue_items WHERE id = ?1",
	[ST_ITEMS_BY_CALL] = "SELECT " ITEM_COLUMNS " FROM queue_items"
	    " WHERE call_id = ?1 ORDER BY id",
	/* The next claimable item: priority first, then the longest wait. */
	[ST_ITEM_NEXT] = "SELECT " ITEM_COLUMNS " FROM queue_items"
	    " WHERE queue = ?1 AND state = 'waiting' AND due_at <= ?2"
	    " ORDER BY priority, due_at, id LIMIT 1",
	/* Every transition: the whole mutable state, if nobody moved first. */
	[ST_ITEM_SET] = "UPDATE queue_items SET state = ?2, claimed_by = ?3,"
	    " claimed_at = ?4, lease_until = ?5, completed_at = ?6,"
	    " completed_by = ?7, resolution = ?8, escalated_at = ?9,"
	    " first_claimed_at = coalesce(first_claimed_at, ?4),"
	    " version = version + 1 WHERE id = ?1 AND version = ?10",
	/* ?2 state; ?3 due by; ?4 due after; ?5 = 1: not done. */
	[ST_ITEMS_LIST] = "SELECT " ITEM_COLUMNS " FROM queue_items"
	    " WHERE queue = ?1 AND (?2 IS NULL OR state = ?2)"
	    " AND (?3 IS NULL OR due_at <= ?3) AND (?4 IS NULL OR due_at > ?4)"
	    " AND (?5 = 0 OR state != 'done')"
	    " ORDER BY priority, due_at, id LIMIT ?6",
	/* A tick takes at most 200 of each: a backlog (a long stop) is
	 * worked off over a few seconds, never in one long stall. */
	[ST_ITEMS_EXPIRED] = "SELECT " ITEM_COLUMNS " FROM queue_items"
	    " WHERE state = 'claimed' AND lease_until <= ?1 ORDER BY id"
	    " LIMIT 200",
	/* ?2: the SLAs, a JSON list of [queue, priority, seconds]. */
	[ST_ITEMS_OVERDUE] = "SELECT " ITEM_COLUMNS " FROM queue_items"
	    " JOIN (SELECT json_extract(value, '$[0]') AS s_queue,"
	    " json_extract(value, '$[1]') AS s_priority,"
	    " json_extract(value, '$[2]') AS s_sla FROM json_each(?2))"
	    " ON s_queue = queue AND s_priority = priority"
	    " WHERE state = 'waiting' AND escalated_at IS NULL"
	    " AND due_at <= ?1 - s_sla ORDER BY due_at, id LIMIT 200",
	[ST_ITEM_HOLDER] = "SELECT 1 FROM queue_items WHERE call_id = ?1"
	    " AND state = 'claimed' AND claimed_by = ?2 LIMIT 1",
	[ST_QUEUE_COUNTS] = "SELECT queue,"
	    " total(state = 'waiting' AND due_at <= ?1),"
	    " total(state = 'claimed'),"
	    " total(state = 'waiting' AND due_at > ?1),"
	    " min(CASE WHEN state = 'waiting' AND due_at <= ?1 THEN due_at END),"
	    " total(escalated_at IS NOT NULL)"
	    " FROM queue_items WHERE state IN ('waiting', 'claimed')"
	    " GROUP BY queue",
	[ST_ITEM_LOG] = "INSERT INTO queue_history (item_id, at, actor, action,"
	    " detail) VALUES (?1, ?2, ?3, ?4, ?5)",
	[ST_ITEM_LOG_GET] = "SELECT at, actor, action, detail FROM queue_history"
	    " WHERE item_id = ?1 ORDER BY id",
	[ST_EXPORT_BEGIN] = "INSERT INTO exports (by, role, at, range_from,"
	    " range_to, format) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[ST_EXPORT_END] = "UPDATE exports SET rows = ?2, finished_at = ?3"
	    " WHERE id = ?1",
	[ST_QUEUE_OLDEST] = "SELECT min(due_at) FROM queue_items"
	    " WHERE queue = ?1 AND state = 'waiting' AND due_at <= ?2",
	[ST_NEXT_DUE] = "SELECT min(due_at) FROM queue_items"
	    " WHERE state = 'waiting' AND due_at > ?1",
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
	/* A write that changes nothing but still goes to disk: page 1. */
	[ST_PROBE] = "PRAGMA user_version = " STORE_SCHEMA_VERSION_TEXT,
	/*
	 * Retention (store_erase_slice): the oldest calls started before ?1,
	 * not yet erased, not held, with no follow-up still open (its
	 * counselor may still need the contact).
	 */
	[ST_ERASE_PICK] = "SELECT id FROM calls WHERE personal_erased_at IS NULL"
	    " AND started_at < ?1 AND legal_hold = 0 AND NOT EXISTS"
	    " (SELECT 1 FROM queue_items q WHERE q.call_id = calls.id"
	    " AND q.state != 'done') ORDER BY started_at, id LIMIT ?2",
	/* An amendment keeps which personal field changed, not its values. */
	[ST_ERASE_HISTORY] = "UPDATE call_history SET changes ="
	    " json_replace(changes, '$.notes', '(erased)', '$.caller_name',"
	    " '(erased)', '$.caller_contact', '(erased)') WHERE call_id = ?1"
	    " AND (json_type(changes, '$.notes') IS NOT NULL"
	    " OR json_type(changes, '$.caller_name') IS NOT NULL"
	    " OR json_type(changes, '$.caller_contact') IS NOT NULL)",
	/* What a counselor wrote about the caller is personal too. */
	[ST_ERASE_ITEMS] = "UPDATE queue_items SET resolution = NULL"
	    " WHERE call_id = ?1 AND resolution IS NOT NULL",
	[ST_ERASE_CALL] = "UPDATE calls SET notes = NULL, caller_name = NULL,"
	    " caller_contact = NULL, caller_hash = NULL,"
	    " personal_erased_at = ?2 WHERE id = ?1"
	    " AND personal_erased_at IS NULL AND legal_hold = 0",
};

struct store {
	sqlite3		*s_db;
	long		 s_busy_ms;
	sqlite3_stmt	*s_st[ST_MAX];
	int		 s_in_batch;
	int		 s_depth;	/* nested request savepoints */
	int		 s_undone;	/* the batch was rolled back under us */
	int		 s_errcode;	/* of the last failure */
	char		 s_err[256];
};

static int	store_exec_st(struct store *, enum store_stmt);
static int	store_fail(struct store *, const char *);

/* Remember the last SQLite error for the caller's log line. */
static int
store_fail(struct store *s, const char *what)
{
	s->s_errcode = sqlite3_extended_errcode(s->s_db);
	snprintf(s->s_err, sizeof(s->s_err), "%s: %s", what,
	    sqlite3_errmsg(s->s_db));
	return STORE_ERR;
}

/* The connection, for read-only queries that keep their SQL beside them
 * (stats.c). */
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

static int
store_exec_st(struct store *s, enum store_stmt which)
{
	sqlite3_stmt	*st = s->s_st[which];
	int		 rc;

	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, store_sql[which]);
	return STORE_OK;
}

static int
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
store_user_version(sqlite3 *db, int *version)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st,
	    NULL) != SQLITE_OK)
		return -1;
	rc = sqlite3_step(st);
	*version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

/*
 * The whole copy in one backup step: one read transaction, so a write
 * committed meanwhile by the serving daemon (WAL: it is not blocked)
 * can never make the copy start over, and the copy is one snapshot.
 */
#define STORE_COPY_PAGES	-1
#define STORE_COPY_WAIT_MS	20	/* pause when the source is busy */
#define STORE_COPY_TRIES	500	/* of them: 10 s */

/* fsync the directory holding path, so a rename in it is durable. */
static int
store_sync_dir(const char *path)
{
	char	*dir, *slash;
	int	 fd, rc;

	if ((dir = strdup(path)) == NULL)
		return -1;
	if ((slash = strrchr(dir, '/')) == NULL)
		snprintf(dir, strlen(dir) + 1, ".");
	else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (fd == -1)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* Run the online backup from src (schema "main") into dst, to the end. */
static int
store_copy_run(sqlite3 *src, sqlite3 *dst)
{
	struct timespec	 ts = { 0, STORE_COPY_WAIT_MS * 1000000L };
	sqlite3_backup	*b;
	int		 rc, tries = 0;

	if ((b = sqlite3_backup_init(dst, "main", src, "main")) == NULL)
		return sqlite3_errcode(dst);
	do {
		rc = sqlite3_backup_step(b, STORE_COPY_PAGES);
		if ((rc == SQLITE_BUSY || rc == SQLITE_LOCKED) &&
		    ++tries < STORE_COPY_TRIES)
			nanosleep(&ts, NULL);
		else if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
			break;
	} while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
	sqlite3_backup_finish(b);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/*
 * A consistent copy of the open database src at dest: SQLite's online
 * backup into a temporary file beside dest, checked, synced, then renamed
 * over dest, so dest is either the old file or a whole copy. Writers on
 * other connections go on meanwhile (the backup restarts if one commits
 * between two steps). -1 with *cause (caller frees).
 */
static int
store_copy(sqlite3 *src, const char *dest, char **cause)
{
	sqlite3		*dst = NULL;
	char		*tmp = NULL;
	int		 rc, fd;

	if (asprintf(&tmp, "%s.tmp-%ld", dest, (long)getpid()) == -1) {
		tmp = NULL;
		asprintf(cause, "%s: out of memory", dest);
		return -1;
	}
	unlink(tmp);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) == -1) {
		asprintf(cause, "%s: %s", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	close(fd);
	if (sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK || (rc = store_copy_run(src, dst)) != SQLITE_OK) {
		asprintf(cause, "copying to %s: %s", tmp, dst != NULL ?
		    sqlite3_errmsg(dst) : "out of memory");
		goto fail;
	}
	/* The copy is a plain file: no -wal beside it to carry around. */
	if (store_pragma(dst, "PRAGMA journal_mode = DELETE", "delete",
	    cause) == -1 ||
	    store_pragma(dst, "PRAGMA quick_check", "ok", cause) == -1)
		goto fail;
	if (sqlite3_close(dst) != SQLITE_OK) {
		asprintf(cause, "closing %s: %s", tmp, sqlite3_errmsg(dst));
		dst = NULL;
		goto fail;
	}
	dst = NULL;
	if ((fd = open(tmp, O_RDONLY | O_CLOEXEC)) == -1 || fsync(fd) == -1 ||
	    close(fd) == -1 || rename(tmp, dest) == -1 ||
	    store_sync_dir(dest) == -1) {
		asprintf(cause, "%s: %s", dest, strerror(errno));
		goto fail;
	}
	free(tmp);
	return 0;
fail:
	if (dst != NULL)
		sqlite3_close(dst);
	unlink(tmp);
	free(tmp);
	return -1;
}

/*
 * Write a consistent copy of the database at path to dest while a daemon
 * may be serving it (hotlined --backup). -1 with *cause.
 */
int
store_backup(const char *path, const char *dest, char **cause)
{
	sqlite3		*db = NULL;
	int		 rc;

	if (access(path, R_OK) == -1) {
		asprintf(cause, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK) {
		asprintf(cause, "%s: %s", path, db != NULL ?
		    sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return -1;
	}
	sqlite3_busy_timeout(db, 5000);
	rc = store_copy(db, dest, cause);
	sqlite3_close(db);
	return rc;
}

/* The name for the copy of a version-v database kept before migrating. */
static char *
store_aside_name(const char *path, int v)
{
	char	*name;
	int	 i;

	for (i = 1; i < 1000; i++) {
		if ((i == 1 ? asprintf(&name, "%s.v%d.bak", path, v) :
		    asprintf(&name, "%s.v%d.bak.%d", path, v, i)) == -1)
			return NULL;
		if (access(name, F_OK) == -1 && errno == ENOENT)
			return name;
		free(name);
	}
	return NULL;
}

/* Before a migration: keep a copy of the old database, named in the log. */
static int
store_copy_aside(sqlite3 *db, const char *path, int v, char **cause)
{
	char	*aside;

	if ((aside = store_aside_name(path, v)) == NULL) {
		asprintf(cause, "%s: no free name for a copy of the version "
		    "%d database", path, v);
		return -1;
	}
	if (store_copy(db, aside, cause) == -1) {
		free(aside);
		return -1;
	}
	log_info("%s: schema version %d; a copy of it was kept as %s before "
	    "migrating (retention does not reach it: remove it once the new "
	    "version has run well)", path, v, aside);
	free(aside);
	return 0;
}

/*
 * Bring the schema up to date: the old file is first copied aside, then
 * every migration runs in one transaction, so a failed upgrade leaves the
 * database as it was.
 */
static int
store_migrate(sqlite3 *db, const char *path, char **cause)
{
	char	*err = NULL, sql[64];
	int	 v, i;

	if (store_user_version(db, &v) == -1) {
		asprintf(cause, "%s: reading the schema version: %s", path,
		    sqlite3_errmsg(db));
		return -1;
	}
	if (v > STORE_SCHEMA_VERSION) {
		asprintf(cause, "%s: the database has schema version %d, newer "
		    "than this hotlined knows (%d); run a newer hotlined",
		    path, v, STORE_SCHEMA_VERSION);
		return -1;
	}
	if (v == STORE_SCHEMA_VERSION)
		return 0;
	if (v > 0 && store_copy_aside(db, path, v, cause) == -1)
		return -1;
	i = v;
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, &err) != SQLITE_OK)
		goto fail;
	for (i = v; i < STORE_SCHEMA_VERSION; i++) {
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", i + 1);
		if (sqlite3_exec(db, store_migrations[i], NULL, NULL,
		    &err) != SQLITE_OK ||
		    sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
			goto fail;
	}
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, &err) != SQLITE_OK)
		goto fail;
	if (v > 0)
		log_info("%s: schema migrated from version %d to %d", path, v,
		    STORE_SCHEMA_VERSION);
	return 0;
fail:
	asprintf(cause, "%s: migration to version %d: %s", path, i + 1,
	    err != NULL ? err : sqlite3_errmsg(db));
	sqlite3_free(err);
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
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

/* Open (creating if needed) the database at path; NULL with *cause. */
struct store *
store_open(const char *path, long busy_ms, char **cause)
{
	struct store	*s;
	int		 i;

	if (strtol(STORE_SCHEMA_VERSION_TEXT, NULL, 10) !=
	    STORE_SCHEMA_VERSION)
		fatalx("%s: STORE_SCHEMA_VERSION_TEXT is out of date", __func__);
	if ((s = calloc(1, sizeof(*s))) == NULL) {
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
	for (i = 0; i < ST_MAX; i++) {
		if (sqlite3_prepare_v3(s->s_db, store_sql[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &s->s_st[i], NULL) != SQLITE_OK) {
			asprintf(cause, "%s: preparing \"%s\": %s", path,
			    store_sql[i], sqlite3_errmsg(s->s_db));
			goto fail;
		}
	}
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
	for (i = 0; i < ST_MAX; i++)
		sqlite3_finalize(s->s_st[i]);
	if (sqlite3_close(s->s_db) != SQLITE_OK)
		log_warnx("%s: sqlite3_close: %s", __func__,
		    sqlite3_errmsg(s->s_db));
	free(s);
}

int
store_in_batch(struct store *s)
{
	return s->s_in_batch;
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

static void
store_bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

static void
store_bind_time(sqlite3_stmt *st, int i, int64_t v)
{
	if (v == 0)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_int64(st, i, v);
}

/* The fields that INSERT and UPDATE share, at the same positions 2..21. */
static void
store_bind_fields(sqlite3_stmt *st, const struct call *c, int with_operator)
{
	int	 i = 2, k;

	if (with_operator) {
		/* INSERT: line ?1, started ?2, duration ?3, operator ?4. */
		store_bind_text(st, 1, c->c_line);
		sqlite3_bind_int64(st, 2, c->c_started_at);
		if (c->c_duration_s < 0)
			sqlite3_bind_null(st, 3);
		else
			sqlite3_bind_int64(st, 3, c->c_duration_s);
		store_bind_text(st, 4, c->c_operator);
		i = 5;
	} else {
		store_bind_text(st, 2, c->c_line);
		sqlite3_bind_int64(st, 3, c->c_started_at);
		if (c->c_duration_s < 0)
			sqlite3_bind_null(st, 4);
		else
			sqlite3_bind_int64(st, 4, c->c_duration_s);
		i = 5;
	}
	store_bind_text(st, i++, c->c_call_type);
	store_bind_text(st, i++, c->c_caller_type);
	store_bind_text(st, i++, c->c_gender);
	store_bind_text(st, i++, c->c_age_band);
	store_bind_text(st, i++, c->c_risk);
	store_bind_text(st, i++, c->c_outcome);
	store_bind_time(st, i++, c->c_callback_at);
	store_bind_text(st, i++, c->c_notes);
	sqlite3_bind_int(st, i++, c->c_consent);
	store_bind_text(st, i++, c->c_caller_name);
	store_bind_text(st, i++, c->c_caller_contact);
	store_bind_text(st, i++, c->c_caller_hash);
	for (k = 0; k < 4; k++)
		store_bind_text(st, i++, c->c_assess[k]);
	sqlite3_bind_int(st, i++, c->c_emergency);
}

static int
store_topics_put(struct store *s, const struct call *c)
{
	sqlite3_stmt	*st = s->s_st[ST_TOPIC_INSERT];
	size_t		 i;
	int		 rc;

	for (i = 0; i < c->c_ntopics; i++) {
		sqlite3_bind_int64(st, 1, c->c_id);
		sqlite3_bind_int64(st, 2, (int64_t)i);
		store_bind_text(st, 3, c->c_topics[i]);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		if (rc != SQLITE_DONE)
			return store_fail(s, "inserting topics");
	}
	return STORE_OK;
}

/* Count earlier calls with this caller hash (before id; 0: all). */
int64_t
store_repeat_count(struct store *s, const char *hash, int64_t before_id)
{
	sqlite3_stmt	*st = s->s_st[ST_REPEAT_COUNT];
	int64_t		 n = -1;

	store_bind_text(st, 1, hash);
	sqlite3_bind_int64(st, 2, before_id);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	else
		store_fail(s, "counting repeat calls");
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return n;
}

static int
store_call_insert1(struct store *s, struct call *c, const char *key,
    const char *fingerprint)
{
	sqlite3_stmt	*st = s->s_st[ST_CALL_INSERT];
	int		 rc;

	c->c_repeat_calls = 0;
	if (c->c_caller_hash != NULL &&
	    (c->c_repeat_calls = store_repeat_count(s, c->c_caller_hash,
	    0)) < 0)
		return STORE_ERR;
	c->c_created_at = c->c_updated_at = clock_now();
	c->c_version = 1;
	store_bind_fields(st, c, 1);
	sqlite3_bind_int64(st, 22, c->c_repeat_calls);
	sqlite3_bind_int64(st, 23, c->c_created_at);
	store_bind_text(st, 24, key);
	store_bind_text(st, 25, fingerprint);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc == SQLITE_CONSTRAINT_UNIQUE)
		return STORE_CONFLICT;
	if (rc != SQLITE_DONE)
		return store_fail(s, "inserting a call");
	c->c_id = sqlite3_last_insert_rowid(s->s_db);
	return store_topics_put(s, c);	/* a new call has no topics yet */
}

/*
 * Insert c (its operator set) with an optional idempotency key; sets the
 * server fields. STORE_CONFLICT: the key is already used by this operator.
 */
int
store_call_insert(struct store *s, struct call *c, const char *key,
    const char *fingerprint)
{
	if (store_request_begin(s) != STORE_OK)
		return STORE_ERR;
	return store_request_end(s, store_call_insert1(s, c, key,
	    fingerprint));
}

static char *
store_col_text(sqlite3_stmt *st, int i)
{
	const unsigned char	*v = sqlite3_column_text(st, i);

	return v != NULL ? strdup((const char *)v) : NULL;
}

/* Fill c from a row of CALL_COLUMNS, then its topics. */
static int
store_row_call(struct store *s, sqlite3_stmt *st, struct call *c)
{
	sqlite3_stmt	*tq = s->s_st[ST_TOPICS_GET];
	int		 i, rc;

	c->c_id = sqlite3_column_int64(st, 0);
	c->c_line = store_col_text(st, 1);
	c->c_started_at = sqlite3_column_int64(st, 2);
	c->c_duration_s = sqlite3_column_type(st, 3) == SQLITE_NULL ? -1 :
	    sqlite3_column_int64(st, 3);
	c->c_operator = store_col_text(st, 4);
	c->c_call_type = store_col_text(st, 5);
	c->c_caller_type = store_col_text(st, 6);
	c->c_gender = store_col_text(st, 7);
	c->c_age_band = store_col_text(st, 8);
	c->c_risk = store_col_text(st, 9);
	c->c_outcome = store_col_text(st, 10);
	c->c_callback_at = sqlite3_column_int64(st, 11);
	c->c_notes = store_col_text(st, 12);
	c->c_consent = sqlite3_column_int(st, 13);
	c->c_caller_name = store_col_text(st, 14);
	c->c_caller_contact = store_col_text(st, 15);
	c->c_caller_hash = store_col_text(st, 16);
	for (i = 0; i < 4; i++)
		c->c_assess[i] = store_col_text(st, 17 + i);
	c->c_emergency = sqlite3_column_int(st, 21);
	c->c_repeat_calls = sqlite3_column_int64(st, 22);
	c->c_created_at = sqlite3_column_int64(st, 23);
	c->c_updated_at = sqlite3_column_int64(st, 24);
	c->c_version = sqlite3_column_int64(st, 25);
	c->c_legal_hold = sqlite3_column_int(st, 26);
	c->c_erased_at = sqlite3_column_int64(st, 27);
	if (c->c_line == NULL || c->c_operator == NULL ||
	    c->c_call_type == NULL || c->c_caller_type == NULL ||
	    c->c_risk == NULL) {
		snprintf(s->s_err, sizeof(s->s_err), "call %lld: a required "
		    "column is empty or memory ran out", (long long)c->c_id);
		return STORE_ERR;
	}
	sqlite3_bind_int64(tq, 1, c->c_id);
	while ((rc = sqlite3_step(tq)) == SQLITE_ROW &&
	    c->c_ntopics < CALL_MAX_TOPICS)
		c->c_topics[c->c_ntopics++] = store_col_text(tq, 0);
	sqlite3_reset(tq);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return store_fail(s, "reading topics");
	return STORE_OK;
}

/* Read call id into c (initialised; caller frees with call_free). */
int
store_call_get(struct store *s, int64_t id, struct call *c)
{
	sqlite3_stmt	*st = s->s_st[ST_CALL_GET];
	int		 rc;

	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		rc = store_row_call(s, st, c);
	else if (rc == SQLITE_DONE)
		rc = STORE_NOTFOUND;
	else
		rc = store_fail(s, "reading a call");
	sqlite3_reset(st);
	return rc;
}

/*
 * The call an operator stored under an idempotency key, and the
 * fingerprint of the body it was stored from (into fp, fplen bytes).
 */
int
store_call_by_key(struct store *s, const char *operator, const char *key,
    struct call *c, char *fp, size_t fplen)
{
	sqlite3_stmt	*st = s->s_st[ST_CALL_BY_KEY];
	const char	*v;
	int		 rc;

	store_bind_text(st, 1, operator);
	store_bind_text(st, 2, key);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		v = (const char *)sqlite3_column_text(st, 28);
		snprintf(fp, fplen, "%s", v != NULL ? v : "");
		rc = store_row_call(s, st, c);
	} else if (rc == SQLITE_DONE)
		rc = STORE_NOTFOUND;
	else
		rc = store_fail(s, "looking up an idempotency key");
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc;
}

/* A JSON array text of v, for the json_each() filters; caller frees. */
static char *
store_json_list(char **v, size_t n)
{
	json_t	*a;
	char	*s;
	size_t	 i;

	if (n == 0)
		return NULL;
	a = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	s = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return s;
}

/* The calls matching f, newest first; *out (caller frees) holds *n. */
int
store_call_list(struct store *s, const struct call_filter *f,
    struct call **out, size_t *n)
{
	sqlite3_stmt	*st = s->s_st[ST_CALL_LIST];
	char		*lines, *risks, *ops;
	struct call	*v;
	int		 rc = STORE_OK;

	*out = NULL;
	*n = 0;
	if ((v = calloc((size_t)f->f_limit, sizeof(*v))) == NULL)
		return store_fail(s, "listing calls");
	lines = store_json_list(f->f_lines, f->f_nlines);
	risks = store_json_list(f->f_risks, f->f_nrisks);
	ops = store_json_list(f->f_ops, f->f_nops);
	store_bind_time(st, 1, f->f_from);
	store_bind_time(st, 2, f->f_to);
	store_bind_text(st, 3, lines);
	store_bind_text(st, 4, risks);
	store_bind_text(st, 5, ops);
	if (f->f_has_cursor) {
		sqlite3_bind_int64(st, 6, f->f_cur_started);
		sqlite3_bind_int64(st, 7, f->f_cur_id);
	}
	sqlite3_bind_int64(st, 8, f->f_limit);
	while (*n < (size_t)f->f_limit) {
		if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
			rc = rc == SQLITE_DONE ? STORE_OK :
			    store_fail(s, "listing calls");
			break;
		}
		call_init(&v[*n]);
		if ((rc = store_row_call(s, st, &v[(*n)++])) != STORE_OK)
			break;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	free(lines);
	free(risks);
	free(ops);
	*out = v;
	return rc;
}

static int
store_call_update1(struct store *s, const struct call *c, const char *by,
    const char *changes, int64_t now)
{
	sqlite3_stmt	*st = s->s_st[ST_CALL_UPDATE];
	sqlite3_stmt	*h = s->s_st[ST_HISTORY_INSERT];
	int		 rc;

	sqlite3_bind_int64(st, 1, c->c_id);
	store_bind_fields(st, c, 0);
	sqlite3_bind_int64(st, 22, now);
	sqlite3_bind_int64(st, 23, c->c_version);
	sqlite3_bind_int(st, 24, c->c_legal_hold);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, "updating a call");
	if (sqlite3_changes(s->s_db) == 0)
		return STORE_CONFLICT;
	sqlite3_bind_int64(s->s_st[ST_TOPICS_DELETE], 1, c->c_id);
	if (store_exec_st(s, ST_TOPICS_DELETE) != STORE_OK ||
	    store_topics_put(s, c) != STORE_OK)
		return STORE_ERR;
	sqlite3_bind_int64(h, 1, c->c_id);
	sqlite3_bind_int64(h, 2, c->c_version);
	sqlite3_bind_int64(h, 3, now);
	store_bind_text(h, 4, by);
	store_bind_text(h, 5, changes);
	rc = sqlite3_step(h);
	sqlite3_reset(h);
	sqlite3_clear_bindings(h);
	if (rc != SQLITE_DONE)
		return store_fail(s, "recording history");
	return STORE_OK;
}

/*
 * Store the amended call c, whose c_version is the version it replaces,
 * and keep changes in its history. STORE_CONFLICT: the call has moved on.
 */
int
store_call_update(struct store *s, const struct call *c, const char *by,
    json_t *changes)
{
	char	*text;
	int	 rc;

	if ((text = json_dumps(changes, JSON_COMPACT)) == NULL)
		return store_fail(s, "encoding changes");
	if (store_request_begin(s) != STORE_OK) {
		free(text);
		return STORE_ERR;
	}
	rc = store_request_end(s, store_call_update1(s, c, by, text,
	    clock_now()));
	free(text);
	return rc;
}

/* The amendments of call id, oldest first; NULL on error. */
json_t *
store_call_history(struct store *s, int64_t id)
{
	sqlite3_stmt	*st = s->s_st[ST_HISTORY_GET];
	json_t		*a = json_array(), *e, *ch;
	char		 buf[40];
	int		 rc;

	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ch = json_loads((const char *)sqlite3_column_text(st, 3), 0,
		    NULL);
		clock_format(sqlite3_column_int64(st, 1), buf, sizeof(buf));
		e = json_pack("{s:I, s:s, s:s, s:o}", "version",
		    (json_int_t)sqlite3_column_int64(st, 0), "amended_at", buf,
		    "amended_by", (const char *)sqlite3_column_text(st, 2),
		    "changes", ch != NULL ? ch : json_object());
		json_array_append_new(a, e);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		store_fail(s, "reading history");
		json_decref(a);
		return NULL;
	}
	return a;
}

/* Column i into buf ("" for NULL), cut to size. */
static void
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

	sqlite3_bind_int64(st, 1, it->qi_call_id);
	store_bind_text(st, 2, it->qi_queue);
	store_bind_text(st, 3, it->qi_kind);
	sqlite3_bind_int(st, 4, it->qi_priority);
	sqlite3_bind_int64(st, 5, it->qi_due_at);
	sqlite3_bind_int64(st, 6, it->qi_created_at);
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
	sqlite3_stmt	*st = s->s_st[ST_ITEMS_LIST];

	store_bind_text(st, 1, queue);
	if (strcmp(view, "waiting") == 0 || strcmp(view, "scheduled") == 0)
		store_bind_text(st, 2, "waiting");
	else if (strcmp(view, "open") != 0)
		store_bind_text(st, 2, view);
	if (strcmp(view, "waiting") == 0)
		sqlite3_bind_int64(st, 3, now);
	if (strcmp(view, "scheduled") == 0)
		sqlite3_bind_int64(st, 4, now);
	sqlite3_bind_int(st, 5, strcmp(view, "open") == 0);
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

/*
 * Waiting items not yet escalated that have waited past their SLA at now;
 * slas: a JSON list of [queue, priority, seconds].
 */
int
store_items_overdue(struct store *s, int64_t now, const char *slas,
    struct queue_item **out, size_t *n)
{
	sqlite3_bind_int64(s->s_st[ST_ITEMS_OVERDUE], 1, now);
	store_bind_text(s->s_st[ST_ITEMS_OVERDUE], 2, slas);
	return store_items_collect(s, s->s_st[ST_ITEMS_OVERDUE],
	    "finding overdue items", out, n);
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
	if ((rc = store_begin(s)) != STORE_OK)
		return rc;
	store_rollback(s);
	return STORE_OK;
}

/* Erase the personal fields of call id, its history's values, its items'
 * resolutions. */
static int
store_erase_call(struct store *s, int64_t id, int64_t now)
{
	static const enum store_stmt which[] = { ST_ERASE_HISTORY,
	    ST_ERASE_ITEMS, ST_ERASE_CALL };
	size_t	 i;

	for (i = 0; i < sizeof(which) / sizeof(which[0]); i++) {
		sqlite3_bind_int64(s->s_st[which[i]], 1, id);
		if (which[i] == ST_ERASE_CALL)
			sqlite3_bind_int64(s->s_st[which[i]], 2, now);
		if (store_exec_st(s, which[i]) != STORE_OK)
			return STORE_ERR;
	}
	return STORE_OK;
}

static int
store_erase_slice1(struct store *s, int64_t cutoff, int64_t now, int limit,
    int64_t *n)
{
	sqlite3_stmt	*st = s->s_st[ST_ERASE_PICK];
	int64_t		*ids;
	int		 rc, k, nids = 0;

	if ((ids = calloc((size_t)limit, sizeof(*ids))) == NULL)
		return store_fail(s, "erasing: out of memory");
	sqlite3_bind_int64(st, 1, cutoff);
	sqlite3_bind_int(st, 2, limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && nids < limit)
		ids[nids++] = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		free(ids);
		return store_fail(s, "choosing calls to erase");
	}
	for (k = 0; k < nids; k++)
		if (store_erase_call(s, ids[k], now) != STORE_OK) {
			free(ids);
			return STORE_ERR;
		}
	free(ids);
	*n = nids;
	return STORE_OK;
}

/*
 * Retention: erase the personal fields (notes, name, contact, the caller
 * hash) of at most limit calls started before cutoff, in the open batch
 * as one request; *n says how many (fewer than limit: none are left).
 * Everything the statistics read stays as it was.
 */
int
store_erase_slice(struct store *s, int64_t cutoff, int64_t now, int limit,
    int64_t *n)
{
	*n = 0;
	if (store_request_begin(s) != STORE_OK)
		return STORE_ERR;
	return store_request_end(s, store_erase_slice1(s, cutoff, now, limit,
	    n));
}

/*
 * Copy the WAL into the database and cut it to nothing, so erased values
 * do not linger in old WAL frames. Outside a batch only; a reader holding
 * an old snapshot makes it STORE_BUSY (the next run tries again).
 */
int
store_checkpoint(struct store *s)
{
	int	 rc, log = 0, done = 0;

	if (s->s_in_batch)
		return STORE_BUSY;
	rc = sqlite3_wal_checkpoint_v2(s->s_db, NULL,
	    SQLITE_CHECKPOINT_TRUNCATE, &log, &done);
	if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
		return STORE_BUSY;
	if (rc != SQLITE_OK)
		return store_fail(s, "checkpoint");
	return STORE_OK;
}
