/*
 * The follow-up and crisis measures of GET /v1/stats, beside the calls'
 * (stats.c) and the phone's (pbx_stats.c), read from their rollups
 * (stats_fu_rollup.c) a few dozen slices per loop turn, and the steps of
 * the current hour from the steps themselves; and a range's totals read
 * at once, for this month's figures on /metrics (stats_fu_month.c).
 *
 * Follow-up: the plans' steps, counted in the bucket of the time each
 * first fell due (once that time has come): done on time (the caller
 * reached within the queue's SLA for the step's priority after that
 * time; a day when the queue has none), done late, escalated, ended
 * early, still open; the attempts it took per reached contact and the
 * share reached. Crisis: the crisis records of the calls started in the
 * range, by intensity band, plan time frame, emergency agency and
 * outcome.
 */
#include <stdlib.h>
#include <string.h>

#include "domain.h"

#define SF_GROUPS_MAX		20000
#define SF_WINDOW_DEFAULT_S	86400	/* on time, when the queue has no SLA */

const char *const stats_bands[] = { "0", "1-3", "4-6", "7-10", NULL };
#define SF_NBANDS	4
#define SF_NFRAMES	3
#define SF_NAGENCIES	6
#if SF_NBANDS + 1 != STATS_CRISIS_NBANDS || SF_NAGENCIES != STATS_CRISIS_NAGENCIES
#error "the crisis bands or agencies differ from domain.h's"
#endif
#define SF_NOUTCOMES	3

enum sf_kind { SF_FOLLOWUP, SF_CRISIS };

static const struct {
	const char	*name;
	int		 time;		/* 1: a time unit */
	enum clock_unit	 unit;
	int		 kinds;		/* 1 << enum sf_kind: who has it */
} sf_dims[] = {
	{ "hour", 1, CLOCK_HOUR, 3 }, { "day", 1, CLOCK_DAY, 3 },
	{ "week", 1, CLOCK_WEEK, 3 }, { "month", 1, CLOCK_MONTH, 3 },
	{ "queue", 0, CLOCK_HOUR, 1 }, { "operator", 0, CLOCK_HOUR, 3 },
	{ "line", 0, CLOCK_HOUR, 2 }, { "risk", 0, CLOCK_HOUR, 2 },
};
#define SF_NDIMS	(sizeof(sf_dims) / sizeof(sf_dims[0]))

struct sf_tally {
	/* follow-up */
	int64_t		 t_due, t_on_time, t_late, t_escalated, t_ended;
	int64_t		 t_open, t_attempts, t_attempts_reached;
	/* crisis, in the order of STORE_CRISIS_SUMS */
	int64_t		 t_cr[STORE_CRISIS_NSUMS];
};
#define SF_CALLS	0
#define SF_IDEATION	1
#define SF_HOPELESS	(SF_IDEATION + SF_NBANDS + 1)
#define SF_FRAMES	(SF_HOPELESS + SF_NBANDS + 1)
#define SF_EMERG	(SF_FRAMES + SF_NFRAMES)
#define SF_AGENCY	(SF_EMERG + 1)
#define SF_OUTCOME	(SF_AGENCY + SF_NAGENCIES)
#if SF_OUTCOME + SF_NOUTCOMES != STORE_CRISIS_NSUMS
#error "the crisis sums differ from store.h's"
#endif

struct sf_group {
	char		 g_key[2][48];
	size_t		 g_rank[2];	/* a code's place in the config */
	struct sf_tally	 g_t;
};

struct sf_req {
	const struct config	*r_cf;
	enum sf_kind		 r_kind;
	int			 r_dim[2];	/* index in sf_dims; -1 */
	struct sf_group		*r_groups;
	size_t			 r_n, r_cap;
	struct sf_tally		 r_total;
	int			 r_oom;
	/* Prefilled (sf_prefill): bucket b, code j is group b * r_nj + j. */
	int64_t			*r_bounds;
	size_t			 r_nb, r_nj, r_npre;
	int			 r_tk, r_ck;	/* r_dim index of each; -1 */
	const struct code_list	*r_cl;
};

