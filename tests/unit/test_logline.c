/* test_logline.c - the services' log lines: journald's level prefix under the journal, a timestamp
 * otherwise, and a log file reopened after SIGHUP (logrotate moves it away). Each case runs in a
 * child process: logline_file takes over stdout and stderr, which cmocka reports on. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "logline.h"

static char dir[64];

static void slurp(const char *path, char *out, size_t n)
{
	out[0] = '\0';
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	size_t k = fread(out, 1, n - 1, f);
	out[k] = '\0';
	fclose(f);
}

static int in_child(void (*fn)(void))
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		fn();
		_exit(0);
	}
	int st = 0;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void journal_child(void)
{
	char path[128];
	snprintf(path, sizeof path, "%s/journal.out", dir);
	FILE *f = freopen(path, "w", stderr);
	if (!f)
		_exit(3);
	setenv("JOURNAL_STREAM", "8:1234", 1);
	logline(LOGLINE_WARNING, "optsync.fcgi", "a %s line", "warning");
	logline(LOGLINE_INFO, "optsync.fcgi", "an info line");
}

static void journal_prefix(void **state)
{
	(void)state;
	assert_int_equal(in_child(journal_child), 0);
	char path[128], got[512];
	snprintf(path, sizeof path, "%s/journal.out", dir);
	slurp(path, got, sizeof got);
	assert_string_equal(got, "<4>optsync.fcgi: a warning line\n<6>optsync.fcgi: an info line\n");
}

static void file_child(void)
{
	char path[128], moved[140];
	snprintf(path, sizeof path, "%s/svc.log", dir);
	snprintf(moved, sizeof moved, "%s/svc.log.1", dir);
	unsetenv("JOURNAL_STREAM");
	err_t e = {0};
	if (logline_file(path, &e) < 0)
		_exit(4);
	logline(LOGLINE_INFO, "optsync", "before the rotation");
	fprintf(stdout, "stdout goes there too\n");
	fflush(stdout);
	if (rename(path, moved) < 0)
		_exit(5);
	logline(LOGLINE_INFO, "optsync", "still the old file (no SIGHUP yet)");
	logline_hup();
	logline(LOGLINE_INFO, "optsync", "after the rotation");
}

static void file_reopened_after_hup(void **state)
{
	(void)state;
	assert_int_equal(in_child(file_child), 0);
	char path[128], old[2048], now[2048];
	snprintf(path, sizeof path, "%s/svc.log.1", dir);
	slurp(path, old, sizeof old);
	snprintf(path, sizeof path, "%s/svc.log", dir);
	slurp(path, now, sizeof now);
	/* A timestamp first outside the journal: "2026-12-03T10:00:00Z optsync: ..." */
	assert_true(strlen(old) > 21 && old[4] == '-' && old[10] == 'T');
	assert_non_null(strstr(old, "Z optsync: before the rotation\n"));
	assert_non_null(strstr(old, "stdout goes there too\n"));
	assert_non_null(strstr(old, "still the old file (no SIGHUP yet)"));
	assert_null(strstr(old, "after the rotation"));
	assert_non_null(strstr(now, "optsync: log file "));
	assert_non_null(strstr(now, "reopened\n"));
	assert_non_null(strstr(now, "optsync: after the rotation\n"));
	assert_null(strstr(now, "before the rotation"));
}

static void bad_path_refused(void **state)
{
	(void)state;
	err_t e = {0};
	assert_int_equal(logline_file("/nonexistent-dir/x.log", &e), -1);
	assert_int_equal(e.kind, ERR_IO);
	assert_non_null(strstr(e.msg, "log file /nonexistent-dir/x.log"));
}

int main(void)
{
	snprintf(dir, sizeof dir, "/tmp/optsync-logline.XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(journal_prefix),
	    cmocka_unit_test(file_reopened_after_hup),
	    cmocka_unit_test(bad_path_refused),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		rc = rc ? rc : 1;
	return rc;
}
