/*
 * How a call record reads to a person: labels for fields, display names
 * beside codes, times in the server's timezone, hidden personal fields.
 */
#include <stdlib.h>
#include <string.h>

#include "hotline.h"

#define RECORD_TIME_FORMAT	"%Y-%m-%d %H:%M:%S %z"
#define RECORD_LABEL_WIDTH	20

enum record_kind {
	RECORD_TEXT,
	RECORD_CODE,		/* a code from a schema list */
	RECORD_CODES,		/* an array of such codes */
	RECORD_TIME,
	RECORD_DURATION,
	RECORD_BOOL,
	RECORD_INT,
	RECORD_SCORE,		/* 0 to 10 */
	RECORD_ASSESSMENT,
	RECORD_ITEMS,		/* items answered yes, no or unknown */
	RECORD_WORD,		/* a fixed code of the crisis record */
	RECORD_EMERGENCY,
	RECORD_QUEUE,
	RECORD_QUEUE_ITEMS
};

struct record_field {
	const char		*field;
	const char		*label;
	enum record_kind	 kind;
	const char		*list;	/* the schema list of its codes */
	const struct crisis_words *words; /* or the fixed words of them */
};

/* In the order "hotline show" prints them. */
static const struct record_field record_fields[] = {
	{ "line", N_("line"), RECORD_CODE, "lines", NULL },
	{ "started_at", N_("started"), RECORD_TIME, NULL, NULL },
	{ "duration_s", N_("duration"), RECORD_DURATION, NULL, NULL },
	{ "call_type", N_("call type"), RECORD_CODE, "call_types", NULL },
	{ "caller_type", N_("caller type"), RECORD_CODE, "caller_types", NULL },
	{ "gender", N_("gender"), RECORD_CODE, "genders", NULL },
	{ "age_band", N_("age band"), RECORD_CODE, "age_bands", NULL },
	{ "topics", N_("topics"), RECORD_CODES, "topics", NULL },
	{ "risk", N_("risk"), RECORD_CODE, "risk_levels", NULL },
	{ "risk_assessment", N_("assessment"), RECORD_ASSESSMENT, NULL, NULL },
	{ "emergency_contacted", N_("emergency contacted"),
	    RECORD_BOOL, NULL, NULL },
	{ "ideation_intensity", N_("suicidal ideation"),
	    RECORD_SCORE, NULL, NULL },
	{ "hopelessness", N_("hopelessness"), RECORD_SCORE, NULL, NULL },
	{ "screener", N_("Columbia screener (last three months)"),
	    RECORD_ITEMS, NULL, &crisis_screener },
	{ "plan_timeframe", N_("plan time frame"),
	    RECORD_WORD, NULL, &crisis_frames },
	{ "safety_plan", N_("safety plan"),
	    RECORD_ITEMS, NULL, &crisis_safety },
	{ "emergency", N_("emergency linkage"), RECORD_EMERGENCY, NULL, NULL },
	{ "outcome", N_("outcome"), RECORD_CODE, "outcomes", NULL },
	{ "callback_at", N_("callback"), RECORD_TIME, NULL, NULL },
	{ "queue_items", N_("queue items"),
	    RECORD_QUEUE_ITEMS, "queues", NULL },
	{ "notes", N_("notes"), RECORD_TEXT, NULL, NULL },
	{ "consent", N_("consent"), RECORD_BOOL, NULL, NULL },
	{ "caller_name", N_("name"), RECORD_TEXT, NULL, NULL },
	{ "caller_contact", N_("contact"), RECORD_TEXT, NULL, NULL },
	{ "personal_erased_at", N_("erased"), RECORD_TIME, NULL, NULL },
	{ "legal_hold", N_("legal hold"), RECORD_BOOL, NULL, NULL },
	{ "repeat_calls", N_("earlier calls"), RECORD_INT, NULL, NULL },
	{ "operator", N_("operator"), RECORD_TEXT, NULL, NULL },
	{ "created_at", N_("logged"), RECORD_TIME, NULL, NULL },
	{ "updated_at", N_("updated"), RECORD_TIME, NULL, NULL },
	{ "version", N_("version"), RECORD_INT, NULL, NULL },
};
#define RECORD_COUNT	(sizeof record_fields / sizeof record_fields[0])

static const struct record_field *
record_find(const char *field)
{
	size_t	i;

	for (i = 0; i < RECORD_COUNT; i++)
		if (strcmp(record_fields[i].field, field) == 0)
			return &record_fields[i];
	return NULL;
}

