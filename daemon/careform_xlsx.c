/*
 * A form saved as .xlsx, into a grid: the zip opened in memory with
 * libzip, its XML parts read with expat as they are inflated, never
 * whole. The workbook's first visible sheet (_rels/.rels, the workbook
 * and its relationships name it), its shared strings, inline strings,
 * numbers written as a person reads them (a phone kept as a number,
 * 13912345678 or 1.3912345678E10, comes back as its digits), formulas
 * by the value last computed, merged ranges.
 *
 * A zip may inflate a thousandfold: every part is counted as it is
 * inflated and the file refused past CAREFORM_MAX_UNZIP in all. A DTD
 * (and with it any entity) is refused: no part of an xlsx has one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <expat.h>
#include <zip.h>

#include "careform_int.h"

#define XLSX_CHUNK	65536
#define XLSX_CELL_MAX	(1024u * 1024)	/* bytes of one cell's text */
#define XLSX_PATH_MAX	512

struct xlsx {
	zip_t		*x_zip;
	XML_Parser	 x_parser;
	const char	*x_part;	/* being read */
	size_t		 x_unzipped;
	char		*x_cause;
	/* The text of the element being read. */
	char		*x_text;
	size_t		 x_len, x_cap;
	int		 x_collect;
	/* _rels/.rels, the workbook and its relationships. */
	char		 x_book[XLSX_PATH_MAX];
	char		 x_sheet_id[256];
	int		 x_sheet_found;
	char		 x_sheet[XLSX_PATH_MAX];
	char		 x_strings[XLSX_PATH_MAX];
	/* Shared strings. */
	char		**x_sst;
	size_t		 x_nsst, x_capsst;
	int		 x_in_rph;
	/* The sheet. */
	struct cfgrid	*x_grid;
	size_t		 x_row, x_col;	/* the next, from 0 */
	char		 x_type[16];
	int		 x_in_cell;
};

static void
xlsx_fail(struct xlsx *x, char *cause)
{
	if (x->x_cause == NULL)
		x->x_cause = cause != NULL ? cause :
		    careform_printf("out of memory");
	else
		free(cause);
	XML_StopParser(x->x_parser, XML_FALSE);
}

/* An element's or attribute's name without its namespace prefix. */
static const char *
xlsx_local(const char *name)
{
	const char	*c = strrchr(name, ':');

	return c != NULL ? c + 1 : name;
}

static const char *
xlsx_attr(const char **attr, const char *name)
{
	for (; attr[0] != NULL; attr += 2)
		if (strcmp(xlsx_local(attr[0]), name) == 0)
			return attr[1];
	return NULL;
}

static void XMLCALL
xlsx_text(void *arg, const XML_Char *s, int len)
{
	struct xlsx	*x = arg;
	char		*t;
	size_t		 cap;

	if (!x->x_collect || len <= 0)
		return;
	if (x->x_len + (size_t)len + 1 > XLSX_CELL_MAX) {
		xlsx_fail(x, careform_printf("%s: a cell of more than %u bytes",
		    x->x_part, XLSX_CELL_MAX));
		return;
	}
	if (x->x_len + (size_t)len + 1 > x->x_cap) {
		cap = x->x_cap == 0 ? 256 : x->x_cap;
		while (cap < x->x_len + (size_t)len + 1)
			cap *= 2;
		if ((t = realloc(x->x_text, cap)) == NULL) {
			xlsx_fail(x, NULL);
			return;
		}
		x->x_text = t;
		x->x_cap = cap;
	}
	memcpy(x->x_text + x->x_len, s, (size_t)len);
	x->x_len += (size_t)len;
	x->x_text[x->x_len] = '\0';
}

static void
xlsx_collect(struct xlsx *x)
{
	x->x_collect = 1;
}

static int XMLCALL
xlsx_no_dtd(void *arg, const XML_Char *name, const XML_Char *sysid,
    const XML_Char *pubid, int internal)
{
	struct xlsx	*x = arg;

	(void)name;
	(void)sysid;
	(void)pubid;
	(void)internal;
	xlsx_fail(x, careform_printf("%s: a DTD, which no xlsx part has",
	    x->x_part));
	return XML_STATUS_ERROR;
}

static void XMLCALL
xlsx_doctype(void *arg, const XML_Char *name, const XML_Char *sysid,
    const XML_Char *pubid, int internal)
{
	xlsx_no_dtd(arg, name, sysid, pubid, internal);
}

