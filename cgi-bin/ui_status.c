/* ui_status.c - /status: the background run and its progress, the first-sync preview and its
 * confirmation, queue counts, recent runs, the 30-day chart, and the filterable, keyset-paginated
 * sync log. Also POST /status/sync, /status/preview, /status/confirm and /status/progress.json. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jobs.h"
#include "plan_summary.h"
#include "store_log.h"
#include "store_sync.h"
#include "ui.h"
#include "ui_shared.h"
#include "webutil.h"

#define LOG_PAGE 50
#define CHART_DAYS 30

typedef struct {
	tpl_dict *d;
	int shown;
	int64_t last_id;
	int more;
} log_ctx;

static int on_log(const log_entry *l, void *arg)
{
	log_ctx *c = arg;
	if (c->shown == LOG_PAGE) {
		c->more = 1;
		return 1;
	}
	page_log_row(tpl_section(c->d, "LOG_ROW"), l);
	c->shown++;
	c->last_id = l->id;
	return 0;
}

static int on_run(const run_record *rr, void *arg)
{
	tpl_dict *row = tpl_section(arg, "RUN_ROW");
	char t[48], url[64];
	tpl_set_int(row, "ID", rr->id);
	snprintf(url, sizeof url, "/status?run=%lld", (long long)rr->id);
	tpl_set(row, "URL", url);
	tpl_set(row, "TRIGGER", rr->trigger);
	page_time(rr->started_at, t, sizeof t);
	tpl_set(row, "STARTED", t);
	page_time(rr->ended_at, t, sizeof t);
	tpl_set(row, "ENDED", t);
	tpl_set(row, "STATUS", rr->status);
	tpl_set(row, "STATUS_CLASS", web_status_class(rr->status));
	tpl_set_int(row, "PEOPLE", rr->people);
	tpl_set_int(row, "AC_SF", rr->applied_ac_sf);
	tpl_set_int(row, "SF_AC", rr->applied_sf_ac);
	tpl_set_int(row, "FAILED", rr->failed);
	tpl_set_int(row, "SKIPPED", rr->skipped);
	tpl_set(row, "ERROR", rr->error);
	return 0;
}

typedef struct {
	char day[CHART_DAYS][11];
	long n[CHART_DAYS][2];
} chart;

static int on_day(const char *day, const char *direction, int count, void *arg)
{
	chart *c = arg;
	int d = strcmp(direction ? direction : "", "ac->sf") == 0   ? 0
	        : strcmp(direction ? direction : "", "sf->ac") == 0 ? 1
	                                                            : -1;
	if (d < 0)
		return 0;
	for (int i = 0; i < CHART_DAYS; i++)
		if (strcmp(c->day[i], day) == 0)
			c->n[i][d] += count;
	return 0;
}

/* The chart: one pair of bars per day, drawn by the template as SVG rects (no script). */
static void fill_chart(web_req *r, tpl_dict *d)
{
	chart c;
	memset(&c, 0, sizeof c);
	time_t now = time(NULL);
	for (int i = 0; i < CHART_DAYS; i++) {
		time_t t = now - (time_t)(CHART_DAYS - 1 - i) * 86400;
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(c.day[i], sizeof c.day[i], "%Y-%m-%d", &tm);
	}
	err_t e = {0};
	if (store_log_daily(r->st, CHART_DAYS, on_day, &c, &e) < 0) {
		page_error_box(r, e.msg);
		return;
	}
	long max = 0, total[2] = {0, 0};
	for (int i = 0; i < CHART_DAYS; i++)
		for (int k = 0; k < 2; k++) {
			if (c.n[i][k] > max)
				max = c.n[i][k];
			total[k] += c.n[i][k];
		}
	const int H = 160, top = 10, slot = 24, bar = 10;
	tpl_dict *ch = tpl_section(d, "CHART");
	tpl_set_int(ch, "TOTAL_AC_SF", total[0]);
	tpl_set_int(ch, "TOTAL_SF_AC", total[1]);
	tpl_set_int(ch, "MAX", max);
	for (int i = 0; i < CHART_DAYS; i++) {
		for (int k = 0; k < 2; k++) {
			long v = c.n[i][k];
			int h = max ? (int)((double)v * H / (double)max + 0.5) : 0;
			if (v > 0 && h < 2)
				h = 2;
			tpl_dict *b = tpl_section(ch, "BAR");
			tpl_set_int(b, "X", 40 + i * slot + k * (bar + 1));
			tpl_set_int(b, "Y", top + H - h);
			tpl_set_int(b, "W", bar);
			tpl_set_int(b, "H", h);
			tpl_set(b, "CLASS", k == 0 ? "bar-acsf" : "bar-sfac");
			tpl_setf(b, "TIP", "%s: %ld %s", c.day[i], v,
			         k == 0 ? "to Salesforce" : "to ActiveCampaign");
		}
		if (i % 7 == 0 || (i == CHART_DAYS - 1 && i % 7 >= 3)) {
			tpl_dict *l = tpl_section(ch, "LABEL");
			tpl_set_int(l, "X", 40 + i * slot);
			tpl_set(l, "TEXT", c.day[i] + 5);
		}
	}
	tpl_set_int(ch, "YMAX", max);
}

