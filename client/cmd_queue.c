/*
 * The follow-up queues: hotline queue [Q], claim Q, done ID, release ID,
 * renew ID. Tables for people, the server's JSON with --json.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hotline.h"

/* "12m", "3h5m": a wait in seconds, or "-" when there is none. */
static char *
cmd_queue_wait(json_t *v)
{
	if (!json_is_integer(v))
		return xstrdup("-");
	return timeparse_duration_text((long)json_integer_value(v));
}

static char *
cmd_queue_int(json_t *v)
{
	return xasprintf("%lld", (long long)json_integer_value(v));
}

/* Every queue: one row each, the ones past their SLA flagged. */
static void
cmd_queue_overview(json_t *body)
{
	static const char *const head[] = { N_("QUEUE"), N_("NAME"),
	    N_("WAITING"), N_("CLAIMED"), N_("SCHEDULED"), N_("OLDEST WAIT"),
	    N_("PAST SLA") };
	struct table	*t = table_new(7);
	const char	*cells[7];
	char		*v[7];
	json_t		*q;
	size_t		 i;
	int		 k;

	table_add_head(t, head);
	for (k = 2; k < 7; k++)
		table_align_right(t, k);
	json_array_foreach(json_object_get(body, "queues"), i, q) {
		v[0] = record_clean(json_string_value(json_object_get(q,
		    "code")), 0);
		v[1] = record_clean(json_string_value(json_object_get(q,
		    "name")), 0);
		v[2] = cmd_queue_int(json_object_get(q, "waiting"));
		v[3] = cmd_queue_int(json_object_get(q, "claimed"));
		v[4] = cmd_queue_int(json_object_get(q, "scheduled"));
		v[5] = cmd_queue_wait(json_object_get(q, "oldest_wait_s"));
		v[6] = cmd_queue_int(json_object_get(q, "past_sla"));
		for (k = 0; k < 7; k++)
			cells[k] = v[k];
		table_add_row(t, cells);
		for (k = 0; k < 7; k++)
			free(v[k]);
	}
	table_print(t, stdout, "  ");
	table_free(t);
}

/* One item's row: what a counselor picks by. */
static void
cmd_queue_item_row(struct hl *hl, struct table *t, json_t *it)
{
	json_t		*call = json_object_get(it, "call");
	const char	*cells[9];
	char		*v[9];
	int		 k;

	v[0] = cmd_queue_int(json_object_get(it, "id"));
	v[1] = cmd_queue_int(json_object_get(it, "call_id"));
	v[2] = cmd_queue_int(json_object_get(it, "priority"));
	v[3] = record_clean(record_item_word(json_string_value(
	    json_object_get(it, "state"))), 0);
	v[4] = record_item_kind(json_string_value(json_object_get(it,
	    "kind")));
	v[5] = json_is_integer(json_object_get(it, "wait_s")) ?
	    cmd_queue_wait(json_object_get(it, "wait_s")) :
	    record_value_text(hl, "callback_at", json_object_get(it,
	    "due_at"));
	v[6] = record_value_text(hl, "risk", json_object_get(call, "risk"));
	v[7] = record_value_text(hl, "topics", json_object_get(call,
	    "topics"));
	v[8] = json_is_true(json_object_get(it, "escalated")) ?
	    xstrdup(_("ESCALATED")) : json_is_string(json_object_get(it,
	    "claimed_by")) ? xasprintf(_("held by %s"), json_string_value(
	    json_object_get(it, "claimed_by"))) : xstrdup("");
	for (k = 0; k < 9; k++)
		cells[k] = v[k];
	table_add_row(t, cells);
	for (k = 0; k < 9; k++)
		free(v[k]);
}

