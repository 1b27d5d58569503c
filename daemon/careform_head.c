/*
 * A form's headings and titles (careform.h): the heading row found among
 * the first lines by the words it holds (spaces, full-width brackets, a
 * note in brackets, a heading on two lines of merged cells all allowed;
 * the table below is the words known), and the lines above it read for
 * the form's name and the unit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "careform_int.h"

#define CAREFORM_HEAD_ROWS	30	/* lines the headings may start in */

const char *
careform_cell(const struct cfgrid *g, size_t r, size_t c)
{
	if (r >= g->g_nrows || c >= g->g_rows[r].gr_ncells)
		return NULL;
	return g->g_rows[r].gr_cells[c];
}

static const struct {
	const char		*h_key;
	enum careform_field	 h_field;
} careform_headings[] = {
	{ "序号", CF_SEQ },
	{ "编号", CF_SEQ },
	{ "职工姓名", CF_NAME },
	{ "姓名", CF_NAME },
	{ "队员姓名", CF_NAME },
	{ "医务人员姓名", CF_NAME },
	{ "性别", CF_GENDER },
	{ "人员类别", CF_CATEGORY },
	{ "类别", CF_CATEGORY },
	{ "职务职称", CF_POST },
	{ "职务", CF_POST },
	{ "职称", CF_POST },
	{ "联系方式", CF_PHONE },
	{ "联系电话", CF_PHONE },
	{ "手机", CF_PHONE },
	{ "手机号", CF_PHONE },
	{ "手机号码", CF_PHONE },
	{ "电话", CF_PHONE },
	{ "本人联系方式", CF_PHONE },
	{ "职工联系方式", CF_PHONE },
	{ "家属姓名", CF_FAMILY_NAME },
	{ "家属", CF_FAMILY_NAME },
	{ "与本人关系", CF_FAMILY_RELATION },
	{ "家属与本人关系", CF_FAMILY_RELATION },
	{ "关系", CF_FAMILY_RELATION },
	{ "家属关系", CF_FAMILY_RELATION },
	{ "家属联系方式", CF_FAMILY_PHONE },
	{ "家属联系电话", CF_FAMILY_PHONE },
	{ "家属电话", CF_FAMILY_PHONE },
	{ "家属手机", CF_FAMILY_PHONE },
	{ "工会联系人姓名", CF_LIAISON },
	{ "工会联系人", CF_LIAISON },
	{ "联系人", CF_LIAISON },
	{ "工会联系人联系方式", CF_LIAISON_PHONE },
	{ "工会联系人电话", CF_LIAISON_PHONE },
	{ "工会联系人联系电话", CF_LIAISON_PHONE },
	{ "工会联系人手机", CF_LIAISON_PHONE },
	{ "存在困难", CF_DIFFICULTIES },
	{ "存在的困难", CF_DIFFICULTIES },
	{ "困难", CF_DIFFICULTIES },
	{ "困难诉求", CF_DIFFICULTIES },
	{ "存在困难及诉求", CF_DIFFICULTIES },
	{ "单位", CF_UNIT },
	{ "所在单位", CF_UNIT },
	{ "工作单位", CF_UNIT },
	{ "派出单位", CF_UNIT },
	{ "所在队伍", CF_TEAM },
	{ "医疗队", CF_TEAM },
	{ "队伍", CF_TEAM },
	{ "所在医疗队", CF_TEAM },
	{ "在汉联系电话", CF_HUBEI_PHONE },
	{ "在汉联系方式", CF_HUBEI_PHONE },
	{ "在汉电话", CF_HUBEI_PHONE },
	{ "在汉手机", CF_HUBEI_PHONE },
	{ "运营商", CF_CARRIER },
	{ "通信运营商", CF_CARRIER },
};


/*
 * A heading's key: the cell cleaned, with no spaces, marks (* ： : / 、
 * and the like) or line breaks, full-width brackets as ASCII ones.
 */
