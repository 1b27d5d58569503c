/*
 * The phone calls: what an event from the PBX (a queue_log line, or a
 * POST /v1/pbx/events) does to the one row each phone call has; the
 * answered calls nobody logged; the phone measures for /v1/stats and
 * /status. Events apply in any order: each sets what it knows, and an
 * event already applied (by its key) changes nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "domain.h"

#define PBX_FUTURE_S	86400	/* an event this far ahead is refused */
#define PBX_SAY_EVERY_S	60	/* unknown queues and agents: logged */
#define PBX_TICK_S	10	/* the unlogged count, today's measures */

static struct {
	struct batch		*p_batch;
	struct store		*p_store;
	const struct config	*p_cf;
	struct event		*p_tick_ev;
	struct pbx_counts	 p_n;
	int64_t			 p_said_queue;	/* last logged: unknown queue */
	int64_t			 p_said_agent;
} px;

const int64_t pbx_wait_bounds[PBX_WAIT_BUCKETS - 1] = {
	5, 10, 20, 30, 60, 120, 300
};

/* Ended without an answer: how the caller left the queue. */
static const char *const pbx_exits[] = {
	[PBX_ABANDONED] = "abandoned", [PBX_TIMEOUT] = "timeout",
	[PBX_EMPTY] = "empty", [PBX_KEY] = "key",
};

static void
pbx_say_unknown(const char *what, const char *name, int64_t *said,
    int64_t now)
{
	if (now - *said < PBX_SAY_EVERY_S)
		return;
	*said = now;
	log_warnx("pbx: %s \"%.80s\" is not in the config's pbx group; its "
	    "calls are kept without one (said once a minute)", what, name);
}

static void
pbx_count_wait(int64_t w)
{
	int	 i;

	for (i = 0; i < PBX_WAIT_BUCKETS - 1; i++)
		if (w <= pbx_wait_bounds[i])
			break;
	px.p_n.pn_waits[i]++;
	px.p_n.pn_wait_sum += (uint64_t)(w > 0 ? w : 0);
}

/* A new row for a call first heard of by ev. */
static void
pbx_call_new(struct pbx_call *pc, const struct pbx_event *ev)
{
	memset(pc, 0, sizeof(*pc));
	snprintf(pc->pc_pbx_id, sizeof(pc->pc_pbx_id), "%s", ev->pe_call);
	snprintf(pc->pc_queue, sizeof(pc->pc_queue), "%s", ev->pe_queue);
	pc->pc_offered_at = ev->pe_at - (ev->pe_wait_s > 0 ? ev->pe_wait_s : 0);
	pc->pc_wait_s = pc->pc_talk_s = -1;
	if (ev->pe_kind != PBX_OFFERED)
		px.p_n.pn_orphans++;
}

static void
pbx_call_agent(struct pbx_call *pc, const struct config *cf,
    const struct pbx_event *ev, int64_t now)
{
	const char	*op;

	if (ev->pe_agent[0] == '\0')
		return;
	snprintf(pc->pc_agent, sizeof(pc->pc_agent), "%s", ev->pe_agent);
	if ((op = config_pbx_operator(cf, ev->pe_agent)) == NULL) {
		px.p_n.pn_unknown_agent++;
		pbx_say_unknown("agent", ev->pe_agent, &px.p_said_agent, now);
		pc->pc_operator[0] = '\0';
	} else
		snprintf(pc->pc_operator, sizeof(pc->pc_operator), "%s", op);
}

