/*
 * The commit's fsync, on a thread of its own. The writer's connection
 * runs with synchronous=NORMAL: COMMIT writes the batch's pages into the
 * WAL and returns without syncing it, and the loop goes on (reading the
 * next requests, running the next batch) while this thread syncs the
 * WAL (fdatasync) for every commit made so far. Nothing is answered
 * before that: the batch holds each commit's answers, and the answers of
 * reads made since, until store_synced() reaches its number, so what a
 * client is told was kept is on the disk, as with synchronous=FULL. One
 * sync covers every commit made before it began: a slow disk makes the
 * groups larger, not the loop slower.
 *
 * The WAL is never deleted while the daemon's connections are open; it is
 * opened here by the name SQLite gives it, at the start, and opened again
 * if its inode changed (closing a descriptor drops the process's POSIX
 * locks on that file, and SQLite locks the database and its -shm, never
 * the WAL, so this descriptor may come and go).
 * Checkpoints (store_wal.c) sync the WAL themselves before they copy it.
 *
 * The loop hears of each finished sync through an eventfd. A failed sync
 * leaves the commits' durability unknown (Linux may drop the dirty pages
 * after reporting the error): store_synced() says so and the daemon stops.
 * The start (store_sync_start) checkpoints the log into the database file
 * and syncs the rest before anything is answered.
 *
 * The batch starts the thread (store_sync_start); a program that commits
 * without it (a tool, the start-up's migrations) keeps synchronous=FULL.
 */
#include <sys/eventfd.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store_int.h"

struct store_sync {
	pthread_t		 y_thread;
	int			 y_started;
	pthread_mutex_t		 y_mu;
	pthread_cond_t		 y_cv;		/* to the thread: commits */
	pthread_cond_t		 y_donecv;	/* from it: a sync ended */
	char			*y_path;	/* the WAL's */
	int			 y_fd;		/* the WAL, or -1 */
	int			 y_efd;		/* eventfd: a sync ended */
	uint64_t		 y_asked;	/* the last commit */
	uint64_t		 y_done;	/* every commit to here synced */
	int			 y_errno;	/* a sync failed: why */
	int			 y_stop;
};

/* The WAL, opened (again, if it is another file now); -1 with errno. */
static int
store_sync_open(struct store_sync *y)
{
	struct stat	 a, b;

	if (y->y_fd != -1 && (stat(y->y_path, &a) == -1 ||
	    fstat(y->y_fd, &b) == -1 || a.st_ino != b.st_ino ||
	    a.st_dev != b.st_dev)) {
		/* A new WAL: the old one's pages are in the database. */
		close(y->y_fd);
		y->y_fd = -1;
	}
	if (y->y_fd == -1)
		y->y_fd = open(y->y_path, O_RDWR | O_CLOEXEC);
	return y->y_fd;
}

static void *
store_sync_main(void *arg)
{
	struct store_sync	*y = arg;
	uint64_t		 upto, one = 1;
	int			 err;

	pthread_mutex_lock(&y->y_mu);
	for (;;) {
		while (!y->y_stop && y->y_asked == y->y_done)
			pthread_cond_wait(&y->y_cv, &y->y_mu);
		if (y->y_asked == y->y_done)
			break;
		upto = y->y_asked;
		pthread_mutex_unlock(&y->y_mu);
		err = 0;
		if (store_sync_open(y) == -1 || fdatasync(y->y_fd) == -1)
			err = errno;
		pthread_mutex_lock(&y->y_mu);
		if (err != 0 && y->y_errno == 0)
			y->y_errno = err;
		if (y->y_errno == 0)
			y->y_done = upto;
		pthread_cond_broadcast(&y->y_donecv);
		if (write(y->y_efd, &one, sizeof(one)) == -1) {
			/* The counter is full: the loop is reading it. */
		}
		if (y->y_errno != 0) {
			/* Nothing more is synced: the daemon stops. */
			while (!y->y_stop)
				pthread_cond_wait(&y->y_cv, &y->y_mu);
			break;
		}
	}
	pthread_mutex_unlock(&y->y_mu);
	return NULL;
}

/*
 * Start the thread, and from then on let the writer commit without
 * syncing. -1 with *cause: the writer keeps synchronous=FULL then.
 */
