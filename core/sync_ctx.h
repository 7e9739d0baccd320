/* sync_ctx.h - the state of one sync run, and what every stage shares below them all: the run's
 * first error, its progress notes and its log (sync_ctx.c). Stages call down into it; it calls
 * no stage. */
#ifndef OPTSYNC_SYNC_CTX_H
#define OPTSYNC_SYNC_CTX_H

#include <stdint.h>

#include "ac.h"
#include "people.h"
#include "rules.h"
#include "sf.h"
#include "store.h"
#include "store_log.h"
#include "store_sync.h"
#include "sync.h"

/* The state of one run. */
typedef struct {
	store *s;
	const sync_options *o;
	sync_summary *sum;
	run_record run;
	ac_client *ac;
	sf_client *sf;
	people_map people;
	int first_sync;
	rules_import import;
	int64_t connected_ms; /* SF connection time, for sf_import new */
	double sf_api_share;
	int retry_limit;
	char ac_watermark[40];   /* where the next AC walk starts (sync_read_ac: closed seconds) */
	int64_t ac_watermark_ms; /* newest AC udate read, epoch ms (the offset follows it) */
	char sf_watermark[40];   /* newest SF SystemModstamp read */
	int64_t sf_watermark_ms;
	char sf_pa_watermark[40]; /* newest person account SystemModstamp read (own key: the feature can
	                           * be turned on after the others were read) */
	int64_t sf_pa_watermark_ms;
	int person_accounts; /* the org has Person Accounts (pa_detect: the stored or a fresh answer) */
	int pa_from_start;   /* on, but never read completely: turned on after the first sync; a person
	                      * with a person account not seen before is decided as on a first sync */
	int read_ac_ok, read_sf_ok;
	char first_error[512];    /* the first thing that kept the run from finishing */
	int sf_paused;            /* API share reached: no more SF writes this run */
	int sf_down, ac_down;     /* a side stopped answering while applying: leave the rest queued */
	const void *pending_tags; /* sync_apply.c: the actions being applied (tag counts) */
	int ac_offset_min;        /* the AC account's UTC offset, from the udates it returns */
	int ac_offset_known;      /* read this run or kept from an earlier one */
	int ac_offset_learned;    /* read this run: kept for the next */
	int no_history[3];        /* by sf_object: the org has no *History type for it */
	int unknown_status[8];    /* AC list statuses beyond 0..3 already logged this run */
	size_t n_unknown_status;
} sync_ctx;

/* A run for named people only (resync, change events, webhooks): it reads no side completely, so
 * it moves no watermark and never completes a first sync. */
int sync_targeted(const sync_ctx *x);
/* Keeps e's message as the run's first error, unless one is kept already. */
void sync_note_error(sync_ctx *x, const err_t *e);
/* Tells the caller's progress callback (if any) where the run is. */
void sync_progress_note(sync_ctx *x, const char *phase, long applied, long total);
/* Appends one row to the run's log. On failure the store's error becomes the run's first error
 * (sync_note_error), so a lost log row is reported, not dropped; returns -1. */
int sync_log(sync_ctx *x, rules_direction direction, const char *email, const char *object,
             const char *record, rules_action action, action_status status, const char *reason,
             const char *error);

#endif
