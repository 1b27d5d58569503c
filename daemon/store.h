/*
 * The store layer: the SQLite file and its tables. Above the base; knows
 * nothing of HTTP, of batches or of the status listener.
 */
#ifndef HOTLINED_STORE_H
#define HOTLINED_STORE_H

#include "hotlined.h"

#define STORE_OK	 0
#define STORE_ERR	-1
#define STORE_NOTFOUND	-2
#define STORE_CONFLICT	-3
#define STORE_BUSY	-4
#define STORE_FAULT_OTHER	0	/* store_fault(): a lock, a bug, ... */
#define STORE_FAULT_FULL	1	/* the disk (or quota) is full */
#define STORE_FAULT_IO		2	/* an I/O error, a damaged file */

/* store.c */
struct store;
struct store	*store_open(const char *, long, char **);
void		 store_close(struct store *);
int		 store_begin(struct store *);
int		 store_in_batch(struct store *);
void		 store_read_begin(struct store *);
void		 store_read_end(struct store *);
int		 store_commit(struct store *);
void		 store_rollback(struct store *);
int		 store_request_begin(struct store *);
int		 store_request_end(struct store *, int);
const char	*store_errmsg(struct store *);
int		 store_fault(struct store *);
int		 store_probe(struct store *);
int		 store_lock_check(struct store *);
const char	*store_wal_path(const struct store *);

/* store_sync.c: the commits' fsync on a thread of its own. */
int		 store_sync_start(struct store *, char **);
void		 store_sync_stop(struct store *);
uint64_t	 store_sync_last(struct store *);
uint64_t	 store_synced(struct store *, int *);
void		 store_sync_wait(struct store *);
int		 store_sync_fd(struct store *);
int		 store_sync_on(const struct store *);

/* store_wal.c: checkpoints on a thread of their own. */
struct store_wal_info {
	int64_t		 wi_bytes;	/* the WAL file's size */
	int64_t		 wi_frames;	/* pages in the WAL, last commit */
	uint64_t	 wi_checkpoints;	/* run, busy ones included */
	uint64_t	 wi_busy;	/* ...stopped short by a reader/lock */
	uint64_t	 wi_failed;
	int64_t		 wi_last_at;	/* UTC seconds; 0: none yet */
	int64_t		 wi_last_ms;	/* how long it took */
	int64_t		 wi_max_ms;	/* the longest so far */
	int64_t		 wi_last_pages;	/* pages copied into the database */
	int		 wi_last_busy;
	char		 wi_last_mode[12];	/* passive, restart, truncate */
	char		 wi_error[128];	/* of the last failure */
};
int		 store_checkpoint(struct store *);
void		 store_wal_set(struct store *, long, long, long, long);
void		 store_wal_info(struct store *, struct store_wal_info *);
int		 store_wal_hold(struct store *);

/* store_copy.c */
int		 store_backup(const char *, const char *, char **);
int		 store_schema_version(void);

/* store_call.c */
int		 store_call_insert(struct store *, struct call *, const char *,
		    const char *);
int		 store_call_by_key(struct store *, const char *, const char *,
		    struct call *, char *, size_t);
int		 store_call_get(struct store *, int64_t, struct call *);
int		 store_call_list(struct store *, const struct call_filter *,
		    struct call **, size_t *);
/*
 * A call as the export reads it, straight from the statement's row: the
 * strings are the row's own, valid only during store_call_rows()'s
 * callback.
 */
struct call_row {
	int64_t		 cr_id;
	int64_t		 cr_started_at;
	int64_t		 cr_duration_s;		/* -1: none */
	int64_t		 cr_callback_at;	/* 0: none */
	int64_t		 cr_repeat_calls;
	int64_t		 cr_created_at;
	int64_t		 cr_updated_at;
	int64_t		 cr_version;
	int64_t		 cr_erased_at;		/* personal fields; 0: kept */
	const char	*cr_line;
	const char	*cr_operator;
	const char	*cr_call_type;
	const char	*cr_caller_type;
	const char	*cr_gender;
	const char	*cr_age_band;
	const char	*cr_risk;
	const char	*cr_outcome;
	const char	*cr_notes;
	const char	*cr_caller_name;
	const char	*cr_caller_contact;
	const char	*cr_assess[4];
	const char	*cr_topics[CALL_MAX_TOPICS];
	size_t		 cr_ntopics;
	const char	*cr_queue;	/* its first queue item's; NULL: none */
	int64_t		 cr_priority;	/* that item's */
	int		 cr_consent;
	int		 cr_emergency;
};
int		 store_call_rows(struct store *, const struct call_filter *,
		    int (*)(const struct call_row *, void *), void *,
		    size_t *);
