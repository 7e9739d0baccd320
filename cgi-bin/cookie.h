/* cookie.h - reading the Cookie header and writing Set-Cookie lines for the session. */
#ifndef OPTSYNC_WEB_COOKIE_H
#define OPTSYNC_WEB_COOKIE_H

#include <stddef.h>

/* The session cookie's name: "__Host-optsync" over HTTPS (the browser then insists on Secure,
 * Path=/ and no Domain), "optsync_session" on plain loopback http where Secure cookies are lost. */
const char *cookie_session_name(int secure);
/* The login form's token cookie, named the same way. */
const char *cookie_pre_name(int secure);

/* The device cookie of a browser that signed in before (see ui_login.c), named the same way. */
const char *cookie_device_name(int secure);

/* The cookie that binds a "Connect Salesforce" flow to the browser that started it (ui_setup.c):
 * "__Secure-optsync-oauth" over HTTPS ("__Host-" would force Path=/, and this one is scoped to the
 * callback), "optsync_oauth" on plain loopback http. */
const char *cookie_oauth_name(int secure);

/* Copies the value of cookie name from a Cookie header ("a=1; b=2") into out. Returns 1 when found
 * and it fits, 0 otherwise (out is then ""). Quotes around a value are removed. */
int cookie_get(const char *header, const char *name, char *out, size_t n);

/* Writes a Set-Cookie value: name=value; Path=/; HttpOnly; SameSite=Strict, plus Secure when
 * secure, and Max-Age when max_age >= 0 (0 deletes the cookie). Returns 0, or -1 when out is short
 * or name/value hold characters a cookie may not carry. */
int cookie_build(char *out, size_t n, const char *name, const char *value, long max_age, int secure);

/* cookie_build with its own Path and SameSite ("Strict" | "Lax"): the OAuth flow's cookie must come
 * back on Salesforce's cross-site redirect (Lax) and only to the callback (its path). */
int cookie_build_scoped(char *out, size_t n, const char *name, const char *value, const char *path,
                        const char *samesite, long max_age, int secure);

#endif
