/*
 * The phone measures: of the calls offered, how many were answered,
 * abandoned (after the short-abandon threshold) or abandoned short
 * (hung up sooner: not counted as lost), the answer rate and service
 * level over the calls that count (offered less abandoned short), the
 * median and 90th percentile of the wait of answered calls, and the
 * talk time. By hour, day, week, month (in the configured timezone),
 * line and operator, for GET /v1/stats; today's for /status.
 */
#include <stdlib.h>
#include <string.h>

#include "domain.h"

#define PBX_GROUPS_MAX	20000

static const struct {
	const char	*name;
	int		 time;		/* a time unit, or -1 */
	enum clock_unit	 unit;
} pbx_dims[] = {
	{ "hour", 1, CLOCK_HOUR }, { "day", 1, CLOCK_DAY },
	{ "week", 1, CLOCK_WEEK }, { "month", 1, CLOCK_MONTH },
	{ "line", 0, CLOCK_HOUR }, { "operator", 0, CLOCK_HOUR },
};
#define PBX_NDIMS	(sizeof(pbx_dims) / sizeof(pbx_dims[0]))

struct pbx_group {
	char			 g_key[2][48];
	struct pbx_tally	 g_t;
};

struct pbx_req {
	const struct config	*r_cf;
	int			 r_dim[2];	/* index in pbx_dims; -1 */
	struct pbx_group	*r_groups;
	size_t			 r_n, r_cap;
	struct pbx_tally	 r_total;
	int			 r_oom;
	int64_t			 r_hfrom, r_hto;	/* whole hours: rollups */
	const char		*r_line, *r_op;		/* the rollup row's */
	struct pbx_tally	*r_last;		/* its group this hour */
	int64_t			 r_last_hour;
	int			 r_by_hour;		/* a group is an hour */
	int64_t			 r_day, r_day_end;	/* the row's day */
};

/* n more answered calls waited w seconds (n < 0: fewer). */
void
pbx_tally_wait(struct pbx_tally *t, int64_t w, int64_t n)
{
	struct pbx_wait	*v;
	size_t		 lo = 0, hi = t->pt_nwaits, mid;

	/* The one after the last asked, or the last, or past it: waits come
	 * in order (a rollup's records) or roughly (the calls' rows). */
	for (mid = t->pt_hint; mid < hi && mid < t->pt_hint + 8 &&
	    t->pt_waits[mid].pw_s <= w; mid++)
		if (t->pt_waits[mid].pw_s == w) {
			t->pt_waits[mid].pw_n += n;
			t->pt_hint = mid;
			return;
		}
	if (hi > 0 && t->pt_waits[hi - 1].pw_s < w)
		lo = hi;
	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (t->pt_waits[mid].pw_s < w)
			lo = mid + 1;
		else
			hi = mid;
	}
	t->pt_hint = lo;
	if (lo < t->pt_nwaits && t->pt_waits[lo].pw_s == w) {
		t->pt_waits[lo].pw_n += n;
		return;
	}
	if (t->pt_nwaits == t->pt_cap) {
		v = reallocarray(t->pt_waits, t->pt_cap * 2 + 16, sizeof(*v));
		if (v == NULL)
			return;
		t->pt_waits = v;
		t->pt_cap = t->pt_cap * 2 + 16;
	}
	memmove(&t->pt_waits[lo + 1], &t->pt_waits[lo],
	    (t->pt_nwaits - lo) * sizeof(*t->pt_waits));
	t->pt_waits[lo].pw_s = w;
	t->pt_waits[lo].pw_n = n;
	t->pt_nwaits++;
}

/* Count pc into t. */
void
pbx_tally_add(struct pbx_tally *t, const struct config *cf,
    const struct pbx_call *pc)
{
	t->pt_offered++;
	if (pc->pc_answered_at != 0) {
		t->pt_answered++;
		if (pc->pc_wait_s >= 0 && pc->pc_wait_s <=
		    cf->cf_pbx.px_sla_s)
			t->pt_in_sla++;
		if (pc->pc_talk_s > 0)
			t->pt_talk_s += pc->pc_talk_s;
		if (pc->pc_wait_s >= 0)
			pbx_tally_wait(t, pc->pc_wait_s, 1);
	} else if (pc->pc_ended_at != 0) {
		if (pc->pc_wait_s >= 0 && pc->pc_wait_s <
		    cf->cf_pbx.px_short_abandon_s)
			t->pt_abandoned_short++;
		else
			t->pt_abandoned++;
	}
}

