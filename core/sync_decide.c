/* sync_decide.c - the decide stage of a run: builds each person read (this run's reads and the
 * stored snapshots) for the rules, asks them, queues what they decide durably and saves the new
 * snapshots; then moves the watermarks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sync_int.h"
#include "timefmt.h"

void person_state_free(person_state *ps)
{
	free(ps->stored);
	ps->stored = NULL;
	ps->n_stored = 0;
}

static int64_t ms_of(const char *iso)
{
	int64_t ms;
	return iso && iso[0] && timefmt_parse(iso, &ms) == 0 ? ms : 0;
}

static rules_rule rule_from_name(const char *name)
{
	for (int r = RULES_RULE_NONE; r <= RULES_RULE_IMPORT; r++)
		if (strcmp(rules_rule_name((rules_rule)r), name) == 0)
			return (rules_rule)r;
	return RULES_RULE_NONE;
}

/* ---- building one person for the rules ---- */

static int sf_snapshot_id_cmp(const void *a, const void *b)
{
	return strcmp(((const sf_snapshot *)a)->id, ((const sf_snapshot *)b)->id);
}

static int person_oom(err_t *e, const char *what, const char *email)
{
	err_set(e, ERR_INTERNAL, "out of memory for the %s of %s", what, email);
	return PERSON_FAILED;
}

/* Whether id is among the n snapshots sorted by id (wp->sf is not sorted: a copy is). */
static int id_in_sorted(const sf_snapshot *sorted, size_t n, const char *id)
{
	sf_snapshot key;
	snprintf(key.id, sizeof key.id, "%s", id);
	return bsearch(&key, sorted, n, sizeof *sorted, sf_snapshot_id_cmp) != NULL;
}

static int cmp_str_ptr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The PersonContactId of every person account read now for this person, sorted (*out: NULL when
 * none). Returns how many, or (size_t)-1 out of memory. */
static size_t person_contacts_read(const work_person *wp, const char ***out)
{
	size_t k = 0;
	*out = NULL;
	for (size_t i = 0; i < wp->n_sf; i++)
		k += wp->sf[i].person_contact_id[0] != '\0';
	if (k == 0)
		return 0;
	const char **ids = malloc(k * sizeof *ids);
	if (!ids)
		return (size_t)-1;
	k = 0;
	for (size_t i = 0; i < wp->n_sf; i++)
		if (wp->sf[i].person_contact_id[0])
			ids[k++] = wp->sf[i].person_contact_id;
	qsort(ids, k, sizeof *ids, cmp_str_ptr);
	*out = ids;
	return k;
}

/* Whether a stored record is a Contact that is the person contact of one of mirrors (sorted). */
static int is_person_contact(const sf_snapshot *stored, const char **mirrors, size_t n_mirrors)
{
	return n_mirrors && strcmp(stored->object, "Contact") == 0 &&
	       bsearch(&(const char *){stored->id}, mirrors, n_mirrors, sizeof *mirrors, cmp_str_ptr);
}

static void fill_sf(rules_sf_record *r, const sf_snapshot *now, const sf_snapshot *seen, int ever_seen)
{
	r->object = strcmp(now->object, "Lead") == 0            ? RULES_OBJ_LEAD
	            : strcmp(now->object, "PersonAccount") == 0 ? RULES_OBJ_PERSON_ACCOUNT
	                                                        : RULES_OBJ_CONTACT;
	snprintf(r->person_contact_id, sizeof r->person_contact_id, "%s", now->person_contact_id);
	snprintf(r->id, sizeof r->id, "%s", now->id);
	r->has_email = now->email[0] != '\0';
	r->opted_out = now->opted_out;
	r->ever_seen = ever_seen;
	r->seen_opted_out = ever_seen ? seen->opted_out : 0;
	r->is_converted = now->is_converted;
	snprintf(r->converted_contact_id, sizeof r->converted_contact_id, "%s", now->converted_contact_id);
	r->linked = ever_seen ? seen->linked : 0;
	r->modstamp_ms = ms_of(now->modstamp);
	r->created_ms = ms_of(now->created_date);
	r->changed_ms = now->changed_ms;
	snprintf(r->first_name, sizeof r->first_name, "%s", now->first_name);
	snprintf(r->last_name, sizeof r->last_name, "%s", now->last_name);
}

