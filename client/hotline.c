/*
 * hotline: the operators' command-line client for hotlined. main() reads
 * the global options and hands over to one command.
 */
#include <langinfo.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "hotline.h"

struct hotline_cmd {
	const char	*name;
	int		(*fn)(struct hl *, int, char **);
};

static const struct hotline_cmd hotline_cmds[] = {
	{ "log", cmd_log },
	{ "show", cmd_show },
	{ "list", cmd_list },
	{ "amend", cmd_amend },
	{ "schema", cmd_schema },
	{ "whoami", cmd_whoami },
	{ "queue", cmd_queue },
	{ "claim", cmd_claim },
	{ "done", cmd_done },
	{ "release", cmd_release },
	{ "renew", cmd_renew },
	{ "item", cmd_item },
	{ "attempt", cmd_attempt },
	{ "plan", cmd_plan },
	{ "handover", cmd_handover },
	{ "stats", cmd_stats },
	{ "export", cmd_export },
	{ "report", cmd_report },
	{ "audit", cmd_audit },
	{ "status", cmd_status },
	{ "sync", cmd_sync },
	{ "unlogged", cmd_unlogged },
	{ "care", cmd_care },
};

static const struct option hotline_options[] = {
	{ "server", required_argument, NULL, 'S' },
	{ "status", required_argument, NULL, 's' },
	{ "config", required_argument, NULL, 'C' },
	{ "cacert", required_argument, NULL, 'A' },
	{ "insecure-plain", no_argument, NULL, 'P' },
	{ "json", no_argument, NULL, 'j' },
	{ "strict", no_argument, NULL, 'T' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

/*
 * Where the catalogue is: the Makefile compiles the tree's build/locale
 * into the binary the tree runs (make run's tour, the tests) and
 * $(PREFIX)/share/locale into the one make install copies.
 */
#ifndef LOCALEDIR
#define LOCALEDIR	"/usr/local/share/locale"
#endif

/*
 * The server's text is UTF-8 whatever the locale says, and column widths
 * need a UTF-8 LC_CTYPE to count Chinese characters as two columns; the
 * catalogue is asked for UTF-8 too, so one encoding reaches the terminal.
 */
static void
hotline_locale(void)
{
	setlocale(LC_ALL, "");
	if (strcmp(nl_langinfo(CODESET), "UTF-8") != 0)
		setlocale(LC_CTYPE, "C.UTF-8");
	bindtextdomain("hotline", LOCALEDIR);
	bind_textdomain_codeset("hotline", "UTF-8");
	textdomain("hotline");
}

/* hotline help [COMMAND] */
static int
hotline_help(int argc, char **argv)
{
	if (argc > 2)
		return msg_usage("help", _("too many arguments"));
	if (argc == 2 && usage_print(stdout, argv[1]) == -1)
		return msg_usage(NULL, _("no command '%s'"), argv[1]);
	if (argc < 2)
		usage_print(stdout, NULL);
	return EXIT_OK;
}

/* Whether a command was only asked for its help. */
static int
hotline_help_asked(int argc, char **argv)
{
	int	i;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i],
		    "--help") == 0)
			return 1;
	return 0;
}

/* Run command argv[0]; its options are parsed from scratch. */
static int
hotline_dispatch(struct hl *hl, int argc, char **argv)
{
	size_t	i;

	if (strcmp(argv[0], "help") == 0)
		return hotline_help(argc, argv);
	for (i = 0; i < sizeof hotline_cmds / sizeof hotline_cmds[0]; i++) {
		if (strcmp(hotline_cmds[i].name, argv[0]) == 0) {
			/* What an earlier command saved goes first. */
			if (hotline_cmds[i].fn != cmd_sync && !hotline_help_asked(
			    argc, argv))
				cmd_sync_quiet(hl);
			optind = 0;	/* glibc: start getopt afresh */
			return hotline_cmds[i].fn(hl, argc, argv);
		}
	}
	return msg_usage(NULL, _("no command '%s'"), argv[0]);
}

/* The global options, up to the command name. -1 to go on, else an exit. */
static int
hotline_global(struct hl *hl, int argc, char **argv)
{
	int	c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:C:hV", hotline_options,
	    NULL)) != -1) {
		switch (c) {
		case 'S':
			if (!http_valid_server(optarg))
				return msg_usage(NULL, _("--server: '%s' is not "
				    "unix:PATH or http(s)://HOST:PORT"), optarg);
			hl->server_opt = optarg;
			break;
		case 's':
			if (!http_valid_server(optarg))
				return msg_usage(NULL, _("--status: '%s' is not "
				    "unix:PATH or http(s)://HOST:PORT"), optarg);
			hl->status_opt = optarg;
			break;
		case 'C':
			hl->config_path = optarg;
			break;
		case 'A':
			hl->cacert_opt = optarg;
			break;
		case 'P':
			hl->insecure_plain = 1;
			break;
		case 'j':
			hl->json = 1;
			break;
		case 'T':
			hl->strict = 1;
			break;
		case 'h':
			usage_print(stdout, NULL);
			return EXIT_OK;
		case 'V':
			printf("hotline %s\n", HOTLINED_VERSION);
			return EXIT_OK;
		default:
			return opt_bad(NULL, c, argv);
		}
	}
	return -1;
}

static int
hotline_run(int argc, char **argv)
{
	struct hl	hl;
	int		rv;

	memset(&hl, 0, sizeof hl);
	if ((rv = hotline_global(&hl, argc, argv)) != -1)
		return rv;
	if (optind >= argc) {
		usage_print(stderr, NULL);
		return EXIT_USAGE;
	}
	rv = hotline_dispatch(&hl, argc - optind, argv + optind);
	/* Clear text refused is a matter of how hotline was called. */
	if (hl.plain_refused && rv != EXIT_OK)
		rv = EXIT_USAGE;
	api_close(&hl);
	return rv;
}

int
main(int argc, char **argv)
{
	int	rv;

	hotline_locale();
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		msg_error(_("cannot initialise libcurl"));
		return EXIT_ERROR;
	}
	rv = hotline_run(argc, argv);
	curl_global_cleanup();
	return rv;
}