void
pbx_tally_free(struct pbx_tally *t)
{
	free(t->pt_waits);
	memset(t, 0, sizeof(*t));
}

/* The nearest-rank percentile p (1-100) of the waits counted. */
static json_t *
pbx_rank(const struct pbx_tally *t, int p)
{
	int64_t	 n = 0, k, seen = 0;
	size_t	 i;

	for (i = 0; i < t->pt_nwaits; i++)
		n += t->pt_waits[i].pw_n;
	if (n <= 0)
		return json_null();
	k = (n * p + 99) / 100;
	if (k < 1)
		k = 1;
	for (i = 0; i < t->pt_nwaits; i++) {
		seen += t->pt_waits[i].pw_n;
		if (seen >= k)
			return json_integer(t->pt_waits[i].pw_s);
	}
	return json_null();
}

static json_t *
pbx_ratio(int64_t num, int64_t den)
{
	return den > 0 ? json_real((double)(num * 10000 / den) / 10000) :
	    json_null();
}

/* The measures of t into o. */
void
pbx_tally_json(json_t *o, struct pbx_tally *t)
{
	int64_t	 base = t->pt_offered - t->pt_abandoned_short;

	json_object_set_new(o, "offered", json_integer(t->pt_offered));
	json_object_set_new(o, "answered", json_integer(t->pt_answered));
	json_object_set_new(o, "abandoned", json_integer(t->pt_abandoned));
	json_object_set_new(o, "abandoned_short",
	    json_integer(t->pt_abandoned_short));
	json_object_set_new(o, "answer_rate", pbx_ratio(t->pt_answered, base));
	json_object_set_new(o, "service_level", pbx_ratio(t->pt_in_sla,
	    base));
	json_object_set_new(o, "wait_answer_median_s", pbx_rank(t, 50));
	json_object_set_new(o, "wait_answer_p90_s", pbx_rank(t, 90));
	json_object_set_new(o, "talk_total_s", json_integer(t->pt_talk_s));
}

/* The group key of dimension d for a call offered at t. */
static void
pbx_key(int d, int64_t t, const char *line, const char *op, char *out,
    size_t len)
{
	if (pbx_dims[d].time)
		clock_bucket_label(t, pbx_dims[d].unit, out, len);
	else
		snprintf(out, len, "%s", strcmp(pbx_dims[d].name, "line") == 0 ?
		    line : op);
}

/* The group of a call offered at t on line, answered by op; NULL when
 * there are too many (or no dimensions). */
static struct pbx_tally *
pbx_group(struct pbx_req *r, int64_t t, const char *line, const char *op)
{
	struct pbx_group	*g, *v;
	char			 key[2][48] = { "", "" };
	size_t			 i;
	int			 k;

	if (r->r_dim[0] < 0)
		return NULL;
	for (k = 0; k < 2; k++)
		if (r->r_dim[k] >= 0)
			pbx_key(r->r_dim[k], t, line, op, key[k],
			    sizeof(key[k]));
	/* The rows come by time: the group wanted is most often a late one. */
	for (i = r->r_n; i > 0; i--)
		if (strcmp(r->r_groups[i - 1].g_key[0], key[0]) == 0 &&
		    strcmp(r->r_groups[i - 1].g_key[1], key[1]) == 0)
			return &r->r_groups[i - 1].g_t;
	if (r->r_n >= PBX_GROUPS_MAX) {
		r->r_oom = 1;
		return NULL;
	}
	if (r->r_n == r->r_cap) {
		v = realloc(r->r_groups, (r->r_cap * 2 + 16) * sizeof(*v));
		if (v == NULL) {
			r->r_oom = 1;
			return NULL;
		}
		r->r_groups = v;
		r->r_cap = r->r_cap * 2 + 16;
	}
	g = &r->r_groups[r->r_n++];
	memset(g, 0, sizeof(*g));
	memcpy(g->g_key, key, sizeof(key));
	return &g->g_t;
}

