/* settings.c - one table of settings and one way to change them, so the CLI and the dashboard accept
 * exactly the same values and refuse the others in the same words. */
#include "settings.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hosts.h"
#include "store_sync.h"
#include "url.h"

static const char *const import_choices[] = {"none", "new", "all", NULL};

static const setting_def defs[] = {
    {"sf_import", "new", "create AC contacts from SF records: none, new (created after connecting) or all", import_choices},
    {"interval", "300", "seconds between timer runs (30 to 86400)", NULL},
    {"sf_api_share", "0.8", "stop writing to Salesforce above this share of the daily API limit (0.05 to 1)", NULL},
    {"ac_rate", "4.5", "ActiveCampaign requests per second, at most 5 (AC's limit)", NULL},
    {"bulk_threshold", "2000",
     "Salesforce updates in one run above which Bulk API 2.0 is used (200 to 1000000)", NULL},
    {"ac_bulk_threshold", "50",
     "ActiveCampaign tag and unsubscribe writes in one run above which bulk import is used (10 to 1000000)",
     NULL},
    {"ac_clock_margin_s", "10",
     "seconds AC's clock must be past a second before no change can still land in it (1 to 3600)", NULL},
    {"public_url", "", "the https:// address where ActiveCampaign reaches this dashboard (for the webhook)", NULL},
    {"allowed_hosts", "",
     "more host names the dashboard answers to, comma-separated (loopback and the host of public_url "
     "always are)", NULL},
    {"retry_limit", "8", "attempts before a failing action is marked failed (1 to 100)", NULL},
    {NULL, NULL, NULL, NULL},
};

const setting_def *settings_all(void)
{
	return defs;
}

const setting_def *settings_find(const char *key)
{
	for (const setting_def *d = defs; d->key; d++)
		if (strcmp(d->key, key) == 0)
			return d;
	return NULL;
}

static int parse_long(const char *v, long lo, long hi, long *out)
{
	char *end;
	errno = 0;
	long x = strtol(v, &end, 10);
	if (errno || end == v || *end || x < lo || x > hi)
		return -1;
	*out = x;
	return 0;
}

static int parse_double(const char *v, double lo, double hi, double *out)
{
	char *end;
	errno = 0;
	double x = strtod(v, &end);
	if (errno || end == v || *end || !(x >= lo && x <= hi))
		return -1;
	*out = x;
	return 0;
}

int settings_validate(const char *key, const char *value, char *out, size_t n, err_t *e)
{
	if (!settings_find(key)) {
		char known[256] = "";
		for (const setting_def *d = defs; d->key; d++) {
			strncat(known, d->key, sizeof known - strlen(known) - 1);
			if (d[1].key)
				strncat(known, ", ", sizeof known - strlen(known) - 1);
		}
		return err_set(e, ERR_USAGE, "unknown setting '%.64s' (known: %s)", key, known);
	}
	char v[600];
	size_t len = strlen(value);
	if (len >= sizeof v)
		return err_set(e, ERR_USAGE, "%s: value too long", key);
	/* Trim, so values pasted into a form with a stray space still count. */
	while (len && isspace((unsigned char)value[len - 1]))
		len--;
	while (len && isspace((unsigned char)*value)) {
		value++;
		len--;
	}
	memcpy(v, value, len);
	v[len] = '\0';
	long l;
	double d;
	if (strcmp(key, "sf_import") == 0) {
		for (char *p = v; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		if (strcmp(v, "none") && strcmp(v, "new") && strcmp(v, "all"))
			return err_set(e, ERR_USAGE, "sf_import must be none, new or all, not '%.32s'", v);
		snprintf(out, n, "%s", v);
	} else if (strcmp(key, "interval") == 0) {
		if (parse_long(v, 30, 86400, &l) < 0)
			return err_set(e, ERR_USAGE,
			               "interval must be a whole number of seconds from 30 to 86400");
		snprintf(out, n, "%ld", l);
	} else if (strcmp(key, "sf_api_share") == 0) {
		if (parse_double(v, 0.05, 1.0, &d) < 0)
			return err_set(e, ERR_USAGE,
			               "sf_api_share must be a number from 0.05 to 1 (0.8 means 80%%)");
		snprintf(out, n, "%g", d);
	} else if (strcmp(key, "ac_rate") == 0) {
		if (parse_double(v, 0.1, 5.0, &d) < 0)
			return err_set(e, ERR_USAGE,
			               "ac_rate must be a number of requests per second from 0.1 to 5");
		snprintf(out, n, "%g", d);
	} else if (strcmp(key, "bulk_threshold") == 0) {
		if (parse_long(v, 200, 1000000, &l) < 0)
			return err_set(e, ERR_USAGE,
			               "bulk_threshold must be a whole number from 200 to 1000000");
		snprintf(out, n, "%ld", l);
	} else if (strcmp(key, "ac_bulk_threshold") == 0) {
		if (parse_long(v, 10, 1000000, &l) < 0)
			return err_set(e, ERR_USAGE,
			               "ac_bulk_threshold must be a whole number from 10 to 1000000");
		snprintf(out, n, "%ld", l);
	} else if (strcmp(key, "ac_clock_margin_s") == 0) {
		if (parse_long(v, 1, 3600, &l) < 0)
			return err_set(e, ERR_USAGE,
			               "ac_clock_margin_s must be a whole number of seconds from 1 to 3600");
		snprintf(out, n, "%ld", l);
	} else if (strcmp(key, "retry_limit") == 0) {
		if (parse_long(v, 1, 100, &l) < 0)
			return err_set(e, ERR_USAGE, "retry_limit must be a whole number from 1 to 100");
		snprintf(out, n, "%ld", l);
	} else if (strcmp(key, "allowed_hosts") == 0) {
		return hosts_validate(v, out, n, e);
	} else if (strcmp(key, "public_url") == 0) {
		if (*v && url_check_endpoint(v, "public_url", e) < 0)
			return -1;
		return url_normalise_base(v, out, n, e);
	}
	return 0;
}

int settings_set(store *s, const char *key, const char *value, char *out, size_t n, err_t *e)
{
	char canon[600];
	if (settings_validate(key, value, canon, sizeof canon, e) < 0)
		return -1;
	if (store_setting_set(s, key, canon, e) < 0)
		return -1;
	if (out)
		snprintf(out, n, "%s", canon);
	return 0;
}

/* The dashboard's form holds each setting at most once; more than there are settings is a caller
 * bug, not a value to refuse. */
#define SETTINGS_MAX 16

int settings_set_all(store *s, const setting_kv *kv, size_t n, err_t *e)
{
	if (n > SETTINGS_MAX)
		return err_set(e, ERR_INTERNAL, "settings: %zu at once, at most %d", n, SETTINGS_MAX);
	char canon[SETTINGS_MAX][600];
	for (size_t i = 0; i < n; i++)
		if (settings_validate(kv[i].key, kv[i].value, canon[i], sizeof canon[i], e) < 0)
			return -1;
	if (store_begin(s, e) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (store_setting_set(s, kv[i].key, canon[i], e) < 0) {
			store_rollback(s);
			return -1;
		}
	}
	return store_commit(s, e);
}
