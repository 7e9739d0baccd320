/* sysutil.c - sleep_ms and wipe_free, once (http.c, sf.c and redact.c each had their own). */
#include "sysutil.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

void sleep_ms(long ms)
{
	if (ms <= 0)
		return;
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

void wipe_free(char *s)
{
	if (!s)
		return;
	/* sodium_memzero cannot be optimised away, unlike a memset before free. */
	sodium_memzero(s, strlen(s));
	free(s);
}
