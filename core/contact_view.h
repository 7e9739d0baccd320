/* contact_view.h - one person as optsync last read them: the link, both sides' stored snapshots
 * (not a live read: `resync` reads both sides again) and the two sentences that say what the box
 * is and why. /contacts and `optsync show` both call it, so both say the same thing. */
#ifndef OPTSYNC_CONTACT_VIEW_H
#define OPTSYNC_CONTACT_VIEW_H

#include <stddef.h>

#include "err.h"
#include "snapshot.h"
#include "store.h"
#include "store_log.h"
#include "store_sync.h"

#define CONTACT_VIEW_SF_MAX 16 /* records shown and explained per address */

typedef struct {
	char email[256];
	int linked; /* a person row exists: link holds it */
	person_link link;
	int ac_found;
	ac_snapshot ac;
	work_list *lists; /* ac's lists, parsed; n_lists entries */
	size_t n_lists;
	int ac_subscribed; /* lists with status 1 */
	int n_sf;
	sf_snapshot sf[CONTACT_VIEW_SF_MAX];
	int have_decision;
	log_entry decision; /* the newest applied or skipped opt_out/opt_in/unsubscribe/skip */
	char state[256];    /* "Email Opt Out is checked on the Salesforce record." */
	char why[1024];     /* "Last decision, 2026-11-26 14:09:25 UTC: ..." */
	int different;      /* the two sides disagree (on purpose after R5) */
	int known;          /* optsync has seen the address on some side, or linked it */
} contact_view;

/* Reads the person with the normalised email into a new *out (contact_view_free). 0, or -1 with e
 * set (a database error; an unknown address is 0 with known = 0). */
int contact_view_read(store *s, const char *email, contact_view **out, err_t *e);
void contact_view_free(contact_view *v);

/* "unconfirmed" | "subscribed" | "unsubscribed" | "bounced" | "unknown": an AC list status. */
const char *contact_view_list_status(int status);

#endif
