/* ac.c - ActiveCampaign v3: requests, paging and defensive reading of the answers. */
#include "ac.h"
#include "ac_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PAGE 100
#define MAX_PAGES 100000 /* 10 million contacts: a loop guard, not a product limit */

struct ac_client {
	http_client *h;
	ratelimit *rl;
	long waited_ms;
	char base[512];
	char key_header[300];
	int retries; /* of a create after a lookup (the HTTP layer's count) */
	int64_t date_ms;      /* AC's clock (Date) on the latest answer, 0 unknown */
	int64_t walk_date_ms; /* AC's clock on the first page of the latest contacts walk, 0 unknown */
};

void ac_options_default(ac_options *o)
{
	http_options_default(&o->http);
	ratelimit_options_default(&o->rate);
	o->rate.max_starts = 5;
	o->rate.window_ms = 1000;
	o->rate.slack_ms = 100;
}

void ac_options_rate(ac_options *o, double per_second)
{
	if (per_second < 0.1)
		per_second = 0.1;
	if (per_second > 5)
		per_second = 5;
	/* AC counts 5 per second: keep that window and spread the 5 over 5/per_second seconds, never with
	 * less than 100 ms to spare for the jitter between our clock and AC's. */
	long span = (long)(5000.0 / per_second + 0.5);
	o->rate.max_starts = 5;
	o->rate.window_ms = 1000;
	o->rate.slack_ms = span - 1000 > 100 ? span - 1000 : 100;
}

/* AC's error bodies: {"errors":[{"title","detail"}]} or {"message":"..."}. */
static void ac_detail(const char *body, size_t len, char *out, size_t n)
{
	out[0] = '\0';
	json_tokener *tok = json_tokener_new();
	if (!tok)
		return;
	json_object *j = json_tokener_parse_ex(tok, body, (int)len);
	json_tokener_free(tok);
	char a[200], b[200];
	json_object *errs = json_get(j, "errors", json_type_array);
	if (errs && json_object_array_length(errs) > 0) {
		json_object *e0 = json_object_array_get_idx(errs, 0);
		if (json_get_str(e0, "title", a, sizeof a) < 0)
			a[0] = '\0';
		if (json_get_str(e0, "detail", b, sizeof b) < 0)
			b[0] = '\0';
		if (a[0] && b[0])
			snprintf(out, n, "%s: %s", a, b);
		else
			snprintf(out, n, "%s", a[0] ? a : b);
	} else if (json_get_str(j, "message", a, sizeof a) > 0) {
		snprintf(out, n, "%s", a);
	}
	json_object_put(j);
	if (!out[0]) {
		/* Not AC's shape: the start of the body, printable only. */
		size_t o = 0;
		for (size_t i = 0; i < len && o + 1 < n && o < 160; i++)
			out[o++] = (body[i] >= 0x20 && body[i] < 0x7f) ? body[i] : ' ';
		out[o] = '\0';
	}
}

static int take_token(void *ud, err_t *e)
{
	ac_client *c = ud;
	if (ratelimit_take(c->rl, &c->waited_ms, e) < 0)
		return err_prefix(e, "ActiveCampaign");
	return 0;
}

ac_client *ac_open_opts(const char *base_url, const char *api_key, const char *rate_file, const ac_options *o,
                        err_t *e)
{
	ac_options d;
	if (!o) {
		ac_options_default(&d);
		o = &d;
	}
	if (!base_url || !*base_url) {
		err_set(e, ERR_CONFIG, "ActiveCampaign: no API URL configured");
		return NULL;
	}
	if (!api_key || !*api_key) {
		err_set(e, ERR_CONFIG, "ActiveCampaign: no API key configured");
		return NULL;
	}
	if (strchr(api_key, '\r') || strchr(api_key, '\n')) {
		err_set(e, ERR_USAGE, "ActiveCampaign: the API key contains a line break");
		return NULL;
	}
	ac_client *c = calloc(1, sizeof *c);
	if (!c) {
		err_set(e, ERR_INTERNAL, "out of memory");
		return NULL;
	}
	size_t len = strlen(base_url);
	while (len > 0 && base_url[len - 1] == '/')
		len--;
	if (len >= 6 && strncmp(base_url + len - 6, "/api/3", 6) == 0)
		len -= 6;
	if (len >= sizeof c->base) {
		free(c);
		err_set(e, ERR_USAGE, "ActiveCampaign: API URL too long");
		return NULL;
	}
	memcpy(c->base, base_url, len);
	c->base[len] = '\0';
	if (http_url_allowed(c->base, e) < 0) {
		err_prefix(e, "ActiveCampaign");
		free(c);
		return NULL;
	}
	if (snprintf(c->key_header, sizeof c->key_header, "Api-Token: %s", api_key) >=
	    (int)sizeof c->key_header) {
		free(c);
		err_set(e, ERR_USAGE, "ActiveCampaign: API key too long");
		return NULL;
	}
	http_options ho = o->http;
	c->retries = ho.retries > 0 ? ho.retries : 0;
	ho.system = "ActiveCampaign";
	ho.before_attempt = take_token;
	ho.hook_ud = c;
	ho.detail = ac_detail;
	if (!(c->h = http_new(&ho, e)) || !(c->rl = ratelimit_open(rate_file, &o->rate, e))) {
		if (c->h)
			err_prefix(e, "ActiveCampaign");
		ac_close(c);
		return NULL;
	}
	http_set_secret(c->h, 0, api_key);
	return c;
}

