/*
 * limit.c on a clock the test moves: connections counted per peer and in
 * total, the token bucket of requests (burst, refill, Retry-After), failed
 * authentications (window, block, the lines worth logging), a full table
 * pruned of what it no longer needs, and the peer of real sockets.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"
#include "net.h"

static void
test_connections(void **state)
{
	struct limit_tab	*t = limit_tab_new(SIZE_MAX);

	(void)state;
	assert_non_null(t);
	/* Two per peer, three in all. */
	assert_int_equal(limit_conn_open(t, "10.0.0.1", 3, 2), LIMIT_OK);
	assert_int_equal(limit_conn_open(t, "10.0.0.1", 3, 2), LIMIT_OK);
	assert_int_equal(limit_conn_open(t, "10.0.0.1", 3, 2), LIMIT_PEER);
	assert_int_equal(limit_conn_open(t, "10.0.0.2", 3, 2), LIMIT_OK);
	assert_int_equal(limit_conn_open(t, "10.0.0.3", 3, 2), LIMIT_TOTAL);
	assert_int_equal(limit_conns(t), 3);
	assert_int_equal(limit_conns_of(t, "10.0.0.1"), 2);
	/* Refused ones were never counted; closing counts down. */
	limit_conn_close(t, "10.0.0.1");
	assert_int_equal(limit_conns(t), 2);
	assert_int_equal(limit_conn_open(t, "10.0.0.3", 3, 2), LIMIT_OK);
	limit_conn_close(t, "10.0.0.1");
	limit_conn_close(t, "10.0.0.2");
	limit_conn_close(t, "10.0.0.3");
	assert_int_equal(limit_conns(t), 0);
	/* A peer with none open is forgotten; closing it again is harmless. */
	assert_int_equal(limit_tab_size(t), 0);
	limit_conn_close(t, "10.0.0.3");
	assert_int_equal(limit_conns(t), 0);
	limit_tab_free(t);
}

static void
test_rate(void **state)
{
	struct limit_tab	*t = limit_tab_new(64);
	int			 i;

	(void)state;
	/* A burst of 3, then one a second. */
	for (i = 0; i < 3; i++)
		assert_int_equal(limit_rate(t, "wang", 1000, 1, 3), 0);
	assert_int_equal(limit_rate(t, "wang", 1000, 1, 3), 1);
	/* Another identity has its own bucket. */
	assert_int_equal(limit_rate(t, "li", 1000, 1, 3), 0);
	/* Half a second on: still none, and the wait is rounded up. */
	assert_int_equal(limit_rate(t, "wang", 1500, 1, 3), 1);
	assert_int_equal(limit_rate(t, "wang", 2000, 1, 3), 0);
	assert_int_equal(limit_rate(t, "wang", 2000, 1, 3), 1);
	/* A long pause refills to the burst, not beyond. */
	for (i = 0; i < 3; i++)
		assert_int_equal(limit_rate(t, "wang", 60000, 1, 3), 0);
	assert_int_equal(limit_rate(t, "wang", 60000, 1, 3), 1);
	/* A slow rate says how long: 1 per 10 s. */
	assert_int_equal(limit_rate(t, "zhao", 0, 0, 1), 0);	/* off */
	limit_tab_free(t);
	t = limit_tab_new(64);
	assert_int_equal(limit_rate(t, "zhao", 0, 1, 1), 0);
	assert_int_equal(limit_rate(t, "zhao", 0, 1, 1), 1);
	limit_tab_free(t);
}

static void
test_auth_failures(void **state)
{
	struct limit_tab	*t = limit_tab_new(64);

	(void)state;
	/* 3 in 60 s block for 300 s; the first and the blocking one log. */
	assert_int_equal(limit_blocked(t, "10.0.0.9", 0), 0);
	assert_int_equal(limit_fail(t, "10.0.0.9", 0, 3, 60, 300),
	    LIMIT_FIRST);
	assert_int_equal(limit_fail(t, "10.0.0.9", 1000, 3, 60, 300),
	    LIMIT_OK);
	assert_int_equal(limit_blocked(t, "10.0.0.9", 1000), 0);
	assert_int_equal(limit_fail(t, "10.0.0.9", 2000, 3, 60, 300),
	    LIMIT_BLOCK);
	assert_int_equal(limit_blocked(t, "10.0.0.9", 2000), 300);
	assert_int_equal(limit_blocked(t, "10.0.0.9", 301500), 1);
	assert_int_equal(limit_blocked(t, "10.0.0.9", 302000), 0);
	assert_int_equal(limit_blocked(t, "10.0.0.8", 2000), 0);
	/* After the block, a new window. */
	assert_int_equal(limit_fail(t, "10.0.0.9", 302000, 3, 60, 300),
	    LIMIT_FIRST);
	/* Failures further apart than the window never block. */
	assert_int_equal(limit_fail(t, "10.0.0.7", 0, 3, 60, 300),
	    LIMIT_FIRST);
	assert_int_equal(limit_fail(t, "10.0.0.7", 30000, 3, 60, 300),
	    LIMIT_OK);
	assert_int_equal(limit_fail(t, "10.0.0.7", 61000, 3, 60, 300),
	    LIMIT_FIRST);
	assert_int_equal(limit_fail(t, "10.0.0.7", 62000, 3, 60, 300),
	    LIMIT_OK);
	assert_int_equal(limit_blocked(t, "10.0.0.7", 62000), 0);
	/* One failure allowed: the first blocks at once. */
	assert_int_equal(limit_fail(t, "10.0.0.6", 0, 1, 60, 5), LIMIT_BLOCK);
	assert_int_equal(limit_blocked(t, "10.0.0.6", 0), 5);
	limit_tab_free(t);
}