static void
pbx_req_add(const struct pbx_call *pc, void *arg)
{
	struct pbx_req		*r = arg;
	struct pbx_tally	*t;

	pbx_tally_add(&r->r_total, r->r_cf, pc);
	if ((t = pbx_group(r, pc->pc_offered_at, pc->pc_line,
	    pc->pc_operator)) != NULL)
		pbx_tally_add(t, r->r_cf, pc);
}

/* n calls of a rollup record (pbx_rollup.c) into t. */
static void
pbx_tally_rec(struct pbx_tally *t, const struct config *cf, int kind,
    int64_t wait, int64_t n)
{
	switch (kind) {
	case PBX_RU_OFFERED:
		t->pt_offered += n;
		break;
	case PBX_RU_TALK:
		t->pt_talk_s += n;
		break;
	case PBX_RU_ANSWERED:
		t->pt_answered += n;
		if (wait >= 0 && wait <= cf->cf_pbx.px_sla_s)
			t->pt_in_sla += n;
		if (wait >= 0)
			pbx_tally_wait(t, wait, n);
		break;
	case PBX_RU_ENDED:
		if (wait >= 0 && wait < cf->cf_pbx.px_short_abandon_s)
			t->pt_abandoned_short += n;
		else
			t->pt_abandoned += n;
		break;
	}
}

/* A rollup record: the hour it counts must be inside the range asked. */
static void
pbx_req_rec(int64_t hour, int kind, int64_t wait, int64_t n, void *arg)
{
	struct pbx_req		*r = arg;

	if (hour < r->r_hfrom || hour >= r->r_hto)
		return;
	pbx_tally_rec(&r->r_total, r->r_cf, kind, wait, n);
	if (r->r_dim[0] < 0)
		return;
	if (r->r_last == NULL || hour != r->r_last_hour) {
		r->r_last = pbx_group(r, hour, r->r_line, r->r_op);
		r->r_last_hour = hour;
	}
	if (r->r_last != NULL)
		pbx_tally_rec(r->r_last, r->r_cf, kind, wait, n);
}

/* A rollup row: its whole day's records when the day is inside the
 * range and no group is an hour, else its hours'. */
static void
pbx_req_row(int64_t day, const char *line, const char *op,
    const unsigned char *days, size_t dlen, const unsigned char *hours,
    size_t hlen, void *arg)
{
	struct pbx_req	*r = arg;
	int64_t		 next;

	/* The rows come by day: its end is asked once a day. */
	if (day != r->r_day) {
		r->r_day = day;
		r->r_day_end = pbx_rollup_day(day + 30 * 3600);
	}
	next = r->r_day_end;
	r->r_line = line != NULL ? line : "";
	r->r_op = op != NULL ? op : "";
	r->r_last = NULL;
	if (!r->r_by_hour && day >= r->r_hfrom && next <= r->r_hto)
		pbx_rollup_each(days, dlen, day, pbx_req_rec, r);
	else
		pbx_rollup_each(hours, hlen, day, pbx_req_rec, r);
}

/*
 * The calls offered in [from, to): the whole hours inside it from the
 * rollups (whole days from their days' records), the ends (an hour
 * begun or not over) from the calls' rows.
 */
