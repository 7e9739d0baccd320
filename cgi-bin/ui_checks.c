/* ui_checks.c - /checks (each check with pass/warn/fail and the fix in words) and /checks.json. */
#include <json-c/json.h>
#include <string.h>

#include "checks.h"
#include "ui.h"
#include "ui_shared.h"
#include "webutil.h"

int ui_checks(web_req *r)
{
	web_check c[CHECKS_MAX];
	int n = checks_run(r, c, CHECKS_MAX);
	tpl_dict *d = page_begin(r, "Checks", "checks.tpl", "checks");
	if (!d)
		return 500;
	int counts[3] = {0, 0, 0};
	for (int i = 0; i < n; i++) {
		tpl_dict *row = tpl_section(d, "CHECK");
		tpl_set(row, "ID", c[i].id);
		tpl_set(row, "NAME", c[i].name);
		tpl_set(row, "STATUS", c[i].status);
		tpl_set(row, "CLASS", web_status_class(c[i].status));
		tpl_set(row, "DETAIL", c[i].detail);
		if (*c[i].fix && strcmp(c[i].status, "pass") != 0)
			tpl_set(tpl_section(row, "FIX"), "TEXT", c[i].fix);
		counts[strcmp(c[i].status, "pass") == 0 ? 0 : strcmp(c[i].status, "warn") == 0 ? 1 : 2]++;
	}
	tpl_set_int(d, "PASS", counts[0]);
	tpl_set_int(d, "WARN", counts[1]);
	tpl_set_int(d, "FAIL", counts[2]);
	return page_end(r, 200);
}

int ui_checks_json(web_req *r)
{
	web_check c[CHECKS_MAX];
	int n = checks_run(r, c, CHECKS_MAX);
	json_object *o = json_object_new_object(), *arr = json_object_new_array();
	int fails = 0;
	for (int i = 0; i < n; i++) {
		json_object *x = json_object_new_object();
		json_object_object_add(x, "id", json_object_new_string(c[i].id));
		json_object_object_add(x, "name", json_object_new_string(c[i].name));
		json_object_object_add(x, "status", json_object_new_string(c[i].status));
		json_object_object_add(x, "detail", json_object_new_string(c[i].detail));
		json_object_object_add(x, "fix", json_object_new_string(c[i].fix));
		json_object_array_add(arr, x);
		fails += strcmp(c[i].status, "fail") == 0;
	}
	json_object_object_add(o, "ok", json_object_new_boolean(fails == 0));
	json_object_object_add(o, "checks", arr);
	int st = web_json(r, 200, o);
	json_object_put(o);
	return st;
}
