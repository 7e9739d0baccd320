/* checks.c - each troubleshooting check: what it looks at, when it warns, when it fails, the fix. */
#include "checks.h"

#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ac.h"
#include "pa_detect.h"
#include "rules.h"
#include "settings.h"
#include "sf.h"
#include "sf_conn.h"
#include "store_log.h"
#include "store_sync.h"
#include "store_web.h"
#include "stream.h"
#include "timefmt.h"

const char *check_status_name(check_status st)
{
	return st == CHECK_PASS ? "pass" : st == CHECK_WARN ? "warn" : "fail";
}

check_status checks_worst(const check_result *r, int n)
{
	check_status w = CHECK_PASS;
	for (int i = 0; i < n; i++)
		if (r[i].status > w)
			w = r[i].status;
	return w;
}

__attribute__((format(printf, 4, 5))) static void set(check_result *r, check_status st, const char *fix,
                                                      const char *fmt, ...)
{
	r->status = st;
	snprintf(r->fix, sizeof r->fix, "%s", st == CHECK_PASS ? "" : fix);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->detail, sizeof r->detail, fmt, ap);
	va_end(ap);
}

static check_result *add(check_result *out, int *n, int max, const char *id, const char *title)
{
	if (*n >= max)
		return NULL;
	check_result *r = &out[(*n)++];
	memset(r, 0, sizeof *r);
	snprintf(r->id, sizeof r->id, "%s", id);
	snprintf(r->title, sizeof r->title, "%s", title);
	return r;
}

/* The tags optsync adds: the five of Contacts and Leads, and the three of person accounts in an org
 * that has them (persons 1). Missing ones are made the first time one is needed. */
static void check_tags(ac_client *ac, check_result *tags, int persons)
{
	if (!ac || !tags)
		return;
	int last = persons == 1 ? RULES_TAG_LEAD_CONVERTED_PERSON : RULES_TAG_LEAD_CONVERTED;
	const char *count = persons == 1 ? "eight" : "five";
	snprintf(tags->title, sizeof tags->title, "The %s optsync tags exist in ActiveCampaign%s", count,
	         persons == 1 ? " (with the person-account ones)" : "");
	int missing = 0;
	char names[512] = "";
	err_t e = {0};
	for (int t = RULES_TAG_CREATED_FROM_LEAD; t <= last; t++) {
		ac_tag found_tag;
		int found = 0;
		if (ac_tag_find(ac, rules_tag_name((rules_tag)t), &found_tag, &found, &e) < 0) {
			set(tags, CHECK_WARN, "Try again; if it persists, check ActiveCampaign's status",
			    "could not list tags: %s", e.msg);
			return;
		}
		if (!found) {
			missing++;
			strncat(names, " ", sizeof names - strlen(names) - 1);
			strncat(names, rules_tag_name((rules_tag)t), sizeof names - strlen(names) - 1);
		}
	}
	if (missing == 0)
		set(tags, CHECK_PASS, "", "all %s tags exist", count);
	else
		set(tags, CHECK_WARN, "Nothing to do: optsync creates a tag the first time it needs it",
		    "%d missing:%s", missing, names);
}

