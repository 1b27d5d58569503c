/*
 * The follow-up queues: the items a routed call makes, claims under a
 * lease, completion, and the loop's timer that returns expired leases and
 * escalates items waiting past their SLA (once: the flag is stored, so a
 * restart neither forgets nor repeats it). The counts per queue are kept
 * in memory for the status listener and GET /v1/queues: every move is
 * applied when its transaction commits, and the timer recounts them all
 * from the store when a callback falls due and once a minute.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "domain.h"

#define QUEUE_TICK_MS	1000
#define QUEUE_MORE_MS	20	/* the next slice of a backlog */
#define QUEUE_TICK_US	1000	/* escalating a tick: about 4 at 10M calls */
#define QUEUE_RECOUNT_S	60	/* mend any drift at least this often */
#define QUEUE_SYSTEM	AUDIT_SYSTEM	/* the actor of timer transitions */

struct queue_esc {
	char		 qe_code[40];
	uint64_t	 qe_n;
};

static struct {
	struct store		*q_store;
	const struct config	*q_cf;
	struct event		*q_tick;
	struct event		*q_more;	/* a backlog's next slice */
	struct queue_count	*q_counts;	/* one per configured queue */
	size_t			 q_ncounts;
	struct queue_esc	*q_esc;		/* escalations since start */
	size_t			 q_nesc;
	int			 q_dirty;	/* recount from the store */
	struct queue_delta	*q_pend;	/* moves not yet committed */
	size_t			 q_npend;
	int64_t			 q_recount_at;	/* the next full recount */
	int64_t			 q_next_due;	/* a scheduled item's due;
						   0: none */
	char			*q_slas;	/* [[queue, priority, s], ...];
						   NULL: none */
} qs;

/*
 * What the writes of the open transaction did to one queue's counts:
 * applied when it commits, dropped (and everything recounted) when not.
 */
struct queue_delta {
	char		 qd_code[40];
	int64_t		 qd_waiting, qd_claimed, qd_scheduled, qd_escalated;
	int64_t		 qd_due;	/* a newly claimable item's due; 0 */
	int		 qd_oldest_left; /* a claimable item was taken */
};

static void	queue_tick(evutil_socket_t, short, void *);

static void	queue_commit_hook(int, void *);

/* Start the timer; counts are loaded at once. -1 when out of memory. */
int
queue_init(struct event_base *base, struct batch *b, struct store *store,
    const struct config *cf)
{
	struct timeval	 tv = { QUEUE_TICK_MS / 1000,
			    (QUEUE_TICK_MS % 1000) * 1000 };

	if (b != NULL && batch_on_commit(b, queue_commit_hook, NULL) == -1)
		return -1;
	qs.q_store = store;
	if ((qs.q_tick = event_new(base, -1, EV_PERSIST, queue_tick,
	    NULL)) == NULL || event_add(qs.q_tick, &tv) == -1 ||
	    (qs.q_more = evtimer_new(base, queue_tick, NULL)) == NULL)
		return -1;
	queue_set_config(cf);
	return 0;
}

void
queue_free(void)
{
	if (qs.q_tick != NULL)
		event_free(qs.q_tick);
	if (qs.q_more != NULL)
		event_free(qs.q_more);
	free(qs.q_counts);
	free(qs.q_esc);
	free(qs.q_slas);
	free(qs.q_pend);
	memset(&qs, 0, sizeof(qs));
}

/* The SLAs of cf as JSON for the store; NULL when there are none. */
static char *
queue_slas_json(const struct config *cf)
{
	json_t	*a = json_array();
	char	*s = NULL;
	size_t	 q;
	int	 p;

	for (q = 0; q < cf->cf_queues.cl_n; q++)
		for (p = 1; p <= QUEUE_PRIORITIES; p++)
			if (cf->cf_qconf[q].qf_sla_s[p] > 0)
				json_array_append_new(a, json_pack("[s, i, I]",
				    cf->cf_queues.cl_v[q].cn_code, p,
				    (json_int_t)cf->cf_qconf[q].qf_sla_s[p]));
	if (json_array_size(a) > 0)
		s = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return s;
}

