/*
 * The server: the event loop, its listeners and its signals. SIGHUP
 * reloads the config (built aside, swapped in only when all of it
 * worked); SIGTERM and SIGINT stop accepting, commit what is pending,
 * let the answers drain and leave the loop. A service manager hears of
 * each step (notify.c) and gets a watchdog ping from a timer in the loop.
 */
#include <sys/stat.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <event2/event.h>
#include <event2/http.h>

#include "server.h"

#define SERVER_DRAIN_MS	500	/* time given to answers still in flight */
#define SERVER_STATUS_S	5	/* STATUS= refresh without a watchdog */
#define SERVER_TRIM_S	10	/* how often the heap is looked at */
#define SERVER_TRIM_FREE (16u << 20) /* free bytes worth giving back... */
#define SERVER_TRIM_PART 3	/* ...if a third of the heap, not churn */

struct server {
	const char		*s_conf_path;
	struct event_base	*s_base;
	struct config		*s_cf;
	struct store		*s_store;
	struct batch		*s_batch;	/* the group commit */
	struct api		*s_api;
	struct listener	       **s_api_l;
	size_t			 s_napi_l;
	struct listener	       **s_status_l;
	size_t			 s_nstatus_l;
	struct event		*s_sighup;
	struct event		*s_sigterm;
	struct event		*s_sigint;
	struct event		*s_tick;	/* watchdog and STATUS= */
	struct event		*s_trim;	/* the heap given back */
	int			 s_stopping;
};

/*
 * The config holds privacy.caller_hash_key: with it, and the hashes in
 * the store, callers' numbers can be found by trying them all. Say so
 * when every user may read it (the installed file is 0640 root:hotlined).
 */
static void
server_check_conf_mode(const char *path, const struct config *cf)
{
	struct stat	 st;

	if (cf->cf_hash_key != NULL && stat(path, &st) == 0 &&
	    (st.st_mode & S_IROTH))
		log_warnx("%s holds privacy.caller_hash_key and every user "
		    "may read it (mode %04o): chmod o-rwx %s", path,
		    (unsigned int)(st.st_mode & 07777), path);
}

/* A retention shorter than the guideline's three years: said. */
static void
server_check_retention(const struct config *cf)
{
	char	 warn[320];

	if (config_retention_short(cf, warn, sizeof(warn)))
		log_warnx("%s", warn);
}

/* A console root that is not a directory: said, and only /v1 served. */
static void
server_check_web_root(const struct config *cf)
{
	struct stat	 st;

	if (cf->cf_web_root != NULL && (stat(cf->cf_web_root, &st) == -1 ||
	    !S_ISDIR(st.st_mode)))
		log_warnx("web.root \"%s\" is not a directory: the console is "
		    "not served (build it with make, or install it)",
		    cf->cf_web_root);
}

static void
server_close_listeners(struct listener **v, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		listener_close(v[i]);
	free(v);
}

/*
 * Close those in v (n) that are not in old: this call opened them, or the
 * reload took them away. api, when not NULL, first answers what is still
 * pending on them.
 */
static void
server_drop_new(struct api *api, struct listener **v, size_t n,
    struct listener **old, size_t nold)
{
	size_t	 i, k;

	for (i = 0; i < n && v[i] != NULL; i++) {
		for (k = 0; k < nold; k++)
			if (v[i] == old[k])
				break;
		if (k == nold) {
			if (api != NULL)
				api_listener_closing(api, v[i]);
			listener_close(v[i]);
		}
	}
	free(v);
}

/*
 * Give each listener of v the TLS context (or none) cf has for its
 * address. Done only once a whole reload has worked, so a refused one
 * leaves the kept listeners with their old certificates.
 */
