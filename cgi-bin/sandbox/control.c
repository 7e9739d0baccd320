/* control.c - the test-fixture API under /sandbox/control/: reset, knobs, events, people, state, stats. */
#include "sbx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void ok_json(sbx_req *r, json_object *o)
{
	sbx_resp_json(r, 200, o);
}

static void info(sbx_req *r)
{
	json_object *o = json_object_new_object();
	json_object *ac = json_object_new_object();
	json_object_object_add(ac, "url", sbx_jstrf("%s/ac", r->base));
	json_object_object_add(ac, "api_key", sbx_jstr(sbx_knob_str("ac_api_key")));
	json_object_object_add(o, "ac", ac);
	json_object *sf = json_object_new_object();
	json_object_object_add(sf, "login_url", sbx_jstrf("%s/sf", r->base));
	json_object_object_add(sf, "client_id", sbx_jstr(sbx_knob_str("sf_client_id")));
	json_object_object_add(sf, "client_secret", sbx_jstr(sbx_knob_str("sf_client_secret")));
	json_object_object_add(sf, "instance_url", sbx_jstrf("%s/sf/instance", r->base));
	json_object_object_add(sf, "api_version", sbx_jstr(SBX_SF_DEFAULT_VERSION));
	json_object_object_add(o, "sf", sf);
	char *seed = NULL, *people = NULL;
	sbx_meta_get(r->app->db, "seed", &seed);
	sbx_meta_get(r->app->db, "people", &people);
	json_object_object_add(o, "seed", sbx_jint(seed ? strtoll(seed, NULL, 10) : 0));
	json_object_object_add(o, "people", sbx_jint(people ? strtoll(people, NULL, 10) : 0));
	free(seed);
	free(people);
	json_object *counts = json_object_new_object();
	json_object_object_add(counts, "ac_contacts",
	                       sbx_jint(sbx_db_int(r->app->db, "SELECT count(*) FROM ac_contacts", 0)));
	json_object_object_add(
	    counts, "sf_contacts",
	    sbx_jint(sbx_db_int(
	        r->app->db, "SELECT count(*) FROM sf_records WHERE type = 'Contact' AND deleted = 0", 0)));
	json_object_object_add(
	    counts, "sf_leads",
	    sbx_jint(sbx_db_int(r->app->db,
	                        "SELECT count(*) FROM sf_records WHERE type = 'Lead' AND deleted = 0", 0)));
	json_object_object_add(o, "counts", counts);
	ok_json(r, o);
}

static void reset(sbx_req *r)
{
	json_object *in = r->body_len ? sbx_req_json_body(r) : json_object_new_object();
	if (!in)
		return;
	int64_t seed = 1, people = 300;
	sbx_jget_int(in, "seed", &seed);
	sbx_jget_int(in, "people", &people);
	json_object *keep;
	int keep_knobs = json_object_object_get_ex(in, "keep_knobs", &keep) && json_object_get_boolean(keep);
	int persons = json_object_object_get_ex(in, "person_accounts", &keep) && json_object_get_boolean(keep);
	json_object_put(in);
	if (seed < 0 || people < 0 || people > 100000) {
		sbx_resp_error(r, 400, "BAD_REQUEST", "seed must be >= 0 and people 0..100000");
		return;
	}
	json_object *saved = NULL;
	if (keep_knobs)
		json_object_deep_copy(sbx_knobs_get_all(), &saved, NULL);
	err_t e;
	err_clear(&e);
	if (sbx_seed_reset(r->app, (uint64_t)seed, (int)people, &e) != 0 ||
	    (persons && sbx_seed_person_accounts(r->app, &e) != 0)) {
		json_object_put(saved);
		sbx_resp_error(r, 500, "SEED_FAILED", "%s", e.msg);
		return;
	}
	if (saved) {
		char msg[256];
		json_object_object_del(saved, "sf_api_used");
		sbx_knobs_update(r->app->db, saved, msg, sizeof msg);
		json_object_put(saved);
	}
	info(r);
}

