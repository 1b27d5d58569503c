/*
 * A form saved as CSV (or as Excel's "Unicode text"), into a grid.
 *
 * The encoding is found from the bytes: UTF-16 by its byte-order mark;
 * UTF-8 (a mark or not) when every byte sequence is valid UTF-8, which
 * text in another encoding almost never is; else GB18030, what Excel on
 * a Chinese Windows writes (a superset of GBK and GB2312), converted with
 * iconv. The fields are cut by libcsv (RFC 4180: quotes, doubled quotes,
 * line breaks inside quotes, CR LF or LF). The delimiter is the comma,
 * unless the first lines hold more tabs or semicolons outside quotes.
 * A line is a record, numbered as a spreadsheet numbers its rows.
 */
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>

#include "careform_int.h"

#define CAREFORM_CSV_CHUNK	65536	/* bytes parsed between checks */
#define CAREFORM_CSV_SNIFF	65536	/* bytes the delimiter is found in */

struct careform_csv {
	struct cfgrid	*c_grid;
	size_t		 c_row;
	size_t		 c_col;
	int		 c_last;	/* what ended the last record */
	int		 c_fields;	/* of this record, so far */
	char		*c_cause;	/* the first failure */
};

/* LEN bytes of S converted from FROM into UTF-8; NULL and *cause if not. */
static char *
careform_csv_iconv(const char *s, size_t len, const char *from,
    size_t *outlen, char **cause)
{
	iconv_t	 cd;
	char	*out, *in = (char *)(uintptr_t)s, *o;
	size_t	 cap, left, inleft = len;

	if ((cd = iconv_open("UTF-8", from)) == (iconv_t)-1) {
		*cause = careform_printf("iconv %s: %s", from, strerror(errno));
		return NULL;
	}
	/* GB18030 takes at most 4 bytes for what UTF-8 writes in 4. */
	cap = len * 2 + 4;
	if ((out = malloc(cap)) == NULL) {
		iconv_close(cd);
		*cause = careform_printf("out of memory");
		return NULL;
	}
	o = out;
	left = cap - 1;
	if (iconv(cd, &in, &inleft, &o, &left) == (size_t)-1) {
		*cause = errno == E2BIG ? careform_printf("out of memory") :
		    careform_printf("the file is neither UTF-8 nor %s: "
		    "byte %zu (0x%02x) starts no character", from,
		    len - inleft, (unsigned char)*in);
		free(out);
		iconv_close(cd);
		return NULL;
	}
	iconv_close(cd);
	*o = '\0';
	*outlen = (size_t)(o - out);
	return out;
}

/* Whether LEN bytes of S are UTF-8 (no overlong form, no surrogate). */
static int
careform_csv_utf8(const unsigned char *s, size_t len)
{
	size_t		 i = 0, n, k;
	unsigned int	 c, min;

	while (i < len) {
		c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			c &= 0x1f;
			min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			c &= 0x0f;
			min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			c &= 0x07;
			min = 0x10000;
		} else
			return 0;
		if (len - i <= n)
			return 0;
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			c = (c << 6) | (s[i + k] & 0x3f);
		}
		if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			return 0;
		i += n + 1;
	}
	return 1;
}

/* The delimiter: the most frequent of , TAB ; outside quotes. */
static unsigned char
careform_csv_delim(const char *s, size_t len)
{
	size_t	 i, comma = 0, tab = 0, semi = 0;
	int	 quoted = 0;

	if (len > CAREFORM_CSV_SNIFF)
		len = CAREFORM_CSV_SNIFF;
	for (i = 0; i < len; i++)
		if (s[i] == '"')
			quoted = !quoted;
		else if (quoted)
			continue;
		else if (s[i] == ',')
			comma++;
		else if (s[i] == '\t')
			tab++;
		else if (s[i] == ';')
			semi++;
	if (tab > comma && tab >= semi)
		return '\t';
	if (semi > comma && semi > tab)
		return ';';
	return ',';
}

static void
careform_csv_field(void *s, size_t len, void *arg)
{
	struct careform_csv	*c = arg;

	c->c_fields++;
	if (c->c_cause == NULL && s != NULL && len > 0 &&
	    cfgrid_set(c->c_grid, c->c_row, c->c_col, s, len,
	    &c->c_cause) == -1 && c->c_cause == NULL)
		c->c_cause = careform_printf("out of memory");
	c->c_col++;
}

/*
 * A record ends. Every line break is reported (CSV_REPALL_NL), so that
 * an empty line keeps its number; the LF of a CR LF ends nothing.
 */
static void
careform_csv_record(int ch, void *arg)
{
	struct careform_csv	*c = arg;

	if (ch == '\n' && c->c_last == '\r' && c->c_fields == 0) {
		c->c_last = ch;
		return;
	}
	c->c_last = ch;
	c->c_fields = 0;
	c->c_col = 0;
	c->c_row++;
}

static int
careform_csv_space(unsigned char ch)
{
	return ch == ' ';
}

int
careform_csv_read(const void *buf, size_t len, struct cfgrid *g,
    char **cause)
{
	struct careform_csv	 c;
	struct csv_parser	 p;
	const char		*s = buf;
	char			*conv = NULL;
	size_t			 n, off;
	int			 rc = -1;

	if (len >= 2 && (memcmp(s, "\xff\xfe", 2) == 0 ||
	    memcmp(s, "\xfe\xff", 2) == 0)) {
		if ((conv = careform_csv_iconv(s, len, "UTF-16", &len,
		    cause)) == NULL)
			return -1;
		s = conv;
	} else if (len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) {
		s += 3;
		len -= 3;
	}
	if (memchr(s, '\0', len) != NULL) {
		*cause = careform_printf("not a spreadsheet: the file holds a "
		    "NUL byte, as no text or CSV file does (an xlsx, xls or "
		    "CSV file is expected)");
		goto out;
	}
	if (conv == NULL && !careform_csv_utf8((const unsigned char *)s,
	    len)) {
		if ((conv = careform_csv_iconv(s, len, "GB18030", &len,
		    cause)) == NULL)
			return -1;
		s = conv;
	}
	if (csv_init(&p, CSV_REPALL_NL) != 0) {
		*cause = careform_printf("out of memory");
		goto out;
	}
	csv_set_delim(&p, careform_csv_delim(s, len));
	csv_set_space_func(&p, careform_csv_space);
	memset(&c, 0, sizeof(c));
	c.c_grid = g;
	for (off = 0; off < len && c.c_cause == NULL; off += n) {
		n = len - off > CAREFORM_CSV_CHUNK ? CAREFORM_CSV_CHUNK :
		    len - off;
		if (csv_parse(&p, s + off, n, careform_csv_field,
		    careform_csv_record, &c) != n) {
			*cause = careform_printf("CSV: %s",
			    csv_strerror(csv_error(&p)));
			csv_free(&p);
			goto out;
		}
	}
	if (c.c_cause == NULL)
		csv_fini(&p, careform_csv_field, careform_csv_record, &c);
	csv_free(&p);
	if (c.c_cause != NULL) {
		*cause = c.c_cause;
		goto out;
	}
	rc = 0;
out:
	free(conv);
	return rc;
}
