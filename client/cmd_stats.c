/*
 * hotline stats: the server's breakdown as an aligned table with a totals
 * row, as CSV or JSON, or as a bar chart of the first dimension; and
 * hotline export: every call in a range, streamed to a file or stdout.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hotline.h"

/* The metric columns, in order: JSON member and heading. */
static const struct {
	const char	*key, *head;
} cmd_stats_cols[] = {
	{ "calls", N_("CALLS") },
	{ "duration_total_s", N_("DURATION") },
	{ "duration_mean_s", N_("MEAN") },
	{ "high_risk_share", N_("HIGH RISK") },
	{ "follow_ups", N_("FOLLOW-UPS") },
	{ "wait_median_s", N_("WAIT P50") },
	{ "wait_p90_s", N_("WAIT P90") },
	{ "past_sla", N_("PAST SLA") },
};

/* The dimensions' names for a person; CSV keeps the codes. */
static const struct {
	const char	*dim, *name;
} cmd_stats_dims[] = {
	{ "hour", N_("hour") },
	{ "day", N_("day") },
	{ "week", N_("week") },
	{ "month", N_("month") },
	{ "line", N_("line") },
	{ "caller_type", N_("caller type") },
	{ "topic", N_("topic") },
	{ "risk", N_("risk") },
	{ "outcome", N_("outcome") },
	{ "operator", N_("operator") },
	{ "queue", N_("queue") },
	{ "call_type", N_("call type") },
};
#define CMD_STATS_NCOLS	(sizeof cmd_stats_cols / sizeof cmd_stats_cols[0])
#define CMD_STATS_MAXDIM	2

enum cmd_stats_format { FMT_TABLE, FMT_CSV, FMT_JSON };

/* A dimension's name, translated (the code if this client does not know
 * it). */
static const char *
cmd_stats_dim_name(const char *dim)
{
	size_t	i;

	for (i = 0; dim != NULL && i < sizeof cmd_stats_dims /
	    sizeof cmd_stats_dims[0]; i++)
		if (strcmp(cmd_stats_dims[i].dim, dim) == 0)
			return _(cmd_stats_dims[i].name);
	return dim != NULL ? dim : "";
}

/* One metric as text; csv: plain numbers, else for a person. */
static char *
cmd_stats_value(const char *key, json_t *v, int csv)
{
	double	 d;

	if (v == NULL || json_is_null(v))
		return xstrdup(csv ? "" : "-");
	d = json_number_value(v);
	if (strcmp(key, "high_risk_share") == 0)
		return csv ? xasprintf("%.4f", d) : xasprintf("%.1f%%",
		    d * 100.0);
	if (!csv && (strcmp(key, "duration_total_s") == 0 ||
	    strcmp(key, "duration_mean_s") == 0 || strncmp(key, "wait_", 5) ==
	    0))
		return timeparse_duration_text(lround(d));
	if (json_is_real(v))
		return xasprintf("%.1f", d);
	return xasprintf("%lld", (long long)json_integer_value(v));
}

/* A dimension's value: "400 (400-8692-525)", or the bucket's label. */
static char *
cmd_stats_dim(json_t *g, const char *dim, int csv)
{
	json_t		*v = json_object_get(g, dim);
	char		 key[64];
	const char	*name;

	if (!json_is_string(v))
		return xstrdup(csv ? "" : _("(none)"));
	snprintf(key, sizeof key, "%s_name", dim);
	name = json_string_value(json_object_get(g, key));
	if (name == NULL || csv)
		return record_clean(json_string_value(v), 0);
	return xasprintf("%s (%s)", json_string_value(v), name);
}

/* One CSV field to stdout, quoted when it must be (RFC 4180). */
static void
cmd_stats_csv_field(const char *v, int first)
{
	const char	*p;

	if (!first)
		putchar(',');
	if (strpbrk(v, ",\"\r\n") == NULL) {
		fputs(v, stdout);
		return;
	}
	putchar('"');
	for (p = v; *p != '\0'; p++) {
		if (*p == '"')
			putchar('"');
		putchar(*p);
	}
	putchar('"');
}

