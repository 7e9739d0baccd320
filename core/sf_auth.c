/* sf_auth.c - Salesforce tokens: client_credentials and refresh_token grants, and the web-server
 * flow with PKCE (begin, state check, code exchange). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <sodium.h>

#include "sf_int.h"
#include "sysutil.h"

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
		if (slash && sf_valid_id(slash + 1))
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
