/*
 * notify.c alone: the LISTEN_FDS / LISTEN_FDNAMES parser, the STATUS=
 * line, and messages arriving on a NOTIFY_SOCKET of our own.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <string.h>
#include <unistd.h>

#include "unit.h"

static void
test_fds_names_in_order(void **state)
{
	struct notify_fd	*v;
	size_t			 n;
	char			*cause;

	(void)state;
	assert_int_equal(notify_fds_parse("42", "3", "api:status:api-tcp", 42,
	    &v, &n, &cause), 0);
	assert_int_equal(n, 3);
	assert_string_equal(v[0].nf_name, "api");
	assert_int_equal(v[0].nf_fd, 3);
	assert_string_equal(v[1].nf_name, "status");
	assert_int_equal(v[1].nf_fd, 4);
	assert_string_equal(v[2].nf_name, "api-tcp");
	assert_int_equal(v[2].nf_fd, 5);
	assert_int_equal(v[2].nf_used, 0);
	notify_fds_free(v, n);
}

static void
test_fds_unnamed_are_unknown(void **state)
{
	struct notify_fd	*v;
	size_t			 n;
	char			*cause;

	(void)state;
	assert_int_equal(notify_fds_parse("7", "2", NULL, 7, &v, &n,
	    &cause), 0);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].nf_name, "unknown");
	assert_string_equal(v[1].nf_name, "unknown");
	notify_fds_free(v, n);
	/* Fewer names than sockets: the rest are unnamed. */
	assert_int_equal(notify_fds_parse("7", "2", "api", 7, &v, &n,
	    &cause), 0);
	assert_string_equal(v[0].nf_name, "api");
	assert_string_equal(v[1].nf_name, "unknown");
	notify_fds_free(v, n);
}

static void
test_fds_for_someone_else_or_none(void **state)
{
	struct notify_fd	*v;
	size_t			 n;
	char			*cause;

	(void)state;
	/* Inherited from a parent that was activated: not ours. */
	assert_int_equal(notify_fds_parse("41", "2", "api:status", 42, &v, &n,
	    &cause), 0);
	assert_int_equal(n, 0);
	assert_null(v);
	assert_int_equal(notify_fds_parse(NULL, NULL, NULL, 42, &v, &n,
	    &cause), 0);
	assert_int_equal(n, 0);
	assert_int_equal(notify_fds_parse("42", "0", "", 42, &v, &n,
	    &cause), 0);
	assert_int_equal(n, 0);
}

static void
test_fds_malformed(void **state)
{
	static const struct {
		const char	*pid, *fds, *names, *why;
	} bad[] = {
		{ "x", "1", "api", "LISTEN_PID" },
		{ "", "1", "api", "LISTEN_PID" },
		{ "-42", "1", "api", "LISTEN_PID" },
		{ "42", "-1", "api", "LISTEN_FDS" },
		{ "42", "1x", "api", "LISTEN_FDS" },
		{ "42", "65", NULL, "LISTEN_FDS" },
		{ "42", "99999999999999999999", NULL, "LISTEN_FDS" },
		{ "42", "1", "api:status", "more sockets" },
		{ "42", "2", "api::", "not a valid" },
		{ "42", "2", ":api", "not a valid" },
		{ "42", "1", "a pi", "not a valid" },
		{ "42", "1", "api\n", "not a valid" },
	};
	struct notify_fd	*v;
	size_t			 i, n;
	char			*cause;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(notify_fds_parse(bad[i].pid, bad[i].fds,
		    bad[i].names, 42, &v, &n, &cause), -1);
		assert_non_null(cause);
		if (strstr(cause, bad[i].why) == NULL)
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, cause,
			    bad[i].why);
		assert_null(v);
		free(cause);
	}
}

static void
test_status_line(void **state)
{
	char	 buf[256];

	(void)state;
	notify_status_format(buf, sizeof(buf), -1, -1, -1);
	assert_string_equal(buf, "serving");
	notify_status_format(buf, sizeof(buf), 12, 3, 0);
	assert_string_equal(buf, "serving: 12 calls today, 3 waiting in the "
	    "queues");
	notify_status_format(buf, sizeof(buf), 1, 3, 2);
	assert_string_equal(buf, "serving: 1 call today, 3 waiting in the "
	    "queues (2 past SLA)");
	notify_status_format(buf, sizeof(buf), -1, 0, 0);
	assert_string_equal(buf, "serving: 0 waiting in the queues");
	notify_status_format(buf, sizeof(buf), 5, -1, 0);
	assert_string_equal(buf, "serving: 5 calls today");
	/* Truncated, never overrun. */
	assert_true(notify_status_format(buf, 10, 12, 3, 0) > 10);
	assert_string_equal(buf, "serving: ");
}

