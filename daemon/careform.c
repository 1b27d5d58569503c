/*
 * The union's care-register forms (careform.h): the format found from
 * the bytes, a reader (careform_csv.c, careform_xlsx.c, careform_xls.c)
 * makes a grid of it, and here the grid becomes rows: merged ranges
 * spread, the headings and titles found (careform_head.c), every cell
 * cleaned and every phone checked (careform_clean.c). A row that is
 * wholly empty (or numbered, 序号, and nothing else, as a template's
 * spare lines are) is no row; nor is a note under the table (注：…,
 * 填表人：…) nor the headings repeated.
 *
 * 附件1 and 附件2 have the same columns: the title line tells them
 * apart (援鄂 or 附件1 names the aid team's, 一线 or 附件2 the front
 * line's). Without one the form is taken as the front line's, the
 * wider of the two (every unit has front-line staff, few sent a team),
 * and cf_guessed says so for the caller to confirm.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "careform_int.h"

#define CAREFORM_QUOTE		60	/* bytes of a value in a message */

/* How the register writes each column's heading. */
static const char *const careform_head[CF_NFIELDS] = {
	"序号", "职工姓名", "性别", "人员类别", "职务职称", "联系方式",
	"家属姓名", "与本人关系", "家属联系方式", "工会联系人姓名",
	"工会联系人联系方式", "存在困难", "单位", "所在队伍", "在汉联系电话",
	"运营商"
};

static const char *const careform_notes[] = {
	"注：", "注:", "注1", "注 ", "说明：", "说明:", "备注：", "备注:",
	"填表人", "填报人", "填表日期", "填报日期", "填表时间", "审核人",
	"制表人", "负责人：", "负责人:", "单位负责人", "联系人：", "联系人:"
};

const char *
careform_heading(enum careform_field f)
{
	return f < CF_NFIELDS ? careform_head[f] : NULL;
}

const char *
careform_form_name(enum careform_layout l)
{
	switch (l) {
	case CAREFORM_AID_TEAM:
		return "援鄂医疗队队员联系表";
	case CAREFORM_FRONTLINE:
		return "一线医务人员联系表";
	case CAREFORM_IN_HUBEI:
		return "援鄂医疗队队员在汉联系方式";
	default:
		return NULL;
	}
}

char **
careform_field(struct careform_row *r, enum careform_field f)
{
	switch (f) {
	case CF_NAME:		return &r->cr_name;
	case CF_GENDER:		return &r->cr_gender;
	case CF_CATEGORY:	return &r->cr_category;
	case CF_POST:		return &r->cr_post;
	case CF_PHONE:		return &r->cr_phone;
	case CF_FAMILY_NAME:	return &r->cr_family_name;
	case CF_FAMILY_RELATION: return &r->cr_family_relation;
	case CF_FAMILY_PHONE:	return &r->cr_family_phone;
	case CF_LIAISON:	return &r->cr_liaison;
	case CF_LIAISON_PHONE:	return &r->cr_liaison_phone;
	case CF_DIFFICULTIES:	return &r->cr_difficulties;
	case CF_UNIT:		return &r->cr_unit;
	case CF_TEAM:		return &r->cr_team;
	case CF_HUBEI_PHONE:	return &r->cr_hubei_phone;
	case CF_CARRIER:	return &r->cr_carrier;
	default:		return NULL;
	}
}

const char *
careform_layout_code(enum careform_layout l)
{
	switch (l) {
	case CAREFORM_AID_TEAM:
		return "aid_team";
	case CAREFORM_FRONTLINE:
		return "frontline";
	case CAREFORM_IN_HUBEI:
		return "in_hubei";
	default:
		return "unknown";
	}
}

