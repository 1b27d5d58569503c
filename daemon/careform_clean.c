/*
 * A cell as the register keeps it: trimmed, full-width spaces and digits
 * made plain, control characters gone, the padding of a Chinese name
 * ("王　伟") closed up; and a phone number checked and written one way:
 * a mainland mobile as its 11 digits, a fixed line as 0532-85669120.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "careform_int.h"

/*
 * The next character of S (UTF-8) into *CP; the bytes it takes. A byte
 * that starts no valid character is U+FFFD, one byte long.
 */
static size_t
careform_utf8(const unsigned char *s, unsigned int *cp)
{
	unsigned int	 c = s[0], min, n, i;

	if (c < 0x80) {
		*cp = c;
		return 1;
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
	} else {
		*cp = 0xfffd;
		return 1;
	}
	for (i = 1; i <= n; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			*cp = 0xfffd;
			return 1;
		}
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) {
		*cp = 0xfffd;
		return 1;
	}
	*cp = c;
	return n + 1;
}

static size_t
careform_put(char *t, unsigned int c)
{
	if (c < 0x80) {
		t[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		t[0] = (char)(0xc0 | (c >> 6));
		t[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		t[0] = (char)(0xe0 | (c >> 12));
		t[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		t[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	t[0] = (char)(0xf0 | (c >> 18));
	t[1] = (char)(0x80 | ((c >> 12) & 0x3f));
	t[2] = (char)(0x80 | ((c >> 6) & 0x3f));
	t[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

static int
careform_cjk(unsigned int c)
{
	return (c >= 0x4e00 && c <= 0x9fff) || (c >= 0x3400 && c <= 0x4dbf) ||
	    (c >= 0x20000 && c <= 0x2fa1f) || c == 0xb7 || c == 0x30fb;
}

/*
 * S made clean (see above); FLAGS: CAREFORM_CLEAN_LINES keeps line
 * breaks (a difficulty may take several lines), CAREFORM_CLEAN_NAME
 * closes a space between two Chinese characters. NULL when nothing is
 * left, or memory is out (*oom set). Caller frees.
 */
char *
careform_clean(const char *s, int flags, int *oom)
{
	const unsigned char	*p;
	char			*t;
	unsigned int		 c, prev = 0;
	size_t			 n = 0, k;
	int			 space = 0;

	*oom = 0;
	if (s == NULL)
		return NULL;
	if ((t = malloc(strlen(s) * 3 + 1)) == NULL) {
		*oom = 1;
		return NULL;
	}
	for (p = (const unsigned char *)s; *p != '\0'; p += k) {
		k = careform_utf8(p, &c);
		if (c == '\r') {
			if (p[1] == '\n')
				continue;
			c = '\n';
		}
		if (c == '\n' && !(flags & CAREFORM_CLEAN_LINES))
			c = ' ';
		if (c == '\t' || c == 0x3000 || c == 0xa0 ||
		    (c >= 0x2000 && c <= 0x200a) || c == 0x202f)
			c = ' ';
		else if (c >= 0xff10 && c <= 0xff19)
			c = '0' + (c - 0xff10);
		else if ((c < 0x20 && c != '\n') || c == 0x7f || c == 0x200b ||
		    c == 0xfeff || (c >= 0x80 && c < 0xa0))
			continue;
		if (c == ' ') {
			space = 1;
			continue;
		}
		if (c == '\n') {
			/* No space at either end of a line. */
			space = 0;
			if (n > 0 && t[n - 1] != '\n')
				t[n++] = '\n';
			prev = c;
			continue;
		}
		if (space && n > 0 && t[n - 1] != '\n' &&
		    !((flags & CAREFORM_CLEAN_NAME) && careform_cjk(prev) &&
		    careform_cjk(c)))
			t[n++] = ' ';
		space = 0;
		n += careform_put(t + n, c);
		prev = c;
	}
	while (n > 0 && t[n - 1] == '\n')
		n--;
	t[n] = '\0';
	if (n == 0) {
		free(t);
		return NULL;
	}
	return t;
}

/* S with the characters of SET dropped; ASCII only. */
static void
careform_squeeze(char *s, const char *set)
{
	char	*d = s;

	for (; *s != '\0'; s++)
		if (strchr(set, *s) == NULL)
			*d++ = *s;
	*d = '\0';
}

/*
 * A phone written in scientific notation as a spreadsheet shows a large
 * number ("1.3912345678E+10"): its digits when none were lost, "" when
 * some were (1.39123E+10), S itself when it is no such number.
 */
static const char *
careform_phone_sci(const char *s, char *buf, size_t len)
{
	const char	*e;
	size_t		 nd = 0, i;
	long		 exp;
	char		*end;

	if (s[0] < '1' || s[0] > '9' || (e = strpbrk(s, "eE")) == NULL)
		return s;
	buf[nd++] = s[0];
	i = 1;
	if (s[i] == '.')
		for (i++; s[i] >= '0' && s[i] <= '9' && nd < len - 1; i++)
			buf[nd++] = s[i];
	if (s + i != e)
		return s;
	exp = strtol(e + 1, &end, 10);
	if (*end != '\0' || end == e + 1 || exp < 0 || exp > 20)
		return s;
	while (nd > 1 && buf[nd - 1] == '0' && (long)nd > exp + 1)
		nd--;
	if ((long)nd > exp + 1)
		return s;	/* not a whole number */
	if ((long)nd < exp + 1 && nd < 11)
		return "";	/* digits lost */
	while ((long)nd < exp + 1 && nd < len - 1)
		buf[nd++] = '0';
	buf[nd] = '\0';
	return buf;
}

static int
careform_digits(const char *s, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/*
 * A fixed line as digits from its leading 0: area code (010, 02x, or 0
 * and three digits) and a local number of 7 or 8 digits not starting
 * with 0 or 1. Written into OUT as "0532-85669120".
 */
static int
careform_fixed(const char *d, char *out, size_t len)
{
	size_t	 n = strlen(d), area;

	if (n < 10 || n > 12 || d[0] != '0' || !careform_digits(d, n))
		return -1;
	area = d[1] == '1' || d[1] == '2' ? 3 : 4;
	if (d[1] == '1' && d[2] != '0')
		return -1;
	if (d[1] == '0' || n - area < 7 || n - area > 8 || d[area] < '2')
		return -1;
	if (snprintf(out, len, "%.*s-%s", (int)area, d, d + area) >=
	    (int)len)
		return -1;
	return 0;
}

/*
 * A phone number (cleaned) as the register keeps it, into OUT: a mobile
 * 1[3-9] and nine digits, with +86, 86 or 0086 before it and spaces,
 * hyphens, dots or brackets anywhere; a fixed line with its area code,
 * an extension after 转 or "ext". -1 when S is none of these; *LOST set
 * when S is a number whose digits a spreadsheet has dropped.
 */
int
careform_phone(const char *s, char *out, size_t len, int *lost)
{
	char		 d[64], sci[32], ext[16] = "";
	const char	*x, *v;
	size_t		 n;
	int		 plus = 0;

	*lost = 0;
	if (strlen(s) >= sizeof(d))
		return -1;
	/* Full-width and other signs as ASCII. */
	for (x = s, n = 0; *x != '\0'; ) {
		if (strncmp(x, "\xef\xbc\x8b", 3) == 0) {	/* ＋ */
			d[n++] = '+';
			x += 3;
		} else if (strncmp(x, "\xef\xbc\x8d", 3) == 0 ||  /* － */
		    strncmp(x, "\xe2\x80\x94", 3) == 0 ||	/* — */
		    strncmp(x, "\xe2\x80\x93", 3) == 0) {	/* – */
			d[n++] = '-';
			x += 3;
		} else if (strncmp(x, "\xef\xbc\x88", 3) == 0) {	/* （ */
			d[n++] = '(';
			x += 3;
		} else if (strncmp(x, "\xef\xbc\x89", 3) == 0) {	/* ） */
			d[n++] = ')';
			x += 3;
		} else if (strncmp(x, "\xe8\xbd\xac", 3) == 0) {	/* 转 */
			d[n++] = 'x';
			x += 3;
		} else
			d[n++] = *x++;
	}
	d[n] = '\0';
	if ((x = strstr(d, "ext")) != NULL || (x = strchr(d, 'x')) != NULL) {
		v = x + (x[0] == 'e' ? 3 : 1);
		v += strspn(v, " .:-");
		if (strlen(v) < 1 || strlen(v) > 6 ||
		    !careform_digits(v, strlen(v)))
			return -1;
		snprintf(ext, sizeof(ext), "%s", v);
		d[x - d] = '\0';
	}
	v = careform_phone_sci(d, sci, sizeof(sci));
	if (*v == '\0') {
		*lost = 1;
		return -1;
	}
	if (v == sci)
		snprintf(d, sizeof(d), "%s", sci);
	else {
		n = strlen(d);
		if (n > 2 && strcmp(d + n - 2, ".0") == 0)
			d[n - 2] = '\0';	/* a number as a float */
	}
	careform_squeeze(d, " -.()");
	if (d[0] == '+') {
		plus = 1;
		memmove(d, d + 1, strlen(d));
	}
	n = strlen(d);
	if (n == 0 || !careform_digits(d, n))
		return -1;
	if (strncmp(d, "0086", 4) == 0 && n > 12) {
		memmove(d, d + 4, n - 3);
		plus = 1;
	} else if (strncmp(d, "86", 2) == 0 && (plus || n == 13)) {
		memmove(d, d + 2, n - 1);
		plus = 1;
	} else if (plus)
		return -1;	/* another country */
	n = strlen(d);
	if (n == 11 && d[0] == '1' && d[1] >= '3' && d[1] <= '9') {
		if (ext[0] != '\0')
			return -1;
		return snprintf(out, len, "%s", d) >= (int)len ? -1 : 0;
	}
	if (plus && d[0] != '0') {
		/* +86 532 85669120: the trunk 0 is dropped abroad. */
		memmove(d + 1, d, n + 1);
		d[0] = '0';
	}
	if (careform_fixed(d, out, len) == -1)
		return -1;
	if (ext[0] != '\0' && (n = strlen(out), snprintf(out + n, len - n,
	    "\xe8\xbd\xac%s", ext) >= (int)(len - n)))
		return -1;
	return 0;
}

int
careform_phone_check(const char *s, char *out, size_t len)
{
	char	*c;
	int	 oom, lost, rc;

	if ((c = careform_clean(s, 0, &oom)) == NULL)
		return -1;
	rc = careform_phone(c, out, len, &lost);
	free(c);
	return rc;
}
