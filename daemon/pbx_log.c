/*
 * Asterisk's queue_log: the line parser (a pure function, fuzzed), the
 * one-off import of a file (hotlined --import-queue-log) and the
 * follower, which reads the file named by pbx.queue_log as it grows, a
 * bounded slice per timer turn, tail -F fashion: a rotated, replaced or
 * truncated file is noticed and read from its start. The file's inode
 * and the offset read so far are kept in the store in the transaction
 * of the rows they produced, so a restart resumes where it stopped and
 * no event is counted twice.
 *
 * The format (docs.asterisk.org, "Queue Logs"):
 *   time|callid|queue|agent|event|data1|data2|...
 * e.g. 1366720340|1366720340.303267|MYQUEUE|SIP/8007|RINGNOANSWER|1000
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "domain.h"

#define PBX_FIELDS_MAX	16
#define PBX_TIME_MIN	946684800LL	/* 2000-01-01 */
#define PBX_TIME_MAX	4102444800LL	/* 2100-01-01 */
#define PBX_SECONDS_MAX	(7 * 86400LL)	/* a wait or talk time */

static const struct {
	const char	*name;
	enum pbx_kind	 kind;
	int		 wait;		/* data field of the wait; -1 */
	int		 talk;		/* of the talk time; -1 */
} pbx_log_events[] = {
	{ "ENTERQUEUE", PBX_OFFERED, -1, -1 },		/* url|callerid */
	{ "CONNECT", PBX_ANSWERED, 0, -1 },	/* holdtime|uniqueid|ring */
	{ "COMPLETECALLER", PBX_ENDED, 0, 1 },	/* hold|calltime|origpos */
	{ "COMPLETEAGENT", PBX_ENDED, 0, 1 },
	{ "ABANDON", PBX_ABANDONED, 2, -1 },	/* pos|origpos|waittime */
	{ "EXITWITHTIMEOUT", PBX_TIMEOUT, 2, -1 },
	{ "EXITEMPTY", PBX_EMPTY, 2, -1 },
	{ "EXITWITHKEY", PBX_KEY, 3, -1 },	/* key|pos|origpos|wait */
	{ "RINGNOANSWER", PBX_RINGNOANSWER, -1, -1 },	/* ringtime ms */
	{ "TRANSFER", PBX_TRANSFER, 2, 3 },	/* ext|ctx|hold|calltime */
};

static int
pbx_log_fail(char *err, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
pbx_log_fail(char *err, size_t len, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -1;
}

/* A name the PBX wrote: 1 to max-1 bytes, no space or control. */
static int
pbx_log_name(const char *s, char *out, size_t max, int empty_ok)
{
	size_t	 n = strlen(s), i;

	if ((n == 0 && !empty_ok) || n >= max)
		return -1;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f)
			return -1;
	memcpy(out, s, n + 1);
	return 0;
}

/* Whole seconds 0 to PBX_SECONDS_MAX; -1 for a field not there. */
static int
pbx_log_seconds(const char *s, int64_t *out)
{
	char		*end;
	long long	 v;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > PBX_SECONDS_MAX)
		return -1;
	*out = v;
	return 0;
}

static int
pbx_log_time(const char *s, int64_t *out)
{
	char		*end;
	long long	 v;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	/* Some versions write fractions of a second: whole seconds here. */
	if (*end == '.') {
		for (end++; isdigit((unsigned char)*end); end++)
			;
	}
	if (errno != 0 || *end != '\0' || v < PBX_TIME_MIN ||
	    v >= PBX_TIME_MAX)
		return -1;
	*out = v;
	return 0;
}

/* The caller id, kept only when it looks like a number. */
static void
pbx_log_number(const char *s, char *out, size_t max)
{
	size_t	 n = strlen(s), i, digits = 0;

	out[0] = '\0';
	if (n >= max)
		return;
	for (i = 0; i < n; i++) {
		if (isdigit((unsigned char)s[i]))
			digits++;
		else if (strchr(" +-()", s[i]) == NULL)
			return;
	}
	if (digits > 0)
		memcpy(out, s, n + 1);
}

