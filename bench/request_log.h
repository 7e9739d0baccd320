/* request_log.h - when the sandbox finished answering a request: the latency benches stop their
 * clock on the sandbox's request log (GET /sandbox/control/requests), which stamps each request
 * with its arrival time and duration on the same wall clock as theirs. Header-only, like
 * bench_util.h; needs json-c. */
#ifndef OPTSYNC_BENCH_REQUEST_LOG_H
#define OPTSYNC_BENCH_REQUEST_LOG_H

#include <json-c/json.h>

#include "bench_util.h"

/* The earliest end (arrival + duration) of a request of SYS ("ac" or "sf") with METHOD and a path
 * containing PATH_PART, answered 2xx and arrived at or after t0; 0 when there is none yet. Only the
 * newest 30 requests are looked at: the benches poll every few ms, one event at a time. */
static inline int64_t bu_answered_after(CURL *c, const char *base, const char *sys,
                                        const char *method, const char *path_part, int64_t t0,
                                        bu_buf *b)
{
	char url[512];
	snprintf(url, sizeof url, "%s/sandbox/control/requests?sys=%s&limit=30", base, sys);
	if (bu_request(c, "GET", url, NULL, NULL, NULL, b) != 200)
		return 0;
	json_object *j = json_tokener_parse(b->p ? b->p : "");
	json_object *arr;
	int64_t best = 0;
	if (j && json_object_object_get_ex(j, "requests", &arr) &&
	    json_object_is_type(arr, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(arr); i++) {
			json_object *q = json_object_array_get_idx(arr, i), *m, *p, *ts, *dur, *st;
			if (!json_object_object_get_ex(q, "method", &m) ||
			    !json_object_object_get_ex(q, "path", &p) ||
			    !json_object_object_get_ex(q, "ts_ms", &ts) ||
			    !json_object_object_get_ex(q, "dur_ms", &dur) ||
			    !json_object_object_get_ex(q, "status", &st))
				continue;
			int code = json_object_get_int(st);
			if (strcmp(json_object_get_string(m), method) != 0 ||
			    !strstr(json_object_get_string(p), path_part) || code < 200 || code > 299)
				continue;
			int64_t at = json_object_get_int64(ts), end = at + json_object_get_int64(dur);
			if (at >= t0 && (best == 0 || end < best))
				best = end;
		}
	}
	json_object_put(j);
	return best;
}

#endif
