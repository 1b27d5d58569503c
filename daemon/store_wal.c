/*
 * Checkpoints off the write path. The writer's connection never
 * checkpoints (wal_autocheckpoint=0); a second connection on a thread of
 * its own copies the WAL into the database:
 *
 * - PASSIVE once the WAL holds wal_checkpoint_pages pages: it never
 *   takes a lock and never waits, so a commit never waits for it; it
 *   copies what no reader's snapshot still needs, and once all is copied
 *   the next writer starts the WAL again from its beginning;
 * - and, once the WAL holds half of wal_max_mb, the writer waits
 *   before its next transaction (store_wal_hold, at most WAL_HOLD_MS)
 *   until a passive checkpoint has copied every committed page: that
 *   transaction then reads the database alone and starts the WAL again
 *   from its beginning. Under a steady stream of commits the WAL is never
 *   all copied when the next one begins (it begins a few milliseconds
 *   after the last one ends, a checkpoint takes ten or twenty), so without
 *   this it would grow to wal_max_mb and a RESTART would hold the write
 *   lock while it copied what was left (60 to 130 ms at 64 writers);
 * - RESTART once the WAL holds wal_max_mb: it takes the write lock and
 *   waits (up to half the store's busy timeout) for the readers to let go, so
 *   the WAL cannot grow for ever behind a reader; the loop's writes retry
 *   meanwhile, as they do for another process's lock;
 * - TRUNCATE when no commit came for wal_idle_ms, and when asked
 *   (retention, so that erased text leaves the WAL): the file is cut to
 *   nothing. A reader holding a snapshot makes it busy: tried again later.
 *
 * The writer's WAL hook (on the loop's thread) notes each commit and
 * wakes the thread; the thread's results are read under the same mutex
 * (store_wal_info) by the status renderer.
 */
#include <sys/stat.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store_int.h"

#define WAL_TICK_MS		250	/* the thread looks at least this often */
#define WAL_TRUNCATE_WAIT_MS	20	/* readers, when idle or asked */
#define WAL_FRAME_HDR		24	/* bytes before each page in the WAL */
#define WAL_HOLD_MS		50	/* the writer waits for a checkpoint */
/*
 * From 1/WAL_HOLD_PART of the cap. Each wait lasts about a checkpoint
 * (12 ms median, 50 at most); at 64 writers a quarter of 64 MiB made
 * about five a second, 5.4 to 5.8 s of waiting in 70 to 80 s, and half
 * as many at half the cap (2.9 to 3.4 s), the RESTART as rare as before.
 */
#define WAL_HOLD_PART		2

struct store_wal {
	pthread_t		 w_thread;
	int			 w_started;	/* w_thread runs */
	pthread_mutex_t		 w_mu;
	pthread_cond_t		 w_cv;
	sqlite3			*w_db;		/* the thread's connection */
	char			*w_path;	/* the WAL file */
	struct store		*w_store;	/* the writer's */
	long			 w_page_size;
	/* Under w_mu. */
	int			 w_stop;
	uint64_t		 w_seq;		/* commits seen by the hook */
	uint64_t		 w_seq_done;	/* ...when the last one ran */
	int64_t			 w_frames;	/* in the WAL after the last */
	uint64_t		 w_gen;		/* times the WAL started again */
	int64_t			 w_copied;	/* frames of it all copied */
	int64_t			 w_hold_from;	/* the writer waits since */
	int			 w_hold_off;	/* waited in vain: not again
						   before the WAL starts again */
	int64_t			 w_commit_ms;	/* when (monotonic) */
	int			 w_dirty;	/* committed since a truncate */
	int			 w_asked;	/* a truncate was asked for */
	int			 w_locking;	/* RESTART/TRUNCATE under way */
	long			 w_pages;	/* settings (store_wal_set) */
	long			 w_max_pages;
	long			 w_hold_pages;	/* half of w_max_pages */
	long			 w_idle_ms;
	long			 w_busy_ms;
	struct store_wal_info	 w_info;
};

static int64_t
wal_mono_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The database's page size (4096 unless made otherwise). */
static long
store_wal_page_size(sqlite3 *db)
{
	sqlite3_stmt	*st;
	long		 n = 4096;

	if (sqlite3_prepare_v2(db, "PRAGMA page_size", -1, &st, NULL) !=
	    SQLITE_OK)
		return n;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) > 0)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* On the writer's thread, after each commit: note it, wake the thread. */
static int
store_wal_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
	struct store_wal	*w = arg;

	(void)db;
	(void)name;
	pthread_mutex_lock(&w->w_mu);
	w->w_seq++;
	if (frames < w->w_frames) {	/* the WAL started again */
		w->w_gen++;
		w->w_copied = 0;
		w->w_hold_off = 0;
	}
	w->w_frames = frames;
	w->w_commit_ms = wal_mono_ms();
	w->w_dirty = 1;
	w->w_info.wi_frames = frames;
	if (frames >= w->w_pages || frames >= w->w_max_pages)
		pthread_cond_signal(&w->w_cv);
	pthread_mutex_unlock(&w->w_mu);
	store_sync_note(w->w_store);
	return SQLITE_OK;
}