/* A row's cells: the dimensions (or "total"), then the metrics. */
static void
cmd_stats_cells(json_t *g, json_t *by, int csv, char **cells)
{
	size_t	 i, n = json_array_size(by);

	for (i = 0; i < n; i++)
		cells[i] = cmd_stats_dim(g, json_string_value(json_array_get(by,
		    i)), csv);
	for (i = 0; i < CMD_STATS_NCOLS; i++)
		cells[n + i] = cmd_stats_value(cmd_stats_cols[i].key,
		    json_object_get(g, cmd_stats_cols[i].key), csv);
}

static void
cmd_stats_free_cells(char **cells, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		free(cells[i]);
}

/* The groups, then the totals, as a table or as CSV. */
static void
cmd_stats_print(json_t *res, int csv)
{
	json_t		*by = json_object_get(res, "by"), *g;
	size_t		 nd = json_array_size(by), n = nd + CMD_STATS_NCOLS;
	size_t		 i, k;
	char		*cells[CMD_STATS_MAXDIM + CMD_STATS_NCOLS];
	const char	*row[CMD_STATS_MAXDIM + CMD_STATS_NCOLS];
	struct table	*t = table_new((int)n);

	for (i = 0; i < nd; i++) {
		row[i] = json_string_value(json_array_get(by, i));
		if (!csv)
			row[i] = cmd_stats_dim_name(row[i]);
	}
	for (i = 0; i < CMD_STATS_NCOLS; i++)
		row[nd + i] = csv ? cmd_stats_cols[i].key :
		    _(cmd_stats_cols[i].head);
	if (csv) {
		for (i = 0; i < n; i++)
			cmd_stats_csv_field(row[i], i == 0);
		fputs("\r\n", stdout);
	} else {
		table_add_row(t, row);
		for (i = nd; i < n; i++)
			table_align_right(t, (int)i);
	}
	json_array_foreach(json_object_get(res, "groups"), k, g) {
		cmd_stats_cells(g, by, csv, cells);
		for (i = 0; i < n; i++)
			row[i] = cells[i];
		if (csv) {
			for (i = 0; i < n; i++)
				cmd_stats_csv_field(row[i], i == 0);
			fputs("\r\n", stdout);
		} else
			table_add_row(t, row);
		cmd_stats_free_cells(cells, n);
	}
	cmd_stats_cells(json_object_get(res, "totals"), by, csv, cells);
	for (i = 0; i < nd; i++) {
		free(cells[i]);
		cells[i] = xstrdup(i > 0 ? "" : csv ? "total" : _("total"));
	}
	for (i = 0; i < n; i++)
		row[i] = cells[i];
	if (csv) {
		for (i = 0; i < n; i++)
			cmd_stats_csv_field(row[i], i == 0);
		fputs("\r\n", stdout);
	} else {
		table_add_row(t, row);
		table_print(t, stdout, "");
	}
	cmd_stats_free_cells(cells, n);
	table_free(t);
	if (!csv && json_is_string(json_object_get(res, "note")))
		printf(_("note: %s\n"), json_string_value(json_object_get(res,
		    "note")));
}

/* The terminal's width, or 80. */
static int
cmd_stats_columns(void)
{
	const char	*c = getenv("COLUMNS");
	long		 n = c != NULL ? strtol(c, NULL, 10) : 0;

	return n >= 40 && n <= 1000 ? (int)n : 80;
}

/* A bar of v/max of width cells, in eighths of a block. */
static void
cmd_stats_bar(double v, double max, int width)
{
	static const char *const part[] = { "", "▏", "▎", "▍", "▌", "▋", "▊",
	    "▉" };
	long	 eighths = max > 0 ? lround(v / max * width * 8) : 0;
	long	 i;

	for (i = 0; i < eighths / 8; i++)
		fputs("█", stdout);
	fputs(part[eighths % 8], stdout);
}

