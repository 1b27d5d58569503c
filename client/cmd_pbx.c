/*
 * The phone system's side: hotline unlogged lists the phone calls
 * answered and never logged (supervisors); hotline log --pbx fills the
 * call from the operator's latest answered phone call not yet logged
 * (cmd_pbx_latest(), called by cmd_log.c).
 */
#include <stdlib.h>
#include <string.h>

#include "hotline.h"

/* One unlogged phone call as a row. */
static void
cmd_pbx_row(struct hl *hl, struct table *t, json_t *c)
{
	const char	*cells[7];
	char		*v[6];
	json_t		*op = json_object_get(c, "operator");
	size_t		 i;

	v[0] = record_clean(json_string_value(json_object_get(c,
	    "pbx_call_id")), 0);
	v[1] = record_value_text(hl, "line", json_object_get(c, "line"));
	v[2] = record_value_text(hl, "started_at", json_object_get(c,
	    "answered_at"));
	v[3] = record_value_text(hl, "duration_s", json_object_get(c,
	    "wait_s"));
	v[4] = record_value_text(hl, "duration_s", json_object_get(c,
	    "talk_s"));
	v[5] = json_is_string(op) ? record_clean(json_string_value(op), 0) :
	    record_clean(json_string_value(json_object_get(c, "agent")), 0);
	for (i = 0; i < 6; i++)
		cells[i] = v[i] != NULL ? v[i] : "";
	cells[6] = NULL;
	table_add_row(t, cells);
	for (i = 0; i < 6; i++)
		free(v[i]);
}

static void
cmd_pbx_print(struct hl *hl, json_t *body)
{
	static const char *const head[] = { N_("PHONE CALL"), N_("LINE"),
	    N_("ANSWERED"), N_("WAITED"), N_("TALKED"), N_("ANSWERED BY"),
	    NULL };
	json_int_t	 n = json_integer_value(json_object_get(body, "count"));
	json_int_t	 after = json_integer_value(json_object_get(body,
	    "unlogged_after_s"));
	json_t		*calls = json_object_get(body, "calls"), *c;
	struct table	*t;
	size_t		 i;

	if (n == 0) {
		printf(_("every phone call answered more than %lld minutes ago "
		    "is logged\n"), (long long)(after / 60));
		return;
	}
	printf(ngettext("%lld phone call answered more than %lld minutes ago "
	    "was never logged:\n", "%lld phone calls answered more than %lld "
	    "minutes ago were never logged:\n", (unsigned long)n),
	    (long long)n, (long long)(after / 60));
	t = table_new(6);
	table_add_head(t, head);
	json_array_foreach(calls, i, c)
		cmd_pbx_row(hl, t, c);
	table_print(t, stdout, "  ");
	table_free(t);
	if ((size_t)n > json_array_size(calls))
		printf(_("(the first %zu; --limit shows more)\n"),
		    json_array_size(calls));
}

int
cmd_unlogged(struct hl *hl, int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "limit", required_argument, NULL, 'n' },
		OPT_COMMON,
		{ NULL, 0, NULL, 0 }
	};
	const char	*limit = NULL;
	char		*path;
	json_t		*body;
	int		 c;

	while ((c = getopt_long(argc, argv, ":hn:", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (strspn(optarg, "0123456789") != strlen(optarg) ||
			    *optarg == '\0' || strlen(optarg) > 6)
				return msg_usage("unlogged", _("--limit takes "
				    "a number"));
			limit = optarg;
			break;
		case 'j':
			hl->json = 1;
			break;
		case 'h':
			usage_print(stdout, "unlogged");
			return EXIT_OK;
		default:
			return opt_bad("unlogged", c, argv);
		}
	}
	if (optind < argc)
		return msg_usage("unlogged", _("unexpected argument '%s'"),
		    argv[optind]);
	path = limit != NULL ? xasprintf("/v1/pbx/unlogged?limit=%s", limit) :
	    xstrdup("/v1/pbx/unlogged");
	body = api_get(hl, path);
	free(path);
	if (body == NULL)
		return EXIT_ERROR;
	if (hl->json)
		opt_json(body);
	else
		cmd_pbx_print(hl, body);
	json_decref(body);
	return EXIT_OK;
}

/* A field of set from the phone call, unless the operator gave it. */
static void
cmd_pbx_fill(json_t *set, const char *field, json_t *v)
{
	if (json_object_get(set, field) == NULL && v != NULL &&
	    !json_is_null(v))
		json_object_set(set, field, v);
}

/*
 * hotline log --pbx: the operator's latest answered phone call not yet
 * logged gives the call its phone call, line, start and duration (the
 * server adds the caller's keyed hash). -1 to go on, else an exit status.
 */
int
cmd_pbx_latest(struct hl *hl, json_t *set)
{
	struct http_response	 resp;
	char			*when, *line;
	json_t			*c;
	int			 rv;

	rv = api_request(hl, "GET", "/v1/pbx/latest", NULL, NULL, &resp);
	if (rv == API_FAILED)
		return EXIT_ERROR;
	if (rv == API_TRANSPORT) {
		msg_error(_("--pbx needs the server: %s"),
		    api_transport_error(hl));
		return EXIT_ERROR;
	}
	if (resp.status == 404) {
		msg_error(_("--pbx: no answered phone call of yours from the "
		    "last 12 hours is waiting to be logged"));
		http_response_free(&resp);
		return EXIT_ERROR;
	}
	if (resp.status != 200 || !json_is_object(resp.body)) {
		api_report(hl, &resp);
		http_response_free(&resp);
		return EXIT_ERROR;
	}
	c = resp.body;
	cmd_pbx_fill(set, "pbx_call_id", json_object_get(c, "pbx_call_id"));
	cmd_pbx_fill(set, "line", json_object_get(c, "line"));
	cmd_pbx_fill(set, "started_at", json_object_get(c, "answered_at"));
	cmd_pbx_fill(set, "duration_s", json_object_get(c, "talk_s"));
	line = record_value_text(hl, "line", json_object_get(c, "line"));
	when = record_value_text(hl, "started_at", json_object_get(c,
	    "answered_at"));
	msg_note(_("the phone call on %s answered at %s"), line, when);
	free(line);
	free(when);
	http_response_free(&resp);
	return -1;
}
