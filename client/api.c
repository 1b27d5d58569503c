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
			msg_error(_("HOTLINE_SERVER: '%s' is not unix:PATH or "
			    "http(s)://HOST:PORT"), env);
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
		msg_error(_("HOTLINE_TIMEOUT: '%s' is not a number of seconds "
		    "from 1 to 3600"), env);
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
	*how = _("cacert in the config file");
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
		msg_error(_("%s: refusing to send records and tokens without "
		    "encryption over a network; nothing was sent. Use "
		    "https://, or --insecure-plain on a network you trust"),
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

/* POST a file's bytes to path; like api_request otherwise. */
int
api_upload(struct hl *hl, const char *path, const void *buf, size_t len,
    struct http_response *resp)
{
	long	env;

	memset(resp, 0, sizeof *resp);
	hl->last_status = 0;
	if (api_connect(hl) == -1 || api_env_timeout(&env) == -1)
		return API_FAILED;
	if (hl->timeout_s > 0 && (env == 0 || hl->timeout_s < env))
		env = hl->timeout_s;
	http_set_timeout(hl->http, env);
	if (http_upload(hl->http, path, buf, len, resp) == -1)
		return API_TRANSPORT;
	hl->last_status = resp->status;
	return API_OK;
}

const char *
api_transport_error(struct hl *hl)
{
	return hl->http != NULL ? http_error(hl->http) : _("not connected");
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
		return unix_socket ? _("the server does not know your uid: ask "
		    "for it to be added to its operators") : _("check "
		    "HOTLINE_TOKEN or the token in the config file");
	case 412:
		return _("someone changed the call meanwhile: look at it again "
		    "with 'hotline show'");
	case 429:
		return _("the server limits how often it may be asked: nothing "
		    "was done; try again in a moment");
	case 503:
		return _("nothing was stored; try again shortly");
	default:
		return NULL;
	}
}

/*
 * The API's error codes (docs/api.md) as this client says them; %s is
 * the field's label. The server's English text is for programs and logs:
 * it is shown only for a code not in this table.
 */
static const struct {
	const char	*code;
	const char	*text;		/* with a field */
	const char	*bare;		/* without one */
} api_errors[] = {
	{ "invalid_json", NULL, N_("the server could not read the request "
	    "(not JSON); nothing was done") },
	{ "invalid_field", N_("%s: the value is not valid"),
	    N_("a field of the request is not valid") },
	{ "unknown_field", N_("%s: the server does not know this field"),
	    N_("the server does not know a field of the request") },
	{ "missing_field", N_("%s is required"),
	    N_("a required field is missing") },
	{ "invalid_parameter", N_("%s: the value is not accepted"),
	    N_("a parameter of the request is not accepted") },
	{ "unauthorized", NULL, N_("the server does not know who you are") },
	{ "forbidden", N_("your role may not do this (%s)"),
	    N_("your role may not do this") },
	{ "not_found", NULL, N_("no such call, queue or item") },
	{ "method_not_allowed", NULL, N_("the server does not allow this "
	    "request") },
	{ "conflict", N_("%s: already done; look at it again"),
	    N_("the request conflicts with what is stored") },
	{ "idempotency_conflict", NULL, N_("this Idempotency-Key was already "
	    "used for a different call") },
	{ "erased", N_("%s was erased by retention and cannot be set again"),
	    N_("the personal fields of this call were erased by retention") },
	{ "wrong_state", NULL, N_("the queue item is not claimed by you, or "
	    "is already done") },
	{ "version_mismatch", NULL, N_("the call has changed since it was "
	    "read") },
	{ "unsupported_media_type", NULL, N_("the server takes only JSON") },
	{ "too_many_requests", NULL, N_("too many requests at once") },
	{ "too_many_headers", NULL, N_("the request has too many header "
	    "fields") },
	{ "too_many_connections", NULL, N_("the server has too many "
	    "connections open") },
	{ "store_unavailable", NULL, N_("the server could not store or read "
	    "the record") },
	{ "shutting_down", NULL, N_("the server is shutting down") },
	{ "busy", NULL, N_("the server is busy with other requests like this "
	    "one") },
	{ "internal", NULL, N_("the server failed with an internal error") },
};

