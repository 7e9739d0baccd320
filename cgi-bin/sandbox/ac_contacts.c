/* ac_contacts.c - AC contacts: list with filters, create and sync, get, update, delete, bounce logs. */
#include "sbx.h"
#include "sbx_ac.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AC_COLS                                                                                              \
	"c.id, c.email, c.first_name, c.last_name, c.phone, c.cdate_ms, c.udate_ms, c.bounced_hard,"         \
	" c.bounced_soft, c.bounced_date_ms"

json_object *sbx_ac_contact_json(sbx_req *r, sqlite3_stmt *st)
{
	char id[24], t[40];
	snprintf(id, sizeof id, "%lld", (long long)sqlite3_column_int64(st, 0));
	int64_t cdate = sqlite3_column_int64(st, 5), udate = sqlite3_column_int64(st, 6);
	json_object *c = json_object_new_object();
	sbx_fmt_ac_time(cdate, t, sizeof t);
	json_object_object_add(c, "cdate", sbx_jstr(t));
	const char *email = (const char *)sqlite3_column_text(st, 1);
	json_object_object_add(c, "email", sbx_jstr(email));
	json_object_object_add(
	    c, "phone", sbx_jstr(sqlite3_column_text(st, 4) ? (const char *)sqlite3_column_text(st, 4) : ""));
	json_object_object_add(
	    c, "firstName",
	    sbx_jstr(sqlite3_column_text(st, 2) ? (const char *)sqlite3_column_text(st, 2) : ""));
	json_object_object_add(
	    c, "lastName",
	    sbx_jstr(sqlite3_column_text(st, 3) ? (const char *)sqlite3_column_text(st, 3) : ""));
	json_object_object_add(c, "orgid", sbx_jstr("0"));
	json_object_object_add(c, "orgname", sbx_jstr(""));
	json_object_object_add(c, "segmentio_id", sbx_jstr(""));
	json_object_object_add(c, "bounced_hard", sbx_jstrf("%lld", (long long)sqlite3_column_int64(st, 7)));
	json_object_object_add(c, "bounced_soft", sbx_jstrf("%lld", (long long)sqlite3_column_int64(st, 8)));
	if (sqlite3_column_type(st, 9) != SQLITE_NULL) {
		char d[40];
		sbx_fmt_ac_plain(sqlite3_column_int64(st, 9), 0, d, sizeof d);
		d[10] = '\0';
		json_object_object_add(c, "bounced_date", sbx_jstr(d));
	} else {
		json_object_object_add(c, "bounced_date", NULL);
	}
	json_object_object_add(c, "ip", sbx_jstr("0"));
	json_object_object_add(c, "ua", NULL);
	uint64_t h = (uint64_t)sqlite3_column_int64(st, 0) * 0x9e3779b97f4a7c15ULL;
	json_object_object_add(
	    c, "hash",
	    sbx_jstrf("%016llx%016llx", (unsigned long long)h, (unsigned long long)(h ^ 0x5bd1e995ULL) * 31));
	json_object_object_add(c, "socialdata_lastcheck", NULL);
	const char *at = email ? strchr(email, '@') : NULL;
	json_object_object_add(c, "email_local",
	                       at ? sbx_jstrf("%.*s", (int)(at - email), email) : sbx_jstr(""));
	json_object_object_add(c, "email_domain", sbx_jstr(at ? at + 1 : ""));
	json_object_object_add(c, "sentcnt", sbx_jstr("0"));
	json_object_object_add(c, "rating_tstamp", NULL);
	json_object_object_add(c, "gravatar", sbx_jstr("0"));
	json_object_object_add(c, "deleted", sbx_jstr("0"));
	json_object_object_add(c, "anonymized", sbx_jstr("0"));
	json_object_object_add(c, "adate", NULL);
	sbx_fmt_ac_time(udate, t, sizeof t);
	json_object_object_add(c, "udate", sbx_jstr(t));
	json_object_object_add(c, "edate", NULL);
	json_object_object_add(c, "deleted_at", NULL);
	sbx_fmt_ac_plain(cdate, 1, t, sizeof t);
	json_object_object_add(c, "created_utc_timestamp", sbx_jstr(t));
	sbx_fmt_ac_plain(udate, 1, t, sizeof t);
	json_object_object_add(c, "updated_utc_timestamp", sbx_jstr(t));
	sbx_fmt_ac_plain(cdate, 0, t, sizeof t);
	json_object_object_add(c, "created_timestamp", sbx_jstr(t));
	sbx_fmt_ac_plain(udate, 0, t, sizeof t);
	json_object_object_add(c, "updated_timestamp", sbx_jstr(t));
	json_object_object_add(c, "created_by", NULL);
	json_object_object_add(c, "updated_by", NULL);
	json_object_object_add(c, "mpp_tracking", sbx_jstr("0"));
	json_object_object_add(c, "last_click_date", NULL);
	json_object_object_add(c, "last_open_date", NULL);
	json_object_object_add(c, "last_mpp_open_date", NULL);
	json_object_object_add(c, "best_send_hour", sbx_jstr("0"));
	json_object *links = json_object_new_object();
	static const char *const what[] = {"bounceLogs",
	                                   "contactAutomations",
	                                   "contactData",
	                                   "contactGoals",
	                                   "contactLists",
	                                   "contactLogs",
	                                   "contactTags",
	                                   "contactDeals",
	                                   "deals",
	                                   "fieldValues",
	                                   "geoIps",
	                                   "notes",
	                                   "organization",
	                                   "plusAppend",
	                                   "trackingLogs",
	                                   "scoreValues",
	                                   NULL};
	for (int i = 0; what[i]; i++)
		sbx_ac_link(r, links, "contacts", id, what[i]);
	json_object_object_add(c, "links", links);
	json_object_object_add(c, "id", sbx_jstr(id));
	json_object_object_add(c, "organization", NULL);
	return c;
}

