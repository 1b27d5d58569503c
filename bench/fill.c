/*
 * fill: write N realistic synthetic calls over a date range into a store,
 * for demos and for the statistics benchmark. The calls are gen.c's (the
 * three lines at different loads, the caller mix, topics, risk, notes),
 * spread over the days with a day-and-night pattern, validated and stored
 * by the daemon's own code (call.c, route.c, store.c), so the rows, their
 * topics and their queue items are exactly what hotlined would write.
 * Then the follow-ups are marked claimed and done, with waits (all but a
 * tenth of the last week's: a backlog a hotline could have), and the
 * statistics rollups are built from it all.
 *
 * With -k K, the N calls (their topics, items and item history) are then
 * copied K - 1 times, each copy moved on by a number of whole days within
 * the range (wrapping round), so that N * K calls fill the same range at
 * K times the load, with the same mix, day and night: a store of ten
 * million calls in minutes rather than hours. The copies' personal
 * fields (notes, name, contact, the caller's hash) are erased, as
 * retention leaves old calls: 300 bytes a call rather than 1,600.
 *
 *   fill -c conf/dev.conf -d var/demo.db -n 100000 \
 *       [-f 2020-01-01 -t 2020-12-31] [-s SEED] [-k COPIES] [-x]
 *
 * -x: the store holds the N calls already (a store filled before): only
 * copy them and build the rollups again.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "gen.h"
#include "server.h"
#include "store_int.h"	/* store_handle(): the raw SQL that ages the rows */

#define FILL_BATCH	20000
#define FILL_OPERATORS	40

/* Calls per local hour of the day: evenings and nights are busiest. */
static const int fill_hours[24] = {
	6, 5, 4, 3, 2, 2, 2, 3, 4, 5, 6, 6, 6, 6, 6, 6, 7, 8, 9, 10, 11, 11,
	10, 8,
};

static void
usage(void)
{
	fprintf(stderr, "usage: fill -c conf -d db -n calls [-f YYYY-MM-DD] "
	    "[-t YYYY-MM-DD] [-s seed] [-k copies] [-x]\n");
	exit(64);
}

/* A start time in the day from day: an hour by the pattern. */
static int64_t
fill_when(struct gen *g, int64_t day)
{
	uint64_t r;
	int	 total = 0, h;

	for (h = 0; h < 24; h++)
		total += fill_hours[h];
	r = gen_next(g) % (uint64_t)total;
	for (h = 0; h < 23 && r >= (uint64_t)fill_hours[h]; h++)
		r -= (uint64_t)fill_hours[h];
	return day + h * 3600 + (int64_t)(gen_next(g) % 3600);
}