/* One queue's items, next to be claimed first. */
static void
cmd_queue_items(struct hl *hl, json_t *body)
{
	static const char *const head[] = { N_("ITEM"), N_("CALL"), N_("PRI"),
	    N_("STATE"), N_("KIND"), N_("WAIT/DUE"), N_("RISK"), N_("TOPICS"),
	    "" };
	struct table	*t = table_new(9);
	json_t		*q = json_object_get(body, "queue"), *it;
	size_t		 i, n = json_array_size(json_object_get(body, "items"));
	char		*name;

	name = record_clean(json_string_value(json_object_get(q, "name")), 0);
	printf(_("%s: %lld waiting, %lld claimed, %lld scheduled, %lld past "
	    "SLA\n"), name,
	    (long long)json_integer_value(json_object_get(q, "waiting")),
	    (long long)json_integer_value(json_object_get(q, "claimed")),
	    (long long)json_integer_value(json_object_get(q, "scheduled")),
	    (long long)json_integer_value(json_object_get(q, "past_sla")));
	free(name);
	if (n == 0) {
		printf(_("no items\n"));
		table_free(t);
		return;
	}
	table_add_head(t, head);
	table_align_right(t, 0);
	table_align_right(t, 1);
	json_array_foreach(json_object_get(body, "items"), i, it)
		cmd_queue_item_row(hl, t, it);
	table_print(t, stdout, "  ");
	table_free(t);
}

/* A queue code operand: what the server's URL can carry. */
static int
cmd_queue_code_ok(const char *cmd, const char *q)
{
	size_t	 n = strlen(q);

	if (n == 0 || n > 32 || strspn(q, "abcdefghijklmnopqrstuvwxyz"
	    "0123456789_-+") != n)
		return msg_usage(cmd, _("'%s' is not a queue code (see hotline "
		    "schema)"), q);
	return 0;
}

int
cmd_queue(struct hl *hl, int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "state", required_argument, NULL, 's' },
		{ "limit", required_argument, NULL, 'n' },
		OPT_COMMON,
		{ NULL, 0, NULL, 0 }
	};
	const char	*state = NULL, *limit = NULL;
	char		*path;
	json_t		*body;
	int		 c, rv;

	while ((c = getopt_long(argc, argv, ":hs:n:", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			state = optarg;
			break;
		case 'n':
			limit = optarg;
			break;
		case 'j':
			hl->json = 1;
			break;
		case 'h':
			usage_print(stdout, "queue");
			return EXIT_OK;
		default:
			return opt_bad("queue", c, argv);
		}
	}
	if (argc - optind > 1)
		return msg_usage("queue", _("one queue at most"));
	if (optind == argc) {
		if (state != NULL || limit != NULL)
			return msg_usage("queue", _("--state and --limit need a "
			    "queue"));
		path = xstrdup("/v1/queues");
	} else {
		if ((rv = cmd_queue_code_ok("queue", argv[optind])) != 0)
			return rv;
		if ((state != NULL && strspn(state, "abcdefghijklmnopqrstuvwxyz")
		    != strlen(state)) || (limit != NULL && strspn(limit,
		    "0123456789") != strlen(limit)))
			return msg_usage("queue", _("--state takes open, waiting, "
			    "scheduled, claimed or done; --limit a number"));
		if (state != NULL && limit != NULL)
			path = xasprintf("/v1/queues/%s?state=%s&limit=%s",
			    argv[optind], state, limit);
		else if (state != NULL || limit != NULL)
			path = xasprintf("/v1/queues/%s?%s=%s", argv[optind],
			    state != NULL ? "state" : "limit",
			    state != NULL ? state : limit);
		else
			path = xasprintf("/v1/queues/%s", argv[optind]);
	}
	body = api_get(hl, path);
	free(path);
	if (body == NULL)
		return EXIT_ERROR;
	if (hl->json)
		opt_json(body);
	else if (schema_use_timezone(hl) == -1)
		rv = EXIT_ERROR;
	else if (optind == argc)
		cmd_queue_overview(body);
	else
		cmd_queue_items(hl, body);
	json_decref(body);
	return rv == EXIT_ERROR ? EXIT_ERROR : EXIT_OK;
}

