/* test_web_spool.c - the webhook spool (cgi-bin/spool.c): events written while the database is
 * busy survive as files and move into the events table in arrival order, files removed only after. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spool.h"
#include "store.h"
#include "store_sync.h"

static char dir[64], db[128], sp[128];

static int count_files(const char *suffix)
{
	DIR *d = opendir(sp);
	if (!d)
		return 0;
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name), s = strlen(suffix);
		n += l > s && strcmp(de->d_name + l - s, suffix) == 0;
	}
	closedir(d);
	return n;
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/test_web_spool.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(db, sizeof db, "%s/optsync.db", dir);
	spool_dir(db, sp, sizeof sp);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

typedef struct {
	int n;
	char kinds[4][32];
	char emails[4][256];
	char payloads[4][128];
} seen;

static int on_event(const stored_event *ev, void *arg)
{
	seen *s = arg;
	if (s->n < 4) {
		snprintf(s->kinds[s->n], sizeof s->kinds[0], "%s", ev->kind);
		snprintf(s->emails[s->n], sizeof s->emails[0], "%s", ev->email);
		snprintf(s->payloads[s->n], sizeof s->payloads[0], "%s", ev->payload);
	}
	s->n++;
	return 0;
}

static void test_dir(void **state)
{
	(void)state;
	char out[128];
	spool_dir("/var/lib/optsync/optsync.db", out, sizeof out);
	assert_string_equal(out, "/var/lib/optsync/webhook-spool");
	spool_dir("optsync.db", out, sizeof out);
	assert_string_equal(out, "webhook-spool");
}

static void test_put_and_drain(void **state)
{
	(void)state;
	err_t e = {0};
	stored_event a = {0}, b = {0};
	snprintf(a.source, sizeof a.source, "ac");
	snprintf(a.kind, sizeof a.kind, "unsubscribe");
	snprintf(a.email, sizeof a.email, "a@example.com");
	snprintf(a.occurred_at, sizeof a.occurred_at, "2026-11-26T09:15:00-06:00");
	snprintf(a.received_at, sizeof a.received_at, "2026-11-26T15:15:00Z");
	snprintf(a.payload, sizeof a.payload,
	         "type=unsubscribe&contact%%5Bemail%%5D=a%%40example.com\nsecond line");
	b = a;
	snprintf(b.kind, sizeof b.kind, "bounce\nx"); /* a line break cannot break the header */
	snprintf(b.email, sizeof b.email, "b@example.com");
	snprintf(b.payload, sizeof b.payload, "type=bounce");
	assert_int_equal(spool_put(sp, &a, &e), 0);
	assert_int_equal(spool_put(sp, &b, &e), 0);
	assert_int_equal(count_files(".spool"), 2);
	struct stat st;
	assert_int_equal(stat(sp, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);

	store *s = NULL;
	assert_int_equal(store_open(&s, db, NULL, &e), 0);
	assert_int_equal(spool_drain(sp, s, 100, &e), 2);
	assert_int_equal(count_files(".spool"), 0);
	seen got = {0};
	assert_int_equal(store_events_pending(s, 10, on_event, &got, &e), 2);
	assert_int_equal(got.n, 2);
	assert_string_equal(got.kinds[0], "unsubscribe"); /* arrival order */
	assert_string_equal(got.emails[0], "a@example.com");
	assert_string_equal(got.payloads[0],
	                    "type=unsubscribe&contact%5Bemail%5D=a%40example.com\nsecond line");
	assert_string_equal(got.kinds[1], "bounce x");
	assert_int_equal(spool_drain(sp, s, 100, &e), 0);
	store_close(s);
}

static void test_bad_file_set_aside(void **state)
{
	(void)state;
	char path[256];
	snprintf(path, sizeof path, "%s/ev-000000000000001-00000001-1.spool", sp);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("ac\nonly two lines\n", f);
	fclose(f);
	store *s = NULL;
	err_t e = {0};
	assert_int_equal(store_open(&s, db, NULL, &e), 0);
	assert_int_equal(spool_drain(sp, s, 100, &e), 0);
	assert_int_equal(count_files(".spool"), 0);
	assert_int_equal(count_files(".bad"), 1);
	store_close(s);
}

static void test_missing_dir(void **state)
{
	(void)state;
	store *s = NULL;
	err_t e = {0};
	char db2[160];
	snprintf(db2, sizeof db2, "%s/other.db", dir);
	assert_int_equal(store_open(&s, db2, NULL, &e), 0);
	assert_int_equal(spool_drain("/nonexistent/optsync-spool", s, 10, &e), 0);
	store_close(s);
}

/* 11.11: the request handler and the drainer thread drain the same spool at once; every event
 * must be stored exactly once (a file is claimed by renaming it before it is read). */
static void *drain_all(void *arg)
{
	(void)arg;
	store *s = NULL;
	err_t e = {0};
	if (store_open(&s, db, NULL, &e) < 0)
		return NULL;
	for (int idle = 0; idle < 3;) {
		err_t de = {0};
		int n = spool_drain(sp, s, 20, &de);
		idle = n == 0 ? idle + 1 : 0;
	}
	store_close(s);
	return NULL;
}

static void test_two_drainers_store_each_once(void **state)
{
	(void)state;
	err_t e = {0};
	store *s = NULL;
	assert_int_equal(store_open(&s, db, NULL, &e), 0); /* migrations before the threads */
	for (int i = 0; i < 1000; i++) {
		stored_event a = {0};
		snprintf(a.source, sizeof a.source, "ac");
		snprintf(a.kind, sizeof a.kind, "unsubscribe");
		snprintf(a.email, sizeof a.email, "p%d@example.com", i);
		snprintf(a.received_at, sizeof a.received_at, "2026-11-26T15:15:00Z");
		snprintf(a.payload, sizeof a.payload, "type=unsubscribe&n=%d", i);
		assert_int_equal(spool_put(sp, &a, &e), 0);
	}
	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, drain_all, NULL), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(count_files(".spool"), 0);
	assert_int_equal(store_events_pending_count(s, &e), 1000);
	store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_dir),
	    cmocka_unit_test(test_put_and_drain),
	    cmocka_unit_test(test_bad_file_set_aside),
	    cmocka_unit_test(test_missing_dir),
	    cmocka_unit_test_setup_teardown(test_two_drainers_store_each_once, setup, teardown),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