/* How long after it fell due a step may be reached and be on time. */
static int64_t
sf_window(const struct config *cf, const struct followup_row *r)
{
	size_t	 q;

	for (q = 0; q < cf->cf_queues.cl_n; q++)
		if (strcmp(cf->cf_queues.cl_v[q].cn_code, r->fr_queue) == 0 &&
		    r->fr_priority >= 1 && r->fr_priority <= QUEUE_PRIORITIES &&
		    cf->cf_qconf[q].qf_sla_s[r->fr_priority] > 0)
			return cf->cf_qconf[q].qf_sla_s[r->fr_priority];
	return SF_WINDOW_DEFAULT_S;
}

static void
sf_add_step(struct sf_tally *t, const struct config *cf,
    const struct followup_row *r)
{
	t->t_due++;
	t->t_attempts += r->fr_attempts;
	if (r->fr_escalated_at != 0)
		t->t_escalated++;
	if (strcmp(r->fr_state, "done") == 0) {
		if (r->fr_completed_at <= r->fr_due + sf_window(cf, r))
			t->t_on_time++;
		else
			t->t_late++;
		t->t_attempts_reached += r->fr_attempts;
	} else if (strcmp(r->fr_state, "cancelled") == 0)
		t->t_ended++;
	else
		t->t_open++;
}

static void
sf_add_crisis(struct sf_tally *t, const struct crisis_row *r)
{
	int	 i;

	for (i = 0; i < STORE_CRISIS_NSUMS; i++)
		t->t_cr[i] += r->cr_v[i];
}

/* The configured codes of dimension d; NULL for the operators. */
static const struct code_list *
sf_codes(const struct config *cf, int d)
{
	if (strcmp(sf_dims[d].name, "queue") == 0)
		return &cf->cf_queues;
	if (strcmp(sf_dims[d].name, "line") == 0)
		return &cf->cf_lines;
	if (strcmp(sf_dims[d].name, "risk") == 0)
		return &cf->cf_risks;
	return NULL;
}

/* The place of code v of dimension d in the config; past them when not. */
static size_t
sf_rank(const struct config *cf, int d, const char *v)
{
	const struct code_list	*cl;
	size_t			 i;

	if (d < 0 || sf_dims[d].time || (cl = sf_codes(cf, d)) == NULL)
		return 0;
	for (i = 0; i < cl->cl_n; i++)
		if (strcmp(cl->cl_v[i].cn_code, v) == 0)
			return i;
	return cl->cl_n;
}

/* A new group of key in r; NULL past the cap. */
static struct sf_tally *
sf_group_new(struct sf_req *r, char key[2][48])
{
	struct sf_group	*g, *v;
	int		 k;

	if (r->r_n >= SF_GROUPS_MAX)
		goto full;
	if (r->r_n == r->r_cap) {
		v = realloc(r->r_groups, (r->r_cap * 2 + 16) * sizeof(*v));
		if (v == NULL)
			goto full;
		r->r_groups = v;
		r->r_cap = r->r_cap * 2 + 16;
	}
	g = &r->r_groups[r->r_n++];
	memset(g, 0, sizeof(*g));
	memcpy(g->g_key, key, sizeof(g->g_key));
	for (k = 0; k < 2; k++)
		g->g_rank[k] = sf_rank(r->r_cf, r->r_dim[k], key[k]);
	return &g->g_t;
full:
	r->r_oom = 1;
	return NULL;
}

/* The group of key in r, made when new; NULL past the cap. */
static struct sf_tally *
sf_group(struct sf_req *r, char key[2][48])
{
	size_t	 i;

	for (i = r->r_n; i > r->r_npre; i--)
		if (strcmp(r->r_groups[i - 1].g_key[0], key[0]) == 0 &&
		    strcmp(r->r_groups[i - 1].g_key[1], key[1]) == 0)
			return &r->r_groups[i - 1].g_t;
	return sf_group_new(r, key);
}

/*
 * Like the calls' groups: with a time dimension, every bucket of
 * [from, to) crossed with every configured code of the other dimension
 * is there, with zeros (with the operators, only those with rows: then
 * nothing is prefilled).
 */
