/* person.c - one person of a run (what was read about one email) and how it grows; shared by the
 * in-memory map (people.c) and the scratch file (people_spill.c). */
#include "person.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void person_free(work_person *p)
{
	if (!p)
		return;
	free(p->lists);
	free(p->sf);
	free(p->events);
	free(p);
}

/* Appends one zeroed element to a growable array. */
static void *push(void **arr, size_t *n, size_t *cap, size_t size, size_t first)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : first;
		void *a = realloc(*arr, nc * size);
		if (!a)
			return NULL;
		*arr = a;
		*cap = nc;
	}
	char *slot = (char *)*arr + (*n)++ * size;
	memset(slot, 0, size);
	return slot;
}

int person_add_list(work_person *p, const char *id, int status, int64_t at_ms)
{
	for (size_t i = 0; i < p->n_lists; i++)
		if (strcmp(p->lists[i].id, id) == 0) {
			p->lists[i].status = status;
			if (at_ms > 0)
				p->lists[i].at_ms = at_ms;
			return 0;
		}
	work_list *l = push((void **)&p->lists, &p->n_lists, &p->cap_lists, sizeof *l, 4);
	if (!l)
		return -1;
	snprintf(l->id, sizeof l->id, "%s", id);
	l->status = status;
	l->at_ms = at_ms;
	return 0;
}

int person_add_sf(work_person *p, const sf_snapshot *r)
{
	for (size_t i = 0; i < p->n_sf; i++)
		if (strcmp(p->sf[i].id, r->id) == 0) {
			p->sf[i] = *r;
			return 0;
		}
	sf_snapshot *slot = push((void **)&p->sf, &p->n_sf, &p->cap_sf, sizeof *slot, 1);
	if (!slot)
		return -1;
	*slot = *r;
	return 0;
}

int person_add_event(work_person *p, int64_t stored_id, const rules_event *ev)
{
	work_event *w = push((void **)&p->events, &p->n_events, &p->cap_events, sizeof *w, 1);
	if (!w)
		return -1;
	w->stored_id = stored_id;
	w->ev = *ev;
	return 0;
}
