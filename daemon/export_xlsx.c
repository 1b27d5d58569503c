/*
 * The export as a spreadsheet (.xlsx, libxlsxwriter): the columns of
 * export.c under their Chinese headings, times as date cells in the
 * configured timezone, numbers as numbers, every text as a string (never
 * a formula), the header row frozen and filtered.
 *
 * libxlsxwriter writes a file, not a stream. It is written in a private
 * directory made for the export next to the store (mode 0700; the store's
 * own directory is the one place the daemon may write, kept as private
 * as the calls themselves), not under $TMPDIR: /tmp is often memory, and
 * a year of calls must not grow the machine's memory any more than the
 * daemon's. In constant-memory mode libxlsxwriter keeps one row in memory
 * and the rest in a temporary file in the same directory. The workbook is
 * closed (the zip written) on a thread, so the loop goes on meanwhile;
 * then the file is opened and the directory removed, so the open
 * descriptor is all that is left. A crash leaves the directory, which
 * export_xlsx_sweep() removes at the next start.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <xlsxwriter.h>

#include "domain.h"

#define EXPORT_XLSX_PREFIX	".export-"
#define EXPORT_XLSX_FILE	"calls.xlsx"
#define EXPORT_XLSX_STRMAX	32767	/* bytes in a cell (Excel's limit) */
#define EXPORT_XLSX_LINE	17	/* points a line of Chinese takes */
#define EXPORT_XLSX_LINES	12	/* at most, in a row */

struct export_xlsx {
	lxw_workbook	*x_wb;
	lxw_worksheet	*x_ws;
	lxw_format	*x_head;
	lxw_format	*x_cell;	/* at the top of a tall row */
	lxw_format	*x_time;
	lxw_format	*x_wrap;
	char		 x_dir[4096];	/* the private directory */
	char		 x_file[4096];
	int		 x_personal;
	lxw_row_t	 x_row;		/* the next row */
	lxw_col_t	 x_ncols;
	/* Closing, on a thread (export_xlsx_close()). */
	pthread_t	 x_thread;
	int		 x_closing;	/* the thread runs */
	int		 x_pipe[2];	/* it says it is done */
	struct event	*x_ev;
	lxw_error	 x_rc;
	int		 x_fd;		/* the file written */
	int		 x_errno;
	void		(*x_done)(int, const char *, void *);
	void		*x_done_arg;
};

/* The store's directory: where path's file is. */
static void
export_xlsx_dirname(const char *path, char *dir, size_t len)
{
	const char	*slash = strrchr(path, '/');

	if (slash == NULL)
		snprintf(dir, len, ".");
	else if (slash == path)
		snprintf(dir, len, "/");
	else
		snprintf(dir, len, "%.*s", (int)(slash - path), path);
}

/* Remove the export's file (if any) and its directory. */
static void
export_xlsx_remove(const char *dir)
{
	char	 file[4096];

	snprintf(file, sizeof(file), "%s/%s", dir, EXPORT_XLSX_FILE);
	if (unlink(file) == -1 && errno != ENOENT)
		log_warn("%s: %s", __func__, file);
	if (rmdir(dir) == -1 && errno != ENOENT)
		log_warn("%s: %s", __func__, dir);
}

/* At start-up: the directories of exports a crash interrupted. */
void
export_xlsx_sweep(const char *store_path)
{
	char		 dir[4096], sub[4096 + 256];
	DIR		*d;
	struct dirent	*de;

	export_xlsx_dirname(store_path, dir, sizeof(dir));
	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, EXPORT_XLSX_PREFIX,
		    strlen(EXPORT_XLSX_PREFIX)) != 0)
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name);
		log_info("removing %s, left by an interrupted export", sub);
		export_xlsx_remove(sub);
	}
	closedir(d);
}

/*
 * The width of n bytes of UTF-8 text in a spreadsheet's character units:
 * a Chinese character (three bytes or more) takes two.
 */
static size_t
export_xlsx_width(const char *s, size_t n)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i, w = 0;

	for (i = 0; i < n; i++)
		if (p[i] >= 0xe0)
			w += 2;
		else if ((p[i] & 0xc0) != 0x80)
			w++;
	return w;
}

/* Column i's width: as configured, or its heading's if that is wider. */
static double
export_xlsx_colwidth(size_t i)
{
	const char	*h = export_cols[i].ec_name;
	size_t		 w = export_xlsx_width(h, strlen(h)) + 2;

	return w > (size_t)export_cols[i].ec_width ? (double)w :
	    export_cols[i].ec_width;
}

/*
 * The lines text takes in column i, wrapped: Calc and Excel do not fit a
 * row to its text when they open a file, so the row is made tall enough
 * here.
 */
