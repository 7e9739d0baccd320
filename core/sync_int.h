/* sync_int.h - what the pieces of one sync run share (sync.c, sync_read.c, sync_apply.c); not for
 * callers outside the engine. */
#ifndef OPTSYNC_SYNC_INT_H
#define OPTSYNC_SYNC_INT_H

#include <stdint.h>

#include "ac.h"
#include "rules.h"
#include "sf.h"
#include "store.h"
#include "store_log.h"
#include "store_sync.h"
#include "sync.h"

/* One AC list membership as read this run. */
typedef struct {
	char id[32];
	int status;
	int64_t at_ms;
} work_list;

/* One webhook event waiting for this person. */
typedef struct {
	int64_t stored_id;
	rules_event ev;
} work_event;

/* Everything read this run about one normalised email. */
typedef struct work_person {
	char email[RULES_EMAIL_MAX + 1];
	int ac_read; /* the AC contact (or its absence) was read this run */
	char ac_id[32];
	char ac_udate[40];
	int bounced_hard;
	int64_t bounce_ms;
	work_list *lists;
	size_t n_lists, cap_lists;
	sf_snapshot *sf; /* SF records read this run */
	size_t n_sf, cap_sf;
	work_event *events;
	size_t n_events, cap_events;
	struct work_person *next; /* hash chain */
} work_person;

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
void person_free(work_person *p);
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
int person_add_list(work_person *p, const char *id, int status, int64_t at_ms);
int person_add_sf(work_person *p, const sf_snapshot *r);
int person_add_event(work_person *p, int64_t stored_id, const rules_event *ev);

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
	char ac_watermark[40]; /* newest AC udate read (source's own time) */
	int64_t ac_watermark_ms;
	char sf_watermark[40]; /* newest SF SystemModstamp read */
	int64_t sf_watermark_ms;
	int read_ac_ok, read_sf_ok;
	char first_error[512];    /* the first thing that kept the run from finishing */
	int sf_paused;            /* API share reached: no more SF writes this run */
	int sf_down, ac_down;     /* a side stopped answering while applying: leave the rest queued */
	const void *pending_tags; /* sync_apply.c: the actions being applied (tag counts) */
	int ac_offset_min;        /* the AC account's UTC offset, from the udates it returns */
	int ac_offset_known;      /* read this run or kept from an earlier one */
	int ac_offset_learned;    /* read this run: kept for the next */
	int no_history[2];        /* [0] Contact, [1] Lead: the org has no *History type for it */
	int unknown_status[8];    /* AC list statuses beyond 0..3 already logged this run */
	size_t n_unknown_status;
} sync_ctx;

/* sync_read.c: fill ctx->people from both sides and the stored webhook events. */
int sync_read_ac(sync_ctx *x, err_t *e);
int sync_read_sf(sync_ctx *x, err_t *e);
/* Field history (ContactHistory/LeadHistory), where tracking is on: the exact time of each box
 * change read this run. Without history the time stays SystemModstamp; never an error. */
void sync_read_history(sync_ctx *x);
int sync_read_events(sync_ctx *x, err_t *e);
int sync_read_one(sync_ctx *x, const char *email, err_t *e);
/* Reads the SF record with this id (a converted Lead's Contact) into p. */
int sync_read_sf_id(sync_ctx *x, work_person *p, const char *id, err_t *e);

/* sync_apply.c: apply every due action of the queue; counts go to ctx->sum. */
int sync_apply(sync_ctx *x, err_t *e);

/* sync.c helpers the others use. */
void sync_note_error(sync_ctx *x, const err_t *e);
void sync_progress_note(sync_ctx *x, const char *phase, long applied, long total);
int sync_log(sync_ctx *x, const char *direction, const char *email, const char *object, const char *record,
             const char *action, const char *status, const char *reason, const char *error);

/* Lists JSON of a snapshot ({"1":1,"2":2}) from/to work lists. */
int lists_from_json(const char *json, work_list **out, size_t *n);
/* 0, or -1 (out untouched) when the JSON does not fit in cap: never a list cut short. */
int lists_to_json(const work_list *l, size_t n, char *out, size_t cap);
/* Tags JSON of a snapshot (["name",...]) as rules tag bits, and adding a name to it. */
unsigned tags_bits_from_json(const char *json);
void tags_json_add(char *json, size_t cap, const char *name);

#endif
