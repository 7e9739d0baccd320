/* connect.h - verifying, testing and storing the credentials of each side, and the browser
 * (PKCE) flow for Salesforce; shared by the CLI and the dashboard, which call only these. */
#ifndef OPTSYNC_CONNECT_H
#define OPTSYNC_CONNECT_H

#include <stddef.h>

#include "err.h"
#include "store.h"

/* Validates url and key (ERR_USAGE when malformed), verifies them with GET /api/3/users/me
 * (rate-limited through rate_file), then stores them sealed. On success out (if not NULL) holds the
 * saved connection, whose account is the AC user name. */
int connect_ac(store *s, const char *url, const char *key, const char *rate_file, store_connection *out,
               err_t *e);

typedef struct {
	const char *login_url, *client_id, *client_secret;
	const char *refresh_token; /* NULL: client_credentials grant */
	const char *api_version;   /* NULL: v62.0 */
} connect_sf_args;

/* The Salesforce API version used when none is given (the client's own default), for forms. */
const char *connect_sf_default_api_version(void);

/* Validates the arguments, obtains a token (client_credentials, or refresh_token when given), then
 * stores the connection sealed with the instance_url the token came with. */
int connect_sf(store *s, const connect_sf_args *a, store_connection *out, err_t *e);

/* "Test connection": one authenticated call with the stored credentials of c (AC: GET
 * /api/3/users/me; SF: a token, then the describe of Contact.HasOptedOutOfEmail). 0 and msg the
 * sentence that says what answered (and, for SF, whether the box is writable), or -1 with e. */
int connect_test_ac(const store_connection *c, const char *rate_file, char *msg, size_t n, err_t *e);
int connect_test_sf(store *s, const store_connection *c, char *msg, size_t n, err_t *e);

/* The start of the browser (web-server, PKCE) flow: what the dashboard keeps until the callback. */
typedef struct {
	char verifier[64]; /* keep server-side until the callback; never in a URL or a log */
	char state[48];    /* random, single use: finds the flow again on the callback */
	char url[4096];    /* where to send the browser */
} connect_pkce;

/* A fresh verifier and state for a (login_url, client_id, client_secret, api_version) and the
 * authorize URL the browser goes to; nothing is stored. */
int connect_sf_pkce_begin(const connect_sf_args *a, const char *redirect_uri, connect_pkce *out, err_t *e);
/* The callback's end: exchanges the code (with the verifier kept since the start) for a refresh
 * token, then connect_sf with it. a->refresh_token is ignored. */
int connect_sf_pkce_finish(store *s, const connect_sf_args *a, const char *code, const char *redirect_uri,
                           const char *verifier, err_t *e);

#endif