/* A new config: its queues are counted, and its SLAs kept, from now on. */
void
queue_set_config(const struct config *cf)
{
	free(qs.q_slas);
	qs.q_slas = queue_slas_json(cf);
	qs.q_cf = cf;
	qs.q_dirty = 1;
	queue_refresh();
}

static struct queue_count *
queue_count_of(const char *code)
{
	size_t	 i;

	for (i = 0; i < qs.q_ncounts; i++)
		if (strcmp(qs.q_counts[i].qc_code, code) == 0)
			return &qs.q_counts[i];
	return NULL;
}

static uint64_t *
queue_esc_of(const char *code)
{
	struct queue_esc	*v;
	size_t			 i;

	for (i = 0; i < qs.q_nesc; i++)
		if (strcmp(qs.q_esc[i].qe_code, code) == 0)
			return &qs.q_esc[i].qe_n;
	if ((v = reallocarray(qs.q_esc, qs.q_nesc + 1, sizeof(*v))) == NULL)
		return NULL;
	qs.q_esc = v;
	memset(&v[qs.q_nesc], 0, sizeof(*v));
	snprintf(v[qs.q_nesc].qe_code, sizeof(v->qe_code), "%s", code);
	return &v[qs.q_nesc++].qe_n;
}

static void
queue_count_row(void *arg, const char *code, const int64_t v[5])
{
	struct queue_count	*qc;

	(void)arg;
	if (code == NULL || (qc = queue_count_of(code)) == NULL)
		return;		/* a queue no longer configured */
	qc->qc_waiting = v[0];
	qc->qc_claimed = v[1];
	qc->qc_scheduled = v[2];
	qc->qc_oldest_due = v[3];
	qc->qc_escalated = v[4];
}

/* Recount from the store when an item moved (or time may have). */
void
queue_refresh(void)
{
	const struct config	*cf = qs.q_cf;
	struct queue_count	*v;
	uint64_t		*esc;
	int64_t			 now;
	size_t			 i;

	if (cf == NULL || !qs.q_dirty)
		return;
	if ((v = calloc(cf->cf_queues.cl_n, sizeof(*v))) == NULL) {
		/* Never keep names that may point into a freed config. */
		log_warnx("%s: out of memory", __func__);
		free(qs.q_counts);
		qs.q_counts = NULL;
		qs.q_ncounts = 0;
		return;
	}
	free(qs.q_counts);
	qs.q_counts = v;
	qs.q_ncounts = cf->cf_queues.cl_n;
	for (i = 0; i < qs.q_ncounts; i++) {
		v[i].qc_code = cf->cf_queues.cl_v[i].cn_code;
		v[i].qc_name = cf->cf_queues.cl_v[i].cn_name;
		if ((esc = queue_esc_of(v[i].qc_code)) != NULL)
			v[i].qc_escalations = *esc;
	}
	now = clock_now();
	if (store_queue_counts(qs.q_store, now, queue_count_row,
	    NULL) != STORE_OK ||
	    store_next_due(qs.q_store, now, &qs.q_next_due) != STORE_OK) {
		log_warnx("%s: %s", __func__, store_errmsg(qs.q_store));
		return;		/* stays dirty: try again next tick */
	}
	qs.q_recount_at = now + QUEUE_RECOUNT_S;
	qs.q_dirty = 0;
}

/*
 * Note a move of one item in queue code (applied at the commit); plan.c
 * notes its steps' moves here too.
 */
