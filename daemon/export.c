/*
 * Export rows: the columns of an export, one call's values in them (read
 * straight from the store's row, store_call_rows(): no copy of the call,
 * no JSON), and those values as a line of CSV (RFC 4180: CRLF, fields
 * quoted when they hold a comma, quote, CR or LF, quotes doubled) with
 * the display name beside each code. The values are the ones the API
 * shows for the call (GET /v1/calls/ID): the same times, numbers, yes and
 * no. The spreadsheet writes the same values (export_xlsx.c); the stream
 * around them (byte-order mark, paging) is api_export.c's.
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
	{ "emergency_contacted", "已联系急救/警方", EXPORT_ANSWER, 0, 10 },
	{ "repeat_calls", "此前来电次数", EXPORT_INT, 0, 10 },
	{ "consent", "同意留下联系方式", EXPORT_ANSWER, 0, 10 },
	{ "caller_name", "来电者姓名", EXPORT_TEXT, 1, 12 },
	{ "caller_contact", "联系方式", EXPORT_TEXT, 1, 16 },
	{ "notes", "备注", EXPORT_TEXT, 1, 40 },
	{ "created_at", "登记时间", EXPORT_TIME, 0, 19 },
	{ "updated_at", "更新时间", EXPORT_TIME, 0, 19 },
	{ "version", "版本", EXPORT_INT, 0, 6 },
};

/* Room for n more bytes at *len in *buf (of *cap); -1: out of memory. */
static int
export_room(char **buf, size_t *len, size_t *cap, size_t n)
{
	char	*nb;
	size_t	 want;

	if (*len + n <= *cap)
		return 0;
	want = *cap > 0 ? *cap : 512;
	while (want < *len + n)
		want *= 2;
	if ((nb = realloc(*buf, want)) == NULL)
		return -1;
	*buf = nb;
	*cap = want;
	return 0;
}

static int
export_out(struct export_line *l, const char *p, size_t n)
{
	if (export_room(&l->el_out, &l->el_olen, &l->el_ocap, n) == -1)
		return -1;
	memcpy(l->el_out + l->el_olen, p, n);
	l->el_olen += n;
	return 0;
}

/*
 * One field, quoted when it must be. A text that a spreadsheet would take
 * for a formula (= + - @, or a tab or CR before one) is written after a
 * single quote, which spreadsheets show as text: notes and names are
 * typed by callers' words, and the export is made to be opened in one.
 */
static int
export_field(struct export_line *l, const char *v, int first)
{
	const char	*p, *q;
	int		 formula, rc = 0;

	if (!first)
		rc |= export_out(l, ",", 1);
	if (v == NULL)
		return rc;
	formula = *v != '\0' && strchr("=+-@\t\r", *v) != NULL;
	if (strpbrk(v, ",\"\r\n") == NULL) {
		if (formula)
			rc |= export_out(l, "'", 1);
		return rc | export_out(l, v, strlen(v));
	}
	rc |= export_out(l, formula ? "\"'" : "\"", formula ? 2 : 1);
	/* Each quote doubled: the text up to it and it, then it again. */
	for (p = v; (q = strchr(p, '"')) != NULL; p = q + 1)
		rc |= export_out(l, p, (size_t)(q - p + 1)) |
		    export_out(l, "\"", 1);
	return rc | export_out(l, p, strlen(p)) | export_out(l, "\"", 1);
}

/*
 * The header line: the columns a reader with personal (or not) sees, by
 * their codes or (names) by their headings for people.
 */
void
export_csv_header(struct evbuffer *b, int personal, int names)
{
	struct export_line	 l;
	size_t			 i;

	memset(&l, 0, sizeof(l));
	for (i = 0; i < EXPORT_NCOLS; i++)
		if (personal || !export_cols[i].ec_personal)
			export_field(&l, names ? export_cols[i].ec_name :
			    export_cols[i].ec_code, i == 0);
	if (export_out(&l, "\r\n", 2) == 0)
		evbuffer_add(b, l.el_out, l.el_olen);
	export_line_free(&l);
}

/* Column i's value made in l's buffer: its offset, kept in el_off. */
static int
export_made(struct export_line *l, size_t i, size_t n)
{
	l->el_off[i] = l->el_len;
	l->el_len += n;
	return 0;
}

static int
export_int(struct export_line *l, size_t i, int64_t v)
{
	int	 n;

	if (export_room(&l->el_buf, &l->el_len, &l->el_cap, 24) == -1)
		return -1;
	n = snprintf(l->el_buf + l->el_len, 24, "%lld", (long long)v);
	return export_made(l, i, (size_t)n + 1);
}

/* A time as the API shows it (clock_format()); none when t is 0. */
static int
export_time(struct export_line *l, size_t i, int64_t t)
{
	if (t == 0)
		return 0;
	if (export_room(&l->el_buf, &l->el_len, &l->el_cap, 40) == -1)
		return -1;
	clock_format(t, l->el_buf + l->el_len, 40);
	return export_made(l, i, strlen(l->el_buf + l->el_len) + 1);
}

/* A personal field retention erased: "(erased 2026-05-01)", not empty. */
static int
export_erased(struct export_line *l, size_t i, int64_t when)
{
	char	 t[40];
	int	 n;

	clock_format(when, t, sizeof(t));
	if (export_room(&l->el_buf, &l->el_len, &l->el_cap, 24) == -1)
		return -1;
	n = snprintf(l->el_buf + l->el_len, 24, "(erased %.10s)", t);
	return export_made(l, i, (size_t)n + 1);
}