static void
sf_prefill(struct sf_req *r, int64_t from, int64_t to)
{
	char	 key[2][48];
	size_t	 b, j;
	int	 k;

	r->r_tk = r->r_ck = -1;
	for (k = 0; k < 2; k++)
		if (r->r_dim[k] >= 0 && sf_dims[r->r_dim[k]].time)
			r->r_tk = k;
		else if (r->r_dim[k] >= 0)
			r->r_ck = k;
	if (r->r_tk < 0 || (r->r_ck >= 0 && (r->r_cl = sf_codes(r->r_cf,
	    r->r_dim[r->r_ck])) == NULL))
		return;
	r->r_nj = r->r_cl != NULL ? r->r_cl->cl_n : 1;
	if (r->r_nj == 0 || clock_buckets(from, to,
	    sf_dims[r->r_dim[r->r_tk]].unit, SF_GROUPS_MAX / r->r_nj,
	    &r->r_bounds, &r->r_nb) == -1)
		return;
	for (b = 0; b < r->r_nb; b++) {
		/* One label a bucket: localtime_r costs a microsecond. */
		memset(key, 0, sizeof(key));
		clock_bucket_label(r->r_bounds[b],
		    sf_dims[r->r_dim[r->r_tk]].unit, key[r->r_tk],
		    sizeof(key[r->r_tk]));
		for (j = 0; j < r->r_nj; j++) {
			if (r->r_cl != NULL)
				snprintf(key[r->r_ck], sizeof(key[r->r_ck]),
				    "%s", r->r_cl->cl_v[j].cn_code);
			if (sf_group_new(r, key) == NULL)
				return;
		}
	}
	r->r_npre = r->r_n;
}

/* The prefilled group of a row at time at with code v, or NULL. */
static struct sf_tally *
sf_prefilled(struct sf_req *r, int64_t at, const char *v)
{
	size_t	 lo = 0, hi, mid, j = 0;

	if (r->r_npre == 0 || at < r->r_bounds[0] || at >= r->r_bounds[r->r_nb])
		return NULL;
	hi = r->r_nb;
	while (hi - lo > 1) {		/* bounds[lo] <= at < bounds[hi] */
		mid = (lo + hi) / 2;
		if (r->r_bounds[mid] <= at)
			lo = mid;
		else
			hi = mid;
	}
	if (r->r_cl != NULL) {
		if (v == NULL)
			return NULL;
		for (j = 0; j < r->r_nj; j++)
			if (strcmp(r->r_cl->cl_v[j].cn_code, v) == 0)
				break;
		if (j == r->r_nj)
			return NULL;	/* a code no longer configured */
	}
	return &r->r_groups[lo * r->r_nj + j].g_t;
}

/* The key of dimension d for a row at time at with values vals. */
static void
sf_key(int d, int64_t at, const char *const vals[SF_NDIMS], char *out,
    size_t len)
{
	if (sf_dims[d].time)
		clock_bucket_label(at, sf_dims[d].unit, out, len);
	else
		snprintf(out, len, "%s", vals[d] != NULL ? vals[d] : "");
}

static struct sf_tally *
sf_row_group(struct sf_req *r, int64_t at, const char *const vals[SF_NDIMS])
{
	struct sf_tally	*t;
	char		 key[2][48] = { "", "" };
	int		 k;

	if (r->r_dim[0] < 0)
		return NULL;
	if ((t = sf_prefilled(r, at, r->r_ck >= 0 ? vals[r->r_dim[r->r_ck]] :
	    NULL)) != NULL)
		return t;
	for (k = 0; k < 2; k++)
		if (r->r_dim[k] >= 0)
			sf_key(r->r_dim[k], at, vals, key[k], sizeof(key[k]));
	return sf_group(r, key);
}

static void
sf_step_cb(const struct followup_row *row, void *arg)
{
	struct sf_req		*r = arg;
	const char		*vals[SF_NDIMS] = { NULL };
	struct sf_tally		*t;

	vals[4] = row->fr_queue;
	vals[5] = row->fr_counselor;
	sf_add_step(&r->r_total, r->r_cf, row);
	if ((t = sf_row_group(r, row->fr_due, vals)) != NULL)
		sf_add_step(t, r->r_cf, row);
}

static void
sf_crisis_cb(const struct crisis_row *row, void *arg)
{
	struct sf_req		*r = arg;
	const char		*vals[SF_NDIMS] = { NULL };
	struct sf_tally		*t;

	vals[5] = row->cr_operator;
	vals[6] = row->cr_line;
	vals[7] = row->cr_risk;
	sf_add_crisis(&r->r_total, row);
	if ((t = sf_row_group(r, row->cr_at, vals)) != NULL)
		sf_add_crisis(t, row);
}

