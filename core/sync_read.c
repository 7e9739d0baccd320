/* sync_read.c - reading what changed: AC contacts and their lists, SF Contacts and Leads, and the
 * webhook events stored by the receiver, into the run's people map. Both clients hand over typed
 * records (ac_contact, sf_record): no SOQL, JSON or Salesforce field name here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pa_detect.h"
#include "settings.h"
#include "sync_int.h"
#include "timefmt.h"
#include "webhook.h"
#include "webhook_wake.h"

/* ---- ActiveCampaign ---- */

/* People are found again by email, not held by pointer: the map may move them to disk between two
 * contacts (people.c). */
typedef struct {
	sync_ctx *x;
	size_t n;          /* contacts read */
	int64_t newest;    /* newest udate read, epoch ms */
	char newest_s[40]; /* the same as AC wrote it */
} ac_walk;

/* The account's time zone, as AC writes it on its own times: the newest udate read wins (a change
 * of the account's zone, or summer time). The watermark is not moved here: a contact read for an
 * event after the walk says nothing about the contacts the walk had passed (sync_read_ac). */
static void note_ac_time(sync_ctx *x, const char *udate)
{
	int64_t ms;
	if (udate[0] && timefmt_parse(udate, &ms) == 0 && ms > x->ac_watermark_ms) {
		x->ac_watermark_ms = ms;
		int off;
		if (timefmt_offset(udate, &off) == 1) {
			x->ac_offset_min = off;
			x->ac_offset_known = 1;
			x->ac_offset_learned = 1;
		}
	}
}

/* The contact's fields into p. */
static void fill_contact(sync_ctx *x, work_person *p, const ac_contact *ct)
{
	p->ac_read = 1;
	snprintf(p->ac_id, sizeof p->ac_id, "%s", ct->id);
	snprintf(p->ac_udate, sizeof p->ac_udate, "%s", ct->udate);
	p->bounced_hard = (int)ct->bounced_hard;
	int64_t ms;
	p->bounce_ms = ct->bounced_date[0] && timefmt_parse(ct->bounced_date, &ms) == 0 ? ms : 0;
	note_ac_time(x, ct->udate);
}

static int on_contact(const ac_contact *ct, void *ud, err_t *e)
{
	ac_walk *w = ud;
	char email[RULES_EMAIL_MAX + 1];
	err_t ignored = {0};
	if (ct->deleted || rules_normalize_email(ct->email, email, sizeof email, &ignored) < 0)
		return 0; /* a contact without a usable address */
	work_person *p = people_get(&w->x->people, email);
	if (!p)
		return err_set(e, ERR_INTERNAL, "reading ActiveCampaign contacts: %s",
		               people_error(&w->x->people));
	fill_contact(w->x, p, ct);
	int64_t ms;
	if (ct->udate[0] && timefmt_parse(ct->udate, &ms) == 0 && ms > w->newest) {
		w->newest = ms;
		snprintf(w->newest_s, sizeof w->newest_s, "%s", ct->udate);
	}
	if (++w->n % 100 == 0)
		sync_progress_note(w->x, "reading ActiveCampaign", 0, 0);
	w->x->sum->people = (long)w->x->people.total;
	return 0;
}

typedef struct {
	sync_ctx *x;
	const char *list;
	int status;
} list_walk;

static int on_member(const ac_contact *ct, void *ud, err_t *e)
{
	list_walk *lw = ud;
	char email[RULES_EMAIL_MAX + 1];
	err_t ignored = {0};
	if (ct->deleted || rules_normalize_email(ct->email, email, sizeof email, &ignored) < 0)
		return 0;
	work_person *p = people_lookup(&lw->x->people, email);
	if (!p && lw->x->people.err.kind != ERR_NONE)
		return err_set(e, ERR_INTERNAL, "reading list members: %s", people_error(&lw->x->people));
	/* Only the contacts read this run; the same id, so an address that moved to another contact
	 * between the two reads is not given someone else's lists. */
	if (!p || !p->ac_read || strcmp(p->ac_id, ct->id) != 0)
		return 0;
	/* The walk gives no per-list time: the contact's udate moves with its memberships, so it is the
	 * best time known for the change (and first syncs ignore times anyway). */
	int64_t at = 0;
	if (timefmt_parse(p->ac_udate, &at) < 0)
		at = 0;
	if (person_add_list(p, lw->list, lw->status, at) < 0)
		return err_set(e, ERR_INTERNAL, "out of memory reading list members");
	return 0;
}

