/* test_live_clients.c - every AC and SF client call against the running sandbox (AC_URL, SF_URL,
 * SANDBOX_CONTROL), its fault knobs, and the shared AC rate limit counted at the sandbox.
 * Run by tests/e2e/clients.sh; fails (does not skip) when the environment is not set. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "ac.h"
#include "ac_import.h"
#include "http.h"
#include "sf.h"
#include "timefmt.h"

static const char *ac_url, *sf_url, *control_url, *ac_key, *sf_id, *sf_secret;
static char rate_file[512];
static http_client *ctl;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* --- the sandbox's control API ------------------------------------------------------------------- */

static json_object *control(const char *method, const char *path, const char *body)
{
	char url[1024];
	snprintf(url, sizeof url, "%s%s", control_url, path);
	http_request rq = {
	    .method = method, .url = url, .op = path, .body = body, .body_len = body ? strlen(body) : 0};
	http_response rs;
	err_t e;
	int rc = http_do(ctl, &rq, &rs, &e);
	if (rc < 0)
		fail_msg("sandbox control %s %s: %s", method, path, e.msg);
	json_object *j = NULL;
	if (rs.len && http_json(ctl, &rs, path, &j, &e) < 0)
		fail_msg("sandbox control %s %s: %s", method, path, e.msg);
	http_response_free(&rs);
	return j;
}

static void knobs(const char *json)
{
	json_object_put(control("POST", "/knobs", json));
}

static long stat_of(const char *name)
{
	json_object *st = control("GET", "/stats", NULL);
	long v = -1;
	assert_int_equal(json_get_long(st, name, &v), 1);
	json_object_put(st);
	return v;
}

/* Fresh seeded data and default knobs before every test. */
static int reset(void **state)
{
	(void)state;
	json_object_put(control("POST", "/reset", "{}"));
	return 0;
}

/* --- clients ------------------------------------------------------------------------------------- */

static ac_client *ac_with(int retries, const char *key)
{
	ac_options o;
	ac_options_default(&o);
	o.http.retries = retries;
	o.http.backoff_ms = 20;
	o.http.connect_timeout_ms = 3000;
	o.http.timeout_ms = 10000;
	err_t e;
	ac_client *c = ac_open_opts(ac_url, key ? key : ac_key, rate_file, &o, &e);
	if (!c)
		fail_msg("ac_open: %s", e.msg);
	return c;
}

static sf_options sf_test_options(void)
{
	sf_options o;
	sf_options_default(&o);
	o.http.retries = 2;
	o.http.backoff_ms = 20;
	o.http.timeout_ms = 10000;
	o.lock_retry_ms = 50;
	o.bulk_poll_ms = 100;
	return o;
}

static sf_client *sf_with(const sf_options *o, const char *refresh)
{
	sf_config cfg = {
	    .login_url = sf_url, .client_id = sf_id, .client_secret = sf_secret, .refresh_token = refresh};
	sf_options d = sf_test_options();
	err_t e;
	sf_client *c = sf_open_opts(&cfg, o ? o : &d, &e);
	if (!c)
		fail_msg("sf_open: %s", e.msg);
	return c;
}

