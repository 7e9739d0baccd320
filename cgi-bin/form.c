/* form.c - form and query-string parsing with strict percent-decoding. */
#include "form.h"

#include <stdlib.h>
#include <string.h>

static char *decode_dup(const char *s, size_t n)
{
	/* Decoding never makes a string longer. */
	char *p = malloc(n + 1);
	if (!p)
		return NULL;
	if (form_unescape(s, n, p, n + 1, 1) < 0) {
		free(p);
		return NULL;
	}
	return p;
}

int form_parse(form *f, const char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		size_t j = i;
		while (j < n && s[j] != '&')
			j++;
		if (j > i) {
			const char *eq = memchr(s + i, '=', j - i);
			size_t klen = eq ? (size_t)(eq - (s + i)) : j - i;
			const char *v = eq ? eq + 1 : s + j;
			size_t vlen = eq ? (size_t)((s + j) - v) : 0;
			if (f->n >= FORM_MAX_FIELDS)
				return -1;
			if (f->n == f->cap) {
				size_t cap = f->cap ? f->cap * 2 : 16;
				form_pair *nv = realloc(f->v, cap * sizeof *nv);
				if (!nv)
					return -1;
				f->v = nv;
				f->cap = cap;
			}
			char *k = decode_dup(s + i, klen);
			char *val = k ? decode_dup(v, vlen) : NULL;
			if (!k || !val) {
				free(k);
				return -1;
			}
			f->v[f->n].key = k;
			f->v[f->n].val = val;
			f->n++;
		}
		i = j + 1;
	}
	return 0;
}

const char *form_get(const form *f, const char *key)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->v[i].key, key) == 0)
			return f->v[i].val;
	return NULL;
}

const char *form_get_or(const form *f, const char *key, const char *def)
{
	const char *v = form_get(f, key);
	return v ? v : def;
}

void form_free(form *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->v[i].key);
		free(f->v[i].val);
	}
	free(f->v);
	memset(f, 0, sizeof *f);
}

int form_encode(const char *s, char *out, size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		int keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		           c == '-' || c == '_' || c == '.' || c == '~';
		size_t need = keep ? 1 : 3;
		if (o + need >= cap) {
			if (cap)
				out[0] = '\0';
			return -1;
		}
		if (keep) {
			out[o++] = (char)c;
		} else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	if (cap == 0)
		return -1;
	out[o] = '\0';
	return 0;
}
