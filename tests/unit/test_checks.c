/* test_checks.c - the saved check run (core/checks.c): what a viewer's load reuses, and when it
 * runs the checks again. No connection is configured, so no check calls a service. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checks.h"
#include "store.h"

static void recent_reuses_a_run_for_max_age(void **state)
{
	(void)state;
	char dir[] = "/tmp/test_checks.XXXXXX", db[128], cmd[160];
	assert_non_null(mkdtemp(dir));
	snprintf(db, sizeof db, "%s/optsync.db", dir);
	store *s;
	err_t e = {0};
	assert_int_equal(store_open(&s, db, NULL, &e), 0);
	check_result a[CHECKS_MAX], b[CHECKS_MAX];
	int64_t at = 0;
	int cached = -1;
	int n = checks_recent(s, NULL, 1000, 30, a, CHECKS_MAX, &at, &cached, &e);
	assert_true(n > 0);
	assert_int_equal(cached, 0);
	assert_int_equal(at, 1000);
	/* 29 s later: the saved run, field by field. */
	assert_int_equal(checks_recent(s, NULL, 1029, 30, b, CHECKS_MAX, &at, &cached, &e), n);
	assert_int_equal(cached, 1);
	assert_int_equal(at, 1000);
	for (int i = 0; i < n; i++) {
		assert_string_equal(a[i].id, b[i].id);
		assert_string_equal(a[i].title, b[i].title);
		assert_string_equal(a[i].detail, b[i].detail);
		assert_string_equal(a[i].fix, b[i].fix);
		assert_int_equal(a[i].status, b[i].status);
	}
	assert_int_equal(b[0].status, CHECK_FAIL); /* ActiveCampaign is not connected */
	/* 30 s later: run again, and that run is the saved one from then on. */
	assert_int_equal(checks_recent(s, NULL, 1030, 30, b, CHECKS_MAX, &at, &cached, &e), n);
	assert_int_equal(cached, 0);
	assert_int_equal(at, 1030);
	assert_int_equal(checks_recent(s, NULL, 1031, 30, b, CHECKS_MAX, &at, &cached, &e), n);
	assert_int_equal(cached, 1);
	/* A clock set back is no proof of freshness. */
	assert_int_equal(checks_recent(s, NULL, 900, 30, b, CHECKS_MAX, &at, &cached, &e), n);
	assert_int_equal(cached, 0);
	/* A fresh run (an admin's "Run again") replaces the saved one. */
	assert_int_equal(checks_run_saved(s, NULL, 2000, b, CHECKS_MAX, &at, &e), n);
	assert_int_equal(checks_recent(s, NULL, 2010, 30, b, CHECKS_MAX, &at, &cached, &e), n);
	assert_int_equal(cached, 1);
	assert_int_equal(at, 2000);
	/* Garbage where the run is saved: run again rather than show it. */
	assert_int_equal(store_setting_set(s, "checks_cache", "{\"taken_at\":2000,\"checks\":7", &e), 0);
	assert_int_equal(checks_recent(s, NULL, 2011, 30, b, CHECKS_MAX, &at, &cached, &e), n);
	assert_int_equal(cached, 0);
	store_close(s);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(recent_reuses_a_run_for_max_age),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
