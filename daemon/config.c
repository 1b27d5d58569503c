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
#include <openssl/ssl.h>

#include "config_int.h"

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
	[ROLE_ADMIN] = "admin", [ROLE_PBX] = "pbx",
	[ROLE_LIAISON] = "liaison",
};


/* Record the first error as "FILE:LINE: SETTING: message"; returns -1. */
int
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
int
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
int
ld_group(struct loader *ld, const config_setting_t *parent, const char *name,
    config_setting_t **out)
{
	*out = config_setting_get_member(parent, name);
	if (*out != NULL && !config_setting_is_group(*out))
		return ld_error(ld, *out, name, "must be a group { ... }");
	return 0;
}

int
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

int
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

/*
 * tls = { cert = "FILE"; key = "FILE"; } of a listen entry: the files are
 * read now, so a missing or mismatched pair fails here, not when serving.
 */
static int
ld_listen_tls(struct loader *ld, const config_setting_t *e, const char *full,
    const char *addr, struct ssl_ctx_st **out)
{
	static const char *const known[] = { "cert", "key", NULL };
	config_setting_t	*t;
	const char		*which;
	char			*cert = NULL, *key = NULL, err[768], tpath[192];
	int			 rc = 0;

	if ((t = config_setting_get_member(e, "tls")) == NULL)
		return 0;
	snprintf(tpath, sizeof(tpath), "%s.tls", full);
	if (!config_setting_is_group(t))
		return ld_error(ld, t, tpath, "must be a group { cert = "
		    "\"FILE\"; key = \"FILE\"; }");
	if (strncmp(addr, "tcp:", 4) != 0)
		return ld_error(ld, t, tpath, "\"%s\": only a tcp: address "
		    "can have TLS", addr);
	if (ld_known(ld, t, tpath, known) == -1 ||
	    ld_string(ld, t, tpath, "cert", NULL, &cert) == -1 ||
	    ld_string(ld, t, tpath, "key", NULL, &key) == -1)
		rc = -1;
	else if ((*out = tls_ctx_new(cert, key, &which, err,
	    sizeof(err))) == NULL) {
		snprintf(tpath, sizeof(tpath), "%s.tls.%s", full, which);
		rc = ld_error(ld, config_setting_get_member(t, which), tpath,
		    "%s", err);
	}
	free(cert);
	free(key);
	return rc;
}

/*
 * Entry i of a listen list (full): "ADDRESS", or a group { address =
 * "ADDRESS"; tls = ...; }, whose errors name it as full[i].
 */
static int
ld_listen_entry(struct loader *ld, config_setting_t *e, const char *list,
    int i, char **addr, struct ssl_ctx_st **tls)
{
	static const char *const known[] = { "address", "tls", NULL };
	config_setting_t	*a = e;
	const char		*why;
	char			 full[160];

	snprintf(full, sizeof(full), "%s", list);
	if (config_setting_is_group(e)) {
		snprintf(full, sizeof(full), "%s[%d]", list, i);
		if (ld_known(ld, e, full, known) == -1)
			return -1;
		if ((a = config_setting_get_member(e, "address")) == NULL)
			return ld_error(ld, e, full, "the group needs address "
			    "= \"tcp:HOST:PORT\"");
	}
	if (config_setting_type(a) != CONFIG_TYPE_STRING)
		return ld_error(ld, a, full, "entries must be strings, or "
		    "groups { address = \"tcp:HOST:PORT\"; tls = { ... }; }");
	if ((why = ld_listen_check(config_setting_get_string(a))))
		return ld_error(ld, a, full, "\"%s\": %s",
		    config_setting_get_string(a), why);
	if ((*addr = strdup(config_setting_get_string(a))) == NULL)
		return ld_error(ld, a, full, "out of memory");
	return config_setting_is_group(e) ? ld_listen_tls(ld, e, full,
	    *addr, tls) : 0;
}

