/*
 * Rows written back in a form's layout: the form's name on the first
 * line, "单位：TITLE" under it when a title is given, the Chinese
 * headings, then one line per person numbered from 1 (序号). A 单位
 * column follows when the rows are of several units (or of one that is
 * not the title's), a 所在队伍 column when any has a team: a
 * consolidated register stays readable by careform_read().
 *
 * CSV: UTF-8 with a byte-order mark (Excel takes a CSV without one as
 * the system's code page), CR LF, RFC 4180 quoting; a value a
 * spreadsheet would take for a formula (= + - @ first) is written after
 * a single quote, as the call export does, and careform_read() drops
 * that quote again. xlsx (libxlsxwriter): every value a string cell,
 * never a formula; the title merged over the table; columns as wide as
 * their Chinese text (a Chinese character is two widths of a digit);
 * the headings frozen and repeated on each printed page, landscape, as
 * wide as a page. libxlsxwriter writes a file, not a stream: the
 * workbook is made in a private directory under $TMPDIR (a register is
 * a few thousand rows, megabytes at most) and copied to the descriptor.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "careform_int.h"

#define WRITE_WIDTH_MAX		40	/* columns wider than this wrap */
#define WRITE_HEAD_MAX		12	/* a heading wider than this wraps */
#define WRITE_LINE		17	/* points a line of Chinese takes */
#define WRITE_LINES		12	/* at most, in a row */
#define WRITE_CELL_MAX		32767	/* bytes in an xlsx cell */

/* The columns of LAYOUT for ROWS, into COLS; their count. */
static size_t
careform_columns(enum careform_layout layout, const char *title,
    const struct careform_row *rows, size_t nrows,
    enum careform_field *cols)
{
	static const enum careform_field form12[] = {
		CF_SEQ, CF_NAME, CF_GENDER, CF_CATEGORY, CF_POST, CF_PHONE,
		CF_FAMILY_NAME, CF_FAMILY_RELATION, CF_FAMILY_PHONE,
		CF_LIAISON, CF_LIAISON_PHONE, CF_DIFFICULTIES
	};
	static const enum careform_field form3[] = {
		CF_SEQ, CF_NAME, CF_UNIT, CF_HUBEI_PHONE, CF_CARRIER
	};
	size_t	 n, i;
	int	 unit = 0, team = 0;

	for (i = 0; i < nrows; i++) {
		if (rows[i].cr_unit != NULL && (title == NULL ||
		    strcmp(rows[i].cr_unit, title) != 0))
			unit = 1;
		if (rows[i].cr_team != NULL)
			team = 1;
	}
	if (layout == CAREFORM_IN_HUBEI) {
		memcpy(cols, form3, sizeof(form3));
		n = sizeof(form3) / sizeof(form3[0]);
	} else {
		memcpy(cols, form12, sizeof(form12));
		n = sizeof(form12) / sizeof(form12[0]);
		if (unit)
			cols[n++] = CF_UNIT;
	}
	if (team)
		cols[n++] = CF_TEAM;
	return n;
}

static const char *
careform_col_head(enum careform_layout layout, enum careform_field f)
{
	if (layout == CAREFORM_IN_HUBEI && f == CF_NAME)
		return "姓名";
	return careform_heading(f);
}

/* Row I's value in column F (序号: SEQ, its number). */
static const char *
careform_value(const struct careform_row *row, enum careform_field f,
    char *seq, size_t len, size_t i)
{
	if (f == CF_SEQ) {
		snprintf(seq, len, "%zu", i + 1);
		return seq;
	}
	return *careform_field((struct careform_row *)(uintptr_t)row, f);
}

static int
careform_formula(const char *v)
{
	return v[0] != '\0' && strchr("=+-@\t\r", v[0]) != NULL;
}

struct wbuf {
	char	*b_data;
	size_t	 b_len, b_cap;
	int	 b_oom;
};

static void
wbuf_add(struct wbuf *b, const char *s, size_t n)
{
	char	*d;
	size_t	 cap;

	if (b->b_oom)
		return;
	if (b->b_len + n > b->b_cap) {
		cap = b->b_cap == 0 ? 65536 : b->b_cap;
		while (cap < b->b_len + n)
			cap *= 2;
		if ((d = realloc(b->b_data, cap)) == NULL) {
			b->b_oom = 1;
			return;
		}
		b->b_data = d;
		b->b_cap = cap;
	}
	memcpy(b->b_data + b->b_len, s, n);
	b->b_len += n;
}