void
queue_move(const char *code, int64_t waiting, int64_t claimed,
    int64_t scheduled, int64_t escalated, int64_t due, int left)
{
	struct queue_delta	*d = NULL, *v;
	size_t			 i;

	for (i = 0; i < qs.q_npend && d == NULL; i++)
		if (strcmp(qs.q_pend[i].qd_code, code) == 0)
			d = &qs.q_pend[i];
	if (d == NULL) {
		if ((v = reallocarray(qs.q_pend, qs.q_npend + 1,
		    sizeof(*v))) == NULL) {
			qs.q_dirty = 1;	/* cannot track it: recount */
			return;
		}
		qs.q_pend = v;
		d = &v[qs.q_npend++];
		memset(d, 0, sizeof(*d));
		snprintf(d->qd_code, sizeof(d->qd_code), "%s", code);
	}
	d->qd_waiting += waiting;
	d->qd_claimed += claimed;
	d->qd_scheduled += scheduled;
	d->qd_escalated += escalated;
	if (due != 0 && (d->qd_due == 0 || due < d->qd_due))
		d->qd_due = due;
	d->qd_oldest_left |= left;
}

/*
 * The transaction the moves belong to has ended: on a commit, apply them
 * (the oldest claimable item is asked of the store only when one was
 * taken, by index); otherwise forget them and recount everything. Cheap
 * whatever the backlog, unlike a recount.
 */
void
queue_committed(int ok)
{
	struct queue_count	*qc;
	struct queue_delta	*d;
	int64_t			 oldest;
	size_t			 i;

	for (i = 0; ok && i < qs.q_npend; i++) {
		d = &qs.q_pend[i];
		if ((qc = queue_count_of(d->qd_code)) == NULL)
			continue;
		qc->qc_waiting += d->qd_waiting;
		qc->qc_claimed += d->qd_claimed;
		qc->qc_scheduled += d->qd_scheduled;
		qc->qc_escalated += d->qd_escalated;
		if (d->qd_oldest_left) {
			if (store_queue_oldest(qs.q_store, qc->qc_code,
			    clock_now(), &oldest) != STORE_OK)
				qs.q_dirty = 1;
			else
				qc->qc_oldest_due = oldest;
		} else if (d->qd_due != 0 && (qc->qc_oldest_due == 0 ||
		    d->qd_due < qc->qc_oldest_due))
			qc->qc_oldest_due = d->qd_due;
	}
	if (!ok && qs.q_npend > 0)
		qs.q_dirty = 1;
	qs.q_npend = 0;
	queue_refresh();	/* only when something asked for a recount */
}

/* After every batch: the counts follow the items its jobs moved. */
static void
queue_commit_hook(int ok, void *arg)
{
	(void)arg;
	queue_committed(ok);
}

/* The current counts, one per configured queue; valid until the next
 * refresh or config swap. */
size_t
queue_counts(const struct queue_count **out)
{
	*out = qs.q_counts;
	return qs.q_ncounts;
}

/* The count of one queue, or NULL when it is not configured. */
const struct queue_count *
queue_count(const char *code)
{
	return queue_count_of(code);
}

/* The index of queue code in the config, or -1. */
static int
queue_index(const char *code)
{
	const struct code_name	*q = config_find(&qs.q_cf->cf_queues, code);

	return q == NULL ? -1 : (int)(q - qs.q_cf->cf_queues.cl_v);
}

/* The SLA of an item in seconds; 0: none. */
int64_t
queue_sla(const struct queue_item *it)
{
	int	 q = queue_index(it->qi_queue);

	if (q == -1 || it->qi_priority < 1 ||
	    it->qi_priority > QUEUE_PRIORITIES)
		return 0;
	return qs.q_cf->cf_qconf[q].qf_sla_s[it->qi_priority];
}

/*
 * Make the items routing gives call c (stored, inside the caller's
 * request) that it does not have yet; *n of them into out.
 */
