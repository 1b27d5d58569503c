/*
 * Durations ("720", "12m", "1h5m", "90s") and times (RFC 3339 with an
 * offset, or "YYYY-MM-DD HH:MM" / "HH:MM" in the current TZ, which the
 * commands set to the server's timezone first).
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hotline.h"

/* Far beyond any call (the server allows 86400 s); keeps sums from overflowing. */
#define DURATION_PART_MAX	10000000L

/*
 * Read exactly n digits. Not strtol: that would take a sign, blanks and
 * any width, and "2020-2-7" must not pass as a date.
 */
static const char *
timeparse_digits(const char *p, int n, int *out)
{
	int	i, v = 0;

	if (p == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)p[i]))
			return NULL;
		v = v * 10 + (p[i] - '0');
	}
	*out = v;
	return p + n;
}

static const char *
timeparse_expect(const char *p, const char *chars)
{
	if (p == NULL || *p == '\0' || strchr(chars, *p) == NULL)
		return NULL;
	return p + 1;
}

/* Parse "YYYY-MM-DD" into tm. */
static const char *
timeparse_date(const char *p, struct tm *tm)
{
	int	y, m, d;

	p = timeparse_digits(p, 4, &y);
	p = timeparse_expect(p, "-");
	p = timeparse_digits(p, 2, &m);
	p = timeparse_expect(p, "-");
	p = timeparse_digits(p, 2, &d);
	if (p == NULL || m < 1 || m > 12 || d < 1 || d > 31)
		return NULL;
	tm->tm_year = y - 1900;
	tm->tm_mon = m - 1;
	tm->tm_mday = d;
	return p;
}

/* Parse "HH:MM[:SS[.frac]]" into tm; a fraction is dropped. */
static const char *
timeparse_clock(const char *p, struct tm *tm)
{
	int	h, m, s = 0;

	p = timeparse_digits(p, 2, &h);
	p = timeparse_expect(p, ":");
	p = timeparse_digits(p, 2, &m);
	if (p != NULL && *p == ':') {
		p = timeparse_digits(p + 1, 2, &s);
		if (p != NULL && *p == '.' && isdigit((unsigned char)p[1]))
			for (p++; isdigit((unsigned char)*p); p++)
				;
	}
	if (p == NULL || h > 23 || m > 59 || s > 60)
		return NULL;
	tm->tm_hour = h;
	tm->tm_min = m;
	tm->tm_sec = s == 60 ? 59 : s;	/* a leap second: close enough */
	return p;
}

/* Parse "Z" or "+HH:MM" / "-HH:MM" into seconds east of UTC. */
static const char *
timeparse_offset(const char *p, long *off)
{
	int	h, m, sign;

	if (p != NULL && (*p == 'Z' || *p == 'z')) {
		*off = 0;
		return p + 1;
	}
	if (p == NULL || (*p != '+' && *p != '-'))
		return NULL;
	sign = *p == '-' ? -1 : 1;
	p = timeparse_digits(p + 1, 2, &h);
	p = timeparse_expect(p, ":");
	p = timeparse_digits(p, 2, &m);
	if (p == NULL || h > 23 || m > 59)
		return NULL;
	*off = sign * (h * 3600L + m * 60L);
	return p;
}

/* Whether normalising tm (by timegm or mktime) left the fields as given. */
static int
timeparse_same_day_and_clock(const struct tm *a, const struct tm *b)
{
	return a->tm_year == b->tm_year && a->tm_mon == b->tm_mon &&
	    a->tm_mday == b->tm_mday && a->tm_hour == b->tm_hour &&
	    a->tm_min == b->tm_min;
}

/* RFC 3339 with an offset: the one form that needs no timezone. */
static int
timeparse_zoned(const char *s, time_t *t)
{
	struct tm	 tm, check;
	const char	*p;
	long		 off;
	time_t		 utc;

	memset(&tm, 0, sizeof tm);
	p = timeparse_date(s, &tm);
	p = timeparse_expect(p, "Tt ");
	p = timeparse_clock(p, &tm);
	p = timeparse_offset(p, &off);
	if (p == NULL || *p != '\0')
		return -1;
	check = tm;
	if ((utc = timegm(&tm)) == (time_t)-1 ||
	    !timeparse_same_day_and_clock(&tm, &check))
		return -1;
	*t = utc - off;
	return 0;
}

int
timeparse_is_zoned(const char *s)
{
	time_t	t;

	return timeparse_zoned(s, &t) == 0;
}

