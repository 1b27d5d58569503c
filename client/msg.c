/*
 * Diagnostics on stderr, all prefixed "hotline: " so they can be told from
 * the output a script reads on stdout.
 */
#include <stdarg.h>
#include <stdio.h>

#include "hotline.h"

static void
msg_vprint(const char *prefix, const char *fmt, va_list ap)
{
	fprintf(stderr, "hotline: %s", prefix);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

/* An error: the caller goes on to exit 1. */
void
msg_error(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	msg_vprint("", fmt, ap);
	va_end(ap);
}

/* Something worth knowing that is not a failure. */
void
msg_note(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	msg_vprint(_("note: "), fmt, ap);
	va_end(ap);
}

/* A usage error in command cmd (NULL: the global options); returns 2. */
int
msg_usage(const char *cmd, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	msg_vprint("", fmt, ap);
	va_end(ap);
	if (cmd != NULL)
		fprintf(stderr, _("Try 'hotline help %s' for more "
		    "information.\n"), cmd);
	else
		fputs(_("Try 'hotline --help' for more information.\n"),
		    stderr);
	return EXIT_USAGE;
}