int
queue_route(const struct call *c, const char *actor, struct queue_item out[2],
    size_t *n)
{
	struct route_item	 ri[2];
	struct queue_item	*it;
	size_t			 i, k;
	int			 rc;

	*n = 0;
	k = route_call(qs.q_cf, c, ri);
	for (i = 0; i < k; i++) {
		it = &out[*n];
		memset(it, 0, sizeof(*it));
		it->qi_call_id = c->c_id;
		snprintf(it->qi_queue, sizeof(it->qi_queue), "%s",
		    qs.q_cf->cf_queues.cl_v[ri[i].ri_queue].cn_code);
		snprintf(it->qi_kind, sizeof(it->qi_kind), "%s",
		    ri[i].ri_kind == ROUTE_REFERRAL ? "referral" : "callback");
		it->qi_priority = ri[i].ri_priority;
		it->qi_created_at = clock_now();
		it->qi_due_at = ri[i].ri_kind == ROUTE_REFERRAL ?
		    it->qi_created_at : ri[i].ri_due;
		rc = store_item_insert(qs.q_store, it, actor);
		if (rc == STORE_CONFLICT)
			continue;	/* an amendment: it has one already */
		if (rc != STORE_OK)
			return rc;
		if (it->qi_due_at <= clock_now())
			queue_move(it->qi_queue, 1, 0, 0, 0, it->qi_due_at, 0);
		else {
			queue_move(it->qi_queue, 0, 0, 1, 0, 0, 0);
			queue_schedule(it->qi_due_at);
		}
		(*n)++;
	}
	return STORE_OK;
}

/*
 * Claim the next item of queue for id; QUEUE_EMPTY when none is due. The
 * audit row covers the call the claim's answer shows.
 */
int
queue_claim(const char *queue, const struct identity *id,
    struct queue_item *it)
{
	const char	*who = id->id_name;
	char		 detail[64];
	int		 q, rc, first;
	int64_t		 now = clock_now();

	if ((q = queue_index(queue)) == -1)
		return QUEUE_NOTFOUND;
	rc = store_item_next(qs.q_store, queue, now, it);
	if (rc == STORE_NOTFOUND)
		return QUEUE_EMPTY;
	if (rc != STORE_OK)
		return QUEUE_ERR;
	snprintf(it->qi_state, sizeof(it->qi_state), "claimed");
	snprintf(it->qi_claimed_by, sizeof(it->qi_claimed_by), "%s", who);
	it->qi_claimed_at = now;
	it->qi_lease_until = now + qs.q_cf->cf_qconf[q].qf_lease_s;
	/*
	 * Writes are serialised in the pump: nobody can move it meanwhile.
	 * A first claim ends the item's wait: the statistics count it.
	 */
	first = it->qi_first_claimed_at == 0;
	if ((rc = store_request_begin(qs.q_store)) == STORE_OK) {
		if (first)
			rc = stats_rollup_call(qs.q_store, qs.q_cf,
			    it->qi_call_id, -1);
		if (rc == STORE_OK)
			rc = store_item_set(qs.q_store, it, now, who,
			    "claimed", NULL);
		if (rc == STORE_OK && first)
			rc = stats_rollup_call(qs.q_store, qs.q_cf,
			    it->qi_call_id, 1);
		snprintf(detail, sizeof(detail), "queue %s", queue);
		if (rc == STORE_OK)
			rc = audit_record(id, "item.claim", it->qi_call_id,
			    it->qi_id, detail);
		rc = store_request_end(qs.q_store, rc);
	}
	if (rc != STORE_OK) {
		store_item_free(it);
		return QUEUE_ERR;
	}
	if (first)
		it->qi_first_claimed_at = now;
	queue_move(it->qi_queue, -1, 1, 0, 0, 0, 1);
	return QUEUE_OK;
}

static const char *const queue_action_names[] = {
	[QUEUE_COMPLETE] = "completed",
	[QUEUE_RELEASE] = "released",
	[QUEUE_RENEW] = "renewed",
};

