/*
 * After a high-risk call: hotline attempt ID --result R [--note TEXT]
 * records an attempt to reach the caller on a plan's step, hotline plan
 * CALL shows the call's plan, its steps and every attempt, hotline
 * handover [--at WHEN] what the next shift must know. Tables for people,
 * the server's JSON with --json.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hotline.h"

/* A positive decimal id operand. 0, or EXIT_USAGE naming what. */
static int
cmd_plan_id(const char *cmd, const char *s, const char *what, long *id)
{
	char	*end;

	errno = 0;
	*id = strtol(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0 ||
	    *id <= 0)
		return msg_usage(cmd, _("'%s' is not a %s"), s, what);
	return 0;
}

int
cmd_attempt(struct hl *hl, int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "result", required_argument, NULL, 'r' },
		{ "note", required_argument, NULL, 'm' },
		OPT_COMMON,
		{ NULL, 0, NULL, 0 }
	};
	const char	*result = NULL, *note = NULL;
	char		*path;
	json_t		*body, *it;
	long		 id;
	int		 c, rv;

	while ((c = getopt_long(argc, argv, ":hr:m:", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			result = optarg;
			break;
		case 'm':
			note = optarg;
			break;
		case 'j':
			hl->json = 1;
			break;
		case 'h':
			usage_print(stdout, "attempt");
			return EXIT_OK;
		default:
			return opt_bad("attempt", c, argv);
		}
	}
	if (optind != argc - 1)
		return msg_usage("attempt", optind == argc ? _("which item? "
		    "give its ID") : _("one item ID only"));
	if ((rv = cmd_plan_id("attempt", argv[optind], _("queue item id"),
	    &id)) != 0)
		return rv;
	if (result == NULL)
		return msg_usage("attempt", _("--result is required: reached, "
		    "no_answer, busy, refused, wrong_number or left_message"));
	body = note != NULL ? json_pack("{s:s, s:s}", "result", result, "note",
	    note) : json_pack("{s:s}", "result", result);
	if (body == NULL)
		return msg_usage("attempt", _("--result and --note must be "
		    "UTF-8 text"));
	path = xasprintf("/v1/queue-items/%ld/attempts", id);
	it = api_call(hl, "POST", path, body, NULL);
	free(path);
	json_decref(body);
	if (it == NULL)
		return EXIT_ERROR;
	if (hl->json)
		opt_json(it);
	else if (strcmp(result, "reached") == 0)
		printf(_("item %lld (call %lld): reached on attempt %lld; the "
		    "step is done\n"),
		    (long long)json_integer_value(json_object_get(it, "id")),
		    (long long)json_integer_value(json_object_get(it,
		    "call_id")),
		    (long long)json_integer_value(json_object_get(it,
		    "attempts")));
	else
		printf(_("item %lld (call %lld): attempt %lld recorded; due "
		    "again %s%s\n"),
		    (long long)json_integer_value(json_object_get(it, "id")),
		    (long long)json_integer_value(json_object_get(it,
		    "call_id")),
		    (long long)json_integer_value(json_object_get(it,
		    "attempts")), json_string_value(json_object_get(it,
		    "due_at")), json_is_true(json_object_get(it,
		    "escalated")) ? _(", escalated") : "");
	json_decref(it);
	return EXIT_OK;
}

/*
 * An attempt's result (the schema's attempt_results, fixed codes) in the
 * reader's language; a code this client does not know as it is.
 */
const char *
cmd_plan_result(const char *code)
{
	static const struct msg_word results[] = {
		{ "reached", NC_("attempt", "reached") },
		{ "no_answer", NC_("attempt", "no answer") },
		{ "busy", NC_("attempt", "busy") },
		{ "refused", NC_("attempt", "refused to talk") },
		{ "wrong_number", NC_("attempt", "wrong number") },
		{ "left_message", NC_("attempt", "left a message") },
	};

	return msg_word(results, sizeof(results) / sizeof(results[0]),
	    "attempt", code);
}

/* One attempt of a step, indented under it. */
static void
cmd_plan_attempt(struct hl *hl, json_t *a)
{
	char	*at, *note;

	at = record_value_text(hl, "callback_at", json_object_get(a, "at"));
	printf("      %s  %s  %s", at, json_string_value(json_object_get(a,
	    "by")), cmd_plan_result(json_string_value(json_object_get(a,
	    "result"))));
	if (json_is_string(json_object_get(a, "note"))) {
		note = record_clean(json_string_value(json_object_get(a,
		    "note")), 0);
		printf("  %s", note);
		free(note);
	} else if (json_object_get(a, "redacted") != NULL)
		printf("  %s", _("(note not shown)"));
	putchar('\n');
	free(at);
}

