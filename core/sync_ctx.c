/* sync_ctx.c - what the stages of a run share: its first error, its progress notes, its log. */
#include "sync_ctx.h"

#include <stdio.h>
#include <string.h>

void sync_note_error(sync_ctx *x, const err_t *e)
{
	if (!x->first_error[0] && e && e->msg[0])
		snprintf(x->first_error, sizeof x->first_error, "%s", e->msg);
}

void sync_progress_note(sync_ctx *x, const char *phase, long applied, long total)
{
	if (!x->o->progress)
		return;
	sync_progress p = {
	    .phase = phase, .people = (long)x->people.total, .applied = applied, .total = total};
	x->o->progress(&p, x->o->progress_arg);
}

int sync_log(sync_ctx *x, rules_direction direction, const char *email, const char *object,
             const char *record, rules_action action, action_status status, const char *reason,
             const char *error)
{
	log_entry l;
	memset(&l, 0, sizeof l);
	l.run = x->run.id;
	l.direction = direction;
	l.action = action;
	l.status = status;
	snprintf(l.email, sizeof l.email, "%s", email ? email : "");
	snprintf(l.object, sizeof l.object, "%s", object ? object : "");
	snprintf(l.record, sizeof l.record, "%s", record ? record : "");
	snprintf(l.reason, sizeof l.reason, "%s", reason ? reason : "");
	snprintf(l.error, sizeof l.error, "%s", error ? error : "");
	err_t e = {0};
	if (store_log_append(x->s, &l, &e) == 0)
		return 0;
	sync_note_error(x, &e);
	return -1;
}

int sync_targeted(const sync_ctx *x)
{
	return x->o->email || x->o->n_sf_ids || x->o->n_emails;
}