static const char *const queue_audit_names[] = {
	[QUEUE_COMPLETE] = "item.complete",
	[QUEUE_RELEASE] = "item.release",
	[QUEUE_RENEW] = "item.renew",
};

/* Store an acted-on item with its audit row ("held by" someone else). */
static int
queue_act_store(struct queue_item *it, enum queue_action act,
    const struct identity *who, const char *holder, int64_t now)
{
	char	 detail[64];
	int	 rc;

	detail[0] = '\0';
	if (strcmp(holder, who->id_name) != 0)
		snprintf(detail, sizeof(detail), "held by %s", holder);
	if ((rc = store_request_begin(qs.q_store)) != STORE_OK)
		return rc;
	rc = store_item_set(qs.q_store, it, now, who->id_name,
	    queue_action_names[act], NULL);
	/* A missed caller's number goes with the item (pbx_callback.c). */
	if (rc == STORE_OK && act == QUEUE_COMPLETE && it->qi_call_id == 0)
		rc = store_pbx_callback_erase(qs.q_store, it->qi_id);
	if (rc == STORE_OK)
		rc = audit_record(who, queue_audit_names[act], it->qi_call_id,
		    it->qi_id, detail[0] != '\0' ? detail : NULL);
	return store_request_end(qs.q_store, rc);
}

/*
 * May who act on it (a claimed item, held by who, or who a supervisor or
 * admin)? QUEUE_OK, or QUEUE_STATE / QUEUE_FORBIDDEN with why.
 */
int
queue_held(const struct queue_item *it, const struct identity *who,
    char *why, size_t len)
{
	int	 boss;

	boss = who->id_role == ROLE_SUPERVISOR || who->id_role == ROLE_ADMIN;
	if (strcmp(it->qi_state, "claimed") != 0) {
		if (strcmp(it->qi_state, "waiting") != 0)
			snprintf(why, len, "item %lld is already %s",
			    (long long)it->qi_id, it->qi_state);
		else
			snprintf(why, len, "item %lld is not claimed: claim "
			    "it first", (long long)it->qi_id);
		return QUEUE_STATE;
	}
	if (strcmp(it->qi_claimed_by, who->id_name) != 0 && !boss) {
		snprintf(why, len, "item %lld is held by another counselor",
		    (long long)it->qi_id);
		return QUEUE_FORBIDDEN;
	}
	return QUEUE_OK;
}

/*
 * An item was scheduled for due: recount when it falls due, whichever
 * comes first of it and the times already known.
 */
void
queue_schedule(int64_t due)
{
	if (qs.q_next_due == 0 || due < qs.q_next_due)
		qs.q_next_due = due;
}

/* An item escalated outside the SLA timer (plan.c): say it, count it. */
void
queue_escalated(const struct queue_item *it, const char *why)
{
	uint64_t	*esc;

	log_alert("queue %s: item %lld (call %lld, priority %d) is "
	    "escalated: %s", it->qi_queue, (long long)it->qi_id,
	    (long long)it->qi_call_id, it->qi_priority, why);
	if ((esc = queue_esc_of(it->qi_queue)) != NULL)
		(*esc)++;
}

/*
 * Act on item id for who (role): complete with resolution, release or
 * renew. Only a claimed item, and only its holder or a supervisor or
 * admin. On failure other than QUEUE_ERR, why says what was wrong.
 */
