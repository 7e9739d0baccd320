/* store.h - the one narrow interface to optsync's persistent state (SQLite today; a PostgreSQL
 * store could implement the same functions). Nothing outside store*.c builds SQL. */
#ifndef OPTSYNC_STORE_H
#define OPTSYNC_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

typedef struct store store;

/* The newest schema version this build knows; migrations 1..STORE_SCHEMA_VERSION. */
int store_schema_version(void);

/* Opens (creating with mode 0600 if missing) the database at path, sets WAL mode and a busy
 * timeout, and applies every migration the file has not seen. key_path is the libsodium key file
 * used to seal secrets (created 0600 if missing); NULL means "<db dir>/secret.key". */
int store_open(store **out, const char *path, const char *key_path, err_t *e);

/* Same, but stops after migration `version` (tests of upgrades from older schemas). */
int store_open_at_version(store **out, const char *path, const char *key_path, int version, err_t *e);

void store_close(store *s);

/* The schema version the open file is at (PRAGMA user_version). */
int store_version(store *s);

/* Settings: small named values (sf_import, interval, sf_api_share, ...). get copies into buf and
 * returns 1 if set, 0 if not (buf then holds def or ""), -1 on error. */
int store_setting_get(store *s, const char *key, char *buf, size_t n, const char *def, err_t *e);
int store_setting_set(store *s, const char *key, const char *value, err_t *e);

/* A connection to one side. Secrets are sealed before they reach SQLite and unsealed on load. */
typedef struct {
	char system[4];           /* "ac" or "sf" */
	char url[512];            /* AC API URL, or SF login URL */
	char client_id[256];      /* SF only */
	char api_version[16];     /* SF only, e.g. v62.0 */
	char instance_url[512];   /* SF only, from the last token */
	char account[256];        /* who the credentials belong to (AC user name), for display */
	char secret[512];         /* AC API key / SF client secret, in clear in memory only */
	char refresh_token[1024]; /* SF web-server flow only */
	char connected_at[32];    /* ISO 8601 UTC */
	char verified_at[32];
	char access_token[4200];    /* SF only: the last access token, kept between runs */
	char access_issued_at[32];  /* ISO 8601 UTC, when Salesforce issued it */
} store_connection;

/* Saves (insert or replace) a connection, sealing secret and refresh_token. */
int store_connection_save(store *s, const store_connection *c, err_t *e);
/* Loads the connection of system ("ac"|"sf"); returns 1 found, 0 not configured, -1 error. */
int store_connection_load(store *s, const char *system, store_connection *c, err_t *e);

/* Keeps a new Salesforce access token (sealed) with its instance URL and issue time, and, when
 * refresh_token is not NULL, the rotated refresh token that replaces the stored one: one statement,
 * so both or neither. Refused inside a transaction (it must not be rolled back with one). */
int store_sf_tokens_save(store *s, const char *access_token, const char *instance_url, const char *issued_at,
                         const char *refresh_token, err_t *e);

/* Named secrets (the webhook URL's), sealed like the connections' secrets. get: 1 and the value,
 * 0 when not set, -1 on error. add: stores value unless name has one already (concurrent first
 * calls keep the first value). */
int store_sealed_get(store *s, const char *name, char *out, size_t n, err_t *e);
int store_sealed_add(store *s, const char *name, const char *value, err_t *e);

/* A 32-byte key for context ("device cookie"), derived from the key file: stable across restarts,
 * different for every context, useless without the key file. */
void store_derive_key(store *s, const char *context, unsigned char out[32]);

/* Users of the dashboard. password is hashed (Argon2id) here; role is "admin" or "viewer". */
int store_user_add(store *s, const char *name, const char *role, const char *password, err_t *e);
/* 1 and the role if name/password match, 0 if not, -1 on error. An unknown name costs the same
 * Argon2id verification as a known one. */
int store_user_check(store *s, const char *name, const char *password, char *role, size_t n, int64_t *user_id,
                     err_t *e);
int store_user_count(store *s, err_t *e);

/* Raw SQL access for store-internal modules only (store_*.c). */
struct sqlite3 *store_db(store *s);

/* A prepared statement for sql, kept for the life of the handle (the literal's address is the key,
 * so pass string literals); give it back with store_stmt_done, never sqlite3_finalize. For
 * store-internal modules only: the engine runs the same few statements millions of times. */
struct sqlite3_stmt *store_stmt(store *s, const char *sql, err_t *e);
void store_stmt_done(store *s, struct sqlite3_stmt *st);

/* For store-internal modules: binds v as text, or NULL when v is NULL or ""; copies a text column
 * into out ("" for NULL). */
void store_bind_text(struct sqlite3_stmt *st, int idx, const char *v);
void store_column_text(struct sqlite3_stmt *st, int col, char *out, size_t n);
/* For store-internal modules: steps st (bound, from store_stmt), calling cb with each row's first
 * column until cb returns non-zero, and gives st back. Returns the rows seen, or -1 with e
 * ("database: what: ..."). */
int store_each_text(store *s, struct sqlite3_stmt *st, int (*cb)(const char *, void *), void *arg,
                    err_t *e, const char *what);

#endif
