/* ac_import.c - AC's bulk contact importer: POST import/bulk_import and GET import/info, with the
 * limits AC documents (250 contacts a call, a payload under 400,000 bytes, 100 imports a minute,
 * 20 a minute of one contact) and what an import does: unknown emails are created, the fields sent
 * overwrite, tags are applied by name (created when missing), unsubscribe/subscribe by listid.
 * The import is done when it is accepted; import/info says so only after the polls the knob
 * ac_import_poll_count asks for (and answers "status": false within the first second, as AC warns). */
#include "sbx.h"
#include "sbx_ac.h"

#include <stdio.h>
#include <string.h>

#define IMPORT_MAX_CONTACTS 250
#define IMPORT_MAX_BYTES 399999
#define IMPORT_SINGLE_PER_MINUTE 20

static void refuse(sbx_req *r, const char *message, json_object *reasons)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "success", sbx_jint(0));
	json_object_object_add(o, "message", sbx_jstr(message));
	json_object_object_add(o, "failureReasons", reasons ? reasons : json_object_new_array());
	sbx_resp_json(r, 400, o);
}

static void refuse_one(sbx_req *r, const char *message, const char *reason)
{
	json_object *a = json_object_new_array();
	json_object_array_add(a, sbx_jstr(reason));
	refuse(r, message, a);
}

/* Imports accepted in the knob's window (60 s: "per minute"), of one contact or of several. */
static int64_t recent_imports(sbx_req *r, int single)
{
	int64_t window = sbx_knob_int("ac_import_window_s") * 1000;
	sqlite3_stmt *st = sbx_db_prep(r->app->db, "SELECT count(*) FROM ac_imports WHERE created_ms > ?1"
	                                           " AND (contacts = 1) = ?2");
	int64_t n = 0;
	if (!st)
		return 0;
	sqlite3_bind_int64(st, 1, r->now_ms - window);
	sqlite3_bind_int(st, 2, single);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static int64_t tag_by_name(sbx_req *r, const char *name)
{
	sqlite3_stmt *st = sbx_db_prep(r->app->db, "SELECT id FROM ac_tags WHERE lower(tag) = lower(?1)"
	                                           " AND tag_type = 'contact' ORDER BY id LIMIT 1");
	int64_t id = 0;
	if (!st)
		return 0;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (id)
		return id;
	st = sbx_db_prep(r->app->db, "INSERT INTO ac_tags(tag, tag_type, description, cdate_ms)"
	                             " VALUES(?1, 'contact', '', ?2)");
	if (!st)
		return 0;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, r->now_ms - r->now_ms % 1000);
	if (sqlite3_step(st) == SQLITE_DONE) {
		id = sqlite3_last_insert_rowid(r->app->db);
		sbx_counter_add(r->app->db, "ac_tags_created", 1);
	}
	sqlite3_finalize(st);
	return id;
}

static int list_exists(sbx_req *r, int64_t list)
{
	sqlite3_stmt *st = sbx_db_prep(r->app->db, "SELECT 1 FROM ac_lists WHERE id = ?1");
	int ok = 0;
	if (st) {
		sqlite3_bind_int64(st, 1, list);
		ok = sqlite3_step(st) == SQLITE_ROW;
		sqlite3_finalize(st);
	}
	return ok;
}

static int list_status(sbx_req *r, int64_t contact, int64_t list)
{
	sqlite3_stmt *st =
	    sbx_db_prep(r->app->db, "SELECT status FROM ac_contact_lists WHERE contact = ?1 AND list = ?2");
	int s = -1;
	if (st) {
		sqlite3_bind_int64(st, 1, contact);
		sqlite3_bind_int64(st, 2, list);
		if (sqlite3_step(st) == SQLITE_ROW)
			s = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
	}
	return s;
}

/* One contact of an accepted import: created when its email is unknown (as AC does), then every
 * field sent written as sent. Returns the contact id, or 0 when it failed. */
