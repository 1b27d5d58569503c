/*
 * Passwords for the browser console: hashed with yescrypt through
 * libcrypt, as Debian's /etc/shadow is, and checked the same way. The
 * config keeps only the hash; nothing here logs or keeps a password.
 */
#include <crypt.h>
#include <string.h>

#include <openssl/crypto.h>

#include "hotlined.h"

#define PASSWORD_PREFIX	"$y$"	/* yescrypt, libcrypt's default cost */

/*
 * A dummy of the same cost: an unknown name is checked against it, so a
 * sign-in takes as long for a name that does not exist.
 */
static const char password_dummy[] =
    "$y$j9T$h1NwsVrMfzJVvydfEaLLK1$btjqEBUcEfgXI8QkDM1MR0VZ0rksA/35ryFzEfFigT.";

/* Whether hash is one libcrypt can check, of a kind made for passwords. */
int
password_hash_ok(const char *hash)
{
	if (crypt_checksalt(hash) != CRYPT_SALT_OK)
		return 0;
	/* yescrypt, gost-yescrypt, scrypt, bcrypt: slow by design. */
	return strncmp(hash, "$y$", 3) == 0 || strncmp(hash, "$gy$", 4) == 0 ||
	    strncmp(hash, "$7$", 3) == 0 || strncmp(hash, "$2b$", 4) == 0;
}

/* Hash plain with a fresh salt into out; 0, or -1 (libcrypt failed). */
int
password_hash(const char *plain, char *out, size_t len)
{
	struct crypt_data	 cd;
	char			 salt[CRYPT_GENSALT_OUTPUT_SIZE];
	const char		*h;

	memset(&cd, 0, sizeof(cd));
	if (crypt_gensalt_rn(PASSWORD_PREFIX, 0, NULL, 0, salt,
	    sizeof(salt)) == NULL)
		return -1;
	h = crypt_rn(plain, salt, &cd, sizeof(cd));
	if (h == NULL || h[0] == '*' || strlen(h) >= len) {
		explicit_bzero(&cd, sizeof(cd));
		return -1;
	}
	memcpy(out, h, strlen(h) + 1);
	explicit_bzero(&cd, sizeof(cd));
	return 0;
}

/*
 * Whether plain matches hash (NULL: an unknown name, checked against the
 * dummy all the same, and never a match). Compared in constant time.
 */
int
password_check(const char *plain, const char *hash)
{
	struct crypt_data	 cd;
	const char		*h, *want = hash != NULL ? hash : password_dummy;
	size_t			 n = strlen(want);
	int			 ok;

	memset(&cd, 0, sizeof(cd));
	h = crypt_rn(plain, want, &cd, sizeof(cd));
	ok = h != NULL && h[0] != '*' && strlen(h) == n &&
	    CRYPTO_memcmp(h, want, n) == 0;
	explicit_bzero(&cd, sizeof(cd));
	return ok && hash != NULL;
}
