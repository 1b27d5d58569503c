/*
 * The status listener's /metrics: the Prometheus text that
 * status_render.c renders into each snapshot, from the counters
 * (status.c), the queues, the group commit, the WAL, the phone system,
 * the follow-ups and the care register.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "server.h"
#include "status_int.h"

/* One sample line: name{labels} value, label values escaped. */
static void
status_sample(struct evbuffer *b, const char *name, const char *const *kv,
    const char *value)
{
	char	 esc[512];
	size_t	 i;

	evbuffer_add_printf(b, "%s", name);
	for (i = 0; kv != NULL && kv[i] != NULL; i += 2) {
		status_label_escape(kv[i + 1], esc, sizeof(esc));
		evbuffer_add_printf(b, "%s%s=\"%s\"", i == 0 ? "{" : ",",
		    kv[i], esc);
	}
	evbuffer_add_printf(b, "%s %s\n", kv != NULL && kv[0] != NULL ?
	    "}" : "", value);
}

static void
status_head(struct evbuffer *b, const char *name, const char *type,
    const char *help)
{
	evbuffer_add_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help,
	    name, type);
}

/*
 * A gauge of n samples, one per value of a label: its values named by
 * names[] (the n-th, where names has one fewer, by last), m[] theirs.
 */
static void
status_gauge_by(struct evbuffer *b, const char *name, const char *help,
    const char *label, const char *const *names, const char *last,
    const int64_t *m, size_t n)
{
	const char	*kv[3] = { label, NULL, NULL };
	char		 v[32];
	size_t		 i;

	status_head(b, name, "gauge", help);
	for (i = 0; i < n; i++) {
		kv[1] = last != NULL && i == n - 1 ? last : names[i];
		snprintf(v, sizeof(v), "%lld", (long long)m[i]);
		status_sample(b, name, kv, v);
	}
}

static void
status_metrics_calls(struct evbuffer *b)
{
	const struct status_counts	*cnt = status_counts();
	struct status_total		*t = cnt->st_totals.v;
	struct status_code		*c;
	struct status_vec		 all;
	const char			*kv[7] = { NULL };
	char				 v[32], code[8];
	size_t				 i;

	status_head(b, "hotlined_calls_total", "counter",
	    "Calls logged, by line, caller type and risk.");
	for (i = 0; i < cnt->st_totals.n; i++) {
		kv[0] = "line", kv[1] = t[i].st_line;
		kv[2] = "caller_type", kv[3] = t[i].st_caller;
		kv[4] = "risk", kv[5] = t[i].st_risk;
		snprintf(v, sizeof(v), "%llu", (unsigned long long)t[i].st_n);
		status_sample(b, "hotlined_calls_total", kv, v);
	}
	status_head(b, "hotlined_http_requests_total", "counter",
	    "HTTP requests answered, by listener and status code.");
	kv[4] = NULL;
	status_codes_all(&all);
	c = all.v;
	for (i = 0; i < all.n; i++) {
		snprintf(code, sizeof(code), "%d", c[i].sc_code);
		kv[0] = "listener", kv[1] = c[i].sc_listener;
		kv[2] = "code", kv[3] = code;
		snprintf(v, sizeof(v), "%llu", (unsigned long long)c[i].sc_n);
		status_sample(b, "hotlined_http_requests_total", kv, v);
	}
	status_codes_free(&all);
}