/* Parse the part NAME (case aside) with the handlers given. */
static int
xlsx_part(struct xlsx *x, const char *name, XML_StartElementHandler start,
    XML_EndElementHandler end, int required)
{
	zip_file_t	*f;
	zip_int64_t	 idx, n;
	char		*buf;
	int		 rc = -1;

	if ((idx = zip_name_locate(x->x_zip, name, ZIP_FL_NOCASE)) < 0) {
		if (!required)
			return 0;
		x->x_cause = careform_printf("not an xlsx: it has no %s", name);
		return -1;
	}
	if ((f = zip_fopen_index(x->x_zip, (zip_uint64_t)idx, 0)) == NULL) {
		x->x_cause = careform_printf("xlsx: %s: %s", name,
		    zip_strerror(x->x_zip));
		return -1;
	}
	if ((buf = malloc(XLSX_CHUNK)) == NULL ||
	    (x->x_parser = XML_ParserCreate("UTF-8")) == NULL) {
		free(buf);
		zip_fclose(f);
		x->x_cause = careform_printf("out of memory");
		return -1;
	}
	x->x_part = name;
	XML_SetUserData(x->x_parser, x);
	XML_SetElementHandler(x->x_parser, start, end);
	XML_SetCharacterDataHandler(x->x_parser, xlsx_text);
	XML_SetStartDoctypeDeclHandler(x->x_parser, xlsx_doctype);
	XML_SetExternalEntityRefHandler(x->x_parser, NULL);
	for (;;) {
		if ((n = zip_fread(f, buf, XLSX_CHUNK)) < 0) {
			x->x_cause = careform_printf("xlsx: %s: %s", name,
			    zip_file_strerror(f));
			goto out;
		}
		x->x_unzipped += (size_t)n;
		if (x->x_unzipped > CAREFORM_MAX_UNZIP) {
			x->x_cause = careform_printf("xlsx: more than %u MiB "
			    "once unzipped", CAREFORM_MAX_UNZIP >> 20);
			goto out;
		}
		if (XML_Parse(x->x_parser, buf, (int)n, n == 0) ==
		    XML_STATUS_ERROR) {
			if (x->x_cause == NULL)
				x->x_cause = careform_printf("xlsx: %s: line "
				    "%lu: %s", name, (unsigned long)
				    XML_GetCurrentLineNumber(x->x_parser),
				    XML_ErrorString(XML_GetErrorCode(
				    x->x_parser)));
			goto out;
		}
		if (x->x_cause != NULL)
			goto out;
		if (n == 0)
			break;
	}
	rc = 0;
out:
	XML_ParserFree(x->x_parser);
	x->x_parser = NULL;
	free(buf);
	zip_fclose(f);
	return rc;
}

/*
 * A relationship's target as a path in the zip: absolute ("/xl/…") from
 * the top, else beside BASE's directory.
 */
static void
xlsx_target(const char *base, const char *target, char *out, size_t len)
{
	const char	*slash;

	if (target[0] == '/')
		snprintf(out, len, "%s", target + 1);
	else if ((slash = strrchr(base, '/')) != NULL)
		snprintf(out, len, "%.*s/%s", (int)(slash - base), base, target);
	else
		snprintf(out, len, "%s", target);
}

static int
xlsx_type_is(const char *type, const char *suffix)
{
	size_t	 n, k = strlen(suffix);

	if (type == NULL || (n = strlen(type)) < k)
		return 0;
	return strcmp(type + n - k, suffix) == 0;
}

static void XMLCALL
xlsx_rels_start(void *arg, const XML_Char *name, const XML_Char **attr)
{
	struct xlsx	*x = arg;
	const char	*type, *target;

	if (strcmp(xlsx_local(name), "Relationship") != 0 ||
	    (type = xlsx_attr(attr, "Type")) == NULL ||
	    (target = xlsx_attr(attr, "Target")) == NULL)
		return;
	if (xlsx_type_is(type, "/officeDocument"))
		xlsx_target("", target, x->x_book, sizeof(x->x_book));
}

static void XMLCALL
xlsx_book_rels_start(void *arg, const XML_Char *name, const XML_Char **attr)
{
	struct xlsx	*x = arg;
	const char	*type, *target, *id;

	if (strcmp(xlsx_local(name), "Relationship") != 0 ||
	    (type = xlsx_attr(attr, "Type")) == NULL ||
	    (target = xlsx_attr(attr, "Target")) == NULL)
		return;
	if (xlsx_type_is(type, "/sharedStrings"))
		xlsx_target(x->x_book, target, x->x_strings,
		    sizeof(x->x_strings));
	else if ((id = xlsx_attr(attr, "Id")) != NULL &&
	    strcmp(id, x->x_sheet_id) == 0)
		xlsx_target(x->x_book, target, x->x_sheet, sizeof(x->x_sheet));
}