/* The labels of the query parameters and headers errors name. */
static const struct {
	const char	*name, *label;
} api_params[] = {
	{ "from", N_("from (--from)") },
	{ "to", N_("to (--to)") },
	{ "until", N_("until (--until)") },
	{ "by", N_("breakdown (--by)") },
	{ "limit", N_("page size (--limit)") },
	{ "cursor", N_("page cursor") },
	{ "state", N_("item state (--state)") },
	{ "format", N_("format (--format)") },
	{ "action", N_("action (--action)") },
	{ "who", N_("requester (--who)") },
	{ "id", N_("another person's call or item") },
	{ "resolution", N_("resolution (--resolution)") },
	{ "Idempotency-Key", N_("idempotency key") },
	{ "If-Match", N_("version (If-Match)") },
	{ "pbx_call_id", N_("phone call (--pbx)") },
	{ "rate_per_s", N_("requests per second") },
	{ "auth_failures", N_("failed logins") },
};

/* A field or parameter as a person knows it, translated. */
static const char *
api_field_label(const char *field)
{
	size_t	i;

	for (i = 0; i < sizeof api_params / sizeof api_params[0]; i++)
		if (strcmp(api_params[i].name, field) == 0)
			return _(api_params[i].label);
	return record_label(field);
}

/* The codes a field takes, from the schema when it was read already. */
static void
api_report_choices(const struct hl *hl, const char *field)
{
	static const struct {
		const char	*field, *list;
	} lists[] = {
		{ "line", "lines" }, { "caller_type", "caller_types" },
		{ "topics", "topics" }, { "risk", "risk_levels" },
		{ "outcome", "outcomes" }, { "call_type", "call_types" },
		{ "gender", "genders" }, { "age_band", "age_bands" },
	};
	const json_t	*l = NULL;
	json_t		*e;
	size_t		 i;

	for (i = 0; i < sizeof lists / sizeof lists[0] && l == NULL; i++)
		if (strcmp(lists[i].field, field) == 0 && hl->schema != NULL)
			l = json_object_get(hl->schema, lists[i].list);
	if (!json_is_array(l))
		return;
	fprintf(stderr, _("hotline: %s is one of:"), api_field_label(field));
	json_array_foreach(l, i, e)
		fprintf(stderr, " %s (%s)", json_string_value(json_object_get(
		    e, "code")), json_string_value(json_object_get(e,
		    "name")));
	fputc('\n', stderr);
}

/*
 * Say what went wrong: this client's sentence for a known error code,
 * naming the field by its label; the server's text for an unknown code.
 */
void
api_report(const struct hl *hl, const struct http_response *resp)
{
	const char	*code, *message, *field, *hint;
	size_t		 i;

	hint = api_hint(hl, resp->status);
	code = json_string_value(json_object_get(resp->body, "error"));
	message = json_string_value(json_object_get(resp->body, "message"));
	field = json_string_value(json_object_get(resp->body, "field"));
	if (field != NULL && field[0] == '\0')
		field = NULL;
	for (i = 0; code != NULL && i < sizeof api_errors /
	    sizeof api_errors[0]; i++)
		if (strcmp(api_errors[i].code, code) == 0)
			break;
	if (code != NULL && i < sizeof api_errors / sizeof api_errors[0]) {
		if (field != NULL && api_errors[i].text != NULL)
			msg_error(_(api_errors[i].text),
			    api_field_label(field));
		else
			msg_error("%s", _(api_errors[i].bare));
		if (field != NULL && strcmp(code, "invalid_field") == 0)
			api_report_choices(hl, field);
	} else if (message == NULL)
		msg_error(_("the server answered HTTP %ld"), resp->status);
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
		msg_error(_("%s answered %s %s with something that is not JSON"),
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
