/*
 * The care register counted: for GET /v1/stats, the people under care
 * by team and unit, the contacts due, made, made on time and overdue in
 * the range and in the current week, and the difficulties by category,
 * state and age; for the status listener, the people, the overdue
 * contacts and the open difficulties, recounted after a commit that
 * changed the register (when the status is next rendered) and once a
 * minute (a day boundary makes contacts
 * overdue with no write at all).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"

#define CARE_RECOUNT_S	60

static struct {
	struct store	*cs_store;
	int		 cs_dirty;
	int64_t		 cs_counted_at;
	int64_t		 cs_people;
	int64_t		 cs_overdue;
	int64_t		 cs_open;
} cs;

/* The counts of [from_day, to_day) as of today. */
static json_t *
care_stats_contacts(struct store *s, int64_t from_day, int64_t to_day,
    int64_t today, int64_t end)
{
	json_t	*args, *rows, *o = NULL;

	args = json_pack("{sIsIsIsIsIsI}", "from_day", (json_int_t)from_day,
	    "to_day", (json_int_t)to_day, "from", (json_int_t)
	    config_care_day_start(from_day), "to", (json_int_t)
	    config_care_day_start(to_day), "today", (json_int_t)today,
	    "end_day", (json_int_t)end);
	if (args == NULL)
		return NULL;
	if (end < 0)
		json_object_set_new(args, "end_day", json_null());
	if ((rows = store_care_counts(s, "contacts", args)) != NULL) {
		o = json_incref(json_array_get(rows, 0));
		json_object_set_new(o, "from", care_day_json_of(from_day));
		json_object_set_new(o, "until", care_day_json_of(to_day));
	}
	json_decref(rows);
	json_decref(args);
	return o;
}

/*
 * The register's measures for [from, to) as of now: NULL when the store
 * failed. The week is the local ISO week (Monday first) holding now.
 */
json_t *
care_stats(struct store *s, const struct config *cf, int64_t from,
    int64_t to, int64_t now)
{
	json_t	*args, *people, *diffs, *range, *week, *o;
	int64_t	 today = config_care_day_of(now), end, monday;

	if (care_end_day(s, cf, &end) != STORE_OK)
		return NULL;
	/* Day 0 (1970-01-01) was a Thursday. */
	monday = today - ((today + 3) % 7);
	if ((args = json_pack("{sIsIsI}", "today", (json_int_t)today, "now",
	    (json_int_t)now, "end_day", (json_int_t)end)) == NULL)
		return NULL;
	if (end < 0)
		json_object_set_new(args, "end_day", json_null());
	people = store_care_counts(s, "people", args);
	diffs = store_care_counts(s, "diffs", args);
	json_decref(args);
	range = care_stats_contacts(s, config_care_day_of(from),
	    config_care_day_of(to - 1) + 1, today, end);
	week = care_stats_contacts(s, monday, monday + 7, today, end);
	if (people == NULL || diffs == NULL || range == NULL || week == NULL) {
		json_decref(people);
		json_decref(diffs);
		json_decref(range);
		json_decref(week);
		return NULL;
	}
	o = json_pack("{sosososo}", "people", people, "contacts", range,
	    "contacts_this_week", week, "difficulties", diffs);
	return o;
}

/* A write of the open batch changed the register: recount after it. */
void
care_changed(void)
{
	cs.cs_dirty = 1;
}

void
care_status_init(struct store *s)
{
	cs.cs_store = s;
	cs.cs_dirty = 1;
}

/* The status listener's counts, recounted when stale (loop thread). */
json_t *
care_status_json(const struct config *cf)
{
	json_t	*args, *rows, *r;
	int64_t	 now = clock_now(), end;

	if (cs.cs_store != NULL && (cs.cs_dirty ||
	    now - cs.cs_counted_at >= CARE_RECOUNT_S) &&
	    care_end_day(cs.cs_store, cf, &end) == STORE_OK &&
	    (args = json_pack("{sI}", "today",
	    (json_int_t)config_care_day_of(now))) != NULL) {
		json_object_set_new(args, "end_day", end >= 0 ?
		    json_integer(end) : json_null());
		if ((rows = store_care_counts(cs.cs_store, "now", args)) !=
		    NULL) {
			r = json_array_get(rows, 0);
			cs.cs_people = json_integer_value(json_object_get(r,
			    "people"));
			cs.cs_overdue = json_integer_value(json_object_get(r,
			    "overdue"));
			cs.cs_open = json_integer_value(json_object_get(r,
			    "open_difficulties"));
			cs.cs_dirty = 0;
			cs.cs_counted_at = now;
		}
		json_decref(rows);
		json_decref(args);
	}
	return json_pack("{sIsIsI}", "people", (json_int_t)cs.cs_people,
	    "overdue_contacts", (json_int_t)cs.cs_overdue,
	    "open_difficulties", (json_int_t)cs.cs_open);
}
