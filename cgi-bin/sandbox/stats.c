/* stats.c - request counting, the AC one-second window (rate limit and its high-water mark), recent requests.
 */
#include "sbx.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define RING (sizeof(((sbx_app *)0)->ac_ts) / sizeof(((sbx_app *)0)->ac_ts[0]))
#define KEEP_REQUESTS 5000

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *sys_name(sbx_system s)
{
	switch (s) {
	case SBX_SYS_AC:
		return "ac";
	case SBX_SYS_SF:
		return "sf";
	case SBX_SYS_SF_AUTH:
		return "sf_auth";
	case SBX_SYS_CONTROL:
		return "control";
	case SBX_SYS_CONSOLE:
		return "console";
	default:
		return "other";
	}
}

int sbx_stats_arrival(sbx_req *r, int *retry_after)
{
	sbx_app *a = r->app;
	char name[64];
	sbx_counter_add(a->db, "requests_total", 1);
	snprintf(name, sizeof name, "requests_%s", sys_name(r->sys));
	sbx_counter_add(a->db, name, 1);
	*retry_after = 0;
	if (r->sys != SBX_SYS_AC)
		return 1;

	/* the window is (now-1000ms, now]; every arrival counts toward the high-water mark, only
	 * admitted ones toward the limit, as a server that keeps refusing would */
	int64_t now = mono_ms();
	int64_t limit = sbx_knob_int("ac_rate_limit");
	int all = 1, ok = 0;
	int64_t oldest_ok = now;
	for (unsigned i = 0; i < a->ac_count; i++) {
		unsigned idx = (a->ac_head + RING - 1 - i) % RING;
		if (a->ac_ts[idx] <= now - 1000)
			break;
		all++;
		if (a->ac_ok[idx]) {
			ok++;
			oldest_ok = a->ac_ts[idx];
		}
	}
	int admit = limit <= 0 || ok < limit;
	if (!admit) {
		int64_t wait = oldest_ok + 1000 - now;
		*retry_after = (int)((wait + 999) / 1000);
		if (*retry_after < 1)
			*retry_after = 1;
	}
	a->ac_ts[a->ac_head] = now;
	a->ac_ok[a->ac_head] = (unsigned char)admit;
	a->ac_head = (a->ac_head + 1) % RING;
	if (a->ac_count < RING)
		a->ac_count++;
	if (all > sbx_counter_get(a->db, "ac_max_per_second"))
		sbx_counter_set(a->db, "ac_max_per_second", all);
	return admit;
}

/* "GET /api/3/contacts/{id}/contactLists": ids and locators folded so paths group. */
static void norm_path(const char *path, char *out, size_t n)
{
	size_t o = 0;
	const char *p = path;
	while (*p && o + 1 < n) {
		if (*p == '/') {
			out[o++] = *p++;
			continue;
		}
		const char *end = strchr(p, '/');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		int digits = 0, alnum = 1;
		for (size_t i = 0; i < len; i++) {
			digits += isdigit((unsigned char)p[i]) != 0;
			alnum &= isalnum((unsigned char)p[i]) || p[i] == '-';
		}
		int is_id =
		    alnum && digits > 0 && (digits == (int)len || len >= 15) && !(p[0] == 'v' && len <= 6);
		const char *seg = is_id ? "{id}" : p;
		size_t seglen = is_id ? 4 : len;
		if (o + seglen + 1 >= n)
			break;
		memcpy(out + o, seg, seglen);
		o += seglen;
		p += len;
	}
	out[o] = '\0';
}

