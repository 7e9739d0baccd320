/* sync_apply.c - applying the action queue: Salesforce writes in composite batches (Bulk API above
 * the threshold), ActiveCampaign writes one by one under the shared rate limit. Every outcome goes
 * to the action row, the log and, for writes that took, the snapshot (so the echo is recognised). */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "id_set.h"
#include "pa_detect.h"
#include "sync_bulk.h"
#include "sync_int.h"
#include "timefmt.h"

typedef struct {
	queued_action *a;
	size_t n, cap;
	rules_direction direction; /* only these are kept (and rows the store could not read) */
	int64_t last_id;       /* the last row read, kept or not */
	int oom;
} action_vec;

static int collect(const queued_action *a, void *arg)
{
	action_vec *v = arg;
	v->last_id = a->id;
	if (a->direction != v->direction && !a->invalid[0])
		return 0;
	if (v->n == v->cap) {
		size_t nc = v->cap ? v->cap * 2 : 64;
		queued_action *na = realloc(v->a, nc * sizeof *na);
		if (!na) {
			v->oom = 1;
			return 1;
		}
		v->a = na;
		v->cap = nc;
	}
	v->a[v->n++] = *a;
	return 0;
}

/* Retry soon for the first attempts (a lock or a blip), then back off up to an hour. */
static void schedule_retry(queued_action *a)
{
	long s = a->attempts <= 2 ? 0 : 60L << (a->attempts - 3 < 6 ? a->attempts - 3 : 6);
	if (s > 3600)
		s = 3600;
	timefmt_iso_ms((timefmt_now_ms() / 1000 + s) * 1000, a->next_attempt_at, sizeof a->next_attempt_at);
}

/* Records one outcome: the action row, the log line, the summary counts. */
static int outcome(sync_ctx *x, queued_action *a, action_status status, const char *error, err_t *e)
{
	a->run_id = x->run.id;
	if (status != ACTION_APPLIED && status != ACTION_SKIPPED) {
		a->attempts++;
		if (status == ACTION_RETRYING && a->attempts >= x->retry_limit) {
			status = ACTION_FAILED;
		}
	}
	a->status = status;
	snprintf(a->error, sizeof a->error, "%s", error ? error : "");
	if (status == ACTION_RETRYING)
		schedule_retry(a);
	else
		a->next_attempt_at[0] = '\0';
	if (store_action_update(x->s, a, e) < 0)
		return -1;
	char reason[700];
	snprintf(reason, sizeof reason, "%s%s", a->reason,
	         status == ACTION_RETRYING ? " (will be tried again)" : "");
	const char *record = a->record;
	char rec[96];
	if (a->action == RULES_ACT_UNSUBSCRIBE) {
		snprintf(rec, sizeof rec, "%s:list %s", a->record, a->value);
		record = rec;
	}
	sync_log(x, a->direction, a->email, a->object, record, a->action, status, reason, error);
	if (status == ACTION_APPLIED) {
		if (a->direction == RULES_DIR_AC_TO_SF)
			x->sum->applied_ac_sf++;
		else
			x->sum->applied_sf_ac++;
	} else if (status == ACTION_FAILED) {
		x->sum->failed++;
	} else if (status == ACTION_SKIPPED) {
		x->sum->skipped++;
	}
	return 0;
}

/* A Salesforce write: the one kind the SF pass applies. */
static int is_sf_write(const queued_action *a)
{
	return !a->invalid[0] && a->direction == RULES_DIR_AC_TO_SF &&
	       (a->action == RULES_ACT_OPT_OUT || a->action == RULES_ACT_OPT_IN);
}

/* Rows the store could not read (a state this version does not know): failed at once, never
 * retried (the same row reads the same next time), with the store's reason, so each is logged
 * and none is guessed at. Returns -1 on a store error. */
