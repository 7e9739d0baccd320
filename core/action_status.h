/* action_status.h - where a queued action, or a log row, stands: one enum for both, and the exact
 * words the store keeps for it. */
#ifndef OPTSYNC_ACTION_STATUS_H
#define OPTSYNC_ACTION_STATUS_H

#include "err.h"

/*
 * A queued action is pending, then applied, skipped, retrying (tried again later) or failed. A log
 * row is one of those but pending, or planned (a dry run, or a decision queued for the apply
 * stage). The engine passes the enum; only the store (and the output that prints a row) turns it
 * into its word, so a typo in a state is a compile error rather than a silent miss.
 */
typedef enum {
	ACTION_PENDING = 0, /* queued, not tried yet */
	ACTION_PLANNED,     /* log only: decided, not written (dry run, or queued) */
	ACTION_APPLIED,
	ACTION_SKIPPED,
	ACTION_RETRYING,
	ACTION_FAILED,
	ACTION_STATUS_COUNT
} action_status;

/* The stored word: pending|planned|applied|skipped|retrying|failed ("?" for an out-of-range value). */
const char *action_status_name(action_status s);

/* The status a stored word names; -1 with ERR_DB naming it for any other word (the
 * database holds something this version does not write). */
int action_status_parse(const char *s, action_status *out, err_t *e);

#endif
