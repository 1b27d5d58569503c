/*
 * config.c: config_load on files the test writes (mkstemp in a private
 * directory). A minimal config loads with the right defaults, lists and
 * (empty) operators; a full one sets every limit, listener and operator;
 * conf/dev.conf itself loads. Each kind of error (syntax, unreadable
 * file, unknown setting, wrong type, out of range, bad timezone, bad
 * facility, bad or duplicate code, bad socket_mode or listen address,
 * short caller_hash_key, operator with a bad role, identity or token,
 * missing required setting) is refused with a message of the exact form
 * "FILE:LINE: SETTING: why", or "FILE: SETTING: why" when the setting is
 * missing and so has no line.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "unit.h"

static char	 tmpdir[512];
static char	 confpath[PATH_MAX];

/* The minimal config, one setting a line, so part i is on line i + 1. */
static const struct part {
	const char	*p_key;
	const char	*p_text;
} minimal[] = {
	{ "store", "store = { path = \"calls.db\"; };" },
	{ "api", "api = { listen = [ \"unix:api.sock\" ]; };" },
	{ "lines", "lines = ( { code = \"400\"; name = \"400-8692-525\"; }, "
	    "{ code = \"9120\"; name = \"0532-85669120\"; } );" },
	{ "caller_types", "caller_types = ( { code = \"medic\"; "
	    "name = \"一线医护人员\"; }, "
	    "{ code = \"other\"; name = \"其他\"; } );" },
	{ "topics", "topics = ( { code = \"anxiety\"; name = \"焦虑\"; }, "
	    "{ code = \"sleep\"; name = \"睡眠问题\"; } );" },
	{ "risk_levels", "risk_levels = ( { code = \"none\"; name = \"无\"; }, "
	    "{ code = \"low\"; name = \"低\"; }, { code = \"moderate\"; "
	    "name = \"中\"; }, { code = \"high\"; name = \"高\"; } );" },
	{ "outcomes", "outcomes = ( { code = \"counseled\"; "
	    "name = \"已疏导\"; }, "
	    "{ code = \"callback\"; name = \"约定回访\"; } );" },
	{ "queues", "queues = ( { code = \"mhc\"; "
	    "name = \"精神卫生中心\"; } );" },
};
#define NPARTS		(sizeof(minimal) / sizeof(minimal[0]))
#define EXTRA_LINE	((int)NPARTS + 1)	/* where extra text starts */

/* The minimal text with part key replaced by repl, then extra appended. */
static char *
conf_text(const char *key, const char *repl, const char *extra)
{
	char	*text;
	size_t	 i, len = 1;

	for (i = 0; i < NPARTS; i++)
		len += strlen(minimal[i].p_text) + 1;
	len += (repl ? strlen(repl) : 0) + (extra ? strlen(extra) : 0) + 1;
	text = calloc(1, len);
	assert_non_null(text);
	for (i = 0; i < NPARTS; i++) {
		if (key != NULL && strcmp(minimal[i].p_key, key) == 0)
			strcat(text, repl);
		else
			strcat(text, minimal[i].p_text);
		strcat(text, "\n");
	}
	if (extra != NULL)
		strcat(text, extra);
	return text;
}

/* Write text to a new file in tmpdir (named in confpath) and load it. */
static struct config *
load_text(const char *text, char **cause)
{
	struct config	*cf;
	int		 fd;
	size_t		 len = strlen(text);

	snprintf(confpath, sizeof(confpath), "%s/conf-XXXXXX", tmpdir);
	if ((fd = mkstemp(confpath)) == -1)
		fail_msg("mkstemp: %s", strerror(errno));
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
	*cause = NULL;
	cf = config_load(confpath, cause);
	unlink(confpath);
	return cf;
}

static struct config *
load_ok(const char *key, const char *repl, const char *extra)
{
	struct config	*cf;
	char		*text, *cause;

	text = conf_text(key, repl, extra);
	cf = load_text(text, &cause);
	if (cf == NULL)
		fail_msg("refused: %s\n%s", cause, text);
	assert_null(cause);
	free(text);
	return cf;
}

/*
 * The config must be refused with "FILE:LINE: SETTING: " (line > 0) or
 * "FILE: SETTING: " (line 0) at the start of the message, then says.
 */
static void
expect_error(const char *key, const char *repl, const char *extra, int line,
    const char *setting, const char *says)
{
	struct config	*cf;
	char		*text, *cause, want[PATH_MAX + 200], msg[8192];
	int		 ok;

	text = conf_text(key, repl, extra);
	cf = load_text(text, &cause);
	free(text);
	if (cf != NULL) {
		/* Free before failing: only the daemon's leaks should show. */
		config_free(cf);
		fail_msg("accepted \"%s\", wanted \"%s\" at line %d",
		    extra != NULL ? extra : repl, says, line);
	}
	assert_non_null(cause);
	if (line > 0)
		snprintf(want, sizeof(want), "%s:%d: %s: ", confpath, line,
		    setting);
	else
		snprintf(want, sizeof(want), "%s: %s: ", confpath, setting);
	ok = strncmp(cause, want, strlen(want)) == 0 &&
	    strstr(cause + strlen(want), says) != NULL;
	snprintf(msg, sizeof(msg), "got \"%s\"\nwanted \"%s%s...\"", cause,
	    want, says);
	free(cause);
	if (!ok)
		fail_msg("%s", msg);
}

static int
group_setup(void **state)
{
	(void)state;
	return unit_mkdtemp(tmpdir, sizeof(tmpdir), "hotlined-config");
}

static int
group_teardown(void **state)
{
	(void)state;
	return rmdir(tmpdir);
}

