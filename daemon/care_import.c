/*
 * A unit's form into the register, all of it or none: every row checked
 * by the one validator of a person (care_person_build), a person already
 * there (same name, unit and phone) updated rather than added again,
 * each row's 存在困难 raised as a difficulty unless that person has it
 * already, and every bad row reported with its line, column and
 * problem. It runs in one savepoint of the write batch; a bad row or a
 * dry run rolls the savepoint back, so nothing of the file is kept.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"

/* A problem with line's column (a field name, or NULL). */
static void
care_import_problem(json_t *out, json_int_t line, const char *column,
    const char *problem)
{
	json_array_append_new(json_object_get(out, "problems"), json_pack(
	    "{sIsoss}", "row", line, "column", column != NULL && *column ?
	    json_string(column) : json_null(), "problem", problem));
}

/* The body of a person as the API takes it, from a form's row. */
static json_t *
care_import_body(const struct config *cf, json_t *r, const char *liaison,
    const char *team)
{
	static const char *const same[] = { "name", "gender", "category",
	    "post", "phone", "unit", "hubei_phone", "carrier", NULL };
	const struct operator	*op;
	const char		*l, *fp, *fn;
	json_t			*b = json_object(), *v;
	size_t			 i;

	for (i = 0; same[i] != NULL; i++)
		if (json_is_string(v = json_object_get(r, same[i])))
			json_object_set(b, same[i], v);
	/* 附件3 has only the phone used in Wuhan: it is their phone. */
	if (!json_object_get(b, "phone") && json_object_get(b, "hubei_phone"))
		json_object_set(b, "phone", json_object_get(b, "hubei_phone"));
	if (json_is_string(v = json_object_get(r, "team")))
		json_object_set(b, "team", v);
	else if (team != NULL)
		json_object_set_new(b, "team", json_string(team));
	/* The form names the union's liaison as a person; a user by that
	   name with the liaison role is taken, else ?liaison=. */
	l = json_string_value(json_object_get(r, "liaison"));
	if (liaison != NULL)
		json_object_set_new(b, "liaison", json_string(liaison));
	else if (l != NULL && (op = config_op_by_name(cf, l)) != NULL &&
	    op->op_role == ROLE_LIAISON)
		json_object_set_new(b, "liaison", json_string(l));
	fn = json_string_value(json_object_get(r, "family_name"));
	fp = json_string_value(json_object_get(r, "family_phone"));
	if (fn != NULL || fp != NULL)
		json_object_set_new(b, "family", json_pack("[{sosOso}]",
		    "name", fn != NULL ? json_string(fn) : json_null(),
		    "relation", json_object_get(r, "family_relation") ?
		    json_object_get(r, "family_relation") : json_null(),
		    "phone", fp != NULL ? json_string(fp) : json_null()));
	return b;
}

/* A 存在困难 cell that says there is none. */
static int
care_import_none(const char *s)
{
	static const char *const none[] = { "无", "无困难", "暂无", "没有",
	    "否", "-", "/", NULL };
	size_t	 i;

	for (i = 0; none[i] != NULL; i++)
		if (strcmp(none[i], s) == 0)
			return 1;
	return 0;
}

/*
 * The row's 存在困难, unless the person has that difficulty already (one
 * just added has none: not looked for).
 */
static int
care_import_difficulty(struct store *s, const struct identity *id,
    int64_t pid, int added, const char *text, int64_t now)
{
	json_t	*f, *have, *d;
	size_t	 i;
	int	 rc = STORE_OK;

	if (added)
		have = json_array();
	else if ((f = json_pack("{sIsi}", "person_id", (json_int_t)pid,
	    "limit", 1000)) == NULL) {
		return STORE_ERR;
	} else {
		have = store_care_difficulties(s, f);
		json_decref(f);
	}
	if (have == NULL)
		return STORE_ERR;
	json_array_foreach(have, i, d)
		if (json_is_string(json_object_get(d, "description")) &&
		    strcmp(json_string_value(json_object_get(d,
		    "description")), text) == 0)
			break;
	if (i == json_array_size(have)) {
		d = json_pack("{sIsssssssI}", "person_id", (json_int_t)pid,
		    "category", "other", "description", text, "raised_by",
		    id->id_name, "raised_at", (json_int_t)now);
		rc = d == NULL ? STORE_ERR : store_care_difficulty_insert(s, d,
		    NULL);
		json_decref(d);
	}
	json_decref(have);
	return rc;
}

