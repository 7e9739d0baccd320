/* err.h - errors as values: a kind plus a human message that travels up to the one place that reports it. */
#ifndef OPTSYNC_ERR_H
#define OPTSYNC_ERR_H

#include <stdarg.h>

typedef enum {
	ERR_NONE = 0,
	ERR_USAGE,           /* the caller's words are off (CLI usage, bad setting value) */
	ERR_CONFIG,          /* something is not configured yet */
	ERR_IO,              /* files, permissions, the OS */
	ERR_DB,              /* SQLite said no */
	ERR_NETWORK,         /* refused, DNS, timeout, TLS: the call did not get an answer */
	ERR_AUTH,            /* 401/403, invalid_client, expired or revoked token */
	ERR_RATE_LIMITED,    /* 429 or our own API-share ceiling */
	ERR_NOT_FOUND,       /* 404 */
	ERR_INVALID_REQUEST, /* 400-class answers other than the above */
	ERR_SERVER,          /* 5xx */
	ERR_BAD_RESPONSE,    /* an answer that is not what the API documents */
	ERR_LOCKED,          /* another run holds the lock */
	ERR_INTERNAL         /* a bug: an invariant did not hold */
} err_kind;

typedef struct {
	err_kind kind;
	int http_status; /* the HTTP status behind the error, 0 if none */
	int retry_after; /* seconds the server asked us to wait, 0 if none */
	char msg[512];
} err_t;

/* Fills e (if not NULL) with kind and a printf-style message; always returns -1 so callers can
 * write `return err_set(e, ERR_IO, "...")`. */
int err_set(err_t *e, err_kind kind, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Prefixes the existing message with "what: " (e.g. the system or the operation); returns -1. */
int err_prefix(err_t *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Clears e to ERR_NONE with an empty message. */
void err_clear(err_t *e);

/* A short stable name for a kind ("network", "auth", ...), used in logs and JSON. */
const char *err_kind_name(err_kind kind);

/* True for errors worth retrying later (network, rate limit, server, locked). */
int err_is_transient(const err_t *e);

#endif
