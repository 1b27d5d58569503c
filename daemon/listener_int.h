/*
 * The listener's own header, for listener.c and listener_sock.c alone: a
 * listener and its connections, and where its socket comes from.
 */
#ifndef HOTLINED_LISTENER_INT_H
#define HOTLINED_LISTENER_INT_H

#include <openssl/ssl.h>

#include "net.h"

#define LISTENER_REFUSED_LOG_S	60	/* refusals logged at most this often */
/* The status listener answers monitors, not people: its own small caps,
 * so that a flood of the API never reaches them. */
#define LISTENER_STATUS_CONNS	64
#define LISTENER_STATUS_PEER	16

enum conn_state {
	CONN_IDLE,	/* waiting for a request */
	CONN_READING,	/* a request has started to arrive */
	CONN_BUSY	/* a request is being answered */
};

/* One connection accepted and handed to evhttp. */
struct conn {
	struct listener			*c_l;
	struct evhttp_connection	*c_evcon;
	struct bufferevent		*c_bev;
	struct evbuffer_cb_entry	*c_incb;
	struct event			*c_timer;
	enum conn_state			 c_state;
	char				 c_peer[LIMIT_KEY_MAX];
	void				(*c_closecb)(struct evhttp_connection *,
					    void *);	/* a handler's */
	void				*c_closearg;
};

struct listener {
	char			*l_name;	/* the configured address */
	enum listener_kind	 l_kind;
	int			 l_unix;
	char			*l_path;	/* Unix: unlinked at close */
	struct event_base	*l_base;
	struct evhttp		*l_http;
	struct evhttp_bound_socket *l_bound;
	struct event		*l_accepted;	/* count the new ones */
	void			*l_arg;
	struct notify_fd	*l_inherited;	/* adopted from the manager */
	SSL_CTX			*l_tls;		/* NULL: plain HTTP */
	void			(*l_cb)(struct evhttp_request *, void *);
	struct limits		 l_lim;
	struct limit_tab	*l_tab;		/* open connections by peer */
	struct conn	       **l_conns;	/* counted, open */
	size_t			 l_nconns;
	size_t			 l_capconns;
	struct conn	       **l_new;		/* accepted, not yet counted */
	size_t			 l_nnew;
	size_t			 l_capnew;
	uint64_t		 l_refused;	/* since the last log line */
	int64_t			 l_refused_at;	/* that line (monotonic s) */
};

/* listener_sock.c */
int	listener_unix(struct listener *, const char *, mode_t, char **);
int	listener_tcp(const char *, char **);
void	listener_nodelay(int);
int	listener_adopt(struct listener *, const char *, char **);

#endif /* HOTLINED_LISTENER_INT_H */
