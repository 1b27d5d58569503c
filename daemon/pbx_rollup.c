/*
 * The phone measures' rollups: one row per day (in the configured
 * timezone), line and operator (pbx_rollup), kept as each phone call is
 * written, so a year of a busy line is a few thousand rows instead of a
 * million calls. A row has two lists of records of 16 bytes, sorted
 * (little endian: u8 hour, u8 kind, 2 zero bytes, i32 wait, i64 n):
 * `days`, the whole day's (hour 255), read for whole days grouped by
 * anything but the hour; `hours`, by the hour of the day the calls were
 * offered in (0 from the day's midnight), read for the hour and for the
 * hours at the ends of a range. The kinds:
 *
 *   offered   (wait 0)  calls offered
 *   talk      (wait 0)  seconds talked
 *   answered  (wait w)  calls answered after waiting w (-1: not known)
 *   ended     (wait w)  calls that ended unanswered after waiting w
 *
 * Exact per-second waits, not bins: the median and 90th percentile are
 * the ones the calls' rows give, and the thresholds (short_abandon,
 * service_level) may change with a reload without a rebuild. A row whose
 * day is keyed in another timezone than the config's is rebuilt: the
 * zone is kept in a row of its own (day -1, line "timezone").
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "domain.h"

#define RU_REC		16
#define RU_HOUR		3600
#define RU_WHOLE	255	/* the hour of a whole day's records */

struct ru_rec {
	int		 r_hour;
	int		 r_kind;
	int64_t		 r_wait;
	int64_t		 r_n;
};

struct ru_row {
	struct ru_rec	*w_v;
	size_t		 w_n, w_cap;
};

/* Midnight, in the configured timezone, of the day holding t. */
int64_t
pbx_rollup_day(int64_t t)
{
	struct tm	 tm;
	time_t		 tt = (time_t)t;

	localtime_r(&tt, &tm);
	tm.tm_sec = tm.tm_min = tm.tm_hour = 0;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm);
}

