/*
 * The status listener's snapshot: /status (JSON) and /metrics (the
 * Prometheus text) rendered by the main loop from the counters
 * (status.c), the follow-up queues, retention and the group commit's
 * health, then handed to the status thread (status_http.c). Rendered
 * after every commit, at most STATUS_PUBLISH_MS after other changes
 * (the counters tell it through status_on_change) and every second,
 * when a timer also probes the store, the database's size and the free
 * disk space.
 */
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "server.h"
#include "status_int.h"

#define STATUS_TICK_S		1	/* probe, sizes, publish */
#define STATUS_PUBLISH_MS	10	/* at most this late after a change */
#define STATUS_DISK_MIN		(4 * 1024 * 1024) /* less free is "full" */

static struct status_render {
	struct event_base	*st_base;
	struct store		*st_store;
	struct batch		*st_batch;
	const struct config	*st_cf;
	char			*st_db_path;	/* the store opened at start */
	struct event		*st_tick;
	int64_t			 st_started;	/* wall clock */
	int64_t			 st_started_us;	/* monotonic */
	int			 st_stopping;
	char			 st_probe_fail[256];
	int			 st_disk_full;
	int64_t			 st_db_size;
	struct event		*st_pub_ev;	/* publish soon */
	struct status_snap	*st_snap;	/* under status_snap_mu */
} S;

/* Shared with the status thread: st_snap and every sn_refs. */
static pthread_mutex_t status_snap_mu = PTHREAD_MUTEX_INITIALIZER;

/*
 * Escape a Prometheus label value (backslash, double quote, newline) into
 * out (len bytes, always terminated); the length the whole would need.
 */
size_t
status_label_escape(const char *in, char *out, size_t len)
{
	size_t	 n = 0;
	char	 esc;

	for (; *in != '\0'; in++) {
		esc = *in == '\\' ? '\\' : *in == '"' ? '"' :
		    *in == '\n' ? 'n' : '\0';
		if (esc != '\0') {
			if (n + 1 < len)
				out[n] = '\\';
			n++;
		}
		if (n + 1 < len)
			out[n] = esc != '\0' ? esc : *in;
		n++;
	}
	if (len > 0)
		out[n < len ? n : len - 1] = '\0';
	return n;
}

/* The database file and its WAL (SQLite's name): sizes, room on the disk. */
static void
status_files(void)
{
	struct stat	 sb;
	struct statvfs	 vfs;
	const char	*path = S.st_db_path;
	int64_t		 size = 0;

	if (stat(path, &sb) == 0)
		size += (int64_t)sb.st_size;
	if (S.st_store != NULL && stat(store_wal_path(S.st_store), &sb) == 0)
		size += (int64_t)sb.st_size;
	S.st_db_size = size;
	S.st_disk_full = statvfs(path, &vfs) == 0 &&
	    (uint64_t)vfs.f_bavail * vfs.f_frsize < STATUS_DISK_MIN;
}

static void	status_publish(void);

/* The loop's timer: is the write lock free, how big is the store. */
static void
status_tick(evutil_socket_t fd, short events, void *arg)
{
	const char	*why;
	int		 rc;

	(void)fd;
	(void)events;
	(void)arg;
	status_files();
	if (!S.st_stopping) {
		rc = store_lock_check(S.st_store);
		if (rc == STORE_OK && !batch_store_ok(S.st_batch, &why))
			/* A full disk or an I/O error, until writes work. */
			snprintf(S.st_probe_fail, sizeof(S.st_probe_fail),
			    "%s", why);
		else if (rc == STORE_OK) {
			S.st_probe_fail[0] = '\0';
			status_lock_ok();
		} else if (rc == STORE_BUSY)
			snprintf(S.st_probe_fail, sizeof(S.st_probe_fail),
			    "the database is locked by another process");
		else
			snprintf(S.st_probe_fail, sizeof(S.st_probe_fail),
			    "the store cannot write: %s",
			    store_errmsg(S.st_store));
	}
	status_publish();
}