enum careform_layout
careform_layout_parse(const char *s)
{
	if (s == NULL)
		return CAREFORM_UNKNOWN;
	if (strcmp(s, "aid_team") == 0)
		return CAREFORM_AID_TEAM;
	if (strcmp(s, "frontline") == 0)
		return CAREFORM_FRONTLINE;
	if (strcmp(s, "in_hubei") == 0)
		return CAREFORM_IN_HUBEI;
	return CAREFORM_UNKNOWN;
}


/*
 * Give each cell of a merged range its first cell's value (Excel keeps
 * only that one), marking those right of the first column: a heading
 * merged across columns names each of them, a value merged across them
 * belongs to the first alone.
 */
static int
careform_spread(struct cfgrid *g, char **cause)
{
	struct cfgrid_merge	*m;
	size_t			 i, r, c, fills = 0;
	const char		*v;

	for (i = 0; i < g->g_nmerges; i++) {
		m = &g->g_merges[i];
		if ((v = careform_cell(g, m->gm_r1, m->gm_c1)) == NULL)
			continue;
		for (r = m->gm_r1; r <= m->gm_r2 && r < g->g_nrows; r++)
			for (c = m->gm_c1; c <= m->gm_c2; c++) {
				if (r == m->gm_r1 && c == m->gm_c1)
					continue;
				if (++fills > CAREFORM_MAX_FILLS) {
					*cause = careform_printf("more than "
					    "%d merged cells",
					    CAREFORM_MAX_FILLS);
					return -1;
				}
				if (cfgrid_set(g, r, c, v, strlen(v),
				    cause) == -1)
					return -1;
				if (c > m->gm_c1)
					g->g_rows[r].gr_cover[c] = 1;
				v = careform_cell(g, m->gm_r1, m->gm_c1);
			}
	}
	return 0;
}

static int
careform_problem(struct careform *form, int line, const char *column,
    char *problem)
{
	struct careform_problem	*p;

	if (problem == NULL)
		return -1;
	if ((p = reallocarray(form->cf_problems, form->cf_nproblems + 1,
	    sizeof(*p))) == NULL) {
		free(problem);
		return -1;
	}
	form->cf_problems = p;
	p += form->cf_nproblems++;
	p->cp_line = line;
	p->cp_problem = problem;
	if (column == NULL || *column == '\0')
		p->cp_column = NULL;
	else if ((p->cp_column = strdup(column)) == NULL)
		return -1;
	return 0;
}

/* V as a message quotes it: at most CAREFORM_QUOTE bytes, whole characters. */
static int
careform_quoted(const char *v)
{
	size_t	 n = strlen(v);

	if (n <= CAREFORM_QUOTE)
		return (int)n;
	n = CAREFORM_QUOTE;
	while (n > 0 && ((unsigned char)v[n] & 0xc0) == 0x80)
		n--;
	return (int)n;
}

static int
careform_is_note(const char *v)
{
	size_t	 i;

	for (i = 0; i < sizeof(careform_notes) / sizeof(careform_notes[0]);
	    i++)
		if (strncmp(v, careform_notes[i], strlen(careform_notes[i])) ==
		    0)
			return 1;
	return 0;
}

/* Check and write the phones of row R one way; problems for the others. */
static int
careform_row_phones(struct careform *form, const struct careform_map *m,
    struct careform_row *row)
{
	static const enum careform_field phones[] = {
		CF_PHONE, CF_FAMILY_PHONE, CF_LIAISON_PHONE, CF_HUBEI_PHONE
	};
	char	**v, buf[64], *s;
	size_t	 i;
	int	 lost;

	for (i = 0; i < sizeof(phones) / sizeof(phones[0]); i++) {
		v = careform_field(row, phones[i]);
		if (*v == NULL)
			continue;
		if (careform_phone(*v, buf, sizeof(buf), &lost) == 0) {
			if ((s = strdup(buf)) == NULL)
				return -1;
			free(*v);
			*v = s;
			continue;
		}
		if (careform_problem(form, row->cr_line,
		    m->m_head[phones[i]], lost ? careform_printf("\"%.*s\" has "
		    "lost digits: the spreadsheet kept the phone as a number "
		    "in scientific notation (format the column as text)",
		    careform_quoted(*v), *v) : careform_printf("\"%.*s\" is "
		    "not a phone number (a mobile such as 13912345678 or a "
		    "fixed line such as 0532-85669120)", careform_quoted(*v),
		    *v)) == -1)
			return -1;
	}
	return 0;
}