void sbx_stats_finish(sbx_req *r, int64_t dur_ms)
{
	sqlite3 *db = r->app->db;
	char key[600], np[512];
	norm_path(r->path, np, sizeof np);
	snprintf(key, sizeof key, "%s %s", r->method, np);
	sqlite3_stmt *st = sbx_db_prep(db, "INSERT INTO path_counts(sys, key, n) VALUES(?1, ?2, 1)"
	                                   " ON CONFLICT(sys, key) DO UPDATE SET n = n + 1");
	if (st) {
		sqlite3_bind_text(st, 1, sys_name(r->sys), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, key, -1, SQLITE_TRANSIENT);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
	st = sbx_db_prep(
	    db, "INSERT INTO requests(ts_ms, sys, method, path, status, dur_ms) VALUES(?1,?2,?3,?4,?5,?6)");
	if (st) {
		sqlite3_bind_int64(st, 1, r->now_ms);
		sqlite3_bind_text(st, 2, sys_name(r->sys), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, r->method, -1, SQLITE_STATIC);
		char shown[700];
		snprintf(shown, sizeof shown, "%.400s%s%.180s", r->full_path,
		         r->query && *r->query ? "?" : "", r->query ? r->query : "");
		sqlite3_bind_text(st, 4, shown, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(st, 5, r->status);
		sqlite3_bind_int64(st, 6, dur_ms);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
	int64_t last = sqlite3_last_insert_rowid(db);
	if (last % 100 == 0) {
		st = sbx_db_prep(db, "DELETE FROM requests WHERE id <= ?1");
		if (st) {
			sqlite3_bind_int64(st, 1, last - KEEP_REQUESTS);
			sqlite3_step(st);
			sqlite3_finalize(st);
		}
	}
	if (r->sys == SBX_SYS_AC && r->status == 429)
		sbx_counter_add(db, "ac_429", 1);
	if (r->sys == SBX_SYS_SF && r->status == 401)
		sbx_counter_add(db, "sf_401", 1);
	if (r->status >= 500)
		sbx_counter_add(db, "responses_5xx", 1);
}

json_object *sbx_stats_json(sqlite3 *db)
{
	json_object *o = json_object_new_object();
	/* every counter this sandbox keeps, flat; the documented ones always present */
	static const char *const always[] = {"requests_total",
	                                     "requests_ac",
	                                     "requests_sf",
	                                     "requests_sf_auth",
	                                     "requests_control",
	                                     "ac_max_per_second",
	                                     "ac_429",
	                                     "sf_401",
	                                     "sf_api_used",
	                                     "composite_calls",
	                                     "composite_records",
	                                     "composite_failed_records",
	                                     "bulk_jobs",
	                                     "bulk_records",
	                                     "injected_errors",
	                                     "injected_latency",
	                                     "malformed_sent",
	                                     "oversized_sent",
	                                     "responses_5xx",
	                                     "ac_contact_list_writes",
	                                     "ac_contact_list_changes",
	                                     "ac_tags_created",
	                                     "ac_contact_tags_added",
	                                     "ac_contact_tags_duplicate",
	                                     "ac_contacts_created",
	                                     "ac_contacts_updated",
	                                     "ac_imports",
	                                     "ac_import_contacts",
	                                     "ac_imports_rate_limited",
	                                     "sf_records_updated",
	                                     "composite_refused_chunks",
	                                     "soql_history_queries",
	                                     "lost_answers",
	                                     "sf_tokens_issued",
	                                     "webhooks_queued",
	                                     "webhooks_delivered",
	                                     "webhooks_failed",
	                                     "webhooks_dropped",
	                                     NULL};
	for (int i = 0; always[i]; i++)
		json_object_object_add(o, always[i], sbx_jint(sbx_counter_get(db, always[i])));
	sqlite3_stmt *st =
	    sbx_db_prep(db, "SELECT name, n FROM counters WHERE name NOT LIKE 'serial\\_%' ESCAPE '\\'"
	                    " ORDER BY name");
	while (st && sqlite3_step(st) == SQLITE_ROW)
		json_object_object_add(o, (const char *)sqlite3_column_text(st, 0),
		                       sbx_jint(sqlite3_column_int64(st, 1)));
	sqlite3_finalize(st);
	json_object *paths = json_object_new_object();
	st = sbx_db_prep(db, "SELECT sys, key, n FROM path_counts ORDER BY sys, key");
	while (st && sqlite3_step(st) == SQLITE_ROW) {
		const char *sys = (const char *)sqlite3_column_text(st, 0);
		json_object *per = NULL;
		if (!json_object_object_get_ex(paths, sys, &per)) {
			per = json_object_new_object();
			json_object_object_add(paths, sys, per);
		}
		json_object_object_add(per, (const char *)sqlite3_column_text(st, 1),
		                       sbx_jint(sqlite3_column_int64(st, 2)));
	}
	sqlite3_finalize(st);
	json_object_object_add(o, "paths", paths);
	return o;
}

void sbx_stats_reset(sbx_app *app)
{
	sbx_db_exec(
	    app->db,
	    "DELETE FROM counters WHERE name NOT LIKE 'serial\\_%' ESCAPE '\\' AND name <> 'sf_api_used';"
	    " DELETE FROM path_counts; DELETE FROM requests;",
	    NULL);
	app->ac_count = 0;
	app->ac_head = 0;
}
