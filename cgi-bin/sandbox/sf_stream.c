/* sf_stream.c - the Streaming API (CometD/Bayeux over long-polling at {instance}/cometd/NN.N):
 * handshake, subscribe with the replay extension, connect, disconnect; Change Data Capture channels
 * (/data/ContactChangeEvent, /data/LeadChangeEvent, /data/AccountChangeEvent with Person Accounts
 * on, /data/ChangeEvents) and PushTopics (POST sobjects/PushTopic, /topic/NAME); the events a box
 * change emits (sbx_stream_emit); the daily event delivery allocations (CDC's and PushTopic's,
 * knobs *_delivery_max/_remaining): a connect past one answers 403::Organization total events
 * daily limit exceeded and delivers nothing, the events wait on the bus.
 *
 * The sandbox answers one request at a time, so a long poll would stop every other call: a
 * connect holds at most stream_hold_ms and gives way (answers with no event, the client connects
 * again at once) the moment another request waits on the listening socket. The request's
 * transaction is closed while it waits, so the webhook sender is not blocked either. */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbx.h"

#define RETAIN_DEFAULT 1000 /* events kept; the real bus keeps 72 hours */
#define BATCH_MAX 100       /* events in one connect answer */

static int channel_known(sbx_req *r, const char *ch)
{
	if (strncmp(ch, "/topic/", 7) == 0) {
		sqlite3_stmt *st = sbx_db_prep(r->app->db, "SELECT 1 FROM sf_pushtopics WHERE name = ?1");
		int ok = 0;
		if (st) {
			sqlite3_bind_text(st, 1, ch + 7, -1, SQLITE_TRANSIENT);
			ok = sqlite3_step(st) == SQLITE_ROW;
			sqlite3_finalize(st);
		}
		return ok;
	}
	/* Account is emulated only as the home of person accounts (sf_schema.c) */
	if (strcmp(ch, "/data/AccountChangeEvent") == 0)
		return sbx_knob_int("person_accounts") != 0;
	return strcmp(ch, "/data/ContactChangeEvent") == 0 || strcmp(ch, "/data/LeadChangeEvent") == 0 ||
	       strcmp(ch, "/data/ChangeEvents") == 0;
}

static json_object *meta(const char *channel, json_object *msg, int ok)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "channel", sbx_jstr(channel));
	json_object *v;
	if (msg && json_object_object_get_ex(msg, "id", &v))
		json_object_object_add(o, "id", json_object_get(v));
	if (msg && json_object_object_get_ex(msg, "clientId", &v))
		json_object_object_add(o, "clientId", json_object_get(v));
	json_object_object_add(o, "successful", sbx_jbool(ok));
	return o;
}

static void advice(json_object *o, const char *reconnect, int64_t timeout)
{
	json_object *a = json_object_new_object();
	json_object_object_add(a, "reconnect", sbx_jstr(reconnect));
	json_object_object_add(a, "interval", sbx_jint(0));
	if (timeout > 0)
		json_object_object_add(a, "timeout", sbx_jint(timeout));
	json_object_object_add(o, "advice", a);
}

static int client_known(sbx_req *r, const char *id)
{
	sqlite3_stmt *st = sbx_db_prep(r->app->db, "SELECT 1 FROM sf_stream_clients WHERE id = ?1");
	int ok = 0;
	if (st) {
		sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
		ok = sqlite3_step(st) == SQLITE_ROW;
		sqlite3_finalize(st);
	}
	return ok;
}

static json_object *unknown_client(const char *channel, json_object *msg)
{
	json_object *o = meta(channel, msg, 0);
	json_object_object_add(o, "error", sbx_jstr("403::Unknown client"));
	advice(o, "handshake", 0);
	return o;
}

