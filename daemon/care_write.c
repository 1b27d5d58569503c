/*
 * The care register's writes, each run by the pump inside the request's
 * savepoint with its audit row: a person added or changed, a contact
 * recorded (and the next one's due day moved), a difficulty raised,
 * resolved or handed to a queue as an item on the person's latest call,
 * a call linked, the end date set for everyone; and retention's erasure
 * of people whose care ended long ago. The checks of a request's body
 * that need no store are here too, for the handler to answer at once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"

#define CARE_HAND_PRIORITY	3

static int
care_known(json_t *body, const char *const *known, const char *what,
    struct call_error *err)
{
	const char	*k;
	json_t		*v;
	size_t		 i;

	if (!json_is_object(body))
		return call_fail(err, "invalid_json", "", "the body must be a "
		    "JSON object");
	json_object_foreach(body, k, v) {
		for (i = 0; known[i] != NULL; i++)
			if (strcmp(known[i], k) == 0)
				break;
		if (known[i] == NULL)
			return call_fail(err, "unknown_field", k, "unknown "
			    "field %.64s: %s", k, what);
	}
	return 0;
}

/* A string member: required or not, one of codes or at most max chars. */
static int
care_str(const json_t *body, const char *name, int required,
    const char *const *codes, long max, const char **out,
    struct call_error *err)
{
	json_t	*v = json_object_get(body, name);
	size_t	 n;

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return required ? call_fail(err, "missing_field", name, "%s is "
		    "required", name) : 0;
	if (!json_is_string(v))
		return call_fail(err, "invalid_field", name, "%s must be a "
		    "string", name);
	*out = json_string_value(v);
	if (codes != NULL) {
		for (n = 0; codes[n] != NULL; n++)
			if (strcmp(codes[n], *out) == 0)
				return 0;
		return call_fail(err, "invalid_field", name, "%s \"%.40s\" is "
		    "not one of the allowed values", name, *out);
	}
	if ((long)(n = call_utf8_len(*out)) > max)
		return call_fail(err, "invalid_field", name, "%s has %zu "
		    "characters; at most %ld are allowed", name, n, max);
	if (required && n == 0)
		return call_fail(err, "missing_field", name, "%s is empty",
		    name);
	return 0;
}

/* POST .../contacts: {kind, at, with_whom, note}. */
int
care_contact_check(const struct config *cf, json_t *body, int64_t now,
    struct call_error *err)
{
	static const char *const known[] = { "kind", "at", "with_whom", "note",
	    NULL };
	const char	*s;
	int64_t		 at;

	if (care_known(body, known, "a contact has kind, at, with_whom, note",
	    err) == -1 ||
	    care_str(body, "kind", 1, care_contact_kinds, 0, &s, err) == -1 ||
	    care_str(body, "with_whom", 0, NULL, 100, &s, err) == -1 ||
	    care_str(body, "note", 0, NULL, cf->cf_limits.lim_notes_max, &s,
	    err) == -1 || care_str(body, "at", 0, NULL, 40, &s, err) == -1)
		return -1;
	if (s != NULL && clock_parse(s, &at) == -1)
		return call_fail(err, "invalid_field", "at", "at must be a time "
		    "with its offset, RFC 3339");
	if (s != NULL && at > now + 300)
		return call_fail(err, "invalid_field", "at", "at is in the "
		    "future");
	return 0;
}

/* POST .../difficulties: {category, description}. */
int
care_difficulty_check(const struct config *cf, json_t *body,
    struct call_error *err)
{
	static const char *const known[] = { "category", "description", NULL };
	const char	*s;

	if (care_known(body, known, "a difficulty has category, description",
	    err) == -1 || care_str(body, "category", 1, NULL, 40, &s,
	    err) == -1)
		return -1;
	if (config_care_code(&cf->cf_care.cc_difficulties, s) == NULL)
		return call_fail(err, "invalid_field", "category", "category "
		    "\"%.40s\" is not one of the care.difficulties codes", s);
	return care_str(body, "description", 1, NULL,
	    cf->cf_limits.lim_notes_max, &s, err);
}

/* PATCH /v1/care/difficulties/{id}: resolve, or hand to a queue. */
int
care_close_check(const struct config *cf, json_t *body,
    struct call_error *err)
{
	static const char *const known[] = { "action", "resolution", "queue",
	    "priority", NULL };
	static const char *const actions[] = { "resolve", "hand", NULL };
	const char	*act, *s;
	json_t		*p;

