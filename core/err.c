/* err.c - building and naming error values. */
#include "err.h"

#include <stdio.h>
#include <string.h>

int err_set(err_t *e, err_kind kind, const char *fmt, ...)
{
	if (!e)
		return -1;
	va_list ap;
	e->kind = kind;
	e->http_status = 0;
	e->retry_after = 0;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	return -1;
}

int err_prefix(err_t *e, const char *fmt, ...)
{
	if (!e)
		return -1;
	char head[256], old[sizeof e->msg];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(head, sizeof head, fmt, ap);
	va_end(ap);
	snprintf(old, sizeof old, "%s", e->msg);
	snprintf(e->msg, sizeof e->msg, "%s: %s", head, old);
	return -1;
}

void err_clear(err_t *e)
{
	if (!e)
		return;
	memset(e, 0, sizeof *e);
}

const char *err_kind_name(err_kind kind)
{
	static const char *const names[] = {
	    [ERR_NONE] = "none",           [ERR_USAGE] = "usage",
	    [ERR_CONFIG] = "config",       [ERR_IO] = "io",
	    [ERR_DB] = "database",         [ERR_NETWORK] = "network",
	    [ERR_AUTH] = "auth",           [ERR_RATE_LIMITED] = "rate-limited",
	    [ERR_NOT_FOUND] = "not-found", [ERR_INVALID_REQUEST] = "invalid-request",
	    [ERR_SERVER] = "server",       [ERR_BAD_RESPONSE] = "bad-response",
	    [ERR_LOCKED] = "locked",       [ERR_INTERNAL] = "internal",
	};
	if ((unsigned)kind < sizeof names / sizeof names[0] && names[kind])
		return names[kind];
	return "unknown";
}

int err_is_transient(const err_t *e)
{
	if (!e)
		return 0;
	return e->kind == ERR_NETWORK || e->kind == ERR_RATE_LIMITED || e->kind == ERR_SERVER ||
	       e->kind == ERR_LOCKED;
}