/* The error of the last OK() call; OK fails the test with its message. */
static err_t le;
#define OK(call)                                                                                             \
	do {                                                                                                 \
		err_clear(&le);                                                                              \
		if ((call) != 0)                                                                             \
			fail_msg("%s: %s", #call, le.msg);                                                   \
	} while (0)

/* --- ActiveCampaign ------------------------------------------------------------------------------ */

/* Bulk import: typed contacts in, a batch id out, per-contact results out; the 250 cut, a refused
 * import as an err_t, and 400 "Rate limit exceeded" waited out within its bound. */
static void ac_bulk_import_and_info(void **state)
{
	(void)state;
	ac_client *c = ac_with(2, NULL);
	ac_contact a, b;
	OK(ac_contact_sync(c, "live-imp-a@example.org", "Keep", "Name", &a, &le));
	OK(ac_contact_sync(c, "live-imp-b@example.org", NULL, NULL, &b, &le));
	ac_list *lists;
	size_t nl;
	OK(ac_lists(c, &lists, &nl, &le));
	OK(ac_contact_list_set(c, a.id, lists[0].id, 1, &le));
	knobs("{\"ac_import_fail_email\":\"live-imp-b@example.org\",\"ac_import_poll_count\":1}");
	const char *tags[] = {"live-import-tag"};
	const char *unsub[] = {lists[0].id};
	ac_import_contact in[2] = {
	    {.email = "live-imp-a@example.org", .tags = tags, .n_tags = 1, .unsubscribe = unsub, .n_unsubscribe = 1},
	    {.email = "live-imp-b@example.org", .tags = tags, .n_tags = 1}};
	size_t taken;
	char batch[AC_BATCH_MAX];
	OK(ac_bulk_import(c, in, 2, NULL, &taken, batch, &le));
	assert_int_equal(taken, 2);
	assert_true(batch[0] != '\0');
	ac_import_result r;
	OK(ac_import_info(c, batch, &r, &le));
	assert_int_equal(r.state, AC_IMPORT_PENDING); /* within its first second */
	ac_import_result_free(&r);
	OK(ac_import_wait(c, batch, 20000, &r, &le));
	assert_int_equal(r.state, AC_IMPORT_DONE);
	assert_int_equal(r.n_success, 1);
	assert_string_equal(r.success[0], a.id);
	assert_int_equal(r.n_failure, 1);
	assert_string_equal(r.failure[0], "live-imp-b@example.org");
	ac_import_result_free(&r);
	ac_contact_list *cl;
	size_t n;
	OK(ac_contact_lists(c, a.id, &cl, &n, &le));
	assert_int_equal(n, 1);
	assert_int_equal(cl[0].status, 2);
	free(cl);
	int found;
	OK(ac_contact_by_email(c, "live-imp-a@example.org", &a, &found, &le));
	assert_string_equal(a.first_name, "Keep"); /* no name sent, none overwritten */

	/* 300 contacts: one import takes 250 of them. */
	ac_import_contact many[300];
	char emails[300][40];
	for (int i = 0; i < 300; i++) {
		snprintf(emails[i], sizeof emails[i], "live-imp-a@example.org");
		many[i] = (ac_import_contact){.email = emails[i]};
	}
	knobs("{\"ac_import_fail_email\":null}");
	OK(ac_bulk_import(c, many, 300, NULL, &taken, batch, &le));
	assert_int_equal(taken, 250);

	/* A refusal is an error value with AC's words; nothing taken. */
	ac_import_contact bad = {.email = "not an email"};
	err_t e;
	assert_int_equal(ac_bulk_import(c, &bad, 1, NULL, &taken, batch, &e), -1);
	assert_int_equal(e.kind, ERR_INVALID_REQUEST);
	assert_int_equal(taken, 0);

	/* The rate: one import a 2 s window. The next is waited out; with too short a bound, it is
	 * ERR_RATE_LIMITED. */
	knobs("{\"ac_import_rate_limit\":1,\"ac_import_window_s\":2}");
	ac_import_options o;
	ac_import_options_default(&o);
	o.first_wait_ms = 500;
	OK(ac_bulk_import(c, in, 1 + 1, &o, &taken, batch, &le));
	double t0 = now_s();
	OK(ac_bulk_import(c, in, 2, &o, &taken, batch, &le));
	assert_true(now_s() - t0 >= 0.4);
	assert_true(stat_of("ac_imports_rate_limited") >= 1);
	o.rate_wait_max_ms = 100;
	assert_int_equal(ac_bulk_import(c, in, 2, &o, &taken, batch, &e), -1);
	assert_int_equal(e.kind, ERR_RATE_LIMITED);
	assert_non_null(strstr(e.msg, "Rate limit exceeded"));
	free(lists);
	ac_close(c);
}

static void ac_user_and_wrong_key(void **state)
{
	(void)state;
	ac_client *c = ac_with(0, NULL);
	char user[128];
	OK(ac_users_me(c, user, sizeof user, &le));
	assert_true(user[0] != '\0');
	ac_close(c);

	c = ac_with(0, "wrong-key-0123456789");
	err_t e;
	assert_int_equal(ac_users_me(c, user, sizeof user, &e), -1);
	assert_int_equal(e.kind, ERR_AUTH);
	assert_non_null(strstr(e.msg, "ActiveCampaign: GET /api/3/users/me: "));
	assert_null(strstr(e.msg, "wrong-key-0123456789"));
	ac_close(c);
}

typedef struct {
	long n, last;
	int ascending;
	char email[AC_EMAIL_MAX], mixed_id[AC_ID_MAX];
	char bounced_id[AC_ID_MAX];
	char udate_mid[AC_DATE_MAX];
} walk;

static int on_contact(const ac_contact *ct, void *ud, err_t *e)
{
	(void)e;
	walk *w = ud;
	long id = strtol(ct->id, NULL, 10);
	if (id <= w->last)
		w->ascending = 0;
	w->last = id;
	w->n++;
	if (!w->email[0] && ct->email[0]) {
		snprintf(w->email, sizeof w->email, "%s", ct->email);
		snprintf(w->mixed_id, sizeof w->mixed_id, "%s", ct->id);
	}
	if (!w->bounced_id[0] && ct->bounced_hard > 0)
		snprintf(w->bounced_id, sizeof w->bounced_id, "%s", ct->id);
	if (w->n == 50)
		snprintf(w->udate_mid, sizeof w->udate_mid, "%s", ct->udate);
	return 0;
}

typedef struct {
	int64_t since_ms;
	long n, older;
} since_walk;

static int on_since(const ac_contact *ct, void *ud, err_t *e)
{
	(void)e;
	since_walk *w = ud;
	int64_t ms;
	w->n++;
	if (timefmt_parse(ct->udate, &ms) < 0 || ms < w->since_ms)
		w->older++;
	return 0;
}

static void ac_contacts_paged(void **state)
{
	(void)state;
	ac_client *c = ac_with(2, NULL);
	walk w = {.ascending = 1};
	long total = -1;
	OK(ac_contacts_updated_since(c, NULL, on_contact, &w, &total, &le));
	print_message("AC: %ld contacts read in %ld-id pages (meta.total %ld)\n", w.n, 100L, total);
	assert_true(w.n > 100); /* more than one page: id_greater paging exercised */
	assert_int_equal(w.n, total);
	assert_true(w.ascending);

	/* filters[updated_after] is inclusive and only returns contacts at or after the mark. */
	since_walk sw = {0};
	assert_int_equal(timefmt_parse(w.udate_mid, &sw.since_ms), 0);
	OK(ac_contacts_updated_since(c, w.udate_mid, on_since, &sw, NULL, &le));
	assert_true(sw.n >= 1);
	assert_int_equal(sw.older, 0);

	/* By email: case does not matter to AC. */
	char upper[AC_EMAIL_MAX];
	snprintf(upper, sizeof upper, "%s", w.email);
	for (char *p = upper; *p; p++)
		*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
	ac_contact ct;
	int found = 0;
	OK(ac_contact_by_email(c, upper, &ct, &found, &le));
	assert_int_equal(found, 1);
	assert_string_equal(ct.id, w.mixed_id);
	OK(ac_contact_by_email(c, "nobody-here@example.invalid", &ct, &found, &le));
	assert_int_equal(found, 0);
	OK(ac_contact_get(c, w.mixed_id, &ct, &found, &le));
	assert_int_equal(found, 1);
	OK(ac_contact_get(c, "987654321", &ct, &found, &le));
	assert_int_equal(found, 0);

	/* A hard-bounced contact has bounce logs. */
	assert_true(w.bounced_id[0] != '\0');
	ac_bounce_log *b;
	size_t nb;
	OK(ac_bounce_logs(c, w.bounced_id, &b, &nb, &le));
	assert_true(nb >= 1);
	assert_string_equal(b[0].contact, w.bounced_id);
	free(b);
	ac_close(c);
}

typedef struct {
	ac_client *c;
	const char *list;
	long n, checked, wrong;
} member_walk;

static int on_member(const ac_contact *ct, void *ud, err_t *e)
{
	member_walk *w = ud;
	w->n++;
	if (w->checked >= 3)
		return 0;
	/* Check a few members' contactLists: the list is there with status 1. */
	ac_contact_list *cl;
	size_t n;
	if (ac_contact_lists(w->c, ct->id, &cl, &n, e) < 0)
		return -1;
	int ok = 0;
	for (size_t i = 0; i < n; i++)
		ok |= strcmp(cl[i].list, w->list) == 0 && cl[i].status == 1;
	free(cl);
	w->wrong += !ok;
	w->checked++;
	return 0;
}

static void ac_lists_members_and_unsubscribe(void **state)
{
	(void)state;
	ac_client *c = ac_with(2, NULL);
	ac_list *lists;
	size_t nl;
	OK(ac_lists(c, &lists, &nl, &le));
	assert_true(nl >= 3);
	member_walk mw = {.c = c, .list = lists[0].id};
	long total;
	OK(ac_contacts_of_list(c, lists[0].id, 1, on_member, &mw, &total, &le));
	assert_true(mw.n > 0);
	assert_int_equal(mw.n, total);
	assert_int_equal(mw.checked, 3);
	assert_int_equal(mw.wrong, 0);

	/* Subscribe a new contact to that list, unsubscribe it (status 2), and read both back. */
	ac_contact ct;
	int found;
	ac_contact_list *cl;
	size_t n;
	OK(ac_contact_sync(c, "live-unsub@example.org", "Live", "Unsub", &ct, &le));
	OK(ac_contact_list_set(c, ct.id, lists[0].id, 1, &le));
	OK(ac_contact_lists(c, ct.id, &cl, &n, &le));
	assert_int_equal(n, 1);
	assert_int_equal(cl[0].status, 1);
	free(cl);
	OK(ac_contact_list_set(c, ct.id, lists[0].id, 2, &le));
	OK(ac_contact_lists(c, ct.id, &cl, &n, &le));
	assert_int_equal(n, 1);
	assert_string_equal(cl[0].list, lists[0].id);
	assert_int_equal(cl[0].status, 2);
	assert_true(cl[0].udate[0] != '\0');
	free(cl);
	OK(ac_contact_by_email(c, "Live-Unsub@example.org", &ct, &found, &le));
	assert_int_equal(found, 1);
	assert_string_equal(ct.first_name, "Live");
	free(lists);
	ac_close(c);
}

static void ac_tags_and_webhooks(void **state)
{
	(void)state;
	ac_client *c = ac_with(2, NULL);
	ac_tag t, t2;
	int created;
	OK(ac_tag_ensure(c, "created-from-salesforce-lead", "optsync", &t, &created, &le));
	OK(ac_tag_ensure(c, "created-from-salesforce-lead", "optsync", &t2, &created, &le));
	assert_int_equal(created, 0);
	assert_string_equal(t.id, t2.id);
	ac_contact ct;
	OK(ac_contact_sync(c, "live-tags@example.org", NULL, NULL, &ct, &le));
	OK(ac_contact_tag_add(c, ct.id, t.id, &le));
	ac_contact_tag *tags;
	size_t n;
	OK(ac_contact_tags(c, ct.id, &tags, &n, &le));
	int has = 0;
	for (size_t i = 0; i < n; i++)
		has |= strcmp(tags[i].tag, t.id) == 0;
	free(tags);
	assert_true(has);

	const char *events[] = {"subscribe", "unsubscribe", "bounce", NULL};
	const char *sources[] = {"public", "admin", "api", "system", NULL};
	ac_webhook w;
	OK(ac_webhook_create(c, "optsync live test", "http://127.0.0.1:9/hooks/activecampaign/s3cret", events,
	                     sources, NULL, &w, &le));
	assert_true(w.id[0] != '\0');
	ac_webhook *list;
	OK(ac_webhooks(c, &list, &n, &le));
	int seen = 0;
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i].id, w.id) == 0) {
			seen = 1;
			assert_string_equal(list[i].url, "http://127.0.0.1:9/hooks/activecampaign/s3cret");
			assert_non_null(strstr(list[i].events, "unsubscribe"));
		}
	free(list);
	assert_true(seen);
	ac_close(c);
}

