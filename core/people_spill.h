/* people_spill.h - a run's people kept on disk while it reads more of them (people_spill.c). */
#ifndef OPTSYNC_PEOPLE_SPILL_H
#define OPTSYNC_PEOPLE_SPILL_H

#include <stddef.h>

#include "err.h"
#include "person.h"

typedef struct spill spill;

spill *spill_open(err_t *e);
void spill_close(spill *sp);
/* Many puts go in one transaction: a batch of people written at once. */
int spill_begin(spill *sp, err_t *e);
int spill_commit(spill *sp, err_t *e);
/* Writes p (a copy: p stays the caller's), replacing what was kept under its email. */
int spill_put(spill *sp, const work_person *p, err_t *e);
/* 1 and *out a new person (the caller frees it with person_free), 0 when none, -1 on error. */
int spill_get(spill *sp, const char *email, work_person **out, err_t *e);
/* Up to max people with emails after `after` (NULL: from the first), in email order, each new for
 * the caller. */
int spill_next(spill *sp, const char *after, work_person **out, size_t max, size_t *n, err_t *e);

#endif
