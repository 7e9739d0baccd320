/* rules.h - the Email Opt Out sync rules (SPEC section 1) as pure functions: one person's state in, decisions
 * out. */
#ifndef OPTSYNC_RULES_H
#define OPTSYNC_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

/*
 * Everything here is pure: no I/O, no clock. The caller (core/sync.c) reads both systems, fills
 * one rules_person per normalised email, calls rules_decide(), and queues the decisions it gets
 * back, in the order given. A zero-filled struct is a valid empty one (times 0 = unknown, "never
 * seen", import = new).
 *
 * No per-person bound: one email may be shared by 2 or 5,000 Salesforce records (placeholder
 * addresses such as noemail@... are common in real orgs) and an AC contact may be on hundreds of
 * lists, and every record must get the same value (SPEC section 1). So the records, lists, events
 * and decisions are arrays sized from the data: the person owns its arrays (grown by the
 * rules_person_add_* helpers, freed by rules_person_free), the result owns its decisions (grown
 * by rules_decide, freed by rules_result_free). The only way a person cannot be decided for its
 * size is memory running out: rules_decide() then refuses that person alone with ERR_INTERNAL
 * "out of memory", and the caller logs it and goes on with the others.
 */
#define RULES_EMAIL_MAX 254  /* RFC 5321 path limit, bytes, after trimming */
#define RULES_ID_MAX 32      /* any id (SF 15/18, AC numeric string) plus its NUL */
#define RULES_NAME_MAX 324   /* SF LastName is 80 characters: 4 UTF-8 bytes each, plus NUL */
#define RULES_REASON_MAX 384 /* one log sentence */

#define RULES_TIME_UNKNOWN 0                  /* epoch milliseconds; any value <= 0 means "time unknown" */
#define RULES_ECHO_WINDOW_MS (10 * 60 * 1000) /* a sensible window for rules_is_echo() */

typedef enum { RULES_SRC_AC = 0, RULES_SRC_SF } rules_source;

typedef enum {
	RULES_EV_SUBSCRIBE = 0, /* AC: a list became status 1 */
	RULES_EV_UNSUBSCRIBE,   /* AC: a list became status 2 */
	RULES_EV_HARD_BOUNCE,   /* AC: hard bounce, bounced_hard rose, or a list became status 3 */
	RULES_EV_SOFT_BOUNCE,   /* AC: changes nothing */
	RULES_EV_SF_CHECKED,    /* SF: HasOptedOutOfEmail became true on a record */
	RULES_EV_SF_UNCHECKED   /* SF: HasOptedOutOfEmail became false on a record */
} rules_event_kind;

typedef enum {
	RULES_OBJ_NONE = 0,
	RULES_OBJ_CONTACT,   /* SF Contact, logged "Contact" */
	RULES_OBJ_LEAD,      /* SF Lead, logged "Lead" */
	RULES_OBJ_AC_CONTACT, /* AC contact, logged "contact" */
	RULES_OBJ_PERSON_ACCOUNT /* SF person account (Account), logged "PersonAccount" */
} rules_object;

typedef enum {
	RULES_LIST_UNCONFIRMED = 0,
	RULES_LIST_SUBSCRIBED = 1,
	RULES_LIST_UNSUBSCRIBED = 2,
	RULES_LIST_BOUNCED = 3
} rules_list_status;

typedef enum { RULES_IMPORT_NEW = 0, RULES_IMPORT_NONE, RULES_IMPORT_ALL } rules_import;

typedef enum {
	RULES_TAG_NONE = 0,
	RULES_TAG_CREATED_FROM_LEAD,    /* created-from-salesforce-lead */
	RULES_TAG_CREATED_FROM_CONTACT, /* created-from-salesforce-contact */
	RULES_TAG_ADDED_TO_LEAD,        /* added-to-salesforce-lead */
	RULES_TAG_ADDED_TO_CONTACT,     /* added-to-salesforce-contact */
	RULES_TAG_LEAD_CONVERTED,       /* salesforce-lead-converted-to-contact */
	RULES_TAG_CREATED_FROM_PERSON,  /* created-from-salesforce-person-account */
	RULES_TAG_ADDED_TO_PERSON,      /* added-to-salesforce-person-account */
	RULES_TAG_LEAD_CONVERTED_PERSON, /* salesforce-lead-converted-to-person-account */
	RULES_TAG_COUNT
} rules_tag;
#define RULES_TAG_BIT(t) (1u << (unsigned)(t))

