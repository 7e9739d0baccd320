/* sync_bulk.c - link tags and R4 unsubscribes through ActiveCampaign's bulk import, above
 * ac_bulk_threshold. What AC documents decides the shape: an import creates every email it does not
 * know and writes every field it is given, so only contacts AC has are sent (their AC id known and
 * their snapshot read from AC), with only the email, the tags and the lists to leave; an action is
 * applied only when import/info lists its contact as imported. The rest (a contact AC listed as
 * failed, a batch that failed or did not finish in time, an import refused) is left to the per-contact
 * calls of sync_apply.c, which then log it as they always do. */
#include "sync_bulk.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ac_import.h"
#include "id_set.h"
#include "settings.h"
#include "snapshot.h"
#include "timefmt.h"

/* AC: the importer is not meant for fewer than 10 contacts; below that, the per-contact API. */
#define BULK_MIN_CONTACTS 10
/* How long import/info is polled for one page's batches before their contacts fall back. */
#define BULK_WAIT_MS 120000
#define MAX_TAGS 8
#define MAX_TAGS_PER_CONTACT 8

typedef struct {
	char name[64];
	int walked;          /* members holds every contact that had the tag when the run began */
	id_set members;
} tag_walk;

struct sync_bulk {
	sync_ctx *x;
	tag_walk tags[MAX_TAGS];
	size_t n_tags;
	sync_bulk_stats st;
	ac_snapshot *snap; /* one, reused: 64 KiB of lists */
};

/* One contact of an import: what it gets, and the actions that asked for it. */
typedef struct {
	char id[24];
	char email[256];
	const char *tags[MAX_TAGS_PER_CONTACT];
	size_t n_tags;
	const char **lists;
	size_t n_lists, cap_lists;
	size_t *acts;
	size_t n_acts, cap_acts;
} entry;

static int count_due(const queued_action *a, void *arg)
{
	long *n = arg;
	*n += a->direction == RULES_DIR_SF_TO_AC &&
	      (a->action == RULES_ACT_TAG || a->action == RULES_ACT_UNSUBSCRIBE);
	return 0;
}

typedef struct {
	long n;
	int64_t last;
} page_count;

static int count_page(const queued_action *a, void *arg)
{
	page_count *p = arg;
	p->last = a->id;
	return count_due(a, &p->n);
}

sync_bulk *sync_bulk_open(sync_ctx *x)
{
	if (x->o->email)
		return NULL;
	char v[32];
	err_t e = {0};
	const setting_def *d = settings_find("ac_bulk_threshold");
	if (store_setting_get(x->s, "ac_bulk_threshold", v, sizeof v, d ? d->def : "50", &e) < 0)
		return NULL;
	long threshold = atol(v) > 0 ? atol(v) : 50;
	char now[32];
	timefmt_now_iso(now, sizeof now);
	page_count pc = {0, 0};
	for (;;) {
		int64_t before = pc.last;
		int rc = store_actions_due(x->s, now, pc.last, 10000, count_page, &pc, &e);
		if (rc < 0)
			return NULL;
		if (rc < 10000 || pc.last == before || pc.n > threshold)
			break;
	}
	if (pc.n <= threshold)
		return NULL;
	sync_bulk *b = calloc(1, sizeof *b);
	if (b && !(b->snap = malloc(sizeof *b->snap))) {
		free(b);
		b = NULL;
	}
	if (b)
		b->x = x;
	return b;
}

void sync_bulk_close(sync_bulk *b, sync_bulk_stats *st)
{
	if (st)
		memset(st, 0, sizeof *st);
	if (!b)
		return;
	if (st)
		*st = b->st;
	for (size_t i = 0; i < b->n_tags; i++)
		id_set_free(&b->tags[i].members);
	free(b->snap);
	free(b);
}

/* A failure of the bulk path is not the run's: its contacts go the per-contact way, whose own
 * errors are the run's. It is kept for the summary and shown as progress. */
static void bulk_note(sync_bulk *b, const err_t *ce)
{
	if (!b->st.error[0])
		snprintf(b->st.error, sizeof b->st.error, "%s", ce->msg);
	sync_progress_note(b->x, ce->msg, 0, 0);
}

/* The tag's members as the run began: one walk per tag and run (a tag AC does not have yet has
 * none). NULL when AC could not be asked: then nobody is sent for that tag. */
static tag_walk *tag_members(sync_bulk *b, const char *name)
{
	for (size_t i = 0; i < b->n_tags; i++)
		if (strcmp(b->tags[i].name, name) == 0)
			return b->tags[i].walked ? &b->tags[i] : NULL;
	if (b->n_tags == MAX_TAGS)
		return NULL;
	tag_walk *t = &b->tags[b->n_tags++];
	snprintf(t->name, sizeof t->name, "%s", name);
	ac_tag tag;
	int found = 0;
	err_t ce = {0};
	if (ac_tag_find(b->x->ac, name, &tag, &found, &ce) < 0 ||
	    (found && ac_contacts_with_tag(b->x->ac, tag.id, id_set_add_contact, &t->members, NULL, &ce) < 0)) {
		bulk_note(b, &ce);
		return NULL;
	}
	id_set_sort(&t->members);
	t->walked = 1;
	return t;
}

