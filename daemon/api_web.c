/*
 * The browser console's files, served by the api listeners for every
 * path outside /v1 from web.root: GET and HEAD only, no directory
 * listing, nothing outside the root (a path with "..", an encoded slash
 * or dot, a NUL, or a symlink leading out is 404). Fingerprinted assets
 * (/assets/, built with a hash in their names) are cached for a year;
 * the rest is revalidated with its ETag. A ".gz" beside a file is sent
 * instead when the browser takes gzip.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "api.h"

#define WEB_PATH_MAX	256

static const struct web_type {
	const char	*wt_ext;
	const char	*wt_type;
} web_types[] = {
	{ ".html", "text/html; charset=utf-8" },
	{ ".js", "text/javascript; charset=utf-8" },
	{ ".mjs", "text/javascript; charset=utf-8" },
	{ ".css", "text/css; charset=utf-8" },
	{ ".json", "application/json; charset=utf-8" },
	{ ".map", "application/json; charset=utf-8" },
	{ ".svg", "image/svg+xml" },
	{ ".png", "image/png" },
	{ ".ico", "image/x-icon" },
	{ ".woff2", "font/woff2" },
	{ ".txt", "text/plain; charset=utf-8" },
};

/* The Content-Type of path, or NULL: a kind the console does not ship. */
static const char *
web_type(const char *path)
{
	const char	*dot = strrchr(path, '.');
	size_t		 i;

	if (dot == NULL || strchr(dot, '/') != NULL)
		return NULL;
	for (i = 0; i < sizeof(web_types) / sizeof(web_types[0]); i++)
		if (strcasecmp(dot, web_types[i].wt_ext) == 0)
			return web_types[i].wt_type;
	return NULL;
}

/*
 * The file a request path names, relative to the root, into out: "/"
 * is index.html, and a path with no extension is the console's own page
 * (its screens' addresses). -1: a path that may not be served (a folder,
 * a dot file, anything climbing). Encoded bytes are refused whole: the
 * console's file names need none.
 */
