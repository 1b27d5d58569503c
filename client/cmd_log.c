/*
 * hotline log: log a call. On a terminal without the required flags, the
 * form (form.c) asks for the whole call. The request is retried with the
 * same Idempotency-Key, so a call is stored once.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hotline.h"

#define CMD_LOG_ATTEMPTS	4
#define CMD_LOG_BACKOFF_MS	250	/* doubled after each attempt */
#define CMD_LOG_KEY_MAX		128	/* the API's limit */

enum { CMD_LOG_OPT_KEY = 512, CMD_LOG_OPT_PBX };

static const struct option cmd_log_extra[] = {
	OPT_COMMON,
	{ "idempotency-key", required_argument, NULL, CMD_LOG_OPT_KEY },
	{ "pbx", no_argument, NULL, CMD_LOG_OPT_PBX },
	{ NULL, 0, NULL, 0 }
};

/* The fields a call must have. */
static const struct {
	const char	*field;
} cmd_log_required[] = {
	{ "line" }, { "caller_type" }, { "topics" }, { "risk" },
};
#define CMD_LOG_NREQUIRED \
	(sizeof cmd_log_required / sizeof cmd_log_required[0])

/* 1 to 128 printable ASCII characters, as the API asks. */
static int
cmd_log_valid_key(const char *key)
{
	size_t	n = strlen(key), i;

	for (i = 0; i < n; i++)
		if (key[i] < 0x21 || key[i] > 0x7e)
			return 0;
	return n > 0 && n <= CMD_LOG_KEY_MAX;
}

static int	cmd_log_pbx;	/* --pbx: from the latest phone call */

static int
cmd_log_option(struct hl *hl, struct fields *f, const char **key, int c,
    char **argv)
{
	int	rv;

	switch (c) {
	case 'j':
		hl->json = 1;
		return -1;
	case 'h':
		usage_print(stdout, "log");
		return EXIT_OK;
	case CMD_LOG_OPT_KEY:
		if (!cmd_log_valid_key(optarg))
			return msg_usage("log", _("--idempotency-key: 1 to 128 "
			    "printable ASCII characters, no blanks"));
		*key = optarg;
		return -1;
	case CMD_LOG_OPT_PBX:
		cmd_log_pbx = 1;
		return -1;
	}
	if ((rv = fields_option(f, "log", c, optarg)) == 1)
		return -1;
	return rv != 0 ? rv : opt_bad("log", c, argv);
}

/* Parse the options. -1 to go on, else an exit status. */
static int
cmd_log_options(struct hl *hl, struct fields *f, const char **key, int argc,
    char **argv)
{
	struct option	*opts = fields_long_options(cmd_log_extra);
	int		 c, rv = -1;

	while (rv == -1 && (c = getopt_long(argc, argv,
	    ":h" FIELDS_SHORT_OPTIONS, opts, NULL)) != -1)
		rv = cmd_log_option(hl, f, key, c, argv);
	free(opts);
	if (rv == -1 && optind < argc)
		rv = msg_usage("log", _("unexpected argument '%s'"), argv[optind]);
	return rv;
}

/* Without a terminal to ask on, a missing field is the caller's mistake. */
static int
cmd_log_missing(const json_t *set)
{
	char	*list = xstrdup(""), *next;
	size_t	 i;
	int	 rv;

	for (i = 0; i < CMD_LOG_NREQUIRED; i++) {
		if (json_object_get(set, cmd_log_required[i].field) != NULL)
			continue;
		next = xasprintf("%s%s--%s", list, list[0] ? ", " : "",
		    fields_option_name(cmd_log_required[i].field));
		free(list);
		list = next;
	}
	if (list[0] == '\0') {
		free(list);
		return 0;
	}
	rv = msg_usage("log", _("missing %s (required)"), list);
	free(list);
	return rv;
}

/*
 * Fill in the required fields. On a terminal, when one is missing, the
 * form asks for the whole call (the flags given are kept), and when none
 * is, for the crisis fields the server requires at the call's risk;
 * elsewhere a missing field is a usage error.
 */
static int
cmd_log_require(struct hl *hl, json_t *set, time_t started)
{
	size_t	i;

	for (i = 0; i < CMD_LOG_NREQUIRED; i++)
		if (json_object_get(set, cmd_log_required[i].field) == NULL)
			break;
	/* All given: on a terminal, the crisis fields the risk requires. */
	if (i == CMD_LOG_NREQUIRED && isatty(STDIN_FILENO) &&
	    form_crisis(hl, set, set) == -1) {
		msg_error(_("nothing was logged"));
		return EXIT_ERROR;
	}
	if (i == CMD_LOG_NREQUIRED)
		return 0;
	if (!isatty(STDIN_FILENO))
		return cmd_log_missing(set);
	return form_run(hl, set, started);
}

