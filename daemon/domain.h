/*
 * The domain layer: the follow-up queues, statistics, export rows, the
 * audit trail, retention and the phone system's calls. Writes go through the batch (batch.h).
 */
#ifndef HOTLINED_DOMAIN_H
#define HOTLINED_DOMAIN_H

#include "batch.h"


/*
 * queue.c: the follow-up queues. The status listener reads these counts
 * from memory; queue.c keeps them current after every commit that moved
 * an item and on its timer, so a status request never touches SQLite.
 */
struct queue_count {
	const char	*qc_code;	/* points into the config */
	const char	*qc_name;
	int64_t		 qc_waiting;	/* claimable now */
	int64_t		 qc_claimed;	/* under a lease */
	int64_t		 qc_scheduled;	/* waiting for a later due time */
	int64_t		 qc_oldest_due;	/* UTC due time of the oldest
					   claimable item; 0: none */
	int64_t		 qc_escalated;	/* open items flagged past SLA */
	uint64_t	 qc_escalations; /* escalations since start */
};
enum queue_action { QUEUE_COMPLETE, QUEUE_RELEASE, QUEUE_RENEW };
#define QUEUE_OK	 0
#define QUEUE_EMPTY	 1	/* nothing to claim */
#define QUEUE_NOTFOUND	 2
#define QUEUE_FORBIDDEN	 3	/* held by someone else */
#define QUEUE_STATE	 4	/* not claimed, or done */
#define QUEUE_ERR	-1	/* the store failed */
int		 queue_init(struct event_base *, struct batch *, struct store *,
		    const struct config *);
void		 queue_free(void);
void		 queue_set_config(const struct config *);
void		 queue_refresh(void);
void		 queue_committed(int);
void		 queue_run(void);
size_t		 queue_counts(const struct queue_count **);
const struct queue_count *queue_count(const char *);
int64_t		 queue_sla(const struct queue_item *);
int		 queue_route(const struct call *, const char *,
		    struct queue_item[2], size_t *);
int		 queue_claim(const char *, const struct identity *,
		    struct queue_item *);
int		 queue_act(int64_t, enum queue_action, const struct identity *,
		    const char *, struct queue_item *, char *, size_t);
json_t		*queue_item_json(const struct queue_item *);
void		 queue_move(const char *, int64_t, int64_t, int64_t, int64_t,
		    int64_t, int);
int		 queue_held(const struct queue_item *, const struct identity *,
		    char *, size_t);
void		 queue_escalated(const struct queue_item *, const char *);
void		 queue_schedule(int64_t);
json_t		*queue_count_json(const struct queue_count *);

/*
 * plan.c: follow-up plans. A call's plan and its steps (queue items) are
 * made in the savepoint of the call; attempts and ending early are
 * writes of the batch. Returns as queue.c's (QUEUE_*).
 */
extern const char *const plan_results[];
extern const char *const plan_end_reasons[];
int	 plan_known(const char *const *, const char *);
int	 plan_start(struct store *, const struct config *, const struct call *,
	    const char *, struct queue_item[PLAN_MAX_STEPS], size_t *);
int	 plan_attempt(struct store *, const struct config *, int64_t,
	    const struct identity *, const char *, const char *,
	    struct queue_item *, char *, size_t);
int	 plan_end(struct store *, int64_t, const struct identity *,
	    const char *, char *, size_t);
json_t	*plan_json(struct store *, const struct config *, int64_t, int,
	    const char *, int *);

/*
 * handover.c: the shift handover's lists (ids, HANDOVER_LIMIT each) and
 * the count of pending emergencies for the status listener.
 */
#define HANDOVER_LIMIT	200
#define HANDOVER_NLISTS	4	/* enum store_handover_list */
struct handover {
	int64_t		 h_boundary;	/* the shift boundary nearest */
	int64_t		 h_prev;	/* the leaving shift began */
	int64_t		 h_until;	/* events counted until */
	int64_t		*h_ids[HANDOVER_NLISTS];
	size_t		 h_n[HANDOVER_NLISTS];
};
void	 handover_bounds(const struct config *, int64_t, int64_t *,
	    int64_t *);
