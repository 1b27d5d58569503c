/*
 * Missed callers called back (pbx.callback in the config; off without
 * it): a phone call given up after the short-abandon threshold, whose
 * caller's number the PBX gave, makes one item in the configured queue
 * per caller, however often they tried while it is open (by the keyed
 * hash of the number). The number is kept only in that item, sealed
 * with AES-256-GCM (a random 96-bit nonce each, the item's id as
 * associated data), opened only for the counselor holding the item,
 * and erased when the item is done or by retention.
 *
 * The queue_log gives the number on ENTERQUEUE and the end of the call
 * later: until then the number waits here, in memory only, and is
 * wiped when the call is answered, ends or is forgotten.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "domain.h"

#define CB_PENDING_MAX	1024	/* calls under way with a number */
#define CB_PENDING_S	86400	/* a call not over in a day: forgotten */
#define CB_WITHIN_S	(7 * 86400) /* given up longer ago (an import of the
				   history): nobody is called back */
#define CB_VERSION	1
#define CB_NONCE	12
#define CB_TAG		16

struct cb_pending {
	char		 cp_call[PBX_ID_MAX];
	char		 cp_number[32];
	int64_t		 cp_at;
};

static struct cb_pending	cb_pend[CB_PENDING_MAX];
static size_t			cb_npend;

static void
cb_pending_drop(size_t i)
{
	OPENSSL_cleanse(&cb_pend[i], sizeof(cb_pend[i]));
	if (i != --cb_npend) {
		cb_pend[i] = cb_pend[cb_npend];
		OPENSSL_cleanse(&cb_pend[cb_npend], sizeof(cb_pend[cb_npend]));
	}
}

/* Keep the number of a call under way (the oldest makes room). */
static void
cb_pending_put(const char *call, const char *number, int64_t now)
{
	size_t	 i, old = 0;

	for (i = 0; i < cb_npend; i++)
		if (strcmp(cb_pend[i].cp_call, call) == 0)
			break;
	if (i == cb_npend) {
		for (i = cb_npend; i-- > 0;)
			if (now - cb_pend[i].cp_at > CB_PENDING_S)
				cb_pending_drop(i);
		if (cb_npend == CB_PENDING_MAX) {
			for (i = 1; i < cb_npend; i++)
				if (cb_pend[i].cp_at < cb_pend[old].cp_at)
					old = i;
			cb_pending_drop(old);
		}
		i = cb_npend++;
	}
	snprintf(cb_pend[i].cp_call, sizeof(cb_pend[i].cp_call), "%s", call);
	snprintf(cb_pend[i].cp_number, sizeof(cb_pend[i].cp_number), "%s",
	    number);
	cb_pend[i].cp_at = now;
}

/* Take the number of call out (into out, "" when none). */
static void
cb_pending_take(const char *call, char *out, size_t len)
{
	size_t	 i;

	out[0] = '\0';
	for (i = 0; i < cb_npend; i++)
		if (strcmp(cb_pend[i].cp_call, call) == 0) {
			snprintf(out, len, "%s", cb_pend[i].cp_number);
			cb_pending_drop(i);
			return;
		}
}

/* Forget every number waiting (a config without callbacks, the end). */
void
pbx_callback_forget(void)
{
	OPENSSL_cleanse(cb_pend, sizeof(cb_pend));
	cb_npend = 0;
}

static int
cb_aad(int64_t item, unsigned char *buf, size_t len)
{
	return snprintf((char *)buf, len, "hotlined missed caller, item %lld",
	    (long long)item);
}