/* The label a person reads for field (the field name if we have none). */
const char *
record_label(const char *field)
{
	const struct record_field	*f = record_find(field);

	return f != NULL ? _(f->label) : field;
}

/*
 * A copy of s safe for a terminal: control characters (C0, DEL, C1), which
 * could move the cursor or recolour the screen, become '?'. Newlines stay
 * if keep_newlines. NULL (a field the server's answer lacks, or one that
 * is not a string) is shown empty. Caller frees.
 */
char *
record_clean(const char *s, int keep_newlines)
{
	char		*out, *o;
	const unsigned char *p;

	if (s == NULL)
		s = "";
	out = o = xstrdup(s);
	p = (const unsigned char *)s;

	while (*p != '\0') {
		if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			*o++ = '?';
			p += 2;
		} else if ((*p < 0x20 && !(keep_newlines && *p == '\n')) ||
		    *p == 0x7f) {
			*o++ = '?';
			p++;
		} else
			*o++ = (char)*p++;
	}
	*o = '\0';
	return out;
}

/* "code (display name)", or just the code when the schema has no name. */
static char *
record_code_text(struct hl *hl, const char *list, const char *code)
{
	const char	*name = list != NULL ? schema_name(hl, list, code) : NULL;
	char		*c = record_clean(code, 0), *s;

	if (name == NULL || strcmp(name, code) == 0)
		return c;
	s = xasprintf("%s (%s)", c, name);
	free(c);
	return s;
}

static char *
record_codes_text(struct hl *hl, const char *list, json_t *v)
{
	char	*s = xstrdup(""), *one, *next;
	json_t	*e;
	size_t	 i;

	json_array_foreach(v, i, e) {
		one = json_is_string(e) ? record_code_text(hl, list,
		    json_string_value(e)) : record_value_text(hl, "", e);
		next = xasprintf("%s%s%s", s, i > 0 ? ", " : "", one);
		free(one);
		free(s);
		s = next;
	}
	return s;
}

/*
 * A queue item's state or kind in the reader's language; the code itself
 * when this client does not know it.
 */
const char *
record_item_word(const char *code)
{
	static const struct msg_word words[] = {
		{ "waiting", NC_("queue item", "waiting") },
		{ "claimed", NC_("queue item", "claimed") },
		{ "done", NC_("queue item", "done") },
		{ "scheduled", NC_("queue item", "scheduled") },
		{ "cancelled", NC_("queue item", "cancelled") },
		{ "referral", NC_("queue item", "referral") },
		{ "callback", NC_("queue item", "callback") },
		{ "missed", NC_("queue item", "missed call") },
	};

	return msg_word(words, sizeof(words) / sizeof(words[0]),
	    "queue item", code);
}

/* desire=yes, capability=no, ... in the record's order. */
static char *
record_object_text(json_t *v)
{
	char		*s = xstrdup(""), *next, *val;
	const char	*key;
	json_t		*e;

	json_object_foreach(v, key, e) {
		val = json_is_string(e) ? record_clean(json_string_value(e), 0) :
		    json_dumps(e, JSON_COMPACT | JSON_ENCODE_ANY);
		next = xasprintf("%s%s%s=%s", s, s[0] ? ", " : "", key,
		    val != NULL ? val : "?");
		free(val);
		free(s);
		s = next;
	}
	return s;
}

static char *
record_queue_text(struct hl *hl, json_t *v)
{
	const char	*code = json_string_value(json_object_get(v, "code"));
	json_t		*prio = json_object_get(v, "priority");
	char		*c, *s;

	if (code == NULL)
		return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	c = record_code_text(hl, "queues", code);
	if (!json_is_integer(prio))
		return c;
	s = xasprintf(_("%s, priority %lld"), c,
	    (long long)json_integer_value(prio));
	free(c);
	return s;
}

/*
 * A queue item's kind in the reader's language: a plan's step
 * (followup-N) by its number. Caller frees.
 */
char *
record_item_kind(const char *kind)
{
	char	*end;
	long	 n;

	if (kind != NULL && strncmp(kind, "followup-", 9) == 0 &&
	    kind[9] >= '1' && kind[9] <= '9') {
		n = strtol(kind + 9, &end, 10);
		if (*end == '\0')
			return xasprintf(_("follow-up %lld"), (long long)n);
	}
	return record_clean(record_item_word(kind), 0);
}

