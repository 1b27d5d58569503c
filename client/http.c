/*
 * The HTTP transport: libcurl over a Unix socket or TCP, JSON in and out.
 * Knows nothing of the API's resources; api.c does.
 *
 * https:// servers are verified (the system's CAs, or the file
 * http_set_cacert names), TLS 1.2 or newer; plain http:// is for a Unix
 * socket or the loopback only, unless the caller allows it
 * (http_plain_refused says which servers the rule refuses).
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "hotline.h"

#define HTTP_CONNECT_TIMEOUT_S	10
#define HTTP_TIMEOUT_S		60
#define HTTP_MAX_BODY		(64 * 1024 * 1024)

struct http {
	CURL	*curl;
	char	*base;		/* URL prefix; "http://localhost" on a socket */
	char	*unix_path;	/* or NULL for TCP */
	char	*server;	/* as named, for messages */
	char	*auth;		/* "Authorization: Bearer ..." or NULL */
	char	*cacert;	/* CA file for https://; NULL: the system's */
	int	 tls_failed;	/* the last error was the TLS handshake's */
	long	 timeout_s;	/* the whole request */
	char	 curlerr[CURL_ERROR_SIZE];
	char	 error[CURL_ERROR_SIZE + 512];
};

struct http_buf {
	char	*data;
	size_t	 len;
};

/* Whether s is an address we can use: unix:PATH or http(s)://HOST[:PORT]. */
int
http_valid_server(const char *s)
{
	if (strncmp(s, "unix:", 5) == 0)
		return s[5] != '\0';
	if (strncmp(s, "http://", 7) == 0)
		return s[7] != '\0' && s[7] != '/';
	if (strncmp(s, "https://", 8) == 0)
		return s[8] != '\0' && s[8] != '/';
	return 0;
}

/*
 * Is server an http:// address of a host other than the loopback
 * (127.0.0.0/8, ::1, localhost)? Such a request would carry records and
 * a token in clear text over a network.
 */
int
http_plain_refused(const char *server)
{
	const char	*h, *end;
	char		 host[256];
	unsigned char	 a[16];
	size_t		 n;

	if (strncmp(server, "http://", 7) != 0)
		return 0;
	h = server + 7;
	if ((end = strchr(h, '@')) != NULL && end < h + strcspn(h, "/"))
		h = end + 1;	/* user@host: the host is what counts */
	if (*h == '[') {
		h++;
		end = strchr(h, ']');
	} else
		end = h + strcspn(h, ":/?#");
	if (end == NULL || (n = (size_t)(end - h)) == 0 || n >= sizeof host)
		return 1;
	memcpy(host, h, n);
	host[n] = '\0';
	if (strcasecmp(host, "localhost") == 0)
		return 0;
	if (inet_pton(AF_INET, host, a) == 1)
		return a[0] != 127;
	if (inet_pton(AF_INET6, host, a) == 1)
		return memcmp(a, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1",
		    16) != 0;
	return 1;
}

/* The token goes into a header line: no control characters, no spaces. */
static int
http_valid_token(const char *t)
{
	for (; *t != '\0'; t++)
		if (*t <= ' ' || *t == 0x7f)
			return 0;
	return 1;
}

static void
http_set_base(struct http *h, const char *server)
{
	size_t	n;

	if (strncmp(server, "unix:", 5) == 0) {
		h->unix_path = xstrdup(server + 5);
		h->base = xstrdup("http://localhost");
		return;
	}
	h->base = xstrdup(server);
	/* Paths are appended as "/v1/...". */
	n = strlen(h->base);
	while (n > 0 && h->base[n - 1] == '/')
		h->base[--n] = '\0';
}

/* Open a handle for server; NULL after reporting why not. */
struct http *
http_open(const char *server, const char *token)
{
	struct http	*h;

	if (!http_valid_server(server)) {
		msg_error(_("invalid server address '%s': use unix:PATH, "
		    "https://HOST:PORT or http://HOST:PORT"), server);
		return NULL;
	}
	if (token != NULL && (token[0] == '\0' || !http_valid_token(token))) {
		msg_error(_("the token is empty or has blanks or control "
		    "characters"));
		return NULL;
	}
	h = xcalloc(1, sizeof *h);
	if ((h->curl = curl_easy_init()) == NULL) {
		msg_error(_("cannot initialise libcurl"));
		free(h);
		return NULL;
	}
	h->server = xstrdup(server);
	h->timeout_s = HTTP_TIMEOUT_S;
	http_set_base(h, server);
	if (token != NULL)
		h->auth = xasprintf("Authorization: Bearer %s", token);
	return h;
}

void
http_close(struct http *h)
{
	if (h == NULL)
		return;
	curl_easy_cleanup(h->curl);
	free(h->base);
	free(h->unix_path);
	free(h->server);
	free(h->cacert);
	if (h->auth != NULL)
		explicit_bzero(h->auth, strlen(h->auth));
	free(h->auth);
	free(h);
}

