/* oauth.c - the in-memory table of Salesforce OAuth flows in progress (see oauth.h). */
#include "oauth.h"

#include <pthread.h>
#include <sodium.h>
#include <string.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static oauth_pending slots[OAUTH_SLOTS];

void oauth_put(const oauth_pending *p)
{
	pthread_mutex_lock(&mu);
	int pick = 0;
	for (int i = 0; i < OAUTH_SLOTS; i++) {
		if (!slots[i].state[0]) {
			pick = i;
			break;
		}
		if (slots[i].created < slots[pick].created)
			pick = i;
	}
	slots[pick] = *p;
	pthread_mutex_unlock(&mu);
}

void oauth_browser_hash(const char *cookie, unsigned char out[OAUTH_BROWSER_HASH])
{
	const char *c = cookie ? cookie : "";
	crypto_generichash(out, OAUTH_BROWSER_HASH, (const unsigned char *)c, strlen(c), NULL, 0);
}

int oauth_take(const char *state, const char *cookie, oauth_pending *out, int64_t now)
{
	size_t n = state ? strlen(state) : 0;
	int found = OAUTH_UNKNOWN;
	unsigned char h[OAUTH_BROWSER_HASH];
	oauth_browser_hash(cookie, h);
	pthread_mutex_lock(&mu);
	for (int i = 0; i < OAUTH_SLOTS; i++) {
		oauth_pending *s = &slots[i];
		if (!s->state[0])
			continue;
		if (now - s->created > OAUTH_TTL) {
			sodium_memzero(s, sizeof *s);
			continue;
		}
		if (!found && n && strlen(s->state) == n && sodium_memcmp(s->state, state, n) == 0) {
			/* An empty or missing cookie hashes too: the comparison costs the same. */
			if (sodium_memcmp(s->browser_hash, h, sizeof h) != 0) {
				found = OAUTH_OTHER_BROWSER;
				continue;
			}
			*out = *s;
			sodium_memzero(s, sizeof *s);
			found = OAUTH_TAKEN;
		}
	}
	pthread_mutex_unlock(&mu);
	return found;
}