/* What ev says about the call pc. */
static void
pbx_call_event(struct pbx_call *pc, const struct config *cf,
    const struct pbx_event *ev, int64_t now)
{
	char	*hash = NULL;

	switch (ev->pe_kind) {
	case PBX_OFFERED:
		if (ev->pe_at < pc->pc_offered_at || pc->pc_offered_at == 0)
			pc->pc_offered_at = ev->pe_at;
		if (ev->pe_number[0] != '\0' && cf->cf_hash_key != NULL &&
		    call_hash_number(cf, ev->pe_number, &hash) == 0) {
			snprintf(pc->pc_caller_hash,
			    sizeof(pc->pc_caller_hash), "%s", hash);
			free(hash);
		}
		break;
	case PBX_ANSWERED:
		pc->pc_answered_at = ev->pe_at;
		pc->pc_wait_s = ev->pe_wait_s >= 0 ? ev->pe_wait_s :
		    ev->pe_at - pc->pc_offered_at;
		pbx_call_agent(pc, cf, ev, now);
		if (strcmp(pc->pc_outcome, "answered") != 0 &&
		    strcmp(pc->pc_outcome, "transferred") != 0)
			pc->pc_outcome[0] = '\0';	/* out of order */
		break;
	case PBX_ENDED:
	case PBX_TRANSFER:
		/* Posted "ended" of a call never answered: the caller left. */
		if (pc->pc_answered_at == 0 && ev->pe_talk_s < 0) {
			pc->pc_ended_at = ev->pe_at;
			pc->pc_wait_s = ev->pe_at - pc->pc_offered_at;
			snprintf(pc->pc_outcome, sizeof(pc->pc_outcome),
			    "abandoned");
			break;
		}
		if (ev->pe_talk_s < 0 && pc->pc_answered_at != 0)
			pc->pc_talk_s = ev->pe_at - pc->pc_answered_at;
		pc->pc_ended_at = ev->pe_at;
		if (ev->pe_talk_s >= 0)
			pc->pc_talk_s = ev->pe_talk_s;
		if (pc->pc_wait_s < 0 && ev->pe_wait_s >= 0)
			pc->pc_wait_s = ev->pe_wait_s;
		if (pc->pc_answered_at == 0)
			pc->pc_answered_at = ev->pe_at - (pc->pc_talk_s > 0 ?
			    pc->pc_talk_s : 0);
		if (pc->pc_agent[0] == '\0')
			pbx_call_agent(pc, cf, ev, now);
		snprintf(pc->pc_outcome, sizeof(pc->pc_outcome), "%s",
		    ev->pe_kind == PBX_TRANSFER ? "transferred" : "answered");
		break;
	case PBX_ABANDONED:
	case PBX_TIMEOUT:
	case PBX_EMPTY:
	case PBX_KEY:
		if (pc->pc_answered_at != 0)
			break;
		pc->pc_ended_at = ev->pe_at;
		pc->pc_wait_s = ev->pe_wait_s >= 0 ? ev->pe_wait_s :
		    ev->pe_at - pc->pc_offered_at;
		snprintf(pc->pc_outcome, sizeof(pc->pc_outcome), "%s",
		    pbx_exits[ev->pe_kind]);
		break;
	default:
		break;
	}
	if (pc->pc_wait_s < -1)
		pc->pc_wait_s = 0;
}

/*
 * Apply one event inside the open batch. key (SHA-256_LEN bytes) names
 * the event: one already applied changes nothing. PBX_APPLIED,
 * PBX_DUPLICATE, PBX_IGNORED (no queued call), PBX_BAD (err says why),
 * or PBX_ERR when the store failed.
 */
int
pbx_apply(struct store *s, const struct config *cf,
    const struct pbx_event *ev, const unsigned char *key, int64_t now,
    char *err, size_t errlen)
{
	struct pbx_call	 pc, old;
	const char	*line;
	int		 rc, was_lost;

	if (ev->pe_kind == PBX_OTHER) {
		px.p_n.pn_ignored++;
		return PBX_IGNORED;
	}
	if (ev->pe_at > now + PBX_FUTURE_S) {
		px.p_n.pn_refused++;
		snprintf(err, errlen, "the time is more than a day ahead of "
		    "the server's clock");
		return PBX_BAD;
	}
	if ((rc = store_pbx_seen(s, key)) != 1) {
		if (rc == 0)
			px.p_n.pn_duplicates++;
		return rc == 0 ? PBX_DUPLICATE : PBX_ERR;
	}
	if (ev->pe_kind == PBX_RINGNOANSWER) {
		px.p_n.pn_events++;	/* a member's ring: no change */
		return PBX_APPLIED;
	}
	if ((rc = store_pbx_get(s, ev->pe_call, &pc)) == STORE_NOTFOUND)
		pbx_call_new(&pc, ev);
	else if (rc != STORE_OK)
		return PBX_ERR;
	if (pc.pc_line[0] == '\0') {
		if ((line = config_pbx_line(cf, pc.pc_queue)) != NULL)
			snprintf(pc.pc_line, sizeof(pc.pc_line), "%s", line);
		else if (rc == STORE_NOTFOUND) {
			px.p_n.pn_unknown_queue++;
			pbx_say_unknown("queue", pc.pc_queue,
			    &px.p_said_queue, now);
		}
	}
	was_lost = rc == STORE_OK && pbx_callback_lost(cf, &pc);
	old = pc;
	pbx_call_event(&pc, cf, ev, now);
	pc.pc_updated_at = now;
	if (store_pbx_put(s, &pc) != STORE_OK ||
	    pbx_rollup_call(s, rc == STORE_OK ? &old : NULL, &pc) !=
	    STORE_OK ||
	    pbx_callback_apply(s, cf, ev, was_lost, &pc, now) != STORE_OK)
		return PBX_ERR;
	px.p_n.pn_events++;
	if (ev->pe_kind == PBX_ANSWERED)
		pbx_count_wait(pc.pc_wait_s);
	return PBX_APPLIED;
}

