/*
 * ceiling: the same rows through the daemon's own store.c, in process,
 * with no HTTP and no event loop: same schema, pragmas (WAL,
 * synchronous=FULL), savepoints and statements, committing every B rows.
 * This is the most the daemon's design can reach at that batch size.
 *
 *   ceiling -d DBFILE [-n ROWS] [-b BATCH]
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hotlined.h"

static const char *const lines[] = { "400", "400", "400", "9120", "2325" };
static const char *const topics[] = { "anxiety", "low_mood", "sleep",
    "stress", "grief", "family", "work", "infection_fear" };

static double
now_s(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char *argv[])
{
	struct store	*s;
	struct call	 c;
	const char	*db = NULL;
	char		*cause = NULL, notes[1600], key[64];
	long		 n = 20000, b = 1, i;
	double		 t0, el;
	int		 ch;

	while ((ch = getopt(argc, argv, "b:d:n:")) != -1) {
		switch (ch) {
		case 'b': b = atol(optarg); break;
		case 'd': db = optarg; break;
		case 'n': n = atol(optarg); break;
		default:
			fprintf(stderr, "usage: ceiling -d DBFILE [-n ROWS] "
			    "[-b BATCH]\n");
			return 2;
		}
	}
	if (db == NULL || b < 1 || n < 1)
		errx(2, "need -d DBFILE, -n >= 1, -b >= 1");
	clock_set_timezone("Asia/Shanghai");
	if ((s = store_open(db, 2000, &cause)) == NULL)
		errx(1, "%s", cause);
	notes[0] = '\0';
	for (i = 0; i < 30; i++)
		strcat(notes, "夜班后失眠焦虑担心家人");
	t0 = now_s();
	for (i = 0; i < n; i++) {
		call_init(&c);
		c.c_line = strdup(lines[i % 5]);
		c.c_started_at = clock_now();
		c.c_duration_s = 60 + i % 3000;
		c.c_operator = strdup("wang");
		c.c_call_type = strdup("counseling");
		c.c_caller_type = strdup("medic");
		c.c_topics[0] = strdup(topics[i % 8]);
		c.c_topics[1] = strdup(topics[(i + 3) % 8]);
		c.c_ntopics = 2;
		c.c_risk = strdup("low");
		c.c_outcome = strdup("counseled");
		c.c_notes = strdup(notes);
		snprintf(key, sizeof(key), "ceiling-%ld-%ld", (long)getpid(), i);
		if (store_begin(s) != STORE_OK ||
		    store_call_insert(s, &c, key, "fp") != STORE_OK)
			errx(1, "insert: %s", store_errmsg(s));
		call_free(&c);
		if ((i + 1) % b == 0 && store_commit(s) != STORE_OK)
			errx(1, "commit: %s", store_errmsg(s));
	}
	if (store_commit(s) != STORE_OK)
		errx(1, "commit: %s", store_errmsg(s));
	el = now_s() - t0;
	store_close(s);
	/* batch rows seconds rows/s */
	printf("%ld %ld %.3f %.1f\n", b, n, el, (double)n / el);
	return 0;
}
