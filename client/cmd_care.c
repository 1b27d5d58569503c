/*
 * hotline care: the care register for liaisons and supervisors. list
 * (overdue first), show a person with family, contacts, difficulties
 * and calls, record a contact, raise a difficulty, resolve it or hand it
 * to a queue, import a unit's form (.xlsx, .xls, CSV) and export the
 * register in the union's layouts.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hotline.h"

#define CARE_IMPORT_MAX	(16L * 1024 * 1024)

/* A positive decimal id operand. 0, or EXIT_USAGE naming what. */
static int
cmd_care_id(const char *s, const char *what, long *id)
{
	char	*end;

	errno = 0;
	*id = strtol(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0 ||
	    *id <= 0)
		return msg_usage("care", _("'%s' is not a %s"), s, what);
	return 0;
}

/* The one ID operand of a subcommand. */
static int
cmd_care_operand(int argc, char **argv, const char *what, long *id)
{
	if (optind != argc - 1)
		return msg_usage("care", optind == argc ? _("which %s? give "
		    "its ID") : _("one %s ID only"), what);
	return cmd_care_id(argv[optind], what, id);
}

static const char *
cmd_care_str(json_t *o, const char *k)
{
	const char	*s = json_string_value(json_object_get(o, k));

	return s != NULL ? s : "-";
}

static int
cmd_care_list(struct hl *hl, int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "unit", required_argument, NULL, 'u' },
		{ "team", required_argument, NULL, 't' },
		{ "liaison", required_argument, NULL, 'l' },
		{ "overdue", no_argument, NULL, 'o' },
		{ "search", required_argument, NULL, 'q' },
		OPT_COMMON,
		{ NULL, 0, NULL, 0 }
	};
	const char	*head[] = { N_("ID"), N_("NAME"), N_("UNIT"),
	    N_("TEAM"), N_("LIAISON"), N_("NEXT DUE"), N_("OVERDUE") };
	const char	*cells[7], *hd[7];
	char		*q = xstrdup("/v1/care/people");
	struct table	*t;
	json_t		*r, *p;
	char		 id[24];
	size_t		 i;
	int		 c;

	while ((c = getopt_long(argc, argv, ":hu:t:l:oq:", opts, NULL)) !=
	    -1) {
		switch (c) {
		case 'u': cmd_list_param(&q, "unit", optarg); break;
		case 't': cmd_list_param(&q, "team", optarg); break;
		case 'l': cmd_list_param(&q, "liaison", optarg); break;
		case 'o': cmd_list_param(&q, "overdue", "1"); break;
		case 'q': cmd_list_param(&q, "q", optarg); break;
		case 'j': hl->json = 1; break;
		case 'h':
			free(q);
			usage_print(stdout, "care");
			return EXIT_OK;
		default:
			free(q);
			return opt_bad("care", c, argv);
		}
	}
	if (optind != argc) {
		free(q);
		return msg_usage("care", _("unexpected argument '%s'"),
		    argv[optind]);
	}
	cmd_list_param(&q, "limit", "500");
	r = api_get(hl, q);
	free(q);
	if (r == NULL)
		return EXIT_ERROR;
	if (hl->json) {
		opt_json(r);
		json_decref(r);
		return EXIT_OK;
	}
	if (json_array_size(json_object_get(r, "people")) == 0) {
		printf(_("no people\n"));
		json_decref(r);
		return EXIT_OK;
	}
	t = table_new(7);
	for (i = 0; i < 7; i++)
		hd[i] = _(head[i]);
	table_add_head(t, hd);
	json_array_foreach(json_object_get(r, "people"), i, p) {
		snprintf(id, sizeof(id), "%lld", (long long)json_integer_value(
		    json_object_get(p, "id")));
		cells[0] = id;
		cells[1] = cmd_care_str(p, "name");
		cells[2] = cmd_care_str(p, "unit");
		cells[3] = cmd_care_str(p, "team");
		cells[4] = cmd_care_str(p, "liaison");
		cells[5] = cmd_care_str(p, "next_due");
		cells[6] = json_is_true(json_object_get(p, "overdue")) ?
		    _("overdue") : "";
		table_add_row(t, cells);
	}
	table_print(t, stdout, "");
	table_free(t);
	json_decref(r);
	return EXIT_OK;
}