static int
ld_listeners(struct loader *ld, const config_setting_t *g, const char *path,
    char ***out, struct ssl_ctx_st ***tls, size_t *nout)
{
	config_setting_t	*s;
	char			 full[128];
	int			 i, n;

	snprintf(full, sizeof(full), "%s.listen", path);
	*out = NULL;
	*tls = NULL;
	*nout = 0;
	if (g == NULL || (s = config_setting_get_member(g, "listen")) == NULL)
		return 0;
	if (!config_setting_is_array(s) && !config_setting_is_list(s))
		return ld_error(ld, s, full, "must be a list [ \"unix:PATH\", "
		    "\"tcp:HOST:PORT\" ]");
	n = config_setting_length(s);
	if ((*out = calloc(n + 1, sizeof(**out))) == NULL ||
	    (*tls = calloc(n + 1, sizeof(**tls))) == NULL)
		return ld_error(ld, s, full, "out of memory");
	for (i = 0; i < n; i++) {
		/* Counted first: config_free() frees what it got. */
		(*nout)++;
		if (ld_listen_entry(ld, config_setting_get_elem(s, i), full,
		    i, &(*out)[i], &(*tls)[i]) == -1)
			return -1;
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

	return ld_codes_with(ld, root, name, cl, known);
}

/* ld_codes, where entries may also hold the members known names. */
int
ld_codes_with(struct loader *ld, const config_setting_t *root,
    const char *name, struct code_list *cl, const char *const *known)
{
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
	for (i = ROLE_OPERATOR; i <= ROLE_LIAISON; i++)
		if (strcmp(r, config_roles[i]) == 0)
			break;
	free(r);
	if (i > ROLE_LIAISON)
		return ld_error(ld, config_setting_get_member(e, "role"), path,
		    "role must be one of: operator, counselor, supervisor, "
		    "admin, pbx, liaison");
	*out = (enum role)i;
	return 0;
}

/*
 * How a peer is known: uid, user (a name resolved now), token hash, or a
 * password hash for signing in to the console.
 */
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
		    digest_hex_decode(str, op->op_token_sha, SHA256_LEN) == -1) {
			free(str);
			return ld_error(ld, s, path, "token_sha256 must be 64 "
			    "hexadecimal digits");
		}
		free(str);
		op->op_has_token = 1;
	}
	if ((s = config_setting_get_member(e, "password")) != NULL) {
		if (ld_string(ld, e, path, "password", NULL,
		    &op->op_password) == -1)
			return -1;
		if (!password_hash_ok(op->op_password))
			return ld_error(ld, s, path, "password must be a hash "
			    "made by hotlined --new-password (\"$y$...\"), "
			    "never the password itself");
	}
	if (!op->op_has_uid && !op->op_has_token && op->op_password == NULL)
		return ld_error(ld, e, path, "needs uid, user, token_sha256 "
		    "or password");
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
	    "token_sha256", "password", NULL };
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
	static const char *const known[] = { "path", "busy_timeout_ms",
	    "wal_checkpoint_pages", "wal_max_mb", "wal_idle_ms", NULL };
	config_setting_t	*g;

	if (ld_group(ld, root, "store", &g) == -1)
		return -1;
	if (g == NULL)
		return ld_error(ld, NULL, "store", "is required: "
		    "store = { path = \"...\"; };");
	return ld_known(ld, g, "store", known) == -1 ||
	    ld_string(ld, g, "store", "path", NULL, &cf->cf_db_path) == -1 ||
	    ld_long(ld, g, "store", "busy_timeout_ms", 2000, 0, 600000,
	    &cf->cf_busy_ms) == -1 ||
	    ld_long(ld, g, "store", "wal_checkpoint_pages", STORE_WAL_PAGES,
	    1, 1000000, &cf->cf_wal_pages) == -1 ||
	    ld_long(ld, g, "store", "wal_max_mb", STORE_WAL_MAX_MB, 1, 65536,
	    &cf->cf_wal_max_mb) == -1 ||
	    ld_long(ld, g, "store", "wal_idle_ms", STORE_WAL_IDLE_MS, 10,
	    3600000, &cf->cf_wal_idle_ms) == -1 ? -1 : 0;
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
	    &cf->cf_api_tls, &cf->cf_napi) == -1 ||
	    ld_mode(ld, api, "api", 0666, &cf->cf_api_mode) == -1 ||
	    ld_listeners(ld, st, "status", &cf->cf_status_listen,
	    &cf->cf_status_tls, &cf->cf_nstatus) == -1 ||
	    ld_mode(ld, st, "status", 0666, &cf->cf_status_mode) == -1)
		return -1;
	if (cf->cf_napi == 0)
		return ld_error(ld, api, "api.listen", "needs at least one "
		    "address");
	return 0;
}