static void
status_publish_cb(evutil_socket_t fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	(void)arg;
	status_publish();
}

/* Something changed that need not be seen at once: publish soon. */
static void
status_dirty(void)
{
	struct timeval	 tv = { 0, STATUS_PUBLISH_MS * 1000 };

	if (S.st_pub_ev != NULL && !evtimer_pending(S.st_pub_ev, NULL))
		evtimer_add(S.st_pub_ev, &tv);
}

/* The counters changed (status_on_change): publish now or soon. */
static void
status_render_changed(int when, void *arg)
{
	(void)arg;
	if (when == STATUS_NOW)
		status_publish();
	else
		status_dirty();
}

/*
 * Render from now on: the timers on the main loop, the first snapshot
 * (the counters are loaded: status_load).
 */
int
status_render_init(struct event_base *base, struct store *store,
    struct batch *b, const struct config *cf, char **cause)
{
	struct timeval	 tv = { STATUS_TICK_S, 0 };

	S.st_base = base;
	S.st_store = store;
	S.st_batch = b;
	S.st_cf = cf;
	if ((S.st_db_path = strdup(cf->cf_db_path)) == NULL) {
		asprintf(cause, "status: out of memory");
		return -1;
	}
	S.st_started = clock_now();
	S.st_started_us = clock_mono_usec();
	if ((S.st_tick = event_new(base, -1, EV_PERSIST, status_tick,
	    NULL)) == NULL || event_add(S.st_tick, &tv) == -1 ||
	    (S.st_pub_ev = evtimer_new(base, status_publish_cb,
	    NULL)) == NULL) {
		asprintf(cause, "status: cannot set up its events: %s",
		    strerror(errno));
		return -1;
	}
	status_on_change(status_render_changed, NULL);
	status_files();
	status_publish();
	return 0;
}

/* A reload: the lines to show and the timezone come from cf now. */
void
status_render_set_config(const struct config *cf)
{
	S.st_cf = cf;
	status_rebound();
	status_publish();
}

/* The timers, the last snapshot: with the status thread halted. */
void
status_render_free(void)
{
	status_on_change(NULL, NULL);
	if (S.st_tick != NULL)
		event_free(S.st_tick);
	if (S.st_pub_ev != NULL)
		event_free(S.st_pub_ev);
	status_snap_unref(S.st_snap);
	free(S.st_db_path);
	memset(&S, 0, sizeof(S));
}

/* The daemon is going away: /healthz says so from now on. */
void
status_stop(void)
{
	S.st_stopping = 1;
	status_publish();
}

/* The latest snapshot, with a reference taken; NULL: none yet. */
struct status_snap *
status_snap_get(void)
{
	struct status_snap	*sn;

	pthread_mutex_lock(&status_snap_mu);
	if ((sn = S.st_snap) != NULL)
		sn->sn_refs++;
	pthread_mutex_unlock(&status_snap_mu);
	return sn;
}

/* Drop a reference; the last one frees it. */
void
status_snap_unref(struct status_snap *sn)
{
	int	 n;

	if (sn == NULL)
		return;
	pthread_mutex_lock(&status_snap_mu);
	n = --sn->sn_refs;
	pthread_mutex_unlock(&status_snap_mu);
	if (n > 0)
		return;
	free(sn->sn_why);
	free(sn->sn_json);
	free(sn->sn_metrics);
	free(sn);
}

/* Why the store cannot take writes now, or NULL when it can. */
static const char *
status_store_why(void)
{
	const struct status_counts	*cnt = status_counts();

	if (cnt->st_commit_fail[0] != '\0')
		return cnt->st_commit_fail;
	if (cnt->st_lock_fail[0] != '\0')
		return cnt->st_lock_fail;
	if (S.st_probe_fail[0] != '\0')
		return S.st_probe_fail;
	if (S.st_disk_full)
		return "the disk is full";
	return NULL;
}

