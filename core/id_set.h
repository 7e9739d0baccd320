/* id_set.h - a set of ActiveCampaign contact ids, filled by a walk (ac_contacts_with_tag) and then
 * asked by bsearch: who had a tag when the run began. Used by the per-contact tagging
 * (sync_apply.c) and the bulk import (sync_bulk.c), which must agree on who is tagged. */
#ifndef OPTSYNC_ID_SET_H
#define OPTSYNC_ID_SET_H

#include <stddef.h>

#include "ac.h"
#include "err.h"

typedef struct {
	char (*ids)[24]; /* AC ids are decimal numbers: shorter sorts first, then by digits */
	size_t n, cap;
} id_set;

/* An ac_contacts_with_tag callback (ud: the id_set): adds the contact's id. */
int id_set_add_contact(const ac_contact *ct, void *ud, err_t *e);
/* Sorts the set once it is filled; id_set_has needs it. */
void id_set_sort(id_set *s);
int id_set_has(const id_set *s, const char *id);
void id_set_free(id_set *s);

#endif
