/*
 * session.c and password.c: a new session is found by its cookie, the
 * store holds only the id's SHA-256, a session ends when idle or too old,
 * when a reload changes its user's password or role or removes the user,
 * and at sign-out; sessions are read back from the store at start-up;
 * cookies that are not ids are no one; a password matches only its own
 * hash, and an unknown name never matches.
 */
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "unit.h"
#include "domain.h"

struct fixture {
	char		 dir[256];
	char		 path[300];
	struct store	*st;
	struct config	*cf;
};

static int
setup(void **state)
{
	struct fixture	*f = calloc(1, sizeof(*f));
	char		*cause = NULL;

	if (f == NULL || unit_mkdtemp(f->dir, sizeof(f->dir), "session") == -1)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/hotline.db", f->dir);
	if ((f->st = store_open(f->path, 1000, &cause)) == NULL) {
		fprintf(stderr, "%s\n", cause);
		return -1;
	}
	if ((f->cf = unit_dev_config()) == NULL ||
	    session_init(NULL, f->st, f->cf) == -1)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture	*f = *state;
	char		 p[400];

	session_free();
	store_close(f->st);
	config_free(f->cf);
	snprintf(p, sizeof(p), "%s-wal", f->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", f->path);
	unlink(p);
	unlink(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* Open a session for name at t, committed; its cookie into cookie. */
static void
open_at(struct fixture *f, const char *name, int64_t t, char *cookie,
    unsigned char *sha)
{
	const struct operator	*op = config_op_by_name(f->cf, name);

	assert_non_null(op);
	assert_int_equal(store_begin(f->st), STORE_OK);
	assert_int_equal(store_request_begin(f->st), STORE_OK);
	assert_int_equal(store_request_end(f->st, session_open(op, t, cookie,
	    sha)), STORE_OK);
	assert_int_equal(store_commit(f->st), STORE_OK);
}

static int
found(struct fixture *f, const char *cookie, int64_t t, const char *name)
{
	struct identity	 id;

	memset(&id, 0, sizeof(id));
	if (session_find(cookie, t, f->cf, &id, NULL) == -1)
		return 0;
	assert_string_equal(id.id_name, name);
	return 1;
}

/* The stored hash is the id's SHA-256, and the id is nowhere. */
static void
test_store_keeps_only_the_hash(void **state)
{
	struct fixture	*f = *state;
	char		 cookie[SESSION_COOKIE_LEN + 1];
	unsigned char	 sha[SHA256_LEN], raw[SESSION_ID_LEN], want[SHA256_LEN];
	sqlite3		*db;
	sqlite3_stmt	*stmt;
	int64_t		 now = clock_now();

	open_at(f, "wang", now, cookie, sha);
	assert_int_equal(strlen(cookie), SESSION_COOKIE_LEN);
	assert_int_equal(digest_hex_decode(cookie, raw, sizeof(raw)), 0);
	assert_int_equal(digest_sha256(raw, sizeof(raw), want), 0);
	assert_memory_equal(sha, want, SHA256_LEN);
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT id_sha, name FROM "
	    "sessions", -1, &stmt, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	assert_int_equal(sqlite3_column_bytes(stmt, 0), SHA256_LEN);
	assert_memory_equal(sqlite3_column_blob(stmt, 0), want, SHA256_LEN);
	assert_string_equal((const char *)sqlite3_column_text(stmt, 1),
	    "wang");
	assert_int_equal(sqlite3_step(stmt), SQLITE_DONE);
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	assert_true(found(f, cookie, now + 1, "wang"));
	assert_int_equal(session_count(), 1);
}

static void
test_idle_and_absolute_expiry(void **state)
{
	struct fixture	*f = *state;
	char		 cookie[SESSION_COOKIE_LEN + 1];
	unsigned char	 sha[SHA256_LEN];
	int64_t		 t = 1700000000, idle = f->cf->cf_session_idle_s;
	int64_t		 i;

	open_at(f, "zhao", t, cookie, sha);
	/* In use every idle - 1 seconds: alive until max_age. */
	for (i = t; i + idle - 1 < t + f->cf->cf_session_max_s;
	    i += idle - 1)
		assert_true(found(f, cookie, i, "zhao"));
	assert_false(found(f, cookie, t + f->cf->cf_session_max_s, "zhao"));
	assert_int_equal(session_count(), 0);
	open_at(f, "zhao", t, cookie, sha);
	assert_true(found(f, cookie, t + idle - 1, "zhao"));
	assert_false(found(f, cookie, t + 2 * idle, "zhao"));
	/* Ended is ended: a later, earlier-dated look finds nothing. */
	assert_false(found(f, cookie, t + 1, "zhao"));
}

/* A reload: password, role, a removed user; others untouched. */
static void
test_reload_revokes(void **state)
{
	struct fixture	*f = *state;
	char		 c_wang[SESSION_COOKIE_LEN + 1];
	char		 c_zhao[SESSION_COOKIE_LEN + 1];
	char		 c_chen[SESSION_COOKIE_LEN + 1];
	char		 c_li[SESSION_COOKIE_LEN + 1];
	unsigned char	 sha[SHA256_LEN];
	struct operator	*op;
	char		*old_pw;
	enum role	 old_role;
	int64_t		 now = clock_now();
	size_t		 i;

	open_at(f, "wang", now, c_wang, sha);
	open_at(f, "zhao", now, c_zhao, sha);
	open_at(f, "chen", now, c_chen, sha);
	open_at(f, "li", now, c_li, sha);
	for (i = 0; i < f->cf->cf_nops; i++) {
		op = &f->cf->cf_ops[i];
		if (strcmp(op->op_name, "wang") == 0) {
			old_pw = op->op_password;
			op->op_password = strdup("$y$j9T$h1NwsVrMfzJVvydfEaLLK1$"
			    "btjqEBUcEfgXI8QkDM1MR0VZ0rksA/35ryFzEfFigT.");
			free(old_pw);
		} else if (strcmp(op->op_name, "zhao") == 0) {
			old_role = op->op_role;
			op->op_role = ROLE_SUPERVISOR;
			(void)old_role;
		} else if (strcmp(op->op_name, "li") == 0)
			op->op_name[0] = 'x';	/* li is gone, "xi" is new */
	}
	session_set_config(f->cf);
	assert_false(found(f, c_wang, now, "wang"));
	assert_false(found(f, c_zhao, now, "zhao"));
	assert_false(found(f, c_li, now, "li"));
	assert_true(found(f, c_chen, now, "chen"));
	assert_int_equal(session_count(), 1);
}

/* Sign-out, and sessions read back at start-up. */
static void
test_close_and_reload_from_store(void **state)
{
	struct fixture	*f = *state;
	char		 a[SESSION_COOKIE_LEN + 1], b[SESSION_COOKIE_LEN + 1];
	unsigned char	 sha_a[SHA256_LEN], sha_b[SHA256_LEN];
	int64_t		 now = clock_now();

	open_at(f, "wang", now, a, sha_a);
	open_at(f, "chen", now, b, sha_b);
	assert_int_equal(store_begin(f->st), STORE_OK);
	assert_int_equal(store_request_begin(f->st), STORE_OK);
	assert_int_equal(store_request_end(f->st, session_close(sha_a)),
	    STORE_OK);
	assert_int_equal(store_commit(f->st), STORE_OK);
	assert_false(found(f, a, now, "wang"));
	session_free();
	assert_int_equal(session_init(NULL, f->st, f->cf), 0);
	assert_int_equal(session_count(), 1);
	assert_false(found(f, a, now, "wang"));
	assert_true(found(f, b, now, "chen"));
}

static void
test_cookies_that_are_not_ids(void **state)
{
	struct fixture	*f = *state;
	char		 cookie[SESSION_COOKIE_LEN + 1], bad[80];
	unsigned char	 sha[SHA256_LEN];
	int64_t		 now = clock_now();

	open_at(f, "wang", now, cookie, sha);
	assert_false(found(f, "", now, "wang"));
	assert_false(found(f, "zz", now, "wang"));
	memset(bad, '0', SESSION_COOKIE_LEN);
	bad[SESSION_COOKIE_LEN] = '\0';
	assert_false(found(f, bad, now, "wang"));
	snprintf(bad, sizeof(bad), "%sa", cookie);
	assert_false(found(f, bad, now, "wang"));
	memcpy(bad, cookie, sizeof(cookie));
	bad[3] = bad[3] == 'a' ? 'b' : 'a';
	assert_false(found(f, bad, now, "wang"));
	/* The hash alone is no key. */
	digest_hex_encode(sha, SHA256_LEN, bad);
	assert_false(found(f, bad, now, "wang"));
	assert_true(found(f, cookie, now, "wang"));
}

static void
test_passwords(void **state)
{
	char	 h[PASSWORD_HASH_MAX], h2[PASSWORD_HASH_MAX];

	(void)state;
	assert_int_equal(password_hash("a long password", h, sizeof(h)), 0);
	assert_int_equal(password_hash("a long password", h2, sizeof(h2)), 0);
	assert_string_not_equal(h, h2);		/* salted */
	assert_true(strncmp(h, "$y$", 3) == 0);
	assert_true(password_hash_ok(h));
	assert_true(password_check("a long password", h));
	assert_true(password_check("a long password", h2));
	assert_false(password_check("a long passwore", h));
	assert_false(password_check("", h));
	assert_false(password_check("a long password", NULL));
	assert_false(password_hash_ok("dev-operator-wang"));
	assert_false(password_hash_ok("$1$abc$defdefdefdefdefdefdefd"));
	assert_false(password_hash_ok(""));
	assert_int_equal(password_hash("x", h, 10), -1);	/* no room */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_store_keeps_only_the_hash,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_idle_and_absolute_expiry,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload_revokes, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_close_and_reload_from_store, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cookies_that_are_not_ids,
		    setup, teardown),
		cmocka_unit_test(test_passwords),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