static void fill_job(web_req *r, tpl_dict *d)
{
	job_state j;
	job_get(&j);
	if (!j.started)
		return;
	tpl_dict *b = tpl_section(d, "JOB");
	tpl_set(b, "KIND", j.dry_run ? "First-sync preview" : "Sync");
	tpl_set(b, "BY", j.by);
	if (j.running) {
		tpl_show(b, "RUNNING");
		tpl_set(b, "PHASE", j.phase);
		tpl_set_int(b, "PEOPLE", j.people);
		tpl_set_int(b, "APPLIED", j.applied);
		tpl_set_int(b, "TOTAL", j.total);
		tpl_set_int(b, "PERCENT", j.total > 0 ? j.applied * 100 / j.total : 0);
		tpl_set(tpl_section(r->tpl, "REFRESH"), "SECONDS", "2");
	} else {
		tpl_dict *f = tpl_section(b, j.ok ? "DONE_OK" : "DONE_FAILED");
		tpl_set(f, "LINE", j.line);
		tpl_set(f, "ERROR", j.error);
		tpl_set_int(f, "RUN", j.sum.run_id);
		char url[64];
		snprintf(url, sizeof url, "/status?run=%lld", (long long)j.sum.run_id);
		tpl_set(f, "RUN_URL", url);
	}
}

/* The preview leads with what changes for people, each kind with its count and a few names;
 * the tags and links optsync keeps for itself are one collapsed line. */
static void fill_plan(web_req *r, tpl_dict *p, int64_t run)
{
	plan_summary ps;
	err_t e = {0};
	if (plan_summary_read(r->st, run, &ps, &e) < 0) {
		page_error_box(r, e.msg);
		return;
	}
	int shown = 0;
	for (int k = 0; k < PLAN_KINDS; k++) {
		const plan_group *g = &ps.kind[k];
		if (g->changes == 0)
			continue;
		tpl_dict *row = tpl_section(p, "PLAN_KIND");
		tpl_set(row, "ACTION", g->action);
		tpl_set(row, "LABEL", g->label);
		tpl_set_int(row, "COUNT", g->changes);
		tpl_setf(row, "DETAIL", "%d %s%s for %d %s", g->changes, g->unit, g->changes == 1 ? "" : "s",
		         g->people, g->people == 1 ? "person" : "people");
		for (int i = 0; i < g->n_names; i++)
			tpl_set(tpl_section(row, "NAME"), "NAME", g->names[i]);
		int more = plan_group_more(g);
		if (more)
			tpl_set_int(tpl_section(row, "MORE"), "N", more);
		shown++;
	}
	if (!shown)
		tpl_show(p, "PLAN_NOTHING");
	/* Skips in a dry run are logged, not counted in the run's summary: count them from the plan. */
	tpl_set_int(p, "PLAN_SKIPPED", ps.kind[PLAN_SKIP].changes);
	int book = ps.tags + ps.links + ps.other;
	if (book) {
		tpl_dict *b = tpl_section(p, "BOOKKEEPING");
		tpl_set_int(b, "COUNT", book);
		tpl_set_int(b, "TAGS", ps.tags);
		tpl_set_int(b, "LINKS", ps.links);
		if (ps.other)
			tpl_set_int(tpl_section(b, "OTHER"), "N", ps.other);
	}
}

/* The first sync is shown as a preview an administrator confirms (SPEC section 1); until then
 * "Resync now" is not offered, so nothing is written blind. */