/* Runs "SELECT AC_COLS FROM ac_contacts c WHERE c.id = ?" and returns the JSON, or NULL if absent. */
json_object *sbx_ac_contact_by_id(sbx_req *r, int64_t id)
{
	sqlite3_stmt *st = sbx_db_prep(r->app->db, "SELECT " AC_COLS " FROM ac_contacts c WHERE c.id = ?1");
	json_object *o = NULL;
	if (!st)
		return NULL;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		o = sbx_ac_contact_json(r, st);
	sqlite3_finalize(st);
	return o;
}

int sbx_ac_contact_by_email(sqlite3 *db, const char *email)
{
	char lc[320];
	sbx_lower_trim(email, lc, sizeof lc);
	sqlite3_stmt *st = sbx_db_prep(db, "SELECT id FROM ac_contacts WHERE email_lc = ?1");
	int id = 0;
	if (!st)
		return 0;
	sqlite3_bind_text(st, 1, lc, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return id;
}

int64_t sbx_ac_touch_contact(sqlite3 *db, int64_t id, int64_t ms)
{
	ms -= ms % 1000;
	sqlite3_stmt *st = sbx_db_prep(db, "UPDATE ac_contacts SET udate_ms = ?2 WHERE id = ?1");
	if (st) {
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, ms);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
	return ms;
}

typedef struct {
	char sql[2048];
	int n;
	struct {
		int is_int;
		int64_t i;
		char s[400];
	} arg[16];
} qbuild;

static void qadd(qbuild *q, const char *frag)
{
	size_t len = strlen(q->sql);
	snprintf(q->sql + len, sizeof q->sql - len, "%s", frag);
}

static void qint(qbuild *q, const char *frag, int64_t v)
{
	if (q->n >= 16)
		return;
	qadd(q, frag);
	q->arg[q->n].is_int = 1;
	q->arg[q->n++].i = v;
}

static void qtext(qbuild *q, const char *frag, const char *v)
{
	if (q->n >= 16)
		return;
	qadd(q, frag);
	q->arg[q->n].is_int = 0;
	snprintf(q->arg[q->n++].s, sizeof q->arg[0].s, "%s", v);
}

static sqlite3_stmt *qprep(sqlite3 *db, qbuild *q)
{
	sqlite3_stmt *st = sbx_db_prep(db, q->sql);
	for (int i = 0; st && i < q->n; i++) {
		if (q->arg[i].is_int)
			sqlite3_bind_int64(st, i + 1, q->arg[i].i);
		else
			sqlite3_bind_text(st, i + 1, q->arg[i].s, -1, SQLITE_TRANSIENT);
	}
	return st;
}

static int time_filter(sbx_req *r, qbuild *w, const char *param, const char *frag)
{
	char v[128];
	if (!sbx_req_query(r, param, v, sizeof v) || !*v)
		return 0;
	int64_t ms;
	if (sbx_parse_iso_time(v, (int)sbx_knob_int("ac_utc_offset_min"), &ms) != 0) {
		sbx_ac_422(r, 400, "Invalid date in filter", "invalid_filter", param);
		return -1;
	}
	qint(w, frag, ms);
	return 0;
}

void sbx_ac_contacts_list(sbx_req *r)
{
	qbuild w;
	memset(&w, 0, sizeof w);
	char v[400];
	int64_t n;
	if (sbx_req_query(r, "email", v, sizeof v) && *v) {
		char lc[400];
		sbx_lower_trim(v, lc, sizeof lc);
		qtext(&w, " AND c.email_lc = ?", lc);
	}
	if (sbx_req_query(r, "email_like", v, sizeof v) && *v) {
		char like[410];
		snprintf(like, sizeof like, "%%%s%%", v);
		qtext(&w, " AND c.email_lc LIKE lower(?)", like);
	}
	if (sbx_req_query(r, "search", v, sizeof v) && *v) {
		char like[410];
		snprintf(like, sizeof like, "%%%s%%", v);
		qtext(&w, " AND (c.email_lc LIKE lower(?)", like);
		qtext(&w, " OR c.first_name LIKE ?", like);
		qtext(&w, " OR c.last_name LIKE ?)", like);
	}
	if (time_filter(r, &w, "filters[updated_after]", " AND c.udate_ms >= ?") ||
	    time_filter(r, &w, "filters[updated_before]", " AND c.udate_ms <= ?") ||
	    time_filter(r, &w, "filters[created_after]", " AND c.cdate_ms >= ?") ||
	    time_filter(r, &w, "filters[created_before]", " AND c.cdate_ms <= ?"))
		return;
	if (sbx_req_query(r, "id_greater", v, sizeof v) && *v) {
		if (!sbx_parse_id(v, &n) && strcmp(v, "0") != 0) {
			sbx_ac_422(r, 400, "id_greater must be a number", "invalid_filter", "id_greater");
			return;
		}
		qint(&w, " AND c.id > ?", strcmp(v, "0") == 0 ? 0 : n);
	}
	if (sbx_req_query(r, "id_less", v, sizeof v) && *v && sbx_parse_id(v, &n))
		qint(&w, " AND c.id < ?", n);
	char listid[32] = "", status[32] = "";
	sbx_req_query(r, "listid", listid, sizeof listid);
	sbx_req_query(r, "status", status, sizeof status);
	int64_t lid = 0, stv = -1;
	if (*listid && !sbx_parse_id(listid, &lid)) {
		sbx_ac_422(r, 400, "listid must be a number", "invalid_filter", "listid");
		return;
	}
	if (*status && strcmp(status, "-1") != 0) {
		char *end;
		stv = strtol(status, &end, 10);
		if (*end || stv < 0 || stv > 3) {
			sbx_ac_422(r, 400, "status must be -1, 0, 1, 2 or 3", "invalid_filter", "status");
			return;
		}
	}
	if (lid && stv >= 0) {
		qint(&w,
		     " AND EXISTS (SELECT 1 FROM ac_contact_lists cl WHERE cl.contact = c.id AND cl.list = ?",
		     lid);
		qint(&w, " AND cl.status = ?)", stv);
	} else if (lid) {
		qint(
		    &w,
		    " AND EXISTS (SELECT 1 FROM ac_contact_lists cl WHERE cl.contact = c.id AND cl.list = ?)",
		    lid);
	} else if (stv >= 0) {
		qint(&w,
		     " AND EXISTS (SELECT 1 FROM ac_contact_lists cl WHERE cl.contact = c.id AND cl.status = "
		     "?)",
		     stv);
	}
	if (sbx_req_query(r, "tagid", v, sizeof v) && *v && sbx_parse_id(v, &n))
		qint(&w,
		     " AND EXISTS (SELECT 1 FROM ac_contact_tags ct WHERE ct.contact = c.id AND ct.tag = ?)",
		     n);

	int64_t limit, offset;
	sbx_ac_page_args(r, &limit, &offset);
	const char *order = " ORDER BY c.id ASC";
	if (sbx_req_query(r, "orders[id]", v, sizeof v) && sbx_ieq(v, "DESC"))
		order = " ORDER BY c.id DESC";
	else if (sbx_req_query(r, "orders[cdate]", v, sizeof v))
		order = sbx_ieq(v, "DESC") ? " ORDER BY c.cdate_ms DESC, c.id DESC"
		                           : " ORDER BY c.cdate_ms ASC, c.id ASC";
	else if (sbx_req_query(r, "orders[email]", v, sizeof v))
		order = sbx_ieq(v, "DESC") ? " ORDER BY c.email_lc DESC" : " ORDER BY c.email_lc ASC";

	qbuild cnt = w;
	snprintf(cnt.sql, sizeof cnt.sql, "SELECT count(*) FROM ac_contacts c WHERE 1=1%s", w.sql);
	qbuild sel = w;
	snprintf(sel.sql, sizeof sel.sql,
	         "SELECT " AC_COLS " FROM ac_contacts c WHERE 1=1%s%s LIMIT ? OFFSET ?", w.sql, order);
	sel.arg[sel.n].is_int = 1;
	sel.arg[sel.n++].i = limit;
	sel.arg[sel.n].is_int = 1;
	sel.arg[sel.n++].i = offset;

	int64_t total = 0;
	sqlite3_stmt *st = qprep(r->app->db, &cnt);
	if (st && sqlite3_step(st) == SQLITE_ROW)
		total = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	json_object *arr = json_object_new_array();
	st = qprep(r->app->db, &sel);
	while (st && sqlite3_step(st) == SQLITE_ROW)
		json_object_array_add(arr, sbx_ac_contact_json(r, st));
	sqlite3_finalize(st);

	json_object *o = json_object_new_object();
	json_object_object_add(o, "scoreValues", json_object_new_array());
	json_object_object_add(o, "contacts", arr);
	json_object *meta = json_object_new_object();
	json_object_object_add(meta, "total", sbx_jstrf("%lld", (long long)total));
	json_object *pi = json_object_new_object();
	json_object_object_add(pi, "segmentid", sbx_jint(0));
	json_object_object_add(pi, "formid", sbx_jint(0));
	json_object_object_add(pi, "listid", sbx_jint(lid));
	json_object_object_add(pi, "tagid", sbx_jint(0));
	json_object_object_add(pi, "limit", sbx_jint(limit));
	json_object_object_add(pi, "offset", sbx_jint(offset));
	json_object_object_add(pi, "search", NULL);
	json_object_object_add(pi, "sort", NULL);
	json_object_object_add(pi, "seriesid", sbx_jint(0));
	json_object_object_add(pi, "waitid", sbx_jint(0));
	json_object_object_add(pi, "status", sbx_jint(stv));
	json_object_object_add(pi, "forceQuery", sbx_jint(0));
	json_object_object_add(pi, "cacheid", sbx_jstr(""));
	json_object_object_add(meta, "page_input", pi);
	json_object_object_add(o, "meta", meta);
	sbx_resp_json(r, 200, o);
}

/* Reads {"contact":{...}}; returns the inner object (borrowed from *root) or NULL after answering. */
static json_object *contact_body(sbx_req *r, json_object **root)
{
	*root = sbx_req_json_body(r);
	if (!*root)
		return NULL;
	json_object *c;
	if (!json_object_object_get_ex(*root, "contact", &c) || !json_object_is_type(c, json_type_object)) {
		sbx_ac_422(r, 422, "The contact object is missing", "field_missing",
		           "/data/attributes/contact");
		return NULL;
	}
	return c;
}

static void put_field(sqlite3 *db, int64_t id, const char *col_sql, const char *val)
{
	sqlite3_stmt *st = sbx_db_prep(db, col_sql);
	if (!st)
		return;
	sqlite3_bind_text(st, 1, val, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, id);
	sqlite3_step(st);
	sqlite3_finalize(st);
}

/* Applies firstName/lastName/phone (and email if allow_email) from c; returns 1 if anything changed. */
static int apply_contact_fields(sbx_req *r, int64_t id, json_object *c, int allow_email)
{
	static const char *const fields[][2] = {
	    {"firstName",
	     "UPDATE ac_contacts SET first_name = ?1 WHERE id = ?2 AND coalesce(first_name,'') <> ?1"},
	    {"lastName",
	     "UPDATE ac_contacts SET last_name = ?1 WHERE id = ?2 AND coalesce(last_name,'') <> ?1"},
	    {"phone", "UPDATE ac_contacts SET phone = ?1 WHERE id = ?2 AND coalesce(phone,'') <> ?1"},
	    {"email",
	     "UPDATE ac_contacts SET email = ?1, email_lc = lower(?1) WHERE id = ?2 AND email <> ?1"}};
	int changed = 0;
	char v[400];
	for (int i = 0; i < 4; i++) {
		if (i == 3 && !allow_email)
			break;
		if (!sbx_jget_text(c, fields[i][0], v, sizeof v))
			continue;
		put_field(r->app->db, id, fields[i][1], v);
		changed += sqlite3_changes(r->app->db) > 0;
	}
	return changed;
}

static int64_t create_contact(sbx_req *r, const char *email)
{
	char trimmed[320];
	snprintf(trimmed, sizeof trimmed, "%s", email);
	sqlite3_stmt *st =
	    sbx_db_prep(r->app->db, "INSERT INTO ac_contacts(email, email_lc, first_name, last_name, phone,"
	                            " cdate_ms, udate_ms) VALUES(?1, lower(?1), '', '', '', ?2, ?2)");
	if (!st)
		return 0;
	sqlite3_bind_text(st, 1, trimmed, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, r->now_ms - r->now_ms % 1000);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return 0;
	int64_t id = sqlite3_last_insert_rowid(r->app->db);
	sbx_counter_add(r->app->db, "ac_contacts_created", 1);
	return id;
}

static void contact_answer(sbx_req *r, int status, int64_t id)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "fieldValues", json_object_new_array());
	json_object_object_add(o, "contact", sbx_ac_contact_by_id(r, id));
	sbx_resp_json(r, status, o);
}

