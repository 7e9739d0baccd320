/* test_people.c - the run's people map: people past the memory cap go to the scratch file and come
 * back whole, lookups find them there, and a walk visits everyone exactly once, a batch at a time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sync_int.h"

static void email_of(int i, char *out, size_t cap)
{
	snprintf(out, cap, "person%05d@example.com", i);
}

/* Everything a person can carry, derived from i so it can be checked after the round trip. */
static void fill(work_person *p, int i)
{
	p->ac_read = 1;
	snprintf(p->ac_id, sizeof p->ac_id, "%d", 1000 + i);
	snprintf(p->ac_udate, sizeof p->ac_udate, "2026-11-26T10:%02d:00-06:00", i % 60);
	p->bounced_hard = i % 2;
	p->bounce_ms = i % 2 ? 1795687200000LL + i : 0;
	for (int l = 0; l < i % 4; l++) {
		char id[8];
		snprintf(id, sizeof id, "%d", l + 1);
		assert_int_equal(person_add_list(p, id, 1 + (i + l) % 3, 1795687200000LL + l), 0);
	}
	for (int r = 0; r < i % 3; r++) {
		sf_snapshot s;
		memset(&s, 0, sizeof s);
		snprintf(s.id, sizeof s.id, "003%015d", i * 10 + r);
		snprintf(s.object, sizeof s.object, "%s", r ? "Lead" : "Contact");
		snprintf(s.email, sizeof s.email, "%s", p->email);
		snprintf(s.first_name, sizeof s.first_name, "First%d", i);
		s.opted_out = (i + r) % 2;
		assert_int_equal(person_add_sf(p, &s), 0);
	}
	if (i % 5 == 0) {
		rules_event ev;
		memset(&ev, 0, sizeof ev);
		ev.kind = RULES_EV_UNSUBSCRIBE;
		ev.at_ms = 1795687200000LL + i;
		snprintf(ev.list_id, sizeof ev.list_id, "%d", 1 + i % 3);
		assert_int_equal(person_add_event(p, 50000 + i, &ev), 0);
	}
}

static void check(const work_person *p, int i)
{
	char email[64];
	email_of(i, email, sizeof email);
	assert_string_equal(p->email, email);
	assert_int_equal(p->ac_read, 1);
	char want[32];
	snprintf(want, sizeof want, "%d", 1000 + i);
	assert_string_equal(p->ac_id, want);
	assert_int_equal(p->bounced_hard, i % 2);
	assert_int_equal(p->bounce_ms, i % 2 ? 1795687200000LL + i : 0);
	assert_int_equal(p->n_lists, (size_t)(i % 4));
	for (int l = 0; l < i % 4; l++) {
		snprintf(want, sizeof want, "%d", l + 1);
		assert_string_equal(p->lists[l].id, want);
		assert_int_equal(p->lists[l].status, 1 + (i + l) % 3);
		assert_int_equal(p->lists[l].at_ms, 1795687200000LL + l);
	}
	assert_int_equal(p->n_sf, (size_t)(i % 3));
	for (int r = 0; r < i % 3; r++) {
		snprintf(want, sizeof want, "003%015d", i * 10 + r);
		assert_string_equal(p->sf[r].id, want);
		assert_string_equal(p->sf[r].object, r ? "Lead" : "Contact");
		assert_int_equal(p->sf[r].opted_out, (i + r) % 2);
		snprintf(want, sizeof want, "First%d", i);
		assert_string_equal(p->sf[r].first_name, want);
	}
	assert_int_equal(p->n_events, i % 5 == 0 ? 1u : 0u);
	if (i % 5 == 0) {
		assert_int_equal(p->events[0].stored_id, 50000 + i);
		assert_int_equal(p->events[0].ev.kind, RULES_EV_UNSUBSCRIBE);
		assert_int_equal(p->events[0].ev.at_ms, 1795687200000LL + i);
	}
}

/* Adds n people in a scrambled order, each filled in two halves (the second after others came in
 * between, so people are fetched back from disk and changed there). */
static void add_people(people_map *m, int n)
{
	char email[64];
	for (int k = 0; k < n; k++) {
		int i = (k * 7919) % n; /* n is not a multiple of 7919: a permutation */
		email_of(i, email, sizeof email);
		work_person *p = people_get(m, email);
		assert_non_null(p);
		fill(p, i);
	}
}

