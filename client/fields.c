/*
 * The call-record options shared by "log" and "amend" (--line, --risk,
 * --duration, ..., the crisis record's --ideation, --screener,
 * --emergency-agency, ...): one table maps each option to its JSON field
 * and says how its value is read. The --emergency-* options fill one
 * object, "emergency", a member each.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hotline.h"

enum fields_kind {
	FIELDS_STRING,
	FIELDS_TOPICS,		/* repeatable, comma-separated */
	FIELDS_DURATION,
	FIELDS_TIME,		/* kept as typed until the timezone is known */
	FIELDS_BOOL,		/* --flag or --flag=yes|no */
	FIELDS_ITEMS,		/* desire=yes,capability=no,...: every item */
	FIELDS_SCORE,		/* an integer 0-10 */
	FIELDS_MEMBER,		/* a string member of an object: "emergency.agency" */
	FIELDS_MEMBER_TIME	/* a time member, kept as typed like FIELDS_TIME */
};

enum {
	FIELDS_OPT_NOTES = 256,
	FIELDS_OPT_CALLBACK,
	FIELDS_OPT_STARTED,
	FIELDS_OPT_CALL_TYPE,
	FIELDS_OPT_GENDER,
	FIELDS_OPT_AGE_BAND,
	FIELDS_OPT_CONSENT,
	FIELDS_OPT_NAME,
	FIELDS_OPT_CONTACT,
	FIELDS_OPT_CALLER_NUMBER,
	FIELDS_OPT_EMERGENCY,
	FIELDS_OPT_ASSESSMENT,
	FIELDS_OPT_IDEATION,
	FIELDS_OPT_HOPELESSNESS,
	FIELDS_OPT_SCREENER,
	FIELDS_OPT_TIMEFRAME,
	FIELDS_OPT_SAFETY,
	FIELDS_OPT_EM_AGENCY,
	FIELDS_OPT_EM_AT,
	FIELDS_OPT_EM_REFERENCE,
	FIELDS_OPT_EM_CONFIRMED
};

struct fields_opt {
	const char		*option;
	int			 val;
	const char		*field;
	enum fields_kind	 kind;
};

static const struct fields_opt fields_table[] = {
	{ "line", 'l', "line", FIELDS_STRING },
	{ "caller-type", 'c', "caller_type", FIELDS_STRING },
	{ "topic", 't', "topics", FIELDS_TOPICS },
	{ "risk", 'r', "risk", FIELDS_STRING },
	{ "duration", 'd', "duration_s", FIELDS_DURATION },
	{ "outcome", 'o', "outcome", FIELDS_STRING },
	{ "notes", FIELDS_OPT_NOTES, "notes", FIELDS_STRING },
	{ "callback", FIELDS_OPT_CALLBACK, "callback_at", FIELDS_TIME },
	{ "started", FIELDS_OPT_STARTED, "started_at", FIELDS_TIME },
	{ "call-type", FIELDS_OPT_CALL_TYPE, "call_type", FIELDS_STRING },
	{ "gender", FIELDS_OPT_GENDER, "gender", FIELDS_STRING },
	{ "age-band", FIELDS_OPT_AGE_BAND, "age_band", FIELDS_STRING },
	{ "consent", FIELDS_OPT_CONSENT, "consent", FIELDS_BOOL },
	{ "name", FIELDS_OPT_NAME, "caller_name", FIELDS_STRING },
	{ "contact", FIELDS_OPT_CONTACT, "caller_contact", FIELDS_STRING },
	{ "caller-number", FIELDS_OPT_CALLER_NUMBER, "caller_number",
	    FIELDS_STRING },
	{ "emergency-contacted", FIELDS_OPT_EMERGENCY, "emergency_contacted",
	    FIELDS_BOOL },
	{ "assessment", FIELDS_OPT_ASSESSMENT, "risk_assessment",
	    FIELDS_ITEMS },
	{ "ideation", FIELDS_OPT_IDEATION, "ideation_intensity", FIELDS_SCORE },
	{ "hopelessness", FIELDS_OPT_HOPELESSNESS, "hopelessness",
	    FIELDS_SCORE },
	{ "screener", FIELDS_OPT_SCREENER, "screener", FIELDS_ITEMS },
	{ "plan-timeframe", FIELDS_OPT_TIMEFRAME, "plan_timeframe",
	    FIELDS_STRING },
	{ "safety-plan", FIELDS_OPT_SAFETY, "safety_plan", FIELDS_ITEMS },
	{ "emergency-agency", FIELDS_OPT_EM_AGENCY, "emergency.agency",
	    FIELDS_MEMBER },
	{ "emergency-at", FIELDS_OPT_EM_AT, "emergency.contacted_at",
	    FIELDS_MEMBER_TIME },
	{ "emergency-reference", FIELDS_OPT_EM_REFERENCE, "emergency.reference",
	    FIELDS_MEMBER },
	{ "emergency-confirmed", FIELDS_OPT_EM_CONFIRMED, "emergency.confirmed",
	    FIELDS_MEMBER },
};
#define FIELDS_COUNT	(sizeof fields_table / sizeof fields_table[0])

