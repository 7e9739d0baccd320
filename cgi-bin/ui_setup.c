/* ui_setup.c - /setup: the two connections (secrets write-only), "Test connection", "Use the
 * sandbox", "Connect Salesforce" (web-server OAuth with PKCE), the settings, and the webhook URL
 * with "Register webhook in ActiveCampaign". Every change goes through core (connect_*, settings_*,
 * webhook_*): nothing here speaks to a service or includes a client's header. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "connect.h"
#include "cookie.h"
#include "demo.h"
#include "jobs.h"
#include "oauth.h"
#include "secret.h"
#include "settings.h"
#include "store_web.h"
#include "ui.h"
#include "ui_shared.h"
#include "url.h"
#include "webhook_reg.h"
#include "webutil.h"

#define CALLBACK_PATH "/oauth/salesforce/callback"

/* Sets (value) or removes (NULL) the cookie that ties a Salesforce sign-in to this browser: Lax,
 * because Salesforce sends the browser back cross-site and Strict would withhold it; its Path is
 * the callback, so no other page ever receives it; it lives as long as the flow's state. */
static void oauth_cookie(web_req *r, const char *value)
{
	char c[300];
	if (cookie_build_scoped(c, sizeof c, cookie_oauth_name(r->secure), value ? value : "", CALLBACK_PATH,
	                        "Lax", value ? OAUTH_TTL : 0, r->secure) == 0)
		web_header(r, "Set-Cookie", c);
}

/* scheme://host[:port] of this request, as the browser sees it. */
static void self_origin(web_req *r, char *out, size_t n)
{
	web_origin(r, out, n);
	if (!*out)
		snprintf(out, n, "http://127.0.0.1");
}

/* The sandbox is offered when this dashboard is reached on a loopback address: that is where
 * `make run` serves it, and where http:// endpoints are allowed. */
static int sandbox_offered(web_req *r)
{
	const char *host = web_env(r, "HTTP_HOST");
	if (!host || !*host)
		return 0;
	char h[256];
	snprintf(h, sizeof h, "%s", host);
	char *colon = strrchr(h, ':');
	if (colon && !strchr(colon, ']'))
		*colon = '\0';
	return url_host_is_loopback(h);
}

static void hook_url(web_req *r, char *out, size_t n)
{
	char pub[600];
	err_t e = {0};
	if (store_setting_get(r->st, "public_url", pub, sizeof pub, "", &e) < 0 || !*pub)
		self_origin(r, pub, sizeof pub);
	if (webhook_url(r->st, pub, out, n, &e) < 0)
		snprintf(out, n, "(unavailable: %s)", e.msg);
}

static void fill_connection(web_req *r, tpl_dict *d, const char *sys)
{
	store_connection c;
	err_t e = {0};
	int rc = store_connection_load(r->st, sys, &c, &e);
	if (rc < 0)
		page_error_box(r, e.msg);
	tpl_dict *s = tpl_section(d, strcmp(sys, "ac") == 0 ? "AC" : "SF");
	page_role(r, s);
	if (rc == 1) {
		char hint[64], t[48];
		tpl_dict *k = tpl_section(s, "CONNECTED");
		tpl_set(k, "ACCOUNT", c.account);
		page_time(c.verified_at, t, sizeof t);
		tpl_set(k, "VERIFIED", t);
		secret_hint(c.secret, hint, sizeof hint);
		tpl_set(s, "SECRET_HINT", hint);
		if (*c.refresh_token)
			tpl_show(k, "OAUTH");
		tpl_set(s, "URL", c.url);
		tpl_set(s, "CLIENT_ID", c.client_id);
		tpl_set(s, "API_VERSION", c.api_version);
	} else {
		tpl_show(s, "NOT_CONNECTED");
		/* Not login.salesforce.com: the client-credentials grant behind "Save and verify" is
		 * refused there; the placeholder shows the My Domain form instead. */
		tpl_set(s, "URL", "");
		tpl_set(s, "API_VERSION", connect_sf_default_api_version());
	}
	memset(&c, 0, sizeof c);
}