static void fill_first_sync(web_req *r, tpl_dict *d, int connected)
{
	char v[16];
	err_t e = {0};
	int rc = store_watermark_get(r->st, "first_sync_done", v, sizeof v, &e);
	if (rc < 0) {
		page_error_box(r, e.msg);
		return;
	}
	if (rc == 1 || !connected) {
		if (connected)
			tpl_show(d, "RESYNC");
		return;
	}
	tpl_dict *f = tpl_section(d, "FIRST_SYNC");
	job_state j;
	job_get(&j);
	if (j.started && !j.running && j.dry_run && j.sum.run_id > 0) {
		tpl_dict *p = tpl_section(f, "PREVIEWED");
		tpl_set_int(p, "PLANNED", j.sum.planned);
		tpl_set_int(p, "PEOPLE", j.sum.people);
		tpl_set_int(p, "RUN", j.sum.run_id);
		char url[64];
		snprintf(url, sizeof url, "/status?run=%lld#log", (long long)j.sum.run_id);
		tpl_set(p, "RUN_URL", url);
		snprintf(url, sizeof url, "/status?run=%lld&show=all#log", (long long)j.sum.run_id);
		tpl_set(p, "RUN_ALL_URL", url);
		fill_plan(r, p, j.sum.run_id);
	} else {
		tpl_show(f, "NOT_PREVIEWED");
	}
}

static void fill_counts(web_req *r, tpl_dict *d)
{
	const action_status which[] = {ACTION_PENDING, ACTION_RETRYING, ACTION_FAILED};
	const char *keys[] = {"PENDING", "RETRYING", "FAILED"};
	for (int i = 0; i < 3; i++) {
		err_t e = {0};
		int n = store_actions_count(r->st, which[i], &e);
		if (n < 0) {
			page_error_box(r, e.msg);
			n = 0;
		}
		tpl_set_int(d, keys[i], n);
	}
	run_record last;
	err_t e = {0};
	int rc = store_run_last_success(r->st, &last, &e);
	char t[48] = "never";
	if (rc == 1)
		page_time(last.ended_at, t, sizeof t);
	tpl_set(d, "LAST_SUCCESS", t);
	/* A partial run is no success: say so beside the last one that was. */
	run_record fin;
	if (store_run_last_finished(r->st, &fin, &e) == 1 && strcmp(fin.status, "ok") != 0) {
		tpl_dict *u = tpl_section(d, "LAST_UNDONE");
		char ended[48];
		page_time(fin.ended_at, ended, sizeof ended);
		tpl_set(u, "STATUS", fin.status);
		tpl_set(u, "ENDED", ended);
		tpl_set(u, "ERROR", fin.error[0] ? fin.error : "no reason recorded");
	}
}

static void fill_log(web_req *r, tpl_dict *d)
{
	char email[256];
	const char *status = web_arg(r, "status"), *dir = web_arg(r, "direction");
	const char *run = web_arg(r, "run"), *before = web_arg(r, "before"), *show = web_arg(r, "show");
	/* People-facing rows by default; the bookkeeping (tags, links) on asking. */
	int all = show && strcmp(show, "all") == 0;
	web_normalize_email(web_arg(r, "email"), email, sizeof email);
	static const char *const statuses[] = {"planned", "applied", "failed", "retrying", "skipped", NULL};
	static const char *const dirs[] = {"ac->sf", "sf->ac", NULL};
	if (status && !web_in(status, statuses))
		status = NULL;
	if (dir && !web_in(dir, dirs))
		dir = NULL;
	log_filter f = {.email = *email ? email : NULL,
	                .status = status,
	                .direction = dir,
	                .run = web_int64(run),
	                .before_id = web_int64(before),
	                .limit = LOG_PAGE + 1,
	                .people_only = !all};
	tpl_set(d, "F_EMAIL", email);
	tpl_show(d, all ? "F_SHOW_ALL" : "F_SHOW_PEOPLE");
	char toggle[1100];
	web_log_query(toggle, sizeof toggle, email, status, dir, web_int64(run), 0);
	if (!all)
		web_query_param(toggle, sizeof toggle, "show", "all");
	tpl_set(d, "SHOW_TOGGLE_URL", toggle);
	if (f.run) {
		tpl_set_int(d, "F_RUN_VALUE", f.run);
		tpl_set_int(tpl_section(d, "F_RUN"), "RUN", f.run);
	}
	for (int i = 0; statuses[i]; i++) {
		tpl_dict *o = tpl_section(d, "F_STATUS_OPT");
		tpl_set(o, "VALUE", statuses[i]);
		if (status && strcmp(status, statuses[i]) == 0)
			tpl_show(o, "SELECTED");
	}
	for (int i = 0; dirs[i]; i++) {
		tpl_dict *o = tpl_section(d, "F_DIR_OPT");
		tpl_set(o, "VALUE", dirs[i]);
		tpl_set(o, "LABEL", i == 0 ? "ActiveCampaign → Salesforce" : "Salesforce → ActiveCampaign");
		if (dir && strcmp(dir, dirs[i]) == 0)
			tpl_show(o, "SELECTED");
	}
	log_ctx c = {.d = d};
	err_t e = {0};
	if (store_log_query(r->st, &f, on_log, &c, &e) < 0) {
		page_error_box(r, e.msg);
		return;
	}
	if (c.shown == 0)
		tpl_show(d, "LOG_EMPTY");
	if (f.before_id || c.more) {
		tpl_dict *p = tpl_section(d, "PAGER");
		char base[1024];
		web_log_query(base, sizeof base, email, status, dir, f.run, 0);
		if (all)
			web_query_param(base, sizeof base, "show", "all");
		if (f.before_id)
			tpl_set(tpl_section(p, "NEWEST"), "URL", base);
		if (c.more) {
			char older[1100];
			web_log_query(older, sizeof older, email, status, dir, f.run, c.last_id);
			if (all)
				web_query_param(older, sizeof older, "show", "all");
			tpl_set(tpl_section(p, "OLDER"), "URL", older);
		}
	}
}