static void
status_metrics_queues(struct evbuffer *b, int64_t now)
{
	static const char *const states[] = { "waiting", "claimed",
	    "scheduled", "escalated" };
	const struct queue_count	*q;
	const char			*kv[5] = { NULL };
	char				 v[32];
	int64_t				 n[4];
	size_t				 i, k, nq;

	nq = queue_counts(&q);
	status_head(b, "hotlined_escalations_total", "counter",
	    "Queue items escalated past their SLA since start-up.");
	for (i = 0; i < nq; i++) {
		kv[0] = "queue", kv[1] = q[i].qc_code;
		snprintf(v, sizeof(v), "%llu",
		    (unsigned long long)q[i].qc_escalations);
		status_sample(b, "hotlined_escalations_total", kv, v);
	}
	status_head(b, "hotlined_queue_items", "gauge",
	    "Open queue items, by queue and state.");
	for (i = 0; i < nq; i++) {
		n[0] = q[i].qc_waiting, n[1] = q[i].qc_claimed;
		n[2] = q[i].qc_scheduled, n[3] = q[i].qc_escalated;
		for (k = 0; k < 4; k++) {
			kv[0] = "queue", kv[1] = q[i].qc_code;
			kv[2] = "state", kv[3] = states[k];
			snprintf(v, sizeof(v), "%lld", (long long)n[k]);
			status_sample(b, "hotlined_queue_items", kv, v);
		}
	}
	kv[2] = NULL;
	status_head(b, "hotlined_queue_oldest_wait_seconds", "gauge",
	    "How long the oldest claimable item of a queue has waited.");
	for (i = 0; i < nq; i++) {
		kv[0] = "queue", kv[1] = q[i].qc_code;
		snprintf(v, sizeof(v), "%lld", (long long)(q[i].qc_oldest_due >
		    0 && q[i].qc_oldest_due < now ? now - q[i].qc_oldest_due :
		    0));
		status_sample(b, "hotlined_queue_oldest_wait_seconds", kv, v);
	}
}

static void
status_metrics_commits(struct evbuffer *b)
{
	const struct status_counts	*cnt = status_counts();
	const char			*kv[3] = { "le", NULL, NULL };
	char				 le[32], v[32];
	uint64_t			 cum = 0;
	size_t				 k;

	status_head(b, "hotlined_commit_duration_seconds", "histogram",
	    "Time taken by each group commit of the store.");
	for (k = 0; k <= STATUS_NBUCKETS; k++) {
		cum += cnt->st_hist[k];
		if (k < STATUS_NBUCKETS)
			snprintf(le, sizeof(le), "%g", status_buckets[k]);
		else
			snprintf(le, sizeof(le), "+Inf");
		kv[1] = le;
		snprintf(v, sizeof(v), "%llu", (unsigned long long)cum);
		status_sample(b, "hotlined_commit_duration_seconds_bucket", kv,
		    v);
	}
	snprintf(v, sizeof(v), "%.6f", cnt->st_hist_sum);
	status_sample(b, "hotlined_commit_duration_seconds_sum", NULL, v);
	snprintf(v, sizeof(v), "%llu",
	    (unsigned long long)cnt->st_hist_count);
	status_sample(b, "hotlined_commit_duration_seconds_count", NULL, v);
}

/* The WAL's size and the checkpoint thread's work (store_wal.c). */
static void
status_metrics_wal(struct evbuffer *b, struct store *st)
{
	struct store_wal_info	 wi;
	const char		*kv[3] = { "result", NULL, NULL };
	char			 v[32];

	store_wal_info(st, &wi);
	status_head(b, "hotlined_wal_bytes", "gauge",
	    "Size of the store's write-ahead log file.");
	snprintf(v, sizeof(v), "%lld", (long long)wi.wi_bytes);
	status_sample(b, "hotlined_wal_bytes", NULL, v);
	status_head(b, "hotlined_wal_pages", "gauge",
	    "Pages in the write-ahead log after the last commit.");
	snprintf(v, sizeof(v), "%lld", (long long)wi.wi_frames);
	status_sample(b, "hotlined_wal_pages", NULL, v);
	status_head(b, "hotlined_checkpoints_total", "counter",
	    "Checkpoints run by the checkpoint thread, by result.");
	kv[1] = "complete";
	snprintf(v, sizeof(v), "%llu", (unsigned long long)(wi.wi_checkpoints -
	    wi.wi_busy));
	status_sample(b, "hotlined_checkpoints_total", kv, v);
	kv[1] = "busy";
	snprintf(v, sizeof(v), "%llu", (unsigned long long)wi.wi_busy);
	status_sample(b, "hotlined_checkpoints_total", kv, v);
	kv[1] = "failed";
	snprintf(v, sizeof(v), "%llu", (unsigned long long)wi.wi_failed);
	status_sample(b, "hotlined_checkpoints_total", kv, v);
	status_head(b, "hotlined_checkpoint_last_seconds", "gauge",
	    "How long the last checkpoint took.");
	kv[0] = "mode", kv[1] = wi.wi_last_at != 0 ? wi.wi_last_mode : "none";
	snprintf(v, sizeof(v), "%.3f", (double)wi.wi_last_ms / 1000);
	status_sample(b, "hotlined_checkpoint_last_seconds", kv, v);
	status_head(b, "hotlined_checkpoint_last_pages", "gauge",
	    "Pages the last checkpoint copied into the database.");
	snprintf(v, sizeof(v), "%lld", (long long)wi.wi_last_pages);
	status_sample(b, "hotlined_checkpoint_last_pages", kv, v);
	status_head(b, "hotlined_checkpoint_last_time_seconds", "gauge",
	    "When the last checkpoint ended, since the Unix epoch.");
	snprintf(v, sizeof(v), "%lld", (long long)wi.wi_last_at);
	status_sample(b, "hotlined_checkpoint_last_time_seconds", kv, v);
}

