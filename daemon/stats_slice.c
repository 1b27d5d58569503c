/*
 * Where each part of a statistics question is read from: each bucket of
 * the range is cut into the whole local months inside it (stats_monthly),
 * the whole local days left (stats_daily), the whole UTC hours at its
 * edges (stats_hourly; one coded dimension at most) and what is left off
 * the hour (the calls themselves, a quarter of an hour a slice). With two
 * coded dimensions an edge more than half a day long is read as its
 * whole day (stats_daily) less the calls of the rest of that day, which
 * are fewer: the hours hold no pairs, so the calls are what costs. stats.c
 * reads the slices a few at a time, the calls' as a JSON list bound to
 * one statement (stats_slices_json). stats_slices_calls() cuts nothing:
 * the calls alone, when the rollups cannot answer. And the local day and
 * month holding a time, which the rollups' rows are of.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "domain.h"

/* The last local day or month asked for, and its zone. */
struct stats_span {
	char		 sp_zone[64];
	int64_t		 sp_lo, sp_hi;
};

/*
 * The local day (month 0) or month holding t, [*lo, *hi), in the
 * process's zone (which is zone): the last one is remembered in c, as
 * most writes fall in it.
 */
static void
stats_span(struct stats_span *c, const char *zone, int64_t t, int month,
    int64_t *lo, int64_t *hi)
{
	struct tm	 tm, next;
	time_t		 tt = (time_t)t;

	if (t >= c->sp_lo && t < c->sp_hi && strcmp(zone, c->sp_zone) == 0) {
		*lo = c->sp_lo;
		*hi = c->sp_hi;
		return;
	}
	localtime_r(&tt, &tm);
	tm.tm_sec = tm.tm_min = tm.tm_hour = 0;
	if (month)
		tm.tm_mday = 1;
	/* The next from the same fields: mktime() moves a midnight that
	   does not exist (the clocks go from 24:00 to 01:00) to 01:00. */
	next = tm;
	if (month)
		next.tm_mon++;
	else
		next.tm_mday++;
	tm.tm_isdst = next.tm_isdst = -1;
	*lo = (int64_t)mktime(&tm);
	*hi = (int64_t)mktime(&next);
	snprintf(c->sp_zone, sizeof(c->sp_zone), "%s", zone);
	c->sp_lo = *lo;
	c->sp_hi = *hi;
}

/* The local day holding t, [*lo, *hi), in the process's zone (zone). */
void
stats_day(const char *zone, int64_t t, int64_t *lo, int64_t *hi)
{
	static struct stats_span	 c;

	stats_span(&c, zone, t, 0, lo, hi);
}

/* The local month holding t, [*lo, *hi), as stats_day. */
void
stats_month(const char *zone, int64_t t, int64_t *lo, int64_t *hi)
{
	static struct stats_span	 c;

	stats_span(&c, zone, t, 1, lo, hi);
}

/* The slices made so far. */
struct stats_slicing {
	struct stats_slice	*x_v;
	size_t			 x_n, x_cap;
	int			 x_timed;	/* buckets are of time */
	size_t			 x_ncode;
	const char		*x_zone;	/* NULL: no days, no months */
};

/* Add slice [lo, hi) of bucket k from src (neg: to subtract). */
static int
stats_add_signed(struct stats_slicing *x, int64_t lo, int64_t hi, size_t k,
    enum stats_src src, int neg)
{
	struct stats_slice	*v;

	/* Calls a quarter of an hour at most a slice: a step reads one or
	   more, or the start of one when the calls are slow to read. */
	if (src == SS_CALLS && hi - lo > 900)
		return stats_add_signed(x, lo, lo + 900, k, src, neg) == -1 ?
		    -1 : stats_add_signed(x, lo + 900, hi, k, src, neg);
	if (lo >= hi)
		return 0;
	if (x->x_n == x->x_cap) {
		x->x_cap = x->x_cap == 0 ? 64 : x->x_cap * 2;
		if ((v = reallocarray(x->x_v, x->x_cap, sizeof(*v))) == NULL)
			return -1;
		x->x_v = v;
	}
	v = &x->x_v[x->x_n++];
	v->sl_lo = lo;
	v->sl_hi = hi;
	v->sl_k = x->x_timed ? (int64_t)k : -1;
	v->sl_src = src;
	v->sl_neg = neg;
	v->sl_tot = 0;
	return 0;
}

/* Add slice [lo, hi) of bucket k from src; nothing when empty. */
static int
stats_add_slice(struct stats_slicing *x, int64_t lo, int64_t hi, size_t k,
    enum stats_src src)
{
	return stats_add_signed(x, lo, hi, k, src, 0);
}

/*
 * [lo, hi) of bucket k, off the local days: its whole UTC hours from
 * stats_hourly (one coded dimension at most), the rest from the calls.
 */
static int
stats_slice_hours(struct stats_slicing *x, int64_t lo, int64_t hi, size_t k)
{
	int64_t	 h0 = lo + ((3600 - lo % 3600) % 3600 + 3600) % 3600;
	int64_t	 h1 = hi - ((hi % 3600) + 3600) % 3600;

	if (x->x_ncode > 1 || h0 >= h1)
		return stats_add_slice(x, lo, hi, k, SS_CALLS);
	return stats_add_slice(x, lo, h0, k, SS_CALLS) == -1 ||
	    stats_add_slice(x, h0, h1, k, SS_HOURS) == -1 ||
	    stats_add_slice(x, h1, hi, k, SS_CALLS) == -1 ? -1 : 0;
}

