/*
 * The schema: the numbered migrations that create and upgrade it
 * (user_version); store_copy.c keeps the old file aside before.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store_int.h"

/*
 * Migrations, in order; migration N (1-based) takes user_version from
 * N-1 to N. Never edit one that has shipped: add a new one.
 */
static const char *const store_migrations[] = {
	/* 1: calls, their topics, their amendment history. */
	"CREATE TABLE calls ("
	"  id             INTEGER PRIMARY KEY,"
	"  line           TEXT NOT NULL,"
	"  started_at     INTEGER NOT NULL,"
	"  duration_s     INTEGER,"
	"  operator       TEXT NOT NULL,"
	"  call_type      TEXT NOT NULL,"
	"  caller_type    TEXT NOT NULL,"
	"  gender         TEXT,"
	"  age_band       TEXT,"
	"  risk           TEXT NOT NULL,"
	"  outcome        TEXT,"
	"  callback_at    INTEGER,"
	"  notes          TEXT,"
	"  consent        INTEGER NOT NULL DEFAULT 0,"
	"  caller_name    TEXT,"
	"  caller_contact TEXT,"
	"  caller_hash    TEXT,"
	"  assess_desire     TEXT,"
	"  assess_capability TEXT,"
	"  assess_intent     TEXT,"
	"  assess_buffers    TEXT,"
	"  emergency      INTEGER NOT NULL DEFAULT 0,"
	"  repeat_calls   INTEGER NOT NULL DEFAULT 0,"
	"  created_at     INTEGER NOT NULL,"
	"  updated_at     INTEGER NOT NULL,"
	"  version        INTEGER NOT NULL DEFAULT 1,"
	"  idem_key       TEXT,"
	"  fingerprint    TEXT,"
	"  UNIQUE (operator, idem_key)"
	");"
	"CREATE INDEX calls_started ON calls (started_at, id);"
	"CREATE INDEX calls_operator ON calls (operator, started_at, id);"
	"CREATE INDEX calls_caller_hash ON calls (caller_hash)"
	"  WHERE caller_hash IS NOT NULL;"
	"CREATE TABLE call_topics ("
	"  call_id  INTEGER NOT NULL REFERENCES calls (id),"
	"  pos      INTEGER NOT NULL,"
	"  topic    TEXT NOT NULL,"
	"  PRIMARY KEY (call_id, pos),"
	"  UNIQUE (call_id, topic)"
	") WITHOUT ROWID;"
	"CREATE INDEX call_topics_topic ON call_topics (topic, call_id);"
	"CREATE TABLE call_history ("
	"  id          INTEGER PRIMARY KEY,"
	"  call_id     INTEGER NOT NULL REFERENCES calls (id),"
	"  version     INTEGER NOT NULL,"
	"  amended_at  INTEGER NOT NULL,"
	"  amended_by  TEXT NOT NULL,"
	"  changes     TEXT NOT NULL,"
	"  UNIQUE (call_id, version)"
	");",
	/* 2: follow-up queue items and their transitions. */
	"CREATE TABLE queue_items ("
	"  id            INTEGER PRIMARY KEY,"
	"  call_id       INTEGER NOT NULL REFERENCES calls (id),"
	"  queue         TEXT NOT NULL,"
	"  kind          TEXT NOT NULL,"
	"  priority      INTEGER NOT NULL,"
	"  state         TEXT NOT NULL,"
	"  due_at        INTEGER NOT NULL,"
	"  created_at    INTEGER NOT NULL,"
	"  claimed_by    TEXT,"
	"  claimed_at    INTEGER,"
	"  lease_until   INTEGER,"
	"  completed_at  INTEGER,"
	"  completed_by  TEXT,"
	"  resolution    TEXT,"
	"  escalated_at  INTEGER,"
	"  version       INTEGER NOT NULL DEFAULT 1,"
	"  UNIQUE (call_id, kind)"
	");"
	"CREATE INDEX queue_items_next ON queue_items"
	"  (queue, state, priority, due_at, id);"
	"CREATE INDEX queue_items_due ON queue_items (state, due_at);"
	"CREATE INDEX queue_items_lease ON queue_items (state, lease_until);"
	"CREATE TABLE queue_history ("
	"  id        INTEGER PRIMARY KEY,"
	"  item_id   INTEGER NOT NULL REFERENCES queue_items (id),"
	"  at        INTEGER NOT NULL,"
	"  actor     TEXT NOT NULL,"
	"  action    TEXT NOT NULL,"
	"  detail    TEXT"
	");"
	"CREATE INDEX queue_history_item ON queue_history (item_id, id);",
	/* 3: the first claim of an item (its wait), and the export log. */
	"ALTER TABLE queue_items ADD COLUMN first_claimed_at INTEGER;"
	"UPDATE queue_items SET first_claimed_at = (SELECT min(at)"
	"  FROM queue_history h WHERE h.item_id = queue_items.id"
	"  AND h.action = 'claimed');"
	"CREATE TABLE exports ("
	"  id           INTEGER PRIMARY KEY,"
	"  by           TEXT NOT NULL,"
	"  role         TEXT NOT NULL,"
	"  at           INTEGER NOT NULL,"
	"  range_from   INTEGER NOT NULL,"
	"  range_to     INTEGER NOT NULL,"
	"  format       TEXT NOT NULL,"
	"  rows         INTEGER,"
	"  finished_at  INTEGER"
	");",
	/*
	 * 4: statistics rolled up per UTC hour and dimension value, kept in
	 * the same transactions as the calls and items (stats.c), and built
	 * here from what is already stored (stats_rebuild). Waits to a first
	 * claim are counted in 17 buckets, w0 to w16 (stats.c).
	 */
	"CREATE TABLE stats_hourly ("
	"  dim       TEXT NOT NULL,"
	"  hour      INTEGER NOT NULL,"
	"  value     TEXT NOT NULL,"
	"  calls     INTEGER NOT NULL DEFAULT 0,"
	"  dur_sum   INTEGER NOT NULL DEFAULT 0,"
	"  dur_n     INTEGER NOT NULL DEFAULT 0,"
	"  high      INTEGER NOT NULL DEFAULT 0,"
	"  items     INTEGER NOT NULL DEFAULT 0,"
	"  escalated INTEGER NOT NULL DEFAULT 0,"
	"  w0        INTEGER NOT NULL DEFAULT 0,"
	"  w1        INTEGER NOT NULL DEFAULT 0,"
	"  w2        INTEGER NOT NULL DEFAULT 0,"
	"  w3        INTEGER NOT NULL DEFAULT 0,"
	"  w4        INTEGER NOT NULL DEFAULT 0,"
	"  w5        INTEGER NOT NULL DEFAULT 0,"
	"  w6        INTEGER NOT NULL DEFAULT 0,"
	"  w7        INTEGER NOT NULL DEFAULT 0,"
	"  w8        INTEGER NOT NULL DEFAULT 0,"
	"  w9        INTEGER NOT NULL DEFAULT 0,"
	"  w10       INTEGER NOT NULL DEFAULT 0,"
	"  w11       INTEGER NOT NULL DEFAULT 0,"
	"  w12       INTEGER NOT NULL DEFAULT 0,"
	"  w13       INTEGER NOT NULL DEFAULT 0,"
	"  w14       INTEGER NOT NULL DEFAULT 0,"
	"  w15       INTEGER NOT NULL DEFAULT 0,"
	"  w16       INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (dim, hour, value)"
	") WITHOUT ROWID;",
	/* 5: the oldest claimable item of a queue, by index. */
	"CREATE INDEX queue_items_oldest ON queue_items (queue, state, due_at);",
	/*
	 * 6: the audit trail (audit.c): who read, amended, exported or moved
	 * what, and who failed to authenticate. Append-only: the triggers
	 * refuse to change or remove a row, whoever asks.
	 */
	"CREATE TABLE audit ("
	"  id       INTEGER PRIMARY KEY,"
	"  at       INTEGER NOT NULL,"
	"  who      TEXT NOT NULL,"
	"  role     TEXT NOT NULL,"
	"  peer     TEXT NOT NULL,"
	"  action   TEXT NOT NULL,"
	"  call_id  INTEGER,"
	"  item_id  INTEGER,"
	"  detail   TEXT"
	");"
	"CREATE INDEX audit_at ON audit (at, id);"
	"CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN"
	"  SELECT RAISE(ABORT, 'the audit trail is append-only');"
	"END;"
	"CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN"
	"  SELECT RAISE(ABORT, 'the audit trail is append-only');"
	"END;",
	/*
	 * 7: retention. When a call's personal fields were erased, and a
	 * legal hold that exempts it; the calls still to erase, by index.
	 */
	"ALTER TABLE calls ADD COLUMN personal_erased_at INTEGER;"
	"ALTER TABLE calls ADD COLUMN legal_hold INTEGER NOT NULL DEFAULT 0;"
	"CREATE INDEX calls_unerased ON calls (started_at, id)"
	"  WHERE personal_erased_at IS NULL;",
	/*
	 * 8: the browser console's sessions (session.c): the SHA-256 of each
	 * id, never the id; the user, the role and the SHA-256 of the
	 * password hash it signed in with, so a change ends it.
	 */
	"CREATE TABLE sessions ("
	"  id_sha     BLOB PRIMARY KEY,"
	"  name       TEXT NOT NULL,"
	"  role       INTEGER NOT NULL,"
	"  pw_sha     BLOB NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  seen_at    INTEGER NOT NULL"
	") WITHOUT ROWID;",
	/*
	 * 9: pbx, the phone system's record
	 * of each call (pbx.c), the logged call it belongs to, the events
	 * already applied (a SHA-256 each), and how far the queue_log has
	 * been read. The caller's number only as its keyed hash.
	 */
	"CREATE TABLE pbx_calls ("
	"  id          INTEGER PRIMARY KEY,"
	"  pbx_id      TEXT NOT NULL UNIQUE,"
	"  queue       TEXT NOT NULL,"
	"  line        TEXT,"
	"  offered_at  INTEGER NOT NULL,"
	"  answered_at INTEGER,"
	"  ended_at    INTEGER,"
	"  wait_s      INTEGER,"
	"  talk_s      INTEGER,"
	"  outcome     TEXT,"
	"  agent       TEXT,"
	"  operator    TEXT,"
	"  caller_hash TEXT,"
	"  call_id     INTEGER REFERENCES calls (id),"
	"  updated_at  INTEGER NOT NULL"
	");"
	"CREATE INDEX pbx_calls_offered ON pbx_calls (offered_at);"
	"CREATE INDEX pbx_calls_unlogged ON pbx_calls (answered_at)"
	"  WHERE call_id IS NULL AND answered_at IS NOT NULL;"
	"CREATE INDEX pbx_calls_operator ON pbx_calls (operator, answered_at)"
	"  WHERE call_id IS NULL AND answered_at IS NOT NULL;"
	"CREATE UNIQUE INDEX pbx_calls_call ON pbx_calls (call_id)"
	"  WHERE call_id IS NOT NULL;"
	"CREATE INDEX pbx_calls_hashed ON pbx_calls (offered_at)"
	"  WHERE caller_hash IS NOT NULL;"
	"CREATE TABLE pbx_seen (key BLOB PRIMARY KEY) WITHOUT ROWID;"
	"CREATE TABLE pbx_follow ("
	"  path       TEXT PRIMARY KEY,"
	"  device     INTEGER NOT NULL,"
	"  inode      INTEGER NOT NULL,"
	"  offset     INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL"
	");",
	/*
	 * 10: the crisis record of a call (crisis.c), one JSON object; and
	 * follow-up plans (plan.c). A plan's steps are queue items with a
	 * step number and the attempts made; every attempt a row, its note
	 * personal (erased with the call's); the plan itself, how many
	 * attempts a step allows and when and why it was ended early.
	 */
	"ALTER TABLE queue_items ADD COLUMN step INTEGER;"
	"ALTER TABLE calls ADD COLUMN crisis TEXT;"
	"ALTER TABLE queue_items ADD COLUMN attempts INTEGER NOT NULL"
	"  DEFAULT 0;"
	"CREATE TABLE plans ("
	"  call_id      INTEGER PRIMARY KEY REFERENCES calls (id),"
	"  code         TEXT NOT NULL,"
	"  attempts     INTEGER NOT NULL,"
	"  retry_s      INTEGER NOT NULL,"
	"  started_at   INTEGER NOT NULL,"
	"  ended_at     INTEGER,"
	"  ended_by     TEXT,"
	"  end_reason   TEXT"
	");"
	"CREATE TABLE attempts ("
	"  id       INTEGER PRIMARY KEY,"
	"  item_id  INTEGER NOT NULL REFERENCES queue_items (id),"
	"  call_id  INTEGER NOT NULL REFERENCES calls (id),"
	"  at       INTEGER NOT NULL,"
	"  by       TEXT NOT NULL,"
	"  result   TEXT NOT NULL,"
	"  note     TEXT"
	");"
	"CREATE INDEX attempts_item ON attempts (item_id, id);"
	"CREATE INDEX attempts_call ON attempts (call_id, id);"
	"CREATE INDEX calls_emergency_pending ON calls (started_at, id)"
	"  WHERE crisis IS NOT NULL"
	"  AND json_extract(crisis, '$.emergency.confirmed') = 'pending';",
	/*
	 * 11: statistics rolled up per local day and per local month, and
	 * pair of coded dimensions ("line,risk", in stats_rollup.c's order),
	 * which answer two coded dimensions and whole days of one (with
	 * call_type as the partner) without reading the calls. Days and
	 * months start at local midnights in the zone of stats_daily_zone
	 * (for both tables). A write adds its call's sums to stats_pending
	 * (one row: the sums, the values), folded into the two tables a few
	 * hundred calls at a time; readers add up the rows still pending.
	 * hotlined builds them at start-up
	 * from the calls when the zone is missing or another than its own
	 * (stats_rebuild), so this migration only makes the tables.
	 */
	"CREATE TABLE stats_daily ("
	"  pair      TEXT NOT NULL,"
	"  day       INTEGER NOT NULL,"
	"  v0        TEXT NOT NULL,"
	"  v1        TEXT NOT NULL,"
	"  calls     INTEGER NOT NULL DEFAULT 0,"
	"  dur_sum   INTEGER NOT NULL DEFAULT 0,"
	"  dur_n     INTEGER NOT NULL DEFAULT 0,"
	"  high      INTEGER NOT NULL DEFAULT 0,"
	"  items     INTEGER NOT NULL DEFAULT 0,"
	"  escalated INTEGER NOT NULL DEFAULT 0,"
	"  w0        INTEGER NOT NULL DEFAULT 0,"
	"  w1        INTEGER NOT NULL DEFAULT 0,"
	"  w2        INTEGER NOT NULL DEFAULT 0,"
	"  w3        INTEGER NOT NULL DEFAULT 0,"
	"  w4        INTEGER NOT NULL DEFAULT 0,"
	"  w5        INTEGER NOT NULL DEFAULT 0,"
	"  w6        INTEGER NOT NULL DEFAULT 0,"
	"  w7        INTEGER NOT NULL DEFAULT 0,"
	"  w8        INTEGER NOT NULL DEFAULT 0,"
	"  w9        INTEGER NOT NULL DEFAULT 0,"
	"  w10       INTEGER NOT NULL DEFAULT 0,"
	"  w11       INTEGER NOT NULL DEFAULT 0,"
	"  w12       INTEGER NOT NULL DEFAULT 0,"
	"  w13       INTEGER NOT NULL DEFAULT 0,"
	"  w14       INTEGER NOT NULL DEFAULT 0,"
	"  w15       INTEGER NOT NULL DEFAULT 0,"
	"  w16       INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (pair, day, v0, v1)"
	") WITHOUT ROWID;"
	"CREATE TABLE stats_monthly ("
	"  pair      TEXT NOT NULL,"
	"  month     INTEGER NOT NULL,"
	"  v0        TEXT NOT NULL,"
	"  v1        TEXT NOT NULL,"
	"  calls     INTEGER NOT NULL DEFAULT 0,"
	"  dur_sum   INTEGER NOT NULL DEFAULT 0,"
	"  dur_n     INTEGER NOT NULL DEFAULT 0,"
	"  high      INTEGER NOT NULL DEFAULT 0,"
	"  items     INTEGER NOT NULL DEFAULT 0,"
	"  escalated INTEGER NOT NULL DEFAULT 0,"
	"  w0        INTEGER NOT NULL DEFAULT 0,"
	"  w1        INTEGER NOT NULL DEFAULT 0,"
	"  w2        INTEGER NOT NULL DEFAULT 0,"
	"  w3        INTEGER NOT NULL DEFAULT 0,"
	"  w4        INTEGER NOT NULL DEFAULT 0,"
	"  w5        INTEGER NOT NULL DEFAULT 0,"
	"  w6        INTEGER NOT NULL DEFAULT 0,"
	"  w7        INTEGER NOT NULL DEFAULT 0,"
	"  w8        INTEGER NOT NULL DEFAULT 0,"
	"  w9        INTEGER NOT NULL DEFAULT 0,"
	"  w10       INTEGER NOT NULL DEFAULT 0,"
	"  w11       INTEGER NOT NULL DEFAULT 0,"
	"  w12       INTEGER NOT NULL DEFAULT 0,"
	"  w13       INTEGER NOT NULL DEFAULT 0,"
	"  w14       INTEGER NOT NULL DEFAULT 0,"
	"  w15       INTEGER NOT NULL DEFAULT 0,"
	"  w16       INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (pair, month, v0, v1)"
	") WITHOUT ROWID;"
	"CREATE TABLE stats_pending ("
	"  id        INTEGER PRIMARY KEY,"
	"  started_at INTEGER NOT NULL,"
	"  sums      TEXT NOT NULL,"
	"  vals      TEXT NOT NULL"
	");"
	"CREATE INDEX stats_pending_started ON stats_pending (started_at);"
	"CREATE TABLE stats_daily_zone ("
	"  id        INTEGER PRIMARY KEY CHECK (id = 1),"
	"  zone      TEXT NOT NULL"
	");",
	/*
	 * 12: missed callers called back (pbx_callback.c). Their items
	 * belong to no logged call: queue_items.call_id loses its NOT NULL,
	 * through the schema text, as SQLite documents for removing a NOT
	 * NULL constraint (nothing on disk changes; RESET reloads it). The
	 * caller's number is kept only in pbx_callbacks, sealed (AES-256-
	 * GCM), and set to NULL when the item is done or by retention.
	 */
	"PRAGMA writable_schema = ON;"
	"UPDATE sqlite_schema SET sql = replace(sql,"
	"  'call_id       INTEGER NOT NULL REFERENCES calls (id)',"
	"  'call_id       INTEGER REFERENCES calls (id)')"
	"  WHERE type = 'table' AND name = 'queue_items';"
	"PRAGMA writable_schema = RESET;"
	"CREATE TABLE pbx_callbacks ("
	"  item_id     INTEGER PRIMARY KEY REFERENCES queue_items (id),"
	"  caller_hash TEXT NOT NULL,"
	"  line        TEXT,"
	"  pbx_call    INTEGER REFERENCES pbx_calls (id),"
	"  tries       INTEGER NOT NULL,"
	"  first_at    INTEGER NOT NULL,"
	"  last_at     INTEGER NOT NULL,"
	"  number      BLOB"
	");"
	"CREATE INDEX pbx_callbacks_caller ON pbx_callbacks (caller_hash)"
	"  WHERE number IS NOT NULL;"
	"CREATE INDEX pbx_callbacks_first ON pbx_callbacks (first_at)"
	"  WHERE number IS NOT NULL;"
	/*
	 * And the phone measures' rollups (pbx_rollup.c): one row per day
	 * in the configured timezone, line and operator ('' for none), its
	 * counts for the whole day (read alone: first) and by hour, kind
	 * and wait; built from the phone calls at the first start.
	 */
	"CREATE TABLE pbx_rollup ("
	"  day      INTEGER NOT NULL,"
	"  line     TEXT NOT NULL,"
	"  operator TEXT NOT NULL,"
	"  days     BLOB NOT NULL,"
	"  hours    BLOB NOT NULL,"
	"  PRIMARY KEY (day, line, operator)"
	") WITHOUT ROWID;",
	/*
	 * 13: the care register (care.c). People under care with the
	 * form's fields, matched by name + unit + phone (match_key), their
	 * phones' keyed hashes (to propose a caller), family members,
	 * contacts, difficulties, the calls linked to them, and the end
	 * date set for everyone. Days are local day numbers (days since
	 * 1970-01-01 in the configured timezone); due_day is the day the
	 * next contact falls due. Personal fields erased like calls'.
	 */
	"CREATE TABLE care_people ("
	"  id              INTEGER PRIMARY KEY,"
	"  name            TEXT,"
	"  gender          TEXT,"
	"  category        TEXT,"
	"  post            TEXT,"
	"  phone           TEXT,"
	"  unit            TEXT NOT NULL,"
	"  team            TEXT NOT NULL,"
	"  liaison         TEXT,"
	"  notes           TEXT,"
	"  hubei_phone     TEXT,"
	"  carrier         TEXT,"
	"  match_key       TEXT UNIQUE,"
	"  start_day       INTEGER NOT NULL,"
	"  every_days      INTEGER NOT NULL,"
	"  end_day         INTEGER,"
	"  last_contact_at INTEGER,"
	"  due_day         INTEGER NOT NULL,"
	"  created_at      INTEGER NOT NULL,"
	"  created_by      TEXT NOT NULL,"
	"  updated_at      INTEGER NOT NULL,"
	"  version         INTEGER NOT NULL DEFAULT 1,"
	"  legal_hold      INTEGER NOT NULL DEFAULT 0,"
	"  personal_erased_at INTEGER"
	");"
	"CREATE INDEX care_people_liaison ON care_people (liaison, due_day);"
	"CREATE INDEX care_people_unit ON care_people (unit, team);"
	"CREATE INDEX care_people_due ON care_people (due_day);"
	"CREATE TABLE care_phones ("
	"  hash       TEXT NOT NULL,"
	"  person_id  INTEGER NOT NULL REFERENCES care_people (id),"
	"  PRIMARY KEY (hash, person_id)"
	") WITHOUT ROWID;"
	"CREATE INDEX care_phones_person ON care_phones (person_id);"
	"CREATE TABLE care_family ("
	"  id         INTEGER PRIMARY KEY,"
	"  person_id  INTEGER NOT NULL REFERENCES care_people (id),"
	"  name       TEXT,"
	"  relation   TEXT,"
	"  phone      TEXT"
	");"
	"CREATE INDEX care_family_person ON care_family (person_id);"
	"CREATE TABLE care_contacts ("
	"  id         INTEGER PRIMARY KEY,"
	"  person_id  INTEGER NOT NULL REFERENCES care_people (id),"
	"  kind       TEXT NOT NULL,"
	"  at         INTEGER NOT NULL,"
	"  by         TEXT NOT NULL,"
	"  with_whom  TEXT,"
	"  note       TEXT,"
	"  due_day    INTEGER NOT NULL,"
	"  on_time    INTEGER NOT NULL"
	");"
	"CREATE INDEX care_contacts_person ON care_contacts (person_id, at);"
	"CREATE INDEX care_contacts_at ON care_contacts (at);"
	"CREATE TABLE care_difficulties ("
	"  id          INTEGER PRIMARY KEY,"
	"  person_id   INTEGER NOT NULL REFERENCES care_people (id),"
	"  category    TEXT NOT NULL,"
	"  description TEXT,"
	"  raised_by   TEXT NOT NULL,"
	"  raised_at   INTEGER NOT NULL,"
	"  state       TEXT NOT NULL,"
	"  resolution  TEXT,"
	"  closed_by   TEXT,"
	"  closed_at   INTEGER,"
	"  queue       TEXT,"
	"  item_id     INTEGER,"
	"  version     INTEGER NOT NULL DEFAULT 1"
	");"
	"CREATE INDEX care_difficulties_person ON care_difficulties"
	"  (person_id, id);"
	"CREATE INDEX care_difficulties_state ON care_difficulties (state, id);"
	"CREATE TABLE care_links ("
	"  call_id    INTEGER NOT NULL REFERENCES calls (id),"
	"  person_id  INTEGER NOT NULL REFERENCES care_people (id),"
	"  linked_by  TEXT NOT NULL,"
	"  linked_at  INTEGER NOT NULL,"
	"  PRIMARY KEY (call_id, person_id)"
	") WITHOUT ROWID;"
	"CREATE INDEX care_links_person ON care_links (person_id, call_id);"
	"CREATE TABLE care_settings ("
	"  key    TEXT PRIMARY KEY,"
	"  value  INTEGER"
	") WITHOUT ROWID;",
	/*
	 * 14: a plan's step keeps the time it first fell due (due_at moves
	 * on after each failed attempt), which the follow-up statistics
	 * (stats_followup.c) count on-time and late against. Steps already
	 * tried before it existed take their first attempt's time.
	 */
	"ALTER TABLE queue_items ADD COLUMN due_first INTEGER;"
	"UPDATE queue_items SET due_first = CASE WHEN attempts = 0 THEN due_at"
	"  ELSE (SELECT min(at) FROM attempts WHERE item_id = queue_items.id)"
	"  END WHERE step IS NOT NULL;"
	"CREATE INDEX queue_items_due_first ON queue_items (due_first)"
	"  WHERE due_first IS NOT NULL;",
	/*
	 * 15: the items the SLA timer may escalate (queue.c), in the order
	 * it takes them, without reading past the waiting items it has
	 * escalated already: a backlog of those made every tick read them
	 * all.
	 */
	"CREATE INDEX queue_items_unescalated ON queue_items"
	"  (due_at, id) WHERE state = 'waiting' AND escalated_at IS NULL;",
	/*
	 * 16: the calls by line, caller type and risk (hotlined_calls_total),
	 * kept by triggers in every write's transaction, so that start-up
	 * reads a few rows instead of every call.
	 */
	"CREATE TABLE call_totals (line TEXT NOT NULL, caller_type TEXT NOT NULL,"
	"  risk TEXT NOT NULL, calls INTEGER NOT NULL,"
	"  PRIMARY KEY (line, caller_type, risk)) WITHOUT ROWID;"
	"INSERT INTO call_totals SELECT line, caller_type, risk, count(*)"
	"  FROM calls GROUP BY 1, 2, 3;"
	"CREATE TRIGGER call_totals_insert AFTER INSERT ON calls BEGIN"
	"  INSERT INTO call_totals VALUES (new.line, new.caller_type, new.risk, 1)"
	"  ON CONFLICT DO UPDATE SET calls = calls + 1; END;"
	"CREATE TRIGGER call_totals_update AFTER UPDATE OF line, caller_type, risk"
	"  ON calls BEGIN"
	"  UPDATE call_totals SET calls = calls - 1 WHERE line = old.line"
	"  AND caller_type = old.caller_type AND risk = old.risk;"
	"  INSERT INTO call_totals VALUES (new.line, new.caller_type, new.risk, 1)"
	"  ON CONFLICT DO UPDATE SET calls = calls + 1; END;"
	"CREATE TRIGGER call_totals_delete AFTER DELETE ON calls BEGIN"
	"  UPDATE call_totals SET calls = calls - 1 WHERE line = old.line"
	"  AND caller_type = old.caller_type AND risk = old.risk; END;",
	/*
	 * 17: the crisis records rolled up (stats_followup.c): per UTC
	 * hour, local day and local month (k), line, operator and risk,
	 * the counts by band, time frame, agency and outcome
	 * (STORE_CRISIS_SUMS). Triggers on calls keep them exact through
	 * every write (a call stored, amended, erased, deleted), whoever
	 * makes it. rollup_days holds the local midnights (lo) with their
	 * day and month in the zone of rollup_days_zone; hotlined fills it
	 * and builds the rollups from the calls at start-up when that zone
	 * is missing or another than its own. Idempotent (IF NOT EXISTS),
	 * so an earlier migration may be run again under it.
	 */
	STORE_CRISIS_SCHEMA,
	/*
	 * 18: the waiting items by queue, priority (each has its own SLA)
	 * and whether escalated, so that the SLA timer reads only the
	 * overdue ones, and the recount of the queues reads this index
	 * alone (state is in it for that). Along queue_items_unescalated
	 * (due_at) the timer read, every second, every waiting item still
	 * within its SLA or in a queue without one (a day's items of a
	 * priority whose SLA is three days: 80 ms after a minute of 64
	 * writers; 200 ms in a store of ten million calls); the recount
	 * read each open item's row (100 ms for 125 000 of them, 20 ms now).
	 */
	"DROP INDEX queue_items_unescalated;"
	"CREATE INDEX queue_items_waiting ON queue_items"
	"  (queue, priority, escalated_at, state, due_at)"
	"  WHERE state = 'waiting';",
	/*
	 * 19: what the statistics read of the calls and their items where
	 * no rollup holds it (two coded dimensions over part of a day),
	 * from two indexes alone instead of the wide rows: the calls'
	 * coded fields and duration in the order of their start, and the
	 * items' escalation and wait by call. Two to three times as fast,
	 * for about 90 bytes a call; building them over ten million calls
	 * takes about 40 s, once.
	 */
	"CREATE INDEX calls_coded ON calls (started_at, line, caller_type,"
	"  risk, outcome, operator, call_type, duration_s);"
	"CREATE INDEX queue_items_call ON queue_items (call_id, escalated_at,"
	"  first_claimed_at, due_at);",
	/*
	 * 20: the risk codes the statistics rollups count as high (the
	 * "high" column of stats_hourly, stats_daily, stats_monthly and the
	 * sums in stats_pending), a JSON list, sorted: those at "high" or
	 * above in the config they were counted with. Every write counts
	 * with them, so a reload that changes the config's leaves the
	 * rollups exact for their own (stats_high.c). No row here: the
	 * rollups were counted before hotlined remembered it, each write
	 * with the config of its day, which a changed risk_levels may have
	 * mixed; nothing in SQL knows the config, so start-up checks the
	 * rows that hold the risk against it and remembers its set, or
	 * builds the rollups again (stats_high_start).
	 */
	"CREATE TABLE stats_high ("
	"  id     INTEGER PRIMARY KEY CHECK (id = 1),"
	"  risks  TEXT NOT NULL"
	");",
};
#define STORE_SCHEMA_VERSION \
	((int)(sizeof(store_migrations) / sizeof(store_migrations[0])))