static const char *const fields_assessment_items[] = {
	"desire", "capability", "intent", "buffers", NULL
};
static const char *const fields_screener_items[] = {
	"wish_dead", "active_thoughts", "method", "intent", "plan",
	"behavior", NULL
};
static const char *const fields_safety_items[] = {
	"warning_signs", "coping_steps", "people_places",
	"professional_contacts", "means_safer", NULL
};

/* The items of an ITEM=ANSWER field, NULL-terminated. */
static const char *const *
fields_items_of(const char *field)
{
	if (strcmp(field, "screener") == 0)
		return fields_screener_items;
	if (strcmp(field, "safety_plan") == 0)
		return fields_safety_items;
	return fields_assessment_items;
}

void
fields_init(struct fields *f)
{
	f->set = json_object();
	f->clear = json_array();
	f->consent = -1;
}

void
fields_free(struct fields *f)
{
	json_decref(f->set);
	json_decref(f->clear);
	f->set = f->clear = NULL;
}

/* getopt_long's table: the field options, then extra (caller frees). */
struct option *
fields_long_options(const struct option *extra)
{
	struct option	*o;
	size_t		 i, n = 0;

	while (extra[n].name != NULL)
		n++;
	o = xcalloc(FIELDS_COUNT + n + 1, sizeof *o);
	for (i = 0; i < FIELDS_COUNT; i++) {
		o[i].name = fields_table[i].option;
		o[i].has_arg = fields_table[i].kind == FIELDS_BOOL ?
		    optional_argument : required_argument;
		o[i].val = fields_table[i].val;
	}
	memcpy(o + FIELDS_COUNT, extra, n * sizeof *o);
	return o;
}

static const struct fields_opt *
fields_by_val(int val)
{
	size_t	i;

	for (i = 0; i < FIELDS_COUNT; i++)
		if (fields_table[i].val == val)
			return &fields_table[i];
	return NULL;
}

/*
 * The entry for an option name or a field name ("callback", "callback_at";
 * a member by its name too: "contacted_at").
 */
static const struct fields_opt *
fields_by_name(const char *name)
{
	const char	*dot;
	size_t		 i;

	for (i = 0; i < FIELDS_COUNT; i++)
		if (strcmp(fields_table[i].option, name) == 0 ||
		    strcmp(fields_table[i].field, name) == 0 ||
		    ((dot = strchr(fields_table[i].field, '.')) != NULL &&
		    strcmp(dot + 1, name) == 0))
			return &fields_table[i];
	return NULL;
}

/* The option that sets field, for messages ("risk_assessment" -> "assessment"). */
const char *
fields_option_name(const char *field)
{
	const struct fields_opt	*o = fields_by_name(field);

	return o != NULL ? o->option : field;
}

static int
fields_string(struct fields *f, const char *cmd, const struct fields_opt *o,
    const char *arg)
{
	json_t	*v;

	/* jansson refuses text that is not UTF-8; so would the server. */
	if ((v = json_string(arg)) == NULL)
		return msg_usage(cmd, _("--%s: not valid UTF-8 text"), o->option);
	json_object_set_new(f->set, o->field, v);
	return 0;
}

/* Add the comma-separated topics in arg to the list so far. */
static int
fields_topics(struct fields *f, const char *cmd, const struct fields_opt *o,
    const char *arg)
{
	json_t	*topics = json_object_get(f->set, o->field), *v;
	char	*copy = xstrdup(arg), *p = copy, *word;
	int	 rv = 0;

	if (topics == NULL) {
		topics = json_array();
		json_object_set_new(f->set, o->field, topics);
	}
	while (rv == 0 && (word = strsep(&p, ",")) != NULL) {
		word += strspn(word, " ");
		word[strcspn(word, " ")] = '\0';
		if (word[0] == '\0' || (v = json_string(word)) == NULL)
			rv = msg_usage(cmd, _("--%s: '%s' is not a list of topic "
			    "codes"), o->option, arg);
		else
			json_array_append_new(topics, v);
	}
	free(copy);
	return rv;
}

static int
fields_duration(struct fields *f, const char *cmd, const struct fields_opt *o,
    const char *arg)
{
	long	secs;

	if (timeparse_duration(arg, &secs) == -1)
		return msg_usage(cmd, _("--%s: '%s' is not a duration (e.g. 720, "
		    "90s, 12m, 1h5m)"), o->option, arg);
	json_object_set_new(f->set, o->field, json_integer(secs));
	return 0;
}