/* The first membership of a run with a status the rules do not know (per value) goes to the log. */
static int note_unknown_list_status(sync_ctx *x, const work_person *p, const ac_contact_list *cl, err_t *e)
{
	for (size_t i = 0; i < x->n_unknown_status; i++)
		if (x->unknown_status[i] == cl->status)
			return 0;
	if (x->n_unknown_status < sizeof x->unknown_status / sizeof x->unknown_status[0])
		x->unknown_status[x->n_unknown_status++] = cl->status;
	char reason[300];
	snprintf(reason, sizeof reason,
	         "ActiveCampaign list %s has status %d for this contact, which is none of 0-3%s: treated as "
	         "not on that list (said once per run for each such status)",
	         cl->list, cl->status,
	         cl->status == 91 ? " (91: removed from the contact through AC's v1 API)" : "");
	if (sync_log(x, RULES_DIR_AC_TO_SF, p->email, "contact", p->ac_id, RULES_ACT_SKIP,
	             x->o->dry_run ? ACTION_PLANNED : ACTION_SKIPPED, reason, NULL) < 0)
		return err_set(e, ERR_DB, "database: the log refused a row about an unknown list status");
	return 0;
}

/* Reads one contact's memberships with their change times. */
static int read_contact_lists(sync_ctx *x, work_person *p, err_t *e)
{
	ac_contact_list *cl = NULL;
	size_t n = 0;
	if (ac_contact_lists(x->ac, p->ac_id, &cl, &n, e) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int64_t ms = 0;
		if (timefmt_parse(cl[i].udate, &ms) < 0 && timefmt_parse(cl[i].updated_timestamp, &ms) < 0)
			ms = 0;
		if (cl[i].status < RULES_LIST_UNCONFIRMED || cl[i].status > RULES_LIST_BOUNCED) {
			/* Not one of the four the rules know: not on that list (neither subscribed nor
			 * unsubscribed), said once per run and value. */
			if (note_unknown_list_status(x, p, &cl[i], e) < 0) {
				free(cl);
				return -1;
			}
			continue;
		}
		if (person_add_list(p, cl[i].list, cl[i].status, ms) < 0) {
			free(cl);
			return err_set(e, ERR_INTERNAL, "out of memory");
		}
	}
	free(cl);
	return 0;
}

/* The memberships of every contact read, one contactLists call each. */
static int lists_batch(work_person **batch, size_t n, void *ud, err_t *e)
{
	sync_ctx *x = ud;
	for (size_t i = 0; i < n; i++)
		if (batch[i]->ac_read && batch[i]->ac_id[0] && read_contact_lists(x, batch[i], e) < 0)
			return -1;
	return 0;
}

/* Where the next run's walk starts (filters[updated_after], inclusive), chosen so that it is exact
 * although AC's udate has one-second resolution and a contact changed twice within one second keeps
 * the same udate. A second is closed once AC's own clock (the Date of the walk's first answer) is
 * past its end by ac_clock_margin_s: every change stamped in a closed second was in that answer's
 * rows, so the next walk can start after it. The seconds still open are read again next time, all
 * of their contacts (re-reading costs calls, never correctness; skipping a contact because its udate
 * is unchanged would miss its second change within the same second). Without a Date header, or
 * before the account's offset is known, the watermark stays the newest udate read, inclusive (the
 * older, also exact rule that re-reads the newest second every run). */
