/* console.c - the sandbox console at /sandbox/: fire a person's events, set knobs, look people up,
 * watch requests and webhooks. Plain HTML forms, escaped here, no JavaScript needed. */
#include "sbx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void esc(sbx_buf *b, const char *s)
{
	sbx_html_escape(b, s ? s : "");
}

static void page_head(sbx_buf *b)
{
	sbx_buf_puts(
	    b,
	    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
	    "<title>optsync sandbox</title><style>"
	    "body{font-family:system-ui,sans-serif;margin:1.5em auto;max-width:72em;padding:0 1em;color:#222}"
	    "h1{font-size:1.5em}h2{font-size:1.15em;margin-top:1.8em;border-bottom:1px solid #ccc}"
	    "table{border-collapse:collapse;font-size:.9em}td,th{border:1px solid #ddd;padding:.2em .5em;"
	    "text-align:left;vertical-align:top}form.ev{display:inline-block;border:1px solid "
	    "#ccc;padding:.5em;"
	    "margin:.3em;border-radius:4px}label{margin-right:.5em}.msg{background:#eef7ee;border:1px solid "
	    "#9c9;"
	    "padding:.5em}.err{background:#fbeeee;border-color:#c99}code{background:#f4f4f4;padding:0 .2em}"
	    ".s1{color:#070}.s2{color:#a50}.s3{color:#a00}input[type=text]{width:16em}"
	    "</style></head><body><h1>optsync sandbox</h1>"
	    "<p>An emulated ActiveCampaign account and Salesforce org for trying optsync without real "
	    "accounts. "
	    "Everything here is demo data.</p>");
}

static void connection_info(sbx_req *r, sbx_buf *b)
{
	sbx_buf_puts(b, "<h2>Connect optsync to the sandbox</h2><table>");
	const char *rows[][2] = {{"ActiveCampaign API URL", NULL},
	                         {"ActiveCampaign API key", sbx_knob_str("ac_api_key")},
	                         {"Salesforce login URL", NULL},
	                         {"Salesforce client id", sbx_knob_str("sf_client_id")},
	                         {"Salesforce client secret", sbx_knob_str("sf_client_secret")}};
	char ac[600], sf[600];
	snprintf(ac, sizeof ac, "%s/ac", r->base);
	snprintf(sf, sizeof sf, "%s/sf", r->base);
	rows[0][1] = ac;
	rows[2][1] = sf;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		sbx_buf_puts(b, "<tr><th>");
		esc(b, rows[i][0]);
		sbx_buf_puts(b, "</th><td><code>");
		esc(b, rows[i][1]);
		sbx_buf_puts(b, "</code></td></tr>");
	}
	sbx_buf_puts(b, "</table>");
}

static void list_select(sbx_req *r, sbx_buf *b, int with_all)
{
	sbx_buf_puts(b, "<select name=\"list\">");
	if (with_all)
		sbx_buf_puts(b, "<option value=\"\">every active list</option>");
	sqlite3_stmt *st = sbx_db_prep(r->app->db, "SELECT id, name FROM ac_lists ORDER BY id");
	while (st && sqlite3_step(st) == SQLITE_ROW) {
		sbx_buf_printf(b, "<option value=\"%lld\">", (long long)sqlite3_column_int64(st, 0));
		esc(b, (const char *)sqlite3_column_text(st, 1));
		sbx_buf_puts(b, "</option>");
	}
	sqlite3_finalize(st);
	sbx_buf_puts(b, "</select>");
}

static void event_form(sbx_req *r, sbx_buf *b, const char *type, const char *label, const char *email,
                       int list, int all)
{
	sbx_buf_puts(b, "<form class=\"ev\" method=\"post\" action=\"");
	esc(b, r->base);
	sbx_buf_puts(b, "/console/event\"><input type=\"hidden\" name=\"type\" value=\"");
	esc(b, type);
	sbx_buf_puts(b, "\"><strong>");
	esc(b, label);
	sbx_buf_puts(b, "</strong><br><label>email <input type=\"text\" name=\"email\" required value=\"");
	esc(b, email);
	sbx_buf_puts(b, "\"></label>");
	if (list)
		list_select(r, b, all);
	sbx_buf_puts(b, " <button type=\"submit\">Fire</button></form>");
}

