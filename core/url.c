/* url.c - endpoint URL policy: TLS everywhere but loopback. */
#include "url.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int url_host_is_loopback(const char *host)
{
	if (strcasecmp(host, "localhost") == 0 || strcmp(host, "[::1]") == 0 || strcmp(host, "::1") == 0)
		return 1;
	struct in_addr a;
	if (inet_pton(AF_INET, host, &a) == 1)
		return (ntohl(a.s_addr) >> 24) == 127;
	return 0;
}

int url_check_endpoint(const char *url, const char *what, err_t *e)
{
	if (!url || !*url)
		return err_set(e, ERR_USAGE, "%s is empty", what);
	size_t len = strlen(url);
	if (len > 512)
		return err_set(e, ERR_USAGE, "%s is longer than 512 characters", what);
	for (size_t i = 0; i < len; i++)
		if (!isgraph((unsigned char)url[i]))
			return err_set(e, ERR_USAGE, "%s contains a space or control character", what);
	int https;
	const char *rest;
	if (strncasecmp(url, "https://", 8) == 0) {
		https = 1;
		rest = url + 8;
	} else if (strncasecmp(url, "http://", 7) == 0) {
		https = 0;
		rest = url + 7;
	} else {
		return err_set(e, ERR_USAGE, "%s must start with https:// (got '%.40s')", what, url);
	}
	size_t hostlen = strcspn(rest, "/?#");
	char host[256];
	if (hostlen == 0 || hostlen >= sizeof host)
		return err_set(e, ERR_USAGE, "%s has no host", what);
	memcpy(host, rest, hostlen);
	host[hostlen] = '\0';
	if (strchr(host, '@'))
		return err_set(e, ERR_USAGE, "%s must not carry a user name or password", what);
	if (strchr(url, '#'))
		return err_set(e, ERR_USAGE, "%s must not have a #fragment", what);
	/* Strip a port: the last ':' after a closing bracket (IPv6) or the only one (IPv4/name). */
	char *close = strrchr(host, ']');
	char *colon = strrchr(close ? close : host, ':');
	if (colon) {
		for (const char *p = colon + 1; *p; p++)
			if (!isdigit((unsigned char)*p))
				return err_set(e, ERR_USAGE, "%s has a bad port", what);
		*colon = '\0';
	}
	if (!*host)
		return err_set(e, ERR_USAGE, "%s has no host", what);
	if (!https && !url_host_is_loopback(host))
		return err_set(e, ERR_USAGE,
		               "%s must use https:// (http:// is accepted only for this machine)", what);
	return 0;
}

int url_normalise_base(const char *url, char *out, size_t n, err_t *e)
{
	size_t len = strlen(url);
	while (len > 0 && url[len - 1] == '/')
		len--;
	if (len + 1 > n)
		return err_set(e, ERR_USAGE, "URL too long");
	memcpy(out, url, len);
	out[len] = '\0';
	return 0;
}

int url_check_webhook_base(const char *url, err_t *e)
{
	if (url_check_endpoint(url, "public_url", e) < 0)
		return -1;
	if (strncasecmp(url, "https://", 8) != 0)
		return 0;
	const char *rest = url + 8;
	size_t hostlen = strcspn(rest, "/?#");
	char host[256];
	memcpy(host, rest, hostlen);
	host[hostlen] = '\0';
	char *close = strrchr(host, ']');
	char *colon = strrchr(close ? close : host, ':');
	if (colon && strcmp(colon + 1, "443") != 0)
		return err_set(e, ERR_USAGE,
		               "ActiveCampaign delivers https webhooks only on port 443, and public_url names "
		               "port %.10s: serve the dashboard on 443 (nginx can listen there) and give the URL "
		               "without a port",
		               colon + 1);
	return 0;
}

/* Splits an http(s) URL into scheme, lower-cased host and port; -1 when it is not one. */
static int split_origin(const char *url, int *https, char *host, size_t n, long *port)
{
	const char *rest;
	if (!url)
		return -1;
	if (strncasecmp(url, "https://", 8) == 0) {
		*https = 1;
		rest = url + 8;
	} else if (strncasecmp(url, "http://", 7) == 0) {
		*https = 0;
		rest = url + 7;
	} else {
		return -1;
	}
	size_t len = strcspn(rest, "/?#");
	if (len == 0 || len >= n || memchr(rest, '@', len))
		return -1;
	for (size_t i = 0; i < len; i++)
		host[i] = (char)tolower((unsigned char)rest[i]);
	host[len] = '\0';
	*port = *https ? 443 : 80;
	char *close = strrchr(host, ']');
	char *colon = strrchr(close ? close : host, ':');
	if (colon) {
		char *end;
		long p = strtol(colon + 1, &end, 10);
		if (colon[1] && (*end || p <= 0 || p > 65535))
			return -1;
		if (colon[1])
			*port = p;
		*colon = '\0';
	}
	return *host ? 0 : -1;
}

int url_same_origin(const char *a, const char *b)
{
	int sa, sb;
	long pa, pb;
	char ha[256], hb[256];
	if (split_origin(a, &sa, ha, sizeof ha, &pa) < 0 || split_origin(b, &sb, hb, sizeof hb, &pb) < 0)
		return 0;
	return sa == sb && pa == pb && strcmp(ha, hb) == 0;
}
