/*
 * The statistics rollups (stats_hourly): what each call adds, per UTC
 * hour and value of each dimension, kept in the transaction of every
 * write that changes a call or its items, and rebuilt from the calls once
 * after an upgrade to a store that has them. stats.c reads them.
 */
#include <stdio.h>
#include <string.h>

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

/* Is risk at "high" or above (the top level when there is no "high")? */
static int
stats_is_high(const struct config *cf, const char *risk)
{
	int	 high = config_risk_rank(cf, "high");

	if (high == -1)
		high = (int)cf->cf_risks.cl_n - 1;
	return config_risk_rank(cf, risk) >= high;
}

/*
 * Add sign times what call c with its queue items v (n) contributes to
 * the rollups, under each of its dimension values, inside the caller's
 * transaction.
 */
int
stats_rollup_add(struct store *s, const struct config *cf,
    const struct call *c, const struct queue_item *v, size_t n, int sign)
{
	int64_t			 d[6], w[STORE_WAIT_BUCKETS], hour;
	struct {
		const char	*dim, *value;
	} dv[8 + CALL_MAX_TOPICS];
	size_t			 ndv = 0, i;
	int			 rc = STORE_OK;

	memset(w, 0, sizeof(w));
	d[0] = sign;
	d[1] = sign * (c->c_duration_s > 0 ? c->c_duration_s : 0);
	d[2] = sign * (c->c_duration_s >= 0);
	d[3] = sign * stats_is_high(cf, c->c_risk);
	d[4] = sign * (int64_t)n;
	d[5] = 0;
	for (i = 0; i < n; i++) {
		d[5] += sign * (v[i].qi_escalated_at != 0);
		if (v[i].qi_first_claimed_at != 0)
			w[stats_wait_bucket(v[i].qi_first_claimed_at -
			    v[i].qi_due_at)] += sign;
	}
#define DV(d_, v_) do { dv[ndv].dim = (d_); dv[ndv++].value = (v_); } while (0)
	DV("all", "");
	DV("line", c->c_line);
	DV("caller_type", c->c_caller_type);
	DV("risk", c->c_risk);
	DV("outcome", c->c_outcome != NULL ? c->c_outcome : "");
	DV("operator", c->c_operator);
	DV("queue", n > 0 ? v[0].qi_queue : "");
	DV("call_type", c->c_call_type);
	for (i = 0; i < c->c_ntopics; i++)
		DV("topic", c->c_topics[i]);
#undef DV
	hour = c->c_started_at - ((c->c_started_at % 3600) + 3600) % 3600;
	for (i = 0; i < ndv && rc == STORE_OK; i++)
		rc = store_stats_rollup_add(s, dv[i].dim, hour, dv[i].value, d, w);
	return rc;
}

/*
 * The same for call id as stored now. A write that changes a call or its
 * items takes the old contribution away (-1) before and adds the new one
 * (+1) after, in the same savepoint.
 */
int
stats_rollup_call(struct store *s, const struct config *cf, int64_t id,
    int sign)
{
	struct call		 c;
	struct queue_item	*v = NULL;
	size_t			 n = 0;
	int			 rc;

	if (id == 0)
		return STORE_OK;	/* an item of no logged call */
	call_init(&c);
	if ((rc = store_call_get(s, id, &c)) == STORE_OK &&
	    (rc = store_items_by_call(s, id, &v, &n)) == STORE_OK)
		rc = stats_rollup_add(s, cf, &c, v, n, sign);
	call_free(&c);
	store_items_free(v, n);
	return rc;
}

/* The rebuild's calls: each one's rollups, counted for the log. */
struct stats_rebuilding {
	struct store		*rb_store;
	const struct config	*rb_cf;
	int64_t			 rb_n;
};

static int
stats_rebuild_call(int64_t id, void *arg)
{
	struct stats_rebuilding	*rb = arg;

	rb->rb_n++;
	return stats_rollup_call(rb->rb_store, rb->rb_cf, id, 1);
}

/*
 * Build the rollups from the calls when they are missing: once, after an
 * upgrade to a store version that has them. One transaction; slow for a
 * large store, and logged.
 */
int
stats_rebuild(struct store *s, const struct config *cf)
{
	struct stats_rebuilding	 rb = { s, cf, 0 };
	int			 rc, missing;

	if (store_stats_missing(s, &missing) != STORE_OK)
		return STORE_ERR;
	if (!missing)
		return STORE_OK;
	log_info("building the statistics rollups from the stored calls");
	if (store_begin(s) != STORE_OK)
		return STORE_ERR;
	if ((rc = store_stats_each_call(s, stats_rebuild_call, &rb)) !=
	    STORE_OK) {
		store_rollback(s);
		return rc;
	}
	if ((rc = store_commit(s)) == STORE_OK)
		log_info("statistics rollups built from %lld calls",
		    (long long)rb.rb_n);
	return rc;
}
