/* snapshot.h - the lists and tags JSON kept in an AC snapshot ({"1":1,"2":2} and ["name",...]),
 * read and written in one place: by the engine and by the contact page (snapshot.c). */
#ifndef OPTSYNC_SNAPSHOT_H
#define OPTSYNC_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

/* One AC list membership. */
typedef struct {
	char id[32];
	int status;
	int64_t at_ms;
} work_list;

/* Lists JSON of a snapshot into a new array (*out, freed by the caller; *n entries, in the JSON's
 * order). NULL or "" is no lists. -1 when the JSON is not an object or memory runs out. */
int lists_from_json(const char *json, work_list **out, size_t *n);
/* 0, or -1 (out untouched) when the JSON does not fit in cap: never a list cut short. */
int lists_to_json(const work_list *l, size_t n, char *out, size_t cap);
/* Tags JSON of a snapshot as rules tag bits (names the rules do not know are left out). */
unsigned tags_bits_from_json(const char *json);
/* Calls fn with each tag name of the JSON, in order; not an array: no call. */
void tags_each(const char *json, void (*fn)(const char *name, void *ud), void *ud);
/* Adds a name to the tags JSON unless it is there already. */
void tags_json_add(char *json, size_t cap, const char *name);

#endif
