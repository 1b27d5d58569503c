/*
 * route.c against the default rules of conf/dev.conf: every rule, the
 * first match winning over a later one, no match at all, and the items a
 * call makes (a referral, a callback follow-up, both, or none); and the
 * follow-up plan a call matches, with its steps.
 */
#include <string.h>

#include "unit.h"

static struct config	*cf;

static int
setup(void **state)
{
	(void)state;
	cf = unit_dev_config();
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	config_free(cf);
	return 0;
}

/* A call with the given fields; topics comma-separated (static storage). */
static struct call *
mk(const char *line, const char *caller, const char *topics, const char *risk)
{
	static struct call	 c;
	static char		 buf[256];
	char			*p, *t;

	memset(&c, 0, sizeof(c));
	c.c_line = (char *)(uintptr_t)line;
	c.c_caller_type = (char *)(uintptr_t)caller;
	c.c_risk = (char *)(uintptr_t)risk;
	c.c_created_at = 1000;
	snprintf(buf, sizeof(buf), "%s", topics);
	for (p = buf; (t = strsep(&p, ",")) != NULL; )
		c.c_topics[c.c_ntopics++] = t;
	return &c;
}

/* The queue code and priority the call is routed to, as "mhc/1"; "-". */
static const char *
where(const struct call *c)
{
	static char		 buf[64];
	const struct route_rule	*ru = route_find(cf, c);

	if (ru == NULL)
		return "-";
	snprintf(buf, sizeof(buf), "%s/%d",
	    cf->cf_queues.cl_v[ru->ru_queue].cn_code, ru->ru_priority);
	return buf;
}

static void
test_default_rules(void **state)
{
	static const struct {
		const char	*topics, *risk, *want;
	} cases[] = {
		/* Rule 1: high or imminent, whatever the topic. */
		{ "work", "high", "mhc/1" },
		{ "other", "imminent", "mhc/1" },
		{ "family", "high", "mhc/1" },
		/* Rule 2: psychological topics at moderate. */
		{ "anxiety", "moderate", "mhc/2" },
		{ "low_mood", "moderate", "mhc/2" },
		{ "sleep", "moderate", "mhc/2" },
		{ "grief", "moderate", "mhc/2" },
		{ "infection_fear", "moderate", "mhc/2" },
		{ "stress", "moderate", "mhc/2" },
		/* ...but not below moderate. */
		{ "anxiety", "low", "-" },
		{ "sleep", "none", "-" },
		/* Rule 3: labor and legal topics, any risk. */
		{ "work", "none", "legal/2" },
		{ "legal", "low", "legal/2" },
		{ "work", "moderate", "legal/2" },
		/* Rule 4: family. */
		{ "family", "none", "family/3" },
		/* No rule: other topics below high. */
		{ "other", "moderate", "-" },
		{ "other", "none", "-" },
		/* First match wins: rule 2 before rule 3 and 4. */
		{ "work,anxiety", "moderate", "mhc/2" },
		{ "family,legal", "low", "legal/2" },
		{ "other,family", "low", "family/3" },
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got = where(mk("400", "medic", cases[i].topics,
		    cases[i].risk));
		if (strcmp(got, cases[i].want) != 0)
			fail_msg("topics %s risk %s: routed to %s, want %s",
			    cases[i].topics, cases[i].risk, got,
			    cases[i].want);
	}
}

static void
test_lines_and_caller_types(void **state)
{
	struct route_rule	 extra[2];
	const char		*lines[] = { "9120" };
	const char		*callers[] = { "aid_team", "aid_team_family" };
	struct route_rule	*saved = cf->cf_routes;
	size_t			 nsaved = cf->cf_nroutes;

	(void)state;
	/* Aid teams on line 9120 to family, then everything to legal. */
	memset(extra, 0, sizeof(extra));
	extra[0].ru_risk_min = -1;
	extra[0].ru_lines = lines;
	extra[0].ru_nlines = 1;
	extra[0].ru_caller_types = callers;
	extra[0].ru_ncaller_types = 2;
	extra[0].ru_queue = 2;
	extra[0].ru_priority = 5;
	extra[1].ru_risk_min = -1;
	extra[1].ru_queue = 1;
	extra[1].ru_priority = 9;
	cf->cf_routes = extra;
	cf->cf_nroutes = 2;
	assert_string_equal(where(mk("9120", "aid_team", "other", "none")),
	    "family/5");
	assert_string_equal(where(mk("9120", "aid_team_family", "sleep",
	    "high")), "family/5");
	assert_string_equal(where(mk("400", "aid_team", "other", "none")),
	    "legal/9");
	assert_string_equal(where(mk("9120", "medic", "other", "none")),
	    "legal/9");
	cf->cf_nroutes = 0;
	assert_string_equal(where(mk("9120", "aid_team", "other", "none")),
	    "-");
	cf->cf_routes = saved;
	cf->cf_nroutes = nsaved;
}

