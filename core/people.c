/* people.c - the per-run map from normalised email to what was read about that person. At most
 * `cap` people are held in memory; past that they go to the run's scratch file (people_spill.c)
 * and come back when read about again, so memory does not grow with the people a run reads. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "people.h"
#include "people_spill.h"

#define PEOPLE_CAP_DEFAULT 1000
#define PEOPLE_BATCH 500

static size_t hash(const char *s)
{
	size_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

void people_init(people_map *m, size_t cap)
{
	memset(m, 0, sizeof *m);
	m->cap = cap ? cap : PEOPLE_CAP_DEFAULT;
}

static void drop_memory(people_map *m)
{
	for (size_t i = 0; i < m->count; i++)
		person_free(m->order[i]);
	m->count = 0;
	if (m->buckets)
		memset(m->buckets, 0, m->n_buckets * sizeof *m->buckets);
}

void people_free(people_map *m)
{
	drop_memory(m);
	free(m->order);
	free(m->buckets);
	spill_close(m->sp);
	memset(m, 0, sizeof *m);
}

const char *people_error(const people_map *m)
{
	return m->err.msg[0] ? m->err.msg : "out of memory";
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

/* Moves everyone in memory to disk. */
static int spill_all(people_map *m, err_t *e)
{
	if (!m->sp && !(m->sp = spill_open(e)))
		return -1;
	if (spill_begin(m->sp, e) < 0)
		return -1;
	for (size_t i = 0; i < m->count; i++)
		if (spill_put(m->sp, m->order[i], e) < 0) {
			spill_commit(m->sp, NULL);
			return -1;
		}
	if (spill_commit(m->sp, e) < 0)
		return -1;
	m->spilled = 1;
	drop_memory(m);
	return 0;
}

static work_person *find_memory(people_map *m, const char *email)
{
	if (!m->n_buckets)
		return NULL;
	for (work_person *p = m->buckets[hash(email) & (m->n_buckets - 1)]; p; p = p->next)
		if (strcmp(p->email, email) == 0)
			return p;
	return NULL;
}

static int grow_order(people_map *m)
{
	size_t nc = m->cap_order ? m->cap_order * 2 : 1024;
	work_person **o = realloc(m->order, nc * sizeof *o);
	if (!o)
		return -1;
	m->order = o;
	m->cap_order = nc;
	return 0;
}

/* Puts p (new, or back from disk) in memory; the map owns it from here, or frees it on failure. */
static work_person *hold(people_map *m, work_person *p)
{
	if (!m->frozen && m->count >= m->cap && spill_all(m, &m->err) < 0) {
		person_free(p);
		return NULL;
	}
	if (((m->count + 1) * 2 > m->n_buckets && grow(m) < 0) ||
	    (m->count == m->cap_order && grow_order(m) < 0)) {
		err_set(&m->err, ERR_INTERNAL, "out of memory");
		person_free(p);
		return NULL;
	}
	size_t h = hash(p->email) & (m->n_buckets - 1);
	p->next = m->buckets[h];
	m->buckets[h] = p;
	m->order[m->count++] = p;
	return p;
}

/* Memory first, then the scratch file; NULL when neither has the email (or on error: m->err). */
static work_person *find(people_map *m, const char *email, int *failed)
{
	*failed = 0;
	/* m->err speaks of this call only: a miss after an earlier failure is still a miss. */
	m->err.kind = ERR_NONE;
	m->err.msg[0] = '\0';
	work_person *p = find_memory(m, email);
	/* While deciding, what is on disk is being walked: nothing is fetched back from it. */
	if (p || !m->spilled || m->frozen)
		return p;
	int rc = spill_get(m->sp, email, &p, &m->err);
	if (rc <= 0) {
		*failed = rc < 0;
		return NULL;
	}
	p = hold(m, p);
	*failed = p == NULL;
	return p;
}

work_person *people_lookup(people_map *m, const char *email)
{
	int failed;
	return find(m, email, &failed);
}

work_person *people_get(people_map *m, const char *email)
{
	int failed;
	work_person *p = find(m, email, &failed);
	if (p || failed)
		return p;
	p = calloc(1, sizeof *p);
	if (!p) {
		err_set(&m->err, ERR_INTERNAL, "out of memory");
		return NULL;
	}
	snprintf(p->email, sizeof p->email, "%s", email);
	if (!(p = hold(m, p)))
		return NULL;
	m->total++;
	return p;
}

/* The people in memory, in batches; the map keeps them. New people that fn creates are appended
 * to `order` and visited too. */
static int each_in_memory(people_map *m, people_batch_fn fn, void *ud, err_t *e)
{
	work_person *batch[PEOPLE_BATCH];
	for (size_t i = 0; i < m->count;) {
		size_t n = 0;
		while (n < PEOPLE_BATCH && i < m->count)
			batch[n++] = m->order[i++];
		if (fn(batch, n, ud, e) < 0)
			return -1;
	}
	return 0;
}

/* Everyone on disk, in email order: read a batch, let fn work on it, write it back when kept. */
static int each_on_disk(people_map *m, int keep, people_batch_fn fn, void *ud, err_t *e)
{
	work_person *batch[PEOPLE_BATCH];
	char after[RULES_EMAIL_MAX + 1];
	int started = 0;
	for (;;) {
		size_t n = 0;
		if (spill_next(m->sp, started ? after : NULL, batch, PEOPLE_BATCH, &n, e) < 0)
			return -1;
		if (n == 0)
			return 0;
		started = 1;
		snprintf(after, sizeof after, "%s", batch[n - 1]->email);
		int rc = fn(batch, n, ud, e);
		if (rc == 0 && keep) {
			rc = spill_begin(m->sp, e);
			for (size_t i = 0; rc == 0 && i < n; i++)
				rc = spill_put(m->sp, batch[i], e);
			if (rc == 0)
				rc = spill_commit(m->sp, e);
			else
				spill_commit(m->sp, NULL);
		}
		for (size_t i = 0; i < n; i++)
			person_free(batch[i]);
		if (rc < 0)
			return -1;
	}
}

int people_each(people_map *m, int keep, people_batch_fn fn, void *ud, err_t *e)
{
	int rc = 0;
	m->frozen = 1;
	if (m->spilled) {
		/* One place to walk: everyone goes to disk first, and comes back batch by batch. */
		rc = spill_all(m, e);
		if (rc == 0)
			rc = each_on_disk(m, keep, fn, ud, e);
	}
	if (rc == 0)
		rc = each_in_memory(m, fn, ud, e);
	m->frozen = 0;
	return rc;
}
