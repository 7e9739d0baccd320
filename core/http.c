/* http.c - libcurl wrapper: one keep-alive handle per client, bounded retries, capped bodies, redacted
 * messages. */
#include "http.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "sysutil.h"
#include "url.h"

struct http_client {
	CURL *curl;
	http_options o;
	char system[64];
	redactor red;
	http_stats st;
	uint64_t rng;
	char errbuf[CURL_ERROR_SIZE];
	int cookie_engine; /* CURLOPT_COOKIEFILE set once on this handle (o.cookies) */
};

/* What one attempt gathered while curl ran. */
typedef struct {
	http_response *rs;
	size_t cap, max;
	int overflow;
} sink;

void http_options_default(http_options *o)
{
	memset(o, 0, sizeof *o);
	o->system = "HTTP";
	o->connect_timeout_ms = 10000;
	o->timeout_ms = 60000;
	o->retries = 3;
	o->backoff_ms = 500;
	o->backoff_max_ms = 20000;
	o->retry_after_max_s = 60;
	o->max_body = 8u << 20;
}

void http_global_init(void)
{
	static int done;
	if (!done) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		done = 1;
	}
}

void http_set_options(http_client *h, const http_options *o)
{
	http_options keep = h->o;
	h->o = *o;
	if (!o->before_attempt) {
		h->o.before_attempt = keep.before_attempt;
		h->o.hook_ud = keep.hook_ud;
	}
	if (!o->detail)
		h->o.detail = keep.detail;
	if (o->system)
		snprintf(h->system, sizeof h->system, "%s", o->system);
	h->o.system = h->system;
	if (h->o.max_body == 0)
		h->o.max_body = 8u << 20;
	if (h->o.retries < 0)
		h->o.retries = 0;
}

const http_options *http_get_options(const http_client *h)
{
	return &h->o;
}

http_client *http_new(const http_options *o, err_t *e)
{
	http_global_init();
	http_client *h = calloc(1, sizeof *h);
	if (!h) {
		err_set(e, ERR_INTERNAL, "out of memory");
		return NULL;
	}
	h->curl = curl_easy_init();
	if (!h->curl) {
		free(h);
		err_set(e, ERR_INTERNAL, "%s: cannot initialise libcurl",
		        o && o->system ? o->system : "HTTP");
		return NULL;
	}
	http_options d;
	http_options_default(&d);
	snprintf(h->system, sizeof h->system, "%s", "HTTP");
	h->o = d;
	h->o.system = h->system;
	http_set_options(h, o ? o : &d);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	h->rng = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)getpid() ^ (uint64_t)(uintptr_t)h;
	if (!h->rng)
		h->rng = 88172645463325252ull;
	return h;
}

void http_free(http_client *h)
{
	if (!h)
		return;
	curl_easy_cleanup(h->curl);
	redact_clear(&h->red);
	free(h);
}

int http_set_secret(http_client *h, int i, const char *secret)
{
	return redact_set(&h->red, i, secret);
}

const redactor *http_redactor(const http_client *h)
{
	return &h->red;
}

void http_get_stats(const http_client *h, http_stats *s)
{
	*s = h->st;
}

void http_response_free(http_response *rs)
{
	if (!rs)
		return;
	free(rs->body);
	memset(rs, 0, sizeof *rs);
	rs->retry_after = -1;
	rs->date_s = -1;
}

/* --- URLs ------------------------------------------------------------------------------------- */

void http_url_origin(const char *url, char *out, size_t n)
{
	const char *p = strstr(url ? url : "", "://");
	size_t len;
	if (!p) {
		snprintf(out, n, "%.60s", url ? url : "");
		return;
	}
	p += 3;
	len = (size_t)(p - url) + strcspn(p, "/?#");
	/* Leave out any user:password@ (never sent by us, but never echo it either). */
	const char *at = memchr(p, '@', len - (size_t)(p - url));
	if (at)
		snprintf(out, n, "%.*s%.*s", (int)(p - url), url, (int)(len - (size_t)(at + 1 - url)),
		         at + 1);
	else
		snprintf(out, n, "%.*s", (int)len, url);
}

