/*
 * Fuzz the queue_log line parser (pbx_log.c): the input is cut at each
 * newline as the follower and the import cut a file, and every piece is
 * parsed, then the whole input as one line. A parsed event must hold
 * what the parser promises: terminated names of their bounded lengths,
 * a known kind, a time in range, waits and talk times not below -1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"
#include "fuzz.h"

static void
fuzz_check(const char *p, size_t n)
{
	struct pbx_event	 ev;
	char			 err[200];

	if (pbx_log_parse(p, n, &ev, err, sizeof(err)) == -1) {
		if (memchr(err, '\0', sizeof(err)) == NULL || err[0] == '\0')
			abort();
		return;
	}
	if (memchr(ev.pe_call, '\0', sizeof(ev.pe_call)) == NULL ||
	    memchr(ev.pe_queue, '\0', sizeof(ev.pe_queue)) == NULL ||
	    memchr(ev.pe_agent, '\0', sizeof(ev.pe_agent)) == NULL ||
	    memchr(ev.pe_event, '\0', sizeof(ev.pe_event)) == NULL ||
	    memchr(ev.pe_number, '\0', sizeof(ev.pe_number)) == NULL ||
	    ev.pe_call[0] == '\0' || ev.pe_queue[0] == '\0' ||
	    ev.pe_kind > PBX_TRANSFER || ev.pe_at < 946684800 ||
	    ev.pe_wait_s < -1 || ev.pe_talk_s < -1 ||
	    strchr(ev.pe_call, '|') != NULL || strchr(ev.pe_queue, '|') != NULL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*p = (const char *)data, *end = p + size, *nl;

	while (p < end && (nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		fuzz_check(p, (size_t)(nl - p + 1));
		p = nl + 1;
	}
	if (p < end)
		fuzz_check(p, (size_t)(end - p));
	fuzz_check((const char *)data, size);
	return 0;
}
