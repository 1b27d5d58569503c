/*
 * The union's forms in and out: POST /v1/care/import takes a unit's file
 * as it sent it (the body is the file's bytes: .xlsx, .xls or CSV,
 * careform.c finds which) and stores all of it or none (care_import.c);
 * GET /v1/care/export writes the register in a form's layout, as CSV
 * with a byte-order mark or a spreadsheet, audited like a call export.
 */
#include <sys/mman.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "api.h"
#include "careform.h"

#define CARE_EXPORT_MAX	1000000	/* people in one export */
#define CARE_AID_TEAM	"援鄂医疗队"	/* the team of 附件1 and 附件3 */

/* A form's row as the object care_import() takes. */
static json_t *
api_care_row_json(const struct careform_row *r)
{
	const struct { const char *k; const char *v; } f[] = {
		{ "name", r->cr_name }, { "gender", r->cr_gender },
		{ "category", r->cr_category }, { "post", r->cr_post },
		{ "phone", r->cr_phone }, { "family_name", r->cr_family_name },
		{ "family_relation", r->cr_family_relation },
		{ "family_phone", r->cr_family_phone },
		{ "liaison", r->cr_liaison },
		{ "difficulties", r->cr_difficulties }, { "unit", r->cr_unit },
		{ "team", r->cr_team }, { "hubei_phone", r->cr_hubei_phone },
		{ "carrier", r->cr_carrier },
	};
	json_t	*o = json_pack("{sI}", "line", (json_int_t)r->cr_line);
	size_t	 i;

	for (i = 0; o != NULL && i < sizeof(f) / sizeof(f[0]); i++)
		if (f[i].v != NULL && *f[i].v != '\0')
			json_object_set_new(o, f[i].k, json_string(f[i].v));
	return o;
}

/* The form as the write's body: its rows (the title's unit filled in). */
static json_t *
api_care_form_json(const struct careform *cf)
{
	json_t	*rows = json_array(), *probs = json_array(), *r;
	size_t	 i;

	for (i = 0; i < cf->cf_nrows; i++) {
		if ((r = api_care_row_json(&cf->cf_rows[i])) == NULL)
			continue;
		if (!json_object_get(r, "unit") && cf->cf_unit != NULL)
			json_object_set_new(r, "unit",
			    json_string(cf->cf_unit));
		json_array_append_new(rows, r);
	}
	for (i = 0; i < cf->cf_nproblems; i++)
		json_array_append_new(probs, json_pack("{sIsoss}", "row",
		    (json_int_t)cf->cf_problems[i].cp_line, "column",
		    cf->cf_problems[i].cp_column != NULL ?
		    json_string(cf->cf_problems[i].cp_column) : json_null(),
		    "problem", cf->cf_problems[i].cp_problem));
	return json_pack("{sosossss}", "rows", rows, "form_problems", probs,
	    "layout", careform_layout_code(cf->cf_layout), "unit",
	    cf->cf_unit != NULL ? cf->cf_unit : "");
}

/* A field of a person as the forms head its column. */
static const char *
api_care_heading(const char *field)
{
	static const char *const map[][2] = {
		{ "name", "职工姓名" }, { "gender", "性别" },
		{ "category", "人员类别" }, { "post", "职务职称" },
		{ "phone", "联系方式" }, { "unit", "单位" },
		{ "team", "所在队伍" }, { "liaison", "工会联系人姓名" },
		{ "hubei_phone", "在汉联系电话" }, { "carrier", "运营商" },
		{ "family[0].name", "家属姓名" },
		{ "family[0].relation", "与本人关系" },
		{ "family[0].phone", "家属联系方式" },
	};
	size_t	 i;

	for (i = 0; field != NULL && i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(map[i][0], field) == 0)
			return map[i][1];
	return field;
}

/*
 * The register's problems (field names) after the form's (headings):
 * each named by its heading, and left out where the form has already
 * said what is wrong with that row's column. form NULL: only renamed.
 */