static size_t
export_xlsx_lines(const char *t, size_t i)
{
	double		 w = export_xlsx_colwidth(i);
	const char	*nl;
	size_t		 n = 0, len;

	for (;;) {
		nl = strpbrk(t, "\r\n");	/* LF, CR LF or CR */
		len = nl != NULL ? (size_t)(nl - t) : strlen(t);
		n += 1 + (size_t)((double)export_xlsx_width(t, len) / w);
		if (nl == NULL || n >= EXPORT_XLSX_LINES)
			return n;
		t = nl + (nl[0] == '\r' && nl[1] == '\n' ? 2 : 1);
	}
}

/* The header row, the column widths, the frozen first row, the print. */
static int
export_xlsx_head(struct export_xlsx *x)
{
	lxw_col_t	 col = 0;
	size_t		 i;

	for (i = 0; i < EXPORT_NCOLS; i++) {
		if (!x->x_personal && export_cols[i].ec_personal)
			continue;
		if (worksheet_set_column(x->x_ws, col, col,
		    export_xlsx_colwidth(i), NULL) != LXW_NO_ERROR ||
		    worksheet_write_string(x->x_ws, 0, col,
		    export_cols[i].ec_name, x->x_head) != LXW_NO_ERROR)
			return -1;
		col++;
	}
	x->x_ncols = col;
	x->x_row = 1;
	worksheet_freeze_panes(x->x_ws, 1, 0);
	/* Printed: A4 across, the headings on every page, numbered. */
	worksheet_set_landscape(x->x_ws);
	worksheet_set_paper(x->x_ws, 9);
	worksheet_repeat_rows(x->x_ws, 0, 0);
	worksheet_set_footer(x->x_ws, "&C&P / &N");
	return 0;
}

/*
 * A new workbook for an export, in a private directory beside the store
 * at store_path; personal: with the personal columns. NULL and err on
 * failure.
 */
struct export_xlsx *
export_xlsx_open(const char *store_path, int personal, char *err,
    size_t len)
{
	lxw_workbook_options	 opt = { 0 };
	struct export_xlsx	*x;
	char			 dir[4096];

	if ((x = calloc(1, sizeof(*x))) == NULL) {
		snprintf(err, len, "out of memory");
		return NULL;
	}
	x->x_personal = personal;
	x->x_pipe[0] = x->x_pipe[1] = x->x_fd = -1;
	export_xlsx_dirname(store_path, dir, sizeof(dir));
	if (snprintf(x->x_dir, sizeof(x->x_dir), "%s/%sXXXXXX", dir,
	    EXPORT_XLSX_PREFIX) >= (int)sizeof(x->x_dir) - 16) {
		snprintf(err, len, "%s: the path is too long", dir);
		free(x);
		return NULL;
	}
	if (mkdtemp(x->x_dir) == NULL) {	/* mode 0700 */
		snprintf(err, len, "%s: %s", x->x_dir, strerror(errno));
		free(x);
		return NULL;
	}
	if (snprintf(x->x_file, sizeof(x->x_file), "%s/%s", x->x_dir,
	    EXPORT_XLSX_FILE) >= (int)sizeof(x->x_file))
		x->x_file[0] = '\0';	/* not reached: checked above */
	opt.constant_memory = LXW_TRUE;
	opt.tmpdir = x->x_dir;
	if ((x->x_wb = workbook_new_opt(x->x_file, &opt)) == NULL ||
	    (x->x_ws = workbook_add_worksheet(x->x_wb, "通话记录")) == NULL ||
	    (x->x_head = workbook_add_format(x->x_wb)) == NULL ||
	    (x->x_cell = workbook_add_format(x->x_wb)) == NULL ||
	    (x->x_time = workbook_add_format(x->x_wb)) == NULL ||
	    (x->x_wrap = workbook_add_format(x->x_wb)) == NULL) {
		snprintf(err, len, "could not start the workbook");
		export_xlsx_free(x);
		return NULL;
	}
	format_set_bold(x->x_head);
	format_set_bg_color(x->x_head, 0xDDEBF7);
	format_set_border(x->x_head, LXW_BORDER_THIN);
	format_set_text_wrap(x->x_head);
	format_set_align(x->x_head, LXW_ALIGN_VERTICAL_TOP);
	format_set_align(x->x_cell, LXW_ALIGN_VERTICAL_TOP);
	format_set_num_format(x->x_time, "yyyy-mm-dd hh:mm:ss");
	format_set_align(x->x_time, LXW_ALIGN_LEFT);
	format_set_align(x->x_time, LXW_ALIGN_VERTICAL_TOP);
	format_set_text_wrap(x->x_wrap);
	format_set_align(x->x_wrap, LXW_ALIGN_VERTICAL_TOP);
	if (export_xlsx_head(x) == -1) {
		snprintf(err, len, "could not write the header row");
		export_xlsx_free(x);
		return NULL;
	}
	return x;
}

