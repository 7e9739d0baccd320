/* web.c - the life of one request: parse, route, enforce the route's needs once, call the handler,
 * and write the answer with the security headers every response carries. */
#include "web.h"

#include "logline.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cookie.h"
#include "csrf.h"
#include "hosts.h"
#include "store_web.h"
#include "timefmt.h"

void web_req_init(web_req *r, const web_app *app, store *st, char **env)
{
	memset(r, 0, sizeof *r);
	r->app = app;
	r->st = st;
	r->env = env;
	r->status = 200;
	r->started_ms = timefmt_now_ms();
}

void web_req_free(web_req *r)
{
	form_free(&r->query);
	form_free(&r->post);
	free(r->body);
	r->body = NULL;
	buf_free(&r->headers);
	buf_free(&r->out);
	if (r->tpl) {
		tpl_free(r->tpl);
		r->tpl = NULL;
	}
	/* The session's secrets do not outlive the request in this thread's stack. */
	memset(&r->user, 0, sizeof r->user);
}

const char *web_env(const web_req *r, const char *name)
{
	if (!r->env)
		return NULL;
	size_t n = strlen(name);
	for (char **p = r->env; *p; p++)
		if (strncmp(*p, name, n) == 0 && (*p)[n] == '=')
			return *p + n + 1;
	return NULL;
}

const char *web_arg(const web_req *r, const char *key)
{
	const char *v = NULL;
	if (strcmp(r->method, "POST") == 0)
		v = form_get(&r->post, key);
	return v ? v : form_get(&r->query, key);
}

void web_path_for_log(const char *path, char *out, size_t n)
{
	if (strncmp(path, "/hooks/", 7) != 0) {
		snprintf(out, n, "%s", path);
		return;
	}
	const char *slash = strchr(path + 7, '/');
	if (!slash || !slash[1])
		snprintf(out, n, "%s", path);
	else
		snprintf(out, n, "%.*s[secret]", (int)(slash + 1 - path), path);
}

void web_log(const web_req *r, const char *fmt, ...)
{
	char msg[1024], path[1100];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	web_path_for_log(r->path[0] ? r->path : "-", path, sizeof path);
	logline(LOGLINE_INFO, "optsync.fcgi", "%s %s: %s", r->method[0] ? r->method : "-", path, msg);
}

void web_origin(const web_req *r, char *out, size_t n)
{
	const char *xfp = web_env(r, "HTTP_X_FORWARDED_PROTO");
	csrf_self_origin(web_env(r, "HTTP_HOST"), web_env(r, "SERVER_PORT"), r->secure,
	                 xfp && strcasecmp(xfp, "https") == 0, out, n);
}

