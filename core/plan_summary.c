/* plan_summary.c - a dry run's plan grouped by what changes for people (plan_summary.h). */
#include "plan_summary.h"

#include <stdio.h>
#include <string.h>

#include "store_log.h"

static const struct {
	const char *action, *label, *unit;
} kinds[PLAN_KINDS] = {
    [PLAN_SF_CHECK] = {"opt_out", "Boxes to check in Salesforce", "record"},
    [PLAN_SF_UNCHECK] = {"opt_in", "Boxes to uncheck in Salesforce", "record"},
    [PLAN_AC_UNSUBSCRIBE] = {"unsubscribe", "Unsubscribes in ActiveCampaign", "list unsubscribe"},
    [PLAN_AC_CREATE] = {"create", "Contacts to create in ActiveCampaign", "contact"},
    [PLAN_SKIP] = {"skip", "Left as they are (skipped)", "record"},
};

static int on_count(const char *action, int rows, int people, void *arg)
{
	plan_summary *p = arg;
	if (!action)
		return 0;
	for (int k = 0; k < PLAN_KINDS; k++)
		if (strcmp(action, kinds[k].action) == 0) {
			p->kind[k].changes = rows;
			p->kind[k].people = people;
			if (k != PLAN_SKIP)
				p->people_changes += rows;
			return 0;
		}
	if (strcmp(action, "tag") == 0)
		p->tags += rows;
	else if (strcmp(action, "link") == 0)
		p->links += rows;
	else
		p->other += rows;
	return 0;
}

static int on_name(const char *name, void *arg)
{
	plan_group *g = arg;
	if (g->n_names < PLAN_NAMES && name)
		snprintf(g->names[g->n_names++], sizeof g->names[0], "%s", name);
	return 0;
}

int plan_summary_read(store *s, int64_t run, plan_summary *out, err_t *e)
{
	memset(out, 0, sizeof *out);
	for (int k = 0; k < PLAN_KINDS; k++) {
		out->kind[k].action = kinds[k].action;
		out->kind[k].label = kinds[k].label;
		out->kind[k].unit = kinds[k].unit;
	}
	if (store_log_run_counts(s, run, on_count, out, e) < 0)
		return -1;
	for (int k = 0; k < PLAN_KINDS; k++)
		if (out->kind[k].changes > 0 &&
		    store_log_run_names(s, run, kinds[k].action, PLAN_NAMES, on_name, &out->kind[k], e) < 0)
			return -1;
	return 0;
}

int plan_group_more(const plan_group *g)
{
	return g->people > g->n_names ? g->people - g->n_names : 0;
}
