/* oauth.h - the Salesforce web-server flows in progress: what "Connect Salesforce" started and the
 * callback must finish (PKCE verifier, state, the connected app's credentials). Kept in this
 * process's memory only, for at most OAUTH_TTL seconds, single use: the verifier and the client
 * secret never reach a URL, a cookie or the database unsealed. */
#ifndef OPTSYNC_WEB_OAUTH_H
#define OPTSYNC_WEB_OAUTH_H

#include <stddef.h>
#include <stdint.h>

#define OAUTH_TTL 600
#define OAUTH_SLOTS 16

typedef struct {
	char state[48];
	char verifier[64];
	char login_url[512];
	char client_id[256];
	char client_secret[256];
	char api_version[16];
	char redirect_uri[600];
	int64_t created; /* epoch seconds */
} oauth_pending;

/* Remembers p (replacing the oldest slot when all are taken). */
void oauth_put(const oauth_pending *p);

/* Finds the flow whose state equals state (constant time), removes it and copies it to out.
 * Returns 1, or 0 when unknown or expired. */
int oauth_take(const char *state, oauth_pending *out, int64_t now);

#endif
