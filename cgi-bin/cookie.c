/* cookie.c - Cookie parsing and Set-Cookie building (RFC 6265 subset the dashboard needs). */
#include "cookie.h"

#include <stdio.h>
#include <string.h>

const char *cookie_session_name(int secure)
{
	return secure ? "__Host-optsync" : "optsync_session";
}

const char *cookie_pre_name(int secure)
{
	return secure ? "__Host-optsync-login" : "optsync_login";
}

const char *cookie_device_name(int secure)
{
	return secure ? "__Host-optsync-device" : "optsync_device";
}

const char *cookie_oauth_name(int secure)
{
	return secure ? "__Secure-optsync-oauth" : "optsync_oauth";
}

int cookie_get(const char *header, const char *name, char *out, size_t n)
{
	if (n)
		out[0] = '\0';
	if (!header || !name || !*name || n == 0)
		return 0;
	size_t nl = strlen(name);
	const char *p = header;
	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == ';')
			p++;
		const char *end = strchr(p, ';');
		if (!end)
			end = p + strlen(p);
		const char *eq = memchr(p, '=', (size_t)(end - p));
		if (eq) {
			const char *k = p, *ke = eq;
			while (ke > k && (ke[-1] == ' ' || ke[-1] == '\t'))
				ke--;
			if ((size_t)(ke - k) == nl && memcmp(k, name, nl) == 0) {
				const char *v = eq + 1, *ve = end;
				while (v < ve && (*v == ' ' || *v == '\t'))
					v++;
				while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
					ve--;
				if (ve - v >= 2 && *v == '"' && ve[-1] == '"') {
					v++;
					ve--;
				}
				size_t vl = (size_t)(ve - v);
				if (vl >= n)
					return 0;
				memcpy(out, v, vl);
				out[vl] = '\0';
				return 1;
			}
		}
		p = end;
	}
	return 0;
}

/* cookie-octet per RFC 6265: no controls, whitespace, DQUOTE, comma, semicolon, backslash. */
static int octets_ok(const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c <= 0x20 || c >= 0x7f || c == '"' || c == ',' || c == ';' || c == '\\')
			return 0;
	}
	return 1;
}

int cookie_build_scoped(char *out, size_t n, const char *name, const char *value, const char *path,
                        const char *samesite, long max_age, int secure)
{
	if (!*name || strchr(name, '=') || !octets_ok(name) || !octets_ok(value) || path[0] != '/' ||
	    !octets_ok(path) || !octets_ok(samesite))
		return -1;
	char age[40] = "";
	if (max_age >= 0)
		snprintf(age, sizeof age, "; Max-Age=%ld", max_age);
	int w = snprintf(out, n, "%s=%s; Path=%s%s; HttpOnly; SameSite=%s%s", name, value, path, age,
	                 samesite, secure ? "; Secure" : "");
	return (w < 0 || (size_t)w >= n) ? -1 : 0;
}

int cookie_build(char *out, size_t n, const char *name, const char *value, long max_age, int secure)
{
	return cookie_build_scoped(out, n, name, value, "/", "Strict", max_age, secure);
}