/*
 * An end reason (the schema's plan_end_reasons, fixed codes) as people
 * read it, in their language; a code this client does not know as it is.
 */
const char *
cmd_plan_reason(const char *code)
{
	static const struct msg_word reasons[] = {
		{ "declined", N_("the caller asked not to be called") },
		{ "in_treatment", N_("already in treatment") },
		{ "transferred", N_("referred elsewhere") },
		{ "unreachable", N_("cannot be reached") },
		{ "other", N_("other reason") },
	};

	return msg_word(reasons, sizeof(reasons) / sizeof(reasons[0]), NULL,
	    code);
}

/* A plan's state (active, completed, ended) in the reader's language. */
static const char *
cmd_plan_state(const char *code)
{
	static const struct msg_word words[] = {
		{ "active", NC_("plan", "active") },
		{ "completed", NC_("plan", "completed") },
		{ "ended", NC_("plan", "ended early") },
	};

	return msg_word(words, sizeof(words) / sizeof(words[0]), "plan",
	    code);
}

/* The plan: a line about it, then each step and its attempts. */
static void
cmd_plan_print(struct hl *hl, json_t *p)
{
	json_t	*s, *a;
	size_t	 i, k;
	char	*due, *name;

	name = record_clean(json_string_value(json_object_get(p, "name")), 0);
	printf(_("call %lld: plan %s (%s), %s; attempts a step: %lld\n"),
	    (long long)json_integer_value(json_object_get(p, "call_id")),
	    json_string_value(json_object_get(p, "plan")), name,
	    cmd_plan_state(json_string_value(json_object_get(p, "state"))),
	    (long long)json_integer_value(json_object_get(p,
	    "attempts_allowed")));
	free(name);
	if (json_is_string(json_object_get(p, "end_reason")))
		printf(_("ended by %s: %s\n"), json_string_value(
		    json_object_get(p, "ended_by")), cmd_plan_reason(
		    json_string_value(json_object_get(p, "end_reason"))));
	json_array_foreach(json_object_get(p, "steps"), i, s) {
		due = record_value_text(hl, "callback_at", json_object_get(s,
		    "due_at"));
		printf(_("  step %lld (item %lld): %s, due %s, attempts: "
		    "%lld%s\n"),
		    (long long)json_integer_value(json_object_get(s, "step")),
		    (long long)json_integer_value(json_object_get(s, "id")),
		    record_item_word(json_string_value(json_object_get(s,
		    "state"))), due,
		    (long long)json_integer_value(json_object_get(s,
		    "attempts")), json_is_true(json_object_get(s,
		    "escalated")) ? _(", escalated") : "");
		free(due);
		json_array_foreach(json_object_get(s, "attempt_log"), k, a)
			cmd_plan_attempt(hl, a);
	}
}

int
cmd_plan(struct hl *hl, int argc, char **argv)
{
	char	*path;
	json_t	*p;
	long	 id;
	int	 rv;

	if ((rv = opt_common(hl, "plan", argc, argv)) != -1)
		return rv;
	if (optind != argc - 1)
		return msg_usage("plan", optind == argc ? _("which call? give "
		    "its ID") : _("one call ID only"));
	if ((rv = cmd_plan_id("plan", argv[optind], _("call id"), &id)) != 0)
		return rv;
	path = xasprintf("/v1/calls/%ld/plan", id);
	p = api_get(hl, path);
	free(path);
	if (p == NULL)
		return EXIT_ERROR;
	rv = EXIT_OK;
	if (hl->json)
		opt_json(p);
	else if (schema_use_timezone(hl) == -1)
		rv = EXIT_ERROR;
	else
		cmd_plan_print(hl, p);
	json_decref(p);
	return rv;
}

