/*
 * The crisis group of hotlined.conf: which crisis fields (crisis.c) a
 * call must carry from a risk level up. Without it none is required.
 *
 *   crisis = {
 *     require_from = "high";
 *     require = [ "ideation_intensity", "hopelessness", "screener" ];
 *   };
 */
#include <string.h>

#include "config_int.h"

/* The index of a crisis field's name, or -1. */
static int
ld_crisis_field(const char *name)
{
	int	 i;

	for (i = 0; crisis_fields[i] != NULL; i++)
		if (strcmp(crisis_fields[i], name) == 0)
			return i;
	return -1;
}

static int
ld_crisis_require(struct loader *ld, const config_setting_t *s,
    struct crisis_conf *cc)
{
	config_setting_t	*e;
	const char		*v;
	int			 i, k, len;

	if ((!config_setting_is_array(s) && !config_setting_is_list(s)) ||
	    (len = config_setting_length(s)) == 0)
		return ld_error(ld, s, "crisis.require", "must be a non-empty "
		    "list [ \"ideation_intensity\", ... ]");
	for (i = 0; i < len; i++) {
		e = config_setting_get_elem(s, i);
		if (config_setting_type(e) != CONFIG_TYPE_STRING)
			return ld_error(ld, e, "crisis.require", "entries must "
			    "be strings");
		v = config_setting_get_string(e);
		if ((k = ld_crisis_field(v)) == -1)
			return ld_error(ld, e, "crisis.require", "unknown "
			    "crisis field \"%s\" (one of ideation_intensity, "
			    "hopelessness, screener, plan_timeframe, "
			    "safety_plan, emergency)", v);
		cc->cc_require |= 1u << k;
	}
	return 0;
}

/* crisis = { require_from; require; }: both or neither. */
int
ld_crisis(struct loader *ld, const config_setting_t *root, struct config *cf)
{
	static const char *const known[] = { "require_from", "require",
	    NULL };
	struct crisis_conf	*cc = &cf->cf_crisis;
	config_setting_t	*g, *from, *req;

	cc->cc_from = -1;
	cc->cc_require = 0;
	if (ld_group(ld, root, "crisis", &g) == -1)
		return -1;
	if (g == NULL)
		return 0;
	if (ld_known(ld, g, "crisis", known) == -1)
		return -1;
	from = config_setting_get_member(g, "require_from");
	req = config_setting_get_member(g, "require");
	if (from == NULL || req == NULL)
		return ld_error(ld, from != NULL ? from : req != NULL ? req : g,
		    from == NULL ? "crisis.require_from" : "crisis.require",
		    "is required with %s", from == NULL ? "crisis.require" :
		    "crisis.require_from");
	if (config_setting_type(from) != CONFIG_TYPE_STRING)
		return ld_error(ld, from, "crisis.require_from", "must be a "
		    "string in quotes");
	if ((cc->cc_from = config_risk_rank(cf,
	    config_setting_get_string(from))) == -1)
		return ld_error(ld, from, "crisis.require_from", "unknown risk "
		    "level \"%s\" (not in risk_levels)",
		    config_setting_get_string(from));
	return ld_crisis_require(ld, req, cc);
}