ac_client *ac_open(const char *base_url, const char *api_key, const char *rate_file, err_t *e)
{
	return ac_open_opts(base_url, api_key, rate_file, NULL, e);
}

void ac_close(ac_client *c)
{
	if (!c)
		return;
	http_free(c->h);
	ratelimit_close(c->rl);
	volatile char *p = c->key_header;
	while (*p)
		*p++ = 0;
	free(c);
}

void ac_get_stats(const ac_client *c, ac_stats *s)
{
	http_stats hs;
	http_get_stats(c->h, &hs);
	s->calls = hs.calls;
	s->rate_limited = hs.rate_limited;
	s->retries = hs.retries;
	s->waited_ms = c->waited_ms;
}

/* --- one call ------------------------------------------------------------------------------------ */

/* Sends method path_query (relative to /api/3) with an optional JSON body and parses the JSON answer.
 * op names the call in messages: "GET /api/3/contacts". */
static int call_opt(ac_client *c, const char *method, const char *path_query, json_object *body,
                    const char *op, int once, json_object **out, err_t *e);

static int call(ac_client *c, const char *method, const char *path_query, json_object *body, const char *op,
                json_object **out, err_t *e)
{
	return call_opt(c, method, path_query, body, op, 0, out, e);
}

/* once: one attempt (a POST that creates something: its retry is the caller's, after a lookup). */
static int call_opt(ac_client *c, const char *method, const char *path_query, json_object *body,
                    const char *op, int once, json_object **out, err_t *e)
{
	char url[2048];
	*out = NULL;
	if (snprintf(url, sizeof url, "%s/api/3%s", c->base, path_query) >= (int)sizeof url)
		return http_fail(c->h, e, ERR_INTERNAL, op, "URL too long");
	const char *hdrs[] = {c->key_header, NULL};
	const char *b = body ? json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN |
	                                                                JSON_C_TO_STRING_NOSLASHESCAPE)
	                     : NULL;
	http_request rq = {.method = method,
	                   .url = url,
	                   .op = op,
	                   .headers = hdrs,
	                   .body = b,
	                   .body_len = b ? strlen(b) : 0,
	                   .no_retry = once};
	http_response rs;
	int rc = http_do(c->h, &rq, &rs, e);
	c->date_ms = rs.date_s > 0 ? (int64_t)rs.date_s * 1000 : 0;
	if (rc == 0)
		rc = http_json(c->h, &rs, op, out, e);
	if (rc == 0 && !json_object_is_type(*out, json_type_object)) {
		json_object_put(*out);
		*out = NULL;
		rc = http_fail(c->h, e, ERR_BAD_RESPONSE, op, "response is not a JSON object");
	}
	http_response_free(&rs);
	return rc;
}

int ac_call(ac_client *c, const char *method, const char *path_query, json_object *body, const char *op,
            int once, json_object **out, err_t *e)
{
	return call_opt(c, method, path_query, body, op, once, out, e);
}

http_client *ac_http(ac_client *c)
{
	return c->h;
}

static int bad(ac_client *c, err_t *e, const char *op, const char *what)
{
	return http_fail(c->h, e, ERR_BAD_RESPONSE, op, "unexpected response: %s", what);
}

/* Ids go into paths: digits only, so nothing else can be smuggled into the URL. */
static int check_id(ac_client *c, const char *id, const char *what, const char *op, err_t *e)
{
	size_t n = id ? strlen(id) : 0;
	if (n == 0 || n >= AC_ID_MAX || strspn(id, "0123456789") != n)
		return http_fail(c->h, e, ERR_USAGE, op, "%s '%.40s' is not an ActiveCampaign id", what,
		                 id ? id : "");
	return 0;
}

/* Reads a required id-like string member. */
static int need_str(ac_client *c, json_object *o, const char *key, char *out, size_t n, const char *op,
                    err_t *e)
{
	int r = json_get_str(o, key, out, n);
	if (r <= 0 || !out[0]) {
		char what[96];
		snprintf(what, sizeof what, "%s \"%s\"", r < 0 ? "bad" : "no", key);
		return bad(c, e, op, what);
	}
	return 0;
}

/* Reads an optional string member; a wrong type is an error, a too-long text is cut. */
static int opt_str(ac_client *c, json_object *o, const char *key, char *out, size_t n, const char *op,
                   err_t *e)
{
	json_object *v;
	out[0] = '\0';
	if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
		return 0;
	if (json_object_is_type(v, json_type_string)) {
		snprintf(out, n, "%s", json_object_get_string(v));
		return 0;
	}
	if (json_get_str(o, key, out, n) > 0)
		return 0;
	char what[96];
	snprintf(what, sizeof what, "bad \"%s\"", key);
	return bad(c, e, op, what);
}

