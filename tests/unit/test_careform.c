/*
 * The care-register forms read (careform_read()): the fixtures of
 * tests/fixtures/care (made by its make-fixtures: CSV in UTF-8 with and
 * without a byte-order mark and in GB18030, xlsx written by hand and by
 * LibreOffice, xls by LibreOffice), headings that vary, a heading on two
 * lines, merged cells, phones as numbers, bad rows, hostile cells kept
 * as text, other delimiters and encodings, files that are no form at
 * all, a zip that inflates past the bound, the row bound. The writing:
 * test_careform_write.c.
 */
#include <zip.h>

#include "careform_unit.h"

/* 附件1 in UTF-8 without a mark: the rows as the form means them. */
static void
test_aid_csv(void **state)
{
	struct careform		 form;
	struct careform_row	*r;

	(void)state;
	read_ok("aid_utf8.csv", &form);
	assert_int_equal(form.cf_layout, CAREFORM_AID_TEAM);
	assert_int_equal(form.cf_guessed, 0);
	assert_string_equal(form.cf_unit, "青岛市市立医院");
	assert_int_equal(form.cf_nproblems, 0);
	/* The empty line 7 and the note under the table are no rows. */
	assert_int_equal(form.cf_nrows, 3);
	r = &form.cf_rows[0];
	assert_int_equal(r->cr_line, 5);
	assert_string_equal(r->cr_name, "张伟");	/* 张　伟 closed up */
	assert_string_equal(r->cr_gender, "男");
	assert_string_equal(r->cr_category, "医生");
	assert_string_equal(r->cr_post, "主治医师");
	assert_string_equal(r->cr_phone, "13912345678");
	assert_string_equal(r->cr_family_name, "李娜");
	assert_string_equal(r->cr_family_relation, "妻子");
	/* The second 联系方式, after 家属姓名, is the family's. */
	assert_string_equal(r->cr_family_phone, "13805321234");
	assert_string_equal(r->cr_liaison, "王芳");
	assert_null(r->cr_liaison_phone);
	assert_string_equal(r->cr_difficulties, "孩子上网课无人照看");
	assert_string_equal(r->cr_unit, "青岛市市立医院");
	assert_null(r->cr_hubei_phone);
	r = &form.cf_rows[1];
	assert_int_equal(r->cr_line, 6);
	assert_string_equal(r->cr_phone, "13612345678");	/* full width */
	assert_string_equal(r->cr_family_phone, "0532-85669120");
	assert_null(r->cr_difficulties);
	r = &form.cf_rows[2];
	assert_int_equal(r->cr_line, 8);
	assert_string_equal(r->cr_phone, "13712345678");	/* 86… */
	assert_string_equal(r->cr_difficulties,
	    "老人行动不便，\n需要代购药品");
	careform_free(&form);
}

/* The same form with a byte-order mark and LF lines; in LibreOffice's
 * xlsx and xls: the same rows. */
static void
test_aid_same_everywhere(void **state)
{
	static const char *const names[] = {
		"aid_bom.csv", "lo_aid.xlsx", "lo_aid.xls"
	};
	struct careform	 want, got;
	size_t		 i;

	(void)state;
	read_ok("aid_utf8.csv", &want);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		read_ok(names[i], &got);
		assert_string_equal(got.cf_unit, want.cf_unit);
		assert_same_form(&got, &want);
		careform_free(&got);
	}
	careform_free(&want);
}

/* 附件2 with headings that vary; the same in GB18030. */
static void
test_frontline(void **state)
{
	struct careform		 form, gb;
	struct careform_row	*r;

	(void)state;
	read_ok("frontline_bom.csv", &form);
	assert_int_equal(form.cf_layout, CAREFORM_FRONTLINE);
	assert_int_equal(form.cf_guessed, 0);
	/* 填报单位：…, then 填报人 on the same line. */
	assert_string_equal(form.cf_unit, "青岛大学附属医院");
	assert_int_equal(form.cf_nrows, 2);
	r = &form.cf_rows[0];
	assert_string_equal(r->cr_name, "孙丽");	/* 职工 姓名 */
	assert_string_equal(r->cr_post, "护士长");	/* 职务/职称 */
	assert_string_equal(r->cr_phone, "13812345678");	/* （手机） */
	assert_string_equal(r->cr_family_relation, "丈夫");	/* （与本人关系） */
	assert_string_equal(r->cr_family_phone, "13812345679");
	assert_string_equal(r->cr_liaison, "周敏");
	assert_string_equal(r->cr_liaison_phone, "0532-82911234");
	assert_string_equal(r->cr_difficulties, "无");
	read_ok("frontline_gb18030.csv", &gb);
	assert_string_equal(gb.cf_unit, form.cf_unit);
	assert_same_form(&gb, &form);
	careform_free(&gb);
	careform_free(&form);
}

