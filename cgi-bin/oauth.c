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

int oauth_take(const char *state, oauth_pending *out, int64_t now)
{
	size_t n = state ? strlen(state) : 0;
	int found = 0;
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
			*out = *s;
			sodium_memzero(s, sizeof *s);
			found = 1;
		}
	}
	pthread_mutex_unlock(&mu);
	return found;
}
