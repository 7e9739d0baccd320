/* sf_oauth.c - Salesforce OAuth 2.0: token (client_credentials, refresh_token, authorization_code
 * with PKCE), the authorize page, revoke, and the bearer-token check for data calls. */
#include "sbx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#define CODE_TTL_MS (15 * 60 * 1000)

static const char tok_chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._";
static const char alnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

static void org_id(char out[19])
{
	sbx_sf_make_id("00D", 1, out);
}

static void user_id(char out[19])
{
	sbx_sf_make_id("005", 1, out);
}

static void instance_url(sbx_req *r, char *out, size_t n)
{
	/* a different base than the login URL, as in a real org: clients must use what they are given */
	snprintf(out, n, "%s/sf/instance", r->base);
}

static void store_token(sbx_req *r, const char *tok, const char *kind, const char *client, int64_t ttl_ms)
{
	sqlite3_stmt *st =
	    sbx_db_prep(r->app->db, "INSERT INTO sf_tokens(token, kind, client_id, issued_ms, expires_ms)"
	                            " VALUES(?1, ?2, ?3, ?4, ?5)");
	if (!st)
		return;
	sqlite3_bind_text(st, 1, tok, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, client, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, r->now_ms);
	sqlite3_bind_int64(st, 5, ttl_ms > 0 ? r->now_ms + ttl_ms : INT64_MAX);
	sqlite3_step(st);
	sqlite3_finalize(st);
}

static void issue(sbx_req *r, const char *client, int with_refresh)
{
	char org[19], usr[19], access[140], refresh[100], inst[600], idurl[700], issued[32];
	org_id(org);
	user_id(usr);
	/* 00D...!AQ... like a real session id: the '!' and '.' catch sloppy quoting */
	char rnd[112];
	sbx_rand_token(rnd, sizeof rnd, tok_chars);
	snprintf(access, sizeof access, "%.15s!AQ%s", org, rnd);
	store_token(r, access, "access", client, sbx_knob_int("token_lifetime_s") * 1000);
	sbx_counter_add(r->app->db, "sf_tokens_issued", 1);
	instance_url(r, inst, sizeof inst);
	snprintf(idurl, sizeof idurl, "%s/sf/id/%s/%s", r->base, org, usr);
	snprintf(issued, sizeof issued, "%lld", (long long)r->now_ms);

	/* signature: base64(HMAC-SHA256(client secret, id + issued_at)), as Salesforce documents */
	char signed_text[760];
	snprintf(signed_text, sizeof signed_text, "%s%s", idurl, issued);
	const char *secret = sbx_knob_str("sf_client_secret");
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256_state hs;
	crypto_auth_hmacsha256_init(&hs, (const unsigned char *)secret, strlen(secret));
	crypto_auth_hmacsha256_update(&hs, (const unsigned char *)signed_text, strlen(signed_text));
	crypto_auth_hmacsha256_final(&hs, mac);
	char sig[64];
	sodium_bin2base64(sig, sizeof sig, mac, sizeof mac, sodium_base64_VARIANT_ORIGINAL);

	json_object *o = json_object_new_object();
	json_object_object_add(o, "access_token", sbx_jstr(access));
	if (with_refresh) {
		char rr[90];
		sbx_rand_token(rr, sizeof rr, alnum);
		snprintf(refresh, sizeof refresh, "5Aep861%s", rr);
		store_token(r, refresh, "refresh", client, 0);
		json_object_object_add(o, "refresh_token", sbx_jstr(refresh));
	}
	json_object_object_add(o, "signature", sbx_jstr(sig));
	json_object_object_add(o, "scope", sbx_jstr(with_refresh ? "refresh_token api" : "api"));
	json_object_object_add(o, "instance_url", sbx_jstr(inst));
	json_object_object_add(o, "id", sbx_jstr(idurl));
	json_object_object_add(o, "token_type", sbx_jstr("Bearer"));
	json_object_object_add(o, "issued_at", sbx_jstr(issued));
	sbx_resp_json(r, 200, o);
}