static void settle_ac_watermark(sync_ctx *x, const ac_walk *w, const char *old, int64_t as_of)
{
	char v[16];
	err_t ignored = {0};
	const setting_def *d = settings_find("ac_clock_margin_s");
	if (store_setting_get(x->s, "ac_clock_margin_s", v, sizeof v, d ? d->def : "10", &ignored) < 0)
		snprintf(v, sizeof v, "%s", d ? d->def : "10");
	long margin = atol(v) >= 1 ? atol(v) : 10;
	int64_t old_ms = 0;
	if (!old[0] || timefmt_parse(old, &old_ms) < 0)
		old_ms = 0;
	if (as_of > 0 && x->ac_offset_known) {
		int64_t open_from = as_of - (int64_t)margin * 1000;
		/* Never backwards (AC's clock stepping back, or a larger margin set since): the old
		 * value was closed when it was chosen. */
		if (open_from <= old_ms)
			snprintf(x->ac_watermark, sizeof x->ac_watermark, "%s", old);
		else
			timefmt_iso_offset(open_from, x->ac_offset_min, x->ac_watermark,
			                   sizeof x->ac_watermark);
	} else if (w->newest_s[0] && w->newest > old_ms) {
		snprintf(x->ac_watermark, sizeof x->ac_watermark, "%s", w->newest_s);
	}
}

int sync_read_ac(sync_ctx *x, err_t *e)
{
	char wm[40] = "";
	int have_wm = 0;
	if (!x->o->full && !x->first_sync) {
		have_wm = store_watermark_get(x->s, "ac", wm, sizeof wm, e);
		if (have_wm < 0)
			return -1;
	}
	sync_progress_note(x, "reading ActiveCampaign", 0, 0);
	ac_walk w = {.x = x};
	int rc = ac_contacts_updated_since(x->ac, have_wm ? wm : NULL, on_contact, &w, NULL, e);
	/* Taken now: the walks below have first pages of their own. */
	int64_t as_of = ac_walk_date_ms(x->ac);
	ac_list *lists = NULL;
	size_t nl = 0;
	int walk = 0;
	if (rc == 0 && (!have_wm || w.n > 20)) {
		/* Many changed contacts (a first sync, usually): reading every list's members by status
		 * (pages of 100) can cost fewer calls than one contactLists call per changed contact. A
		 * first sync of a small account on hundreds of lists costs less the other way. Estimate
		 * and pick. */
		int known = store_ac_count(x->s, e);
		rc = known < 0 ? -1 : ac_lists(x->ac, &lists, &nl, e);
		if (rc == 0)
			walk = (size_t)(((size_t)known + w.n) / 100 + 1) * nl * 3 < w.n;
	}
	if (rc == 0 && walk) {
		/* Memberships list by list and status, pages of 100, not one call per person. */
		if (!lists)
			rc = ac_lists(x->ac, &lists, &nl, e);
		for (size_t i = 0; rc == 0 && i < nl; i++)
			for (int status = 1; rc == 0 && status <= 3; status++) {
				list_walk lw = {.x = x, .list = lists[i].id, .status = status};
				rc = ac_contacts_of_list(x->ac, lists[i].id, status, on_member, &lw, NULL, e);
			}
	} else if (rc == 0 && w.n) {
		/* Everyone read so far came from the walk above: SF and the events are read after. */
		rc = people_each(&x->people, 1, lists_batch, x, e);
	}
	free(lists);
	if (rc < 0)
		return err_prefix(e, "reading ActiveCampaign");
	settle_ac_watermark(x, &w, have_wm ? wm : "", as_of);
	x->read_ac_ok = 1;
	return 0;
}

/* ---- Salesforce ---- */

typedef struct {
	sync_ctx *x;
	work_person *only; /* resync/lookup: put every record here */
} sf_walk;

static void note_sf_time(sync_ctx *x, sf_object o, const char *modstamp)
{
	int64_t ms, *at = o == SF_PERSON_ACCOUNT ? &x->sf_pa_watermark_ms : &x->sf_watermark_ms;
	char *wm = o == SF_PERSON_ACCOUNT ? x->sf_pa_watermark : x->sf_watermark;
	if (modstamp[0] && timefmt_parse(modstamp, &ms) == 0 && ms > *at) {
		*at = ms;
		snprintf(wm, sizeof x->sf_watermark, "%s", modstamp);
	}
}

