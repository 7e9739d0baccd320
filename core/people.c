/* people.c - the per-run map from normalised email to what was read about that person. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sync_int.h"

static size_t hash(const char *s)
{
	size_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

void people_init(people_map *m)
{
	memset(m, 0, sizeof *m);
}

static void person_free(work_person *p)
{
	free(p->lists);
	free(p->sf);
	free(p->events);
	free(p);
}

void people_free(people_map *m)
{
	for (size_t i = 0; i < m->count; i++)
		person_free(m->order[i]);
	free(m->order);
	free(m->buckets);
	memset(m, 0, sizeof *m);
}

static int grow(people_map *m)
{
	size_t nb = m->n_buckets ? m->n_buckets * 2 : 1024;
	work_person **b = calloc(nb, sizeof *b);
	if (!b)
		return -1;
	for (size_t i = 0; i < m->count; i++) {
		work_person *p = m->order[i];
		size_t h = hash(p->email) & (nb - 1);
		p->next = b[h];
		b[h] = p;
	}
	free(m->buckets);
	m->buckets = b;
	m->n_buckets = nb;
	return 0;
}

work_person *people_find(people_map *m, const char *email)
{
	if (!m->n_buckets)
		return NULL;
	for (work_person *p = m->buckets[hash(email) & (m->n_buckets - 1)]; p; p = p->next)
		if (strcmp(p->email, email) == 0)
			return p;
	return NULL;
}

work_person *people_get(people_map *m, const char *email)
{
	work_person *p = people_find(m, email);
	if (p)
		return p;
	if ((m->count + 1) * 2 > m->n_buckets && grow(m) < 0)
		return NULL;
	if (m->count == m->cap_order) {
		size_t nc = m->cap_order ? m->cap_order * 2 : 1024;
		work_person **o = realloc(m->order, nc * sizeof *o);
		if (!o)
			return NULL;
		m->order = o;
		m->cap_order = nc;
	}
	p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	snprintf(p->email, sizeof p->email, "%s", email);
	size_t h = hash(email) & (m->n_buckets - 1);
	p->next = m->buckets[h];
	m->buckets[h] = p;
	m->order[m->count++] = p;
	return p;
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
