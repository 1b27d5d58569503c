/*
 * Who is asking. On a Unix socket the kernel says (SO_PEERCRED): root and
 * the daemon's own uid are admin, other uids are looked up among the
 * operators. On TCP a bearer token, of which the config keeps only the
 * SHA-256. Nothing here logs or returns a token.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <ctype.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <event2/bufferevent.h>
#include <event2/http.h>

#include "net.h"

#define AUTH_TOKEN_MAX	256

static int
auth_peer_uid(struct evhttp_request *req, uid_t *uid)
{
	struct evhttp_connection	*evcon;
	struct bufferevent		*bev;
	struct ucred			 cred;
	socklen_t			 len = sizeof(cred);
	evutil_socket_t			 fd;

	if ((evcon = evhttp_request_get_connection(req)) == NULL ||
	    (bev = evhttp_connection_get_bufferevent(evcon)) == NULL ||
	    (fd = bufferevent_getfd(bev)) == -1)
		return -1;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1) {
		log_warn("%s: SO_PEERCRED", __func__);
		return -1;
	}
	*uid = cred.uid;
	return 0;
}

static int
auth_unix(struct evhttp_request *req, const struct config *cf,
    struct identity *id)
{
	const struct operator	*op;
	struct passwd		*pw;
	uid_t			 uid;

	if (auth_peer_uid(req, &uid) == -1)
		return -1;
	if ((op = config_op_by_uid(cf, uid)) != NULL) {
		id->id_name = op->op_name;
		id->id_role = op->op_role;
		return 0;
	}
	if (uid == 0 || uid == geteuid()) {
		/* The daemon's own account: name it after the user. */
		if ((pw = getpwuid(uid)) != NULL)
			snprintf(id->id_buf, sizeof(id->id_buf), "%s",
			    pw->pw_name);
		else
			snprintf(id->id_buf, sizeof(id->id_buf), "uid%u",
			    (unsigned int)uid);
		id->id_name = id->id_buf;
		id->id_role = ROLE_ADMIN;
		return 0;
	}
	return -1;
}

static int
auth_bearer(struct evhttp_request *req, const struct config *cf,
    struct identity *id)
{
	const struct operator	*op;
	const char		*h, *tok;
	unsigned char		 sha[SHA256_LEN];
	size_t			 len;

	h = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "Authorization");
	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
		return -1;
	for (tok = h + 7; *tok == ' '; tok++)
		;
	if ((len = strlen(tok)) == 0 || len > AUTH_TOKEN_MAX)
		return -1;
	if (digest_sha256(tok, len, sha) == -1 ||
	    (op = config_op_by_token(cf, sha)) == NULL)
		return -1;
	id->id_name = op->op_name;
	id->id_role = op->op_role;
	return 0;
}

/*
 * Where req came from, for the audit trail: "uid N" on a Unix socket,
 * the address and port on TCP, "-" when it cannot be told.
 */
void
auth_peer(struct evhttp_request *req, int is_unix, char *buf, size_t len)
{
	struct evhttp_connection	*evcon;
	char				*addr = NULL;
	ev_uint16_t			 port = 0;
	uid_t				 uid;

	snprintf(buf, len, "-");
	if (is_unix) {
		if (auth_peer_uid(req, &uid) == 0)
			snprintf(buf, len, "uid %u", (unsigned int)uid);
		return;
	}
	if ((evcon = evhttp_request_get_connection(req)) == NULL)
		return;
	evhttp_connection_get_peer(evcon, &addr, &port);
	if (addr == NULL)
		return;
	if (strchr(addr, ':') != NULL)
		snprintf(buf, len, "[%s]:%u", addr, (unsigned int)port);
	else
		snprintf(buf, len, "%s:%u", addr, (unsigned int)port);
}

/* Fill id for req; -1 (role NONE) when the requester is unknown. */
int
auth_identify(struct evhttp_request *req, int is_unix,
    const struct config *cf, struct identity *id)
{
	memset(id, 0, sizeof(*id));
	id->id_unix = is_unix;
	auth_peer(req, is_unix, id->id_peer, sizeof(id->id_peer));
	if ((is_unix ? auth_unix(req, cf, id) :
	    auth_bearer(req, cf, id)) == -1) {
		id->id_name = NULL;
		id->id_role = ROLE_NONE;
		return -1;
	}
	return 0;
}
