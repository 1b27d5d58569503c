/*
 * GET /v1/export: every call of a range as CSV or JSON, recorded (and
 * audited) before the first byte, streamed a page at a time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "api.h"

#define API_EXPORT_PAGE	200	/* calls per chunk */

static void	api_export_next(struct export *e);

void
api_export_free(struct export *e)
{
	TAILQ_REMOVE(&e->e_x.x_api->a_exports, e, e_entry);
	if (e->e_conn != NULL)
		listener_set_closecb(e->e_x.x_l, e->e_conn, NULL, NULL);
	free(e);
}

/* In the pump: record the end of an export (no one waits for it). */
static void
api_export_end_run(struct write *w)
{
	if (store_export_end(w->w_x.x_api->a_store, w->w_id,
	    (int64_t)w->w_want) != STORE_OK)
		log_warnx("could not record the end of export %lld: %s",
		    (long long)w->w_id, store_errmsg(w->w_x.x_api->a_store));
}

/* The export is over (sent, or the reader went away): log it, free it. */
static void
api_export_finish(struct export *e, int complete)
{
	struct write	*w;

	log_info("export %lld by %s: %lld calls%s", (long long)e->e_log_id,
	    e->e_x.x_id.id_name, (long long)e->e_rows, complete ? "" :
	    ", cut short: the reader went away");
	if ((w = calloc(1, sizeof(*w))) != NULL) {
		call_init(&w->w_call);
		w->w_x = e->e_x;
		w->w_x.x_req = NULL;	/* nothing to answer */
		w->w_id = e->e_log_id;
		w->w_want = e->e_rows;
		w->w_run = api_export_end_run;
		api_write_queue(&w->w_x, w);
	}
	api_export_free(e);
}

/*
 * The reader went away mid-stream. libevent has already taken the request
 * off the connection and left it to us (evhttp's "userdone" rule):
 * ending the reply is what frees it.
 */
static void
api_export_closed(struct evhttp_connection *conn, void *arg)
{
	struct export		*e = arg;
	struct evhttp_request	*req = e->e_x.x_req;

	(void)conn;
	e->e_conn = NULL;
	if (evhttp_request_get_connection(req) == NULL)
		evhttp_send_reply_end(req);
	api_export_finish(e, 0);
}

static void
api_export_sent(struct evhttp_connection *conn, void *arg)
{
	(void)conn;
	api_export_next(arg);
}

/* One call as a row; 0, or -1 when the store failed. */
static int
api_export_row(struct export *e, struct call *c, struct evbuffer *b)
{
	json_t	*rec = api_call_json(&e->e_x, c);
	char	*s;

	if (rec == NULL)
		return -1;
	if (e->e_csv)
		export_csv_row(b, e->e_x.x_api->a_cf, c, rec, e->e_personal);
	else if ((s = json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER)) !=
	    NULL) {
		evbuffer_add_printf(b, "%s%s", e->e_rows > 0 ? ",\n" : "", s);
		free(s);
	}
	json_decref(rec);
	e->e_rows++;
	return 0;
}

/* Send the next page, or end the stream. Memory stays one page. */
static void
api_export_next(struct export *e)
{
	struct evhttp_request	*req = e->e_x.x_req;
	struct evbuffer		*b;
	struct call		*v = NULL;
	size_t			 n = 0, i;
	int			 rc;

	if ((b = evbuffer_new()) == NULL) {
		evhttp_send_reply_end(req);
		api_export_finish(e, 0);
		return;
	}
	rc = store_call_list(e->e_x.x_api->a_store, &e->e_f, &v, &n);
	for (i = 0; rc == STORE_OK && i < n; i++)
		if (api_export_row(e, &v[i], b) == -1)
			rc = STORE_ERR;
	if (n > 0) {
		e->e_f.f_has_cursor = 1;
		e->e_f.f_cur_started = v[n - 1].c_started_at;
		e->e_f.f_cur_id = v[n - 1].c_id;
	}
	for (i = 0; i < n; i++)
		call_free(&v[i]);
	free(v);
	if (rc != STORE_OK)
		/* The status is sent: all we can do is stop short. */
		log_warnx("export %lld stopped: %s", (long long)e->e_log_id,
		    store_errmsg(e->e_x.x_api->a_store));
	if (rc == STORE_OK && n == (size_t)e->e_f.f_limit) {
		evhttp_send_reply_chunk_with_cb(req, b, api_export_sent, e);
		evbuffer_free(b);
		return;
	}
	if (!e->e_csv)
		evbuffer_add(b, "\n]\n", 3);
	evhttp_send_reply_chunk(req, b);
	evbuffer_free(b);
	evhttp_send_reply_end(req);
	api_export_finish(e, rc == STORE_OK);
}