static int fail_invalid(sync_ctx *x, action_vec *v, err_t *e)
{
	size_t k = 0;
	for (size_t i = 0; i < v->n; i++) {
		queued_action *a = &v->a[i];
		if (!a->invalid[0]) {
			v->a[k++] = *a;
			continue;
		}
		if (store_begin(x->s, e) < 0)
			return -1;
		if (outcome(x, a, ACTION_FAILED, a->invalid, e) < 0 || store_commit(x->s, e) < 0) {
			store_rollback(x->s);
			return -1;
		}
		err_t ie;
		err_set(&ie, ERR_DB, "%s", a->invalid);
		sync_note_error(x, &ie);
	}
	v->n = k;
	return 0;
}

/* ---- Salesforce ---- */

static int sf_share_reached(sync_ctx *x)
{
	long used, max;
	if (x->sf_paused)
		return 1;
	if (sf_api_usage(x->sf, &used, &max) == 0 && max > 0 &&
	    (double)used >= x->sf_api_share * (double)max) {
		x->sf_paused = 1;
		char msg[300];
		snprintf(msg, sizeof msg,
		         "Salesforce API usage %ld/%ld is at or above the %.0f%% share set by sf_api_share: "
		         "writes to "
		         "Salesforce paused, queued changes wait for the next run",
		         used, max, x->sf_api_share * 100);
		sync_log(x, RULES_DIR_AC_TO_SF, "", "", "", RULES_ACT_SKIP, ACTION_RETRYING, msg, NULL);
		err_t e;
		err_set(&e, ERR_RATE_LIMITED, "%s", msg);
		sync_note_error(x, &e);
		return 1;
	}
	return 0;
}

static int apply_sf(sync_ctx *x, action_vec *v, err_t *e)
{
	size_t n = 0;
	for (size_t i = 0; i < v->n; i++)
		n += is_sf_write(&v->a[i]);
	if (n == 0)
		return 0;
	/* One token up front: the API share is read from the answer, and a dead login fails here once. */
	if (sf_share_reached(x))
		return 0;
	sf_update *u = calloc(n, sizeof *u);
	sf_result *res = calloc(n, sizeof *res);
	queued_action **which = calloc(n, sizeof *which);
	if (!u || !res || !which) {
		free(u);
		free(res);
		free(which);
		return err_set(e, ERR_INTERNAL, "out of memory");
	}
	size_t k = 0;
	for (size_t i = 0; i < v->n; i++) {
		queued_action *a = &v->a[i];
		if (!is_sf_write(a))
			continue;
		u[k].object = a->object;
		u[k].id = a->record;
		/* The store refused a row whose value is not the one its action sets. */
		u[k].value = a->action == RULES_ACT_OPT_OUT;
		which[k++] = a;
	}
	sync_progress_note(x, "applying to Salesforce", 0, (long)n);
	err_t ce = {0};
	int rc = sf_update_bool(x->sf, "HasOptedOutOfEmail", u, n, res, &ce);
	if (rc < 0) {
		sync_note_error(x, &ce);
		/* Down for this run: later pages of the queue wait for the next run instead of waiting on it.
		 */
		if (ce.kind == ERR_NETWORK || ce.kind == ERR_AUTH || ce.kind == ERR_SERVER)
			x->sf_down = 1;
	}
	int out = store_begin(x->s, e), contact_refused = 0;
	for (size_t i = 0; out == 0 && i < n; i++) {
		queued_action *a = which[i];
		char err[400];
		switch (res[i].status) {
		case SF_RES_OK: {
			sf_snapshot snap;
			if (store_sf_get(x->s, a->record, &snap, e) == 1) {
				snap.opted_out = u[i].value;
				if (store_sf_put(x->s, &snap, e) < 0) {
					out = -1;
					break;
				}
			}
			out = outcome(x, a, ACTION_APPLIED, NULL, e);
			break;
		}
		case SF_RES_FAILED:
			snprintf(err, sizeof err, "Salesforce: %s: %s", res[i].code, res[i].message);
			out = outcome(x, a, ACTION_FAILED, err, e);
			contact_refused |= !x->person_accounts && strcmp(a->object, "Contact") == 0;
			break;
		case SF_RES_RETRY:
			snprintf(err, sizeof err, "Salesforce: %s: %s", res[i].code, res[i].message);
			out = outcome(x, a, ACTION_RETRYING, err, e);
			break;
		case SF_RES_NOT_SENT:
			out = outcome(x, a, ACTION_RETRYING, rc < 0 ? ce.msg : "Salesforce: not sent", e);
			break;
		}
	}
	if (out == 0)
		out = store_commit(x->s, e);
	else
		store_rollback(x->s);
	/* A Contact refused in an org believed to have no Person Accounts may be a person contact: the
	 * org may have turned the feature on since it was asked. The next run asks again (one describe)
	 * rather than waiting out the day. */
	if (out == 0 && contact_refused)
		out = pa_note_observed(x->s, 1, e);
	free(u);
	free(res);
	free(which);
	return out;
}