static void
careform_row_free(struct careform_row *row)
{
	int	 f;

	for (f = CF_NAME; f < CF_NFIELDS; f++)
		free(*careform_field(row, f));
	memset(row, 0, sizeof(*row));
}

/*
 * Line R as a row into *ROW: 1 made, 0 skipped (wholly empty, a note
 * under the table such as 注：… or 填表人：…, the headings again), -1
 * out of memory.
 */
static int
careform_row(const struct cfgrid *g, size_t r, const struct careform_map *m,
    struct careform *form, struct careform_row *row)
{
	const struct cfgrid_row	*gr = &g->g_rows[r];
	const char		*v;
	char			**dst;
	int			 f, flags, oom, any = 0;

	memset(row, 0, sizeof(*row));
	row->cr_line = (int)r + 1;
	for (f = CF_NAME; f < CF_NFIELDS; f++) {
		if (m->m_col[f] < 0 || (size_t)m->m_col[f] >= gr->gr_ncells ||
		    gr->gr_cover[m->m_col[f]] ||
		    (v = gr->gr_cells[m->m_col[f]]) == NULL)
			continue;
		flags = f == CF_DIFFICULTIES ? CAREFORM_CLEAN_LINES :
		    f == CF_NAME || f == CF_FAMILY_NAME || f == CF_LIAISON ?
		    CAREFORM_CLEAN_NAME : 0;
		dst = careform_field(row, f);
		if ((*dst = careform_clean(v, flags, &oom)) == NULL && oom)
			goto oom;
		/* A formula guard as careform_write() puts it. */
		if (*dst != NULL && (*dst)[0] == '\'' && (*dst)[1] != '\0' &&
		    strchr("=+-@\t\r", (*dst)[1]) != NULL)
			memmove(*dst, *dst + 1, strlen(*dst));
		if (*dst != NULL) {
			if ((f == CF_NAME && careform_is_note(*dst)) ||
			    careform_recognise(*dst) == f)
				goto skip;
			any = 1;
		}
	}
	if (!any)
		return 0;
	if (row->cr_unit == NULL && form->cf_unit != NULL &&
	    (row->cr_unit = strdup(form->cf_unit)) == NULL)
		goto oom;
	if (row->cr_name == NULL && careform_problem(form, row->cr_line,
	    m->m_col[CF_NAME] >= 0 ? m->m_head[CF_NAME] : NULL,
	    careform_printf("missing name")) == -1)
		goto oom;
	if (careform_row_phones(form, m, row) == -1)
		goto oom;
	return 1;
skip:
	careform_row_free(row);
	return 0;
oom:
	careform_row_free(row);
	return -1;
}

static int
careform_rows(const struct cfgrid *g, const struct careform_map *m,
    struct careform *form, char **cause)
{
	struct careform_row	 row, *rows;
	size_t			 r, cap = 0;
	int			 rc;

	for (r = m->m_last + 1; r < g->g_nrows; r++) {
		if ((rc = careform_row(g, r, m, form, &row)) == -1)
			goto oom;
		if (rc == 0)
			continue;
		if (form->cf_nrows == CAREFORM_MAX_ROWS) {
			careform_row_free(&row);
			*cause = careform_printf("more than %d rows",
			    CAREFORM_MAX_ROWS);
			return -1;
		}
		if (form->cf_nrows == cap) {
			cap = cap == 0 ? 64 : cap * 2;
			if ((rows = reallocarray(form->cf_rows, cap,
			    sizeof(*rows))) == NULL) {
				careform_row_free(&row);
				goto oom;
			}
			form->cf_rows = rows;
		}
		form->cf_rows[form->cf_nrows++] = row;
	}
	return 0;
oom:
	*cause = careform_printf("out of memory");
	return -1;
}