static int
pbx_log_data(char **f, int nf, int at, const char *what, int64_t *out,
    char *err, size_t errlen)
{
	*out = -1;
	if (at < 0 || 5 + at >= nf || f[5 + at][0] == '\0')
		return 0;
	if (pbx_log_seconds(f[5 + at], out) == -1)
		return pbx_log_fail(err, errlen, "data%d (%s) \"%.20s\" is not "
		    "a number of seconds (0 to %lld)", at + 1, what, f[5 + at],
		    PBX_SECONDS_MAX);
	return 0;
}

/*
 * Parse one line (len bytes, a trailing newline allowed) into ev. 0, or
 * -1 with err saying what is wrong with it.
 */
int
pbx_log_parse(const char *line, size_t len, struct pbx_event *ev, char *err,
    size_t errlen)
{
	char	 buf[PBX_LINE_MAX + 1], *f[PBX_FIELDS_MAX], *p;
	int	 nf = 0;
	size_t	 i;

	memset(ev, 0, sizeof(*ev));
	ev->pe_wait_s = ev->pe_talk_s = -1;
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	if (len > PBX_LINE_MAX)
		return pbx_log_fail(err, errlen, "longer than %d bytes",
		    PBX_LINE_MAX);
	if (memchr(line, '\0', len) != NULL)
		return pbx_log_fail(err, errlen, "holds a NUL byte");
	memcpy(buf, line, len);
	buf[len] = '\0';
	for (p = buf; nf < PBX_FIELDS_MAX; nf++) {
		f[nf] = p;
		if ((p = strchr(p, '|')) == NULL) {
			nf++;
			break;
		}
		*p++ = '\0';
	}
	if (p != NULL)
		return pbx_log_fail(err, errlen, "more than %d fields",
		    PBX_FIELDS_MAX);
	if (nf < 5)
		return pbx_log_fail(err, errlen, "%d field%s; a queue_log line "
		    "has time|callid|queue|agent|event", nf, nf == 1 ? "" :
		    "s");
	if (pbx_log_time(f[0], &ev->pe_at) == -1)
		return pbx_log_fail(err, errlen, "time \"%.20s\" is not a Unix "
		    "time between 2000 and 2100", f[0]);
	if (pbx_log_name(f[1], ev->pe_call, sizeof(ev->pe_call), 0) == -1)
		return pbx_log_fail(err, errlen, "callid must be 1 to %d "
		    "printable characters", PBX_ID_MAX - 1);
	if (pbx_log_name(f[2], ev->pe_queue, sizeof(ev->pe_queue), 0) == -1)
		return pbx_log_fail(err, errlen, "queue must be 1 to %d "
		    "printable characters", PBX_NAME_MAX - 1);
	if (pbx_log_name(f[3], ev->pe_agent, sizeof(ev->pe_agent), 1) == -1)
		return pbx_log_fail(err, errlen, "agent must be at most %d "
		    "printable characters", PBX_NAME_MAX - 1);
	if (strcmp(ev->pe_agent, "NONE") == 0)
		ev->pe_agent[0] = '\0';
	if (f[4][0] == '\0' || strlen(f[4]) >= sizeof(ev->pe_event) ||
	    strspn(f[4], "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") !=
	    strlen(f[4]))
		return pbx_log_fail(err, errlen, "event must be 1 to %zu "
		    "capital letters, digits or _", sizeof(ev->pe_event) - 1);
	memcpy(ev->pe_event, f[4], strlen(f[4]) + 1);
	for (i = 0; i < sizeof(pbx_log_events) / sizeof(pbx_log_events[0]); i++)
		if (strcmp(f[4], pbx_log_events[i].name) == 0)
			break;
	/* Queue and agent events (ADDMEMBER, PAUSE...): no call. */
	if (i == sizeof(pbx_log_events) / sizeof(pbx_log_events[0]) ||
	    strcmp(ev->pe_call, "NONE") == 0 ||
	    strcmp(ev->pe_call, "REALTIME") == 0) {
		ev->pe_kind = PBX_OTHER;
		return 0;
	}
	ev->pe_kind = pbx_log_events[i].kind;
	if (ev->pe_kind == PBX_OFFERED && nf > 6)
		pbx_log_number(f[6], ev->pe_number, sizeof(ev->pe_number));
	return pbx_log_data(f, nf, pbx_log_events[i].wait, "wait",
	    &ev->pe_wait_s, err, errlen) == -1 ||
	    pbx_log_data(f, nf, pbx_log_events[i].talk, "talk time",
	    &ev->pe_talk_s, err, errlen) == -1 ? -1 : 0;
}