int		 store_call_update(struct store *, const struct call *,
		    const char *, json_t *);
json_t		*store_call_history(struct store *, int64_t);
int64_t		 store_repeat_count(struct store *, const char *, int64_t);
int		 store_erase_slice(struct store *, int64_t, int64_t, int,
		    int64_t *);

/* store_queue.c */
void		 store_item_free(struct queue_item *);
void		 store_items_free(struct queue_item *, size_t);
int		 store_item_insert(struct store *, struct queue_item *,
		    const char *);
int		 store_item_get(struct store *, int64_t, struct queue_item *);
int		 store_item_next(struct store *, const char *, int64_t,
		    struct queue_item *);
int		 store_items_by_call(struct store *, int64_t,
		    struct queue_item **, size_t *);
int		 store_items_list(struct store *, const char *, const char *,
		    int64_t, long, struct queue_item **, size_t *);
/* The most store_items_expired and store_items_overdue give at once. */
#define STORE_TICK_ITEMS	16
#define STORE_TICK_ITEMS_TEXT	"16"
int		 store_items_expired(struct store *, int64_t,
		    struct queue_item **, size_t *);
int		 store_items_overdue(struct store *, int64_t, const char *,
		    struct queue_item **, size_t *);
int		 store_item_holder(struct store *, int64_t, const char *);
int		 store_item_set(struct store *, struct queue_item *, int64_t,
		    const char *, const char *, const char *);
json_t		*store_item_history(struct store *, int64_t);
int		 store_queue_oldest(struct store *, const char *, int64_t,
		    int64_t *);
int		 store_next_due(struct store *, int64_t, int64_t *);
int		 store_queue_counts(struct store *, int64_t,
		    void (*)(void *, const char *, const int64_t[5]), void *);

/* store_audit.c */
int		 store_audit_add(struct store *, struct audit_entry *);
int		 store_audit_last(struct store *, int64_t *);
int		 store_audit_after(struct store *, int64_t,
		    void (*)(const struct audit_entry *, void *), void *);
int		 store_audit_list(struct store *, const struct audit_filter *,
		    void (*)(const struct audit_entry *, void *), void *);
int		 store_export_begin(struct store *, const char *, const char *,
		    int64_t, int64_t, const char *, int64_t *);
int		 store_export_end(struct store *, int64_t, int64_t);

/* store_stats.c */
#define STORE_WAIT_BUCKETS	17
/*
 * One row of a statistics read, added up by stats.c; the texts are valid
 * only during the callback.
 */
struct store_stats_row {
	int64_t		 ssr_bucket;	/* calls, items: k of the slice, -1 */
	int64_t		 ssr_hour;	/* rollups: the UTC hour */
	const char	*ssr_val[2];	/* the coded values, or NULL */
	int64_t		 ssr_calls;
	double		 ssr_dur_sum;
	int64_t		 ssr_dur_n;	/* calls with a duration */
	int64_t		 ssr_high;	/* calls at high risk */
	int64_t		 ssr_items;
	int64_t		 ssr_escalated;
	int64_t		 ssr_waits[STORE_WAIT_BUCKETS];	/* rollups */
	int		 ssr_has_wait;	/* items: claimed once, after */
	int64_t		 ssr_wait;	/* ...this many seconds */
};
struct store_stats_scan;
int		 store_stats_rollup_add(struct store *, const char *, int64_t,
		    const char *, const int64_t[6], const int64_t *);
int		 store_stats_pair_add(struct store *, int, const char *,
		    int64_t, const char *, const char *, const int64_t[6],
		    const int64_t *);
int		 store_stats_rollups(struct store *, const char *, int,
		    int64_t, int64_t,
		    int (*)(const struct store_stats_row *, void *), void *);
int		 store_stats_missing(struct store *, int *);
int		 store_stats_daily_zone(struct store *, char *, size_t);
int		 store_stats_daily_set_zone(struct store *, const char *);
int		 store_stats_high(struct store *, char **);
int		 store_stats_high_set(struct store *, const char *);
int		 store_stats_high_differs(struct store *, const char *,
		    const char *, int *);