int
queue_act(int64_t id, enum queue_action act, const struct identity *who,
    const char *resolution, struct queue_item *it, char *why, size_t len)
{
	char	 holder[sizeof(it->qi_claimed_by)];
	int	 q, rc;
	int64_t	 now = clock_now();

	rc = store_item_get(qs.q_store, id, it);
	if (rc == STORE_NOTFOUND) {
		snprintf(why, len, "no queue item %lld", (long long)id);
		return QUEUE_NOTFOUND;
	}
	if (rc != STORE_OK)
		return QUEUE_ERR;
	if ((rc = queue_held(it, who, why, len)) != QUEUE_OK)
		return rc;
	snprintf(holder, sizeof(holder), "%s", it->qi_claimed_by);
	switch (act) {
	case QUEUE_COMPLETE:
		snprintf(it->qi_state, sizeof(it->qi_state), "done");
		it->qi_completed_at = now;
		snprintf(it->qi_completed_by, sizeof(it->qi_completed_by), "%s",
		    who->id_name);
		free(it->qi_resolution);
		if ((it->qi_resolution = strdup(resolution)) == NULL)
			return QUEUE_ERR;
		it->qi_lease_until = 0;
		break;
	case QUEUE_RELEASE:
		snprintf(it->qi_state, sizeof(it->qi_state), "waiting");
		it->qi_claimed_by[0] = '\0';
		it->qi_lease_until = 0;
		break;
	case QUEUE_RENEW:
		q = queue_index(it->qi_queue);
		it->qi_lease_until = now + (q == -1 ? 30 * 60 :
		    qs.q_cf->cf_qconf[q].qf_lease_s);
		break;
	}
	if (queue_act_store(it, act, who, holder, now) != STORE_OK)
		return QUEUE_ERR;
	if (act == QUEUE_COMPLETE)
		queue_move(it->qi_queue, 0, -1, 0, it->qi_escalated_at != 0 ?
		    -1 : 0, 0, 0);
	else if (act == QUEUE_RELEASE)
		queue_move(it->qi_queue, 1, -1, 0, 0, it->qi_due_at, 0);
	return QUEUE_OK;
}

/* Leases that ran out: back to waiting. *got: how many were read. */
static int
queue_expire(int64_t now, size_t *got)
{
	struct queue_item	*v;
	size_t			 n, i;
	char			 detail[80];

	if (store_items_expired(qs.q_store, now, &v, &n) != STORE_OK)
		return -1;
	*got = n;
	for (i = 0; i < n; i++) {
		snprintf(detail, sizeof(detail), "lease of %s ran out",
		    v[i].qi_claimed_by);
		log_info("queue %s: item %lld (call %lld) returned to waiting: "
		    "the lease of %s ran out", v[i].qi_queue,
		    (long long)v[i].qi_id, (long long)v[i].qi_call_id,
		    v[i].qi_claimed_by);
		snprintf(v[i].qi_state, sizeof(v[i].qi_state), "waiting");
		v[i].qi_claimed_by[0] = '\0';
		v[i].qi_lease_until = 0;
		if (store_item_set(qs.q_store, &v[i], now, QUEUE_SYSTEM,
		    "lease expired", detail) != STORE_OK ||
		    audit_system("item.expire", v[i].qi_call_id, v[i].qi_id,
		    detail) != STORE_OK)
			break;
		queue_move(v[i].qi_queue, 1, -1, 0, 0, v[i].qi_due_at, 0);
	}
	store_items_free(v, n);
	return i == n ? 0 : -1;
}

/*
 * Items waiting past their SLA: flag each once. All candidates go to
 * *out; those flagged now have qi_escalated_at set, to be logged after
 * the commit. Past QUEUE_TICK_US the rest wait: *cut (0 before) is 1.
 */
