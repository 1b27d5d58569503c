/*
 * hotlined: the call-logging daemon of a psychological support hotline.
 * One project header: shared types, then prototypes grouped by file.
 */
#ifndef HOTLINED_H
#define HOTLINED_H

#include <sys/types.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#ifndef HOTLINED_VERSION
#define HOTLINED_VERSION "0.0.0"
#endif

#define HOTLINED_CONF	"/etc/hotlined/hotlined.conf"
#define EX_CONFIG_ERR	78	/* sysexits.h EX_CONFIG */
#define SHA256_LEN	32

struct event_base;
struct evhttp_request;
struct bufferevent;
struct ssl_ctx_st;		/* OpenSSL's SSL_CTX */

/* A configured list entry: a stable code and a (Chinese) display name. */
struct code_name {
	char	*cn_code;
	char	*cn_name;
};

struct code_list {
	struct code_name *cl_v;
	size_t		  cl_n;
};

enum role {
	ROLE_NONE = 0,
	ROLE_OPERATOR,
	ROLE_COUNSELOR,
	ROLE_SUPERVISOR,
	ROLE_ADMIN
};

struct operator {
	char		*op_name;
	enum role	 op_role;
	int		 op_has_uid;
	uid_t		 op_uid;
	int		 op_has_token;
	unsigned char	 op_token_sha[SHA256_LEN];
};

#define QUEUE_PRIORITIES	9	/* priorities 1 (first) to 9 */

/* A queue's working rules, beside its code in cf_queues (same index). */
struct queue_conf {
	int64_t		 qf_lease_s;	/* a claim lasts this long */
	int64_t		 qf_sla_s[QUEUE_PRIORITIES + 1]; /* by priority;
					   0: no SLA */
};

/*
 * A routing rule: every criterion given must hold (topics: any of the
 * call's topics listed). Codes point into the config's lists.
 */
struct route_rule {
	int		  ru_risk_min;	/* rank in cf_risks; -1: any */
	const char	**ru_topics;
	size_t		  ru_ntopics;
	const char	**ru_caller_types;
	size_t		  ru_ncaller_types;
	const char	**ru_lines;
	size_t		  ru_nlines;
	size_t		  ru_queue;	/* index in cf_queues */
	int		  ru_priority;
};

struct limits {
	long	lim_max_body;		/* bytes */
	long	lim_max_headers;	/* bytes */
	long	lim_timeout_s;		/* silence within a request or answer */
	long	lim_notes_max;		/* characters */
	long	lim_list_max;
	long	lim_max_header_count;	/* header fields in a request */
	long	lim_max_conns;		/* open connections per listener */
	long	lim_max_conns_peer;	/* of them from one peer */
	long	lim_request_timeout_s;	/* a request arrives whole within */
	long	lim_idle_timeout_s;	/* a connection waits for a request */
	long	lim_rate_per_s;		/* requests per identity; 0: no limit */
	long	lim_rate_burst;
	long	lim_auth_failures;	/* failed authentications per peer */
	long	lim_auth_window_s;	/* counted in this window */
	long	lim_auth_block_s;	/* then 429 for this long */
};

struct config {
	char		*cf_path;
	char		*cf_timezone;
	int		 cf_facility;
	char		*cf_db_path;
	long		 cf_busy_ms;
	char	       **cf_api_listen;
	size_t		 cf_napi;
	mode_t		 cf_api_mode;
	char	       **cf_status_listen;
	size_t		 cf_nstatus;
	mode_t		 cf_status_mode;
	/* One per listen address (cf_napi, cf_nstatus): NULL, or TLS. */
	struct ssl_ctx_st **cf_api_tls;
	struct ssl_ctx_st **cf_status_tls;
	struct limits	 cf_limits;
	unsigned char	*cf_hash_key;	/* caller-number HMAC key, or NULL */
	size_t		 cf_hash_key_len;
	long		 cf_retention_days; /* erase personal fields after;
					       0: never */
	struct code_list cf_lines;
	struct code_list cf_caller_types;
	struct code_list cf_topics;
	struct code_list cf_risks;	/* ordered, lowest first */
	struct code_list cf_outcomes;
	struct code_list cf_queues;
	struct queue_conf *cf_qconf;	/* one per queue */
	struct route_rule *cf_routes;	/* first match wins */
	size_t		 cf_nroutes;
	size_t		 cf_cb_queue;	/* callbacks no rule routes */
	int		 cf_cb_priority;
	struct operator	*cf_ops;
	size_t		 cf_nops;
	char		*cf_user;	/* drop to this account, or NULL */
	uid_t		 cf_uid;
	gid_t		 cf_gid;
};

