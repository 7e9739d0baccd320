/* sync.c - one sync pass: lock, read, decide per person with the rules, queue durably, apply, log. */
#include "sync.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "settings.h"
#include "sf_conn.h"
#include "sync_int.h"
#include "timefmt.h"

/* ---- the run ---- */

static int load_settings(sync_ctx *x, store_connection *ac, store_connection *sf, err_t *e)
{
	int rc = store_connection_load(x->s, "ac", ac, e);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return err_set(e, ERR_CONFIG,
		               "ActiveCampaign is not connected: run optsync connect ac (or use /setup)");
	rc = store_connection_load(x->s, "sf", sf, e);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return err_set(e, ERR_CONFIG,
		               "Salesforce is not connected: run optsync connect sf (or use /setup)");
	char v[64];
	if (store_setting_get(x->s, "sf_import", v, sizeof v, settings_find("sf_import")->def, e) < 0 ||
	    rules_import_parse(v, &x->import, e) < 0)
		return -1;
	if (store_setting_get(x->s, "sf_api_share", v, sizeof v, settings_find("sf_api_share")->def, e) < 0)
		return -1;
	x->sf_api_share = atof(v);
	if (store_setting_get(x->s, "retry_limit", v, sizeof v, settings_find("retry_limit")->def, e) < 0)
		return -1;
	x->retry_limit = atoi(v) > 0 ? atoi(v) : 8;
	int64_t connected = 0;
	if (sf->connected_at[0] && timefmt_parse(sf->connected_at, &connected) != 0)
		connected = 0;
	x->connected_ms = connected;
	char done_flag[8];
	rc = store_watermark_get(x->s, "first_sync_done", done_flag, sizeof done_flag, e);
	if (rc < 0)
		return -1;
	x->first_sync = rc == 0;
	char off[16];
	rc = store_watermark_get(x->s, "ac_utc_offset_min", off, sizeof off, e);
	if (rc < 0)
		return -1;
	if (rc == 1) {
		x->ac_offset_min = atoi(off);
		x->ac_offset_known = 1;
	}
	return 0;
}

static int open_clients(sync_ctx *x, const store_connection *ac, const store_connection *sf, err_t *e)
{
	char v[64];
	ac_options ao;
	ac_options_default(&ao);
	if (store_setting_get(x->s, "ac_rate", v, sizeof v, settings_find("ac_rate")->def, e) < 0)
		return -1;
	ac_options_rate(&ao, atof(v));
	x->ac = ac_open_opts(ac->url, ac->secret, x->o->rate_file, &ao, e);
	if (!x->ac)
		return -1;
	sf_options so;
	sf_options_default(&so);
	if (store_setting_get(x->s, "bulk_threshold", v, sizeof v, settings_find("bulk_threshold")->def, e) <
	    0)
		return -1;
	so.bulk_threshold = atoi(v);
	x->sf = sf_conn_open(x->s, sf, &so, e);
	return x->sf ? 0 : -1;
}

static void collect_calls(sync_ctx *x)
{
	if (x->ac) {
		ac_stats st;
		ac_get_stats(x->ac, &st);
		x->sum->calls_ac = st.calls;
		x->sum->rate_limited_ac = st.rate_limited;
	}
	if (x->sf) {
		sf_stats st;
		sf_get_stats(x->sf, &st);
		x->sum->calls_sf = st.calls;
		x->sum->rate_limited_sf = st.rate_limited;
	}
}

static int run_body(sync_ctx *x, err_t *e)
{
	store_connection ac, sf;
	if (load_settings(x, &ac, &sf, e) < 0 || open_clients(x, &ac, &sf, e) < 0)
		return -1;
	x->sum->first_sync = x->first_sync;
	if (x->o->email) {
		if (sync_read_one(x, x->o->email, e) < 0)
			return -1;
	} else if (x->o->n_sf_ids) {
		if (sync_read_ids(x, x->o->sf_ids, x->o->n_sf_ids, e) < 0)
			return -1;
	} else if (x->o->n_emails) {
		if (sync_read_emails(x, x->o->emails, x->o->n_emails, e) < 0)
			return -1;
	} else {
		/* Each side is read on its own: one down does not stop the other's changes being stored. */
		err_t ea = {0}, es = {0};
		if (sync_read_ac(x, &ea) < 0)
			sync_note_error(x, &ea);
		if (sync_read_sf(x, &es) < 0)
			sync_note_error(x, &es);
		if (!x->read_ac_ok && !x->read_sf_ok) {
			*e = ea;
			return -1;
		}
		/* With one side unread, deciding would compare fresh data with stale: store nothing, the
		 * watermarks stay, and the next run reads it all again. */
		if (!x->read_ac_ok || !x->read_sf_ok) {
			*e = x->read_ac_ok ? es : ea;
			goto apply_only;
		}
		if (!x->first_sync)
			sync_read_history(x);
		if (sync_read_events(x, e) < 0)
			return -1;
	}
	if (sync_decide(x, e) < 0)
		return -1;
apply_only:
	if (!x->o->dry_run) {
		err_t ea = {0};
		if (sync_apply(x, &ea) < 0)
			sync_note_error(x, &ea);
	}
	if (x->first_error[0] && e->kind == ERR_NONE)
		err_set(e, ERR_SERVER, "%s", x->first_error);
	return x->first_error[0] ? -1 : 0;
}

