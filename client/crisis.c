/*
 * The crisis record's fixed codes (GET /v1/schema, crisis) and the words
 * a person reads for them: the items of the Columbia screener and of the
 * safety plan, the answers, the plan's time frames, the emergency
 * agencies and whether contact was confirmed. The form that asks for
 * them and the record that shows them both take their words from here.
 */
#include <stdlib.h>
#include <string.h>

#include "hotline.h"

#define CRISIS_LIST(w)	{ w, sizeof(w) / sizeof(w[0]), NULL }

static const struct msg_word crisis_screener_w[] = {
	{ "wish_dead", N_("wished to be dead") },
	{ "active_thoughts", N_("active thoughts of suicide") },
	{ "method", N_("thought of a method") },
	{ "intent", N_("intent to act on them") },
	{ "plan", N_("a plan worked out") },
	{ "behavior", N_("suicidal behavior") },
};
static const struct msg_word crisis_safety_w[] = {
	{ "warning_signs", N_("warning signs") },
	{ "coping_steps", N_("coping steps") },
	{ "people_places", N_("people and places") },
	{ "professional_contacts", N_("professional contacts") },
	{ "means_safer", N_("means made safer") },
};
static const struct msg_word crisis_assessment_w[] = {
	{ "desire", N_("suicidal desire") },
	{ "capability", N_("suicidal capability") },
	{ "intent", N_("suicidal intent") },
	{ "buffers", N_("buffers") },
};
static const struct msg_word crisis_answers_w[] = {
	{ "yes", N_("yes") },
	{ "no", N_("no") },
	{ "unknown", N_("unknown") },
};
static const struct msg_word crisis_frames_w[] = {
	{ "72h", N_("within 72 hours") },
	{ "1w", N_("within a week") },
	{ "later", N_("later") },
};
static const struct msg_word crisis_agencies_w[] = {
	{ "110", N_("110 (police)") },
	{ "120", N_("120 (ambulance)") },
	{ "119", N_("119 (fire)") },
	{ "family", N_("family") },
	{ "workplace", N_("workplace") },
	{ "other", N_("other") },
};
static const struct msg_word crisis_outcomes_w[] = {
	{ "pending", NC_("emergency", "pending") },
	{ "confirmed", NC_("emergency", "contact with the caller confirmed") },
	{ "not_confirmed", NC_("emergency", "not confirmed") },
};

const struct crisis_words crisis_screener = CRISIS_LIST(crisis_screener_w);
const struct crisis_words crisis_safety = CRISIS_LIST(crisis_safety_w);
const struct crisis_words crisis_assessment =
    CRISIS_LIST(crisis_assessment_w);
const struct crisis_words crisis_answers = CRISIS_LIST(crisis_answers_w);
const struct crisis_words crisis_frames = CRISIS_LIST(crisis_frames_w);
const struct crisis_words crisis_agencies = CRISIS_LIST(crisis_agencies_w);
const struct crisis_words crisis_outcomes = {
	crisis_outcomes_w, sizeof(crisis_outcomes_w) /
	    sizeof(crisis_outcomes_w[0]), "emergency"
};

/* The words of code in l; the code itself when l does not know it. */
const char *
crisis_word(const struct crisis_words *l, const char *code)
{
	return msg_word(l->cw_words, l->cw_n, l->cw_ctx, code);
}

/* The index of code in l, or -1. */
static int
crisis_index(const struct crisis_words *l, const char *code)
{
	size_t	 i;

	for (i = 0; i < l->cw_n; i++)
		if (strcmp(l->cw_words[i].code, code) == 0)
			return (int)i;
	return -1;
}

/* s, then ", " and "label: answer" (caller frees; s is freed). */
static char *
crisis_add_item(char *s, const char *label, json_t *e)
{
	const char	*a = json_string_value(e);
	char		*val, *item, *next;

	if (a != NULL)
		a = crisis_word(&crisis_answers, a);
	val = record_clean(a != NULL ? a : "?", 0);
	/* TRANSLATORS: an item of the assessment, its answer. */
	item = xasprintf(_("%s: %s"), label, val);
	/* TRANSLATORS: between the items of the assessment. */
	next = xasprintf("%s%s%s", s, s[0] ? _(", ") : "", item);
	free(item);
	free(val);
	free(s);
	return next;
}

/*
 * An object of items answered yes, no or unknown, in words: "wished to
 * be dead: no, ..." in l's order, then any item l does not know, by its
 * code. Caller frees.
 */
char *
crisis_items_text(const struct crisis_words *l, json_t *v)
{
	char		*s = xstrdup(""), *key_c;
	const char	*key;
	json_t		*e;
	size_t		 i;

	for (i = 0; i < l->cw_n; i++)
		if ((e = json_object_get(v, l->cw_words[i].code)) != NULL)
			s = crisis_add_item(s, _(l->cw_words[i].word), e);
	json_object_foreach(v, key, e) {
		if (crisis_index(l, key) != -1)
			continue;
		key_c = record_clean(key, 0);
		s = crisis_add_item(s, key_c, e);
		free(key_c);
	}
	return s;
}

/* s, then ", " and part (caller frees; s and part are freed). */
static char *
crisis_add_part(char *s, char *part)
{
	char	*next;

	next = xasprintf("%s%s%s", s, s[0] ? _(", ") : "", part);
	free(s);
	free(part);
	return next;
}

/*
 * The emergency linkage in words: who was contacted and when, their
 * reference, and whether contact with the caller was confirmed.
 */
char *
crisis_emergency_text(struct hl *hl, json_t *e)
{
	const char	*agency, *ref, *conf;
	char		*s = xstrdup(""), *at;

	agency = json_string_value(json_object_get(e, "agency"));
	if (agency != NULL)
		s = crisis_add_part(s, record_clean(crisis_word(
		    &crisis_agencies, agency), 0));
	if (json_is_string(json_object_get(e, "contacted_at"))) {
		at = record_value_text(hl, "callback_at", json_object_get(e,
		    "contacted_at"));
		s = crisis_add_part(s, xasprintf(_("contacted %s"), at));
		free(at);
	}
	if ((ref = json_string_value(json_object_get(e, "reference"))) !=
	    NULL) {
		at = record_clean(ref, 0);
		s = crisis_add_part(s, xasprintf(_("reference %s"), at));
		free(at);
	}
	if ((conf = json_string_value(json_object_get(e, "confirmed"))) !=
	    NULL)
		s = crisis_add_part(s, record_clean(crisis_word(
		    &crisis_outcomes, conf), 0));
	return s;
}

/* A list a choice prompt numbers: l's codes, named in words. */
json_t *
crisis_choices(const struct crisis_words *l)
{
	json_t	*c = json_array();
	size_t	 i;

	for (i = 0; i < l->cw_n; i++)
		json_array_append_new(c, json_pack("{s:s, s:s}", "code",
		    l->cw_words[i].code, "name", crisis_word(l,
		    l->cw_words[i].code)));
	return c;
}