/* Direction names the side written: ac->sf writes Salesforce, sf->ac writes ActiveCampaign (or
 * the link between the two). The reason names the true source event. RULES_DIR_NONE is never a
 * decision's: it is a log row about the run or one person rather than one side (logged ""). */
typedef enum { RULES_DIR_AC_TO_SF = 0, RULES_DIR_SF_TO_AC, RULES_DIR_NONE } rules_direction;

typedef enum {
	RULES_ACT_OPT_OUT = 0, /* SF: set HasOptedOutOfEmail = true */
	RULES_ACT_OPT_IN,      /* SF: set HasOptedOutOfEmail = false */
	RULES_ACT_UNSUBSCRIBE, /* AC: contactList status 2 on one list */
	RULES_ACT_TAG,         /* AC: add one tag (create it if missing) */
	RULES_ACT_CREATE,      /* AC: create the contact (contact/sync) */
	RULES_ACT_LINK,        /* store: link an SF record to the person's AC contact */
	RULES_ACT_SKIP         /* nothing written; the reason says why */
} rules_action;

typedef enum {
	RULES_RULE_NONE = 0,
	RULES_RULE_R1,
	RULES_RULE_R2,
	RULES_RULE_R3,
	RULES_RULE_R4,
	RULES_RULE_R5,
	RULES_RULE_FIRST_SYNC, /* no watermark yet: opt-out is sticky */
	RULES_RULE_CONVERSION, /* a linked Lead was converted */
	RULES_RULE_NEW_RECORD, /* a record first seen unchecked joins an opted-out person */
	RULES_RULE_LINK,       /* an existing AC contact meets an SF record */
	RULES_RULE_IMPORT      /* optsync creates the AC contact (sf_import) */
} rules_rule;

typedef enum {
	RULES_DESIRED_NONE = 0, /* nothing decided: each side keeps what it has */
	RULES_DESIRED_IN,       /* the person may be emailed */
	RULES_DESIRED_OUT       /* the person is opted out */
} rules_desired;

typedef enum { RULES_SIDE_NONE = 0, RULES_SIDE_IN, RULES_SIDE_OUT, RULES_SIDE_MIXED } rules_side;

/* One change at a source. The caller passes AC events (webhooks, bounce logs); SF events and
 * AC list/bounce-count changes are derived by the rules from the state below. */
typedef struct {
	rules_source source;
	rules_event_kind kind;
	int64_t at_ms;                /* time at the source, epoch ms; <= 0 unknown */
	bool echo;                    /* optsync's own write read back (see rules_is_echo) */
	bool first_seen;              /* SF: the record was first seen in this state */
	char list_id[RULES_ID_MAX];   /* AC: the list ("" for a contact-wide bounce) */
	rules_object object;          /* SF: RULES_OBJ_CONTACT or RULES_OBJ_LEAD */
	char record_id[RULES_ID_MAX]; /* SF: the record */
} rules_event;

typedef struct {
	char id[RULES_ID_MAX];
	int status;      /* rules_list_status as read now */
	bool ever_seen;  /* optsync read this contact's membership of this list before */
	int seen_status; /* the status it read last (when ever_seen) */
	bool echo;       /* the current status is optsync's own write */
	int64_t at_ms;   /* when the status last changed at AC (updated_timestamp/udate), <= 0 unknown */
} rules_ac_list;

typedef struct {
	char contact_id[RULES_ID_MAX]; /* "" when there is no AC contact for this email */
	rules_ac_list *lists;          /* n_lists of them (cap_lists allocated), owned by the person */
	size_t n_lists, cap_lists;
	int bounced_hard;      /* the contact's bounced_hard count now */
	bool bounce_ever_seen; /* optsync read the count before */
	int seen_bounced_hard; /* the count it read last */
	int64_t bounce_ms;     /* time of the latest hard bounce, <= 0 unknown */
	unsigned tags;         /* RULES_TAG_BIT() of each of our tags the contact already has */
} rules_ac;