/* Who is asking: resolved once per request by auth.c. */
struct identity {
	const char	*id_name;	/* points into config or id_buf */
	enum role	 id_role;
	int		 id_unix;	/* 1: Unix socket, 0: TCP */
	char		 id_buf[64];
	char		 id_peer[64];	/* "uid 1000", "192.0.2.1:40000",
					   "[2001:db8::1]:40000" */
};

#define CALL_MAX_TOPICS	16

/* A call record as the domain knows it; strings are owned (call_free). */
struct call {
	int64_t	 c_id;
	char	*c_line;
	int64_t	 c_started_at;		/* UTC seconds */
	int64_t	 c_duration_s;		/* -1: not given */
	char	*c_operator;
	char	*c_call_type;
	char	*c_caller_type;
	char	*c_gender;		/* NULL: not given */
	char	*c_age_band;
	char	*c_topics[CALL_MAX_TOPICS];
	size_t	 c_ntopics;
	char	*c_risk;
	char	*c_outcome;
	int64_t	 c_callback_at;		/* 0: none */
	char	*c_notes;
	int	 c_consent;
	char	*c_caller_name;
	char	*c_caller_contact;
	char	*c_caller_hash;		/* hex HMAC of the number, or NULL */
	char	*c_assess[4];		/* desire, capability, intent, buffers */
	int	 c_emergency;
	int64_t	 c_created_at;
	int64_t	 c_updated_at;
	int64_t	 c_version;
	int64_t	 c_repeat_calls;
	int	 c_legal_hold;		/* exempt from retention */
	int64_t	 c_erased_at;		/* personal fields erased; 0: not */
};

/* A validation failure: the field and a message for the client. */
struct call_error {
	const char	*ce_kind;	/* "invalid_field", "missing_field", ... */
	char		 ce_field[48];
	char		 ce_msg[512];
};

struct call_filter {
	int64_t		 f_from;	/* 0: open */
	int64_t		 f_to;		/* 0: open; exclusive */
	char	       **f_lines;
	size_t		 f_nlines;
	char	       **f_risks;
	size_t		 f_nrisks;
	char	       **f_ops;
	size_t		 f_nops;
	long		 f_limit;
	int		 f_has_cursor;
	int64_t		 f_cur_started;
	int64_t		 f_cur_id;
};

/* A follow-up queue item as the store keeps it (store_item_free). */
struct queue_item {
	int64_t	 qi_id;
	int64_t	 qi_call_id;
	char	 qi_queue[40];
	char	 qi_kind[16];		/* "referral" or "callback" */
	int	 qi_priority;
	char	 qi_state[16];		/* "waiting", "claimed", "done" */
	int64_t	 qi_due_at;		/* claimable from */
	int64_t	 qi_created_at;
	char	 qi_claimed_by[40];	/* "": nobody */
	int64_t	 qi_claimed_at;		/* 0: never */
	int64_t	 qi_lease_until;
	int64_t	 qi_completed_at;
	char	 qi_completed_by[40];
	char	*qi_resolution;
	int64_t	 qi_escalated_at;	/* 0: not escalated */
	int64_t	 qi_first_claimed_at;	/* 0: never claimed */
	int64_t	 qi_version;
};

/* One row of the audit trail (audit.c); texts are not owned. */
struct audit_entry {
	int64_t		 ae_id;
	int64_t		 ae_at;		/* UTC seconds */
	const char	*ae_who;
	const char	*ae_role;
	const char	*ae_peer;	/* "uid 1000", "192.0.2.1:40000" */
	const char	*ae_action;	/* "call.read", "auth.fail", ... */
	int64_t		 ae_call_id;	/* 0: none */
	int64_t		 ae_item_id;	/* 0: none */
	const char	*ae_detail;	/* NULL: none; never a value */
};

