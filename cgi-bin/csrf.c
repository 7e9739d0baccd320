/* csrf.c - token generation and the CSRF checks (synchroniser token + Fetch Metadata + Origin). */
#include "csrf.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static void to_hex(const unsigned char *b, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[b[i] >> 4];
		out[2 * i + 1] = hex[b[i] & 15];
	}
	out[2 * n] = '\0';
}

int csrf_random(char out[CSRF_HEX + 1])
{
	unsigned char b[32];
	if (sodium_init() < 0) {
		out[0] = '\0';
		return -1;
	}
	randombytes_buf(b, sizeof b);
	to_hex(b, sizeof b, out);
	sodium_memzero(b, sizeof b);
	return 0;
}

void csrf_hash(const char *s, char out[CSRF_HEX + 1])
{
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, (const unsigned char *)s, strlen(s));
	to_hex(h, sizeof h, out);
}

void csrf_pre_sign(const unsigned char key[32], const char *cookie, char out[CSRF_HEX + 1])
{
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256(mac, (const unsigned char *)cookie, strlen(cookie), key);
	to_hex(mac, sizeof mac, out);
}

int csrf_equal(const char *a, const char *b)
{
	if (!a || !b)
		return 0;
	size_t la = strlen(a), lb = strlen(b);
	if (la == 0 || la != lb)
		return 0;
	return sodium_memcmp(a, b, la) == 0;
}

int csrf_origin_ok(const char *sec_fetch_site, const char *origin, const char *self, char *why, size_t n)
{
	if (sec_fetch_site && *sec_fetch_site && strcasecmp(sec_fetch_site, "same-origin") != 0) {
		snprintf(why, n, "Sec-Fetch-Site is %.40s, not same-origin", sec_fetch_site);
		return 0;
	}
	if (origin && *origin) {
		if (!self || !*self) {
			snprintf(why, n, "Origin sent without a Host header");
			return 0;
		}
		if (strcasecmp(origin, self) != 0) {
			snprintf(why, n, "Origin %.200s is not %.200s", origin, self);
			return 0;
		}
	}
	if (n)
		why[0] = '\0';
	return 1;
}

void csrf_self_origin(const char *host, const char *server_port, int secure, int proxied_https, char *out,
                      size_t n)
{
	if (!host || !*host || strpbrk(host, "/\\@ \t\r\n")) {
		if (n)
			out[0] = '\0';
		return;
	}
	const char *scheme = secure ? "https" : "http";
	/* A port in Host: "[::1]:8080" or "example.com:8080", not the colons of "[::1]". */
	const char *close = strrchr(host, ']');
	const char *colon = strrchr(close ? close : host, ':');
	const char *def = secure ? "443" : "80";
	if (colon || proxied_https || !server_port || !*server_port || strcmp(server_port, def) == 0)
		snprintf(out, n, "%s://%s", scheme, host);
	else
		snprintf(out, n, "%s://%s:%s", scheme, host, server_port);
}
