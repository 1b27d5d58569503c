/*
 * The phone system's calls: the queue_log line parser on lines in the
 * documented format (docs.asterisk.org, "Queue Logs") and on hostile
 * ones; events applied to a store in and out of order, twice, for a
 * call never entered; a file imported twice; the phone measures
 * computed by hand.
 */
#include <string.h>
#include <unistd.h>

#include "unit.h"
#include "domain.h"

static struct pbx_event	 ev;
static char		 err[200];

static int
parse(const char *line)
{
	return pbx_log_parse(line, strlen(line), &ev, err, sizeof(err));
}

static void
test_documented_lines(void **state)
{
	(void)state;
	/* The example line of the documentation. */
	assert_int_equal(parse("1366720340|1366720340.303267|MYQUEUE|SIP/8007|"
	    "RINGNOANSWER|1000\n"), 0);
	assert_int_equal(ev.pe_at, 1366720340);
	assert_string_equal(ev.pe_call, "1366720340.303267");
	assert_string_equal(ev.pe_queue, "MYQUEUE");
	assert_string_equal(ev.pe_agent, "SIP/8007");
	assert_int_equal(ev.pe_kind, PBX_RINGNOANSWER);
	/* ENTERQUEUE(url|callerid) */
	assert_int_equal(parse("1581874200|1581874200.11|hotline400|NONE|"
	    "ENTERQUEUE||13800000000|1"), 0);
	assert_int_equal(ev.pe_kind, PBX_OFFERED);
	assert_string_equal(ev.pe_agent, "");
	assert_string_equal(ev.pe_number, "13800000000");
	/* CONNECT(holdtime|bridgedchanneluniqueid|ringtime) */
	assert_int_equal(parse("1581874212|1581874200.11|hotline400|PJSIP/8001|"
	    "CONNECT|12|1581874212.12|4"), 0);
	assert_int_equal(ev.pe_kind, PBX_ANSWERED);
	assert_int_equal(ev.pe_wait_s, 12);
	/* COMPLETECALLER(holdtime|calltime|origposition) */
	assert_int_equal(parse("1581874512|1581874200.11|hotline400|PJSIP/8001|"
	    "COMPLETECALLER|12|300|1"), 0);
	assert_int_equal(ev.pe_kind, PBX_ENDED);
	assert_int_equal(ev.pe_wait_s, 12);
	assert_int_equal(ev.pe_talk_s, 300);
	assert_int_equal(parse("1581874512|1581874200.11|hotline400|PJSIP/8001|"
	    "COMPLETEAGENT|12|300|1"), 0);
	assert_int_equal(ev.pe_kind, PBX_ENDED);
	/* ABANDON(position|origposition|waittime) */
	assert_int_equal(parse("1581874250|1581874230.13|hotline9120|NONE|"
	    "ABANDON|1|1|20"), 0);
	assert_int_equal(ev.pe_kind, PBX_ABANDONED);
	assert_int_equal(ev.pe_wait_s, 20);
	/* EXITWITHTIMEOUT(position|origposition|waittime); older: position */
	assert_int_equal(parse("1581874290|1581874230.14|hotline9120|NONE|"
	    "EXITWITHTIMEOUT|1|1|60"), 0);
	assert_int_equal(ev.pe_kind, PBX_TIMEOUT);
	assert_int_equal(ev.pe_wait_s, 60);
	assert_int_equal(parse("1581874290|1581874230.14|hotline9120|NONE|"
	    "EXITWITHTIMEOUT|1"), 0);
	assert_int_equal(ev.pe_wait_s, -1);
	/* EXITWITHKEY(key|position|origposition|waittime) */
	assert_int_equal(parse("1581874290|1581874230.15|hotline2325|NONE|"
	    "EXITWITHKEY|0|1|1|9"), 0);
	assert_int_equal(ev.pe_kind, PBX_KEY);
	assert_int_equal(ev.pe_wait_s, 9);
	assert_int_equal(parse("1581874290|1581874230.16|hotline2325|NONE|"
	    "EXITEMPTY|1|1|2"), 0);
	assert_int_equal(ev.pe_kind, PBX_EMPTY);
	/* TRANSFER(extension|context|holdtime|calltime|origposition) */
	assert_int_equal(parse("1581874600|1581874200.17|hotline400|PJSIP/8002|"
	    "TRANSFER|8100|from-internal|5|120|1"), 0);
	assert_int_equal(ev.pe_kind, PBX_TRANSFER);
	assert_int_equal(ev.pe_wait_s, 5);
	assert_int_equal(ev.pe_talk_s, 120);
	/* Queue and agent events: no call. */
	assert_int_equal(parse("1581874000|NONE|hotline400|PJSIP/8001|"
	    "ADDMEMBER|"), 0);
	assert_int_equal(ev.pe_kind, PBX_OTHER);
	assert_int_equal(parse("1581874000|NONE|NONE|NONE|QUEUESTART|"), 0);
	assert_int_equal(ev.pe_kind, PBX_OTHER);
	assert_int_equal(parse("1581874000|1581874000.1|hotline400|NONE|"
	    "SOMETHINGNEW|a|b"), 0);
	assert_int_equal(ev.pe_kind, PBX_OTHER);
	/* A withheld number is no number; CRLF is a line end. */
	assert_int_equal(parse("1581874200|1581874200.18|hotline400|NONE|"
	    "ENTERQUEUE||anonymous|1\r\n"), 0);
	assert_string_equal(ev.pe_number, "");
	/* Fractions of a second (some versions). */
	assert_int_equal(parse("1581874200.123|1581874200.19|hotline400|NONE|"
	    "ENTERQUEUE||1|1"), 0);
	assert_int_equal(ev.pe_at, 1581874200);
}

