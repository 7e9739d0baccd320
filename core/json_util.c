/* json_util.c - json_get_*: one home for the readers the clients share (they lived in http.c). */
#include "json_util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

json_object *json_get(json_object *obj, const char *key, json_type type)
{
	json_object *v;
	if (!obj || !json_object_is_type(obj, json_type_object) || !json_object_object_get_ex(obj, key, &v))
		return NULL;
	return json_object_is_type(v, type) ? v : NULL;
}

int json_get_str(json_object *obj, const char *key, char *out, size_t n)
{
	json_object *v;
	out[0] = '\0';
	if (!obj || !json_object_is_type(obj, json_type_object) || !json_object_object_get_ex(obj, key, &v) ||
	    json_object_is_type(v, json_type_null))
		return 0;
	if (json_object_is_type(v, json_type_string)) {
		size_t len = (size_t)json_object_get_string_len(v);
		if (len >= n || memchr(json_object_get_string(v), '\0', len))
			return -1;
		memcpy(out, json_object_get_string(v), len + 1);
		return 1;
	}
	if (json_object_is_type(v, json_type_int)) {
		int w = snprintf(out, n, "%lld", (long long)json_object_get_int64(v));
		return w > 0 && (size_t)w < n ? 1 : -1;
	}
	return -1;
}

int json_get_bool(json_object *obj, const char *key, int *out)
{
	json_object *v;
	if (!obj || !json_object_is_type(obj, json_type_object) || !json_object_object_get_ex(obj, key, &v) ||
	    json_object_is_type(v, json_type_null))
		return 0;
	if (json_object_is_type(v, json_type_boolean)) {
		*out = json_object_get_boolean(v) ? 1 : 0;
		return 1;
	}
	if (json_object_is_type(v, json_type_string)) {
		const char *s = json_object_get_string(v);
		if (!strcmp(s, "true") || !strcmp(s, "1")) {
			*out = 1;
			return 1;
		}
		if (!strcmp(s, "false") || !strcmp(s, "0")) {
			*out = 0;
			return 1;
		}
	}
	return -1;
}

int json_get_long(json_object *obj, const char *key, long *out)
{
	json_object *v;
	if (!obj || !json_object_is_type(obj, json_type_object) || !json_object_object_get_ex(obj, key, &v) ||
	    json_object_is_type(v, json_type_null))
		return 0;
	if (json_object_is_type(v, json_type_int)) {
		*out = (long)json_object_get_int64(v);
		return 1;
	}
	if (json_object_is_type(v, json_type_string)) {
		const char *s = json_object_get_string(v);
		char *end;
		errno = 0;
		long x = strtol(s, &end, 10);
		if (end != s && *end == '\0' && !errno) {
			*out = x;
			return 1;
		}
	}
	return -1;
}