static void
test_minimal_loads(void **state)
{
	struct config	*cf;
	char		 path[PATH_MAX];

	(void)state;
	cf = load_ok(NULL, NULL, NULL);
	snprintf(path, sizeof(path), "%s", confpath);
	assert_string_equal(cf->cf_path, path);
	/* Everything left out has its documented default. */
	assert_string_equal(cf->cf_timezone, "Asia/Shanghai");
	assert_int_equal(cf->cf_facility, LOG_DAEMON);
	assert_string_equal(cf->cf_db_path, "calls.db");
	assert_int_equal(cf->cf_busy_ms, 2000);
	assert_int_equal(cf->cf_napi, 1);
	assert_string_equal(cf->cf_api_listen[0], "unix:api.sock");
	assert_int_equal(cf->cf_api_mode, 0666);
	assert_int_equal(cf->cf_nstatus, 0);
	assert_int_equal(cf->cf_limits.lim_max_body, 65536);
	assert_int_equal(cf->cf_limits.lim_max_headers, 8192);
	assert_int_equal(cf->cf_limits.lim_timeout_s, 30);
	assert_int_equal(cf->cf_limits.lim_notes_max, 4000);
	assert_int_equal(cf->cf_limits.lim_list_max, 500);
	assert_int_equal(cf->cf_limits.lim_max_header_count, 64);
	assert_int_equal(cf->cf_limits.lim_max_conns, 256);
	assert_int_equal(cf->cf_limits.lim_max_conns_peer, 64);
	assert_int_equal(cf->cf_limits.lim_request_timeout_s, 30);
	assert_int_equal(cf->cf_limits.lim_idle_timeout_s, 15);
	assert_int_equal(cf->cf_limits.lim_rate_per_s, 20);
	assert_int_equal(cf->cf_limits.lim_rate_burst, 200);
	assert_int_equal(cf->cf_limits.lim_auth_failures, 10);
	assert_int_equal(cf->cf_limits.lim_auth_window_s, 60);
	assert_int_equal(cf->cf_limits.lim_auth_block_s, 300);
	assert_null(cf->cf_hash_key);
	assert_int_equal(cf->cf_hash_key_len, 0);
	assert_int_equal(cf->cf_retention_days, 0);	/* kept for ever */
	assert_int_equal(cf->cf_nops, 0);
	assert_null(config_op_by_uid(cf, 0));

	/* The lists, in order, with their Chinese names. */
	assert_int_equal(cf->cf_lines.cl_n, 2);
	assert_string_equal(cf->cf_lines.cl_v[0].cn_code, "400");
	assert_string_equal(cf->cf_lines.cl_v[1].cn_code, "9120");
	assert_string_equal(cf->cf_lines.cl_v[1].cn_name, "0532-85669120");
	assert_int_equal(cf->cf_caller_types.cl_n, 2);
	assert_string_equal(cf->cf_caller_types.cl_v[0].cn_name,
	    "一线医护人员");
	assert_int_equal(cf->cf_topics.cl_n, 2);
	assert_string_equal(config_find(&cf->cf_topics, "sleep")->cn_name,
	    "睡眠问题");
	assert_null(config_find(&cf->cf_topics, "Sleep"));
	assert_null(config_find(&cf->cf_topics, ""));
	assert_int_equal(cf->cf_risks.cl_n, 4);
	assert_int_equal(config_risk_rank(cf, "none"), 0);
	assert_int_equal(config_risk_rank(cf, "moderate"), 2);
	assert_int_equal(config_risk_rank(cf, "high"), 3);
	assert_int_equal(config_risk_rank(cf, "imminent"), -1);
	assert_int_equal(cf->cf_outcomes.cl_n, 2);
	assert_string_equal(cf->cf_outcomes.cl_v[1].cn_code, "callback");
	assert_int_equal(cf->cf_queues.cl_n, 1);
	assert_string_equal(cf->cf_queues.cl_v[0].cn_name, "精神卫生中心");
	config_free(cf);
}

static void
test_full_config(void **state)
{
	struct config		*cf;
	const struct operator	*op;
	unsigned char		 sha_a[SHA256_LEN], sha_b[SHA256_LEN];
	char			 hex_a[2 * SHA256_LEN + 1];
	char			 hex_b[2 * SHA256_LEN + 1];
	char			 extra[2048];
	size_t			 i;

	(void)state;
	digest_sha256("token-a", 7, sha_a);
	digest_hex_encode(sha_a, SHA256_LEN, hex_a);
	digest_sha256("token-b", 7, sha_b);
	digest_hex_encode(sha_b, SHA256_LEN, hex_b);
	/* Upper-case hex is the same digest. */
	for (i = 0; hex_b[i] != '\0'; i++)
		hex_b[i] = (char)toupper((unsigned char)hex_b[i]);
	snprintf(extra, sizeof(extra),
	    "timezone = \"UTC\";\n"
	    "log = { facility = \"local3\"; };\n"
	    "status = { listen = [ \"unix:status.sock\", "
	    "\"tcp:127.0.0.1:8693\" ]; socket_mode = \"0600\"; };\n"
	    "limits = { max_body_bytes = 2048; max_header_bytes = 4096;\n"
	    "  timeout_s = 5; notes_max_chars = 10; list_max = 20;\n"
	    "  max_header_count = 16; max_connections = 30;\n"
	    "  max_connections_per_peer = 3; request_timeout_s = 7;\n"
	    "  idle_timeout_s = 4; rate_per_s = 0; rate_burst = 9;\n"
	    "  auth_failures = 2; auth_window_s = 11; auth_block_s = 12; };\n"
	    "privacy = { caller_hash_key = \"0123456789abcdef\"; };\n"
	    "operators = (\n"
	    "  { name = \"wang\"; role = \"operator\"; uid = 1001; },\n"
	    "  { name = \"zhao\"; role = \"counselor\";\n"
	    "    token_sha256 = \"%s\"; },\n"
	    "  { name = \"chen\"; role = \"supervisor\";\n"
	    "    token_sha256 = \"%s\"; uid = 1002; },\n"
	    "  { name = \"boss\"; role = \"admin\"; user = \"root\"; }\n"
	    ");\n", hex_a, hex_b);
	cf = load_ok("api", "api = { listen = [ \"unix:api.sock\", "
	    "\"tcp:0.0.0.0:8692\" ]; socket_mode = \"0660\"; };", extra);
	assert_string_equal(cf->cf_timezone, "UTC");
	assert_int_equal(cf->cf_facility, LOG_LOCAL3);
	assert_int_equal(cf->cf_napi, 2);
	assert_string_equal(cf->cf_api_listen[1], "tcp:0.0.0.0:8692");
	assert_int_equal(cf->cf_api_mode, 0660);
	assert_int_equal(cf->cf_nstatus, 2);
	assert_string_equal(cf->cf_status_listen[0], "unix:status.sock");
	assert_int_equal(cf->cf_status_mode, 0600);
	assert_int_equal(cf->cf_limits.lim_max_body, 2048);
	assert_int_equal(cf->cf_limits.lim_max_headers, 4096);
	assert_int_equal(cf->cf_limits.lim_timeout_s, 5);
	assert_int_equal(cf->cf_limits.lim_notes_max, 10);
	assert_int_equal(cf->cf_limits.lim_list_max, 20);
	assert_int_equal(cf->cf_limits.lim_max_header_count, 16);
	assert_int_equal(cf->cf_limits.lim_max_conns, 30);
	assert_int_equal(cf->cf_limits.lim_max_conns_peer, 3);
	assert_int_equal(cf->cf_limits.lim_request_timeout_s, 7);
	assert_int_equal(cf->cf_limits.lim_idle_timeout_s, 4);
	assert_int_equal(cf->cf_limits.lim_rate_per_s, 0);
	assert_int_equal(cf->cf_limits.lim_rate_burst, 9);
	assert_int_equal(cf->cf_limits.lim_auth_failures, 2);
	assert_int_equal(cf->cf_limits.lim_auth_window_s, 11);
	assert_int_equal(cf->cf_limits.lim_auth_block_s, 12);
	assert_int_equal(cf->cf_hash_key_len, 16);
	assert_memory_equal(cf->cf_hash_key, "0123456789abcdef", 16);

	assert_int_equal(cf->cf_nops, 4);
	op = config_op_by_uid(cf, 1001);
	assert_non_null(op);
	assert_string_equal(op->op_name, "wang");
	assert_int_equal(op->op_role, ROLE_OPERATOR);
	assert_int_equal(op->op_has_token, 0);
	op = config_op_by_token(cf, sha_a);
	assert_non_null(op);
	assert_string_equal(op->op_name, "zhao");
	assert_int_equal(op->op_role, ROLE_COUNSELOR);
	assert_int_equal(op->op_has_uid, 0);
	/* Both ways to the same operator. */
	assert_ptr_equal(config_op_by_token(cf, sha_b),
	    config_op_by_uid(cf, 1002));
	assert_string_equal(config_op_by_uid(cf, 1002)->op_name, "chen");
	assert_int_equal(config_op_by_uid(cf, 1002)->op_role,
	    ROLE_SUPERVISOR);
	/* user = "root" is resolved to uid 0 at load. */
	op = config_op_by_uid(cf, 0);
	assert_non_null(op);
	assert_string_equal(op->op_name, "boss");
	assert_int_equal(op->op_role, ROLE_ADMIN);
	assert_null(config_op_by_uid(cf, 1003));
	sha_a[0] ^= 1;
	assert_null(config_op_by_token(cf, sha_a));
	config_free(cf);
}

