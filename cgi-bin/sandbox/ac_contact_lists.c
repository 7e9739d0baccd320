/* ac_contact_lists.c - AC list memberships: a contact's lists, and POST /contactLists with its webhooks. */
#include "sbx.h"
#include "sbx_ac.h"

#include <stdio.h>

static json_object *contact_list_json(sbx_req *r, sqlite3_stmt *st)
{
	/* columns: id, contact, list, status, sdate_ms, udate_ms, unsubreason, first_name, last_name */
	char id[24], t[40];
	snprintf(id, sizeof id, "%lld", (long long)sqlite3_column_int64(st, 0));
	json_object *o = json_object_new_object();
	json_object_object_add(o, "contact", sbx_jstrf("%lld", (long long)sqlite3_column_int64(st, 1)));
	json_object_object_add(o, "list", sbx_jstrf("%lld", (long long)sqlite3_column_int64(st, 2)));
	json_object_object_add(o, "form", NULL);
	json_object_object_add(o, "seriesid", sbx_jstr("0"));
	json_object_object_add(
	    o, "sdate",
	    sbx_ac_time_or_null(sqlite3_column_int64(st, 4), sqlite3_column_type(st, 4) != SQLITE_NULL));
	json_object_object_add(
	    o, "udate",
	    sbx_ac_time_or_null(sqlite3_column_int64(st, 5), sqlite3_column_type(st, 5) != SQLITE_NULL));
	json_object_object_add(o, "status", sbx_jstrf("%d", sqlite3_column_int(st, 3)));
	json_object_object_add(o, "responder", sbx_jstr("1"));
	json_object_object_add(o, "sync", sbx_jstr("0"));
	json_object_object_add(o, "unsubreason", sbx_jcol_text(st, 6));
	json_object_object_add(o, "campaign", NULL);
	json_object_object_add(o, "message", NULL);
	json_object_object_add(
	    o, "first_name",
	    sbx_jstr(sqlite3_column_text(st, 7) ? (const char *)sqlite3_column_text(st, 7) : ""));
	json_object_object_add(
	    o, "last_name",
	    sbx_jstr(sqlite3_column_text(st, 8) ? (const char *)sqlite3_column_text(st, 8) : ""));
	json_object_object_add(o, "ip4Sub", sbx_jstr("0"));
	json_object_object_add(o, "sourceid", sbx_jstr("0"));
	json_object_object_add(o, "autosyncLog", NULL);
	json_object_object_add(o, "ip4_last", sbx_jstr("0"));
	json_object_object_add(o, "ip4Unsub", sbx_jstr("0"));
	sbx_fmt_ac_plain(sqlite3_column_int64(st, 4), 0, t, sizeof t);
	json_object_object_add(o, "created_timestamp", sbx_jstr(t));
	sbx_fmt_ac_plain(sqlite3_column_int64(st, 5), 0, t, sizeof t);
	json_object_object_add(o, "updated_timestamp", sbx_jstr(t));
	json_object_object_add(o, "created_by", NULL);
	json_object_object_add(o, "updated_by", NULL);
	json_object_object_add(o, "unsubscribeAutomation", NULL);
	json_object *links = json_object_new_object();
	static const char *const what[] = {
	    "automation", "list", "contact", "form", "autosyncLog", "campaign", "unsubscribeAutomation",
	    "message",    NULL};
	for (int i = 0; what[i]; i++)
		sbx_ac_link(r, links, "contactLists", id, what[i]);
	json_object_object_add(o, "links", links);
	json_object_object_add(o, "id", sbx_jstr(id));
	json_object_object_add(o, "automation", NULL);
	return o;
}

#define CL_COLS                                                                                              \
	"cl.id, cl.contact, cl.list, cl.status, cl.sdate_ms, cl.udate_ms, cl.unsubreason, c.first_name,"     \
	" c.last_name FROM ac_contact_lists cl JOIN ac_contacts c ON c.id = cl.contact"

void sbx_ac_contact_lists_json(sbx_req *r, int64_t contact, json_object *arr)
{
	sqlite3_stmt *st = sbx_db_prep(r->app->db, "SELECT " CL_COLS " WHERE cl.contact = ?1 ORDER BY cl.id");
	if (!st)
		return;
	sqlite3_bind_int64(st, 1, contact);
	while (sqlite3_step(st) == SQLITE_ROW)
		json_object_array_add(arr, contact_list_json(r, st));
	sqlite3_finalize(st);
}

