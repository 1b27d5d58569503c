/*
 * Which risk codes the statistics rollups count as high: those at "high"
 * or above (the top level when there is no "high") in the config they
 * were counted with, kept in stats_high (migration 20) as a JSON list,
 * sorted. high_risk_share is only exact when every row a question adds
 * up counts with the config's codes.
 *
 * Every write counts with the rollups' own codes, never another's, so
 * that what an amendment takes out of a row is what was put in: after a
 * reload that changes the config's codes the rollups stay exact for
 * their own. Two lists count alike when no stored call is at a code one
 * holds and the other not (call_totals says, in a few rows): a level
 * added above the top, or one no call carries yet. Then the rollups
 * take the config's list at the reload, and nothing else changes.
 * Otherwise questions read the calls themselves (stats.c: exact, and as
 * slow as the calls are many) until the next start builds the rollups
 * again with the config's codes. A rebuild on the loop at the reload
 * would stall it for minutes at ten million calls (docs/operations.md).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "domain.h"

/* Whether risk is at "high" or above in cf (the top level without one). */
int
stats_high_is(const struct config *cf, const char *risk)
{
	int	 high = config_risk_rank(cf, "high");

	if (high == -1)
		high = (int)cf->cf_risks.cl_n - 1;
	return config_risk_rank(cf, risk) >= high;
}

static int
stats_high_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The risk codes cf counts as high, sorted, as a JSON list; caller frees. */
char *
stats_high_json(const struct config *cf)
{
	const char	**v;
	json_t		 *a;
	char		 *s = NULL;
	size_t		  i, n = 0;

	if ((v = calloc(cf->cf_risks.cl_n + 1, sizeof(*v))) == NULL)
		return NULL;
	for (i = 0; i < cf->cf_risks.cl_n; i++)
		if (stats_high_is(cf, cf->cf_risks.cl_v[i].cn_code))
			v[n++] = cf->cf_risks.cl_v[i].cn_code;
	qsort(v, n, sizeof(*v), stats_high_cmp);
	if ((a = json_array()) != NULL) {
		for (i = 0; i < n; i++)
			json_array_append_new(a, json_string(v[i]));
		s = json_dumps(a, JSON_COMPACT);
		json_decref(a);
	}
	free(v);
	return s;
}

/* Whether risk is in list, a JSON list of codes. */
static int
stats_high_in(const char *list, const char *risk)
{
	json_t	*a, *v;
	size_t	 i;
	int	 in = 0;

	if (risk == NULL || (a = json_loads(list, 0, NULL)) == NULL)
		return 0;
	json_array_foreach(a, i, v)
		if (json_is_string(v) &&
		    strcmp(json_string_value(v), risk) == 0)
			in = 1;
	json_decref(a);
	return in;
}

/* A JSON list of codes for a log line: "high, imminent". */
static void
stats_high_words(const char *list, char *buf, size_t len)
{
	json_t	*a, *v;
	size_t	 i, n = 0;
	int	 k;

	snprintf(buf, len, "(none)");
	if ((a = json_loads(list, 0, NULL)) == NULL)
		return;
	json_array_foreach(a, i, v) {
		k = snprintf(buf + n, len - n, "%s%s", i > 0 ? ", " : "",
		    json_is_string(v) ? json_string_value(v) : "?");
		if (k < 0 || (size_t)k >= len - n)
			break;
		n += (size_t)k;
	}
	json_decref(a);
}

/*
 * The codes the rollups count with (*have, NULL when the store names
 * none), cf's (*want), and whether they count alike for every stored
 * call (*alike). Both lists for the caller to free.
 */
static int
stats_high_compare(struct store *s, const struct config *cf, char **have,
    char **want, int *alike)
{
	int	 differs = 0;

	*have = NULL;
	*alike = 0;
	if ((*want = stats_high_json(cf)) == NULL) {
		log_warnx("%s: out of memory", __func__);
		return STORE_ERR;
	}
	if (store_stats_high(s, have) != STORE_OK)
		return STORE_ERR;
	if (*have != NULL && strcmp(*have, *want) != 0 &&
	    store_stats_high_differs(s, *have, *want, &differs) != STORE_OK)
		return STORE_ERR;
	*alike = !differs;
	return STORE_OK;
}

/*
 * Whether a write counts risk as high (*high): as the rollups do, with
 * their own codes; cf's when the store names none (a harness that built
 * no rollups).
 */
int
stats_high_count(struct store *s, const struct config *cf, const char *risk,
    int *high)
{
	char	*have;

	if (store_stats_high(s, &have) != STORE_OK)
		return STORE_ERR;
	*high = have != NULL ? stats_high_in(have, risk) :
	    stats_high_is(cf, risk);
	free(have);
	return STORE_OK;
}

/*
 * Whether the rollups count high as cf does for every stored call, and
 * so may answer: 1 yes, 0 no (the calls are read), -1 the store failed.
 */
