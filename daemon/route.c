/*
 * Routing: which queue, at which priority, a call goes to. The rules come
 * from the config in order and the first whose every criterion holds
 * wins; a call no rule matches goes to no queue. Follow-up plans are
 * matched the same way, first plan first.
 */
#include <string.h>

#include "hotlined.h"

static int
route_in(const char *const *v, size_t n, const char *code)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i], code) == 0)
			return 1;
	return 0;
}

static int
route_match(const struct config *cf, const struct route_rule *ru,
    const struct call *c)
{
	size_t	 i;

	if (ru->ru_risk_min != -1 &&
	    config_risk_rank(cf, c->c_risk) < ru->ru_risk_min)
		return 0;
	if (ru->ru_nlines > 0 && !route_in(ru->ru_lines, ru->ru_nlines,
	    c->c_line))
		return 0;
	if (ru->ru_ncaller_types > 0 && !route_in(ru->ru_caller_types,
	    ru->ru_ncaller_types, c->c_caller_type))
		return 0;
	if (ru->ru_ntopics == 0)
		return 1;
	for (i = 0; i < c->c_ntopics; i++)
		if (route_in(ru->ru_topics, ru->ru_ntopics, c->c_topics[i]))
			return 1;
	return 0;
}

/* The first rule that c matches, or NULL. */
const struct route_rule *
route_find(const struct config *cf, const struct call *c)
{
	size_t	 i;

	for (i = 0; i < cf->cf_nroutes; i++)
		if (route_match(cf, &cf->cf_routes[i], c))
			return &cf->cf_routes[i];
	return NULL;
}

/*
 * The queue items a new call makes: a referral where a rule matches, due
 * now, and for an outcome "callback" with a time, a follow-up due then,
 * in the rule's queue or else the callbacks queue. Returns how many (0-2).
 */
size_t
route_call(const struct config *cf, const struct call *c,
    struct route_item out[2])
{
	const struct route_rule	*ru = route_find(cf, c);
	size_t			 n = 0;

	if (ru != NULL) {
		out[n].ri_kind = ROUTE_REFERRAL;
		out[n].ri_queue = ru->ru_queue;
		out[n].ri_priority = ru->ru_priority;
		out[n].ri_due = c->c_created_at;
		n++;
	}
	if (c->c_outcome != NULL && strcmp(c->c_outcome, "callback") == 0 &&
	    c->c_callback_at != 0) {
		out[n].ri_kind = ROUTE_CALLBACK;
		out[n].ri_queue = ru != NULL ? ru->ru_queue : cf->cf_cb_queue;
		out[n].ri_priority = ru != NULL ? ru->ru_priority :
		    cf->cf_cb_priority;
		out[n].ri_due = c->c_callback_at;
		n++;
	}
	return n;
}

/* The follow-up plan c gets: the first whose criteria it meets, or NULL. */
const struct plan_conf *
route_plan(const struct config *cf, const struct call *c)
{
	size_t	 i;

	for (i = 0; i < cf->cf_nplans; i++)
		if (route_match(cf, &cf->cf_plans[i].pc_match, c))
			return &cf->cf_plans[i];
	return NULL;
}