/* "item 7: 青岛市精神卫生中心, priority 1, referral, waiting", a line each. */
static char *
record_items_text(struct hl *hl, json_t *v)
{
	json_t		*it;
	char		*s = NULL, *q, *next, *kind;
	const char	*state;
	size_t		 i;

	json_array_foreach(v, i, it) {
		q = record_queue_text(hl, it);
		kind = record_item_kind(json_string_value(json_object_get(it,
		    "kind")));
		state = json_string_value(json_object_get(it, "state"));
		next = xasprintf(_("%s%sitem %lld: %s, %s, %s"),
		    s != NULL ? s : "", s != NULL ? "\n" : "",
		    (long long)json_integer_value(json_object_get(it, "item")),
		    q, kind, record_item_word(state));
		free(kind);
		free(q);
		free(s);
		s = next;
	}
	return s != NULL ? s : xstrdup(_("(none)"));
}

static char *
record_time_text(const char *s)
{
	char	buf[64];

	timeparse_local(s, RECORD_TIME_FORMAT, buf, sizeof buf);
	return record_clean(buf, 0);
}

static char *
record_duration_text(json_int_t secs)
{
	char	*short_form = timeparse_duration_text((long)secs), *s;

	if (secs < 60)
		return short_form;
	s = xasprintf("%s (%lld s)", short_form, (long long)secs);
	free(short_form);
	return s;
}

/* Format v by kind; NULL if v is not of the type the kind expects. */
static char *
record_kind_text(struct hl *hl, const struct record_field *f, json_t *v)
{
	switch (f->kind) {
	case RECORD_TEXT:
		return json_is_string(v) ?
		    record_clean(json_string_value(v), 1) : NULL;
	case RECORD_CODE:
		return json_is_string(v) ?
		    record_code_text(hl, f->list, json_string_value(v)) : NULL;
	case RECORD_CODES:
		return json_is_array(v) ? record_codes_text(hl, f->list, v) :
		    NULL;
	case RECORD_TIME:
		return json_is_string(v) ?
		    record_time_text(json_string_value(v)) : NULL;
	case RECORD_DURATION:
		return json_is_integer(v) ?
		    record_duration_text(json_integer_value(v)) : NULL;
	case RECORD_BOOL:
		return json_is_boolean(v) ?
		    xstrdup(json_is_true(v) ? _("yes") : _("no")) : NULL;
	case RECORD_INT:
		return json_is_integer(v) ? xasprintf("%lld",
		    (long long)json_integer_value(v)) : NULL;
	case RECORD_SCORE:
		/* TRANSLATORS: a score and its scale. */
		return json_is_integer(v) ? xasprintf(_("%lld (0-10)"),
		    (long long)json_integer_value(v)) : NULL;
	case RECORD_ASSESSMENT:
		return json_is_object(v) ? crisis_items_text(&crisis_assessment,
		    v) : NULL;
	case RECORD_ITEMS:
		return json_is_object(v) ? crisis_items_text(f->words, v) :
		    NULL;
	case RECORD_WORD:
		return json_is_string(v) ? record_clean(crisis_word(f->words,
		    json_string_value(v)), 0) : NULL;
	case RECORD_EMERGENCY:
		return json_is_object(v) ? crisis_emergency_text(hl, v) : NULL;
	case RECORD_QUEUE:
		return json_is_object(v) ? record_queue_text(hl, v) : NULL;
	case RECORD_QUEUE_ITEMS:
		return json_is_array(v) ? record_items_text(hl, v) : NULL;
	}
	return NULL;
}

/* The readable text of field's value v (caller frees). */
char *
record_value_text(struct hl *hl, const char *field, json_t *v)
{
	const struct record_field	*f = record_find(field);
	char				*s = NULL, *raw;

	if (v == NULL || json_is_null(v))
		return xstrdup(_("(none)"));
	if (f != NULL)
		s = record_kind_text(hl, f, v);
	else if (json_is_string(v))
		s = record_clean(json_string_value(v), 1);
	else if (json_is_array(v))
		s = record_codes_text(hl, NULL, v);
	else if (json_is_object(v))
		s = record_object_text(v);
	if (s == NULL) {
		raw = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		s = record_clean(raw != NULL ? raw : "?", 0);
		free(raw);
	}
	return s;
}