static void
test_dev_conf_loads(void **state)
{
	struct config		*cf;
	const struct operator	*op;
	unsigned char		 sha[SHA256_LEN];
	char			*cause = NULL;
	static const struct {
		const char	*token, *name;
		enum role	 role;
	} tokens[] = {
		{ "dev-operator-wang", "wang", ROLE_OPERATOR },
		{ "dev-operator-li", "li", ROLE_OPERATOR },
		{ "dev-counselor-zhao", "zhao", ROLE_COUNSELOR },
		{ "dev-counselor-zhou", "zhou", ROLE_COUNSELOR },
		{ "dev-supervisor-chen", "chen", ROLE_SUPERVISOR },
		{ "dev-admin-ops", "ops", ROLE_ADMIN },
		{ "dev-liaison-sun", "sun", ROLE_LIAISON },
		{ "dev-liaison-wu", "wu", ROLE_LIAISON },
	};
	size_t			 i;

	(void)state;
	cf = config_load(DEV_CONF, &cause);
	if (cf == NULL)
		fail_msg("%s", cause);
	assert_null(cause);
	assert_string_equal(cf->cf_timezone, "Asia/Shanghai");
	assert_int_equal(cf->cf_facility, LOG_DAEMON);
	assert_string_equal(cf->cf_db_path, "var/hotline.db");
	assert_int_equal(cf->cf_busy_ms, 2000);
	assert_int_equal(cf->cf_napi, 2);
	assert_string_equal(cf->cf_api_listen[0], "unix:var/run/api.sock");
	assert_string_equal(cf->cf_api_listen[1], "tcp:127.0.0.1:8692");
	assert_int_equal(cf->cf_nstatus, 2);
	assert_string_equal(cf->cf_status_listen[1], "tcp:127.0.0.1:8693");
	assert_int_equal(cf->cf_limits.lim_notes_max, 4000);
	assert_int_equal(cf->cf_limits.lim_list_max, 500);
	assert_int_equal(cf->cf_retention_days, 1095);	/* the guideline's */
	assert_int_equal(cf->cf_nplans, 2);
	assert_string_equal(cf->cf_plans[0].pc_code, "imminent");
	assert_int_equal(cf->cf_plans[1].pc_nsteps, 4);
	assert_int_equal(cf->cf_plans[1].pc_steps[0], 86400);
	assert_int_equal(cf->cf_nshifts, 3);
	assert_int_equal(cf->cf_shifts[1], 8 * 60);
	assert_int_equal(cf->cf_hash_key_len,
	    strlen("dev-only-caller-hash-key-change-me"));
	assert_int_equal(cf->cf_lines.cl_n, 3);
	assert_string_equal(cf->cf_lines.cl_v[0].cn_name, "400-8692-525");
	assert_int_equal(cf->cf_caller_types.cl_n, 6);
	assert_string_equal(config_find(&cf->cf_caller_types,
	    "aid_team")->cn_name, "援鄂医疗队队员");
	assert_int_equal(cf->cf_topics.cl_n, 10);
	assert_int_equal(cf->cf_risks.cl_n, 5);
	assert_int_equal(config_risk_rank(cf, "none"), 0);
	assert_int_equal(config_risk_rank(cf, "moderate"), 2);
	assert_int_equal(config_risk_rank(cf, "imminent"), 4);
	assert_int_equal(cf->cf_outcomes.cl_n, 5);
	assert_int_equal(cf->cf_queues.cl_n, 3);
	assert_int_equal(cf->cf_qconf[0].qf_lease_s, 30 * 60);
	assert_int_equal(cf->cf_qconf[0].qf_sla_s[1], 15 * 60);
	assert_int_equal(cf->cf_qconf[0].qf_sla_s[2], 2 * 3600);
	assert_int_equal(cf->cf_qconf[0].qf_sla_s[3], 86400);
	assert_int_equal(cf->cf_qconf[0].qf_sla_s[4], 0);
	assert_int_equal(cf->cf_nroutes, 4);
	assert_int_equal(cf->cf_routes[0].ru_risk_min, 3);
	assert_int_equal(cf->cf_routes[0].ru_priority, 1);
	assert_int_equal(cf->cf_routes[1].ru_ntopics, 6);
	assert_int_equal(cf->cf_routes[2].ru_queue, 1);
	assert_int_equal(cf->cf_routes[3].ru_queue, 2);
	assert_int_equal(cf->cf_cb_queue, 0);
	assert_int_equal(cf->cf_cb_priority, 2);
	assert_int_equal(cf->cf_nops, 9);	/* and the pbx */
	assert_int_equal(cf->cf_care.cc_every_days, 7);
	assert_int_equal(cf->cf_care.cc_teams.cl_n, 4);
	assert_int_equal(cf->cf_care.cc_difficulties.cl_n, 8);
	assert_int_equal(cf->cf_care.cc_categories.cl_n, 6);
	for (i = 0; i < sizeof(tokens) / sizeof(tokens[0]); i++) {
		digest_sha256(tokens[i].token, strlen(tokens[i].token), sha);
		op = config_op_by_token(cf, sha);
		if (op == NULL)
			fail_msg("no operator for token %s", tokens[i].token);
		assert_string_equal(op->op_name, tokens[i].name);
		assert_int_equal(op->op_role, tokens[i].role);
	}
	/* One letter off is nobody. */
	digest_sha256("dev-operator-wanG", 17, sha);
	assert_null(config_op_by_token(cf, sha));
	config_free(cf);
}

