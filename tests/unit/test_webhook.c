/* test_webhook.c - AC webhook bodies: the real shapes, and hostile ones. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "webhook.h"

static void unsubscribe_body(void **state)
{
	(void)state;
	const char *b =
	    "type=unsubscribe&date_time=2026-11-26T09%3A15%3A00-06%3A00&initiated_by=admin"
	    "&initiated_from=admin&list=2&contact%5Bid%5D=17&contact%5Bemail%5D=Ada.L%40Example.com"
	    "&contact%5Bfirst_name%5D=Ada+Lovelace&unsubscribe%5Breason%5D=too+many%26often";
	webhook_event w;
	err_t e = {0};
	assert_int_equal(webhook_parse(b, strlen(b), &w, &e), 0);
	assert_int_equal(w.type, WEBHOOK_UNSUBSCRIBE);
	assert_string_equal(w.date_time, "2026-11-26T09:15:00-06:00");
	assert_string_equal(w.contact_id, "17");
	assert_string_equal(w.email, "Ada.L@Example.com");
	assert_string_equal(w.first_name, "Ada Lovelace");
	assert_string_equal(w.list, "2");
	assert_string_equal(w.reason, "too many&often");
}

static void bounce_and_subscribe(void **state)
{
	(void)state;
	webhook_event w;
	err_t e = {0};
	const char *b =
	    "type=bounce&date_time=2026-11-26T10:00:00Z&contact[email]=b%40x.io&bounce[type]=hard";
	assert_int_equal(webhook_parse(b, strlen(b), &w, &e), 0);
	assert_int_equal(w.type, WEBHOOK_BOUNCE);
	assert_string_equal(w.bounce_type, "hard");
	const char *s = "contact[email]=s%40x.io&type=subscribe&list=1&date_time=2026-11-26T10:00:00Z";
	assert_int_equal(webhook_parse(s, strlen(s), &w, &e), 0);
	assert_int_equal(w.type, WEBHOOK_SUBSCRIBE);
	const char *o = "type=deal_add&date_time=x";
	assert_int_equal(webhook_parse(o, strlen(o), &w, &e), 0);
	assert_int_equal(w.type, WEBHOOK_OTHER);
}

static void hostile_bodies(void **state)
{
	(void)state;
	static const char *bad[] = {
	    "",
	    "{\"type\":\"unsubscribe\"}",
	    "date_time=x&contact[email]=a%40b.c",    /* no type */
	    "type=unsubscribe&list=1",               /* no email */
	    "type=unsubscribe&contact[email]=a%4",   /* truncated escape */
	    "type=unsubscribe&contact[email]=a%zzb", /* bad escape */
	    "type=unsubscribe&contact[email]=a%00b", /* NUL byte */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		webhook_event w;
		err_t e = {0};
		if (webhook_parse(bad[i], strlen(bad[i]), &w, &e) != -1)
			fail_msg("accepted: %s", bad[i]);
		assert_int_equal(e.kind, ERR_INVALID_REQUEST);
	}
	/* An overlong field is refused, not truncated into another person's address. */
	size_t n = 400;
	char *b = malloc(n + 64);
	size_t off = (size_t)snprintf(b, n + 64, "type=unsubscribe&contact[email]=");
	memset(b + off, 'a', n);
	b[off + n] = '\0';
	webhook_event w;
	err_t e = {0};
	assert_int_equal(webhook_parse(b, strlen(b), &w, &e), -1);
	free(b);
	/* Too large a body. */
	char *big = calloc(1, WEBHOOK_BODY_MAX + 2);
	memset(big, 'x', WEBHOOK_BODY_MAX + 1);
	assert_int_equal(webhook_parse(big, WEBHOOK_BODY_MAX + 1, &w, &e), -1);
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(unsubscribe_body),
	    cmocka_unit_test(bounce_and_subscribe),
	    cmocka_unit_test(hostile_bodies),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