static int
web_file(const char *path, char *out, size_t len)
{
	const char	*p, *last;

	if (path[0] != '/' || strlen(path) >= WEB_PATH_MAX)
		return -1;
	for (p = path; *p != '\0'; p++)
		if (!(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z') &&
		    !(*p >= '0' && *p <= '9') && strchr("/._-", *p) == NULL)
			return -1;
	if (strstr(path, "..") != NULL || strstr(path, "//") != NULL ||
	    strstr(path, "/.") != NULL)
		return -1;
	last = strrchr(path, '/') + 1;
	if (*last == '\0' && path[1] != '\0')
		return -1;	/* a folder: never listed */
	if (*last == '\0' || strchr(last, '.') == NULL)
		path = "/index.html";
	if ((size_t)snprintf(out, len, "%s", path + 1) >= len)
		return -1;
	return 0;
}

/*
 * Open rel under root as a regular file that, symlinks resolved, is
 * still under root. The descriptor, or -1.
 */
static int
web_open(const char *root, const char *rel, struct stat *sb)
{
	char	 full[PATH_MAX], real[PATH_MAX], rroot[PATH_MAX];
	size_t	 n;
	int	 fd;

	if ((size_t)snprintf(full, sizeof(full), "%s/%s", root, rel) >=
	    sizeof(full) || realpath(root, rroot) == NULL ||
	    realpath(full, real) == NULL)
		return -1;
	n = strlen(rroot);
	if (strncmp(real, rroot, n) != 0 || real[n] != '/')
		return -1;
	if ((fd = open(real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return -1;
	if (fstat(fd, sb) == -1 || !S_ISREG(sb->st_mode)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Whether the browser takes gzip (a q=0 refusal counts as no). */
static int
web_takes_gzip(struct evhttp_request *req)
{
	const char	*ae = evhttp_find_header(
			    evhttp_request_get_input_headers(req),
			    "Accept-Encoding");
	const char	*g;

	if (ae == NULL || (g = strstr(ae, "gzip")) == NULL)
		return 0;
	g += 4;
	while (*g == ' ')
		g++;
	return strncmp(g, ";q=0", 4) != 0 || strncmp(g, ";q=0.", 5) == 0;
}

/* Whether the browser's copy (If-None-Match) is this one: 304. */
static int
web_fresh(struct evhttp_request *req, const char *etag)
{
	const char	*inm = evhttp_find_header(
			    evhttp_request_get_input_headers(req),
			    "If-None-Match");

	return inm != NULL && (strstr(inm, etag) != NULL ||
	    strcmp(inm, "*") == 0);
}

static void
web_headers(struct evhttp_request *req, const char *rel, const char *type,
    const struct stat *sb, const char *etag, int gz)
{
	struct evkeyvalq	*h = evhttp_request_get_output_headers(req);
	char			 date[64];
	struct tm		 tm;

	evhttp_add_header(h, "Content-Type", type);
	evhttp_add_header(h, "ETag", etag);
	gmtime_r(&sb->st_mtime, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	evhttp_add_header(h, "Last-Modified", date);
	evhttp_add_header(h, "Vary", "Accept-Encoding");
	/* Built with a hash in the name: a new build is a new name. */
	evhttp_add_header(h, "Cache-Control", strncmp(rel, "assets/", 7) == 0 ?
	    "public, max-age=31536000, immutable" : "no-cache");
	if (gz)
		evhttp_add_header(h, "Content-Encoding", "gzip");
}

/* Serve path from the console's files: 200, 304, 404 or 405. */
void
api_web(struct ctx *x, const char *root)
{
	struct stat	 sb;
	const char	*type, *raw;
	char		 rel[WEB_PATH_MAX + 8], etag[80];
	struct evbuffer	*b;
	int		 fd = -1, gz = 0, get = x->x_method == EVHTTP_REQ_GET;

	if (!get && x->x_method != EVHTTP_REQ_HEAD) {
		evhttp_add_header(evhttp_request_get_output_headers(x->x_req),
		    "Allow", "GET, HEAD");
		api_error(x, 405, "method_not_allowed", NULL, "the console's "
		    "files allow GET, HEAD");
		return;
	}
	raw = evhttp_request_get_uri(x->x_req);
	/* "//host/path" parses as a host: a path is "/" and a name. */
	if (root == NULL || raw == NULL || raw[0] != '/' || raw[1] == '/' ||
	    web_file(x->x_path, rel, sizeof(rel) - 3) == -1 ||
	    (type = web_type(rel)) == NULL) {
		api_error(x, 404, "not_found", NULL, "no such resource");
		return;
	}
	if (web_takes_gzip(x->x_req)) {
		strcat(rel, ".gz");
		if ((fd = web_open(root, rel, &sb)) != -1)
			gz = 1;
		rel[strlen(rel) - 3] = '\0';
	}
	if (fd == -1 && (fd = web_open(root, rel, &sb)) == -1) {
		api_error(x, 404, "not_found", NULL, "no such resource");
		return;
	}
	snprintf(etag, sizeof(etag), "\"%llx-%llx%s\"",
	    (unsigned long long)sb.st_size, (unsigned long long)sb.st_mtime,
	    gz ? "-gz" : "");
	web_headers(x->x_req, rel, type, &sb, etag, gz);
	if (web_fresh(x->x_req, etag) || !get || (b = evbuffer_new()) == NULL) {
		close(fd);
		api_send(x->x_req, web_fresh(x->x_req, etag) ? 304 : 200, NULL);
		return;
	}
	if (evbuffer_add_file(b, fd, 0, sb.st_size) == -1) {
		evbuffer_free(b);
		api_error(x, 503, "internal", NULL, "could not read the file");
		return;
	}
	api_send(x->x_req, 200, b);
}
