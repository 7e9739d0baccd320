/* events.c - what a person does (subscribe, unsubscribe, bounce, tick the box, convert a Lead...),
 * applied as AC or SF would, and the fixture writer for specific test people. */
#include "sf_schema.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int bad(char *msg, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int bad(char *msg, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, n, fmt, ap);
	va_end(ap);
	return -1;
}

/* "at": ISO 8601 text or epoch seconds; absent means now. */
static int event_time(sbx_req *r, json_object *o, int64_t *ms, char *msg, size_t n)
{
	json_object *v;
	*ms = r->now_ms;
	if (!json_object_object_get_ex(o, "at", &v) || !v)
		return 0;
	if (json_object_is_type(v, json_type_int)) {
		*ms = json_object_get_int64(v) * 1000;
		return 0;
	}
	if (json_object_is_type(v, json_type_string) &&
	    sbx_parse_iso_time(json_object_get_string(v), 0, ms) == 0)
		return 0;
	return bad(msg, n, "\"at\" must be an ISO 8601 time or epoch seconds");
}

static int list_ok(sqlite3 *db, int64_t list)
{
	sqlite3_stmt *st = sbx_db_prep(db, "SELECT 1 FROM ac_lists WHERE id = ?1");
	int ok = 0;
	if (!st)
		return 0;
	sqlite3_bind_int64(st, 1, list);
	ok = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return ok;
}

/* First and last name for a new AC contact: given, else from an SF record, else from the address. */
static void names_for(sqlite3 *db, const char *email_lc, json_object *ev, char *first, size_t fn, char *last,
                      size_t ln)
{
	first[0] = last[0] = '\0';
	sbx_jget_text(ev, "first_name", first, fn);
	sbx_jget_text(ev, "last_name", last, ln);
	if (*first || *last)
		return;
	sqlite3_stmt *st =
	    sbx_db_prep(db, "SELECT first_name, last_name FROM sf_records WHERE lower(email) = ?1"
	                    " ORDER BY rid LIMIT 1");
	if (st) {
		sqlite3_bind_text(st, 1, email_lc, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(st) == SQLITE_ROW) {
			sbx_str_copy(first, fn, (const char *)sqlite3_column_text(st, 0));
			sbx_str_copy(last, ln, (const char *)sqlite3_column_text(st, 1));
		}
		sqlite3_finalize(st);
	}
}

static int64_t ensure_ac_contact(sbx_req *r, const char *email, json_object *ev, int64_t at)
{
	int64_t id = sbx_ac_contact_by_email(r->app->db, email);
	if (id)
		return id;
	char lc[320], first[128], last[128];
	sbx_lower_trim(email, lc, sizeof lc);
	names_for(r->app->db, lc, ev, first, sizeof first, last, sizeof last);
	const char *s = email;
	while (isspace((unsigned char)*s))
		s++;
	char typed[320];
	sbx_str_copy(typed, sizeof typed, s);
	size_t n = strlen(typed);
	while (n && isspace((unsigned char)typed[n - 1]))
		typed[--n] = '\0';
	sqlite3_stmt *st =
	    sbx_db_prep(r->app->db, "INSERT INTO ac_contacts(email, email_lc, first_name, last_name, phone,"
	                            " cdate_ms, udate_ms) VALUES(?1, lower(?1), ?2, ?3, '', ?4, ?4)");
	if (!st)
		return 0;
	sqlite3_bind_text(st, 1, typed, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, first, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, last, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, at - at % 1000);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? sqlite3_last_insert_rowid(r->app->db) : 0;
}

/* SF records the event applies to: one "id", or every live record with the email. */
static json_object *sf_targets(sbx_req *r, json_object *ev, const char *email_lc, const char *only_type,
                               int skip_converted)
{
	json_object *ids = json_object_new_array();
	char idin[40], id[19];
	sqlite3_stmt *st;
	if (sbx_jget_text(ev, "id", idin, sizeof idin)) {
		if (sbx_sf_norm_id(idin, id) != 0)
			return ids;
		st = sbx_db_prep(
		    r->app->db,
		    "SELECT id, type, is_converted FROM sf_records WHERE (id = ?1 OR account_id = ?1)"
		    " AND deleted = 0");
		if (!st)
			return ids;
		sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	} else {
		st = sbx_db_prep(r->app->db,
		                 "SELECT id, type, is_converted FROM sf_records WHERE lower(trim(email)) = ?1"
		                 " AND deleted = 0 ORDER BY rid");
		if (!st)
			return ids;
		sqlite3_bind_text(st, 1, email_lc, -1, SQLITE_TRANSIENT);
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (only_type && strcmp((const char *)sqlite3_column_text(st, 1), only_type) != 0)
			continue;
		if (skip_converted && sqlite3_column_int(st, 2))
			continue;
		json_object_array_add(ids, sbx_jstr((const char *)sqlite3_column_text(st, 0)));
	}
	sqlite3_finalize(st);
	return ids;
}

static void set_phone(sbx_req *r, const char *id, const char *phone, int64_t at)
{
	json_object *f = json_object_new_object();
	json_object_object_add(f, "Phone", sbx_jstr(phone));
	char type[16] = "Contact";
	if (strncmp(id, "00Q", 3) == 0)
		snprintf(type, sizeof type, "Lead");
	sbx_sf_write_fields(r, type, id, f, at);
	json_object_put(f);
}

