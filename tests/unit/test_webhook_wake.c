/* test_webhook_wake.c - whom a daemon's webhook run reads: the people the pending events name,
 * once each, or a poll run for an event nobody can apply and above the bound. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "webhook_wake.h"

static webhook_wake w; /* 50 KB */

static int add(int64_t id, const char *body)
{
	return webhook_wake_add(&w, id, body, strlen(body));
}

static void people_once_each_normalised(void **state)
{
	(void)state;
	webhook_wake_init(&w);
	assert_int_equal(add(7, "type=unsubscribe&contact[email]=%20Ada%40Example.COM%20&list=1"), 0);
	assert_int_equal(add(8, "type=subscribe&contact[email]=bo%40x.io&list=2"), 0);
	assert_int_equal(add(9, "type=bounce&contact[email]=ada%40example.com&bounce[type]=hard"), 0);
	assert_int_equal(w.poll, 0);
	assert_int_equal(w.events, 3);
	assert_int_equal(w.n, 2);
	assert_string_equal(w.emails[0], "ada@example.com");
	assert_string_equal(w.emails[1], "bo@x.io");
	assert_int_equal(w.first_id, 7);
	assert_int_equal(w.last_id, 9);
}

static void unusable_event_is_a_poll_run(void **state)
{
	(void)state;
	const char *bad[] = {
	    "type=unsubscribe&contact[email]=not-an-address&list=1", /* no usable address */
	    "type=update&contact[email]=ada%40example.com",          /* a type optsync does not use */
	    "contact[email]=ada%40example.com",                      /* no type: does not parse */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		webhook_wake_init(&w);
		assert_int_equal(add(1, "type=subscribe&contact[email]=a%40x.io"), 0);
		assert_int_equal(add(2, bad[i]), 1);
		assert_int_equal(w.poll, 1);
		assert_non_null(strstr(w.why, "event 2 names no usable person"));
		/* once poll, more events change nothing */
		assert_int_equal(add(3, "type=subscribe&contact[email]=b%40x.io"), 1);
		assert_int_equal(w.n, 1);
	}
}

static void above_the_bound_is_a_poll_run(void **state)
{
	(void)state;
	webhook_wake_init(&w);
	char b[128];
	for (int i = 0; i < WEBHOOK_WAKE_PEOPLE; i++) {
		snprintf(b, sizeof b, "type=unsubscribe&contact[email]=p%d%%40x.io&list=1", i);
		assert_int_equal(add(i + 1, b), 0);
	}
	/* the same people again fit: the bound is on people, not events */
	assert_int_equal(add(1000, "type=subscribe&contact[email]=p0%40x.io"), 0);
	assert_int_equal(w.poll, 0);
	assert_int_equal(w.n, WEBHOOK_WAKE_PEOPLE);
	assert_int_equal(add(1001, "type=subscribe&contact[email]=one-more%40x.io"), 1);
	assert_int_equal(w.poll, 1);
	assert_non_null(strstr(w.why, "more than 200 people"));
}

static void usable_is_the_engines_rule(void **state)
{
	(void)state;
	webhook_event wh;
	char email[RULES_EMAIL_MAX + 1];
	const char *ok = "type=unsubscribe&contact[email]=X%40Y.io&list=3";
	assert_int_equal(webhook_usable(ok, strlen(ok), &wh, email), 1);
	assert_string_equal(email, "x@y.io");
	assert_int_equal(wh.type, WEBHOOK_UNSUBSCRIBE);
	assert_string_equal(wh.list, "3");
	const char *other = "type=sent&contact[email]=x%40y.io";
	assert_int_equal(webhook_usable(other, strlen(other), &wh, email), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(people_once_each_normalised),
	    cmocka_unit_test(unusable_event_is_a_poll_run),
	    cmocka_unit_test(above_the_bound_is_a_poll_run),
	    cmocka_unit_test(usable_is_the_engines_rule),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