/* Whether the org has Person Accounts: the stored answer, asked of Account's describe again when
 * pa_detect_due says so (a first sync, a full run, once a day, or after /checks saw it change). It
 * shapes every SF read. */
static int detect_person_accounts(sync_ctx *x, err_t *e)
{
	pa_state st;
	if (pa_state_load(x->s, &st, e) < 0)
		return -1;
	int on = st.on;
	int64_t now = timefmt_now_ms();
	if (pa_detect_due(&st, x->first_sync || x->o->full, now)) {
		on = sf_person_accounts(x->sf, e);
		if (on < 0)
			return err_prefix(e, "reading Salesforce: Person Accounts");
		if (pa_state_save(x->s, on, now, e) < 0)
			return -1;
	}
	sf_set_person_accounts(x->sf, on);
	x->person_accounts = on;
	return 0;
}

static int on_sf_record(const sf_record *rec, void *ud, err_t *e)
{
	sf_walk *w = ud;
	sf_snapshot r;
	memset(&r, 0, sizeof r);
	snprintf(r.id, sizeof r.id, "%s", rec->id);
	snprintf(r.object, sizeof r.object, "%s", sf_object_name(rec->object));
	r.opted_out = rec->opted_out;
	r.is_converted = rec->is_converted;
	snprintf(r.converted_contact_id, sizeof r.converted_contact_id, "%s", rec->converted_contact_id);
	snprintf(r.person_contact_id, sizeof r.person_contact_id, "%s", rec->person_contact_id);
	snprintf(r.modstamp, sizeof r.modstamp, "%s", rec->modstamp);
	snprintf(r.created_date, sizeof r.created_date, "%s", rec->created);
	snprintf(r.first_name, sizeof r.first_name, "%s", rec->first_name);
	snprintf(r.last_name, sizeof r.last_name, "%s", rec->last_name);
	note_sf_time(w->x, rec->object, r.modstamp);
	err_t ignored = {0};
	if (rules_normalize_email(rec->email, r.email, sizeof r.email, &ignored) < 0)
		r.email[0] = '\0'; /* kept under "" so it is logged once and never written */
	work_person *p = w->only && r.email[0] ? w->only : people_get(&w->x->people, r.email);
	if (!p)
		return err_set(e, ERR_INTERNAL, "reading Salesforce records: %s",
		               people_error(&w->x->people));
	if (person_add_sf(p, &r) < 0)
		return err_set(e, ERR_INTERNAL, "out of memory reading Salesforce records");
	w->x->sum->people = (long)w->x->people.total;
	return 0;
}

