/*
 * The API's own header, included only by api*.c: the request, the write
 * and the jobs in flight, and the functions the resource files share.
 * What the top (server.c) calls is in server.h.
 */
#ifndef HOTLINED_API_H
#define HOTLINED_API_H

#include <sys/queue.h>

#include <event2/keyvalq_struct.h>

#include "server.h"

#define API_LIST_LIMIT	50	/* a list's default length */
#define API_LIMIT_KEYS	8192	/* identities and peers remembered */
#define API_FAILS_MAX	64	/* failed authentications audited a turn */
#define API_LIMIT_KEYS	8192	/* identities and peers remembered */

#define R_ANON		(1 << ROLE_NONE)	/* no identity needed */
#define R_OPERATOR	(1 << ROLE_OPERATOR)
#define R_COUNSELOR	(1 << ROLE_COUNSELOR)
#define R_SUPERVISOR	(1 << ROLE_SUPERVISOR)
#define R_ADMIN		(1 << ROLE_ADMIN)
#define R_PBX		(1 << ROLE_PBX)	/* its events, nothing else */
#define R_LIAISON	(1 << ROLE_LIAISON)	/* the care register */
#define R_ANY		(R_OPERATOR | R_COUNSELOR | R_SUPERVISOR | R_ADMIN)
#define R_ALL		(R_ANY | R_LIAISON)	/* who am I, sessions */
#define R_CARE		(R_LIAISON | R_SUPERVISOR | R_ADMIN)
#define R_QUEUE		(R_COUNSELOR | R_SUPERVISOR | R_ADMIN)
#define R_READ_ALL	(R_SUPERVISOR | R_ADMIN)

/* One request being handled. */
struct ctx {
	struct api		*x_api;
	struct listener		*x_l;		/* the request came in on */
	struct evhttp_request	*x_req;
	struct identity		 x_id;
	const char		*x_path;
	struct evkeyvalq	 x_query;
	int			 x_method;
	int			 x_cookie;	/* known by a session cookie */
	unsigned char		 x_sha[SHA256_LEN]; /* its id's hash */
};

/* A call shown with its personal fields in a list, maybe through an item. */
struct read_ref {
	int64_t		 rr_call;
	int64_t		 rr_item;
};

/* The calls a list shows with their personal fields, to be audited. */
struct read_set {
	struct read_ref	*rs_v;
	size_t		 rs_n;
	size_t		 rs_cap;
	int		 rs_oom;
};

/* A validated write waiting for the pump. */
struct write {
	struct batch_job	 w_job;		/* first: the job is the write */
	struct ctx		 w_x;		/* identity copied into id_buf */
	json_t			*w_body;
	char			*w_key;		/* Idempotency-Key, or NULL */
	char			 w_fp[2 * SHA256_LEN + 1];
	struct call		 w_call;	/* POST: the validated call */
	int64_t			 w_id;		/* PATCH: the call; an item;
						   an export's row */
	struct read_ref		*w_refs;	/* a read: the calls shown */
	size_t			 w_nrefs;
	char			 w_detail[64];	/* a list: which one */
	const char		*w_action;	/* a read: "call.read", ... */
	long long		 w_want;	/* PATCH: If-Match, or -1 */
	char			 w_queue[40];	/* claim: the queue */
	enum queue_action	 w_act;		/* an item: what to do */
	void			(*w_run)(struct write *);
};

/* The parts of a statistics answer: the calls', phone, follow-up, crisis. */
#define STATS_NPARTS	4

/* A statistics request being read a slice per loop turn. */
struct stats_run {
	TAILQ_ENTRY(stats_run)	 sj_entry;
	struct api		*sj_api;
	struct evhttp_request	*sj_req;
	struct listener		*sj_l;		/* sj_req came in on */
	struct stats_req	*sj_job;
	struct event		*sj_ev;
	json_t			*sj_phone;	/* the phone measures */
	struct stats_more	*sj_more;	/* follow-up and crisis */
	json_t			*sj_care;	/* the care register's */
	/* Once read, the answer written a few groups a loop turn. */
	struct evbuffer		*sj_out;
	struct stats_part	 sj_part[STATS_NPARTS];
	json_t			*sj_phone_groups;
	size_t			 sj_p, sj_i;	/* part p, its group i next */
	int			 sj_open;	/* part p's head written */
};

/* An export being streamed, a page of calls at a time. */
struct export {
	TAILQ_ENTRY(export)	 e_entry;
	struct ctx		 e_x;		/* identity copied */
	struct evhttp_connection *e_conn;
	struct call_filter	 e_f;		/* range and cursor */
	int			 e_csv;
	int			 e_names;	/* CSV: headings for people */
	int			 e_sheet;	/* xlsx */
	struct export_xlsx	*e_xlsx;	/* a spreadsheet being written */
	struct event		*e_ev;		/* its next page */
	int			 e_fd;		/* the spreadsheet written */
	int			 e_personal;
	int64_t			 e_log_id;	/* its row in exports */
	int64_t			 e_rows;
	struct export_line	 e_line;	/* CSV, xlsx: a row's values */
	struct evbuffer		*e_out;		/* CSV: the page's lines */
};
TAILQ_HEAD(exportq, export);

