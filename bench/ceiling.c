/*
 * ceiling: how fast this machine can store the calls at all, writing
 * exactly the rows hotlined writes for them. The calls are ingest's (gen.c,
 * the same seed, the same "now" with -T), validated (call_from_json) and
 * fingerprinted before the clock starts; then the daemon's own group
 * commit (batch.c) runs B of them per transaction, each job doing what the
 * pump does for POST /v1/calls (api_post_run in daemon/api_calls.c): the
 * Idempotency-Key looked up, then in a savepoint of its own the call and
 * its topics with the repeat-caller count (store_call_insert), its queue
 * items (queue_route), its follow-up plan and steps (plan_start) and its
 * statistics rollups (stats_rollup_add); one COMMIT with the commit hooks.
 * Same schema (store_open runs the daemon's migrations), same pragmas,
 * same checkpoints (store_wal.c), the same commits' fsync on the store's
 * sync thread (store_sync.c), the next batch running while it syncs the
 * last. No HTTP, no JSON in the timed loop: the daemon cannot beat it at
 * the same batch size.
 *
 * With -f the store starts as a copy of another (store_backup), the
 * daemon's as it is at that moment: inserting into large tables costs
 * more, and the comparison must be like for like.
 *
 *   ceiling -c hotlined.conf -d new.db [-f from.db] [-b batch] [-n calls]
 *       [-s seed] [-T now]
 */
#include <sys/queue.h>

#include <err.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "gen.h"
#include "server.h"

#define CEILING_OPERATOR	"wang"	/* ingest's token's operator */

/* One call, ready to store: a job of the group commit. */
struct cjob {
	struct batch_job	 j_job;		/* first: the job is the cjob */
	struct call		 j_call;
	char			 j_key[37];
	char			 j_fp[2 * SHA256_LEN + 1];
};

static struct store		*st;
static const struct config	*cf;

static __attribute__((noreturn)) void
usage(void)
{
	fprintf(stderr, "usage: ceiling -c conf -d new.db [-f from.db] "
	    "[-b batch] [-n calls] [-s seed] [-T now]\n");
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

/* In the pump: what api_post_run does with a new call. */
static void
ceiling_run(struct batch_job *job)
{
	struct cjob		*j = (struct cjob *)job;
	struct queue_item	 v[2 + PLAN_MAX_STEPS];
	struct call		 old;
	char			 stored[2 * SHA256_LEN + 1];
	size_t			 n = 0, k = 0, i;
	int			 rc;

	call_init(&old);
	rc = store_call_by_key(st, CEILING_OPERATOR, j->j_key, &old, stored,
	    sizeof(stored));
	call_free(&old);
	if (rc != STORE_NOTFOUND)
		errx(1, "key lookup: %s", rc == STORE_OK ? "a key repeated" :
		    store_errmsg(st));
	if ((rc = store_request_begin(st)) == STORE_OK) {
		rc = store_call_insert(st, &j->j_call, j->j_key, j->j_fp);
		if (rc == STORE_OK)
			rc = queue_route(&j->j_call, CEILING_OPERATOR, v, &n);
		if (rc == STORE_OK)
			rc = plan_start(st, cf, &j->j_call, CEILING_OPERATOR,
			    v + n, &k);
		n += k;
		if (rc == STORE_OK)
			rc = stats_rollup_add(st, cf, &j->j_call, v, n, 1);
		rc = store_request_end(st, rc);
	}
	for (i = 0; i < n; i++)
		store_item_free(&v[i]);
	if (rc != STORE_OK)
		errx(1, "storing a call: %s", store_errmsg(st));
	call_free(&j->j_call);
}

static void
ceiling_fail(struct batch_job *job, const char *why)
{
	(void)job;
	errx(1, "the batch failed: %s", why);
}

/* The same SHA-256 of the canonical body as api_fingerprint. */
static void
fingerprint(json_t *body, char *out)
{
	unsigned char	 sha[SHA256_LEN];
	char		*s;

	if ((s = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS)) == NULL ||
	    digest_sha256(s, strlen(s), sha) == -1)
		errx(1, "fingerprint");
	free(s);
	digest_hex_encode(sha, sizeof(sha), out);
}