/* One row: added or updated; a problem noted when it is bad. */
static int
care_import_row(struct store *s, const struct config *cf,
    const struct identity *id, json_t *r, const char *liaison,
    const char *team, int64_t now, json_t *out)
{
	struct call_error	 err;
	json_t			*b, *row, *family, *old = NULL;
	const char		*text;
	int64_t			 pid = 0;
	int			 rc;

	memset(&err, 0, sizeof(err));
	b = care_import_body(cf, r, liaison, team);
	if (care_person_build(cf, b, NULL, id->id_name, now, &row, &family,
	    &err) == -1) {
		care_import_problem(out, json_integer_value(json_object_get(r,
		    "line")), err.ce_field, err.ce_msg);
		json_decref(b);
		return CARE_OK;
	}
	rc = store_care_person_by_key(s, json_string_value(json_object_get(row,
	    "match_key")), &old);
	if (rc == STORE_NOTFOUND) {
		rc = care_person_add(s, cf, id, row, family, &pid);
		json_object_set_new(out, "added", json_integer(
		    json_integer_value(json_object_get(out, "added")) + 1));
	} else if (rc == STORE_OK) {
		pid = json_integer_value(json_object_get(old, "id"));
		json_decref(row);
		json_decref(family);
		rc = care_person_build(cf, b, old, id->id_name, now, &row,
		    &family, &err) == -1 ? CARE_ERR : care_person_put(s, cf, id,
		    row, family);
		json_object_set_new(out, "updated", json_integer(
		    json_integer_value(json_object_get(out, "updated")) + 1));
	} else
		rc = CARE_ERR;
	if (rc == CARE_OK && (text = json_string_value(json_object_get(r,
	    "difficulties"))) != NULL && !care_import_none(text) &&
	    care_import_difficulty(s, id, pid, old == NULL, text,
	    now) != STORE_OK)
		rc = CARE_ERR;
	json_decref(old);
	json_decref(row);
	json_decref(family);
	json_decref(b);
	return rc;
}

/*
 * Import rows (objects named as careform_row's fields, with "line"),
 * the people's liaison and the team of rows without one (either NULL);
 * out gets the counts and "problems". CARE_OK: stored (or a good dry
 * run, rolled back); CARE_BAD: bad rows, nothing kept; CARE_ERR.
 */
int
care_import(struct store *s, const struct config *cf,
    const struct identity *id, json_t *rows, const char *liaison,
    const char *team, int dry_run, json_t *out)
{
	int64_t	 now = clock_now();
	json_t	*r;
	size_t	 i;
	char	 detail[64];
	int	 rc;

	json_object_set_new(out, "added", json_integer(0));
	json_object_set_new(out, "updated", json_integer(0));
	json_object_set_new(out, "problems", json_array());
	if (store_request_begin(s) != STORE_OK)
		return CARE_ERR;
	rc = CARE_OK;
	json_array_foreach(rows, i, r)
		if ((rc = care_import_row(s, cf, id, r, liaison, team, now,
		    out)) != CARE_OK)
			break;
	if (rc == CARE_OK && json_array_size(json_object_get(out,
	    "problems")) > 0)
		rc = CARE_BAD;
	if (rc == CARE_OK && !dry_run) {
		snprintf(detail, sizeof(detail), "%zu rows",
		    json_array_size(rows));
		if (audit_record(id, "care.import", 0, 0, detail) != STORE_OK)
			rc = CARE_ERR;
	}
	if (store_request_end(s, rc == CARE_OK && !dry_run ? STORE_OK :
	    STORE_ERR) != STORE_OK && rc == CARE_OK && !dry_run)
		rc = CARE_ERR;
	return rc;
}