/* --- Salesforce ---------------------------------------------------------------------------------- */

typedef struct {
	long n;
	char ids[8][SF_ID_MAX];
	int optout[8];
	int bad;
} rec_walk;

static int on_rec(json_object *rec, void *ud, err_t *e)
{
	(void)e;
	rec_walk *w = ud;
	char id[SF_ID_MAX], email[256];
	int b = 0;
	if (sf_rec_str(rec, "Id", id, sizeof id) != 1 || sf_rec_str(rec, "Email", email, sizeof email) < 0 ||
	    sf_rec_bool(rec, "HasOptedOutOfEmail", &b) != 1)
		w->bad++;
	if (w->n < 8) {
		snprintf(w->ids[w->n], sizeof w->ids[w->n], "%s", id);
		w->optout[w->n] = b;
	}
	w->n++;
	return 0;
}

static const char *Q_CONTACT =
    "SELECT Id, Email, HasOptedOutOfEmail, FirstName, LastName, CreatedDate, SystemModstamp"
    " FROM Contact ORDER BY SystemModstamp";

static void sf_auth_query_describe(void **state)
{
	(void)state;
	knobs("{\"sf_page_size\":50}");
	sf_client *c = sf_with(NULL, NULL);
	OK(sf_authenticate(c, &le));
	assert_true(strncmp(sf_instance_url(c), "http://127.0.0.1:", 17) == 0);
	rec_walk w = {0};
	long total;
	OK(sf_query(c, Q_CONTACT, on_rec, &w, &total, &le));
	assert_true(w.n > 50); /* nextRecordsUrl followed */
	assert_int_equal(w.n, total);
	assert_int_equal(w.bad, 0);
	rec_walk lw = {0};
	OK(sf_query(c,
	            "SELECT Id, Email, HasOptedOutOfEmail, FirstName, LastName, CreatedDate, SystemModstamp, "
	            "IsConverted,"
	            " ConvertedContactId FROM Lead WHERE SystemModstamp > 2000-01-01T00:00:00Z ORDER BY "
	            "SystemModstamp",
	            on_rec, &lw, NULL, &le));
	assert_true(lw.n > 0);

	/* A query the sandbox does not understand is a clear invalid-request error. */
	err_t e;
	assert_int_equal(sf_query(c, "SELECT Nonsense FROM Nowhere", on_rec, &w, NULL, &e), -1);
	assert_int_equal(e.kind, ERR_INVALID_REQUEST);
	assert_non_null(strstr(e.msg, "Salesforce: query Nowhere: "));

	sf_field_info fi;
	OK(sf_describe_field(c, "Contact", "HasOptedOutOfEmail", &fi, &le));
	assert_true(fi.found && fi.updateable);
	assert_string_equal(fi.type, "boolean");
	OK(sf_describe_field(c, "Lead", "HasOptedOutOfEmail", &fi, &le));
	assert_true(fi.found && fi.updateable);
	knobs("{\"field_access\":{\"Contact\":\"read\",\"Lead\":\"edit\"}}");
	OK(sf_describe_field(c, "Contact", "HasOptedOutOfEmail", &fi, &le));
	assert_true(fi.found && !fi.updateable);

	long used, max, dmax, drem;
	assert_int_equal(sf_api_usage(c, &used, &max), 0);
	assert_int_equal(max, 15000);
	assert_true(used > 0);
	OK(sf_limits(c, &dmax, &drem, &le));
	assert_int_equal(dmax, 15000);
	sf_close(c);

	/* Wrong secret: an auth error that names the cause and not the secret. */
	sf_config bad = {.login_url = sf_url, .client_id = sf_id, .client_secret = "not-the-secret-42"};
	c = sf_open(&bad, &e);
	assert_int_equal(sf_authenticate(c, &e), -1);
	assert_int_equal(e.kind, ERR_AUTH);
	assert_non_null(strstr(e.msg, "Salesforce: token: invalid_client"));
	assert_null(strstr(e.msg, "not-the-secret-42"));
	sf_close(c);
}