static json_object *knobs_out(sbx_req *r)
{
	json_object *copy = NULL;
	json_object_deep_copy(sbx_knobs_get_all(), &copy, NULL);
	json_object_object_add(copy, "sf_api_used", sbx_jint(sbx_counter_get(r->app->db, "sf_api_used")));
	return copy;
}

static void knobs(sbx_req *r)
{
	if (strcmp(r->method, "POST") == 0) {
		json_object *in = sbx_req_json_body(r);
		if (!in)
			return;
		char msg[256];
		int rc = sbx_knobs_update(r->app->db, in, msg, sizeof msg);
		json_object_put(in);
		if (rc) {
			sbx_resp_error(r, 400, "BAD_KNOB", "%s", msg);
			return;
		}
	}
	ok_json(r, knobs_out(r));
}

static void events(sbx_req *r)
{
	json_object *in = NULL;
	if (r->body_len) {
		/* one event object, or {"events":[...]}; "wait": true holds the answer until webhooks are
		 * sent */
		in = sbx_req_json_body(r);
		if (!in)
			return;
	} else {
		sbx_resp_error(r, 400, "BAD_REQUEST",
		               "POST an event: {\"type\":\"unsubscribe\",\"email\":\"...\"}");
		return;
	}
	json_object *list, *w;
	if (json_object_object_get_ex(in, "wait", &w) && json_object_get_boolean(w))
		r->wait_deliveries = 1;
	json_object *results = json_object_new_array();
	int many =
	    json_object_object_get_ex(in, "events", &list) && json_object_is_type(list, json_type_array);
	size_t n = many ? json_object_array_length(list) : 1;
	for (size_t i = 0; i < n; i++) {
		json_object *ev = many ? json_object_array_get_idx(list, i) : in;
		json_object *res = json_object_new_object();
		char msg[512];
		if (sbx_event_fire(r, ev, res, msg, sizeof msg) != 0) {
			json_object_put(res);
			json_object_put(results);
			json_object_put(in);
			sbx_db_exec(r->app->db, "ROLLBACK; BEGIN IMMEDIATE", NULL);
			r->deliveries = 0;
			sbx_resp_error(r, 400, "BAD_EVENT", "event %zu: %s", i, msg);
			return;
		}
		json_object_array_add(results, res);
	}
	json_object_put(in);
	if (many) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "results", results);
		ok_json(r, o);
	} else {
		json_object *one = json_object_get(json_object_array_get_idx(results, 0));
		json_object_put(results);
		ok_json(r, one);
	}
}

static void people(sbx_req *r)
{
	json_object *in = sbx_req_json_body(r);
	if (!in)
		return;
	json_object *list;
	int many =
	    json_object_object_get_ex(in, "people", &list) && json_object_is_type(list, json_type_array);
	size_t n = many ? json_object_array_length(list) : 1;
	json_object *out = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		json_object *p = many ? json_object_array_get_idx(list, i) : in;
		json_object *res = json_object_new_object();
		char msg[512], email[320] = "";
		if (sbx_people_apply(r, p, res, msg, sizeof msg) != 0) {
			json_object_put(res);
			json_object_put(out);
			json_object_put(in);
			sbx_db_exec(r->app->db, "ROLLBACK; BEGIN IMMEDIATE", NULL);
			sbx_resp_error(r, 400, "BAD_PERSON", "person %zu: %s", i, msg);
			return;
		}
		sbx_jget_text(p, "email", email, sizeof email);
		json_object *state = sbx_person_state(r, email), *ids;
		if (json_object_object_get_ex(res, "sf_ids", &ids))
			json_object_object_add(state, "created_sf_ids", json_object_get(ids));
		json_object_put(res);
		json_object_array_add(out, state);
	}
	json_object_put(in);
	if (many) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "people", out);
		ok_json(r, o);
	} else {
		json_object *one = json_object_get(json_object_array_get_idx(out, 0));
		json_object_put(out);
		ok_json(r, one);
	}
}

static void state(sbx_req *r)
{
	char email[320];
	if (!sbx_req_query(r, "email", email, sizeof email) || !*email) {
		sbx_resp_error(r, 400, "BAD_REQUEST", "GET state?email=ADDRESS");
		return;
	}
	ok_json(r, sbx_person_state(r, email));
}

