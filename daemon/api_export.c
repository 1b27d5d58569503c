/*
 * GET /v1/export: every call of a range as CSV, JSON or a spreadsheet,
 * recorded (and audited) before the first byte. CSV and JSON are streamed
 * a page at a time; a spreadsheet is written a page per loop turn into a
 * file (export_xlsx.c), which is then sent with its length.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "api.h"

#define API_EXPORT_PAGE	200	/* calls per chunk */
#define API_EXPORT_FILE	65536	/* bytes of a spreadsheet per chunk */

#define XLSX_TYPE \
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

static void	api_export_next(struct export *e);

void
api_export_free(struct export *e)
{
	TAILQ_REMOVE(&e->e_x.x_api->a_exports, e, e_entry);
	if (e->e_conn != NULL)
		listener_set_closecb(e->e_x.x_l, e->e_conn, NULL, NULL);
	if (e->e_ev != NULL)
		event_free(e->e_ev);
	export_xlsx_free(e->e_xlsx);
	export_line_free(&e->e_line);
	if (e->e_fd != -1)
		close(e->e_fd);
	free(e);
}

/* The format's name, as the export log and the audit trail say it. */
static const char *
api_export_format(const struct export *e)
{
	return e->e_sheet ? "xlsx" : e->e_csv ? "csv" : "json";
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

/*
 * The export is over (sent; or cut short, why says why): log it, free
 * it.
 */
static void
api_export_finish(struct export *e, const char *why)
{
	struct write	*w;

	log_info("export %lld by %s: %lld calls%s%s", (long long)e->e_log_id,
	    e->e_x.x_id.id_name, (long long)e->e_rows, why != NULL ?
	    ", cut short: " : "", why != NULL ? why : "");
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
	api_export_finish(e, "the reader went away");
}

static void
api_export_sent(struct evhttp_connection *conn, void *arg)
{
	(void)conn;
	api_export_next(arg);
}

/* One call as JSON, as the API shows it; 0, or -1 when the store failed. */
static int
api_export_json(struct export *e, struct call *c, struct evbuffer *b)
{
	json_t	*rec = api_call_json(&e->e_x, c);
	char	*s;

	if (rec == NULL)
		return -1;
	if ((s = json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER)) !=
	    NULL) {
		evbuffer_add_printf(b, "%s%s", e->e_rows > 0 ? ",\n" : "", s);
		free(s);
	}
	json_decref(rec);
	e->e_rows++;
	return 0;
}

/*
 * One call as a CSV line or a spreadsheet's row, straight from the
 * store's row (no copy of the call, no JSON); 0, or -1.
 */
static int
api_export_line(const struct call_row *r, void *arg)
{
	struct export	*e = arg;

	if (export_line_make(&e->e_line, e->e_x.x_api->a_cf, r,
	    e->e_personal) == -1)
		return -1;
	if (e->e_xlsx != NULL) {
		if (export_xlsx_row(e->e_xlsx, e->e_line.el_v,
		    r->cr_erased_at) == -1)
			return -1;
	} else if (export_csv_line(e->e_out, &e->e_line, e->e_personal) ==
	    -1)
		return -1;
	/* The cursor: where the next page starts. */
	e->e_f.f_cur_started = r->cr_started_at;
	e->e_f.f_cur_id = r->cr_id;
	e->e_rows++;
	return 0;
}

/*
 * The next page of calls read into b as JSON (*n of them); STORE_OK, or
 * STORE_ERR.
 */
static int
api_export_page_json(struct export *e, struct evbuffer *b, size_t *n)
{
	struct call	*v = NULL;
	size_t		 i;
	int		 rc;

	rc = store_call_list(e->e_x.x_api->a_store, &e->e_f, &v, n);
	for (i = 0; rc == STORE_OK && i < *n; i++)
		if (api_export_json(e, &v[i], b) == -1)
			rc = STORE_ERR;
	if (*n > 0) {
		e->e_f.f_cur_started = v[*n - 1].c_started_at;
		e->e_f.f_cur_id = v[*n - 1].c_id;
	}
	for (i = 0; i < *n; i++)
		call_free(&v[i]);
	free(v);
	return rc;
}

/*
 * The next page of calls as rows (into b, or the spreadsheet): 1 when
 * more may follow, 0 at the end, -1 when the store or the spreadsheet
 * failed. CSV and the spreadsheet are written from the store's rows.
 */
