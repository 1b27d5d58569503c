/*
 * hotline report: the monthly summary a union office sends upward, built
 * from GET /v1/stats: calls per line and per caller type, topics, risk,
 * follow-ups by queue with waits and escalations, calls per day, and the
 * busiest hours of the day; the follow-up plans and crisis records
 * (cmd_report_care.c). As text, or with --html as one self-contained
 * page (inline SVG charts, no scripts, no external files) that prints
 * well and is well-formed XML.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hotline.h"

/* One section: a question to the server and how to show the answer. */
struct report_section {
	const char	*rs_title;
	const char	*rs_by;
	const char	*rs_key;	/* the group member to label by */
	const char	*rs_metric;	/* the member the chart shows */
};

static const struct report_section report_sections[] = {
	{ N_("Calls per line"), "line", "line", "calls" },
	{ N_("Calls per caller type"), "caller_type", "caller_type",
	    "calls" },
	{ N_("Topics (a call counts under each of its topics)"), "topic",
	    "topic", "calls" },
	{ N_("Risk"), "risk", "risk", "calls" },
	{ N_("Follow-ups by queue"), "queue", "queue", "follow_ups" },
	{ N_("Calls per day"), "day", "day", "calls" },
	{ N_("Busiest hours of the day"), "hour", "hour", "calls" },
	/* The follow-up steps by counselor (cmd_report_care.c). */
	{ NULL, "operator", "operator", "calls" },
	{ NULL, "call_type", "call_type", "calls" },	/* for the totals */
};
#define REPORT_NSECTIONS \
	(sizeof report_sections / sizeof report_sections[0])
#define REPORT_QUEUE		4	/* the follow-ups by queue */
#define REPORT_COUNSELOR	7	/* the follow-up steps by counselor */

/* A bar: its label and value. */
struct report_bar {
	char	*rb_label;
	double	 rb_value;
};

/*
 * A group's label: code and display name. TRANSLATORS: a report's label
 * for a code (%1$s, e.g. "anxiety") and its display name (%2$s, e.g.
 * "焦虑"); a Chinese report shows the name only: "%2$s%1$.0s".
 */
static char *
report_label(const char *code, const char *name)
{
	if (name == NULL || strcmp(name, code) == 0)
		return xstrdup(code);
	return xasprintf(_("%1$s (%2$s)"), code, name);
}

/* The bars of a section; hours are summed by hour of the day. */
static size_t
report_bars(const struct report_section *sec, json_t *res,
    struct report_bar **out)
{
	struct report_bar	*v = NULL;
	json_t			*g;
	size_t			 n = 0, i;
	const char		*key, *name;
	char			 namekey[64];
	int			 h;

	if (strcmp(sec->rs_by, "hour") == 0) {
		v = xcalloc(24, sizeof *v);
		for (h = 0; h < 24; h++)
			v[h].rb_label = xasprintf("%02d:00", h);
		json_array_foreach(json_object_get(res, "groups"), i, g) {
			key = json_string_value(json_object_get(g, "hour"));
			if (key != NULL && strlen(key) >= 13 &&
			    (h = atoi(key + 11)) >= 0 && h < 24)
				v[h].rb_value += json_number_value(
				    json_object_get(g, sec->rs_metric));
		}
		*out = v;
		return 24;
	}
	snprintf(namekey, sizeof namekey, "%s_name", sec->rs_key);
	json_array_foreach(json_object_get(res, "groups"), i, g) {
		key = json_string_value(json_object_get(g, sec->rs_key));
		name = json_string_value(json_object_get(g, namekey));
		v = xreallocarray(v, n + 1, sizeof *v);
		v[n].rb_label = key == NULL ? xstrdup(_("(none)")) :
		    report_label(key, name);
		v[n++].rb_value = json_number_value(json_object_get(g,
		    sec->rs_metric));
	}
	*out = v;
	return n;
}

static void
report_bars_free(struct report_bar *v, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		free(v[i].rb_label);
	free(v);
}