/* Inserts a person account (its mirror Contact row, with an Account id) and fills both ids. */
static int insert_person_account(sbx_req *r, const char *first, const char *last, const char *email, int opted,
                                 int64_t at, char contact[19], char account[19])
{
	sqlite3 *db = r->app->db;
	sbx_sf_make_id("003", sbx_db_next_serial(db, "contact"), contact);
	sbx_sf_make_id("001", sbx_db_next_serial(db, "account"), account);
	sqlite3_stmt *st =
	    sbx_db_prep(db, "INSERT INTO sf_records(id, type, first_name, last_name, email, opted_out,"
	                    " account_id, created_ms, modified_ms, modstamp_ms)"
	                    " VALUES(?1, 'Contact', ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?7)");
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, contact, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, first, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, last, -1, SQLITE_TRANSIENT);
	if (email && *email)
		sqlite3_bind_text(st, 4, email, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, 4);
	sqlite3_bind_int(st, 5, opted);
	sqlite3_bind_text(st, 6, account, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 7, at - at % 1000);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* to_person: convert into a new person account (Person Accounts on), as the convert screen does for
 * a Lead without a company; else onto the Contact with the email, or a new one. */
static int convert(sbx_req *r, const char *lead, int to_person, int64_t at, json_object *result, char *msg,
                   size_t n)
{
	sqlite3 *db = r->app->db;
	at -= at % 1000;
	sqlite3_stmt *st =
	    sbx_db_prep(db, "SELECT email, first_name, last_name, opted_out, phone, is_converted"
	                    " FROM sf_records WHERE id = ?1 AND type = 'Lead' AND deleted = 0");
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, lead, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return bad(msg, n, "no live Lead %s", lead);
	}
	if (sqlite3_column_int(st, 5)) {
		sqlite3_finalize(st);
		return bad(msg, n, "Lead %s is already converted", lead);
	}
	char email[320] = "", first[128] = "", last[128] = "", phone[64] = "";
	sbx_str_copy(email, sizeof email, (const char *)sqlite3_column_text(st, 0));
	sbx_str_copy(first, sizeof first, (const char *)sqlite3_column_text(st, 1));
	sbx_str_copy(last, sizeof last, (const char *)sqlite3_column_text(st, 2));
	sbx_str_copy(phone, sizeof phone, (const char *)sqlite3_column_text(st, 4));
	int opted = sqlite3_column_int(st, 3);
	sqlite3_finalize(st);
	/* convert onto the Contact with the same email, or a new one, as the convert screen proposes */
	char contact[19] = "", account[19] = "";
	if (to_person) {
		if (!sbx_knob_int("person_accounts"))
			return bad(msg, n, "Person Accounts are off (knob person_accounts)");
		if (insert_person_account(r, first, last, email, opted, at, contact, account) < 0)
			return -1;
		json_object_object_add(result, "contact_created", sbx_jbool(1));
		json_object_object_add(result, "account", sbx_jstr(account));
	} else if (*email) {
		st = sbx_db_prep(db, "SELECT id FROM sf_records WHERE type = 'Contact' AND deleted = 0 AND "
		                     "lower(email) = lower(?1)"
		                     " ORDER BY rid LIMIT 1");
		if (st) {
			sqlite3_bind_text(st, 1, email, -1, SQLITE_TRANSIENT);
			if (sqlite3_step(st) == SQLITE_ROW)
				sbx_str_copy(contact, sizeof contact,
				             (const char *)sqlite3_column_text(st, 0));
			sqlite3_finalize(st);
		}
	}
	if (to_person) {
		/* made above */
	} else if (!*contact) {
		sbx_sf_make_id("003", sbx_db_next_serial(db, "contact"), contact);
		st = sbx_db_prep(
		    db, "INSERT INTO sf_records(id, type, first_name, last_name, email, phone, opted_out,"
		        " created_ms, modified_ms, modstamp_ms) VALUES(?1, 'Contact', ?2, ?3, ?4, ?5, ?6, "
		        "?7, ?7, ?7)");
		if (!st)
			return -1;
		sqlite3_bind_text(st, 1, contact, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, first, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 3, last, -1, SQLITE_TRANSIENT);
		if (*email)
			sqlite3_bind_text(st, 4, email, -1, SQLITE_TRANSIENT);
		else
			sqlite3_bind_null(st, 4);
		if (*phone)
			sqlite3_bind_text(st, 5, phone, -1, SQLITE_TRANSIENT);
		else
			sqlite3_bind_null(st, 5);
		sqlite3_bind_int(st, 6, opted);
		sqlite3_bind_int64(st, 7, at);
		sqlite3_step(st);
		sqlite3_finalize(st);
		json_object_object_add(result, "contact_created", sbx_jbool(1));
	} else {
		json_object *f = json_object_new_object();
		sbx_sf_write_fields(r, "Contact", contact, f, at);
		json_object_put(f);
		json_object_object_add(result, "contact_created", sbx_jbool(0));
	}
	st = sbx_db_prep(
	    db, "UPDATE sf_records SET is_converted = 1, converted_contact_id = ?2, converted_ms = ?3,"
	        " converted_account_id = ?4, lead_status = 'Closed - Converted', modified_ms = ?3,"
	        " modstamp_ms = ?3 WHERE id = ?1");
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, lead, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, contact, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, at);
	if (*account)
		sqlite3_bind_text(st, 4, account, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, 4);
	sqlite3_step(st);
	sqlite3_finalize(st);
	json_object_object_add(result, "lead", sbx_jstr(lead));
	json_object_object_add(result, "contact", sbx_jstr(contact));
	return 0;
}

