/*
 * Query parameters, checked once for every route: the names a route
 * knows, times, code lists, limits, cursors and ranges.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <openssl/evp.h>

#include "api.h"

/* A query parameter, checked against the names the route knows. */
int
api_query_check(struct ctx *x, const char *const *known)
{
	struct evkeyval	*kv, *kv2;
	size_t		 i;

	TAILQ_FOREACH(kv, &x->x_query, next) {
		for (i = 0; known[i] != NULL; i++)
			if (strcmp(kv->key, known[i]) == 0)
				break;
		if (known[i] == NULL) {
			api_error(x, 400, "invalid_parameter", kv->key,
			    "unknown parameter %.64s", kv->key);
			return -1;
		}
		for (kv2 = TAILQ_NEXT(kv, next); kv2 != NULL;
		    kv2 = TAILQ_NEXT(kv2, next))
			if (strcmp(kv->key, kv2->key) == 0) {
				api_error(x, 400, "invalid_parameter", kv->key,
				    "%s given twice; use a comma-separated "
				    "list", kv->key);
				return -1;
			}
	}
	return 0;
}

/* A time bound: RFC 3339, or a date (its start, or its end for "to"). */
int
api_time_param(struct ctx *x, const char *name, int is_end, int64_t *out)
{
	const char	*v = evhttp_find_header(&x->x_query, name);
	int64_t		 start, end;

	*out = 0;
	if (v == NULL)
		return 0;
	if (clock_parse(v, out) == 0)
		return 0;
	if (clock_parse_date(v, &start, &end) == 0) {
		*out = is_end ? end : start;
		return 0;
	}
	api_error(x, 400, "invalid_parameter", name, "%s must be a date "
	    "YYYY-MM-DD or an RFC 3339 time", name);
	return -1;
}

/* Split a comma list of codes, each checked against cl (NULL: any). */
static int
api_list_param(struct ctx *x, const char *name, const struct code_list *cl,
    char ***out, size_t *n)
{
	const char	*v = evhttp_find_header(&x->x_query, name);
	char		*dup, *p, *tok, **nv;

	*out = NULL;
	*n = 0;
	if (v == NULL)
		return 0;
	if ((dup = strdup(v)) == NULL) {
		api_error(x, 503, "internal", NULL, "out of memory");
		return -1;
	}
	for (p = dup; (tok = strsep(&p, ",")) != NULL; ) {
		if (*tok == '\0' || strlen(tok) > 64 ||
		    (cl != NULL && config_find(cl, tok) == NULL)) {
			api_error(x, 400, "invalid_parameter", name,
			    "%s: unknown code \"%.64s\"", name, tok);
			free(dup);
			return -1;
		}
		if ((nv = reallocarray(*out, *n + 1, sizeof(**out))) == NULL ||
		    ((*out = nv)[*n] = strdup(tok)) == NULL) {
			/* What *out holds the caller frees. */
			api_error(x, 503, "internal", NULL, "out of memory");
			free(dup);
			return -1;
		}
		(*n)++;
	}
	free(dup);
	return 0;
}

void
api_strv_free(char **v, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

int
api_limit_param(struct ctx *x, long *out)
{
	const char	*v = evhttp_find_header(&x->x_query, "limit");
	long		 max = x->x_api->a_cf->cf_limits.lim_list_max;
	char		*end;

	*out = API_LIST_LIMIT < max ? API_LIST_LIMIT : max;
	if (v == NULL)
		return 0;
	errno = 0;
	*out = strtol(v, &end, 10);
	if (*v == '\0' || *end != '\0' || errno != 0 || *out < 1 ||
	    *out > max) {
		api_error(x, 400, "invalid_parameter", "limit",
		    "limit must be an integer from 1 to %ld", max);
		return -1;
	}
	return 0;
}

/* The cursor is "started_at.id" in base64: opaque to clients. */
static int
api_cursor_param(struct ctx *x, struct call_filter *f)
{
	const char	*v = evhttp_find_header(&x->x_query, "cursor");
	unsigned char	 buf[96];
	long long	 t, id;
	char		 tail;
	size_t		 len;

	if (v == NULL)
		return 0;
	len = strlen(v);
	if (len == 0 || len > 64 || len % 4 != 0 ||
	    EVP_DecodeBlock(buf, (const unsigned char *)v, (int)len) < 0)
		goto bad;
	buf[len * 3 / 4] = '\0';
	if (sscanf((char *)buf, "%lld.%lld%c", &t, &id, &tail) != 2 || id < 0)
		goto bad;
	f->f_has_cursor = 1;
	f->f_cur_started = t;
	f->f_cur_id = id;
	return 0;
bad:
	api_error(x, 400, "invalid_parameter", "cursor", "cursor is not one "
	    "this server gave out");
	return -1;
}

json_t *
api_cursor_json(const struct call *c)
{
	char		 plain[48];
	unsigned char	 enc[72];
	int		 n;

	n = snprintf(plain, sizeof(plain), "%lld.%lld",
	    (long long)c->c_started_at, (long long)c->c_id);
	EVP_EncodeBlock(enc, (const unsigned char *)plain, n);
	return json_string((char *)enc);
}

int
api_list_filter(struct ctx *x, struct call_filter *f)
{
	static const char *const known[] = { "from", "to", "line", "risk",
	    "operator", "limit", "cursor", NULL };
	const struct config	*cf = x->x_api->a_cf;
	char			*self;

	memset(f, 0, sizeof(*f));
	if (api_query_check(x, known) == -1 ||
	    api_time_param(x, "from", 0, &f->f_from) == -1 ||
	    api_time_param(x, "to", 1, &f->f_to) == -1 ||
	    api_list_param(x, "line", &cf->cf_lines, &f->f_lines,
	    &f->f_nlines) == -1 ||
	    api_list_param(x, "risk", &cf->cf_risks, &f->f_risks,
	    &f->f_nrisks) == -1 ||
	    api_list_param(x, "operator", NULL, &f->f_ops, &f->f_nops) == -1 ||
	    api_limit_param(x, &f->f_limit) == -1 ||
	    api_cursor_param(x, f) == -1)
		return -1;
	if (x->x_id.id_role != ROLE_OPERATOR)
		return 0;
	/* An operator lists its own calls only. */
	if (f->f_nops > 1 || (f->f_nops == 1 &&
	    strcmp(f->f_ops[0], x->x_id.id_name) != 0)) {
		api_error(x, 403, "forbidden", "operator", "an operator may "
		    "list only its own calls");
		return -1;
	}
	if (f->f_nops == 0) {
		if ((f->f_ops = calloc(1, sizeof(*f->f_ops))) == NULL ||
		    (self = strdup(x->x_id.id_name)) == NULL) {
			api_error(x, 503, "internal", NULL, "out of memory");
			return -1;
		}
		f->f_ops[0] = self;
		f->f_nops = 1;
	}
	return 0;
}

/* from and to, both required, from before to. -1: answered. */
int
api_range(struct ctx *x, int64_t *from, int64_t *to)
{
	if (api_time_param(x, "from", 0, from) == -1 ||
	    api_time_param(x, "to", 1, to) == -1)
		return -1;
	if (*from == 0 || *to == 0) {
		api_error(x, 400, "invalid_parameter", *from == 0 ? "from" :
		    "to", "from and to are required: dates YYYY-MM-DD (to "
		    "includes its day) or RFC 3339 times");
		return -1;
	}
	if (*from >= *to) {
		api_error(x, 400, "invalid_parameter", "to", "to must be "
		    "after from");
		return -1;
	}
	return 0;
}
