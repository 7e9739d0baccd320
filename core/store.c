/* store.c - opening the SQLite file, numbered migrations, settings, connections and users. */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "secret.h"
#include "timefmt.h"

#define STMT_CACHE 64

struct store {
	sqlite3 *db;
	struct {
		const char *sql; /* the literal's address is the key */
		sqlite3_stmt *st;
	} cache[STMT_CACHE];
	unsigned char key[SECRET_KEY_BYTES];
	char path[1024];
};

static int seal_legacy(store *s, err_t *e);
static int bind_sealed(store *s, sqlite3_stmt *st, int idx, const char *plain, err_t *e);
static int column_unsealed(store *s, sqlite3_stmt *st, int col, char *out, size_t cap, err_t *e);

/* Migration N is migrations[N-1]. Never edit a released one: add the next. */
static const char *const migrations[] = {
    /* 1: the tables SPEC section 7 names. */
    "CREATE TABLE settings(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE connections(system TEXT PRIMARY KEY CHECK(system IN ('ac','sf')), url TEXT NOT NULL,"
    " client_id TEXT, api_version TEXT, instance_url TEXT, account TEXT, secret BLOB, refresh_token BLOB,"
    " connected_at TEXT NOT NULL, verified_at TEXT);"
    "CREATE TABLE people(email TEXT PRIMARY KEY, ac_contact_id TEXT, opted_out INTEGER,"
    " first_seen TEXT NOT NULL, updated_at TEXT NOT NULL);"
    "CREATE TABLE sf_records(id TEXT PRIMARY KEY, object TEXT NOT NULL CHECK(object IN ('Contact','Lead')),"
    " email TEXT, opted_out INTEGER NOT NULL, is_converted INTEGER NOT NULL DEFAULT 0,"
    " converted_contact_id TEXT, modstamp TEXT, created_date TEXT, seen_at TEXT NOT NULL);"
    "CREATE INDEX sf_records_email ON sf_records(email);"
    "CREATE TABLE ac_contacts(id TEXT PRIMARY KEY, email TEXT, udate TEXT, bounced_hard INTEGER NOT NULL "
    "DEFAULT 0,"
    " lists TEXT NOT NULL DEFAULT '{}', tags TEXT NOT NULL DEFAULT '[]', seen_at TEXT NOT NULL);"
    "CREATE INDEX ac_contacts_email ON ac_contacts(email);"
    "CREATE TABLE events(id INTEGER PRIMARY KEY, source TEXT NOT NULL, kind TEXT NOT NULL, email TEXT,"
    " occurred_at TEXT, received_at TEXT NOT NULL, payload TEXT NOT NULL, processed_at TEXT);"
    "CREATE TABLE runs(id INTEGER PRIMARY KEY, trigger TEXT NOT NULL, started_at TEXT NOT NULL, ended_at "
    "TEXT,"
    " status TEXT NOT NULL DEFAULT 'running', dry_run INTEGER NOT NULL DEFAULT 0, people INTEGER NOT NULL "
    "DEFAULT 0,"
    " applied_ac_sf INTEGER NOT NULL DEFAULT 0, applied_sf_ac INTEGER NOT NULL DEFAULT 0,"
    " failed INTEGER NOT NULL DEFAULT 0, skipped INTEGER NOT NULL DEFAULT 0, calls_ac INTEGER NOT NULL "
    "DEFAULT 0,"
    " calls_sf INTEGER NOT NULL DEFAULT 0, error TEXT);"
    "CREATE TABLE actions(id INTEGER PRIMARY KEY, run_id INTEGER, direction TEXT NOT NULL, email TEXT NOT "
    "NULL,"
    " object TEXT NOT NULL, record TEXT NOT NULL, action TEXT NOT NULL, value TEXT, rule TEXT, reason TEXT,"
    " status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at TEXT, error TEXT,"
    " created_at TEXT NOT NULL, updated_at TEXT NOT NULL);"
    "CREATE TABLE log(id INTEGER PRIMARY KEY, at TEXT NOT NULL, run INTEGER, direction TEXT, email TEXT,"
    " object TEXT, record TEXT, action TEXT NOT NULL, status TEXT NOT NULL, reason TEXT, error TEXT);"
    "CREATE TABLE watermarks(name TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at TEXT NOT NULL);"
    "CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
    " role TEXT NOT NULL CHECK(role IN ('admin','viewer')), pwhash TEXT NOT NULL, created_at TEXT NOT NULL);"
    "CREATE TABLE sessions(id TEXT PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE "
    "CASCADE,"
    " csrf TEXT NOT NULL, created_at INTEGER NOT NULL, last_seen INTEGER NOT NULL);"
    "CREATE TABLE run_lock(id INTEGER PRIMARY KEY CHECK(id = 1), holder TEXT NOT NULL, pid INTEGER NOT NULL,"
    " since TEXT NOT NULL);",
    /* 2: the indexes the log filters and the retry queue need to stay fast on a million rows. */
    "CREATE INDEX log_email ON log(email, id);"
    "CREATE INDEX log_status ON log(status, id);"
    "CREATE INDEX log_direction ON log(direction, id);"
    "CREATE INDEX log_run ON log(run, id);"
    "CREATE INDEX actions_queue ON actions(status, next_attempt_at);"
    "CREATE INDEX actions_email ON actions(email);"
    "CREATE INDEX events_pending ON events(processed_at, id);",
    /* 3: links of SF records to the person's AC contact, and the rule that last decided a person. */
    "ALTER TABLE sf_records ADD COLUMN linked INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE people ADD COLUMN last_rule TEXT;"
    "CREATE INDEX actions_record ON actions(record, action, status);",
    /* 4: login throttling for the dashboard (was created by the dashboard itself), and the 429s
     * each side sent during a run, for /metrics. */
    "CREATE TABLE IF NOT EXISTS web_login_failures(key TEXT PRIMARY KEY, failures INTEGER NOT NULL,"
    " first_at INTEGER NOT NULL);"
    "ALTER TABLE runs ADD COLUMN rate_limited_ac INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE runs ADD COLUMN rate_limited_sf INTEGER NOT NULL DEFAULT 0;",
    /* 5: changes per day and direction kept as they are logged, so the 30-day chart reads at
     * most 60 rows instead of counting a million. */
    "CREATE TABLE log_daily(day TEXT NOT NULL, direction TEXT NOT NULL, n INTEGER NOT NULL,"
    " PRIMARY KEY(day, direction)) WITHOUT ROWID;"
    "INSERT INTO log_daily(day, direction, n) SELECT substr(at, 1, 10), direction, count(*) FROM log"
    " WHERE status = 'applied' AND direction IS NOT NULL AND direction <> '' GROUP BY 1, 2;",
    /* 6: a person the rules could not decide (out of memory, malformed data): why and since when,
     * until a later run decides them, so /checks and /contacts can say it. */
    "ALTER TABLE people ADD COLUMN failed TEXT;"
    "ALTER TABLE people ADD COLUMN failed_at TEXT;"
    "CREATE INDEX people_failed ON people(failed_at) WHERE failed IS NOT NULL;",
    /* 7: the Salesforce access token kept between runs (sealed), with the time it was issued. */
    "ALTER TABLE connections ADD COLUMN access_token BLOB;"
    "ALTER TABLE connections ADD COLUMN access_issued_at TEXT;"
    /* and each webhook delivery stored once: AC delivers at least once. */
    "ALTER TABLE events ADD COLUMN dedupe TEXT;"
    "CREATE UNIQUE INDEX events_dedupe ON events(dedupe);",
    /* 8: named secrets sealed like the connections' (the webhook URL's secret). A value still in
     * clear in settings is moved here by seal_legacy() after the migrations: SQL cannot seal. */
    "CREATE TABLE sealed(name TEXT PRIMARY KEY, value BLOB NOT NULL);",
    /* 9: sign-in throttling with growing delays per account, per client address and per trusted
     * browser, replacing the fixed windows of web_login_failures. */
    "DROP TABLE IF EXISTS web_login_failures;"
    "CREATE TABLE login_throttle(key TEXT PRIMARY KEY, failures INTEGER NOT NULL, last_at INTEGER NOT NULL,"
    " until INTEGER NOT NULL);",
    /* 10: person accounts are kept as records of their own ("PersonAccount"); SQLite changes a
     * CHECK only by copying the table. */
    "CREATE TABLE sf_records_new(id TEXT PRIMARY KEY,"
    " object TEXT NOT NULL CHECK(object IN ('Contact','Lead','PersonAccount')),"
    " email TEXT, opted_out INTEGER NOT NULL, is_converted INTEGER NOT NULL DEFAULT 0,"
    " converted_contact_id TEXT, modstamp TEXT, created_date TEXT, seen_at TEXT NOT NULL,"
    " linked INTEGER NOT NULL DEFAULT 0);"
    "INSERT INTO sf_records_new(id, object, email, opted_out, is_converted, converted_contact_id, modstamp,"
    " created_date, seen_at, linked) SELECT id, object, email, opted_out, is_converted,"
    " converted_contact_id, modstamp, created_date, seen_at, linked FROM sf_records;"
    "DROP TABLE sf_records;"
    "ALTER TABLE sf_records_new RENAME TO sf_records;"
    "CREATE INDEX sf_records_email ON sf_records(email);",
};