int	 handover_lists(struct store *, const struct config *, int64_t,
	    struct handover *);
void	 handover_free(struct handover *);
int	 handover_init(struct batch *, struct store *);
void	 handover_emergency_changed(void);
int64_t	 handover_pending(void);

/* export.c: the columns of an export and a call's values in them. */
enum export_kind {
	EXPORT_TEXT,
	EXPORT_INT,
	EXPORT_TIME,		/* local time with its offset, ISO 8601 */
	EXPORT_ANSWER		/* yes, no or unknown */
};
struct export_col {
	const char		*ec_code;	/* CSV's heading */
	const char		*ec_name;	/* the heading for people */
	enum export_kind	 ec_kind;
	int			 ec_personal;
	int			 ec_width;	/* spreadsheet, characters */
};
#define EXPORT_NCOLS	35
extern const struct export_col export_cols[EXPORT_NCOLS];
struct evbuffer;
struct call_row;
/* One call's values and its CSV line, made again for each call. */
struct export_line {
	const char	*el_v[EXPORT_NCOLS];	/* NULL: empty */
	size_t		 el_off[EXPORT_NCOLS];	/* made in el_buf, or -1 */
	char		*el_buf;	/* the numbers, times, topics made */
	size_t		 el_len;
	size_t		 el_cap;
	char		*el_out;	/* the CSV line */
	size_t		 el_olen;
	size_t		 el_ocap;
};
int	export_line_make(struct export_line *, const struct config *,
	    const struct call_row *, int);
void	export_line_free(struct export_line *);
void	export_csv_header(struct evbuffer *, int, int);
int	export_csv_line(struct evbuffer *, struct export_line *, int);

/* export_xlsx.c: the export as a spreadsheet, written to a file. */
struct export_xlsx;
struct export_xlsx *export_xlsx_open(const char *, int, char *, size_t);
int	export_xlsx_row(struct export_xlsx *, const char *const *, int64_t);
int	export_xlsx_close(struct export_xlsx *, struct event_base *,
	    void (*)(int, const char *, void *), void *);
void	export_xlsx_free(struct export_xlsx *);
void	export_xlsx_sweep(const char *);

/* stats.c */
#define STATS_OK	 0
#define STATS_BAD	 1	/* the request is wrong: err says why */
#define STATS_ERR	-1	/* the store failed */
struct stats_req;
int	stats_start(struct store *, const struct config *, int64_t, int64_t,
	    const char *, struct stats_req **, char *, size_t);
int	stats_step(struct stats_req *);
/*
 * What one loop turn of a statistics question may take, in microseconds:
 * each step of the reading aims at it (from the time the last one took)
 * and the answer is written until it has run out, so that the loop
 * answers other requests within a few milliseconds however large the store.
 */
#define STATS_TURN_US	500
/*
 * A part of a statistics answer once read: its members but "groups" in
 * sp_head, its sp_n groups made one at a time by sp_group (a new
 * reference), so that api_stats.c writes a few of them a loop turn.
 */
struct stats_part {
	json_t		*sp_head;
	size_t		 sp_n;
	json_t		*(*sp_group)(void *, size_t);
	void		*sp_arg;
};
void	stats_part(struct stats_req *, struct stats_part *);
void	stats_set_config(struct stats_req *, const struct config *);
void	stats_free(struct stats_req *);

/* stats_slice.c: where each part of a question is read from. */
enum stats_src { SS_CALLS, SS_HOURS, SS_DAYS, SS_MONTHS, SS_NSRC };
struct stats_slice {
	int64_t		 sl_lo, sl_hi;	/* [lo, hi) */
	int64_t		 sl_k;		/* its bucket; -1: no time */
	enum stats_src	 sl_src;
	int		 sl_neg;	/* subtracted from its bucket */
	int		 sl_tot;	/* stats.c: read for the totals alone */
};
int	stats_slices(const int64_t *, size_t, int, size_t, const char *,
	    struct stats_slice **, size_t *);
