/*
 * Shared by the unit tests: cmocka, the project header, and helpers to
 * load conf/dev.conf (tests run from the top of the source tree).
 */
#ifndef UNIT_H
#define UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "hotlined.h"

#define DEV_CONF	"conf/dev.conf"

static inline struct config *
unit_dev_config(void)
{
	struct config	*cf;
	char		*cause = NULL;

	cf = config_load(DEV_CONF, &cause);
	if (cf == NULL)
		fail_msg("%s", cause);
	clock_set_timezone(cf->cf_timezone);
	return cf;
}

#endif