/*
 * Run one checkpoint of mode on the thread's connection, w_mu not held;
 * record it. 0: done, 1: busy (a reader, or the write lock), -1: failed.
 */
static int
store_wal_run(struct store_wal *w, int mode, long wait_ms)
{
	static const char *const names[] = { "passive", "full", "restart",
	    "truncate" };
	int64_t	 t0 = wal_mono_ms(), t1;
	uint64_t gen;
	int	 rc, log = 0, done = 0;

	pthread_mutex_lock(&w->w_mu);
	gen = w->w_gen;
	pthread_mutex_unlock(&w->w_mu);
	sqlite3_busy_timeout(w->w_db, (int)wait_ms);
	rc = sqlite3_wal_checkpoint_v2(w->w_db, NULL, mode, &log, &done);
	t1 = wal_mono_ms();
	pthread_mutex_lock(&w->w_mu);
	/* All of this WAL copied up to done: a writer may start it again. */
	if (rc == SQLITE_OK && log >= 0 && done == log && w->w_gen == gen &&
	    done > w->w_copied)
		w->w_copied = done;
	if (rc == SQLITE_OK || (rc & 0xff) == SQLITE_BUSY) {
		w->w_info.wi_checkpoints++;
		w->w_info.wi_last_at = (int64_t)time(NULL);
		w->w_info.wi_last_ms = t1 - t0;
		w->w_info.wi_last_pages = done > 0 ? done : 0;
		w->w_info.wi_last_busy = rc != SQLITE_OK;
		snprintf(w->w_info.wi_last_mode, sizeof(w->w_info.wi_last_mode),
		    "%s", names[mode]);
		if (rc != SQLITE_OK)
			w->w_info.wi_busy++;
		if (t1 - t0 > w->w_info.wi_max_ms)
			w->w_info.wi_max_ms = t1 - t0;
	} else {
		w->w_info.wi_failed++;
		snprintf(w->w_info.wi_error, sizeof(w->w_info.wi_error),
		    "%s", sqlite3_errmsg(w->w_db));
	}
	pthread_mutex_unlock(&w->w_mu);
	if (rc == SQLITE_OK)
		return 0;
	if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
		return 1;
	log_warnx("%s: %s checkpoint: %s", __func__, names[mode],
	    sqlite3_errmsg(w->w_db));
	return -1;
}

/*
 * A checkpoint that takes the write lock (RESTART, TRUNCATE): copy what
 * can be copied first without it, so the lock is held only for the rest.
 */
static int
store_wal_locking(struct store_wal *w, int mode, long wait_ms)
{
	int	 rc;

	if (store_wal_run(w, SQLITE_CHECKPOINT_PASSIVE, 0) == -1)
		return -1;
	pthread_mutex_lock(&w->w_mu);
	w->w_locking = 1;
	pthread_mutex_unlock(&w->w_mu);
	rc = store_wal_run(w, mode, wait_ms);
	pthread_mutex_lock(&w->w_mu);
	w->w_locking = 0;
	pthread_mutex_unlock(&w->w_mu);
	return rc;
}

/* What to do now, w_mu held: a checkpoint mode, or -1 and how long to wait. */
static int
store_wal_next(struct store_wal *w, int64_t now, long *wait_ms)
{
	int64_t	 idle = now - w->w_commit_ms;

	*wait_ms = WAL_TICK_MS;
	if (w->w_seq != w->w_seq_done && w->w_frames >= w->w_max_pages)
		return SQLITE_CHECKPOINT_RESTART;
	if (w->w_asked)
		return SQLITE_CHECKPOINT_TRUNCATE;
	if (w->w_dirty && idle >= w->w_idle_ms)
		return SQLITE_CHECKPOINT_TRUNCATE;
	/* The writer waits (store_wal_hold): copy what it waits for. */
	if (w->w_seq != w->w_seq_done && (w->w_frames >= w->w_pages ||
	    w->w_hold_from != 0))
		return SQLITE_CHECKPOINT_PASSIVE;
	if (w->w_dirty && w->w_idle_ms - idle < *wait_ms)
		*wait_ms = (long)(w->w_idle_ms - idle) + 1;
	return -1;
}

