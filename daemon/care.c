/*
 * The care register (精准关爱联系制度): the people a unit cares for, the
 * one validator of a person, when their next contact falls due, who may
 * see them, and the register's writes (a person, a contact, a
 * difficulty resolved or handed to a queue, a call linked), each with
 * its audit row in the request's savepoint. Days are local day numbers
 * (config_care.c): a contact due on day D is overdue from the next local
 * midnight, in the configured timezone.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"
#include "careform.h"

const char *const care_contact_kinds[] = { "visit", "phone", "message",
    NULL };
const char *const care_genders[] = { "male", "female", NULL };

#define CARE_TEXT_MAX	100	/* a name, a unit, a post, ... */
#define CARE_FAMILY_MAX	10
#define CARE_PHONE_LEN	40	/* a phone in the register's form */
#define CARE_PHONE_RULE	"(a mobile such as 13912345678 or a fixed line " \
	"such as 0532-85669120)"

static const char *const care_person_fields[] = { "name", "gender",
    "category", "post", "phone", "unit", "team", "liaison", "notes",
    "hubei_phone", "carrier", "start_date", "every_days", "end_date",
    "legal_hold", "family", NULL };

/* The next contact falls due every days after the last, or the start. */
int64_t
care_due_day(int64_t start_day, int64_t last_day, long every)
{
	return (last_day >= 0 && last_day > start_day ? last_day : start_day) +
	    every;
}

/* Due on due_day and not made by the end of it; none after the end. */
int
care_overdue(int64_t due_day, int64_t end_day, int64_t today)
{
	return due_day < today && (end_day < 0 || due_day <= end_day);
}

/* The end day set for everyone (store), else the config's; -1: none. */
int
care_end_day(struct store *s, const struct config *cf, int64_t *day)
{
	int	 rc;

	if ((rc = store_care_end_get(s, day)) == STORE_OK)
		return STORE_OK;
	if (rc != STORE_NOTFOUND)
		return rc;
	if (cf->cf_care.cc_end_date[0] == '\0' ||
	    config_care_day_parse(cf->cf_care.cc_end_date, day) == -1)
		*day = -1;
	return STORE_OK;
}

/* May id see and work this person (a row with its liaison)? */
int
care_may(const struct identity *id, const json_t *person)
{
	const char	*l;

	if (id->id_role == ROLE_SUPERVISOR || id->id_role == ROLE_ADMIN)
		return 1;
	if (id->id_role != ROLE_LIAISON)
		return 0;
	l = json_string_value(json_object_get(person, "liaison"));
	return l != NULL && strcmp(l, id->id_name) == 0;
}

/*
 * A phone as the forms take one (careform.c's rule: a mainland mobile,
 * +86 and separators allowed, or a fixed line with its area code), in
 * the register's form into norm (13912345678, 0532-85669120), and its
 * digits alone into digits (the match key's). -1: not a phone.
 */
int
care_phone(const char *s, char *norm, size_t nlen, char *digits, size_t dlen)
{
	size_t	 n = 0;
	char	*p;

	if (careform_phone_check(s, norm, nlen) == -1)
		return -1;
	for (p = norm; *p != '\0' && n + 1 < dlen; p++)
		if (*p >= '0' && *p <= '9')
			digits[n++] = *p;
	if (dlen > 0)
		digits[n] = '\0';
	return 0;
}

static int
care_in(const char *const *v, const char *s)
{
	for (; *v != NULL; v++)
		if (strcmp(*v, s) == 0)
			return 1;
	return 0;
}

/* A text member of o: absent or null (*out NULL), or at most max chars. */
static int
care_text(const json_t *o, const char *name, size_t max, const char **out,
    struct call_error *err)
{
	json_t	*v = json_object_get(o, name);
	size_t	 n;

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return call_fail(err, "invalid_field", name, "%s must be a "
		    "string", name);
	*out = json_string_value(v);
	if ((n = call_utf8_len(*out)) > max)
		return call_fail(err, "invalid_field", name, "%s has %zu "
		    "characters; at most %zu are allowed", name, n, max);
	if (n == 0)
		*out = NULL;
	return 0;
}

