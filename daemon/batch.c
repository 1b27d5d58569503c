/*
 * The group commit. A job (a client's write, an audited read, the
 * daemon's own work) is queued; at the end of the loop turn the pump
 * takes the write lock without waiting (BEGIN IMMEDIATE, busy timeout 0),
 * runs every queued job in the one transaction (each job keeps its rows
 * in a savepoint of its own: store_request_begin/end), commits once and
 * only then lets out what the jobs asked to say after the commit, or
 * tells them it failed. While another process holds the lock the pump
 * retries on a timer, so the loop never blocks on it; a job that waited
 * longer than store.busy_timeout_ms fails.
 *
 * The commit does not wait for the disk: the store's sync thread
 * (store_sync.c) syncs the WAL while the loop goes on, and what a commit's
 * jobs asked to say waits, numbered, until the sync has passed that
 * commit (the sync event). So do the answers of reads made meanwhile
 * (batch_settled): they may show what is not yet on the disk.
 *
 * It also knows whether the store takes writes: a full disk or an I/O
 * error marks it unhealthy (said once in the log) until a write, or the
 * probe it then runs every second, succeeds again.
 */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "batch.h"

#define BATCH_RETRY_MS	10	/* pause between tries for a busy lock */
#define BATCH_HOLD_MS	2	/* ...and while a checkpoint catches up */
#define BATCH_PROBE_MS	1000	/* while writes fail: try one this often */
#define BATCH_HOOKS	4
#define BATCH_TIMED	64	/* unsynced commits whose start is kept */
#define BATCH_STALL_MS	10000	/* the log not synced this long: unwell */

/* What a job asked to run once its batch has committed, or failed. */
struct after {
	TAILQ_ENTRY(after)	 af_entry;
	uint64_t		 af_seq;	/* the commit it waits to sync */
	void			(*af_fn)(void *, int, const char *);
	void			*af_arg;
};

/* A job of the daemon's own (batch_task). */
struct task {
	struct batch_job	 t_job;		/* first: the job is the task */
	struct batch		*t_b;
	void			(*t_run)(void *);
	void			(*t_done)(void *, int);
	void			*t_arg;
};

struct commit_hook {
	void			(*ch_fn)(int, void *);
	void			*ch_arg;
};

struct batch {
	struct event_base	*b_base;
	struct store		*b_store;
	long			 b_busy_ms;
	struct event		*b_flush_ev;	/* end of turn: pump */
	struct event		*b_retry_ev;	/* lock busy: pump again */
	struct event		*b_probe_ev;	/* store failing: try it */
	struct event		*b_sync_ev;	/* the store synced the WAL */
	TAILQ_HEAD(, batch_job)	 b_jobs;
	size_t			 b_njobs;
	TAILQ_HEAD(, after)	 b_after;
	size_t			 b_nafter;
	TAILQ_HEAD(, after)	 b_unsynced;	/* committed, not yet synced */
	uint64_t		 b_synced;	/* commits on the disk */
	struct {
		uint64_t	 seq;
		int64_t		 t0;		/* clock_mono_usec() */
	}			 b_timed[BATCH_TIMED]; /* a ring */
	size_t			 b_timed_first;
	size_t			 b_ntimed;
	int64_t			 b_sync_wait;	/* commits unsynced, and no sync
						   ended, since (mono ms) */
	char			 b_stall_why[96];
	struct commit_hook	 b_hooks[BATCH_HOOKS];
	size_t			 b_nhooks;
	struct commit_hook	 b_shooks[BATCH_HOOKS];	/* on each sync */
	size_t			 b_nshooks;
	uint64_t		 b_ncommits;	/* batches committed */
	uint64_t		 b_nbatched;	/* answers in them */
	int			 b_store_bad;	/* the last write failed */
	int			 b_trouble;	/* a job of this batch failed
						   that way */
	char			 b_store_why[160]; /* why, for /healthz */
};

static void	batch_pump(struct batch *, int);

/* A write went through: the store is healthy. */
static void
batch_store_fine(struct batch *b)
{
	if (!b->b_store_bad)
		return;
	b->b_store_bad = 0;
	b->b_store_why[0] = '\0';
	evtimer_del(b->b_probe_ev);
	log_info("the store writes again");
}

/*
 * A write failed: say why in words a client and an operator understand,
 * and, for a full disk or an I/O error, mark the store unhealthy (logged
 * once) until a write succeeds again. Returns the words, NULL for any
 * other failure (a lock, a bug: nothing an operator must do).
 */
