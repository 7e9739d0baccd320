/* people.h - the people of one run by normalised email: a map in memory that spills to a scratch
 * file past its cap (people.c, people_spill.c). */
#ifndef OPTSYNC_PEOPLE_H
#define OPTSYNC_PEOPLE_H

#include <stddef.h>

#include "err.h"
#include "person.h"

/* The people of a run: at most `cap` in memory, the rest in a scratch file (people.c). */
typedef struct {
	work_person **buckets;
	size_t n_buckets, count; /* in memory */
	work_person **order;     /* in memory, in insertion order */
	size_t cap_order;
	size_t total; /* distinct people read this run, in memory or on disk */
	size_t cap;   /* people held in memory before they go to disk */
	int spilled;  /* the scratch file has people */
	int frozen;   /* in people_each: callers hold pointers, nothing moves to or from disk */
	struct spill *sp;
	err_t err; /* why people_get or people_lookup answered NULL */
} people_map;

/* cap 0: the default (a thousand people). */
void people_init(people_map *m, size_t cap);
void people_free(people_map *m);
/* The person for a normalised email, created empty when new; NULL on failure (people_error).
 * A pointer it returns is good until the next people_get or people_lookup, which may move people
 * to disk, unless the map is frozen. */
work_person *people_get(people_map *m, const char *email);
/* The same without creating: NULL when the run has read nothing about this email (or on failure,
 * with m->err set). */
work_person *people_lookup(people_map *m, const char *email);
const char *people_error(const people_map *m);
/* Visits every person of the run, a batch at a time (memory stays one batch, whoever is on disk),
 * in email order for people on disk, then in reading order for the rest. With `keep`, what fn
 * changes is kept for later; without (the last pass) each batch is dropped after fn. fn may create
 * people (people_get) only in the last pass: they are visited at the end. */
typedef int (*people_batch_fn)(work_person **batch, size_t n, void *ud, err_t *e);
int people_each(people_map *m, int keep, people_batch_fn fn, void *ud, err_t *e);

#endif