/* Set row[col] to s, or null. */
static void
care_set(json_t *row, const char *col, const char *s)
{
	json_object_set_new(row, col, s != NULL ? json_string(s) : json_null());
}

/* A code of one of the care lists, given as its code or its name. */
static int
care_code(json_t *row, const json_t *body, const char *name,
    const struct code_list *cl, struct call_error *err)
{
	const struct code_name	*cn;
	const char		*s;
	char			 list[400];
	size_t			 i, n = 0;

	if (!json_object_get(body, name))
		return 0;
	if (care_text(body, name, CARE_TEXT_MAX, &s, err) == -1)
		return -1;
	if (s == NULL) {
		json_object_set_new(row, name, json_null());
		return 0;
	}
	if ((cn = config_care_code(cl, s)) == NULL) {
		list[0] = '\0';
		for (i = 0; i < cl->cl_n && n < sizeof(list); i++)
			n += snprintf(list + n, sizeof(list) - n, "%s%s",
			    i > 0 ? ", " : "", cl->cl_v[i].cn_code);
		return call_fail(err, "invalid_field", name, "%s \"%.60s\" "
		    "is not one of: %s", name, s, list);
	}
	care_set(row, name, cn->cn_code);
	return 0;
}

/* A date member: "YYYY-MM-DD" into row[col] as a day, or null. */
static int
care_date(json_t *row, const json_t *body, const char *name, const char *col,
    struct call_error *err)
{
	json_t	*v = json_object_get(body, name);
	int64_t	 day;

	if (v == NULL)
		return 0;
	if (json_is_null(v)) {
		json_object_set_new(row, col, json_null());
		return 0;
	}
	if (!json_is_string(v) || config_care_day_parse(json_string_value(v),
	    &day) == -1)
		return call_fail(err, "invalid_field", name, "%s must be a "
		    "date YYYY-MM-DD", name);
	json_object_set_new(row, col, json_integer(day));
	return 0;
}

/* One family member {name, relation, phone}. */
static int
care_family_one(json_t *m, size_t i, json_t *out, struct call_error *err)
{
	const char	*name, *rel, *phone, *k;
	char		 f[48], digits[24], norm[CARE_PHONE_LEN];
	json_t		*v;

	snprintf(f, sizeof(f), "family[%zu]", i);
	if (!json_is_object(m))
		return call_fail(err, "invalid_field", f, "%s must be an object "
		    "{name, relation, phone}", f);
	json_object_foreach(m, k, v)
		if (strcmp(k, "name") != 0 && strcmp(k, "relation") != 0 &&
		    strcmp(k, "phone") != 0)
			return call_fail(err, "unknown_field", f, "unknown field "
			    "%.40s in %s: a family member has name, relation, "
			    "phone", k, f);
	if (care_text(m, "name", CARE_TEXT_MAX, &name, err) == -1 ||
	    care_text(m, "relation", 20, &rel, err) == -1 ||
	    care_text(m, "phone", 40, &phone, err) == -1) {
		snprintf(f + strlen(f), sizeof(f) - strlen(f), ".%.20s",
		    err->ce_field);
		snprintf(err->ce_field, sizeof(err->ce_field), "%s", f);
		return -1;
	}
	if (name == NULL && phone == NULL)
		return call_fail(err, "missing_field", f, "%s needs a name or "
		    "a phone", f);
	if (phone != NULL && care_phone(phone, norm, sizeof(norm), digits,
	    sizeof(digits)) == -1) {
		call_fail(err, "invalid_field", f, "%s.phone \"%.40s\" is not "
		    "a phone number " CARE_PHONE_RULE, f, phone);
		snprintf(err->ce_field, sizeof(err->ce_field), "family[%zu].phone",
		    i);
		return -1;
	}
	json_array_append_new(out, json_pack("{s:o,s:o,s:o}",
	    "name", name ? json_string(name) : json_null(),
	    "relation", rel ? json_string(rel) : json_null(),
	    "phone", phone ? json_string(norm) : json_null()));
	return 0;
}

