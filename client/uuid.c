/*
 * Random UUIDs (RFC 4122 version 4) for Idempotency-Key: the kernel's
 * random source, so two operators' keys never collide.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/random.h>

#include "hotline.h"

/* Fill buf with n random bytes; getrandom may return short or be interrupted. */
static int
uuid_random(uint8_t *buf, size_t n)
{
	size_t	 got = 0;
	ssize_t	 r;

	while (got < n) {
		r = getrandom(buf + got, n - got, 0);
		if (r == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		got += (size_t)r;
	}
	return 0;
}

/* Write a fresh UUID v4 into out (UUID_LEN bytes, with the NUL). */
int
uuid_v4(char *out)
{
	uint8_t	b[16];

	if (uuid_random(b, sizeof b) == -1)
		return -1;
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);	/* version 4 */
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);	/* RFC 4122 variant */
	snprintf(out, UUID_LEN,
	    "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x",
	    b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
	    b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
	return 0;
}
