/* ui_home.c - GET /: sends a new installation to /setup and everyone else to /status. */
#include "ui.h"

int ui_home(web_req *r)
{
	store_connection c;
	err_t e = {0};
	int ac = store_connection_load(r->st, "ac", &c, &e);
	int sf = ac == 1 ? store_connection_load(r->st, "sf", &c, &e) : 0;
	if (ac < 0 || sf < 0)
		web_log(r, "%s", e.msg);
	return web_redirect(r, ac == 1 && sf == 1 ? "/status" : "/setup");
}
