/*
 * Follow-up plans: the plan a call matches (route_plan) and its steps,
 * made as scheduled queue items in the savepoint of the call; every
 * attempt to reach the caller recorded; a step reached is done, one not
 * reached is due again after the plan's wait and escalated once when its
 * attempts run out; a plan ended early cancels its open steps. Items move
 * through queue.c's counts like any other.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"

const char *const plan_results[] = { "reached", "no_answer", "busy",
    "refused", "wrong_number", "left_message", NULL };

const char *const plan_end_reasons[] = { "declined", "in_treatment",
    "transferred", "unreachable", "other", NULL };

/* 1 when v is one of list (NULL-terminated). */
int
plan_known(const char *const *list, const char *v)
{
	size_t	 i;

	for (i = 0; list[i] != NULL; i++)
		if (strcmp(list[i], v) == 0)
			return 1;
	return 0;
}

/*
 * Give stored call c the plan it matches, when it has none yet: the plan
 * row and one scheduled item per step, due at its offset from now; *n of
 * them into out. Runs inside the caller's request.
 */
int
plan_start(struct store *s, const struct config *cf, const struct call *c,
    const char *actor, struct queue_item out[PLAN_MAX_STEPS], size_t *n)
{
	const struct plan_conf	*pc = route_plan(cf, c);
	struct plan_row		 pr;
	struct queue_item	*it;
	size_t			 i;
	int			 rc;

	*n = 0;
	if (pc == NULL)
		return STORE_OK;
	memset(&pr, 0, sizeof(pr));
	pr.pr_call_id = c->c_id;
	snprintf(pr.pr_code, sizeof(pr.pr_code), "%s", pc->pc_code);
	pr.pr_attempts = pc->pc_attempts;
	pr.pr_retry_s = pc->pc_retry_s;
	pr.pr_started_at = clock_now();
	if ((rc = store_plan_insert(s, &pr)) == STORE_CONFLICT)
		return STORE_OK;	/* an amendment: it has its plan */
	if (rc != STORE_OK)
		return rc;
	for (i = 0; i < pc->pc_nsteps; i++) {
		it = &out[i];
		memset(it, 0, sizeof(*it));
		it->qi_call_id = c->c_id;
		snprintf(it->qi_queue, sizeof(it->qi_queue), "%s",
		    cf->cf_queues.cl_v[pc->pc_match.ru_queue].cn_code);
		/* i < PLAN_MAX_STEPS: the narrow cast only says so. */
		snprintf(it->qi_kind, sizeof(it->qi_kind), "followup-%u",
		    (unsigned int)(unsigned char)(i + 1));
		it->qi_priority = pc->pc_match.ru_priority;
		it->qi_step = (int)i + 1;
		it->qi_created_at = pr.pr_started_at;
		it->qi_due_at = pr.pr_started_at + pc->pc_steps[i];
		if ((rc = store_item_insert(s, it, actor)) != STORE_OK)
			return rc;
		queue_move(it->qi_queue, 0, 0, 1, 0, 0, 0);
		queue_schedule(it->qi_due_at);
		(*n)++;
	}
	return STORE_OK;
}

/* The step's new state after an attempt; *escalate: flag it now. */
static void
plan_attempt_apply(struct queue_item *it, const struct plan_row *pr,
    const struct identity *who, int reached, int64_t now, int *escalate)
{
	*escalate = 0;
	it->qi_attempts++;
	it->qi_lease_until = 0;
	if (reached) {
		snprintf(it->qi_state, sizeof(it->qi_state), "done");
		it->qi_completed_at = now;
		snprintf(it->qi_completed_by, sizeof(it->qi_completed_by), "%s",
		    who->id_name);
		return;
	}
	snprintf(it->qi_state, sizeof(it->qi_state), "waiting");
	it->qi_claimed_by[0] = '\0';
	it->qi_due_at = now + pr->pr_retry_s;
	if (it->qi_attempts >= pr->pr_attempts && it->qi_escalated_at == 0) {
		it->qi_escalated_at = now;
		*escalate = 1;
	}
}

