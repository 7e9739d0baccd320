/* store_web.c - the dashboard's part of the store (sessions, login throttling, webhook events). */
#include "store_web.h"

#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "timefmt.h"

static int db_fail(store *s, err_t *e, const char *what)
{
	return err_set(e, ERR_DB, "database: %s: %s", what, sqlite3_errmsg(store_db(s)));
}

static int prepare(store *s, const char *sql, sqlite3_stmt **st, err_t *e, const char *what)
{
	if (sqlite3_prepare_v2(store_db(s), sql, -1, st, NULL) != SQLITE_OK)
		return db_fail(s, e, what);
	return 0;
}

/* Runs a prepared statement that returns no rows, and finalizes it. */
static int step_done(store *s, sqlite3_stmt *st, err_t *e, const char *what)
{
	int rc = sqlite3_step(st);
	if (rc != SQLITE_DONE) {
		db_fail(s, e, what);
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	return 0;
}

int store_web_init(store *s, err_t *e)
{
	/* The web tables come with the numbered migrations now (4: web_login_failures); kept so a
	 * caller can still ask that the store be ready for the dashboard. */
	if (store_version(s) < 4)
		return err_set(e, ERR_DB, "database: schema version %d lacks the dashboard's tables",
		               store_version(s));
	return 0;
}

void store_web_busy_timeout(store *s, int ms)
{
	sqlite3_busy_timeout(store_db(s), ms);
}

int store_web_first_admin(store *s, const char *name, const char *password, err_t *e)
{
	sqlite3 *db = store_db(s);
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(s, e, "begin first admin");
	int n = store_user_count(s, e);
	if (n < 0)
		goto fail;
	if (n > 0) {
		err_set(e, ERR_USAGE, "an administrator exists already; sign in instead");
		goto fail;
	}
	if (store_user_add(s, name, "admin", password, e) < 0)
		goto fail;
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		db_fail(s, e, "commit first admin");
		goto fail;
	}
	return 0;
fail:
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

int store_web_session_create(store *s, const char *sid_hash, int64_t user_id, const char *csrf, int64_t now,
                             err_t *e)
{
	sqlite3_stmt *st;
	if (prepare(s, "INSERT INTO sessions(id,user_id,csrf,created_at,last_seen) VALUES(?,?,?,?,?)", &st, e,
	            "create session") < 0)
		return -1;
	sqlite3_bind_text(st, 1, sid_hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, user_id);
	sqlite3_bind_text(st, 3, csrf, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now);
	sqlite3_bind_int64(st, 5, now);
	return step_done(s, st, e, "create session");
}

int store_web_session_delete(store *s, const char *sid_hash, err_t *e)
{
	sqlite3_stmt *st;
	if (prepare(s, "DELETE FROM sessions WHERE id=?", &st, e, "delete session") < 0)
		return -1;
	sqlite3_bind_text(st, 1, sid_hash, -1, SQLITE_STATIC);
	return step_done(s, st, e, "delete session");
}

int store_web_session_get(store *s, const char *sid_hash, int64_t now, long idle, long absolute,
                          store_web_session *out, err_t *e)
{
	memset(out, 0, sizeof *out);
	sqlite3_stmt *st;
	if (prepare(s,
	            "SELECT s.user_id, u.name, u.role, s.csrf, s.created_at, s.last_seen FROM sessions s"
	            " JOIN users u ON u.id = s.user_id WHERE s.id=?",
	            &st, e, "read session") < 0)
		return -1;
	sqlite3_bind_text(st, 1, sid_hash, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		sqlite3_finalize(st);
		return 0;
	}
	if (rc != SQLITE_ROW) {
		db_fail(s, e, "read session");
		sqlite3_finalize(st);
		return -1;
	}
	out->user_id = sqlite3_column_int64(st, 0);
	store_column_text(st, 1, out->name, sizeof out->name);
	store_column_text(st, 2, out->role, sizeof out->role);
	store_column_text(st, 3, out->csrf, sizeof out->csrf);
	out->created_at = sqlite3_column_int64(st, 4);
	out->last_seen = sqlite3_column_int64(st, 5);
	sqlite3_finalize(st);
	if (now - out->last_seen > idle || now - out->created_at > absolute) {
		memset(out, 0, sizeof *out);
		if (store_web_session_delete(s, sid_hash, e) < 0)
			return -1;
		return 0;
	}
	if (now - out->last_seen >= 60) {
		/* Best effort and without waiting: while a sync holds the write lock, a page view must
		 * not stall (or sign the user out) for the sake of a last-seen time. The next request
		 * tries again. */
		sqlite3 *db = store_db(s);
		sqlite3_busy_timeout(db, 0);
		if (sqlite3_prepare_v2(db, "UPDATE sessions SET last_seen=? WHERE id=?", -1, &st, NULL) ==
		    SQLITE_OK) {
			sqlite3_bind_int64(st, 1, now);
			sqlite3_bind_text(st, 2, sid_hash, -1, SQLITE_STATIC);
			if (sqlite3_step(st) == SQLITE_DONE)
				out->last_seen = now;
			sqlite3_finalize(st);
		}
		sqlite3_busy_timeout(db, STORE_WEB_BUSY_MS);
	}
	return 1;
}

int store_web_session_purge(store *s, int64_t now, long idle, long absolute, err_t *e)
{
	sqlite3_stmt *st;
	if (prepare(s, "DELETE FROM sessions WHERE last_seen < ? OR created_at < ?", &st, e,
	            "purge sessions") < 0)
		return -1;
	sqlite3_bind_int64(st, 1, now - idle);
	sqlite3_bind_int64(st, 2, now - absolute);
	if (step_done(s, st, e, "purge sessions") < 0)
		return -1;
	return sqlite3_changes(store_db(s));
}

int store_web_throttle_begin(store *s, const char *const *keys, const throttle_policy *const *policies, int n,
                             int64_t now_ms, long *retry_after, err_t *e)
{
	sqlite3 *db = store_db(s);
	sqlite3_stmt *st;
	*retry_after = 0;
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(s, e, "begin sign-in throttle");
	if (prepare(s, "DELETE FROM login_throttle WHERE last_at < ?", &st, e, "purge sign-in throttle") < 0)
		goto fail;
	sqlite3_bind_int64(st, 1, now_ms - (int64_t)THROTTLE_KEEP * 1000);
	if (step_done(s, st, e, "purge sign-in throttle") < 0)
		goto fail;
	long failures[8] = {0};
	if (n > 8)
		n = 8;
	for (int i = 0; i < n; i++) {
		if (prepare(s, "SELECT failures, until FROM login_throttle WHERE key=?", &st, e,
		            "read sign-in throttle") < 0)
			goto fail;
		sqlite3_bind_text(st, 1, keys[i], -1, SQLITE_STATIC);
		int rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			failures[i] = (long)sqlite3_column_int64(st, 0);
			int64_t until = sqlite3_column_int64(st, 1);
			long wait = until > now_ms ? (long)((until - now_ms + 999) / 1000) : 0;
			if (wait > *retry_after)
				*retry_after = wait;
		} else if (rc != SQLITE_DONE) {
			db_fail(s, e, "read sign-in throttle");
			sqlite3_finalize(st);
			goto fail;
		}
		sqlite3_finalize(st);
	}
	if (*retry_after > 0) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return 0;
	}
	for (int i = 0; i < n; i++) {
		if (prepare(s,
		            "INSERT INTO login_throttle(key,failures,last_at,until) VALUES(?1,?2,?3,?4)"
		            " ON CONFLICT(key) DO UPDATE SET failures=?2, last_at=?3, until=?4",
		            &st, e, "count sign-in attempt") < 0)
			goto fail;
		sqlite3_bind_text(st, 1, keys[i], -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, failures[i] + 1);
		sqlite3_bind_int64(st, 3, now_ms);
		sqlite3_bind_int64(st, 4,
		                   now_ms + 1000 * (int64_t)throttle_delay(policies[i], failures[i] + 1));
		if (step_done(s, st, e, "count sign-in attempt") < 0)
			goto fail;
	}
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		db_fail(s, e, "commit sign-in throttle");
		goto fail;
	}
	return 1;