static json_object *handshake(sbx_req *r, json_object *msg)
{
	char id[32];
	sbx_rand_token(id, 28, "abcdefghijklmnopqrstuvwxyz0123456789");
	sqlite3_stmt *st =
	    sbx_db_prep(r->app->db, "INSERT INTO sf_stream_clients(id, created_ms) VALUES(?1, ?2)");
	if (st) {
		sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 2, r->now_ms);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
	/* clients beyond the newest 50 are forgotten, as a server forgets idle sessions */
	sbx_db_exec(r->app->db,
	            "DELETE FROM sf_stream_subs WHERE client NOT IN (SELECT id FROM sf_stream_clients "
	            "ORDER BY created_ms DESC LIMIT 50)",
	            NULL);
	sbx_db_exec(r->app->db,
	            "DELETE FROM sf_stream_clients WHERE id NOT IN (SELECT id FROM sf_stream_clients "
	            "ORDER BY created_ms DESC LIMIT 50)",
	            NULL);
	json_object *o = meta("/meta/handshake", msg, 1);
	json_object_object_add(o, "clientId", sbx_jstr(id));
	json_object_object_add(o, "version", sbx_jstr("1.0"));
	json_object *types = json_object_new_array();
	json_object_array_add(types, sbx_jstr("long-polling"));
	json_object_object_add(o, "supportedConnectionTypes", types);
	advice(o, "retry", 110000);
	return o;
}