static int
api_export_page(struct export *e, struct evbuffer *b)
{
	size_t		 n = 0;
	int		 rc;

	store_read_begin(e->e_x.x_api->a_store);
	if (e->e_csv || e->e_xlsx != NULL) {
		e->e_out = b;
		rc = store_call_rows(e->e_x.x_api->a_store, &e->e_f,
		    api_export_line, e, &n);
		e->e_out = NULL;
	} else
		rc = api_export_page_json(e, b, &n);
	store_read_end(e->e_x.x_api->a_store);
	if (n > 0)
		e->e_f.f_has_cursor = 1;
	if (rc != STORE_OK) {
		log_warnx("export %lld stopped: %s", (long long)e->e_log_id,
		    e->e_xlsx != NULL ? "the spreadsheet or the store failed" :
		    store_errmsg(e->e_x.x_api->a_store));
		return -1;
	}
	return n == (size_t)e->e_f.f_limit;
}

/* The next piece of the written spreadsheet, or the end of it. */
static void
api_export_file(struct export *e)
{
	struct evhttp_request	*req = e->e_x.x_req;
	struct evbuffer		*b;
	char			 buf[API_EXPORT_FILE];
	ssize_t			 n;

	while ((n = read(e->e_fd, buf, sizeof(buf))) == -1 && errno == EINTR)
		;
	if (n > 0 && (b = evbuffer_new()) != NULL) {
		evbuffer_add(b, buf, (size_t)n);
		evhttp_send_reply_chunk_with_cb(req, b, api_export_sent, e);
		evbuffer_free(b);
		return;
	}
	if (n != 0)
		log_warn("export %lld: reading the spreadsheet",
		    (long long)e->e_log_id);
	/* Short of its Content-Length, the reader knows it is cut. */
	evhttp_send_reply_end(req);
	api_export_finish(e, n == 0 ? NULL : "the spreadsheet was unreadable");
}

/* Send the next page, or end the stream. Memory stays one page. */
static void
api_export_next(struct export *e)
{
	struct evhttp_request	*req = e->e_x.x_req;
	struct evbuffer		*b;
	int			 more;

	if (e->e_fd != -1) {
		api_export_file(e);
		return;
	}
	if ((b = evbuffer_new()) == NULL) {
		evhttp_send_reply_end(req);
		api_export_finish(e, "out of memory");
		return;
	}
	/* Past the status, a failure can only stop the stream short. */
	if ((more = api_export_page(e, b)) == 1) {
		evhttp_send_reply_chunk_with_cb(req, b, api_export_sent, e);
		evbuffer_free(b);
		return;
	}
	if (!e->e_csv)
		evbuffer_add(b, "\n]\n", 3);
	evhttp_send_reply_chunk(req, b);
	evbuffer_free(b);
	evhttp_send_reply_end(req);
	api_export_finish(e, more == 0 ? NULL : "the store failed");
}

/* The spreadsheet could not be made: say so (nothing was sent yet). */
static void
api_export_xlsx_fail(struct export *e, const char *why)
{
	log_warnx("export %lld: %s", (long long)e->e_log_id, why);
	if (e->e_conn != NULL)
		listener_set_closecb(e->e_x.x_l, e->e_conn, NULL, NULL);
	e->e_conn = NULL;
	api_error_send(e->e_x.x_req, 503, "store_unavailable", NULL,
	    "the spreadsheet could not be written; retry later");
	api_export_finish(e, why);
}

/* The spreadsheet is written (fd), or could not be (why): send it. */
static void
api_export_xlsx_send(int fd, const char *why, void *arg)
{
	struct export		*e = arg;
	struct evhttp_request	*req = e->e_x.x_req;
	struct evkeyvalq	*h = evhttp_request_get_output_headers(req);
	struct stat		 st;
	char			 len[32];

	e->e_xlsx = NULL;	/* freed */
	if ((e->e_fd = fd) == -1) {
		api_export_xlsx_fail(e, why);
		return;
	}
	if (fstat(e->e_fd, &st) == -1) {
		api_export_xlsx_fail(e, strerror(errno));
		return;
	}
	snprintf(len, sizeof(len), "%lld", (long long)st.st_size);
	evhttp_add_header(h, "Content-Type", XLSX_TYPE);
	evhttp_add_header(h, "Content-Disposition",
	    "attachment; filename=\"hotline-export.xlsx\"");
	evhttp_add_header(h, "Content-Length", len);
	evhttp_send_reply_start(req, 200, "OK");
	api_export_file(e);
}