static void contacts_create(sbx_req *r, int sync)
{
	json_object *root, *c = contact_body(r, &root);
	if (!c)
		goto out;
	char email[320] = "";
	sbx_jget_text(c, "email", email, sizeof email);
	char trimmed[320];
	sbx_lower_trim(email, trimmed, sizeof trimmed);
	if (!sbx_ac_valid_email(trimmed)) {
		json_object *e = json_object_new_object();
		json_object_object_add(e, "title", sbx_jstr("Contact Email Address is not valid."));
		json_object_object_add(e, "detail", sbx_jstr(""));
		json_object_object_add(e, "code", sbx_jstr("email_invalid"));
		json_object_object_add(e, "error", sbx_jstr("must_be_valid_email_address"));
		json_object *src = json_object_new_object();
		json_object_object_add(src, "pointer", sbx_jstr("/data/attributes/email"));
		json_object_object_add(e, "source", src);
		json_object *arr = json_object_new_array();
		json_object_array_add(arr, e);
		json_object *o = json_object_new_object();
		json_object_object_add(o, "errors", arr);
		sbx_resp_json(r, 422, o);
		goto out;
	}
	int64_t id = sbx_ac_contact_by_email(r->app->db, email);
	if (id && !sync) {
		sbx_ac_422(r, 422, "Email address already exists in the system", "duplicate",
		           "/data/attributes/email");
		goto out;
	}
	int status = 200;
	if (!id) {
		/* keep the address as typed (trimmed), like AC does */
		char as_typed[320];
		const char *s = email;
		while (isspace((unsigned char)*s))
			s++;
		snprintf(as_typed, sizeof as_typed, "%s", s);
		size_t n = strlen(as_typed);
		while (n && isspace((unsigned char)as_typed[n - 1]))
			as_typed[--n] = '\0';
		id = create_contact(r, as_typed);
		if (!id) {
			sbx_resp_error(r, 500, "ERROR", "could not create the contact");
			goto out;
		}
		status = 201;
		apply_contact_fields(r, id, c, 0);
	} else if (apply_contact_fields(r, id, c, 0)) {
		sbx_ac_touch_contact(r->app->db, id, r->now_ms);
		sbx_counter_add(r->app->db, "ac_contacts_updated", 1);
	}
	contact_answer(r, status, id);
out:
	json_object_put(root);
}