static void
cmd_care_print(json_t *p)
{
	json_t	*e;
	size_t	 i;

	printf(_("person %lld: %s, %s, %s\n"), (long long)json_integer_value(
	    json_object_get(p, "id")), cmd_care_str(p, "name"),
	    cmd_care_str(p, "unit"), cmd_care_str(p, "team"));
	printf(_("  category %s, post %s, phone %s\n"), cmd_care_str(p,
	    "category"), cmd_care_str(p, "post"), cmd_care_str(p, "phone"));
	printf(_("  liaison %s; a contact every %lld days from %s; next due "
	    "%s%s\n"), cmd_care_str(p, "liaison"), (long long)
	    json_integer_value(json_object_get(p, "every_days")),
	    cmd_care_str(p, "start_date"), cmd_care_str(p, "next_due"),
	    json_is_true(json_object_get(p, "overdue")) ? _(" (overdue)") : "");
	json_array_foreach(json_object_get(p, "family"), i, e)
		printf(_("  family: %s (%s), %s\n"), cmd_care_str(e, "name"),
		    cmd_care_str(e, "relation"), cmd_care_str(e, "phone"));
	printf(_("contacts:\n"));
	if (json_array_size(json_object_get(p, "contacts")) == 0)
		printf(_("  none\n"));
	json_array_foreach(json_object_get(p, "contacts"), i, e)
		printf("  %s  %s  %s  %s  %s\n", cmd_care_str(e, "at"),
		    cmd_care_str(e, "kind"), cmd_care_str(e, "by"),
		    cmd_care_str(e, "with_whom"), cmd_care_str(e, "note"));
	printf(_("difficulties:\n"));
	if (json_array_size(json_object_get(p, "difficulties")) == 0)
		printf(_("  none\n"));
	json_array_foreach(json_object_get(p, "difficulties"), i, e)
		printf("  %lld  %s  %s  %s  %s\n", (long long)json_integer_value(
		    json_object_get(e, "id")), cmd_care_str(e, "category"),
		    cmd_care_str(e, "state"), cmd_care_str(e, "description"),
		    cmd_care_str(e, "resolution"));
	printf(_("calls:\n"));
	if (json_array_size(json_object_get(p, "calls")) == 0)
		printf(_("  none\n"));
	json_array_foreach(json_object_get(p, "calls"), i, e)
		printf(_("  call %lld  %s  %s\n"), (long long)json_integer_value(
		    json_object_get(e, "call_id")), cmd_care_str(e,
		    "started_at"), cmd_care_str(e, "risk"));
}

static int
cmd_care_show(struct hl *hl, int argc, char **argv)
{
	char	*path;
	json_t	*p;
	long	 id;
	int	 rv;

	if ((rv = opt_common(hl, "care", argc, argv)) != -1)
		return rv;
	if ((rv = cmd_care_operand(argc, argv, _("person"), &id)) != 0)
		return rv;
	path = xasprintf("/v1/care/people/%ld", id);
	p = api_get(hl, path);
	free(path);
	if (p == NULL)
		return EXIT_ERROR;
	if (hl->json)
		opt_json(p);
	else
		cmd_care_print(p);
	json_decref(p);
	return EXIT_OK;
}

/* POST body to path; print the answer as JSON or say what. */
static int
cmd_care_post(struct hl *hl, const char *method, const char *path,
    json_t *body, const char *said)
{
	json_t	*r;

	r = api_call(hl, method, path, body, NULL);
	json_decref(body);
	if (r == NULL)
		return EXIT_ERROR;
	if (hl->json)
		opt_json(r);
	else
		printf(said, (long long)json_integer_value(json_object_get(r,
		    "id")), cmd_care_str(r, "next_due"));
	json_decref(r);
	return EXIT_OK;
}

/* Set o[k] to v when v is given. */
static void
cmd_care_set(json_t *o, const char *k, const char *v)
{
	if (v != NULL)
		json_object_set_new(o, k, json_string(v));
}