/* The limits of one request: sizes and times. */
static int
ld_limits_request(struct loader *ld, const config_setting_t *g,
    struct limits *l)
{
	return ld_long(ld, g, "limits", "max_body_bytes", 65536, 1024,
	    16 << 20, &l->lim_max_body) == -1 ||
	    ld_long(ld, g, "limits", "max_header_bytes", 8192, 1024,
	    1 << 20, &l->lim_max_headers) == -1 ||
	    ld_long(ld, g, "limits", "max_header_count", 64, 8, 1000,
	    &l->lim_max_header_count) == -1 ||
	    ld_long(ld, g, "limits", "timeout_s", 30, 1, 3600,
	    &l->lim_timeout_s) == -1 ||
	    ld_long(ld, g, "limits", "request_timeout_s", 30, 1, 3600,
	    &l->lim_request_timeout_s) == -1 ||
	    ld_long(ld, g, "limits", "idle_timeout_s", 15, 1, 3600,
	    &l->lim_idle_timeout_s) == -1 ||
	    ld_long(ld, g, "limits", "notes_max_chars", 4000, 1, 1000000,
	    &l->lim_notes_max) == -1 ||
	    ld_long(ld, g, "limits", "list_max", 500, 1, 100000,
	    &l->lim_list_max) == -1 ? -1 : 0;
}

/*
 * The limits of one client: connections, requests per second, failed
 * authentications. Defaults for a hotline of tens of operators, some
 * behind one address.
 */
static int
ld_limits_client(struct loader *ld, const config_setting_t *g,
    struct limits *l)
{
	return ld_long(ld, g, "limits", "max_connections", 256, 1, 100000,
	    &l->lim_max_conns) == -1 ||
	    ld_long(ld, g, "limits", "max_connections_per_peer", 64, 1,
	    100000, &l->lim_max_conns_peer) == -1 ||
	    ld_long(ld, g, "limits", "rate_per_s", 20, 0, 100000,
	    &l->lim_rate_per_s) == -1 ||
	    ld_long(ld, g, "limits", "rate_burst", 200, 1, 1000000,
	    &l->lim_rate_burst) == -1 ||
	    ld_long(ld, g, "limits", "auth_failures", 10, 1, 10000,
	    &l->lim_auth_failures) == -1 ||
	    ld_long(ld, g, "limits", "auth_window_s", 60, 1, 86400,
	    &l->lim_auth_window_s) == -1 ||
	    ld_long(ld, g, "limits", "auth_block_s", 300, 1, 86400,
	    &l->lim_auth_block_s) == -1 ? -1 : 0;
}

