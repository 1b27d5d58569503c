/*
 * The shift handover: what the shift starting at the shift boundary
 * nearest a time must know. The boundaries are the configured shift
 * starts (cf_shifts, local times in the configured timezone, which the
 * process runs in; none: midnight); the leaving shift runs from the
 * boundary before. Also the count of pending emergencies the status
 * listener shows, recounted (by index) after a commit that may have
 * changed one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "domain.h"

#define HANDOVER_DAYS	3	/* the day before, the day, the day after */

static struct {
	struct store	*ho_store;
	int64_t		 ho_pending;	/* emergencies not yet confirmed */
	int		 ho_dirty;	/* recount after the next commit */
} hs;

/* Boundary start (minutes after midnight) on the day off days from tm. */
static int64_t
handover_at(const struct tm *day, int off, int start)
{
	struct tm	 tm = *day;

	tm.tm_mday += off;
	tm.tm_hour = start / 60;
	tm.tm_min = start % 60;
	tm.tm_sec = 0;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm);
}

/*
 * The shift boundary nearest t (*b) and the one before it (*prev): the
 * leaving shift is [*prev, *b).
 */
void
handover_bounds(const struct config *cf, int64_t t, int64_t *b,
    int64_t *prev)
{
	static const int midnight[1] = { 0 };
	const int	*starts = cf->cf_nshifts > 0 ? cf->cf_shifts : midnight;
	size_t		 n = cf->cf_nshifts > 0 ? cf->cf_nshifts : 1;
	int64_t		 v[HANDOVER_DAYS * SHIFT_MAX];
	size_t		 k = 0, i, best = 1;
	struct tm	 day;
	time_t		 tt = (time_t)t;
	int		 d;

	localtime_r(&tt, &day);
	for (d = -1; d <= 1; d++)
		for (i = 0; i < n; i++)
			v[k++] = handover_at(&day, d, starts[i]);
	/* The nearest is never the first: t is within the middle day. */
	for (i = 1; i < k; i++)
		if (llabs(v[i] - t) < llabs(v[best] - t))
			best = i;
	*b = v[best];
	*prev = v[best - 1];
}

/* The risk codes counted high (high and above), as a JSON list. */
static char *
handover_risks(const struct config *cf)
{
	json_t	*a = json_array();
	char	*s;
	int	 hi = config_risk_rank(cf, "high");
	size_t	 i;

	if (hi == -1)
		hi = (int)cf->cf_risks.cl_n - 1;
	for (i = (size_t)hi; i < cf->cf_risks.cl_n; i++)
		json_array_append_new(a, json_string(cf->cf_risks.cl_v[i].cn_code));
	s = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return s;
}

/* The handover at t into h (handover_free); -1 when the store failed. */
int
handover_lists(struct store *s, const struct config *cf, int64_t t,
    struct handover *h)
{
	char	*risks;
	int	 i, rc = STORE_OK;

	memset(h, 0, sizeof(*h));
	handover_bounds(cf, t, &h->h_boundary, &h->h_prev);
	/* Read after the boundary: what happened until now counts too. */
	h->h_until = t >= h->h_boundary ? t + 1 : h->h_boundary;
	if ((risks = handover_risks(cf)) == NULL)
		return -1;
	for (i = 0; i < HANDOVER_NLISTS && rc == STORE_OK; i++)
		rc = store_handover(s, (enum store_handover_list)i, risks,
		    h->h_prev, h->h_until, HANDOVER_LIMIT, &h->h_ids[i],
		    &h->h_n[i]);
	free(risks);
	return rc == STORE_OK ? 0 : -1;
}

void
handover_free(struct handover *h)
{
	int	 i;

	for (i = 0; i < HANDOVER_NLISTS; i++)
		free(h->h_ids[i]);
	memset(h, 0, sizeof(*h));
}

/* After every batch: recount the pending emergencies when asked to. */
static void
handover_commit_hook(int ok, void *arg)
{
	(void)arg;
	if (!hs.ho_dirty && ok)
		return;
	if (store_emergencies_pending(hs.ho_store, &hs.ho_pending) ==
	    STORE_OK)
		hs.ho_dirty = 0;
}

/* Count the pending emergencies now and after commits that change one. */
int
handover_init(struct batch *b, struct store *s)
{
	hs.ho_store = s;
	if (b != NULL && batch_on_commit(b, handover_commit_hook, NULL) == -1)
		return -1;
	hs.ho_dirty = 1;
	handover_commit_hook(1, NULL);
	return 0;
}

/* A write of the open batch stored or changed a call's emergency. */
void
handover_emergency_changed(void)
{
	hs.ho_dirty = 1;
}

/* Calls whose emergency is recorded but not yet confirmed. */
int64_t
handover_pending(void)
{
	return hs.ho_pending;
}
