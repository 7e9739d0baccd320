/* db.c - the sandbox's own SQLite file: schema, counters, meta values, small query helpers. */
#include "sbx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bump when the schema changes: an older file is wiped and rebuilt (it only holds demo data). */
#define SBX_SCHEMA_VERSION 7

static const char *const tables[] = {
    "meta(key TEXT PRIMARY KEY, value TEXT)", "counters(name TEXT PRIMARY KEY, n INTEGER NOT NULL DEFAULT 0)",
    "path_counts(sys TEXT NOT NULL, key TEXT NOT NULL, n INTEGER NOT NULL DEFAULT 0, PRIMARY KEY(sys, key))",
    "requests(id INTEGER PRIMARY KEY, ts_ms INTEGER, sys TEXT, method TEXT, path TEXT, status INTEGER,"
    " dur_ms INTEGER)",
    /* ActiveCampaign */
    "ac_contacts(id INTEGER PRIMARY KEY, email TEXT NOT NULL, email_lc TEXT NOT NULL UNIQUE, first_name TEXT,"
    " last_name TEXT, phone TEXT, cdate_ms INTEGER, udate_ms INTEGER, bounced_hard INTEGER NOT NULL DEFAULT "
    "0,"
    " bounced_soft INTEGER NOT NULL DEFAULT 0, bounced_date_ms INTEGER)",
    "ac_lists(id INTEGER PRIMARY KEY, name TEXT, stringid TEXT, cdate_ms INTEGER)",
    "ac_contact_lists(id INTEGER PRIMARY KEY, contact INTEGER NOT NULL, list INTEGER NOT NULL,"
    " status INTEGER NOT NULL, sdate_ms INTEGER, udate_ms INTEGER, unsubreason TEXT, UNIQUE(contact, list))",
    "ac_tags(id INTEGER PRIMARY KEY, tag TEXT NOT NULL, tag_type TEXT, description TEXT, cdate_ms INTEGER)",
    "ac_contact_tags(id INTEGER PRIMARY KEY, contact INTEGER NOT NULL, tag INTEGER NOT NULL, cdate_ms "
    "INTEGER,"
    " UNIQUE(contact, tag))",
    "ac_bounce_logs(id INTEGER PRIMARY KEY, contact INTEGER, tstamp_ms INTEGER, email TEXT, kind TEXT,"
    " code TEXT, error TEXT, campaign INTEGER)",
    "ac_webhooks(id INTEGER PRIMARY KEY, name TEXT, url TEXT, events TEXT, sources TEXT, listid INTEGER,"
    " cdate_ms INTEGER, active INTEGER NOT NULL DEFAULT 1)",
    "ac_deliveries(id INTEGER PRIMARY KEY, webhook INTEGER, type TEXT, url TEXT, body TEXT, state TEXT,"
    " http_status INTEGER, error TEXT, created_ms INTEGER, done_ms INTEGER, timeout_ms INTEGER,"
    " delay_ms INTEGER)",
    "ac_imports(id INTEGER PRIMARY KEY, batch TEXT NOT NULL UNIQUE, created_ms INTEGER, contacts INTEGER,"
    " polls INTEGER NOT NULL DEFAULT 0, success TEXT, failure TEXT, exclude_automations INTEGER)",
    /* Salesforce */
    "sf_records(rid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, type TEXT NOT NULL, first_name TEXT,"
    " last_name TEXT, email TEXT, phone TEXT, company TEXT, lead_status TEXT,"
    " opted_out INTEGER NOT NULL DEFAULT 0, is_converted INTEGER NOT NULL DEFAULT 0,"
    " converted_contact_id TEXT, converted_ms INTEGER, deleted INTEGER NOT NULL DEFAULT 0,"
    " created_ms INTEGER, modified_ms INTEGER, modstamp_ms INTEGER,"
    /* a person account is one row: its mirror Contact, with the Account's id here */
    " account_id TEXT UNIQUE, converted_account_id TEXT)",
    "sf_history(rid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, type TEXT NOT NULL, parent_id TEXT NOT "
    "NULL,"
    " field TEXT, old_value INTEGER, new_value INTEGER, created_ms INTEGER)",
    "sf_tokens(token TEXT PRIMARY KEY, kind TEXT, client_id TEXT, issued_ms INTEGER, expires_ms INTEGER,"
    " revoked INTEGER NOT NULL DEFAULT 0)",
    "sf_codes(code TEXT PRIMARY KEY, client_id TEXT, redirect_uri TEXT, challenge TEXT, expires_ms INTEGER,"
    " used INTEGER NOT NULL DEFAULT 0)",
    "sf_cursors(id INTEGER PRIMARY KEY, created_ms INTEGER, total INTEGER, page INTEGER, version TEXT, type "
    "TEXT)",
    "sf_cursor_rows(cursor INTEGER NOT NULL, pos INTEGER NOT NULL, json TEXT, PRIMARY KEY(cursor, pos))",
    "sf_jobs(rid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, object TEXT, operation TEXT, state TEXT,"
    " line_ending TEXT, delimiter TEXT, content_type TEXT, api_version TEXT, created_ms INTEGER,"
    " modstamp_ms INTEGER, processed INTEGER NOT NULL DEFAULT 0, failed INTEGER NOT NULL DEFAULT 0,"
    " polls INTEGER NOT NULL DEFAULT 0, error_message TEXT, data BLOB, uploaded INTEGER NOT NULL DEFAULT 0)",
    "sf_job_results(job TEXT NOT NULL, pos INTEGER NOT NULL, sf_id TEXT, ok INTEGER, error TEXT, row TEXT,"
    " PRIMARY KEY(job, pos))",
    "sf_stream_events(replay INTEGER PRIMARY KEY AUTOINCREMENT, channel TEXT NOT NULL, object TEXT,"
    " record_id TEXT, opted_out INTEGER, at_ms INTEGER, origin TEXT NOT NULL DEFAULT '')",
    "sf_stream_clients(id TEXT PRIMARY KEY, created_ms INTEGER)",
    "sf_stream_subs(client TEXT NOT NULL, channel TEXT NOT NULL, cursor INTEGER NOT NULL,"
    " PRIMARY KEY(client, channel))",
    "sf_pushtopics(id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, object TEXT NOT NULL, query TEXT)",
    NULL};