static int opt_long(ac_client *c, json_object *o, const char *key, long *out, const char *op, err_t *e)
{
	*out = 0;
	if (json_get_long(o, key, out) >= 0)
		return 0;
	char what[96];
	snprintf(what, sizeof what, "bad \"%s\"", key);
	return bad(c, e, op, what);
}

/* --- parsing of the objects ---------------------------------------------------------------------- */

static int parse_contact(ac_client *c, json_object *o, ac_contact *ct, const char *op, err_t *e)
{
	memset(ct, 0, sizeof *ct);
	if (!json_object_is_type(o, json_type_object))
		return bad(c, e, op, "a contact is not an object");
	long deleted = 0;
	if (need_str(c, o, "id", ct->id, sizeof ct->id, op, e) < 0 ||
	    opt_str(c, o, "email", ct->email, sizeof ct->email, op, e) < 0 ||
	    opt_str(c, o, "firstName", ct->first_name, sizeof ct->first_name, op, e) < 0 ||
	    opt_str(c, o, "lastName", ct->last_name, sizeof ct->last_name, op, e) < 0 ||
	    opt_str(c, o, "cdate", ct->cdate, sizeof ct->cdate, op, e) < 0 ||
	    opt_str(c, o, "udate", ct->udate, sizeof ct->udate, op, e) < 0 ||
	    opt_str(c, o, "bounced_date", ct->bounced_date, sizeof ct->bounced_date, op, e) < 0 ||
	    opt_long(c, o, "bounced_hard", &ct->bounced_hard, op, e) < 0 ||
	    opt_long(c, o, "bounced_soft", &ct->bounced_soft, op, e) < 0 ||
	    opt_long(c, o, "deleted", &deleted, op, e) < 0)
		return -1;
	ct->deleted = deleted != 0;
	return 0;
}

static int parse_contact_list(ac_client *c, json_object *o, ac_contact_list *cl, const char *op, err_t *e)
{
	memset(cl, 0, sizeof *cl);
	long st = -1;
	if (!json_object_is_type(o, json_type_object))
		return bad(c, e, op, "a contactList is not an object");
	if (need_str(c, o, "id", cl->id, sizeof cl->id, op, e) < 0 ||
	    need_str(c, o, "contact", cl->contact, sizeof cl->contact, op, e) < 0 ||
	    need_str(c, o, "list", cl->list, sizeof cl->list, op, e) < 0 ||
	    opt_str(c, o, "sdate", cl->sdate, sizeof cl->sdate, op, e) < 0 ||
	    opt_str(c, o, "udate", cl->udate, sizeof cl->udate, op, e) < 0 ||
	    opt_str(c, o, "updated_timestamp", cl->updated_timestamp, sizeof cl->updated_timestamp, op, e) <
	        0)
		return -1;
	/* Any number is taken as it is: AC documents values beyond 0..3 (91: removed through the v1
	 * API), and the caller decides what an unknown one means rather than the whole read failing. */
	if (json_get_long(o, "status", &st) != 1)
		return bad(c, e, op, "contactList without a numeric \"status\"");
	cl->status = st < -1000000 || st > 1000000 ? -1 : (int)st;
	return 0;
}

static int parse_list(ac_client *c, json_object *o, ac_list *l, const char *op, err_t *e)
{
	memset(l, 0, sizeof *l);
	if (!json_object_is_type(o, json_type_object))
		return bad(c, e, op, "a list is not an object");
	return need_str(c, o, "id", l->id, sizeof l->id, op, e) < 0 ||
	               opt_str(c, o, "name", l->name, sizeof l->name, op, e) < 0 ||
	               opt_str(c, o, "stringid", l->stringid, sizeof l->stringid, op, e) < 0
	           ? -1
	           : 0;
}

static int parse_tag(ac_client *c, json_object *o, ac_tag *t, const char *op, err_t *e)
{
	memset(t, 0, sizeof *t);
	if (!json_object_is_type(o, json_type_object))
		return bad(c, e, op, "a tag is not an object");
	return need_str(c, o, "id", t->id, sizeof t->id, op, e) < 0 ||
	               opt_str(c, o, "tag", t->tag, sizeof t->tag, op, e) < 0 ||
	               opt_str(c, o, "tagType", t->tag_type, sizeof t->tag_type, op, e) < 0
	           ? -1
	           : 0;
}

static int parse_contact_tag(ac_client *c, json_object *o, ac_contact_tag *t, const char *op, err_t *e)
{
	memset(t, 0, sizeof *t);
	if (!json_object_is_type(o, json_type_object))
		return bad(c, e, op, "a contactTag is not an object");
	return need_str(c, o, "id", t->id, sizeof t->id, op, e) < 0 ||
	               need_str(c, o, "contact", t->contact, sizeof t->contact, op, e) < 0 ||
	               need_str(c, o, "tag", t->tag, sizeof t->tag, op, e) < 0
	           ? -1
	           : 0;
}