/* 附件3, in CSV and in an xlsx of inline strings and numbers. */
static void
test_in_hubei(void **state)
{
	struct careform	 form;

	(void)state;
	read_ok("in_hubei.csv", &form);
	assert_int_equal(form.cf_layout, CAREFORM_IN_HUBEI);
	assert_int_equal(form.cf_nrows, 2);
	assert_string_equal(form.cf_rows[0].cr_name, "张伟");
	assert_string_equal(form.cf_rows[0].cr_unit, "青岛市市立医院");
	assert_string_equal(form.cf_rows[0].cr_hubei_phone, "13912345678");
	assert_string_equal(form.cf_rows[0].cr_carrier, "中国移动");
	careform_free(&form);
	read_ok("inline.xlsx", &form);
	assert_int_equal(form.cf_layout, CAREFORM_IN_HUBEI);
	assert_int_equal(form.cf_nrows, 2);
	assert_string_equal(form.cf_rows[0].cr_hubei_phone, "13912345678");
	/* Stored as the number 1.8612345678E10. */
	assert_string_equal(form.cf_rows[1].cr_hubei_phone, "18612345678");
	assert_string_equal(form.cf_rows[1].cr_carrier, "中国电信");
	careform_free(&form);
}

/*
 * An xlsx with a heading on two lines (家属 over 姓名 and 联系方式), the
 * unit merged down its column, a family member merged over two staff,
 * phones stored as numbers. The same as LibreOffice's xls, where freexl
 * gives merged values to their first row only.
 */
static void
test_merged(void **state)
{
	struct careform		 form;
	struct careform_row	*r;

	(void)state;
	read_ok("merged.xlsx", &form);
	assert_int_equal(form.cf_layout, CAREFORM_FRONTLINE);
	assert_int_equal(form.cf_nproblems, 0);
	assert_int_equal(form.cf_nrows, 4);
	r = form.cf_rows;
	assert_int_equal(r[0].cr_line, 4);
	assert_string_equal(r[0].cr_phone, "13812345678");
	assert_string_equal(r[0].cr_family_name, "孙强");
	assert_string_equal(r[0].cr_family_phone, "13812345679");
	assert_string_equal(r[0].cr_liaison_phone, "0532-82911234");
	assert_string_equal(r[1].cr_phone, "15912345678");	/* 1.59…E10 */
	assert_string_equal(r[1].cr_family_phone, "15912345670");
	/* Merged down: each row its value. */
	assert_string_equal(r[2].cr_name, "郑洁");
	assert_string_equal(r[2].cr_family_name, "吴敏");
	assert_string_equal(r[2].cr_family_phone, "15912345670");
	assert_string_equal(r[2].cr_liaison, "周敏");
	assert_string_equal(r[2].cr_liaison_phone, "0532-82911234");
	assert_string_equal(r[0].cr_unit, "青岛市第八人民医院");
	assert_string_equal(r[1].cr_unit, "青岛市第八人民医院");
	assert_string_equal(r[2].cr_unit, "青岛市第八人民医院");
	assert_int_equal(r[3].cr_line, 8);	/* line 7 is empty */
	assert_string_equal(r[3].cr_unit, "青岛市中心医院");
	assert_null(r[3].cr_liaison_phone);
	careform_free(&form);
	read_ok("lo_merged.xls", &form);
	assert_int_equal(form.cf_nrows, 4);
	assert_string_equal(form.cf_rows[0].cr_unit, "青岛市第八人民医院");
	assert_string_equal(form.cf_rows[1].cr_phone, "15912345678");
	assert_null(form.cf_rows[2].cr_unit);	/* freexl: no merges */
	careform_free(&form);
}

