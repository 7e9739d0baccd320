/* sf.c - Salesforce: tokens, one refresh on INVALID_SESSION_ID, queries, describe, composite and bulk writes.
 */
#include "sf.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <sodium.h>

#include "sysutil.h"

/* Redaction slots. */
enum { SEC_CLIENT_SECRET, SEC_ACCESS, SEC_REFRESH, SEC_VERIFIER, SEC_CODE, SEC_OLD_REFRESH };

struct sf_client {
	http_client *h;
	sf_options o;
	char login[512];
	char client_id[256];
	char *client_secret;
	char *refresh;
	char version[16];
	char instance[512];
	char *token;
	long token_requests;
	long api_used, api_max;
	sf_token_cb on_token;
	void *on_token_ud;
	int once;         /* the next data call gets one attempt only (a POST that creates) */
	char user_id[24]; /* the integration user, from the token answer's identity URL ("" unknown) */
};

void sf_options_default(sf_options *o)
{
	http_options_default(&o->http);
	o->bulk_threshold = 2000;
	o->chunk = 200;
	o->lock_retries = 1;
	o->lock_retry_ms = 500;
	o->bulk_poll_ms = 2000;
	o->bulk_max_wait_ms = 600000;
}

/* Salesforce error bodies: OAuth {"error","error_description"}, REST [{"errorCode","message"}],
 * and the odd single object. Out: "CODE: message". */
static void sf_detail(const char *body, size_t len, char *out, size_t n)
{
	out[0] = '\0';
	json_tokener *tok = json_tokener_new();
	if (!tok)
		return;
	json_object *j = json_tokener_parse_ex(tok, body, (int)len);
	json_tokener_free(tok);
	char code[128] = "", msg[300] = "";
	json_object *first = j;
	if (json_object_is_type(j, json_type_array) && json_object_array_length(j) > 0)
		first = json_object_array_get_idx(j, 0);
	if (json_get_str(first, "error", code, sizeof code) > 0) {
		if (json_get_str(first, "error_description", msg, sizeof msg) < 0)
			msg[0] = '\0';
	} else {
		if (json_get_str(first, "errorCode", code, sizeof code) <= 0 &&
		    json_get_str(first, "statusCode", code, sizeof code) <= 0)
			code[0] = '\0';
		if (json_get_str(first, "message", msg, sizeof msg) < 0)
			msg[0] = '\0';
	}
	json_object_put(j);
	if (code[0] && msg[0])
		snprintf(out, n, "%s: %s", code, msg);
	else if (code[0] || msg[0])
		snprintf(out, n, "%s", code[0] ? code : msg);
	else {
		size_t o = 0;
		for (size_t i = 0; i < len && o + 1 < n && o < 160; i++)
			out[o++] = (body[i] >= 0x20 && body[i] < 0x7f) ? body[i] : ' ';
		out[o] = '\0';
	}
}

static int valid_name(const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > max || !isalpha((unsigned char)s[0]))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_')
			return 0;
	return 1;
}

static int valid_id(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n != 15 && n != 18)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]))
			return 0;
	return 1;
}

/* "62.0" or "v62.0" -> "v62.0". */
static int norm_version(const char *v, char *out, size_t n)
{
	int major, minor, used = 0;
	if (!v || !*v)
		v = SF_DEFAULT_API_VERSION;
	if (*v == 'v')
		v++;
	if (sscanf(v, "%d.%d%n", &major, &minor, &used) != 2 || (size_t)used != strlen(v) || major < 20 ||
	    major > 999 || minor < 0 || minor > 9)
		return -1;
	snprintf(out, n, "v%d.%d", major, minor);
	return 0;
}

sf_client *sf_open_opts(const sf_config *cfg, const sf_options *o, err_t *e)
{
	sf_options d;
	if (!o) {
		sf_options_default(&d);
		o = &d;
	}
	if (!cfg || !cfg->login_url || !*cfg->login_url || !cfg->client_id || !*cfg->client_id ||
	    !cfg->client_secret || !*cfg->client_secret) {
		err_set(e, ERR_CONFIG, "Salesforce: login URL, client id and client secret are all needed");
		return NULL;
	}
	sf_client *c = calloc(1, sizeof *c);
	if (!c) {
		err_set(e, ERR_INTERNAL, "out of memory");
		return NULL;
	}
	c->api_used = c->api_max = -1;
	c->o = *o;
	if (c->o.chunk < 1 || c->o.chunk > 200)
		c->o.chunk = 200;
	if (c->o.bulk_threshold < 0)
		c->o.bulk_threshold = 0;
	size_t len = strlen(cfg->login_url);
	while (len > 0 && cfg->login_url[len - 1] == '/')
		len--;
	if (len >= sizeof c->login || strlen(cfg->client_id) >= sizeof c->client_id) {
		free(c);
		err_set(e, ERR_USAGE, "Salesforce: login URL or client id too long");
		return NULL;
	}
	memcpy(c->login, cfg->login_url, len);
	c->login[len] = '\0';
	snprintf(c->client_id, sizeof c->client_id, "%s", cfg->client_id);
	if (norm_version(cfg->api_version, c->version, sizeof c->version) < 0) {
		free(c);
		err_set(e, ERR_USAGE, "Salesforce: API version must look like v62.0, not '%.20s'",
		        cfg->api_version);
		return NULL;
	}
	if (http_url_allowed(c->login, e) < 0) {
		err_prefix(e, "Salesforce: login URL");
		free(c);
		return NULL;
	}
	c->client_secret = strdup(cfg->client_secret);
	if (cfg->refresh_token && *cfg->refresh_token)
		c->refresh = strdup(cfg->refresh_token);
	http_options ho = o->http;
	ho.system = "Salesforce";
	ho.detail = sf_detail;
	if (!c->client_secret || (cfg->refresh_token && *cfg->refresh_token && !c->refresh) ||
	    !(c->h = http_new(&ho, e))) {
		if (!c->h)
			err_set(e, ERR_INTERNAL, "Salesforce: out of memory");
		sf_close(c);
		return NULL;
	}
	http_set_secret(c->h, SEC_CLIENT_SECRET, c->client_secret);
	http_set_secret(c->h, SEC_REFRESH, c->refresh);
	/* An access token kept from an earlier run is used until Salesforce answers 401: one token
	 * request per session lifetime instead of one per run. */
	if (cfg->access_token && *cfg->access_token && cfg->instance_url && *cfg->instance_url &&
	    strlen(cfg->access_token) <= 4096 && strlen(cfg->instance_url) < sizeof c->instance) {
		err_t ue;
		if (http_url_allowed(cfg->instance_url, &ue) == 0 && (c->token = strdup(cfg->access_token))) {
			snprintf(c->instance, sizeof c->instance, "%s", cfg->instance_url);
			http_set_secret(c->h, SEC_ACCESS, c->token);
		}
	}
	return c;
}