static int parse_bounce(ac_client *c, json_object *o, ac_bounce_log *b, const char *op, err_t *e)
{
	memset(b, 0, sizeof *b);
	if (!json_object_is_type(o, json_type_object))
		return bad(c, e, op, "a bounceLog is not an object");
	if (need_str(c, o, "id", b->id, sizeof b->id, op, e) < 0 ||
	    opt_str(c, o, "tstamp", b->tstamp, sizeof b->tstamp, op, e) < 0 ||
	    opt_str(c, o, "email", b->email, sizeof b->email, op, e) < 0 ||
	    opt_str(c, o, "bounce", b->bounce, sizeof b->bounce, op, e) < 0)
		return -1;
	/* The API names the same thing twice (contact / subscriberid, code / codeid). */
	if (opt_str(c, o, "contact", b->contact, sizeof b->contact, op, e) < 0 ||
	    (!b->contact[0] && opt_str(c, o, "subscriberid", b->contact, sizeof b->contact, op, e) < 0) ||
	    opt_str(c, o, "code", b->code, sizeof b->code, op, e) < 0 ||
	    (!b->code[0] && opt_str(c, o, "codeid", b->code, sizeof b->code, op, e) < 0))
		return -1;
	return 0;
}

/* Joins a JSON array of strings with commas. */
static int join_strings(ac_client *c, json_object *o, const char *key, char *out, size_t n, const char *op,
                        err_t *e)
{
	out[0] = '\0';
	json_object *v;
	if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
		return 0;
	if (!json_object_is_type(v, json_type_array))
		return bad(c, e, op, "a webhook's events or sources are not a list");
	size_t len = 0;
	for (size_t i = 0; i < json_object_array_length(v); i++) {
		json_object *s = json_object_array_get_idx(v, i);
		if (!json_object_is_type(s, json_type_string))
			return bad(c, e, op, "a webhook event or source is not a string");
		int w = snprintf(out + len, n - len, "%s%s", len ? "," : "", json_object_get_string(s));
		if (w < 0 || (size_t)w >= n - len)
			return bad(c, e, op, "a webhook has too many events");
		len += (size_t)w;
	}
	return 0;
}

static int parse_webhook(ac_client *c, json_object *o, ac_webhook *w, const char *op, err_t *e)
{
	memset(w, 0, sizeof *w);
	if (!json_object_is_type(o, json_type_object))
		return bad(c, e, op, "a webhook is not an object");
	if (need_str(c, o, "id", w->id, sizeof w->id, op, e) < 0 ||
	    opt_str(c, o, "name", w->name, sizeof w->name, op, e) < 0 ||
	    opt_str(c, o, "url", w->url, sizeof w->url, op, e) < 0 ||
	    opt_str(c, o, "listid", w->listid, sizeof w->listid, op, e) < 0 ||
	    join_strings(c, o, "events", w->events, sizeof w->events, op, e) < 0 ||
	    join_strings(c, o, "sources", w->sources, sizeof w->sources, op, e) < 0)
		return -1;
	return 0;
}

/* A growable array of fixed-size items. */
typedef struct {
	void *p;
	size_t n, cap, size;
} vec;

static void *vec_slot(vec *v)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 8;
		void *p = realloc(v->p, cap * v->size);
		if (!p)
			return NULL;
		v->p = p;
		v->cap = cap;
	}
	return (char *)v->p + v->n++ * v->size;
}

typedef int (*parse_fn)(ac_client *c, json_object *o, void *item, const char *op, err_t *e);

/* Adapters to the one signature read_array takes (no casts between function types). */
static int p_contact_list(ac_client *c, json_object *o, void *it, const char *op, err_t *e)
{
	return parse_contact_list(c, o, it, op, e);
}
static int p_list(ac_client *c, json_object *o, void *it, const char *op, err_t *e)
{
	return parse_list(c, o, it, op, e);
}
static int p_tag(ac_client *c, json_object *o, void *it, const char *op, err_t *e)
{
	return parse_tag(c, o, it, op, e);
}
static int p_contact_tag(ac_client *c, json_object *o, void *it, const char *op, err_t *e)
{
	return parse_contact_tag(c, o, it, op, e);
}
static int p_bounce(ac_client *c, json_object *o, void *it, const char *op, err_t *e)
{
	return parse_bounce(c, o, it, op, e);
}
static int p_webhook(ac_client *c, json_object *o, void *it, const char *op, err_t *e)
{
	return parse_webhook(c, o, it, op, e);
}