int		 store_stats_high_check(struct store *, const char *,
		    const char *, const char *, int, int *, int *);
int		 store_stats_clear(struct store *, int);
int		 store_stats_pending_add(struct store *, int64_t, const char *,
		    const char *);
int		 store_stats_pending_each(struct store *, int64_t, int64_t,
		    int (*)(int64_t, const char *, const char *, void *),
		    void *);
int		 store_stats_pending_count(struct store *, int64_t *);
int		 store_stats_pending_clear(struct store *);
/* What one call adds to the rollups, read for a rebuild. */
struct store_stats_call {
	int64_t		 ssc_started_at;
	const char	*ssc_line, *ssc_caller_type, *ssc_risk;
	const char	*ssc_outcome;		/* NULL: none */
	const char	*ssc_operator, *ssc_call_type;
	int64_t		 ssc_duration_s;	/* -1: not given */
	const char	*ssc_topics;		/* separated by 0x1f; NULL */
	const char	*ssc_queue;		/* the first item's; NULL */
	int64_t		 ssc_items, ssc_escalated;
	const char	*ssc_waits;		/* "60,120"; NULL: none */
};
int		 store_stats_each_call(struct store *,
		    int (*)(const struct store_stats_call *, void *), void *);
struct store_stats_scan *store_stats_scan_new(struct store *, int,
		    const char *, const char *);
void		 store_stats_scan_free(struct store_stats_scan *);
int		 store_stats_calls(struct store_stats_scan *, int,
		    const char *, const char *,
		    int (*)(const struct store_stats_row *, void *), void *);
int		 store_stats_items(struct store_stats_scan *, int,
		    const char *,
		    int (*)(const struct store_stats_row *, void *), void *);
/* One row of the start-up counts; text is valid only during the callback. */
enum store_count_kind {
	STORE_COUNT_LINE,	/* line; calls in the day; latest start */
	STORE_COUNT_MINUTE,	/* line; UTC minute; calls */
	STORE_COUNT_TOTAL,	/* line, caller type, risk; -, -, -, calls */
	STORE_COUNT_OPERATOR	/* operator with a call in the day */
};
struct store_count {
	enum store_count_kind	 sc_kind;
	const char		*sc_text[3];
	int64_t			 sc_num[4];
};
int		 store_counts(struct store *, int64_t, int64_t, int64_t,
		    void (*)(const struct store_count *, void *), void *);

/* A call's follow-up plan as the store keeps it (store_plan.c). */
struct plan_row {
	int64_t		 pr_call_id;
	char		 pr_code[40];
	long		 pr_attempts;	/* allowed per step */
	int64_t		 pr_retry_s;	/* wait between attempts */
	int64_t		 pr_started_at;
	int64_t		 pr_ended_at;	/* ended early; 0: not */
	char		 pr_ended_by[40];
	char		 pr_end_reason[32];
};

/* One attempt to reach a caller; the note is personal (owned). */
struct attempt_row {
	int64_t		 ar_id;
	int64_t		 ar_item_id;
	int64_t		 ar_call_id;
	int64_t		 ar_at;
	char		 ar_by[40];
	char		 ar_result[16];
	char		*ar_note;	/* NULL: none, or erased */
};

int		 store_plan_insert(struct store *, const struct plan_row *);
int		 store_plan_get(struct store *, int64_t, struct plan_row *);
int		 store_plan_end(struct store *, const struct plan_row *);
int		 store_attempt_insert(struct store *, struct attempt_row *);
int		 store_attempts_by_call(struct store *, int64_t,
		    struct attempt_row **, size_t *);
void		 store_attempts_free(struct attempt_row *, size_t);

/* store_handover.c: the lists of the shift handover, as ids. */
enum store_handover_list { HANDOVER_RISK, HANDOVER_HELD, HANDOVER_TROUBLE,
    HANDOVER_EMERGENCIES };
int		 store_handover(struct store *, enum store_handover_list,
		    const char *, int64_t, int64_t, long, int64_t **,
		    size_t *);
int		 store_emergencies_pending(struct store *, int64_t *);

/* store_followup.c: a plan's step as the follow-up statistics read it. */
struct followup_row {
	int64_t		 fr_due;		/* when it first fell due */
	char		 fr_queue[40];
	int		 fr_priority;
	char		 fr_state[16];
	int64_t		 fr_completed_at;	/* 0: open */
	int64_t		 fr_escalated_at;	/* 0: not escalated */
	int		 fr_attempts;
	char		 fr_counselor[40];	/* "": nobody yet */
};