static void
test_syntax_error(void **state)
{
	struct config	*cf;
	char		*text, *cause, want[PATH_MAX + 20];

	(void)state;
	/*
	 * libconfig stops at the first bad token: file and line, but no
	 * setting can be named.
	 */
	text = conf_text(NULL, NULL, "timezone = = \"UTC\";\n");
	cf = load_text(text, &cause);
	assert_null(cf);
	snprintf(want, sizeof(want), "%s:%d: syntax error", confpath,
	    EXTRA_LINE);
	assert_string_equal(cause, want);
	free(cause);
	free(text);

	text = conf_text("queues",
	    "queues = ( { code = \"mhc\"; name = \"x\"; } ));", NULL);
	cf = load_text(text, &cause);
	assert_null(cf);
	snprintf(want, sizeof(want), "%s:%d: syntax error", confpath, 8);
	assert_string_equal(cause, want);
	free(cause);
	free(text);
}

static void
test_unreadable_file(void **state)
{
	char	 path[PATH_MAX + 20], want[PATH_MAX + 100];
	char	*cause = NULL;

	(void)state;
	snprintf(path, sizeof(path), "%s/no-such.conf", tmpdir);
	assert_null(config_load(path, &cause));
	snprintf(want, sizeof(want), "%s: cannot read: %s", path,
	    strerror(ENOENT));
	assert_string_equal(cause, want);
	free(cause);
}

/* retention = { personal_days = N; }: 0 to 36500 whole days. */
static void
test_retention(void **state)
{
	struct config	*cf;

	(void)state;
	cf = load_ok(NULL, NULL, "retention = { personal_days = 30; };\n");
	assert_int_equal(cf->cf_retention_days, 30);
	config_free(cf);
	cf = load_ok(NULL, NULL, "retention = { };\n");
	assert_int_equal(cf->cf_retention_days, 0);
	config_free(cf);
	expect_error(NULL, NULL, "retention = { personal_days = -1; };\n",
	    EXTRA_LINE, "retention.personal_days", "out of range");
	expect_error(NULL, NULL, "retention = { personal_days = 36501; };\n",
	    EXTRA_LINE, "retention.personal_days", "out of range");
	expect_error(NULL, NULL, "retention = {\n  personal_days = 1.5; };\n",
	    EXTRA_LINE + 1, "retention.personal_days", "whole number");
	expect_error(NULL, NULL, "retention = { days = 30; };\n",
	    EXTRA_LINE, "retention.days", "unknown setting");
	expect_error(NULL, NULL, "retention = 30;\n", EXTRA_LINE,
	    "retention", "must be a group");
}

static void
test_unknown_setting(void **state)
{
	(void)state;
	expect_error(NULL, NULL, "colour = \"red\";\n", EXTRA_LINE, "colour",
	    "unknown setting");
	expect_error("store", "store = { path = \"calls.db\"; busy = 5; };",
	    NULL, 1, "store.busy", "unknown setting");
	expect_error(NULL, NULL, "limits = {\n  max_bdy_bytes = 4096; };\n",
	    EXTRA_LINE + 1, "limits.max_bdy_bytes", "unknown setting");
	expect_error(NULL, NULL, "privacy = { key = \"0123456789abcdef\"; };\n",
	    EXTRA_LINE, "privacy.key", "unknown setting");
	expect_error(NULL, NULL, "status = { listen = [ \"unix:s.sock\" ]; "
	    "mode = \"0600\"; };\n", EXTRA_LINE, "status.mode",
	    "unknown setting");
	expect_error("lines", "lines = ( { code = \"400\"; name = \"x\"; "
	    "colour = \"red\"; } );", NULL, 3, "lines[0].colour",
	    "unknown setting");
	expect_error(NULL, NULL, "operators = ( { name = \"a\"; role = "
	    "\"admin\"; uid = 5; passwd = \"x\"; } );\n", EXTRA_LINE,
	    "operators[0].passwd", "unknown setting");
	expect_error(NULL, NULL, "web = { root = \"web\"; index = \"x\"; };\n",
	    EXTRA_LINE, "web.index", "unknown setting");
}

static void
test_wrong_type(void **state)
{
	(void)state;
	expect_error(NULL, NULL, "timezone = 8;\n", EXTRA_LINE, "timezone",
	    "must be a string in quotes");
	expect_error("store", "store = { path = 5; };", NULL, 1, "store.path",
	    "must be a string in quotes");
	expect_error(NULL, NULL, "limits = { max_body_bytes = \"big\"; };\n",
	    EXTRA_LINE, "limits.max_body_bytes", "must be a whole number");
	expect_error(NULL, NULL, "limits = { timeout_s = 1.5; };\n",
	    EXTRA_LINE, "limits.timeout_s", "must be a whole number");
	expect_error(NULL, NULL, "log = \"daemon\";\n", EXTRA_LINE, "log",
	    "must be a group");
	expect_error("store", "store = \"calls.db\";", NULL, 1, "store",
	    "must be a group");
	expect_error("api", "api = { listen = \"unix:api.sock\"; };", NULL, 2,
	    "api.listen", "must be a list");
	expect_error("api", "api = { listen = [ 8692 ]; };", NULL, 2,
	    "api.listen", "entries must be strings");
	expect_error("lines", "lines = \"400\";", NULL, 3, "lines",
	    "must be a non-empty list");
	expect_error("lines", "lines = ( );", NULL, 3, "lines",
	    "must be a non-empty list");
	expect_error("topics", "topics = ( \"sleep\" );", NULL, 5, "topics[0]",
	    "must be a group");
	expect_error("topics", "topics = ( { code = 1; name = \"x\"; } );",
	    NULL, 5, "topics[0].code", "must be a string in quotes");
	expect_error(NULL, NULL, "operators = { name = \"a\"; };\n",
	    EXTRA_LINE, "operators", "must be a list");
	expect_error(NULL, NULL, "operators = ( { name = \"a\"; role = "
	    "\"admin\"; uid = \"5\"; } );\n", EXTRA_LINE, "operators[0].uid",
	    "must be a whole number");
}

