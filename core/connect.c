/* connect.c - the "prove it works before you save it" rule for both connections. */
#include "connect.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "ac.h"
#include "sf.h"
#include "sf_conn.h"
#include "timefmt.h"
#include "url.h"

/* API keys and secrets are opaque, but a bound and printable ASCII keep junk out of headers. */
static int check_token(const char *v, const char *what, size_t max, err_t *e)
{
	size_t n = v ? strlen(v) : 0;
	if (n == 0 || n > max)
		return err_set(e, ERR_USAGE, "%s must have 1 to %zu characters", what, max);
	for (size_t i = 0; i < n; i++)
		if (v[i] <= ' ' || v[i] == 0x7f)
			return err_set(e, ERR_USAGE, "%s contains a space or control character", what);
	return 0;
}

static int check_api_version(const char *v, err_t *e)
{
	int major, minor, used = 0;
	if (sscanf(v, "v%d.%d%n", &major, &minor, &used) != 2 || (size_t)used != strlen(v) || major < 20 ||
	    major > 999)
		return err_set(e, ERR_USAGE, "API version must look like v62.0, not '%.20s'", v);
	return 0;
}

/* Keeps the first connect time when the same account is connected again: sf_import=new counts from it. */
static void keep_connected_at(store *s, const char *system, store_connection *c)
{
	store_connection old;
	err_t ignored = {0};
	if (store_connection_load(s, system, &old, &ignored) == 1 && strcmp(old.url, c->url) == 0)
		snprintf(c->connected_at, sizeof c->connected_at, "%s", old.connected_at);
}

int connect_ac(store *s, const char *url, const char *key, const char *rate_file, store_connection *out,
               err_t *e)
{
	store_connection c = {0};
	if (url_check_endpoint(url, "ActiveCampaign URL", e) < 0 ||
	    url_normalise_base(url, c.url, sizeof c.url, e) < 0 ||
	    check_token(key, "ActiveCampaign API key", 200, e) < 0)
		return -1;
	ac_client *ac = ac_open(c.url, key, rate_file, e);
	int rc = ac ? ac_users_me(ac, c.account, sizeof c.account, e) : -1;
	ac_close(ac);
	if (rc < 0)
		return -1;
	snprintf(c.system, sizeof c.system, "ac");
	snprintf(c.secret, sizeof c.secret, "%s", key);
	timefmt_now_iso(c.verified_at, sizeof c.verified_at);
	keep_connected_at(s, "ac", &c);
	if (store_connection_save(s, &c, e) < 0)
		return -1;
	if (out)
		*out = c;
	return 0;
}

/* The token of the verifying grant goes into the connection saved after it, in the same statement:
 * with rotation on, the refresh token given is spent by that grant and only the new one works. */
static int keep_in_connection(const sf_token *t, void *ud, err_t *e)
{
	store_connection *c = ud;
	if (strlen(t->access_token) >= sizeof c->access_token ||
	    (t->refresh_token && strlen(t->refresh_token) >= sizeof c->refresh_token))
		return err_set(e, ERR_BAD_RESPONSE, "Salesforce: token longer than optsync keeps");
	snprintf(c->access_token, sizeof c->access_token, "%s", t->access_token);
	snprintf(c->instance_url, sizeof c->instance_url, "%s", t->instance_url);
	timefmt_iso_ms(t->issued_at_ms > 0 ? (int64_t)t->issued_at_ms : timefmt_now_ms(), c->access_issued_at,
	               sizeof c->access_issued_at);
	if (t->refresh_token)
		snprintf(c->refresh_token, sizeof c->refresh_token, "%s", t->refresh_token);
	return 0;
}

