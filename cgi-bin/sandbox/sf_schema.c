/* sf_schema.c - Contact, Lead, the person Account and their History objects: fields, access, values,
 * and the one record-update path every Salesforce write goes through.
 *
 * Person Accounts (knob person_accounts): a person account is one sf_records row, its mirror Contact
 * (the "person contact"), with the Account's id in account_id. Account reads it with the Person*
 * names, Contact with IsPersonAccount = true; both show one SystemModstamp, as Salesforce keeps the
 * two rows' times equal. With the knob off the person fields do not exist, as in an org without
 * the feature. */
#include "sf_schema.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COMMON_PERSON                                                                                        \
	{"Id", "t.id", 'i', 0, NULL, NULL, 18, 0},                                                           \
	    {"IsDeleted", "t.deleted", 'b', 0, "Deleted", NULL, 0, 0},                                       \
	    {"FirstName", "t.first_name", 's', 1, "First Name", NULL, 40, 1},                                \
	    {"LastName", "t.last_name", 's', 1, "Last Name", NULL, 80, 0},                                   \
	    {"Name",      "trim(coalesce(t.first_name, '') || ' ' || coalesce(t.last_name, ''))",            \
	     's',         0,                                                                                 \
	     "Full Name", NULL,                                                                              \
	     121,         0},                                                                                \
	    {"Email", "t.email", 'e', 1, "Email", NULL, 80, 1},                                              \
	    {"Phone", "t.phone", 'p', 1, "Phone", NULL, 40, 1},                                              \
	    {"HasOptedOutOfEmail", "t.opted_out", 'b', 1, "Email Opt Out", NULL, 0, 0},                      \
	    {"CreatedDate", "t.created_ms", 'd', 0, "Created Date", NULL, 0, 0},                             \
	    {"LastModifiedDate", "t.modified_ms", 'd', 0, "Last Modified Date", NULL, 0, 0},                 \
	{                                                                                                    \
		"SystemModstamp", "t.modstamp_ms", 'd', 0, "System Modstamp", NULL, 0, 0                     \
	}

static const sbx_sf_field contact_fields[] = {
    COMMON_PERSON,
    {"IsPersonAccount", "(t.account_id IS NOT NULL)", 'b', 0, "Is Person Account", NULL, 0, 0},
    {"AccountId", "t.account_id", 'r', 0, "Account ID", "Account", 18, 1},
    {NULL, NULL, 0, 0, NULL, NULL, 0, 0}};
/* Only person accounts live here (the sandbox keeps no business accounts). */
static const sbx_sf_field account_fields[] = {
    {"Id", "t.account_id", 'i', 0, NULL, NULL, 18, 0},
    {"IsDeleted", "t.deleted", 'b', 0, "Deleted", NULL, 0, 0},
    {"Name", "trim(coalesce(t.first_name, '') || ' ' || coalesce(t.last_name, ''))", 's', 0, "Account Name",
     NULL, 255, 0},
    {"IsPersonAccount", "1", 'b', 0, "Is Person Account", NULL, 0, 0},
    {"FirstName", "t.first_name", 's', 1, "First Name", NULL, 40, 1},
    {"LastName", "t.last_name", 's', 1, "Last Name", NULL, 80, 1},
    {"PersonEmail", "t.email", 'e', 1, "Email", NULL, 80, 1},
    {"PersonHasOptedOutOfEmail", "t.opted_out", 'b', 1, "Email Opt Out", NULL, 0, 0},
    {"PersonContactId", "t.id", 'r', 0, "Person Contact ID", "Contact", 18, 1},
    {"Phone", "t.phone", 'p', 1, "Phone", NULL, 40, 1},
    {"CreatedDate", "t.created_ms", 'd', 0, "Created Date", NULL, 0, 0},
    {"LastModifiedDate", "t.modified_ms", 'd', 0, "Last Modified Date", NULL, 0, 0},
    {"SystemModstamp", "t.modstamp_ms", 'd', 0, "System Modstamp", NULL, 0, 0},
    {NULL, NULL, 0, 0, NULL, NULL, 0, 0}};