const char *
batch_trouble(struct batch *b)
{
	struct timeval	 tv = { BATCH_PROBE_MS / 1000,
			    BATCH_PROBE_MS % 1000 * 1000 };
	const char	*why;

	switch (store_fault(b->b_store)) {
	case STORE_FAULT_FULL:
		why = "the disk is full";
		break;
	case STORE_FAULT_IO:
		why = "the store's disk or file failed (I/O error)";
		break;
	default:
		return NULL;
	}
	if (!b->b_store_bad || strcmp(b->b_store_why, why) != 0)
		log_warnx("the store cannot write: %s (%s); writes are "
		    "answered 503, reads go on", why,
		    store_errmsg(b->b_store));
	b->b_store_bad = 1;
	b->b_trouble = 1;
	snprintf(b->b_store_why, sizeof(b->b_store_why), "%s", why);
	if (!evtimer_pending(b->b_probe_ev, NULL))
		evtimer_add(b->b_probe_ev, &tv);
	return why;
}

/*
 * While writes fail (a full disk, an I/O error), try a small write every
 * second, so the store is known to be healthy again as soon as space is
 * freed, even when no client writes meanwhile.
 */
static void
batch_probe_cb(evutil_socket_t fd, short events, void *arg)
{
	struct batch	*b = arg;
	struct timeval	 tv = { BATCH_PROBE_MS / 1000,
			    BATCH_PROBE_MS % 1000 * 1000 };
	int		 rc;

	(void)fd;
	(void)events;
	if (!b->b_store_bad)
		return;
	if ((rc = store_probe(b->b_store)) == STORE_OK)
		batch_store_fine(b);
	else {
		if (rc == STORE_ERR)
			batch_trouble(b);
		evtimer_add(b->b_probe_ev, &tv);
	}
}

/*
 * Whether the store takes writes: 1, or 0 with *why ("the disk is full")
 * for the status listener's /healthz. Answered from memory.
 */
int
batch_store_ok(struct batch *b, const char **why)
{
	if (batch_sync_stalled(b)) {
		snprintf(b->b_stall_why, sizeof(b->b_stall_why), "the disk "
		    "has not synced the log for %lld s: every answer waits "
		    "for it", (long long)(clock_mono_ms() - b->b_sync_wait) /
		    1000);
		if (why != NULL)
			*why = b->b_stall_why;
		return 0;
	}
	if (!b->b_store_bad)
		return 1;
	if (why != NULL)
		*why = b->b_store_why;
	return 0;
}

/*
 * Whether commits have waited BATCH_STALL_MS for the sync thread without
 * one sync ending (a disk that hangs): /healthz says so, and the loop
 * stops telling the service manager it is well.
 */
int
batch_sync_stalled(const struct batch *b)
{
	return b->b_sync_wait != 0 &&
	    clock_mono_ms() - b->b_sync_wait >= BATCH_STALL_MS;
}

/* The end of a loop turn that queued jobs, or a retry: run them. */
static void
batch_pump_cb(evutil_socket_t fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	batch_pump(arg, 1);
}

/* Run what waited for the commits up to synced, in their order. */
static void
batch_run_synced(struct batch *b, uint64_t synced)
{
	struct after	*af;
	int64_t		 now = clock_mono_usec();
	size_t		 i;

	b->b_synced = synced;
	b->b_sync_wait = synced >= store_sync_last(b->b_store) ? 0 :
	    clock_mono_ms();
	for (i = 0; i < b->b_nshooks; i++)
		b->b_shooks[i].ch_fn(1, b->b_shooks[i].ch_arg);
	/* Each commit's time to the disk: what its clients waited for. */
	while (b->b_ntimed > 0 &&
	    b->b_timed[i = b->b_timed_first].seq <= synced) {
		status_commit_time(now - b->b_timed[i].t0);
		b->b_timed_first = (i + 1) % BATCH_TIMED;
		b->b_ntimed--;
	}
	while ((af = TAILQ_FIRST(&b->b_unsynced)) != NULL &&
	    af->af_seq <= synced) {
		TAILQ_REMOVE(&b->b_unsynced, af, af_entry);
		af->af_fn(af->af_arg, 1, NULL);
		free(af);
	}
}

/*
 * The sync thread ended a sync. If it failed, what the disk holds of the
 * commits since the last good one is unknown (Linux may have dropped the
 * pages it could not write): nothing more can be promised, and the daemon
 * stops, without answering what waited; the next start checkpoints what
 * it reads into the database file before it answers, and clients retry
 * with their keys.
 */