int http_url_allowed(const char *url, err_t *e)
{
	char origin[300];
	http_url_origin(url, origin, sizeof origin);
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL;
	int rc = 0;
	if (!u)
		return err_set(e, ERR_INTERNAL, "out of memory");
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		rc = err_set(e, ERR_CONFIG, "not a valid URL (%s)", origin);
	} else if (strcasecmp(scheme, "https") == 0) {
		rc = 0;
	} else if (strcasecmp(scheme, "http") == 0) {
		if (!url_host_is_loopback(host))
			rc = err_set(e, ERR_CONFIG,
			             "http:// is allowed only for loopback hosts, use https:// (%s)", origin);
	} else {
		rc = err_set(e, ERR_CONFIG, "only https:// URLs are allowed (%s)", origin);
	}
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return rc;
}

int http_urlencode(const char *s, char *out, size_t n)
{
	size_t o = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (isalnum(*p) || *p == '-' || *p == '.' || *p == '_' || *p == '~') {
			if (o + 1 >= n)
				return -1;
			out[o++] = (char)*p;
		} else {
			if (o + 3 >= n)
				return -1;
			snprintf(out + o, 4, "%%%02X", *p);
			o += 3;
		}
	}
	if (o >= n)
		return -1;
	out[o] = '\0';
	return 0;
}

/* --- messages --------------------------------------------------------------------------------- */

static int vfail(const http_client *h, err_t *e, err_kind kind, const char *op, const char *fmt, va_list ap)
{
	char cause[1024], full[1400];
	vsnprintf(cause, sizeof cause, fmt, ap);
	snprintf(full, sizeof full, "%s: %s: %s", h->system, op ? op : "request", cause);
	/* Redact before cutting to err_t's size, then again for a secret cut in half by the cut. */
	redact_buf(&h->red, full, sizeof full);
	err_set(e, kind, "%s", full);
	redact_err(&h->red, e);
	return -1;
}

int http_fail(const http_client *h, err_t *e, err_kind kind, const char *op, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail(h, e, kind, op, fmt, ap);
	va_end(ap);
	return -1;
}

static void default_detail(const char *body, size_t len, char *out, size_t n)
{
	size_t o = 0;
	for (size_t i = 0; i < len && o + 1 < n && o < 200; i++) {
		unsigned char c = (unsigned char)body[i];
		if (c < 0x20 || c == 0x7f) {
			if (o > 0 && out[o - 1] != ' ')
				out[o++] = ' ';
		} else {
			out[o++] = (char)c;
		}
	}
	while (o > 0 && out[o - 1] == ' ')
		o--;
	out[o < n ? o : n - 1] = '\0';
}

/* --- curl callbacks ----------------------------------------------------------------------------- */

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
	sink *s = ud;
	size_t n = size * nmemb;
	http_response *rs = s->rs;
	if (rs->len + n > s->max) {
		s->overflow = 1;
		return 0; /* makes curl stop with CURLE_WRITE_ERROR: the rest is never read */
	}
	if (rs->len + n + 1 > s->cap) {
		size_t cap = s->cap ? s->cap : 8192;
		while (cap < rs->len + n + 1)
			cap *= 2;
		char *b = realloc(rs->body, cap);
		if (!b)
			return 0;
		rs->body = b;
		s->cap = cap;
	}
	memcpy(rs->body + rs->len, data, n);
	rs->len += n;
	rs->body[rs->len] = '\0';
	return n;
}

static void copy_value(const char *v, size_t len, char *out, size_t n)
{
	while (len > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		len--;
	}
	while (len > 0 && (v[len - 1] == '\r' || v[len - 1] == '\n' || v[len - 1] == ' '))
		len--;
	if (len >= n)
		len = n - 1;
	memcpy(out, v, len);
	out[len] = '\0';
}

