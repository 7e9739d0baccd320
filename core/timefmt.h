/* timefmt.h - the timestamps optsync reads and writes: ISO 8601 in UTC out, the sources' formats in. */
#ifndef OPTSYNC_TIMEFMT_H
#define OPTSYNC_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

/* Writes the current UTC time as "2026-11-26T14:09:25Z" (or with ".123Z" when ms is set). */
void timefmt_now_iso(char *buf, size_t n);
void timefmt_iso_ms(int64_t epoch_ms, char *buf, size_t n);

/* epoch_ms (to the second) as the local time of a zone offset_min east of UTC, with that offset:
 * "2026-11-26T09:15:00-06:00", the way AC writes its udate. */
void timefmt_iso_offset(int64_t epoch_ms, int offset_min, char *buf, size_t n);

/* Parses AC "2026-11-26T09:15:00-06:00" / "2026-11-26 09:15:00", SF "2026-11-26T15:04:05.000+0000",
 * and "...Z" into epoch milliseconds. A time with no offset is taken as UTC. Returns 0 or -1. */
int timefmt_parse(const char *s, int64_t *epoch_ms);

/* Whether s carries its own offset ("Z", "+01:00", "-0600"): 1 yes, 0 no (a local time such as
 * AC's "2013-01-01 12:00:00"), -1 not a time timefmt_parse reads. *offset_min gets it (0 when none). */
int timefmt_offset(const char *s, int *offset_min);

/* An ISO time ("2026-11-26T14:09:25Z") for people ("2026-11-26 14:09:25 UTC"); "—" when empty.
 * The dashboard and the CLI write times to people this one way. */
void timefmt_human(const char *iso, char *out, size_t n);

/* Milliseconds since the epoch, from the wall clock (used for our own bookkeeping only, never as a
 * watermark of a source). */
int64_t timefmt_now_ms(void);

#endif
