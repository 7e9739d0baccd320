/* rules_cpu.c - the engine's decision cost with the network left out: builds N people the way
 * core/sync.c does (rules_person_init + the add_* slots, from a fixed pseudo-random mix of list
 * memberships, SF records, first-seen and changed values, webhook events) and calls rules_decide
 * for each. One person in memory at a time, as the engine's batches are.
 *
 *   rules_cpu N
 *
 * Prints key=value pairs: people, decisions, cpu_s, wall_s, ns_per_person, rss_kb (peak, whole
 * process), and counts per rule that decided. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "rules.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next_rand(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ull;
}

static int pick(int n)
{
	return (int)(next_rand() % (uint64_t)n);
}

/* One person, as the engine would hand it to the rules after reading both sides. */
static void make_person(rules_person *p, long i, int64_t now)
{
	rules_person_reset(p); /* the arrays of the last person are reused, as core/sync.c does */
	snprintf(p->email, sizeof p->email, "person%ld@bench.example", i);
	p->first_sync = pick(100) < 5; /* a few people are new to a first sync */
	p->import = RULES_IMPORT_NEW;
	p->connected_ms = now - 86400000LL * 30;
	p->last_rule = RULES_RULE_NONE;
	int has_ac = pick(100) < 90;
	if (has_ac) {
		snprintf(p->ac.contact_id, sizeof p->ac.contact_id, "%ld", 1000 + i);
		int nl = 1 + pick(5);
		for (int l = 0; l < nl; l++) {
			rules_ac_list *al = rules_person_add_list(p);
			snprintf(al->id, sizeof al->id, "%d", l + 1);
			int r = pick(100);
			al->status = r < 78 ? 1 : r < 95 ? 2 : r < 98 ? 0 : 3;
			al->ever_seen = pick(100) < 95;
			/* about one membership in ten changed since the last run */
			al->seen_status =
			    al->ever_seen ? (pick(100) < 10 ? (al->status == 1 ? 2 : 1) : al->status) : 0;
			al->at_ms = now - pick(86400) * 1000LL;
		}
		p->ac.bounced_hard = pick(100) < 2;
		p->ac.bounce_ever_seen = 1;
		p->ac.seen_bounced_hard = p->ac.bounced_hard && pick(100) < 50;
		p->ac.bounce_ms = p->ac.bounced_hard ? now - pick(86400) * 1000LL : 0;
		p->ac.tags = pick(100) < 80 ? RULES_TAG_BIT(RULES_TAG_ADDED_TO_CONTACT) : 0;
	}
	int ns = pick(100) < 10 ? 0 : 1 + (pick(100) < 20);
	for (int s = 0; s < ns; s++) {
		rules_sf_record *r = rules_person_add_sf(p);
		r->object = s == 0 ? RULES_OBJ_CONTACT : RULES_OBJ_LEAD;
		snprintf(r->id, sizeof r->id, "%s%012ld", s == 0 ? "003" : "00Q", i);
		r->has_email = 1;
		r->opted_out = pick(100) < 10;
		r->ever_seen = pick(100) < 95;
		r->seen_opted_out = r->ever_seen ? (pick(100) < 5 ? !r->opted_out : r->opted_out) : 0;
		r->linked = has_ac && r->ever_seen;
		r->modstamp_ms = now - pick(86400) * 1000LL;
		r->created_ms = now - 86400000LL * (1 + pick(400));
		snprintf(r->first_name, sizeof r->first_name, "Bench");
		snprintf(r->last_name, sizeof r->last_name, "Person %ld", i);
	}
	if (has_ac && pick(100) < 10) {
		rules_event *ev = rules_person_add_event(p);
		ev->source = RULES_SRC_AC;
		ev->kind = pick(2) ? RULES_EV_UNSUBSCRIBE : RULES_EV_SUBSCRIBE;
		ev->at_ms = now - pick(3600) * 1000LL;
		snprintf(ev->list_id, sizeof ev->list_id, "1");
	}
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000000;
	if (n < 1) {
		fprintf(stderr, "usage: rules_cpu N\n");
		return 2;
	}
	rules_person *p = malloc(sizeof *p);
	rules_result *res = malloc(sizeof *res);
	if (!p || !res)
		return 1;
	rules_person_init(p);
	rules_result_init(res);
	int64_t now = bu_wall_ms();
	long decisions = 0, refused = 0, by_rule[RULES_RULE_IMPORT + 1] = {0};
	long rss_start = bu_maxrss_kb();
	clock_t c0 = clock();
	int64_t w0 = bu_mono_ns();
	for (long i = 0; i < n; i++) {
		err_t e = {0};
		make_person(p, i, now);
		if (rules_decide(p, res, &e) < 0) {
			refused++;
			continue;
		}
		decisions += (long)res->n;
		if (res->rule >= RULES_RULE_NONE && res->rule <= RULES_RULE_IMPORT)
			by_rule[res->rule]++;
	}
	double cpu = (double)(clock() - c0) / CLOCKS_PER_SEC, wall = (double)(bu_mono_ns() - w0) / 1e9;
	printf(
	    "people=%ld decisions=%ld refused=%ld cpu_s=%.2f wall_s=%.2f ns_per_person=%.0f rss_start_kb=%ld "
	    "rss_kb=%ld struct_kb=%zu",
	    n, decisions, refused, cpu, wall, wall * 1e9 / (double)n, rss_start, bu_maxrss_kb(),
	    (sizeof *p + sizeof *res) / 1024);
	for (int r = RULES_RULE_NONE; r <= RULES_RULE_IMPORT; r++)
		if (by_rule[r])
			printf(" rule_%s=%ld", rules_rule_name((rules_rule)r), by_rule[r]);
	printf("\n");
	rules_person_free(p);
	rules_result_free(res);
	free(p);
	free(res);
	return refused == n ? 1 : 0;
}