static int parse_retry_after(const char *v)
{
	char *end;
	errno = 0;
	long s = strtol(v, &end, 10);
	if (end != v && *end == '\0' && !errno)
		return s < 0 ? 0 : (s > 86400 ? 86400 : (int)s);
	time_t t = curl_getdate(v, NULL);
	if (t == -1)
		return -1;
	time_t now = time(NULL);
	return t <= now ? 0 : (t - now > 86400 ? 86400 : (int)(t - now));
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *ud)
{
	sink *s = ud;
	size_t n = size * nmemb;
	http_response *rs = s->rs;
	if (n >= 5 && memcmp(data, "HTTP/", 5) == 0) {
		/* A new response (after a 100 Continue, say): forget the previous one's headers. */
		rs->content_type[0] = rs->limit_info[0] = '\0';
		rs->retry_after = -1;
	rs->date_s = -1;
		return n;
	}
	const char *colon = memchr(data, ':', n);
	if (!colon)
		return n;
	size_t nl = (size_t)(colon - data);
	const char *v = colon + 1;
	size_t vl = n - nl - 1;
	if (nl == 11 && strncasecmp(data, "Retry-After", nl) == 0) {
		char tmp[64];
		copy_value(v, vl, tmp, sizeof tmp);
		rs->retry_after = parse_retry_after(tmp);
	} else if (nl == 17 && strncasecmp(data, "Sforce-Limit-Info", nl) == 0) {
		copy_value(v, vl, rs->limit_info, sizeof rs->limit_info);
	} else if (nl == 4 && strncasecmp(data, "Date", nl) == 0) {
		/* The server's own clock (RFC 9110: an HTTP-date, to the second): callers that must
		 * reason in the server's time (AC's udate) use it instead of ours. */
		char tmp[64];
		copy_value(v, vl, tmp, sizeof tmp);
		time_t t = curl_getdate(tmp, NULL);
		rs->date_s = t == -1 ? -1 : (long long)t;
	} else if (nl == 12 && strncasecmp(data, "Content-Type", nl) == 0) {
		copy_value(v, vl, rs->content_type, sizeof rs->content_type);
	}
	return n;
}

/* --- the call --------------------------------------------------------------------------------- */

static uint64_t next_rand(http_client *h)
{
	/* xorshift64*: jitter only, nothing secret. */
	h->rng ^= h->rng >> 12;
	h->rng ^= h->rng << 25;
	h->rng ^= h->rng >> 27;
	return h->rng * 2685821657736338717ull;
}

/* Exponential backoff with "equal jitter": half fixed, half random. */
static long backoff_delay(http_client *h, int attempt)
{
	long d = h->o.backoff_ms;
	for (int i = 0; i < attempt && d < h->o.backoff_max_ms; i++)
		d *= 2;
	if (d > h->o.backoff_max_ms)
		d = h->o.backoff_max_ms;
	if (d <= 1)
		return d;
	return d / 2 + (long)(next_rand(h) % (uint64_t)(d / 2 + 1));
}

static int header_present(const char *const *headers, const char *name)
{
	size_t nl = strlen(name);
	for (const char *const *p = headers; p && *p; p++)
		if (strncasecmp(*p, name, nl) == 0 && (*p)[nl] == ':')
			return 1;
	return 0;
}

static struct curl_slist *build_headers(const http_request *rq)
{
	struct curl_slist *l = NULL, *t;
	char ct[160];
	for (const char *const *p = rq->headers; p && *p; p++) {
		if (!(t = curl_slist_append(l, *p)))
			goto oom;
		l = t;
	}
	if (!header_present(rq->headers, "Accept")) {
		if (!(t = curl_slist_append(l, "Accept: application/json")))
			goto oom;
		l = t;
	}
	if (rq->body && !header_present(rq->headers, "Content-Type")) {
		snprintf(ct, sizeof ct, "Content-Type: %s",
		         rq->content_type ? rq->content_type : "application/json");
		if (!(t = curl_slist_append(l, ct)))
			goto oom;
		l = t;
	}
	/* No "Expect: 100-continue" round trip for larger bodies. */
	if (!(t = curl_slist_append(l, "Expect:")))
		goto oom;
	return t;
oom:
	curl_slist_free_all(l);
	return NULL;
}

static void setup(http_client *h, const http_request *rq, struct curl_slist *hdrs, sink *s)
{
	CURL *c = h->curl;
	/* curl_easy_reset keeps the connection cache, so keep-alive survives. A cookie-keeping handle
	 * is not reset: libcurl 7.88 drops the cookie-file list of CURLOPT_COOKIEFILE on a reset
	 * without freeing it (a leak per request), while the engine and its cookies outlive the reset
	 * anyway; the options that differ between requests are set, or cleared, below instead. */
	if (!h->o.cookies)
		curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, rq->url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L); /* a redirect could carry our token elsewhere */
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	if (h->o.ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, h->o.ca_file);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, h->o.connect_timeout_ms);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, h->o.timeout_ms);
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)h->o.max_body);
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(c, CURLOPT_USERAGENT, "optsync/1");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	if (h->o.cookies && !h->cookie_engine) {
		curl_easy_setopt(c, CURLOPT_COOKIEFILE, ""); /* in memory, for this handle's life */
		h->cookie_engine = 1;
	}
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, s);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, h->errbuf);
	const char *m = rq->method ? rq->method : "GET";
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, (char *)NULL);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, (char *)NULL);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)-1);
	if (strcmp(m, "GET") == 0) {
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	} else {
		if (strcmp(m, "POST") == 0)
			curl_easy_setopt(c, CURLOPT_POST, 1L);
		else
			curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, m);
		if (rq->body || strcmp(m, "POST") == 0) {
			curl_easy_setopt(c, CURLOPT_POSTFIELDS, rq->body ? rq->body : "");
			curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
			                 (curl_off_t)(rq->body ? rq->body_len : 0));
		}
	}
}

