/*
 * count.so: preloaded into the daemon by run-ingest to see how well it
 * groups its commits, without touching the daemon. It counts the COMMITs
 * and the call INSERTs that succeed, in two 64-bit counters in the file
 * named by BENCH_COUNT_FILE, shared so the script can read them while the
 * daemon runs. Calls in one batch / COMMITs = the average batch.
 */
#include <sys/mman.h>

#include <dlfcn.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

int	sqlite3_step(sqlite3_stmt *);

static volatile uint64_t *counters;	/* [0] commits, [1] call inserts */
static int (*real_step)(sqlite3_stmt *);

static void __attribute__((constructor))
count_init(void)
{
	const char	*path = getenv("BENCH_COUNT_FILE");
	void		*p;
	int		 fd;

	*(void **)&real_step = dlsym(RTLD_NEXT, "sqlite3_step");
	if (path == NULL || (fd = open(path, O_RDWR | O_CREAT, 0644)) == -1)
		return;
	if (ftruncate(fd, 2 * sizeof(uint64_t)) == 0 &&
	    (p = mmap(NULL, 2 * sizeof(uint64_t), PROT_READ | PROT_WRITE,
	    MAP_SHARED, fd, 0)) != MAP_FAILED)
		counters = p;
	close(fd);
}

int
sqlite3_step(sqlite3_stmt *st)
{
	const char	*sql;
	int		 rc;

	rc = real_step(st);
	/* The daemon is single-threaded: plain increments are enough. */
	if (rc == SQLITE_DONE && counters != NULL &&
	    (sql = sqlite3_sql(st)) != NULL) {
		if (strncmp(sql, "COMMIT", 6) == 0)
			counters[0]++;
		else if (strncmp(sql, "INSERT INTO calls ", 18) == 0)
			counters[1]++;
	}
	return rc;
}
