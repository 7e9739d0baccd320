/* bench_util.h - what the bench programs share: clocks, percentiles, peak RSS, and one small libcurl
 * request helper (keep-alive handle owned by the caller). Header-only: each bench program is one
 * file built on its own by bench/run.sh. */
#ifndef OPTSYNC_BENCH_UTIL_H
#define OPTSYNC_BENCH_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <curl/curl.h>

/* Wall clock in milliseconds since the epoch (the sandbox stamps its request log with the same clock). */
static inline int64_t bu_wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Monotonic time in nanoseconds, for durations. */
static inline int64_t bu_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static inline void bu_sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static inline int bu_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* The p-th percentile (0..100) of v[0..n) by the nearest-rank method; sorts v. */
static inline double bu_percentile(double *v, size_t n, double p)
{
	if (n == 0)
		return 0;
	qsort(v, n, sizeof *v, bu_cmp_double);
	size_t rank = (size_t)((p / 100.0) * (double)n + 0.999999);
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return v[rank - 1];
}

/* Peak resident set size of this process so far, in KiB. */
static inline long bu_maxrss_kb(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/* A growable response body. */
typedef struct {
	char *p;
	size_t len, cap;
} bu_buf;

static size_t bu_on_body(char *data, size_t size, size_t nmemb, void *ud)
{
	bu_buf *b = ud;
	size_t n = size * nmemb;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p)
			return 0;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
	return n;
}

/* One request on handle c (connections kept alive between calls). body NULL: GET. ctype names the
 * body's type; cookie is a "name=value" Cookie header or NULL. The answer goes to out (emptied
 * first). Returns the HTTP status, or -1 on a network error (message on stderr). */
static inline long bu_request(CURL *c, const char *method, const char *url, const char *body,
                              const char *ctype, const char *cookie, bu_buf *out)
{
	struct curl_slist *h = NULL;
	char line[512];
	out->len = 0;
	if (out->p)
		out->p[0] = '\0';
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 60000L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, bu_on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	if (body) {
		snprintf(line, sizeof line, "Content-Type: %s", ctype ? ctype : "application/json");
		h = curl_slist_append(h, line);
		h = curl_slist_append(h, "Expect:");
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
	}
	if (method && strcmp(method, body ? "POST" : "GET") != 0)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (cookie) {
		curl_easy_setopt(c, CURLOPT_COOKIE, cookie);
	}
	if (h)
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	CURLcode rc = curl_easy_perform(c);
	curl_slist_free_all(h);
	if (rc != CURLE_OK) {
		fprintf(stderr, "bench: %s %s: %s\n", method ? method : "GET", url, curl_easy_strerror(rc));
		return -1;
	}
	long status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	return status;
}

#endif