static json_t *
status_time_json(int64_t t)
{
	char	 buf[40];

	if (t == 0)
		return json_null();
	clock_format(t, buf, sizeof(buf));
	return json_string(buf);
}

static json_t *
status_lines_json(int64_t now)
{
	const struct code_list	*cl = &S.st_cf->cf_lines;
	struct status_line	*l;
	json_t			*a = json_array();
	size_t			 i;

	for (i = 0; i < cl->cl_n; i++) {
		l = status_line(cl->cl_v[i].cn_code);
		json_array_append_new(a, json_pack("{s:s, s:s, s:I, s:I, s:o}",
		    "code", cl->cl_v[i].cn_code, "name", cl->cl_v[i].cn_name,
		    "calls_today", (json_int_t)(l != NULL ? l->sl_today : 0),
		    "calls_last_hour", (json_int_t)(l != NULL ?
		    status_last_hour(l, now) : 0),
		    "last_call_at", status_time_json(l != NULL ?
		    l->sl_last : 0)));
	}
	return a;
}

static json_t *
status_queues_json(int64_t now)
{
	const struct queue_count	*q;
	json_t				*a = json_array();
	size_t				 i, n;

	n = queue_counts(&q);
	for (i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:I, s:I, s:I, "
		    "s:I, s:I, s:I}", "code", q[i].qc_code, "name",
		    q[i].qc_name, "waiting", (json_int_t)q[i].qc_waiting,
		    "claimed", (json_int_t)q[i].qc_claimed, "scheduled",
		    (json_int_t)q[i].qc_scheduled, "oldest_wait_s",
		    (json_int_t)(q[i].qc_oldest_due > 0 &&
		    q[i].qc_oldest_due < now ? now - q[i].qc_oldest_due : 0),
		    "escalated", (json_int_t)q[i].qc_escalated,
		    "escalations", (json_int_t)q[i].qc_escalations));
	return a;
}

/* {"listener": {"2xx": n, "4xx": n, ...}, ...} */
static json_t *
status_requests_json(void)
{
	struct status_vec	 all;
	struct status_code	*c;
	json_t			*o = json_object(), *l, *v;
	char			 cls[8];
	size_t			 i;

	status_codes_all(&all);
	c = all.v;
	for (i = 0; i < all.n; i++) {
		if ((l = json_object_get(o, c[i].sc_listener)) == NULL) {
			l = json_object();
			json_object_set_new(o, c[i].sc_listener, l);
		}
		snprintf(cls, sizeof(cls), "%dxx", c[i].sc_code / 100 % 10);
		v = json_object_get(l, cls);
		json_object_set_new(l, cls, json_integer(c[i].sc_n +
		    (v != NULL ? json_integer_value(v) : 0)));
	}
	status_codes_free(&all);
	return o;
}

/* The emergencies recorded and not yet confirmed (handover.c). */
static void
status_emergencies_json(json_t *o)
{
	json_object_set_new(o, "emergencies_pending",
	    json_integer(handover_pending()));
}

/* The WAL and its checkpoints (store_wal.c), under /status's store. */
static json_t *
status_wal_json(void)
{
	struct store_wal_info	 wi;

	store_wal_info(S.st_store, &wi);
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:o}",
	    "size_bytes", (json_int_t)wi.wi_bytes,
	    "pages", (json_int_t)wi.wi_frames,
	    "checkpoints", (json_int_t)wi.wi_checkpoints,
	    "checkpoints_busy", (json_int_t)wi.wi_busy,
	    "checkpoints_failed", (json_int_t)wi.wi_failed,
	    "last_checkpoint", wi.wi_last_at == 0 ? json_null() :
	    json_pack("{s:o, s:s, s:I, s:I, s:b}",
	    "at", status_time_json(wi.wi_last_at),
	    "mode", wi.wi_last_mode,
	    "duration_ms", (json_int_t)wi.wi_last_ms,
	    "pages", (json_int_t)wi.wi_last_pages,
	    "complete", !wi.wi_last_busy));
}

