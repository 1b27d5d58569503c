/*
 * The pbx group of hotlined.conf: the queue_log to follow, which queue
 * or dialled number is which line, which agent is which operator, and
 * the thresholds of the phone measures.
 *
 *   pbx = {
 *     queue_log = "/var/log/asterisk/queue_log";
 *     lines = ( { name = "hotline400"; line = "400"; } );
 *     agents = ( { agent = "PJSIP/8001"; operator = "wang"; } );
 *     short_abandon = "5s"; service_level = "20s";
 *     unlogged_after = "30m"; poll = "1s";
 *     callback = { queue = "mhc"; key_file = "/etc/hotlined/callback.key"; };
 *   };
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "config_int.h"

#define PBX_NAME_MAX	80	/* a queue, number or agent name */

/* A name the PBX writes: printable, no separator of the queue_log. */
static int
ld_pbx_name_ok(const char *s)
{
	size_t	 n = strlen(s);

	if (n == 0 || n > PBX_NAME_MAX)
		return 0;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= ' ' || *s == '|' || *s == 0x7f)
			return 0;
	return 1;
}

/* One { name = ...; line = ...; } or { agent = ...; operator = ...; }. */
static int
ld_pbx_pair(struct loader *ld, const config_setting_t *e, const char *path,
    const char *k, const char *v, char **key, char **val)
{
	const char *const known[] = { k, v, NULL };

	if (!config_setting_is_group(e))
		return ld_error(ld, e, path, "must be a group { %s = ...; "
		    "%s = ...; }", k, v);
	if (ld_known(ld, e, path, known) == -1 ||
	    ld_string(ld, e, path, k, NULL, key) == -1 ||
	    ld_string(ld, e, path, v, NULL, val) == -1)
		return -1;
	if (!ld_pbx_name_ok(*key))
		return ld_error(ld, e, path, "%s \"%s\" must be 1 to %d "
		    "printable characters without spaces or '|'", k, *key,
		    PBX_NAME_MAX);
	return 0;
}

static int
ld_pbx_lines(struct loader *ld, const config_setting_t *g, struct config *cf)
{
	config_setting_t	*s, *e;
	struct pbx_conf		*px = &cf->cf_pbx;
	char			 path[64], *line;
	size_t			 j;
	int			 i, n;

	if ((s = config_setting_get_member(g, "lines")) == NULL)
		return 0;
	if (!config_setting_is_list(s))
		return ld_error(ld, s, "pbx.lines", "must be a list ( ... )");
	n = config_setting_length(s);
	if ((px->px_lines = calloc(n + 1, sizeof(*px->px_lines))) == NULL)
		return ld_error(ld, s, "pbx.lines", "out of memory");
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(s, i);
		snprintf(path, sizeof(path), "pbx.lines[%d]", i);
		line = NULL;
		if (ld_pbx_pair(ld, e, path, "name", "line",
		    &px->px_lines[i].pl_name, &line) == -1) {
			free(line);
			px->px_nlines = i + 1;
			return -1;
		}
		px->px_nlines = i + 1;
		for (j = 0; j < cf->cf_lines.cl_n; j++)
			if (strcmp(cf->cf_lines.cl_v[j].cn_code, line) == 0)
				break;
		if (j == cf->cf_lines.cl_n) {
			ld_error(ld, e, path, "line \"%s\" is not one of the "
			    "lines", line);
			free(line);
			return -1;
		}
		free(line);
		px->px_lines[i].pl_line = j;
		for (j = 0; j < (size_t)i; j++)
			if (strcmp(px->px_lines[j].pl_name,
			    px->px_lines[i].pl_name) == 0)
				return ld_error(ld, e, path, "\"%s\" is listed "
				    "twice", px->px_lines[i].pl_name);
	}
	return 0;
}

static int
ld_pbx_agents(struct loader *ld, const config_setting_t *g,
    struct config *cf)
{
	config_setting_t	*s, *e;
	struct pbx_conf		*px = &cf->cf_pbx;
	char			 path[64], *op;
	size_t			 j;
	int			 i, n;