int store_schema_version(void)
{
	return (int)(sizeof migrations / sizeof migrations[0]);
}

sqlite3 *store_db(store *s)
{
	return s->db;
}

sqlite3_stmt *store_stmt(store *s, const char *sql, err_t *e)
{
	int free_slot = -1;
	for (int i = 0; i < STMT_CACHE; i++) {
		if (s->cache[i].sql == sql)
			return s->cache[i].st;
		if (!s->cache[i].sql && free_slot < 0)
			free_slot = i;
	}
	sqlite3_stmt *st;
	if (sqlite3_prepare_v3(s->db, sql, -1, free_slot >= 0 ? SQLITE_PREPARE_PERSISTENT : 0, &st, NULL) !=
	    SQLITE_OK) {
		err_set(e, ERR_DB, "database %s: prepare: %s", s->path, sqlite3_errmsg(s->db));
		return NULL;
	}
	if (free_slot < 0) {
		/* Full: hand out an uncached statement the caller's store_stmt_done will not keep. */
		return st;
	}
	s->cache[free_slot].sql = sql;
	s->cache[free_slot].st = st;
	return st;
}

void store_stmt_done(store *s, sqlite3_stmt *st)
{
	if (!st)
		return;
	for (int i = 0; i < STMT_CACHE; i++)
		if (s->cache[i].st == st) {
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			return;
		}
	sqlite3_finalize(st);
}

