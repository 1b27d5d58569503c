/*
 * Console sessions: who signed in to the browser console, known by a
 * random id in an HttpOnly cookie. The store keeps only the id's SHA-256
 * (a copy of the database holds no usable session), so sessions outlive
 * a restart. A session ends when idle for web.idle_timeout, at
 * web.max_age after sign-in, at sign-out, and when a reload removes its
 * user or changes the user's role or password.
 *
 * The sessions of a hotline's desks are tens, so they are a plain array,
 * looked up by hash; the store is written through the batch.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "domain.h"

#define SESSION_SEEN_SAVE_S	60	/* store the last use this often */

struct session {
	unsigned char	 s_sha[SHA256_LEN];	/* of the id */
	char		 s_name[40];
	enum role	 s_role;		/* at sign-in */
	unsigned char	 s_pw[SHA256_LEN];	/* of the password hash */
	int64_t		 s_created;
	int64_t		 s_seen;		/* last request */
	int64_t		 s_saved;		/* s_seen as stored */
};

static struct {
	struct batch		*ss_batch;
	struct store		*ss_store;
	struct session		*ss_v;
	size_t			 ss_n;
	size_t			 ss_cap;
} ss;

/* A change the store is still to hear of: a session gone, or its use. */
struct session_save {
	unsigned char	 sv_sha[SHA256_LEN];
	int64_t		 sv_seen;	/* 0: delete the row */
};

/* The SHA-256 of a password hash: a password change is seen by it. */
static void
session_pw_sha(const struct operator *op, unsigned char *out)
{
	const char	*h = op->op_password != NULL ? op->op_password : "";

	digest_sha256(h, strlen(h), out);
}

static struct session *
session_by_sha(const unsigned char *sha)
{
	size_t	 i;

	for (i = 0; i < ss.ss_n; i++)
		if (CRYPTO_memcmp(ss.ss_v[i].s_sha, sha, SHA256_LEN) == 0)
			return &ss.ss_v[i];
	return NULL;
}

static void
session_save_run(void *arg)
{
	struct session_save	*sv = arg;
	int			 rc;

	if ((rc = store_request_begin(ss.ss_store)) == STORE_OK)
		rc = store_request_end(ss.ss_store, sv->sv_seen == 0 ?
		    store_session_del(ss.ss_store, sv->sv_sha) :
		    store_session_seen(ss.ss_store, sv->sv_sha, sv->sv_seen));
	if (rc != STORE_OK)
		log_warnx("%s: %s", __func__, store_errmsg(ss.ss_store));
}

static void
session_save_done(void *arg, int ok)
{
	(void)ok;
	free(arg);
}

/* Queue the store's copy of a change; the batch writes it. */
static void
session_save(const unsigned char *sha, int64_t seen)
{
	struct session_save	*sv;

	if (ss.ss_batch == NULL)
		return;
	if ((sv = calloc(1, sizeof(*sv))) == NULL) {
		log_warnx("%s: out of memory", __func__);
		return;
	}
	memcpy(sv->sv_sha, sha, SHA256_LEN);
	sv->sv_seen = seen;
	if (batch_task(ss.ss_batch, session_save_run, session_save_done,
	    sv) == -1) {
		log_warnx("%s: out of memory", __func__);
		free(sv);
	}
}

/* Take s out of memory (and, with store_too, out of the store). */
static void
session_drop(struct session *s, int store_too)
{
	if (store_too)
		session_save(s->s_sha, 0);
	*s = ss.ss_v[--ss.ss_n];
}

/* Whether s is still good at now under cf: 1, or 0 (it must end). */
static int
session_valid(const struct session *s, const struct config *cf,
    int64_t now)
{
	const struct operator	*op;
	unsigned char		 pw[SHA256_LEN];

	if (now - s->s_seen >= cf->cf_session_idle_s ||
	    now - s->s_created >= cf->cf_session_max_s)
		return 0;
	if ((op = config_op_by_name(cf, s->s_name)) == NULL ||
	    op->op_password == NULL || op->op_role != s->s_role)
		return 0;
	session_pw_sha(op, pw);
	return CRYPTO_memcmp(pw, s->s_pw, SHA256_LEN) == 0;
}

static struct session *
session_add(void)
{
	struct session	*v;
	size_t		 cap;

	if (ss.ss_n == ss.ss_cap) {
		cap = ss.ss_cap == 0 ? 16 : ss.ss_cap * 2;
		if ((v = reallocarray(ss.ss_v, cap, sizeof(*v))) == NULL)
			return NULL;
		ss.ss_v = v;
		ss.ss_cap = cap;
	}
	memset(&ss.ss_v[ss.ss_n], 0, sizeof(ss.ss_v[0]));
	return &ss.ss_v[ss.ss_n++];
}

static void
session_load_row(const struct session_row *r, void *arg)
{
	struct session	*s;

	(void)arg;
	if ((s = session_add()) == NULL)
		return;
	memcpy(s->s_sha, r->sr_sha, SHA256_LEN);
	snprintf(s->s_name, sizeof(s->s_name), "%s", r->sr_name);
	s->s_role = (enum role)r->sr_role;
	memcpy(s->s_pw, r->sr_pw, SHA256_LEN);
	s->s_created = r->sr_created;
	s->s_seen = s->s_saved = r->sr_seen;
}

