/* id_set.c - contact ids gathered by a walk, sorted once, then looked up (id_set.h). */
#include "id_set.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_id(const void *a, const void *b)
{
	const char *x = a, *y = b;
	size_t lx = strlen(x), ly = strlen(y);
	return lx != ly ? (lx < ly ? -1 : 1) : strcmp(x, y);
}

int id_set_add_contact(const ac_contact *ct, void *ud, err_t *e)
{
	id_set *s = ud;
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 256;
		void *m = realloc(s->ids, nc * sizeof *s->ids);
		if (!m)
			return err_set(e, ERR_INTERNAL, "out of memory reading tagged contacts");
		s->ids = m;
		s->cap = nc;
	}
	snprintf(s->ids[s->n++], sizeof s->ids[0], "%s", ct->id);
	return 0;
}

void id_set_sort(id_set *s)
{
	if (s->n)
		qsort(s->ids, s->n, sizeof s->ids[0], cmp_id);
}

int id_set_has(const id_set *s, const char *id)
{
	return s->n && bsearch(id, s->ids, s->n, sizeof s->ids[0], cmp_id) != NULL;
}

void id_set_free(id_set *s)
{
	free(s->ids);
	s->ids = NULL;
	s->n = s->cap = 0;
}