static int
cmd_care_contact(struct hl *hl, int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "kind", required_argument, NULL, 'k' },
		{ "with", required_argument, NULL, 'w' },
		{ "note", required_argument, NULL, 'm' },
		{ "at", required_argument, NULL, 'a' },
		OPT_COMMON,
		{ NULL, 0, NULL, 0 }
	};
	const char	*kind = NULL, *with = NULL, *note = NULL, *at = NULL;
	char		*path;
	json_t		*b;
	long		 id;
	int		 c, rv;

	while ((c = getopt_long(argc, argv, ":hk:w:m:a:", opts, NULL)) != -1) {
		switch (c) {
		case 'k': kind = optarg; break;
		case 'w': with = optarg; break;
		case 'm': note = optarg; break;
		case 'a': at = optarg; break;
		case 'j': hl->json = 1; break;
		case 'h':
			usage_print(stdout, "care");
			return EXIT_OK;
		default:
			return opt_bad("care", c, argv);
		}
	}
	if ((rv = cmd_care_operand(argc, argv, _("person"), &id)) != 0)
		return rv;
	if (kind == NULL)
		return msg_usage("care", _("--kind is required: visit, phone "
		    "or message"));
	b = json_object();
	cmd_care_set(b, "kind", kind);
	cmd_care_set(b, "with_whom", with);
	cmd_care_set(b, "note", note);
	cmd_care_set(b, "at", at);
	path = xasprintf("/v1/care/people/%ld/contacts", id);
	rv = cmd_care_post(hl, "POST", path, b, _("contact %lld recorded; the "
	    "next is due %s\n"));
	free(path);
	return rv;
}

static int
cmd_care_difficulty(struct hl *hl, int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "category", required_argument, NULL, 'c' },
		{ "description", required_argument, NULL, 'd' },
		OPT_COMMON,
		{ NULL, 0, NULL, 0 }
	};
	const char	*cat = NULL, *desc = NULL;
	char		*path;
	json_t		*b;
	long		 id;
	int		 c, rv;

	while ((c = getopt_long(argc, argv, ":hc:d:", opts, NULL)) != -1) {
		switch (c) {
		case 'c': cat = optarg; break;
		case 'd': desc = optarg; break;
		case 'j': hl->json = 1; break;
		case 'h':
			usage_print(stdout, "care");
			return EXIT_OK;
		default:
			return opt_bad("care", c, argv);
		}
	}
	if ((rv = cmd_care_operand(argc, argv, _("person"), &id)) != 0)
		return rv;
	if (cat == NULL || desc == NULL)
		return msg_usage("care", _("--category and --description are "
		    "required"));
	b = json_object();
	cmd_care_set(b, "category", cat);
	cmd_care_set(b, "description", desc);
	path = xasprintf("/v1/care/people/%ld/difficulties", id);
	rv = cmd_care_post(hl, "POST", path, b, _("difficulty %lld raised%.0s"
	    "\n"));
	free(path);
	return rv;
}

static int
cmd_care_resolve(struct hl *hl, int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "resolution", required_argument, NULL, 'r' },
		{ "hand", required_argument, NULL, 'q' },
		{ "priority", required_argument, NULL, 'p' },
		OPT_COMMON,
		{ NULL, 0, NULL, 0 }
	};
	const char	*res = NULL, *queue = NULL, *prio = NULL;
	char		*path, *end;
	json_t		*b;
	long		 id, p;
	int		 c, rv;

	while ((c = getopt_long(argc, argv, ":hr:q:p:", opts, NULL)) != -1) {
		switch (c) {
		case 'r': res = optarg; break;
		case 'q': queue = optarg; break;
		case 'p': prio = optarg; break;
		case 'j': hl->json = 1; break;
		case 'h':
			usage_print(stdout, "care");
			return EXIT_OK;
		default:
			return opt_bad("care", c, argv);
		}
	}
	if ((rv = cmd_care_operand(argc, argv, _("difficulty"), &id)) != 0)
		return rv;
	if ((res == NULL) == (queue == NULL))
		return msg_usage("care", _("give --resolution TEXT (what was "
		    "done) or --hand QUEUE, not both"));
	b = json_object();
	cmd_care_set(b, "action", queue != NULL ? "hand" : "resolve");
	cmd_care_set(b, "resolution", res);
	cmd_care_set(b, "queue", queue);
	if (prio != NULL) {
		p = strtol(prio, &end, 10);
		if (*prio == '\0' || *end != '\0' || p < 1 || p > 9) {
			json_decref(b);
			return msg_usage("care", _("--priority takes 1 to 9"));
		}
		json_object_set_new(b, "priority", json_integer(p));
	}
	path = xasprintf("/v1/care/difficulties/%ld", id);
	rv = cmd_care_post(hl, "PATCH", path, b, queue != NULL ?
	    _("difficulty %lld handed on%.0s\n") :
	    _("difficulty %lld resolved%.0s\n"));
	free(path);
	return rv;
}