void sf_on_token(sf_client *c, sf_token_cb cb, void *ud)
{
	c->on_token = cb;
	c->on_token_ud = ud;
}

sf_client *sf_open(const sf_config *cfg, err_t *e)
{
	return sf_open_opts(cfg, NULL, e);
}

void sf_close(sf_client *c)
{
	if (!c)
		return;
	http_free(c->h);
	wipe_free(c->client_secret);
	wipe_free(c->refresh);
	wipe_free(c->token);
	free(c);
}

const char *sf_instance_url(const sf_client *c)
{
	return c->instance;
}

void sf_get_stats(const sf_client *c, sf_stats *s)
{
	http_stats hs;
	http_get_stats(c->h, &hs);
	s->calls = hs.calls;
	s->rate_limited = hs.rate_limited;
	s->retries = hs.retries;
	s->token_requests = c->token_requests;
	s->api_used = c->api_used;
	s->api_max = c->api_max;
}

int sf_api_usage(const sf_client *c, long *used, long *max)
{
	if (c->api_max <= 0)
		return -1;
	*used = c->api_used;
	*max = c->api_max;
	return 0;
}

/* "api-usage=25/5000" (possibly among other, comma-separated entries). */
static void note_limit_info(sf_client *c, const char *v)
{
	const char *p = strstr(v, "api-usage=");
	long used, max;
	if (p && sscanf(p + 10, "%ld/%ld", &used, &max) == 2 && used >= 0 && max > 0) {
		c->api_used = used;
		c->api_max = max;
	}
}

/* --- tokens --------------------------------------------------------------------------------------- */

/* Appends &name=urlencoded(value) to a form body. */
static int form_add(char *buf, size_t n, const char *name, const char *value)
{
	size_t len = strlen(buf);
	int w = snprintf(buf + len, n - len, "%s%s=", len ? "&" : "", name);
	if (w < 0 || (size_t)w >= n - len)
		return -1;
	len += (size_t)w;
	return http_urlencode(value, buf + len, n - len);
}

/* POSTs a token request and takes access_token, instance_url and (if any) refresh_token from it. */
static int token_request(sf_client *c, const char *form, int client_credentials, char *refresh_out,
                         size_t refresh_n, err_t *e)
{
	const char *op = "token";
	char url[600];
	snprintf(url, sizeof url, "%s/services/oauth2/token", c->login);
	http_request rq = {.method = "POST",
	                   .url = url,
	                   .op = op,
	                   .body = form,
	                   .body_len = strlen(form),
	                   .content_type = "application/x-www-form-urlencoded"};
	http_response rs;
	err_t le;
	c->token_requests++;
	if (http_do(c->h, &rq, &rs, &le) < 0) {
		/* A refused grant comes back as 400/401 with {"error": ...}: that is an auth problem, said
		 * plainly. */
		if ((le.http_status == 400 || le.http_status == 401 || le.http_status == 403) && rs.body) {
			char detail[400];
			sf_detail(rs.body, rs.len, detail, sizeof detail);
			if (client_credentials && strstr(detail, "not supported on this domain"))
				/* Salesforce takes the client-credentials grant only on the org's own My
				 * Domain host, not on login.salesforce.com or test.salesforce.com ("Migrate
				 * from OAuth Username-Password to Client Credentials Flow", Salesforce Help
				 * 000886201); it answers 400 invalid_grant with this text. */
				http_fail(
				    c->h, &le, ERR_AUTH, op,
				    "%s: the client-credentials flow needs your org's My Domain login URL "
				    "(https://YOURDOMAIN.my.salesforce.com, or "
				    "https://YOURDOMAIN--SANDBOX.sandbox.my.salesforce.com), not %s; use it, "
				    "or \"Connect Salesforce\" in the browser",
				    detail, c->login);
			else
				http_fail(c->h, &le, ERR_AUTH, op, "%s", detail);
			le.http_status = (int)rs.status;
		}
		http_response_free(&rs);
		if (e)
			*e = le;
		return -1;
	}
	json_object *j;
	int rc = http_json(c->h, &rs, op, &j, e);
	http_response_free(&rs);
	if (rc < 0)
		return -1;
	char instance[sizeof c->instance], refresh[1024];
	json_object *tok = json_get(j, "access_token", json_type_string);
	if (!tok || json_object_get_string_len(tok) == 0 || json_object_get_string_len(tok) > 4096) {
		json_object_put(j);
		return http_fail(c->h, e, ERR_BAD_RESPONSE, op, "unexpected response: no access_token");
	}
	if (json_get_str(j, "instance_url", instance, sizeof instance) <= 0) {
		json_object_put(j);
		return http_fail(c->h, e, ERR_BAD_RESPONSE, op, "unexpected response: no instance_url");
	}
	size_t il = strlen(instance);
	while (il > 0 && instance[il - 1] == '/')
		instance[--il] = '\0';
	err_t ue;
	if (http_url_allowed(instance, &ue) < 0) {
		json_object_put(j);
		return http_fail(c->h, e, ERR_BAD_RESPONSE, op, "instance_url refused: %s", ue.msg);
	}
	int rr = json_get_str(j, "refresh_token", refresh, sizeof refresh);
	char *t = strdup(json_object_get_string(tok));
	if (!t) {
		json_object_put(j);
		return http_fail(c->h, e, ERR_INTERNAL, op, "out of memory");
	}
	wipe_free(c->token);
	c->token = t;
	http_set_secret(c->h, SEC_ACCESS, t);
	snprintf(c->instance, sizeof c->instance, "%s", instance);
	/* Refresh-token rotation: with it on in the connected app, every refresh answers a new refresh
	 * token and the one just used is invalidated ("OAuth 2.0 Refresh Token Flow for Renewed
	 * Sessions", Salesforce Help). The new one replaces ours at once; the old one stays redacted. */
	const char *rotated = NULL;
	if (!refresh_out && c->refresh && rr > 0 && strcmp(refresh, c->refresh) != 0) {
		char *r = strdup(refresh);
		if (!r) {
			json_object_put(j);
			return http_fail(c->h, e, ERR_INTERNAL, op, "out of memory");
		}
		http_set_secret(c->h, SEC_OLD_REFRESH, c->refresh);
		wipe_free(c->refresh);
		c->refresh = r;
		http_set_secret(c->h, SEC_REFRESH, r);
		rotated = r;
	}
	if (refresh_out) {
		if (rr <= 0) {
			json_object_put(j);
			return http_fail(
			    c->h, e, ERR_AUTH, op,
			    "no refresh_token in the answer: give the connected app the "
			    "\"Perform requests at any time (refresh_token, offline_access)\" scope");
		}
		char *r = strdup(refresh);
		if (!r) {
			json_object_put(j);
			return http_fail(c->h, e, ERR_INTERNAL, op, "out of memory");
		}
		wipe_free(c->refresh);
		c->refresh = r;
		http_set_secret(c->h, SEC_REFRESH, r);
		snprintf(refresh_out, refresh_n, "%s", refresh);
		if (strlen(refresh) >= refresh_n) {
			json_object_put(j);
			return http_fail(c->h, e, ERR_INTERNAL, op, "refresh token longer than the buffer");
		}
		rotated = c->refresh;
	}
	sodium_memzero(refresh, sizeof refresh);
	char issued[32] = "", idurl[600] = "";
	json_get_str(j, "issued_at", issued, sizeof issued);
	/* "id" is https://login.../id/ORGID/USERID: who the jobs this client creates belong to. */
	if (json_get_str(j, "id", idurl, sizeof idurl) > 0) {
		const char *slash = strrchr(idurl, '/');
		if (slash && valid_id(slash + 1))
			snprintf(c->user_id, sizeof c->user_id, "%s", slash + 1);
	}
	json_object_put(j);
	/* The keeper stores the tokens before the access token is used: a rotated refresh token that
	 * was not stored would be lost for good, and every later run refused with invalid_grant. */
	if (c->on_token) {
		sf_token tk = {.access_token = c->token,
		               .instance_url = c->instance,
		               .refresh_token = rotated,
		               .issued_at_ms = atoll(issued)};
		err_t ke = {0};
		if (c->on_token(&tk, c->on_token_ud, &ke) < 0) {
			wipe_free(c->token);
			c->token = NULL;
			return http_fail(c->h, e, ke.kind ? ke.kind : ERR_DB, op,
			                 "the new token%s could not be stored: %s",
			                 rotated ? " and refresh token" : "", ke.msg);
		}
	}
	return 0;
}

