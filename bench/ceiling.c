/*
 * ceiling: how fast this machine can store the calls at all. The same
 * rows ingest sends, inserted by a plain loop into a new database with the
 * daemon's schema and pragmas (WAL, synchronous=FULL, foreign keys),
 * committing every B rows. No HTTP, no JSON, no validation: the daemon
 * cannot beat this at the same batch size.
 *
 * With -f the new database starts as a copy of another, the daemon's
 * store as it is at that moment: inserts into a table of 100 000 rows cost
 * more than into an empty one, and the comparison must be like for like.
 *
 * With -x the loop also runs the statements the daemon adds per request
 * (a savepoint, the Idempotency-Key lookup, the repeat-caller count), to
 * tell the cost of SQLite from the cost of everything else.
 */
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "gen.h"

/* Copied from daemon/store.c, migration 1: keep the two the same. */
static const char schema[] =
	"CREATE TABLE calls ("
	"  id             INTEGER PRIMARY KEY,"
	"  line           TEXT NOT NULL,"
	"  started_at     INTEGER NOT NULL,"
	"  duration_s     INTEGER,"
	"  operator       TEXT NOT NULL,"
	"  call_type      TEXT NOT NULL,"
	"  caller_type    TEXT NOT NULL,"
	"  gender         TEXT,"
	"  age_band       TEXT,"
	"  risk           TEXT NOT NULL,"
	"  outcome        TEXT,"
	"  callback_at    INTEGER,"
	"  notes          TEXT,"
	"  consent        INTEGER NOT NULL DEFAULT 0,"
	"  caller_name    TEXT,"
	"  caller_contact TEXT,"
	"  caller_hash    TEXT,"
	"  assess_desire     TEXT,"
	"  assess_capability TEXT,"
	"  assess_intent     TEXT,"
	"  assess_buffers    TEXT,"
	"  emergency      INTEGER NOT NULL DEFAULT 0,"
	"  repeat_calls   INTEGER NOT NULL DEFAULT 0,"
	"  created_at     INTEGER NOT NULL,"
	"  updated_at     INTEGER NOT NULL,"
	"  version        INTEGER NOT NULL DEFAULT 1,"
	"  idem_key       TEXT,"
	"  fingerprint    TEXT,"
	"  UNIQUE (operator, idem_key)"
	");"
	"CREATE INDEX calls_started ON calls (started_at, id);"
	"CREATE INDEX calls_operator ON calls (operator, started_at, id);"
	"CREATE INDEX calls_caller_hash ON calls (caller_hash)"
	"  WHERE caller_hash IS NOT NULL;"
	"CREATE TABLE call_topics ("
	"  call_id  INTEGER NOT NULL REFERENCES calls (id),"
	"  pos      INTEGER NOT NULL,"
	"  topic    TEXT NOT NULL,"
	"  PRIMARY KEY (call_id, pos),"
	"  UNIQUE (call_id, topic)"
	") WITHOUT ROWID;"
	"CREATE INDEX call_topics_topic ON call_topics (topic, call_id);"
	"CREATE TABLE call_history ("
	"  id          INTEGER PRIMARY KEY,"
	"  call_id     INTEGER NOT NULL REFERENCES calls (id),"
	"  version     INTEGER NOT NULL,"
	"  amended_at  INTEGER NOT NULL,"
	"  amended_by  TEXT NOT NULL,"
	"  changes     TEXT NOT NULL,"
	"  UNIQUE (call_id, version)"
	");"
	"PRAGMA user_version = 1;";

enum { S_BEGIN, S_COMMIT, S_CALL, S_TOPIC, S_SAVE, S_RELEASE, S_BYKEY,
    S_REPEAT, S_MAX };

