/*
 * The network layer: listeners, TLS connections, who is asking, and the
 * limits on connections and requests. Calls the status counters and the
 * base, never the domain or the API.
 */
#ifndef HOTLINED_NET_H
#define HOTLINED_NET_H

#include "status.h"

/* auth.c */
void	auth_peer(struct evhttp_request *, int, char *, size_t);
int	auth_identify(struct evhttp_request *, int, const struct config *,
	    struct identity *);

/* limit.c */
#define LIMIT_KEY_MAX	64
#define LIMIT_OK	0
#define LIMIT_TOTAL	1	/* limit_conn_open: all connections */
#define LIMIT_PEER	2	/* limit_conn_open: this peer's */
#define LIMIT_FIRST	1	/* limit_fail: the first of a window */
#define LIMIT_BLOCK	2	/* limit_fail: the one that blocks */
#define LIMIT_FULL	3	/* limit_fail: no room to count it */
struct limit_tab;
struct limit_tab *limit_tab_new(size_t);
void		 limit_tab_free(struct limit_tab *);
size_t		 limit_tab_size(const struct limit_tab *);
int		 limit_conn_open(struct limit_tab *, const char *, long, long);
void		 limit_conn_close(struct limit_tab *, const char *);
long		 limit_conns(const struct limit_tab *);
long		 limit_conns_of(struct limit_tab *, const char *);
long		 limit_rate(struct limit_tab *, const char *, int64_t, long,
		    long);
long		 limit_blocked(struct limit_tab *, const char *, int64_t);
int		 limit_fail(struct limit_tab *, const char *, int64_t, long,
		    long, long);
int		 limit_peer(int, char *, size_t);

/* listener.c */
struct listener;
struct listener	*listener_open(struct event_base *, const char *,
		    enum listener_kind, mode_t, const struct limits *, char **);
void		 listener_stop(struct listener *);
void		 listener_close(struct listener *);
void		*listener_arg(const struct listener *);
void		 listener_set_handler(struct listener *,
		    void (*)(struct evhttp_request *, void *), void *);
int		 listener_is_unix(const struct listener *);
const char	*listener_name(const struct listener *);
int		 listener_inherit(char **);
void		 listener_inherit_report(void);
void		 listener_inherit_free(void);
const char	*listener_fdname(enum listener_kind, const char *);
int		 listener_is_inherited(const struct listener *);
void		 listener_set_tls(struct listener *, struct ssl_ctx_st *);
int		 listener_is_tls(const struct listener *);
void		 listener_set_limits(struct listener *, const struct limits *);
struct evhttp_connection;
void		 listener_set_closecb(struct listener *,
		    struct evhttp_connection *,
		    void (*)(struct evhttp_connection *, void *), void *);

#endif /* HOTLINED_NET_H */