int sync_read_sf(sync_ctx *x, err_t *e)
{
	char wm[40] = "";
	int have_wm = 0;
	int64_t since = SF_SINCE_ALL;
	if (!x->o->full && !x->first_sync) {
		have_wm = store_watermark_get(x->s, "sf", wm, sizeof wm, e);
		if (have_wm < 0)
			return -1;
	}
	if (have_wm) {
		/* The read starts at the second of the newest record read last time (the client's
		 * contract): a record can change later within that second, and re-reading those (the
		 * snapshots make a re-read change nothing) is better than missing them. */
		if (timefmt_parse(wm, &since) < 0)
			return err_set(e, ERR_INTERNAL, "the stored Salesforce watermark '%s' is not a time",
			               wm);
		x->sf_watermark_ms = since;
		snprintf(x->sf_watermark, sizeof x->sf_watermark, "%s", wm);
	}
	if (detect_person_accounts(x, e) < 0)
		return -1;
	int64_t since_pa = SF_SINCE_ALL;
	char pa[40] = "";
	int have_pa = 0;
	if (!x->first_sync) {
		have_pa = store_watermark_get(x->s, "sf_person_account", pa, sizeof pa, e);
		if (have_pa < 0)
			return -1;
		/* "none": read completely once and none found (the next person account is new, not late) */
		if (!x->o->full && have_pa && timefmt_parse(pa, &since_pa) == 0) {
			x->sf_pa_watermark_ms = since_pa;
			snprintf(x->sf_pa_watermark, sizeof x->sf_pa_watermark, "%s", pa);
		} else {
			since_pa = SF_SINCE_ALL;
		}
	}
	/* On, after a first sync, and never read completely: the org turned the feature on later.
	 * Every person account is read from the start, and a person with one not seen before is
	 * decided as on a first sync (opt-out sticky), since its times say nothing about what optsync
	 * missed. Said once a run until that read is complete. */
	x->pa_from_start = x->person_accounts && !x->first_sync && !have_pa;
	if (x->pa_from_start &&
	    sync_log(x, RULES_DIR_NONE, "", "PersonAccount", "", RULES_ACT_SKIP,
	             x->o->dry_run ? ACTION_PLANNED : ACTION_SKIPPED,
	             "Salesforce: Person Accounts are now enabled in this org: every person account is read "
	             "from the start under its own watermark, and its person decided with the first sync's "
	             "rules (opt-out is sticky)",
	             NULL) < 0)
		return err_set(e, ERR_DB, "database: the log refused the Person Accounts line");
	sync_progress_note(x, "reading Salesforce", 0, 0);
	sf_walk w = {.x = x};
	if (sf_read_changed(x->sf, SF_CONTACT, since, on_sf_record, &w, e) < 0 ||
	    sf_read_changed(x->sf, SF_LEAD, since, on_sf_record, &w, e) < 0 ||
	    sf_read_changed(x->sf, SF_PERSON_ACCOUNT, since_pa, on_sf_record, &w, e) < 0)
		return err_prefix(e, "reading Salesforce");
	if (x->person_accounts && !x->sf_pa_watermark[0])
		snprintf(x->sf_pa_watermark, sizeof x->sf_pa_watermark, "none");
	x->read_sf_ok = 1;
	return 0;
}

int sync_read_sf_id(sync_ctx *x, work_person *p, const char *id, err_t *e)
{
	sf_walk w = {.x = x, .only = p};
	size_t before = p->n_sf;
	if (sf_read_by_id(x->sf, SF_CONTACT, id, on_sf_record, &w, e) < 0)
		return -1;
	/* A Lead converted into a person account names its mirror Contact. */
	return p->n_sf == before ? sf_read_person_by_contact(x->sf, id, on_sf_record, &w, e) : 0;
}

/* ---- field history ---- */

typedef struct {
	sf_snapshot **recs; /* the records asked about, by position */
	size_t n;
} hist_walk;

static int on_history(const sf_box_change *ch, void *ud, err_t *e)
{
	(void)e;
	hist_walk *w = ud;
	for (size_t i = 0; i < w->n; i++) {
		sf_snapshot *r = w->recs[i];
		/* Rows come newest first: the first that set today's value is the change. */
		if (r->changed_ms == 0 && rules_sf_id_equal(r->id, ch->id) && ch->opted_out == r->opted_out)
			r->changed_ms = ch->at_ms;
	}
	return 0;
}

static void history_batch(sync_ctx *x, sf_object o, sf_snapshot **recs, size_t n)
{
	if (x->no_history[o])
		return;
	const char *ids[SF_HISTORY_IDS_MAX];
	for (size_t i = 0; i < n; i++)
		ids[i] = recs[i]->id;
	hist_walk w = {.recs = recs, .n = n};
	err_t he = {0};
	/* Without history tracking on the object (1) the times stay SystemModstamp, and the rest of
	 * this run does not ask again. Any other failure only costs this batch its exact times. */
	if (sf_read_box_history(x->sf, o, ids, n, on_history, &w, &he) == 1)
		x->no_history[o] = 1;
}

/* The records of one batch of people whose box moved since last read, asked about 100 at a time
 * per object. The batch is written back after this: no pointer into it may outlive the call. */