/* The same on one line, for "field: old → new" (caller frees). */
char *
record_value_line(struct hl *hl, const char *field, json_t *v)
{
	char	*s = record_value_text(hl, field, v), *p, *out;
	size_t	 n = 0;

	for (p = s; *p != '\0'; p++)
		n += *p == '\n';
	if (n == 0)
		return s;
	/* "⏎" marks where a line ended: three bytes in place of one. */
	out = xmalloc(strlen(s) + 2 * n + 1);
	for (p = s, n = 0; *p != '\0'; p++) {
		if (*p == '\n') {
			memcpy(out + n, "\xe2\x8f\x8e", 3);
			n += 3;
		} else
			out[n++] = *p;
	}
	out[n] = '\0';
	free(s);
	return out;
}

/* Whether field is listed in the record's list ("redacted", "erased"). */
static int
record_is_listed(json_t *rec, const char *list, const char *field)
{
	json_t	*e;
	size_t	 i;

	json_array_foreach(json_object_get(rec, list), i, e)
		if (json_is_string(e) && strcmp(json_string_value(e), field) == 0)
			return 1;
	return 0;
}

/* Whether field is listed in the record's "redacted". */
int
record_is_redacted(json_t *rec, const char *field)
{
	return record_is_listed(rec, "redacted", field);
}

/*
 * "(erased 2026-05-01)" when retention erased field (its day in the
 * server's timezone), else NULL. Caller frees.
 */
char *
record_erased_text(json_t *rec, const char *field)
{
	const char	*when;
	char		 day[32];

	if (!record_is_listed(rec, "erased", field))
		return NULL;
	when = json_string_value(json_object_get(rec, "personal_erased_at"));
	if (when == NULL)
		return xstrdup(_("(erased)"));
	timeparse_local(when, "%Y-%m-%d", day, sizeof day);
	return xasprintf(_("(erased %s)"), day);
}

/*
 * "label   value", with the lines of a multi-line value under each other.
 * The label is padded to its display width: a Chinese label is two
 * columns a character, not three bytes. A label wider than the column
 * has its value start on the next line, under the others.
 */
void
record_print_line(FILE *fp, const char *indent, const char *label,
    const char *text)
{
	const char	*p = text, *nl;
	int		 pad = RECORD_LABEL_WIDTH - table_width(label);

	if (pad < 0)
		fprintf(fp, "%s%s\n%s%*s  ", indent, label, indent,
		    RECORD_LABEL_WIDTH, "");
	else
		fprintf(fp, "%s%s%*s  ", indent, label, pad, "");
	while ((nl = strchr(p, '\n')) != NULL) {
		fprintf(fp, "%.*s\n%s%-*s  ", (int)(nl - p), p, indent,
		    RECORD_LABEL_WIDTH, "");
		p = nl + 1;
	}
	fprintf(fp, "%s\n", p);
}

/* A crisis field left empty: not shown, as most calls have none. */
static int
record_is_unset_crisis(const struct record_field *f, json_t *v)
{
	return json_is_null(v) && (f->kind == RECORD_SCORE ||
	    f->kind == RECORD_ITEMS || f->kind == RECORD_WORD ||
	    f->kind == RECORD_EMERGENCY);
}

static int
record_is_known(const char *field)
{
	return record_find(field) != NULL || strcmp(field, "id") == 0 ||
	    strcmp(field, "queue") == 0 ||
	    strcmp(field, "history") == 0 || strcmp(field, "redacted") == 0 ||
	    strcmp(field, "erased") == 0;
}

/* The record as a key/value block; fields we do not know come last, raw. */
void
record_print(struct hl *hl, json_t *rec, FILE *fp)
{
	const char	*key;
	json_t		*v;
	size_t		 i;
	char		*text;

	for (i = 0; i < RECORD_COUNT; i++) {
		key = record_fields[i].field;
		if ((v = json_object_get(rec, key)) == NULL) {
			/* Erased is not empty, nor merely hidden from us. */
			if ((text = record_erased_text(rec, key)) != NULL) {
				record_print_line(fp, "  ",
				    _(record_fields[i].label), text);
				free(text);
			} else if (record_is_redacted(rec, key))
				record_print_line(fp, "  ",
				    _(record_fields[i].label), _("(hidden)"));
			continue;
		}
		/* Only an erased call says when. */
		if ((json_is_null(v) &&
		    strcmp(key, "personal_erased_at") == 0) ||
		    record_is_unset_crisis(&record_fields[i], v))
			continue;
		text = record_value_text(hl, key, v);
		record_print_line(fp, "  ", _(record_fields[i].label), text);
		free(text);
	}
	json_object_foreach(rec, key, v) {
		if (record_is_known(key))
			continue;
		text = record_value_text(hl, key, v);
		record_print_line(fp, "  ", key, text);
		free(text);
	}
}
