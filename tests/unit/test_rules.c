/* test_rules.c - the sync rules (SPEC section 1) as a table of people and the exact decisions each gets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "rules.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* 2026-11-26T10:00:00Z, and minutes after it. */
#define T0 1795687200000LL
#define AT(min) (T0 + (int64_t)(min)*60000)

/* How a record's or list's "seen" value relates to its value now. */
enum { SAME = 0, NEVER, FLIP, WAS };

struct sf_in {
	rules_object obj;
	const char *id;
	int now;
	int seen;        /* SAME, NEVER, FLIP (seen the opposite) */
	int64_t at;      /* SystemModstamp */
	int64_t changed; /* field history */
	int64_t created;
	bool conv;
	const char *conv_to;
	bool unlinked;
	bool echo;
	bool noemail;
	const char *first, *last;
};

struct list_in {
	const char *id;
	int status;
	int seen; /* SAME, NEVER, WAS */
	int was;
	int64_t at;
	bool echo;
};

struct ev_in {
	rules_event_kind kind;
	const char *list;
	int64_t at;
	bool echo;
	bool used;
};

struct tcase {
	const char *name;
	bool first;
	rules_import import;
	int64_t connected;
	const char *ac; /* AC contact id, NULL for none */
	unsigned tags;
	int bounced, bseen, bwas;
	int64_t bounce_at;
	struct sf_in sf[6];
	struct list_in lists[6];
	struct ev_in ev[4];
	rules_desired desired;
	rules_rule rule;
	const char
	    *want[12]; /* "direction action object record[/list][ tag] rule[ from=..|src=..][ | reason]" */
};

#define CON(i, n, ...)                                                                                       \
	{                                                                                                    \
		.obj = RULES_OBJ_CONTACT, .id = (i), .now = (n), __VA_ARGS__                                 \
	}
#define LEAD(i, n, ...)                                                                                      \
	{                                                                                                    \
		.obj = RULES_OBJ_LEAD, .id = (i), .now = (n), __VA_ARGS__                                    \
	}
#define L(i, s, ...)                                                                                         \
	{                                                                                                    \
		.id = (i), .status = (s), __VA_ARGS__                                                        \
	}
#define EV(k, l, t, ...)                                                                                     \
	{                                                                                                    \
		.kind = (k), .list = (l), .at = (t), .used = true, __VA_ARGS__                               \
	}
#define SUB RULES_EV_SUBSCRIBE
#define UNSUB RULES_EV_UNSUBSCRIBE
#define HARD RULES_EV_HARD_BOUNCE
#define SOFT RULES_EV_SOFT_BOUNCE
#define IN RULES_DESIRED_IN
#define OUT RULES_DESIRED_OUT
#define NONE RULES_DESIRED_NONE
#define R(n) RULES_RULE_R##n
#define TAGBIT(t) RULES_TAG_BIT(RULES_TAG_##t)

#define WHY_R1 "the person subscribed: Email Opt Out unchecked on every matching record"
#define WHY_R3 "a hard bounce opts out: Email Opt Out checked on every matching record"
#define WHY_R4_SF "same email: Email Opt Out checked on every matching record"
#define WHY_R4_AC "unsubscribe from every subscribed list"
#define WHY_R5_SF "same email: Email Opt Out unchecked on every matching record"
#define WHY_R5_AC "nothing in AC: only the person can re-subscribe"
#define CONVERTED(id)                                                                                        \
	"; Lead " id " is converted: never written (Salesforce rejects it: CANNOT_UPDATE_CONVERTED_LEAD)"
#define CHECKED_0 "Email Opt Out checked on Contact 003A at 2026-11-26T10:00:00Z"

