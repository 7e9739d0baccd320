/* ac_webhooks.c - AC webhooks: list, create, get, update, delete, and the events they may name. */
#include "sbx.h"
#include "sbx_ac.h"

#include <stdlib.h>
#include <string.h>

static const char *const webhook_events[] = {"account_add",
                                             "account_contact_add",
                                             "account_contact_update",
                                             "account_update",
                                             "bounce",
                                             "click",
                                             "contact_tag_added",
                                             "contact_tag_removed",
                                             "contact_task_add",
                                             "deal_add",
                                             "deal_note_add",
                                             "deal_pipeline_add",
                                             "deal_stage_add",
                                             "deal_task_add",
                                             "deal_tasktype_add",
                                             "deal_update",
                                             "forward",
                                             "list_add",
                                             "open",
                                             "reply",
                                             "sent",
                                             "share",
                                             "sms_reply",
                                             "sms_sent",
                                             "sms_unsub",
                                             "subscribe",
                                             "subscriber_note",
                                             "unsubscribe",
                                             "update",
                                             NULL};

static const char *const webhook_sources[] = {"public", "admin", "api", "system", NULL};

static json_object *webhook_json(sqlite3_stmt *st)
{
	/* columns: id, name, url, events, sources, listid, cdate_ms */
	char t[40];
	json_object *o = json_object_new_object();
	sbx_fmt_ac_time(sqlite3_column_int64(st, 6), t, sizeof t);
	json_object_object_add(o, "cdate", sbx_jstr(t));
	json_object_object_add(o, "listid", sbx_jstrf("%lld", (long long)sqlite3_column_int64(st, 5)));
	json_object_object_add(o, "name", sbx_jcol_text(st, 1));
	json_object_object_add(o, "url", sbx_jcol_text(st, 2));
	json_object *ev = json_tokener_parse((const char *)sqlite3_column_text(st, 3));
	json_object *so = json_tokener_parse((const char *)sqlite3_column_text(st, 4));
	json_object_object_add(o, "events", ev ? ev : json_object_new_array());
	json_object_object_add(o, "sources", so ? so : json_object_new_array());
	json_object_object_add(o, "links", json_object_new_array());
	json_object_object_add(o, "id", sbx_jstrf("%lld", (long long)sqlite3_column_int64(st, 0)));
	return o;
}

void sbx_ac_webhooks_get(sbx_req *r)
{
	char url[1024] = "", name[256] = "";
	sbx_req_query(r, "filters[url]", url, sizeof url);
	sbx_req_query(r, "filters[name]", name, sizeof name);
	sqlite3_stmt *st =
	    sbx_db_prep(r->app->db, "SELECT id, name, url, events, sources, listid, cdate_ms FROM ac_webhooks"
	                            " WHERE (?1 = '' OR url = ?1) AND (?2 = '' OR name = ?2) ORDER BY id");
	if (!st)
		return;
	sqlite3_bind_text(st, 1, url, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
	json_object *arr = json_object_new_array();
	while (sqlite3_step(st) == SQLITE_ROW)
		json_object_array_add(arr, webhook_json(st));
	sqlite3_finalize(st);
	json_object *o = json_object_new_object();
	json_object *meta = json_object_new_object();
	json_object_object_add(meta, "total", sbx_jstrf("%zu", json_object_array_length(arr)));
	json_object_object_add(o, "webhooks", arr);
	json_object_object_add(o, "meta", meta);
	sbx_resp_json(r, 200, o);
}

static int in_set(const char *s, const char *const *set)
{
	for (int i = 0; set[i]; i++)
		if (strcmp(s, set[i]) == 0)
			return 1;
	return 0;
}

/* Validates a string array against a set; returns a compact JSON text (malloc'd) or NULL. */
static char *string_set(json_object *arr, const char *const *set)
{
	if (!arr || !json_object_is_type(arr, json_type_array) || json_object_array_length(arr) == 0 ||
	    json_object_array_length(arr) > 64)
		return NULL;
	json_object *out = json_object_new_array();
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		json_object *v = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(v, json_type_string) || !in_set(json_object_get_string(v), set)) {
			json_object_put(out);
			return NULL;
		}
		json_object_array_add(out, json_object_get(v));
	}
	char *s = strdup(json_object_to_json_string_ext(out, JSON_C_TO_STRING_PLAIN));
	json_object_put(out);
	return s;
}

