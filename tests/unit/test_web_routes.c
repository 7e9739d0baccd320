/* test_web_routes.c - the route table and the one place its needs are enforced (cgi-bin/web.c,
 * routes.c): lookups, 404/405, the table's own invariants (no POST open to viewers but /logout,
 * CSRF everywhere but the webhook), and web_serve on fake FastCGI parameters against a temporary
 * store: redirects to /login, 403 for viewers and missing tokens, 413 before reading, 400 for
 * short bodies, and a POST that passes every check reaching its handler. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "csrf.h"
#include "store.h"
#include "store_web.h"
#include "ui.h"
#include "web.h"
#include "webhook_reg.h"

static char dir[64], dbpath[128];
static store *st;
static web_app app;
static char admin_sid[CSRF_HEX + 1], admin_csrf[CSRF_HEX + 1];
static char viewer_sid[CSRF_HEX + 1], viewer_csrf[CSRF_HEX + 1];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/test_web_routes.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(dbpath, sizeof dbpath, "%s/optsync.db", dir);
	err_t e = {0};
	assert_int_equal(store_open(&st, dbpath, NULL, &e), 0);
	assert_int_equal(store_web_init(st, &e), 0);
	assert_int_equal(store_user_add(st, "ada", "admin", "long enough password", &e), 0);
	assert_int_equal(store_user_add(st, "vic", "viewer", "long enough password", &e), 0);
	char role[16];
	int64_t aid, vid;
	assert_int_equal(store_user_check(st, "ada", "long enough password", role, sizeof role, &aid, &e), 1);
	assert_int_equal(store_user_check(st, "vic", "long enough password", role, sizeof role, &vid, &e), 1);
	char h[CSRF_HEX + 1];
	csrf_random(admin_sid);
	csrf_random(admin_csrf);
	csrf_hash(admin_sid, h);
	assert_int_equal(store_web_session_create(st, h, aid, admin_csrf, time(NULL), &e), 0);
	csrf_random(viewer_sid);
	csrf_random(viewer_csrf);
	csrf_hash(viewer_sid, h);
	assert_int_equal(store_web_session_create(st, h, vid, viewer_csrf, time(NULL), &e), 0);
	app.db_path = dbpath;
	app.body_cap = WEB_BODY_CAP;
	app.idle_timeout = WEB_IDLE_TIMEOUT;
	app.absolute_timeout = WEB_ABSOLUTE_TIMEOUT;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	store_close(st);
	char cmd[160];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_find(void **state)
{
	(void)state;
	int status = 0;
	char allow[32];
	const web_route *r = web_route_find("GET", "/status", &status, allow, sizeof allow);
	assert_non_null(r);
	assert_ptr_equal(r->handler, ui_status);
	r = web_route_find("POST", "/login", &status, allow, sizeof allow);
	assert_ptr_equal(r->handler, ui_login_post);
	r = web_route_find("GET", "/login", &status, allow, sizeof allow);
	assert_ptr_equal(r->handler, ui_login);
	r = web_route_find("POST", "/hooks/activecampaign/abc", &status, allow, sizeof allow);
	assert_ptr_equal(r->handler, ui_hook_ac);
	/* The route is where webhook_reg.c sends ActiveCampaign (WEBHOOK_PATH): one path. */
	r = web_route_find("POST", WEBHOOK_PATH "abc", &status, allow, sizeof allow);
	assert_non_null(r);
	assert_ptr_equal(r->handler, ui_hook_ac);
	assert_string_equal(r->path, WEBHOOK_PATH);
	assert_null(web_route_find("POST", "/hooks/activecampaign/", &status, allow, sizeof allow));
	assert_int_equal(status, 404);
	assert_null(web_route_find("GET", "/nope", &status, allow, sizeof allow));
	assert_int_equal(status, 404);
	assert_null(web_route_find("GET", "/status/", &status, allow, sizeof allow));
	assert_int_equal(status, 404);
	assert_null(web_route_find("POST", "/status", &status, allow, sizeof allow));
	assert_int_equal(status, 405);
	assert_string_equal(allow, "GET, HEAD");
	assert_null(web_route_find("GET", "/setup/ac", &status, allow, sizeof allow));
	assert_int_equal(status, 405);
	assert_string_equal(allow, "POST");
	assert_null(web_route_find("DELETE", "/login", &status, allow, sizeof allow));
	assert_int_equal(status, 405);
	assert_string_equal(allow, "GET, HEAD, POST");
}

