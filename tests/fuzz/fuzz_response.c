/*
 * Fuzz the client's handling of what a server answers: a real hotline
 * command (show, list, stats, report, queue, status, ...) runs against a
 * transport that answers each of its requests with the next answer of the
 * input, parsed as http.c parses one (json_loadb of the body). Every line
 * the command prints goes to /dev/null.
 *
 * An input is a command line, then the answers in the order the command
 * asks:
 *
 *	list --from 2024-01-01
 *	HTTP 200
 *	{"calls": [], "next_cursor": null}
 *	HTTP 404
 *	...
 *
 * A request after the last answer fails as a lost connection would. The
 * commands that save to the spool (log, amend, sync) and the options that
 * write a file (export -o, report --html) are left out: they write outside
 * the test; so is status --watch, which runs until interrupted.
 * This file stands in for http.c, which is not linked.
 */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hotline.h"
#include "fuzz.h"

#define FUZZ_ARGS	16
#define FUZZ_ANSWERS	16

struct fuzz_answer {
	long		 fa_status;
	const char	*fa_body;
	size_t		 fa_len;
};

/* The answers of the input being run, taken in order. */
static struct fuzz_answer	 fuzz_answers[FUZZ_ANSWERS];
static size_t			 fuzz_nanswers, fuzz_next;

struct http {
	char	 error[64];
};

static const struct {
	const char	*name;
	int		(*fn)(struct hl *, int, char **);
} fuzz_cmds[] = {
	{ "show", cmd_show }, { "list", cmd_list }, { "schema", cmd_schema },
	{ "whoami", cmd_whoami }, { "queue", cmd_queue },
	{ "claim", cmd_claim }, { "done", cmd_done },
	{ "release", cmd_release }, { "renew", cmd_renew },
	{ "item", cmd_item }, { "stats", cmd_stats }, { "export", cmd_export },
	{ "report", cmd_report }, { "status", cmd_status },
	{ "audit", cmd_audit },
};

int
http_valid_server(const char *s)
{
	return strncmp(s, "unix:", 5) == 0 || strncmp(s, "http://", 7) == 0;
}

/* The address is the harness's own: never refused, never TLS. */
int
http_plain_refused(const char *s)
{
	(void)s;
	return 0;
}

void
http_set_cacert(struct http *h, const char *file)
{
	(void)h;
	(void)file;
}

int
http_tls_failed(const struct http *h)
{
	(void)h;
	return 0;
}

struct http *
http_open(const char *server, const char *token)
{
	(void)server;
	(void)token;
	return xcalloc(1, sizeof(struct http));
}

void
http_close(struct http *h)
{
	free(h);
}

void
http_set_timeout(struct http *h, long s)
{
	(void)h;
	(void)s;
}

const char *
http_error(const struct http *h)
{
	return h->error;
}

/*
 * The next answer. FUZZ_TRACE in the environment names each request left
 * unanswered on stderr: capture.py answers it from a real daemon.
 */
static const struct fuzz_answer *
fuzz_answer(struct http *h, const char *method, const char *path)
{
	if (fuzz_next == fuzz_nanswers) {
		if (getenv("FUZZ_TRACE") != NULL)
			fprintf(stderr, "FUZZ_TRACE %s %s\n", method, path);
		snprintf(h->error, sizeof(h->error), "connection lost");
		return NULL;
	}
	return &fuzz_answers[fuzz_next++];
}

int
http_request(struct http *h, const char *method, const char *path,
    const json_t *body, const char *const *headers, struct http_response *resp)
{
	const struct fuzz_answer	*a;

	(void)body;
	(void)headers;
	memset(resp, 0, sizeof *resp);
	if ((a = fuzz_answer(h, method, path)) == NULL)
		return -1;
	resp->status = a->fa_status;
	if (a->fa_len > 0)
		resp->body = json_loadb(a->fa_body, a->fa_len, 0, NULL);
	return 0;
}

int
http_download(struct http *h, const char *path, FILE *out,
    struct http_response *resp)
{
	const struct fuzz_answer	*a;

	memset(resp, 0, sizeof *resp);
	if ((a = fuzz_answer(h, "GET", path)) == NULL)
		return -1;
	resp->status = a->fa_status;
	if (a->fa_status >= 200 && a->fa_status <= 299)
		fwrite(a->fa_body, 1, a->fa_len, out);
	else if (a->fa_len > 0)
		resp->body = json_loadb(a->fa_body, a->fa_len, 0, NULL);
	return 0;
}

int
http_upload(struct http *h, const char *path, const void *buf, size_t len,
    struct http_response *resp)
{
	const struct fuzz_answer	*a;

	(void)buf;
	(void)len;
	memset(resp, 0, sizeof *resp);
	if ((a = fuzz_answer(h, "POST", path)) == NULL)
		return -1;
	resp->status = a->fa_status;
	if (a->fa_len > 0)
		resp->body = json_loadb(a->fa_body, a->fa_len, 0, NULL);
	return 0;
}

