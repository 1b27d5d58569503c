/*
 * The daemon's details in the reader's language. The daemon writes the
 * detail of a queue item's history entry and of an audit row in English,
 * in one fixed form per action (docs/api.md); those forms are said in
 * the reader's language, any other text as it is. The console says the
 * same forms with the same words (web/src/details.js).
 */
#include <errno.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hotline.h"

#define DETAIL_GROUPS	5	/* the whole match and up to four parts */

/* Digits as a number for ngettext; 0 when they are none or too many. */
static unsigned long
detail_n(const char *digits)
{
	char		*end;
	unsigned long	 n;

	errno = 0;
	n = strtoul(digits, &end, 10);
	return errno != 0 || *end != '\0' ? 0 : n;
}

/* Seconds as "15m", "1h30m"; digits too large as the daemon wrote them. */
static char *
detail_span(const char *digits)
{
	char	*end;
	long	 s;

	errno = 0;
	s = strtol(digits, &end, 10);
	if (errno != 0 || *end != '\0')
		return xasprintf("%ss", digits);
	return timeparse_duration_text(s);
}

/* An RFC 3339 time the daemon wrote, in the server's timezone. */
static char *
detail_time(struct hl *hl, const char *s)
{
	json_t	*v = json_string(s);
	char	*t;

	t = v != NULL ? record_value_text(hl, "callback_at", v) :
	    xstrdup(s);
	json_decref(v);
	return t;
}

static char *
detail_lease(struct hl *hl, char **g)
{
	(void)hl;
	return xasprintf(_("%s's lease ran out"), g[1]);
}

static char *
detail_sla(struct hl *hl, char **g)
{
	char	*waited = detail_span(g[1]), *sla = detail_span(g[2]);
	char	*s;

	(void)hl;
	s = xasprintf(_("waited %s (SLA %s)"), waited, sla);
	free(waited);
	free(sla);
	return s;
}

static char *
detail_failed(struct hl *hl, char **g)
{
	(void)hl;
	return xasprintf(_("attempts failed: %s"), g[1]);
}

static char *
detail_attempt(struct hl *hl, char **g)
{
	(void)hl;
	return xasprintf(_("%s (attempt %s of %s)"), cmd_plan_result(g[1]),
	    g[2], g[3]);
}

static char *
detail_reason(struct hl *hl, char **g)
{
	(void)hl;
	return xstrdup(cmd_plan_reason(g[1]));
}

static char *
detail_queue(struct hl *hl, char **g)
{
	const char	*name = schema_name(hl, "queues", g[1]);

	return xasprintf(_("queue: %s"), name != NULL ? name : g[1]);
}

static char *
detail_calls(struct hl *hl, char **g)
{
	(void)hl;
	(void)g;
	return xstrdup(_("list of calls"));
}

static char *
detail_handover(struct hl *hl, char **g)
{
	(void)hl;
	(void)g;
	return xstrdup(_("handover"));
}

static char *
detail_held(struct hl *hl, char **g)
{
	(void)hl;
	return xasprintf(_("previously held by %s"), g[1]);
}

/* The names of the fields an amendment changed, as labels. */
static char *
detail_fields(struct hl *hl, char **g)
{
	char	*s = xstrdup(""), *copy = xstrdup(g[0]), *f, *next, *save;

	(void)hl;
	for (f = strtok_r(copy, ",", &save); f != NULL;
	    f = strtok_r(NULL, ",", &save)) {
		next = xasprintf("%s%s%s", s, s[0] ? _(", ") : "",
		    record_label(f));
		free(s);
		s = next;
	}
	free(copy);
	return s;
}

static char *
detail_export(struct hl *hl, char **g)
{
	char	*from = detail_time(hl, g[2]), *to = detail_time(hl, g[3]);
	char	*s;

	s = xasprintf(_("export %s: %s to %s, %s"), g[1], from, to, g[4]);
	free(from);
	free(to);
	return s;
}

static char *
detail_plan_end(struct hl *hl, char **g)
{
	const char	*name = schema_name(hl, "plans", g[1]);

	return xasprintf(ngettext("%s, reason: %s, %s follow-up cancelled",
	    "%s, reason: %s, %s follow-ups cancelled", detail_n(g[3])),
	    name != NULL ? name : g[1], cmd_plan_reason(g[2]), g[3]);
}