/* The table's promises, checked row by row so a new route cannot quietly break them. */
static void test_table_invariants(void **state)
{
	(void)state;
	int rows = 0;
	for (const web_route *r = web_routes; r->path; r++, rows++) {
		assert_true(r->path[0] == '/');
		assert_non_null(r->handler);
		assert_true(r->methods == M_GET || r->methods == M_POST);
		if (r->methods == M_POST) {
			int is_login = strcmp(r->path, "/login") == 0,
			    is_logout = strcmp(r->path, "/logout") == 0;
			int is_hook = strncmp(r->path, "/hooks/", 7) == 0;
			/* Only the webhook skips CSRF, and it is a prefix route with its secret. */
			assert_int_equal((r->needs & NO_CSRF) != 0, is_hook);
			assert_int_equal((r->needs & PRE_LOGIN) != 0, is_login);
			/* Viewers can change nothing: every other POST needs an admin. */
			if (!is_login && !is_logout && !is_hook)
				assert_true(r->needs & NEED_ADMIN);
		} else {
			assert_false(r->needs & (NO_CSRF | PRE_LOGIN | NEED_ADMIN));
		}
		for (const web_route *q = web_routes; q < r; q++)
			assert_false(strcmp(q->path, r->path) == 0 && (q->methods & r->methods));
	}
	assert_true(rows > 20);
}

/* ---- web_serve on fake requests ---- */

typedef struct {
	const char *p;
	size_t left;
	size_t max_chunk;
} body_src;

static long read_src(void *ctx, char *dst, size_t n)
{
	body_src *b = ctx;
	size_t k = n < b->left ? n : b->left;
	if (b->max_chunk && k > b->max_chunk)
		k = b->max_chunk; /* short reads happen */
	memcpy(dst, b->p, k);
	b->p += k;
	b->left -= k;
	return (long)k;
}

static char envbuf[16][700];
static char *envp[17];