/* One item of the handover: id, call, queue, kind, state, due, holder. */
static void
cmd_handover_item(struct hl *hl, json_t *it)
{
	char	*due, *queue, *kind, *holder;

	due = record_value_text(hl, "callback_at", json_object_get(it,
	    "due_at"));
	queue = record_clean(json_string_value(json_object_get(it,
	    json_is_string(json_object_get(it, "queue_name")) ? "queue_name" :
	    "queue")), 0);
	kind = record_item_kind(json_string_value(json_object_get(it,
	    "kind")));
	printf(_("  item %lld (call %lld, %s, %s): %s, due %s"),
	    (long long)json_integer_value(json_object_get(it, "id")),
	    (long long)json_integer_value(json_object_get(it, "call_id")),
	    queue, kind, record_item_word(json_string_value(json_object_get(it,
	    "state"))), due);
	if (json_is_string(json_object_get(it, "claimed_by"))) {
		holder = record_clean(json_string_value(json_object_get(it,
		    "claimed_by")), 0);
		printf(_(", held by %s"), holder);
		free(holder);
	}
	if (json_is_true(json_object_get(it, "escalated")))
		printf(_(", escalated"));
	putchar('\n');
	free(due);
	free(queue);
	free(kind);
}

/* A risk level by its name in the schema, else its code. */
static char *
cmd_handover_risk(struct hl *hl, const char *code)
{
	const char	*name = schema_name(hl, "risk_levels", code);

	return record_clean(name != NULL ? name : code, 0);
}

/* A call whose emergency is not yet confirmed: its risk, who, when. */
static void
cmd_handover_call(struct hl *hl, json_t *c)
{
	json_t	*e = json_object_get(c, "emergency");
	char	*at, *risk, *agency;

	at = record_value_text(hl, "callback_at", json_object_get(e,
	    "contacted_at"));
	risk = cmd_handover_risk(hl, json_string_value(json_object_get(c,
	    "risk")));
	agency = record_clean(crisis_word(&crisis_agencies, json_string_value(
	    json_object_get(e, "agency"))), 0);
	printf(_("  call %lld (%s): %s contacted %s\n"),
	    (long long)json_integer_value(json_object_get(c, "call_id")),
	    risk, agency, at);
	free(at);
	free(risk);
	free(agency);
}

/* A list of the handover under its title, or "none". */
static void
cmd_handover_list(struct hl *hl, const char *title, json_t *v, int calls)
{
	json_t	*e;
	size_t	 i;

	printf("%s\n", title);
	if (json_array_size(v) == 0)
		printf(_("  none\n"));
	json_array_foreach(v, i, e) {
		if (calls)
			cmd_handover_call(hl, e);
		else
			cmd_handover_item(hl, e);
	}
}

static void
cmd_handover_print(struct hl *hl, json_t *h)
{
	json_t	*sh = json_object_get(h, "shift");
	char	*starts, *from;

	starts = record_value_text(hl, "callback_at", json_object_get(sh,
	    "starts_at"));
	from = record_value_text(hl, "callback_at", json_object_get(sh,
	    "leaving_from"));
	printf(_("handover to the shift starting %s (the leaving shift began "
	    "%s)\n\n"), starts, from);
	free(starts);
	free(from);
	cmd_handover_list(hl, _("open items of high risk and above:"),
	    json_object_get(h, "high_risk_open"), 0);
	cmd_handover_list(hl, _("items still held:"),
	    json_object_get(h, "held"), 0);
	cmd_handover_list(hl, _("escalated or not reached in the leaving "
	    "shift:"), json_object_get(h, "escalated_or_failed"), 0);
	cmd_handover_list(hl, _("emergencies not yet confirmed:"),
	    json_object_get(h, "emergencies_pending"), 1);
}

int
cmd_handover(struct hl *hl, int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "at", required_argument, NULL, 'a' },
		OPT_COMMON,
		{ NULL, 0, NULL, 0 }
	};
	const char	*at = NULL;
	char		*path;
	json_t		*h;
	int		 c, rv;

	while ((c = getopt_long(argc, argv, ":ha:", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			at = optarg;
			break;
		case 'j':
			hl->json = 1;
			break;
		case 'h':
			usage_print(stdout, "handover");
			return EXIT_OK;
		default:
			return opt_bad("handover", c, argv);
		}
	}
	if (optind != argc)
		return msg_usage("handover", _("no operands: use --at WHEN"));
	path = xstrdup("/v1/handover");
	cmd_list_param(&path, "at", at);	/* none: now */
	h = api_get(hl, path);
	free(path);
	if (h == NULL)
		return EXIT_ERROR;
	rv = EXIT_OK;
	if (hl->json)
		opt_json(h);
	else if (schema_use_timezone(hl) == -1)
		rv = EXIT_ERROR;
	else
		cmd_handover_print(hl, h);
	json_decref(h);
	return rv;
}
