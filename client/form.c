/*
 * The interactive form of "hotline log" on a terminal: asks for the whole
 * call in the order a call goes, skips what the command line gave, shows
 * a summary and saves on one key, or goes back through the answers.
 * Questions go to stderr so stdout stays the command's output.
 */
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "hotline.h"

/* Why a question returned: an answer (or a skip), or the end of input. */
#define FORM_OK		0
#define FORM_EOF	-1

struct form {
	struct hl	*hl;
	json_t		*set;		/* the answers so far (and the flags) */
	json_t		*given;		/* the fields the flags gave: not asked */
	time_t		 started;	/* when hotline log began: the ring */
};

static int
form_given(const struct form *fm, const char *field)
{
	return json_object_get(fm->given, field) != NULL;
}

/* The current value's text for "[...]", or NULL when there is none. */
static char *
form_current(struct form *fm, const char *field)
{
	json_t	*v = json_object_get(fm->set, field);

	return v != NULL ? record_value_line(fm->hl, field, v) : NULL;
}

/* Ask for a code from a schema list; Enter keeps the current or skips. */
static int
form_code(struct form *fm, const char *field, const char *list, int required)
{
	const json_t	*l = schema_list(fm->hl, list);
	char		*cur, *code;
	int		 rv;

	if (form_given(fm, field) || l == NULL)
		return FORM_OK;
	cur = form_current(fm, field);
	rv = prompt_choice(l, record_label(field), cur, required, &code);
	free(cur);
	if (rv == FORM_OK && code != NULL) {
		json_object_set_new(fm->set, field, json_string(code));
		free(code);
	}
	return rv;
}

static int
form_topics(struct form *fm)
{
	const json_t	*l = schema_list(fm->hl, "topics");
	json_t		*v;
	char		*cur;

	if (form_given(fm, "topics") || l == NULL)
		return FORM_OK;
	cur = form_current(fm, "topics");
	v = prompt_codes(l, record_label("topics"), cur);
	free(cur);
	if (v == NULL)
		return FORM_EOF;
	if (json_array_size(v) > 0)
		json_object_set_new(fm->set, "topics", v);
	else
		json_decref(v);
	return FORM_OK;
}

/* Whether the risk chosen is moderate or above (the schema's order). */
static int
form_risk_moderate(struct form *fm)
{
	const json_t	*l = schema_list(fm->hl, "risk_levels");
	const char	*risk = json_string_value(json_object_get(fm->set,
			    "risk")), *c;
	json_t		*e;
	size_t		 i;
	int		 seen = 0;

	json_array_foreach(l, i, e) {
		c = json_string_value(json_object_get(e, "code"));
		seen |= c != NULL && strcmp(c, "moderate") == 0;
		if (seen && c != NULL && risk != NULL && strcmp(c, risk) == 0)
			return 1;
	}
	return 0;
}

/* yes / no / unknown, as a list the choice prompt can number. */
static json_t *
form_answers(int with_unknown)
{
	json_t	*l = json_array();

	json_array_append_new(l, json_pack("{s:s, s:s}", "code", "yes",
	    "name", _("yes")));
	json_array_append_new(l, json_pack("{s:s, s:s}", "code", "no",
	    "name", _("no")));
	if (with_unknown)
		json_array_append_new(l, json_pack("{s:s, s:s}", "code",
		    "unknown", "name", _("unknown")));
	return l;
}

/* The four items of the suicide-risk assessment; Enter: unknown. */
static int
form_assessment(struct form *fm)
{
	static const struct {
		const char	*item, *label;
	} items[] = {
		{ "desire", N_("suicidal desire") },
		{ "capability", N_("suicidal capability") },
		{ "intent", N_("suicidal intent") },
		{ "buffers", N_("buffers (reasons to live, support)") },
	};
	json_t		*answers = form_answers(1), *a, *old;
	const char	*was;
	char		*code;
	size_t		 i;
	int		 rv = FORM_OK;

	if (form_given(fm, "risk_assessment"))
		return FORM_OK;
	old = json_object_get(fm->set, "risk_assessment");
	a = json_object();
	fprintf(stderr, "%s\n", _("Suicide-risk assessment (Enter: unknown)"));
	for (i = 0; i < 4 && rv == FORM_OK; i++) {
		was = json_string_value(json_object_get(old, items[i].item));
		rv = prompt_choice(answers, _(items[i].label), was, 0, &code);
		json_object_set_new(a, items[i].item, json_string(code != NULL ?
		    code : was != NULL ? was : "unknown"));
		free(code);
	}
	if (rv == FORM_OK)
		json_object_set(fm->set, "risk_assessment", a);
	json_decref(a);
	json_decref(answers);
	return rv;
}

