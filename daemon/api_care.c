/*
 * The care register over HTTP: /v1/care/people (list, add), a person
 * with family, contacts, difficulties and calls (read, change), a
 * contact or difficulty recorded, a difficulty resolved or handed to a
 * queue, the end date for everyone, a call linked to a person. A liaison
 * works only the people assigned to them (403 otherwise); supervisors
 * and admins all. Every read by anyone but the person's liaison is
 * audited before it is answered, like a call's. Writes go through the
 * group commit, each in a savepoint with its audit row.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>

#include "api.h"

static int
api_care_is_liaison(const struct ctx *x)
{
	return x->x_id.id_role == ROLE_LIAISON;
}

/* The local day of ?at= (a test's or a report's "as of"), else today. */
static int
api_care_today(struct ctx *x, int64_t *today)
{
	int64_t	 at;

	if (api_time_param(x, "at", 0, &at) == -1)
		return -1;
	*today = config_care_day_of(at != 0 ? at : clock_now());
	return 0;
}

/* A whole number query parameter from min to max; def when absent. */
static int
api_care_num(struct ctx *x, const char *name, long min, long max, long def,
    long *out)
{
	const char	*v = evhttp_find_header(&x->x_query, name);
	char		*end;

	*out = def;
	if (v == NULL)
		return 0;
	errno = 0;
	*out = strtol(v, &end, 10);
	if (*v == '\0' || *end != '\0' || errno != 0 || *out < min ||
	    *out > max) {
		api_error(x, 400, "invalid_parameter", name, "%s must be a "
		    "whole number from %ld to %ld", name, min, max);
		return -1;
	}
	return 0;
}

/*
 * End the request's transaction: committed when RC is CARE_OK, else
 * rolled back. The CARE_* result, CARE_ERR when the commit failed.
 */
static int
api_care_commit(struct store *s, int rc)
{
	if (store_request_end(s, rc == CARE_OK ? STORE_OK : STORE_ERR) !=
	    STORE_OK && rc == CARE_OK)
		return CARE_ERR;
	return rc;
}

/* Answer a CARE_* failure. */
static void
api_care_fail(struct ctx *x, int rc, const struct call_error *err,
    const char *why, const char *what, int64_t id)
{
	switch (rc) {
	case CARE_NOTFOUND:
		api_error(x, 404, "not_found", "id", "no %s %lld", what,
		    (long long)id);
		break;
	case CARE_NOCALL:
		api_error(x, 404, "not_found", "id", "no call %lld",
		    (long long)id);
		break;
	case CARE_FORBIDDEN:
		api_error(x, 403, "forbidden", err != NULL &&
		    err->ce_field[0] ? err->ce_field : "id", "%s",
		    err != NULL && err->ce_msg[0] ? err->ce_msg : "this person "
		    "is not assigned to you");
		break;
	case CARE_STATE:
		api_error(x, 409, "conflict", err != NULL ? err->ce_field :
		    NULL, "%s", err != NULL ? err->ce_msg : why);
		break;
	case CARE_BAD:
		api_error(x, 400, err->ce_kind, err->ce_field[0] ?
		    err->ce_field : NULL, "%s", err->ce_msg);
		break;
	default:
		api_store_error(x, "change the care register");
	}
}

/*
 * In the pump: one audit row per person shown (their ids in w_refs'
 * rr_call), then the answer; a failed row answers 503, nothing shown.
 */
static void
api_care_read_run(struct write *w)
{
	struct ctx	*x = &w->w_x;
	struct store	*st = x->x_api->a_store;
	json_t		*o = w->w_body;
	size_t		 i;
	int		 rc;

	w->w_body = NULL;
	if ((rc = store_request_begin(st)) == STORE_OK) {
		for (i = 0; i < w->w_nrefs && rc == STORE_OK; i++)
			rc = care_audit(&x->x_id, w->w_action,
			    w->w_refs[i].rr_call, 0, 0);
		rc = store_request_end(st, rc);
	}
	if (rc != STORE_OK) {
		json_decref(o);
		api_store_error(x, "record the read in the audit trail, so "
		    "nothing is shown");
		return;
	}
	api_reply(x, 200, o);
}

