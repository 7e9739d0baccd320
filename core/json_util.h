/* json_util.h - reading members of a parsed JSON answer without trusting its types (json-c). */
#ifndef OPTSYNC_JSON_UTIL_H
#define OPTSYNC_JSON_UTIL_H

#include <stddef.h>

#include <json-c/json.h>

/* Member key of obj when obj is an object and the member has the given type, else NULL. */
json_object *json_get(json_object *obj, const char *key, json_type type);

/* Copies a string member (or an integer, written in decimal: ids and counts are strings in these
 * APIs but a number is read the same) into out. Returns 1 if copied, 0 if missing or null
 * (out = ""), -1 if present with another type or too long for out. */
int json_get_str(json_object *obj, const char *key, char *out, size_t n);

/* Reads a member that is a boolean, or the strings "true"/"false"/"1"/"0". 1 read, 0 missing,
 * -1 wrong type. */
int json_get_bool(json_object *obj, const char *key, int *out);

/* Reads a member that is an integer or a string of digits ("12"). 1 read, 0 missing, -1 wrong. */
int json_get_long(json_object *obj, const char *key, long *out);

#endif
