/* sf_query.c - the raw Salesforce reads: the authenticated REST call (one new token on
 * INVALID_SESSION_ID), a SOQL query with paging, describe and limits. The SOQL optsync sends and the
 * records it reads are sf_read.c's. */
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

/* --- data calls ----------------------------------------------------------------------------------- */

/* Sends method to instance_url + path with the bearer token; gets a token first if there is none, and
 * on 401 gets a new one once and tries again. rs is filled as by http_do. */
int sf_call(sf_client *c, const char *method, const char *path, const char *body, const char *ctype,
            const char *accept, const char *op, http_response *rs, err_t *e)
{
	memset(rs, 0, sizeof *rs);
	if (!c->token && sf_authenticate(c, e) < 0)
		return -1;
	for (int attempt = 0;; attempt++) {
		char url[8192], auth[4200], acc[64];
		if (snprintf(url, sizeof url, "%s%s", c->instance, path) >= (int)sizeof url)
			return http_fail(c->h, e, ERR_INTERNAL, op, "URL too long");
		snprintf(auth, sizeof auth, "Authorization: Bearer %s", c->token);
		snprintf(acc, sizeof acc, "Accept: %s", accept ? accept : "application/json");
		const char *hdrs[] = {auth, acc, "Sforce-Call-Options: client=" SF_CALL_CLIENT, NULL};
		http_request rq = {.method = method,
		                   .url = url,
		                   .op = op,
		                   .headers = hdrs,
		                   .body = body,
		                   .body_len = body ? strlen(body) : 0,
		                   .content_type = ctype,
		                   .no_retry = c->once};
		err_t le;
		int rc = http_do(c->h, &rq, rs, &le);
		sodium_memzero(auth, sizeof auth);
		if (rs->limit_info[0])
			sf_note_limit_info(c, rs->limit_info);
		if (rc == 0)
			return 0;
		if (le.http_status == 401 && attempt == 0) {
			/* Expired or revoked session (INVALID_SESSION_ID): one new token, one more try. */
			http_response_free(rs);
			if (sf_authenticate(c, e) < 0)
				return -1;
			continue;
		}
		if (le.http_status == 401) {
			char detail[300] = "";
			if (rs->body)
				sf_detail(rs->body, rs->len, detail, sizeof detail);
			http_fail(c->h, &le, ERR_AUTH, op, "%s after token refresh",
			          detail[0] ? detail : "HTTP 401");
			le.http_status = 401;
		} else if (le.http_status == 403 && rs->body && strstr(rs->body, "REQUEST_LIMIT_EXCEEDED")) {
			int st = le.http_status;
			char detail[300];
			sf_detail(rs->body, rs->len, detail, sizeof detail);
			http_fail(c->h, &le, ERR_RATE_LIMITED, op, "%s", detail);
			le.http_status = st;
		}
		if (e)
			*e = le;
		return -1;
	}
}

/* sf_call + JSON body of the answer. */
int sf_json(sf_client *c, const char *method, const char *path, const char *body, const char *op,
            json_object **out, err_t *e)
{
	http_response rs;
	*out = NULL;
	int rc = sf_call(c, method, path, body, body ? "application/json" : NULL, NULL, op, &rs, e);
	if (rc == 0)
		rc = http_json(c->h, &rs, op, out, e);
	http_response_free(&rs);
	return rc;
}

int sf_bad(sf_client *c, err_t *e, const char *op, const char *what)
{
	return http_fail(c->h, e, ERR_BAD_RESPONSE, op, "unexpected response: %s", what);
}

int sf_limits_get(sf_client *c, sf_limit *rows, size_t n, err_t *e)
{
	const char *op = "limits";
	char path[64];
	snprintf(path, sizeof path, "/services/data/%s/limits", c->version);
	json_object *j;
	if (sf_json(c, "GET", path, NULL, op, &j, e) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		json_object *d = json_get(j, rows[i].name, json_type_object);
		rows[i].found = d && json_get_long(d, "Max", &rows[i].max) == 1 &&
		                json_get_long(d, "Remaining", &rows[i].remaining) == 1;
	}
	json_object_put(j);
	return 0;
}

int sf_limits(sf_client *c, long *daily_max, long *daily_remaining, err_t *e)
{
	sf_limit l = {.name = "DailyApiRequests"};
	if (sf_limits_get(c, &l, 1, e) < 0)
		return -1;
	if (!l.found)
		return sf_bad(c, e, "limits", "no DailyApiRequests Max/Remaining");
	*daily_max = l.max;
	*daily_remaining = l.remaining;
	return 0;
}

/* --- queries -------------------------------------------------------------------------------------- */

