/*
 * Fuzz the API's request path: routing, the role check, the query string
 * of every route, the body of POST and PATCH (call_from_json, call_patch,
 * an item's resolution), If-Match and Idempotency-Key, through to the
 * answer. The request is handed to api_request() itself, the evhttp
 * callback of a real API listener, with a real store, queues and
 * statistics, on conf/dev.conf (read from the working directory); the
 * loop then runs until the request is answered (queued writes committed,
 * statistics read a slice per turn), or for FUZZ_TURNS turns, after which
 * the daemon's parts stop as on SIGTERM and start again: a request not
 * answered even then is a finding. Every FUZZ_RESTART inputs the daemon stops as
 * it does on SIGTERM and starts again on an empty store, which keeps the
 * run fast (and the stop is exercised with what is still waiting).
 *
 * An input reads like an HTTP request without the protocol:
 *
 *	USER METHOD TARGET
 *	Header: value		(any number, then an empty line)
 *	body
 *
 * USER is a dev.conf operator (wang, li, zhao, zhou, chen, ops): the request
 * carries that operator's bearer token; any other word sends none.
 *
 * Not covered: GET /v1/export streams its answer on the connection, which
 * a request made here does not have (its from, to and format are checked
 * by the code /v1/stats uses, which is covered).
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/http_struct.h>
#include <event2/keyvalq_struct.h>
#include <sqlite3.h>

#include "server.h"
#include "store_int.h"	/* store_handle(): synchronous=OFF, for speed */
#include "fuzz.h"

#define FUZZ_CONF	"conf/dev.conf"
#define FUZZ_TURNS	200	/* loop turns a request is given to finish */
#ifndef FUZZ_RESTART
#define FUZZ_RESTART	20000	/* inputs before a fresh daemon and store */
#endif

static const struct {
	const char	*user;
	const char	*token;
} fuzz_users[] = {
	{ "wang", "dev-operator-wang" },
	{ "li", "dev-operator-li" },
	{ "zhao", "dev-counselor-zhao" },
	{ "zhou", "dev-counselor-zhou" },
	{ "chen", "dev-supervisor-chen" },
	{ "ops", "dev-admin-ops" },
};

static const struct {
	const char		*name;
	enum evhttp_cmd_type	 cmd;
} fuzz_methods[] = {
	{ "GET", EVHTTP_REQ_GET }, { "POST", EVHTTP_REQ_POST },
	{ "PATCH", EVHTTP_REQ_PATCH }, { "HEAD", EVHTTP_REQ_HEAD },
	{ "PUT", EVHTTP_REQ_PUT }, { "DELETE", EVHTTP_REQ_DELETE },
	{ "OPTIONS", EVHTTP_REQ_OPTIONS },
};

/* Calls and items for the inputs that name /v1/calls/1 and the like. */
static const char *const fuzz_setup[] = {
	"wang POST /v1/calls\nContent-Type: application/json\n\n"
	    "{\"line\":\"400\",\"caller_type\":\"medic\","
	    "\"topics\":[\"anxiety\"],\"risk\":\"low\"}",
	"li POST /v1/calls\n\n"
	    "{\"line\":\"9120\",\"caller_type\":\"member\","
	    "\"topics\":[\"grief\",\"sleep\"],\"risk\":\"high\","
	    "\"outcome\":\"referred\",\"notes\":\"n\"}",
	"wang POST /v1/calls\nIdempotency-Key: k1\n\n"
	    "{\"line\":\"2325\",\"caller_type\":\"other\","
	    "\"topics\":[\"other\"],\"risk\":\"imminent\"}",
	NULL
};

static struct fuzz {
	struct event_base	*base;
	struct config		*cf;
	struct store		*store;
	struct batch		*batch;
	struct api		*api;
	struct listener		*l;
	char			 dir[64];
	unsigned long		 runs;
} F;

static void
fuzz_cleanup(void)
{
	char	 path[128];

	/* The store's files; the rest is the process's to drop at exit. */
	snprintf(path, sizeof(path), "%s/fuzz.db", F.dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/fuzz.db-wal", F.dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/fuzz.db-shm", F.dir);
	unlink(path);
	rmdir(F.dir);
}

static void
fuzz_die(const char *what, const char *cause)
{
	fprintf(stderr, "fuzz_request: %s: %s\n", what, cause != NULL ?
	    cause : "failed");
	abort();
}