/* The whole of GET /status at time now. */
json_t *
status_json(int64_t now)
{
	const struct status_counts	*cnt = status_counts();
	const char			*why = status_store_why();
	char				 day[16];
	struct tm			 tm;
	time_t				 tt;
	json_t				*o;

	status_roll(now);
	tt = (time_t)cnt->st_day_start;
	if (localtime_r(&tt, &tm) == NULL ||
	    strftime(day, sizeof(day), "%Y-%m-%d", &tm) == 0)
		day[0] = '\0';
	o = json_pack("{s:s, s:o, s:I, s:s, s:s, s:b, s:{s:s, s:b, s:o, "
	    "s:o, s:I, s:I}, s:o, s:o, s:I, s:o, s:I, s:o, s:o}",
	    "version", HOTLINED_VERSION,
	    "started_at", status_time_json(S.st_started),
	    "uptime_s", (json_int_t)((clock_mono_usec() - S.st_started_us) /
	    1000000),
	    "timezone", S.st_cf->cf_timezone,
	    "day", day,
	    "stopping", S.st_stopping,
	    "store",
	    "path", S.st_db_path,
	    "ok", why == NULL,
	    "reason", why != NULL ? json_string(why) : json_null(),
	    "last_commit_at", status_time_json(cnt->st_last_commit),
	    "writes_waiting", (json_int_t)(S.st_batch != NULL ?
	    batch_waiting(S.st_batch) : 0),
	    "size_bytes", (json_int_t)S.st_db_size,
	    "lines", status_lines_json(now),
	    "queues", status_queues_json(now),
	    "connections_open", (json_int_t)status_conns_all(),
	    "requests", status_requests_json(),
	    "operators_active_today", (json_int_t)cnt->st_ops.n,
	    "retention", retention_json(), "pbx", pbx_json());
	if (o != NULL) {
		status_emergencies_json(o);
		json_object_set_new(json_object_get(o, "store"), "wal",
		    status_wal_json());
		json_object_set_new(o, "care", care_status_json(S.st_cf));
	}
	return o;
}

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
status_metrics_wal(struct evbuffer *b)
{
	struct store_wal_info	 wi;
	const char		*kv[3] = { "result", NULL, NULL };
	char			 v[32];

	store_wal_info(S.st_store, &wi);
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
	status_head(b, "hotlined_pbx_calls_today", "gauge",
	    "Phone calls offered today (the configured timezone), by what "
	    "became of them.");
	kv[0] = "measure";
	for (i = 0; i < 4; i++) {
		kv[1] = today[i];
		snprintf(v, sizeof(v), "%lld", (long long)n->pn_today[i]);
		status_sample(b, "hotlined_pbx_calls_today", kv, v);
	}
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
	const int64_t	*m = stats_followup_month();
	const char	*kv[3] = { "measure", NULL, NULL };
	char		 v[32];
	int		 i;

	status_head(b, "hotlined_followup_steps_month", "gauge",
	    "Follow-up plan steps first due this month (the configured "
	    "timezone) by now: due, and of them done on time, done late, "
	    "escalated, ended early, still open; and the attempts made.");
	for (i = 0; i < STATS_FOLLOWUP_NMONTH; i++) {
		kv[1] = stats_followup_measures[i];
		snprintf(v, sizeof(v), "%lld", (long long)m[i]);
		status_sample(b, "hotlined_followup_steps_month", kv, v);
	}
	m = stats_crisis_month_ideation();
	status_head(b, "hotlined_crisis_records_month", "gauge",
	    "Crisis records of the calls started this month (the configured "
	    "timezone), by suicidal ideation band (none: not scored).");
	kv[0] = "ideation";
	for (i = 0; i < STATS_CRISIS_NBANDS; i++) {
		kv[1] = i < STATS_CRISIS_NBANDS - 1 ? stats_bands[i] : "none";
		snprintf(v, sizeof(v), "%lld", (long long)m[i]);
		status_sample(b, "hotlined_crisis_records_month", kv, v);
	}
	m = stats_crisis_month_agency();
	status_head(b, "hotlined_emergencies_month", "gauge",
	    "Emergency linkages of the calls started this month, by who was "
	    "contacted.");
	kv[0] = "agency";
	for (i = 0; i < STATS_CRISIS_NAGENCIES; i++) {
		kv[1] = crisis_agencies[i];
		snprintf(v, sizeof(v), "%lld", (long long)m[i]);
		status_sample(b, "hotlined_emergencies_month", kv, v);
	}
}

