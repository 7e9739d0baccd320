/* test_store.c - the store: migrations from empty and from every earlier version, sealed secrets,
 * file modes, settings and users. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store.h"
#include "store_log.h"
#include "store_sync.h"
#include "store_web.h"
#include "timefmt.h"

#define AC_KEY "ackey-7d3f0c9e1b2a4c5d6e7f8091a2b3c4d5e6f70819"
#define SF_SECRET "sfsecret-C0FFEE1234567890ABCDEF"
#define SF_REFRESH "5Aep861refresh-token-XYZ-0987654321"

typedef struct {
	char dir[64];
	char db[128];
	char key[128];
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	snprintf(f->dir, sizeof f->dir, "/tmp/optsync-store-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->db, sizeof f->db, "%s/optsync.db", f->dir);
	snprintf(f->key, sizeof f->key, "%s/secret.key", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static store *open_ok(fixture *f)
{
	store *s = NULL;
	err_t e = {0};
	int rc = store_open(&s, f->db, NULL, &e);
	if (rc != 0)
		fail_msg("store_open: %s", e.msg);
	return s;
}

static mode_t mode_of(const char *path)
{
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	return st.st_mode & 0777;
}

/* Returns 1 when needle occurs anywhere in the file's bytes. */
static int file_contains(const char *path, const char *needle)
{
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return 0;
	fseek(fp, 0, SEEK_END);
	long n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	char *buf = malloc((size_t)n + 1);
	size_t got = fread(buf, 1, (size_t)n, fp);
	fclose(fp);
	int hit = memmem(buf, got, needle, strlen(needle)) != NULL;
	free(buf);
	return hit;
}

static void fresh_file_is_latest_and_private(void **state)
{
	fixture *f = *state;
	store *s = open_ok(f);
	assert_int_equal(store_version(s), store_schema_version());
	assert_true(store_schema_version() >= 2);
	store_close(s);
	assert_int_equal(mode_of(f->db), 0600);
	assert_int_equal(mode_of(f->key), 0600);
}

static void upgrades_from_every_earlier_version(void **state)
{
	fixture *f = *state;
	for (int v = 0; v < store_schema_version(); v++) {
		unlink(f->db);
		store *s = NULL;
		err_t e = {0};
		assert_int_equal(store_open_at_version(&s, f->db, NULL, v, &e), 0);
		assert_int_equal(store_version(s), v);
		if (v >= 1)
			assert_int_equal(store_setting_set(s, "interval", "120", &e), 0);
		store_close(s);

		s = open_ok(f);
		assert_int_equal(store_version(s), store_schema_version());
		char buf[32];
		int found = store_setting_get(s, "interval", buf, sizeof buf, "300", &e);
		if (v >= 1) {
			assert_int_equal(found, 1);
			assert_string_equal(buf, "120");
		} else {
			assert_int_equal(found, 0);
			assert_string_equal(buf, "300");
		}
		store_close(s);
	}
}

static void refuses_a_newer_schema(void **state)
{
	fixture *f = *state;
	store *s = open_ok(f);
	char sql[64];
	snprintf(sql, sizeof sql, "PRAGMA user_version=%d", store_schema_version() + 1);
	assert_int_equal(sqlite3_exec(store_db(s), sql, NULL, NULL, NULL), 0);
	store_close(s);
	err_t e = {0};
	assert_int_equal(store_open(&s, f->db, NULL, &e), -1);
	assert_non_null(strstr(e.msg, "newer than this optsync"));
}