static int bounce(sbx_req *r, int64_t contact, int hard, const char *email, int64_t at, json_object *ev)
{
	sqlite3 *db = r->app->db;
	at -= at % 1000;
	sqlite3_stmt *st = sbx_db_prep(
	    db, hard ? "UPDATE ac_contacts SET bounced_hard = bounced_hard + 1, bounced_date_ms = ?2,"
	               " udate_ms = ?2 WHERE id = ?1"
	             : "UPDATE ac_contacts SET bounced_soft = bounced_soft + 1, bounced_date_ms = ?2,"
	               " udate_ms = ?2 WHERE id = ?1");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, contact);
	sqlite3_bind_int64(st, 2, at);
	sqlite3_step(st);
	sqlite3_finalize(st);
	if (hard) {
		/* a hard bounce marks the address bounced on every list it is active on */
		st = sbx_db_prep(db,
		                 "UPDATE ac_contact_lists SET status = 3, udate_ms = ?2 WHERE contact = ?1 "
		                 "AND status = 1");
		if (st) {
			sqlite3_bind_int64(st, 1, contact);
			sqlite3_bind_int64(st, 2, at);
			sqlite3_step(st);
			sqlite3_finalize(st);
		}
	}
	char code[16] = "", desc[160] = "";
	sbx_str_copy(code, sizeof code, hard ? "5.1.1" : "4.2.2");
	sbx_str_copy(desc, sizeof desc,
	             hard ? "550 5.1.1 The email account that you tried to reach does not exist"
	                  : "452 4.2.2 The email account that you tried to reach is over quota");
	sbx_jget_text(ev, "code", code, sizeof code);
	sbx_jget_text(ev, "description", desc, sizeof desc);
	st = sbx_db_prep(db,
	                 "INSERT INTO ac_bounce_logs(contact, tstamp_ms, email, kind, code, error, campaign)"
	                 " VALUES(?1, ?2, ?3, ?4, ?5, ?6, 1)");
	if (st) {
		sqlite3_bind_int64(st, 1, contact);
		sqlite3_bind_int64(st, 2, at);
		sqlite3_bind_text(st, 3, email, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 4, hard ? "hard" : "soft", -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, code, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 6, desc, -1, SQLITE_TRANSIENT);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
	sbx_buf extra = {0};
	sbx_buf_puts(&extra, "&campaign%5Bid%5D=1&bounce%5Btype%5D=");
	sbx_buf_puts(&extra, hard ? "hard" : "soft");
	sbx_buf_puts(&extra, "&bounce%5Bcode%5D=");
	sbx_url_encode(&extra, code);
	sbx_buf_puts(&extra, "&bounce%5Bdescription%5D=");
	sbx_url_encode(&extra, desc);
	int64_t list = 0;
	sbx_jget_int(ev, "list", &list);
	int q = sbx_webhook_queue(r, "bounce", contact, list, "system", at, extra.p ? extra.p : "");
	sbx_buf_free(&extra);
	return q;
}

