/* route.c - which emulated system a path belongs to, the dispatch to its router, and the route-table
 * runner every router uses (one table per router, method + pattern -> handler). */
#include "sbx.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* Paths arrive as /sandbox/ac/..., /sandbox/sf/..., /sandbox/control/..., /sandbox/ (the console). */
int sbx_path_match(sbx_req *r, const char *pattern, const char *path)
{
	/* segment by segment; "{}" matches one non-empty segment and captures it */
	int ncap = 0;
	const char *p = pattern, *s = path;
	while (*p && *s) {
		const char *pe = strchr(p, '/'), *se = strchr(s, '/');
		size_t pl = pe ? (size_t)(pe - p) : strlen(p), sl = se ? (size_t)(se - s) : strlen(s);
		if (pl == 2 && p[0] == '{' && p[1] == '}') {
			if (sl == 0 || sl >= sizeof r->cap[0] || ncap >= 4)
				return 0;
			memcpy(r->cap[ncap], s, sl);
			r->cap[ncap][sl] = '\0';
			ncap++;
		} else if (pl != sl || strncmp(p, s, pl) != 0) {
			return 0;
		}
		p += pl;
		s += sl;
		if (*p == '/')
			p++;
		if (*s == '/')
			s++;
		if (!*p && *s)
			return 0;
	}
	if (*p)
		return 0;
	if (*s)
		return 0;
	r->ncap = ncap;
	return 1;
}

static int has_prefix(const char *s, const char *pre)
{
	size_t n = strlen(pre);
	return strncmp(s, pre, n) == 0 && (s[n] == '\0' || s[n] == '/');
}

sbx_system sbx_route_classify(const char *path)
{
	if (has_prefix(path, "/ac"))
		return SBX_SYS_AC;
	if (has_prefix(path, "/sf/services/oauth2"))
		return SBX_SYS_SF_AUTH;
	if (has_prefix(path, "/sf"))
		return SBX_SYS_SF;
	if (has_prefix(path, "/control"))
		return SBX_SYS_CONTROL;
	if (path[0] == '\0' || strcmp(path, "/") == 0 || has_prefix(path, "/console"))
		return SBX_SYS_CONSOLE;
	return SBX_SYS_NONE;
}

void sbx_route_dispatch(sbx_req *r)
{
	switch (r->sys) {
	case SBX_SYS_AC:
		sbx_ac_route(r);
		return;
	case SBX_SYS_SF_AUTH:
		sbx_sf_oauth_route(r);
		return;
	case SBX_SYS_SF:
		sbx_sf_data_route(r);
		return;
	case SBX_SYS_CONTROL:
		sbx_control_route(r);
		return;
	case SBX_SYS_CONSOLE:
		sbx_console_route(r);
		return;
	default:
		sbx_resp_error(r, 404, "NOT_FOUND", "No sandbox resource at %s", r->full_path);
	}
}

int sbx_method_is(const sbx_req *r, const char *method)
{
	return strcmp(r->method, method) == 0 ||
	       (strcmp(method, "GET") == 0 && strcmp(r->method, "HEAD") == 0);
}

int sbx_parse_id(const char *s, int64_t *out)
{
	char *end;
	if (!*s || !isdigit((unsigned char)*s))
		return 0;
	long long v = strtoll(s, &end, 10);
	if (*end || v <= 0)
		return 0;
	*out = v;
	return 1;
}

static unsigned method_bit(const char *m)
{
	static const struct {
		const char *name;
		unsigned bit;
	} names[] = {{"GET", SBX_GET}, {"HEAD", SBX_HEAD},   {"POST", SBX_POST},
	             {"PUT", SBX_PUT}, {"PATCH", SBX_PATCH}, {"DELETE", SBX_DELETE}};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(m, names[i].name) == 0)
			return names[i].bit;
	return SBX_OTHER;
}

sbx_route_result sbx_route_run(sbx_req *r, const sbx_route *t, const char *path)
{
	unsigned bit = method_bit(r->method);
	const char *owner = NULL;
	for (; t->pattern; t++) {
		if (owner ? strcmp(t->pattern, owner) != 0 : !sbx_path_match(r, t->pattern, path))
			continue;
		owner = t->pattern;
		int method_ok = (t->methods & bit) != 0;
		if (t->check && (method_ok || (t->flags & SBX_CHECK_FIRST)) && !t->check(r))
			return SBX_ROUTE_DONE;
		if (method_ok) {
			t->handler(r);
			return SBX_ROUTE_DONE;
		}
	}
	return owner ? SBX_ROUTE_NO_METHOD : SBX_ROUTE_NO_PATH;
}
