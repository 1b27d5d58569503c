/*
 * The statistics rollups: what each call adds, kept in the transaction of
 * every write that changes a call or its items, and rebuilt from the calls
 * at start-up when missing. stats.c reads them. Two kinds:
 *
 *   stats_hourly  per UTC hour and value of each coded dimension (and
 *                 "all"): hours, and the edges of a range off the day;
 *   stats_daily   per local day and pair of values of two coded
 *                 dimensions ("line,risk"): any pair, and whole days of
 *                 one dimension (paired with call_type, or line for
 *                 call_type itself);
 *   stats_monthly the same per local month: a year of topic by operator
 *                 is a few thousand rows, not a few hundred thousand.
 *
 * Days and months start at local midnights in the configured zone, which
 * stats_daily_zone names; after a reload into another zone the daily and
 * monthly rows are marked out of date ("") and the next start rebuilds
 * them. A call counts as high risk by the rollups' own risk codes, which
 * a reload does not change (stats_high.c); the next start rebuilds all
 * of them when the config's count a stored call otherwise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"
/*
 * The coded dimensions, in the order of the pairs' names. A new coded
 * dimension goes at the end here and in stats.c's list.
 */
static const char *const stats_rdims[] = {
	"line", "caller_type", "topic", "risk", "outcome", "operator",
	"queue", "call_type",
};
#define STATS_RDIMS	(sizeof(stats_rdims) / sizeof(stats_rdims[0]))
#define STATS_TOPIC	2	/* the multi-valued one */

/*
 * Calls whose daily and monthly sums wait in stats_pending before they
 * are folded in: one row a write instead of seventy, and a fold touches
 * each row it changes once for them all.
 */
#define STATS_FOLD_AT	256
#define STATS_SUMS_LEN	512
#define STATS_VALS_LEN	(CALL_MAX_TOPICS * 64 + 512)

static int	stats_fold(struct store *, const struct config *);

/* The pairs, i before j: "line,caller_type", ... */
#define STATS_NPAIRS	(STATS_RDIMS * (STATS_RDIMS - 1) / 2)
static char	stats_pair_names[STATS_NPAIRS][32];

static int
stats_rdim(const char *name)
{
	size_t	 i;

	for (i = 0; i < STATS_RDIMS; i++)
		if (strcmp(stats_rdims[i], name) == 0)
			return (int)i;
	return -1;
}

/* The name of pair (i, j), i < j. */
static const char *
stats_pair_at(size_t i, size_t j)
{
	size_t	 k = i * (2 * STATS_RDIMS - i - 1) / 2 + (j - i - 1);

	if (stats_pair_names[k][0] == '\0')
		snprintf(stats_pair_names[k], sizeof(stats_pair_names[k]),
		    "%s,%s", stats_rdims[i], stats_rdims[j]);
	return stats_pair_names[k];
}

/*
 * The daily pair that answers a and b (b NULL: a alone, paired with
 * call_type or line; a NULL too: all calls), and which of its values is
 * a's (*pos 0 or 1); NULL when a name is unknown.
 */
const char *
stats_pair(const char *a, const char *b, int *pos)
{
	int	 i, j;

	if (a == NULL)
		a = "line";
	if ((i = stats_rdim(a)) == -1)
		return NULL;
	if (b == NULL)
		b = i == (int)STATS_RDIMS - 1 ? "line" : "call_type";
	if ((j = stats_rdim(b)) == -1 || i == j)
		return NULL;
	*pos = i > j;
	return i < j ? stats_pair_at((size_t)i, (size_t)j) :
	    stats_pair_at((size_t)j, (size_t)i);
}

/*
 * The daily pairs holding dim, as two JSON lists (caller frees): those
 * whose first value is dim's (*first), and whose second (*second).
 */
int
stats_pairs_with(const char *dim, char **first, char **second)
{
	json_t	*a[2] = { json_array(), json_array() };
	size_t	 i;
	int	 pos;

	for (i = 0; i < STATS_RDIMS; i++)
		if (strcmp(stats_rdims[i], dim) != 0 &&
		    stats_pair(dim, stats_rdims[i], &pos) != NULL)
			json_array_append_new(a[pos], json_string(
			    stats_pair(dim, stats_rdims[i], &pos)));
	*first = json_dumps(a[0], JSON_COMPACT);
	*second = json_dumps(a[1], JSON_COMPACT);
	json_decref(a[0]);
	json_decref(a[1]);
	if (*first == NULL || *second == NULL) {
		log_warnx("%s: out of memory", __func__);
		return STORE_ERR;
	}
	return STORE_OK;
}

