/*
 * Requests whose work would hold the loop (a password's check, a care
 * form's reading) have it done on a thread of their own, one job at a
 * time, so that it takes one CPU at most. The loop queues the job with a
 * kept copy of the request (api_work_queue) and goes on; the thread runs
 * it, and an eventfd brings it back to the loop, which answers, in the
 * order the jobs ended. A kind of job (struct work_kind) says how many
 * may wait before the next is answered 503 busy, and what a stop or a
 * reload that removes its listener answers the requests still waiting.
 *
 * Those are answered at once (their request is about to be freed); the
 * job being run then is only freed when it ends. Without the thread
 * (it could not start), each job is run at once, on the loop.
 */
#include <sys/eventfd.h>
#include <sys/queue.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <event2/event.h>

#include "api.h"

TAILQ_HEAD(work_jobq, work_job);

struct work {
	const struct work_kind	*wk_kind;
	pthread_t		 wk_thread;
	pthread_mutex_t		 wk_mu;
	pthread_cond_t		 wk_cv;
	struct work_jobq	 wk_todo;	/* under wk_mu */
	struct work_jobq	 wk_done;	/* under wk_mu */
	struct work_job		*wk_cur;	/* being run; under wk_mu */
	size_t			 wk_n;		/* todo, cur and done */
	int			 wk_stop;	/* under wk_mu */
	int			 wk_efd;
	struct event		*wk_ev;
};

static void *
api_work_main(void *arg)
{
	struct work	*wk = arg;
	struct work_job	*j;
	uint64_t	 one = 1;

	pthread_mutex_lock(&wk->wk_mu);
	while (!wk->wk_stop) {
		if ((j = TAILQ_FIRST(&wk->wk_todo)) == NULL) {
			pthread_cond_wait(&wk->wk_cv, &wk->wk_mu);
			continue;
		}
		TAILQ_REMOVE(&wk->wk_todo, j, wj_entry);
		wk->wk_cur = j;
		pthread_mutex_unlock(&wk->wk_mu);
		j->wj_run(j);
		pthread_mutex_lock(&wk->wk_mu);
		wk->wk_cur = NULL;
		TAILQ_INSERT_TAIL(&wk->wk_done, j, wj_entry);
		if (write(wk->wk_efd, &one, sizeof(one)) == -1) {
			/* The counter is full: the loop is reading it. */
		}
	}
	pthread_mutex_unlock(&wk->wk_mu);
	return NULL;
}

/* Jobs ended: answer each, in the order they ended. */
static void
api_work_ended(evutil_socket_t fd, short events, void *arg)
{
	struct work		*wk = arg;
	struct work_jobq	 done;
	struct work_job		*j;
	uint64_t		 n;

	(void)events;
	if (read(fd, &n, sizeof(n)) == -1) {
		/* Nothing new: read already. */
	}
	TAILQ_INIT(&done);
	pthread_mutex_lock(&wk->wk_mu);
	TAILQ_CONCAT(&done, &wk->wk_done, wj_entry);
	pthread_mutex_unlock(&wk->wk_mu);
	while ((j = TAILQ_FIRST(&done)) != NULL) {
		TAILQ_REMOVE(&done, j, wj_entry);
		wk->wk_n--;
		if (!j->wj_gone)
			j->wj_done(&j->wj_x, j);
		j->wj_free(j);
	}
}

