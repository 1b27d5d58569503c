/*
 * The top: what server.c and hotlined.c call of the layers under them
 * (the API and the status listener), and server_run itself.
 */
#ifndef HOTLINED_SERVER_H
#define HOTLINED_SERVER_H

#include "domain.h"
#include "net.h"

/* api.c */
struct api;
struct api	*api_new(struct event_base *, struct batch *, struct store *);
void		 api_free(struct api *);
void		 api_set_config(struct api *, const struct config *);
void		 api_request(struct evhttp_request *, void *);
void		 api_listener_closing(struct api *, struct listener *);
void		 api_stop(struct api *);

/*
 * status_http.c, status_render.c: the status listener (GET /healthz,
 * /status, /metrics) in its own thread, answered from a snapshot of the
 * counters (status.h) that the main loop renders; a timer probes the
 * store; a request never touches SQLite.
 */
int	 status_prepare(char **);		/* status_http.c */
int	 status_init(struct event_base *, struct store *, struct batch *,
	    const struct config *, char **);
struct event_base *status_base(void);
int	 status_run(void);
void	 status_halt(void);
void	 status_free(void);
void	 status_set_config(const struct config *);
void	 status_handle(struct evhttp_request *, void *);
void	 status_stop(void);			/* status_render.c */
json_t	*status_json(int64_t);
size_t	 status_label_escape(const char *, char *, size_t);
void	 status_metrics(struct evbuffer *, int64_t, struct store *,
	    const struct config *, const char *, int, int64_t);
					/* status_metrics.c */

/* server.c */
int	server_run(const char *, int, int);

#endif /* HOTLINED_SERVER_H */