static int
ld_limits(struct loader *ld, const config_setting_t *root, struct config *cf)
{
	static const char *const known[] = { "max_body_bytes",
	    "max_header_bytes", "max_header_count", "timeout_s",
	    "request_timeout_s", "idle_timeout_s", "notes_max_chars",
	    "list_max", "max_connections", "max_connections_per_peer",
	    "rate_per_s", "rate_burst", "auth_failures", "auth_window_s",
	    "auth_block_s", NULL };
	config_setting_t	*g;

	if (ld_group(ld, root, "limits", &g) == -1 ||
	    (g != NULL && ld_known(ld, g, "limits", known) == -1))
		return -1;
	return ld_limits_request(ld, g, &cf->cf_limits) == -1 ||
	    ld_limits_client(ld, g, &cf->cf_limits) == -1 ? -1 : 0;
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

/*
 * retention = { personal_days = 180; }: erase the personal fields of calls
 * older than that many days. Absent or 0: kept for ever.
 */
static int
ld_retention(struct loader *ld, const config_setting_t *root,
    struct config *cf)
{
	static const char *const known[] = { "personal_days", NULL };
	config_setting_t	*g;

	if (ld_group(ld, root, "retention", &g) == -1 ||
	    (g != NULL && ld_known(ld, g, "retention", known) == -1))
		return -1;
	return ld_long(ld, g, "retention", "personal_days", 0, 0, 36500,
	    &cf->cf_retention_days);
}

static int	ld_duration(struct loader *, const config_setting_t *,
		    const char *, int64_t, int64_t, int64_t *);

/* A duration setting name of group g (path), default def. */
int
ld_group_duration(struct loader *ld, const config_setting_t *g,
    const char *path, const char *name, int64_t def, int64_t min,
    int64_t max, long *out)
{
	config_setting_t	*s;
	char			 full[64];
	int64_t			 v = def;

	snprintf(full, sizeof(full), "%s.%s", path, name);
	if (g != NULL && (s = config_setting_get_member(g, name)) != NULL &&
	    ld_duration(ld, s, full, min, max, &v) == -1)
		return -1;
	*out = (long)v;
	return 0;
}

/*
 * web = { root = "web/dist"; idle_timeout = "30m"; max_age = "12h"; }:
 * the browser console's files, served by the api listeners, and how long
 * a console session lasts idle (desks are shared) and at most (a shift).
 * No root: no console, and /v1 alone is served. A root that is not (yet)
 * a directory is said in the log (server.c), not refused: the calls go on
 * whatever becomes of the console's files.
 */
static int
ld_web(struct loader *ld, const config_setting_t *root, struct config *cf)
{
	static const char *const known[] = { "root", "idle_timeout",
	    "max_age", NULL };
	config_setting_t	*g;

	if (ld_group(ld, root, "web", &g) == -1 ||
	    (g != NULL && ld_known(ld, g, "web", known) == -1) ||
	    (g != NULL && config_setting_get_member(g, "root") != NULL &&
	    ld_string(ld, g, "web", "root", NULL, &cf->cf_web_root) == -1) ||
	    ld_group_duration(ld, g, "web", "idle_timeout", 1800, 60, 86400,
	    &cf->cf_session_idle_s) == -1 ||
	    ld_group_duration(ld, g, "web", "max_age", 43200, 60, 7 * 86400,
	    &cf->cf_session_max_s) == -1)
		return -1;
	return 0;
}

/*
 * A duration: whole seconds, or a string "90s", "30m", "4h", "2d".
 * Bounds in seconds.
 */
static int
ld_duration(struct loader *ld, const config_setting_t *s, const char *path,
    int64_t min, int64_t max, int64_t *out)
{
	const char	*v, *units = "smhd";
	static const int64_t mult[] = { 1, 60, 3600, 86400 };
	char		*end, *u;
	long long	 n;

	if (config_setting_type(s) == CONFIG_TYPE_INT ||
	    config_setting_type(s) == CONFIG_TYPE_INT64)
		n = config_setting_get_int64(s);
	else if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		v = config_setting_get_string(s);
		errno = 0;
		n = strtoll(v, &end, 10);
		if (!isdigit((unsigned char)*v) || errno != 0 ||
		    *end == '\0' || end[1] != '\0' ||
		    (u = strchr(units, *end)) == NULL || n > max)
			return ld_error(ld, s, path, "\"%s\" is not a duration "
			    "such as \"90s\", \"30m\", \"4h\" or \"2d\"", v);
		n *= mult[u - units];
	} else
		return ld_error(ld, s, path, "must be a duration: seconds, or "
		    "a string such as \"30m\"");
	if (n < min || n > max)
		return ld_error(ld, s, path, "%lld seconds is out of range "
		    "(%lld to %lld)", n, (long long)min, (long long)max);
	*out = n;
	return 0;
}

/* A queue's sla = { p1 = "15m"; p2 = "2h"; } and lease = "30m". */
static int
ld_queue_conf(struct loader *ld, const config_setting_t *e, const char *path,
    struct queue_conf *qf)
{
	config_setting_t	*sla, *m, *lease;
	const char		*n;
	char			 full[128];
	char			*end;
	long			 p;
	int			 i;

	qf->qf_lease_s = 30 * 60;
	if ((lease = config_setting_get_member(e, "lease")) != NULL) {
		snprintf(full, sizeof(full), "%s.lease", path);
		if (ld_duration(ld, lease, full, 1, 7 * 86400,
		    &qf->qf_lease_s) == -1)
			return -1;
	}
	if ((sla = config_setting_get_member(e, "sla")) == NULL)
		return 0;
	snprintf(full, sizeof(full), "%s.sla", path);
	if (!config_setting_is_group(sla))
		return ld_error(ld, sla, full, "must be a group such as "
		    "{ p1 = \"15m\"; p2 = \"2h\"; }");
	for (i = 0; (m = config_setting_get_elem(sla, i)) != NULL; i++) {
		n = config_setting_name(m);
		snprintf(full, sizeof(full), "%s.sla.%s", path, n);
		errno = 0;
		p = n[0] == 'p' ? strtol(n + 1, &end, 10) : 0;
		if (n[0] != 'p' || !isdigit((unsigned char)n[1]) ||
		    *end != '\0' || p < 1 || p > QUEUE_PRIORITIES)
			return ld_error(ld, m, full, "must be named p1 to p%d "
			    "for a priority", QUEUE_PRIORITIES);
		if (ld_duration(ld, m, full, 1, 365 * 86400,
		    &qf->qf_sla_s[p]) == -1)
			return -1;
	}
	return 0;
}