static const char *const sql[S_MAX] = {
	[S_BEGIN] = "BEGIN IMMEDIATE",
	[S_COMMIT] = "COMMIT",
	[S_CALL] = "INSERT INTO calls (line, started_at, duration_s,"
	    " operator, call_type, caller_type, gender, age_band, risk,"
	    " outcome, callback_at, notes, consent, caller_name,"
	    " caller_contact, caller_hash, assess_desire, assess_capability,"
	    " assess_intent, assess_buffers, emergency, repeat_calls,"
	    " created_at, updated_at, version, idem_key, fingerprint)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
	    " ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?23, 1, ?24,"
	    " ?25)",
	[S_TOPIC] = "INSERT INTO call_topics (call_id, pos, topic)"
	    " VALUES (?1, ?2, ?3)",
	[S_SAVE] = "SAVEPOINT request",
	[S_RELEASE] = "RELEASE request",
	[S_BYKEY] = "SELECT id, fingerprint FROM calls"
	    " WHERE operator = ?1 AND idem_key = ?2",
	[S_REPEAT] = "SELECT count(*) FROM calls WHERE caller_hash = ?1"
	    " AND (?2 = 0 OR id < ?2)",
};

static sqlite3		*db;
static sqlite3_stmt	*st[S_MAX];

static __attribute__((noreturn)) void
usage(void)
{
	fprintf(stderr, "usage: ceiling [-x] [-b batch] [-f from.db] [-n rows] "
	    "[-s seed] -d new.db\n");
	exit(1);
}

static long
number(const char *s, long lo, long hi, const char *what)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || v < lo || v > hi)
		errx(1, "%s must be %ld to %ld: %s", what, lo, hi, s);
	return v;
}

static void
dbfail(const char *what)
{
	errx(1, "%s: %s", what, sqlite3_errmsg(db));
}

/* Step a statement that returns no rows. */
static void
run(int which)
{
	if (sqlite3_step(st[which]) != SQLITE_DONE)
		dbfail(sql[which]);
	sqlite3_reset(st[which]);
	sqlite3_clear_bindings(st[which]);
}

static void
bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v == NULL)
		sqlite3_bind_null(s, i);
	else
		sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
}

/* 64 hex digits: the size of the daemon's HMAC and fingerprint. */
static void
hex64(struct gen *g, char *buf)
{
	int	 i;

	for (i = 0; i < 4; i++)
		snprintf(buf + 16 * i, 17, "%016llx",
		    (unsigned long long)gen_next(g));
}

