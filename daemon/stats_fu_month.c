/*
 * This month's follow-up figures and crisis records for the status
 * listener's /metrics: counted again every SF_MONTH_TICK_S seconds on the
 * loop, all at once (stats_followup_totals, stats_crisis_totals), and
 * kept here for the status renderer to read.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "domain.h"

#define SF_MONTH_TICK_S		30	/* this month's figures, for /metrics */

static struct {
	struct store		*m_store;
	const struct config	*m_cf;
	struct event		*m_ev;
	int64_t			 m_v[STATS_FOLLOWUP_NMONTH];
	int64_t			 m_ideation[STATS_CRISIS_NBANDS];
	int64_t			 m_agency[STATS_CRISIS_NAGENCIES];
} sfm;

/* Count this month's steps and crisis records again. */
static void
sf_month_tick(evutil_socket_t fd, short events, void *arg)
{
	struct timeval	 tv = { SF_MONTH_TICK_S, 0 };
	int64_t		 now = clock_now(), month, next;

	(void)fd;
	(void)events;
	(void)arg;
	stats_month(sfm.m_cf->cf_timezone, now, &month, &next);
	(void)stats_followup_totals(sfm.m_store, sfm.m_cf, month, now + 1,
	    now, sfm.m_v);
	/*
	 * The crisis records of the calls started this month: to the month's
	 * end, not to now, so that the month's rollup answers alone (a call
	 * may start at most CALL_FUTURE_S ahead; it is this month's all the
	 * same). To now, the calls of the current hour were read one by one,
	 * on the loop: 50 ms with a hundred thousand of them.
	 */
	(void)stats_crisis_totals(sfm.m_store, sfm.m_cf, month, next, now,
	    sfm.m_ideation, sfm.m_agency);
	evtimer_add(sfm.m_ev, &tv);
}

/*
 * Make the follow-up and crisis rollups ready (stats_fu_ready), then
 * count this month's steps now and every SF_MONTH_TICK_S seconds. -1
 * when the store failed (its message says how) or out of memory.
 */
int
stats_followup_init(struct event_base *base, struct store *s,
    const struct config *cf)
{
	memset(&sfm, 0, sizeof(sfm));
	if (stats_fu_ready(s, cf) == -1)
		return -1;
	sfm.m_store = s;
	sfm.m_cf = cf;
	if ((sfm.m_ev = evtimer_new(base, sf_month_tick, NULL)) == NULL)
		return -1;
	/* Now, so the first status snapshot has them. */
	sf_month_tick(-1, 0, NULL);
	return 0;
}

void
stats_followup_set_config(const struct config *cf)
{
	sfm.m_cf = cf;
}

void
stats_followup_free(void)
{
	if (sfm.m_ev != NULL)
		event_free(sfm.m_ev);
	memset(&sfm, 0, sizeof(sfm));
}

/* This month's figures, in the order of stats_followup_measures. */
const int64_t *
stats_followup_month(void)
{
	return sfm.m_v;
}

/*
 * This month's crisis records by ideation band (stats_bands, then not
 * scored) and emergencies by agency (crisis_agencies).
 */
const int64_t *
stats_crisis_month_ideation(void)
{
	return sfm.m_ideation;
}

const int64_t *
stats_crisis_month_agency(void)
{
	return sfm.m_agency;
}