static void sf_expired_token(void **state)
{
	(void)state;
	knobs("{\"token_lifetime_s\":1}");
	sf_client *c = sf_with(NULL, NULL);
	rec_walk w = {0};
	OK(sf_query(c, "SELECT Id, Email, HasOptedOutOfEmail FROM Contact", on_rec, &w, NULL, &le));
	long before = stat_of("sf_401");
	usleep(2200 * 1000);
	OK(sf_query(c, "SELECT Id, Email, HasOptedOutOfEmail FROM Contact", on_rec, &w, NULL, &le));
	sf_stats st;
	sf_get_stats(c, &st);
	assert_int_equal(st.token_requests, 2);
	assert_int_equal(stat_of("sf_401"), before + 1);
	sf_close(c);
}

/* Contact ids to write to, and the value each has now. */
static void some_contacts(sf_client *c, rec_walk *w)
{
	memset(w, 0, sizeof *w);
	OK(sf_query(c, "SELECT Id, Email, HasOptedOutOfEmail FROM Contact ORDER BY SystemModstamp", on_rec, w,
	            NULL, &le));
	assert_true(w->n >= 5);
}

static int optout_now(sf_client *c, const char *id)
{
	char q[200];
	rec_walk w = {0};
	snprintf(q, sizeof q, "SELECT Id, Email, HasOptedOutOfEmail FROM Contact WHERE Id = '%s'", id);
	OK(sf_query(c, q, on_rec, &w, NULL, &le));
	assert_int_equal(w.n, 1);
	return w.optout[0];
}

