/* test_web_form.c - percent-decoding and form/query parsing (cgi-bin/form.c), table-driven. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "form.h"

static void test_unescape_table(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		int plus;
		long rc;
		const char *out;
	} t[] = {
	    {"", 1, 0, ""},       {"abc", 1, 3, "abc"},     {"a+b", 1, 3, "a b"},
	    {"a+b", 0, 3, "a+b"}, {"%41%42", 1, 2, "AB"},   {"%c3%a9", 1, 2, "\xc3\xa9"},
	    {"%2B", 1, 1, "+"},   {"100%25", 1, 4, "100%"}, {"%zz", 1, -1, NULL},
	    {"%4", 1, -1, NULL},  {"%", 1, -1, NULL},       {"ab%", 1, -1, NULL},
	    {"%00", 1, -1, NULL}, {"a%0Ab", 1, 3, "a\nb"},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		char out[64];
		long rc = form_unescape(t[i].in, strlen(t[i].in), out, sizeof out, t[i].plus);
		assert_int_equal(rc, t[i].rc);
		if (t[i].out)
			assert_string_equal(out, t[i].out);
	}
}

static void test_unescape_bounds(void **state)
{
	(void)state;
	char out[4];
	assert_int_equal(form_unescape("abc", 3, out, sizeof out, 1), 3);
	assert_int_equal(form_unescape("abcd", 4, out, sizeof out, 1), -1);
	assert_string_equal(out, "");
	/* Only n bytes are read: the input need not be NUL-terminated. */
	assert_int_equal(form_unescape("ab%41zzz", 5, out, sizeof out, 1), 3);
	assert_string_equal(out, "abA");
	assert_int_equal(form_unescape("a", 1, out, 0, 1), -1);
}

static void test_parse(void **state)
{
	(void)state;
	form f = {0};
	const char *q = "a=1&b=x%20y&c&&d=&e=a%3Db%26c&a=2&f+g=h+i";
	assert_int_equal(form_parse(&f, q, strlen(q)), 0);
	assert_int_equal(f.n, 7);
	assert_string_equal(form_get(&f, "a"), "1"); /* the first of repeated keys */
	assert_string_equal(form_get(&f, "b"), "x y");
	assert_string_equal(form_get(&f, "c"), "");
	assert_string_equal(form_get(&f, "d"), "");
	assert_string_equal(form_get(&f, "e"), "a=b&c");
	assert_string_equal(form_get(&f, "f g"), "h i");
	assert_null(form_get(&f, "zz"));
	assert_string_equal(form_get_or(&f, "zz", "def"), "def");
	form_free(&f);
	assert_int_equal(f.n, 0);
}

static void test_parse_php_keys(void **state)
{
	(void)state;
	form f = {0};
	const char *q = "type=unsubscribe&contact%5Bemail%5D=A%40b.c&contact[id]=42";
	assert_int_equal(form_parse(&f, q, strlen(q)), 0);
	assert_string_equal(form_get(&f, "contact[email]"), "A@b.c");
	assert_string_equal(form_get(&f, "contact[id]"), "42");
	form_free(&f);
}

static void test_parse_refuses(void **state)
{
	(void)state;
	const char *bad[] = {"a=%zz", "a%=1", "a=%00", "%00=1", "a=1&b=%4"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		form f = {0};
		assert_int_equal(form_parse(&f, bad[i], strlen(bad[i])), -1);
		form_free(&f);
	}
	/* More than FORM_MAX_FIELDS pairs. */
	size_t n = (FORM_MAX_FIELDS + 1) * 4;
	char *many = malloc(n + 1);
	assert_non_null(many);
	for (int i = 0; i <= FORM_MAX_FIELDS; i++)
		memcpy(many + (size_t)i * 4, "a=1&", 4);
	many[n] = '\0';
	form f = {0};
	assert_int_equal(form_parse(&f, many, strlen(many)), -1);
	form_free(&f);
	free(many);
	/* Exactly the limit is fine. */
	char *ok = malloc(n + 1);
	assert_non_null(ok);
	for (int i = 0; i < FORM_MAX_FIELDS; i++)
		memcpy(ok + (size_t)i * 4, "a=1&", 4);
	ok[n - 4] = '\0';
	form g = {0};
	assert_int_equal(form_parse(&g, ok, strlen(ok)), 0);
	assert_int_equal(g.n, FORM_MAX_FIELDS);
	form_free(&g);
	free(ok);
}

static void test_encode(void **state)
{
	(void)state;
	char out[64];
	assert_int_equal(form_encode("a b&c=d/é~._-", out, sizeof out), 0);
	assert_string_equal(out, "a%20b%26c%3Dd%2F%C3%A9~._-");
	assert_int_equal(form_encode("abcdef", out, 4), -1);
	assert_string_equal(out, "");
	/* Round trip. */
	char back[64];
	form_encode("x@y.z + 100%", out, sizeof out);
	assert_true(form_unescape(out, strlen(out), back, sizeof back, 0) > 0);
	assert_string_equal(back, "x@y.z + 100%");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_unescape_table), cmocka_unit_test(test_unescape_bounds),
	    cmocka_unit_test(test_parse),          cmocka_unit_test(test_parse_php_keys),
	    cmocka_unit_test(test_parse_refuses),  cmocka_unit_test(test_encode),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
