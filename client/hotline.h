/*
 * hotline: the operators' command-line client for hotlined.
 * Shared types and every prototype, grouped by the file that defines them.
 */
#ifndef HOTLINE_H
#define HOTLINE_H

#include <getopt.h>
#include <stdio.h>
#include <time.h>

#include <libintl.h>

#include <jansson.h>

#ifndef HOTLINED_VERSION
#define HOTLINED_VERSION "unknown"
#endif

/* Exit statuses: the contract with scripts. */
#define EXIT_OK		0
#define EXIT_ERROR	1
#define EXIT_USAGE	2
#define EXIT_SPOOLED	3	/* --strict: saved locally, not yet sent */

#define HOTLINE_DEFAULT_SERVER	"unix:/run/hotlined/api.sock"
/* The status listener's socket in the production sample config. */
#define HOTLINE_DEFAULT_STATUS	"unix:/run/hotlined/status.sock"

#define PRINTFLIKE(a, b) __attribute__((format(printf, a, b)))

/*
 * Messages are English in the source and translated through the "hotline"
 * catalogue (po/); N_() marks a string in a table, translated where it is
 * shown.
 */
#define _(s)		gettext(s)
#define N_(s)		s
/* A word marked in context c, translated with msg_ctx(c, s). */
#define NC_(c, s)	s

struct http;
struct config;

/* One invocation's state, handed to every command. */
struct hl {
	const char	*config_path;	/* -C, or NULL for the default file */
	const char	*server_opt;	/* --server, or NULL */
	const char	*status_opt;	/* --status, or NULL */
	const char	*cacert_opt;	/* --cacert, or NULL */
	int		 insecure_plain; /* --insecure-plain */
	int		 plain_refused;	/* a request was refused for that:
					   exit 2 */
	int		 json;		/* --json: print the server's JSON */
	int		 strict;	/* --strict: a spooled request exits 3 */
	long		 last_status;	/* of the last answer; 0: none came */
	long		 timeout_s;	/* per request; 0: HOTLINE_TIMEOUT or
					   the default */
	char		*server;	/* the resolved address, for messages */
	char		*token;		/* never printed */
	char		*cacert;	/* the resolved CA file, or NULL */
	struct http	*http;		/* NULL until the first request */
	json_t		*schema;	/* GET /v1/schema, on first use */
};

/* One HTTP answer. */
struct http_response {
	long		 status;
	json_t		*body;		/* NULL when empty or not JSON */
};

/* api.c */
#define API_OK		 0	/* an answer came back (any status) */
#define API_TRANSPORT	-1	/* no answer: api_transport_error() says why */
#define API_FAILED	-2	/* could not even start; already reported */
int		 api_request(struct hl *, const char *, const char *,
		    const json_t *, const char *const *, struct http_response *);
int		 api_download(struct hl *, const char *, FILE *,
		    struct http_response *);
int		 api_upload(struct hl *, const char *, const void *, size_t,
		    struct http_response *);
const char	*api_transport_error(struct hl *);
int		 api_transport_tls(struct hl *);
int		 api_tls_setup(struct hl *, struct http *, const char *,
		    const struct config *);
int		 api_later(long);
json_t		*api_call(struct hl *, const char *, const char *,
		    const json_t *, const char *const *);
json_t		*api_get(struct hl *, const char *);
void		 api_report(const struct hl *, const struct http_response *);
void		 api_close(struct hl *);

/* cmd_sync.c */
int		 cmd_sync(struct hl *, int, char **);
void		 cmd_sync_quiet(struct hl *);
int		 cmd_sync_spooled(struct hl *, const char *, const char *);

/* cmd_audit.c */
int		 cmd_audit(struct hl *, int, char **);

/* cmd_amend.c */
int		 cmd_amend(struct hl *, int, char **);

/* cmd_list.c */
int		 cmd_list(struct hl *, int, char **);
int		 cmd_list_check_when(const char *, const char *, const char *);
char		*cmd_list_when(const char *, const char *);
void		 cmd_list_param(char **, const char *, const char *);

/* cmd_report.c */
int		 cmd_report(struct hl *, int, char **);

