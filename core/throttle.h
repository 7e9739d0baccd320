/* throttle.h - the sign-in throttle's policy, pure: how long a key waits after n failures, and the
 * key of a client address (an IPv6 client owns its whole /64, so it counts as one). */
#ifndef OPTSYNC_THROTTLE_H
#define OPTSYNC_THROTTLE_H

#include <stddef.h>

typedef struct {
	int free; /* failures that cost nothing */
	long cap; /* the longest wait, in seconds: a delay, never a lock */
} throttle_policy;

/* Per account (any client): 3 free, then 1, 2, 4 ... seconds, at most 5 minutes. */
extern const throttle_policy THROTTLE_ACCOUNT;
/* Per client address (any name): 20 free (a shared proxy address), then the same growth. */
extern const throttle_policy THROTTLE_ADDRESS;
/* A browser that signed in as that account before (device cookie): 5 free, at most a minute. */
extern const throttle_policy THROTTLE_DEVICE;

/* Rows untouched this long are purged. */
#define THROTTLE_KEEP (24 * 3600)

/* Seconds to wait after `failures` failures under p: 0 up to p->free, then doubling from 1. */
long throttle_delay(const throttle_policy *p, long failures);

/* The throttle key of a client address: "addr:1.2.3.4", "addr:2001:db8:1:2::/64" (an IPv4-mapped
 * IPv6 address counts as its IPv4 address). Unparsable input gives "addr:?". */
void throttle_addr_key(const char *addr, char *out, size_t n);

#endif
