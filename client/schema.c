/*
 * The server's schema (GET /v1/schema): the codes and display names the
 * forms and tables use, and the timezone times are read and shown in.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hotline.h"

/* The schema, fetched on first use and kept for the run (borrowed). */
json_t *
schema_get(struct hl *hl)
{
	json_t	*s;

	if (hl->schema != NULL)
		return hl->schema;
	if ((s = api_get(hl, "/v1/schema")) == NULL)
		return NULL;
	if (!json_is_object(s)) {
		msg_error(_("the schema from %s is not a JSON object"), hl->server);
		json_decref(s);
		return NULL;
	}
	hl->schema = s;
	return s;
}

/* One list of {code, name} (e.g. "topics"), or NULL. */
const json_t *
schema_list(struct hl *hl, const char *list)
{
	json_t	*s = schema_get(hl), *l;

	if (s == NULL || !json_is_array(l = json_object_get(s, list)))
		return NULL;
	return l;
}

/* The display name of code in list, or NULL if unknown. */
const char *
schema_name(struct hl *hl, const char *list, const char *code)
{
	const json_t	*l;
	json_t		*e;
	size_t		 i;
	const char	*c;

	if (code == NULL || (l = schema_list(hl, list)) == NULL)
		return NULL;
	json_array_foreach(l, i, e) {
		c = json_string_value(json_object_get(e, "code"));
		if (c != NULL && strcmp(c, code) == 0)
			return json_string_value(json_object_get(e, "name"));
	}
	return NULL;
}

/* glibc quietly falls back to UTC for a zone it has no file for. */
static void
schema_check_zone(const char *tz)
{
	const char	*dir = getenv("TZDIR");
	char		*path;

	if (tz[0] == ':')
		tz++;
	path = tz[0] == '/' ? xstrdup(tz) : xasprintf("%s/%s",
	    dir != NULL && dir[0] != '\0' ? dir : "/usr/share/zoneinfo", tz);
	if (access(path, R_OK) == -1)
		msg_note(_("this machine does not know the server's timezone %s "
		    "(install tzdata); times may be off"), tz);
	free(path);
}

/*
 * Read and show times in the server's timezone, whatever the operator's
 * machine is set to: the records and the day boundaries are the server's.
 */
int
schema_use_timezone(struct hl *hl)
{
	json_t		*s = schema_get(hl);
	const char	*tz;

	if (s == NULL)
		return -1;
	tz = json_string_value(json_object_get(s, "timezone"));
	if (tz == NULL || tz[0] == '\0')
		return 0;
	schema_check_zone(tz);
	if (setenv("TZ", tz, 1) == -1) {
		msg_error(_("cannot set TZ to the server's timezone %s"), tz);
		return -1;
	}
	tzset();
	return 0;
}