static void
refused(const char *line, const char *why)
{
	assert_int_equal(parse(line), -1);
	if (strstr(err, why) == NULL)
		fail_msg("\"%s\": \"%s\" does not say \"%s\"", line, err, why);
}

static void
test_hostile_lines(void **state)
{
	char	 big[PBX_LINE_MAX + 100];

	(void)state;
	refused("", "1 field");
	refused("garbage", "1 field");
	refused("1581874200|x|q|a", "4 fields");
	refused("x|1.1|q|NONE|CONNECT|1", "time");
	refused("-5|1.1|q|NONE|CONNECT|1", "time");
	refused("99999999999999999999999|1.1|q|NONE|CONNECT|1", "time");
	refused("4102444800|1.1|q|NONE|CONNECT|1", "time");	/* 2100 */
	refused("900000000|1.1|q|NONE|CONNECT|1", "time");	/* 1998 */
	refused("1581874200||q|NONE|CONNECT|1", "callid");
	refused("1581874200|a b|q|NONE|CONNECT|1", "callid");
	refused("1581874200|1.1||NONE|CONNECT|1", "queue");
	refused("1581874200|1.1|q|NONE||1", "event");
	refused("1581874200|1.1|q|NONE|connect|1", "event");
	refused("1581874200|1.1|q|NONE|CONNECT|-1", "data1");
	refused("1581874200|1.1|q|NONE|CONNECT|12x", "data1");
	refused("1581874200|1.1|q|NONE|CONNECT|99999999999", "data1");
	refused("1581874200|1.1|q|NONE|COMPLETECALLER|1|x|1", "data2");
	refused("1|2|3|4|5|6|7|8|9|10|11|12|13|14|15|16|17", "more than");
	assert_int_equal(pbx_log_parse("1581874200|1\0.1|q|NONE|CONNECT|1",
	    30, &ev, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "NUL"));
	memset(big, 'A', sizeof(big));
	assert_int_equal(pbx_log_parse(big, sizeof(big), &ev, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "longer"));
	/* A callid, queue or agent longer than its field. */
	memset(big, 'q', 200);
	memcpy(big, "1581874200|1.1|", 15);
	big[200] = '\0';
	strcat(big, "|NONE|CONNECT|1");
	refused(big, "queue");
}

struct fixture {
	char		 dir[256];
	char		 db[300];
	struct config	*cf;
	struct store	*st;
};