static int64_t import_one(sbx_req *r, json_object *c)
{
	sqlite3 *db = r->app->db;
	char email[320], lc[320];
	sbx_jget_text(c, "email", email, sizeof email);
	sbx_lower_trim(email, lc, sizeof lc);
	const char *fail = sbx_knob_str("ac_import_fail_email");
	if (fail && sbx_ieq(fail, lc))
		return 0;
	int64_t id = sbx_ac_contact_by_email(db, lc);
	if (!id) {
		sqlite3_stmt *st = sbx_db_prep(db, "INSERT INTO ac_contacts(email, email_lc, first_name, last_name,"
		                                   " phone, cdate_ms, udate_ms) VALUES(?1, ?1, '', '', '', ?2, ?2)");
		if (!st)
			return 0;
		sqlite3_bind_text(st, 1, lc, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 2, r->now_ms - r->now_ms % 1000);
		int rc = sqlite3_step(st);
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE)
			return 0;
		id = sqlite3_last_insert_rowid(db);
		sbx_counter_add(db, "ac_contacts_created", 1);
		sbx_counter_add(db, "ac_import_contacts_created", 1);
	}
	int changed = 0;
	static const char *const fields[][2] = {
	    {"first_name", "UPDATE ac_contacts SET first_name = ?1 WHERE id = ?2 AND coalesce(first_name,'') <> ?1"},
	    {"last_name", "UPDATE ac_contacts SET last_name = ?1 WHERE id = ?2 AND coalesce(last_name,'') <> ?1"},
	    {"phone", "UPDATE ac_contacts SET phone = ?1 WHERE id = ?2 AND coalesce(phone,'') <> ?1"}};
	char v[400];
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		if (!sbx_jget_text(c, fields[i][0], v, sizeof v))
			continue;
		sqlite3_stmt *st = sbx_db_prep(db, fields[i][1]);
		if (!st)
			continue;
		sqlite3_bind_text(st, 1, v, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 2, id);
		sqlite3_step(st);
		sqlite3_finalize(st);
		changed += sqlite3_changes(db) > 0;
	}
	if (changed)
		sbx_counter_add(db, "ac_import_fields_written", changed);
	json_object *arr;
	if (json_object_object_get_ex(c, "tags", &arr) && json_object_is_type(arr, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(arr); i++) {
			const char *name = json_object_get_string(json_object_array_get_idx(arr, i));
			int64_t tag = name && *name ? tag_by_name(r, name) : 0;
			if (!tag)
				continue;
			sqlite3_stmt *st = sbx_db_prep(db, "INSERT INTO ac_contact_tags(contact, tag, cdate_ms)"
			                                   " VALUES(?1, ?2, ?3) ON CONFLICT(contact, tag) DO NOTHING");
			if (!st)
				continue;
			sqlite3_bind_int64(st, 1, id);
			sqlite3_bind_int64(st, 2, tag);
			sqlite3_bind_int64(st, 3, r->now_ms - r->now_ms % 1000);
			sqlite3_step(st);
			sqlite3_finalize(st);
			if (sqlite3_changes(db)) {
				sbx_counter_add(db, "ac_import_tags_added", 1);
				changed++;
			}
		}
	}
	/* subscribe first, then unsubscribe: a list named in both ends unsubscribed. A list the
	 * contact unsubscribed from is not subscribed again (AC's rule for imports). */
	static const char *const moves[] = {"subscribe", "unsubscribe"};
	for (int m = 0; m < 2; m++) {
		if (!json_object_object_get_ex(c, moves[m], &arr) || !json_object_is_type(arr, json_type_array))
			continue;
		for (size_t i = 0; i < json_object_array_length(arr); i++) {
			int64_t list;
			if (!sbx_jget_int(json_object_array_get_idx(arr, i), "listid", &list) || !list_exists(r, list))
				continue;
			if (m == 0 && list_status(r, id, list) == 2)
				continue;
			if (sbx_ac_set_list_status(r, id, list, m == 0 ? 1 : 2, "api",
			                           m == 1 ? "Unsubscribed via import" : NULL, r->now_ms)) {
				sbx_counter_add(db, m == 0 ? "ac_import_subscribes" : "ac_import_unsubscribes", 1);
				changed++;
			}
		}
	}
	if (changed)
		sbx_ac_touch_contact(db, id, r->now_ms);
	return id;
}