/* Answer o, audited for each of the n people when not the liaison. */
static void
api_care_reply_read(struct ctx *x, const char *action, const int64_t *ids,
    size_t n, json_t *o)
{
	struct write	*w;
	size_t		 i;

	if (api_care_is_liaison(x) || n == 0) {
		api_reply(x, 200, o);
		return;
	}
	if ((w = api_write_new(x)) == NULL ||
	    (w->w_refs = calloc(n, sizeof(*w->w_refs))) == NULL) {
		if (w != NULL)
			api_write_free(w);
		json_decref(o);
		api_error(x, 503, "internal", NULL, "out of memory");
		return;
	}
	for (i = 0; i < n; i++)
		w->w_refs[i].rr_call = ids[i];
	w->w_nrefs = n;
	w->w_body = o;
	w->w_action = action;
	w->w_run = api_care_read_run;
	api_write_queue(x, w);
}

/* A query text parameter into filter[name] (absent: null). */
static void
api_care_qtext(struct ctx *x, json_t *filter, const char *name)
{
	const char	*v = evhttp_find_header(&x->x_query, name);

	json_object_set_new(filter, name, v != NULL && *v != '\0' ?
	    json_string(v) : json_null());
}

/* GET /v1/care/people?unit=&team=&liaison=&overdue=1&q=&limit=&offset=&at= */
void
api_care_people(struct ctx *x)
{
	static const char *const known[] = { "unit", "team", "liaison",
	    "overdue", "q", "limit", "offset", "at", NULL };
	struct store	*s = x->x_api->a_store;
	const char	*l;
	json_t		*filter, *rows, *out, *list, *r;
	int64_t		 today, end, *ids;
	long		 limit, offset, overdue;
	size_t		 i;

	if (api_query_check(x, known) == -1 || api_care_today(x, &today) ==
	    -1 || api_limit_param(x, &limit) == -1 ||
	    api_care_num(x, "offset", 0, 1000000000, 0, &offset) == -1 ||
	    api_care_num(x, "overdue", 0, 1, 0, &overdue) == -1)
		return;
	l = evhttp_find_header(&x->x_query, "liaison");
	if (api_care_is_liaison(x) && l != NULL &&
	    strcmp(l, x->x_id.id_name) != 0) {
		api_error(x, 403, "forbidden", "liaison", "a liaison sees only "
		    "their own people");
		return;
	}
	if (care_end_day(s, x->x_api->a_cf, &end) != STORE_OK) {
		api_store_error(x, "read the care's end date");
		return;
	}
	filter = json_pack("{sIsIsIsI}", "today", (json_int_t)today, "limit",
	    (json_int_t)limit, "offset", (json_int_t)offset, "end_day",
	    (json_int_t)end);
	if (end < 0)
		json_object_set_new(filter, "end_day", json_null());
	api_care_qtext(x, filter, "unit");
	api_care_qtext(x, filter, "team");
	api_care_qtext(x, filter, "liaison");
	api_care_qtext(x, filter, "q");
	if (api_care_is_liaison(x))
		json_object_set_new(filter, "liaison",
		    json_string(x->x_id.id_name));
	json_object_set_new(filter, "only_overdue", overdue ? json_integer(1) :
	    json_null());
	rows = store_care_people(s, filter);
	json_decref(filter);
	if (rows == NULL) {
		api_store_error(x, "list the people under care");
		return;
	}
	list = json_array();
	ids = calloc(json_array_size(rows) + 1, sizeof(*ids));
	json_array_foreach(rows, i, r) {
		json_array_append_new(list, care_person_json(r, today, end));
		if (ids != NULL)
			ids[i] = json_integer_value(json_object_get(r, "id"));
	}
	out = json_pack("{soso}", "people", list, "as_of", care_day_json_of(
	    today));
	if (ids == NULL) {
		json_decref(out);
		json_decref(rows);
		api_error(x, 503, "internal", NULL, "out of memory");
		return;
	}
	api_care_reply_read(x, "care.list", ids, json_array_size(rows), out);
	free(ids);
	json_decref(rows);
}