	if ((s = config_setting_get_member(g, "agents")) == NULL)
		return 0;
	if (!config_setting_is_list(s))
		return ld_error(ld, s, "pbx.agents", "must be a list ( ... )");
	n = config_setting_length(s);
	if ((px->px_agents = calloc(n + 1, sizeof(*px->px_agents))) == NULL)
		return ld_error(ld, s, "pbx.agents", "out of memory");
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(s, i);
		snprintf(path, sizeof(path), "pbx.agents[%d]", i);
		op = NULL;
		if (ld_pbx_pair(ld, e, path, "agent", "operator",
		    &px->px_agents[i].pa_agent, &op) == -1) {
			free(op);
			px->px_nagents = i + 1;
			return -1;
		}
		px->px_nagents = i + 1;
		for (j = 0; j < cf->cf_nops; j++)
			if (strcmp(cf->cf_ops[j].op_name, op) == 0)
				break;
		if (j == cf->cf_nops) {
			ld_error(ld, e, path, "operator \"%s\" is not one of "
			    "the operators", op);
			free(op);
			return -1;
		}
		free(op);
		px->px_agents[i].pa_op = j;
		for (j = 0; j < (size_t)i; j++)
			if (strcmp(px->px_agents[j].pa_agent,
			    px->px_agents[i].pa_agent) == 0)
				return ld_error(ld, e, path, "agent \"%s\" is "
				    "listed twice", px->px_agents[i].pa_agent);
	}
	return 0;
}

