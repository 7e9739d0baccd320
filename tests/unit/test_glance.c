/* test_glance.c - what the at-a-glance pages read: the log's people-only filter (in the query,
 * paged), a run's counts and names, the preview's plan_summary, and contact_view's sentences. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "contact_view.h"
#include "plan_summary.h"
#include "store.h"
#include "store_log.h"
#include "store_sync.h"

typedef struct {
	char dir[64];
	char db[128];
	char key[128];
	store *s;
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	snprintf(f->dir, sizeof f->dir, "/tmp/optsync-glance-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->db, sizeof f->db, "%s/optsync.db", f->dir);
	snprintf(f->key, sizeof f->key, "%s/secret.key", f->dir);
	err_t e = {0};
	assert_int_equal(store_open(&f->s, f->db, f->key, &e), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	store_close(f->s);
	char cmd[256];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static void add(store *s, int64_t run, const char *email, const char *action, const char *status)
{
	log_entry l;
	memset(&l, 0, sizeof l);
	l.run = run;
	l.direction = strcmp(action, "opt_out") == 0 ? RULES_DIR_AC_TO_SF : RULES_DIR_SF_TO_AC;
	snprintf(l.email, sizeof l.email, "%s", email);
	snprintf(l.object, sizeof l.object, "Contact");
	snprintf(l.record, sizeof l.record, "003X%s", email);
	err_t e = {0};
	assert_int_equal(rules_action_parse(action, &l.action, &e), 0);
	assert_int_equal(action_status_parse(status, &l.status, &e), 0);
	assert_int_equal(store_log_append(s, &l, &e), 0);
}

typedef struct {
	int rows, tags;
	int64_t last;
} seen;

static int on_row(const log_entry *l, void *arg)
{
	seen *c = arg;
	c->rows++;
	c->tags += l->action == RULES_ACT_TAG || l->action == RULES_ACT_LINK;
	c->last = l->id;
	return 0;
}

/* 60 tags, then 3 opt-outs, a failed tag and a skip, then 60 more tags: the people rows are far
 * below the newest page of everything, so a filter in HTML would show none of them. */
static void people_only_is_filtered_in_the_query(void **state)
{
	fixture *f = *state;
	char em[64];
	for (int i = 0; i < 60; i++) {
		snprintf(em, sizeof em, "t%d@example.com", i);
		add(f->s, 1, em, "tag", "applied");
	}
	add(f->s, 1, "a@example.com", "opt_out", "applied");
	add(f->s, 1, "b@example.com", "opt_out", "applied");
	add(f->s, 1, "c@example.com", "unsubscribe", "applied");
	add(f->s, 1, "d@example.com", "tag", "failed");
	add(f->s, 1, "e@example.com", "skip", "skipped");
	for (int i = 0; i < 60; i++) {
		snprintf(em, sizeof em, "u%d@example.com", i);
		add(f->s, 1, em, "link", "applied");
	}
	err_t e = {0};
	seen c = {0};
	log_filter lf = {.limit = 51, .people_only = 1};
	assert_int_equal(store_log_query(f->s, &lf, on_row, &c, &e), 5);
	assert_int_equal(c.tags, 1); /* the failed tag: someone has to act on it */
	/* Paged the same way: two rows, then the rest from before the last one. */
	memset(&c, 0, sizeof c);
	lf.limit = 2;
	assert_int_equal(store_log_query(f->s, &lf, on_row, &c, &e), 2);
	lf.before_id = c.last;
	lf.limit = 50;
	memset(&c, 0, sizeof c);
	assert_int_equal(store_log_query(f->s, &lf, on_row, &c, &e), 3);
	/* Without the filter, everything; with other filters, both apply. */
	log_filter all = {.limit = 1000};
	memset(&c, 0, sizeof c);
	assert_int_equal(store_log_query(f->s, &all, on_row, &c, &e), 125);
	log_filter both = {.limit = 100, .people_only = 1, .status = "applied"};
	assert_int_equal(store_log_query(f->s, &both, on_row, &c, &e), 3);
}

static void plan_counts_and_names(void **state)
{
	fixture *f = *state;
	char em[64];
	for (int i = 0; i < 8; i++) {
		snprintf(em, sizeof em, "out%d@example.com", i);
		add(f->s, 7, em, "opt_out", "planned");
		add(f->s, 7, em, "tag", "planned");
	}
	add(f->s, 7, "out0@example.com", "opt_out", "planned"); /* a second record of the same person */
	add(f->s, 7, "two@example.com", "unsubscribe", "planned");
	add(f->s, 7, "two@example.com", "unsubscribe", "planned");
	add(f->s, 7, "", "skip", "planned"); /* a record without an email */
	add(f->s, 7, "new@example.com", "link", "planned");
	add(f->s, 8, "other-run@example.com", "opt_out", "planned");
	plan_summary p;
	err_t e = {0};
	assert_int_equal(plan_summary_read(f->s, 7, &p, &e), 0);
	const plan_group *g = &p.kind[PLAN_SF_CHECK];
	assert_string_equal(g->action, "opt_out");
	assert_int_equal(g->changes, 9);
	assert_int_equal(g->people, 8);
	assert_int_equal(g->n_names, PLAN_NAMES);
	assert_string_equal(g->names[0], "out0@example.com");
	assert_string_equal(g->names[4], "out4@example.com");
	assert_int_equal(plan_group_more(g), 3);
	g = &p.kind[PLAN_AC_UNSUBSCRIBE];
	assert_int_equal(g->changes, 2);
	assert_int_equal(g->people, 1);
	assert_int_equal(g->n_names, 1);
	assert_int_equal(plan_group_more(g), 0);
	g = &p.kind[PLAN_SKIP];
	assert_int_equal(g->changes, 1);
	assert_string_equal(g->names[0], "Contact 003X");
	assert_int_equal(p.kind[PLAN_SF_UNCHECK].changes, 0);
	assert_int_equal(p.kind[PLAN_AC_CREATE].changes, 0);
	assert_int_equal(p.people_changes, 11);
	assert_int_equal(p.tags, 8);
	assert_int_equal(p.links, 1);
	assert_int_equal(p.other, 0);
	/* A run with no rows is all zeros. */
	assert_int_equal(plan_summary_read(f->s, 99, &p, &e), 0);
	assert_int_equal(p.people_changes + p.tags + p.links, 0);
}

