/*
 * The password checks of sign-ins, on a thread of their own. yescrypt is
 * slow by design (tens of milliseconds); on the loop's thread every
 * sign-in would hold every other request that long, and a burst of them
 * (a shift changing, or someone guessing) would hold them for seconds.
 * POST /v1/session queues its check here (api_signin_queue) and the loop
 * goes on; the thread checks one password at a time, so it takes one CPU
 * at most, and an eventfd brings each result back to the loop, which
 * answers (api_session.c: 401, or the session opened by the batch).
 *
 * The request waits meanwhile. A reload that takes its listener away
 * answers it 503 at once (its request is about to be freed), as does a
 * stop; the check still running then is only freed when it ends.
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

#include <event2/event.h>
#include <openssl/crypto.h>

#include "api.h"

#define SIGNIN_MAX	16	/* checks waiting at once; then 503 */

struct signin {
	TAILQ_ENTRY(signin)	 si_entry;
	struct ctx		 si_x;		/* api_ctx_keep'd */
	char			 si_peer[64];	/* the failures' key */
	char			*si_name;
	char			*si_plain;
	char			*si_hash;	/* as checked, or NULL */
	void			(*si_done)(struct ctx *, const char *,
				    const char *, const char *, int);
	int			 si_ok;
	int			 si_gone;	/* answered: only free it */
};

TAILQ_HEAD(signinq, signin);

struct signins {
	pthread_t		 ss_thread;
	int			 ss_started;
	pthread_mutex_t		 ss_mu;
	pthread_cond_t		 ss_cv;
	struct signinq		 ss_todo;	/* under ss_mu */
	struct signinq		 ss_done;	/* under ss_mu */
	struct signin		*ss_cur;	/* being checked */
	size_t			 ss_n;		/* todo, cur and done */
	int			 ss_stop;
	int			 ss_efd;
	struct event		*ss_ev;
};

static void
api_signin_free(struct signin *si)
{
	if (si->si_plain != NULL) {
		OPENSSL_cleanse(si->si_plain, strlen(si->si_plain));
		free(si->si_plain);
	}
	free(si->si_hash);
	free(si->si_name);
	free(si);
}

static void *
api_signin_main(void *arg)
{
	struct signins	*ss = arg;
	struct signin	*si;
	uint64_t	 one = 1;

	pthread_mutex_lock(&ss->ss_mu);
	while (!ss->ss_stop) {
		if ((si = TAILQ_FIRST(&ss->ss_todo)) == NULL) {
			pthread_cond_wait(&ss->ss_cv, &ss->ss_mu);
			continue;
		}
		TAILQ_REMOVE(&ss->ss_todo, si, si_entry);
		ss->ss_cur = si;
		pthread_mutex_unlock(&ss->ss_mu);
		si->si_ok = password_check(si->si_plain, si->si_hash);
		OPENSSL_cleanse(si->si_plain, strlen(si->si_plain));
		pthread_mutex_lock(&ss->ss_mu);
		ss->ss_cur = NULL;
		TAILQ_INSERT_TAIL(&ss->ss_done, si, si_entry);
		if (write(ss->ss_efd, &one, sizeof(one)) == -1) {
			/* The counter is full: the loop is reading it. */
		}
	}
	pthread_mutex_unlock(&ss->ss_mu);
	return NULL;
}

/* Checks ended: answer each, in the order they ended. */
static void
api_signin_ended(evutil_socket_t fd, short events, void *arg)
{
	struct signins	*ss = arg;
	struct signinq	 done;
	struct signin	*si;
	uint64_t	 n;

	(void)events;
	if (read(fd, &n, sizeof(n)) == -1) {
		/* Nothing new: read already. */
	}
	TAILQ_INIT(&done);
	pthread_mutex_lock(&ss->ss_mu);
	TAILQ_CONCAT(&done, &ss->ss_done, si_entry);
	pthread_mutex_unlock(&ss->ss_mu);
	while ((si = TAILQ_FIRST(&done)) != NULL) {
		TAILQ_REMOVE(&done, si, si_entry);
		ss->ss_n--;
		if (!si->si_gone)
			si->si_done(&si->si_x, si->si_peer, si->si_name,
			    si->si_hash, si->si_ok);
		api_signin_free(si);
	}
}