/* Calls by the first dimension (summed over the second), as bars. */
static void
cmd_stats_chart(json_t *res)
{
	json_t		*by = json_object_get(res, "by"), *g;
	const char	*dim = json_string_value(json_array_get(by, 0));
	char		**labels = NULL;
	double		*vals = NULL, max = 0;
	size_t		 n = 0, i, k;
	int		 w, lw = 0, width;
	char		*l;

	json_array_foreach(json_object_get(res, "groups"), k, g) {
		l = cmd_stats_dim(g, dim, 0);
		for (i = 0; i < n; i++)
			if (strcmp(labels[i], l) == 0)
				break;
		if (i == n) {
			labels = xreallocarray(labels, n + 1, sizeof *labels);
			vals = xreallocarray(vals, n + 1, sizeof *vals);
			labels[n] = l;
			vals[n++] = 0;
		} else
			free(l);
		vals[i] += json_number_value(json_object_get(g, "calls"));
	}
	for (i = 0; i < n; i++) {
		if ((w = table_width(labels[i])) > lw)
			lw = w;
		if (vals[i] > max)
			max = vals[i];
	}
	width = cmd_stats_columns() - lw - 12;
	if (width < 10)
		width = 10;
	printf(_("calls by %s\n"), cmd_stats_dim_name(dim));
	for (i = 0; i < n; i++) {
		printf("%s%*s  ", labels[i], lw - table_width(labels[i]), "");
		cmd_stats_bar(vals[i], max, width);
		printf(" %.0f\n", vals[i]);
		free(labels[i]);
	}
	free(labels);
	free(vals);
}

/* --from and --to, both required, into the query q. */
int
cmd_stats_range(struct hl *hl, const char *cmd, const char *from,
    const char *to, char **q)
{
	char	*f, *t;
	int	 rv;

	if (from == NULL || to == NULL)
		return msg_usage(cmd, _("--from and --to are required (dates "
		    "YYYY-MM-DD or times)"));
	if ((rv = cmd_list_check_when(cmd, "from", from)) != 0 ||
	    (rv = cmd_list_check_when(cmd, "to", to)) != 0)
		return rv;
	if (schema_use_timezone(hl) == -1)
		return EXIT_ERROR;
	if ((f = cmd_list_when("from", from)) == NULL)
		return EXIT_ERROR;
	if ((t = cmd_list_when("to", to)) == NULL) {
		free(f);
		return EXIT_ERROR;
	}
	cmd_list_param(q, "from", f);
	cmd_list_param(q, "to", t);
	free(f);
	free(t);
	return EXIT_OK;
}

static int
cmd_stats_format(const char *cmd, const char *s, int *out)
{
	if (strcmp(s, "table") == 0 && strcmp(cmd, "stats") == 0)
		*out = FMT_TABLE;
	else if (strcmp(s, "csv") == 0)
		*out = FMT_CSV;
	else if (strcmp(s, "json") == 0)
		*out = FMT_JSON;
	else
		return msg_usage(cmd, _("--format takes %s, not '%s'"),
		    strcmp(cmd, "stats") == 0 ? _("table, csv or json") :
		    _("csv or json"), s);
	return EXIT_OK;
}