static void *
store_wal_main(void *arg)
{
	struct store_wal	*w = arg;
	struct timespec		 until;
	uint64_t		 seq;
	long			 wait_ms, busy_ms;
	int			 mode, rc, asked;

	pthread_mutex_lock(&w->w_mu);
	while (!w->w_stop) {
		if ((mode = store_wal_next(w, wal_mono_ms(), &wait_ms)) == -1) {
			clock_gettime(CLOCK_MONOTONIC, &until);
			until.tv_sec += wait_ms / 1000;
			until.tv_nsec += wait_ms % 1000 * 1000000;
			if (until.tv_nsec >= 1000000000) {
				until.tv_sec++;
				until.tv_nsec -= 1000000000;
			}
			pthread_cond_timedwait(&w->w_cv, &w->w_mu, &until);
			continue;
		}
		seq = w->w_seq;
		asked = w->w_asked;
		busy_ms = w->w_busy_ms;
		pthread_mutex_unlock(&w->w_mu);
		if (mode == SQLITE_CHECKPOINT_PASSIVE)
			rc = store_wal_run(w, mode, 0);
		else
			/* Writes wait meanwhile: never as long as they
			   would wait for another process's lock. */
			rc = store_wal_locking(w, mode, mode ==
			    SQLITE_CHECKPOINT_RESTART ? busy_ms / 2 :
			    WAL_TRUNCATE_WAIT_MS);
		pthread_mutex_lock(&w->w_mu);
		w->w_seq_done = seq;
		if (rc == 0 && mode == SQLITE_CHECKPOINT_TRUNCATE) {
			if (w->w_seq == seq)
				w->w_dirty = 0;
			if (asked)
				w->w_asked = 0;
			w->w_info.wi_frames = w->w_seq == seq ? 0 :
			    w->w_info.wi_frames;
		}
		if (rc != 0 && !w->w_stop) {
			/* Busy or failed: not again before a tick. */
			clock_gettime(CLOCK_MONOTONIC, &until);
			until.tv_nsec += WAL_TICK_MS * 1000000L;
			if (until.tv_nsec >= 1000000000) {
				until.tv_sec++;
				until.tv_nsec -= 1000000000;
			}
			while (!w->w_stop && pthread_cond_timedwait(&w->w_cv,
			    &w->w_mu, &until) == 0)
				;
		}
	}
	pthread_mutex_unlock(&w->w_mu);
	return NULL;
}

/*
 * Start the checkpoint thread for s, whose file is path; with the
 * writer's automatic checkpoints turned off. -1 with *cause.
 */