static json_t *
sf_ratio(int64_t num, int64_t den)
{
	return den > 0 ? json_real((double)(num * 10000 / den) / 10000) :
	    json_null();
}

/* {code: count} of the counts v of list (n). */
static json_t *
sf_counts(const char *const *list, const int64_t *v, size_t n)
{
	json_t	*o = json_object();
	size_t	 i;

	for (i = 0; i < n && list[i] != NULL; i++)
		json_object_set_new(o, list[i], json_integer(v[i]));
	return o;
}

static void
sf_json(json_t *o, enum sf_kind kind, const struct sf_tally *t)
{
	int64_t	 reached = t->t_on_time + t->t_late;
	json_t	*b;

	if (kind == SF_FOLLOWUP) {
		json_object_set_new(o, "steps_due", json_integer(t->t_due));
		json_object_set_new(o, "done_on_time",
		    json_integer(t->t_on_time));
		json_object_set_new(o, "done_late", json_integer(t->t_late));
		json_object_set_new(o, "escalated",
		    json_integer(t->t_escalated));
		json_object_set_new(o, "ended_early", json_integer(t->t_ended));
		json_object_set_new(o, "open", json_integer(t->t_open));
		json_object_set_new(o, "attempts", json_integer(t->t_attempts));
		json_object_set_new(o, "attempts_per_reached",
		    sf_ratio(t->t_attempts_reached, reached));
		json_object_set_new(o, "reached_share", sf_ratio(reached,
		    t->t_due));
		return;
	}
	json_object_set_new(o, "calls", json_integer(t->t_cr[SF_CALLS]));
	b = sf_counts(stats_bands, t->t_cr + SF_IDEATION, SF_NBANDS);
	json_object_set_new(b, "none", json_integer(t->t_cr[SF_IDEATION +
	    SF_NBANDS]));
	json_object_set_new(o, "ideation_intensity", b);
	b = sf_counts(stats_bands, t->t_cr + SF_HOPELESS, SF_NBANDS);
	json_object_set_new(b, "none", json_integer(t->t_cr[SF_HOPELESS +
	    SF_NBANDS]));
	json_object_set_new(o, "hopelessness", b);
	json_object_set_new(o, "plan_timeframe", sf_counts(crisis_timeframes,
	    t->t_cr + SF_FRAMES, SF_NFRAMES));
	json_object_set_new(o, "emergencies", json_integer(t->t_cr[SF_EMERG]));
	json_object_set_new(o, "emergency_agency", sf_counts(crisis_agencies,
	    t->t_cr + SF_AGENCY, SF_NAGENCIES));
	json_object_set_new(o, "emergency_outcome",
	    sf_counts(crisis_confirmed, t->t_cr + SF_OUTCOME, SF_NOUTCOMES));
}

static int
sf_group_cmp(const void *a, const void *b)
{
	const struct sf_group	*x = a, *y = b;
	int			 c, k;

	/* Times in order, codes in the config's, the rest by name. */
	for (k = 0; k < 2; k++) {
		if (x->g_rank[k] != y->g_rank[k])
			return x->g_rank[k] < y->g_rank[k] ? -1 : 1;
		if ((c = strcmp(x->g_key[k], y->g_key[k])) != 0)
			return c;
	}
	return 0;
}

/* The dimensions of by ("month,queue") that kind has; others left out. */
static void
sf_parse_by(struct sf_req *r, const char *by)
{
	char	 buf[64], *p, *save = NULL;
	size_t	 i;
	int	 k = 0;

	r->r_dim[0] = r->r_dim[1] = -1;
	if (by == NULL)
		return;
	snprintf(buf, sizeof(buf), "%s", by);
	for (p = strtok_r(buf, ",", &save); p != NULL && k < 2;
	    p = strtok_r(NULL, ",", &save))
		for (i = 0; i < SF_NDIMS; i++)
			if (strcmp(sf_dims[i].name, p) == 0 &&
			    (sf_dims[i].kinds & (1 << r->r_kind)))
				r->r_dim[k++] = (int)i;
}