static int
queue_escalate(int64_t now, struct queue_item **out, size_t *nout, int *cut)
{
	struct queue_item	*v;
	size_t			 n, i, done = 0;
	int64_t			 sla, t0 = clock_mono_usec();
	char			 detail[80];

	*out = NULL;
	*nout = 0;
	if (qs.q_slas == NULL)
		return 0;	/* no queue has an SLA */
	if (store_items_overdue(qs.q_store, now, qs.q_slas, &v, &n) !=
	    STORE_OK)
		return -1;
	*out = v;
	*nout = n;
	for (i = 0; i < n; i++) {
		if ((sla = queue_sla(&v[i])) == 0 || now - v[i].qi_due_at < sla)
			continue;
		if (done++ > 0 && clock_mono_usec() - t0 >= QUEUE_TICK_US) {
			*cut = 1;
			break;
		}
		snprintf(detail, sizeof(detail), "waited %llds, SLA %llds",
		    (long long)(now - v[i].qi_due_at), (long long)sla);
		v[i].qi_escalated_at = now;
		if (stats_rollup_call(qs.q_store, qs.q_cf, v[i].qi_call_id,
		    -1) != STORE_OK || store_item_set(qs.q_store, &v[i], now,
		    QUEUE_SYSTEM, "escalated", detail) != STORE_OK ||
		    audit_system("item.escalate", v[i].qi_call_id, v[i].qi_id,
		    detail) != STORE_OK ||
		    stats_rollup_call(qs.q_store, qs.q_cf, v[i].qi_call_id,
		    1) != STORE_OK)
			return -1;
		queue_move(v[i].qi_queue, 0, 0, 0, 1, 0, 0);
	}
	return 0;
}

/* "45 seconds", "16 minutes", "3 hours 5 minutes": for a person. */
static void
queue_span(int64_t s, char *buf, size_t len)
{
	if (s < 120)
		snprintf(buf, len, "%lld seconds", (long long)s);
	else if (s < 2 * 3600)
		snprintf(buf, len, "%lld minutes", (long long)s / 60);
	else
		snprintf(buf, len, "%lld hours %lld minutes",
		    (long long)s / 3600, (long long)s % 3600 / 60);
}

/* After the commit: one alert per item escalated now, and the count. */
static void
queue_escalated_log(struct queue_item *v, size_t n, int64_t now)
{
	uint64_t	*esc;
	size_t		 i;
	char		 waited[48], sla[48];

	for (i = 0; i < n; i++) {
		if (v[i].qi_escalated_at == 0)
			continue;
		queue_span(now - v[i].qi_due_at, waited, sizeof(waited));
		queue_span(queue_sla(&v[i]), sla, sizeof(sla));
		log_alert("queue %s: item %lld (call %lld, priority %d) has "
		    "waited %s, past its SLA of %s", v[i].qi_queue,
		    (long long)v[i].qi_id, (long long)v[i].qi_call_id,
		    v[i].qi_priority, waited, sla);
		if ((esc = queue_esc_of(v[i].qi_queue)) != NULL)
			(*esc)++;
	}
}

/*
 * Once a second: return expired leases and escalate overdue items in one
 * transaction, their moves applied to the counts at its commit. A tick
 * takes at most STORE_TICK_ITEMS of each, escalating for QUEUE_TICK_US at
 * most (an escalation rewrites its call's rollups); the rest of a backlog
 * follows QUEUE_MORE_MS later (the next loop turn when time ran out), so
 * that other requests go between. The write
 * lock is taken without waiting; when another process holds it, the next
 * tick tries again. The counts are recounted from the store when a
 * scheduled item has become claimable, and every QUEUE_RECOUNT_S.
 */
void
queue_run(void)
{
	struct queue_item	*esc = NULL;
	size_t			 nesc = 0, nexp = 0;
	int64_t			 now = clock_now();
	struct timeval		 more = { 0, QUEUE_MORE_MS * 1000 };
	int			 ok = 0, cut = 0;

	if (qs.q_cf == NULL || store_in_batch(qs.q_store))
		return;
	if (store_begin(qs.q_store) != STORE_OK)
		goto done;
	if (queue_expire(now, &nexp) == -1 ||
	    queue_escalate(now, &esc, &nesc, &cut) == -1) {
		log_warnx("%s: %s", __func__, store_errmsg(qs.q_store));
		store_rollback(qs.q_store);
		goto done;
	}
	if (store_commit(qs.q_store) != STORE_OK) {
		log_warnx("%s: commit: %s", __func__,
		    store_errmsg(qs.q_store));
		goto done;
	}
	ok = 1;
	queue_escalated_log(esc, nesc, now);
	if (cut)
		more.tv_usec = 0;
	if ((nexp == STORE_TICK_ITEMS || nesc == STORE_TICK_ITEMS || cut) &&
	    qs.q_more != NULL)
		evtimer_add(qs.q_more, &more);
done:
	audit_committed(ok);
	store_items_free(esc, nesc);
	if (now >= qs.q_recount_at || (qs.q_next_due != 0 &&
	    now >= qs.q_next_due))
		qs.q_dirty = 1;
	queue_committed(ok);
}