static void
server_set_tls(struct listener **v, size_t n, struct ssl_ctx_st **tls)
{
	size_t	 i;
	int	 days, ok;

	for (i = 0; i < n; i++) {
		if (tls[i] != NULL && !listener_is_tls(v[i]))
			log_info("%s: serving TLS", listener_name(v[i]));
		else if (tls[i] == NULL && listener_is_tls(v[i]))
			log_warnx("%s: TLS is off: plain HTTP from now on",
			    listener_name(v[i]));
		listener_set_tls(v[i], tls[i]);
		if (tls[i] == NULL)
			continue;
		/* Clients refuse an expired certificate: say so in time. */
		days = tls_ctx_days_left(tls[i], &ok);
		if (ok && days < 0)
			log_warnx("%s: the TLS certificate has expired: clients "
			    "refuse it; renew it and reload",
			    listener_name(v[i]));
		else if (ok && days < TLS_WARN_DAYS)
			log_warnx("%s: the TLS certificate expires in %d "
			    "day%s: renew it and reload", listener_name(v[i]),
			    days, days == 1 ? "" : "s");
	}
}

/* What one kind of listener is, in the config and in the code. */
struct server_kind {
	enum listener_kind	  sk_kind;
	char			**sk_listen;
	size_t			  sk_n;
	mode_t			  sk_mode;
	void			(*sk_cb)(struct evhttp_request *, void *);
	void			 *sk_arg;
};

static void
server_kind(struct server *s, const struct config *cf, enum listener_kind k,
    struct server_kind *sk)
{
	sk->sk_kind = k;
	if (k == LISTENER_API) {
		sk->sk_listen = cf->cf_api_listen;
		sk->sk_n = cf->cf_napi;
		sk->sk_mode = cf->cf_api_mode;
		sk->sk_cb = api_request;
		sk->sk_arg = s->s_api;
	} else {
		sk->sk_listen = cf->cf_status_listen;
		sk->sk_n = cf->cf_nstatus;
		sk->sk_mode = cf->cf_status_mode;
		sk->sk_cb = status_handle;
		sk->sk_arg = NULL;
	}
}

/*
 * The listeners of one kind cf asks for: those already open in old are
 * kept (never re-bound), the rest opened. NULL with *cause when one fails;
 * the ones it opened are closed again, old is untouched.
 */
static struct listener **
server_listeners(struct server *s, const struct config *cf,
    enum listener_kind kind, struct listener **old, size_t nold,
    char **cause)
{
	struct server_kind	  sk;
	struct listener		**v;
	size_t			  i, k;

	server_kind(s, cf, kind, &sk);
	if ((v = calloc(sk.sk_n + 1, sizeof(*v))) == NULL) {
		asprintf(cause, "out of memory");
		return NULL;
	}
	for (i = 0; i < sk.sk_n; i++) {
		for (k = 0; k < nold; k++)
			if (old[k] != NULL && strcmp(listener_name(old[k]),
			    sk.sk_listen[i]) == 0)
				break;
		if (k < nold) {
			v[i] = old[k];
			continue;
		}
		v[i] = listener_open(kind == LISTENER_STATUS ? status_base() :
		    s->s_base, sk.sk_listen[i], kind,
		    sk.sk_mode, &cf->cf_limits, cause);
		if (v[i] == NULL)
			goto fail;
		listener_set_handler(v[i], sk.sk_cb, sk.sk_arg);
	}
	return v;
fail:
	server_drop_new(NULL, v, sk.sk_n, old, nold);
	return NULL;
}

/* Run the status thread again; without it the status listeners are mute. */
static void
server_status_run(void)
{
	if (status_run() == -1)
		log_warnx("the status thread did not start again: the status "
		    "listeners are not answering");
}

/* Listeners kept across a reload take its limits too. */
static void
server_set_limits(struct server *s, const struct config *cf)
{
	size_t	 i;

	for (i = 0; i < s->s_napi_l; i++)
		listener_set_limits(s->s_api_l[i], &cf->cf_limits);
	for (i = 0; i < s->s_nstatus_l; i++)
		listener_set_limits(s->s_status_l[i], &cf->cf_limits);
}

