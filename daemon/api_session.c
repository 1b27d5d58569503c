/*
 * /v1/session: signing in to the browser console with a name and a
 * password, the current session, and signing out. A session is a cookie
 * (HttpOnly, SameSite=Strict; Secure on TLS) naming a row of session.c;
 * with it every /v1 endpoint answers as that user's token would. Signing
 * in and out is audited; a failed sign-in counts towards the peer's
 * failed-authentication block like a bad token. The password is checked
 * on a thread of its own (api_signin.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <openssl/crypto.h>

#include "api.h"

/* Whether a password may come over this connection: never in clear
 * text from a peer off the loopback (the rule hotline keeps for tokens). */
static int
api_session_transport_ok(const struct ctx *x)
{
	const char	*p = x->x_id.id_peer;

	return x->x_id.id_unix || listener_is_tls(x->x_l) ||
	    strncmp(p, "127.", 4) == 0 || strncmp(p, "[::1]", 5) == 0;
}

/* The identity signing in, for its audit row: x's peer, op's name. */
static void
api_session_who(const struct ctx *x, const struct operator *op,
    struct identity *id)
{
	*id = x->x_id;
	snprintf(id->id_buf, sizeof(id->id_buf), "%s", op->op_name);
	id->id_name = id->id_buf;
	id->id_role = op->op_role;
}

static json_t *
api_session_json(const struct identity *id)
{
	return json_pack("{s:s, s:s, s:s}", "name", id->id_name, "role",
	    config_role_name(id->id_role), "via", id->id_unix ? "unix" :
	    "tcp");
}

/* The batch that stored a new session failed: it never was. */
static void
api_session_undo(void *arg, int ok, const char *why)
{
	(void)why;
	if (!ok)
		session_forget(arg);
	free(arg);
}

/* In the batch: the new session and its audit row, then the cookie. */
static void
api_session_open_run(struct write *w)
{
	struct ctx		*x = &w->w_x;
	struct store		*st = x->x_api->a_store;
	const struct operator	*op;
	struct identity		 id;
	unsigned char		*sha;
	char			 cookie[SESSION_COOKIE_LEN + 1], hdr[160];
	int			 rc;

	if ((op = config_op_by_name(x->x_api->a_cf, x->x_id.id_name)) ==
	    NULL || (sha = malloc(SHA256_LEN)) == NULL) {
		api_error(x, 503, "internal", NULL, "the user is gone, or out "
		    "of memory: sign in again");
		return;
	}
	api_session_who(x, op, &id);
	if ((rc = store_request_begin(st)) == STORE_OK) {
		rc = session_open(op, clock_now(), cookie, sha);
		if (rc == STORE_OK)
			rc = audit_record(&id, "auth.signin", 0, 0,
			    listener_is_tls(x->x_l) ? "via tls" : "via tcp");
		rc = store_request_end(st, rc);
	}
	if (rc != STORE_OK || batch_after(x->x_api->a_batch,
	    api_session_undo, sha) == -1) {
		if (rc == STORE_OK)
			session_forget(sha);
		free(sha);
		OPENSSL_cleanse(cookie, sizeof(cookie));
		api_store_error(x, "open the session");
		return;
	}
	snprintf(hdr, sizeof(hdr), "%s=%s; Path=/; HttpOnly; SameSite=Strict%s",
	    SESSION_COOKIE, cookie, listener_is_tls(x->x_l) ? "; Secure" : "");
	OPENSSL_cleanse(cookie, sizeof(cookie));
	evhttp_add_header(evhttp_request_get_output_headers(x->x_req),
	    "Set-Cookie", hdr);
	OPENSSL_cleanse(hdr, sizeof(hdr));
	api_reply(x, 200, api_session_json(&id));
}

/*
 * The password was checked (api_signin.c) against hash, the user's as
 * it was when the request came: unless a reload has since removed the
 * user or changed the password, the session is stored by the batch.
 */
static void
api_session_checked(struct ctx *x, const char *peer, const char *name,
    const char *hash, int ok)
{
	const struct operator	*op;
	struct write		*w;

	op = config_op_by_name(x->x_api->a_cf, name);
	if (ok && (op == NULL || op->op_password == NULL || hash == NULL ||
	    strcmp(op->op_password, hash) != 0))
		ok = 0;
	if (!ok) {
		api_auth_failed(x->x_api, x, peer);
		api_audit_authfail(x);
		api_error(x, 401, "unauthorized", NULL, "wrong name or "
		    "password");
		return;
	}
	if ((w = api_write_new(x)) == NULL)
		return;
	snprintf(x->x_id.id_buf, sizeof(x->x_id.id_buf), "%s", op->op_name);
	x->x_id.id_name = x->x_id.id_buf;
	x->x_id.id_role = op->op_role;
	w->w_run = api_session_open_run;
	api_write_queue(x, w);
}

