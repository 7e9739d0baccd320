/* test_throttle.c - the sign-in throttle: growing, capped delays (core/throttle.c), IPv6 clients by
 * their /64, and the store's begin/success pair (one failure counted in advance, atomically). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"
#include "store_web.h"
#include "throttle.h"

static void delays_grow_and_cap(void **state)
{
	(void)state;
	const throttle_policy *a = &THROTTLE_ACCOUNT;
	assert_int_equal(throttle_delay(a, 0), 0);
	assert_int_equal(throttle_delay(a, 3), 0);
	assert_int_equal(throttle_delay(a, 4), 1);
	assert_int_equal(throttle_delay(a, 5), 2);
	assert_int_equal(throttle_delay(a, 6), 4);
	assert_int_equal(throttle_delay(a, 12), 256);
	assert_int_equal(throttle_delay(a, 13), 300);
	assert_int_equal(throttle_delay(a, 1000000), 300);
	assert_int_equal(throttle_delay(&THROTTLE_ADDRESS, 20), 0);
	assert_int_equal(throttle_delay(&THROTTLE_ADDRESS, 21), 1);
}

static void address_keys(void **state)
{
	(void)state;
	static const struct {
		const char *in, *key;
	} cases[] = {
	    {"127.0.0.1", "addr:127.0.0.1"},
	    {"2001:db8:1:2:3:4:5:6", "addr:2001:db8:1:2::/64"},
	    {"2001:db8:1:2:ffff:ffff:ffff:ffff", "addr:2001:db8:1:2::/64"},
	    {"2001:db8:1:3::1", "addr:2001:db8:1:3::/64"},
	    {"::ffff:10.1.2.3", "addr:10.1.2.3"},
	    {"::1", "addr:::/64"},
	    {"junk", "addr:?"},
	    {NULL, "addr:?"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char out[96];
		throttle_addr_key(cases[i].in, out, sizeof out);
		assert_string_equal(out, cases[i].key);
	}
}

static void store_counts_in_advance(void **state)
{
	(void)state;
	char dir[] = "/tmp/test_throttle.XXXXXX", db[128], cmd[160];
	assert_non_null(mkdtemp(dir));
	snprintf(db, sizeof db, "%s/optsync.db", dir);
	store *s;
	err_t e = {0};
	assert_int_equal(store_open(&s, db, NULL, &e), 0);
	const char *keys[] = {"acct:admin", "addr:127.0.0.1"};
	const throttle_policy *pol[] = {&THROTTLE_ACCOUNT, &THROTTLE_ADDRESS};
	long wait = 0;
	int64_t now = 1000000000; /* ms */
	for (int i = 0; i < 4; i++)
		assert_int_equal(store_web_throttle_begin(s, keys, pol, 2, now, &wait, &e), 1);
	/* The 4th attempt earned a 1 s wait: the 5th is refused at once, even with the right
	 * password, and allowed a second later. */
	assert_int_equal(store_web_throttle_begin(s, keys, pol, 2, now, &wait, &e), 0);
	assert_int_equal(wait, 1);
	assert_int_equal(store_web_throttle_begin(s, keys, pol, 2, now + 1000, &wait, &e), 1);
	assert_int_equal(store_web_throttle_success(s, keys, 2, now + 1000, &e), 0);
	assert_int_equal(store_web_throttle_begin(s, keys, pol, 2, now + 1000, &wait, &e), 1);
	/* Rows untouched for a day are purged by the next attempt. */
	const char *other[] = {"acct:other"};
	assert_int_equal(
	    store_web_throttle_begin(s, other, pol, 1, now + (THROTTLE_KEEP + 10) * 1000LL, &wait, &e), 1);
	for (int i = 0; i < 10; i++)
		store_web_throttle_begin(s, keys, pol, 2, now + (THROTTLE_KEEP + 10) * 1000LL, &wait, &e);
	assert_int_equal(
	    store_web_throttle_begin(s, keys, pol, 2, now + (THROTTLE_KEEP + 10) * 1000LL, &wait, &e), 0);
	store_close(s);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(delays_grow_and_cap),
	    cmocka_unit_test(address_keys),
	    cmocka_unit_test(store_counts_in_advance),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