/* Leaves the open client in *ac_out (for check_tags; NULL when none) and the tags row in *tags_out. */
static void check_ac(store *s, const char *rate_file, check_result *out, int *n, int max, ac_client **ac_out,
                     check_result **tags_out)
{
	check_result *r = add(out, n, max, "ac_connection", "ActiveCampaign connection");
	check_result *hook = NULL;
	*ac_out = NULL;
	*tags_out = NULL;
	store_connection c;
	err_t e = {0};
	int have = store_connection_load(s, "ac", &c, &e);
	if (have <= 0) {
		set(r, CHECK_FAIL,
		    "Connect ActiveCampaign on /setup or with: optsync connect ac --url URL --key KEY", "%s",
		    have < 0 ? e.msg : "not configured");
		return;
	}
	ac_client *ac = ac_open(c.url, c.secret, rate_file, &e);
	char user[128] = "";
	if (!ac || ac_users_me(ac, user, sizeof user, &e) < 0) {
		set(r, CHECK_FAIL,
		    e.kind == ERR_AUTH
		        ? "The API key was refused: copy a current key from ActiveCampaign Settings > "
		          "Developer "
		          "and connect again"
		        : "Check the account URL and that ActiveCampaign is reachable from this machine",
		    "%s", e.msg);
		ac_close(ac);
		return;
	}
	set(r, CHECK_PASS, "", "%s as %s", c.url, user);

	/* Filled after the Salesforce checks: which tags count depends on Person Accounts. */
	*tags_out = add(out, n, max, "ac_tags", "The optsync tags exist in ActiveCampaign");

	hook = add(out, n, max, "ac_webhook", "Webhook registered in ActiveCampaign and heard from");
	if (hook) {
		char secret[80] = "";
		ac_webhook *w = NULL;
		size_t nw = 0;
		int registered = 0;
		if (store_web_webhook_secret(s, secret, sizeof secret, &e) == 0 &&
		    ac_webhooks(ac, &w, &nw, &e) == 0) {
			for (size_t i = 0; i < nw; i++)
				registered |= strstr(w[i].url, secret) != NULL;
			free(w);
		}
		store_web_numbers num;
		memset(&num, 0, sizeof num);
		store_web_numbers_read(s, &num, &e);
		if (!registered)
			set(hook, CHECK_WARN,
			    "Register it on /setup or with: optsync webhook --public-url https://YOUR-HOST "
			    "--register "
			    "(until then changes arrive with the timer only)",
			    "no webhook with this installation's secret URL is registered");
		else if (!num.last_event_at[0])
			set(hook, CHECK_WARN,
			    "Unsubscribe a test contact in ActiveCampaign and watch /status",
			    "registered, but no event has arrived yet");
		else
			set(hook, CHECK_PASS, "", "registered; last event received %s", num.last_event_at);
	}
	*ac_out = ac;
}

/* The org's daily event delivery allocations as /limits gave them during check_sf: CDC's events
 * count with platform events (DailyDeliveredPlatformEvents), PushTopic's apart
 * (DailyDurableStreamingApiEvents, API 37.0 and later). */
enum { ALLOC_CDC, ALLOC_PUSHTOPIC, ALLOC_ROWS };
typedef struct {
	sf_limit rows[ALLOC_ROWS];
	int read; /* /limits answered */
} event_allocation;

