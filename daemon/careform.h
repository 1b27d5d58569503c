/*
 * The union's care-register forms, read and written (base layer):
 * 附件1 the aid-team members' contact form, 附件2 the front-line staff
 * contact form, 附件3 the aid-team members' contacts while in Hubei.
 *
 * careform_read() takes a file's bytes as a unit sent them (.xlsx,
 * .xls or CSV in UTF-8, with or without a byte-order mark, or GB18030),
 * finds the layout by its headings and gives one row per person with
 * the cells trimmed and in UTF-8. It checks what needs no configuration
 * (a name present, a phone that is one); the caller checks codes
 * against the config (category, team) and matches people.
 * careform_write() writes rows back in the same layouts.
 */
#ifndef CAREFORM_H
#define CAREFORM_H

#include <stddef.h>

enum careform_layout {
	CAREFORM_UNKNOWN = 0,
	CAREFORM_AID_TEAM = 1,		/* 附件1 */
	CAREFORM_FRONTLINE = 2,		/* 附件2 */
	CAREFORM_IN_HUBEI = 3		/* 附件3 */
};

enum careform_format {
	CAREFORM_CSV = 1,		/* UTF-8 with a byte-order mark */
	CAREFORM_XLSX
};

/*
 * One person as a form gives them. Every string is UTF-8, trimmed,
 * NUL-terminated, or NULL when the form has no such column or the cell
 * was empty. Cells are as written (a category is the form's words, such
 * as 医生 or 护士, not a code).
 */
struct careform_row {
	int	 cr_line;		/* as a spreadsheet numbers it, from 1 */
	char	*cr_name;		/* 职工姓名 / 姓名 */
	char	*cr_gender;		/* 性别 */
	char	*cr_category;		/* 人员类别 */
	char	*cr_post;		/* 职务职称 */
	char	*cr_phone;		/* 联系方式 */
	char	*cr_family_name;	/* 家属姓名 */
	char	*cr_family_relation;	/* 与本人关系, when the form has it */
	char	*cr_family_phone;	/* 家属联系方式 */
	char	*cr_liaison;		/* 工会联系人姓名 */
	char	*cr_liaison_phone;	/* 工会联系人联系方式, when present */
	char	*cr_difficulties;	/* 存在困难 */
	char	*cr_unit;		/* 单位: the column, or the title's */
	char	*cr_team;		/* 所在队伍 / 医疗队, when present */
	char	*cr_hubei_phone;	/* 在汉联系电话 (附件3) */
	char	*cr_carrier;		/* 运营商 (附件3) */
};

/* A problem with one row (cr_line) or, at line 0, with the whole file. */
struct careform_problem {
	int	 cp_line;
	char	*cp_column;		/* the heading as the form spells it, or NULL */
	char	*cp_problem;		/* English, for the API; names the value */
};

struct careform {
	enum careform_layout	 cf_layout;
	int			 cf_guessed;	/* no title named 附件1 or 2 */
	char			*cf_unit;	/* from a title line such as 单位：…, or NULL */
	struct careform_row	*cf_rows;
	size_t			 cf_nrows;
	struct careform_problem	*cf_problems;
	size_t			 cf_nproblems;
};

/*
 * Reads LEN bytes; the format is found from the bytes (a zip is xlsx,
 * an OLE2 compound file is xls, anything else CSV), never from a name.
 * An xls is parsed in a child process (fork; careform_xls.c says why).
 * A phone that is one comes back as the register keeps it: a mobile as
 * its 11 digits, a fixed line as 0532-85669120 (转 and an extension
 * after it); one that is not stays as written, with a problem.
 * Returns 0 and fills *FORM, whose problems list every bad row (the
 * caller refuses the whole file when there is any); -1 when the file
 * cannot be read at all (not a spreadsheet, no known headings, too
 * large), with *CAUSE set (English, to be freed). Rows that are wholly
 * empty are skipped; a cell merged over several rows gives its value to
 * each of them.
 */
int	 careform_read(const void *buf, size_t len, struct careform *form,
	    char **cause);
void	 careform_free(struct careform *);

/* The longest file careform_read() takes, and the most rows. */
#define CAREFORM_MAX_BYTES	(16u * 1024 * 1024)
#define CAREFORM_MAX_ROWS	100000

/*
 * A phone number as the forms take one (a mainland mobile, +86 and
 * separators allowed; a fixed line with its area code), into OUT as the
 * register keeps it (13912345678, 0532-85669120): for a phone that comes
 * by another way than a form (the API). -1 when S is no such number.
 */
int	 careform_phone_check(const char *s, char *out, size_t len);

/* The layout's code ("aid_team", "frontline", "in_hubei") and back. */
const char *careform_layout_code(enum careform_layout);
enum careform_layout careform_layout_parse(const char *);

/*
 * Writes ROWS in LAYOUT's columns with its Chinese headings to the open
 * file FD (a pipe will do), as CSV (UTF-8 with a byte-order mark) or
 * xlsx: the form's name on the first line, then "单位：TITLE" when TITLE
 * (the unit) is not NULL, then the headings and a line per row. A 单位
 * column is added when a row's unit is not TITLE (a consolidated
 * register), a 所在队伍 column when a row has a team; careform_read()
 * reads it all back. The xlsx is made in a private directory under
 * $TMPDIR, then copied to FD. Returns 0, or -1 with *CAUSE set.
 */
int	 careform_write(int fd, enum careform_format, enum careform_layout,
	    const char *title, const struct careform_row *rows, size_t nrows,
	    char **cause);

#endif /* CAREFORM_H */