/* After the export was recorded: start the stream (or say why not). */
static void
api_export_start(void *arg, int ok, const char *why)
{
	struct export		*e = arg;
	struct evhttp_request	*req = e->e_x.x_req;
	struct evkeyvalq	*h = evhttp_request_get_output_headers(req);
	struct evbuffer		*b;

	(void)why;
	if (!ok) {
		api_error_send(req, 503, "store_unavailable", NULL, "the "
		    "store could not record the export; nothing was sent: "
		    "retry later");
		api_export_free(e);
		return;
	}
	evhttp_add_header(h, "Content-Type", e->e_csv ?
	    "text/csv; charset=utf-8" : "application/json; charset=utf-8");
	evhttp_add_header(h, "Content-Disposition", e->e_csv ?
	    "attachment; filename=\"hotline-export.csv\"" :
	    "attachment; filename=\"hotline-export.json\"");
	evhttp_send_reply_start(req, 200, "OK");
	e->e_conn = evhttp_request_get_connection(req);
	listener_set_closecb(e->e_x.x_l, e->e_conn, api_export_closed, e);
	if ((b = evbuffer_new()) != NULL) {
		if (e->e_csv) {
			/* The byte-order mark: Excel and WPS then read UTF-8. */
			evbuffer_add(b, "\xef\xbb\xbf", 3);
			export_csv_header(b, e->e_personal);
		} else
			evbuffer_add(b, "[\n", 2);
		evhttp_send_reply_chunk(req, b);
		evbuffer_free(b);
	}
	api_export_next(e);
}

/* The export's row in exports and in the audit trail, kept together. */
static int
api_export_record(struct export *e)
{
	struct store	*st = e->e_x.x_api->a_store;
	char		 from[40], to[40], detail[160];
	int		 rc;

	if ((rc = store_request_begin(st)) != STORE_OK)
		return rc;
	rc = store_export_begin(st, e->e_x.x_id.id_name,
	    config_role_name(e->e_x.x_id.id_role), e->e_f.f_from,
	    e->e_f.f_to, e->e_csv ? "csv" : "json", &e->e_log_id);
	if (rc == STORE_OK) {
		clock_format(e->e_f.f_from, from, sizeof(from));
		clock_format(e->e_f.f_to, to, sizeof(to));
		snprintf(detail, sizeof(detail), "export %lld: from %s to %s, "
		    "%s", (long long)e->e_log_id, from, to, e->e_csv ? "csv" :
		    "json");
		rc = audit_record(&e->e_x.x_id, "export", 0, 0, detail);
	}
	return store_request_end(st, rc);
}

/* In the pump: record the export, then stream it after the commit. */
void
api_export_begin_run(struct write *w)
{
	struct export	*e = (struct export *)w->w_body;

	w->w_body = NULL;	/* not JSON: ours to hand on */
	if (api_export_record(e) != STORE_OK ||
	    batch_after(w->w_x.x_api->a_batch, api_export_start, e) == -1) {
		api_store_error(&w->w_x, "record the export");
		api_export_free(e);
	}
}

/* GET /v1/export?from=&to=&format=csv|json */
void
api_export(struct ctx *x)
{
	static const char *const known[] = { "from", "to", "format", NULL };
	const char	*fmt;
	struct export	*e;
	struct write	*w;
	int64_t		 from, to;

	if (api_query_check(x, known) == -1 || api_range(x, &from, &to) == -1)
		return;
	fmt = evhttp_find_header(&x->x_query, "format");
	if (fmt != NULL && strcmp(fmt, "csv") != 0 && strcmp(fmt, "json") != 0) {
		api_error(x, 400, "invalid_parameter", "format", "format must "
		    "be csv or json");
		return;
	}
	if ((e = calloc(1, sizeof(*e))) == NULL ||
	    (w = api_write_new(x)) == NULL) {
		free(e);
		return;
	}
	api_ctx_keep(&e->e_x, x);
	e->e_csv = fmt == NULL || strcmp(fmt, "csv") == 0;
	e->e_personal = 1;	/* supervisors and admins see them all */
	e->e_f.f_from = from;
	e->e_f.f_to = to;
	e->e_f.f_limit = API_EXPORT_PAGE;
	TAILQ_INSERT_TAIL(&x->x_api->a_exports, e, e_entry);
	w->w_body = (json_t *)e;
	w->w_run = api_export_begin_run;
	api_write_queue(x, w);
}

/* At exit: drop the streams still running (their connections close). */
void
api_exports_abort(struct api *a)
{
	struct export	*e;

	while ((e = TAILQ_FIRST(&a->a_exports)) != NULL) {
		log_warnx("export %lld by %s cut short: hotlined is stopping",
		    (long long)e->e_log_id, e->e_x.x_id.id_name);
		api_export_free(e);
	}
}