/* Returns whether the org has Person Accounts: 1, 0, or -1 when it could not be asked. */
static int check_sf(store *s, check_result *out, int *n, int max, double share, event_allocation *alloc)
{
	check_result *r = add(out, n, max, "sf_connection", "Salesforce connection");
	store_connection c;
	err_t e = {0};
	int have = store_connection_load(s, "sf", &c, &e);
	if (have <= 0) {
		set(r, CHECK_FAIL, "Connect Salesforce on /setup or with: optsync connect sf ...", "%s",
		    have < 0 ? e.msg : "not configured");
		return -1;
	}
	sf_client *sf = sf_conn_open(s, &c, NULL, &e);
	if (!sf || sf_authenticate(sf, &e) < 0) {
		set(r, CHECK_FAIL,
		    e.kind == ERR_AUTH
		        ? "The credentials or the refresh token were refused: connect Salesforce again on "
		          "/setup"
		        : "Check the login URL and that Salesforce is reachable from this machine",
		    "%s", e.msg);
		sf_close(sf);
		return -1;
	}
	set(r, CHECK_PASS, "", "token from %s; data at %s", c.url, sf_instance_url(sf));
	int persons = sf_person_accounts(sf, &e);
	/* An answer other than the engine's makes its next run ask again (no full run needed). */
	err_t ne = {0};
	if (persons >= 0)
		pa_note_observed(s, persons, &ne);
	check_result *pa = add(out, n, max, "sf_person_accounts", "Salesforce Person Accounts");
	if (pa) {
		if (persons < 0)
			set(pa, CHECK_WARN, "Check the integration user can describe Account", "%s", e.msg);
		else
			set(pa, CHECK_PASS, "",
			    persons ? "enabled: person accounts are read and written on the Account "
			              "(" SF_PERSON_BOX_FIELD ")"
			            : "not enabled in this org: Contacts and Leads only");
	}
	for (int i = 0; i < SF_OBJECTS; i++) {
		if (i == SF_PERSON_ACCOUNT && persons != 1)
			continue;
		const char *object = i == SF_PERSON_ACCOUNT ? "Account" : sf_object_name((sf_object)i);
		const char *box = i == SF_PERSON_ACCOUNT ? SF_PERSON_BOX_FIELD : SF_BOX_FIELD;
		char id[32], title[96];
		snprintf(id, sizeof id, "sf_field_%s",
		         i == SF_CONTACT ? "contact" : i == SF_LEAD ? "lead" : "person_account");
		snprintf(title, sizeof title, "%s readable and updatable on %s", box, object);
		check_result *f = add(out, n, max, id, title);
		if (!f)
			break;
		sf_field_info fi;
		if (sf_describe_box(sf, (sf_object)i, &fi, &e) < 0)
			set(f, CHECK_FAIL, "Check the integration user's profile can describe this object",
			    "%s", e.msg);
		else if (!fi.found)
			set(f, CHECK_FAIL,
			    "Give the integration user read access to Email Opt Out (field-level security)",
			    "%s.%s is not visible to this user", object, box);
		else if (!fi.updateable)
			set(f, CHECK_FAIL,
			    "Make Email Opt Out editable for the integration user (field-level security)",
			    "%s.%s is read-only for this user", object, box);
		else
			set(f, CHECK_PASS, "", "readable and updatable");
	}
	check_result *h = add(out, n, max, "sf_api", "Salesforce API headroom");
	if (h) {
		long mx = 0, remaining = 0;
		sf_limit rows[1 + ALLOC_ROWS] = {{.name = "DailyApiRequests"},
		                                 {.name = "DailyDeliveredPlatformEvents"},
		                                 {.name = "DailyDurableStreamingApiEvents"}};
		int rc = sf_limits_get(sf, rows, 1 + ALLOC_ROWS, &e);
		if (rc == 0 && !rows[0].found)
			rc = err_set(&e, ERR_BAD_RESPONSE, "no DailyApiRequests Max/Remaining");
		if (rc == 0) {
			mx = rows[0].max;
			remaining = rows[0].remaining;
			memcpy(alloc->rows, rows + 1, sizeof alloc->rows);
			alloc->read = 1;
		}
		if (rc < 0) {
			set(h, CHECK_WARN, "Try again later", "could not read /limits: %s", e.msg);
		} else if (mx > 0) {
			double used = (double)(mx - remaining) / (double)mx;
			if (used >= share)
				set(h, CHECK_FAIL,
				    "Wait for the 24-hour window to roll, raise sf_api_share, or buy more "
				    "API calls",
				    "%.0f%% of the daily API limit used (%ld of %ld): optsync has stopped "
				    "writing at %.0f%%",
				    used * 100, mx - remaining, mx, share * 100);
			else if (used > 0.5)
				set(h, CHECK_WARN, "Watch it: other integrations share this limit",
				    "%.0f%% of the daily API limit used (%ld of %ld)", used * 100,
				    mx - remaining, mx);
			else
				set(h, CHECK_PASS, "", "%.0f%% of the daily API limit used (%ld of %ld)",
				    used * 100, mx - remaining, mx);
		} else {
			set(h, CHECK_WARN, "Nothing to do", "Salesforce reported no daily limit");
		}
	}
	sf_close(sf);
	return persons;
}

typedef struct {
	char text[400];
} failed_people;

static int on_failed_person(const person_link *p, void *arg)
{
	failed_people *fp = arg;
	size_t l = strlen(fp->text);
	snprintf(fp->text + l, sizeof fp->text - l, " %s (since %s: %.120s);", p->email, p->failed_at,
	         p->failed);
	return 0;
}