void sbx_ac_contacts_post(sbx_req *r)
{
	contacts_create(r, 0);
}

/* POST /contact/sync: the same body, but an existing email is updated instead of refused. */
void sbx_ac_contact_sync(sbx_req *r)
{
	contacts_create(r, 1);
}

void sbx_ac_contact_get(sbx_req *r)
{
	int64_t id = r->id;
	json_object *c = sbx_ac_contact_by_id(r, id);
	if (!c) {
		sbx_ac_no_subscriber(r, r->cap[0]);
		return;
	}
	json_object *lists = json_object_new_array();
	sbx_ac_contact_lists_json(r, id, lists);
	json_object *ids = json_object_new_array();
	for (size_t i = 0; i < json_object_array_length(lists); i++) {
		json_object *idv;
		json_object_object_get_ex(json_object_array_get_idx(lists, i), "id", &idv);
		json_object_array_add(ids, json_object_get(idv));
	}
	json_object_object_add(c, "contactLists", ids);
	json_object *o = json_object_new_object();
	static const char *const empty[] = {"contactAutomations", "contactData",  "contactGoals", "deals",
	                                    "fieldValues",        "geoAddresses", "geoIps",       NULL};
	for (int i = 0; empty[i]; i++)
		json_object_object_add(o, empty[i], json_object_new_array());
	json_object_object_add(o, "contactLists", lists);
	json_object_object_add(o, "contact", c);
	sbx_resp_json(r, 200, o);
}