static int history_people(work_person **batch, size_t n, void *ud, err_t *e)
{
	(void)e;
	sync_ctx *x = ud;
	sf_snapshot *recs[SF_HISTORY_IDS_MAX];
	for (int o = 0; o < SF_OBJECTS; o++) {
		size_t k = 0;
		for (size_t i = 0; i < n; i++) {
			work_person *p = batch[i];
			for (size_t j = 0; j < p->n_sf; j++) {
				sf_snapshot *r = &p->sf[j], old;
				err_t ignored = {0};
				/* Only a value that moved since last read has a change time worth asking for.
				 */
				if (strcmp(r->object, sf_object_name((sf_object)o)) != 0 || !r->email[0] ||
				    store_sf_get(x->s, r->id, &old, &ignored) != 1 ||
				    old.opted_out == r->opted_out)
					continue;
				recs[k++] = r;
				if (k == SF_HISTORY_IDS_MAX) {
					history_batch(x, (sf_object)o, recs, k);
					k = 0;
				}
			}
		}
		if (k)
			history_batch(x, (sf_object)o, recs, k);
	}
	return 0;
}

void sync_read_history(sync_ctx *x)
{
	err_t e = {0};
	if (people_each(&x->people, 1, history_people, x, &e) < 0)
		sync_note_error(x, &e);
}

/* ---- one person (resync, and webhook events for people not read in this run) ---- */

static int read_ac_person(sync_ctx *x, work_person *p, err_t *e)
{
	ac_contact ct;
	int found = 0;
	if (ac_contact_by_email(x->ac, p->email, &ct, &found, e) < 0)
		return -1;
	p->ac_read = 1;
	if (!found || ct.deleted)
		return 0; /* a deleted contact is no contact, as in the walk */
	fill_contact(x, p, &ct);
	return read_contact_lists(x, p, e);
}

int sync_read_one(sync_ctx *x, const char *email, err_t *e)
{
	work_person *p = people_get(&x->people, email);
	if (!p)
		return err_set(e, ERR_INTERNAL, "%s", people_error(&x->people));
	if (read_ac_person(x, p, e) < 0)
		return err_prefix(e, "reading ActiveCampaign");
	x->read_ac_ok = 1;
	if (detect_person_accounts(x, e) < 0)
		return -1;
	sf_walk w = {.x = x, .only = p};
	if (sf_read_by_email(x->sf, SF_CONTACT, email, on_sf_record, &w, e) < 0 ||
	    sf_read_by_email(x->sf, SF_LEAD, email, on_sf_record, &w, e) < 0 ||
	    sf_read_by_email(x->sf, SF_PERSON_ACCOUNT, email, on_sf_record, &w, e) < 0)
		return err_prefix(e, "reading Salesforce");
	x->read_sf_ok = 1;
	return 0;
}

/* ---- webhook events ---- */

typedef struct {
	sync_ctx *x;
	err_t *e;
	int failed;
	int only_read; /* a targeted run: only the events of the people it read (the rest stay pending) */
} ev_walk;

/* A webhook's date_time as epoch ms. AC sends it with an offset, or as the account's local time
 * ("2013-01-01 12:00:00"): that one is read with the offset learned from the udate values AC
 * returns, never as UTC; with no offset known yet the time is unknown (0), and ties and unknown
 * times go to opt-out. */
static int64_t webhook_time(const sync_ctx *x, const char *date_time)
{
	int off;
	int64_t ms;
	int has = timefmt_offset(date_time, &off);
	if (has < 0 || timefmt_parse(date_time, &ms) < 0)
		return 0;
	if (has == 1)
		return ms;
	if (!x->ac_offset_known)
		return 0;
	return ms - (int64_t)x->ac_offset_min * 60000;
}

