/*
 * Allocation that cannot fail: a short-lived CLI has nothing better to do
 * when memory runs out than say so and stop.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hotline.h"

static void
xmalloc_die(void)
{
	fputs(_("hotline: out of memory\n"), stderr);
	exit(EXIT_ERROR);
}

void *
xmalloc(size_t size)
{
	void	*p;

	if ((p = malloc(size == 0 ? 1 : size)) == NULL)
		xmalloc_die();
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void	*p;

	if ((p = calloc(n == 0 ? 1 : n, size == 0 ? 1 : size)) == NULL)
		xmalloc_die();
	return p;
}

void *
xreallocarray(void *p, size_t n, size_t size)
{
	void	*q;

	if (size != 0 && n > SIZE_MAX / size)
		xmalloc_die();
	if ((q = realloc(p, n * size == 0 ? 1 : n * size)) == NULL)
		xmalloc_die();
	return q;
}

char *
xstrdup(const char *s)
{
	char	*p;

	if ((p = strdup(s)) == NULL)
		xmalloc_die();
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list	 ap;
	char	*s;
	int	 n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n == -1)
		xmalloc_die();
	return s;
}
