/* ac.c - the ActiveCampaign v3 emulation: contacts, list memberships, lists, tags, bounce logs, webhooks. */
#include "sbx.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AC_COLS                                                                                              \
	"c.id, c.email, c.first_name, c.last_name, c.phone, c.cdate_ms, c.udate_ms, c.bounced_hard,"         \
	" c.bounced_soft, c.bounced_date_ms"

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

int sbx_ac_auth_ok(sbx_req *r)
{
	const char *key = sbx_req_env(r, "HTTP_API_TOKEN");
	const char *want = sbx_knob_str("ac_api_key");
	return key && want && strcmp(key, want) == 0;
}

/* AC's validation errors: {"errors":[{"title","detail","code","source":{"pointer"}}]} */
static void ac_422(sbx_req *r, int status, const char *title, const char *code, const char *pointer)
{
	json_object *e = json_object_new_object();
	json_object_object_add(e, "title", sbx_jstr(title));
	json_object_object_add(e, "detail", sbx_jstr(""));
	json_object_object_add(e, "code", sbx_jstr(code));
	if (pointer) {
		json_object *src = json_object_new_object();
		json_object_object_add(src, "pointer", sbx_jstr(pointer));
		json_object_object_add(e, "source", src);
	}
	json_object *arr = json_object_new_array();
	json_object_array_add(arr, e);
	json_object *o = json_object_new_object();
	json_object_object_add(o, "errors", arr);
	sbx_resp_json(r, status, o);
}

static void ac_no_subscriber(sbx_req *r, const char *id)
{
	sbx_resp_error(r, 404, "NOT_FOUND", "No Result found for Subscriber with id %s", id);
}

static void link(sbx_req *r, json_object *links, const char *kind, const char *id, const char *what)
{
	char url[700];
	snprintf(url, sizeof url, "%s/ac/api/3/%s/%s/%s", r->base, kind, id, what);
	json_object_object_add(links, what, sbx_jstr(url));
}

static json_object *time_or_null(int64_t ms, int present)
{
	if (!present)
		return NULL;
	char t[40];
	sbx_fmt_ac_time(ms, t, sizeof t);
	return sbx_jstr(t);
}

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
		link(r, links, "contacts", id, what[i]);
	json_object_object_add(c, "links", links);
	json_object_object_add(c, "id", sbx_jstr(id));
	json_object_object_add(c, "organization", NULL);
	return c;
}

/* Runs "SELECT AC_COLS FROM ac_contacts c WHERE c.id = ?" and returns the JSON, or NULL if absent. */
static json_object *contact_by_id(sbx_req *r, int64_t id)
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
	    o, "sdate", time_or_null(sqlite3_column_int64(st, 4), sqlite3_column_type(st, 4) != SQLITE_NULL));
	json_object_object_add(
	    o, "udate", time_or_null(sqlite3_column_int64(st, 5), sqlite3_column_type(st, 5) != SQLITE_NULL));
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
		link(r, links, "contactLists", id, what[i]);
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

static int valid_email(const char *e)
{
	size_t n = strlen(e);
	const char *at = strchr(e, '@');
	if (n < 3 || n > 254 || !at || at == e || strchr(at + 1, '@') || !strchr(at + 1, '.') || at[1] == '.')
		return 0;
	for (const char *p = e; *p; p++)
		if (isspace((unsigned char)*p) || *p == ',' || *p == '<' || *p == '>')
			return 0;
	return e[n - 1] != '.';
}

static int parse_id(const char *s, int64_t *out)
{
	char *end;
	if (!*s || !isdigit((unsigned char)*s))
		return 0;
	long long v = strtoll(s, &end, 10);
	if (*end || v <= 0)
		return 0;
	*out = v;
	return 1;
}

/* ---- contacts ---- */

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
		ac_422(r, 400, "Invalid date in filter", "invalid_filter", param);
		return -1;
	}
	qint(w, frag, ms);
	return 0;
}

/* limit (default 20, at most 100: AC caps pages) and offset of a collection request. */
static void page_args(const sbx_req *r, int64_t *limit, int64_t *offset)
{
	char v[32], *end;
	*limit = 20;
	*offset = 0;
	if (sbx_req_query(r, "limit", v, sizeof v) && *v) {
		*limit = strtoll(v, &end, 10);
		if (*end || *limit <= 0)
			*limit = 20;
		if (*limit > 100)
			*limit = 100;
	}
	if (sbx_req_query(r, "offset", v, sizeof v) && *v) {
		*offset = strtoll(v, &end, 10);
		if (*end || *offset < 0)
			*offset = 0;
	}
}