/* What one call adds: its sums and its values under each dimension. */
struct stats_contrib {
	int64_t		 sc_started_at;
	int64_t		 sc_d[6];
	int64_t		 sc_w[STORE_WAIT_BUCKETS];
	const char	*sc_val[STATS_RDIMS][CALL_MAX_TOPICS];
	size_t		 sc_nval[STATS_RDIMS];
};

/*
 * Where the rows go: the store, or a rebuild's sums in memory; tier 0 is
 * an hour's row of one dimension, 1 a day's of a pair, 2 a month's.
 */
struct stats_sink {
	int	(*sk_add)(void *, int, const char *, int64_t, const char *,
		    const char *, const int64_t *, const int64_t *);
	void	*sk_arg;
	int	 sk_hourly, sk_daily;	/* which kinds to add to */
	const char *sk_zone;
};

static void
stats_contrib_val(struct stats_contrib *sc, size_t dim, const char *v)
{
	if (sc->sc_nval[dim] < CALL_MAX_TOPICS)
		sc->sc_val[dim][sc->sc_nval[dim]++] = v != NULL ? v : "";
}

/* The rows of sc, each to the sink: hours by dimension, days by pair. */
static int
stats_contrib_emit(const struct stats_contrib *sc, struct stats_sink *sk)
{
	int64_t		 hour, t[3], next;
	size_t		 i, j, a, b;
	int		 rc = STORE_OK, tier;

	hour = sc->sc_started_at - ((sc->sc_started_at % 3600) + 3600) % 3600;
	if (sk->sk_hourly) {
		rc = sk->sk_add(sk->sk_arg, 0, "all", hour, "", NULL,
		    sc->sc_d, sc->sc_w);
		for (i = 0; i < STATS_RDIMS && rc == STORE_OK; i++)
			for (a = 0; a < sc->sc_nval[i] && rc == STORE_OK; a++)
				rc = sk->sk_add(sk->sk_arg, 0, stats_rdims[i],
				    hour, sc->sc_val[i][a], NULL, sc->sc_d,
				    sc->sc_w);
	}
	if (!sk->sk_daily || rc != STORE_OK)
		return rc;
	stats_day(sk->sk_zone, sc->sc_started_at, &t[1], &next);
	stats_month(sk->sk_zone, sc->sc_started_at, &t[2], &next);
	for (tier = 1; tier <= 2; tier++)
		for (i = 0; i < STATS_RDIMS; i++)
			for (j = i + 1; j < STATS_RDIMS; j++)
				for (a = 0; a < sc->sc_nval[i]; a++)
					for (b = 0; b < sc->sc_nval[j]; b++)
						if ((rc = sk->sk_add(sk->sk_arg,
						    tier, stats_pair_at(i, j),
						    t[tier], sc->sc_val[i][a],
						    sc->sc_val[j][b], sc->sc_d,
						    sc->sc_w)) != STORE_OK)
							return rc;
	return STORE_OK;
}

static int
stats_store_add(void *arg, int tier, const char *name, int64_t t,
    const char *v0, const char *v1, const int64_t *d, const int64_t *w)
{
	struct store	*s = arg;

	return tier > 0 ? store_stats_pair_add(s, tier, name, t, v0, v1, d,
	    w) : store_stats_rollup_add(s, name, t, v0, d, w);
}

/*
 * Whether the daily rollups count in cf's zone and so take this write;
 * when they count in another (a reload changed it), they are marked out
 * of date first, to be rebuilt at the next start.
 */
static int
stats_daily_current(struct store *s, const struct config *cf, int *yes)
{
	char	 zone[64];

	*yes = 0;
	if (store_stats_daily_zone(s, zone, sizeof(zone)) != STORE_OK)
		return STORE_ERR;
	if (strcmp(zone, cf->cf_timezone) == 0) {
		*yes = 1;
		return STORE_OK;
	}
	if (zone[0] != '\0')
		return store_stats_daily_set_zone(s, "");
	return STORE_OK;
}