/* Text with &, <, >, " escaped for HTML and XML. */
static void
report_html_text(FILE *fp, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		switch (*s) {
		case '&': fputs("&amp;", fp); break;
		case '<': fputs("&lt;", fp); break;
		case '>': fputs("&gt;", fp); break;
		case '"': fputs("&quot;", fp); break;
		default:
			/* Control characters have no place in a report. */
			if ((unsigned char)*s < 0x20 && *s != '\n')
				fputc(' ', fp);
			else
				fputc(*s, fp);
		}
	}
}

/* A horizontal bar chart as inline SVG. */
static void
report_svg(FILE *fp, const struct report_bar *v, size_t n)
{
	const int	 row = 22, label = 230, width = 640;
	double		 max = 0;
	size_t		 i;

	for (i = 0; i < n; i++)
		if (v[i].rb_value > max)
			max = v[i].rb_value;
	fprintf(fp, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
	    "height=\"%zu\" role=\"img\">\n", width, n * row + 4);
	for (i = 0; i < n; i++) {
		double w = max > 0 ? v[i].rb_value / max * (width - label -
		    70) : 0;

		fprintf(fp, "<text x=\"0\" y=\"%zu\" font-size=\"13\">",
		    i * row + 15);
		report_html_text(fp, v[i].rb_label);
		fprintf(fp, "</text><rect x=\"%d\" y=\"%zu\" width=\"%.1f\" "
		    "height=\"16\" fill=\"#4a7ab5\"/><text x=\"%.1f\" y=\"%zu\" "
		    "font-size=\"13\">%.0f</text>\n", label, i * row + 3, w,
		    label + w + 6, i * row + 15, v[i].rb_value);
	}
	fputs("</svg>\n", fp);
}

/* A section's table: label, calls, follow-ups, waits, past SLA. */
static void
report_html_table(FILE *fp, const struct report_section *sec, json_t *res)
{
	static const char *const cols[] = { "calls", "duration_total_s",
	    "high_risk_share", "follow_ups", "wait_median_s", "wait_p90_s",
	    "past_sla" };
	static const char *const heads[] = { N_("calls"),
	    N_("duration (min)"), N_("high risk"), N_("follow-ups"),
	    N_("wait p50 (min)"), N_("wait p90 (min)"), N_("past SLA") };
	struct report_bar	*v;
	json_t			*g, *x;
	size_t			 n, i, k;

	if (strcmp(sec->rs_by, "hour") == 0 || strcmp(sec->rs_by, "day") == 0)
		return;		/* the chart says it; a table would be long */
	n = report_bars(sec, res, &v);
	fputs("<table>\n<tr><th></th>", fp);
	for (k = 0; k < sizeof cols / sizeof cols[0]; k++)
		fprintf(fp, "<th>%s</th>", _(heads[k]));
	fputs("</tr>\n", fp);
	json_array_foreach(json_object_get(res, "groups"), i, g) {
		fputs("<tr><td>", fp);
		report_html_text(fp, i < n ? v[i].rb_label : "");
		fputs("</td>", fp);
		for (k = 0; k < sizeof cols / sizeof cols[0]; k++) {
			x = json_object_get(g, cols[k]);
			if (json_is_null(x) || x == NULL)
				fputs("<td>-</td>", fp);
			else if (strcmp(cols[k], "high_risk_share") == 0)
				fprintf(fp, "<td>%.1f%%</td>",
				    json_number_value(x) * 100);
			else if (strstr(cols[k], "_s") != NULL)
				fprintf(fp, "<td>%.1f</td>",
				    json_number_value(x) / 60);
			else
				fprintf(fp, "<td>%.0f</td>",
				    json_number_value(x));
		}
		fputs("</tr>\n", fp);
	}
	fputs("</table>\n", fp);
	report_bars_free(v, n);
}

/* "91.2% (104 of 114)" from the phone measures; "-" without a phone
 * system's calls. */
