/* routes.c - the route table: every URL of the dashboard, its methods, and what it needs. web.c
 * enforces the needs (login, admin, CSRF, method) once, before a handler runs. */
#include "ui.h"

const web_route web_routes[] = {
	/* path                    methods  needs                    handler */
	{"/healthz",               M_GET,   0,                       ui_healthz},
	{"/",                      M_GET,   NEED_LOGIN,              ui_home},
	{"/login",                 M_GET,   0,                       ui_login},
	{"/login",                 M_POST,  PRE_LOGIN,               ui_login_post},
	{"/logout",                M_POST,  NEED_LOGIN,              ui_logout},
	{NULL, 0, 0, NULL},
};
