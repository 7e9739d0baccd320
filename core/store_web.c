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

static void copy_col(sqlite3_stmt *st, int col, char *out, size_t n)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	snprintf(out, n, "%s", t ? (const char *)t : "");
}

int store_web_init(store *s, err_t *e)
{
	/* Web-only bookkeeping that no other part reads; created here so the dashboard does not wait
	 * on a numbered migration for it. */
	sqlite3_stmt *st;
	if (prepare(s,
		    "CREATE TABLE IF NOT EXISTS web_login_failures(key TEXT PRIMARY KEY, failures INTEGER NOT NULL,"
		    " first_at INTEGER NOT NULL)",
		    &st, e, "create web_login_failures") < 0)
		return -1;
	return step_done(s, st, e, "create web_login_failures");
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
	copy_col(st, 1, out->name, sizeof out->name);
	copy_col(st, 2, out->role, sizeof out->role);
	copy_col(st, 3, out->csrf, sizeof out->csrf);
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
		if (prepare(s, "UPDATE sessions SET last_seen=? WHERE id=?", &st, e, "touch session") < 0)
			return -1;
		sqlite3_bind_int64(st, 1, now);
		sqlite3_bind_text(st, 2, sid_hash, -1, SQLITE_STATIC);
		if (step_done(s, st, e, "touch session") < 0)
			return -1;
		out->last_seen = now;
	}
	return 1;
}

int store_web_session_purge(store *s, int64_t now, long idle, long absolute, err_t *e)
{
	sqlite3_stmt *st;
	if (prepare(s, "DELETE FROM sessions WHERE last_seen < ? OR created_at < ?", &st, e, "purge sessions") < 0)
		return -1;
	sqlite3_bind_int64(st, 1, now - idle);
	sqlite3_bind_int64(st, 2, now - absolute);
	if (step_done(s, st, e, "purge sessions") < 0)
		return -1;
	return sqlite3_changes(store_db(s));
}

int store_web_login_allowed(store *s, const char *key, int64_t now, int max, long window, long *retry_after,
			    err_t *e)
{
	*retry_after = 0;
	sqlite3_stmt *st;
	if (prepare(s, "SELECT failures, first_at FROM web_login_failures WHERE key=?", &st, e,
		    "read login failures") < 0)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st), allowed = 1;
	if (rc == SQLITE_ROW) {
		int64_t failures = sqlite3_column_int64(st, 0), first = sqlite3_column_int64(st, 1);
		if (now - first < window && failures >= max) {
			allowed = 0;
			*retry_after = (long)(first + window - now);
		}
	} else if (rc != SQLITE_DONE) {
		db_fail(s, e, "read login failures");
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	return allowed;
}

int store_web_login_failed(store *s, const char *key, int64_t now, long window, err_t *e)
{
	sqlite3_stmt *st;
	/* A failure after the window closed starts a new window. */
	if (prepare(s,
		    "INSERT INTO web_login_failures(key,failures,first_at) VALUES(?1,1,?2) ON CONFLICT(key) DO UPDATE"
		    " SET failures = CASE WHEN ?2 - first_at >= ?3 THEN 1 ELSE failures + 1 END,"
		    " first_at = CASE WHEN ?2 - first_at >= ?3 THEN ?2 ELSE first_at END",
		    &st, e, "count login failure") < 0)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int64(st, 3, window);
	return step_done(s, st, e, "count login failure");
}

int store_web_login_clear(store *s, const char *key, err_t *e)
{
	sqlite3_stmt *st;
	if (prepare(s, "DELETE FROM web_login_failures WHERE key=?", &st, e, "clear login failures") < 0)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	return step_done(s, st, e, "clear login failures");
}

static void bind_opt(sqlite3_stmt *st, int i, const char *v)
{
	if (v && *v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

int store_web_event_add(store *s, const store_web_event *ev, int64_t *id, err_t *e)
{
	char now[40];
	timefmt_now_iso(now, sizeof now);
	sqlite3_stmt *st;
	if (prepare(s,
		    "INSERT INTO events(source,kind,email,occurred_at,received_at,payload) VALUES(?,?,?,?,?,?)", &st,
		    e, "store webhook event") < 0)
		return -1;
	sqlite3_bind_text(st, 1, ev->source, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, ev->kind, -1, SQLITE_STATIC);
	bind_opt(st, 3, ev->email);
	bind_opt(st, 4, ev->occurred_at);
	sqlite3_bind_text(st, 5, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, ev->payload ? ev->payload : "", -1, SQLITE_STATIC);
	if (step_done(s, st, e, "store webhook event") < 0)
		return -1;
	if (id)
		*id = sqlite3_last_insert_rowid(store_db(s));
	return 0;
}

int store_web_webhook_secret(store *s, char *out, size_t n, err_t *e)
{
	int got = store_setting_get(s, "webhook_secret", out, n, NULL, e);
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
	sqlite3_stmt *st;
	/* INSERT OR IGNORE: when two threads race, the first value wins and both read it back. */
	if (prepare(s, "INSERT OR IGNORE INTO settings(key,value) VALUES('webhook_secret',?)", &st, e,
		    "save webhook secret") < 0)
		return -1;
	sqlite3_bind_text(st, 1, hex, -1, SQLITE_STATIC);
	if (step_done(s, st, e, "save webhook secret") < 0)
		return -1;
	got = store_setting_get(s, "webhook_secret", out, n, NULL, e);
	if (got < 0)
		return -1;
	if (got == 0 || !*out)
		return err_set(e, ERR_DB, "database: webhook secret vanished after it was saved");
	return 0;
}
