/*
 * Statistics for supervisors: calls in a time range broken down by one or
 * two dimensions (a local hour, day, ISO week or month, and/or a coded
 * field). Time buckets come from clock.c in the configured timezone and
 * are joined as a JSON list of [lo, hi) ranges, so each bucket is an index
 * range scan and empty buckets are still there.
 *
 * The questions are answered from the rollups, kept in the same
 * transaction as every write that changes them (stats_rollup.c): each
 * bucket is cut into the whole local days inside it, read from
 * stats_daily (per day and pair of coded dimensions: a year of line by
 * risk is a few thousand rows), the whole UTC hours left at its edges,
 * read from stats_hourly (one dimension; two are read from the calls),
 * and what is left off the hour, read from the calls themselves
 * (store_stats.c holds the SQL; this file adds the rows up). While the
 * rollups count other risk codes as high than the config does (a reload
 * changed them: stats_high.c), the whole range is read from the calls.
 *
 * Waits (from an item's due time to its first claim) are counted in
 * buckets; a percentile is the upper bound of the bucket it falls in.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"

#define STATS_MAX_BUCKETS	10000

enum stats_kind { SK_TIME, SK_CODE };

/* The coded ones have their SQL in store_stats.c, by the same names. */
static const struct stats_dim {
	const char	*sd_name;
	enum stats_kind	 sd_kind;
	enum clock_unit	 sd_unit;	/* SK_TIME */
} stats_dims[] = {
	{ "hour", SK_TIME, CLOCK_HOUR },
	{ "day", SK_TIME, CLOCK_DAY },
	{ "week", SK_TIME, CLOCK_WEEK },
	{ "month", SK_TIME, CLOCK_MONTH },
	{ "line", SK_CODE, 0 },
	{ "caller_type", SK_CODE, 0 },
	{ "topic", SK_CODE, 0 },
	{ "risk", SK_CODE, 0 },
	{ "outcome", SK_CODE, 0 },
	{ "operator", SK_CODE, 0 },
	{ "queue", SK_CODE, 0 },
	{ "call_type", SK_CODE, 0 },
};
#define STATS_NDIMS	(sizeof(stats_dims) / sizeof(stats_dims[0]))


struct stats_group {
	int64_t			 sg_bucket;	/* -1: no time dimension */
	char			*sg_val[2];	/* the coded values, or NULL */
	struct stats_acc	 sg_acc;
};


struct stats_req {
	const struct config	*sr_cf;
	struct store		*sr_store;
	struct store_stats_scan	*sr_scan;	/* from the calls */
	int64_t			 sr_from, sr_to;
	struct stats_slice	*sr_slices;
	size_t			 sr_nslices;
	size_t			 sr_next;	/* the first slice not read */
	int			 sr_rollups;	/* they count high as sr_cf */
	int			 sr_daily;	/* stats_daily can answer */
	int64_t			 sr_span[SS_NSRC];	/* of the next step */
	int64_t			 sr_rows;	/* read by the step */
	char			*sr_high;	/* risk codes, a JSON list */
	const struct stats_dim	*sr_time;	/* or NULL */
	const struct stats_dim	*sr_code[2];	/* or NULL */
	size_t			 sr_ncode;
	int64_t			*sr_bounds;
	size_t			 sr_nbuckets;
	struct stats_group	*sr_groups;
	size_t			 sr_ngroups;
	size_t			 sr_capgroups;
	int			 sr_prefilled;	/* every group shown */
	size_t			*sr_hash;	/* group index + 1; 0: free */
	size_t			 sr_hcap;	/* a power of two */
	struct stats_acc	 sr_total;
};

static const struct stats_dim *
stats_dim_find(const char *name)
{
	size_t	 i;

	for (i = 0; i < STATS_NDIMS; i++)
		if (strcmp(stats_dims[i].sd_name, name) == 0)
			return &stats_dims[i];
	return NULL;
}