/* Reads array `key` of a response into v, parsing each member with fn. Returns the count read, or -1. */
static long read_array(ac_client *c, json_object *j, const char *key, vec *v, parse_fn fn, const char *op,
                       err_t *e)
{
	json_object *arr = json_get(j, key, json_type_array);
	if (!arr) {
		char what[96];
		snprintf(what, sizeof what, "no \"%s\" list", key);
		return bad(c, e, op, what);
	}
	size_t n = json_object_array_length(arr);
	for (size_t i = 0; i < n; i++) {
		void *slot = vec_slot(v);
		if (!slot)
			return http_fail(c->h, e, ERR_INTERNAL, op, "out of memory");
		if (fn(c, json_object_array_get_idx(arr, i), slot, op, e) < 0) {
			v->n--;
			return -1;
		}
	}
	return (long)n;
}

/* GETs path (which already has a '?' or not) page by page with limit/offset until a short page. */
static int get_all(ac_client *c, const char *path, const char *key, vec *v, parse_fn fn, err_t *e)
{
	char op[256], pq[1024];
	snprintf(op, sizeof op, "GET /api/3%.*s", (int)strcspn(path, "?"), path);
	for (long page = 0; page < MAX_PAGES; page++) {
		snprintf(pq, sizeof pq, "%s%climit=%d&offset=%ld", path, strchr(path, '?') ? '&' : '?', PAGE,
		         page * PAGE);
		json_object *j;
		size_t before = v->n;
		if (call(c, "GET", pq, NULL, op, &j, e) < 0)
			return -1;
		long got = read_array(c, j, key, v, fn, op, e);
		json_object_put(j);
		if (got < 0)
			return -1;
		/* Fewer than asked is the last page; more than asked is a server that ignores limit and
		 * sent everything at once (asking again would repeat it forever). */
		if (got != PAGE)
			return 0;
		/* Every item type starts with its id: a server that ignores offset repeats a page. */
		if (before >= PAGE && strcmp((const char *)v->p + before * v->size,
		                             (const char *)v->p + (before - PAGE) * v->size) == 0)
			return bad(c, e, op, "the same page twice (offset ignored)");
	}
	return bad(c, e, op, "more pages than any account has");
}

static int finish_vec(vec *v, int rc, void **out, size_t *n)
{
	if (rc < 0) {
		free(v->p);
		*out = NULL;
		*n = 0;
		return -1;
	}
	*out = v->p;
	*n = v->n;
	return 0;
}

/* --- the calls ------------------------------------------------------------------------------------ */

int ac_users_me(ac_client *c, char *username, size_t n, err_t *e)
{
	const char *op = "GET /api/3/users/me";
	json_object *j;
	if (call(c, "GET", "/users/me", NULL, op, &j, e) < 0)
		return -1;
	json_object *u = json_get(j, "user", json_type_object);
	int rc = 0;
	if (!u)
		rc = bad(c, e, op, "no \"user\" object");
	else if (json_get_str(u, "username", username, n) <= 0 && json_get_str(u, "email", username, n) <= 0)
		rc = bad(c, e, op, "the user has no username");
	json_object_put(j);
	return rc;
}

int ac_contact_by_email(ac_client *c, const char *email, ac_contact *out, int *found, err_t *e)
{
	const char *op = "GET /api/3/contacts";
	char enc[AC_EMAIL_MAX * 3], pq[AC_EMAIL_MAX * 3 + 64];
	*found = 0;
	if (!email || !*email || http_urlencode(email, enc, sizeof enc) < 0)
		return http_fail(c->h, e, ERR_USAGE, op, "bad email address");
	snprintf(pq, sizeof pq, "/contacts?email=%s", enc);
	json_object *j;
	if (call(c, "GET", pq, NULL, op, &j, e) < 0)
		return -1;
	int rc = 0;
	json_object *arr = json_get(j, "contacts", json_type_array);
	if (!arr) {
		rc = bad(c, e, op, "no \"contacts\" list");
	} else {
		/* The filter is an exact match in AC; compare again so a looser server cannot mislead us. */
		for (size_t i = 0; i < json_object_array_length(arr) && !*found; i++) {
			ac_contact ct;
			if ((rc = parse_contact(c, json_object_array_get_idx(arr, i), &ct, op, e)) < 0)
				break;
			if (strcasecmp(ct.email, email) == 0) {
				*out = ct;
				*found = 1;
			}
		}
	}
	json_object_put(j);
	return rc;
}

int ac_contact_get(ac_client *c, const char *id, ac_contact *out, int *found, err_t *e)
{
	const char *op = "GET /api/3/contacts/{id}";
	char pq[64];
	*found = 0;
	if (check_id(c, id, "contact", op, e) < 0)
		return -1;
	snprintf(pq, sizeof pq, "/contacts/%s", id);
	json_object *j;
	err_t le;
	if (call(c, "GET", pq, NULL, op, &j, &le) < 0) {
		if (le.kind == ERR_NOT_FOUND)
			return 0;
		if (e)
			*e = le;
		return -1;
	}
	json_object *o = json_get(j, "contact", json_type_object);
	int rc = o ? parse_contact(c, o, out, op, e) : bad(c, e, op, "no \"contact\" object");
	if (rc == 0)
		*found = 1;
	json_object_put(j);
	return rc;
}