int sbx_event_fire(sbx_req *r, json_object *ev, json_object *result, char *msg, size_t msgsz)
{
	sqlite3 *db = r->app->db;
	char type[32] = "", email[320] = "", lc[320] = "", source[16] = "public";
	if (!json_object_is_type(ev, json_type_object) || !sbx_jget_text(ev, "type", type, sizeof type))
		return bad(msg, msgsz, "an event needs \"type\"");
	sbx_jget_text(ev, "email", email, sizeof email);
	sbx_lower_trim(email, lc, sizeof lc);
	sbx_jget_text(ev, "source", source, sizeof source);
	if (strcmp(source, "public") && strcmp(source, "admin") && strcmp(source, "api") &&
	    strcmp(source, "system"))
		return bad(msg, msgsz, "\"source\" is public, admin, api or system");
	int64_t at;
	if (event_time(r, ev, &at, msg, msgsz))
		return -1;
	json_object_object_add(result, "type", sbx_jstr(type));
	if (*lc)
		json_object_object_add(result, "email", sbx_jstr(lc));
	int before = r->deliveries;

	if (!strcmp(type, "subscribe") || !strcmp(type, "unsubscribe") || !strcmp(type, "bounce_hard") ||
	    !strcmp(type, "bounce_soft") || !strcmp(type, "ac_update")) {
		if (!*lc || !strchr(lc, '@'))
			return bad(msg, msgsz, "%s needs \"email\"", type);
		int64_t list = 0;
		int has_list = sbx_jget_int(ev, "list", &list) && list > 0;
		if (has_list && !list_ok(db, list))
			return bad(msg, msgsz, "no AC list %lld", (long long)list);
		int64_t contact = sbx_ac_contact_by_email(db, lc);
		if (!strcmp(type, "subscribe")) {
			contact = ensure_ac_contact(r, email, ev, at);
			if (!contact)
				return bad(msg, msgsz, "could not create the AC contact");
			int changed =
			    sbx_ac_set_list_status(r, contact, has_list ? list : 1, 1, source, NULL, at);
			json_object_object_add(result, "changed", sbx_jbool(changed));
		} else if (!contact) {
			return bad(msg, msgsz, "no AC contact with email %s", lc);
		} else if (!strcmp(type, "unsubscribe")) {
			char reason[256] = "";
			sbx_jget_text(ev, "reason", reason, sizeof reason);
			int changed = 0;
			if (has_list) {
				changed = sbx_ac_set_list_status(r, contact, list, 2, source, reason, at);
			} else {
				/* from every list it is active on, one AC event (and webhook) per list */
				sqlite3_stmt *st = sbx_db_prep(
				    db, "SELECT list FROM ac_contact_lists WHERE contact = ?1 AND status = 1"
				        " ORDER BY list");
				int64_t lists[64];
				int nl = 0;
				if (st) {
					sqlite3_bind_int64(st, 1, contact);
					while (sqlite3_step(st) == SQLITE_ROW && nl < 64)
						lists[nl++] = sqlite3_column_int64(st, 0);
					sqlite3_finalize(st);
				}
				/* "one_webhook": the contact left every list at once (an "unsubscribe from
				 * all" link): AC sends one account-level webhook (list 0) naming each list
				 * in list[][id], instead of one per list. */
				int one = 0;
				json_object *ow;
				if (json_object_object_get_ex(ev, "one_webhook", &ow))
					one = json_object_get_boolean(ow);
				r->hold_webhooks = one;
				for (int i = 0; i < nl; i++)
					changed += sbx_ac_set_list_status(r, contact, lists[i], 2, source,
					                                  reason, at);
				r->hold_webhooks = 0;
				if (one && nl > 0) {
					sbx_buf b = {0};
					sbx_buf_puts(&b, "&unsubscribe%5Breason%5D=");
					sbx_url_encode(&b, reason);
					sbx_buf_puts(&b, "&campaign%5Bid%5D=0");
					for (int i = 0; i < nl; i++) {
						char num[32];
						snprintf(num, sizeof num, "%lld", (long long)lists[i]);
						sbx_buf_puts(&b, "&list%5B%5D%5Bid%5D=");
						sbx_buf_puts(&b, num);
					}
					r->deliveries += sbx_webhook_queue(r, "unsubscribe", contact, 0,
					                                   source, at, b.p ? b.p : "");
					sbx_buf_free(&b);
				}
			}
			json_object_object_add(result, "changed", sbx_jbool(changed > 0));
		} else if (!strcmp(type, "ac_update")) {
			char first[128], last[128];
			if (sbx_jget_text(ev, "first_name", first, sizeof first)) {
				sqlite3_stmt *st =
				    sbx_db_prep(db, "UPDATE ac_contacts SET first_name = ?2 WHERE id = ?1");
				if (st) {
					sqlite3_bind_int64(st, 1, contact);
					sqlite3_bind_text(st, 2, first, -1, SQLITE_TRANSIENT);
					sqlite3_step(st);
					sqlite3_finalize(st);
				}
			}
			if (sbx_jget_text(ev, "last_name", last, sizeof last)) {
				sqlite3_stmt *st =
				    sbx_db_prep(db, "UPDATE ac_contacts SET last_name = ?2 WHERE id = ?1");
				if (st) {
					sqlite3_bind_int64(st, 1, contact);
					sqlite3_bind_text(st, 2, last, -1, SQLITE_TRANSIENT);
					sqlite3_step(st);
					sqlite3_finalize(st);
				}
			}
			sbx_ac_touch_contact(db, contact, at);
			r->deliveries += sbx_webhook_queue(r, "update", contact, 0, source, at, "");
		} else {
			r->deliveries += bounce(r, contact, !strcmp(type, "bounce_hard"), lc, at, ev);
		}
		json_object_object_add(result, "ac_contact", sbx_jstrf("%lld", (long long)contact));
	} else if (!strcmp(type, "sf_check") || !strcmp(type, "sf_uncheck") || !strcmp(type, "sf_edit") ||
	           !strcmp(type, "sf_delete")) {
		json_object *ids = sf_targets(r, ev, lc, NULL, strcmp(type, "sf_delete") != 0);
		size_t n = json_object_array_length(ids);
		if (n == 0) {
			json_object_put(ids);
			return bad(msg, msgsz, "no live (unconverted) Salesforce record for %s",
			           *lc ? lc : "that id");
		}
		char phone[64];
		if (!sbx_jget_text(ev, "phone", phone, sizeof phone))
			snprintf(phone, sizeof phone, "+1 555 %04d", (int)(sbx_fault_rand(r->app) % 10000));
		for (size_t i = 0; i < n; i++) {
			const char *id = json_object_get_string(json_object_array_get_idx(ids, i));
			if (!strcmp(type, "sf_edit")) {
				set_phone(r, id, phone, at);
			} else if (!strcmp(type, "sf_delete")) {
				sqlite3_stmt *st = sbx_db_prep(
				    db,
				    "UPDATE sf_records SET deleted = 1, modified_ms = ?2, modstamp_ms = ?2"
				    " WHERE id = ?1");
				if (st) {
					sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
					sqlite3_bind_int64(st, 2, at - at % 1000);
					sqlite3_step(st);
					sqlite3_finalize(st);
				}
			} else {
				sbx_sf_update_optout(r, id, !strcmp(type, "sf_check"), at);
			}
		}
		json_object_object_add(result, "sf_ids", ids);
	} else if (!strcmp(type, "convert_lead")) {
		json_object *ids = sf_targets(r, ev, lc, "Lead", 1);
		if (json_object_array_length(ids) == 0) {
			json_object_put(ids);
			return bad(msg, msgsz, "no unconverted Lead for %s", *lc ? lc : "that id");
		}
		json_object *pv;
		int to_person = json_object_object_get_ex(ev, "person_account", &pv) && json_object_get_boolean(pv);
		int rc = convert(r, json_object_get_string(json_object_array_get_idx(ids, 0)), to_person, at,
		                 result, msg, msgsz);
		json_object_put(ids);
		if (rc)
			return -1;
	} else if (!strcmp(type, "sf_create")) {
		char otype[16] = "Contact", first[128] = "", last[128] = "Sandbox", id[19];
		sbx_jget_text(ev, "object", otype, sizeof otype);
		if (strcmp(otype, "Contact") && strcmp(otype, "Lead") && strcmp(otype, "PersonAccount"))
			return bad(msg, msgsz, "\"object\" is Contact, Lead or PersonAccount");
		sbx_jget_text(ev, "first_name", first, sizeof first);
		sbx_jget_text(ev, "last_name", last, sizeof last);
		json_object *ov;
		int opted = json_object_object_get_ex(ev, "opted_out", &ov) && json_object_get_boolean(ov);
		if (!strcmp(otype, "PersonAccount")) {
			char account[19];
			if (!sbx_knob_int("person_accounts"))
				return bad(msg, msgsz, "Person Accounts are off (knob person_accounts)");
			if (insert_person_account(r, first, last, email, opted, at, id, account) < 0)
				return -1;
			json_object_object_add(result, "id", sbx_jstr(account));
			json_object_object_add(result, "person_contact_id", sbx_jstr(id));
			json_object_object_add(result, "webhooks_queued", sbx_jint(r->deliveries - before));
			return 0;
		}
		sbx_sf_make_id(!strcmp(otype, "Contact") ? "003" : "00Q",
		               sbx_db_next_serial(db, !strcmp(otype, "Contact") ? "contact" : "lead"), id);
		sqlite3_stmt *st = sbx_db_prep(
		    db, "INSERT INTO sf_records(id, type, first_name, last_name, email, opted_out,"
		        " company, lead_status, created_ms, modified_ms, modstamp_ms)"
		        " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?9)");
		if (!st)
			return -1;
		sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, otype, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 3, first, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 4, last, -1, SQLITE_TRANSIENT);
		if (*email)
			sqlite3_bind_text(st, 5, email, -1, SQLITE_TRANSIENT);
		else
			sqlite3_bind_null(st, 5);
		sqlite3_bind_int(st, 6, opted);
		sqlite3_bind_text(st, 7, !strcmp(otype, "Lead") ? "Sandbox Inc" : NULL, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 8, !strcmp(otype, "Lead") ? "Open - Not Contacted" : NULL, -1,
		                  SQLITE_STATIC);
		sqlite3_bind_int64(st, 9, at - at % 1000);
		sqlite3_step(st);
		sqlite3_finalize(st);
		json_object_object_add(result, "id", sbx_jstr(id));
	} else {
		return bad(msg, msgsz,
		           "unknown event type \"%s\" (subscribe, unsubscribe, bounce_hard, bounce_soft, "
		           "ac_update, sf_check, "
		           "sf_uncheck, sf_edit, sf_delete, sf_create, convert_lead)",
		           type);
	}
	json_object_object_add(result, "webhooks_queued", sbx_jint(r->deliveries - before));
	return 0;
}