static void
batch_sync_cb(evutil_socket_t fd, short events, void *arg)
{
	struct batch	*b = arg;
	uint64_t	 synced;
	int		 err;

	(void)fd;
	(void)events;
	synced = store_synced(b->b_store, &err);
	if (err != 0)
		fatalx("the store's WAL could not be synced to the disk (%s): "
		    "stopping, so that the next start recovers what the disk "
		    "holds; look at the disk", strerror(err));
	batch_run_synced(b, synced);
}

struct batch *
batch_new(struct event_base *base, struct store *store)
{
	struct batch	*b;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		return NULL;
	b->b_base = base;
	b->b_store = store;
	b->b_busy_ms = 1000;
	TAILQ_INIT(&b->b_jobs);
	TAILQ_INIT(&b->b_after);
	TAILQ_INIT(&b->b_unsynced);
	b->b_flush_ev = event_new(base, -1, 0, batch_pump_cb, b);
	b->b_retry_ev = evtimer_new(base, batch_pump_cb, b);
	b->b_probe_ev = evtimer_new(base, batch_probe_cb, b);
	if (b->b_flush_ev == NULL || b->b_retry_ev == NULL ||
	    b->b_probe_ev == NULL) {
		batch_free(b);
		return NULL;
	}
	return b;
}

/*
 * From now on the commits' fsync runs on the store's sync thread, and
 * what waits for a commit waits for it to reach the disk. If the thread
 * cannot start, SQLite syncs each commit itself, as before (said). A
 * program that wants neither (the request fuzzer) does not call this.
 */
void
batch_sync_start(struct batch *b)
{
	char	*cause = NULL;

	if (store_sync_start(b->b_store, &cause) == -1) {
		log_warnx("%s; each commit syncs the store on the loop", cause);
		free(cause);
		store_sync_stop(b->b_store);
		return;
	}
	if ((b->b_sync_ev = event_new(b->b_base, store_sync_fd(b->b_store),
	    EV_READ | EV_PERSIST, batch_sync_cb, b)) == NULL ||
	    event_add(b->b_sync_ev, NULL) == -1)
		fatalx("cannot watch the store's sync thread");
	b->b_synced = store_sync_last(b->b_store);
}

/* Run what can still run; what cannot (lock still busy) fails. */
void
batch_free(struct batch *b)
{
	if (b == NULL)
		return;
	batch_stop(b);
	if (b->b_ncommits > 0)
		log_info("%llu writes in %llu commits (%.1f per commit)",
		    (unsigned long long)b->b_nbatched,
		    (unsigned long long)b->b_ncommits,
		    (double)b->b_nbatched / (double)b->b_ncommits);
	if (b->b_flush_ev != NULL)
		event_free(b->b_flush_ev);
	if (b->b_retry_ev != NULL)
		event_free(b->b_retry_ev);
	if (b->b_probe_ev != NULL)
		event_free(b->b_probe_ev);
	if (b->b_sync_ev != NULL)
		event_free(b->b_sync_ev);
	free(b);
}

/* How long a job may wait for another process's lock (a reload sets it). */
void
batch_set_busy_ms(struct batch *b, long ms)
{
	b->b_busy_ms = ms;
}

static int
batch_hook_add(struct commit_hook *v, size_t *n, void (*fn)(int, void *),
    void *arg)
{
	if (*n == BATCH_HOOKS)
		return -1;
	v[*n].ch_fn = fn;
	v[*n].ch_arg = arg;
	(*n)++;
	return 0;
}

/*
 * fn(ok, arg) runs after every commit, before the answers go out: the
 * queue counts follow what was kept.
 */
int
batch_on_commit(struct batch *b, void (*fn)(int, void *), void *arg)
{
	return batch_hook_add(b->b_hooks, &b->b_nhooks, fn, arg);
}

/*
 * fn(1, arg) runs each time the sync thread has put commits on the disk:
 * the audit trail's syslog copies name only rows that are kept. Without
 * the thread, never (each commit is on the disk when it returns).
 */
int
batch_on_synced(struct batch *b, void (*fn)(int, void *), void *arg)
{
	return batch_hook_add(b->b_shooks, &b->b_nshooks, fn, arg);
}

/* Queue job for the pump, which runs at the end of this loop turn. */
void
batch_queue(struct batch *b, struct batch_job *job)
{
	job->bj_queued_ms = clock_mono_ms();
	TAILQ_INSERT_TAIL(&b->b_jobs, job, bj_entry);
	if (b->b_njobs++ == 0 && !evtimer_pending(b->b_retry_ev, NULL))
		event_active(b->b_flush_ev, 0, 0);
	status_writes_changed();
}

