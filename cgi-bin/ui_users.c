/* ui_users.c - /users: who may sign in. Everyone sees the list; administrators add and remove
 * people (admins change things, viewers look). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "store_web.h"
#include "ui.h"
#include "ui_shared.h"
#include "webutil.h"

typedef struct {
	web_req *r;
	tpl_dict *d;
} users_ctx;

static int on_user(const store_web_user *u, void *arg)
{
	users_ctx *c = arg;
	web_req *r = c->r;
	tpl_dict *row = tpl_section(c->d, "USER_ROW");
	char t[48];
	tpl_set_int(row, "ID", u->id);
	tpl_set(row, "NAME", u->name);
	tpl_set(row, "ROLE", u->role);
	page_time(u->created_at, t, sizeof t);
	tpl_set(row, "CREATED", t);
	tpl_show(row, u->id == r->user.user_id ? "YOU" : "NOT_YOU");
	page_role(r, row);
	return 0;
}

static int render(web_req *r, int status, const char *notice, const char *error)
{
	tpl_dict *d = page_begin(r, "Users", "users.tpl", "setup");
	if (!d)
		return 500;
	page_notice(r, notice);
	page_error_box(r, error);
	err_t e = {0};
	users_ctx c = {r, d};
	if (store_web_users(r->st, on_user, &c, &e) < 0)
		page_error_box(r, e.msg);
	return page_end(r, status);
}

int ui_users(web_req *r)
{
	const char *done = web_arg(r, "done");
	return render(r, 200,
	              done && !strcmp(done, "added")     ? "User added."
	              : done && !strcmp(done, "deleted") ? "User removed."
	                                                 : NULL,
	              NULL);
}

int ui_users_add(web_req *r)
{
	const char *name = form_get_or(&r->post, "name", "");
	const char *role = form_get_or(&r->post, "role", "viewer");
	const char *pw = form_get_or(&r->post, "password", "");
	size_t l = strlen(name);
	int ok = l > 0 && l <= 64;
	for (const char *p = name; ok && *p; p++)
		ok = isalnum((unsigned char)*p) || strchr("._-@", *p);
	if (!ok)
		return render(r, 422, NULL, "The name must be 1 to 64 letters, digits or . _ - @.");
	if (strlen(pw) < 10)
		return render(r, 422, NULL, "The password must have at least 10 characters.");
	err_t e = {0};
	if (store_user_add(r->st, name, role, pw, &e) < 0)
		return render(r, e.kind == ERR_USAGE ? 422 : 500, NULL, e.msg);
	web_log(r, "user %s (%s) added by %s", name, role, r->user.name);
	return web_redirect(r, "/users?done=added");
}

int ui_users_delete(web_req *r)
{
	int64_t id = web_int64(form_get(&r->post, "id"));
	err_t e = {0};
	if (id == r->user.user_id)
		return render(r, 422, NULL, "You cannot remove yourself while signed in.");
	if (store_web_user_delete(r->st, id, &e) < 0)
		return render(r, e.kind == ERR_NOT_FOUND ? 404 : 422, NULL, e.msg);
	web_log(r, "user %lld removed by %s", (long long)id, r->user.name);
	return web_redirect(r, "/users?done=deleted");
}