/* Check the form now (usage errors come before any request), convert later. */
static int
fields_time(struct fields *f, const char *cmd, const struct fields_opt *o,
    const char *arg)
{
	time_t	t;

	if (timeparse_time(arg, &t) == -1)
		return msg_usage(cmd, _("--%s: '%s' is not a time (use "
		    "2020-02-17T01:30:00+08:00, '2020-02-17 01:30' or 01:30)"),
		    o->option, arg);
	return fields_string(f, cmd, o, arg);
}

/* yes/no and friends; -1 if word is neither. */
static int
fields_yesno(const char *word)
{
	static const char *const yes[] = { "yes", "y", "true", "1", "on" };
	static const char *const no[] = { "no", "n", "false", "0", "off" };
	size_t	i;

	for (i = 0; i < sizeof yes / sizeof yes[0]; i++) {
		if (strcasecmp(word, yes[i]) == 0)
			return 1;
		if (strcasecmp(word, no[i]) == 0)
			return 0;
	}
	return -1;
}

static int
fields_bool(struct fields *f, const char *cmd, const struct fields_opt *o,
    const char *arg)
{
	int	v = arg == NULL ? 1 : fields_yesno(arg);

	if (v == -1)
		return msg_usage(cmd, _("--%s: say yes or no, not '%s'"),
		    o->option, arg);
	json_object_set_new(f->set, o->field, json_boolean(v));
	if (strcmp(o->field, "consent") == 0)
		f->consent = v;
	return 0;
}

static int
fields_item(json_t *obj, const char *const *items, const char *item)
{
	const char	*eq = strchr(item, '='), *answer;
	size_t		 i, n;

	if (eq == NULL)
		return -1;
	if (strcasecmp(eq + 1, "unknown") == 0)
		answer = "unknown";
	else if (fields_yesno(eq + 1) != -1)
		answer = fields_yesno(eq + 1) ? "yes" : "no";
	else
		return -1;
	n = (size_t)(eq - item);
	for (i = 0; items[i] != NULL; i++) {
		if (strlen(items[i]) != n || strncmp(items[i], item, n) != 0)
			continue;
		if (json_object_get(obj, items[i]) != NULL)
			return -1;
		json_object_set_new(obj, items[i], json_string(answer));
		return 0;
	}
	return -1;
}

/*
 * desire=yes,capability=no,intent=unknown,buffers=yes: every item of the
 * field once (--assessment, --screener, --safety-plan).
 */
static int
fields_items(struct fields *f, const char *cmd, const struct fields_opt *o,
    const char *arg)
{
	const char *const	*items = fields_items_of(o->field);
	json_t			*obj = json_object();
	char			*copy = xstrdup(arg), *p = copy, *item;
	char			*names = xstrdup(""), *t;
	size_t			 i;
	int			 rv = 0;

	for (i = 0; items[i] != NULL; i++) {
		t = xasprintf("%s%s%s", names, i > 0 ? ", " : "", items[i]);
		free(names);
		names = t;
	}
	while (rv == 0 && (item = strsep(&p, ",")) != NULL)
		if (fields_item(obj, items, item) == -1)
			rv = msg_usage(cmd, _("--%s: '%s' is not ITEM=ANSWER "
			    "(items %s, each once; answers yes, no, unknown)"),
			    o->option, item, names);
	if (rv == 0 && json_object_size(obj) != i)
		rv = msg_usage(cmd, _("--%s: give all %zu items (%s)"),
		    o->option, i, names);
	free(copy);
	free(names);
	if (rv == 0)
		json_object_set_new(f->set, o->field, obj);
	else
		json_decref(obj);
	return rv;
}

/* --ideation 7: an integer from 0 to 10. */
static int
fields_score(struct fields *f, const char *cmd, const struct fields_opt *o,
    const char *arg)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (arg[0] == '\0' || *end != '\0' || errno != 0 || v < 0 || v > 10)
		return msg_usage(cmd, _("--%s: '%s' is not a whole number from "
		    "0 to 10"), o->option, arg);
	json_object_set_new(f->set, o->field, json_integer(v));
	return 0;
}

/* --emergency-agency 120: the member "agency" of the object "emergency". */
static int
fields_member(struct fields *f, const char *cmd, const struct fields_opt *o,
    const char *arg)
{
	const char	*dot = strchr(o->field, '.');
	char		*name = xstrdup(o->field);
	json_t		*obj, *v;
	time_t		 t;

	name[dot - o->field] = '\0';
	if (o->kind == FIELDS_MEMBER_TIME && timeparse_time(arg, &t) == -1) {
		free(name);
		return msg_usage(cmd, _("--%s: '%s' is not a time (use "
		    "2020-02-17T01:30:00+08:00, '2020-02-17 01:30' or 01:30)"),
		    o->option, arg);
	}
	if ((v = json_string(arg)) == NULL) {
		free(name);
		return msg_usage(cmd, _("--%s: not valid UTF-8 text"),
		    o->option);
	}
	if ((obj = json_object_get(f->set, name)) == NULL) {
		obj = json_object();
		json_object_set_new(f->set, name, obj);
	}
	json_object_set_new(obj, dot + 1, v);
	free(name);
	return 0;
}