static void
server_reload(struct server *s)
{
	struct config	 *cf;
	struct listener **v, **sv;
	char		 *cause = NULL;

	log_info("reloading %s", s->s_conf_path);
	if ((cf = config_load(s->s_conf_path, &cause)) == NULL) {
		log_warnx("reload refused, the old config keeps serving: %s",
		    cause);
		free(cause);
		return;
	}
	server_check_conf_mode(s->s_conf_path, cf);
	server_check_web_root(cf);
	server_check_retention(cf);
	if (strcmp(cf->cf_db_path, s->s_cf->cf_db_path) != 0)
		log_warnx("reload: store.path changed; the new path takes "
		    "effect at the next start");
	if ((cf->cf_user == NULL) != (s->s_cf->cf_user == NULL) ||
	    (cf->cf_user != NULL && (cf->cf_uid != s->s_cf->cf_uid ||
	    cf->cf_gid != s->s_cf->cf_gid)))
		log_warnx("reload: user or group changed; the new account "
		    "takes effect at the next start");
	/* The status listeners live in the status thread: halt it. */
	status_halt();
	sv = NULL;
	if ((v = server_listeners(s, cf, LISTENER_API, s->s_api_l,
	    s->s_napi_l, &cause)) == NULL ||
	    (sv = server_listeners(s, cf, LISTENER_STATUS, s->s_status_l,
	    s->s_nstatus_l, &cause)) == NULL) {
		log_warnx("reload refused, the old config keeps serving: %s",
		    cause);
		free(cause);
		if (v != NULL)
			server_drop_new(NULL, v, cf->cf_napi, s->s_api_l,
			    s->s_napi_l);
		config_free(cf);
		server_status_run();
		return;
	}
	/* All of it worked: commit what is pending, then swap. */
	batch_flush(s->s_batch);
	server_drop_new(s->s_api, s->s_api_l, s->s_napi_l, v, cf->cf_napi);
	s->s_api_l = v;
	s->s_napi_l = cf->cf_napi;
	server_drop_new(NULL, s->s_status_l, s->s_nstatus_l, sv,
	    cf->cf_nstatus);
	s->s_status_l = sv;
	s->s_nstatus_l = cf->cf_nstatus;
	/* New certificates reach new connections; open ones keep theirs. */
	server_set_tls(v, cf->cf_napi, cf->cf_api_tls);
	server_set_tls(sv, cf->cf_nstatus, cf->cf_status_tls);
	server_set_limits(s, cf);
	batch_set_busy_ms(s->s_batch, cf->cf_busy_ms);
	store_wal_set(s->s_store, cf->cf_wal_pages, cf->cf_wal_max_mb,
	    cf->cf_wal_idle_ms, cf->cf_busy_ms);
	api_set_config(s->s_api, cf);
	queue_set_config(cf);
	retention_set_config(cf);
	session_set_config(cf);
	pbx_set_config(cf);
	stats_high_reload(s->s_store, s->s_cf, cf);
	stats_followup_set_config(cf);
	clock_set_timezone(cf->cf_timezone);
	status_set_config(cf);
	log_setfacility(cf->cf_facility);
	config_free(s->s_cf);
	s->s_cf = cf;
	server_status_run();
	log_info("reloaded %s", s->s_conf_path);
}

/* Tell the service manager how the day goes. */
static void
server_notify_status(struct server *s)
{
	const struct queue_count *qc;
	size_t			  i, n;
	int64_t			  waiting = 0, escalated = 0;

	(void)s;
	n = queue_counts(&qc);
	for (i = 0; i < n; i++) {
		waiting += qc[i].qc_waiting;
		escalated += qc[i].qc_escalated;
	}
	notify_status(status_calls_today(), waiting, escalated);
}