/* ---- fixtures: POST control/people ---- */

static int set_lists_exact(sbx_req *r, int64_t contact, json_object *lists, int64_t at, char *msg, size_t n)
{
	sqlite3 *db = r->app->db;
	if (!json_object_is_type(lists, json_type_object))
		return bad(msg, n, "\"lists\" is an object: {\"1\": 1, \"2\": 2} (list id: status 0..3)");
	sqlite3_stmt *st = sbx_db_prep(db, "DELETE FROM ac_contact_lists WHERE contact = ?1");
	if (st) {
		sqlite3_bind_int64(st, 1, contact);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
	json_object_object_foreach(lists, k, v)
	{
		char *end;
		long long list = strtoll(k, &end, 10);
		int64_t status;
		json_object *wrap = json_object_new_object();
		json_object_object_add(wrap, "s", json_object_get(v));
		int ok = sbx_jget_int(wrap, "s", &status);
		json_object_put(wrap);
		/* 91 is a status AC documents beyond 0..3: a membership removed from the contact through the
		 * v1 API's contact_edit in overwrite mode (AC help, "API: contact with 91 as list
		 * subscription status"); contactLists still lists it. */
		if (*end || !list_ok(db, list) || !ok || ((status < 0 || status > 3) && status != 91))
			return bad(msg, n,
			           "lists: \"%s\" must be an existing list id with a status 0..3 or 91", k);
		st =
		    sbx_db_prep(db, "INSERT INTO ac_contact_lists(contact, list, status, sdate_ms, udate_ms) "
		                    "VALUES(?1,?2,?3,?4,?4)");
		if (!st)
			return -1;
		sqlite3_bind_int64(st, 1, contact);
		sqlite3_bind_int64(st, 2, list);
		sqlite3_bind_int64(st, 3, status);
		sqlite3_bind_int64(st, 4, at);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
	return 0;
}

static int tag_contact(sbx_req *r, int64_t contact, const char *tag, int64_t at)
{
	sqlite3 *db = r->app->db;
	int64_t tid = 0;
	sqlite3_stmt *st = sbx_db_prep(db, "SELECT id FROM ac_tags WHERE tag = ?1");
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, tag, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW)
		tid = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (!tid) {
		st = sbx_db_prep(db, "INSERT INTO ac_tags(tag, tag_type, description, cdate_ms) VALUES(?1, "
		                     "'contact', '', ?2)");
		if (!st)
			return -1;
		sqlite3_bind_text(st, 1, tag, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 2, at);
		sqlite3_step(st);
		sqlite3_finalize(st);
		tid = sqlite3_last_insert_rowid(db);
	}
	st = sbx_db_prep(db,
	                 "INSERT OR IGNORE INTO ac_contact_tags(contact, tag, cdate_ms) VALUES(?1, ?2, ?3)");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, contact);
	sqlite3_bind_int64(st, 2, tid);
	sqlite3_bind_int64(st, 3, at);
	sqlite3_step(st);
	sqlite3_finalize(st);
	return 0;
}

