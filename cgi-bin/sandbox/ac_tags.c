/* ac_tags.c - AC tags and contact tags: list, search and create tags; add and remove a contact's tags. */
#include "sbx.h"
#include "sbx_ac.h"

#include <stdio.h>
#include <string.h>

static json_object *contact_tag_json(sbx_req *r, int64_t id, int64_t contact, int64_t tag, int64_t cdate)
{
	char sid[24], t[40];
	snprintf(sid, sizeof sid, "%lld", (long long)id);
	json_object *o = json_object_new_object();
	json_object_object_add(o, "contact", sbx_jstrf("%lld", (long long)contact));
	json_object_object_add(o, "tag", sbx_jstrf("%lld", (long long)tag));
	sbx_fmt_ac_time(cdate, t, sizeof t);
	json_object_object_add(o, "cdate", sbx_jstr(t));
	sbx_fmt_ac_plain(cdate, 0, t, sizeof t);
	json_object_object_add(o, "created_timestamp", sbx_jstr(t));
	json_object_object_add(o, "updated_timestamp", sbx_jstr(t));
	json_object_object_add(o, "created_by", NULL);
	json_object_object_add(o, "updated_by", NULL);
	json_object *links = json_object_new_object();
	sbx_ac_link(r, links, "contactTags", sid, "contact");
	sbx_ac_link(r, links, "contactTags", sid, "tag");
	json_object_object_add(o, "links", links);
	json_object_object_add(o, "id", sbx_jstr(sid));
	return o;
}

void sbx_ac_contact_tags_get(sbx_req *r)
{
	int64_t id = r->id;
	if (!sbx_ac_contact_exists(r, id)) {
		sbx_ac_no_subscriber(r, r->cap[0]);
		return;
	}
	json_object *arr = json_object_new_array();
	sqlite3_stmt *st = sbx_db_prep(r->app->db, "SELECT id, contact, tag, cdate_ms FROM ac_contact_tags"
	                                           " WHERE contact = ?1 ORDER BY id");
	if (st) {
		sqlite3_bind_int64(st, 1, id);
		while (sqlite3_step(st) == SQLITE_ROW)
			json_object_array_add(
			    arr, contact_tag_json(r, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
			                          sqlite3_column_int64(st, 2), sqlite3_column_int64(st, 3)));
		sqlite3_finalize(st);
	}
	json_object *o = json_object_new_object();
	json_object_object_add(o, "contactTags", arr);
	sbx_resp_json(r, 200, o);
}

static json_object *tag_json(sbx_req *r, sqlite3_stmt *st)
{
	char sid[24], t[40];
	snprintf(sid, sizeof sid, "%lld", (long long)sqlite3_column_int64(st, 0));
	json_object *o = json_object_new_object();
	json_object_object_add(o, "tagType", sbx_jcol_text(st, 2));
	json_object_object_add(o, "tag", sbx_jcol_text(st, 1));
	json_object_object_add(o, "description", sbx_jcol_text(st, 3));
	sbx_fmt_ac_time(sqlite3_column_int64(st, 4), t, sizeof t);
	json_object_object_add(o, "cdate", sbx_jstr(t));
	json_object *links = json_object_new_object();
	sbx_ac_link(r, links, "tags", sid, "contactGoalTags");
	json_object_object_add(o, "links", links);
	json_object_object_add(o, "id", sbx_jstr(sid));
	return o;
}