/*
 * A call's crisis record, or the sum of those of a rollup row, as the
 * crisis statistics read it: cr_v in the order of STORE_CRISIS_SUMS
 * (calls; ideation bands 0, 1-3, 4-6, 7-10, none; the same of
 * hopelessness; time frames; emergencies; by agency; by outcome).
 */
#define STORE_CRISIS_NSUMS	24
struct crisis_row {
	int64_t		 cr_at;		/* started_at; the row's hour... */
	char		 cr_line[40];
	char		 cr_operator[40];
	char		 cr_risk[40];
	int64_t		 cr_v[STORE_CRISIS_NSUMS];
};
enum store_crisis_src { CRISIS_CALLS, CRISIS_HOURS, CRISIS_DAYS,
    CRISIS_MONTHS };
#define STORE_ROLLUP_DAYS_FROM	946684800LL	/* 2000-01-01 UTC */
#define STORE_ROLLUP_DAYS_AHEAD	(10LL * 366 * 86400)

int		 store_followup_steps(struct store *, int64_t, int64_t,
		    int64_t, void (*)(const struct followup_row *, void *),
		    void *);
int		 store_crisis_read(struct store *, enum store_crisis_src,
		    int64_t, int64_t, void (*)(const struct crisis_row *,
		    void *), void *);
int		 store_crisis_zone(struct store *, char *, size_t);

/*
 * The sums of a follow-up rollup row (store_followup.c), in the order
 * of STORE_FU_SUMS: steps, on time, late, escalated, ended early, open,
 * attempts, attempts on the reached steps.
 */
#define STORE_FU_NSUMS	8
struct followup_sum {
	int64_t		 fs_at;		/* the row's hour, day or month */
	char		 fs_queue[40];
	int		 fs_priority;
	char		 fs_counselor[40];
	int64_t		 fs_v[STORE_FU_NSUMS];
};
/* How long after it first fell due a step of queue, priority is on time. */
struct followup_window {
	char		 fw_queue[40];
	int		 fw_priority;
	int64_t		 fw_s;
};
int		 store_followup_read(struct store *, enum store_crisis_src,
		    int64_t, int64_t, void (*)(const struct followup_sum *,
		    void *), void *);
int		 store_followup_windows(struct store *,
		    void (*)(const struct followup_window *, void *), void *);
int		 store_followup_rebuild(struct store *,
		    const struct followup_window *, size_t);
int		 store_crisis_rebuild(struct store *, const char *, int64_t);
int		 store_crisis_days(struct store *, int64_t);
int		 store_crisis_days_end(struct store *, int64_t *);

/* A console session as the store keeps it (store_session.c). */
struct session_row {
	unsigned char	 sr_sha[SHA256_LEN];	/* of the id */
	const char	*sr_name;
	int		 sr_role;		/* enum role */
	unsigned char	 sr_pw[SHA256_LEN];	/* of the password hash */
	int64_t		 sr_created;
	int64_t		 sr_seen;
};
int		 store_session_add(struct store *, const struct session_row *);
int		 store_session_del(struct store *, const unsigned char *);
int		 store_session_seen(struct store *, const unsigned char *,
		    int64_t);
int		 store_session_load(struct store *,
		    void (*)(const struct session_row *, void *), void *);

/* A phone call as the PBX saw it (store_pbx.c; pbx.c fills it). */
struct pbx_call {
	int64_t	 pc_id;
	char	 pc_pbx_id[64];
	char	 pc_queue[81];		/* the queue, or the line posted */
	char	 pc_line[40];		/* "": a queue the config lacks */
	int64_t	 pc_offered_at;
	int64_t	 pc_answered_at;	/* 0: not answered */
	int64_t	 pc_ended_at;		/* 0: not over */
	int64_t	 pc_wait_s;		/* -1: not known */
	int64_t	 pc_talk_s;		/* -1: not known */
	char	 pc_outcome[16];	/* "": under way */
	char	 pc_agent[81];
	char	 pc_operator[40];	/* "": an agent the config lacks */
	char	 pc_caller_hash[65];	/* "": no number */
	int64_t	 pc_call_id;		/* the logged call; 0: none */
	int64_t	 pc_updated_at;
};
int		 store_pbx_seen(struct store *, const unsigned char *);
int		 store_pbx_get(struct store *, const char *, struct pbx_call *);
int		 store_pbx_put(struct store *, const struct pbx_call *);
int		 store_pbx_follow_get(struct store *, const char *, int64_t *,
		    int64_t *, int64_t *);
