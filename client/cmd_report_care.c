/*
 * The follow-up plans and crisis records in hotline report: the month's
 * steps (on time, late, escalated, ended early, open; attempts per
 * reached contact, share reached) by queue and by counselor, and the
 * crisis records by intensity band, plan time frame, emergency agency
 * and outcome. From the followup and crisis members of GET /v1/stats.
 */
#include <stdlib.h>
#include <string.h>

#include "hotline.h"

#define CARE_NCOLS	9

static const char *const care_heads[CARE_NCOLS] = { "",
    N_("steps due"), N_("on time"), N_("late"), N_("escalated"),
    N_("ended early"), N_("still open"), N_("attempts per reached"),
    N_("share reached") };
static const char *const care_members[CARE_NCOLS] = { NULL, "steps_due",
    "done_on_time", "done_late", "escalated", "ended_early", "open",
    "attempts_per_reached", "reached_share" };

/* A measure as shown: a count, a mean, a share; "-" when null. */
static char *
care_cell(const json_t *o, const char *member)
{
	json_t	*v = json_object_get(o, member);

	if (v == NULL || json_is_null(v))
		return xstrdup("-");
	if (strcmp(member, "reached_share") == 0)
		return xasprintf("%.1f%%", json_number_value(v) * 100);
	if (json_is_real(v))
		return xasprintf("%.2f", json_number_value(v));
	return xasprintf("%.0f", json_number_value(v));
}

/* The rows of the follow-up table: each group by key, then the total. */
static size_t
care_rows(const json_t *f, const char *key, char ***out)
{
	char		**cells = NULL;
	json_t		 *g;
	const char	 *k;
	size_t		  i, n = 0, c;

	json_array_foreach(json_object_get(f, "groups"), i, g) {
		cells = xreallocarray(cells, (n + 1) * CARE_NCOLS,
		    sizeof *cells);
		k = json_string_value(json_object_get(g, key));
		cells[n * CARE_NCOLS] = xstrdup(k != NULL ? k : _("(none)"));
		for (c = 1; c < CARE_NCOLS; c++)
			cells[n * CARE_NCOLS + c] = care_cell(g,
			    care_members[c]);
		n++;
	}
	cells = xreallocarray(cells, (n + 1) * CARE_NCOLS, sizeof *cells);
	cells[n * CARE_NCOLS] = xstrdup(_("all"));
	for (c = 1; c < CARE_NCOLS; c++)
		cells[n * CARE_NCOLS + c] = care_cell(json_object_get(f,
		    "totals"), care_members[c]);
	*out = cells;
	return n + 1;
}

/*
 * "0: 3, 1-3: 1, ..." of the counts of an object, in its order; codes
 * of a fixed list (l, or NULL) in words.
 */
static char *
care_counts(json_t *o, const struct crisis_words *l)
{
	const char	*k;
	json_t		*v;
	char		*s = xstrdup(""), *t;

	json_object_foreach(o, k, v) {
		t = xasprintf("%s%s%s %.0f", s, *s != '\0' ? ", " : "",
		    strcmp(k, "none") == 0 ? _("not assessed") : l != NULL ?
		    crisis_word(l, k) : k, json_number_value(v));
		free(s);
		s = t;
	}
	return s;
}

#define CARE_NCRISIS	7

/* The crisis records' figures: label and value each. */
static void
care_crisis(const json_t *t, char **cells)
{
	static const char *const heads[CARE_NCRISIS] = {
	    N_("calls with a crisis record"),
	    N_("suicidal ideation (0-10)"), N_("hopelessness (0-10)"),
	    N_("plan time frame"), N_("emergencies"),
	    N_("emergencies by agency"), N_("emergencies by outcome") };
	static const char *const members[CARE_NCRISIS] = { "calls",
	    "ideation_intensity", "hopelessness", "plan_timeframe",
	    "emergencies", "emergency_agency", "emergency_outcome" };
	static const struct crisis_words *const words[CARE_NCRISIS] = {
	    NULL, NULL, NULL, &crisis_frames, NULL, &crisis_agencies,
	    &crisis_outcomes };
	json_t	*v;
	size_t	 i;

	for (i = 0; i < CARE_NCRISIS; i++) {
		cells[2 * i] = xstrdup(_(heads[i]));
		v = json_object_get(t, members[i]);
		cells[2 * i + 1] = json_is_object(v) ? care_counts(v,
		    words[i]) : xasprintf("%.0f", json_number_value(v));
	}
}

static void
care_free(char **cells, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		free(cells[i]);
}

