/*
 * The client's own config file (libconfig syntax): which server to use and
 * the token for it. Every complaint names the file and the line.
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libconfig.h>

#include "hotline.h"

/* $XDG_CONFIG_HOME/hotline/hotline.conf, else ~/.config/hotline/hotline.conf. */
static char *
config_default_path(void)
{
	const char	*xdg = getenv("XDG_CONFIG_HOME");
	const char	*home = getenv("HOME");
	struct passwd	*pw;

	/* The XDG spec says a relative value is to be ignored. */
	if (xdg != NULL && xdg[0] == '/')
		return xasprintf("%s/hotline/hotline.conf", xdg);
	if ((home == NULL || home[0] == '\0') &&
	    (pw = getpwuid(getuid())) != NULL)
		home = pw->pw_dir;
	if (home == NULL || home[0] == '\0')
		return NULL;
	return xasprintf("%s/.config/hotline/hotline.conf", home);
}

/* Copy string setting name into *out; -1 (reported) if it is not a string. */
static int
config_string(const char *path, const config_setting_t *s, char **out)
{
	const char	*v;

	if ((v = config_setting_get_string(s)) == NULL) {
		msg_error(_("%s:%d: %s must be a string"), path,
		    config_setting_source_line(s), config_setting_name(s));
		return -1;
	}
	free(*out);
	*out = xstrdup(v);
	return 0;
}

/* Take the known settings; an unknown one is most likely a typo. */
static int
config_settings(const char *path, config_t *cf, struct config *out)
{
	config_setting_t	*root = config_root_setting(cf), *s;
	const char		*name;
	int			 i;

	for (i = 0; (s = config_setting_get_elem(root, (unsigned)i)); i++) {
		name = config_setting_name(s);
		if (strcmp(name, "server") == 0) {
			if (config_string(path, s, &out->server) == -1)
				return -1;
			if (!http_valid_server(out->server)) {
				msg_error(_("%s:%d: server: '%s' is not unix:PATH "
				    "or http(s)://HOST:PORT"), path,
				    config_setting_source_line(s), out->server);
				return -1;
			}
		} else if (strcmp(name, "status") == 0) {
			if (config_string(path, s, &out->status) == -1)
				return -1;
			if (!http_valid_server(out->status)) {
				msg_error(_("%s:%d: status: '%s' is not unix:PATH "
				    "or http(s)://HOST:PORT"), path,
				    config_setting_source_line(s), out->status);
				return -1;
			}
		} else if (strcmp(name, "token") == 0) {
			if (config_string(path, s, &out->token) == -1)
				return -1;
		} else if (strcmp(name, "cacert") == 0) {
			if (config_string(path, s, &out->cacert) == -1)
				return -1;
		} else {
			msg_error(_("%s:%d: unknown setting %s (known: server, "
			    "status, token, cacert)"), path,
			    config_setting_source_line(s), name);
			return -1;
		}
	}
	return 0;
}

/* A token others can read is a token others can use. */
static void
config_check_mode(const char *path, FILE *fp, const struct config *out)
{
	struct stat	st;

	if (out->token != NULL && fstat(fileno(fp), &st) == 0 &&
	    (st.st_mode & 077) != 0)
		msg_note(_("%s holds a token and is readable by others; "
		    "chmod 600 it"), path);
}

static int
config_parse(const char *path, FILE *fp, struct config *out)
{
	config_t	cf;
	int		rv = -1;

	config_init(&cf);
	if (config_read(&cf, fp) != CONFIG_TRUE)
		msg_error("%s:%d: %s", path, config_error_line(&cf),
		    config_error_text(&cf));
	else if (config_settings(path, &cf, out) == 0) {
		config_check_mode(path, fp, out);
		rv = 0;
	}
	config_destroy(&cf);
	return rv;
}

/*
 * Load the config at path, or the default file if path is NULL (which may
 * be missing). Returns -1 after reporting an error.
 */
int
config_load(const char *path, struct config *out)
{
	struct stat	 st;
	char		*def = NULL;
	FILE		*fp;
	int		 rv;

	memset(out, 0, sizeof *out);
	if (path == NULL && (path = def = config_default_path()) == NULL)
		return 0;
	if ((fp = fopen(path, "r")) == NULL) {
		rv = def != NULL && errno == ENOENT ? 0 : -1;
		if (rv == -1)
			msg_error("%s: %s", path, strerror(errno));
		free(def);
		return rv;
	}
	/* libconfig's scanner exits the process on a directory. */
	if (fstat(fileno(fp), &st) == -1 || !S_ISREG(st.st_mode)) {
		msg_error(_("%s: not a regular file"), path);
		rv = -1;
	} else
		rv = config_parse(path, fp, out);
	fclose(fp);
	free(def);
	if (rv == -1)
		config_free(out);
	return rv;
}

void
config_free(struct config *c)
{
	free(c->server);
	free(c->status);
	free(c->cacert);
	if (c->token != NULL)
		explicit_bzero(c->token, strlen(c->token));
	free(c->token);
	memset(c, 0, sizeof *c);
}
