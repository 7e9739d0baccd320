/* csrf.h - random tokens, their hashes, and the checks a state-changing request must pass. */
#ifndef OPTSYNC_WEB_CSRF_H
#define OPTSYNC_WEB_CSRF_H

#include <stddef.h>

#define CSRF_HEX 64

/* 32 random bytes as 64 lower-case hex digits (session ids, CSRF tokens). Returns 0 or -1. */
int csrf_random(char out[CSRF_HEX + 1]);

/* SHA-256 of s in hex: the form in which a session id is stored (a database leak does not leak
 * live sessions). */
void csrf_hash(const char *s, char out[CSRF_HEX + 1]);

/* The login form's token for the random value in its cookie: HMAC(key, cookie) in hex. */
void csrf_pre_sign(const unsigned char key[32], const char *cookie, char out[CSRF_HEX + 1]);

/* Compares two tokens in constant time; 1 when both are non-empty and equal. */
int csrf_equal(const char *a, const char *b);

/* The browser-side check of a POST: Sec-Fetch-Site, when sent, must be same-origin; Origin, when
 * sent, must equal self ("http://127.0.0.1:8080", see web_origin). Returns 1 when the request may
 * go on, 0 with the reason in why. Requests without either header (curl, old browsers) pass here
 * and still need the token. */
int csrf_origin_ok(const char *sec_fetch_site, const char *origin, const char *self, char *why, size_t n);

/* This site's origin as a browser writes it: scheme, the Host header's host, and the port (from
 * Host when it has one, else server_port unless it is the scheme's default, or behind a proxy
 * that says https). Writes "" when host is missing. */
void csrf_self_origin(const char *host, const char *server_port, int secure, int proxied_https, char *out,
                      size_t n);

#endif
