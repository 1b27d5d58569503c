/*
 * hotline schema: the codes the server accepts, with their display names,
 * printed in the server's order so new lists show up without a new client.
 */
#include <stdlib.h>
#include <string.h>

#include "hotline.h"

/* "caller_types" -> "caller types" (caller frees). */
static char *
cmd_schema_heading(const char *key)
{
	char	*h = xstrdup(key), *p;

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
		return msg_usage("schema", "unexpected argument '%s'",
		    argv[optind]);
	if ((schema = schema_get(hl)) == NULL)
		return EXIT_ERROR;
	if (hl->json)
		opt_json(schema);
	else
		cmd_schema_print(schema);
	return EXIT_OK;
}