/* The thread of k's jobs; NULL (said): they are run on the loop. */
struct work *
api_work_start(struct api *a, const struct work_kind *k)
{
	struct work	*wk;
	sigset_t	 all, old;
	int		 rc;

	if ((wk = calloc(1, sizeof(*wk))) == NULL) {
		log_warn("%s", k->kd_what);
		return NULL;
	}
	wk->wk_kind = k;
	TAILQ_INIT(&wk->wk_todo);
	TAILQ_INIT(&wk->wk_done);
	pthread_mutex_init(&wk->wk_mu, NULL);
	pthread_cond_init(&wk->wk_cv, NULL);
	if ((wk->wk_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) == -1 ||
	    (wk->wk_ev = event_new(a->a_base, wk->wk_efd, EV_READ |
	    EV_PERSIST, api_work_ended, wk)) == NULL ||
	    event_add(wk->wk_ev, NULL) == -1)
		goto fail;
	/* Signals stay with the main thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&wk->wk_thread, NULL, api_work_main, wk);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc == 0)
		return wk;
	errno = rc;
fail:
	log_warn("%s", k->kd_what);
	if (wk->wk_ev != NULL)
		event_free(wk->wk_ev);
	if (wk->wk_efd != -1)
		close(wk->wk_efd);
	pthread_cond_destroy(&wk->wk_cv);
	pthread_mutex_destroy(&wk->wk_mu);
	free(wk);
	return NULL;
}

/* Answer j 503 as a stop (l NULL) or a reload that removed l does. */
static void
api_work_refuse(const struct work_kind *k, struct work_job *j,
    const struct listener *l)
{
	if (l == NULL)
		api_error(&j->wj_x, 503, "shutting_down", NULL, "%s",
		    k->kd_stopping);
	else
		api_error(&j->wj_x, 503, "store_unavailable", NULL, "%s",
		    k->kd_removed);
	j->wj_gone = 1;
}

/*
 * Answer 503 now the requests of listener l (a reload removed it; NULL:
 * all, the daemon stops) whose jobs wait or run; those waiting are
 * dropped, the others freed when they end.
 */
void
api_work_drop(struct work *wk, const struct listener *l)
{
	struct work_job		*j, *next;
	struct work_jobq	 gone;

	if (wk == NULL)
		return;
	TAILQ_INIT(&gone);
	pthread_mutex_lock(&wk->wk_mu);
	for (j = TAILQ_FIRST(&wk->wk_todo); j != NULL; j = next) {
		next = TAILQ_NEXT(j, wj_entry);
		if (l == NULL || j->wj_x.x_l == l) {
			TAILQ_REMOVE(&wk->wk_todo, j, wj_entry);
			TAILQ_INSERT_TAIL(&gone, j, wj_entry);
			wk->wk_n--;
		}
	}
	if ((j = wk->wk_cur) != NULL && !j->wj_gone &&
	    (l == NULL || j->wj_x.x_l == l))
		api_work_refuse(wk->wk_kind, j, l);
	TAILQ_FOREACH(j, &wk->wk_done, wj_entry)
		if (!j->wj_gone && (l == NULL || j->wj_x.x_l == l))
			api_work_refuse(wk->wk_kind, j, l);
	pthread_mutex_unlock(&wk->wk_mu);
	while ((j = TAILQ_FIRST(&gone)) != NULL) {
		TAILQ_REMOVE(&gone, j, wj_entry);
		api_work_refuse(wk->wk_kind, j, l);
		j->wj_free(j);
	}
}

/* After api_stop(): let the last job end, and free what is left. */
void
api_work_stop(struct work *wk)
{
	struct work_job	*j;

	if (wk == NULL)
		return;
	api_work_drop(wk, NULL);
	pthread_mutex_lock(&wk->wk_mu);
	wk->wk_stop = 1;
	pthread_cond_signal(&wk->wk_cv);
	pthread_mutex_unlock(&wk->wk_mu);
	pthread_join(wk->wk_thread, NULL);
	while ((j = TAILQ_FIRST(&wk->wk_done)) != NULL) {
		TAILQ_REMOVE(&wk->wk_done, j, wj_entry);
		j->wj_free(j);
	}
	event_free(wk->wk_ev);
	close(wk->wk_efd);
	pthread_cond_destroy(&wk->wk_cv);
	pthread_mutex_destroy(&wk->wk_mu);
	free(wk);
}

/* 1, x answered 503 busy, when wk holds as many jobs as its kind may. */
int
api_work_busy(struct ctx *x, const struct work *wk)
{
	if (wk == NULL || wk->wk_n < wk->wk_kind->kd_max)
		return 0;
	api_error(x, 503, "busy", NULL, "%zu %s", wk->wk_kind->kd_max,
	    wk->wk_kind->kd_busy);
	return 1;
}

/*
 * Run j (its wj_run, wj_done and wj_free set, the rest of it filled) for
 * request x off the loop, then call j->wj_done on the loop with a copy of
 * x kept for path; without the thread (wk NULL), at once with x.
 */
void
api_work_queue(struct work *wk, struct ctx *x, const char *path,
    struct work_job *j)
{
	if (wk == NULL) {
		j->wj_run(j);
		j->wj_done(x, j);
		j->wj_free(j);
		return;
	}
	api_ctx_keep(&j->wj_x, x);
	j->wj_x.x_path = path;
	j->wj_gone = 0;
	pthread_mutex_lock(&wk->wk_mu);
	TAILQ_INSERT_TAIL(&wk->wk_todo, j, wj_entry);
	wk->wk_n++;
	pthread_cond_signal(&wk->wk_cv);
	pthread_mutex_unlock(&wk->wk_mu);
}