/* The whole file, at most CARE_IMPORT_MAX bytes (caller frees). */
static char *
cmd_care_slurp(const char *file, size_t *len)
{
	struct stat	 sb;
	char		*buf;
	ssize_t		 n;
	int		 fd;

	if ((fd = open(file, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &sb) == -1) {
		msg_error("%s: %s", file, strerror(errno));
		if (fd != -1)
			close(fd);
		return NULL;
	}
	if (!S_ISREG(sb.st_mode) || sb.st_size > CARE_IMPORT_MAX) {
		msg_error(_("%s: not a file of at most 16 MiB"), file);
		close(fd);
		return NULL;
	}
	buf = xmalloc((size_t)sb.st_size + 1);
	*len = 0;
	while (*len < (size_t)sb.st_size && (n = read(fd, buf + *len,
	    (size_t)sb.st_size - *len)) > 0)
		*len += (size_t)n;
	close(fd);
	return buf;
}

/* The import's answer: what it did, or every bad row. */
static int
cmd_care_import_print(struct hl *hl, struct http_response *resp)
{
	json_t	*b = resp->body, *e;
	size_t	 i;

	if (hl->json && b != NULL)
		opt_json(b);
	if (resp->status >= 200 && resp->status <= 299) {
		if (!hl->json)
			printf(_("%s: %lld rows: %lld added, %lld updated%s\n"),
			    cmd_care_str(b, "layout"), (long long)
			    json_integer_value(json_object_get(b, "rows")),
			    (long long)json_integer_value(json_object_get(b,
			    "added")), (long long)json_integer_value(
			    json_object_get(b, "updated")),
			    json_is_true(json_object_get(b, "dry_run")) ?
			    _(" (dry run: nothing stored)") : "");
		return EXIT_OK;
	}
	if (json_array_size(json_object_get(b, "problems")) == 0) {
		if (!hl->json)
			api_report(hl, resp);
		return EXIT_ERROR;
	}
	if (!hl->json) {
		msg_error(_("nothing imported: the file has %zu bad rows"),
		    json_array_size(json_object_get(b, "problems")));
		json_array_foreach(json_object_get(b, "problems"), i, e)
			fprintf(stderr, _("  row %lld, %s: %s\n"), (long long)
			    json_integer_value(json_object_get(e, "row")),
			    cmd_care_str(e, "column"), cmd_care_str(e,
			    "problem"));
	}
	return EXIT_ERROR;
}

static int
cmd_care_import(struct hl *hl, int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "liaison", required_argument, NULL, 'l' },
		OPT_COMMON,
		{ NULL, 0, NULL, 0 }
	};
	struct http_response	 resp;
	char			*q = xstrdup("/v1/care/import"), *buf;
	size_t			 len = 0;
	int			 c, rv;

	while ((c = getopt_long(argc, argv, ":hnl:", opts, NULL)) != -1) {
		switch (c) {
		case 'n': cmd_list_param(&q, "dry_run", "1"); break;
		case 'l': cmd_list_param(&q, "liaison", optarg); break;
		case 'j': hl->json = 1; break;
		case 'h':
			free(q);
			usage_print(stdout, "care");
			return EXIT_OK;
		default:
			free(q);
			return opt_bad("care", c, argv);
		}
	}
	if (optind != argc - 1) {
		free(q);
		return msg_usage("care", _("import takes one FILE"));
	}
	if ((buf = cmd_care_slurp(argv[optind], &len)) == NULL) {
		free(q);
		return EXIT_ERROR;
	}
	rv = api_upload(hl, q, buf, len, &resp);
	free(q);
	free(buf);
	if (rv == API_TRANSPORT)
		msg_error("%s", api_transport_error(hl));
	if (rv != API_OK)
		return EXIT_ERROR;
	rv = cmd_care_import_print(hl, &resp);
	http_response_free(&resp);
	return rv;
}

