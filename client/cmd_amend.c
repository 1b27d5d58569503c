/*
 * hotline amend ID: change some fields of a call. The version read first
 * goes in If-Match, so a change made meanwhile is reported, not overwritten.
 */
#include <stdlib.h>
#include <string.h>

#include "hotline.h"

enum { CMD_AMEND_CLEAR = 512, CMD_AMEND_HOLD };

static const struct option cmd_amend_extra[] = {
	OPT_COMMON,
	{ "clear", required_argument, NULL, CMD_AMEND_CLEAR },
	{ "legal-hold", optional_argument, NULL, CMD_AMEND_HOLD },
	{ NULL, 0, NULL, 0 }
};

/* --legal-hold[=yes|no]: a supervisor's or an admin's, not a log field. */
static int
cmd_amend_hold(struct fields *f, const char *arg)
{
	int	 hold;

	if (arg == NULL || strcmp(arg, "yes") == 0)
		hold = 1;
	else if (strcmp(arg, "no") == 0)
		hold = 0;
	else
		return msg_usage("amend", _("--legal-hold takes yes or no, not "
		    "'%s'"), arg);
	json_object_set_new(f->set, "legal_hold", json_boolean(hold));
	return -1;
}

static int
cmd_amend_option(struct hl *hl, struct fields *f, int c, char **argv)
{
	int	rv;

	switch (c) {
	case 'j':
		hl->json = 1;
		return -1;
	case 'h':
		usage_print(stdout, "amend");
		return EXIT_OK;
	case CMD_AMEND_CLEAR:
		return fields_clear(f, "amend", optarg) == 0 ? -1 : EXIT_USAGE;
	case CMD_AMEND_HOLD:
		return cmd_amend_hold(f, optarg);
	}
	if ((rv = fields_option(f, "amend", c, optarg)) == 1)
		return -1;
	return rv != 0 ? rv : opt_bad("amend", c, argv);
}

/* Options and the ID. -1 to go on, else an exit status. */
static int
cmd_amend_options(struct hl *hl, struct fields *f, long *id, int argc,
    char **argv)
{
	struct option	*opts = fields_long_options(cmd_amend_extra);
	int		 c, rv = -1;

	while (rv == -1 && (c = getopt_long(argc, argv,
	    ":h" FIELDS_SHORT_OPTIONS, opts, NULL)) != -1)
		rv = cmd_amend_option(hl, f, c, argv);
	free(opts);
	if (rv != -1)
		return rv;
	if (optind != argc - 1)
		return msg_usage("amend", optind == argc ? _("which call? give "
		    "its ID") : _("one call ID only"));
	if ((rv = cmd_show_parse_id("amend", argv[optind], id)) != 0)
		return rv;
	if (json_object_size(f->set) == 0 && json_array_size(f->clear) == 0)
		return msg_usage("amend", _("nothing to change: give field "
		    "options or --clear FIELD"));
	/* Consent is checked again once the record is read. */
	return fields_check(f, "amend", 1) == 0 ? -1 : EXIT_USAGE;
}

/* The body of the PATCH: the fields given, null for those cleared. */
static json_t *
cmd_amend_patch(const struct fields *f)
{
	json_t	*patch = json_deep_copy(f->set), *v;
	size_t	 i;

	json_array_foreach(f->clear, i, v)
		json_object_set_new(patch, json_string_value(v), json_null());
	return patch;
}

/* One "field: old → new" line, or nothing if it did not change. */
static void
cmd_amend_change(struct hl *hl, const char *field, json_t *before,
    json_t *after)
{
	json_t	*old = json_object_get(before, field);
	json_t	*new = json_object_get(after, field);
	char	*o, *n;

	if (json_equal(old, new) || (old == NULL && new == NULL))
		return;
	o = old == NULL && record_is_redacted(before, field) ?
	    xstrdup(_("(hidden)")) : record_value_line(hl, field, old);
	n = new == NULL && record_is_redacted(after, field) ?
	    xstrdup(_("(hidden)")) : record_value_line(hl, field, new);
	printf("  %s: %s → %s\n", record_label(field), o, n);
	free(o);
	free(n);
}