int	stats_slices_calls(const int64_t *, size_t, int, struct stats_slice **,
	    size_t *);
char	*stats_slices_json(const struct stats_slice *, size_t);
void	stats_day(const char *, int64_t, int64_t *, int64_t *);
void	stats_month(const char *, int64_t, int64_t *, int64_t *);

/* stats_acc.c: a group's sums while the rows are read. */
struct stats_acc {
	int64_t		 sa_calls;
	double		 sa_dur_sum;
	int64_t		 sa_dur_n;
	int64_t		 sa_high;
	int64_t		 sa_items;
	int64_t		 sa_escalated;
	int64_t		 sa_waits[STORE_WAIT_BUCKETS];
};
void	stats_acc_add(struct stats_acc *, const struct store_stats_row *, int);
int	stats_acc_empty(const struct stats_acc *);
void	stats_metrics(json_t *, const struct stats_acc *);
int	stats_wait_bucket(int64_t);
int64_t	stats_wait_bound(int);
json_t	*stats_wait_percentile(const int64_t *, int);

/* stats_rollup.c */
int	stats_rollup_add(struct store *, const struct config *,
	    const struct call *, const struct queue_item *, size_t, int);
int	stats_rollup_call(struct store *, const struct config *, int64_t,
	    int);
int	stats_rebuild(struct store *, const struct config *);
const char *stats_pair(const char *, const char *, int *);
int	stats_pairs_with(const char *, char **, char **);
int	stats_daily_ready(struct store *, const struct config *);
int	stats_pending_rows(struct store *, const char *, const char *, int64_t,
	    int64_t, int (*)(const struct store_stats_row *, void *), void *);

/* stats_high.c: which risk codes the rollups count as high. */
int	stats_high_is(const struct config *, const char *);
char	*stats_high_json(const struct config *);
int	stats_high_count(struct store *, const struct config *, const char *,
	    int *);
int	stats_high_ready(struct store *, const struct config *);
int	stats_high_start(struct store *, const struct config *, int, int *);
void	stats_high_reload(struct store *, const struct config *,
	    const struct config *);

/*
 * audit.c: the append-only audit trail. A row is written in the
 * transaction of what it records; rows are sent to syslog (authpriv)
 * once their transaction has committed.
 */
#define AUDIT_SYSTEM	"hotlined"	/* who, for the daemon's own moves */
int	 audit_init(struct batch *, struct store *);
int	 audit_record(const struct identity *, const char *, int64_t,
	    int64_t, const char *);
int	 audit_system(const char *, int64_t, int64_t, const char *);
void	 audit_committed(int);
int	 audit_action_known(const char *);
json_t	*audit_entry_json(const struct audit_entry *);

/*
 * retention.c: the daily job that erases personal fields of calls older
 * than retention.personal_days, a slice per write batch.
 */
#define RETENTION_SLICE	100	/* calls per slice (per transaction) */
struct retention_slice {
	int64_t		 rs_cutoff;	/* calls started before this */
	int64_t		 rs_erased;	/* calls erased by this slice */
	int		 rs_more;	/* a full slice: run another */
};
int	 retention_init(struct event_base *, struct batch *, struct store *,
	    const struct config *);
void	 retention_set_config(const struct config *);
void	 retention_free(void);
int	 retention_run_slice(struct store *, const struct config *, int64_t,
	    struct retention_slice *);
int64_t	 retention_cutoff(long, int64_t);
json_t	*retention_json(void);

/*
 * session.c: the browser console's sessions, known by a random id in a
 * cookie; the store keeps only the id's SHA-256.
 */
#define SESSION_COOKIE		"hotline_session"
#define SESSION_ID_LEN		32	/* random bytes */
#define SESSION_COOKIE_LEN	(2 * SESSION_ID_LEN)	/* their hex */
int	 session_init(struct batch *, struct store *, const struct config *);
void	 session_free(void);
void	 session_set_config(const struct config *);
int	 session_open(const struct operator *, int64_t, char *,
	    unsigned char *);