/* The phone system: events, the unlogged calls, the answered waits. */
static void
status_metrics_pbx(struct evbuffer *b)
{
	const struct pbx_counts	*n = pbx_counts();
	const char		*kv[3] = { "result", NULL, NULL };
	static const char *const results[] = { "applied", "duplicate",
	    "ignored", "refused" };
	static const char *const today[] = { "offered", "answered",
	    "abandoned", "abandoned_short" };
	const uint64_t		 v4[4] = { n->pn_events, n->pn_duplicates,
	    n->pn_ignored, n->pn_refused };
	uint64_t		 sum = 0;
	char			 v[32], le[16];
	int			 i;

	status_head(b, "hotlined_pbx_events_total", "counter",
	    "Phone system events since start, by what became of them.");
	for (i = 0; i < 4; i++) {
		kv[1] = results[i];
		snprintf(v, sizeof(v), "%llu", (unsigned long long)v4[i]);
		status_sample(b, "hotlined_pbx_events_total", kv, v);
	}
	status_head(b, "hotlined_pbx_unlogged_calls", "gauge",
	    "Phone calls answered longer ago than pbx.unlogged_after that "
	    "no logged call points to.");
	snprintf(v, sizeof(v), "%lld", (long long)n->pn_unlogged);
	status_sample(b, "hotlined_pbx_unlogged_calls", NULL, v);
	status_gauge_by(b, "hotlined_pbx_calls_today",
	    "Phone calls offered today (the configured timezone), by what "
	    "became of them.", "measure", today, NULL, n->pn_today, 4);
	status_head(b, "hotlined_pbx_answer_wait_seconds", "histogram",
	    "How long answered callers waited in the queue, since start.");
	kv[0] = "le";
	for (i = 0; i < PBX_WAIT_BUCKETS; i++) {
		sum += n->pn_waits[i];
		if (i < PBX_WAIT_BUCKETS - 1)
			snprintf(le, sizeof(le), "%lld",
			    (long long)pbx_wait_bounds[i]);
		else
			snprintf(le, sizeof(le), "+Inf");
		kv[1] = le;
		snprintf(v, sizeof(v), "%llu", (unsigned long long)sum);
		status_sample(b, "hotlined_pbx_answer_wait_seconds_bucket", kv,
		    v);
	}
	snprintf(v, sizeof(v), "%llu", (unsigned long long)n->pn_wait_sum);
	status_sample(b, "hotlined_pbx_answer_wait_seconds_sum", NULL, v);
	snprintf(v, sizeof(v), "%llu", (unsigned long long)sum);
	status_sample(b, "hotlined_pbx_answer_wait_seconds_count", NULL, v);
}