/* GET /v1/care/people/{id}: with family, contacts, difficulties, calls. */
void
api_care_person_get(struct ctx *x, int64_t id)
{
	static const char *const known[] = { "at", NULL };
	struct store	*s = x->x_api->a_store;
	json_t		*p, *o, *a, *r, *f;
	int64_t		 today, end;
	size_t		 i;
	int		 rc;

	if (api_query_check(x, known) == -1 || api_care_today(x, &today) == -1)
		return;
	if ((rc = store_care_person_get(s, id, &p)) != STORE_OK) {
		api_care_fail(x, rc == STORE_NOTFOUND ? CARE_NOTFOUND :
		    CARE_ERR, NULL, NULL, "person", id);
		return;
	}
	if (!care_may(&x->x_id, p)) {
		json_decref(p);
		api_care_fail(x, CARE_FORBIDDEN, NULL, NULL, "person", id);
		return;
	}
	if (care_end_day(s, x->x_api->a_cf, &end) != STORE_OK ||
	    (o = care_person_json(p, today, end)) == NULL) {
		json_decref(p);
		api_store_error(x, "read the person");
		return;
	}
	json_decref(p);
	f = json_object();
	json_object_set_new(f, "person_id", json_integer(id));
	json_object_set_new(f, "limit", json_integer(1000));
	json_object_set_new(o, "family", store_care_family(s, id));
	a = store_care_contacts(s, id);
	json_object_set_new(o, "contacts", json_array());
	json_array_foreach(a, i, r)
		json_array_append_new(json_object_get(o, "contacts"),
		    care_row_json(r));
	json_decref(a);
	a = store_care_difficulties(s, f);
	json_decref(f);
	json_object_set_new(o, "difficulties", json_array());
	json_array_foreach(a, i, r) {
		json_object_del(r, "name");
		json_object_del(r, "unit");
		json_object_del(r, "liaison");
		json_array_append_new(json_object_get(o, "difficulties"),
		    care_row_json(r));
	}
	json_decref(a);
	a = store_care_links(s, id);
	json_object_set_new(o, "calls", json_array());
	json_array_foreach(a, i, r)
		json_array_append_new(json_object_get(o, "calls"),
		    care_row_json(r));
	json_decref(a);
	if (!json_is_array(json_object_get(o, "family"))) {
		json_decref(o);
		api_store_error(x, "read the person");
		return;
	}
	api_care_reply_read(x, "care.read", &id, 1, o);
}

/* The body as a JSON object, kept in w. -1: answered. */
static int
api_care_body(struct ctx *x, struct write *w)
{
	if ((w->w_body = api_body(x)) == NULL)
		return -1;
	if (!json_is_object(w->w_body)) {
		api_error(x, 400, "invalid_json", NULL, "the body must be a "
		    "JSON object");
		return -1;
	}
	return 0;
}

/* What a write's body is checked with before it is queued. */
enum care_check { CC_NONE, CC_CONTACT, CC_DIFFICULTY, CC_CLOSE };

/*
 * Queue a write on person or difficulty ID (WHAT): the body read and,
 * as CHECK says, validated first (a refusal answered here), then RUN
 * in the write batch.
 */
static void
api_care_queue(struct ctx *x, int64_t id, const char *what,
    enum care_check check, void (*run)(struct write *))
{
	const struct config	*cf = x->x_api->a_cf;
	struct call_error	 err;
	struct write		*w;
	int			 rc = 0;