/* cmd_report_care.c */
void		 report_care_text(const json_t *, const json_t *);
void		 report_care_html(FILE *, const json_t *, const json_t *,
		    void (*)(FILE *, const char *));

/* cmd_stats.c */
int		 cmd_stats(struct hl *, int, char **);
int		 cmd_stats_range(struct hl *, const char *, const char *,
		    const char *, char **);
int		 cmd_export(struct hl *, int, char **);

/* cmd_log.c */
int		 cmd_log(struct hl *, int, char **);

/* cmd_queue.c */
int		 cmd_queue(struct hl *, int, char **);
int		 cmd_claim(struct hl *, int, char **);
int		 cmd_done(struct hl *, int, char **);
int		 cmd_release(struct hl *, int, char **);
int		 cmd_renew(struct hl *, int, char **);
void		 cmd_queue_print_missed(struct hl *, json_t *);
int		 cmd_queue_parse_id(const char *, const char *, long *);

/* cmd_item.c */
int		 cmd_item(struct hl *, int, char **);

/* cmd_plan.c */
int		 cmd_attempt(struct hl *, int, char **);
int		 cmd_plan(struct hl *, int, char **);
int		 cmd_handover(struct hl *, int, char **);
const char	*cmd_plan_result(const char *);
const char	*cmd_plan_reason(const char *);

/* cmd_pbx.c */
int		 cmd_unlogged(struct hl *, int, char **);
int		 cmd_pbx_latest(struct hl *, json_t *);

/* cmd_care.c */
int		 cmd_care(struct hl *, int, char **);

/* cmd_schema.c */
int		 cmd_schema(struct hl *, int, char **);

/* cmd_show.c */
int		 cmd_show(struct hl *, int, char **);
int		 cmd_show_parse_id(const char *, const char *, long *);

/* cmd_status.c */
int		 cmd_status(struct hl *, int, char **);

/* cmd_whoami.c */
int		 cmd_whoami(struct hl *, int, char **);

/* config.c */
struct config {
	char		*server;
	char		*token;
	char		*status;	/* the status listener */
	char		*cacert;	/* CA file for https:// servers */
};
int		 config_load(const char *, struct config *);
void		 config_free(struct config *);

/* form.c */
int		 form_run(struct hl *, json_t *, time_t);

/* crisis.c */
/* A fixed list of codes and their words, looked up in context ctx. */
struct crisis_words {
	const struct msg_word	*cw_words;
	size_t			 cw_n;
	const char		*cw_ctx;
};
extern const struct crisis_words crisis_screener, crisis_safety,
    crisis_assessment, crisis_answers, crisis_frames, crisis_agencies,
    crisis_outcomes;
const char	*crisis_word(const struct crisis_words *, const char *);
char		*crisis_items_text(const struct crisis_words *, json_t *);
char		*crisis_emergency_text(struct hl *, json_t *);
json_t		*crisis_choices(const struct crisis_words *);

/* detail.c */
char		*detail_text(struct hl *, const char *, const char *);

/* form_crisis.c */
int		 form_crisis(struct hl *, json_t *, const json_t *);

/* fields.c */
struct fields {
	json_t		*set;		/* the fields given; times as typed */
	json_t		*clear;		/* amend --clear: field names */
	int		 consent;	/* -1 not given, else 0 or 1 */
};
#define FIELDS_SHORT_OPTIONS	"l:c:t:r:d:o:"
void		 fields_init(struct fields *);
void		 fields_free(struct fields *);
struct option	*fields_long_options(const struct option *);
int		 fields_option(struct fields *, const char *, int,
		    const char *);
int		 fields_clear(struct fields *, const char *, const char *);
int		 fields_check(const struct fields *, const char *, int);
const char	*fields_option_name(const char *);
int		 fields_resolve_times(struct hl *, json_t *);

/* http.c */
int		 http_valid_server(const char *);
int		 http_plain_refused(const char *);
void		 http_set_cacert(struct http *, const char *);
int		 http_tls_failed(const struct http *);
struct http	*http_open(const char *, const char *);
void		 http_close(struct http *);
int		 http_download(struct http *, const char *, FILE *,
		    struct http_response *);
int		 http_request(struct http *, const char *, const char *,
		    const json_t *, const char *const *, struct http_response *);