static const struct tcase cases[] = {
    /* ---------------- R1: an AC subscribe unchecks every matching record that is checked */
    {.name = "r1_resubscribe_unchecks_every_checked_record",
     .ac = "42",
     .sf = {CON("003A", 1), LEAD("00QA", 1)},
     .lists = {L("2", 1, .seen = WAS, .was = 2, .at = AT(5))},
     .desired = IN,
     .rule = R(1),
     .want = {"ac->sf opt_in Contact 003A R1 | AC subscribe to list 2 at 2026-11-26T10:05:00Z; " WHY_R1,
              "ac->sf opt_in Lead 00QA R1 | AC subscribe to list 2 at 2026-11-26T10:05:00Z; " WHY_R1}},
    {.name = "r1_only_checked_records_are_written",
     .ac = "42",
     .sf = {CON("003A", 1), LEAD("00QA", 0)},
     .lists = {L("2", 1, .seen = WAS, .was = 2, .at = AT(5))},
     .desired = IN,
     .rule = R(1),
     .want = {"ac->sf opt_in Contact 003A R1"}},
    {.name = "r1_webhook_subscribe",
     .ac = "42",
     .sf = {CON("003A", 1)},
     .lists = {L("2", 1)},
     .ev = {EV(SUB, "2", AT(5))},
     .desired = IN,
     .rule = R(1),
     .want = {"ac->sf opt_in Contact 003A R1 | AC subscribe to list 2 at 2026-11-26T10:05:00Z; " WHY_R1}},
    {.name = "r1_converted_lead_is_never_written",
     .ac = "42",
     .sf = {CON("003A", 1), LEAD("00QA", 1, .conv = true, .conv_to = "003A", .unlinked = true)},
     .lists = {L("2", 1, .seen = WAS, .was = 2, .at = AT(5))},
     .desired = IN,
     .rule = R(1),
     .want = {"ac->sf opt_in Contact 003A R1",
              "ac->sf skip Lead 00QA R1 | AC subscribe to list 2 at 2026-11-26T10:05:00Z; " WHY_R1 CONVERTED(
                  "00QA")}},
    {.name = "r1_new_subscription_nothing_to_uncheck",
     .ac = "42",
     .sf = {CON("003A", 0)},
     .lists = {L("2", 1, .seen = NEVER, .at = AT(5))},
     .desired = IN,
     .rule = R(1),
     .want = {NULL}},

    /* ---------------- R2: unsubscribed with no list left at status 1 checks the box */
    {.name = "r2_last_subscribed_list_unsubscribed",
     .ac = "42",
     .sf = {CON("003A", 0), LEAD("00QA", 0)},
     .lists = {L("2", 2, .seen = WAS, .was = 1, .at = AT(0)), L("3", 2)},
     .desired = OUT,
     .rule = R(2),
     .want =
         {"ac->sf opt_out Contact 003A R2 | AC unsubscribe from list 2 at 2026-11-26T10:00:00Z; no list "
          "still "
          "subscribed",
          "ac->sf opt_out Lead 00QA R2 | AC unsubscribe from list 2 at 2026-11-26T10:00:00Z; no list still "
          "subscribed"}},
    {.name = "r2_another_list_still_subscribed",
     .ac = "42",
     .sf = {CON("003A", 0)},
     .lists = {L("2", 2, .seen = WAS, .was = 1, .at = AT(0)), L("3", 1)},
     .desired = NONE,
     .rule = RULES_RULE_NONE,
     .want = {NULL}},
    {.name = "r2_webhook_before_the_read_catches_up",
     .ac = "42",
     .sf = {CON("003A", 0)},
     .lists = {L("2", 1)},
     .ev = {EV(UNSUB, "2", AT(0))},
     .desired = OUT,
     .rule = R(2),
     .want = {"ac->sf opt_out Contact 003A R2"}},
    {.name = "r2_unconfirmed_list_is_not_a_subscription",
     .ac = "42",
     .sf = {CON("003A", 0)},
     .lists = {L("2", 2, .seen = WAS, .was = 1, .at = AT(0)), L("4", 0)},
     .desired = OUT,
     .rule = R(2),
     .want = {"ac->sf opt_out Contact 003A R2"}},
    {.name = "r2_box_already_checked_writes_nothing",
     .ac = "42",
     .sf = {CON("003A", 1)},
     .lists = {L("2", 2, .seen = WAS, .was = 1, .at = AT(0))},
     .desired = OUT,
     .rule = R(2),
     .want = {NULL}},

    /* ---------------- R3: hard bounces check the box; soft bounces do nothing */
    {.name = "r3_hard_bounce_checks_box_and_leaves_lists",
     .ac = "42",
     .sf = {CON("003A", 0)},
     .lists = {L("2", 1)},
     .ev = {EV(HARD, "", AT(0))},
     .desired = OUT,
     .rule = R(3),
     .want = {"ac->sf opt_out Contact 003A R3 | AC hard bounce at 2026-11-26T10:00:00Z; " WHY_R3}},
    {.name = "r3_bounced_hard_rises",
     .ac = "42",
     .sf = {CON("003A", 0)},
     .bounced = 2,
     .bseen = WAS,
     .bwas = 1,
     .bounce_at = AT(0),
     .desired = OUT,
     .rule = R(3),
     .want = {"ac->sf opt_out Contact 003A R3 | AC hard bounce (bounced_hard 1 to 2) at "
              "2026-11-26T10:00:00Z; " WHY_R3}},
    {.name = "r3_bounced_hard_unchanged_is_no_event",
     .ac = "42",
     .sf = {CON("003A", 0)},
     .lists = {L("2", 1)},
     .bounced = 2,
     .bseen = SAME,
     .bounce_at = AT(0),
     .desired = NONE,
     .want = {NULL}},
    {.name = "r3_list_status_3",
     .ac = "42",
     .sf = {CON("003A", 0)},
     .lists = {L("2", 3, .seen = WAS, .was = 1, .at = AT(0))},
     .desired = OUT,
     .rule = R(3),
     .want =
         {"ac->sf opt_out Contact 003A R3 | AC list 2 status 3 (bounced) at 2026-11-26T10:00:00Z; " WHY_R3}},
    {.name = "soft_bounce_changes_nothing",
     .ac = "42",
     .sf = {CON("003A", 0)},
     .lists = {L("2", 1)},
     .ev = {EV(SOFT, "", AT(0))},
     .desired = NONE,
     .want = {NULL}},

    /* ---------------- R4: a checked box unsubscribes status-1 lists and checks the siblings */
    {.name = "r4_check_unsubscribes_only_status_1_lists",
     .ac = "42",
     .sf = {CON("003A", 1, .seen = FLIP, .at = AT(0)), LEAD("00QA", 0)},
     .lists = {L("1", 1), L("2", 0), L("3", 3), L("4", 2), L("5", 1)},
     .desired = OUT,
     .rule = R(4),
     .want = {"ac->sf opt_out Lead 00QA R4 | " CHECKED_0 "; " WHY_R4_SF,
              "sf->ac unsubscribe contact 42/1 R4 | " CHECKED_0 "; " WHY_R4_AC,
              "sf->ac unsubscribe contact 42/5 R4"}},
    {.name = "r4_lead_checked_contact_sharing_email_follows",
     .ac = "42",
     .sf = {LEAD("00QA", 1, .seen = FLIP, .at = AT(0)), CON("003A", 0)},
     .lists = {L("2", 1)},
     .desired = OUT,
     .rule = R(4),
     .want = {"ac->sf opt_out Contact 003A R4", "sf->ac unsubscribe contact 42/2 R4"}},
    {.name = "r4_record_first_seen_checked",
     .ac = "42",
     .sf = {LEAD("00QA", 1, .seen = NEVER, .at = AT(0))},
     .lists = {L("2", 1)},
     .desired = OUT,
     .rule = R(4),
     .want = {"sf->ac unsubscribe contact 42/2 R4 | Lead 00QA first seen with Email Opt Out checked at "
              "2026-11-26T10:00:00Z; " WHY_R4_AC}},
    {.name = "r4_without_ac_contact_checks_siblings",
     .import = RULES_IMPORT_NONE,
     .sf = {CON("003A", 1, .seen = FLIP, .at = AT(0)), LEAD("00QA", 0)},
     .desired = OUT,
     .rule = R(4),
     .want = {"ac->sf opt_out Lead 00QA R4"}},
    {.name = "r4_duplicate_contacts_all_get_the_value",
     .ac = "42",
     .sf = {CON("003A", 1, .seen = FLIP, .at = AT(0)), CON("003B", 0), CON("003C", 0)},
     .lists = {L("2", 2)},
     .desired = OUT,
     .rule = R(4),
     .want = {"ac->sf opt_out Contact 003B R4", "ac->sf opt_out Contact 003C R4"}},
    {.name = "sf_modstamp_moved_value_unchanged_is_no_event",
     .ac = "42",
     .sf = {CON("003A", 1, .at = AT(9))},
     .lists = {L("2", 1)},
     .desired = NONE,
     .want = {NULL}},
    {.name = "sf_checked_then_unchecked_between_reads_is_no_event",
     .ac = "42",
     .sf = {CON("003A", 0, .at = AT(9))},
     .lists = {L("2", 1)},
     .desired = NONE,
     .want = {NULL}},
    {.name = "sf_first_seen_unchecked_is_no_event",
     .ac = "42",
     .sf = {LEAD("00QA", 0, .seen = NEVER, .at = AT(0))},
     .lists = {L("2", 1)},
     .desired = NONE,
     .want = {NULL}},
    {.name = "record_without_email_is_not_written",
     .ac = "42",
     .sf = {CON("003A", 1, .seen = FLIP, .at = AT(0)), LEAD("00QA", 0, .noemail = true)},
     .lists = {L("2", 1)},
     .desired = OUT,
     .rule = R(4),
     .want = {"sf->ac unsubscribe contact 42/2 R4"}},
    {.name = "record_without_email_makes_no_event",
     .ac = "42",
     .sf = {CON("003A", 0), LEAD("00QB", 1, .seen = NEVER, .at = AT(0), .noemail = true)},
     .lists = {L("2", 1)},
     .desired = NONE,
     .want = {NULL}},

    /* ---------------- R5: unchecked in SF, nothing in AC, logged as skipped */
    {.name = "r5_uncheck_skips_ac_and_unchecks_siblings",
     .ac = "42",
     .sf = {CON("003A", 0, .seen = FLIP, .at = AT(0)), LEAD("00QA", 1)},
     .lists = {L("2", 2)},
     .desired = IN,
     .rule = R(5),
     .want = {"ac->sf opt_in Lead 00QA R5 | Email Opt Out unchecked on Contact 003A at "
              "2026-11-26T10:00:00Z; " WHY_R5_SF,
              "sf->ac skip contact 42 R5 | Email Opt Out unchecked on Contact 003A at "
              "2026-11-26T10:00:00Z; " WHY_R5_AC}},
    {.name = "r5_ac_already_subscribed_nothing_to_skip",
     .ac = "42",
     .sf = {CON("003A", 0, .seen = FLIP, .at = AT(0))},
     .lists = {L("2", 1)},
     .desired = IN,
     .rule = R(5),
     .want = {NULL}},
    {.name = "r5_without_ac_contact",
     .import = RULES_IMPORT_NONE,
     .sf = {CON("003A", 0, .seen = FLIP, .at = AT(0))},
     .desired = IN,
     .rule = R(5),
     .want = {NULL}},

    /* ---------------- ordering: the latest event decides; ties and unknown times go to opt-out */
    {.name = "latest_ac_unsubscribe_after_sf_uncheck",
     .ac = "42",
     .sf = {CON("003A", 0, .seen = FLIP, .at = AT(0))},
     .lists = {L("2", 2, .seen = WAS, .was = 1, .at = AT(5))},
     .desired = OUT,
     .rule = R(2),
     .want = {"ac->sf opt_out Contact 003A R2 | AC unsubscribe from list 2 at 2026-11-26T10:05:00Z; no list "
              "still "
              "subscribed"}},
    {.name = "latest_sf_uncheck_after_ac_unsubscribe",
     .ac = "42",
     .sf = {CON("003A", 0, .seen = FLIP, .at = AT(5))},
     .lists = {L("2", 2, .seen = WAS, .was = 1, .at = AT(0))},
     .desired = IN,
     .rule = R(5),
     .want = {"sf->ac skip contact 42 R5 | Email Opt Out unchecked on Contact 003A at "
              "2026-11-26T10:05:00Z; " WHY_R5_AC}},
    {.name = "latest_subscribe_after_sf_check",
     .ac = "42",
     .sf = {CON("003A", 1, .seen = FLIP, .at = AT(0))},
     .lists = {L("2", 1, .seen = WAS, .was = 2, .at = AT(5))},
     .desired = IN,
     .rule = R(1),
     .want = {"ac->sf opt_in Contact 003A R1"}},
    {.name = "latest_sf_check_after_subscribe",
     .ac = "42",
     .sf = {CON("003A", 1, .seen = FLIP, .at = AT(5))},
     .lists = {L("2", 1, .seen = WAS, .was = 2, .at = AT(0))},
     .desired = OUT,
     .rule = R(4),
     .want = {"sf->ac unsubscribe contact 42/2 R4"}},
    {.name = "tie_sf_check_and_subscribe_opt_out_wins",
     .ac = "42",
     .sf = {CON("003A", 1, .seen = FLIP, .at = AT(0))},
     .lists = {L("2", 1, .seen = WAS, .was = 2, .at = AT(0))},
     .desired = OUT,
     .rule = R(4),
     .want = {"sf->ac unsubscribe contact 42/2 R4 | " CHECKED_0 "; " WHY_R4_AC
              " (opt-out wins over AC subscribe to list 2 at 2026-11-26T10:00:00Z: same time)"}},
    {.name = "tie_subscribe_and_hard_bounce_opt_out_wins",
     .ac = "42",
     .sf = {CON("003A", 0)},
     .lists = {L("2", 1), L("3", 1)},
     .ev = {EV(SUB, "3", AT(0)), EV(HARD, "", AT(0))},
     .desired = OUT,
     .rule = R(3),
     .want = {"ac->sf opt_out Contact 003A R3 | AC hard bounce at 2026-11-26T10:00:00Z; " WHY_R3
              " (opt-out wins over AC subscribe to list 3 at 2026-11-26T10:00:00Z: same time)"}},
    {.name = "unknown_time_subscribe_loses_to_check",
     .ac = "42",
     .sf = {CON("003A", 1, .seen = FLIP, .at = AT(5))},
     .lists = {L("2", 1, .seen = WAS, .was = 2, .at = RULES_TIME_UNKNOWN)},
     .desired = OUT,
     .rule = R(4),
     .want = {"sf->ac unsubscribe contact 42/2 R4 | Email Opt Out checked on Contact 003A at "
              "2026-11-26T10:05:00Z; " WHY_R4_AC
              " (opt-out wins over AC subscribe to list 2 at an unknown time: time unknown)"}},
    {.name = "unknown_time_check_beats_later_subscribe",
     .ac = "42",
     .sf = {CON("003A", 1, .seen = FLIP, .at = RULES_TIME_UNKNOWN)},
     .lists = {L("2", 1, .seen = WAS, .was = 2, .at = AT(5))},
     .desired = OUT,
     .rule = R(4),
     .want = {"sf->ac unsubscribe contact 42/2 R4 | Email Opt Out checked on Contact 003A at an unknown "
              "time; " WHY_R4_AC
              " (opt-out wins over AC subscribe to list 2 at 2026-11-26T10:05:00Z: time unknown)"}},
    {.name = "unknown_times_on_both_sides",
     .ac = "42",
     .sf = {CON("003A", 0)},
     .lists = {L("3", 1)},
     .ev = {EV(SUB, "3", 0), EV(HARD, "", 0)},
     .desired = OUT,
     .rule = R(3),
     .want = {"ac->sf opt_out Contact 003A R3"}},
    {.name = "field_history_time_beats_systemmodstamp",
     .ac = "42",
     .sf = {CON("003A", 1, .seen = FLIP, .at = AT(10), .changed = AT(1))},
     .lists = {L("2", 1, .seen = WAS, .was = 2, .at = AT(5))},
     .desired = IN,
     .rule = R(1),
     .want = {"ac->sf opt_in Contact 003A R1"}},
    {.name = "r4_stands_beside_a_later_bounce",
     .ac = "42",
     .sf = {CON("003A", 1, .seen = FLIP, .at = AT(0)), LEAD("00QA", 0)},
     .lists = {L("2", 1)},
     .ev = {EV(HARD, "", AT(5))},
     .desired = OUT,
     .rule = R(3),
     .want = {"ac->sf opt_out Lead 00QA R3",
              "sf->ac unsubscribe contact 42/2 R4 | " CHECKED_0 "; " WHY_R4_AC}},
    {.name = "r4_overruled_by_a_later_subscribe",
     .ac = "42",
     .sf = {CON("003A", 1, .seen = FLIP, .at = AT(0)), LEAD("00QA", 0)},
     .lists = {L("2", 1), L("3", 1)},
     .ev = {EV(SUB, "3", AT(5)), EV(HARD, "", AT(10))},
     .desired = OUT,
     .rule = R(3),
     .want = {"ac->sf opt_out Lead 00QA R3"}},

    /* ---------------- echoes of optsync's own writes are not propagated */
    {.name = "echo_sf_write_read_back",
     .ac = "42",
     .sf = {CON("003A", 1, .seen = FLIP, .at = AT(0), .echo = true)},
     .lists = {L("2", 1)},
     .desired = NONE,
     .want = {NULL}},
    {.name = "echo_ac_webhook",
     .ac = "42",
     .sf = {CON("003A", 0)},
     .lists = {L("2", 2)},
     .ev = {EV(UNSUB, "2", AT(0), .echo = true)},
     .desired = NONE,
     .want = {NULL}},
    {.name = "echo_ac_list_change",
     .ac = "42",
     .sf = {CON("003A", 0)},
     .lists = {L("2", 2, .seen = WAS, .was = 1, .at = AT(0), .echo = true)},
     .desired = NONE,
     .want = {NULL}},
    {.name = "echo_later_than_real_event_does_not_decide",
     .ac = "42",
     .sf = {CON("003A", 1)},
     .lists = {L("2", 1, .seen = WAS, .was = 2, .at = AT(0))},
     .ev = {EV(UNSUB, "2", AT(5), .echo = true)},
     .desired = IN,
     .rule = R(1),
     .want = {"ac->sf opt_in Contact 003A R1"}},
    {.name = "second_run_after_apply_is_quiet",
     .ac = "42",
     .tags = TAGBIT(ADDED_TO_CONTACT),
     .sf = {CON("003A", 0, .at = AT(6)), LEAD("00QA", 0, .at = AT(6))},
     .lists = {L("2", 1, .at = AT(5))},
     .desired = NONE,
     .want = {NULL}},

    /* ---------------- first sync: opt-out is sticky */
    {.name = "first_sync_sf_opted_out_alone",
     .first = true,
     .ac = "42",
     .sf = {CON("003A", 1, .seen = NEVER, .at = AT(0)), LEAD("00QA", 0, .seen = NEVER)},
     .lists = {L("2", 1, .seen = NEVER, .at = AT(5))},
     .desired = OUT,
     .rule = RULES_RULE_FIRST_SYNC,
     .want = {"ac->sf opt_out Lead 00QA first-sync | first sync: opt-out is sticky; Contact 003A has Email "
              "Opt Out "
              "checked",
              "sf->ac unsubscribe contact 42/2 first-sync | first sync: opt-out is sticky; Contact 003A has "
              "Email "
              "Opt Out checked"}},
    {.name = "first_sync_ac_opted_out_alone",
     .first = true,
     .ac = "42",
     .sf = {CON("003A", 0, .seen = NEVER)},
     .lists = {L("2", 2, .seen = NEVER), L("3", 2, .seen = NEVER)},
     .desired = OUT,
     .rule = RULES_RULE_FIRST_SYNC,
     .want = {"ac->sf opt_out Contact 003A first-sync | first sync: opt-out is sticky; AC contact 42 is "
              "unsubscribed from every list it was on"}},
    {.name = "first_sync_ac_bounced",
     .first = true,
     .ac = "42",
     .sf = {CON("003A", 0, .seen = NEVER)},
     .lists = {L("2", 1, .seen = NEVER)},
     .bounced = 1,
     .bseen = NEVER,
     .desired = OUT,
     .rule = RULES_RULE_FIRST_SYNC,
     .want = {"ac->sf opt_out Contact 003A first-sync | first sync: opt-out is sticky; AC contact 42 "
              "hard-bounced"}},
    {.name = "first_sync_both_opted_out",
     .first = true,
     .ac = "42",
     .sf = {CON("003A", 1, .seen = NEVER), LEAD("00QA", 0, .seen = NEVER)},
     .lists = {L("2", 2, .seen = NEVER)},
     .desired = OUT,
     .rule = RULES_RULE_FIRST_SYNC,
     .want = {"ac->sf opt_out Lead 00QA first-sync | first sync: opt-out is sticky; Contact 003A has Email "
              "Opt Out "
              "checked and AC contact 42 is unsubscribed from every list it was on"}},
    {.name = "first_sync_neither_opted_out",
     .first = true,
     .ac = "42",
     .sf = {CON("003A", 0, .seen = NEVER)},
     .lists = {L("2", 1, .seen = NEVER)},
     .desired = IN,
     .rule = RULES_RULE_FIRST_SYNC,
     .want = {NULL}},
    {.name = "first_sync_subscription_alone_keeps_the_box",
     .first = true,
     .ac = "42",
     .sf = {CON("003A", 1, .seen = NEVER, .at = AT(0))},
     .lists = {L("2", 1, .seen = NEVER, .at = AT(5))},
     .ev = {EV(SUB, "2", AT(9))},
     .desired = OUT,
     .rule = RULES_RULE_FIRST_SYNC,
     .want = {"sf->ac unsubscribe contact 42/2 first-sync"}},
    {.name = "first_sync_unconfirmed_list_only",
     .first = true,
     .ac = "42",
     .sf = {CON("003A", 0, .seen = NEVER)},
     .lists = {L("2", 0, .seen = NEVER)},
     .desired = IN,
     .rule = RULES_RULE_FIRST_SYNC,
     .want = {NULL}},
    {.name = "first_sync_converted_lead_opt_out_carries",
     .first = true,
     .ac = "42",
     .sf = {LEAD("00QA", 1, .seen = NEVER, .conv = true, .conv_to = "003A", .unlinked = true),
            CON("003A", 0, .seen = NEVER)},
     .lists = {L("2", 1, .seen = NEVER)},
     .desired = OUT,
     .rule = RULES_RULE_FIRST_SYNC,
     .want = {"ac->sf opt_out Contact 003A first-sync | first sync: opt-out is sticky; Lead 00QA has Email "
              "Opt Out "
              "checked",
              "sf->ac unsubscribe contact 42/2 first-sync"}},

    /* ---------------- converted Leads */
    {.name = "converted_lead_skipped_on_r2",
     .ac = "42",
     .sf = {LEAD("00QA", 0, .conv = true, .conv_to = "003A", .unlinked = true), CON("003A", 0)},
     .lists = {L("2", 2, .seen = WAS, .was = 1, .at = AT(0))},
     .desired = OUT,
     .rule = R(2),
     .want = {"ac->sf skip Lead 00QA R2 | AC unsubscribe from list 2 at 2026-11-26T10:00:00Z; no list still "
              "subscribed" CONVERTED("00QA"),
              "ac->sf opt_out Contact 003A R2"}},
    {.name = "conversion_moves_link_and_carries_opt_out",
     .ac = "42",
     .sf = {LEAD("00QA", 1, .conv = true, .conv_to = "003A", .at = AT(0)), CON("003A", 0, .unlinked = true)},
     .lists = {L("2", 2)},
     .desired = OUT,
     .rule = RULES_RULE_CONVERSION,
     .want = {"sf->ac link Contact 003A conversion from=00QA | Lead 00QA converted to Contact 003A at "
              "2026-11-26T10:00:00Z: the link moves to the Contact",
              "ac->sf opt_out Contact 003A conversion | Lead 00QA converted to Contact 003A at "
              "2026-11-26T10:00:00Z "
              "with Email Opt Out checked; the Lead's opt-out carries over to the Contact",
              "sf->ac tag contact 42 salesforce-lead-converted-to-contact conversion | Salesforce Lead 00QA "
              "converted "
              "to Contact 003A"}},
    {.name = "conversion_contact_already_checked",
     .ac = "42",
     .sf = {LEAD("00QA", 1, .conv = true, .conv_to = "003A", .at = AT(0)), CON("003A", 1, .unlinked = true)},
     .lists = {L("2", 2)},
     .desired = NONE,
     .want = {"sf->ac link Contact 003A conversion from=00QA",
              "sf->ac tag contact 42 salesforce-lead-converted-to-contact conversion"}},
    {.name = "conversion_tag_already_there",
     .ac = "42",
     .tags = TAGBIT(LEAD_CONVERTED) | TAGBIT(ADDED_TO_LEAD),
     .sf = {LEAD("00QA", 1, .conv = true, .conv_to = "003A", .at = AT(0)), CON("003A", 0, .unlinked = true)},
     .lists = {L("2", 2)},
     .desired = OUT,
     .rule = RULES_RULE_CONVERSION,
     .want = {"sf->ac link Contact 003A conversion from=00QA", "ac->sf opt_out Contact 003A conversion"}},
    {.name = "conversion_unchecked_lead_leaves_contact_checked",
     .ac = "42",
     .sf = {LEAD("00QA", 0, .conv = true, .conv_to = "003A", .at = AT(0)), CON("003A", 1, .unlinked = true)},
     .lists = {L("2", 2)},
     .desired = NONE,
     .want = {"sf->ac link Contact 003A conversion from=00QA",
              "sf->ac tag contact 42 salesforce-lead-converted-to-contact conversion"}},
    {.name = "conversion_then_later_subscribe",
     .ac = "42",
     .sf = {LEAD("00QA", 1, .conv = true, .conv_to = "003A", .at = AT(0)), CON("003A", 0, .unlinked = true)},
     .lists = {L("2", 1)},
     .ev = {EV(SUB, "2", AT(5))},
     .desired = IN,
     .rule = R(1),
     .want = {"sf->ac link Contact 003A conversion from=00QA", "ac->sf skip Lead 00QA R1",
              "sf->ac tag contact 42 salesforce-lead-converted-to-contact conversion"}},
    {.name = "conversion_with_18_char_contact_id",
     .ac = "42",
     .sf = {LEAD("00Q000000000001", 1, .conv = true, .conv_to = "003000000000001AAA", .at = AT(0)),
            CON("003000000000001", 1)},
     .lists = {L("2", 2)},
     .tags = TAGBIT(LEAD_CONVERTED),
     .desired = NONE,
     .want = {"sf->ac link Contact 003000000000001 conversion from=00Q000000000001"}},
    {.name = "unlinked_converted_lead_gets_no_link",
     .ac = "42",
     .sf = {LEAD("00QA", 0, .conv = true, .conv_to = "003A", .unlinked = true), CON("003A", 0)},
     .lists = {L("2", 1)},
     .desired = NONE,
     .want = {NULL}},

    /* ---------------- links and tags */
    {.name = "existing_ac_contact_linked_tags_both_objects",
     .ac = "42",
     .sf = {LEAD("00QA", 0, .unlinked = true), CON("003A", 0, .unlinked = true)},
     .lists = {L("2", 1)},
     .desired = NONE,
     .want = {"sf->ac link Lead 00QA link | Lead 00QA matches AC contact 42 by email",
              "sf->ac link Contact 003A link | Contact 003A matches AC contact 42 by email",
              "sf->ac tag contact 42 added-to-salesforce-lead link | AC contact 42 linked to Salesforce Lead "
              "00QA",
              "sf->ac tag contact 42 added-to-salesforce-contact link | AC contact 42 linked to Salesforce "
              "Contact "
              "003A"}},
    {.name = "tag_the_contact_has_is_not_added",
     .ac = "42",
     .tags = TAGBIT(ADDED_TO_LEAD),
     .sf = {LEAD("00QA", 0, .unlinked = true)},
     .lists = {L("2", 1)},
     .desired = NONE,
     .want = {"sf->ac link Lead 00QA link"}},
    {.name = "two_new_leads_one_tag",
     .ac = "42",
     .sf = {LEAD("00QA", 0, .unlinked = true), LEAD("00QB", 0, .unlinked = true)},
     .lists = {L("2", 1)},
     .desired = NONE,
     .want = {"sf->ac link Lead 00QA link", "sf->ac link Lead 00QB link",
              "sf->ac tag contact 42 added-to-salesforce-lead link"}},
    {.name = "new_link_with_a_first_seen_checked_record",
     .ac = "42",
     .sf = {LEAD("00QA", 1, .seen = NEVER, .unlinked = true, .at = AT(0))},
     .lists = {L("2", 1)},
     .desired = OUT,
     .rule = R(4),
     .want = {"sf->ac link Lead 00QA link", "sf->ac unsubscribe contact 42/2 R4",
              "sf->ac tag contact 42 added-to-salesforce-lead link"}},

    /* ---------------- import (sf_import) */
    {.name = "import_none_creates_nothing",
     .import = RULES_IMPORT_NONE,
     .connected = AT(0),
     .sf = {CON("003A", 0, .created = AT(10), .unlinked = true)},
     .desired = NONE,
     .want = {NULL}},
    {.name = "import_new_record_created_after_connecting",
     .import = RULES_IMPORT_NEW,
     .connected = AT(0),
     .sf = {CON("003A", 0, .created = AT(10), .unlinked = true)},
     .desired = NONE,
     .want =
         {"sf->ac create contact - import src=003A | Contact 003A has no AC contact; sf_import is new and it "
          "was "
          "created at 2026-11-26T10:10:00Z, after connecting",
          "sf->ac link Contact 003A import | Contact 003A matches the AC contact created for this email by "
          "email",
          "sf->ac tag contact - created-from-salesforce-contact import | AC contact created from Salesforce "
          "Contact 003A"}},
    {.name = "import_new_record_created_before_connecting",
     .import = RULES_IMPORT_NEW,
     .connected = AT(0),
     .sf = {CON("003A", 0, .created = AT(-10), .unlinked = true)},
     .desired = NONE,
     .want = {NULL}},
    {.name = "import_new_creation_time_unknown",
     .import = RULES_IMPORT_NEW,
     .connected = AT(0),
     .sf = {CON("003A", 0, .unlinked = true)},
     .desired = NONE,
     .want = {NULL}},
    {.name = "import_all_old_record",
     .import = RULES_IMPORT_ALL,
     .connected = AT(0),
     .sf = {CON("003A", 0, .created = AT(-10), .unlinked = true)},
     .desired = NONE,
     .want = {"sf->ac create contact - import src=003A | Contact 003A has no AC contact; sf_import is all",
              "sf->ac link Contact 003A import",
              "sf->ac tag contact - created-from-salesforce-contact import"}},
    {.name = "import_prefers_the_contact_and_tags_the_lead",
     .import = RULES_IMPORT_ALL,
     .sf = {LEAD("00QA", 0, .unlinked = true), CON("003A", 0, .unlinked = true)},
     .desired = NONE,
     .want = {"sf->ac create contact - import src=003A", "sf->ac link Lead 00QA import",
              "sf->ac link Contact 003A import",
              "sf->ac tag contact - created-from-salesforce-contact import",
              "sf->ac tag contact - added-to-salesforce-lead import | the AC contact created for this email "
              "linked to "
              "Salesforce Lead 00QA"}},
    {.name = "import_new_picks_the_new_lead_over_an_old_contact",
     .import = RULES_IMPORT_NEW,
     .connected = AT(0),
     .sf = {CON("003A", 0, .created = AT(-10), .unlinked = true),
            LEAD("00QA", 0, .created = AT(10), .unlinked = true)},
     .desired = NONE,
     .want = {"sf->ac create contact - import src=00QA", "sf->ac link Contact 003A import",
              "sf->ac link Lead 00QA import", "sf->ac tag contact - created-from-salesforce-lead import",
              "sf->ac tag contact - added-to-salesforce-contact import"}},
    {.name = "import_skips_a_converted_lead",
     .import = RULES_IMPORT_ALL,
     .sf = {LEAD("00QA", 0, .conv = true, .conv_to = "003Z", .unlinked = true)},
     .desired = NONE,
     .want = {NULL}},
    {.name = "import_an_opted_out_record",
     .import = RULES_IMPORT_NEW,
     .connected = AT(0),
     .sf = {CON("003A", 1, .seen = NEVER, .at = AT(10), .created = AT(10), .unlinked = true)},
     .desired = OUT,
     .rule = R(4),
     .want = {"sf->ac create contact - import src=003A", "sf->ac link Contact 003A import",
              "sf->ac tag contact - created-from-salesforce-contact import"}},

    /* ---------------- a record first seen unchecked joins an opted-out person */
    {.name = "new_record_joins_a_checked_sibling",
     .ac = "42",
     .sf = {CON("003A", 1), LEAD("00QA", 0, .seen = NEVER)},
     .lists = {L("2", 2)},
     .desired = OUT,
     .rule = RULES_RULE_NEW_RECORD,
     .want = {"ac->sf opt_out Lead 00QA new-record | Lead 00QA first seen with Email Opt Out unchecked; the "
              "person is "
              "opted out (Contact 003A has Email Opt Out checked)"}},
    {.name = "new_record_only_record_ac_opted_out",
     .ac = "42",
     .sf = {LEAD("00QA", 0, .seen = NEVER)},
     .lists = {L("2", 2), L("3", 0)},
     .desired = OUT,
     .rule = RULES_RULE_NEW_RECORD,
     .want = {"ac->sf opt_out Lead 00QA new-record | Lead 00QA first seen with Email Opt Out unchecked; the "
              "person is "
              "opted out (AC contact 42 has no list subscribed)"}},
    {.name = "new_record_after_accepted_difference",
     .ac = "42",
     .sf = {CON("003A", 0), LEAD("00QA", 0, .seen = NEVER)},
     .lists = {L("2", 2)},
     .desired = NONE,
     .want = {NULL}},
};