struct audit_filter {
	int64_t		 af_since;	/* 0: open */
	int64_t		 af_until;	/* 0: open; exclusive */
	const char	*af_action;	/* NULL: any */
	const char	*af_who;	/* NULL: any */
	int64_t		 af_before;	/* the cursor: ids below it; 0 */
	long		 af_limit;
};

/* log.c */
void	log_init(int debug, int facility);
void	log_setfacility(int facility);
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_alert(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_audit(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_auth(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

/* clock.c */
enum clock_unit { CLOCK_HOUR, CLOCK_DAY, CLOCK_WEEK, CLOCK_MONTH };
int	clock_parse(const char *, int64_t *);
int	clock_buckets(int64_t, int64_t, enum clock_unit, size_t, int64_t **,
	    size_t *);
void	clock_bucket_label(int64_t, enum clock_unit, char *, size_t);
int	clock_parse_date(const char *, int64_t *, int64_t *);
void	clock_format(int64_t, char *, size_t);
int	clock_zone_exists(const char *);
int	clock_set_timezone(const char *);
int64_t	clock_now(void);

/* config.c */
struct config	*config_load(const char *, char **);
void		 config_free(struct config *);
const struct code_name *config_find(const struct code_list *, const char *);
int		 config_risk_rank(const struct config *, const char *);
const struct operator *config_op_by_uid(const struct config *, uid_t);
const struct operator *config_op_by_token(const struct config *,
		    const unsigned char *);
const char	*config_role_name(enum role);
int		 config_parse_facility(const char *);

/* call.c */
extern const struct code_list call_types, call_genders, call_age_bands;
extern const char *const call_assess_keys[5];
void	 call_init(struct call *);
void	 call_free(struct call *);
int	 call_from_json(struct call *, json_t *, const struct config *,
	    int64_t, struct call_error *);
json_t	*call_to_json(const struct call *, int);
json_t	*call_json_time(int64_t);
json_t	*call_input_json(const struct call *);
int	 call_patch(const struct call *, json_t *, const struct config *,
	    struct call *, json_t **, struct call_error *);
int	 call_hash_number(const struct config *, const char *, char **);
size_t	 call_utf8_len(const char *);
#define CALL_SHOW_PERSONAL	0x01

/* store.c */
struct store;
struct store	*store_open(const char *, long, char **);
void		 store_close(struct store *);
int		 store_begin(struct store *);
int		 store_in_batch(struct store *);
int		 store_commit(struct store *);
void		 store_rollback(struct store *);
const char	*store_errmsg(struct store *);
int		 store_fault(struct store *);
int		 store_probe(struct store *);
int		 store_backup(const char *, const char *, char **);
int		 store_call_insert(struct store *, struct call *, const char *,
		    const char *);
int		 store_call_by_key(struct store *, const char *, const char *,
		    struct call *, char *, size_t);
int		 store_call_get(struct store *, int64_t, struct call *);
int		 store_call_list(struct store *, const struct call_filter *,
		    struct call **, size_t *);
int		 store_call_update(struct store *, const struct call *,
		    const char *, json_t *);
json_t		*store_call_history(struct store *, int64_t);
struct sqlite3	*store_handle(struct store *);
int		 store_export_begin(struct store *, const char *, const char *,
		    int64_t, int64_t, const char *, int64_t *);
int		 store_export_end(struct store *, int64_t, int64_t);
#define STORE_WAIT_BUCKETS	17
int		 store_rollup_add(struct store *, const char *, int64_t,
		    const char *, const int64_t[6], const int64_t *);
int		 store_request_begin(struct store *);
int		 store_request_end(struct store *, int);
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
int64_t		 store_repeat_count(struct store *, const char *, int64_t);
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
int		 store_lock_check(struct store *);
int		 store_audit_add(struct store *, struct audit_entry *);
int		 store_audit_last(struct store *, int64_t *);
int		 store_audit_after(struct store *, int64_t,
		    void (*)(const struct audit_entry *, void *), void *);
int		 store_audit_list(struct store *, const struct audit_filter *,
		    void (*)(const struct audit_entry *, void *), void *);
int		 store_erase_slice(struct store *, int64_t, int64_t, int,
		    int64_t *);
int		 store_checkpoint(struct store *);
#define STORE_OK	 0
#define STORE_ERR	-1
#define STORE_NOTFOUND	-2
#define STORE_CONFLICT	-3
#define STORE_BUSY	-4
#define STORE_FAULT_OTHER	0	/* store_fault(): a lock, a bug, ... */
#define STORE_FAULT_FULL	1	/* the disk (or quota) is full */
#define STORE_FAULT_IO		2	/* an I/O error, a damaged file */

/* auth.c */
void	auth_peer(struct evhttp_request *, int, char *, size_t);
int	auth_identify(struct evhttp_request *, int, const struct config *,
	    struct identity *);
int	auth_sha256(const void *, size_t, unsigned char *);
int	auth_hex_decode(const char *, unsigned char *, size_t);
void	auth_hex_encode(const unsigned char *, size_t, char *);

/* limit.c */
#define LIMIT_KEY_MAX	64
#define LIMIT_OK	0
#define LIMIT_TOTAL	1	/* limit_conn_open: all connections */
#define LIMIT_PEER	2	/* limit_conn_open: this peer's */
#define LIMIT_FIRST	1	/* limit_fail: the first of a window */
#define LIMIT_BLOCK	2	/* limit_fail: the one that blocks */
#define LIMIT_FULL	3	/* limit_fail: no room to count it */
struct limit_tab;
struct limit_tab *limit_tab_new(size_t);
void		 limit_tab_free(struct limit_tab *);
size_t		 limit_tab_size(const struct limit_tab *);
int		 limit_conn_open(struct limit_tab *, const char *, long, long);
void		 limit_conn_close(struct limit_tab *, const char *);
long		 limit_conns(const struct limit_tab *);
long		 limit_conns_of(struct limit_tab *, const char *);
long		 limit_rate(struct limit_tab *, const char *, int64_t, long,
		    long);
long		 limit_blocked(struct limit_tab *, const char *, int64_t);
int		 limit_fail(struct limit_tab *, const char *, int64_t, long,
		    long, long);
int		 limit_peer(int, char *, size_t);

/* listener.c */
struct listener;
enum listener_kind { LISTENER_API, LISTENER_STATUS };
struct listener	*listener_open(struct event_base *, const char *,
		    enum listener_kind, mode_t, const struct limits *, char **);
void		 listener_stop(struct listener *);
void		 listener_close(struct listener *);
void		*listener_arg(const struct listener *);
void		 listener_set_handler(struct listener *,
		    void (*)(struct evhttp_request *, void *), void *);
int		 listener_is_unix(const struct listener *);
const char	*listener_name(const struct listener *);
int		 listener_inherit(char **);
void		 listener_inherit_report(void);
void		 listener_inherit_free(void);
const char	*listener_fdname(enum listener_kind, const char *);
int		 listener_is_inherited(const struct listener *);
void		 listener_set_tls(struct listener *, struct ssl_ctx_st *);
int		 listener_is_tls(const struct listener *);

/* tls.c */
struct ssl_ctx_st *tls_ctx_new(const char *, const char *, const char **,
		    char *, size_t);
struct bufferevent *tls_bufferevent(struct event_base *,
		    struct ssl_ctx_st *);
int		 tls_ctx_days_left(struct ssl_ctx_st *, int *);
#define TLS_WARN_DAYS	30	/* warn of a certificate this near its end */
void		 listener_set_limits(struct listener *, const struct limits *);
struct evhttp_connection;
void		 listener_set_closecb(struct listener *,
		    struct evhttp_connection *,
		    void (*)(struct evhttp_connection *, void *), void *);

/* api.c */
struct api;
struct api	*api_new(struct event_base *, struct store *);
void		 api_free(struct api *);
void		 api_set_config(struct api *, const struct config *);
void		 api_request(struct evhttp_request *, void *);
void		 api_flush(struct api *);
void		 api_listener_closing(struct api *, struct listener *);
void		 api_stop(struct api *);
size_t		 api_writes_waiting(const struct api *);
int		 api_store_ok(const struct api *, const char **);
int		 api_task(struct api *, void (*)(void *), void (*)(void *, int),
		    void *);

/* route.c */
enum route_kind { ROUTE_REFERRAL, ROUTE_CALLBACK };
struct route_item {
	enum route_kind	 ri_kind;
	size_t		 ri_queue;	/* index in cf_queues */
	int		 ri_priority;
	int64_t		 ri_due;	/* claimable from (UTC) */
};
const struct route_rule *route_find(const struct config *,
		    const struct call *);
size_t		 route_call(const struct config *, const struct call *,
		    struct route_item[2]);

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
int		 queue_init(struct event_base *, struct store *,
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
json_t		*queue_count_json(const struct queue_count *);

/* export.c */
struct evbuffer;
void	export_csv_header(struct evbuffer *, int);
void	export_csv_row(struct evbuffer *, const struct config *,
	    const struct call *, json_t *, int);

/* stats.c */
#define STATS_OK	 0
#define STATS_BAD	 1	/* the request is wrong: err says why */
#define STATS_ERR	-1	/* the store failed */
struct stats_req;
int	stats_start(struct store *, const struct config *, int64_t, int64_t,
	    const char *, struct stats_req **, char *, size_t);
int	stats_step(struct stats_req *);
json_t	*stats_result(struct stats_req *);
void	stats_set_config(struct stats_req *, const struct config *);
void	stats_free(struct stats_req *);
int	stats_rollup_add(struct store *, const struct config *,
	    const struct call *, const struct queue_item *, size_t, int);
int	stats_rollup_call(struct store *, const struct config *, int64_t,
	    int);
int	stats_rebuild(struct store *, const struct config *);

/* notify.c: the service manager's protocols (sd_notify, LISTEN_FDS). */
struct notify_fd {
	char	*nf_name;	/* FileDescriptorName=, or "unknown" */
	int	 nf_fd;
	int	 nf_used;	/* adopted by a listener */
};
int	 notify_init(char **);
int	 notify_enabled(void);
uint64_t notify_watchdog_usec(void);
void	 notify_ready(void);
void	 notify_reloading(void);
void	 notify_stopping(void);
void	 notify_watchdog(void);
int	 notify_status_format(char *, size_t, int64_t, int64_t, int64_t);
void	 notify_status(int64_t, int64_t, int64_t);
void	 notify_status_reset(void);
void	 notify_close(void);
int	 notify_fds_parse(const char *, const char *, const char *, pid_t,
	    struct notify_fd **, size_t *, char **);
void	 notify_fds_free(struct notify_fd *, size_t);

/* priv.c */
int	priv_drop(const struct config *, char **);
int	priv_root_refused(const struct config *, const char *, int, char **);

/*
 * status.c: the status listener (GET /healthz, /status, /metrics),
 * answered from counters in memory. The API reports to it through the
 * hooks below; a timer probes the store; a request never touches SQLite.
 */
int	 status_prepare(char **);
int	 status_init(struct event_base *, struct store *, struct api *,
	    const struct config *, char **);
struct event_base *status_base(void);
int	 status_run(void);
void	 status_halt(void);
void	 status_free(void);
void	 status_set_config(const struct config *);
void	 status_stop(void);
void	 status_handle(struct evhttp_request *, void *);
void	 status_request(enum listener_kind, const char *, int);
void	 status_conn(enum listener_kind, int);
void	 status_writes_changed(void);
int64_t	 status_usec(void);
void	 status_call_stored(const struct call *);
int64_t	 status_calls_today(void);
void	 status_commit(int, int64_t, const char *);
void	 status_store_failed(const char *);
json_t	*status_json(int64_t);
void	 status_day_bounds(int64_t, int64_t *, int64_t *);
size_t	 status_label_escape(const char *, char *, size_t);

/*
 * audit.c: the append-only audit trail. A row is written in the
 * transaction of what it records; rows are sent to syslog (authpriv)
 * once their transaction has committed.
 */
#define AUDIT_SYSTEM	"hotlined"	/* who, for the daemon's own moves */
int	 audit_init(struct store *);
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
int	 retention_init(struct event_base *, struct api *, struct store *,
	    const struct config *);
void	 retention_set_config(const struct config *);
void	 retention_free(void);
int	 retention_run_slice(struct store *, const struct config *, int64_t,
	    struct retention_slice *);
int64_t	 retention_cutoff(long, int64_t);
json_t	*retention_json(void);

/* server.c */
int	server_run(const char *, int, int);

#endif /* HOTLINED_H */