/* The care register (care_stats.c): people, overdue, open difficulties. */
static void
status_metrics_care(struct evbuffer *b)
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
	json_t	*o = care_status_json(S.st_cf);
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

/* The Prometheus text exposition format, version 0.0.4. */
static void
status_metrics(struct evbuffer *b, int64_t now)
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
	status_metrics_wal(b);
	status_metrics_pbx(b);
	status_metrics_followup(b);
	status_metrics_care(b);
	status_head(b, "hotlined_store_ok", "gauge",
	    "1 when the store accepts writes, else 0.");
	status_sample(b, "hotlined_store_ok", NULL,
	    status_store_why() == NULL ? "1" : "0");
	status_head(b, "hotlined_up", "gauge",
	    "1 while the daemon serves, 0 once it is stopping.");
	status_sample(b, "hotlined_up", NULL, S.st_stopping ? "0" : "1");
	status_head(b, "hotlined_connections_open", "gauge",
	    "HTTP connections open on all listeners.");
	snprintf(v, sizeof(v), "%lld", (long long)status_conns_all());
	status_sample(b, "hotlined_connections_open", NULL, v);
	status_head(b, "hotlined_build_info", "gauge",
	    "The running version; always 1.");
	status_sample(b, "hotlined_build_info", kv, "1");
	status_head(b, "process_start_time_seconds", "gauge",
	    "Start time of the process since the Unix epoch, in seconds.");
	snprintf(v, sizeof(v), "%lld", (long long)S.st_started);
	status_sample(b, "process_start_time_seconds", NULL, v);
}

/* Render the answers from the counters and hand them to the thread. */
static void
status_publish(void)
{
	struct status_snap	*sn, *old;
	struct evbuffer		*b;
	const char		*why;
	json_t			*o;
	int64_t			 now = clock_now();
	size_t			 len;

	if ((sn = calloc(1, sizeof(*sn))) == NULL)
		return;
	if ((b = evbuffer_new()) == NULL) {
		free(sn);
		return;
	}
	sn->sn_refs = 1;
	sn->sn_stopping = S.st_stopping;
	if ((why = status_store_why()) != NULL)
		sn->sn_why = strdup(why);
	o = status_json(now);
	sn->sn_json = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	sn->sn_json_len = sn->sn_json != NULL ? strlen(sn->sn_json) : 0;
	status_metrics(b, now);
	len = evbuffer_get_length(b);
	if ((sn->sn_metrics = malloc(len + 1)) != NULL) {
		evbuffer_remove(b, sn->sn_metrics, len);
		sn->sn_metrics_len = len;
	}
	evbuffer_free(b);
	if (sn->sn_json == NULL || sn->sn_metrics == NULL ||
	    (why != NULL && sn->sn_why == NULL)) {
		/* Out of memory: keep serving the last one. */
		status_snap_unref(sn);
		return;
	}
	sn->sn_at_us = clock_mono_usec();
	pthread_mutex_lock(&status_snap_mu);
	old = S.st_snap;
	S.st_snap = sn;
	pthread_mutex_unlock(&status_snap_mu);
	status_snap_unref(old);
}
