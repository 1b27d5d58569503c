/*
 * The care-register forms written (careform_write()) and read back:
 * every fixture in CSV and xlsx, 5,000 rows, and what was written opened
 * in LibreOffice Calc and saved again as the city union would.
 */
#include <sys/wait.h>

#include <spawn.h>

#include "careform_unit.h"

/* Write ROWS in FORMAT and read them back. */
static void
write_read(enum careform_format format, enum careform_layout layout,
    const char *title, const struct careform_row *rows, size_t nrows,
    struct careform *back)
{
	struct blob	 b;
	char		 dir[256], path[300], *cause = NULL;
	int		 fd;

	assert_int_equal(unit_mkdtemp(dir, sizeof(dir), "careform"), 0);
	snprintf(path, sizeof(path), "%s/form", dir);
	assert_true((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC,
	    0600)) != -1);
	if (careform_write(fd, format, layout, title, rows, nrows,
	    &cause) == -1)
		fail_msg("write: %s", cause);
	close(fd);
	b = slurp(path);
	if (careform_read(b.b_data, b.b_len, back, &cause) == -1)
		fail_msg("read back: %s", cause);
	free(b.b_data);
	unlink(path);
	rmdir(dir);
}

/* Each fixture written in each format and read back: the same rows. */
static void
test_round_trip(void **state)
{
	static const char *const names[] = {
		"aid_utf8.csv", "frontline_bom.csv", "in_hubei.csv",
		"merged.xlsx", "hostile.csv"
	};
	static const enum careform_format formats[] = {
		CAREFORM_CSV, CAREFORM_XLSX
	};
	struct careform	 form, back;
	size_t		 i, j, k;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		read_ok(names[i], &form);
		for (j = 0; j < 2; j++) {
			write_read(formats[j], form.cf_layout, form.cf_unit,
			    form.cf_rows, form.cf_nrows, &back);
			assert_int_equal(back.cf_layout, form.cf_layout);
			assert_int_equal(back.cf_guessed, 0);
			assert_int_equal(back.cf_nproblems, 0);
			assert_int_equal(back.cf_nrows, form.cf_nrows);
			for (k = 0; k < form.cf_nrows; k++)
				assert_same_row(&back.cf_rows[k],
				    &form.cf_rows[k]);
			careform_free(&back);
		}
		careform_free(&form);
	}
}

/* 5,000 rows: read from CSV, written as xlsx and CSV, read back. */
static void
test_many_rows(void **state)
{
	struct careform	 form, back;
	char		*csv, *p;
	size_t		 i, cap = 5000 * 200 + 512;
	char		*cause;

	(void)state;
	assert_non_null(csv = malloc(cap));
	p = csv + sprintf(csv, "\xef\xbb\xbf援鄂医疗队队员联系表\r\n"
	    "序号,职工姓名,性别,人员类别,联系方式,家属姓名,家属联系方式,"
	    "工会联系人姓名,存在困难,单位\r\n");
	for (i = 0; i < 5000; i++)
		p += sprintf(p, "%zu,队员%zu,女,护士,139%08zu,家属%zu,"
		    "138%08zu,联系人%zu,\"困难%zu，\"\"待办\"\"\",医院%zu\r\n",
		    i + 1, i, i, i, i, i % 50, i, i % 7);
	if (careform_read(csv, (size_t)(p - csv), &form, &cause) == -1)
		fail_msg("%s", cause);
	free(csv);
	assert_int_equal(form.cf_nrows, 5000);
	assert_int_equal(form.cf_nproblems, 0);
	assert_int_equal(form.cf_rows[4999].cr_line, 5002);
	assert_string_equal(form.cf_rows[4999].cr_phone, "13900004999");
	assert_string_equal(form.cf_rows[4999].cr_difficulties,
	    "困难4999，\"待办\"");
	write_read(CAREFORM_XLSX, form.cf_layout, NULL, form.cf_rows,
	    form.cf_nrows, &back);
	assert_int_equal(back.cf_nrows, 5000);
	for (i = 0; i < 5000; i++)
		assert_same_row(&back.cf_rows[i], &form.cf_rows[i]);
	careform_free(&back);
	write_read(CAREFORM_CSV, form.cf_layout, NULL, form.cf_rows,
	    form.cf_nrows, &back);
	assert_int_equal(back.cf_nrows, 5000);
	for (i = 0; i < 5000; i++)
		assert_same_row(&back.cf_rows[i], &form.cf_rows[i]);
	careform_free(&back);
	careform_free(&form);
}

/*
 * LibreOffice Calc (headless) converts the files A and B in DIR to
 * FILTER ("csv:…", "xls", "xlsx") into DIR/out, with a profile and a
 * home of its own under DIR, its messages to /dev/null.
 */
