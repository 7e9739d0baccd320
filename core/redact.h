/* redact.h - keeping secrets (API keys, tokens, client secrets) out of every message optsync writes. */
#ifndef OPTSYNC_REDACT_H
#define OPTSYNC_REDACT_H

#include <stddef.h>

#include "err.h"

#define REDACT_SLOTS 8
#define REDACT_MARK "[redacted]"

/* A small fixed set of secret strings. Slots let a rotating secret (an access token) replace its
 * earlier value instead of growing the set. Values are copied; the copies are wiped on change. */
typedef struct {
	char *form[REDACT_SLOTS][3]; /* raw, percent-encoded, JSON-escaped (NULL when same as raw) */
} redactor;

/* Sets slot i to a copy of secret (NULL or "" clears it). Secrets shorter than 4 bytes are not
 * stored (they would redact ordinary words). Returns 0, or -1 on a bad slot or no memory. */
int redact_set(redactor *r, int i, const char *secret);

/* Wipes and frees every slot. */
void redact_clear(redactor *r);

/* Replaces in buf (NUL-terminated, capacity n) every occurrence of every secret, and of its
 * percent-encoded and JSON-escaped forms, with REDACT_MARK; then, if buf ends with the first 4 or
 * more bytes of a secret (a message cut short by a bounded buffer), cuts that tail too. */
void redact_buf(const redactor *r, char *buf, size_t n);

/* Same for an error's message. */
void redact_err(const redactor *r, err_t *e);

#endif