static int db_fail(store *s, err_t *e, const char *what)
{
	return err_set(e, ERR_DB, "database %s: %s: %s", s->path, what, sqlite3_errmsg(s->db));
}

int store_version(store *s)
{
	sqlite3_stmt *st;
	int v = -1;
	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

static int migrate(store *s, int target, err_t *e)
{
	int have = store_version(s);
	if (have < 0)
		return db_fail(s, e, "read schema version");
	if (have > store_schema_version())
		return err_set(
		    e, ERR_DB,
		    "database %s: schema version %d is newer than this optsync (%d); upgrade optsync",
		    s->path, have, store_schema_version());
	for (int v = have + 1; v <= target; v++) {
		char pragma[64];
		snprintf(pragma, sizeof pragma, "PRAGMA user_version=%d", v);
		/* One transaction per migration: a crash leaves the file at the previous version. */
		if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
			return db_fail(s, e, "begin migration");
		if (sqlite3_exec(s->db, migrations[v - 1], NULL, NULL, NULL) != SQLITE_OK ||
		    sqlite3_exec(s->db, pragma, NULL, NULL, NULL) != SQLITE_OK) {
			char what[64];
			snprintf(what, sizeof what, "migration %d", v);
			db_fail(s, e, what);
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
			return -1;
		}
		if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
			return db_fail(s, e, "commit migration");
	}
	return 0;
}

/* Creates a missing file ourselves so it is born 0600; SQLite gives -wal and -shm the same mode.
 * An existing file is never opened here: close() drops every POSIX lock this process holds on
 * the file, SQLite's included, and another process would then think it is alone, checkpoint and
 * delete the WAL under our feet (SQLite's "How To Corrupt", section 2.2). */
static int ensure_file(const char *path, err_t *e)
{
	struct stat st;
	if (stat(path, &st) == 0)
		return 0;
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 && errno == EEXIST)
		return 0;
	if (fd < 0)
		return err_set(e, ERR_IO, "database %s: cannot create: %s", path, strerror(errno));
	close(fd);
	return 0;
}

