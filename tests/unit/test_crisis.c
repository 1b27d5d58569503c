/*
 * crisis.c's requirement (crisis = { require_from; require; }): a call
 * below the level is never asked; from it up, the first missing field
 * in crisis_fields order is named, plan_timeframe only when the
 * screener's plan is yes; without the setting nothing is required; an
 * amendment is held to it only when it touches the risk or a crisis
 * field.
 */
#include <string.h>

#include "unit.h"

static struct config	*cf;

static int
group_setup(void **state)
{
	(void)state;
	cf = unit_dev_config();
	cf->cf_crisis.cc_from = config_risk_rank(cf, "high");
	/* ideation_intensity, screener, plan_timeframe */
	cf->cf_crisis.cc_require = 1u << 0 | 1u << 2 | 1u << 3;
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	config_free(cf);
	return 0;
}

/* The field named missing for risk and crisis (JSON), or "" when none. */
static const char *
missing(const char *risk, const char *crisis, char *buf, size_t len)
{
	struct call_error	 err;
	json_t			*o = NULL;
	json_error_t		 jerr;
	int			 rc;

	if (crisis != NULL && (o = json_loads(crisis, 0, &jerr)) == NULL)
		fail_msg("bad test JSON: %s", crisis);
	memset(&err, 0, sizeof(err));
	rc = crisis_required(cf, risk, o, &err);
	json_decref(o);
	if (rc == 0) {
		snprintf(buf, len, "%s", "");
		return buf;
	}
	assert_string_equal(err.ce_kind, "required_field");
	assert_non_null(strstr(err.ce_msg, "from high up"));
	snprintf(buf, len, "%s", err.ce_field);
	return buf;
}

#define PLAN_NO "\"screener\": {\"wish_dead\": \"yes\", " \
	"\"active_thoughts\": \"no\", \"method\": \"no\", \"intent\": \"no\", " \
	"\"plan\": \"no\", \"behavior\": \"no\"}"
#define PLAN_YES "\"screener\": {\"wish_dead\": \"yes\", " \
	"\"active_thoughts\": \"yes\", \"method\": \"yes\", \"intent\": \"no\", " \
	"\"plan\": \"yes\", \"behavior\": \"no\"}"

static void
test_required_from_high(void **state)
{
	static const struct {
		const char	*risk, *crisis, *want;
	} cases[] = {
		{ "low", NULL, "" },
		{ "moderate", "{\"hopelessness\": 3}", "" },
		{ "high", NULL, "ideation_intensity" },
		{ "imminent", "{\"hopelessness\": 3}", "ideation_intensity" },
		{ "high", "{\"ideation_intensity\": 0}", "screener" },
		{ "high", "{\"ideation_intensity\": 4, " PLAN_NO "}", "" },
		{ "high", "{\"ideation_intensity\": 4, " PLAN_YES "}",
		    "plan_timeframe" },
		{ "imminent", "{\"ideation_intensity\": 9, " PLAN_YES ", "
		    "\"plan_timeframe\": \"72h\"}", "" },
	};
	char	 buf[64];
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (strcmp(missing(cases[i].risk, cases[i].crisis, buf,
		    sizeof(buf)), cases[i].want) != 0)
			fail_msg("case %zu (%s): got \"%s\", wanted \"%s\"", i,
			    cases[i].risk, buf, cases[i].want);
}

static void
test_none_configured(void **state)
{
	struct crisis_conf	 keep = cf->cf_crisis;
	char			 buf[64];

	(void)state;
	cf->cf_crisis.cc_from = -1;
	assert_string_equal(missing("imminent", NULL, buf, sizeof(buf)), "");
	cf->cf_crisis = keep;
}

static void
test_patch_touching(void **state)
{
	struct call		 c;
	struct call_error	 err;
	json_t			*other, *risk, *field;

	(void)state;
	call_init(&c);
	c.c_risk = strdup("high");
	assert_non_null(c.c_risk);
	other = json_pack("{s:{s:b, s:b}}", "legal_hold", "from", 0, "to", 1);
	risk = json_pack("{s:{s:s, s:s}}", "risk", "from", "low", "to",
	    "high");
	field = json_pack("{s:{s:i, s:n}}", "hopelessness", "from", 3, "to");
	memset(&err, 0, sizeof(err));
	assert_int_equal(crisis_required_patch(cf, &c, other, &err), 0);
	assert_int_equal(crisis_required_patch(cf, &c, risk, &err), -1);
	assert_string_equal(err.ce_field, "ideation_intensity");
	memset(&err, 0, sizeof(err));
	assert_int_equal(crisis_required_patch(cf, &c, field, &err), -1);
	json_decref(other);
	json_decref(risk);
	json_decref(field);
	call_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_required_from_high),
		cmocka_unit_test(test_none_configured),
		cmocka_unit_test(test_patch_touching),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