fail:
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

int store_web_throttle_success(store *s, const char *const *keys, int n, int64_t now_ms, err_t *e)
{
	for (int i = 0; i < n; i++) {
		sqlite3_stmt *st;
		/* An address is shared (a proxy, make run's 127.0.0.1): one success there does not
		 * forgive the other failures, it only takes back its own and lifts the wait. */
		int addr = strncmp(keys[i], "addr:", 5) == 0;
		if (prepare(s,
		            addr ? "UPDATE login_throttle SET failures=max(failures-1,0), until=? WHERE key=?"
		                 : "DELETE FROM login_throttle WHERE ?1 IS NOT NULL AND key=?2",
		            &st, e, "clear sign-in throttle") < 0)
			return -1;
		sqlite3_bind_int64(st, 1, now_ms);
		sqlite3_bind_text(st, 2, keys[i], -1, SQLITE_STATIC);
		if (step_done(s, st, e, "clear sign-in throttle") < 0)
			return -1;
	}
	return 0;
}

int store_web_webhook_secret(store *s, char *out, size_t n, err_t *e)
{
	int got = store_sealed_get(s, "webhook_secret", out, n, e);
	if (got < 0)
		return -1;
	if (got == 1 && *out)
		return 0;
	if (sodium_init() < 0)
		return err_set(e, ERR_INTERNAL, "libsodium: initialisation failed");
	unsigned char b[32];
	char hex[65];
	randombytes_buf(b, sizeof b);
	sodium_bin2hex(hex, sizeof hex, b, sizeof b);
	sodium_memzero(b, sizeof b);
	/* When two threads race, the first value wins and both read it back. */
	int rc = store_sealed_add(s, "webhook_secret", hex, e);
	sodium_memzero(hex, sizeof hex);
	if (rc < 0)
		return -1;
	got = store_sealed_get(s, "webhook_secret", out, n, e);
	if (got < 0)
		return -1;
	if (got == 0 || !*out)
		return err_set(e, ERR_DB, "database: webhook secret vanished after it was saved");
	return 0;
}