/* The thread, started with the API; -1: sign-ins check on the loop. */
int
api_signin_start(struct api *a)
{
	struct signins	*ss;
	sigset_t	 all, old;
	int		 rc;

	if ((ss = calloc(1, sizeof(*ss))) == NULL)
		return -1;
	TAILQ_INIT(&ss->ss_todo);
	TAILQ_INIT(&ss->ss_done);
	pthread_mutex_init(&ss->ss_mu, NULL);
	pthread_cond_init(&ss->ss_cv, NULL);
	if ((ss->ss_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) == -1 ||
	    (ss->ss_ev = event_new(a->a_base, ss->ss_efd, EV_READ |
	    EV_PERSIST, api_signin_ended, ss)) == NULL ||
	    event_add(ss->ss_ev, NULL) == -1)
		goto fail;
	/* Signals stay with the main thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&ss->ss_thread, NULL, api_signin_main, ss);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		errno = rc;
		goto fail;
	}
	ss->ss_started = 1;
	a->a_signins = ss;
	return 0;
fail:
	log_warn("the sign-in thread");
	if (ss->ss_ev != NULL)
		event_free(ss->ss_ev);
	if (ss->ss_efd != -1)
		close(ss->ss_efd);
	pthread_cond_destroy(&ss->ss_cv);
	pthread_mutex_destroy(&ss->ss_mu);
	free(ss);
	return -1;
}

/*
 * Answer 503 now, for the requests of listener l (NULL: all), every check
 * waiting or running; those waiting are dropped, the others freed when
 * they end.
 */
void
api_signin_drop(struct api *a, const struct listener *l, const char *kind,
    const char *why)
{
	struct signins	*ss = a->a_signins;
	struct signin	*si, *next;
	struct signinq	 gone;

	if (ss == NULL)
		return;
	TAILQ_INIT(&gone);
	pthread_mutex_lock(&ss->ss_mu);
	for (si = TAILQ_FIRST(&ss->ss_todo); si != NULL; si = next) {
		next = TAILQ_NEXT(si, si_entry);
		if (l != NULL && si->si_x.x_l != l)
			continue;
		TAILQ_REMOVE(&ss->ss_todo, si, si_entry);
		TAILQ_INSERT_TAIL(&gone, si, si_entry);
		ss->ss_n--;
	}
	if ((si = ss->ss_cur) != NULL && !si->si_gone &&
	    (l == NULL || si->si_x.x_l == l)) {
		api_error(&si->si_x, 503, kind, NULL, "%s", why);
		si->si_gone = 1;
	}
	TAILQ_FOREACH(si, &ss->ss_done, si_entry)
		if (!si->si_gone && (l == NULL || si->si_x.x_l == l)) {
			api_error(&si->si_x, 503, kind, NULL, "%s", why);
			si->si_gone = 1;
		}
	pthread_mutex_unlock(&ss->ss_mu);
	while ((si = TAILQ_FIRST(&gone)) != NULL) {
		TAILQ_REMOVE(&gone, si, si_entry);
		api_error(&si->si_x, 503, kind, NULL, "%s", why);
		api_signin_free(si);
	}
}

/* After api_stop(): let the last check end, and free what is left. */
void
api_signin_stop(struct api *a)
{
	struct signins	*ss = a->a_signins;
	struct signin	*si;

	if (ss == NULL)
		return;
	api_signin_drop(a, NULL, "shutting_down", "hotlined is shutting "
	    "down; sign in again shortly");
	pthread_mutex_lock(&ss->ss_mu);
	ss->ss_stop = 1;
	pthread_cond_signal(&ss->ss_cv);
	pthread_mutex_unlock(&ss->ss_mu);
	if (ss->ss_started)
		pthread_join(ss->ss_thread, NULL);
	while ((si = TAILQ_FIRST(&ss->ss_done)) != NULL) {
		TAILQ_REMOVE(&ss->ss_done, si, si_entry);
		api_signin_free(si);
	}
	event_free(ss->ss_ev);
	close(ss->ss_efd);
	pthread_cond_destroy(&ss->ss_cv);
	pthread_mutex_destroy(&ss->ss_mu);
	free(ss);
	a->a_signins = NULL;
}

/*
 * Check plain against hash (NULL: a dummy hash of the same cost, so an
 * unknown name takes as long as a known one) off the loop, then call
 * done(x, peer, name, hash, ok) on the loop with a kept copy of x. Without
 * the thread, or with SIGNIN_MAX checks waiting (503), at once.
 */
void
api_signin_queue(struct ctx *x, const char *peer, const char *name,
    const char *plain, const char *hash, void (*done)(struct ctx *,
    const char *, const char *, const char *, int))
{
	struct signins	*ss = x->x_api->a_signins;
	struct signin	*si;

	if (ss == NULL) {
		done(x, peer, name, hash, password_check(plain, hash));
		return;
	}
	if (ss->ss_n >= SIGNIN_MAX) {
		api_error(x, 503, "busy", NULL, "%d sign-ins are being "
		    "checked: retry in a moment", SIGNIN_MAX);
		return;
	}
	if ((si = calloc(1, sizeof(*si))) == NULL ||
	    (si->si_plain = strdup(plain)) == NULL ||
	    (si->si_name = strdup(name)) == NULL ||
	    (hash != NULL && (si->si_hash = strdup(hash)) == NULL)) {
		if (si != NULL)
			api_signin_free(si);
		api_error(x, 503, "internal", NULL, "out of memory");
		return;
	}
	api_ctx_keep(&si->si_x, x);
	si->si_x.x_path = "/v1/session";
	snprintf(si->si_peer, sizeof(si->si_peer), "%s", peer);
	si->si_done = done;
	pthread_mutex_lock(&ss->ss_mu);
	TAILQ_INSERT_TAIL(&ss->ss_todo, si, si_entry);
	ss->ss_n++;
	pthread_cond_signal(&ss->ss_cv);
	pthread_mutex_unlock(&ss->ss_mu);
}
