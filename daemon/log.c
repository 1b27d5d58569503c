/*
 * Logging: syslog(3) in service, also stderr when started with -f.
 * The shape of OpenSMTPD's log.c; never log personal data.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "hotlined.h"

static int log_stderr;	/* -f: copy every line to stderr, show debug */

static void log_vwrite(int, const char *, va_list)
    __attribute__((format(printf, 2, 0)));
static void log_vwrite_errno(int, const char *, va_list)
    __attribute__((format(printf, 2, 0)));

/* Open syslog with the daemon's name and pid. */
void
log_init(int debug, int facility)
{
	log_stderr = debug;
	openlog("hotlined", LOG_PID | LOG_NDELAY, facility);
}

/* Reopen syslog with the facility a config names. */
void
log_setfacility(int facility)
{
	closelog();
	openlog("hotlined", LOG_PID | LOG_NDELAY, facility);
}

static void
log_vwrite(int pri, const char *fmt, va_list ap)
{
	int	 saved = errno;
	va_list	 ap2;

	if (pri == LOG_DEBUG && !log_stderr) {
		errno = saved;
		return;
	}
	if (log_stderr) {
		va_copy(ap2, ap);
		fputs("hotlined: ", stderr);
		vfprintf(stderr, fmt, ap2);
		fputc('\n', stderr);
		fflush(stderr);
		va_end(ap2);
	}
	vsyslog(pri, fmt, ap);
	errno = saved;
}

/* Like log_vwrite, with ": strerror(errno)" appended. */
static void
log_vwrite_errno(int pri, const char *fmt, va_list ap)
{
	char	 buf[1024];
	int	 saved = errno;

	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (log_stderr) {
		fprintf(stderr, "hotlined: %s: %s\n", buf, strerror(saved));
		fflush(stderr);
	}
	syslog(pri, "%s: %s", buf, strerror(saved));
	errno = saved;
}

void
log_warn(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vwrite_errno(LOG_WARNING, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vwrite(LOG_WARNING, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vwrite(LOG_INFO, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vwrite(LOG_DEBUG, fmt, ap);
	va_end(ap);
}

/* Something a person must act on now (an SLA missed): LOG_ALERT. */
void
log_alert(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vwrite(LOG_ALERT, fmt, ap);
	va_end(ap);
}

/*
 * A row of the audit trail: to the authpriv facility whatever the
 * configured one, as the trail says who read which record.
 */
void
log_audit(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vwrite(LOG_AUTHPRIV | LOG_NOTICE, fmt, ap);
	va_end(ap);
}

/*
 * Authentication trouble (failed tokens, a peer blocked): LOG_AUTHPRIV,
 * whatever facility the config names, where a site keeps such records.
 * Never a token.
 */
void
log_auth(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vwrite(LOG_AUTHPRIV | LOG_NOTICE, fmt, ap);
	va_end(ap);
}

/* Log at LOG_CRIT with errno and exit: start-up only. */
void
fatal(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vwrite_errno(LOG_CRIT, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vwrite(LOG_CRIT, fmt, ap);
	va_end(ap);
	exit(1);
}