static char *
report_answer_rate(const json_t *p)
{
	json_t	*rate = json_object_get(p, "answer_rate");
	double	 base = json_number_value(json_object_get(p, "offered")) -
		    json_number_value(json_object_get(p, "abandoned_short"));

	if (!json_is_number(rate))
		return xstrdup("-");
	return xasprintf(_("%.1f%% (%.0f of %.0f)"), json_number_value(rate) *
	    100, json_number_value(json_object_get(p, "answered")), base);
}

/* The care register's figures: people, contacts (on time), open. */
static void
report_care(const json_t *c, char **cells)
{
	const json_t	*contacts = json_object_get(c, "contacts"), *g;
	double		 people = 0, open = 0;
	size_t		 i;

	json_array_foreach(json_object_get(c, "people"), i, g)
		people += json_number_value(json_object_get(g, "people"));
	json_array_foreach(json_object_get(c, "difficulties"), i, g)
		if (json_is_string(json_object_get(g, "state")) &&
		    strcmp(json_string_value(json_object_get(g, "state")),
		    "open") == 0)
			open += json_number_value(json_object_get(g, "n"));
	cells[0] = xasprintf("%.0f", people);
	cells[2] = xasprintf("%.0f (%.0f)", json_number_value(json_object_get(
	    contacts, "made")), json_number_value(json_object_get(contacts,
	    "on_time")));
	cells[4] = xasprintf("%.0f", open);
}

/* The month's totals, first in the report: label and value each. */
#define REPORT_NTOTALS	10
static void
report_totals(json_t **res, char **cells)
{
	static const char *const heads[REPORT_NTOTALS] = { N_("all calls"),
	    N_("counseling calls (not silent, prank or wrong number)"),
	    N_("calls at high risk or above"), N_("mean duration"),
	    N_("follow-ups made"), N_("follow-ups past their SLA"),
	    N_("phone answer rate (hang-ups within seconds aside)"),
	    N_("people under care"), N_("care contacts made (on time)"),
	    N_("care difficulties open") };
	json_t		*t = json_object_get(res[0], "totals"), *g;
	double		 calls = json_number_value(json_object_get(t, "calls"));
	double		 share = json_number_value(json_object_get(t,
			    "high_risk_share")), other = 0;
	const char	*ct;
	size_t		 i;

	json_array_foreach(json_object_get(res[REPORT_NSECTIONS - 1],
	    "groups"), i, g) {
		ct = json_string_value(json_object_get(g, "call_type"));
		if (ct != NULL && (strcmp(ct, "silent") == 0 ||
		    strcmp(ct, "prank") == 0 || strcmp(ct, "wrong_number") == 0))
			other += json_number_value(json_object_get(g, "calls"));
	}
	for (i = 0; i < REPORT_NTOTALS; i++)
		cells[2 * i] = xstrdup(_(heads[i]));
	cells[1] = xasprintf("%.0f", calls);
	cells[3] = xasprintf("%.0f", calls - other);
	cells[5] = xasprintf("%.0f (%.1f%%)", calls * share + 0.5,
	    share * 100);
	cells[7] = xasprintf(_("%.1f min"), json_number_value(
	    json_object_get(t, "duration_mean_s")) / 60);
	cells[9] = xasprintf("%.0f", json_number_value(json_object_get(t,
	    "follow_ups")));
	cells[11] = xasprintf("%.0f", json_number_value(json_object_get(t,
	    "past_sla")));
	cells[13] = report_answer_rate(json_object_get(json_object_get(
	    res[0], "phone"), "totals"));
	report_care(json_object_get(res[0], "care"), cells + 15);
}

static void
report_totals_free(char **cells)
{
	size_t	i;

	for (i = 0; i < 2 * REPORT_NTOTALS; i++)
		free(cells[i]);
}