	if (api_query_check(x, (const char *const []){ NULL }) == -1 ||
	    (w = api_write_new(x)) == NULL)
		return;
	memset(&err, 0, sizeof(err));
	if (api_care_body(x, w) == -1) {
		api_write_free(w);
		return;
	}
	switch (check) {
	case CC_CONTACT:
		rc = care_contact_check(cf, w->w_body, clock_now(), &err);
		break;
	case CC_DIFFICULTY:
		rc = care_difficulty_check(cf, w->w_body, &err);
		break;
	case CC_CLOSE:
		rc = care_close_check(cf, w->w_body, &err);
		break;
	case CC_NONE:
		break;
	}
	if (rc == -1) {
		if (err.ce_kind != NULL)
			api_care_fail(x, CARE_BAD, &err, NULL, what, id);
		api_write_free(w);
		return;
	}
	w->w_id = id;
	w->w_run = run;
	api_write_queue(x, w);
}

/* In the pump: the new person, or 409 naming the one already there. */
static void
api_care_post_run(struct write *w)
{
	struct ctx	*x = &w->w_x;
	struct store	*s = x->x_api->a_store;
	struct call_error err;
	json_t		*row, *family, *o;
	int64_t		 pid = 0, end;
	int		 rc;

	memset(&err, 0, sizeof(err));
	if (care_person_build(x->x_api->a_cf, w->w_body, NULL, x->x_id.id_name,
	    clock_now(), &row, &family, &err) == -1) {
		api_care_fail(x, CARE_BAD, &err, NULL, "person", 0);
		return;
	}
	if (store_request_begin(s) == STORE_OK) {
		rc = care_person_add(s, x->x_api->a_cf, &x->x_id, row, family,
		    &pid);
		rc = api_care_commit(s, rc);
	} else
		rc = CARE_ERR;
	if (rc == CARE_STATE)
		api_error(x, 409, "duplicate", "name", "person %lld has this "
		    "name, unit and phone already", (long long)pid);
	else if (rc != CARE_OK || care_end_day(s, x->x_api->a_cf, &end) !=
	    STORE_OK)
		api_store_error(x, "store the person");
	else {
		o = care_person_json(row, config_care_day_of(clock_now()), end);
		json_object_set_new(o, "family", family ? json_incref(family) :
		    json_array());
		api_reply(x, 201, o);
	}
	json_decref(row);
	json_decref(family);
}

/* POST /v1/care/people. A liaison adds people for themself. */
void
api_care_person_post(struct ctx *x)
{
	struct call_error err;
	struct write	*w;
	json_t		*row, *family;

	if (api_query_check(x, (const char *const []){ NULL }) == -1 ||
	    (w = api_write_new(x)) == NULL)
		return;
	if (api_care_body(x, w) == -1)
		goto bad;
	if (api_care_is_liaison(x)) {
		if (!json_is_null(json_object_get(w->w_body, "liaison")) &&
		    json_object_get(w->w_body, "liaison") != NULL &&
		    (!json_is_string(json_object_get(w->w_body, "liaison")) ||
		    strcmp(json_string_value(json_object_get(w->w_body,
		    "liaison")), x->x_id.id_name) != 0)) {
			api_error(x, 403, "forbidden", "liaison", "a liaison "
			    "adds people for themself only");
			goto bad;
		}
		json_object_set_new(w->w_body, "liaison",
		    json_string(x->x_id.id_name));
		if (json_object_get(w->w_body, "legal_hold") != NULL) {
			api_error(x, 403, "forbidden", "legal_hold", "a "
			    "liaison may not set the legal hold");
			goto bad;
		}
	}
	/* Checked now, to answer at once; built again in the pump. */
	memset(&err, 0, sizeof(err));
	if (care_person_build(x->x_api->a_cf, w->w_body, NULL,
	    x->x_id.id_name, clock_now(), &row, &family, &err) == -1) {
		api_care_fail(x, CARE_BAD, &err, NULL, "person", 0);
		goto bad;
	}
	json_decref(row);
	json_decref(family);
	w->w_run = api_care_post_run;
	api_write_queue(x, w);
	return;
bad:
	api_write_free(w);
}