	if (care_known(body, known, "takes action, resolution, queue, "
	    "priority", err) == -1 ||
	    care_str(body, "action", 1, actions, 0, &act, err) == -1 ||
	    care_str(body, "resolution", strcmp(act, "resolve") == 0, NULL,
	    cf->cf_limits.lim_notes_max, &s, err) == -1 ||
	    care_str(body, "queue", strcmp(act, "hand") == 0, NULL, 40, &s,
	    err) == -1)
		return -1;
	if (s != NULL && config_find(&cf->cf_queues, s) == NULL)
		return call_fail(err, "invalid_field", "queue", "queue \"%.40s\" "
		    "is not one of the configured queues", s);
	if ((p = json_object_get(body, "priority")) != NULL &&
	    (!json_is_integer(p) || json_integer_value(p) < 1 ||
	    json_integer_value(p) > QUEUE_PRIORITIES))
		return call_fail(err, "invalid_field", "priority", "priority "
		    "must be a whole number from 1 to %d", QUEUE_PRIORITIES);
	return 0;
}

/* The person pid, if id may work them. CARE_* */
static int
care_get(struct store *s, const struct identity *id, int64_t pid,
    json_t **p)
{
	int	 rc;

	if ((rc = store_care_person_get(s, pid, p)) == STORE_NOTFOUND)
		return CARE_NOTFOUND;
	if (rc != STORE_OK)
		return CARE_ERR;
	if (!care_may(id, *p)) {
		json_decref(*p);
		*p = NULL;
		return CARE_FORBIDDEN;
	}
	return CARE_OK;
}

/* Store family and phone hashes of person pid. */
static int
care_save_rest(struct store *s, const struct config *cf, int64_t pid,
    const json_t *row, const json_t *family)
{
	json_t	*h, *fam = NULL;
	int	 rc = STORE_OK;

	if (family != NULL)
		rc = store_care_family_set(s, pid, family);
	else if ((fam = store_care_family(s, pid)) == NULL)
		return STORE_ERR;
	if (rc != STORE_OK)
		return rc;
	if ((h = care_phone_hashes(cf, row, family ? family : fam)) == NULL)
		rc = STORE_ERR;
	else
		rc = store_care_phones_set(s, pid, h);
	json_decref(h);
	json_decref(fam);
	return rc;
}

/*
 * A new person (row and family from care_person_build). CARE_STATE with
 * *pid the one who has the same name, unit and phone.
 */
int
care_person_add(struct store *s, const struct config *cf,
    const struct identity *id, json_t *row, const json_t *family,
    int64_t *pid)
{
	json_t	*old;
	int	 rc;

	rc = store_care_person_insert(s, row, pid);
	if (rc == STORE_CONFLICT) {
		if (store_care_person_by_key(s, json_string_value(
		    json_object_get(row, "match_key")), &old) != STORE_OK)
			return CARE_ERR;
		*pid = json_integer_value(json_object_get(old, "id"));
		json_decref(old);
		return CARE_STATE;
	}
	if (rc != STORE_OK || care_save_rest(s, cf, *pid, row, family) !=
	    STORE_OK || care_audit(id, "care.create", *pid, 0, 0) != STORE_OK)
		return CARE_ERR;
	json_object_set_new(row, "id", json_integer(*pid));
	care_changed();
	return CARE_OK;
}

/* Store row (from care_person_build over the stored one) and family. */
int
care_person_put(struct store *s, const struct config *cf,
    const struct identity *id, const json_t *row, const json_t *family)
{
	int64_t	 pid = json_integer_value(json_object_get(row, "id"));
	int	 rc;

	if ((rc = store_care_person_update(s, row)) == STORE_CONFLICT)
		return CARE_STATE;
	if (rc != STORE_OK || care_save_rest(s, cf, pid, row, family) !=
	    STORE_OK || care_audit(id, "care.update", pid, 0, 0) != STORE_OK)
		return CARE_ERR;
	care_changed();
	return CARE_OK;
}