static void
test_out_of_range(void **state)
{
	(void)state;
	expect_error(NULL, NULL, "limits = { list_max = 0; };\n", EXTRA_LINE,
	    "limits.list_max", "0 is out of range (1 to 100000)");
	expect_error(NULL, NULL, "limits = { max_body_bytes = 1023; };\n",
	    EXTRA_LINE, "limits.max_body_bytes",
	    "1023 is out of range (1024 to 16777216)");
	expect_error("store",
	    "store = { path = \"x\"; busy_timeout_ms = -1; };", NULL, 1,
	    "store.busy_timeout_ms", "-1 is out of range");
	expect_error(NULL, NULL, "operators = ( { name = \"a\"; role = "
	    "\"admin\"; uid = -1; } );\n", EXTRA_LINE, "operators[0].uid",
	    "-1 is out of range");
}

static void
test_bad_timezone(void **state)
{
	struct config	*cf;

	(void)state;
	expect_error(NULL, NULL, "timezone = \"Mars/Olympus\";\n", EXTRA_LINE,
	    "timezone", "unknown timezone \"Mars/Olympus\"");
	/* A directory of zones is not a zone. */
	expect_error(NULL, NULL, "timezone = \"Asia\";\n", EXTRA_LINE,
	    "timezone", "unknown timezone \"Asia\"");
	/* Nothing outside the zone directory. */
	expect_error(NULL, NULL, "timezone = \"../../../etc/passwd\";\n",
	    EXTRA_LINE, "timezone", "unknown timezone");
	expect_error(NULL, NULL, "timezone = \"/etc/passwd\";\n", EXTRA_LINE,
	    "timezone", "unknown timezone");
	expect_error(NULL, NULL, "timezone = \"\";\n", EXTRA_LINE, "timezone",
	    "unknown timezone");
	cf = load_ok(NULL, NULL, "timezone = \"America/St_Johns\";\n");
	assert_string_equal(cf->cf_timezone, "America/St_Johns");
	config_free(cf);
}

/*
 * The zone directory also holds tables that are not zones (zone.tab,
 * iso3166.tab). Such a name must be refused: glibc cannot read it as a
 * zone and silently runs in UTC, so every time would be shown 8 hours off.
 */
static void
test_timezone_not_a_zone_file(void **state)
{
	(void)state;
	expect_error(NULL, NULL, "timezone = \"zone.tab\";\n", EXTRA_LINE,
	    "timezone", "unknown timezone \"zone.tab\"");
	expect_error(NULL, NULL, "timezone = \"iso3166.tab\";\n", EXTRA_LINE,
	    "timezone", "unknown timezone \"iso3166.tab\"");
}

static void
test_bad_facility(void **state)
{
	struct config	*cf;

	(void)state;
	expect_error(NULL, NULL, "log = { facility = \"kern\"; };\n",
	    EXTRA_LINE, "log.facility",
	    "must be daemon, user, authpriv or local0 to local7");
	expect_error(NULL, NULL, "log = {\n  facility = \"LOCAL0\"; };\n",
	    EXTRA_LINE + 1, "log.facility", "must be daemon");
	expect_error(NULL, NULL, "log = { facility = \"local8\"; };\n",
	    EXTRA_LINE, "log.facility", "must be daemon");
	cf = load_ok(NULL, NULL, "log = { facility = \"authpriv\"; };\n");
	assert_int_equal(cf->cf_facility, LOG_AUTHPRIV);
	config_free(cf);
}

static void
test_bad_code(void **state)
{
	(void)state;
	expect_error("topics",
	    "topics = ( { code = \"sleep\"; name = \"a\"; }, "
	    "{ code = \"sleep\"; name = \"b\"; } );", NULL, 5, "topics[1]",
	    "code \"sleep\" is listed twice");
	/* The line is the repeated entry's own. */
	expect_error("queues", "queues = ( { code = \"mhc\"; name = \"a\"; },\n"
	    "  { code = \"legal\"; name = \"b\"; },\n"
	    "  { code = \"mhc\"; name = \"c\"; } );", NULL, 10, "queues[2]",
	    "code \"mhc\" is listed twice");
	expect_error("lines", "lines = ( { code = \"Four Hundred\"; "
	    "name = \"x\"; } );", NULL, 3, "lines[0]",
	    "code \"Four Hundred\" must be 1 to 32 characters");
	expect_error("lines", "lines = ( { code = \"\"; name = \"x\"; } );",
	    NULL, 3, "lines[0]", "must be 1 to 32 characters");
	expect_error("lines", "lines = ( { code = "
	    "\"abcdefghijklmnopqrstuvwxyz0123456\"; name = \"x\"; } );",
	    NULL, 3, "lines[0]", "must be 1 to 32 characters");
	expect_error("outcomes", "outcomes = ( { name = \"x\"; } );", NULL, 7,
	    "outcomes[0].code", "is required");
}

/*
 * An entry with a code but no name: refused, and nothing leaks (the
 * code already copied must be freed with the config).
 */
static void
test_code_entry_missing_name(void **state)
{
	(void)state;
	expect_error("caller_types",
	    "caller_types = ( { code = \"medic\"; } );", NULL, 4,
	    "caller_types[0].name", "is required");
	expect_error("risk_levels", "risk_levels = ( { code = \"low\"; "
	    "name = \"低\"; }, { code = \"high\"; name = 3; } );", NULL, 6,
	    "risk_levels[1].name", "must be a string in quotes");
}

static void
test_bad_socket_mode(void **state)
{
	(void)state;
	expect_error("api", "api = { listen = [ \"unix:api.sock\" ]; "
	    "socket_mode = \"0999\"; };", NULL, 2, "api.socket_mode",
	    "\"0999\" is not an octal mode such as \"0660\"");
	expect_error("api", "api = { listen = [ \"unix:api.sock\" ]; "
	    "socket_mode = \"01777\"; };", NULL, 2, "api.socket_mode",
	    "\"01777\" is not an octal mode");
	expect_error("api", "api = { listen = [ \"unix:api.sock\" ]; "
	    "socket_mode = \"\"; };", NULL, 2, "api.socket_mode",
	    "is not an octal mode");
	expect_error("api", "api = { listen = [ \"unix:api.sock\" ]; "
	    "socket_mode = 660; };", NULL, 2, "api.socket_mode",
	    "must be a string in quotes");
	expect_error(NULL, NULL, "status = { listen = [ \"unix:s.sock\" ];\n"
	    "  socket_mode = \"rw-rw----\"; };\n", EXTRA_LINE + 1,
	    "status.socket_mode", "\"rw-rw----\" is not an octal mode");
}

