/*
 * A form saved as .xls (Excel 97-2003, BIFF), into a grid, with freexl.
 *
 * freexl opens a path, not memory: the bytes go into an anonymous file
 * (memfd_create, a file of the process alone that no directory holds)
 * opened by its /proc/self/fd name. Numbers come back as a person reads
 * them (a phone kept as a number, as its digits); dates as freexl writes
 * them. freexl (1.0.6) says nothing of merged ranges: a value merged
 * over several rows of an .xls comes back in its first row only, and
 * the rows below it lack it (the register reports them; saving the form
 * as .xlsx or unmerging the cells is the cure).
 */
#include <sys/mman.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <freexl.h>

#include "careform_int.h"

/* An anonymous file holding LEN bytes of BUF; -1 and *cause if not. */
static int
careform_xls_file(const void *buf, size_t len, char **cause)
{
	const char	*p = buf;
	ssize_t		 n;
	int		 fd;

	if ((fd = memfd_create("careform.xls", MFD_CLOEXEC)) == -1) {
		*cause = careform_printf("memfd_create: %s", strerror(errno));
		return -1;
	}
	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			*cause = careform_printf("memfd: %s", strerror(errno));
			close(fd);
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return fd;
}

static int
careform_xls_cell(struct cfgrid *g, unsigned int r, unsigned short c,
    const FreeXL_CellValue *v, char **cause)
{
	char		 num[64];
	const char	*s;

	switch (v->type) {
	case FREEXL_CELL_INT:
		snprintf(num, sizeof(num), "%d", v->value.int_value);
		s = num;
		break;
	case FREEXL_CELL_DOUBLE:
		if (snprintf(num, sizeof(num), "%.17g", v->value.double_value) >=
		    (int)sizeof(num) || careform_number(num, num,
		    sizeof(num)) == -1)
			return 0;
		s = num;
		break;
	case FREEXL_CELL_TEXT:
	case FREEXL_CELL_SST_TEXT:
	case FREEXL_CELL_DATE:
	case FREEXL_CELL_DATETIME:
	case FREEXL_CELL_TIME:
		s = v->value.text_value;
		break;
	default:
		return 0;
	}
	if (s == NULL || *s == '\0')
		return 0;
	return cfgrid_set(g, r, c, s, strlen(s), cause);
}

static int
careform_xls_sheet(const void *xls, struct cfgrid *g, char **cause)
{
	FreeXL_CellValue	 v;
	unsigned int		 rows, r, info;
	unsigned short		 cols, c;

	if (freexl_get_info(xls, FREEXL_BIFF_PASSWORD, &info) == FREEXL_OK &&
	    info == FREEXL_BIFF_OBFUSCATED) {
		*cause = careform_printf("the xls is protected by a password");
		return -1;
	}
	if (freexl_select_active_worksheet(xls, 0) != FREEXL_OK ||
	    freexl_worksheet_dimensions(xls, &rows, &cols) != FREEXL_OK) {
		*cause = careform_printf("xls: the workbook has no sheet");
		return -1;
	}
	if (rows > (unsigned int)CAREFORM_MAX_ROWS + 1000) {
		*cause = careform_printf("more than %d rows",
		    CAREFORM_MAX_ROWS);
		return -1;
	}
	if (cols > CAREFORM_MAX_COLS)
		cols = CAREFORM_MAX_COLS;
	for (r = 0; r < rows; r++)
		for (c = 0; c < cols; c++)
			if (freexl_get_cell_value(xls, r, c, &v) == FREEXL_OK &&
			    careform_xls_cell(g, r, c, &v, cause) == -1)
				return -1;
	return 0;
}

int
careform_xls_read(const void *buf, size_t len, struct cfgrid *g,
    char **cause)
{
	const void	*xls = NULL;
	char		 path[64];
	int		 fd, rc;

	if ((fd = careform_xls_file(buf, len, cause)) == -1)
		return -1;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if ((rc = freexl_open(path, &xls)) != FREEXL_OK) {
		*cause = careform_printf("not an xls that can be read "
		    "(freexl error %d): an OLE2 file, but no Excel 97-2003 "
		    "workbook, or an encrypted one", rc);
		rc = -1;
	} else
		rc = careform_xls_sheet(xls, g, cause);
	if (xls != NULL)
		freexl_close(xls);
	close(fd);
	return rc;
}