/*
 * A page of the spreadsheet, then back to the loop: a zero timer fires
 * only after the loop has looked at every socket again.
 */
static void
api_export_xlsx_step(evutil_socket_t fd, short events, void *arg)
{
	struct export	*e = arg;
	struct timeval	 now = { 0, 0 };

	(void)fd;
	(void)events;
	switch (api_export_page(e, NULL)) {
	case 1:
		evtimer_add(e->e_ev, &now);
		break;
	case 0:
		/* Written on a thread; api_export_xlsx_send() hears of it. */
		if (export_xlsx_close(e->e_xlsx, e->e_x.x_api->a_base,
		    api_export_xlsx_send, e) == -1) {
			e->e_xlsx = NULL;
			api_export_xlsx_fail(e, "could not start writing the "
			    "file");
		}
		break;
	default:
		api_export_xlsx_fail(e, "the store or the spreadsheet failed");
		break;
	}
}

/* After the export was recorded: start writing the spreadsheet. */
static void
api_export_xlsx_start(struct export *e)
{
	struct timeval	 now = { 0, 0 };
	char		 err[256];

	e->e_xlsx = export_xlsx_open(e->e_x.x_api->a_cf->cf_db_path,
	    e->e_personal, err, sizeof(err));
	if (e->e_xlsx == NULL || (e->e_ev = evtimer_new(e->e_x.x_api->a_base,
	    api_export_xlsx_step, e)) == NULL) {
		api_export_xlsx_fail(e, e->e_xlsx == NULL ? err :
		    "out of memory");
		return;
	}
	/* A reader who goes away stops the writing. */
	e->e_conn = evhttp_request_get_connection(e->e_x.x_req);
	if (e->e_conn != NULL)
		listener_set_closecb(e->e_x.x_l, e->e_conn, api_export_closed,
		    e);
	evtimer_add(e->e_ev, &now);
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
	if (e->e_sheet) {
		api_export_xlsx_start(e);
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
			export_csv_header(b, e->e_personal, e->e_names);
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
	const char	*fmt = api_export_format(e);
	char		 from[40], to[40], detail[160];
	int		 rc;

	if ((rc = store_request_begin(st)) != STORE_OK)
		return rc;
	rc = store_export_begin(st, e->e_x.x_id.id_name,
	    config_role_name(e->e_x.x_id.id_role), e->e_f.f_from,
	    e->e_f.f_to, fmt, &e->e_log_id);
	if (rc == STORE_OK) {
		clock_format(e->e_f.f_from, from, sizeof(from));
		clock_format(e->e_f.f_to, to, sizeof(to));
		snprintf(detail, sizeof(detail), "export %lld: from %s to %s, "
		    "%s", (long long)e->e_log_id, from, to, fmt);
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

/* GET /v1/export?from=&to=&format=csv|json|xlsx&header=codes|names */
void
api_export(struct ctx *x)
{
	static const char *const known[] = { "from", "to", "format", "header",
	    NULL };
	const char	*fmt, *head;
	struct export	*e;
	struct write	*w;
	int64_t		 from, to;

	if (api_query_check(x, known) == -1 || api_range(x, &from, &to) == -1)
		return;
	fmt = evhttp_find_header(&x->x_query, "format");
	head = evhttp_find_header(&x->x_query, "header");
	if (fmt == NULL)
		fmt = "csv";
	if (strcmp(fmt, "csv") != 0 && strcmp(fmt, "json") != 0 &&
	    strcmp(fmt, "xlsx") != 0) {
		api_error(x, 400, "invalid_parameter", "format", "format must "
		    "be csv, json or xlsx");
		return;
	}
	if (head != NULL && (strcmp(fmt, "csv") != 0 ||
	    (strcmp(head, "codes") != 0 && strcmp(head, "names") != 0))) {
		api_error(x, 400, "invalid_parameter", "header", "header is "
		    "codes or names, and only for format=csv (a spreadsheet's "
		    "headings are names)");
		return;
	}
	if ((e = calloc(1, sizeof(*e))) == NULL ||
	    (w = api_write_new(x)) == NULL) {
		free(e);
		return;
	}
	api_ctx_keep(&e->e_x, x);
	e->e_csv = strcmp(fmt, "csv") == 0;
	e->e_names = head != NULL && strcmp(head, "names") == 0;
	e->e_sheet = strcmp(fmt, "xlsx") == 0;
	e->e_fd = -1;
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
