/*
 * hotlined: log the calls of a psychological support hotline.
 * main() parses the options and hands off to server_run().
 */
#include <sys/stat.h>

#include <sys/random.h>

#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <termios.h>
#include <unistd.h>

#include "server.h"

#define EX_USAGE_ERR	64	/* sysexits.h EX_USAGE */

static void
usage(FILE *f)
{
	fprintf(f,
"usage: hotlined [-ftVh] [-c file] [--allow-root]\n"
"       hotlined [-c file] [--allow-root] --backup file\n"
"       hotlined [-c file] [--allow-root] --import-queue-log file\n"
"       hotlined --new-token name role\n"
"       hotlined --new-password name < password\n"
"\n"
"Keep the call log of a psychological support hotline: operators log\n"
"calls over an HTTP API (see hotline(1)); every answer that says a call\n"
"is stored is sent only after it is on disk.\n"
"\n"
"  -c file  the config file (default " HOTLINED_CONF ")\n"
"  -f       stay in the foreground and copy the log to stderr\n"
"  -t       check the config file, then exit: 0 when it is good,\n"
"           78 with the file, line and setting of the first error\n"
"  -V       print the version and exit\n"
"  --allow-root\n"
"           started as root with no user in the config, open the store\n"
"           as root anyway (a development store only; otherwise the\n"
"           daemon refuses, exit 78: set user, which it becomes after\n"
"           binding its listeners)\n"
"  --backup file\n"
"           as the config's user, write a consistent copy of the configured store to file\n"
"           (SQLite's online backup; a daemon may go on serving), then\n"
"           exit: 0 when the copy is whole, 1 with the reason if not\n"
"  --import-queue-log file\n"
"           as the config's user, load an Asterisk queue_log into the\n"
"           store (one row per phone call; importing the same file\n"
"           again changes nothing), print what it did and exit\n"
"  --new-token name role\n"
"           print a fresh random bearer token for name (operator,\n"
"           counselor, supervisor, admin, pbx or liaison) once, and the\n"
"           operators entry for the config, which keeps only its\n"
"           SHA-256\n"
"  --new-password name\n"
"           read a password for name (twice, unechoed, on a terminal;\n"
"           else one line of standard input) and print the password\n"
"           entry for its operators entry: a yescrypt hash, never the\n"
"           password, with which name signs in to the browser console\n"
"  -h       print this help and exit\n"
"\n"
"Signals: SIGHUP re-reads the config (a bad one is logged and the old one\n"
"keeps serving); SIGTERM or SIGINT stop accepting, commit and exit 0.\n"
"Exit status: 0 after a clean stop, 1 when the store or a listener cannot\n"
"be opened, 64 for a usage error, 78 for a config error (or for root\n"
"with no user to become).\n");
}

/* -t: load the config and say what is wrong with it. */
static int
check_config(const char *path)
{
	struct config	*cf;
	char		*cause = NULL, warn[320];

	if ((cf = config_load(path, &cause)) == NULL) {
		fprintf(stderr, "hotlined: %s\n", cause);
		free(cause);
		return EX_CONFIG_ERR;
	}
	if (config_retention_short(cf, warn, sizeof(warn)))
		fprintf(stderr, "hotlined: %s: warning: %s\n", path, warn);
	config_free(cf);
	printf("%s: configuration OK\n", path);
	return 0;
}

/*
 * Load the config at path and become its user, for the one-shot commands
 * that open the store: no file of the store may become root's. NULL,
 * said on stderr, when either fails.
 */
static struct config *
config_as_user(const char *path, int allow_root)
{
	struct config	*cf;
	char		*cause = NULL;

	if ((cf = config_load(path, &cause)) == NULL) {
		fprintf(stderr, "hotlined: %s\n", cause);
		free(cause);
		return NULL;
	}
	if (priv_root_refused(cf, path, allow_root, &cause) ||
	    priv_drop(cf, &cause) == -1) {
		fprintf(stderr, "hotlined: %s\n", cause ? cause :
		    "out of memory");
		free(cause);
		config_free(cf);
		return NULL;
	}
	return cf;
}