/* Wrong headings: refused, naming what the file holds. */
static void
test_wrong_headings(void **state)
{
	struct blob	 b;
	char		*cause;

	(void)state;
	b = slurp(FIXTURES "wrong_headings.csv");
	cause = read_fail(b.b_data, b.b_len);
	assert_non_null(strstr(cause, "no known headings"));
	assert_non_null(strstr(cause, "\"编号\", \"名字\", \"电话号码\""));
	assert_non_null(strstr(cause, "line 2"));
	free(cause);
	free(b.b_data);
}

/* Every bad row with its line, its column as spelled and the value. */
static void
test_bad_rows(void **state)
{
	struct careform		 form;
	struct careform_problem	*p;

	(void)state;
	read_ok("bad_rows.csv", &form);
	assert_int_equal(form.cf_nproblems, 4);
	p = form.cf_problems;
	assert_int_equal(p[0].cp_line, 3);
	assert_string_equal(p[0].cp_column, "联系方式");
	assert_non_null(strstr(p[0].cp_problem, "\"12345\" is not a phone"));
	assert_int_equal(p[1].cp_line, 4);
	assert_string_equal(p[1].cp_column, "职工姓名");
	assert_string_equal(p[1].cp_problem, "missing name");
	assert_int_equal(p[2].cp_line, 5);
	assert_non_null(strstr(p[2].cp_problem, "\"1.39123E+10\" has lost "
	    "digits"));
	assert_int_equal(p[3].cp_line, 5);
	assert_string_equal(p[3].cp_column, "家属联系方式");
	assert_non_null(strstr(p[3].cp_problem, "\"0532-8566\""));
	careform_free(&form);
}

/* Cells that look like formulas or HTML are text, in and out. */
static void
test_hostile(void **state)
{
	struct careform		 form;
	struct careform_row	*r;

	(void)state;
	read_ok("hostile.csv", &form);
	assert_int_equal(form.cf_nrows, 2);
	r = form.cf_rows;
	assert_string_equal(r[0].cr_name,
	    "=HYPERLINK(\"http://example.com\",\"点击\")");
	assert_string_equal(r[0].cr_family_name, "<script>alert(1)</script>");
	assert_string_equal(r[0].cr_difficulties, "@SUM(1+1)");
	assert_string_equal(r[1].cr_name, "<b>王五</b>");
	assert_string_equal(r[1].cr_family_name, "-2+3");
	assert_string_equal(r[1].cr_difficulties, "+cmd|' /C calc'!A0");
	careform_free(&form);
}

