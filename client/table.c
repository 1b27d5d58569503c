/*
 * Aligned text tables. Widths are display columns (wcwidth), not bytes, so
 * Chinese names line up with ASCII codes.
 */
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "hotline.h"

struct table {
	int	  ncols;
	int	  nrows;
	char	**cells;	/* nrows * ncols, owned */
	int	 *width;	/* widest cell per column */
	int	 *right;	/* right-align this column (numbers) */
};

struct table *
table_new(int ncols)
{
	struct table	*t = xcalloc(1, sizeof *t);

	t->ncols = ncols;
	t->width = xcalloc((size_t)ncols, sizeof *t->width);
	t->right = xcalloc((size_t)ncols, sizeof *t->right);
	return t;
}

void
table_align_right(struct table *t, int col)
{
	if (col >= 0 && col < t->ncols)
		t->right[col] = 1;
}

/* The display width of UTF-8 s; undecodable bytes and controls count one. */
int
table_width(const char *s)
{
	mbstate_t	 st;
	wchar_t		 wc;
	size_t		 n, left = strlen(s);
	int		 w = 0, cw;

	memset(&st, 0, sizeof st);
	while (left > 0) {
		n = mbrtowc(&wc, s, left, &st);
		if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
			memset(&st, 0, sizeof st);
			n = 1;
			cw = 1;
		} else if ((cw = wcwidth(wc)) < 0)
			cw = 1;
		w += cw;
		s += n;
		left -= n;
	}
	return w;
}

/* Add a row of ncols cells (copied; NULL is shown empty). */
void
table_add_row(struct table *t, const char *const *cells)
{
	size_t	 base = (size_t)t->nrows * (size_t)t->ncols;
	int	 i, w;

	t->cells = xreallocarray(t->cells, base + (size_t)t->ncols,
	    sizeof *t->cells);
	for (i = 0; i < t->ncols; i++) {
		t->cells[base + (size_t)i] = xstrdup(cells[i] ? cells[i] : "");
		if ((w = table_width(t->cells[base + (size_t)i])) > t->width[i])
			t->width[i] = w;
	}
	t->nrows++;
}

static void
table_pad(FILE *fp, int n)
{
	while (n-- > 0)
		fputc(' ', fp);
}

static void
table_print_row(const struct table *t, FILE *fp, const char *indent, int row)
{
	const char	*const *cells = (const char *const *)t->cells +
			    (size_t)row * (size_t)t->ncols;
	const char	*cell;
	int		 i, pad, last;

	/* No trailing blanks: the row ends with its last cell not empty. */
	for (last = t->ncols - 1; last > 0 && *cells[last] == '\0'; last--)
		;
	fputs(indent, fp);
	for (i = 0; i <= last; i++) {
		cell = cells[i];
		pad = t->width[i] - table_width(cell);
		if (t->right[i])
			table_pad(fp, pad);
		fputs(cell, fp);
		if (i < last) {
			if (!t->right[i])
				table_pad(fp, pad);
			fputs("  ", fp);
		}
	}
	fputc('\n', fp);
}

/* Add the heading row: N_() strings, translated here. */
void
table_add_head(struct table *t, const char *const *heads)
{
	const char	**cells = xcalloc((size_t)t->ncols, sizeof *cells);
	int		  i;

	for (i = 0; i < t->ncols; i++)
		cells[i] = heads[i] != NULL && heads[i][0] != '\0' ?
		    _(heads[i]) : heads[i];
	table_add_row(t, cells);
	free(cells);
}

/* Print every row, each line starting with indent. */
void
table_print(const struct table *t, FILE *fp, const char *indent)
{
	int	row;

	for (row = 0; row < t->nrows; row++)
		table_print_row(t, fp, indent, row);
}

void
table_free(struct table *t)
{
	size_t	i, n;

	if (t == NULL)
		return;
	n = (size_t)t->nrows * (size_t)t->ncols;
	for (i = 0; i < n; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t->width);
	free(t->right);
	free(t);
}