/*
 * A listen entry may be a group: a plain one is an address like a string;
 * tls = { ... } is checked (its files are in the end-to-end tests, which
 * make a CA with the openssl command).
 */
static void
test_listen_groups(void **state)
{
	struct config	*cf;

	(void)state;
	cf = load_ok("api", "api = { listen = ( \"unix:api.sock\", "
	    "{ address = \"tcp:127.0.0.1:8692\"; } ); };", NULL);
	assert_int_equal(cf->cf_napi, 2);
	assert_string_equal(cf->cf_api_listen[1], "tcp:127.0.0.1:8692");
	assert_null(cf->cf_api_tls[0]);
	assert_null(cf->cf_api_tls[1]);
	config_free(cf);
	expect_error("api", "api = { listen = ( { tls = { }; } ); };", NULL, 2,
	    "api.listen[0]", "needs address");
	expect_error("api", "api = { listen = ( { address = 1; } ); };", NULL,
	    2, "api.listen[0]", "entries must be strings, or groups");
	expect_error("api", "api = { listen = ( { address = \"tcp:1\"; } ); };",
	    NULL, 2, "api.listen[0]", "tcp: needs HOST:PORT");
	expect_error("api", "api = { listen = ( { address = \"tcp:127.0.0.1:1\"; "
	    "port = 1; } ); };", NULL, 2, "api.listen[0].port",
	    "unknown setting");
	expect_error("api", "api = { listen = ( { address = \"unix:a.sock\"; "
	    "tls = { cert = \"c.pem\"; key = \"k.pem\"; }; } ); };", NULL, 2,
	    "api.listen[0].tls", "only a tcp: address can have TLS");
	expect_error("api", "api = { listen = ( { address = \"tcp:127.0.0.1:1\"; "
	    "tls = \"on\"; } ); };", NULL, 2, "api.listen[0].tls",
	    "must be a group");
	expect_error("api", "api = { listen = ( { address = \"tcp:127.0.0.1:1\"; "
	    "tls = { key = \"k.pem\"; }; } ); };", NULL, 2,
	    "api.listen[0].tls.cert", "is required");
	expect_error("api", "api = { listen = ( { address = \"tcp:127.0.0.1:1\"; "
	    "tls = { cert = \"/nonexistent/c.pem\"; key = \"k.pem\"; }; } ); "
	    "};", NULL, 2, "api.listen[0].tls.cert",
	    "/nonexistent/c.pem: No such file or directory");
}

static void
test_bad_listen(void **state)
{
	(void)state;
	expect_error("api", "api = { listen = [ ]; };", NULL, 2, "api.listen",
	    "needs at least one address");
	expect_error("api", "api = { socket_mode = \"0600\"; };", NULL, 2,
	    "api.listen", "needs at least one address");
	expect_error("api", "api = { listen = [ \"unix:\" ]; };", NULL, 2,
	    "api.listen", "\"unix:\": unix: needs a path");
	expect_error("api", "api = { listen = [ \"udp:1.2.3.4:53\" ]; };", NULL,
	    2, "api.listen", "must be \"unix:PATH\" or \"tcp:HOST:PORT\"");
	expect_error("api", "api = { listen = [ \"tcp:8692\" ]; };", NULL, 2,
	    "api.listen", "tcp: needs HOST:PORT");
	expect_error("api", "api = { listen = [ \"tcp:127.0.0.1:65536\" ]; };",
	    NULL, 2, "api.listen", "the port must be a number from 0 to 65535");
	expect_error(NULL, NULL, "status = { listen = [ \"unix:s.sock\",\n"
	    "  \"tcp:localhost:x\" ]; };\n", EXTRA_LINE + 1, "status.listen",
	    "the port must be a number");
}

static void
test_short_hash_key(void **state)
{
	struct config	*cf;

	(void)state;
	expect_error(NULL, NULL, "privacy = { caller_hash_key = "
	    "\"0123456789abcde\"; };\n", EXTRA_LINE, "privacy.caller_hash_key",
	    "must be at least 16 characters of secret");
	expect_error(NULL, NULL, "privacy = { caller_hash_key = \"\"; };\n",
	    EXTRA_LINE, "privacy.caller_hash_key", "must be at least 16");
	expect_error(NULL, NULL, "privacy = {\n"
	    "  caller_hash_key = 12345678901234567; };\n", EXTRA_LINE + 1,
	    "privacy.caller_hash_key", "must be a string in quotes");
	/* An empty privacy group means no key, not an error. */
	cf = load_ok(NULL, NULL, "privacy = { };\n");
	assert_null(cf->cf_hash_key);
	config_free(cf);
}

static void
test_operator_bad_role(void **state)
{
	(void)state;
	expect_error(NULL, NULL, "operators = ( { name = \"a\"; "
	    "role = \"boss\"; uid = 5; } );\n", EXTRA_LINE, "operators[0]",
	    "role must be one of: operator, counselor, supervisor, admin");
	/* "none" is the role of nobody, never configured. */
	expect_error(NULL, NULL, "operators = (\n"
	    "  { name = \"a\"; role = \"admin\"; uid = 5; },\n"
	    "  { name = \"b\"; role = \"none\"; uid = 6; } );\n",
	    EXTRA_LINE + 2, "operators[1]", "role must be one of");
	expect_error(NULL, NULL, "operators = ( { name = \"a\"; "
	    "role = \"Admin\"; uid = 5; } );\n", EXTRA_LINE,
	    "operators[0]", "role must be");
	expect_error(NULL, NULL,
	    "operators = ( { name = \"a\"; uid = 5; } );\n", EXTRA_LINE,
	    "operators[0].role", "is required");
}