static int
ld_queues(struct loader *ld, const config_setting_t *root, struct config *cf)
{
	static const char *const known[] = { "code", "name", "sla", "lease",
	    NULL };
	config_setting_t	*s;
	char			 path[64];
	size_t			 i;

	if (ld_codes_with(ld, root, "queues", &cf->cf_queues, known) == -1)
		return -1;
	s = config_setting_get_member(root, "queues");
	if ((cf->cf_qconf = calloc(cf->cf_queues.cl_n,
	    sizeof(*cf->cf_qconf))) == NULL)
		return ld_error(ld, s, "queues", "out of memory");
	for (i = 0; i < cf->cf_queues.cl_n; i++) {
		snprintf(path, sizeof(path), "queues[%zu]", i);
		if (ld_queue_conf(ld, config_setting_get_elem(s, i), path,
		    &cf->cf_qconf[i]) == -1)
			return -1;
	}
	return 0;
}

/* A queue code into its index in cf_queues. */
static int
ld_queue_ref(struct loader *ld, const config_setting_t *g, const char *path,
    const struct config *cf, size_t *out)
{
	config_setting_t	*s = config_setting_get_member(g, "queue");
	const struct code_name	*q;
	char			 full[128];

	snprintf(full, sizeof(full), "%s.queue", path);
	if (s == NULL)
		return ld_error(ld, g, full, "is required: the code of a queue");
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return ld_error(ld, s, full, "must be a string in quotes");
	if ((q = config_find(&cf->cf_queues, config_setting_get_string(s))) ==
	    NULL)
		return ld_error(ld, s, full, "unknown queue \"%s\" (not in "
		    "queues)", config_setting_get_string(s));
	*out = (size_t)(q - cf->cf_queues.cl_v);
	return 0;
}

static int
ld_priority(struct loader *ld, const config_setting_t *g, const char *path,
    int def, int *out)
{
	long	 v;

	if (ld_long(ld, g, path, "priority", def, 1, QUEUE_PRIORITIES,
	    &v) == -1)
		return -1;
	*out = (int)v;
	return 0;
}

/* A list of codes of cl: [ "a", "b" ] into pointers into cl. */
static int
ld_code_refs(struct loader *ld, const config_setting_t *g, const char *path,
    const char *name, const struct code_list *cl, const char ***out,
    size_t *n)
{
	config_setting_t	*s, *e;
	const struct code_name	*c;
	char			 full[128];
	int			 i, len;

	snprintf(full, sizeof(full), "%s.%s", path, name);
	if ((s = config_setting_get_member(g, name)) == NULL)
		return 0;
	if ((!config_setting_is_array(s) && !config_setting_is_list(s)) ||
	    (len = config_setting_length(s)) == 0)
		return ld_error(ld, s, full, "must be a non-empty list "
		    "[ \"code\", ... ]");
	if ((*out = calloc(len, sizeof(**out))) == NULL)
		return ld_error(ld, s, full, "out of memory");
	for (i = 0; i < len; i++) {
		e = config_setting_get_elem(s, i);
		if (config_setting_type(e) != CONFIG_TYPE_STRING)
			return ld_error(ld, e, full, "entries must be strings");
		if ((c = config_find(cl, config_setting_get_string(e))) == NULL)
			return ld_error(ld, e, full, "unknown code \"%s\" (not "
			    "in %s)", config_setting_get_string(e), name);
		(*out)[(*n)++] = c->cn_code;
	}
	return 0;
}

static int	ld_route_criteria(struct loader *, const config_setting_t *,
		    const char *, const struct config *, struct route_rule *);

static int
ld_route(struct loader *ld, const config_setting_t *e, const char *path,
    const struct config *cf, struct route_rule *ru)
{
	static const char *const known[] = { "risk_at_least", "topics",
	    "caller_types", "lines", "queue", "priority", NULL };

	ru->ru_risk_min = -1;
	if (!config_setting_is_group(e))
		return ld_error(ld, e, path, "must be a group { ... queue = "
		    "\"...\"; priority = N; }");
	if (ld_known(ld, e, path, known) == -1)
		return -1;
	return ld_route_criteria(ld, e, path, cf, ru);
}

