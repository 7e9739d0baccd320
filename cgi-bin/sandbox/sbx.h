/* sbx.h - the sandbox: shared request/response types, the app context and the route-handler contract. */
#ifndef SBX_H
#define SBX_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>
#include <sqlite3.h>

#include "err.h"

/* Fixed demo credentials; each can be changed with a knob of the same name. */
#define SBX_AC_KEY_DEFAULT "sandbox-ac-key"
#define SBX_SF_CLIENT_ID_DEFAULT "sandbox-client-id"
#define SBX_SF_CLIENT_SECRET_DEFAULT "sandbox-client-secret"

#define SBX_BODY_MAX (2L * 1024 * 1024) /* JSON and form bodies */
#define SBX_CSV_MAX (32L * 1024 * 1024) /* Bulk API CSV uploads */
#define SBX_URI_MAX 16384               /* request line, query string */
#define SBX_SF_DEFAULT_VERSION "v62.0"

/* Which emulated system a request belongs to; drives error style, stats and fault injection. */
typedef enum {
	SBX_SYS_NONE = 0,
	SBX_SYS_AC,
	SBX_SYS_SF_AUTH,
	SBX_SYS_SF,
	SBX_SYS_CONTROL,
	SBX_SYS_CONSOLE
} sbx_system;

/* Per-process state: one SQLite handle, the paths, the in-memory rate window. */
typedef struct sbx_app {
	sqlite3 *db;
	char db_path[1024];
	uint64_t rng; /* fault-injection PRNG (not the seed PRNG) */
	/* AC arrivals in the last seconds: ms timestamps and whether each was let in. */
	int64_t ac_ts[256];
	unsigned char ac_ok[256];
	unsigned ac_head, ac_count;
	int listen_fd; /* the FastCGI socket: a long poll gives way when a request waits on it */
} sbx_app;

/* Growable byte buffer for response bodies and small string building. */
typedef struct {
	char *p;
	size_t len, cap;
	int oom;
} sbx_buf;

