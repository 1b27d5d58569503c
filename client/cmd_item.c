/*
 * hotline item ID: one queue item, its call and its history, each move's
 * detail in the reader's language (detail.c). The server's JSON with
 * --json.
 */
#include <stdlib.h>
#include <string.h>

#include "hotline.h"

/* A history's action in the reader's language. */
static const char *
cmd_item_action(const char *code)
{
	static const struct msg_word words[] = {
		{ "created", NC_("item history", "created") },
		{ "claimed", NC_("item history", "claimed") },
		{ "renewed", NC_("item history", "renewed") },
		{ "released", NC_("item history", "released") },
		{ "completed", NC_("item history", "completed") },
		{ "lease expired", NC_("item history", "lease expired") },
		{ "escalated", NC_("item history", "escalated") },
		{ "attempted", NC_("item history", "attempt") },
		{ "cancelled", NC_("item history", "cancelled") },
	};

	return msg_word(words, sizeof(words) / sizeof(words[0]),
	    "item history", code);
}

/* Who moved it: a user's name, the daemon or the phone system. */
static const char *
cmd_item_by(const char *name)
{
	static const struct msg_word words[] = {
		{ "hotlined", NC_("item history", "system") },
		{ "pbx", NC_("item history", "phone system") },
	};

	return msg_word(words, sizeof(words) / sizeof(words[0]),
	    "item history", name);
}

/* The history: when, who, what, and the detail, aligned. */
static void
cmd_item_history(struct hl *hl, json_t *history)
{
	struct table	*t = table_new(4);
	const char	*cells[4];
	char		*v[4];
	json_t		*e;
	size_t		 i;
	int		 k;

	json_array_foreach(history, i, e) {
		v[0] = record_value_text(hl, "updated_at", json_object_get(e,
		    "at"));
		v[1] = record_clean(cmd_item_by(json_string_value(
		    json_object_get(e, "by"))), 0);
		v[2] = record_clean(cmd_item_action(json_string_value(
		    json_object_get(e, "action"))), 0);
		v[3] = detail_text(hl, json_string_value(json_object_get(e,
		    "action")), json_string_value(json_object_get(e,
		    "detail")));
		for (k = 0; k < 4; k++)
			cells[k] = v[k];
		table_add_row(t, cells);
		for (k = 0; k < 4; k++)
			free(v[k]);
	}
	printf(_("\nhistory (when, by whom, what)\n"));
	table_print(t, stdout, "  ");
	table_free(t);
}

/* Who holds it until when, who completed or cancelled it, and when. */
static void
cmd_item_state(struct hl *hl, json_t *it)
{
	const char	*state;
	char		*at, *who;

	state = json_string_value(json_object_get(it, "state"));
	if (state != NULL && strcmp(state, "claimed") == 0) {
		at = record_value_text(hl, "callback_at", json_object_get(it,
		    "lease_until"));
		who = record_clean(json_string_value(json_object_get(it,
		    "claimed_by")), 0);
		printf(_("held by %s until %s\n"), who, at);
		free(at);
		free(who);
	}
	if (json_is_string(json_object_get(it, "completed_by"))) {
		at = record_value_text(hl, "callback_at", json_object_get(it,
		    "completed_at"));
		who = record_clean(json_string_value(json_object_get(it,
		    "completed_by")), 0);
		printf(state != NULL && strcmp(state, "cancelled") == 0 ?
		    _("cancelled by %s at %s\n") : _("completed by %s at %s\n"),
		    who, at);
		free(at);
		free(who);
	}
	if (json_is_true(json_object_get(it, "escalated"))) {
		at = record_value_text(hl, "callback_at", json_object_get(it,
		    "escalated_at"));
		printf(_("escalated at %s\n"), at);
		free(at);
	}
}

/* "item 7 (call 12, referral, priority 1), 青岛市精神卫生中心: waiting". */
static void
cmd_item_head(struct hl *hl, json_t *it)
{
	char	*state, *queue, *kind, *due, *res;

	state = record_clean(record_item_word(json_string_value(
	    json_object_get(it, "state"))), 0);
	queue = record_clean(json_string_value(json_object_get(it,
	    "queue_name")), 0);
	kind = record_item_kind(json_string_value(json_object_get(it,
	    "kind")));
	if (json_is_integer(json_object_get(it, "call_id")))
		printf(_("item %lld (call %lld, %s, priority %lld), %s: %s\n"),
		    (long long)json_integer_value(json_object_get(it, "id")),
		    (long long)json_integer_value(json_object_get(it,
		    "call_id")), kind, (long long)json_integer_value(
		    json_object_get(it, "priority")), queue, state);
	else
		printf(_("item %lld (%s, priority %lld), %s: %s\n"),
		    (long long)json_integer_value(json_object_get(it, "id")),
		    kind, (long long)json_integer_value(json_object_get(it,
		    "priority")), queue, state);
	free(state);
	free(queue);
	free(kind);
	due = record_value_text(hl, "callback_at", json_object_get(it,
	    "due_at"));
	printf(_("due %s\n"), due);
	free(due);
	cmd_item_state(hl, it);
	if (json_is_string(json_object_get(it, "resolution"))) {
		res = record_clean(json_string_value(json_object_get(it,
		    "resolution")), 0);
		printf(_("resolution: %s\n"), res);
		free(res);
	} else if (record_is_redacted(it, "resolution"))
		printf(_("resolution: %s\n"), _("(hidden)"));
	cmd_queue_print_missed(hl, it);
}

static void
cmd_item_print(struct hl *hl, json_t *it)
{
	json_t	*call = json_object_get(it, "call");

	cmd_item_head(hl, it);
	if (json_is_object(call)) {
		printf(_("\ncall %lld\n"),
		    (long long)json_integer_value(json_object_get(call, "id")));
		record_print(hl, call, stdout);
	}
	if (json_array_size(json_object_get(it, "history")) > 0)
		cmd_item_history(hl, json_object_get(it, "history"));
}

int
cmd_item(struct hl *hl, int argc, char **argv)
{
	char	*path;
	json_t	*it;
	long	 id;
	int	 rv;

	if ((rv = opt_common(hl, "item", argc, argv)) != -1)
		return rv;
	if (optind != argc - 1)
		return msg_usage("item", optind == argc ? _("which item? give "
		    "its ID") : _("one item ID only"));
	if ((rv = cmd_queue_parse_id("item", argv[optind], &id)) != 0)
		return rv;
	path = xasprintf("/v1/queue-items/%ld", id);
	it = api_get(hl, path);
	free(path);
	if (it == NULL)
		return EXIT_ERROR;
	rv = EXIT_OK;
	if (hl->json)
		opt_json(it);
	else if (schema_use_timezone(hl) == -1)
		rv = EXIT_ERROR;
	else
		cmd_item_print(hl, it);
	json_decref(it);
	return rv;
}