/*
 * POST /v1/session {"name", "password"}: the password is checked off
 * the loop (yescrypt: tens of milliseconds), the session stored by the
 * batch.
 */
void
api_session_post(struct ctx *x, const char *peer)
{
	const struct operator	*op;
	json_t			*body;
	const char		*name, *pw;

	if (!api_session_transport_ok(x)) {
		api_error(x, 403, "insecure_transport", NULL, "a password is "
		    "taken only over TLS or from this machine");
		return;
	}
	if ((body = api_body(x)) == NULL)
		return;
	if (json_unpack(body, "{s:s, s:s}", "name", &name, "password",
	    &pw) == -1) {
		json_decref(body);
		api_error(x, 400, "missing_field", NULL, "name and password "
		    "are required, as strings");
		return;
	}
	op = config_op_by_name(x->x_api->a_cf, name);
	api_signin_queue(x, peer, name, pw, op != NULL ? op->op_password :
	    NULL, api_session_checked);
	json_decref(body);
}

/* GET /v1/session: who the cookie (or token) says is asking. */
void
api_session_get(struct ctx *x)
{
	api_reply(x, 200, api_session_json(&x->x_id));
}

/* In the batch: the session gone, and the audit row that says so. */
static void
api_session_close_run(struct write *w)
{
	struct ctx	*x = &w->w_x;
	struct store	*st = x->x_api->a_store;
	int		 rc;

	if ((rc = store_request_begin(st)) == STORE_OK) {
		rc = session_close(x->x_sha);
		if (rc == STORE_OK)
			rc = audit_record(&x->x_id, "auth.signout", 0, 0,
			    NULL);
		rc = store_request_end(st, rc);
	}
	if (rc != STORE_OK) {
		api_store_error(x, "end the session");
		return;
	}
	evhttp_add_header(evhttp_request_get_output_headers(x->x_req),
	    "Set-Cookie", SESSION_COOKIE "=; Path=/; HttpOnly; "
	    "SameSite=Strict; Max-Age=0");
	api_reply(x, 204, NULL);
}

/* DELETE /v1/session: sign out (a token has no session to end). */
void
api_session_delete(struct ctx *x)
{
	struct write	*w;

	if (!x->x_cookie) {
		api_error(x, 400, "no_session", NULL, "this request carries "
		    "no console session to end");
		return;
	}
	if ((w = api_write_new(x)) == NULL)
		return;
	w->w_run = api_session_close_run;
	api_write_queue(x, w);
}

/*
 * The session a request's cookie names, if any: 1 found (x's identity
 * set), 0 no cookie, -1 a cookie naming no live session.
 */
int
api_session_cookie(struct ctx *x)
{
	const char	*c, *v;
	char		 val[SESSION_COOKIE_LEN + 1];
	size_t		 n, klen = strlen(SESSION_COOKIE);

	c = evhttp_find_header(evhttp_request_get_input_headers(x->x_req),
	    "Cookie");
	for (v = c; v != NULL && *v != '\0'; v += strcspn(v, ";")) {
		v += strspn(v, "; ");
		if (strncmp(v, SESSION_COOKIE, klen) != 0 || v[klen] != '=')
			continue;
		v += klen + 1;
		if ((n = strcspn(v, "; ")) != SESSION_COOKIE_LEN)
			return -1;
		memcpy(val, v, n);
		val[n] = '\0';
		if (session_find(val, clock_now(), x->x_api->a_cf, &x->x_id,
		    x->x_sha) == -1)
			return -1;
		x->x_cookie = 1;
		return 1;
	}
	return 0;
}

/*
 * A request that changes something on a session's behalf must come from
 * the console's own page: its Origin is this listener's scheme and Host.
 * 0, or -1 when it must be refused (403).
 */
int
api_session_origin_ok(struct ctx *x)
{
	struct evkeyvalq	*h = evhttp_request_get_input_headers(x->x_req);
	const char		*origin = evhttp_find_header(h, "Origin");
	const char		*host = evhttp_find_header(h, "Host");
	char			 want[300];

	if (origin == NULL || host == NULL)
		return -1;
	snprintf(want, sizeof(want), "%s://%s", listener_is_tls(x->x_l) ?
	    "https" : "http", host);
	return strcmp(origin, want) == 0 ? 0 : -1;
}

/*
 * Whether a TCP request carries no credentials at all: no token and no
 * session cookie (the sign-in page asking whether it is signed in).
 */
int
api_session_none(struct ctx *x)
{
	struct evkeyvalq	*h = evhttp_request_get_input_headers(x->x_req);
	const char		*c = evhttp_find_header(h, "Cookie");

	return !x->x_id.id_unix && evhttp_find_header(h, "Authorization") ==
	    NULL && (c == NULL || strstr(c, SESSION_COOKIE "=") == NULL);
}
