/* ac_rate.c - the ActiveCampaign request rate as the sandbox saw it: reads the sandbox's request log
 * (control/requests?sys=ac, newest 5000) and gives the sustained rate between the first and the last
 * request at or after SINCE_MS, the most requests in any one-second window, and the 429 answers.
 *
 *   ac_rate BASE SINCE_MS
 *
 * The engine pauses AC between phases (reading Salesforce, deciding): the sustained rate is taken
 * over the longest stretch without a gap of more than 1.5 s.
 *
 * Prints key=value pairs: requests, seconds, per_s (whole span), stretch_requests, stretch_s,
 * stretch_per_s, max_in_1s, answered_429. */
#include <json-c/json.h>

#include "bench_util.h"

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: ac_rate BASE SINCE_MS\n");
		return 2;
	}
	int64_t since = strtoll(argv[2], NULL, 10);
	char url[512];
	snprintf(url, sizeof url, "%s/sandbox/control/requests?sys=ac&limit=5000", argv[1]);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	CURL *c = curl_easy_init();
	bu_buf b = {0};
	if (!c || bu_request(c, "GET", url, NULL, NULL, NULL, &b) != 200) {
		fprintf(stderr, "ac_rate: cannot read %s\n", url);
		return 1;
	}
	json_object *j = json_tokener_parse(b.p), *arr;
	if (!j || !json_object_object_get_ex(j, "requests", &arr) ||
	    !json_object_is_type(arr, json_type_array)) {
		fprintf(stderr, "ac_rate: no request log in the answer\n");
		return 1;
	}
	size_t n = json_object_array_length(arr), k = 0;
	int64_t *ts = calloc(n ? n : 1, sizeof *ts);
	long r429 = 0;
	for (size_t i = 0; i < n; i++) {
		json_object *q = json_object_array_get_idx(arr, i), *t, *st;
		if (!json_object_object_get_ex(q, "ts_ms", &t) || json_object_get_int64(t) < since)
			continue;
		ts[k++] = json_object_get_int64(t);
		if (json_object_object_get_ex(q, "status", &st) && json_object_get_int(st) == 429)
			r429++;
	}
	qsort(ts, k, sizeof *ts, cmp_i64);
	long max1s = 0;
	for (size_t i = 0, lo = 0; i < k; i++) {
		while (ts[i] - ts[lo] >= 1000)
			lo++;
		if ((long)(i - lo + 1) > max1s)
			max1s = (long)(i - lo + 1);
	}
	size_t best_lo = 0, best_hi = 0;
	for (size_t i = 0, lo = 0; i < k; i++) {
		if (i > 0 && ts[i] - ts[i - 1] > 1500)
			lo = i;
		if (i - lo > best_hi - best_lo) {
			best_lo = lo;
			best_hi = i;
		}
	}
	double secs = k > 1 ? (double)(ts[k - 1] - ts[0]) / 1000.0 : 0;
	double ssecs = (double)(ts[best_hi] - ts[best_lo]) / 1000.0;
	printf("requests=%zu seconds=%.1f per_s=%.2f stretch_requests=%zu stretch_s=%.1f stretch_per_s=%.2f "
	       "max_in_1s=%ld "
	       "answered_429=%ld%s\n",
	       k, secs, secs > 0 ? (double)(k - 1) / secs : 0, k ? best_hi - best_lo + 1 : 0, ssecs,
	       ssecs > 0 ? (double)(best_hi - best_lo) / ssecs : 0, max1s, r429,
	       n >= 5000 ? " log_full=1" : "");
	json_object_put(j);
	free(ts);
	free(b.p);
	curl_easy_cleanup(c);
	curl_global_cleanup();
	return 0;
}
