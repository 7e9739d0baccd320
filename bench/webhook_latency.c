/* webhook_latency.c - propagation latency, one event at a time: a person unsubscribes in the sandbox's
 * ActiveCampaign, the AC webhook for it is POSTed through nginx to the receiver, and the clock runs
 * until the Salesforce write for it has been answered (the sandbox's request log stamps each
 * composite PATCH with its arrival time and duration, on the same wall clock as ours). The daemon
 * is idle between events: it wakes on the stored webhook event.
 *
 *   webhook_latency BASE HOOK_URL COUNT EMAIL_PREFIX LIST
 *
 * People are EMAIL_PREFIX<i>@bench.example for i in 0..COUNT-1, subscribed to LIST only, with one
 * unchecked Contact, already synced once. Prints key=value pairs: n, ok, verified, p50_ms, p95_ms,
 * p99_ms, max_ms, mean_ms, hook_p50_ms, hook_p99_ms (the receiver's own answer time). */
#include <json-c/json.h>

#include "bench_util.h"
#include "request_log.h"

#define TIMEOUT_MS 30000

static int contact_id_of(const char *answer, char *id, size_t n)
{
	json_object *j = json_tokener_parse(answer ? answer : "");
	json_object *v;
	int ok = j && json_object_object_get_ex(j, "ac_contact", &v) && json_object_get_string(v);
	if (ok)
		snprintf(id, n, "%s", json_object_get_string(v));
	json_object_put(j);
	return ok ? 0 : -1;
}

static int box_checked(CURL *c, const char *base, const char *email, bu_buf *b)
{
	char url[512], *enc = curl_easy_escape(c, email, 0);
	snprintf(url, sizeof url, "%s/sandbox/control/state?email=%s", base, enc);
	curl_free(enc);
	if (bu_request(c, "GET", url, NULL, NULL, NULL, b) != 200)
		return 0;
	json_object *j = json_tokener_parse(b->p ? b->p : ""), *sf;
	int all = 0;
	if (j && json_object_object_get_ex(j, "sf", &sf) && json_object_is_type(sf, json_type_array) &&
	    json_object_array_length(sf) > 0) {
		all = 1;
		for (size_t i = 0; i < json_object_array_length(sf); i++) {
			json_object *v;
			if (!json_object_object_get_ex(json_object_array_get_idx(sf, i), "HasOptedOutOfEmail",
			                               &v) ||
			    !json_object_get_boolean(v))
				all = 0;
		}
	}
	json_object_put(j);
	return all;
}

int main(int argc, char **argv)
{
	if (argc != 6) {
		fprintf(stderr, "usage: webhook_latency BASE HOOK_URL COUNT EMAIL_PREFIX LIST\n");
		return 2;
	}
	const char *base = argv[1], *hook = argv[2], *prefix = argv[4], *list = argv[5];
	long count = strtol(argv[3], NULL, 10);
	if (count < 1)
		return 2;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	CURL *ctl = curl_easy_init(), *wh = curl_easy_init();
	double *lat = calloc((size_t)count, sizeof *lat), *hk = calloc((size_t)count, sizeof *hk);
	if (!ctl || !wh || !lat || !hk)
		return 1;
	bu_buf b = {0}, hb = {0};
	char url[512], body[2048], email[128], id[32];
	long ok = 0, nh = 0, verified = 0;
	double sum = 0;
	for (long i = 0; i < count; i++) {
		snprintf(email, sizeof email, "%s%ld@bench.example", prefix, i);
		/* 1. The person unsubscribes at AC (the sandbox sends no webhook: none is registered). */
		snprintf(url, sizeof url, "%s/sandbox/control/event", base);
		snprintf(body, sizeof body, "{\"type\":\"unsubscribe\",\"email\":\"%s\",\"list\":%s}", email,
		         list);
		if (bu_request(ctl, "POST", url, body, "application/json", NULL, &b) != 200 ||
		    contact_id_of(b.p, id, sizeof id) < 0) {
			fprintf(stderr, "webhook_latency: event for %s refused: %.200s\n", email,
			        b.p ? b.p : "");
			continue;
		}
		/* 2. AC's webhook for it, as AC sends it (form-encoded). */
		time_t now = time(NULL);
		struct tm tm;
		gmtime_r(&now, &tm);
		char when[40], *enc = curl_easy_escape(wh, email, 0);
		strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S%%2B00:00", &tm);
		snprintf(body, sizeof body,
		         "type=unsubscribe&date_time=%s&initiated_by=public&initiated_from=public&list=%s"
		         "&contact%%5Bid%%5D=%s&contact%%5Bemail%%5D=%s&contact%%5Bfirst_name%%5D=Bench"
		         "&contact%%5Blast_name%%5D=Latency&contact%%5Bip%%5D=0.0.0.0&contact%%5Btags%%5D="
		         "&unsubscribe%%5Breason%%5D=bench&campaign%%5Bid%%5D=0",
		         when, list, id, enc);
		curl_free(enc);
		int64_t t0 = bu_wall_ms(), h0 = bu_mono_ns();
		long st = bu_request(wh, "POST", hook, body, "application/x-www-form-urlencoded", NULL, &hb);
		hk[nh++] = (double)(bu_mono_ns() - h0) / 1e6;
		if (st != 200) {
			fprintf(stderr, "webhook_latency: the receiver answered %ld for %s\n", st, email);
			continue;
		}
		/* 3. Wait for the Salesforce write. */
		int64_t done = 0;
		while (!done && bu_wall_ms() - t0 < TIMEOUT_MS) {
			bu_sleep_ms(20);
			done = bu_answered_after(ctl, base, "sf", "PATCH", "composite/sobjects", t0, &b);
		}
		if (!done) {
			fprintf(stderr, "webhook_latency: no Salesforce write within %d ms for %s\n",
			        TIMEOUT_MS, email);
			continue;
		}
		lat[ok] = (double)(done - t0);
		sum += lat[ok++];
		/* Let the run that wrote it finish its bookkeeping, so the next event meets an idle daemon.
		 */
		bu_sleep_ms(50);
	}
	for (long i = 0; i < count; i++) {
		snprintf(email, sizeof email, "%s%ld@bench.example", prefix, i);
		verified += box_checked(ctl, base, email, &b);
	}
	double p50 = bu_percentile(lat, (size_t)ok, 50), p95 = bu_percentile(lat, (size_t)ok, 95);
	double p99 = bu_percentile(lat, (size_t)ok, 99), max = ok ? lat[ok - 1] : 0;
	double h50 = bu_percentile(hk, (size_t)nh, 50), h99 = bu_percentile(hk, (size_t)nh, 99);
	printf("n=%ld ok=%ld verified=%ld p50_ms=%.0f p95_ms=%.0f p99_ms=%.0f max_ms=%.0f mean_ms=%.0f "
	       "hook_p50_ms=%.2f "
	       "hook_p99_ms=%.2f\n",
	       count, ok, verified, p50, p95, p99, max, ok ? sum / (double)ok : 0, h50, h99);
	free(lat);
	free(hk);
	free(b.p);
	free(hb.p);
	curl_easy_cleanup(ctl);
	curl_easy_cleanup(wh);
	curl_global_cleanup();
	return ok == count && verified == count ? 0 : 1;
}