static void
cmd_amend_print(struct hl *hl, json_t *patch, json_t *before, json_t *after)
{
	json_int_t	 v0 = json_integer_value(json_object_get(before,
			    "version"));
	json_int_t	 v1 = json_integer_value(json_object_get(after,
			    "version"));
	const char	*field;
	json_t		*v;

	if (v0 == v1) {
		printf(_("call %lld unchanged (version %lld)\n"),
		    (long long)json_integer_value(json_object_get(after, "id")),
		    (long long)v1);
		return;
	}
	printf(_("call %lld amended: version %lld → %lld\n"),
	    (long long)json_integer_value(json_object_get(after, "id")),
	    (long long)v0, (long long)v1);
	json_object_foreach(patch, field, v)
		cmd_amend_change(hl, field, before, after);
	/* Routing follows from the other fields: say if it moved too. */
	cmd_amend_change(hl, "queue_items", before, after);
}

/* PATCH with If-Match; the updated record, or NULL after reporting. */
static json_t *
cmd_amend_send(struct hl *hl, const char *path, json_t *patch, json_t *before)
{
	char		*hdr;
	const char	*headers[2];
	json_t		*after;

	hdr = xasprintf("If-Match: \"%lld\"",
	    (long long)json_integer_value(json_object_get(before, "version")));
	headers[0] = hdr;
	headers[1] = NULL;
	after = api_call(hl, "PATCH", path, patch, headers);
	free(hdr);
	return after;
}

/* Whether the last request failed for want of the server (no answer, 5xx,
 * 429). */
static int
cmd_amend_unreachable(const struct hl *hl)
{
	return hl->http != NULL && (hl->last_status == 0 ||
	    api_later(hl->last_status));
}

/*
 * The server cannot take the amendment now: save it. version: the one it
 * was made against (If-Match on resend), 0 when the call could not even
 * be read; then the amendment applies to the call as it is when sent (its
 * history keeps every value it replaces).
 */
static int
cmd_amend_spool(struct hl *hl, const char *path, const json_t *patch,
    long long version, int flags)
{
	char	 key[UUID_LEN], *file;
	int	 rv;

	if (uuid_v4(key) == -1) {
		msg_error(_("cannot make a key for the spool"));
		return EXIT_ERROR;
	}
	if ((file = spool_save(hl, "amend", "PATCH", path, key, version,
	    patch, flags, hl->last_status == 0 ? _("no answer from the "
	    "server") : _("the server could not take it"))) == NULL) {
		msg_error(_("the amendment is NOT stored and could not be saved "
		    "locally: run the same command again later"));
		return EXIT_ERROR;
	}
	rv = cmd_sync_spooled(hl, "amendment", file);
	free(file);
	return rv;
}

static int
cmd_amend_run(struct hl *hl, const struct fields *f, long id)
{
	json_t		*before, *after = NULL, *patch = NULL;
	char		 path[64];
	long long	 version;
	int		 rv = EXIT_ERROR;

	snprintf(path, sizeof path, "/v1/calls/%ld", id);
	patch = cmd_amend_patch(f);
	if ((before = api_get(hl, path)) == NULL) {
		rv = cmd_amend_unreachable(hl) ? cmd_amend_spool(hl, path,
		    patch, 0, SPOOL_RESOLVE_TIMES) : EXIT_ERROR;
		json_decref(patch);
		return rv;
	}
	if ((rv = fields_check(f, "amend", json_is_true(json_object_get(before,
	    "consent")))) != 0)
		goto out;
	rv = EXIT_ERROR;
	if (fields_resolve_times(hl, patch) == -1)
		goto out;
	if ((after = cmd_amend_send(hl, path, patch, before)) == NULL) {
		version = json_integer_value(json_object_get(before,
		    "version"));
		if (cmd_amend_unreachable(hl))
			rv = cmd_amend_spool(hl, path, patch, version, 0);
		goto out;
	}
	if (hl->json)
		opt_json(after);
	else if (schema_use_timezone(hl) == -1)
		goto out;
	else
		cmd_amend_print(hl, patch, before, after);
	rv = EXIT_OK;
out:
	json_decref(before);
	json_decref(after);
	json_decref(patch);
	return rv;
}

int
cmd_amend(struct hl *hl, int argc, char **argv)
{
	struct fields	 f;
	long		 id;
	int		 rv;

	fields_init(&f);
	if ((rv = cmd_amend_options(hl, &f, &id, argc, argv)) == -1)
		rv = cmd_amend_run(hl, &f, id);
	fields_free(&f);
	return rv;
}
