/*
 * Inside the store: struct store, its prepared statements and the helpers
 * that store.c, store_schema.c, store_call.c, store_queue.c, store_audit.c,
 * store_stats.c, store_session.c and store_pbx.c share. Included by those
 * files only; everything above the store goes through store.h.
 */
#ifndef HOTLINED_STORE_INT_H
#define HOTLINED_STORE_INT_H

#include <sqlite3.h>

#include "store.h"

#define STORE_SCHEMA_VERSION_TEXT "20"	/* the probe's; checked at open */

/*
 * Every statement prepared at open, by the file whose functions run it;
 * each file holds its SQL in a table indexed by these (store_*_sql).
 */
enum store_stmt {
	/* store.c */
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_SAVEPOINT,
	ST_RELEASE,
	ST_ROLLBACK_TO,
	ST_PROBE,
	ST_READ_BEGIN,
	/* store_call.c */
	ST_CALL_INSERT,
	ST_TOPIC_INSERT,
	ST_TOPICS_DELETE,
	ST_TOPICS_GET,
	ST_CALL_GET,
	ST_CALL_BY_KEY,
	ST_CALL_LIST,
	ST_CALL_LIST_OP,
	ST_CALL_EXPORT,
	ST_CALL_UPDATE,
	ST_HISTORY_INSERT,
	ST_HISTORY_GET,
	ST_REPEAT_COUNT,
	ST_ERASE_PICK,
	ST_ERASE_HISTORY,
	ST_ERASE_ITEMS,
	ST_ERASE_CALL,
	/* store_queue.c */
	ST_ITEM_INSERT,
	ST_ITEM_GET,
	ST_ITEMS_BY_CALL,
	ST_ITEM_NEXT,
	ST_ITEM_SET,
	ST_ITEMS_LIST,
	ST_ITEMS_OPEN,
	ST_ITEMS_EXPIRED,
	ST_ITEMS_OVERDUE,
	ST_SLAS,
	ST_ITEM_HOLDER,
	ST_QUEUE_COUNTS,
	ST_ITEM_LOG,
	ST_ITEM_LOG_GET,
	ST_QUEUE_OLDEST,
	ST_NEXT_DUE,
	/* store_audit.c */
	ST_AUDIT_INSERT,
	ST_AUDIT_LAST,
	ST_AUDIT_AFTER,
	ST_AUDIT_LIST,
	ST_EXPORT_BEGIN,
	ST_EXPORT_END,
	/* store_stats.c */
	ST_ROLLUP_ADD,
	ST_ROLLUP_READ,
	ST_ROLLUP_MISSING,
	ST_ROLLUP_EACH,
	ST_DAILY_ADD,
	ST_DAILY_READ,
	ST_MONTHLY_ADD,
	ST_MONTHLY_READ,
	ST_PENDING_ADD,
	ST_PENDING_READ,
	ST_PENDING_COUNT,
	ST_DAILY_ZONE,
	ST_DAILY_ZONE_SET,
	ST_HIGH,
	ST_HIGH_SET,
	ST_HIGH_DIFFERS,
	ST_HIGH_CHECK,
	ST_COUNT_LINES,
	ST_COUNT_MINUTES,
	ST_COUNT_TOTALS,
	ST_COUNT_OPERATORS,
	/* store_session.c */
	ST_SESSION_ADD,
	ST_SESSION_DEL,
	ST_SESSION_SEEN,
	ST_SESSION_LOAD,
	/* store_pbx.c */
	ST_PBX_SEEN,
	ST_PBX_GET,
	ST_PBX_PUT,
	ST_PBX_FOLLOW_GET,
	ST_PBX_FOLLOW_SET,
	ST_PBX_UNLOGGED,
	ST_PBX_UNLOGGED_COUNT,
	ST_PBX_LINK,
	ST_PBX_LATEST,
	ST_PBX_RANGE,
	ST_PBX_ERASE,
	ST_PBX_CB_OPEN,
	ST_PBX_CB_ADD,
	ST_PBX_CB_TRIED,
	ST_PBX_CB_GET,
	ST_PBX_CB_ERASE,
	ST_PBX_CB_EXPIRE,
	ST_PBX_RU_GET,
	ST_PBX_RU_PUT,
	ST_PBX_RU_DEL,
	ST_PBX_RU_ZONE,
	ST_PBX_RU_CLEAR,
	ST_PBX_RU_MARK,
	ST_PBX_RU_RANGE,
	ST_PBX_RU_DAYS,
	/* store_plan.c */
	ST_PLAN_INSERT,
	ST_PLAN_GET,
	ST_PLAN_END,
	ST_ATTEMPT_INSERT,
	ST_ATTEMPTS_BY_CALL,
	ST_ERASE_ATTEMPTS,
	/* store_handover.c */
	ST_HANDOVER_RISK,
	ST_HANDOVER_HELD,
	ST_HANDOVER_TROUBLE,
	ST_HANDOVER_EMERGENCIES,
	ST_EMERGENCIES_PENDING,
	/* store_followup.c */
	ST_FOLLOWUP_STEPS,
	ST_CRISIS_RANGE,
	ST_CRISIS_HOURS,
	ST_CRISIS_DAYS,
	ST_CRISIS_MONTHS,
	ST_CRISIS_ZONE,
	ST_CRISIS_SET_ZONE,
	ST_ROLLUP_DAY_INSERT,
	ST_ROLLUP_DAYS_END,
	ST_FU_HOURS,
	ST_FU_DAYS,
	ST_FU_MONTHS,
	ST_FU_WINDOWS,
	ST_FU_WINDOW_INSERT,
	/* store_care.c */
	ST_CARE_PERSON_INSERT,
	ST_CARE_PERSON_UPDATE,
	ST_CARE_PERSON_GET,
	ST_CARE_PERSON_BY_KEY,
	ST_CARE_PERSON_BY_HASH,
	ST_CARE_PEOPLE,
	ST_CARE_PHONES_DELETE,
	ST_CARE_PHONE_INSERT,
	ST_CARE_PHONES_OF,
	ST_CARE_FAMILY_DELETE,
	ST_CARE_FAMILY_INSERT,
	ST_CARE_FAMILY,
	ST_CARE_CONTACT_INSERT,
	ST_CARE_CONTACTED,
	ST_CARE_CONTACTS,
	ST_CARE_DIFF_INSERT,
	ST_CARE_DIFF_GET,
	ST_CARE_DIFF_UPDATE,
	ST_CARE_DIFFS,
	ST_CARE_LINK,
	ST_CARE_LINKS,
	ST_CARE_LINK_OF_CALL,
	ST_CARE_END_GET,
	ST_CARE_END_SET,
	ST_CARE_ERASE_PICK,
	ST_CARE_ERASE_PERSON,
	ST_CARE_ERASE_PHONES,
	ST_CARE_ERASE_FAMILY,
	ST_CARE_ERASE_CONTACTS,
	ST_CARE_ERASE_DIFFS,
	ST_CARE_COUNT_PEOPLE,
	ST_CARE_COUNT_CONTACTS,
	ST_CARE_COUNT_DIFFS,
	ST_CARE_COUNT_NOW,
	ST_MAX
};