/* Phones as people write them: each as the register keeps it, or a problem. */
static void
test_phones(void **state)
{
	static const struct {
		const char	*in, *want;	/* want NULL: refused */
	} t[] = {
		{ "13912345678", "13912345678" },
		{ "139-1234-5678", "13912345678" },
		{ "139 1234 5678", "13912345678" },
		{ "+86 139 1234 5678", "13912345678" },
		{ "+86-13912345678", "13912345678" },
		{ "8613912345678", "13912345678" },
		{ "008613912345678", "13912345678" },
		{ "（+86）13912345678", "13912345678" },
		{ "１３９１２３４５６７８", "13912345678" },
		{ "13912345678.0", "13912345678" },
		{ "1.3912345678E10", "13912345678" },
		{ "1.3912345678E+10", "13912345678" },
		{ "0532-85669120", "0532-85669120" },
		{ "053285669120", "0532-85669120" },
		{ "(0532)85669120", "0532-85669120" },
		{ "０５３２－８５６６９１２０", "0532-85669120" },
		{ "010-62345678", "010-62345678" },
		{ "010-12345678", NULL },	/* no local number starts with 1 */
		{ "021 2345 6789", "021-23456789" },
		{ "0532-8566912", "0532-8566912" },
		{ "+86 532 85669120", "0532-85669120" },
		{ "0532-85669120转8001", "0532-85669120转8001" },
		{ "0532-85669120 ext 12", "0532-85669120转12" },
		{ "12345", NULL },
		{ "12912345678", NULL },	/* 12x is no mobile */
		{ "1391234567", NULL },		/* ten digits */
		{ "139123456789", NULL },
		{ "+1 415 555 0100", NULL },
		{ "0532-8566", NULL },
		{ "85669120", NULL },		/* no area code */
		{ "13912345678/13812345678", NULL },
		{ "1.39123E+10", NULL },
		{ "无", NULL },
		{ "13912345678a", NULL },
		{ "13912345678转12", NULL },
	};
	struct careform	 form;
	char		 csv[512], *cause;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(csv, sizeof(csv), "姓名,联系方式\n张伟,\"%s\"\n",
		    t[i].in);
		if (careform_read(csv, strlen(csv), &form, &cause) == -1)
			fail_msg("%s: %s", t[i].in, cause);
		assert_int_equal(form.cf_nrows, 1);
		if (t[i].want != NULL) {
			if (form.cf_nproblems != 0)
				fail_msg("%s: %s", t[i].in,
				    form.cf_problems[0].cp_problem);
			assert_string_equal(form.cf_rows[0].cr_phone,
			    t[i].want);
		} else {
			if (form.cf_nproblems != 1)
				fail_msg("%s taken as %s", t[i].in,
				    form.cf_rows[0].cr_phone);
			assert_int_equal(form.cf_problems[0].cp_line, 2);
			assert_non_null(strstr(form.cf_problems[0].cp_problem,
			    t[i].in));
		}
		careform_free(&form);
		/* The same rule for a phone that comes by the API. */
		assert_int_equal(careform_phone_check(t[i].in, csv,
		    sizeof(csv)), t[i].want != NULL ? 0 : -1);
		if (t[i].want != NULL)
			assert_string_equal(csv, t[i].want);
	}
	assert_int_equal(careform_phone_check("", csv, sizeof(csv)), -1);
	assert_int_equal(careform_phone_check("13912345678", csv, 5), -1);
}

/* Headings as units retype them; without a title, 附件2 (said so). */
static void
test_headings(void **state)
{
	static const char csv[] =
	    "\"序 号\",\"职工\n姓名\",性别*,【人员类别】,职务、职称,"
	    "手机号码,家属姓名(与本人关系),关系,联系电话,工会联系人,"
	    "电话,存在的困难,所在单位,医疗队\r\n"
	    "1,王伟,男,医生,医师,13912345678,李娜,妻子,13812345678,赵敏,"
	    "13712345678,无,青岛市市立医院,援鄂医疗队\r\n";
	struct careform		 form;
	struct careform_row	*r;
	char			*cause;

	(void)state;
	if (careform_read(csv, sizeof(csv) - 1, &form, &cause) == -1)
		fail_msg("%s", cause);
	assert_int_equal(form.cf_layout, CAREFORM_FRONTLINE);
	assert_int_equal(form.cf_guessed, 1);
	assert_null(form.cf_unit);
	assert_int_equal(form.cf_nrows, 1);
	r = form.cf_rows;
	assert_string_equal(r->cr_name, "王伟");
	assert_string_equal(r->cr_gender, "男");
	assert_string_equal(r->cr_category, "医生");
	assert_string_equal(r->cr_post, "医师");
	assert_string_equal(r->cr_phone, "13912345678");
	assert_string_equal(r->cr_family_name, "李娜");
	assert_string_equal(r->cr_family_relation, "妻子");
	assert_string_equal(r->cr_family_phone, "13812345678");
	assert_string_equal(r->cr_liaison, "赵敏");
	assert_string_equal(r->cr_liaison_phone, "13712345678");
	assert_string_equal(r->cr_difficulties, "无");
	assert_string_equal(r->cr_unit, "青岛市市立医院");
	assert_string_equal(r->cr_team, "援鄂医疗队");
	careform_free(&form);
}