static void
api_care_problems_merge(json_t *form, json_t *probs)
{
	json_t		*p, *f;
	const char	*col, *fcol;
	size_t		 i, j;

	json_array_foreach(probs, i, p) {
		col = api_care_heading(json_string_value(json_object_get(p,
		    "column")));
		if (col != NULL)
			json_object_set_new(p, "column", json_string(col));
		if (form == NULL)
			continue;
		json_array_foreach(form, j, f) {
			fcol = json_string_value(json_object_get(f, "column"));
			if (json_equal(json_object_get(f, "row"),
			    json_object_get(p, "row")) && col != NULL &&
			    fcol != NULL && (strcmp(fcol, col) == 0 ||
			    (strstr(fcol, col) != NULL)))
				break;
		}
		if (j == json_array_size(form))
			json_array_append(form, p);
	}
}

/* In the pump: the file's people in one savepoint, or none of them. */
static void
api_care_import_run(struct write *w)
{
	struct ctx	*x = &w->w_x;
	json_t		*b = w->w_body, *out, *fp;
	int		 dry, rc;

	dry = json_is_true(json_object_get(b, "dry_run")) ||
	    json_array_size(json_object_get(b, "form_problems")) > 0;
	out = json_pack("{sOsIsb}", "layout", json_object_get(b, "layout"),
	    "rows", (json_int_t)json_array_size(json_object_get(b, "rows")),
	    "dry_run", json_is_true(json_object_get(b, "dry_run")));
	rc = care_import(x->x_api->a_store, x->x_api->a_cf, &x->x_id,
	    json_object_get(b, "rows"), json_string_value(json_object_get(b,
	    "liaison")), json_string_value(json_object_get(b, "team")), dry,
	    out);
	fp = json_object_get(b, "form_problems");
	if (rc != CARE_ERR && json_array_size(fp) > 0) {
		api_care_problems_merge(fp, json_object_get(out, "problems"));
		json_object_set(out, "problems", fp);
		rc = CARE_BAD;
	} else
		api_care_problems_merge(NULL, json_object_get(out, "problems"));
	if (rc == CARE_ERR) {
		json_decref(out);
		api_store_error(x, "import the file");
		return;
	}
	if (rc == CARE_BAD) {
		json_object_set_new(out, "error", json_string("invalid_rows"));
		json_object_set_new(out, "message", json_sprintf("%zu problems "
		    "in the file: nothing was imported",
		    json_array_size(json_object_get(out, "problems"))));
		json_object_del(out, "added");
		json_object_del(out, "updated");
		api_reply(x, 400, out);
		return;
	}
	api_reply(x, 200, out);
}

/* A query parameter that must name a code of cl (or its name). */
static int
api_care_code_param(struct ctx *x, const char *name,
    const struct code_list *cl, const char **out)
{
	const struct code_name	*cn;

	*out = evhttp_find_header(&x->x_query, name);
	if (*out == NULL)
		return 0;
	if ((cn = config_care_code(cl, *out)) == NULL) {
		api_error(x, 400, "invalid_parameter", name, "%s \"%.60s\" is "
		    "not one of the configured codes", name, *out);
		return -1;
	}
	*out = cn->cn_code;
	return 0;
}

/*
 * On the reading thread: the file's bytes into the write's body (its
 * rows, the form's problems, layout and unit), or NULL with *cause.
 */
static json_t *
api_care_form_read(const void *buf, size_t len, char **cause)
{
	struct careform	 form;
	json_t		*body;

	memset(&form, 0, sizeof(form));
	if (careform_read(buf, len, &form, cause) == -1) {
		if (*cause == NULL)
			*cause = strdup("the file cannot be read");
		return NULL;
	}
	body = api_care_form_json(&form);
	careform_free(&form);
	return body;
}