static int people_ac(sbx_req *r, const char *email, json_object *in, json_object *ac, int64_t at, char *msg,
                     size_t n)
{
	sqlite3 *db = r->app->db;
	int64_t contact = sbx_ac_contact_by_email(db, email);
	json_object *v;
	if (!ac) {
		/* "ac": null removes the person from AC */
		if (contact) {
			static const char *const del[] = {"DELETE FROM ac_contact_lists WHERE contact = ?1",
			                                  "DELETE FROM ac_contact_tags WHERE contact = ?1",
			                                  "DELETE FROM ac_bounce_logs WHERE contact = ?1",
			                                  "DELETE FROM ac_contacts WHERE id = ?1"};
			for (int i = 0; i < 4; i++) {
				sqlite3_stmt *st = sbx_db_prep(db, del[i]);
				if (!st)
					continue;
				sqlite3_bind_int64(st, 1, contact);
				sqlite3_step(st);
				sqlite3_finalize(st);
			}
		}
		return 0;
	}
	if (!json_object_is_type(ac, json_type_object))
		return bad(msg, n, "\"ac\" is an object or null");
	char typed[320];
	if (!sbx_jget_text(ac, "email", typed, sizeof typed))
		sbx_str_copy(typed, sizeof typed, email);
	if (!contact) {
		contact = ensure_ac_contact(r, typed, in, at);
		if (!contact)
			return bad(msg, n, "could not create the AC contact");
	}
	char first[128], last[128];
	if (sbx_jget_text(in, "first_name", first, sizeof first)) {
		sqlite3_stmt *st = sbx_db_prep(db, "UPDATE ac_contacts SET first_name = ?2 WHERE id = ?1");
		if (st) {
			sqlite3_bind_int64(st, 1, contact);
			sqlite3_bind_text(st, 2, first, -1, SQLITE_TRANSIENT);
			sqlite3_step(st);
			sqlite3_finalize(st);
		}
	}
	if (sbx_jget_text(in, "last_name", last, sizeof last)) {
		sqlite3_stmt *st = sbx_db_prep(db, "UPDATE ac_contacts SET last_name = ?2 WHERE id = ?1");
		if (st) {
			sqlite3_bind_int64(st, 1, contact);
			sqlite3_bind_text(st, 2, last, -1, SQLITE_TRANSIENT);
			sqlite3_step(st);
			sqlite3_finalize(st);
		}
	}
	if (json_object_object_get_ex(ac, "lists", &v) && set_lists_exact(r, contact, v, at, msg, n))
		return -1;
	int64_t hard = -1, soft = -1;
	sbx_jget_int(ac, "bounced_hard", &hard);
	sbx_jget_int(ac, "bounced_soft", &soft);
	if (hard >= 0 || soft >= 0) {
		sqlite3_stmt *st = sbx_db_prep(
		    db,
		    "UPDATE ac_contacts SET bounced_hard = CASE WHEN ?2 >= 0 THEN ?2 ELSE bounced_hard END,"
		    " bounced_soft = CASE WHEN ?3 >= 0 THEN ?3 ELSE bounced_soft END,"
		    " bounced_date_ms = ?4 WHERE id = ?1");
		if (st) {
			sqlite3_bind_int64(st, 1, contact);
			sqlite3_bind_int64(st, 2, hard);
			sqlite3_bind_int64(st, 3, soft);
			sqlite3_bind_int64(st, 4, at);
			sqlite3_step(st);
			sqlite3_finalize(st);
		}
	}
	if (json_object_object_get_ex(ac, "tags", &v)) {
		if (!json_object_is_type(v, json_type_array))
			return bad(msg, n, "\"tags\" is a list of tag names");
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			json_object *t = json_object_array_get_idx(v, i);
			if (!json_object_is_type(t, json_type_string) || !json_object_get_string_len(t))
				return bad(msg, n, "\"tags\" is a list of tag names");
			tag_contact(r, contact, json_object_get_string(t), at);
		}
	}
	sbx_ac_touch_contact(db, contact, at);
	return 0;
}

