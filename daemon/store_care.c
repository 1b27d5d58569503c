/*
 * The care register's tables (care.c): people under care, their phones'
 * keyed hashes, family, contacts, difficulties, linked calls and the end
 * date set for everyone. Rows go in and come out as JSON objects whose
 * members are the columns: a statement's named parameters (":unit") are
 * bound from the members of the same name, and a row's columns become
 * members, so the domain keeps one shape from the request to the table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

#define CARE_OVERDUE "(due_day < :today AND due_day <=" \
	" coalesce(end_day, :end_day, due_day))"
#define CARE_PERSON_SET "name = :name, gender = :gender," \
	" category = :category, post = :post, phone = :phone, unit = :unit," \
	" team = :team, liaison = :liaison, notes = :notes," \
	" hubei_phone = :hubei_phone, carrier = :carrier," \
	" match_key = :match_key, start_day = :start_day," \
	" every_days = :every_days, end_day = :end_day," \
	" last_contact_at = :last_contact_at, due_day = :due_day," \
	" updated_at = :updated_at, legal_hold = :legal_hold"

const char *const store_care_sql[ST_MAX] = {
	[ST_CARE_PERSON_INSERT] = "INSERT INTO care_people (name, gender,"
	    " category, post, phone, unit, team, liaison, notes, hubei_phone,"
	    " carrier, match_key, start_day, every_days, end_day,"
	    " last_contact_at, due_day, created_at, created_by, updated_at,"
	    " legal_hold) VALUES (:name, :gender, :category, :post, :phone,"
	    " :unit, :team, :liaison, :notes, :hubei_phone, :carrier,"
	    " :match_key, :start_day, :every_days, :end_day, :last_contact_at,"
	    " :due_day, :created_at, :created_by, :updated_at,"
	    " coalesce(:legal_hold, 0))",
	/* Compare-and-swap on version. */
	[ST_CARE_PERSON_UPDATE] = "UPDATE care_people SET " CARE_PERSON_SET
	    ", version = version + 1 WHERE id = :id AND version = :version",
	[ST_CARE_PERSON_GET] = "SELECT * FROM care_people WHERE id = :id",
	[ST_CARE_PERSON_BY_KEY] = "SELECT * FROM care_people"
	    " WHERE match_key = :match_key",
	[ST_CARE_PERSON_BY_HASH] = "SELECT p.id, p.liaison FROM care_phones h"
	    " JOIN care_people p ON p.id = h.person_id WHERE h.hash = :hash"
	    " ORDER BY p.id LIMIT 1",
	/* Overdue first: the earliest due day leads. */
	[ST_CARE_PEOPLE] = "SELECT *, " CARE_OVERDUE " AS overdue"
	    " FROM care_people WHERE (:unit IS NULL OR unit = :unit)"
	    " AND (:team IS NULL OR team = :team)"
	    " AND (:liaison IS NULL OR liaison = :liaison)"
	    " AND (:q IS NULL OR instr(name, :q) > 0 OR instr(unit, :q) > 0"
	    "  OR instr(phone, :q) > 0)"
	    " AND (:only_overdue IS NULL OR " CARE_OVERDUE ")"
	    " ORDER BY due_day, id LIMIT :limit OFFSET :offset",
	[ST_CARE_PHONES_DELETE] = "DELETE FROM care_phones"
	    " WHERE person_id = :person_id",
	[ST_CARE_PHONE_INSERT] = "INSERT OR IGNORE INTO care_phones (hash,"
	    " person_id) VALUES (:hash, :person_id)",
	[ST_CARE_PHONES_OF] = "SELECT hash FROM care_phones"
	    " WHERE person_id = :person_id",
	[ST_CARE_FAMILY_DELETE] = "DELETE FROM care_family"
	    " WHERE person_id = :person_id",
	[ST_CARE_FAMILY_INSERT] = "INSERT INTO care_family (person_id, name,"
	    " relation, phone) VALUES (:person_id, :name, :relation, :phone)",
	[ST_CARE_FAMILY] = "SELECT name, relation, phone FROM care_family"
	    " WHERE person_id = :person_id ORDER BY id",
	[ST_CARE_CONTACT_INSERT] = "INSERT INTO care_contacts (person_id,"
	    " kind, at, by, with_whom, note, due_day, on_time) VALUES"
	    " (:person_id, :kind, :at, :by, :with_whom, :note, :due_day,"
	    " :on_time)",
	[ST_CARE_CONTACTED] = "UPDATE care_people SET last_contact_at ="
	    " :last_contact_at, due_day = :due_day, updated_at = :updated_at,"
	    " version = version + 1 WHERE id = :id",
	[ST_CARE_CONTACTS] = "SELECT id, kind, at, by, with_whom, note,"
	    " due_day, on_time FROM care_contacts WHERE person_id = :person_id"
	    " ORDER BY at DESC, id DESC",
	[ST_CARE_DIFF_INSERT] = "INSERT INTO care_difficulties (person_id,"
	    " category, description, raised_by, raised_at, state) VALUES"
	    " (:person_id, :category, :description, :raised_by, :raised_at,"
	    " 'open')",
	[ST_CARE_DIFF_GET] = "SELECT * FROM care_difficulties WHERE id = :id",
	/* Once: only an open difficulty is resolved or handed on. */
	[ST_CARE_DIFF_UPDATE] = "UPDATE care_difficulties SET state = :state,"
	    " resolution = :resolution, closed_by = :closed_by,"
	    " closed_at = :closed_at, queue = :queue, item_id = :item_id,"
	    " version = version + 1 WHERE id = :id AND state = 'open'",
	[ST_CARE_DIFFS] = "SELECT d.*, p.unit, p.liaison, p.name"
	    " FROM care_difficulties d JOIN care_people p ON p.id = d.person_id"
	    " WHERE (:person_id IS NULL OR d.person_id = :person_id)"
	    " AND (:state IS NULL OR d.state = :state)"
	    " AND (:liaison IS NULL OR p.liaison = :liaison)"
	    " AND (:unit IS NULL OR p.unit = :unit)"
	    " ORDER BY d.id LIMIT :limit",
	[ST_CARE_LINK] = "INSERT OR IGNORE INTO care_links (call_id,"
	    " person_id, linked_by, linked_at) VALUES (:call_id, :person_id,"
	    " :linked_by, :linked_at)",
	[ST_CARE_LINKS] = "SELECT l.call_id, l.linked_by, l.linked_at,"
	    " c.started_at, c.line, c.risk, c.outcome FROM care_links l"
	    " JOIN calls c ON c.id = l.call_id WHERE l.person_id = :person_id"
	    " ORDER BY c.started_at DESC",
	[ST_CARE_LINK_OF_CALL] = "SELECT p.id, p.liaison FROM care_links l"
	    " JOIN care_people p ON p.id = l.person_id"
	    " WHERE l.call_id = :call_id ORDER BY l.linked_at LIMIT 1",
	[ST_CARE_END_GET] = "SELECT value FROM care_settings"
	    " WHERE key = 'end_day'",
	[ST_CARE_END_SET] = "INSERT INTO care_settings (key, value) VALUES"
	    " ('end_day', :end_day) ON CONFLICT (key) DO UPDATE SET"
	    " value = excluded.value",
	/* Retention: the care ended long enough ago, not held, nothing open. */
	[ST_CARE_ERASE_PICK] = "SELECT id FROM care_people p"
	    " WHERE personal_erased_at IS NULL AND legal_hold = 0"
	    " AND coalesce(end_day, :end_day) < :cutoff_day"
	    " AND NOT EXISTS (SELECT 1 FROM care_difficulties d"
	    "  WHERE d.person_id = p.id AND d.state = 'open')"
	    " ORDER BY id LIMIT :limit",
	[ST_CARE_ERASE_PERSON] = "UPDATE care_people SET name = NULL,"
	    " phone = NULL, post = NULL, notes = NULL, hubei_phone = NULL,"
	    " carrier = NULL, match_key = NULL, personal_erased_at = :now"
	    " WHERE id = :id",
	[ST_CARE_ERASE_PHONES] = "DELETE FROM care_phones WHERE person_id = :id",
	[ST_CARE_ERASE_FAMILY] = "UPDATE care_family SET name = NULL,"
	    " phone = NULL WHERE person_id = :id",
	[ST_CARE_ERASE_CONTACTS] = "UPDATE care_contacts SET with_whom = NULL,"
	    " note = NULL WHERE person_id = :id",
	[ST_CARE_ERASE_DIFFS] = "UPDATE care_difficulties SET"
	    " description = NULL, resolution = NULL WHERE person_id = :id",
	[ST_CARE_COUNT_PEOPLE] = "SELECT team, unit, count(*) AS people,"
	    " total(" CARE_OVERDUE ") AS overdue FROM care_people"
	    " GROUP BY team, unit ORDER BY team, unit",
	/* A week [from_day, to_day): due (made or not), made, on time. */
	[ST_CARE_COUNT_CONTACTS] = "SELECT"
	    " (SELECT count(*) FROM care_contacts WHERE due_day >= :from_day"
	    "  AND due_day < :to_day) + (SELECT count(*) FROM care_people"
	    "  WHERE due_day >= :from_day AND due_day < :to_day"
	    "  AND due_day <= coalesce(end_day, :end_day, due_day)) AS due,"
	    " (SELECT count(*) FROM care_contacts WHERE at >= :from"
	    "  AND at < :to) AS made,"
	    " (SELECT count(*) FROM care_contacts WHERE due_day >= :from_day"
	    "  AND due_day < :to_day AND on_time) AS on_time,"
	    " (SELECT count(*) FROM care_people WHERE due_day >= :from_day"
	    "  AND due_day < :to_day AND " CARE_OVERDUE ") AS overdue",
	/* Age: since raised (open), or until closed. */
	[ST_CARE_COUNT_DIFFS] = "SELECT category, state, count(*) AS n,"
	    " total(coalesce(closed_at, :now) - raised_at < 604800)"
	    "  AS under_7d,"
	    " total(coalesce(closed_at, :now) - raised_at >= 604800"
	    "  AND coalesce(closed_at, :now) - raised_at < 2592000)"
	    "  AS d7_to_30d,"
	    " total(coalesce(closed_at, :now) - raised_at >= 2592000)"
	    "  AS over_30d"
	    " FROM care_difficulties GROUP BY category, state"
	    " ORDER BY category, state",
	[ST_CARE_COUNT_NOW] = "SELECT (SELECT count(*) FROM care_people)"
	    " AS people, (SELECT count(*) FROM care_people WHERE "
	    CARE_OVERDUE ") AS overdue, (SELECT count(*) FROM"
	    " care_difficulties WHERE state = 'open') AS open_difficulties",
};