int store_open_at_version(store **out, const char *path, const char *key_path, int version, err_t *e)
{
	*out = NULL;
	if (!path || !*path || strlen(path) >= sizeof((store *)0)->path)
		return err_set(e, ERR_USAGE, "database path is empty or too long");
	store *s = calloc(1, sizeof *s);
	if (!s)
		return err_set(e, ERR_INTERNAL, "out of memory");
	snprintf(s->path, sizeof s->path, "%s", path);

	char keybuf[1100];
	if (!key_path) {
		char tmp[1024];
		snprintf(tmp, sizeof tmp, "%s", path);
		snprintf(keybuf, sizeof keybuf, "%s/secret.key", dirname(tmp));
		key_path = keybuf;
	}
	if (ensure_file(path, e) < 0 || secret_key_load(key_path, s->key, e) < 0) {
		free(s);
		return -1;
	}
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK) {
		err_set(e, ERR_DB, "database %s: cannot open: %s", path,
		        s->db ? sqlite3_errmsg(s->db) : "no memory");
		store_close(s);
		return -1;
	}
	sqlite3_busy_timeout(s->db, 10000);
	if (sqlite3_exec(s->db,
	                 "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL;"
	                 " PRAGMA secure_delete=FAST;",
	                 NULL, NULL, NULL) != SQLITE_OK) {
		db_fail(s, e, "set WAL mode");
		store_close(s);
		return -1;
	}
	if (migrate(s, version, e) < 0 || (version >= 8 && seal_legacy(s, e) < 0)) {
		store_close(s);
		return -1;
	}
	*out = s;
	return 0;
}

void store_derive_key(store *s, const char *context, unsigned char out[32])
{
	crypto_generichash(out, 32, (const unsigned char *)context, strlen(context), s->key, sizeof s->key);
}

/* ---- sealed named secrets ---- */

int store_sealed_get(store *s, const char *name, char *out, size_t n, err_t *e)
{
	sqlite3_stmt *st;
	out[0] = '\0';
	if (sqlite3_prepare_v2(s->db, "SELECT value FROM sealed WHERE name=?", -1, &st, NULL) != SQLITE_OK)
		return db_fail(s, e, "read sealed secret");
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st), found = 0;
	if (rc == SQLITE_ROW) {
		if (column_unsealed(s, st, 0, out, n, e) < 0) {
			sqlite3_finalize(st);
			return err_prefix(e, "secret %s", name);
		}
		found = 1;
	} else if (rc != SQLITE_DONE) {
		sqlite3_finalize(st);
		return db_fail(s, e, "read sealed secret");
	}
	sqlite3_finalize(st);
	return found;
}

int store_sealed_add(store *s, const char *name, const char *value, err_t *e)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, "INSERT OR IGNORE INTO sealed(name,value) VALUES(?,?)", -1, &st,
	                       NULL) != SQLITE_OK)
		return db_fail(s, e, "save sealed secret");
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (bind_sealed(s, st, 2, value, e) < 0) {
		sqlite3_finalize(st);
		return -1;
	}
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(s, e, "save sealed secret");
}

