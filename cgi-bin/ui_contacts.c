/* ui_contacts.c - /contacts?email=: one person as optsync knows them: both sides' last-read state,
 * the link, the history, a sentence on why the box is what it is, and "Resync this contact". */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "jobs.h"
#include "snapshot.h"
#include "store_log.h"
#include "store_sync.h"
#include "sync.h"
#include "ui.h"
#include "ui_shared.h"
#include "webutil.h"

#define HISTORY_ROWS 100
#define SF_MAX 16

static const char *list_status_name(int s)
{
	switch (s) {
	case 0:
		return "unconfirmed";
	case 1:
		return "subscribed";
	case 2:
		return "unsubscribed";
	case 3:
		return "bounced";
	default:
		return "unknown";
	}
}

typedef struct {
	tpl_dict *d;
	int n;
	int have_decision;
	log_entry decision; /* the newest applied or skipped change */
} hist_ctx;

static int on_hist(const log_entry *l, void *arg)
{
	hist_ctx *c = arg;
	tpl_dict *row = tpl_section(c->d, "HISTORY_ROW");
	page_log_row(row, l);
	if (!c->have_decision && (l->status == ACTION_APPLIED || l->status == ACTION_SKIPPED) &&
	    (l->action == RULES_ACT_OPT_OUT || l->action == RULES_ACT_OPT_IN ||
	     l->action == RULES_ACT_UNSUBSCRIBE || l->action == RULES_ACT_SKIP)) {
		c->have_decision = 1;
		c->decision = *l;
	}
	c->n++;
	return 0;
}

static void show_tag(const char *name, void *ud)
{
	tpl_set(tpl_section(ud, "TAG"), "NAME", name);
}

/* Fills the AC side from the snapshot; returns how many lists have status 1 (-1: no contact). */
static int fill_ac(tpl_dict *d, const ac_snapshot *ac, int found)
{
	if (!found) {
		tpl_show(d, "AC_NONE");
		return -1;
	}
	tpl_dict *a = tpl_section(d, "AC");
	tpl_set(a, "ID", ac->id);
	tpl_set(a, "UDATE", ac->udate);
	tpl_show(a, ac->bounced_hard ? "BOUNCED" : "NOT_BOUNCED");
	int subscribed = 0;
	work_list *l = NULL;
	size_t n = 0;
	if (lists_from_json(ac->lists, &l, &n) < 0)
		n = 0; /* a snapshot that is not an object shows as no lists, as before */
	for (size_t i = 0; i < n; i++) {
		int st = l[i].status;
		tpl_dict *row = tpl_section(a, "LIST");
		tpl_set(row, "ID", l[i].id);
		tpl_set(row, "STATUS", list_status_name(st));
		tpl_set(row, "CLASS", st == 1 ? "ok" : st == 2 || st == 3 ? "bad" : "muted");
		subscribed += st == 1;
	}
	free(l);
	if (!n)
		tpl_show(a, "NO_LISTS");
	tags_each(ac->tags, show_tag, a);
	return subscribed;
}