static void env(int i, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void env(int i, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(envbuf[i], sizeof envbuf[i], fmt, ap);
	va_end(ap);
	envp[i] = envbuf[i];
	envp[i + 1] = NULL;
}

/* Runs one request; env lines are "NAME=value". Returns the status; headers/body stay in *r. */
static int serve(web_req *r, const char *method, const char *uri, const char *cookie_sid, const char *origin,
                 const char *body, const char *content_length, size_t chunk)
{
	int i = 0;
	env(i++, "REQUEST_METHOD=%s", method);
	env(i++, "REQUEST_URI=%s", uri);
	const char *q = strchr(uri, '?');
	env(i++, "QUERY_STRING=%s", q ? q + 1 : "");
	env(i++, "HTTP_HOST=127.0.0.1");
	env(i++, "SERVER_PORT=8080");
	env(i++, "REMOTE_ADDR=127.0.0.1");
	if (cookie_sid)
		env(i++, "HTTP_COOKIE=other=1; optsync_session=%s", cookie_sid);
	if (origin)
		env(i++, "HTTP_ORIGIN=%s", origin);
	if (body) {
		env(i++, "CONTENT_TYPE=application/x-www-form-urlencoded");
		if (content_length)
			env(i++, "CONTENT_LENGTH=%s", content_length);
		else
			env(i++, "CONTENT_LENGTH=%zu", strlen(body));
	}
	body_src src = {body ? body : "", body ? strlen(body) : 0, chunk};
	web_req_init(r, &app, st, envp);
	web_serve(r, read_src, &src);
	return r->status;
}

static const char *location(const web_req *r)
{
	const char *h = strstr(buf_str(&r->headers), "Location: ");
	static char loc[600];
	if (!h)
		return "";
	snprintf(loc, sizeof loc, "%s", h + 10);
	loc[strcspn(loc, "\r")] = '\0';
	return loc;
}

static void test_login_required(void **state)
{
	(void)state;
	web_req r;
	assert_int_equal(serve(&r, "GET", "/status?x=1", NULL, NULL, NULL, NULL, 0), 303);
	assert_string_equal(location(&r), "/login?next=%2Fstatus");
	web_req_free(&r);
	assert_int_equal(serve(&r, "GET", "/status", "0000", NULL, NULL, NULL, 0), 303);
	web_req_free(&r);
	char body[200];
	snprintf(body, sizeof body, "csrf=%s&interval=60", admin_csrf);
	assert_int_equal(serve(&r, "POST", "/setup/settings", NULL, NULL, body, NULL, 0), 403);
	web_req_free(&r);
	assert_int_equal(serve(&r, "GET", "/healthz", NULL, NULL, NULL, NULL, 0), 200);
	assert_string_equal(buf_str(&r.out), "ok\n");
	web_req_free(&r);
}

static void test_admin_post_passes(void **state)
{
	(void)state;
	web_req r;
	char body[200];
	snprintf(body, sizeof body, "csrf=%s&interval=61", admin_csrf);
	/* Read in 3-byte chunks: the body is assembled from short reads. */
	assert_int_equal(
	    serve(&r, "POST", "/setup/settings", admin_sid, "http://127.0.0.1:8080", body, NULL, 3), 303);
	assert_string_equal(location(&r), "/setup?done=settings");
	assert_string_equal(r.user.role, "admin");
	web_req_free(&r);
	char v[16];
	err_t e = {0};
	assert_int_equal(store_setting_get(st, "interval", v, sizeof v, NULL, &e), 1);
	assert_string_equal(v, "61");
}

static void test_csrf_refusals(void **state)
{
	(void)state;
	web_req r;
	char body[200];
	snprintf(body, sizeof body, "interval=62");
	assert_int_equal(serve(&r, "POST", "/setup/settings", admin_sid, NULL, body, NULL, 0), 403);
	web_req_free(&r);
	snprintf(body, sizeof body, "csrf=%s&interval=62", viewer_csrf); /* another session's token */
	assert_int_equal(serve(&r, "POST", "/setup/settings", admin_sid, NULL, body, NULL, 0), 403);
	web_req_free(&r);
	snprintf(body, sizeof body, "csrf=%s&interval=62", admin_csrf);
	assert_int_equal(
	    serve(&r, "POST", "/setup/settings", admin_sid, "http://evil.example", body, NULL, 0), 403);
	web_req_free(&r);
	char v[16];
	err_t e = {0};
	store_setting_get(st, "interval", v, sizeof v, NULL, &e);
	assert_string_not_equal(v, "62");
}

static void test_viewer_read_only(void **state)
{
	(void)state;
	web_req r;
	assert_int_equal(serve(&r, "GET", "/status/progress.json", viewer_sid, NULL, NULL, NULL, 0), 200);
	web_req_free(&r);
	char body[200];
	snprintf(body, sizeof body, "csrf=%s&interval=63", viewer_csrf);
	for (const web_route *rt = web_routes; rt->path; rt++) {
		if (rt->methods != M_POST || (rt->needs & (PREFIX | PRE_LOGIN)) ||
		    strcmp(rt->path, "/logout") == 0)
			continue;
		assert_int_equal(serve(&r, "POST", rt->path, viewer_sid, NULL, body, NULL, 0), 403);
		web_req_free(&r);
	}
}

static void test_body_limits(void **state)
{
	(void)state;
	web_req r;
	char body[200];
	snprintf(body, sizeof body, "csrf=%s&interval=64", admin_csrf);
	/* Over the cap: 413 before a byte is read. */
	assert_int_equal(serve(&r, "POST", "/setup/settings", admin_sid, NULL, body, "65537", 0), 413);
	web_req_free(&r);
	assert_int_equal(serve(&r, "POST", "/setup/settings", admin_sid, NULL, body, "-1", 0), 400);
	web_req_free(&r);
	assert_int_equal(serve(&r, "POST", "/setup/settings", admin_sid, NULL, body, "12abc", 0), 400);
	web_req_free(&r);
	assert_int_equal(
	    serve(&r, "POST", "/setup/settings", admin_sid, NULL, body, "99999999999999999999999", 0), 413);
	web_req_free(&r);
	/* Announced more than was sent. */
	assert_int_equal(serve(&r, "POST", "/setup/settings", admin_sid, NULL, body, "150", 0), 400);
	web_req_free(&r);
	/* A bad escape in the form. */
	char bad[200];
	snprintf(bad, sizeof bad, "csrf=%s&interval=%%zz", admin_csrf);
	assert_int_equal(serve(&r, "POST", "/setup/settings", admin_sid, NULL, bad, NULL, 0), 400);
	web_req_free(&r);
}

static void test_methods_and_paths(void **state)
{
	(void)state;
	web_req r;
	assert_int_equal(serve(&r, "PUT", "/status", admin_sid, NULL, NULL, NULL, 0), 405);
	assert_non_null(strstr(buf_str(&r.headers), "Allow: GET, HEAD\r\n"));
	web_req_free(&r);
	assert_int_equal(serve(&r, "HEAD", "/healthz", NULL, NULL, NULL, NULL, 0), 200);
	assert_int_equal(r.head, 1);
	web_req_free(&r);
	assert_int_equal(serve(&r, "GET", "/%zz", NULL, NULL, NULL, NULL, 0), 400);
	web_req_free(&r);
	assert_int_equal(serve(&r, "GET", "/x%00", NULL, NULL, NULL, NULL, 0), 400);
	web_req_free(&r);
	assert_int_equal(serve(&r, "GET", "/hea%6Cthz", NULL, NULL, NULL, NULL, 0), 200);
	web_req_free(&r);
}

/* What web_send puts on the wire: status line, the security headers, then the body. */
typedef struct {
	char out[65536];
	size_t len;
} sink;

static int write_sink(void *ctx, const char *p, size_t n)
{
	sink *s = ctx;
	if (s->len + n >= sizeof s->out)
		return -1;
	memcpy(s->out + s->len, p, n);
	s->len += n;
	s->out[s->len] = '\0';
	return 0;
}

static void test_send_headers(void **state)
{
	(void)state;
	web_req r;
	serve(&r, "GET", "/healthz", NULL, NULL, NULL, NULL, 0);
	sink *s = calloc(1, sizeof *s);
	assert_int_equal(web_send(&r, write_sink, s), 0);
	assert_true(strncmp(s->out, "Status: 200 OK\r\n", 16) == 0);
	assert_non_null(strstr(s->out, "\r\nX-Frame-Options: DENY\r\n"));
	assert_non_null(strstr(s->out, "\r\nCache-Control: no-store\r\n"));
	assert_non_null(strstr(s->out, "\r\nContent-Security-Policy: default-src 'none';"));
	assert_non_null(strstr(s->out, "frame-ancestors 'none'"));
	assert_non_null(strstr(s->out, "\r\nContent-Length: 3\r\n"));
	assert_non_null(strstr(s->out, "\r\n\r\nok\n"));
	web_req_free(&r);
	/* A header value with a line break is dropped, never split into two headers. */
	web_req_init(&r, &app, st, envp);
	web_header(&r, "X-Test", "a\r\nSet-Cookie: evil=1");
	assert_int_equal(r.headers.len, 0);
	assert_int_equal(web_redirect(&r, "//evil.example/"), 303);
	assert_non_null(strstr(buf_str(&r.headers), "Location: /\r\n"));
	web_req_free(&r);
	free(s);
}

/* 11.3: the webhook's secret never reaches the dashboard's log. */
static void test_log_path_masks_hook_secret(void **state)
{
	(void)state;
	char out[200];
	web_path_for_log("/hooks/activecampaign/0123abcd", out, sizeof out);
	assert_string_equal(out, "/hooks/activecampaign/[secret]");
	web_path_for_log("/hooks/activecampaign/a/b", out, sizeof out);
	assert_string_equal(out, "/hooks/activecampaign/[secret]");
	web_path_for_log("/hooks/activecampaign/", out, sizeof out);
	assert_string_equal(out, "/hooks/activecampaign/");
	web_path_for_log("/status", out, sizeof out);
	assert_string_equal(out, "/status");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_find),           cmocka_unit_test(test_table_invariants),
	    cmocka_unit_test(test_login_required), cmocka_unit_test(test_admin_post_passes),
	    cmocka_unit_test(test_csrf_refusals),  cmocka_unit_test(test_viewer_read_only),
	    cmocka_unit_test(test_body_limits),    cmocka_unit_test(test_methods_and_paths),
	    cmocka_unit_test(test_send_headers),   cmocka_unit_test(test_log_path_masks_hook_secret),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
