/*
 * Replay inputs through a fuzz harness without libFuzzer: the normal build
 * links this main() with each harness, and the test suite runs the result
 * on the checked-in seed corpus and regression inputs.
 *
 *	test_fuzz_NAME [FILE | DIR ...]
 *
 * Without arguments: tests/fuzz/corpus/NAME and tests/fuzz/regress/NAME
 * (from the top of the tree). A directory means each file in it. Exits 0
 * when every input ran; a crash or a sanitizer report is the failure.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#ifndef FUZZ_NAME
#error FUZZ_NAME must name the harness
#endif

static int	replay_path(const char *, int);

static int
replay_file(const char *path)
{
	FILE		*f;
	uint8_t		*buf = NULL;
	size_t		 len = 0, cap = 0, n;

	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	do {
		if (len == cap && (buf = realloc(buf, cap = cap * 2 +
		    4096)) == NULL) {
			fprintf(stderr, "replay: out of memory\n");
			exit(1);
		}
		len += n = fread(buf + len, 1, cap - len, f);
	} while (n > 0);
	fclose(f);
	/* An exact copy: a harness reading past the end is caught. */
	LLVMFuzzerTestOneInput(len > 0 ? buf : (const uint8_t *)"", len);
	free(buf);
	fprintf(stderr, "replayed %s (%zu bytes)\n", path, len);
	return 0;
}

static int
replay_compare(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Each file of dir, in name order (README files are notes, not inputs). */
static int
replay_dir(const char *dir)
{
	DIR		*d;
	struct dirent	*de;
	char		**names = NULL, path[4096];
	size_t		 n = 0, i;
	int		 rv = 0;

	if ((d = opendir(dir)) == NULL) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || strncmp(de->d_name, "README",
		    6) == 0)
			continue;
		if ((names = realloc(names, (n + 1) * sizeof(*names))) ==
		    NULL || (names[n++] = strdup(de->d_name)) == NULL) {
			fprintf(stderr, "replay: out of memory\n");
			exit(1);
		}
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), replay_compare);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (replay_path(path, 0) == -1)
			rv = -1;
		free(names[i]);
	}
	free(names);
	return rv;
}

static int
replay_path(const char *path, int top)
{
	struct stat	 st;

	if (stat(path, &st) == -1) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode))
		return top ? replay_dir(path) : 0;
	return replay_file(path);
}

int
main(int argc, char **argv)
{
	const char	*dirs[] = { "tests/fuzz/corpus/" FUZZ_NAME,
			    "tests/fuzz/regress/" FUZZ_NAME };
	int		 i, rv = 0;

	if (argc < 2) {
		for (i = 0; i < 2; i++)
			if (replay_path(dirs[i], 1) == -1)
				rv = 1;
		return rv;
	}
	for (i = 1; i < argc; i++)
		if (replay_path(argv[i], 1) == -1)
			rv = 1;
	return rv;
}