static void
careform_key(const char *cell, char *key, size_t len)
{
	static const char *const drop[] = {
		" ", "\n", "*", ":", "\xef\xbc\x9a", "/", "\xe3\x80\x81",
		"\xef\xbc\x8f", "\xe2\x80\xbb", "?", "\xef\xbc\x9f"
	};
	char		*c;
	const char	*p;
	size_t		 n = 0, i, k;
	int		 oom;

	key[0] = '\0';
	if ((c = careform_clean(cell, 0, &oom)) == NULL)
		return;
	for (p = c; *p != '\0' && n + 4 < len; ) {
		for (i = 0; i < sizeof(drop) / sizeof(drop[0]); i++)
			if (strncmp(p, drop[i], strlen(drop[i])) == 0)
				break;
		if (i < sizeof(drop) / sizeof(drop[0])) {
			p += strlen(drop[i]);
			continue;
		}
		if (strncmp(p, "\xef\xbc\x88", 3) == 0 ||
		    strncmp(p, "\xe3\x80\x90", 3) == 0) {	/* （ 【 */
			key[n++] = '(';
			p += 3;
		} else if (strncmp(p, "\xef\xbc\x89", 3) == 0 ||
		    strncmp(p, "\xe3\x80\x91", 3) == 0) {	/* ） 】 */
			key[n++] = ')';
			p += 3;
		} else {
			k = (*p & 0x80) == 0 ? 1 : (*p & 0xe0) == 0xc0 ? 2 :
			    (*p & 0xf0) == 0xe0 ? 3 : 4;
			if (n + k >= len)
				break;
			while (k-- > 0 && *p != '\0')
				key[n++] = *p++;
		}
	}
	key[n] = '\0';
	free(c);
}

static int
careform_lookup(const char *key)
{
	size_t	 i;

	for (i = 0; i < sizeof(careform_headings) /
	    sizeof(careform_headings[0]); i++)
		if (strcmp(key, careform_headings[i].h_key) == 0)
			return careform_headings[i].h_field;
	return -1;
}

/*
 * The field a heading names: as it is, then without a note in brackets
 * ("联系方式(手机)"), then with the brackets alone dropped
 * ("(与本人关系)"). -1 when none.
 */
int
careform_recognise(const char *cell)
{
	char	 key[256], bare[256];
	size_t	 i, n = 0, depth = 0;
	int	 f;

	careform_key(cell, key, sizeof(key));
	if (key[0] == '\0')
		return -1;
	if ((f = careform_lookup(key)) != -1)
		return f;
	for (i = 0; key[i] != '\0'; i++)
		if (key[i] == '(')
			depth++;
		else if (key[i] == ')')
			depth = depth > 0 ? depth - 1 : 0;
		else if (depth == 0)
			bare[n++] = key[i];
	bare[n] = '\0';
	if (n > 0 && (f = careform_lookup(bare)) != -1)
		return f;
	for (i = 0, n = 0; key[i] != '\0'; i++)
		if (key[i] != '(' && key[i] != ')')
			bare[n++] = key[i];
	bare[n] = '\0';
	return careform_lookup(bare);
}

