/*
 * Export rows: the columns of an export, one call's values in them, and
 * those values as a line of CSV (RFC 4180: CRLF, fields quoted when they
 * hold a comma, quote, CR or LF, quotes doubled) with the display name
 * beside each code. The spreadsheet writes the same values
 * (export_xlsx.c); the stream around them (byte-order mark, paging) is
 * api_export.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "domain.h"

/*
 * The columns, in order: the code (CSV's heading), the heading for
 * people (CSV with header=names, the spreadsheet), what the value is,
 * whether it is personal, and the spreadsheet column's width in
 * characters.
 */
const struct export_col export_cols[EXPORT_NCOLS] = {
	{ "id", "编号", EXPORT_INT, 0, 8 },
	{ "started_at", "开始时间", EXPORT_TIME, 0, 19 },
	{ "line", "热线代码", EXPORT_TEXT, 0, 8 },
	{ "line_name", "热线", EXPORT_TEXT, 0, 15 },
	{ "duration_s", "通话时长（秒）", EXPORT_INT, 0, 10 },
	{ "operator", "接线员", EXPORT_TEXT, 0, 10 },
	{ "call_type", "来电类型代码", EXPORT_TEXT, 0, 10 },
	{ "call_type_name", "来电类型", EXPORT_TEXT, 0, 10 },
	{ "caller_type", "来电者类别代码", EXPORT_TEXT, 0, 12 },
	{ "caller_type_name", "来电者类别", EXPORT_TEXT, 0, 16 },
	{ "gender", "性别", EXPORT_TEXT, 0, 8 },
	{ "age_band", "年龄段", EXPORT_TEXT, 0, 8 },
	{ "topics", "问题类别代码", EXPORT_TEXT, 0, 16 },
	{ "topic_names", "问题类别", EXPORT_TEXT, 0, 20 },
	{ "risk", "风险等级代码", EXPORT_TEXT, 0, 10 },
	{ "risk_name", "风险等级", EXPORT_TEXT, 0, 10 },
	{ "outcome", "处理结果代码", EXPORT_TEXT, 0, 10 },
	{ "outcome_name", "处理结果", EXPORT_TEXT, 0, 12 },
	{ "callback_at", "回访时间", EXPORT_TIME, 0, 19 },
	{ "queue", "转介队列代码", EXPORT_TEXT, 0, 10 },
	{ "queue_name", "转介队列", EXPORT_TEXT, 0, 20 },
	{ "priority", "优先级", EXPORT_INT, 0, 8 },
	{ "risk_desire", "自杀意愿", EXPORT_ANSWER, 0, 9 },
	{ "risk_capability", "自杀能力", EXPORT_ANSWER, 0, 9 },
	{ "risk_intent", "自杀意图", EXPORT_ANSWER, 0, 9 },
	{ "risk_buffers", "保护因素", EXPORT_ANSWER, 0, 9 },
	{ "emergency_contacted", "已联系急救", EXPORT_ANSWER, 0, 10 },
	{ "repeat_calls", "此前来电次数", EXPORT_INT, 0, 10 },
	{ "consent", "同意留下联系方式", EXPORT_ANSWER, 0, 10 },
	{ "caller_name", "来电者姓名", EXPORT_TEXT, 1, 12 },
	{ "caller_contact", "联系方式", EXPORT_TEXT, 1, 16 },
	{ "notes", "备注", EXPORT_TEXT, 1, 40 },
	{ "created_at", "记录时间", EXPORT_TIME, 0, 19 },
	{ "updated_at", "更新时间", EXPORT_TIME, 0, 19 },
	{ "version", "版本", EXPORT_INT, 0, 6 },
};

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

/*
 * The header line: the columns a reader with personal (or not) sees, by
 * their codes or (names) by their headings for people.
 */
void
export_csv_header(struct evbuffer *b, int personal, int names)
{
	size_t	 i;

	for (i = 0; i < EXPORT_NCOLS; i++)
		if (personal || !export_cols[i].ec_personal)
			export_field(b, names ? export_cols[i].ec_name :
			    export_cols[i].ec_code, i == 0);
	evbuffer_add(b, "\r\n", 2);
}

static char *
export_name(const struct code_list *cl, const char *code)
{
	const struct code_name	*cn;

	if (code == NULL || (cn = config_find(cl, code)) == NULL)
		return NULL;
	return strdup(cn->cn_name);
}