/* A field history object (ContactHistory, LeadHistory, AccountHistory): the same fields, named
 * for the object whose field moved. */
#define HISTORY_FIELDS(label, parent, parent_label, parent_object)                                  \
	{"Id", "t.id", 'i', 0, label " History ID", NULL, 18, 0},                                   \
	    {"IsDeleted", "0", 'b', 0, "Deleted", NULL, 0, 0},                                      \
	    {parent, "t.parent_id", 'r', 0, parent_label, parent_object, 18, 0},                    \
	    {"CreatedById", "'005'", 'u', 0, "Created By ID", "User", 18, 0},                       \
	    {"CreatedDate", "t.created_ms", 'd', 0, "Created Date", NULL, 0, 0},                    \
	    {"Field", "t.field", 'k', 0, "Changed Field", NULL, 255, 0},                            \
	    {"DataType", "'Boolean'", 'k', 0, "Data Type", NULL, 40, 1},                            \
	    {"OldValue", "t.old_value", 'a', 0, "Old Value", NULL, 0, 1},                           \
	    {"NewValue", "t.new_value", 'a', 0, "New Value", NULL, 0, 1}
static const sbx_sf_field account_history_fields[] = {
    HISTORY_FIELDS("Account", "AccountId", "Account ID", "Account"),
    {NULL, NULL, 0, 0, NULL, NULL, 0, 0}};
static const sbx_sf_field lead_fields[] = {
    COMMON_PERSON,
    {"Company", "t.company", 's', 1, "Company", NULL, 255, 0},
    {"Status", "t.lead_status", 'k', 1, "Status", NULL, 40, 0},
    {"IsConverted", "t.is_converted", 'b', 0, "Converted", NULL, 0, 0},
    {"ConvertedDate", "t.converted_ms", 'D', 0, "Converted Date", NULL, 0, 1},
    {"ConvertedContactId", "t.converted_contact_id", 'r', 0, "Converted Contact ID", "Contact", 18, 1},
    {"ConvertedAccountId", "t.converted_account_id", 'r', 0, "Converted Account ID", "Account", 18, 1},
    {NULL, NULL, 0, 0, NULL, NULL, 0, 0}};
static const sbx_sf_field contact_history_fields[] = {
    HISTORY_FIELDS("Contact", "ContactId", "Contact ID", "Contact"),
    {NULL, NULL, 0, 0, NULL, NULL, 0, 0}};
static const sbx_sf_field lead_history_fields[] = {
    HISTORY_FIELDS("Lead", "LeadId", "Lead ID", "Lead"),
    {NULL, NULL, 0, 0, NULL, NULL, 0, 0}};

static const sbx_sf_object objects[] = {
    {"Contact", "Contact", "003", "sf_records t WHERE t.type = 'Contact' AND t.deleted = 0",
     "sf_records t WHERE t.type = 'Contact'", contact_fields, 1},
    {"Lead", "Lead", "00Q", "sf_records t WHERE t.type = 'Lead' AND t.deleted = 0",
     "sf_records t WHERE t.type = 'Lead'", lead_fields, 1},
    {"Account", "Account", "001",
     "sf_records t WHERE t.type = 'Contact' AND t.account_id IS NOT NULL AND t.deleted = 0",
     "sf_records t WHERE t.type = 'Contact' AND t.account_id IS NOT NULL", account_fields, 1},
    {"AccountHistory", "Account History", "017", "sf_history t WHERE t.type = 'AccountHistory'",
     "sf_history t WHERE t.type = 'AccountHistory'", account_history_fields, 0},
    {"ContactHistory", "Contact History", "017", "sf_history t WHERE t.type = 'ContactHistory'",
     "sf_history t WHERE t.type = 'ContactHistory'", contact_history_fields, 0},
    {"LeadHistory", "Lead History", "017", "sf_history t WHERE t.type = 'LeadHistory'",
     "sf_history t WHERE t.type = 'LeadHistory'", lead_history_fields, 0},
    {NULL, NULL, NULL, NULL, NULL, NULL, 0}};