static int64_t query_limit(sbx_req *r, int64_t dflt, int64_t max)
{
	char v[32];
	int64_t n = dflt;
	if (sbx_req_query(r, "limit", v, sizeof v))
		n = strtoll(v, NULL, 10);
	return n <= 0 ? dflt : n > max ? max : n;
}

static void deliveries(sbx_req *r)
{
	sqlite3_stmt *st = sbx_db_prep(
	    r->app->db, "SELECT id, webhook, type, url, body, state, http_status, error, created_ms,"
	                " done_ms FROM ac_deliveries ORDER BY id DESC LIMIT ?1");
	json_object *arr = json_object_new_array();
	if (st) {
		sqlite3_bind_int64(st, 1, query_limit(r, 50, 1000));
		while (sqlite3_step(st) == SQLITE_ROW) {
			json_object *d = json_object_new_object();
			json_object_object_add(d, "id", sbx_jint(sqlite3_column_int64(st, 0)));
			json_object_object_add(d, "webhook", sbx_jint(sqlite3_column_int64(st, 1)));
			json_object_object_add(d, "type", sbx_jcol_text(st, 2));
			json_object_object_add(d, "url", sbx_jcol_text(st, 3));
			json_object_object_add(d, "body", sbx_jcol_text(st, 4));
			json_object_object_add(d, "state", sbx_jcol_text(st, 5));
			json_object_object_add(d, "http_status", sbx_jint(sqlite3_column_int64(st, 6)));
			json_object_object_add(d, "error", sbx_jcol_text(st, 7));
			json_object_object_add(d, "created_ms", sbx_jint(sqlite3_column_int64(st, 8)));
			json_object_object_add(d, "done_ms", sbx_jint(sqlite3_column_int64(st, 9)));
			json_object_array_add(arr, d);
		}
		sqlite3_finalize(st);
	}
	json_object *o = json_object_new_object();
	json_object_object_add(
	    o, "pending",
	    sbx_jint(
	        sbx_db_int(r->app->db, "SELECT count(*) FROM ac_deliveries WHERE state = 'pending'", 0)));
	json_object_object_add(o, "deliveries", arr);
	ok_json(r, o);
}

static void requests(sbx_req *r)
{
	char sys[16] = "";
	sbx_req_query(r, "sys", sys, sizeof sys);
	sqlite3_stmt *st =
	    sbx_db_prep(r->app->db, "SELECT ts_ms, sys, method, path, status, dur_ms FROM requests"
	                            " WHERE (?2 = '' OR sys = ?2) ORDER BY id DESC LIMIT ?1");
	json_object *arr = json_object_new_array();
	if (st) {
		sqlite3_bind_int64(st, 1, query_limit(r, 100, 5000));
		sqlite3_bind_text(st, 2, sys, -1, SQLITE_TRANSIENT);
		while (sqlite3_step(st) == SQLITE_ROW) {
			json_object *q = json_object_new_object();
			json_object_object_add(q, "ts_ms", sbx_jint(sqlite3_column_int64(st, 0)));
			json_object_object_add(q, "sys", sbx_jcol_text(st, 1));
			json_object_object_add(q, "method", sbx_jcol_text(st, 2));
			json_object_object_add(q, "path", sbx_jcol_text(st, 3));
			json_object_object_add(q, "status", sbx_jint(sqlite3_column_int(st, 4)));
			json_object_object_add(q, "dur_ms", sbx_jint(sqlite3_column_int64(st, 5)));
			json_object_array_add(arr, q);
		}
		sqlite3_finalize(st);
	}
	json_object *o = json_object_new_object();
	json_object_object_add(o, "requests", arr);
	ok_json(r, o);
}