static void secrets_are_sealed_on_disk(void **state)
{
	fixture *f = *state;
	store *s = open_ok(f);
	err_t e = {0};
	store_connection ac = {.system = "ac", .url = "https://acme.api-us1.com", .secret = AC_KEY};
	store_connection sf = {.system = "sf",
	                       .url = "https://login.salesforce.com",
	                       .client_id = "3MVG9-client",
	                       .secret = SF_SECRET,
	                       .refresh_token = SF_REFRESH,
	                       .api_version = "v62.0"};
	assert_int_equal(store_connection_save(s, &ac, &e), 0);
	assert_int_equal(store_connection_save(s, &sf, &e), 0);

	/* While open, the WAL holds the newest pages: look there too. */
	char wal[160];
	snprintf(wal, sizeof wal, "%s-wal", f->db);
	assert_false(file_contains(f->db, AC_KEY));
	assert_false(file_contains(wal, AC_KEY));
	assert_false(file_contains(wal, SF_SECRET));
	assert_false(file_contains(wal, SF_REFRESH));
	assert_true(file_contains(wal, "3MVG9-client") || file_contains(f->db, "3MVG9-client"));
	store_close(s);
	assert_false(file_contains(f->db, AC_KEY));
	assert_false(file_contains(f->db, SF_SECRET));
	assert_false(file_contains(f->db, SF_REFRESH));
	assert_true(file_contains(f->db, "3MVG9-client")); /* not a secret: proves we read the right file */

	s = open_ok(f);
	store_connection back;
	assert_int_equal(store_connection_load(s, "sf", &back, &e), 1);
	assert_string_equal(back.secret, SF_SECRET);
	assert_string_equal(back.refresh_token, SF_REFRESH);
	assert_string_equal(back.client_id, "3MVG9-client");
	assert_int_equal(store_connection_load(s, "ac", &back, &e), 1);
	assert_string_equal(back.secret, AC_KEY);
	assert_string_equal(back.refresh_token, "");
	store_close(s);
}

/* 11.3: a webhook secret an older version kept in clear in settings is sealed on upgrade, and the
 * clear value is gone from the file and the WAL. */
static void webhook_secret_sealed_on_upgrade(void **state)
{
	fixture *f = *state;
	const char *clear = "c1ea4c1ea4c1ea4c1ea4c1ea4c1ea4c1ea4c1ea4c1ea4c1ea4c1ea4c1ea4c1ea4";
	store *s = NULL;
	err_t e = {0};
	assert_int_equal(store_open_at_version(&s, f->db, NULL, 5, &e), 0);
	assert_int_equal(store_setting_set(s, "webhook_secret", clear, &e), 0);
	store_close(s);
	assert_true(file_contains(f->db, clear)); /* the search works: the old version left it here */

	s = open_ok(f);
	char v[128];
	assert_int_equal(store_setting_get(s, "webhook_secret", v, sizeof v, NULL, &e), 0);
	assert_int_equal(store_web_webhook_secret(s, v, sizeof v, &e), 0);
	assert_string_equal(v, clear);
	char wal[160];
	snprintf(wal, sizeof wal, "%s-wal", f->db);
	assert_false(file_contains(wal, clear));
	store_close(s);
	assert_false(file_contains(f->db, clear));

	/* A fresh secret is sealed from the start. */
	s = open_ok(f);
	assert_int_equal(store_web_webhook_secret(s, v, sizeof v, &e), 0);
	assert_string_equal(v, clear);
	store_close(s);
}

static void wrong_key_does_not_open_secrets(void **state)
{
	fixture *f = *state;
	store *s = open_ok(f);
	err_t e = {0};
	store_connection ac = {.system = "ac", .url = "https://acme.api-us1.com", .secret = AC_KEY};
	assert_int_equal(store_connection_save(s, &ac, &e), 0);
	store_close(s);
	unlink(f->key); /* a new key is made on open: the old blobs must not open with it */
	s = open_ok(f);
	store_connection back;
	assert_int_equal(store_connection_load(s, "ac", &back, &e), -1);
	assert_non_null(strstr(e.msg, "does not open with this key file"));
	store_close(s);
}

static void refuses_a_key_file_others_can_read(void **state)
{
	fixture *f = *state;
	store_close(open_ok(f));
	assert_int_equal(chmod(f->key, 0644), 0);
	store *s = NULL;
	err_t e = {0};
	assert_int_equal(store_open(&s, f->db, NULL, &e), -1);
	assert_non_null(strstr(e.msg, "chmod 600"));
}

static void settings_default_and_set(void **state)
{
	fixture *f = *state;
	store *s = open_ok(f);
	err_t e = {0};
	char buf[16];
	assert_int_equal(store_setting_get(s, "sf_import", buf, sizeof buf, "new", &e), 0);
	assert_string_equal(buf, "new");
	assert_int_equal(store_setting_set(s, "sf_import", "all", &e), 0);
	assert_int_equal(store_setting_set(s, "sf_import", "none", &e), 0);
	assert_int_equal(store_setting_get(s, "sf_import", buf, sizeof buf, "new", &e), 1);
	assert_string_equal(buf, "none");
	store_close(s);
}