static void person(sbx_req *r, sbx_buf *b, const char *email)
{
	json_object *st = sbx_person_state(r, email), *ac, *sf;
	sbx_buf_puts(b, "<h2>Person: ");
	esc(b, email);
	sbx_buf_puts(b, "</h2>");
	if (json_object_object_get_ex(st, "ac", &ac) && ac) {
		json_object *c, *lists, *tags, *v;
		json_object_object_get_ex(ac, "contact", &c);
		json_object_object_get_ex(ac, "lists", &lists);
		json_object_object_get_ex(ac, "tags", &tags);
		sbx_buf_puts(b, "<p>ActiveCampaign contact ");
		if (json_object_object_get_ex(c, "id", &v))
			esc(b, json_object_get_string(v));
		sbx_buf_puts(b, " (");
		if (json_object_object_get_ex(c, "email", &v))
			esc(b, json_object_get_string(v));
		sbx_buf_puts(b, "), udate ");
		if (json_object_object_get_ex(c, "udate", &v))
			esc(b, json_object_get_string(v));
		sbx_buf_puts(b, ", hard bounces ");
		if (json_object_object_get_ex(c, "bounced_hard", &v))
			esc(b, json_object_get_string(v));
		sbx_buf_puts(b, "</p><table><tr><th>list</th><th>status</th><th>since</th></tr>");
		static const char *const names[] = {"0 unconfirmed", "1 active", "2 unsubscribed",
		                                    "3 bounced"};
		json_object_object_foreach(lists, k, l)
		{
			json_object *s, *u;
			json_object_object_get_ex(l, "status", &s);
			json_object_object_get_ex(l, "udate", &u);
			int sv = json_object_get_int(s);
			sbx_buf_puts(b, "<tr><td>");
			esc(b, k);
			sbx_buf_printf(b, "</td><td class=\"s%d\">%s</td><td>", sv, names[sv & 3]);
			esc(b, json_object_get_string(u));
			sbx_buf_puts(b, "</td></tr>");
		}
		sbx_buf_puts(b, "</table><p>tags: ");
		for (size_t i = 0; i < json_object_array_length(tags); i++) {
			if (i)
				sbx_buf_puts(b, ", ");
			esc(b, json_object_get_string(json_object_array_get_idx(tags, i)));
		}
		sbx_buf_puts(b, "</p>");
	} else {
		sbx_buf_puts(b, "<p>No ActiveCampaign contact.</p>");
	}
	json_object_object_get_ex(st, "sf", &sf);
	sbx_buf_puts(
	    b,
	    "<table><tr><th>Salesforce</th><th>Id</th><th>Email</th><th>Email Opt Out</th><th>converted</th>"
	    "<th>SystemModstamp</th><th>deleted</th></tr>");
	for (size_t i = 0; sf && i < json_object_array_length(sf); i++) {
		json_object *rec = json_object_array_get_idx(sf, i), *v;
		static const char *const keys[] = {
		    "type",           "Id",       "Email", "HasOptedOutOfEmail", "IsConverted",
		    "SystemModstamp", "IsDeleted"};
		sbx_buf_puts(b, "<tr>");
		for (int k = 0; k < 7; k++) {
			sbx_buf_puts(b, "<td>");
			if (json_object_object_get_ex(rec, keys[k], &v) && v)
				esc(b, json_object_get_string(v));
			sbx_buf_puts(b, "</td>");
		}
		sbx_buf_puts(b, "</tr>");
	}
	sbx_buf_puts(b, "</table>");
	json_object_put(st);
}

