/* url.h - deciding whether an endpoint URL may be used: https, or http only to this machine. */
#ifndef OPTSYNC_URL_H
#define OPTSYNC_URL_H

#include <stddef.h>

#include "err.h"

/* Checks that url is an absolute http(s) URL with a host, no user info, no fragment, at most 512
 * bytes, with http:// accepted only for loopback hosts (127.0.0.0/8, [::1], localhost) and
 * https:// for any host. `what` names the field in the message ("ActiveCampaign URL"). */
int url_check_endpoint(const char *url, const char *what, err_t *e);

/* Copies url into out without trailing slashes ("https://x.api-us1.com/" -> "https://x.api-us1.com"). */
int url_normalise_base(const char *url, char *out, size_t n, err_t *e);

/* Checks a public URL that ActiveCampaign must reach with webhooks: AC delivers https webhooks on
 * port 443 only, so an https URL naming another port is refused with a message that says so
 * (http:// to this machine, for the sandbox and the tests, may use any port). */
int url_check_webhook_base(const char *url, err_t *e);

/* 1 when a and b name the same scheme, host (case-insensitive) and port (the scheme's default when
 * none is given): the test before a stored secret may go to b because it went to a. */
int url_same_origin(const char *a, const char *b);

/* 1 if host (as it appears in a URL, brackets allowed) is a loopback name or address. */
int url_host_is_loopback(const char *host);

#endif
