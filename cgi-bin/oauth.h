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
#define OAUTH_BROWSER_HASH 32 /* BLAKE2b of the browser cookie's value */

typedef struct {
	char state[48];
	char verifier[64];
	char login_url[512];
	char client_id[256];
	char client_secret[256];
	char api_version[16];
	char redirect_uri[600];
	/* The hash of the random value the start put in the browser's flow cookie: the state
	 * travels through Salesforce and may leak, the cookie stays with the browser. */
	unsigned char browser_hash[OAUTH_BROWSER_HASH];
	int64_t created; /* epoch seconds */
} oauth_pending;

/* Remembers p (replacing the oldest slot when all are taken). */
void oauth_put(const oauth_pending *p);

/* The hash kept in oauth_pending.browser_hash for a browser cookie's value. */
void oauth_browser_hash(const char *cookie, unsigned char out[OAUTH_BROWSER_HASH]);

enum { OAUTH_UNKNOWN = 0, OAUTH_TAKEN = 1, OAUTH_OTHER_BROWSER = 2 };

/* Finds the flow whose state equals state (constant time). When the hash of cookie (NULL: none)
 * matches its browser_hash (constant time), removes it, copies it to out and returns OAUTH_TAKEN.
 * A flow whose cookie does not match is left in place (a stranger holding a leaked state cannot
 * cancel the admin's sign-in) and OAUTH_OTHER_BROWSER is returned; OAUTH_UNKNOWN when no live
 * flow has that state. */
int oauth_take(const char *state, const char *cookie, oauth_pending *out, int64_t now);

#endif