/* A write on w_id in a savepoint; op does it. */
static void
api_care_patch_run(struct write *w)
{
	struct ctx	*x = &w->w_x;
	struct store	*s = x->x_api->a_store;
	struct call_error err;
	json_t		*p, *o;
	int64_t		 end;
	int		 rc;

	memset(&err, 0, sizeof(err));
	if ((rc = store_request_begin(s)) != STORE_OK) {
		api_store_error(x, "change the person");
		return;
	}
	rc = care_person_save(s, x->x_api->a_cf, &x->x_id, w->w_id,
	    w->w_body, &err);
	rc = api_care_commit(s, rc);
	if (rc != CARE_OK) {
		api_care_fail(x, rc, &err, NULL, "person", w->w_id);
		return;
	}
	if (store_care_person_get(s, w->w_id, &p) != STORE_OK ||
	    care_end_day(s, x->x_api->a_cf, &end) != STORE_OK) {
		api_store_error(x, "read the person");
		return;
	}
	o = care_person_json(p, config_care_day_of(clock_now()), end);
	json_object_set_new(o, "family", store_care_family(s, w->w_id));
	json_decref(p);
	api_reply(x, 200, o);
}

/* PATCH /v1/care/people/{id}: the fields given, validated as a whole. */
void
api_care_person_patch(struct ctx *x, int64_t id)
{
	api_care_queue(x, id, "person", CC_NONE, api_care_patch_run);
}

static void
api_care_contact_run(struct write *w)
{
	struct ctx	*x = &w->w_x;
	struct store	*s = x->x_api->a_store;
	int64_t		 cid = 0;
	json_t		*p, *o;
	int		 rc;

	if ((rc = store_request_begin(s)) != STORE_OK) {
		api_store_error(x, "record the contact");
		return;
	}
	rc = care_contact_add(s, &x->x_id, w->w_id, w->w_body, clock_now(),
	    &cid);
	rc = api_care_commit(s, rc);
	if (rc != CARE_OK) {
		api_care_fail(x, rc, NULL, NULL, "person", w->w_id);
		return;
	}
	if (store_care_person_get(s, w->w_id, &p) != STORE_OK) {
		api_store_error(x, "read the person");
		return;
	}
	o = json_pack("{sIsosb}", "id", (json_int_t)cid, "next_due",
	    care_day_json_of(json_integer_value(json_object_get(p,
	    "due_day"))), "overdue", 0);
	json_decref(p);
	api_reply(x, 201, o);
}

/* POST /v1/care/people/{id}/contacts {kind, at, with_whom, note} */
void
api_care_contact_post(struct ctx *x, int64_t id)
{
	api_care_queue(x, id, "person", CC_CONTACT, api_care_contact_run);
}

static void
api_care_difficulty_run(struct write *w)
{
	struct ctx	*x = &w->w_x;
	struct store	*s = x->x_api->a_store;
	json_t		*d;
	int64_t		 did = 0;
	int		 rc;

	if ((rc = store_request_begin(s)) != STORE_OK) {
		api_store_error(x, "record the difficulty");
		return;
	}
	rc = care_difficulty_add(s, x->x_api->a_cf, &x->x_id, w->w_id,
	    w->w_body, clock_now(), &did);
	rc = api_care_commit(s, rc);
	if (rc != CARE_OK) {
		api_care_fail(x, rc, NULL, NULL, "person", w->w_id);
		return;
	}
	if (store_care_difficulty_get(s, did, &d) != STORE_OK) {
		api_store_error(x, "read the difficulty");
		return;
	}
	api_reply(x, 201, care_row_json(d));
	json_decref(d);
}

/* POST /v1/care/people/{id}/difficulties {category, description} */
void
api_care_difficulty_post(struct ctx *x, int64_t id)
{
	api_care_queue(x, id, "person", CC_DIFFICULTY,
	    api_care_difficulty_run);
}