/* client_id / client_secret from the form or from HTTP Basic. */
static void client_creds(sbx_req *r, char *id, size_t idn, char *secret, size_t sn, int *has_secret)
{
	*has_secret = 0;
	id[0] = secret[0] = '\0';
	sbx_req_form(r, "client_id", id, idn);
	if (sbx_req_form(r, "client_secret", secret, sn))
		*has_secret = 1;
	const char *auth = sbx_req_env(r, "HTTP_AUTHORIZATION");
	if (auth && strncmp(auth, "Basic ", 6) == 0) {
		unsigned char raw[512];
		size_t len = 0;
		if (sodium_base642bin(raw, sizeof raw - 1, auth + 6, strlen(auth + 6), NULL, &len, NULL,
		                      sodium_base64_VARIANT_ORIGINAL) == 0) {
			raw[len] = '\0';
			char *colon = strchr((char *)raw, ':');
			if (colon) {
				*colon = '\0';
				char tmp[512];
				sbx_url_decode((char *)raw, strlen((char *)raw), tmp, sizeof tmp, 1);
				sbx_str_copy(id, idn, tmp);
				sbx_url_decode(colon + 1, strlen(colon + 1), tmp, sizeof tmp, 1);
				sbx_str_copy(secret, sn, tmp);
				*has_secret = 1;
			}
		}
	}
}

static int pkce_ok(const char *verifier, const char *challenge)
{
	size_t n = strlen(verifier);
	if (n < 43 || n > 128)
		return 0;
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, (const unsigned char *)verifier, n);
	char b64[64];
	sodium_bin2base64(b64, sizeof b64, h, sizeof h, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return strcmp(b64, challenge) == 0;
}