/*
 * The rules' view of one person: what was read now against what was seen last. Returns 0, -1 on
 * a store error (the batch stops), or PERSON_FAILED with e set when this person alone cannot be
 * built (memory): the caller logs them failed and goes on with the others. However many records
 * share the email, or lists the contact is on, all of them are given (nothing is cut at a bound),
 * and the work stays linear in them: the lookups between this run's records and the stored ones
 * go through sorted copies, not a scan per record.
 */
int sync_build_person(sync_ctx *x, work_person *wp, rules_person *rp, person_state *ps, err_t *e)
{
	rules_person_reset(rp);
	person_state_free(ps);
	snprintf(rp->email, sizeof rp->email, "%s", wp->email);
	rp->first_sync = x->first_sync;
	rp->import = x->import;
	rp->connected_ms = x->connected_ms;
	ps->has_link = store_person_get(x->s, wp->email, &ps->link, e);
	if (ps->has_link < 0)
		return -1;
	if (ps->has_link)
		rp->last_rule = rule_from_name(ps->link.last_rule);

	/* ActiveCampaign: what was read now against what was seen last. */
	ps->has_ac = wp->ac_id[0] ? store_ac_get(x->s, wp->ac_id, &ps->ac, e)
	                          : store_ac_by_email(x->s, wp->email, &ps->ac, e);
	if (ps->has_ac < 0)
		return -1;
	work_list *seen = NULL;
	size_t n_seen = 0;
	if (ps->has_ac && lists_from_json(ps->ac.lists, &seen, &n_seen) < 0)
		n_seen = 0;
	int oom = 0;
	if (wp->ac_read && wp->ac_id[0]) {
		snprintf(rp->ac.contact_id, sizeof rp->ac.contact_id, "%s", wp->ac_id);
		rp->ac.bounced_hard = wp->bounced_hard;
		rp->ac.bounce_ms = wp->bounce_ms;
		rp->ac.bounce_ever_seen = ps->has_ac;
		rp->ac.seen_bounced_hard = ps->has_ac ? ps->ac.bounced_hard : 0;
		for (size_t i = 0; i < wp->n_lists && !oom; i++) {
			rules_ac_list *l = rules_person_add_list(rp);
			if (!(oom = !l)) {
				snprintf(l->id, sizeof l->id, "%s", wp->lists[i].id);
				l->status = wp->lists[i].status;
				l->at_ms = wp->lists[i].at_ms;
				for (size_t j = 0; j < n_seen; j++)
					if (strcmp(seen[j].id, l->id) == 0) {
						l->ever_seen = 1;
						l->seen_status = seen[j].status;
					}
			}
		}
	} else if (ps->has_ac) {
		snprintf(rp->ac.contact_id, sizeof rp->ac.contact_id, "%s", ps->ac.id);
		rp->ac.bounced_hard = rp->ac.seen_bounced_hard = ps->ac.bounced_hard;
		rp->ac.bounce_ever_seen = 1;
		for (size_t j = 0; j < n_seen && !oom; j++) {
			rules_ac_list *l = rules_person_add_list(rp);
			if (!(oom = !l)) {
				snprintf(l->id, sizeof l->id, "%s", seen[j].id);
				l->status = l->seen_status = seen[j].status;
				l->ever_seen = 1;
			}
		}
	}
	free(seen);
	if (oom)
		return person_oom(e, "AC lists", wp->email);
	if (ps->has_ac)
		rp->ac.tags = tags_bits_from_json(ps->ac.tags);

	/* Salesforce: records read now, and the ones with this email read in earlier runs. */
	for (size_t i = 0; i < wp->n_sf; i++) {
		sf_snapshot old;
		int had = store_sf_get(x->s, wp->sf[i].id, &old, e);
		if (had < 0)
			return -1;
		rules_sf_record *r = rules_person_add_sf(rp);
		if (!r)
			return person_oom(e, "Salesforce records", wp->email);
		fill_sf(r, &wp->sf[i], &old, had);
		/* A person account met for the first time while the feature is new to optsync: nothing
		 * says what happened to it before, so its person gets the first sync's care. */
		if (x->pa_from_start && !had && strcmp(wp->sf[i].object, "PersonAccount") == 0)
			rp->first_sync = 1;
	}
	if (store_sf_by_email_all(x->s, wp->email, &ps->stored, &ps->n_stored, e) < 0)
		return e->kind == ERR_INTERNAL ? PERSON_FAILED : -1;
	sf_snapshot *now = NULL;
	if (wp->n_sf && ps->n_stored) {
		if (!(now = malloc(wp->n_sf * sizeof *now)))
			return person_oom(e, "Salesforce records", wp->email);
		memcpy(now, wp->sf, wp->n_sf * sizeof *now);
		qsort(now, wp->n_sf, sizeof *now, sf_snapshot_id_cmp);
	}
	const char **mirrors = NULL;
	size_t n_mirrors = 0;
	if (ps->n_stored && (n_mirrors = person_contacts_read(wp, &mirrors)) == (size_t)-1)
		return person_oom(e, "Salesforce records", wp->email);
	for (size_t i = 0; i < ps->n_stored && !oom; i++) {
		if (now && id_in_sorted(now, wp->n_sf, ps->stored[i].id))
			continue;
		/* A Contact known from before the org had Person Accounts that is now the person contact
		 * of a person account read here: the same person, written on the Account only. */
		if (is_person_contact(&ps->stored[i], mirrors, n_mirrors))
			continue;
		rules_sf_record *r = rules_person_add_sf(rp);
		if (!(oom = !r))
			fill_sf(r, &ps->stored[i], &ps->stored[i], 1);
	}
	free(now);
	free(mirrors);
	if (oom)
		return person_oom(e, "Salesforce records", wp->email);
	for (size_t i = 0; i < wp->n_events; i++) {
		rules_event *ev = rules_person_add_event(rp);
		if (!ev)
			return person_oom(e, "webhook events", wp->email);
		*ev = wp->events[i].ev;
		/* AC sends a webhook for optsync's own unsubscribe too: that one is an echo. */
		if (ev->kind == RULES_EV_UNSUBSCRIBE && rp->ac.contact_id[0] && ev->list_id[0]) {
			char since[32];
			timefmt_iso_ms((ev->at_ms > 0 ? ev->at_ms : timefmt_now_ms()) - 3600 * 1000, since,
			               sizeof since);
			int echo = store_action_applied_since(x->s, rp->ac.contact_id, RULES_ACT_UNSUBSCRIBE,
			                                      ev->list_id, since, e);
			if (echo < 0)
				return -1;
			ev->echo = echo;
		}
	}
	return 0;
}