/* 64 hex digits (and an end of line) into the 32 bytes of key. */
static int
ld_pbx_hex_key(const char *s, unsigned char *key)
{
	size_t	 i, n = strlen(s);
	int	 hi, lo;

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	if (n != 64)
		return -1;
	for (i = 0; i < 32; i++) {
		hi = OPENSSL_hexchar2int((unsigned char)s[2 * i]);
		lo = OPENSSL_hexchar2int((unsigned char)s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		key[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

/* The key file: the daemon's user's alone, 64 hex digits. */
static int
ld_pbx_key_file(struct loader *ld, const config_setting_t *m,
    const struct config *cf, const char *path, unsigned char *key)
{
	uid_t		 owner = cf->cf_user != NULL ? cf->cf_uid : geteuid();

	struct stat	 sb;
	char		 buf[80];
	ssize_t		 n;
	int		 fd, rc;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return ld_error(ld, m, "pbx.callback.key_file", "%s: %s", path,
		    strerror(errno));
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return ld_error(ld, m, "pbx.callback.key_file", "%s is not "
		    "a plain file", path);
	}
	if ((sb.st_mode & 077) != 0 || sb.st_uid != owner) {
		close(fd);
		return ld_error(ld, m, "pbx.callback.key_file", "%s must "
		    "belong to the daemon's user and be readable by it alone "
		    "(chmod 0400)", path);
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	rc = n > 0 ? ld_pbx_hex_key(buf, key) : -1;
	OPENSSL_cleanse(buf, sizeof(buf));
	if (rc == -1)
		return ld_error(ld, m, "pbx.callback.key_file", "%s must hold "
		    "a 32-byte key as 64 hex digits (openssl rand -hex 32)",
		    path);
	return 0;
}

/*
 * pbx.callback = { queue = "mhc"; key = "64 hex digits" | key_file =
 * "path"; priority = 2; }: a caller who gave up gets a callback item,
 * their number sealed with the key. Absent: off.
 */
static int
ld_pbx_callback(struct loader *ld, const config_setting_t *g,
    struct config *cf)
{
	static const char *const known[] = { "queue", "key", "key_file",
	    "priority", NULL };
	config_setting_t	*c, *m;
	struct pbx_conf		*px = &cf->cf_pbx;
	const struct code_name	*q;
	char			*v = NULL;
	int			 rc;

	if (g == NULL || ld_group(ld, g, "callback", &c) == -1)
		return g == NULL ? 0 : -1;
	if (c == NULL)
		return 0;
	if (ld_known(ld, c, "pbx.callback", known) == -1 ||
	    ld_string(ld, c, "pbx.callback", "queue", NULL, &v) == -1)
		return -1;
	q = config_find(&cf->cf_queues, v);
	free(v);
	if (q == NULL)
		return ld_error(ld, config_setting_get_member(c, "queue"),
		    "pbx.callback.queue", "unknown queue (not in queues)");
	px->px_cb_queue = (size_t)(q - cf->cf_queues.cl_v);
	px->px_cb_priority = 2;
	if ((m = config_setting_get_member(c, "priority")) != NULL) {
		if (config_setting_type(m) != CONFIG_TYPE_INT ||
		    config_setting_get_int(m) < 1 ||
		    config_setting_get_int(m) > QUEUE_PRIORITIES)
			return ld_error(ld, m, "pbx.callback.priority", "must "
			    "be a whole number from 1 to %d", QUEUE_PRIORITIES);
		px->px_cb_priority = config_setting_get_int(m);
	}
	if (cf->cf_hash_key == NULL)
		return ld_error(ld, c, "pbx.callback", "needs "
		    "privacy.caller_hash_key: a caller is known by the hash "
		    "of their number");
	if ((config_setting_get_member(c, "key") != NULL) ==
	    (config_setting_get_member(c, "key_file") != NULL))
		return ld_error(ld, c, "pbx.callback.key", "give either key "
		    "or key_file: a 32-byte key as 64 hex digits");
	if ((m = config_setting_get_member(c, "key")) != NULL) {
		if (ld_string(ld, c, "pbx.callback", "key", NULL, &v) == -1)
			return -1;
		rc = ld_pbx_hex_key(v, px->px_cb_key);
		OPENSSL_cleanse(v, strlen(v));
		free(v);
		if (rc == -1)
			return ld_error(ld, m, "pbx.callback.key", "must be a "
			    "32-byte key as 64 hex digits (openssl rand -hex "
			    "32)");
	} else {
		m = config_setting_get_member(c, "key_file");
		if (ld_string(ld, c, "pbx.callback", "key_file", NULL,
		    &v) == -1)
			return -1;
		rc = ld_pbx_key_file(ld, m, cf, v, px->px_cb_key);
		free(v);
		if (rc == -1)
			return -1;
	}
	px->px_cb_on = 1;
	return 0;
}

int
ld_pbx(struct loader *ld, const config_setting_t *root, struct config *cf)
{
	static const char *const known[] = { "queue_log", "poll", "lines",
	    "agents", "short_abandon", "service_level", "unlogged_after",
	    "callback", NULL };
	config_setting_t	*g;
	struct pbx_conf		*px = &cf->cf_pbx;

	if (ld_group(ld, root, "pbx", &g) == -1 ||
	    (g != NULL && ld_known(ld, g, "pbx", known) == -1) ||
	    (g != NULL && config_setting_get_member(g, "queue_log") != NULL &&
	    ld_string(ld, g, "pbx", "queue_log", NULL,
	    &px->px_queue_log) == -1))
		return -1;
	if (ld_group_duration(ld, g, "pbx", "short_abandon", 5, 0, 3600,
	    &px->px_short_abandon_s) == -1 ||
	    ld_group_duration(ld, g, "pbx", "service_level", 20, 1, 3600,
	    &px->px_sla_s) == -1 ||
	    ld_group_duration(ld, g, "pbx", "unlogged_after", 1800, 60,
	    7 * 86400, &px->px_unlogged_s) == -1 ||
	    ld_group_duration(ld, g, "pbx", "poll", 1, 1, 60,
	    &px->px_poll_ms) == -1)
		return -1;
	px->px_poll_ms *= 1000;
	return g == NULL ? 0 : ld_pbx_lines(ld, g, cf) == -1 ||
	    ld_pbx_agents(ld, g, cf) == -1 ||
	    ld_pbx_callback(ld, g, cf) == -1 ? -1 : 0;
}

void
config_pbx_free(struct pbx_conf *px)
{
	size_t	 i;

	free(px->px_queue_log);
	for (i = 0; i < px->px_nlines; i++)
		free(px->px_lines[i].pl_name);
	free(px->px_lines);
	for (i = 0; i < px->px_nagents; i++)
		free(px->px_agents[i].pa_agent);
	free(px->px_agents);
	OPENSSL_cleanse(px->px_cb_key, sizeof(px->px_cb_key));
}

/* The line code of a queue name or dialled number (or a line's own
 * code); NULL when the config does not know it. */
const char *
config_pbx_line(const struct config *cf, const char *name)
{
	size_t	 i;

	for (i = 0; i < cf->cf_pbx.px_nlines; i++)
		if (strcmp(cf->cf_pbx.px_lines[i].pl_name, name) == 0)
			return cf->cf_lines.cl_v[cf->cf_pbx.px_lines[i].pl_line]
			    .cn_code;
	for (i = 0; i < cf->cf_lines.cl_n; i++)
		if (strcmp(cf->cf_lines.cl_v[i].cn_code, name) == 0)
			return cf->cf_lines.cl_v[i].cn_code;
	return NULL;
}

/* The operator an agent or extension is; NULL when unknown. */
const char *
config_pbx_operator(const struct config *cf, const char *agent)
{
	size_t	 i;

	for (i = 0; i < cf->cf_pbx.px_nagents; i++)
		if (strcmp(cf->cf_pbx.px_agents[i].pa_agent, agent) == 0)
			return cf->cf_ops[cf->cf_pbx.px_agents[i].pa_op]
			    .op_name;
	return NULL;
}