int sf_authenticate(sf_client *c, err_t *e)
{
	char form[4096] = "";
	int rc;
	if (c->refresh)
		rc = form_add(form, sizeof form, "grant_type", "refresh_token") |
		     form_add(form, sizeof form, "refresh_token", c->refresh);
	else
		rc = form_add(form, sizeof form, "grant_type", "client_credentials");
	rc |= form_add(form, sizeof form, "client_id", c->client_id) |
	      form_add(form, sizeof form, "client_secret", c->client_secret);
	if (rc < 0) {
		sodium_memzero(form, sizeof form);
		return http_fail(c->h, e, ERR_USAGE, "token", "credentials too long");
	}
	rc = token_request(c, form, !c->refresh, NULL, 0, e);
	sodium_memzero(form, sizeof form);
	return rc;
}

/* --- PKCE ----------------------------------------------------------------------------------------- */

int sf_pkce_begin(const sf_config *cfg, const char *redirect_uri, sf_pkce *out, err_t *e)
{
	unsigned char raw[32], digest[crypto_hash_sha256_BYTES];
	char challenge[64], login[512], enc_id[800], enc_redirect[3200];
	memset(out, 0, sizeof *out);
	if (sodium_init() < 0)
		return err_set(e, ERR_INTERNAL, "Salesforce: authorize: libsodium did not initialise");
	if (!cfg || !cfg->login_url || !*cfg->login_url || !cfg->client_id || !*cfg->client_id ||
	    !redirect_uri || !*redirect_uri)
		return err_set(e, ERR_CONFIG,
		               "Salesforce: authorize: login URL, client id and redirect URI are needed");
	if (http_url_allowed(cfg->login_url, e) < 0 || http_url_allowed(redirect_uri, e) < 0)
		return err_prefix(e, "Salesforce: authorize");
	size_t len = strlen(cfg->login_url);
	while (len > 0 && cfg->login_url[len - 1] == '/')
		len--;
	if (len >= sizeof login || http_urlencode(cfg->client_id, enc_id, sizeof enc_id) < 0 ||
	    http_urlencode(redirect_uri, enc_redirect, sizeof enc_redirect) < 0)
		return err_set(e, ERR_USAGE, "Salesforce: authorize: URL or client id too long");
	memcpy(login, cfg->login_url, len);
	login[len] = '\0';
	/* RFC 7636: a verifier of 43 characters from 32 random bytes, challenge = base64url(sha256). */
	randombytes_buf(raw, sizeof raw);
	sodium_bin2base64(out->verifier, sizeof out->verifier, raw, sizeof raw,
	                  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	crypto_hash_sha256(digest, (const unsigned char *)out->verifier, strlen(out->verifier));
	sodium_bin2base64(challenge, sizeof challenge, digest, sizeof digest,
	                  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	randombytes_buf(raw, 24);
	sodium_bin2base64(out->state, sizeof out->state, raw, 24, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof raw);
	int w =
	    snprintf(out->url, sizeof out->url,
	             "%s/services/oauth2/authorize?response_type=code&client_id=%s&redirect_uri=%s&state=%s"
	             "&code_challenge=%s&code_challenge_method=S256",
	             login, enc_id, enc_redirect, out->state, challenge);
	if (w < 0 || (size_t)w >= sizeof out->url) {
		sodium_memzero(out, sizeof *out);
		return err_set(e, ERR_USAGE, "Salesforce: authorize: URL too long");
	}
	return 0;
}

int sf_pkce_state_ok(const char *expected, const char *got)
{
	if (!expected || !got || !*expected || !*got)
		return 0;
	size_t n = strlen(expected);
	if (strlen(got) != n)
		return 0;
	return sodium_memcmp(expected, got, n) == 0;
}

int sf_pkce_exchange(sf_client *c, const char *code, const char *redirect_uri, const char *verifier,
                     char *refresh_token, size_t n, err_t *e)
{
	if (!code || !*code || !verifier || !*verifier || !redirect_uri || !*redirect_uri)
		return http_fail(c->h, e, ERR_USAGE, "token",
		                 "the authorization code, verifier and redirect URI are needed");
	http_set_secret(c->h, SEC_VERIFIER, verifier);
	http_set_secret(c->h, SEC_CODE, code);
	char form[8192] = "";
	int rc = form_add(form, sizeof form, "grant_type", "authorization_code") |
	         form_add(form, sizeof form, "code", code) |
	         form_add(form, sizeof form, "client_id", c->client_id) |
	         form_add(form, sizeof form, "client_secret", c->client_secret) |
	         form_add(form, sizeof form, "redirect_uri", redirect_uri) |
	         form_add(form, sizeof form, "code_verifier", verifier);
	if (rc < 0)
		rc = http_fail(c->h, e, ERR_USAGE, "token", "code or redirect URI too long");
	else
		rc = token_request(c, form, 0, refresh_token, n, e);
	sodium_memzero(form, sizeof form);
	return rc;
}

/* --- data calls ----------------------------------------------------------------------------------- */

/* Sends method to instance_url + path with the bearer token; gets a token first if there is none, and
 * on 401 gets a new one once and tries again. rs is filled as by http_do. */
static int sf_call(sf_client *c, const char *method, const char *path, const char *body, const char *ctype,
                   const char *accept, const char *op, http_response *rs, err_t *e)
{
	memset(rs, 0, sizeof *rs);
	if (!c->token && sf_authenticate(c, e) < 0)
		return -1;
	for (int attempt = 0;; attempt++) {
		char url[8192], auth[4200], acc[64];
		if (snprintf(url, sizeof url, "%s%s", c->instance, path) >= (int)sizeof url)
			return http_fail(c->h, e, ERR_INTERNAL, op, "URL too long");
		snprintf(auth, sizeof auth, "Authorization: Bearer %s", c->token);
		snprintf(acc, sizeof acc, "Accept: %s", accept ? accept : "application/json");
		const char *hdrs[] = {auth, acc, NULL};
		http_request rq = {.method = method,
		                   .url = url,
		                   .op = op,
		                   .headers = hdrs,
		                   .body = body,
		                   .body_len = body ? strlen(body) : 0,
		                   .content_type = ctype,
		                   .no_retry = c->once};
		err_t le;
		int rc = http_do(c->h, &rq, rs, &le);
		sodium_memzero(auth, sizeof auth);
		if (rs->limit_info[0])
			note_limit_info(c, rs->limit_info);
		if (rc == 0)
			return 0;
		if (le.http_status == 401 && attempt == 0) {
			/* Expired or revoked session (INVALID_SESSION_ID): one new token, one more try. */
			http_response_free(rs);
			if (sf_authenticate(c, e) < 0)
				return -1;
			continue;
		}
		if (le.http_status == 401) {
			char detail[300] = "";
			if (rs->body)
				sf_detail(rs->body, rs->len, detail, sizeof detail);
			http_fail(c->h, &le, ERR_AUTH, op, "%s after token refresh",
			          detail[0] ? detail : "HTTP 401");
			le.http_status = 401;
		} else if (le.http_status == 403 && rs->body && strstr(rs->body, "REQUEST_LIMIT_EXCEEDED")) {
			int st = le.http_status;
			char detail[300];
			sf_detail(rs->body, rs->len, detail, sizeof detail);
			http_fail(c->h, &le, ERR_RATE_LIMITED, op, "%s", detail);
			le.http_status = st;
		}
		if (e)
			*e = le;
		return -1;
	}
}

/* sf_call + JSON body of the answer. */
static int sf_json(sf_client *c, const char *method, const char *path, const char *body, const char *op,
                   json_object **out, err_t *e)
{
	http_response rs;
	*out = NULL;
	int rc = sf_call(c, method, path, body, body ? "application/json" : NULL, NULL, op, &rs, e);
	if (rc == 0)
		rc = http_json(c->h, &rs, op, out, e);
	http_response_free(&rs);
	return rc;
}

static int bad(sf_client *c, err_t *e, const char *op, const char *what)
{
	return http_fail(c->h, e, ERR_BAD_RESPONSE, op, "unexpected response: %s", what);
}

int sf_limits(sf_client *c, long *daily_max, long *daily_remaining, err_t *e)
{
	const char *op = "limits";
	char path[64];
	snprintf(path, sizeof path, "/services/data/%s/limits", c->version);
	json_object *j;
	if (sf_json(c, "GET", path, NULL, op, &j, e) < 0)
		return -1;
	json_object *d = json_get(j, "DailyApiRequests", json_type_object);
	int rc = 0;
	if (!d || json_get_long(d, "Max", daily_max) != 1 ||
	    json_get_long(d, "Remaining", daily_remaining) != 1)
		rc = bad(c, e, op, "no DailyApiRequests Max/Remaining");
	json_object_put(j);
	return rc;
}

/* --- queries -------------------------------------------------------------------------------------- */

int sf_soql_escape(const char *s, char *out, size_t n)
{
	size_t o = 0;
	for (const char *p = s; *p; p++) {
		const char *rep = NULL;
		char one[2] = {*p, 0};
		switch (*p) {
		case '\'':
			rep = "\\'";
			break;
		case '"':
			rep = "\\\"";
			break;
		case '\\':
			rep = "\\\\";
			break;
		case '\n':
			rep = "\\n";
			break;
		case '\r':
			rep = "\\r";
			break;
		case '\t':
			rep = "\\t";
			break;
		case '\b':
			rep = "\\b";
			break;
		case '\f':
			rep = "\\f";
			break;
		default:
			rep = one;
		}
		size_t rl = strlen(rep);
		if (o + rl >= n)
			return -1;
		memcpy(out + o, rep, rl);
		o += rl;
	}
	if (o >= n)
		return -1;
	out[o] = '\0';
	return 0;
}

int sf_rec_str(json_object *rec, const char *field, char *out, size_t n)
{
	return json_get_str(rec, field, out, n);
}

int sf_rec_bool(json_object *rec, const char *field, int *out)
{
	return json_get_bool(rec, field, out);
}

int sf_query(sf_client *c, const char *soql, sf_record_cb cb, void *ud, long *total, err_t *e)
{
	/* "query Contact" names the object in messages, as the admin thinks of it. */
	char op[96] = "query", path[8192];
	const char *from = strcasestr(soql, " from ");
	if (from) {
		from += 6;
		snprintf(op, sizeof op, "query %.*s", (int)strcspn(from, " \t\n"), from);
	}
	int w = snprintf(path, sizeof path, "/services/data/%s/query?q=", c->version);
	if (w < 0 || http_urlencode(soql, path + w, sizeof path - (size_t)w) < 0)
		return http_fail(c->h, e, ERR_USAGE, op, "query too long");
	if (total)
		*total = -1;
	for (long page = 0;; page++) {
		json_object *j;
		if (sf_json(c, "GET", path, NULL, op, &j, e) < 0)
			return -1;
		json_object *recs = json_get(j, "records", json_type_array);
		int done = 0, rc = 0;
		long ts;
		char next[2048];
		if (!recs || json_get_bool(j, "done", &done) != 1) {
			json_object_put(j);
			return bad(c, e, op, "no records list or done flag");
		}
		if (page == 0 && total && json_get_long(j, "totalSize", &ts) == 1)
			*total = ts;
		if (json_get_str(j, "nextRecordsUrl", next, sizeof next) < 0) {
			json_object_put(j);
			return bad(c, e, op, "bad nextRecordsUrl");
		}
		for (size_t i = 0; i < json_object_array_length(recs) && rc == 0; i++) {
			json_object *r = json_object_array_get_idx(recs, i);
			if (!json_object_is_type(r, json_type_object)) {
				rc = bad(c, e, op, "a record is not an object");
				break;
			}
			rc = cb(r, ud, e);
		}
		json_object_put(j);
		if (rc < 0)
			return -1;
		if (rc > 0 || done)
			return 0;
		/* Follow only a path on the same instance, never a full URL somewhere else. */
		if (!next[0] || strncmp(next, "/services/data/", 15) != 0)
			return bad(
			    c, e, op,
			    "done is false but nextRecordsUrl is missing or not a /services/data/ path");
		snprintf(path, sizeof path, "%s", next);
	}
}

/* --- describe ------------------------------------------------------------------------------------- */

int sf_describe_field(sf_client *c, const char *object, const char *field, sf_field_info *out, err_t *e)
{
	char op[96], path[256];
	memset(out, 0, sizeof *out);
	snprintf(op, sizeof op, "describe %.40s", object ? object : "");
	if (!valid_name(object, 80) || !valid_name(field, 80))
		return http_fail(c->h, e, ERR_USAGE, op, "bad object or field name");
	snprintf(path, sizeof path, "/services/data/%s/sobjects/%s/describe", c->version, object);
	json_object *j;
	if (sf_json(c, "GET", path, NULL, op, &j, e) < 0)
		return -1;
	json_object *fields = json_get(j, "fields", json_type_array);
	int rc = 0;
	if (!fields) {
		rc = bad(c, e, op, "no fields list");
	} else {
		for (size_t i = 0; i < json_object_array_length(fields); i++) {
			json_object *f = json_object_array_get_idx(fields, i);
			char name[128];
			if (json_get_str(f, "name", name, sizeof name) <= 0 || strcmp(name, field) != 0)
				continue;
			out->found = 1;
			if (json_get_bool(f, "updateable", &out->updateable) < 0 ||
			    json_get_str(f, "type", out->type, sizeof out->type) < 0)
				rc = bad(c, e, op, "a field with bad updateable or type");
			break;
		}
	}
	json_object_put(j);
	return rc;
}

/* --- updates -------------------------------------------------------------------------------------- */

int sf_error_is_transient(const char *code)
{
	static const char *const transient[] = {
	    "UNABLE_TO_LOCK_ROW", "REQUEST_RUNNING_TOO_LONG",         "SERVER_UNAVAILABLE",
	    "QUERY_TIMEOUT",      "TXN_SECURITY_NO_ACCESS_TEMPORARY", NULL};
	for (const char *const *p = transient; code && *p; p++)
		if (strcmp(code, *p) == 0)
			return 1;
	return 0;
}

static void set_result(sf_result *r, sf_res_status st, const char *code, const char *msg)
{
	r->status = st;
	snprintf(r->code, sizeof r->code, "%s", code ? code : "");
	snprintf(r->message, sizeof r->message, "%s", msg ? msg : "");
}

static int check_updates(sf_client *c, const char *field, const sf_update *u, size_t n, const char *op,
                         err_t *e)
{
	if (!valid_name(field, 80))
		return http_fail(c->h, e, ERR_USAGE, op, "bad field name");
	for (size_t i = 0; i < n; i++)
		if (!valid_name(u[i].object, 80) || !valid_id(u[i].id))
			return http_fail(c->h, e, ERR_USAGE, op, "record %zu: bad object or id '%.20s'", i,
			                 u[i].id ? u[i].id : "");
	return 0;
}

/* One composite call for the records idx[0..k) of u; fills their results by position. */
static int composite_once(sf_client *c, const char *field, const sf_update *u, const size_t *idx, size_t k,
                          sf_result *res, err_t *e)
{
	const char *op = "update records";
	char path[96];
	snprintf(path, sizeof path, "/services/data/%s/composite/sobjects", c->version);
	json_object *body = json_object_new_object(), *recs = json_object_new_array();
	json_object_object_add(body, "allOrNone", json_object_new_boolean(0));
	for (size_t i = 0; i < k; i++) {
		const sf_update *x = &u[idx[i]];
		json_object *r = json_object_new_object(), *a = json_object_new_object();
		json_object_object_add(a, "type", json_object_new_string(x->object));
		json_object_object_add(r, "attributes", a);
		json_object_object_add(r, "id", json_object_new_string(x->id));
		json_object_object_add(r, field, json_object_new_boolean(x->value ? 1 : 0));
		json_object_array_add(recs, r);
	}
	json_object_object_add(body, "records", recs);
	json_object *j;
	int rc = sf_json(c, "PATCH", path, json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN), op,
	                 &j, e);
	json_object_put(body);
	if (rc < 0)
		return -1;
	if (!json_object_is_type(j, json_type_array) || json_object_array_length(j) != k) {
		json_object_put(j);
		return bad(c, e, op, "not one result per record");
	}
	/* Results come in request order; a failed one has no id, so position is the only key. */
	for (size_t i = 0; i < k && rc == 0; i++) {
		json_object *r = json_object_array_get_idx(j, i);
		int ok;
		if (json_get_bool(r, "success", &ok) != 1) {
			rc = bad(c, e, op, "a result without success");
			break;
		}
		if (ok) {
			set_result(&res[idx[i]], SF_RES_OK, NULL, NULL);
			continue;
		}
		char code[64] = "", msg[256] = "";
		json_object *errs = json_get(r, "errors", json_type_array);
		json_object *e0 =
		    errs && json_object_array_length(errs) ? json_object_array_get_idx(errs, 0) : NULL;
		if (json_get_str(e0, "statusCode", code, sizeof code) < 0)
			snprintf(code, sizeof code, "UNKNOWN");
		if (json_get_str(e0, "message", msg, sizeof msg) < 0)
			msg[0] = '\0';
		if (!code[0])
			snprintf(code, sizeof code, "UNKNOWN");
		set_result(&res[idx[i]], sf_error_is_transient(code) ? SF_RES_RETRY : SF_RES_FAILED, code,
		           msg);
	}
	json_object_put(j);
	return rc;
}

/* Orders update positions by object name, then by position, so that records of one type sit
 * together. */
typedef struct {
	const sf_update *u;
	size_t i;
} obj_pos;

static int cmp_obj_pos(const void *a, const void *b)
{
	const obj_pos *x = a, *y = b;
	int c = strcmp(x->u[x->i].object, y->u[y->i].object);
	if (c)
		return c;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* Salesforce processes a collection as one "chunk" per run of records of the same type and refuses
 * a request of more than 10 chunks ("Cannot have more than 10 chunks in a single operation"; REST
 * API Developer Guide, "Update Records Using sObject Collections"). Queue order interleaves
 * Contacts and Leads, so the records are grouped by object first: a call of 200 then holds one
 * chunk per object type in it (two or three), whatever the order of the queue. Results are still
 * written to res by each record's own position. */
int sf_composite_update_bool(sf_client *c, const char *field, const sf_update *u, size_t n, sf_result *res,
                             err_t *e)
{
	for (size_t i = 0; i < n; i++)
		set_result(&res[i], SF_RES_NOT_SENT, NULL, NULL);
	if (check_updates(c, field, u, n, "update records", e) < 0)
		return -1;
	size_t *idx = malloc((n ? n : 1) * sizeof *idx);
	obj_pos *order = malloc((n ? n : 1) * sizeof *order);
	if (!idx || !order) {
		free(idx);
		free(order);
		return http_fail(c->h, e, ERR_INTERNAL, "update records", "out of memory");
	}
	for (size_t i = 0; i < n; i++)
		order[i] = (obj_pos){u, i};
	qsort(order, n, sizeof *order, cmp_obj_pos);
	int rc = 0;
	for (size_t start = 0; start < n && rc == 0; start += (size_t)c->o.chunk) {
		size_t k = n - start < (size_t)c->o.chunk ? n - start : (size_t)c->o.chunk;
		for (size_t i = 0; i < k; i++)
			idx[i] = order[start + i].i;
		rc = composite_once(c, field, u, idx, k, res, e);
		/* Resend just the records refused for a passing reason (a lock held by another job). */
		for (int round = 0; rc == 0 && round < c->o.lock_retries; round++) {
			size_t m = 0;
			for (size_t i = start; i < start + k; i++)
				if (res[order[i].i].status == SF_RES_RETRY)
					idx[m++] = order[i].i;
			if (m == 0)
				break;
			sleep_ms(c->o.lock_retry_ms);
			rc = composite_once(c, field, u, idx, m, res, e);
		}
	}
	free(order);
	free(idx);
	return rc;
}

/* --- Bulk API 2.0 --------------------------------------------------------------------------------- */

/* Reads one CSV field starting at *p (RFC 4180: quotes, doubled quotes inside); copies up to n-1
 * bytes into out. Sets *eol at the end of a row. Returns 0, or -1 at the end of the text. */
static int csv_field(const char **p, const char *end, char *out, size_t n, int *eol)
{
	const char *s = *p;
	size_t o = 0;
	*eol = 0;
	if (s >= end)
		return -1;
	if (*s == '"') {
		s++;
		while (s < end) {
			if (*s == '"') {
				if (s + 1 < end && s[1] == '"') {
					if (o + 1 < n)
						out[o++] = '"';
					s += 2;
					continue;
				}
				s++;
				break;
			}
			if (o + 1 < n)
				out[o++] = *s;
			s++;
		}
	} else {
		while (s < end && *s != ',' && *s != '\n' && *s != '\r') {
			if (o + 1 < n)
				out[o++] = *s;
			s++;
		}
	}
	out[o] = '\0';
	if (s < end && *s == ',') {
		s++;
	} else {
		if (s < end && *s == '\r')
			s++;
		if (s < end && *s == '\n')
			s++;
		*eol = 1;
	}
	if (s >= end)
		*eol = 1;
	*p = s;
	return 0;
}

typedef struct {
	const char *id;
	size_t i;
} id_ix;

static int cmp_id_ix(const void *a, const void *b)
{
	return strcmp(((const id_ix *)a)->id, ((const id_ix *)b)->id);
}

/* Marks the rows of a results CSV (failedResults or successfulResults) in res, matching by the Id
 * column we uploaded (the answer's order is not guaranteed). */
static int apply_results_csv(sf_client *c, const char *csv, size_t len, const id_ix *ix, size_t nix,
                             int failed, sf_result *res, const char *op, err_t *e)
{
	const char *p = csv, *end = csv + len;
	int col_id = -1, col_err = -1, col = 0, eol = 0;
	char f[1024];
	/* Header row. */
	while (!eol && csv_field(&p, end, f, sizeof f, &eol) == 0) {
		if (strcmp(f, "Id") == 0)
			col_id = col;
		else if (strcmp(f, "sf__Error") == 0)
			col_err = col;
		col++;
	}
	if (len == 0)
		return 0;
	if (col_id < 0 || (failed && col_err < 0))
		return bad(c, e, op, "results CSV without Id or sf__Error column");
	while (p < end) {
		char id[32] = "", err[1024] = "";
		col = 0;
		eol = 0;
		while (!eol && csv_field(&p, end, f, sizeof f, &eol) == 0) {
			if (col == col_id)
				snprintf(id, sizeof id, "%s", f);
			else if (col == col_err)
				snprintf(err, sizeof err, "%s", f);
			col++;
		}
		if (!id[0])
			continue;
		id_ix key = {.id = id};
		const id_ix *hit = bsearch(&key, ix, nix, sizeof *ix, cmp_id_ix);
		if (!hit)
			continue;
		/* Step back to the first of equal ids, then mark them all. */
		while (hit > ix && strcmp(hit[-1].id, id) == 0)
			hit--;
		for (; hit < ix + nix && strcmp(hit->id, id) == 0; hit++) {
			if (!failed) {
				set_result(&res[hit->i], SF_RES_OK, NULL, NULL);
				continue;
			}
			/* sf__Error reads "CODE:message:fields". */
			char code[64];
			size_t cl = strcspn(err, ":");
			snprintf(code, sizeof code, "%.*s", (int)(cl < sizeof code ? cl : sizeof code - 1),
			         err);
			const char *msg = err[cl] ? err + cl + 1 : "";
			set_result(&res[hit->i], sf_error_is_transient(code) ? SF_RES_RETRY : SF_RES_FAILED,
			           code[0] ? code : "UNKNOWN", msg);
		}
	}
	return 0;
}

static int bulk_results(sf_client *c, const char *job, const char *kind, const id_ix *ix, size_t nix,
                        int failed, sf_result *res, err_t *e)
{
	char path[160], op[64];
	snprintf(op, sizeof op, "bulk job %s %s", job, kind);
	snprintf(path, sizeof path, "/services/data/%s/jobs/ingest/%s/%s/", c->version, job, kind);
	http_response rs;
	if (sf_call(c, "GET", path, NULL, NULL, "text/csv", op, &rs, e) < 0) {
		http_response_free(&rs);
		return -1;
	}
	int rc = apply_results_csv(c, rs.body ? rs.body : "", rs.len, ix, nix, failed, res, op, e);
	http_response_free(&rs);
	return rc;
}

/* Job ids, for telling which Open job appeared. */
typedef struct {
	char (*ids)[32];
	size_t n, cap;
} id_set;

static void id_set_free(id_set *s)
{
	free(s->ids);
	memset(s, 0, sizeof *s);
}

static int id_set_has(const id_set *s, const char *id)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->ids[i], id) == 0)
			return 1;
	return 0;
}