static json_object *subscribe(sbx_req *r, json_object *msg, const char *client)
{
	char ch[160] = "";
	sbx_jget_text(msg, "subscription", ch, sizeof ch);
	if (!client_known(r, client))
		return unknown_client("/meta/subscribe", msg);
	json_object *o = meta("/meta/subscribe", msg, 0);
	json_object_object_add(o, "subscription", sbx_jstr(ch));
	if (strncmp(ch, "/data/", 6) == 0 && !sbx_knob_int("stream_cdc")) {
		json_object_object_add(
		    o, "error",
		    sbx_jstrf("403::Organization is not enabled for Change Data Capture {%s}", ch));
		return o;
	}
	if (!channel_known(r, ch)) {
		json_object_object_add(
		    o, "error",
		    sbx_jstrf("400::The channel you requested to subscribe to does not exist {%s}", ch));
		return o;
	}
	/* ext.replay[channel]: -1 new events only, -2 every retained event, N the events after N */
	int64_t replay = -1;
	json_object *ext, *rp, *v;
	if (json_object_object_get_ex(msg, "ext", &ext) && json_object_object_get_ex(ext, "replay", &rp) &&
	    json_object_object_get_ex(rp, ch, &v))
		replay = json_object_get_int64(v);
	int64_t newest = sbx_db_int(r->app->db, "SELECT max(replay) FROM sf_stream_events", 0);
	int64_t oldest = sbx_db_int(r->app->db, "SELECT min(replay) FROM sf_stream_events", newest + 1);
	int64_t cursor;
	if (replay == -1)
		cursor = newest;
	else if (replay == -2)
		cursor = oldest - 1;
	else if (replay >= 0 && replay <= newest && replay >= oldest - 1 &&
	         !sbx_knob_int("stream_replay_too_old"))
		cursor = replay;
	else {
		json_object_object_add(
		    o, "error",
		    sbx_jstrf(
		        "400::The replayId {%lld} you provided was invalid.  Please provide a valid ID, -2 "
		        "to replay all events, or -1 to replay only new events.",
		        (long long)replay));
		return o;
	}
	sqlite3_stmt *st = sbx_db_prep(r->app->db, "INSERT OR REPLACE INTO sf_stream_subs(client, channel, "
	                                           "cursor) VALUES(?1, ?2, ?3)");
	if (st) {
		sqlite3_bind_text(st, 1, client, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, ch, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 3, cursor);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
	/* in the stats, per channel: what a client listened to (an org without person accounts
	 * should not cost Account's events) */
	char counter[200];
	snprintf(counter, sizeof counter, "stream_subscribes:%s", ch);
	sbx_counter_add(r->app->db, counter, 1);
	json_object_object_add(o, "successful", sbx_jbool(1));
	return o;
}

/* The channel a subscription delivers an event of channel ev on (the wildcard /data/ChangeEvents
 * takes every change event). */
static int sub_takes(const char *sub, const char *ev)
{
	return strcmp(sub, ev) == 0 ||
	       (strcmp(sub, "/data/ChangeEvents") == 0 && strncmp(ev, "/data/", 6) == 0);
}

static json_object *event_json(sqlite3_stmt *st, const char *sub)
{
	int64_t replay = sqlite3_column_int64(st, 0);
	const char *channel = (const char *)sqlite3_column_text(st, 1);
	const char *object = (const char *)sqlite3_column_text(st, 2);
	const char *id = (const char *)sqlite3_column_text(st, 3);
	int value = sqlite3_column_int(st, 4);
	int64_t at = sqlite3_column_int64(st, 5);
	const char *origin = (const char *)sqlite3_column_text(st, 6);
	char when[40];
	sbx_fmt_sf_time(at, when, sizeof when);
	json_object *o = json_object_new_object();
	json_object *data = json_object_new_object();
	json_object *event = json_object_new_object();
	json_object_object_add(event, "replayId", sbx_jint(replay));
	/* an Account event names the box by its Person name, as the Account has it */
	const char *box = strcmp(object, "Account") == 0 ? "PersonHasOptedOutOfEmail" : "HasOptedOutOfEmail";
	if (strncmp(channel, "/topic/", 7) == 0) {
		json_object_object_add(event, "createdDate", sbx_jstr(when));
		json_object_object_add(event, "type", sbx_jstr("updated"));
		json_object *so = json_object_new_object();
		json_object_object_add(so, "Id", sbx_jstr(id));
		json_object_object_add(so, box, sbx_jbool(value));
		json_object_object_add(data, "sobject", so);
	} else {
		json_object *payload = json_object_new_object();
		json_object *h = json_object_new_object();
		json_object_object_add(h, "entityName", sbx_jstr(object));
		json_object *ids = json_object_new_array();
		json_object_array_add(ids, sbx_jstr(id));
		json_object_object_add(h, "recordIds", ids);
		json_object_object_add(h, "changeType", sbx_jstr("UPDATE"));
		json_object *fields = json_object_new_array();
		json_object_array_add(fields, sbx_jstr(box));
		json_object_array_add(fields, sbx_jstr("LastModifiedDate"));
		json_object_object_add(h, "changedFields", fields);
		json_object_object_add(h, "commitTimestamp", sbx_jint(at));
		json_object_object_add(h, "commitNumber", sbx_jint(replay));
		json_object_object_add(h, "commitUser", sbx_jstr("005000000000001AAA"));
		json_object_object_add(h, "changeOrigin", sbx_jstr(origin ? origin : ""));
		json_object_object_add(h, "sequenceNumber", sbx_jint(1));
		json_object_object_add(payload, "ChangeEventHeader", h);
		json_object_object_add(payload, box, sbx_jbool(value));
		json_object_object_add(payload, "LastModifiedDate", sbx_jstr(when));
		json_object_object_add(data, "schema", sbx_jstr("sandbox-schema-1"));
		json_object_object_add(data, "payload", payload);
	}
	json_object_object_add(data, "event", event);
	json_object_object_add(o, "data", data);
	json_object_object_add(o, "channel", sbx_jstr(sub));
	return o;
}

/* The delivery allocation a channel's events count against: CDC's (DailyDeliveredPlatformEvents,
 * shared with platform events) or PushTopic's (DailyDurableStreamingApiEvents). */
static const char *allocation_knob(const char *channel)
{
	return strncmp(channel, "/topic/", 7) == 0 ? "pushtopic_delivery_remaining"
	                                           : "stream_delivery_remaining";
}

/* Appends the events after each subscription's cursor to out, moving the cursors; returns how
 * many. A subscription whose allocation is used up delivers nothing and keeps its cursor. */
static int deliver(sbx_req *r, const char *client, json_object *out)
{
	int n = 0;
	sqlite3_stmt *subs =
	    sbx_db_prep(r->app->db, "SELECT channel, cursor FROM sf_stream_subs WHERE client = ?1");
	if (!subs)
		return 0;
	sqlite3_bind_text(subs, 1, client, -1, SQLITE_TRANSIENT);
	char chans[8][160];
	int64_t cur[8];
	int ns = 0;
	while (ns < 8 && sqlite3_step(subs) == SQLITE_ROW) {
		sbx_str_copy(chans[ns], sizeof chans[ns], (const char *)sqlite3_column_text(subs, 0));
		cur[ns++] = sqlite3_column_int64(subs, 1);
	}
	sqlite3_finalize(subs);
	for (int i = 0; i < ns && n < BATCH_MAX; i++) {
		const char *knob = allocation_knob(chans[i]);
		int64_t left = sbx_knob_int(knob), took = 0;
		if (left <= 0)
			continue;
		sqlite3_stmt *st =
		    sbx_db_prep(r->app->db, "SELECT replay, channel, object, record_id, opted_out, "
		                            "at_ms, origin FROM sf_stream_events WHERE replay > ?1 "
		                            "ORDER BY replay LIMIT ?2");
		if (!st)
			continue;
		sqlite3_bind_int64(st, 1, cur[i]);
		sqlite3_bind_int(st, 2, 4 * BATCH_MAX);
		int64_t last = cur[i];
		while (n < BATCH_MAX && took < left && sqlite3_step(st) == SQLITE_ROW) {
			last = sqlite3_column_int64(st, 0);
			if (!sub_takes(chans[i], (const char *)sqlite3_column_text(st, 1)))
				continue;
			json_object_array_add(out, event_json(st, chans[i]));
			n++;
			took++;
		}
		sqlite3_finalize(st);
		if (took > 0) {
			sbx_knob_set_json(r->app->db, knob, json_object_new_int64(left - took));
			sbx_counter_add(r->app->db, "stream_events_delivered", took);
		}
		if (last != cur[i]) {
			st = sbx_db_prep(r->app->db,
			                 "UPDATE sf_stream_subs SET cursor = ?3 WHERE client = ?1 AND "
			                 "channel = ?2");
			if (st) {
				sqlite3_bind_text(st, 1, client, -1, SQLITE_TRANSIENT);
				sqlite3_bind_text(st, 2, chans[i], -1, SQLITE_TRANSIENT);
				sqlite3_bind_int64(st, 3, last);
				sqlite3_step(st);
				sqlite3_finalize(st);
			}
		}
	}
	return n;
}

/* Waits up to ms for another request on the listening socket; 1 when one waits. */
static int someone_waiting(sbx_req *r, int ms)
{
	if (r->app->listen_fd <= 0) {
		struct pollfd none;
		(void)none;
		poll(NULL, 0, ms);
		return 0;
	}
	struct pollfd p = {.fd = r->app->listen_fd, .events = POLLIN};
	return poll(&p, 1, ms) > 0;
}

/* 1 when one of the client's subscriptions counts against an allocation that is used up: the
 * documented answer comes on /meta/connect, at the first connect or on a running one. */
static int allocation_spent(sbx_req *r, const char *client)
{
	sqlite3_stmt *st = sbx_db_prep(r->app->db, "SELECT channel FROM sf_stream_subs WHERE client = ?1");
	int spent = 0;
	if (!st)
		return 0;
	sqlite3_bind_text(st, 1, client, -1, SQLITE_TRANSIENT);
	while (!spent && sqlite3_step(st) == SQLITE_ROW)
		spent = sbx_knob_int(allocation_knob((const char *)sqlite3_column_text(st, 0))) <= 0;
	sqlite3_finalize(st);
	return spent;
}

static void connect_msg(sbx_req *r, json_object *msg, const char *client, json_object *out)
{
	if (!client_known(r, client)) {
		json_object_array_add(out, unknown_client("/meta/connect", msg));
		return;
	}
	int64_t deny = sbx_knob_int("stream_deny");
	if (deny > 0) {
		sbx_knob_set_json(r->app->db, "stream_deny", json_object_new_int64(deny - 1));
		sbx_db_exec(r->app->db, "DELETE FROM sf_stream_subs", NULL);
		sbx_db_exec(r->app->db, "DELETE FROM sf_stream_clients", NULL);
		json_object_array_add(out, unknown_client("/meta/connect", msg));
		return;
	}
	if (allocation_spent(r, client)) {
		json_object *o = meta("/meta/connect", msg, 0);
		json_object_object_add(o, "error",
		                       sbx_jstr("403::Organization total events daily limit exceeded"));
		json_object_array_add(out, o);
		sbx_counter_add(r->app->db, "stream_allocation_refusals", 1);
		return;
	}
	int64_t hold = sbx_knob_int("stream_hold_ms");
	int64_t waited = 0;
	int n = deliver(r, client, out);
	while (n == 0 && waited < hold) {
		/* let the other writers in while this request waits */
		sbx_db_exec(r->app->db, "COMMIT", NULL);
		int other = someone_waiting(r, 50);
		sbx_db_exec(r->app->db, "BEGIN IMMEDIATE", NULL);
		waited += 50;
		if (other)
			break;
		n = deliver(r, client, out);
	}
	json_object *o = meta("/meta/connect", msg, 1);
	advice(o, "retry", hold);
	json_object_array_add(out, o);
}

static void cometd(sbx_req *r)
{
	if (!sbx_sf_auth_ok(r)) {
		sbx_resp_text(r, 401, "text/plain", "401::Authentication invalid");
		return;
	}
	json_object *in = json_tokener_parse(r->body ? r->body : "");
	if (!in ||
	    (!json_object_is_type(in, json_type_array) && !json_object_is_type(in, json_type_object))) {
		json_object_put(in);
		sbx_resp_text(r, 400, "text/plain", "400::Bad Request: the body is not a Bayeux message");
		return;
	}
	if (json_object_is_type(in, json_type_object)) {
		json_object *arr = json_object_new_array();
		json_object_array_add(arr, in);
		in = arr;
	}
	json_object *out = json_object_new_array();
	size_t n = json_object_array_length(in);
	for (size_t i = 0; i < n && i < 16; i++) {
		json_object *msg = json_object_array_get_idx(in, i);
		char ch[64] = "", client[64] = "";
		sbx_jget_text(msg, "channel", ch, sizeof ch);
		sbx_jget_text(msg, "clientId", client, sizeof client);
		if (strcmp(ch, "/meta/handshake") == 0)
			json_object_array_add(out, handshake(r, msg));
		else if (strcmp(ch, "/meta/subscribe") == 0)
			json_object_array_add(out, subscribe(r, msg, client));
		else if (strcmp(ch, "/meta/connect") == 0)
			connect_msg(r, msg, client, out);
		else if (strcmp(ch, "/meta/disconnect") == 0) {
			sqlite3_stmt *st =
			    sbx_db_prep(r->app->db, "DELETE FROM sf_stream_clients WHERE id = ?1");
			if (st) {
				sqlite3_bind_text(st, 1, client, -1, SQLITE_TRANSIENT);
				sqlite3_step(st);
				sqlite3_finalize(st);
			}
			json_object_array_add(out, meta("/meta/disconnect", msg, 1));
		} else {
			json_object *o = meta(ch, msg, 0);
			json_object_object_add(o, "error", sbx_jstrf("400::Unknown channel {%s}", ch));
			json_object_array_add(out, o);
		}
	}
	json_object_put(in);
	sbx_resp_json(r, 200, out);
}

void sbx_sf_stream_route(sbx_req *r)
{
	/* "/sf/instance/cometd/NN.N" */
	const char *v = r->path + strlen("/sf/instance/cometd/");
	char *end;
	double ver = strtod(v, &end);
	if (end == v || *end || ver < 36.0 || ver > 64.0) {
		sbx_resp_text(r, 404, "text/plain", "Unknown version");
		return;
	}
	if (!sbx_method_is(r, "POST")) {
		sbx_resp_text(r, 405, "text/plain", "POST only");
		return;
	}
	cometd(r);
}

void sbx_sf_pushtopic_create(sbx_req *r)
{
	json_object *in = sbx_req_json_body(r);
	if (!in)
		return;
	char name[64] = "", query[512] = "";
	sbx_jget_text(in, "Name", name, sizeof name);
	sbx_jget_text(in, "Query", query, sizeof query);
	json_object_put(in);
	if (!sbx_knob_int("stream_pushtopic")) {
		sbx_resp_error(r, 403, "INSUFFICIENT_ACCESS_OR_READONLY",
		               "insufficient access rights on object id (PushTopic: Create)");
		return;
	}
	if (!*name || strlen(name) > 25) {
		sbx_resp_error(r, 400, "STRING_TOO_LONG", "Name: data value too large (max length=25)");
		return;
	}
	const char *object = strstr(query, " FROM Lead")      ? "Lead"
	                     : strstr(query, " FROM Contact") ? "Contact"
	                     : strstr(query, " FROM Account") ? "Account"
	                                                      : NULL;
	if (object && strcmp(object, "Account") == 0 && !sbx_knob_int("person_accounts")) {
		sbx_resp_error(r, 400, "INVALID_TYPE", "sObject type 'Account' is not supported.");
		return;
	}
	if (!object || !strstr(query, "HasOptedOutOfEmail")) {
		sbx_resp_error(
		    r, 400, "INVALID_FIELD",
		    "the sandbox accepts a PushTopic Query on Contact, Lead or Account that selects "
		    "HasOptedOutOfEmail (PersonHasOptedOutOfEmail on Account)");
		return;
	}
	char id[19];
	sbx_sf_make_id("0IF", sbx_db_next_serial(r->app->db, "pushtopic"), id);
	sqlite3_stmt *st = sbx_db_prep(r->app->db, "INSERT INTO sf_pushtopics(id, name, object, query) "
	                                           "VALUES(?1, ?2, ?3, ?4)");
	int rc = SQLITE_ERROR;
	if (st) {
		sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 3, object, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, query, -1, SQLITE_TRANSIENT);
		rc = sqlite3_step(st);
		sqlite3_finalize(st);
	}
	if (rc != SQLITE_DONE) {
		sbx_resp_error(r, 400, "DUPLICATE_VALUE",
		               "duplicate value found: Name duplicates value on record "
		               "with id: %s",
		               name);
		return;
	}
	json_object *o = json_object_new_object();
	json_object_object_add(o, "id", sbx_jstr(id));
	json_object_object_add(o, "success", sbx_jbool(1));
	json_object_object_add(o, "errors", json_object_new_array());
	sbx_resp_json(r, 201, o);
}

