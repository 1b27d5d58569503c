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
	status_metrics(b, now, S.st_store, S.st_cf, why, S.st_stopping,
	    S.st_started);
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