int sf_soql_escape(const char *s, char *out, size_t n)
{
	size_t o = 0;
	for (const char *p = s; *p; p++) {
		const char *rep = NULL;
		char one[2] = {*p, 0};
		switch (*p) {
		case '\'':
			rep = "\\'";
			break;
		case '"':
			rep = "\\\"";
			break;
		case '\\':
			rep = "\\\\";
			break;
		case '\n':
			rep = "\\n";
			break;
		case '\r':
			rep = "\\r";
			break;
		case '\t':
			rep = "\\t";
			break;
		case '\b':
			rep = "\\b";
			break;
		case '\f':
			rep = "\\f";
			break;
		default:
			rep = one;
		}
		size_t rl = strlen(rep);
		if (o + rl >= n)
			return -1;
		memcpy(out + o, rep, rl);
		o += rl;
	}
	if (o >= n)
		return -1;
	out[o] = '\0';
	return 0;
}

int sf_rec_str(json_object *rec, const char *field, char *out, size_t n)
{
	return json_get_str(rec, field, out, n);
}

int sf_rec_bool(json_object *rec, const char *field, int *out)
{
	return json_get_bool(rec, field, out);
}

int sf_query(sf_client *c, const char *soql, sf_record_cb cb, void *ud, long *total, err_t *e)
{
	/* "query Contact" names the object in messages, as the admin thinks of it. */
	char op[96] = "query", path[8192];
	const char *from = strcasestr(soql, " from ");
	if (from) {
		from += 6;
		snprintf(op, sizeof op, "query %.*s", (int)strcspn(from, " \t\n"), from);
	}
	int w = snprintf(path, sizeof path, "/services/data/%s/query?q=", c->version);
	if (w < 0 || http_urlencode(soql, path + w, sizeof path - (size_t)w) < 0)
		return http_fail(c->h, e, ERR_USAGE, op, "query too long");
	if (total)
		*total = -1;
	for (long page = 0;; page++) {
		json_object *j;
		if (sf_json(c, "GET", path, NULL, op, &j, e) < 0)
			return -1;
		json_object *recs = json_get(j, "records", json_type_array);
		int done = 0, rc = 0;
		long ts;
		char next[2048];
		if (!recs || json_get_bool(j, "done", &done) != 1) {
			json_object_put(j);
			return sf_bad(c, e, op, "no records list or done flag");
		}
		if (page == 0 && total && json_get_long(j, "totalSize", &ts) == 1)
			*total = ts;
		if (json_get_str(j, "nextRecordsUrl", next, sizeof next) < 0) {
			json_object_put(j);
			return sf_bad(c, e, op, "bad nextRecordsUrl");
		}
		for (size_t i = 0; i < json_object_array_length(recs) && rc == 0; i++) {
			json_object *r = json_object_array_get_idx(recs, i);
			if (!json_object_is_type(r, json_type_object)) {
				rc = sf_bad(c, e, op, "a record is not an object");
				break;
			}
			rc = cb(r, ud, e);
		}
		json_object_put(j);
		if (rc < 0)
			return -1;
		if (rc > 0 || done)
			return 0;
		/* Follow only a path on the same instance, never a full URL somewhere else. */
		if (!next[0] || strncmp(next, "/services/data/", 15) != 0)
			return sf_bad(
			    c, e, op,
			    "done is false but nextRecordsUrl is missing or not a /services/data/ path");
		snprintf(path, sizeof path, "%s", next);
	}
}

/* --- describe ------------------------------------------------------------------------------------- */

int sf_describe_field(sf_client *c, const char *object, const char *field, sf_field_info *out, err_t *e)
{
	char op[96], path[256];
	memset(out, 0, sizeof *out);
	snprintf(op, sizeof op, "describe %.40s", object ? object : "");
	if (!sf_valid_name(object, 80) || !sf_valid_name(field, 80))
		return http_fail(c->h, e, ERR_USAGE, op, "bad object or field name");
	snprintf(path, sizeof path, "/services/data/%s/sobjects/%s/describe", c->version, object);
	json_object *j;
	if (sf_json(c, "GET", path, NULL, op, &j, e) < 0)
		return -1;
	json_object *fields = json_get(j, "fields", json_type_array);
	int rc = 0;
	if (!fields) {
		rc = sf_bad(c, e, op, "no fields list");
	} else {
		for (size_t i = 0; i < json_object_array_length(fields); i++) {
			json_object *f = json_object_array_get_idx(fields, i);
			char name[128];
			if (json_get_str(f, "name", name, sizeof name) <= 0 || strcmp(name, field) != 0)
				continue;
			out->found = 1;
			if (json_get_bool(f, "updateable", &out->updateable) < 0 ||
			    json_get_str(f, "type", out->type, sizeof out->type) < 0)
				rc = sf_bad(c, e, op, "a field with bad updateable or type");
			break;
		}
	}
	json_object_put(j);
	return rc;
}