/* The schema version this hotlined makes (the number of migrations). */
int
store_schema_version(void)
{
	return STORE_SCHEMA_VERSION;
}

/* The schema version the file has; 0 for a new one. */
static int
store_user_version(sqlite3 *db, int *version)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st,
	    NULL) != SQLITE_OK)
		return -1;
	rc = sqlite3_step(st);
	*version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

/*
 * Bring the schema up to date: the old file is first copied aside, then
 * every migration runs in one transaction, so a failed upgrade leaves the
 * database as it was.
 */
int
store_migrate(sqlite3 *db, const char *path, char **cause)
{
	char	*err = NULL, sql[64];
	int	 v, i;

	if (strtol(STORE_SCHEMA_VERSION_TEXT, NULL, 10) !=
	    STORE_SCHEMA_VERSION)
		fatalx("%s: STORE_SCHEMA_VERSION_TEXT is out of date", __func__);
	if (store_user_version(db, &v) == -1) {
		asprintf(cause, "%s: reading the schema version: %s", path,
		    sqlite3_errmsg(db));
		return -1;
	}
	if (v > STORE_SCHEMA_VERSION) {
		asprintf(cause, "%s: the database has schema version %d, newer "
		    "than this hotlined knows (%d); run a newer hotlined",
		    path, v, STORE_SCHEMA_VERSION);
		return -1;
	}
	if (v == STORE_SCHEMA_VERSION)
		return 0;
	if (v > 0)
		notify_extend("upgrading the store");
	if (v > 0 && store_copy_aside(db, path, v, cause) == -1)
		return -1;
	i = v;
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, &err) != SQLITE_OK)
		goto fail;
	for (i = v; i < STORE_SCHEMA_VERSION; i++) {
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", i + 1);
		if (sqlite3_exec(db, store_migrations[i], NULL, NULL,
		    &err) != SQLITE_OK ||
		    sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
			goto fail;
	}
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, &err) != SQLITE_OK)
		goto fail;
	if (v > 0)
		log_info("%s: schema migrated from version %d to %d", path, v,
		    STORE_SCHEMA_VERSION);
	return 0;
fail:
	asprintf(cause, "%s: migration to version %d: %s", path, i + 1,
	    err != NULL ? err : sqlite3_errmsg(db));
	sqlite3_free(err);
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}