static rules_person person;
static rules_result result;

static void build(const struct tcase *tc, rules_person *p)
{
	rules_person_reset(p); /* keeps the arrays of the last case: no leak, no realloc */
	snprintf(p->email, sizeof p->email, "ann@example.com");
	p->first_sync = tc->first;
	p->import = tc->import;
	p->connected_ms = tc->connected;
	if (tc->ac)
		snprintf(p->ac.contact_id, sizeof p->ac.contact_id, "%s", tc->ac);
	p->ac.tags = tc->tags;
	p->ac.bounced_hard = tc->bounced;
	p->ac.bounce_ever_seen = tc->bseen != NEVER;
	p->ac.seen_bounced_hard = tc->bseen == WAS ? tc->bwas : tc->bounced;
	p->ac.bounce_ms = tc->bounce_at;
	for (size_t i = 0; i < NELEM(tc->sf) && tc->sf[i].id; i++) {
		const struct sf_in *s = &tc->sf[i];
		rules_sf_record *r = rules_person_add_sf(p);
		assert_non_null(r);
		r->object = s->obj;
		snprintf(r->id, sizeof r->id, "%s", s->id);
		r->has_email = !s->noemail;
		r->opted_out = s->now;
		r->ever_seen = s->seen != NEVER;
		r->seen_opted_out = s->seen == FLIP ? !s->now : s->now;
		r->echo = s->echo;
		r->is_converted = s->conv;
		snprintf(r->converted_contact_id, sizeof r->converted_contact_id, "%s",
		         s->conv_to ? s->conv_to : "");
		r->linked = tc->ac && !s->unlinked;
		r->modstamp_ms = s->at;
		r->changed_ms = s->changed;
		r->created_ms = s->created;
		snprintf(r->first_name, sizeof r->first_name, "%s", s->first ? s->first : "");
		snprintf(r->last_name, sizeof r->last_name, "%s", s->last ? s->last : "");
	}
	for (size_t i = 0; i < NELEM(tc->lists) && tc->lists[i].id; i++) {
		const struct list_in *s = &tc->lists[i];
		rules_ac_list *l = rules_person_add_list(p);
		assert_non_null(l);
		snprintf(l->id, sizeof l->id, "%s", s->id);
		l->status = s->status;
		l->ever_seen = s->seen != NEVER;
		l->seen_status = s->seen == WAS ? s->was : s->status;
		l->at_ms = s->at;
		l->echo = s->echo;
	}
	for (size_t i = 0; i < NELEM(tc->ev) && tc->ev[i].used; i++) {
		rules_event *ev = rules_person_add_event(p);
		assert_non_null(ev);
		ev->source = RULES_SRC_AC;
		ev->kind = tc->ev[i].kind;
		ev->at_ms = tc->ev[i].at;
		ev->echo = tc->ev[i].echo;
		snprintf(ev->list_id, sizeof ev->list_id, "%s", tc->ev[i].list ? tc->ev[i].list : "");
	}
}

