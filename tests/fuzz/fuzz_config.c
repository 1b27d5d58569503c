/*
 * Fuzz the daemon's config loader: the input is a whole hotlined.conf,
 * given to config_load() as a file (a memfd) exactly as at start-up and on
 * SIGHUP. A config that loads is freed; so is the message of one that
 * does not: any leak is a finding.
 */
#include <sys/mman.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server.h"
#include "fuzz.h"

/*
 * @include reads another file: "/dev/stdin" would wait for ever. The
 * config is the administrator's, not untrusted input, so a file named
 * there is simply read; what is fuzzed is the text itself.
 */
static int
fuzz_has_include(const uint8_t *data, size_t size)
{
	size_t	 i, j;
	const char *w = "include";

	for (i = 0; i + 8 <= size; i++) {
		if (data[i] != '@')
			continue;
		for (j = 0; j < 7; j++)
			if ((data[i + 1 + j] | 0x20) != w[j])
				break;
		if (j == 7)
			return 1;
	}
	return 0;
}

/*
 * libconfig 1.5 (Debian 12) loses its string buffer when a syntax error
 * follows a string (the two bytes "" are enough): 128 bytes a failed load,
 * in the library, not in hotlined: left to it (regress/config/).
 */
const char *__lsan_default_suppressions(void);

const char *
__lsan_default_suppressions(void)
{
	return "leak:libconfig.so\n";
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int	 fd = -1;
	char		 path[64];
	struct config	*cf;
	char		*cause = NULL;

	if (fuzz_has_include(data, size))
		return 0;
	if (fd == -1 && (fd = memfd_create("hotlined.conf", 0)) == -1) {
		perror("memfd_create");
		abort();
	}
	if (ftruncate(fd, 0) == -1 || pwrite(fd, data, size, 0) !=
	    (ssize_t)size) {
		perror("memfd");
		abort();
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if ((cf = config_load(path, &cause)) != NULL) {
		/* What the daemon looks up in a loaded config. */
		config_risk_rank(cf, "high");
		config_find(&cf->cf_lines, "400");
		config_free(cf);
	} else if (cause == NULL) {
		fprintf(stderr, "config_load failed without a message\n");
		abort();
	}
	free(cause);
	return 0;
}
