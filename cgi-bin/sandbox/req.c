/* req.c - request parsing (query, form, JSON body) and response building for the sandbox. */
#include "sbx.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sbx_buf_put(sbx_buf *b, const char *s, size_t n)
{
	if (b->oom || n == 0)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p) {
			b->oom = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void sbx_buf_puts(sbx_buf *b, const char *s)
{
	if (s)
		sbx_buf_put(b, s, strlen(s));
}

void sbx_buf_printf(sbx_buf *b, const char *fmt, ...)
{
	char small[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof small) {
		sbx_buf_put(b, small, (size_t)n);
		return;
	}
	char *big = malloc((size_t)n + 1);
	if (!big) {
		b->oom = 1;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sbx_buf_put(b, big, (size_t)n);
	free(big);
}

void sbx_buf_free(sbx_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof *b);
}

const char *sbx_req_env(const sbx_req *r, const char *name)
{
	size_t n = strlen(name);
	for (char **e = r->envp; e && *e; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int sbx_url_decode(const char *src, size_t n, char *dst, size_t dstsz, int plus_space)
{
	size_t o = 0;
	if (dstsz == 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char c = src[i];
		if (c == '%') {
			if (i + 2 >= n)
				return -1;
			int h = hexval((unsigned char)src[i + 1]), l = hexval((unsigned char)src[i + 2]);
			if (h < 0 || l < 0)
				return -1;
			c = (char)(h * 16 + l);
			i += 2;
		} else if (c == '+' && plus_space) {
			c = ' ';
		}
		if (o + 1 >= dstsz)
			return -1;
		dst[o++] = c;
	}
	dst[o] = '\0';
	return 0;
}

void sbx_url_encode(sbx_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
			sbx_buf_put(b, (const char *)&c, 1);
		} else if (c == ' ') {
			sbx_buf_put(b, "+", 1);
		} else {
			char t[3] = {'%', hex[c >> 4], hex[c & 15]};
			sbx_buf_put(b, t, 3);
		}
	}
}

int sbx_form_get(const char *enc, const char *name, char *out, size_t outsz)
{
	if (!enc)
		return 0;
	const char *p = enc;
	char key[512];
	while (*p) {
		const char *amp = strchr(p, '&');
		size_t seglen = amp ? (size_t)(amp - p) : strlen(p);
		const char *eq = memchr(p, '=', seglen);
		size_t klen = eq ? (size_t)(eq - p) : seglen;
		if (sbx_url_decode(p, klen, key, sizeof key, 1) == 0 && strcmp(key, name) == 0) {
			if (!eq) {
				if (outsz)
					out[0] = '\0';
				return 1;
			}
			size_t vlen = seglen - klen - 1;
			if (sbx_url_decode(eq + 1, vlen, out, outsz, 1) != 0)
				return 0;
			return 1;
		}
		if (!amp)
			break;
		p = amp + 1;
	}
	return 0;
}

int sbx_req_query(const sbx_req *r, const char *name, char *out, size_t outsz)
{
	return sbx_form_get(r->query, name, out, outsz);
}

int sbx_req_form(const sbx_req *r, const char *name, char *out, size_t outsz)
{
	return sbx_form_get(r->body, name, out, outsz);
}

json_object *sbx_req_json_body(sbx_req *r)
{
	if (!r->body || r->body_len == 0) {
		sbx_resp_error(r, 400, "JSON_PARSER_ERROR",
		               "The request body is empty; a JSON object was expected");
		return NULL;
	}
	json_tokener *tok = json_tokener_new_ex(32);
	if (!tok) {
		sbx_resp_error(r, 500, "UNKNOWN_EXCEPTION", "out of memory");
		return NULL;
	}
	json_object *o = json_tokener_parse_ex(tok, r->body, (int)r->body_len);
	enum json_tokener_error jerr = json_tokener_get_error(tok);
	size_t used = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (!o || jerr != json_tokener_success) {
		json_object_put(o);
		sbx_resp_error(r, 400, "JSON_PARSER_ERROR", "The request body is not valid JSON: %s",
		               json_tokener_error_desc(jerr));
		return NULL;
	}
	for (; used < r->body_len; used++)
		if (!isspace((unsigned char)r->body[used])) {
			json_object_put(o);
			sbx_resp_error(r, 400, "JSON_PARSER_ERROR", "Unexpected data after the JSON value");
			return NULL;
		}
	if (!json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		sbx_resp_error(r, 400, "JSON_PARSER_ERROR", "The request body must be a JSON object");
		return NULL;
	}
	return o;
}

void sbx_resp_header(sbx_req *r, const char *name, const char *value)
{
	/* header values are our own strings; refuse anything that could split the header block */
	if (strpbrk(name, "\r\n:") || strpbrk(value, "\r\n"))
		return;
	sbx_buf_printf(&r->hdr, "%s: %s\r\n", name, value);
}

/* Replaces every byte that is not part of a valid UTF-8 sequence with '?': such bytes are >= 0x80,
 * so a serialised JSON document stays well-formed and becomes valid UTF-8 (echoed input may not be). */
static void utf8_fix(char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		size_t len = c < 0x80             ? 1
		             : (c & 0xE0) == 0xC0 ? 2
		             : (c & 0xF0) == 0xE0 ? 3
		             : (c & 0xF8) == 0xF0 ? 4
		                                  : 0;
		int ok = len > 0 && i + len <= n && !(len == 2 && c < 0xC2) && !(len == 4 && c > 0xF4);
		for (size_t k = 1; ok && k < len; k++)
			ok = ((unsigned char)s[i + k] & 0xC0) == 0x80;
		if (ok && len == 3) {
			unsigned char c1 = (unsigned char)s[i + 1];
			ok = !(c == 0xE0 && c1 < 0xA0) &&
			     !(c == 0xED && c1 >= 0xA0); /* overlong, surrogates */
		}
		if (ok && len == 4) {
			unsigned char c1 = (unsigned char)s[i + 1];
			ok = !(c == 0xF0 && c1 < 0x90) && !(c == 0xF4 && c1 >= 0x90);
		}
		if (!ok) {
			s[i++] = '?';
			continue;
		}
		i += len;
	}
}

