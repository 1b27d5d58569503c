/*
 * hotline status: the daemon's status listener in a few lines, warnings
 * first; --watch redraws it in place, --json passes the JSON through. The
 * status listener is not the API: it has its own address (--status,
 * HOTLINE_STATUS, "status" in the config file, else the default).
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hotline.h"

#define STATUS_WATCH_DEFAULT	2

/* The status address: --status, HOTLINE_STATUS, the config, the default. */
static char *
status_address(struct hl *hl)
{
	const char	*env = getenv("HOTLINE_STATUS");
	struct config	 cf;
	char		*addr;

	if (hl->status_opt != NULL)
		return xstrdup(hl->status_opt);
	if (env != NULL && env[0] != '\0') {
		if (!http_valid_server(env)) {
			msg_error(_("HOTLINE_STATUS: '%s' is not unix:PATH or "
			    "http(s)://HOST:PORT"), env);
			return NULL;
		}
		return xstrdup(env);
	}
	if (config_load(hl->config_path, &cf) == -1)
		return NULL;
	addr = xstrdup(cf.status != NULL ? cf.status : HOTLINE_DEFAULT_STATUS);
	config_free(&cf);
	return addr;
}

static const char *
status_str(const json_t *o, const char *key)
{
	const char	*s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "-";
}