/* ---- ActiveCampaign ---- */

typedef struct {
	char name[64];
	char id[32];
	int walked;          /* members below hold every contact that had the tag when the run began */
	id_set members;      /* sorted contact ids */
} tag_cache;

static size_t count_tag_actions(const void *vec, const char *name)
{
	const action_vec *v = vec;
	size_t n = 0;
	for (size_t i = 0; v && i < v->n; i++)
		n += v->a[i].action == RULES_ACT_TAG && strcmp(v->a[i].value, name) == 0;
	return n;
}

static int resolve_contact(sync_ctx *x, queued_action *a, char *id, size_t n, err_t *e)
{
	if (a->record[0]) {
		snprintf(id, n, "%s", a->record);
		return 1;
	}
	person_link pl;
	int rc = store_person_get(x->s, a->email, &pl, e);
	if (rc <= 0 || !pl.ac_contact_id[0])
		return rc < 0 ? -1 : 0;
	snprintf(id, n, "%s", pl.ac_contact_id);
	return 1;
}

static int apply_one_ac(sync_ctx *x, queued_action *a, tag_cache *tags, size_t *n_tags, err_t *ce, err_t *e)
{
	char contact[32];
	if (a->action == RULES_ACT_UNSUBSCRIBE) {
		if (ac_contact_list_set(x->ac, a->record, a->value, 2, ce) < 0)
			return 1;
		ac_snapshot snap;
		if (store_ac_get(x->s, a->record, &snap, e) == 1) {
			work_list *l = NULL;
			size_t nl = 0;
			if (lists_from_json(snap.lists, &l, &nl) == 0) {
				for (size_t i = 0; i < nl; i++)
					if (strcmp(l[i].id, a->value) == 0)
						l[i].status = 2;
				int fits = lists_to_json(l, nl, snap.lists, sizeof snap.lists) == 0;
				free(l);
				if (fits && store_ac_put(x->s, &snap, e) < 0)
					return -1;
			}
		}
		return 0;
	}
	if (a->action == RULES_ACT_CREATE) {
		char first[128] = "", last[128] = "";
		json_object *o = json_tokener_parse(a->value);
		json_object *f;
		if (o && json_object_object_get_ex(o, "first", &f))
			snprintf(first, sizeof first, "%s", json_object_get_string(f));
		if (o && json_object_object_get_ex(o, "last", &f))
			snprintf(last, sizeof last, "%s", json_object_get_string(f));
		json_object_put(o);
		ac_contact ct;
		if (ac_contact_sync(x->ac, a->email, first[0] ? first : NULL, last[0] ? last : NULL, &ct,
		                    ce) < 0)
			return 1;
		snprintf(a->record, sizeof a->record, "%s", ct.id);
		person_link pl;
		if (store_person_get(x->s, a->email, &pl, e) < 0)
			return -1;
		snprintf(pl.email, sizeof pl.email, "%s", a->email);
		snprintf(pl.ac_contact_id, sizeof pl.ac_contact_id, "%s", ct.id);
		ac_snapshot snap;
		memset(&snap, 0, sizeof snap);
		snprintf(snap.id, sizeof snap.id, "%s", ct.id);
		snprintf(snap.email, sizeof snap.email, "%s", a->email);
		snprintf(snap.udate, sizeof snap.udate, "%s", ct.udate);
		snprintf(snap.lists, sizeof snap.lists, "{}");
		snprintf(snap.tags, sizeof snap.tags, "[]");
		if (store_person_put(x->s, &pl, e) < 0 || store_ac_put(x->s, &snap, e) < 0)
			return -1;
		return 0;
	}
	if (a->action == RULES_ACT_TAG) {
		int have = resolve_contact(x, a, contact, sizeof contact, e);
		if (have < 0)
			return -1;
		if (!have) {
			err_set(ce, ERR_NOT_FOUND,
			        "ActiveCampaign: the contact to tag has not been created yet");
			return 1;
		}
		snprintf(a->record, sizeof a->record, "%s", contact);
		const char *tag_id = NULL;
		for (size_t i = 0; i < *n_tags; i++)
			if (strcmp(tags[i].name, a->value) == 0)
				tag_id = tags[i].id;
		if (!tag_id) {
			ac_tag t;
			int created = 0;
			if (ac_tag_ensure(x->ac, a->value, "added by optsync (Salesforce Email Opt Out sync)",
			                  &t, &created, ce) < 0)
				return 1;
			if (*n_tags < 8) {
				tag_cache *tc = &tags[*n_tags];
				snprintf(tc->name, sizeof tc->name, "%s", a->value);
				snprintf(tc->id, sizeof tc->id, "%s", t.id);
				tag_id = tc->id;
				(*n_tags)++;
				/* A tag just created has no members; an old one with many to tag: walk it
				 * once. */
				if (!created && count_tag_actions(x->pending_tags, a->value) > 20) {
					if (ac_contacts_with_tag(x->ac, t.id, id_set_add_contact, &tc->members,
					                         NULL, ce) < 0)
						return 1;
					id_set_sort(&tc->members);
					tc->walked = 1;
				} else if (created) {
					tc->walked = 1;
				}
			} else {
				return err_set(e, ERR_INTERNAL, "too many distinct tags");
			}
		}
		/* Never a tag the contact has: ask AC, it may have been added by hand. With many contacts
		 * to tag, one walk of the tag's members (pages of 100) answers for all of them. */
		tag_cache *tc = NULL;
		for (size_t i = 0; i < *n_tags; i++)
			if (strcmp(tags[i].name, a->value) == 0)
				tc = &tags[i];
		int has = 0;
		if (tc && tc->walked) {
			has = id_set_has(&tc->members, contact);
		} else {
			ac_contact_tag *ct = NULL;
			size_t nct = 0;
			if (ac_contact_tags(x->ac, contact, &ct, &nct, ce) < 0)
				return 1;
			for (size_t i = 0; i < nct; i++)
				has |= strcmp(ct[i].tag, tag_id) == 0;
			free(ct);
		}
		if (!has && ac_contact_tag_add(x->ac, contact, tag_id, ce) < 0)
			return 1;
		ac_snapshot snap;
		if (store_ac_get(x->s, contact, &snap, e) == 1) {
			tags_json_add(snap.tags, sizeof snap.tags, a->value);
			if (store_ac_put(x->s, &snap, e) < 0)
				return -1;
		}
		return 0;
	}
	err_set(ce, ERR_INTERNAL, "unknown queued action '%s'", rules_action_name(a->action));
	return 2;
}