static void XMLCALL
xlsx_book_start(void *arg, const XML_Char *name, const XML_Char **attr)
{
	struct xlsx	*x = arg;
	const char	*id, *state;

	if (x->x_sheet_found || strcmp(xlsx_local(name), "sheet") != 0 ||
	    (id = xlsx_attr(attr, "id")) == NULL)
		return;
	if ((state = xlsx_attr(attr, "state")) != NULL &&
	    strcmp(state, "visible") != 0)
		return;		/* hidden: a template's or a list's */
	snprintf(x->x_sheet_id, sizeof(x->x_sheet_id), "%s", id);
	x->x_sheet_found = 1;
}

static void XMLCALL
xlsx_end_nothing(void *arg, const XML_Char *name)
{
	(void)arg;
	(void)name;
}

/* Shared strings: the text of each <si>, phonetic runs (<rPh>) aside. */
static void XMLCALL
xlsx_sst_start(void *arg, const XML_Char *name, const XML_Char **attr)
{
	struct xlsx	*x = arg;
	const char	*n = xlsx_local(name);

	(void)attr;
	if (strcmp(n, "si") == 0) {
		x->x_len = 0;
		x->x_collect = 0;
	} else if (strcmp(n, "rPh") == 0)
		x->x_in_rph = 1;
	else if (strcmp(n, "t") == 0 && !x->x_in_rph)
		xlsx_collect(x);
}

static void XMLCALL
xlsx_sst_end(void *arg, const XML_Char *name)
{
	struct xlsx	*x = arg;
	const char	*n = xlsx_local(name);
	char		**sst, *s;
	size_t		 cap;

	if (strcmp(n, "t") == 0)
		x->x_collect = 0;
	else if (strcmp(n, "rPh") == 0)
		x->x_in_rph = 0;
	else if (strcmp(n, "si") == 0) {
		if (x->x_nsst == x->x_capsst) {
			cap = x->x_capsst == 0 ? 256 : x->x_capsst * 2;
			if ((sst = reallocarray(x->x_sst, cap,
			    sizeof(*sst))) == NULL) {
				xlsx_fail(x, NULL);
				return;
			}
			x->x_sst = sst;
			x->x_capsst = cap;
		}
		if ((s = strndup(x->x_len > 0 ? x->x_text : "", x->x_len)) ==
		    NULL) {
			xlsx_fail(x, NULL);
			return;
		}
		x->x_sst[x->x_nsst++] = s;
		x->x_len = 0;
	}
}

/* "AB12" into a column and a row from 0; -1 when it is no cell. */
static int
xlsx_ref(const char *s, size_t *col, size_t *row)
{
	size_t	 c = 0, r = 0, n = 0;

	for (; *s >= 'A' && *s <= 'Z'; s++, n++)
		if ((c = c * 26 + (size_t)(*s - 'A' + 1)) > 16384)
			return -1;
	if (n == 0 || *s < '1' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++)
		if ((r = r * 10 + (size_t)(*s - '0')) > 1048576)
			return -1;
	if (*s != '\0' && *s != ':')
		return -1;
	*col = c - 1;
	*row = r - 1;
	return 0;
}

static void XMLCALL
xlsx_sheet_start(void *arg, const XML_Char *name, const XML_Char **attr)
{
	struct xlsx	*x = arg;
	const char	*n = xlsx_local(name), *v, *colon;
	char		*end, *cause = NULL;
	size_t		 r1, c1, r2, c2;
	unsigned long	 u;

	if (strcmp(n, "row") == 0) {
		if ((v = xlsx_attr(attr, "r")) != NULL) {
			u = strtoul(v, &end, 10);
			if (*end == '\0' && u >= 1 && u <= 1048576)
				x->x_row = u - 1;
		}
		x->x_col = 0;
	} else if (strcmp(n, "c") == 0) {
		if ((v = xlsx_attr(attr, "r")) != NULL &&
		    xlsx_ref(v, &c1, &r1) == 0) {
			x->x_col = c1;
			x->x_row = r1;
		}
		v = xlsx_attr(attr, "t");
		snprintf(x->x_type, sizeof(x->x_type), "%s", v != NULL ? v :
		    "n");
		x->x_in_cell = 1;
		x->x_len = 0;
	} else if (x->x_in_cell && (strcmp(n, "v") == 0 ||
	    (strcmp(n, "t") == 0 && !x->x_in_rph)))
		xlsx_collect(x);
	else if (strcmp(n, "rPh") == 0)
		x->x_in_rph = 1;
	else if (strcmp(n, "mergeCell") == 0 &&
	    (v = xlsx_attr(attr, "ref")) != NULL &&
	    (colon = strchr(v, ':')) != NULL &&
	    xlsx_ref(v, &c1, &r1) == 0 && xlsx_ref(colon + 1, &c2, &r2) == 0 &&
	    cfgrid_merge(x->x_grid, r1, c1, r2, c2, &cause) == -1)
		xlsx_fail(x, cause);
}