static int
care_family(const json_t *body, json_t **family, struct call_error *err)
{
	json_t	*v = json_object_get(body, "family"), *m;
	size_t	 i;

	*family = NULL;
	if (v == NULL)
		return 0;
	if (!json_is_array(v) || json_array_size(v) > CARE_FAMILY_MAX)
		return call_fail(err, "invalid_field", "family", "family must "
		    "be a list of at most %d members", CARE_FAMILY_MAX);
	*family = json_array();
	json_array_foreach(v, i, m)
		if (care_family_one(m, i, *family, err) == -1) {
			json_decref(*family);
			*family = NULL;
			return -1;
		}
	return 0;
}

/* The form's free texts and codes from body into row. */
static int
care_fields(const struct config *cf, const json_t *body, json_t *row,
    struct call_error *err)
{
	static const struct { const char *f; size_t max; } texts[] = {
		{ "name", 50 }, { "post", CARE_TEXT_MAX },
		{ "phone", 40 }, { "unit", CARE_TEXT_MAX },
		{ "hubei_phone", 40 }, { "carrier", 20 }, { "notes", 0 },
	};
	const struct operator	*op;
	const char		*s;
	size_t			 i, max;
	json_t			*v;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		if (!json_object_get(body, texts[i].f))
			continue;
		max = texts[i].max ? texts[i].max :
		    (size_t)cf->cf_limits.lim_notes_max;
		if (care_text(body, texts[i].f, max, &s, err) == -1)
			return -1;
		care_set(row, texts[i].f, s);
	}
	if (json_object_get(body, "gender")) {
		if (care_text(body, "gender", 10, &s, err) == -1)
			return -1;
		if (s != NULL && (strcmp(s, "男") == 0 || strcmp(s, "女") == 0))
			s = strcmp(s, "男") == 0 ? "male" : "female";
		if (s != NULL && !care_in(care_genders, s))
			return call_fail(err, "invalid_field", "gender", "gender "
			    "must be male or female (男, 女)");
		care_set(row, "gender", s);
	}
	if (care_code(row, body, "team", &cf->cf_care.cc_teams, err) == -1 ||
	    care_code(row, body, "category", &cf->cf_care.cc_categories,
	    err) == -1 || care_date(row, body, "start_date", "start_day",
	    err) == -1 || care_date(row, body, "end_date", "end_day",
	    err) == -1)
		return -1;
	if (json_object_get(body, "liaison")) {
		if (care_text(body, "liaison", 32, &s, err) == -1)
			return -1;
		if (s != NULL && ((op = config_op_by_name(cf, s)) == NULL ||
		    op->op_role != ROLE_LIAISON))
			return call_fail(err, "invalid_field", "liaison",
			    "liaison \"%.40s\" is not a user with the role "
			    "liaison", s);
		care_set(row, "liaison", s);
	}
	if ((v = json_object_get(body, "every_days")) != NULL) {
		if (!json_is_integer(v) || json_integer_value(v) < 1 ||
		    json_integer_value(v) > 366)
			return call_fail(err, "invalid_field", "every_days",
			    "every_days must be a whole number from 1 to 366");
		json_object_set(row, "every_days", v);
	}
	if ((v = json_object_get(body, "legal_hold")) != NULL) {
		if (!json_is_boolean(v))
			return call_fail(err, "invalid_field", "legal_hold",
			    "legal_hold must be true or false");
		json_object_set_new(row, "legal_hold",
		    json_integer(json_is_true(v)));
	}
	return 0;
}

