/* sync.h - one sync pass: read what changed on both sides, decide with the rules, queue the
 * actions durably, apply them, log every change. The CLI, the daemon, the dashboard's button and
 * the webhook wake-up all call sync_run. */
#ifndef OPTSYNC_SYNC_H
#define OPTSYNC_SYNC_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "store.h"

typedef struct {
	const char *phase; /* "reading ActiveCampaign", "reading Salesforce", "deciding", "applying", "waiting
	                      on a rate limit" */
	long people;       /* people read so far */
	long applied;      /* actions applied so far */
	long total;        /* actions to apply (0 while unknown) */
} sync_progress;

typedef struct {
	const char *trigger;       /* cli | daemon | dashboard | webhook | stream | resync */
	int dry_run;               /* decide and report, write nothing to either side */
	int full;                  /* re-read everything, ignoring the watermarks (not a first sync) */
	const char *email;         /* resync: only this person (normalised here); NULL for all */
	const char *const *sf_ids; /* change events: only the people of these Contact/Lead ids */
	size_t n_sf_ids;
	/* webhooks: only these people (normalised emails), with their pending events. Like the two
	 * above, a targeted run: no contacts walk, no watermark moved. */
	const char *const *emails;
	size_t n_emails;
	const char *rate_file; /* the AC limiter state shared by every optsync process */
	void (*progress)(const sync_progress *p, void *arg);
	void *progress_arg;
} sync_options;

typedef struct {
	int64_t run_id;
	int first_sync;
	long people;                   /* people considered */
	long applied_ac_sf;            /* writes to Salesforce */
	long applied_sf_ac;            /* writes to ActiveCampaign */
	long planned;                  /* dry run: what would be written */
	long failed;                   /* permanent failures this run: actions, and people not decided */
	long people_failed;            /* people the rules could not decide (each logged failed alone) */
	char first_person_failed[384]; /* "email: why" of the first of them, "" when none */
	long retrying;                 /* actions left queued for a later run */
	long skipped;
	long calls_ac, calls_sf;
	long rate_limited_ac, rate_limited_sf; /* 429 answers */
	long duration_ms;
	char status[16]; /* ok | partial | failed | dry-run */
} sync_summary;

/* Runs one pass. Returns 0 when the pass finished with nothing left over (status ok or dry-run),
 * -1 with e filled otherwise: ERR_LOCKED when another run holds the lock (e says whose), or the
 * first error that kept the pass from finishing (a side down, actions left retrying or failed,
 * a person who could not be decided: status partial; everyone else was still applied). The
 * summary is filled in both cases as far as the pass got. */
int sync_run(store *s, const sync_options *o, sync_summary *out, err_t *e);

/* One person whose two sides disagree, from what optsync saw last (no API call). */
typedef struct {
	char email[256];
	char sf_side[16]; /* opted_in | opted_out | mixed | none */
	char ac_side[16];
	int accepted; /* on purpose: an admin unchecked the box (R5); only the person can re-subscribe */
	char reason[384];
} audit_row;

/* Calls cb for every linked person whose sides disagree; returns how many, or -1. */
int sync_audit(store *s, int (*cb)(const audit_row *row, void *arg), void *arg, err_t *e);

/* The one-line summary the CLI prints and the daemon logs. */
void sync_summary_line(const sync_summary *sm, char *buf, size_t n);

#endif