/* The configured codes of a coded dimension, or NULL (operator, ...). */
static const struct code_list *
stats_codes(const struct config *cf, const struct stats_dim *d)
{
	if (strcmp(d->sd_name, "line") == 0)
		return &cf->cf_lines;
	if (strcmp(d->sd_name, "caller_type") == 0)
		return &cf->cf_caller_types;
	if (strcmp(d->sd_name, "topic") == 0)
		return &cf->cf_topics;
	if (strcmp(d->sd_name, "risk") == 0)
		return &cf->cf_risks;
	if (strcmp(d->sd_name, "outcome") == 0)
		return &cf->cf_outcomes;
	if (strcmp(d->sd_name, "queue") == 0)
		return &cf->cf_queues;
	if (strcmp(d->sd_name, "call_type") == 0)
		return &call_types;
	return NULL;
}

/*
 * Parse by ("day,line"): one or two known dimensions, at most one of them
 * a time. On error, a message for the client in err.
 */
static int
stats_parse_by(struct stats_req *r, const char *by, char *err, size_t len)
{
	const struct stats_dim	*d;
	char			 buf[64], *p, *tok;
	size_t			 n = 0;

	if (by == NULL || *by == '\0' || strlen(by) >= sizeof(buf)) {
		snprintf(err, len, "by must name one or two of: hour, day, "
		    "week, month, line, caller_type, topic, risk, outcome, "
		    "operator, queue, call_type");
		return -1;
	}
	snprintf(buf, sizeof(buf), "%s", by);
	for (p = buf; (tok = strsep(&p, ",")) != NULL; n++) {
		if ((d = stats_dim_find(tok)) == NULL) {
			snprintf(err, len, "by: unknown dimension \"%.32s\"; "
			    "use hour, day, week, month, line, caller_type, "
			    "topic, risk, outcome, operator, queue or "
			    "call_type", tok);
			return -1;
		}
		if (n == 2) {
			snprintf(err, len, "by takes at most two dimensions");
			return -1;
		}
		if ((d->sd_kind == SK_TIME && r->sr_time != NULL) ||
		    (r->sr_ncode == 1 && r->sr_code[0] == d)) {
			snprintf(err, len, "by: %s twice, or two time "
			    "dimensions", tok);
			return -1;
		}
		if (d->sd_kind == SK_TIME)
			r->sr_time = d;
		else
			r->sr_code[r->sr_ncode++] = d;
	}
	return 0;
}