/* --backup: copy the store the config names to dest while it serves. */
static int
backup(const char *path, const char *dest, int allow_root)
{
	struct config	*cf;
	char		*cause = NULL;
	int		 rc = 0;

	if ((cf = config_as_user(path, allow_root)) == NULL)
		return EX_CONFIG_ERR;
	if (store_backup(cf->cf_db_path, dest, &cause) == -1) {
		fprintf(stderr, "hotlined: backup of %s failed: %s\n",
		    cf->cf_db_path, cause);
		free(cause);
		rc = 1;
	} else
		printf("%s: a consistent copy of %s\n", dest, cf->cf_db_path);
	config_free(cf);
	return rc;
}

/*
 * --import-queue-log: load an Asterisk queue_log into the store the
 * config names, as the daemon's user; a second import of the same file
 * changes nothing.
 */
static int
import_queue_log(const char *path, const char *file, int allow_root)
{
	struct config	*cf;
	struct store	*st;
	char		*cause = NULL;
	int64_t		 n[4];
	int		 rc = 0;

	if ((cf = config_as_user(path, allow_root)) == NULL)
		return EX_CONFIG_ERR;
	clock_set_timezone(cf->cf_timezone);
	if ((st = store_open(cf->cf_db_path, cf->cf_busy_ms, &cause)) == NULL) {
		fprintf(stderr, "hotlined: store: %s\n", cause);
		free(cause);
		config_free(cf);
		return 1;
	}
	if (pbx_import(st, cf, file, n, &cause) == -1) {
		fprintf(stderr, "hotlined: --import-queue-log: %s\n", cause ?
		    cause : "out of memory");
		free(cause);
		rc = 1;
	}
	printf("%s: %lld events applied, %lld already known, %lld not about "
	    "a queued call, %lld lines refused\n", file, (long long)n[0],
	    (long long)n[1], (long long)n[2], (long long)n[3]);
	store_close(st);
	config_free(cf);
	return rc;
}

/*
 * --new-token: 32 random bytes as 64 hex digits, shown once; the config
 * entry holds only their SHA-256, so the token is nowhere on the server.
 */
static int
new_token(const char *name, const char *role)
{
	static const char *const roles[] = { "operator", "counselor",
	    "supervisor", "admin", "pbx", "liaison", NULL };
	unsigned char	 raw[32], sha[SHA256_LEN];
	char		 token[2 * sizeof(raw) + 1], hex[2 * SHA256_LEN + 1];
	const char	*p;
	size_t		 i;

	for (p = name; *p != '\0'; p++)
		if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) &&
		    *p != '_' && *p != '-')
			break;
	if (*name == '\0' || *p != '\0' || strlen(name) > 32) {
		fprintf(stderr, "hotlined: --new-token: name \"%s\" must be "
		    "1 to 32 characters of a-z, 0-9, _ -\n", name);
		return EX_USAGE_ERR;
	}
	for (i = 0; roles[i] != NULL; i++)
		if (strcmp(role, roles[i]) == 0)
			break;
	if (roles[i] == NULL) {
		fprintf(stderr, "hotlined: --new-token: role \"%s\" must be "
		    "operator, counselor, supervisor, admin, pbx or liaison\n",
		    role);
		return EX_USAGE_ERR;
	}
	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw)) {
		perror("hotlined: getrandom");
		return 1;
	}
	digest_hex_encode(raw, sizeof(raw), token);
	if (digest_sha256(token, strlen(token), sha) == -1) {
		fprintf(stderr, "hotlined: SHA-256 failed (libcrypto)\n");
		explicit_bzero(raw, sizeof(raw));
		explicit_bzero(token, sizeof(token));
		return 1;
	}
	digest_hex_encode(sha, sizeof(sha), hex);
	explicit_bzero(raw, sizeof(raw));
	printf("token for %s (%s), shown only now: give it to them, keep no "
	    "copy:\n  %s\n\nadd to operators in the config, then reload:\n"
	    "  { name = \"%s\"; role = \"%s\"; token_sha256 = \"%s\"; },\n",
	    name, role, token, name, role, hex);
	explicit_bzero(token, sizeof(token));
	return 0;
}

/* One line of f into buf, the newline taken off; -1 at end or too long. */
static int
read_line(FILE *f, char *buf, size_t len)
{
	size_t	 n;

	if (fgets(buf, (int)len, f) == NULL)
		return -1;
	n = strcspn(buf, "\n");
	if (buf[n] != '\n' && !feof(f))
		return -1;
	buf[n] = '\0';
	return 0;
}

