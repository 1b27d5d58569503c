/*
 * Time: RFC 3339 parsing and formatting, calendar dates in the configured
 * timezone. The store keeps UTC seconds; people see local time.
 */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "hotlined.h"

static int
clock_digits(const char *s, int n, int *out)
{
	int	 v = 0, i;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static int
clock_days_in_month(int y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return days[m - 1];
}

/* Parse "YYYY-MM-DD" at s into tm; 0 or -1. */
static int
clock_ymd(const char *s, struct tm *tm)
{
	int	 y, m, d;

	if (clock_digits(s, 4, &y) == -1 || s[4] != '-' ||
	    clock_digits(s + 5, 2, &m) == -1 || s[7] != '-' ||
	    clock_digits(s + 8, 2, &d) == -1)
		return -1;
	if (y < 1970 || m < 1 || m > 12 || d < 1 ||
	    d > clock_days_in_month(y, m))
		return -1;
	memset(tm, 0, sizeof(*tm));
	tm->tm_year = y - 1900;
	tm->tm_mon = m - 1;
	tm->tm_mday = d;
	return 0;
}

/* Parse the zone suffix ("Z", "+08:00", "-0330") into seconds east. */
static int
clock_zone(const char *s, long *off)
{
	int	 hh, mm, sign;

	if ((s[0] == 'Z' || s[0] == 'z') && s[1] == '\0') {
		*off = 0;
		return 0;
	}
	if (s[0] != '+' && s[0] != '-')
		return -1;
	sign = s[0] == '-' ? -1 : 1;
	if (clock_digits(s + 1, 2, &hh) == -1)
		return -1;
	s += 3;
	if (*s == ':')
		s++;
	if (clock_digits(s, 2, &mm) == -1 || s[2] != '\0')
		return -1;
	if (hh > 23 || mm > 59)
		return -1;
	*off = sign * (hh * 3600L + mm * 60L);
	return 0;
}

/* Parse an RFC 3339 time with a zone ("2020-02-17T01:30:00+08:00"). */
int
clock_parse(const char *s, int64_t *out)
{
	struct tm	 tm;
	int		 hh, mi, ss;
	long		 off;
	time_t		 t;

	if (strlen(s) < 20 || clock_ymd(s, &tm) == -1)
		return -1;
	if ((s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    clock_digits(s + 11, 2, &hh) == -1 || s[13] != ':' ||
	    clock_digits(s + 14, 2, &mi) == -1 || s[16] != ':' ||
	    clock_digits(s + 17, 2, &ss) == -1)
		return -1;
	if (hh > 23 || mi > 59 || ss > 60)
		return -1;
	s += 19;
	if (*s == '.') {	/* fractions of a second are dropped */
		s++;
		if (!isdigit((unsigned char)*s))
			return -1;
		while (isdigit((unsigned char)*s))
			s++;
	}
	if (clock_zone(s, &off) == -1)
		return -1;
	tm.tm_hour = hh;
	tm.tm_min = mi;
	tm.tm_sec = ss > 59 ? 59 : ss;
	if ((t = timegm(&tm)) == (time_t)-1)
		return -1;
	*out = (int64_t)t - off;
	return 0;
}

/* Parse "YYYY-MM-DD": its start and the next day's start, local time. */
int
clock_parse_date(const char *s, int64_t *start, int64_t *end)
{
	struct tm	 tm, next;

	if (strlen(s) != 10 || clock_ymd(s, &tm) == -1)
		return -1;
	next = tm;
	next.tm_mday++;
	tm.tm_isdst = next.tm_isdst = -1;
	*start = (int64_t)mktime(&tm);
	*end = (int64_t)mktime(&next);
	return 0;
}

/* Format t as RFC 3339 in the configured timezone. */
void
clock_format(int64_t t, char *buf, size_t len)
{
	struct tm	 tm;
	time_t		 tt = (time_t)t;
	long		 off;
	char		 base[32];

	if (localtime_r(&tt, &tm) == NULL) {
		snprintf(buf, len, "1970-01-01T00:00:00Z");
		return;
	}
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	off = tm.tm_gmtoff;
	if (off == 0) {
		snprintf(buf, len, "%sZ", base);
		return;
	}
	snprintf(buf, len, "%s%c%02ld:%02ld", base, off < 0 ? '-' : '+',
	    labs(off) / 3600, (labs(off) % 3600) / 60);
}

/* 0 when a zone of that name is installed, else -1. */
int
clock_zone_exists(const char *name)
{
	char		 path[PATH_MAX];
	const char	*dir;
	struct stat	 st;
	FILE		*f;
	char		 magic[4];
	size_t		 n;

	if (name[0] == '\0' || name[0] == '/' || strstr(name, "..") != NULL)
		return -1;
	if ((dir = getenv("TZDIR")) == NULL)
		dir = "/usr/share/zoneinfo";
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path) || stat(path, &st) == -1 || !S_ISREG(st.st_mode))
		return -1;
	/* zone.tab and friends live there too: a zone file says TZif. */
	if ((f = fopen(path, "rb")) == NULL)
		return -1;
	n = fread(magic, 1, sizeof(magic), f);
	fclose(f);
	return n == sizeof(magic) && memcmp(magic, "TZif", 4) == 0 ? 0 : -1;
}