/* ingest's i-th call, as the daemon would have it before storing it. */
static void
prepare(struct cjob *j, struct gen *g, struct gen *keys, int64_t now)
{
	static char		 body[GEN_NOTES_MAX * 2];
	struct call_error	 e;
	struct rec		 r;
	json_t			*o;

	gen_record(g, &r, now);
	gen_uuid(keys, j->j_key);
	if (gen_json(&r, body, sizeof(body)) == -1 ||
	    (o = json_loads(body, 0, NULL)) == NULL)
		errx(1, "gen_json failed");
	fingerprint(o, j->j_fp);
	call_init(&j->j_call);
	if (call_from_json(&j->j_call, o, cf, clock_now(), &e) == -1)
		errx(1, "a generated call is invalid: %s: %s", e.ce_field,
		    e.ce_msg);
	json_decref(o);
	if ((j->j_call.c_operator = strdup(CEILING_OPERATOR)) == NULL)
		err(1, NULL);
	j->j_job.bj_run = ceiling_run;
	j->j_job.bj_fail = ceiling_fail;
}

int
main(int argc, char *argv[])
{
	struct event_base	*base;
	struct batch		*b;
	struct cjob		*jobs;
	struct config		*conf;
	struct gen		 g, keys;
	struct timespec		 t0, t1;
	const char		*path = NULL, *from = NULL, *cpath = NULL;
	char			*cause = NULL;
	uint64_t		 seed = 1;
	int64_t			 now = 0;
	long			 rows = 10000, batch = 1, i;
	double			 s;
	int			 ch;

	while ((ch = getopt(argc, argv, "b:c:d:f:n:s:T:")) != -1) {
		switch (ch) {
		case 'b':
			batch = number(optarg, 1, 1000000, "batch");
			break;
		case 'c':
			cpath = optarg;
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
		case 'T':
			now = number(optarg, 1, LONG_MAX, "now");
			break;
		default:
			usage();
		}
	}
	if (optind != argc || path == NULL || cpath == NULL)
		usage();
	log_init(1, 0);
	if ((conf = config_load(cpath, &cause)) == NULL)
		errx(78, "%s", cause);
	cf = conf;
	clock_set_timezone(cf->cf_timezone);
	if (access(path, F_OK) == 0)
		errx(1, "%s exists: ceiling wants a new store", path);
	if (from != NULL && store_backup(from, path, &cause) == -1)
		errx(1, "copying %s: %s", from, cause);
	if ((st = store_open(path, 5000, &cause)) == NULL)
		errx(1, "%s", cause);
	if ((base = event_base_new()) == NULL ||
	    (b = batch_new(base, st)) == NULL ||
	    queue_init(base, b, st, cf) == -1)
		errx(1, "out of memory");
	batch_sync_start(b);		/* as the daemon commits */
	store_wal_set(st, cf->cf_wal_pages, cf->cf_wal_max_mb,
	    cf->cf_wal_idle_ms, cf->cf_busy_ms);

	/* The same calls as ingest -s seed; keys of their own. */
	gen_init(&g, seed);
	gen_seed(&keys, seed ^ 0x5bd1e995);
	if ((jobs = calloc((size_t)rows, sizeof(*jobs))) == NULL)
		err(1, NULL);
	for (i = 0; i < rows; i++)
		prepare(&jobs[i], &g, &keys, now != 0 ? now :
		    (int64_t)time(NULL));

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < rows; i++) {
		batch_queue(b, &jobs[i].j_job);
		if ((i + 1) % batch != 0 && i + 1 != rows)
			continue;
		/*
		 * The pump runs at the end of the loop's turn, as in the
		 * daemon, while the sync thread syncs the last commit; if
		 * the lock was busy (the checkpoint thread restarting the
		 * WAL), it tries again on its timer.
		 */
		while (batch_waiting(b) > 0)
			event_base_loop(base, EVLOOP_ONCE);
	}
	batch_flush(b);			/* the last commit on the disk */
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("batch=%ld rows=%ld elapsed_s=%.3f rate=%.1f\n", batch, rows, s,
	    rows / s);
	batch_free(b);
	queue_free();
	store_close(st);
	event_base_free(base);
	free(jobs);
	config_free(conf);
	return 0;
}