/* Files that are no form: refused, saying why. */
static void
test_not_forms(void **state)
{
	static const char nul[] = "姓名,联系方式\n张\0伟,13912345678\n";
	static const char bad[] = "\xff\xff\xff\xfe\x80";
	static const char zip[] = "PK\3\4 not really a zip at all";
	static const char ole[] = "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 nothing";
	struct blob	 b;
	char		*cause, *big;

	(void)state;
	cause = read_fail("", 0);
	assert_non_null(strstr(cause, "empty"));
	free(cause);
	cause = read_fail("\n\n,,,\n", 5);
	assert_non_null(strstr(cause, "no known headings"));
	free(cause);
	cause = read_fail(nul, sizeof(nul) - 1);
	assert_non_null(strstr(cause, "NUL"));
	free(cause);
	cause = read_fail(bad, sizeof(bad) - 1);
	assert_non_null(strstr(cause, "neither UTF-8 nor GB18030"));
	free(cause);
	cause = read_fail(zip, sizeof(zip) - 1);
	assert_non_null(strstr(cause, "not an xlsx"));
	free(cause);
	cause = read_fail(ole, sizeof(ole) - 1);
	assert_non_null(strstr(cause, "not an xls"));
	free(cause);
	/* freexl reads out of bounds on this one: its child process is lost,
	 * or refuses it; the caller just gets a refusal. */
	b = slurp("tests/fuzz/regress/careform_xls/freexl-stack-underflow");
	cause = read_fail(b.b_data, b.b_len);
	assert_true(strstr(cause, "cannot be read") != NULL ||
	    strstr(cause, "not an xls") != NULL);
	free(cause);
	free(b.b_data);
	assert_non_null(big = calloc(1, CAREFORM_MAX_BYTES + 1));
	cause = read_fail(big, CAREFORM_MAX_BYTES + 1);
	assert_non_null(strstr(cause, "more than"));
	free(cause);
	free(big);
}

/* A zip whose sheet inflates past the bound: refused, not inflated. */
static void
test_zip_bomb(void **state)
{
	static const char head[] = "<worksheet><sheetData>";
	static const char book[] =
	    "<workbook><sheets><sheet r:id=\"rId1\"/></sheets></workbook>";
	static const char rels[] = "<Relationships><Relationship Id=\"rId1\" "
	    "Type=\"x/worksheet\" Target=\"worksheets/sheet1.xml\"/>"
	    "</Relationships>";
	zip_source_t	*src;
	zip_t		*z;
	zip_error_t	 err;
	struct blob	 b;
	char		 dir[256], path[300], *sheet, *cause;
	size_t		 n = 140u * 1024 * 1024;

	(void)state;
	assert_int_equal(unit_mkdtemp(dir, sizeof(dir), "careform"), 0);
	snprintf(path, sizeof(path), "%s/bomb.xlsx", dir);
	assert_non_null(sheet = malloc(n));
	memset(sheet, ' ', n);
	memcpy(sheet, head, sizeof(head) - 1);
	zip_error_init(&err);
	assert_non_null(z = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, NULL));
	assert_non_null(src = zip_source_buffer(z, book, strlen(book), 0));
	assert_true(zip_file_add(z, "xl/workbook.xml", src, 0) >= 0);
	assert_non_null(src = zip_source_buffer(z, rels, strlen(rels), 0));
	assert_true(zip_file_add(z, "xl/_rels/workbook.xml.rels", src, 0) >=
	    0);
	assert_non_null(src = zip_source_buffer(z, sheet, n, 0));
	assert_true(zip_file_add(z, "xl/worksheets/sheet1.xml", src, 0) >= 0);
	assert_int_equal(zip_close(z), 0);
	free(sheet);
	b = slurp(path);
	assert_true(b.b_len < CAREFORM_MAX_BYTES);
	cause = read_fail(b.b_data, b.b_len);
	if (strstr(cause, "once unzipped") == NULL)
		fail_msg("%s", cause);
	free(cause);
	free(b.b_data);
	unlink(path);
	rmdir(dir);
}