/* Jobs queued and not yet run, for the status listener. */
size_t
batch_waiting(const struct batch *b)
{
	return b->b_njobs;
}

/* Whether a transaction is open: a job is running in the pump. */
int
batch_open(const struct batch *b)
{
	return store_in_batch(b->b_store);
}

/*
 * Whether an answer may go out now: no transaction is open and every
 * commit is on the disk (what it read is kept, whatever happens next).
 */
int
batch_settled(const struct batch *b)
{
	return !store_in_batch(b->b_store) &&
	    b->b_synced >= store_sync_last(b->b_store);
}

/*
 * In a job: fn(arg, ok, why) once the batch has committed and is on the
 * disk (ok 1, why NULL) or has failed (ok 0, why in words). Outside one,
 * while commits are not yet synced: once they are. -1: out of memory, fn
 * not kept.
 */
int
batch_after(struct batch *b, void (*fn)(void *, int, const char *),
    void *arg)
{
	struct after	*af;

	if ((af = calloc(1, sizeof(*af))) == NULL)
		return -1;
	af->af_fn = fn;
	af->af_arg = arg;
	if (!store_in_batch(b->b_store) &&
	    (af->af_seq = store_sync_last(b->b_store)) > b->b_synced) {
		TAILQ_INSERT_TAIL(&b->b_unsynced, af, af_entry);
		return 0;
	}
	TAILQ_INSERT_TAIL(&b->b_after, af, af_entry);
	b->b_nafter++;
	return 0;
}

/* Commit the open batch, then run what waited for it. */
void
batch_commit(struct batch *b)
{
	struct after	*af;
	const char	*why = NULL;
	size_t		 n = b->b_nafter, i;
	uint64_t	 seq;
	int64_t		 t0 = clock_mono_usec();
	int		 ok;

	if (!store_in_batch(b->b_store) && n == 0)
		return;
	ok = store_commit(b->b_store) == STORE_OK;
	for (i = 0; i < b->b_nhooks; i++)
		b->b_hooks[i].ch_fn(ok, b->b_hooks[i].ch_arg);
	seq = store_sync_last(b->b_store);
	if (ok && seq > b->b_synced) {
		/* Timed when the sync thread has passed it. */
		if (b->b_ntimed == BATCH_TIMED) {
			status_commit_time(clock_mono_usec() -
			    b->b_timed[b->b_timed_first].t0);
			b->b_timed_first = (b->b_timed_first + 1) %
			    BATCH_TIMED;
			b->b_ntimed--;
		}
		i = (b->b_timed_first + b->b_ntimed++) % BATCH_TIMED;
		b->b_timed[i].seq = seq;
		b->b_timed[i].t0 = t0;
		if (b->b_sync_wait == 0)
			b->b_sync_wait = clock_mono_ms();
		status_commit(ok, -1, NULL);
	} else
		status_commit(ok, clock_mono_usec() - t0,
		    store_errmsg(b->b_store));
	if (ok) {
		b->b_ncommits++;
		b->b_nbatched += n;
		/* A commit whose writes all failed proves nothing. */
		if (!b->b_trouble)
			batch_store_fine(b);
	} else {
		log_warnx("commit of %zu writes failed: %s", n,
		    store_errmsg(b->b_store));
		if ((why = batch_trouble(b)) == NULL)
			why = "the store failed";
	}
	while ((af = TAILQ_FIRST(&b->b_after)) != NULL) {
		TAILQ_REMOVE(&b->b_after, af, af_entry);
		if (ok && seq > b->b_synced) {
			/* Said once the sync thread has passed this commit. */
			af->af_seq = seq;
			TAILQ_INSERT_TAIL(&b->b_unsynced, af, af_entry);
			continue;
		}
		af->af_fn(af->af_arg, ok, why);
		free(af);
	}
	b->b_nafter = 0;
}

/* Fail every queued job: the store cannot take them. */
static void
batch_fail_all(struct batch *b, const char *why)
{
	struct batch_job	*job;

	log_warnx("%zu writes refused: %s", b->b_njobs, why);
	status_store_failed(why);
	while ((job = TAILQ_FIRST(&b->b_jobs)) != NULL) {
		TAILQ_REMOVE(&b->b_jobs, job, bj_entry);
		job->bj_fail(job, why);
	}
	b->b_njobs = 0;
}

/*
 * Fail the queued jobs of owner (a listener a reload takes away): their
 * requests are about to be freed with its connections.
 */