/* This month's follow-up plan steps (stats_followup.c). */
static void
status_metrics_followup(struct evbuffer *b)
{
	status_gauge_by(b, "hotlined_followup_steps_month",
	    "Follow-up plan steps first due this month (the configured "
	    "timezone) by now: due, and of them done on time, done late, "
	    "escalated, ended early, still open; and the attempts made.",
	    "measure", stats_followup_measures, NULL, stats_followup_month(),
	    STATS_FOLLOWUP_NMONTH);
	status_gauge_by(b, "hotlined_crisis_records_month",
	    "Crisis records of the calls started this month (the configured "
	    "timezone), by suicidal ideation band (none: not scored).",
	    "ideation", stats_bands, "none", stats_crisis_month_ideation(),
	    STATS_CRISIS_NBANDS);
	status_gauge_by(b, "hotlined_emergencies_month",
	    "Emergency linkages of the calls started this month, by who was "
	    "contacted.", "agency", crisis_agencies, NULL,
	    stats_crisis_month_agency(), STATS_CRISIS_NAGENCIES);
}

/* The care register (care_stats.c): people, overdue, open difficulties. */
static void
status_metrics_care(struct evbuffer *b, const struct config *cf)
{
	static const char *const m[][3] = {
		{ "hotlined_care_people", "people", "People in the care "
		    "register." },
		{ "hotlined_care_overdue_contacts", "overdue_contacts",
		    "People whose contact is due and not made by the end of "
		    "its day." },
		{ "hotlined_care_open_difficulties", "open_difficulties",
		    "Difficulties raised and neither resolved nor handed on." },
	};
	json_t	*o = care_status_json(cf);
	char	 v[32];
	size_t	 i;

	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		status_head(b, m[i][0], "gauge", m[i][2]);
		snprintf(v, sizeof(v), "%lld", (long long)json_integer_value(
		    json_object_get(o, m[i][1])));
		status_sample(b, m[i][0], NULL, v);
	}
	json_decref(o);
}

/*
 * The Prometheus text exposition format, version 0.0.4, of the store st
 * (the config cf) at now: why it takes no writes (NULL: it does),
 * whether the daemon is stopping, and when it started.
 */
void
status_metrics(struct evbuffer *b, int64_t now, struct store *st,
    const struct config *cf, const char *why, int stopping, int64_t started)
{
	const char	*kv[3] = { "version", HOTLINED_VERSION, NULL };
	char		 v[32];

	status_metrics_calls(b);
	status_metrics_queues(b, now);
	status_head(b, "hotlined_emergencies_pending", "gauge",
	    "Calls whose emergency linkage is recorded and not yet confirmed.");
	snprintf(v, sizeof(v), "%lld", (long long)handover_pending());
	status_sample(b, "hotlined_emergencies_pending", NULL, v);
	status_metrics_commits(b);
	status_metrics_wal(b, st);
	status_metrics_pbx(b);
	status_metrics_followup(b);
	status_metrics_care(b, cf);
	status_head(b, "hotlined_store_ok", "gauge",
	    "1 when the store accepts writes, else 0.");
	status_sample(b, "hotlined_store_ok", NULL, why == NULL ? "1" : "0");
	status_head(b, "hotlined_up", "gauge",
	    "1 while the daemon serves, 0 once it is stopping.");
	status_sample(b, "hotlined_up", NULL, stopping ? "0" : "1");
	status_head(b, "hotlined_connections_open", "gauge",
	    "HTTP connections open on all listeners.");
	snprintf(v, sizeof(v), "%lld", (long long)status_conns_all());
	status_sample(b, "hotlined_connections_open", NULL, v);
	status_head(b, "hotlined_build_info", "gauge",
	    "The running version; always 1.");
	status_sample(b, "hotlined_build_info", kv, "1");
	status_head(b, "process_start_time_seconds", "gauge",
	    "Start time of the process since the Unix epoch, in seconds.");
	snprintf(v, sizeof(v), "%lld", (long long)started);
	status_sample(b, "process_start_time_seconds", NULL, v);
}
