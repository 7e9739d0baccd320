/* sync_int.h - the stages of one sync run, called by sync.c in order (read, decide, apply) and by
 * the audit; not for callers outside the engine. What the stages share is in sync_ctx.h. */
#ifndef OPTSYNC_SYNC_INT_H
#define OPTSYNC_SYNC_INT_H

#include "sync_ctx.h"

/* sync_read.c: fill ctx->people from both sides and the stored webhook events. */
int sync_read_ac(sync_ctx *x, err_t *e);
int sync_read_sf(sync_ctx *x, err_t *e);
/* Field history (ContactHistory/LeadHistory), where tracking is on: the exact time of each box
 * change read this run. Without history the time stays SystemModstamp; never an error. */
void sync_read_history(sync_ctx *x);
int sync_read_events(sync_ctx *x, err_t *e);
int sync_read_one(sync_ctx *x, const char *email, err_t *e);
/* Change events: the people of these Contact/Lead ids (found by id, then read as sync_read_one). */
int sync_read_ids(sync_ctx *x, const char *const *ids, size_t n, err_t *e);
/* Webhooks: these people (normalised emails), each read as sync_read_one, and then their pending
 * events (only theirs: an event for anyone else waits for its own run). */
int sync_read_emails(sync_ctx *x, const char *const *emails, size_t n, err_t *e);
/* Reads the SF record with this id (a converted Lead's Contact) into p. */
int sync_read_sf_id(sync_ctx *x, work_person *p, const char *id, err_t *e);

/* sync_decide.c: decide for every person read (rules, durable queue, snapshots), then move the
 * watermarks. */
int sync_decide(sync_ctx *x, err_t *e);

/* What the store knew about one person before this run (sync_build_person fills it). */
typedef struct {
	ac_snapshot ac;
	int has_ac;
	person_link link;
	int has_link;
	sf_snapshot *stored; /* snapshots of this email's records from earlier runs (owned) */
	size_t n_stored;
} person_state;
void person_state_free(person_state *ps);
/* sync_build_person's answer for a person who cannot be built (memory): that person fails alone. */
#define PERSON_FAILED (-2)
/* Builds rp for wp from this run's reads and the stored snapshots (ps keeps them). 0, -1 when
 * the store failed, PERSON_FAILED when this person alone cannot be built (memory). */
int sync_build_person(sync_ctx *x, work_person *wp, rules_person *rp, person_state *ps, err_t *e);

/* sync_apply.c: apply every due action of the queue; counts go to ctx->sum. */
int sync_apply(sync_ctx *x, err_t *e);

#endif
