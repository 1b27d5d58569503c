/*
 * The spool: requests the server could not take (no answer, a timeout, a
 * 5xx) are kept on this computer until they are sent, so a logged call is
 * never lost. One JSON file per request in $XDG_STATE_HOME/hotline/spool
 * (default ~/.local/state/hotline/spool), mode 0600, written to a
 * temporary name, synced, then renamed; names sort oldest first. A request
 * the server refused (4xx) is moved into spool/rejected with the error,
 * never deleted. The Idempotency-Key saved with a call makes every resend
 * safe.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hotline.h"

#define SPOOL_REJECTED	"rejected"

/* The spool directory, or NULL if there is no home to put it in. */
static char *
spool_base(void)
{
	const char	*xdg = getenv("XDG_STATE_HOME");
	const char	*home = getenv("HOME");
	struct passwd	*pw;

	if (xdg != NULL && xdg[0] == '/')
		return xasprintf("%s/hotline/spool", xdg);
	if ((home == NULL || home[0] == '\0') &&
	    (pw = getpwuid(getuid())) != NULL)
		home = pw->pw_dir;
	if (home == NULL || home[0] == '\0')
		return NULL;
	return xasprintf("%s/.local/state/hotline/spool", home);
}

/* mkdir -p, mode 0700 for what it makes. */
static int
spool_mkdirs(const char *path)
{
	char	*p = xstrdup(path), *s;
	int	 rv = 0;

	for (s = p + 1; *s != '\0' && rv == 0; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0700) == -1 && errno != EEXIST)
			rv = -1;
		*s = '/';
	}
	if (rv == 0 && mkdir(p, 0700) == -1 && errno != EEXIST)
		rv = -1;
	free(p);
	return rv;
}

/* The spool directory (sub: NULL or "rejected"), made if asked; caller frees. */
char *
spool_dir(const char *sub, int make)
{
	char	*base, *dir;

	if ((base = spool_base()) == NULL) {
		msg_error(_("no home directory to keep the spool in: set HOME "
		    "or XDG_STATE_HOME"));
		return NULL;
	}
	dir = sub == NULL ? xstrdup(base) : xasprintf("%s/%s", base, sub);
	free(base);
	if (make && spool_mkdirs(dir) == -1) {
		msg_error("%s: %s", dir, strerror(errno));
		free(dir);
		return NULL;
	}
	return dir;
}

/* fsync a directory, so a rename or an unlink in it lasts. */
static int
spool_sync_dir(const char *dir)
{
	int	fd, rv;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	rv = fsync(fd);
	close(fd);
	return rv;
}