/* Walks /contacts?<filter> in id order, 100 at a time. */
static int walk_contacts(ac_client *c, const char *filter, ac_contact_cb cb, void *ud, long *total, err_t *e)
{
	const char *op = "GET /api/3/contacts";
	char last[AC_ID_MAX] = "0", pq[1024];
	unsigned long long last_n = 0;
	if (total)
		*total = -1;
	c->walk_date_ms = 0;
	for (long page = 0; page < MAX_PAGES; page++) {
		snprintf(pq, sizeof pq, "/contacts?%s%sorders%%5Bid%%5D=ASC&id_greater=%s&limit=%d", filter,
		         *filter ? "&" : "", last, PAGE);
		json_object *j;
		if (call(c, "GET", pq, NULL, op, &j, e) < 0)
			return -1;
		if (page == 0)
			c->walk_date_ms = c->date_ms;
		json_object *arr = json_get(j, "contacts", json_type_array);
		if (!arr) {
			json_object_put(j);
			return bad(c, e, op, "no \"contacts\" list");
		}
		if (page == 0 && total) {
			json_object *meta = json_get(j, "meta", json_type_object);
			if (meta && json_get_long(meta, "total", total) < 0) {
				json_object_put(j);
				return bad(c, e, op, "meta.total is not a number");
			}
		}
		size_t n = json_object_array_length(arr);
		int rc = 0;
		for (size_t i = 0; i < n && rc == 0; i++) {
			ac_contact ct;
			if (parse_contact(c, json_object_array_get_idx(arr, i), &ct, op, e) < 0) {
				rc = -1;
				break;
			}
			/* Ascending ids are what makes id_greater paging complete; anything else would loop
			 * or skip. */
			unsigned long long id = strtoull(ct.id, NULL, 10);
			if (strspn(ct.id, "0123456789") != strlen(ct.id) || id <= last_n) {
				rc = bad(c, e, op, "contact ids not in ascending order");
				break;
			}
			last_n = id;
			snprintf(last, sizeof last, "%s", ct.id);
			rc = cb(&ct, ud, e);
		}
		json_object_put(j);
		if (rc < 0)
			return -1;
		if (rc > 0 || n < PAGE)
			return 0;
	}
	return bad(c, e, op, "more pages than any account has");
}

int ac_contacts_updated_since(ac_client *c, const char *since, ac_contact_cb cb, void *ud, long *total,
                              err_t *e)
{
	char filter[256] = "", enc[200];
	if (since && *since) {
		if (http_urlencode(since, enc, sizeof enc) < 0)
			return http_fail(c->h, e, ERR_USAGE, "GET /api/3/contacts",
			                 "bad updated_after value");
		snprintf(filter, sizeof filter, "filters%%5Bupdated_after%%5D=%s", enc);
	}
	return walk_contacts(c, filter, cb, ud, total, e);
}

int64_t ac_walk_date_ms(const ac_client *c)
{
	return c->walk_date_ms;
}

int ac_contacts_of_list(ac_client *c, const char *list_id, int status, ac_contact_cb cb, void *ud,
                        long *total, err_t *e)
{
	char filter[96];
	if (check_id(c, list_id, "list", "GET /api/3/contacts", e) < 0)
		return -1;
	snprintf(filter, sizeof filter, "listid=%s&status=%d", list_id, status);
	return walk_contacts(c, filter, cb, ud, total, e);
}

int ac_contacts_with_tag(ac_client *c, const char *tag_id, ac_contact_cb cb, void *ud, long *total, err_t *e)
{
	char filter[64];
	if (check_id(c, tag_id, "tag", "GET /api/3/contacts", e) < 0)
		return -1;
	snprintf(filter, sizeof filter, "tagid=%s", tag_id);
	return walk_contacts(c, filter, cb, ud, total, e);
}

int ac_contact_lists(ac_client *c, const char *contact_id, ac_contact_list **out, size_t *n, err_t *e)
{
	char path[64];
	vec v = {.size = sizeof(ac_contact_list)};
	if (check_id(c, contact_id, "contact", "GET /api/3/contacts/{id}/contactLists", e) < 0)
		return finish_vec(&v, -1, (void **)out, n);
	snprintf(path, sizeof path, "/contacts/%s/contactLists", contact_id);
	int rc = get_all(c, path, "contactLists", &v, p_contact_list, e);
	return finish_vec(&v, rc, (void **)out, n);
}

int ac_contact_list_set(ac_client *c, const char *contact_id, const char *list_id, int status, err_t *e)
{
	const char *op = "POST /api/3/contactLists";
	if (check_id(c, contact_id, "contact", op, e) < 0 || check_id(c, list_id, "list", op, e) < 0)
		return -1;
	if (status < 0 || status > 3)
		return http_fail(c->h, e, ERR_USAGE, op, "bad list status %d", status);
	char st[8];
	snprintf(st, sizeof st, "%d", status);
	json_object *body = json_object_new_object(), *cl = json_object_new_object();
	json_object_object_add(cl, "list", json_object_new_string(list_id));
	json_object_object_add(cl, "contact", json_object_new_string(contact_id));
	json_object_object_add(cl, "status", json_object_new_string(st));
	json_object_object_add(body, "contactList", cl);
	json_object *j;
	int rc = call(c, "POST", "/contactLists", body, op, &j, e);
	json_object_put(body);
	json_object_put(j);
	return rc;
}