static void
api_care_close_run(struct write *w)
{
	struct ctx	*x = &w->w_x;
	struct store	*s = x->x_api->a_store;
	char		 why[200] = "";
	json_t		*d;
	int		 rc;

	if ((rc = store_request_begin(s)) != STORE_OK) {
		api_store_error(x, "close the difficulty");
		return;
	}
	rc = care_difficulty_close(s, x->x_api->a_cf, &x->x_id, w->w_id,
	    w->w_body, clock_now(), why, sizeof(why));
	rc = api_care_commit(s, rc);
	if (rc != CARE_OK) {
		api_care_fail(x, rc, NULL, why, "difficulty", w->w_id);
		return;
	}
	if (store_care_difficulty_get(s, w->w_id, &d) != STORE_OK) {
		api_store_error(x, "read the difficulty");
		return;
	}
	api_reply(x, 200, care_row_json(d));
	json_decref(d);
}

/*
 * PATCH /v1/care/difficulties/{id} {"action": "resolve", "resolution":
 * "..."} or {"action": "hand", "queue": "legal", "priority": 2}
 */
void
api_care_difficulty_patch(struct ctx *x, int64_t id)
{
	api_care_queue(x, id, "difficulty", CC_CLOSE, api_care_close_run);
}

/* GET /v1/care/difficulties?state=open&unit=&limit=: the open list. */
void
api_care_difficulties(struct ctx *x)
{
	static const char *const known[] = { "state", "unit", "limit", NULL };
	static const char *const states[] = { "open", "resolved", "handed",
	    NULL };
	const char	*st = evhttp_find_header(&x->x_query, "state");
	json_t		*f, *rows, *list, *r;
	int64_t		*ids;
	long		 limit;
	size_t		 i;

	if (api_query_check(x, known) == -1 || api_limit_param(x, &limit) == -1)
		return;
	for (i = 0; st != NULL && states[i] != NULL; i++)
		if (strcmp(states[i], st) == 0)
			break;
	if (st != NULL && states[i] == NULL) {
		api_error(x, 400, "invalid_parameter", "state", "state must be "
		    "open, resolved or handed");
		return;
	}
	f = json_pack("{sssI}", "state", st != NULL ? st : "open", "limit",
	    (json_int_t)limit);
	api_care_qtext(x, f, "unit");
	json_object_set_new(f, "liaison", api_care_is_liaison(x) ?
	    json_string(x->x_id.id_name) : json_null());
	rows = store_care_difficulties(x->x_api->a_store, f);
	json_decref(f);
	if (rows == NULL) {
		api_store_error(x, "list the difficulties");
		return;
	}
	list = json_array();
	ids = calloc(json_array_size(rows) + 1, sizeof(*ids));
	json_array_foreach(rows, i, r) {
		json_array_append_new(list, care_row_json(r));
		if (ids != NULL)
			ids[i] = json_integer_value(json_object_get(r,
			    "person_id"));
	}
	json_decref(rows);
	if (ids == NULL) {
		json_decref(list);
		api_error(x, 503, "internal", NULL, "out of memory");
		return;
	}
	api_care_reply_read(x, "care.list", ids, json_array_size(list),
	    json_pack("{so}", "difficulties", list));
	free(ids);
}

static void
api_care_end_run(struct write *w)
{
	struct ctx	*x = &w->w_x;
	struct store	*s = x->x_api->a_store;
	int		 rc;

	if ((rc = store_request_begin(s)) == STORE_OK)
		rc = store_request_end(s, care_end_set(s, &x->x_id, w->w_id) ==
		    CARE_OK ? STORE_OK : STORE_ERR);
	if (rc != STORE_OK) {
		api_store_error(x, "set the end date");
		return;
	}
	api_reply(x, 200, json_pack("{so}", "end_date",
	    care_day_json_of(w->w_id)));
}

