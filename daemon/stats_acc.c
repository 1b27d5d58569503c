/*
 * The sums of a group of calls as the statistics add them up (a row of
 * the calls or of a rollup at a time, or taken away again), the buckets
 * their waits are counted in, and the metrics they make.
 */
#include <math.h>

#include "domain.h"

/* The upper bounds of the wait buckets, in seconds; longer waits count
 * in the last. */
static const int64_t stats_wait_bounds[STORE_WAIT_BUCKETS] = {
	60, 120, 300, 600, 900, 1200, 1800, 2700, 3600, 5400, 7200, 10800,
	14400, 21600, 43200, 86400, 604800,
};

/* The bucket of a wait. */
int
stats_wait_bucket(int64_t w)
{
	int	 i;

	for (i = 0; i < STORE_WAIT_BUCKETS - 1; i++)
		if (w <= stats_wait_bounds[i])
			break;
	return i;
}

/* The upper bound of wait bucket i, in seconds. */
int64_t
stats_wait_bound(int i)
{
	return stats_wait_bounds[i];
}

/*
 * The nearest-rank percentile p (0-100) of the waits counted in w, as the
 * upper bound of its bucket; null when there are none.
 */
json_t *
stats_wait_percentile(const int64_t *w, int p)
{
	int64_t	 n = 0, rank, seen = 0;
	int	 i;

	for (i = 0; i < STORE_WAIT_BUCKETS; i++)
		n += w[i];
	if (n == 0)
		return json_null();
	rank = (int64_t)ceil((double)p / 100.0 * (double)n);
	if (rank < 1)
		rank = 1;
	for (i = 0; i < STORE_WAIT_BUCKETS - 1; i++)
		if ((seen += w[i]) >= rank)
			break;
	return json_integer(stats_wait_bound(i));
}

/* Add the sums of a row into a, times sign (1 or -1). */
void
stats_acc_add(struct stats_acc *a, const struct store_stats_row *w,
    int sign)
{
	int	 i;

	a->sa_calls += sign * w->ssr_calls;
	a->sa_dur_sum += sign * w->ssr_dur_sum;
	a->sa_dur_n += sign * w->ssr_dur_n;
	a->sa_high += sign * w->ssr_high;
	a->sa_items += sign * w->ssr_items;
	a->sa_escalated += sign * w->ssr_escalated;
	for (i = 0; i < STORE_WAIT_BUCKETS; i++)
		a->sa_waits[i] += sign * w->ssr_waits[i];
	if (w->ssr_has_wait)
		a->sa_waits[stats_wait_bucket(w->ssr_wait)] += sign;
}

/* Whether a holds nothing: a group whose calls were all subtracted. */
int
stats_acc_empty(const struct stats_acc *a)
{
	int	 i;

	if (a->sa_calls != 0 || a->sa_dur_n != 0 || a->sa_high != 0 ||
	    a->sa_items != 0 || a->sa_escalated != 0)
		return 0;
	for (i = 0; i < STORE_WAIT_BUCKETS; i++)
		if (a->sa_waits[i] != 0)
			return 0;
	return 1;
}

/* The metrics of a group, into o. */
void
stats_metrics(json_t *o, const struct stats_acc *a)
{
	json_object_set_new(o, "calls", json_integer(a->sa_calls));
	json_object_set_new(o, "duration_total_s",
	    json_integer((json_int_t)a->sa_dur_sum));
	json_object_set_new(o, "duration_mean_s", a->sa_dur_n > 0 ?
	    json_real(round(a->sa_dur_sum / (double)a->sa_dur_n * 10) / 10) :
	    json_null());
	json_object_set_new(o, "high_risk_share", a->sa_calls > 0 ?
	    json_real(round((double)a->sa_high / (double)a->sa_calls * 1e4) /
	    1e4) : json_real(0));
	json_object_set_new(o, "follow_ups", json_integer(a->sa_items));
	json_object_set_new(o, "wait_median_s",
	    stats_wait_percentile(a->sa_waits, 50));
	json_object_set_new(o, "wait_p90_s", stats_wait_percentile(a->sa_waits, 90));
	json_object_set_new(o, "past_sla", json_integer(a->sa_escalated));
}
