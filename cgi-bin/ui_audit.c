/* ui_audit.c - /audit: people whose two sides disagree (core's sync_audit, from what optsync saw
 * last; no API call), a fix per row (a resync of that person), and /audit.csv. Differences an
 * admin made on purpose (R5) are shown as accepted, without a fix. */
#include <stdio.h>
#include <string.h>

#include "jobs.h"
#include "sync.h"
#include "ui.h"
#include "ui_shared.h"
#include "webutil.h"

#define AUDIT_ROWS_SHOWN 1000

typedef struct {
	web_req *r;
	tpl_dict *d;
	int n;
	int accepted;
} audit_ctx;

static const char *side_word(const char *s)
{
	if (!strcmp(s, "opted_out"))
		return "opted out";
	if (!strcmp(s, "opted_in"))
		return "subscribed";
	if (!strcmp(s, "mixed"))
		return "mixed";
	return "not seen";
}

static int on_row(const audit_row *a, void *arg)
{
	audit_ctx *c = arg;
	c->n++;
	c->accepted += a->accepted != 0;
	if (c->n > AUDIT_ROWS_SHOWN)
		return 0; /* counted, not shown: the CSV has them all */
	tpl_dict *row = tpl_section(c->d, "ROW");
	char enc[800], url[900];
	form_encode(a->email, enc, sizeof enc);
	snprintf(url, sizeof url, "/contacts?email=%s", enc);
	tpl_set(row, "URL", url);
	tpl_set(row, "EMAIL", a->email);
	tpl_set(row, "AC", side_word(a->ac_side));
	tpl_set(row, "SF", side_word(a->sf_side));
	tpl_set(row, "WHY", a->reason);
	tpl_show(row, a->accepted ? "ACCEPTED" : "FIXABLE");
	page_role(c->r, row);
	return 0;
}

static int render(web_req *r, int status, const char *notice, const char *error)
{
	tpl_dict *d = page_begin(r, "Audit", "audit.tpl", "audit");
	if (!d)
		return 500;
	page_notice(r, notice);
	page_error_box(r, error);
	tpl_dict *a = tpl_section(d, "AUDIT");
	audit_ctx c = {.r = r, .d = a};
	err_t e = {0};
	if (sync_audit(r->st, on_row, &c, &e) < 0)
		page_error_box(r, e.msg);
	tpl_set_int(a, "COUNT", c.n);
	tpl_set_int(a, "ACCEPTED_COUNT", c.accepted);
	if (c.n == 0)
		tpl_show(a, "NONE");
	if (c.n > AUDIT_ROWS_SHOWN)
		tpl_set_int(tpl_section(a, "MORE"), "SHOWN", AUDIT_ROWS_SHOWN);
	return page_end(r, status);
}

int ui_audit(web_req *r)
{
	return render(r, 200, NULL, NULL);
}

static int on_csv(const audit_row *a, void *arg)
{
	buf *b = arg;
	web_csv_field(b, a->email);
	buf_puts(b, ",");
	web_csv_field(b, a->ac_side);
	buf_puts(b, ",");
	web_csv_field(b, a->sf_side);
	buf_puts(b, a->accepted ? ",yes," : ",no,");
	web_csv_field(b, a->reason);
	buf_puts(b, "\r\n");
	return 0;
}

int ui_audit_csv(web_req *r)
{
	buf_reset(&r->out);
	buf_puts(&r->out, "email,activecampaign,salesforce,accepted,reason\r\n");
	err_t e = {0};
	if (sync_audit(r->st, on_csv, &r->out, &e) < 0) {
		web_log(r, "audit: %s", e.msg);
		return web_text(r, 500, "text/plain; charset=utf-8", e.msg);
	}
	r->ctype = "text/csv; charset=utf-8";
	web_header(r, "Content-Disposition", "attachment; filename=\"optsync-audit.csv\"");
	r->status = 200;
	return 200;
}

int ui_audit_fix(web_req *r)
{
	char email[256], rate[1100], msg[1024];
	web_normalize_email(form_get(&r->post, "email"), email, sizeof email);
	if (!*email)
		return render(r, 422, NULL, "Say whose difference to fix.");
	job_rate_file(r->app, rate, sizeof rate);
	sync_options o = {.trigger = "resync", .email = email, .rate_file = rate};
	sync_summary sum;
	memset(&sum, 0, sizeof sum);
	err_t e = {0};
	int rc = sync_run(r->st, &o, &sum, &e);
	char line[512];
	sync_summary_line(&sum, line, sizeof line);
	web_log(r, "audit fix %s by %s: %s%s%s", email, r->user.name, line, rc ? ": " : "", rc ? e.msg : "");
	if (rc < 0) {
		snprintf(msg, sizeof msg, "%s was not fixed: %s", email, e.msg);
		return render(r, e.kind == ERR_LOCKED ? 409 : 502, NULL, msg);
	}
	snprintf(msg, sizeof msg, "%s resynced: %s", email, line);
	return render(r, 200, msg, NULL);
}
