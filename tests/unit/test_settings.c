/* test_settings.c - the one way to change a setting (core/settings.c): a good value is stored in
 * its canonical form, a bad one is refused with ERR_USAGE and stores nothing, and several at once
 * are all or nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "settings.h"
#include "store.h"

typedef struct {
	char dir[64];
	store *s;
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	snprintf(f->dir, sizeof f->dir, "/tmp/optsync-settings-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	char db[128];
	snprintf(db, sizeof db, "%s/optsync.db", f->dir);
	err_t e = {0};
	if (store_open(&f->s, db, NULL, &e) != 0)
		fail_msg("store_open: %s", e.msg);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	store_close(f->s);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* The stored value, or "(unset)". */
static const char *stored(store *s, const char *key, char *buf, size_t n)
{
	err_t e = {0};
	if (store_setting_get(s, key, buf, n, NULL, &e) != 1)
		snprintf(buf, n, "(unset)");
	return buf;
}

static void set_stores_the_canonical_form(void **state)
{
	fixture *f = *state;
	err_t e = {0};
	char out[64], v[64];
	assert_int_equal(settings_set(f->s, "sf_api_share", " 0.80 ", out, sizeof out, &e), 0);
	assert_string_equal(out, "0.8");
	assert_string_equal(stored(f->s, "sf_api_share", v, sizeof v), "0.8");
	assert_int_equal(settings_set(f->s, "sf_import", "ALL", NULL, 0, &e), 0);
	assert_string_equal(stored(f->s, "sf_import", v, sizeof v), "all");
}

static void a_refused_value_stores_nothing(void **state)
{
	fixture *f = *state;
	char out[64] = "untouched", v[64];
	err_t e = {0};
	assert_int_equal(settings_set(f->s, "interval", "5", out, sizeof out, &e), -1);
	assert_int_equal(e.kind, ERR_USAGE);
	assert_string_equal(e.msg, "interval must be a whole number of seconds from 30 to 86400");
	assert_string_equal(out, "untouched");
	assert_string_equal(stored(f->s, "interval", v, sizeof v), "(unset)");
	/* The same message as settings_validate gives: there is one wording. */
	err_t e2 = {0};
	char canon[64];
	assert_int_equal(settings_validate("interval", "5", canon, sizeof canon, &e2), -1);
	assert_string_equal(e.msg, e2.msg);
	err_clear(&e);
	assert_int_equal(settings_set(f->s, "nosuch", "1", NULL, 0, &e), -1);
	assert_int_equal(e.kind, ERR_USAGE);
	assert_non_null(strstr(e.msg, "unknown setting 'nosuch'"));
}

static void several_are_all_or_nothing(void **state)
{
	fixture *f = *state;
	err_t e = {0};
	char v[64];
	const setting_kv bad[] = {{"interval", "120"}, {"retry_limit", "0"}, {"sf_import", "none"}};
	assert_int_equal(settings_set_all(f->s, bad, 3, &e), -1);
	assert_int_equal(e.kind, ERR_USAGE);
	assert_string_equal(e.msg, "retry_limit must be a whole number from 1 to 100");
	assert_string_equal(stored(f->s, "interval", v, sizeof v), "(unset)");
	assert_string_equal(stored(f->s, "sf_import", v, sizeof v), "(unset)");
	const setting_kv good[] = {{"interval", "120"}, {"retry_limit", "3"}, {"sf_import", "None"}};
	assert_int_equal(settings_set_all(f->s, good, 3, &e), 0);
	assert_string_equal(stored(f->s, "interval", v, sizeof v), "120");
	assert_string_equal(stored(f->s, "retry_limit", v, sizeof v), "3");
	assert_string_equal(stored(f->s, "sf_import", v, sizeof v), "none");
	assert_int_equal(settings_set_all(f->s, good, 0, &e), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(set_stores_the_canonical_form, setup, teardown),
	    cmocka_unit_test_setup_teardown(a_refused_value_stores_nothing, setup, teardown),
	    cmocka_unit_test_setup_teardown(several_are_all_or_nothing, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
