/* snapshot.c - lists and tags JSON of an AC snapshot: the one reader and writer of that format. */
#include "snapshot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "rules.h"

int lists_from_json(const char *json, work_list **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	json_object *o = json_tokener_parse(json && *json ? json : "{}");
	if (!o || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return -1;
	}
	size_t cnt = (size_t)json_object_object_length(o), i = 0;
	work_list *l = calloc(cnt ? cnt : 1, sizeof *l);
	if (!l) {
		json_object_put(o);
		return -1;
	}
	json_object_object_foreach(o, key, val)
	{
		snprintf(l[i].id, sizeof l[i].id, "%s", key);
		l[i].status = json_object_get_int(val);
		i++;
	}
	json_object_put(o);
	*out = l;
	*n = i;
	return 0;
}

int lists_to_json(const work_list *l, size_t n, char *out, size_t cap)
{
	json_object *o = json_object_new_object();
	for (size_t i = 0; i < n; i++)
		json_object_object_add(o, l[i].id, json_object_new_int(l[i].status));
	const char *js = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	int rc = js && strlen(js) < cap ? 0 : -1;
	if (rc == 0)
		memcpy(out, js, strlen(js) + 1);
	json_object_put(o);
	return rc;
}

unsigned tags_bits_from_json(const char *json)
{
	unsigned bits = 0;
	json_object *o = json_tokener_parse(json && *json ? json : "[]");
	if (o && json_object_is_type(o, json_type_array))
		for (size_t i = 0; i < json_object_array_length(o); i++) {
			rules_tag t =
			    rules_tag_from_name(json_object_get_string(json_object_array_get_idx(o, i)));
			if (t != RULES_TAG_NONE)
				bits |= RULES_TAG_BIT(t);
		}
	json_object_put(o);
	return bits;
}

void tags_each(const char *json, void (*fn)(const char *name, void *ud), void *ud)
{
	json_object *o = json_tokener_parse(json && *json ? json : "[]");
	if (o && json_object_is_type(o, json_type_array))
		for (size_t i = 0; i < json_object_array_length(o); i++) {
			const char *name = json_object_get_string(json_object_array_get_idx(o, i));
			fn(name ? name : "", ud);
		}
	json_object_put(o);
}

void tags_json_add(char *json, size_t cap, const char *name)
{
	json_object *o = json_tokener_parse(json && *json ? json : "[]");
	if (!o || !json_object_is_type(o, json_type_array)) {
		json_object_put(o);
		o = json_object_new_array();
	}
	for (size_t i = 0; i < json_object_array_length(o); i++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(o, i)), name) == 0) {
			json_object_put(o);
			return;
		}
	json_object_array_add(o, json_object_new_string(name));
	snprintf(json, cap, "%s", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
}