int ac_lists(ac_client *c, ac_list **out, size_t *n, err_t *e)
{
	vec v = {.size = sizeof(ac_list)};
	int rc = get_all(c, "/lists", "lists", &v, p_list, e);
	return finish_vec(&v, rc, (void **)out, n);
}

int ac_tag_find(ac_client *c, const char *name, ac_tag *out, int *found, err_t *e)
{
	char enc[AC_NAME_MAX * 3], path[AC_NAME_MAX * 3 + 32];
	*found = 0;
	if (!name || !*name || http_urlencode(name, enc, sizeof enc) < 0)
		return http_fail(c->h, e, ERR_USAGE, "GET /api/3/tags", "bad tag name");
	/* filters[search][eq] asks for the exact name (AC v3 "List all tags"); the exact match is still
	 * checked here, in case an account answers with the "contains" search. */
	snprintf(path, sizeof path, "/tags?filters%%5Bsearch%%5D%%5Beq%%5D=%s&filters%%5Btag_type%%5D=contact", enc);
	vec v = {.size = sizeof(ac_tag)};
	int rc = get_all(c, path, "tags", &v, p_tag, e);
	for (size_t i = 0; rc == 0 && i < v.n && !*found; i++) {
		ac_tag *t = (ac_tag *)v.p + i;
		if (strcasecmp(t->tag, name) == 0) {
			*out = *t;
			*found = 1;
		}
	}
	free(v.p);
	return rc;
}

int ac_tag_create(ac_client *c, const char *name, const char *description, ac_tag *out, err_t *e)
{
	const char *op = "POST /api/3/tags";
	if (!name || !*name)
		return http_fail(c->h, e, ERR_USAGE, op, "empty tag name");
	json_object *body = json_object_new_object(), *t = json_object_new_object();
	json_object_object_add(t, "tag", json_object_new_string(name));
	json_object_object_add(t, "tagType", json_object_new_string("contact"));
	json_object_object_add(t, "description", json_object_new_string(description ? description : ""));
	json_object_object_add(body, "tag", t);
	json_object *j;
	int rc = call_opt(c, "POST", "/tags", body, op, 1, &j, e);
	json_object_put(body);
	if (rc == 0) {
		json_object *o = json_get(j, "tag", json_type_object);
		ac_tag tmp;
		rc = o ? parse_tag(c, o, out ? out : &tmp, op, e) : bad(c, e, op, "no \"tag\" object");
	}
	json_object_put(j);
	return rc;
}

int ac_tag_ensure(ac_client *c, const char *name, const char *description, ac_tag *out, int *created,
                  err_t *e)
{
	int found;
	if (created)
		*created = 0;
	/* A POST that timed out or got a 5xx may still have created the tag: look again before each
	 * new try, so a retry never makes a second tag of the same name. */
	for (int attempt = 0;; attempt++) {
		if (ac_tag_find(c, name, out, &found, e) < 0)
			return -1;
		if (found)
			return 0;
		err_t ce = {0};
		if (ac_tag_create(c, name, description, out, &ce) == 0) {
			if (created)
				*created = 1;
			return 0;
		}
		if (!err_is_transient(&ce) || attempt >= c->retries) {
			if (e)
				*e = ce;
			return -1;
		}
	}
}

int ac_contact_tags(ac_client *c, const char *contact_id, ac_contact_tag **out, size_t *n, err_t *e)
{
	char path[64];
	vec v = {.size = sizeof(ac_contact_tag)};
	if (check_id(c, contact_id, "contact", "GET /api/3/contacts/{id}/contactTags", e) < 0)
		return finish_vec(&v, -1, (void **)out, n);
	snprintf(path, sizeof path, "/contacts/%s/contactTags", contact_id);
	int rc = get_all(c, path, "contactTags", &v, p_contact_tag, e);
	return finish_vec(&v, rc, (void **)out, n);
}

