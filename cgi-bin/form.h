/* form.h - application/x-www-form-urlencoded parsing (query strings and POST bodies). */
#ifndef OPTSYNC_WEB_FORM_H
#define OPTSYNC_WEB_FORM_H

#include <stddef.h>

#include "webhook.h"

#define FORM_MAX_FIELDS 256

typedef struct {
	char *key;
	char *val;
} form_pair;

typedef struct {
	form_pair *v;
	size_t n;
	size_t cap;
} form;

/* form_unescape (percent-decoding) comes from core/webhook.h: the webhook and the pages decode
 * alike. */

/* Parses "a=1&b=x%20y" (n bytes, not necessarily NUL-terminated) and appends each pair to f, in
 * order. Empty segments ("a=1&&b=2") are skipped; a key without "=" has the value "". Returns 0, or
 * -1 on a malformed escape, an encoded NUL, more than FORM_MAX_FIELDS pairs, or no memory (f then
 * holds the pairs read so far; form_free it either way). */
int form_parse(form *f, const char *s, size_t n);

/* The first value of key, or NULL. */
const char *form_get(const form *f, const char *key);

/* Same, with def when the key is missing. */
const char *form_get_or(const form *f, const char *key, const char *def);

void form_free(form *f);

/* Percent-encodes s for a query-string value (unreserved characters kept, space as %20) into out;
 * returns 0, or -1 when it does not fit (out then holds ""). */
int form_encode(const char *s, char *out, size_t cap);

#endif
