/*
 * hotline whoami: who the server takes the requester to be.
 */
#include "hotline.h"

int
cmd_whoami(struct hl *hl, int argc, char **argv)
{
	json_t		*who;
	const char	*name, *role, *via;
	int		 rv;

	if ((rv = opt_common(hl, "whoami", argc, argv)) != -1)
		return rv;
	if (optind < argc)
		return msg_usage("whoami", _("unexpected argument '%s'"),
		    argv[optind]);
	if ((who = api_get(hl, "/v1/whoami")) == NULL)
		return EXIT_ERROR;
	if (hl->json)
		opt_json(who);
	else {
		name = json_string_value(json_object_get(who, "name"));
		role = json_string_value(json_object_get(who, "role"));
		via = json_string_value(json_object_get(who, "via"));
		printf(_("%s (%s, via %s)\n"), name ? name : "?",
		    role ? role : "?", via ? via : "?");
	}
	json_decref(who);
	return EXIT_OK;
}