/* A yes/no field; Enter keeps the current answer or leaves it out. */
static int
form_bool(struct form *fm, const char *field)
{
	json_t	*answers, *v = json_object_get(fm->set, field);
	char	*code;
	int	 rv;

	if (form_given(fm, field))
		return FORM_OK;
	answers = form_answers(0);
	rv = prompt_choice(answers, record_label(field), v == NULL ? NULL :
	    json_is_true(v) ? _("yes") : _("no"), 0, &code);
	if (rv == FORM_OK && code != NULL)
		json_object_set_new(fm->set, field, json_boolean(strcmp(code,
		    "yes") == 0));
	free(code);
	json_decref(answers);
	return rv;
}

/* One line of free text; Enter keeps the current text or leaves it out. */
static int
form_text(struct form *fm, const char *field)
{
	char	*cur, *line;

	if (form_given(fm, field))
		return FORM_OK;
	cur = form_current(fm, field);
	line = prompt_ask(record_label(field), cur);
	free(cur);
	if (line == NULL)
		return FORM_EOF;
	if (line[0] != '\0')
		json_object_set_new(fm->set, field, json_string(line));
	free(line);
	return FORM_OK;
}

/* The callback time, needed with the outcome callback. */
static int
form_callback(struct form *fm)
{
	const char	*outcome = json_string_value(json_object_get(fm->set,
			    "outcome"));
	const char	*cur;
	char		*line;
	time_t		 t;

	if (form_given(fm, "callback_at") || outcome == NULL ||
	    strcmp(outcome, "callback") != 0)
		return FORM_OK;
	cur = json_string_value(json_object_get(fm->set, "callback_at"));
	for (;;) {
		line = prompt_ask(_("callback time (YYYY-MM-DD HH:MM, or HH:MM "
		    "today)"), cur);
		if (line == NULL)
			return FORM_EOF;
		if (line[0] == '\0' && cur != NULL) {
			free(line);
			return FORM_OK;
		}
		if (line[0] != '\0' && timeparse_time(line, &t) == 0)
			break;
		if (line[0] != '\0')
			fprintf(stderr, _("  '%s' is not a time\n"), line);
		free(line);
	}
	json_object_set_new(fm->set, "callback_at", json_string(line));
	free(line);
	return FORM_OK;
}

/* The duration: the time since the phone rang, shown and editable. */
static int
form_duration(struct form *fm)
{
	json_t	*v = json_object_get(fm->set, "duration_s");
	long	 secs = v != NULL ? (long)json_integer_value(v) :
		    (long)(time(NULL) - fm->started);
	char	*cur, *line;
	int	 rv = FORM_EOF;

	if (form_given(fm, "duration_s"))
		return FORM_OK;
	if (secs < 1)
		secs = 1;
	cur = timeparse_duration_text(secs);
	while ((line = prompt_ask(_("duration (720, 90s, 12m, 1h5m)"),
	    cur)) != NULL) {
		if (line[0] == '\0' || timeparse_duration(line, &secs) == 0) {
			json_object_set_new(fm->set, "duration_s",
			    json_integer(secs));
			rv = FORM_OK;
			free(line);
			break;
		}
		fprintf(stderr, _("  '%s' is not a duration\n"), line);
		free(line);
	}
	free(cur);
	return rv;
}

/* Notes: several lines up to an empty one, or ":e" for $EDITOR. */
static int
form_notes(struct form *fm)
{
	char	*text;

	if (form_given(fm, "notes"))
		return FORM_OK;
	text = prompt_text(record_label("notes"), json_string_value(
	    json_object_get(fm->set, "notes")));
	if (text == NULL)
		return FORM_EOF;
	if (text[0] != '\0')
		json_object_set_new(fm->set, "notes", json_string(text));
	free(text);
	return FORM_OK;
}

/* Consent, then name and contact only when the caller gave it. */
static int
form_consent(struct form *fm)
{
	int	rv;

	if ((rv = form_bool(fm, "consent")) != FORM_OK)
		return rv;
	if (!json_is_true(json_object_get(fm->set, "consent"))) {
		json_object_del(fm->set, "caller_name");
		json_object_del(fm->set, "caller_contact");
		return FORM_OK;
	}
	if ((rv = form_text(fm, "caller_name")) != FORM_OK)
		return rv;
	return form_text(fm, "caller_contact");
}