/* Store an attempt, the step's move, its escalation and audit rows. */
static int
plan_attempt_store(struct store *s, const struct config *cf,
    struct queue_item *it, const struct identity *who,
    struct attempt_row *ar, int reached, int escalate, const char *detail)
{
	char	 why[64];
	int	 rc, roll;

	/*
	 * The rollups count the wait from the due time to the first claim:
	 * a failed attempt moves the due time, an escalation the past-SLA
	 * count, so the call's sums come out before and go in again after.
	 */
	roll = escalate || it->qi_first_claimed_at != 0;
	if ((rc = store_request_begin(s)) != STORE_OK)
		return rc;
	if (roll)
		rc = stats_rollup_call(s, cf, it->qi_call_id, -1);
	if (rc == STORE_OK)
		rc = store_attempt_insert(s, ar);
	if (rc == STORE_OK)
		rc = store_item_set(s, it, ar->ar_at, who->id_name,
		    reached ? "completed" : "attempted", detail);
	snprintf(why, sizeof(why), "%d attempts failed", it->qi_attempts);
	if (rc == STORE_OK && escalate)
		rc = store_item_set(s, it, ar->ar_at, AUDIT_SYSTEM,
		    "escalated", why);
	if (rc == STORE_OK && escalate)
		rc = audit_system("item.escalate", it->qi_call_id, it->qi_id,
		    why);
	if (rc == STORE_OK && roll)
		rc = stats_rollup_call(s, cf, it->qi_call_id, 1);
	if (rc == STORE_OK)
		rc = audit_record(who, "item.attempt", it->qi_call_id,
		    it->qi_id, detail);
	return store_request_end(s, rc);
}

/*
 * Record an attempt by who on step id with result (one of plan_results)
 * and note (personal, or NULL). The step must be claimed, by who or by a
 * supervisor. QUEUE_OK with it as stored; else why says what was wrong.
 */
int
plan_attempt(struct store *s, const struct config *cf, int64_t id,
    const struct identity *who, const char *result, const char *note,
    struct queue_item *it, char *why, size_t len)
{
	struct plan_row		 pr;
	struct attempt_row	 ar;
	char			 detail[80];
	int			 rc, escalate, reached;
	int64_t			 now = clock_now();

	if ((rc = store_item_get(s, id, it)) == STORE_NOTFOUND) {
		snprintf(why, len, "no queue item %lld", (long long)id);
		return QUEUE_NOTFOUND;
	}
	if (rc != STORE_OK)
		return QUEUE_ERR;
	if (it->qi_step == 0) {
		snprintf(why, len, "item %lld is not a step of a follow-up "
		    "plan: complete it instead", (long long)id);
		return QUEUE_STATE;
	}
	if ((rc = queue_held(it, who, why, len)) != QUEUE_OK)
		return rc;
	if (store_plan_get(s, it->qi_call_id, &pr) != STORE_OK)
		return QUEUE_ERR;
	reached = strcmp(result, "reached") == 0;
	plan_attempt_apply(it, &pr, who, reached, now, &escalate);
	memset(&ar, 0, sizeof(ar));
	ar.ar_item_id = it->qi_id;
	ar.ar_call_id = it->qi_call_id;
	ar.ar_at = now;
	snprintf(ar.ar_by, sizeof(ar.ar_by), "%s", who->id_name);
	snprintf(ar.ar_result, sizeof(ar.ar_result), "%s", result);
	ar.ar_note = (char *)(uintptr_t)note;	/* bound, not kept */
	snprintf(detail, sizeof(detail), "%s, attempt %d of %ld", result,
	    it->qi_attempts, pr.pr_attempts);
	if (plan_attempt_store(s, cf, it, who, &ar, reached, escalate,
	    detail) != STORE_OK)
		return QUEUE_ERR;
	queue_move(it->qi_queue, 0, -1, reached ? 0 : 1, escalate ? 1 :
	    reached && it->qi_escalated_at != 0 ? -1 : 0, 0, 0);
	if (!reached)
		queue_schedule(it->qi_due_at);
	if (escalate)
		queue_escalated(it, detail);
	return QUEUE_OK;
}