static int
cmd_care_export(struct hl *hl, int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "unit", required_argument, NULL, 'u' },
		{ "layout", required_argument, NULL, 'L' },
		{ "format", required_argument, NULL, 'F' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct http_response	 resp;
	const char		*file = NULL, *fmt = "csv";
	char			*q = xstrdup("/v1/care/export"), *tmp;
	FILE			*out;
	int			 c, rv;

	while ((c = getopt_long(argc, argv, ":hu:L:F:o:", opts, NULL)) != -1) {
		switch (c) {
		case 'u': cmd_list_param(&q, "unit", optarg); break;
		case 'L': cmd_list_param(&q, "layout", optarg); break;
		case 'F': fmt = optarg; break;
		case 'o': file = optarg; break;
		case 'h':
			free(q);
			usage_print(stdout, "care");
			return EXIT_OK;
		default:
			free(q);
			return opt_bad("care", c, argv);
		}
	}
	if (strcmp(fmt, "csv") != 0 && strcmp(fmt, "xlsx") != 0) {
		free(q);
		return msg_usage("care", _("--format takes csv or xlsx, not "
		    "'%s'"), fmt);
	}
	if (optind != argc || file == NULL) {
		free(q);
		return msg_usage("care", _("export writes a file: give -o "
		    "FILE"));
	}
	cmd_list_param(&q, "format", fmt);
	tmp = xasprintf("%s.part", file);
	if ((out = fopen(tmp, "w")) == NULL) {
		msg_error("%s: %s", tmp, strerror(errno));
		free(tmp);
		free(q);
		return EXIT_ERROR;
	}
	rv = api_download(hl, q, out, &resp);
	free(q);
	if (rv == API_TRANSPORT)
		msg_error("%s", api_transport_error(hl));
	else if (rv == API_OK && (resp.status < 200 || resp.status > 299))
		api_report(hl, &resp);
	rv = rv == API_OK && resp.status >= 200 && resp.status <= 299 ?
	    EXIT_OK : EXIT_ERROR;
	http_response_free(&resp);
	if (fflush(out) == EOF || fsync(fileno(out)) == -1)
		rv = EXIT_ERROR;
	fclose(out);
	if (rv == EXIT_OK && rename(tmp, file) == -1) {
		msg_error("%s: %s", file, strerror(errno));
		rv = EXIT_ERROR;
	}
	if (rv != EXIT_OK)
		unlink(tmp);
	free(tmp);
	return rv;
}

int
cmd_care(struct hl *hl, int argc, char **argv)
{
	static const struct {
		const char	*name;
		int		(*fn)(struct hl *, int, char **);
	} subs[] = {
		{ "list", cmd_care_list }, { "show", cmd_care_show },
		{ "contact", cmd_care_contact },
		{ "difficulty", cmd_care_difficulty },
		{ "resolve", cmd_care_resolve }, { "import", cmd_care_import },
		{ "export", cmd_care_export },
	};
	size_t	 i;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		usage_print(argc < 2 ? stderr : stdout, "care");
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		if (strcmp(subs[i].name, argv[1]) == 0) {
			optind = 0;	/* glibc: start getopt afresh */
			return subs[i].fn(hl, argc - 1, argv + 1);
		}
	return msg_usage("care", _("unknown subcommand '%s': list, show, "
	    "contact, difficulty, resolve, import or export"), argv[1]);
}