static void
report_html_totals(FILE *fp, json_t **res)
{
	char	*cells[2 * REPORT_NTOTALS];
	size_t	 i;

	report_totals(res, cells);
	fputs("<section class=\"totals\">\n<h2>", fp);
	report_html_text(fp, _("The month in figures"));
	fputs("</h2>\n<table>\n", fp);
	for (i = 0; i < REPORT_NTOTALS; i++) {
		fputs("<tr><td>", fp);
		report_html_text(fp, cells[2 * i]);
		fputs("</td><td>", fp);
		report_html_text(fp, cells[2 * i + 1]);
		fputs("</td></tr>\n", fp);
	}
	fputs("</table>\n</section>\n", fp);
	report_totals_free(cells);
}

static void
report_html(FILE *fp, const char *title, json_t **res)
{
	struct report_bar	*v;
	size_t			 i, n;

	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" "
	    "lang=\"", fp);
	/* TRANSLATORS: the language tag of the HTML report (zh-CN). */
	report_html_text(fp, _("en"));
	fputs("\">\n<head>\n<meta charset=\"UTF-8\"/>\n<title>", fp);
	report_html_text(fp, title);
	fputs("</title>\n<style>\n@page { size: A4; margin: 15mm; }\n"
	    "body { font-family: sans-serif; margin: 2em; }\n"
	    "section { page-break-inside: avoid; margin-bottom: 2em; }\n"
	    "section + section { page-break-before: always; }\n"
	    "svg { max-width: 100%; height: auto; }\n"
	    "table { border-collapse: collapse; margin-top: .5em; }\n"
	    "th, td { border: 1px solid #999; padding: 2px 8px; "
	    "text-align: right; }\ntd:first-child { text-align: left; }\n"
	    "@media print { body { margin: 0; } }\n</style>\n</head>\n<body>\n"
	    "<h1>", fp);
	report_html_text(fp, title);
	fputs("</h1>\n", fp);
	report_html_totals(fp, res);
	for (i = 0; i < REPORT_NSECTIONS; i++) {
		if (report_sections[i].rs_title == NULL)
			continue;
		fputs("<section>\n<h2>", fp);
		report_html_text(fp, _(report_sections[i].rs_title));
		fputs("</h2>\n", fp);
		n = report_bars(&report_sections[i], res[i], &v);
		report_svg(fp, v, n);
		report_bars_free(v, n);
		report_html_table(fp, &report_sections[i], res[i]);
		fputs("</section>\n", fp);
	}
	report_care_html(fp, res[REPORT_QUEUE], res[REPORT_COUNSELOR],
	    report_html_text);
	fputs("</body>\n</html>\n", fp);
}

/* The same, for a terminal: each section as labelled numbers. */
static void
report_text(const char *title, json_t **res)
{
	struct report_bar	*v;
	struct table		*t;
	const char		*cells[3];
	char			*tot[2 * REPORT_NTOTALS], *num, *pct;
	double			 all;
	size_t			 i, k, n;

	printf("%s\n\n%s\n", title, _("The month in figures"));
	report_totals(res, tot);
	t = table_new(2);
	table_align_right(t, 1);
	for (k = 0; k < REPORT_NTOTALS; k++)
		table_add_row(t, (const char *const *)tot + 2 * k);
	table_print(t, stdout, "  ");
	table_free(t);
	report_totals_free(tot);
	for (i = 0; i < REPORT_NSECTIONS; i++) {
		if (report_sections[i].rs_title == NULL)
			continue;
		printf("\n%s\n", _(report_sections[i].rs_title));
		n = report_bars(&report_sections[i], res[i], &v);
		all = json_number_value(json_object_get(json_object_get(res[i],
		    "totals"), report_sections[i].rs_metric));
		t = table_new(3);
		table_align_right(t, 1);
		table_align_right(t, 2);
		for (k = 0; k < n; k++) {
			num = xasprintf("%.0f", v[k].rb_value);
			pct = all > 0 ? xasprintf("%.1f%%", v[k].rb_value /
			    all * 100) : xstrdup("");
			cells[0] = v[k].rb_label;
			cells[1] = num;
			cells[2] = pct;
			table_add_row(t, cells);
			free(num);
			free(pct);
		}
		table_print(t, stdout, "  ");
		table_free(t);
		report_bars_free(v, n);
	}
	report_care_text(res[REPORT_QUEUE], res[REPORT_COUNSELOR]);
}