static void insert_event(sqlite3 *db, const char *channel, const char *object, const char *id, int value,
                         int64_t at_ms, const char *origin)
{
	sqlite3_stmt *st = sbx_db_prep(db, "INSERT INTO sf_stream_events(channel, object, record_id, "
	                                   "opted_out, at_ms, origin) VALUES(?1, ?2, ?3, ?4, ?5, ?6)");
	if (!st)
		return;
	sqlite3_bind_text(st, 1, channel, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, object, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 4, value);
	sqlite3_bind_int64(st, 5, at_ms);
	sqlite3_bind_text(st, 6, origin, -1, SQLITE_TRANSIENT);
	sqlite3_step(st);
	sqlite3_finalize(st);
}

/* ChangeEventHeader.changeOrigin of a change made by request r (CDC guide, "Change Event Header
 * Fields"): "com/salesforce/api/<API>/<version>;client=<id>" for an API call, the client part only
 * when the call set it in Sforce-Call-Options; empty for a change made in the UI (here: the
 * sandbox's console and control events). */
static void change_origin(const sbx_req *r, char *out, size_t n)
{
	out[0] = '\0';
	if (r->sys != SBX_SYS_SF || !r->sf_version[0])
		return;
	const char *api = strstr(r->path, "/jobs/ingest") ? "bulkapi" : "rest";
	int len = snprintf(out, n, "com/salesforce/api/%s/%s", api, r->sf_version + 1);
	const char *opts = sbx_req_env(r, "HTTP_SFORCE_CALL_OPTIONS");
	const char *c = opts ? strstr(opts, "client=") : NULL;
	if (c && len > 0 && (size_t)len < n) {
		c += 7;
		size_t k = strcspn(c, ", ;");
		if (k > 0 && k < 64)
			snprintf(out + len, n - (size_t)len, ";client=%.*s", (int)k, c);
	}
}

