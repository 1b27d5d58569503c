/*
 * Export rows: one call as a line of CSV (RFC 4180: CRLF, fields quoted
 * when they hold a comma, quote, CR or LF, quotes doubled) with the
 * display name beside each code, or as one JSON object. The stream
 * around them (byte-order mark, header, paging) is api.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "domain.h"

/* The columns, in order; "_name" columns carry display names. */
static const char *const export_cols[] = {
	"id", "started_at", "line", "line_name", "duration_s", "operator",
	"call_type", "call_type_name", "caller_type", "caller_type_name",
	"gender", "age_band", "topics", "topic_names", "risk", "risk_name",
	"outcome", "outcome_name", "callback_at", "queue", "queue_name",
	"priority", "risk_desire", "risk_capability", "risk_intent",
	"risk_buffers", "emergency_contacted", "repeat_calls", "consent",
	"caller_name", "caller_contact", "notes", "created_at", "updated_at",
	"version", NULL
};

static int
export_personal(const char *col)
{
	return strcmp(col, "caller_name") == 0 ||
	    strcmp(col, "caller_contact") == 0 || strcmp(col, "notes") == 0;
}

/*
 * One field, quoted when it must be. A text that a spreadsheet would take
 * for a formula (= + - @, or a tab or CR before one) is written after a
 * single quote, which spreadsheets show as text: notes and names are
 * typed by callers' words, and the export is made to be opened in one.
 */
static void
export_field(struct evbuffer *b, const char *v, int first)
{
	const char	*p;
	int		 formula;

	if (!first)
		evbuffer_add(b, ",", 1);
	if (v == NULL)
		return;
	formula = *v != '\0' && strchr("=+-@\t\r", *v) != NULL;
	if (strpbrk(v, ",\"\r\n") == NULL) {
		if (formula)
			evbuffer_add(b, "'", 1);
		evbuffer_add(b, v, strlen(v));
		return;
	}
	evbuffer_add(b, "\"", 1);
	if (formula)
		evbuffer_add(b, "'", 1);
	for (p = v; *p != '\0'; p++) {
		if (*p == '"')
			evbuffer_add(b, "\"", 1);
		evbuffer_add(b, p, 1);
	}
	evbuffer_add(b, "\"", 1);
}

/* The header line: the columns a reader with personal (or not) sees. */
void
export_csv_header(struct evbuffer *b, int personal)
{
	size_t	 i;

	for (i = 0; export_cols[i] != NULL; i++)
		if (personal || !export_personal(export_cols[i]))
			export_field(b, export_cols[i], i == 0);
	evbuffer_add(b, "\r\n", 2);
}

static const char *
export_name(const struct code_list *cl, const char *code)
{
	const struct code_name	*cn;

	if (code == NULL || (cn = config_find(cl, code)) == NULL)
		return NULL;
	return cn->cn_name;
}

/* The JSON value of o[k] as CSV text (caller frees); NULL for null. */
static char *
export_text(json_t *o, const char *k)
{
	json_t	*v = json_object_get(o, k);
	char	*s = NULL;

	if (v == NULL || json_is_null(v))
		return NULL;
	if (json_is_string(v))
		return strdup(json_string_value(v));
	if (json_is_true(v))
		return strdup("yes");
	if (json_is_false(v))
		return strdup("no");
	if (json_is_integer(v) && asprintf(&s, "%lld",
	    (long long)json_integer_value(v)) == -1)
		return NULL;
	return s;
}

/* Codes and names of the topics, joined with "; ". */
static void
export_topics(const struct config *cf, const struct call *c, int names,
    struct evbuffer *b)
{
	struct evbuffer	*t = evbuffer_new();
	const char	*v;
	char		*s;
	size_t		 i, n;

	if (t == NULL)
		return;
	for (i = 0; i < c->c_ntopics; i++) {
		v = names ? export_name(&cf->cf_topics, c->c_topics[i]) :
		    c->c_topics[i];
		evbuffer_add_printf(t, "%s%s", i > 0 ? "; " : "",
		    v != NULL ? v : c->c_topics[i]);
	}
	n = evbuffer_get_length(t);
	if ((s = calloc(1, n + 1)) != NULL) {
		evbuffer_remove(t, s, n);
		export_field(b, s, 0);
		free(s);
	}
	evbuffer_free(t);
}

/* A personal field retention erased: "(erased 2026-05-01)", not empty. */
static void
export_erased(struct evbuffer *b, int64_t when)
{
	char	 t[40], v[64];

	clock_format(when, t, sizeof(t));
	snprintf(v, sizeof(v), "(erased %.10s)", t);
	export_field(b, v, 0);
}

/*
 * Call c as one CSV line. rec is the call as the reader may see it (its
 * JSON, with "queue"); personal: the personal columns are there.
 */
void
export_csv_row(struct evbuffer *b, const struct config *cf,
    const struct call *c, json_t *rec, int personal)
{
	static const char *const assess[] = { "desire", "capability",
	    "intent", "buffers" };
	json_t		*q = json_object_get(rec, "queue");
	json_t		*a = json_object_get(rec, "risk_assessment");
	char		*v;
	size_t		 i;

#define F(expr) do { v = (expr); export_field(b, v, 0); free(v); } while (0)
#define N(list, code) export_field(b, export_name(list, code), 0)
	v = export_text(rec, "id");
	export_field(b, v, 1);
	free(v);
	F(export_text(rec, "started_at"));
	export_field(b, c->c_line, 0);
	N(&cf->cf_lines, c->c_line);
	F(export_text(rec, "duration_s"));
	export_field(b, c->c_operator, 0);
	export_field(b, c->c_call_type, 0);
	N(&call_types, c->c_call_type);
	export_field(b, c->c_caller_type, 0);
	N(&cf->cf_caller_types, c->c_caller_type);
	export_field(b, c->c_gender, 0);
	export_field(b, c->c_age_band, 0);
	export_topics(cf, c, 0, b);
	export_topics(cf, c, 1, b);
	export_field(b, c->c_risk, 0);
	N(&cf->cf_risks, c->c_risk);
	export_field(b, c->c_outcome, 0);
	N(&cf->cf_outcomes, c->c_outcome);
	F(export_text(rec, "callback_at"));
	F(export_text(q, "code"));
	F(export_text(q, "name"));
	F(export_text(q, "priority"));
	for (i = 0; i < 4; i++)
		F(export_text(a, assess[i]));
	F(export_text(rec, "emergency_contacted"));
	F(export_text(rec, "repeat_calls"));
	F(export_text(rec, "consent"));
	if (personal && c->c_erased_at != 0)
		for (i = 0; i < 3; i++)
			export_erased(b, c->c_erased_at);
	else if (personal) {
		F(export_text(rec, "caller_name"));
		F(export_text(rec, "caller_contact"));
		F(export_text(rec, "notes"));
	}
	F(export_text(rec, "created_at"));
	F(export_text(rec, "updated_at"));
	F(export_text(rec, "version"));
#undef F
#undef N
	evbuffer_add(b, "\r\n", 2);
}