void sbx_ac_tags_get(sbx_req *r)
{
	char search[256] = "";
	sbx_req_query(r, "search", search, sizeof search);
	/* filters[search][eq]: the exact name (AC v3 "List all tags"); search alone is "contains". */
	char eq[256] = "";
	int exact = sbx_req_query(r, "filters[search][eq]", eq, sizeof eq);
	if (exact)
		snprintf(search, sizeof search, "%s", eq);
	int64_t limit, offset;
	sbx_ac_page_args(r, &limit, &offset);
	/* AC's search is a substring match, not an exact one */
	char like[300];
	if (exact) {
		/* LIKE without wildcards, the wildcards in the name escaped: equality, case-insensitive */
		size_t o = 0;
		for (const char *p = search; *p && o + 3 < sizeof like; p++) {
			if (*p == '%' || *p == '_' || *p == '\\')
				like[o++] = '\\';
			like[o++] = *p;
		}
		like[o] = '\0';
	} else {
		snprintf(like, sizeof like, "%%%s%%", search);
	}
	sqlite3_stmt *st =
	    sbx_db_prep(r->app->db, "SELECT count(*) FROM ac_tags WHERE tag LIKE ?1 ESCAPE '\\'");
	int64_t total = 0;
	if (st) {
		sqlite3_bind_text(st, 1, like, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(st) == SQLITE_ROW)
			total = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	json_object *arr = json_object_new_array();
	st = sbx_db_prep(
	    r->app->db,
	    "SELECT id, tag, tag_type, description, cdate_ms FROM ac_tags WHERE tag LIKE ?1 ESCAPE '\\'"
	    " ORDER BY id LIMIT ?2 OFFSET ?3");
	if (st) {
		sqlite3_bind_text(st, 1, like, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 2, limit);
		sqlite3_bind_int64(st, 3, offset);
		while (sqlite3_step(st) == SQLITE_ROW)
			json_object_array_add(arr, tag_json(r, st));
		sqlite3_finalize(st);
	}
	json_object *o = json_object_new_object();
	json_object_object_add(o, "tags", arr);
	json_object *meta = json_object_new_object();
	json_object_object_add(meta, "total", sbx_jstrf("%lld", (long long)total));
	json_object_object_add(o, "meta", meta);
	sbx_resp_json(r, 200, o);
}

void sbx_ac_tag_get(sbx_req *r)
{
	int64_t id = r->id;
	sqlite3_stmt *st = sbx_db_prep(
	    r->app->db, "SELECT id, tag, tag_type, description, cdate_ms FROM ac_tags WHERE id = ?1");
	if (!st)
		return;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "tag", tag_json(r, st));
		sbx_resp_json(r, 200, o);
	} else {
		sbx_resp_error(r, 404, "NOT_FOUND", "No Result found for Tag with id %lld", (long long)id);
	}
	sqlite3_finalize(st);
}

void sbx_ac_tags_post(sbx_req *r)
{
	json_object *root = sbx_req_json_body(r), *t;
	if (!root)
		return;
	char name[256] = "", type[32] = "contact", desc[512] = "";
	if (!json_object_object_get_ex(root, "tag", &t) || !json_object_is_type(t, json_type_object) ||
	    !sbx_jget_text(t, "tag", name, sizeof name) || !*name) {
		sbx_ac_422(r, 422, "Missing attribute", "field_missing", "/data/attributes/tag");
		goto out;
	}
	sbx_jget_text(t, "tagType", type, sizeof type);
	sbx_jget_text(t, "description", desc, sizeof desc);
	if (strcmp(type, "contact") && strcmp(type, "template")) {
		sbx_ac_422(r, 422, "tagType must be contact or template", "field_invalid",
		           "/data/attributes/tagType");
		goto out;
	}
	sqlite3_stmt *st =
	    sbx_db_prep(r->app->db, "SELECT 1 FROM ac_tags WHERE lower(tag) = lower(?1) AND tag_type = ?2");
	int dup = 0;
	if (st) {
		sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, type, -1, SQLITE_TRANSIENT);
		dup = sqlite3_step(st) == SQLITE_ROW;
		sqlite3_finalize(st);
	}
	if (dup) {
		sbx_ac_422(r, 422, "Duplicate entry: a tag with this name already exists", "duplicate",
		           "/data/attributes/tag");
		goto out;
	}
	st = sbx_db_prep(r->app->db,
	                 "INSERT INTO ac_tags(tag, tag_type, description, cdate_ms) VALUES(?1, ?2, ?3, ?4)");
	if (st) {
		sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, type, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 3, desc, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 4, r->now_ms - r->now_ms % 1000);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
	int64_t id = sqlite3_last_insert_rowid(r->app->db);
	sbx_counter_add(r->app->db, "ac_tags_created", 1);
	st = sbx_db_prep(r->app->db,
	                 "SELECT id, tag, tag_type, description, cdate_ms FROM ac_tags WHERE id = ?1");
	if (st) {
		sqlite3_bind_int64(st, 1, id);
		if (sqlite3_step(st) == SQLITE_ROW) {
			json_object *o = json_object_new_object();
			json_object_object_add(o, "tag", tag_json(r, st));
			sbx_resp_json(r, 201, o);
		}
		sqlite3_finalize(st);
	}
