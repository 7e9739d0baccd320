/* contact_view.c - one person from the store, and the sentences that explain their box
 * (contact_view.h). */
#include "contact_view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timefmt.h"

/* The decision is looked for among this many newest rows, as /contacts shows them. */
#define DECISION_ROWS 100

const char *contact_view_list_status(int s)
{
	switch (s) {
	case 0:
		return "unconfirmed";
	case 1:
		return "subscribed";
	case 2:
		return "unsubscribed";
	case 3:
		return "bounced";
	default:
		return "unknown";
	}
}

static int is_decision(const log_entry *l)
{
	return (l->status == ACTION_APPLIED || l->status == ACTION_SKIPPED) &&
	       (l->action == RULES_ACT_OPT_OUT || l->action == RULES_ACT_OPT_IN ||
	        l->action == RULES_ACT_UNSUBSCRIBE || l->action == RULES_ACT_SKIP);
}

static int on_row(const log_entry *l, void *arg)
{
	contact_view *v = arg;
	if (is_decision(l)) {
		v->have_decision = 1;
		v->decision = *l;
		return 1;
	}
	return 0;
}

/* What the box is, and why, from the state and the last decision. */
static void explain(contact_view *v)
{
	int checked = 0, writable = 0;
	for (int i = 0; i < v->n_sf; i++) {
		if (v->sf[i].is_converted)
			continue;
		writable++;
		checked += v->sf[i].opted_out != 0;
	}
	if (v->n_sf == 0)
		snprintf(v->state, sizeof v->state, "optsync has no Salesforce record with this address.");
	else if (writable == 0)
		snprintf(v->state, sizeof v->state,
		         "Every Salesforce record with this address is a converted Lead (never written).");
	else if (checked == writable)
		snprintf(v->state, sizeof v->state, "Email Opt Out is checked on %s Salesforce record%s.",
		         writable == 1 ? "the" : "all", writable == 1 ? "" : "s");
	else if (checked == 0)
		snprintf(v->state, sizeof v->state, "Email Opt Out is unchecked on %s Salesforce record%s.",
		         writable == 1 ? "the" : "all", writable == 1 ? "" : "s");
	else
		snprintf(v->state, sizeof v->state,
		         "Email Opt Out is checked on %d of %d Salesforce records.", checked, writable);
	if (v->have_decision) {
		char at[48];
		timefmt_human(v->decision.at, at, sizeof at);
		snprintf(v->why, sizeof v->why, "Last decision, %s: %s", at,
		         *v->decision.reason ? v->decision.reason : rules_action_name(v->decision.action));
	} else {
		snprintf(v->why, sizeof v->why, "optsync has not changed anything for this person yet.");
	}
	/* Opted out in AC: on no list with status 1, or hard-bounced. A partly checked SF side
	 * counts as a difference too. */
	if (v->ac_found && writable > 0) {
		int ac_out = v->ac_subscribed <= 0 || v->ac.bounced_hard;
		int sf_out = checked == writable;
		v->different = (checked != 0 && checked != writable) || ac_out != sf_out;
	}
}

int contact_view_read(store *s, const char *email, contact_view **out, err_t *e)
{
	*out = NULL;
	contact_view *v = calloc(1, sizeof *v);
	if (!v)
		return err_set(e, ERR_INTERNAL, "read %s: out of memory", email);
	snprintf(v->email, sizeof v->email, "%s", email);
	int lk = store_person_get(s, email, &v->link, e);
	int acf = lk < 0 ? -1 : store_ac_by_email(s, email, &v->ac, e);
	int nsf = acf < 0 ? -1 : store_sf_by_email(s, email, v->sf, CONTACT_VIEW_SF_MAX, e);
	log_filter f = {.email = email, .limit = DECISION_ROWS};
	if (nsf < 0 || store_log_query(s, &f, on_row, v, e) < 0) {
		free(v);
		return -1;
	}
	v->linked = lk == 1;
	v->ac_found = acf == 1;
	v->n_sf = nsf;
	/* A snapshot whose lists are not an object shows as no lists, as the engine reads it. */
	if (v->ac_found && lists_from_json(v->ac.lists, &v->lists, &v->n_lists) < 0) {
		v->lists = NULL;
		v->n_lists = 0;
	}
	for (size_t i = 0; i < v->n_lists; i++)
		v->ac_subscribed += v->lists[i].status == 1;
	v->known = v->linked || v->ac_found || v->n_sf > 0;
	explain(v);
	*out = v;
	return 0;
}

void contact_view_free(contact_view *v)
{
	if (!v)
		return;
	free(v->lists);
	free(v);
}