static void put_sf(store *s, const char *id, const char *object, const char *email, int out, int converted)
{
	sf_snapshot r;
	memset(&r, 0, sizeof r);
	snprintf(r.id, sizeof r.id, "%s", id);
	snprintf(r.object, sizeof r.object, "%s", object);
	snprintf(r.email, sizeof r.email, "%s", email);
	r.opted_out = out;
	r.is_converted = converted;
	err_t e = {0};
	assert_int_equal(store_sf_put(s, &r, &e), 0);
}

static void contact_view_explains_the_box(void **state)
{
	fixture *f = *state;
	err_t e = {0};
	contact_view *v;
	/* Unknown: nothing anywhere. */
	assert_int_equal(contact_view_read(f->s, "nobody@example.com", &v, &e), 0);
	assert_int_equal(v->known, 0);
	assert_string_equal(v->state, "optsync has no Salesforce record with this address.");
	assert_string_equal(v->why, "optsync has not changed anything for this person yet.");
	contact_view_free(v);

	/* Two records, one checked; AC subscribed to one list of two. */
	put_sf(f->s, "003A", "Contact", "p@example.com", 1, 0);
	put_sf(f->s, "00QB", "Lead", "p@example.com", 0, 0);
	put_sf(f->s, "00QC", "Lead", "p@example.com", 1, 1); /* converted: never written, not counted */
	ac_snapshot ac;
	memset(&ac, 0, sizeof ac);
	snprintf(ac.id, sizeof ac.id, "42");
	snprintf(ac.email, sizeof ac.email, "p@example.com");
	snprintf(ac.lists, sizeof ac.lists, "{\"1\":1,\"2\":2}");
	snprintf(ac.tags, sizeof ac.tags, "[\"added-to-salesforce-contact\"]");
	assert_int_equal(store_ac_put(f->s, &ac, &e), 0);
	log_entry l;
	memset(&l, 0, sizeof l);
	snprintf(l.at, sizeof l.at, "2026-11-26T14:09:25Z");
	snprintf(l.email, sizeof l.email, "p@example.com");
	l.action = RULES_ACT_OPT_OUT;
	l.status = ACTION_APPLIED;
	snprintf(l.reason, sizeof l.reason, "R2: unsubscribed from every list");
	assert_int_equal(store_log_append(f->s, &l, &e), 0);
	add(f->s, 3, "p@example.com", "tag", "applied"); /* newer, but bookkeeping: not the decision */
	assert_int_equal(contact_view_read(f->s, "p@example.com", &v, &e), 0);
	assert_int_equal(v->known, 1);
	assert_int_equal(v->n_sf, 3);
	assert_int_equal(v->ac_found, 1);
	assert_int_equal(v->n_lists, 2);
	assert_int_equal(v->ac_subscribed, 1);
	assert_string_equal(v->state, "Email Opt Out is checked on 1 of 2 Salesforce records.");
	assert_string_equal(v->why,
	                    "Last decision, 2026-11-26 14:09:25 UTC: R2: unsubscribed from every list");
	assert_int_equal(v->different, 1);
	contact_view_free(v);

	/* One record, checked, and AC on no subscribed list: the sides agree. */
	put_sf(f->s, "003D", "Contact", "q@example.com", 1, 0);
	snprintf(ac.id, sizeof ac.id, "43");
	snprintf(ac.email, sizeof ac.email, "q@example.com");
	snprintf(ac.lists, sizeof ac.lists, "{\"1\":2}");
	assert_int_equal(store_ac_put(f->s, &ac, &e), 0);
	assert_int_equal(contact_view_read(f->s, "q@example.com", &v, &e), 0);
	assert_string_equal(v->state, "Email Opt Out is checked on the Salesforce record.");
	assert_int_equal(v->different, 0);
	assert_string_equal(contact_view_list_status(v->lists[0].status), "unsubscribed");
	contact_view_free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(people_only_is_filtered_in_the_query, setup, teardown),
	    cmocka_unit_test_setup_teardown(plan_counts_and_names, setup, teardown),
	    cmocka_unit_test_setup_teardown(contact_view_explains_the_box, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