/* One decision as a line; the reason is appended after " | ". */
static void render(const rules_person *p, const rules_decision *d, char *buf, size_t n, bool with_reason)
{
	int k =
	    snprintf(buf, n, "%s %s %s %s", rules_direction_name(d->direction), rules_action_name(d->action),
	             rules_object_name(d->object), d->record_id[0] ? d->record_id : "-");
	if (d->list_id[0])
		k += snprintf(buf + k, n - (size_t)k, "/%s", d->list_id);
	if (d->tag != RULES_TAG_NONE)
		k += snprintf(buf + k, n - (size_t)k, " %s", rules_tag_name(d->tag));
	k += snprintf(buf + k, n - (size_t)k, " %s", rules_rule_name(d->rule));
	if (d->from_index >= 0)
		k += snprintf(buf + k, n - (size_t)k, " from=%s", p->sf[d->from_index].id);
	if (d->action == RULES_ACT_CREATE && d->sf_index >= 0)
		k += snprintf(buf + k, n - (size_t)k, " src=%s", p->sf[d->sf_index].id);
	if (with_reason)
		snprintf(buf + k, n - (size_t)k, " | %s", d->reason);
}

static void run_case(void **state)
{
	const struct tcase *tc = *state;
	err_t e;
	err_clear(&e);
	build(tc, &person);
	int rc = rules_decide(&person, &result, &e);
	if (rc != 0)
		fail_msg("%s: rules_decide failed: %s", tc->name, e.msg);
	size_t nwant = 0;
	while (nwant < NELEM(tc->want) && tc->want[nwant])
		nwant++;
	char got[1024];
	bool ok = result.n == nwant;
	for (size_t i = 0; ok && i < nwant; i++) {
		bool full = strstr(tc->want[i], " | ") != NULL;
		render(&person, &result.d[i], got, sizeof got, full);
		if (strcmp(got, tc->want[i]) != 0)
			ok = false;
	}
	if (!ok) {
		print_error("case %s: want %zu decisions:\n", tc->name, nwant);
		for (size_t i = 0; i < nwant; i++)
			print_error("  %s\n", tc->want[i]);
		print_error("got %zu:\n", result.n);
		for (size_t i = 0; i < result.n; i++) {
			render(&person, &result.d[i], got, sizeof got, true);
			print_error("  %s\n", got);
		}
		fail();
	}
	if (result.desired != tc->desired || result.rule != tc->rule)
		fail_msg("case %s: desired %s rule %s, want %s rule %s", tc->name,
		         rules_desired_name(result.desired), rules_rule_name(result.rule),
		         rules_desired_name(tc->desired), rules_rule_name(tc->rule));
	for (size_t i = 0; i < result.n; i++)
		assert_int_equal(result.d[i].desired, result.desired);
}