/* Copy from (schema and rows) into the new database. */
static void
copy_db(const char *from)
{
	sqlite3		*src;
	sqlite3_backup	*bk;

	if (sqlite3_open_v2(from, &src, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK)
		errx(1, "%s: %s", from, sqlite3_errmsg(src));
	if ((bk = sqlite3_backup_init(db, "main", src, "main")) == NULL)
		dbfail("backup");
	if (sqlite3_backup_step(bk, -1) != SQLITE_DONE)
		errx(1, "copying %s: %s", from, sqlite3_errmsg(db));
	sqlite3_backup_finish(bk);
	sqlite3_close(src);
}

static void
open_db(const char *path, const char *from)
{
	char	*msg = NULL;
	int	 i;

	if (access(path, F_OK) == 0)
		errx(1, "%s exists: ceiling wants a new database", path);
	if (sqlite3_open(path, &db) != SQLITE_OK)
		dbfail(path);
	/* The daemon's pragmas (store_open in daemon/store.c). */
	if (sqlite3_exec(db, "PRAGMA journal_mode = WAL;"
	    "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;", NULL,
	    NULL, &msg) != SQLITE_OK)
		errx(1, "%s: %s", path, msg);
	if (from != NULL)
		copy_db(from);
	else if (sqlite3_exec(db, "BEGIN", NULL, NULL, &msg) != SQLITE_OK ||
	    sqlite3_exec(db, schema, NULL, NULL, &msg) != SQLITE_OK ||
	    sqlite3_exec(db, "COMMIT", NULL, NULL, &msg) != SQLITE_OK)
		errx(1, "%s: %s", path, msg);
	for (i = 0; i < S_MAX; i++)
		if (sqlite3_prepare_v3(db, sql[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &st[i], NULL) != SQLITE_OK)
			dbfail(sql[i]);
}

/* What the daemon's pump adds around each insert (with -x). */
static int64_t
daemon_extras(const char *key, const char *hash)
{
	int64_t	 repeat = 0;

	run(S_SAVE);
	bind_text(st[S_BYKEY], 1, "wang");
	bind_text(st[S_BYKEY], 2, key);
	if (sqlite3_step(st[S_BYKEY]) == SQLITE_ERROR)
		dbfail(sql[S_BYKEY]);
	sqlite3_reset(st[S_BYKEY]);
	if (hash != NULL) {
		bind_text(st[S_REPEAT], 1, hash);
		sqlite3_bind_int64(st[S_REPEAT], 2, 0);
		if (sqlite3_step(st[S_REPEAT]) != SQLITE_ROW)
			dbfail(sql[S_REPEAT]);
		repeat = sqlite3_column_int64(st[S_REPEAT], 0);
		sqlite3_reset(st[S_REPEAT]);
	}
	return repeat;
}

static void
insert(struct gen *g, struct gen *keys, int extras)
{
	sqlite3_stmt	*s = st[S_CALL];
	struct gen	 hg;
	struct rec	 r;
	char		 key[37], fp[65], hash[65];
	int64_t		 now = (int64_t)time(NULL), id, repeat = 0;
	int		 i;

	gen_record(g, &r, now);
	gen_uuid(keys, key);
	hex64(keys, fp);
	/* The same number, the same hash: repeat callers are found. */
	gen_seed(&hg, (uint64_t)strtoll(r.r_number, NULL, 10));
	hex64(&hg, hash);
	if (extras)
		repeat = daemon_extras(key, r.r_number[0] ? hash : NULL);
	bind_text(s, 1, r.r_line);
	sqlite3_bind_int64(s, 2, r.r_started);
	sqlite3_bind_int64(s, 3, r.r_duration);
	bind_text(s, 4, "wang");
	bind_text(s, 5, r.r_call_type);
	bind_text(s, 6, r.r_caller_type);
	bind_text(s, 7, r.r_gender);
	bind_text(s, 8, r.r_age_band);
	bind_text(s, 9, r.r_risk);
	bind_text(s, 10, r.r_outcome);
	if (r.r_callback != 0)
		sqlite3_bind_int64(s, 11, r.r_callback);
	bind_text(s, 12, r.r_notes);
	sqlite3_bind_int(s, 13, r.r_consent);
	bind_text(s, 14, r.r_name);
	bind_text(s, 15, r.r_contact);
	bind_text(s, 16, r.r_number[0] ? hash : NULL);
	for (i = 0; i < 4; i++)
		bind_text(s, 17 + i, r.r_assess[i]);
	sqlite3_bind_int(s, 21, r.r_emergency);
	sqlite3_bind_int64(s, 22, repeat);
	sqlite3_bind_int64(s, 23, now);
	bind_text(s, 24, key);
	bind_text(s, 25, fp);
	run(S_CALL);
	id = sqlite3_last_insert_rowid(db);
	for (i = 0; i < r.r_ntopics; i++) {
		sqlite3_bind_int64(st[S_TOPIC], 1, id);
		sqlite3_bind_int(st[S_TOPIC], 2, i);
		bind_text(st[S_TOPIC], 3, r.r_topics[i]);
		run(S_TOPIC);
	}
	if (extras)
		run(S_RELEASE);
}

int
main(int argc, char *argv[])
{
	struct gen	 g, keys;
	struct timespec	 t0, t1;
	const char	*path = NULL, *from = NULL;
	uint64_t	 seed = 1;
	long		 rows = 10000, batch = 1, i;
	double		 s;
	int		 ch, extras = 0;

	while ((ch = getopt(argc, argv, "b:d:f:n:s:x")) != -1) {
		switch (ch) {
		case 'b':
			batch = number(optarg, 1, 1000000, "batch");
			break;
		case 'd':
			path = optarg;
			break;
		case 'f':
			from = optarg;
			break;
		case 'n':
			rows = number(optarg, 1, 100000000, "rows");
			break;
		case 's':
			seed = (uint64_t)number(optarg, 0, LONG_MAX, "seed");
			break;
		case 'x':
			extras = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || path == NULL)
		usage();
	gen_init(&g, seed);
	gen_seed(&keys, seed ^ 0x5bd1e995);
	open_db(path, from);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < rows; i++) {
		if (i % batch == 0)
			run(S_BEGIN);
		insert(&g, &keys, extras);
		if ((i + 1) % batch == 0 || i + 1 == rows)
			run(S_COMMIT);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("batch=%ld rows=%ld extras=%d elapsed_s=%.3f rate=%.1f\n",
	    batch, rows, extras, s, rows / s);
	if (sqlite3_close_v2(db) != SQLITE_OK)
		dbfail("close");
	return 0;
}