void sbx_stream_emit(sbx_req *r, const char *object, const char *id, const char *person_contact, int value,
                     int64_t at_ms)
{
	if (strcmp(object, "Contact") != 0 && strcmp(object, "Lead") != 0 && strcmp(object, "Account") != 0)
		return;
	sqlite3 *db = r->app->db;
	char ch[64], origin[160];
	change_origin(r, origin, sizeof origin);
	snprintf(ch, sizeof ch, "/data/%sChangeEvent", object);
	insert_event(db, ch, object, id, value, at_ms, origin);
	/* A person account's change also comes as its person Contact's change event (both objects
	 * selected for CDC); a PushTopic fires on the Account only (Streaming API guide, "PushTopic
	 * Event Publishing for PersonAccount"). */
	if (person_contact)
		insert_event(db, "/data/ContactChangeEvent", "Contact", person_contact, value, at_ms, origin);
	sqlite3_stmt *st = sbx_db_prep(db, "SELECT name FROM sf_pushtopics WHERE object = ?1");
	if (st) {
		sqlite3_bind_text(st, 1, object, -1, SQLITE_TRANSIENT);
		while (sqlite3_step(st) == SQLITE_ROW) {
			snprintf(ch, sizeof ch, "/topic/%s", (const char *)sqlite3_column_text(st, 0));
			insert_event(db, ch, object, id, value, at_ms, origin);
		}
		sqlite3_finalize(st);
	}
	/* bounded: the oldest go, as the real bus drops events after 72 hours */
	int64_t keep = sbx_knob_int("stream_retain");
	st = sbx_db_prep(db, "DELETE FROM sf_stream_events WHERE replay <= (SELECT max(replay) FROM "
	                     "sf_stream_events) - ?1");
	if (st) {
		sqlite3_bind_int64(st, 1, keep > 0 ? keep : RETAIN_DEFAULT);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
}