/* Whether the daily rollups can answer now (they count in cf's zone). */
int
stats_daily_ready(struct store *s, const struct config *cf)
{
	char	 zone[64];

	return store_stats_daily_zone(s, zone, sizeof(zone)) == STORE_OK &&
	    strcmp(zone, cf->cf_timezone) == 0;
}

/*
 * A call's contribution as text, kept in stats_pending until folded: the
 * 6 sums and the waits, space-separated; the values of each dimension in
 * stats_rdims' order, separated by 0x1f, a dimension's several (topics)
 * by 0x1e. -1 when it does not fit.
 */
static int
stats_contrib_text(const struct stats_contrib *sc, char *sums, size_t ls,
    char *vals, size_t lv)
{
	size_t	 i, a, n = 0, m = 0;
	int	 k;

	for (i = 0; i < 6 + STORE_WAIT_BUCKETS; i++) {
		k = snprintf(sums + n, ls - n, "%s%lld", i ? " " : "",
		    (long long)(i < 6 ? sc->sc_d[i] : sc->sc_w[i - 6]));
		if (k < 0 || (size_t)k >= ls - n)
			return -1;
		n += (size_t)k;
	}
	vals[0] = '\0';
	for (i = 0; i < STATS_RDIMS; i++)
		for (a = 0; a == 0 || a < sc->sc_nval[i]; a++) {
			k = snprintf(vals + m, lv - m, "%s%s", a > 0 ? "\x1e" :
			    i > 0 ? "\x1f" : "", a < sc->sc_nval[i] ?
			    sc->sc_val[i][a] : "");
			if (k < 0 || (size_t)k >= lv - m)
				return -1;
			m += (size_t)k;
		}
	return 0;
}

/*
 * The contribution kept as text (stats_contrib_text) back into sc; its
 * values point into buf, a copy of vals. A dimension without a value is
 * "" (none, for the topics).
 */
static void
stats_contrib_parse(struct stats_contrib *sc, int64_t started_at,
    const char *sums, const char *vals, char *buf, size_t len)
{
	char	*p = buf, *field, *v, *end;
	size_t	 i;

	memset(sc, 0, sizeof(*sc));
	sc->sc_started_at = started_at;
	for (i = 0; i < 6 + STORE_WAIT_BUCKETS && sums != NULL; i++) {
		if (i < 6)
			sc->sc_d[i] = strtoll(sums, &end, 10);
		else
			sc->sc_w[i - 6] = strtoll(sums, &end, 10);
		sums = end;
	}
	snprintf(buf, len, "%s", vals != NULL ? vals : "");
	for (i = 0; i < STATS_RDIMS; i++) {
		field = strsep(&p, "\x1f");
		while (field != NULL && (v = strsep(&field, "\x1e")) != NULL)
			if (*v != '\0' || i != STATS_TOPIC)
				stats_contrib_val(sc, i, v);
	}
}

/*
 * Add sign times what call c with its queue items v (n) contributes to
 * the rollups, under each of its dimension values, inside the caller's
 * transaction: the hourly rows at once, the daily and monthly ones
 * through stats_pending, folded every STATS_FOLD_AT calls.
 */
