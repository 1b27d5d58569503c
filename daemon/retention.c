/*
 * Retention: soon after start-up and then every 24 hours, erase the
 * personal fields (notes, caller name and contact, the caller hash, the
 * values of those fields in the amendment history, the resolutions of
 * the call's follow-up items) of calls started more than
 * retention.personal_days ago, and the caller hash of the phone calls
 * (pbx.c) offered that long ago. Calls under a legal hold, and calls whose
 * follow-up is still open, are left alone. Everything the statistics
 * read stays as it was.
 *
 * A run goes a slice of RETENTION_SLICE calls at a time, each slice
 * queued as a job of the write batch (batch_task), so it shares the one
 * write path and its lock handling, and client writes, reads and the
 * status listener go on between slices.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "domain.h"

#define RETENTION_DAY_S		86400
#define RETENTION_START_S	1	/* the first run, after start-up */
#define RETENTION_EVERY_S	RETENTION_DAY_S
#define RETENTION_RETRY_S	600	/* after a failed slice */

static struct {
	struct batch		*r_batch;
	struct store		*r_store;
	const struct config	*r_cf;
	struct event		*r_run_ev;	/* the next run */
	struct event		*r_slice_ev;	/* the next slice of a run */
	long			 r_days;	/* of the config last seen */
	int			 r_running;	/* a run is under way */
	int64_t			 r_now;		/* when this run began */
	int64_t			 r_erased;	/* calls erased so far */
	struct retention_slice	 r_slice;	/* the last slice */
	int			 r_rc;		/* and its STORE_ code */
	int64_t			 r_last_at;	/* the last whole run: when */
	int64_t			 r_last_cutoff;
	int64_t			 r_last_erased;
} rt;

static void	retention_schedule(int);

/* The start of the period kept: calls started before it are erased. */
int64_t
retention_cutoff(long days, int64_t now)
{
	return now - (int64_t)days * RETENTION_DAY_S;
}

/*
 * One slice: erase at most RETENTION_SLICE calls started more than
 * personal_days before now, inside the open batch. The result says the
 * cutoff and how many; STORE_OK or STORE_ERR. (An audit record of the
 * run belongs in the same transaction, beside this call.)
 */
int
retention_run_slice(struct store *s, const struct config *cf, int64_t now,
    struct retention_slice *out)
{
	int64_t	 pbx = 0, cb = 0, care = 0;
	int	 rc;

	memset(out, 0, sizeof(*out));
	out->rs_cutoff = retention_cutoff(cf->cf_retention_days, now);
	if (cf->cf_retention_days <= 0)
		return STORE_OK;
	rc = store_erase_slice(s, out->rs_cutoff, clock_now(), RETENTION_SLICE,
	    &out->rs_erased);
	/* The phone calls' caller hashes too (pbx.c): not counted as calls. */
	if (rc == STORE_OK)
		rc = store_pbx_erase(s, out->rs_cutoff, RETENTION_SLICE, &pbx);
	/* And missed callers' numbers (pbx_callback.c) kept that long. */
	if (rc == STORE_OK)
		rc = store_pbx_callback_expire(s, out->rs_cutoff,
		    RETENTION_SLICE, &cb);
	/* The care register: people whose care ended that long ago. */
	if (rc == STORE_OK)
		rc = care_erase_slice(s, cf, now, RETENTION_SLICE, &care);
	out->rs_more = rc == STORE_OK && (out->rs_erased == RETENTION_SLICE ||
	    pbx == RETENTION_SLICE || cb == RETENTION_SLICE ||
	    care == RETENTION_SLICE);
	return rc;
}

/* In the write batch (batch_task). */
static void
retention_slice_run(void *arg)
{
	(void)arg;
	rt.r_rc = retention_run_slice(rt.r_store, rt.r_cf, rt.r_now,
	    &rt.r_slice);
	if (rt.r_rc != STORE_OK)
		log_warnx("retention: %s", store_errmsg(rt.r_store));
}

