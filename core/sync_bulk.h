/* sync_bulk.h - the apply stage's bulk path to ActiveCampaign: when a run has more tag and
 * unsubscribe writes than ac_bulk_threshold, they go through AC's bulk import (250 contacts a call)
 * instead of one call each; called by sync_apply.c only. */
#ifndef OPTSYNC_SYNC_BULK_H
#define OPTSYNC_SYNC_BULK_H

#include <stddef.h>

#include "sync_ctx.h"

typedef struct sync_bulk sync_bulk;

/* What the bulk path did this run (tests and the bench read them through the summary line). */
typedef struct {
	long imports;  /* bulk_import calls accepted */
	long sent;     /* contacts sent */
	long verified; /* contacts import/info listed as imported: their actions applied */
	long fallback; /* contacts sent but not confirmed: left to the per-contact calls */
	char error[300]; /* the first failure of the bulk path itself ("" none) */
} sync_bulk_stats;

/* Counts the due tag and unsubscribe actions; NULL (per-contact calls, as before) when they are
 * not more than the ac_bulk_threshold setting, for a resync of one person, or when memory runs out. */
sync_bulk *sync_bulk_open(sync_ctx *x);
void sync_bulk_close(sync_bulk *b, sync_bulk_stats *st);

/* For one page of sf->ac actions: sends the tag and unsubscribe writes of contacts AC has (an AC id
 * and a snapshot read from AC) through bulk import, waits for import/info, and sets (*done)[i] = 1
 * for each action AC confirmed (or that needs no write: the contact already has the tag), with the
 * snapshot updated as the per-contact write would. Everything else is left for the per-contact
 * calls. *done is malloc'd (free it); NULL when nothing was done. -1 only when the store fails. */
int sync_bulk_apply(sync_bulk *b, queued_action *a, size_t n, unsigned char **done, err_t *e);

#endif