int	 session_close(const unsigned char *);
void	 session_forget(const unsigned char *);
int	 session_find(const char *, int64_t, const struct config *,
	    struct identity *, unsigned char *);
size_t	 session_count(void);

/*
 * pbx.c, pbx_log.c: the phone system's record of every call (Asterisk's
 * queue_log followed or imported, or POST /v1/pbx/events), one row per
 * phone call, joined to the logged calls.
 */
#define PBX_LINE_MAX	1024	/* a longer queue_log line is refused */
#define PBX_ID_MAX	64	/* a call's id, with its NUL */
#define PBX_NAME_MAX	81	/* a queue or agent name, with its NUL */
enum pbx_kind {
	PBX_OTHER,		/* counted and ignored */
	PBX_OFFERED,		/* ENTERQUEUE */
	PBX_ANSWERED,		/* CONNECT */
	PBX_ENDED,		/* COMPLETECALLER, COMPLETEAGENT */
	PBX_ABANDONED,		/* ABANDON */
	PBX_TIMEOUT,		/* EXITWITHTIMEOUT */
	PBX_EMPTY,		/* EXITEMPTY */
	PBX_KEY,		/* EXITWITHKEY */
	PBX_RINGNOANSWER,	/* a member did not answer: counted only */
	PBX_TRANSFER		/* TRANSFER */
};
struct pbx_event {
	int64_t		 pe_at;			/* UTC seconds */
	char		 pe_call[PBX_ID_MAX];	/* the PBX's call id */
	char		 pe_queue[PBX_NAME_MAX];	/* or the line */
	char		 pe_agent[PBX_NAME_MAX];	/* "": none */
	char		 pe_event[24];		/* as the PBX wrote it */
	enum pbx_kind	 pe_kind;
	int64_t		 pe_wait_s;		/* -1: not said */
	int64_t		 pe_talk_s;		/* -1: not said */
	char		 pe_number[32];		/* the caller's; "": none */
};
#define PBX_APPLIED	 0
#define PBX_DUPLICATE	 1	/* seen before: nothing changed */
#define PBX_IGNORED	 2	/* not about a queued call */
#define PBX_BAD		 3	/* refused: err says why */
#define PBX_ERR		-1	/* the store failed */
/* The phone measures of a set of calls (pbx_stats.c). */
struct pbx_wait {
	int64_t		 pw_s;			/* a wait, in seconds */
	int64_t		 pw_n;			/* calls that waited it */
};
struct pbx_tally {
	int64_t		 pt_offered;
	int64_t		 pt_answered;
	int64_t		 pt_abandoned;		/* after short_abandon */
	int64_t		 pt_abandoned_short;
	int64_t		 pt_in_sla;		/* answered within the SLA */
	int64_t		 pt_talk_s;
	struct pbx_wait	*pt_waits;		/* of answered calls: how many
						   waited each second, by wait */
	size_t		 pt_nwaits, pt_cap;	/* distinct waits */
	size_t		 pt_hint;		/* the last one counted */
};
#define PBX_WAIT_BUCKETS 8	/* <= 5, 10, 20, 30, 60, 120, 300 s, more */
extern const int64_t pbx_wait_bounds[PBX_WAIT_BUCKETS - 1];
struct pbx_counts {
	uint64_t	 pn_events;		/* applied */
	uint64_t	 pn_duplicates;		/* seen before: skipped */
	uint64_t	 pn_ignored;		/* not about a queued call */
	uint64_t	 pn_refused;		/* malformed or out of range */
	uint64_t	 pn_orphans;		/* a call first heard of late */
	uint64_t	 pn_unknown_queue;
	uint64_t	 pn_unknown_agent;
	int64_t		 pn_unlogged;		/* answered, never logged */
	int64_t		 pn_today[5];		/* offered, answered,
						   abandoned, short, in SLA */
	int		 pn_follow_ok;		/* the queue_log: 1 readable, 0
						   not, -1 not there yet */
	int64_t		 pn_follow_offset;
	int64_t		 pn_follow_at;		/* last read */
	uint64_t	 pn_waits[PBX_WAIT_BUCKETS]; /* answered: waits */
	uint64_t	 pn_wait_sum;		/* their seconds */
};
int	 pbx_log_parse(const char *, size_t, struct pbx_event *, char *,
	    size_t);