static void
ru_put_le(unsigned char *p, uint64_t v, int bytes)
{
	int	 i;

	for (i = 0; i < bytes; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t
ru_get_le(const unsigned char *p, int bytes)
{
	uint64_t v = 0;
	int	 i;

	for (i = bytes - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* Record i of a row's counts. */
static void
ru_decode1(const unsigned char *p, struct ru_rec *r)
{
	r->r_hour = p[0];
	r->r_kind = p[1];
	r->r_wait = (int32_t)(uint32_t)ru_get_le(p + 4, 4);
	r->r_n = (int64_t)ru_get_le(p + 8, 8);
}

static int
ru_cmp(const struct ru_rec *a, int hour, int kind, int64_t wait)
{
	if (a->r_hour != hour)
		return a->r_hour < hour ? -1 : 1;
	if (a->r_kind != kind)
		return a->r_kind < kind ? -1 : 1;
	return a->r_wait < wait ? -1 : a->r_wait > wait;
}

/* Add n to (hour, kind, wait) of w, keeping it sorted. */
static int
ru_add(struct ru_row *w, int hour, int kind, int64_t wait, int64_t n)
{
	struct ru_rec	*v;
	size_t		 lo = 0, hi = w->w_n, mid;
	int		 c;

	if (n == 0)
		return 0;
	while (lo < hi) {
		mid = (lo + hi) / 2;
		if ((c = ru_cmp(&w->w_v[mid], hour, kind, wait)) < 0)
			lo = mid + 1;
		else if (c > 0)
			hi = mid;
		else {
			w->w_v[mid].r_n += n;
			return 0;
		}
	}
	if (w->w_n == w->w_cap) {
		if ((v = reallocarray(w->w_v, w->w_cap * 2 + 16,
		    sizeof(*v))) == NULL)
			return -1;
		w->w_v = v;
		w->w_cap = w->w_cap * 2 + 16;
	}
	memmove(&w->w_v[lo + 1], &w->w_v[lo], (w->w_n - lo) * sizeof(*v));
	w->w_v[lo].r_hour = hour;
	w->w_v[lo].r_kind = kind;
	w->w_v[lo].r_wait = wait;
	w->w_v[lo].r_n = n;
	w->w_n++;
	return 0;
}

/* What pc adds to its row (sign -1: takes away): the hour's records and
 * the whole day's. */
static int
ru_call(struct ru_row *w, const struct pbx_call *pc, int sign)
{
	int64_t	 wait = pc->pc_wait_s >= 0 ? pc->pc_wait_s : -1;
	int	 hour = (int)((pc->pc_offered_at -
		    pbx_rollup_day(pc->pc_offered_at)) / RU_HOUR);
	int	 k, hh[2] = { hour, RU_WHOLE };

	for (k = 0; k < 2; k++) {
		if (ru_add(w, hh[k], PBX_RU_OFFERED, 0, sign) == -1)
			return -1;
		if (pc->pc_answered_at != 0) {
			if (ru_add(w, hh[k], PBX_RU_ANSWERED, wait, sign) ==
			    -1 || (pc->pc_talk_s > 0 && ru_add(w, hh[k],
			    PBX_RU_TALK, 0, sign * pc->pc_talk_s) == -1))
				return -1;
		} else if (pc->pc_ended_at != 0 && ru_add(w, hh[k],
		    PBX_RU_ENDED, wait, sign) == -1)
			return -1;
	}
	return 0;
}

/* The deltas of one row, waiting for the end of the work that made them
 * (an import's transaction, a follower's batch task, an event posted). */
struct ru_pend {
	int64_t		 p_day;
	char		 p_line[40];
	char		 p_op[40];
	struct ru_row	 p_w;
};

static struct ru_pend	*ru_pend;
static size_t		 ru_npend, ru_pcap;

/* The pending deltas of the row of pc: found from the end (work comes
 * by time), or new. */
static struct ru_row *
ru_pending(const struct pbx_call *pc)
{
	struct ru_pend	*v;
	int64_t		 day = pbx_rollup_day(pc->pc_offered_at);
	size_t		 i;

	for (i = ru_npend; i > 0; i--)
		if (ru_pend[i - 1].p_day == day &&
		    strcmp(ru_pend[i - 1].p_line, pc->pc_line) == 0 &&
		    strcmp(ru_pend[i - 1].p_op, pc->pc_operator) == 0)
			return &ru_pend[i - 1].p_w;
	if (ru_npend == ru_pcap) {
		if ((v = reallocarray(ru_pend, ru_pcap * 2 + 16,
		    sizeof(*v))) == NULL)
			return NULL;
		ru_pend = v;
		ru_pcap = ru_pcap * 2 + 16;
	}
	v = &ru_pend[ru_npend++];
	memset(v, 0, sizeof(*v));
	v->p_day = day;
	snprintf(v->p_line, sizeof(v->p_line), "%s", pc->pc_line);
	snprintf(v->p_op, sizeof(v->p_op), "%s", pc->pc_operator);
	return &v->p_w;
}

/* Forget the pending deltas (their transaction is rolled back). */
void
pbx_rollup_discard(void)
{
	size_t	 i;

	for (i = 0; i < ru_npend; i++)
		free(ru_pend[i].p_w.w_v);
	ru_npend = 0;
}

/* The records of w, the whole day's or the hours', as a list of 16
 * bytes each (*len bytes). */
static unsigned char *
ru_encode(const struct ru_row *w, int whole, size_t *len)
{
	unsigned char	*buf;
	size_t		 i, k = 0;

	if ((buf = malloc(w->w_n * RU_REC + 1)) == NULL)
		return NULL;
	for (i = 0; i < w->w_n; i++) {
		if (w->w_v[i].r_n == 0 ||
		    (w->w_v[i].r_hour == RU_WHOLE) != whole)
			continue;
		memset(buf + k, 0, RU_REC);
		buf[k] = (unsigned char)w->w_v[i].r_hour;
		buf[k + 1] = (unsigned char)w->w_v[i].r_kind;
		ru_put_le(buf + k + 4, (uint32_t)(int32_t)w->w_v[i].r_wait, 4);
		ru_put_le(buf + k + 8, (uint64_t)w->w_v[i].r_n, 8);
		k += RU_REC;
	}
	*len = k;
	return buf;
}

/* Read one row, add the deltas d, write it back (empty: deleted). */
static int
ru_merge(struct store *s, const struct ru_pend *d)
{
	struct ru_row	 w = { NULL, 0, 0 };
	unsigned char	*buf[2] = { NULL, NULL };
	size_t		 len[2] = { 0, 0 }, i, k;
	int		 rc;

	for (i = 0; i < d->p_w.w_n; i++)
		if (d->p_w.w_v[i].r_n != 0)
			break;
	if (i == d->p_w.w_n)
		return STORE_OK;	/* it all cancelled out */
	if ((rc = store_pbx_rollup_get(s, d->p_day, d->p_line, d->p_op,
	    buf, len)) != STORE_OK)
		return rc;
	rc = STORE_ERR;
	w.w_cap = (len[0] + len[1]) / RU_REC + d->p_w.w_n + 1;
	if ((w.w_v = calloc(w.w_cap, sizeof(*w.w_v))) == NULL)
		goto out;
	/* The hours' records sort before the whole day's. */
	for (k = 0; k < 2; k++)
		for (i = 0; i + RU_REC <= len[k]; i += RU_REC)
			ru_decode1(buf[k] + i, &w.w_v[w.w_n++]);
	for (i = 0; i < d->p_w.w_n; i++)
		if (ru_add(&w, d->p_w.w_v[i].r_hour, d->p_w.w_v[i].r_kind,
		    d->p_w.w_v[i].r_wait, d->p_w.w_v[i].r_n) == -1)
			goto out;
	for (k = 0; k < 2; k++) {
		free(buf[k]);
		if ((buf[k] = ru_encode(&w, k == 1, &len[k])) == NULL)
			goto out;
	}
	rc = store_pbx_rollup_put(s, d->p_day, d->p_line, d->p_op, buf, len);
out:
	free(buf[0]);
	free(buf[1]);
	free(w.w_v);
	return rc;
}

/*
 * Write the pending deltas into their rows, inside the open transaction
 * that made them; they are forgotten either way.
 */
int
pbx_rollup_flush(struct store *s)
{
	size_t	 i;
	int	 rc = STORE_OK;

	for (i = 0; i < ru_npend && rc == STORE_OK; i++)
		rc = ru_merge(s, &ru_pend[i]);
	pbx_rollup_discard();
	return rc;
}

#define RU_PENDING_MAX	256	/* rows pending: written at once past it */

/*
 * After pc was stored (old: as it was before, or NULL when new): its
 * rollup rows follow, as deltas written by pbx_rollup_flush() before
 * the transaction commits.
 */
int
pbx_rollup_call(struct store *s, const struct pbx_call *old,
    const struct pbx_call *pc)
{
	struct ru_row	*w;

	if (old != NULL && ((w = ru_pending(old)) == NULL ||
	    ru_call(w, old, -1) == -1))
		return STORE_ERR;
	if ((w = ru_pending(pc)) == NULL || ru_call(w, pc, 1) == -1)
		return STORE_ERR;
	return ru_npend > RU_PENDING_MAX ? pbx_rollup_flush(s) : STORE_OK;
}

struct ru_rebuild {
	struct store	*rb_store;
	int		 rb_rc;
};

static void
ru_rebuild_add(const struct pbx_call *pc, void *arg)
{
	struct ru_rebuild	*rb = arg;

	if (rb->rb_rc == STORE_OK)
		rb->rb_rc = pbx_rollup_call(rb->rb_store, NULL, pc);
}

/*
 * Rollups for every phone call, keyed in the configured timezone: built
 * when missing (a store from before them) or kept in another zone, in
 * one transaction. STORE_OK when there was nothing to do.
 */
int
pbx_rollup_ready(struct store *s, const struct config *cf)
{
	struct ru_rebuild	 rb = { s, STORE_OK };
	int			 ok, rc;

	if ((rc = store_pbx_rollup_zone(s, cf->cf_timezone, &ok)) !=
	    STORE_OK || ok)
		return rc;
	notify_extend("building the phone measures' rollups");
	log_info("pbx: building the phone measures' rollups from the "
	    "phone calls (days in %s)", cf->cf_timezone);
	if (store_begin(s) != STORE_OK)
		return STORE_ERR;
	if (store_pbx_rollup_clear(s, cf->cf_timezone) != STORE_OK ||
	    store_pbx_range(s, INT64_MIN, INT64_MAX, ru_rebuild_add, &rb) !=
	    STORE_OK || rb.rb_rc != STORE_OK ||
	    pbx_rollup_flush(s) != STORE_OK || store_commit(s) != STORE_OK) {
		pbx_rollup_discard();
		store_rollback(s);
		return STORE_ERR;
	}
	return STORE_OK;
}

/* The records of a rollup list, as (hour start, kind, wait, n); whole
 * day's with the day's start. */
void
pbx_rollup_each(const unsigned char *buf, size_t len, int64_t day,
    void (*fn)(int64_t, int, int64_t, int64_t, void *), void *arg)
{
	struct ru_rec	 r;
	size_t		 i;

	for (i = 0; i + RU_REC <= len; i += RU_REC) {
		ru_decode1(buf + i, &r);
		fn(r.r_hour == RU_WHOLE ? day : day + (int64_t)r.r_hour *
		    RU_HOUR, r.r_kind, r.r_wait, r.r_n, arg);
	}
}
