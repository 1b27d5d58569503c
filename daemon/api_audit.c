/*
 * The audit trail through the API: GET /v1/audit for admins, and the
 * rows of failed authentications, written with each loop turn's writes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <openssl/evp.h>

#include "api.h"

/*
 * A request was answered 401: note its peer and transport for the audit
 * trail (never the token, nor any part of it). The pump writes them with
 * the loop turn's other writes; see struct auth_fail.
 */
void
api_audit_authfail(struct ctx *x)
{
	struct api		*a = x->x_api;
	struct auth_fail	*f;
	struct write		*w;
	struct ctx		 anon;
	size_t			 i;

	for (i = 0; i < a->a_nfails; i++) {
		f = &a->a_fails[i];
		if (f->af_unix == x->x_id.id_unix &&
		    strcmp(f->af_peer, x->x_id.id_peer) == 0) {
			f->af_n++;
			return;
		}
	}
	if (a->a_fails == NULL && (a->a_fails = calloc(API_FAILS_MAX,
	    sizeof(*a->a_fails))) == NULL) {
		log_warnx("%s: out of memory: a failed authentication from "
		    "%s is not in the audit trail", __func__, x->x_id.id_peer);
		return;
	}
	if (a->a_nfails == API_FAILS_MAX) {
		a->a_fails_more++;
		return;
	}
	f = &a->a_fails[a->a_nfails];
	snprintf(f->af_peer, sizeof(f->af_peer), "%s", x->x_id.id_peer);
	f->af_unix = x->x_id.id_unix;
	f->af_n = 1;
	if (a->a_nfails++ > 0)
		return;		/* the pump's write is queued already */
	/* Not api_write_new: its error would be a second answer. */
	if ((w = calloc(1, sizeof(*w))) == NULL) {
		a->a_nfails = 0;
		return;
	}
	call_init(&w->w_call);
	anon = *x;
	anon.x_id.id_name = "-";
	api_write_queue(&anon, w);
	w->w_x.x_req = NULL;	/* answered already */
	w->w_job.bj_owner = NULL;
	w->w_run = api_fails_run;
}

/* In the pump: one audit row per peer that failed to authenticate. */
void
api_fails_run(struct write *w)
{
	struct api		*a = w->w_x.x_api;
	struct identity		 id;
	struct auth_fail	*f;
	char			 detail[96];
	size_t			 i;
	int			 rc;

	memset(&id, 0, sizeof(id));
	id.id_role = ROLE_NONE;
	if ((rc = store_request_begin(a->a_store)) == STORE_OK) {
		for (i = 0; i < a->a_nfails && rc == STORE_OK; i++) {
			f = &a->a_fails[i];
			snprintf(id.id_peer, sizeof(id.id_peer), "%s",
			    f->af_peer);
			id.id_unix = f->af_unix;
			if (f->af_n > 1)
				snprintf(detail, sizeof(detail), "via %s, %llu "
				    "attempts", f->af_unix ? "unix" : "tcp",
				    (unsigned long long)f->af_n);
			else
				snprintf(detail, sizeof(detail), "via %s",
				    f->af_unix ? "unix" : "tcp");
			rc = audit_record(&id, "auth.fail", 0, 0, detail);
		}
		if (rc == STORE_OK && a->a_fails_more > 0) {
			snprintf(id.id_peer, sizeof(id.id_peer), "-");
			snprintf(detail, sizeof(detail), "%llu more attempts "
			    "from other peers at the same time",
			    (unsigned long long)a->a_fails_more);
			rc = audit_record(&id, "auth.fail", 0, 0, detail);
		}
		rc = store_request_end(a->a_store, rc);
	}
	if (rc != STORE_OK)
		log_warnx("%zu failed authentications not in the audit "
		    "trail: %s", a->a_nfails, store_errmsg(a->a_store));
	a->a_nfails = 0;
	a->a_fails_more = 0;
}