int		 http_upload(struct http *, const char *, const void *, size_t,
		    struct http_response *);
const char	*http_error(const struct http *);
void		 http_set_timeout(struct http *, long);
void		 http_response_free(struct http_response *);

/* msg.c */
void		 msg_error(const char *, ...) PRINTFLIKE(1, 2);
void		 msg_note(const char *, ...) PRINTFLIKE(1, 2);
int		 msg_usage(const char *, const char *, ...) PRINTFLIKE(2, 3);
const char	*msg_ctx(const char *, const char *);
/* A code and the words a person reads for it (marked N_ or NC_). */
struct msg_word {
	const char	*code, *word;
};
const char	*msg_word(const struct msg_word *, size_t, const char *,
		    const char *);

/* opt.c */
/* Every command takes these besides its own. */
#define OPT_COMMON						\
	{ "json", no_argument, NULL, 'j' },			\
	{ "help", no_argument, NULL, 'h' }
void		 opt_json(const json_t *);
int		 opt_bad(const char *, int, char **);
int		 opt_common(struct hl *, const char *, int, char **);

/* prompt.c */
char		*prompt_ask(const char *, const char *);
int		 prompt_choice(const json_t *, const char *, const char *, int,
		    char **);
json_t		*prompt_codes(const json_t *, const char *, const char *);
char		*prompt_text(const char *, const char *);

/* record.c */
const char	*record_label(const char *);
char		*record_clean(const char *, int);
char		*record_value_text(struct hl *, const char *, json_t *);
const char	*record_item_word(const char *);
char		*record_item_kind(const char *);
char		*record_value_line(struct hl *, const char *, json_t *);
int		 record_is_redacted(json_t *, const char *);
char		*record_erased_text(json_t *, const char *);
void		 record_print_line(FILE *, const char *, const char *,
		    const char *);
void		 record_print(struct hl *, json_t *, FILE *);

/* schema.c */
json_t		*schema_get(struct hl *);
const json_t	*schema_list(struct hl *, const char *);
const char	*schema_name(struct hl *, const char *, const char *);
int		 schema_use_timezone(struct hl *);

/* spool.c */
#define SPOOL_RESOLVE_TIMES	0x01	/* local times: the server's zone */
#define SPOOL_DEFAULT_START	0x02	/* started_at added when saved */
char		*spool_dir(const char *, int);
char		*spool_save(struct hl *, const char *, const char *,
		    const char *, const char *, long long, const json_t *, int,
		    const char *);
char	       **spool_names(const char *);
void		 spool_names_free(char **);
size_t		 spool_pending(void);
json_t		*spool_read(const char *, const char *);
int		 spool_done(const char *);
int		 spool_reject(const char *, json_t *, long, const json_t *);
int		 spool_lock(int);
void		 spool_unlock(int);

/* table.c */
struct table;
struct table	*table_new(int);
void		 table_align_right(struct table *, int);
void		 table_add_row(struct table *, const char *const *);
void		 table_add_head(struct table *, const char *const *);
void		 table_print(const struct table *, FILE *, const char *);
void		 table_free(struct table *);
int		 table_width(const char *);

/* timeparse.c */
#define TIMEPARSE_RFC3339_LEN	32
int		 timeparse_duration(const char *, long *);
char		*timeparse_duration_text(long);
int		 timeparse_is_date(const char *);
int		 timeparse_is_zoned(const char *);
int		 timeparse_time(const char *, time_t *);
void		 timeparse_rfc3339(time_t, char *, size_t);
int		 timeparse_local(const char *, const char *, char *, size_t);
void		 timeparse_today(char *, size_t);

/* usage.c */
int		 usage_print(FILE *, const char *);
int		 usage_known(const char *);

/* uuid.c */
#define UUID_LEN	37
int		 uuid_v4(char *);

/* xmalloc.c */
void		*xmalloc(size_t);
void		*xcalloc(size_t, size_t);
void		*xreallocarray(void *, size_t, size_t);
char		*xstrdup(const char *);
char		*xasprintf(const char *, ...) PRINTFLIKE(1, 2);

#endif /* HOTLINE_H */