/* Change person pid by body; CARE_BAD with err. */
int
care_person_save(struct store *s, const struct config *cf,
    const struct identity *id, int64_t pid, json_t *body,
    struct call_error *err)
{
	json_t	*old, *row, *family;
	int	 rc;

	if ((rc = care_get(s, id, pid, &old)) != CARE_OK)
		return rc;
	/*
	 * A liaison may not give their person to someone else, hold them
	 * from retention, nor move the care's dates (an end set in the past
	 * would have retention erase them): a supervisor's, as for calls.
	 */
	if (id->id_role == ROLE_LIAISON) {
		static const char *const theirs[][2] = {
			{ "liaison", "who the liaison is" },
			{ "legal_hold", "the legal hold" },
			{ "start_date", "when the care starts" },
			{ "end_date", "when the care ends" },
		};
		size_t	 i;

		for (i = 0; i < sizeof(theirs) / sizeof(theirs[0]); i++) {
			if (json_object_get(body, theirs[i][0]) == NULL)
				continue;
			json_decref(old);
			call_fail(err, "forbidden", theirs[i][0], "a liaison "
			    "may not change %s", theirs[i][1]);
			return CARE_FORBIDDEN;
		}
	}
	if (care_person_build(cf, body, old, id->id_name, clock_now(), &row,
	    &family, err) == -1) {
		json_decref(old);
		return CARE_BAD;
	}
	json_decref(old);
	rc = store_care_person_update(s, row);
	if (rc == STORE_CONFLICT) {
		call_fail(err, "conflict", "name", "another person has this "
		    "name, unit and phone");
		rc = CARE_STATE;
	} else if (rc != STORE_OK || care_save_rest(s, cf, pid, row, family) !=
	    STORE_OK || care_audit(id, "care.update", pid, 0, 0) != STORE_OK)
		rc = CARE_ERR;
	else {
		rc = CARE_OK;
		care_changed();
	}
	json_decref(row);
	json_decref(family);
	return rc;
}

/* Record a contact; the person's next contact falls due every days on. */
int
care_contact_add(struct store *s, const struct identity *id, int64_t pid,
    const json_t *body, int64_t now, int64_t *cid)
{
	json_t		*p, *c;
	const char	*at_s;
	int64_t		 at = now, last, due;
	int		 rc;

	if ((rc = care_get(s, id, pid, &p)) != CARE_OK)
		return rc;
	if ((at_s = json_string_value(json_object_get(body, "at"))) != NULL)
		(void)clock_parse(at_s, &at);
	due = json_integer_value(json_object_get(p, "due_day"));
	c = json_pack("{sIsOsIsssOsOsIsi}", "person_id", (json_int_t)pid,
	    "kind", json_object_get(body, "kind"), "at", (json_int_t)at, "by",
	    id->id_name, "with_whom", json_object_get(body, "with_whom") ?
	    json_object_get(body, "with_whom") : json_null(), "note",
	    json_object_get(body, "note") ? json_object_get(body, "note") :
	    json_null(), "due_day", (json_int_t)due, "on_time",
	    config_care_day_of(at) <= due);
	last = json_integer_value(json_object_get(p, "last_contact_at"));
	if (at > last)
		last = at;
	json_object_set_new(p, "last_contact_at", json_integer(last));
	json_object_set_new(p, "due_day", json_integer(care_due_day(
	    json_integer_value(json_object_get(p, "start_day")),
	    config_care_day_of(last), (long)json_integer_value(
	    json_object_get(p, "every_days")))));
	json_object_set_new(p, "updated_at", json_integer(now));
	rc = c == NULL ? STORE_ERR : store_care_contact_insert(s, c, p, cid);
	if (rc == STORE_OK)
		rc = care_audit(id, "care.contact", pid, 0, 0);
	json_decref(c);
	json_decref(p);
	care_changed();
	return rc == STORE_OK ? CARE_OK : CARE_ERR;
}