/* The sentence at the top: what the box is, and why, from the state and the last decision. */
static void explain(tpl_dict *d, const sf_snapshot *sf, int nsf, int ac_subscribed, const ac_snapshot *ac,
                    int ac_found, const hist_ctx *h)
{
	int checked = 0, writable = 0;
	for (int i = 0; i < nsf; i++) {
		if (sf[i].is_converted)
			continue;
		writable++;
		checked += sf[i].opted_out != 0;
	}
	char state[256], why[1024] = "";
	if (nsf == 0)
		snprintf(state, sizeof state, "optsync has no Salesforce record with this address.");
	else if (writable == 0)
		snprintf(state, sizeof state,
		         "Every Salesforce record with this address is a converted Lead (never written).");
	else if (checked == writable)
		snprintf(state, sizeof state, "Email Opt Out is checked on %s Salesforce record%s.",
		         writable == 1 ? "the" : "all", writable == 1 ? "" : "s");
	else if (checked == 0)
		snprintf(state, sizeof state, "Email Opt Out is unchecked on %s Salesforce record%s.",
		         writable == 1 ? "the" : "all", writable == 1 ? "" : "s");
	else
		snprintf(state, sizeof state, "Email Opt Out is checked on %d of %d Salesforce records.",
		         checked, writable);
	if (h->have_decision) {
		char at[48];
		page_time(h->decision.at, at, sizeof at);
		snprintf(why, sizeof why, "Last decision, %s: %s", at,
		         *h->decision.reason ? h->decision.reason : rules_action_name(h->decision.action));
	} else {
		snprintf(why, sizeof why, "optsync has not changed anything for this person yet.");
	}
	tpl_set(d, "STATE_SENTENCE", state);
	tpl_set(d, "WHY_SENTENCE", why);
	/* Opted out in AC: on no list with status 1, or hard-bounced. A partly checked SF side
	 * counts as a difference too. */
	if (ac_found && writable > 0) {
		int ac_out = ac_subscribed <= 0 || ac->bounced_hard;
		int sf_out = checked == writable;
		if ((checked != 0 && checked != writable) || ac_out != sf_out)
			tpl_show(d, "DIFFERENT");
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
	person_link link;
	int lk = store_person_get(r->st, email, &link, &e);
	if (lk < 0)
		page_error_box(r, e.msg);
	if (lk == 1) {
		tpl_dict *l = tpl_section(p, "LINK");
		tpl_set(l, "AC_ID", link.ac_contact_id);
		tpl_set(l, "RULE", *link.last_rule ? link.last_rule : "none yet");
	}
	if (lk == 1 && link.failed[0]) {
		tpl_dict *fd = tpl_section(p, "FAILED");
		char since[48];
		page_time(link.failed_at, since, sizeof since);
		tpl_set(fd, "SINCE", since);
		tpl_set(fd, "REASON", link.failed);
	}
	ac_snapshot ac;
	memset(&ac, 0, sizeof ac);
	int acf = store_ac_by_email(r->st, email, &ac, &e);
	if (acf < 0)
		page_error_box(r, e.msg);
	int subscribed = fill_ac(p, &ac, acf == 1);

	sf_snapshot sf[SF_MAX];
	int nsf = store_sf_by_email(r->st, email, sf, SF_MAX, &e);
	if (nsf < 0) {
		page_error_box(r, e.msg);
		nsf = 0;
	}
	if (nsf == 0)
		tpl_show(p, "SF_NONE");
	for (int i = 0; i < nsf; i++) {
		tpl_dict *s = tpl_section(p, "SF");
		tpl_set(s, "OBJECT", sf[i].object);
		tpl_set(s, "ID", sf[i].id);
		tpl_set(s, "OPTED_OUT", sf[i].opted_out ? "checked" : "unchecked");
		tpl_set(s, "CLASS", sf[i].opted_out ? "bad" : "ok");
		tpl_set(s, "MODSTAMP", sf[i].modstamp);
		if (sf[i].is_converted) {
			tpl_dict *cv = tpl_section(s, "CONVERTED");
			tpl_set(cv, "TO", sf[i].converted_contact_id);
		}
		if (sf[i].linked)
			tpl_show(s, "LINKED");
	}

	hist_ctx h = {.d = p};
	log_filter f = {.email = email, .limit = HISTORY_ROWS};
	if (store_log_query(r->st, &f, on_hist, &h, &e) < 0)
		page_error_box(r, e.msg);
	if (h.n == 0)
		tpl_show(p, "HISTORY_EMPTY");
	explain(p, sf, nsf, subscribed, &ac, acf == 1, &h);
	if (lk != 1 && acf != 1 && nsf == 0)
		tpl_show(p, "UNKNOWN");
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
