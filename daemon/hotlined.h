/*
 * hotlined: the call-logging daemon of a psychological support hotline.
 * The base layer's header: the types every layer shares, then the
 * prototypes of the base (log, clock, config, call, route, digest, tls,
 * notify, priv), which call nothing above them. Each layer above has its
 * own header (store.h, status.h, batch.h, domain.h, net.h, server.h);
 * docs/architecture.md gives the order, tests/check-layers keeps it.
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
	ROLE_ADMIN,
	ROLE_PBX,		/* the telephone system: POST /v1/pbx/events */
	ROLE_LIAISON		/* a union care liaison: their people only */
};

struct operator {
	char		*op_name;
	enum role	 op_role;
	int		 op_has_uid;
	uid_t		 op_uid;
	int		 op_has_token;
	unsigned char	 op_token_sha[SHA256_LEN];
	char		*op_password;	/* its hash (password.c), or NULL */
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

/* pbx: the telephone system in front of the lines (config_pbx.c). */
struct pbx_line_map {
	char		*pl_name;	/* a queue name or a dialled number */
	size_t		 pl_line;	/* index in cf_lines */
};
struct pbx_agent_map {
	char		*pa_agent;	/* "PJSIP/8001", an extension */
	size_t		 pa_op;		/* index in cf_ops */
};
struct pbx_conf {
	char		*px_queue_log;	/* followed; NULL: none */
	long		 px_poll_ms;	/* looked at this often */
	struct pbx_line_map *px_lines;
	size_t		 px_nlines;
	struct pbx_agent_map *px_agents;
	size_t		 px_nagents;
	long		 px_short_abandon_s; /* a hang-up this soon: not lost */
	long		 px_sla_s;	/* answered within: service level */
	long		 px_unlogged_s;	/* answered, no logged call after */
	size_t		 px_cb_queue;	/* missed callers: the queue's index */
	int		 px_cb_on;	/* missed callers get a callback item */
	int		 px_cb_priority;
	unsigned char	 px_cb_key[32];	/* AES-256-GCM of their numbers */
};

/* care: the care register's lists and contact plan (config_care.c). */
#define CARE_DATE_LEN	11	/* "YYYY-MM-DD" and its NUL */
struct care_conf {
	struct code_list cc_teams;	/* 援鄂医疗队, 定点医院救治队, ... */
	struct code_list cc_difficulties; /* childcare, elder care, ... */
	struct code_list cc_categories;	/* the forms' 人员类别: 医生, ... */
	long		 cc_every_days;	/* a contact every N days */
	char		 cc_end_date[CARE_DATE_LEN]; /* care ends; "": open */
};

/*
 * A follow-up plan (plans in the config): matched like a route (its
 * criteria, queue and priority in pc_match), first match wins; each step
 * becomes a queue item due at its offset after the call is logged.
 */
#define PLAN_MAX_STEPS	12
struct plan_conf {
	char		 *pc_code;
	char		 *pc_name;
	struct route_rule pc_match;
	int64_t		  pc_steps[PLAN_MAX_STEPS]; /* offsets (s), rising */
	size_t		  pc_nsteps;
	long		  pc_attempts;	/* attempts per step, then escalate */
	int64_t		  pc_retry_s;	/* wait between two attempts */
};

/*
 * The crisis fields a call must carry from a risk level up (crisis in
 * the config): a bit per index in crisis_fields.
 */
struct crisis_conf {
	int		 cc_from;	/* rank in cf_risks; -1: none required */
	unsigned int	 cc_require;
};

#define SHIFT_MAX	8

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

/* The store's checkpoints (store_wal.c), unless the config says otherwise. */
#define STORE_WAL_PAGES		1000	/* PASSIVE at this many pages */
#define STORE_WAL_MAX_MB	64	/* RESTART at this size */
#define STORE_WAL_IDLE_MS	1000	/* TRUNCATE after this long idle */

struct config {
	char		*cf_path;
	char		*cf_timezone;
	int		 cf_facility;
	char		*cf_db_path;
	long		 cf_busy_ms;
	long		 cf_wal_pages;	/* store_wal.c's thresholds */
	long		 cf_wal_max_mb;
	long		 cf_wal_idle_ms;
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
	struct plan_conf *cf_plans;	/* first match wins */
	size_t		 cf_nplans;
	int		 cf_shifts[SHIFT_MAX]; /* shift starts, minutes after
					   local midnight, rising */
	size_t		 cf_nshifts;
	struct operator	*cf_ops;
	size_t		 cf_nops;
	char		*cf_web_root;	/* the console's files, or NULL */
	long		 cf_session_idle_s;	/* a console session ends when
						   idle this long */
	long		 cf_session_max_s;	/* or this long after sign-in */
	struct pbx_conf	 cf_pbx;
	struct crisis_conf cf_crisis;
	struct care_conf cf_care;
	char		*cf_user;	/* drop to this account, or NULL */
	uid_t		 cf_uid;
	gid_t		 cf_gid;
};

/* The two kinds of listener: the API and the status listener. */
enum listener_kind { LISTENER_API, LISTENER_STATUS };

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
	int	 c_emergency;		/* emergency services contacted */
	json_t	*c_crisis;		/* crisis.c's record, or NULL */
	int64_t	 c_created_at;
	int64_t	 c_updated_at;
	int64_t	 c_version;
	int64_t	 c_repeat_calls;
	int	 c_legal_hold;		/* exempt from retention */
	int64_t	 c_erased_at;		/* personal fields erased; 0: not */
	char	*c_pbx_call_id;		/* POST: the phone call it is */
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
	char	 qi_kind[16];		/* "referral", "callback",
					   "followup-N" (a plan's step N) */
	int	 qi_priority;
	char	 qi_state[16];		/* "waiting", "claimed", "done",
					   "cancelled" (a plan ended) */
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
	int	 qi_step;		/* a plan's step (1...); 0: none */
	int	 qi_attempts;		/* attempts made to reach the caller */
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
int64_t	clock_mono_usec(void);
int64_t	clock_mono_ms(void);

/* config.c */
#define RETENTION_GUIDELINE_DAYS 1095	/* three years: see config.c */
struct config	*config_load(const char *, char **);
int		 config_retention_short(const struct config *, char *, size_t);
void		 config_free(struct config *);
const struct code_name *config_find(const struct code_list *, const char *);
int		 config_risk_rank(const struct config *, const char *);
const struct operator *config_op_by_uid(const struct config *, uid_t);
const struct operator *config_op_by_name(const struct config *,
		    const char *);
const struct operator *config_op_by_token(const struct config *,
		    const unsigned char *);
const char	*config_role_name(enum role);
int		 config_parse_facility(const char *);

/* config_pbx.c */
const char	*config_pbx_line(const struct config *, const char *);
const char	*config_pbx_operator(const struct config *, const char *);

/* config_care.c */
const struct code_name *config_care_code(const struct code_list *,
		    const char *);
int	 config_care_day_parse(const char *, int64_t *);
void	 config_care_day_format(int64_t, char *, size_t);
int64_t	 config_care_day_of(int64_t);
int64_t	 config_care_day_start(int64_t);

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
int	 call_fail(struct call_error *, const char *, const char *,
	    const char *, ...) __attribute__((format(printf, 4, 5)));
size_t	 call_utf8_len(const char *);
#define CALL_SHOW_PERSONAL	0x01

/* crisis.c */
extern const char *const crisis_fields[];
extern const char *const crisis_agencies[];
extern const char *const crisis_confirmed[];
extern const char *const crisis_screener[];
extern const char *const crisis_safety[];
extern const char *const crisis_timeframes[];
extern const char *const crisis_answers[];
int	 crisis_required(const struct config *, const char *, const json_t *,
	    struct call_error *);
int	 crisis_required_patch(const struct config *, const struct call *,
	    const json_t *, struct call_error *);
int	 crisis_from_json(json_t *, int64_t, int64_t, json_t **,
	    struct call_error *);
void	 crisis_to_json(const json_t *, json_t *);
int	 crisis_pending(const json_t *);

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
const struct plan_conf *route_plan(const struct config *,
		    const struct call *);

/* password.c */
#define PASSWORD_HASH_MAX	128
int	password_hash_ok(const char *);
int	password_hash(const char *, char *, size_t);
int	password_check(const char *, const char *);

/* digest.c */
int	digest_sha256(const void *, size_t, unsigned char *);
int	digest_hex_decode(const char *, unsigned char *, size_t);
void	digest_hex_encode(const unsigned char *, size_t, char *);

/* tls.c */
struct ssl_ctx_st *tls_ctx_new(const char *, const char *, const char **,
		    char *, size_t);
struct bufferevent *tls_bufferevent(struct event_base *,
		    struct ssl_ctx_st *);
int		 tls_ctx_days_left(struct ssl_ctx_st *, int *);
#define TLS_WARN_DAYS	30	/* warn of a certificate this near its end */

/* notify.c: the service manager's protocols (sd_notify, LISTEN_FDS). */
struct notify_fd {
	char	*nf_name;	/* FileDescriptorName=, or "unknown" */
	int	 nf_fd;
	int	 nf_used;	/* adopted by a listener */
};
int	 notify_init(char **);
int	 notify_enabled(void);
uint64_t notify_watchdog_usec(void);
/* How long each notify_extend() gives: an hour. */
#define NOTIFY_EXTEND_S	3600
void	 notify_extend(const char *);
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

#endif /* HOTLINED_H */