static void
test_items(void **state)
{
	struct route_item	 ri[2];
	struct call		*c;

	(void)state;
	/* Routed, no callback: one referral due at once. */
	c = mk("400", "medic", "sleep", "high");
	assert_int_equal(route_call(cf, c, ri), 1);
	assert_int_equal(ri[0].ri_kind, ROUTE_REFERRAL);
	assert_int_equal(ri[0].ri_queue, 0);
	assert_int_equal(ri[0].ri_priority, 1);
	assert_int_equal(ri[0].ri_due, 1000);
	/* Routed with a callback: the follow-up goes to the same queue. */
	c->c_outcome = (char *)(uintptr_t)"callback";
	c->c_callback_at = 5000;
	assert_int_equal(route_call(cf, c, ri), 2);
	assert_int_equal(ri[1].ri_kind, ROUTE_CALLBACK);
	assert_int_equal(ri[1].ri_queue, 0);
	assert_int_equal(ri[1].ri_priority, 1);
	assert_int_equal(ri[1].ri_due, 5000);
	/* A callback no rule routes: the callbacks queue and priority. */
	c = mk("400", "member", "other", "none");
	c->c_outcome = (char *)(uintptr_t)"callback";
	c->c_callback_at = 7000;
	assert_int_equal(route_call(cf, c, ri), 1);
	assert_int_equal(ri[0].ri_kind, ROUTE_CALLBACK);
	assert_int_equal(ri[0].ri_queue, cf->cf_cb_queue);
	assert_int_equal(ri[0].ri_priority, 2);
	assert_int_equal(ri[0].ri_due, 7000);
	/* Legal topic with a callback: legal, both items. */
	c = mk("2325", "member", "legal", "low");
	c->c_outcome = (char *)(uintptr_t)"callback";
	c->c_callback_at = 9000;
	assert_int_equal(route_call(cf, c, ri), 2);
	assert_int_equal(ri[0].ri_queue, 1);
	assert_int_equal(ri[1].ri_queue, 1);
	/* Another outcome, or no time: no follow-up; nothing routed. */
	c = mk("400", "member", "other", "low");
	c->c_outcome = (char *)(uintptr_t)"counseled";
	c->c_callback_at = 9000;
	assert_int_equal(route_call(cf, c, ri), 0);
	c->c_outcome = (char *)(uintptr_t)"callback";
	c->c_callback_at = 0;
	assert_int_equal(route_call(cf, c, ri), 0);
}

/* The plan a call gets: imminent first, then high; none below. */
static void
test_plans(void **state)
{
	const struct plan_conf	*pc;
	static const int64_t	 high[] = { 86400, 3 * 86400, 7 * 86400,
				    30 * 86400 };
	size_t			 i;

	(void)state;
	pc = route_plan(cf, mk("400", "medic", "anxiety", "imminent"));
	assert_non_null(pc);
	assert_string_equal(pc->pc_code, "imminent");
	assert_int_equal(pc->pc_nsteps, 5);
	assert_int_equal(pc->pc_steps[0], 4 * 3600);
	assert_int_equal(pc->pc_attempts, 3);
	pc = route_plan(cf, mk("9120", "member", "work", "high"));
	assert_non_null(pc);
	assert_string_equal(pc->pc_code, "high");
	assert_int_equal(pc->pc_nsteps, 4);
	for (i = 0; i < 4; i++)
		assert_int_equal(pc->pc_steps[i], high[i]);
	assert_string_equal(cf->cf_queues.cl_v[pc->pc_match.ru_queue].cn_code,
	    "mhc");
	assert_int_equal(pc->pc_match.ru_priority, 1);
	assert_null(route_plan(cf, mk("400", "medic", "anxiety", "moderate")));
	assert_null(route_plan(cf, mk("400", "medic", "other", "none")));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_rules),
		cmocka_unit_test(test_lines_and_caller_types),
		cmocka_unit_test(test_items),
		cmocka_unit_test(test_plans),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