/* The risk block: the assessment and emergency services, moderate up. */
static int
form_risk(struct form *fm)
{
	int	rv;

	if ((rv = form_code(fm, "risk", "risk_levels", 1)) != FORM_OK)
		return rv;
	if (!form_risk_moderate(fm)) {
		if (!form_given(fm, "risk_assessment"))
			json_object_del(fm->set, "risk_assessment");
		if (!form_given(fm, "emergency_contacted"))
			json_object_del(fm->set, "emergency_contacted");
		return FORM_OK;
	}
	if ((rv = form_assessment(fm)) != FORM_OK)
		return rv;
	return form_bool(fm, "emergency_contacted");
}

/* One pass through the questions, in the order a call goes. */
static int
form_pass(struct form *fm)
{
	int	rv;

	if ((rv = form_code(fm, "line", "lines", 1)) != FORM_OK ||
	    (rv = form_code(fm, "caller_type", "caller_types", 1)) != FORM_OK ||
	    (rv = form_code(fm, "call_type", "call_types", 0)) != FORM_OK ||
	    (rv = form_code(fm, "gender", "genders", 0)) != FORM_OK ||
	    (rv = form_code(fm, "age_band", "age_bands", 0)) != FORM_OK ||
	    (rv = form_topics(fm)) != FORM_OK ||
	    (rv = form_risk(fm)) != FORM_OK ||
	    (rv = form_crisis(fm->hl, fm->set, fm->given)) != FORM_OK ||
	    (rv = form_code(fm, "outcome", "outcomes", 0)) != FORM_OK)
		return rv;
	if (!form_given(fm, "callback_at") && !form_given(fm, "outcome") &&
	    json_object_get(fm->set, "outcome") != NULL && strcmp(
	    json_string_value(json_object_get(fm->set, "outcome")),
	    "callback") != 0)
		json_object_del(fm->set, "callback_at");
	if ((rv = form_callback(fm)) != FORM_OK ||
	    (rv = form_duration(fm)) != FORM_OK ||
	    (rv = form_notes(fm)) != FORM_OK)
		return rv;
	return form_consent(fm);
}

/* The answers as "hotline show" prints a record, before saving. */
static void
form_summary(struct form *fm)
{
	fprintf(stderr, "\n%s\n", _("The call as it will be saved:"));
	record_print(fm->hl, fm->set, stderr);
}

/* One key, without Enter: the terminal is put in non-canonical mode. */
static int
form_key(void)
{
	struct termios	 old, raw;
	unsigned char	 c;
	ssize_t		 n;
	int		 tty = tcgetattr(STDIN_FILENO, &old) == 0;

	if (tty) {
		raw = old;
		raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
		raw.c_cc[VMIN] = 1;
		raw.c_cc[VTIME] = 0;
		tcsetattr(STDIN_FILENO, TCSANOW, &raw);
	}
	n = read(STDIN_FILENO, &c, 1);
	if (tty)
		tcsetattr(STDIN_FILENO, TCSANOW, &old);
	fputc('\n', stderr);
	return n == 1 ? c : -1;
}

/* Save (1), go back (0), or give up (-1)? */
static int
form_confirm(void)
{
	int	c;

	for (;;) {
		fprintf(stderr, "%s ", _("Enter or s: save; b: back to the "
		    "questions; q: quit without saving"));
		fflush(stderr);
		c = form_key();
		if (c == '\n' || c == '\r' || c == 's' || c == 'S')
			return 1;
		if (c == 'b' || c == 'B')
			return 0;
		if (c == -1 || c == 'q' || c == 'Q' || c == 4)
			return -1;
	}
}

/*
 * Ask for the call on the terminal. set holds what the flags gave (kept,
 * not asked); started is when hotline log began. 0 to send the call,
 * or an exit status after saying why not.
 */
int
form_run(struct hl *hl, json_t *set, time_t started)
{
	struct form	fm = { hl, set, json_deep_copy(set), started };
	char		when[TIMEPARSE_RFC3339_LEN];
	int		rv, c = 0;

	/* Times are read and shown in the server's timezone. */
	if (schema_use_timezone(hl) == -1) {
		json_decref(fm.given);
		return EXIT_ERROR;
	}
	/* The call began when the phone rang, not when the form is done. */
	if (json_object_get(set, "started_at") == NULL) {
		timeparse_rfc3339(started, when, sizeof when);
		json_object_set_new(set, "started_at", json_string(when));
	}
	while ((rv = form_pass(&fm)) == FORM_OK) {
		form_summary(&fm);
		if ((c = form_confirm()) != 0)
			break;
	}
	json_decref(fm.given);
	if (rv == FORM_EOF || c == -1) {
		msg_error(_("nothing was logged"));
		return EXIT_ERROR;
	}
	return 0;
}