int
stats_rollup_add(struct store *s, const struct config *cf,
    const struct call *c, const struct queue_item *v, size_t n, int sign)
{
	struct stats_contrib	 sc;
	struct stats_sink	 sk = { stats_store_add, s, 1, 0,
				    cf->cf_timezone };
	char			 sums[STATS_SUMS_LEN], vals[STATS_VALS_LEN];
	int64_t			 pending;
	size_t			 i;
	int			 rc, daily, high;

	/* As high as the rollups count it, whatever cf says (stats_high.c). */
	if (stats_high_count(s, cf, c->c_risk, &high) != STORE_OK)
		return STORE_ERR;
	memset(&sc, 0, sizeof(sc));
	sc.sc_started_at = c->c_started_at;
	sc.sc_d[0] = sign;
	sc.sc_d[1] = sign * (c->c_duration_s > 0 ? c->c_duration_s : 0);
	sc.sc_d[2] = sign * (c->c_duration_s >= 0);
	sc.sc_d[3] = sign * high;
	sc.sc_d[4] = sign * (int64_t)n;
	for (i = 0; i < n; i++) {
		sc.sc_d[5] += sign * (v[i].qi_escalated_at != 0);
		if (v[i].qi_first_claimed_at != 0)
			sc.sc_w[stats_wait_bucket(v[i].qi_first_claimed_at -
			    v[i].qi_due_at)] += sign;
	}
	stats_contrib_val(&sc, 0, c->c_line);
	stats_contrib_val(&sc, 1, c->c_caller_type);
	for (i = 0; i < c->c_ntopics; i++)
		stats_contrib_val(&sc, STATS_TOPIC, c->c_topics[i]);
	stats_contrib_val(&sc, 3, c->c_risk);
	stats_contrib_val(&sc, 4, c->c_outcome);
	stats_contrib_val(&sc, 5, c->c_operator);
	stats_contrib_val(&sc, 6, n > 0 ? v[0].qi_queue : "");
	stats_contrib_val(&sc, 7, c->c_call_type);
	if (stats_daily_current(s, cf, &daily) != STORE_OK ||
	    (rc = stats_contrib_emit(&sc, &sk)) != STORE_OK)
		return STORE_ERR;
	if (!daily)
		return STORE_OK;
	if (stats_contrib_text(&sc, sums, sizeof(sums), vals,
	    sizeof(vals)) == -1) {
		/* Too long to keep: added at once. */
		sk.sk_hourly = 0;
		sk.sk_daily = 1;
		return stats_contrib_emit(&sc, &sk);
	}
	if ((rc = store_stats_pending_add(s, sc.sc_started_at, sums, vals)) !=
	    STORE_OK || (rc = store_stats_pending_count(s, &pending)) !=
	    STORE_OK)
		return rc;
	return pending >= STATS_FOLD_AT ? stats_fold(s, cf) : STORE_OK;
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


/* A rebuild's sums of one row, while its day is read. */
struct stats_sum {
	const char	*su_name;	/* a dimension's or a pair's */
	int		 su_tier;	/* 0 hour, 1 day, 2 month */
	int64_t		 su_t;
	char		*su_v0, *su_v1;
	int64_t		 su_d[6];
	int64_t		 su_w[STORE_WAIT_BUCKETS];
};

/* A rebuild: the calls of one local day added up, then written. */
struct stats_rebuilding {
	struct store		*rb_store;
	const struct config	*rb_cf;
	struct stats_sink	 rb_sink;
	struct stats_sum	*rb_sums;
	size_t			 rb_n, rb_cap;
	size_t			*rb_hash;	/* sum index + 1; 0: free */
	size_t			 rb_hcap;	/* a power of two */
	int64_t			 rb_day_hi;	/* the day's end */
	int64_t			 rb_calls;
};

static size_t
stats_sum_hash(const char *name, int64_t t, const char *v0, const char *v1)
{
	uint64_t	 h = 1469598103934665603ULL ^ (uint64_t)t;
	const char	*v[3] = { name, v0, v1 }, *p;
	int		 i;

	for (i = 0; i < 3; i++) {
		h = (h ^ (v[i] == NULL ? 0x55 : 0xaa)) * 1099511628211ULL;
		for (p = v[i]; p != NULL && *p != '\0'; p++)
			h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	}
	return (size_t)h;
}

static int
stats_sum_same(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* Make the hash twice the sums at least, and put them in again. */
static int
stats_sum_grow(struct stats_rebuilding *rb)
{
	struct stats_sum	*su;
	size_t			 i, k;

	if ((rb->rb_n + 1) * 2 <= rb->rb_hcap)
		return 0;
	free(rb->rb_hash);
	rb->rb_hcap = rb->rb_hcap == 0 ? 4096 : rb->rb_hcap * 2;
	if ((rb->rb_hash = calloc(rb->rb_hcap, sizeof(*rb->rb_hash))) == NULL)
		return -1;
	for (i = 0; i < rb->rb_n; i++) {
		su = &rb->rb_sums[i];
		k = stats_sum_hash(su->su_name, su->su_t, su->su_v0,
		    su->su_v1) & (rb->rb_hcap - 1);
		while (rb->rb_hash[k] != 0)
			k = (k + 1) & (rb->rb_hcap - 1);
		rb->rb_hash[k] = i + 1;
	}
	return 0;
}

/* The sink of a rebuild: add into the sums in memory. */
static int
stats_sum_add(void *arg, int tier, const char *name, int64_t t,
    const char *v0, const char *v1, const int64_t *d, const int64_t *w)
{
	struct stats_rebuilding	*rb = arg;
	struct stats_sum	*su, *nv;
	size_t			 k, i;

	if (stats_sum_grow(rb) == -1)
		goto nomem;
	k = stats_sum_hash(name, t, v0, v1) & (rb->rb_hcap - 1);
	for (; rb->rb_hash[k] != 0; k = (k + 1) & (rb->rb_hcap - 1)) {
		su = &rb->rb_sums[rb->rb_hash[k] - 1];
		if (su->su_t == t && su->su_tier == tier &&
		    strcmp(su->su_name, name) == 0 &&
		    stats_sum_same(su->su_v0, v0) &&
		    stats_sum_same(su->su_v1, v1))
			goto add;
	}
	if (rb->rb_n == rb->rb_cap) {
		rb->rb_cap = rb->rb_cap == 0 ? 2048 : rb->rb_cap * 2;
		if ((nv = reallocarray(rb->rb_sums, rb->rb_cap,
		    sizeof(*nv))) == NULL)
			goto nomem;
		rb->rb_sums = nv;
	}
	su = &rb->rb_sums[rb->rb_n];
	memset(su, 0, sizeof(*su));
	su->su_name = name;
	su->su_tier = tier;
	su->su_t = t;
	if ((su->su_v0 = strdup(v0)) == NULL ||
	    (v1 != NULL && (su->su_v1 = strdup(v1)) == NULL)) {
		free(su->su_v0);
		goto nomem;
	}
	rb->rb_hash[k] = ++rb->rb_n;
add:
	for (i = 0; i < 6; i++)
		su->su_d[i] += d[i];
	for (i = 0; i < STORE_WAIT_BUCKETS; i++)
		su->su_w[i] += w[i];
	return STORE_OK;
nomem:
	log_warnx("%s: out of memory", __func__);
	return STORE_ERR;
}

/* Write the sums of the day read, and forget them. */
static int
stats_sum_flush(struct stats_rebuilding *rb, int write)
{
	struct stats_sum	*su;
	size_t			 i;
	int			 rc = STORE_OK;

	for (i = 0; i < rb->rb_n; i++) {
		su = &rb->rb_sums[i];
		if (rc == STORE_OK && write)
			rc = stats_store_add(rb->rb_store, su->su_tier,
			    su->su_name, su->su_t, su->su_v0, su->su_v1,
			    su->su_d, su->su_w);
		free(su->su_v0);
		free(su->su_v1);
	}
	rb->rb_n = 0;
	if (rb->rb_hcap > 0)
		memset(rb->rb_hash, 0, rb->rb_hcap * sizeof(*rb->rb_hash));
	return rc;
}

/* One call of the rebuild: its rows into the sums of its day. */
static int
stats_rebuild_call(const struct store_stats_call *c, void *arg)
{
	struct stats_rebuilding	*rb = arg;
	struct stats_contrib	 sc;
	char			 topics[CALL_MAX_TOPICS * 64], *p, *t;
	const char		*q;
	int64_t			 lo;
	int			 rc;

	if (c->ssc_started_at >= rb->rb_day_hi) {
		if ((rc = stats_sum_flush(rb, 1)) != STORE_OK)
			return rc;
		stats_day(rb->rb_cf->cf_timezone, c->ssc_started_at, &lo,
		    &rb->rb_day_hi);
	}
	rb->rb_calls++;
	memset(&sc, 0, sizeof(sc));
	sc.sc_started_at = c->ssc_started_at;
	sc.sc_d[0] = 1;
	sc.sc_d[1] = c->ssc_duration_s > 0 ? c->ssc_duration_s : 0;
	sc.sc_d[2] = c->ssc_duration_s >= 0;
	sc.sc_d[3] = stats_high_is(rb->rb_cf, c->ssc_risk);
	sc.sc_d[4] = c->ssc_items;
	sc.sc_d[5] = c->ssc_escalated;
	for (q = c->ssc_waits; q != NULL && *q != '\0'; q = p) {
		sc.sc_w[stats_wait_bucket(strtoll(q, &p, 10))]++;
		if (*p == ',')
			p++;
		else if (*p != '\0')
			break;
	}
	stats_contrib_val(&sc, 0, c->ssc_line);
	stats_contrib_val(&sc, 1, c->ssc_caller_type);
	snprintf(topics, sizeof(topics), "%s", c->ssc_topics != NULL ?
	    c->ssc_topics : "");
	for (p = topics; p != NULL && *p != '\0';)
		if ((t = strsep(&p, "\x1f")) != NULL && *t != '\0')
			stats_contrib_val(&sc, STATS_TOPIC, t);
	stats_contrib_val(&sc, 3, c->ssc_risk);
	stats_contrib_val(&sc, 4, c->ssc_outcome);
	stats_contrib_val(&sc, 5, c->ssc_operator);
	stats_contrib_val(&sc, 6, c->ssc_queue);
	stats_contrib_val(&sc, 7, c->ssc_call_type);
	return stats_contrib_emit(&sc, &rb->rb_sink);
}

/* Fold the sums left pending, in one transaction of their own. */
static int
stats_fold_pending(struct store *s, const struct config *cf)
{
	int64_t	 pending;
	int	 rc;

	if (store_stats_pending_count(s, &pending) != STORE_OK)
		return STORE_ERR;
	if (pending == 0)
		return STORE_OK;
	if (store_begin(s) != STORE_OK)
		return STORE_ERR;
	if ((rc = stats_fold(s, cf)) != STORE_OK) {
		store_rollback(s);
		return rc;
	}
	return store_commit(s);
}

/*
 * Build the rollups from the calls when they are missing: all of them
 * when the hourly ones are (an upgrade to a store version that has them,
 * or the calls changed behind hotlined's back) or count other risk codes
 * as high than the config (stats_high.c), the daily ones alone after an
 * upgrade that brings them, and when they count days in another zone
 * than the configured one. One transaction, one read of the calls in the
 * order of their start, a day's sums in memory at a time; logged.
 */
int
stats_rebuild(struct store *s, const struct config *cf)
{
	struct stats_rebuilding	 rb;
	char			*high;
	int			 rc, hourly, daily, keep;

	if (store_stats_missing(s, &hourly) != STORE_OK)
		return STORE_ERR;
	/* Hourly ones missing: the calls were changed behind our back. */
	daily = hourly || !stats_daily_ready(s, cf);
	/* Sums left pending: folded now, before high risk is checked. */
	if (!daily && stats_fold_pending(s, cf) != STORE_OK)
		return STORE_ERR;
	if (!hourly) {
		if (stats_high_start(s, cf, !daily, &keep) != STORE_OK)
			return STORE_ERR;
		if (!keep)
			hourly = daily = 1;
	}
	if (!hourly && !daily)
		return STORE_OK;
	if ((high = stats_high_json(cf)) == NULL)
		return STORE_ERR;
	memset(&rb, 0, sizeof(rb));
	rb.rb_store = s;
	rb.rb_cf = cf;
	rb.rb_sink.sk_add = stats_sum_add;
	rb.rb_sink.sk_arg = &rb;
	rb.rb_sink.sk_hourly = hourly;
	rb.rb_sink.sk_daily = daily;
	rb.rb_sink.sk_zone = cf->cf_timezone;
	rb.rb_day_hi = INT64_MIN;
	notify_extend("building the statistics rollups");
	log_info("building the statistics rollups (%s) from the stored calls",
	    hourly && daily ? "hourly and daily" : hourly ? "hourly" : "daily");
	if (store_begin(s) != STORE_OK) {
		free(high);
		return STORE_ERR;
	}
	if ((rc = store_stats_clear(s, hourly)) == STORE_OK &&
	    (rc = store_stats_each_call(s, stats_rebuild_call, &rb)) ==
	    STORE_OK && (rc = stats_sum_flush(&rb, 1)) == STORE_OK &&
	    (rc = store_stats_high_set(s, high)) == STORE_OK && daily)
		rc = store_stats_daily_set_zone(s, cf->cf_timezone);
	stats_sum_flush(&rb, 0);
	free(high);
	free(rb.rb_sums);
	free(rb.rb_hash);
	if (rc != STORE_OK) {
		store_rollback(s);
		return rc;
	}
	if ((rc = store_commit(s)) == STORE_OK)
		log_info("statistics rollups built from %lld calls",
		    (long long)rb.rb_calls);
	return rc;
}

/* One call pending: its sums into the fold's. */
static int
stats_fold_call(int64_t started_at, const char *sums, const char *vals,
    void *arg)
{
	struct stats_rebuilding	*rb = arg;
	struct stats_contrib	 sc;
	char			 buf[STATS_VALS_LEN];

	stats_contrib_parse(&sc, started_at, sums, vals, buf, sizeof(buf));
	return stats_contrib_emit(&sc, &rb->rb_sink);
}

/*
 * Fold the pending sums into the daily and monthly rows, inside the
 * caller's transaction, and forget them.
 */
static int
stats_fold(struct store *s, const struct config *cf)
{
	struct stats_rebuilding	 rb;
	int			 rc;

	memset(&rb, 0, sizeof(rb));
	rb.rb_store = s;
	rb.rb_cf = cf;
	rb.rb_sink.sk_add = stats_sum_add;
	rb.rb_sink.sk_arg = &rb;
	rb.rb_sink.sk_daily = 1;
	rb.rb_sink.sk_zone = cf->cf_timezone;
	if ((rc = store_stats_pending_each(s, INT64_MIN, INT64_MAX,
	    stats_fold_call, &rb)) == STORE_OK &&
	    (rc = stats_sum_flush(&rb, 1)) == STORE_OK)
		rc = store_stats_pending_clear(s);
	stats_sum_flush(&rb, 0);
	free(rb.rb_sums);
	free(rb.rb_hash);
	return rc;
}

/* A question's reading of the pending sums: the values it asks for. */
struct stats_pending_reading {
	int	 pr_dim[2];		/* -1: none */
	int	(*pr_fn)(const struct store_stats_row *, void *);
	void	*pr_arg;
};

static int
stats_pending_call(int64_t started_at, const char *sums, const char *vals,
    void *arg)
{
	struct stats_pending_reading	*pr = arg;
	struct stats_contrib		 sc;
	struct store_stats_row		 w;
	char				 buf[STATS_VALS_LEN];
	size_t				 a, b, na, nb;
	int				 i;

	stats_contrib_parse(&sc, started_at, sums, vals, buf, sizeof(buf));
	memset(&w, 0, sizeof(w));
	w.ssr_hour = started_at;
	w.ssr_calls = sc.sc_d[0];
	w.ssr_dur_sum = (double)sc.sc_d[1];
	w.ssr_dur_n = sc.sc_d[2];
	w.ssr_high = sc.sc_d[3];
	w.ssr_items = sc.sc_d[4];
	w.ssr_escalated = sc.sc_d[5];
	for (i = 0; i < STORE_WAIT_BUCKETS; i++)
		w.ssr_waits[i] = sc.sc_w[i];
	na = pr->pr_dim[0] == -1 ? 1 : sc.sc_nval[pr->pr_dim[0]];
	nb = pr->pr_dim[1] == -1 ? 1 : sc.sc_nval[pr->pr_dim[1]];
	for (a = 0; a < na; a++)
		for (b = 0; b < nb; b++) {
			w.ssr_val[0] = pr->pr_dim[0] == -1 ? NULL :
			    sc.sc_val[pr->pr_dim[0]][a];
			w.ssr_val[1] = pr->pr_dim[1] == -1 ? NULL :
			    sc.sc_val[pr->pr_dim[1]][b];
			if (pr->pr_fn(&w, pr->pr_arg) == -1)
				return STORE_ERR;
		}
	return STORE_OK;
}

/*
 * The sums still pending of the calls started in [lo, hi), in the order
 * of their start, as rows of the values of dimensions a and b (NULL:
 * none), each to fn: what the daily and monthly rows do not hold yet.
 */
int
stats_pending_rows(struct store *s, const char *a, const char *b, int64_t lo,
    int64_t hi, int (*fn)(const struct store_stats_row *, void *), void *arg)
{
	struct stats_pending_reading	 pr;

	pr.pr_dim[0] = a != NULL ? stats_rdim(a) : -1;
	pr.pr_dim[1] = b != NULL ? stats_rdim(b) : -1;
	pr.pr_fn = fn;
	pr.pr_arg = arg;
	if ((a != NULL && pr.pr_dim[0] == -1) ||
	    (b != NULL && pr.pr_dim[1] == -1))
		return STORE_ERR;
	return store_stats_pending_each(s, lo, hi, stats_pending_call, &pr);
}