/* What a route and a plan share: criteria, queue and priority. */
static int
ld_route_criteria(struct loader *ld, const config_setting_t *e,
    const char *path, const struct config *cf, struct route_rule *ru)
{
	config_setting_t	*r;
	char			 full[128];

	ru->ru_risk_min = -1;
	if (ld_queue_ref(ld, e, path, cf, &ru->ru_queue) == -1 ||
	    ld_priority(ld, e, path, 2, &ru->ru_priority) == -1 ||
	    ld_code_refs(ld, e, path, "topics", &cf->cf_topics,
	    &ru->ru_topics, &ru->ru_ntopics) == -1 ||
	    ld_code_refs(ld, e, path, "caller_types", &cf->cf_caller_types,
	    &ru->ru_caller_types, &ru->ru_ncaller_types) == -1 ||
	    ld_code_refs(ld, e, path, "lines", &cf->cf_lines, &ru->ru_lines,
	    &ru->ru_nlines) == -1)
		return -1;
	if ((r = config_setting_get_member(e, "risk_at_least")) == NULL)
		return 0;
	snprintf(full, sizeof(full), "%s.risk_at_least", path);
	if (config_setting_type(r) != CONFIG_TYPE_STRING)
		return ld_error(ld, r, full, "must be a string in quotes");
	if ((ru->ru_risk_min = config_risk_rank(cf,
	    config_setting_get_string(r))) == -1)
		return ld_error(ld, r, full, "unknown risk level \"%s\" (not "
		    "in risk_levels)", config_setting_get_string(r));
	return 0;
}

/* routes = ( { risk_at_least/topics/... ; queue; priority; }, ... ) */
static int
ld_routes(struct loader *ld, const config_setting_t *root, struct config *cf)
{
	config_setting_t	*s;
	char			 path[64];
	int			 i, n;

	if ((s = config_setting_get_member(root, "routes")) == NULL)
		return 0;
	if (!config_setting_is_list(s))
		return ld_error(ld, s, "routes", "must be a list ( { ... }, "
		    "... )");
	n = config_setting_length(s);
	if (n == 0)
		return 0;
	if ((cf->cf_routes = calloc(n, sizeof(*cf->cf_routes))) == NULL)
		return ld_error(ld, s, "routes", "out of memory");
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "routes[%d]", i);
		cf->cf_nroutes++;	/* config_free() frees what it got */
		if (ld_route(ld, config_setting_get_elem(s, i), path, cf,
		    &cf->cf_routes[i]) == -1)
			return -1;
	}
	return 0;
}

/* callbacks = { queue = "mhc"; priority = 2; }: where unrouted ones go. */
static int
ld_callbacks(struct loader *ld, const config_setting_t *root,
    struct config *cf)
{
	static const char *const known[] = { "queue", "priority", NULL };
	config_setting_t	*g;

	cf->cf_cb_queue = 0;
	cf->cf_cb_priority = 2;
	if (ld_group(ld, root, "callbacks", &g) == -1)
		return -1;
	if (g == NULL)
		return 0;
	return ld_known(ld, g, "callbacks", known) == -1 ||
	    ld_queue_ref(ld, g, "callbacks", cf, &cf->cf_cb_queue) == -1 ||
	    ld_priority(ld, g, "callbacks", 2, &cf->cf_cb_priority) == -1 ?
	    -1 : 0;
}

/* ---- follow-up plans and shifts ---- */

/* A plan's steps = [ "1d", "3d", ... ]: offsets after the call, rising. */
static int
ld_plan_steps(struct loader *ld, const config_setting_t *e, const char *path,
    struct plan_conf *pc)
{
	config_setting_t	*s;
	char			 full[128];
	int			 i, n;

	snprintf(full, sizeof(full), "%s.steps", path);
	if ((s = config_setting_get_member(e, "steps")) == NULL)
		return ld_error(ld, e, full, "is required: a list of offsets "
		    "after the call such as [ \"1d\", \"3d\", \"7d\" ]");
	if ((!config_setting_is_array(s) && !config_setting_is_list(s)) ||
	    (n = config_setting_length(s)) == 0 || n > PLAN_MAX_STEPS)
		return ld_error(ld, s, full, "must be a list of 1 to %d "
		    "offsets such as [ \"1d\", \"3d\" ]", PLAN_MAX_STEPS);
	for (i = 0; i < n; i++) {
		snprintf(full, sizeof(full), "%s.steps[%d]", path, i);
		if (ld_duration(ld, config_setting_get_elem(s, i), full, 1,
		    366 * 86400, &pc->pc_steps[i]) == -1)
			return -1;
		if (i > 0 && pc->pc_steps[i] <= pc->pc_steps[i - 1])
			return ld_error(ld, config_setting_get_elem(s, i), full,
			    "must come after the step before it (offsets "
			    "rise)");
		pc->pc_nsteps++;
	}
	return 0;
}