/*
 * Reading a file's bytes into events: whole lines only. A line longer
 * than the buffer is skipped to its end and refused once.
 */
#define PBX_SLICE_BYTES	65536	/* read per turn */
#define PBX_SLICE_LINES	1000	/* events per transaction */
#define PBX_IMPORT_EVENTS 50000	/* an import's: fewer syncs */
#define PBX_SAY_EVERY_S	60

struct pbx_lines {
	struct pbx_event *pl_ev;	/* PBX_SLICE_LINES of them */
	unsigned char	(*pl_key)[SHA256_LEN];
	size_t		 pl_n;
	int		 pl_skipping;	/* inside an overlong line */
	int64_t		 pl_off;	/* of buf in the file */
	int64_t		 pl_said;	/* a refused line last logged */
	const char	*pl_what;	/* the file, for the log */
};

static void
pbx_lines_say(struct pbx_lines *pl, int64_t off, const char *why)
{
	int64_t	 now = clock_now();

	if (now - pl->pl_said < PBX_SAY_EVERY_S)
		return;
	pl->pl_said = now;
	/* Never the line itself: it may hold a caller's number. */
	if (off >= 0)
		log_warnx("pbx: %s: the line at byte %lld is refused: %s "
		    "(said once a minute)", pl->pl_what, (long long)off, why);
	else
		log_warnx("pbx: %s: an event is refused: %s (said once a "
		    "minute)", pl->pl_what, why);
}

static void
pbx_lines_refuse(struct pbx_lines *pl, int64_t off, const char *why)
{
	pbx_count_refused();
	pbx_lines_say(pl, off, why);
}

/*
 * Parse the whole lines of buf (n bytes, at pl_off in the file) into
 * pl until PBX_SLICE_LINES; the bytes used (up to a line's end).
 */
static size_t
pbx_lines_take(struct pbx_lines *pl, const char *buf, size_t n, int full)
{
	const char	*p = buf, *nl;
	char		 err[160];
	size_t		 len;

	while (pl->pl_n < PBX_SLICE_LINES &&
	    (nl = memchr(p, '\n', n - (size_t)(p - buf))) != NULL) {
		len = (size_t)(nl - p);
		if (pl->pl_skipping) {
			pl->pl_skipping = 0;
			pbx_lines_refuse(pl, pl->pl_off + (p - buf),
			    "longer than the buffer");
		} else if (len > 0 && pbx_log_parse(p, len,
		    &pl->pl_ev[pl->pl_n], err, sizeof(err)) == -1)
			pbx_lines_refuse(pl, pl->pl_off + (p - buf), err);
		else if (len > 0 && digest_sha256(p, len,
		    pl->pl_key[pl->pl_n]) == 0)
			pl->pl_n++;
		p = nl + 1;
	}
	/* No line's end in a full buffer: an overlong line, skipped. */
	if (p == buf && full && pl->pl_n == 0) {
		pl->pl_skipping = 1;
		return n;
	}
	return (size_t)(p - buf);
}

static int
pbx_lines_new(struct pbx_lines *pl, const char *what)
{
	memset(pl, 0, sizeof(*pl));
	pl->pl_what = what;
	pl->pl_said = -PBX_SAY_EVERY_S;
	pl->pl_ev = calloc(PBX_SLICE_LINES, sizeof(*pl->pl_ev));
	pl->pl_key = calloc(PBX_SLICE_LINES, sizeof(*pl->pl_key));
	return pl->pl_ev == NULL || pl->pl_key == NULL ? -1 : 0;
}

static void
pbx_lines_free(struct pbx_lines *pl)
{
	free(pl->pl_ev);
	free(pl->pl_key);
}

/* Apply the events of pl (inside a transaction); counts into n[4]:
 * applied, duplicates, ignored, refused. -1: the store failed. */
static int
pbx_lines_apply(struct store *s, const struct config *cf,
    struct pbx_lines *pl, int64_t n[4])
{
	char	 err[160];
	size_t	 i;
	int64_t	 now = clock_now();