int	 pbx_apply(struct store *, const struct config *,
	    const struct pbx_event *, const unsigned char *, int64_t, char *,
	    size_t);
int	 pbx_import(struct store *, const struct config *, const char *,
	    int64_t[4], char **);
int	 pbx_init(struct event_base *, struct batch *, struct store *,
	    const struct config *);
void	 pbx_set_config(const struct config *);
void	 pbx_free(void);
json_t	*pbx_call_json(const struct pbx_call *);
int	 pbx_event_from_json(json_t *, const struct config *, int64_t,
	    struct pbx_event *, struct call_error *);
int	 pbx_event_key(const struct pbx_event *, unsigned char *);
json_t	*pbx_json(void);
const struct pbx_counts *pbx_counts(void);
void	 pbx_count_refused(void);
void	 pbx_follow_state(int, int64_t);
int	 pbx_follow_init(struct event_base *, struct batch *, struct store *,
	    const struct config *);
void	 pbx_follow_set_config(const struct config *);
void	 pbx_follow_free(void);

/* pbx_callback.c */
int	 pbx_callback_apply(struct store *, const struct config *,
	    const struct pbx_event *, int, struct pbx_call *, int64_t);
int	 pbx_callback_lost(const struct config *, const struct pbx_call *);
int	 pbx_callback_seal(const unsigned char *, int64_t, const char *,
	    unsigned char *, size_t *);
int	 pbx_callback_open(const unsigned char *, const struct pbx_callback *,
	    char *, size_t);
json_t	*pbx_callback_json(const struct pbx_callback *, const char *);
void	 pbx_callback_forget(void);

/* pbx_rollup.c */
#define PBX_RU_OFFERED	0	/* the kinds of a rollup's records */
#define PBX_RU_TALK	1
#define PBX_RU_ANSWERED	2
#define PBX_RU_ENDED	3
int	 pbx_rollup_call(struct store *, const struct pbx_call *,
	    const struct pbx_call *);
int	 pbx_rollup_ready(struct store *, const struct config *);
int64_t	 pbx_rollup_day(int64_t);
int	 pbx_rollup_flush(struct store *);
void	 pbx_rollup_discard(void);
void	 pbx_rollup_each(const unsigned char *, size_t, int64_t,
	    void (*)(int64_t, int, int64_t, int64_t, void *), void *);

/* pbx_stats.c */
void	 pbx_tally_add(struct pbx_tally *, const struct config *,
	    const struct pbx_call *);
void	 pbx_tally_wait(struct pbx_tally *, int64_t, int64_t);
void	 pbx_tally_free(struct pbx_tally *);
void	 pbx_tally_json(json_t *, struct pbx_tally *);
json_t	*pbx_stats(struct store *, const struct config *, int64_t, int64_t,
	    const char *);

/* stats_followup.c */
extern const char *const stats_bands[];
struct stats_more;
struct stats_more *stats_more_start(struct store *, const struct config *,
	    int64_t, int64_t, const char *);
int	 stats_more_step(struct stats_more *);
void	 stats_more_part(struct stats_more *, int, struct stats_part *);
void	 stats_more_set_config(struct stats_more *, const struct config *);
void	 stats_more_free(struct stats_more *);
#define STATS_FOLLOWUP_NMONTH	7
extern const char *const stats_followup_measures[];
int	 stats_followup_totals(struct store *, const struct config *,
	    int64_t, int64_t, int64_t, int64_t[STATS_FOLLOWUP_NMONTH]);
#define STATS_CRISIS_NBANDS	5	/* stats_bands, then not scored */
#define STATS_CRISIS_NAGENCIES	6	/* crisis_agencies */
int	 stats_crisis_totals(struct store *, const struct config *, int64_t,
	    int64_t, int64_t, int64_t[STATS_CRISIS_NBANDS],
	    int64_t[STATS_CRISIS_NAGENCIES]);