int ac_contact_tag_add(ac_client *c, const char *contact_id, const char *tag_id, err_t *e)
{
	const char *op = "POST /api/3/contactTags";
	if (check_id(c, contact_id, "contact", op, e) < 0 || check_id(c, tag_id, "tag", op, e) < 0)
		return -1;
	json_object *body = json_object_new_object(), *t = json_object_new_object();
	json_object_object_add(t, "contact", json_object_new_string(contact_id));
	json_object_object_add(t, "tag", json_object_new_string(tag_id));
	json_object_object_add(body, "contactTag", t);
	/* One attempt at a time: after a timeout or a 5xx the tag may be on the contact already, so the
	 * contact's tags are read before the POST is sent again. */
	for (int attempt = 0;; attempt++) {
		json_object *j;
		err_t ce = {0};
		int rc = call_opt(c, "POST", "/contactTags", body, op, 1, &j, &ce);
		if (rc == 0 && !json_get(j, "contactTag", json_type_object))
			rc = bad(c, &ce, op, "no \"contactTag\" object");
		json_object_put(j);
		if (rc == 0 || !err_is_transient(&ce) || attempt >= c->retries) {
			json_object_put(body);
			if (rc < 0 && e)
				*e = ce;
			return rc;
		}
		ac_contact_tag *have = NULL;
		size_t nh = 0;
		if (ac_contact_tags(c, contact_id, &have, &nh, e) < 0) {
			json_object_put(body);
			return -1;
		}
		int there = 0;
		for (size_t i = 0; i < nh; i++)
			there |= strcmp(have[i].tag, tag_id) == 0;
		free(have);
		if (there) {
			json_object_put(body);
			return 0;
		}
	}
}

int ac_bounce_logs(ac_client *c, const char *contact_id, ac_bounce_log **out, size_t *n, err_t *e)
{
	char path[64];
	vec v = {.size = sizeof(ac_bounce_log)};
	if (check_id(c, contact_id, "contact", "GET /api/3/contacts/{id}/bounceLogs", e) < 0)
		return finish_vec(&v, -1, (void **)out, n);
	snprintf(path, sizeof path, "/contacts/%s/bounceLogs", contact_id);
	int rc = get_all(c, path, "bounceLogs", &v, p_bounce, e);
	return finish_vec(&v, rc, (void **)out, n);
}

int ac_contact_sync(ac_client *c, const char *email, const char *first_name, const char *last_name,
                    ac_contact *out, err_t *e)
{
	const char *op = "POST /api/3/contact/sync";
	if (!email || !*email || strlen(email) >= AC_EMAIL_MAX)
		return http_fail(c->h, e, ERR_USAGE, op, "bad email address");
	json_object *body = json_object_new_object(), *ct = json_object_new_object();
	json_object_object_add(ct, "email", json_object_new_string(email));
	if (first_name)
		json_object_object_add(ct, "firstName", json_object_new_string(first_name));
	if (last_name)
		json_object_object_add(ct, "lastName", json_object_new_string(last_name));
	json_object_object_add(body, "contact", ct);
	json_object *j;
	int rc = call(c, "POST", "/contact/sync", body, op, &j, e);
	json_object_put(body);
	if (rc == 0) {
		json_object *o = json_get(j, "contact", json_type_object);
		ac_contact tmp;
		rc =
		    o ? parse_contact(c, o, out ? out : &tmp, op, e) : bad(c, e, op, "no \"contact\" object");
	}
	json_object_put(j);
	return rc;
}

int ac_webhooks(ac_client *c, ac_webhook **out, size_t *n, err_t *e)
{
	vec v = {.size = sizeof(ac_webhook)};
	int rc = get_all(c, "/webhooks", "webhooks", &v, p_webhook, e);
	return finish_vec(&v, rc, (void **)out, n);
}

int ac_webhook_create(ac_client *c, const char *name, const char *url, const char *const *events,
                      const char *const *sources, const char *list_id, ac_webhook *out, err_t *e)
{
	const char *op = "POST /api/3/webhooks";
	if (!name || !*name || !url || !*url || !events || !events[0] || !sources || !sources[0])
		return http_fail(c->h, e, ERR_USAGE, op, "a webhook needs a name, a URL, events and sources");
	json_object *body = json_object_new_object(), *w = json_object_new_object();
	json_object *ev = json_object_new_array(), *src = json_object_new_array();
	for (const char *const *p = events; *p; p++)
		json_object_array_add(ev, json_object_new_string(*p));
	for (const char *const *p = sources; *p; p++)
		json_object_array_add(src, json_object_new_string(*p));
	json_object_object_add(w, "name", json_object_new_string(name));
	json_object_object_add(w, "url", json_object_new_string(url));
	json_object_object_add(w, "events", ev);
	json_object_object_add(w, "sources", src);
	if (list_id && *list_id && strcmp(list_id, "0") != 0) {
		if (check_id(c, list_id, "list", op, e) < 0) {
			json_object_put(body);
			json_object_put(w);
			return -1;
		}
		json_object_object_add(w, "listid", json_object_new_int64(strtoll(list_id, NULL, 10)));
	}
	json_object_object_add(body, "webhook", w);
	json_object *j;
	int rc = call(c, "POST", "/webhooks", body, op, &j, e);
	json_object_put(body);
	if (rc == 0) {
		json_object *o = json_get(j, "webhook", json_type_object);
		ac_webhook tmp;
		rc =
		    o ? parse_webhook(c, o, out ? out : &tmp, op, e) : bad(c, e, op, "no \"webhook\" object");
	}
	json_object_put(j);
	return rc;
}