static void tokens(sbx_req *r)
{
	json_object *in = r->body_len ? sbx_req_json_body(r) : json_object_new_object();
	if (!in)
		return;
	json_object *v;
	int64_t expired = 0, revoked = 0;
	if (!json_object_object_get_ex(in, "expire_access", &v) || json_object_get_boolean(v)) {
		sqlite3_stmt *st =
		    sbx_db_prep(r->app->db, "UPDATE sf_tokens SET expires_ms = ?1 WHERE kind = 'access'"
		                            " AND expires_ms > ?1");
		if (st) {
			sqlite3_bind_int64(st, 1, r->now_ms);
			sqlite3_step(st);
			sqlite3_finalize(st);
			expired = sqlite3_changes(r->app->db);
		}
	}
	if (json_object_object_get_ex(in, "revoke_refresh", &v) && json_object_get_boolean(v)) {
		sbx_db_exec(r->app->db,
		            "UPDATE sf_tokens SET revoked = 1 WHERE kind = 'refresh' AND revoked = 0", NULL);
		revoked = sqlite3_changes(r->app->db);
	}
	json_object_put(in);
	json_object *o = json_object_new_object();
	json_object_object_add(o, "expired_access_tokens", sbx_jint(expired));
	json_object_object_add(o, "revoked_refresh_tokens", sbx_jint(revoked));
	ok_json(r, o);
}

/* The contract of this fixture, readable by people and tests: GET /sandbox/control/help */
static void help(sbx_req *r)
{
	static const char *const endpoints[][3] = {
	    {"GET", "info", "URLs and credentials to connect optsync, the seed, record counts"},
	    {"POST", "reset",
	     "{\"seed\":1,\"people\":300,\"keep_knobs\":false,\"person_accounts\":false}: the demo org "
	     "again, knobs and stats back to default (person_accounts: the feature on, some Contacts "
	     "person accounts)"},
	    {"GET", "knobs", "every knob with its value"},
	    {"POST", "knobs",
	     "{\"knob\":value,...}: set some (null = default); unknown names or bad values: 400, nothing "
	     "set"},
	    {"POST", "event",
	     "one event {\"type\",...} or {\"events\":[...]}; \"wait\":true answers once webhooks are sent"},
	    {"POST", "people",
	     "one person or {\"people\":[...]}: {\"email\",\"first_name\",\"last_name\",\"at\","
	     "\"ac\":{\"lists\":{\"1\":1},\"bounced_hard\":0,\"tags\":[]}|null,\"sf\":[{\"type\":\"Lead\","
	     "\"opted_out\":true,\"converted\":false,\"email\",\"id\",\"deleted\"}],\"sf_replace\":false}; "
	     "answers the state plus created_sf_ids; no webhooks"},
	    {"GET",
	     "state?email=", "the person in both systems: AC contact, list statuses, tags; SF records"},
	    {"GET", "stats",
	     "counters (requests_*, ac_max_per_second, ac_429, sf_401, composite_*, bulk_*, webhooks_*, "
	     "ac_* writes, sf_api_used) and paths per system"},
	    {"POST", "stats/reset", "counters and the AC window back to zero (data untouched)"},
	    {"GET", "deliveries?limit=", "webhook deliveries, newest first, with body, state, HTTP status"},
	    {"GET", "requests?limit=&sys=", "recent requests (sys: ac, sf, sf_auth, control, console)"},
	    {"POST", "tokens", "{\"expire_access\":true,\"revoke_refresh\":false}: expire SF tokens now"},
	    {"GET", "help", "this"}};
	static const char *const events[][2] = {
	    {"subscribe",
	     "email, list (default 1), first_name, last_name: creates the AC contact if needed; webhook"},
	    {"unsubscribe", "email, list (none = every active list), reason: status 2; one webhook per list"},
	    {"bounce_hard",
	     "email, code, description: bounced_hard+1, active lists to status 3, bounce log; webhook"},
	    {"bounce_soft", "email: bounced_soft+1, bounce log; webhook"},
	    {"ac_update", "email, first_name, last_name: an unrelated AC edit (udate moves); update webhook"},
	    {"sf_check", "email or id: Email Opt Out checked on every live unconverted record"},
	    {"sf_uncheck", "email or id: unchecked"},
	    {"sf_edit", "email or id, phone: an unrelated edit (SystemModstamp moves, the box does not)"},
	    {"sf_delete", "email or id: the record goes to the recycle bin (ENTITY_IS_DELETED on writes)"},
	    {"sf_create", "object Contact|Lead, email, first_name, last_name, opted_out: a new SF record"},
	    {"convert_lead",
	     "email or id: the Lead converts onto the Contact with its email (or a new one)"}};
	json_object *o = json_object_new_object(), *eps = json_object_new_array(),
	            *ks = json_object_new_array(), *evs = json_object_new_object();
	for (size_t i = 0; i < sizeof endpoints / sizeof endpoints[0]; i++) {
		json_object *e = json_object_new_object();
		json_object_object_add(e, "method", sbx_jstr(endpoints[i][0]));
		json_object_object_add(e, "path", sbx_jstrf("/sandbox/control/%s", endpoints[i][1]));
		json_object_object_add(e, "does", sbx_jstr(endpoints[i][2]));
		json_object_array_add(eps, e);
	}
	for (const sbx_knob_info *k = sbx_knobs_info(); k->name; k++) {
		json_object *e = json_object_new_object();
		json_object_object_add(e, "name", sbx_jstr(k->name));
		const char *type = k->type == 'b'   ? "boolean"
		                   : k->type == 'i' ? "integer"
		                   : k->type == 'n' ? "number"
		                   : k->type == 't' ? "\"ac\"|\"sf\"|\"any\"|null"
		                   : k->type == 's' ? "string|null"
		                                    : "json";
		json_object_object_add(e, "type", sbx_jstr(type));
		json_object_object_add(e, "default", json_tokener_parse(sbx_knob_default(k->name)));
		json_object_object_add(e, "does", sbx_jstr(k->help));
		json_object_array_add(ks, e);
	}
	for (size_t i = 0; i < sizeof events / sizeof events[0]; i++)
		json_object_object_add(evs, events[i][0], sbx_jstr(events[i][1]));
	json_object_object_add(o, "endpoints", eps);
	json_object_object_add(o, "knobs", ks);
	json_object_object_add(o, "events", evs);
	json_object_object_add(
	    o, "event_common",
	    sbx_jstr("every event takes \"at\" (ISO 8601 or epoch seconds; default now) and \"source\" "
	             "(public|admin|api|system, default public)"));
	ok_json(r, o);
}

