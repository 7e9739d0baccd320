/* http_latency.c - sequential GETs of one URL on a keep-alive connection: latency percentiles of the
 * answers that came back with the expected status (and text, when given).
 *
 *   http_latency URL COUNT [COOKIE|-] [EXPECT_TEXT]
 *
 * Prints one line of key=value pairs: n, ok, p50_ms, p95_ms, p99_ms, max_ms, mean_ms, bytes. */
#include "bench_util.h"

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: http_latency URL COUNT [COOKIE|-] [EXPECT_TEXT]\n");
		return 2;
	}
	const char *url = argv[1];
	long count = strtol(argv[2], NULL, 10);
	const char *cookie = argc > 3 && strcmp(argv[3], "-") != 0 ? argv[3] : NULL;
	const char *expect = argc > 4 ? argv[4] : NULL;
	if (count < 1)
		count = 1;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	CURL *c = curl_easy_init();
	double *ms = calloc((size_t)count, sizeof *ms);
	if (!c || !ms)
		return 1;
	bu_buf b = {0};
	/* Warm-up: the connection, the page cache, SQLite's caches. */
	for (int i = 0; i < 5; i++)
		bu_request(c, "GET", url, NULL, NULL, cookie, &b);
	long ok = 0;
	double sum = 0;
	size_t bytes = 0;
	for (long i = 0; i < count; i++) {
		int64_t t0 = bu_mono_ns();
		long st = bu_request(c, "GET", url, NULL, NULL, cookie, &b);
		double d = (double)(bu_mono_ns() - t0) / 1e6;
		if (st == 200 && (!expect || (b.p && strstr(b.p, expect)))) {
			ms[ok++] = d;
			sum += d;
			bytes = b.len;
		} else if (i == 0) {
			fprintf(stderr, "http_latency: %s answered %ld%s\n", url, st,
			        expect ? " (or without the expected text)" : "");
		}
	}
	double mean = ok ? sum / (double)ok : 0;
	double p50 = bu_percentile(ms, (size_t)ok, 50), p95 = bu_percentile(ms, (size_t)ok, 95);
	double p99 = bu_percentile(ms, (size_t)ok, 99), max = ok ? ms[ok - 1] : 0;
	printf("n=%ld ok=%ld p50_ms=%.2f p95_ms=%.2f p99_ms=%.2f max_ms=%.2f mean_ms=%.2f bytes=%zu\n", count,
	       ok, p50, p95, p99, max, mean, bytes);
	free(ms);
	free(b.p);
	curl_easy_cleanup(c);
	curl_global_cleanup();
	return ok == count ? 0 : 1;
}