int web_from_loopback(const web_req *r)
{
	const char *a = web_env(r, "REMOTE_ADDR");
	if (!a)
		return 0;
	struct in_addr v4;
	struct in6_addr v6;
	if (inet_pton(AF_INET, a, &v4) == 1)
		return (ntohl(v4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, a, &v6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&v6);
	return 0;
}

void web_header(web_req *r, const char *name, const char *value)
{
	/* A header value never carries a line break: that would split the response. */
	if (strpbrk(name, "\r\n:") || strpbrk(value, "\r\n"))
		return;
	buf_printf(&r->headers, "%s: %s\r\n", name, value);
}

int web_local_path_ok(const char *p)
{
	/* A path on this site: "/x", never "//host" or "/\\host". Browsers drop tabs and line breaks
	 * anywhere in a URL ("/\t/evil" becomes "//evil") and read "\\" as "/", so none may appear. */
	if (!p || p[0] != '/' || p[1] == '/' || strlen(p) > 500)
		return 0;
	for (const unsigned char *c = (const unsigned char *)p; *c; c++)
		if (*c < 0x20 || *c == 0x7f || *c == '\\')
			return 0;
	return 1;
}

int web_redirect(web_req *r, const char *location)
{
	/* Only local paths: a redirect target never leaves this site. */
	if (!web_local_path_ok(location))
		location = "/";
	web_header(r, "Location", location);
	r->status = 303;
	buf_reset(&r->out);
	return 303;
}

int web_text(web_req *r, int status, const char *ctype, const char *body)
{
	r->status = status;
	r->ctype = ctype;
	buf_reset(&r->out);
	buf_puts(&r->out, body);
	return status;
}

int web_error(web_req *r, int status, const char *msg)
{
	r->status = status;
	buf_reset(&r->out);
	if (web_error_page(r, status, msg) < 0) {
		r->ctype = "text/plain; charset=utf-8";
		buf_reset(&r->out);
		buf_printf(&r->out, "%d %s\n", status, msg);
	}
	return status;
}

const web_route *web_route_find(const char *method, const char *path, int *status, char *allow, size_t n)
{
	unsigned want = strcmp(method, "GET") == 0 ? M_GET : strcmp(method, "POST") == 0 ? M_POST : 0;
	unsigned seen = 0;
	for (const web_route *rt = web_routes; rt->path; rt++) {
		size_t pl = strlen(rt->path);
		int match = (rt->needs & PREFIX) ? strncmp(path, rt->path, pl) == 0 && path[pl] != '\0'
		                                 : strcmp(path, rt->path) == 0;
		if (!match)
			continue;
		if (rt->methods & want)
			return rt;
		seen |= rt->methods;
	}
	if (!seen) {
		*status = 404;
		if (n)
			allow[0] = '\0';
		return NULL;
	}
	*status = 405;
	snprintf(allow, n, "%s%s%s", (seen & M_GET) ? "GET, HEAD" : "",
	         (seen & M_GET) && (seen & M_POST) ? ", " : "", (seen & M_POST) ? "POST" : "");
	return NULL;
}

/* Reads the session cookie and fills r->user when it names a live session. */
static void load_session(web_req *r)
{
	char sid[WEB_TOKEN_HEX + 8];
	if (!cookie_get(web_env(r, "HTTP_COOKIE"), cookie_session_name(r->secure), sid, sizeof sid) ||
	    strlen(sid) != WEB_TOKEN_HEX)
		return;
	store_web_session s;
	err_t e = {0};
	char h[WEB_TOKEN_HEX + 1];
	csrf_hash(sid, h);
	int rc = store_web_session_get(r->st, h, (int64_t)time(NULL), r->app->idle_timeout,
	                               r->app->absolute_timeout, &s, &e);
	if (rc < 0)
		web_log(r, "session lookup failed: %s", e.msg);
	if (rc != 1)
		return;
	r->user.ok = 1;
	r->user.user_id = s.user_id;
	snprintf(r->user.name, sizeof r->user.name, "%s", s.name);
	snprintf(r->user.role, sizeof r->user.role, "%s", s.role);
	snprintf(r->user.csrf, sizeof r->user.csrf, "%s", s.csrf);
	snprintf(r->user.sid_hash, sizeof r->user.sid_hash, "%s", h);
	memset(sid, 0, sizeof sid);
}

/* Reads exactly CONTENT_LENGTH bytes; returns 0 or the HTTP status to answer with. */
static int read_body(web_req *r, web_reader rd, void *ctx)
{
	const char *cl = web_env(r, "CONTENT_LENGTH");
	unsigned long long len = 0;
	if (cl && *cl) {
		for (const char *p = cl; *p; p++)
			if (!isdigit((unsigned char)*p))
				return 400;
		errno = 0;
		len = strtoull(cl, NULL, 10);
		if (errno)
			return 413;
	}
	if (len > r->app->body_cap)
		return 413;
	r->body = malloc((size_t)len + 1);
	if (!r->body)
		return 500;
	size_t got = 0;
	while (got < len) {
		long n = rd ? rd(ctx, r->body + got, (size_t)len - got) : 0;
		if (n <= 0)
			return 400; /* the client sent less than it announced */
		got += (size_t)n;
	}
	r->body[got] = '\0';
	r->body_len = got;
	if (memchr(r->body, '\0', got))
		return 400;
	return 0;
}

static int is_form(const char *ctype)
{
	if (!ctype)
		return 0;
	size_t n = strlen("application/x-www-form-urlencoded");
	return strncasecmp(ctype, "application/x-www-form-urlencoded", n) == 0 &&
	       (ctype[n] == '\0' || ctype[n] == ';');
}

/* The one place the route table's needs are enforced. Returns 0 to run the handler, or a status. */
static int enforce(web_req *r, const web_route *rt, web_reader rd, void *ctx)
{
	unsigned needs = rt->needs;
	if (needs & NEED_ADMIN)
		needs |= NEED_LOGIN;
	int post = strcmp(r->method, "POST") == 0;

	if ((needs & NEED_LOGIN) && !r->user.ok) {
		if (post)
			return web_error(r, 403, "Sign in first: your session has ended or never began.");
		char next[1200], loc[1300];
		form_encode(r->path, next, sizeof next);
		snprintf(loc, sizeof loc, "/login?next=%s", next);
		return web_redirect(r, loc);
	}
	if ((needs & NEED_ADMIN) && strcmp(r->user.role, "admin") != 0)
		return web_error(r, 403,
		                 "Your account can look but not change anything: ask an administrator.");
	if ((needs & NEED_METRICS) && !r->user.ok && !web_from_loopback(r))
		return web_error(r, 403, "Metrics are served to signed-in users and to this machine only.");

	if (!post)
		return 0;
	int st = read_body(r, rd, ctx);
	if (st == 413)
		return web_error(r, 413, "The request body is larger than this dashboard accepts.");
	if (st)
		return web_error(
		    r, st, st == 400 ? "The request body is incomplete or malformed." : "Out of memory.");
	if (r->body_len > 0) {
		if (!is_form(web_env(r, "CONTENT_TYPE")))
			return web_error(r, 415, "Send forms as application/x-www-form-urlencoded.");
		if (form_parse(&r->post, r->body, r->body_len) < 0)
			return web_error(r, 400,
			                 "The form is malformed (a bad %-escape or too many fields).");
	}
	if (needs & NO_CSRF)
		return 0;

	char why[512], self[600];
	web_origin(r, self, sizeof self);
	if (!csrf_origin_ok(web_env(r, "HTTP_SEC_FETCH_SITE"), web_env(r, "HTTP_ORIGIN"), self, why,
	                    sizeof why)) {
		web_log(r, "refused cross-site POST: %s", why);
		return web_error(r, 403, "This form was not sent from this dashboard.");
	}
	const char *tok = form_get(&r->post, "csrf");
	if (r->user.ok) {
		if (csrf_equal(tok, r->user.csrf))
			return 0;
	} else if (needs & PRE_LOGIN) {
		char c[WEB_TOKEN_HEX + 8], want[WEB_TOKEN_HEX + 1];
		if (cookie_get(web_env(r, "HTTP_COOKIE"), cookie_pre_name(r->secure), c, sizeof c) &&
		    strlen(c) == WEB_TOKEN_HEX) {
			csrf_pre_sign(r->app->pre_key, c, want);
			if (csrf_equal(tok, want))
				return 0;
		}
	}
	web_log(r, "refused POST without a valid CSRF token");
	return web_error(
	    r, 403, "The form's security token is missing or out of date: reload the page and try again.");
}

static int parse_request(web_req *r)
{
	const char *m = web_env(r, "REQUEST_METHOD");
	if (!m || !*m || strlen(m) >= sizeof r->method)
		return 400;
	snprintf(r->method, sizeof r->method, "%s", m);
	if (strcmp(r->method, "HEAD") == 0) {
		r->head = 1;
		snprintf(r->method, sizeof r->method, "GET");
	}
	const char *uri = web_env(r, "REQUEST_URI");
	if (!uri || !*uri)
		uri = web_env(r, "DOCUMENT_URI");
	if (!uri || uri[0] != '/')
		return 400;
	size_t plen = strcspn(uri, "?#");
	if (form_unescape(uri, plen, r->path, sizeof r->path, 0) < 0)
		return 400;
	const char *q = web_env(r, "QUERY_STRING");
	if (q && *q && form_parse(&r->query, q, strlen(q)) < 0)
		return 400;
	const char *https = web_env(r, "HTTPS"), *xfp = web_env(r, "HTTP_X_FORWARDED_PROTO");
	r->secure =
	    (https && *https && strcasecmp(https, "off") != 0) || (xfp && strcasecmp(xfp, "https") == 0);
	return 0;
}

/* 1 when the Host header names this dashboard (see hosts.h). Loopback names are answered without
 * reading the store, so /healthz on 127.0.0.1 still touches no database. */
static int host_ok(web_req *r)
{
	const char *host = web_env(r, "HTTP_HOST");
	char name[300], pub[600], more[600];
	if (hosts_name(host, name, sizeof name) < 0)
		return 0;
	if (hosts_is_loopback(name))
		return 1;
	err_t e = {0};
	if (store_setting_get(r->st, "public_url", pub, sizeof pub, "", &e) < 0 ||
	    store_setting_get(r->st, "allowed_hosts", more, sizeof more, "", &e) < 0) {
		web_log(r, "host check: %s", e.msg);
		return 0;
	}
	return hosts_allowed(host, pub, more);
}

void web_serve(web_req *r, web_reader rd, void *ctx)
{
	int st = parse_request(r);
	if (st) {
		web_error(r, st, "The request line is malformed.");
		return;
	}
	/* Before any route: a page reached through a name this dashboard was not given (DNS
	 * rebinding) would otherwise pass the Origin check, which is built from Host. */
	if (!host_ok(r)) {
		web_log(r, "refused Host %.100s",
		        web_env(r, "HTTP_HOST") ? web_env(r, "HTTP_HOST") : "(none)");
		web_text(r, 421, "text/plain; charset=utf-8",
		         "421 this dashboard does not answer to that host name (see allowed_hosts)\n");
		return;
	}
	char allow[32];
	const web_route *rt = web_route_find(r->method, r->path, &st, allow, sizeof allow);
	if (!rt) {
		if (st == 405)
			web_header(r, "Allow", allow);
		web_error(r, st,
		          st == 404 ? "There is no such page." : "This page does not accept that method.");
		return;
	}
	r->route = rt;
	load_session(r);
	st = enforce(r, rt, rd, ctx);
	if (st)
		return;
	st = rt->handler(r);
	if (st <= 0)
		st = 500;
	r->status = st;
	if (r->out.len == 0 && st >= 400)
		web_error(r, st,
		          st == 500 ? "Something went wrong on our side; the log has the details."
		                    : "Refused.");
}

static const char *reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 201:
		return "Created";
	case 202:
		return "Accepted";
	case 204:
		return "No Content";
	case 303:
		return "See Other";
	case 304:
		return "Not Modified";
	case 400:
		return "Bad Request";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 409:
		return "Conflict";
	case 413:
		return "Payload Too Large";
	case 415:
		return "Unsupported Media Type";
	case 421:
		return "Misdirected Request";
	case 422:
		return "Unprocessable Content";
	case 429:
		return "Too Many Requests";
	case 503:
		return "Service Unavailable";
	default:
		return status >= 500 ? "Internal Server Error" : "Error";
	}
}