int sync_run(store *s, const sync_options *o, sync_summary *out, err_t *e)
{
	memset(out, 0, sizeof *out);
	int64_t t0 = timefmt_now_ms();
	sync_ctx x;
	memset(&x, 0, sizeof x);
	x.s = s;
	x.o = o;
	x.sum = out;
	/* OPTSYNC_PEOPLE_CAP: people held in memory before the rest go to the scratch file. The
	 * default suits every run; the tests set it small to send a small run through the disk. */
	const char *cap = getenv("OPTSYNC_PEOPLE_CAP");
	people_init(&x.people, cap ? strtoul(cap, NULL, 10) : 0);
	char norm[RULES_EMAIL_MAX + 1];
	sync_options local = *o;
	if (o->email) {
		if (rules_normalize_email(o->email, norm, sizeof norm, e) < 0)
			return -1;
		local.email = norm;
		x.o = &local;
	}
	char held[256] = "";
	int got = store_lock_take(s, o->trigger ? o->trigger : "cli", held, sizeof held, e);
	if (got < 0)
		return -1;
	if (got == 0) {
		snprintf(out->status, sizeof out->status, "locked");
		return err_set(e, ERR_LOCKED, "a sync is already running: %s", held);
	}
	snprintf(x.run.trigger, sizeof x.run.trigger, "%s", o->trigger ? o->trigger : "cli");
	x.run.dry_run = o->dry_run;
	err_t re = {0};
	int rc = store_run_begin(s, &x.run, &re);
	if (rc == 0) {
		out->run_id = x.run.id;
		/* We hold the lock: any other run still marked running died with its process. */
		rc = store_runs_close_interrupted(s, x.run.id, &re) < 0 ? -1 : 0;
	}
	if (rc == 0)
		rc = run_body(&x, &re);
	collect_calls(&x);
	int left_failed = store_actions_count(s, ACTION_FAILED, NULL);
	(void)left_failed;
	int retrying = store_actions_count(s, ACTION_RETRYING, NULL);
	int pending = store_actions_count(s, ACTION_PENDING, NULL);
	if (!o->dry_run && (retrying > 0 || pending > 0) && rc == 0) {
		out->retrying = (retrying > 0 ? retrying : 0) + (pending > 0 ? pending : 0);
		err_set(&re, ERR_SERVER, "%ld action(s) left queued for the next run", out->retrying);
		rc = -1;
	} else if (!o->dry_run) {
		out->retrying = (retrying > 0 ? retrying : 0) + (pending > 0 ? pending : 0);
	}
	if (rc == 0 && out->people_failed > 0) {
		err_set(&re, ERR_INTERNAL,
		        "%ld person(s) could not be decided, everyone else was applied (first: %s); see "
		        "optsync check",
		        out->people_failed, out->first_person_failed);
		rc = -1;
	} else if (rc == 0 && out->failed > 0) {
		err_set(&re, ERR_SERVER, "%ld action(s) failed for good; see optsync log", out->failed);
		rc = -1;
	}
	out->duration_ms = (long)(timefmt_now_ms() - t0);
	snprintf(out->status, sizeof out->status, "%s",
	         o->dry_run && rc == 0          ? "dry-run"
	         : rc == 0                      ? "ok"
	         : x.read_ac_ok || x.read_sf_ok ? "partial"
	                                        : "failed");
	x.run.people = (int)out->people;
	x.run.applied_ac_sf = (int)out->applied_ac_sf;
	x.run.applied_sf_ac = (int)out->applied_sf_ac;
	x.run.failed = (int)out->failed;
	x.run.skipped = (int)out->skipped;
	x.run.calls_ac = (int)out->calls_ac;
	x.run.calls_sf = (int)out->calls_sf;
	x.run.rate_limited_ac = (int)out->rate_limited_ac;
	x.run.rate_limited_sf = (int)out->rate_limited_sf;
	snprintf(x.run.status, sizeof x.run.status, "%s", out->status);
	snprintf(x.run.error, sizeof x.run.error, "%s", rc == 0 ? "" : re.msg);
	if (x.run.id)
		store_run_end(s, &x.run, NULL);
	store_lock_release(s, NULL);
	ac_close(x.ac);
	sf_close(x.sf);
	people_free(&x.people);
	if (rc < 0 && e)
		*e = re;
	return rc;
}

void sync_summary_line(const sync_summary *sm, char *buf, size_t n)
{
	if (strcmp(sm->status, "dry-run") == 0) {
		snprintf(buf, n,
		         "dry run%s: %ld people read; %ld change(s) planned, %ld skipped; nothing written; "
		         "API calls: "
		         "ActiveCampaign %ld, Salesforce %ld; %.1f s",
		         sm->first_sync ? " (first sync)" : "", sm->people, sm->planned, sm->skipped,
		         sm->calls_ac, sm->calls_sf, sm->duration_ms / 1000.0);
		return;
	}
	snprintf(buf, n,
	         "sync %s%s: %ld people read; applied %ld to Salesforce, %ld to ActiveCampaign; %ld failed, "
	         "%ld queued "
	         "for retry, %ld skipped; API calls: ActiveCampaign %ld, Salesforce %ld; %.1f s",
	         sm->status, sm->first_sync ? " (first sync)" : "", sm->people, sm->applied_ac_sf,
	         sm->applied_sf_ac, sm->failed, sm->retrying, sm->skipped, sm->calls_ac, sm->calls_sf,
	         sm->duration_ms / 1000.0);
}