int sbx_ac_set_list_status(sbx_req *r, int64_t contact, int64_t list, int status, const char *source,
                           const char *reason, int64_t at_ms)
{
	sqlite3 *db = r->app->db;
	at_ms -= at_ms % 1000;
	int old = -1;
	sqlite3_stmt *st =
	    sbx_db_prep(db, "SELECT status FROM ac_contact_lists WHERE contact = ?1 AND list = ?2");
	if (!st)
		return 0;
	sqlite3_bind_int64(st, 1, contact);
	sqlite3_bind_int64(st, 2, list);
	if (sqlite3_step(st) == SQLITE_ROW)
		old = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (old == status)
		return 0;
	if (old < 0)
		st = sbx_db_prep(
		    db, "INSERT INTO ac_contact_lists(contact, list, status, sdate_ms, udate_ms, unsubreason)"
		        " VALUES(?1, ?2, ?3, ?4, ?4, ?5)");
	else
		st = sbx_db_prep(db, "UPDATE ac_contact_lists SET status = ?3, udate_ms = ?4,"
		                     " unsubreason = CASE WHEN ?3 = 2 THEN ?5 ELSE NULL END,"
		                     " sdate_ms = CASE WHEN ?3 = 1 THEN ?4 ELSE sdate_ms END"
		                     " WHERE contact = ?1 AND list = ?2");
	if (!st)
		return 0;
	sqlite3_bind_int64(st, 1, contact);
	sqlite3_bind_int64(st, 2, list);
	sqlite3_bind_int(st, 3, status);
	sqlite3_bind_int64(st, 4, at_ms);
	if (reason && status == 2)
		sqlite3_bind_text(st, 5, reason, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, 5);
	sqlite3_step(st);
	sqlite3_finalize(st);
	sbx_ac_touch_contact(db, contact, at_ms);
	sbx_counter_add(db, "ac_contact_list_changes", 1);
	if ((status == 1 || status == 2) && !r->hold_webhooks) {
		char extra[600] = "";
		if (status == 2) {
			sbx_buf b = {0};
			sbx_buf_puts(&b, "&unsubscribe%5Breason%5D=");
			sbx_url_encode(&b, reason ? reason : "");
			sbx_buf_puts(&b, "&campaign%5Bid%5D=0");
			snprintf(extra, sizeof extra, "%s", b.p ? b.p : "");
			sbx_buf_free(&b);
		}
		r->deliveries += sbx_webhook_queue(r, status == 1 ? "subscribe" : "unsubscribe", contact,
		                                   list, source, at_ms, extra);
	}
	return 1;
}

void sbx_ac_contact_lists_get(sbx_req *r)
{
	int64_t id = r->id;
	if (!sbx_ac_contact_exists(r, id)) {
		sbx_ac_no_subscriber(r, r->cap[0]);
		return;
	}
	json_object *arr = json_object_new_array();
	sbx_ac_contact_lists_json(r, id, arr);
	json_object *o = json_object_new_object();
	json_object_object_add(o, "contactLists", arr);
	sbx_resp_json(r, 200, o);
}

static int list_exists(sqlite3 *db, int64_t id)
{
	sqlite3_stmt *st = sbx_db_prep(db, "SELECT 1 FROM ac_lists WHERE id = ?1");
	int ok = 0;
	if (!st)
		return 0;
	sqlite3_bind_int64(st, 1, id);
	ok = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return ok;
}

void sbx_ac_contact_lists_post(sbx_req *r)
{
	json_object *root = sbx_req_json_body(r), *cl;
	if (!root)
		return;
	int64_t list, contact, status;
	if (!json_object_object_get_ex(root, "contactList", &cl) ||
	    !json_object_is_type(cl, json_type_object)) {
		sbx_ac_422(r, 422, "The contactList object is missing", "field_missing",
		           "/data/attributes/contactList");
		goto out;
	}
	if (!sbx_jget_int(cl, "contact", &contact)) {
		sbx_ac_422(r, 422, "Missing attribute", "field_missing", "/data/attributes/contact");
		goto out;
	}
	if (!sbx_jget_int(cl, "list", &list)) {
		sbx_ac_422(r, 422, "Missing attribute", "field_missing", "/data/attributes/list");
		goto out;
	}
	if (!sbx_jget_int(cl, "status", &status) || (status != 1 && status != 2)) {
		sbx_ac_422(r, 422, "The status must be 1 (active) or 2 (unsubscribed)", "field_invalid",
		           "/data/attributes/status");
		goto out;
	}
	if (!sbx_ac_contact_exists(r, contact)) {
		sbx_ac_422(r, 404, "The related contact does not exist.", "related_missing",
		           "/data/attributes/contact");
		goto out;
	}
	if (!list_exists(r->app->db, list)) {
		sbx_ac_422(r, 422, "The related list does not exist.", "related_missing",
		           "/data/attributes/list");
		goto out;
	}
	sbx_counter_add(r->app->db, "ac_contact_list_writes", 1);
	sbx_ac_set_list_status(r, contact, list, (int)status, "api",
	                       status == 2 ? "Unsubscribed via API" : NULL, r->now_ms);
	json_object *o = json_object_new_object();
	json_object *contacts = json_object_new_array();
	json_object_array_add(contacts, sbx_ac_contact_by_id(r, contact));
	json_object_object_add(o, "contacts", contacts);
	sqlite3_stmt *st =
	    sbx_db_prep(r->app->db, "SELECT " CL_COLS " WHERE cl.contact = ?1 AND cl.list = ?2");
	if (st) {
		sqlite3_bind_int64(st, 1, contact);
		sqlite3_bind_int64(st, 2, list);
		if (sqlite3_step(st) == SQLITE_ROW) {
			json_object *one = contact_list_json(r, st);
			json_object *given;
			/* AC echoes the status as it was sent */
			if (json_object_object_get_ex(cl, "status", &given))
				json_object_object_add(one, "status", json_object_get(given));
			json_object_object_add(o, "contactList", one);
		}
		sqlite3_finalize(st);
	}
	sbx_resp_json(r, 200, o);
out:
	json_object_put(root);
}