/* Excel's "Unicode text" (UTF-16, tabs) and a CSV cut by semicolons. */
static void
test_delimiters(void **state)
{
	static const char semi[] = "单位名称：;青岛市中心医院\n"
	    "姓名;在汉联系电话;运营商\n"
	    "张伟;\"139 1234 5678\";中国移动\n";
	static const char utf16[] = "\xff\xfe"
	    "\xd3\x59\x0d\x54\x09\x00\x54\x80\xfb\x7c\xb9\x65"
	    "\x0f\x5f\x0d\x00\x0a\x00"		/* 姓名 TAB 联系方式 */
	    "\x20\x5f\x1f\x4f\x09\x00\x31\x00\x33\x00\x39\x00"
	    "\x31\x00\x32\x00\x33\x00\x34\x00\x35\x00\x36\x00"
	    "\x37\x00\x38\x00\x0d\x00\x0a\x00";	/* 张伟 TAB 139… */
	struct careform	 form;
	char		*cause;

	(void)state;
	if (careform_read(semi, sizeof(semi) - 1, &form, &cause) == -1)
		fail_msg("%s", cause);
	assert_int_equal(form.cf_layout, CAREFORM_IN_HUBEI);
	assert_int_equal(form.cf_nrows, 1);
	assert_string_equal(form.cf_rows[0].cr_hubei_phone, "13912345678");
	assert_string_equal(form.cf_rows[0].cr_carrier, "中国移动");
	/* The label alone, the unit in the next cell. */
	assert_string_equal(form.cf_unit, "青岛市中心医院");
	assert_string_equal(form.cf_rows[0].cr_unit, "青岛市中心医院");
	careform_free(&form);
	if (careform_read(utf16, sizeof(utf16) - 1, &form, &cause) == -1)
		fail_msg("%s", cause);
	assert_int_equal(form.cf_nrows, 1);
	assert_string_equal(form.cf_rows[0].cr_name, "张伟");
	assert_string_equal(form.cf_rows[0].cr_phone, "13912345678");
	careform_free(&form);
}

/* CAREFORM_MAX_ROWS rows are a form; one more is refused. */
static void
test_too_many_rows(void **state)
{
	struct careform	 form;
	char		*csv, *p, *cause;
	size_t		 i, n;

	(void)state;
	assert_non_null(csv = malloc(32 + (CAREFORM_MAX_ROWS + 1) * 24));
	for (n = CAREFORM_MAX_ROWS; n <= CAREFORM_MAX_ROWS + 1; n++) {
		p = csv + sprintf(csv, "姓名,联系方式\n");
		for (i = 0; i < n; i++)
			p += sprintf(p, "张伟,13912345678\n");
		if (n == CAREFORM_MAX_ROWS) {
			if (careform_read(csv, (size_t)(p - csv), &form,
			    &cause) == -1)
				fail_msg("%s", cause);
			assert_int_equal(form.cf_nrows, CAREFORM_MAX_ROWS);
			careform_free(&form);
		} else {
			cause = read_fail(csv, (size_t)(p - csv));
			assert_non_null(strstr(cause, "more than 100000 rows"));
			free(cause);
		}
	}
	free(csv);
}

static void
test_layout_codes(void **state)
{
	(void)state;
	assert_string_equal(careform_layout_code(CAREFORM_AID_TEAM),
	    "aid_team");
	assert_string_equal(careform_layout_code(CAREFORM_FRONTLINE),
	    "frontline");
	assert_string_equal(careform_layout_code(CAREFORM_IN_HUBEI),
	    "in_hubei");
	assert_int_equal(careform_layout_parse("aid_team"), CAREFORM_AID_TEAM);
	assert_int_equal(careform_layout_parse("frontline"),
	    CAREFORM_FRONTLINE);
	assert_int_equal(careform_layout_parse("in_hubei"), CAREFORM_IN_HUBEI);
	assert_int_equal(careform_layout_parse("附件1"), CAREFORM_UNKNOWN);
	assert_int_equal(careform_layout_parse(NULL), CAREFORM_UNKNOWN);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_aid_csv),
		cmocka_unit_test(test_aid_same_everywhere),
		cmocka_unit_test(test_frontline),
		cmocka_unit_test(test_in_hubei),
		cmocka_unit_test(test_merged),
		cmocka_unit_test(test_wrong_headings),
		cmocka_unit_test(test_bad_rows),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_phones),
		cmocka_unit_test(test_headings),
		cmocka_unit_test(test_not_forms),
		cmocka_unit_test(test_zip_bomb),
		cmocka_unit_test(test_delimiters),
		cmocka_unit_test(test_too_many_rows),
		cmocka_unit_test(test_layout_codes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
