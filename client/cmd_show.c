/*
 * hotline show ID: one call as a key/value block, then its amendments.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "hotline.h"

/* A call id operand: a positive decimal integer. 0, or EXIT_USAGE. */
int
cmd_show_parse_id(const char *cmd, const char *s, long *id)
{
	char	*end;

	errno = 0;
	*id = strtol(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0 ||
	    *id <= 0)
		return msg_usage(cmd, _("'%s' is not a call id"), s);
	return 0;
}

/* One side of a change; a side left out is a personal value we may not see. */
static char *
cmd_show_side(struct hl *hl, const char *field, json_t *change,
    const char *side)
{
	json_t	*v = json_object_get(change, side);

	if (v == NULL)
		return xstrdup(_("(hidden)"));
	return record_value_line(hl, field, v);
}

static void
cmd_show_change(struct hl *hl, const char *field, json_t *change)
{
	char	*from, *to;

	/* Retention erased the values: say so, not "hidden". */
	if (json_is_string(change) &&
	    strcmp(json_string_value(change), "(erased)") == 0) {
		printf(_("      %s: (erased)\n"), record_label(field));
		return;
	}
	if (!json_is_object(change)) {
		printf(_("      %s: (hidden)\n"), record_label(field));
		return;
	}
	from = cmd_show_side(hl, field, change, "from");
	to = cmd_show_side(hl, field, change, "to");
	printf(_("      %s: %s → %s\n"), record_label(field), from, to);
	free(from);
	free(to);
}

/* One amendment: the version it replaced, when, who, and each change. */
static void
cmd_show_amendment(struct hl *hl, json_t *a)
{
	json_t		*changes = json_object_get(a, "changes"), *v;
	const char	*field;
	char		*when, *who;
	size_t		 i;

	when = record_value_text(hl, "updated_at", json_object_get(a,
	    "amended_at"));
	who = record_value_text(hl, "operator", json_object_get(a,
	    "amended_by"));
	printf("  v%lld  %s  %s\n",
	    (long long)json_integer_value(json_object_get(a, "version")),
	    when, who);
	json_object_foreach(changes, field, v)
		cmd_show_change(hl, field, v);
	json_array_foreach(json_object_get(a, "redacted"), i, v)
		if (json_is_string(v) &&
		    json_object_get(changes, json_string_value(v)) == NULL)
			printf(_("      %s: (hidden)\n"),
			    record_label(json_string_value(v)));
	free(when);
	free(who);
}

static void
cmd_show_history(struct hl *hl, json_t *rec)
{
	json_t	*history = json_object_get(rec, "history"), *a;
	size_t	 i;

	if (json_array_size(history) == 0)
		return;
	printf(_("\nhistory (version replaced, when, by whom, what "
	    "changed)\n"));
	json_array_foreach(history, i, a)
		cmd_show_amendment(hl, a);
}

static void
cmd_show_print(struct hl *hl, json_t *rec)
{
	printf(_("call %lld\n"),
	    (long long)json_integer_value(json_object_get(rec, "id")));
	record_print(hl, rec, stdout);
	cmd_show_history(hl, rec);
}

int
cmd_show(struct hl *hl, int argc, char **argv)
{
	json_t	*rec;
	char	 path[64];
	long	 id;
	int	 rv;

	if ((rv = opt_common(hl, "show", argc, argv)) != -1)
		return rv;
	if (optind != argc - 1)
		return msg_usage("show", optind == argc ? _("which call? give "
		    "its ID") : _("one call ID only"));
	if ((rv = cmd_show_parse_id("show", argv[optind], &id)) != 0)
		return rv;
	snprintf(path, sizeof path, "/v1/calls/%ld", id);
	if ((rec = api_get(hl, path)) == NULL)
		return EXIT_ERROR;
	if (hl->json)
		opt_json(rec);
	else if (schema_use_timezone(hl) == 0)
		cmd_show_print(hl, rec);
	else
		rv = EXIT_ERROR;
	json_decref(rec);
	return rv == EXIT_ERROR ? EXIT_ERROR : EXIT_OK;
}