/* The Open update jobs of object (created by this client's user, when known): GET /jobs/ingest
 * ("Get All Jobs", Bulk API 2.0), following nextRecordsUrl for at most 20 pages. */
static int open_jobs(sf_client *c, const char *object, id_set *out, err_t *e)
{
	char path[1024];
	snprintf(path, sizeof path, "/services/data/%s/jobs/ingest?jobType=V2Ingest", c->version);
	for (int page = 0; page < 20; page++) {
		json_object *j;
		if (sf_json(c, "GET", path, NULL, "list bulk jobs", &j, e) < 0)
			return -1;
		json_object *recs = json_get(j, "records", json_type_array);
		for (size_t i = 0; recs && i < json_object_array_length(recs); i++) {
			json_object *r = json_object_array_get_idx(recs, i);
			char id[32], st[32], obj[96], oper[32], by[24];
			if (json_get_str(r, "id", id, sizeof id) <= 0 || !valid_id(id) ||
			    json_get_str(r, "state", st, sizeof st) <= 0 || strcmp(st, "Open") != 0 ||
			    json_get_str(r, "object", obj, sizeof obj) <= 0 || strcmp(obj, object) != 0 ||
			    json_get_str(r, "operation", oper, sizeof oper) <= 0 ||
			    strcmp(oper, "update") != 0)
				continue;
			if (c->user_id[0] && json_get_str(r, "createdById", by, sizeof by) > 0 &&
			    strcmp(by, c->user_id) != 0)
				continue;
			if (out->n == out->cap) {
				size_t cap = out->cap ? out->cap * 2 : 16;
				void *p = realloc(out->ids, cap * sizeof *out->ids);
				if (!p) {
					json_object_put(j);
					return http_fail(c->h, e, ERR_INTERNAL, "list bulk jobs",
					                 "out of memory");
				}
				out->ids = p;
				out->cap = cap;
			}
			snprintf(out->ids[out->n++], sizeof out->ids[0], "%s", id);
		}
		char next[900] = "";
		int more = json_get_str(j, "nextRecordsUrl", next, sizeof next) > 0 && next[0] == '/';
		json_object_put(j);
		if (!more)
			return 0;
		snprintf(path, sizeof path, "%s", next);
	}
	return 0;
}

