/* webhook_wake.c - whom the pending webhook events are about: the daemon's targeted webhook run. */
#include "webhook_wake.h"

#include <stdio.h>
#include <string.h>

#include "store_sync.h"

/* The same bound as the engine's load of pending events (sync_read.c). */
#define WAKE_EVENTS_MAX 100000

int webhook_usable(const char *body, size_t len, webhook_event *wh, char *email)
{
	err_t pe = {0};
	email[0] = '\0';
	if (webhook_parse(body, len, wh, &pe) < 0 || wh->type == WEBHOOK_OTHER)
		return 0;
	return rules_normalize_email(wh->email, email, RULES_EMAIL_MAX + 1, &pe) == 0;
}

void webhook_wake_init(webhook_wake *w)
{
	w->n = 0;
	w->events = 0;
	w->first_id = w->last_id = 0;
	w->poll = 0;
	w->why[0] = '\0';
}

int webhook_wake_add(webhook_wake *w, int64_t id, const char *body, size_t len)
{
	if (w->poll)
		return 1;
	w->events++;
	if (!w->first_id || id < w->first_id)
		w->first_id = id;
	if (id > w->last_id)
		w->last_id = id;
	webhook_event wh;
	char email[RULES_EMAIL_MAX + 1];
	if (!webhook_usable(body, len, &wh, email)) {
		/* The poll run logs it once and marks it done, as it always has. */
		w->poll = 1;
		snprintf(w->why, sizeof w->why, "event %lld names no usable person", (long long)id);
		return 1;
	}
	for (size_t i = 0; i < w->n; i++)
		if (strcmp(w->emails[i], email) == 0)
			return 0;
	if (w->n == WEBHOOK_WAKE_PEOPLE) {
		w->poll = 1;
		snprintf(w->why, sizeof w->why, "more than %d people", WEBHOOK_WAKE_PEOPLE);
		return 1;
	}
	snprintf(w->emails[w->n++], sizeof w->emails[0], "%s", email);
	return 0;
}

static int on_pending(const stored_event *ev, void *arg)
{
	return webhook_wake_add(arg, ev->id, ev->payload, strlen(ev->payload));
}

int webhook_wake_gather(store *s, webhook_wake *w, err_t *e)
{
	return store_events_pending(s, WAKE_EVENTS_MAX, on_pending, w, e) < 0 ? -1 : 0;
}
