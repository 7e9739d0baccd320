/* ac_import.h - ActiveCampaign's bulk contact importer: many contacts' tags and unsubscribes in one
 * call (POST /api/3/import/bulk_import), the per-contact results read back (GET /api/3/import/info). */
#ifndef OPTSYNC_AC_IMPORT_H
#define OPTSYNC_AC_IMPORT_H

#include <stddef.h>

#include "ac.h"

#define AC_IMPORT_MAX 250        /* contacts a call (AC) */
#define AC_IMPORT_BYTES 399999   /* payload a call (AC: under 400,000 bytes) */
#define AC_IMPORT_LISTS_MAX 1024 /* unsubscribes of one contact in one import */
#define AC_BATCH_MAX 64

/* One contact of an import. Only what must change is sent: the email (AC matches on it and creates
 * the contact when it does not know it, so only contacts AC has may be given), the tags to add (by
 * name) and the lists to unsubscribe from; never a name or another field, which would overwrite. */
typedef struct {
	const char *email;
	const char *const *tags; /* tag names */
	size_t n_tags;
	const char *const *unsubscribe; /* list ids */
	size_t n_unsubscribe;
} ac_import_contact;

typedef struct {
	int exclude_automations; /* 1 sends exclude_automations: true; 0 sends nothing (AC: automations run) */
	long rate_wait_max_ms;   /* how long 400 "Rate limit exceeded" is waited out in all; default 65000 */
	long first_wait_ms;      /* the first wait after that answer, doubling; default 1000 */
} ac_import_options;

void ac_import_options_default(ac_import_options *o);

/* Sends the first contacts of in[0..n) that fit one import (250, and under 400,000 bytes): *taken
 * says how many went, batch_id gets AC's batchId. A 400 "Rate limit exceeded" (100 imports a minute)
 * is waited out up to o->rate_wait_max_ms, then ERR_RATE_LIMITED; other refusals are
 * ERR_INVALID_REQUEST with AC's reasons. o may be NULL (defaults). */
int ac_bulk_import(ac_client *c, const ac_import_contact *in, size_t n, const ac_import_options *o,
                   size_t *taken, char batch_id[AC_BATCH_MAX], err_t *e);

typedef enum {
	AC_IMPORT_PENDING, /* waiting, claimed, active, or no status yet (false) */
	AC_IMPORT_DONE,    /* completed: success and failure hold the results */
	AC_IMPORT_FAILED   /* failed or interrupted: nothing in it can be counted on */
} ac_import_state;

typedef struct {
	ac_import_state state;
	char status[24];                /* AC's word, "false" when it had none yet */
	char (*success)[AC_ID_MAX];     /* contact ids AC lists as imported */
	size_t n_success;
	char (*failure)[AC_EMAIL_MAX];  /* emails AC lists as failed */
	size_t n_failure;
} ac_import_result;

/* GET /api/3/import/info?batchId=: one look at the batch. */
int ac_import_info(ac_client *c, const char *batch_id, ac_import_result *out, err_t *e);

/* Polls import/info until the batch is DONE or FAILED or max_wait_ms has passed (then out->state
 * is PENDING and 0 is returned): the first look after 1 s (AC: a status is set only after a short
 * delay), then every 1 s doubling up to 8 s. */
int ac_import_wait(ac_client *c, const char *batch_id, long max_wait_ms, ac_import_result *out, err_t *e);

void ac_import_result_free(ac_import_result *r);

#endif
