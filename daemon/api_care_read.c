/*
 * The reading of a unit's care form, on a thread of its own. A form of
 * thousands of rows takes a share of a second to parse (CSV, xls or
 * xlsx), clean and turn into the write's body; on the loop's thread it
 * would hold every other request that long. POST /v1/care/import checks
 * its query on the loop, copies the body and queues the reading here
 * (api_care_read_queue); the thread reads one file at a time and an
 * eventfd brings each result back to the loop, which answers a file that
 * cannot be read or queues the write (api_care_io.c). The rows are still
 * written on the loop, by the write batch, in one savepoint.
 *
 * The request waits meanwhile. A reload that takes its listener away
 * answers it 503 at once (its request is about to be freed), as does a
 * stop; a file still being read then is only freed when it is done.
 */
#include <sys/eventfd.h>
#include <sys/queue.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "api.h"

#define CARE_READ_MAX	4	/* files waiting at once; then 503 */

struct care_read {
	TAILQ_ENTRY(care_read)	 cr_entry;
	struct ctx		 cr_x;		/* api_ctx_keep'd */
	void			*cr_buf;	/* the file; freed once read */
	size_t			 cr_len;
	json_t			*cr_args;	/* the query, as the loop took it */
	json_t			*cr_form;	/* the write's body, or NULL */
	char			*cr_cause;	/* why the file cannot be read */
	api_care_read_fn	 cr_read;
	api_care_done_fn	 cr_done;
	int			 cr_gone;	/* answered: only free it */
};

TAILQ_HEAD(care_readq, care_read);

struct care_reads {
	pthread_t		 rs_thread;
	int			 rs_started;
	pthread_mutex_t		 rs_mu;
	pthread_cond_t		 rs_cv;
	struct care_readq	 rs_todo;	/* under rs_mu */
	struct care_readq	 rs_done;	/* under rs_mu */
	struct care_read	*rs_cur;	/* being read */
	size_t			 rs_n;		/* todo, cur and done */
	int			 rs_stop;
	int			 rs_efd;
	struct event		*rs_ev;
};

static void
api_care_read_free(struct care_read *cr)
{
	free(cr->cr_buf);
	json_decref(cr->cr_args);
	json_decref(cr->cr_form);
	free(cr->cr_cause);
	free(cr);
}

/* Read the file; give back its memory at once (it may be 16 MB). */
static void
api_care_read_one(struct care_read *cr)
{
	cr->cr_form = cr->cr_read(cr->cr_buf, cr->cr_len, &cr->cr_cause);
	free(cr->cr_buf);
	cr->cr_buf = NULL;
}

static void *
api_care_read_main(void *arg)
{
	struct care_reads	*rs = arg;
	struct care_read	*cr;
	uint64_t		 one = 1;

	pthread_mutex_lock(&rs->rs_mu);
	while (!rs->rs_stop) {
		if ((cr = TAILQ_FIRST(&rs->rs_todo)) == NULL) {
			pthread_cond_wait(&rs->rs_cv, &rs->rs_mu);
			continue;
		}
		TAILQ_REMOVE(&rs->rs_todo, cr, cr_entry);
		rs->rs_cur = cr;
		pthread_mutex_unlock(&rs->rs_mu);
		api_care_read_one(cr);
		pthread_mutex_lock(&rs->rs_mu);
		rs->rs_cur = NULL;
		TAILQ_INSERT_TAIL(&rs->rs_done, cr, cr_entry);
		if (write(rs->rs_efd, &one, sizeof(one)) == -1) {
			/* The counter is full: the loop is reading it. */
		}
	}
	pthread_mutex_unlock(&rs->rs_mu);
	return NULL;
}

/* Files read: go on with each, in the order they were done. */
static void
api_care_read_ended(evutil_socket_t fd, short events, void *arg)
{
	struct care_reads	*rs = arg;
	struct care_readq	 done;
	struct care_read	*cr;
	uint64_t		 n;

	(void)events;
	if (read(fd, &n, sizeof(n)) == -1) {
		/* Nothing new: read already. */
	}
	TAILQ_INIT(&done);
	pthread_mutex_lock(&rs->rs_mu);
	TAILQ_CONCAT(&done, &rs->rs_done, cr_entry);
	pthread_mutex_unlock(&rs->rs_mu);
	while ((cr = TAILQ_FIRST(&done)) != NULL) {
		TAILQ_REMOVE(&done, cr, cr_entry);
		rs->rs_n--;
		if (!cr->cr_gone)
			cr->cr_done(&cr->cr_x, cr->cr_args, cr->cr_form,
			    cr->cr_cause);
		api_care_read_free(cr);
	}
}

