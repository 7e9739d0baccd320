/* guard.c - the sandbox's control API answers scripts on this machine, not web pages: a POST from
 * another site (Sec-Fetch-Site, Origin) is refused like the dashboard refuses it, and a Host that
 * is no loopback name (a DNS-rebinding page, whose Origin would match its own Host) is too. */
#include "sbx.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* 1 when the Host header's name (port stripped) is localhost, 127.0.0.0/8 or [::1]. */
static int host_loopback(const char *host)
{
	char h[300];
	if (!host || !*host || strlen(host) >= sizeof h)
		return 0;
	snprintf(h, sizeof h, "%s", host);
	char *close = strrchr(h, ']'), *colon = strrchr(close ? close : h, ':');
	if (colon)
		*colon = '\0';
	struct in_addr a;
	if (strcasecmp(h, "localhost") == 0 || strcmp(h, "[::1]") == 0)
		return 1;
	return inet_pton(AF_INET, h, &a) == 1 && (ntohl(a.s_addr) >> 24) == 127;
}

int sbx_control_allowed(sbx_req *r)
{
	const char *host = sbx_req_env(r, "HTTP_HOST");
	if (!host_loopback(host)) {
		sbx_resp_error(r, 421, "MISDIRECTED",
		               "The sandbox's control API answers loopback names only");
		return 0;
	}
	if (strcmp(r->method, "POST") != 0)
		return 1;
	const char *site = sbx_req_env(r, "HTTP_SEC_FETCH_SITE"), *origin = sbx_req_env(r, "HTTP_ORIGIN");
	if (site && *site && strcasecmp(site, "same-origin") != 0 && strcasecmp(site, "none") != 0) {
		sbx_resp_error(r, 403, "FORBIDDEN",
		               "Cross-site request to the sandbox's control API refused");
		return 0;
	}
	if (origin && *origin) {
		/* The same origin as this request's own: Host, with SERVER_PORT when Debian's
		 * fastcgi_params passed $host without its port. */
		const char *o = strstr(origin, "://"), *port = sbx_req_env(r, "SERVER_PORT");
		char hp[320];
		snprintf(hp, sizeof hp, "%s:%s", host, port ? port : "");
		if (!o ||
		    (strcasecmp(o + 3, host) != 0 && (strchr(host, ':') || strcasecmp(o + 3, hp) != 0))) {
			sbx_resp_error(r, 403, "FORBIDDEN",
			               "Origin %.100s may not use the sandbox's control API", origin);
			return 0;
		}
	}
	return 1;
}