static void
test_operator_bad_token(void **state)
{
	const char	*good =
	    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	char		 extra[512];

	(void)state;
	/* One non-hex digit, on the entry's second line. */
	snprintf(extra, sizeof(extra), "operators = ( { name = \"a\"; "
	    "role = \"operator\";\n  token_sha256 = \"%.63sg\"; } );\n", good);
	expect_error(NULL, NULL, extra, EXTRA_LINE + 1, "operators[0]",
	    "token_sha256 must be 64 hexadecimal digits");
	snprintf(extra, sizeof(extra), "operators = ( { name = \"a\"; "
	    "role = \"operator\"; token_sha256 = \"%.63s\"; } );\n", good);
	expect_error(NULL, NULL, extra, EXTRA_LINE, "operators[0]",
	    "token_sha256 must be 64 hexadecimal digits");
	snprintf(extra, sizeof(extra), "operators = ( { name = \"a\"; "
	    "role = \"operator\"; token_sha256 = \"%s00\"; } );\n", good);
	expect_error(NULL, NULL, extra, EXTRA_LINE, "operators[0]",
	    "token_sha256 must be 64 hexadecimal digits");
	/* The token itself, not its digest: also wrong. */
	expect_error(NULL, NULL, "operators = ( { name = \"a\"; role = "
	    "\"operator\"; token_sha256 = \"dev-operator-a\"; } );\n",
	    EXTRA_LINE, "operators[0]", "64 hexadecimal digits");
}

static void
test_operator_identity(void **state)
{
	const char	*tok =
	    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	char		 extra[512];

	(void)state;
	expect_error(NULL, NULL, "operators = ( { name = \"a\"; "
	    "role = \"operator\"; } );\n", EXTRA_LINE, "operators[0]",
	    "needs uid, user, token_sha256 or password");
	/* A password is kept only as a hash made for passwords. */
	expect_error(NULL, NULL, "operators = ( { name = \"a\"; role = "
	    "\"operator\"; password = \"dev-operator-wang\"; } );\n",
	    EXTRA_LINE, "operators[0]", "password must be a hash");
	expect_error(NULL, NULL, "operators = ( { name = \"a\"; role = "
	    "\"operator\"; password = \"$1$abcdefgh$abcdefghijklmnopqrstuv\"; "
	    "} );\n", EXTRA_LINE, "operators[0]", "password must be a hash");
	expect_error(NULL, NULL, "web = { idle_timeout = \"10s\"; };\n",
	    EXTRA_LINE, "web.idle_timeout", "out of range");
	expect_error(NULL, NULL, "operators = ( { name = \"a\"; role = "
	    "\"operator\"; user = \"no-such-user-hotlined\"; } );\n",
	    EXTRA_LINE, "operators[0]",
	    "no such user \"no-such-user-hotlined\"");
	expect_error(NULL, NULL, "operators = ( { name = \"Wang\"; role = "
	    "\"operator\"; uid = 5; } );\n", EXTRA_LINE, "operators[0]",
	    "name \"Wang\" must be 1 to 32 characters");
	expect_error(NULL, NULL, "operators = ( { role = \"operator\"; "
	    "uid = 5; } );\n", EXTRA_LINE, "operators[0].name", "is required");
	expect_error(NULL, NULL, "operators = (\n"
	    "  { name = \"a\"; role = \"operator\"; uid = 5; },\n"
	    "  { name = \"a\"; role = \"admin\"; uid = 6; } );\n",
	    EXTRA_LINE + 2, "operators[1]", "operator \"a\" is listed twice");
	expect_error(NULL, NULL, "operators = (\n"
	    "  { name = \"a\"; role = \"operator\"; uid = 5; },\n"
	    "  { name = \"b\"; role = \"admin\"; uid = 5; } );\n",
	    EXTRA_LINE + 2, "operators[1]", "uid 5 is already operator \"a\"");
	snprintf(extra, sizeof(extra), "operators = (\n"
	    "  { name = \"a\"; role = \"operator\"; token_sha256 = \"%s\"; },\n"
	    "  { name = \"b\"; role = \"admin\"; token_sha256 = \"%s\"; } );\n",
	    tok, tok);
	expect_error(NULL, NULL, extra, EXTRA_LINE + 2, "operators[1]",
	    "the same token is already operator \"a\"");
}

static void
test_missing_required(void **state)
{
	static const char *const lists[] = { "lines", "caller_types",
	    "topics", "risk_levels", "outcomes", "queues" };
	size_t		 i;

	(void)state;
	/* Missing means no line: the message names the file alone. */
	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		expect_error(lists[i], "", NULL, 0, lists[i], "is required: "
		    "a list of { code = \"...\"; name = \"...\"; }");
	expect_error("store", "", NULL, 0, "store",
	    "is required: store = { path = \"...\"; };");
	expect_error("api", "", NULL, 0, "api", "is required: api = {");
	/* A required member of a present group: the group's line. */
	expect_error("store", "store = { busy_timeout_ms = 100; };", NULL, 1,
	    "store.path", "is required");
}

static void
test_role_and_facility_names(void **state)
{
	(void)state;
	assert_string_equal(config_role_name(ROLE_NONE), "none");
	assert_string_equal(config_role_name(ROLE_OPERATOR), "operator");
	assert_string_equal(config_role_name(ROLE_COUNSELOR), "counselor");
	assert_string_equal(config_role_name(ROLE_SUPERVISOR), "supervisor");
	assert_string_equal(config_role_name(ROLE_ADMIN), "admin");
	assert_int_equal(config_parse_facility("daemon"), LOG_DAEMON);
	assert_int_equal(config_parse_facility("user"), LOG_USER);
	assert_int_equal(config_parse_facility("authpriv"), LOG_AUTHPRIV);
	assert_int_equal(config_parse_facility("local0"), LOG_LOCAL0);
	assert_int_equal(config_parse_facility("local7"), LOG_LOCAL7);
	assert_int_equal(config_parse_facility("kern"), -1);
	assert_int_equal(config_parse_facility("Daemon"), -1);
	assert_int_equal(config_parse_facility(""), -1);
}