/* A missed caller's item: their number, to its holder alone. */
void
cmd_queue_print_missed(struct hl *hl, json_t *it)
{
	json_t	*m = json_object_get(it, "missed");
	char	*last, *num;

	if (!json_is_object(m))
		return;
	last = record_value_text(hl, "callback_at", json_object_get(m,
	    "last_at"));
	if (json_is_string(json_object_get(m, "caller_number"))) {
		num = record_clean(json_string_value(json_object_get(m,
		    "caller_number")), 0);
		printf(_("missed caller %s: called %lld times, last at %s; "
		    "call them back\n"), num, (long long)json_integer_value(
		    json_object_get(m, "tries")), last);
		free(num);
	} else if (json_is_true(json_object_get(m, "erased")))
		printf(_("missed caller: the number is erased\n"));
	else
		printf(_("missed caller: called %lld times, last at %s; the "
		    "number is shown to the counselor holding the item\n"),
		    (long long)json_integer_value(json_object_get(m, "tries")),
		    last);
	free(last);
}

/* "claimed item 7 (call 12, callback, priority 1): yours until ..." and
 * the call. */
static void
cmd_queue_print_item(struct hl *hl, json_t *it)
{
	json_t	*call = json_object_get(it, "call");
	char	*lease, *kind;

	lease = record_value_text(hl, "callback_at", json_object_get(it,
	    "lease_until"));
	kind = record_item_kind(json_string_value(json_object_get(it,
	    "kind")));
	if (json_is_integer(json_object_get(it, "call_id")))
		printf(_("claimed item %lld (call %lld, %s, priority %lld)"),
		    (long long)json_integer_value(json_object_get(it, "id")),
		    (long long)json_integer_value(json_object_get(it,
		    "call_id")), kind, (long long)json_integer_value(
		    json_object_get(it, "priority")));
	else
		printf(_("claimed item %lld (%s, priority %lld)"),
		    (long long)json_integer_value(json_object_get(it, "id")),
		    kind, (long long)json_integer_value(json_object_get(it,
		    "priority")));
	if (json_is_string(json_object_get(it, "lease_until")))
		printf(_(": yours until %s"), lease);
	putchar('\n');
	if (json_is_true(json_object_get(it, "escalated")))
		printf(_("this item was escalated\n"));
	cmd_queue_print_missed(hl, it);
	if (json_is_object(call)) {
		printf(_("\ncall %lld\n"),
		    (long long)json_integer_value(json_object_get(call, "id")));
		record_print(hl, call, stdout);
	}
	free(lease);
	free(kind);
}

int
cmd_claim(struct hl *hl, int argc, char **argv)
{
	struct http_response	 resp;
	char			*path;
	int			 rv;

	if ((rv = opt_common(hl, "claim", argc, argv)) != -1)
		return rv;
	if (optind != argc - 1)
		return msg_usage("claim", optind == argc ? _("which queue? give "
		    "its code") : _("one queue only"));
	if ((rv = cmd_queue_code_ok("claim", argv[optind])) != 0)
		return rv;
	path = xasprintf("/v1/queues/%s/claim", argv[optind]);
	rv = api_request(hl, "POST", path, NULL, NULL, &resp);
	free(path);
	if (rv != API_OK) {
		if (rv == API_TRANSPORT)
			msg_error("%s", api_transport_error(hl));
		return EXIT_ERROR;
	}
	rv = EXIT_OK;
	if (resp.status == 204) {
		if (hl->json)
			printf("null\n");
		else
			printf(_("nothing to claim in %s\n"), argv[optind]);
	} else if (resp.status != 200 || resp.body == NULL) {
		api_report(hl, &resp);
		rv = EXIT_ERROR;
	} else if (hl->json)
		opt_json(resp.body);
	else if (schema_use_timezone(hl) == -1)
		rv = EXIT_ERROR;
	else
		cmd_queue_print_item(hl, resp.body);
	http_response_free(&resp);
	return rv;
}

