/* ui_shared.c - the shared frame of the dashboard's pages (cgit's ui-shared.c in spirit). */
#include "ui_shared.h"
#include "timefmt.h"
#include "version.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *key, *section;
} navs[] = {
    {"status", "NAV_STATUS"}, {"contacts", "NAV_CONTACTS"}, {"audit", "NAV_AUDIT"},
    {"checks", "NAV_CHECKS"}, {"setup", "NAV_SETUP"},       {NULL, NULL},
};

tpl_dict *page_begin(web_req *r, const char *title, const char *file, const char *nav)
{
	if (r->tpl)
		tpl_free(r->tpl);
	r->tpl = tpl_new();
	if (!r->tpl)
		return NULL;
	tpl_set(r->tpl, "TITLE", title);
	tpl_set_global(r->tpl, "VERSION", optsync_version);
	tpl_set_global(r->tpl, "CSRF", r->user.ok ? r->user.csrf : r->pre_token);
	if (r->user.ok) {
		tpl_set_global(r->tpl, "USER", r->user.name);
		tpl_set_global(r->tpl, "ROLE", r->user.role);
		if (strcmp(r->user.role, "admin") == 0)
			tpl_show_global(r->tpl, "ADMIN");
		else
			tpl_show_global(r->tpl, "VIEWER");
	}
	if (nav && r->user.ok) {
		tpl_dict *n = tpl_section(r->tpl, "NAV");
		for (int i = 0; navs[i].key; i++)
			if (strcmp(nav, navs[i].key) == 0)
				tpl_show(n, navs[i].section);
	}
	return tpl_include(r->tpl, "BODY", file);
}

int page_end(web_req *r, int status)
{
	char *out = NULL, err[256];
	size_t len = 0;
	if (!r->tpl || tpl_expand("layout.tpl", r->tpl, &out, &len, err, sizeof err) < 0) {
		web_log(r, "%s", r->tpl ? err : "out of memory building the page");
		tpl_free(r->tpl);
		r->tpl = NULL;
		r->status = 500;
		r->ctype = "text/plain; charset=utf-8";
		buf_reset(&r->out);
		buf_puts(&r->out, "500 the page could not be rendered; the log has the details\n");
		return 500;
	}
	tpl_free(r->tpl);
	r->tpl = NULL;
	buf_reset(&r->out);
	buf_add(&r->out, out, len);
	free(out);
	r->status = status;
	r->ctype = NULL;
	return status;
}

void page_error_box(web_req *r, const char *msg)
{
	if (r->tpl && msg && *msg) {
		tpl_dict *d = tpl_section(r->tpl, "ERROR");
		tpl_set(d, "MSG", msg);
	}
}

void page_notice(web_req *r, const char *msg)
{
	if (r->tpl && msg && *msg) {
		tpl_dict *d = tpl_section(r->tpl, "NOTICE");
		tpl_set(d, "MSG", msg);
	}
}

int page_error_page(web_req *r, int status, const char *msg)
{
	char title[64];
	snprintf(title, sizeof title, "Error %d", status);
	tpl_dict *d = page_begin(r, title, "error.tpl", "");
	if (!d)
		return -1;
	tpl_set_int(d, "STATUS", status);
	tpl_set(d, "MSG", msg);
	if (status == 403 && !r->user.ok)
		tpl_show(d, "SIGNIN");
	char *out = NULL, err[256];
	size_t len = 0;
	if (tpl_expand("layout.tpl", r->tpl, &out, &len, err, sizeof err) < 0) {
		tpl_free(r->tpl);
		r->tpl = NULL;
		return -1;
	}
	tpl_free(r->tpl);
	r->tpl = NULL;
	buf_reset(&r->out);
	buf_add(&r->out, out, len);
	free(out);
	r->ctype = NULL;
	return 0;
}

void page_role(web_req *r, tpl_dict *d)
{
	if (r->user.ok)
		tpl_show(d, strcmp(r->user.role, "admin") == 0 ? "ADMIN" : "VIEWER");
}

void page_unavailable(tpl_dict *d, const char *what)
{
	tpl_dict *u = tpl_section(d, "UNAVAILABLE");
	tpl_set(u, "WHAT", what);
}

void page_time(const char *iso, char *out, size_t n)
{
	timefmt_human(iso, out, n);
}

void page_log_row(tpl_dict *row, const log_entry *l)
{
	char at[48], url[600], enc[800];
	page_time(l->at, at, sizeof at);
	tpl_set(row, "AT", at);
	tpl_set_int(row, "RUN", l->run);
	snprintf(url, sizeof url, "/status?run=%lld", (long long)l->run);
	tpl_set(row, "RUN_URL", url);
	tpl_set(row, "DIRECTION", rules_direction_name(l->direction));
	tpl_set(row, "EMAIL", l->email);
	form_encode(l->email, enc, sizeof enc);
	snprintf(url, sizeof url, "/contacts?email=%s", enc);
	tpl_set(row, "EMAIL_URL", url);
	tpl_set(row, "OBJECT", l->object);
	tpl_set(row, "RECORD", l->record);
	tpl_set(row, "ACTION", rules_action_name(l->action));
	tpl_set(row, "STATUS", action_status_name(l->status));
	tpl_set(row, "REASON", l->reason);
	tpl_set(row, "ERROR", l->error);
}