static int render(web_req *r, int status, const char *notice, const char *error)
{
	tpl_dict *d = page_begin(r, "Setup", "setup.tpl", "setup");
	if (!d)
		return 500;
	page_notice(r, notice);
	page_error_box(r, error);
	fill_connection(r, d, "ac");
	fill_connection(r, d, "sf");
	if (sandbox_offered(r)) {
		char base[600];
		self_origin(r, base, sizeof base);
		tpl_set(tpl_section(d, "SANDBOX"), "BASE", base);
	}
	for (const setting_def *s = settings_all(); s->key; s++) {
		char v[600];
		err_t e = {0};
		store_setting_get(r->st, s->key, v, sizeof v, s->def, &e);
		tpl_dict *row = tpl_section(d, "SETTING");
		tpl_set(row, "KEY", s->key);
		tpl_set(row, "VALUE", v);
		tpl_set(row, "DESCRIPTION", s->description);
		tpl_set(row, "DEFAULT", *s->def ? s->def : "none");
		/* A setting with a fixed set of values is a choice, not a text to get wrong. */
		if (s->choices) {
			tpl_dict *ch = tpl_section(row, "CHOICE");
			for (const char *const *c = s->choices; *c; c++) {
				tpl_dict *opt = tpl_section(ch, "OPTION");
				tpl_set(opt, "V", *c);
				if (strcmp(*c, v) == 0)
					tpl_show(opt, "SELECTED");
			}
		} else {
			tpl_show(row, "TEXT");
		}
	}
	/* The webhook URL carries its secret: administrators only. */
	if (strcmp(r->user.role, "admin") == 0) {
		char url[1200];
		hook_url(r, url, sizeof url);
		tpl_set(tpl_section(d, "WEBHOOK"), "URL", url);
	}
	return page_end(r, status);
}

int ui_setup(web_req *r)
{
	const char *done = web_arg(r, "done");
	const char *msg = NULL;
	if (done) {
		if (!strcmp(done, "ac"))
			msg = "ActiveCampaign is connected.";
		else if (!strcmp(done, "sf"))
			msg = "Salesforce is connected.";
		else if (!strcmp(done, "settings"))
			msg = "Settings saved.";
		else if (!strcmp(done, "sandbox"))
			msg = "Both sides are connected to the sandbox. Next: preview the first sync on the "
			      "status page.";
		else if (!strcmp(done, "webhook"))
			msg = "The webhook is registered in ActiveCampaign.";
	}
	return render(r, 200, msg, NULL);
}

/* A stored secret only ever goes back to the host it was typed for: with another host in the form,
 * the secret must be typed again (the new host could be anyone's). */
static int secret_for_new_host(web_req *r, store_connection *old, const char *sys, const char *what)
{
	char msg[300];
	memset(old, 0, sizeof *old);
	snprintf(msg, sizeof msg,
	         "%s was not saved: the URL names another host, so type the %s again (a stored secret "
	         "is only sent to the host it was given for).",
	         sys, what);
	web_log(r, "%s: a new host with the %s left blank refused", sys, what);
	return render(r, 422, NULL, msg);
}

static int status_for(const err_t *e)
{
	return e->kind == ERR_USAGE || e->kind == ERR_CONFIG ? 422 : 502;
}

int ui_setup_ac(web_req *r)
{
	const char *url = form_get_or(&r->post, "url", "");
	const char *key = form_get_or(&r->post, "key", "");
	store_connection old, out;
	err_t e = {0};
	char rate[1100], msg[700];
	/* A blank key keeps the stored one: secrets are write-only on this page. */
	if (!*key && store_connection_load(r->st, "ac", &old, &e) == 1) {
		if (!url_same_origin(old.url, url))
			return secret_for_new_host(r, &old, "ActiveCampaign", "API key");
		key = old.secret;
	}
	job_rate_file(r->app, rate, sizeof rate);
	int rc = connect_ac(r->st, url, key, rate, &out, &e);
	memset(&old, 0, sizeof old);
	memset(&out, 0, sizeof out);
	if (rc < 0) {
		snprintf(msg, sizeof msg, "ActiveCampaign was not saved: %s", e.msg);
		return render(r, status_for(&e), NULL, msg);
	}
	web_log(r, "ActiveCampaign connected by %s", r->user.name);
	return web_redirect(r, "/setup?done=ac");
}

