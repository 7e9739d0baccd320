/* redact.c - replaces known secret strings in messages before they leave the process. */
#include "redact.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sysutil.h"

#define MIN_SECRET 4

static void slot_clear(redactor *r, int i)
{
	for (int f = 0; f < 3; f++) {
		wipe_free(r->form[i][f]);
		r->form[i][f] = NULL;
	}
}

/* The form a URL encoder (curl_easy_escape, our form bodies) gives the secret. */
static char *percent_form(const char *s)
{
	size_t len = strlen(s);
	char *out = malloc(len * 3 + 1);
	if (!out)
		return NULL;
	char *o = out;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (isalnum(*p) || *p == '-' || *p == '.' || *p == '_' || *p == '~')
			*o++ = (char)*p;
		else
			o += snprintf(o, 4, "%%%02X", *p); /* 3 bytes out per byte in, allocated above */
	}
	*o = '\0';
	return out;
}

/* The form json-c gives the secret inside a JSON string ('/' becomes "\/", '"' becomes "\""). */
static char *json_form(const char *s)
{
	size_t len = strlen(s);
	char *out = malloc(len * 2 + 1);
	if (!out)
		return NULL;
	char *o = out;
	for (const char *p = s; *p; p++) {
		if (*p == '/' || *p == '"' || *p == '\\')
			*o++ = '\\';
		*o++ = *p;
	}
	*o = '\0';
	return out;
}

int redact_set(redactor *r, int i, const char *secret)
{
	if (!r || i < 0 || i >= REDACT_SLOTS)
		return -1;
	slot_clear(r, i);
	if (!secret || strlen(secret) < MIN_SECRET)
		return 0;
	char *raw = strdup(secret), *pct = percent_form(secret), *js = json_form(secret);
	if (!raw || !pct || !js) {
		wipe_free(raw);
		wipe_free(pct);
		wipe_free(js);
		return -1;
	}
	r->form[i][0] = raw;
	if (strcmp(pct, raw) != 0)
		r->form[i][1] = pct;
	else
		wipe_free(pct);
	if (strcmp(js, raw) != 0)
		r->form[i][2] = js;
	else
		wipe_free(js);
	return 0;
}

void redact_clear(redactor *r)
{
	if (!r)
		return;
	for (int i = 0; i < REDACT_SLOTS; i++)
		slot_clear(r, i);
}

/* Replaces each occurrence of needle in buf by the mark, keeping buf NUL-terminated within n. */
static void replace_all(char *buf, size_t n, const char *needle)
{
	size_t nl = strlen(needle), ml = strlen(REDACT_MARK);
	char *p = buf;
	while ((p = strstr(p, needle)) != NULL) {
		size_t tail = strlen(p + nl);
		size_t at = (size_t)(p - buf);
		/* Room left after the mark for the tail; whatever does not fit is dropped. */
		size_t room = n - 1 - at;
		size_t mark = ml < room ? ml : room;
		size_t keep = tail < room - mark ? tail : room - mark;
		memmove(p + mark, p + nl, keep);
		memcpy(p, REDACT_MARK, mark);
		p[mark + keep] = '\0';
		p += mark;
	}
}

/* If buf ends with a prefix (MIN_SECRET bytes or more) of needle, replaces that tail by the mark. */
static void cut_tail(char *buf, size_t n, const char *needle)
{
	size_t bl = strlen(buf), nl = strlen(needle);
	for (size_t k = nl - 1; k >= MIN_SECRET; k--) {
		if (k > bl)
			continue;
		if (memcmp(buf + bl - k, needle, k) == 0) {
			size_t at = bl - k;
			snprintf(buf + at, n - at, "%s", REDACT_MARK);
			return;
		}
	}
}

void redact_buf(const redactor *r, char *buf, size_t n)
{
	if (!r || !buf || n == 0)
		return;
	for (int i = 0; i < REDACT_SLOTS; i++)
		for (int f = 0; f < 3; f++)
			if (r->form[i][f])
				replace_all(buf, n, r->form[i][f]);
	for (int i = 0; i < REDACT_SLOTS; i++)
		for (int f = 0; f < 3; f++)
			if (r->form[i][f])
				cut_tail(buf, n, r->form[i][f]);
}

void redact_err(const redactor *r, err_t *e)
{
	if (e)
		redact_buf(r, e->msg, sizeof e->msg);
}