/* How a requester came: by its transport's name. */
static const char *
detail_transport(const char *via)
{
	static const struct msg_word words[] = {
		{ "tcp", N_("over the network (TCP)") },
		{ "tls", N_("over the encrypted network (TLS)") },
		{ "unix", N_("through the local socket") },
	};

	return msg_word(words, sizeof(words) / sizeof(words[0]), NULL, via);
}

static char *
detail_via(struct hl *hl, char **g)
{
	(void)hl;
	if (g[2][0] == '\0')
		return xstrdup(detail_transport(g[1]));
	return xasprintf(ngettext("%s, %s attempt", "%s, %s attempts",
	    detail_n(g[2])), detail_transport(g[1]), g[2]);
}

static char *
detail_more(struct hl *hl, char **g)
{
	(void)hl;
	return xasprintf(ngettext("%s more attempt from other peers at the "
	    "same time", "%s more attempts from other peers at the same time",
	    detail_n(g[1])), g[1]);
}

static char *
detail_person(struct hl *hl, char **g)
{
	(void)hl;
	return xasprintf(_("person under care %s"), g[1]);
}

static char *
detail_rows(struct hl *hl, char **g)
{
	(void)hl;
	return xasprintf(ngettext("%s row", "%s rows", detail_n(g[1])), g[1]);
}

/* One of the union's forms (a care export's layout) by its title. */
static const char *
detail_layout(const char *code)
{
	static const struct msg_word words[] = {
		{ "aid_team", N_("Form 1: aid-team members") },
		{ "frontline", N_("Form 2: front-line staff") },
		{ "in_hubei", N_("Form 3: aid-team members in Hubei") },
	};

	return msg_word(words, sizeof(words) / sizeof(words[0]), NULL, code);
}

static char *
detail_care_export(struct hl *hl, char **g)
{
	(void)hl;
	if (g[4][0] != '\0')
		return xasprintf(ngettext("%s person, %s, %s, unit: %s",
		    "%s people, %s, %s, unit: %s", detail_n(g[1])), g[1],
		    detail_layout(g[2]), g[3], g[4]);
	return xasprintf(ngettext("%s person, %s, %s", "%s people, %s, %s",
	    detail_n(g[1])), g[1], detail_layout(g[2]), g[3]);
}

/* The care's end for everyone, a day number (since 1970) as a date. */
static char *
detail_end_day(struct hl *hl, char **g)
{
	char		*end, day[16];
	long long	 n;
	time_t		 t;
	struct tm	 tm;

	(void)hl;
	errno = 0;
	n = strtoll(g[1], &end, 10);
	t = (time_t)(n * 86400);
	if (errno != 0 || *end != '\0' || n > 1000000 || n < -1000000 ||
	    gmtime_r(&t, &tm) == NULL)
		return xasprintf(_("the care ends on day %s"), g[1]);
	strftime(day, sizeof day, "%Y-%m-%d", &tm);
	return xasprintf(_("the care ends on %s"), day);
}