	for (i = 0; i < pl->pl_n; i++) {
		switch (pbx_apply(s, cf, &pl->pl_ev[i], pl->pl_key[i], now,
		    err, sizeof(err))) {
		case PBX_APPLIED:
			n[0]++;
			break;
		case PBX_DUPLICATE:
			n[1]++;
			break;
		case PBX_IGNORED:
			n[2]++;
			break;
		case PBX_BAD:
			pbx_lines_say(pl, -1, err);
			break;
		default:
			pbx_rollup_discard();
			return -1;
		}
	}
	return pbx_rollup_flush(s) == STORE_OK ? 0 : -1;
}

/*
 * hotlined --import-queue-log: load a whole file, PBX_IMPORT_EVENTS
 * events a transaction (a commit syncs: fewer is faster). Importing it again changes nothing (every event
 * is known by its line's SHA-256). n[4]: applied, duplicates, ignored,
 * refused. -1 with *cause (caller frees).
 */
int
pbx_import(struct store *s, const struct config *cf, const char *path,
    int64_t n[4], char **cause)
{
	struct pbx_lines	 pl;
	char			*buf;
	size_t			 have = 0, used;
	ssize_t			 r;
	int64_t			 intx = 0;	/* events in the transaction */
	int			 fd, rc = 0;

	*cause = NULL;
	memset(n, 0, 4 * sizeof(*n));
	if (pbx_rollup_ready(s, cf) != STORE_OK) {
		if (asprintf(cause, "the store: %s", store_errmsg(s)) == -1)
			*cause = NULL;
		return -1;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (asprintf(cause, "%s: %s", path, strerror(errno)) == -1)
			*cause = NULL;
		return -1;
	}
	if (pbx_lines_new(&pl, path) == -1 ||
	    (buf = malloc(PBX_SLICE_BYTES)) == NULL) {
		pbx_lines_free(&pl);
		close(fd);
		*cause = strdup("out of memory");
		return -1;
	}
	for (;;) {
		r = read(fd, buf + have, PBX_SLICE_BYTES - have);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			if (asprintf(cause, "%s: %s", path,
			    strerror(errno)) == -1)
				*cause = NULL;
			rc = -1;
			break;
		}
		/* A last line without its newline is a line still. */
		if (r == 0 && have > 0 && !pl.pl_skipping)
			buf[have++] = '\n';
		else if (r == 0)
			break;
		else
			have += (size_t)r;
		do {
			pl.pl_n = 0;
			used = pbx_lines_take(&pl, buf, have,
			    have == PBX_SLICE_BYTES);
			pl.pl_off += (int64_t)used;
			memmove(buf, buf + used, have - used);
			have -= used;
			if (pl.pl_n == 0)
				continue;
			if ((intx == 0 && store_begin(s) != STORE_OK) ||
			    pbx_lines_apply(s, cf, &pl, n) == -1)
				goto fail;
			intx += (int64_t)pl.pl_n;
			if (intx >= PBX_IMPORT_EVENTS) {
				intx = 0;
				if (store_commit(s) != STORE_OK)
					goto fail;
			}
		} while (used > 0 && have > 0);
		if (r == 0)
			break;
	}
	if (rc == 0 && intx > 0 && store_commit(s) != STORE_OK)
		goto fail;
	if (rc == -1 && intx > 0)
		store_rollback(s);	/* a read failed: this part is not in */
	goto out;
fail:
	store_rollback(s);
	if (asprintf(cause, "the store: %s", store_errmsg(s)) == -1)
		*cause = NULL;
	rc = -1;
out:
	n[3] = (int64_t)pbx_counts()->pn_refused;
	free(buf);
	pbx_lines_free(&pl);
	close(fd);
	return rc;
}

/*
 * The follower. Each turn of its timer reads at most PBX_SLICE_BYTES
 * from the committed offset, parses the whole lines and queues them with
 * their new offset as one batch task; the offset moves on only once that
 * batch has committed. At the end of the file it looks whether the path
 * now names another file (rotated or replaced): then it goes on with
 * that one from its start. A file shorter than the offset was truncated:
 * read again from its start.
 */
