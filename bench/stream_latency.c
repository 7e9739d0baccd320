/* stream_latency.c - Salesforce -> ActiveCampaign latency through the change-event stream, one
 * event at a time: the box is checked on a person's Contact in the sandbox's Salesforce (which
 * emits the change event), and the clock runs until the ActiveCampaign unsubscribe for it has been
 * answered (the sandbox's request log stamps each POST /contactLists with its arrival time and
 * duration, on the same wall clock as ours). The daemon's interval is long: only the stream can
 * be this fast.
 *
 *   stream_latency BASE COUNT EMAIL_PREFIX LIST
 *
 * People are EMAIL_PREFIX<i>@bench.example for i in 0..COUNT-1, subscribed to LIST only, with one
 * unchecked Contact, already synced once. Prints key=value pairs: n, ok, verified, p50_ms, p95_ms,
 * p99_ms, max_ms, mean_ms. */
#include <json-c/json.h>

#include "bench_util.h"
#include "request_log.h"

#define TIMEOUT_MS 30000

static int unsubscribed(CURL *c, const char *base, const char *email, const char *list, bu_buf *b)
{
	char url[512], *enc = curl_easy_escape(c, email, 0);
	snprintf(url, sizeof url, "%s/sandbox/control/state?email=%s", base, enc);
	curl_free(enc);
	if (bu_request(c, "GET", url, NULL, NULL, NULL, b) != 200)
		return 0;
	json_object *j = json_tokener_parse(b->p ? b->p : ""), *ac, *lists, *l, *st;
	int ok = j && json_object_object_get_ex(j, "ac", &ac) &&
	         json_object_object_get_ex(ac, "lists", &lists) &&
	         json_object_object_get_ex(lists, list, &l) && json_object_object_get_ex(l, "status", &st) &&
	         json_object_get_int(st) == 2;
	json_object_put(j);
	return ok;
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: stream_latency BASE COUNT EMAIL_PREFIX LIST\n");
		return 2;
	}
	const char *base = argv[1], *prefix = argv[3], *list = argv[4];
	long count = strtol(argv[2], NULL, 10);
	if (count < 1)
		return 2;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	CURL *ctl = curl_easy_init();
	double *lat = calloc((size_t)count, sizeof *lat);
	if (!ctl || !lat)
		return 1;
	bu_buf b = {0};
	char url[512], body[512], email[128];
	long ok = 0, verified = 0;
	double sum = 0;
	for (long i = 0; i < count; i++) {
		snprintf(email, sizeof email, "%s%ld@bench.example", prefix, i);
		snprintf(url, sizeof url, "%s/sandbox/control/event", base);
		snprintf(body, sizeof body, "{\"type\":\"sf_check\",\"email\":\"%s\"}", email);
		int64_t t0 = bu_wall_ms();
		if (bu_request(ctl, "POST", url, body, "application/json", NULL, &b) != 200) {
			fprintf(stderr, "stream_latency: sf_check for %s refused: %.200s\n", email,
			        b.p ? b.p : "");
			continue;
		}
		int64_t done = 0;
		while (!done && bu_wall_ms() - t0 < TIMEOUT_MS) {
			bu_sleep_ms(20);
			done = bu_answered_after(ctl, base, "ac", "POST", "contactLists", t0, &b);
		}
		if (!done) {
			fprintf(stderr, "stream_latency: no AC unsubscribe within %d ms for %s\n", TIMEOUT_MS,
			        email);
			continue;
		}
		lat[ok] = (double)(done - t0);
		sum += lat[ok++];
		bu_sleep_ms(100); /* the run that wrote it finishes its bookkeeping */
	}
	for (long i = 0; i < count; i++) {
		snprintf(email, sizeof email, "%s%ld@bench.example", prefix, i);
		verified += unsubscribed(ctl, base, email, list, &b);
	}
	double p50 = bu_percentile(lat, (size_t)ok, 50), p95 = bu_percentile(lat, (size_t)ok, 95);
	double p99 = bu_percentile(lat, (size_t)ok, 99), max = ok ? lat[ok - 1] : 0;
	printf("n=%ld ok=%ld verified=%ld p50_ms=%.0f p95_ms=%.0f p99_ms=%.0f max_ms=%.0f mean_ms=%.0f\n",
	       count, ok, verified, p50, p95, p99, max, ok ? sum / (double)ok : 0);
	free(lat);
	free(b.p);
	curl_easy_cleanup(ctl);
	curl_global_cleanup();
	return ok == count && verified == count ? 0 : 1;
}
