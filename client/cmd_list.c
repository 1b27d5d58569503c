/*
 * hotline list: calls as an aligned table, newest first, one page or all.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "hotline.h"

#define CMD_LIST_NCOLS	8

enum {
	CMD_LIST_TODAY = 256,
	CMD_LIST_MINE,
	CMD_LIST_FROM,
	CMD_LIST_TO,
	CMD_LIST_LINE,
	CMD_LIST_RISK,
	CMD_LIST_OPERATOR,
	CMD_LIST_LIMIT,
	CMD_LIST_ALL
};

static const struct option cmd_list_longopts[] = {
	OPT_COMMON,
	{ "today", no_argument, NULL, CMD_LIST_TODAY },
	{ "mine", no_argument, NULL, CMD_LIST_MINE },
	{ "from", required_argument, NULL, CMD_LIST_FROM },
	{ "to", required_argument, NULL, CMD_LIST_TO },
	{ "line", required_argument, NULL, CMD_LIST_LINE },
	{ "risk", required_argument, NULL, CMD_LIST_RISK },
	{ "operator", required_argument, NULL, CMD_LIST_OPERATOR },
	{ "limit", required_argument, NULL, CMD_LIST_LIMIT },
	{ "all", no_argument, NULL, CMD_LIST_ALL },
	{ NULL, 0, NULL, 0 }
};

struct cmd_list {
	int		 today, mine, all;
	const char	*from, *to, *line, *risk, *operator, *limit;
	char		*from_q, *to_q, *operator_q;	/* as sent; owned */
};

static const char *const cmd_list_headers[CMD_LIST_NCOLS] = {
	N_("ID"), N_("STARTED"), N_("LINE"), N_("CALLER"), N_("TOPICS"),
	N_("RISK"), N_("OUTCOME"), N_("OPERATOR")
};

/* A DATE passes as it is; a TIME must at least look like one. */
int
cmd_list_check_when(const char *cmd, const char *opt, const char *s)
{
	time_t	t;

	if (s == NULL || timeparse_is_date(s) || timeparse_time(s, &t) == 0)
		return 0;
	return msg_usage(cmd, _("--%s: '%s' is neither a date (YYYY-MM-DD) "
	    "nor a time"), opt, s);
}

static int
cmd_list_check_limit(const char *s)
{
	char	*end;
	long	 n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0 ||
	    n < 1 || n > INT_MAX)
		return msg_usage("list", _("--limit: '%s' is not a number from "
		    "1 up"), s);
	return 0;
}

/* The options that conflict, and the forms checked before any request. */
static int
cmd_list_check(const struct cmd_list *l)
{
	int	rv;

	if (l->today && l->from != NULL)
		return msg_usage("list", _("--today and --from conflict"));
	if (l->mine && l->operator != NULL)
		return msg_usage("list", _("--mine and --operator conflict"));
	if ((rv = cmd_list_check_when("list", "from", l->from)) != 0 ||
	    (rv = cmd_list_check_when("list", "to", l->to)) != 0)
		return rv;
	if (l->limit != NULL)
		return cmd_list_check_limit(l->limit);
	return 0;
}

static int
cmd_list_option(struct hl *hl, struct cmd_list *l, int c, char **argv)
{
	switch (c) {
	case 'j':		hl->json = 1;		break;
	case CMD_LIST_TODAY:	l->today = 1;		break;
	case CMD_LIST_MINE:	l->mine = 1;		break;
	case CMD_LIST_ALL:	l->all = 1;		break;
	case CMD_LIST_FROM:	l->from = optarg;	break;
	case CMD_LIST_TO:	l->to = optarg;		break;
	case CMD_LIST_LINE:	l->line = optarg;	break;
	case CMD_LIST_RISK:	l->risk = optarg;	break;
	case CMD_LIST_OPERATOR:	l->operator = optarg;	break;
	case CMD_LIST_LIMIT:	l->limit = optarg;	break;
	case 'h':
		usage_print(stdout, "list");
		return EXIT_OK;
	default:
		return opt_bad("list", c, argv);
	}
	return -1;
}

