/* ac_lists.c - AC lists: GET /lists and /lists/{id}. */
#include "sbx.h"
#include "sbx_ac.h"

#include <stdio.h>

static json_object *list_json(sbx_req *r, sqlite3_stmt *st)
{
	char sid[24], t[40];
	snprintf(sid, sizeof sid, "%lld", (long long)sqlite3_column_int64(st, 0));
	json_object *o = json_object_new_object();
	json_object_object_add(o, "stringid", sbx_jcol_text(st, 2));
	json_object_object_add(o, "userid", sbx_jstr("1"));
	json_object_object_add(o, "name", sbx_jcol_text(st, 1));
	sbx_fmt_ac_time(sqlite3_column_int64(st, 3), t, sizeof t);
	json_object_object_add(o, "cdate", sbx_jstr(t));
	json_object_object_add(o, "p_use_tracking", sbx_jstr("1"));
	json_object_object_add(o, "private", sbx_jstr("0"));
	json_object_object_add(o, "optinoptout", sbx_jstr("1"));
	json_object_object_add(o, "sender_url", sbx_jstr("https://www.example.com"));
	json_object_object_add(o, "sender_reminder", sbx_jstr("You signed up on our website."));
	json_object_object_add(o, "udate", NULL);
	json_object *links = json_object_new_object();
	sbx_ac_link(r, links, "lists", sid, "contactGoalLists");
	sbx_ac_link(r, links, "lists", sid, "user");
	sbx_ac_link(r, links, "lists", sid, "addressLists");
	json_object_object_add(o, "links", links);
	json_object_object_add(o, "id", sbx_jstr(sid));
	json_object_object_add(o, "user", sbx_jstr("1"));
	return o;
}

static void lists_get(sbx_req *r, const char *one)
{
	int64_t id = 0;
	if (one && !sbx_parse_id(one, &id)) {
		sbx_resp_error(r, 404, "NOT_FOUND", "No Result found for List with id %s", one);
		return;
	}
	/* Paged like every AC collection. */
	int64_t limit, offset, total = 0;
	sbx_ac_page_args(r, &limit, &offset);
	if (!one) {
		sqlite3_stmt *c = sbx_db_prep(r->app->db, "SELECT count(*) FROM ac_lists");
		if (c && sqlite3_step(c) == SQLITE_ROW)
			total = sqlite3_column_int64(c, 0);
		sqlite3_finalize(c);
	}
	sqlite3_stmt *st =
	    sbx_db_prep(r->app->db, one ? "SELECT id, name, stringid, cdate_ms FROM ac_lists WHERE id = ?1"
	                                : "SELECT id, name, stringid, cdate_ms FROM ac_lists ORDER BY id"
	                                  " LIMIT ?1 OFFSET ?2");
	if (!st)
		return;
	if (one) {
		sqlite3_bind_int64(st, 1, id);
	} else {
		sqlite3_bind_int64(st, 1, limit);
		sqlite3_bind_int64(st, 2, offset);
	}
	json_object *arr = json_object_new_array();
	while (sqlite3_step(st) == SQLITE_ROW)
		json_object_array_add(arr, list_json(r, st));
	sqlite3_finalize(st);
	json_object *o = json_object_new_object();
	if (one) {
		if (json_object_array_length(arr) == 0) {
			json_object_put(arr);
			json_object_put(o);
			sbx_resp_error(r, 404, "NOT_FOUND", "No Result found for List with id %s", one);
			return;
		}
		json_object_object_add(o, "list", json_object_get(json_object_array_get_idx(arr, 0)));
		json_object_put(arr);
	} else {
		json_object *meta = json_object_new_object();
		json_object_object_add(meta, "total", sbx_jstrf("%lld", (long long)total));
		json_object_object_add(o, "lists", arr);
		json_object_object_add(o, "meta", meta);
	}
	sbx_resp_json(r, 200, o);
}

void sbx_ac_lists_get(sbx_req *r)
{
	lists_get(r, NULL);
}

void sbx_ac_list_get(sbx_req *r)
{
	lists_get(r, r->cap[0]);
}
