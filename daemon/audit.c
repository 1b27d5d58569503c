/*
 * The audit trail: who read a call not their own, amended one, exported,
 * moved a queue item, or failed to authenticate. A row is written in the
 * same transaction as what it records, so nothing is committed without
 * its row; the triggers of migration 6 keep the table append-only. After
 * each commit the new rows go to syslog at authpriv, read back from the
 * store so that a row undone with its savepoint is never logged.
 * Details name fields, ranges and formats, never a value.
 */
#include <stdio.h>
#include <string.h>

#include "domain.h"

static const char *const audit_actions[] = {
	"call.read", "call.list", "call.amend", "export", "item.claim", "item.complete",
	"item.release", "item.renew", "item.expire", "item.escalate",
	"item.attempt", "plan.end", "item.number",
	"care.read", "care.list", "care.create", "care.update", "care.contact",
	"care.difficulty", "care.resolve", "care.hand", "care.link",
	"care.end_date", "care.import", "care.export",
	"auth.fail", "auth.signin", "auth.signout", NULL
};

static struct {
	struct store	*au_store;
	int64_t		 au_logged;	/* the newest row sent to syslog */
	int		 au_pending;	/* rows written in the open batch */
	int		 au_unlogged;	/* committed, not yet sent (not synced) */
} as;

static void	audit_commit_hook(int, void *);
static void	audit_synced_hook(int, void *);

/* At start-up: rows already stored were logged by an earlier run. */
int
audit_init(struct batch *b, struct store *store)
{
	if (b != NULL && (batch_on_commit(b, audit_commit_hook, NULL) == -1 ||
	    batch_on_synced(b, audit_synced_hook, NULL) == -1))
		return -1;
	as.au_store = store;
	as.au_pending = 0;
	return store_audit_last(store, &as.au_logged) == STORE_OK ? 0 : -1;
}

/* Whether action is one the trail records (GET /v1/audit?action=). */
int
audit_action_known(const char *action)
{
	size_t	 i;

	for (i = 0; audit_actions[i] != NULL; i++)
		if (strcmp(audit_actions[i], action) == 0)
			return 1;
	return 0;
}

static int
audit_add(struct audit_entry *e)
{
	if (store_audit_add(as.au_store, e) != STORE_OK) {
		log_warnx("%s: %s: %s", __func__, e->ae_action,
		    store_errmsg(as.au_store));
		return STORE_ERR;
	}
	as.au_pending = 1;
	return STORE_OK;
}

/*
 * Record that id did action on call and/or item (0: none), inside the
 * caller's transaction. An unknown requester (a failed authentication)
 * is "-" with role none.
 */
int
audit_record(const struct identity *id, const char *action, int64_t call_id,
    int64_t item_id, const char *detail)
{
	struct audit_entry	 e;

	memset(&e, 0, sizeof(e));
	e.ae_who = id->id_name != NULL ? id->id_name : "-";
	e.ae_role = config_role_name(id->id_role);
	e.ae_peer = id->id_peer[0] != '\0' ? id->id_peer : "-";
	e.ae_action = action;
	e.ae_call_id = call_id;
	e.ae_item_id = item_id;
	e.ae_detail = detail;
	return audit_add(&e);
}

/* Record a move the daemon made by itself (a lease ran out, an SLA). */
int
audit_system(const char *action, int64_t call_id, int64_t item_id,
    const char *detail)
{
	struct audit_entry	 e;

	memset(&e, 0, sizeof(e));
	e.ae_who = AUDIT_SYSTEM;
	e.ae_role = "system";
	e.ae_peer = "-";
	e.ae_action = action;
	e.ae_call_id = call_id;
	e.ae_item_id = item_id;
	e.ae_detail = detail;
	return audit_add(&e);
}

static void
audit_log_row(const struct audit_entry *e, void *arg)
{
	char	 at[40], call[32] = "", item[32] = "";

	(void)arg;
	clock_format(e->ae_at, at, sizeof(at));
	if (e->ae_call_id != 0)
		snprintf(call, sizeof(call), " call=%lld",
		    (long long)e->ae_call_id);
	if (e->ae_item_id != 0)
		snprintf(item, sizeof(item), " item=%lld",
		    (long long)e->ae_item_id);
	log_audit("audit %lld: at=%s action=%s who=%s role=%s peer=%s%s%s%s%s",
	    (long long)e->ae_id, at, e->ae_action, e->ae_who, e->ae_role,
	    e->ae_peer, call, item, e->ae_detail != NULL ? " detail=" : "",
	    e->ae_detail != NULL ? e->ae_detail : "");
	if (e->ae_id > as.au_logged)
		as.au_logged = e->ae_id;
}

/* Send the committed rows not yet sent to syslog. */
static void
audit_log_committed(void)
{
	if (!as.au_unlogged)
		return;
	as.au_unlogged = 0;
	if (store_audit_after(as.au_store, as.au_logged, audit_log_row,
	    NULL) != STORE_OK)
		log_warnx("%s: %s", __func__, store_errmsg(as.au_store));
}

/*
 * The transaction that wrote rows has ended: once committed, and on the
 * disk, send them to syslog (a row sent and then lost in a crash would
 * leave syslog naming a row the trail does not hold, its id given to
 * another); rolled back, they never existed.
 */
void
audit_committed(int ok)
{
	if (!as.au_pending)
		return;
	as.au_pending = 0;
	if (!ok)
		return;
	as.au_unlogged = 1;
	if (!store_sync_on(as.au_store))
		audit_log_committed();
}

/* After every batch: the same, for the rows its jobs wrote. */
static void
audit_commit_hook(int ok, void *arg)
{
	(void)arg;
	audit_committed(ok);
}

/* The sync thread has put commits on the disk: their rows go out. */
static void
audit_synced_hook(int ok, void *arg)
{
	(void)ok;
	(void)arg;
	audit_log_committed();
}

/* A row as GET /v1/audit shows it. */
json_t *
audit_entry_json(const struct audit_entry *e)
{
	json_t	*o;

	o = json_pack("{s:I, s:o, s:s, s:s, s:s, s:s}", "id",
	    (json_int_t)e->ae_id, "at", call_json_time(e->ae_at), "who",
	    e->ae_who, "role", e->ae_role, "peer", e->ae_peer, "action",
	    e->ae_action);
	json_object_set_new(o, "call_id", e->ae_call_id != 0 ?
	    json_integer(e->ae_call_id) : json_null());
	json_object_set_new(o, "item_id", e->ae_item_id != 0 ?
	    json_integer(e->ae_item_id) : json_null());
	json_object_set_new(o, "detail", e->ae_detail != NULL ?
	    json_string(e->ae_detail) : json_null());
	return o;
}