static int
ld_plan(struct loader *ld, const config_setting_t *e, const char *path,
    const struct config *cf, struct plan_conf *pc)
{
	static const char *const known[] = { "code", "name", "risk_at_least",
	    "topics", "caller_types", "lines", "queue", "priority", "steps",
	    "attempts", "retry_after", NULL };
	config_setting_t	*r;
	char			 full[128];

	if (!config_setting_is_group(e))
		return ld_error(ld, e, path, "must be a group { code = \"...\"; "
		    "... steps = [ ... ]; }");
	if (ld_known(ld, e, path, known) == -1 ||
	    ld_string(ld, e, path, "code", NULL, &pc->pc_code) == -1 ||
	    ld_string(ld, e, path, "name", NULL, &pc->pc_name) == -1)
		return -1;
	if (!ld_code_ok(pc->pc_code))
		return ld_error(ld, config_setting_get_member(e, "code"), path,
		    "code \"%s\" must be 1 to 32 characters of a-z, 0-9, "
		    "_ - + < >", pc->pc_code);
	snprintf(full, sizeof(full), "%s.retry_after", path);
	pc->pc_retry_s = 4 * 3600;
	if (ld_route_criteria(ld, e, path, cf, &pc->pc_match) == -1 ||
	    ld_plan_steps(ld, e, path, pc) == -1 ||
	    ld_long(ld, e, path, "attempts", 3, 1, 20, &pc->pc_attempts) == -1 ||
	    ((r = config_setting_get_member(e, "retry_after")) != NULL &&
	    ld_duration(ld, r, full, 1, 30 * 86400, &pc->pc_retry_s) == -1))
		return -1;
	return 0;
}

/* plans = ( { code; name; criteria; queue; priority; steps; ... }, ... ) */
static int
ld_plans(struct loader *ld, const config_setting_t *root, struct config *cf)
{
	config_setting_t	*s, *e;
	char			 path[64];
	int			 i, n, j;

	if ((s = config_setting_get_member(root, "plans")) == NULL)
		return 0;
	if (!config_setting_is_list(s))
		return ld_error(ld, s, "plans", "must be a list ( { ... }, "
		    "... )");
	if ((n = config_setting_length(s)) == 0)
		return 0;
	if ((cf->cf_plans = calloc(n, sizeof(*cf->cf_plans))) == NULL)
		return ld_error(ld, s, "plans", "out of memory");
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "plans[%d]", i);
		e = config_setting_get_elem(s, i);
		cf->cf_nplans++;	/* config_free() frees what it got */
		if (ld_plan(ld, e, path, cf, &cf->cf_plans[i]) == -1)
			return -1;
		for (j = 0; j < i; j++)
			if (strcmp(cf->cf_plans[j].pc_code,
			    cf->cf_plans[i].pc_code) == 0)
				return ld_error(ld, e, path, "code \"%s\" is "
				    "listed twice", cf->cf_plans[i].pc_code);
	}
	return 0;
}

/* One shift start "HH:MM" into minutes after midnight; -1: not one. */
static int
ld_shift_time(const char *v)
{
	if (strlen(v) != 5 || !isdigit((unsigned char)v[0]) ||
	    !isdigit((unsigned char)v[1]) || v[2] != ':' ||
	    !isdigit((unsigned char)v[3]) || !isdigit((unsigned char)v[4]))
		return -1;
	if ((v[0] - '0') * 10 + (v[1] - '0') > 23 || v[3] > '5')
		return -1;
	return ((v[0] - '0') * 10 + (v[1] - '0')) * 60 + (v[3] - '0') * 10 +
	    (v[4] - '0');
}

/* shifts = [ "00:00", "08:00", "16:00" ]: starts in the timezone, rising. */
static int
ld_shifts(struct loader *ld, const config_setting_t *root, struct config *cf)
{
	config_setting_t	*s, *e;
	char			 full[64];
	int			 i, n, m;

	if ((s = config_setting_get_member(root, "shifts")) == NULL)
		return 0;
	if ((!config_setting_is_array(s) && !config_setting_is_list(s)) ||
	    (n = config_setting_length(s)) == 0 || n > SHIFT_MAX)
		return ld_error(ld, s, "shifts", "must be a list of 1 to %d "
		    "start times such as [ \"08:00\", \"16:00\" ]", SHIFT_MAX);
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(s, i);
		snprintf(full, sizeof(full), "shifts[%d]", i);
		if (config_setting_type(e) != CONFIG_TYPE_STRING ||
		    (m = ld_shift_time(config_setting_get_string(e))) == -1)
			return ld_error(ld, e, full, "must be a time \"HH:MM\" "
			    "(00:00 to 23:59)");
		if (i > 0 && m <= cf->cf_shifts[i - 1])
			return ld_error(ld, e, full, "must come after the shift "
			    "before it (list the starts from midnight on)");
		cf->cf_shifts[cf->cf_nshifts++] = m;
	}
	return 0;
}