static void token(sbx_req *r)
{
	if (strcmp(r->method, "POST") != 0) {
		sbx_resp_error(r, 405, "invalid_request", "must use HTTP POST");
		return;
	}
	if (r->content_type && !strstr(r->content_type, "application/x-www-form-urlencoded")) {
		sbx_resp_error(r, 400, "invalid_request",
		               "unsupported content type: use application/x-www-form-urlencoded");
		return;
	}
	char grant[64] = "", id[256], secret[256];
	int has_secret;
	sbx_req_form(r, "grant_type", grant, sizeof grant);
	client_creds(r, id, sizeof id, secret, sizeof secret, &has_secret);
	if (strcmp(grant, "client_credentials") && strcmp(grant, "refresh_token") &&
	    strcmp(grant, "authorization_code")) {
		sbx_resp_error(r, 400, "unsupported_grant_type", "grant type not supported");
		return;
	}
	if (!*id || strcmp(id, sbx_knob_str("sf_client_id")) != 0) {
		sbx_resp_error(r, 400, "invalid_client_id", "client identifier invalid");
		return;
	}
	if ((has_secret || strcmp(grant, "client_credentials") == 0) &&
	    strcmp(secret, sbx_knob_str("sf_client_secret"))) {
		sbx_resp_error(r, 400, "invalid_client", "invalid client credentials");
		return;
	}
	if (strcmp(grant, "client_credentials") == 0) {
		/* Salesforce serves this grant only on an org's My Domain host; login.salesforce.com and
		 * test.salesforce.com answer so (Salesforce Help 000886201). */
		if (sbx_knob_int("sf_generic_login")) {
			sbx_resp_error(r, 400, "invalid_grant", "request not supported on this domain");
			return;
		}
		issue(r, id, 0);
		return;
	}
	if (strcmp(grant, "refresh_token") == 0) {
		char rt[256] = "";
		sbx_req_form(r, "refresh_token", rt, sizeof rt);
		sqlite3_stmt *st =
		    sbx_db_prep(r->app->db, "SELECT 1 FROM sf_tokens WHERE token = ?1 AND kind = 'refresh'"
		                            " AND revoked = 0 AND client_id = ?2");
		int ok = 0;
		if (st) {
			sqlite3_bind_text(st, 1, rt, -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(st, 2, id, -1, SQLITE_TRANSIENT);
			ok = sqlite3_step(st) == SQLITE_ROW;
			sqlite3_finalize(st);
		}
		if (!ok) {
			sbx_resp_error(r, 400, "invalid_grant", "expired access/refresh token");
			return;
		}
		/* Rotation on: a new refresh token with each refresh, and the one used is dead. */
		if (sbx_knob_int("sf_refresh_rotation")) {
			st = sbx_db_prep(
			    r->app->db,
			    "UPDATE sf_tokens SET revoked = 1 WHERE token = ?1 AND kind = 'refresh'");
			if (st) {
				sqlite3_bind_text(st, 1, rt, -1, SQLITE_TRANSIENT);
				sqlite3_step(st);
				sqlite3_finalize(st);
			}
			sbx_counter_add(r->app->db, "sf_refresh_rotated", 1);
			issue(r, id, 1);
			return;
		}
		issue(r, id, 0);
		return;
	}
	/* authorization_code */
	char code[256] = "", redirect[1024] = "", verifier[256] = "";
	sbx_req_form(r, "code", code, sizeof code);
	sbx_req_form(r, "redirect_uri", redirect, sizeof redirect);
	int has_verifier = sbx_req_form(r, "code_verifier", verifier, sizeof verifier);
	sqlite3_stmt *st = sbx_db_prep(
	    r->app->db, "SELECT client_id, redirect_uri, challenge, expires_ms, used FROM sf_codes"
	                " WHERE code = ?1");
	if (!st)
		return;
	sqlite3_bind_text(st, 1, code, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) != SQLITE_ROW || sqlite3_column_int(st, 4) ||
	    sqlite3_column_int64(st, 3) < r->now_ms ||
	    strcmp((const char *)sqlite3_column_text(st, 0), id) != 0) {
		sqlite3_finalize(st);
		sbx_resp_error(r, 400, "invalid_grant", "invalid authorization code");
		return;
	}
	int redirect_ok = strcmp((const char *)sqlite3_column_text(st, 1), redirect) == 0;
	char challenge[160] = "";
	if (sqlite3_column_type(st, 2) != SQLITE_NULL)
		snprintf(challenge, sizeof challenge, "%s", (const char *)sqlite3_column_text(st, 2));
	sqlite3_finalize(st);
	st = sbx_db_prep(r->app->db, "UPDATE sf_codes SET used = 1 WHERE code = ?1");
	if (st) {
		sqlite3_bind_text(st, 1, code, -1, SQLITE_TRANSIENT);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
	if (!redirect_ok) {
		sbx_resp_error(r, 400, "redirect_uri_mismatch", "redirect_uri must match configuration");
		return;
	}
	if (*challenge && (!has_verifier || !pkce_ok(verifier, challenge))) {
		sbx_resp_error(r, 400, "invalid_grant", "invalid code verifier");
		return;
	}
	if (!*challenge && !has_secret) {
		sbx_resp_error(r, 400, "invalid_client", "invalid client credentials");
		return;
	}
	issue(r, id, 1);
}

/* The approval page: a plain form that works without JavaScript. */
static void approval_page(sbx_req *r, const char *client, const char *redirect, const char *state,
                          const char *challenge, const char *method)
{
	sbx_buf b = {0};
	sbx_buf_puts(
	    &b,
	    "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Allow Access? | Sandbox "
	    "Salesforce</title><style>body{font-family:sans-serif;max-width:34em;margin:3em auto}"
	    "button{font-size:1em;padding:.4em 1.2em;margin-right:1em}</style></head><body>"
	    "<h1>Allow Access?</h1><p>The app <strong>");
	sbx_html_escape(&b, client);
	sbx_buf_puts(
	    &b, "</strong> wants to access your basic information and manage your data (api, refresh_token) "
	        "in the <em>sandbox</em> org.</p><p>It will return to <code>");
	sbx_html_escape(&b, redirect);
	sbx_buf_puts(&b, "</code>.</p><form method=\"post\" action=\"");
	sbx_html_escape(&b, r->base);
	sbx_buf_puts(&b, "/sf/services/oauth2/authorize\">");
	const char *names[] = {"response_type", "client_id",      "redirect_uri",
	                       "state",         "code_challenge", "code_challenge_method"};
	const char *vals[] = {"code", client, redirect, state, challenge, method};
	for (int i = 0; i < 6; i++) {
		sbx_buf_puts(&b, "<input type=\"hidden\" name=\"");
		sbx_buf_puts(&b, names[i]);
		sbx_buf_puts(&b, "\" value=\"");
		sbx_html_escape(&b, vals[i]);
		sbx_buf_puts(&b, "\">");
	}
	sbx_buf_puts(
	    &b, "<button type=\"submit\" name=\"decision\" value=\"allow\" id=\"oaapprove\">Allow</button>"
	        "<button type=\"submit\" name=\"decision\" value=\"deny\" id=\"oadeny\">Deny</button>"
	        "</form></body></html>\n");
	sbx_resp_text(r, 200, "text/html; charset=utf-8", b.p ? b.p : "");
	sbx_buf_free(&b);
}

static void error_page(sbx_req *r, const char *error, const char *desc)
{
	sbx_buf b = {0};
	sbx_buf_puts(
	    &b, "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>OAuth Error</title>"
	        "</head><body><h1>OAuth Error</h1><p>We can't authorize you because of an OAuth "
	        "error.</p><p>error=");
	sbx_html_escape(&b, error);
	sbx_buf_puts(&b, "<br>error_description=");
	sbx_html_escape(&b, desc);
	sbx_buf_puts(&b, "</p></body></html>\n");
	sbx_resp_text(r, 400, "text/html; charset=utf-8", b.p ? b.p : "");
	sbx_buf_free(&b);
}

static void redirect_back(sbx_req *r, const char *redirect, const char *k1, const char *v1, const char *k2,
                          const char *v2, const char *state)
{
	sbx_buf b = {0};
	sbx_buf_puts(&b, redirect);
	sbx_buf_puts(&b, strchr(redirect, '?') ? "&" : "?");
	sbx_buf_puts(&b, k1);
	sbx_buf_puts(&b, "=");
	sbx_url_encode(&b, v1);
	if (k2) {
		sbx_buf_puts(&b, "&");
		sbx_buf_puts(&b, k2);
		sbx_buf_puts(&b, "=");
		sbx_url_encode(&b, v2);
	}
	if (state && *state) {
		sbx_buf_puts(&b, "&state=");
		sbx_url_encode(&b, state);
	}
	sbx_resp_redirect(r, 302, b.p ? b.p : redirect);
	sbx_buf_free(&b);
}

static void authorize(sbx_req *r)
{
	int post = strcmp(r->method, "POST") == 0;
	if (!post && strcmp(r->method, "GET") != 0) {
		error_page(r, "invalid_request", "must use GET or POST");
		return;
	}
	char rtype[32] = "", client[256] = "", redirect[1024] = "", state[512] = "", challenge[200] = "",
	     method[16] = "", decision[16] = "";
	int (*get)(const sbx_req *, const char *, char *, size_t) = post ? sbx_req_form : sbx_req_query;
	get(r, "response_type", rtype, sizeof rtype);
	get(r, "client_id", client, sizeof client);
	get(r, "redirect_uri", redirect, sizeof redirect);
	get(r, "state", state, sizeof state);
	get(r, "code_challenge", challenge, sizeof challenge);
	get(r, "code_challenge_method", method, sizeof method);
	get(r, "decision", decision, sizeof decision);
	if (strcmp(client, sbx_knob_str("sf_client_id")) != 0) {
		error_page(r, "invalid_client_id", "client identifier invalid");
		return;
	}
	const char *only = sbx_knob_str("sf_callback_url");
	if ((strncmp(redirect, "http://", 7) && strncmp(redirect, "https://", 8)) ||
	    strpbrk(redirect, " \r\n\"<>") || (only && strcmp(only, redirect) != 0)) {
		error_page(r, "redirect_uri_mismatch", "redirect_uri must match configuration");
		return;
	}
	if (strcmp(rtype, "code") != 0) {
		redirect_back(r, redirect, "error", "unsupported_response_type", "error_description",
		              "response type not supported", state);
		return;
	}
	if (*challenge) {
		size_t n = strlen(challenge);
		int ok = n >= 43 && n <= 128;
		for (size_t i = 0; ok && i < n; i++)
			ok = strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
			            challenge[i]) != NULL;
		if (!ok || (*method && strcmp(method, "S256") != 0)) {
			redirect_back(r, redirect, "error", "invalid_request", "error_description",
			              "invalid code_challenge or code_challenge_method (S256 only)", state);
			return;
		}
	}
	if (!post && !sbx_knob_int("oauth_auto_approve")) {
		approval_page(r, client, redirect, state, challenge,
		              *method ? method : (*challenge ? "S256" : ""));
		return;
	}
	if (post && strcmp(decision, "allow") != 0) {
		redirect_back(r, redirect, "error", "access_denied", "error_description",
		              "end-user denied authorization", state);
		return;
	}
	/* codes end in "==", so they must be URL-decoded from the callback and encoded again in the exchange
	 */
	char rnd[60], code[80];
	sbx_rand_token(rnd, sizeof rnd, alnum);
	snprintf(code, sizeof code, "aPrx%s==", rnd);
	sqlite3_stmt *st = sbx_db_prep(
	    r->app->db, "INSERT INTO sf_codes(code, client_id, redirect_uri, challenge, expires_ms)"
	                " VALUES(?1, ?2, ?3, ?4, ?5)");
	if (!st)
		return;
	sqlite3_bind_text(st, 1, code, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, client, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, redirect, -1, SQLITE_TRANSIENT);
	if (*challenge)
		sqlite3_bind_text(st, 4, challenge, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, 4);
	sqlite3_bind_int64(st, 5, r->now_ms + CODE_TTL_MS);
	sqlite3_step(st);
	sqlite3_finalize(st);
	redirect_back(r, redirect, "code", code, NULL, NULL, state);
}