int
cmd_stats(struct hl *hl, int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "by", required_argument, NULL, 'b' },
		{ "format", required_argument, NULL, 'F' },
		{ "chart", no_argument, NULL, 'c' },
		OPT_COMMON,
		{ NULL, 0, NULL, 0 }
	};
	const char	*from = NULL, *to = NULL, *by = "day";
	char		*q;
	json_t		*res;
	int		 c, rv, fmt = FMT_TABLE, chart = 0;

	while ((c = getopt_long(argc, argv, ":hb:F:", opts, NULL)) != -1) {
		switch (c) {
		case 'f': from = optarg; break;
		case 't': to = optarg; break;
		case 'b': by = optarg; break;
		case 'c': chart = 1; break;
		case 'F':
			if ((rv = cmd_stats_format("stats", optarg,
			    &fmt)) != EXIT_OK)
				return rv;
			break;
		case 'j':
			hl->json = 1;
			break;
		case 'h':
			usage_print(stdout, "stats");
			return EXIT_OK;
		default:
			return opt_bad("stats", c, argv);
		}
	}
	if (optind != argc)
		return msg_usage("stats", _("unexpected argument '%s'"),
		    argv[optind]);
	if (chart && (fmt != FMT_TABLE || hl->json))
		return msg_usage("stats", _("--chart draws for a person: not "
		    "with --format or --json"));
	q = xstrdup("/v1/stats");
	if ((rv = cmd_stats_range(hl, "stats", from, to, &q)) != EXIT_OK) {
		free(q);
		return rv;
	}
	cmd_list_param(&q, "by", by);
	res = api_get(hl, q);
	free(q);
	if (res == NULL)
		return EXIT_ERROR;
	if (hl->json || fmt == FMT_JSON)
		opt_json(res);
	else if (json_array_size(json_object_get(res, "by")) >
	    CMD_STATS_MAXDIM) {
		/* The table has room for as many as may be asked. */
		msg_error(_("%s answered with more than %d dimensions"),
		    hl->server, CMD_STATS_MAXDIM);
		rv = EXIT_ERROR;
	} else if (chart)
		cmd_stats_chart(res);
	else
		cmd_stats_print(res, fmt == FMT_CSV);
	json_decref(res);
	return rv;
}

int
cmd_export(struct hl *hl, int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "format", required_argument, NULL, 'F' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct http_response	 resp;
	const char		*from = NULL, *to = NULL, *file = NULL;
	char			*q, *tmp = NULL;
	FILE			*out = stdout;
	int			 c, rv, fmt = FMT_CSV;

	while ((c = getopt_long(argc, argv, ":ho:F:", opts, NULL)) != -1) {
		switch (c) {
		case 'f': from = optarg; break;
		case 't': to = optarg; break;
		case 'o': file = optarg; break;
		case 'F':
			if ((rv = cmd_stats_format("export", optarg,
			    &fmt)) != EXIT_OK)
				return rv;
			break;
		case 'h':
			usage_print(stdout, "export");
			return EXIT_OK;
		default:
			return opt_bad("export", c, argv);
		}
	}
	if (optind != argc)
		return msg_usage("export", _("unexpected argument '%s'"),
		    argv[optind]);
	q = xstrdup("/v1/export");
	if ((rv = cmd_stats_range(hl, "export", from, to, &q)) != EXIT_OK) {
		free(q);
		return rv;
	}
	cmd_list_param(&q, "format", fmt == FMT_JSON ? "json" : "csv");
	/* Into a temporary file beside FILE, renamed when complete. */
	if (file != NULL) {
		tmp = xasprintf("%s.partial", file);
		if ((out = fopen(tmp, "wx")) == NULL) {
			msg_error("%s: %s", tmp, strerror(errno));
			free(tmp);
			free(q);
			return EXIT_ERROR;
		}
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
	if (fflush(out) == EOF || (file != NULL && fsync(fileno(out)) == -1)) {
		msg_error("%s: %s", file != NULL ? tmp : "stdout",
		    strerror(errno));
		rv = EXIT_ERROR;
	}
	if (file != NULL) {
		fclose(out);
		if (rv == EXIT_OK && rename(tmp, file) == -1) {
			msg_error("%s: %s", file, strerror(errno));
			rv = EXIT_ERROR;
		}
		if (rv != EXIT_OK)
			unlink(tmp);
		free(tmp);
	}
	return rv;
}
