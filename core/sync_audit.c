/* sync_audit.c - the audit: every linked person whose two sides disagree, from the stored
 * snapshots alone (no API call), built as the decide stage builds them. */
#include <stdio.h>
#include <string.h>

#include "sync_int.h"

/* ---- the audit: every known person, from the snapshots alone ---- */

typedef struct {
	sync_ctx *x;
	int (*cb)(const audit_row *, void *);
	void *arg;
	rules_person *rp;
	int count;
	int failed;
	err_t *e;
} audit_walk;

static int audit_one(const char *email, void *arg)
{
	audit_walk *w = arg;
	work_person wp;
	memset(&wp, 0, sizeof wp);
	snprintf(wp.email, sizeof wp.email, "%s", email);
	person_state ps;
	memset(&ps, 0, sizeof ps);
	err_t be = {0};
	int rc = sync_build_person(w->x, &wp, w->rp, &ps, &be);
	person_state_free(&ps);
	if (rc == -1) {
		*w->e = be;
		return 1; /* the store failed: stop the walk */
	}
	if (rc < 0)
		return 0; /* out of memory for this one person: no row rather than half of one */
	rules_audit_result ar;
	rules_audit(w->rp, &ar);
	if (!ar.disagree)
		return 0;
	audit_row row;
	memset(&row, 0, sizeof row);
	snprintf(row.email, sizeof row.email, "%s", email);
	snprintf(row.sf_side, sizeof row.sf_side, "%s", rules_side_name(ar.sf));
	snprintf(row.ac_side, sizeof row.ac_side, "%s", rules_side_name(ar.ac));
	row.accepted = ar.accepted;
	snprintf(row.reason, sizeof row.reason, "%s", ar.reason);
	w->count++;
	return w->cb(&row, w->arg);
}

int sync_audit(store *s, int (*cb)(const audit_row *row, void *arg), void *arg, err_t *e)
{
	sync_options o = {.trigger = "audit"};
	sync_summary sum;
	sync_ctx x;
	memset(&x, 0, sizeof x);
	memset(&sum, 0, sizeof sum);
	x.s = s;
	x.o = &o;
	x.sum = &sum;
	rules_person rp;
	rules_person_init(&rp);
	err_t we = {0};
	audit_walk w = {.x = &x, .cb = cb, .arg = arg, .rp = &rp, .e = &we};
	int rc = store_emails_all(s, audit_one, &w, e);
	rules_person_free(&rp);
	if (rc >= 0 && we.kind != ERR_NONE) {
		if (e)
			*e = we;
		return -1;
	}
	return rc < 0 ? -1 : w.count;
}