/* Raise a difficulty (category given as code or name). */
int
care_difficulty_add(struct store *s, const struct config *cf,
    const struct identity *id, int64_t pid, const json_t *body,
    int64_t now, int64_t *did)
{
	const struct code_name	*cn;
	json_t			*p, *d;
	int			 rc;

	if ((rc = care_get(s, id, pid, &p)) != CARE_OK)
		return rc;
	json_decref(p);
	cn = config_care_code(&cf->cf_care.cc_difficulties, json_string_value(
	    json_object_get(body, "category")));
	d = json_pack("{sIsssOsssI}", "person_id", (json_int_t)pid,
	    "category", cn != NULL ? cn->cn_code : "other", "description",
	    json_object_get(body, "description"), "raised_by", id->id_name,
	    "raised_at", (json_int_t)now);
	rc = d == NULL ? STORE_ERR : store_care_difficulty_insert(s, d, did);
	json_decref(d);
	if (rc == STORE_OK)
		rc = care_audit(id, "care.difficulty", pid, 0, 0);
	care_changed();
	return rc == STORE_OK ? CARE_OK : CARE_ERR;
}

/* The person's latest linked call, or 0. */
static int64_t
care_latest_call(struct store *s, int64_t pid)
{
	json_t	*links = store_care_links(s, pid);
	int64_t	 call = 0;

	if (json_array_size(links) > 0)
		call = json_integer_value(json_object_get(json_array_get(links,
		    0), "call_id"));
	json_decref(links);
	return call;
}

/* The item of a handed difficulty: on the person's latest call. */
static int
care_hand(struct store *s, const struct config *cf, int64_t pid, int64_t did,
    const json_t *body, const char *actor, int64_t now, int64_t *item,
    char *why, size_t len)
{
	struct queue_item	 it;
	int			 rc;

	memset(&it, 0, sizeof(it));
	if ((it.qi_call_id = care_latest_call(s, pid)) == 0) {
		snprintf(why, len, "the person has no linked call: a queue "
		    "works on calls, so link one first");
		return CARE_STATE;
	}
	snprintf(it.qi_queue, sizeof(it.qi_queue), "%s", json_string_value(
	    json_object_get(body, "queue")));
	snprintf(it.qi_kind, sizeof(it.qi_kind), "care-%lld", (long long)did);
	it.qi_priority = json_is_integer(json_object_get(body, "priority")) ?
	    (int)json_integer_value(json_object_get(body, "priority")) :
	    CARE_HAND_PRIORITY;
	it.qi_created_at = it.qi_due_at = now;
	if (stats_rollup_call(s, cf, it.qi_call_id, -1) != STORE_OK ||
	    (rc = store_item_insert(s, &it, actor)) != STORE_OK ||
	    stats_rollup_call(s, cf, it.qi_call_id, 1) != STORE_OK) {
		store_item_free(&it);
		return CARE_ERR;
	}
	queue_move(it.qi_queue, 1, 0, 0, 0, it.qi_due_at, 0);
	*item = it.qi_id;
	store_item_free(&it);
	return CARE_OK;
}

/* Resolve an open difficulty, or hand it to a queue. */
int
care_difficulty_close(struct store *s, const struct config *cf,
    const struct identity *id, int64_t did, const json_t *body, int64_t now,
    char *why, size_t len)
{
	json_t		*d, *p;
	int64_t		 pid, item = 0;
	int		 rc, hand;

	if ((rc = store_care_difficulty_get(s, did, &d)) == STORE_NOTFOUND)
		return CARE_NOTFOUND;
	if (rc != STORE_OK)
		return CARE_ERR;
	pid = json_integer_value(json_object_get(d, "person_id"));
	if ((rc = care_get(s, id, pid, &p)) != CARE_OK) {
		json_decref(d);
		return rc;
	}
	json_decref(p);
	hand = strcmp(json_string_value(json_object_get(body, "action")),
	    "hand") == 0;
	if (strcmp(json_string_value(json_object_get(d, "state")), "open") !=
	    0) {
		snprintf(why, len, "difficulty %lld is %s already", (long long)
		    did, json_string_value(json_object_get(d, "state")));
		json_decref(d);
		return CARE_STATE;
	}
	if (hand && (rc = care_hand(s, cf, pid, did, body, id->id_name, now,
	    &item, why, len)) != CARE_OK) {
		json_decref(d);
		return rc;
	}
	json_object_set_new(d, "state", json_string(hand ? "handed" :
	    "resolved"));
	json_object_set(d, "resolution", json_object_get(body, "resolution") ?
	    json_object_get(body, "resolution") : json_null());
	json_object_set_new(d, "closed_by", json_string(id->id_name));
	json_object_set_new(d, "closed_at", json_integer(now));
	json_object_set(d, "queue", json_object_get(body, "queue") ?
	    json_object_get(body, "queue") : json_null());
	json_object_set_new(d, "item_id", item ? json_integer(item) :
	    json_null());
	rc = store_care_difficulty_close(s, d);
	json_decref(d);
	if (rc == STORE_CONFLICT) {
		snprintf(why, len, "difficulty %lld is not open", (long long)did);
		return CARE_STATE;
	}
	if (rc != STORE_OK || care_audit(id, hand ? "care.hand" :
	    "care.resolve", pid, 0, item) != STORE_OK)
		return CARE_ERR;
	care_changed();
	return CARE_OK;
}