static int
stats_same(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static size_t
stats_hash(int64_t bucket, const char *v0, const char *v1)
{
	uint64_t	 h = 1469598103934665603ULL ^ (uint64_t)bucket;
	const char	*v[2] = { v0, v1 };
	const char	*p;
	int		 i;

	for (i = 0; i < 2; i++) {
		h = (h ^ (v[i] == NULL ? 0x55 : 0xaa)) * 1099511628211ULL;
		for (p = v[i]; p != NULL && *p != '\0'; p++)
			h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	}
	return (size_t)h;
}

/* Put group i into the hash; the table has room. */
static void
stats_hash_put(struct stats_req *r, size_t i)
{
	const struct stats_group	*g = &r->sr_groups[i];
	size_t				 k;

	k = stats_hash(g->sg_bucket, g->sg_val[0], g->sg_val[1]) &
	    (r->sr_hcap - 1);
	while (r->sr_hash[k] != 0)
		k = (k + 1) & (r->sr_hcap - 1);
	r->sr_hash[k] = i + 1;
}

/* Keep the hash at most half full. */
static int
stats_hash_grow(struct stats_req *r)
{
	size_t	 i;

	if ((r->sr_ngroups + 1) * 2 <= r->sr_hcap)
		return 0;
	free(r->sr_hash);
	r->sr_hcap = r->sr_hcap == 0 ? 256 : r->sr_hcap * 2;
	if ((r->sr_hash = calloc(r->sr_hcap, sizeof(*r->sr_hash))) == NULL)
		return -1;
	for (i = 0; i < r->sr_ngroups; i++)
		stats_hash_put(r, i);
	return 0;
}

/* The group of (bucket, v0, v1), made if missing; NULL when out of memory. */
static struct stats_acc *
stats_group(struct stats_req *r, int64_t bucket, const char *v0,
    const char *v1)
{
	struct stats_group	*g, *ng;
	size_t			 k;

	if (r->sr_hcap > 0) {
		k = stats_hash(bucket, v0, v1) & (r->sr_hcap - 1);
		for (; r->sr_hash[k] != 0; k = (k + 1) & (r->sr_hcap - 1)) {
			g = &r->sr_groups[r->sr_hash[k] - 1];
			if (g->sg_bucket == bucket &&
			    stats_same(g->sg_val[0], v0) &&
			    stats_same(g->sg_val[1], v1))
				return &g->sg_acc;
		}
	}
	if (stats_hash_grow(r) == -1)
		return NULL;
	if (r->sr_ngroups == r->sr_capgroups) {
		r->sr_capgroups = r->sr_capgroups == 0 ? 64 :
		    r->sr_capgroups * 2;
		if ((ng = reallocarray(r->sr_groups, r->sr_capgroups,
		    sizeof(*ng))) == NULL)
			return NULL;
		r->sr_groups = ng;
	}
	g = &r->sr_groups[r->sr_ngroups];
	memset(g, 0, sizeof(*g));
	g->sg_bucket = bucket;
	g->sg_val[0] = v0 != NULL ? strdup(v0) : NULL;
	g->sg_val[1] = v1 != NULL ? strdup(v1) : NULL;
	stats_hash_put(r, r->sr_ngroups++);
	return &g->sg_acc;
}

/* Every bucket crossed with every configured code: present with zeros. */
static int
stats_prefill(struct stats_req *r)
{
	const struct code_list	*cl[2] = { NULL, NULL };
	size_t			 b, i, j, ni, nj;

	if (r->sr_time == NULL)
		return 0;
	for (i = 0; i < r->sr_ncode; i++)
		if ((cl[i] = stats_codes(r->sr_cf, r->sr_code[i])) == NULL)
			return 0;	/* operators: only those with calls */
	r->sr_prefilled = 1;
	ni = cl[0] != NULL ? cl[0]->cl_n : 1;
	nj = cl[1] != NULL ? cl[1]->cl_n : 1;
	for (b = 0; b < r->sr_nbuckets; b++)
		for (i = 0; i < ni; i++)
			for (j = 0; j < nj; j++)
				if (stats_group(r, (int64_t)b, cl[0] != NULL ?
				    cl[0]->cl_v[i].cn_code : NULL,
				    cl[1] != NULL ? cl[1]->cl_v[j].cn_code :
				    NULL) == NULL)
					return -1;
	return 0;
}

/* What a read of rows adds into: a request, by dimension or in total. */
struct stats_reading {
	struct stats_req	*rd_req;
	int			 rd_with_dims;
	int			 rd_total;	/* a grouped row: the totals too */
	size_t			 rd_bucket;	/* rollups: the row's */
	int			 rd_pos;	/* daily: code 0's value */
	int			 rd_sign;	/* 1, or -1 to subtract */
};

/* A row of calls or items: into its group, or the totals. */
static int
stats_row(const struct store_stats_row *w, void *arg)
{
	struct stats_reading	*rd = arg;
	struct stats_acc	*a;

	rd->rd_req->sr_rows++;
	a = rd->rd_with_dims ? stats_group(rd->rd_req, w->ssr_bucket,
	    w->ssr_val[0], w->ssr_val[1]) : &rd->rd_req->sr_total;
	if (a == NULL)
		return -1;
	stats_acc_add(a, w, rd->rd_sign);
	if (rd->rd_with_dims && rd->rd_total)
		stats_acc_add(&rd->rd_req->sr_total, w, rd->rd_sign);
	return 0;
}

/*
 * The calls: count, durations, share at high risk, per group (with_dims:
 * 1, or 2 to add each group's row to the totals as well), or the totals;
 * added, or subtracted (neg).
 */
static int
stats_calls(struct stats_req *r, const char *bounds, const char *high,
    int with_dims, int neg)
{
	struct stats_reading	 rd = { r, with_dims > 0, with_dims == 2,
				    0, 0, neg ? -1 : 1 };

	if (store_stats_calls(r->sr_scan, rd.rd_with_dims, bounds, high,
	    stats_row, &rd) != STORE_OK) {
		log_warnx("%s: %s", __func__, store_errmsg(r->sr_store));
		return -1;
	}
	return 0;
}

/* The items: follow-ups, past SLA, the waits until the first claim. */
static int
stats_items(struct stats_req *r, const char *bounds, int with_dims, int neg)
{
	struct stats_reading	 rd = { r, with_dims > 0, with_dims == 2,
				    0, 0, neg ? -1 : 1 };

	if (store_stats_items(r->sr_scan, rd.rd_with_dims, bounds, stats_row,
	    &rd) != STORE_OK) {
		log_warnx("%s: %s", __func__, store_errmsg(r->sr_store));
		return -1;
	}
	return 0;
}

/* "400" -> "400-8692-525"; NULL when the code is not configured. */
static const char *
stats_name(const struct stats_req *r, const struct stats_dim *d,
    const char *code)
{
	const struct code_list	*cl = stats_codes(r->sr_cf, d);
	const struct code_name	*cn;

	if (cl == NULL || code == NULL || (cn = config_find(cl, code)) == NULL)
		return NULL;
	return cn->cn_name;
}

static json_t *
stats_group_json(const struct stats_req *r, const struct stats_group *g)
{
	json_t		*o = json_object();
	const char	*name;
	char		 label[40], key[48];
	size_t		 i;

	if (r->sr_time != NULL) {
		clock_bucket_label(r->sr_bounds[g->sg_bucket],
		    r->sr_time->sd_unit, label, sizeof(label));
		json_object_set_new(o, r->sr_time->sd_name,
		    json_string(label));
	}
	for (i = 0; i < r->sr_ncode; i++) {
		json_object_set_new(o, r->sr_code[i]->sd_name, g->sg_val[i] ==
		    NULL || *g->sg_val[i] == '\0' ? json_null() :
		    json_string(g->sg_val[i]));
		if ((name = stats_name(r, r->sr_code[i], g->sg_val[i])) !=
		    NULL) {
			snprintf(key, sizeof(key), "%s_name",
			    r->sr_code[i]->sd_name);
			json_object_set_new(o, key, json_string(name));
		}
	}
	stats_metrics(o, &g->sg_acc);
	return o;
}

/* The position of a code in its configured list; unknown ones last. */
static size_t
stats_rank(const struct stats_req *r, size_t i, const char *v)
{
	const struct code_list	*cl = stats_codes(r->sr_cf, r->sr_code[i]);
	const struct code_name	*cn;

	if (cl == NULL || v == NULL || (cn = config_find(cl, v)) == NULL)
		return (size_t)-1;
	return (size_t)(cn - cl->cl_v);
}

static const struct stats_req *stats_sorting;

static int
stats_cmp(const void *pa, const void *pb)
{
	const struct stats_group	*a = pa, *b = pb;
	const struct stats_req		*r = stats_sorting;
	size_t				 i, ra, rb;
	int				 c;

	if (a->sg_bucket != b->sg_bucket)
		return a->sg_bucket < b->sg_bucket ? -1 : 1;
	for (i = 0; i < r->sr_ncode; i++) {
		ra = stats_rank(r, i, a->sg_val[i]);
		rb = stats_rank(r, i, b->sg_val[i]);
		if (ra != rb)
			return ra < rb ? -1 : 1;
		c = strcmp(a->sg_val[i] != NULL ? a->sg_val[i] : "",
		    b->sg_val[i] != NULL ? b->sg_val[i] : "");
		if (c != 0)
			return c;
	}
	return 0;
}

static void
stats_req_free(struct stats_req *r)
{
	size_t	 i;

	for (i = 0; i < r->sr_ngroups; i++) {
		free(r->sr_groups[i].sg_val[0]);
		free(r->sr_groups[i].sg_val[1]);
	}
	store_stats_scan_free(r->sr_scan);
	free(r->sr_groups);
	free(r->sr_hash);
	free(r->sr_bounds);
	free(r->sr_slices);
	free(r->sr_high);
}

/*
 * A rollup row, in time order: its hour or day is matched to the buckets
 * here, walking the sorted bounds, which costs less than a join per
 * bucket. A daily row holds a pair of values: the ones asked for, in the
 * order asked (rd_pos says where the first is).
 */
static int
stats_rollup_row(const struct store_stats_row *w, void *arg)
{
	struct stats_reading	*rd = arg;
	struct stats_req	*r = rd->rd_req;
	struct stats_acc	*a;
	const char		*v0 = NULL, *v1 = NULL;

	r->sr_rows++;
	while (rd->rd_bucket + 1 < r->sr_nbuckets &&
	    w->ssr_hour >= r->sr_bounds[rd->rd_bucket + 1])
		rd->rd_bucket++;
	if (rd->rd_with_dims && r->sr_ncode > 0) {
		v0 = w->ssr_val[rd->rd_pos];
		if (r->sr_ncode > 1)
			v1 = w->ssr_val[!rd->rd_pos];
	}
	a = !rd->rd_with_dims ? &r->sr_total : stats_group(r,
	    r->sr_time != NULL ? (int64_t)rd->rd_bucket : -1, v0, v1);
	if (a == NULL)
		return -1;
	stats_acc_add(a, w, 1);
	return 0;
}

/*
 * The rollup rows of [lo, hi) into the groups (with_dims) or the totals:
 * from stats_hourly (tier 0), stats_daily (1) or stats_monthly (2).
 */
static int
stats_rollups(struct stats_req *r, int64_t lo, int64_t hi, int with_dims,
    int tier)
{
	struct stats_reading	 rd = { r, with_dims, 0, 0, 0, 1 };
	const char		*name;

	if (tier > 0)
		name = stats_pair(with_dims && r->sr_ncode > 0 ?
		    r->sr_code[0]->sd_name : NULL, with_dims && r->sr_ncode >
		    1 ? r->sr_code[1]->sd_name : NULL, &rd.rd_pos);
	else
		name = with_dims && r->sr_ncode == 1 ?
		    r->sr_code[0]->sd_name : "all";
	if (name == NULL || store_stats_rollups(r->sr_store, name, tier, lo,
	    hi, stats_rollup_row, &rd) != STORE_OK) {
		log_warnx("%s: %s", __func__, name == NULL ? "no rollup" :
		    store_errmsg(r->sr_store));
		return -1;
	}
	/* With the days and months, the calls not yet folded into them. */
	rd.rd_bucket = 0;
	rd.rd_pos = 0;
	if (tier > 0 && stats_pending_rows(r->sr_store, with_dims &&
	    r->sr_ncode > 0 ? r->sr_code[0]->sd_name : NULL, with_dims &&
	    r->sr_ncode > 1 ? r->sr_code[1]->sd_name : NULL, lo, hi,
	    stats_rollup_row, &rd) != STORE_OK) {
		log_warnx("%s: %s", __func__, store_errmsg(r->sr_store));
		return -1;
	}
	return 0;
}

/*
 * The slices of the n buckets between bounds: from the rollups, or all
 * from the calls when the rollups count other risk codes as high than
 * the config (a reload changed them: exact, and slower, until the next
 * start builds them again).
 */
static int
stats_req_slices(const struct stats_req *r, const int64_t *bounds, size_t n,
    int timed, size_t ncode, struct stats_slice **out, size_t *nout)
{
	if (!r->sr_rollups)
		return stats_slices_calls(bounds, n, timed, out, nout);
	return stats_slices(bounds, n, timed, ncode, r->sr_daily ?
	    r->sr_cf->cf_timezone : NULL, out, nout);
}

/* Whether a call may be in several groups: one per topic. */
static int
stats_by_topic(const struct stats_req *r)
{
	size_t	 i;

	for (i = 0; i < r->sr_ncode; i++)
		if (strcmp(r->sr_code[i]->sd_name, "topic") == 0)
			return 1;
	return 0;
}

/*
 * With topics, a call is in several groups: the totals are read apart,
 * as a question of no dimension over the whole range (from the rollups
 * but for the minutes off the hour), after the groups' slices.
 */
static int
stats_total_slices(struct stats_req *r)
{
	struct stats_slice	*t, *v;
	int64_t			 range[2] = { r->sr_from, r->sr_to };
	size_t			 i, n;

	if (!stats_by_topic(r))
		return 0;
	if (stats_req_slices(r, range, 1, 0, 0, &t, &n) == -1)
		return -1;
	if ((v = reallocarray(r->sr_slices, r->sr_nslices + n,
	    sizeof(*v))) == NULL) {
		free(t);
		return -1;
	}
	for (i = 0; i < n; i++) {
		t[i].sl_tot = 1;
		v[r->sr_nslices + i] = t[i];
	}
	free(t);
	r->sr_slices = v;
	r->sr_nslices += n;
	return 0;
}

/*
 * Start the statistics of the calls started in [from, to) by the
 * dimensions in by. STATS_OK with *out to step through; STATS_BAD with a
 * message for the client in err; STATS_ERR when out of memory.
 */
int
stats_start(struct store *s, const struct config *cf, int64_t from,
    int64_t to, const char *by, struct stats_req **out, char *err,
    size_t len)
{
	struct stats_req	*r;

	*out = NULL;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return STATS_ERR;
	r->sr_cf = cf;
	r->sr_store = s;
	r->sr_from = from;
	r->sr_to = to;
	if (stats_parse_by(r, by, err, len) == -1) {
		stats_free(r);
		return STATS_BAD;
	}
	if (r->sr_time != NULL) {
		if (clock_buckets(from, to, r->sr_time->sd_unit,
		    STATS_MAX_BUCKETS, &r->sr_bounds, &r->sr_nbuckets) == -1) {
			snprintf(err, len, "from-to holds more than %d %ss; "
			    "use a larger unit or a shorter range",
			    STATS_MAX_BUCKETS, r->sr_time->sd_name);
			stats_free(r);
			return STATS_BAD;
		}
	} else {
		if ((r->sr_bounds = calloc(2, sizeof(*r->sr_bounds))) == NULL) {
			stats_free(r);
			return STATS_ERR;
		}
		r->sr_bounds[0] = from;
		r->sr_bounds[1] = to;
		r->sr_nbuckets = 1;
	}
	r->sr_rollups = stats_high_ready(s, cf) == 1;
	r->sr_daily = r->sr_rollups && (r->sr_time == NULL ||
	    r->sr_time->sd_unit != CLOCK_HOUR) ? stats_daily_ready(s, cf) : 0;
	if ((r->sr_scan = store_stats_scan_new(s, r->sr_time != NULL,
	    r->sr_ncode > 0 ? r->sr_code[0]->sd_name : NULL, r->sr_ncode > 1 ?
	    r->sr_code[1]->sd_name : NULL)) == NULL ||
	    (r->sr_high = stats_high_json(cf)) == NULL ||
	    stats_req_slices(r, r->sr_bounds, r->sr_nbuckets, r->sr_time !=
	    NULL, r->sr_ncode, &r->sr_slices, &r->sr_nslices) == -1 ||
	    stats_total_slices(r) == -1 ||
	    stats_prefill(r) == -1) {
		stats_free(r);
		return STATS_ERR;
	}
	*out = r;
	return STATS_OK;
}

/* A new config while a job runs: names and risk levels from it. */
void
stats_set_config(struct stats_req *r, const struct config *cf)
{
	r->sr_cf = cf;
}

/*
 * How much of the range the first step reads from each source; later
 * steps take as much as held about STATS_STEP_ROWS rows before, and no
 * more than took STATS_TURN_US: a row of the calls costs ten times more
 * once the page cache holds other questions' pages (ten million calls).
 */
static const int64_t stats_first_span[SS_NSRC] = {
	[SS_CALLS] = 300, [SS_HOURS] = 86400, [SS_DAYS] = 7 * 86400,
	[SS_MONTHS] = 31 * 86400,
};
#define STATS_STEP_ROWS		500

/*
 * The span of the next step from src, from the rows of the last and the
 * microseconds it took (usec).
 */
static void
stats_adapt(struct stats_req *r, enum stats_src src, int64_t span,
    int64_t usec)
{
	int64_t	 next = r->sr_rows > 0 ? span * STATS_STEP_ROWS / r->sr_rows :
	    span * 4;

	if (usec > 0 && span * STATS_TURN_US / usec < next)
		next = span * STATS_TURN_US / usec;
	if (next > span * 4)
		next = span * 4;
	r->sr_span[src] = next > 0 ? next : 1;
}

/*
 * Read the next slices: 1 when there is more, 0 when all is read, -1 when
 * the store failed. Each step reads adjacent slices of one source, which
 * feed the groups and the totals.
 */
int
stats_step(struct stats_req *r)
{
	struct stats_slice	*first, *v, part;
	int64_t			 span = 0, lo, end, t0 = clock_mono_usec();
	size_t			 last = r->sr_next;
	enum stats_src		 src;
	char			*slices;
	int			 rc, neg, with;

	if (r->sr_next == r->sr_nslices)
		return 0;
	first = &r->sr_slices[r->sr_next];
	src = first->sl_src;
	if (r->sr_span[src] == 0)
		r->sr_span[src] = stats_first_span[src];
	r->sr_rows = 0;
	if (src != SS_CALLS) {
		/* Adjacent slices as one range, cut at the span. */
		lo = first->sl_lo;
		end = lo + r->sr_span[src];
		while (last < r->sr_nslices && r->sr_slices[last].sl_src ==
		    src && r->sr_slices[last].sl_tot == first->sl_tot &&
		    r->sr_slices[last].sl_lo < end && (last ==
		    r->sr_next || r->sr_slices[last].sl_lo ==
		    r->sr_slices[last - 1].sl_hi))
			last++;
		v = &r->sr_slices[last - 1];
		if (end < v->sl_hi) {
			v->sl_lo = end;		/* the rest, next step */
			last--;
		} else
			end = v->sl_hi;
		rc = (!first->sl_tot && stats_rollups(r, lo, end, 1,
		    src - SS_HOURS) == -1) || ((first->sl_tot ||
		    !stats_by_topic(r)) && stats_rollups(r, lo, end, 0,
		    src - SS_HOURS) == -1) ? -1 : 0;
		stats_adapt(r, src, end - lo, clock_mono_usec() - t0);
		r->sr_next = last;
		return rc == -1 ? -1 : r->sr_next < r->sr_nslices;
	}
	if (first->sl_hi - first->sl_lo > r->sr_span[src]) {
		/* The start of a slice, the rest next step: same bucket. */
		part = *first;
		part.sl_hi = first->sl_lo = part.sl_lo + r->sr_span[src];
		span = part.sl_hi - part.sl_lo;
		slices = stats_slices_json(&part, 1);
	} else {
		while (last < r->sr_nslices && r->sr_slices[last].sl_src ==
		    src && r->sr_slices[last].sl_neg == first->sl_neg &&
		    r->sr_slices[last].sl_tot == first->sl_tot &&
		    span + r->sr_slices[last].sl_hi -
		    r->sr_slices[last].sl_lo <= r->sr_span[src]) {
			span += r->sr_slices[last].sl_hi -
			    r->sr_slices[last].sl_lo;
			last++;
		}
		slices = stats_slices_json(first, last - r->sr_next);
	}
	if (slices == NULL)
		return -1;
	/*
	 * Each call and item is in one group and the totals unless a call
	 * is counted under each of its topics: then the totals have slices
	 * of their own (stats_total_slices).
	 */
	neg = first->sl_neg;
	with = first->sl_tot ? 0 : stats_by_topic(r) ? 1 : 2;
	rc = stats_calls(r, slices, r->sr_high, with, neg) == -1 ||
	    stats_items(r, slices, with, neg) == -1 ? -1 : 0;
	free(slices);
	if (rc == -1)
		return -1;
	stats_adapt(r, SS_CALLS, span, clock_mono_usec() - t0);
	r->sr_next = last;
	return r->sr_next < r->sr_nslices;
}

/* Group i of a part (stats_part): a new reference. */
static json_t *
stats_group_at(void *arg, size_t i)
{
	struct stats_req	*r = arg;

	return stats_group_json(r, &r->sr_groups[i]);
}

/*
 * The answer of a job whose steps are done, as a part: its members but
 * the groups in p->sp_head (caller decrefs), the groups, sorted, one by
 * one through p->sp_group (api_stats.c writes them a few a loop turn).
 */
void
stats_part(struct stats_req *r, struct stats_part *p)
{
	json_t	*dims, *o;
	size_t	 i, j;

	stats_sorting = r;
	/* A group whose calls were all subtracted again is not there. */
	for (i = j = 0; i < r->sr_ngroups; i++) {
		if (!r->sr_prefilled && stats_acc_empty(&r->sr_groups[i].sg_acc)) {
			free(r->sr_groups[i].sg_val[0]);
			free(r->sr_groups[i].sg_val[1]);
		} else
			r->sr_groups[j++] = r->sr_groups[i];
	}
	r->sr_ngroups = j;
	/* No calls, no groups: sr_groups is NULL, which qsort may not get. */
	if (r->sr_ngroups > 0)
		qsort(r->sr_groups, r->sr_ngroups, sizeof(*r->sr_groups),
		    stats_cmp);
	dims = json_array();
	if (r->sr_time != NULL)
		json_array_append_new(dims, json_string(r->sr_time->sd_name));
	for (i = 0; i < r->sr_ncode; i++)
		json_array_append_new(dims, json_string(
		    r->sr_code[i]->sd_name));
	o = json_pack("{s:o, s:o, s:s, s:o}", "from",
	    call_json_time(r->sr_from), "to", call_json_time(r->sr_to),
	    "timezone", r->sr_cf->cf_timezone, "by", dims);
	json_object_set_new(o, "totals", json_object());
	stats_metrics(json_object_get(o, "totals"), &r->sr_total);
	for (i = 0; i < r->sr_ncode; i++)
		if (strcmp(r->sr_code[i]->sd_name, "topic") == 0)
			json_object_set_new(o, "note", json_string("topics are "
			    "multi-valued: a call with several topics counts "
			    "once under each, so the groups add up to more "
			    "than the totals"));
	p->sp_head = o;
	p->sp_n = r->sr_ngroups;
	p->sp_group = stats_group_at;
	p->sp_arg = r;
}

void
stats_free(struct stats_req *r)
{
	if (r == NULL)
		return;
	stats_req_free(r);
	free(r);
}