/* What must hold of the whole row; the match key and the next due day. */
static int
care_complete(json_t *row, struct call_error *err)
{
	static const char *const need[] = { "name", "unit", "team", "phone",
	    NULL };
	const char	*phone;
	char		 digits[24], other[24], norm[CARE_PHONE_LEN], *key;
	int64_t		 last, end;
	size_t		 i;

	for (i = 0; need[i] != NULL; i++)
		if (!json_is_string(json_object_get(row, need[i])))
			return call_fail(err, "missing_field", need[i], "%s is "
			    "required", need[i]);
	phone = json_string_value(json_object_get(row, "phone"));
	if (care_phone(phone, norm, sizeof(norm), digits, sizeof(digits)) == -1)
		return call_fail(err, "invalid_field", "phone", "phone \"%.40s\" "
		    "is not a phone number " CARE_PHONE_RULE, phone);
	json_object_set_new(row, "phone", json_string(norm));
	if ((phone = json_string_value(json_object_get(row, "hubei_phone"))) !=
	    NULL) {
		if (care_phone(phone, norm, sizeof(norm), other,
		    sizeof(other)) == -1)
			return call_fail(err, "invalid_field", "hubei_phone",
			    "hubei_phone \"%.40s\" is not a phone number "
			    CARE_PHONE_RULE, phone);
		json_object_set_new(row, "hubei_phone", json_string(norm));
	}
	end = json_is_integer(json_object_get(row, "end_day")) ?
	    json_integer_value(json_object_get(row, "end_day")) : -1;
	if (end >= 0 && end < json_integer_value(json_object_get(row,
	    "start_day")))
		return call_fail(err, "invalid_field", "end_date", "end_date is "
		    "before start_date");
	if (asprintf(&key, "%s\x1f%s\x1f%s", json_string_value(
	    json_object_get(row, "name")), json_string_value(json_object_get(
	    row, "unit")), digits) == -1)
		return call_fail(err, "internal", "name", "out of memory");
	json_object_set_new(row, "match_key", json_string(key));
	free(key);
	last = json_is_integer(json_object_get(row, "last_contact_at")) ?
	    config_care_day_of(json_integer_value(json_object_get(row,
	    "last_contact_at"))) : -1;
	json_object_set_new(row, "due_day", json_integer(care_due_day(
	    json_integer_value(json_object_get(row, "start_day")), last,
	    (long)json_integer_value(json_object_get(row, "every_days")))));
	return 0;
}

/*
 * The one validator of a person: body over old (NULL: a new person made
 * by actor at now), into *row (the table's columns) and *family (NULL:
 * unchanged). -1 with err naming the field.
 */
int
care_person_build(const struct config *cf, json_t *body,
    const json_t *old, const char *actor, int64_t now, json_t **row,
    json_t **family, struct call_error *err)
{
	const char	*k;
	json_t		*v;

	*row = NULL;
	*family = NULL;
	if (!json_is_object(body))
		return call_fail(err, "invalid_json", "", "the body must be a "
		    "JSON object");
	json_object_foreach(body, k, v)
		if (!care_in(care_person_fields, k))
			return call_fail(err, "unknown_field", k, "unknown field "
			    "%.64s", k);
	if (old != NULL)
		*row = json_deep_copy(old);
	else
		*row = json_pack("{sIsIsssIsIsi}", "start_day",
		    (json_int_t)config_care_day_of(now), "every_days",
		    (json_int_t)cf->cf_care.cc_every_days, "created_by", actor,
		    "created_at", (json_int_t)now, "updated_at", (json_int_t)now,
		    "legal_hold", 0);
	if (*row == NULL)
		return call_fail(err, "internal", "", "out of memory");
	json_object_set_new(*row, "updated_at", json_integer(now));
	if (care_fields(cf, body, *row, err) == -1 ||
	    care_family(body, family, err) == -1 ||
	    care_complete(*row, err) == -1) {
		json_decref(*row);
		json_decref(*family);
		*row = *family = NULL;
		return -1;
	}
	return 0;
}

/* The keyed hashes of a person's and their family's phones. */
json_t *
care_phone_hashes(const struct config *cf, const json_t *row,
    const json_t *family)
{
	static const char *const cols[] = { "phone", "hubei_phone", NULL };
	json_t		*out = json_array(), *m;
	const char	*p;
	char		*h;
	size_t		 i;

	if (out == NULL || cf->cf_hash_key == NULL)
		return out;
	for (i = 0; cols[i] != NULL; i++)
		if ((p = json_string_value(json_object_get(row, cols[i]))) !=
		    NULL && call_hash_number(cf, p, &h) == 0) {
			json_array_append_new(out, json_string(h));
			free(h);
		}
	json_array_foreach(family, i, m)
		if ((p = json_string_value(json_object_get(m, "phone"))) !=
		    NULL && call_hash_number(cf, p, &h) == 0) {
			json_array_append_new(out, json_string(h));
			free(h);
		}
	return out;
}