/* ---------------------------------------------------------------- the smaller functions */

static void test_normalize_email(void **state)
{
	(void)state;
	static const struct {
		const char *in, *want; /* want NULL: refused */
	} t[] = {
	    {"  Ann.Smith@Example.COM \t", "ann.smith@example.com"},
	    {"\r\nBOB@EXAMPLE.ORG\n", "bob@example.org"},
	    {"zoë@Example.com", "zoë@example.com"},
	    {"a@b", "a@b"},
	    {"", NULL},
	    {"   \t ", NULL},
	    {"no-at-sign.example.com", NULL},
	    {"@example.com", NULL},
	    {"ann@", NULL},
	    {"ann smith@example.com", NULL},
	    {"ann\x01@example.com", NULL},
	};
	char out[RULES_EMAIL_MAX + 1];
	for (size_t i = 0; i < NELEM(t); i++) {
		err_t e;
		err_clear(&e);
		int rc = rules_normalize_email(t[i].in, out, sizeof out, &e);
		if (t[i].want) {
			if (rc != 0)
				fail_msg("\"%s\": %s", t[i].in, e.msg);
			assert_string_equal(out, t[i].want);
		} else {
			if (rc != -1)
				fail_msg("\"%s\" accepted as \"%s\"", t[i].in, out);
			assert_int_equal(e.kind, ERR_USAGE);
			assert_string_equal(out, "");
		}
	}
	/* Length: 254 bytes pass, 255 do not (after trimming). */
	char big[300];
	memset(big, 'a', sizeof big);
	memcpy(big + 200, "@example.com", 12);
	big[255] = '\0';
	err_t e;
	assert_int_equal(rules_normalize_email(big, out, sizeof out, &e), -1);
	assert_int_equal(e.kind, ERR_USAGE);
	big[254] = '\0';
	assert_int_equal(rules_normalize_email(big, out, sizeof out, &e), 0);
	assert_int_equal(strlen(out), 254);
	char padded[320];
	snprintf(padded, sizeof padded, "  %s\t", big);
	assert_int_equal(rules_normalize_email(padded, out, sizeof out, &e), 0);
	assert_string_equal(out, big);
	/* In place, as `resync --email` may do. */
	char buf[64] = "  MiXeD@Case.Example ";
	assert_int_equal(rules_normalize_email(buf, buf, sizeof buf, &e), 0);
	assert_string_equal(buf, "mixed@case.example");
	/* A buffer too small is the caller's bug, not the address's. */
	char tiny[4];
	assert_int_equal(rules_normalize_email("a@bcdef", tiny, sizeof tiny, &e), -1);
	assert_int_equal(e.kind, ERR_INTERNAL);
	assert_int_equal(rules_normalize_email(NULL, out, sizeof out, &e), -1);
}

static void test_mixed_case_emails_are_one_person(void **state)
{
	(void)state;
	char a[RULES_EMAIL_MAX + 1], b[RULES_EMAIL_MAX + 1];
	err_t e;
	assert_int_equal(rules_normalize_email(" Ann@Example.com", a, sizeof a, &e), 0);
	assert_int_equal(rules_normalize_email("ann@EXAMPLE.COM\t", b, sizeof b, &e), 0);
	assert_string_equal(a, b);
	/* The person must be given already normalised. */
	build(&cases[0], &person);
	snprintf(person.email, sizeof person.email, "Ann@Example.com");
	assert_int_equal(rules_decide(&person, &result, &e), -1);
	assert_int_equal(e.kind, ERR_INTERNAL);
	assert_int_equal(result.n, 0);
}

static void test_format_time(void **state)
{
	(void)state;
	char buf[40];
	assert_string_equal(rules_format_time(T0, buf, sizeof buf), "2026-11-26T10:00:00Z");
	assert_string_equal(rules_format_time(T0 + 123, buf, sizeof buf), "2026-11-26T10:00:00.123Z");
	assert_string_equal(rules_format_time(1709251199000LL, buf, sizeof buf), "2024-02-29T23:59:59Z");
	assert_string_equal(rules_format_time(951868800000LL, buf, sizeof buf), "2000-03-01T00:00:00Z");
	assert_string_equal(rules_format_time(1, buf, sizeof buf), "1970-01-01T00:00:00.001Z");
	assert_string_equal(rules_format_time(0, buf, sizeof buf), "unknown");
	assert_string_equal(rules_format_time(-5, buf, sizeof buf), "unknown");
	char small[8];
	assert_string_equal(rules_format_time(T0, small, sizeof small), "2026-11");
}

/* The store reads actions and directions back by these names: each one parses to itself, and any
 * other word is refused (ERR_DB, naming it), never read as some other action. */
static void test_action_and_direction_parse(void **state)
{
	(void)state;
	for (int i = RULES_ACT_OPT_OUT; i <= RULES_ACT_SKIP; i++) {
		rules_action back = (rules_action)99;
		err_t e = {0};
		assert_int_equal(rules_action_parse(rules_action_name((rules_action)i), &back, &e), 0);
		assert_int_equal(back, i);
	}
	for (int i = RULES_DIR_AC_TO_SF; i <= RULES_DIR_NONE; i++) {
		rules_direction back = (rules_direction)99;
		err_t e = {0};
		assert_int_equal(rules_direction_parse(rules_direction_name((rules_direction)i), &back, &e), 0);
		assert_int_equal(back, i);
	}
	assert_string_equal(rules_direction_name(RULES_DIR_NONE), "");
	static const char *const bad_actions[] = {"opt-out", "Opt_out", "unsubscribe ", "", "?", "delete"};
	for (size_t i = 0; i < NELEM(bad_actions); i++) {
		rules_action out = RULES_ACT_SKIP;
		err_t e = {0};
		assert_int_equal(rules_action_parse(bad_actions[i], &out, &e), -1);
		assert_int_equal(e.kind, ERR_DB);
		assert_non_null(strstr(e.msg, "unknown action"));
		assert_int_equal(out, RULES_ACT_SKIP);
	}
	static const char *const bad_dirs[] = {"ac-sf", "AC->SF", "sf->ac ", "both", "?"};
	for (size_t i = 0; i < NELEM(bad_dirs); i++) {
		rules_direction out = RULES_DIR_SF_TO_AC;
		err_t e = {0};
		assert_int_equal(rules_direction_parse(bad_dirs[i], &out, &e), -1);
		assert_int_equal(e.kind, ERR_DB);
		assert_non_null(strstr(e.msg, bad_dirs[i]));
		assert_int_equal(out, RULES_DIR_SF_TO_AC);
	}
	rules_action a = RULES_ACT_TAG;
	rules_direction d = RULES_DIR_AC_TO_SF;
	assert_int_equal(rules_action_parse(NULL, &a, NULL), -1);
	assert_int_equal(rules_direction_parse(NULL, &d, NULL), -1);
	assert_int_equal(a, RULES_ACT_TAG);
	assert_int_equal(d, RULES_DIR_AC_TO_SF);
}