static void sf_composite_one_failed(void **state)
{
	(void)state;
	sf_options o = sf_test_options();
	o.lock_retries = 0;
	sf_client *c = sf_with(&o, NULL);
	rec_walk w;
	some_contacts(c, &w);
	char knob[200];
	snprintf(knob, sizeof knob, "{\"fail_once\":{\"id\":\"%s\",\"code\":\"UNABLE_TO_LOCK_ROW\"}}",
	         w.ids[1]);
	knobs(knob);
	sf_update u[3];
	sf_result r[3];
	for (int i = 0; i < 3; i++)
		u[i] = (sf_update){"Contact", w.ids[i], !w.optout[i]};
	OK(sf_update_bool(c, "HasOptedOutOfEmail", u, 3, r, &le));
	assert_int_equal(r[0].status, SF_RES_OK);
	assert_int_equal(r[1].status, SF_RES_RETRY);
	assert_string_equal(r[1].code, "UNABLE_TO_LOCK_ROW");
	assert_int_equal(r[2].status, SF_RES_OK);
	/* The state in Salesforce: 0 and 2 changed, 1 did not. */
	assert_int_equal(optout_now(c, w.ids[0]), !w.optout[0]);
	assert_int_equal(optout_now(c, w.ids[1]), w.optout[1]);
	assert_int_equal(optout_now(c, w.ids[2]), !w.optout[2]);
	/* fail_once: the next write of that record goes through. */
	OK(sf_update_bool(c, "HasOptedOutOfEmail", &u[1], 1, r, &le));
	assert_int_equal(r[0].status, SF_RES_OK);
	assert_int_equal(optout_now(c, w.ids[1]), !w.optout[1]);
	sf_close(c);

	/* With the default one lock retry, the client resends the locked record itself. */
	c = sf_with(NULL, NULL);
	snprintf(knob, sizeof knob, "{\"fail_once\":{\"id\":\"%s\",\"code\":\"UNABLE_TO_LOCK_ROW\"}}",
	         w.ids[3]);
	knobs(knob);
	long calls = stat_of("composite_calls");
	u[0] = (sf_update){"Contact", w.ids[3], !w.optout[3]};
	OK(sf_update_bool(c, "HasOptedOutOfEmail", u, 1, r, &le));
	assert_int_equal(r[0].status, SF_RES_OK);
	assert_int_equal(stat_of("composite_calls"), calls + 2);
	assert_int_equal(optout_now(c, w.ids[3]), !w.optout[3]);
	sf_close(c);
}

/* Contacts and Leads interleaved in queue order make one chunk per record; Salesforce refuses a
 * request of more than 10 chunks. The client groups by object, and each result still lands on its
 * own record. */
static void sf_composite_interleaved_types(void **state)
{
	(void)state;
	sf_client *c = sf_with(NULL, NULL);
	rec_walk cw, lw = {0};
	some_contacts(c, &cw);
	OK(sf_query(c, "SELECT Id, Email, HasOptedOutOfEmail FROM Lead WHERE IsConverted = false ORDER BY SystemModstamp",
	            on_rec, &lw, NULL, &le));
	assert_true(cw.n >= 6 && lw.n >= 6);
	/* One Lead refused for good: its result must be the one at its position. */
	char knob[200];
	snprintf(knob, sizeof knob, "{\"fail_always\":{\"id\":\"%s\",\"code\":\"FIELD_CUSTOM_VALIDATION_EXCEPTION\"}}",
	         lw.ids[2]);
	knobs(knob);
	sf_update u[12];
	sf_result r[12];
	for (int i = 0; i < 6; i++) {
		u[2 * i] = (sf_update){"Contact", cw.ids[i], !cw.optout[i]};
		u[2 * i + 1] = (sf_update){"Lead", lw.ids[i], !lw.optout[i]};
	}
	long calls = stat_of("composite_calls"), refused = stat_of("composite_refused_chunks");
	OK(sf_update_bool(c, "HasOptedOutOfEmail", u, 12, r, &le));
	assert_int_equal(stat_of("composite_calls"), calls + 1);
	assert_int_equal(stat_of("composite_refused_chunks"), refused);
	for (int i = 0; i < 12; i++) {
		if (i == 5) {
			assert_int_equal(r[i].status, SF_RES_FAILED);
			assert_string_equal(r[i].code, "FIELD_CUSTOM_VALIDATION_EXCEPTION");
		} else {
			assert_int_equal(r[i].status, SF_RES_OK);
		}
	}
	for (int i = 0; i < 6; i++)
		assert_int_equal(optout_now(c, cw.ids[i]), !cw.optout[i]);
	sf_close(c);
}

static void sf_bulk(void **state)
{
	(void)state;
	sf_options o = sf_test_options();
	o.bulk_threshold = 2;
	o.lock_retries = 0;
	sf_client *c = sf_with(&o, NULL);
	rec_walk w;
	some_contacts(c, &w);
	char knob[200];
	snprintf(knob, sizeof knob, "{\"fail_once\":{\"id\":\"%s\",\"code\":\"UNABLE_TO_LOCK_ROW\"}}",
	         w.ids[2]);
	knobs(knob);
	long jobs = stat_of("bulk_jobs");
	sf_update u[5];
	sf_result r[5];
	for (int i = 0; i < 5; i++)
		u[i] = (sf_update){"Contact", w.ids[i], !w.optout[i]};
	OK(sf_update_bool(c, "HasOptedOutOfEmail", u, 5, r, &le));
	assert_int_equal(stat_of("bulk_jobs"), jobs + 1);
	for (int i = 0; i < 5; i++) {
		if (i == 2) {
			assert_int_equal(r[i].status, SF_RES_RETRY);
			assert_string_equal(r[i].code, "UNABLE_TO_LOCK_ROW");
			assert_int_equal(optout_now(c, w.ids[i]), w.optout[i]);
		} else {
			assert_int_equal(r[i].status, SF_RES_OK);
			assert_int_equal(optout_now(c, w.ids[i]), !w.optout[i]);
		}
	}
	sf_close(c);
}

