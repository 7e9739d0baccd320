/* webhook_wake.h - the daemon's webhook wake-up: the people the pending webhook events name, so
 * the run they wake reads only them (a targeted run, trigger "webhook"), or why that run must be a
 * poll run instead. The engine applies the events; this only says whom they are about. */
#ifndef OPTSYNC_WEBHOOK_WAKE_H
#define OPTSYNC_WEBHOOK_WAKE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "rules.h"
#include "store.h"
#include "webhook.h"

/* People one targeted run reads at most (each costs ~2 AC calls at 4.5/s): above it, a poll run. */
#define WEBHOOK_WAKE_PEOPLE 200

typedef struct {
	char emails[WEBHOOK_WAKE_PEOPLE][RULES_EMAIL_MAX + 1]; /* distinct, normalised */
	size_t n;
	long events;      /* pending events gathered */
	int64_t first_id; /* the oldest and newest of them (0 when none) */
	int64_t last_id;
	int poll;      /* a poll run instead: an event names no usable person, or too many people */
	char why[160]; /* why, when poll */
} webhook_wake;

/* The one rule for "this event can be applied to a person": parses body into wh and puts its
 * normalised email in email (RULES_EMAIL_MAX + 1 bytes). 1 when usable, 0 when not (a body that
 * does not parse, a type optsync does not use, no usable address). The engine and the wake-up
 * both ask it, so what one applies the other gathers. */
int webhook_usable(const char *body, size_t len, webhook_event *wh, char *email);

void webhook_wake_init(webhook_wake *w);
/* Adds one pending event (pure: no I/O). Returns 1 once the run must be a poll run (w->poll,
 * w->why): no need to look at more events. */
int webhook_wake_add(webhook_wake *w, int64_t id, const char *body, size_t len);
/* Gathers the store's pending events into w (after webhook_wake_init). 0, or -1 with e filled. */
int webhook_wake_gather(store *s, webhook_wake *w, err_t *e);

#endif