int ui_setup_sf(web_req *r)
{
	store_connection old, out;
	err_t e = {0};
	char msg[700];
	int have_old = store_connection_load(r->st, "sf", &old, &e) == 1;
	connect_sf_args a = {
	    .login_url = form_get_or(&r->post, "login_url", ""),
	    .client_id = form_get_or(&r->post, "client_id", ""),
	    .client_secret = form_get_or(&r->post, "client_secret", ""),
	    .api_version = form_get_or(&r->post, "api_version", ""),
	};
	if (have_old && !*a.client_secret) {
		if (!url_same_origin(old.url, a.login_url))
			return secret_for_new_host(r, &old, "Salesforce", "client secret");
		a.client_secret = old.secret;
	}
	/* A refresh token from "Connect Salesforce" stays while the app and org are the same. */
	if (have_old && *old.refresh_token && strcmp(old.client_id, a.client_id) == 0 &&
	    strcmp(old.url, a.login_url) == 0)
		a.refresh_token = old.refresh_token;
	int rc = connect_sf(r->st, &a, &out, &e);
	memset(&old, 0, sizeof old);
	memset(&out, 0, sizeof out);
	if (rc < 0) {
		snprintf(msg, sizeof msg, "Salesforce was not saved: %s", e.msg);
		return render(r, status_for(&e), NULL, msg);
	}
	web_log(r, "Salesforce connected by %s", r->user.name);
	return web_redirect(r, "/setup?done=sf");
}

int ui_setup_test(web_req *r)
{
	const char *which = form_get_or(&r->post, "which", "");
	store_connection c;
	err_t e = {0};
	char msg[800], rate[1100];
	int is_ac = strcmp(which, "ac") == 0;
	if (!is_ac && strcmp(which, "sf") != 0)
		return render(r, 400, NULL, "Say which connection to test.");
	int rc = store_connection_load(r->st, which, &c, &e);
	if (rc != 1) {
		snprintf(msg, sizeof msg, "%s is not configured yet%s%s",
		         is_ac ? "ActiveCampaign" : "Salesforce", rc < 0 ? ": " : ".", rc < 0 ? e.msg : "");
		return render(r, 422, NULL, msg);
	}
	if (is_ac) {
		job_rate_file(r->app, rate, sizeof rate);
		rc = connect_test_ac(&c, rate, msg, sizeof msg, &e);
	} else {
		rc = connect_test_sf(r->st, &c, msg, sizeof msg, &e);
	}
	memset(&c, 0, sizeof c);
	if (rc < 0) {
		snprintf(msg, sizeof msg, "Test failed: %s", e.msg);
		return render(r, 502, NULL, msg);
	}
	return render(r, 200, msg, NULL);
}

int ui_setup_sandbox(web_req *r)
{
	if (!sandbox_offered(r))
		return render(r, 403, NULL,
		              "The sandbox is only offered when the dashboard is opened on this machine.");
	char base[600], ac_url[700], sf_url[700], rate[1100], msg[800];
	self_origin(r, base, sizeof base);
	snprintf(ac_url, sizeof ac_url, "%s/sandbox/ac", base);
	snprintf(sf_url, sizeof sf_url, "%s/sandbox/sf", base);
	err_t e = {0};
	job_rate_file(r->app, rate, sizeof rate);
	if (connect_ac(r->st, ac_url, demo_ac_key(), rate, NULL, &e) < 0) {
		snprintf(msg, sizeof msg, "The sandbox's ActiveCampaign did not answer: %s", e.msg);
		return render(r, 502, NULL, msg);
	}
	connect_sf_args a = {
	    .login_url = sf_url, .client_id = demo_sf_client_id(), .client_secret = demo_sf_client_secret()};
	if (connect_sf(r->st, &a, NULL, &e) < 0) {
		snprintf(msg, sizeof msg, "The sandbox's Salesforce did not answer: %s", e.msg);
		return render(r, 502, NULL, msg);
	}
	web_log(r, "both sides connected to the sandbox by %s", r->user.name);
	return web_redirect(r, "/setup?done=sandbox");
}

