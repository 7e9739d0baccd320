/* hosts.c - the Host header allow-list (see hosts.h). */
#include "hosts.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "url.h"

/* Letters, digits, dots and dashes: a DNS name or an IPv4 address; brackets and colons only in
 * an IPv6 literal. */
static int name_chars_ok(const char *s)
{
	if (s[0] == '[') {
		size_t l = strlen(s);
		if (l < 3 || s[l - 1] != ']')
			return 0;
		for (size_t i = 1; i + 1 < l; i++)
			if (!isxdigit((unsigned char)s[i]) && s[i] != ':' && s[i] != '.')
				return 0;
		return 1;
	}
	if (!*s || *s == '.' || *s == '-')
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '.' && *s != '-')
			return 0;
	return 1;
}

int hosts_name(const char *host_header, char *out, size_t n)
{
	if (n)
		out[0] = '\0';
	if (!host_header || !*host_header)
		return -1;
	size_t len = strlen(host_header);
	if (len >= n || len > 255)
		return -1;
	for (size_t i = 0; i <= len; i++)
		out[i] = (char)tolower((unsigned char)host_header[i]);
	char *close = strrchr(out, ']');
	char *colon = strrchr(close ? close : out, ':');
	if (colon && (!close || colon > close)) {
		if (!colon[1] || strlen(colon + 1) > 5)
			return -1;
		for (const char *p = colon + 1; *p; p++)
			if (!isdigit((unsigned char)*p))
				return -1;
		*colon = '\0';
	}
	/* A trailing dot names the same host ("example.com."): compare without it. */
	size_t l = strlen(out);
	if (l > 1 && out[l - 1] == '.')
		out[l - 1] = '\0';
	if (!name_chars_ok(out)) {
		out[0] = '\0';
		return -1;
	}
	return 0;
}

int hosts_is_loopback(const char *name)
{
	return name && *name && url_host_is_loopback(name);
}

/* The host name of an http(s) URL, lower-cased; "" when there is none. */
static void url_host(const char *url, char *out, size_t n)
{
	out[0] = '\0';
	if (!url)
		return;
	const char *p = strstr(url, "://");
	if (!p)
		return;
	p += 3;
	size_t len = strcspn(p, "/?#");
	char h[300];
	if (len >= sizeof h || memchr(p, '@', len))
		return;
	memcpy(h, p, len);
	h[len] = '\0';
	if (hosts_name(h, out, n) < 0)
		out[0] = '\0';
}

int hosts_allowed(const char *host_header, const char *public_url, const char *allowed)
{
	char name[300], pub[300];
	if (hosts_name(host_header, name, sizeof name) < 0)
		return 0;
	if (hosts_is_loopback(name))
		return 1;
	url_host(public_url, pub, sizeof pub);
	if (*pub && strcmp(pub, name) == 0)
		return 1;
	for (const char *p = allowed ? allowed : ""; *p;) {
		size_t l = strcspn(p, ",");
		if (l == strlen(name) && strncmp(p, name, l) == 0)
			return 1;
		p += l;
		if (*p == ',')
			p++;
	}
	return 0;
}

int hosts_validate(const char *value, char *out, size_t n, err_t *e)
{
	size_t k = 0;
	if (n)
		out[0] = '\0';
	for (const char *p = value; *p;) {
		p += strspn(p, ", \t");
		size_t l = strcspn(p, ", \t");
		if (!l)
			break;
		char item[300], name[300];
		if (l >= sizeof item)
			return err_set(e, ERR_USAGE, "allowed_hosts: a name is longer than 255 characters");
		memcpy(item, p, l);
		item[l] = '\0';
		p += l;
		if (strchr(item, '/') || strstr(item, "://"))
			return err_set(e, ERR_USAGE,
			               "allowed_hosts: give host names only (dashboard.example.com), not "
			               "URLs ('%.60s')",
			               item);
		/* Ports do not count (nginx decides which ports answer): a name with one, or a malformed
		 * name, is refused rather than silently never matching. */
		char lower[300];
		for (size_t i = 0; i <= l; i++)
			lower[i] = (char)tolower((unsigned char)item[i]);
		if (hosts_name(lower, name, sizeof name) < 0 || strcmp(name, lower) != 0)
			return err_set(e, ERR_USAGE,
			               "allowed_hosts: '%.60s' is not a host name (letters, digits, dots and "
			               "dashes, without a port)",
			               item);
		size_t nl = strlen(name);
		if (k + nl + 2 > n)
			return err_set(e, ERR_USAGE, "allowed_hosts: too many names");
		if (k)
			out[k++] = ',';
		memcpy(out + k, name, nl + 1);
		k += nl;
	}
	return 0;
}