static long long
status_int(const json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

/* "1h05m", "3m", "12s" */
static void
status_span(long long s, char *buf, size_t len)
{
	if (s >= 86400)
		snprintf(buf, len, "%lldd%02lldh", s / 86400, s % 86400 / 3600);
	else if (s >= 3600)
		snprintf(buf, len, "%lldh%02lldm", s / 3600, s % 3600 / 60);
	else if (s >= 60)
		snprintf(buf, len, "%lldm", s / 60);
	else
		snprintf(buf, len, "%llds", s);
}

/* "812 B", "48 KB", "12.3 MB", "2.1 GB" */
static void
status_size(long long n, char *buf, size_t len)
{
	if (n < 1024)
		snprintf(buf, len, "%lld B", n);
	else if (n < 1024 * 1024)
		snprintf(buf, len, "%lld KB", n / 1024);
	else if (n < 1024LL * 1024 * 1024)
		snprintf(buf, len, "%.1f MB", (double)n / (1024 * 1024));
	else
		snprintf(buf, len, "%.1f GB", (double)n / (1024 * 1024 * 1024));
}

/* The time of day of an RFC 3339 time ("23:48"), or "-". */
static void
status_clock(const json_t *t, char *buf, size_t len)
{
	const char	*s = json_string_value(t);

	if (s == NULL || strlen(s) < 16)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.5s", s + 11);
}

static void
status_warnings(const json_t *st, FILE *fp)
{
	const json_t	*store = json_object_get(st, "store"), *q;
	size_t		 i;

	if (json_is_true(json_object_get(st, "stopping")))
		fprintf(fp, _("WARNING hotlined is shutting down\n"));
	if (!json_is_true(json_object_get(store, "ok")))
		fprintf(fp, _("WARNING store not ok: %s\n"),
		    status_str(store, "reason"));
	json_array_foreach(json_object_get(st, "queues"), i, q)
		if (status_int(q, "escalated") > 0)
			fprintf(fp, _("WARNING queue %s: %lld past their SLA\n"),
			    status_str(q, "code"), status_int(q, "escalated"));
}

/* The summary of one GET /status answer. */
static void
status_print(const json_t *st, FILE *fp)
{
	const json_t	*store = json_object_get(st, "store"), *e;
	char		 up[32], t[16], wait[32], size[32];
	size_t		 i;

	status_warnings(st, fp);
	status_span(status_int(st, "uptime_s"), up, sizeof up);
	status_clock(json_object_get(store, "last_commit_at"), t, sizeof t);
	status_size(status_int(store, "size_bytes"), size, sizeof size);
	fprintf(fp, _("hotlined %s, up %s; store %s (%s, last commit %s, %lld "
	    "waiting); day %s %s; operators today %lld; connections %lld\n"),
	    status_str(st, "version"), up,
	    json_is_true(json_object_get(store, "ok")) ? _("ok") : _("NOT OK"),
	    size, t, status_int(store, "writes_waiting"),
	    status_str(st, "day"), status_str(st, "timezone"),
	    status_int(st, "operators_active_today"),
	    status_int(st, "connections_open"));
	json_array_foreach(json_object_get(st, "lines"), i, e) {
		status_clock(json_object_get(e, "last_call_at"), t, sizeof t);
		fprintf(fp, _("line  %-6s %s: %lld today, %lld last hour, last "
		    "call %s\n"), status_str(e, "code"), status_str(e, "name"),
		    status_int(e, "calls_today"),
		    status_int(e, "calls_last_hour"), t);
	}
	json_array_foreach(json_object_get(st, "queues"), i, e) {
		status_span(status_int(e, "oldest_wait_s"), wait, sizeof wait);
		fprintf(fp, _("queue %-6s %s: %lld waiting, %lld claimed, %lld "
		    "scheduled, oldest %s, %lld escalated\n"),
		    status_str(e, "code"), status_str(e, "name"),
		    status_int(e, "waiting"), status_int(e, "claimed"),
		    status_int(e, "scheduled"), wait,
		    status_int(e, "escalated"));
	}
}

/* GET /status once: the JSON (caller frees), or NULL with a message. */
static json_t *
status_fetch(struct http *h, const char *addr)
{
	struct http_response	 r;
	json_t			*o;

	if (http_request(h, "GET", "/status", NULL, NULL, &r) == -1) {
		msg_error("%s: %s", addr, http_error(h));
		return NULL;
	}
	if (r.status != 200 || r.body == NULL) {
		msg_error(_("%s: status answered %ld%s"), addr, r.status,
		    r.body == NULL ? _(" without JSON") : "");
		http_response_free(&r);
		return NULL;
	}
	o = json_incref(r.body);
	http_response_free(&r);
	return o;
}

static int
status_parse_watch(const char *arg, long *out)
{
	char	*end;

	errno = 0;
	*out = strtol(arg, &end, 10);
	return *arg != '\0' && *end == '\0' && errno == 0 && *out >= 1 &&
	    *out <= 3600 ? 0 : -1;
}

/* hotline status [--watch [SECONDS]] [--json] */
int
cmd_status(struct hl *hl, int argc, char **argv)
{
	static const struct option	 opts[] = {
		OPT_COMMON,
		{ "watch", optional_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 }
	};
	struct http	*h;
	json_t		*st;
	char		*addr;
	long		 watch = 0;
	int		 c, rv = EXIT_OK;

	while ((c = getopt_long(argc, argv, ":hw::", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			hl->json = 1;
			break;
		case 'h':
			usage_print(stdout, "status");
			return EXIT_OK;
		case 'w':
			watch = STATUS_WATCH_DEFAULT;
			if (optarg == NULL && optind < argc &&
			    status_parse_watch(argv[optind], &watch) == 0)
				optind++;
			else if (optarg != NULL &&
			    status_parse_watch(optarg, &watch) == -1)
				return msg_usage("status", _("--watch: '%s' is "
				    "not a number of seconds from 1 to 3600"),
				    optarg);
			break;
		default:
			return opt_bad("status", c, argv);
		}
	}
	if (optind < argc)
		return msg_usage("status", _("unexpected argument '%s'"),
		    argv[optind]);
	if ((addr = status_address(hl)) == NULL)
		return EXIT_ERROR;
	if ((h = http_open(addr, NULL)) == NULL ||
	    api_tls_setup(hl, h, addr, NULL) == -1) {
		http_close(h);
		free(addr);
		return EXIT_ERROR;
	}
	for (;;) {
		st = status_fetch(h, addr);
		if (watch > 0)
			fputs("\033[H\033[2J", stdout);
		if (st != NULL && hl->json)
			opt_json(st);
		else if (st != NULL)
			status_print(st, stdout);
		rv = st != NULL ? EXIT_OK : EXIT_ERROR;
		json_decref(st);
		if (watch == 0)
			break;
		fflush(stdout);
		sleep((unsigned)watch);
	}
	http_close(h);
	free(addr);
	return rv;
}