static int people_sf(sbx_req *r, const char *email, json_object *rec, int64_t at, json_object *ids, char *msg,
                     size_t n)
{
	sqlite3 *db = r->app->db;
	if (!json_object_is_type(rec, json_type_object))
		return bad(msg, n, "each \"sf\" entry is an object");
	char type[16] = "Contact", remail[320], first[128] = "", last[128] = "Sandbox", idin[40], id[19] = "";
	sbx_jget_text(rec, "type", type, sizeof type);
	if (strcmp(type, "Contact") && strcmp(type, "Lead") && strcmp(type, "PersonAccount"))
		return bad(msg, n, "\"type\" is Contact, Lead or PersonAccount");
	int has_email = sbx_jget_text(rec, "email", remail, sizeof remail);
	json_object *v;
	if (json_object_object_get_ex(rec, "email", &v) && !v)
		has_email = -1; /* explicitly no email */
	if (!has_email)
		sbx_str_copy(remail, sizeof remail, email);
	sbx_jget_text(rec, "first_name", first, sizeof first);
	sbx_jget_text(rec, "last_name", last, sizeof last);
	int opted = json_object_object_get_ex(rec, "opted_out", &v) && json_object_get_boolean(v);
	int converted = json_object_object_get_ex(rec, "converted", &v) && json_object_get_boolean(v);
	int deleted = json_object_object_get_ex(rec, "deleted", &v) && json_object_get_boolean(v);
	at -= at % 1000;
	if (sbx_jget_text(rec, "id", idin, sizeof idin)) {
		if (sbx_sf_norm_id(idin, id) != 0)
			return bad(msg, n, "malformed id %s", idin);
		sqlite3_stmt *st =
		    sbx_db_prep(db, "UPDATE sf_records SET opted_out = ?2, deleted = ?3, modified_ms = ?4,"
		                    " modstamp_ms = ?4 WHERE id = ?1 OR account_id = ?1");
		if (!st)
			return -1;
		sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(st, 2, opted);
		sqlite3_bind_int(st, 3, deleted);
		sqlite3_bind_int64(st, 4, at);
		sqlite3_step(st);
		sqlite3_finalize(st);
		if (sqlite3_changes(db) == 0)
			return bad(msg, n, "no Salesforce record %s", id);
	} else if (!strcmp(type, "PersonAccount")) {
		char contact[19];
		if (!sbx_knob_int("person_accounts"))
			return bad(msg, n, "Person Accounts are off (knob person_accounts)");
		if (insert_person_account(r, first, last, has_email >= 0 ? remail : NULL, opted, at, contact,
		                          id) < 0)
			return -1;
	} else {
		sbx_sf_make_id(!strcmp(type, "Contact") ? "003" : "00Q",
		               sbx_db_next_serial(db, !strcmp(type, "Contact") ? "contact" : "lead"), id);
		sqlite3_stmt *st = sbx_db_prep(
		    db, "INSERT INTO sf_records(id, type, first_name, last_name, email, opted_out,"
		        " deleted, company, lead_status, created_ms, modified_ms, modstamp_ms)"
		        " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?10)");
		if (!st)
			return -1;
		sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, type, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 3, first, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 4, last, -1, SQLITE_TRANSIENT);
		if (has_email >= 0)
			sqlite3_bind_text(st, 5, remail, -1, SQLITE_TRANSIENT);
		else
			sqlite3_bind_null(st, 5);
		sqlite3_bind_int(st, 6, opted);
		sqlite3_bind_int(st, 7, deleted);
		sqlite3_bind_text(st, 8, !strcmp(type, "Lead") ? "Sandbox Inc" : NULL, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 9, !strcmp(type, "Lead") ? "Open - Not Contacted" : NULL, -1,
		                  SQLITE_STATIC);
		sqlite3_bind_int64(st, 10, at);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
	if (converted && !strcmp(type, "Lead")) {
		json_object *res = json_object_new_object();
		sqlite3_stmt *st = sbx_db_prep(db, "UPDATE sf_records SET is_converted = 0 WHERE id = ?1");
		if (st) {
			sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
			sqlite3_step(st);
			sqlite3_finalize(st);
		}
		json_object *pv;
		int to_person = json_object_object_get_ex(rec, "converted_to", &pv) &&
		                !strcmp(json_object_get_string(pv), "PersonAccount");
		int rc = convert(r, id, to_person, at, res, msg, n);
		json_object_put(res);
		if (rc)
			return -1;
	}
	json_object_array_add(ids, sbx_jstr(id));
	return 0;
}