static char *
export_dup(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

/* The JSON value of o[k] as text (caller frees); NULL for null. */
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

/* Codes or names of the topics, joined with "; " (caller frees). */
static char *
export_topics(const struct config *cf, const struct call *c, int names)
{
	struct evbuffer			*t = evbuffer_new();
	const struct code_name		*cn;
	const char			*v;
	char				*s = NULL;
	size_t				 i, n;

	if (t == NULL)
		return NULL;
	for (i = 0; i < c->c_ntopics; i++) {
		v = c->c_topics[i];
		if (names && (cn = config_find(&cf->cf_topics, v)) != NULL)
			v = cn->cn_name;
		evbuffer_add_printf(t, "%s%s", i > 0 ? "; " : "", v);
	}
	n = evbuffer_get_length(t);
	if ((s = calloc(1, n + 1)) != NULL)
		evbuffer_remove(t, s, n);
	evbuffer_free(t);
	return s;
}

/* A personal field retention erased: "(erased 2026-05-01)", not empty. */
static char *
export_erased(int64_t when)
{
	char	 t[40], *s = NULL;

	clock_format(when, t, sizeof(t));
	if (asprintf(&s, "(erased %.10s)", t) == -1)
		return NULL;
	return s;
}

/*
 * Call c's values, one per column of export_cols (NULL: empty; a
 * personal column is NULL when !personal); the caller frees them with
 * export_values_free(). rec is the call as the reader may see it (its
 * JSON, with "queue").
 */
void
export_values(char *v[EXPORT_NCOLS], const struct config *cf,
    const struct call *c, json_t *rec, int personal)
{
	static const char *const assess[] = { "desire", "capability",
	    "intent", "buffers" };
	json_t		*q = json_object_get(rec, "queue");
	json_t		*a = json_object_get(rec, "risk_assessment");
	size_t		 i, k = 0;

	v[k++] = export_text(rec, "id");
	v[k++] = export_text(rec, "started_at");
	v[k++] = export_dup(c->c_line);
	v[k++] = export_name(&cf->cf_lines, c->c_line);
	v[k++] = export_text(rec, "duration_s");
	v[k++] = export_dup(c->c_operator);
	v[k++] = export_dup(c->c_call_type);
	v[k++] = export_name(&call_types, c->c_call_type);
	v[k++] = export_dup(c->c_caller_type);
	v[k++] = export_name(&cf->cf_caller_types, c->c_caller_type);
	v[k++] = export_dup(c->c_gender);
	v[k++] = export_dup(c->c_age_band);
	v[k++] = export_topics(cf, c, 0);
	v[k++] = export_topics(cf, c, 1);
	v[k++] = export_dup(c->c_risk);
	v[k++] = export_name(&cf->cf_risks, c->c_risk);
	v[k++] = export_dup(c->c_outcome);
	v[k++] = export_name(&cf->cf_outcomes, c->c_outcome);
	v[k++] = export_text(rec, "callback_at");
	v[k++] = export_text(q, "code");
	v[k++] = export_text(q, "name");
	v[k++] = export_text(q, "priority");
	for (i = 0; i < 4; i++)
		v[k++] = export_text(a, assess[i]);
	v[k++] = export_text(rec, "emergency_contacted");
	v[k++] = export_text(rec, "repeat_calls");
	v[k++] = export_text(rec, "consent");
	for (i = 0; i < 3; i++, k++)	/* the three personal columns */
		v[k] = !personal ? NULL : c->c_erased_at != 0 ?
		    export_erased(c->c_erased_at) : export_text(rec,
		    export_cols[k].ec_code);
	v[k++] = export_text(rec, "created_at");
	v[k++] = export_text(rec, "updated_at");
	v[k++] = export_text(rec, "version");
}

void
export_values_free(char *v[EXPORT_NCOLS])
{
	size_t	 i;

	for (i = 0; i < EXPORT_NCOLS; i++) {
		free(v[i]);
		v[i] = NULL;
	}
}

/* Call c as one CSV line (export_values() says what rec and personal are). */
void
export_csv_row(struct evbuffer *b, const struct config *cf,
    const struct call *c, json_t *rec, int personal)
{
	char	*v[EXPORT_NCOLS];
	size_t	 i;

	export_values(v, cf, c, rec, personal);
	for (i = 0; i < EXPORT_NCOLS; i++)
		if (personal || !export_cols[i].ec_personal)
			export_field(b, v[i], i == 0);
	export_values_free(v);
	evbuffer_add(b, "\r\n", 2);
}
