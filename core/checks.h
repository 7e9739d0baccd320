/* checks.h - the troubleshooting checks of `optsync check` and /checks: each pass, warn or fail,
 * with what was found and the fix in words. A check fails only on what stops the sync working. */
#ifndef OPTSYNC_CHECKS_H
#define OPTSYNC_CHECKS_H

#include <stdint.h>

#include "err.h"
#include "store.h"

typedef enum { CHECK_PASS = 0, CHECK_WARN, CHECK_FAIL } check_status;

typedef struct {
	char id[32]; /* stable: ac_connection, sf_connection, sf_field_contact, ... */
	char title[96];
	check_status status;
	char detail[512]; /* what was found */
	char fix[512];    /* what to do, "" when it passes */
} check_result;

#define CHECKS_MAX 16

/* Runs every check, calling the services where a check needs them (rate-limited through
 * rate_file). Fills out[0..n) and returns n, or -1 only when the store itself cannot be read. */
int checks_run(store *s, const char *rate_file, check_result *out, int max, err_t *e);

/* How long a run's results are shown to viewers before the next load runs them again (seconds):
 * a run makes about ten API calls, and a page anyone signed in can reload must not spend them. */
#define CHECKS_CACHE_SECONDS 30

/* checks_run, and the results saved in the store (setting "checks_cache") with *taken_at, the
 * epoch seconds of now. Returns n or -1 as checks_run; a failed save is logged nowhere and costs
 * only the next reader a fresh run. */
int checks_run_saved(store *s, const char *rate_file, int64_t now, check_result *out, int max,
                     int64_t *taken_at, err_t *e);

/* The results of a run at most max_age seconds before now: the saved ones when recent enough
 * (*cached 1, *taken_at when they were taken), else checks_run_saved (*cached 0). */
int checks_recent(store *s, const char *rate_file, int64_t now, int max_age, check_result *out, int max,
                  int64_t *taken_at, int *cached, err_t *e);

const char *check_status_name(check_status st); /* pass | warn | fail */

/* The worst status among n results. */
check_status checks_worst(const check_result *r, int n);

#endif
