/* webhook.c - the form-encoded AC webhook body, field by field. */
#include "webhook.h"

#include <stdio.h>
#include <string.h>

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

long form_unescape(const char *s, size_t n, char *out, size_t cap, int plus)
{
	size_t o = 0;
	if (cap == 0)
		return -1;
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		int ch = (unsigned char)s[i];
		if (ch == '%') {
			if (i + 2 >= n)
				return -1;
			int hi = hexval(s[i + 1]), lo = hexval(s[i + 2]);
			if (hi < 0 || lo < 0)
				return -1;
			ch = hi * 16 + lo;
			i += 2;
		} else if (ch == '+' && plus) {
			ch = ' ';
		}
		if (ch == 0 || o + 1 >= cap) {
			out[0] = '\0';
			return -1;
		}
		out[o++] = (char)ch;
	}
	out[o] = '\0';
	return (long)o;
}

int form_decode(const char *in, size_t len, char *out, size_t n)
{
	return form_unescape(in, len, out, n, 1) < 0 ? -1 : 0;
}

/* "list[][id]" or "list[7][id]": PHP-style arrays, one entry per list an unsubscribe names. */
static int is_list_entry(const char *key)
{
	if (strncmp(key, "list[", 5) != 0)
		return 0;
	const char *p = key + 5;
	while (*p >= '0' && *p <= '9')
		p++;
	return strcmp(p, "][id]") == 0;
}

/* The fields we keep, by their decoded key. */
static char *field_for(webhook_event *w, const char *key, size_t *cap)
{
	if (is_list_entry(key)) {
		if (w->n_lists == WEBHOOK_MAX_LISTS) {
			w->lists_overflow = 1;
			return NULL;
		}
		*cap = sizeof w->lists[0];
		return w->lists[w->n_lists++];
	}
#define F(name, member)                                                                                      \
	if (strcmp(key, name) == 0) {                                                                        \
		*cap = sizeof w->member;                                                                     \
		return w->member;                                                                            \
	}
	F("type", type_name)
	F("date_time", date_time)
	F("contact[id]", contact_id)
	F("contact[email]", email)
	F("contact[first_name]", first_name)
	F("contact[last_name]", last_name)
	F("list", list)
	F("unsubscribe[reason]", reason)
	F("bounce[type]", bounce_type)
#undef F
	return NULL;
}

int webhook_parse(const char *body, size_t len, webhook_event *out, err_t *e)
{
	memset(out, 0, sizeof *out);
	if (!body || len == 0)
		return err_set(e, ERR_INVALID_REQUEST, "webhook: empty body");
	if (len > WEBHOOK_BODY_MAX)
		return err_set(e, ERR_INVALID_REQUEST, "webhook: body larger than %d bytes",
		               WEBHOOK_BODY_MAX);
	size_t pos = 0;
	int fields = 0;
	while (pos < len) {
		size_t end = pos;
		while (end < len && body[end] != '&')
			end++;
		const char *eq = memchr(body + pos, '=', end - pos);
		if (end > pos) {
			if (!eq)
				return err_set(e, ERR_INVALID_REQUEST,
				               "webhook: a field without '=' (not form-encoded)");
			if (++fields > 500)
				return err_set(e, ERR_INVALID_REQUEST, "webhook: more than 500 fields");
			char key[128];
			if (form_decode(body + pos, (size_t)(eq - (body + pos)), key, sizeof key) < 0)
				return err_set(e, ERR_INVALID_REQUEST,
				               "webhook: a field name that does not decode");
			size_t cap = 0;
			char *dst = field_for(out, key, &cap);
			if (dst && form_decode(eq + 1, (size_t)(body + end - eq - 1), dst, cap) < 0)
				return err_set(e, ERR_INVALID_REQUEST,
				               "webhook: field %s does not decode or is too long", key);
		}
		pos = end + 1;
	}
	if (!out->type_name[0])
		return err_set(e, ERR_INVALID_REQUEST, "webhook: no type field");
	if (strcmp(out->type_name, "subscribe") == 0)
		out->type = WEBHOOK_SUBSCRIBE;
	else if (strcmp(out->type_name, "unsubscribe") == 0)
		out->type = WEBHOOK_UNSUBSCRIBE;
	else if (strcmp(out->type_name, "bounce") == 0)
		out->type = WEBHOOK_BOUNCE;
	else
		out->type = WEBHOOK_OTHER;
	if (out->type != WEBHOOK_OTHER && !out->email[0])
		return err_set(e, ERR_INVALID_REQUEST, "webhook: %s without contact[email]", out->type_name);
	/* An empty or non-numeric entry names no list: dropped, not guessed at. */
	size_t k = 0;
	for (size_t i = 0; i < out->n_lists; i++)
		if (out->lists[i][0] && strspn(out->lists[i], "0123456789") == strlen(out->lists[i]) &&
		    strcmp(out->lists[i], "0") != 0)
			memmove(out->lists[k++], out->lists[i], sizeof out->lists[i]);
	out->n_lists = k;
	return 0;
}
