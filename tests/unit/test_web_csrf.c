/* test_web_csrf.c - tokens, hashes and the origin checks (cgi-bin/csrf.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <string.h>

#include "csrf.h"

static void test_random(void **state)
{
	(void)state;
	char a[CSRF_HEX + 1], b[CSRF_HEX + 1];
	assert_int_equal(csrf_random(a), 0);
	assert_int_equal(csrf_random(b), 0);
	assert_int_equal(strlen(a), CSRF_HEX);
	for (size_t i = 0; i < CSRF_HEX; i++)
		assert_true(isxdigit((unsigned char)a[i]) && !isupper((unsigned char)a[i]));
	assert_string_not_equal(a, b);
}

static void test_hash(void **state)
{
	(void)state;
	char h[CSRF_HEX + 1];
	csrf_hash("abc", h);
	assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void test_pre_sign(void **state)
{
	(void)state;
	unsigned char k1[32] = {1}, k2[32] = {2};
	char a[CSRF_HEX + 1], b[CSRF_HEX + 1], c[CSRF_HEX + 1];
	csrf_pre_sign(k1, "cookie", a);
	csrf_pre_sign(k1, "cookie", b);
	csrf_pre_sign(k2, "cookie", c);
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);
	csrf_pre_sign(k1, "cookie2", c);
	assert_string_not_equal(a, c);
}

static void test_equal(void **state)
{
	(void)state;
	assert_true(csrf_equal("abc", "abc"));
	assert_false(csrf_equal("abc", "abd"));
	assert_false(csrf_equal("abc", "abcd"));
	assert_false(csrf_equal("", ""));
	assert_false(csrf_equal(NULL, "a"));
	assert_false(csrf_equal("a", NULL));
}

static void test_origin_table(void **state)
{
	(void)state;
	static const struct {
		const char *site, *origin, *self;
		int ok;
	} t[] = {
	    {NULL, NULL, "http://127.0.0.1:8080", 1}, /* curl: the token decides */
	    {"same-origin", "http://127.0.0.1:8080", "http://127.0.0.1:8080", 1},
	    {"same-origin", NULL, "http://127.0.0.1:8080", 1},
	    {NULL, "http://127.0.0.1:8080", "http://127.0.0.1:8080", 1},
	    {NULL, "HTTP://127.0.0.1:8080", "http://127.0.0.1:8080", 1},
	    {"cross-site", NULL, "http://127.0.0.1:8080", 0},
	    {"same-site", NULL, "http://127.0.0.1:8080", 0},
	    {"none", NULL, "http://127.0.0.1:8080", 0},
	    {NULL, "http://evil.example", "http://127.0.0.1:8080", 0},
	    {NULL, "http://127.0.0.1:9090", "http://127.0.0.1:8080", 0},
	    {NULL, "https://127.0.0.1:8080", "http://127.0.0.1:8080", 0},
	    {NULL, "null", "http://127.0.0.1:8080", 0},
	    {NULL, "http://x", "", 0},
	    {"same-origin", "http://evil.example", "http://127.0.0.1:8080", 0},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		char why[256];
		assert_int_equal(csrf_origin_ok(t[i].site, t[i].origin, t[i].self, why, sizeof why), t[i].ok);
		if (!t[i].ok)
			assert_true(strlen(why) > 0);
	}
}

static void test_self_origin(void **state)
{
	(void)state;
	static const struct {
		const char *host, *port;
		int secure, proxied;
		const char *want;
	} t[] = {
	    {"127.0.0.1", "8080", 0, 0, "http://127.0.0.1:8080"}, /* Debian passes $host: no port */
	    {"127.0.0.1:8080", "8080", 0, 0, "http://127.0.0.1:8080"},
	    {"example.com", "443", 1, 0, "https://example.com"},
	    {"example.com", "80", 0, 0, "http://example.com"},
	    {"example.com", "8443", 1, 0, "https://example.com:8443"},
	    {"example.com", "80", 1, 1, "https://example.com"}, /* TLS ends at a proxy */
	    {"[::1]", "8080", 0, 0, "http://[::1]:8080"},
	    {"[::1]:8080", "8080", 0, 0, "http://[::1]:8080"},
	    {"", "80", 0, 0, ""},
	    {"evil/x", "80", 0, 0, ""},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		char out[128];
		csrf_self_origin(t[i].host, t[i].port, t[i].secure, t[i].proxied, out, sizeof out);
		assert_string_equal(out, t[i].want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_random),       cmocka_unit_test(test_hash),
	    cmocka_unit_test(test_pre_sign),     cmocka_unit_test(test_equal),
	    cmocka_unit_test(test_origin_table), cmocka_unit_test(test_self_origin),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
