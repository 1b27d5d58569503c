/*
 * Copies of a database: the old file kept aside before a migration
 * (store_schema.c), and the online backup of a database a daemon may be
 * serving.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store_int.h"

/*
 * The whole copy in one backup step: one read transaction, so a write
 * committed meanwhile by the serving daemon (WAL: it is not blocked)
 * can never make the copy start over, and the copy is one snapshot.
 */
#define STORE_COPY_PAGES	-1
#define STORE_COPY_WAIT_MS	20	/* pause when the source is busy */
#define STORE_COPY_TRIES	500	/* of them: 10 s */

/* fsync the directory holding path, so a rename in it is durable. */
static int
store_sync_dir(const char *path)
{
	char	*dir, *slash;
	int	 fd, rc;

	if ((dir = strdup(path)) == NULL)
		return -1;
	if ((slash = strrchr(dir, '/')) == NULL)
		snprintf(dir, strlen(dir) + 1, ".");
	else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (fd == -1)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* Run the online backup from src (schema "main") into dst, to the end. */
static int
store_copy_run(sqlite3 *src, sqlite3 *dst)
{
	struct timespec	 ts = { 0, STORE_COPY_WAIT_MS * 1000000L };
	sqlite3_backup	*b;
	int		 rc, tries = 0;

	if ((b = sqlite3_backup_init(dst, "main", src, "main")) == NULL)
		return sqlite3_errcode(dst);
	do {
		rc = sqlite3_backup_step(b, STORE_COPY_PAGES);
		if ((rc == SQLITE_BUSY || rc == SQLITE_LOCKED) &&
		    ++tries < STORE_COPY_TRIES)
			nanosleep(&ts, NULL);
		else if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
			break;
	} while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
	sqlite3_backup_finish(b);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/*
 * A consistent copy of the open database src at dest: SQLite's online
 * backup into a temporary file beside dest, checked, synced, then renamed
 * over dest, so dest is either the old file or a whole copy. Writers on
 * other connections go on meanwhile (the backup restarts if one commits
 * between two steps). -1 with *cause (caller frees).
 */
static int
store_copy(sqlite3 *src, const char *dest, char **cause)
{
	sqlite3		*dst = NULL;
	char		*tmp = NULL;
	int		 rc, fd;

	if (asprintf(&tmp, "%s.tmp-%ld", dest, (long)getpid()) == -1) {
		tmp = NULL;
		asprintf(cause, "%s: out of memory", dest);
		return -1;
	}
	unlink(tmp);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) == -1) {
		asprintf(cause, "%s: %s", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	close(fd);
	if (sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK || (rc = store_copy_run(src, dst)) != SQLITE_OK) {
		asprintf(cause, "copying to %s: %s", tmp, dst != NULL ?
		    sqlite3_errmsg(dst) : "out of memory");
		goto fail;
	}
	/* The copy is a plain file: no -wal beside it to carry around. */
	if (store_pragma(dst, "PRAGMA journal_mode = DELETE", "delete",
	    cause) == -1 ||
	    store_pragma(dst, "PRAGMA quick_check", "ok", cause) == -1)
		goto fail;
	if (sqlite3_close(dst) != SQLITE_OK) {
		asprintf(cause, "closing %s: %s", tmp, sqlite3_errmsg(dst));
		dst = NULL;
		goto fail;
	}
	dst = NULL;
	if ((fd = open(tmp, O_RDONLY | O_CLOEXEC)) == -1 || fsync(fd) == -1 ||
	    close(fd) == -1 || rename(tmp, dest) == -1 ||
	    store_sync_dir(dest) == -1) {
		asprintf(cause, "%s: %s", dest, strerror(errno));
		goto fail;
	}
	free(tmp);
	return 0;
fail:
	if (dst != NULL)
		sqlite3_close(dst);
	unlink(tmp);
	free(tmp);
	return -1;
}

/*
 * Write a consistent copy of the database at path to dest while a daemon
 * may be serving it (hotlined --backup). -1 with *cause.
 */
int
store_backup(const char *path, const char *dest, char **cause)
{
	sqlite3		*db = NULL;
	int		 rc;

	if (access(path, R_OK) == -1) {
		asprintf(cause, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK) {
		asprintf(cause, "%s: %s", path, db != NULL ?
		    sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return -1;
	}
	sqlite3_busy_timeout(db, 5000);
	rc = store_copy(db, dest, cause);
	sqlite3_close(db);
	return rc;
}

/* The name for the copy of a version-v database kept before migrating. */
static char *
store_aside_name(const char *path, int v)
{
	char	*name;
	int	 i;

	for (i = 1; i < 1000; i++) {
		if ((i == 1 ? asprintf(&name, "%s.v%d.bak", path, v) :
		    asprintf(&name, "%s.v%d.bak.%d", path, v, i)) == -1)
			return NULL;
		if (access(name, F_OK) == -1 && errno == ENOENT)
			return name;
		free(name);
	}
	return NULL;
}

/* Before a migration: keep a copy of the old database, named in the log. */
int
store_copy_aside(sqlite3 *db, const char *path, int v, char **cause)
{
	char	*aside;

	if ((aside = store_aside_name(path, v)) == NULL) {
		asprintf(cause, "%s: no free name for a copy of the version "
		    "%d database", path, v);
		return -1;
	}
	if (store_copy(db, aside, cause) == -1) {
		free(aside);
		return -1;
	}
	log_info("%s: schema version %d; a copy of it was kept as %s before "
	    "migrating (retention does not reach it: remove it once the new "
	    "version has run well)", path, v, aside);
	free(aside);
	return 0;
}
