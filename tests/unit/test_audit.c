/*
 * audit.c and the audit table of store.c (migration 6): a new store is at
 * the current schema version; a row written inside a request is kept with
 * it or undone with it, also a request of megabytes between two kept ones in
 * one transaction; UPDATE and DELETE are refused by the triggers whoever
 * asks; the list filters by action, who and time, newest first, and pages
 * by id; the rows after an id come oldest first; only the known actions
 * are known.
 */
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "unit.h"
#include "domain.h"

/*
 * db: a connection of the test's own to the same file, for the raw SQL
 * checks, as the sqlite3 shell would open it: the triggers must refuse
 * whoever asks, and the store keeps its connection to itself.
 */
struct fixture {
	char		 dir[256];
	char		 path[300];
	struct store	*st;
	sqlite3		*db;
};

static int
setup(void **state)
{
	struct fixture	*f = calloc(1, sizeof(*f));
	char		*cause = NULL;

	if (f == NULL || unit_mkdtemp(f->dir, sizeof(f->dir), "audit") == -1)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/hotline.db", f->dir);
	if ((f->st = store_open(f->path, 1000, &cause)) == NULL) {
		fprintf(stderr, "%s\n", cause);
		return -1;
	}
	if (audit_init(NULL, f->st) == -1)
		return -1;
	if (sqlite3_open_v2(f->path, &f->db, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK)
		return -1;
	sqlite3_busy_timeout(f->db, 1000);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture	*f = *state;
	char		 p[400];

	sqlite3_close(f->db);
	store_close(f->st);
	snprintf(p, sizeof(p), "%s-wal", f->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", f->path);
	unlink(p);
	unlink(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

static struct identity
who(const char *name, enum role role, const char *peer)
{
	struct identity	 id;

	memset(&id, 0, sizeof(id));
	id.id_name = name;
	id.id_role = role;
	snprintf(id.id_peer, sizeof(id.id_peer), "%s", peer);
	return id;
}

/* Write one row in its own request and commit it. */
static void
record(struct fixture *f, const struct identity *id, const char *action,
    int64_t call, int64_t item, const char *detail)
{
	assert_int_equal(store_request_begin(f->st), STORE_OK);
	assert_int_equal(store_request_end(f->st, audit_record(id, action,
	    call, item, detail)), STORE_OK);
	assert_int_equal(store_commit(f->st), STORE_OK);
	audit_committed(1);
}

struct seen {
	int64_t		 ids[32];
	char		 who[32][16];
	size_t		 n;
};

static void
collect(const struct audit_entry *e, void *arg)
{
	struct seen	*s = arg;

	if (s->n < 32) {
		s->ids[s->n] = e->ae_id;
		snprintf(s->who[s->n], sizeof(s->who[0]), "%s", e->ae_who);
		s->n++;
	}
}

static int
exec_rc(struct fixture *f, const char *sql, char **err)
{
	return sqlite3_exec(f->db, sql, NULL, NULL, err);
}

static void
test_schema_has_the_trail(void **state)
{
	struct fixture	*f = *state;
	sqlite3_stmt	*s;

	assert_int_equal(sqlite3_prepare_v2(f->db,
	    "PRAGMA user_version", -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(s, 0), store_schema_version());
	sqlite3_finalize(s);
}

static void
test_row_fields_and_rollback(void **state)
{
	struct fixture		*f = *state;
	struct identity		 chen = who("chen", ROLE_SUPERVISOR,
				    "192.0.2.7:5000");
	struct identity		 anon = who(NULL, ROLE_NONE, "");
	struct seen		 s;
	sqlite3_stmt		*q;

	record(f, &chen, "call.read", 3, 0, NULL);
	record(f, &anon, "auth.fail", 0, 0, "via tcp");
	/* Undone with its savepoint: never there. */
	assert_int_equal(store_request_begin(f->st), STORE_OK);
	assert_int_equal(audit_record(&chen, "call.amend", 3, 0, "risk"),
	    STORE_OK);
	store_request_end(f->st, STORE_ERR);
	assert_int_equal(store_commit(f->st), STORE_OK);
	audit_committed(1);
	assert_int_equal(sqlite3_prepare_v2(f->db,
	    "SELECT who, role, peer, action, call_id, item_id, detail, at "
	    "FROM audit ORDER BY id", -1, &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_string_equal(sqlite3_column_text(q, 0), "chen");
	assert_string_equal(sqlite3_column_text(q, 1), "supervisor");
	assert_string_equal(sqlite3_column_text(q, 2), "192.0.2.7:5000");
	assert_string_equal(sqlite3_column_text(q, 3), "call.read");
	assert_int_equal(sqlite3_column_int64(q, 4), 3);
	assert_int_equal(sqlite3_column_type(q, 5), SQLITE_NULL);
	assert_int_equal(sqlite3_column_type(q, 6), SQLITE_NULL);
	assert_true(sqlite3_column_int64(q, 7) > 1577836800);	/* 2020 */
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_string_equal(sqlite3_column_text(q, 0), "-");
	assert_string_equal(sqlite3_column_text(q, 1), "none");
	assert_string_equal(sqlite3_column_text(q, 2), "-");
	assert_string_equal(sqlite3_column_text(q, 6), "via tcp");
	assert_int_equal(sqlite3_step(q), SQLITE_DONE);
	sqlite3_finalize(q);
	memset(&s, 0, sizeof(s));
	assert_int_equal(store_audit_after(f->st, 1, collect, &s), STORE_OK);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.ids[0], 2);
}

/* n rows of a long detail in one request, then undone or kept with it. */
static void
bulk(const struct identity *id, int n, const char *detail)
{
	int	 i;

	for (i = 0; i < n; i++)
		assert_int_equal(audit_record(id, "call.read", i + 1, 0,
		    detail), STORE_OK);
}

/*
 * Requests in one transaction whose page images outgrow 64 KiB (the
 * savepoint journal SQLite would keep in memory; the store never spills
 * it) and 4 MiB: one of 2 MB and one of 6 MB are undone alone, each
 * between two requests that are kept.
 */
static void
test_large_requests_undone_alone(void **state)
{
	struct fixture		*f = *state;
	struct identity		 chen = who("chen", ROLE_SUPERVISOR,
				    "192.0.2.7:5000");
	char			 detail[1001];
	sqlite3_stmt		*q;

	const struct {
		int		 n;
		const char	*detail;
		int		 end;	/* STORE_ERR: undone */
	} req[] = {
		{ 1, "kept 1", STORE_OK }, { 2000, detail, STORE_ERR },
		{ 1, "kept 2", STORE_OK }, { 6000, detail, STORE_ERR },
		{ 1, "kept 3", STORE_OK },
	};
	size_t			 i;

	memset(detail, 'x', sizeof(detail) - 1);
	detail[sizeof(detail) - 1] = '\0';
	for (i = 0; i < sizeof(req) / sizeof(req[0]); i++) {
		assert_int_equal(store_request_begin(f->st), STORE_OK);
		bulk(&chen, req[i].n, req[i].detail);
		if (req[i].end == STORE_OK)
			assert_int_equal(store_request_end(f->st, STORE_OK),
			    STORE_OK);
		else
			store_request_end(f->st, STORE_ERR);
	}
	assert_int_equal(store_commit(f->st), STORE_OK);
	audit_committed(1);
	assert_int_equal(sqlite3_prepare_v2(f->db,
	    "SELECT group_concat(detail, ',') FROM audit", -1, &q, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_string_equal(sqlite3_column_text(q, 0), "kept 1,kept 2,kept 3");
	sqlite3_finalize(q);
}

static void
test_append_only(void **state)
{
	struct fixture	*f = *state;
	struct identity	 chen = who("chen", ROLE_SUPERVISOR, "uid 1000");
	char		*err = NULL;

	record(f, &chen, "call.read", 1, 0, NULL);
	assert_int_not_equal(exec_rc(f, "UPDATE audit SET who = 'x'",
	    &err), SQLITE_OK);
	assert_non_null(strstr(err, "the audit trail is append-only"));
	sqlite3_free(err);
	err = NULL;
	assert_int_not_equal(exec_rc(f, "DELETE FROM audit", &err),
	    SQLITE_OK);
	assert_non_null(strstr(err, "the audit trail is append-only"));
	sqlite3_free(err);
	assert_int_equal(exec_rc(f, "INSERT INTO audit (at, who, role, "
	    "peer, action) VALUES (1, 'a', 'admin', '-', 'export')", NULL),
	    SQLITE_OK);
}

static void
test_list_filters_and_pages(void **state)
{
	struct fixture		*f = *state;
	struct identity		 chen = who("chen", ROLE_SUPERVISOR, "-");
	struct identity		 zhao = who("zhao", ROLE_COUNSELOR, "-");
	struct audit_filter	 af;
	struct seen		 s;
	int			 i;

	for (i = 0; i < 5; i++)
		record(f, i % 2 ? &zhao : &chen, i == 4 ? "export" :
		    "call.read", i + 1, 0, NULL);
	memset(&af, 0, sizeof(af));
	af.af_limit = 10;
	memset(&s, 0, sizeof(s));
	assert_int_equal(store_audit_list(f->st, &af, collect, &s), STORE_OK);
	assert_int_equal(s.n, 5);
	for (i = 0; i < 5; i++)
		assert_int_equal(s.ids[i], 5 - i);	/* newest first */
	af.af_limit = 2;
	af.af_before = 4;	/* the cursor: below id 4 */
	memset(&s, 0, sizeof(s));
	store_audit_list(f->st, &af, collect, &s);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.ids[0], 3);
	assert_int_equal(s.ids[1], 2);
	memset(&af, 0, sizeof(af));
	af.af_limit = 10;
	af.af_who = "zhao";
	memset(&s, 0, sizeof(s));
	store_audit_list(f->st, &af, collect, &s);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.who[0], "zhao");
	af.af_who = NULL;
	af.af_action = "export";
	memset(&s, 0, sizeof(s));
	store_audit_list(f->st, &af, collect, &s);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.ids[0], 5);
	af.af_action = NULL;
	af.af_since = clock_now() + 3600;
	memset(&s, 0, sizeof(s));
	store_audit_list(f->st, &af, collect, &s);
	assert_int_equal(s.n, 0);
	af.af_since = 0;
	af.af_until = clock_now() - 3600;
	memset(&s, 0, sizeof(s));
	store_audit_list(f->st, &af, collect, &s);
	assert_int_equal(s.n, 0);
}

static void
test_known_actions(void **state)
{
	(void)state;
	assert_true(audit_action_known("call.read"));
	assert_true(audit_action_known("item.escalate"));
	assert_true(audit_action_known("auth.fail"));
	assert_false(audit_action_known("call.delete"));
	assert_false(audit_action_known(""));
	assert_false(audit_action_known("call.read "));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_schema_has_the_trail, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_row_fields_and_rollback,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_large_requests_undone_alone,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_append_only, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_list_filters_and_pages,
		    setup, teardown),
		cmocka_unit_test(test_known_actions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