static void
test_full_table(void **state)
{
	struct limit_tab	*t = limit_tab_new(4);
	char			 key[16];
	int			 i;

	(void)state;
	/* Four blocked peers fill it: a fifth is not tracked (not blocked). */
	for (i = 0; i < 4; i++) {
		snprintf(key, sizeof(key), "p%d", i);
		assert_int_equal(limit_fail(t, key, 0, 1, 60, 100),
		    LIMIT_BLOCK);
	}
	assert_int_equal(limit_fail(t, "p9", 0, 1, 60, 100), LIMIT_FULL);
	assert_int_equal(limit_blocked(t, "p9", 0), 0);
	assert_int_equal(limit_tab_size(t), 4);
	for (i = 0; i < 4; i++) {
		snprintf(key, sizeof(key), "p%d", i);
		assert_int_equal(limit_blocked(t, key, 1000), 99);
	}
	/* Blocks over and windows past: room again. */
	assert_int_equal(limit_fail(t, "p9", 200000, 1, 60, 100),
	    LIMIT_BLOCK);
	assert_int_equal(limit_tab_size(t), 1);
	limit_tab_free(t);

	/* Buckets: a full bucket is forgotten when room is needed. */
	t = limit_tab_new(2);
	assert_int_equal(limit_rate(t, "a", 0, 10, 5), 0);
	assert_int_equal(limit_rate(t, "b", 0, 10, 5), 0);
	/* Not yet refilled: c is let through untracked. */
	assert_int_equal(limit_rate(t, "c", 0, 10, 5), 0);
	assert_int_equal(limit_tab_size(t), 2);
	assert_int_equal(limit_rate(t, "c", 1000, 10, 5), 0);
	assert_int_equal(limit_tab_size(t), 1);
	limit_tab_free(t);
}

static void
test_peer(void **state)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	int			 l, c, a, sv[2];
	char			 buf[LIMIT_KEY_MAX], want[32];

	(void)state;
	/* TCP: the address, not the port. */
	l = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(l, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(l, 1), 0);
	assert_int_equal(getsockname(l, (struct sockaddr *)&sin, &len), 0);
	c = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(connect(c, (struct sockaddr *)&sin, sizeof(sin)), 0);
	a = accept(l, NULL, NULL);
	assert_true(a >= 0);
	assert_int_equal(limit_peer(a, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "127.0.0.1");
	close(a);
	close(c);
	close(l);
	/* A Unix socket: the uid. */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(limit_peer(sv[0], buf, sizeof(buf)), 0);
	snprintf(want, sizeof(want), "uid %u", (unsigned int)geteuid());
	assert_string_equal(buf, want);
	close(sv[0]);
	close(sv[1]);
	/* IPv6: its /64, so one host's many addresses count as one. */
	if ((l = socket(AF_INET6, SOCK_STREAM, 0)) >= 0) {
		struct sockaddr_in6	 s6;

		memset(&s6, 0, sizeof(s6));
		s6.sin6_family = AF_INET6;
		s6.sin6_addr = in6addr_loopback;
		len = sizeof(s6);
		if (bind(l, (struct sockaddr *)&s6, sizeof(s6)) == 0) {
			assert_int_equal(listen(l, 1), 0);
			assert_int_equal(getsockname(l, (struct sockaddr *)&s6,
			    &len), 0);
			c = socket(AF_INET6, SOCK_STREAM, 0);
			assert_int_equal(connect(c, (struct sockaddr *)&s6,
			    sizeof(s6)), 0);
			a = accept(l, NULL, NULL);
			assert_true(a >= 0);
			assert_int_equal(limit_peer(a, buf, sizeof(buf)), 0);
			assert_string_equal(buf, "::/64");
			close(a);
			close(c);
		}
		close(l);
	}
	/* Not a socket. */
	assert_int_equal(limit_peer(0 + 999, buf, sizeof(buf)), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_connections),
		cmocka_unit_test(test_rate),
		cmocka_unit_test(test_auth_failures),
		cmocka_unit_test(test_full_table),
		cmocka_unit_test(test_peer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
