/* sf.c - the Salesforce client itself: options, opening and closing, statistics, and the small
 * readers every part of it shares (error details, names, ids, the API usage header). Tokens are
 * in sf_auth.c, the raw queries in sf_query.c, the typed reads in sf_read.c, writes in sf_write.c;
 * each calls down into this file. */
#include "sf.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <sodium.h>

#include "sf_int.h"
#include "sysutil.h"

void sf_options_default(sf_options *o)
{
	http_options_default(&o->http);
	o->bulk_threshold = 2000;
	o->chunk = 200;
	o->lock_retries = 1;
	o->lock_retry_ms = 500;
	o->bulk_poll_ms = 2000;
	o->bulk_max_wait_ms = 600000;
}

/* Salesforce error bodies: OAuth {"error","error_description"}, REST [{"errorCode","message"}],
 * and the odd single object. Out: "CODE: message". */
void sf_detail(const char *body, size_t len, char *out, size_t n)
{
	out[0] = '\0';
	json_tokener *tok = json_tokener_new();
	if (!tok)
		return;
	json_object *j = json_tokener_parse_ex(tok, body, (int)len);
	json_tokener_free(tok);
	char code[128] = "", msg[300] = "";
	json_object *first = j;
	if (json_object_is_type(j, json_type_array) && json_object_array_length(j) > 0)
		first = json_object_array_get_idx(j, 0);
	if (json_get_str(first, "error", code, sizeof code) > 0) {
		if (json_get_str(first, "error_description", msg, sizeof msg) < 0)
			msg[0] = '\0';
	} else {
		if (json_get_str(first, "errorCode", code, sizeof code) <= 0 &&
		    json_get_str(first, "statusCode", code, sizeof code) <= 0)
			code[0] = '\0';
		if (json_get_str(first, "message", msg, sizeof msg) < 0)
			msg[0] = '\0';
	}
	json_object_put(j);
	if (code[0] && msg[0])
		snprintf(out, n, "%s: %s", code, msg);
	else if (code[0] || msg[0])
		snprintf(out, n, "%s", code[0] ? code : msg);
	else {
		size_t o = 0;
		for (size_t i = 0; i < len && o + 1 < n && o < 160; i++)
			out[o++] = (body[i] >= 0x20 && body[i] < 0x7f) ? body[i] : ' ';
		out[o] = '\0';
	}
}

int sf_valid_name(const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > max || !isalpha((unsigned char)s[0]))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_')
			return 0;
	return 1;
}

int sf_valid_id(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n != 15 && n != 18)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]))
			return 0;
	return 1;
}

/* "62.0" or "v62.0" -> "v62.0". */
static int norm_version(const char *v, char *out, size_t n)
{
	int major, minor, used = 0;
	if (!v || !*v)
		v = SF_DEFAULT_API_VERSION;
	if (*v == 'v')
		v++;
	if (sscanf(v, "%d.%d%n", &major, &minor, &used) != 2 || (size_t)used != strlen(v) || major < 20 ||
	    major > 999 || minor < 0 || minor > 9)
		return -1;
	snprintf(out, n, "v%d.%d", major, minor);
	return 0;
}