static void
queue_tick(evutil_socket_t fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	(void)arg;
	queue_run();
}

/* An item as the API shows it; the call is added by the caller. */
json_t *
queue_item_json(const struct queue_item *it)
{
	const struct code_name	*q = config_find(&qs.q_cf->cf_queues,
				    it->qi_queue);
	int64_t			 now = clock_now(), sla = queue_sla(it);
	const char		*state = it->qi_state;
	json_t			*o;

	if (strcmp(state, "waiting") == 0 && it->qi_due_at > now)
		state = "scheduled";
	o = json_pack("{s:I, s:o, s:s, s:s, s:s, s:i, s:s, s:o, s:o}",
	    "id", (json_int_t)it->qi_id, "call_id", it->qi_call_id != 0 ?
	    json_integer(it->qi_call_id) : json_null(),
	    "queue", it->qi_queue, "queue_name", q != NULL ? q->cn_name :
	    it->qi_queue, "kind", it->qi_kind, "priority", it->qi_priority,
	    "state", state, "due_at", call_json_time(it->qi_due_at),
	    "created_at", call_json_time(it->qi_created_at));
	json_object_set_new(o, "wait_s", strcmp(state, "waiting") == 0 ?
	    json_integer(now - it->qi_due_at) : json_null());
	json_object_set_new(o, "sla_s", sla > 0 ? json_integer(sla) :
	    json_null());
	json_object_set_new(o, "escalated", json_boolean(it->qi_escalated_at));
	json_object_set_new(o, "escalated_at",
	    call_json_time(it->qi_escalated_at));
	json_object_set_new(o, "claimed_by", *it->qi_claimed_by ?
	    json_string(it->qi_claimed_by) : json_null());
	json_object_set_new(o, "claimed_at", call_json_time(it->qi_claimed_at));
	json_object_set_new(o, "lease_until",
	    call_json_time(it->qi_lease_until));
	json_object_set_new(o, "completed_at",
	    call_json_time(it->qi_completed_at));
	json_object_set_new(o, "completed_by", *it->qi_completed_by ?
	    json_string(it->qi_completed_by) : json_null());
	json_object_set_new(o, "resolution", it->qi_resolution != NULL ?
	    json_string(it->qi_resolution) : json_null());
	json_object_set_new(o, "version", json_integer(it->qi_version));
	if (it->qi_step > 0) {		/* a follow-up plan's step */
		json_object_set_new(o, "step", json_integer(it->qi_step));
		json_object_set_new(o, "attempts",
		    json_integer(it->qi_attempts));
	}
	return o;
}

/* A queue's counts as the API shows them. */
json_t *
queue_count_json(const struct queue_count *qc)
{
	int64_t	 now = clock_now();

	return json_pack("{s:s, s:s, s:I, s:I, s:I, s:o, s:I}", "code",
	    qc->qc_code, "name", qc->qc_name, "waiting",
	    (json_int_t)qc->qc_waiting, "claimed", (json_int_t)qc->qc_claimed,
	    "scheduled", (json_int_t)qc->qc_scheduled, "oldest_wait_s",
	    qc->qc_oldest_due != 0 ? json_integer(now - qc->qc_oldest_due) :
	    json_null(), "past_sla", (json_int_t)qc->qc_escalated);
}