/* stats_fu_month.c: this month's figures, for /metrics */
int	 stats_followup_init(struct event_base *, struct store *,
	    const struct config *);
void	 stats_followup_set_config(const struct config *);
void	 stats_followup_free(void);
const int64_t *stats_followup_month(void);
const int64_t *stats_crisis_month_ideation(void);
const int64_t *stats_crisis_month_agency(void);

/* stats_fu_rollup.c */
int	 stats_fu_ready(struct store *, const struct config *);
int	 stats_fu_windows_match(struct store *, const struct config *);
int	 stats_fu_slices(struct store *, const struct config *, int,
	    enum clock_unit, int64_t, int64_t, struct stats_slice **,
	    size_t *);

/*
 * care.c, care_write.c: the care register. Rows are the store's JSON
 * objects (store_care.c); the writes run in the request's savepoint
 * with their audit rows and return CARE_*.
 */
#define CARE_OK		 0
#define CARE_NOTFOUND	 2	/* no such person or difficulty */
#define CARE_FORBIDDEN	 3	/* not the liaison's person */
#define CARE_STATE	 4	/* a duplicate, or not open */
#define CARE_BAD	 5	/* the request is wrong: err says why */
#define CARE_NOCALL	 6	/* no such call */
#define CARE_ERR	-1	/* the store failed */
extern const char *const care_contact_kinds[];
extern const char *const care_genders[];
int64_t	 care_due_day(int64_t, int64_t, long);
int	 care_overdue(int64_t, int64_t, int64_t);
int	 care_end_day(struct store *, const struct config *, int64_t *);
int	 care_may(const struct identity *, const json_t *);
int	 care_phone(const char *, char *, size_t, char *, size_t);
int	 care_person_build(const struct config *, json_t *,
	    const json_t *, const char *, int64_t, json_t **, json_t **,
	    struct call_error *);
json_t	*care_phone_hashes(const struct config *, const json_t *,
	    const json_t *);
json_t	*care_day_json_of(int64_t);
json_t	*care_person_json(const json_t *, int64_t, int64_t);
json_t	*care_row_json(const json_t *);
int	 care_audit(const struct identity *, const char *, int64_t, int64_t,
	    int64_t);
int	 care_contact_check(const struct config *, json_t *, int64_t,
	    struct call_error *);
int	 care_difficulty_check(const struct config *, json_t *,
	    struct call_error *);
int	 care_close_check(const struct config *, json_t *,
	    struct call_error *);
int	 care_person_add(struct store *, const struct config *,
	    const struct identity *, json_t *, const json_t *, int64_t *);
int	 care_person_put(struct store *, const struct config *,
	    const struct identity *, const json_t *, const json_t *);
int	 care_import(struct store *, const struct config *,
	    const struct identity *, json_t *, const char *, const char *,
	    int, json_t *);
int	 care_person_save(struct store *, const struct config *,
	    const struct identity *, int64_t, json_t *,
	    struct call_error *);
int	 care_contact_add(struct store *, const struct identity *, int64_t,
	    const json_t *, int64_t, int64_t *);
int	 care_difficulty_add(struct store *, const struct config *,
	    const struct identity *, int64_t, const json_t *, int64_t,
	    int64_t *);
int	 care_difficulty_close(struct store *, const struct config *,
	    const struct identity *, int64_t, const json_t *, int64_t, char *,
	    size_t);
int	 care_link_call(struct store *, const struct identity *, int64_t,
	    int64_t, int64_t, struct call_error *);
int	 care_end_set(struct store *, const struct identity *, int64_t);
int	 care_erase_slice(struct store *, const struct config *, int64_t, int,
	    int64_t *);

/* care_stats.c */
json_t	*care_stats(struct store *, const struct config *, int64_t, int64_t,
	    int64_t);
void	 care_changed(void);
void	 care_status_init(struct store *);
json_t	*care_status_json(const struct config *);

#endif /* HOTLINED_DOMAIN_H */