static void knob_form(sbx_req *r, sbx_buf *b)
{
	sbx_buf_puts(b, "<h2>Fault knobs</h2><form method=\"post\" action=\"");
	esc(b, r->base);
	sbx_buf_puts(b, "/console/knobs\"><table><tr><th>knob</th><th>value</th><th>what it does</th></tr>");
	json_object *all = sbx_knobs_get_all();
	for (const sbx_knob_info *k = sbx_knobs_info(); k->name; k++) {
		json_object *v = NULL;
		json_object_object_get_ex(all, k->name, &v);
		char val[600] = "";
		if (strcmp(k->name, "sf_api_used") == 0)
			snprintf(val, sizeof val, "%lld",
			         (long long)sbx_counter_get(r->app->db, "sf_api_used"));
		else if (v && (k->type == 's' || k->type == 't'))
			sbx_str_copy(val, sizeof val, json_object_get_string(v));
		else if (v)
			sbx_str_copy(val, sizeof val,
			             json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
		sbx_buf_puts(b, "<tr><td><label for=\"k_");
		esc(b, k->name);
		sbx_buf_puts(b, "\">");
		esc(b, k->name);
		sbx_buf_puts(b, "</label></td><td>");
		if (k->type == 'b') {
			int on = v && json_object_get_boolean(v);
			sbx_buf_puts(b, "<select id=\"k_");
			esc(b, k->name);
			sbx_buf_puts(b, "\" name=\"");
			esc(b, k->name);
			sbx_buf_printf(b,
			               "\"><option value=\"false\"%s>false</option><option "
			               "value=\"true\"%s>true</option></select>",
			               on ? "" : " selected", on ? " selected" : "");
		} else {
			sbx_buf_puts(b, "<input type=\"text\" id=\"k_");
			esc(b, k->name);
			sbx_buf_puts(b, "\" name=\"");
			esc(b, k->name);
			sbx_buf_puts(b, "\" value=\"");
			esc(b, val);
			sbx_buf_puts(b, "\">");
		}
		sbx_buf_puts(b, "</td><td>");
		esc(b, k->help);
		sbx_buf_puts(b, "</td></tr>");
	}
	sbx_buf_puts(
	    b,
	    "</table><p><button type=\"submit\">Save knobs</button> (empty text = default/off)</p></form>");
}

static void recent(sbx_req *r, sbx_buf *b)
{
	sbx_buf_puts(
	    b, "<h2>Webhooks registered in ActiveCampaign</h2><table><tr><th>id</th><th>name</th><th>url</th>"
	       "<th>events</th><th>sources</th><th>active</th></tr>");
	sqlite3_stmt *st = sbx_db_prep(
	    r->app->db, "SELECT id, name, url, events, sources, active FROM ac_webhooks ORDER BY id");
	while (st && sqlite3_step(st) == SQLITE_ROW) {
		sbx_buf_printf(b, "<tr><td>%lld</td>", (long long)sqlite3_column_int64(st, 0));
		for (int c = 1; c <= 4; c++) {
			sbx_buf_puts(b, "<td>");
			esc(b, (const char *)sqlite3_column_text(st, c));
			sbx_buf_puts(b, "</td>");
		}
		sbx_buf_printf(b, "<td>%s</td></tr>", sqlite3_column_int(st, 5) ? "yes" : "no (410)");
	}
	sqlite3_finalize(st);
	sbx_buf_puts(
	    b, "</table><h2>Recent webhook deliveries</h2><table><tr><th>id</th><th>type</th><th>state</th>"
	       "<th>HTTP</th><th>error</th><th>body</th></tr>");
	st = sbx_db_prep(
	    r->app->db,
	    "SELECT id, type, state, http_status, error, body FROM ac_deliveries ORDER BY id DESC LIMIT 20");
	while (st && sqlite3_step(st) == SQLITE_ROW) {
		int64_t ms = sqlite3_column_int64(st, 0);
		time_t sec = (time_t)(ms / 1000);
		struct tm tm;
		gmtime_r(&sec, &tm);
		sbx_buf_printf(b, "<tr><td>%02d:%02d:%02d.%03d</td><td>", tm.tm_hour, tm.tm_min, tm.tm_sec,
		               (int)(ms % 1000));
		esc(b, (const char *)sqlite3_column_text(st, 1));
		sbx_buf_puts(b, "</td><td>");
		esc(b, (const char *)sqlite3_column_text(st, 2));
		sbx_buf_printf(b, "</td><td>%d</td><td>", sqlite3_column_int(st, 3));
		esc(b, (const char *)sqlite3_column_text(st, 4));
		sbx_buf_puts(b, "</td><td><code>");
		esc(b, (const char *)sqlite3_column_text(st, 5));
		sbx_buf_puts(b, "</code></td></tr>");
	}
	sqlite3_finalize(st);
	sbx_buf_puts(b, "</table><h2>Recent API requests</h2><table><tr><th>time "
	                "(UTC)</th><th>system</th><th>request</th>"
	                "<th>status</th><th>ms</th></tr>");
	st = sbx_db_prep(
	    r->app->db,
	    "SELECT ts_ms, sys, method, path, status, dur_ms FROM requests WHERE sys IN ('ac','sf','sf_auth')"
	    " ORDER BY id DESC LIMIT 40");
	while (st && sqlite3_step(st) == SQLITE_ROW) {
		int64_t ms = sqlite3_column_int64(st, 0);
		time_t sec = (time_t)(ms / 1000);
		struct tm tm;
		gmtime_r(&sec, &tm);
		sbx_buf_printf(b, "<tr><td>%02d:%02d:%02d.%03d</td><td>", tm.tm_hour, tm.tm_min, tm.tm_sec,
		               (int)(ms % 1000));
		esc(b, (const char *)sqlite3_column_text(st, 1));
		sbx_buf_puts(b, "</td><td><code>");
		esc(b, (const char *)sqlite3_column_text(st, 2));
		sbx_buf_puts(b, " ");
		esc(b, (const char *)sqlite3_column_text(st, 3));
		sbx_buf_printf(b, "</code></td><td>%d</td><td>%lld</td></tr>", sqlite3_column_int(st, 4),
		               (long long)sqlite3_column_int64(st, 5));
	}
	sqlite3_finalize(st);
	sbx_buf_puts(b, "</table>");
}

static void sample_people(sbx_req *r, sbx_buf *b)
{
	sbx_buf_puts(b, "<h2>Some demo people</h2><table><tr><th>email</th><th>AC lists (list:status)</th>"
	                "<th>Salesforce</th></tr>");
	sqlite3_stmt *st =
	    sbx_db_prep(r->app->db, "SELECT c.email_lc, (SELECT group_concat(cl.list || ':' || "
	                            "cl.status, ' ') FROM ac_contact_lists cl"
	                            " WHERE cl.contact = c.id), (SELECT group_concat(s.type || "
	                            "CASE WHEN s.opted_out THEN ' (opted out)'"
	                            " ELSE '' END || CASE WHEN s.is_converted THEN ' (converted)' "
	                            "ELSE '' END, ', ') FROM sf_records s"
	                            " WHERE lower(s.email) = c.email_lc AND s.deleted = 0) FROM "
	                            "ac_contacts c ORDER BY c.id LIMIT 25");
	while (st && sqlite3_step(st) == SQLITE_ROW) {
		const char *email = (const char *)sqlite3_column_text(st, 0);
		sbx_buf_puts(b, "<tr><td><a href=\"");
		esc(b, r->base);
		sbx_buf_puts(b, "/?email=");
		sbx_buf enc = {0};
		sbx_url_encode(&enc, email);
		esc(b, enc.p);
		sbx_buf_free(&enc);
		sbx_buf_puts(b, "\">");
		esc(b, email);
		sbx_buf_puts(b, "</a></td><td>");
		esc(b, (const char *)sqlite3_column_text(st, 1));
		sbx_buf_puts(b, "</td><td>");
		esc(b, (const char *)sqlite3_column_text(st, 2));
		sbx_buf_puts(b, "</td></tr>");
	}
	sqlite3_finalize(st);
	sbx_buf_puts(b, "</table>");
}

static void page(sbx_req *r)
{
	sbx_buf b = {0};
	char email[320] = "", msg[600] = "", err[8] = "";
	sbx_req_query(r, "email", email, sizeof email);
	sbx_req_query(r, "msg", msg, sizeof msg);
	sbx_req_query(r, "err", err, sizeof err);
	page_head(&b);
	if (*msg) {
		sbx_buf_printf(&b, "<p class=\"msg%s\" role=\"status\">", *err ? " err" : "");
		esc(&b, msg);
		sbx_buf_puts(&b, "</p>");
	}
	connection_info(r, &b);
	sbx_buf_puts(&b, "<h2>Look up a person</h2><form method=\"get\" action=\"");
	esc(&b, r->base);
	sbx_buf_puts(&b, "/\"><label>email <input type=\"text\" name=\"email\" value=\"");
	esc(&b, email);
	sbx_buf_puts(&b, "\"></label> <button type=\"submit\">Show</button></form>");
	if (*email)
		person(r, &b, email);
	sbx_buf_puts(
	    &b, "<h2>Fire an event</h2><p>What a person does in ActiveCampaign or Salesforce. AC events are "
	        "delivered to the registered webhook, form-encoded, as ActiveCampaign does.</p>");
	event_form(r, &b, "subscribe", "Subscribe to a list (AC)", email, 1, 0);
	event_form(r, &b, "unsubscribe", "Unsubscribe (AC)", email, 1, 1);
	event_form(r, &b, "bounce_hard", "Hard bounce (AC)", email, 0, 0);
	event_form(r, &b, "bounce_soft", "Soft bounce (AC)", email, 0, 0);
	event_form(r, &b, "sf_check", "Check Email Opt Out (SF)", email, 0, 0);
	event_form(r, &b, "sf_uncheck", "Uncheck Email Opt Out (SF)", email, 0, 0);
	event_form(r, &b, "sf_edit", "Unrelated edit, the phone (SF)", email, 0, 0);
	event_form(r, &b, "convert_lead", "Convert the Lead (SF)", email, 0, 0);
	knob_form(r, &b);
	sbx_buf_puts(&b, "<h2>Reset the demo org</h2><form method=\"post\" action=\"");
	esc(&b, r->base);
	sbx_buf_puts(&b,
	             "/console/reset\"><label>seed <input type=\"text\" name=\"seed\" value=\"1\"></label>"
	             "<label>people <input type=\"text\" name=\"people\" value=\"300\"></label>"
	             "<button type=\"submit\">Reset everything</button></form>"
	             "<form method=\"post\" action=\"");
	esc(&b, r->base);
	sbx_buf_puts(
	    &b,
	    "/console/tokens\"><p><button type=\"submit\">Expire every Salesforce access token now</button>"
	    "</p></form>");
	recent(r, &b);
	sample_people(r, &b);
	sbx_buf_puts(&b, "</body></html>\n");
	sbx_resp_text(r, 200, "text/html; charset=utf-8", b.p ? b.p : "");
	sbx_buf_free(&b);
}

static void back(sbx_req *r, const char *email, const char *msg, int is_err)
{
	sbx_buf loc = {0};
	sbx_buf_puts(&loc, r->base);
	sbx_buf_puts(&loc, "/?msg=");
	sbx_url_encode(&loc, msg);
	if (is_err)
		sbx_buf_puts(&loc, "&err=1");
	if (email && *email) {
		sbx_buf_puts(&loc, "&email=");
		sbx_url_encode(&loc, email);
	}
	sbx_resp_redirect(r, 303, loc.p ? loc.p : "/");
	sbx_buf_free(&loc);
}

/* A console POST must come from this page: a foreign Origin is refused (no JavaScript, no token). */
static int same_origin(sbx_req *r)
{
	const char *origin = sbx_req_env(r, "HTTP_ORIGIN"), *host = sbx_req_env(r, "HTTP_HOST");
	if (!origin || strcmp(origin, "null") == 0)
		return 1;
	const char *o = strstr(origin, "://");
	if (!host || !o)
		return 0;
	if (strcmp(o + 3, host) == 0)
		return 1;
	/* Debian's fastcgi_params pass Host as $host, without the port: compare host:SERVER_PORT. */
	const char *port = sbx_req_env(r, "SERVER_PORT");
	char hp[300];
	if (port && !strchr(host, ':') && snprintf(hp, sizeof hp, "%s:%s", host, port) < (int)sizeof hp)
		return strcmp(o + 3, hp) == 0;
	return 0;
}

static void console_event(sbx_req *r)
{
	char type[32] = "", email[320] = "", list[16] = "";
	sbx_req_form(r, "type", type, sizeof type);
	sbx_req_form(r, "email", email, sizeof email);
	sbx_req_form(r, "list", list, sizeof list);
	json_object *ev = json_object_new_object(), *res = json_object_new_object();
	json_object_object_add(ev, "type", sbx_jstr(type));
	json_object_object_add(ev, "email", sbx_jstr(email));
	if (*list)
		json_object_object_add(ev, "list", sbx_jstr(list));
	char msg[512];
	if (sbx_event_fire(r, ev, res, msg, sizeof msg) != 0) {
		back(r, email, msg, 1);
	} else {
		json_object *q;
		int64_t n =
		    json_object_object_get_ex(res, "webhooks_queued", &q) ? json_object_get_int64(q) : 0;
		snprintf(msg, sizeof msg, "%s for %s done; %lld webhook(s) queued.", type, email,
		         (long long)n);
		back(r, email, msg, 0);
	}
	json_object_put(ev);
	json_object_put(res);
}

static void console_knobs(sbx_req *r)
{
	json_object *all = sbx_knobs_get_all(), *upd = json_object_new_object();
	char val[1200], msg[300];
	for (const sbx_knob_info *k = sbx_knobs_info(); k->name; k++) {
		if (!sbx_req_form(r, k->name, val, sizeof val))
			continue;
		json_object *v = NULL, *cur = NULL;
		json_object_object_get_ex(all, k->name, &cur);
		int empty = val[0] == '\0' || strcmp(val, "null") == 0;
		switch (k->type) {
		case 'b':
			v = sbx_jbool(strcmp(val, "true") == 0);
			break;
		case 'i':
			v = empty ? NULL : json_object_new_int64(strtoll(val, NULL, 10));
			break;
		case 'n':
			v = empty ? NULL : json_object_new_double(strtod(val, NULL));
			break;
		case 's':
		case 't':
			v = empty ? NULL : sbx_jstr(val);
			break;
		default:
			v = empty ? NULL : json_tokener_parse(val);
			break;
		}
		const char *a = v ? json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN) : "null";
		char now[1200];
		if (strcmp(k->name, "sf_api_used") == 0)
			snprintf(now, sizeof now, "%lld",
			         (long long)sbx_counter_get(r->app->db, "sf_api_used"));
		else
			sbx_str_copy(now, sizeof now,
			             cur ? json_object_to_json_string_ext(cur, JSON_C_TO_STRING_PLAIN)
			                 : "null");
		if (strcmp(a, now) == 0 || (k->type == 'n' && cur && v &&
		                            json_object_get_double(cur) == json_object_get_double(v))) {
			json_object_put(v);
			continue;
		}
		json_object_object_add(upd, k->name, v);
	}
	if (sbx_knobs_update(r->app->db, upd, msg, sizeof msg) != 0)
		back(r, NULL, msg, 1);
	else
		back(r, NULL, "Knobs saved.", 0);
	json_object_put(upd);
}

