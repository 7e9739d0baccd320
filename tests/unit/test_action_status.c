/* test_action_status.c - the words the store keeps for a queued action's or log row's status
 * (core/action_status.c): every value round-trips, any other word is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "action_status.h"

static void every_status_round_trips(void **state)
{
	(void)state;
	/* The exact words in today's databases, in enum order: changing one is a migration. */
	static const char *const words[] = {"pending", "planned", "applied", "skipped", "retrying", "failed"};
	assert_int_equal(sizeof words / sizeof words[0], ACTION_STATUS_COUNT);
	for (int i = 0; i < ACTION_STATUS_COUNT; i++) {
		assert_string_equal(action_status_name((action_status)i), words[i]);
		action_status back = ACTION_STATUS_COUNT;
		err_t e = {0};
		assert_int_equal(action_status_parse(words[i], &back, &e), 0);
		assert_int_equal(back, i);
		assert_int_equal(e.kind, ERR_NONE);
	}
	assert_string_equal(action_status_name(ACTION_STATUS_COUNT), "?");
	assert_string_equal(action_status_name((action_status)-1), "?");
}

static void an_unknown_word_is_refused(void **state)
{
	(void)state;
	static const char *const bad[] = {"Applied", "applied ", "aplied", "", "?", "interrupted", "done"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		action_status out = ACTION_APPLIED;
		err_t e = {0};
		assert_int_equal(action_status_parse(bad[i], &out, &e), -1);
		assert_int_equal(e.kind, ERR_DB);
		assert_non_null(strstr(e.msg, "unknown status"));
		assert_int_equal(out, ACTION_APPLIED); /* left as it was */
	}
	action_status out = ACTION_FAILED;
	err_t e = {0};
	assert_int_equal(action_status_parse(NULL, &out, &e), -1);
	assert_int_equal(out, ACTION_FAILED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(every_status_round_trips),
	    cmocka_unit_test(an_unknown_word_is_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