static int on_event(const stored_event *sev, void *ud)
{
	ev_walk *w = ud;
	webhook_event wh;
	char email[RULES_EMAIL_MAX + 1] = "";
	rules_event ev;
	memset(&ev, 0, sizeof ev);
	ev.source = RULES_SRC_AC;
	int usable = webhook_usable(sev->payload, strlen(sev->payload), &wh, email);
	if (w->only_read) {
		/* Someone this run did not read, or an event nobody can apply: a later run's. */
		work_person *rp = usable ? people_lookup(&w->x->people, email) : NULL;
		if (!rp && w->x->people.err.kind != ERR_NONE) {
			err_set(w->e, ERR_INTERNAL, "reading webhook events: %s",
			        people_error(&w->x->people));
			w->failed = 1;
			return 1;
		}
		if (!rp || !rp->ac_read)
			return 0;
	}
	if (usable) {
		if (wh.type == WEBHOOK_SUBSCRIBE)
			ev.kind = RULES_EV_SUBSCRIBE;
		else if (wh.type == WEBHOOK_UNSUBSCRIBE)
			ev.kind = RULES_EV_UNSUBSCRIBE;
		else
			ev.kind =
			    strcmp(wh.bounce_type, "hard") == 0 ? RULES_EV_HARD_BOUNCE : RULES_EV_SOFT_BOUNCE;
		ev.at_ms = webhook_time(w->x, wh.date_time);
		snprintf(ev.list_id, sizeof ev.list_id, "%s", strcmp(wh.list, "0") == 0 ? "" : wh.list);
	}
	/* Events nobody can apply are kept under "" so they are marked processed and logged once. */
	work_person *p = people_get(&w->x->people, usable ? email : "");
	int rc = p ? 0 : -1;
	if (p && usable && wh.type == WEBHOOK_UNSUBSCRIBE && wh.n_lists > 0 && !wh.lists_overflow) {
		/* One unsubscribe from several lists (list[][id]): an event per list, so each is
		 * decided (and recognised as an echo) like a single one. */
		for (size_t i = 0; rc == 0 && i < wh.n_lists; i++) {
			snprintf(ev.list_id, sizeof ev.list_id, "%s", wh.lists[i]);
			rc = person_add_event(p, sev->id, &ev);
		}
	} else if (p) {
		/* list 0 (an account-level event) or more lists than kept: contact-wide. */
		if (wh.lists_overflow)
			ev.list_id[0] = '\0';
		rc = person_add_event(p, sev->id, &ev);
	}
	if (rc < 0) {
		err_set(w->e, ERR_INTERNAL, "reading webhook events: %s",
		        p ? "out of memory" : people_error(&w->x->people));
		w->failed = 1;
		return 1;
	}
	return 0;
}

static int unread_batch(work_person **batch, size_t n, void *ud, err_t *e)
{
	for (size_t i = 0; i < n; i++) {
		work_person *p = batch[i];
		if (p->n_events && !p->ac_read && p->email[0] && read_ac_person(ud, p, e) < 0)
			return -1;
	}
	return 0;
}

static int read_events(sync_ctx *x, int only_read, err_t *e)
{
	ev_walk w = {.x = x, .e = e, .only_read = only_read};
	if (store_events_pending(x->s, 100000, on_event, &w, e) < 0 || w.failed)
		return -1;
	/* A webhook names a person whose AC side this run has not read: read it now. */
	if (people_each(&x->people, 1, unread_batch, x, e) < 0)
		return err_prefix(e, "reading ActiveCampaign");
	return 0;
}

int sync_read_events(sync_ctx *x, err_t *e)
{
	return read_events(x, 0, e);
}

/* ---- webhooks: the people the daemon's pending events name ---- */

/* Each person is read on both sides first (sync_read_one), then the events: so an event's local
 * date_time is read with the offset the person's udate just gave, and only the people read get
 * theirs. An event stored meanwhile for someone else waits, pending, for the next run. */
int sync_read_emails(sync_ctx *x, const char *const *emails, size_t n, err_t *e)
{
	for (size_t i = 0; i < n; i++) {
		char norm[RULES_EMAIL_MAX + 1];
		if (rules_normalize_email(emails[i], norm, sizeof norm, e) < 0)
			return err_prefix(e, "webhook run");
		if (sync_read_one(x, norm, e) < 0)
			return -1;
	}
	return read_events(x, 1, e);
}