/* The phone call as the API shows it: never a number. */
json_t *
pbx_call_json(const struct pbx_call *pc)
{
#define PBX_STR(v)	((v)[0] != '\0' ? json_string(v) : json_null())
#define PBX_SECS(v)	((v) >= 0 ? json_integer(v) : json_null())
	return json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, "
	    "s:o, s:b, s:o}",
	    "pbx_call_id", pc->pc_pbx_id, "queue", pc->pc_queue,
	    "line", PBX_STR(pc->pc_line),
	    "offered_at", call_json_time(pc->pc_offered_at),
	    "answered_at", call_json_time(pc->pc_answered_at),
	    "ended_at", call_json_time(pc->pc_ended_at),
	    "wait_s", PBX_SECS(pc->pc_wait_s),
	    "talk_s", PBX_SECS(pc->pc_talk_s),
	    "outcome", PBX_STR(pc->pc_outcome),
	    "operator", PBX_STR(pc->pc_operator),
	    "agent", PBX_STR(pc->pc_agent),
	    "caller_known", pc->pc_caller_hash[0] != '\0',
	    "call_id", pc->pc_call_id != 0 ? json_integer(pc->pc_call_id) :
	    json_null());
#undef PBX_STR
#undef PBX_SECS
}

const struct pbx_counts *
pbx_counts(void)
{
	return &px.p_n;
}

/* A line or event refused before it reached pbx_apply(). */
void
pbx_count_refused(void)
{
	px.p_n.pn_refused++;
}

/* The follower says whether it can read the queue_log (1), cannot (0)
 * or waits for it to exist (-1), and how far it has read. */
void
pbx_follow_state(int ok, int64_t offset)
{
	px.p_n.pn_follow_ok = ok;
	px.p_n.pn_follow_offset = offset;
	px.p_n.pn_follow_at = clock_now();
}

/* Local midnight of the day holding t. */
static int64_t
pbx_day_start(int64_t t)
{
	struct tm	 tm;
	time_t		 tt = (time_t)t;

	localtime_r(&tt, &tm);
	tm.tm_sec = tm.tm_min = tm.tm_hour = 0;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm);
}

static void
pbx_today_add(const struct pbx_call *pc, void *arg)
{
	pbx_tally_add(arg, px.p_cf, pc);
}

/* The unlogged count and today's measures, read off the loop's
 * connection (indexed: a count and a day's rows). */
static void
pbx_refresh(void)
{
	struct pbx_tally	 t;
	int64_t			 now = clock_now(), n;

	if (store_pbx_unlogged_count(px.p_store, now -
	    px.p_cf->cf_pbx.px_unlogged_s, &n) == STORE_OK)
		px.p_n.pn_unlogged = n;
	memset(&t, 0, sizeof(t));
	if (store_pbx_range(px.p_store, pbx_day_start(now), now + 1,
	    pbx_today_add, &t) == STORE_OK) {
		px.p_n.pn_today[0] = t.pt_offered;
		px.p_n.pn_today[1] = t.pt_answered;
		px.p_n.pn_today[2] = t.pt_abandoned;
		px.p_n.pn_today[3] = t.pt_abandoned_short;
		px.p_n.pn_today[4] = t.pt_in_sla;
	}
	pbx_tally_free(&t);
}

static void
pbx_tick(evutil_socket_t fd, short events, void *arg)
{
	struct timeval	 tv = { PBX_TICK_S, 0 };

	(void)fd;
	(void)events;
	(void)arg;
	pbx_refresh();
	evtimer_add(px.p_tick_ev, &tv);
}

/* After a commit that applied events: the counts now, not in 10 s. */
static void
pbx_committed(int ok, void *arg)
{
	static uint64_t	 seen;

	(void)arg;
	if (ok && px.p_n.pn_events != seen) {
		seen = px.p_n.pn_events;
		pbx_refresh();
	}
}