/*
 * Link call to person pid (who must exist). An operator links only a
 * call of their own, and only to the person its caller's number matches
 * (they do not see the register): otherwise a call could be put before
 * any liaison. Supervisors and admins link any call to anyone.
 */
int
care_link_call(struct store *s, const struct identity *id, int64_t call,
    int64_t pid, int64_t now, struct call_error *err)
{
	struct call	 c;
	json_t		*p, *l;
	int		 rc, mine = 0, matched = 0;

	call_init(&c);
	if ((rc = store_call_get(s, call, &c)) != STORE_OK) {
		call_free(&c);
		return rc == STORE_NOTFOUND ? CARE_NOCALL : CARE_ERR;
	}
	if (id->id_role != ROLE_SUPERVISOR && id->id_role != ROLE_ADMIN) {
		mine = c.c_operator != NULL &&
		    strcmp(c.c_operator, id->id_name) == 0;
		if (mine && c.c_caller_hash != NULL && (rc =
		    store_care_person_by_hash(s, c.c_caller_hash, &p)) ==
		    STORE_OK) {
			matched = json_integer_value(json_object_get(p,
			    "id")) == pid;
			json_decref(p);
		} else if (mine && c.c_caller_hash != NULL &&
		    rc != STORE_NOTFOUND) {
			call_free(&c);
			return CARE_ERR;
		}
		call_free(&c);
		if (!mine) {
			call_fail(err, "forbidden", "id", "only the call's "
			    "operator or a supervisor may link call %lld",
			    (long long)call);
			return CARE_FORBIDDEN;
		}
		if (!matched) {
			call_fail(err, "forbidden", "person_id", "an operator "
			    "links a call only to the person its caller's "
			    "number matches; a supervisor may link any");
			return CARE_FORBIDDEN;
		}
	} else
		call_free(&c);
	if ((rc = store_care_person_get(s, pid, &p)) == STORE_NOTFOUND)
		return CARE_NOTFOUND;
	if (rc != STORE_OK)
		return CARE_ERR;
	json_decref(p);
	if ((l = json_pack("{sIsIsssI}", "call_id", (json_int_t)call,
	    "person_id", (json_int_t)pid, "linked_by", id->id_name,
	    "linked_at", (json_int_t)now)) == NULL)
		return CARE_ERR;
	rc = store_care_link(s, l);
	json_decref(l);
	if (rc != STORE_OK || care_audit(id, "care.link", pid, call, 0) !=
	    STORE_OK)
		return CARE_ERR;
	return CARE_OK;
}

/* Set the end date for everyone. */
int
care_end_set(struct store *s, const struct identity *id, int64_t day)
{
	char	 detail[48];

	snprintf(detail, sizeof(detail), "end day %lld", (long long)day);
	if (store_care_end_set(s, day) != STORE_OK ||
	    audit_record(id, "care.end_date", 0, 0, detail) != STORE_OK)
		return CARE_ERR;
	care_changed();
	return CARE_OK;
}

/*
 * Retention: erase the personal fields of up to limit people whose care
 * ended more than retention.personal_days ago (their own end date, else
 * the one for everyone), not held, with no open difficulty.
 */
int
care_erase_slice(struct store *s, const struct config *cf, int64_t now,
    int limit, int64_t *n)
{
	int64_t	 end;

	*n = 0;
	if (cf->cf_retention_days <= 0)
		return STORE_OK;
	if (care_end_day(s, cf, &end) != STORE_OK)
		return STORE_ERR;
	care_changed();
	return store_care_erase_slice(s, config_care_day_of(now) -
	    cf->cf_retention_days, end, now, limit, n);
}
