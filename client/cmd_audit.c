/*
 * hotline audit: the audit trail (admins only) as an aligned table,
 * newest first, one page or all.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "hotline.h"

#define CMD_AUDIT_NCOLS	9

enum {
	CMD_AUDIT_SINCE = 256,
	CMD_AUDIT_UNTIL,
	CMD_AUDIT_ACTION,
	CMD_AUDIT_WHO,
	CMD_AUDIT_LIMIT,
	CMD_AUDIT_ALL
};

static const struct option cmd_audit_longopts[] = {
	OPT_COMMON,
	{ "since", required_argument, NULL, CMD_AUDIT_SINCE },
	{ "until", required_argument, NULL, CMD_AUDIT_UNTIL },
	{ "action", required_argument, NULL, CMD_AUDIT_ACTION },
	{ "who", required_argument, NULL, CMD_AUDIT_WHO },
	{ "limit", required_argument, NULL, CMD_AUDIT_LIMIT },
	{ "all", no_argument, NULL, CMD_AUDIT_ALL },
	{ NULL, 0, NULL, 0 }
};

struct cmd_audit {
	int		 all;
	const char	*since, *until, *action, *who, *limit;
	char		*since_q, *until_q;	/* as sent; owned */
};

static const char *const cmd_audit_headers[CMD_AUDIT_NCOLS] = {
	N_("ID"), N_("AT"), N_("WHO"), N_("ROLE"), N_("PEER"), N_("ACTION"),
	N_("CALL"), N_("ITEM"), N_("DETAIL")
};

static int
cmd_audit_check(const struct cmd_audit *u)
{
	char	*end;
	long	 n;
	int	 rv;

	if ((u->since == NULL || strcmp(u->since, "today") != 0) &&
	    (rv = cmd_list_check_when("audit", "since", u->since)) != 0)
		return rv;
	if ((rv = cmd_list_check_when("audit", "until", u->until)) != 0)
		return rv;
	if (u->limit == NULL)
		return 0;
	errno = 0;
	n = strtol(u->limit, &end, 10);
	if (u->limit[0] < '0' || u->limit[0] > '9' || *end != '\0' ||
	    errno != 0 || n < 1 || n > INT_MAX)
		return msg_usage("audit", _("--limit: '%s' is not a number from "
		    "1 up"), u->limit);
	return 0;
}

static int
cmd_audit_option(struct hl *hl, struct cmd_audit *u, int c, char **argv)
{
	switch (c) {
	case 'j':		hl->json = 1;		break;
	case CMD_AUDIT_SINCE:	u->since = optarg;	break;
	case CMD_AUDIT_UNTIL:	u->until = optarg;	break;
	case CMD_AUDIT_ACTION:	u->action = optarg;	break;
	case CMD_AUDIT_WHO:	u->who = optarg;	break;
	case CMD_AUDIT_LIMIT:	u->limit = optarg;	break;
	case CMD_AUDIT_ALL:	u->all = 1;		break;
	case 'h':
		usage_print(stdout, "audit");
		return EXIT_OK;
	default:
		return opt_bad("audit", c, argv);
	}
	return -1;
}

/* -1 to go on, else an exit status. */
static int
cmd_audit_options(struct hl *hl, struct cmd_audit *u, int argc, char **argv)
{
	int	c, rv = -1;

	while (rv == -1 && (c = getopt_long(argc, argv, ":h",
	    cmd_audit_longopts, NULL)) != -1)
		rv = cmd_audit_option(hl, u, c, argv);
	if (rv == -1 && optind < argc)
		rv = msg_usage("audit", _("unexpected argument '%s'"),
		    argv[optind]);
	if (rv == -1 && (rv = cmd_audit_check(u)) == 0)
		rv = -1;
	return rv;
}

/* Times given without a zone, and today, are the server's: ask it which. */
static int
cmd_audit_resolve(struct hl *hl, struct cmd_audit *u)
{
	char	today[16];

	if ((u->since != NULL || u->until != NULL) &&
	    schema_use_timezone(hl) == -1)
		return -1;
	if (u->since != NULL && strcmp(u->since, "today") == 0) {
		timeparse_today(today, sizeof today);
		u->since_q = xstrdup(today);
	} else if (u->since != NULL &&
	    (u->since_q = cmd_list_when("since", u->since)) == NULL)
		return -1;
	if (u->until != NULL &&
	    (u->until_q = cmd_list_when("until", u->until)) == NULL)
		return -1;
	return 0;
}