typedef struct {
	rules_object object; /* RULES_OBJ_CONTACT or RULES_OBJ_LEAD */
	char id[RULES_ID_MAX];
	bool has_email;      /* false: ignored entirely (the caller logs it once) */
	bool opted_out;      /* HasOptedOutOfEmail as read now */
	bool ever_seen;      /* optsync read this record before */
	bool seen_opted_out; /* the value it read (or wrote) last, when ever_seen */
	bool echo;           /* the current value is optsync's own write */
	bool is_converted;   /* Lead.IsConverted */
	char converted_contact_id[RULES_ID_MAX];
	char person_contact_id[RULES_ID_MAX]; /* PersonAccount: its mirror Contact (PersonContactId) */
	bool linked;         /* the store links this record to ac.contact_id already */
	int64_t modstamp_ms; /* SystemModstamp */
	int64_t changed_ms;  /* exact change time from Contact/LeadHistory, <= 0 unknown */
	int64_t created_ms;  /* CreatedDate, for sf_import new */
	char first_name[RULES_NAME_MAX];
	char last_name[RULES_NAME_MAX];
} rules_sf_record;

typedef struct {
	char email[RULES_EMAIL_MAX + 1]; /* normalised (rules_normalize_email) */
	bool first_sync;                 /* the connection has no watermark yet */
	rules_import import;             /* sf_import */
	int64_t connected_ms;            /* when the connection was made, for sf_import new */
	rules_rule last_rule;            /* result.rule of the last run that decided (for the audit) */
	rules_ac ac;
	rules_sf_record *sf; /* n_sf of them (cap_sf allocated), owned by the person */
	size_t n_sf, cap_sf;
	rules_event *events; /* n_events of them (cap_events allocated), owned by the person */
	size_t n_events, cap_events;
} rules_person;

typedef struct {
	rules_direction direction;
	rules_action action;
	rules_rule rule;
	rules_object object;          /* Contact|Lead for SF targets, RULES_OBJ_AC_CONTACT for AC */
	char record_id[RULES_ID_MAX]; /* SF record id, or AC contact id ("" = the one being created) */
	char list_id[RULES_ID_MAX];   /* unsubscribe: the list */
	rules_tag tag;                /* tag: which one (rules_tag_name) */
	int sf_index;                 /* index in person.sf of the record concerned, -1 if none */
	int from_index;               /* conversion link: index of the Lead the link leaves, else -1 */
	rules_desired desired;        /* the person's final desired state (same as the result's) */
	char reason[RULES_REASON_MAX];
} rules_decision;

typedef struct {
	rules_desired desired;
	rules_rule rule;  /* the rule that decided the opt-out state, RULES_RULE_NONE if none */
	bool has_decider; /* decider holds the event that decided */
	rules_event decider;
	rules_decision *d; /* n decisions (cap allocated), owned by the result */
	size_t n, cap;
} rules_result;

typedef struct {
	rules_side sf; /* over writable records: all checked OUT, none IN, some MIXED, none there NONE */
	rules_side ac; /* any list 1 IN; else a list 2/3 or bounced OUT; else NONE */
	bool disagree;
	bool accepted; /* the difference is on purpose (after R5) */
	char reason[RULES_REASON_MAX];
} rules_audit_result;

/* A write optsync made, or a change it observed, for rules_is_echo(). */
typedef struct {
	rules_object object; /* Contact|Lead: HasOptedOutOfEmail; RULES_OBJ_AC_CONTACT: a list status */
	char record_id[RULES_ID_MAX]; /* SF record id or AC contact id */
	char list_id[RULES_ID_MAX];   /* AC only */
	int value;                    /* SF: 1 checked, 0 unchecked; AC: the list status */
	int64_t at_ms;                /* when written / when changed at the source; <= 0 unknown */
} rules_write;

/*
 * Normalise an email address for identity: trim ASCII white space at both ends and lower-case
 * ASCII letters (other bytes, UTF-8 included, are kept as they are).
 *
 * Refused, returning -1 with ERR_USAGE in e and out set to "": a NULL or empty (after trimming)
 * address, one longer than RULES_EMAIL_MAX bytes, one with no '@' that has text on both sides,
 * one with a space or control character inside. `out` must hold outsz bytes; outsz of
 * RULES_EMAIL_MAX + 1 is always enough (a smaller buffer that cannot hold the result is refused
 * with ERR_INTERNAL). On success returns 0 and out holds the normalised address.
 * `in` and `out` may be the same buffer.
 */
int rules_normalize_email(const char *in, char *out, size_t outsz, err_t *e);

/* Zero-fills p: no records, no lists, no events, times unknown, import new. p owns nothing yet. */
void rules_person_init(rules_person *p);
/* Empties p for the next person as rules_person_init does, but keeps its arrays' memory, so a
 * caller deciding many people in turn allocates only for the largest. */
