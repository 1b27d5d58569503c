/*
 * The care group of hotlined.conf: the care register's teams, the
 * categories of difficulty and of staff, how often each person is
 * contacted and when the care ends for everyone; and the calendar days
 * the register counts in (a local date as a day number).
 *
 *   care = {
 *     every_days = 7;
 *     end_date = "2020-06-30";
 *     teams = ( { code = "aid_hubei"; name = "援鄂医疗队"; }, ... );
 *     difficulties = ( { code = "childcare"; name = "子女照护"; }, ... );
 *     staff_categories = ( { code = "doctor"; name = "医生"; }, ... );
 *   };
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config_int.h"

#define CARE_EVERY_MAX	366

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t
config_care_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t		 era;
	unsigned	 yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* "YYYY-MM-DD", a real date, as a day number. -1: not one. */
int
config_care_day_parse(const char *s, int64_t *day)
{
	static const unsigned mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31,
	    30, 31, 30, 31 };
	unsigned	 y, m, d;
	int		 i;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return -1;
	y = (unsigned)atoi(s);
	m = (unsigned)atoi(s + 5);
	d = (unsigned)atoi(s + 8);
	if (y < 1970 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1] ||
	    (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 ||
	    y % 400 == 0))))
		return -1;
	*day = config_care_civil(y, m, d);
	return 0;
}

/* A day number as "YYYY-MM-DD". */
void
config_care_day_format(int64_t day, char *buf, size_t len)
{
	int64_t		 z = day + 719468, era, y;
	unsigned	 doe, yoe, doy, mp, d, m;

	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = (int64_t)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	snprintf(buf, len, "%04lld-%02u-%02u", (long long)(y + (m <= 2)), m,
	    d);
}

/* The local day (the configured timezone) that UTC second t falls in. */
int64_t
config_care_day_of(int64_t t)
{
	struct tm	 tm;
	time_t		 tt = (time_t)t;

	if (localtime_r(&tt, &tm) == NULL)
		return t / 86400;
	return config_care_civil(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

/* The UTC second at which local day begins. */
int64_t
config_care_day_start(int64_t day)
{
	char		 buf[CARE_DATE_LEN];
	struct tm	 tm;

	config_care_day_format(day, buf, sizeof(buf));
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = atoi(buf) - 1900;
	tm.tm_mon = atoi(buf + 5) - 1;
	tm.tm_mday = atoi(buf + 8);
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm);
}

/* An entry of one of the care lists by its code or its (Chinese) name. */
const struct code_name *
config_care_code(const struct code_list *cl, const char *s)
{
	size_t	 i;

	for (i = 0; i < cl->cl_n; i++)
		if (strcmp(cl->cl_v[i].cn_code, s) == 0 ||
		    strcmp(cl->cl_v[i].cn_name, s) == 0)
			return &cl->cl_v[i];
	return NULL;
}

int
ld_care(struct loader *ld, const config_setting_t *root, struct config *cf)
{
	static const char *const known[] = { "every_days", "end_date",
	    "teams", "difficulties", "staff_categories", NULL };
	struct care_conf	*cc = &cf->cf_care;
	config_setting_t	*g;
	char			*end = NULL;
	int64_t			 day;

	cc->cc_every_days = 7;
	if (ld_group(ld, root, "care", &g) == -1)
		return -1;
	if (g == NULL)
		return 0;
	if (ld_known(ld, g, "care", known) == -1 ||
	    ld_long(ld, g, "care", "every_days", 7, 1, CARE_EVERY_MAX,
	    &cc->cc_every_days) == -1 ||
	    ld_string(ld, g, "care", "end_date", "", &end) == -1)
		goto fail;
	if (*end != '\0' && config_care_day_parse(end, &day) == -1) {
		ld_error(ld, config_setting_get_member(g, "end_date"),
		    "care.end_date", "\"%s\" is not a date YYYY-MM-DD", end);
		goto fail;
	}
	snprintf(cc->cc_end_date, sizeof(cc->cc_end_date), "%s", end);
	free(end);
	return ld_codes_with(ld, g, "teams", &cc->cc_teams, (const char *const
	    []){ "code", "name", NULL }) == -1 ||
	    ld_codes_with(ld, g, "difficulties", &cc->cc_difficulties,
	    (const char *const []){ "code", "name", NULL }) == -1 ||
	    ld_codes_with(ld, g, "staff_categories", &cc->cc_categories,
	    (const char *const []){ "code", "name", NULL }) == -1 ? -1 : 0;
fail:
	free(end);
	return -1;
}

void
config_care_free(struct care_conf *cc)
{
	config_free_codes(&cc->cc_teams);
	config_free_codes(&cc->cc_difficulties);
	config_free_codes(&cc->cc_categories);
}
