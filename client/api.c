/*
 * Talking to hotlined: finds the server and token (option, environment,
 * config file, default), sends requests, and reports the API's errors.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hotline.h"

/* The server: --server, then HOTLINE_SERVER, then the config, then default. */
static int
api_pick_server(struct hl *hl, const struct config *cf)
{
	const char	*env = getenv("HOTLINE_SERVER");

	if (hl->server_opt != NULL)
		hl->server = xstrdup(hl->server_opt);
	else if (env != NULL && env[0] != '\0') {
		if (!http_valid_server(env)) {
			msg_error("HOTLINE_SERVER: '%s' is not unix:PATH or "
			    "http(s)://HOST:PORT", env);
			return -1;
		}
		hl->server = xstrdup(env);
	} else if (cf->server != NULL)
		hl->server = xstrdup(cf->server);
	else
		hl->server = xstrdup(HOTLINE_DEFAULT_SERVER);
	return 0;
}

/* The token: HOTLINE_TOKEN, then the config; none is fine on a socket. */
static void
api_pick_token(struct hl *hl, const struct config *cf)
{
	const char	*env = getenv("HOTLINE_TOKEN");

	if (env != NULL && env[0] != '\0')
		hl->token = xstrdup(env);
	else if (cf->token != NULL)
		hl->token = xstrdup(cf->token);
}

/* HOTLINE_TIMEOUT: seconds a request may take (default 60). */
static int
api_env_timeout(long *out)
{
	const char	*env = getenv("HOTLINE_TIMEOUT");
	char		*end;
	long		 v;

	*out = 0;
	if (env == NULL || env[0] == '\0')
		return 0;
	errno = 0;
	v = strtol(env, &end, 10);
	if (errno != 0 || *end != '\0' || v < 1 || v > 3600) {
		msg_error("HOTLINE_TIMEOUT: '%s' is not a number of seconds "
		    "from 1 to 3600", env);
		return -1;
	}
	*out = v;
	return 0;
}

/* The CA file: --cacert, then HOTLINE_CACERT, then the config's. */
static const char *
api_pick_cacert(const struct hl *hl, const struct config *cf, const char **how)
{
	const char	*env = getenv("HOTLINE_CACERT");

	*how = "--cacert";
	if (hl->cacert_opt != NULL)
		return hl->cacert_opt;
	*how = "HOTLINE_CACERT";
	if (env != NULL && env[0] != '\0')
		return env;
	*how = "cacert in the config file";
	return cf != NULL ? cf->cacert : NULL;
}

/*
 * Before the first request to server on h: refuse clear text over a
 * network (unless --insecure-plain), and give h the CA file. cf: the
 * config file as loaded, or NULL to load it here. -1 after reporting.
 */
int
api_tls_setup(struct hl *hl, struct http *h, const char *server,
    const struct config *cf)
{
	struct config	 own;
	const char	*ca, *how;
	int		 rv = 0;

	if (!hl->insecure_plain && http_plain_refused(server)) {
		msg_error("%s: refusing to send records and tokens without "
		    "encryption over a network; nothing was sent. Use "
		    "https://, or --insecure-plain on a network you trust",
		    server);
		hl->plain_refused = 1;
		return -1;
	}
	if (cf == NULL) {
		if (config_load(hl->config_path, &own) == -1)
			return -1;
		cf = &own;
	}
	if ((ca = api_pick_cacert(hl, cf, &how)) != NULL &&
	    access(ca, R_OK) == -1) {
		msg_error("%s: %s: %s", how, ca, strerror(errno));
		rv = -1;
	} else if (ca != NULL)
		http_set_cacert(h, ca);
	if (cf == &own)
		config_free(&own);
	return rv;
}

/* Read the config and open the transport, once. */
static int
api_connect(struct hl *hl)
{
	struct config	cf;

	if (hl->http != NULL)
		return 0;
	if (config_load(hl->config_path, &cf) == -1)
		return -1;
	if (api_pick_server(hl, &cf) == -1) {
		config_free(&cf);
		return -1;
	}
	api_pick_token(hl, &cf);
	if ((hl->http = http_open(hl->server, hl->token)) != NULL &&
	    api_tls_setup(hl, hl->http, hl->server, &cf) == -1) {
		http_close(hl->http);
		hl->http = NULL;
	}
	config_free(&cf);
	return hl->http != NULL ? 0 : -1;
}