int
pbx_init(struct event_base *base, struct batch *b, struct store *s,
    const struct config *cf)
{
	struct timeval	 now = { 0, 0 };

	memset(&px, 0, sizeof(px));
	px.p_batch = b;
	px.p_store = s;
	px.p_cf = cf;
	px.p_said_queue = px.p_said_agent = -PBX_SAY_EVERY_S;
	px.p_n.pn_follow_ok = 1;	/* until a read says otherwise */
	if ((px.p_tick_ev = evtimer_new(base, pbx_tick, NULL)) == NULL ||
	    (b != NULL && batch_on_commit(b, pbx_committed, NULL) == -1))
		return -1;
	evtimer_add(px.p_tick_ev, &now);
	if (pbx_rollup_ready(s, cf) != STORE_OK) {
		log_warnx("pbx: the phone rollups: %s", store_errmsg(s));
		return -1;
	}
	return pbx_follow_init(base, b, s, cf);
}

void
pbx_set_config(const struct config *cf)
{
	px.p_cf = cf;
	if (!cf->cf_pbx.px_cb_on)
		pbx_callback_forget();
	pbx_follow_set_config(cf);
}

void
pbx_free(void)
{
	pbx_follow_free();
	pbx_callback_forget();
	if (px.p_tick_ev != NULL)
		event_free(px.p_tick_ev);
	memset(&px, 0, sizeof(px));
}

/* For /status: counts and times only. */
json_t *
pbx_json(void)
{
	const struct pbx_counts	*n = &px.p_n;
	const struct config	*cf = px.p_cf;
	int64_t			 base = n->pn_today[0] - n->pn_today[3];
	json_t			*o;

	o = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
	    "unlogged", (json_int_t)n->pn_unlogged,
	    "events", (json_int_t)n->pn_events,
	    "duplicates", (json_int_t)n->pn_duplicates,
	    "ignored", (json_int_t)n->pn_ignored,
	    "refused", (json_int_t)n->pn_refused,
	    "orphans", (json_int_t)n->pn_orphans,
	    "unknown_queue", (json_int_t)n->pn_unknown_queue,
	    "unknown_agent", (json_int_t)n->pn_unknown_agent);
	json_object_set_new(o, "today", json_pack("{s:I, s:I, s:I, s:I, s:o, "
	    "s:o}", "offered", (json_int_t)n->pn_today[0],
	    "answered", (json_int_t)n->pn_today[1],
	    "abandoned", (json_int_t)n->pn_today[2],
	    "abandoned_short", (json_int_t)n->pn_today[3],
	    "answer_rate", base > 0 ? json_real((double)(n->pn_today[1] *
	    10000 / base) / 10000) : json_null(),
	    "service_level", base > 0 ? json_real((double)(n->pn_today[4] *
	    10000 / base) / 10000) : json_null()));
	json_object_set_new(o, "queue_log", cf == NULL ||
	    cf->cf_pbx.px_queue_log == NULL ? json_null() : json_pack(
	    "{s:b, s:b, s:I, s:o}", "ok", n->pn_follow_ok != 0, "exists",
	    n->pn_follow_ok != -1, "offset",
	    (json_int_t)n->pn_follow_offset, "read_at",
	    call_json_time(n->pn_follow_at)));
	return o;
}

static int
pbx_fail(struct call_error *err, const char *kind, const char *field,
    const char *msg)
{
	err->ce_kind = kind;
	snprintf(err->ce_field, sizeof(err->ce_field), "%s", field);
	snprintf(err->ce_msg, sizeof(err->ce_msg), "%s", msg);
	return -1;
}

/* A string member: 1 to max-1 printable bytes without spaces or '|'. */
static int
pbx_json_name(json_t *o, const char *name, int required, char *out,
    size_t max, struct call_error *err)
{
	json_t		*v = json_object_get(o, name);
	const char	*s;
	char		 msg[160];
	size_t		 i, n;

	out[0] = '\0';
	if (v == NULL || json_is_null(v)) {
		snprintf(msg, sizeof(msg), "%s is required", name);
		return required ? pbx_fail(err, "missing_field", name, msg) : 0;
	}
	s = json_is_string(v) ? json_string_value(v) : NULL;
	n = s != NULL ? strlen(s) : 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == '|' || s[i] == 0x7f)
			break;
	if (s == NULL || n == 0 || n >= max || i < n) {
		snprintf(msg, sizeof(msg), "%s must be a string of 1 to %zu "
		    "printable characters without spaces or '|'", name,
		    max - 1);
		return pbx_fail(err, "invalid_field", name, msg);
	}
	memcpy(out, s, n + 1);
	return 0;
}

static const struct {
	const char	*name;
	enum pbx_kind	 kind;
} pbx_api_events[] = {
	{ "offered", PBX_OFFERED }, { "answered", PBX_ANSWERED },
	{ "ended", PBX_ENDED }, { "abandoned", PBX_ABANDONED },
};