/* The watchdog ping comes from the loop, so a stalled loop misses it. */
static void
server_tick(evutil_socket_t fd, short events, void *arg)
{
	struct server	*s = arg;

	(void)fd;
	(void)events;
	/* A disk that hangs holds every answer, as a stalled loop would. */
	if (s->s_batch == NULL || !batch_sync_stalled(s->s_batch))
		notify_watchdog();
	server_notify_status(s);
}

static void
server_stop(struct server *s, int sig)
{
	struct timeval	 tv = { 0, SERVER_DRAIN_MS * 1000 };
	size_t		 i;

	if (s->s_stopping)
		return;
	s->s_stopping = 1;
	/* From STOPPING=1 on, TimeoutStopSec= bounds us, not the watchdog. */
	notify_stopping();
	if (s->s_tick != NULL)
		event_del(s->s_tick);
	if (s->s_trim != NULL)
		event_del(s->s_trim);
	log_info("%s: stopping", strsignal(sig));
	for (i = 0; i < s->s_napi_l; i++)
		listener_stop(s->s_api_l[i]);
	status_stop();
	batch_flush(s->s_batch);
	api_stop(s->s_api);
	event_base_loopexit(s->s_base, &tv);
}

static void
server_signal(evutil_socket_t sig, short events, void *arg)
{
	struct server	*s = arg;

	(void)events;
	switch (sig) {
	case SIGHUP:
		if (s->s_stopping)
			break;
		notify_reloading();
		server_reload(s);
		notify_ready();
		notify_status_reset();
		server_notify_status(s);
		break;
	case SIGTERM:
	case SIGINT:
		server_stop(s, (int)sig);
		break;
	}
}

/*
 * A storm of slow readers, or a retention pass beside long answers,
 * leaves glibc's heaps at their peak: the blocks freed lie below the top
 * of the heap, which is all free() gives back, and its mapping threshold
 * has grown with the largest block. Fixing the thresholds instead
 * (mallopt) gives memory back after every batch, only for the next to
 * fault it in again: it halved the throughput of 64 writers. So every
 * few seconds, if a third of the heap lies free (under load about a
 * fifth is, the batches' churn), the free pages of every arena (the
 * status thread's too) go back to the system. That takes a few ms of
 * the loop's time, once after a storm, not every tick.
 */