int store_web_users(store *s, int (*cb)(const store_web_user *u, void *arg), void *arg, err_t *e)
{
	sqlite3_stmt *st;
	if (prepare(s, "SELECT id,name,role,created_at FROM users ORDER BY name", &st, e, "list users") < 0)
		return -1;
	int rc, n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_web_user u;
		u.id = sqlite3_column_int64(st, 0);
		store_column_text(st, 1, u.name, sizeof u.name);
		store_column_text(st, 2, u.role, sizeof u.role);
		store_column_text(st, 3, u.created_at, sizeof u.created_at);
		n++;
		if (cb(&u, arg))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		db_fail(s, e, "list users");
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	return n;
}

int store_web_user_delete(store *s, int64_t id, err_t *e)
{
	sqlite3 *db = store_db(s);
	sqlite3_stmt *st;
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(s, e, "begin delete user");
	if (prepare(s,
	            "SELECT (SELECT role FROM users WHERE id=?1), (SELECT count(*) FROM users WHERE "
	            "role='admin')",
	            &st, e, "delete user") < 0)
		goto fail;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		db_fail(s, e, "delete user");
		sqlite3_finalize(st);
		goto fail;
	}
	int exists = sqlite3_column_type(st, 0) != SQLITE_NULL;
	const unsigned char *role = sqlite3_column_text(st, 0);
	int admin = role && strcmp((const char *)role, "admin") == 0;
	long admins = sqlite3_column_int64(st, 1);
	sqlite3_finalize(st);
	if (!exists) {
		err_set(e, ERR_NOT_FOUND, "no such user");
		goto fail;
	}
	if (admin && admins <= 1) {
		err_set(e, ERR_USAGE, "the last administrator cannot be deleted");
		goto fail;
	}
	if (prepare(s, "DELETE FROM sessions WHERE user_id=?", &st, e, "delete user sessions") < 0)
		goto fail;
	sqlite3_bind_int64(st, 1, id);
	if (step_done(s, st, e, "delete user sessions") < 0)
		goto fail;
	if (prepare(s, "DELETE FROM users WHERE id=?", &st, e, "delete user") < 0)
		goto fail;
	sqlite3_bind_int64(st, 1, id);
	if (step_done(s, st, e, "delete user") < 0)
		goto fail;
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		db_fail(s, e, "commit delete user");
		goto fail;
	}
	return 0;