static void check_local(store *s, check_result *out, int *n, int max)
{
	err_t e = {0};
	char v[32];
	long interval = store_setting_get(s, "interval", v, sizeof v, settings_find("interval")->def, &e) >= 0
	                    ? atol(v)
	                    : 300;
	check_result *r = add(out, n, max, "last_sync", "Last successful sync against the interval");
	if (r) {
		run_record run, last;
		int found = store_run_last_success(s, &run, &e);
		int have_last = store_run_last_finished(s, &last, &e);
		int64_t at;
		char ok_part[160];
		long age = 0;
		int ok_known = found == 1 && timefmt_parse(run.ended_at, &at) == 0;
		if (ok_known) {
			age = (long)((timefmt_now_ms() - at) / 1000);
			snprintf(ok_part, sizeof ok_part,
			         "last successful sync %s (%ld s ago; interval %ld s)", run.ended_at, age,
			         interval);
		} else {
			snprintf(ok_part, sizeof ok_part, "no sync has finished without work left undone");
		}
		if (have_last == 1 && strcmp(last.status, "ok") != 0) {
			/* A partial run is no success: it says what it left undone, and the success
			 * shown is the last run that left nothing. A run that read neither side means
			 * the sync is not working at all. */
			set(r, strcmp(last.status, "failed") == 0 ? CHECK_FAIL : CHECK_WARN,
			    "Read why below (and optsync log, or /status filtered on failed); what the run "
			    "could not do stays queued and the next run tries again",
			    "the last run (%s, ended %s) left work undone: %s; %s", last.status,
			    last.ended_at[0] ? last.ended_at : "unknown",
			    last.error[0] ? last.error : "no reason recorded", ok_part);
		} else if (!ok_known) {
			set(r, CHECK_WARN, "Run a sync: optsync sync, or Resync now on /status", "%s",
			    ok_part);
		} else if (age > 3 * interval) {
			set(r, CHECK_WARN,
			    "Check that the daemon runs (make run, or systemctl status "
			    "optsync-daemon) and its log",
			    "last successful sync %s, %ld s ago; the interval is %ld s", run.ended_at, age,
			    interval);
		} else {
			set(r, CHECK_PASS, "", "%s", ok_part);
		}
	}
	r = add(out, n, max, "people", "People optsync could not decide");
	if (r) {
		failed_people fp = {0};
		int nf = store_people_failed(s, 3, on_failed_person, &fp, &e);
		if (nf < 0)
			set(r, CHECK_WARN, "Try again; if it persists, check the database", "%s", e.msg);
		else if (nf > 0)
			set(r, CHECK_WARN,
			    "Fix what the reason names at the source (or free memory), then resync the "
			    "person: optsync resync --email ADDRESS, or Resync on /contacts. Everyone else "
			    "is synced meanwhile",
			    "%d person(s) could not be decided:%s%s", nf, fp.text, nf > 3 ? " …" : "");
		else
			set(r, CHECK_PASS, "", "every person read was decided");
	}
	r = add(out, n, max, "queue", "Pending and failed actions");
	if (r) {
		int pending = store_actions_count(s, ACTION_PENDING, &e),
		    retrying = store_actions_count(s, ACTION_RETRYING, &e),
		    failed = store_actions_count(s, ACTION_FAILED, &e);
		if (failed > 0)
			set(r, CHECK_WARN,
			    "Read the errors with optsync log (or /status filtered on failed) and fix them "
			    "at the source; "
			    "Resync the person afterwards",
			    "%d failed, %d retrying, %d pending", failed, retrying, pending);
		else if (retrying > 0)
			set(r, CHECK_WARN,
			    "Nothing to do unless it stays: they are tried again on the next runs",
			    "%d retrying, %d pending", retrying, pending);
		else
			set(r, CHECK_PASS, "", "%d pending, none failing", pending);
	}
	r = add(out, n, max, "database", "Database integrity");
	if (r) {
		char msg[256] = "";
		int ok = store_web_integrity(s, msg, sizeof msg, &e);
		if (ok == 1)
			set(r, CHECK_PASS, "", "PRAGMA quick_check: ok");
		else
			set(r, CHECK_FAIL,
			    "Stop optsync, restore the database from a backup, and run a full sync (optsync "
			    "sync --full)",
			    "%s", ok < 0 ? e.msg : msg);
	}
}

