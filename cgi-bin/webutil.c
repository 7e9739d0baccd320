/* webutil.c - shared helpers of the page handlers. */
#include "rules.h"
#include "webutil.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void web_normalize_email(const char *in, char *out, size_t n)
{
	/* One definition of identity for the whole product: the rules'. An address they refuse
	 * matches nobody. */
	char tmp[RULES_EMAIL_MAX + 1];
	if (n == 0)
		return;
	if (rules_normalize_email(in ? in : "", tmp, sizeof tmp, NULL) == 0)
		snprintf(out, n, "%s", tmp);
	else
		out[0] = '\0';
}

int web_in(const char *s, const char *const *list)
{
	if (!s)
		return 0;
	for (; *list; list++)
		if (strcmp(s, *list) == 0)
			return 1;
	return 0;
}

int64_t web_int64(const char *s)
{
	if (!s || !*s)
		return 0;
	for (const char *p = s; *p; p++)
		if (!isdigit((unsigned char)*p))
			return 0;
	errno = 0;
	long long v = strtoll(s, NULL, 10);
	if (errno || v < 0)
		return 0;
	return (int64_t)v;
}

static void add_param(char *out, size_t n, const char *key, const char *value)
{
	if (!value || !*value)
		return;
	char enc[800];
	if (form_encode(value, enc, sizeof enc) < 0)
		return;
	size_t l = strlen(out);
	snprintf(out + l, n - l, "%s%s=%s", strchr(out, '?') ? "&" : "?", key, enc);
}

void web_query_param(char *out, size_t n, const char *key, const char *value)
{
	add_param(out, n, key, value);
}

void web_log_query(char *out, size_t n, const char *email, const char *status, const char *direction,
                   int64_t run, int64_t before_id)
{
	char num[32];
	snprintf(out, n, "/status");
	add_param(out, n, "email", email);
	add_param(out, n, "status", status);
	add_param(out, n, "direction", direction);
	if (run > 0) {
		snprintf(num, sizeof num, "%lld", (long long)run);
		add_param(out, n, "run", num);
	}
	if (before_id > 0) {
		snprintf(num, sizeof num, "%lld", (long long)before_id);
		add_param(out, n, "before", num);
	}
}

const char *web_status_class(const char *s)
{
	if (!s)
		return "muted";
	if (!strcmp(s, "ok") || !strcmp(s, "applied") || !strcmp(s, "pass"))
		return "ok";
	if (!strcmp(s, "failed") || !strcmp(s, "fail"))
		return "bad";
	if (!strcmp(s, "partial") || !strcmp(s, "retrying") || !strcmp(s, "warn") || !strcmp(s, "running") ||
	    !strcmp(s, "planned"))
		return "warn";
	return "muted";
}

int web_json(web_req *r, int status, json_object *o)
{
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	web_text(r, status, "application/json", s ? s : "null");
	buf_puts(&r->out, "\n");
	return status;
}

void web_csv_field(buf *b, const char *s)
{
	if (!s)
		s = "";
	int formula = strchr("=+-@\t\r", s[0]) && s[0];
	int quote = formula || strpbrk(s, ",\"\r\n") != NULL;
	if (quote)
		buf_puts(b, "\"");
	if (formula)
		buf_puts(b, "'");
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			buf_puts(b, "\"\"");
		else
			buf_add(b, p, 1);
	}
	if (quote)
		buf_puts(b, "\"");
}