/* Cancel one open step of an ended plan, noting its move. */
static int
plan_cancel_step(struct store *s, struct queue_item *it,
    const struct identity *who, const char *reason, int64_t now)
{
	int	 claimed = strcmp(it->qi_state, "claimed") == 0;
	int	 due = !claimed && it->qi_due_at <= now;
	int	 rc;

	snprintf(it->qi_state, sizeof(it->qi_state), "cancelled");
	it->qi_claimed_by[0] = '\0';
	it->qi_lease_until = 0;
	it->qi_completed_at = now;
	snprintf(it->qi_completed_by, sizeof(it->qi_completed_by), "%s",
	    who->id_name);
	if ((rc = store_item_set(s, it, now, who->id_name, "cancelled",
	    reason)) != STORE_OK)
		return rc;
	queue_move(it->qi_queue, due ? -1 : 0, claimed ? -1 : 0,
	    !claimed && !due ? -1 : 0, it->qi_escalated_at != 0 ? -1 : 0, 0,
	    due);
	return STORE_OK;
}

/* End the plan pr with its steps v (n), inside one request. */
static int
plan_end_store(struct store *s, struct plan_row *pr, struct queue_item *v,
    size_t n, const struct identity *who, size_t *ncancel)
{
	char	 detail[128];
	size_t	 i;
	int	 rc;

	*ncancel = 0;
	if ((rc = store_request_begin(s)) != STORE_OK)
		return rc;
	rc = store_plan_end(s, pr);
	for (i = 0; i < n && rc == STORE_OK; i++) {
		if (v[i].qi_step == 0 || (strcmp(v[i].qi_state, "waiting") != 0 &&
		    strcmp(v[i].qi_state, "claimed") != 0))
			continue;
		rc = plan_cancel_step(s, &v[i], who, pr->pr_end_reason,
		    pr->pr_ended_at);
		(*ncancel)++;
	}
	snprintf(detail, sizeof(detail), "plan %s, reason %s, %zu steps "
	    "cancelled", pr->pr_code, pr->pr_end_reason, *ncancel);
	if (rc == STORE_OK)
		rc = audit_record(who, "plan.end", pr->pr_call_id, 0, detail);
	return store_request_end(s, rc);
}

/*
 * End the plan of call id early for reason (one of plan_end_reasons):
 * its open steps are cancelled. QUEUE_OK; else why says what was wrong.
 */
int
plan_end(struct store *s, int64_t id, const struct identity *who,
    const char *reason, char *why, size_t len)
{
	struct plan_row		 pr;
	struct queue_item	*v = NULL;
	size_t			 n = 0, k;
	int			 rc;

	if ((rc = store_plan_get(s, id, &pr)) == STORE_NOTFOUND) {
		snprintf(why, len, "call %lld has no follow-up plan",
		    (long long)id);
		return QUEUE_NOTFOUND;
	}
	if (rc != STORE_OK)
		return QUEUE_ERR;
	if (pr.pr_ended_at != 0) {
		snprintf(why, len, "the plan of call %lld was already ended",
		    (long long)id);
		return QUEUE_STATE;
	}
	if (store_items_by_call(s, id, &v, &n) != STORE_OK)
		return QUEUE_ERR;
	pr.pr_ended_at = clock_now();
	snprintf(pr.pr_ended_by, sizeof(pr.pr_ended_by), "%s", who->id_name);
	snprintf(pr.pr_end_reason, sizeof(pr.pr_end_reason), "%s", reason);
	rc = plan_end_store(s, &pr, v, n, who, &k);
	store_items_free(v, n);
	return rc == STORE_OK ? QUEUE_OK : QUEUE_ERR;
}