static void webhook_write(sbx_req *r, int64_t id)
{
	json_object *root = sbx_req_json_body(r), *w, *ev = NULL, *so = NULL;
	char *evs = NULL, *sos = NULL;
	if (!root)
		return;
	char name[256] = "", url[2048] = "";
	int64_t listid = 0;
	if (!json_object_object_get_ex(root, "webhook", &w) || !json_object_is_type(w, json_type_object)) {
		sbx_ac_422(r, 422, "The webhook object is missing", "field_missing",
		           "/data/attributes/webhook");
		goto out;
	}
	if (!sbx_jget_text(w, "name", name, sizeof name) || !*name) {
		sbx_ac_422(r, 422, "Webhook name is required", "field_missing", "/data/attributes/name");
		goto out;
	}
	if (!sbx_jget_text(w, "url", url, sizeof url) ||
	    (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) ||
	    strpbrk(url, " \r\n\t")) {
		sbx_ac_422(r, 422, "A valid http(s) URL is required", "field_invalid",
		           "/data/attributes/url");
		goto out;
	}
	/* AC delivers https webhooks on port 443 only: another https port is refused. */
	if (strncmp(url, "https://", 8) == 0) {
		size_t hl = strcspn(url + 8, "/?#");
		const char *colon = memchr(url + 8, ':', hl);
		const char *close = memchr(url + 8, ']', hl);
		if (close)
			colon = memchr(close, ':', (size_t)(url + 8 + hl - close));
		if (colon && !(url + 8 + hl - colon == 4 && strncmp(colon, ":443", 4) == 0)) {
			sbx_ac_422(r, 422, "https webhook URLs must use port 443", "field_invalid",
			           "/data/attributes/url");
			goto out;
		}
	}
	json_object_object_get_ex(w, "events", &ev);
	json_object_object_get_ex(w, "sources", &so);
	if (!(evs = string_set(ev, webhook_events))) {
		sbx_ac_422(r, 422, "events must be a non-empty list of known webhook events", "field_invalid",
		           "/data/attributes/events");
		goto out;
	}
	if (!(sos = string_set(so, webhook_sources))) {
		sbx_ac_422(r, 422, "sources must be a non-empty list of public, admin, api, system",
		           "field_invalid", "/data/attributes/sources");
		goto out;
	}
	sbx_jget_int(w, "listid", &listid);
	sqlite3_stmt *st;
	if (id)
		st = sbx_db_prep(r->app->db,
		                 "UPDATE ac_webhooks SET name = ?1, url = ?2, events = ?3, sources = ?4,"
		                 " listid = ?5, active = 1 WHERE id = ?7");
	else
		st = sbx_db_prep(r->app->db,
		                 "INSERT INTO ac_webhooks(name, url, events, sources, listid, cdate_ms)"
		                 " VALUES(?1, ?2, ?3, ?4, ?5, ?6)");
	if (!st)
		goto out;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, url, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, evs, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, sos, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 5, listid);
	if (!id)
		sqlite3_bind_int64(st, 6, r->now_ms - r->now_ms % 1000);
	else
		sqlite3_bind_int64(st, 7, id);
	sqlite3_step(st);
	sqlite3_finalize(st);
	if (id && sqlite3_changes(r->app->db) == 0) {
		sbx_resp_error(r, 404, "NOT_FOUND", "No Result found for Webhook with id %lld",
		               (long long)id);
		goto out;
	}
	if (!id)
		id = sqlite3_last_insert_rowid(r->app->db);
	st = sbx_db_prep(
	    r->app->db,
	    "SELECT id, name, url, events, sources, listid, cdate_ms FROM ac_webhooks WHERE id = ?1");
	if (st) {
		sqlite3_bind_int64(st, 1, id);
		if (sqlite3_step(st) == SQLITE_ROW) {
			json_object *o = json_object_new_object();
			json_object_object_add(o, "webhook", webhook_json(st));
			sbx_resp_json(r, strcmp(r->method, "POST") == 0 ? 201 : 200, o);
		}
		sqlite3_finalize(st);
	}
out:
	free(evs);
	free(sos);
	json_object_put(root);
}

void sbx_ac_webhooks_post(sbx_req *r)
{
	webhook_write(r, 0);
}

void sbx_ac_webhook_put(sbx_req *r)
{
	webhook_write(r, r->id);
}

void sbx_ac_webhook_one(sbx_req *r)
{
	int64_t id = r->id;
	sqlite3_stmt *st;
	if (strcmp(r->method, "DELETE") == 0) {
		st = sbx_db_prep(r->app->db, "DELETE FROM ac_webhooks WHERE id = ?1");
		if (!st)
			return;
		sqlite3_bind_int64(st, 1, id);
		sqlite3_step(st);
		sqlite3_finalize(st);
		if (sqlite3_changes(r->app->db))
			sbx_resp_json(r, 200, json_object_new_object());
		else
			sbx_resp_error(r, 404, "NOT_FOUND", "No Result found for Webhook with id %lld",
			               (long long)id);
		return;
	}
	st = sbx_db_prep(
	    r->app->db,
	    "SELECT id, name, url, events, sources, listid, cdate_ms FROM ac_webhooks WHERE id = ?1");
	if (!st)
		return;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "webhook", webhook_json(st));
		sbx_resp_json(r, 200, o);
	} else {
		sbx_resp_error(r, 404, "NOT_FOUND", "No Result found for Webhook with id %lld",
		               (long long)id);
	}
	sqlite3_finalize(st);
}

void sbx_ac_webhook_events_get(sbx_req *r)
{
	json_object *arr = json_object_new_array();
	int n = 0;
	for (; webhook_events[n]; n++)
		json_object_array_add(arr, sbx_jstr(webhook_events[n]));
	json_object *o = json_object_new_object();
	json_object_object_add(o, "webhookEvents", arr);
	json_object *meta = json_object_new_object();
	json_object_object_add(meta, "total", sbx_jstrf("%d", n));
	json_object_object_add(o, "meta", meta);
	sbx_resp_json(r, 200, o);
}