/* Group i of r (sf_part): a new reference. */
static json_t *
sf_group_at(void *arg, size_t i)
{
	struct sf_req	*r = arg;
	json_t		*g = json_object();
	int		 k;

	for (k = 0; k < 2; k++)
		if (r->r_dim[k] >= 0)
			json_object_set_new(g, sf_dims[r->r_dim[k]].name,
			    r->r_groups[i].g_key[k][0] != '\0' ?
			    json_string(r->r_groups[i].g_key[k]) : json_null());
	sf_json(g, r->r_kind, &r->r_groups[i].g_t);
	return g;
}

/* The totals of r as the API shows them, its groups one by one, sorted. */
static void
sf_part(struct sf_req *r, struct stats_part *p)
{
	json_t	*o, *dims = json_array();
	int	 k;

	if (r->r_n > 0)
		qsort(r->r_groups, r->r_n, sizeof(*r->r_groups), sf_group_cmp);
	for (k = 0; k < 2; k++)
		if (r->r_dim[k] >= 0)
			json_array_append_new(dims,
			    json_string(sf_dims[r->r_dim[k]].name));
	o = json_pack("{s:o, s:o}", "by", dims, "totals", json_object());
	sf_json(json_object_get(o, "totals"), r->r_kind, &r->r_total);
	if (r->r_kind == SF_FOLLOWUP)
		json_object_set_new(o, "on_time_default_s",
		    json_integer(SF_WINDOW_DEFAULT_S));
	if (r->r_oom)
		json_object_set_new(o, "note", json_string("too many groups: "
		    "the groups are cut short; the totals are whole"));
	p->sp_head = o;
	p->sp_n = r->r_n;
	p->sp_group = sf_group_at;
	p->sp_arg = r;
}

#define SF_SLICE_S	(7 * 86400)	/* the steps' rows: a week a turn */
#define SF_SLICES	64		/* the rollups: slices a turn */

static void
sf_sums_cb(const struct followup_sum *row, void *arg)
{
	struct sf_req		*r = arg;
	const char		*vals[SF_NDIMS] = { NULL };
	struct sf_tally		*t, *tt[2];
	int			 k;

	vals[4] = row->fs_queue;
	vals[5] = row->fs_counselor;
	tt[0] = &r->r_total;
	tt[1] = sf_row_group(r, row->fs_at, vals);
	for (k = 0; k < 2; k++) {
		if ((t = tt[k]) == NULL)
			continue;
		t->t_due += row->fs_v[0];
		t->t_on_time += row->fs_v[1];
		t->t_late += row->fs_v[2];
		t->t_escalated += row->fs_v[3];
		t->t_ended += row->fs_v[4];
		t->t_open += row->fs_v[5];
		t->t_attempts += row->fs_v[6];
		t->t_attempts_reached += row->fs_v[7];
	}
}

/*
 * What one kind of measure reads for a range: the slices of its rollups
 * (stats_fu_slices), then the rows of [d_at, d_to) a week a turn: the
 * steps of the current hour (their due time may be ahead), or all of
 * them when the rollups count on time with other windows than the
 * config's (a reload changed an SLA: until the next start).
 */
struct sf_reader {
	struct sf_req		*d_req;
	struct stats_slice	*d_sl;
	size_t			 d_n, d_i;
	int64_t			 d_at, d_to, d_now;
};

static int
sf_reader_start(struct store *s, const struct config *cf,
    struct sf_reader *d, struct sf_req *r, int64_t from, int64_t to,
    int64_t now)
{
	int64_t	 end = to;
	int	 k = r->r_tk;

	memset(d, 0, sizeof(*d));
	d->d_req = r;
	d->d_now = now;
	d->d_at = d->d_to = to;
	if (r->r_kind == SF_FOLLOWUP) {
		end = now - now % 3600;
		if (stats_fu_windows_match(s, cf) != 1)
			end = from;
		else if (end > to)
			end = to;
		d->d_at = end > from ? end : from;
	}
	if (from >= end)
		return 0;
	return stats_fu_slices(s, cf, k >= 0, k >= 0 ?
	    sf_dims[r->r_dim[k]].unit : CLOCK_HOUR, from, end, &d->d_sl,
	    &d->d_n);
}

/*
 * Up to max slices, no more once STATS_TURN_US went by, then a week of
 * rows: 1 more, 0 done, -1 failed.
 */
