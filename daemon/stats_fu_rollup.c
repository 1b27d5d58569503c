/*
 * The follow-up and crisis rollups (migration 17, kept by triggers in
 * the store): made ready at start-up, built again from the steps and
 * calls when their days count in another zone than the config's or the
 * follow-up windows (the queues' SLAs) changed; and where a question's
 * range is read from them (stats_followup.c reads it).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "domain.h"

#define SFR_WINDOWS_MAX	(64 * QUEUE_PRIORITIES)
#define SFR_TRIES	250	/* 20 ms apart: 5 s for the lock at start */

struct sfr_windows {
	struct followup_window	 w_v[SFR_WINDOWS_MAX];
	size_t			 w_n;
	int			 w_over;
};

static int
sfr_window_cmp(const void *a, const void *b)
{
	const struct followup_window	*x = a, *y = b;
	int				 c;

	if ((c = strcmp(x->fw_queue, y->fw_queue)) != 0)
		return c;
	return x->fw_priority - y->fw_priority;
}

/* The on-time windows of cf: each queue's SLA by priority, sorted. */
static void
sfr_windows_of(const struct config *cf, struct sfr_windows *w)
{
	size_t	 q;
	int	 p;

	memset(w, 0, sizeof(*w));
	for (q = 0; q < cf->cf_queues.cl_n; q++)
		for (p = 1; p <= QUEUE_PRIORITIES; p++) {
			if (cf->cf_qconf[q].qf_sla_s[p] <= 0)
				continue;
			if (w->w_n == SFR_WINDOWS_MAX) {
				w->w_over = 1;
				return;
			}
			snprintf(w->w_v[w->w_n].fw_queue,
			    sizeof(w->w_v[w->w_n].fw_queue), "%s",
			    cf->cf_queues.cl_v[q].cn_code);
			w->w_v[w->w_n].fw_priority = p;
			w->w_v[w->w_n++].fw_s = cf->cf_qconf[q].qf_sla_s[p];
		}
	qsort(w->w_v, w->w_n, sizeof(w->w_v[0]), sfr_window_cmp);
}

static void
sfr_window_add(const struct followup_window *fw, void *arg)
{
	struct sfr_windows	*w = arg;

	if (w->w_n == SFR_WINDOWS_MAX) {
		w->w_over = 1;
		return;
	}
	w->w_v[w->w_n++] = *fw;
}

/*
 * Whether the follow-up rollups count on time with cf's windows: 1 yes,
 * 0 no (the steps are then read themselves), -1 the store failed.
 */
int
stats_fu_windows_match(struct store *s, const struct config *cf)
{
	struct sfr_windows	*have, *want;
	size_t			 i;
	int			 rc = -1;

	if ((have = calloc(1, sizeof(*have))) == NULL ||
	    (want = calloc(1, sizeof(*want))) == NULL) {
		free(have);
		return -1;
	}
	sfr_windows_of(cf, want);
	if (store_followup_windows(s, sfr_window_add, have) == STORE_OK) {
		rc = !have->w_over && !want->w_over && have->w_n == want->w_n;
		for (i = 0; rc == 1 && i < have->w_n; i++)
			rc = sfr_window_cmp(&have->w_v[i], &want->w_v[i]) == 0 &&
			    have->w_v[i].fw_s == want->w_v[i].fw_s;
	}
	free(have);
	free(want);
	return rc;
}

/* The rebuilds stats_fu_ready decided on, in one transaction. */
static int
sfr_rebuild(struct store *s, const struct config *cf, int zone, int fu)
{
	struct timespec		 ts = { 0, 20 * 1000000L };
	struct sfr_windows	*w;
	int64_t			 to = clock_now() + STORE_ROLLUP_DAYS_AHEAD;
	int			 rc, tries = 0;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return -1;
	sfr_windows_of(cf, w);
	/* At start the checkpoint thread may hold the lock a moment. */
	while ((rc = store_begin(s)) == STORE_BUSY && tries++ < SFR_TRIES)
		nanosleep(&ts, NULL);
	if (rc != STORE_OK) {
		free(w);
		return -1;
	}
	rc = zone ? store_crisis_rebuild(s, cf->cf_timezone, to) :
	    store_crisis_days(s, to);
	if (rc == STORE_OK && fu)
		rc = store_followup_rebuild(s, w->w_v, w->w_n);
	free(w);
	if (rc != STORE_OK) {
		store_rollback(s);
		return -1;
	}
	return store_commit(s) == STORE_OK ? 0 : -1;
}

/*
 * At start: build the crisis and follow-up rollups from the calls and
 * steps when their days count in another zone than cf's, or none (a new
 * or upgraded store, or a write outside their days); the follow-up ones
 * alone when the windows changed; else, when the days reach less than
 * five years ahead, make them reach ten. -1 when the store failed.
 */
int
stats_fu_ready(struct store *s, const struct config *cf)
{
	char	 zone[64];
	int64_t	 t0 = clock_mono_usec(), end;
	int	 rezone, fu;

	if (store_crisis_zone(s, zone, sizeof(zone)) != STORE_OK ||
	    (fu = stats_fu_windows_match(s, cf)) == -1)
		return -1;
	rezone = strcmp(zone, cf->cf_timezone) != 0;
	fu = rezone || !fu;
	/* Nothing to write (most starts): no lock to take. */
	if (!rezone && !fu) {
		if (store_crisis_days_end(s, &end) != STORE_OK)
			return -1;
		if (end > clock_now() + STORE_ROLLUP_DAYS_AHEAD / 2)
			return 0;
	}
	if (rezone || fu)
		notify_extend("building the follow-up and crisis rollups");
	if (rezone)
		log_info("building the crisis rollups (%s) from the stored "
		    "calls", cf->cf_timezone);
	if (fu)
		log_info("building the follow-up rollups (%s) from the stored "
		    "steps", cf->cf_timezone);
	if (sfr_rebuild(s, cf, rezone, fu) == -1)
		return -1;
	if (rezone || fu)
		log_info("follow-up and crisis rollups built in %lld ms",
		    (long long)(clock_mono_usec() - t0) / 1000);
	return 0;
}

/*
 * Where [from, to) in buckets of unit (timed; else one bucket) is read,
 * as stats.c cuts the calls' (stats_slice.c): the whole local months
 * from the monthly rollup, days from the daily one, UTC hours from the
 * hourly one, the rest from the rows. Days and months only when the
 * rollups count them in cf's zone (a write outside their days marks
 * them out of date). -1 when out of memory.
 */
int
stats_fu_slices(struct store *s, const struct config *cf, int timed,
    enum clock_unit unit, int64_t from, int64_t to,
    struct stats_slice **out, size_t *nout)
{
	int64_t	*bounds = NULL, whole[2] = { from, to };
	size_t	 nb = 1;
	char	 zone[64];
	int	 rc;

	if (store_crisis_zone(s, zone, sizeof(zone)) != STORE_OK)
		zone[0] = '\0';
	if (timed && clock_buckets(from, to, unit, 1000000, &bounds,
	    &nb) == -1)
		nb = 1;
	rc = stats_slices(bounds != NULL ? bounds : whole, nb, 0, 0,
	    strcmp(zone, cf->cf_timezone) == 0 ? cf->cf_timezone : NULL,
	    out, nout);
	free(bounds);
	return rc;
}