static int
pbx_json_fields(json_t *o, struct call_error *err)
{
	static const char *const known[] = { "call_id", "event", "at", "line",
	    "caller_number", "agent", NULL };
	const char	*k;
	json_t		*v;
	char		 msg[160];
	size_t		 i;

	json_object_foreach(o, k, v) {
		for (i = 0; known[i] != NULL; i++)
			if (strcmp(k, known[i]) == 0)
				break;
		if (known[i] == NULL) {
			snprintf(msg, sizeof(msg), "unknown field \"%.40s\"; "
			    "an event has call_id, event, at, line, "
			    "caller_number, agent", k);
			return pbx_fail(err, "unknown_field", "", msg);
		}
	}
	return 0;
}

/*
 * POST /v1/pbx/events: o into ev, checked against the config; `at`
 * defaults to now. -1 with err saying which field is wrong.
 */
int
pbx_event_from_json(json_t *o, const struct config *cf, int64_t now,
    struct pbx_event *ev, struct call_error *err)
{
	json_t		*v;
	char		 event[16], *hash = NULL;
	size_t		 i;

	memset(ev, 0, sizeof(*ev));
	ev->pe_wait_s = ev->pe_talk_s = -1;
	ev->pe_at = now;
	if (!json_is_object(o))
		return pbx_fail(err, "invalid_field", "", "the body must be "
		    "a JSON object");
	if (pbx_json_fields(o, err) == -1 ||
	    pbx_json_name(o, "call_id", 1, ev->pe_call, sizeof(ev->pe_call),
	    err) == -1 ||
	    pbx_json_name(o, "event", 1, event, sizeof(event), err) == -1)
		return -1;
	for (i = 0; i < sizeof(pbx_api_events) / sizeof(pbx_api_events[0]);
	    i++)
		if (strcmp(event, pbx_api_events[i].name) == 0)
			break;
	if (i == sizeof(pbx_api_events) / sizeof(pbx_api_events[0]))
		return pbx_fail(err, "invalid_field", "event", "event must be "
		    "one of: offered, answered, ended, abandoned");
	ev->pe_kind = pbx_api_events[i].kind;
	snprintf(ev->pe_event, sizeof(ev->pe_event), "%s", event);
	if ((v = json_object_get(o, "at")) != NULL && !json_is_null(v) &&
	    (!json_is_string(v) || clock_parse(json_string_value(v),
	    &ev->pe_at) == -1))
		return pbx_fail(err, "invalid_field", "at", "at must be a time "
		    "such as \"2020-02-17T01:30:00+08:00\"");
	if (ev->pe_at > now + PBX_FUTURE_S || ev->pe_at < 946684800)
		return pbx_fail(err, "invalid_field", "at", "at is more than a "
		    "day ahead of the server's clock, or before 2000");
	if (pbx_json_name(o, "line", 0, ev->pe_queue, sizeof(ev->pe_queue),
	    err) == -1 || pbx_json_name(o, "agent", 0, ev->pe_agent,
	    sizeof(ev->pe_agent), err) == -1)
		return -1;
	if (ev->pe_queue[0] != '\0' && config_pbx_line(cf, ev->pe_queue) ==
	    NULL)
		return pbx_fail(err, "invalid_field", "line", "line must be one "
		    "of the lines, or a name the config's pbx.lines maps");
	if (ev->pe_queue[0] == '\0')
		snprintf(ev->pe_queue, sizeof(ev->pe_queue), "api");
	if ((v = json_object_get(o, "caller_number")) == NULL ||
	    json_is_null(v))
		return 0;
	if (!json_is_string(v) || strlen(json_string_value(v)) >=
	    sizeof(ev->pe_number) || (cf->cf_hash_key != NULL &&
	    call_hash_number(cf, json_string_value(v), &hash) == -1))
		return pbx_fail(err, "invalid_field", "caller_number",
		    "caller_number must hold 5 to 20 digits");
	free(hash);
	snprintf(ev->pe_number, sizeof(ev->pe_number), "%s",
	    json_string_value(v));
	return 0;
}

/* The key of a posted event: one per (call_id, event). */
int
pbx_event_key(const struct pbx_event *ev, unsigned char *key)
{
	char	 buf[PBX_ID_MAX + 40];
	int	 n;

	n = snprintf(buf, sizeof(buf), "api\n%s\n%s", ev->pe_call,
	    ev->pe_event);
	return digest_sha256(buf, (size_t)n, key);
}