static void revoke(sbx_req *r)
{
	char tok[256] = "";
	if (!sbx_req_form(r, "token", tok, sizeof tok))
		sbx_req_query(r, "token", tok, sizeof tok);
	sqlite3_stmt *st = sbx_db_prep(r->app->db, "UPDATE sf_tokens SET revoked = 1 WHERE token = ?1");
	if (!st)
		return;
	sqlite3_bind_text(st, 1, tok, -1, SQLITE_TRANSIENT);
	sqlite3_step(st);
	sqlite3_finalize(st);
	if (sqlite3_changes(r->app->db) == 0)
		sbx_resp_error(r, 400, "invalid_token", "invalid token");
	else
		sbx_resp_text(r, 200, "text/plain; charset=utf-8", "");
}

/* Any method reaches these: token and authorize refuse a wrong one in their own words (OAuth errors),
 * and revoke takes the token from a form or the query, as Salesforce does. */
static const sbx_route oauth_routes[] = {
    {"/token", SBX_ANY, token, NULL, 0},
    {"/authorize", SBX_ANY, authorize, NULL, 0},
    {"/revoke", SBX_ANY, revoke, NULL, 0},
    {NULL, 0, NULL, NULL, 0},
};

void sbx_sf_oauth_route(sbx_req *r)
{
	if (sbx_route_run(r, oauth_routes, r->path + strlen("/sf/services/oauth2")) != SBX_ROUTE_DONE)
		sbx_resp_error(r, 404, "not_found", "Not Found");
}

int sbx_sf_auth_ok(sbx_req *r)
{
	const char *h = sbx_req_env(r, "HTTP_AUTHORIZATION");
	if (!h)
		return 0;
	const char *tok = NULL;
	if (strncmp(h, "Bearer ", 7) == 0)
		tok = h + 7;
	else if (strncmp(h, "OAuth ", 6) == 0)
		tok = h + 6;
	if (!tok)
		return 0;
	sqlite3_stmt *st =
	    sbx_db_prep(r->app->db, "SELECT 1 FROM sf_tokens WHERE token = ?1 AND kind = 'access'"
	                            " AND revoked = 0 AND expires_ms > ?2");
	int ok = 0;
	if (!st)
		return 0;
	sqlite3_bind_text(st, 1, tok, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, r->now_ms);
	ok = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return ok;
}
