/* jobs.c - the background sync run started from the dashboard, and its progress. */
#include "jobs.h"

#include <libgen.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "timefmt.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static job_state job;

typedef struct {
	const web_app *app;
	int dry_run;
} job_args;

void job_rate_file(const web_app *app, char *out, size_t n)
{
	if (app->rate_file && *app->rate_file) {
		snprintf(out, n, "%s", app->rate_file);
		return;
	}
	char tmp[1024];
	snprintf(tmp, sizeof tmp, "%s", app->db_path);
	snprintf(out, n, "%s/ac-rate.lock", dirname(tmp));
}

static void on_progress(const sync_progress *p, void *arg)
{
	(void)arg;
	pthread_mutex_lock(&mu);
	snprintf(job.phase, sizeof job.phase, "%s", p->phase ? p->phase : "");
	job.people = p->people;
	job.applied = p->applied;
	job.total = p->total;
	pthread_mutex_unlock(&mu);
}

static void *run(void *arg)
{
	job_args *a = arg;
	store *st = NULL;
	err_t e = {0};
	sync_summary sum;
	memset(&sum, 0, sizeof sum);
	int rc = -1;
	char rate[1100];
	job_rate_file(a->app, rate, sizeof rate);
	if (store_open(&st, a->app->db_path, a->app->key_path, &e) == 0) {
		sync_options o = {.trigger = "dashboard",
		                  .dry_run = a->dry_run,
		                  .rate_file = rate,
		                  .progress = on_progress};
		rc = sync_run(st, &o, &sum, &e);
	}
	store_close(st);
	char line[512];
	sync_summary_line(&sum, line, sizeof line);
	fprintf(stderr, "optsync.fcgi: dashboard %s: %s%s%s\n", a->dry_run ? "preview" : "sync", line,
	        rc ? ": " : "", rc ? e.msg : "");
	pthread_mutex_lock(&mu);
	job.running = 0;
	job.ok = rc == 0;
	job.sum = sum;
	job.ended_ms = timefmt_now_ms();
	snprintf(job.line, sizeof job.line, "%s", line);
	snprintf(job.error, sizeof job.error, "%s", rc ? e.msg : "");
	snprintf(job.phase, sizeof job.phase, "finished");
	pthread_mutex_unlock(&mu);
	free(a);
	return NULL;
}

int job_start(const web_app *app, int dry_run, const char *by, char *err, size_t n)
{
	pthread_mutex_lock(&mu);
	if (job.running) {
		pthread_mutex_unlock(&mu);
		snprintf(err, n, "A run started from the dashboard is still going.");
		return -1;
	}
	job_args *a = malloc(sizeof *a);
	if (!a) {
		pthread_mutex_unlock(&mu);
		snprintf(err, n, "Out of memory.");
		return -1;
	}
	a->app = app;
	a->dry_run = dry_run;
	memset(&job, 0, sizeof job);
	job.started = 1;
	job.running = 1;
	job.dry_run = dry_run;
	job.started_ms = timefmt_now_ms();
	snprintf(job.by, sizeof job.by, "%s", by);
	snprintf(job.phase, sizeof job.phase, "starting");
	pthread_attr_t at;
	pthread_t th;
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	int rc = pthread_create(&th, &at, run, a);
	pthread_attr_destroy(&at);
	if (rc != 0) {
		job.running = 0;
		job.started = 0;
		pthread_mutex_unlock(&mu);
		free(a);
		snprintf(err, n, "Cannot start a thread for the run.");
		return -1;
	}
	pthread_mutex_unlock(&mu);
	return 0;
}

void job_get(job_state *out)
{
	pthread_mutex_lock(&mu);
	*out = job;
	pthread_mutex_unlock(&mu);
}