static void
care_text_followup(const char *title, const json_t *f, const char *key)
{
	struct table	*t;
	char		**cells;
	const char	*heads[CARE_NCOLS];
	size_t		 n, i;

	printf("\n%s\n", title);
	for (i = 0; i < CARE_NCOLS; i++)
		heads[i] = i == 0 ? "" : _(care_heads[i]);
	t = table_new(CARE_NCOLS);
	for (i = 1; i < CARE_NCOLS; i++)
		table_align_right(t, (int)i);
	table_add_row(t, heads);
	n = care_rows(f, key, &cells);
	for (i = 0; i < n; i++)
		table_add_row(t, (const char *const *)cells + i * CARE_NCOLS);
	table_print(t, stdout, "  ");
	table_free(t);
	care_free(cells, n * CARE_NCOLS);
	free(cells);
}

/*
 * For a terminal: the month's follow-up steps (totals, by queue from
 * byqueue, by counselor from bycounselor) and crisis records.
 */
void
report_care_text(const json_t *byqueue, const json_t *bycounselor)
{
	const json_t	*f = json_object_get(byqueue, "followup");
	struct table	*t;
	char		*cells[2 * CARE_NCRISIS];
	size_t		 i;

	printf("\n%s\n", _("Follow-up plans"));
	t = table_new(2);
	table_align_right(t, 1);
	for (i = 1; i < CARE_NCOLS; i++) {
		cells[0] = xstrdup(i == 1 ? _("Follow-up steps due") :
		    _(care_heads[i]));
		cells[1] = care_cell(json_object_get(f, "totals"),
		    care_members[i]);
		table_add_row(t, (const char *const *)cells);
		care_free(cells, 2);
	}
	table_print(t, stdout, "  ");
	table_free(t);
	care_text_followup(_("Follow-up steps by queue"), f, "queue");
	care_text_followup(_("Follow-up steps by counselor"),
	    json_object_get(bycounselor, "followup"), "operator");
	printf("\n%s\n", _("Crisis records"));
	care_crisis(json_object_get(json_object_get(byqueue, "crisis"),
	    "totals"), cells);
	t = table_new(2);
	for (i = 0; i < CARE_NCRISIS; i++)
		table_add_row(t, (const char *const *)cells + 2 * i);
	table_print(t, stdout, "  ");
	table_free(t);
	care_free(cells, 2 * CARE_NCRISIS);
}

static void
care_html_followup(FILE *fp, const char *title, const json_t *f,
    const char *key, void (*text)(FILE *, const char *))
{
	char	**cells;
	size_t	  n, i, c;

	fputs("<h3>", fp);
	text(fp, title);
	fputs("</h3>\n<table>\n<tr>", fp);
	for (c = 0; c < CARE_NCOLS; c++) {
		fputs("<th>", fp);
		text(fp, c == 0 ? "" : _(care_heads[c]));
		fputs("</th>", fp);
	}
	fputs("</tr>\n", fp);
	n = care_rows(f, key, &cells);
	for (i = 0; i < n; i++) {
		fputs("<tr>", fp);
		for (c = 0; c < CARE_NCOLS; c++) {
			fputs("<td>", fp);
			text(fp, cells[i * CARE_NCOLS + c]);
			fputs("</td>", fp);
		}
		fputs("</tr>\n", fp);
	}
	fputs("</table>\n", fp);
	care_free(cells, n * CARE_NCOLS);
	free(cells);
}

/* The same as one section of the HTML report; text escapes. */
void
report_care_html(FILE *fp, const json_t *byqueue, const json_t *bycounselor,
    void (*text)(FILE *, const char *))
{
	char	*cells[2 * CARE_NCRISIS];
	size_t	 i;

	fputs("<section>\n<h2>", fp);
	text(fp, _("Follow-up plans"));
	fputs("</h2>\n", fp);
	care_html_followup(fp, _("Follow-up steps by queue"),
	    json_object_get(byqueue, "followup"), "queue", text);
	care_html_followup(fp, _("Follow-up steps by counselor"),
	    json_object_get(bycounselor, "followup"), "operator", text);
	fputs("<h3>", fp);
	text(fp, _("Crisis records"));
	fputs("</h3>\n<table>\n", fp);
	care_crisis(json_object_get(json_object_get(byqueue, "crisis"),
	    "totals"), cells);
	for (i = 0; i < CARE_NCRISIS; i++) {
		fputs("<tr><td>", fp);
		text(fp, cells[2 * i]);
		fputs("</td><td>", fp);
		text(fp, cells[2 * i + 1]);
		fputs("</td></tr>\n", fp);
	}
	fputs("</table>\n</section>\n", fp);
	care_free(cells, 2 * CARE_NCRISIS);
}
