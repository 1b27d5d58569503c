/*
 * Fuzz the care forms' CSV reader through careform_read(): the input is
 * a file as a unit sends it (UTF-8 with or without a mark, GB18030,
 * UTF-16). A form read must hold what careform_check.h asks; the rows
 * of one without problems (a caller keeps no other) written back as CSV
 * (careform_write(), to a memfd) must read back the same in the columns
 * of the layout (附件3 has no column for a gender, nor 附件1 and 2 for
 * a carrier).
 */
#include <sys/mman.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "careform_check.h"
#include "fuzz.h"

static void
fuzz_same(const char *a, const char *b)
{
	if ((a == NULL) != (b == NULL) || (a != NULL && strcmp(a, b) != 0))
		abort();
}

static void
fuzz_round_trip(const struct careform *form)
{
	struct careform			 back;
	const struct careform_row	*a, *b;
	char				*cause = NULL, *buf;
	off_t				 len;
	size_t				 i;
	int				 fd;

	/* A form with problems is refused whole: nothing of it is kept. */
	if (form->cf_nrows == 0 || form->cf_nproblems > 0 ||
	    (fd = memfd_create("fuzz", MFD_CLOEXEC)) == -1)
		return;
	if (careform_write(fd, CAREFORM_CSV, form->cf_layout, form->cf_unit,
	    form->cf_rows, form->cf_nrows, &cause) == -1)
		abort();
	len = lseek(fd, 0, SEEK_END);
	if ((buf = malloc((size_t)len)) == NULL ||
	    pread(fd, buf, (size_t)len, 0) != len)
		abort();
	close(fd);
	if (careform_read(buf, (size_t)len, &back, &cause) == -1) {
		fprintf(stderr, "read back: %s\n", cause);
		abort();
	}
	free(buf);
	if (back.cf_nrows != form->cf_nrows || back.cf_layout !=
	    form->cf_layout)
		abort();
	for (i = 0; i < form->cf_nrows; i++) {
		a = &form->cf_rows[i];
		b = &back.cf_rows[i];
		/* The columns the layout writes. */
		fuzz_same(a->cr_name, b->cr_name);
		fuzz_same(a->cr_unit, b->cr_unit);
		fuzz_same(a->cr_team, b->cr_team);
		if (form->cf_layout == CAREFORM_IN_HUBEI) {
			fuzz_same(a->cr_hubei_phone, b->cr_hubei_phone);
			fuzz_same(a->cr_carrier, b->cr_carrier);
			continue;
		}
		fuzz_same(a->cr_gender, b->cr_gender);
		fuzz_same(a->cr_category, b->cr_category);
		fuzz_same(a->cr_post, b->cr_post);
		fuzz_same(a->cr_phone, b->cr_phone);
		fuzz_same(a->cr_family_name, b->cr_family_name);
		fuzz_same(a->cr_family_relation, b->cr_family_relation);
		fuzz_same(a->cr_family_phone, b->cr_family_phone);
		fuzz_same(a->cr_liaison, b->cr_liaison);
		fuzz_same(a->cr_liaison_phone, b->cr_liaison_phone);
		fuzz_same(a->cr_difficulties, b->cr_difficulties);
	}
	careform_free(&back);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct careform	 form;
	char		*cause = NULL;
	int		 rc;

	/* The other formats have harnesses of their own. */
	if (size >= 2 && (memcmp(data, "PK", 2) == 0 || data[0] == 0xd0))
		return 0;
	rc = careform_read(data, size, &form, &cause);
	careform_check(&form, rc, cause);
	if (rc == 0) {
		fuzz_round_trip(&form);
		careform_free(&form);
	}
	free(cause);
	return 0;
}
