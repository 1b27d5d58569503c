/*
 * Shared by the care-form unit tests (test_careform.c, the reading;
 * test_careform_write.c, the writing): the fixtures' directory, a file
 * read whole, a form read or refused, two rows or forms compared.
 */
#ifndef CAREFORM_UNIT_H
#define CAREFORM_UNIT_H

#include <sys/stat.h>

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"
#include "careform.h"

#define FIXTURES	"tests/fixtures/care/"

struct blob {
	char	*b_data;
	size_t	 b_len;
};

static inline struct blob
slurp(const char *path)
{
	struct blob	 b = { NULL, 0 };
	struct stat	 st;
	int		 fd;

	if ((fd = open(path, O_RDONLY)) == -1 || fstat(fd, &st) == -1)
		fail_msg("%s: cannot open", path);
	b.b_len = (size_t)st.st_size;
	assert_non_null(b.b_data = malloc(b.b_len + 1));
	assert_int_equal(read(fd, b.b_data, b.b_len), (ssize_t)b.b_len);
	close(fd);
	return b;
}

/* Read a fixture, which must be a form. */
static inline void
read_ok(const char *name, struct careform *form)
{
	struct blob	 b;
	char		 path[256], *cause = NULL;

	snprintf(path, sizeof(path), FIXTURES "%s", name);
	b = slurp(path);
	if (careform_read(b.b_data, b.b_len, form, &cause) == -1)
		fail_msg("%s: %s", name, cause);
	free(b.b_data);
}

/* Read LEN bytes of S, which must not be a form; its cause. */
static inline char *
read_fail(const void *s, size_t len)
{
	struct careform	 form;
	char		*cause = NULL;

	assert_int_equal(careform_read(s, len, &form, &cause), -1);
	assert_non_null(cause);
	assert_int_equal(form.cf_nrows, 0);
	return cause;
}

#define assert_field(v, want) do {					\
	if ((want) == NULL)						\
		assert_null(v);						\
	else {								\
		assert_non_null(v);					\
		assert_string_equal((v), (want));			\
	}								\
} while (0)

/* Two rows hold the same values (their line numbers aside). */
static inline void
assert_same_row(const struct careform_row *a, const struct careform_row *b)
{
	assert_field(a->cr_name, b->cr_name);
	assert_field(a->cr_gender, b->cr_gender);
	assert_field(a->cr_category, b->cr_category);
	assert_field(a->cr_post, b->cr_post);
	assert_field(a->cr_phone, b->cr_phone);
	assert_field(a->cr_family_name, b->cr_family_name);
	assert_field(a->cr_family_relation, b->cr_family_relation);
	assert_field(a->cr_family_phone, b->cr_family_phone);
	assert_field(a->cr_liaison, b->cr_liaison);
	assert_field(a->cr_liaison_phone, b->cr_liaison_phone);
	assert_field(a->cr_difficulties, b->cr_difficulties);
	assert_field(a->cr_unit, b->cr_unit);
	assert_field(a->cr_team, b->cr_team);
	assert_field(a->cr_hubei_phone, b->cr_hubei_phone);
	assert_field(a->cr_carrier, b->cr_carrier);
}

static inline void
assert_same_form(const struct careform *a, const struct careform *b)
{
	size_t	 i;

	assert_int_equal(a->cf_layout, b->cf_layout);
	assert_int_equal(a->cf_nrows, b->cf_nrows);
	assert_int_equal(a->cf_nproblems, b->cf_nproblems);
	for (i = 0; i < a->cf_nrows; i++) {
		assert_int_equal(a->cf_rows[i].cr_line, b->cf_rows[i].cr_line);
		assert_same_row(&a->cf_rows[i], &b->cf_rows[i]);
	}
}

#endif /* CAREFORM_UNIT_H */