static int render(web_req *r, int status, const char *error)
{
	tpl_dict *d = page_begin(r, "Status", "status.tpl", "status");
	if (!d)
		return 500;
	store_connection c;
	err_t e = {0};
	int connected = store_connection_load(r->st, "ac", &c, &e) == 1 &&
	                store_connection_load(r->st, "sf", &c, &e) == 1;
	memset(&c, 0, sizeof c);
	if (!connected)
		tpl_show(d, "NOT_CONNECTED");
	fill_job(r, d);
	fill_first_sync(r, d, connected);
	fill_counts(r, d);
	err_t re = {0};
	if (store_runs_recent(r->st, 10, on_run, d, &re) < 0)
		page_error_box(r, re.msg);
	fill_chart(r, d);
	fill_log(r, d);
	const char *msg = web_arg(r, "msg");
	if (msg && strcmp(msg, "started") == 0)
		page_notice(r, "The run has started; this page follows its progress.");
	page_error_box(r, error);
	return page_end(r, status);
}

int ui_status(web_req *r)
{
	return render(r, 200, NULL);
}

static int start(web_req *r, int dry_run)
{
	char err[256];
	if (job_start(r->app, dry_run, r->user.name, err, sizeof err) < 0)
		return render(r, 409, err);
	web_log(r, "%s started by %s", dry_run ? "first-sync preview" : "sync", r->user.name);
	return web_redirect(r, "/status?msg=started");
}

int ui_status_sync(web_req *r)
{
	/* Before the first sync is confirmed, "Resync now" is the preview: nothing is written blind. */
	char v[16];
	err_t e = {0};
	int done = store_watermark_get(r->st, "first_sync_done", v, sizeof v, &e);
	return start(r, done == 1 ? 0 : 1);
}

int ui_status_preview(web_req *r)
{
	return start(r, 1);
}

int ui_status_confirm(web_req *r)
{
	return start(r, 0);
}

int ui_status_progress(web_req *r)
{
	job_state j;
	job_get(&j);
	json_object *o = json_object_new_object();
	json_object_object_add(o, "started", json_object_new_boolean(j.started));
	json_object_object_add(o, "running", json_object_new_boolean(j.running));
	json_object_object_add(o, "preview", json_object_new_boolean(j.dry_run));
	json_object_object_add(o, "phase", json_object_new_string(j.phase));
	json_object_object_add(o, "people", json_object_new_int64(j.people));
	json_object_object_add(o, "applied", json_object_new_int64(j.applied));
	json_object_object_add(o, "total", json_object_new_int64(j.total));
	json_object_object_add(o, "run", json_object_new_int64(j.sum.run_id));
	json_object_object_add(o, "summary", json_object_new_string(j.line));
	json_object_object_add(o, "error", json_object_new_string(j.error));
	int st = web_json(r, 200, o);
	json_object_put(o);
	return st;
}
