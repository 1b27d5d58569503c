/*
 * config.c: the development config loads with the right lists, limits and
 * operators; each kind of error is refused with a message that names the
 * file, the line and the setting.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"

static char	 tmpdir[] = "/tmp/hotlined-unit-XXXXXX";

static char *
write_conf(const char *text)
{
	static char	 path[256];
	FILE		*f;

	snprintf(path, sizeof(path), "%s/test.conf", tmpdir);
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
	return path;
}

#define MINIMAL \
	"store = { path = \"x.db\"; };\n" \
	"api = { listen = [ \"unix:api.sock\" ]; };\n" \
	"lines = ( { code = \"400\"; name = \"400-8692-525\"; } );\n" \
	"caller_types = ( { code = \"medic\"; name = \"医护\"; } );\n" \
	"topics = ( { code = \"sleep\"; name = \"睡眠\"; } );\n" \
	"risk_levels = ( { code = \"low\"; name = \"低\"; }, " \
	"{ code = \"high\"; name = \"高\"; } );\n" \
	"outcomes = ( { code = \"counseled\"; name = \"已疏导\"; } );\n" \
	"queues = ( { code = \"mhc\"; name = \"中心\"; } );\n"

static void
test_dev_conf(void **state)
{
	struct config		*cf = unit_dev_config();
	const struct operator	*op;
	unsigned char		 sha[SHA256_LEN];

	(void)state;
	assert_string_equal(cf->cf_timezone, "Asia/Shanghai");
	assert_string_equal(cf->cf_db_path, "var/hotline.db");
	assert_int_equal(cf->cf_napi, 2);
	assert_string_equal(cf->cf_api_listen[1], "tcp:127.0.0.1:8692");
	assert_int_equal(cf->cf_api_mode, 0666);
	assert_int_equal(cf->cf_lines.cl_n, 3);
	assert_string_equal(cf->cf_lines.cl_v[1].cn_name, "0532-85669120");
	assert_int_equal(cf->cf_caller_types.cl_n, 6);
	assert_int_equal(cf->cf_topics.cl_n, 10);
	assert_int_equal(cf->cf_risks.cl_n, 5);
	assert_int_equal(config_risk_rank(cf, "none"), 0);
	assert_int_equal(config_risk_rank(cf, "imminent"), 4);
	assert_int_equal(config_risk_rank(cf, "nope"), -1);
	assert_int_equal(cf->cf_limits.lim_notes_max, 4000);
	assert_int_equal(cf->cf_limits.lim_max_body, 65536);
	assert_non_null(config_find(&cf->cf_topics, "infection_fear"));
	assert_null(config_find(&cf->cf_topics, "boredom"));
	auth_sha256("dev-counselor-zhao", 18, sha);
	assert_non_null(op = config_op_by_token(cf, sha));
	assert_string_equal(op->op_name, "zhao");
	assert_int_equal(op->op_role, ROLE_COUNSELOR);
	auth_sha256("dev-counselor-zhaO", 18, sha);
	assert_null(config_op_by_token(cf, sha));
	config_free(cf);
}

static void
test_minimal_defaults(void **state)
{
	struct config	*cf;
	char		*cause = NULL;

	(void)state;
	cf = config_load(write_conf(MINIMAL), &cause);
	assert_non_null(cf);
	assert_string_equal(cf->cf_timezone, "Asia/Shanghai");
	assert_int_equal(cf->cf_busy_ms, 2000);
	assert_int_equal(cf->cf_limits.lim_list_max, 500);
	assert_int_equal(cf->cf_nstatus, 0);
	assert_null(cf->cf_hash_key);
	config_free(cf);
}

/* Each bad config: the text added to MINIMAL and what the error says. */
static const struct bad {
	const char	*b_text;
	const char	*b_where;	/* ":LINE: SETTING" */
	const char	*b_says;
} bad[] = {
	{ "timezone = \"Mars/Olympus\";\n", ":9: timezone", "Mars/Olympus" },
	{ "colour = 1;\n", ":9: colour", "unknown" },
	{ "limits = { max_body_bytes = \"big\"; };\n",
	    ":9: limits.max_body_bytes", "" },
	{ "limits = { list_max = 0; };\n", ":9: limits.list_max", "" },
	{ "log = { facility = \"kern\"; };\n", ":9: log.facility", "daemon" },
	{ "privacy = { caller_hash_key = \"short\"; };\n",
	    ":9: privacy.caller_hash_key", "16" },
	{ "operators = ( { name = \"a\"; role = \"boss\"; uid = 5; } );\n",
	    ":9: operators", "role" },
	{ "operators = ( { name = \"a\"; role = \"operator\";\n"
	    "  token_sha256 = \"abc\"; } );\n", ":10: operators", "64" },
	{ "operators = ( { name = \"a\"; role = \"operator\"; } );\n",
	    ":9: operators", "uid, user or token_sha256" },
	{ "operators = ( { name = \"a\"; role = \"operator\"; uid = 5; },\n"
	    "  { name = \"a\"; role = \"admin\"; uid = 6; } );\n",
	    ":10: operators", "a" },
	{ "status = { listen = [ \"udp:1\" ]; };\n", ":9: status.listen",
	    "unix:PATH" },
	{ "status = { socket_mode = \"0999\"; };\n",
	    ":9: status.socket_mode", "0999" },
};