out:
	json_object_put(root);
}

static void not_found_errors(sbx_req *r, const char *detail)
{
	json_object *e = json_object_new_object();
	json_object_object_add(e, "status", sbx_jint(404));
	json_object_object_add(e, "title", sbx_jstr("Not Found"));
	json_object_object_add(e, "detail", sbx_jstr(detail));
	json_object *arr = json_object_new_array();
	json_object_array_add(arr, e);
	json_object *o = json_object_new_object();
	json_object_object_add(o, "errors", arr);
	sbx_resp_json(r, 404, o);
}

void sbx_ac_contact_tags_post(sbx_req *r)
{
	json_object *root = sbx_req_json_body(r), *ct;
	if (!root)
		return;
	int64_t contact, tag;
	if (!json_object_object_get_ex(root, "contactTag", &ct) ||
	    !json_object_is_type(ct, json_type_object) || !sbx_jget_int(ct, "contact", &contact)) {
		sbx_ac_422(r, 422, "Missing attribute", "field_missing", "/data/attributes/contact");
		goto out;
	}
	if (!sbx_jget_int(ct, "tag", &tag)) {
		sbx_ac_422(r, 422, "Missing attribute", "field_missing", "/data/attributes/tag");
		goto out;
	}
	if (!sbx_ac_contact_exists(r, contact)) {
		not_found_errors(r, "Contact not found");
		goto out;
	}
	int tag_ok = 0;
	sqlite3_stmt *st = sbx_db_prep(r->app->db, "SELECT 1 FROM ac_tags WHERE id = ?1");
	if (st) {
		sqlite3_bind_int64(st, 1, tag);
		tag_ok = sqlite3_step(st) == SQLITE_ROW;
		sqlite3_finalize(st);
	}
	if (!tag_ok) {
		not_found_errors(r, "Tag not found");
		goto out;
	}
	st = sbx_db_prep(r->app->db, "INSERT INTO ac_contact_tags(contact, tag, cdate_ms) VALUES(?1, ?2, ?3)"
	                             " ON CONFLICT(contact, tag) DO NOTHING");
	if (st) {
		sqlite3_bind_int64(st, 1, contact);
		sqlite3_bind_int64(st, 2, tag);
		sqlite3_bind_int64(st, 3, r->now_ms - r->now_ms % 1000);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
	/* AC answers a repeated add with the existing association; the counter lets tests see it */
	sbx_counter_add(r->app->db,
	                sqlite3_changes(r->app->db) ? "ac_contact_tags_added" : "ac_contact_tags_duplicate",
	                1);
	st = sbx_db_prep(r->app->db,
	                 "SELECT id, cdate_ms FROM ac_contact_tags WHERE contact = ?1 AND tag = ?2");
	if (st) {
		sqlite3_bind_int64(st, 1, contact);
		sqlite3_bind_int64(st, 2, tag);
		if (sqlite3_step(st) == SQLITE_ROW) {
			json_object *o = json_object_new_object();
			json_object_object_add(o, "contactTag",
			                       contact_tag_json(r, sqlite3_column_int64(st, 0), contact, tag,
			                                        sqlite3_column_int64(st, 1)));
			sbx_resp_json(r, 201, o);
		}
		sqlite3_finalize(st);
	}
out:
	json_object_put(root);
}

void sbx_ac_contact_tag_delete(sbx_req *r)
{
	int64_t id = r->id;
	sqlite3_stmt *st = sbx_db_prep(r->app->db, "DELETE FROM ac_contact_tags WHERE id = ?1");
	if (!st)
		return;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_step(st);
	sqlite3_finalize(st);
	if (sqlite3_changes(r->app->db) == 0)
		sbx_resp_error(r, 404, "NOT_FOUND", "No Result found for ContactTag with id %lld",
		               (long long)id);
	else
		sbx_resp_json(r, 200, json_object_new_object());
}