/*
 * Send a request. API_OK: an answer (any status) is in *resp; API_TRANSPORT:
 * none came, api_transport_error() says why; API_FAILED: already reported.
 */
int
api_request(struct hl *hl, const char *method, const char *path,
    const json_t *body, const char *const *headers, struct http_response *resp)
{
	long	env;

	memset(resp, 0, sizeof *resp);
	hl->last_status = 0;
	if (api_connect(hl) == -1 || api_env_timeout(&env) == -1)
		return API_FAILED;
	if (hl->timeout_s > 0 && (env == 0 || hl->timeout_s < env))
		env = hl->timeout_s;
	http_set_timeout(hl->http, env);
	if (http_request(hl->http, method, path, body, headers, resp) == -1)
		return API_TRANSPORT;
	hl->last_status = resp->status;
	return API_OK;
}

/* GET path streamed into out; like api_request otherwise. */
int
api_download(struct hl *hl, const char *path, FILE *out,
    struct http_response *resp)
{
	memset(resp, 0, sizeof *resp);
	if (api_connect(hl) == -1)
		return API_FAILED;
	if (http_download(hl->http, path, out, resp) == -1)
		return API_TRANSPORT;
	return API_OK;
}

const char *
api_transport_error(struct hl *hl)
{
	return hl->http != NULL ? http_error(hl->http) : "not connected";
}

/* Did the last request fail in the TLS handshake? Trying again at once
 * would not help: a certificate does not fix itself. */
int
api_transport_tls(struct hl *hl)
{
	return hl->http != NULL && http_tls_failed(hl->http);
}

/*
 * An answer that stored nothing and asks to be sent again later: the
 * server's own trouble (5xx) or its limits (429). A call saved locally
 * stays in the spool for it, never set aside as refused.
 */
int
api_later(long status)
{
	return status >= 500 || status == 429;
}

/* A hint for the errors an operator can do something about. */
static const char *
api_hint(const struct hl *hl, long status)
{
	int	unix_socket = strncmp(hl->server, "unix:", 5) == 0;

	switch (status) {
	case 401:
		return unix_socket ? "the server does not know your uid: ask "
		    "for it to be added to its operators" : "check "
		    "HOTLINE_TOKEN or the token in the config file";
	case 412:
		return "someone changed the call meanwhile: look at it again "
		    "with 'hotline show'";
	case 429:
		return "the server limits how often it may be asked: nothing "
		    "was done; try again in a moment";
	case 503:
		return "nothing was stored; try again shortly";
	default:
		return NULL;
	}
}

/* Print the server's error: its message, naming the field if it does not. */
void
api_report(const struct hl *hl, const struct http_response *resp)
{
	const char	*message, *field, *hint = api_hint(hl, resp->status);

	message = json_string_value(json_object_get(resp->body, "message"));
	field = json_string_value(json_object_get(resp->body, "field"));
	if (message == NULL)
		msg_error("the server answered HTTP %ld", resp->status);
	else if (field != NULL && strstr(message, field) == NULL)
		msg_error("%s: %s", field, message);
	else
		msg_error("%s", message);
	if (hint != NULL)
		fprintf(stderr, "hotline: %s\n", hint);
}

/* A request whose 2xx JSON body is returned (caller decrefs); else NULL. */
json_t *
api_call(struct hl *hl, const char *method, const char *path,
    const json_t *body, const char *const *headers)
{
	struct http_response	resp;
	int			rv;

	if ((rv = api_request(hl, method, path, body, headers, &resp)) != API_OK) {
		if (rv == API_TRANSPORT)
			msg_error("%s", api_transport_error(hl));
		return NULL;
	}
	if (resp.status < 200 || resp.status > 299) {
		api_report(hl, &resp);
		http_response_free(&resp);
		return NULL;
	}
	if (resp.body == NULL)
		msg_error("%s answered %s %s with something that is not JSON",
		    hl->server, method, path);
	return resp.body;
}

json_t *
api_get(struct hl *hl, const char *path)
{
	return api_call(hl, "GET", path, NULL, NULL);
}

void
api_close(struct hl *hl)
{
	http_close(hl->http);
	hl->http = NULL;
	free(hl->server);
	if (hl->token != NULL)
		explicit_bzero(hl->token, strlen(hl->token));
	free(hl->token);
	json_decref(hl->schema);
	hl->server = hl->token = NULL;
	hl->schema = NULL;
}
