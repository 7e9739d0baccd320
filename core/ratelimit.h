/* ratelimit.h - a cross-process request limiter: at most N request starts in any sliding window. */
#ifndef OPTSYNC_RATELIMIT_H
#define OPTSYNC_RATELIMIT_H

#include "err.h"

#define RATELIMIT_MAX_N 64

typedef struct ratelimit ratelimit;

typedef struct {
	int max_starts;   /* N: starts allowed in any window (default 5, at most RATELIMIT_MAX_N) */
	long window_ms;   /* the window (default 1000) */
	long slack_ms;    /* added to the window to absorb network jitter between us and the server
	                     that counts (default 150: 5 per 1.15 s, about 4.3/s) */
	long max_wait_ms; /* longest one take() waits before giving up (default 60000) */
} ratelimit_options;

/* Fills o with the defaults above. */
void ratelimit_options_default(ratelimit_options *o);

/* Opens a limiter whose state lives in the file at path (created 0600 if missing), shared by every
 * process that opens the same path: each take() holds flock(LOCK_EX) on it while it reads and
 * records the last start times. path NULL gives a limiter private to this process (no file).
 * o NULL means the defaults. */
ratelimit *ratelimit_open(const char *path, const ratelimit_options *o, err_t *e);

/* Closes the file and frees rl (NULL is fine). */
void ratelimit_close(ratelimit *rl);

/* Waits (nanosleep, lock not held while sleeping) until a start is allowed, then records it.
 * Adds the time waited to *waited_ms if not NULL. Returns 0, or -1 with ERR_RATE_LIMITED when
 * the wait would pass max_wait_ms, or ERR_IO when the state file cannot be used. */
int ratelimit_take(ratelimit *rl, long *waited_ms, err_t *e);

#endif