static int
fill_cmp(const void *a, const void *b)
{
	int64_t	 x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* One call: generated, validated as the API would, stored, routed. */
static void
fill_one(struct store *s, const struct config *cf, struct gen *g,
    int64_t when)
{
	static char		 body[GEN_NOTES_MAX * 2];
	struct rec		 r;
	struct call		 c;
	struct call_error	 e;
	struct route_item	 ri[2];
	struct queue_item	 it;
	char			 op[16];
	json_t			*j;
	size_t			 n, i;

	/* gen_record starts calls before "now"; now is the end of the call. */
	gen_record(g, &r, when + 6 * 3600);
	r.r_started = when;
	if (r.r_callback != 0)
		r.r_callback = when + 86400 * (1 + (int64_t)(gen_next(g) % 7));
	if (gen_json(&r, body, sizeof(body)) == -1 ||
	    (j = json_loads(body, 0, NULL)) == NULL)
		errx(1, "gen_json failed");
	call_init(&c);
	if (call_from_json(&c, j, cf, when, &e) == -1)
		errx(1, "a generated call is invalid: %s: %s", e.ce_field,
		    e.ce_msg);
	json_decref(j);
	snprintf(op, sizeof(op), "op%02d", (int)(gen_next(g) %
	    FILL_OPERATORS) + 1);
	c.c_operator = strdup(op);
	if (store_call_insert(s, &c, NULL, NULL) != STORE_OK)
		errx(1, "insert: %s", store_errmsg(s));
	/* The daemon stamps created_at with the clock; keep history real. */
	c.c_created_at = when + (c.c_duration_s > 0 ? c.c_duration_s : 0);
	n = route_call(cf, &c, ri);
	for (i = 0; i < n; i++) {
		memset(&it, 0, sizeof(it));
		it.qi_call_id = c.c_id;
		snprintf(it.qi_queue, sizeof(it.qi_queue), "%s",
		    cf->cf_queues.cl_v[ri[i].ri_queue].cn_code);
		snprintf(it.qi_kind, sizeof(it.qi_kind), "%s",
		    ri[i].ri_kind == ROUTE_REFERRAL ? "referral" : "callback");
		it.qi_priority = ri[i].ri_priority;
		it.qi_created_at = c.c_created_at;
		it.qi_due_at = ri[i].ri_kind == ROUTE_REFERRAL ?
		    c.c_created_at : ri[i].ri_due;
		if (store_item_insert(s, &it, op) != STORE_OK)
			errx(1, "queue item: %s", store_errmsg(s));
	}
	call_free(&c);
}

/* Calls' own times, and most follow-ups worked: claimed after a wait. */
static void
fill_finish(struct store *s, int64_t to)
{
	char	*msg = NULL;
	char	 sql[1024];
	int64_t	 now = (int64_t)time(NULL);

	snprintf(sql, sizeof(sql),
	    "UPDATE calls SET created_at = started_at + coalesce(duration_s, 0),"
	    " updated_at = started_at + coalesce(duration_s, 0);"
	    "UPDATE queue_items SET created_at = (SELECT created_at FROM calls"
	    " WHERE id = call_id), due_at = CASE kind WHEN 'referral' THEN"
	    " (SELECT created_at FROM calls WHERE id = call_id) ELSE due_at END;"
	    "UPDATE queue_items SET state = 'done',"
	    " first_claimed_at = due_at + abs(random() %% (priority * 1800)),"
	    " claimed_at = due_at + abs(random() %% (priority * 1800)),"
	    " claimed_by = 'counselor', completed_at = due_at + 7200,"
	    " completed_by = 'counselor', resolution = '已回访',"
	    " escalated_at = CASE WHEN abs(random() %% 20) = 0 THEN due_at +"
	    " 900 END, version = 3 WHERE due_at < %lld - 86400"
	    " AND (due_at < %lld - 7 * 86400 OR abs(random() %% 10) > 0);"
	    /*
	     * What a running daemon would have escalated long ago: by the
	     * end of the range, or by now when the range is past (a year of
	     * 2020 benchmarked today), so that no backlog of years-old
	     * escalations holds the first seconds of a benchmark's load.
	     */
	    "UPDATE queue_items SET escalated_at = due_at + 86400"
	    " WHERE state = 'waiting' AND escalated_at IS NULL"
	    " AND due_at < %lld - 3 * 86400;"
	    "DELETE FROM stats_hourly;", (long long)to, (long long)to,
	    (long long)(now > to ? now : to));
	if (sqlite3_exec(store_handle(s), sql, NULL, NULL, &msg) != SQLITE_OK)
		errx(1, "finishing: %s", msg);
}

/* Run sql (a format with one %lld, the copy) or stop. */
static void
fill_exec(struct store *s, const char *fmt, long long k)
{
	char	*sql, *msg = NULL;

	if (asprintf(&sql, fmt, k) == -1)
		err(1, "asprintf");
	if (sqlite3_exec(store_handle(s), sql, NULL, NULL, &msg) != SQLITE_OK)
		errx(1, "copying: %s", msg);
	free(sql);
}

/*
 * Copy k of the first n calls as the store holds them: each moved on by
 * k * 37 days, wrapping round in [from, to); ids after the originals'.
 */
static void
fill_copy(struct store *s, long k, long n, int64_t from, int64_t to)
{
	char	 sql[512];

	snprintf(sql, sizeof(sql), "DROP TABLE IF EXISTS temp.fill_shift;"
	    "CREATE TEMP TABLE fill_shift (id INTEGER PRIMARY KEY, sh, nid);"
	    "INSERT INTO fill_shift SELECT id, CASE WHEN started_at + %%1$lld"
	    " * 37 * 86400 %% %lld >= %lld THEN %%1$lld * 37 * 86400 %% %lld -"
	    " %lld ELSE %%1$lld * 37 * 86400 %% %lld END, id + %%1$lld * %ld"
	    " FROM calls WHERE id <= %ld;", (long long)(to - from),
	    (long long)to, (long long)(to - from), (long long)(to - from),
	    (long long)(to - from), n, n);
	fill_exec(s, sql, k);
	fill_exec(s, "INSERT INTO calls (id, line, started_at, duration_s,"
	    " operator, call_type, caller_type, gender, age_band, risk, outcome,"
	    " callback_at, notes, consent, caller_name, caller_contact,"
	    " caller_hash, assess_desire, assess_capability, assess_intent,"
	    " assess_buffers, emergency, repeat_calls, created_at, updated_at,"
	    " version, idem_key, fingerprint, personal_erased_at, legal_hold,"
	    " crisis) SELECT f.nid, line, started_at + sh, duration_s,"
	    " operator, call_type, caller_type, gender, age_band, risk, outcome,"
	    " callback_at + sh, NULL, consent, NULL, NULL,"
	    " NULL, assess_desire, assess_capability, assess_intent,"
	    " assess_buffers, emergency, repeat_calls, created_at + sh,"
	    " updated_at + sh, version, NULL, NULL, updated_at + sh + 86400,"
	    " legal_hold, crisis FROM calls c JOIN fill_shift f ON f.id = c.id"
	    " ORDER BY c.id;"
	    "INSERT INTO call_topics (call_id, pos, topic) SELECT f.nid, pos,"
	    " topic FROM call_topics t JOIN fill_shift f ON f.id = t.call_id;"
	    "CREATE TEMP TABLE fill_items AS SELECT q.id AS id, f.sh AS sh,"
	    " f.nid AS ncall FROM queue_items q JOIN fill_shift f"
	    " ON f.id = q.call_id;"
	    "INSERT INTO queue_items (call_id, queue, kind, priority, state,"
	    " due_at, created_at, claimed_by, claimed_at, lease_until,"
	    " completed_at, completed_by, resolution, escalated_at, version,"
	    " first_claimed_at, step, attempts) SELECT i.ncall, queue, kind,"
	    " priority, state, due_at + sh, created_at + sh, claimed_by,"
	    " claimed_at + sh, lease_until + sh, completed_at + sh,"
	    " completed_by, resolution, escalated_at + sh, version,"
	    " first_claimed_at + sh, step, attempts FROM queue_items q"
	    " JOIN fill_items i ON i.id = q.id ORDER BY q.id;"
	    "INSERT INTO queue_history (item_id, at, actor, action, detail)"
	    " SELECT n.id, h.at + i.sh, h.actor, h.action, h.detail"
	    " FROM queue_history h JOIN fill_items i ON i.id = h.item_id"
	    " JOIN queue_items q ON q.id = h.item_id"
	    " JOIN queue_items n ON n.call_id = i.ncall AND n.kind = q.kind;"
	    "DROP TABLE temp.fill_items;", k);
}

/* An index away while copying: its DROP and its CREATE, appended. */
struct fill_indexes {
	char	*fi_drop, *fi_create;
};

static void
fill_append(char **to, const char *a, const char *b, const char *c)
{
	size_t	 len = strlen(*to) + strlen(a) + strlen(b) + strlen(c) + 1;

	if ((*to = realloc(*to, len)) == NULL)
		err(1, "realloc");
	strcat(strcat(strcat(*to, a), b), c);
}

static int
fill_keep_index(void *arg, int ncol, char **v, char **names)
{
	struct fill_indexes	*fi = arg;

	(void)ncol;
	(void)names;
	fill_append(&fi->fi_drop, "DROP INDEX ", v[0], ";");
	fill_append(&fi->fi_create, "", v[1], ";");
	return 0;
}

/*
 * The copies, with the secondary indexes of the tables copied dropped
 * first and made again after: a sort, not millions of inserts at random
 * places. The schema is the same after.
 */
static void
fill_copies(struct store *s, long copies, long n, int64_t from, int64_t to)
{
	struct fill_indexes	 fi;
	char			*msg = NULL;
	long			 k;

	if ((fi.fi_drop = calloc(1, 1)) == NULL ||
	    (fi.fi_create = calloc(1, 1)) == NULL)
		err(1, "calloc");
	if (sqlite3_exec(store_handle(s), "SELECT name, sql FROM sqlite_master"
	    " WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN"
	    " ('calls', 'call_topics', 'queue_items', 'queue_history')",
	    fill_keep_index, &fi, &msg) != SQLITE_OK ||
	    sqlite3_exec(store_handle(s), fi.fi_drop, NULL, NULL, &msg) !=
	    SQLITE_OK)
		errx(1, "indexes: %s", msg);
	for (k = 1; k < copies; k++)
		fill_copy(s, k, n, from, to);
	if (sqlite3_exec(store_handle(s), fi.fi_create, NULL, NULL, &msg) !=
	    SQLITE_OK)
		errx(1, "indexes again: %s", msg);
	free(fi.fi_drop);
	free(fi.fi_create);
}

int
main(int argc, char *argv[])
{
	const char	*conf = NULL, *db = NULL, *fromd = "2020-01-01";
	const char	*tod = "2020-12-31";
	struct config	*cf;
	struct store	*s;
	struct gen	 g;
	char		*cause = NULL;
	int64_t		 from, to, unused, t0, t_calls, t_finish, t_rollups;
	int64_t		*when, d, days;
	long		 n = 0, i, j, k, copies = 1;
	int		 extend = 0;
	uint64_t	 seed = 2020;
	int		 ch;

	while ((ch = getopt(argc, argv, "c:d:n:f:t:s:k:x")) != -1) {
		switch (ch) {
		case 'c': conf = optarg; break;
		case 'd': db = optarg; break;
		case 'n': n = strtol(optarg, NULL, 10); break;
		case 'f': fromd = optarg; break;
		case 't': tod = optarg; break;
		case 's': seed = strtoull(optarg, NULL, 10); break;
		case 'k': copies = strtol(optarg, NULL, 10); break;
		case 'x': extend = 1; break;
		default: usage();
		}
	}
	if (conf == NULL || db == NULL || n <= 0 || copies < 1)
		usage();
	log_init(1, 0);
	if ((cf = config_load(conf, &cause)) == NULL)
		errx(78, "%s", cause);
	clock_set_timezone(cf->cf_timezone);
	if (clock_parse_date(fromd, &from, &unused) == -1 ||
	    clock_parse_date(tod, &unused, &to) == -1 || from >= to)
		errx(64, "bad range %s to %s", fromd, tod);
	if ((s = store_open(db, 5000, &cause)) == NULL)
		errx(1, "%s", cause);
	/*
	 * A bulk load, not the daemon's durability: a large page cache and
	 * no fsync (a crash leaves a store to fill again). The rows are the
	 * same.
	 */
	if (sqlite3_exec(store_handle(s), "PRAGMA synchronous = OFF;"
	    "PRAGMA cache_size = -1000000; PRAGMA temp_store = MEMORY;", NULL,
	    NULL, NULL) != SQLITE_OK)
		errx(1, "pragmas: %s", sqlite3_errmsg(store_handle(s)));
	gen_init(&g, seed);
	t0 = clock_mono_ms();
	/*
	 * Day by day, each day's share of the calls in the order of their
	 * start, as a hotline logs them: the ids follow time, as in a real
	 * store, and the index of starts grows at its end.
	 */
	days = (to - from) / 86400 > 0 ? (to - from) / 86400 : 1;
	if ((when = calloc((size_t)(n / days + 2), sizeof(*when))) == NULL)
		err(1, "calloc");
	if (extend)	/* the n calls are there: copy them */
		days = 0;
	for (d = 0, i = 0; d < days; d++) {
		k = n * (d + 1) / days - n * d / days;
		for (j = 0; j < k; j++)
			when[j] = fill_when(&g, from + d * 86400);
		qsort(when, (size_t)k, sizeof(*when), fill_cmp);
		for (j = 0; j < k; j++, i++) {
			if (i % FILL_BATCH == 0 && store_begin(s) != STORE_OK)
				errx(1, "begin: %s", store_errmsg(s));
			fill_one(s, cf, &g, when[j] < to ? when[j] : to - 1);
			if (((i + 1) % FILL_BATCH == 0 || i + 1 == n) &&
			    store_commit(s) != STORE_OK)
				errx(1, "commit: %s", store_errmsg(s));
		}
	}
	free(when);
	t_calls = clock_mono_ms();
	if (store_begin(s) != STORE_OK)
		errx(1, "begin: %s", store_errmsg(s));
	if (!extend)
		fill_finish(s, to);
	else if (sqlite3_exec(store_handle(s), "DELETE FROM stats_hourly",
	    NULL, NULL, NULL) != SQLITE_OK)
		errx(1, "rollups: %s", sqlite3_errmsg(store_handle(s)));
	if (copies > 1)
		fill_copies(s, copies, n, from, to);
	if (store_commit(s) != STORE_OK)
		errx(1, "commit: %s", store_errmsg(s));
	t_finish = clock_mono_ms();
	/* The rollups, as hotlined builds them for an upgraded store. */
	if (stats_rebuild(s, cf) != STORE_OK)
		errx(1, "rollups: %s", store_errmsg(s));
	t_rollups = clock_mono_ms();
	store_close(s);
	config_free(cf);
	fprintf(stderr, "fill: %ld calls from %s to %s in %s: calls %.1f s, "
	    "follow-ups and copies %.1f s, rollups %.1f s\n", n * copies,
	    fromd, tod, db,
	    (t_calls - t0) / 1e3, (t_finish - t_calls) / 1e3,
	    (t_rollups - t_finish) / 1e3);
	return 0;
}