/* The run is over: say what it did, ask for no erased text in the WAL. */
static void
retention_finish(void)
{
	char	 when[40];

	rt.r_running = 0;
	rt.r_last_at = rt.r_now;
	rt.r_last_cutoff = rt.r_slice.rs_cutoff;
	rt.r_last_erased = rt.r_erased;
	clock_format(rt.r_slice.rs_cutoff, when, sizeof(when));
	log_info("retention: erased the personal fields of %lld calls started "
	    "before %s (personal_days %ld)", (long long)rt.r_erased, when,
	    rt.r_cf->cf_retention_days);
	/* The checkpoint thread cuts the WAL as soon as no reader is in
	   the way (store_wal.c). */
	if (rt.r_erased > 0 && store_checkpoint(rt.r_store) != STORE_OK)
		log_warnx("retention: no checkpoint thread; erased values "
		    "stay in the WAL until the store is closed");
	retention_schedule(RETENTION_EVERY_S);
}

/* After the slice's batch committed (ok) or failed. */
static void
retention_slice_done(void *arg, int ok)
{
	struct timeval	 now = { 0, 0 };

	(void)arg;
	if (!ok || rt.r_rc != STORE_OK) {
		rt.r_running = 0;
		log_warnx("retention: stopped after %lld calls; trying again "
		    "in %d minutes", (long long)rt.r_erased,
		    RETENTION_RETRY_S / 60);
		retention_schedule(RETENTION_RETRY_S);
		return;
	}
	rt.r_erased += rt.r_slice.rs_erased;
	if (rt.r_slice.rs_more)
		evtimer_add(rt.r_slice_ev, &now);	/* a later loop turn */
	else
		retention_finish();
}

static void
retention_slice_cb(evutil_socket_t fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	(void)arg;
	if (batch_task(rt.r_batch, retention_slice_run, retention_slice_done,
	    NULL) == -1) {
		rt.r_running = 0;
		log_warnx("retention: out of memory; trying again in %d "
		    "minutes", RETENTION_RETRY_S / 60);
		retention_schedule(RETENTION_RETRY_S);
	}
}

/* Time for a run: start its first slice. */
static void
retention_run_cb(evutil_socket_t fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	(void)arg;
	if (rt.r_running)
		return;
	if (rt.r_cf->cf_retention_days <= 0) {
		retention_schedule(RETENTION_EVERY_S);
		return;
	}
	rt.r_running = 1;
	rt.r_now = clock_now();
	rt.r_erased = 0;
	retention_slice_cb(-1, 0, NULL);
}

static void
retention_schedule(int secs)
{
	struct timeval	 tv = { secs, 0 };

	evtimer_add(rt.r_run_ev, &tv);
}

/* Start the job: a first run soon, then one a day. -1: out of memory. */
int
retention_init(struct event_base *base, struct batch *b, struct store *s,
    const struct config *cf)
{
	memset(&rt, 0, sizeof(rt));
	rt.r_batch = b;
	rt.r_store = s;
	rt.r_cf = cf;
	rt.r_days = cf->cf_retention_days;
	if ((rt.r_run_ev = evtimer_new(base, retention_run_cb, NULL)) == NULL ||
	    (rt.r_slice_ev = evtimer_new(base, retention_slice_cb,
	    NULL)) == NULL) {
		retention_free();
		return -1;
	}
	retention_schedule(RETENTION_START_S);
	return 0;
}

/* A reload: a changed period takes effect with a run soon. */
void
retention_set_config(const struct config *cf)
{
	rt.r_cf = cf;
	if (cf->cf_retention_days == rt.r_days)
		return;
	rt.r_days = cf->cf_retention_days;
	if (!rt.r_running)
		retention_schedule(RETENTION_START_S);
}

/* For /status (main loop): the setting and the last whole run; counts
 * and times only. */
json_t *
retention_json(void)
{
	return json_pack("{s:I, s:b, s:o, s:o, s:I}", "personal_days",
	    (json_int_t)(rt.r_cf != NULL ? rt.r_cf->cf_retention_days : 0),
	    "running", rt.r_running, "last_run_at",
	    call_json_time(rt.r_last_at), "last_cutoff",
	    call_json_time(rt.r_last_cutoff), "last_erased",
	    (json_int_t)rt.r_last_erased);
}

void
retention_free(void)
{
	if (rt.r_run_ev != NULL)
		event_free(rt.r_run_ev);
	if (rt.r_slice_ev != NULL)
		event_free(rt.r_slice_ev);
	memset(&rt, 0, sizeof(rt));
}
