/* web.h - one dashboard request: the per-request struct every handler receives, the route table's
 * shape, and the helpers handlers use to answer. No request state lives in globals. */
#ifndef OPTSYNC_WEB_H
#define OPTSYNC_WEB_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "form.h"
#include "store.h"
#include "tpl.h"

#define WEB_BODY_CAP (64 * 1024)         /* larger request bodies get 413 before a byte is read */
#define WEB_IDLE_TIMEOUT (30 * 60)       /* seconds a session lives without a request */
#define WEB_ABSOLUTE_TIMEOUT (12 * 3600) /* seconds a session lives at most */
#define WEB_TOKEN_HEX 64                 /* session ids, CSRF tokens: 32 random bytes in hex */

/* Process-wide settings, read-only once the worker threads run. */
typedef struct {
	const char *db_path;
	const char *key_path;      /* NULL: secret.key beside the db */
	const char *rate_file;     /* shared AC rate-limit state for connect_ac; NULL: none */
	unsigned char pre_key[32]; /* signs the login form's token (no session exists yet) */
	size_t body_cap;
	long idle_timeout, absolute_timeout;
} web_app;

/* The signed-in person, filled from the session cookie before the route's checks run. */
typedef struct {
	int ok; /* a valid session came with the request */
	int64_t user_id;
	char name[128];
	char role[16];                /* "admin" | "viewer" */
	char csrf[WEB_TOKEN_HEX + 1]; /* the session's synchroniser token */
	char sid_hash[WEB_TOKEN_HEX + 1];
} web_user;

typedef struct web_req {
	const web_app *app;
	store *st;  /* this worker thread's own store handle */
	char **env; /* FastCGI parameters; valid only until the request finishes */

	/* The request, parsed by web_serve. */
	char method[8];  /* "GET", "POST", ... (HEAD is answered as GET without body) */
	int head;        /* 1 for HEAD */
	char path[1024]; /* the decoded path, without the query */
	form query;      /* the query string's pairs */
	form post;       /* the body's pairs (urlencoded POSTs) */
	char *body;      /* the raw body, NUL-terminated, exactly CONTENT_LENGTH bytes */
	size_t body_len;
	int secure; /* served over HTTPS (directly or per X-Forwarded-Proto) */
	web_user user;
	char pre_token[WEB_TOKEN_HEX + 1]; /* the login form's token, when this request made one */
	const struct web_route *route;

	/* The answer, written by web_send. */
	int status;
	const char *ctype; /* Content-Type; NULL: text/html; charset=utf-8 */
	buf headers;       /* extra header lines, each ending in \r\n */
	buf out;           /* the body */
	tpl_dict *tpl;     /* the page being built (see ui_shared.h) */
	int64_t started_ms;
} web_req;

/* What a route needs, checked once in web_serve before its handler runs. */
enum {
	NEED_LOGIN = 1 << 0,  /* a session (else GET redirects to /login, others get 403) */
	NEED_ADMIN = 1 << 1,  /* role admin (else 403); implies NEED_LOGIN */
	NO_CSRF = 1 << 2,     /* a POST that carries no CSRF token (the webhook: its secret is in the URL) */
	PRE_LOGIN = 1 << 3,   /* a POST made before a session exists: checked against the login form token */
	PREFIX = 1 << 4,      /* the path matches as a prefix ("/hooks/activecampaign/") */
	NEED_METRICS = 1 << 5 /* a session, or a request from this machine (Prometheus on loopback) */
};

enum { M_GET = 1, M_POST = 2 };

typedef int (*web_handler)(web_req *r);

typedef struct web_route {
	const char *path;
	unsigned methods; /* M_GET (HEAD included) | M_POST */
	unsigned needs;   /* NEED_* flags */
	web_handler handler;
} web_route;

/* The route table (routes.c), ending with a {NULL} row. */
extern const web_route web_routes[];
/* The page an error answer gets (routes.c names it beside the routes, so web.c, below the pages,
 * never calls a page by name); -1 leaves web_error to answer in plain text. */
extern int (*const web_error_page)(web_req *r, int status, const char *msg);

/* Finds the route for method and path. Returns it, or NULL with *status 404 (no such path) or 405
 * (the path exists for another method; allow then names the methods). */
const web_route *web_route_find(const char *method, const char *path, int *status, char *allow, size_t n);

/* Sets up r for one request (env: the FastCGI parameters). */
void web_req_init(web_req *r, const web_app *app, store *st, char **env);
void web_req_free(web_req *r);

/* A FastCGI parameter (REQUEST_METHOD, HTTP_COOKIE, ...) or NULL. */
const char *web_env(const web_req *r, const char *name);

/* Runs the request: parses it, finds the route, enforces the route's needs, reads the body through
 * read_body (exactly CONTENT_LENGTH bytes, capped) and calls the handler. Leaves the answer in r. */
typedef long (*web_reader)(void *ctx, char *dst, size_t n); /* bytes read, 0 at EOF, -1 on error */
void web_serve(web_req *r, web_reader read_body, void *ctx);

/* Writes the status line, the security headers, r->headers and r->out through write. */
typedef int (*web_writer)(void *ctx, const char *p, size_t n);
int web_send(web_req *r, web_writer write, void *ctx);

/* Answer helpers: all return the status they set, so a handler can `return web_redirect(r, "/")`. */
/* 1 when p is a path on this site that no browser can read as another host. */
int web_local_path_ok(const char *p);
int web_redirect(web_req *r, const char *location); /* 303 See Other */
int web_text(web_req *r, int status, const char *ctype, const char *body);
int web_error(web_req *r, int status, const char *msg); /* an HTML error page with msg */
void web_header(web_req *r, const char *name, const char *value);

/* A value from the query (GET) or the form body (POST), or NULL. */
const char *web_arg(const web_req *r, const char *key);

/* The path as it may be logged: under /hooks/ everything after the receiver's name is replaced by
 * "[secret]" (the webhook URL's last segment is its credential). */
void web_path_for_log(const char *path, char *out, size_t n);

/* Logs one line to stderr (the stack's log file) with time, method and path. */
void web_log(const web_req *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* This site's origin as the browser sees it ("http://127.0.0.1:8080"); "" without a Host. */
void web_origin(const web_req *r, char *out, size_t n);

/* 1 when the request comes from this machine (REMOTE_ADDR loopback). */
int web_from_loopback(const web_req *r);

#endif