static void console_reset(sbx_req *r)
{
	char v[32];
	int64_t seed = 1, people = 300;
	if (sbx_req_form(r, "seed", v, sizeof v) && *v)
		seed = strtoll(v, NULL, 10);
	if (sbx_req_form(r, "people", v, sizeof v) && *v)
		people = strtoll(v, NULL, 10);
	if (seed < 0 || people < 0 || people > 100000) {
		back(r, NULL, "seed must be >= 0 and people 0..100000", 1);
		return;
	}
	err_t e;
	err_clear(&e);
	if (sbx_seed_reset(r->app, (uint64_t)seed, (int)people, &e) != 0)
		back(r, NULL, e.msg, 1);
	else
		back(r, NULL, "The demo org was reset.", 0);
}

static void console_tokens(sbx_req *r)
{
	sqlite3_stmt *st = sbx_db_prep(
	    r->app->db, "UPDATE sf_tokens SET expires_ms = ?1 WHERE kind = 'access' AND expires_ms > ?1");
	if (st) {
		sqlite3_bind_int64(st, 1, r->now_ms);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
	back(r, NULL, "Every Salesforce access token has expired.", 0);
}

/* clang-format off */
static const sbx_route console_pages[] = {
	{"",          SBX_READ, page,           NULL, 0},
	{"/",         SBX_READ, page,           NULL, 0},
	{"/console",  SBX_READ, page,           NULL, 0},
	{NULL, 0, NULL, NULL, 0},
};

/* The console's forms; every one is checked for same origin before this table is read. */
static const sbx_route console_forms[] = {
	{"/console/event",   SBX_POST, console_event,  NULL, 0},
	{"/console/knobs",   SBX_POST, console_knobs,  NULL, 0},
	{"/console/reset",   SBX_POST, console_reset,  NULL, 0},
	{"/console/tokens",  SBX_POST, console_tokens, NULL, 0},
	{NULL, 0, NULL, NULL, 0},
};
/* clang-format on */

void sbx_console_route(sbx_req *r)
{
	const char *p = r->path;
	if (sbx_method_is(r, "GET")) {
		if (sbx_route_run(r, console_pages, p) != SBX_ROUTE_DONE)
			sbx_resp_text(r, 404, "text/plain; charset=utf-8", "not found\n");
		return;
	}
	if (strcmp(r->method, "POST") != 0) {
		sbx_resp_text(r, 405, "text/plain; charset=utf-8", "method not allowed\n");
		return;
	}
	if (!same_origin(r)) {
		sbx_resp_text(r, 403, "text/plain; charset=utf-8", "cross-origin form posts are refused\n");
		return;
	}
	if (sbx_route_run(r, console_forms, p) != SBX_ROUTE_DONE)
		sbx_resp_text(r, 404, "text/plain; charset=utf-8", "not found\n");
}
