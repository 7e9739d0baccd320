/* http.h - the one HTTP layer both API clients use: libcurl with timeouts, retries, caps and redaction. */
#ifndef OPTSYNC_HTTP_H
#define OPTSYNC_HTTP_H

#include <stddef.h>

#include <json-c/json.h>

#include "err.h"
#include "json_util.h"
#include "redact.h"

typedef struct http_client http_client;

/* Fills out (capacity n) with a short cause taken from an error body (API-specific shape), or
 * leaves it empty when the body says nothing useful. */
typedef void (*http_detail_fn)(const char *body, size_t len, char *out, size_t n);

/* Called before every attempt (first try and each retry); returning -1 with e set stops the call. */
typedef int (*http_hook_fn)(void *ud, err_t *e);

typedef struct {
	const char *system;      /* names the service in every message: "ActiveCampaign" */
	long connect_timeout_ms; /* default 10000 */
	long timeout_ms;         /* whole call, default 60000 */
	int retries;             /* extra attempts after the first for network errors, 5xx, 429; default 3 */
	long backoff_ms;         /* first backoff, doubled each retry, with jitter; default 500 */
	long backoff_max_ms;     /* default 20000 */
	int retry_after_max_s;   /* a longer Retry-After is capped to this; default 60 */
	size_t max_body;         /* response size cap in bytes; default 8 MiB */
	http_hook_fn before_attempt;
	void *hook_ud;
	http_detail_fn detail; /* default: the start of the body, control characters removed */
	const char *ca_file;   /* extra CA bundle (tests); NULL for the system's */
	int cookies;           /* 1: keep the cookies the server sets (CometD sessions are sticky) */
} http_options;

/* One request. Headers are "Name: value" strings, NULL-terminated list (may be NULL). */
typedef struct {
	const char *method; /* "GET", "POST", "PATCH", "PUT", "DELETE" */
	const char *url;    /* absolute */
	const char *op;     /* operation named in messages ("GET /api/3/users/me") */
	const char *const *headers;
	const char *body; /* NULL for none */
	size_t body_len;
	const char *content_type; /* for a body; default application/json */
	int no_retry;             /* 1: one attempt only (a non-idempotent write) */
} http_request;

typedef struct {
	long status; /* HTTP status of the last attempt, 0 if none */
	char *body;  /* NUL-terminated, malloc'd (free with http_response_free) */
	size_t len;
	char content_type[128];
	int retry_after;      /* seconds from Retry-After, -1 when absent */
	char limit_info[128]; /* Sforce-Limit-Info value, "" when absent */
	long long date_s;     /* the server's clock: Date as epoch seconds, -1 when absent or unreadable */
	int attempts;
} http_response;

typedef struct {
	long calls;        /* requests that got onto the wire (each attempt counts) */
	long rate_limited; /* 429 answers */
	long retries;      /* attempts after a first */
} http_stats;

/* Fills o with the defaults above. */
void http_options_default(http_options *o);

/* Global libcurl init (idempotent, thread-unsafe: call early in main; http_new calls it too). */
void http_global_init(void);

/* Creates a client; one curl handle is kept for its life so connections are reused. */
http_client *http_new(const http_options *o, err_t *e);
void http_free(http_client *h);

/* Replaces the options (timeouts, retries, caps), keeping system/hook/detail when the new ones
 * are NULL. */
void http_set_options(http_client *h, const http_options *o);
const http_options *http_get_options(const http_client *h);

/* Registers secret in slot i (0..REDACT_SLOTS-1): it is cut out of every message this client
 * produces. NULL clears the slot. */
int http_set_secret(http_client *h, int i, const char *secret);

/* The redactor, for callers that build messages of their own from this client's data. */
const redactor *http_redactor(const http_client *h);

/* Sends rq, retrying network errors, 5xx and 429 (honouring Retry-After, capped) with backoff.
 * Returns 0 on a 2xx answer. Otherwise returns -1 with e filled: the kind from the failure
 * (ERR_NETWORK, ERR_AUTH 401/403, ERR_NOT_FOUND 404, ERR_RATE_LIMITED 429, ERR_INVALID_REQUEST
 * other 4xx, ERR_SERVER 5xx, ERR_BAD_RESPONSE over the size cap, ERR_CONFIG for http:// to a
 * host that is not loopback), e->http_status and e->retry_after set, and a message
 * "System: op: cause (scheme://host:port)" with secrets redacted. rs is filled in both cases
 * (the error body is useful, e.g. INVALID_SESSION_ID) and must be freed by the caller. */
int http_do(http_client *h, const http_request *rq, http_response *rs, err_t *e);

/* Frees the body and clears rs. */
void http_response_free(http_response *rs);

/* Counters since http_new. */
void http_get_stats(const http_client *h, http_stats *s);

/* Checks that url is http(s) with a host, and http:// only for a loopback host (127.0.0.0/8,
 * ::1, localhost). Returns 0 or -1 with ERR_CONFIG. */
int http_url_allowed(const char *url, err_t *e);

/* Writes "scheme://host[:port]" of url into out (for messages, leaving path and query out). */
void http_url_origin(const char *url, char *out, size_t n);

/* Percent-encodes s (RFC 3986 unreserved kept) into out; returns 0 or -1 when it does not fit. */
int http_urlencode(const char *s, char *out, size_t n);

/* Builds an error in this client's voice: "System: op: <fmt>", secrets redacted. Returns -1. */
int http_fail(const http_client *h, err_t *e, err_kind kind, const char *op, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* --- JSON reading that never trusts the answer ---------------------------------------------- */

/* Parses the whole body as JSON. Not JSON, truncated or trailing garbage -> -1 with
 * ERR_BAD_RESPONSE "System: op: response is not valid JSON (...)". Caller frees with json_object_put. */
int http_json(const http_client *h, const http_response *rs, const char *op, json_object **out, err_t *e);

#endif