/* The thread, started with the API; -1 (said): forms are read on the loop. */
int
api_care_read_start(struct api *a)
{
	struct care_reads	*rs;
	sigset_t		 all, old;
	int			 rc;

	if ((rs = calloc(1, sizeof(*rs))) == NULL)
		return -1;
	TAILQ_INIT(&rs->rs_todo);
	TAILQ_INIT(&rs->rs_done);
	pthread_mutex_init(&rs->rs_mu, NULL);
	pthread_cond_init(&rs->rs_cv, NULL);
	if ((rs->rs_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) == -1 ||
	    (rs->rs_ev = event_new(a->a_base, rs->rs_efd, EV_READ |
	    EV_PERSIST, api_care_read_ended, rs)) == NULL ||
	    event_add(rs->rs_ev, NULL) == -1)
		goto fail;
	/* Signals stay with the main thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&rs->rs_thread, NULL, api_care_read_main, rs);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		errno = rc;
		goto fail;
	}
	rs->rs_started = 1;
	a->a_care_reads = rs;
	return 0;
fail:
	log_warn("the care forms' reading thread (they are read on the "
	    "loop's)");
	if (rs->rs_ev != NULL)
		event_free(rs->rs_ev);
	if (rs->rs_efd != -1)
		close(rs->rs_efd);
	pthread_cond_destroy(&rs->rs_cv);
	pthread_mutex_destroy(&rs->rs_mu);
	free(rs);
	return -1;
}

/*
 * Answer 503 now, for the requests of listener l (a reload removed it;
 * NULL: all, the daemon stops), every file waiting or being read; those
 * waiting are dropped, the others freed when they are done.
 */
void
api_care_read_drop(struct api *a, const struct listener *l)
{
	struct care_reads	*rs = a->a_care_reads;
	struct care_read	*cr, *next;
	struct care_readq	 gone;
	const char		*kind = "shutting_down", *why = "hotlined is "
	    "shutting down; nothing was imported: send the file again shortly";

	if (l != NULL) {
		kind = "store_unavailable";
		why = "nothing was imported: this listen address was removed "
		    "by a reload; send the file on another";
	}

	if (rs == NULL)
		return;
	TAILQ_INIT(&gone);
	pthread_mutex_lock(&rs->rs_mu);
	for (cr = TAILQ_FIRST(&rs->rs_todo); cr != NULL; cr = next) {
		next = TAILQ_NEXT(cr, cr_entry);
		if (l != NULL && cr->cr_x.x_l != l)
			continue;
		TAILQ_REMOVE(&rs->rs_todo, cr, cr_entry);
		TAILQ_INSERT_TAIL(&gone, cr, cr_entry);
		rs->rs_n--;
	}
	if ((cr = rs->rs_cur) != NULL && !cr->cr_gone &&
	    (l == NULL || cr->cr_x.x_l == l)) {
		api_error(&cr->cr_x, 503, kind, NULL, "%s", why);
		cr->cr_gone = 1;
	}
	TAILQ_FOREACH(cr, &rs->rs_done, cr_entry)
		if (!cr->cr_gone && (l == NULL || cr->cr_x.x_l == l)) {
			api_error(&cr->cr_x, 503, kind, NULL, "%s", why);
			cr->cr_gone = 1;
		}
	pthread_mutex_unlock(&rs->rs_mu);
	while ((cr = TAILQ_FIRST(&gone)) != NULL) {
		TAILQ_REMOVE(&gone, cr, cr_entry);
		api_error(&cr->cr_x, 503, kind, NULL, "%s", why);
		api_care_read_free(cr);
	}
}

/* After api_stop(): let the file being read end, and free what is left. */
void
api_care_read_stop(struct api *a)
{
	struct care_reads	*rs = a->a_care_reads;
	struct care_read	*cr;

	if (rs == NULL)
		return;
	api_care_read_drop(a, NULL);
	pthread_mutex_lock(&rs->rs_mu);
	rs->rs_stop = 1;
	pthread_cond_signal(&rs->rs_cv);
	pthread_mutex_unlock(&rs->rs_mu);
	if (rs->rs_started)
		pthread_join(rs->rs_thread, NULL);
	while ((cr = TAILQ_FIRST(&rs->rs_done)) != NULL) {
		TAILQ_REMOVE(&rs->rs_done, cr, cr_entry);
		api_care_read_free(cr);
	}
	event_free(rs->rs_ev);
	close(rs->rs_efd);
	pthread_cond_destroy(&rs->rs_cv);
	pthread_mutex_destroy(&rs->rs_mu);
	free(rs);
	a->a_care_reads = NULL;
}

/*
 * Read the request's body with fn off the loop (a copy of it: the
 * request may be freed meanwhile), then call done(x, args, form, cause)
 * on the loop with a kept copy of x; args is taken. Without the thread,
 * at once; with CARE_READ_MAX files waiting, 503.
 */
void
api_care_read_queue(struct ctx *x, json_t *args, api_care_read_fn fn,
    api_care_done_fn done)
{
	struct care_reads	*rs = x->x_api->a_care_reads;
	struct evbuffer		*in = evhttp_request_get_input_buffer(x->x_req);
	struct care_read	*cr;
	size_t			 len = evbuffer_get_length(in);

	if (rs != NULL && rs->rs_n >= CARE_READ_MAX) {
		json_decref(args);
		api_error(x, 503, "busy", NULL, "%d care forms are being "
		    "read: nothing was imported, send the file again in a "
		    "moment", CARE_READ_MAX);
		return;
	}
	if ((cr = calloc(1, sizeof(*cr))) == NULL ||
	    (cr->cr_buf = malloc(len)) == NULL) {
		free(cr);
		json_decref(args);
		api_error(x, 503, "internal", NULL, "out of memory");
		return;
	}
	if (evbuffer_copyout(in, cr->cr_buf, len) != (ev_ssize_t)len) {
		free(cr->cr_buf);
		free(cr);
		json_decref(args);
		api_error(x, 503, "internal", NULL, "the body could not be "
		    "copied");
		return;
	}
	cr->cr_len = len;
	cr->cr_args = args;
	cr->cr_read = fn;
	cr->cr_done = done;
	if (rs == NULL) {
		api_care_read_one(cr);
		done(x, cr->cr_args, cr->cr_form, cr->cr_cause);
		api_care_read_free(cr);
		return;
	}
	api_ctx_keep(&cr->cr_x, x);
	cr->cr_x.x_path = "/v1/care/import";
	pthread_mutex_lock(&rs->rs_mu);
	TAILQ_INSERT_TAIL(&rs->rs_todo, cr, cr_entry);
	rs->rs_n++;
	pthread_cond_signal(&rs->rs_cv);
	pthread_mutex_unlock(&rs->rs_mu);
}