/* POST /v1/care/end-date {"end_date": "2020-06-30"}: for everyone. */
void
api_care_end_date(struct ctx *x)
{
	struct write	*w;
	json_t		*v;
	int64_t		 day;

	if (api_query_check(x, (const char *const []){ NULL }) == -1 ||
	    (w = api_write_new(x)) == NULL)
		return;
	if (api_care_body(x, w) == -1)
		goto bad;
	if (json_object_size(w->w_body) != 1 || (v = json_object_get(
	    w->w_body, "end_date")) == NULL) {
		api_error(x, 400, "missing_field", "end_date", "the body is "
		    "{\"end_date\": \"YYYY-MM-DD\"}");
		goto bad;
	}
	if (!json_is_string(v) || config_care_day_parse(json_string_value(v),
	    &day) == -1) {
		api_error(x, 400, "invalid_field", "end_date", "end_date must "
		    "be a date YYYY-MM-DD");
		goto bad;
	}
	w->w_id = day;
	w->w_run = api_care_end_run;
	api_write_queue(x, w);
	return;
bad:
	api_write_free(w);
}

static void
api_care_link_run(struct write *w)
{
	struct ctx	*x = &w->w_x;
	struct store	*s = x->x_api->a_store;
	struct call_error err;
	int64_t		 pid;
	int		 rc;

	memset(&err, 0, sizeof(err));
	pid = json_integer_value(json_object_get(w->w_body, "person_id"));
	if ((rc = store_request_begin(s)) != STORE_OK) {
		api_store_error(x, "link the call");
		return;
	}
	rc = care_link_call(s, &x->x_id, w->w_id, pid, clock_now(), &err);
	rc = api_care_commit(s, rc);
	if (rc != CARE_OK) {
		api_care_fail(x, rc, &err, NULL, "person", rc == CARE_NOCALL ?
		    w->w_id : pid);
		return;
	}
	api_reply(x, 200, json_pack("{sIsI}", "call_id", (json_int_t)w->w_id,
	    "person_id", (json_int_t)pid));
}

/* POST /v1/calls/{id}/care-link {"person_id": N} */
void
api_care_link(struct ctx *x, int64_t id)
{
	struct write	*w;
	json_t		*v;

	if (api_query_check(x, (const char *const []){ NULL }) == -1 ||
	    (w = api_write_new(x)) == NULL)
		return;
	if (api_care_body(x, w) == -1) {
		api_write_free(w);
		return;
	}
	v = json_object_get(w->w_body, "person_id");
	if (json_object_size(w->w_body) != 1 || !json_is_integer(v) ||
	    json_integer_value(v) < 1) {
		api_error(x, 400, v == NULL ? "missing_field" : "invalid_field",
		    "person_id", "the body is {\"person_id\": N}, N a person's "
		    "id");
		api_write_free(w);
		return;
	}
	w->w_id = id;
	w->w_run = api_care_link_run;
	api_write_queue(x, w);
}

/*
 * What a call's reader may know of the register: the person it is
 * linked to and their liaison ("care"), or the person whose phone the
 * caller's keyed hash matches ("care_proposed"). Nothing else of them.
 */
void
api_care_of_call(struct ctx *x, const struct call *c, json_t *o)
{
	struct store	*s = x->x_api->a_store;
	json_t		*p;

	if (store_care_link_of_call(s, c->c_id, &p) == STORE_OK) {
		json_object_set_new(o, "care", json_pack("{sOsO}", "person_id",
		    json_object_get(p, "id"), "liaison", json_object_get(p,
		    "liaison")));
		json_decref(p);
		return;
	}
	if (c->c_caller_hash != NULL && store_care_person_by_hash(s,
	    c->c_caller_hash, &p) == STORE_OK) {
		json_object_set_new(o, "care_proposed", json_pack("{sOsO}",
		    "person_id", json_object_get(p, "id"), "liaison",
		    json_object_get(p, "liaison")));
		json_decref(p);
	}
}
