/* ui_checks.c - /checks (each check with pass/warn/fail and the fix in words) and /checks.json,
 * from core's checks_run: the same checks as `optsync check`. A run costs about ten API calls, so
 * a viewer's load shows the last run when it is under CHECKS_CACHE_SECONDS old; an admin's load
 * and "Run again" (admin only) run them fresh. */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "checks.h"
#include "jobs.h"
#include "timefmt.h"
#include "ui.h"
#include "ui_shared.h"
#include "webutil.h"

/* Runs the checks (fresh when fresh is set, else maybe the saved run); returns how many, or -1
 * with e filled (the store could not be read). *taken_at: when the results were taken. */
static int run(web_req *r, int fresh, check_result *c, int64_t *taken_at, int *cached, err_t *e)
{
	char rate[1100];
	job_rate_file(r->app, rate, sizeof rate);
	int64_t now = (int64_t)time(NULL);
	*cached = 0;
	if (fresh)
		return checks_run_saved(r->st, rate, now, c, CHECKS_MAX, taken_at, e);
	return checks_recent(r->st, rate, now, CHECKS_CACHE_SECONDS, c, CHECKS_MAX, taken_at, cached, e);
}

static int is_admin(const web_req *r)
{
	return r->user.ok && strcmp(r->user.role, "admin") == 0;
}

static int page(web_req *r, int fresh)
{
	check_result c[CHECKS_MAX];
	err_t e = {0};
	int64_t at = 0;
	int cached = 0;
	int n = run(r, fresh, c, &at, &cached, &e);
	tpl_dict *d = page_begin(r, "Checks", "checks.tpl", "checks");
	if (!d)
		return 500;
	if (n < 0) {
		page_error_box(r, e.msg);
		n = 0;
	}
	char iso[40], when[64], ago[96];
	timefmt_iso_ms(at * 1000, iso, sizeof iso);
	page_time(iso, when, sizeof when);
	tpl_set(d, "TAKEN", when);
	long age = (long)((int64_t)time(NULL) - at);
	if (cached)
		snprintf(ago, sizeof ago, "%ld s ago; taken again after %d s", age < 0 ? 0 : age,
		         CHECKS_CACHE_SECONDS);
	else
		snprintf(ago, sizeof ago, "just now");
	tpl_set(d, "AGE", ago);
	page_role(r, d);
	int counts[3] = {0, 0, 0};
	for (int i = 0; i < n; i++) {
		const char *st = check_status_name(c[i].status);
		tpl_dict *row = tpl_section(d, "CHECK");
		tpl_set(row, "ID", c[i].id);
		tpl_set(row, "NAME", c[i].title);
		tpl_set(row, "STATUS", st);
		tpl_set(row, "CLASS", web_status_class(st));
		tpl_set(row, "DETAIL", c[i].detail);
		if (*c[i].fix && c[i].status != CHECK_PASS)
			tpl_set(tpl_section(row, "FIX"), "TEXT", c[i].fix);
		counts[c[i].status == CHECK_PASS ? 0 : c[i].status == CHECK_WARN ? 1 : 2]++;
	}
	tpl_set_int(d, "PASS", counts[0]);
	tpl_set_int(d, "WARN", counts[1]);
	tpl_set_int(d, "FAIL", counts[2]);
	return page_end(r, n > 0 ? 200 : 500);
}

int ui_checks(web_req *r)
{
	return page(r, is_admin(r));
}

int ui_checks_run(web_req *r)
{
	return page(r, 1);
}

int ui_checks_json(web_req *r)
{
	check_result c[CHECKS_MAX];
	err_t e = {0};
	int64_t at = 0;
	int cached = 0;
	int n = run(r, is_admin(r), c, &at, &cached, &e);
	json_object *o = json_object_new_object();
	if (n < 0) {
		json_object_object_add(o, "error", json_object_new_string(e.msg));
		int st = web_json(r, 500, o);
		json_object_put(o);
		return st;
	}
	json_object *arr = json_object_new_array();
	for (int i = 0; i < n; i++) {
		json_object *x = json_object_new_object();
		json_object_object_add(x, "id", json_object_new_string(c[i].id));
		json_object_object_add(x, "name", json_object_new_string(c[i].title));
		json_object_object_add(x, "status", json_object_new_string(check_status_name(c[i].status)));
		json_object_object_add(x, "detail", json_object_new_string(c[i].detail));
		json_object_object_add(x, "fix", json_object_new_string(c[i].fix));
		json_object_array_add(arr, x);
	}
	check_status worst = checks_worst(c, n);
	json_object_object_add(o, "status", json_object_new_string(check_status_name(worst)));
	json_object_object_add(o, "ok", json_object_new_boolean(worst != CHECK_FAIL));
	json_object_object_add(o, "checks", arr);
	char iso[40];
	timefmt_iso_ms(at * 1000, iso, sizeof iso);
	json_object_object_add(o, "taken_at", json_object_new_string(iso));
	json_object_object_add(o, "cached", json_object_new_boolean(cached));
	int st = web_json(r, 200, o);
	json_object_put(o);
	return st;
}