static void
test_queues_and_routes(void **state)
{
	struct config	*cf;

	(void)state;
	/* No sla, lease, routes or callbacks: the defaults. */
	cf = load_ok(NULL, NULL, NULL);
	assert_int_equal(cf->cf_qconf[0].qf_lease_s, 30 * 60);
	assert_int_equal(cf->cf_qconf[0].qf_sla_s[1], 0);
	assert_int_equal(cf->cf_nroutes, 0);
	assert_int_equal(cf->cf_cb_queue, 0);
	assert_int_equal(cf->cf_cb_priority, 2);
	config_free(cf);
	cf = load_ok("queues", "queues = ( { code = \"mhc\"; name = \"m\"; "
	    "lease = 90; sla = { p1 = \"2m\"; p9 = 5; }; }, { code = "
	    "\"legal\"; name = \"l\"; lease = \"1h\"; sla = { p3 = \"2d\"; }; "
	    "} );", "routes = ( { risk_at_least = \"moderate\"; topics = "
	    "[ \"sleep\" ]; caller_types = [ \"medic\" ]; lines = [ \"9120\", "
	    "\"400\" ]; queue = \"legal\"; priority = 3; }, { queue = "
	    "\"mhc\"; } );\ncallbacks = { queue = \"legal\"; priority = 4; };\n");
	assert_int_equal(cf->cf_qconf[0].qf_lease_s, 90);
	assert_int_equal(cf->cf_qconf[0].qf_sla_s[1], 120);
	assert_int_equal(cf->cf_qconf[0].qf_sla_s[9], 5);
	assert_int_equal(cf->cf_qconf[1].qf_lease_s, 3600);
	assert_int_equal(cf->cf_qconf[1].qf_sla_s[3], 2 * 86400);
	assert_int_equal(cf->cf_nroutes, 2);
	assert_int_equal(cf->cf_routes[0].ru_risk_min, 2);
	assert_int_equal(cf->cf_routes[0].ru_ntopics, 1);
	assert_string_equal(cf->cf_routes[0].ru_topics[0], "sleep");
	assert_int_equal(cf->cf_routes[0].ru_ncaller_types, 1);
	assert_int_equal(cf->cf_routes[0].ru_nlines, 2);
	assert_string_equal(cf->cf_routes[0].ru_lines[1], "400");
	assert_int_equal(cf->cf_routes[0].ru_queue, 1);
	assert_int_equal(cf->cf_routes[0].ru_priority, 3);
	/* A rule without criteria: any risk, priority 2 by default. */
	assert_int_equal(cf->cf_routes[1].ru_risk_min, -1);
	assert_int_equal(cf->cf_routes[1].ru_priority, 2);
	assert_int_equal(cf->cf_cb_queue, 1);
	assert_int_equal(cf->cf_cb_priority, 4);
	config_free(cf);
}

static void
test_bad_routes(void **state)
{
	(void)state;
	expect_error(NULL, NULL, "routes = ( { topics = [ \"sleep\" ]; "
	    "queue = \"nowhere\"; } );\n", EXTRA_LINE, "routes[0].queue",
	    "unknown queue \"nowhere\" (not in queues)");
	expect_error(NULL, NULL, "routes = (\n  { queue = \"mhc\"; },\n"
	    "  { topics = [ \"sleep\", \"dreams\" ]; queue = \"mhc\"; } );\n",
	    EXTRA_LINE + 2, "routes[1].topics",
	    "unknown code \"dreams\" (not in topics)");
	expect_error(NULL, NULL, "routes = ( { caller_types = [ \"nurse\" ]; "
	    "queue = \"mhc\"; } );\n", EXTRA_LINE, "routes[0].caller_types",
	    "unknown code \"nurse\"");
	expect_error(NULL, NULL, "routes = ( { lines = [ \"110\" ]; "
	    "queue = \"mhc\"; } );\n", EXTRA_LINE, "routes[0].lines",
	    "unknown code \"110\"");
	expect_error(NULL, NULL, "routes = ( { risk_at_least = \"severe\"; "
	    "queue = \"mhc\"; } );\n", EXTRA_LINE, "routes[0].risk_at_least",
	    "unknown risk level \"severe\"");
	expect_error(NULL, NULL, "routes = ( { queue = \"mhc\"; "
	    "priority = 10; } );\n", EXTRA_LINE, "routes[0].priority",
	    "10 is out of range (1 to 9)");
	expect_error(NULL, NULL, "routes = ( { topics = [ ]; "
	    "queue = \"mhc\"; } );\n", EXTRA_LINE, "routes[0].topics",
	    "must be a non-empty list");
	expect_error(NULL, NULL, "routes = ( { queue = \"mhc\"; "
	    "colour = \"red\"; } );\n", EXTRA_LINE, "routes[0].colour",
	    "unknown setting");
	expect_error(NULL, NULL, "routes = ( { priority = 1; } );\n",
	    EXTRA_LINE, "routes[0].queue", "is required");
	expect_error(NULL, NULL, "callbacks = { queue = \"legal\"; };\n",
	    EXTRA_LINE, "callbacks.queue", "unknown queue \"legal\"");
	expect_error("queues", "queues = ( { code = \"mhc\"; name = \"m\"; "
	    "sla = { p0 = \"1h\"; }; } );", NULL, 8, "queues[0].sla.p0",
	    "must be named p1 to p9");
	expect_error("queues", "queues = ( { code = \"mhc\"; name = \"m\"; "
	    "sla = { p1 = \"an hour\"; }; } );", NULL, 8, "queues[0].sla.p1",
	    "\"an hour\" is not a duration");
	expect_error("queues", "queues = ( { code = \"mhc\"; name = \"m\"; "
	    "sla = { p1 = \"5w\"; }; } );", NULL, 8, "queues[0].sla.p1",
	    "is not a duration");
	expect_error("queues", "queues = ( { code = \"mhc\"; name = \"m\"; "
	    "lease = 0; } );", NULL, 8, "queues[0].lease",
	    "0 seconds is out of range");
	expect_error("queues", "queues = ( { code = \"mhc\"; name = \"m\"; "
	    "lease = true; } );", NULL, 8, "queues[0].lease",
	    "must be a duration");
	expect_error("queues", "queues = ( { code = \"mhc\"; name = \"m\"; "
	    "sla = [ \"1h\" ]; } );", NULL, 8, "queues[0].sla",
	    "must be a group");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minimal_loads),
		cmocka_unit_test(test_retention),
		cmocka_unit_test(test_full_config),
		cmocka_unit_test(test_dev_conf_loads),
		cmocka_unit_test(test_syntax_error),
		cmocka_unit_test(test_unreadable_file),
		cmocka_unit_test(test_unknown_setting),
		cmocka_unit_test(test_wrong_type),
		cmocka_unit_test(test_out_of_range),
		cmocka_unit_test(test_bad_timezone),
		cmocka_unit_test(test_timezone_not_a_zone_file),
		cmocka_unit_test(test_bad_facility),
		cmocka_unit_test(test_bad_code),
		cmocka_unit_test(test_code_entry_missing_name),
		cmocka_unit_test(test_bad_socket_mode),
		cmocka_unit_test(test_bad_listen),
		cmocka_unit_test(test_listen_groups),
		cmocka_unit_test(test_short_hash_key),
		cmocka_unit_test(test_operator_bad_role),
		cmocka_unit_test(test_operator_bad_token),
		cmocka_unit_test(test_operator_identity),
		cmocka_unit_test(test_missing_required),
		cmocka_unit_test(test_role_and_facility_names),
		cmocka_unit_test(test_queues_and_routes),
		cmocka_unit_test(test_bad_routes),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
