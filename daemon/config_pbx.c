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
 *   };
 */
#include <stdlib.h>
#include <string.h>

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

int
ld_pbx(struct loader *ld, const config_setting_t *root, struct config *cf)
{
	static const char *const known[] = { "queue_log", "poll", "lines",
	    "agents", "short_abandon", "service_level", "unlogged_after",
	    NULL };
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
	    ld_pbx_agents(ld, g, cf) == -1 ? -1 : 0;
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