/* Each family's SQL, indexed by enum store_stmt; NULL: another family's. */
extern const char *const store_call_sql[ST_MAX];
extern const char *const store_queue_sql[ST_MAX];
extern const char *const store_audit_sql[ST_MAX];
extern const char *const store_stats_sql[ST_MAX];
extern const char *const store_session_sql[ST_MAX];
extern const char *const store_pbx_sql[ST_MAX];
extern const char *const store_plan_sql[ST_MAX];
extern const char *const store_handover_sql[ST_MAX];
extern const char *const store_followup_sql[ST_MAX];
extern const char *const store_care_sql[ST_MAX];

/*
 * The crisis rollups (migration 17; store_followup.c reads them): what a
 * crisis record adds to its row, as SQL over the columns t (started_at),
 * line, operator, risk, i, h (the ideation and hopelessness scores, -1
 * when not scored), f (plan time frame), a (emergency agency), o (its
 * outcome; '' when absent), in the order of struct crisis_row's cr_v.
 * The triggers, the rebuild and the read of the calls themselves share
 * these, so the three count alike.
 */
#define STORE_CRISIS_SUMS \
	"calls, i0, i1, i2, i3, i4, h0, h1, h2, h3, h4, f0, f1, f2, emerg," \
	" a0, a1, a2, a3, a4, a5, o0, o1, o2"