static void	fuzz_one(const uint8_t *, size_t);

/* The daemon's start-up (server_start), on a fresh private store. */
static void
fuzz_start(void)
{
	char	*cause = NULL, path[128];
	size_t	 i;

	snprintf(path, sizeof(path), "%s/fuzz.db", F.dir);
	if ((F.base = event_base_new()) == NULL)
		fuzz_die("event_base_new", NULL);
	if (status_prepare(&cause) == -1)
		fuzz_die("status_prepare", cause);
	if ((F.store = store_open(path, F.cf->cf_busy_ms, &cause)) == NULL)
		fuzz_die(path, cause);
	/* Durability is not what is fuzzed: skip the fsyncs. */
	sqlite3_exec(store_handle(F.store), "PRAGMA synchronous=OFF", NULL,
	    NULL, NULL);
	if (stats_rebuild(F.store, F.cf) != STORE_OK ||
	    (F.batch = batch_new(F.base, F.store)) == NULL ||
	    (F.api = api_new(F.base, F.batch, F.store)) == NULL)
		fuzz_die("store", store_errmsg(F.store));
	api_set_config(F.api, F.cf);
	if (queue_init(F.base, F.batch, F.store, F.cf) == -1)
		fuzz_die("queue_init", NULL);
	if (audit_init(F.batch, F.store) == -1)
		fuzz_die("audit_init", NULL);
	if (session_init(F.batch, F.store, F.cf) == -1)
		fuzz_die("session_init", NULL);
	if (status_init(F.base, F.store, F.batch, F.cf, &cause) == -1)
		fuzz_die("status_init", cause);
	if ((F.l = listener_open(F.base, "tcp:127.0.0.1:0", LISTENER_API, 0,
	    &F.cf->cf_limits, &cause)) == NULL)
		fuzz_die("listener_open", cause);
	listener_set_handler(F.l, api_request, F.api);
	for (i = 0; fuzz_setup[i] != NULL; i++)
		fuzz_one((const uint8_t *)fuzz_setup[i], strlen(fuzz_setup[i]));
}

/* The daemon's stop (server_free): what is still waiting is answered. */
static void
fuzz_stop(void)
{
	status_halt();
	batch_stop(F.batch);
	api_free(F.api);
	queue_free();
	session_free();
	batch_free(F.batch);
	listener_close(F.l);
	status_free();
	store_close(F.store);
	event_base_free(F.base);
	fuzz_cleanup();
	if (mkdir(F.dir, 0700) == -1 && errno != EEXIST)
		fuzz_die("mkdir", F.dir);
}

static void
fuzz_init(void)
{
	const char	*tmp = getenv("TMPDIR");
	char		*cause = NULL;

	/* syslog would get every warning of every input. */
	setlogmask(LOG_MASK(LOG_EMERG));
	log_init(0, LOG_DAEMON);
	if ((F.cf = config_load(FUZZ_CONF, &cause)) == NULL)
		fuzz_die(FUZZ_CONF, cause);
	/*
	 * Every request here comes from the same "unknown peer": the tenth
	 * input without a known token would block it (429 to everything)
	 * for auth_block_s, so the run would fuzz little but the limiter.
	 * Failures are still counted (limit_fail), never to a block;
	 * tests/e2e/test_limits.py covers the block itself. dev.conf sets
	 * no rate limit.
	 */
	F.cf->cf_limits.lim_auth_failures = 0;
	F.cf->cf_limits.lim_rate_per_s = 0;
	clock_set_timezone(F.cf->cf_timezone);
	snprintf(F.dir, sizeof(F.dir), "%s/hotlined-fuzz.XXXXXX",
	    tmp != NULL && strlen(tmp) < 32 ? tmp : "/tmp");
	if (mkdtemp(F.dir) == NULL)
		fuzz_die("mkdtemp", F.dir);
	atexit(fuzz_cleanup);
	fuzz_start();
}