int
store_sync_start(struct store *s, char **cause)
{
	struct store_sync	*y;
	sigset_t		 all, old;
	char			*p = NULL;
	int			 rc;

	/*
	 * What reached only the page cache before a crash (or a failed sync)
	 * is read back as if it were kept: copy the log into the database
	 * file, which this checkpoint syncs (the writer is still FULL), and
	 * sync what stays in the log, before anything is answered.
	 */
	(void)sqlite3_wal_checkpoint_v2(s->s_db, "main",
	    SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	if ((y = calloc(1, sizeof(*y))) == NULL ||
	    (y->y_path = strdup(s->s_wal_path)) == NULL) {
		free(y);
		asprintf(cause, "the sync thread: out of memory");
		return -1;
	}
	y->y_efd = -1;
	if ((y->y_fd = open(y->y_path, O_RDWR | O_CLOEXEC)) == -1 ||
	    fdatasync(y->y_fd) == -1 ||
	    (y->y_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) == -1) {
		asprintf(cause, "the sync thread: %s: %s", y->y_path,
		    strerror(errno));
		if (y->y_fd != -1)
			close(y->y_fd);
		free(y->y_path);
		free(y);
		return -1;
	}
	pthread_mutex_init(&y->y_mu, NULL);
	pthread_cond_init(&y->y_cv, NULL);
	pthread_cond_init(&y->y_donecv, NULL);
	s->s_sync = y;
	/* Signals stay with the main thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&y->y_thread, NULL, store_sync_main, y);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		asprintf(cause, "the sync thread: %s", strerror(rc));
		return -1;
	}
	y->y_started = 1;
	if (store_pragma(s->s_db, "PRAGMA synchronous = NORMAL", NULL,
	    &p) == -1) {
		*cause = p;
		return -1;
	}
	return 0;
}

/* Sync what is left, stop the thread (the writer is done with the WAL). */
void
store_sync_stop(struct store *s)
{
	struct store_sync	*y = s->s_sync;

	if (y == NULL)
		return;
	if (y->y_started) {
		pthread_mutex_lock(&y->y_mu);
		y->y_stop = 1;
		pthread_cond_signal(&y->y_cv);
		pthread_mutex_unlock(&y->y_mu);
		pthread_join(y->y_thread, NULL);
	}
	if (y->y_fd != -1)
		close(y->y_fd);
	close(y->y_efd);
	pthread_cond_destroy(&y->y_cv);
	pthread_cond_destroy(&y->y_donecv);
	pthread_mutex_destroy(&y->y_mu);
	free(y->y_path);
	free(y);
	s->s_sync = NULL;
}

/*
 * From the WAL hook, after each commit on the writer's connection (the
 * batch's, and any other): one more commit to sync.
 */
void
store_sync_note(struct store *s)
{
	struct store_sync	*y = s->s_sync;

	if (y == NULL)
		return;
	pthread_mutex_lock(&y->y_mu);
	y->y_asked++;
	pthread_cond_signal(&y->y_cv);
	pthread_mutex_unlock(&y->y_mu);
}

/* The number of the last commit (0 without the thread). */
uint64_t
store_sync_last(struct store *s)
{
	struct store_sync	*y = s->s_sync;
	uint64_t		 n;

	if (y == NULL)
		return 0;
	pthread_mutex_lock(&y->y_mu);
	n = y->y_asked;
	pthread_mutex_unlock(&y->y_mu);
	return n;
}

/* Block until every commit so far is synced, or a sync failed. */
void
store_sync_wait(struct store *s)
{
	struct store_sync	*y = s->s_sync;

	if (y == NULL)
		return;
	pthread_mutex_lock(&y->y_mu);
	while (y->y_done != y->y_asked && y->y_errno == 0)
		pthread_cond_wait(&y->y_donecv, &y->y_mu);
	pthread_mutex_unlock(&y->y_mu);
}

/*
 * The number of the last commit on the disk; *err the errno of a failed
 * sync (0 if none). Without the thread: every commit is.
 */
uint64_t
store_synced(struct store *s, int *err)
{
	struct store_sync	*y = s->s_sync;
	uint64_t		 n, junk;

	*err = 0;
	if (y == NULL)
		return UINT64_MAX;
	if (read(y->y_efd, &junk, sizeof(junk)) == -1) {
		/* Nothing new: the counter was read already. */
	}
	pthread_mutex_lock(&y->y_mu);
	n = y->y_done;
	*err = y->y_errno;
	pthread_mutex_unlock(&y->y_mu);
	return n;
}

/* Whether commits are synced by the thread (1), or by SQLite itself. */
int
store_sync_on(const struct store *s)
{
	return s->s_sync != NULL;
}

/* The descriptor the loop watches: readable when a sync has ended. */
int
store_sync_fd(struct store *s)
{
	return s->s_sync != NULL ? s->s_sync->y_efd : -1;
}