const sbx_sf_object *sbx_sf_object_find(const char *name)
{
	for (const sbx_sf_object *o = objects; o->name; o++)
		if (sbx_ieq(o->name, name)) {
			/* The sandbox emulates Account only as the home of person accounts. */
			if (strncmp(o->name, "Account", 7) == 0 && !sbx_knob_int("person_accounts"))
				return NULL;
			return o;
		}
	return NULL;
}

/* The fields an org has only with Person Accounts enabled. */
static int person_field(const char *object, const char *field)
{
	return strncmp(field, "Person", 6) == 0 || strcmp(field, "IsPersonAccount") == 0 ||
	       (strcmp(object, "Contact") == 0 && strcmp(field, "AccountId") == 0);
}

int sbx_sf_field_access(const char *object, const char *field)
{
	if (person_field(object, field) && !sbx_knob_int("person_accounts"))
		return 0;
	if (strcmp(field, "HasOptedOutOfEmail") != 0 && strcmp(field, "PersonHasOptedOutOfEmail") != 0)
		return 2;
	json_object *fa = sbx_knob_obj("field_access"), *v;
	if (!fa || !json_object_object_get_ex(fa, object, &v) || !json_object_is_type(v, json_type_string))
		return 2;
	const char *s = json_object_get_string(v);
	return strcmp(s, "none") == 0 ? 0 : strcmp(s, "read") == 0 ? 1 : 2;
}

const sbx_sf_field *sbx_sf_field_find(const sbx_sf_object *o, const char *name)
{
	for (const sbx_sf_field *f = o->fields; f->name; f++)
		if (sbx_ieq(f->name, name))
			return o->writable && sbx_sf_field_access(o->name, f->name) == 0 ? NULL : f;
	return NULL;
}

int sbx_sf_field_updateable(const sbx_sf_object *o, const sbx_sf_field *f)
{
	return f->updateable && o->writable && sbx_sf_field_access(o->name, f->name) == 2;
}

static void day_of(int64_t ms, char *out, size_t n)
{
	char t[40];
	sbx_fmt_sf_time(ms, t, sizeof t);
	snprintf(out, n, "%.10s", t);
}

json_object *sbx_sf_value_json(const sbx_sf_field *f, sqlite3_stmt *st, int col)
{
	if (f->type == 'u') {
		char u[19];
		sbx_sf_make_id("005", 1, u);
		return sbx_jstr(u);
	}
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return NULL;
	char t[40];
	switch (f->type) {
	case 'b':
	case 'a':
		return sbx_jbool(sqlite3_column_int(st, col));
	case 'd':
		sbx_fmt_sf_time(sqlite3_column_int64(st, col), t, sizeof t);
		return sbx_jstr(t);
	case 'D':
		day_of(sqlite3_column_int64(st, col), t, sizeof t);
		return sbx_jstr(t);
	default:
		return sbx_jstr((const char *)sqlite3_column_text(st, col));
	}
}

void sbx_sf_record_url(const char *version, const char *type, const char *id, char *out, size_t n)
{
	snprintf(out, n, "/services/data/%s/sobjects/%s/%s", version, type, id);
}

int64_t sbx_sf_id_serial(const char *id18)
{
	static const char b62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	if (strlen(id18) < 15 || strncmp(id18 + 3, "Sb", 2) != 0)
		return -1;
	int64_t v = 0;
	for (int i = 5; i < 15; i++) {
		const char *p = strchr(b62, id18[i]);
		if (!p || !*p)
			return -1;
		v = v * 62 + (p - b62);
	}
	return v;
}