/* ---- turning decisions into queued actions ---- */

static int queue(sync_ctx *x, const char *email, const rules_decision *d, const char *object,
                 const char *record, const char *value, err_t *e)
{
	int dup = store_action_exists(x->s, record, d->action, value, e);
	if (dup < 0)
		return -1;
	if (dup)
		return 0; /* the same write is already waiting: once is enough */
	queued_action a;
	memset(&a, 0, sizeof a);
	a.run_id = x->run.id;
	a.direction = d->direction;
	snprintf(a.email, sizeof a.email, "%s", email);
	snprintf(a.object, sizeof a.object, "%s", object);
	snprintf(a.record, sizeof a.record, "%s", record);
	a.action = d->action;
	a.status = ACTION_PENDING;
	snprintf(a.value, sizeof a.value, "%s", value);
	snprintf(a.rule, sizeof a.rule, "%s", rules_rule_name(d->rule));
	snprintf(a.reason, sizeof a.reason, "%s", d->reason);
	return store_action_add(x->s, &a, e);
}

/* What one decision becomes: a queued write, a local link, or a log line. */
static int handle_decision(sync_ctx *x, work_person *wp, rules_person *rp, const rules_decision *d, err_t *e)
{
	rules_direction dir = d->direction;
	const char *obj = rules_object_name(d->object);
	char value[512] = "";
	char record[64];
	snprintf(record, sizeof record, "%s", d->record_id);
	switch (d->action) {
	case RULES_ACT_OPT_OUT:
	case RULES_ACT_OPT_IN:
		snprintf(value, sizeof value, "%s", d->action == RULES_ACT_OPT_OUT ? "true" : "false");
		break;
	case RULES_ACT_UNSUBSCRIBE:
		snprintf(value, sizeof value, "%s", d->list_id);
		break;
	case RULES_ACT_TAG:
		snprintf(value, sizeof value, "%s", rules_tag_name(d->tag));
		break;
	case RULES_ACT_CREATE: {
		json_object *o = json_object_new_object();
		if (d->sf_index >= 0 && (size_t)d->sf_index < rp->n_sf) {
			json_object_object_add(o, "first",
			                       json_object_new_string(rp->sf[d->sf_index].first_name));
			json_object_object_add(o, "last",
			                       json_object_new_string(rp->sf[d->sf_index].last_name));
		}
		snprintf(value, sizeof value, "%s",
		         json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		json_object_put(o);
		break;
	}
	case RULES_ACT_LINK:
	case RULES_ACT_SKIP:
		break;
	}
	if (x->o->dry_run) {
		x->sum->planned += d->action != RULES_ACT_SKIP;
		return sync_log(x, dir, wp->email, obj, record, d->action,
		                d->action == RULES_ACT_SKIP ? ACTION_SKIPPED : ACTION_PLANNED, d->reason,
		                NULL);
	}
	if (d->action == RULES_ACT_SKIP) {
		x->sum->skipped++;
		return sync_log(x, dir, wp->email, obj, record, RULES_ACT_SKIP, ACTION_SKIPPED, d->reason,
		                NULL);
	}
	if (d->action == RULES_ACT_LINK) {
		/* Links live in our store only: recorded now, with the snapshot saved after the decisions. */
		if (d->sf_index >= 0 && (size_t)d->sf_index < rp->n_sf)
			rp->sf[d->sf_index].linked = 1;
		if (d->from_index >= 0 && (size_t)d->from_index < rp->n_sf)
			rp->sf[d->from_index].linked = 0;
		return sync_log(x, dir, wp->email, obj, record, RULES_ACT_LINK, ACTION_APPLIED, d->reason,
		                NULL);
	}
	return queue(x, wp->email, d, obj, record, value, e);
}

/* Saves what was read this run as the new "seen" state (links included). */
static int save_person(sync_ctx *x, work_person *wp, const rules_person *rp, const person_state *ps,
                       const rules_result *res, err_t *e)
{
	/* build_person put the records read now first, in wp->sf's order, then the stored ones not
	 * read now, in stored order: walking both in step keeps this linear in the records. */
	for (size_t i = 0; i < wp->n_sf; i++) {
		sf_snapshot r = wp->sf[i];
		if (i < rp->n_sf && strcmp(rp->sf[i].id, r.id) == 0)
			r.linked = rp->sf[i].linked;
		if (store_sf_put(x->s, &r, e) < 0)
			return -1;
	}
	size_t j = wp->n_sf;
	for (size_t i = 0; i < ps->n_stored && j < rp->n_sf; i++) { /* links not read now may move */
		if (strcmp(rp->sf[j].id, ps->stored[i].id) != 0)
			continue; /* read now: saved above */
		if (rp->sf[j].linked != ps->stored[i].linked) {
			sf_snapshot r = ps->stored[i];
			r.linked = rp->sf[j].linked;
			if (store_sf_put(x->s, &r, e) < 0)
				return -1;
		}
		j++;
	}
	/* The stored Contacts build_person left out as person contacts: forgotten, so /contacts, show
	 * and the audit name the PersonAccount alone (the Account is where the box is kept now). */
	const char **mirrors = NULL;
	size_t n_mirrors = ps->n_stored ? person_contacts_read(wp, &mirrors) : 0;
	if (n_mirrors == (size_t)-1)
		return err_set(e, ERR_INTERNAL, "%s: out of memory", wp->email);
	for (size_t i = 0; i < ps->n_stored; i++)
		if (is_person_contact(&ps->stored[i], mirrors, n_mirrors) &&
		    store_sf_forget(x->s, ps->stored[i].id, e) < 0) {
			free(mirrors);
			return -1;
		}
	free(mirrors);
	if (wp->ac_read && wp->ac_id[0]) {
		ac_snapshot c;
		memset(&c, 0, sizeof c);
		snprintf(c.id, sizeof c.id, "%s", wp->ac_id);
		snprintf(c.email, sizeof c.email, "%s", wp->email);
		snprintf(c.udate, sizeof c.udate, "%s", wp->ac_udate);
		c.bounced_hard = wp->bounced_hard;
		if (lists_to_json(wp->lists, wp->n_lists, c.lists, sizeof c.lists) < 0)
			return err_set(e, ERR_INTERNAL, "AC contact %s: %zu lists do not fit the snapshot",
			               wp->ac_id, wp->n_lists);
		snprintf(c.tags, sizeof c.tags, "%s", ps->has_ac ? ps->ac.tags : "[]");
		if (store_ac_put(x->s, &c, e) < 0)
			return -1;
	}
	person_link pl = ps->link;
	snprintf(pl.email, sizeof pl.email, "%s", wp->email);
	if (rp->ac.contact_id[0])
		snprintf(pl.ac_contact_id, sizeof pl.ac_contact_id, "%s", rp->ac.contact_id);
	if (res && res->rule != RULES_RULE_NONE)
		snprintf(pl.last_rule, sizeof pl.last_rule, "%s", rules_rule_name(res->rule));
	if (store_person_put(x->s, &pl, e) < 0 ||
	    (ps->link.failed[0] && store_person_set_failed(x->s, wp->email, NULL, e) < 0))
		return -1;
	for (size_t i = 0; i < wp->n_events; i++)
		if (store_event_done(x->s, wp->events[i].stored_id, e) < 0)
			return -1;
	return 0;
}

/* Records without an email and events nobody can apply: said once in the log, then remembered. */
static int handle_unusable(sync_ctx *x, work_person *wp, err_t *e)
{
	for (size_t i = 0; i < wp->n_sf; i++) {
		sf_snapshot old;
		int had = store_sf_get(x->s, wp->sf[i].id, &old, e);
		if (had < 0)
			return -1;
		if (!had || old.email[0])
			sync_log(x, RULES_DIR_AC_TO_SF, "", wp->sf[i].object, wp->sf[i].id, RULES_ACT_SKIP,
			         x->o->dry_run ? ACTION_PLANNED : ACTION_SKIPPED,
			         "the Salesforce record has no usable email address (none, or not an "
			         "address): it cannot be matched; said once",
			         NULL);
		if (!x->o->dry_run && store_sf_put(x->s, &wp->sf[i], e) < 0)
			return -1;
	}
	for (size_t i = 0; i < wp->n_events; i++) {
		sync_log(x, RULES_DIR_AC_TO_SF, "", "contact", "", RULES_ACT_SKIP, ACTION_SKIPPED,
		         "webhook event of a type optsync does not use, or without a usable email; stored, "
		         "not applied",
		         NULL);
		if (!x->o->dry_run && store_event_done(x->s, wp->events[i].stored_id, e) < 0)
			return -1;
	}
	return 0;
}

/*
 * A person who cannot be decided fails alone: one log line with the reason, the mark that /checks
 * and /contacts show (until a later run decides them), counted in the run's failures so the run
 * is no success; everyone else in the batch goes on. Nothing of theirs is saved as seen, so the
 * next run that reads them decides from the same starting point.
 */
static int person_failed(sync_ctx *x, work_person *wp, const err_t *why)
{
	const char *msg = why->msg[0] ? why->msg : "unknown cause";
	x->sum->failed++;
	x->sum->people_failed++;
	if (!x->sum->first_person_failed[0])
		snprintf(x->sum->first_person_failed, sizeof x->sum->first_person_failed, "%s: %s", wp->email,
		         msg);
	err_t le = {0};
	if (x->o->dry_run)
		return sync_log(x, RULES_DIR_NONE, wp->email, "", "", RULES_ACT_SKIP, ACTION_FAILED,
		                "the rules could not decide for this person", msg);
	if (sync_log(x, RULES_DIR_NONE, wp->email, "", "", RULES_ACT_SKIP, ACTION_FAILED,
	             "the rules could not decide for this person; everyone else is applied", msg) < 0 ||
	    store_person_set_failed(x->s, wp->email, msg, &le) < 0)
		return -1;
	return 0;
}

static int decide_person(sync_ctx *x, work_person *wp, rules_person *rp, rules_result *res, err_t *e)
{
	person_state ps;
	memset(&ps, 0, sizeof ps);
	err_t pe = {0};
	int rc = sync_build_person(x, wp, rp, &ps, &pe);
	if (rc == 0) {
		rc = rules_decide(rp, res, &pe);
		if (rc < 0 && pe.kind == ERR_NOT_FOUND) {
			/* A converted Lead's Contact was not among the records read: read it, decide
			 * again. A read that fails is this person's failure, not the batch's. */
			for (size_t i = 0; rc == -1 && i < rp->n_sf; i++)
				if (rp->sf[i].is_converted && rp->sf[i].converted_contact_id[0] &&
				    sync_read_sf_id(x, wp, rp->sf[i].converted_contact_id, &pe) < 0)
					rc = PERSON_FAILED;
			if (rc != PERSON_FAILED) {
				rc = sync_build_person(x, wp, rp, &ps, &pe);
				if (rc == 0)
					rc = rules_decide(rp, res, &pe);
			}
		}
		if (rc == -1) /* the rules refused this person: theirs alone */
			rc = PERSON_FAILED;
	}
	if (rc == -1) { /* the store failed: the batch stops */
		person_state_free(&ps);
		*e = pe;
		return -1;
	}
	if (rc == PERSON_FAILED) {
		person_state_free(&ps);
		return person_failed(x, wp, &pe);
	}
	for (size_t i = 0; rc == 0 && i < res->n; i++)
		rc = handle_decision(x, wp, rp, &res->d[i], e);
	if (rc == 0 && !x->o->dry_run)
		rc = save_person(x, wp, rp, &ps, res, e);
	person_state_free(&ps);
	return rc;
}

typedef struct {
	sync_ctx *x;
	rules_person *rp;
	rules_result *res;
} decide_walk;

/* One batch of people decided in one transaction, so memory and locks stay small. */
static int decide_batch(work_person **batch, size_t n, void *ud, err_t *e)
{
	decide_walk *w = ud;
	int rc = store_begin(w->x->s, e);
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = batch[i]->email[0] ? decide_person(w->x, batch[i], w->rp, w->res, e)
		                        : handle_unusable(w->x, batch[i], e);
	if (rc == 0)
		return store_commit(w->x->s, e);
	store_rollback(w->x->s);
	return -1;
}

/* Decides for every person read, then moves the watermarks. */
int sync_decide(sync_ctx *x, err_t *e)
{
	/* One person and one result for the whole run: their arrays grow to the largest person and
	 * are reused, so deciding many people does not allocate per person. */
	rules_person rp;
	rules_result res;
	rules_person_init(&rp);
	rules_result_init(&res);
	decide_walk w = {.x = x, .rp = &rp, .res = &res};
	sync_progress_note(x, "deciding", 0, 0);
	int rc = people_each(&x->people, 0, decide_batch, &w, e);
	rules_person_free(&rp);
	rules_result_free(&res);
	/* Watermarks move only once everyone they cover is stored, and only for a side fully read. A
	 * targeted run (change events, webhooks) read a few people: the newest time among them says
	 * nothing about the others changed before it, whom only the poll reads, so it moves none. The
	 * account's offset is no position: any run that learned it keeps it (resync apart, as before). */
	int targeted = sync_targeted(x);
	if (rc == 0 && !x->o->dry_run && !x->o->email) {
		rc = store_begin(x->s, e);
		if (rc == 0 && !targeted && x->read_ac_ok && x->ac_watermark[0])
			rc = store_watermark_set(x->s, "ac", x->ac_watermark, e);
		if (rc == 0 && x->ac_offset_learned) {
			char off[16];
			snprintf(off, sizeof off, "%d", x->ac_offset_min);
			rc = store_watermark_set(x->s, "ac_utc_offset_min", off, e);
		}
		if (rc == 0 && !targeted && x->read_sf_ok && x->sf_watermark[0])
			rc = store_watermark_set(x->s, "sf", x->sf_watermark, e);
		if (rc == 0 && !targeted && x->read_sf_ok && x->sf_pa_watermark[0])
			rc = store_watermark_set(x->s, "sf_person_account", x->sf_pa_watermark, e);
		if (rc == 0 && !targeted && x->read_ac_ok && x->read_sf_ok)
			rc = store_watermark_set(x->s, "first_sync_done", "1", e);
		if (rc == 0)
			rc = store_commit(x->s, e);
		else
			store_rollback(x->s);
	}
	return rc;
}
