/* ui_login.c - /login (sign in; on first run, create the administrator) and /logout. */
#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cookie.h"
#include "csrf.h"
#include "setup_code.h"
#include "store_web.h"
#include "throttle.h"
#include "timefmt.h"
#include "ui.h"
#include "ui_shared.h"

#define DEVICE_MAX_AGE (365L * 24 * 3600)
static void set_cookie(web_req *r, const char *name, const char *value, long max_age)
{
	char c[400];
	if (cookie_build(c, sizeof c, name, value, max_age, r->secure) == 0)
		web_header(r, "Set-Cookie", c);
}

/* Gives the form its token: reuses the login cookie when the browser has one, else makes one. */
static int ensure_pre_token(web_req *r)
{
	char c[WEB_TOKEN_HEX + 8];
	if (!cookie_get(web_env(r, "HTTP_COOKIE"), cookie_pre_name(r->secure), c, sizeof c) ||
	    strlen(c) != WEB_TOKEN_HEX) {
		if (csrf_random(c) < 0)
			return -1;
		set_cookie(r, cookie_pre_name(r->secure), c, 3600);
	}
	csrf_pre_sign(r->app->pre_key, c, r->pre_token);
	return 0;
}

/* A local path to go to after signing in, or "/". */
static const char *next_path(web_req *r)
{
	const char *n = web_arg(r, "next");
	if (!web_local_path_ok(n) || strncmp(n, "/login", 6) == 0)
		return "/";
	return n;
}

static int render(web_req *r, int first_run, int status, const char *error, const char *name)
{
	if (ensure_pre_token(r) < 0)
		return 500;
	tpl_dict *d = page_begin(r, first_run ? "Create the administrator" : "Sign in", "login.tpl", NULL);
	if (!d)
		return 500;
	tpl_show(d, first_run ? "FIRST_RUN" : "SIGN_IN");
	tpl_set(d, "NAME", name ? name : "");
	tpl_set(d, "NEXT", next_path(r));
	page_error_box(r, error);
	return page_end(r, status);
}

/* The first-run form needs the setup code: written beside the database when missing (the dashboard
 * writes it at start too), so a deleted file comes back with a new code. */
static int ensure_setup_code(web_req *r)
{
	err_t e = {0};
	int rc = setup_code_ensure(r->app->db_path, &e);
	if (rc < 0)
		web_log(r, "first run: %s", e.msg);
	else if (rc == 1) {
		char path[1100];
		setup_code_path(r->app->db_path, path, sizeof path);
		web_log(r, "first run: a new setup code is in %s", path);
	}
	return rc < 0 ? -1 : 0;
}

/* 1 when the form carries the setup code from the file beside the database. */
static int setup_code_ok(web_req *r)
{
	char stored[SETUP_CODE_LEN + 8];
	err_t e = {0};
	int rc = setup_code_read(r->app->db_path, stored, sizeof stored, &e);
	if (rc < 0)
		web_log(r, "first run: %s", e.msg);
	int ok = rc == 1 && setup_code_equal(stored, form_get_or(&r->post, "code", ""));
	memset(stored, 0, sizeof stored);
	return ok;
}

int ui_login(web_req *r)
{
	if (r->user.ok)
		return web_redirect(r, next_path(r));
	err_t e = {0};
	int n = store_user_count(r->st, &e);
	if (n < 0) {
		web_log(r, "%s", e.msg);
		return web_error(r, 500, e.msg);
	}
	if (n == 0 && ensure_setup_code(r) < 0)
		return web_error(r, 500, "The setup code file cannot be written; see the log.");
	return render(r, n == 0, 200, NULL, NULL);
}

/* Starts a session for user_id: a new random id (never one the browser brought), its hash in the
 * store, the id in the cookie. */
static int start_session(web_req *r, int64_t user_id)
{
	char sid[WEB_TOKEN_HEX + 1], h[WEB_TOKEN_HEX + 1], csrf[WEB_TOKEN_HEX + 1];
	err_t e = {0};
	if (csrf_random(sid) < 0 || csrf_random(csrf) < 0)
		return web_error(r, 500, "No randomness available for a session id.");
	if (r->user.ok)
		store_web_session_delete(r->st, r->user.sid_hash, &e);
	csrf_hash(sid, h);
	if (store_web_session_create(r->st, h, user_id, csrf, (int64_t)time(NULL), &e) < 0) {
		web_log(r, "%s", e.msg);
		return web_error(r, 500, e.msg);
	}
	set_cookie(r, cookie_session_name(r->secure), sid, r->app->absolute_timeout);
	set_cookie(r, cookie_pre_name(r->secure), "", 0);
	memset(sid, 0, sizeof sid);
	return web_redirect(r, next_path(r));
}

static int name_ok(const char *n)
{
	size_t l = strlen(n);
	if (l == 0 || l > 64)
		return 0;
	for (; *n; n++)
		if (!isalnum((unsigned char)*n) && !strchr("._-@", *n))
			return 0;
	return 1;
}