/* Verify https:// servers against the CAs in path, not the system's. */
void
http_set_cacert(struct http *h, const char *path)
{
	free(h->cacert);
	h->cacert = path != NULL ? xstrdup(path) : NULL;
}

/* Did the last request fail in the TLS handshake (a certificate, ...)? */
int
http_tls_failed(const struct http *h)
{
	return h->tls_failed;
}

/* How long a whole request may take from now on; 0: the default. */
void
http_set_timeout(struct http *h, long s)
{
	h->timeout_s = s > 0 ? s : HTTP_TIMEOUT_S;
}

const char *
http_error(const struct http *h)
{
	return h->error;
}

static size_t
http_write(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct http_buf	*b = arg;
	size_t		 n = size * nmemb;

	if (b->len + n > HTTP_MAX_BODY)
		return 0;	/* curl fails the transfer: CURLE_WRITE_ERROR */
	b->data = xreallocarray(b->data, b->len + n + 1, 1);
	memcpy(b->data + b->len, ptr, n);
	b->len += n;
	b->data[b->len] = '\0';
	return n;
}

/* The request headers: ours, then the caller's (NULL-terminated). */
static struct curl_slist *
http_headers(const struct http *h, int has_body, const char *const *extra)
{
	struct curl_slist	*l = NULL;

	l = curl_slist_append(l, "Accept: application/json");
	/* curl waits a second for "100 Continue" on larger bodies otherwise. */
	l = curl_slist_append(l, "Expect:");
	if (has_body)
		l = curl_slist_append(l,
		    "Content-Type: application/json; charset=utf-8");
	if (h->auth != NULL)
		l = curl_slist_append(l, h->auth);
	for (; extra != NULL && *extra != NULL; extra++)
		l = curl_slist_append(l, *extra);
	return l;
}

static void
http_setup(struct http *h, const char *method, const char *url,
    const char *body, struct curl_slist *hdrs, struct http_buf *buf)
{
	CURL	*c = h->curl;

	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, h->curlerr);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, h->timeout_s <
	    HTTP_CONNECT_TIMEOUT_S ? h->timeout_s : (long)HTTP_CONNECT_TIMEOUT_S);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, h->timeout_s);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "hotline/" HOTLINED_VERSION);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, http_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, buf);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	if (h->cacert != NULL)
		curl_easy_setopt(c, CURLOPT_CAINFO, h->cacert);
	if (h->unix_path != NULL)
		curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, h->unix_path);
	if (body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	}
	if (strcmp(method, "GET") != 0)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
}

/* Say which server failed and why, errno's words when there is an errno. */
static void
http_set_error(struct http *h, CURLcode rc)
{
	long		 oserr = 0;
	const char	*why;

	curl_easy_getinfo(h->curl, CURLINFO_OS_ERRNO, &oserr);
	why = h->curlerr[0] != '\0' ? h->curlerr : curl_easy_strerror(rc);
	h->tls_failed = rc == CURLE_PEER_FAILED_VERIFICATION ||
	    rc == CURLE_SSL_CONNECT_ERROR || rc == CURLE_SSL_CACERT_BADFILE ||
	    rc == CURLE_SSL_CERTPROBLEM;
	if (rc == CURLE_PEER_FAILED_VERIFICATION)
		snprintf(h->error, sizeof h->error, _("%s: the server's "
		    "certificate is not trusted: %s (--cacert names the CA "
		    "that signed it)"), h->server, why);
	else if (rc == CURLE_SSL_CACERT_BADFILE)
		snprintf(h->error, sizeof h->error, _("%s: cannot use the CA "
		    "file %s: %s"), h->server, h->cacert != NULL ? h->cacert :
		    _("of the system"), why);
	else if (h->tls_failed)
		snprintf(h->error, sizeof h->error, _("%s: the TLS handshake "
		    "failed: %s"), h->server, why);
	else if (rc == CURLE_COULDNT_CONNECT && oserr != 0)
		snprintf(h->error, sizeof h->error, _("cannot connect to %s: "
		    "%s"), h->server, strerror((int)oserr));
	else if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST)
		snprintf(h->error, sizeof h->error, _("cannot connect to %s: "
		    "%s"), h->server, why);
	else if (rc == CURLE_OPERATION_TIMEDOUT)
		snprintf(h->error, sizeof h->error, _("no answer from %s in time"),
		    h->server);
	else if (rc == CURLE_WRITE_ERROR)
		snprintf(h->error, sizeof h->error, _("%s: answer too large"),
		    h->server);
	else
		snprintf(h->error, sizeof h->error, "%s: %s", h->server, why);
}

/*
 * Send one request; body may be NULL. Returns 0 with the answer in *resp
 * (free with http_response_free), or -1 with the reason in http_error().
 */
