/* test_pa_detect.c - when a run asks Salesforce again whether Person Accounts are on
 * (core/pa_detect.c): nothing known, first sync or full run, a day old, a clock set back; the
 * stored answer and /checks' observation that makes the next run ask. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pa_detect.h"
#include "store_sync.h"

#define NOW 1700000000000LL
#define HOUR (3600LL * 1000)

static void due_when(void **state)
{
	(void)state;
	pa_state st = {0};
	assert_true(pa_detect_due(&st, 0, NOW)); /* nothing known */
	st = (pa_state){.known = 1, .on = 0, .asked_ms = NOW - HOUR};
	assert_false(pa_detect_due(&st, 0, NOW)); /* an hour old: the idle run asks nothing */
	assert_true(pa_detect_due(&st, 1, NOW));  /* a first sync or a full run always asks */
	st.asked_ms = NOW - 24 * HOUR + 1;
	assert_false(pa_detect_due(&st, 0, NOW));
	st.asked_ms = NOW - 24 * HOUR;
	assert_true(pa_detect_due(&st, 0, NOW)); /* a day old */
	st.asked_ms = NOW + HOUR;
	assert_true(pa_detect_due(&st, 0, NOW)); /* the clock went back */
	st.asked_ms = 0;
	assert_true(pa_detect_due(&st, 0, NOW)); /* /checks saw a change, or an older optsync stored it */
}

static void stored_and_observed(void **state)
{
	(void)state;
	char dir[] = "/tmp/optsync-pa-XXXXXX", db[64];
	assert_non_null(mkdtemp(dir));
	snprintf(db, sizeof db, "%s/optsync.db", dir);
	store *s = NULL;
	err_t e = {0};
	assert_int_equal(store_open(&s, db, NULL, &e), 0);
	pa_state st;
	assert_int_equal(pa_state_load(s, &st, &e), 0);
	assert_false(st.known);
	assert_int_equal(pa_note_observed(s, 1, &e), 0); /* nothing stored: nothing to flag */
	assert_int_equal(pa_state_load(s, &st, &e), 0);
	assert_false(st.known);

	assert_int_equal(pa_state_save(s, 0, NOW, &e), 0);
	assert_int_equal(pa_state_load(s, &st, &e), 0);
	assert_true(st.known);
	assert_false(st.on);
	assert_true(st.asked_ms == NOW);
	assert_int_equal(pa_note_observed(s, 0, &e), 0); /* the same answer: the next run asks nothing */
	assert_int_equal(pa_state_load(s, &st, &e), 0);
	assert_false(pa_detect_due(&st, 0, NOW + HOUR));
	assert_int_equal(pa_note_observed(s, 1, &e), 0); /* on now: the next run asks, the old answer kept */
	assert_int_equal(pa_state_load(s, &st, &e), 0);
	assert_false(st.on);
	assert_true(pa_detect_due(&st, 0, NOW + HOUR));

	/* An answer an older optsync kept, without the time: asked at the next run. */
	char v[8];
	assert_int_equal(store_watermarks_clear(s, &e), 0);
	assert_int_equal(store_watermark_set(s, "sf_person_accounts", "1", &e), 0);
	assert_int_equal(pa_state_load(s, &st, &e), 0);
	assert_true(st.known && st.on);
	assert_true(pa_detect_due(&st, 0, NOW));
	assert_int_equal(store_watermark_get(s, "sf_person_accounts", v, sizeof v, &e), 1);
	store_close(s);
	char cmd[96];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(due_when),
	    cmocka_unit_test(stored_and_observed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