/* Each action's forms (docs/api.md), and how to say one: caller frees. */
static const struct detail_form {
	const char	*action;
	const char	*re;
	char		*(*say)(struct hl *, char **);
} detail_forms[] = {
	/* An item's history. */
	{ "lease expired", "^lease of (.+) ran out$", detail_lease },
	{ "escalated", "^waited ([0-9]+)s, SLA ([0-9]+)s$", detail_sla },
	{ "escalated", "^([0-9]+) attempts failed$", detail_failed },
	{ "attempted", "^([a-z_]+), attempt ([0-9]+) of ([0-9]+)$",
	    detail_attempt },
	{ "completed", "^([a-z_]+), attempt ([0-9]+) of ([0-9]+)$",
	    detail_attempt },
	{ "cancelled", "^([a-z_]+)$", detail_reason },
	/* The audit trail. */
	{ "item.expire", "^lease of (.+) ran out$", detail_lease },
	{ "item.escalate", "^waited ([0-9]+)s, SLA ([0-9]+)s$", detail_sla },
	{ "item.escalate", "^([0-9]+) attempts failed$", detail_failed },
	{ "item.attempt", "^([a-z_]+), attempt ([0-9]+) of ([0-9]+)$",
	    detail_attempt },
	{ "item.claim", "^queue (.+)$", detail_queue },
	{ "call.list", "^queue (.+)$", detail_queue },
	{ "call.list", "^calls$", detail_calls },
	{ "call.list", "^handover$", detail_handover },
	{ "item.complete", "^held by (.+)$", detail_held },
	{ "item.release", "^held by (.+)$", detail_held },
	{ "item.renew", "^held by (.+)$", detail_held },
	{ "call.amend", "^[a-z_]+(,[a-z_]+)*$", detail_fields },
	{ "export", "^export ([0-9]+): from ([^ ]+) to ([^ ]+), ([a-z]+)$",
	    detail_export },
	{ "plan.end", "^plan ([^ ]+), reason ([a-z_]+), ([0-9]+) steps "
	    "cancelled$", detail_plan_end },
	{ "auth.fail", "^via (tcp|tls|unix)$", detail_via },
	{ "auth.fail", "^via (tcp|tls|unix), ([0-9]+) attempts$", detail_via },
	{ "auth.signin", "^via (tcp|tls|unix)$", detail_via },
	{ "auth.fail", "^([0-9]+) more attempts from other peers at the "
	    "same time$", detail_more },
	{ "care.read", "^person ([0-9]+)$", detail_person },
	{ "care.list", "^person ([0-9]+)$", detail_person },
	{ "care.create", "^person ([0-9]+)$", detail_person },
	{ "care.update", "^person ([0-9]+)$", detail_person },
	{ "care.contact", "^person ([0-9]+)$", detail_person },
	{ "care.difficulty", "^person ([0-9]+)$", detail_person },
	{ "care.resolve", "^person ([0-9]+)$", detail_person },
	{ "care.hand", "^person ([0-9]+)$", detail_person },
	{ "care.link", "^person ([0-9]+)$", detail_person },
	{ "care.import", "^([0-9]+) rows$", detail_rows },
	{ "care.export", "^([0-9]+) people, layout ([a-z_0-9]+), (csv|xlsx)$",
	    detail_care_export },
	{ "care.export", "^([0-9]+) people, layout ([a-z_0-9]+), (csv|xlsx), "
	    "unit (.+)$", detail_care_export },
	{ "care.end_date", "^end day (-?[0-9]+)$", detail_end_day },
};

/* detail said by form f, or NULL when it is not of that form. */
static char *
detail_match(struct hl *hl, const struct detail_form *f, const char *detail)
{
	regex_t		 re;
	regmatch_t	 m[DETAIL_GROUPS];
	char		*g[DETAIL_GROUPS], *s = NULL;
	size_t		 i;

	if (regcomp(&re, f->re, REG_EXTENDED) != 0)
		return NULL;
	if (regexec(&re, detail, DETAIL_GROUPS, m, 0) == 0) {
		for (i = 0; i < DETAIL_GROUPS; i++)
			g[i] = m[i].rm_so == -1 ? xstrdup("") : xasprintf(
			    "%.*s", (int)(m[i].rm_eo - m[i].rm_so),
			    detail + m[i].rm_so);
		s = f->say(hl, g);
		for (i = 0; i < DETAIL_GROUPS; i++)
			free(g[i]);
	}
	regfree(&re);
	return s;
}

/*
 * The detail of action (an item history's or an audit row's) in the
 * reader's language, safe for a terminal. Caller frees.
 */
char *
detail_text(struct hl *hl, const char *action, const char *detail)
{
	size_t	 i;
	char	*s = NULL, *clean;

	if (detail == NULL)
		return xstrdup("");
	for (i = 0; s == NULL && action != NULL && i <
	    sizeof(detail_forms) / sizeof(detail_forms[0]); i++)
		if (strcmp(action, detail_forms[i].action) == 0)
			s = detail_match(hl, &detail_forms[i], detail);
	clean = record_clean(s != NULL ? s : detail, 0);
	free(s);
	return clean;
}
