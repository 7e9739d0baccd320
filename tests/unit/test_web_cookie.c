/* test_web_cookie.c - Cookie header parsing and Set-Cookie building (cgi-bin/cookie.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "cookie.h"

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(cookie_session_name(1), "__Host-optsync");
	assert_string_equal(cookie_session_name(0), "optsync_session");
	assert_string_equal(cookie_pre_name(1), "__Host-optsync-login");
	assert_string_equal(cookie_pre_name(0), "optsync_login");
}

static void test_get_table(void **state)
{
	(void)state;
	static const struct {
		const char *header, *name;
		int found;
		const char *value;
	} t[] = {
	    {"a=1", "a", 1, "1"},
	    {"a=1; b=2", "b", 1, "2"},
	    {"a=1;b=2", "b", 1, "2"},
	    {" a = 1 ;  b=two words ", "b", 1, "two words"},
	    {"ab=1; b=2", "b", 1, "2"},
	    {"b=1; ab=2", "ab", 1, "2"},
	    {"a=\"quoted\"", "a", 1, "quoted"},
	    {"a=", "a", 1, ""},
	    {"a=1", "b", 0, ""},
	    {"", "a", 0, ""},
	    {"novalue; a=3", "a", 1, "3"},
	    {"a=1; a=2", "a", 1, "1"},
	    {"optsync_session=abc; __Host-optsync=def", "__Host-optsync", 1, "def"},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		char out[64];
		assert_int_equal(cookie_get(t[i].header, t[i].name, out, sizeof out), t[i].found);
		assert_string_equal(out, t[i].value);
	}
	char out[64];
	assert_int_equal(cookie_get(NULL, "a", out, sizeof out), 0);
}

static void test_get_too_long(void **state)
{
	(void)state;
	char out[4];
	assert_int_equal(cookie_get("a=12345", "a", out, sizeof out), 0);
	assert_string_equal(out, "");
}

static void test_build(void **state)
{
	(void)state;
	char c[256];
	assert_int_equal(cookie_build(c, sizeof c, "__Host-optsync", "abc", 3600, 1), 0);
	assert_string_equal(c, "__Host-optsync=abc; Path=/; Max-Age=3600; HttpOnly; SameSite=Strict; Secure");
	assert_int_equal(cookie_build(c, sizeof c, "optsync_session", "abc", -1, 0), 0);
	assert_string_equal(c, "optsync_session=abc; Path=/; HttpOnly; SameSite=Strict");
	assert_int_equal(cookie_build(c, sizeof c, "optsync_session", "", 0, 0), 0);
	assert_string_equal(c, "optsync_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict");
	/* The OAuth flow's cookie: back on the cross-site return, to the callback only. */
	assert_int_equal(cookie_build_scoped(c, sizeof c, cookie_oauth_name(1), "abc",
	                                     "/oauth/salesforce/callback", "Lax", 600, 1),
	                 0);
	assert_string_equal(c, "__Secure-optsync-oauth=abc; Path=/oauth/salesforce/callback; Max-Age=600; "
	                       "HttpOnly; SameSite=Lax; Secure");
	assert_string_equal(cookie_oauth_name(0), "optsync_oauth");
	assert_int_equal(cookie_build_scoped(c, sizeof c, "a", "b", "/x;Domain=evil", "Lax", 1, 0), -1);
	assert_int_equal(cookie_build_scoped(c, sizeof c, "a", "b", "x", "Lax", 1, 0), -1);
}

static void test_build_refuses(void **state)
{
	(void)state;
	char c[256];
	assert_int_equal(cookie_build(c, sizeof c, "a", "x;y", 1, 0), -1);
	assert_int_equal(cookie_build(c, sizeof c, "a", "x\r\nSet-Cookie: evil", 1, 0), -1);
	assert_int_equal(cookie_build(c, sizeof c, "a=b", "x", 1, 0), -1);
	assert_int_equal(cookie_build(c, sizeof c, "", "x", 1, 0), -1);
	assert_int_equal(cookie_build(c, sizeof c, "a", "with space", 1, 0), -1);
	assert_int_equal(cookie_build(c, 10, "name", "value", 1, 0), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_names),         cmocka_unit_test(test_get_table),
	    cmocka_unit_test(test_get_too_long),  cmocka_unit_test(test_build),
	    cmocka_unit_test(test_build_refuses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