static void
cmd_log_sleep(long ms)
{
	struct timespec	ts = { ms / 1000, ms % 1000 * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* Whether to send again: no answer, the server's own trouble (5xx) or its
 * limits (429). */
static int
cmd_log_should_retry(struct hl *hl, int rv, const struct http_response *resp,
    long backoff)
{
	const char	*msg;

	if (rv == API_TRANSPORT && api_transport_tls(hl))
		return 0;	/* a certificate does not fix itself */
	if (rv == API_TRANSPORT)
		msg_note(_("%s; trying again"), api_transport_error(hl));
	else if (rv == API_OK && api_later(resp->status)) {
		msg = json_string_value(json_object_get(resp->body, "message"));
		msg_note(_("the server answered HTTP %ld%s%s; trying again"),
		    resp->status, msg != NULL ? ": " : "", msg != NULL ? msg : "");
	} else
		return 0;
	cmd_log_sleep(backoff);
	return 1;
}

/* Why the last attempt failed, for the spool and the operator. */
static char *
cmd_log_reason(struct hl *hl, int rv, const struct http_response *resp)
{
	const char	*msg;

	if (rv == API_TRANSPORT)
		return xstrdup(api_transport_error(hl));
	msg = json_string_value(json_object_get(resp->body, "message"));
	return xasprintf(_("the server answered HTTP %ld%s%s"), resp->status,
	    msg != NULL ? ": " : "", msg != NULL ? msg : "");
}

/*
 * POST the call, retrying with the same key; the record, or NULL. When
 * no attempt got an answer, or only the server's own trouble (5xx),
 * *spool is set with the reason (caller frees): the call is to be saved.
 */
static json_t *
cmd_log_post(struct hl *hl, const json_t *body, const char *key,
    long *status, char **spool)
{
	struct http_response	 resp;
	char			*hdr = xasprintf("Idempotency-Key: %s", key);
	const char		*headers[] = { hdr, NULL };
	long			 backoff = CMD_LOG_BACKOFF_MS;
	int			 attempt, rv;

	*spool = NULL;
	for (attempt = 1;; attempt++, backoff *= 2) {
		rv = api_request(hl, "POST", "/v1/calls", body, headers, &resp);
		if (attempt == CMD_LOG_ATTEMPTS ||
		    !cmd_log_should_retry(hl, rv, &resp, backoff))
			break;
		http_response_free(&resp);
	}
	free(hdr);
	*status = resp.status;
	if (rv == API_FAILED)
		return NULL;
	if (rv == API_TRANSPORT || api_later(resp.status))
		*spool = cmd_log_reason(hl, rv, &resp);
	else if (resp.status < 200 || resp.status > 299)
		api_report(hl, &resp);
	else if (resp.body == NULL)
		msg_error(_("%s answered with something that is not JSON; the "
		    "call is logged, but its id is unknown"), hl->server);
	else
		return resp.body;
	http_response_free(&resp);
	return NULL;
}

/* " → 青岛市精神卫生中心, priority 2": where the call was routed. */
static void
cmd_log_print_queue(struct hl *hl, json_t *queue)
{
	const char	*code = json_string_value(json_object_get(queue, "code"));
	const char	*name = schema_name(hl, "queues", code);
	json_t		*prio = json_object_get(queue, "priority");
	char		*shown;

	if (code == NULL)
		return;
	shown = record_clean(name != NULL ? name : code, 0);
	printf(" → %s", shown);
	if (json_is_integer(prio))
		printf(_(", priority %lld"), (long long)json_integer_value(prio));
	free(shown);
}

/* "follow-up callback in 青岛市精神卫生中心 from 2020-02-18 10:00" */
static void
cmd_log_print_callback(struct hl *hl, json_t *item)
{
	const char	*code = json_string_value(json_object_get(item, "code"));
	const char	*name = schema_name(hl, "queues", code);
	char		*shown, *due;

	if (code == NULL)
		return;
	shown = record_clean(name != NULL ? name : code, 0);
	due = record_value_text(hl, "callback_at", json_object_get(item,
	    "due_at"));
	printf(_("follow-up callback in %s, claimable from %s\n"), shown, due);
	free(shown);
	free(due);
}

/*
 * "logged call 42 → 青岛市精神卫生中心, priority 2", then a line for a
 * callback's follow-up item.
 */
static void
cmd_log_print(struct hl *hl, json_t *rec, long status)
{
	json_t		*queue = json_object_get(rec, "queue"), *it;
	json_int_t	 repeats;
	const char	*kind;
	size_t		 i;

	printf(_("logged call %lld"),
	    (long long)json_integer_value(json_object_get(rec, "id")));
	kind = json_string_value(json_object_get(queue, "kind"));
	if (json_is_object(queue) && (kind == NULL ||
	    strcmp(kind, "callback") != 0))
		cmd_log_print_queue(hl, queue);
	if (status == 200)
		printf(_(" (already stored by an earlier attempt)"));
	putchar('\n');
	json_array_foreach(json_object_get(rec, "queue_items"), i, it) {
		kind = json_string_value(json_object_get(it, "kind"));
		if (kind != NULL && strcmp(kind, "callback") == 0)
			cmd_log_print_callback(hl, it);
	}
	repeats = json_integer_value(json_object_get(rec, "repeat_calls"));
	if (repeats > 0)
		printf(ngettext("this number has called %lld time before\n",
		    "this number has called %lld times before\n",
		    (unsigned long)repeats), (long long)repeats);
}

/*
 * A call logged without --started began when it was logged: a call that
 * is saved to be sent later says so, or it would get the time it reached
 * the server. Returns whether it added the time.
 */
static int
cmd_log_default_start(json_t *body)
{
	char		 buf[TIMEPARSE_RFC3339_LEN];
	struct tm	 tm;
	time_t		 now = time(NULL);

	if (json_object_get(body, "started_at") != NULL)
		return 0;
	gmtime_r(&now, &tm);
	strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_object_set_new(body, "started_at", json_string(buf));
	return 1;
}

/*
 * An emergency linkage given without --emergency-at was made while the
 * call was being logged: now.
 */
static void
cmd_log_default_emergency(json_t *body)
{
	char		 buf[TIMEPARSE_RFC3339_LEN];
	json_t		*em = json_object_get(body, "emergency");
	struct tm	 tm;
	time_t		 now = time(NULL);

	if (!json_is_object(em) || json_object_get(em, "agency") == NULL ||
	    json_object_get(em, "contacted_at") != NULL)
		return;
	gmtime_r(&now, &tm);
	strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_object_set_new(em, "contacted_at", json_string(buf));
}

/*
 * The call could not reach the server: save it to be sent later. flags
 * as for spool_save(); a start time is added here if none was given.
 */
static int
cmd_log_spool(struct hl *hl, const json_t *body, const char *key, int flags,
    const char *reason)
{
	json_t	*saved = json_deep_copy(body);
	char	*file;
	int	 rv;

	msg_note("%s", reason);
	if (cmd_log_default_start(saved))
		flags |= SPOOL_DEFAULT_START;
	file = spool_save(hl, "log", "POST", "/v1/calls", key, 0, saved,
	    flags, reason);
	json_decref(saved);
	if (file == NULL) {
		fprintf(stderr, _("hotline: the call is NOT logged and could "
		    "not be saved locally: write it down; to retry without risk "
		    "of storing it twice, run the same command with\n"
		    "  --idempotency-key %s\n"), key);
		return EXIT_ERROR;
	}
	rv = cmd_sync_spooled(hl, "call", file);
	free(file);
	return rv;
}

static int
cmd_log_send(struct hl *hl, json_t *body, const char *key)
{
	char	 fresh[UUID_LEN], *spool;
	json_t	*rec;
	long	 status;
	int	 rv;

	if (key == NULL) {
		if (uuid_v4(fresh) == -1) {
			msg_error(_("cannot make an idempotency key: %s"),
			    strerror(errno));
			return EXIT_ERROR;
		}
		key = fresh;
	}
	/* Local times need the server's timezone: without the server, they
	   are saved as typed and resolved when the call is sent. */
	if (fields_resolve_times(hl, body) == -1)
		return hl->last_status != 0 && hl->last_status < 500 ?
		    EXIT_ERROR : cmd_log_spool(hl, body, key,
		    SPOOL_RESOLVE_TIMES, "the server's timezone is needed for "
		    "the times given");
	if ((rec = cmd_log_post(hl, body, key, &status, &spool)) == NULL) {
		if (spool == NULL)
			return EXIT_ERROR;
		rv = cmd_log_spool(hl, body, key, 0, spool);
		free(spool);
		return rv;
	}
	if (hl->json)
		opt_json(rec);
	else
		cmd_log_print(hl, rec, status);
	json_decref(rec);
	return EXIT_OK;
}

int
cmd_log(struct hl *hl, int argc, char **argv)
{
	struct fields	 f;
	const char	*key = NULL;
	time_t		 started = time(NULL);	/* the phone rang */
	int		 rv;

	fields_init(&f);
	if ((rv = cmd_log_options(hl, &f, &key, argc, argv)) == -1 &&
	    (rv = fields_check(&f, "log", 0)) == 0 &&
	    (rv = cmd_log_pbx ? cmd_pbx_latest(hl, f.set) : -1) == -1 &&
	    (rv = cmd_log_require(hl, f.set, started)) == 0) {
		cmd_log_default_emergency(f.set);
		rv = cmd_log_send(hl, f.set, key);
	}
	fields_free(&f);
	return rv;
}
