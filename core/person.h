/* person.h - one person of a run: everything read this run about one normalised email (person.c). */
#ifndef OPTSYNC_PERSON_H
#define OPTSYNC_PERSON_H

#include <stddef.h>
#include <stdint.h>

#include "rules.h"
#include "snapshot.h"
#include "store_sync.h"

/* One webhook event waiting for this person. */
typedef struct {
	int64_t stored_id;
	rules_event ev;
} work_event;

/* Everything read this run about one normalised email. */
typedef struct work_person {
	char email[RULES_EMAIL_MAX + 1];
	int ac_read; /* the AC contact (or its absence) was read this run */
	char ac_id[32];
	char ac_udate[40];
	int bounced_hard;
	int64_t bounce_ms;
	work_list *lists;
	size_t n_lists, cap_lists;
	sf_snapshot *sf; /* SF records read this run */
	size_t n_sf, cap_sf;
	work_event *events;
	size_t n_events, cap_events;
	struct work_person *next; /* hash chain (people.c) */
} work_person;

/* Frees p and what it holds; NULL ok. */
void person_free(work_person *p);
/* Adds (or updates, by list id) one list membership; -1 out of memory. */
int person_add_list(work_person *p, const char *id, int status, int64_t at_ms);
/* Adds (or replaces, by record id) one Salesforce record; -1 out of memory. */
int person_add_sf(work_person *p, const sf_snapshot *r);
/* Appends one stored webhook event; -1 out of memory. */
int person_add_event(work_person *p, int64_t stored_id, const rules_event *ev);

#endif
