/*
 * The password checks of sign-ins, on a thread of their own. yescrypt is
 * slow by design (tens of milliseconds); on the loop's thread every
 * sign-in would hold every other request that long, and a burst of them
 * (a shift changing, or someone guessing) would hold them for seconds.
 * POST /v1/session queues its check here (api_signin_queue) and the loop
 * goes on; the thread (api_work.c) checks one password at a time, so it
 * takes one CPU at most, and the loop answers each result (api_session.c:
 * 401, or the session opened by the batch).
 *
 * The request waits meanwhile. A reload that takes its listener away
 * answers it 503 at once (its request is about to be freed), as does a
 * stop; the check still running then is only freed when it ends.
 */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "api.h"

const struct work_kind api_signin_kind = {
	.kd_what = "the sign-in thread",
	.kd_max = 16,
	.kd_busy = "sign-ins are being checked: retry in a moment",
	.kd_stopping = "hotlined is shutting down; sign in again shortly",
	.kd_removed = "not signed in: this listen address was removed by a "
	    "reload; sign in on another",
};

struct signin {
	struct work_job		 si_job;	/* first: the job is the check */
	char			 si_peer[64];	/* the failures' key */
	char			*si_name;
	char			*si_plain;
	char			*si_hash;	/* as checked, or NULL */
	void			(*si_done)(struct ctx *, const char *,
				    const char *, const char *, int);
	int			 si_ok;
};

static void
api_signin_free(struct work_job *j)
{
	struct signin	*si = (struct signin *)j;

	if (si->si_plain != NULL) {
		OPENSSL_cleanse(si->si_plain, strlen(si->si_plain));
		free(si->si_plain);
	}
	free(si->si_hash);
	free(si->si_name);
	free(si);
}

/* On the thread: check, and forget the password at once. */
static void
api_signin_run(struct work_job *j)
{
	struct signin	*si = (struct signin *)j;

	si->si_ok = password_check(si->si_plain, si->si_hash);
	OPENSSL_cleanse(si->si_plain, strlen(si->si_plain));
}

static void
api_signin_done(struct ctx *x, struct work_job *j)
{
	struct signin	*si = (struct signin *)j;

	si->si_done(x, si->si_peer, si->si_name, si->si_hash, si->si_ok);
}

/*
 * Check plain against hash (NULL: a dummy hash of the same cost, so an
 * unknown name takes as long as a known one) off the loop, then call
 * done(x, peer, name, hash, ok) on the loop with a kept copy of x. Without
 * the thread, at once; with api_signin_kind's limit of checks waiting, 503.
 */
void
api_signin_queue(struct ctx *x, const char *peer, const char *name,
    const char *plain, const char *hash, void (*done)(struct ctx *,
    const char *, const char *, const char *, int))
{
	struct signin	*si;

	if (api_work_busy(x, x->x_api->a_signins))
		return;
	if ((si = calloc(1, sizeof(*si))) == NULL ||
	    (si->si_plain = strdup(plain)) == NULL ||
	    (si->si_name = strdup(name)) == NULL ||
	    (hash != NULL && (si->si_hash = strdup(hash)) == NULL)) {
		if (si != NULL)
			api_signin_free(&si->si_job);
		api_error(x, 503, "internal", NULL, "out of memory");
		return;
	}
	snprintf(si->si_peer, sizeof(si->si_peer), "%s", peer);
	si->si_done = done;
	si->si_job.wj_run = api_signin_run;
	si->si_job.wj_done = api_signin_done;
	si->si_job.wj_free = api_signin_free;
	api_work_queue(x->x_api->a_signins, x, "/v1/session", &si->si_job);
}
