/* ac_users.c - AC users: GET /users/me, what optsync reads to test a key. */
#include "sbx.h"
#include "sbx_ac.h"

void sbx_ac_users_me(sbx_req *r)
{
	json_object *u = json_object_new_object();
	json_object_object_add(u, "username", sbx_jstr("sandbox"));
	json_object_object_add(u, "firstName", sbx_jstr("Sandbox"));
	json_object_object_add(u, "lastName", sbx_jstr("Admin"));
	json_object_object_add(u, "email", sbx_jstr("admin@example.com"));
	json_object_object_add(u, "phone", sbx_jstr(""));
	json_object_object_add(u, "signature", NULL);
	json_object *links = json_object_new_object();
	static const char *const what[] = {"lists",          "userGroup", "dealGroupTotals",
	                                   "dealGroupUsers", "configs",   NULL};
	for (int i = 0; what[i]; i++)
		sbx_ac_link(r, links, "users", "1", what[i]);
	json_object_object_add(u, "links", links);
	json_object_object_add(u, "id", sbx_jstr("1"));
	json_object *o = json_object_new_object();
	json_object_object_add(o, "user", u);
	sbx_resp_json(r, 200, o);
}
