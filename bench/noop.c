/*
 * noop: the HTTP ceiling. An evhttp server on one thread, like the
 * daemon's loop, that takes ingest's POSTs (reads the body) and answers
 * each 201 with a small JSON body at once: no auth, no JSON parsing, no
 * store. What ingest reaches against it is what libevent's HTTP and this
 * machine's loopback allow at that many clients.
 *
 *   noop -p port
 */
#include <err.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

static long	 answered;

static void
noop_request(struct evhttp_request *req, void *arg)
{
	struct evbuffer	*in = evhttp_request_get_input_buffer(req);
	struct evbuffer	*out = evhttp_request_get_output_buffer(req);
	size_t		 n = evbuffer_get_length(in);

	(void)arg;
	evbuffer_drain(in, n);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "application/json; charset=utf-8");
	evbuffer_add_printf(out, "{\"id\":%ld,\"bytes\":%zu}\n", ++answered,
	    n);
	evhttp_send_reply(req, evhttp_request_get_command(req) ==
	    EVHTTP_REQ_POST ? 201 : 200, "OK", NULL);
}

static void
noop_stop(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	event_base_loopexit(arg, NULL);
}

int
main(int argc, char *argv[])
{
	struct event_base	*base;
	struct evhttp		*http;
	struct event		*sig;
	char			*end;
	long			 port;

	if (argc != 3 || strcmp(argv[1], "-p") != 0)
		errx(1, "usage: noop -p port");
	errno = 0;
	port = strtol(argv[2], &end, 10);
	if (*end != '\0' || errno != 0 || port < 1 || port > 65535)
		errx(1, "bad port %s", argv[2]);
	if ((base = event_base_new()) == NULL ||
	    (http = evhttp_new(base)) == NULL)
		errx(1, "out of memory");
	evhttp_set_gencb(http, noop_request, NULL);
	evhttp_set_max_body_size(http, 64 * 1024);
	if (evhttp_bind_socket(http, "127.0.0.1", (ev_uint16_t)port) != 0)
		errx(1, "cannot bind 127.0.0.1:%ld", port);
	if ((sig = evsignal_new(base, SIGTERM, noop_stop, base)) == NULL ||
	    event_add(sig, NULL) == -1)
		errx(1, "signal");
	event_base_dispatch(base);
	fprintf(stderr, "noop: %ld answers\n", answered);
	event_free(sig);
	evhttp_free(http);
	event_base_free(base);
	return 0;
}