static void sf_server_error_then_ok(void **state)
{
	(void)state;
	sf_client *c = sf_with(NULL, NULL);
	OK(sf_authenticate(c, &le));
	knobs("{\"status_code\":503,\"status_count\":1,\"status_target\":\"sf\"}");
	rec_walk w = {0};
	OK(sf_query(c, "SELECT Id, Email, HasOptedOutOfEmail FROM Contact", on_rec, &w, NULL, &le));
	sf_stats st;
	sf_get_stats(c, &st);
	assert_int_equal(st.retries, 1);
	sf_close(c);

	/* 503 every time: after the retries, a server error that says so. */
	knobs("{\"status_code\":503,\"status_count\":0,\"status_target\":\"sf\"}");
	c = sf_with(NULL, NULL);
	err_t e;
	assert_int_equal(sf_query(c, "SELECT Id FROM Contact", on_rec, &w, NULL, &e), -1);
	assert_int_equal(e.kind, ERR_SERVER);
	assert_int_equal(e.http_status, 503);
	sf_close(c);
}

static void sf_pkce_against_sandbox(void **state)
{
	(void)state;
	knobs("{\"oauth_auto_approve\":true}");
	sf_config cfg = {.login_url = sf_url, .client_id = sf_id, .client_secret = sf_secret};
	sf_pkce p;
	err_t e;
	const char *cb = "http://127.0.0.1:9/setup/sf/callback";
	assert_int_equal(sf_pkce_begin(&cfg, cb, &p, &e), 0);
	/* The browser's part: follow the authorize URL to the redirect with code and state. */
	CURL *cu = curl_easy_init();
	curl_easy_setopt(cu, CURLOPT_URL, p.url);
	curl_easy_setopt(cu, CURLOPT_NOBODY, 0L);
	curl_easy_setopt(cu, CURLOPT_WRITEFUNCTION, (curl_write_callback)fwrite);
	FILE *devnull = fopen("/dev/null", "w");
	curl_easy_setopt(cu, CURLOPT_WRITEDATA, devnull);
	assert_int_equal(curl_easy_perform(cu), CURLE_OK);
	char *loc = NULL;
	curl_easy_getinfo(cu, CURLINFO_REDIRECT_URL, &loc);
	assert_non_null(loc);
	assert_int_equal(strncmp(loc, cb, strlen(cb)), 0);
	char code[512] = "", st[128] = "";
	const char *q = strchr(loc, '?');
	assert_non_null(q);
	for (const char *kv = q + 1; *kv;) {
		size_t len = strcspn(kv, "&");
		if (strncmp(kv, "code=", 5) == 0)
			snprintf(code, sizeof code, "%.*s", (int)len - 5, kv + 5);
		else if (strncmp(kv, "state=", 6) == 0)
			snprintf(st, sizeof st, "%.*s", (int)len - 6, kv + 6);
		kv += len + (kv[len] == '&');
	}
	curl_easy_cleanup(cu);
	fclose(devnull);
	assert_true(sf_pkce_state_ok(p.state, st));
	int dlen = 0;
	char *dcode = curl_easy_unescape(NULL, code, 0, &dlen);
	sf_client *c = sf_with(NULL, NULL);
	char refresh[1024];
	/* A wrong verifier is refused (that is the point of PKCE). */
	assert_int_equal(sf_pkce_exchange(c, dcode, cb, "wrong-verifier-wrong-verifier-wrong-verifier",
	                                  refresh, sizeof refresh, &e),
	                 -1);
	assert_int_equal(e.kind, ERR_AUTH);
	sf_close(c);
	/* The code is single use: get a fresh one for the real exchange. */
	curl_free(dcode);
	assert_int_equal(sf_pkce_begin(&cfg, cb, &p, &e), 0);
	cu = curl_easy_init();
	devnull = fopen("/dev/null", "w");
	curl_easy_setopt(cu, CURLOPT_URL, p.url);
	curl_easy_setopt(cu, CURLOPT_WRITEFUNCTION, (curl_write_callback)fwrite);
	curl_easy_setopt(cu, CURLOPT_WRITEDATA, devnull);
	assert_int_equal(curl_easy_perform(cu), CURLE_OK);
	curl_easy_getinfo(cu, CURLINFO_REDIRECT_URL, &loc);
	assert_non_null(loc);
	q = strstr(loc, "code=");
	assert_non_null(q);
	snprintf(code, sizeof code, "%.*s", (int)strcspn(q + 5, "&"), q + 5);
	curl_easy_cleanup(cu);
	fclose(devnull);
	dcode = curl_easy_unescape(NULL, code, 0, &dlen);
	c = sf_with(NULL, NULL);
	OK(sf_pkce_exchange(c, dcode, cb, p.verifier, refresh, sizeof refresh, &le));
	curl_free(dcode);
	assert_true(strlen(refresh) > 10);
	rec_walk w = {0};
	OK(sf_query(c, "SELECT Id, Email, HasOptedOutOfEmail FROM Contact", on_rec, &w, NULL, &le));
	sf_close(c);
	/* The refresh token works on its own, as `connect sf --refresh-token` uses it. */
	c = sf_with(NULL, refresh);
	OK(sf_authenticate(c, &le));
	sf_close(c);
}

/* --- failure kinds --------------------------------------------------------------------------------- */

static void ac_rate_limited_then_ok(void **state)
{
	(void)state;
	knobs("{\"status_code\":429,\"status_count\":1,\"status_target\":\"ac\",\"retry_after_s\":1}");
	ac_client *c = ac_with(2, NULL);
	char user[128];
	double t0 = now_s();
	OK(ac_users_me(c, user, sizeof user, &le));
	double dt = now_s() - t0;
	ac_stats st;
	ac_get_stats(c, &st);
	assert_int_equal(st.rate_limited, 1);
	assert_int_equal(st.calls, 2);
	assert_true(dt >= 1.0);
	ac_close(c);
}