static int has_member(const tag_walk *t, const char *id)
{
	return id_set_has(&t->members, id);
}

static int grow(void **p, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return 0;
	size_t nc = *cap ? *cap * 2 : 4;
	void *q = realloc(*p, nc * size);
	if (!q)
		return -1;
	*p = q;
	*cap = nc;
	return 0;
}

static void entries_free(entry *en, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(en[i].lists);
		free(en[i].acts);
	}
	free(en);
}

/* The snapshot written as the per-contact write would have left it. */
static int snapshot_applied(sync_bulk *b, const queued_action *a, err_t *e)
{
	ac_snapshot *snap = b->snap;
	int rc = store_ac_get(b->x->s, a->record, snap, e);
	if (rc <= 0)
		return rc;
	if (a->action == RULES_ACT_TAG) {
		tags_json_add(snap->tags, sizeof snap->tags, a->value);
	} else {
		work_list *l = NULL;
		size_t nl = 0;
		if (lists_from_json(snap->lists, &l, &nl) < 0)
			return 0;
		for (size_t i = 0; i < nl; i++)
			if (strcmp(l[i].id, a->value) == 0)
				l[i].status = 2;
		int fits = lists_to_json(l, nl, snap->lists, sizeof snap->lists) == 0;
		free(l);
		if (!fits)
			return 0;
	}
	return store_ac_put(b->x->s, snap, e);
}

static void mark_bulk(queued_action *a)
{
	size_t len = strlen(a->reason);
	snprintf(a->reason + len, sizeof a->reason - len, " (bulk import)");
}

/* Groups the page's tag and unsubscribe writes by contact, for contacts AC has. */
static int build_entries(sync_bulk *b, queued_action *a, size_t n, unsigned char *done, entry **out,
                         size_t *n_out, err_t *e)
{
	sync_ctx *x = b->x;
	entry *en = NULL;
	size_t ne = 0, cap = 0;
	*out = NULL;
	*n_out = 0;
	for (size_t i = 0; i < n; i++) {
		queued_action *q = &a[i];
		int is_tag = q->action == RULES_ACT_TAG;
		if (q->direction != RULES_DIR_SF_TO_AC || (!is_tag && q->action != RULES_ACT_UNSUBSCRIBE))
			continue;
		char id[24] = "";
		if (q->record[0]) {
			snprintf(id, sizeof id, "%s", q->record);
		} else {
			person_link pl;
			int rc = store_person_get(x->s, q->email, &pl, e);
			if (rc < 0)
				goto fail;
			if (rc == 1)
				snprintf(id, sizeof id, "%s", pl.ac_contact_id);
		}
		if (!id[0] || strspn(id, "0123456789") != strlen(id))
			continue; /* not in AC yet (created later in this run): the per-contact path */
		size_t k = 0;
		while (k < ne && strcmp(en[k].id, id) != 0)
			k++;
		if (k == ne) {
			/* Only a contact read from AC, under the email AC has for it: an import of an
			 * address AC does not know would create a contact. */
			int rc = store_ac_get(x->s, id, b->snap, e);
			if (rc < 0)
				goto fail;
			if (rc == 0 || !b->snap->email[0])
				continue;
			if (grow((void **)&en, &cap, ne, sizeof *en) < 0)
				goto oom;
			memset(&en[ne], 0, sizeof en[ne]);
			snprintf(en[ne].id, sizeof en[ne].id, "%s", id);
			snprintf(en[ne].email, sizeof en[ne].email, "%s", b->snap->email);
			ne++;
		}
		entry *t = &en[k];
		if (is_tag) {
			tag_walk *w = tag_members(b, q->value);
			if (!w)
				continue;
			if (has_member(w, id)) {
				/* Never a tag the contact has: no write, applied as the per-contact path does. */
				snprintf(q->record, sizeof q->record, "%s", id);
				if (snapshot_applied(b, q, e) < 0)
					goto fail;
				done[i] = 1;
				continue;
			}
			size_t j = 0;
			while (j < t->n_tags && strcmp(t->tags[j], q->value) != 0)
				j++;
			if (j == t->n_tags) {
				if (t->n_tags == MAX_TAGS_PER_CONTACT)
					continue;
				t->tags[t->n_tags++] = q->value;
			}
		} else {
			if (t->n_lists >= AC_IMPORT_LISTS_MAX)
				continue;
			if (grow((void **)&t->lists, &t->cap_lists, t->n_lists, sizeof *t->lists) < 0)
				goto oom;
			t->lists[t->n_lists++] = q->value;
		}
		if (grow((void **)&t->acts, &t->cap_acts, t->n_acts, sizeof *t->acts) < 0)
			goto oom;
		t->acts[t->n_acts++] = i;
		snprintf(q->record, sizeof q->record, "%s", id);
	}
	/* Contacts whose every action was answered by a tag walk carry nothing: drop them. */
	size_t k = 0;
	for (size_t i = 0; i < ne; i++) {
		if (en[i].n_acts)
			en[k++] = en[i];
		else {
			free(en[i].lists);
			free(en[i].acts);
		}
	}
	*out = en;
	*n_out = k;
	return 0;
oom:
	entries_free(en, ne);
	return err_set(e, ERR_INTERNAL, "out of memory building a bulk import");
fail:
	entries_free(en, ne);
	return -1;
}

