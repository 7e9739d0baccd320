/* hosts.h - which Host headers the dashboard answers: loopback names, the host of public_url and
 * the names of the allowed_hosts setting. Anything else (a DNS-rebinding page, a scanner guessing
 * names) is refused before a handler runs, so an Origin built from Host can be trusted. Pure. */
#ifndef OPTSYNC_HOSTS_H
#define OPTSYNC_HOSTS_H

#include <stddef.h>

#include "err.h"

/* The host name of a Host header ("Example.COM:8080" -> "example.com", "[::1]:80" -> "[::1]").
 * Returns 0, or -1 when the header is missing, empty or malformed (a bad port, a character no
 * host name has). */
int hosts_name(const char *host_header, char *out, size_t n);

/* 1 when the host name is a loopback name (localhost, 127.0.0.0/8, [::1]): answered without
 * reading any setting. */
int hosts_is_loopback(const char *name);

/* 1 when the Host header names this machine's loopback, the host of public_url (may be "" or
 * NULL) or one of the comma-separated names in allowed (the setting's canonical form). */
int hosts_allowed(const char *host_header, const char *public_url, const char *allowed);

/* Validates the allowed_hosts setting: host names or IP addresses separated by commas or spaces,
 * without ports or schemes; writes them lower-cased and comma-separated into out. */
int hosts_validate(const char *value, char *out, size_t n, err_t *e);

#endif