/* On the loop, the file read: its rows queued for the write batch. */
static void
api_care_import_read(struct ctx *x, json_t *args, json_t *form,
    const char *cause)
{
	const struct code_name	*cn;
	enum careform_layout	 layout;
	struct write		*w;
	json_t			*team;

	if (cause != NULL) {
		api_error(x, 400, "invalid_file", NULL, "%s", cause);
		return;
	}
	if (form == NULL) {
		api_error(x, 503, "internal", NULL, "out of memory");
		return;
	}
	if ((w = api_write_new(x)) == NULL)
		return;
	w->w_body = json_incref(form);
	json_object_update(w->w_body, args);
	/* 附件1 and 附件3 are the aid team's forms: its team by default. */
	layout = careform_layout_parse(json_string_value(json_object_get(form,
	    "layout")));
	team = json_object_get(args, "team");
	if (team == NULL && (layout == CAREFORM_AID_TEAM ||
	    layout == CAREFORM_IN_HUBEI) && (cn = config_care_code(
	    &x->x_api->a_cf->cf_care.cc_teams, CARE_AID_TEAM)) != NULL)
		json_object_set_new(w->w_body, "team",
		    json_string(cn->cn_code));
	w->w_run = api_care_import_run;
	api_write_queue(x, w);
}

/*
 * POST /v1/care/import?dry_run=1&liaison=NAME&team=CODE; body: the file.
 * The query is checked here; the file is read on a thread of its own
 * (api_care_read.c), its rows written by the batch.
 */
void
api_care_import(struct ctx *x)
{
	static const char *const known[] = { "dry_run", "liaison", "team",
	    NULL };
	struct evbuffer		*in = evhttp_request_get_input_buffer(x->x_req);
	const struct operator	*op;
	const char		*l, *team, *dry;
	json_t			*args;

	if (api_query_check(x, known) == -1 || api_care_code_param(x, "team",
	    &x->x_api->a_cf->cf_care.cc_teams, &team) == -1)
		return;
	dry = evhttp_find_header(&x->x_query, "dry_run");
	if (dry != NULL && strcmp(dry, "0") != 0 && strcmp(dry, "1") != 0) {
		api_error(x, 400, "invalid_parameter", "dry_run", "dry_run is "
		    "0 or 1");
		return;
	}
	if ((l = evhttp_find_header(&x->x_query, "liaison")) != NULL &&
	    ((op = config_op_by_name(x->x_api->a_cf, l)) == NULL ||
	    op->op_role != ROLE_LIAISON)) {
		api_error(x, 400, "invalid_parameter", "liaison", "liaison "
		    "\"%.40s\" is not a user with the role liaison", l);
		return;
	}
	if (evbuffer_get_length(in) == 0) {
		api_error(x, 400, "invalid_file", NULL, "the body is empty: "
		    "send the file's bytes");
		return;
	}
	if ((args = json_pack("{sb}", "dry_run", dry != NULL &&
	    strcmp(dry, "1") == 0)) == NULL) {
		api_error(x, 503, "internal", NULL, "out of memory");
		return;
	}
	if (l != NULL)
		json_object_set_new(args, "liaison", json_string(l));
	if (team != NULL)
		json_object_set_new(args, "team", json_string(team));
	api_care_read_queue(x, args, api_care_form_read,
	    api_care_import_read);
}

/* A copy of o[k], or NULL (the form's rows own their strings). */
static char *
api_care_dup(json_t *o, const char *k)
{
	const char	*s = json_string_value(json_object_get(o, k));

	return s != NULL ? strdup(s) : NULL;
}

/* The register's names of a code of cl. */
static char *
api_care_name(const struct code_list *cl, json_t *o, const char *k)
{
	const struct code_name	*cn;
	const char		*s = json_string_value(json_object_get(o, k));

	if (s == NULL)
		return NULL;
	cn = config_care_code(cl, s);
	return strdup(cn != NULL ? cn->cn_name : s);
}