/* Seal number for item into out (*len bytes): version, nonce, text, tag. */
int
pbx_callback_seal(const unsigned char *key, int64_t item, const char *number,
    unsigned char *out, size_t *len)
{
	EVP_CIPHER_CTX	*c;
	unsigned char	 aad[64];
	size_t		 n = strlen(number);
	int		 k, m, alen, ok;

	if (1 + CB_NONCE + n + CB_TAG > PBX_SEALED_MAX ||
	    (c = EVP_CIPHER_CTX_new()) == NULL)
		return -1;
	alen = cb_aad(item, aad, sizeof(aad));
	out[0] = CB_VERSION;
	ok = RAND_bytes(out + 1, CB_NONCE) == 1 &&
	    EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL) == 1 &&
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, CB_NONCE,
	    NULL) == 1 &&
	    EVP_EncryptInit_ex(c, NULL, NULL, key, out + 1) == 1 &&
	    EVP_EncryptUpdate(c, NULL, &k, aad, alen) == 1 &&
	    EVP_EncryptUpdate(c, out + 1 + CB_NONCE, &k,
	    (const unsigned char *)number, (int)n) == 1 &&
	    EVP_EncryptFinal_ex(c, out + 1 + CB_NONCE + k, &m) == 1 &&
	    (size_t)(k + m) == n &&
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, CB_TAG,
	    out + 1 + CB_NONCE + n) == 1;
	EVP_CIPHER_CTX_free(c);
	*len = 1 + CB_NONCE + n + CB_TAG;
	return ok ? 0 : -1;
}

/* Open the number of cb (into out); -1 when erased, or not this key's. */
int
pbx_callback_open(const unsigned char *key, const struct pbx_callback *cb,
    char *out, size_t len)
{
	EVP_CIPHER_CTX	*c;
	unsigned char	 aad[64], tag[CB_TAG];
	size_t		 n;
	int		 k, m, alen, ok;

	out[0] = '\0';
	if (cb->cb_number_len < 1 + CB_NONCE + CB_TAG ||
	    cb->cb_number[0] != CB_VERSION)
		return -1;
	n = cb->cb_number_len - 1 - CB_NONCE - CB_TAG;
	if (n + 1 > len || (c = EVP_CIPHER_CTX_new()) == NULL)
		return -1;
	alen = cb_aad(cb->cb_item_id, aad, sizeof(aad));
	memcpy(tag, cb->cb_number + 1 + CB_NONCE + n, CB_TAG);
	ok = EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL) == 1 &&
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, CB_NONCE,
	    NULL) == 1 &&
	    EVP_DecryptInit_ex(c, NULL, NULL, key, cb->cb_number + 1) == 1 &&
	    EVP_DecryptUpdate(c, NULL, &k, aad, alen) == 1 &&
	    EVP_DecryptUpdate(c, (unsigned char *)out, &k,
	    cb->cb_number + 1 + CB_NONCE, (int)n) == 1 &&
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, CB_TAG, tag) == 1 &&
	    EVP_DecryptFinal_ex(c, (unsigned char *)out + k, &m) == 1;
	EVP_CIPHER_CTX_free(c);
	if (!ok) {
		OPENSSL_cleanse(out, len);
		return -1;
	}
	out[n] = '\0';
	return 0;
}

/* Given up after the short-abandon threshold (an unknown wait counts). */
int
pbx_callback_lost(const struct config *cf, const struct pbx_call *pc)
{
	return pc->pc_answered_at == 0 && pc->pc_ended_at != 0 &&
	    !(pc->pc_wait_s >= 0 && pc->pc_wait_s <
	    cf->cf_pbx.px_short_abandon_s);
}