static void users_hash_and_check(void **state)
{
	fixture *f = *state;
	store *s = open_ok(f);
	err_t e = {0};
	assert_int_equal(store_user_count(s, &e), 0);
	assert_int_equal(store_user_add(s, "ada", "admin", "correct horse battery", &e), 0);
	assert_int_equal(store_user_add(s, "ada", "viewer", "another password", &e), -1);
	assert_non_null(strstr(e.msg, "exists already"));
	assert_int_equal(store_user_add(s, "bob", "root", "long enough pw", &e), -1);
	assert_int_equal(store_user_add(s, "bob", "viewer", "short", &e), -1);
	assert_int_equal(store_user_count(s, &e), 1);
	char role[16];
	int64_t id = 0;
	assert_int_equal(store_user_check(s, "ada", "correct horse battery", role, sizeof role, &id, &e), 1);
	assert_string_equal(role, "admin");
	assert_true(id > 0);
	assert_int_equal(store_user_check(s, "ada", "wrong", role, sizeof role, &id, &e), 0);
	assert_int_equal(store_user_check(s, "nobody", "x", role, sizeof role, &id, &e), 0);
	store_close(s);
	assert_false(file_contains(f->db, "correct horse battery"));
}

typedef struct {
	int ac_sf, sf_ac;
} day_counts;

static int count_rows(const log_entry *l, void *arg)
{
	(void)l;
	(void)arg;
	return 0;
}

static int copy_row(const log_entry *l, void *arg)
{
	*(log_entry *)arg = *l;
	return 0;
}

static int count_day(const char *day, const char *direction, int n, void *arg)
{
	(void)day;
	day_counts *c = arg;
	if (strcmp(direction, "ac->sf") == 0)
		c->ac_sf += n;
	else if (strcmp(direction, "sf->ac") == 0)
		c->sf_ac += n;
	return 0;
}

static void log_rows_and_daily_counts(void **state)
{
	fixture *f = *state;
	/* Rows logged before migration 5 are counted by it... */
	store *s = NULL;
	err_t e = {0};
	assert_int_equal(store_open_at_version(&s, f->db, NULL, 4, &e), 0);
	char now[32];
	timefmt_now_iso(now, sizeof now);
	char sql[256];
	snprintf(sql, sizeof sql,
	         "INSERT INTO log(at,direction,action,status) VALUES('%s','ac->sf','opt_out','applied'),"
	         "('%s','ac->sf','opt_out','failed')",
	         now, now);
	assert_int_equal(sqlite3_exec(store_db(s), sql, NULL, NULL, NULL), SQLITE_OK);
	store_close(s);
	s = open_ok(f);
	/* ...and rows logged after it as they are appended; only applied changes count. */
	static const struct {
		rules_direction d;
		action_status s;
	} kinds[] = {{RULES_DIR_SF_TO_AC, ACTION_APPLIED},
	             {RULES_DIR_SF_TO_AC, ACTION_APPLIED},
	             {RULES_DIR_AC_TO_SF, ACTION_RETRYING},
	             {RULES_DIR_AC_TO_SF, ACTION_APPLIED},
	             {RULES_DIR_NONE, ACTION_APPLIED}};
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		log_entry l;
		memset(&l, 0, sizeof l);
		l.direction = kinds[i].d;
		l.action = RULES_ACT_OPT_OUT;
		l.status = kinds[i].s;
		snprintf(l.email, sizeof l.email, "p%zu@example.com", i);
		assert_int_equal(store_log_append(s, &l, &e), 0);
		assert_true(l.id > 0);
	}
	day_counts c = {0, 0};
	assert_true(store_log_daily(s, 30, count_day, &c, &e) >= 1);
	assert_int_equal(c.ac_sf, 2);
	assert_int_equal(c.sf_ac, 2);
	log_filter lf = {.email = "p1@example.com", .limit = 10};
	int n = store_log_query(s, &lf, count_rows, NULL, &e);
	assert_int_equal(n, 1);
	store_close(s);
}

typedef struct {
	queued_action a[16];
	int n;
} due_rows;

static int keep_due(const queued_action *a, void *arg)
{
	due_rows *d = arg;
	if (d->n < 16)
		d->a[d->n++] = *a;
	return 0;
}