static int
pbx_req_read(struct store *s, struct pbx_req *r, int64_t from, int64_t to)
{
	int	 hours, zone_ok;

	r->r_hfrom = from % 3600 == 0 ? from : (from / 3600 + 1) * 3600;
	r->r_hto = to / 3600 * 3600;
	/* Rollups kept in another timezone (one changed by a reload, until
	 * the next start rebuilds them): the rows. */
	if (store_pbx_rollup_zone(s, r->r_cf->cf_timezone, &zone_ok) !=
	    STORE_OK)
		return STORE_ERR;
	if (from < 0 || r->r_hfrom >= r->r_hto || !zone_ok)
		return store_pbx_range(s, from, to, pbx_req_add, r);
	r->r_by_hour = (r->r_dim[0] >= 0 && pbx_dims[r->r_dim[0]].time &&
	    pbx_dims[r->r_dim[0]].unit == CLOCK_HOUR) || (r->r_dim[1] >= 0 &&
	    pbx_dims[r->r_dim[1]].time && pbx_dims[r->r_dim[1]].unit ==
	    CLOCK_HOUR);
	hours = r->r_by_hour || pbx_rollup_day(r->r_hfrom) != r->r_hfrom ||
	    pbx_rollup_day(r->r_hto) != r->r_hto;
	if (store_pbx_range(s, from, r->r_hfrom, pbx_req_add, r) != STORE_OK ||
	    store_pbx_rollup_range(s, pbx_rollup_day(r->r_hfrom), r->r_hto,
	    hours, pbx_req_row, r) != STORE_OK)
		return STORE_ERR;
	/* A group of the rollups is found again by its key. */
	r->r_last = NULL;
	return store_pbx_range(s, r->r_hto, to, pbx_req_add, r);
}

static int
pbx_group_cmp(const void *a, const void *b)
{
	const struct pbx_group	*x = a, *y = b;
	int			 c = strcmp(x->g_key[0], y->g_key[0]);

	return c != 0 ? c : strcmp(x->g_key[1], y->g_key[1]);
}

/* Parse by ("day,line"): the dimensions the phone calls have. */
static void
pbx_parse_by(struct pbx_req *r, const char *by)
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
		for (i = 0; i < PBX_NDIMS; i++)
			if (strcmp(pbx_dims[i].name, p) == 0)
				r->r_dim[k++] = (int)i;
}

/*
 * The phone measures of the calls offered in [from, to), grouped by the
 * dimensions of by that phone calls have (the others are the logged
 * calls'). NULL when the store failed.
 */
json_t *
pbx_stats(struct store *s, const struct config *cf, int64_t from,
    int64_t to, const char *by)
{
	struct pbx_req	 r;
	json_t		*o, *groups, *dims, *g;
	size_t		 i;
	int		 k;

	memset(&r, 0, sizeof(r));
	r.r_cf = cf;
	pbx_parse_by(&r, by);
	if (pbx_req_read(s, &r, from, to) != STORE_OK) {
		o = NULL;
		goto out;
	}
	if (r.r_n > 0)
		qsort(r.r_groups, r.r_n, sizeof(*r.r_groups), pbx_group_cmp);
	dims = json_array();
	groups = json_array();
	for (k = 0; k < 2; k++)
		if (r.r_dim[k] >= 0)
			json_array_append_new(dims,
			    json_string(pbx_dims[r.r_dim[k]].name));
	for (i = 0; i < r.r_n; i++) {
		g = json_object();
		for (k = 0; k < 2; k++)
			if (r.r_dim[k] >= 0)
				json_object_set_new(g, pbx_dims[r.r_dim[k]]
				    .name, r.r_groups[i].g_key[k][0] != '\0' ?
				    json_string(r.r_groups[i].g_key[k]) :
				    json_null());
		pbx_tally_json(g, &r.r_groups[i].g_t);
		json_array_append_new(groups, g);
	}
	o = json_pack("{s:o, s:I, s:I, s:o, s:o}", "by", dims,
	    "short_abandon_s", (json_int_t)cf->cf_pbx.px_short_abandon_s,
	    "service_level_s", (json_int_t)cf->cf_pbx.px_sla_s,
	    "groups", groups, "totals", json_object());
	pbx_tally_json(json_object_get(o, "totals"), &r.r_total);
	if (r.r_oom)
		json_object_set_new(o, "note", json_string("too many groups: "
		    "the groups are cut short; the totals are whole"));
out:
	for (i = 0; i < r.r_n; i++)
		pbx_tally_free(&r.r_groups[i].g_t);
	free(r.r_groups);
	pbx_tally_free(&r.r_total);
	return o;
}