static int
setup(void **state)
{
	static struct fixture	 f;
	char			*cause = NULL;

	memset(&f, 0, sizeof(f));
	if (unit_mkdtemp(f.dir, sizeof(f.dir), "test_pbx") == -1)
		return -1;
	snprintf(f.db, sizeof(f.db), "%s/h.db", f.dir);
	f.cf = unit_dev_config();
	if ((f.st = store_open(f.db, 1000, &cause)) == NULL)
		fail_msg("store_open: %s", cause);
	*state = &f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture	*f = *state;
	char		 cmd[400];

	store_close(f->st);
	config_free(f->cf);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Apply a queue_log line in its own transaction. */
static int
apply(struct fixture *f, const char *line)
{
	unsigned char	 key[SHA256_LEN];
	int		 rc;

	if (parse(line) == -1)
		fail_msg("%s: %s", line, err);
	assert_int_equal(digest_sha256(line, strlen(line), key), 0);
	assert_int_equal(store_begin(f->st), STORE_OK);
	rc = pbx_apply(f->st, f->cf, &ev, key, 1800000000, err, sizeof(err));
	assert_int_equal(store_commit(f->st), STORE_OK);
	return rc;
}

static struct pbx_call
get(struct fixture *f, const char *id)
{
	struct pbx_call	 pc;

	assert_int_equal(store_pbx_get(f->st, id, &pc), STORE_OK);
	return pc;
}

static void
test_apply(void **state)
{
	struct fixture	*f = *state;
	struct pbx_call	 pc;
	const char	*enter = "1581874200|1581874200.1|hotline400|NONE|"
	    "ENTERQUEUE||13800000000|1";

	assert_int_equal(apply(f, enter), PBX_APPLIED);
	assert_int_equal(apply(f, enter), PBX_DUPLICATE);
	/* Out of order: the end before the answer. */
	assert_int_equal(apply(f, "1581874512|1581874200.1|hotline400|"
	    "PJSIP/8001|COMPLETECALLER|12|300|1"), PBX_APPLIED);
	assert_int_equal(apply(f, "1581874212|1581874200.1|hotline400|"
	    "PJSIP/8001|CONNECT|12|1581874212.2|4"), PBX_APPLIED);
	pc = get(f, "1581874200.1");
	assert_string_equal(pc.pc_line, "400");
	assert_int_equal(pc.pc_offered_at, 1581874200);
	assert_int_equal(pc.pc_answered_at, 1581874212);
	assert_int_equal(pc.pc_ended_at, 1581874512);
	assert_int_equal(pc.pc_wait_s, 12);
	assert_int_equal(pc.pc_talk_s, 300);
	assert_string_equal(pc.pc_operator, "wang");
	assert_string_equal(pc.pc_outcome, "answered");
	/* The number only as its keyed hash. */
	assert_int_equal(strlen(pc.pc_caller_hash), 64);
	assert_null(strstr(pc.pc_caller_hash, "13800000000"));
	/* A call never entered, an unknown queue and agent: kept. */
	assert_int_equal(apply(f, "1581874300|1581874290.2|elsewhere|"
	    "PJSIP/9999|CONNECT|10|x|1"), PBX_APPLIED);
	pc = get(f, "1581874290.2");
	assert_string_equal(pc.pc_line, "");
	assert_string_equal(pc.pc_operator, "");
	assert_int_equal(pc.pc_offered_at, 1581874290);
	/* Abandoned after an answer does not undo it. */
	assert_int_equal(apply(f, "1581874400|1581874290.2|elsewhere|NONE|"
	    "ABANDON|1|1|3"), PBX_APPLIED);
	assert_string_equal(get(f, "1581874290.2").pc_outcome, "");
	/* Too far in the future. */
	assert_int_equal(apply(f, "1900000000|1.9|hotline400|NONE|"
	    "ENTERQUEUE||1|1"), PBX_BAD);
	assert_int_equal(apply(f, "1581874000|NONE|hotline400|PJSIP/8001|"
	    "ADDMEMBER|"), PBX_IGNORED);
}

static void
add(struct pbx_tally *t, const struct config *cf, int64_t wait,
    int answered, int64_t talk)
{
	struct pbx_call	 pc;

	memset(&pc, 0, sizeof(pc));
	pc.pc_offered_at = 1581874200;
	pc.pc_wait_s = wait;
	pc.pc_talk_s = talk;
	pc.pc_ended_at = 1581874900;
	if (answered)
		pc.pc_answered_at = 1581874200 + wait;
	pbx_tally_add(t, cf, &pc);
}

/* Ten calls: 6 answered (waits 5, 10, 15, 20, 30, 60), 1 hung up after
 * 2 s (short), 3 abandoned after 10, 40, 90 s. Counted: 10 - 1 = 9;
 * answer rate 6/9; within 20 s: 4/9; median wait (rank 3 of 6): 15;
 * p90 (rank 6): 60. */
static void
test_measures(void **state)
{
	struct fixture		*f = *state;
	struct pbx_tally	 t;
	json_t			*o = json_object();
	int64_t			 w[] = { 30, 5, 60, 15, 10, 20 };
	size_t			 i;

	memset(&t, 0, sizeof(t));
	for (i = 0; i < 6; i++)
		add(&t, f->cf, w[i], 1, 100);
	add(&t, f->cf, 2, 0, -1);
	add(&t, f->cf, 10, 0, -1);
	add(&t, f->cf, 40, 0, -1);
	add(&t, f->cf, 90, 0, -1);
	pbx_tally_json(o, &t);
	assert_int_equal(json_integer_value(json_object_get(o, "offered")), 10);
	assert_int_equal(json_integer_value(json_object_get(o, "answered")), 6);
	assert_int_equal(json_integer_value(json_object_get(o, "abandoned")),
	    3);
	assert_int_equal(json_integer_value(json_object_get(o,
	    "abandoned_short")), 1);
	assert_float_equal(json_real_value(json_object_get(o, "answer_rate")),
	    0.6666, 0.0001);
	assert_float_equal(json_real_value(json_object_get(o,
	    "service_level")), 0.4444, 0.0001);
	assert_int_equal(json_integer_value(json_object_get(o,
	    "wait_answer_median_s")), 15);
	assert_int_equal(json_integer_value(json_object_get(o,
	    "wait_answer_p90_s")), 60);
	assert_int_equal(json_integer_value(json_object_get(o,
	    "talk_total_s")), 600);
	json_decref(o);
	pbx_tally_free(&t);
}

static void
test_import_twice(void **state)
{
	struct fixture	*f = *state;
	char		 path[320], *cause = NULL;
	int64_t		 n[4];
	FILE		*fp;

	snprintf(path, sizeof(path), "%s/queue_log", f->dir);
	assert_non_null(fp = fopen(path, "w"));
	fputs("1581880000|1581880000.5|hotline2325|NONE|ENTERQUEUE||"
	    "13700000000|1\n"
	    "1581880004|1581880000.5|hotline2325|NONE|ABANDON|1|1|4\n"
	    "not a line\n"
	    "1581880000|NONE|hotline2325|PJSIP/8002|PAUSE|\n"
	    "1581880100|1581880100.6|hotline2325|NONE|ENTERQUEUE||1|1", fp);
	fclose(fp);
	assert_int_equal(pbx_import(f->st, f->cf, path, n, &cause), 0);
	assert_int_equal(n[0], 3);
	assert_int_equal(n[1], 0);
	assert_int_equal(n[2], 1);
	assert_int_equal(pbx_import(f->st, f->cf, path, n, &cause), 0);
	assert_int_equal(n[0], 0);
	assert_int_equal(n[1], 3);
	assert_string_equal(get(f, "1581880000.5").pc_outcome, "abandoned");
	/* The last line, without its newline, is read too. */
	assert_string_equal(get(f, "1581880100.6").pc_line, "2325");
	assert_int_equal(pbx_import(f->st, f->cf, "/nonexistent/q", n,
	    &cause), -1);
	assert_non_null(strstr(cause, "/nonexistent/q"));
	free(cause);
}

static void
test_config_errors(void **state)
{
	static const char *const bad[][2] = {
		{ "pbx = { lines = ( { name = \"q\"; line = \"999\"; } ); };",
		    "line \"999\" is not one of the lines" },
		{ "pbx = { agents = ( { agent = \"PJSIP/1\"; operator = "
		    "\"nobody\"; } ); };", "operator \"nobody\"" },
		{ "pbx = { lines = ( { name = \"a b\"; line = \"400\"; } ); };",
		    "without spaces" },
		{ "pbx = { short_abandon = \"2h\"; };", "out of range" },
		{ "pbx = { colour = 1; };", "pbx.colour: unknown setting" },
		{ "pbx = { lines = ( { name = \"q\"; line = \"400\"; },"
		    " { name = \"q\"; line = \"9120\"; } ); };", "listed twice" },
	};
	char	 dir[256], path[300], *cause, line[512];
	size_t	 i;
	FILE	*fp, *in;
	int	 skip;

	(void)state;
	assert_int_equal(unit_mkdtemp(dir, sizeof(dir), "test_pbx_conf"), 0);
	snprintf(path, sizeof(path), "%s/c.conf", dir);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		/* dev.conf without its pbx group, then the bad one. */
		assert_non_null(in = fopen(DEV_CONF, "r"));
		assert_non_null(fp = fopen(path, "w"));
		for (skip = 0; fgets(line, sizeof(line), in) != NULL;) {
			if (strncmp(line, "pbx = {", 7) == 0)
				skip = 1;
			if (!skip)
				fputs(line, fp);
			if (skip && strncmp(line, "};", 2) == 0)
				skip = 0;
		}
		fclose(in);
		fprintf(fp, "\n%s\n", bad[i][0]);
		fclose(fp);
		cause = NULL;
		assert_null(config_load(path, &cause));
		assert_non_null(cause);
		if (strstr(cause, bad[i][1]) == NULL)
			fail_msg("%s: %s", bad[i][0], cause);
		free(cause);
	}
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_documented_lines),
		cmocka_unit_test(test_hostile_lines),
		cmocka_unit_test_setup_teardown(test_apply, setup, teardown),
		cmocka_unit_test_setup_teardown(test_measures, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_twice, setup,
		    teardown),
		cmocka_unit_test(test_config_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