/* A password from the terminal, not echoed; -1 at end of input. */
static int
read_secret(const char *prompt, char *buf, size_t len)
{
	struct termios	 old, quiet;
	int		 rc;

	fputs(prompt, stderr);
	if (tcgetattr(STDIN_FILENO, &old) == -1)
		return -1;
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	rc = read_line(stdin, buf, len);
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	fputc('\n', stderr);
	return rc;
}

/* --new-password: the yescrypt hash of a password, for the config. */
static int
new_password(const char *name)
{
	char	 pw[256], again[256] = "", hash[PASSWORD_HASH_MAX];
	int	 tty = isatty(STDIN_FILENO), rc;

	if (tty ? read_secret("password: ", pw, sizeof(pw)) == -1 ||
	    read_secret("again: ", again, sizeof(again)) == -1 :
	    read_line(stdin, pw, sizeof(pw)) == -1) {
		fprintf(stderr, "hotlined: --new-password: no password read "
		    "(at most %zu bytes, one line)\n", sizeof(pw) - 2);
		return EX_USAGE_ERR;
	}
	rc = EX_USAGE_ERR;
	if (tty && strcmp(pw, again) != 0)
		fprintf(stderr, "hotlined: --new-password: the two passwords "
		    "differ\n");
	else if (strlen(pw) < 8)
		fprintf(stderr, "hotlined: --new-password: a password needs "
		    "at least 8 characters\n");
	else if ((rc = password_hash(pw, hash, sizeof(hash))) == -1) {
		fprintf(stderr, "hotlined: --new-password: hashing failed "
		    "(libcrypt)\n");
		rc = 1;
	} else {
		printf("add to the operators entry of %s in the config, then "
		    "reload:\n  password = \"%s\";\n", name, hash);
		rc = 0;
	}
	explicit_bzero(pw, sizeof(pw));
	explicit_bzero(again, sizeof(again));
	return rc;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "allow-root", no_argument, NULL, 'R' },
		{ "backup", required_argument, NULL, 'B' },
		{ "new-token", no_argument, NULL, 'N' },
		{ "new-password", no_argument, NULL, 'P' },
		{ "import-queue-log", required_argument, NULL, 'I' },
		{ NULL, 0, NULL, 0 }
	};
	const char	*conf = HOTLINED_CONF, *dest = NULL, *qlog = NULL;
	int		 ch, foreground = 0, test = 0, token = 0, pw = 0;
	int		 allow_root = 0;

	while ((ch = getopt_long(argc, argv, "c:fhtV", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'R':
			allow_root = 1;
			break;
		case 'B':
			dest = optarg;
			break;
		case 'I':
			qlog = optarg;
			break;
		case 'N':
			token = 1;
			break;
		case 'P':
			pw = 1;
			break;
		case 'c':
			conf = optarg;
			break;
		case 'f':
			foreground = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 't':
			test = 1;
			break;
		case 'V':
			printf("hotlined %s\n", HOTLINED_VERSION);
			return 0;
		default:
			usage(stderr);
			return EX_USAGE_ERR;
		}
	}
	if (token) {
		if (argc - optind != 2) {
			fprintf(stderr, "hotlined: --new-token takes a name "
			    "and a role\n");
			usage(stderr);
			return EX_USAGE_ERR;
		}
		return new_token(argv[optind], argv[optind + 1]);
	}
	if (pw) {
		if (argc - optind != 1) {
			fprintf(stderr, "hotlined: --new-password takes a "
			    "name\n");
			usage(stderr);
			return EX_USAGE_ERR;
		}
		return new_password(argv[optind]);
	}
	if (optind != argc) {
		fprintf(stderr, "hotlined: unexpected argument: %s\n",
		    argv[optind]);
		usage(stderr);
		return EX_USAGE_ERR;
	}
	if (test)
		return check_config(conf);
	/*
	 * The store, its journal and a backup hold health records: no
	 * group or other access, whoever started us with whatever umask
	 * (the unit sets UMask=0077 too; sockets get their own mode).
	 */
	umask(077);
	if (dest != NULL)
		return backup(conf, dest, allow_root);
	if (qlog != NULL) {
		log_init(1, LOG_DAEMON);
		return import_queue_log(conf, qlog, allow_root);
	}
	log_init(foreground, LOG_DAEMON);
	return server_run(conf, foreground, allow_root);
}