#define STORE_CRISIS_BANDS(x, S) \
	S " * (" x " = 0), " S " * (" x " BETWEEN 1 AND 3), " \
	S " * (" x " BETWEEN 4 AND 6), " S " * (" x " >= 7), " \
	S " * (" x " < 0), "
#define STORE_CRISIS_VALS(S) \
	S ", " STORE_CRISIS_BANDS("i", S) STORE_CRISIS_BANDS("h", S) \
	S " * (f = '72h'), " S " * (f = '1w'), " S " * (f = 'later'), " \
	S " * (a <> ''), " S " * (a = '110'), " S " * (a = '120'), " \
	S " * (a = '119'), " S " * (a = 'family'), " \
	S " * (a = 'workplace'), " S " * (a = 'other'), " \
	S " * (a <> '' AND o = 'confirmed'), " \
	S " * (a <> '' AND o = 'not_confirmed'), " \
	S " * (a <> '' AND o = 'pending')"
#define STORE_CRISIS_ADD1(c)	c " = " c " + excluded." c
#define STORE_CRISIS_ADD \
	STORE_CRISIS_ADD1("calls") ", " STORE_CRISIS_ADD1("i0") ", " \
	STORE_CRISIS_ADD1("i1") ", " STORE_CRISIS_ADD1("i2") ", " \
	STORE_CRISIS_ADD1("i3") ", " STORE_CRISIS_ADD1("i4") ", " \
	STORE_CRISIS_ADD1("h0") ", " STORE_CRISIS_ADD1("h1") ", " \
	STORE_CRISIS_ADD1("h2") ", " STORE_CRISIS_ADD1("h3") ", " \
	STORE_CRISIS_ADD1("h4") ", " STORE_CRISIS_ADD1("f0") ", " \
	STORE_CRISIS_ADD1("f1") ", " STORE_CRISIS_ADD1("f2") ", " \
	STORE_CRISIS_ADD1("emerg") ", " STORE_CRISIS_ADD1("a0") ", " \
	STORE_CRISIS_ADD1("a1") ", " STORE_CRISIS_ADD1("a2") ", " \
	STORE_CRISIS_ADD1("a3") ", " STORE_CRISIS_ADD1("a4") ", " \
	STORE_CRISIS_ADD1("a5") ", " STORE_CRISIS_ADD1("o0") ", " \
	STORE_CRISIS_ADD1("o1") ", " STORE_CRISIS_ADD1("o2")
/* The columns i, h, f, a, o of the crisis record of row R. */
#define STORE_CRISIS_JSON(R) \
	"coalesce(json_extract(" R ".crisis, '$.ideation_intensity'), -1)" \
	" AS i, coalesce(json_extract(" R ".crisis, '$.hopelessness'), -1)" \
	" AS h, coalesce(json_extract(" R ".crisis, '$.plan_timeframe'), '')" \
	" AS f, coalesce(json_extract(" R ".crisis, '$.emergency.agency'), '')" \
	" AS a, coalesce(json_extract(" R ".crisis," \
	" '$.emergency.confirmed'), '') AS o"
/* A trigger's row R (NEW, OLD) as a source, empty without a record. */
#define STORE_CRISIS_ROW(R) \
	"(SELECT " R ".started_at AS t, " R ".line AS line, " R ".operator" \
	" AS operator, " R ".risk AS risk, " STORE_CRISIS_JSON(R) \
	" WHERE " R ".crisis IS NOT NULL)"
#define STORE_CRISIS_CALLS \
	"(SELECT started_at AS t, line, operator, risk, " \
	STORE_CRISIS_JSON("calls") " FROM calls WHERE crisis IS NOT NULL)"
