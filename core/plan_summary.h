/* plan_summary.h - what a dry run (the first-sync preview) would change for people: per kind of
 * change a count and the first few names, and the bookkeeping (tags, links) as one count. Read
 * from the run's log rows, which are its plan; shown by /status and `optsync sync --dry-run`. */
#ifndef OPTSYNC_PLAN_SUMMARY_H
#define OPTSYNC_PLAN_SUMMARY_H

#include <stdint.h>

#include "err.h"
#include "store.h"

#define PLAN_NAMES 5 /* names shown per kind; the rest is "and N more" */

/* The kinds of change a person would notice, in the order an admin reads them. */
typedef enum {
	PLAN_SF_CHECK,       /* opt_out: Email Opt Out to check in Salesforce */
	PLAN_SF_UNCHECK,     /* opt_in: Email Opt Out to uncheck */
	PLAN_AC_UNSUBSCRIBE, /* unsubscribe: a list set to status 2 in ActiveCampaign */
	PLAN_AC_CREATE,      /* create: a new ActiveCampaign contact from a Salesforce record */
	PLAN_SKIP,           /* skip: left as it is, with the reason in the log */
	PLAN_KINDS
} plan_kind;

typedef struct {
	const char *action; /* the log's action word */
	const char *label;  /* "Boxes to check in Salesforce" */
	const char *unit;   /* what one change is: "record", "list unsubscribe", ... (singular) */
	int changes;        /* log rows: SF records, AC list writes, contacts */
	int people;         /* distinct people among them */
	int n_names;
	char names[PLAN_NAMES][256]; /* emails (or "Lead 00Q..." for a record without one) */
} plan_group;

typedef struct {
	plan_group kind[PLAN_KINDS];
	int people_changes; /* rows of every kind but skip */
	int tags, links;    /* bookkeeping rows */
	int other;          /* rows of an action this version does not know (shown with the bookkeeping) */
} plan_summary;

/* Fills out from run's log rows. 0, or -1 with e set. */
int plan_summary_read(store *s, int64_t run, plan_summary *out, err_t *e);

/* How many names of g are not listed ("and N more"). */
int plan_group_more(const plan_group *g);

#endif
