/*
 * GET /v1/stats: statistics read a slice per loop turn (stats.c does
 * the counting), so writes and other readers go on meanwhile.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "api.h"

static void
api_stats_done(struct stats_run *j, json_t *o)
{
	struct api	*a = j->sj_api;

	TAILQ_REMOVE(&a->a_stats, j, sj_entry);
	if (o != NULL && j->sj_phone != NULL)
		json_object_set(o, "phone", j->sj_phone);
	if (o != NULL && j->sj_more != NULL)
		json_object_update_new(o, stats_more_result(j->sj_more));
	json_decref(j->sj_phone);
	stats_more_free(j->sj_more);
	if (o != NULL && j->sj_care != NULL)
		json_object_set(o, "care", j->sj_care);
	json_decref(j->sj_care);
	if (o != NULL)
		api_send(j->sj_req, 200, api_json_body(j->sj_req, o));
	else {
		log_warnx("statistics: %s", store_errmsg(a->a_store));
		api_error_send(j->sj_req, 503, "store_unavailable", NULL,
		    "the store could not compute the statistics; retry later");
	}
	json_decref(o);
	event_free(j->sj_ev);
	stats_free(j->sj_job);
	free(j);
}

/*
 * One step, then back to the loop: a zero timer fires only after the loop
 * has looked at every socket again, so other requests go first.
 */
static void
api_stats_step(evutil_socket_t fd, short events, void *arg)
{
	struct stats_run	*j = arg;
	struct timeval		 now = { 0, 0 };
	int			 rc;

	(void)fd;
	(void)events;
	/* The follow-up and crisis measures first, a week a turn. */
	if ((rc = stats_more_step(j->sj_more)) == 1) {
		evtimer_add(j->sj_ev, &now);
		return;
	}
	if (rc == -1) {
		api_stats_done(j, NULL);
		return;
	}
	if ((rc = stats_step(j->sj_job)) == 1) {
		evtimer_add(j->sj_ev, &now);
		return;
	}
	api_stats_done(j, rc == 0 ? stats_result(j->sj_job) : NULL);
}

/* GET /v1/stats?from=&to=&by= */
void
api_stats(struct ctx *x)
{
	static const char *const known[] = { "from", "to", "by", NULL };
	struct timeval		 now = { 0, 0 };
	struct stats_run	*j;
	struct stats_req	*job;
	int64_t			 from, to;
	char			 err[300];

	if (api_query_check(x, known) == -1 || api_range(x, &from, &to) == -1)
		return;
	switch (stats_start(x->x_api->a_store, x->x_api->a_cf, from, to,
	    evhttp_find_header(&x->x_query, "by"), &job, err, sizeof(err))) {
	case STATS_OK:
		break;
	case STATS_BAD:
		api_error(x, 400, "invalid_parameter", "by", "%s", err);
		return;
	default:
		api_error(x, 503, "internal", NULL, "out of memory");
		return;
	}
	if ((j = calloc(1, sizeof(*j))) == NULL ||
	    (j->sj_ev = evtimer_new(x->x_api->a_base, api_stats_step,
	    j)) == NULL) {
		free(j);
		stats_free(job);
		api_error(x, 503, "internal", NULL, "out of memory");
		return;
	}
	j->sj_api = x->x_api;
	j->sj_req = x->x_req;
	j->sj_l = x->x_l;
	j->sj_job = job;
	/* The phone calls (pbx_stats.c): one indexed read of the range. */
	if ((j->sj_phone = pbx_stats(x->x_api->a_store, x->x_api->a_cf, from,
	    to, evhttp_find_header(&x->x_query, "by"))) == NULL) {
		event_free(j->sj_ev);
		free(j);
		stats_free(job);
		api_store_error(x, "compute the phone measures");
		return;
	}
	/* The plans' steps and crisis records (stats_followup.c). */
	if ((j->sj_more = stats_more_start(x->x_api->a_store, x->x_api->a_cf,
	    from, to, evhttp_find_header(&x->x_query, "by"))) == NULL) {
		json_decref(j->sj_phone);
		event_free(j->sj_ev);
		free(j);
		stats_free(job);
		api_error(x, 503, "internal", NULL, "out of memory");
		return;
	}
	/* The care register (care_stats.c): a few grouped counts. */
	if ((j->sj_care = care_stats(x->x_api->a_store, x->x_api->a_cf, from,
	    to, clock_now())) == NULL) {
		json_decref(j->sj_phone);
		stats_more_free(j->sj_more);
		event_free(j->sj_ev);
		free(j);
		stats_free(job);
		api_store_error(x, "compute the care register's measures");
		return;
	}
	TAILQ_INSERT_TAIL(&x->x_api->a_stats, j, sj_entry);
	evtimer_add(j->sj_ev, &now);
}

/* Answer statistics still being read: 503, the reader may retry. */
void
api_stats_drop(struct stats_run *j, const char *kind, const char *why)
{
	TAILQ_REMOVE(&j->sj_api->a_stats, j, sj_entry);
	api_error_send(j->sj_req, 503, kind, NULL, why);
	json_decref(j->sj_phone);
	stats_more_free(j->sj_more);
	json_decref(j->sj_care);
	event_free(j->sj_ev);
	stats_free(j->sj_job);
	free(j);
}

/* At exit: answer the statistics still being read. */
void
api_stats_abort(struct api *a)
{
	struct stats_run	*j;

	while ((j = TAILQ_FIRST(&a->a_stats)) != NULL)
		api_stats_drop(j, "shutting_down", "hotlined is shutting "
		    "down; retry shortly");
}