/*
 * Whether the daily rows of [ds, de) hold that day alone: the day before
 * ends and the day after begins at its bounds (a day whose midnight the
 * clocks skip may not, by mktime()'s reckoning).
 */
static int
stats_day_whole(const char *zone, int64_t ds, int64_t de)
{
	int64_t	 lo, hi;

	stats_day(zone, ds - 1, &lo, &hi);
	if (hi != ds)
		return 0;
	stats_day(zone, de, &lo, &hi);
	return lo == de;
}

/*
 * [lo, hi) of bucket k, inside one local day: with two coded dimensions
 * and less of the day outside it than in, the day less the calls of the
 * rest of it, in the order that lets the day join the days after it
 * (the first edge) or before it (the last) in one read.
 */
static int
stats_slice_edge(struct stats_slicing *x, int64_t lo, int64_t hi, size_t k)
{
	int64_t	 ds, de;

	if (lo >= hi)
		return 0;
	if (x->x_zone == NULL || x->x_ncode < 2)
		return stats_slice_hours(x, lo, hi, k);
	stats_day(x->x_zone, lo, &ds, &de);
	if (hi > de || (lo - ds) + (de - hi) >= hi - lo ||
	    !stats_day_whole(x->x_zone, ds, de))
		return stats_slice_hours(x, lo, hi, k);
	return stats_add_signed(x, ds, lo, k, SS_CALLS, 1) == -1 ||
	    stats_add_slice(x, ds, de, k, SS_DAYS) == -1 ||
	    stats_add_signed(x, hi, de, k, SS_CALLS, 1) == -1 ? -1 : 0;
}

/*
 * [lo, hi) of bucket k, whole local days: its whole local months from
 * stats_monthly, the days at their edges from stats_daily.
 */
static int
stats_slice_days(struct stats_slicing *x, int64_t lo, int64_t hi, size_t k)
{
	int64_t	 m0, m1, next;

	stats_month(x->x_zone, lo, &m0, &next);
	if (m0 < lo)
		m0 = next;
	stats_month(x->x_zone, hi - 1, &m1, &next);
	if (next == hi)
		m1 = hi;
	if (m0 >= m1)
		return stats_add_slice(x, lo, hi, k, SS_DAYS);
	return stats_add_slice(x, lo, m0, k, SS_DAYS) == -1 ||
	    stats_add_slice(x, m0, m1, k, SS_MONTHS) == -1 ||
	    stats_add_slice(x, m1, hi, k, SS_DAYS) == -1 ? -1 : 0;
}

/*
 * The slices of the n buckets between bounds (n + 1 of them; timed: they
 * are buckets of time) for a question of ncode coded dimensions, into
 * *out (caller frees) and *nout; with zone NULL, no days or months (they
 * do not count in the configured zone). -1 when out of memory.
 */
int
stats_slices(const int64_t *bounds, size_t n, int timed, size_t ncode,
    const char *zone, struct stats_slice **out, size_t *nout)
{
	struct stats_slicing	 x = { NULL, 0, 0, timed, ncode, zone };
	int64_t			 lo, hi, d0, d1, next;
	size_t			 b;

	for (b = 0; b < n; b++) {
		lo = bounds[b];
		hi = bounds[b + 1];
		d0 = d1 = hi;
		if (zone != NULL) {
			stats_day(zone, lo, &d0, &next);
			if (d0 < lo)
				d0 = next;
			stats_day(zone, hi - 1, &d1, &next);
			if (next == hi)
				d1 = hi;
			/* Inside one day; or over a midnight, but with its
			   two edges cut apart only where a day less the
			   rest of it can save reading calls. */
			if (d0 > d1 || (d0 == d1 && ncode < 2))
				d0 = d1 = hi;
		}
		if (stats_slice_edge(&x, lo, d0, b) == -1 ||
		    (d0 < d1 && stats_slice_days(&x, d0, d1, b) == -1) ||
		    stats_slice_edge(&x, d1, hi, b) == -1) {
			free(x.x_v);
			return -1;
		}
	}
	*out = x.x_v;
	*nout = x.x_n;
	return 0;
}

/* The n slices at v as a JSON list of [lo, hi, k]; caller frees. */
char *
stats_slices_json(const struct stats_slice *v, size_t n)
{
	json_t	*a = json_array();
	char	*s;
	size_t	 i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, json_pack("[I, I, I]",
		    (json_int_t)v[i].sl_lo, (json_int_t)v[i].sl_hi,
		    (json_int_t)v[i].sl_k));
	s = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return s;
}

/*
 * The slices of the n buckets between bounds (timed: of time) all from
 * the calls, one a bucket, when no rollup counts as the question must
 * (stats_high.c); stats.c reads a long one a part a step. -1 when out of
 * memory.
 */
int
stats_slices_calls(const int64_t *bounds, size_t n, int timed,
    struct stats_slice **out, size_t *nout)
{
	struct stats_slice	*v;
	size_t			 b, k = 0;

	*out = NULL;
	*nout = 0;
	if (n == 0)
		return 0;
	if ((v = calloc(n, sizeof(*v))) == NULL)
		return -1;
	for (b = 0; b < n; b++) {
		if (bounds[b] >= bounds[b + 1])
			continue;
		v[k].sl_lo = bounds[b];
		v[k].sl_hi = bounds[b + 1];
		v[k].sl_k = timed ? (int64_t)b : -1;
		v[k++].sl_src = SS_CALLS;
	}
	*out = v;
	*nout = k;
	return 0;
}
