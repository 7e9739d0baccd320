/* ui_contacts.c - /contacts?email=: one person as optsync knows them: both sides' last-read state,
 * the link, the history, a sentence on why the box is what it is, and "Resync this contact". */
#include <stdio.h>
#include <string.h>

#include "contact_view.h"
#include "jobs.h"
#include "store_log.h"
#include "sync.h"
#include "ui.h"
#include "ui_shared.h"
#include "webutil.h"

#define HISTORY_ROWS 100

static int on_hist(const log_entry *l, void *arg)
{
	page_log_row(tpl_section(arg, "HISTORY_ROW"), l);
	return 0;
}

static void show_tag(const char *name, void *ud)
{
	tpl_set(tpl_section(ud, "TAG"), "NAME", name);
}

static void fill_ac(tpl_dict *d, const contact_view *v)
{
	if (!v->ac_found) {
		tpl_show(d, "AC_NONE");
		return;
	}
	tpl_dict *a = tpl_section(d, "AC");
	tpl_set(a, "ID", v->ac.id);
	tpl_set(a, "UDATE", v->ac.udate);
	tpl_show(a, v->ac.bounced_hard ? "BOUNCED" : "NOT_BOUNCED");
	for (size_t i = 0; i < v->n_lists; i++) {
		int st = v->lists[i].status;
		tpl_dict *row = tpl_section(a, "LIST");
		tpl_set(row, "ID", v->lists[i].id);
		tpl_set(row, "STATUS", contact_view_list_status(st));
		tpl_set(row, "CLASS", st == 1 ? "ok" : st == 2 || st == 3 ? "bad" : "muted");
	}
	if (!v->n_lists)
		tpl_show(a, "NO_LISTS");
	tags_each(v->ac.tags, show_tag, a);
}

static void fill_sf(tpl_dict *p, const contact_view *v)
{
	if (v->n_sf == 0)
		tpl_show(p, "SF_NONE");
	for (int i = 0; i < v->n_sf; i++) {
		const sf_snapshot *r = &v->sf[i];
		tpl_dict *s = tpl_section(p, "SF");
		tpl_set(s, "OBJECT", r->object);
		tpl_set(s, "ID", r->id);
		tpl_set(s, "OPTED_OUT", r->opted_out ? "checked" : "unchecked");
		tpl_set(s, "CLASS", r->opted_out ? "bad" : "ok");
		tpl_set(s, "MODSTAMP", r->modstamp);
		if (r->is_converted) {
			tpl_dict *cv = tpl_section(s, "CONVERTED");
			tpl_set(cv, "TO", r->converted_contact_id);
		}
		if (r->linked)
			tpl_show(s, "LINKED");
	}
}

static int render(web_req *r, int status, const char *notice, const char *error)
{
	tpl_dict *d = page_begin(r, "Contacts", "contacts.tpl", "contacts");
	if (!d)
		return 500;
	page_notice(r, notice);
	page_error_box(r, error);
	char email[256];
	web_normalize_email(web_arg(r, "email"), email, sizeof email);
	tpl_set(d, "EMAIL", email);
	if (!*email) {
		tpl_show(d, "NO_EMAIL");
		return page_end(r, status);
	}
	tpl_dict *p = tpl_section(d, "PERSON");
	page_role(r, p);
	tpl_set(p, "EMAIL", email);
	err_t e = {0};
	contact_view *v;
	if (contact_view_read(r->st, email, &v, &e) < 0) {
		page_error_box(r, e.msg);
		return page_end(r, status);
	}
	if (v->linked) {
		tpl_dict *l = tpl_section(p, "LINK");
		tpl_set(l, "AC_ID", v->link.ac_contact_id);
		tpl_set(l, "RULE", *v->link.last_rule ? v->link.last_rule : "none yet");
	}
	if (v->linked && v->link.failed[0]) {
		tpl_dict *fd = tpl_section(p, "FAILED");
		char since[48];
		page_time(v->link.failed_at, since, sizeof since);
		tpl_set(fd, "SINCE", since);
		tpl_set(fd, "REASON", v->link.failed);
	}
	fill_ac(p, v);
	fill_sf(p, v);
	int rows =
	    store_log_query(r->st, &(log_filter){.email = email, .limit = HISTORY_ROWS}, on_hist, p, &e);
	if (rows < 0)
		page_error_box(r, e.msg);
	if (rows <= 0)
		tpl_show(p, "HISTORY_EMPTY");
	tpl_set(p, "STATE_SENTENCE", v->state);
	tpl_set(p, "WHY_SENTENCE", v->why);
	if (v->different)
		tpl_show(p, "DIFFERENT");
	if (!v->known)
		tpl_show(p, "UNKNOWN");
	contact_view_free(v);
	return page_end(r, status);
}

int ui_contacts(web_req *r)
{
	return render(r, 200, NULL, NULL);
}

int ui_contacts_resync(web_req *r)
{
	char email[256], rate[1100];
	web_normalize_email(web_arg(r, "email"), email, sizeof email);
	if (!*email || !strchr(email, '@'))
		return render(r, 422, NULL, "Give the email address of the person to resync.");
	job_rate_file(r->app, rate, sizeof rate);
	sync_options o = {.trigger = "resync", .email = email, .rate_file = rate};
	sync_summary sum;
	memset(&sum, 0, sizeof sum);
	err_t e = {0};
	int rc = sync_run(r->st, &o, &sum, &e);
	char line[512], msg[1024];
	sync_summary_line(&sum, line, sizeof line);
	web_log(r, "resync %s by %s: %s%s%s", email, r->user.name, line, rc ? ": " : "", rc ? e.msg : "");
	if (rc < 0) {
		snprintf(msg, sizeof msg, "Resync did not finish: %s", e.msg);
		return render(r, e.kind == ERR_LOCKED ? 409 : 502, NULL, msg);
	}
	snprintf(msg, sizeof msg, "Resynced: %s", line);
	return render(r, 200, msg, NULL);
}