static void queued_states_round_trip_and_unknown_words_are_flagged(void **state)
{
	fixture *f = *state;
	store *s = open_ok(f);
	err_t e = {0};
	static const struct {
		rules_direction d;
		rules_action a;
		const char *value;
		action_status st;
	} rows[] = {{RULES_DIR_AC_TO_SF, RULES_ACT_OPT_OUT, "true", ACTION_PENDING},
	            {RULES_DIR_AC_TO_SF, RULES_ACT_OPT_IN, "false", ACTION_RETRYING},
	            {RULES_DIR_SF_TO_AC, RULES_ACT_UNSUBSCRIBE, "2", ACTION_PENDING},
	            {RULES_DIR_SF_TO_AC, RULES_ACT_TAG, "added-to-salesforce-lead", ACTION_PENDING},
	            {RULES_DIR_SF_TO_AC, RULES_ACT_CREATE, "{}", ACTION_RETRYING}};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		queued_action a;
		memset(&a, 0, sizeof a);
		a.direction = rows[i].d;
		a.action = rows[i].a;
		a.status = rows[i].st;
		snprintf(a.record, sizeof a.record, "rec%zu", i);
		snprintf(a.value, sizeof a.value, "%s", rows[i].value);
		snprintf(a.email, sizeof a.email, "q%zu@example.com", i);
		snprintf(a.object, sizeof a.object, "%s", rows[i].d == RULES_DIR_AC_TO_SF ? "Contact" : "contact");
		if (store_action_add(s, &a, &e) < 0)
			fail_msg("store_action_add: %s", e.msg);
	}
	/* The words on disk are today's, byte for byte. */
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(store_db(s),
	                                    "SELECT group_concat(direction||' '||action||' '||status, ',') FROM "
	                                    "(SELECT * FROM actions ORDER BY id)",
	                                    -1, &st, NULL),
	                 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0),
	                    "ac->sf opt_out pending,ac->sf opt_in retrying,sf->ac unsubscribe pending,"
	                    "sf->ac tag pending,sf->ac create retrying");
	sqlite3_finalize(st);
	assert_int_equal(store_actions_count(s, ACTION_PENDING, &e), 3);
	assert_int_equal(store_actions_count(s, ACTION_RETRYING, &e), 2);
	assert_int_equal(store_action_exists(s, "rec2", RULES_ACT_UNSUBSCRIBE, "2", &e), 1);
	assert_int_equal(store_action_exists(s, "rec2", RULES_ACT_TAG, "2", &e), 0);

	due_rows d = {.n = 0};
	assert_int_equal(store_actions_due(s, "9999-12-31T00:00:00Z", 0, 100, keep_due, &d, &e), 5);
	for (int i = 0; i < 5; i++) {
		assert_string_equal(d.a[i].invalid, "");
		assert_int_equal(d.a[i].direction, rows[i].d);
		assert_int_equal(d.a[i].action, rows[i].a);
		assert_int_equal(d.a[i].status, rows[i].st);
	}

	/* Words this version does not write (a hand edit, a damaged file) are flagged, not guessed. */
	assert_int_equal(sqlite3_exec(store_db(s),
	                              "UPDATE actions SET action='opt-out' WHERE record='rec0';"
	                              "UPDATE actions SET value='yes' WHERE record='rec1';"
	                              "UPDATE actions SET direction='ac-sf' WHERE record='rec2';"
	                              "UPDATE actions SET direction='' WHERE record='rec3';",
	                              NULL, NULL, NULL),
	                 SQLITE_OK);
	d.n = 0;
	assert_int_equal(store_actions_due(s, "9999-12-31T00:00:00Z", 0, 100, keep_due, &d, &e), 5);
	assert_non_null(strstr(d.a[0].invalid, "unknown action 'opt-out'"));
	assert_int_equal(d.a[0].action, RULES_ACT_SKIP);
	assert_non_null(strstr(d.a[1].invalid, "value 'yes' does not match action opt_in"));
	assert_non_null(strstr(d.a[2].invalid, "unknown direction 'ac-sf'"));
	assert_int_equal(d.a[2].direction, RULES_DIR_NONE);
	assert_non_null(strstr(d.a[3].invalid, "no direction"));
	assert_string_equal(d.a[4].invalid, "");
	char want[64];
	snprintf(want, sizeof want, "queued action %lld: ", (long long)d.a[0].id);
	assert_true(strncmp(d.a[0].invalid, want, strlen(want)) == 0);
	store_close(s);
}