/* A NUL-terminated copy of n bytes (strndup would look for a NUL past them). */
static char *
fuzz_strndup(const char *s, size_t n)
{
	char	*p;

	if ((p = malloc(n + 1)) != NULL) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

/* The next line of [*p, end), without its end of line; NULL at the end. */
static char *
fuzz_line(const char **p, const char *end)
{
	const char	*s = *p, *nl;
	char		*line;
	size_t		 n;

	if (s >= end)
		return NULL;
	nl = memchr(s, '\n', end - s);
	n = (nl != NULL ? nl : end) - s;
	*p = nl != NULL ? nl + 1 : end;
	if (n > 0 && s[n - 1] == '\r')
		n--;
	if (memchr(s, '\0', n) != NULL || (line = fuzz_strndup(s, n)) == NULL)
		return NULL;
	return line;
}

/* USER METHOD TARGET into a request; NULL for what evhttp would refuse. */
static struct evhttp_request *
fuzz_request_line(const char *line)
{
	struct evhttp_request	*req;
	char			 user[16], method[16], target[4096];
	size_t			 i;

	if (sscanf(line, "%15s %15s %4095s", user, method, target) != 3 ||
	    target[0] != '/' || strncmp(target, "/v1/export", 10) == 0)
		return NULL;
	for (i = 0; i < sizeof(fuzz_methods) / sizeof(fuzz_methods[0]); i++)
		if (strcmp(method, fuzz_methods[i].name) == 0)
			break;
	if (i == sizeof(fuzz_methods) / sizeof(fuzz_methods[0]) ||
	    (req = evhttp_request_new(NULL, NULL)) == NULL)
		return NULL;
	req->type = fuzz_methods[i].cmd;
	/* As evhttp parses a request line. */
	if ((req->uri = strdup(target)) == NULL ||
	    (req->uri_elems = evhttp_uri_parse_with_flags(target,
	    EVHTTP_URI_NONCONFORMANT)) == NULL) {
		evhttp_request_free(req);
		return NULL;
	}
	for (i = 0; i < sizeof(fuzz_users) / sizeof(fuzz_users[0]); i++) {
		if (strcmp(user, fuzz_users[i].user) == 0) {
			snprintf(target, sizeof(target), "Bearer %s",
			    fuzz_users[i].token);
			evhttp_add_header(evhttp_request_get_input_headers(req),
			    "Authorization", target);
		}
	}
	return req;
}

/* The request's buffers are being freed: it was answered. */
static void
fuzz_answered(const void *data, size_t len, void *arg)
{
	(void)data;
	(void)len;
	*(int *)arg = 1;
}

static void
fuzz_one(const uint8_t *data, size_t size)
{
	const char		*p = (const char *)data, *end = p + size;
	struct evhttp_request	*req;
	char			*line, *colon;
	int			 bad = 0, i;
	static int		 answered;

	if ((line = fuzz_line(&p, end)) == NULL)
		return;
	req = fuzz_request_line(line);
	free(line);
	if (req == NULL)
		return;
	while (!bad && (line = fuzz_line(&p, end)) != NULL) {
		if (*line == '\0') {
			free(line);
			break;
		}
		if ((colon = strchr(line, ':')) == NULL || colon == line)
			bad = 1;
		else {
			*colon++ = '\0';
			colon += strspn(colon, " \t");
			bad = evhttp_add_header(
			    evhttp_request_get_input_headers(req), line,
			    colon) == -1;
		}
		free(line);
	}
	/* evhttp refuses a body over the limit before any handler. */
	if (bad || end - p > F.cf->cf_limits.lim_max_body) {
		evhttp_request_free(req);
		return;
	}
	evbuffer_add(evhttp_request_get_input_buffer(req), p, end - p);
	/*
	 * The answer frees the request, which has no connection to go to,
	 * and with it this byte: that is how the harness knows it came.
	 */
	answered = 0;
	evbuffer_add_reference(evhttp_request_get_output_buffer(req), "", 1,
	    fuzz_answered, &answered);
	api_request(req, F.l);
	/*
	 * Queued writes, statistics read a slice a turn: run till answered.
	 * One turn each: NONBLOCK alone goes on while anything is active.
	 */
	for (i = 0; !answered && i < FUZZ_TURNS; i++)
		event_base_loop(F.base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	if (answered)
		return;
	/*
	 * Statistics over decades may take many thousand turns (see
	 * tests/README.md): stop as on SIGTERM, which must answer it.
	 */
	fuzz_stop();
	if (!answered) {
		fprintf(stderr, "fuzz_request: no answer, even at stop\n");
		abort();
	}
	fuzz_start();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (F.cf == NULL)
		fuzz_init();
	else if (++F.runs % FUZZ_RESTART == 0) {
		fuzz_stop();
		fuzz_start();
	}
	fuzz_one(data, size);
	return 0;
}
