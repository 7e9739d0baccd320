/* buf.c - the growable buffer behind every response. */
#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int grow(buf *b, size_t need)
{
	if (b->oom)
		return -1;
	if (need < b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 256;
	while (cap <= need) {
		if (cap > ((size_t)-1) / 2) {
			b->oom = 1;
			return -1;
		}
		cap *= 2;
	}
	char *p = realloc(b->p, cap);
	if (!p) {
		b->oom = 1;
		return -1;
	}
	b->p = p;
	b->cap = cap;
	return 0;
}

int buf_add(buf *b, const char *s, size_t n)
{
	if (grow(b, b->len + n) < 0)
		return -1;
	if (n)
		memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

int buf_puts(buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

int buf_printf(buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || grow(b, b->len + (size_t)n) < 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

void buf_reset(buf *b)
{
	b->len = 0;
	if (b->p)
		b->p[0] = '\0';
}

void buf_free(buf *b)
{
	free(b->p);
	memset(b, 0, sizeof *b);
}

const char *buf_str(const buf *b)
{
	return b->p ? b->p : "";
}
