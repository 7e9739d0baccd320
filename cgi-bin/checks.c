/* checks.c - the checks the dashboard can answer from the store alone, plus honest placeholders. */
#include "checks.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_sync.h"
#include "store_web.h"
#include "timefmt.h"

static web_check *add(web_check *out, int *n, int max, const char *id, const char *name, const char *status,
                      const char *fix, const char *fmt, ...) __attribute__((format(printf, 8, 9)));
static web_check *add(web_check *out, int *n, int max, const char *id, const char *name, const char *status,
                      const char *fix, const char *fmt, ...)
{
	if (*n >= max)
		return NULL;
	web_check *c = &out[(*n)++];
	memset(c, 0, sizeof *c);
	snprintf(c->id, sizeof c->id, "%s", id);
	snprintf(c->name, sizeof c->name, "%s", name);
	snprintf(c->status, sizeof c->status, "%s", status);
	snprintf(c->fix, sizeof c->fix, "%s", fix ? fix : "");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->detail, sizeof c->detail, fmt, ap);
	va_end(ap);
	return c;
}

static void connection(web_req *r, web_check *out, int *n, int max, const char *sys)
{
	store_connection c;
	err_t e = {0};
	int ac = strcmp(sys, "ac") == 0;
	const char *name = ac ? "ActiveCampaign connection" : "Salesforce connection";
	const char *id = ac ? "ac_connection" : "sf_connection";
	int rc = store_connection_load(r->st, sys, &c, &e);
	if (rc < 0)
		add(out, n, max, id, name, "fail",
		    "Check the key file beside the database (it must be the one the secrets were sealed "
		    "with).",
		    "%s", e.msg);
	else if (rc == 0)
		add(out, n, max, id, name, "fail",
		    ac ? "Enter the API URL and key (Settings → Developer in ActiveCampaign) on the setup "
		         "page."
		       : "Enter the login URL, client id and secret of the connected app on the setup page, "
		         "or use Connect Salesforce.",
		    "Not configured.");
	else
		add(out, n, max, id, name, "pass", NULL, "%s as %s, verified %s.", c.url,
		    *c.account ? c.account : "(unknown)", *c.verified_at ? c.verified_at : "never");
	memset(&c, 0, sizeof c);
}

static int64_t age_s(const char *iso)
{
	int64_t ms;
	if (!iso || !*iso || timefmt_parse(iso, &ms) < 0)
		return -1;
	return (timefmt_now_ms() - ms) / 1000;
}

int checks_run(web_req *r, web_check *out, int max)
{
	int n = 0;
	err_t e = {0};
	connection(r, out, &n, max, "ac");
	connection(r, out, &n, max, "sf");

	const char *engine =
	    "Not available yet: this check needs the sync engine's checks, which have not landed in core.";
	add(out, &n, max, "sf_field_access", "Email Opt Out readable and updatable on Contact and Lead",
	    "warn",
	    "Give the integration user read and edit access to HasOptedOutOfEmail on Contact and Lead.", "%s",
	    engine);
	add(out, &n, max, "ac_tags", "The five optsync tags exist in ActiveCampaign", "warn",
	    "The sync creates missing tags itself; a failure here means the API key may not manage tags.",
	    "%s", engine);
	add(out, &n, max, "api_headroom", "API headroom on both sides", "warn",
	    "Raise sf_api_share or the Salesforce API allocation if usage stays high.", "%s", engine);

	store_web_numbers nb;
	if (store_web_numbers_read(r->st, &nb, &e) < 0) {
		add(out, &n, max, "database", "Database", "fail", "See the dashboard's log.", "%s", e.msg);
		return n;
	}
	int64_t a = age_s(nb.last_event_at);
	if (a < 0)
		add(out, &n, max, "webhook", "Webhook registered and recently heard from", "warn",
		    "Register the webhook on the setup page (AC never retries a lost webhook; polling "
		    "catches up).",
		    "No webhook event has arrived yet.");
	else if (a > 7 * 86400)
		add(out, &n, max, "webhook", "Webhook registered and recently heard from", "warn",
		    "Check the webhook in ActiveCampaign (Settings → Developer → Webhooks) still points "
		    "here.",
		    "The last event arrived %lld days ago.", (long long)(a / 86400));
	else
		add(out, &n, max, "webhook", "Webhook registered and recently heard from", "pass", NULL,
		    "Last event received %s; %ld stored in all, %ld not applied yet.", nb.last_event_at,
		    nb.events_total, nb.events_pending);

	char iv[32];
	store_setting_get(r->st, "interval", iv, sizeof iv, "300", &e);
	long interval = atol(iv) > 0 ? atol(iv) : 300;
	int64_t s = age_s(nb.last_success_at);
	if (s < 0)
		add(out, &n, max, "last_sync", "Last sync against the interval", "warn",
		    "Run the first sync from the status page (preview, then confirm), or start the daemon.",
		    "No sync has finished yet.");
	else if (s > 3 * interval)
		add(out, &n, max, "last_sync", "Last sync against the interval", "warn",
		    "Check that the daemon runs (make run starts it) and read its log; a side may be down.",
		    "The last successful sync ended %lld minutes ago; the interval is %ld seconds.",
		    (long long)(s / 60), interval);
	else
		add(out, &n, max, "last_sync", "Last sync against the interval", "pass", NULL,
		    "The last successful sync ended %lld seconds ago (interval %ld s).", (long long)s,
		    interval);

	long pending = nb.actions[0][0] + nb.actions[1][0], retrying = nb.actions[0][1] + nb.actions[1][1];
	long failed = nb.actions[0][3] + nb.actions[1][3];
	if (failed > 0)
		add(out, &n, max, "actions", "Pending and failed actions", "warn",
		    "Open the status page filtered on failed to read each error; fix the record or the "
		    "permission, then resync the person.",
		    "%ld failed, %ld retrying, %ld pending.", failed, retrying, pending);
	else if (retrying > 0)
		add(out, &n, max, "actions", "Pending and failed actions", "warn",
		    "Retries happen on each run; if they stay, a side is refusing or down.",
		    "%ld retrying, %ld pending.", retrying, pending);
	else
		add(out, &n, max, "actions", "Pending and failed actions", "pass", NULL,
		    "%ld pending, none failing.", pending);

	char msg[256];
	int ok = store_web_integrity(r->st, msg, sizeof msg, &e);
	if (ok < 0)
		add(out, &n, max, "database", "Database integrity", "fail", "See the dashboard's log.", "%s",
		    e.msg);
	else if (!ok)
		add(out, &n, max, "database", "Database integrity", "fail",
		    "Stop optsync, copy the database, and restore it from a backup (sqlite3 .recover can "
		    "save what is left).",
		    "quick_check: %s", msg);
	else
		add(out, &n, max, "database", "Database integrity", "pass", NULL, "quick_check: ok.");
	return n;
}