/* Seals what older versions kept in clear in settings (the webhook secret), in one transaction, and
 * checkpoints so the WAL does not keep the old page either (secure_delete zeroes the row). */
static int seal_legacy(store *s, err_t *e)
{
	char v[256];
	int got = store_setting_get(s, "webhook_secret", v, sizeof v, NULL, e);
	if (got <= 0)
		return got;
	if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(s, e, "begin sealing the webhook secret");
	int rc = *v ? store_sealed_add(s, "webhook_secret", v, e) : 0;
	sodium_memzero(v, sizeof v);
	if (rc == 0 && sqlite3_exec(s->db, "DELETE FROM settings WHERE key='webhook_secret'", NULL, NULL,
	                            NULL) != SQLITE_OK)
		rc = db_fail(s, e, "remove the clear webhook secret");
	if (rc == 0 && sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		rc = db_fail(s, e, "commit sealing the webhook secret");
	if (rc < 0) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	sqlite3_exec(s->db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
	return 0;
}

int store_open(store **out, const char *path, const char *key_path, err_t *e)
{
	return store_open_at_version(out, path, key_path, store_schema_version(), e);
}

void store_close(store *s)
{
	if (!s)
		return;
	for (int i = 0; i < STMT_CACHE; i++)
		sqlite3_finalize(s->cache[i].st);
	sqlite3_close_v2(s->db);
	sodium_memzero(s->key, sizeof s->key);
	free(s);
}

/* ---- settings ---- */

int store_setting_get(store *s, const char *key, char *buf, size_t n, const char *def, err_t *e)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, "SELECT value FROM settings WHERE key=?", -1, &st, NULL) != SQLITE_OK)
		return db_fail(s, e, "read setting");
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st), found = 0;
	if (rc == SQLITE_ROW) {
		snprintf(buf, n, "%s", (const char *)sqlite3_column_text(st, 0));
		found = 1;
	} else if (rc == SQLITE_DONE) {
		snprintf(buf, n, "%s", def ? def : "");
	} else {
		sqlite3_finalize(st);
		return db_fail(s, e, "read setting");
	}
	sqlite3_finalize(st);
	return found;
}

int store_setting_set(store *s, const char *key, const char *value, err_t *e)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db,
	                       "INSERT INTO settings(key,value) VALUES(?,?) "
	                       "ON CONFLICT(key) DO UPDATE SET value=excluded.value",
	                       -1, &st, NULL) != SQLITE_OK)
		return db_fail(s, e, "write setting");
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(s, e, "write setting");
}

/* ---- connections ---- */

static int bind_sealed(store *s, sqlite3_stmt *st, int idx, const char *plain, err_t *e)
{
	if (!plain || !*plain) {
		sqlite3_bind_null(st, idx);
		return 0;
	}
	unsigned char *blob;
	size_t len;
	if (secret_seal(s->key, plain, strlen(plain), &blob, &len, e) < 0)
		return -1;
	sqlite3_bind_blob(st, idx, blob, (int)len, free);
	return 0;
}

static int column_unsealed(store *s, sqlite3_stmt *st, int col, char *out, size_t cap, err_t *e)
{
	out[0] = '\0';
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return 0;
	const unsigned char *blob = sqlite3_column_blob(st, col);
	int len = sqlite3_column_bytes(st, col);
	return secret_open(s->key, blob, (size_t)len, out, cap, e);
}

void store_column_text(sqlite3_stmt *st, int col, char *out, size_t cap)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	snprintf(out, cap, "%s", t ? (const char *)t : "");
}

int store_each_text(store *s, sqlite3_stmt *st, int (*cb)(const char *, void *), void *arg, err_t *e,
                    const char *what)
{
	int rc, n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		n++;
		if (cb((const char *)sqlite3_column_text(st, 0), arg))
			break;
	}
	store_stmt_done(s, st);
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		return n;
	return err_set(e, ERR_DB, "database: %s: %s", what, sqlite3_errmsg(s->db));
}