/* What the ActiveCampaign pass keeps from one page to the next: the tags it has looked up, and how
 * far it has come (for the progress line). */
typedef struct {
	tag_cache tags[8];
	size_t n_tags;
	size_t done, total;
	sync_bulk *bulk; /* above ac_bulk_threshold: tags and unsubscribes through bulk import first */
} ac_pass;

static void ac_pass_free(ac_pass *p)
{
	for (size_t i = 0; i < p->n_tags; i++)
		id_set_free(&p->tags[i].members);
}

static int apply_ac(sync_ctx *x, action_vec *v, void *state, err_t *e)
{
	ac_pass *p = state;
	unsigned char *bulk_done = NULL;
	if (sync_bulk_apply(p->bulk, v->a, v->n, &bulk_done, e) < 0)
		return -1;
	x->pending_tags = v;
	for (size_t i = 0; i < v->n; i++) {
		queued_action *a = &v->a[i];
		/* No transaction is held across the network call: the dashboard and the webhook receiver
		 * must be able to write meanwhile. A crash after the write but before its outcome is
		 * stored leaves the action queued, and writing the same status again changes nothing. */
		err_t ce = {0};
		int rc = bulk_done && bulk_done[i] ? 0 : apply_one_ac(x, a, p->tags, &p->n_tags, &ce, e);
		if (rc < 0 || store_begin(x->s, e) < 0) {
			free(bulk_done);
			return -1;
		}
		int out;
		if (rc == 0)
			out = outcome(x, a, ACTION_APPLIED, NULL, e);
		else
			out = outcome(x, a,
			              rc == 1 && (err_is_transient(&ce) || ce.kind == ERR_NOT_FOUND)
			                  ? ACTION_RETRYING
			                  : ACTION_FAILED,
			              ce.msg, e);
		if (out < 0 || store_commit(x->s, e) < 0) {
			store_rollback(x->s);
			free(bulk_done);
			return -1;
		}
		if (rc != 0)
			sync_note_error(x, &ce);
		/* A side that is down stays down for this run: leave the rest queued untouched. */
		if (rc == 1 && (ce.kind == ERR_NETWORK || ce.kind == ERR_AUTH || ce.kind == ERR_SERVER)) {
			x->ac_down = 1;
			break;
		}
		if (++p->done % 10 == 0)
			sync_progress_note(x, "applying to ActiveCampaign", (long)p->done, (long)p->total);
	}
	x->pending_tags = NULL;
	free(bulk_done);
	return 0;
}