static err_kind kind_for_status(long st)
{
	if (st == 401 || st == 403)
		return ERR_AUTH;
	if (st == 404)
		return ERR_NOT_FOUND;
	if (st == 429)
		return ERR_RATE_LIMITED;
	if (st >= 500)
		return ERR_SERVER;
	if (st >= 400)
		return ERR_INVALID_REQUEST;
	return ERR_BAD_RESPONSE;
}

/* A network-level cause in a few plain words. */
static void network_cause(http_client *h, CURLcode rc, char *out, size_t n)
{
	long os = 0;
	curl_easy_getinfo(h->curl, CURLINFO_OS_ERRNO, &os);
	switch (rc) {
	case CURLE_COULDNT_CONNECT:
		if (os == ECONNREFUSED)
			snprintf(out, n, "connection refused");
		else if (os)
			snprintf(out, n, "cannot connect: %s", strerror((int)os));
		else
			snprintf(out, n, "cannot connect: %s",
			         h->errbuf[0] ? h->errbuf : curl_easy_strerror(rc));
		return;
	case CURLE_COULDNT_RESOLVE_HOST:
		snprintf(out, n, "cannot resolve host name");
		return;
	case CURLE_OPERATION_TIMEDOUT:
		snprintf(out, n, "timed out (%s)", h->errbuf[0] ? h->errbuf : "no answer in time");
		return;
	case CURLE_PARTIAL_FILE:
		snprintf(out, n, "response truncated (%s)",
		         h->errbuf[0] ? h->errbuf : "connection closed early");
		return;
	case CURLE_GOT_NOTHING:
		snprintf(out, n, "server closed the connection without answering");
		return;
	default:
		snprintf(out, n, "%s", h->errbuf[0] ? h->errbuf : curl_easy_strerror(rc));
	}
}

/* Errors that will not get better by trying again right away. */
static int network_retryable(CURLcode rc)
{
	switch (rc) {
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_OUT_OF_MEMORY:
	case CURLE_FILESIZE_EXCEEDED:
		return 0;
	default:
		return 1;
	}
}

/* Nothing reached the server: safe to retry even a non-idempotent request. */
static int not_sent(CURLcode rc)
{
	return rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
	       rc == CURLE_COULDNT_RESOLVE_PROXY;
}

static int do_call(http_client *h, const http_request *rq, http_response *rs, err_t *e);

int http_do(http_client *h, const http_request *rq, http_response *rs, err_t *e)
{
	/* Works on a local error so the caller may pass e = NULL. */
	err_t le;
	err_clear(&le);
	int rc = do_call(h, rq, rs, &le);
	if (e && rc < 0)
		*e = le;
	return rc;
}