/* An item id operand: a positive decimal integer. 0, or EXIT_USAGE. */
int
cmd_queue_parse_id(const char *cmd, const char *s, long *id)
{
	char	*end;

	errno = 0;
	*id = strtol(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0 ||
	    *id <= 0)
		return msg_usage(cmd, _("'%s' is not a queue item id"), s);
	return 0;
}

/* done, release, renew: POST /v1/queue-items/ID/VERB; done says what
 * happened, as "completed item %lld (call %lld)\n", or for an item of no
 * logged call (a missed caller's) as "completed item %lld\n". */
static int
cmd_queue_act(struct hl *hl, const char *verb, const char *done,
    const char *done_missed, json_t *body, long id)
{
	char	*path;
	json_t	*it;

	path = xasprintf("/v1/queue-items/%ld/%s", id, verb);
	it = api_call(hl, "POST", path, body, NULL);
	free(path);
	if (it == NULL)
		return EXIT_ERROR;
	if (hl->json)
		opt_json(it);
	else {
		if (json_is_integer(json_object_get(it, "call_id")))
			printf(done, (long long)json_integer_value(
			    json_object_get(it, "id")),
			    (long long)json_integer_value(json_object_get(it,
			    "call_id")));
		else
			printf(done_missed, (long long)json_integer_value(
			    json_object_get(it, "id")));
		if (schema_use_timezone(hl) == 0)
			cmd_queue_print_missed(hl, it);
	}
	json_decref(it);
	return EXIT_OK;
}

int
cmd_done(struct hl *hl, int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "resolution", required_argument, NULL, 'm' },
		OPT_COMMON,
		{ NULL, 0, NULL, 0 }
	};
	const char	*res = NULL;
	json_t		*body;
	long		 id;
	int		 c, rv;

	while ((c = getopt_long(argc, argv, ":hm:", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			res = optarg;
			break;
		case 'j':
			hl->json = 1;
			break;
		case 'h':
			usage_print(stdout, "done");
			return EXIT_OK;
		default:
			return opt_bad("done", c, argv);
		}
	}
	if (optind != argc - 1)
		return msg_usage("done", optind == argc ? _("which item? give "
		    "its ID") : _("one item ID only"));
	if ((rv = cmd_queue_parse_id("done", argv[optind], &id)) != 0)
		return rv;
	if (res == NULL || res[strspn(res, " \t\n")] == '\0')
		return msg_usage("done", _("--resolution TEXT is required: say "
		    "what was done for the caller"));
	body = json_pack("{s:s}", "resolution", res);
	if (body == NULL)
		return msg_usage("done", _("--resolution must be UTF-8 text"));
	rv = cmd_queue_act(hl, "complete", _("completed item %lld (call "
	    "%lld)\n"), _("completed item %lld\n"), body, id);
	json_decref(body);
	return rv;
}

static int
cmd_queue_simple(struct hl *hl, const char *cmd, const char *done,
    const char *done_missed, int argc, char **argv)
{
	long	 id;
	int	 rv;

	if ((rv = opt_common(hl, cmd, argc, argv)) != -1)
		return rv;
	if (optind != argc - 1)
		return msg_usage(cmd, optind == argc ? _("which item? give its "
		    "ID") : _("one item ID only"));
	if ((rv = cmd_queue_parse_id(cmd, argv[optind], &id)) != 0)
		return rv;
	return cmd_queue_act(hl, cmd, done, done_missed, NULL, id);
}

int
cmd_release(struct hl *hl, int argc, char **argv)
{
	return cmd_queue_simple(hl, "release", _("released item %lld (call "
	    "%lld)\n"), _("released item %lld\n"), argc, argv);
}

int
cmd_renew(struct hl *hl, int argc, char **argv)
{
	return cmd_queue_simple(hl, "renew", _("renewed item %lld (call "
	    "%lld)\n"), _("renewed item %lld\n"), argc, argv);
}
