/* spool.h - the webhook receiver's fallback when the database is busy (a sync holding the write
 * lock): the raw event goes to a file, fsync'ed, so the answer can still be 200 at once (AC never
 * retries), and a drainer moves spooled events into the store's events table as soon as it can. */
#ifndef OPTSYNC_WEB_SPOOL_H
#define OPTSYNC_WEB_SPOOL_H

#include <stddef.h>

#include "err.h"
#include "store.h"
#include "store_sync.h"

/* The spool folder: webhook-spool/ beside the database. */
void spool_dir(const char *db_path, char *out, size_t n);

/* Writes ev durably (temporary file, fsync, rename, fsync of the folder, created 0700 if missing).
 * Returns 0 or -1 with e filled. */
int spool_put(const char *dir, const stored_event *ev, err_t *e);

/* Moves up to max spooled events into the store, oldest first, each file removed only once its
 * event is stored. Returns how many were moved (stopping at the first that could not be stored),
 * or -1 with e filled when not even the first could be. */
int spool_drain(const char *dir, store *s, int max, err_t *e);

#endif