static void test_names_are_stable(void **state)
{
	(void)state;
	static const char *const actions[] = {"opt_out", "opt_in", "unsubscribe", "tag",
	                                      "create",  "link",   "skip"};
	for (int i = 0; i < (int)NELEM(actions); i++)
		assert_string_equal(rules_action_name((rules_action)i), actions[i]);
	assert_string_equal(rules_action_name((rules_action)99), "?");
	assert_string_equal(rules_direction_name(RULES_DIR_AC_TO_SF), "ac->sf");
	assert_string_equal(rules_direction_name(RULES_DIR_SF_TO_AC), "sf->ac");
	static const char *const rules[] = {"none",       "R1",         "R2",         "R3",   "R4",    "R5",
	                                    "first-sync", "conversion", "new-record", "link", "import"};
	for (int i = 0; i < (int)NELEM(rules); i++)
		assert_string_equal(rules_rule_name((rules_rule)i), rules[i]);
	assert_string_equal(rules_object_name(RULES_OBJ_CONTACT), "Contact");
	assert_string_equal(rules_object_name(RULES_OBJ_LEAD), "Lead");
	assert_string_equal(rules_object_name(RULES_OBJ_AC_CONTACT), "contact");
	static const char *const kinds[] = {"subscribe",   "unsubscribe", "hard_bounce",
	                                    "soft_bounce", "sf_checked",  "sf_unchecked"};
	for (int i = 0; i < (int)NELEM(kinds); i++)
		assert_string_equal(rules_event_kind_name((rules_event_kind)i), kinds[i]);
	assert_string_equal(rules_source_name(RULES_SRC_AC), "ac");
	assert_string_equal(rules_source_name(RULES_SRC_SF), "sf");
	assert_string_equal(rules_tag_name(RULES_TAG_CREATED_FROM_LEAD), "created-from-salesforce-lead");
	assert_string_equal(rules_tag_name(RULES_TAG_CREATED_FROM_CONTACT),
	                    "created-from-salesforce-contact");
	assert_string_equal(rules_tag_name(RULES_TAG_ADDED_TO_LEAD), "added-to-salesforce-lead");
	assert_string_equal(rules_tag_name(RULES_TAG_ADDED_TO_CONTACT), "added-to-salesforce-contact");
	assert_string_equal(rules_tag_name(RULES_TAG_LEAD_CONVERTED), "salesforce-lead-converted-to-contact");
	assert_string_equal(rules_desired_name(RULES_DESIRED_OUT), "opted_out");
	assert_string_equal(rules_side_name(RULES_SIDE_MIXED), "mixed");
	assert_string_equal(rules_import_name(RULES_IMPORT_NEW), "new");
}

static void test_tag_from_name(void **state)
{
	(void)state;
	for (int t = RULES_TAG_NONE + 1; t < RULES_TAG_COUNT; t++)
		assert_int_equal(rules_tag_from_name(rules_tag_name((rules_tag)t)), t);
	assert_int_equal(rules_tag_from_name("Added-To-Salesforce-Lead"), RULES_TAG_ADDED_TO_LEAD);
	assert_int_equal(rules_tag_from_name("added-to-salesforce"), RULES_TAG_NONE);
	assert_int_equal(rules_tag_from_name("vip"), RULES_TAG_NONE);
	assert_int_equal(rules_tag_from_name(""), RULES_TAG_NONE);
	assert_int_equal(rules_tag_from_name(NULL), RULES_TAG_NONE);
}

static void test_import_parse(void **state)
{
	(void)state;
	rules_import v = RULES_IMPORT_NEW;
	err_t e;
	assert_int_equal(rules_import_parse("none", &v, &e), 0);
	assert_int_equal(v, RULES_IMPORT_NONE);
	assert_int_equal(rules_import_parse("all", &v, &e), 0);
	assert_int_equal(v, RULES_IMPORT_ALL);
	assert_int_equal(rules_import_parse("new", &v, &e), 0);
	assert_int_equal(v, RULES_IMPORT_NEW);
	assert_int_equal(rules_import_parse("All", &v, &e), -1);
	assert_int_equal(e.kind, ERR_USAGE);
	assert_int_equal(rules_import_parse(NULL, &v, &e), -1);
}

static void test_sf_record_event(void **state)
{
	(void)state;
	rules_sf_record r;
	rules_event ev;
	memset(&r, 0, sizeof r);
	r.object = RULES_OBJ_LEAD;
	snprintf(r.id, sizeof r.id, "00QA");
	r.has_email = true;
	r.modstamp_ms = AT(3);

	r.opted_out = true; /* first seen checked */
	assert_int_equal(rules_sf_record_event(&r, &ev), 1);
	assert_int_equal(ev.source, RULES_SRC_SF);
	assert_int_equal(ev.kind, RULES_EV_SF_CHECKED);
	assert_true(ev.first_seen);
	assert_int_equal(ev.at_ms, AT(3));
	assert_int_equal(ev.object, RULES_OBJ_LEAD);
	assert_string_equal(ev.record_id, "00QA");

	r.opted_out = false; /* first seen unchecked */
	assert_int_equal(rules_sf_record_event(&r, &ev), 0);

	r.ever_seen = true; /* same value, moved modstamp */
	r.seen_opted_out = false;
	r.modstamp_ms = AT(9);
	assert_int_equal(rules_sf_record_event(&r, &ev), 0);
	r.opted_out = r.seen_opted_out = true;
	assert_int_equal(rules_sf_record_event(&r, &ev), 0);

	r.opted_out = false; /* unchecked; history gives the exact time; echo copied */
	r.changed_ms = AT(7);
	r.echo = true;
	assert_int_equal(rules_sf_record_event(&r, &ev), 1);
	assert_int_equal(ev.kind, RULES_EV_SF_UNCHECKED);
	assert_false(ev.first_seen);
	assert_int_equal(ev.at_ms, AT(7));
	assert_true(ev.echo);

	r.has_email = false;
	assert_int_equal(rules_sf_record_event(&r, &ev), 0);
}

static void test_ac_list_event(void **state)
{
	(void)state;
	static const struct {
		bool ever_seen;
		int seen, now;
		int want; /* -1 none, else the kind */
	} t[] = {
	    {false, 0, 1, RULES_EV_SUBSCRIBE},
	    {false, 0, 2, RULES_EV_UNSUBSCRIBE},
	    {false, 0, 3, RULES_EV_HARD_BOUNCE},
	    {false, 0, 0, -1},
	    {true, 1, 1, -1},
	    {true, 2, 2, -1},
	    {true, 2, 1, RULES_EV_SUBSCRIBE},
	    {true, 1, 2, RULES_EV_UNSUBSCRIBE},
	    {true, 1, 3, RULES_EV_HARD_BOUNCE},
	    {true, 2, 0, -1},
	};
	for (size_t i = 0; i < NELEM(t); i++) {
		rules_ac_list l;
		rules_event ev;
		memset(&l, 0, sizeof l);
		snprintf(l.id, sizeof l.id, "7");
		l.ever_seen = t[i].ever_seen;
		l.seen_status = t[i].seen;
		l.status = t[i].now;
		l.at_ms = AT(2);
		int got = rules_ac_list_event(&l, &ev);
		if (t[i].want < 0) {
			if (got != 0)
				fail_msg("row %zu: unexpected %s", i, rules_event_kind_name(ev.kind));
			continue;
		}
		assert_int_equal(got, 1);
		assert_int_equal(ev.kind, t[i].want);
		assert_int_equal(ev.source, RULES_SRC_AC);
		assert_string_equal(ev.list_id, "7");
		assert_int_equal(ev.at_ms, AT(2));
	}
}

static void test_is_echo(void **state)
{
	(void)state;
	static const rules_write w[] = {
	    {.object = RULES_OBJ_CONTACT, .record_id = "003000000000001AAA", .value = 1, .at_ms = AT(0)},
	    {.object = RULES_OBJ_AC_CONTACT, .record_id = "42", .list_id = "2", .value = 2, .at_ms = AT(0)},
	    {.object = RULES_OBJ_LEAD, .record_id = "00QA", .value = 0, .at_ms = 0},
	};
	static const struct {
		rules_write seen;
		bool want;
	} t[] = {
	    {{.object = RULES_OBJ_CONTACT, .record_id = "003000000000001AAA", .value = 1, .at_ms = AT(1)},
	     true},
	    {{.object = RULES_OBJ_CONTACT, .record_id = "003000000000001", .value = 1, .at_ms = AT(1)}, true},
	    {{.object = RULES_OBJ_CONTACT, .record_id = "003000000000001AAA", .value = 0, .at_ms = AT(1)},
	     false},
	    {{.object = RULES_OBJ_CONTACT, .record_id = "003000000000002AAA", .value = 1, .at_ms = AT(1)},
	     false},
	    {{.object = RULES_OBJ_CONTACT, .record_id = "003000000000001AAA", .value = 1, .at_ms = AT(11)},
	     false},
	    {{.object = RULES_OBJ_CONTACT, .record_id = "003000000000001AAA", .value = 1, .at_ms = AT(-10)},
	     true},
	    {{.object = RULES_OBJ_CONTACT, .record_id = "003000000000001AAA", .value = 1, .at_ms = 0}, true},
	    {{.object = RULES_OBJ_LEAD, .record_id = "003000000000001AAA", .value = 1, .at_ms = AT(1)},
	     false},
	    {{.object = RULES_OBJ_AC_CONTACT, .record_id = "42", .list_id = "2", .value = 2, .at_ms = AT(3)},
	     true},
	    {{.object = RULES_OBJ_AC_CONTACT, .record_id = "42", .list_id = "3", .value = 2, .at_ms = AT(3)},
	     false},
	    {{.object = RULES_OBJ_AC_CONTACT, .record_id = "43", .list_id = "2", .value = 2, .at_ms = AT(3)},
	     false},
	    {{.object = RULES_OBJ_AC_CONTACT, .record_id = "42", .list_id = "2", .value = 1, .at_ms = AT(3)},
	     false},
	    {{.object = RULES_OBJ_LEAD, .record_id = "00QA", .value = 0, .at_ms = AT(500)}, true},
	};
	for (size_t i = 0; i < NELEM(t); i++)
		if (rules_is_echo(w, NELEM(w), &t[i].seen, RULES_ECHO_WINDOW_MS) != t[i].want)
			fail_msg("row %zu: want %d", i, t[i].want);
	assert_false(rules_is_echo(w, 0, &t[0].seen, RULES_ECHO_WINDOW_MS));
	assert_false(rules_is_echo(w, NELEM(w), &t[0].seen, -1));
	assert_true(rules_is_echo(w, NELEM(w), &w[0], -1));
}