void sbx_ac_contact_update(sbx_req *r)
{
	int64_t id = r->id;
	json_object *root, *c = contact_body(r, &root);
	if (!c)
		goto out;
	json_object *exists = sbx_ac_contact_by_id(r, id);
	if (!exists) {
		sbx_ac_no_subscriber(r, r->cap[0]);
		goto out;
	}
	json_object_put(exists);
	char email[320];
	if (sbx_jget_text(c, "email", email, sizeof email)) {
		char lc[320];
		sbx_lower_trim(email, lc, sizeof lc);
		int64_t other = sbx_ac_contact_by_email(r->app->db, lc);
		if (!sbx_ac_valid_email(lc)) {
			sbx_ac_422(r, 422, "Contact Email Address is not valid.", "email_invalid",
			           "/data/attributes/email");
			goto out;
		}
		if (other && other != id) {
			sbx_ac_422(r, 422, "Email address already exists in the system", "duplicate",
			           "/data/attributes/email");
			goto out;
		}
	}
	if (apply_contact_fields(r, id, c, 1)) {
		sbx_ac_touch_contact(r->app->db, id, r->now_ms);
		sbx_counter_add(r->app->db, "ac_contacts_updated", 1);
		r->deliveries += sbx_webhook_queue(r, "update", id, 0, "api", r->now_ms, "");
	}
	contact_answer(r, 200, id);
out:
	json_object_put(root);
}

