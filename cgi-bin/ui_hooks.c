/* ui_hooks.c - POST /hooks/activecampaign/SECRET: ActiveCampaign's webhook. AC neither signs nor
 * retries webhooks, so the secret in the URL is the only credential and the raw body is stored
 * durably before the 200; the sync engine applies it. Wrong secret: 404, as for any unknown URL. */
#include <stdio.h>
#include <string.h>

#include "csrf.h"
#include "spool.h"
#include "store_sync.h"
#include "store_web.h"
#include "timefmt.h"
#include "ui.h"
#include "webhook.h"
#include "webhook_reg.h"
#include "webutil.h"

#define HOOK_PREFIX WEBHOOK_PATH
#define HOOK_DB_WAIT_MS 300

int ui_hook_ac(web_req *r)
{
	const char *given = r->path + strlen(HOOK_PREFIX);
	char secret[128];
	err_t e = {0};
	if (store_web_webhook_secret(r->st, secret, sizeof secret, &e) < 0) {
		web_log(r, "webhook: %s", e.msg);
		return web_text(r, 503, "text/plain; charset=utf-8", "storage unavailable\n");
	}
	if (!csrf_equal(given, secret)) {
		web_log(r, "webhook: wrong secret");
		return web_error(r, 404, "There is no such page.");
	}
	stored_event ev;
	memset(&ev, 0, sizeof ev);
	if (r->body_len >= sizeof ev.payload) {
		web_log(r, "webhook: body of %zu bytes refused (the store keeps at most %zu)", r->body_len,
		        sizeof ev.payload - 1);
		return web_text(r, 413, "text/plain; charset=utf-8", "body too large\n");
	}
	webhook_event w;
	if (webhook_parse(r->body ? r->body : "", r->body_len, &w, &e) < 0) {
		web_log(r, "webhook: refused body: %s", e.msg);
		return web_text(r, 400, "text/plain; charset=utf-8", "bad webhook body\n");
	}
	snprintf(ev.source, sizeof ev.source, "ac");
	snprintf(ev.kind, sizeof ev.kind, "%s", w.type_name);
	web_normalize_email(w.email, ev.email, sizeof ev.email);
	snprintf(ev.occurred_at, sizeof ev.occurred_at, "%s", w.date_time);
	memcpy(ev.payload, r->body, r->body_len);
	ev.payload[r->body_len] = '\0';
	timefmt_now_iso(ev.received_at, sizeof ev.received_at);
	/* A sync may hold the write lock for a while: wait briefly, then spool to a file instead of
	 * letting AC's one delivery time out. */
	char dir[1100];
	spool_dir(r->app->db_path, dir, sizeof dir);
	store_web_busy_timeout(r->st, HOOK_DB_WAIT_MS);
	int rc = store_event_add(r->st, &ev, &e);
	store_web_busy_timeout(r->st, STORE_WEB_BUSY_MS);
	if (rc < 0) {
		err_t se = {0};
		if (spool_put(dir, &ev, &se) < 0) {
			web_log(r, "webhook: cannot store %s for %s: %s; nor spool it: %s", ev.kind, ev.email,
			        e.msg, se.msg);
			return web_text(r, 503, "text/plain; charset=utf-8", "storage unavailable\n");
		}
		web_log(r, "webhook: %s for %s spooled (%s)", ev.kind, ev.email, e.msg);
		return web_text(r, 200, "text/plain; charset=utf-8", "ok\n");
	}
	if (ev.duplicate)
		web_log(r, "webhook: %s for %s delivered again; stored once", ev.kind, ev.email);
	/* The database takes writes again: bring in anything spooled earlier. */
	err_t de = {0};
	if (spool_drain(dir, r->st, 20, &de) < 0)
		web_log(r, "webhook spool: %s", de.msg);
	return web_text(r, 200, "text/plain; charset=utf-8", "ok\n");
}
