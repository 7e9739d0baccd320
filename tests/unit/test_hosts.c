/* test_hosts.c - the Host allow-list (core/hosts.c): loopback names, the host of public_url, the
 * allowed_hosts setting, and the names a rebinding page or a scanner would send. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "hosts.h"
#include "settings.h"

static void allowed_table(void **state)
{
	(void)state;
	static const struct {
		const char *host, *pub, *more;
		int ok;
	} cases[] = {
	    {"127.0.0.1:8080", "", "", 1},
	    {"127.0.0.1", NULL, NULL, 1},
	    {"localhost:8080", "", "", 1},
	    {"LOCALHOST", "", "", 1},
	    {"[::1]:8080", "", "", 1},
	    {"127.9.9.9:1", "", "", 1},
	    {"rebind.attacker.test:8080", "", "", 0},
	    {"rebind.attacker.test", "https://dash.example.com", "", 0},
	    {"dash.example.com", "https://dash.example.com", "", 1},
	    {"Dash.Example.COM:443", "https://dash.example.com/", "", 1},
	    {"dash.example.com.", "https://dash.example.com", "", 1},
	    {"dash.example.com.evil.test", "https://dash.example.com", "", 0},
	    {"evil-dash.example.com", "https://dash.example.com", "", 0},
	    {"example.com", "https://dash.example.com", "", 0},
	    {"other.example", "https://dash.example.com", "second.example,other.example", 1},
	    {"other.example:8443", "", "other.example", 1},
	    {"other.exampl", "", "other.example", 0},
	    {"ther.example", "", "other.example", 0},
	    {"", "", "", 0},
	    {NULL, "", "", 0},
	    {"localhost.evil.test", "", "", 0},
	    {"127.0.0.1.evil.test", "", "", 0},
	    {"evil.test:80x", "", "evil.test", 0},
	    {"evil test", "", "", 0},
	    {"a@127.0.0.1", "", "", 0},
	    {"127.0.0.1/x", "", "", 0},
	    {"dash.example.com", "https://user@dash.example.com", "", 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		if (hosts_allowed(cases[i].host, cases[i].pub, cases[i].more) != cases[i].ok)
			fail_msg("hosts_allowed(%s, %s, %s) != %d", cases[i].host ? cases[i].host : "NULL",
			         cases[i].pub ? cases[i].pub : "NULL", cases[i].more ? cases[i].more : "NULL",
			         cases[i].ok);
}

static void setting_validated(void **state)
{
	(void)state;
	char out[600];
	err_t e = {0};
	assert_int_equal(settings_validate("allowed_hosts", " Dash.Example.com, other.example  x.test", out,
	                                   sizeof out, &e),
	                 0);
	assert_string_equal(out, "dash.example.com,other.example,x.test");
	assert_int_equal(settings_validate("allowed_hosts", "", out, sizeof out, &e), 0);
	assert_string_equal(out, "");
	const char *bad[] = {
	    "https://dash.example.com", "dash.example.com:8443", "dash/x", "a@b", "-x", NULL};
	for (int i = 0; bad[i]; i++) {
		err_t e2 = {0};
		if (settings_validate("allowed_hosts", bad[i], out, sizeof out, &e2) == 0)
			fail_msg("allowed_hosts '%s' accepted", bad[i]);
		assert_int_equal(e2.kind, ERR_USAGE);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(allowed_table),
	    cmocka_unit_test(setting_validated),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