/* Bind each named parameter from the member of the same name. */
static void
store_care_bind(sqlite3_stmt *st, const json_t *args)
{
	const char	*name;
	json_t		*v;
	int		 i, n = sqlite3_bind_parameter_count(st);

	for (i = 1; i <= n; i++) {
		if ((name = sqlite3_bind_parameter_name(st, i)) == NULL)
			continue;
		v = json_object_get(args, name + 1);
		if (json_is_string(v))
			sqlite3_bind_text(st, i, json_string_value(v), -1,
			    SQLITE_STATIC);
		else if (json_is_integer(v))
			sqlite3_bind_int64(st, i, json_integer_value(v));
		else if (json_is_boolean(v))
			sqlite3_bind_int(st, i, json_is_true(v));
		else if (json_is_real(v))
			sqlite3_bind_double(st, i, json_real_value(v));
		else
			sqlite3_bind_null(st, i);
	}
}

/* The current row as an object: a member per column. */
static json_t *
store_care_row(sqlite3_stmt *st)
{
	json_t	*o, *v;
	int	 i, n = sqlite3_column_count(st);

	if ((o = json_object()) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		switch (sqlite3_column_type(st, i)) {
		case SQLITE_INTEGER:
			v = json_integer(sqlite3_column_int64(st, i));
			break;
		case SQLITE_FLOAT:
			v = json_integer((json_int_t)sqlite3_column_double(st,
			    i));
			break;
		case SQLITE_TEXT:
			v = json_string((const char *)sqlite3_column_text(st,
			    i));
			break;
		default:
			v = json_null();
		}
		if (v == NULL || json_object_set_new(o, sqlite3_column_name(st,
		    i), v) == -1) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

/*
 * Run statement i with args; the rows in *rows (an array, caller frees)
 * when rows is not NULL, the changes in *changes when not NULL.
 */
static int
store_care_run(struct store *s, enum store_stmt i, const json_t *args,
    json_t **rows, int *changes, const char *what)
{
	sqlite3_stmt	*st = s->s_st[i];
	json_t		*r;
	int		 rc, oom = 0;

	if (rows != NULL && (*rows = json_array()) == NULL)
		return store_fail(s, what);
	store_care_bind(st, args);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (rows == NULL)
			continue;
		if ((r = store_care_row(st)) == NULL ||
		    json_array_append_new(*rows, r) == -1)
			oom = 1;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (changes != NULL)
		*changes = sqlite3_changes(store_handle(s));
	if (rc == SQLITE_DONE && !oom)
		return STORE_OK;
	if (rows != NULL) {
		json_decref(*rows);
		*rows = NULL;
	}
	if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
		return STORE_CONFLICT;
	return store_fail(s, what);
}

/* The one row of statement i, or STORE_NOTFOUND. */
static int
store_care_one(struct store *s, enum store_stmt i, const json_t *args,
    json_t **row, const char *what)
{
	json_t	*rows;
	int	 rc;

	*row = NULL;
	if ((rc = store_care_run(s, i, args, &rows, NULL, what)) != STORE_OK)
		return rc;
	if (json_array_size(rows) == 0) {
		json_decref(rows);
		return STORE_NOTFOUND;
	}
	*row = json_incref(json_array_get(rows, 0));
	json_decref(rows);
	return STORE_OK;
}

/* An insert; *id the new row's. */
static int
store_care_insert(struct store *s, enum store_stmt i, const json_t *row,
    int64_t *id, const char *what)
{
	int	 rc;

	if ((rc = store_care_run(s, i, row, NULL, NULL, what)) == STORE_OK &&
	    id != NULL)
		*id = sqlite3_last_insert_rowid(store_handle(s));
	return rc;
}

/* A query by one integer key (":id", ":person_id", ...): its rows. */
static json_t *
store_care_by(struct store *s, enum store_stmt i, const char *key,
    int64_t id, const char *what)
{
	json_t	*args, *rows = NULL;

	if ((args = json_pack("{sI}", key, (json_int_t)id)) == NULL)
		return NULL;
	if (store_care_run(s, i, args, &rows, NULL, what) != STORE_OK)
		rows = NULL;
	json_decref(args);
	return rows;
}

int
store_care_person_insert(struct store *s, const json_t *p, int64_t *id)
{
	return store_care_insert(s, ST_CARE_PERSON_INSERT, p, id,
	    "storing a person under care");
}

/* STORE_CONFLICT: the version moved (or the match key is taken). */
int
store_care_person_update(struct store *s, const json_t *p)
{
	int	 rc, n = 0;

	if ((rc = store_care_run(s, ST_CARE_PERSON_UPDATE, p, NULL, &n,
	    "updating a person under care")) != STORE_OK)
		return rc;
	return n == 1 ? STORE_OK : STORE_CONFLICT;
}

int
store_care_person_get(struct store *s, int64_t id, json_t **p)
{
	json_t	*args = json_pack("{sI}", "id", (json_int_t)id);
	int	 rc;

	if (args == NULL)
		return store_fail(s, "reading a person under care");
	rc = store_care_one(s, ST_CARE_PERSON_GET, args, p,
	    "reading a person under care");
	json_decref(args);
	return rc;
}

int
store_care_person_by_key(struct store *s, const char *key, json_t **p)
{
	json_t	*args = json_pack("{ss}", "match_key", key);
	int	 rc;

	if (args == NULL)
		return store_fail(s, "matching a person under care");
	rc = store_care_one(s, ST_CARE_PERSON_BY_KEY, args, p,
	    "matching a person under care");
	json_decref(args);
	return rc;
}

/* The first person one of whose phones has the keyed hash. */
int
store_care_person_by_hash(struct store *s, const char *hash, json_t **p)
{
	json_t	*args = json_pack("{ss}", "hash", hash);
	int	 rc;

	if (args == NULL)
		return store_fail(s, "matching a caller to the register");
	rc = store_care_one(s, ST_CARE_PERSON_BY_HASH, args, p,
	    "matching a caller to the register");
	json_decref(args);
	return rc;
}

/* The people the filter's members (see ST_CARE_PEOPLE) pick. */
json_t *
store_care_people(struct store *s, const json_t *filter)
{
	json_t	*rows = NULL;

	if (store_care_run(s, ST_CARE_PEOPLE, filter, &rows, NULL,
	    "listing people under care") != STORE_OK)
		return NULL;
	return rows;
}

/* Whether hashes (with repeats) are the same set as rows' "hash"es. */
static int
store_care_same_hashes(const json_t *rows, const json_t *hashes)
{
	json_t	*r, *h;
	size_t	 i, j;

	json_array_foreach(hashes, i, h) {
		json_array_foreach(rows, j, r)
			if (json_equal(json_object_get(r, "hash"), h))
				break;
		if (j == json_array_size(rows))
			return 0;
	}
	json_array_foreach(rows, j, r) {
		json_array_foreach(hashes, i, h)
			if (json_equal(json_object_get(r, "hash"), h))
				break;
		if (i == json_array_size(hashes))
			return 0;
	}
	return 1;
}

/*
 * Replace a person's phone hashes (an array of hex strings). Those kept
 * are read first: the same set is left as it is, and a person with none
 * (one just added) has nothing to delete. A DELETE of this table (no
 * rowid, a foreign key) builds a temporary index each time it runs; that
 * was a sixth of a care form's row.
 */
int
store_care_phones_set(struct store *s, int64_t id, const json_t *hashes)
{
	json_t	*args, *have = NULL;
	size_t	 i;
	int	 rc;

	if ((args = json_pack("{sI}", "person_id", (json_int_t)id)) == NULL)
		return store_fail(s, "storing phone hashes");
	if ((rc = store_care_run(s, ST_CARE_PHONES_OF, args, &have, NULL,
	    "storing phone hashes")) != STORE_OK || store_care_same_hashes(have,
	    hashes)) {
		json_decref(have);
		json_decref(args);
		return rc;
	}
	if (json_array_size(have) > 0)
		rc = store_care_run(s, ST_CARE_PHONES_DELETE, args, NULL, NULL,
		    "storing phone hashes");
	json_decref(have);
	for (i = 0; rc == STORE_OK && i < json_array_size(hashes); i++) {
		json_object_set(args, "hash", json_array_get(hashes, i));
		rc = store_care_run(s, ST_CARE_PHONE_INSERT, args, NULL, NULL,
		    "storing phone hashes");
	}
	json_decref(args);
	return rc;
}

/* Replace a person's family (an array of {name, relation, phone}). */
int
store_care_family_set(struct store *s, int64_t id, const json_t *family)
{
	json_t	*args, *m;
	size_t	 i;
	int	 rc;

	if ((args = json_pack("{sI}", "person_id", (json_int_t)id)) == NULL)
		return store_fail(s, "storing family members");
	rc = store_care_run(s, ST_CARE_FAMILY_DELETE, args, NULL, NULL,
	    "storing family members");
	json_array_foreach(family, i, m) {
		if (rc != STORE_OK)
			break;
		json_object_update(args, m);
		json_object_set_new(args, "person_id",
		    json_integer((json_int_t)id));
		rc = store_care_run(s, ST_CARE_FAMILY_INSERT, args, NULL, NULL,
		    "storing family members");
	}
	json_decref(args);
	return rc;
}

json_t *
store_care_family(struct store *s, int64_t id)
{
	return store_care_by(s, ST_CARE_FAMILY, "person_id", id,
	    "reading family members");
}

/* A contact, and the person's last contact and next due day with it. */
int
store_care_contact_insert(struct store *s, const json_t *c,
    const json_t *person, int64_t *id)
{
	int	 rc;

	if ((rc = store_care_insert(s, ST_CARE_CONTACT_INSERT, c, id,
	    "storing a contact")) != STORE_OK)
		return rc;
	return store_care_run(s, ST_CARE_CONTACTED, person, NULL, NULL,
	    "storing a contact");
}

json_t *
store_care_contacts(struct store *s, int64_t id)
{
	return store_care_by(s, ST_CARE_CONTACTS, "person_id", id,
	    "reading contacts");
}

int
store_care_difficulty_insert(struct store *s, const json_t *d, int64_t *id)
{
	return store_care_insert(s, ST_CARE_DIFF_INSERT, d, id,
	    "storing a difficulty");
}

int
store_care_difficulty_get(struct store *s, int64_t id, json_t **d)
{
	json_t	*args = json_pack("{sI}", "id", (json_int_t)id);
	int	 rc;

	if (args == NULL)
		return store_fail(s, "reading a difficulty");
	rc = store_care_one(s, ST_CARE_DIFF_GET, args, d,
	    "reading a difficulty");
	json_decref(args);
	return rc;
}

/* Close an open difficulty; STORE_CONFLICT: it was not open. */
int
store_care_difficulty_close(struct store *s, const json_t *d)
{
	int	 rc, n = 0;

	if ((rc = store_care_run(s, ST_CARE_DIFF_UPDATE, d, NULL, &n,
	    "closing a difficulty")) != STORE_OK)
		return rc;
	return n == 1 ? STORE_OK : STORE_CONFLICT;
}

/* Difficulties by the filter's person_id, state, liaison, unit, limit. */
json_t *
store_care_difficulties(struct store *s, const json_t *filter)
{
	json_t	*rows = NULL;

	if (store_care_run(s, ST_CARE_DIFFS, filter, &rows, NULL,
	    "listing difficulties") != STORE_OK)
		return NULL;
	return rows;
}

/* Link a call to a person; linking twice changes nothing. */
int
store_care_link(struct store *s, const json_t *l)
{
	return store_care_run(s, ST_CARE_LINK, l, NULL, NULL,
	    "linking a call to a person under care");
}

json_t *
store_care_links(struct store *s, int64_t id)
{
	return store_care_by(s, ST_CARE_LINKS, "person_id", id,
	    "reading a person's calls");
}

/* The person a call is linked to ({id, liaison}), or STORE_NOTFOUND. */
int
store_care_link_of_call(struct store *s, int64_t call, json_t **p)
{
	json_t	*args = json_pack("{sI}", "call_id", (json_int_t)call);
	int	 rc;

	if (args == NULL)
		return store_fail(s, "reading a call's link");
	rc = store_care_one(s, ST_CARE_LINK_OF_CALL, args, p,
	    "reading a call's link");
	json_decref(args);
	return rc;
}

/* The end day set for everyone; STORE_NOTFOUND: none set. */
int
store_care_end_get(struct store *s, int64_t *day)
{
	json_t	*row;
	int	 rc;

	if ((rc = store_care_one(s, ST_CARE_END_GET, NULL, &row,
	    "reading the care's end date")) != STORE_OK)
		return rc;
	*day = json_integer_value(json_object_get(row, "value"));
	json_decref(row);
	return STORE_OK;
}

int
store_care_end_set(struct store *s, int64_t day)
{
	json_t	*args = json_pack("{sI}", "end_day", (json_int_t)day);
	int	 rc;

	if (args == NULL)
		return store_fail(s, "setting the care's end date");
	rc = store_care_run(s, ST_CARE_END_SET, args, NULL, NULL,
	    "setting the care's end date");
	json_decref(args);
	return rc;
}

/*
 * Erase the personal fields of up to limit people whose care ended
 * before cutoff_day (their own end, else end_day), not held, with no
 * open difficulty; *n how many.
 */
int
store_care_erase_slice(struct store *s, int64_t cutoff_day, int64_t end_day,
    int64_t now, int limit, int64_t *n)
{
	static const enum store_stmt erase[] = { ST_CARE_ERASE_PERSON,
	    ST_CARE_ERASE_PHONES, ST_CARE_ERASE_FAMILY, ST_CARE_ERASE_CONTACTS,
	    ST_CARE_ERASE_DIFFS };
	json_t	*args, *ids = NULL, *r;
	size_t	 i, j;
	int	 rc;

	*n = 0;
	if ((args = json_pack("{sIsIsIsi}", "cutoff_day",
	    (json_int_t)cutoff_day, "now", (json_int_t)now, "end_day",
	    (json_int_t)end_day, "limit", limit)) == NULL)
		return store_fail(s, "erasing the register's personal fields");
	if (end_day < 0)
		json_object_set_new(args, "end_day", json_null());
	rc = store_care_run(s, ST_CARE_ERASE_PICK, args, &ids, NULL,
	    "picking people to erase");
	json_array_foreach(ids, i, r) {
		json_object_set(args, "id", json_object_get(r, "id"));
		for (j = 0; rc == STORE_OK && j < sizeof(erase) /
		    sizeof(erase[0]); j++)
			rc = store_care_run(s, erase[j], args, NULL, NULL,
			    "erasing a person's personal fields");
		if (rc != STORE_OK)
			break;
		(*n)++;
	}
	json_decref(ids);
	json_decref(args);
	return rc;
}

/* The register's counts; what is one of "people", "contacts", "diffs". */
json_t *
store_care_counts(struct store *s, const char *what, const json_t *args)
{
	enum store_stmt	 i;
	json_t		*rows = NULL;

	i = strcmp(what, "people") == 0 ? ST_CARE_COUNT_PEOPLE :
	    strcmp(what, "contacts") == 0 ? ST_CARE_COUNT_CONTACTS :
	    strcmp(what, "diffs") == 0 ? ST_CARE_COUNT_DIFFS :
	    ST_CARE_COUNT_NOW;
	if (store_care_run(s, i, args, &rows, NULL, "counting the register")
	    != STORE_OK)
		return NULL;
	return rows;
}