static int do_call(http_client *h, const http_request *rq, http_response *rs, err_t *e)
{
	char origin[300];
	memset(rs, 0, sizeof *rs);
	rs->retry_after = -1;
	rs->date_s = -1;
	if (!rq->url)
		return http_fail(h, e, ERR_INTERNAL, rq->op, "no URL");
	http_url_origin(rq->url, origin, sizeof origin);
	err_t ue;
	if (http_url_allowed(rq->url, &ue) < 0)
		return http_fail(h, e, ERR_CONFIG, rq->op, "%s", ue.msg);
	struct curl_slist *hdrs = build_headers(rq);
	if (!hdrs)
		return http_fail(h, e, ERR_INTERNAL, rq->op, "out of memory");

	int rc = -1;
	for (int attempt = 0;; attempt++) {
		if (h->o.before_attempt && h->o.before_attempt(h->o.hook_ud, e) < 0) {
			redact_err(&h->red, e);
			break;
		}
		free(rs->body);
		memset(rs, 0, sizeof *rs);
		rs->retry_after = -1;
	rs->date_s = -1;
		rs->attempts = attempt + 1;
		sink s = {.rs = rs, .max = h->o.max_body};
		h->errbuf[0] = '\0';
		setup(h, rq, hdrs, &s);
		h->st.calls++;
		if (attempt > 0)
			h->st.retries++;
		CURLcode cc = curl_easy_perform(h->curl);
		curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &rs->status);

		int retry = 0;
		long delay = 0;
		if (s.overflow || cc == CURLE_FILESIZE_EXCEEDED) {
			rc = http_fail(h, e, ERR_BAD_RESPONSE, rq->op, "response larger than %zu bytes (%s)",
			               h->o.max_body, origin);
			e->http_status = (int)rs->status;
			break;
		}
		if (cc != CURLE_OK) {
			char cause[400];
			network_cause(h, cc, cause, sizeof cause);
			rc = http_fail(h, e, ERR_NETWORK, rq->op, "%s (%s)", cause, origin);
			retry = network_retryable(cc) && (!rq->no_retry || not_sent(cc));
			delay = backoff_delay(h, attempt);
		} else if (rs->status >= 200 && rs->status < 300) {
			rc = 0;
			break;
		} else {
			char detail[300] = "";
			if (rs->body && rs->len)
				(h->o.detail ? h->o.detail : default_detail)(rs->body, rs->len, detail,
				                                             sizeof detail);
			err_kind k = kind_for_status(rs->status);
			if (rs->status == 429)
				h->st.rate_limited++;
			if (rs->status >= 300 && rs->status < 400)
				rc = http_fail(h, e, k, rq->op, "unexpected redirect, HTTP %ld (%s)",
				               rs->status, origin);
			else if (detail[0])
				rc = http_fail(h, e, k, rq->op, "%s (HTTP %ld)", detail, rs->status);
			else
				rc = http_fail(h, e, k, rq->op, "HTTP %ld (%s)", rs->status, origin);
			e->http_status = (int)rs->status;
			if (rs->status == 429) {
				retry = 1;
				if (rs->retry_after > 0) {
					int ra = rs->retry_after > h->o.retry_after_max_s
					             ? h->o.retry_after_max_s
					             : rs->retry_after;
					e->retry_after = ra;
					/* At least what was asked, plus a little so several clients do not
					 * return together. */
					delay = ra * 1000L + (long)(next_rand(h) % 200);
				} else {
					delay = backoff_delay(h, attempt);
				}
			} else if (rs->status >= 500) {
				retry = !rq->no_retry;
				delay = backoff_delay(h, attempt);
			}
		}
		if (!retry || attempt >= h->o.retries)
			break;
		sleep_ms(delay);
	}
	curl_slist_free_all(hdrs);
	return rc;
}

/* --- JSON ------------------------------------------------------------------------------------- */

int http_json(const http_client *h, const http_response *rs, const char *op, json_object **out, err_t *e)
{
	*out = NULL;
	if (!rs->body || rs->len == 0)
		return http_fail(h, e, ERR_BAD_RESPONSE, op, "empty response where JSON was expected");
	json_tokener *tok = json_tokener_new_ex(64);
	if (!tok)
		return http_fail(h, e, ERR_INTERNAL, op, "out of memory");
	json_object *o = json_tokener_parse_ex(tok, rs->body, (int)rs->len);
	enum json_tokener_error jerr = json_tokener_get_error(tok);
	size_t end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (!o) {
		if (jerr == json_tokener_continue)
			return http_fail(h, e, ERR_BAD_RESPONSE, op,
			                 "response is not valid JSON (truncated after %zu bytes)", rs->len);
		char start[48];
		default_detail(rs->body, rs->len < 40 ? rs->len : 40, start, sizeof start);
		return http_fail(h, e, ERR_BAD_RESPONSE, op,
		                 "response is not valid JSON (%s at byte %zu: '%s')",
		                 json_tokener_error_desc(jerr), end, start);
	}
	for (size_t i = end; i < rs->len; i++)
		if (!isspace((unsigned char)rs->body[i])) {
			json_object_put(o);
			return http_fail(h, e, ERR_BAD_RESPONSE, op,
			                 "response is not valid JSON (unexpected data after byte %zu)", i);
		}
	*out = o;
	return 0;
}