void sbx_ac_contact_delete(sbx_req *r)
{
	int64_t id = r->id;
	sqlite3 *db = r->app->db;
	sqlite3_stmt *st = sbx_db_prep(db, "DELETE FROM ac_contacts WHERE id = ?1");
	if (!st)
		return;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_step(st);
	sqlite3_finalize(st);
	if (sqlite3_changes(db) == 0) {
		sbx_ac_no_subscriber(r, r->cap[0]);
		return;
	}
	static const char *const del[] = {"DELETE FROM ac_contact_lists WHERE contact = ?1",
	                                  "DELETE FROM ac_contact_tags WHERE contact = ?1",
	                                  "DELETE FROM ac_bounce_logs WHERE contact = ?1"};
	for (int i = 0; i < 3; i++) {
		st = sbx_db_prep(db, del[i]);
		if (!st)
			continue;
		sqlite3_bind_int64(st, 1, id);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
	sbx_resp_json(r, 200, json_object_new_object());
}

int sbx_ac_contact_exists(sbx_req *r, int64_t id)
{
	sqlite3_stmt *st = sbx_db_prep(r->app->db, "SELECT 1 FROM ac_contacts WHERE id = ?1");
	int ok = 0;
	if (!st)
		return 0;
	sqlite3_bind_int64(st, 1, id);
	ok = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return ok;
}

void sbx_ac_bounce_logs_get(sbx_req *r)
{
	int64_t id = r->id;
	if (!sbx_ac_contact_exists(r, id)) {
		sbx_ac_no_subscriber(r, r->cap[0]);
		return;
	}
	json_object *arr = json_object_new_array();
	sqlite3_stmt *st =
	    sbx_db_prep(r->app->db, "SELECT id, contact, tstamp_ms, email, kind, code, error, campaign"
	                            " FROM ac_bounce_logs WHERE contact = ?1 ORDER BY id");
	if (st) {
		sqlite3_bind_int64(st, 1, id);
		while (sqlite3_step(st) == SQLITE_ROW) {
			char sid[24], t[40];
			snprintf(sid, sizeof sid, "%lld", (long long)sqlite3_column_int64(st, 0));
			json_object *b = json_object_new_object();
			int64_t ts = sqlite3_column_int64(st, 2);
			sbx_fmt_ac_time(ts, t, sizeof t);
			json_object_object_add(b, "tstamp", sbx_jstr(t));
			/* bounce 1 = hard, 2 = soft in this sandbox's bounce-code table */
			int hard = sqlite3_column_text(st, 4) &&
			           strcmp((const char *)sqlite3_column_text(st, 4), "hard") == 0;
			json_object_object_add(b, "bounceid", sbx_jstr(hard ? "1" : "2"));
			json_object_object_add(b, "subscriberid",
			                       sbx_jstrf("%lld", (long long)sqlite3_column_int64(st, 1)));
			json_object_object_add(b, "campaignid",
			                       sbx_jstrf("%lld", (long long)sqlite3_column_int64(st, 7)));
			json_object_object_add(b, "messageid", sbx_jstr("1"));
			json_object_object_add(b, "codeid", sbx_jstr(hard ? "48" : "12"));
			json_object_object_add(b, "email", sbx_jcol_text(st, 3));
			json_object_object_add(b, "error", sbx_jcol_text(st, 6));
			json_object_object_add(b, "source", sbx_jstr(""));
			sbx_fmt_ac_plain(ts, 0, t, sizeof t);
			json_object_object_add(b, "created_timestamp", sbx_jstr(t));
			json_object_object_add(b, "updated_timestamp", sbx_jstr(t));
			json_object_object_add(b, "created_by", NULL);
			json_object_object_add(b, "updated_by", NULL);
			json_object *links = json_object_new_object();
			static const char *const what[] = {"bounce",  "contact", "campaign",
			                                   "message", "code",    NULL};
			for (int i = 0; what[i]; i++)
				sbx_ac_link(r, links, "bounceLogs", sid, what[i]);
			json_object_object_add(b, "links", links);
			json_object_object_add(b, "id", sbx_jstr(sid));
			json_object_object_add(b, "bounce", sbx_jstr(hard ? "1" : "2"));
			json_object_object_add(b, "contact",
			                       sbx_jstrf("%lld", (long long)sqlite3_column_int64(st, 1)));
			json_object_object_add(b, "campaign",
			                       sbx_jstrf("%lld", (long long)sqlite3_column_int64(st, 7)));
			json_object_object_add(b, "message", sbx_jstr("1"));
			json_object_object_add(b, "code", sbx_jstr(hard ? "48" : "12"));
			json_object_array_add(arr, b);
		}
		sqlite3_finalize(st);
	}
	json_object *o = json_object_new_object();
	json_object_object_add(o, "bounceLogs", arr);
	sbx_resp_json(r, 200, o);
}
