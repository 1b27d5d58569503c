/*
 * The crisis fields in the interactive form of "hotline log": those the
 * server's config requires from a risk level up (GET /v1/schema, crisis
 * .required), asked once the risk reaches it, each until answered: the
 * scores 0 to 10, the six items of the Columbia screener, the plan's
 * time frame (when a plan is in place), the safety plan's five items,
 * and the emergency contact's agency (made now, pending).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hotline.h"

/* The index of code in a schema list of codes, or -1. */
static int
form_crisis_rank(const json_t *l, const char *code)
{
	json_t		*e;
	const char	*c;
	size_t		 i;

	json_array_foreach(l, i, e) {
		c = json_string_value(json_is_object(e) ?
		    json_object_get(e, "code") : e);
		if (c != NULL && code != NULL && strcmp(c, code) == 0)
			return (int)i;
	}
	return -1;
}

/* A whole number 0 to 10, asked until given. */
static int
form_crisis_score(json_t *set, const char *field, const char *label)
{
	json_t	*v = json_object_get(set, field);
	char	*cur = NULL, *line, *end;
	long	 n;

	if (json_is_integer(v))
		cur = xasprintf("%lld", (long long)json_integer_value(v));
	for (;;) {
		if ((line = prompt_ask(label, cur)) == NULL) {
			free(cur);
			return -1;
		}
		if (line[0] == '\0' && cur != NULL)
			break;
		n = strtol(line, &end, 10);
		if (line[0] != '\0' && *end == '\0' && n >= 0 && n <= 10) {
			json_object_set_new(set, field, json_integer(n));
			break;
		}
		fprintf(stderr, "%s\n", _("a whole number from 0 to 10, "
		    "please"));
		free(line);
	}
	free(line);
	free(cur);
	return 0;
}

/* An object of items (l), each yes, no or unknown, every one asked. */
static int
form_crisis_items(json_t *set, const char *field, const char *title,
    const struct crisis_words *l)
{
	json_t		*answers = crisis_choices(&crisis_answers), *old, *o;
	const char	*was, *item;
	char		*code;
	size_t		 i;
	int		 rv = 0;

	old = json_object_get(set, field);
	o = json_object();
	fprintf(stderr, "%s\n", title);
	for (i = 0; i < l->cw_n && rv == 0; i++) {
		item = l->cw_words[i].code;
		was = json_string_value(json_object_get(old, item));
		rv = prompt_choice(answers, crisis_word(l, item), was, 1,
		    &code);
		json_object_set_new(o, item, json_string(code != NULL ?
		    code : was != NULL ? was : "unknown"));
		free(code);
	}
	if (rv == 0)
		json_object_set(set, field, o);
	json_decref(o);
	json_decref(answers);
	return rv;
}

/* One code of a fixed list (l), required. */
static int
form_crisis_code(json_t *set, const char *field, const char *label,
    const struct crisis_words *l)
{
	json_t		*c = crisis_choices(l);
	const char	*was = json_string_value(json_object_get(set, field));
	char		*code;
	int		 rv;

	rv = prompt_choice(c, label, was, 1, &code);
	if (rv == 0 && code != NULL)
		json_object_set_new(set, field, json_string(code));
	free(code);
	json_decref(c);
	return rv;
}

/* The emergency contact: its agency; made now, pending. */
static int
form_crisis_emergency(json_t *set)
{
	json_t		*e = json_object();
	char		 now[32];
	struct tm	 tm;
	time_t		 t = time(NULL);
	int		 rv;

	rv = form_crisis_code(e, "agency", _("emergency contacted: who"),
	    &crisis_agencies);
	gmtime_r(&t, &tm);
	strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_object_set_new(e, "contacted_at", json_string(now));
	if (rv == 0)
		json_object_set(set, "emergency", e);
	json_decref(e);
	return rv;
}

static int
form_crisis_field(json_t *set, const char *f)
{
	const char	*plan;

	if (strcmp(f, "ideation_intensity") == 0)
		return form_crisis_score(set, f, _("suicidal ideation, 0-10"));
	if (strcmp(f, "hopelessness") == 0)
		return form_crisis_score(set, f, _("hopelessness, 0-10"));
	if (strcmp(f, "screener") == 0)
		return form_crisis_items(set, f, _("Columbia screener, the "
		    "last three months"), &crisis_screener);
	if (strcmp(f, "safety_plan") == 0)
		return form_crisis_items(set, f, _("Safety plan"),
		    &crisis_safety);
	if (strcmp(f, "emergency") == 0)
		return form_crisis_emergency(set);
	plan = json_string_value(json_object_get(json_object_get(set,
	    "screener"), "plan"));
	if (strcmp(f, "plan_timeframe") == 0 && plan != NULL &&
	    strcmp(plan, "yes") == 0)
		return form_crisis_code(set, f, _("the plan's time frame"),
		    &crisis_frames);
	return 0;
}

/*
 * Ask the crisis fields the server requires of set's risk, but those
 * the flags gave. 0, or -1 at the end of input.
 */
int
form_crisis(struct hl *hl, json_t *set, const json_t *given)
{
	json_t		*s = schema_get(hl), *req, *f;
	const char	*from, *name;
	size_t		 i;
	int		 rank;

	req = json_object_get(json_object_get(s, "crisis"), "required");
	from = json_string_value(json_object_get(req, "from"));
	if (from == NULL)
		return 0;
	rank = form_crisis_rank(schema_list(hl, "risk_levels"),
	    json_string_value(json_object_get(set, "risk")));
	if (rank < 0 || rank < form_crisis_rank(schema_list(hl,
	    "risk_levels"), from))
		return 0;
	json_array_foreach(json_object_get(req, "fields"), i, f) {
		name = json_string_value(f);
		if (name == NULL || json_object_get(given, name) != NULL)
			continue;
		if (form_crisis_field(set, name) == -1)
			return -1;
	}
	return 0;
}