void
batch_drop(struct batch *b, const void *owner, const char *why)
{
	struct batch_job	*job, *next;

	for (job = TAILQ_FIRST(&b->b_jobs); job != NULL; job = next) {
		next = TAILQ_NEXT(job, bj_entry);
		if (owner == NULL || job->bj_owner != owner)
			continue;
		TAILQ_REMOVE(&b->b_jobs, job, bj_entry);
		b->b_njobs--;
		job->bj_fail(job, why);
	}
	status_writes_changed();
}

/*
 * Run the queued jobs in one transaction and let out their answers after
 * the commit. The write lock is taken without waiting; while another
 * process holds it, try again shortly, up to store.busy_timeout_ms. With
 * may_hold, first let the checkpoint thread finish copying a large WAL
 * (store_wal_hold, a few milliseconds), so that this transaction starts
 * the WAL again from its beginning; a flush or a stop does not wait.
 */
static void
batch_pump(struct batch *b, int may_hold)
{
	struct timeval		 tv = { 0, BATCH_RETRY_MS * 1000 };
	struct timeval		 hold = { 0, BATCH_HOLD_MS * 1000 };
	struct batch_job	*job;
	const char		*trouble;
	char			 why[300];
	int			 rc;

	if (TAILQ_EMPTY(&b->b_jobs))
		return;
	if (may_hold && store_wal_hold(b->b_store)) {
		evtimer_add(b->b_retry_ev, &hold);
		return;
	}
	rc = store_begin(b->b_store);
	if (rc == STORE_BUSY) {
		job = TAILQ_FIRST(&b->b_jobs);
		if (clock_mono_ms() - job->bj_queued_ms < b->b_busy_ms) {
			evtimer_add(b->b_retry_ev, &tv);
			return;
		}
		batch_fail_all(b, "the database is locked by another "
		    "process");
		return;
	}
	if (rc != STORE_OK) {
		trouble = batch_trouble(b);
		snprintf(why, sizeof(why), "%s: %s", trouble != NULL ? trouble :
		    "the store cannot write", store_errmsg(b->b_store));
		batch_fail_all(b, why);
		return;
	}
	b->b_trouble = 0;
	while ((job = TAILQ_FIRST(&b->b_jobs)) != NULL) {
		TAILQ_REMOVE(&b->b_jobs, job, bj_entry);
		job->bj_run(job);
	}
	b->b_njobs = 0;
	batch_commit(b);
}

/* Wait for the disk, then say what waited for it. */
void
batch_settle(struct batch *b)
{
	if (TAILQ_EMPTY(&b->b_unsynced) && batch_settled(b))
		return;
	store_sync_wait(b->b_store);
	batch_sync_cb(-1, 0, b);
}

/*
 * Run the queued jobs now, and answer them once they are on the disk (a
 * reload may then free their listeners' requests, or a stop is coming).
 */
void
batch_flush(struct batch *b)
{
	batch_pump(b, 0);
	batch_settle(b);
}

/* The daemon is stopping: run what can run, fail the rest, commit. */
void
batch_stop(struct batch *b)
{
	batch_pump(b, 0);
	if (!TAILQ_EMPTY(&b->b_jobs))
		batch_fail_all(b, "hotlined stopped before the store could "
		    "take this write");
	batch_commit(b);
	batch_settle(b);
}

static void
batch_task_done(void *arg, int ok, const char *why)
{
	struct task	*t = arg;

	(void)why;
	t->t_done(t->t_arg, ok);
	free(t);
}

/* In the pump: the daemon's own work; its done hears of the commit. */
static void
batch_task_run(struct batch_job *job)
{
	struct task	*t = (struct task *)job;

	t->t_run(t->t_arg);
	if (batch_after(t->t_b, batch_task_done, t) == -1) {
		log_warnx("%s: out of memory", __func__);
		batch_task_done(t, 0, NULL);
	}
}

static void
batch_task_fail(struct batch_job *job, const char *why)
{
	batch_task_done(job, 0, why);
}

/*
 * Queue run(arg) to run in the next batch, inside its transaction, like a
 * client's write; done(arg, ok) is called once that batch has committed
 * (ok 1) or failed (0). -1: out of memory.
 */
int
batch_task(struct batch *b, void (*run)(void *), void (*done)(void *, int),
    void *arg)
{
	struct task	*t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return -1;
	t->t_b = b;
	t->t_run = run;
	t->t_done = done;
	t->t_arg = arg;
	t->t_job.bj_run = batch_task_run;
	t->t_job.bj_fail = batch_task_fail;
	batch_queue(b, &t->t_job);
	return 0;
}