/* One page; NULL after reporting. */
static json_t *
cmd_audit_page(struct hl *hl, const struct cmd_audit *u, const char *cursor)
{
	char	*q = xstrdup("/v1/audit");
	json_t	*page;

	cmd_list_param(&q, "since", u->since_q);
	cmd_list_param(&q, "until", u->until_q);
	cmd_list_param(&q, "action", u->action);
	cmd_list_param(&q, "who", u->who);
	cmd_list_param(&q, "limit", u->limit);
	cmd_list_param(&q, "cursor", cursor);
	page = api_get(hl, q);
	free(q);
	if (page != NULL && !json_is_array(json_object_get(page, "audit"))) {
		msg_error(_("the server's answer has no audit rows"));
		json_decref(page);
		return NULL;
	}
	return page;
}

/* One page, or all of them: {"audit": [...], "next_cursor": ...}. */
static json_t *
cmd_audit_fetch(struct hl *hl, const struct cmd_audit *u)
{
	json_t	*out = json_pack("{s:[], s:n}", "audit", "next_cursor");
	json_t	*page, *next;
	char	*cursor = NULL;
	int	 done;

	while ((page = cmd_audit_page(hl, u, cursor)) != NULL) {
		json_array_extend(json_object_get(out, "audit"),
		    json_object_get(page, "audit"));
		next = json_object_get(page, "next_cursor");
		json_object_set(out, "next_cursor", next != NULL ? next :
		    json_null());
		/* A cursor that does not move would loop for ever. */
		done = !u->all || !json_is_string(next) || (cursor != NULL &&
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

/* A text or number of row e as a cell ("" for null), cleaned. */
static char *
cmd_audit_cell(json_t *e, const char *key)
{
	json_t	*v = json_object_get(e, key);

	if (json_is_integer(v))
		return xasprintf("%lld", (long long)json_integer_value(v));
	return record_clean(json_is_string(v) ? json_string_value(v) : "", 0);
}

/* One row; the detail in the reader's language (detail.c). */
static void
cmd_audit_row(struct hl *hl, struct table *t, json_t *e)
{
	static const char *const keys[CMD_AUDIT_NCOLS] = { "id", NULL, "who",
	    "role", "peer", "action", "call_id", "item_id", NULL };
	const char	*at = json_string_value(json_object_get(e, "at"));
	char		*cells[CMD_AUDIT_NCOLS], when[32];
	int		 i;

	timeparse_local(at != NULL ? at : "", "%Y-%m-%d %H:%M:%S", when,
	    sizeof when);
	for (i = 0; i < CMD_AUDIT_NCOLS - 1; i++)
		cells[i] = keys[i] != NULL ? cmd_audit_cell(e, keys[i]) :
		    record_clean(when, 0);
	cells[i] = detail_text(hl, json_string_value(json_object_get(e,
	    "action")), json_string_value(json_object_get(e, "detail")));
	table_add_row(t, (const char *const *)cells);
	for (i = 0; i < CMD_AUDIT_NCOLS; i++)
		free(cells[i]);
}

static void
cmd_audit_print(struct hl *hl, json_t *rows)
{
	struct table	*t;
	json_t		*e;
	size_t		 i;

	if (json_array_size(rows) == 0) {
		msg_note(_("no audit rows match"));
		return;
	}
	t = table_new(CMD_AUDIT_NCOLS);
	table_align_right(t, 0);
	table_align_right(t, 6);
	table_align_right(t, 7);
	table_add_head(t, cmd_audit_headers);
	json_array_foreach(rows, i, e)
		cmd_audit_row(hl, t, e);
	table_print(t, stdout, "");
	table_free(t);
}

static int
cmd_audit_run(struct hl *hl, struct cmd_audit *u)
{
	json_t	*out;

	if (cmd_audit_resolve(hl, u) == -1 ||
	    (out = cmd_audit_fetch(hl, u)) == NULL)
		return EXIT_ERROR;
	if (hl->json)
		opt_json(out);
	else if (schema_use_timezone(hl) == 0)
		cmd_audit_print(hl, json_object_get(out, "audit"));
	else {
		json_decref(out);
		return EXIT_ERROR;
	}
	if (json_is_string(json_object_get(out, "next_cursor")))
		msg_note(_("there are more rows: use --all, or a larger --limit"));
	json_decref(out);
	return EXIT_OK;
}

int
cmd_audit(struct hl *hl, int argc, char **argv)
{
	struct cmd_audit	u;
	int			rv;

	memset(&u, 0, sizeof u);
	if ((rv = cmd_audit_options(hl, &u, argc, argv)) == -1)
		rv = cmd_audit_run(hl, &u);
	free(u.since_q);
	free(u.until_q);
	return rv;
}