static void
wbuf_field(struct wbuf *b, const char *v, int first)
{
	const char	*p;

	if (!first)
		wbuf_add(b, ",", 1);
	if (v == NULL)
		return;
	if (strpbrk(v, ",\"\r\n") == NULL && !careform_formula(v)) {
		wbuf_add(b, v, strlen(v));
		return;
	}
	wbuf_add(b, "\"", 1);
	if (careform_formula(v))
		wbuf_add(b, "'", 1);
	for (p = v; *p != '\0'; p++) {
		if (*p == '"')
			wbuf_add(b, "\"", 1);
		wbuf_add(b, p, 1);
	}
	wbuf_add(b, "\"", 1);
}

static int
careform_write_all(int fd, const char *p, size_t len, char **cause)
{
	ssize_t	 n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			*cause = careform_printf("write: %s", strerror(errno));
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
careform_write_csv(int fd, enum careform_layout layout, const char *title,
    const struct careform_row *rows, size_t nrows, char **cause)
{
	enum careform_field	 cols[CF_NFIELDS];
	struct wbuf		 b = { 0 };
	char			 seq[32], *unit;
	size_t			 ncols, i, c;
	int			 rc;

	ncols = careform_columns(layout, title, rows, nrows, cols);
	wbuf_add(&b, "\xef\xbb\xbf", 3);
	wbuf_field(&b, careform_form_name(layout), 1);
	wbuf_add(&b, "\r\n", 2);
	if (title != NULL) {
		if ((unit = careform_printf("单位：%s", title)) == NULL)
			b.b_oom = 1;
		else
			wbuf_field(&b, unit, 1);
		free(unit);
		wbuf_add(&b, "\r\n", 2);
	}
	for (c = 0; c < ncols; c++)
		wbuf_field(&b, careform_col_head(layout, cols[c]), c == 0);
	wbuf_add(&b, "\r\n", 2);
	for (i = 0; i < nrows; i++) {
		for (c = 0; c < ncols; c++)
			wbuf_field(&b, careform_value(&rows[i], cols[c], seq,
			    sizeof(seq), i), c == 0);
		wbuf_add(&b, "\r\n", 2);
	}
	if (b.b_oom) {
		free(b.b_data);
		*cause = careform_printf("out of memory");
		return -1;
	}
	rc = careform_write_all(fd, b.b_data, b.b_len, cause);
	free(b.b_data);
	return rc;
}

/*
 * How many digit widths S takes on its widest line (a Chinese character:
 * two); with WIDTH > 0, how many lines it takes in a column that wide.
 */
static size_t
careform_width(const char *s, size_t width)
{
	const unsigned char	*p;
	size_t			 w = 0, line = 0, lines = 1;

	for (p = (const unsigned char *)s; ; p++) {
		if (*p == '\n' || *p == '\0') {
			if (width > 0 && line > width)
				lines += (line - 1) / width;
			if (*p == '\0')
				break;
			line = 0;
			lines++;
			continue;
		}
		if ((*p & 0xc0) == 0x80)
			continue;
		line += *p >= 0xe0 ? 2 : 1;
		if (line > w)
			w = line;
	}
	return width > 0 ? lines : w;
}

struct xw {
	lxw_workbook	*w_wb;
	lxw_worksheet	*w_ws;
	lxw_format	*w_title, *w_unit, *w_head, *w_cell, *w_wrap;
	lxw_format	*w_center;
	size_t		 w_width[CF_NFIELDS];
	char		 w_dir[4096], w_file[4200];
};

static int
careform_xw_open(struct xw *w, char **cause)
{
	lxw_workbook_options	 opt = { 0 };
	const char		*tmp;

	if ((tmp = getenv("TMPDIR")) == NULL || *tmp == '\0')
		tmp = "/tmp";
	if (snprintf(w->w_dir, sizeof(w->w_dir), "%s/careform-XXXXXX",
	    tmp) >= (int)sizeof(w->w_dir) || mkdtemp(w->w_dir) == NULL) {
		*cause = careform_printf("%s: %s", tmp, strerror(errno));
		w->w_dir[0] = '\0';
		return -1;
	}
	snprintf(w->w_file, sizeof(w->w_file), "%s/form.xlsx", w->w_dir);
	opt.constant_memory = LXW_TRUE;
	opt.tmpdir = w->w_dir;
	if ((w->w_wb = workbook_new_opt(w->w_file, &opt)) == NULL ||
	    (w->w_ws = workbook_add_worksheet(w->w_wb, "Sheet1")) == NULL ||
	    (w->w_title = workbook_add_format(w->w_wb)) == NULL ||
	    (w->w_unit = workbook_add_format(w->w_wb)) == NULL ||
	    (w->w_head = workbook_add_format(w->w_wb)) == NULL ||
	    (w->w_cell = workbook_add_format(w->w_wb)) == NULL ||
	    (w->w_wrap = workbook_add_format(w->w_wb)) == NULL ||
	    (w->w_center = workbook_add_format(w->w_wb)) == NULL) {
		*cause = careform_printf("could not start the workbook");
		return -1;
	}
	format_set_bold(w->w_title);
	format_set_font_size(w->w_title, 16);
	format_set_align(w->w_title, LXW_ALIGN_CENTER);
	format_set_align(w->w_title, LXW_ALIGN_VERTICAL_CENTER);
	format_set_align(w->w_unit, LXW_ALIGN_VERTICAL_CENTER);
	format_set_bold(w->w_head);
	format_set_border(w->w_head, LXW_BORDER_THIN);
	format_set_text_wrap(w->w_head);
	format_set_align(w->w_head, LXW_ALIGN_CENTER);
	format_set_align(w->w_head, LXW_ALIGN_VERTICAL_CENTER);
	format_set_bg_color(w->w_head, 0xDDEBF7);
	format_set_border(w->w_cell, LXW_BORDER_THIN);
	format_set_align(w->w_cell, LXW_ALIGN_VERTICAL_CENTER);
	format_set_num_format(w->w_cell, "@");
	format_set_border(w->w_wrap, LXW_BORDER_THIN);
	format_set_text_wrap(w->w_wrap);
	format_set_align(w->w_wrap, LXW_ALIGN_VERTICAL_CENTER);
	format_set_num_format(w->w_wrap, "@");
	format_set_border(w->w_center, LXW_BORDER_THIN);
	format_set_align(w->w_center, LXW_ALIGN_CENTER);
	format_set_align(w->w_center, LXW_ALIGN_VERTICAL_CENTER);
	format_set_num_format(w->w_center, "@");
	return 0;
}

/* Drop the workbook, its file and its directory. */
static void
careform_xw_free(struct xw *w)
{
	if (w->w_wb != NULL)
		lxw_workbook_free(w->w_wb);
	if (w->w_dir[0] != '\0') {
		unlink(w->w_file);
		rmdir(w->w_dir);
	}
}

/*
 * Each column as wide as its widest value (its heading up to
 * WRITE_HEAD_MAX: a longer one wraps), at most WRITE_WIDTH_MAX.
 */
static void
careform_xw_widths(struct xw *w, enum careform_layout layout,
    const enum careform_field *cols, size_t ncols,
    const struct careform_row *rows, size_t nrows)
{
	const char	*v;
	char		 seq[32];
	size_t		 c, i, n;

	for (c = 0; c < ncols; c++) {
		n = careform_width(careform_col_head(layout, cols[c]), 0);
		w->w_width[c] = n > WRITE_HEAD_MAX ? WRITE_HEAD_MAX : n;
		for (i = 0; i < nrows; i++)
			if ((v = careform_value(&rows[i], cols[c], seq,
			    sizeof(seq), i)) != NULL &&
			    (n = careform_width(v, 0)) > w->w_width[c])
				w->w_width[c] = n;
		w->w_width[c] += 2;
		if (w->w_width[c] > WRITE_WIDTH_MAX)
			w->w_width[c] = WRITE_WIDTH_MAX;
		worksheet_set_column(w->w_ws, (lxw_col_t)c, (lxw_col_t)c,
		    (double)w->w_width[c], NULL);
	}
}

/*
 * One line of the sheet: its cells, and a height for the lines its
 * tallest cell wraps into (a spreadsheet does not measure them when it
 * opens the file).
 */
static lxw_error
careform_xw_line(struct xw *w, lxw_row_t r, const char *const *v,
    const enum careform_field *cols, size_t ncols, lxw_format *head)
{
	lxw_format	*f;
	lxw_error	 e;
	size_t		 c, lines, most = 1;

	for (c = 0; c < ncols; c++)
		if ((lines = careform_width(v[c], w->w_width[c] - 1)) > most)
			most = lines;
	if (most > WRITE_LINES)
		most = WRITE_LINES;
	worksheet_set_row(w->w_ws, r, (double)(most > 1 ? most * WRITE_LINE :
	    WRITE_LINE + 3), NULL);
	for (c = 0; c < ncols; c++) {
		f = head != NULL ? head : cols[c] == CF_SEQ ||
		    cols[c] == CF_GENDER ? w->w_center : most > 1 ?
		    w->w_wrap : w->w_cell;
		if ((e = worksheet_write_string(w->w_ws, r, (lxw_col_t)c, v[c],
		    f)) != LXW_NO_ERROR)
			return e;
	}
	return LXW_NO_ERROR;
}

/* S cut to what an xlsx cell holds, at a character, ending in "…". */
static char *
careform_cut(const char *s)
{
	size_t	 n = WRITE_CELL_MAX - 3;
	char	*t;

	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	if ((t = malloc(n + 4)) == NULL)
		return NULL;
	memcpy(t, s, n);
	memcpy(t + n, "\xe2\x80\xa6", 4);
	return t;
}

/* The sheet's lines, in order (constant memory: one row at a time). */
static lxw_error
careform_xw_rows(struct xw *w, enum careform_layout layout, const char *title,
    const struct careform_row *rows, size_t nrows)
{
	enum careform_field	 cols[CF_NFIELDS];
	const char		*v[CF_NFIELDS];
	size_t			 ncols, i, c;
	lxw_row_t		 r = 0;
	lxw_error		 e;
	char			 seq[32], *unit, *long_cell;

	ncols = careform_columns(layout, title, rows, nrows, cols);
	careform_xw_widths(w, layout, cols, ncols, rows, nrows);
	worksheet_set_landscape(w->w_ws);
	worksheet_set_paper(w->w_ws, 9);	/* A4 */
	worksheet_fit_to_pages(w->w_ws, 1, 0);
	worksheet_set_row(w->w_ws, r, 30, NULL);
	if ((e = worksheet_merge_range(w->w_ws, r, 0, r, (lxw_col_t)(ncols -
	    1), careform_form_name(layout), w->w_title)) != LXW_NO_ERROR)
		return e;
	r++;
	if (title != NULL) {
		if ((unit = careform_printf("单位：%s", title)) == NULL)
			return LXW_ERROR_MEMORY_MALLOC_FAILED;
		worksheet_set_row(w->w_ws, r, 20, NULL);
		e = worksheet_merge_range(w->w_ws, r, 0, r, (lxw_col_t)(ncols -
		    1), unit, w->w_unit);
		free(unit);
		if (e != LXW_NO_ERROR)
			return e;
		r++;
	}
	worksheet_repeat_rows(w->w_ws, r, r);
	worksheet_freeze_panes(w->w_ws, r + 1, 0);
	for (c = 0; c < ncols; c++)
		v[c] = careform_col_head(layout, cols[c]);
	if ((e = careform_xw_line(w, r++, v, cols, ncols, w->w_head)) !=
	    LXW_NO_ERROR)
		return e;
	for (i = 0; i < nrows; i++, r++) {
		long_cell = NULL;
		for (c = 0; c < ncols; c++) {
			v[c] = careform_value(&rows[i], cols[c], seq,
			    sizeof(seq), i);
			if (v[c] == NULL)
				v[c] = "";
			else if (strlen(v[c]) > WRITE_CELL_MAX) {
				/* More than a cell holds: cut, and say so. */
				free(long_cell);
				if ((long_cell = careform_cut(v[c])) == NULL)
					return LXW_ERROR_MEMORY_MALLOC_FAILED;
				v[c] = long_cell;
			}
		}
		e = careform_xw_line(w, r, v, cols, ncols, NULL);
		free(long_cell);
		if (e != LXW_NO_ERROR)
			return e;
	}
	return LXW_NO_ERROR;
}

static int
careform_xw_copy(struct xw *w, int fd, char **cause)
{
	char	 buf[65536];
	ssize_t	 n;
	int	 in;

	if ((in = open(w->w_file, O_RDONLY | O_CLOEXEC)) == -1) {
		*cause = careform_printf("%s: %s", w->w_file, strerror(errno));
		return -1;
	}
	while ((n = read(in, buf, sizeof(buf))) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			*cause = careform_printf("read: %s", strerror(errno));
			close(in);
			return -1;
		}
		if (careform_write_all(fd, buf, (size_t)n, cause) == -1) {
			close(in);
			return -1;
		}
	}
	close(in);
	return 0;
}

int
careform_write_xlsx(int fd, enum careform_layout layout, const char *title,
    const struct careform_row *rows, size_t nrows, char **cause)
{
	struct xw	 w;
	lxw_error	 e;
	int		 rc = -1;

	memset(&w, 0, sizeof(w));
	if (careform_xw_open(&w, cause) == -1)
		goto out;
	if ((e = careform_xw_rows(&w, layout, title, rows, nrows)) !=
	    LXW_NO_ERROR) {
		*cause = careform_printf("xlsx: %s", lxw_strerror(e));
		goto out;
	}
	e = workbook_close(w.w_wb);
	w.w_wb = NULL;
	if (e != LXW_NO_ERROR) {
		*cause = careform_printf("xlsx: %s", lxw_strerror(e));
		goto out;
	}
	rc = careform_xw_copy(&w, fd, cause);
out:
	careform_xw_free(&w);
	return rc;
}