void sbx_buf_put(sbx_buf *b, const char *s, size_t n);
void sbx_buf_puts(sbx_buf *b, const char *s);
void sbx_buf_printf(sbx_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sbx_buf_free(sbx_buf *b);

/* One request as the handlers see it, plus the response they fill in. */
typedef struct sbx_req {
	sbx_app *app;
	sbx_system sys;
	const char *method;
	char path[SBX_URI_MAX];      /* path after the /sandbox prefix, no query */
	char full_path[SBX_URI_MAX]; /* path as received */
	const char *query;           /* raw query string, may be "" */
	const char *content_type;
	char base[512]; /* public base, e.g. http://127.0.0.1:8080/sandbox */
	char *body;     /* NUL-terminated request body */
	size_t body_len;
	int64_t now_ms; /* sandbox clock (with the clock_skew_s knob) */
	char **envp;
	/* route captures, e.g. the {id} in /contacts/{id} */
	char cap[4][256];
	int ncap;
	int64_t id;          /* the first capture as a number, set by the checks of the routes with an id */
	char sf_version[16]; /* "v62.0" for SF data routes */
	/* response */
	int status;
	const char *ctype;
	sbx_buf hdr; /* extra header lines, each ending in \r\n */
	sbx_buf out;
	int no_inject;       /* response must not be mangled (errors made by the injector itself) */
	int64_t oversize;    /* write an oversized body of this many bytes instead of out */
	int deliveries;      /* webhook deliveries queued by this request */
	int hold_webhooks;   /* list changes queue no webhook of their own (one is sent for them all) */
	int wait_deliveries; /* control: wait for those before answering */
} sbx_req;

/* ---- request helpers (req.c) ---- */
const char *sbx_req_env(const sbx_req *r, const char *name);
/* Value of a query parameter (decoded, + as space) into out; returns 1 if present. */
int sbx_req_query(const sbx_req *r, const char *name, char *out, size_t outsz);
/* Same for a form-encoded body. */
int sbx_req_form(const sbx_req *r, const char *name, char *out, size_t outsz);
/* Generic: look up name in an &-separated encoded string. */
int sbx_form_get(const char *enc, const char *name, char *out, size_t outsz);
/* Percent-decodes src into dst (plus_space: '+' becomes ' '); returns -1 on bad escapes or overflow. */
int sbx_url_decode(const char *src, size_t n, char *dst, size_t dstsz, int plus_space);
/* Appends the form-urlencoded form of s to b. */
void sbx_url_encode(sbx_buf *b, const char *s);
/* Parses the body as a JSON object; returns NULL and answers 400 in the system's style on failure. */
json_object *sbx_req_json_body(sbx_req *r);

/* ---- response helpers (req.c) ---- */
void sbx_resp_header(sbx_req *r, const char *name, const char *value);
/* Takes ownership of o. */
void sbx_resp_json(sbx_req *r, int status, json_object *o);
void sbx_resp_text(sbx_req *r, int status, const char *ctype, const char *text);
/* An error in the style of the request's system (AC {"message"}, SF [{"message","errorCode"}], control
 * {"error"}). */
void sbx_resp_error(sbx_req *r, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void sbx_resp_redirect(sbx_req *r, int status, const char *location);
const char *sbx_http_reason(int status);

/* ---- json helpers (req.c) ---- */
json_object *sbx_jstr(const char *s); /* NULL -> json null */
json_object *sbx_jstrf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
json_object *sbx_jint(int64_t v);
json_object *sbx_jbool(int v);
/* Reads a string or integer member as text; returns 1 if present and usable. */
int sbx_jget_text(json_object *o, const char *key, char *out, size_t outsz);
/* Reads an int from an int, or from a string of digits; returns 1 if present and valid. */
int sbx_jget_int(json_object *o, const char *key, int64_t *out);
json_object *sbx_jcol_text(sqlite3_stmt *st, int col); /* column as json string or null */

/* ---- time (util.c) ---- */
int64_t sbx_now_ms(void); /* wall clock plus clock_skew_s */
/* AC style local time with offset: 2026-11-26T09:15:00-06:00 */
void sbx_fmt_ac_time(int64_t ms, char *out, size_t n);
/* AC style local "YYYY-MM-DD HH:MM:SS" (offset_min from the knob) or UTC when utc=1 */
void sbx_fmt_ac_plain(int64_t ms, int utc, char *out, size_t n);
/* SF style: 2026-11-26T15:04:05.000+0000 */
void sbx_fmt_sf_time(int64_t ms, char *out, size_t n);
/* ISO 8601 date or date-time; default_offset_min used when no zone is given. Returns 0 on success. */
int sbx_parse_iso_time(const char *s, int default_offset_min, int64_t *ms_out);

/* ---- ids, randomness (util.c) ---- */
/* Salesforce 18-char id from a 3-char prefix and a serial number. */
void sbx_sf_make_id(const char *prefix, int64_t serial, char out[19]);
/* Normalises a 15- or 18-char id to the canonical 18-char form; returns 0 if well-formed. */
int sbx_sf_norm_id(const char *in, char out[19]);
void sbx_rand_token(char *out, size_t len, const char *alphabet);
uint64_t sbx_fault_rand(sbx_app *app);
double sbx_fault_rand01(sbx_app *app);
int sbx_ieq(const char *a, const char *b);               /* ASCII case-insensitive equality */
void sbx_str_copy(char *dst, size_t n, const char *src); /* bounded copy, always terminated */
void sbx_lower_trim(const char *in, char *out, size_t n);
void sbx_html_escape(sbx_buf *b, const char *s);

/* ---- db (db.c) ---- */
int sbx_db_open(sbx_app *app, const char *path, err_t *e);
void sbx_db_close(sbx_app *app);
int sbx_db_exec(sqlite3 *db, const char *sql, err_t *e);
sqlite3_stmt *sbx_db_prep(sqlite3 *db, const char *sql);
int64_t sbx_db_int(sqlite3 *db, const char *sql, int64_t dflt); /* single integer result */
void sbx_counter_add(sqlite3 *db, const char *name, int64_t n);
int64_t sbx_counter_get(sqlite3 *db, const char *name);
void sbx_counter_set(sqlite3 *db, const char *name, int64_t n);
int sbx_meta_get(sqlite3 *db, const char *key, char **out); /* malloc'd */
void sbx_meta_set(sqlite3 *db, const char *key, const char *value);
int64_t sbx_db_next_serial(sqlite3 *db, const char *name);

/* ---- knobs (knobs.c) ---- */
int sbx_knobs_load(sqlite3 *db);
json_object *sbx_knobs_get_all(void); /* borrowed */
int64_t sbx_knob_int(const char *name);
double sbx_knob_num(const char *name);
const char *sbx_knob_str(const char *name);  /* NULL when null */
json_object *sbx_knob_obj(const char *name); /* borrowed, may be NULL */
/* Merges a JSON object of knob values (null = default); returns -1 with a message on a bad key or value. */
int sbx_knobs_update(sqlite3 *db, json_object *in, char *msg, size_t msgsz);
void sbx_knobs_reset(sqlite3 *db);
void sbx_knob_set_json(sqlite3 *db, const char *name, json_object *v); /* takes ownership */
/* Knob table for the console form: name, type letter, help. NULL name ends it. */
typedef struct {
	const char *name;
	char type; /* b bool, i int, n number, s string, t target, j json */
	const char *help;
} sbx_knob_info;
const sbx_knob_info *sbx_knobs_info(void);
const char *sbx_knob_default(const char *name); /* JSON text of the default, NULL if unknown */

/* ---- seed (seed.c) ---- */
int sbx_seed_reset(sbx_app *app, uint64_t seed, int people, err_t *e);
/* After sbx_seed_reset: Person Accounts on, and some seeded Contacts made person accounts. */
int sbx_seed_person_accounts(sbx_app *app, err_t *e);
int sbx_schema_wipe(sqlite3 *db, err_t *e);

/* ---- stats (stats.c) ---- */
/* Records an arrival; for AC returns 1 if it is within the rate limit, 0 if it must get a 429
 * (retry_after set to the seconds until a slot frees). */
int sbx_stats_arrival(sbx_req *r, int *retry_after);
void sbx_stats_finish(sbx_req *r, int64_t dur_ms);
json_object *sbx_stats_json(sqlite3 *db);
void sbx_stats_reset(sbx_app *app);

/* ---- fault injection (inject.c) ---- */
/* Sleeps latency_ms if it applies (call outside any transaction). */
void sbx_inject_latency(sbx_req *r);
/* Rate limit, forced status, random errors; returns 1 if the request has been answered. */
int sbx_inject_before(sbx_req *r);
/* Mangles or blows up the answer when malformed/oversized apply. */
void sbx_inject_after(sbx_req *r);

/* ---- routing (route.c) ---- */
typedef void (*sbx_handler)(sbx_req *r);
void sbx_route_dispatch(sbx_req *r);
sbx_system sbx_route_classify(const char *path); /* path after the /sandbox prefix */
/* Matches path against a pattern like "contacts/{}/contactLists" (one trailing slash allowed),
 * filling r->cap; returns 1 on a match. */
int sbx_path_match(sbx_req *r, const char *pattern, const char *path);
/* 1 when the request's method is method; HEAD counts as GET (main.c sends no body for it). */
int sbx_method_is(const sbx_req *r, const char *method);
/* A positive decimal id (AC's ids, the sandbox's serials); returns 1 and sets *out when s is one. */
int sbx_parse_id(const char *s, int64_t *out);

/* Methods of a route row. SBX_READ is GET plus HEAD answered as GET; SBX_ANY includes methods the
 * sandbox has no name for, for endpoints that judge the method themselves. */
enum {
	SBX_GET = 1,
	SBX_HEAD = 2,
	SBX_POST = 4,
	SBX_PUT = 8,
	SBX_PATCH = 16,
	SBX_DELETE = 32,
	SBX_OTHER = 64,
	SBX_READ = SBX_GET | SBX_HEAD,
	SBX_ANY = 127,
};
/* Validates a row's captures (into r->id or r->cap) before its handler; returns 1 to go on, 0
 * once it has answered (the resource's own "not found"). */
typedef int (*sbx_check)(sbx_req *r);
/* Row flags. SBX_CHECK_FIRST: check before the method is looked at, for the resources that
 * refuse a bad id whatever the method (AC's contacts and webhooks, SF's bulk jobs). */
enum { SBX_CHECK_FIRST = 1 };

/* One row of a router's table: method + path pattern -> handler, declared once per router. */
typedef struct {
	const char *pattern; /* see sbx_path_match */
	unsigned methods;
	sbx_handler handler;
	sbx_check check; /* NULL: nothing to check */
	unsigned flags;
} sbx_route;

typedef enum { SBX_ROUTE_DONE, SBX_ROUTE_NO_METHOD, SBX_ROUTE_NO_PATH } sbx_route_result;
/* Runs the row of table (ended by a NULL pattern) for path and the request's method. The first
 * pattern that matches path owns it: only the rows with that same pattern are tried for the method.
 * NO_METHOD: the path is known under other methods only; NO_PATH: no pattern matched. Either way nothing has
 * been answered: the caller answers 405 or 404 in its system's style. */
sbx_route_result sbx_route_run(sbx_req *r, const sbx_route *table, const char *path);

/* ActiveCampaign (ac*.c; what only they share is in sbx_ac.h) */
int sbx_ac_auth_ok(sbx_req *r);
void sbx_ac_route(sbx_req *r);
json_object *sbx_ac_contact_json(sbx_req *r, sqlite3_stmt *st);
int sbx_ac_contact_by_email(sqlite3 *db, const char *email); /* id or 0 */
int64_t sbx_ac_touch_contact(sqlite3 *db, int64_t id, int64_t ms);
/* Sets a list status, records udates and queues the webhook if one wants it; returns 1 if it changed. */
int sbx_ac_set_list_status(sbx_req *r, int64_t contact, int64_t list, int status, const char *source,
                           const char *reason, int64_t at_ms);
void sbx_ac_contact_lists_json(sbx_req *r, int64_t contact, json_object *arr);

/* Salesforce (sf_oauth.c, sf_data.c, sf_bulk.c, soql.c) */
void sbx_sf_oauth_route(sbx_req *r);
void sbx_sf_data_route(sbx_req *r);
void sbx_sf_bulk_route(sbx_req *r);
int sbx_sf_auth_ok(sbx_req *r);
/* Applies one field update with history and modstamp; returns 0 or fills code/msg. */
int sbx_sf_update_optout(sbx_req *r, const char *id, int value, int64_t at_ms);
int sbx_sf_check_record_faults(sbx_req *r, const char *id, char *code, size_t codesz, char *msg,
                               size_t msgsz);
void sbx_sf_record_state_json(sqlite3 *db, const char *email_lc, json_object *arr);

/* Streaming API (sf_stream.c): the cometd endpoint, PushTopic creation, and the change event a
 * box change of a Contact or Lead emits on its channels. */
void sbx_sf_stream_route(sbx_req *r);
void sbx_sf_pushtopic_create(sbx_req *r);
void sbx_stream_emit(sbx_req *r, const char *object, const char *id, const char *person_contact, int value,
                     int64_t at_ms);

/* SOQL: runs q and writes a query response (first page) into r. */
void sbx_soql_run(sbx_req *r, const char *q, int all_rows);
void sbx_soql_next_page(sbx_req *r, const char *locator);

/* control + events (control.c, events.c) */
void sbx_control_route(sbx_req *r);
/* guard.c: 1 when a control request may go on (loopback Host, same-origin POST); else answered. */
int sbx_control_allowed(sbx_req *r);
/* Fires a person's action; returns -1 with a message on bad input. */
int sbx_event_fire(sbx_req *r, json_object *ev, json_object *result, char *msg, size_t msgsz);
int sbx_people_apply(sbx_req *r, json_object *in, json_object *result, char *msg, size_t msgsz);
json_object *sbx_person_state(sbx_req *r, const char *email);

/* webhooks (webhook.c) */
/* Queues an AC webhook of the given event type for a contact; returns the count queued. */
int sbx_webhook_queue(sbx_req *r, const char *type, int64_t contact, int64_t list, const char *source,
                      int64_t at_ms, const char *extra_form);
int sbx_webhook_start(const char *db_path);
void sbx_webhook_kick(void);
void sbx_webhook_stop(void);
/* Waits (up to ms) until no delivery is pending. */
void sbx_webhook_wait_idle(sqlite3 *db, int ms);

/* console (console.c) */
void sbx_console_route(sbx_req *r);

#endif