/*
 * The local day and month of t, from rollup_days; NULL when t is in no
 * day there (no day is longer than 25 hours).
 */
#define STORE_CRISIS_DAY \
	"(SELECT day FROM rollup_days WHERE lo BETWEEN t - 89999 AND t" \
	" ORDER BY lo DESC LIMIT 1)"
#define STORE_CRISIS_MONTH \
	"(SELECT month FROM rollup_days WHERE lo BETWEEN t - 89999 AND t" \
	" ORDER BY lo DESC LIMIT 1)"
/*
 * Add S (1, -1) times each record of SRC to the rollup TABLE; all three,
 * after a record outside the days of rollup_days has marked the days and
 * months out of date (zone '': read around, built again at start).
 */
#define STORE_CRISIS_ADD_TO(TABLE, KEY, SRC, S) \
	"INSERT INTO " TABLE " (k, line, operator, risk, " \
	STORE_CRISIS_SUMS ") SELECT " KEY ", line, operator, risk, " \
	STORE_CRISIS_VALS(S) " FROM " SRC " WHERE " KEY " IS NOT NULL" \
	" ON CONFLICT (k, line, operator, risk) DO UPDATE SET " \
	STORE_CRISIS_ADD ";"
#define STORE_CRISIS_ADD_ALL(SRC, S) \
	"UPDATE rollup_days_zone SET zone = '' WHERE EXISTS (SELECT 1 FROM " \
	SRC " WHERE " STORE_CRISIS_DAY " IS NULL);" \
	STORE_CRISIS_ADD_TO("crisis_hourly", "t - t % 3600", SRC, S) \
	STORE_CRISIS_ADD_TO("crisis_daily", STORE_CRISIS_DAY, SRC, S) \
	STORE_CRISIS_ADD_TO("crisis_monthly", STORE_CRISIS_MONTH, SRC, S)

/* The columns of the crisis rollups (migration 17). */
#define STORE_CRISIS_COLUMNS \
	"k INTEGER NOT NULL, line TEXT NOT NULL, operator TEXT NOT NULL," \
	" risk TEXT NOT NULL, calls INTEGER NOT NULL DEFAULT 0," \
	" i0 INTEGER NOT NULL DEFAULT 0, i1 INTEGER NOT NULL DEFAULT 0," \
	" i2 INTEGER NOT NULL DEFAULT 0, i3 INTEGER NOT NULL DEFAULT 0," \
	" i4 INTEGER NOT NULL DEFAULT 0, h0 INTEGER NOT NULL DEFAULT 0," \
	" h1 INTEGER NOT NULL DEFAULT 0, h2 INTEGER NOT NULL DEFAULT 0," \
	" h3 INTEGER NOT NULL DEFAULT 0, h4 INTEGER NOT NULL DEFAULT 0," \
	" f0 INTEGER NOT NULL DEFAULT 0, f1 INTEGER NOT NULL DEFAULT 0," \
	" f2 INTEGER NOT NULL DEFAULT 0, emerg INTEGER NOT NULL DEFAULT 0," \
	" a0 INTEGER NOT NULL DEFAULT 0, a1 INTEGER NOT NULL DEFAULT 0," \
	" a2 INTEGER NOT NULL DEFAULT 0, a3 INTEGER NOT NULL DEFAULT 0," \
	" a4 INTEGER NOT NULL DEFAULT 0, a5 INTEGER NOT NULL DEFAULT 0," \
	" o0 INTEGER NOT NULL DEFAULT 0, o1 INTEGER NOT NULL DEFAULT 0," \
	" o2 INTEGER NOT NULL DEFAULT 0," \
	" PRIMARY KEY (k, line, operator, risk)"

/*
 * The follow-up rollups, alike: a plan's step (R, a queue_items row) as
 * the columns t (due_first), queue, priority, counselor (completed_by,
 * else the last attempt's by), st (state), ca, esc (completed_at,
 * escalated_at; 0: none), n (attempts) and w (how long after t it is on
 * time: followup_windows, written from the config, else a day); what it
 * adds in the order of STORE_FU_SUMS.
 */
