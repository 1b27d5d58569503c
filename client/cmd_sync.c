/*
 * hotline sync: send the requests saved in the spool (see spool.c),
 * oldest first; --list shows what waits and what the server refused.
 * Every other command first tries the same quietly.
 *
 * A saved call goes with its Idempotency-Key: however often it is sent,
 * the server stores it once. A saved amendment goes with the If-Match
 * version it was made against: when a resend finds the call moved on
 * (412) but already holding every value the amendment sets, the
 * amendment is done (an earlier send got through and only its answer was
 * lost); otherwise it is kept aside as refused.
 *
 * A call logged without a start time is saved with the time it was logged
 * (started_default), but the attempts made before it was saved went
 * without one: when the server answers that the key was used with a
 * different body (409), the body as those attempts sent it is tried, and
 * a 200 for it means an attempt got through: the call is stored, once.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hotline.h"

#define SYNC_QUIET_TIMEOUT_S	10	/* a hung server must not hold us */

enum sync_result { SYNC_SENT, SYNC_REFUSED, SYNC_STOP };

static const struct option cmd_sync_opts[] = {
	OPT_COMMON,
	{ "list", no_argument, NULL, 'l' },
	{ NULL, 0, NULL, 0 }
};

/* Whether two values of one field are the same (times by the instant). */
static int
cmd_sync_same(const json_t *want, const json_t *have)
{
	time_t	 a, b;

	if (json_is_null(want))
		return have == NULL || json_is_null(have);
	if (have != NULL && json_equal(want, have))
		return 1;
	return json_is_string(want) && json_is_string(have) &&
	    timeparse_time(json_string_value(want), &a) == 0 &&
	    timeparse_time(json_string_value(have), &b) == 0 && a == b;
}

/* After a 412: does the call already hold every value the patch sets? */
static int
cmd_sync_applied(struct hl *hl, const char *path, json_t *patch)
{
	struct http_response	 resp;
	const char		*field;
	json_t			*v;
	int			 same = 1;

	if (api_request(hl, "GET", path, NULL, NULL, &resp) != API_OK)
		return 0;
	if (resp.status != 200 || !json_is_object(resp.body))
		same = 0;
	else
		json_object_foreach(patch, field, v)
			if (!cmd_sync_same(v, json_object_get(resp.body,
			    field)))
				same = 0;
	http_response_free(&resp);
	return same;
}

/* "logged call 42", "amended call 7": what the answer says was done. */
static void
cmd_sync_say(const json_t *rec, long status, const json_t *answer)
{
	const char	*kind = json_string_value(json_object_get(rec, "kind"));
	const char	*saved = json_string_value(json_object_get(rec,
			    "saved_at"));
	json_int_t	 id = json_integer_value(json_object_get(answer, "id"));

	if (kind != NULL && strcmp(kind, "amend") == 0)
		printf(_("sent the amendment saved at %s: call %lld amended%s\n"),
		    saved, (long long)id, status == 412 ? _(" (already, by an "
		    "earlier send)") : "");
	else
		printf(_("sent the call saved at %s: logged call %lld%s\n"),
		    saved, (long long)id, status == 200 ? _(" (already stored "
		    "by an earlier send)") : "");
}

/* The server's message, for a refused request. */
static const char *
cmd_sync_message(const json_t *answer)
{
	const char	*m = json_string_value(json_object_get(answer,
			    "message"));

	return m != NULL ? m : _("(no message)");
}

/* The request headers: the key, and If-Match for an amendment. */
static void
cmd_sync_headers(const json_t *rec, char **hdr)
{
	json_t	*m = json_object_get(rec, "if_match");

	hdr[0] = xasprintf("Idempotency-Key: %s",
	    json_string_value(json_object_get(rec, "key")));
	hdr[1] = json_is_integer(m) ? xasprintf("If-Match: \"%lld\"",
	    (long long)json_integer_value(m)) : NULL;
	hdr[2] = NULL;
}

/*
 * After a 409 on a call saved with a start time of its own: resend the
 * body the earlier attempts sent (without it). Replaces *resp.
 */
static void
cmd_sync_as_attempted(struct hl *hl, const json_t *rec, json_t *body,
    char **hdr, struct http_response *resp)
{
	const char	*err = json_string_value(json_object_get(resp->body,
			    "error"));
	json_t		*first;

	if (resp->status != 409 || err == NULL ||
	    strcmp(err, "idempotency_conflict") != 0 ||
	    !json_is_true(json_object_get(rec, "started_default")))
		return;
	first = json_deep_copy(body);
	json_object_del(first, "started_at");
	http_response_free(resp);
	if (api_request(hl, "POST", "/v1/calls", first,
	    (const char *const *)hdr, resp) != API_OK)
		resp->status = 0;
	json_decref(first);
}