void store_bind_text(sqlite3_stmt *st, int idx, const char *v)
{
	if (v && *v)
		sqlite3_bind_text(st, idx, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, idx);
}

int store_connection_save(store *s, const store_connection *c, err_t *e)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(
	        s->db,
	        "INSERT OR REPLACE INTO connections(system,url,client_id,api_version,instance_url,account,"
	        "secret,refresh_token,connected_at,verified_at,access_token,access_issued_at)"
	        " VALUES(?,?,?,?,?,?,?,?,?,?,?,?)",
	        -1, &st, NULL) != SQLITE_OK)
		return db_fail(s, e, "save connection");
	char now[32];
	timefmt_now_iso(now, sizeof now);
	sqlite3_bind_text(st, 1, c->system, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, c->url, -1, SQLITE_STATIC);
	store_bind_text(st, 3, c->client_id);
	store_bind_text(st, 4, c->api_version);
	store_bind_text(st, 5, c->instance_url);
	store_bind_text(st, 6, c->account);
	if (bind_sealed(s, st, 7, c->secret, e) < 0 || bind_sealed(s, st, 8, c->refresh_token, e) < 0 ||
	    bind_sealed(s, st, 11, c->access_token, e) < 0) {
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_bind_text(st, 9, *c->connected_at ? c->connected_at : now, -1, SQLITE_TRANSIENT);
	store_bind_text(st, 10, c->verified_at);
	store_bind_text(st, 12, c->access_issued_at);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(s, e, "save connection");
}

int store_connection_load(store *s, const char *system, store_connection *c, err_t *e)
{
	memset(c, 0, sizeof *c);
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(
	        s->db,
	        "SELECT system,url,client_id,api_version,instance_url,account,secret,refresh_token,"
	        "connected_at,verified_at,access_token,access_issued_at FROM connections WHERE system=?",
	        -1, &st, NULL) != SQLITE_OK)
		return db_fail(s, e, "load connection");
	sqlite3_bind_text(st, 1, system, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		sqlite3_finalize(st);
		return 0;
	}
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(st);
		return db_fail(s, e, "load connection");
	}
	store_column_text(st, 0, c->system, sizeof c->system);
	store_column_text(st, 1, c->url, sizeof c->url);
	store_column_text(st, 2, c->client_id, sizeof c->client_id);
	store_column_text(st, 3, c->api_version, sizeof c->api_version);
	store_column_text(st, 4, c->instance_url, sizeof c->instance_url);
	store_column_text(st, 5, c->account, sizeof c->account);
	int ok = column_unsealed(s, st, 6, c->secret, sizeof c->secret, e) == 0 &&
	         column_unsealed(s, st, 7, c->refresh_token, sizeof c->refresh_token, e) == 0;
	store_column_text(st, 8, c->connected_at, sizeof c->connected_at);
	store_column_text(st, 9, c->verified_at, sizeof c->verified_at);
	/* A kept access token that no longer opens is only a lost shortcut: the client gets a new one. */
	err_t ignored = {0};
	if (ok && column_unsealed(s, st, 10, c->access_token, sizeof c->access_token, &ignored) < 0)
		c->access_token[0] = '\0';
	store_column_text(st, 11, c->access_issued_at, sizeof c->access_issued_at);
	sqlite3_finalize(st);
	if (!ok)
		return err_prefix(e, "connection %s", system);
	return 1;
}