static void
test_bad_configs(void **state)
{
	struct config	*cf;
	char		 text[2048], want[300], *path, *cause;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "%s%s", MINIMAL, bad[i].b_text);
		path = write_conf(text);
		cause = NULL;
		cf = config_load(path, &cause);
		if (cf != NULL)
			fail_msg("accepted: %s", bad[i].b_text);
		assert_non_null(cause);
		snprintf(want, sizeof(want), "%s%s", path, bad[i].b_where);
		if (strstr(cause, path) == NULL ||
		    (bad[i].b_where[0] == ':' && strstr(cause, want) == NULL) ||
		    strstr(cause, bad[i].b_where) == NULL ||
		    strstr(cause, bad[i].b_says) == NULL)
			fail_msg("for %s: got \"%s\", wanted \"%s\" and \"%s\"",
			    bad[i].b_text, cause, want, bad[i].b_says);
		free(cause);
	}
}

static void
test_syntax_error_and_missing_file(void **state)
{
	char	*cause = NULL, *path;

	(void)state;
	path = write_conf(MINIMAL "timezone = = 1;\n");
	assert_null(config_load(path, &cause));
	assert_non_null(strstr(cause, ":9:"));
	free(cause);
	cause = NULL;
	assert_null(config_load("/nonexistent/hotlined.conf", &cause));
	assert_non_null(strstr(cause, "/nonexistent/hotlined.conf"));
	free(cause);
	cause = NULL;
	path = write_conf("store = { path = \"x.db\"; };\n");
	assert_null(config_load(path, &cause));
	assert_non_null(strstr(cause, "api"));
	assert_null(strstr(cause, ":0:"));
	free(cause);
}

static void
test_facility_names(void **state)
{
	(void)state;
	assert_int_not_equal(config_parse_facility("local7"), -1);
	assert_int_not_equal(config_parse_facility("authpriv"), -1);
	assert_int_equal(config_parse_facility("kern"), -1);
	assert_int_equal(config_parse_facility(""), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dev_conf),
		cmocka_unit_test(test_minimal_defaults),
		cmocka_unit_test(test_bad_configs),
		cmocka_unit_test(test_syntax_error_and_missing_file),
		cmocka_unit_test(test_facility_names),
	};
	int	 rc;

	if (mkdtemp(tmpdir) == NULL)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	unlink(write_conf(""));
	rmdir(tmpdir);
	return rc;
}