int		 store_pbx_follow_set(struct store *, const char *, int64_t,
		    int64_t, int64_t, int64_t);
int		 store_pbx_unlogged(struct store *, int64_t, long,
		    struct pbx_call **, size_t *);
int		 store_pbx_unlogged_count(struct store *, int64_t, int64_t *);
int		 store_pbx_link(struct store *, const char *, int64_t);
int		 store_pbx_latest(struct store *, const char *, int64_t,
		    struct pbx_call *);
int		 store_pbx_range(struct store *, int64_t, int64_t,
		    void (*)(const struct pbx_call *, void *), void *);
int		 store_pbx_erase(struct store *, int64_t, int, int64_t *);

/* A missed caller's callback item: the number sealed, NULL when erased. */
#define PBX_SEALED_MAX	96
struct pbx_callback {
	int64_t		 cb_item_id;
	char		 cb_caller_hash[65];
	char		 cb_line[40];
	int64_t		 cb_pbx_call;	/* the latest call given up */
	int64_t		 cb_tries;
	int64_t		 cb_first_at, cb_last_at;
	unsigned char	 cb_number[PBX_SEALED_MAX];
	size_t		 cb_number_len;	/* 0: erased */
};
int		 store_pbx_callback_open(struct store *, const char *,
		    int64_t *);
int		 store_pbx_callback_add(struct store *,
		    const struct pbx_callback *);
int		 store_pbx_callback_tried(struct store *, int64_t, int64_t,
		    int64_t);
int		 store_pbx_callback_get(struct store *, int64_t,
		    struct pbx_callback *);
int		 store_pbx_callback_erase(struct store *, int64_t);
int		 store_pbx_callback_expire(struct store *, int64_t, int,
		    int64_t *);
int		 store_pbx_rollup_get(struct store *, int64_t, const char *,
		    const char *, unsigned char **, size_t *);
int		 store_pbx_rollup_put(struct store *, int64_t, const char *,
		    const char *, unsigned char *const *, const size_t *);
int		 store_pbx_rollup_zone(struct store *, const char *, int *);
int		 store_pbx_rollup_clear(struct store *, const char *);
int		 store_pbx_rollup_range(struct store *, int64_t, int64_t, int,
		    void (*)(int64_t, const char *, const char *,
		    const unsigned char *, size_t, const unsigned char *,
		    size_t, void *), void *);
/* store_care.c: rows as JSON objects, members named as the columns */
int		 store_care_person_insert(struct store *, const json_t *,
		    int64_t *);
int		 store_care_person_update(struct store *, const json_t *);
int		 store_care_person_get(struct store *, int64_t, json_t **);
int		 store_care_person_by_key(struct store *, const char *,
		    json_t **);
int		 store_care_person_by_hash(struct store *, const char *,
		    json_t **);
json_t		*store_care_people(struct store *, const json_t *);
int		 store_care_phones_set(struct store *, int64_t,
		    const json_t *);
int		 store_care_family_set(struct store *, int64_t,
		    const json_t *);
json_t		*store_care_family(struct store *, int64_t);
int		 store_care_contact_insert(struct store *, const json_t *,
		    const json_t *, int64_t *);
json_t		*store_care_contacts(struct store *, int64_t);
int		 store_care_difficulty_insert(struct store *, const json_t *,
		    int64_t *);
int		 store_care_difficulty_get(struct store *, int64_t, json_t **);
int		 store_care_difficulty_close(struct store *, const json_t *);
json_t		*store_care_difficulties(struct store *, const json_t *);
int		 store_care_link(struct store *, const json_t *);
json_t		*store_care_links(struct store *, int64_t);
int		 store_care_link_of_call(struct store *, int64_t, json_t **);
int		 store_care_end_get(struct store *, int64_t *);
int		 store_care_end_set(struct store *, int64_t);
int		 store_care_erase_slice(struct store *, int64_t, int64_t,
		    int64_t, int, int64_t *);
json_t		*store_care_counts(struct store *, const char *,
		    const json_t *);

#endif /* HOTLINED_STORE_H */