void rules_person_reset(rules_person *p);
/* Frees p's arrays and zero-fills it. */
void rules_person_free(rules_person *p);

/* A new SF record / AC list / event at the end of p, zero-filled, counted; NULL only when memory
 * runs out. A pointer returned stays good until the next add of the same kind (the array grows). */
rules_sf_record *rules_person_add_sf(rules_person *p);
rules_ac_list *rules_person_add_list(rules_person *p);
rules_event *rules_person_add_event(rules_person *p);

/* An empty result that owns nothing; rules_result_free releases its decisions. */
void rules_result_init(rules_result *r);
void rules_result_free(rules_result *r);

/*
 * The SF event a record carries, if any, into *out (returns 1), else returns 0.
 *
 * An SF event is a change of HasOptedOutOfEmail against the last value optsync saw for the
 * record, not any move of SystemModstamp: seen false, now true is RULES_EV_SF_CHECKED; seen true,
 * now false is RULES_EV_SF_UNCHECKED; the same value is no event (a phone number edit, or a box
 * checked then unchecked between two reads). A record never seen before is an event only when
 * it is checked (first_seen set); first seen unchecked is no event. A record without email is no
 * event. The time is changed_ms (field history) when known, else SystemModstamp. echo is copied.
 * rules_decide() calls this itself for every record: the caller does not put SF events in
 * person.events.
 */
int rules_sf_record_event(const rules_sf_record *r, rules_event *out);

/*
 * The AC event a list membership carries, if any, into *out (returns 1), else returns 0.
 *
 * A status that differs from the last one optsync saw (or a membership never seen before) is an
 * event by its new status: 1 subscribe, 2 unsubscribe, 3 hard bounce; 0 (unconfirmed) is none.
 * The time is the list's at_ms; echo is copied. rules_decide() calls this for every list, so a
 * poll finds what a lost webhook would have said; a webhook for the same change as well is
 * harmless (same kind, and the latest decides either way).
 */
int rules_ac_list_event(const rules_ac_list *l, rules_event *out);

/*
 * Whether an observed change is the echo of a write optsync recorded: true when one of the n
 * writes has the same target (SF object and record id, where a 15-character id equals the
 * 18-character id it starts; or AC contact id and list id), the same value, and times no more
 * than window_ms apart (either time unknown: target and value decide). The caller keeps its
 * recent writes, asks this for each change it reads, and sets `echo` on the event, record or
 * list. A negative window counts as 0.
 */
bool rules_is_echo(const rules_write *writes, size_t n, const rules_write *seen, int64_t window_ms);

/* True when two SF ids name the same record (equal, or a 15-character id and the 18 it begins). */
bool rules_sf_id_equal(const char *a, const char *b);