static void spilled_people_come_back_whole(void **state)
{
	(void)state;
	people_map m;
	people_init(&m, 50);
	add_people(&m, 1000);
	assert_int_equal(m.total, 1000);
	assert_true(m.spilled);
	assert_true(m.count <= 50);
	char email[64];
	for (int i = 0; i < 1000; i += 37) {
		email_of(i, email, sizeof email);
		work_person *p = people_lookup(&m, email);
		assert_non_null(p);
		check(p, i);
	}
	/* a second get of a known person is the same person, not a new one */
	email_of(999, email, sizeof email);
	work_person *p = people_get(&m, email);
	assert_non_null(p);
	assert_int_equal(p->n_lists, 999 % 4);
	assert_int_equal(m.total, 1000);
	assert_null(people_lookup(&m, "nobody@example.com"));
	assert_int_equal(m.err.kind, ERR_NONE);
	people_free(&m);
}

static void changes_after_a_trip_to_disk_are_kept(void **state)
{
	(void)state;
	people_map m;
	people_init(&m, 10);
	add_people(&m, 100);
	char email[64];
	email_of(42, email, sizeof email);
	work_person *p = people_lookup(&m, email);
	assert_non_null(p);
	assert_int_equal(person_add_list(p, "9", 2, 7), 0);
	add_people(&m, 100); /* pushes 42 to disk again; fill() updates lists/records in place */
	p = people_lookup(&m, email);
	assert_non_null(p);
	assert_int_equal(p->n_lists, 42 % 4 + 1);
	assert_string_equal(p->lists[p->n_lists - 1].id, "9");
	assert_int_equal(p->lists[p->n_lists - 1].status, 2);
	people_free(&m);
}

typedef struct {
	int seen[1000];
	char last[64];
	size_t batches, max_batch, in_memory_max;
	people_map *m;
	int bump;
} walk;

static int on_batch(work_person **batch, size_t n, void *ud, err_t *e)
{
	(void)e;
	walk *w = ud;
	w->batches++;
	if (n > w->max_batch)
		w->max_batch = n;
	if (w->m->count > w->in_memory_max)
		w->in_memory_max = w->m->count;
	for (size_t i = 0; i < n; i++) {
		int id;
		assert_int_equal(sscanf(batch[i]->email, "person%d@", &id), 1);
		assert_true(id >= 0 && id < 1000);
		/* on disk the walk is in email order */
		assert_true(strcmp(batch[i]->email, w->last) > 0);
		snprintf(w->last, sizeof w->last, "%s", batch[i]->email);
		w->seen[id]++;
		check(batch[i], id);
		if (w->bump)
			batch[i]->bounced_hard = 7;
	}
	return 0;
}

static void a_walk_visits_everyone_once_in_batches(void **state)
{
	(void)state;
	people_map m;
	people_init(&m, 100);
	add_people(&m, 1000);
	walk *w = calloc(1, sizeof *w);
	w->m = &m;
	w->bump = 1;
	assert_int_equal(people_each(&m, 1, on_batch, w, NULL), 0);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(w->seen[i], 1);
	assert_true(w->max_batch <= 500);
	assert_true(w->batches >= 2);
	assert_int_equal(w->in_memory_max, 0); /* the batch is the caller's, the map holds nobody */
	/* kept: the change made in the walk is there afterwards */
	char email[64];
	email_of(123, email, sizeof email);
	work_person *p = people_lookup(&m, email);
	assert_non_null(p);
	assert_int_equal(p->bounced_hard, 7);
	people_free(&m);
	free(w);
}

static int count_batch(work_person **batch, size_t n, void *ud, err_t *e)
{
	(void)batch;
	(void)e;
	*(size_t *)ud += n;
	return 0;
}

static int fail_batch(work_person **batch, size_t n, void *ud, err_t *e)
{
	(void)batch;
	(void)n;
	(void)ud;
	return err_set(e, ERR_INTERNAL, "stop here");
}

static void a_small_run_stays_in_memory(void **state)
{
	(void)state;
	people_map m;
	people_init(&m, 0);
	add_people(&m, 300);
	assert_false(m.spilled);
	assert_int_equal(m.count, 300);
	size_t seen = 0;
	assert_int_equal(people_each(&m, 1, count_batch, &seen, NULL), 0);
	assert_int_equal(seen, 300);
	err_t e = {0};
	assert_int_equal(people_each(&m, 1, fail_batch, NULL, &e), -1);
	assert_string_equal(e.msg, "stop here");
	assert_false(m.frozen);
	people_free(&m);
}