sf_client *sf_open_opts(const sf_config *cfg, const sf_options *o, err_t *e)
{
	sf_options d;
	if (!o) {
		sf_options_default(&d);
		o = &d;
	}
	if (!cfg || !cfg->login_url || !*cfg->login_url || !cfg->client_id || !*cfg->client_id ||
	    !cfg->client_secret || !*cfg->client_secret) {
		err_set(e, ERR_CONFIG, "Salesforce: login URL, client id and client secret are all needed");
		return NULL;
	}
	sf_client *c = calloc(1, sizeof *c);
	if (!c) {
		err_set(e, ERR_INTERNAL, "out of memory");
		return NULL;
	}
	c->api_used = c->api_max = -1;
	c->o = *o;
	if (c->o.chunk < 1 || c->o.chunk > 200)
		c->o.chunk = 200;
	if (c->o.bulk_threshold < 0)
		c->o.bulk_threshold = 0;
	size_t len = strlen(cfg->login_url);
	while (len > 0 && cfg->login_url[len - 1] == '/')
		len--;
	if (len >= sizeof c->login || strlen(cfg->client_id) >= sizeof c->client_id) {
		free(c);
		err_set(e, ERR_USAGE, "Salesforce: login URL or client id too long");
		return NULL;
	}
	memcpy(c->login, cfg->login_url, len);
	c->login[len] = '\0';
	snprintf(c->client_id, sizeof c->client_id, "%s", cfg->client_id);
	if (norm_version(cfg->api_version, c->version, sizeof c->version) < 0) {
		free(c);
		err_set(e, ERR_USAGE, "Salesforce: API version must look like v62.0, not '%.20s'",
		        cfg->api_version);
		return NULL;
	}
	if (http_url_allowed(c->login, e) < 0) {
		err_prefix(e, "Salesforce: login URL");
		free(c);
		return NULL;
	}
	c->client_secret = strdup(cfg->client_secret);
	if (cfg->refresh_token && *cfg->refresh_token)
		c->refresh = strdup(cfg->refresh_token);
	http_options ho = o->http;
	ho.system = "Salesforce";
	ho.detail = sf_detail;
	if (!c->client_secret || (cfg->refresh_token && *cfg->refresh_token && !c->refresh) ||
	    !(c->h = http_new(&ho, e))) {
		if (!c->h)
			err_set(e, ERR_INTERNAL, "Salesforce: out of memory");
		sf_close(c);
		return NULL;
	}
	http_set_secret(c->h, SEC_CLIENT_SECRET, c->client_secret);
	http_set_secret(c->h, SEC_REFRESH, c->refresh);
	/* An access token kept from an earlier run is used until Salesforce answers 401: one token
	 * request per session lifetime instead of one per run. */
	if (cfg->access_token && *cfg->access_token && cfg->instance_url && *cfg->instance_url &&
	    strlen(cfg->access_token) <= 4096 && strlen(cfg->instance_url) < sizeof c->instance) {
		err_t ue;
		if (http_url_allowed(cfg->instance_url, &ue) == 0 && (c->token = strdup(cfg->access_token))) {
			snprintf(c->instance, sizeof c->instance, "%s", cfg->instance_url);
			http_set_secret(c->h, SEC_ACCESS, c->token);
		}
	}
	return c;
}

void sf_on_token(sf_client *c, sf_token_cb cb, void *ud)
{
	c->on_token = cb;
	c->on_token_ud = ud;
}

sf_client *sf_open(const sf_config *cfg, err_t *e)
{
	return sf_open_opts(cfg, NULL, e);
}

void sf_close(sf_client *c)
{
	if (!c)
		return;
	http_free(c->h);
	wipe_free(c->client_secret);
	wipe_free(c->refresh);
	wipe_free(c->token);
	free(c);
}

const char *sf_instance_url(const sf_client *c)
{
	return c->instance;
}

void sf_get_stats(const sf_client *c, sf_stats *s)
{
	http_stats hs;
	http_get_stats(c->h, &hs);
	s->calls = hs.calls;
	s->rate_limited = hs.rate_limited;
	s->retries = hs.retries;
	s->token_requests = c->token_requests;
	s->api_used = c->api_used;
	s->api_max = c->api_max;
}

int sf_api_usage(const sf_client *c, long *used, long *max)
{
	if (c->api_max <= 0)
		return -1;
	*used = c->api_used;
	*max = c->api_max;
	return 0;
}

/* "api-usage=25/5000" (possibly among other, comma-separated entries). */
void sf_note_limit_info(sf_client *c, const char *v)
{
	const char *p = strstr(v, "api-usage=");
	long used, max;
	if (p && sscanf(p + 10, "%ld/%ld", &used, &max) == 2 && used >= 0 && max > 0) {
		c->api_used = used;
		c->api_max = max;
	}
}