fail:
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

int store_web_numbers_read(store *s, store_web_numbers *n, err_t *e)
{
	memset(n, 0, sizeof *n);
	sqlite3_stmt *st;
	int rc;
	/* runs is one row per pass: small, so these scans are cheap. */
	if (prepare(s,
	            "SELECT status, count(*), COALESCE(sum(calls_ac),0), COALESCE(sum(calls_sf),0),"
	            " COALESCE(sum(rate_limited_ac),0), COALESCE(sum(rate_limited_sf),0) FROM runs "
	            "GROUP BY status",
	            &st, e, "count runs") < 0)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *status = (const char *)sqlite3_column_text(st, 0);
		long c = (long)sqlite3_column_int64(st, 1);
		n->calls_ac += (long)sqlite3_column_int64(st, 2);
		n->calls_sf += (long)sqlite3_column_int64(st, 3);
		n->rate_limited_ac += (long)sqlite3_column_int64(st, 4);
		n->rate_limited_sf += (long)sqlite3_column_int64(st, 5);
		if (!status)
			continue;
		if (strcmp(status, "ok") == 0)
			n->runs_ok = c;
		else if (strcmp(status, "partial") == 0)
			n->runs_partial = c;
		else if (strcmp(status, "failed") == 0 || strcmp(status, "interrupted") == 0)
			n->runs_failed += c;
		else if (strcmp(status, "dry-run") == 0)
			n->runs_dry = c;
		else if (strcmp(status, "running") == 0)
			n->runs_running = c;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(s, e, "count runs");

	if (prepare(s, "SELECT direction, status, count(*) FROM actions GROUP BY direction, status", &st, e,
	            "count actions") < 0)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *dir = (const char *)sqlite3_column_text(st, 0);
		const char *status = (const char *)sqlite3_column_text(st, 1);
		if (!dir || !status)
			continue;
		/* A word this version does not write is left out of the counts (and shown on the queue
		 * page's row by the sync that fails it). */
		rules_direction d;
		action_status as;
		if (rules_direction_parse(dir, &d, NULL) == 0 && d != RULES_DIR_NONE &&
		    action_status_parse(status, &as, NULL) == 0)
			n->actions[d][as] = (long)sqlite3_column_int64(st, 2);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(s, e, "count actions");

	if (prepare(s,
	            "SELECT (SELECT count(*) FROM events WHERE source='ac'),"
	            " (SELECT count(*) FROM events WHERE processed_at IS NULL),"
	            " (SELECT COALESCE(max(received_at),'') FROM events WHERE source='ac'),"
	            " (SELECT COALESCE(max(ended_at),'') FROM runs WHERE status = 'ok' AND dry_run = 0),"
	            " (SELECT count(*) FROM sessions)",
	            &st, e, "read numbers") < 0)
		return -1;
	if (sqlite3_step(st) != SQLITE_ROW) {
		db_fail(s, e, "read numbers");
		sqlite3_finalize(st);
		return -1;
	}
	n->events_total = (long)sqlite3_column_int64(st, 0);
	n->events_pending = (long)sqlite3_column_int64(st, 1);
	store_column_text(st, 2, n->last_event_at, sizeof n->last_event_at);
	store_column_text(st, 3, n->last_success_at, sizeof n->last_success_at);
	n->sessions = (long)sqlite3_column_int64(st, 4);
	sqlite3_finalize(st);
	return 0;
}

int store_web_integrity(store *s, char *msg, size_t n, err_t *e)
{
	sqlite3_stmt *st;
	if (prepare(s, "PRAGMA quick_check(1)", &st, e, "integrity check") < 0)
		return -1;
	int rc = sqlite3_step(st), ok = 0;
	if (rc == SQLITE_ROW) {
		store_column_text(st, 0, msg, n);
		ok = strcmp(msg, "ok") == 0;
	} else {
		db_fail(s, e, "integrity check");
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	return ok;
}