/* A heading as the form spells it, on one line, cut at a character. */
static void
careform_spelled(const char *cell, char *buf, size_t len)
{
	char	*c;
	size_t	 n;
	int	 oom;

	buf[0] = '\0';
	if ((c = careform_clean(cell, 0, &oom)) == NULL)
		return;
	if ((n = strlen(c)) >= len) {
		n = len - 1;
		while (n > 0 && ((unsigned char)c[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(buf, c, n);
	buf[n] = '\0';
	free(c);
}

/*
 * Whether a cell is a label with its value ("单位：青岛市市立医院", a
 * title line's), not a heading: text after a colon. A heading may end
 * with one ("联系方式：").
 */
static int
careform_labelled(const char *cell)
{
	const char	*p;

	if ((p = strchr(cell, ':')) != NULL)
		p++;
	else if ((p = strstr(cell, "\xef\xbc\x9a")) != NULL)	/* ： */
		p += 3;
	else
		return 0;
	return p[strspn(p, " \t\r\n")] != '\0';
}

/*
 * Map the headings of line R (and of R + 1 below it when TWO: a heading
 * on two lines, "家属" over "姓名" and "联系方式"). A phone column takes
 * its sense from the one before it: after 家属姓名 or 与本人关系 it is
 * the family's, after 工会联系人 the liaison's.
 */
static int
careform_map_line(const struct cfgrid *g, size_t r, int two,
    struct careform_map *m)
{
	const char	*top, *low;
	char		 both[512];
	size_t		 c, ncells;
	int		 f, last = -1;

	memset(m, 0, sizeof(*m));
	for (f = 0; f < CF_NFIELDS; f++)
		m->m_col[f] = -1;
	m->m_first = r;
	m->m_last = r + (two ? 1 : 0);
	ncells = g->g_rows[r].gr_ncells;
	if (two && g->g_rows[r + 1].gr_ncells > ncells)
		ncells = g->g_rows[r + 1].gr_ncells;
	for (c = 0; c < ncells; c++) {
		top = careform_cell(g, r, c);
		low = two ? careform_cell(g, r + 1, c) : NULL;
		if (top == NULL && low == NULL)
			continue;
		if (top != NULL && low != NULL && strcmp(top, low) != 0)
			snprintf(both, sizeof(both), "%s%s", top, low);
		else
			snprintf(both, sizeof(both), "%s", top != NULL ? top :
			    low);
		if (careform_labelled(both) ||
		    (f = careform_recognise(both)) == -1)
			continue;
		if (f == CF_PHONE && (last == CF_FAMILY_NAME ||
		    last == CF_FAMILY_RELATION))
			f = CF_FAMILY_PHONE;
		else if (f == CF_PHONE && last == CF_LIAISON)
			f = CF_LIAISON_PHONE;
		last = f;
		if (m->m_col[f] != -1)
			continue;	/* the first of two is the one */
		m->m_col[f] = (long)c;
		careform_spelled(both, m->m_head[f], sizeof(m->m_head[f]));
		if (f != CF_SEQ)
			m->m_found++;
	}
	if (m->m_col[CF_NAME] == -1)
		m->m_found = 0;
	return m->m_found;
}

/*
 * The unit a title line names ("单位：青岛市市立医院", "填报单位（盖章）：
 * …", "单位名称：…", the name in the next cell when the label stands
 * alone), into
 * *UNIT. A label after the unit on the same line (填报人：…) ends it.
 */
static int
careform_title_unit(const struct cfgrid *g, size_t r, size_t c,
    const char *text, char **unit)
{
	static const char *const before[] = {
		"", "填报", "报送", "填表", "所在", "工作", "派出"
	};
	const char	*u, *p, *sp;
	char		*v;
	size_t		 i, j, n;
	int		 oom = 0;

	if ((u = strstr(text, "单位")) == NULL)
		return 0;
	for (i = 0; i < sizeof(before) / sizeof(before[0]); i++)
		if ((size_t)(u - text) == strlen(before[i]) &&
		    strncmp(text, before[i], strlen(before[i])) == 0)
			break;
	if (i == sizeof(before) / sizeof(before[0]))
		return 0;
	p = u + strlen("单位");
	if (strncmp(p, "名称", strlen("名称")) == 0)
		p += strlen("名称");
	p += strspn(p, " ");
	if (strncmp(p, "(", 1) == 0 || strncmp(p, "（", 3) == 0) {
		if ((sp = strstr(p, ")")) == NULL && (sp = strstr(p,
		    "）")) == NULL)
			return 0;
		p = sp + (*sp == ')' ? 1 : 3);
		p += strspn(p, " ");
	}
	if (*p == ':')
		p++;
	else if (strncmp(p, "：", 3) == 0)
		p += 3;
	else
		return 0;
	p += strspn(p, " ");
	/* Up to a space before another label. */
	for (n = 0; p[n] != '\0'; n++)
		if (p[n] == ' ' && (strchr(p + n, ':') != NULL ||
		    strstr(p + n, "：") != NULL))
			break;
	if (n == 0) {
		for (j = c + 1; j < g->g_rows[r].gr_ncells; j++)
			if ((u = careform_cell(g, r, j)) != NULL &&
			    (v = careform_clean(u, 0, &oom)) != NULL) {
				*unit = v;
				return 1;
			}
		return oom ? -1 : 0;
	}
	if ((v = strndup(p, n)) == NULL)
		return -1;
	*unit = v;
	return 1;
}

/*
 * The lines above the headings: the form's name (援鄂 or 附件1: the aid
 * team's; 一线 or 附件2: the front line's) and the unit. *KIND gets the
 * layout the titles name, or CAREFORM_UNKNOWN.
 */
int
careform_titles(const struct cfgrid *g, size_t last, struct careform *form,
    enum careform_layout *kind, char **cause)
{
	const char	*v;
	char		*t;
	size_t		 r, c;
	int		 aid = 0, front = 0, oom, rc;

	for (r = 0; r < last; r++)
		for (c = 0; c < g->g_rows[r].gr_ncells; c++) {
			if (g->g_rows[r].gr_cover[c] ||
			    (v = careform_cell(g, r, c)) == NULL)
				continue;
			if ((t = careform_clean(v, 0, &oom)) == NULL) {
				if (oom)
					goto oom;
				continue;
			}
			if (strstr(t, "援鄂") != NULL ||
			    strstr(t, "附件1") != NULL)
				aid = 1;
			if (strstr(t, "一线") != NULL ||
			    strstr(t, "附件2") != NULL)
				front = 1;
			rc = form->cf_unit == NULL ?
			    careform_title_unit(g, r, c, t, &form->cf_unit) : 0;
			free(t);
			if (rc == -1)
				goto oom;
		}
	*kind = aid && !front ? CAREFORM_AID_TEAM : front && !aid ?
	    CAREFORM_FRONTLINE : CAREFORM_UNKNOWN;
	return 0;
oom:
	*cause = careform_printf("out of memory");
	return -1;
}

/* What the first lines hold, for a file whose headings are not known. */
char *
careform_unknown(const struct cfgrid *g)
{
	char		 found[600] = "";
	const char	*v;
	char		*t;
	size_t		 r, c, n, best = 0, bestn = 0, len = 0;
	int		 oom;

	for (r = 0; r < g->g_nrows && r < CAREFORM_HEAD_ROWS; r++) {
		for (c = 0, n = 0; c < g->g_rows[r].gr_ncells; c++)
			if (careform_cell(g, r, c) != NULL)
				n++;
		if (n > bestn) {
			best = r;
			bestn = n;
		}
	}
	if (bestn == 0)
		return careform_printf("no known headings: the file is empty");
	for (c = 0; c < g->g_rows[best].gr_ncells && len + 80 <
	    sizeof(found); c++) {
		if ((v = careform_cell(g, best, c)) == NULL ||
		    (t = careform_clean(v, 0, &oom)) == NULL)
			continue;
		n = strlen(t) > 40 ? 40 : strlen(t);
		while (n > 0 && n < strlen(t) &&
		    ((unsigned char)t[n] & 0xc0) == 0x80)
			n--;
		len += snprintf(found + len, sizeof(found) - len, "%s\"%.*s\"",
		    len > 0 ? ", " : "", (int)n, t);
		free(t);
	}
	return careform_printf("no known headings (a name column such as "
	    "职工姓名 or 姓名, and others such as 联系方式 or 在汉联系电话); "
	    "line %zu holds %s", best + 1, found);
}

/*
 * The heading lines: the line that names the most fields, or two lines
 * that together name more than either alone.
 */
int
careform_find_map(const struct cfgrid *g, struct careform_map *best)
{
	struct careform_map	*m;
	size_t			 r, nr;
	int			 n, found = 0, one[CAREFORM_HEAD_ROWS + 1];

	if ((m = malloc(sizeof(*m))) == NULL)
		return -1;
	best->m_found = 0;
	nr = g->g_nrows < CAREFORM_HEAD_ROWS ? g->g_nrows : CAREFORM_HEAD_ROWS;
	for (r = 0; r < nr; r++)
		if ((one[r] = careform_map_line(g, r, 0, m)) > found) {
			*best = *m;
			found = one[r];
		}
	for (r = 0; r + 1 < nr; r++)
		if ((n = careform_map_line(g, r, 1, m)) > found &&
		    n > one[r] && n > one[r + 1]) {
			*best = *m;
			found = n;
		}
	free(m);
	return found;
}