int web_send(web_req *r, web_writer wr, void *ctx)
{
	buf h = {0};
	if (r->out.oom || r->headers.oom) {
		r->status = 500;
		r->ctype = "text/plain; charset=utf-8";
		buf_free(&r->out);
		buf_puts(&r->out, "500 out of memory\n");
		buf_reset(&r->headers);
	}
	buf_printf(&h, "Status: %d %s\r\n", r->status, reason(r->status));
	buf_printf(&h, "Content-Type: %s\r\n", r->ctype ? r->ctype : "text/html; charset=utf-8");
	buf_printf(&h, "Content-Length: %zu\r\n", r->out.len);
	buf_puts(&h, "Content-Security-Policy: default-src 'none'; script-src 'self'; style-src 'self'; "
	             "img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
	             "base-uri 'none'\r\n"
	             "X-Frame-Options: DENY\r\n"
	             "X-Content-Type-Options: nosniff\r\n"
	             "Referrer-Policy: same-origin\r\n"
	             "Cache-Control: no-store\r\n");
	buf_add(&h, buf_str(&r->headers), r->headers.len);
	buf_puts(&h, "\r\n");
	if (h.oom) {
		buf_free(&h);
		return -1;
	}
	int rc = wr(ctx, h.p, h.len);
	if (rc == 0 && !r->head && r->out.len)
		rc = wr(ctx, r->out.p, r->out.len);
	buf_free(&h);
	if (r->status >= 500 || r->status == 413 || r->status == 403)
		web_log(r, "%d in %lld ms", r->status, (long long)(timefmt_now_ms() - r->started_ms));
	return rc;
}