void
http_response_free(struct http_response *resp)
{
	json_decref(resp->body);
	resp->body = NULL;
}

/* Split "HTTP NNN\nbody" blocks; 0 when the text is no such list. */
static int
fuzz_split_answers(const char *p, const char *end)
{
	const char	*next, *nl, *q;
	long		 status;

	fuzz_nanswers = fuzz_next = 0;
	while (p < end) {
		if (fuzz_nanswers == FUZZ_ANSWERS || end - p < 5 ||
		    memcmp(p, "HTTP ", 5) != 0)
			return 0;
		/* The status: 1 to 3 digits (the input has no NUL to stop
		   strtol). */
		status = 0;
		for (q = p + 5; q < end && q < p + 8 && *q >= '0' && *q <= '9';
		    q++)
			status = status * 10 + (*q - '0');
		if (q == p + 5 || q >= end || *q != '\n')
			return 0;
		fuzz_answers[fuzz_nanswers].fa_status = status;
		p = q + 1;
		next = p;
		while ((nl = memchr(next, '\n', end - next)) != NULL &&
		    (end - nl < 6 || memcmp(nl + 1, "HTTP ", 5) != 0))
			next = nl + 1;
		next = nl != NULL ? nl : end;
		fuzz_answers[fuzz_nanswers].fa_body = p;
		fuzz_answers[fuzz_nanswers++].fa_len = next - p;
		p = nl != NULL ? nl + 1 : end;
	}
	return 1;
}

/*
 * Whether w may be the options -o/--output (export) or --html (report),
 * which write a file, or --watch (status), which never ends. getopt takes
 * bundled letters (-jo) and any unambiguous prefix (--out, --outp=x).
 */
static int
fuzz_unsafe_option(const char *w)
{
	static const char *const longs[] = { "--output", "--html", "--watch" };
	size_t	 i, n;

	if (w[0] != '-')
		return 0;
	if (w[1] != '-')
		return strpbrk(w, "owH") != NULL;
	n = strcspn(w, "=");
	for (i = 0; i < sizeof(longs) / sizeof(longs[0]); i++)
		if (n > 2 && n <= strlen(longs[i]) &&
		    strncmp(w, longs[i], n) == 0)
			return 1;
	return 0;
}

/* The command line: words; 0 to skip (unknown, or unsafe here). */
static int
fuzz_split_args(char *line, char **argv, int *argc)
{
	char	*w;
	size_t	 i;

	*argc = 0;
	while ((w = strsep(&line, " \t")) != NULL) {
		if (*w == '\0')
			continue;
		if (*argc == FUZZ_ARGS - 1 || fuzz_unsafe_option(w))
			return 0;
		argv[(*argc)++] = w;
	}
	argv[*argc] = NULL;
	if (*argc == 0)
		return 0;
	for (i = 0; i < sizeof(fuzz_cmds) / sizeof(fuzz_cmds[0]); i++)
		if (strcmp(argv[0], fuzz_cmds[i].name) == 0)
			return 1;
	return 0;
}

static int
fuzz_run(int argc, char **argv)
{
	struct hl	 hl;
	size_t		 i;
	int		 rv = -1;

	memset(&hl, 0, sizeof(hl));
	for (i = 0; i < sizeof(fuzz_cmds) / sizeof(fuzz_cmds[0]); i++)
		if (strcmp(argv[0], fuzz_cmds[i].name) == 0) {
			optind = 0;	/* as hotline_dispatch: getopt afresh */
			rv = fuzz_cmds[i].fn(&hl, argc, argv);
			break;
		}
	fflush(stdout);
	api_close(&hl);
	return rv;
}

/* No terminal: no prompts, no colours; printed lines are dropped. */
static void
fuzz_init(void)
{
	int	 fd;

	if ((fd = open("/dev/null", O_RDWR)) == -1) {
		perror("/dev/null");
		abort();
	}
	dup2(fd, STDIN_FILENO);
	dup2(fd, STDOUT_FILENO);
	close(fd);
	/* No client config: the default file, where there is none. */
	setenv("XDG_CONFIG_HOME", "/nonexistent/hotline-fuzz", 1);
	unsetenv("HOTLINE_SERVER");
	unsetenv("HOTLINE_TOKEN");
	unsetenv("HOTLINE_STATUS");
	unsetenv("HOTLINE_TIMEOUT");
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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int	 ready;
	const char	*p = (const char *)data, *end = p + size, *nl;
	char		*line, *argv[FUZZ_ARGS];
	int		 argc;

	if (!ready) {
		fuzz_init();
		ready = 1;
	}
	if ((nl = memchr(p, '\n', size)) == NULL ||
	    memchr(p, '\0', nl - p) != NULL ||
	    !fuzz_split_answers(nl + 1, end))
		return 0;
	if ((line = fuzz_strndup(p, nl - p)) == NULL)
		return 0;
	if (fuzz_split_args(line, argv, &argc))
		fuzz_run(argc, argv);
	free(line);
	return 0;
}
