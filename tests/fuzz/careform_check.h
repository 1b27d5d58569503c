/*
 * What careform_read() promises of any input, checked by the care-form
 * harnesses (fuzz_careform_csv.c, fuzz_careform_xlsx.c,
 * fuzz_careform_xls.c): a file refused says why; a form read has a known
 * layout, rows at increasing lines within bounds, every value non-empty,
 * trimmed UTF-8 without control characters (line breaks only in
 * 存在困难), every phone that raised no problem in one of the written
 * forms, and every problem a line and a message.
 */
#ifndef CAREFORM_CHECK_H
#define CAREFORM_CHECK_H

#include <stdlib.h>
#include <string.h>

#include "careform.h"

static void
careform_check_text(const char *s, int lines)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 n = strlen(s);

	if (n == 0 || p[0] == ' ' || p[n - 1] == ' ' || p[0] == '\n' ||
	    p[n - 1] == '\n')
		abort();
	for (; *p != '\0'; p++) {
		if ((*p < 0x20 && !(lines && *p == '\n')) || *p == 0x7f)
			abort();
		if (*p < 0x80)
			continue;
		if (*p < 0xc2 || *p > 0xf4)
			abort();
		/* The continuation bytes of a lead byte. */
		if ((p[1] & 0xc0) != 0x80 || (*p >= 0xe0 &&
		    (p[2] & 0xc0) != 0x80) || (*p >= 0xf0 &&
		    (p[3] & 0xc0) != 0x80))
			abort();
		p += *p >= 0xf0 ? 3 : *p >= 0xe0 ? 2 : 1;
	}
}

/* A phone as careform_clean.c writes one. */
static void
careform_check_phone(const char *s, int line,
    const struct careform *form)
{
	size_t	 i, n = strlen(s);

	for (i = 0; i < form->cf_nproblems; i++)
		if (form->cf_problems[i].cp_line == line)
			return;		/* maybe this one's */
	if (n == 11 && s[0] == '1' && strspn(s, "0123456789") == 11)
		return;
	if (s[0] != '0' || strchr(s, '-') == NULL)
		abort();
}

static void
careform_check(const struct careform *form, int rc, const char *cause)
{
	const struct careform_row	*r;
	const char			*v[15];
	size_t				 i, j;
	int				 last = 0;

	if (rc == -1) {
		if (cause == NULL || cause[0] == '\0' || form->cf_nrows != 0)
			abort();
		return;
	}
	if (form->cf_layout < CAREFORM_AID_TEAM ||
	    form->cf_layout > CAREFORM_IN_HUBEI ||
	    form->cf_nrows > CAREFORM_MAX_ROWS)
		abort();
	if (form->cf_unit != NULL)
		careform_check_text(form->cf_unit, 0);
	for (i = 0; i < form->cf_nrows; i++) {
		r = &form->cf_rows[i];
		if (r->cr_line <= last)
			abort();
		last = r->cr_line;
		v[0] = r->cr_name;
		v[1] = r->cr_gender;
		v[2] = r->cr_category;
		v[3] = r->cr_post;
		v[4] = r->cr_family_name;
		v[5] = r->cr_family_relation;
		v[6] = r->cr_liaison;
		v[7] = r->cr_unit;
		v[8] = r->cr_team;
		v[9] = r->cr_carrier;
		v[10] = r->cr_phone;
		v[11] = r->cr_family_phone;
		v[12] = r->cr_liaison_phone;
		v[13] = r->cr_hubei_phone;
		v[14] = r->cr_difficulties;
		for (j = 0; j < 15; j++)
			if (v[j] != NULL)
				careform_check_text(v[j], j == 14);
		for (j = 10; j < 14; j++)
			if (v[j] != NULL)
				careform_check_phone(v[j], r->cr_line, form);
	}
	for (i = 0; i < form->cf_nproblems; i++)
		if (form->cf_problems[i].cp_line <= 0 ||
		    form->cf_problems[i].cp_problem == NULL ||
		    form->cf_problems[i].cp_problem[0] == '\0')
			abort();
}

#endif /* CAREFORM_CHECK_H */