static struct {
	struct batch		*f_batch;
	struct store		*f_store;
	const struct config	*f_cf;
	struct event		*f_ev;
	char			*f_path;	/* being followed; NULL: none */
	int			 f_fd;
	int64_t			 f_dev, f_ino, f_off;	/* committed */
	int			 f_loaded;	/* the store's position read */
	int			 f_busy;	/* a slice is in the batch */
	int			 f_rc;		/* the slice's apply */
	int64_t			 f_next;	/* the slice's end */
	int64_t			 f_said;	/* cannot read: last said */
	struct pbx_lines	 f_pl;
	char			*f_buf;
} fl = { .f_fd = -1 };

static void
pbx_follow_again(int now)
{
	struct timeval	 tv = { 0, 0 };

	if (fl.f_ev == NULL || fl.f_cf == NULL)
		return;
	if (!now) {
		tv.tv_sec = fl.f_cf->cf_pbx.px_poll_ms / 1000;
		tv.tv_usec = (fl.f_cf->cf_pbx.px_poll_ms % 1000) * 1000;
	}
	evtimer_add(fl.f_ev, &tv);
}

static void
pbx_follow_close(void)
{
	if (fl.f_fd != -1)
		close(fl.f_fd);
	fl.f_fd = -1;
}

/* In the batch: the slice's events, then the position after them. */
static void
pbx_follow_run(void *arg)
{
	int64_t	 n[4] = { 0, 0, 0, 0 };

	(void)arg;
	fl.f_rc = pbx_lines_apply(fl.f_store, fl.f_cf, &fl.f_pl, n) == -1 ||
	    store_pbx_follow_set(fl.f_store, fl.f_path, fl.f_dev, fl.f_ino,
	    fl.f_next, clock_now()) != STORE_OK ? -1 : 0;
	if (fl.f_rc == -1)
		log_warnx("pbx: %s: %s", fl.f_path, store_errmsg(fl.f_store));
}

static void
pbx_follow_done(void *arg, int ok)
{
	(void)arg;
	fl.f_busy = 0;
	if (ok && fl.f_rc == 0) {
		fl.f_off = fl.f_next;
		pbx_follow_state(1, fl.f_off);
		pbx_follow_again(1);	/* more may be waiting */
	} else
		pbx_follow_again(0);	/* the same slice, later */
}

static void
pbx_follow_cannot(const char *what)
{
	int64_t	 now = clock_now();

	/* Not there yet (Asterisk makes it with its first call): said once. */
	if (errno == ENOENT) {
		pbx_follow_state(-1, fl.f_off);
		if (fl.f_said != -1)
			log_info("pbx: %s does not exist yet: waiting for it",
			    fl.f_path);
		fl.f_said = -1;
		return;
	}
	pbx_follow_state(0, fl.f_off);
	if (fl.f_said == -1 || now - fl.f_said >= PBX_SAY_EVERY_S) {
		fl.f_said = now;
		log_warn("pbx: %s: %s (tried again every poll, said once a "
		    "minute)", fl.f_path, what);
	}
}

/* Open the file the path names now; from the stored offset if it is the
 * file read before, else from its start. 0, or -1. */
