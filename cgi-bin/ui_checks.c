/* ui_checks.c - /checks (each check with pass/warn/fail and the fix in words) and /checks.json,
 * from core's checks_run: the same checks as `optsync check`. */
#include <json-c/json.h>
#include <string.h>

#include "checks.h"
#include "jobs.h"
#include "ui.h"
#include "ui_shared.h"
#include "webutil.h"

/* Runs the checks; returns how many, or -1 with e filled (the store could not be read). */
static int run(web_req *r, check_result *c, err_t *e)
{
	char rate[1100];
	job_rate_file(r->app, rate, sizeof rate);
	return checks_run(r->st, rate, c, CHECKS_MAX, e);
}

int ui_checks(web_req *r)
{
	check_result c[CHECKS_MAX];
	err_t e = {0};
	int n = run(r, c, &e);
	tpl_dict *d = page_begin(r, "Checks", "checks.tpl", "checks");
	if (!d)
		return 500;
	if (n < 0) {
		page_error_box(r, e.msg);
		n = 0;
	}
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

int ui_checks_json(web_req *r)
{
	check_result c[CHECKS_MAX];
	err_t e = {0};
	int n = run(r, c, &e);
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
	int st = web_json(r, 200, o);
	json_object_put(o);
	return st;
}
