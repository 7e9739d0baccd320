/* store_web.h - what the dashboard keeps in the store: sessions, login throttling, inbound webhook
 * events and the webhook secret. Session ids are stored only as their SHA-256. */
#ifndef OPTSYNC_STORE_WEB_H
#define OPTSYNC_STORE_WEB_H

#include <stddef.h>
#include <stdint.h>

#include "action_status.h"
#include "err.h"
#include "rules.h"
#include "store.h"
#include "throttle.h"

/* Creates the web-only tables this build needs if the file lacks them (idempotent; call once per
 * handle at start). */
int store_web_init(store *s, err_t *e);

/* Creates the first admin account, atomically: fails with ERR_USAGE when any user exists already
 * (two first-run forms submitted at once make one admin, not two). */
int store_web_first_admin(store *s, const char *name, const char *password, err_t *e);

typedef struct {
	int64_t user_id;
	char name[128];
	char role[16];
	char csrf[65];
	int64_t created_at; /* epoch seconds */
	int64_t last_seen;
} store_web_session;

/* Stores a new session under the hash of its id, with its CSRF token. */
int store_web_session_create(store *s, const char *sid_hash, int64_t user_id, const char *csrf, int64_t now,
                             err_t *e);

/* Loads the session with this id hash. Returns 1 when it exists and is within both timeouts (its
 * last_seen is then moved to now, at most once a minute), 0 when missing or expired (an expired
 * one is deleted), -1 on error. */
int store_web_session_get(store *s, const char *sid_hash, int64_t now, long idle, long absolute,
                          store_web_session *out, err_t *e);

/* Deletes one session (logout). */
int store_web_session_delete(store *s, const char *sid_hash, err_t *e);

/* Deletes every session past either timeout; returns how many, or -1. */
int store_web_session_purge(store *s, int64_t now, long idle, long absolute, err_t *e);

/* Sign-in throttling (policy in throttle.h); times in milliseconds, so a 1 s wait is 1 s from the
 * attempt, not until the next second. begin, in one write transaction so concurrent
 * workers cannot both slip through: purges rows older than THROTTLE_KEEP; when any of the n keys
 * still waits, returns 0 with *retry_after seconds; else counts one failure on every key in
 * advance (the attempt may fail) and returns 1. success takes the attempt back: the account and
 * device keys are cleared, the address key loses the failure counted in advance and its wait.
 * -1 on error. */
int store_web_throttle_begin(store *s, const char *const *keys, const throttle_policy *const *policies, int n,
                             int64_t now, long *retry_after, err_t *e);
int store_web_throttle_success(store *s, const char *const *keys, int n, int64_t now, err_t *e);

/* The secret of the webhook URL, setting "webhook_secret": read, or generated (32 random bytes in
 * hex) and saved on first need. Concurrent first calls agree on one value. */
int store_web_webhook_secret(store *s, char *out, size_t n, err_t *e);

/* The busy timeout store_open sets (core/store.c), restored after a short one. */
#define STORE_WEB_BUSY_MS 10000

/* Sets how long this handle waits on another writer's lock (0: fail at once with ERR_DB). The
 * webhook receiver uses a short wait, then its spool, so it can answer at once during a sync. */
void store_web_busy_timeout(store *s, int ms);

/* Users for the /users page. cb per user, by name; returns the count or -1. */
typedef struct {
	int64_t id;
	char name[128];
	char role[16];
	char created_at[32];
} store_web_user;
int store_web_users(store *s, int (*cb)(const store_web_user *u, void *arg), void *arg, err_t *e);

/* Deletes a user and their sessions; refuses (ERR_USAGE) to delete the last administrator. */
int store_web_user_delete(store *s, int64_t id, err_t *e);

/* The numbers /metrics and /checks show, read in one go. */
typedef struct {
	long runs_ok, runs_partial, runs_failed, runs_dry, runs_running;
	long calls_ac, calls_sf;               /* API calls, summed over runs */
	long rate_limited_ac, rate_limited_sf; /* 429 answers, summed over runs */
	long actions[2][ACTION_STATUS_COUNT];  /* [RULES_DIR_AC_TO_SF or _SF_TO_AC][action_status] */
	long events_total, events_pending;     /* raw webhook events */
	char last_event_at[32];                /* newest received_at, "" when none */
	char last_success_at[32]; /* newest ended_at of an ok run (a partial one left work undone) */
	long sessions;            /* live session rows */
} store_web_numbers;
int store_web_numbers_read(store *s, store_web_numbers *n, err_t *e);

/* PRAGMA quick_check: 1 when the file is sound, 0 with the first problem in msg, -1 on error. */
int store_web_integrity(store *s, char *msg, size_t n, err_t *e);

#endif
