/* test_id_set.c - the contacts a tag had (core/id_set.c): ids from a walk, found after the sort in
 * AC's numeric order ("9" before "10"), absent ones not found, growth past the first block. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "id_set.h"

static void add(id_set *s, const char *id)
{
	ac_contact c;
	memset(&c, 0, sizeof c);
	snprintf(c.id, sizeof c.id, "%s", id);
	err_t e = {0};
	assert_int_equal(id_set_add_contact(&c, s, &e), 0);
}

static void found_after_the_sort(void **state)
{
	(void)state;
	id_set s = {0};
	assert_false(id_set_has(&s, "1")); /* empty: nothing, and no bsearch on NULL */
	add(&s, "10");
	add(&s, "9");
	add(&s, "100");
	id_set_sort(&s);
	assert_true(id_set_has(&s, "9"));
	assert_true(id_set_has(&s, "10"));
	assert_true(id_set_has(&s, "100"));
	assert_false(id_set_has(&s, "1"));
	assert_false(id_set_has(&s, "09"));
	assert_string_equal(s.ids[0], "9"); /* shorter first: the numeric order */
	id_set_free(&s);
	assert_int_equal(s.n, 0);
}

static void grows_past_one_block(void **state)
{
	(void)state;
	id_set s = {0};
	char id[16];
	for (int i = 1000; i > 0; i--) {
		snprintf(id, sizeof id, "%d", i * 3);
		add(&s, id);
	}
	id_set_sort(&s);
	assert_int_equal(s.n, 1000);
	assert_true(id_set_has(&s, "3"));
	assert_true(id_set_has(&s, "3000"));
	assert_false(id_set_has(&s, "3001"));
	id_set_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(found_after_the_sort),
	    cmocka_unit_test(grows_past_one_block),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