/* Person p as a form's row: their first family member, open troubles. */
static void
api_care_form_row(struct ctx *x, json_t *p, int line, struct careform_row *r)
{
	const struct care_conf	*cc = &x->x_api->a_cf->cf_care;
	struct store		*s = x->x_api->a_store;
	int64_t			 id = json_integer_value(json_object_get(p, "id"));
	json_t			*fam, *f, *d, *diffs;
	const char		*g;
	char			*text = NULL, *t;
	size_t			 i;

	r->cr_line = line;
	r->cr_name = api_care_dup(p, "name");
	g = json_string_value(json_object_get(p, "gender"));
	r->cr_gender = g == NULL ? NULL : strdup(strcmp(g, "male") == 0 ?
	    "男" : "女");
	r->cr_category = api_care_name(&cc->cc_categories, p, "category");
	r->cr_post = api_care_dup(p, "post");
	r->cr_phone = api_care_dup(p, "phone");
	r->cr_liaison = api_care_dup(p, "liaison");
	r->cr_unit = api_care_dup(p, "unit");
	r->cr_team = api_care_name(&cc->cc_teams, p, "team");
	r->cr_hubei_phone = api_care_dup(p, "hubei_phone");
	r->cr_carrier = api_care_dup(p, "carrier");
	if ((fam = store_care_family(s, id)) != NULL &&
	    (f = json_array_get(fam, 0)) != NULL) {
		r->cr_family_name = api_care_dup(f, "name");
		r->cr_family_relation = api_care_dup(f, "relation");
		r->cr_family_phone = api_care_dup(f, "phone");
	}
	json_decref(fam);
	f = json_pack("{sIsssi}", "person_id", (json_int_t)id, "state", "open",
	    "limit", 100);
	diffs = f != NULL ? store_care_difficulties(s, f) : NULL;
	json_decref(f);
	json_array_foreach(diffs, i, d) {
		if (!json_is_string(json_object_get(d, "description")))
			continue;
		if (asprintf(&t, "%s%s%s", text ? text : "", text ? "；" : "",
		    json_string_value(json_object_get(d, "description"))) == -1)
			break;
		free(text);
		text = t;
	}
	json_decref(diffs);
	r->cr_difficulties = text;
}

static void
api_care_form_free(struct careform_row *r)
{
	char	**v[] = { &r->cr_name, &r->cr_gender, &r->cr_category,
	    &r->cr_post, &r->cr_phone, &r->cr_family_name,
	    &r->cr_family_relation, &r->cr_family_phone, &r->cr_liaison,
	    &r->cr_liaison_phone, &r->cr_difficulties, &r->cr_unit,
	    &r->cr_team, &r->cr_hubei_phone, &r->cr_carrier };
	size_t	 i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		free(*v[i]);
}

/* Write the people in layout and format to fd. -1 with *cause. */
static int
api_care_write(struct ctx *x, json_t *people, json_t *b, int fd,
    char **cause)
{
	struct careform_row	*rows;
	const char		*unit;
	json_t			*p;
	size_t			 i, n = json_array_size(people);
	int			 rc;

	if ((rows = calloc(n + 1, sizeof(*rows))) == NULL) {
		*cause = strdup("out of memory");
		return -1;
	}
	json_array_foreach(people, i, p)
		api_care_form_row(x, p, (int)i + 1, &rows[i]);
	unit = json_string_value(json_object_get(b, "unit"));
	rc = careform_write(fd, strcmp(json_string_value(json_object_get(b,
	    "format")), "xlsx") == 0 ? CAREFORM_XLSX : CAREFORM_CSV,
	    careform_layout_parse(json_string_value(json_object_get(b,
	    "layout"))), unit, rows, n, cause);
	for (i = 0; i < n; i++)
		api_care_form_free(&rows[i]);
	free(rows);
	return rc;
}