/* Make name the process's timezone; -1 when no such zone exists. */
int
clock_set_timezone(const char *name)
{
	if (clock_zone_exists(name) == -1 || setenv("TZ", name, 1) == -1)
		return -1;
	tzset();
	return 0;
}

int64_t
clock_now(void)
{
	return (int64_t)time(NULL);
}

/* The local start of the bucket holding t (see clock_buckets). */
static int64_t
clock_floor(int64_t t, enum clock_unit unit, struct tm *tm)
{
	time_t	 tt = (time_t)t;

	localtime_r(&tt, tm);
	tm->tm_sec = tm->tm_min = 0;
	if (unit != CLOCK_HOUR)
		tm->tm_hour = 0;
	if (unit == CLOCK_WEEK)
		tm->tm_mday -= (tm->tm_wday + 6) % 7;	/* back to Monday */
	if (unit == CLOCK_MONTH)
		tm->tm_mday = 1;
	tm->tm_isdst = -1;
	return (int64_t)mktime(tm);
}

/*
 * Move one unit on from t (whose local time is tm) and return that start.
 * An hour is 3600 seconds, so the hour the clocks go back is two buckets;
 * days, weeks and months follow the calendar (a day may be 23 or 25 h).
 */
static int64_t
clock_step(struct tm *tm, enum clock_unit unit, int64_t t)
{
	switch (unit) {
	case CLOCK_HOUR:
		return t + 3600;
	case CLOCK_DAY:
		tm->tm_mday++;
		break;
	case CLOCK_WEEK:
		tm->tm_mday += 7;
		break;
	case CLOCK_MONTH:
		tm->tm_mon++;
		break;
	}
	tm->tm_isdst = -1;
	return (int64_t)mktime(tm);
}

/* The label of the bucket starting at t: "2020-02-17 01:00", ... */
void
clock_bucket_label(int64_t t, enum clock_unit unit, char *buf, size_t len)
{
	static const char *const fmt[] = { [CLOCK_HOUR] = "%Y-%m-%d %H:00",
	    [CLOCK_DAY] = "%Y-%m-%d", [CLOCK_WEEK] = "%G-W%V",
	    [CLOCK_MONTH] = "%Y-%m" };
	struct tm	 tm;
	time_t		 tt = (time_t)t;

	localtime_r(&tt, &tm);
	strftime(buf, len, fmt[unit], &tm);
}

/*
 * The local hours, days, ISO weeks (from Monday) or months that cover
 * [from, to), as n + 1 boundaries into *out (caller frees), the first
 * and last cut to from and to. -1 when more than max would be needed.
 */
int
clock_buckets(int64_t from, int64_t to, enum clock_unit unit, size_t max,
    int64_t **out, size_t *n)
{
	struct tm	 tm;
	int64_t		*v, *nv, t;
	size_t		 k = 0, cap = 64;

	*out = NULL;
	*n = 0;
	/* Grown as needed: max may be far more than the range needs. */
	if ((v = reallocarray(NULL, cap, sizeof(*v))) == NULL)
		return -1;
	v[k++] = from;
	t = clock_floor(from, unit, &tm);
	while ((t = clock_step(&tm, unit, t)) < to) {
		if (k > max)
			goto fail;
		if (t <= v[k - 1])
			continue;
		if (k + 1 == cap) {
			if ((nv = reallocarray(v, cap * 2, sizeof(*v))) == NULL)
				goto fail;
			v = nv;
			cap *= 2;
		}
		v[k++] = t;
	}
	if (k > max)
		goto fail;
	v[k++] = to;
	*out = v;
	*n = k - 1;
	return 0;
fail:
	free(v);
	return -1;
}

/* Microseconds on the monotonic clock: for intervals, never dates. */
int64_t
clock_mono_usec(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Milliseconds on the monotonic clock. */
int64_t
clock_mono_ms(void)
{
	return clock_mono_usec() / 1000;
}
