/*
 * The grid the readers fill (careform_int.h): rows grow as cells come,
 * within the bounds of a form (CAREFORM_MAX_ROWS and a few lines of
 * titles, CAREFORM_MAX_COLS, CAREFORM_MAX_TEXT), and merged ranges are
 * kept aside for careform.c to spread.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "careform_int.h"

/* Lines above and below the rows: titles, headings, notes. */
#define CFGRID_SLACK	1000

/* A message for *cause; NULL when memory is out (the caller says so). */
char *
careform_printf(const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		s = NULL;
	va_end(ap);
	return s;
}

static int
cfgrid_row(struct cfgrid *g, size_t row, char **cause)
{
	struct cfgrid_row	*rows;
	size_t			 cap;

	if (row < g->g_nrows)
		return 0;
	if (row >= (size_t)CAREFORM_MAX_ROWS + CFGRID_SLACK) {
		*cause = careform_printf("more than %d rows",
		    CAREFORM_MAX_ROWS);
		return -1;
	}
	if (row >= g->g_caprows) {
		cap = g->g_caprows == 0 ? 64 : g->g_caprows;
		while (cap <= row)
			cap *= 2;
		if ((rows = reallocarray(g->g_rows, cap, sizeof(*rows))) ==
		    NULL) {
			*cause = careform_printf("out of memory");
			return -1;
		}
		memset(rows + g->g_caprows, 0,
		    (cap - g->g_caprows) * sizeof(*rows));
		g->g_rows = rows;
		g->g_caprows = cap;
	}
	g->g_nrows = row + 1;
	return 0;
}

/*
 * Set the cell at ROW, COL (from 0) to LEN bytes of S, replacing what
 * it held. A cell beyond CAREFORM_MAX_COLS is dropped: no form has one.
 */
int
cfgrid_set(struct cfgrid *g, size_t row, size_t col, const char *s,
    size_t len, char **cause)
{
	struct cfgrid_row	*r;
	char			**cells, *v;
	const char		*nul;
	unsigned char		*cover;
	size_t			 n;

	if (col >= CAREFORM_MAX_COLS)
		return 0;
	if (g->g_bytes + len + 1 > CAREFORM_MAX_TEXT) {
		*cause = careform_printf("more than %u MiB of text",
		    CAREFORM_MAX_TEXT >> 20);
		return -1;
	}
	if (cfgrid_row(g, row, cause) == -1)
		return -1;
	r = &g->g_rows[row];
	if (col >= r->gr_ncells) {
		n = col < 16 ? 16 : col + 1;
		if (n > CAREFORM_MAX_COLS)
			n = CAREFORM_MAX_COLS;
		if ((cells = reallocarray(r->gr_cells, n, sizeof(*cells))) ==
		    NULL) {
			*cause = careform_printf("out of memory");
			return -1;
		}
		r->gr_cells = cells;
		if ((cover = realloc(r->gr_cover, n)) == NULL) {
			*cause = careform_printf("out of memory");
			return -1;
		}
		r->gr_cover = cover;
		memset(cells + r->gr_ncells, 0,
		    (n - r->gr_ncells) * sizeof(*cells));
		memset(cover + r->gr_ncells, 0, n - r->gr_ncells);
		r->gr_ncells = n;
	}
	/* A copy up to a NUL, if any (S need not end in one). */
	if ((nul = memchr(s, '\0', len)) != NULL)
		len = (size_t)(nul - s);
	if ((v = malloc(len + 1)) == NULL) {
		*cause = careform_printf("out of memory");
		return -1;
	}
	memcpy(v, s, len);
	v[len] = '\0';
	if (r->gr_cells[col] != NULL)
		g->g_bytes -= strlen(r->gr_cells[col]) + 1;
	free(r->gr_cells[col]);
	r->gr_cells[col] = v;
	g->g_bytes += strlen(v) + 1;
	return 0;
}

/* Keep a merged range (rows and columns from 0, inclusive). */
int
cfgrid_merge(struct cfgrid *g, size_t r1, size_t c1, size_t r2, size_t c2,
    char **cause)
{
	struct cfgrid_merge	*m;
	size_t			 cap;

	if (r2 < r1 || c2 < c1 || (r1 == r2 && c1 == c2) ||
	    c1 >= CAREFORM_MAX_COLS)
		return 0;	/* nothing merged, or nowhere a form is */
	if (g->g_nmerges >= CAREFORM_MAX_ROWS) {
		*cause = careform_printf("more than %d merged ranges",
		    CAREFORM_MAX_ROWS);
		return -1;
	}
	if (g->g_nmerges == g->g_capmerges) {
		cap = g->g_capmerges == 0 ? 16 : g->g_capmerges * 2;
		if ((m = reallocarray(g->g_merges, cap, sizeof(*m))) == NULL) {
			*cause = careform_printf("out of memory");
			return -1;
		}
		g->g_merges = m;
		g->g_capmerges = cap;
	}
	m = &g->g_merges[g->g_nmerges++];
	m->gm_r1 = r1;
	m->gm_c1 = c1;
	m->gm_r2 = r2;
	m->gm_c2 = c2 >= CAREFORM_MAX_COLS ? CAREFORM_MAX_COLS - 1 : c2;
	return 0;
}

void
cfgrid_free(struct cfgrid *g)
{
	size_t	 i, j;

	for (i = 0; i < g->g_nrows; i++) {
		for (j = 0; j < g->g_rows[i].gr_ncells; j++)
			free(g->g_rows[i].gr_cells[j]);
		free(g->g_rows[i].gr_cells);
		free(g->g_rows[i].gr_cover);
	}
	free(g->g_rows);
	free(g->g_merges);
	memset(g, 0, sizeof(*g));
}

/*
 * A number as a spreadsheet stores it ("13912345678", "1.3912345678E10",
 * "42.5") into BUF as a person reads it: an integer in full digits (a
 * phone stored as a number), else the shortest decimal that gives the
 * same double. -1 when S is not a number.
 */
int
careform_number(const char *s, char *buf, size_t len)
{
	char	*end;
	double	 d;
	int	 prec;

	errno = 0;
	d = strtod(s, &end);
	if (end == s || *end != '\0' || errno != 0 || !isfinite(d))
		return -1;
	if (d == floor(d) && fabs(d) < 1e17) {
		if (snprintf(buf, len, "%.0f", d) >= (int)len)
			return -1;
		return 0;
	}
	for (prec = 1; prec <= 17; prec++) {
		if (snprintf(buf, len, "%.*g", prec, d) >= (int)len)
			return -1;
		if (strtod(buf, NULL) == d)
			break;
	}
	return 0;
}