static void
server_trim(evutil_socket_t fd, short events, void *arg)
{
#ifdef __GLIBC__
	struct mallinfo2	 mi;
	struct timespec		 t0, t1;

	(void)fd;
	(void)events;
	(void)arg;
	mi = mallinfo2();
	if (mi.fordblks < SERVER_TRIM_FREE ||
	    mi.fordblks < mi.arena / SERVER_TRIM_PART)
		return;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	malloc_trim(0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	log_debug("heap: %zu KiB free in %zu KiB, given back in %lld us",
	    mi.fordblks >> 10, mi.arena >> 10,
	    (long long)(t1.tv_sec - t0.tv_sec) * 1000000 +
	    (t1.tv_nsec - t0.tv_nsec) / 1000);
#else
	(void)fd;
	(void)events;
	(void)arg;
#endif
}

static void
server_start_trim(struct server *s)
{
	struct timeval	 tv = { SERVER_TRIM_S, 0 };

	if ((s->s_trim = event_new(s->s_base, -1, EV_PERSIST, server_trim,
	    s)) == NULL || event_add(s->s_trim, &tv) == -1)
		fatalx("cannot start the heap timer");
}

/* A tick at half the watchdog interval, or a slow one for STATUS=. */
static void
server_start_tick(struct server *s)
{
	struct timeval	 tv = { SERVER_STATUS_S, 0 };
	uint64_t	 usec = notify_watchdog_usec() / 2;

	if (!notify_enabled())
		return;
	if (usec != 0) {
		tv.tv_sec = (time_t)(usec / 1000000);
		tv.tv_usec = (suseconds_t)(usec % 1000000);
	}
	if ((s->s_tick = event_new(s->s_base, -1, EV_PERSIST, server_tick,
	    s)) == NULL || event_add(s->s_tick, &tv) == -1)
		fatalx("cannot start the watchdog timer");
}

/*
 * Listeners first (inherited, or bound while still root), then the
 * account of the config, and only then the store.
 */
static void
server_start(struct server *s)
{
	char	*cause = NULL;
	size_t	 i;

	if ((s->s_base = event_base_new()) == NULL)
		fatalx("event_base_new failed");
	/*
	 * Signals are caught from the first moment (a SIGHUP during start-up
	 * must not kill the daemon); they are handled once the loop runs,
	 * when everything below exists.
	 */
	s->s_sighup = evsignal_new(s->s_base, SIGHUP, server_signal, s);
	s->s_sigterm = evsignal_new(s->s_base, SIGTERM, server_signal, s);
	s->s_sigint = evsignal_new(s->s_base, SIGINT, server_signal, s);
	if (s->s_sighup == NULL || s->s_sigterm == NULL ||
	    s->s_sigint == NULL || evsignal_add(s->s_sighup, NULL) == -1 ||
	    evsignal_add(s->s_sigterm, NULL) == -1 ||
	    evsignal_add(s->s_sigint, NULL) == -1)
		fatalx("cannot watch signals");
	if (listener_inherit(&cause) == -1)
		fatalx("socket activation: %s", cause);
	/* The status thread's loop exists before its listeners. */
	if (status_prepare(&cause) == -1)
		fatalx("%s", cause);
	if ((s->s_api_l = server_listeners(s, s->s_cf, LISTENER_API, NULL, 0,
	    &cause)) == NULL)
		fatalx("api listener %s", cause);
	s->s_napi_l = s->s_cf->cf_napi;
	if ((s->s_status_l = server_listeners(s, s->s_cf, LISTENER_STATUS,
	    NULL, 0, &cause)) == NULL)
		fatalx("status listener %s", cause);
	s->s_nstatus_l = s->s_cf->cf_nstatus;
	server_set_tls(s->s_api_l, s->s_napi_l, s->s_cf->cf_api_tls);
	server_set_tls(s->s_status_l, s->s_nstatus_l, s->s_cf->cf_status_tls);
	if (priv_drop(s->s_cf, &cause) == -1)
		fatalx("%s", cause);
	if (s->s_cf->cf_user == NULL && geteuid() == 0)
		log_warnx("running as root (--allow-root): a development "
		    "store only");
	if ((s->s_store = store_open(s->s_cf->cf_db_path, s->s_cf->cf_busy_ms,
	    &cause)) == NULL)
		fatalx("store: %s", cause);
	/* Spreadsheets a crash left half written beside the store. */
	export_xlsx_sweep(s->s_cf->cf_db_path);
	if (stats_rebuild(s->s_store, s->s_cf) != STORE_OK)
		fatalx("store: building the statistics: %s",
		    store_errmsg(s->s_store));
	if ((s->s_batch = batch_new(s->s_base, s->s_store)) == NULL ||
	    (s->s_api = api_new(s->s_base, s->s_batch, s->s_store)) == NULL)
		fatalx("api_new: out of memory");
	batch_sync_start(s->s_batch);
	batch_set_busy_ms(s->s_batch, s->s_cf->cf_busy_ms);
	store_wal_set(s->s_store, s->s_cf->cf_wal_pages,
	    s->s_cf->cf_wal_max_mb, s->s_cf->cf_wal_idle_ms,
	    s->s_cf->cf_busy_ms);
	api_set_config(s->s_api, s->s_cf);
	/* After each commit: the queue counts, then the audit's syslog. */
	if (queue_init(s->s_base, s->s_batch, s->s_store, s->s_cf) == -1)
		fatalx("queue_init: out of memory");
	if (audit_init(s->s_batch, s->s_store) == -1)
		fatalx("%s: the audit trail: %s", s->s_cf->cf_db_path,
		    store_errmsg(s->s_store));
	if (handover_init(s->s_batch, s->s_store) == -1)
		fatalx("handover_init: out of memory");
	care_status_init(s->s_store);
	if (session_init(s->s_batch, s->s_store, s->s_cf) == -1)
		fatalx("%s: the console's sessions: %s", s->s_cf->cf_db_path,
		    store_errmsg(s->s_store));
	if (retention_init(s->s_base, s->s_batch, s->s_store, s->s_cf) == -1)
		fatalx("retention_init: out of memory");
	if (pbx_init(s->s_base, s->s_batch, s->s_store, s->s_cf) == -1)
		fatalx("pbx_init: out of memory");
	if (stats_followup_init(s->s_base, s->s_store, s->s_cf) == -1)
		fatalx("%s: the crisis rollups: %s", s->s_cf->cf_db_path,
		    store_errmsg(s->s_store));
	if (status_init(s->s_base, s->s_store, s->s_batch, s->s_cf,
	    &cause) == -1)
		fatalx("store: %s", cause);
	/* The API listeners were opened before the API existed. */
	for (i = 0; i < s->s_napi_l; i++)
		listener_set_handler(s->s_api_l[i], api_request, s->s_api);
	if (status_run() == -1)
		fatalx("cannot start the status thread");
	server_start_tick(s);
	server_start_trim(s);
}

static void
server_free(struct server *s)
{
	status_halt();
	batch_stop(s->s_batch);	/* the last writes, or 503 */
	api_free(s->s_api);
	retention_free();	/* after the batch ran its last slice */
	pbx_free();
	stats_followup_free();
	queue_free();
	session_free();
	batch_free(s->s_batch);
	server_close_listeners(s->s_api_l, s->s_napi_l);
	server_close_listeners(s->s_status_l, s->s_nstatus_l);
	status_free();
	store_close(s->s_store);
	event_free(s->s_sighup);
	event_free(s->s_sigterm);
	event_free(s->s_sigint);
	if (s->s_tick != NULL)
		event_free(s->s_tick);
	if (s->s_trim != NULL)
		event_free(s->s_trim);
	event_base_free(s->s_base);
	listener_inherit_free();
	notify_close();
	config_free(s->s_cf);
}

/* Load the config, open the store and the listeners, serve; exit status. */
int
server_run(const char *conf_path, int foreground, int allow_root)
{
	struct server	 s;
	char		*cause = NULL;

	memset(&s, 0, sizeof(s));
	s.s_conf_path = conf_path;
	if ((s.s_cf = config_load(conf_path, &cause)) == NULL) {
		if (!foreground)
			fprintf(stderr, "hotlined: %s\n", cause);
		log_warnx("%s", cause);
		free(cause);
		return EX_CONFIG_ERR;
	}
	log_setfacility(s.s_cf->cf_facility);
	server_check_conf_mode(conf_path, s.s_cf);
	server_check_web_root(s.s_cf);
	server_check_retention(s.s_cf);
	if (priv_root_refused(s.s_cf, conf_path, allow_root, &cause)) {
		if (!foreground)
			fprintf(stderr, "hotlined: %s\n", cause);
		log_warnx("%s", cause);
		free(cause);
		config_free(s.s_cf);
		return EX_CONFIG_ERR;
	}
	clock_set_timezone(s.s_cf->cf_timezone);
	signal(SIGPIPE, SIG_IGN);
	if (notify_init(&cause) == -1)
		fatalx("%s", cause);
	server_start(&s);
	log_info("started %s, version %s, store %s%s", conf_path,
	    HOTLINED_VERSION, s.s_cf->cf_db_path,
	    foreground ? ", foreground" : "");
	listener_inherit_report();
	notify_ready();
	server_notify_status(&s);
	if (event_base_dispatch(s.s_base) == -1)
		log_warnx("event loop failed");
	batch_flush(s.s_batch);
	server_free(&s);
	log_info("stopped");
	return 0;
}