static void test_sf_id_equal(void **state)
{
	(void)state;
	assert_true(rules_sf_id_equal("003000000000001AAA", "003000000000001AAA"));
	assert_true(rules_sf_id_equal("003000000000001", "003000000000001AAA"));
	assert_true(rules_sf_id_equal("003000000000001AAA", "003000000000001"));
	assert_false(rules_sf_id_equal("003000000000001aaa", "003000000000001AAA"));
	assert_false(rules_sf_id_equal("003000000000001", "003000000000001X"));
	assert_false(rules_sf_id_equal("", ""));
	assert_false(rules_sf_id_equal("00300000000000a", "003000000000001AAA"));
}

static void test_audit(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		struct tcase in;
		rules_rule last;
		rules_side sf, ac;
		bool disagree, accepted;
		const char *reason;
	} t[] = {
	    {"both_opted_out",
	     {.ac = "42", .sf = {CON("003A", 1)}, .lists = {L("2", 2)}},
	     0,
	     RULES_SIDE_OUT,
	     RULES_SIDE_OUT,
	     false,
	     false,
	     "both sides agree: opted_out"},
	    {"both_opted_in",
	     {.ac = "42", .sf = {CON("003A", 0)}, .lists = {L("2", 1), L("3", 2)}},
	     0,
	     RULES_SIDE_IN,
	     RULES_SIDE_IN,
	     false,
	     false,
	     NULL},
	    {"sf_out_ac_subscribed",
	     {.ac = "42", .sf = {CON("003A", 1)}, .lists = {L("2", 2), L("3", 1)}},
	     0,
	     RULES_SIDE_OUT,
	     RULES_SIDE_IN,
	     true,
	     false,
	     "Contact 003A has Email Opt Out checked but AC contact 42 is subscribed to list 3"},
	    {"after_r5_accepted",
	     {.ac = "42", .sf = {CON("003A", 0)}, .lists = {L("2", 2)}},
	     RULES_RULE_R5,
	     RULES_SIDE_IN,
	     RULES_SIDE_OUT,
	     true,
	     true,
	     "accepted: Email Opt Out was unchecked in Salesforce (R5) and AC contact 42 stays unsubscribed: "
	     "only the "
	     "person can re-subscribe"},
	    {"ac_out_sf_in_without_r5",
	     {.ac = "42", .sf = {CON("003A", 0)}, .lists = {L("2", 2)}},
	     RULES_RULE_R1,
	     RULES_SIDE_IN,
	     RULES_SIDE_OUT,
	     true,
	     false,
	     "AC contact 42 is opted out but Contact 003A has Email Opt Out unchecked"},
	    {"bounced_is_opted_out",
	     {.ac = "42", .sf = {CON("003A", 0)}, .bounced = 1},
	     0,
	     RULES_SIDE_IN,
	     RULES_SIDE_OUT,
	     true,
	     false,
	     NULL},
	    {"sf_records_disagree",
	     {.ac = "42", .sf = {CON("003A", 1), LEAD("00QA", 0)}, .lists = {L("2", 2)}},
	     RULES_RULE_R5,
	     RULES_SIDE_MIXED,
	     RULES_SIDE_OUT,
	     true,
	     false,
	     "Salesforce records disagree: Contact 003A has Email Opt Out checked, Lead 00QA unchecked"},
	    {"converted_lead_left_out",
	     {.ac = "42", .sf = {CON("003A", 1), LEAD("00QA", 0, .conv = true)}, .lists = {L("2", 2)}},
	     0,
	     RULES_SIDE_OUT,
	     RULES_SIDE_OUT,
	     false,
	     false,
	     NULL},
	    {"no_email_left_out",
	     {.ac = "42", .sf = {CON("003A", 1), LEAD("00QA", 0, .noemail = true)}, .lists = {L("2", 2)}},
	     0,
	     RULES_SIDE_OUT,
	     RULES_SIDE_OUT,
	     false,
	     false,
	     NULL},
	    {"no_ac_contact",
	     {.sf = {CON("003A", 1)}},
	     0,
	     RULES_SIDE_OUT,
	     RULES_SIDE_NONE,
	     false,
	     false,
	     "only one side has a view"},
	    {"ac_unconfirmed_only",
	     {.ac = "42", .sf = {CON("003A", 1)}, .lists = {L("2", 0)}},
	     0,
	     RULES_SIDE_OUT,
	     RULES_SIDE_NONE,
	     false,
	     false,
	     NULL},
	    {"no_sf_record",
	     {.ac = "42", .lists = {L("2", 2)}},
	     0,
	     RULES_SIDE_NONE,
	     RULES_SIDE_OUT,
	     false,
	     false,
	     NULL},
	};
	for (size_t i = 0; i < NELEM(t); i++) {
		rules_audit_result a;
		build(&t[i].in, &person);
		person.last_rule = t[i].last;
		rules_audit(&person, &a);
		if (a.sf != t[i].sf || a.ac != t[i].ac || a.disagree != t[i].disagree ||
		    a.accepted != t[i].accepted)
			fail_msg("%s: sf %s ac %s disagree %d accepted %d (%s)", t[i].name,
			         rules_side_name(a.sf), rules_side_name(a.ac), a.disagree, a.accepted,
			         a.reason);
		if (t[i].reason)
			assert_string_equal(a.reason, t[i].reason);
	}
}

static void test_refuses_broken_input(void **state)
{
	(void)state;
	err_t e;
	/* An SF event among the given events: SF events come from the records. */
	build(&cases[0], &person);
	rules_event *ev = rules_person_add_event(&person);
	ev->source = RULES_SRC_SF;
	ev->kind = RULES_EV_SF_CHECKED;
	assert_int_equal(rules_decide(&person, &result, &e), -1);
	assert_int_equal(e.kind, ERR_INTERNAL);
	assert_int_equal(result.n, 0);
	/* An AC kind with an SF kind value. */
	build(&cases[0], &person);
	ev = rules_person_add_event(&person);
	ev->kind = RULES_EV_SF_UNCHECKED;
	assert_int_equal(rules_decide(&person, &result, &e), -1);
	/* A list status AC does not document. */
	build(&cases[0], &person);
	person.ac.lists[0].status = 4;
	assert_int_equal(rules_decide(&person, &result, &e), -1);
	assert_int_equal(e.kind, ERR_BAD_RESPONSE);
	/* A count without its array. */
	rules_person_reset(&person);
	snprintf(person.email, sizeof person.email, "ann@example.com");
	rules_sf_record *saved = person.sf;
	person.sf = NULL;
	person.n_sf = 1;
	assert_int_equal(rules_decide(&person, &result, &e), -1);
	assert_int_equal(e.kind, ERR_INTERNAL);
	person.sf = saved;
	/* A record without object. */
	build(&cases[0], &person);
	person.sf[0].object = RULES_OBJ_NONE;
	assert_int_equal(rules_decide(&person, &result, &e), -1);
	/* A converted linked Lead whose Contact was not read. */
	static const struct tcase conv = {
	    .ac = "42", .sf = {LEAD("00QA", 1, .conv = true, .conv_to = "003Z")}, .lists = {L("2", 2)}};
	build(&conv, &person);
	assert_int_equal(rules_decide(&person, &result, &e), -1);
	assert_int_equal(e.kind, ERR_NOT_FOUND);
	assert_non_null(strstr(e.msg, "003Z"));
	assert_int_equal(result.n, 0);
	/* The add helpers have no bound: they grow, zero-filled, keeping what was added. */
	rules_person_reset(&person);
	for (int i = 0; i < 1000; i++) {
		rules_sf_record *r = rules_person_add_sf(&person);
		assert_non_null(r);
		assert_int_equal(r->opted_out, 0);
		snprintf(r->id, sizeof r->id, "R%d", i);
		assert_non_null(rules_person_add_list(&person));
		assert_non_null(rules_person_add_event(&person));
	}
	assert_int_equal(person.n_sf, 1000);
	assert_string_equal(person.sf[0].id, "R0");
	assert_string_equal(person.sf[999].id, "R999");
	assert_int_equal(person.ac.n_lists, 1000);
	assert_int_equal(person.n_events, 1000);
	/* reset empties but keeps the memory; free gives it back. */
	size_t cap = person.cap_sf;
	rules_person_reset(&person);
	assert_int_equal(person.n_sf, 0);
	assert_int_equal(person.cap_sf, cap);
	rules_person p2;
	rules_person_init(&p2);
	assert_non_null(rules_person_add_sf(&p2));
	rules_person_free(&p2);
	assert_null(p2.sf);
	assert_int_equal(p2.n_sf, 0);
}

/* A person with many of everything at once (16 records, 64 lists, 64 events: the bounds this code
 * used to have) decides whole. */