/*
 * Decide everything for one person: the opt-out state, the writes on both sides, links, tags and
 * the import. Fills *out (cleared first; its decision array is reused and grown as needed) and
 * returns 0; returns -1 with e filled when the input breaks the contract below, or with
 * ERR_INTERNAL "out of memory" (out is then empty). Pure: the same person gives the same result.
 *
 * Input contract:
 * - p->email is already normalised; p->sf holds every SF Contact and Lead whose normalised email
 *   is p->email, plus, for a linked Lead that is now converted, the Contact it was converted to
 *   (missing: ERR_NOT_FOUND naming it, so the caller reads it and decides again).
 * - p->ac is the AC contact as read this run (after the events), or contact_id "" if none.
 * - p->events holds AC events only (webhooks, bounce logs), each with its echo flag; an SF event
 *   there is refused (ERR_INTERNAL): SF events come from the records (rules_sf_record_event),
 *   AC list and bounced_hard changes from p->ac (rules_ac_list_event), echoes ignored.
 * - After applying, the caller stores each record's and list's current (or written) value as its
 *   "seen" value, the new links, the tags, and result.rule as last_rule: a second run then
 *   decides nothing.
 *
 * The opt-out state:
 * - Opt-out events: AC unsubscribe when no list other than the event's own still has status 1
 *   (R2), AC hard bounce (R3), SF checked (R4), a linked Lead converted while checked and its
 *   Contact is not (conversion). Opt-in events: AC subscribe (R1), SF unchecked (R5). Soft
 *   bounces, an unsubscribe that leaves a list subscribed, and echoes decide nothing.
 * - The latest event decides. Opt-in wins only when its time is known and later than every
 *   opt-out event's; a tie or an unknown time goes to opt-out (the reason says so).
 * - First sync (p->first_sync): events do not matter; if SF has a box checked or AC is opted out
 *   (no list 1 and some list 2, or any bounce), the person is opted out on both sides; otherwise
 *   nothing changes (a subscription alone never unchecks a box).
 * - No deciding event: a record first seen unchecked is checked when its already-seen siblings
 *   have a box checked, or, having no seen sibling, when AC is opted out (rule new-record).
 *
 * What follows from the state (only real changes):
 * - SF: every record whose value differs gets opt_out/opt_in; a converted Lead is never written,
 *   it gets skip (CANNOT_UPDATE_CONVERTED_LEAD) instead.
 * - AC, opted out by an SF check (R4, not overruled by a later opt-in) or the first sync:
 *   unsubscribe on every list with status 1, never on 0/2/3. R1-R3 write nothing in AC.
 * - R5 deciding: skip in AC "only the person can re-subscribe", when there is an AC contact and
 *   it has no list subscribed (the accepted difference).
 * - Links, tags, import: a linked converted Lead moves its link to its Contact (link, tag
 *   salesforce-lead-converted-to-contact); an existing AC contact meeting unlinked records gets a
 *   link each and added-to-salesforce-lead/-contact; with no AC contact and sf_import allowing
 *   (all; new: a record created after connected_ms) one create from a Contact if any, else a
 *   Lead (sf_index names the record whose first/last name to use), links for every record,
 *   created-from-salesforce-<its object> and added-to-<other object>. Never a tag it has.
 *
 * Decision order: create, links, SF writes and skips (record order), AC unsubscribes (list
 * order), the R5 skip, tags (enum order). Every decision carries the rule, the desired state and
 * a reason naming the source event, e.g. "AC unsubscribe from list 2 at 2026-11-26T10:00:00Z;
 * no list still subscribed".
 */
int rules_decide(const rules_person *p, rules_result *out, err_t *e);

/*
 * For the audit: whether the person's two sides disagree now and whether that is accepted.
 * SF records that disagree among themselves, or SF opted out while AC is subscribed, are errors.
 * SF opted in while AC is opted out is accepted when p->last_rule is R5 (an admin unchecked the
 * box; only the person can re-subscribe), an error otherwise. A side with no view (no AC contact,
 * no lists, no writable record) does not disagree. Converted Leads and records without email
 * are left out. out->reason says it in one sentence.
 */
void rules_audit(const rules_person *p, rules_audit_result *out);

/* Formats epoch ms as ISO 8601 UTC ("2026-11-26T10:00:00Z", ".mmm" when not whole) or "unknown". */
const char *rules_format_time(int64_t ms, char *buf, size_t n);

/* Stable names used in the log and JSON ("?" for an out-of-range value). */
const char *rules_action_name(rules_action a);       /* opt_out|opt_in|unsubscribe|tag|create|link|skip */
const char *rules_direction_name(rules_direction d); /* ac->sf|sf->ac|"" (none) */
const char *rules_rule_name(rules_rule r);     /* none|R1..R5|first-sync|conversion|new-record|link|import */
const char *rules_object_name(rules_object o); /* Contact|Lead|contact ("" for none) */
const char *rules_event_kind_name(rules_event_kind k);
const char *rules_source_name(rules_source s);   /* ac|sf */
const char *rules_tag_name(rules_tag t);         /* the AC tag text; "" for none */
const char *rules_desired_name(rules_desired d); /* none|opted_in|opted_out */
const char *rules_side_name(rules_side s);       /* none|opted_in|opted_out|mixed */
const char *rules_import_name(rules_import i);   /* none|new|all */

/* Our tag named t (ASCII case-insensitive), or RULES_TAG_NONE: builds rules_ac.tags from AC. */
rules_tag rules_tag_from_name(const char *name);

/* The action / direction a stored name (rules_action_name, rules_direction_name) names; -1 with
 * ERR_DB naming the word for any other (the store reads them back from the queue and the log). */
int rules_action_parse(const char *s, rules_action *out, err_t *e);
int rules_direction_parse(const char *s, rules_direction *out, err_t *e);

/* Parses an sf_import setting ("none", "new", "all"); -1 with ERR_USAGE otherwise. */
int rules_import_parse(const char *s, rules_import *out, err_t *e);

#endif