/*
 * Text as a cell holds it: a line ends in LF alone (CR LF and a lone CR
 * would show as "_x000D_" codes in some readers), other C0 controls but
 * tab become U+FFFD, which a reader can see, and a text longer than a
 * cell may hold is cut at a character's boundary and ends in "…".
 * Caller frees.
 */
static char *
export_xlsx_text(const char *s)
{
	const unsigned char	*p;
	char			*t;
	size_t			 n = 0;

	if ((t = malloc(strlen(s) * 3 + 1)) == NULL)
		return NULL;
	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p == '\r') {
			if (p[1] != '\n')
				t[n++] = '\n';
		} else if (*p < 0x20 && *p != '\t' && *p != '\n') {
			memcpy(t + n, "\xef\xbf\xbd", 3);
			n += 3;
		} else
			t[n++] = (char)*p;
	if (n > EXPORT_XLSX_STRMAX) {
		n = EXPORT_XLSX_STRMAX - 3;
		while (n > 0 && ((unsigned char)t[n] & 0xc0) == 0x80)
			n--;		/* t[n] starts a character */
		memcpy(t + n, "\xe2\x80\xa6", 3);
		n += 3;
	}
	t[n] = '\0';
	return t;
}

/* "2020-02-17T01:30:00+08:00" (local time in the configured zone). */
static int
export_xlsx_time(const char *s, lxw_datetime *dt)
{
	int	 sec;

	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d", &dt->year, &dt->month,
	    &dt->day, &dt->hour, &dt->min, &sec) != 6)
		return -1;
	dt->sec = sec;
	return 0;
}

/* One cell of column i holding v (not NULL). */
static lxw_error
export_xlsx_cell(struct export_xlsx *x, lxw_col_t col, size_t i,
    const char *v, int64_t erased_at)
{
	lxw_datetime	 dt;
	char		*t, *end, when[40], erased[64];
	long long	 n;
	lxw_error	 rc;

	switch (export_cols[i].ec_kind) {
	case EXPORT_INT:
		n = strtoll(v, &end, 10);
		if (*v != '\0' && *end == '\0')
			return worksheet_write_number(x->x_ws, x->x_row, col,
			    (double)n, x->x_cell);
		break;
	case EXPORT_TIME:
		if (export_xlsx_time(v, &dt) == 0)
			return worksheet_write_datetime(x->x_ws, x->x_row,
			    col, &dt, x->x_time);
		break;
	case EXPORT_ANSWER:
		if (strcmp(v, "yes") == 0)
			v = "是";
		else if (strcmp(v, "no") == 0)
			v = "否";
		else if (strcmp(v, "unknown") == 0)
			v = "不确定";
		break;
	case EXPORT_TEXT:
		if (export_cols[i].ec_personal && erased_at != 0) {
			clock_format(erased_at, when, sizeof(when));
			snprintf(erased, sizeof(erased), "（%.10s 已按保存期限删除）",
			    when);
			v = erased;
		}
		break;
	}
	if ((t = export_xlsx_text(v)) == NULL)
		return LXW_ERROR_MEMORY_MALLOC_FAILED;
	rc = worksheet_write_string(x->x_ws, x->x_row, col, t,
	    export_xlsx_lines(t, i) > 1 ? x->x_wrap : x->x_cell);
	free(t);
	return rc;
}

/*
 * A call as the next row: its values v (export_line_make()), its personal
 * fields erased at erased_at (0: kept). 0, or -1.
 */
int
export_xlsx_row(struct export_xlsx *x, const char *const *v,
    int64_t erased_at)
{
	lxw_col_t	 col = 0;
	size_t		 i, n, lines = 1;
	int		 rv = 0;

	/* The row's height first: in constant memory a row is written once. */
	for (i = 0; i < EXPORT_NCOLS; i++)
		if (v[i] != NULL && export_cols[i].ec_kind == EXPORT_TEXT &&
		    (n = export_xlsx_lines(v[i], i)) > lines)
			lines = n;
	if (lines > EXPORT_XLSX_LINES)
		lines = EXPORT_XLSX_LINES;
	if (lines > 1 && worksheet_set_row(x->x_ws, x->x_row,
	    (double)(lines * EXPORT_XLSX_LINE), NULL) != LXW_NO_ERROR)
		rv = -1;
	for (i = 0; i < EXPORT_NCOLS && rv == 0; i++) {
		if (!x->x_personal && export_cols[i].ec_personal)
			continue;
		if (v[i] != NULL && export_xlsx_cell(x, col, i, v[i], erased_at) !=
		    LXW_NO_ERROR)
			rv = -1;
		col++;
	}
	if (rv == 0)
		x->x_row++;
	return rv;
}

