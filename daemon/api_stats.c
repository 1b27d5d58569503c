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

/*
 * Answer bytes a loop turn: about a millisecond's worth of groups, fewer
 * when jansson is slower than that (STATS_TURN_US: a busy machine).
 */
#define STATS_TURN_BYTES	16384

/* The members of each part but the first, in the order written. */
static const char *const stats_part_key[STATS_NPARTS] = {
	NULL, "phone", "followup", "crisis"
};

static void
api_stats_free(struct stats_run *j)
{
	size_t	 p;

	for (p = 0; p < STATS_NPARTS; p++)
		json_decref(j->sj_part[p].sp_head);
	json_decref(j->sj_phone_groups);
	if (j->sj_out != NULL)
		evbuffer_free(j->sj_out);
	json_decref(j->sj_phone);
	stats_more_free(j->sj_more);
	json_decref(j->sj_care);
	event_free(j->sj_ev);
	stats_free(j->sj_job);
	free(j);
}

static void
api_stats_fail(struct stats_run *j)
{
	TAILQ_REMOVE(&j->sj_api->a_stats, j, sj_entry);
	log_warnx("statistics: %s", store_errmsg(j->sj_api->a_store));
	api_error_send(j->sj_req, 503, "store_unavailable", NULL,
	    "the store could not compute the statistics; retry later");
	api_stats_free(j);
}

/* The phone's groups, made whole beforehand (pbx_stats.c). */
static json_t *
api_stats_phone_group(void *arg, size_t i)
{
	return json_incref(json_array_get(arg, i));
}

/* Every step read: the parts to write, the small members in the first. */
static void
api_stats_parts(struct stats_run *j)
{
	struct stats_part	*p = j->sj_part;

	stats_part(j->sj_job, &p[0]);
	json_object_set(p[0].sp_head, "care", j->sj_care);
	j->sj_phone_groups = json_incref(json_object_get(j->sj_phone,
	    "groups"));
	json_object_del(j->sj_phone, "groups");
	p[1].sp_head = j->sj_phone;
	j->sj_phone = NULL;
	p[1].sp_n = json_array_size(j->sj_phone_groups);
	p[1].sp_group = api_stats_phone_group;
	p[1].sp_arg = j->sj_phone_groups;
	stats_more_part(j->sj_more, 0, &p[2]);
	stats_more_part(j->sj_more, 1, &p[3]);
}

/* v dumped into b, without its closing brace when open; -1 when no memory. */
static int
api_stats_dump(struct evbuffer *b, json_t *v, int open)
{
	char	*s;
	size_t	 n;
	int	 rc;

	if (v == NULL || (s = json_dumps(v, JSON_COMPACT |
	    JSON_PRESERVE_ORDER)) == NULL)
		return -1;
	n = strlen(s);
	rc = evbuffer_add(b, s, open ? n - 1 : n);
	free(s);
	return rc;
}

/*
 * Write the answer on until about STATS_TURN_BYTES more of it is made or
 * STATS_TURN_US went by: each part is its head without the closing
 * brace, "groups":[ and its groups one by one, ] and }; jansson writes
 * every member and group. 1 more to write, 0 written, -1 out of memory.
 */
static int
api_stats_write(struct stats_run *j)
{
	struct evbuffer		*b = j->sj_out;
	struct stats_part	*p;
	size_t			 stop = evbuffer_get_length(b) +
	    STATS_TURN_BYTES;
	int64_t			 t0 = clock_mono_usec();
	json_t			*g;
	int			 rc;

	for (; j->sj_p < STATS_NPARTS; j->sj_p++, j->sj_i = 0,
	    j->sj_open = 0) {
		p = &j->sj_part[j->sj_p];
		if (!j->sj_open) {
			j->sj_open = 1;
			if (j->sj_p > 0 && evbuffer_add_printf(b, ",\"%s\":",
			    stats_part_key[j->sj_p]) == -1)
				return -1;
			if (api_stats_dump(b, p->sp_head, 1) == -1 ||
			    evbuffer_add_printf(b, "%s\"groups\":[",
			    json_object_size(p->sp_head) > 0 ? "," : "") == -1)
				return -1;
		}
		for (; j->sj_i < p->sp_n; j->sj_i++) {
			if (evbuffer_get_length(b) >= stop ||
			    clock_mono_usec() - t0 >= STATS_TURN_US)
				return 1;
			if (j->sj_i > 0 && evbuffer_add(b, ",", 1) == -1)
				return -1;
			g = p->sp_group(p->sp_arg, j->sj_i);
			rc = api_stats_dump(b, g, 0);
			json_decref(g);
			if (rc == -1)
				return -1;
		}
		if (evbuffer_add(b, j->sj_p > 0 ? "]}" : "]", j->sj_p > 0 ?
		    2 : 1) == -1)
			return -1;
	}
	return evbuffer_add(b, "}\n", 2);
}

/*
 * One step, then back to the loop: a zero timer fires only after the loop
 * has looked at every socket again, so other requests go first. Reading
 * done, the answer is written a few groups a turn the same way.
 */
static void
api_stats_step(evutil_socket_t fd, short events, void *arg)
{
	struct stats_run	*j = arg;
	struct timeval		 now = { 0, 0 };
	int			 rc;

	(void)fd;
	(void)events;
	if (j->sj_out == NULL) {
		/* The follow-up and crisis measures first, a week a turn. */
		if ((rc = stats_more_step(j->sj_more)) == 0)
			rc = stats_step(j->sj_job);
		if (rc == -1) {
			api_stats_fail(j);
			return;
		}
		if (rc == 1) {
			evtimer_add(j->sj_ev, &now);
			return;
		}
		if ((j->sj_out = evbuffer_new()) == NULL) {
			api_stats_drop(j, "internal", "out of memory");
			return;
		}
		api_stats_parts(j);
		/* Made in the next turn: the reading's last turn was enough. */
		evtimer_add(j->sj_ev, &now);
		return;
	}
	if ((rc = api_stats_write(j)) == 1) {
		evtimer_add(j->sj_ev, &now);
		return;
	}
	if (rc == -1) {
		api_stats_drop(j, "internal", "out of memory");
		return;
	}
	TAILQ_REMOVE(&j->sj_api->a_stats, j, sj_entry);
	evhttp_add_header(evhttp_request_get_output_headers(j->sj_req),
	    "Content-Type", "application/json; charset=utf-8");
	api_send(j->sj_req, 200, j->sj_out);
	j->sj_out = NULL;
	api_stats_free(j);
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
	api_stats_free(j);
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