/* A new item for the caller of pc, number sealed in it. */
static int
cb_item_new(struct store *s, const struct config *cf,
    const struct pbx_call *pc, const char *hash, const char *number,
    int64_t now)
{
	struct queue_item	 it;
	struct pbx_callback	 cb;
	int			 rc;

	memset(&it, 0, sizeof(it));
	snprintf(it.qi_queue, sizeof(it.qi_queue), "%s",
	    cf->cf_queues.cl_v[cf->cf_pbx.px_cb_queue].cn_code);
	snprintf(it.qi_kind, sizeof(it.qi_kind), "missed");
	it.qi_priority = cf->cf_pbx.px_cb_priority;
	it.qi_created_at = it.qi_due_at = now;
	if ((rc = store_item_insert(s, &it, "pbx")) != STORE_OK)
		return rc;
	memset(&cb, 0, sizeof(cb));
	cb.cb_item_id = it.qi_id;
	snprintf(cb.cb_caller_hash, sizeof(cb.cb_caller_hash), "%s", hash);
	snprintf(cb.cb_line, sizeof(cb.cb_line), "%s", pc->pc_line);
	cb.cb_pbx_call = pc->pc_id;
	cb.cb_tries = 1;
	cb.cb_first_at = cb.cb_last_at = pc->pc_ended_at;
	if (pbx_callback_seal(cf->cf_pbx.px_cb_key, it.qi_id, number,
	    cb.cb_number, &cb.cb_number_len) == -1) {
		log_warnx("pbx: cannot seal a missed caller's number");
		return STORE_ERR;
	}
	rc = store_pbx_callback_add(s, &cb);
	OPENSSL_cleanse(&cb, sizeof(cb));
	if (rc == STORE_OK)
		queue_move(it.qi_queue, 1, 0, 0, 0, it.qi_due_at, 0);
	return rc;
}

/*
 * After ev changed the stored call pc (was_lost: whether it was given up
 * before ev): keep the number of a call under way, and make or count
 * the callback item of a call just given up. Inside the open batch.
 */
int
pbx_callback_apply(struct store *s, const struct config *cf,
    const struct pbx_event *ev, int was_lost, struct pbx_call *pc,
    int64_t now)
{
	char	 number[32], *hash = NULL;
	int64_t	 item;
	int	 lost, rc;

	if (!cf->cf_pbx.px_cb_on)
		return STORE_OK;
	lost = pbx_callback_lost(cf, pc);
	number[0] = '\0';
	if (ev->pe_kind == PBX_OFFERED) {
		if (ev->pe_number[0] == '\0')
			return STORE_OK;
		if (!lost) {
			if (pc->pc_ended_at == 0 && pc->pc_answered_at == 0)
				cb_pending_put(ev->pe_call, ev->pe_number, now);
			return STORE_OK;
		}
		snprintf(number, sizeof(number), "%s", ev->pe_number);
	} else {
		if (pc->pc_ended_at != 0 || pc->pc_answered_at != 0)
			cb_pending_take(ev->pe_call, number, sizeof(number));
		if (!lost || was_lost) {
			OPENSSL_cleanse(number, sizeof(number));
			return STORE_OK;
		}
	}
	if (number[0] == '\0' || now - pc->pc_ended_at > CB_WITHIN_S) {
		OPENSSL_cleanse(number, sizeof(number));
		return STORE_OK;
	}
	if (call_hash_number(cf, number, &hash) == -1) {
		OPENSSL_cleanse(number, sizeof(number));
		return STORE_OK;	/* not a number: nobody to call */
	}
	if (pc->pc_id == 0 && (rc = store_pbx_get(s, pc->pc_pbx_id,
	    pc)) != STORE_OK)
		goto done;
	rc = store_pbx_callback_open(s, hash, &item);
	if (rc == STORE_OK)
		rc = store_pbx_callback_tried(s, item, pc->pc_id,
		    pc->pc_ended_at);
	else if (rc == STORE_NOTFOUND)
		rc = cb_item_new(s, cf, pc, hash, number, now);
done:
	OPENSSL_cleanse(number, sizeof(number));
	free(hash);
	return rc;
}

/* The item's missed calls, and the number when shown (NULL: not). */
json_t *
pbx_callback_json(const struct pbx_callback *cb, const char *number)
{
	return json_pack("{s:o, s:I, s:o, s:o, s:o, s:b}",
	    "line", cb->cb_line[0] != '\0' ? json_string(cb->cb_line) :
	    json_null(), "tries", (json_int_t)cb->cb_tries,
	    "first_at", call_json_time(cb->cb_first_at),
	    "last_at", call_json_time(cb->cb_last_at),
	    "caller_number", number != NULL ? json_string(number) :
	    json_null(), "erased", cb->cb_number_len == 0);
}