/* ---- change events: the records an event names ---- */

typedef struct {
	char (*emails)[RULES_EMAIL_MAX + 1];
	size_t n, max;
	char (*persons)[19]; /* the person Contacts of the person accounts read: their events are the same
	                        change */
	size_t n_persons;
	size_t found; /* records the last read returned */
} id_walk;

static int on_id_record(const sf_record *rec, void *ud, err_t *e)
{
	(void)e;
	id_walk *w = ud;
	w->found++;
	if (rec->object == SF_PERSON_ACCOUNT && rec->person_contact_id[0] && w->n_persons < w->max)
		snprintf(w->persons[w->n_persons++], sizeof w->persons[0], "%s", rec->person_contact_id);
	char email[RULES_EMAIL_MAX + 1];
	err_t ignored = {0};
	if (rules_normalize_email(rec->email, email, sizeof email, &ignored) < 0)
		return 0; /* no usable email: nothing to sync (the poll logs it once) */
	for (size_t i = 0; i < w->n; i++)
		if (strcmp(w->emails[i], email) == 0)
			return 0;
	if (w->n < w->max)
		snprintf(w->emails[w->n++], sizeof w->emails[0], "%s", email);
	return 0;
}

static int is_person_contact(const id_walk *w, const char *id)
{
	for (size_t i = 0; i < w->n_persons; i++)
		if (strcmp(w->persons[i], id) == 0)
			return 1;
	return 0;
}

/* Reads the record id names, by its key prefix: 003 Contact, 00Q Lead, 001 a person account (a
 * business account reads as nothing). A person account's change comes twice, as the Account's
 * event and its person Contact's: the Contact's is skipped when the Account was read, and read as
 * its person account when it came alone (Account not selected for CDC). */
static int read_id(sync_ctx *x, id_walk *w, const char *id, err_t *e)
{
	sf_object o;
	if (sf_object_of_id(id, &o) < 0)
		return 0; /* not the box's */
	if (o == SF_CONTACT && is_person_contact(w, id))
		return 0;
	w->found = 0;
	if (sf_read_by_id(x->sf, o, id, on_id_record, w, e) < 0)
		return -1;
	if (o == SF_CONTACT && w->found == 0 && sf_has_person_accounts(x->sf))
		return sf_read_person_by_contact(x->sf, id, on_id_record, w, e);
	return 0;
}

int sync_read_ids(sync_ctx *x, const char *const *ids, size_t n, err_t *e)
{
	id_walk w = {.max = n};
	w.emails = calloc(n ? n : 1, sizeof *w.emails);
	w.persons = calloc(n ? n : 1, sizeof *w.persons);
	if (!w.emails || !w.persons) {
		free(w.emails);
		free(w.persons);
		return err_set(e, ERR_INTERNAL, "out of memory reading the records of change events");
	}
	sync_progress_note(x, "reading Salesforce", 0, 0);
	/* the reads by id filter person accounts in or out as the poll does */
	int rc = detect_person_accounts(x, e);
	/* person accounts first, so their person Contacts' events are known as the same change */
	for (int pass = 0; pass < 2 && rc == 0; pass++)
		for (size_t i = 0; i < n && rc == 0; i++) {
			sf_object o;
			int account = sf_object_of_id(ids[i], &o) == 0 && o == SF_PERSON_ACCOUNT;
			if (account == (pass == 0) && read_id(x, &w, ids[i], e) < 0)
				rc = err_prefix(e, "reading Salesforce");
		}
	for (size_t i = 0; i < w.n && rc == 0; i++)
		rc = sync_read_one(x, w.emails[i], e);
	free(w.emails);
	free(w.persons);
	if (rc == 0) {
		x->read_ac_ok = 1;
		x->read_sf_ok = 1;
	}
	return rc;
}
