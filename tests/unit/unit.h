/*
 * Shared by the unit tests: cmocka, the project header, a loader for
 * conf/dev.conf (tests run from the top of the source tree) and a private
 * temporary directory, so tests never touch each other's files.
 */
#ifndef UNIT_H
#define UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "hotlined.h"

#define DEV_CONF	"conf/dev.conf"
#define UNIT_ZONE	"Asia/Shanghai"

/* conf/dev.conf, with the process timezone set from it. */
static inline struct config *
unit_dev_config(void)
{
	struct config	*cf;
	char		*cause = NULL;

	cf = config_load(DEV_CONF, &cause);
	if (cf == NULL)
		fail_msg("%s: %s", DEV_CONF, cause);
	if (clock_set_timezone(cf->cf_timezone) == -1)
		fail_msg("cannot set timezone %s", cf->cf_timezone);
	return cf;
}

/* Make a fresh directory under $TMPDIR (or the system's) into buf. */
static inline int
unit_mkdtemp(char *buf, size_t len, const char *prefix)
{
	const char	*base = getenv("TMPDIR");

	if (base == NULL || *base == '\0')
		base = P_tmpdir;
	if ((size_t)snprintf(buf, len, "%s/%s-XXXXXX", base, prefix) >= len)
		return -1;
	return mkdtemp(buf) == NULL ? -1 : 0;
}

/* A call with every field a client may send: shared fixture. */
#define FULL	"{\"line\":\"9120\"," \
	"\"started_at\":\"2020-02-17T01:30:00+08:00\"," \
	"\"duration_s\":1260,\"call_type\":\"info\"," \
	"\"caller_type\":\"aid_team\",\"gender\":\"f\"," \
	"\"age_band\":\"30-39\"," \
	"\"topics\":[\"infection_fear\",\"sleep\",\"family\"]," \
	"\"risk\":\"high\",\"outcome\":\"callback\"," \
	"\"callback_at\":\"2020-02-18T10:00:00+08:00\"," \
	"\"notes\":\"援鄂归来，隔离期间失眠，担心家人。\",\"consent\":true," \
	"\"caller_name\":\"张女士\",\"caller_contact\":\"微信 zhang_2020\"," \
	"\"caller_number\":\"+86 138-0000-1234\"," \
	"\"risk_assessment\":{\"desire\":\"yes\",\"capability\":\"no\"," \
	"\"intent\":\"unknown\",\"buffers\":\"yes\"}," \
	"\"emergency_contacted\":true}"

#endif
