/*
 * Diagnostics on stderr, all prefixed "hotline: " so they can be told from
 * the output a script reads on stdout.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

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

/*
 * gettext's pgettext: id translated in context ctx, for an English word
 * that stands for two things ("callback": a time, and a kind of queue
 * item); id itself when there is no translation.
 */
const char *
msg_ctx(const char *ctx, const char *id)
{
	char		 key[256];
	const char	*t;

	if ((size_t)snprintf(key, sizeof key, "%s\004%s", ctx, id) >=
	    sizeof key)
		return id;
	t = gettext(key);
	return t == key ? id : t;
}

/*
 * The words of code among the n in words, in the reader's language (in
 * context ctx, or none when NULL); the code itself when not among them,
 * "?" when there is none.
 */
const char *
msg_word(const struct msg_word *words, size_t n, const char *ctx,
    const char *code)
{
	size_t	 i;

	if (code == NULL)
		return "?";
	for (i = 0; i < n; i++)
		if (strcmp(words[i].code, code) == 0)
			return ctx != NULL ? msg_ctx(ctx, words[i].word) :
			    _(words[i].word);
	return code;
}