/*
 * At start-up: the stored sessions, those still good under cf kept.
 * b may be NULL (a unit test): then nothing is written back. -1: the
 * store failed.
 */
int
session_init(struct batch *b, struct store *st, const struct config *cf)
{
	memset(&ss, 0, sizeof(ss));
	ss.ss_store = st;
	if (store_session_load(st, session_load_row, NULL) != STORE_OK)
		return -1;
	ss.ss_batch = b;
	session_set_config(cf);
	return 0;
}

void
session_free(void)
{
	free(ss.ss_v);
	memset(&ss, 0, sizeof(ss));
}

/*
 * A reload: end the sessions whose user it removed or whose role or
 * password it changed (and any past their time).
 */
void
session_set_config(const struct config *cf)
{
	int64_t		 now = clock_now();
	size_t		 i = 0, n = 0;

	while (i < ss.ss_n) {
		if (session_valid(&ss.ss_v[i], cf, now)) {
			i++;
			continue;
		}
		session_drop(&ss.ss_v[i], 1);
		n++;
	}
	if (n > 0)
		log_info("%zu console sessions ended (expired, or their user's "
		    "role or password changed)", n);
}

/*
 * In a batch job: a new session for op, stored with its first use at
 * now. The cookie's value (hex of the id, SESSION_COOKIE_LEN + 1 bytes)
 * goes to cookie, the id's hash to sha. STORE_OK, or the store's error.
 */
int
session_open(const struct operator *op, int64_t now, char *cookie,
    unsigned char *sha)
{
	unsigned char		 id[SESSION_ID_LEN];
	struct session_row	 r;
	struct session		*s;
	int			 rc;

	if (RAND_bytes(id, sizeof(id)) != 1 ||
	    digest_sha256(id, sizeof(id), sha) == -1) {
		log_warnx("%s: no random bytes for a session id", __func__);
		return STORE_ERR;
	}
	digest_hex_encode(id, sizeof(id), cookie);
	OPENSSL_cleanse(id, sizeof(id));
	memset(&r, 0, sizeof(r));
	memcpy(r.sr_sha, sha, SHA256_LEN);
	r.sr_name = op->op_name;
	r.sr_role = (int)op->op_role;
	session_pw_sha(op, r.sr_pw);
	r.sr_created = r.sr_seen = now;
	if ((rc = store_session_add(ss.ss_store, &r)) != STORE_OK)
		return rc;
	if ((s = session_add()) == NULL)
		return STORE_ERR;
	memcpy(s->s_sha, sha, SHA256_LEN);
	snprintf(s->s_name, sizeof(s->s_name), "%s", op->op_name);
	s->s_role = op->op_role;
	memcpy(s->s_pw, r.sr_pw, SHA256_LEN);
	s->s_created = s->s_seen = s->s_saved = now;
	return STORE_OK;
}

/* In a batch job: sign-out. STORE_OK (also for a session gone already). */
int
session_close(const unsigned char *sha)
{
	struct session	*s;
	int		 rc;

	rc = store_session_del(ss.ss_store, sha);
	if (rc == STORE_OK && (s = session_by_sha(sha)) != NULL)
		session_drop(s, 0);
	return rc;
}

/* The batch that stored a new session failed: it never was. */
void
session_forget(const unsigned char *sha)
{
	struct session	*s;

	if ((s = session_by_sha(sha)) != NULL)
		session_drop(s, 0);
}

/*
 * The session a cookie's value names, used at now: its user's name and
 * role into id, and the id's hash into sha (may be NULL). 0, or -1 (no
 * such session, or it has ended: it is then removed).
 */
int
session_find(const char *cookie, int64_t now, const struct config *cf,
    struct identity *id, unsigned char *sha)
{
	const struct operator	*op;
	unsigned char		 raw[SESSION_ID_LEN], h[SHA256_LEN];
	struct session		*s;

	if (strlen(cookie) != SESSION_COOKIE_LEN ||
	    digest_hex_decode(cookie, raw, sizeof(raw)) == -1 ||
	    digest_sha256(raw, sizeof(raw), h) == -1)
		return -1;
	OPENSSL_cleanse(raw, sizeof(raw));
	if ((s = session_by_sha(h)) == NULL)
		return -1;
	if (!session_valid(s, cf, now) ||
	    (op = config_op_by_name(cf, s->s_name)) == NULL) {
		session_drop(s, 1);
		return -1;
	}
	s->s_seen = now;
	if (now - s->s_saved >= SESSION_SEEN_SAVE_S) {
		s->s_saved = now;
		session_save(s->s_sha, now);
	}
	snprintf(id->id_buf, sizeof(id->id_buf), "%s", op->op_name);
	id->id_name = id->id_buf;
	id->id_role = op->op_role;
	if (sha != NULL)
		memcpy(sha, h, SHA256_LEN);
	return 0;
}

/* Sessions open now, for tests and the status listener. */
size_t
session_count(void)
{
	return ss.ss_n;
}
