/*
 * The reading of a unit's care form, on a thread of its own. A form of
 * thousands of rows takes a share of a second to parse (CSV, xls or
 * xlsx), clean and turn into the write's body; on the loop's thread it
 * would hold every other request that long. POST /v1/care/import checks
 * its query on the loop, copies the body and queues the reading here
 * (api_care_read_queue); the thread (api_work.c) reads one file at a
 * time and the loop goes on with each result: it answers a file that
 * cannot be read or queues the write (api_care_io.c). The rows are still
 * written on the loop, by the write batch, in one savepoint.
 *
 * The request waits meanwhile. A reload that takes its listener away
 * answers it 503 at once (its request is about to be freed), as does a
 * stop; a file still being read then is only freed when it is done.
 */
#include <sys/queue.h>

#include <stdlib.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "api.h"

const struct work_kind api_care_read_kind = {
	.kd_what = "the care forms' reading thread (they are read on the "
	    "loop's)",
	.kd_max = 4,
	.kd_busy = "care forms are being read: nothing was imported, send "
	    "the file again in a moment",
	.kd_stopping = "hotlined is shutting down; nothing was imported: "
	    "send the file again shortly",
	.kd_removed = "nothing was imported: this listen address was "
	    "removed by a reload; send the file on another",
};

struct care_read {
	struct work_job		 cr_job;	/* first: the job is the read */
	void			*cr_buf;	/* the file; freed once read */
	size_t			 cr_len;
	json_t			*cr_args;	/* the query, as the loop took it */
	json_t			*cr_form;	/* the write's body, or NULL */
	char			*cr_cause;	/* why the file cannot be read */
	api_care_read_fn	 cr_read;
	api_care_done_fn	 cr_done;
};

static void
api_care_read_free(struct work_job *j)
{
	struct care_read	*cr = (struct care_read *)j;

	free(cr->cr_buf);
	json_decref(cr->cr_args);
	json_decref(cr->cr_form);
	free(cr->cr_cause);
	free(cr);
}

/* On the thread: read the file; give back its memory at once (16 MB). */
static void
api_care_read_run(struct work_job *j)
{
	struct care_read	*cr = (struct care_read *)j;

	cr->cr_form = cr->cr_read(cr->cr_buf, cr->cr_len, &cr->cr_cause);
	free(cr->cr_buf);
	cr->cr_buf = NULL;
}

static void
api_care_read_done(struct ctx *x, struct work_job *j)
{
	struct care_read	*cr = (struct care_read *)j;

	cr->cr_done(x, cr->cr_args, cr->cr_form, cr->cr_cause);
}

/*
 * Read the request's body with fn off the loop (a copy of it: the
 * request may be freed meanwhile), then call done(x, args, form, cause)
 * on the loop with a kept copy of x; args is taken. Without the thread,
 * at once; with api_care_read_kind's limit of files waiting, 503.
 */
void
api_care_read_queue(struct ctx *x, json_t *args, api_care_read_fn fn,
    api_care_done_fn done)
{
	struct evbuffer		*in = evhttp_request_get_input_buffer(x->x_req);
	struct care_read	*cr;
	size_t			 len = evbuffer_get_length(in);

	if (api_work_busy(x, x->x_api->a_care_reads)) {
		json_decref(args);
		return;
	}
	if ((cr = calloc(1, sizeof(*cr))) == NULL ||
	    (cr->cr_buf = malloc(len)) == NULL) {
		free(cr);
		json_decref(args);
		api_error(x, 503, "internal", NULL, "out of memory");
		return;
	}
	cr->cr_args = args;
	if (evbuffer_copyout(in, cr->cr_buf, len) != (ev_ssize_t)len) {
		api_care_read_free(&cr->cr_job);
		api_error(x, 503, "internal", NULL, "the body could not be "
		    "copied");
		return;
	}
	cr->cr_len = len;
	cr->cr_read = fn;
	cr->cr_done = done;
	cr->cr_job.wj_run = api_care_read_run;
	cr->cr_job.wj_done = api_care_read_done;
	cr->cr_job.wj_free = api_care_read_free;
	api_work_queue(x->x_api->a_care_reads, x, "/v1/care/import",
	    &cr->cr_job);
}