struct api {
	struct event_base	*a_base;
	struct batch		*a_batch;
	struct store		*a_store;
	const struct config	*a_cf;
	struct exportq		 a_exports;
	TAILQ_HEAD(, stats_run)	 a_stats;
	int			 a_stopping;
	struct auth_fail	*a_fails;	/* failed authentications not
						   yet in the audit trail */
	size_t			 a_nfails;
	uint64_t		 a_fails_more;	/* beyond API_FAILS_MAX */
	struct limit_tab	*a_rate;	/* requests by identity */
	struct limit_tab	*a_auth;	/* failed auths by peer */
	int64_t			 a_full_logged;	/* a_auth full: last said */
	struct work		*a_signins;	/* api_signin.c's thread */
	struct work		*a_care_reads;	/* api_care_read.c's thread */
};

/*
 * A peer's failed authentications in this loop turn: one audit row each,
 * written by the pump with the turn's other writes. A flood of bad tokens
 * costs at most API_FAILS_MAX rows per turn, plus one that counts the
 * rest.
 */
struct auth_fail {
	char			 af_peer[64];
	int			 af_unix;
	uint64_t		 af_n;
};

enum route_id { RT_SCHEMA, RT_WHOAMI, RT_CALLS, RT_CALL, RT_QUEUES, RT_QUEUE,
    RT_CLAIM, RT_ITEM, RT_ITEM_ACT, RT_STATS, RT_EXPORT, RT_AUDIT,
    RT_SESSION, RT_PBX_EVENTS, RT_PBX_UNLOGGED, RT_PBX_LATEST, RT_ATTEMPT,
    RT_PLAN, RT_PLAN_END, RT_HANDOVER, RT_CARE_PEOPLE, RT_CARE_PERSON,
    RT_CARE_CONTACTS, RT_CARE_PERSON_DIFFS, RT_CARE_DIFFS, RT_CARE_DIFF,
    RT_CARE_END, RT_CARE_LINK, RT_CARE_IMPORT, RT_CARE_EXPORT };

/* Which roles may use each method of each route: the one role check. */
struct route {
	enum route_id	 rt_id;
	const char	*rt_allow;	/* the Allow header */
	int		 rt_get;	/* roles for GET and HEAD */
	int		 rt_post;
	int		 rt_patch;
	int		 rt_delete;
};

/* api_route.c */
const struct route *api_route(const char *, int64_t *, char *, size_t,
    const char **);

/* api.c */
void	api_send(struct evhttp_request *req, int code, struct evbuffer *body);
struct evbuffer *api_json_body(struct evhttp_request *req, json_t *o);
void	api_reply(struct ctx *x, int code, json_t *o);
void	api_reply_body(struct ctx *x, int code, struct evbuffer *body);
void	api_error_send(struct evhttp_request *req, int code, const char *kind,
	    const char *field, const char *msg);
void	api_error(struct ctx *x, int code, const char *kind, const char *field,
	    const char *fmt, ...)
	    __attribute__((format(printf, 5, 6)));
void	api_store_error(struct ctx *x, const char *what);
json_t *api_body(struct ctx *x);
void	api_ctx_keep(struct ctx *dst, const struct ctx *x);
void	api_write_queue(struct ctx *x, struct write *w);
void	api_write_free(struct write *w);
struct write *api_write_new(struct ctx *x);


/* api_admit.c */
int	api_admit(struct ctx *x, int anon, char *peer, size_t plen);
int	api_header_count(struct ctx *x);
void	api_auth_failed(struct api *a, struct ctx *x, const char *peer);

/* api_view.c */
int	api_show_flags(const struct ctx *x, const struct call *c);
json_t *api_call_json_items(struct ctx *x, const struct call *c,
	    const struct queue_item *v, size_t n);
json_t *api_call_json(struct ctx *x, const struct call *c);
void	api_schema(struct ctx *x);
void	api_whoami(struct ctx *x);

/* api_param.c */
int	api_query_check(struct ctx *x, const char *const *known);
int	api_time_param(struct ctx *x, const char *name, int is_end,
	    int64_t *out);
void	api_strv_free(char **v, size_t n);
int	api_limit_param(struct ctx *x, long *out);
json_t *api_cursor_json(const struct call *c);
int	api_list_filter(struct ctx *x, struct call_filter *f);
int	api_range(struct ctx *x, int64_t *from, int64_t *to);

/* api_calls.c */
void	api_calls_post(struct ctx *x);
void	api_calls_list(struct ctx *x);
void	api_reply_read(struct ctx *x, const char *operator, int64_t call_id,
	    int64_t item_id, json_t *o);
void	api_read_note(struct ctx *x, struct read_set *rs, const struct call *c,
	    int flags, int64_t item);
void	api_reply_list(struct ctx *x, struct read_set *rs, const char *detail,
	    json_t *o);