/* Write all of text to fd. */
static int
spool_write_all(int fd, const char *text, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		if ((n = write(fd, text, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		text += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Write rec as dir/name: temporary file, fsync, rename, fsync the dir. */
static int
spool_write(const char *dir, const char *name, const json_t *rec)
{
	char	*tmp, *path, *text;
	int	 fd, rv = -1, saved;

	if ((text = json_dumps(rec, JSON_INDENT(2) | JSON_SORT_KEYS)) == NULL)
		return -1;
	tmp = xasprintf("%s/.tmp-%ld-%s", dir, (long)getpid(), name);
	path = xasprintf("%s/%s", dir, name);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) != -1) {
		if (spool_write_all(fd, text, strlen(text)) == 0 &&
		    spool_write_all(fd, "\n", 1) == 0 && fsync(fd) == 0 &&
		    close(fd) == 0) {
			fd = -1;
			if (rename(tmp, path) == 0 && spool_sync_dir(dir) == 0)
				rv = 0;
		}
		if (fd != -1)
			close(fd);
		if (rv == -1) {
			saved = errno;
			unlink(tmp);
			errno = saved;
		}
	}
	if (rv == -1)
		msg_error(_("cannot save %s: %s"), path, strerror(errno));
	free(tmp);
	free(path);
	free(text);
	return rv;
}

/*
 * Save a request: method, path, its Idempotency-Key, the version it
 * amends (if_match, 0: none) and its body. flags: SPOOL_RESOLVE_TIMES,
 * the body's local times still need the server's timezone;
 * SPOOL_DEFAULT_START, started_at was added to the body when it was
 * saved (earlier attempts went without it). The file's path, or NULL after
 * reporting; caller frees.
 */
char *
spool_save(struct hl *hl, const char *kind, const char *method,
    const char *path, const char *key, long long if_match, const json_t *body,
    int flags, const char *reason)
{
	struct timespec	 ts;
	char		*dir, *name, *file, when[TIMEPARSE_RFC3339_LEN];
	json_t		*rec;

	if ((dir = spool_dir(NULL, 1)) == NULL)
		return NULL;
	clock_gettime(CLOCK_REALTIME, &ts);
	timeparse_rfc3339(ts.tv_sec, when, sizeof when);
	/* The name sorts by time; the key keeps two saves apart. */
	name = xasprintf("%010lld.%09ld-%s.json", (long long)ts.tv_sec,
	    ts.tv_nsec, key);
	rec = json_pack("{s:s, s:s, s:s, s:s, s:O, s:s, s:s, s:s, s:b, s:b}",
	    "kind", kind, "method", method, "path", path, "key", key,
	    "body", body, "saved_at", when, "server", hl->server != NULL ?
	    hl->server : "", "reason", reason != NULL ? reason : "",
	    "resolve_times", (flags & SPOOL_RESOLVE_TIMES) != 0,
	    "started_default", (flags & SPOOL_DEFAULT_START) != 0);
	if (if_match > 0)
		json_object_set_new(rec, "if_match", json_integer(if_match));
	file = NULL;
	if (rec != NULL && spool_write(dir, name, rec) == 0)
		file = xasprintf("%s/%s", dir, name);
	json_decref(rec);
	free(name);
	free(dir);
	return file;
}

static int
spool_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The file names in the spool (sub: NULL) or its rejected part, oldest
 * first, NULL-terminated; NULL when there is no spool. Caller frees with
 * spool_names_free.
 */
char **
spool_names(const char *sub)
{
	char		*dir, **v = NULL;
	size_t		 n = 0;
	DIR		*d;
	struct dirent	*e;
	size_t		 len;

	if ((dir = spool_dir(sub, 0)) == NULL)
		return NULL;
	d = opendir(dir);
	free(dir);
	if (d == NULL)
		return NULL;
	while ((e = readdir(d)) != NULL) {
		len = strlen(e->d_name);
		if (e->d_name[0] == '.' || len < 6 ||
		    strcmp(e->d_name + len - 5, ".json") != 0)
			continue;
		v = xreallocarray(v, n + 2, sizeof *v);
		v[n++] = xstrdup(e->d_name);
		v[n] = NULL;
	}
	closedir(d);
	if (n > 0)
		qsort(v, n, sizeof *v, spool_cmp);
	return v;
}

void
spool_names_free(char **v)
{
	size_t	i;

	for (i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

/* How many requests wait to be sent. */
size_t
spool_pending(void)
{
	char	**v = spool_names(NULL);
	size_t	  n = 0;

	while (v != NULL && v[n] != NULL)
		n++;
	spool_names_free(v);
	return n;
}

/* Read one saved request (sub as for spool_names); NULL if unreadable. */
json_t *
spool_read(const char *sub, const char *name)
{
	char		*dir, *path;
	json_t		*rec;
	json_error_t	 err;

	if ((dir = spool_dir(sub, 0)) == NULL)
		return NULL;
	path = xasprintf("%s/%s", dir, name);
	if ((rec = json_load_file(path, 0, &err)) == NULL)
		msg_error("%s: %s", path, err.text);
	free(path);
	free(dir);
	return rec;
}

/* The request was sent and taken: remove it for good. */
int
spool_done(const char *name)
{
	char	*dir, *path;
	int	 rv = -1;

	if ((dir = spool_dir(NULL, 0)) == NULL)
		return -1;
	path = xasprintf("%s/%s", dir, name);
	if (unlink(path) == 0 || errno == ENOENT)
		rv = spool_sync_dir(dir) == 0 ? 0 : -1;
	if (rv == -1)
		msg_error("%s: %s", path, strerror(errno));
	free(path);
	free(dir);
	return rv;
}

/*
 * The server refused the request: keep it, with the answer, in
 * spool/rejected (written there first, then removed from the queue).
 */
int
spool_reject(const char *name, json_t *rec, long status, const json_t *answer)
{
	char	*dir;
	char	 when[TIMEPARSE_RFC3339_LEN];
	int	 rv;

	if ((dir = spool_dir(SPOOL_REJECTED, 1)) == NULL)
		return -1;
	timeparse_rfc3339(time(NULL), when, sizeof when);
	json_object_set_new(rec, "rejected_at", json_string(when));
	json_object_set_new(rec, "status", json_integer(status));
	json_object_set_new(rec, "error", answer != NULL ?
	    json_deep_copy(answer) : json_null());
	rv = spool_write(dir, name, rec);
	free(dir);
	if (rv == 0)
		rv = spool_done(name);
	return rv;
}

/*
 * Hold the spool's lock while sending, so two hotline commands do not
 * send the same request at the same moment (the key would keep that
 * harmless, but the output would confuse). wait: block until free.
 * Returns the descriptor, -1 when not taken.
 */
int
spool_lock(int wait)
{
	char	*dir, *path;
	int	 fd;

	if ((dir = spool_dir(NULL, 1)) == NULL)
		return -1;
	path = xasprintf("%s/.lock", dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	free(path);
	free(dir);
	if (fd == -1)
		return -1;
	if (flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

void
spool_unlock(int fd)
{
	if (fd != -1)
		close(fd);
}
