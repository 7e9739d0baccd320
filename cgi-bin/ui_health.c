/* ui_health.c - GET /healthz: liveness. Answers without touching the database or a session, so a
 * supervisor sees the process alive even while SQLite is busy. */
#include "ui.h"

int ui_healthz(web_req *r)
{
	return web_text(r, 200, "text/plain; charset=utf-8", "ok\n");
}