int store_sf_tokens_save(store *s, const char *access_token, const char *instance_url, const char *issued_at,
                         const char *refresh_token, err_t *e)
{
	/* Inside another transaction this write would be undone with it, and a rotated refresh token
	 * with it: the one in Salesforce's hands would be the only copy. */
	if (!sqlite3_get_autocommit(s->db))
		return err_set(e, ERR_INTERNAL, "database %s: Salesforce tokens saved inside a transaction", s->path);
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db,
	                       "UPDATE connections SET access_token=?1, access_issued_at=?2, instance_url=?3,"
	                       " refresh_token=COALESCE(?4, refresh_token) WHERE system='sf'",
	                       -1, &st, NULL) != SQLITE_OK)
		return db_fail(s, e, "save Salesforce token");
	if (bind_sealed(s, st, 1, access_token, e) < 0) {
		sqlite3_finalize(st);
		return -1;
	}
	store_bind_text(st, 2, issued_at);
	store_bind_text(st, 3, instance_url);
	if (refresh_token && *refresh_token) {
		if (bind_sealed(s, st, 4, refresh_token, e) < 0) {
			sqlite3_finalize(st);
			return -1;
		}
	} else {
		sqlite3_bind_null(st, 4);
	}
	int rc = sqlite3_step(st);
	int changed = sqlite3_changes(s->db);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(s, e, "save Salesforce token");
	if (changed != 1)
		return err_set(e, ERR_CONFIG, "Salesforce is not connected any more: connect it again");
	return 0;
}

/* ---- users ---- */

int store_user_add(store *s, const char *name, const char *role, const char *password, err_t *e)
{
	if (strcmp(role, "admin") != 0 && strcmp(role, "viewer") != 0)
		return err_set(e, ERR_USAGE, "role must be admin or viewer, not '%s'", role);
	if (strlen(password) < 8)
		return err_set(e, ERR_USAGE, "password must have at least 8 characters");
	if (sodium_init() < 0)
		return err_set(e, ERR_INTERNAL, "libsodium: initialisation failed");
	char hash[crypto_pwhash_STRBYTES];
	if (crypto_pwhash_str_alg(hash, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
	                          crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13) != 0)
		return err_set(e, ERR_INTERNAL, "password hashing ran out of memory");
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, "INSERT INTO users(name,role,pwhash,created_at) VALUES(?,?,?,?)", -1,
	                       &st, NULL) != SQLITE_OK)
		return db_fail(s, e, "add user");
	char now[32];
	timefmt_now_iso(now, sizeof now);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, role, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_CONSTRAINT)
		return err_set(e, ERR_USAGE, "a user named '%s' exists already", name);
	return rc == SQLITE_DONE ? 0 : db_fail(s, e, "add user");
}

/* Argon2id, interactive limits (what store_user_add uses), of a password no user has. */
static const char dummy_hash[crypto_pwhash_STRBYTES] =
    "$argon2id$v=19$m=65536,t=2,p=1$IEUMALHNRezNa6EOoiCSdQ$H4qe5Lqe9AQo8nMUm3fS8BXrlnVdo1d9riIPyzZQBV4";

int store_user_check(store *s, const char *name, const char *password, char *role, size_t n, int64_t *user_id,
                     err_t *e)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, "SELECT id,role,pwhash FROM users WHERE name=?", -1, &st, NULL) !=
	    SQLITE_OK)
		return db_fail(s, e, "check user");
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st), ok = 0;
	if (rc == SQLITE_ROW) {
		const char *hash = (const char *)sqlite3_column_text(st, 2);
		if (hash && crypto_pwhash_str_verify(hash, password, strlen(password)) == 0) {
			ok = 1;
			if (role)
				store_column_text(st, 1, role, n);
			if (user_id)
				*user_id = sqlite3_column_int64(st, 0);
		}
	} else if (rc == SQLITE_DONE) {
		/* No such name: verify against a dummy hash with the same parameters, so an unknown
		 * name takes as long as a known one and timing does not tell which names exist. */
		if (crypto_pwhash_str_verify(dummy_hash, password, strlen(password)) == 0)
			ok = 0;
	} else {
		sqlite3_finalize(st);
		return db_fail(s, e, "check user");
	}
	sqlite3_finalize(st);
	return ok;
}

int store_user_count(store *s, err_t *e)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM users", -1, &st, NULL) != SQLITE_OK)
		return db_fail(s, e, "count users");
	int n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
	sqlite3_finalize(st);
	return n < 0 ? db_fail(s, e, "count users") : n;
}