/* One ingest job for the records idx[0..k) (all of one object). */
static int bulk_job(sf_client *c, const char *field, const sf_update *u, const size_t *idx, size_t k,
                    sf_result *res, err_t *e)
{
	const char *object = u[idx[0]].object;
	char op[96], path[160], job[32], state[32];
	snprintf(op, sizeof op, "bulk update %s", object);
	/* 1. Create the job. */
	json_object *body = json_object_new_object();
	json_object_object_add(body, "object", json_object_new_string(object));
	json_object_object_add(body, "operation", json_object_new_string("update"));
	json_object_object_add(body, "contentType", json_object_new_string("CSV"));
	json_object_object_add(body, "lineEnding", json_object_new_string("LF"));
	json_object_object_add(body, "columnDelimiter", json_object_new_string("COMMA"));
	snprintf(path, sizeof path, "/services/data/%s/jobs/ingest", c->version);
	json_object *j;
	/* A creation whose answer was lost (a timeout, a 5xx from a proxy) may have made the job, and a
	 * second POST would make another. So each POST goes once; after a passing failure the Open jobs
	 * are listed again, and a job of this object that was not Open before is the one the lost POST
	 * made: it is used. Only when there is none is the POST sent again. */
	id_set before = {0};
	int rc = open_jobs(c, object, &before, e);
	for (int attempt = 0; rc == 0; attempt++) {
		err_t ce = {0};
		c->once = 1;
		rc = sf_json(c, "POST", path, json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN),
		             op, &j, &ce);
		c->once = 0;
		if (rc == 0) {
			if (json_get_str(j, "id", job, sizeof job) <= 0 || !valid_id(job))
				rc = bad(c, e, op, "no job id");
			json_object_put(j);
			break;
		}
		id_set after = {0};
		if (!err_is_transient(&ce) || attempt >= c->o.http.retries ||
		    open_jobs(c, object, &after, e) < 0) {
			if (e && ce.kind)
				*e = ce;
			id_set_free(&after);
			break;
		}
		size_t fresh = 0;
		for (size_t i = 0; i < after.n; i++)
			if (!id_set_has(&before, after.ids[i])) {
				fresh++;
				snprintf(job, sizeof job, "%s", after.ids[i]);
			}
		id_set_free(&after);
		if (fresh == 1) {
			rc = 0;
			break;
		}
		if (fresh > 1) {
			rc = http_fail(
			    c->h, e, ERR_SERVER, op,
			    "the job creation's answer was lost and %zu new Open jobs of %s appeared: "
			    "not guessing which is ours (the records are tried again next run)",
			    fresh, object);
			break;
		}
		rc = 0; /* none made: the POST goes again */
	}
	id_set_free(&before);
	json_object_put(body);
	if (rc < 0)
		return -1;

	/* 2. Upload the CSV: ids and values are plain alphanumerics, no quoting needed. */
	size_t cap = strlen(field) + 8 + k * 26, len = 0;
	char *csv = malloc(cap);
	if (!csv)
		return http_fail(c->h, e, ERR_INTERNAL, op, "out of memory");
	len += (size_t)snprintf(csv + len, cap - len, "Id,%s\n", field);
	for (size_t i = 0; i < k; i++)
		len += (size_t)snprintf(csv + len, cap - len, "%s,%s\n", u[idx[i]].id,
		                        u[idx[i]].value ? "true" : "false");
	snprintf(path, sizeof path, "/services/data/%s/jobs/ingest/%s/batches", c->version, job);
	http_response rs;
	char opu[96];
	snprintf(opu, sizeof opu, "bulk job %s upload", job);
	rc = sf_call(c, "PUT", path, csv, "text/csv", NULL, opu, &rs, e);
	free(csv);
	http_response_free(&rs);
	if (rc < 0)
		return -1;

	/* 3. UploadComplete starts the processing. */
	snprintf(path, sizeof path, "/services/data/%s/jobs/ingest/%s", c->version, job);
	snprintf(opu, sizeof opu, "bulk job %s close", job);
	if (sf_json(c, "PATCH", path, "{\"state\":\"UploadComplete\"}", opu, &j, e) < 0)
		return -1;
	json_object_put(j);

	/* 4. Poll until a final state: soon at first (a small job is done in well under a second),
	 * then less often, up to bulk_poll_ms between polls. */
	snprintf(opu, sizeof opu, "bulk job %s", job);
	long waited = 0, step = c->o.bulk_poll_ms < 250 ? c->o.bulk_poll_ms : 250;
	long n_processed = -1, n_failed = -1;
	char errmsg[256] = "";
	for (;;) {
		if (sf_json(c, "GET", path, NULL, opu, &j, e) < 0)
			return -1;
		if (json_get_str(j, "state", state, sizeof state) <= 0) {
			json_object_put(j);
			return bad(c, e, opu, "no job state");
		}
		if (json_get_str(j, "errorMessage", errmsg, sizeof errmsg) < 0)
			errmsg[0] = '\0';
		if (json_get_long(j, "numberRecordsProcessed", &n_processed) != 1)
			n_processed = -1;
		if (json_get_long(j, "numberRecordsFailed", &n_failed) != 1)
			n_failed = -1;
		json_object_put(j);
		if (!strcmp(state, "JobComplete") || !strcmp(state, "Failed") || !strcmp(state, "Aborted"))
			break;
		if (waited >= c->o.bulk_max_wait_ms)
			return http_fail(c->h, e, ERR_SERVER, opu,
			                 "still %s after %ld s; its records stay queued", state,
			                 waited / 1000);
		sleep_ms(step);
		waited += step;
		step = step * 2 < c->o.bulk_poll_ms ? step * 2 : c->o.bulk_poll_ms;
	}

	/* 5. Results by Id: failures always; successes too when the job did not complete. */
	id_ix *ix = malloc(k * sizeof *ix);
	if (!ix)
		return http_fail(c->h, e, ERR_INTERNAL, op, "out of memory");
	for (size_t i = 0; i < k; i++)
		ix[i] = (id_ix){.id = u[idx[i]].id, .i = idx[i]};
	qsort(ix, k, sizeof *ix, cmp_id_ix);
	int complete = strcmp(state, "JobComplete") == 0;
	if (complete)
		for (size_t i = 0; i < k; i++)
			set_result(&res[idx[i]], SF_RES_OK, NULL, NULL);
	else
		rc = bulk_results(c, job, "successfulResults", ix, k, 0, res, e);
	/* A complete job that says it processed every record and failed none has no failed rows to
	 * fetch: one call saved per job. Anything less certain (a count missing, fewer processed) reads
	 * them. */
	int none_failed = complete && n_failed == 0 && n_processed == (long)k;
	if (rc == 0 && !none_failed)
		rc = bulk_results(c, job, "failedResults", ix, k, 1, res, e);
	free(ix);
	if (rc == 0 && !complete)
		rc = http_fail(c->h, e, ERR_SERVER, opu, "job %s%s%s; unprocessed records stay queued", state,
		               errmsg[0] ? ": " : "", errmsg);
	return rc;
}