/*
 * Take option val with its argument if it is a field option. Returns 1 if
 * it was one, 0 if not, EXIT_USAGE after reporting a bad value.
 */
int
fields_option(struct fields *f, const char *cmd, int val, const char *arg)
{
	const struct fields_opt	*o = fields_by_val(val);
	int			 rv = 0;

	if (o == NULL)
		return 0;
	switch (o->kind) {
	case FIELDS_STRING:
		rv = fields_string(f, cmd, o, arg);
		break;
	case FIELDS_TOPICS:
		rv = fields_topics(f, cmd, o, arg);
		break;
	case FIELDS_DURATION:
		rv = fields_duration(f, cmd, o, arg);
		break;
	case FIELDS_TIME:
		rv = fields_time(f, cmd, o, arg);
		break;
	case FIELDS_BOOL:
		rv = fields_bool(f, cmd, o, arg);
		break;
	case FIELDS_ITEMS:
		rv = fields_items(f, cmd, o, arg);
		break;
	case FIELDS_SCORE:
		rv = fields_score(f, cmd, o, arg);
		break;
	case FIELDS_MEMBER:
	case FIELDS_MEMBER_TIME:
		rv = fields_member(f, cmd, o, arg);
		break;
	}
	return rv == 0 ? 1 : rv;
}

/* amend --clear NAME: an option or field name. 0, or EXIT_USAGE. */
int
fields_clear(struct fields *f, const char *cmd, const char *name)
{
	const struct fields_opt	*o = fields_by_name(name);

	if (o == NULL || o->kind == FIELDS_MEMBER ||
	    o->kind == FIELDS_MEMBER_TIME)
		return msg_usage(cmd, _("--clear: no field '%s'"), name);
	json_array_append_new(f->clear, json_string(o->field));
	return 0;
}

/*
 * The checks that need all options: name and contact only with consent
 * (given now, or already on the record), nothing both set and cleared.
 * 0, or EXIT_USAGE after saying why.
 */
int
fields_check(const struct fields *f, const char *cmd, int consent_on_record)
{
	int	consent = f->consent == 1 || (f->consent == -1 &&
		    consent_on_record);
	json_t	*v;
	size_t	 i;

	if (!consent && (json_object_get(f->set, "caller_name") != NULL ||
	    json_object_get(f->set, "caller_contact") != NULL))
		return msg_usage(cmd, _("--name and --contact are kept only "
		    "when the caller consents: add --consent"));
	json_array_foreach(f->clear, i, v)
		if (json_object_get(f->set, json_string_value(v)) != NULL)
			return msg_usage(cmd, _("--clear %s conflicts with --%s"),
			    json_string_value(v),
			    fields_option_name(json_string_value(v)));
	return 0;
}

/* Rewrite one time field of obj as RFC 3339 in the current TZ. */
static int
fields_resolve_time(json_t *obj, const char *field)
{
	const char	*s = json_string_value(json_object_get(obj, field));
	char		 buf[TIMEPARSE_RFC3339_LEN];
	time_t		 t;

	if (s == NULL)
		return 0;
	if (timeparse_time(s, &t) == -1) {
		msg_error(_("--%s: %s does not exist in the server's timezone"),
		    fields_option_name(field), s);
		return -1;
	}
	timeparse_rfc3339(t, buf, sizeof buf);
	json_object_set_new(obj, field, json_string(buf));
	return 0;
}

/*
 * Turn the times in obj into RFC 3339 in the server's timezone: that is the
 * zone "01:30" means on a hotline's form. -1 after reporting an error.
 */
int
fields_resolve_times(struct hl *hl, json_t *obj)
{
	json_t	*em = json_object_get(obj, "emergency");

	if (!json_is_string(json_object_get(obj, "started_at")) &&
	    !json_is_string(json_object_get(obj, "callback_at")) &&
	    !json_is_string(json_object_get(em, "contacted_at")))
		return 0;
	if (schema_use_timezone(hl) == -1)
		return -1;
	if (fields_resolve_time(obj, "started_at") == -1 ||
	    fields_resolve_time(obj, "callback_at") == -1 ||
	    (json_is_object(em) &&
	    fields_resolve_time(em, "contacted_at") == -1))
		return -1;
	return 0;
}
