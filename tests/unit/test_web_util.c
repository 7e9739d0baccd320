/* test_web_util.c - the handlers' shared helpers (cgi-bin/webutil.c) and the growable buffer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "buf.h"
#include "webutil.h"

static void test_normalize(void **state)
{
	(void)state;
	char out[64];
	web_normalize_email("  Jane.Doe@Example.COM \t", out, sizeof out);
	assert_string_equal(out, "jane.doe@example.com");
	web_normalize_email(NULL, out, sizeof out);
	assert_string_equal(out, "");
	web_normalize_email("   ", out, sizeof out);
	assert_string_equal(out, "");
	/* The rules' definition: no address, no match (not a truncated or half-normalised one). */
	web_normalize_email("ABCDEF", out, sizeof out);
	assert_string_equal(out, "");
	char small[8];
	web_normalize_email("A@Example.com", small, sizeof small);
	assert_string_equal(small, "a@examp");
}

static void test_int64(void **state)
{
	(void)state;
	assert_int_equal(web_int64("123"), 123);
	assert_int_equal(web_int64("0"), 0);
	assert_int_equal(web_int64(""), 0);
	assert_int_equal(web_int64(NULL), 0);
	assert_int_equal(web_int64("-5"), 0);
	assert_int_equal(web_int64("12a"), 0);
	assert_int_equal(web_int64(" 1"), 0);
	assert_int_equal(web_int64("99999999999999999999999"), 0);
	assert_true(web_int64("9223372036854775807") == INT64_MAX);
}

static void test_in(void **state)
{
	(void)state;
	static const char *const l[] = {"a", "bb", NULL};
	assert_true(web_in("a", l));
	assert_true(web_in("bb", l));
	assert_false(web_in("b", l));
	assert_false(web_in(NULL, l));
}

static void test_log_query(void **state)
{
	(void)state;
	char q[512];
	web_log_query(q, sizeof q, "", NULL, NULL, 0, 0);
	assert_string_equal(q, "/status");
	web_log_query(q, sizeof q, "a+b@x.y", "failed", "ac->sf", 7, 1234);
	assert_string_equal(q,
	                    "/status?email=a%2Bb%40x.y&status=failed&direction=ac-%3Esf&run=7&before=1234");
	web_log_query(q, sizeof q, NULL, NULL, "sf->ac", 0, 9);
	assert_string_equal(q, "/status?direction=sf-%3Eac&before=9");
	/* The log's "show" filter rides along on the pager's links. */
	web_query_param(q, sizeof q, "show", "all");
	assert_string_equal(q, "/status?direction=sf-%3Eac&before=9&show=all");
	web_log_query(q, sizeof q, NULL, NULL, NULL, 0, 0);
	web_query_param(q, sizeof q, "show", "all");
	assert_string_equal(q, "/status?show=all");
	web_query_param(q, sizeof q, "empty", "");
	assert_string_equal(q, "/status?show=all");
}

static void test_status_class(void **state)
{
	(void)state;
	assert_string_equal(web_status_class("ok"), "ok");
	assert_string_equal(web_status_class("applied"), "ok");
	assert_string_equal(web_status_class("failed"), "bad");
	assert_string_equal(web_status_class("partial"), "warn");
	assert_string_equal(web_status_class("skipped"), "muted");
	assert_string_equal(web_status_class(NULL), "muted");
}

static void test_csv(void **state)
{
	(void)state;
	static const struct {
		const char *in, *out;
	} t[] = {
	    {"plain", "plain"},
	    {"a,b", "\"a,b\""},
	    {"say \"hi\"", "\"say \"\"hi\"\"\""},
	    {"two\nlines", "\"two\nlines\""},
	    {"=cmd()", "\"'=cmd()\""},
	    {"+1", "\"'+1\""},
	    {"-1", "\"'-1\""},
	    {"@x", "\"'@x\""},
	    {"", ""},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		buf b = {0};
		web_csv_field(&b, t[i].in);
		assert_string_equal(buf_str(&b), t[i].out);
		buf_free(&b);
	}
}

static void test_buf(void **state)
{
	(void)state;
	buf b = {0};
	assert_string_equal(buf_str(&b), "");
	for (int i = 0; i < 1000; i++)
		assert_int_equal(buf_printf(&b, "%d,", i), 0);
	assert_int_equal(b.len, strlen(b.p));
	assert_true(strncmp(b.p, "0,1,2,", 6) == 0);
	buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(buf_str(&b), "");
	buf_add(&b, "x\0y", 3);
	assert_int_equal(b.len, 3);
	buf_free(&b);
	assert_null(b.p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_normalize), cmocka_unit_test(test_int64),        cmocka_unit_test(test_in),
	    cmocka_unit_test(test_log_query), cmocka_unit_test(test_status_class), cmocka_unit_test(test_csv),
	    cmocka_unit_test(test_buf),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