int
timeparse_is_date(const char *s)
{
	struct tm	 tm;
	const char	*p;

	memset(&tm, 0, sizeof tm);
	p = timeparse_date(s, &tm);
	return p != NULL && *p == '\0';
}

/* "YYYY-MM-DD HH:MM" or "HH:MM" (today), in the current TZ. */
static int
timeparse_wall(const char *s, time_t *t)
{
	struct tm	 tm, check;
	const char	*p;
	time_t		 now = time(NULL);

	localtime_r(&now, &tm);
	if ((p = timeparse_date(s, &tm)) != NULL)
		p = timeparse_expect(p, "Tt ");
	else
		p = s;
	p = timeparse_clock(p, &tm);
	if (p == NULL || *p != '\0')
		return -1;
	tm.tm_isdst = -1;
	check = tm;
	/* A date past the month's end, or a clock time skipped by DST. */
	if ((*t = mktime(&tm)) == (time_t)-1 ||
	    !timeparse_same_day_and_clock(&tm, &check))
		return -1;
	return 0;
}

/* Parse a time as an operator types it; -1 if it is not one. */
int
timeparse_time(const char *s, time_t *t)
{
	if (timeparse_zoned(s, t) == 0)
		return 0;
	return timeparse_wall(s, t);
}

/* Format t as RFC 3339 in the current TZ, e.g. 2020-02-17T01:30:00+08:00. */
void
timeparse_rfc3339(time_t t, char *buf, size_t len)
{
	struct tm	tm;
	char		date[24];
	long		off;

	localtime_r(&t, &tm);
	strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
	off = tm.tm_gmtoff;
	snprintf(buf, len, "%s%c%02ld:%02ld", date, off < 0 ? '-' : '+',
	    labs(off) / 3600, labs(off) % 3600 / 60);
}

/*
 * Show a server time (RFC 3339) with strftime format fmt in the current TZ;
 * a time that does not parse is shown as sent. Returns -1 then.
 */
int
timeparse_local(const char *s, const char *fmt, char *buf, size_t len)
{
	struct tm	tm;
	time_t		t;

	if (timeparse_zoned(s, &t) == -1) {
		snprintf(buf, len, "%s", s);
		return -1;
	}
	localtime_r(&t, &tm);
	if (strftime(buf, len, fmt, &tm) == 0 && len > 0)
		buf[0] = '\0';
	return 0;
}

/* Today's date, YYYY-MM-DD, in the current TZ. */
void
timeparse_today(char *buf, size_t len)
{
	struct tm	tm;
	time_t		now = time(NULL);

	localtime_r(&now, &tm);
	strftime(buf, len, "%Y-%m-%d", &tm);
}

/* Read one "<number><unit>" of a duration; units must come h, m, s. */
static const char *
timeparse_duration_part(const char *p, const char **units, long *total)
{
	const char	*u;
	char		*end;
	long		 v;

	if (!isdigit((unsigned char)*p))
		return NULL;
	errno = 0;
	v = strtol(p, &end, 10);
	if (errno != 0 || v > DURATION_PART_MAX || *end == '\0' ||
	    (u = strchr(*units, *end)) == NULL)
		return NULL;
	*units = u + 1;
	*total += v * (*u == 'h' ? 3600 : *u == 'm' ? 60 : 1);
	return end + 1;
}

/* Parse 720 (seconds), 90s, 12m, 1h, 1h5m, 1h5m30s into seconds. */
int
timeparse_duration(const char *s, long *out)
{
	const char	*units = "hms";
	char		*end;
	long		 total = 0;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	total = strtol(s, &end, 10);
	if (*end == '\0') {
		if (errno != 0 || total > DURATION_PART_MAX)
			return -1;
		*out = total;
		return 0;
	}
	total = 0;
	while (*s != '\0')
		if ((s = timeparse_duration_part(s, &units, &total)) == NULL)
			return -1;
	*out = total;
	return 0;
}

/* The short form of a duration: 720 -> "12m", 3900 -> "1h5m". */
char *
timeparse_duration_text(long secs)
{
	long	h = secs / 3600, m = secs % 3600 / 60, s = secs % 60;

	if (secs <= 0)
		return xasprintf("%lds", secs);
	/* A precision of 0 prints nothing for 0: "1h" rather than "1h0m0s". */
	return xasprintf("%.0ld%s%.0ld%s%.0ld%s", h, h ? "h" : "", m,
	    m ? "m" : "", s, s ? "s" : "");
}