/* In the pump: the file written, its audit row, then the file sent. */
static void
api_care_export_run(struct write *w)
{
	struct ctx	*x = &w->w_x;
	struct store	*s = x->x_api->a_store;
	struct evbuffer	*body;
	json_t		*b = w->w_body, *f, *people;
	char		*cause = NULL, detail[160];
	off_t		 len;
	int		 fd, rc, xlsx;

	xlsx = strcmp(json_string_value(json_object_get(b, "format")),
	    "xlsx") == 0;
	f = json_pack("{sOsIsI}", "unit", json_object_get(b, "unit"),
	    "limit", (json_int_t)CARE_EXPORT_MAX, "offset", (json_int_t)0);
	people = f != NULL ? store_care_people(s, f) : NULL;
	json_decref(f);
	if (people == NULL) {
		api_store_error(x, "read the register");
		return;
	}
	fd = memfd_create("care-export", MFD_CLOEXEC);
	if (fd == -1 || api_care_write(x, people, b, fd, &cause) == -1 ||
	    (len = lseek(fd, 0, SEEK_END)) == -1 ||
	    (body = evbuffer_new()) == NULL) {
		log_warnx("%s: %s", __func__, cause != NULL ? cause :
		    strerror(errno));
		api_error(x, 503, "internal", NULL, "the export could not be "
		    "written: %s", cause != NULL ? cause : strerror(errno));
		free(cause);
		if (fd != -1)
			close(fd);
		json_decref(people);
		return;
	}
	if (evbuffer_add_file(body, fd, 0, len) == -1) {
		close(fd);
		evbuffer_free(body);
		json_decref(people);
		api_error(x, 503, "internal", NULL, "out of memory");
		return;
	}
	snprintf(detail, sizeof(detail), "%zu people, layout %s, %s%s%.60s",
	    json_array_size(people), json_string_value(json_object_get(b,
	    "layout")), xlsx ? "xlsx" : "csv", json_is_string(json_object_get(
	    b, "unit")) ? ", unit " : "", json_is_string(json_object_get(b,
	    "unit")) ? json_string_value(json_object_get(b, "unit")) : "");
	json_decref(people);
	if ((rc = store_request_begin(s)) == STORE_OK)
		rc = store_request_end(s, audit_record(&x->x_id, "care.export",
		    0, 0, detail));
	if (rc != STORE_OK) {
		evbuffer_free(body);
		api_store_error(x, "record the export in the audit trail, so "
		    "nothing is sent");
		return;
	}
	evhttp_add_header(evhttp_request_get_output_headers(x->x_req),
	    "Content-Type", xlsx ? "application/vnd.openxmlformats-"
	    "officedocument.spreadsheetml.sheet" : "text/csv; charset=utf-8");
	evhttp_add_header(evhttp_request_get_output_headers(x->x_req),
	    "Content-Disposition", xlsx ? "attachment; filename=\"care.xlsx\"" :
	    "attachment; filename=\"care.csv\"");
	api_reply_body(x, 200, body);
}

/* GET /v1/care/export?unit=&layout=aid_team|frontline|in_hubei&format= */
void
api_care_export(struct ctx *x)
{
	static const char *const known[] = { "unit", "layout", "format", NULL };
	const char	*unit, *layout, *format;
	struct write	*w;

	if (api_query_check(x, known) == -1)
		return;
	unit = evhttp_find_header(&x->x_query, "unit");
	layout = evhttp_find_header(&x->x_query, "layout");
	format = evhttp_find_header(&x->x_query, "format");
	if (layout == NULL)
		layout = "aid_team";
	if (format == NULL)
		format = "csv";
	if (careform_layout_parse(layout) == CAREFORM_UNKNOWN) {
		api_error(x, 400, "invalid_parameter", "layout", "layout must "
		    "be aid_team, frontline or in_hubei");
		return;
	}
	if (strcmp(format, "csv") != 0 && strcmp(format, "xlsx") != 0) {
		api_error(x, 400, "invalid_parameter", "format", "format must "
		    "be csv or xlsx");
		return;
	}
	if ((w = api_write_new(x)) == NULL)
		return;
	w->w_body = json_pack("{ssssso}", "layout", layout, "format", format,
	    "unit", unit != NULL && *unit ? json_string(unit) : json_null());
	w->w_run = api_care_export_run;
	api_write_queue(x, w);
}
