/*
 * /v1/calls: log a call (idempotent with its key), list, read and amend
 * calls. A read or list that shows personal fields is answered only once
 * its audit rows have committed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "api.h"

#define API_IDEM_MAX	128

/*
 * Which roles may amend which fields of a call (PATCH), after the route's
 * check: a legal hold is the supervisors' and admins' to set or clear,
 * and a supervisor amends nothing else.
 */
static const struct patch_role {
	const char	*pr_field;	/* NULL: every other field */
	int		 pr_roles;
} patch_roles[] = {
	{ "legal_hold", R_SUPERVISOR | R_ADMIN },
	{ NULL, R_OPERATOR | R_ADMIN },
};

static void	api_post_run(struct write *w);
static void	api_patch_run(struct write *w);

static void
api_call_error(struct ctx *x, const struct call_error *err)
{
	if (strcmp(err->ce_kind, "internal") == 0) {
		log_warnx("%s: %s", __func__, err->ce_msg);
		api_error(x, 503, "internal", NULL, "%s", err->ce_msg);
		return;
	}
	if (strcmp(err->ce_kind, "erased") == 0) {
		api_error(x, 409, err->ce_kind, err->ce_field, "%s",
		    err->ce_msg);
		return;
	}
	/* Well formed, but the config asks more of a call at this risk. */
	if (strcmp(err->ce_kind, "required_field") == 0) {
		api_error(x, 422, err->ce_kind, err->ce_field, "%s",
		    err->ce_msg);
		return;
	}
	api_error(x, 400, err->ce_kind, err->ce_field, "%s", err->ce_msg);
}