/* The daemon's change-event stream: never a failure (the poll is the safety net), a warning when
 * it is refused, not running or fell behind lately. */
/* "; 4,500 of 50,000 daily event deliveries left (DailyDeliveredPlatformEvents)" into out, and
 * whether that is under a tenth. */
static int allocation_text(const event_allocation *a, int pushtopic, char *out, size_t n)
{
	out[0] = '\0';
	const sf_limit *l = &a->rows[pushtopic ? ALLOC_PUSHTOPIC : ALLOC_CDC];
	if (!a->read || !l->found || l->max <= 0)
		return 0;
	snprintf(out, n, "; %ld of %ld daily event deliveries left (%s)", l->remaining, l->max, l->name);
	return l->remaining * 10 < l->max;
}

static void check_stream(store *s, check_result *out, int *n, int max, const event_allocation *alloc)
{
	check_result *r = add(out, n, max, "change_events", "change events");
	if (!r)
		return;
	stream_status ss;
	err_t e = {0};
	stream_status_read(s, &ss, &e);
	char pos[400], echoes[96] = "";
	if (ss.echoes > 0)
		snprintf(echoes, sizeof echoes, " (%ld of them echoes of optsync's own writes, not read)",
		         ss.echoes);
	snprintf(pos, sizeof pos, "last event %s, replay position %s, %ld event(s)%s",
	         ss.last_event[0] ? ss.last_event : "none yet", ss.replay[0] ? ss.replay : "none", ss.events,
	         echoes);
	char left[160];
	int low = allocation_text(alloc, strncmp(ss.detail, "PushTopic", 9) == 0, left, sizeof left);
	if (strcmp(ss.state, "exhausted") == 0)
		set(r, CHECK_WARN,
		    "Wait for the 24-hour window to roll, or buy more event deliveries from Salesforce; until "
		    "then changes made in Salesforce wait for the next timer run",
		    "daily event delivery allocation used up, polling only (%s)%s; %s", ss.detail, left, pos);
	else if (strcmp(ss.state, "subscribed") == 0 && low)
		set(r, CHECK_WARN,
		    "Less than a tenth of the day's event deliveries is left (other integrations share it): "
		    "when it runs out optsync falls back to the timer's poll",
		    "subscribed (%s)%s; %s", ss.detail, left, pos);
	else if (strcmp(ss.state, "subscribed") == 0)
		set(r, CHECK_PASS, "", "subscribed (%s)%s; %s%s%s", ss.detail, left, pos,
		    ss.gap[0] ? "; last gap: " : "", ss.gap);
	else if (strcmp(ss.state, "refused") == 0)
		set(r, CHECK_WARN,
		    "Turn on Change Data Capture for Contact and Lead, and Account with Person Accounts (Setup > "
		    "Change Data Capture), or give the "
		    "integration user Create on PushTopic; until then changes made in Salesforce wait for the "
		    "next timer run",
		    "refused, polling only: %s", ss.detail);
	else
		set(r, CHECK_WARN,
		    "Run optsync daemon (it listens to Salesforce's change events); without it changes made in "
		    "Salesforce wait for the next sync",
		    "not subscribed%s%s; %s", ss.state[0] ? ": " : " (the daemon has not listened yet)",
		    ss.state[0] ? ss.state : "", pos);
}

int checks_run(store *s, const char *rate_file, check_result *out, int max, err_t *e)
{
	int n = 0;
	char v[32];
	if (store_setting_get(s, "sf_api_share", v, sizeof v, settings_find("sf_api_share")->def, e) < 0)
		return -1;
	event_allocation alloc;
	memset(&alloc, 0, sizeof alloc);
	ac_client *ac = NULL;
	check_result *tags = NULL;
	check_ac(s, rate_file, out, &n, max, &ac, &tags);
	int persons = check_sf(s, out, &n, max, atof(v), &alloc);
	check_tags(ac, tags, persons);
	ac_close(ac);
	check_local(s, out, &n, max);
	check_stream(s, out, &n, max, &alloc);
	return n;
}