/*
 * On the closing thread: libxlsxwriter assembles and compresses the file
 * in one call, about 0.6 s per 10,000 calls, which must not hold the
 * loop. The thread touches the workbook alone and logs nothing; the
 * loop hears that it is done through the pipe.
 */
static void *
export_xlsx_closing(void *arg)
{
	struct export_xlsx	*x = arg;
	ssize_t			 n;

	x->x_rc = workbook_close(x->x_wb);	/* frees it */
	if (x->x_rc == LXW_NO_ERROR &&
	    (x->x_fd = open(x->x_file, O_RDONLY | O_CLOEXEC)) == -1)
		x->x_errno = errno;
	do
		n = write(x->x_pipe[1], "", 1);
	while (n == -1 && errno == EINTR);
	return NULL;
}

/* Wait for the closing thread; the workbook is gone after. */
static void
export_xlsx_join(struct export_xlsx *x)
{
	if (!x->x_closing)
		return;
	pthread_join(x->x_thread, NULL);
	x->x_closing = 0;
	x->x_wb = NULL;
}

/* In the loop: the file is written (or not). Tell the caller. */
static void
export_xlsx_closed(evutil_socket_t fd, short events, void *arg)
{
	struct export_xlsx	*x = arg;
	void			(*done)(int, const char *, void *) = x->x_done;
	void			*done_arg = x->x_done_arg;
	char			 err[4096 + 300] = "";
	int			 file;

	(void)fd;
	(void)events;
	export_xlsx_join(x);
	if (x->x_rc != LXW_NO_ERROR)
		snprintf(err, sizeof(err), "writing %s: %s", x->x_file,
		    lxw_strerror(x->x_rc));
	else if (x->x_fd == -1)
		snprintf(err, sizeof(err), "%s: %s", x->x_file,
		    strerror(x->x_errno));
	file = x->x_fd;
	x->x_fd = -1;
	export_xlsx_free(x);	/* the open file stays; its name goes */
	done(file, file == -1 ? err : NULL, done_arg);
}

/*
 * Finish the workbook: a filter on the header row, then the file written
 * on a thread of its own. done(fd, NULL, arg) gets the file, open and
 * already removed with its directory (the caller closes fd), or
 * done(-1, why, arg); x is freed before. -1 when the thread could not
 * start (x is freed, done is not called).
 */
int
export_xlsx_close(struct export_xlsx *x, struct event_base *base,
    void (*done)(int, const char *, void *), void *arg)
{
	sigset_t	 all, old;
	int		 rc;

	worksheet_autofilter(x->x_ws, 0, 0, x->x_row - 1, x->x_ncols - 1);
	x->x_done = done;
	x->x_done_arg = arg;
	if (pipe2(x->x_pipe, O_CLOEXEC | O_NONBLOCK) == -1) {
		log_warn("%s: pipe", __func__);
		export_xlsx_free(x);
		return -1;
	}
	if ((x->x_ev = event_new(base, x->x_pipe[0], EV_READ,
	    export_xlsx_closed, x)) == NULL || event_add(x->x_ev, NULL) == -1) {
		log_warnx("%s: out of memory", __func__);
		export_xlsx_free(x);
		return -1;
	}
	/* Signals stay with the main thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&x->x_thread, NULL, export_xlsx_closing, x);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		log_warnx("%s: pthread_create: %s", __func__, strerror(rc));
		export_xlsx_free(x);
		return -1;
	}
	x->x_closing = 1;
	return 0;
}

/*
 * Drop the workbook, its file and its directory; while the file is being
 * written (the reader went away, or the daemon stops), wait for it.
 */
void
export_xlsx_free(struct export_xlsx *x)
{
	if (x == NULL)
		return;
	export_xlsx_join(x);
	if (x->x_ev != NULL)
		event_free(x->x_ev);
	if (x->x_pipe[0] != -1)
		close(x->x_pipe[0]);
	if (x->x_pipe[1] != -1)
		close(x->x_pipe[1]);
	if (x->x_fd != -1)
		close(x->x_fd);
	if (x->x_wb != NULL)
		lxw_workbook_free(x->x_wb);
	export_xlsx_remove(x->x_dir);
	free(x);
}
