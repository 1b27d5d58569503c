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
};

/* Count pc into t. */
void
pbx_tally_add(struct pbx_tally *t, const struct config *cf,
    const struct pbx_call *pc)
{
	int64_t	*v;

	t->pt_offered++;
	if (pc->pc_answered_at != 0) {
		t->pt_answered++;
		if (pc->pc_wait_s >= 0 && pc->pc_wait_s <=
		    cf->cf_pbx.px_sla_s)
			t->pt_in_sla++;
		if (pc->pc_talk_s > 0)
			t->pt_talk_s += pc->pc_talk_s;
		if (pc->pc_wait_s >= 0) {
			if (t->pt_nwaits == t->pt_cap) {
				v = realloc(t->pt_waits, (t->pt_cap * 2 + 16) *
				    sizeof(*v));
				if (v == NULL)
					return;
				t->pt_waits = v;
				t->pt_cap = t->pt_cap * 2 + 16;
			}
			t->pt_waits[t->pt_nwaits++] = pc->pc_wait_s;
		}
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

static int
pbx_cmp_i64(const void *a, const void *b)
{
	int64_t	 x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* The nearest-rank percentile p (1-100) of n sorted values. */
static json_t *
pbx_rank(const int64_t *v, size_t n, int p)
{
	size_t	 k;

	if (n == 0)
		return json_null();
	k = (n * (size_t)p + 99) / 100;
	return json_integer(v[k > 0 ? k - 1 : 0]);
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

	if (t->pt_nwaits > 0)
		qsort(t->pt_waits, t->pt_nwaits, sizeof(*t->pt_waits),
		    pbx_cmp_i64);
	json_object_set_new(o, "offered", json_integer(t->pt_offered));
	json_object_set_new(o, "answered", json_integer(t->pt_answered));
	json_object_set_new(o, "abandoned", json_integer(t->pt_abandoned));
	json_object_set_new(o, "abandoned_short",
	    json_integer(t->pt_abandoned_short));
	json_object_set_new(o, "answer_rate", pbx_ratio(t->pt_answered, base));
	json_object_set_new(o, "service_level", pbx_ratio(t->pt_in_sla,
	    base));
	json_object_set_new(o, "wait_answer_median_s", pbx_rank(t->pt_waits,
	    t->pt_nwaits, 50));
	json_object_set_new(o, "wait_answer_p90_s", pbx_rank(t->pt_waits,
	    t->pt_nwaits, 90));
	json_object_set_new(o, "talk_total_s", json_integer(t->pt_talk_s));
}

static void
pbx_key(const struct pbx_req *r, int d, const struct pbx_call *pc,
    char *out, size_t len)
{
	const char	*v;

	if (pbx_dims[d].time) {
		clock_bucket_label(pc->pc_offered_at, pbx_dims[d].unit, out,
		    len);
		return;
	}
	v = strcmp(pbx_dims[d].name, "line") == 0 ? pc->pc_line :
	    pc->pc_operator;
	snprintf(out, len, "%s", v);
	(void)r;
}

static void
pbx_req_add(const struct pbx_call *pc, void *arg)
{
	struct pbx_req		*r = arg;
	struct pbx_group	*g, *v;
	char			 key[2][48] = { "", "" };
	size_t			 i;
	int			 k;

	pbx_tally_add(&r->r_total, r->r_cf, pc);
	if (r->r_dim[0] < 0)
		return;
	for (k = 0; k < 2; k++)
		if (r->r_dim[k] >= 0)
			pbx_key(r, r->r_dim[k], pc, key[k], sizeof(key[k]));
	/* The rows come by time: the group wanted is most often a late one. */
	for (i = r->r_n; i > 0; i--)
		if (strcmp(r->r_groups[i - 1].g_key[0], key[0]) == 0 &&
		    strcmp(r->r_groups[i - 1].g_key[1], key[1]) == 0)
			break;
	if (i == 0) {
		if (r->r_n >= PBX_GROUPS_MAX) {
			r->r_oom = 1;
			return;
		}
		if (r->r_n == r->r_cap) {
			v = realloc(r->r_groups, (r->r_cap * 2 + 16) *
			    sizeof(*v));
			if (v == NULL) {
				r->r_oom = 1;
				return;
			}
			r->r_groups = v;
			r->r_cap = r->r_cap * 2 + 16;
		}
		g = &r->r_groups[r->r_n++];
		memset(g, 0, sizeof(*g));
		memcpy(g->g_key, key, sizeof(key));
	} else
		g = &r->r_groups[i - 1];
	pbx_tally_add(&g->g_t, r->r_cf, pc);
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
	if (store_pbx_range(s, from, to, pbx_req_add, &r) != STORE_OK) {
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
