/* store_sync.h - what the sync engine keeps between runs: the run lock, watermarks, raw inbound
 * events, the last state seen of each side (snapshots, which is how echoes are recognised), links
 * and the durable action queue. */
#ifndef OPTSYNC_STORE_SYNC_H
#define OPTSYNC_STORE_SYNC_H

#include <stdint.h>

#include "action_status.h"
#include "rules.h"
#include "store.h"

/* Transactions around a batch of writes (one commit per batch, not per row). */
int store_begin(store *s, err_t *e);
int store_commit(store *s, err_t *e);
void store_rollback(store *s);

/* The run lock. 1 = taken, 0 = held by a live process (held describes it: "pid 42 (daemon) since
 * 2026-11-26T14:00:00Z"), -1 = error. A lock whose process is gone (killed) is taken over. */
int store_lock_take(store *s, const char *holder, char *held, size_t n, err_t *e);
int store_lock_release(store *s, err_t *e);

/* Watermarks: 1 found (value copied), 0 never set, -1 error. */
int store_watermark_get(store *s, const char *name, char *value, size_t n, err_t *e);
int store_watermark_set(store *s, const char *name, const char *value, err_t *e);
int store_watermarks_clear(store *s, err_t *e);

/* Raw inbound events (webhooks). payload is kept as received; processed when applied. */
typedef struct {
	int64_t id;
	char source[8]; /* "ac" */
	char kind[32];  /* subscribe | unsubscribe | bounce | ... */
	char email[256];
	char occurred_at[40]; /* as the source said it */
	char received_at[32];
	char payload[16385]; /* WEBHOOK_BODY_MAX + 1 */
	int duplicate;       /* store_event_add: the same body was stored before; nothing added */
} stored_event;
/* Stores a webhook's event once: a body already stored (AC delivers at least once, and a delivery
 * repeated is byte for byte the same) sets ev->duplicate and adds nothing (ev->id 0). */
int store_event_add(store *s, stored_event *ev, err_t *e);
int store_events_pending(store *s, int limit, int (*cb)(const stored_event *, void *), void *arg, err_t *e);
int store_event_done(store *s, int64_t id, err_t *e);
int store_events_pending_count(store *s, err_t *e);

/* Last seen state of one SF record. */
typedef struct {
	char id[24];
	char object[16]; /* Contact | Lead | PersonAccount */
	char email[256];
	int opted_out;
	int is_converted;
	char converted_contact_id[24];
	char person_contact_id[24]; /* PersonAccount: its mirror Contact (read now, not stored) */
	char modstamp[40];
	char created_date[40];
	int linked;         /* linked to the person's AC contact (tagged added-to-...) */
	int64_t changed_ms; /* exact time of the last box change from field history; not stored */
	char first_name[128], last_name[128]; /* read this run; not stored */
} sf_snapshot;
int store_sf_get(store *s, const char *id, sf_snapshot *r, err_t *e); /* 1 / 0 / -1 */
int store_sf_put(store *s, const sf_snapshot *r, err_t *e);
/* Forgets one stored record (a Contact that has become a person account's person contact). */
int store_sf_forget(store *s, const char *id, err_t *e);
int store_sf_by_email(store *s, const char *email, sf_snapshot *out, int max, err_t *e); /* count or -1 */
/* Every SF record stored with this email, however many, into a new array *out (the caller frees
 * it; NULL when none) of *n; 0, or -1 on error (ERR_INTERNAL when memory runs out). */
int store_sf_by_email_all(store *s, const char *email, sf_snapshot **out, size_t *n, err_t *e);

/* Last seen state of one AC contact. lists is JSON {"listid": status, ...}; tags JSON ["name", ...]. */
typedef struct {
	char id[24];
	char email[256];
	char udate[40];
	int bounced_hard;
	/* Sized for an AC contact on thousands of lists (about 6,000 at 10 bytes each): a contact on
	 * 300 lists overflowed the 2 KB this was, and a cut list read back as "never seen". */
	char lists[65536];
	char tags[2048];
} ac_snapshot;
int store_ac_get(store *s, const char *id, ac_snapshot *c, err_t *e); /* 1 / 0 / -1 */
int store_ac_by_email(store *s, const char *email, ac_snapshot *c, err_t *e);
int store_ac_put(store *s, const ac_snapshot *c, err_t *e);
int store_ac_count(store *s, err_t *e);

/* A person: the link from a normalised email to the AC contact, and the rule that last decided. */
typedef struct {
	char email[256];
	char ac_contact_id[24];
	char last_rule[16];
	char failed[512];   /* why the rules could not decide this person, "" when they could */
	char failed_at[32]; /* since when (ISO), "" when not failed */
} person_link;
int store_person_get(store *s, const char *email, person_link *p, err_t *e); /* 1 / 0 / -1 */
/* Saves the link and the last rule; leaves failed as it is (store_person_set_failed). */
int store_person_put(store *s, const person_link *p, err_t *e);
/* Marks the person failed with reason (creating the row if needed), or clears it (reason NULL).
 * failed_at keeps the first failure's time while the person keeps failing. */
int store_person_set_failed(store *s, const char *email, const char *reason, err_t *e);
/* The people marked failed, oldest failure first, up to limit through cb (returning non-zero
 * stops); returns how many are marked in all, or -1. */
int store_people_failed(store *s, int limit, int (*cb)(const person_link *p, void *arg), void *arg, err_t *e);

/* Every email optsync knows from either side; cb per email, in order; returns count or -1. */
int store_emails_all(store *s, int (*cb)(const char *email, void *), void *arg, err_t *e);

/* The durable action queue. Direction, action and status are stored as their names
 * (rules_direction_name, rules_action_name, action_status_name) and read back into the enums here. */
typedef struct {
	int64_t id;
	int64_t run_id;
	rules_direction direction; /* ac->sf or sf->ac, never none */
	char email[256];
	char object[16];
	char record[64];
	rules_action action;
	char value[512]; /* "true"/"false" for SF, list id for AC, tag name, names for a create */
	char rule[16];
	char reason[512];
	action_status status; /* pending | retrying | applied | failed | skipped */
	int attempts;
	char next_attempt_at[32];
	char error[512];
	/* store_actions_due: why this row cannot be applied as read (a direction, action or status
	 * this version does not know, or an SF value that does not match its action), "" when it can.
	 * The engine fails such a row with this message rather than guess what it meant. */
	char invalid[160];
} queued_action;
int store_action_add(store *s, queued_action *a, err_t *e);
int store_action_update(store *s, const queued_action *a, err_t *e);
/* Pending and retrying actions whose next attempt is due at `now` (ISO), oldest first, with an id
 * above after_id (pages of the queue). A row whose words do not parse is given all the same, with
 * `invalid` saying why (the other fields are then only as good as what parsed). */
int store_actions_due(store *s, const char *now, int64_t after_id, int limit,
                      int (*cb)(const queued_action *, void *), void *arg, err_t *e);
/* How many actions have this status. */
int store_actions_count(store *s, action_status status, err_t *e);
/* 1 when an action for the same record/action/value was applied at or after since (ISO). */
int store_action_applied_since(store *s, const char *record, rules_action action, const char *value,
                               const char *since, err_t *e);
/* 1 when an action for the same record/action/value is already pending or retrying. */
int store_action_exists(store *s, const char *record, rules_action action, const char *value, err_t *e);

#endif