static int first_run(web_req *r, const char *name, const char *pw)
{
	const char *pw2 = form_get_or(&r->post, "password2", "");
	/* The code first: a stranger who reached the form learns nothing about names or passwords. */
	if (!setup_code_ok(r)) {
		web_log(r, "first run: wrong or missing setup code");
		if (ensure_setup_code(r) < 0)
			return web_error(r, 500, "The setup code file cannot be written; see the log.");
		return render(r, 1, 403,
		              "The setup code is wrong. It is in the file setup-code beside the database "
		              "(make run prints it).",
		              name);
	}
	if (!name_ok(name))
		return render(r, 1, 422, "The name must be 1 to 64 letters, digits or . _ - @.", name);
	if (strlen(pw) < 10)
		return render(r, 1, 422, "The password must have at least 10 characters.", name);
	if (strcmp(pw, pw2) != 0)
		return render(r, 1, 422, "The two passwords differ.", name);
	err_t e = {0};
	if (store_web_first_admin(r->st, name, pw, &e) < 0) {
		web_log(r, "first run: %s", e.msg);
		return render(r, e.kind == ERR_USAGE ? 0 : 1, e.kind == ERR_USAGE ? 409 : 500, e.msg, name);
	}
	char role[16];
	int64_t id = 0;
	if (store_user_check(r->st, name, pw, role, sizeof role, &id, &e) != 1)
		return web_error(r, 500, "The administrator was created but cannot sign in; see the log.");
	web_log(r, "first run: administrator '%s' created", name);
	if (setup_code_remove(r->app->db_path, &e) < 0)
		web_log(r, "first run: %s", e.msg);
	return start_session(r, id);
}

/* The device cookie of a browser that signed in as name before: HMAC(key from the key file,
 * lower-cased name). With it, strangers' failures (on the account, from a shared address) do not
 * slow this browser down; it is throttled on a key of its own instead. */
static void device_token(web_req *r, const char *name, char out[WEB_TOKEN_HEX + 1])
{
	unsigned char key[32], mac[crypto_auth_hmacsha256_BYTES];
	char lower[80];
	size_t i = 0;
	for (; name[i] && i + 1 < sizeof lower; i++)
		lower[i] = (char)tolower((unsigned char)name[i]);
	lower[i] = '\0';
	store_derive_key(r->st, "optsync device cookie v1", key);
	crypto_auth_hmacsha256(mac, (const unsigned char *)lower, strlen(lower), key);
	sodium_bin2hex(out, WEB_TOKEN_HEX + 1, mac, sizeof mac);
	sodium_memzero(key, sizeof key);
}

static int device_trusted(web_req *r, const char *name)
{
	char c[WEB_TOKEN_HEX + 8], want[WEB_TOKEN_HEX + 1];
	if (!cookie_get(web_env(r, "HTTP_COOKIE"), cookie_device_name(r->secure), c, sizeof c))
		return 0;
	device_token(r, name, want);
	return csrf_equal(c, want);
}

/* Throttles before any password is checked; returns 0 to go on, or the status it answered. */
static int throttled(web_req *r, const char *const *keys, const throttle_policy *const *pol, int n,
                     const char *name)
{
	err_t e = {0};
	long wait = 0;
	int rc = store_web_throttle_begin(r->st, keys, pol, n, timefmt_now_ms(), &wait, &e);
	if (rc < 0)
		return web_error(r, 500, e.msg);
	if (rc == 1)
		return 0;
	char msg[160], ra[24];
	snprintf(msg, sizeof msg, "Too many failed sign-ins. Try again in %ld second%s.", wait,
	         wait == 1 ? "" : "s");
	snprintf(ra, sizeof ra, "%ld", wait);
	web_header(r, "Retry-After", ra);
	web_log(r, "sign-in throttled for '%.64s' (%ld s)", name, wait);
	return render(r, 0, 429, msg, name);
}

int ui_login_post(web_req *r)
{
	const char *name = form_get_or(&r->post, "name", "");
	const char *pw = form_get_or(&r->post, "password", "");
	err_t e = {0};
	int users = store_user_count(r->st, &e);
	if (users < 0)
		return web_error(r, 500, e.msg);

	char kaddr[96], kacct[120], kdev[120];
	throttle_addr_key(web_env(r, "REMOTE_ADDR"), kaddr, sizeof kaddr);
	snprintf(kacct, sizeof kacct, "acct:%.64s", name);
	snprintf(kdev, sizeof kdev, "dev:%.64s", name);
	for (char *p = kacct; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	for (char *p = kdev; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	const char *keys[2];
	const throttle_policy *pol[2];
	int nk;
	if (users == 0) {
		/* The setup code has 100 bits, but guesses still cost: per address. */
		keys[0] = kaddr;
		pol[0] = &THROTTLE_ADDRESS;
		nk = 1;
	} else if (*name && device_trusted(r, name)) {
		keys[0] = kdev;
		pol[0] = &THROTTLE_DEVICE;
		nk = 1;
	} else {
		keys[0] = kacct;
		pol[0] = &THROTTLE_ACCOUNT;
		keys[1] = kaddr;
		pol[1] = &THROTTLE_ADDRESS;
		nk = 2;
	}
	int st = throttled(r, keys, pol, nk, name);
	if (st)
		return st;
	if (users == 0) {
		st = first_run(r, name, pw);
		if (st == 303)
			store_web_throttle_success(r->st, keys, nk, timefmt_now_ms(), &e);
		return st;
	}

	char role[16];
	int64_t id = 0;
	int ok = *name && *pw ? store_user_check(r->st, name, pw, role, sizeof role, &id, &e) : 0;
	if (ok < 0)
		return web_error(r, 500, e.msg);
	if (!ok) {
		web_log(r, "failed sign-in for '%.64s'", name);
		return render(r, 0, 403, "Wrong name or password.", name);
	}
	if (store_web_throttle_success(r->st, keys, nk, timefmt_now_ms(), &e) < 0)
		web_log(r, "%s", e.msg);
	char dev[WEB_TOKEN_HEX + 1];
	device_token(r, name, dev);
	set_cookie(r, cookie_device_name(r->secure), dev, DEVICE_MAX_AGE);
	return start_session(r, id);
}

int ui_logout(web_req *r)
{
	err_t e = {0};
	if (store_web_session_delete(r->st, r->user.sid_hash, &e) < 0)
		web_log(r, "%s", e.msg);
	set_cookie(r, cookie_session_name(r->secure), "", 0);
	return web_redirect(r, "/login");
}