static int
pbx_follow_open(void)
{
	struct stat	 st;
	int64_t		 dev = 0, ino = 0, off = 0;
	int		 rc;

	if (!fl.f_loaded) {
		rc = store_pbx_follow_get(fl.f_store, fl.f_path, &dev, &ino,
		    &off);
		if (rc != STORE_OK && rc != STORE_NOTFOUND)
			return -1;
		fl.f_dev = dev;
		fl.f_ino = ino;
		fl.f_off = off;
		fl.f_loaded = 1;
	}
	if ((fl.f_fd = open(fl.f_path, O_RDONLY | O_NONBLOCK |
	    O_CLOEXEC)) == -1) {
		pbx_follow_cannot("cannot open");
		return -1;
	}
	if (fstat(fl.f_fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		errno = EINVAL;
		pbx_follow_cannot("not a regular file");
		pbx_follow_close();
		return -1;
	}
	if ((int64_t)st.st_dev != fl.f_dev || (int64_t)st.st_ino != fl.f_ino) {
		if (fl.f_ino != 0)
			log_info("pbx: %s is a new file: reading it from its "
			    "start", fl.f_path);
		fl.f_dev = (int64_t)st.st_dev;
		fl.f_ino = (int64_t)st.st_ino;
		fl.f_off = 0;
		fl.f_pl.pl_skipping = 0;
	}
	return 0;
}

/* At the end of the file: does the path name another one now? */
static int
pbx_follow_replaced(void)
{
	struct stat	 st;

	if (stat(fl.f_path, &st) == -1)
		return 0;	/* gone for now: keep the old one */
	return (int64_t)st.st_dev != fl.f_dev || (int64_t)st.st_ino != fl.f_ino;
}

static void
pbx_follow_tick(evutil_socket_t fd, short events, void *arg)
{
	struct stat	 st;
	ssize_t		 r;
	size_t		 used;

	(void)fd;
	(void)events;
	(void)arg;
	if (fl.f_busy || fl.f_path == NULL)
		return;
	if (fl.f_fd == -1 && pbx_follow_open() == -1) {
		pbx_follow_again(0);
		return;
	}
	if (fstat(fl.f_fd, &st) == 0 && st.st_size < fl.f_off) {
		log_info("pbx: %s was truncated: reading it from its start",
		    fl.f_path);
		fl.f_off = 0;
		fl.f_pl.pl_skipping = 0;
	}
	r = pread(fl.f_fd, fl.f_buf, PBX_SLICE_BYTES, fl.f_off);
	if (r == -1) {
		pbx_follow_cannot("cannot read");
		pbx_follow_close();
		pbx_follow_again(0);
		return;
	}
	fl.f_pl.pl_n = 0;
	fl.f_pl.pl_off = fl.f_off;
	used = pbx_lines_take(&fl.f_pl, fl.f_buf, (size_t)r,
	    r == PBX_SLICE_BYTES);
	if (used == 0) {
		pbx_follow_state(1, fl.f_off);
		if (pbx_follow_replaced()) {
			pbx_follow_close();
			pbx_follow_again(1);
		} else
			pbx_follow_again(0);
		return;
	}
	fl.f_next = fl.f_off + (int64_t)used;
	fl.f_busy = 1;
	if (batch_task(fl.f_batch, pbx_follow_run, pbx_follow_done,
	    NULL) == -1) {
		fl.f_busy = 0;
		log_warnx("pbx: out of memory");
		pbx_follow_again(0);
	}
}

static int
pbx_follow_start(const struct config *cf)
{
	fl.f_cf = cf;
	if (cf->cf_pbx.px_queue_log == NULL)
		return 0;
	if ((fl.f_path = strdup(cf->cf_pbx.px_queue_log)) == NULL)
		return -1;
	fl.f_loaded = 0;
	pbx_follow_again(1);
	return 0;
}

int
pbx_follow_init(struct event_base *base, struct batch *b, struct store *s,
    const struct config *cf)
{
	fl.f_batch = b;
	fl.f_store = s;
	fl.f_fd = -1;
	fl.f_said = 0;
	if ((fl.f_ev = evtimer_new(base, pbx_follow_tick, NULL)) == NULL ||
	    (fl.f_buf = malloc(PBX_SLICE_BYTES)) == NULL ||
	    pbx_lines_new(&fl.f_pl, "queue_log") == -1)
		return -1;
	return pbx_follow_start(cf);
}

/* A reload: another path is followed from its stored position. */
void
pbx_follow_set_config(const struct config *cf)
{
	const char	*p = cf->cf_pbx.px_queue_log;

	fl.f_cf = cf;
	if ((p == NULL && fl.f_path == NULL) ||
	    (p != NULL && fl.f_path != NULL && strcmp(p, fl.f_path) == 0))
		return;
	if (fl.f_busy) {
		/* The slice in the batch names the old path: after it. */
		log_warnx("pbx: queue_log changed while a slice is being "
		    "written; the new path is followed after a reload");
		return;
	}
	pbx_follow_close();
	free(fl.f_path);
	fl.f_path = NULL;
	if (pbx_follow_start(cf) == -1)
		log_warnx("pbx: out of memory");
}

void
pbx_follow_free(void)
{
	pbx_follow_close();
	if (fl.f_ev != NULL)
		event_free(fl.f_ev);
	free(fl.f_path);
	free(fl.f_buf);
	pbx_lines_free(&fl.f_pl);
	memset(&fl, 0, sizeof(fl));
	fl.f_fd = -1;
}