void sbx_resp_json(sbx_req *r, int status, json_object *o)
{
	r->status = status;
	r->ctype = "application/json;charset=UTF-8";
	r->out.len = 0;
	if (r->out.p)
		r->out.p[0] = '\0';
	const char *s =
	    json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	sbx_buf_puts(&r->out, s);
	json_object_put(o);
	if (r->out.p)
		utf8_fix(r->out.p, r->out.len);
}

void sbx_resp_text(sbx_req *r, int status, const char *ctype, const char *text)
{
	r->status = status;
	r->ctype = ctype;
	r->out.len = 0;
	if (r->out.p)
		r->out.p[0] = '\0';
	sbx_buf_puts(&r->out, text);
}

void sbx_resp_error(sbx_req *r, int status, const char *code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	json_object *o;
	switch (r->sys) {
	case SBX_SYS_SF: {
		json_object *e = json_object_new_object();
		json_object_object_add(e, "message", sbx_jstr(msg));
		json_object_object_add(e, "errorCode", sbx_jstr(code));
		o = json_object_new_array();
		json_object_array_add(o, e);
		break;
	}
	case SBX_SYS_SF_AUTH:
		o = json_object_new_object();
		json_object_object_add(o, "error", sbx_jstr(code));
		json_object_object_add(o, "error_description", sbx_jstr(msg));
		break;
	case SBX_SYS_AC:
		o = json_object_new_object();
		json_object_object_add(o, "message", sbx_jstr(msg));
		break;
	default:
		o = json_object_new_object();
		json_object_object_add(o, "error", sbx_jstr(msg));
		json_object_object_add(o, "code", sbx_jstr(code));
		break;
	}
	sbx_resp_json(r, status, o);
}

void sbx_resp_redirect(sbx_req *r, int status, const char *location)
{
	sbx_resp_header(r, "Location", location);
	sbx_resp_text(r, status, "text/plain; charset=utf-8", "");
}

const char *sbx_http_reason(int status)
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
	case 302:
		return "Found";
	case 303:
		return "See Other";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
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
	case 414:
		return "URI Too Long";
	case 415:
		return "Unsupported Media Type";
	case 422:
		return "Unprocessable Entity";
	case 429:
		return "Too Many Requests";
	case 500:
		return "Internal Server Error";
	case 502:
		return "Bad Gateway";
	case 503:
		return "Service Unavailable";
	case 504:
		return "Gateway Timeout";
	default:
		return "Status";
	}
}

json_object *sbx_jstr(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

json_object *sbx_jstrf(const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	return json_object_new_string(tmp);
}

json_object *sbx_jint(int64_t v)
{
	return json_object_new_int64(v);
}

json_object *sbx_jbool(int v)
{
	return json_object_new_boolean(v ? 1 : 0);
}

int sbx_jget_text(json_object *o, const char *key, char *out, size_t outsz)
{
	json_object *v;
	if (!o || !json_object_object_get_ex(o, key, &v) || !v)
		return 0;
	if (json_object_is_type(v, json_type_string)) {
		snprintf(out, outsz, "%s", json_object_get_string(v));
		return 1;
	}
	if (json_object_is_type(v, json_type_int)) {
		snprintf(out, outsz, "%lld", (long long)json_object_get_int64(v));
		return 1;
	}
	return 0;
}

int sbx_jget_int(json_object *o, const char *key, int64_t *out)
{
	json_object *v;
	if (!o || !json_object_object_get_ex(o, key, &v) || !v)
		return 0;
	if (json_object_is_type(v, json_type_int)) {
		*out = json_object_get_int64(v);
		return 1;
	}
	if (json_object_is_type(v, json_type_string)) {
		const char *s = json_object_get_string(v);
		char *end;
		if (!*s)
			return 0;
		long long x = strtoll(s, &end, 10);
		if (*end)
			return 0;
		*out = x;
		return 1;
	}
	return 0;
}

json_object *sbx_jcol_text(sqlite3_stmt *st, int col)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return NULL;
	return json_object_new_string((const char *)sqlite3_column_text(st, col));
}
