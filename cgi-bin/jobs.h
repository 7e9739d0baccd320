/* jobs.h - the one sync run the dashboard may have going in the background ("Resync now", the
 * first-sync preview and its confirmation), and its progress for /status. Process-wide state by
 * nature (a run outlives the request that started it), guarded by a mutex. */
#ifndef OPTSYNC_WEB_JOBS_H
#define OPTSYNC_WEB_JOBS_H

#include <stddef.h>
#include <stdint.h>

#include "sync.h"
#include "web.h"

typedef struct {
	int started; /* a job ran or runs since this process started */
	int running;
	int dry_run;  /* a preview */
	char by[128]; /* who clicked */
	int64_t started_ms, ended_ms;
	char phase[64];
	long people, applied, total;
	int ok;           /* finished with nothing left over */
	sync_summary sum; /* as far as the run got */
	char line[512];   /* sync_summary_line */
	char error[512];  /* the error that kept it from finishing */
} job_state;

/* Starts sync_run in a background thread with its own store handle. Returns 0, or -1 with a
 * message in err when a job is running already or the thread cannot start. */
int job_start(const web_app *app, int dry_run, const char *by, char *err, size_t n);

/* A copy of the current state. */
void job_get(job_state *out);

/* The shared ActiveCampaign rate-limit file: $OPTSYNC_RATE_FILE, else ac-rate.lock beside the db. */
void job_rate_file(const web_app *app, char *out, size_t n);

#endif
