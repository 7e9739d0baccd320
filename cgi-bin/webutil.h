/* webutil.h - small helpers the page handlers share: argument checks, email normalising, the
 * log page's query strings, JSON answers. Pure functions, unit-tested. */
#ifndef OPTSYNC_WEB_UTIL_H
#define OPTSYNC_WEB_UTIL_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

#include "web.h"

/* Trims and lower-cases an email address into out ("" for NULL or blank). */
void web_normalize_email(const char *in, char *out, size_t n);

/* 1 when s is one of the NULL-terminated list. */
int web_in(const char *s, const char *const *list);

/* A positive decimal id, or 0 for NULL, junk, negatives and overflow. */
int64_t web_int64(const char *s);

/* The /status URL for a log filter and an optional keyset position (before_id 0: newest):
 * "/status?email=a%40b.c&status=failed&before=123". Empty filters are left out. */
void web_log_query(char *out, size_t n, const char *email, const char *status, const char *direction,
                   int64_t run, int64_t before_id);

/* Appends "?key=value" or "&key=value" (value form-encoded) to the URL in out; an empty value
 * adds nothing. */
void web_query_param(char *out, size_t n, const char *key, const char *value);

/* CSS class for a status word: ok/applied -> "ok", failed -> "bad", partial/retrying -> "warn". */
const char *web_status_class(const char *status);

/* Answers with the JSON serialisation of o (application/json). */
int web_json(web_req *r, int status, json_object *o);

/* Writes one CSV field, quoted when it holds a comma, quote or line break; a leading = + - @ is
 * prefixed with ' so a spreadsheet does not run it as a formula. */
void web_csv_field(buf *b, const char *s);

#endif