/* The saved run: {"taken_at":EPOCH,"checks":[{"id","title","status","detail","fix"}]}, in the
 * settings table under a key no `optsync set` accepts. Details name URLs and counts, never a
 * secret (the webhook check compares the secret, it does not print it). */
#define CACHE_KEY "checks_cache"
#define CACHE_CAP (64 * 1024)

static void save(store *s, int64_t taken_at, const check_result *c, int n)
{
	json_object *o = json_object_new_object(), *arr = json_object_new_array();
	json_object_object_add(o, "taken_at", json_object_new_int64(taken_at));
	for (int i = 0; i < n; i++) {
		json_object *x = json_object_new_object();
		json_object_object_add(x, "id", json_object_new_string(c[i].id));
		json_object_object_add(x, "title", json_object_new_string(c[i].title));
		json_object_object_add(x, "status", json_object_new_int((int)c[i].status));
		json_object_object_add(x, "detail", json_object_new_string(c[i].detail));
		json_object_object_add(x, "fix", json_object_new_string(c[i].fix));
		json_object_array_add(arr, x);
	}
	json_object_object_add(o, "checks", arr);
	const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	err_t e = {0};
	if (strlen(text) < CACHE_CAP)
		store_setting_set(s, CACHE_KEY, text, &e);
	json_object_put(o);
}

static void copy_field(json_object *x, const char *key, char *out, size_t n)
{
	json_object *v;
	snprintf(out, n, "%s",
	         json_object_object_get_ex(x, key, &v) && json_object_is_type(v, json_type_string)
	             ? json_object_get_string(v)
	             : "");
}

/* Reads the saved run into out; returns n, or -1 when there is none or it cannot be read. */
static int load(store *s, check_result *out, int max, int64_t *taken_at)
{
	char *text = malloc(CACHE_CAP);
	if (!text)
		return -1;
	err_t e = {0};
	int got = store_setting_get(s, CACHE_KEY, text, CACHE_CAP, NULL, &e);
	json_object *o = got == 1 && strlen(text) < CACHE_CAP - 1 ? json_tokener_parse(text) : NULL;
	free(text);
	json_object *t, *arr;
	int n = -1;
	if (o && json_object_object_get_ex(o, "taken_at", &t) &&
	    json_object_object_get_ex(o, "checks", &arr) && json_object_is_type(arr, json_type_array)) {
		*taken_at = json_object_get_int64(t);
		size_t len = json_object_array_length(arr);
		n = 0;
		for (size_t i = 0; i < len && n < max; i++) {
			json_object *x = json_object_array_get_idx(arr, i), *st;
			check_result *r = &out[n++];
			memset(r, 0, sizeof *r);
			copy_field(x, "id", r->id, sizeof r->id);
			copy_field(x, "title", r->title, sizeof r->title);
			copy_field(x, "detail", r->detail, sizeof r->detail);
			copy_field(x, "fix", r->fix, sizeof r->fix);
			int v = json_object_object_get_ex(x, "status", &st) ? json_object_get_int(st)
			                                                    : CHECK_FAIL;
			r->status = v == CHECK_PASS ? CHECK_PASS : v == CHECK_WARN ? CHECK_WARN : CHECK_FAIL;
		}
		if (n == 0)
			n = -1;
	}
	json_object_put(o);
	return n;
}

int checks_run_saved(store *s, const char *rate_file, int64_t now, check_result *out, int max,
                     int64_t *taken_at, err_t *e)
{
	int n = checks_run(s, rate_file, out, max, e);
	*taken_at = now;
	if (n > 0)
		save(s, now, out, n);
	return n;
}

int checks_recent(store *s, const char *rate_file, int64_t now, int max_age, check_result *out, int max,
                  int64_t *taken_at, int *cached, err_t *e)
{
	int64_t at = 0;
	int n = load(s, out, max, &at);
	/* A saved time in the future (the clock was set back) is no proof of freshness. */
	if (n > 0 && at <= now && now - at < max_age) {
		*taken_at = at;
		*cached = 1;
		return n;
	}
	*cached = 0;
	return checks_run_saved(s, rate_file, now, out, max, taken_at, e);
}