/* Send one saved request and say how it went. */
static enum sync_result
cmd_sync_one(struct hl *hl, const char *name, json_t *rec, int quiet)
{
	struct http_response	 resp;
	const char		*method, *path;
	char			*hdr[3];
	json_t			*body;
	enum sync_result	 res;
	int			 rv;

	method = json_string_value(json_object_get(rec, "method"));
	path = json_string_value(json_object_get(rec, "path"));
	body = json_deep_copy(json_object_get(rec, "body"));
	if (method == NULL || path == NULL || !json_is_object(body) ||
	    !json_is_string(json_object_get(rec, "key"))) {
		msg_error(_("saved request %s is damaged: kept aside"), name);
		json_decref(body);
		return spool_reject(name, rec, 0, NULL) == 0 ? SYNC_REFUSED :
		    SYNC_STOP;
	}
	/* Local times wait for the server's timezone. */
	if (json_is_true(json_object_get(rec, "resolve_times")) &&
	    fields_resolve_times(hl, body) == -1) {
		json_decref(body);
		return SYNC_STOP;
	}
	cmd_sync_headers(rec, hdr);
	rv = api_request(hl, method, path, body, (const char *const *)hdr,
	    &resp);
	if (rv == API_OK && strcmp(method, "POST") == 0) {
		cmd_sync_as_attempted(hl, rec, body, hdr, &resp);
		if (resp.status == 0)
			rv = API_TRANSPORT;
	}
	free(hdr[0]);
	free(hdr[1]);
	if (rv != API_OK || api_later(resp.status)) {
		if (!quiet && rv == API_TRANSPORT)
			msg_error("%s", api_transport_error(hl));
		else if (!quiet && rv == API_OK)
			api_report(hl, &resp);
		res = SYNC_STOP;
	} else if ((resp.status >= 200 && resp.status <= 299) ||
	    (resp.status == 412 && strcmp(method, "PATCH") == 0 &&
	    cmd_sync_applied(hl, path, body))) {
		if (!quiet)
			cmd_sync_say(rec, resp.status, resp.body);
		res = spool_done(name) == 0 ? SYNC_SENT : SYNC_STOP;
	} else {
		msg_error(strcmp(method, "PATCH") == 0 ? _("the server refused "
		    "the amendment saved at %s (HTTP %ld: %s); it is kept aside: "
		    "see 'hotline sync --list'") : _("the server refused the "
		    "call saved at %s (HTTP %ld: %s); it is kept aside: see "
		    "'hotline sync --list'"),
		    json_string_value(json_object_get(rec, "saved_at")),
		    resp.status, cmd_sync_message(resp.body));
		res = spool_reject(name, rec, resp.status, resp.body) == 0 ?
		    SYNC_REFUSED : SYNC_STOP;
	}
	http_response_free(&resp);
	json_decref(body);
	return res;
}

/*
 * Send what waits, oldest first, stopping at the first that cannot be
 * sent now (it and the later ones stay, in order). Counts into sent and
 * refused; returns the number still waiting.
 */
static size_t
cmd_sync_run(struct hl *hl, int quiet, size_t *sent, size_t *refused)
{
	char		**names = spool_names(NULL);
	json_t		 *rec;
	size_t		  i, left = 0;
	enum sync_result  r = SYNC_SENT;

	*sent = *refused = 0;
	for (i = 0; names != NULL && names[i] != NULL; i++) {
		if (r == SYNC_STOP) {
			left++;
			continue;
		}
		if ((rec = spool_read(NULL, names[i])) == NULL) {
			left++;
			continue;
		}
		r = cmd_sync_one(hl, names[i], rec, quiet);
		json_decref(rec);
		if (r == SYNC_SENT)
			(*sent)++;
		else if (r == SYNC_REFUSED)
			(*refused)++;
		else
			left++;
	}
	spool_names_free(names);
	return left;
}

/* Before any other command: send what waits, saying only what changed. */
void
cmd_sync_quiet(struct hl *hl)
{
	size_t	sent, refused, left;
	int	lock;

	if (spool_pending() == 0 || (lock = spool_lock(0)) == -1)
		return;
	hl->timeout_s = SYNC_QUIET_TIMEOUT_S;
	left = cmd_sync_run(hl, 1, &sent, &refused);
	hl->timeout_s = 0;
	spool_unlock(lock);
	if (sent > 0)
		msg_note(ngettext("sent %zu request saved earlier%s",
		    "sent %zu requests saved earlier%s", sent), sent,
		    left > 0 ? _("; more still wait") : "");
	(void)refused;	/* each was reported by cmd_sync_one */
}

