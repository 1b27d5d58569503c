/*
 * The follow-up queues: routing a stored call to a queue, claims under a
 * lease, SLA escalation, and the in-memory counts the status listener
 * reads. (Being built: until then there are no queues to count.)
 */
#include "hotlined.h"

/* The current counts, one per configured queue; *out stays valid until
 * the next loop turn. */
size_t
queue_counts(const struct queue_count **out)
{
	*out = NULL;
	return 0;
}