/* A NOTIFY_SOCKET of our own; returns the receiving socket. */
static int
manager(const char *path, int abstract)
{
	struct sockaddr_un	 sun;
	socklen_t		 len;
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strncpy(sun.sun_path, path, sizeof(sun.sun_path) - 1);
	len = sizeof(sun);
	if (abstract) {
		sun.sun_path[0] = '\0';
		len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
		    strlen(path));
	}
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	assert_true(fd != -1);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, len), 0);
	assert_int_equal(setenv("NOTIFY_SOCKET", path, 1), 0);
	return fd;
}

static void
expect(int fd, const char *want)
{
	char	 buf[512];
	ssize_t	 n;

	n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	assert_true(n > 0);
	buf[n] = '\0';
	if (strncmp(buf, want, strlen(want)) != 0)
		fail_msg("got \"%s\", wanted \"%s...\"", buf, want);
}

static void
notify_sequence(int fd)
{
	char	*cause;

	assert_int_equal(notify_init(&cause), 0);
	assert_true(notify_enabled());
	assert_int_equal(notify_watchdog_usec(), 200000);
	notify_ready();
	expect(fd, "READY=1");
	notify_status(3, 1, 0);
	expect(fd, "STATUS=serving: 3 calls today, 1 waiting");
	/* Unchanged: not sent again. */
	notify_status(3, 1, 0);
	notify_watchdog();
	expect(fd, "WATCHDOG=1");
	notify_reloading();
	expect(fd, "RELOADING=1\nMONOTONIC_USEC=");
	notify_stopping();
	expect(fd, "STOPPING=1");
	notify_close();
	notify_status_reset();
}

static void
test_messages_on_a_path(void **state)
{
	char	 dir[256], path[300];
	int	 fd;

	(void)state;
	assert_int_equal(unit_mkdtemp(dir, sizeof(dir), "notify"), 0);
	snprintf(path, sizeof(path), "%s/notify.sock", dir);
	fd = manager(path, 0);
	setenv("WATCHDOG_USEC", "200000", 1);
	unsetenv("WATCHDOG_PID");
	notify_sequence(fd);
	close(fd);
	unlink(path);
	rmdir(dir);
}

static void
test_messages_on_an_abstract_name(void **state)
{
	char	 name[64];
	int	 fd;

	(void)state;
	snprintf(name, sizeof(name), "@hotlined-unit-%d", (int)getpid());
	fd = manager(name, 1);
	setenv("WATCHDOG_USEC", "200000", 1);
	setenv("WATCHDOG_PID", "1", 1);		/* not us: no watchdog */
	{
		char	*cause;

		assert_int_equal(notify_init(&cause), 0);
		assert_int_equal(notify_watchdog_usec(), 0);
		notify_close();
	}
	unsetenv("WATCHDOG_PID");
	notify_sequence(fd);
	close(fd);
}

static void
test_bad_environment(void **state)
{
	char	*cause;

	(void)state;
	unsetenv("WATCHDOG_PID");
	setenv("WATCHDOG_USEC", "soon", 1);
	assert_int_equal(notify_init(&cause), -1);
	assert_non_null(strstr(cause, "WATCHDOG_USEC"));
	free(cause);
	unsetenv("WATCHDOG_USEC");
	setenv("NOTIFY_SOCKET", "relative/path", 1);
	assert_int_equal(notify_init(&cause), -1);
	assert_non_null(strstr(cause, "NOTIFY_SOCKET"));
	free(cause);
	unsetenv("NOTIFY_SOCKET");
	assert_int_equal(notify_init(&cause), 0);
	assert_false(notify_enabled());
	notify_ready();		/* nothing to do, nothing breaks */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fds_names_in_order),
		cmocka_unit_test(test_fds_unnamed_are_unknown),
		cmocka_unit_test(test_fds_for_someone_else_or_none),
		cmocka_unit_test(test_fds_malformed),
		cmocka_unit_test(test_status_line),
		cmocka_unit_test(test_messages_on_a_path),
		cmocka_unit_test(test_messages_on_an_abstract_name),
		cmocka_unit_test(test_bad_environment),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