static void contacts_list(sbx_req *r)
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
		if (!parse_id(v, &n) && strcmp(v, "0") != 0) {
			ac_422(r, 400, "id_greater must be a number", "invalid_filter", "id_greater");
			return;
		}
		qint(&w, " AND c.id > ?", strcmp(v, "0") == 0 ? 0 : n);
	}
	if (sbx_req_query(r, "id_less", v, sizeof v) && *v && parse_id(v, &n))
		qint(&w, " AND c.id < ?", n);
	char listid[32] = "", status[32] = "";
	sbx_req_query(r, "listid", listid, sizeof listid);
	sbx_req_query(r, "status", status, sizeof status);
	int64_t lid = 0, stv = -1;
	if (*listid && !parse_id(listid, &lid)) {
		ac_422(r, 400, "listid must be a number", "invalid_filter", "listid");
		return;
	}
	if (*status && strcmp(status, "-1") != 0) {
		char *end;
		stv = strtol(status, &end, 10);
		if (*end || stv < 0 || stv > 3) {
			ac_422(r, 400, "status must be -1, 0, 1, 2 or 3", "invalid_filter", "status");
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
	if (sbx_req_query(r, "tagid", v, sizeof v) && *v && parse_id(v, &n))
		qint(&w,
		     " AND EXISTS (SELECT 1 FROM ac_contact_tags ct WHERE ct.contact = c.id AND ct.tag = ?)",
		     n);

	int64_t limit, offset;
	page_args(r, &limit, &offset);
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
		ac_422(r, 422, "The contact object is missing", "field_missing", "/data/attributes/contact");
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
	json_object_object_add(o, "contact", contact_by_id(r, id));
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
	if (!valid_email(trimmed)) {
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
		ac_422(r, 422, "Email address already exists in the system", "duplicate",
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

static void contact_get(sbx_req *r, int64_t id)
{
	json_object *c = contact_by_id(r, id);
	if (!c) {
		ac_no_subscriber(r, r->cap[0]);
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

static void contact_update(sbx_req *r, int64_t id)
{
	json_object *root, *c = contact_body(r, &root);
	if (!c)
		goto out;
	json_object *exists = contact_by_id(r, id);
	if (!exists) {
		ac_no_subscriber(r, r->cap[0]);
		goto out;
	}
	json_object_put(exists);
	char email[320];
	if (sbx_jget_text(c, "email", email, sizeof email)) {
		char lc[320];
		sbx_lower_trim(email, lc, sizeof lc);
		int64_t other = sbx_ac_contact_by_email(r->app->db, lc);
		if (!valid_email(lc)) {
			ac_422(r, 422, "Contact Email Address is not valid.", "email_invalid",
			       "/data/attributes/email");
			goto out;
		}
		if (other && other != id) {
			ac_422(r, 422, "Email address already exists in the system", "duplicate",
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

static void contact_delete(sbx_req *r, int64_t id)
{
	sqlite3 *db = r->app->db;
	sqlite3_stmt *st = sbx_db_prep(db, "DELETE FROM ac_contacts WHERE id = ?1");
	if (!st)
		return;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_step(st);
	sqlite3_finalize(st);
	if (sqlite3_changes(db) == 0) {
		ac_no_subscriber(r, r->cap[0]);
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

static int contact_exists(sbx_req *r, int64_t id)
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

static void contact_lists_get(sbx_req *r, int64_t id)
{
	if (!contact_exists(r, id)) {
		ac_no_subscriber(r, r->cap[0]);
		return;
	}
	json_object *arr = json_object_new_array();
	sbx_ac_contact_lists_json(r, id, arr);
	json_object *o = json_object_new_object();
	json_object_object_add(o, "contactLists", arr);
	sbx_resp_json(r, 200, o);
}

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
	link(r, links, "contactTags", sid, "contact");
	link(r, links, "contactTags", sid, "tag");
	json_object_object_add(o, "links", links);
	json_object_object_add(o, "id", sbx_jstr(sid));
	return o;
}

static void contact_tags_get(sbx_req *r, int64_t id)
{
	if (!contact_exists(r, id)) {
		ac_no_subscriber(r, r->cap[0]);
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

static void bounce_logs_get(sbx_req *r, int64_t id)
{
	if (!contact_exists(r, id)) {
		ac_no_subscriber(r, r->cap[0]);
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
				link(r, links, "bounceLogs", sid, what[i]);
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

/* ---- list memberships ---- */

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

static void contact_lists_post(sbx_req *r)
{
	json_object *root = sbx_req_json_body(r), *cl;
	if (!root)
		return;
	int64_t list, contact, status;
	if (!json_object_object_get_ex(root, "contactList", &cl) ||
	    !json_object_is_type(cl, json_type_object)) {
		ac_422(r, 422, "The contactList object is missing", "field_missing",
		       "/data/attributes/contactList");
		goto out;
	}
	if (!sbx_jget_int(cl, "contact", &contact)) {
		ac_422(r, 422, "Missing attribute", "field_missing", "/data/attributes/contact");
		goto out;
	}
	if (!sbx_jget_int(cl, "list", &list)) {
		ac_422(r, 422, "Missing attribute", "field_missing", "/data/attributes/list");
		goto out;
	}
	if (!sbx_jget_int(cl, "status", &status) || (status != 1 && status != 2)) {
		ac_422(r, 422, "The status must be 1 (active) or 2 (unsubscribed)", "field_invalid",
		       "/data/attributes/status");
		goto out;
	}
	if (!contact_exists(r, contact)) {
		ac_422(r, 404, "The related contact does not exist.", "related_missing",
		       "/data/attributes/contact");
		goto out;
	}
	if (!list_exists(r->app->db, list)) {
		ac_422(r, 422, "The related list does not exist.", "related_missing",
		       "/data/attributes/list");
		goto out;
	}
	sbx_counter_add(r->app->db, "ac_contact_list_writes", 1);
	sbx_ac_set_list_status(r, contact, list, (int)status, "api",
	                       status == 2 ? "Unsubscribed via API" : NULL, r->now_ms);
	json_object *o = json_object_new_object();
	json_object *contacts = json_object_new_array();
	json_object_array_add(contacts, contact_by_id(r, contact));
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

/* ---- lists, tags ---- */

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
	link(r, links, "lists", sid, "contactGoalLists");
	link(r, links, "lists", sid, "user");
	link(r, links, "lists", sid, "addressLists");
	json_object_object_add(o, "links", links);
	json_object_object_add(o, "id", sbx_jstr(sid));
	json_object_object_add(o, "user", sbx_jstr("1"));
	return o;
}

static void lists_get(sbx_req *r, const char *one)
{
	int64_t id = 0;
	if (one && !parse_id(one, &id)) {
		sbx_resp_error(r, 404, "NOT_FOUND", "No Result found for List with id %s", one);
		return;
	}
	/* Paged like every AC collection. */
	int64_t limit, offset, total = 0;
	page_args(r, &limit, &offset);
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
	link(r, links, "tags", sid, "contactGoalTags");
	json_object_object_add(o, "links", links);
	json_object_object_add(o, "id", sbx_jstr(sid));
	return o;
}

static void tags_get(sbx_req *r)
{
	char search[256] = "";
	sbx_req_query(r, "search", search, sizeof search);
	/* filters[search][eq]: the exact name (AC v3 "List all tags"); search alone is "contains". */
	char eq[256] = "";
	int exact = sbx_req_query(r, "filters[search][eq]", eq, sizeof eq);
	if (exact)
		snprintf(search, sizeof search, "%s", eq);
	int64_t limit, offset;
	page_args(r, &limit, &offset);
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

static void tag_get(sbx_req *r, int64_t id)
{
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

static void tags_post(sbx_req *r)
{
	json_object *root = sbx_req_json_body(r), *t;
	if (!root)
		return;
	char name[256] = "", type[32] = "contact", desc[512] = "";
	if (!json_object_object_get_ex(root, "tag", &t) || !json_object_is_type(t, json_type_object) ||
	    !sbx_jget_text(t, "tag", name, sizeof name) || !*name) {
		ac_422(r, 422, "Missing attribute", "field_missing", "/data/attributes/tag");
		goto out;
	}
	sbx_jget_text(t, "tagType", type, sizeof type);
	sbx_jget_text(t, "description", desc, sizeof desc);
	if (strcmp(type, "contact") && strcmp(type, "template")) {
		ac_422(r, 422, "tagType must be contact or template", "field_invalid",
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
		ac_422(r, 422, "Duplicate entry: a tag with this name already exists", "duplicate",
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

static void contact_tags_post(sbx_req *r)
{
	json_object *root = sbx_req_json_body(r), *ct;
	if (!root)
		return;
	int64_t contact, tag;
	if (!json_object_object_get_ex(root, "contactTag", &ct) ||
	    !json_object_is_type(ct, json_type_object) || !sbx_jget_int(ct, "contact", &contact)) {
		ac_422(r, 422, "Missing attribute", "field_missing", "/data/attributes/contact");
		goto out;
	}
	if (!sbx_jget_int(ct, "tag", &tag)) {
		ac_422(r, 422, "Missing attribute", "field_missing", "/data/attributes/tag");
		goto out;
	}
	if (!contact_exists(r, contact)) {
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

static void contact_tag_delete(sbx_req *r, int64_t id)
{
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

/* ---- webhooks ---- */

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

static void webhooks_get(sbx_req *r)
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
		ac_422(r, 422, "The webhook object is missing", "field_missing", "/data/attributes/webhook");
		goto out;
	}
	if (!sbx_jget_text(w, "name", name, sizeof name) || !*name) {
		ac_422(r, 422, "Webhook name is required", "field_missing", "/data/attributes/name");
		goto out;
	}
	if (!sbx_jget_text(w, "url", url, sizeof url) ||
	    (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) ||
	    strpbrk(url, " \r\n\t")) {
		ac_422(r, 422, "A valid http(s) URL is required", "field_invalid", "/data/attributes/url");
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
			ac_422(r, 422, "https webhook URLs must use port 443", "field_invalid",
			       "/data/attributes/url");
			goto out;
		}
	}
	json_object_object_get_ex(w, "events", &ev);
	json_object_object_get_ex(w, "sources", &so);
	if (!(evs = string_set(ev, webhook_events))) {
		ac_422(r, 422, "events must be a non-empty list of known webhook events", "field_invalid",
		       "/data/attributes/events");
		goto out;
	}
	if (!(sos = string_set(so, webhook_sources))) {
		ac_422(r, 422, "sources must be a non-empty list of public, admin, api, system",
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

static void webhook_one(sbx_req *r, int64_t id)
{
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

static void webhook_events_get(sbx_req *r)
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

static void users_me(sbx_req *r)
{
	json_object *u = json_object_new_object();
	json_object_object_add(u, "username", sbx_jstr("sandbox"));
	json_object_object_add(u, "firstName", sbx_jstr("Sandbox"));
	json_object_object_add(u, "lastName", sbx_jstr("Admin"));
	json_object_object_add(u, "email", sbx_jstr("admin@example.com"));
	json_object_object_add(u, "phone", sbx_jstr(""));
	json_object_object_add(u, "signature", NULL);
	json_object *links = json_object_new_object();
	static const char *const what[] = {"lists",          "userGroup", "dealGroupTotals",
	                                   "dealGroupUsers", "configs",   NULL};
	for (int i = 0; what[i]; i++)
		link(r, links, "users", "1", what[i]);
	json_object_object_add(u, "links", links);
	json_object_object_add(u, "id", sbx_jstr("1"));
	json_object *o = json_object_new_object();
	json_object_object_add(o, "user", u);
	sbx_resp_json(r, 200, o);
}

/* ---- routing ---- */

static int is(sbx_req *r, const char *method)
{
	return strcmp(r->method, method) == 0 ||
	       (strcmp(method, "GET") == 0 && strcmp(r->method, "HEAD") == 0);
}

void sbx_ac_route(sbx_req *r)
{
	const char *p = r->path + 3; /* after "/ac" */
	if (strncmp(p, "/api/3/", 7) != 0) {
		sbx_resp_error(r, 404, "NOT_FOUND", "Not Found");
		return;
	}
	if (!sbx_ac_auth_ok(r)) {
		sbx_resp_error(r, 403, "FORBIDDEN", "No Result found for User with api_key");
		return;
	}
	p += 7;
	int64_t id = 0;
	int known = 1;
	if (sbx_path_match(r, "users/me", p)) {
		if (is(r, "GET"))
			users_me(r);
		else
			known = 0;
	} else if (sbx_path_match(r, "contacts", p)) {
		if (is(r, "GET"))
			contacts_list(r);
		else if (is(r, "POST"))
			contacts_create(r, 0);
		else
			known = 0;
	} else if (sbx_path_match(r, "contact/sync", p)) {
		if (is(r, "POST"))
			contacts_create(r, 1);
		else
			known = 0;
	} else if (sbx_path_match(r, "contacts/{}", p)) {
		if (!parse_id(r->cap[0], &id))
			ac_no_subscriber(r, r->cap[0]);
		else if (is(r, "GET"))
			contact_get(r, id);
		else if (is(r, "PUT") || is(r, "POST"))
			contact_update(r, id);
		else if (is(r, "DELETE"))
			contact_delete(r, id);
		else
			known = 0;
	} else if (sbx_path_match(r, "contacts/{}/contactLists", p) ||
	           sbx_path_match(r, "contacts/{}/contactTags", p) ||
	           sbx_path_match(r, "contacts/{}/bounceLogs", p)) {
		if (!is(r, "GET"))
			known = 0;
		else if (!parse_id(r->cap[0], &id))
			ac_no_subscriber(r, r->cap[0]);
		else if (strstr(p, "/contactLists"))
			contact_lists_get(r, id);
		else if (strstr(p, "/contactTags"))
			contact_tags_get(r, id);
		else
			bounce_logs_get(r, id);
	} else if (sbx_path_match(r, "contactLists", p)) {
		if (is(r, "POST"))
			contact_lists_post(r);
		else
			known = 0;
	} else if (sbx_path_match(r, "lists", p)) {
		if (is(r, "GET"))
			lists_get(r, NULL);
		else
			known = 0;
	} else if (sbx_path_match(r, "lists/{}", p)) {
		if (is(r, "GET"))
			lists_get(r, r->cap[0]);
		else
			known = 0;
	} else if (sbx_path_match(r, "tags", p)) {
		if (is(r, "GET"))
			tags_get(r);
		else if (is(r, "POST"))
			tags_post(r);
		else
			known = 0;
	} else if (sbx_path_match(r, "tags/{}", p)) {
		if (is(r, "GET") && parse_id(r->cap[0], &id))
			tag_get(r, id);
		else if (is(r, "GET"))
			sbx_resp_error(r, 404, "NOT_FOUND", "No Result found for Tag with id %s", r->cap[0]);
		else
			known = 0;
	} else if (sbx_path_match(r, "contactTags", p)) {
		if (is(r, "POST"))
			contact_tags_post(r);
		else
			known = 0;
	} else if (sbx_path_match(r, "contactTags/{}", p)) {
		if (is(r, "DELETE") && parse_id(r->cap[0], &id))
			contact_tag_delete(r, id);
		else if (is(r, "DELETE"))
			sbx_resp_error(r, 404, "NOT_FOUND", "No Result found for ContactTag with id %s",
			               r->cap[0]);
		else
			known = 0;
	} else if (sbx_path_match(r, "webhooks", p)) {
		if (is(r, "GET"))
			webhooks_get(r);
		else if (is(r, "POST"))
			webhook_write(r, 0);
		else
			known = 0;
	} else if (sbx_path_match(r, "webhooks/{}", p)) {
		if (!parse_id(r->cap[0], &id))
			sbx_resp_error(r, 404, "NOT_FOUND", "No Result found for Webhook with id %s",
			               r->cap[0]);
		else if (is(r, "GET") || is(r, "DELETE"))
			webhook_one(r, id);
		else if (is(r, "PUT"))
			webhook_write(r, id);
		else
			known = 0;
	} else if (sbx_path_match(r, "webhook/events", p)) {
		if (is(r, "GET"))
			webhook_events_get(r);
		else
			known = 0;
	} else {
		sbx_resp_error(r, 404, "NOT_FOUND", "Not Found");
		return;
	}
	if (!known)
		sbx_resp_error(r, 405, "METHOD_NOT_ALLOWED", "Method Not Allowed");
}