static int in_success(const ac_import_result *r, const char *id)
{
	for (size_t i = 0; i < r->n_success; i++)
		if (strcmp(r->success[i], id) == 0)
			return 1;
	return 0;
}

static int in_failure(const ac_import_result *r, const char *email)
{
	for (size_t i = 0; i < r->n_failure; i++)
		if (strcasecmp(r->failure[i], email) == 0)
			return 1;
	return 0;
}

typedef struct {
	char id[AC_BATCH_MAX];
	size_t from, to; /* entries [from, to) */
} batch;

int sync_bulk_apply(sync_bulk *b, queued_action *a, size_t n, unsigned char **done, err_t *e)
{
	*done = NULL;
	if (!b || n == 0 || b->x->ac_down)
		return 0;
	sync_ctx *x = b->x;
	unsigned char *d = calloc(n, 1);
	if (!d)
		return err_set(e, ERR_INTERNAL, "out of memory");
	entry *en = NULL;
	size_t ne = 0;
	if (build_entries(b, a, n, d, &en, &ne, e) < 0) {
		free(d);
		return -1;
	}
	if (ne < BULK_MIN_CONTACTS) {
		entries_free(en, ne);
		*done = d;
		return 0;
	}
	ac_import_contact *in = calloc(ne, sizeof *in);
	batch *bt = calloc(ne, sizeof *bt);
	if (!in || !bt) {
		free(in);
		free(bt);
		entries_free(en, ne);
		free(d);
		return err_set(e, ERR_INTERNAL, "out of memory");
	}
	for (size_t i = 0; i < ne; i++) {
		in[i].email = en[i].email;
		in[i].tags = en[i].tags;
		in[i].n_tags = en[i].n_tags;
		in[i].unsubscribe = en[i].lists;
		in[i].n_unsubscribe = en[i].n_lists;
	}
	/* exclude_automations is not sent: AC then runs the automations a tag or an unsubscribe starts,
	 * as it does for the per-contact calls this replaces (README, "ActiveCampaign bulk import"). */
	ac_import_options io;
	ac_import_options_default(&io);
	size_t nb = 0;
	sync_progress_note(x, "bulk import to ActiveCampaign", 0, (long)ne);
	for (size_t from = 0; from < ne;) {
		size_t taken = 0;
		err_t ce = {0};
		if (ac_bulk_import(x->ac, in + from, ne - from, &io, &taken, bt[nb].id, &ce) < 0) {
			/* Refused or unreachable: these contacts go the per-contact way, which meets the
			 * same outage (and marks AC down) or gets through. */
			bulk_note(b, &ce);
			break;
		}
		bt[nb].from = from;
		bt[nb].to = from + taken;
		nb++;
		b->st.imports++;
		b->st.sent += (long)taken;
		from += taken;
	}
	for (size_t k = 0; k < nb; k++) {
		ac_import_result r;
		err_t ce = {0};
		if (ac_import_wait(x->ac, bt[k].id, BULK_WAIT_MS, &r, &ce) < 0) {
			bulk_note(b, &ce);
			b->st.fallback += (long)(bt[k].to - bt[k].from);
			continue;
		}
		for (size_t i = bt[k].from; i < bt[k].to; i++) {
			int ok = r.state == AC_IMPORT_DONE && in_success(&r, en[i].id) && !in_failure(&r, en[i].email);
			if (!ok) {
				b->st.fallback++;
				continue;
			}
			b->st.verified++;
			for (size_t j = 0; j < en[i].n_acts; j++) {
				queued_action *q = &a[en[i].acts[j]];
				if (snapshot_applied(b, q, e) < 0) {
					ac_import_result_free(&r);
					free(in);
					free(bt);
					entries_free(en, ne);
					free(d);
					return -1;
				}
				mark_bulk(q);
				d[en[i].acts[j]] = 1;
			}
		}
		ac_import_result_free(&r);
	}
	free(in);
	free(bt);
	entries_free(en, ne);
	*done = d;
	return 0;
}
