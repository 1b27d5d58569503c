/*
 * The API's routes: the table of which roles may use each method of each
 * route (the one role check, applied by api.c's dispatch), and the match
 * of a request's path to its route, with the ids, queue and verb in it.
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "api.h"

static const struct route routes[] = {
	{ RT_SCHEMA, "GET, HEAD", R_ALL, 0, 0, 0 },
	{ RT_WHOAMI, "GET, HEAD", R_ALL, 0, 0, 0 },
	{ RT_CALLS, "GET, HEAD, POST", R_ANY, R_OPERATOR | R_ADMIN, 0, 0 },
	{ RT_CALL, "GET, HEAD, PATCH", R_ANY, 0, R_OPERATOR | R_SUPERVISOR |
	    R_ADMIN, 0 },
	{ RT_QUEUES, "GET, HEAD", R_ANY, 0, 0, 0 },
	{ RT_QUEUE, "GET, HEAD", R_QUEUE, 0, 0, 0 },
	{ RT_CLAIM, "POST", 0, R_QUEUE, 0, 0 },
	{ RT_ITEM, "GET, HEAD", R_QUEUE, 0, 0, 0 },
	{ RT_ITEM_ACT, "POST", 0, R_QUEUE, 0, 0 },
	{ RT_STATS, "GET, HEAD", R_READ_ALL, 0, 0, 0 },
	{ RT_EXPORT, "GET", R_READ_ALL, 0, 0, 0 },
	{ RT_AUDIT, "GET, HEAD", R_ADMIN, 0, 0, 0 },
	{ RT_SESSION, "GET, HEAD, POST, DELETE", R_ALL, R_ANON, 0, R_ALL },
	{ RT_PBX_EVENTS, "POST", 0, R_PBX, 0, 0 },
	{ RT_PBX_UNLOGGED, "GET, HEAD", R_READ_ALL, 0, 0, 0 },
	{ RT_PBX_LATEST, "GET, HEAD", R_OPERATOR, 0, 0, 0 },
	{ RT_ATTEMPT, "POST", 0, R_QUEUE, 0, 0 },
	{ RT_PLAN, "GET, HEAD", R_QUEUE, 0, 0, 0 },
	{ RT_PLAN_END, "POST", 0, R_QUEUE, 0, 0 },
	{ RT_HANDOVER, "GET, HEAD", R_QUEUE, 0, 0, 0 },
	{ RT_CARE_PEOPLE, "GET, HEAD, POST", R_CARE, R_CARE, 0, 0 },
	{ RT_CARE_PERSON, "GET, HEAD, PATCH", R_CARE, 0, R_CARE, 0 },
	{ RT_CARE_CONTACTS, "POST", 0, R_CARE, 0, 0 },
	{ RT_CARE_PERSON_DIFFS, "POST", 0, R_CARE, 0, 0 },
	{ RT_CARE_DIFFS, "GET, HEAD", R_CARE, 0, 0, 0 },
	{ RT_CARE_DIFF, "PATCH", 0, 0, R_CARE, 0 },
	{ RT_CARE_END, "POST", 0, R_READ_ALL, 0, 0 },
	{ RT_CARE_LINK, "POST", 0, R_OPERATOR | R_READ_ALL, 0, 0 },
	{ RT_CARE_IMPORT, "POST", 0, R_READ_ALL, 0, 0 },
	{ RT_CARE_EXPORT, "GET", R_READ_ALL, 0, 0, 0 },
};


/* A positive decimal id with no sign or leading zero; end at *endp. */
static int
api_path_id(const char *p, int64_t *id, const char **endp)
{
	char		*end;
	long long	 n;

	if (!isdigit((unsigned char)*p) || *p == '0')
		return -1;
	errno = 0;
	n = strtoll(p, &end, 10);
	if (errno != 0)
		return -1;
	*id = n;
	*endp = end;
	return 0;
}

