/* test_ratelimit.c - the cross-process limiter: several forked processes hammer one state file. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ratelimit.h"

static int64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* Largest number of starts inside any half-open window [t, t + w). */
static int max_in_window(int64_t *t, int n, int64_t w)
{
	qsort(t, (size_t)n, sizeof *t, cmp_i64);
	int best = 0;
	for (int i = 0, j = 0; i < n; i++) {
		while (t[i] - t[j] >= w)
			j++;
		if (i - j + 1 > best)
			best = i - j + 1;
	}
	return best;
}

static void temp_path(char *out, size_t n)
{
	snprintf(out, n, "%s/optsync-rl-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	int fd = mkstemp(out);
	assert_true(fd >= 0);
	close(fd);
}

#define PROCS 6
#define TAKES 10

static void many_processes_share_one_budget(void **state)
{
	(void)state;
	char path[256];
	temp_path(path, sizeof path);
	ratelimit_options o;
	ratelimit_options_default(&o);
	o.max_starts = 5;
	o.window_ms = 200; /* a short window keeps the test fast; the logic does not depend on it */
	o.slack_ms = 20;
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	int64_t t0 = mono_ns();
	for (int p = 0; p < PROCS; p++) {
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(fds[0]);
			err_t e;
			ratelimit *rl = ratelimit_open(path, &o, &e);
			if (!rl)
				_exit(2);
			for (int i = 0; i < TAKES; i++) {
				if (ratelimit_take(rl, NULL, &e) < 0)
					_exit(3);
				int64_t now = mono_ns();
				if (write(fds[1], &now, sizeof now) != sizeof now)
					_exit(4);
			}
			ratelimit_close(rl);
			_exit(0);
		}
	}
	close(fds[1]);
	int64_t t[PROCS * TAKES];
	int n = 0;
	while (n < PROCS * TAKES && read(fds[0], &t[n], sizeof t[n]) == sizeof t[n])
		n++;
	close(fds[0]);
	for (int p = 0; p < PROCS; p++) {
		int st;
		wait(&st);
		assert_true(WIFEXITED(st));
		assert_int_equal(WEXITSTATUS(st), 0);
	}
	double elapsed = (double)(mono_ns() - t0) / 1e9;
	assert_int_equal(n, PROCS * TAKES);
	int peak = max_in_window(t, n, (int64_t)o.window_ms * 1000000);
	print_message("%d starts from %d processes in %.2f s; at most %d in any %ld ms window\n", n, PROCS,
	              elapsed, peak, o.window_ms);
	assert_true(peak <= 5);
	assert_int_equal(peak, 5); /* and the budget is used, not wasted */
	/* 60 starts at 5 per 220 ms: about 2.4 s; waiting far longer would mean lost wake-ups. */
	assert_true(elapsed < 2.4 * 1.6);
	unlink(path);
}

static void private_limiter_and_bounded_wait(void **state)
{
	(void)state;
	ratelimit_options o;
	ratelimit_options_default(&o);
	o.max_starts = 2;
	o.window_ms = 300;
	o.slack_ms = 0;
	o.max_wait_ms = 100;
	err_t e;
	ratelimit *rl = ratelimit_open(NULL, &o, &e);
	assert_non_null(rl);
	long waited = 0;
	assert_int_equal(ratelimit_take(rl, &waited, &e), 0);
	assert_int_equal(ratelimit_take(rl, &waited, &e), 0);
	int64_t t0 = mono_ns();
	/* The third start would need ~300 ms: more than max_wait, so it fails without sleeping. */
	assert_int_equal(ratelimit_take(rl, &waited, &e), -1);
	assert_int_equal(e.kind, ERR_RATE_LIMITED);
	assert_true(mono_ns() - t0 < 50 * 1000000);
	ratelimit_close(rl);

	o.max_wait_ms = 2000;
	rl = ratelimit_open(NULL, &o, &e);
	waited = 0;
	for (int i = 0; i < 3; i++)
		assert_int_equal(ratelimit_take(rl, &waited, &e), 0);
	assert_true(waited >= 250 && waited < 600);
	ratelimit_close(rl);
}

static void stale_or_damaged_state_does_not_block(void **state)
{
	(void)state;
	char path[256];
	temp_path(path, sizeof path);
	/* Times from "the future" (a previous boot's clock) and garbage. */
	FILE *f = fopen(path, "w");
	fprintf(f, "999999999999999999\n999999999999999998\n999999999999999997\nxyz\n");
	fclose(f);
	ratelimit_options o;
	ratelimit_options_default(&o);
	o.max_starts = 3;
	o.max_wait_ms = 0;
	err_t e;
	ratelimit *rl = ratelimit_open(path, &o, &e);
	assert_non_null(rl);
	for (int i = 0; i < 3; i++)
		assert_int_equal(ratelimit_take(rl, NULL, &e), 0);
	assert_int_equal(ratelimit_take(rl, NULL, &e), -1);
	ratelimit_close(rl);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	unlink(path);
}

static void bad_options_and_paths(void **state)
{
	(void)state;
	ratelimit_options o;
	ratelimit_options_default(&o);
	o.max_starts = 0;
	err_t e;
	assert_null(ratelimit_open(NULL, &o, &e));
	assert_int_equal(e.kind, ERR_USAGE);
	assert_null(ratelimit_open("/nonexistent-dir/x/rate.lock", NULL, &e));
	assert_int_equal(e.kind, ERR_IO);
	assert_non_null(strstr(e.msg, "/nonexistent-dir/x/rate.lock"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(many_processes_share_one_budget),
	    cmocka_unit_test(private_limiter_and_bounded_wait),
	    cmocka_unit_test(stale_or_damaged_state_does_not_block),
	    cmocka_unit_test(bad_options_and_paths),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