/* The SHA-256 of the body in canonical form: what the key promised. */
static int
api_fingerprint(json_t *body, char *out)
{
	unsigned char	 sha[SHA256_LEN];
	char		*s;
	int		 rc;

	if ((s = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		return -1;
	rc = digest_sha256(s, strlen(s), sha);
	free(s);
	digest_hex_encode(sha, sizeof(sha), out);
	return rc;
}

static int
api_idem_key_ok(const char *k)
{
	size_t	 n = strlen(k);

	if (n == 0 || n > API_IDEM_MAX)
		return 0;
	for (; *k != '\0'; k++)
		if (*k < 0x21 || *k > 0x7e)
			return 0;
	return 1;
}

/* A retry of a keyed POST: the stored record, or 409 if the body differs. */
static int
api_idem_replay(struct ctx *x, const char *key, const char *fp)
{
	struct call	 c;
	char		 stored[2 * SHA256_LEN + 1];
	int		 rc;

	call_init(&c);
	rc = store_call_by_key(x->x_api->a_store, x->x_id.id_name, key, &c,
	    stored, sizeof(stored));
	if (rc == STORE_NOTFOUND)
		return 0;
	if (rc != STORE_OK)
		api_store_error(x, "look up the Idempotency-Key");
	else if (strcmp(stored, fp) != 0)
		api_error(x, 409, "idempotency_conflict", "Idempotency-Key",
		    "this Idempotency-Key was used for call %lld with a "
		    "different body", (long long)c.c_id);
	else
		api_reply(x, 200, api_call_json(x, &c));
	call_free(&c);
	return 1;
}

void
api_calls_post(struct ctx *x)
{
	struct call_error	 err;
	struct write		*w;
	const char		*key;

	key = evhttp_find_header(evhttp_request_get_input_headers(x->x_req),
	    "Idempotency-Key");
	if (key != NULL && !api_idem_key_ok(key)) {
		api_error(x, 400, "invalid_parameter", "Idempotency-Key",
		    "Idempotency-Key must be 1 to %d printable ASCII "
		    "characters", API_IDEM_MAX);
		return;
	}
	if ((w = calloc(1, sizeof(*w))) == NULL) {
		api_error(x, 503, "internal", NULL, "out of memory");
		return;
	}
	call_init(&w->w_call);
	if ((w->w_body = api_body(x)) == NULL)
		goto fail;
	if (call_from_json(&w->w_call, w->w_body, x->x_api->a_cf,
	    clock_now(), &err) == -1 || crisis_required(x->x_api->a_cf,
	    w->w_call.c_risk, w->w_call.c_crisis, &err) == -1) {
		api_call_error(x, &err);
		goto fail;
	}
	if (api_pbx_join(x, w->w_body, &w->w_call) == -1)
		goto fail;
	/* Only a keyed request can be replayed: only it needs a fingerprint. */
	if ((w->w_call.c_operator = strdup(x->x_id.id_name)) == NULL ||
	    (key != NULL && ((w->w_key = strdup(key)) == NULL ||
	    api_fingerprint(w->w_body, w->w_fp) == -1))) {
		api_error(x, 503, "internal", NULL, "out of memory");
		goto fail;
	}
	w->w_run = api_post_run;
	api_write_queue(x, w);
	return;
fail:
	api_write_free(w);
}

/*
 * Give a stored call the queue items routing says it needs, and the
 * follow-up plan it matches, when it has none yet.
 */
static int
api_route_call(struct ctx *x, const struct call *c)
{
	struct queue_item	 v[2 + PLAN_MAX_STEPS];
	size_t			 n, k = 0, i;
	int			 rc;

	rc = queue_route(c, x->x_id.id_name, v, &n);
	if (rc == STORE_OK)
		rc = plan_start(x->x_api->a_store, x->x_api->a_cf, c,
		    x->x_id.id_name, v + n, &k);
	for (i = 0; i < n + k; i++)
		store_item_free(&v[i]);
	return rc;
}

/* In the pump: a retry's stored record, or the new call stored. */
static void
api_post_run(struct write *w)
{
	struct ctx		*x = &w->w_x;
	struct store		*st = x->x_api->a_store;
	struct queue_item	 v[2 + PLAN_MAX_STEPS];
	size_t			 n = 0, k = 0, i;
	char			 loc[64];
	int			 rc;

	if (w->w_key != NULL && api_idem_replay(x, w->w_key, w->w_fp))
		return;
	/*
	 * The call, its queue items and its statistics: kept or undone
	 * together. What was just written is used as it is, not read back.
	 */
	if ((rc = store_request_begin(st)) == STORE_OK) {
		rc = store_call_insert(st, &w->w_call, w->w_key,
		    w->w_key != NULL ? w->w_fp : NULL);
		if (rc == STORE_OK)
			rc = api_pbx_link(x, &w->w_call);
		if (rc == STORE_OK)
			rc = queue_route(&w->w_call, x->x_id.id_name, v, &n);
		if (rc == STORE_OK)
			rc = plan_start(st, x->x_api->a_cf, &w->w_call,
			    x->x_id.id_name, v + n, &k);
		n += k;
		if (rc == STORE_OK)
			rc = stats_rollup_add(st, x->x_api->a_cf, &w->w_call,
			    v, n, 1);
		rc = store_request_end(st, rc);
	}
	if (rc != STORE_OK) {
		for (i = 0; i < n; i++)
			store_item_free(&v[i]);
		if (rc == STORE_CONFLICT)
			api_error(x, 409, "conflict", "pbx_call_id", "the phone "
			    "call was logged by another request meanwhile");
		else
			api_store_error(x, "store the call");
		return;
	}
	status_call_stored(&w->w_call);
	if (crisis_pending(w->w_call.c_crisis))
		handover_emergency_changed();
	snprintf(loc, sizeof(loc), "/v1/calls/%lld",
	    (long long)w->w_call.c_id);
	evhttp_add_header(evhttp_request_get_output_headers(x->x_req),
	    "Location", loc);
	api_reply(x, 201, api_call_json_items(x, &w->w_call, v, n));
	for (i = 0; i < n; i++)
		store_item_free(&v[i]);
}

void
api_calls_list(struct ctx *x)
{
	struct call_filter	 f;
	struct read_set		 rs = { NULL, 0, 0, 0 };
	struct call		*v = NULL;
	size_t			 n = 0, i;
	json_t			*arr, *o;
	int			 more;

	if (api_list_filter(x, &f) == -1)
		goto done;
	f.f_limit++;	/* one more tells whether there is a next page */
	if (store_call_list(x->x_api->a_store, &f, &v, &n) != STORE_OK) {
		api_store_error(x, "list calls");
		goto done;
	}
	more = n == (size_t)f.f_limit;
	arr = json_array();
	for (i = 0; i < n && i < (size_t)f.f_limit - 1; i++) {
		json_array_append_new(arr, api_call_json(x, &v[i]));
		api_read_note(x, &rs, &v[i], api_show_flags(x, &v[i]), 0);
	}
	o = json_pack("{s:o, s:o}", "calls", arr, "next_cursor", more ?
	    api_cursor_json(&v[n - 2]) : json_null());
	api_reply_list(x, &rs, "calls", o);
done:
	for (i = 0; i < n; i++)
		call_free(&v[i]);
	free(v);
	api_strv_free(f.f_lines, f.f_nlines);
	api_strv_free(f.f_risks, f.f_nrisks);
	api_strv_free(f.f_ops, f.f_nops);
}

/* Redact personal fields inside each history entry's changes. */
static void
api_history_redact(json_t *hist)
{
	static const char *const personal[] = { "notes", "caller_name",
	    "caller_contact", "safety_plan" };
	json_t	*e, *ch;
	size_t	 i, k;

	json_array_foreach(hist, i, e) {
		ch = json_object_get(e, "changes");
		for (k = 0; k < sizeof(personal) / sizeof(personal[0]); k++)
			if (json_object_get(ch, personal[k]) != NULL)
				json_object_set_new(ch, personal[k],
				    json_string("(redacted)"));
	}
}

/*
 * Answer o, a single call (call_id) that x read, maybe through item_id.
 * Anyone but the call's operator leaves a row in the audit trail first:
 * the answer waits for the pump to commit it, and a read whose row
 * cannot be written is refused (503), never shown unaudited.
 */
void
api_reply_read(struct ctx *x, const char *operator, int64_t call_id,
    int64_t item_id, json_t *o)
{
	struct write	*w;

	if (operator != NULL && strcmp(operator, x->x_id.id_name) == 0) {
		api_reply(x, 200, o);
		return;
	}
	if ((w = calloc(1, sizeof(*w))) == NULL) {
		json_decref(o);
		api_error(x, 503, "internal", NULL, "out of memory");
		return;
	}
	if ((w->w_refs = calloc(1, sizeof(*w->w_refs))) == NULL) {
		free(w);
		json_decref(o);
		api_error(x, 503, "internal", NULL, "out of memory");
		return;
	}
	call_init(&w->w_call);
	w->w_body = o;
	w->w_refs[0].rr_call = call_id;
	w->w_refs[0].rr_item = item_id;
	w->w_nrefs = 1;
	w->w_action = "call.read";
	w->w_run = api_read_run;
	api_write_queue(x, w);
}

/*
 * Call c is in a list x asked for, shown with flags (through item, or
 * 0): a row for the audit trail when its personal fields are shown to
 * anyone but its operator.
 */
void
api_read_note(struct ctx *x, struct read_set *rs, const struct call *c,
    int flags, int64_t item)
{
	struct read_ref	*v;
	size_t		 cap;

	if (!(flags & CALL_SHOW_PERSONAL) ||
	    strcmp(c->c_operator, x->x_id.id_name) == 0 || rs->rs_oom)
		return;
	if (rs->rs_n == rs->rs_cap) {
		cap = rs->rs_cap == 0 ? 16 : rs->rs_cap * 2;
		if ((v = reallocarray(rs->rs_v, cap, sizeof(*v))) == NULL) {
			rs->rs_oom = 1;
			return;
		}
		rs->rs_v = v;
		rs->rs_cap = cap;
	}
	rs->rs_v[rs->rs_n].rr_call = c->c_id;
	rs->rs_v[rs->rs_n++].rr_item = item;
}

/*
 * Answer o, a list (detail: which) showing the calls of rs with their
 * personal fields: one "call.list" row each first, committed before the
 * answer, as for a single read; a list whose rows cannot be written is
 * refused (503), never shown unaudited. Takes rs's array.
 */
void
api_reply_list(struct ctx *x, struct read_set *rs, const char *detail,
    json_t *o)
{
	struct write	*w;

	if (rs->rs_n == 0 && !rs->rs_oom) {
		api_reply(x, 200, o);
		return;
	}
	if (rs->rs_oom || (w = calloc(1, sizeof(*w))) == NULL) {
		free(rs->rs_v);
		json_decref(o);
		api_error(x, 503, "internal", NULL, "out of memory");
		return;
	}
	call_init(&w->w_call);
	w->w_body = o;
	w->w_refs = rs->rs_v;
	w->w_nrefs = rs->rs_n;
	snprintf(w->w_detail, sizeof(w->w_detail), "%s", detail);
	w->w_action = "call.list";
	w->w_run = api_read_run;
	api_write_queue(x, w);
}

/*
 * In the pump: a read's audit rows (one call, or each call a list showed
 * with its personal fields), then its answer after the commit.
 */
void
api_read_run(struct write *w)
{
	struct ctx	*x = &w->w_x;
	struct store	*st = x->x_api->a_store;
	json_t		*o = w->w_body;
	size_t		 i;
	int		 rc;

	w->w_body = NULL;
	if ((rc = store_request_begin(st)) == STORE_OK) {
		for (i = 0; i < w->w_nrefs && rc == STORE_OK; i++)
			rc = audit_record(&x->x_id, w->w_action,
			    w->w_refs[i].rr_call, w->w_refs[i].rr_item,
			    w->w_detail[0] != '\0' ? w->w_detail : NULL);
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

/* The names of the changed fields, "risk,notes": never their values. */
static char *
api_changed_names(json_t *changes)
{
	const char	*k;
	json_t		*v;
	char		*out = NULL, *p;
	size_t		 len = 1;

	json_object_foreach(changes, k, v)
		len += strlen(k) + 1;
	if ((out = calloc(1, len)) == NULL)
		return NULL;
	p = out;
	json_object_foreach(changes, k, v)
		p += sprintf(p, "%s%s", p == out ? "" : ",", k);
	return out;
}

/* In the pump's request: the amendment's audit row. */
static int
api_amend_audit(struct ctx *x, int64_t id, json_t *changes)
{
	char	*names;
	int	 rc;

	if ((names = api_changed_names(changes)) == NULL)
		return STORE_ERR;
	rc = audit_record(&x->x_id, "call.amend", id, 0, names);
	free(names);
	return rc;
}

/* Load call id for x: 0, or an error answered and -1. */
static int
api_load_call(struct ctx *x, int64_t id, struct call *c)
{
	int	 rc;

	rc = store_call_get(x->x_api->a_store, id, c);
	if (rc == STORE_NOTFOUND) {
		api_error(x, 404, "not_found", "id", "no call %lld",
		    (long long)id);
		return -1;
	}
	if (rc != STORE_OK) {
		api_store_error(x, "read the call");
		return -1;
	}
	if (x->x_id.id_role == ROLE_OPERATOR &&
	    strcmp(c->c_operator, x->x_id.id_name) != 0) {
		api_error(x, 403, "forbidden", "id", "call %lld was logged by "
		    "another operator", (long long)id);
		return -1;
	}
	return 0;
}

void
api_call_get(struct ctx *x, int64_t id)
{
	struct call	 c;
	json_t		*o, *hist;
	int		 flags;

	call_init(&c);
	if (api_load_call(x, id, &c) == -1)
		goto done;
	if ((hist = store_call_history(x->x_api->a_store, id)) == NULL) {
		api_store_error(x, "read the call's history");
		goto done;
	}
	flags = api_show_flags(x, &c);
	if (!(flags & CALL_SHOW_PERSONAL))
		api_history_redact(hist);
	o = api_call_json(x, &c);
	json_object_set_new(o, "history", hist);
	api_care_of_call(x, &c, o);
	api_reply_read(x, c.c_operator, id, 0, o);
done:
	call_free(&c);
}

/* If-Match: "N" (quotes optional); -1 when absent, -2 when malformed. */
static long long
api_if_match(struct ctx *x)
{
	const char	*v;
	char		*end;
	long long	 n;

	v = evhttp_find_header(evhttp_request_get_input_headers(x->x_req),
	    "If-Match");
	if (v == NULL)
		return -1;
	if (*v == '"')
		v++;
	errno = 0;
	n = strtoll(v, &end, 10);
	if (end == v || errno != 0 || n < 1 ||
	    !(*end == '\0' || (end[0] == '"' && end[1] == '\0')))
		return -2;
	return n;
}

/* Whether x's role may amend every field in body; -1: answered 403. */
static int
api_patch_roles(struct ctx *x, json_t *body)
{
	const struct patch_role	*pr;
	const char		*k;
	json_t			*v;

	if (!json_is_object(body))
		return 0;	/* call_patch says what is wrong */
	json_object_foreach(body, k, v) {
		for (pr = patch_roles; pr->pr_field != NULL; pr++)
			if (strcmp(pr->pr_field, k) == 0)
				break;
		if (pr->pr_roles & (1 << x->x_id.id_role))
			continue;
		api_error(x, 403, "forbidden", k, "role %s may not amend %.64s",
		    config_role_name(x->x_id.id_role), k);
		return -1;
	}
	return 0;
}

void
api_call_patch(struct ctx *x, int64_t id)
{
	struct write	*w;
	long long	 want;

	if ((want = api_if_match(x)) == -2) {
		api_error(x, 400, "invalid_parameter", "If-Match",
		    "If-Match must be a version, such as \"3\"");
		return;
	}
	if ((w = calloc(1, sizeof(*w))) == NULL) {
		api_error(x, 503, "internal", NULL, "out of memory");
		return;
	}
	call_init(&w->w_call);
	if ((w->w_body = api_body(x)) == NULL ||
	    api_patch_roles(x, w->w_body) == -1) {
		api_write_free(w);
		return;
	}
	w->w_id = id;
	w->w_want = want;
	w->w_run = api_patch_run;
	api_write_queue(x, w);
}

/* In the pump already: a read's audit row, then its answer. */
static void
api_read_now(struct ctx *x, int64_t call_id, json_t *o)
{
	struct write	 w;
	struct read_ref	 ref = { call_id, 0 };

	memset(&w, 0, sizeof(w));
	w.w_x = *x;
	w.w_body = o;
	w.w_refs = &ref;
	w.w_nrefs = 1;
	w.w_action = "call.read";
	api_read_run(&w);
}

/* In the pump: merge, validate and store an amendment with its history. */
static void
api_patch_run(struct write *w)
{
	struct ctx		*x = &w->w_x;
	struct api		*a = x->x_api;
	struct call		 old, new;
	struct call_error	 err;
	json_t			*changes = NULL;
	int			 rc;

	call_init(&old);
	call_init(&new);
	if (api_load_call(x, w->w_id, &old) == -1)
		goto done;
	if (w->w_want != -1 && w->w_want != old.c_version) {
		api_error(x, 412, "version_mismatch", "If-Match", "call %lld "
		    "is at version %lld, not %lld", (long long)w->w_id,
		    (long long)old.c_version, w->w_want);
		goto done;
	}
	if (call_patch(&old, w->w_body, a->a_cf, &new, &changes,
	    &err) == -1 || crisis_required_patch(a->a_cf, &new, changes,
	    &err) == -1) {
		api_call_error(x, &err);
		goto done;
	}
	if (json_object_size(changes) == 0) {
		/* Nothing changed: the answer is a read of the call. */
		if (strcmp(old.c_operator, x->x_id.id_name) == 0)
			api_reply(x, 200, api_call_json(x, &old));
		else
			api_read_now(x, w->w_id, api_call_json(x, &old));
		goto done;
	}
	/* The statistics move with the call: out before, in after. */
	if ((rc = store_request_begin(a->a_store)) == STORE_OK) {
		rc = stats_rollup_call(a->a_store, a->a_cf, w->w_id, -1);
		if (rc == STORE_OK)
			rc = store_call_update(a->a_store, &new,
			    x->x_id.id_name, changes);
		call_free(&new);
		call_init(&new);
		if (rc == STORE_OK)
			rc = store_call_get(a->a_store, w->w_id, &new);
		/* A hold changes nothing routing reads: no new follow-up. */
		if (rc == STORE_OK && !(json_object_size(changes) == 1 &&
		    json_object_get(changes, "legal_hold") != NULL))
			rc = api_route_call(x, &new);
		if (rc == STORE_OK)
			rc = stats_rollup_call(a->a_store, a->a_cf, w->w_id, 1);
		if (rc == STORE_OK)
			rc = api_amend_audit(x, w->w_id, changes);
		if (json_object_get(changes, "emergency") != NULL)
			handover_emergency_changed();
		rc = store_request_end(a->a_store, rc);
	}
	if (rc == STORE_CONFLICT) {
		api_error(x, 412, "version_mismatch", NULL, "call %lld changed "
		    "meanwhile", (long long)w->w_id);
		goto done;
	}
	if (rc != STORE_OK) {
		api_store_error(x, "amend the call");
		goto done;
	}
	status_call_amended(&old, &new);
	api_reply(x, 200, api_call_json(x, &new));
done:
	json_decref(changes);
	call_free(&old);
	call_free(&new);
}
