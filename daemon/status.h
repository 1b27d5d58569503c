/*
 * The status counters: what the daemon counts for the status listener
 * (calls today, answers by code, connections, commits, store failures),
 * kept in memory. Above the store (their start-up totals are read from
 * it), below everything that reports to them. The listener itself is in
 * status_http.c and status_render.c (server.h).
 */
#ifndef HOTLINED_STATUS_H
#define HOTLINED_STATUS_H

#include "store.h"

/* status.c */
void	 status_request(enum listener_kind, const char *, int);
void	 status_conn(enum listener_kind, int);
void	 status_writes_changed(void);
void	 status_call_stored(const struct call *);
int64_t	 status_calls_today(void);
void	 status_commit(int, int64_t, const char *);
void	 status_store_failed(const char *);
void	 status_day_bounds(int64_t, int64_t *, int64_t *);
size_t	 status_label_escape(const char *, char *, size_t);

#endif /* HOTLINED_STATUS_H */