/* -1 to go on, else an exit status. */
static int
cmd_list_options(struct hl *hl, struct cmd_list *l, int argc, char **argv)
{
	int	c, rv = -1;

	while (rv == -1 && (c = getopt_long(argc, argv, ":h",
	    cmd_list_longopts, NULL)) != -1)
		rv = cmd_list_option(hl, l, c, argv);
	if (rv == -1 && optind < argc)
		rv = msg_usage("list", _("unexpected argument '%s'"), argv[optind]);
	if (rv == -1 && (rv = cmd_list_check(l)) == 0)
		rv = -1;
	return rv;
}

/* A --from/--to value as the API takes it (caller frees); NULL on error. */
char *
cmd_list_when(const char *opt, const char *s)
{
	char	buf[TIMEPARSE_RFC3339_LEN];
	time_t	t;

	if (timeparse_is_date(s))
		return xstrdup(s);
	if (timeparse_time(s, &t) == -1) {
		msg_error(_("--%s: %s does not exist in the server's timezone"),
		    opt, s);
		return NULL;
	}
	timeparse_rfc3339(t, buf, sizeof buf);
	return xstrdup(buf);
}

/* The name from GET /v1/whoami, for --mine (caller frees). */
static char *
cmd_list_whoami(struct hl *hl)
{
	json_t		*who = api_get(hl, "/v1/whoami");
	const char	*name = json_string_value(json_object_get(who, "name"));
	char		*s = name != NULL ? xstrdup(name) : NULL;

	if (who != NULL && name == NULL)
		msg_error(_("the server did not say who you are"));
	json_decref(who);
	return s;
}

/* Work out what needs the server: today's date, times, --mine. */
static int
cmd_list_resolve(struct hl *hl, struct cmd_list *l)
{
	char	today[16];

	if ((l->today || l->from != NULL || l->to != NULL) &&
	    schema_use_timezone(hl) == -1)
		return -1;
	if (l->today) {
		timeparse_today(today, sizeof today);
		l->from_q = xstrdup(today);
	} else if (l->from != NULL &&
	    (l->from_q = cmd_list_when("from", l->from)) == NULL)
		return -1;
	if (l->to != NULL && (l->to_q = cmd_list_when("to", l->to)) == NULL)
		return -1;
	if (l->mine && (l->operator_q = cmd_list_whoami(hl)) == NULL)
		return -1;
	if (!l->mine && l->operator != NULL)
		l->operator_q = xstrdup(l->operator);
	return 0;
}

/* Append "&key=value", value URL-encoded, to *q. */
void
cmd_list_param(char **q, const char *key, const char *value)
{
	char	*esc, *next;

	if (value == NULL)
		return;
	/* libcurl takes a NULL handle here since 7.82. */
	esc = curl_easy_escape(NULL, value, 0);
	next = xasprintf("%s%c%s=%s", *q, strchr(*q, '?') ? '&' : '?', key,
	    esc != NULL ? esc : "");
	curl_free(esc);
	free(*q);
	*q = next;
}

/* The path of one page (caller frees). */
static char *
cmd_list_path(const struct cmd_list *l, const char *cursor)
{
	char	*q = xstrdup("/v1/calls");

	cmd_list_param(&q, "from", l->from_q);
	cmd_list_param(&q, "to", l->to_q);
	cmd_list_param(&q, "line", l->line);
	cmd_list_param(&q, "risk", l->risk);
	cmd_list_param(&q, "operator", l->operator_q);
	cmd_list_param(&q, "limit", l->limit);
	cmd_list_param(&q, "cursor", cursor);
	return q;
}

/* One page; NULL after reporting. */
static json_t *
cmd_list_page(struct hl *hl, const struct cmd_list *l, const char *cursor)
{
	char	*path = cmd_list_path(l, cursor);
	json_t	*page = api_get(hl, path);

	free(path);
	if (page != NULL && !json_is_array(json_object_get(page, "calls"))) {
		msg_error(_("the server's answer has no list of calls"));
		json_decref(page);
		return NULL;
	}
	return page;
}