#define STORE_FU_SUMS \
	"steps, on_time, late, escalated, ended, still_open, attempts," \
	" attempts_reached"
#define STORE_FU_VALS(S) \
	S ", " S " * (st = 'done' AND ca <= t + w), " \
	S " * (st = 'done' AND ca > t + w), " S " * (esc <> 0), " \
	S " * (st = 'cancelled'), " S " * (st NOT IN ('done', 'cancelled'))," \
	" " S " * n, " S " * n * (st = 'done')"
#define STORE_FU_ADD \
	STORE_CRISIS_ADD1("steps") ", " STORE_CRISIS_ADD1("on_time") ", " \
	STORE_CRISIS_ADD1("late") ", " STORE_CRISIS_ADD1("escalated") ", " \
	STORE_CRISIS_ADD1("ended") ", " STORE_CRISIS_ADD1("still_open") ", " \
	STORE_CRISIS_ADD1("attempts") ", " STORE_CRISIS_ADD1("attempts_reached")
#define STORE_FU_COLS(R) \
	R ".due_first AS t, " R ".queue AS queue, " R ".priority AS priority," \
	" coalesce(" R ".completed_by, (SELECT a.by FROM attempts a" \
	" WHERE a.item_id = " R ".id ORDER BY a.id DESC LIMIT 1), '')" \
	" AS counselor, " R ".state AS st, coalesce(" R ".completed_at, 0)" \
	" AS ca, coalesce(" R ".escalated_at, 0) AS esc, " R ".attempts AS n," \
	" coalesce((SELECT fw.w FROM followup_windows fw WHERE fw.queue = " \
	R ".queue AND fw.priority = " R ".priority), 86400) AS w"
/* A trigger's step R; the steps of queue_items where COND. */
#define STORE_FU_ROW(R) \
	"(SELECT " STORE_FU_COLS(R) " WHERE " R ".due_first IS NOT NULL)"
#define STORE_FU_ITEMS(COND) \
	"(SELECT " STORE_FU_COLS("q") " FROM queue_items q WHERE " COND \
	" AND q.due_first IS NOT NULL)"
#define STORE_FU_ADD_TO(TABLE, KEY, SRC, S) \
	"INSERT INTO " TABLE " (k, queue, priority, counselor, " \
	STORE_FU_SUMS ") SELECT " KEY ", queue, priority, counselor, " \
	STORE_FU_VALS(S) " FROM " SRC " WHERE " KEY " IS NOT NULL" \
	" ON CONFLICT (k, queue, priority, counselor) DO UPDATE SET " \
	STORE_FU_ADD ";"
#define STORE_FU_ADD_ALL(SRC, S) \
	"UPDATE rollup_days_zone SET zone = '' WHERE EXISTS (SELECT 1 FROM " \
	SRC " WHERE " STORE_CRISIS_DAY " IS NULL);" \
	STORE_FU_ADD_TO("followup_hourly", "t - t % 3600", SRC, S) \
	STORE_FU_ADD_TO("followup_daily", STORE_CRISIS_DAY, SRC, S) \
	STORE_FU_ADD_TO("followup_monthly", STORE_CRISIS_MONTH, SRC, S)
#define STORE_FU_COLUMNS \
	"k INTEGER NOT NULL, queue TEXT NOT NULL, priority INTEGER NOT NULL," \
	" counselor TEXT NOT NULL, steps INTEGER NOT NULL DEFAULT 0," \
	" on_time INTEGER NOT NULL DEFAULT 0, late INTEGER NOT NULL DEFAULT 0," \
	" escalated INTEGER NOT NULL DEFAULT 0," \
	" ended INTEGER NOT NULL DEFAULT 0," \
	" still_open INTEGER NOT NULL DEFAULT 0," \
	" attempts INTEGER NOT NULL DEFAULT 0," \
	" attempts_reached INTEGER NOT NULL DEFAULT 0," \
	" PRIMARY KEY (k, queue, priority, counselor)"