static void
api_audit_row(const struct audit_entry *e, void *arg)
{
	json_array_append_new(arg, audit_entry_json(e));
}

/* The cursor of GET /v1/audit: the last id shown, in base64. */
static int
api_audit_cursor(struct ctx *x, int64_t *before)
{
	const char	*v = evhttp_find_header(&x->x_query, "cursor");
	unsigned char	 buf[64];
	long long	 id;
	char		 tail;
	size_t		 len;

	*before = 0;
	if (v == NULL)
		return 0;
	len = strlen(v);
	if (len == 0 || len > 32 || len % 4 != 0 ||
	    EVP_DecodeBlock(buf, (const unsigned char *)v, (int)len) < 0)
		goto bad;
	buf[len * 3 / 4] = '\0';
	if (sscanf((char *)buf, "a%lld%c", &id, &tail) != 1 || id < 1)
		goto bad;
	*before = id;
	return 0;
bad:
	api_error(x, 400, "invalid_parameter", "cursor", "cursor is not one "
	    "this server gave out");
	return -1;
}

static json_t *
api_audit_cursor_json(int64_t id)
{
	char		 plain[32];
	unsigned char	 enc[48];
	int		 n;

	n = snprintf(plain, sizeof(plain), "a%lld", (long long)id);
	EVP_EncodeBlock(enc, (const unsigned char *)plain, n);
	return json_string((char *)enc);
}

/* The filter of GET /v1/audit from its query; -1: answered. */
static int
api_audit_filter(struct ctx *x, struct audit_filter *f)
{
	static const char *const known[] = { "since", "until", "action",
	    "who", "limit", "cursor", NULL };

	memset(f, 0, sizeof(*f));
	if (api_query_check(x, known) == -1 ||
	    api_time_param(x, "since", 0, &f->af_since) == -1 ||
	    api_time_param(x, "until", 1, &f->af_until) == -1 ||
	    api_limit_param(x, &f->af_limit) == -1 ||
	    api_audit_cursor(x, &f->af_before) == -1)
		return -1;
	if (f->af_since != 0 && f->af_until != 0 &&
	    f->af_since >= f->af_until) {
		api_error(x, 400, "invalid_parameter", "until", "until must "
		    "be after since");
		return -1;
	}
	f->af_action = evhttp_find_header(&x->x_query, "action");
	if (f->af_action != NULL && !audit_action_known(f->af_action)) {
		api_error(x, 400, "invalid_parameter", "action", "action: "
		    "unknown action \"%.64s\"", f->af_action);
		return -1;
	}
	f->af_who = evhttp_find_header(&x->x_query, "who");
	if (f->af_who != NULL && (*f->af_who == '\0' ||
	    strlen(f->af_who) > 64)) {
		api_error(x, 400, "invalid_parameter", "who", "who must be a "
		    "name of 1 to 64 characters");
		return -1;
	}
	return 0;
}

/* GET /v1/audit?since=&until=&action=&who=&limit=&cursor=: newest first. */
void
api_audit(struct ctx *x)
{
	struct audit_filter	 f;
	json_t			*o, *rows;
	long			 limit;

	if (api_audit_filter(x, &f) == -1)
		return;
	limit = f.af_limit;
	f.af_limit++;	/* one more tells whether there is a next page */
	rows = json_array();
	if (store_audit_list(x->x_api->a_store, &f, api_audit_row, rows) !=
	    STORE_OK) {
		json_decref(rows);
		api_store_error(x, "read the audit trail");
		return;
	}
	o = json_pack("{s:O, s:n}", "audit", rows, "next_cursor");
	if (json_array_size(rows) > (size_t)limit) {
		json_array_remove(rows, (size_t)limit);
		json_object_set_new(o, "next_cursor", api_audit_cursor_json(
		    json_integer_value(json_object_get(json_array_get(rows,
		    (size_t)limit - 1), "id"))));
	}
	json_decref(rows);
	api_reply(x, 200, o);
}