/* An attempt as the API shows it; its note only when show. */
static json_t *
plan_attempt_json(const struct attempt_row *a, int show)
{
	json_t	*o;

	o = json_pack("{s:I, s:I, s:o, s:s, s:s}", "id", (json_int_t)a->ar_id,
	    "item", (json_int_t)a->ar_item_id, "at", call_json_time(a->ar_at),
	    "by", a->ar_by, "result", a->ar_result);
	if (show)
		json_object_set_new(o, "note", a->ar_note != NULL ?
		    json_string(a->ar_note) : json_null());
	else if (a->ar_note != NULL)
		json_object_set_new(o, "redacted", json_pack("[s]", "note"));
	return o;
}

/* active, completed (no step open) or ended (early). */
static const char *
plan_state(const struct plan_row *pr, const struct queue_item *v, size_t n)
{
	size_t	 i;

	if (pr->pr_ended_at != 0)
		return "ended";
	for (i = 0; i < n; i++)
		if (v[i].qi_step > 0 && (strcmp(v[i].qi_state, "waiting") == 0 ||
		    strcmp(v[i].qi_state, "claimed") == 0))
			return "active";
	return "completed";
}

/* The steps of v (n) with their attempts a (na). */
static json_t *
plan_steps_json(const struct queue_item *v, size_t n,
    const struct attempt_row *a, size_t na, int personal, const char *viewer)
{
	json_t	*steps = json_array(), *o, *al;
	size_t	 i, j;

	for (i = 0; i < n; i++) {
		if (v[i].qi_step == 0)
			continue;
		o = queue_item_json(&v[i]);
		json_object_del(o, "resolution");
		al = json_array();
		for (j = 0; j < na; j++)
			if (a[j].ar_item_id == v[i].qi_id)
				json_array_append_new(al, plan_attempt_json(&a[j],
				    personal || strcmp(a[j].ar_by, viewer) == 0));
		json_object_set_new(o, "attempt_log", al);
		json_array_append_new(steps, o);
	}
	return steps;
}

/*
 * The plan of call id, its steps and every attempt, as the API shows it;
 * attempt notes only when personal, or to viewer who wrote them. *rc:
 * STORE_OK, STORE_NOTFOUND (no plan) or the store's failure.
 */
json_t *
plan_json(struct store *s, const struct config *cf, int64_t id,
    int personal, const char *viewer, int *rc)
{
	const struct plan_conf	*pc = NULL;
	struct plan_row		 pr;
	struct queue_item	*v = NULL;
	struct attempt_row	*a = NULL;
	size_t			 n = 0, na = 0, i;
	json_t			*o = NULL;

	if ((*rc = store_plan_get(s, id, &pr)) != STORE_OK ||
	    (*rc = store_items_by_call(s, id, &v, &n)) != STORE_OK ||
	    (*rc = store_attempts_by_call(s, id, &a, &na)) != STORE_OK)
		goto done;
	for (i = 0; i < cf->cf_nplans; i++)
		if (strcmp(cf->cf_plans[i].pc_code, pr.pr_code) == 0)
			pc = &cf->cf_plans[i];
	o = json_pack("{s:I, s:s, s:s, s:s, s:o, s:I, s:I}", "call_id",
	    (json_int_t)id, "plan", pr.pr_code, "name", pc != NULL ?
	    pc->pc_name : pr.pr_code, "state", plan_state(&pr, v, n),
	    "started_at", call_json_time(pr.pr_started_at),
	    "attempts_allowed", (json_int_t)pr.pr_attempts, "retry_after_s",
	    (json_int_t)pr.pr_retry_s);
	json_object_set_new(o, "ended_at", call_json_time(pr.pr_ended_at));
	json_object_set_new(o, "ended_by", pr.pr_ended_at != 0 ?
	    json_string(pr.pr_ended_by) : json_null());
	json_object_set_new(o, "end_reason", pr.pr_ended_at != 0 ?
	    json_string(pr.pr_end_reason) : json_null());
	json_object_set_new(o, "steps", plan_steps_json(v, n, a, na,
	    personal, viewer));
done:
	store_items_free(v, n);
	store_attempts_free(a, na);
	return o;
}