/* The grid as a form: headings, titles, rows. */
static int
careform_grid(struct cfgrid *g, struct careform *form, char **cause)
{
	struct careform_map	*m;
	enum careform_layout	 kind;
	int			 rc = -1;

	if (careform_spread(g, cause) == -1)
		return -1;
	if ((m = malloc(sizeof(*m))) == NULL) {
		*cause = careform_printf("out of memory");
		return -1;
	}
	if (careform_find_map(g, m) < 2) {
		*cause = careform_unknown(g);
		goto out;
	}
	if (careform_titles(g, m->m_first, form, &kind, cause) == -1)
		goto out;
	if (m->m_col[CF_HUBEI_PHONE] != -1 || m->m_col[CF_CARRIER] != -1)
		form->cf_layout = CAREFORM_IN_HUBEI;
	else if (kind != CAREFORM_UNKNOWN)
		form->cf_layout = kind;
	else {
		form->cf_layout = CAREFORM_FRONTLINE;
		form->cf_guessed = 1;
	}
	rc = careform_rows(g, m, form, cause);
out:
	free(m);
	return rc;
}

int
careform_read(const void *buf, size_t len, struct careform *form,
    char **cause)
{
	static const unsigned char ole2[] = {
		0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1
	};
	struct cfgrid	 g;
	int		 rc;

	memset(form, 0, sizeof(*form));
	memset(&g, 0, sizeof(g));
	*cause = NULL;
	if (len > CAREFORM_MAX_BYTES) {
		*cause = careform_printf("the file is %zu bytes, more than "
		    "the %u a form may have", len, CAREFORM_MAX_BYTES);
		return -1;
	}
	if (len >= 4 && memcmp(buf, "PK", 2) == 0 &&
	    (memcmp((const char *)buf + 2, "\3\4", 2) == 0 ||
	    memcmp((const char *)buf + 2, "\5\6", 2) == 0))
		rc = careform_xlsx_read(buf, len, &g, cause);
	else if (len >= sizeof(ole2) && memcmp(buf, ole2, sizeof(ole2)) == 0)
		rc = careform_xls_read(buf, len, &g, cause);
	else
		rc = careform_csv_read(buf, len, &g, cause);
	if (rc == 0)
		rc = careform_grid(&g, form, cause);
	cfgrid_free(&g);
	if (rc == -1) {
		careform_free(form);
		if (*cause == NULL)
			*cause = careform_printf("out of memory");
	}
	return rc;
}

void
careform_free(struct careform *form)
{
	size_t	 i;

	if (form == NULL)
		return;
	for (i = 0; i < form->cf_nrows; i++)
		careform_row_free(&form->cf_rows[i]);
	free(form->cf_rows);
	for (i = 0; i < form->cf_nproblems; i++) {
		free(form->cf_problems[i].cp_column);
		free(form->cf_problems[i].cp_problem);
	}
	free(form->cf_problems);
	free(form->cf_unit);
	memset(form, 0, sizeof(*form));
}

int
careform_write(int fd, enum careform_format format,
    enum careform_layout layout, const char *title,
    const struct careform_row *rows, size_t nrows, char **cause)
{
	*cause = NULL;
	if (careform_form_name(layout) == NULL) {
		*cause = careform_printf("unknown layout %d", (int)layout);
		return -1;
	}
	switch (format) {
	case CAREFORM_CSV:
		return careform_write_csv(fd, layout, title, rows, nrows, cause);
	case CAREFORM_XLSX:
		return careform_write_xlsx(fd, layout, title, rows, nrows,
		    cause);
	default:
		*cause = careform_printf("unknown format %d", (int)format);
		return -1;
	}
}
