/* store_log.h - the sync log (one row per change optsync planned, made, failed or skipped) and the
 * runs that produced it. Read by the CLI `log`, the dashboard's /status and /contacts. */
#ifndef OPTSYNC_STORE_LOG_H
#define OPTSYNC_STORE_LOG_H

#include <stdint.h>

#include "action_status.h"
#include "rules.h"
#include "store.h"

typedef struct {
	int64_t id;
	char at[32];       /* ISO 8601 UTC ending in Z; filled by append when empty */
	int64_t run;       /* 0 when outside a run */
	rules_direction direction; /* ac->sf | sf->ac | none (stored "") */
	char email[256];
	char object[16]; /* "Contact" | "Lead" | "contact" */
	char record[64]; /* SF id, or AC contact id (with ":list N" for list writes) */
	rules_action action;  /* opt_out | opt_in | unsubscribe | tag | create | link | skip */
	action_status status; /* planned | applied | failed | retrying | skipped */
	char reason[512];
	char error[512];
} log_entry;

int store_log_append(store *s, log_entry *l, err_t *e);

typedef struct {
	const char *email;     /* exact, normalised; NULL = any */
	const char *status;    /* NULL = any */
	const char *direction; /* NULL = any */
	int64_t run;           /* 0 = any */
	int64_t before_id;     /* keyset pagination: rows with id < before_id; 0 = newest */
	int limit;             /* 1..1000 */
	int people_only;       /* 1 = what changes for people (STORE_LOG_PEOPLE_ACTIONS) and every failed row;
	                        * 0 = also the bookkeeping (tag, link) */
} log_filter;

/* The actions that change something a person sees (a box, a subscription, a contact) or say why
 * nothing changed; tag and link are bookkeeping. As an SQL list, for people_only. */
#define STORE_LOG_PEOPLE_ACTIONS "'opt_out','opt_in','unsubscribe','create','skip'"

/* Calls cb for each matching row, newest first; cb returning non-zero stops early. Returns the
 * number of rows given, or -1. Uses the (column, id) indexes: fast on a million rows. A row whose
 * direction, action or status this version does not know stops the read with ERR_DB naming the
 * row and the word (shown, never passed on as some other state). The filter's status and
 * direction are the stored words, as a page's query string gives them. */
int store_log_query(store *s, const log_filter *f, int (*cb)(const log_entry *, void *), void *arg, err_t *e);

typedef struct {
	int64_t id;
	char trigger[16]; /* cli | daemon | dashboard | webhook | resync */
	char started_at[32];
	char ended_at[32];
	char status[16]; /* running | ok | partial | failed | dry-run */
	int dry_run;
	int people, applied_ac_sf, applied_sf_ac, failed, skipped, calls_ac, calls_sf;
	int rate_limited_ac, rate_limited_sf; /* 429 answers during the run */
	char error[512];
} run_record;

/* Starts a run row (status running) and returns its id in r->id. */
int store_run_begin(store *s, run_record *r, err_t *e);
/* Marks runs still "running" that are not run `current` as interrupted: called by the lock
 * holder, so their process is gone (killed, crashed). Returns how many, or -1. */
int store_runs_close_interrupted(store *s, int64_t current, err_t *e);
/* Writes the counts, status, error and end time of r. */
int store_run_end(store *s, run_record *r, err_t *e);
/* The newest runs first; returns rows given or -1. */
int store_runs_recent(store *s, int limit, int (*cb)(const run_record *, void *), void *arg, err_t *e);
/* The last run that ended ok (a partial one left work undone), 1 found, 0 none, -1 error. */
int store_run_last_success(store *s, run_record *r, err_t *e);
/* The newest run that ended, whatever its status (not dry runs): 1 found, 0 none, -1 error. */
int store_run_last_finished(store *s, run_record *r, err_t *e);

/* One run's rows counted by action: cb(action, rows, distinct emails) per action, in name order.
 * Returns how many actions, or -1. For the first-sync preview (a dry run's rows are its plan). */
int store_log_run_counts(store *s, int64_t run, int (*cb)(const char *action, int rows, int people, void *),
                         void *arg, err_t *e);
/* The first `limit` (1..100) people of one run's rows with that action, in log order: their email,
 * or "OBJECT RECORD" for a row without one. Returns how many given, or -1. */
int store_log_run_names(store *s, int64_t run, const char *action, int limit,
                        int (*cb)(const char *name, void *), void *arg, err_t *e);

/* Changes per UTC day and direction over the last `days` days (status applied), for the chart. */
int store_log_daily(store *s, int days, int (*cb)(const char *day, const char *direction, int count, void *),
                    void *arg, err_t *e);

#endif
