/*
 * The batch layer: the group commit. Work is queued as jobs; at the end
 * of the loop turn the pump takes the write lock without waiting (BEGIN
 * IMMEDIATE), runs every job in the one transaction, commits once, and
 * only then lets out what the jobs asked to say (batch_after), or tells
 * them the commit failed. It also knows whether the store takes writes
 * (a full disk, an I/O error) and probes it until it does again. Nothing
 * here knows HTTP: the API and the daemon's own jobs (retention) queue
 * their work alike.
 */
#ifndef HOTLINED_BATCH_H
#define HOTLINED_BATCH_H

#include <sys/queue.h>

#include "status.h"

/*
 * A job, embedded in its owner's struct. Exactly one of bj_run (in the
 * transaction) or bj_fail (never ran: why, in words) is called, and it
 * frees the job.
 */
struct batch_job {
	TAILQ_ENTRY(batch_job)	 bj_entry;
	int64_t			 bj_queued_ms;	/* clock_mono_ms() */
	const void		*bj_owner;	/* for batch_drop(); or NULL */
	void			(*bj_run)(struct batch_job *);
	void			(*bj_fail)(struct batch_job *, const char *);
};

struct batch;
struct batch	*batch_new(struct event_base *, struct store *);
void		 batch_free(struct batch *);
void		 batch_sync_start(struct batch *);
void		 batch_set_busy_ms(struct batch *, long);
void		 batch_queue(struct batch *, struct batch_job *);
int		 batch_after(struct batch *, void (*)(void *, int,
		    const char *), void *);
int		 batch_open(const struct batch *);
int		 batch_settled(const struct batch *);
void		 batch_settle(struct batch *);
void		 batch_commit(struct batch *);
void		 batch_flush(struct batch *);
void		 batch_stop(struct batch *);
void		 batch_drop(struct batch *, const void *, const char *);
size_t		 batch_waiting(const struct batch *);
int		 batch_store_ok(struct batch *, const char **);
int		 batch_sync_stalled(const struct batch *);
const char	*batch_trouble(struct batch *);
int		 batch_task(struct batch *, void (*)(void *),
		    void (*)(void *, int), void *);
int		 batch_on_commit(struct batch *, void (*)(int, void *),
		    void *);
int		 batch_on_synced(struct batch *, void (*)(int, void *),
		    void *);

#endif /* HOTLINED_BATCH_H */