/* A day number as a date, or null when negative (none). */
json_t *
care_day_json_of(int64_t day)
{
	char	 buf[CARE_DATE_LEN];

	if (day < 0)
		return json_null();
	config_care_day_format(day, buf, sizeof(buf));
	return json_string(buf);
}

/* A day number member as a date, or null. */
static json_t *
care_day_json(const json_t *v)
{
	char	 buf[CARE_DATE_LEN];

	if (!json_is_integer(v))
		return json_null();
	config_care_day_format(json_integer_value(v), buf, sizeof(buf));
	return json_string(buf);
}

/* A person's row as the API shows it, as of local day today. */
json_t *
care_person_json(const json_t *row, int64_t today, int64_t end_day)
{
	static const char *const copy[] = { "id", "name", "gender",
	    "category", "post", "phone", "unit", "team", "liaison", "notes",
	    "hubei_phone", "carrier", "every_days", "created_by", "version",
	    NULL };
	static const char *const times[] = { "last_contact_at", "created_at",
	    "updated_at", "personal_erased_at", NULL };
	json_t		*o = json_object(), *v;
	int64_t		 due, end;
	size_t		 i;

	if (o == NULL)
		return NULL;
	for (i = 0; copy[i] != NULL; i++)
		json_object_set(o, copy[i], (v = json_object_get(row,
		    copy[i])) ? v : json_null());
	for (i = 0; times[i] != NULL; i++)
		json_object_set_new(o, times[i], call_json_time(
		    json_integer_value(json_object_get(row, times[i]))));
	json_object_set_new(o, "start_date", care_day_json(json_object_get(row,
	    "start_day")));
	json_object_set_new(o, "end_date", care_day_json(json_object_get(row,
	    "end_day")));
	end = json_is_integer(json_object_get(row, "end_day")) ?
	    json_integer_value(json_object_get(row, "end_day")) : end_day;
	v = json_integer(end);
	json_object_set_new(o, "care_ends", end >= 0 ? care_day_json(v) :
	    json_null());
	json_decref(v);
	due = json_integer_value(json_object_get(row, "due_day"));
	json_object_set_new(o, "next_due", care_day_json(json_object_get(row,
	    "due_day")));
	json_object_set_new(o, "overdue", json_boolean(care_overdue(due, end,
	    today)));
	json_object_set_new(o, "legal_hold", json_boolean(json_integer_value(
	    json_object_get(row, "legal_hold"))));
	return o;
}

/* The table's values of a contact, a difficulty, a link: times as text. */
json_t *
care_row_json(const json_t *row)
{
	static const char *const times[] = { "at", "raised_at", "closed_at",
	    "linked_at", "started_at", NULL };
	json_t	*o = json_deep_copy(row);
	size_t	 i;

	if (o == NULL)
		return NULL;
	for (i = 0; times[i] != NULL; i++)
		if (json_object_get(o, times[i]) != NULL)
			json_object_set_new(o, times[i], call_json_time(
			    json_integer_value(json_object_get(row,
			    times[i]))));
	if (json_object_get(o, "due_day") != NULL)
		json_object_set_new(o, "due_date", care_day_json(
		    json_object_get(row, "due_day")));
	json_object_del(o, "due_day");
	if (json_object_get(o, "on_time") != NULL)
		json_object_set_new(o, "on_time", json_boolean(
		    json_integer_value(json_object_get(row, "on_time"))));
	return o;
}

/* An audit row of a register action on person (detail "person N"). */
int
care_audit(const struct identity *id, const char *action, int64_t person,
    int64_t call, int64_t item)
{
	char	 detail[48];

	snprintf(detail, sizeof(detail), "person %lld", (long long)person);
	return audit_record(id, action, call, item, detail);
}
