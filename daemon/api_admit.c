/*
 * Admission: who asks, and whether they may ask now. A peer blocked for
 * failed authentications, an unknown requester (counted against its
 * peer, logged at the first failure of a window and at the block), a
 * known one over its rate: each is answered here, before any handler.
 */
#include <stdio.h>
#include <string.h>

#include <event2/bufferevent.h>
#include <event2/http.h>

#include "api.h"

/* 429 with Retry-After: wait seconds (>= 1). */
static void
api_too_many(struct ctx *x, long wait, const char *field, const char *why)
{
	char	 v[24];

	snprintf(v, sizeof(v), "%ld", wait < 1 ? 1 : wait);
	evhttp_add_header(evhttp_request_get_output_headers(x->x_req),
	    "Retry-After", v);
	api_error(x, 429, "too_many_requests", field, "%s; retry in %s s",
	    why, v);
}

/* The peer of the request (an address, "uid N"): the key of its limits. */
static void
api_peer(struct ctx *x, char *buf, size_t len)
{
	struct evhttp_connection	*evcon;
	struct bufferevent		*bev;

	if ((evcon = evhttp_request_get_connection(x->x_req)) == NULL ||
	    (bev = evhttp_connection_get_bufferevent(evcon)) == NULL ||
	    limit_peer(bufferevent_getfd(bev), buf, len) == -1)
		snprintf(buf, len, "unknown peer");
}

/*
 * A request from peer named no one known: count it against the peer.
 * The first failure of a window and the one that blocks the peer are
 * logged (LOG_AUTHPRIV), with the peer and never what was sent.
 */
void
api_auth_failed(struct api *a, struct ctx *x, const char *peer)
{
	const struct limits	*lim = &a->a_cf->cf_limits;

	switch (limit_fail(a->a_auth, peer, clock_mono_ms(),
	    lim->lim_auth_failures, lim->lim_auth_window_s,
	    lim->lim_auth_block_s)) {
	case LIMIT_FIRST:
		log_auth("authentication failed from %s (%s %.100s)", peer,
		    x->x_id.id_unix ? "Unix socket" : "TCP", x->x_path);
		break;
	case LIMIT_BLOCK:
		log_auth("%ld failed authentications from %s within %ld s: "
		    "refusing its requests (429) for %ld s",
		    lim->lim_auth_failures, peer, lim->lim_auth_window_s,
		    lim->lim_auth_block_s);
		break;
	case LIMIT_FULL:
		/* Every one is still audited; the log says so once a minute. */
		if (clock_mono_ms() - a->a_full_logged >= 60000) {
			a->a_full_logged = clock_mono_ms();
			log_auth("failed authentications from more than %d "
			    "peers at once (the latest from %s): new peers are "
			    "not counted towards a block until some rest",
			    API_LIMIT_KEYS, peer);
		}
		break;
	}
}

/*
 * Who asks, and whether they may ask now: a peer blocked for failed
 * authentications gets 429 whatever it sends; an unknown requester 401
 * (and a failure counted); a known one over its rate 429. Over TCP with
 * no token, a console session's cookie names the requester; a cookie
 * naming a session that has ended is 401 but no failure (an idle desk is
 * not an attack, and its id cannot be guessed). With anon (signing in)
 * only the block applies. 0 when the request may go on.
 */
int
api_admit(struct ctx *x, int anon, char *peer, size_t plen)
{
	struct api		*a = x->x_api;
	const struct limits	*lim = &a->a_cf->cf_limits;
	long			 wait;
	int			 rc = 0;

	api_peer(x, peer, plen);
	if ((wait = limit_blocked(a->a_auth, peer, clock_mono_ms())) > 0) {
		api_too_many(x, wait, "auth_failures", "too many failed "
		    "authentications from this address");
		return -1;
	}
	auth_peer(x->x_req, x->x_id.id_unix, x->x_id.id_peer,
	    sizeof(x->x_id.id_peer));
	if (anon)
		return 0;
	if (!x->x_id.id_unix && evhttp_find_header(
	    evhttp_request_get_input_headers(x->x_req), "Authorization") ==
	    NULL && (rc = api_session_cookie(x)) == -1) {
		api_error(x, 401, "session_ended", NULL, "the console session "
		    "has ended: sign in again");
		return -1;
	}
	if (rc == 0 && auth_identify(x->x_req, x->x_id.id_unix, a->a_cf,
	    &x->x_id) == -1) {
		api_auth_failed(a, x, peer);
		api_audit_authfail(x);
		if (!x->x_id.id_unix)
			evhttp_add_header(evhttp_request_get_output_headers(
			    x->x_req), "WWW-Authenticate", "Bearer");
		api_error(x, 401, "unauthorized", NULL, "unknown requester");
		return -1;
	}
	if ((wait = limit_rate(a->a_rate, x->x_id.id_name, clock_mono_ms(),
	    lim->lim_rate_per_s, lim->lim_rate_burst)) > 0) {
		api_too_many(x, wait, "rate_per_s", "too many requests from "
		    "this identity");
		return -1;
	}
	return 0;
}