int sbx_people_apply(sbx_req *r, json_object *in, json_object *result, char *msg, size_t msgsz)
{
	char email[320] = "", lc[320];
	if (!json_object_is_type(in, json_type_object) || !sbx_jget_text(in, "email", email, sizeof email))
		return bad(msg, msgsz, "a person needs \"email\"");
	sbx_lower_trim(email, lc, sizeof lc);
	if (!strchr(lc, '@'))
		return bad(msg, msgsz, "\"email\" must be an address");
	int64_t at;
	if (event_time(r, in, &at, msg, msgsz))
		return -1;
	at -= at % 1000;
	json_object *v;
	if (json_object_object_get_ex(in, "ac", &v) && people_ac(r, lc, in, v, at, msg, msgsz))
		return -1;
	json_object *ids = json_object_new_array();
	if (json_object_object_get_ex(in, "sf_replace", &v) && json_object_get_boolean(v)) {
		sqlite3_stmt *st =
		    sbx_db_prep(r->app->db, "DELETE FROM sf_records WHERE lower(trim(email)) = ?1");
		if (st) {
			sqlite3_bind_text(st, 1, lc, -1, SQLITE_TRANSIENT);
			sqlite3_step(st);
			sqlite3_finalize(st);
		}
	}
	if (json_object_object_get_ex(in, "sf", &v) && v) {
		if (!json_object_is_type(v, json_type_array)) {
			json_object_put(ids);
			return bad(msg, msgsz, "\"sf\" is a list of records");
		}
		for (size_t i = 0; i < json_object_array_length(v); i++)
			if (people_sf(r, email, json_object_array_get_idx(v, i), at, ids, msg, msgsz)) {
				json_object_put(ids);
				return -1;
			}
	}
	json_object_object_add(result, "sf_ids", ids);
	return 0;
}

json_object *sbx_person_state(sbx_req *r, const char *email)
{
	sqlite3 *db = r->app->db;
	char lc[320];
	sbx_lower_trim(email, lc, sizeof lc);
	json_object *o = json_object_new_object();
	json_object_object_add(o, "email", sbx_jstr(lc));
	int64_t id = sbx_ac_contact_by_email(db, lc);
	if (!id) {
		json_object_object_add(o, "ac", NULL);
	} else {
		json_object *ac = json_object_new_object();
		sqlite3_stmt *st = sbx_db_prep(
		    db, "SELECT email, first_name, last_name, udate_ms, bounced_hard, bounced_soft"
		        " FROM ac_contacts WHERE id = ?1");
		if (st) {
			sqlite3_bind_int64(st, 1, id);
			if (sqlite3_step(st) == SQLITE_ROW) {
				char t[40];
				json_object *c = json_object_new_object();
				json_object_object_add(c, "id", sbx_jstrf("%lld", (long long)id));
				json_object_object_add(c, "email", sbx_jcol_text(st, 0));
				json_object_object_add(c, "firstName", sbx_jcol_text(st, 1));
				json_object_object_add(c, "lastName", sbx_jcol_text(st, 2));
				sbx_fmt_ac_time(sqlite3_column_int64(st, 3), t, sizeof t);
				json_object_object_add(c, "udate", sbx_jstr(t));
				json_object_object_add(c, "bounced_hard",
				                       sbx_jstrf("%d", sqlite3_column_int(st, 4)));
				json_object_object_add(c, "bounced_soft",
				                       sbx_jstrf("%d", sqlite3_column_int(st, 5)));
				json_object_object_add(ac, "contact", c);
			}
			sqlite3_finalize(st);
		}
		json_object *lists = json_object_new_object();
		int active = 0;
		st = sbx_db_prep(
		    db,
		    "SELECT list, status, udate_ms FROM ac_contact_lists WHERE contact = ?1 ORDER BY list");
		if (st) {
			sqlite3_bind_int64(st, 1, id);
			while (sqlite3_step(st) == SQLITE_ROW) {
				char key[24], t[40];
				snprintf(key, sizeof key, "%lld", (long long)sqlite3_column_int64(st, 0));
				json_object *l = json_object_new_object();
				json_object_object_add(l, "status", sbx_jint(sqlite3_column_int(st, 1)));
				sbx_fmt_ac_time(sqlite3_column_int64(st, 2), t, sizeof t);
				json_object_object_add(l, "udate", sbx_jstr(t));
				json_object_object_add(lists, key, l);
				active += sqlite3_column_int(st, 1) == 1;
			}
			sqlite3_finalize(st);
		}
		json_object_object_add(ac, "lists", lists);
		json_object_object_add(ac, "subscribed", sbx_jbool(active > 0));
		json_object *tags = json_object_new_array();
		st = sbx_db_prep(db,
		                 "SELECT t.tag FROM ac_contact_tags ct JOIN ac_tags t ON t.id = ct.tag WHERE "
		                 "ct.contact = ?1"
		                 " ORDER BY ct.id");
		if (st) {
			sqlite3_bind_int64(st, 1, id);
			while (sqlite3_step(st) == SQLITE_ROW)
				json_object_array_add(tags, sbx_jcol_text(st, 0));
			sqlite3_finalize(st);
		}
		json_object_object_add(ac, "tags", tags);
		json_object_object_add(o, "ac", ac);
	}
	json_object *sf = json_object_new_array();
	sbx_sf_record_state_json(db, lc, sf);
	json_object_object_add(o, "sf", sf);
	return o;
}