static void stats(sbx_req *r)
{
	ok_json(r, sbx_stats_json(r->app->db));
}

static void stats_reset(sbx_req *r)
{
	sbx_stats_reset(r->app);
	ok_json(r, sbx_stats_json(r->app->db));
}

/* Every path under /control. GET is GET only here: a HEAD is not a read a test would make. */
/* clang-format off */
static const sbx_route control_routes[] = {
	/* pattern        methods              handler      check  flags */
	{"/info",         SBX_GET,             info,       NULL, 0},
	{"/reset",        SBX_POST,            reset,      NULL, 0},
	{"/knobs",        SBX_GET | SBX_POST,  knobs,      NULL, 0},
	{"/event",        SBX_POST,            events,     NULL, 0},
	{"/people",       SBX_POST,            people,     NULL, 0},
	{"/state",        SBX_GET,             state,      NULL, 0},
	{"/stats",        SBX_GET,             stats,      NULL, 0},
	{"/stats/reset",  SBX_POST,            stats_reset, NULL, 0},
	{"/deliveries",   SBX_GET,             deliveries, NULL, 0},
	{"/requests",     SBX_GET,             requests,   NULL, 0},
	{"/tokens",       SBX_POST,            tokens,     NULL, 0},
	{"/help",         SBX_GET,             help,       NULL, 0},
	{"",              SBX_GET,             help,       NULL, 0},
	{"/",             SBX_GET,             help,       NULL, 0},
	{NULL, 0, NULL, NULL, 0},
};
/* clang-format on */

void sbx_control_route(sbx_req *r)
{
	if (!sbx_control_allowed(r))
		return;
	/* a known path under another method gets the same 404: it lists what there is */
	if (sbx_route_run(r, control_routes, r->path + strlen("/control")) != SBX_ROUTE_DONE)
		sbx_resp_error(r, 404, "NOT_FOUND",
		               "No control endpoint %s %s (info, reset, knobs, event, people, state, stats, "
		               "stats/reset, "
		               "deliveries, requests, tokens)",
		               r->method, r->path);
}