void	api_read_run(struct write *w);
void	api_call_get(struct ctx *x, int64_t id);
void	api_call_patch(struct ctx *x, int64_t id);

/* api_queues.c */
json_t *api_item_json(struct ctx *x, const struct queue_item *it,
	    struct read_set *rs);
void	api_queues(struct ctx *x);
void	api_queue_fail(struct ctx *x, int rc, const char *why,
	    const char *what);
void	api_queue_items(struct ctx *x, const char *queue);
void	api_item_get(struct ctx *x, int64_t id);
void	api_queue_claim(struct ctx *x, const char *queue);
void	api_item_act(struct ctx *x, int64_t id, const char *verb);

/* api_plans.c */
void	api_item_attempt(struct ctx *x, int64_t id);
void	api_plan_end(struct ctx *x, int64_t id);
void	api_plan_get(struct ctx *x, int64_t id);

/* api_handover.c */
void	api_handover(struct ctx *x);

/* api_stats.c */
void	api_stats(struct ctx *x);
void	api_stats_drop(struct stats_run *j, const char *kind, const char *why);
void	api_stats_abort(struct api *a);

/* api_export.c */
void	api_export_free(struct export *e);
void	api_export_begin_run(struct write *w);
void	api_export(struct ctx *x);
void	api_exports_abort(struct api *a);

/* api_audit.c */
void	api_audit_authfail(struct ctx *x);
void	api_fails_run(struct write *w);
void	api_audit(struct ctx *x);

/* api_work.c: a job of a request, run off the loop, answered on it. */
struct work_job {
	TAILQ_ENTRY(work_job)	 wj_entry;
	struct ctx		 wj_x;		/* api_ctx_keep'd */
	void			(*wj_run)(struct work_job *);	/* thread */
	void			(*wj_done)(struct ctx *, struct work_job *);
	void			(*wj_free)(struct work_job *);
	int			 wj_gone;	/* answered: only free it */
};

/* A kind of job: the thread's name, its limit, and its 503s' messages. */
struct work_kind {
	const char		*kd_what;	/* "the sign-in thread" */
	size_t			 kd_max;	/* jobs waiting at once */
	const char		*kd_busy;	/* after "%zu " kd_max */
	const char		*kd_stopping;	/* the daemon stops */
	const char		*kd_removed;	/* a reload removed the listener */
};

struct work;
struct work *api_work_start(struct api *a, const struct work_kind *k);
void	api_work_stop(struct work *wk);
void	api_work_drop(struct work *wk, const struct listener *l);
int	api_work_busy(struct ctx *x, const struct work *wk);
void	api_work_queue(struct work *wk, struct ctx *x, const char *path,
	    struct work_job *j);

/* api_signin.c */
extern const struct work_kind api_signin_kind;
void	api_signin_queue(struct ctx *x, const char *peer, const char *name,
	    const char *plain, const char *hash, void (*done)(struct ctx *,
	    const char *, const char *, const char *, int));

/* api_care_read.c: a form's bytes into the write's body, or NULL with
   *cause (a file that cannot be read) or without (out of memory). */
typedef json_t	*(*api_care_read_fn)(const void *, size_t, char **);
typedef void	 (*api_care_done_fn)(struct ctx *, json_t *, json_t *,
		    const char *);
extern const struct work_kind api_care_read_kind;
void	api_care_read_queue(struct ctx *x, json_t *args, api_care_read_fn fn,
	    api_care_done_fn done);

/* api_session.c */
void	api_session_post(struct ctx *x, const char *peer);
void	api_session_get(struct ctx *x);
void	api_session_delete(struct ctx *x);
int	api_session_cookie(struct ctx *x);
int	api_session_origin_ok(struct ctx *x);
int	api_session_none(struct ctx *x);

/* api_pbx.c */
void	api_pbx_event(struct ctx *x);
void	api_pbx_unlogged(struct ctx *x);
void	api_pbx_latest(struct ctx *x);
int	api_pbx_join(struct ctx *x, json_t *body, struct call *c);
int	api_pbx_link(struct ctx *x, const struct call *c);

/* api_care.c */
void	api_care_people(struct ctx *x);
void	api_care_person_post(struct ctx *x);
void	api_care_person_get(struct ctx *x, int64_t id);
void	api_care_person_patch(struct ctx *x, int64_t id);
void	api_care_contact_post(struct ctx *x, int64_t id);
void	api_care_difficulty_post(struct ctx *x, int64_t id);
void	api_care_difficulties(struct ctx *x);
void	api_care_difficulty_patch(struct ctx *x, int64_t id);
void	api_care_end_date(struct ctx *x);
void	api_care_link(struct ctx *x, int64_t id);
void	api_care_of_call(struct ctx *x, const struct call *c, json_t *o);

/* api_care_io.c */
void	api_care_import(struct ctx *x);
void	api_care_export(struct ctx *x);

/* api_web.c */
void	api_web(struct ctx *x, const char *root);

#endif /* HOTLINED_API_H */