enum { FULL_SF = 16, FULL_LISTS = 64, FULL_EVENTS = 64 };
static void test_full_person(void **state)
{
	(void)state;
	err_t e;
	rules_person_reset(&person);
	snprintf(person.email, sizeof person.email, "full@example.com");
	snprintf(person.ac.contact_id, sizeof person.ac.contact_id, "42");
	for (int i = 0; i < FULL_SF; i++) {
		rules_sf_record *r = rules_person_add_sf(&person);
		r->object = i % 2 ? RULES_OBJ_LEAD : RULES_OBJ_CONTACT;
		snprintf(r->id, sizeof r->id, "REC%02d", i);
		r->has_email = true;
		r->opted_out = i == 0;
		r->ever_seen = i != 0;
		r->modstamp_ms = AT(5);
	}
	for (int i = 0; i < FULL_LISTS; i++) {
		rules_ac_list *l = rules_person_add_list(&person);
		snprintf(l->id, sizeof l->id, "%d", i + 1);
		l->status = 1;
		l->ever_seen = true;
		l->seen_status = 1;
	}
	for (int i = 0; i < FULL_EVENTS; i++) {
		rules_event *ev = rules_person_add_event(&person);
		ev->kind = RULES_EV_SOFT_BOUNCE;
		ev->at_ms = AT(i);
	}
	assert_int_equal(rules_decide(&person, &result, &e), 0);
	/* Unlinked records: 16 links, then 15 records checked and 64 lists unsubscribed from the record
	 * first seen checked, then the two added-to tags: 97. */
	assert_int_equal(result.n, FULL_SF + FULL_SF - 1 + FULL_LISTS + 2);
	assert_int_equal(result.rule, RULES_RULE_R4);
	for (int i = 0; i < FULL_SF; i++)
		assert_int_equal(result.d[i].action, RULES_ACT_LINK);
	const rules_decision *d = &result.d[FULL_SF];
	assert_string_equal(d[0].record_id, "REC01");
	assert_int_equal(d[0].action, RULES_ACT_OPT_OUT);
	assert_string_equal(d[FULL_SF - 2].record_id, "REC15");
	d += FULL_SF - 1;
	for (int i = 0; i < FULL_LISTS; i++) {
		char id[16];
		snprintf(id, sizeof id, "%d", i + 1);
		assert_int_equal(d[i].action, RULES_ACT_UNSUBSCRIBE);
		assert_string_equal(d[i].list_id, id);
	}
	assert_int_equal(result.d[result.n - 2].tag, RULES_TAG_ADDED_TO_LEAD);
	assert_int_equal(result.d[result.n - 1].tag, RULES_TAG_ADDED_TO_CONTACT);
}

/* A placeholder email shared by 5,000 records (noemail@...), as real orgs have: the person is
 * decided whole, every record gets the same value, nothing is cut at a fixed bound. */
static void test_five_thousand_records_one_email(void **state)
{
	(void)state;
	err_t e;
	enum { N = 5000 };
	rules_person_reset(&person);
	snprintf(person.email, sizeof person.email, "noemail@example.com");
	snprintf(person.ac.contact_id, sizeof person.ac.contact_id, "42");
	for (int i = 0; i < N; i++) {
		rules_sf_record *r = rules_person_add_sf(&person);
		assert_non_null(r);
		r->object = i % 3 ? RULES_OBJ_LEAD : RULES_OBJ_CONTACT;
		snprintf(r->id, sizeof r->id, "%s%015d", i % 3 ? "00Q" : "003", i);
		r->has_email = true;
		r->ever_seen = true;
		r->linked = true;
		r->modstamp_ms = AT(1);
	}
	/* The last record is checked in Salesforce (R4) after everything else. */
	person.sf[N - 1].opted_out = true;
	person.sf[N - 1].modstamp_ms = AT(9);
	rules_ac_list *l = rules_person_add_list(&person);
	assert_non_null(l);
	snprintf(l->id, sizeof l->id, "1");
	l->status = 1;
	l->ever_seen = true;
	l->seen_status = 1;
	assert_int_equal(rules_decide(&person, &result, &e), 0);
	assert_int_equal(result.desired, RULES_DESIRED_OUT);
	assert_int_equal(result.rule, RULES_RULE_R4);
	/* 4,999 opt-outs (the checked record keeps its value) and the one unsubscribe. */
	assert_int_equal(result.n, (size_t)N);
	for (int i = 0; i < N - 1; i++) {
		assert_int_equal(result.d[i].action, RULES_ACT_OPT_OUT);
		assert_int_equal(result.d[i].sf_index, i);
		assert_string_equal(result.d[i].record_id, person.sf[i].id);
	}
	assert_int_equal(result.d[N - 1].action, RULES_ACT_UNSUBSCRIBE);
	/* And the audit sees every record too: the mixed state names the first unchecked one. */
	rules_audit_result a;
	rules_audit(&person, &a);
	assert_int_equal(a.sf, RULES_SIDE_MIXED);
}

/* An AC contact on 300 lists, and 200 webhook events in one run: all of them count. */
static void test_three_hundred_lists(void **state)
{
	(void)state;
	err_t e;
	enum { LISTS = 300, EVENTS = 200 };
	rules_person_reset(&person);
	snprintf(person.email, sizeof person.email, "lists@example.com");
	snprintf(person.ac.contact_id, sizeof person.ac.contact_id, "42");
	rules_sf_record *r = rules_person_add_sf(&person);
	assert_non_null(r);
	r->object = RULES_OBJ_CONTACT;
	snprintf(r->id, sizeof r->id, "003A");
	r->has_email = true;
	r->ever_seen = true;
	r->linked = true;
	r->opted_out = true; /* Email Opt Out checked just now: R4 unsubscribes every list */
	r->modstamp_ms = AT(50);
	for (int i = 0; i < LISTS; i++) {
		rules_ac_list *l = rules_person_add_list(&person);
		assert_non_null(l);
		snprintf(l->id, sizeof l->id, "%d", i + 1);
		/* Every other list subscribed, the last one ("300") among them. */
		l->status = i % 2 ? 1 : 2;
		l->ever_seen = true;
		l->seen_status = l->status;
	}
	for (int i = 0; i < EVENTS; i++) {
		rules_event *ev = rules_person_add_event(&person);
		assert_non_null(ev);
		ev->source = RULES_SRC_AC;
		ev->kind = RULES_EV_SOFT_BOUNCE;
		ev->at_ms = AT(i % 40);
	}
	assert_int_equal(rules_decide(&person, &result, &e), 0);
	assert_int_equal(result.rule, RULES_RULE_R4);
	size_t unsub = 0;
	bool last = false;
	for (size_t i = 0; i < result.n; i++)
		if (result.d[i].action == RULES_ACT_UNSUBSCRIBE) {
			unsub++;
			last |= strcmp(result.d[i].list_id, "300") == 0;
		}
	assert_int_equal(unsub, LISTS / 2);
	assert_true(last);
}

static void test_decider_and_indexes(void **state)
{
	(void)state;
	err_t e;
	/* The deciding event is handed back for the log. */
	build(&cases[0], &person);
	assert_int_equal(rules_decide(&person, &result, &e), 0);
	assert_true(result.has_decider);
	assert_int_equal(result.decider.source, RULES_SRC_AC);
	assert_int_equal(result.decider.kind, RULES_EV_SUBSCRIBE);
	assert_string_equal(result.decider.list_id, "2");
	assert_int_equal(result.decider.at_ms, AT(5));
	assert_int_equal(result.d[1].sf_index, 1);
	/* Create names the record whose first and last name to carry. */
	static const struct tcase imp = {.import = RULES_IMPORT_ALL,
	                                 .sf = {LEAD("00QA", 0, .first = "Lea", .last = "Lead"),
	                                        CON("003A", 0, .first = "Ann", .last = "Smith-Ünal")}};
	build(&imp, &person);
	assert_int_equal(rules_decide(&person, &result, &e), 0);
	assert_int_equal(result.d[0].action, RULES_ACT_CREATE);
	assert_int_equal(result.d[0].sf_index, 1);
	assert_string_equal(person.sf[result.d[0].sf_index].first_name, "Ann");
	assert_string_equal(person.sf[result.d[0].sf_index].last_name, "Smith-Ünal");
	assert_false(result.has_decider);
}

static void test_decide_is_pure(void **state)
{
	(void)state;
	static rules_person copy;
	static rules_result again;
	err_t e;
	for (size_t i = 0; i < NELEM(cases); i++) {
		build(&cases[i], &person);
		memcpy(&copy, &person, sizeof copy);
		assert_int_equal(rules_decide(&person, &result, &e), 0);
		assert_memory_equal(&copy, &person, sizeof copy);
		assert_int_equal(rules_decide(&person, &again, &e), 0);
		assert_int_equal(again.n, result.n);
		for (size_t k = 0; k < result.n; k++)
			assert_memory_equal(&again.d[k], &result.d[k], sizeof again.d[k]);
	}
}

int main(void)
{
	static struct CMUnitTest tests[NELEM(cases) + 32];
	size_t n = 0;
	for (size_t i = 0; i < NELEM(cases); i++) {
		tests[n].name = cases[i].name;
		tests[n].test_func = run_case;
		tests[n].setup_func = NULL;
		tests[n].teardown_func = NULL;
		tests[n].initial_state = (void *)&cases[i];
		n++;
	}
	const struct CMUnitTest more[] = {
	    cmocka_unit_test(test_normalize_email),
	    cmocka_unit_test(test_mixed_case_emails_are_one_person),
	    cmocka_unit_test(test_format_time),
	    cmocka_unit_test(test_names_are_stable),
	    cmocka_unit_test(test_action_and_direction_parse),
	    cmocka_unit_test(test_tag_from_name),
	    cmocka_unit_test(test_import_parse),
	    cmocka_unit_test(test_sf_record_event),
	    cmocka_unit_test(test_ac_list_event),
	    cmocka_unit_test(test_is_echo),
	    cmocka_unit_test(test_sf_id_equal),
	    cmocka_unit_test(test_audit),
	    cmocka_unit_test(test_refuses_broken_input),
	    cmocka_unit_test(test_full_person),
	    cmocka_unit_test(test_decider_and_indexes),
	    cmocka_unit_test(test_five_thousand_records_one_email),
	    cmocka_unit_test(test_three_hundred_lists),
	    cmocka_unit_test(test_decide_is_pure),
	};
	for (size_t i = 0; i < NELEM(more); i++)
		tests[n++] = more[i];
	int failed = _cmocka_run_group_tests("rules", tests, n, NULL, NULL);
	rules_person_free(&person);
	rules_result_free(&result);
	return failed;
}