/* "2020-02" -> its first and last day; 0, or a usage error. */
static int
report_month(const char *m, char *from, char *to, size_t len)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	int	 y, mo, d;
	char	 tail;

	if (sscanf(m, "%4d-%2d%c", &y, &mo, &tail) != 2 || strlen(m) != 7 ||
	    mo < 1 || mo > 12 || y < 1970)
		return msg_usage("report", _("--month takes YYYY-MM, not '%s'"),
		    m);
	d = days[mo - 1] + (mo == 2 && ((y % 4 == 0 && y % 100 != 0) ||
	    y % 400 == 0));
	snprintf(from, len, "%04d-%02d-01", y, mo);
	snprintf(to, len, "%04d-%02d-%02d", y, mo, d);
	return EXIT_OK;
}

int
cmd_report(struct hl *hl, int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "month", required_argument, NULL, 'm' },
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "html", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char	*month = NULL, *from = NULL, *to = NULL, *html = NULL;
	char		 mfrom[32], mto[32], *q, *title, *tmp;
	json_t		*res[REPORT_NSECTIONS];
	FILE		*fp;
	size_t		 i;
	int		 c, rv = EXIT_OK;

	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'm': month = optarg; break;
		case 'f': from = optarg; break;
		case 't': to = optarg; break;
		case 'H': html = optarg; break;
		case 'h':
			usage_print(stdout, "report");
			return EXIT_OK;
		default:
			return opt_bad("report", c, argv);
		}
	}
	if (optind != argc)
		return msg_usage("report", _("unexpected argument '%s'"),
		    argv[optind]);
	if (month != NULL && (from != NULL || to != NULL))
		return msg_usage("report", _("--month or --from/--to, not both"));
	if (month != NULL) {
		if ((rv = report_month(month, mfrom, mto, sizeof mfrom)) != 0)
			return rv;
		from = mfrom;
		to = mto;
	}
	if (from == NULL || to == NULL)
		return msg_usage("report", _("which period? --month YYYY-MM, or "
		    "--from and --to"));
	memset(res, 0, sizeof res);
	for (i = 0; i < REPORT_NSECTIONS && rv == EXIT_OK; i++) {
		q = xstrdup("/v1/stats");
		if ((rv = cmd_stats_range(hl, "report", from, to, &q)) ==
		    EXIT_OK) {
			cmd_list_param(&q, "by", report_sections[i].rs_by);
			if ((res[i] = api_get(hl, q)) == NULL)
				rv = EXIT_ERROR;
		}
		free(q);
	}
	if (rv != EXIT_OK)
		goto done;
	title = month != NULL ? xasprintf(_("Psychological support hotline: "
	    "the report for %s"), month) : xasprintf(_("Psychological "
	    "support hotline: the report from %s to %s"), from, to);
	if (html == NULL)
		report_text(title, res);
	else {
		/* Written aside, then renamed: the file is whole or absent. */
		tmp = xasprintf("%s.partial", html);
		if ((fp = fopen(tmp, "w")) == NULL) {
			msg_error("%s: %s", tmp, strerror(errno));
			rv = EXIT_ERROR;
		} else {
			report_html(fp, title, res);
			if ((fflush(fp) == EOF || fsync(fileno(fp)) == -1) +
			    (fclose(fp) == EOF) != 0 ||
			    rename(tmp, html) == -1) {
				msg_error("%s: %s", html, strerror(errno));
				unlink(tmp);
				rv = EXIT_ERROR;
			}
		}
		free(tmp);
	}
	free(title);
done:
	for (i = 0; i < REPORT_NSECTIONS; i++)
		json_decref(res[i]);
	return rv;
}
