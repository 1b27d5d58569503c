/*
 * What every command's option parsing shares: the common options (--json,
 * --help), getopt's complaints said the one way, and --json's output.
 */
#include <string.h>
#include <unistd.h>

#include "hotline.h"

/* Print JSON for --json: indented for a person, one line for a pipe. */
void
opt_json(const json_t *j)
{
	size_t	flags = JSON_ENCODE_ANY;

	flags |= isatty(STDOUT_FILENO) ? JSON_INDENT(2) : JSON_COMPACT;
	json_dumpf(j, stdout, flags);
	putchar('\n');
}

/* Report getopt's complaint c ('?' or ':') about argv[optind - 1]. */
int
opt_bad(const char *cmd, int c, char **argv)
{
	const char	*arg = argv[optind - 1];

	if (c == ':')
		return msg_usage(cmd, _("option %s needs a value"), arg);
	if (strncmp(arg, "--", 2) == 0 && strchr(arg, '=') != NULL)
		return msg_usage(cmd, _("unknown option, or one that takes no "
		    "value: %s"), arg);
	if (strncmp(arg, "--", 2) == 0)
		return msg_usage(cmd, _("unknown option %s"), arg);
	return msg_usage(cmd, _("unknown option -%c"), optopt);
}

/*
 * The options of a command that has only the common ones (--json, --help).
 * Returns -1 to go on, with optind at the first operand, else an exit status.
 */
int
opt_common(struct hl *hl, const char *cmd, int argc, char **argv)
{
	static const struct option	 opts[] = {
		OPT_COMMON,
		{ NULL, 0, NULL, 0 }
	};
	int				 c;

	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			hl->json = 1;
			break;
		case 'h':
			usage_print(stdout, cmd);
			return EXIT_OK;
		default:
			return opt_bad(cmd, c, argv);
		}
	}
	return -1;
}