static const char *const indexes[] = {
    "CREATE INDEX IF NOT EXISTS ac_contacts_udate ON ac_contacts(udate_ms)",
    "CREATE INDEX IF NOT EXISTS ac_cl_contact ON ac_contact_lists(contact)",
    "CREATE INDEX IF NOT EXISTS ac_cl_list ON ac_contact_lists(list, status)",
    "CREATE INDEX IF NOT EXISTS sf_records_email ON sf_records(email COLLATE NOCASE)",
    "CREATE INDEX IF NOT EXISTS sf_records_mod ON sf_records(type, modstamp_ms)",
    "CREATE INDEX IF NOT EXISTS sf_history_parent ON sf_history(type, created_ms)",
    "CREATE INDEX IF NOT EXISTS requests_ts ON requests(ts_ms)",
    NULL};

int sbx_db_exec(sqlite3 *db, const char *sql, err_t *e)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		err_set(e, ERR_DB, "sandbox db: %s", msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

sqlite3_stmt *sbx_db_prep(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		/* a bug in our SQL; say so where the operator looks */
		fprintf(stderr, "sandbox: prepare failed: %s: %s\n", sqlite3_errmsg(db), sql);
		return NULL;
	}
	return st;
}

int64_t sbx_db_int(sqlite3 *db, const char *sql, int64_t dflt)
{
	sqlite3_stmt *st = sbx_db_prep(db, sql);
	int64_t v = dflt;
	if (st && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static int create_all(sqlite3 *db, err_t *e)
{
	char sql[2048];
	for (int i = 0; tables[i]; i++) {
		snprintf(sql, sizeof sql, "CREATE TABLE IF NOT EXISTS %s", tables[i]);
		if (sbx_db_exec(db, sql, e))
			return -1;
	}
	for (int i = 0; indexes[i]; i++)
		if (sbx_db_exec(db, indexes[i], e))
			return -1;
	return 0;
}

static int drop_all(sqlite3 *db, err_t *e)
{
	char sql[256];
	for (int i = 0; tables[i]; i++) {
		const char *paren = strchr(tables[i], '(');
		snprintf(sql, sizeof sql, "DROP TABLE IF EXISTS %.*s", (int)(paren - tables[i]), tables[i]);
		if (sbx_db_exec(db, sql, e))
			return -1;
	}
	return 0;
}

int sbx_db_open(sbx_app *app, const char *path, err_t *e)
{
	snprintf(app->db_path, sizeof app->db_path, "%s", path);
	if (sqlite3_open_v2(path, &app->db,
	                    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
	                    NULL) != SQLITE_OK) {
		err_set(e, ERR_DB, "sandbox db %s: %s", path,
		        app->db ? sqlite3_errmsg(app->db) : "out of memory");
		return -1;
	}
	sqlite3_busy_timeout(app->db, 5000);
	if (sbx_db_exec(app->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", e))
		return -1;
	int64_t ver = sbx_db_int(app->db, "PRAGMA user_version", 0);
	if (ver != SBX_SCHEMA_VERSION) {
		if (drop_all(app->db, e))
			return -1;
		char sql[64];
		snprintf(sql, sizeof sql, "PRAGMA user_version=%d", SBX_SCHEMA_VERSION);
		if (sbx_db_exec(app->db, sql, e))
			return -1;
	}
	return create_all(app->db, e);
}

void sbx_db_close(sbx_app *app)
{
	if (app->db)
		sqlite3_close(app->db);
	app->db = NULL;
}

int sbx_schema_wipe(sqlite3 *db, err_t *e)
{
	/* keep meta (knobs) and the counters only if the caller re-sets them */
	char sql[256];
	for (int i = 0; tables[i]; i++) {
		const char *paren = strchr(tables[i], '(');
		int n = (int)(paren - tables[i]);
		if (strncmp(tables[i], "meta(", 5) == 0)
			continue;
		snprintf(sql, sizeof sql, "DELETE FROM %.*s", n, tables[i]);
		if (sbx_db_exec(db, sql, e))
			return -1;
	}
	return 0;
}

void sbx_counter_add(sqlite3 *db, const char *name, int64_t n)
{
	sqlite3_stmt *st = sbx_db_prep(db, "INSERT INTO counters(name, n) VALUES(?1, ?2)"
	                                   " ON CONFLICT(name) DO UPDATE SET n = n + ?2");
	if (!st)
		return;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, n);
	sqlite3_step(st);
	sqlite3_finalize(st);
}

void sbx_counter_set(sqlite3 *db, const char *name, int64_t n)
{
	sqlite3_stmt *st = sbx_db_prep(db, "INSERT INTO counters(name, n) VALUES(?1, ?2)"
	                                   " ON CONFLICT(name) DO UPDATE SET n = ?2");
	if (!st)
		return;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, n);
	sqlite3_step(st);
	sqlite3_finalize(st);
}

int64_t sbx_counter_get(sqlite3 *db, const char *name)
{
	sqlite3_stmt *st = sbx_db_prep(db, "SELECT n FROM counters WHERE name = ?1");
	int64_t v = 0;
	if (!st)
		return 0;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

int64_t sbx_db_next_serial(sqlite3 *db, const char *name)
{
	char key[96];
	snprintf(key, sizeof key, "serial_%s", name);
	sbx_counter_add(db, key, 1);
	return sbx_counter_get(db, key);
}

int sbx_meta_get(sqlite3 *db, const char *key, char **out)
{
	sqlite3_stmt *st = sbx_db_prep(db, "SELECT value FROM meta WHERE key = ?1");
	*out = NULL;
	if (!st)
		return 0;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		*out = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return *out != NULL;
}

void sbx_meta_set(sqlite3 *db, const char *key, const char *value)
{
	sqlite3_stmt *st = sbx_db_prep(db, "INSERT INTO meta(key, value) VALUES(?1, ?2)"
	                                   " ON CONFLICT(key) DO UPDATE SET value = ?2");
	if (!st)
		return;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	sqlite3_step(st);
	sqlite3_finalize(st);
}
