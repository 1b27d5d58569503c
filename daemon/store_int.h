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

#define STORE_SCHEMA_VERSION_TEXT "16"	/* the probe's; checked at open */

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
	ST_ITEMS_EXPIRED,
	ST_ITEMS_OVERDUE,
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
	/* store_care.c */
	ST_CARE_PERSON_INSERT,
	ST_CARE_PERSON_UPDATE,
	ST_CARE_PERSON_GET,
	ST_CARE_PERSON_BY_KEY,
	ST_CARE_PERSON_BY_HASH,
	ST_CARE_PEOPLE,
	ST_CARE_PHONES_DELETE,
	ST_CARE_PHONE_INSERT,
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

/* store_schema.c */
int		 store_migrate(sqlite3 *, const char *, char **);

#endif /* HOTLINED_STORE_INT_H */