int connect_sf(store *s, const connect_sf_args *a, store_connection *out, err_t *e)
{
	store_connection c = {0};
	const char *version = a->api_version && *a->api_version ? a->api_version : "v62.0";
	const char *refresh = a->refresh_token && *a->refresh_token ? a->refresh_token : NULL;
	if (url_check_endpoint(a->login_url, "Salesforce login URL", e) < 0 ||
	    url_normalise_base(a->login_url, c.url, sizeof c.url, e) < 0 ||
	    check_token(a->client_id, "Salesforce client id", 255, e) < 0 ||
	    check_token(a->client_secret, "Salesforce client secret", 255, e) < 0 ||
	    (refresh && check_token(refresh, "Salesforce refresh token", 1000, e) < 0) ||
	    check_api_version(version, e) < 0)
		return -1;
	sf_config cfg = {.login_url = c.url,
	                 .client_id = a->client_id,
	                 .client_secret = a->client_secret,
	                 .refresh_token = refresh,
	                 .api_version = version};
	sf_client *sf = sf_open(&cfg, e);
	snprintf(c.refresh_token, sizeof c.refresh_token, "%s", refresh ? refresh : "");
	if (sf)
		sf_on_token(sf, keep_in_connection, &c);
	int rc = sf ? sf_authenticate(sf, e) : -1;
	sf_close(sf);
	if (rc < 0)
		return -1;
	snprintf(c.system, sizeof c.system, "sf");
	snprintf(c.client_id, sizeof c.client_id, "%s", a->client_id);
	snprintf(c.api_version, sizeof c.api_version, "%s", version);
	snprintf(c.secret, sizeof c.secret, "%s", a->client_secret);
	snprintf(c.account, sizeof c.account, "%s", c.instance_url);
	timefmt_now_iso(c.verified_at, sizeof c.verified_at);
	keep_connected_at(s, "sf", &c);
	if (store_connection_save(s, &c, e) < 0)
		return -1;
	if (out)
		*out = c;
	return 0;
}

const char *connect_sf_default_api_version(void)
{
	return SF_DEFAULT_API_VERSION;
}

int connect_test_ac(const store_connection *c, const char *rate_file, char *msg, size_t n, err_t *e)
{
	char user[256] = "";
	ac_client *ac = ac_open(c->url, c->secret, rate_file, e);
	int rc = ac ? ac_users_me(ac, user, sizeof user, e) : -1;
	ac_close(ac);
	snprintf(msg, n, "ActiveCampaign answers: signed in as %s at %s.", user, c->url);
	return rc;
}

int connect_test_sf(store *s, const store_connection *c, char *msg, size_t n, err_t *e)
{
	sf_client *sf = sf_conn_open(s, c, NULL, e);
	int rc = sf ? sf_authenticate(sf, e) : -1;
	if (rc == 0) {
		sf_field_info fi = {0};
		rc = sf_describe_box(sf, SF_CONTACT, &fi, e);
		if (rc == 0 && (!fi.found || !fi.updateable))
			snprintf(msg, n, "Salesforce answers (%s), but " SF_BOX_FIELD " on Contact is %s.",
			         sf_instance_url(sf), fi.found ? "not updatable" : "not visible");
		else
			snprintf(msg, n,
			         "Salesforce answers: token obtained for %s; Email Opt Out is updatable.",
			         sf_instance_url(sf));
	}
	sf_close(sf);
	return rc;
}

int connect_sf_pkce_begin(const connect_sf_args *a, const char *redirect_uri, connect_pkce *out, err_t *e)
{
	sf_config cfg = {.login_url = a->login_url,
	                 .client_id = a->client_id,
	                 .client_secret = a->client_secret,
	                 .api_version = a->api_version};
	sf_pkce pk;
	if (sf_pkce_begin(&cfg, redirect_uri, &pk, e) < 0)
		return -1;
	snprintf(out->verifier, sizeof out->verifier, "%s", pk.verifier);
	snprintf(out->state, sizeof out->state, "%s", pk.state);
	snprintf(out->url, sizeof out->url, "%s", pk.url);
	sodium_memzero(&pk, sizeof pk);
	return 0;
}

int connect_sf_pkce_finish(store *s, const connect_sf_args *a, const char *code, const char *redirect_uri,
                           const char *verifier, err_t *e)
{
	sf_config cfg = {.login_url = a->login_url,
	                 .client_id = a->client_id,
	                 .client_secret = a->client_secret,
	                 .api_version = a->api_version};
	char refresh[1024] = "";
	sf_client *sf = sf_open(&cfg, e);
	int rc = sf ? sf_pkce_exchange(sf, code, redirect_uri, verifier, refresh, sizeof refresh, e) : -1;
	sf_close(sf);
	if (rc == 0) {
		connect_sf_args with = *a;
		with.refresh_token = refresh;
		rc = connect_sf(s, &with, NULL, e);
	}
	sodium_memzero(refresh, sizeof refresh);
	return rc;
}