static int apply_sf_page(sync_ctx *x, action_vec *v, void *state, err_t *e)
{
	(void)state;
	return apply_sf(x, v, e);
}

/* The queue is applied a page at a time, one direction after the other, so memory stays one page
 * whatever the queue's length. A Salesforce page is large enough for Bulk API 2.0 to take over above
 * its threshold; ActiveCampaign writes go one at a time, so its pages are small. */
#define SF_PAGE 10000
#define AC_PAGE 500

static int apply_direction(sync_ctx *x, rules_direction direction, int page,
                           int (*apply)(sync_ctx *, action_vec *, void *, err_t *), void *state, err_t *e)
{
	char now[32];
	timefmt_now_iso(now, sizeof now);
	action_vec v = {.direction = direction};
	int64_t after = 0;
	int rc = 0;
	for (;;) {
		v.n = 0;
		rc = store_actions_due(x->s, now, after, page, collect, &v, e);
		if (rc <= 0)
			break;
		if (v.oom) {
			rc = err_set(e, ERR_INTERNAL, "out of memory reading the action queue");
			break;
		}
		after = v.last_id;
		int last_page = rc < page;
		if (x->o->email) {
			/* resync: only this person's actions */
			size_t k = 0;
			for (size_t i = 0; i < v.n; i++)
				if (strcmp(v.a[i].email, x->o->email) == 0)
					v.a[k++] = v.a[i];
			v.n = k;
		}
		if (fail_invalid(x, &v, e) < 0 || (v.n && apply(x, &v, state, e) < 0)) {
			rc = -1;
			break;
		}
		if (last_page || (direction == RULES_DIR_AC_TO_SF ? x->sf_down : x->ac_down))
			break;
	}
	free(v.a);
	return rc < 0 ? -1 : 0;
}

int sync_apply(sync_ctx *x, err_t *e)
{
	if (!x->sf_down && apply_direction(x, RULES_DIR_AC_TO_SF, SF_PAGE, apply_sf_page, NULL, e) < 0)
		return -1;
	ac_pass p;
	memset(&p, 0, sizeof p);
	int rc = 0;
	if (!x->ac_down) {
		int due = store_actions_count(x->s, ACTION_PENDING, NULL);
		int retrying = store_actions_count(x->s, ACTION_RETRYING, NULL);
		p.total = (size_t)(due > 0 ? due : 0) + (size_t)(retrying > 0 ? retrying : 0);
		p.bulk = sync_bulk_open(x);
		rc = apply_direction(x, RULES_DIR_SF_TO_AC, AC_PAGE, apply_ac, &p, e);
	}
	sync_bulk_close(p.bulk, NULL);
	ac_pass_free(&p);
	return rc;
}
