/* connect.h - verifying and storing the credentials of each side; shared by the CLI and the dashboard. */
#ifndef OPTSYNC_CONNECT_H
#define OPTSYNC_CONNECT_H

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

/* Validates the arguments, obtains a token (client_credentials, or refresh_token when given), then
 * stores the connection sealed with the instance_url the token came with. */
int connect_sf(store *s, const connect_sf_args *a, store_connection *out, err_t *e);

#endif