void sbx_ac_import_post(sbx_req *r)
{
	if (r->body_len > IMPORT_MAX_BYTES) {
		refuse_one(r, "JSON payload did not pass validation. The import was not queued for processing.",
		           "The request payload must be smaller than 400000 bytes.");
		return;
	}
	json_object *root = sbx_req_json_body(r), *contacts;
	if (!root)
		return;
	if (!json_object_object_get_ex(root, "contacts", &contacts) ||
	    !json_object_is_type(contacts, json_type_array) || json_object_array_length(contacts) == 0) {
		refuse_one(r, "JSON payload did not pass validation. The import was not queued for processing.",
		           "'contacts' is a required field.");
		goto out;
	}
	size_t n = json_object_array_length(contacts);
	if (n > IMPORT_MAX_CONTACTS) {
		refuse_one(r, "JSON payload did not pass validation. The import was not queued for processing.",
		           "Up to 250 contacts may be included in a single request.");
		sbx_counter_add(r->app->db, "ac_imports_refused", 1);
		goto out;
	}
	int single = n == 1;
	int64_t limit = single ? IMPORT_SINGLE_PER_MINUTE : sbx_knob_int("ac_import_rate_limit");
	if (limit > 0 && recent_imports(r, single) >= limit) {
		char why[200];
		snprintf(why, sizeof why,
		         "Up to %lld imports may be requested per minute.Please batch contacts into larger requests,"
		         " or retry this request in a minute.",
		         (long long)limit);
		refuse_one(r, "Rate limit exceeded.", why);
		sbx_counter_add(r->app->db, "ac_imports_rate_limited", 1);
		goto out;
	}
	/* Validation first: one bad contact refuses the whole import, nothing written. */
	json_object *reasons = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		json_object *c = json_object_array_get_idx(contacts, i);
		char email[320] = "", lc[320];
		if (json_object_is_type(c, json_type_object))
			sbx_jget_text(c, "email", email, sizeof email);
		sbx_lower_trim(email, lc, sizeof lc);
		if (!sbx_ac_valid_email(lc)) {
			json_object *f = json_object_new_object();
			json_object_object_add(f, "contact", sbx_jint((int64_t)i));
			json_object_object_add(f, "failureReason", sbx_jstr("Field 'email' incorrect format"));
			json_object_array_add(reasons, f);
		}
	}
	if (json_object_array_length(reasons)) {
		refuse(r, "JSON payload did not pass validation. Please fix failure Reasons and retry. The import was"
		          " not queued for processing.",
		       reasons);
		sbx_counter_add(r->app->db, "ac_imports_refused", 1);
		goto out;
	}
	json_object_put(reasons);
	json_object *success = json_object_new_array(), *failure = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		json_object *c = json_object_array_get_idx(contacts, i);
		int64_t id = import_one(r, c);
		if (id) {
			json_object_array_add(success, sbx_jstrf("%lld", (long long)id));
		} else {
			char email[320], lc[320];
			sbx_jget_text(c, "email", email, sizeof email);
			sbx_lower_trim(email, lc, sizeof lc);
			json_object_array_add(failure, sbx_jstr(lc));
		}
	}
	/* exclude_automations: AC's example puts it in each contact; take it from there or the top. */
	int excl = 0;
	json_object *x;
	if (json_object_object_get_ex(root, "exclude_automations", &x))
		excl = json_object_get_boolean(x);
	json_object *c0 = json_object_array_get_idx(contacts, 0);
	if (json_object_object_get_ex(c0, "exclude_automations", &x))
		excl |= json_object_get_boolean(x);
	char hex[33], batch[40];
	sbx_rand_token(hex, sizeof hex, "0123456789abcdef");
	snprintf(batch, sizeof batch, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
	sqlite3_stmt *st = sbx_db_prep(r->app->db, "INSERT INTO ac_imports(batch, created_ms, contacts, success,"
	                                           " failure, exclude_automations) VALUES(?1, ?2, ?3, ?4, ?5, ?6)");
	if (st) {
		sqlite3_bind_text(st, 1, batch, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 2, r->now_ms);
		sqlite3_bind_int64(st, 3, (int64_t)n);
		sqlite3_bind_text(st, 4, json_object_to_json_string(success), -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 5, json_object_to_json_string(failure), -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(st, 6, excl);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
	json_object_put(success);
	json_object_put(failure);
	sbx_counter_add(r->app->db, "ac_imports", 1);
	sbx_counter_add(r->app->db, "ac_import_contacts", (int64_t)n);
	json_object *o = json_object_new_object();
	json_object_object_add(o, "Success", sbx_jint(1));
	json_object_object_add(o, "queued_contacts", sbx_jint((int64_t)n));
	json_object_object_add(o, "batchId", sbx_jstr(batch));
	json_object_object_add(o, "message", sbx_jstr("Contact import queued"));
	sbx_resp_json(r, 200, o);
out:
	json_object_put(root);
}

void sbx_ac_import_info(sbx_req *r)
{
	char batch[64] = "";
	if (!sbx_req_query(r, "batchId", batch, sizeof batch) || !*batch) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "success", sbx_jint(0));
		json_object_object_add(o, "message", sbx_jstr("'batchId' is a required field."));
		sbx_resp_json(r, 400, o);
		return;
	}
	sqlite3_stmt *st = sbx_db_prep(r->app->db, "SELECT created_ms, polls, success, failure FROM ac_imports"
	                                           " WHERE batch = ?1");
	if (!st)
		return;
	sqlite3_bind_text(st, 1, batch, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		sbx_resp_error(r, 404, "NOT_FOUND", "No Result found for Batch with id %s", batch);
		return;
	}
	int64_t created = sqlite3_column_int64(st, 0), polls = sqlite3_column_int64(st, 1);
	json_object *o = json_object_new_object();
	if (r->now_ms - created < 1000) {
		/* AC: called within a second of the import, status may be false (a boolean) */
		json_object_object_add(o, "status", sbx_jbool(0));
	} else if (polls < sbx_knob_int("ac_import_poll_count")) {
		json_object_object_add(o, "status", sbx_jstr("active"));
	} else {
		json_object_object_add(o, "status", sbx_jstr("completed"));
		json_object_object_add(o, "success", json_tokener_parse((const char *)sqlite3_column_text(st, 2)));
		json_object_object_add(o, "failure", json_tokener_parse((const char *)sqlite3_column_text(st, 3)));
	}
	sqlite3_finalize(st);
	if (r->now_ms - created >= 1000) {
		st = sbx_db_prep(r->app->db, "UPDATE ac_imports SET polls = polls + 1 WHERE batch = ?1");
		if (st) {
			sqlite3_bind_text(st, 1, batch, -1, SQLITE_TRANSIENT);
			sqlite3_step(st);
			sqlite3_finalize(st);
		}
	}
	sbx_counter_add(r->app->db, "ac_import_info_calls", 1);
	sbx_resp_json(r, 200, o);
}