int ui_setup_settings(web_req *r)
{
	/* The settings the form holds; core checks them all before it stores any. */
	setting_kv kv[16];
	size_t n = 0;
	for (const setting_def *s = settings_all(); s->key && n < 16; s++) {
		const char *v = form_get(&r->post, s->key);
		if (v)
			kv[n++] = (setting_kv){.key = s->key, .value = v};
	}
	err_t e = {0};
	if (settings_set_all(r->st, kv, n, &e) < 0)
		return render(r, e.kind == ERR_USAGE ? 422 : 500, NULL, e.msg);
	web_log(r, "settings changed by %s", r->user.name);
	return web_redirect(r, "/setup?done=settings");
}

int ui_setup_webhook(web_req *r)
{
	store_connection c;
	err_t e = {0};
	char url[1200], msg[1400], rate[1100];
	if (store_connection_load(r->st, "ac", &c, &e) != 1)
		return render(r, 422, NULL, "Connect ActiveCampaign first.");
	hook_url(r, url, sizeof url);
	if (url_check_webhook_base(url, &e) < 0) {
		memset(&c, 0, sizeof c);
		return render(r, 422, NULL, e.msg);
	}
	job_rate_file(r->app, rate, sizeof rate);
	int exists = 0;
	int rc = webhook_register(&c, rate, url, &exists, &e);
	memset(&c, 0, sizeof c);
	if (rc < 0) {
		snprintf(msg, sizeof msg, "The webhook was not registered: %s", e.msg);
		return render(r, 502, NULL, msg);
	}
	web_log(r, "webhook %s by %s", exists ? "already registered" : "registered", r->user.name);
	return exists ? render(r, 200, "The webhook was registered already; nothing changed.", NULL)
	              : web_redirect(r, "/setup?done=webhook");
}

int ui_setup_sf_oauth(web_req *r)
{
	oauth_pending p;
	memset(&p, 0, sizeof p);
	store_connection old;
	err_t e = {0};
	int have_old = store_connection_load(r->st, "sf", &old, &e) == 1;
	const char *secret = form_get_or(&r->post, "client_secret", "");
	if (!*secret && have_old) {
		if (!url_same_origin(old.url, form_get_or(&r->post, "login_url", "")))
			return secret_for_new_host(r, &old, "Salesforce", "client secret");
		secret = old.secret;
	}
	snprintf(p.login_url, sizeof p.login_url, "%s", form_get_or(&r->post, "login_url", ""));
	snprintf(p.client_id, sizeof p.client_id, "%s", form_get_or(&r->post, "client_id", ""));
	snprintf(p.client_secret, sizeof p.client_secret, "%s", secret);
	snprintf(p.api_version, sizeof p.api_version, "%s", form_get_or(&r->post, "api_version", ""));
	memset(&old, 0, sizeof old);
	char origin[600];
	self_origin(r, origin, sizeof origin);
	snprintf(p.redirect_uri, sizeof p.redirect_uri, "%s%s", origin, CALLBACK_PATH);
	if (url_check_endpoint(p.login_url, "Salesforce login URL", &e) < 0 || !*p.client_id ||
	    !*p.client_secret) {
		char msg[700];
		snprintf(msg, sizeof msg, "Connect Salesforce needs the login URL, client id and secret: %s",
		         e.kind ? e.msg : "fill in all three");
		memset(&p, 0, sizeof p);
		return render(r, 422, NULL, msg);
	}
	connect_sf_args a = {.login_url = p.login_url,
	                     .client_id = p.client_id,
	                     .client_secret = p.client_secret,
	                     .api_version = p.api_version};
	connect_pkce pk;
	if (connect_sf_pkce_begin(&a, p.redirect_uri, &pk, &e) < 0) {
		memset(&p, 0, sizeof p);
		return render(r, 502, NULL, e.msg);
	}
	snprintf(p.state, sizeof p.state, "%s", pk.state);
	snprintf(p.verifier, sizeof p.verifier, "%s", pk.verifier);
	p.created = (int64_t)time(NULL);
	unsigned char raw[32];
	char browser[2 * sizeof raw + 1];
	randombytes_buf(raw, sizeof raw);
	sodium_bin2hex(browser, sizeof browser, raw, sizeof raw);
	oauth_browser_hash(browser, p.browser_hash);
	oauth_put(&p);
	oauth_cookie(r, browser);
	sodium_memzero(raw, sizeof raw);
	sodium_memzero(browser, sizeof browser);
	char callback[600];
	snprintf(callback, sizeof callback, "%s", p.redirect_uri);
	memset(&p, 0, sizeof p);
	/* A page that moves on by itself: a 303 from a form post to another origin would be stopped
	 * by this site's own CSP (form-action 'self'). */
	tpl_dict *d = page_begin(r, "Connect Salesforce", "oauth.tpl", "setup");
	if (!d)
		return 500;
	tpl_dict *go = tpl_section(d, "GO");
	tpl_set(go, "URL", pk.url);
	tpl_set(go, "CALLBACK", callback);
	tpl_dict *rf = tpl_section(r->tpl, "REFRESH");
	tpl_set(rf, "SECONDS", "0");
	tpl_set(tpl_section(rf, "TO"), "URL", pk.url);
	memset(&pk, 0, sizeof pk);
	return page_end(r, 200);
}

