/*
 * The status counters: what the daemon counts for the status listener
 * (calls today, answers by code, connections, commits, store failures),
 * kept in memory. Above the store (their start-up totals are read from
 * it), below everything that reports to them. The listener itself is in
 * status_http.c and status_render.c (server.h); the renderer registers
 * with status_on_change() and is told of every change: STATUS_NOW after
 * a commit or a refused write (rendered before their answers go out, so
 * a client that got its 201 finds its call counted), STATUS_SOON else.
 */
#ifndef HOTLINED_STATUS_H
#define HOTLINED_STATUS_H

#include "store.h"

/* status.c */
#define STATUS_SOON	0
#define STATUS_NOW	1
void	 status_on_change(void (*)(int, void *), void *);
void	 status_request(enum listener_kind, const char *, int);
void	 status_conn(enum listener_kind, int);
void	 status_writes_changed(void);
void	 status_call_stored(const struct call *);
void	 status_call_amended(const struct call *, const struct call *);
int64_t	 status_calls_today(void);
void	 status_commit(int, int64_t, const char *);
void	 status_commit_time(int64_t);
void	 status_store_failed(const char *);
void	 status_day_bounds(int64_t, int64_t *, int64_t *);

#endif /* HOTLINED_STATUS_H */
