/*
 * Configuration: hotlined.conf (libconfig syntax) into struct config.
 * Every error names the file, the line and the setting; unknown settings
 * are errors too, so a typo never leaves a default silently in force.
 */
#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <libconfig.h>
#include <openssl/crypto.h>

#include "hotlined.h"

struct loader {
	const char	*ld_path;
	char		*ld_cause;	/* first error, caller frees */
};

static const struct {
	const char	*name;
	int		 facility;
} config_facilities[] = {
	{ "daemon", LOG_DAEMON }, { "user", LOG_USER },
	{ "authpriv", LOG_AUTHPRIV },
	{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 },
	{ "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 },
	{ "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
	{ "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
};

static const char *const config_roles[] = {
	[ROLE_NONE] = "none", [ROLE_OPERATOR] = "operator",
	[ROLE_COUNSELOR] = "counselor", [ROLE_SUPERVISOR] = "supervisor",
	[ROLE_ADMIN] = "admin",
};

static int ld_error(struct loader *, const config_setting_t *, const char *,
    const char *, ...) __attribute__((format(printf, 4, 5)));

/* Record the first error as "FILE:LINE: SETTING: message"; returns -1. */
static int
ld_error(struct loader *ld, const config_setting_t *s, const char *setting,
    const char *fmt, ...)
{
	va_list		 ap;
	char		 msg[512];
	const char	*file = ld->ld_path;
	int		 line = 0;

	if (ld->ld_cause != NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (s != NULL) {
		line = config_setting_source_line(s);
		if (config_setting_source_file(s) != NULL)
			file = config_setting_source_file(s);
	}
	/* A missing setting has no line: name the file alone. */
	if ((line > 0 ? asprintf(&ld->ld_cause, "%s:%d: %s: %s", file, line,
	    setting, msg) : asprintf(&ld->ld_cause, "%s: %s: %s", file,
	    setting, msg)) == -1)
		ld->ld_cause = NULL;
	return -1;
}

/* Refuse members of group that are not in names (NULL-terminated). */
static int
ld_known(struct loader *ld, const config_setting_t *group, const char *path,
    const char *const *names)
{
	config_setting_t	*m;
	const char		*n;
	int			 i, j;
	char			 full[128];

	for (i = 0; (m = config_setting_get_elem(group, i)) != NULL; i++) {
		if ((n = config_setting_name(m)) == NULL)
			continue;
		for (j = 0; names[j] != NULL; j++)
			if (strcmp(n, names[j]) == 0)
				break;
		if (names[j] == NULL) {
			snprintf(full, sizeof(full), "%s%s%s", path,
			    *path ? "." : "", n);
			return ld_error(ld, m, full, "unknown setting");
		}
	}
	return 0;
}

/* A group member that must be a group, or NULL when absent. */
static int
ld_group(struct loader *ld, const config_setting_t *parent, const char *name,
    config_setting_t **out)
{
	*out = config_setting_get_member(parent, name);
	if (*out != NULL && !config_setting_is_group(*out))
		return ld_error(ld, *out, name, "must be a group { ... }");
	return 0;
}

static int
ld_string(struct loader *ld, const config_setting_t *g, const char *path,
    const char *name, const char *def, char **out)
{
	config_setting_t	*s;
	char			 full[128];

	snprintf(full, sizeof(full), "%s%s%s", path, *path ? "." : "", name);
	s = g != NULL ? config_setting_get_member(g, name) : NULL;
	if (s == NULL) {
		if (def == NULL)
			return ld_error(ld, g, full, "is required");
		*out = strdup(def);
		return *out == NULL ? ld_error(ld, g, full, "out of memory") : 0;
	}
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return ld_error(ld, s, full, "must be a string in quotes");
	if ((*out = strdup(config_setting_get_string(s))) == NULL)
		return ld_error(ld, s, full, "out of memory");
	return 0;
}

static int
ld_long(struct loader *ld, const config_setting_t *g, const char *path,
    const char *name, long def, long min, long max, long *out)
{
	config_setting_t	*s;
	long long		 v;
	char			 full[128];

	snprintf(full, sizeof(full), "%s%s%s", path, *path ? "." : "", name);
	s = g != NULL ? config_setting_get_member(g, name) : NULL;
	if (s == NULL) {
		*out = def;
		return 0;
	}
	if (config_setting_type(s) != CONFIG_TYPE_INT &&
	    config_setting_type(s) != CONFIG_TYPE_INT64)
		return ld_error(ld, s, full, "must be a whole number");
	v = config_setting_get_int64(s);
	if (v < min || v > max)
		return ld_error(ld, s, full, "%lld is out of range (%ld to %ld)",
		    v, min, max);
	*out = (long)v;
	return 0;
}

/* A file mode written as an octal string ("0660"). */
static int
ld_mode(struct loader *ld, const config_setting_t *g, const char *path,
    mode_t def, mode_t *out)
{
	char	*s = NULL, *end, full[128];
	long	 v;
	int	 rc = 0;

	snprintf(full, sizeof(full), "%s.socket_mode", path);
	*out = def;
	if (g == NULL || config_setting_get_member(g, "socket_mode") == NULL)
		return 0;
	if (ld_string(ld, g, path, "socket_mode", NULL, &s) == -1)
		return -1;
	errno = 0;
	v = strtol(s, &end, 8);
	if (errno != 0 || *s == '\0' || *end != '\0' || v < 0 || v > 0777)
		rc = ld_error(ld, config_setting_get_member(g, "socket_mode"),
		    full, "\"%s\" is not an octal mode such as \"0660\"", s);
	else
		*out = (mode_t)v;
	free(s);
	return rc;
}

/* Check "unix:PATH" or "tcp:HOST:PORT" without opening anything. */
static const char *
ld_listen_check(const char *a)
{
	const char	*port;
	char		*end;
	long		 v;

	if (strncmp(a, "unix:", 5) == 0) {
		if (a[5] == '\0')
			return "unix: needs a path";
		if (strlen(a + 5) >= 108)
			return "the socket path is longer than 107 bytes";
		return NULL;
	}
	if (strncmp(a, "tcp:", 4) != 0)
		return "must be \"unix:PATH\" or \"tcp:HOST:PORT\"";
	if ((port = strrchr(a + 4, ':')) == NULL || port == a + 4)
		return "tcp: needs HOST:PORT";
	errno = 0;
	v = strtol(port + 1, &end, 10);
	if (errno != 0 || port[1] == '\0' || *end != '\0' || v < 0 ||
	    v > 65535)
		return "the port must be a number from 0 to 65535";
	return NULL;
}

static int
ld_listeners(struct loader *ld, const config_setting_t *g, const char *path,
    char ***out, size_t *nout)
{
	config_setting_t	*s, *e;
	const char		*why;
	char			 full[128];
	int			 i, n;

	snprintf(full, sizeof(full), "%s.listen", path);
	*out = NULL;
	*nout = 0;
	if (g == NULL || (s = config_setting_get_member(g, "listen")) == NULL)
		return 0;
	if (!config_setting_is_array(s) && !config_setting_is_list(s))
		return ld_error(ld, s, full, "must be a list [ \"unix:PATH\", "
		    "\"tcp:HOST:PORT\" ]");
	n = config_setting_length(s);
	if ((*out = calloc(n + 1, sizeof(**out))) == NULL)
		return ld_error(ld, s, full, "out of memory");
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(s, i);
		if (config_setting_type(e) != CONFIG_TYPE_STRING)
			return ld_error(ld, e, full, "entries must be strings");
		if ((why = ld_listen_check(config_setting_get_string(e))))
			return ld_error(ld, e, full, "\"%s\": %s",
			    config_setting_get_string(e), why);
		if (((*out)[i] = strdup(config_setting_get_string(e))) == NULL)
			return ld_error(ld, e, full, "out of memory");
		(*nout)++;
	}
	return 0;
}

static int
ld_code_ok(const char *c)
{
	size_t	 len = strlen(c);

	if (len == 0 || len > 32)
		return 0;
	for (; *c != '\0'; c++)
		if (!islower((unsigned char)*c) && !isdigit((unsigned char)*c) &&
		    strchr("_-+<>", *c) == NULL)
			return 0;
	return 1;
}

/* A list of { code = "..."; name = "..."; } with unique codes. */
static int
ld_codes(struct loader *ld, const config_setting_t *root, const char *name,
    struct code_list *cl)
{
	static const char *const known[] = { "code", "name", NULL };
	config_setting_t	*s, *e;
	char			 full[128];
	int			 i, n;
	size_t			 j;

	if ((s = config_setting_get_member(root, name)) == NULL)
		return ld_error(ld, NULL, name, "is required: a list of "
		    "{ code = \"...\"; name = \"...\"; }");
	if (!config_setting_is_list(s) || (n = config_setting_length(s)) == 0)
		return ld_error(ld, s, name, "must be a non-empty list ( ... )");
	if ((cl->cl_v = calloc(n, sizeof(*cl->cl_v))) == NULL)
		return ld_error(ld, s, name, "out of memory");
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(s, i);
		snprintf(full, sizeof(full), "%s[%d]", name, i);
		if (!config_setting_is_group(e))
			return ld_error(ld, e, full, "must be a group "
			    "{ code = \"...\"; name = \"...\"; }");
		/* Count the entry first: config_free() frees what it got. */
		cl->cl_n++;
		if (ld_known(ld, e, full, known) == -1 ||
		    ld_string(ld, e, full, "code", NULL,
		    &cl->cl_v[i].cn_code) == -1 ||
		    ld_string(ld, e, full, "name", NULL,
		    &cl->cl_v[i].cn_name) == -1)
			return -1;
		if (!ld_code_ok(cl->cl_v[i].cn_code))
			return ld_error(ld, e, full, "code \"%s\" must be 1 to "
			    "32 characters of a-z, 0-9, _ - + < >",
			    cl->cl_v[i].cn_code);
		for (j = 0; j < (size_t)i; j++)
			if (strcmp(cl->cl_v[j].cn_code,
			    cl->cl_v[i].cn_code) == 0)
				return ld_error(ld, e, full, "code \"%s\" is "
				    "listed twice", cl->cl_v[i].cn_code);
	}
	return 0;
}

static int
ld_role(struct loader *ld, const config_setting_t *e, const char *path,
    enum role *out)
{
	char	*r;
	int	 i;

	if (ld_string(ld, e, path, "role", NULL, &r) == -1)
		return -1;
	for (i = ROLE_OPERATOR; i <= ROLE_ADMIN; i++)
		if (strcmp(r, config_roles[i]) == 0)
			break;
	free(r);
	if (i > ROLE_ADMIN)
		return ld_error(ld, config_setting_get_member(e, "role"), path,
		    "role must be one of: operator, counselor, supervisor, "
		    "admin");
	*out = (enum role)i;
	return 0;
}

/* How a peer is known: uid, user (a name resolved now) or token hash. */
static int
ld_op_identity(struct loader *ld, const config_setting_t *e,
    const char *path, struct operator *op)
{
	config_setting_t	*s;
	struct passwd		*pw;
	char			*str;
	long			 uid;

	if (config_setting_get_member(e, "uid") != NULL) {
		if (ld_long(ld, e, path, "uid", 0, 0, 0x7ffffffe, &uid) == -1)
			return -1;
		op->op_has_uid = 1;
		op->op_uid = (uid_t)uid;
	}
	if ((s = config_setting_get_member(e, "user")) != NULL) {
		if (ld_string(ld, e, path, "user", NULL, &str) == -1)
			return -1;
		pw = getpwnam(str);
		if (pw == NULL) {
			ld_error(ld, s, path, "no such user \"%s\"", str);
			free(str);
			return -1;
		}
		free(str);
		op->op_has_uid = 1;
		op->op_uid = pw->pw_uid;
	}
	if ((s = config_setting_get_member(e, "token_sha256")) != NULL) {
		if (ld_string(ld, e, path, "token_sha256", NULL, &str) == -1)
			return -1;
		if (strlen(str) != 2 * SHA256_LEN ||
		    auth_hex_decode(str, op->op_token_sha, SHA256_LEN) == -1) {
			free(str);
			return ld_error(ld, s, path, "token_sha256 must be 64 "
			    "hexadecimal digits");
		}
		free(str);
		op->op_has_token = 1;
	}
	if (!op->op_has_uid && !op->op_has_token)
		return ld_error(ld, e, path, "needs uid, user or token_sha256");
	return 0;
}

static int
ld_op_unique(struct loader *ld, const config_setting_t *e, const char *path,
    const struct config *cf, size_t i)
{
	const struct operator	*a = &cf->cf_ops[i], *b;
	size_t			 j;

	for (j = 0; j < i; j++) {
		b = &cf->cf_ops[j];
		if (strcmp(a->op_name, b->op_name) == 0)
			return ld_error(ld, e, path, "operator \"%s\" is "
			    "listed twice", a->op_name);
		if (a->op_has_uid && b->op_has_uid && a->op_uid == b->op_uid)
			return ld_error(ld, e, path, "uid %u is already "
			    "operator \"%s\"", (unsigned)a->op_uid, b->op_name);
		if (a->op_has_token && b->op_has_token &&
		    memcmp(a->op_token_sha, b->op_token_sha, SHA256_LEN) == 0)
			return ld_error(ld, e, path, "the same token is "
			    "already operator \"%s\"", b->op_name);
	}
	return 0;
}

static int
ld_operators(struct loader *ld, const config_setting_t *root,
    struct config *cf)
{
	static const char *const known[] = { "name", "role", "uid", "user",
	    "token_sha256", NULL };
	config_setting_t	*s, *e;
	struct operator		*op;
	char			 path[64];
	int			 i, n;

	if ((s = config_setting_get_member(root, "operators")) == NULL)
		return 0;
	if (!config_setting_is_list(s))
		return ld_error(ld, s, "operators", "must be a list ( ... )");
	n = config_setting_length(s);
	if ((cf->cf_ops = calloc(n + 1, sizeof(*cf->cf_ops))) == NULL)
		return ld_error(ld, s, "operators", "out of memory");
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(s, i);
		snprintf(path, sizeof(path), "operators[%d]", i);
		op = &cf->cf_ops[i];
		if (!config_setting_is_group(e))
			return ld_error(ld, e, path, "must be a group");
		if (ld_known(ld, e, path, known) == -1 ||
		    ld_string(ld, e, path, "name", NULL, &op->op_name) == -1)
			return -1;
		cf->cf_nops++;
		if (!ld_code_ok(op->op_name))
			return ld_error(ld, e, path, "name \"%s\" must be 1 to "
			    "32 characters of a-z, 0-9, _ -", op->op_name);
		if (ld_role(ld, e, path, &op->op_role) == -1 ||
		    ld_op_identity(ld, e, path, op) == -1 ||
		    ld_op_unique(ld, e, path, cf, i) == -1)
			return -1;
	}
	return 0;
}

static int
ld_log(struct loader *ld, const config_setting_t *root, struct config *cf)
{
	static const char *const known[] = { "facility", NULL };
	config_setting_t	*g;
	char			*f;

	if (ld_group(ld, root, "log", &g) == -1 ||
	    (g != NULL && ld_known(ld, g, "log", known) == -1) ||
	    ld_string(ld, g, "log", "facility", "daemon", &f) == -1)
		return -1;
	cf->cf_facility = config_parse_facility(f);
	free(f);
	if (cf->cf_facility == -1)
		return ld_error(ld, config_setting_get_member(g, "facility"),
		    "log.facility", "must be daemon, user, authpriv or "
		    "local0 to local7");
	return 0;
}

static int
ld_store(struct loader *ld, const config_setting_t *root, struct config *cf)
{
	static const char *const known[] = { "path", "busy_timeout_ms", NULL };
	config_setting_t	*g;

	if (ld_group(ld, root, "store", &g) == -1)
		return -1;
	if (g == NULL)
		return ld_error(ld, NULL, "store", "is required: "
		    "store = { path = \"...\"; };");
	return ld_known(ld, g, "store", known) == -1 ||
	    ld_string(ld, g, "store", "path", NULL, &cf->cf_db_path) == -1 ||
	    ld_long(ld, g, "store", "busy_timeout_ms", 2000, 0, 600000,
	    &cf->cf_busy_ms) == -1 ? -1 : 0;
}

static int
ld_interfaces(struct loader *ld, const config_setting_t *root,
    struct config *cf)
{
	static const char *const known[] = { "listen", "socket_mode", NULL };
	config_setting_t	*api, *st;

	if (ld_group(ld, root, "api", &api) == -1 ||
	    ld_group(ld, root, "status", &st) == -1)
		return -1;
	if (api == NULL)
		return ld_error(ld, NULL, "api", "is required: api = { listen "
		    "= [ \"unix:PATH\", \"tcp:HOST:PORT\" ]; };");
	if (ld_known(ld, api, "api", known) == -1 ||
	    (st != NULL && ld_known(ld, st, "status", known) == -1) ||
	    ld_listeners(ld, api, "api", &cf->cf_api_listen,
	    &cf->cf_napi) == -1 ||
	    ld_mode(ld, api, "api", 0666, &cf->cf_api_mode) == -1 ||
	    ld_listeners(ld, st, "status", &cf->cf_status_listen,
	    &cf->cf_nstatus) == -1 ||
	    ld_mode(ld, st, "status", 0666, &cf->cf_status_mode) == -1)
		return -1;
	if (cf->cf_napi == 0)
		return ld_error(ld, api, "api.listen", "needs at least one "
		    "address");
	return 0;
}

static int
ld_limits(struct loader *ld, const config_setting_t *root, struct config *cf)
{
	static const char *const known[] = { "max_body_bytes",
	    "max_header_bytes", "timeout_s", "notes_max_chars", "list_max",
	    NULL };
	config_setting_t	*g;
	struct limits		*l = &cf->cf_limits;

	if (ld_group(ld, root, "limits", &g) == -1 ||
	    (g != NULL && ld_known(ld, g, "limits", known) == -1))
		return -1;
	return ld_long(ld, g, "limits", "max_body_bytes", 65536, 1024,
	    16 << 20, &l->lim_max_body) == -1 ||
	    ld_long(ld, g, "limits", "max_header_bytes", 8192, 1024,
	    1 << 20, &l->lim_max_headers) == -1 ||
	    ld_long(ld, g, "limits", "timeout_s", 30, 1, 3600,
	    &l->lim_timeout_s) == -1 ||
	    ld_long(ld, g, "limits", "notes_max_chars", 4000, 1, 1000000,
	    &l->lim_notes_max) == -1 ||
	    ld_long(ld, g, "limits", "list_max", 500, 1, 100000,
	    &l->lim_list_max) == -1 ? -1 : 0;
}

static int
ld_privacy(struct loader *ld, const config_setting_t *root, struct config *cf)
{
	static const char *const known[] = { "caller_hash_key", NULL };
	config_setting_t	*g;
	char			*key;

	if (ld_group(ld, root, "privacy", &g) == -1 ||
	    (g != NULL && ld_known(ld, g, "privacy", known) == -1))
		return -1;
	if (g == NULL || config_setting_get_member(g, "caller_hash_key") == NULL)
		return 0;
	if (ld_string(ld, g, "privacy", "caller_hash_key", NULL, &key) == -1)
		return -1;
	if (strlen(key) < 16) {
		free(key);
		return ld_error(ld, config_setting_get_member(g,
		    "caller_hash_key"), "privacy.caller_hash_key",
		    "must be at least 16 characters of secret");
	}
	cf->cf_hash_key = (unsigned char *)key;
	cf->cf_hash_key_len = strlen(key);
	return 0;
}

/* The account to run as when started as root: user, and group (default
 * the user's primary group), resolved now. */
static int
ld_account(struct loader *ld, const config_setting_t *root,
    struct config *cf)
{
	config_setting_t	*s;
	struct passwd		*pw;
	struct group		*gr;
	char			*name;

	if ((s = config_setting_get_member(root, "user")) == NULL) {
		if (config_setting_get_member(root, "group") != NULL)
			return ld_error(ld, config_setting_get_member(root,
			    "group"), "group", "needs user as well");
		return 0;
	}
	if (ld_string(ld, root, "", "user", NULL, &cf->cf_user) == -1)
		return -1;
	if ((pw = getpwnam(cf->cf_user)) == NULL)
		return ld_error(ld, s, "user", "no such user \"%s\"",
		    cf->cf_user);
	if (pw->pw_uid == 0)
		return ld_error(ld, s, "user", "\"%s\" is root: name the "
		    "unprivileged account to run as", cf->cf_user);
	cf->cf_uid = pw->pw_uid;
	cf->cf_gid = pw->pw_gid;
	if ((s = config_setting_get_member(root, "group")) == NULL)
		return 0;
	if (ld_string(ld, root, "", "group", NULL, &name) == -1)
		return -1;
	gr = getgrnam(name);
	if (gr == NULL || gr->gr_gid == 0) {
		ld_error(ld, s, "group", gr == NULL ? "no such group \"%s\"" :
		    "\"%s\" is root's group: name an unprivileged one", name);
		free(name);
		return -1;
	}
	cf->cf_gid = gr->gr_gid;
	free(name);
	return 0;
}

static int
ld_root(struct loader *ld, const config_setting_t *root, struct config *cf)
{
	static const char *const known[] = { "timezone", "user", "group",
	    "log", "store", "api", "status", "limits", "privacy", "lines",
	    "caller_types", "topics", "risk_levels", "outcomes", "queues",
	    "operators", NULL };

	if (ld_known(ld, root, "", known) == -1 ||
	    ld_string(ld, root, "", "timezone", "Asia/Shanghai",
	    &cf->cf_timezone) == -1)
		return -1;
	if (clock_zone_exists(cf->cf_timezone) == -1)
		return ld_error(ld, config_setting_get_member(root, "timezone"),
		    "timezone", "unknown timezone \"%s\" (is tzdata "
		    "installed?)", cf->cf_timezone);
	return ld_account(ld, root, cf) == -1 ||
	    ld_log(ld, root, cf) == -1 || ld_store(ld, root, cf) == -1 ||
	    ld_interfaces(ld, root, cf) == -1 ||
	    ld_limits(ld, root, cf) == -1 || ld_privacy(ld, root, cf) == -1 ||
	    ld_codes(ld, root, "lines", &cf->cf_lines) == -1 ||
	    ld_codes(ld, root, "caller_types", &cf->cf_caller_types) == -1 ||
	    ld_codes(ld, root, "topics", &cf->cf_topics) == -1 ||
	    ld_codes(ld, root, "risk_levels", &cf->cf_risks) == -1 ||
	    ld_codes(ld, root, "outcomes", &cf->cf_outcomes) == -1 ||
	    ld_codes(ld, root, "queues", &cf->cf_queues) == -1 ||
	    ld_operators(ld, root, cf) == -1 ? -1 : 0;
}

/* Load path; NULL with *cause set (caller frees) on any error. */
struct config *
config_load(const char *path, char **cause)
{
	struct loader	 ld = { path, NULL };
	struct config	*cf;
	config_t	 lc;

	*cause = NULL;
	if ((cf = calloc(1, sizeof(*cf))) == NULL ||
	    (cf->cf_path = strdup(path)) == NULL) {
		free(cf);
		*cause = strdup("out of memory");
		return NULL;
	}
	config_init(&lc);
	if (config_read_file(&lc, path) == CONFIG_FALSE) {
		if (config_error_type(&lc) == CONFIG_ERR_FILE_IO) {
			if (asprintf(cause, "%s: cannot read: %s", path,
			    strerror(errno)) == -1)
				*cause = NULL;
		} else if (asprintf(cause, "%s:%d: %s", config_error_file(&lc) ?
		    config_error_file(&lc) : path, config_error_line(&lc),
		    config_error_text(&lc)) == -1)
			*cause = NULL;
	} else if (ld_root(&ld, config_root_setting(&lc), cf) == -1)
		*cause = ld.ld_cause;
	config_destroy(&lc);
	if (*cause != NULL || ld.ld_cause != NULL) {
		if (*cause == NULL)
			*cause = ld.ld_cause;
		config_free(cf);
		return NULL;
	}
	return cf;
}

static void
config_free_codes(struct code_list *cl)
{
	size_t	 i;

	for (i = 0; i < cl->cl_n; i++) {
		free(cl->cl_v[i].cn_code);
		free(cl->cl_v[i].cn_name);
	}
	free(cl->cl_v);
}

static void
config_free_strv(char **v, size_t n)
{
	size_t	 i;

	for (i = 0; v != NULL && i < n; i++)
		free(v[i]);
	free(v);
}

void
config_free(struct config *cf)
{
	size_t	 i;

	if (cf == NULL)
		return;
	free(cf->cf_path);
	free(cf->cf_user);
	free(cf->cf_timezone);
	free(cf->cf_db_path);
	config_free_strv(cf->cf_api_listen, cf->cf_napi);
	config_free_strv(cf->cf_status_listen, cf->cf_nstatus);
	if (cf->cf_hash_key != NULL)
		OPENSSL_cleanse(cf->cf_hash_key, cf->cf_hash_key_len);
	free(cf->cf_hash_key);
	config_free_codes(&cf->cf_lines);
	config_free_codes(&cf->cf_caller_types);
	config_free_codes(&cf->cf_topics);
	config_free_codes(&cf->cf_risks);
	config_free_codes(&cf->cf_outcomes);
	config_free_codes(&cf->cf_queues);
	for (i = 0; i < cf->cf_nops; i++)
		free(cf->cf_ops[i].op_name);
	free(cf->cf_ops);
	free(cf);
}

const struct code_name *
config_find(const struct code_list *cl, const char *code)
{
	size_t	 i;

	for (i = 0; i < cl->cl_n; i++)
		if (strcmp(cl->cl_v[i].cn_code, code) == 0)
			return &cl->cl_v[i];
	return NULL;
}

/* The position of a risk code in the ordered list, or -1. */
int
config_risk_rank(const struct config *cf, const char *code)
{
	size_t	 i;

	for (i = 0; i < cf->cf_risks.cl_n; i++)
		if (strcmp(cf->cf_risks.cl_v[i].cn_code, code) == 0)
			return (int)i;
	return -1;
}

const struct operator *
config_op_by_uid(const struct config *cf, uid_t uid)
{
	size_t	 i;

	for (i = 0; i < cf->cf_nops; i++)
		if (cf->cf_ops[i].op_has_uid && cf->cf_ops[i].op_uid == uid)
			return &cf->cf_ops[i];
	return NULL;
}

/* Compare against every token in constant time per entry, no early exit. */
const struct operator *
config_op_by_token(const struct config *cf, const unsigned char *sha)
{
	const struct operator	*found = NULL;
	size_t			 i;

	for (i = 0; i < cf->cf_nops; i++)
		if (cf->cf_ops[i].op_has_token &&
		    CRYPTO_memcmp(cf->cf_ops[i].op_token_sha, sha,
		    SHA256_LEN) == 0)
			found = &cf->cf_ops[i];
	return found;
}

const char *
config_role_name(enum role r)
{
	return config_roles[r];
}

int
config_parse_facility(const char *name)
{
	size_t	 i;

	for (i = 0; i < sizeof(config_facilities) /
	    sizeof(config_facilities[0]); i++)
		if (strcmp(config_facilities[i].name, name) == 0)
			return config_facilities[i].facility;
	return -1;
}