/* While a walk is on, people created are held in memory (nothing the walk holds moves) and are
 * visited after everyone else: the "" person of records without an address, for one. */
static int create_during(work_person **batch, size_t n, void *ud, err_t *e)
{
	(void)e;
	walk *w = ud;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(batch[i]->email, "") == 0) {
			w->seen[0] += 100;
			continue;
		}
		w->batches++;
		work_person *q = people_get(w->m, "");
		assert_non_null(q);
		assert_int_equal(q->n_sf, 0);
	}
	return 0;
}

static void people_created_in_the_last_walk_are_visited(void **state)
{
	(void)state;
	people_map m;
	people_init(&m, 20);
	add_people(&m, 200);
	walk *w = calloc(1, sizeof *w);
	w->m = &m;
	assert_int_equal(people_each(&m, 0, create_during, w, NULL), 0);
	assert_int_equal(w->batches, 200);
	assert_int_equal(w->seen[0], 100); /* one "" person, visited once, at the end */
	people_free(&m);
	free(w);
}

/* ---- people far past any per-person bound: a placeholder email on 5,000 SF records, an AC contact
 * on 300 lists. They travel through the map (in memory, or to disk and back) whole, and the rules
 * decide them whole: every record gets the same value. */
enum { BIG_SF = 5000, BIG_LISTS = 300 };

static void fill_big(people_map *m)
{
	work_person *p = people_get(m, "noemail@example.com");
	assert_non_null(p);
	for (int r = 0; r < BIG_SF; r++) {
		sf_snapshot s;
		memset(&s, 0, sizeof s);
		snprintf(s.id, sizeof s.id, "%s%015d", r % 2 ? "00Q" : "003", r);
		snprintf(s.object, sizeof s.object, "%s", r % 2 ? "Lead" : "Contact");
		snprintf(s.email, sizeof s.email, "noemail@example.com");
		s.opted_out = r == BIG_SF - 1;
		assert_int_equal(person_add_sf(p, &s), 0);
	}
	p = people_get(m, "lists@example.com");
	assert_non_null(p);
	p->ac_read = 1;
	snprintf(p->ac_id, sizeof p->ac_id, "77");
	for (int l = 0; l < BIG_LISTS; l++) {
		char id[8];
		snprintf(id, sizeof id, "%d", l + 1);
		assert_int_equal(person_add_list(p, id, 1, 1795687200000LL + l), 0);
	}
	sf_snapshot s;
	memset(&s, 0, sizeof s);
	snprintf(s.id, sizeof s.id, "003000000000000001");
	snprintf(s.object, sizeof s.object, "Contact");
	snprintf(s.email, sizeof s.email, "lists@example.com");
	s.opted_out = 1;
	assert_int_equal(person_add_sf(p, &s), 0);
	/* Ordinary people around them, enough to send everyone to disk with a small cap. */
	char email[64];
	for (int i = 0; i < 40; i++) {
		email_of(i, email, sizeof email);
		assert_non_null(people_get(m, email));
	}
}

typedef struct {
	int big_sf, big_lists;
} big_walk;

/* The rules' view of one person as read (every record and list seen before, unchanged but the
 * checked box), as core/sync.c builds it. */