static void
soffice(const char *dir, const char *a, const char *b, const char *filter,
    const char *infilter)
{
	extern char			**environ;
	posix_spawn_file_actions_t	 fa;
	char				 profile[400], out[400], home[400];
	char				 src[2][400], *argv[12], *env[64];
	size_t				 n = 0, i;
	pid_t				 pid;
	int				 status;

	snprintf(profile, sizeof(profile), "-env:UserInstallation=file://%s/"
	    "profile", dir);
	snprintf(out, sizeof(out), "%s/out", dir);
	snprintf(home, sizeof(home), "HOME=%s", dir);
	snprintf(src[0], sizeof(src[0]), "%s/%s", dir, a);
	snprintf(src[1], sizeof(src[1]), "%s/%s", dir, b);
	argv[n++] = "soffice";
	argv[n++] = profile;
	argv[n++] = "--headless";
	if (infilter != NULL)
		argv[n++] = (char *)(uintptr_t)infilter;
	argv[n++] = "--convert-to";
	argv[n++] = (char *)(uintptr_t)filter;
	argv[n++] = "--outdir";
	argv[n++] = out;
	argv[n++] = src[0];
	argv[n++] = src[1];
	argv[n] = NULL;
	for (i = 0, n = 0; environ[i] != NULL && n < 62; i++)
		if (strncmp(environ[i], "HOME=", 5) != 0)
			env[n++] = environ[i];
	env[n++] = home;
	env[n] = NULL;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	if (posix_spawnp(&pid, "soffice", &fa, NULL, argv, env) != 0)
		fail_msg("soffice (libreoffice-calc-nogui) cannot be run");
	posix_spawn_file_actions_destroy(&fa);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("soffice %s %s: status %d", filter, a, status);
}

/* Read DIR/out/NAME, which LibreOffice made: the rows of WANT. */
static void
read_made(const char *dir, const char *name, const struct careform *want)
{
	struct careform	 got;
	struct blob	 b;
	char		 path[400], *cause = NULL;
	size_t		 i;

	snprintf(path, sizeof(path), "%s/out/%s", dir, name);
	b = slurp(path);
	if (careform_read(b.b_data, b.b_len, &got, &cause) == -1)
		fail_msg("%s: %s", path, cause);
	free(b.b_data);
	assert_int_equal(got.cf_layout, want->cf_layout);
	assert_int_equal(got.cf_nproblems, 0);
	assert_int_equal(got.cf_nrows, want->cf_nrows);
	for (i = 0; i < want->cf_nrows; i++)
		assert_same_row(&got.cf_rows[i], &want->cf_rows[i]);
	careform_free(&got);
	unlink(path);
}

/* Write FORM as DIR/NAME.EXT. */
static void
write_to(const char *dir, const char *name, enum careform_format format,
    const struct careform *form)
{
	char	 path[400], *cause = NULL;
	int	 fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_true((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC,
	    0600)) != -1);
	if (careform_write(fd, format, form->cf_layout, form->cf_unit,
	    form->cf_rows, form->cf_nrows, &cause) == -1)
		fail_msg("%s", cause);
	close(fd);
}

/*
 * What careform_write() wrote, opened in LibreOffice Calc as the city
 * union would and saved again: the xlsx as CSV and as xls, the CSV as
 * xlsx. Each reads back as the rows written; the hostile cells stay text.
 */
static void
test_libreoffice(void **state)
{
	struct careform	 aid, hostile;
	char		 dir[256], rm[300];

	(void)state;
	assert_int_equal(unit_mkdtemp(dir, sizeof(dir), "careform-lo"), 0);
	read_ok("aid_utf8.csv", &aid);
	read_ok("hostile.csv", &hostile);
	write_to(dir, "aid.xlsx", CAREFORM_XLSX, &aid);
	write_to(dir, "hostile.xlsx", CAREFORM_XLSX, &hostile);
	soffice(dir, "aid.xlsx", "hostile.xlsx",
	    "csv:Text - txt - csv (StarCalc):44,34,76,1", NULL);
	read_made(dir, "aid.csv", &aid);
	read_made(dir, "hostile.csv", &hostile);
	soffice(dir, "aid.xlsx", "hostile.xlsx", "xls", NULL);
	read_made(dir, "aid.xls", &aid);
	read_made(dir, "hostile.xls", &hostile);
	write_to(dir, "aid.csv", CAREFORM_CSV, &aid);
	write_to(dir, "hostile.csv", CAREFORM_CSV, &hostile);
	soffice(dir, "aid.csv", "hostile.csv", "xlsx",
	    "--infilter=CSV:44,34,76");
	read_made(dir, "aid.xlsx", &aid);
	read_made(dir, "hostile.xlsx", &hostile);
	careform_free(&aid);
	careform_free(&hostile);
	snprintf(rm, sizeof(rm), "rm -rf '%s'", dir);
	assert_int_equal(system(rm), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_many_rows),
		cmocka_unit_test(test_libreoffice),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