/* One line of --list. */
static void
cmd_sync_list_one(const char *state, const json_t *rec)
{
	const json_t	*body = json_object_get(rec, "body");
	const char	*kind = json_string_value(json_object_get(rec, "kind"));
	json_t		*t;
	size_t		 i;

	printf("%s  %s  %s %s", state,
	    json_string_value(json_object_get(rec, "saved_at")),
	    kind != NULL ? kind : "?",
	    json_string_value(json_object_get(rec, "path")));
	if (json_is_string(json_object_get(body, "line")))
		printf(_("  line %s"), json_string_value(json_object_get(body,
		    "line")));
	if (json_is_string(json_object_get(body, "risk")))
		printf(_(", risk %s"), json_string_value(json_object_get(body,
		    "risk")));
	json_array_foreach(json_object_get(body, "topics"), i, t)
		printf("%s%s", i == 0 ? _(", topics ") : ",",
		    json_string_value(t));
	putchar('\n');
	printf(_("          key %s"), json_string_value(json_object_get(rec,
	    "key")));
	if (json_is_integer(json_object_get(rec, "status")))
		printf(_("; refused with HTTP %lld: %s"),
		    (long long)json_integer_value(json_object_get(rec,
		    "status")), cmd_sync_message(json_object_get(rec,
		    "error")));
	else if (json_string_length(json_object_get(rec, "reason")) > 0)
		printf(_("; saved because: %s"), json_string_value(
		    json_object_get(rec, "reason")));
	putchar('\n');
}

/* --list: what waits to be sent, then what the server refused. */
static int
cmd_sync_list(struct hl *hl)
{
	static const char *const subs[] = { NULL, "rejected" };
	/* TRANSLATORS: the state of a saved request in sync --list; the
	   translation is as wide as the English, 8 columns, padded. */
	static const char *const states[] = { N_("pending "), N_("rejected") };
	char	**names, *dir;
	json_t	 *rec, *all = json_array();
	size_t	  i, k, n = 0;

	for (k = 0; k < 2; k++) {
		names = spool_names(subs[k]);
		dir = spool_dir(subs[k], 0);
		for (i = 0; names != NULL && names[i] != NULL; i++) {
			if ((rec = spool_read(subs[k], names[i])) == NULL)
				continue;
			json_object_set_new(rec, "state",
			    json_string(states[k]));
			json_object_set_new(rec, "file", json_sprintf("%s/%s",
			    dir, names[i]));
			if (!hl->json)
				cmd_sync_list_one(_(states[k]), rec);
			json_array_append_new(all, rec);
			n++;
		}
		free(dir);
		spool_names_free(names);
	}
	if (hl->json)
		opt_json(all);
	else if (n == 0)
		printf(_("nothing saved: every request reached the server\n"));
	json_decref(all);
	return EXIT_OK;
}

int
cmd_sync(struct hl *hl, int argc, char **argv)
{
	size_t	sent, refused, left;
	int	c, list = 0, lock;

	while ((c = getopt_long(argc, argv, ":hl", cmd_sync_opts,
	    NULL)) != -1) {
		switch (c) {
		case 'j':
			hl->json = 1;
			break;
		case 'l':
			list = 1;
			break;
		case 'h':
			usage_print(stdout, "sync");
			return EXIT_OK;
		default:
			return opt_bad("sync", c, argv);
		}
	}
	if (optind < argc)
		return msg_usage("sync", _("unexpected argument '%s'"),
		    argv[optind]);
	if (list)
		return cmd_sync_list(hl);
	if (spool_pending() == 0) {
		printf(_("nothing to send\n"));
		return EXIT_OK;
	}
	if ((lock = spool_lock(1)) == -1) {
		msg_error(_("cannot lock the spool"));
		return EXIT_ERROR;
	}
	left = cmd_sync_run(hl, 0, &sent, &refused);
	spool_unlock(lock);
	if (left > 0)
		msg_error(ngettext("%zu saved request could not be sent now "
		    "and stays saved; run 'hotline sync' again later",
		    "%zu saved requests could not be sent now and stay saved; "
		    "run 'hotline sync' again later", left), left);
	return left > 0 || refused > 0 ? EXIT_ERROR : EXIT_OK;
}

/*
 * Tell the operator that a request is saved (file) and will be sent, and
 * give the exit status: 0, or EXIT_SPOOLED under --strict.
 */
int
cmd_sync_spooled(struct hl *hl, const char *what, const char *file)
{
	int	call = strcmp(what, "call") == 0;

	if (hl->json) {
		json_t	*o = json_pack("{s:b, s:s}", "saved_locally", 1,
		    "file", file);

		opt_json(o);
		json_decref(o);
	} else
		fputs(call ? _("the call is saved locally and will be sent: "
		    "the server cannot take it now\n") : _("the amendment is "
		    "saved locally and will be sent: the server cannot take it "
		    "now\n"), stdout);
	msg_note(call ? _("the call is saved on this computer (%s); it is "
	    "sent by 'hotline sync' or by the next hotline command, and "
	    "stored once however often it is sent") : _("the amendment is "
	    "saved on this computer (%s); it is sent by 'hotline sync' or by "
	    "the next hotline command, and stored once however often it is "
	    "sent"), file);
	return hl->strict ? EXIT_SPOOLED : EXIT_OK;
}