/* ---- end of follow-up plans and shifts ---- */

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
	    "log", "store", "api", "status", "limits", "privacy",
	    "retention", "web", "lines",
	    "caller_types", "topics", "risk_levels", "outcomes", "queues",
	    "routes", "callbacks", "plans", "shifts", "operators", "pbx",
	    "crisis", "care", NULL };

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
	    ld_retention(ld, root, cf) == -1 || ld_web(ld, root, cf) == -1 ||
	    ld_codes(ld, root, "lines", &cf->cf_lines) == -1 ||
	    ld_codes(ld, root, "caller_types", &cf->cf_caller_types) == -1 ||
	    ld_codes(ld, root, "topics", &cf->cf_topics) == -1 ||
	    ld_codes(ld, root, "risk_levels", &cf->cf_risks) == -1 ||
	    ld_codes(ld, root, "outcomes", &cf->cf_outcomes) == -1 ||
	    ld_queues(ld, root, cf) == -1 || ld_routes(ld, root, cf) == -1 ||
	    ld_callbacks(ld, root, cf) == -1 || ld_plans(ld, root, cf) == -1 ||
	    ld_shifts(ld, root, cf) == -1 ||
	    ld_operators(ld, root, cf) == -1 ||
	    ld_pbx(ld, root, cf) == -1 || ld_crisis(ld, root, cf) == -1 ||
	    ld_care(ld, root, cf) == -1 ? -1 : 0;
}

/*
 * China's guideline for psychological assistance hotlines (2021) asks
 * that registration, handling and assessment records be kept at least
 * three years: a shorter retention is allowed (the operator decides) but
 * said, at -t and at every start and reload. 1 with the warning in buf.
 */
int
config_retention_short(const struct config *cf, char *buf, size_t len)
{
	if (cf->cf_retention_days == 0 ||
	    cf->cf_retention_days >= RETENTION_GUIDELINE_DAYS)
		return 0;
	snprintf(buf, len, "retention.personal_days is %ld: below the %d days "
	    "(three years) for which the guideline for psychological "
	    "assistance hotlines (2021) asks that registration, handling and "
	    "assessment records be kept", cf->cf_retention_days,
	    RETENTION_GUIDELINE_DAYS);
	return 1;
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

void
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
config_free_tls(struct ssl_ctx_st **v, size_t n)
{
	size_t	 i;

	for (i = 0; v != NULL && i < n; i++)
		SSL_CTX_free(v[i]);
	free(v);
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
	config_free_tls(cf->cf_api_tls, cf->cf_napi);
	config_free_tls(cf->cf_status_tls, cf->cf_nstatus);
	if (cf->cf_hash_key != NULL)
		OPENSSL_cleanse(cf->cf_hash_key, cf->cf_hash_key_len);
	free(cf->cf_hash_key);
	config_free_codes(&cf->cf_lines);
	config_free_codes(&cf->cf_caller_types);
	config_free_codes(&cf->cf_topics);
	config_free_codes(&cf->cf_risks);
	config_free_codes(&cf->cf_outcomes);
	config_free_codes(&cf->cf_queues);
	free(cf->cf_qconf);
	for (i = 0; i < cf->cf_nroutes; i++) {
		free(cf->cf_routes[i].ru_topics);
		free(cf->cf_routes[i].ru_caller_types);
		free(cf->cf_routes[i].ru_lines);
	}
	free(cf->cf_routes);
	for (i = 0; i < cf->cf_nplans; i++) {
		free(cf->cf_plans[i].pc_code);
		free(cf->cf_plans[i].pc_name);
		free(cf->cf_plans[i].pc_match.ru_topics);
		free(cf->cf_plans[i].pc_match.ru_caller_types);
		free(cf->cf_plans[i].pc_match.ru_lines);
	}
	free(cf->cf_plans);
	for (i = 0; i < cf->cf_nops; i++) {
		free(cf->cf_ops[i].op_name);
		free(cf->cf_ops[i].op_password);
	}
	free(cf->cf_web_root);
	free(cf->cf_ops);
	config_pbx_free(&cf->cf_pbx);
	config_care_free(&cf->cf_care);
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
config_op_by_name(const struct config *cf, const char *name)
{
	size_t	 i;

	for (i = 0; i < cf->cf_nops; i++)
		if (strcmp(cf->cf_ops[i].op_name, name) == 0)
			return &cf->cf_ops[i];
	return NULL;
}

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