static void ac_server_error_then_ok(void **state)
{
	(void)state;
	knobs("{\"status_code\":503,\"status_count\":1,\"status_target\":\"ac\"}");
	ac_client *c = ac_with(2, NULL);
	ac_list *l;
	size_t n;
	OK(ac_lists(c, &l, &n, &le));
	free(l);
	ac_stats st;
	ac_get_stats(c, &st);
	assert_int_equal(st.retries, 1);
	ac_close(c);
}

/* Answers that are not JSON, cut short, empty or HTML: a bad-response error naming the call, never a
 * crash, and the next answer is read normally. */
static void malformed_answers(void **state)
{
	(void)state;
	const char *kinds[] = {"truncated", "not_json", "empty", "html"};
	for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
		char k[200];
		snprintf(k, sizeof k,
		         "{\"malformed\":\"any\",\"malformed_kind\":\"%s\",\"malformed_count\":2}", kinds[i]);
		knobs(k);
		ac_client *ac = ac_with(0, NULL);
		ac_list *l = NULL;
		size_t n;
		err_t e;
		assert_int_equal(ac_lists(ac, &l, &n, &e), -1);
		assert_null(l);
		print_message("%-9s AC: %s\n", kinds[i], e.msg);
		assert_int_equal(e.kind, ERR_BAD_RESPONSE);
		assert_non_null(strstr(e.msg, "ActiveCampaign: GET /api/3/lists: "));
		ac_close(ac);
		/* The SF token answer is JSON too: the second mangled answer hits it. */
		sf_client *sf = sf_with(NULL, NULL);
		assert_int_equal(sf_authenticate(sf, &e), -1);
		print_message("%-9s SF: %s\n", kinds[i], e.msg);
		assert_int_equal(e.kind, ERR_BAD_RESPONSE);
		assert_non_null(strstr(e.msg, "Salesforce: token: "));
		OK(sf_authenticate(sf, &le));
		sf_close(sf);
	}
}

/* Values of the wrong JSON type (the sandbox's wrong_types): each call either refuses the answer as a
 * bad response, or, where the change is only "1" for 1 or "true" for true, reads exactly the same
 * values. Never a crash, never a different value. */
static void wrong_types_refused_or_same(void **state)
{
	(void)state;
	ac_client *ac = ac_with(0, NULL);
	ac_list *plain, *flipped = NULL;
	size_t np, nf;
	err_t e;
	OK(ac_lists(ac, &plain, &np, &le));
	knobs("{\"malformed\":\"ac\",\"malformed_kind\":\"wrong_types\",\"malformed_count\":1}");
	if (ac_lists(ac, &flipped, &nf, &e) < 0) {
		print_message("wrong_types AC: %s\n", e.msg);
		assert_int_equal(e.kind, ERR_BAD_RESPONSE);
		assert_null(flipped);
	} else {
		assert_int_equal(np, nf);
		for (size_t i = 0; i < np; i++) {
			assert_string_equal(plain[i].id, flipped[i].id);
			assert_string_equal(plain[i].name, flipped[i].name);
		}
	}
	free(plain);
	free(flipped);
	ac_close(ac);

	sf_client *sf = sf_with(NULL, NULL);
	rec_walk a = {0}, b = {0};
	const char *q = "SELECT Id, Email, HasOptedOutOfEmail FROM Contact ORDER BY SystemModstamp";
	OK(sf_query(sf, q, on_rec, &a, NULL, &le));
	knobs("{\"malformed\":\"sf\",\"malformed_kind\":\"wrong_types\",\"malformed_count\":1}");
	if (sf_query(sf, q, on_rec, &b, NULL, &e) < 0) {
		print_message("wrong_types SF: %s\n", e.msg);
		assert_int_equal(e.kind, ERR_BAD_RESPONSE);
	} else {
		/* Either all records read with the same values, or on_rec counted the unreadable ones. */
		assert_int_equal(a.n, b.n);
		if (b.bad == 0)
			for (int i = 0; i < 8 && i < a.n; i++) {
				assert_string_equal(a.ids[i], b.ids[i]);
				assert_int_equal(a.optout[i], b.optout[i]);
			}
	}
	assert_int_equal(stat_of("malformed_sent"), 2);
	/* The next answer is whole again. */
	memset(&b, 0, sizeof b);
	OK(sf_query(sf, q, on_rec, &b, NULL, &le));
	assert_int_equal(a.n, b.n);
	sf_close(sf);
}

static void oversized_answer(void **state)
{
	(void)state;
	knobs("{\"oversized\":\"sf\",\"oversized_bytes\":20000000,\"oversized_count\":1}");
	sf_options o = sf_test_options();
	o.http.max_body = 1u << 20;
	sf_client *c = sf_with(&o, NULL);
	err_t e;
	assert_int_equal(sf_authenticate(c, &e), -1);
	assert_int_equal(e.kind, ERR_BAD_RESPONSE);
	assert_non_null(strstr(e.msg, "response larger than 1048576 bytes"));
	OK(sf_authenticate(c, &le));
	sf_close(c);
}