/* Codes or names of the topics, joined with "; ". */
static int
export_topics(struct export_line *l, size_t i, const struct config *cf,
    const struct call_row *r, int names)
{
	const struct code_name	*cn;
	const char		*v;
	size_t			 k, n, len = 0;

	for (k = 0; k < r->cr_ntopics; k++) {
		v = r->cr_topics[k];
		if (names && (cn = config_find(&cf->cf_topics, v)) != NULL)
			v = cn->cn_name;
		n = strlen(v);
		if (export_room(&l->el_buf, &l->el_len, &l->el_cap,
		    len + n + 3) == -1)
			return -1;
		if (k > 0) {
			memcpy(l->el_buf + l->el_len + len, "; ", 2);
			len += 2;
		}
		memcpy(l->el_buf + l->el_len + len, v, n);
		len += n;
	}
	if (export_room(&l->el_buf, &l->el_len, &l->el_cap, len + 1) == -1)
		return -1;
	l->el_buf[l->el_len + len] = '\0';
	return export_made(l, i, len + 1);
}

static const char *
export_name(const struct code_list *cl, const char *code)
{
	const struct code_name	*cn;

	if (code == NULL || (cn = config_find(cl, code)) == NULL)
		return NULL;
	return cn->cn_name;
}

static const char *
export_yes(int v)
{
	return v ? "yes" : "no";
}

/*
 * Row r's values into l->el_v, one per column of export_cols (NULL:
 * empty; a personal column is NULL when !personal): the row's own
 * strings, the config's names, and what is made in l's buffer. They stay
 * valid until the next call or export_line_free(), and r's until its
 * callback returns. 0, or -1 when memory ran out.
 */
int
export_line_make(struct export_line *l, const struct config *cf,
    const struct call_row *r, int personal)
{
	const char	*q;
	size_t		 i, k = 0;
	int		 rc = 0;

	l->el_len = 0;
	for (i = 0; i < EXPORT_NCOLS; i++) {
		l->el_v[i] = NULL;
		l->el_off[i] = (size_t)-1;
	}
	rc |= export_int(l, k++, r->cr_id);
	rc |= export_time(l, k++, r->cr_started_at);
	l->el_v[k++] = r->cr_line;
	l->el_v[k++] = export_name(&cf->cf_lines, r->cr_line);
	if (r->cr_duration_s >= 0)
		rc |= export_int(l, k, r->cr_duration_s);
	k++;
	l->el_v[k++] = r->cr_operator;
	l->el_v[k++] = r->cr_call_type;
	l->el_v[k++] = export_name(&call_types, r->cr_call_type);
	l->el_v[k++] = r->cr_caller_type;
	l->el_v[k++] = export_name(&cf->cf_caller_types, r->cr_caller_type);
	l->el_v[k++] = r->cr_gender;
	l->el_v[k++] = r->cr_age_band;
	rc |= export_topics(l, k++, cf, r, 0);
	rc |= export_topics(l, k++, cf, r, 1);
	l->el_v[k++] = r->cr_risk;
	l->el_v[k++] = export_name(&cf->cf_risks, r->cr_risk);
	l->el_v[k++] = r->cr_outcome;
	l->el_v[k++] = export_name(&cf->cf_outcomes, r->cr_outcome);
	rc |= export_time(l, k++, r->cr_callback_at);
	/* The first queue item: its queue's name, else its code. */
	if ((q = r->cr_queue) != NULL) {
		l->el_v[k] = q;
		if ((l->el_v[k + 1] = export_name(&cf->cf_queues, q)) == NULL)
			l->el_v[k + 1] = q;
		rc |= export_int(l, k + 2, r->cr_priority);
	}
	k += 3;
	/* An assessment is all four answers or none. */
	for (i = 0; i < 4; i++, k++)
		l->el_v[k] = r->cr_assess[0] != NULL ? r->cr_assess[i] : NULL;
	l->el_v[k++] = export_yes(r->cr_emergency);
	rc |= export_int(l, k++, r->cr_repeat_calls);
	l->el_v[k++] = export_yes(r->cr_consent);
	/* The three personal columns. */
	for (i = 0; i < 3; i++, k++) {
		if (!personal)
			continue;
		if (r->cr_erased_at != 0)
			rc |= export_erased(l, k, r->cr_erased_at);
		else
			l->el_v[k] = i == 0 ? r->cr_caller_name : i == 1 ?
			    r->cr_caller_contact : r->cr_notes;
	}
	rc |= export_time(l, k++, r->cr_created_at);
	rc |= export_time(l, k++, r->cr_updated_at);
	rc |= export_int(l, k++, r->cr_version);
	/* Made in the buffer, which may have moved as it grew: point now. */
	for (i = 0; i < EXPORT_NCOLS; i++)
		if (l->el_off[i] != (size_t)-1)
			l->el_v[i] = l->el_buf + l->el_off[i];
	return rc != 0 ? -1 : 0;
}

void
export_line_free(struct export_line *l)
{
	free(l->el_buf);
	free(l->el_out);
	memset(l, 0, sizeof(*l));
}

/*
 * The values export_line_make() put in l as one CSV line (personal: as
 * they were made), added to b. 0, or -1 when memory ran out.
 */
int
export_csv_line(struct evbuffer *b, struct export_line *l, int personal)
{
	size_t	 i;
	int	 rc = 0;

	l->el_olen = 0;
	for (i = 0; i < EXPORT_NCOLS; i++)
		if (personal || !export_cols[i].ec_personal)
			rc |= export_field(l, l->el_v[i], i == 0);
	rc |= export_out(l, "\r\n", 2);
	if (rc != 0 || evbuffer_add(b, l->el_out, l->el_olen) == -1)
		return -1;
	return 0;
}
