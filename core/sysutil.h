/* sysutil.h - the two small OS helpers several modules need: waiting and wiping secrets. */
#ifndef OPTSYNC_SYSUTIL_H
#define OPTSYNC_SYSUTIL_H

/* Sleeps ms milliseconds (nothing for ms <= 0), resumed after a signal so the wait is whole. */
void sleep_ms(long ms);

/* Zeroes a NUL-terminated secret (so it does not linger in freed memory), then frees it; NULL ok. */
void wipe_free(char *s);

#endif