int
http_request(struct http *h, const char *method, const char *path,
    const json_t *body, const char *const *headers, struct http_response *resp)
{
	struct http_buf		 buf = { NULL, 0 };
	struct curl_slist	*hdrs;
	char			*url, *text = NULL;
	CURLcode		 rc;

	memset(resp, 0, sizeof *resp);
	h->curlerr[0] = '\0';
	h->tls_failed = 0;
	if (body != NULL && (text = json_dumps(body, JSON_COMPACT)) == NULL) {
		snprintf(h->error, sizeof h->error, _("cannot encode the request"));
		return -1;
	}
	url = xasprintf("%s%s", h->base, path);
	hdrs = http_headers(h, text != NULL, headers);
	http_setup(h, method, url, text, hdrs, &buf);
	if ((rc = curl_easy_perform(h->curl)) != CURLE_OK)
		http_set_error(h, rc);
	else {
		curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &resp->status);
		if (buf.len > 0)
			resp->body = json_loadb(buf.data, buf.len, 0, NULL);
	}
	curl_slist_free_all(hdrs);
	free(url);
	free(text);
	free(buf.data);
	return rc == CURLE_OK ? 0 : -1;
}

/*
 * POST len bytes of buf (a file as it is: a spreadsheet, a CSV) to path
 * as application/octet-stream; like http_request otherwise.
 */
int
http_upload(struct http *h, const char *path, const void *buf, size_t len,
    struct http_response *resp)
{
	struct http_buf		 out = { NULL, 0 };
	struct curl_slist	*hdrs;
	char			*url;
	CURLcode		 rc;

	memset(resp, 0, sizeof *resp);
	h->curlerr[0] = '\0';
	h->tls_failed = 0;
	url = xasprintf("%s%s", h->base, path);
	hdrs = http_headers(h, 0, (const char *const []){
	    "Content-Type: application/octet-stream", NULL });
	http_setup(h, "POST", url, NULL, hdrs, &out);
	curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, buf);
	curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)len);
	if ((rc = curl_easy_perform(h->curl)) != CURLE_OK)
		http_set_error(h, rc);
	else {
		curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &resp->status);
		if (out.len > 0)
			resp->body = json_loadb(out.data, out.len, 0, NULL);
	}
	curl_slist_free_all(hdrs);
	free(url);
	free(out.data);
	return rc == CURLE_OK ? 0 : -1;
}

/* A download: a 2xx body goes to the file as it comes, else is kept. */
struct http_sink {
	CURL		*curl;
	FILE		*out;
	struct http_buf	 err;
	int		 failed;	/* writing the file failed */
};

static size_t
http_sink_write(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct http_sink	*k = arg;
	long			 status = 0;
	size_t			 n = size * nmemb;

	curl_easy_getinfo(k->curl, CURLINFO_RESPONSE_CODE, &status);
	if (status < 200 || status > 299)
		return http_write(ptr, size, nmemb, &k->err);
	if (fwrite(ptr, 1, n, k->out) != n) {
		k->failed = 1;
		return 0;
	}
	return n;
}

/*
 * GET path into out, streamed (no size limit, no overall timeout: an
 * export may be long; a stalled one is cut after a minute without bytes).
 * 0 with the status in *resp (its body: the error, for a non-2xx), or -1
 * with the reason in http_error().
 */
int
http_download(struct http *h, const char *path, FILE *out,
    struct http_response *resp)
{
	struct http_sink	 k;
	struct curl_slist	*hdrs;
	char			*url;
	CURLcode		 rc;

	memset(resp, 0, sizeof *resp);
	memset(&k, 0, sizeof k);
	k.curl = h->curl;
	k.out = out;
	h->curlerr[0] = '\0';
	h->tls_failed = 0;
	url = xasprintf("%s%s", h->base, path);
	hdrs = http_headers(h, 0, NULL);
	http_setup(h, "GET", url, NULL, hdrs, NULL);
	curl_easy_setopt(h->curl, CURLOPT_TIMEOUT, 0L);
	curl_easy_setopt(h->curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(h->curl, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, http_sink_write);
	curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, &k);
	if ((rc = curl_easy_perform(h->curl)) != CURLE_OK) {
		if (k.failed)
			snprintf(h->error, sizeof h->error, _("writing the "
			    "export: %s"), strerror(errno));
		else
			http_set_error(h, rc);
	} else {
		curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE,
		    &resp->status);
		if (k.err.len > 0)
			resp->body = json_loadb(k.err.data, k.err.len, 0, NULL);
	}
	curl_slist_free_all(hdrs);
	free(url);
	free(k.err.data);
	return rc == CURLE_OK ? 0 : -1;
}

void
http_response_free(struct http_response *resp)
{
	json_decref(resp->body);
	resp->body = NULL;
}