int sf_bulk_update_bool(sf_client *c, const char *field, const sf_update *u, size_t n, sf_result *res,
                        err_t *e)
{
	for (size_t i = 0; i < n; i++)
		set_result(&res[i], SF_RES_NOT_SENT, NULL, NULL);
	if (check_updates(c, field, u, n, "bulk update", e) < 0)
		return -1;
	if (n == 0)
		return 0;
	size_t *idx = malloc(n * sizeof *idx);
	char *done = calloc(n, 1);
	if (!idx || !done) {
		free(idx);
		free(done);
		return http_fail(c->h, e, ERR_INTERNAL, "bulk update", "out of memory");
	}
	int rc = 0;
	/* One job per object: gather each object's records in input order. */
	for (size_t first = 0; first < n && rc == 0; first++) {
		if (done[first])
			continue;
		size_t k = 0;
		for (size_t i = first; i < n; i++)
			if (!done[i] && strcmp(u[i].object, u[first].object) == 0) {
				idx[k++] = i;
				done[i] = 1;
			}
		rc = bulk_job(c, field, u, idx, k, res, e);
	}
	free(idx);
	free(done);
	return rc;
}

int sf_update_bool(sf_client *c, const char *field, const sf_update *u, size_t n, sf_result *res, err_t *e)
{
	if (n > (size_t)c->o.bulk_threshold)
		return sf_bulk_update_bool(c, field, u, n, res, e);
	return sf_composite_update_bool(c, field, u, n, res, e);
}