/* The cell just read, as text. */
static void
xlsx_cell(struct xlsx *x)
{
	const char	*v = x->x_len > 0 ? x->x_text : "";
	char		 num[64], *end, *cause = NULL;
	unsigned long	 i;

	if (strcmp(x->x_type, "s") == 0) {
		i = strtoul(v, &end, 10);
		if (end == v || *end != '\0' || i >= x->x_nsst)
			return;
		v = x->x_sst[i];
	} else if (strcmp(x->x_type, "n") == 0 &&
	    careform_number(v, num, sizeof(num)) == 0)
		v = num;
	if (*v != '\0' && cfgrid_set(x->x_grid, x->x_row, x->x_col, v,
	    strlen(v), &cause) == -1)
		xlsx_fail(x, cause);
}

static void XMLCALL
xlsx_sheet_end(void *arg, const XML_Char *name)
{
	struct xlsx	*x = arg;
	const char	*n = xlsx_local(name);

	if (strcmp(n, "v") == 0 || strcmp(n, "t") == 0)
		x->x_collect = 0;
	else if (strcmp(n, "rPh") == 0)
		x->x_in_rph = 0;
	else if (strcmp(n, "c") == 0) {
		xlsx_cell(x);
		x->x_in_cell = 0;
		x->x_collect = 0;
		x->x_col++;
	} else if (strcmp(n, "row") == 0)
		x->x_row++;
}

static int
xlsx_read(struct xlsx *x)
{
	char	 rels[XLSX_PATH_MAX + 32];
	const char *slash;

	snprintf(x->x_book, sizeof(x->x_book), "xl/workbook.xml");
	if (xlsx_part(x, "_rels/.rels", xlsx_rels_start, xlsx_end_nothing,
	    0) == -1 ||
	    xlsx_part(x, x->x_book, xlsx_book_start, xlsx_end_nothing,
	    1) == -1)
		return -1;
	if (!x->x_sheet_found) {
		x->x_cause = careform_printf("xlsx: the workbook has no "
		    "visible sheet");
		return -1;
	}
	slash = strrchr(x->x_book, '/');
	snprintf(rels, sizeof(rels), "%.*s_rels/%s.rels",
	    slash != NULL ? (int)(slash - x->x_book + 1) : 0, x->x_book,
	    slash != NULL ? slash + 1 : x->x_book);
	if (xlsx_part(x, rels, xlsx_book_rels_start, xlsx_end_nothing,
	    1) == -1)
		return -1;
	if (x->x_sheet[0] == '\0') {
		x->x_cause = careform_printf("xlsx: the workbook names no "
		    "file for its first sheet");
		return -1;
	}
	if (x->x_strings[0] != '\0' && xlsx_part(x, x->x_strings,
	    xlsx_sst_start, xlsx_sst_end, 0) == -1)
		return -1;
	x->x_in_rph = 0;
	return xlsx_part(x, x->x_sheet, xlsx_sheet_start, xlsx_sheet_end, 1);
}

int
careform_xlsx_read(const void *buf, size_t len, struct cfgrid *g,
    char **cause)
{
	struct xlsx	 x;
	zip_source_t	*src;
	zip_error_t	 err;
	size_t		 i;
	int		 rc;

	memset(&x, 0, sizeof(x));
	x.x_grid = g;
	zip_error_init(&err);
	if ((src = zip_source_buffer_create(buf, len, 0, &err)) == NULL ||
	    (x.x_zip = zip_open_from_source(src, ZIP_RDONLY, &err)) == NULL) {
		*cause = careform_printf("not an xlsx: the zip cannot be "
		    "read (%s)", zip_error_strerror(&err));
		if (src != NULL)
			zip_source_free(src);
		zip_error_fini(&err);
		return -1;
	}
	zip_error_fini(&err);
	rc = xlsx_read(&x);
	zip_discard(x.x_zip);
	for (i = 0; i < x.x_nsst; i++)
		free(x.x_sst[i]);
	free(x.x_sst);
	free(x.x_text);
	if (rc == -1)
		*cause = x.x_cause != NULL ? x.x_cause :
		    careform_printf("out of memory");
	return rc;
}