static int
sf_reader_step(struct store *s, struct sf_reader *d, size_t max)
{
	static const enum store_crisis_src	 src[SS_NSRC] = {
	    [SS_CALLS] = CRISIS_CALLS, [SS_HOURS] = CRISIS_HOURS,
	    [SS_DAYS] = CRISIS_DAYS, [SS_MONTHS] = CRISIS_MONTHS };
	const struct stats_slice		*sl;
	int64_t					 lo, hi;
	int64_t					 t0 = clock_mono_usec();
	size_t					 n;
	int					 rc = STORE_OK;

	for (n = 0; n < max && d->d_i < d->d_n && rc == STORE_OK && (n == 0 ||
	    clock_mono_usec() - t0 < STATS_TURN_US); n++) {
		/*
		 * Adjacent slices of one source in one read: a row's group
		 * is of its own time, not of its slice's.
		 */
		sl = &d->d_sl[d->d_i++];
		lo = sl->sl_lo;
		for (; n + 1 < max && d->d_i < d->d_n && d->d_sl[d->d_i]
		    .sl_src == sl->sl_src && d->d_sl[d->d_i].sl_lo ==
		    sl->sl_hi; n++)
			sl = &d->d_sl[d->d_i++];
		if (d->d_req->r_kind == SF_CRISIS)
			rc = store_crisis_read(s, src[sl->sl_src], lo,
			    sl->sl_hi, sf_crisis_cb, d->d_req);
		else if (sl->sl_src == SS_CALLS)
			rc = store_followup_steps(s, lo, sl->sl_hi,
			    d->d_now, sf_step_cb, d->d_req);
		else
			rc = store_followup_read(s, src[sl->sl_src],
			    lo, sl->sl_hi, sf_sums_cb, d->d_req);
	}
	if (rc == STORE_OK && d->d_i == d->d_n && d->d_at < d->d_to &&
	    (n == 0 || clock_mono_usec() - t0 < STATS_TURN_US)) {
		hi = d->d_to - d->d_at > SF_SLICE_S ? d->d_at + SF_SLICE_S :
		    d->d_to;
		rc = store_followup_steps(s, d->d_at, hi, d->d_now,
		    sf_step_cb, d->d_req);
		d->d_at = hi;
	}
	if (rc != STORE_OK)
		return -1;
	return d->d_i < d->d_n || d->d_at < d->d_to;
}

/*
 * The follow-up and crisis measures of one GET /v1/stats, read a few
 * dozen slices of their rollups (and a week of rows) per step
 * (stats_more_step), so a year never holds the loop. Each kind's groups
 * are made in a step of their own: a year by day and line is a thousand.
 */
struct stats_more {
	struct store		*m_store;
	struct sf_req		 m_req[2];	/* SF_FOLLOWUP, SF_CRISIS */
	struct sf_reader	 m_rd[2];
	int			 m_started;	/* kinds started */
	int			 m_done;	/* all read */
	int64_t			 m_from, m_to, m_now;
};

struct stats_more *
stats_more_start(struct store *s, const struct config *cf, int64_t from,
    int64_t to, const char *by)
{
	struct stats_more	*m;
	int			 k;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	m->m_store = s;
	m->m_from = from;
	m->m_to = to;
	m->m_now = clock_now();
	for (k = 0; k < 2; k++) {
		m->m_req[k].r_cf = cf;
		m->m_req[k].r_kind = (enum sf_kind)k;
		sf_parse_by(&m->m_req[k], by);
	}
	return m;
}

/*
 * One step: 1 more to read, 0 done, -1 the store failed. The step that
 * read the last rows says 1 as well, so that the caller's next reading
 * (the calls') starts in a loop turn of its own.
 */
int
stats_more_step(struct stats_more *m)
{
	struct sf_req	*r;
	int		 more = 0, k, rc;

	if (m->m_done)
		return 0;
	if (m->m_started < 2) {
		r = &m->m_req[m->m_started++];
		sf_prefill(r, m->m_from, m->m_to);
		return sf_reader_start(m->m_store, r->r_cf,
		    &m->m_rd[r->r_kind], r, m->m_from, m->m_to, m->m_now) ==
		    -1 ? -1 : 1;
	}
	for (k = 0; k < 2; k++) {
		if ((rc = sf_reader_step(m->m_store, &m->m_rd[k],
		    SF_SLICES)) == -1)
			return -1;
		more |= rc;
	}
	m->m_done = !more;
	return 1;
}

