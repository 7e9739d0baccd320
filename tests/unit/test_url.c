/* test_url.c - the endpoint URL policy (https, http for loopback only) and settings validation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "settings.h"
#include "url.h"

static void endpoint_policy(void **state)
{
	(void)state;
	static const struct {
		const char *url;
		int ok;
	} cases[] = {
	    {"https://acme.api-us1.com", 1},
	    {"https://acme.api-us1.com/", 1},
	    {"HTTPS://login.salesforce.com", 1},
	    {"https://test.salesforce.com:443", 1},
	    {"http://127.0.0.1:8080/sandbox/ac", 1},
	    {"http://127.5.6.7/x", 1},
	    {"http://localhost:9/", 1},
	    {"http://[::1]:8080/sandbox/sf", 1},
	    {"http://acme.api-us1.com", 0}, /* clear text to the internet */
	    {"http://10.0.0.1/", 0},
	    {"http://128.0.0.1/", 0},
	    {"http://localhost.evil.com/", 0},
	    {"http://127.0.0.1.evil.com/", 0},
	    {"ftp://acme.api-us1.com", 0},
	    {"acme.api-us1.com", 0},
	    {"https://", 0},
	    {"https:///path", 0},
	    {"https://user:pw@acme.api-us1.com", 0},
	    {"http://evil.com@127.0.0.1/", 0},
	    {"https://acme.api-us1.com/#frag", 0},
	    {"https://acme.api-us1.com:80x/", 0},
	    {"https://acme .api-us1.com", 0},
	    {"https://acme.api-us1.com\r\nX: y", 0},
	    {"", 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		err_t e = {0};
		int rc = url_check_endpoint(cases[i].url, "URL", &e);
		if ((rc == 0) != cases[i].ok)
			fail_msg("%s: expected %s, got %s (%s)", cases[i].url, cases[i].ok ? "ok" : "refusal",
			         rc == 0 ? "ok" : "refusal", e.msg);
		if (!cases[i].ok)
			assert_int_equal(e.kind, ERR_USAGE);
	}
	char big[700];
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	memcpy(big, "https://", 8);
	err_t e = {0};
	assert_int_equal(url_check_endpoint(big, "URL", &e), -1);
}

static void base_normalised(void **state)
{
	(void)state;
	char out[64];
	err_t e = {0};
	assert_int_equal(url_normalise_base("https://a.api-us1.com///", out, sizeof out, &e), 0);
	assert_string_equal(out, "https://a.api-us1.com");
	assert_int_equal(url_normalise_base("https://a.api-us1.com", out, 8, &e), -1);
}

static void settings_table(void **state)
{
	(void)state;
	static const struct {
		const char *key, *value, *canon; /* canon NULL: refused */
	} cases[] = {
	    {"sf_import", "new", "new"},
	    {"sf_import", " ALL ", "all"},
	    {"sf_import", "some", NULL},
	    {"interval", "300", "300"},
	    {"interval", "29", NULL},
	    {"interval", "86401", NULL},
	    {"interval", "5m", NULL},
	    {"sf_api_share", "0.80", "0.8"},
	    {"sf_api_share", "1", "1"},
	    {"sf_api_share", "80%", NULL},
	    {"sf_api_share", "0", NULL},
	    {"ac_rate", "5", "5"},
	    {"ac_rate", "6", NULL},
	    {"bulk_threshold", "2000", "2000"},
	    {"bulk_threshold", "10", NULL},
	    {"public_url", "https://optsync.example.com/", "https://optsync.example.com"},
	    {"public_url", "http://optsync.example.com", NULL},
	    {"retry_limit", "8", "8"},
	    {"nosuch", "1", NULL},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char out[128] = "";
		err_t e = {0};
		int rc = settings_validate(cases[i].key, cases[i].value, out, sizeof out, &e);
		if (cases[i].canon) {
			if (rc != 0)
				fail_msg("%s=%s refused: %s", cases[i].key, cases[i].value, e.msg);
			assert_string_equal(out, cases[i].canon);
		} else {
			if (rc == 0)
				fail_msg("%s=%s accepted as %s", cases[i].key, cases[i].value, out);
			assert_int_equal(e.kind, ERR_USAGE);
			assert_true(strlen(e.msg) > 10);
		}
	}
}

/* 11.5: a stored secret goes only to the host it was typed for. */
static void same_origin(void **state)
{
	(void)state;
	static const struct {
		const char *a, *b;
		int same;
	} cases[] = {
	    {"https://acme.api-us1.com", "https://acme.api-us1.com/", 1},
	    {"https://acme.api-us1.com", "HTTPS://ACME.api-us1.com/api/3", 1},
	    {"https://acme.api-us1.com", "https://acme.api-us1.com:443", 1},
	    {"http://127.0.0.1:8080/sandbox/ac", "http://127.0.0.1:8080/sandbox/sf", 1},
	    {"https://acme.api-us1.com", "https://evil.example", 0},
	    {"https://acme.api-us1.com", "http://acme.api-us1.com", 0},
	    {"https://acme.api-us1.com", "https://acme.api-us1.com:8443", 0},
	    {"https://acme.api-us1.com", "https://acme.api-us1.com.evil.example", 0},
	    {"https://acme.api-us1.com", "https://evil.example@acme.api-us1.com", 0},
	    {"http://127.0.0.1:8080", "http://127.0.0.1:8081", 0},
	    {"http://[::1]:8080", "http://[::1]:8080/x", 1},
	    {"https://acme.api-us1.com", "", 0},
	    {"https://acme.api-us1.com", "acme.api-us1.com", 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (url_same_origin(cases[i].a, cases[i].b) != cases[i].same)
			fail_msg("url_same_origin(%s, %s) != %d", cases[i].a, cases[i].b, cases[i].same);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(endpoint_policy),
	    cmocka_unit_test(same_origin),
	    cmocka_unit_test(base_normalised),
	    cmocka_unit_test(settings_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