static void log_states_round_trip_and_an_unknown_word_is_an_error(void **state)
{
	fixture *f = *state;
	store *s = open_ok(f);
	err_t e = {0};
	for (int st = 0; st < ACTION_STATUS_COUNT; st++) {
		log_entry l;
		memset(&l, 0, sizeof l);
		l.direction = (rules_direction)(st % 3);
		l.action = (rules_action)(st % (RULES_ACT_SKIP + 1));
		l.status = (action_status)st;
		snprintf(l.email, sizeof l.email, "l%d@example.com", st);
		assert_int_equal(store_log_append(s, &l, &e), 0);
	}
	for (int st = 0; st < ACTION_STATUS_COUNT; st++) {
		char email[64];
		snprintf(email, sizeof email, "l%d@example.com", st);
		log_filter lf = {.email = email, .limit = 10};
		log_entry got;
		memset(&got, 0, sizeof got);
		assert_int_equal(store_log_query(s, &lf, copy_row, &got, &e), 1);
		assert_int_equal(got.direction, (rules_direction)(st % 3));
		assert_int_equal(got.action, (rules_action)(st % (RULES_ACT_SKIP + 1)));
		assert_int_equal(got.status, (action_status)st);
	}
	/* A row about no side keeps its empty direction as NULL, as before. */
	sqlite3_stmt *q;
	assert_int_equal(sqlite3_prepare_v2(store_db(s), "SELECT count(*) FROM log WHERE direction IS NULL", -1, &q,
	                                    NULL),
	                 SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(q, 0), 2);
	sqlite3_finalize(q);
	assert_int_equal(sqlite3_exec(store_db(s), "UPDATE log SET status='aplied' WHERE email='l3@example.com'",
	                              NULL, NULL, NULL),
	                 SQLITE_OK);
	log_filter all = {.limit = 100};
	err_clear(&e);
	assert_int_equal(store_log_query(s, &all, count_rows, NULL, &e), -1);
	assert_int_equal(e.kind, ERR_DB);
	assert_non_null(strstr(e.msg, "unknown status 'aplied'"));
	assert_non_null(strstr(e.msg, "row 4"));
	store_close(s);
}

/* A record forgotten (a Contact that became a person contact) is gone; the others of its email stay. */
static void a_forgotten_record_is_gone_and_only_it(void **state)
{
	fixture *f = *state;
	store *s = NULL;
	err_t e = {0};
	assert_int_equal(store_open(&s, f->db, f->key, &e), 0);
	sf_snapshot c = {.opted_out = 0}, p = {.opted_out = 1};
	snprintf(c.id, sizeof c.id, "003000000000001AAA");
	snprintf(c.object, sizeof c.object, "Contact");
	snprintf(c.email, sizeof c.email, "was@example.com");
	p = c;
	snprintf(p.id, sizeof p.id, "001000000000001AAA");
	snprintf(p.object, sizeof p.object, "PersonAccount");
	p.opted_out = 1;
	assert_int_equal(store_sf_put(s, &c, &e), 0);
	assert_int_equal(store_sf_put(s, &p, &e), 0);
	assert_int_equal(store_sf_forget(s, c.id, &e), 0);
	sf_snapshot got;
	assert_int_equal(store_sf_get(s, c.id, &got, &e), 0);
	assert_int_equal(store_sf_get(s, p.id, &got, &e), 1);
	assert_string_equal(got.object, "PersonAccount");
	assert_int_equal(store_sf_forget(s, "003000000000404AAA", &e), 0); /* not stored: nothing to do */
	store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(fresh_file_is_latest_and_private, setup, teardown),
	    cmocka_unit_test_setup_teardown(upgrades_from_every_earlier_version, setup, teardown),
	    cmocka_unit_test_setup_teardown(refuses_a_newer_schema, setup, teardown),
	    cmocka_unit_test_setup_teardown(secrets_are_sealed_on_disk, setup, teardown),
	    cmocka_unit_test_setup_teardown(wrong_key_does_not_open_secrets, setup, teardown),
	    cmocka_unit_test_setup_teardown(webhook_secret_sealed_on_upgrade, setup, teardown),
	    cmocka_unit_test_setup_teardown(refuses_a_key_file_others_can_read, setup, teardown),
	    cmocka_unit_test_setup_teardown(settings_default_and_set, setup, teardown),
	    cmocka_unit_test_setup_teardown(users_hash_and_check, setup, teardown),
	    cmocka_unit_test_setup_teardown(log_rows_and_daily_counts, setup, teardown),
	    cmocka_unit_test_setup_teardown(queued_states_round_trip_and_unknown_words_are_flagged, setup, teardown),
	    cmocka_unit_test_setup_teardown(log_states_round_trip_and_an_unknown_word_is_an_error, setup, teardown),
	    cmocka_unit_test_setup_teardown(a_forgotten_record_is_gone_and_only_it, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
