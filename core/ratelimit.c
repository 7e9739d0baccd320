/* ratelimit.c - file-backed sliding-window limiter (flock + the last N start times on CLOCK_MONOTONIC).
 *
 * The state file holds one line per recent start: nanoseconds on CLOCK_MONOTONIC, which every process
 * of the machine shares and which no wall-clock change moves. Times from an earlier boot are in the
 * future of the new clock, or far in the past: both are dropped on read, so a stale file never blocks. */
#include "ratelimit.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct ratelimit {
	ratelimit_options o;
	int fd; /* -1 for a private limiter */
	char path[512];
	int64_t mem[RATELIMIT_MAX_N]; /* private limiter's state, ascending */
	int nmem;
};

void ratelimit_options_default(ratelimit_options *o)
{
	o->max_starts = 5;
	o->window_ms = 1000;
	o->slack_ms = 150;
	o->max_wait_ms = 60000;
}

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void sleep_ns(int64_t ns)
{
	struct timespec ts = {.tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000};
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

ratelimit *ratelimit_open(const char *path, const ratelimit_options *o, err_t *e)
{
	ratelimit *rl = calloc(1, sizeof *rl);
	if (!rl) {
		err_set(e, ERR_INTERNAL, "rate limiter: out of memory");
		return NULL;
	}
	if (o)
		rl->o = *o;
	else
		ratelimit_options_default(&rl->o);
	if (rl->o.max_starts < 1 || rl->o.max_starts > RATELIMIT_MAX_N || rl->o.window_ms < 1 ||
	    rl->o.slack_ms < 0 || rl->o.max_wait_ms < 0) {
		free(rl);
		err_set(e, ERR_USAGE, "rate limiter: bad options (starts 1..%d per window, window > 0)",
		        RATELIMIT_MAX_N);
		return NULL;
	}
	rl->fd = -1;
	if (path) {
		snprintf(rl->path, sizeof rl->path, "%s", path);
		rl->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (rl->fd < 0) {
			err_set(e, ERR_IO, "rate limiter: cannot open %s: %s", path, strerror(errno));
			free(rl);
			return NULL;
		}
	}
	return rl;
}

void ratelimit_close(ratelimit *rl)
{
	if (!rl)
		return;
	if (rl->fd >= 0)
		close(rl->fd);
	free(rl);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* Reads the recorded starts that can still matter (within one span before now, none in the
 * future), ascending. */
static int load(ratelimit *rl, int64_t now, int64_t span, int64_t *t, int *n, err_t *e)
{
	*n = 0;
	if (rl->fd < 0) {
		for (int i = 0; i < rl->nmem; i++)
			if (rl->mem[i] <= now && now - rl->mem[i] < span)
				t[(*n)++] = rl->mem[i];
		return 0;
	}
	char buf[RATELIMIT_MAX_N * 24 + 64];
	ssize_t got = pread(rl->fd, buf, sizeof buf - 1, 0);
	if (got < 0)
		return err_set(e, ERR_IO, "rate limiter: cannot read %s: %s", rl->path, strerror(errno));
	buf[got] = '\0';
	char *p = buf, *end;
	while (*p && *n < RATELIMIT_MAX_N) {
		errno = 0;
		long long v = strtoll(p, &end, 10);
		if (end == p || errno)
			break; /* a damaged file counts as empty from here on */
		if (v <= now && now - v < span)
			t[(*n)++] = v;
		p = end;
		while (*p == '\n' || *p == ' ')
			p++;
	}
	qsort(t, (size_t)*n, sizeof *t, cmp_i64);
	return 0;
}

static int store(ratelimit *rl, const int64_t *t, int n, err_t *e)
{
	if (rl->fd < 0) {
		memcpy(rl->mem, t, (size_t)n * sizeof *t);
		rl->nmem = n;
		return 0;
	}
	char buf[RATELIMIT_MAX_N * 24 + 64];
	size_t len = 0;
	for (int i = 0; i < n; i++)
		len += (size_t)snprintf(buf + len, sizeof buf - len, "%" PRId64 "\n", t[i]);
	if (pwrite(rl->fd, buf, len, 0) != (ssize_t)len || ftruncate(rl->fd, (off_t)len) != 0)
		return err_set(e, ERR_IO, "rate limiter: cannot write %s: %s", rl->path, strerror(errno));
	return 0;
}

/* One locked look at the state: records a start and returns 0, or returns the nanoseconds to
 * wait in *wait. */
static int try_take(ratelimit *rl, int64_t *wait, err_t *e)
{
	int64_t span = (int64_t)(rl->o.window_ms + rl->o.slack_ms) * 1000000;
	int64_t t[RATELIMIT_MAX_N + 1];
	int n, rc = 0;
	if (rl->fd >= 0) {
		while (flock(rl->fd, LOCK_EX) == -1)
			if (errno != EINTR)
				return err_set(e, ERR_IO, "rate limiter: cannot lock %s: %s", rl->path,
				               strerror(errno));
	}
	int64_t now = now_ns();
	*wait = 0;
	if (load(rl, now, span, t, &n, e) < 0) {
		rc = -1;
	} else if (n >= rl->o.max_starts) {
		/* The N-th most recent start must leave the window before another may begin. */
		*wait = t[n - rl->o.max_starts] + span - now;
		if (*wait <= 0)
			*wait = 1;
	} else {
		t[n++] = now;
		rc = store(rl, t, n, e);
	}
	if (rl->fd >= 0)
		flock(rl->fd, LOCK_UN);
	return rc;
}

int ratelimit_take(ratelimit *rl, long *waited_ms, err_t *e)
{
	int64_t start = now_ns(), limit = (int64_t)rl->o.max_wait_ms * 1000000;
	for (;;) {
		int64_t wait;
		if (try_take(rl, &wait, e) < 0)
			return -1;
		int64_t spent = now_ns() - start;
		if (wait == 0) {
			if (waited_ms)
				*waited_ms += (long)(spent / 1000000);
			return 0;
		}
		if (spent + wait > limit) {
			if (waited_ms)
				*waited_ms += (long)(spent / 1000000);
			return err_set(e, ERR_RATE_LIMITED,
			               "rate limiter: no request slot within %ld ms (%d per %ld ms)",
			               rl->o.max_wait_ms, rl->o.max_starts, rl->o.window_ms);
		}
		sleep_ns(wait);
	}
}