/* htype: ContactHistory, LeadHistory or AccountHistory; field as that history names it. */
static void add_history(sbx_req *r, const char *htype, const char *id, const char *field, int old, int now_val,
                        int64_t at)
{
	char hid[19];
	sbx_sf_make_id("017", sbx_db_next_serial(r->app->db, "history"), hid);
	sqlite3_stmt *st =
	    sbx_db_prep(r->app->db, "INSERT INTO sf_history(id, type, parent_id, field, old_value, new_value,"
	                            " created_ms) VALUES(?1, ?2, ?3, ?7, ?4, ?5, ?6)");
	if (!st)
		return;
	sqlite3_bind_text(st, 1, hid, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, htype, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, field, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 4, old);
	sqlite3_bind_int(st, 5, now_val);
	sqlite3_bind_int64(st, 6, at);
	sqlite3_step(st);
	sqlite3_finalize(st);
}

void sbx_sf_write_fields(sbx_req *r, const char *type, const char *id, json_object *fields, int64_t at_ms)
{
	sqlite3 *db = r->app->db;
	const sbx_sf_object *o = sbx_sf_object_find(type);
	at_ms -= at_ms % 1000; /* Salesforce keeps datetimes to the second */
	int old = -1;
	char account[19] = "";
	sqlite3_stmt *st = sbx_db_prep(db, "SELECT opted_out, account_id FROM sf_records WHERE id = ?1");
	if (st) {
		sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(st) == SQLITE_ROW) {
			old = sqlite3_column_int(st, 0);
			if (sqlite3_column_type(st, 1) != SQLITE_NULL)
				sbx_str_copy(account, sizeof account, (const char *)sqlite3_column_text(st, 1));
		}
		sqlite3_finalize(st);
	}
	json_object_object_foreach(fields, k, v)
	{
		const sbx_sf_field *f = o ? sbx_sf_field_find(o, k) : NULL;
		if (!f || strncmp(f->col, "t.", 2) != 0)
			continue;
		char sql[160];
		/* the column comes from the schema table above, never from the request */
		snprintf(sql, sizeof sql, "UPDATE sf_records SET %s = ?1 WHERE id = ?2", f->col + 2);
		st = sbx_db_prep(db, sql);
		if (!st)
			continue;
		if (!v)
			sqlite3_bind_null(st, 1);
		else if (f->type == 'b')
			sqlite3_bind_int(st, 1, json_object_get_boolean(v));
		else
			sqlite3_bind_text(st, 1, json_object_get_string(v), -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, id, -1, SQLITE_TRANSIENT);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
	st = sbx_db_prep(db, "UPDATE sf_records SET modified_ms = ?1, modstamp_ms = ?1 WHERE id = ?2");
	if (st) {
		sqlite3_bind_int64(st, 1, at_ms);
		sqlite3_bind_text(st, 2, id, -1, SQLITE_TRANSIENT);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
	json_object *nv;
	if (!json_object_object_get_ex(fields, "HasOptedOutOfEmail", &nv))
		json_object_object_get_ex(fields, "PersonHasOptedOutOfEmail", &nv);
	if (old < 0 || !nv || json_object_get_boolean(nv) == old)
		return;
	/* A person account's change is two change events, the Account's and its person Contact's
	 * (CDC guide, "Updating a Person Account"); sbx_stream_emit sends both. */
	sbx_stream_emit(r, *account ? "Account" : type, *account ? account : id, *account ? id : NULL,
	                json_object_get_boolean(nv), at_ms);
	if (!sbx_knob_int("field_history"))
		return;
	/* A person account's box is kept on the Account's history, under its Person name. */
	if (*account)
		add_history(r, "AccountHistory", account, "PersonHasOptedOutOfEmail", old,
		            json_object_get_boolean(nv), at_ms);
	else
		add_history(r, strcmp(type, "Lead") == 0 ? "LeadHistory" : "ContactHistory", id,
		            "HasOptedOutOfEmail", old, json_object_get_boolean(nv), at_ms);
}

int sbx_sf_update_optout(sbx_req *r, const char *id, int value, int64_t at_ms)
{
	char type[16] = "";
	sqlite3_stmt *st = sbx_db_prep(r->app->db, "SELECT type FROM sf_records WHERE id = ?1");
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW)
		sbx_str_copy(type, sizeof type, (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	if (!*type)
		return -1;
	json_object *f = json_object_new_object();
	json_object_object_add(f, "HasOptedOutOfEmail", sbx_jbool(value));
	sbx_sf_write_fields(r, type, id, f, at_ms);
	json_object_put(f);
	return 0;
}

int sbx_sf_check_record_faults(sbx_req *r, const char *id, char *code, size_t codesz, char *msg, size_t msgsz)
{
	json_object *always = sbx_knob_obj("fail_always"), *once = sbx_knob_obj("fail_once");
	const char *hit_code = NULL, *hit_msg = NULL;
	for (size_t i = 0;
	     always && json_object_is_type(always, json_type_array) && i < json_object_array_length(always);
	     i++) {
		json_object *e = json_object_array_get_idx(always, i), *v;
		if (json_object_object_get_ex(e, "id", &v) && strcmp(json_object_get_string(v), id) == 0) {
			json_object_object_get_ex(e, "code", &v);
			hit_code = json_object_get_string(v);
			if (json_object_object_get_ex(e, "message", &v))
				hit_msg = json_object_get_string(v);
			break;
		}
	}
	char once_code[80] = "", once_msg[256] = "";
	if (!hit_code && once && json_object_is_type(once, json_type_array)) {
		json_object *rest = json_object_new_array();
		int taken = 0;
		for (size_t i = 0; i < json_object_array_length(once); i++) {
			json_object *e = json_object_array_get_idx(once, i), *v;
			if (!taken && json_object_object_get_ex(e, "id", &v) &&
			    strcmp(json_object_get_string(v), id) == 0) {
				taken = 1;
				json_object_object_get_ex(e, "code", &v);
				sbx_str_copy(once_code, sizeof once_code, json_object_get_string(v));
				if (json_object_object_get_ex(e, "message", &v))
					sbx_str_copy(once_msg, sizeof once_msg, json_object_get_string(v));
				continue;
			}
			json_object_array_add(rest, json_object_get(e));
		}
		if (taken) {
			hit_code = once_code;
			hit_msg = *once_msg ? once_msg : NULL;
			sbx_knob_set_json(r->app->db, "fail_once",
			                  json_object_array_length(rest) ? rest : NULL);
			if (!json_object_array_length(rest))
				json_object_put(rest);
		} else {
			json_object_put(rest);
		}
	}
	if (!hit_code && sbx_knob_num("record_error_rate") > 0 &&
	    sbx_fault_rand01(r->app) < sbx_knob_num("record_error_rate"))
		hit_code = "UNABLE_TO_LOCK_ROW";
	if (!hit_code)
		return 0;
	sbx_str_copy(code, codesz, hit_code);
	if (hit_msg)
		sbx_str_copy(msg, msgsz, hit_msg);
	else if (strcmp(hit_code, "UNABLE_TO_LOCK_ROW") == 0)
		snprintf(msg, msgsz, "unable to obtain exclusive access to this record or 1 records: %s", id);
	else
		snprintf(msg, msgsz, "%s: failure injected by the sandbox", hit_code);
	return -1;
}

static int looks_like_email(const char *e)
{
	const char *at = strchr(e, '@');
	return at && at != e && strchr(at, '.') && !strpbrk(e, " ,;<>") && strlen(e) <= 80;
}

#define FAIL(c, f, ...)                                                                                      \
	do {                                                                                                 \
		sbx_str_copy(code, codesz, c);                                                               \
		sbx_str_copy(field, fieldsz, f);                                                             \
		snprintf(msg, msgsz, __VA_ARGS__);                                                           \
		json_object_put(clean);                                                                      \
		return -1;                                                                                   \
	} while (0)

int sbx_sf_update_record(sbx_req *r, const char *type, const char *id_in, json_object *fields, char *code,
                         size_t codesz, char *msg, size_t msgsz, char *field, size_t fieldsz, char id_out[19])
{
	const sbx_sf_object *o = sbx_sf_object_find(type);
	json_object *clean = json_object_new_object();
	*field = '\0';
	id_out[0] = '\0';
	if (!o || !o->writable)
		FAIL("INVALID_TYPE", "", "sObject type '%s' is not supported for update.", type);
	if (!id_in || !*id_in)
		FAIL("MISSING_ARGUMENT", "", "Id not specified in an update call");
	if (sbx_sf_norm_id(id_in, id_out) != 0)
		FAIL("MALFORMED_ID", "Id", "%s ID: id value of incorrect type: %.40s", o->name, id_in);
	if (strncmp(id_out, o->prefix, 3) != 0)
		FAIL("MALFORMED_ID", "Id", "%s ID: id value of incorrect type: %s", o->name, id_out);
	json_object_object_foreach(fields, k, v)
	{
		if (strcmp(k, "attributes") == 0 || sbx_ieq(k, "Id"))
			continue;
		const sbx_sf_field *f = sbx_sf_field_find(o, k);
		if (!f)
			FAIL("INVALID_FIELD", k, "No such column '%.60s' on sobject of type %s", k, o->name);
		if (!sbx_sf_field_updateable(o, f))
			FAIL("INVALID_FIELD_FOR_INSERT_UPDATE", f->name,
			     "Unable to create/update fields: %s. Please check the security settings of this "
			     "field and "
			     "verify that it is read/write for your profile or permission set.",
			     f->name);
		if (f->type == 'b') {
			int b = 0;
			if (v && json_object_is_type(v, json_type_boolean))
				b = json_object_get_boolean(v);
			else if (v && json_object_is_type(v, json_type_string) &&
			         sbx_ieq(json_object_get_string(v), "true"))
				b = 1;
			else if (v && json_object_is_type(v, json_type_string) &&
			         sbx_ieq(json_object_get_string(v), "false"))
				b = 0;
			else
				FAIL("INVALID_TYPE_ON_FIELD_IN_RECORD", f->name,
				     "%s: value not of required type: %.60s", f->name,
				     v ? json_object_to_json_string(v) : "null");
			json_object_object_add(clean, f->name, sbx_jbool(b));
			continue;
		}
		if (v && !json_object_is_type(v, json_type_string))
			FAIL("INVALID_TYPE_ON_FIELD_IN_RECORD", f->name,
			     "%s: value not of required type: %.60s", f->name, json_object_to_json_string(v));
		const char *s = v ? json_object_get_string(v) : NULL;
		if ((!s || !*s) && !f->nillable)
			FAIL("REQUIRED_FIELD_MISSING", f->name, "Required fields are missing: [%s]", f->name);
		if (s && f->length && (int)strlen(s) > f->length)
			FAIL("STRING_TOO_LONG", f->name, "%s: data value too large: %.60s (max length=%d)",
			     f->name, s, f->length);
		if (s && *s && f->type == 'e' && !looks_like_email(s))
			FAIL("INVALID_EMAIL_ADDRESS", f->name, "%s: invalid email address: %.80s", f->name,
			     s);
		json_object_object_add(clean, f->name, s && *s ? sbx_jstr(s) : NULL);
	}
	/* An Account id names its row through account_id; the row itself is the mirror Contact. */
	int account = strcmp(o->name, "Account") == 0;
	sqlite3_stmt *st = sbx_db_prep(
	    r->app->db, account ? "SELECT deleted, is_converted, id, 1 FROM sf_records WHERE account_id = ?1"
	                        : "SELECT deleted, is_converted, id, account_id IS NOT NULL FROM sf_records"
	                          " WHERE id = ?1");
	int found = 0, deleted = 0, converted = 0, person = 0;
	char row[19] = "";
	if (st) {
		sqlite3_bind_text(st, 1, id_out, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(st) == SQLITE_ROW) {
			found = 1;
			deleted = sqlite3_column_int(st, 0);
			converted = sqlite3_column_int(st, 1);
			sbx_str_copy(row, sizeof row, (const char *)sqlite3_column_text(st, 2));
			person = sqlite3_column_int(st, 3);
		}
		sqlite3_finalize(st);
	}
	if (!found)
		FAIL("INVALID_CROSS_REFERENCE_KEY", "", "invalid cross reference id");
	if (deleted)
		FAIL("ENTITY_IS_DELETED", "", "entity is deleted");
	if (converted)
		FAIL("CANNOT_UPDATE_CONVERTED_LEAD", "", "cannot reference converted lead");
	/* A person contact's fields are edited on its person account, never on the Contact. The
	 * documentation says where; the code and words here are the sandbox's (see README). */
	if (person && !account) {
		json_object_object_foreach(clean, pk, pv)
		{
			(void)pv;
			FAIL("INVALID_FIELD_FOR_INSERT_UPDATE", pk,
			     "Unable to create/update fields: %s. Contact %s is a person account's contact:"
			     " update its person account (Account Person fields) instead.",
			     pk, id_out);
		}
	}
	if (sbx_sf_check_record_faults(r, id_out, code, codesz, msg, msgsz) != 0) {
		json_object_put(clean);
		return -1;
	}
	sbx_sf_write_fields(r, o->name, row, clean, r->now_ms);
	sbx_counter_add(r->app->db, "sf_records_updated", 1);
	json_object_put(clean);
	return 0;
}

void sbx_sf_record_state_json(sqlite3 *db, const char *email_lc, json_object *arr)
{
	sqlite3_stmt *st =
	    sbx_db_prep(db, "SELECT id, type, email, opted_out, is_converted, converted_contact_id,"
	                    " modstamp_ms, deleted, first_name, last_name, account_id, converted_account_id FROM sf_records"
	                    " WHERE lower(trim(email)) = ?1 ORDER BY rid");
	if (!st)
		return;
	sqlite3_bind_text(st, 1, email_lc, -1, SQLITE_TRANSIENT);
	while (sqlite3_step(st) == SQLITE_ROW) {
		char t[40];
		json_object *o = json_object_new_object();
		int person = sqlite3_column_type(st, 10) != SQLITE_NULL;
		if (person) { /* one row, shown as the Account it is */
			json_object_object_add(o, "type", sbx_jstr("PersonAccount"));
			json_object_object_add(o, "Id", sbx_jcol_text(st, 10));
			json_object_object_add(o, "PersonContactId", sbx_jcol_text(st, 0));
		} else {
			json_object_object_add(o, "type", sbx_jcol_text(st, 1));
			json_object_object_add(o, "Id", sbx_jcol_text(st, 0));
		}
		json_object_object_add(o, "FirstName", sbx_jcol_text(st, 8));
		json_object_object_add(o, "LastName", sbx_jcol_text(st, 9));
		json_object_object_add(o, "Email", sbx_jcol_text(st, 2));
		json_object_object_add(o, "HasOptedOutOfEmail", sbx_jbool(sqlite3_column_int(st, 3)));
		if (strcmp((const char *)sqlite3_column_text(st, 1), "Lead") == 0) {
			json_object_object_add(o, "IsConverted", sbx_jbool(sqlite3_column_int(st, 4)));
			json_object_object_add(o, "ConvertedContactId", sbx_jcol_text(st, 5));
			json_object_object_add(o, "ConvertedAccountId", sbx_jcol_text(st, 11));
		}
		sbx_fmt_sf_time(sqlite3_column_int64(st, 6), t, sizeof t);
		json_object_object_add(o, "SystemModstamp", sbx_jstr(t));
		json_object_object_add(o, "IsDeleted", sbx_jbool(sqlite3_column_int(st, 7)));
		json_object_array_add(arr, o);
	}
	sqlite3_finalize(st);
}
