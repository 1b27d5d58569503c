/*
 * hotline schema: the codes the server accepts, with their display names,
 * printed in the server's order so new lists show up without a new client.
 */
#include <stdlib.h>
#include <string.h>

#include "hotline.h"

/* The headings of the lists and values a schema has today. */
static const struct {
	const char	*key, *heading;
} cmd_schema_headings[] = {
	{ "version", N_("version") },
	{ "timezone", N_("timezone") },
	{ "lines", N_("lines") },
	{ "caller_types", N_("caller types") },
	{ "topics", N_("topics") },
	{ "risk_levels", N_("risk levels") },
	{ "outcomes", N_("outcomes") },
	{ "queues", N_("queues") },
	{ "call_types", N_("call types") },
	{ "genders", N_("genders") },
	{ "age_bands", N_("age bands") },
	{ "assessment_answers", N_("assessment answers") },
	{ "limits", N_("limits") },
};

/* "caller_types" -> "caller types", translated; a key this client does
 * not know yet, with blanks for underscores (caller frees). */
static char *
cmd_schema_heading(const char *key)
{
	char	*h, *p;
	size_t	 i;

	for (i = 0; i < sizeof cmd_schema_headings /
	    sizeof cmd_schema_headings[0]; i++)
		if (strcmp(cmd_schema_headings[i].key, key) == 0)
			return xstrdup(_(cmd_schema_headings[i].heading));
	h = xstrdup(key);
	for (p = h; *p != '\0'; p++)
		if (*p == '_')
			*p = ' ';
	return h;
}

/* The string member k of e, cleaned for the terminal (caller frees). */
static char *
cmd_schema_member(json_t *e, const char *k)
{
	const char	*v = json_string_value(json_object_get(e, k));

	return record_clean(v != NULL ? v : "", 0);
}

/* A list of {code, name}, as an aligned table. */
static void
cmd_schema_codes(const char *key, json_t *list)
{
	struct table	*t = table_new(2);
	const char	*cells[2];
	char		*heading = cmd_schema_heading(key), *code, *name;
	json_t		*e;
	size_t		 i;

	json_array_foreach(list, i, e) {
		code = cmd_schema_member(e, "code");
		name = cmd_schema_member(e, "name");
		cells[0] = code;
		cells[1] = name;
		table_add_row(t, cells);
		free(code);
		free(name);
	}
	printf("\n%s\n", heading);
	table_print(t, stdout, "  ");
	table_free(t);
	free(heading);
}

/* Any other value: one line, readable where we can. */
static void
cmd_schema_other(const char *key, json_t *v)
{
	char	*heading = cmd_schema_heading(key);
	char	*text = record_value_text(NULL, "", v);

	printf("%s: %s\n", heading, text);
	free(text);
	free(heading);
}

static int
cmd_schema_is_codes(json_t *v)
{
	return json_is_array(v) && json_array_size(v) > 0 &&
	    json_is_object(json_array_get(v, 0));
}

static void
cmd_schema_print(json_t *schema)
{
	const char	*key;
	json_t		*v;

	json_object_foreach(schema, key, v)
		if (!cmd_schema_is_codes(v))
			cmd_schema_other(key, v);
	json_object_foreach(schema, key, v)
		if (cmd_schema_is_codes(v))
			cmd_schema_codes(key, v);
}

int
cmd_schema(struct hl *hl, int argc, char **argv)
{
	json_t	*schema;
	int	 rv;

	if ((rv = opt_common(hl, "schema", argc, argv)) != -1)
		return rv;
	if (optind < argc)
		return msg_usage("schema", _("unexpected argument '%s'"),
		    argv[optind]);
	if ((schema = schema_get(hl)) == NULL)
		return EXIT_ERROR;
	if (hl->json)
		opt_json(schema);
	else
		cmd_schema_print(schema);
	return EXIT_OK;
}
