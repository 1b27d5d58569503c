/*
 * TLS on the TCP listeners. The config loader makes one SSL_CTX per TLS
 * listen entry (so a bad certificate or key fails "hotlined -t" and a
 * reload, and the files are read while the config is read); a listener
 * makes each connection's bufferevent here, through evhttp_set_bevcb.
 *
 * TLS 1.2 or newer, OpenSSL's default ciphers, no compression, no
 * renegotiation, no session tickets or cache (the client makes few,
 * short-lived connections; a ticket would only be state to keep safe).
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "hotlined.h"

/* An encrypted key would make OpenSSL ask on the terminal: refuse it. */
static int
tls_no_passphrase(char *buf, int size, int rwflag, void *arg)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)arg;
	return 0;
}

/* OpenSSL's last error in words, or fallback; clears the queue. */
static const char *
tls_reason(const char *fallback)
{
	unsigned long	 e = ERR_peek_last_error();
	const char	*r = e != 0 ? ERR_reason_error_string(e) : NULL;

	ERR_clear_error();
	return r != NULL ? r : fallback;
}

/*
 * Can path be opened for reading by this process? Why not, in err. A
 * private key (secret) must not be open to others: whoever reads it can
 * pass for the hotline and read the calls sent to it.
 */
static int
tls_readable(const char *path, int secret, char *err, size_t len)
{
	struct stat	 sb;
	FILE		*fp;

	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err, len, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (secret && fstat(fileno(fp), &sb) == 0 && (sb.st_mode & 0007)) {
		snprintf(err, len, "%s: the private key is open to others "
		    "(mode %04o): chmod o-rwx it", path,
		    (unsigned int)(sb.st_mode & 07777));
		fclose(fp);
		return -1;
	}
	fclose(fp);
	return 0;
}

static SSL_CTX *
tls_ctx_base(void)
{
	SSL_CTX	*ctx;

	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL)
		return NULL;
	/*
	 * TLS 1.2 with forward secrecy and AEAD only (ECDHE with AES-GCM or
	 * ChaCha20-Poly1305, Mozilla's "intermediate" set); TLS 1.3's own
	 * suites are all of that kind and stay OpenSSL's.
	 */
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_set_cipher_list(ctx,
	    "ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL") != 1) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION |
	    SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET |
	    SSL_OP_CIPHER_SERVER_PREFERENCE |
	    /*
	     * OpenSSL 3 reports a peer that closes without close_notify as a
	     * protocol error, which libevent 2.1 does not see as the dirty
	     * shutdown it allows below. HTTP bodies carry their length, so a
	     * truncation cannot pass for a whole request.
	     */
	    SSL_OP_IGNORE_UNEXPECTED_EOF);
	SSL_CTX_set_num_tickets(ctx, 0);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_default_passwd_cb(ctx, tls_no_passphrase);
	return ctx;
}

/*
 * A server context for the certificate chain in cert and the key in key
 * (PEM files). NULL on error with *which set to "cert" or "key" (the
 * setting at fault) and the reason in err.
 */
SSL_CTX *
tls_ctx_new(const char *cert, const char *key, const char **which,
    char *err, size_t len)
{
	SSL_CTX		*ctx;
	unsigned long	 e;

	*which = "cert";
	if (tls_readable(cert, 0, err, len) == -1)
		return NULL;
	*which = "key";
	if (tls_readable(key, 1, err, len) == -1)
		return NULL;
	*which = "cert";
	if ((ctx = tls_ctx_base()) == NULL) {
		snprintf(err, len, "cannot make a TLS context: %s",
		    tls_reason("out of memory"));
		return NULL;
	}
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		snprintf(err, len, "%s: not a PEM certificate: %s", cert,
		    tls_reason("unreadable"));
		goto fail;
	}
	*which = "key";
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
		e = ERR_peek_last_error();
		if (ERR_GET_LIB(e) == ERR_LIB_X509 &&
		    ERR_GET_REASON(e) == X509_R_KEY_VALUES_MISMATCH)
			snprintf(err, len, "%s: the key does not match the "
			    "certificate in %s", key, cert);
		else
			snprintf(err, len, "%s: not a PEM private key without "
			    "a passphrase: %s", key, tls_reason("unreadable"));
		ERR_clear_error();
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		snprintf(err, len, "%s: the key does not match the "
		    "certificate in %s", key, cert);
		ERR_clear_error();
		goto fail;
	}
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

/*
 * The bufferevent of one connection on a TLS listener; evhttp gives it
 * the socket. Never NULL: evhttp would take NULL as "make a plain one"
 * and serve clear text on the TLS port, so running out of memory here
 * stops the daemon instead.
 */
struct bufferevent *
tls_bufferevent(struct event_base *base, SSL_CTX *ctx)
{
	struct bufferevent	*bev;
	SSL			*ssl;

	if ((ssl = SSL_new(ctx)) == NULL)
		fatalx("SSL_new: %s", tls_reason("out of memory"));
	if ((bev = bufferevent_openssl_socket_new(base, -1, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE)) == NULL)
		fatalx("bufferevent_openssl_socket_new failed");
	/* A client that just closes after its answer is not an error. */
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return bev;
}

/*
 * Whole days until the certificate of ctx expires (negative: expired
 * that long ago); 0 with *ok unset when it cannot be told.
 */
int
tls_ctx_days_left(struct ssl_ctx_st *ctx, int *ok)
{
	X509	*x;
	int	 days = 0, secs = 0;

	*ok = (x = SSL_CTX_get0_certificate(ctx)) != NULL &&
	    ASN1_TIME_diff(&days, &secs, NULL, X509_get0_notAfter(x)) == 1;
	return *ok ? days : 0;
}