/* Migration 15 (store_schema.c says what it is). */
#define STORE_CRISIS_SCHEMA \
	"CREATE TABLE IF NOT EXISTS crisis_hourly (" STORE_CRISIS_COLUMNS \
	") WITHOUT ROWID;" \
	"CREATE TABLE IF NOT EXISTS crisis_daily (" STORE_CRISIS_COLUMNS \
	") WITHOUT ROWID;" \
	"CREATE TABLE IF NOT EXISTS crisis_monthly (" STORE_CRISIS_COLUMNS \
	") WITHOUT ROWID;" \
	"CREATE TABLE IF NOT EXISTS rollup_days (" \
	"  lo     INTEGER PRIMARY KEY," \
	"  day    INTEGER NOT NULL," \
	"  month  INTEGER NOT NULL" \
	");" \
	"CREATE TABLE IF NOT EXISTS rollup_days_zone (" \
	"  id     INTEGER PRIMARY KEY CHECK (id = 1)," \
	"  zone   TEXT NOT NULL" \
	");" \
	"CREATE TRIGGER IF NOT EXISTS crisis_rollup_insert AFTER INSERT ON" \
	"  calls WHEN NEW.crisis IS NOT NULL BEGIN " \
	STORE_CRISIS_ADD_ALL(STORE_CRISIS_ROW("NEW"), "1") " END;" \
	"CREATE TRIGGER IF NOT EXISTS crisis_rollup_delete AFTER DELETE ON" \
	"  calls WHEN OLD.crisis IS NOT NULL BEGIN " \
	STORE_CRISIS_ADD_ALL(STORE_CRISIS_ROW("OLD"), "-1") " END;" \
	"CREATE TRIGGER IF NOT EXISTS crisis_rollup_update AFTER UPDATE OF" \
	"  crisis, started_at, line, operator, risk ON calls" \
	"  WHEN OLD.crisis IS NOT NEW.crisis OR OLD.started_at <>" \
	"  NEW.started_at OR OLD.line <> NEW.line OR OLD.operator <>" \
	"  NEW.operator OR OLD.risk <> NEW.risk BEGIN " \
	STORE_CRISIS_ADD_ALL(STORE_CRISIS_ROW("OLD"), "-1") \
	STORE_CRISIS_ADD_ALL(STORE_CRISIS_ROW("NEW"), "1") " END;" \
	"CREATE TABLE IF NOT EXISTS followup_hourly (" STORE_FU_COLUMNS \
	") WITHOUT ROWID;" \
	"CREATE TABLE IF NOT EXISTS followup_daily (" STORE_FU_COLUMNS \
	") WITHOUT ROWID;" \
	"CREATE TABLE IF NOT EXISTS followup_monthly (" STORE_FU_COLUMNS \
	") WITHOUT ROWID;" \
	"CREATE TABLE IF NOT EXISTS followup_windows (" \
	"  queue    TEXT NOT NULL," \
	"  priority INTEGER NOT NULL," \
	"  w        INTEGER NOT NULL," \
	"  PRIMARY KEY (queue, priority)" \
	") WITHOUT ROWID;" \
	"CREATE TRIGGER IF NOT EXISTS followup_rollup_insert AFTER INSERT ON" \
	"  queue_items WHEN NEW.due_first IS NOT NULL BEGIN " \
	STORE_FU_ADD_ALL(STORE_FU_ROW("NEW"), "1") " END;" \
	"CREATE TRIGGER IF NOT EXISTS followup_rollup_delete AFTER DELETE ON" \
	"  queue_items WHEN OLD.due_first IS NOT NULL BEGIN " \
	STORE_FU_ADD_ALL(STORE_FU_ROW("OLD"), "-1") " END;" \
	"CREATE TRIGGER IF NOT EXISTS followup_rollup_update AFTER UPDATE OF" \
	"  due_first, queue, priority, state, completed_at, completed_by," \
	"  escalated_at, attempts ON queue_items" \
	"  WHEN (OLD.due_first IS NOT NULL OR NEW.due_first IS NOT NULL) AND" \
	"  (OLD.due_first IS NOT NEW.due_first OR OLD.queue IS NOT NEW.queue" \
	"  OR OLD.priority IS NOT NEW.priority OR OLD.state IS NOT NEW.state" \
	"  OR OLD.completed_at IS NOT NEW.completed_at OR OLD.completed_by" \
	"  IS NOT NEW.completed_by OR OLD.escalated_at IS NOT" \
	"  NEW.escalated_at OR OLD.attempts IS NOT NEW.attempts) BEGIN " \
	STORE_FU_ADD_ALL(STORE_FU_ROW("OLD"), "-1") \
	STORE_FU_ADD_ALL(STORE_FU_ROW("NEW"), "1") " END;" \
	"CREATE TRIGGER IF NOT EXISTS followup_attempt_insert_before BEFORE" \
	"  INSERT ON attempts BEGIN " \
	STORE_FU_ADD_ALL(STORE_FU_ITEMS("q.id = NEW.item_id"), "-1") " END;" \
	"CREATE TRIGGER IF NOT EXISTS followup_attempt_insert_after AFTER" \
	"  INSERT ON attempts BEGIN " \
	STORE_FU_ADD_ALL(STORE_FU_ITEMS("q.id = NEW.item_id"), "1") " END;" \
	"CREATE TRIGGER IF NOT EXISTS followup_attempt_delete_before BEFORE" \
	"  DELETE ON attempts BEGIN " \
	STORE_FU_ADD_ALL(STORE_FU_ITEMS("q.id = OLD.item_id"), "-1") " END;" \
	"CREATE TRIGGER IF NOT EXISTS followup_attempt_delete_after AFTER" \
	"  DELETE ON attempts BEGIN " \
	STORE_FU_ADD_ALL(STORE_FU_ITEMS("q.id = OLD.item_id"), "1") " END;" \
	"CREATE TRIGGER IF NOT EXISTS followup_attempt_update_before BEFORE" \
	"  UPDATE OF item_id, by ON attempts BEGIN " \
	STORE_FU_ADD_ALL(STORE_FU_ITEMS("q.id IN (OLD.item_id, NEW.item_id)"), \
	"-1") " END;" \
	"CREATE TRIGGER IF NOT EXISTS followup_attempt_update_after AFTER" \
	"  UPDATE OF item_id, by ON attempts BEGIN " \
	STORE_FU_ADD_ALL(STORE_FU_ITEMS("q.id IN (OLD.item_id, NEW.item_id)"), \
	"1") " END;"