/* The browser comes back from Salesforce here. SameSite=Strict keeps the session cookie off this
 * cross-site navigation, so the flow is identified by its state (random, single use, 10 minutes)
 * instead of the session; the route needs no login. The state alone is not enough: it passes
 * through Salesforce's pages and may leak, and whoever holds it could sign in to an org of their
 * own and connect this dashboard to it. So the flow also needs the cookie its start set in this
 * browser (compared by hash, in constant time). */
int ui_oauth_callback(web_req *r)
{
	const char *state = web_arg(r, "state"), *code = web_arg(r, "code"), *err = web_arg(r, "error");
	oauth_pending p;
	char msg[900];
	tpl_dict *d;
	char browser[128];
	int have =
	    cookie_get(web_env(r, "HTTP_COOKIE"), cookie_oauth_name(r->secure), browser, sizeof browser);
	int got = state ? oauth_take(state, have ? browser : NULL, &p, (int64_t)time(NULL)) : OAUTH_UNKNOWN;
	sodium_memzero(browser, sizeof browser);
	if (got == OAUTH_OTHER_BROWSER) {
		web_log(r, "OAuth callback refused: the flow was started in another browser (%s)",
		        have ? "its cookie does not match" : "no flow cookie");
		return web_error(r, 403,
		                 "This Salesforce sign-in was started in another browser, or this browser's "
		                 "sign-in cookie has expired: nothing was connected. Start again from the "
		                 "setup page, in the browser you will finish it in.");
	}
	if (got != OAUTH_TAKEN) {
		web_log(r, "OAuth callback with an unknown or expired state");
		return web_error(
		    r, 400,
		    "This Salesforce sign-in is unknown or has expired. Start again from the setup page.");
	}
	oauth_cookie(r, NULL);
	err_t e = {0};
	int ok = 0;
	if (err) {
		const char *desc = web_arg(r, "error_description");
		snprintf(msg, sizeof msg, "Salesforce refused: %.100s%s%.300s", err, desc ? ": " : "",
		         desc ? desc : "");
	} else if (!code || !*code) {
		snprintf(msg, sizeof msg, "Salesforce sent no authorization code.");
	} else {
		connect_sf_args a = {.login_url = p.login_url,
		                     .client_id = p.client_id,
		                     .client_secret = p.client_secret,
		                     .api_version = p.api_version};
		int rc = connect_sf_pkce_finish(r->st, &a, code, p.redirect_uri, p.verifier, &e);
		if (rc == 0)
			ok = 1;
		else
			snprintf(msg, sizeof msg, "Salesforce was not connected: %s", e.msg);
	}
	memset(&p, 0, sizeof p);
	web_log(r, "Connect Salesforce: %s", ok ? "connected with a refresh token" : msg);
	d = page_begin(r, "Connect Salesforce", "oauth.tpl", NULL);
	if (!d)
		return 500;
	if (ok)
		tpl_show(d, "DONE");
	else
		tpl_set(tpl_section(d, "FAILED"), "MSG", msg);
	return page_end(r, ok ? 200 : 502);
}