int
store_wal_start(struct store *s, const char *path, char **cause)
{
	struct store_wal	*w;
	pthread_condattr_t	 ca;
	sigset_t		 all, old;
	char			*p;
	int			 rc;

	if ((w = calloc(1, sizeof(*w))) == NULL ||
	    (w->w_path = strdup(s->s_wal_path)) == NULL) {
		free(w);
		asprintf(cause, "%s", strerror(errno));
		return -1;
	}
	w->w_pages = STORE_WAL_PAGES;
	w->w_max_pages = STORE_WAL_MAX_MB * 1024L * 1024 / (4096 +
	    WAL_FRAME_HDR);
	w->w_hold_pages = w->w_max_pages / WAL_HOLD_PART;
	w->w_idle_ms = STORE_WAL_IDLE_MS;
	w->w_busy_ms = s->s_busy_ms;
	w->w_page_size = 4096;
	w->w_store = s;
	pthread_mutex_init(&w->w_mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->w_cv, &ca);
	pthread_condattr_destroy(&ca);
	s->s_wal = w;
	if (sqlite3_open_v2(path, &w->w_db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		asprintf(cause, "%s: the checkpoint connection: %s", path,
		    w->w_db != NULL ? sqlite3_errmsg(w->w_db) :
		    "out of memory");
		return -1;
	}
	sqlite3_extended_result_codes(w->w_db, 1);
	/* A checkpoint syncs the database file before the WAL is reused. */
	if (store_pragma(w->w_db, "PRAGMA synchronous = FULL", NULL,
	    &p) == -1 ||
	    store_pragma(s->s_db, "PRAGMA wal_autocheckpoint = 0", NULL,
	    &p) == -1) {
		*cause = p;
		return -1;
	}
	w->w_page_size = store_wal_page_size(s->s_db);
	w->w_max_pages = STORE_WAL_MAX_MB * 1024L * 1024 / (w->w_page_size +
	    WAL_FRAME_HDR);
	w->w_hold_pages = w->w_max_pages / WAL_HOLD_PART;
	sqlite3_wal_hook(s->s_db, store_wal_hook, w);
	w->w_commit_ms = wal_mono_ms();
	w->w_dirty = 1;		/* a WAL left behind is cut when idle */
	/* Signals stay with the main thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&w->w_thread, NULL, store_wal_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		asprintf(cause, "the checkpoint thread: %s", strerror(rc));
		sqlite3_wal_hook(s->s_db, NULL, NULL);
		return -1;
	}
	w->w_started = 1;
	return 0;
}

/* Stop the thread and close its connection (before the writer's). */
void
store_wal_stop(struct store *s)
{
	struct store_wal	*w = s->s_wal;

	if (w == NULL)
		return;
	if (w->w_started) {
		pthread_mutex_lock(&w->w_mu);
		w->w_stop = 1;
		pthread_cond_signal(&w->w_cv);
		pthread_mutex_unlock(&w->w_mu);
		pthread_join(w->w_thread, NULL);
		sqlite3_wal_hook(s->s_db, NULL, NULL);
	}
	if (w->w_db != NULL && sqlite3_close(w->w_db) != SQLITE_OK)
		log_warnx("%s: sqlite3_close: %s", __func__,
		    sqlite3_errmsg(w->w_db));
	pthread_cond_destroy(&w->w_cv);
	pthread_mutex_destroy(&w->w_mu);
	free(w->w_path);
	free(w);
	s->s_wal = NULL;
}

/*
 * The thresholds: a PASSIVE checkpoint at pages pages of WAL, a RESTART
 * at max_mb, a TRUNCATE after idle_ms without a commit; RESTART waits for
 * readers up to half of busy_ms (the writes' own patience).
 */
void
store_wal_set(struct store *s, long pages, long max_mb, long idle_ms,
    long busy_ms)
{
	struct store_wal	*w = s->s_wal;

	if (w == NULL)
		return;
	pthread_mutex_lock(&w->w_mu);
	w->w_pages = pages;
	w->w_max_pages = (long)((int64_t)max_mb * 1024 * 1024 /
	    (w->w_page_size + WAL_FRAME_HDR));
	w->w_hold_pages = w->w_max_pages / WAL_HOLD_PART;
	w->w_idle_ms = idle_ms;
	w->w_busy_ms = busy_ms;
	pthread_cond_signal(&w->w_cv);
	pthread_mutex_unlock(&w->w_mu);
}

/* The WAL's size on disk and the thread's last checkpoint, copied. */
void
store_wal_info(struct store *s, struct store_wal_info *wi)
{
	struct store_wal	*w;
	struct stat		 sb;

	memset(wi, 0, sizeof(*wi));
	if (s == NULL || (w = s->s_wal) == NULL)
		return;
	pthread_mutex_lock(&w->w_mu);
	*wi = w->w_info;
	pthread_mutex_unlock(&w->w_mu);
	wi->wi_bytes = stat(w->w_path, &sb) == 0 ? (int64_t)sb.st_size : 0;
}

/*
 * Whether the writer should wait a moment before its next transaction
 * (the loop tries again shortly; it never blocks here): 1 while the WAL
 * holds half of wal_max_mb or more and a checkpoint has not yet
 * copied all of it, for at most WAL_HOLD_MS; then the transaction reads
 * the database alone and SQLite starts the WAL again from its beginning
 * at its first write. A wait in vain (the thread failed, or a reader's
 * snapshot held it back) is not repeated before the WAL starts again;
 * the RESTART at wal_max_mb remains for that.
 */
int
store_wal_hold(struct store *s)
{
	struct store_wal	*w = s->s_wal;
	int64_t			 now;
	int			 hold = 0;

	if (w == NULL)
		return 0;
	pthread_mutex_lock(&w->w_mu);
	if (w->w_frames < w->w_hold_pages || w->w_hold_off ||
	    w->w_copied >= w->w_frames)
		w->w_hold_from = 0;
	else if (w->w_hold_from == 0) {
		w->w_hold_from = wal_mono_ms();
		pthread_cond_signal(&w->w_cv);
		hold = 1;
	} else if ((now = wal_mono_ms()) - w->w_hold_from < WAL_HOLD_MS)
		hold = 1;
	else {
		w->w_hold_off = 1;
		w->w_hold_from = 0;
	}
	pthread_mutex_unlock(&w->w_mu);
	return hold;
}

/* Whether the thread holds or waits for the write lock right now. */
int
store_wal_locking_now(struct store *s)
{
	struct store_wal	*w = s->s_wal;
	int			 v;

	if (w == NULL)
		return 0;
	pthread_mutex_lock(&w->w_mu);
	v = w->w_locking;
	pthread_mutex_unlock(&w->w_mu);
	return v;
}

/*
 * Ask for the WAL to be copied into the database and cut to nothing, so
 * erased values do not linger in old WAL frames: the thread does it as
 * soon as no batch and no reader's snapshot is in the way.
 */
int
store_checkpoint(struct store *s)
{
	struct store_wal	*w = s->s_wal;

	if (w == NULL)
		return STORE_ERR;
	pthread_mutex_lock(&w->w_mu);
	w->w_asked = 1;
	pthread_cond_signal(&w->w_cv);
	pthread_mutex_unlock(&w->w_mu);
	return STORE_OK;
}