static void refused_and_timeout(void **state)
{
	(void)state;
	/* A loopback port nobody listens on. */
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(fd, (struct sockaddr *)&a, sizeof a);
	socklen_t al = sizeof a;
	getsockname(fd, (struct sockaddr *)&a, &al);
	close(fd);
	char url[64];
	snprintf(url, sizeof url, "http://127.0.0.1:%d", ntohs(a.sin_port));
	err_t e;
	ac_client *c = ac_open(url, ac_key, NULL, &e);
	char user[64];
	assert_int_equal(ac_users_me(c, user, sizeof user, &e), -1);
	assert_int_equal(e.kind, ERR_NETWORK);
	char want[160];
	snprintf(want, sizeof want, "ActiveCampaign: GET /api/3/users/me: connection refused (%s)", url);
	assert_string_equal(e.msg, want);
	ac_close(c);

	knobs("{\"latency_ms\":1500,\"latency_target\":\"ac\"}");
	ac_options o;
	ac_options_default(&o);
	o.http.retries = 0;
	o.http.timeout_ms = 400;
	c = ac_open_opts(ac_url, ac_key, rate_file, &o, &e);
	double t0 = now_s();
	assert_int_equal(ac_users_me(c, user, sizeof user, &e), -1);
	assert_true(now_s() - t0 < 1.2);
	assert_int_equal(e.kind, ERR_NETWORK);
	assert_non_null(strstr(e.msg, "timed out"));
	ac_close(c);
	/* Let the sandbox finish the slow answer before the next test resets it. */
	usleep(1300 * 1000);
}

/* --- the shared AC budget, counted at the sandbox ------------------------------------------------- */

#define PROCS 4
#define CALLS 10

static void rate_limit_across_processes(void **state)
{
	(void)state;
	/* reset cleared the sandbox's counters; its own 5/s limit stays on, so a slip would show as a 429
	 * too. */
	double t0 = now_s();
	for (int p = 0; p < PROCS; p++) {
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			ac_client *c = ac_with(0, NULL);
			char user[64];
			err_t e;
			for (int i = 0; i < CALLS; i++)
				if (ac_users_me(c, user, sizeof user, &e) < 0) {
					fprintf(stderr, "child %d: %s\n", p, e.msg);
					_exit(1);
				}
			ac_close(c);
			_exit(0);
		}
	}
	int failed = 0;
	for (int p = 0; p < PROCS; p++) {
		int st;
		wait(&st);
		failed += !WIFEXITED(st) || WEXITSTATUS(st) != 0;
	}
	double dt = now_s() - t0;
	long peak = stat_of("ac_max_per_second"), r429 = stat_of("ac_429"), n = stat_of("requests_ac");
	/* The first 5 go out at once (an empty window); after that the pace is the limiter's. */
	print_message(
	    "AC: %ld requests from %d processes in %.2f s (steady %.2f/s after the first 5); the sandbox saw "
	    "at most %ld in any 1 s window and answered %ld with 429\n",
	    n, PROCS, dt, (n - 5) / dt, peak, r429);
	assert_int_equal(failed, 0);
	assert_int_equal(n, PROCS * CALLS);
	assert_true(peak <= 5);
	assert_int_equal(r429, 0);
}

static void environment_is_set(void **state)
{
	(void)state;
	fail_msg("AC_URL, SF_URL and SANDBOX_CONTROL must be set: run tests/e2e/clients.sh, which starts the "
	         "sandbox");
}

int main(void)
{
	ac_url = getenv("AC_URL");
	sf_url = getenv("SF_URL");
	control_url = getenv("SANDBOX_CONTROL");
	if (!ac_url || !*ac_url || !sf_url || !*sf_url || !control_url || !*control_url) {
		const struct CMUnitTest missing[] = {cmocka_unit_test(environment_is_set)};
		return cmocka_run_group_tests(missing, NULL, NULL);
	}
	ac_key = getenv("AC_KEY") ? getenv("AC_KEY") : "sandbox-ac-key";
	sf_id = getenv("SF_CLIENT_ID") ? getenv("SF_CLIENT_ID") : "sandbox-client-id";
	sf_secret = getenv("SF_CLIENT_SECRET") ? getenv("SF_CLIENT_SECRET") : "sandbox-client-secret";
	const char *tmp = getenv("T") ? getenv("T") : (getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	snprintf(rate_file, sizeof rate_file, "%s/ac-rate-live-%d.lock", tmp, (int)getpid());
	http_options o;
	http_options_default(&o);
	o.system = "sandbox control";
	o.retries = 0;
	ctl = http_new(&o, NULL);

	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(ac_user_and_wrong_key, reset),
	    cmocka_unit_test_setup(ac_contacts_paged, reset),
	    cmocka_unit_test_setup(ac_lists_members_and_unsubscribe, reset),
	    cmocka_unit_test_setup(ac_tags_and_webhooks, reset),
	    cmocka_unit_test_setup(ac_bulk_import_and_info, reset),
	    cmocka_unit_test_setup(sf_auth_query_describe, reset),
	    cmocka_unit_test_setup(sf_expired_token, reset),
	    cmocka_unit_test_setup(sf_composite_one_failed, reset),
	    cmocka_unit_test_setup(sf_composite_interleaved_types, reset),
	    cmocka_unit_test_setup(sf_bulk, reset),
	    cmocka_unit_test_setup(sf_server_error_then_ok, reset),
	    cmocka_unit_test_setup(sf_pkce_against_sandbox, reset),
	    cmocka_unit_test_setup(ac_rate_limited_then_ok, reset),
	    cmocka_unit_test_setup(ac_server_error_then_ok, reset),
	    cmocka_unit_test_setup(malformed_answers, reset),
	    cmocka_unit_test_setup(wrong_types_refused_or_same, reset),
	    cmocka_unit_test_setup(oversized_answer, reset),
	    cmocka_unit_test_setup(refused_and_timeout, reset),
	    cmocka_unit_test_setup(rate_limit_across_processes, reset),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	http_free(ctl);
	unlink(rate_file);
	return rc;
}