struct store {
	sqlite3		*s_db;
	long		 s_busy_ms;
	sqlite3_stmt	*s_st[ST_MAX];
	int		 s_in_batch;
	int		 s_depth;	/* nested request savepoints */
	int		 s_undone;	/* the batch was rolled back under us */
	int		 s_in_read;	/* store_read_begin's transaction */
	int		 s_errcode;	/* of the last failure */
	char		 s_err[256];
	int		 s_lock_last;	/* store_lock_check's last answer */
	struct store_wal *s_wal;	/* the checkpoint thread (store_wal.c) */
	struct store_sync *s_sync;	/* the commits' fsync (store_sync.c) */
	char		*s_path;	/* the database file */
	char		*s_wal_path;	/* its WAL, as SQLite names it */
};

/* store.c */
sqlite3		*store_handle(struct store *);
int		 store_fail(struct store *, const char *);
int		 store_exec_st(struct store *, enum store_stmt);
int		 store_pragma(sqlite3 *, const char *, const char *, char **);
void		 store_bind_text(sqlite3_stmt *, int, const char *);
void		 store_bind_time(sqlite3_stmt *, int, int64_t);
char		*store_col_text(sqlite3_stmt *, int);

/* store_queue.c */
void		 store_col_copy(sqlite3_stmt *, int, char *, size_t);

/* store_wal.c */
int		 store_wal_start(struct store *, const char *, char **);
void		 store_wal_stop(struct store *);
int		 store_wal_locking_now(struct store *);

/* store_sync.c */
void		 store_sync_note(struct store *);

/* store_schema.c */
int		 store_migrate(sqlite3 *, const char *, char **);

/* store_copy.c */
int		 store_copy_aside(sqlite3 *, const char *, int, char **);

#endif /* HOTLINED_STORE_INT_H */
