/* webhook.c - AC webhook deliveries: queued in the request's transaction, POSTed in order by one
 * sender thread with its own SQLite connection, so a slow receiver never blocks the API. */
#include "sbx.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

static pthread_t g_thread;
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cv = PTHREAD_COND_INITIALIZER;
static int g_kicked, g_quit, g_running;
static char g_db_path[1024];

static int json_has(const char *json_text, const char *value)
{
	json_object *a = json_tokener_parse(json_text ? json_text : "[]");
	int found = 0;
	for (size_t i = 0; a && json_object_is_type(a, json_type_array) && i < json_object_array_length(a);
	     i++)
		found |= strcmp(json_object_get_string(json_object_array_get_idx(a, i)), value) == 0;
	json_object_put(a);
	return found;
}

static void kv(sbx_buf *b, const char *k, const char *v)
{
	if (b->len)
		sbx_buf_puts(b, "&");
	sbx_url_encode(b, k);
	sbx_buf_puts(b, "=");
	sbx_url_encode(b, v ? v : "");
}

int sbx_webhook_queue(sbx_req *r, const char *type, int64_t contact, int64_t list, const char *source,
                      int64_t at_ms, const char *extra_form)
{
	sqlite3 *db = r->app->db;
	sqlite3_stmt *hooks = sbx_db_prep(db, "SELECT id, url, events, sources, listid FROM ac_webhooks"
	                                      " WHERE active = 1 ORDER BY id");
	if (!hooks)
		return 0;
	sbx_buf body = {0};
	int queued = 0;
	while (sqlite3_step(hooks) == SQLITE_ROW) {
		int64_t listid = sqlite3_column_int64(hooks, 4);
		if (!json_has((const char *)sqlite3_column_text(hooks, 2), type) ||
		    !json_has((const char *)sqlite3_column_text(hooks, 3), source) ||
		    (listid && listid != list))
			continue;
		if (!body.len) {
			/* the body AC sends: envelope, then the contact block, then the event's own fields */
			char t[40], num[32];
			kv(&body, "type", type);
			/* AC's webhook times come with the account's offset, or (older accounts, and
			 * AC's own examples) as the account's local time with none. */
			if (strcmp(sbx_knob_str("webhook_date_format") ? sbx_knob_str("webhook_date_format")
			                                               : "",
			           "local") == 0)
				sbx_fmt_ac_plain(at_ms, 0, t, sizeof t);
			else
				sbx_fmt_ac_time(at_ms, t, sizeof t);
			kv(&body, "date_time", t);
			kv(&body, "initiated_from", source);
			kv(&body, "initiated_by", source);
			snprintf(num, sizeof num, "%lld", (long long)list);
			kv(&body, "list", num);
			sqlite3_stmt *c =
			    sbx_db_prep(db, "SELECT id, email, first_name, last_name, phone FROM ac_contacts"
			                    " WHERE id = ?1");
			if (c) {
				sqlite3_bind_int64(c, 1, contact);
				if (sqlite3_step(c) == SQLITE_ROW) {
					snprintf(num, sizeof num, "%lld",
					         (long long)sqlite3_column_int64(c, 0));
					kv(&body, "contact[id]", num);
					kv(&body, "contact[email]", (const char *)sqlite3_column_text(c, 1));
					kv(&body, "contact[first_name]",
					   (const char *)sqlite3_column_text(c, 2));
					kv(&body, "contact[last_name]",
					   (const char *)sqlite3_column_text(c, 3));
					kv(&body, "contact[phone]", (const char *)sqlite3_column_text(c, 4));
					kv(&body, "contact[ip]", "0.0.0.0");
					kv(&body, "contact[orgname]", "");
				}
				sqlite3_finalize(c);
			}
			sbx_buf tags = {0};
			c = sbx_db_prep(db,
			                "SELECT t.tag FROM ac_contact_tags ct JOIN ac_tags t ON t.id = ct.tag"
			                " WHERE ct.contact = ?1 ORDER BY ct.id");
			if (c) {
				sqlite3_bind_int64(c, 1, contact);
				while (sqlite3_step(c) == SQLITE_ROW) {
					if (tags.len)
						sbx_buf_puts(&tags, ", ");
					sbx_buf_puts(&tags, (const char *)sqlite3_column_text(c, 0));
				}
				sqlite3_finalize(c);
			}
			kv(&body, "contact[tags]", tags.p ? tags.p : "");
			sbx_buf_free(&tags);
			if (strcmp(type, "unsubscribe") == 0 && list != 0) {
				snprintf(num, sizeof num, "%lld", (long long)list);
				kv(&body, "list[][id]", num);
			}
			if (extra_form && *extra_form)
				sbx_buf_puts(&body, extra_form);
		}
		sqlite3_stmt *ins =
		    sbx_db_prep(db, "INSERT INTO ac_deliveries(webhook, type, url, body, state, created_ms,"
		                    " timeout_ms, delay_ms) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
		if (!ins)
			continue;
		int drop = sbx_knob_int("webhook_drop") != 0;
		/* At least once: webhook_repeat sends each delivery that many times, unchanged. */
		int64_t times = sbx_knob_int("webhook_repeat") > 1 ? sbx_knob_int("webhook_repeat") : 1;
		for (int64_t rep = 0; rep < times; rep++) {
			sqlite3_bind_int64(ins, 1, sqlite3_column_int64(hooks, 0));
			sqlite3_bind_text(ins, 2, type, -1, SQLITE_STATIC);
			sqlite3_bind_text(ins, 3, (const char *)sqlite3_column_text(hooks, 1), -1,
			                  SQLITE_TRANSIENT);
			sqlite3_bind_text(ins, 4, body.p ? body.p : "", -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(ins, 5, drop ? "dropped" : "pending", -1, SQLITE_STATIC);
			sqlite3_bind_int64(ins, 6, r->now_ms);
			sqlite3_bind_int64(ins, 7, sbx_knob_int("webhook_timeout_ms"));
			sqlite3_bind_int64(ins, 8, sbx_knob_int("webhook_delay_ms"));
			sqlite3_step(ins);
			sqlite3_reset(ins);
			if (rep > 0)
				sbx_counter_add(db, "webhooks_repeated", 1);
		}
		sqlite3_finalize(ins);
		sbx_counter_add(db, drop ? "webhooks_dropped" : "webhooks_queued", 1);
		queued += !drop;
	}
	sqlite3_finalize(hooks);
	sbx_buf_free(&body);
	return queued;
}

static size_t discard(char *p, size_t s, size_t n, void *u)
{
	(void)p;
	(void)u;
	return s * n;
}

static void deliver_one(sqlite3 *db, int64_t id, int64_t hook, const char *url, const char *body,
                        long timeout_ms, long delay_ms)
{
	if (delay_ms > 0) {
		struct timespec ts = {delay_ms / 1000, (delay_ms % 1000) * 1000000L};
		nanosleep(&ts, NULL);
	}
	long code = 0;
	char errbuf[CURL_ERROR_SIZE] = "";
	CURL *c = curl_easy_init();
	CURLcode rc = CURLE_FAILED_INIT;
	if (c) {
		struct curl_slist *h =
		    curl_slist_append(NULL, "Content-Type: application/x-www-form-urlencoded");
		curl_easy_setopt(c, CURLOPT_URL, url);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
		curl_easy_setopt(c, CURLOPT_USERAGENT, "ActiveCampaign-Webhook/1.0 (sandbox)");
		curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
		curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
		curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
		curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
		rc = curl_easy_perform(c);
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
		curl_slist_free_all(h);
		curl_easy_cleanup(c);
	}
	int ok = rc == CURLE_OK && code >= 200 && code < 300;
	const char *err = rc != CURLE_OK ? (*errbuf ? errbuf : curl_easy_strerror(rc))
	                  : ok           ? NULL
	                                 : "non-2xx answer";
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	sqlite3_stmt *st =
	    sbx_db_prep(db, "UPDATE ac_deliveries SET state = ?2, http_status = ?3, error = ?4, done_ms = ?5"
	                    " WHERE id = ?1");
	if (st) {
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_text(st, 2, ok ? "delivered" : "failed", -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, code);
		if (err)
			sqlite3_bind_text(st, 4, err, -1, SQLITE_TRANSIENT);
		else
			sqlite3_bind_null(st, 4);
		sqlite3_bind_int64(st, 5, (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
	sbx_counter_add(db, ok ? "webhooks_delivered" : "webhooks_failed", 1);
	if (code == 410) {
		/* AC turns a webhook off for good when the receiver answers 410 Gone */
		st = sbx_db_prep(db, "UPDATE ac_webhooks SET active = 0 WHERE id = ?1");
		if (st) {
			sqlite3_bind_int64(st, 1, hook);
			sqlite3_step(st);
			sqlite3_finalize(st);
		}
	}
}

static void *sender(void *arg)
{
	(void)arg;
	sqlite3 *db = NULL;
	if (sqlite3_open_v2(g_db_path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, NULL) !=
	    SQLITE_OK) {
		fprintf(stderr, "sandbox: webhook sender cannot open %s\n", g_db_path);
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, 10000);
	for (;;) {
		pthread_mutex_lock(&g_mu);
		if (!g_kicked && !g_quit) {
			struct timespec until;
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_sec += 1;
			pthread_cond_timedwait(&g_cv, &g_mu, &until);
		}
		int quit = g_quit;
		g_kicked = 0;
		pthread_mutex_unlock(&g_mu);
		if (quit)
			break;
		for (;;) {
			sqlite3_stmt *st = sbx_db_prep(
			    db, "SELECT id, webhook, url, body, timeout_ms, delay_ms FROM ac_deliveries"
			        " WHERE state = 'pending' ORDER BY id LIMIT 1");
			if (!st)
				break;
			if (sqlite3_step(st) != SQLITE_ROW) {
				sqlite3_finalize(st);
				break;
			}
			int64_t id = sqlite3_column_int64(st, 0), hook = sqlite3_column_int64(st, 1);
			char *url = strdup((const char *)sqlite3_column_text(st, 2));
			char *body = strdup((const char *)sqlite3_column_text(st, 3));
			long timeout = (long)sqlite3_column_int64(st, 4),
			     delay = (long)sqlite3_column_int64(st, 5);
			sqlite3_finalize(st);
			if (url && body)
				deliver_one(db, id, hook, url, body, timeout > 0 ? timeout : 5000, delay);
			free(url);
			free(body);
			pthread_mutex_lock(&g_mu);
			quit = g_quit;
			pthread_mutex_unlock(&g_mu);
			if (quit)
				break;
		}
	}
	sqlite3_close(db);
	return NULL;
}

int sbx_webhook_start(const char *db_path)
{
	snprintf(g_db_path, sizeof g_db_path, "%s", db_path);
	if (pthread_create(&g_thread, NULL, sender, NULL) != 0)
		return -1;
	g_running = 1;
	return 0;
}

void sbx_webhook_kick(void)
{
	pthread_mutex_lock(&g_mu);
	g_kicked = 1;
	pthread_cond_signal(&g_cv);
	pthread_mutex_unlock(&g_mu);
}

void sbx_webhook_stop(void)
{
	if (!g_running)
		return;
	pthread_mutex_lock(&g_mu);
	g_quit = 1;
	pthread_cond_signal(&g_cv);
	pthread_mutex_unlock(&g_mu);
	pthread_join(g_thread, NULL);
	g_running = 0;
}

void sbx_webhook_wait_idle(sqlite3 *db, int ms)
{
	for (int waited = 0; waited < ms; waited += 50) {
		if (sbx_db_int(db, "SELECT count(*) FROM ac_deliveries WHERE state = 'pending'", 0) == 0)
			return;
		struct timespec ts = {0, 50 * 1000000L};
		nanosleep(&ts, NULL);
	}
}
