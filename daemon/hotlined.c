/*
 * hotlined: log the calls of a psychological support hotline.
 * main() parses the options and hands off to server_run().
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>
#include <unistd.h>

#include "hotlined.h"

#define EX_USAGE_ERR	64	/* sysexits.h EX_USAGE */

static void
usage(FILE *f)
{
	fprintf(f,
"usage: hotlined [-ftVh] [-c file]\n"
"       hotlined [-c file] --backup file\n"
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
"  --backup file\n"
"           write a consistent copy of the configured store to file\n"
"           (SQLite's online backup; a daemon may go on serving), then\n"
"           exit: 0 when the copy is whole, 1 with the reason if not\n"
"  -h       print this help and exit\n"
"\n"
"Signals: SIGHUP re-reads the config (a bad one is logged and the old one\n"
"keeps serving); SIGTERM or SIGINT stop accepting, commit and exit 0.\n"
"Exit status: 0 after a clean stop, 1 when the store or a listener cannot\n"
"be opened, 64 for a usage error, 78 for a config error.\n");
}

/* -t: load the config and say what is wrong with it. */
static int
check_config(const char *path)
{
	struct config	*cf;
	char		*cause = NULL;

	if ((cf = config_load(path, &cause)) == NULL) {
		fprintf(stderr, "hotlined: %s\n", cause);
		free(cause);
		return EX_CONFIG_ERR;
	}
	config_free(cf);
	printf("%s: configuration OK\n", path);
	return 0;
}

/* --backup: copy the store the config names to dest while it serves. */
static int
backup(const char *path, const char *dest)
{
	struct config	*cf;
	char		*cause = NULL;
	int		 rc = 0;

	if ((cf = config_load(path, &cause)) == NULL) {
		fprintf(stderr, "hotlined: %s\n", cause);
		free(cause);
		return EX_CONFIG_ERR;
	}
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

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "backup", required_argument, NULL, 'B' },
		{ NULL, 0, NULL, 0 }
	};
	const char	*conf = HOTLINED_CONF, *dest = NULL;
	int		 ch, foreground = 0, test = 0;

	while ((ch = getopt_long(argc, argv, "c:fhtV", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'B':
			dest = optarg;
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
	if (optind != argc) {
		fprintf(stderr, "hotlined: unexpected argument: %s\n",
		    argv[optind]);
		usage(stderr);
		return EX_USAGE_ERR;
	}
	if (test)
		return check_config(conf);
	if (dest != NULL)
		return backup(conf, dest);
	log_init(foreground, LOG_DAEMON);
	return server_run(conf, foreground);
}
