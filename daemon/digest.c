/*
 * Digests and their hex: SHA-256 of tokens and session ids, hex in and
 * out for the config and the caller-number hash. No state, no I/O.
 */
#include <ctype.h>
#include <string.h>

#include <openssl/evp.h>

#include "hotlined.h"

/* SHA-256 of data into out: 0, or -1 (out then all zero) when it failed. */
int
digest_sha256(const void *data, size_t len, unsigned char *out)
{
	unsigned int	 n = SHA256_LEN;

	if (EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) != 1 ||
	    n != SHA256_LEN) {
		memset(out, 0, SHA256_LEN);
		return -1;
	}
	return 0;
}

/* Decode exactly len bytes of hex from s; -1 unless s is that long. */
int
digest_hex_decode(const char *s, unsigned char *out, size_t len)
{
	size_t		 i;
	unsigned int	 hi, lo;

	if (strlen(s) != 2 * len)
		return -1;
	for (i = 0; i < len; i++) {
		if (!isxdigit((unsigned char)s[2 * i]) ||
		    !isxdigit((unsigned char)s[2 * i + 1]))
			return -1;
		hi = (unsigned int)(isdigit((unsigned char)s[2 * i]) ?
		    s[2 * i] - '0' : tolower((unsigned char)s[2 * i]) - 'a' + 10);
		lo = (unsigned int)(isdigit((unsigned char)s[2 * i + 1]) ?
		    s[2 * i + 1] - '0' :
		    tolower((unsigned char)s[2 * i + 1]) - 'a' + 10);
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

/* Hex of len bytes into out (2 * len + 1 bytes). */
void
digest_hex_encode(const unsigned char *in, size_t len, char *out)
{
	static const char	 hex[] = "0123456789abcdef";
	size_t			 i;

	for (i = 0; i < len; i++) {
		out[2 * i] = hex[in[i] >> 4];
		out[2 * i + 1] = hex[in[i] & 0xf];
	}
	out[2 * len] = '\0';
}