/*
 * Once every step was read: "followup" (what 0) or "crisis" (1) as a
 * part of the answer (stats_part).
 */
void
stats_more_part(struct stats_more *m, int what, struct stats_part *p)
{
	sf_part(&m->m_req[what == 0 ? SF_FOLLOWUP : SF_CRISIS], p);
}

/* A reload: the SLA windows come from cf now. */
void
stats_more_set_config(struct stats_more *m, const struct config *cf)
{
	int	 k;

	if (m == NULL)
		return;
	/* The prefilled groups stay; their codes are the old config's, so
	   rows find them by name from now on. */
	for (k = 0; k < 2; k++) {
		m->m_req[k].r_cf = cf;
		m->m_req[k].r_cl = NULL;
		m->m_req[k].r_npre = 0;
	}
}

void
stats_more_free(struct stats_more *m)
{
	if (m == NULL)
		return;
	free(m->m_req[0].r_groups);
	free(m->m_req[1].r_groups);
	free(m->m_req[0].r_bounds);
	free(m->m_req[1].r_bounds);
	free(m->m_rd[0].d_sl);
	free(m->m_rd[1].d_sl);
	free(m);
}

/* The measures of kind over [from, to) into t, read at once. */
static int
sf_totals_read(struct store *s, const struct config *cf, enum sf_kind kind,
    int64_t from, int64_t to, int64_t now, struct sf_tally *t)
{
	struct sf_req		 r;
	struct sf_reader	 d;
	int			 rc;

	memset(&r, 0, sizeof(r));
	r.r_cf = cf;
	r.r_kind = kind;
	r.r_dim[0] = r.r_dim[1] = r.r_tk = r.r_ck = -1;
	if (sf_reader_start(s, cf, &d, &r, from, to, now) == -1)
		return STORE_ERR;
	while ((rc = sf_reader_step(s, &d, SIZE_MAX)) == 1)
		;
	free(d.d_sl);
	*t = r.r_total;
	return rc == 0 ? STORE_OK : STORE_ERR;
}

const char *const stats_followup_measures[STATS_FOLLOWUP_NMONTH] = {
    "due", "done_on_time", "done_late", "escalated", "ended_early", "open",
    "attempts" };

/*
 * The steps that first fell due in [from, to), at once (no loop turn
 * left): v in the order of stats_followup_measures. STORE_OK or
 * STORE_ERR (v untouched).
 */
int
stats_followup_totals(struct store *s, const struct config *cf,
    int64_t from, int64_t to, int64_t now,
    int64_t v[STATS_FOLLOWUP_NMONTH])
{
	struct sf_tally	 t;

	if (sf_totals_read(s, cf, SF_FOLLOWUP, from, to, now, &t) !=
	    STORE_OK)
		return STORE_ERR;
	v[0] = t.t_due;
	v[1] = t.t_on_time;
	v[2] = t.t_late;
	v[3] = t.t_escalated;
	v[4] = t.t_ended;
	v[5] = t.t_open;
	v[6] = t.t_attempts;
	return STORE_OK;
}

/*
 * The crisis records of the calls started in [from, to), at once: by
 * ideation band (stats_bands, then not scored) and emergencies by agency
 * (crisis_agencies). STORE_OK or STORE_ERR (both untouched).
 */
int
stats_crisis_totals(struct store *s, const struct config *cf, int64_t from,
    int64_t to, int64_t now, int64_t ideation[STATS_CRISIS_NBANDS],
    int64_t agency[STATS_CRISIS_NAGENCIES])
{
	struct sf_tally	 t;

	if (sf_totals_read(s, cf, SF_CRISIS, from, to, now, &t) != STORE_OK)
		return STORE_ERR;
	memcpy(ideation, t.t_cr + SF_IDEATION,
	    STATS_CRISIS_NBANDS * sizeof(*ideation));
	memcpy(agency, t.t_cr + SF_AGENCY,
	    STATS_CRISIS_NAGENCIES * sizeof(*agency));
	return STORE_OK;
}