int
stats_high_ready(struct store *s, const struct config *cf)
{
	char	*have, *want;
	int	 rc, alike;

	rc = stats_high_compare(s, cf, &have, &want, &alike);
	free(have);
	free(want);
	return rc != STORE_OK ? -1 : alike;
}

/*
 * Let the rollups count with the codes of want, a JSON list, in a
 * transaction of its own (never inside another's batch): they count
 * alike for every stored call. The checkpoint thread may hold the lock a
 * moment.
 */
static int
stats_high_adopt(struct store *s, const char *want)
{
	struct timespec	 ts = { 0, 10 * 1000000L };
	int		 rc, tries = 0;

	if (store_in_batch(s))
		return STORE_BUSY;
	while ((rc = store_begin(s)) == STORE_BUSY && tries++ < 10)
		nanosleep(&ts, NULL);
	if (rc != STORE_OK)
		return rc;
	if ((rc = store_stats_high_set(s, want)) != STORE_OK ||
	    (rc = store_commit(s)) != STORE_OK)
		store_rollback(s);
	return rc;
}

/*
 * At start, before stats_rebuild builds anything: whether the rollups
 * count high as cf does, and may stay (*keep; cf's list remembered). A
 * store from before migration 20 names no list: each write counted with
 * the config of its day, so a changed risk_levels may have left them
 * mixed, and every row that holds the risk must count all its calls as
 * high or none, as cf says (the hourly rows of risk; with daily, the
 * daily and monthly rows of the seven pairs with it, which stay: the
 * pending sums are folded in before). A change counted one way before
 * and the other after fails it; only amendments across two changes, back
 * and forth, could cancel out in all of those rows and not the others.
 */
int
stats_high_start(struct store *s, const struct config *cf, int daily,
    int *keep)
{
	char	*have, *want, *first = NULL, *second = NULL, h[256], w[256];
	int	 rc, alike, bad = 0, seen = 1;

	*keep = 0;
	if ((rc = stats_high_compare(s, cf, &have, &want, &alike)) !=
	    STORE_OK)
		goto done;
	if (have != NULL && strcmp(have, want) == 0) {
		*keep = 1;
		goto done;
	}
	stats_high_words(want, w, sizeof(w));
	if (have == NULL) {
		if ((rc = stats_pairs_with("risk", &first, &second)) !=
		    STORE_OK || (rc = store_stats_high_check(s, want, first,
		    second, daily, &bad, &seen)) != STORE_OK)
			goto done;
		if (bad) {
			log_info("the statistics rollups count high risk "
			    "otherwise than the config (%s): building them "
			    "again", w);
			goto done;
		}
	} else if (!alike) {
		stats_high_words(have, h, sizeof(h));
		log_info("the statistics rollups count risk %s as high, the "
		    "config %s: building them again", h, w);
		goto done;
	}
	if ((rc = stats_high_adopt(s, want)) != STORE_OK)
		goto done;
	*keep = 1;
	if (seen)	/* a new store has nothing to say */
		log_info("the statistics rollups count risk %s as high, as "
		    "the config does%s", w, have == NULL ? " (checked)" :
		    " (no stored call is at a level that changed)");
done:
	free(have);
	free(want);
	free(first);
	free(second);
	return rc;
}

/*
 * At a reload from old to cf that changes the risk codes counted as
 * high: when the rollups count alike for every stored call, they take
 * cf's now; else they keep theirs and the questions read the calls
 * (stats.c) until the next start. One line says which.
 */
void
stats_high_reload(struct store *s, const struct config *old,
    const struct config *cf)
{
	char	*was, *have = NULL, *want = NULL, h[256], w[256], o[256];
	int	 alike;

	if ((was = stats_high_json(old)) == NULL)
		return;
	if (stats_high_compare(s, cf, &have, &want, &alike) != STORE_OK) {
		log_warnx("reload: the statistics rollups' risk codes: %s",
		    store_errmsg(s));
		goto done;
	}
	if (strcmp(was, want) == 0 || have == NULL)
		goto done;
	stats_high_words(was, o, sizeof(o));
	stats_high_words(want, w, sizeof(w));
	stats_high_words(have, h, sizeof(h));
	if (strcmp(have, want) == 0)
		log_info("reload: risk %s counts as high (was %s), as the "
		    "statistics rollups count it", w, o);
	else if (!alike)
		log_warnx("reload: risk %s counts as high (was %s); the "
		    "statistics rollups count %s: /v1/stats reads the calls "
		    "themselves (exact, slower) until the next start builds "
		    "them again", w, o, h);
	else if (stats_high_adopt(s, want) == STORE_OK)
		log_info("reload: risk %s counts as high (was %s); no stored "
		    "call is at a level that changed: the statistics rollups "
		    "count so from now on", w, o);
	else
		log_warnx("reload: risk %s counts as high (was %s); the "
		    "statistics rollups still count %s (%s): they read the "
		    "calls should one come at a level that changed, until "
		    "the next start", w, o, h, store_errmsg(s));
done:
	free(was);
	free(have);
	free(want);
}