/* The routes under /v1/care/ (path is what follows). */
static const struct route *
api_route_care(const char *path, int64_t *id)
{
	static const struct { const char *p; enum route_id rt; } fixed[] = {
		{ "people", RT_CARE_PEOPLE }, { "difficulties", RT_CARE_DIFFS },
		{ "end-date", RT_CARE_END }, { "import", RT_CARE_IMPORT },
		{ "export", RT_CARE_EXPORT } };
	const char	*end;
	size_t		 i;

	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (strcmp(path, fixed[i].p) == 0)
			return &routes[fixed[i].rt];
	if (strncmp(path, "people/", 7) == 0 &&
	    api_path_id(path + 7, id, &end) == 0)
		return *end == '\0' ? &routes[RT_CARE_PERSON] :
		    strcmp(end, "/contacts") == 0 ? &routes[RT_CARE_CONTACTS] :
		    strcmp(end, "/difficulties") == 0 ?
		    &routes[RT_CARE_PERSON_DIFFS] : NULL;
	if (strncmp(path, "difficulties/", 13) == 0 &&
	    api_path_id(path + 13, id, &end) == 0 && *end == '\0')
		return &routes[RT_CARE_DIFF];
	return NULL;
}

/*
 * Match the path: a route, with the id of /v1/calls/{id} and
 * /v1/queue-items/{id}[/verb], the queue of /v1/queues/{q}[/claim], and
 * the verb of an item action.
 */
const struct route *
api_route(const char *path, int64_t *id, char *queue, size_t qlen,
    const char **verb)
{
	const char	*p, *end;
	size_t		 n;

	if (strcmp(path, "/v1/schema") == 0)
		return &routes[RT_SCHEMA];
	if (strcmp(path, "/v1/whoami") == 0)
		return &routes[RT_WHOAMI];
	if (strcmp(path, "/v1/calls") == 0)
		return &routes[RT_CALLS];
	if (strcmp(path, "/v1/queues") == 0)
		return &routes[RT_QUEUES];
	if (strcmp(path, "/v1/stats") == 0)
		return &routes[RT_STATS];
	if (strcmp(path, "/v1/export") == 0)
		return &routes[RT_EXPORT];
	if (strcmp(path, "/v1/audit") == 0)
		return &routes[RT_AUDIT];
	if (strcmp(path, "/v1/session") == 0)
		return &routes[RT_SESSION];
	if (strcmp(path, "/v1/pbx/events") == 0)
		return &routes[RT_PBX_EVENTS];
	if (strcmp(path, "/v1/pbx/unlogged") == 0)
		return &routes[RT_PBX_UNLOGGED];
	if (strcmp(path, "/v1/pbx/latest") == 0)
		return &routes[RT_PBX_LATEST];
	if (strcmp(path, "/v1/handover") == 0)
		return &routes[RT_HANDOVER];
	if (strncmp(path, "/v1/care/", 9) == 0)
		return api_route_care(path + 9, id);
	if (strncmp(path, "/v1/calls/", 10) == 0) {
		if (api_path_id(path + 10, id, &end) == -1)
			return NULL;
		return *end == '\0' ? &routes[RT_CALL] :
		    strcmp(end, "/plan") == 0 ? &routes[RT_PLAN] :
		    strcmp(end, "/care-link") == 0 ? &routes[RT_CARE_LINK] :
		    strcmp(end, "/plan/end") == 0 ? &routes[RT_PLAN_END] : NULL;
	}
	if (strncmp(path, "/v1/queue-items/", 16) == 0) {
		if (api_path_id(path + 16, id, &end) == -1)
			return NULL;
		if (*end == '\0')
			return &routes[RT_ITEM];
		*verb = end + 1;
		if (strcmp(end, "/attempts") == 0)
			return &routes[RT_ATTEMPT];
		return strcmp(end, "/complete") == 0 ||
		    strcmp(end, "/release") == 0 ||
		    strcmp(end, "/renew") == 0 ? &routes[RT_ITEM_ACT] : NULL;
	}
	if (strncmp(path, "/v1/queues/", 11) != 0)
		return NULL;
	p = path + 11;
	n = strcspn(p, "/");
	if (n == 0 || n >= qlen)
		return NULL;
	memcpy(queue, p, n);
	queue[n] = '\0';
	if (p[n] == '\0')
		return &routes[RT_QUEUE];
	return strcmp(p + n, "/claim") == 0 ? &routes[RT_CLAIM] : NULL;
}