static int decide_big(work_person **batch, size_t n, void *ud, err_t *e)
{
	big_walk *w = ud;
	(void)e;
	for (size_t i = 0; i < n; i++) {
		work_person *wp = batch[i];
		if (wp->n_sf < 2 && wp->n_lists < 2)
			continue;
		rules_person rp;
		rules_person_init(&rp);
		snprintf(rp.email, sizeof rp.email, "%s", wp->email);
		snprintf(rp.ac.contact_id, sizeof rp.ac.contact_id, "%s", wp->ac_id);
		for (size_t k = 0; k < wp->n_lists; k++) {
			rules_ac_list *l = rules_person_add_list(&rp);
			assert_non_null(l);
			snprintf(l->id, sizeof l->id, "%s", wp->lists[k].id);
			l->status = l->seen_status = wp->lists[k].status;
			l->ever_seen = true;
		}
		for (size_t k = 0; k < wp->n_sf; k++) {
			rules_sf_record *r = rules_person_add_sf(&rp);
			assert_non_null(r);
			r->object =
			    strcmp(wp->sf[k].object, "Lead") == 0 ? RULES_OBJ_LEAD : RULES_OBJ_CONTACT;
			snprintf(r->id, sizeof r->id, "%s", wp->sf[k].id);
			r->has_email = true;
			r->opted_out = wp->sf[k].opted_out;
			r->ever_seen = true;
			r->linked = true;
			r->modstamp_ms = 1795687200000LL;
		}
		rules_result res;
		rules_result_init(&res);
		err_t de = {0};
		assert_int_equal(rules_decide(&rp, &res, &de), 0);
		size_t opt_out = 0, unsub = 0;
		for (size_t k = 0; k < res.n; k++) {
			opt_out += res.d[k].action == RULES_ACT_OPT_OUT;
			unsub += res.d[k].action == RULES_ACT_UNSUBSCRIBE;
		}
		if (wp->n_sf == BIG_SF) {
			assert_int_equal(opt_out, BIG_SF - 1);
			w->big_sf++;
		} else {
			assert_int_equal(unsub, BIG_LISTS);
			w->big_lists++;
		}
		rules_result_free(&res);
		rules_person_free(&rp);
	}
	return 0;
}

static void big_people(size_t cap)
{
	people_map m;
	people_init(&m, cap);
	fill_big(&m);
	assert_int_equal(m.spilled, cap != 0 && cap < 42); /* 0: the default cap, a thousand */
	work_person *p = people_lookup(&m, "noemail@example.com");
	assert_non_null(p);
	assert_int_equal(p->n_sf, BIG_SF);
	assert_string_equal(p->sf[BIG_SF - 1].id, "00Q000000000004999");
	assert_int_equal(p->sf[BIG_SF - 1].opted_out, 1);
	p = people_lookup(&m, "lists@example.com");
	assert_non_null(p);
	assert_int_equal(p->n_lists, BIG_LISTS);
	assert_string_equal(p->lists[BIG_LISTS - 1].id, "300");
	big_walk w = {0};
	assert_int_equal(people_each(&m, 1, decide_big, &w, NULL), 0);
	assert_int_equal(w.big_sf, 1);
	assert_int_equal(w.big_lists, 1);
	people_free(&m);
}

/* The AC snapshot keeps all 300 memberships: cut JSON read back as "never seen" would make every
 * list look new on the next read. */
static void three_hundred_lists_fit_the_snapshot(void **state)
{
	(void)state;
	work_list l[BIG_LISTS];
	memset(l, 0, sizeof l);
	for (int i = 0; i < BIG_LISTS; i++) {
		snprintf(l[i].id, sizeof l[i].id, "%d", 10000 + i);
		l[i].status = 2;
	}
	ac_snapshot snap;
	assert_int_equal(lists_to_json(l, BIG_LISTS, snap.lists, sizeof snap.lists), 0);
	work_list *back = NULL;
	size_t n = 0;
	assert_int_equal(lists_from_json(snap.lists, &back, &n), 0);
	assert_int_equal(n, BIG_LISTS);
	free(back);
	/* Too small a buffer is refused, never cut. */
	char tiny[16] = "untouched";
	assert_int_equal(lists_to_json(l, BIG_LISTS, tiny, sizeof tiny), -1);
	assert_string_equal(tiny, "untouched");
}

static void big_people_in_memory(void **state)
{
	(void)state;
	big_people(0);
}

static void big_people_spilled(void **state)
{
	(void)state;
	big_people(7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(spilled_people_come_back_whole),
	    cmocka_unit_test(changes_after_a_trip_to_disk_are_kept),
	    cmocka_unit_test(a_walk_visits_everyone_once_in_batches),
	    cmocka_unit_test(a_small_run_stays_in_memory),
	    cmocka_unit_test(people_created_in_the_last_walk_are_visited),
	    cmocka_unit_test(big_people_in_memory),
	    cmocka_unit_test(big_people_spilled),
	    cmocka_unit_test(three_hundred_lists_fit_the_snapshot),
	};
	return cmocka_run_group_tests_name("people", tests, NULL, NULL);
}