/* Fetch one page, or all of them: {"calls": [...], "next_cursor": ...}. */
static json_t *
cmd_list_fetch(struct hl *hl, const struct cmd_list *l)
{
	json_t	*out = json_pack("{s:[], s:n}", "calls", "next_cursor");
	json_t	*page, *next;
	char	*cursor = NULL;
	int	 done;

	while ((page = cmd_list_page(hl, l, cursor)) != NULL) {
		json_array_extend(json_object_get(out, "calls"),
		    json_object_get(page, "calls"));
		next = json_object_get(page, "next_cursor");
		json_object_set(out, "next_cursor", next != NULL ? next :
		    json_null());
		/* A cursor that does not move would loop for ever. */
		done = !l->all || !json_is_string(next) || (cursor != NULL &&
		    strcmp(cursor, json_string_value(next)) == 0);
		free(cursor);
		cursor = done ? NULL : xstrdup(json_string_value(next));
		json_decref(page);
		if (done)
			return out;
	}
	free(cursor);
	json_decref(out);
	return NULL;
}

/* The display name for code in list (NULL: none), else the code. */
static char *
cmd_list_name(struct hl *hl, const char *list, json_t *code)
{
	const char	*c = json_string_value(code), *name;

	if (c == NULL)
		return xstrdup("");
	name = list != NULL ? schema_name(hl, list, c) : NULL;
	return record_clean(name != NULL ? name : c, 0);
}

static char *
cmd_list_topics(struct hl *hl, json_t *topics)
{
	char	*s = xstrdup(""), *one, *next;
	json_t	*e;
	size_t	 i;

	json_array_foreach(topics, i, e) {
		one = cmd_list_name(hl, "topics", e);
		next = xasprintf("%s%s%s", s, i > 0 ? "," : "", one);
		free(one);
		free(s);
		s = next;
	}
	return s;
}

static void
cmd_list_row(struct hl *hl, struct table *t, json_t *c)
{
	char	*cells[CMD_LIST_NCOLS], started[32];
	int	 i;

	timeparse_local(json_string_value(json_object_get(c, "started_at")) ?
	    json_string_value(json_object_get(c, "started_at")) : "",
	    "%Y-%m-%d %H:%M", started, sizeof started);
	cells[0] = xasprintf("%lld",
	    (long long)json_integer_value(json_object_get(c, "id")));
	cells[1] = record_clean(started, 0);
	cells[2] = cmd_list_name(hl, NULL, json_object_get(c, "line"));
	cells[3] = cmd_list_name(hl, "caller_types",
	    json_object_get(c, "caller_type"));
	cells[4] = cmd_list_topics(hl, json_object_get(c, "topics"));
	cells[5] = cmd_list_name(hl, "risk_levels", json_object_get(c, "risk"));
	cells[6] = cmd_list_name(hl, "outcomes", json_object_get(c, "outcome"));
	cells[7] = cmd_list_name(hl, NULL, json_object_get(c, "operator"));
	table_add_row(t, (const char *const *)cells);
	for (i = 0; i < CMD_LIST_NCOLS; i++)
		free(cells[i]);
}

static void
cmd_list_print(struct hl *hl, json_t *calls)
{
	struct table	*t;
	json_t		*c;
	size_t		 i;

	if (json_array_size(calls) == 0) {
		msg_note(_("no calls match"));
		return;
	}
	t = table_new(CMD_LIST_NCOLS);
	table_align_right(t, 0);
	table_add_head(t, cmd_list_headers);
	json_array_foreach(calls, i, c)
		cmd_list_row(hl, t, c);
	table_print(t, stdout, "");
	table_free(t);
}

static int
cmd_list_run(struct hl *hl, struct cmd_list *l)
{
	json_t	*out;

	if (cmd_list_resolve(hl, l) == -1 ||
	    (out = cmd_list_fetch(hl, l)) == NULL)
		return EXIT_ERROR;
	if (hl->json)
		opt_json(out);
	else if (schema_use_timezone(hl) == 0)
		cmd_list_print(hl, json_object_get(out, "calls"));
	else {
		json_decref(out);
		return EXIT_ERROR;
	}
	if (json_is_string(json_object_get(out, "next_cursor")))
		msg_note(_("there are more calls: use --all, or a larger "
		    "--limit"));
	json_decref(out);
	return EXIT_OK;
}

int
cmd_list(struct hl *hl, int argc, char **argv)
{
	struct cmd_list	l;
	int		rv;

	memset(&l, 0, sizeof l);
	if ((rv = cmd_list_options(hl, &l, argc, argv)) == -1)
		rv = cmd_list_run(hl, &l);
	free(l.from_q);
	free(l.to_q);
	free(l.operator_q);
	return rv;
}
