/* buf.h - a growable byte buffer for response bodies and headers (checked allocation, NUL-kept). */
#ifndef OPTSYNC_WEB_BUF_H
#define OPTSYNC_WEB_BUF_H

#include <stddef.h>

typedef struct {
	char *p;    /* NUL-terminated contents (NULL until the first append) */
	size_t len; /* bytes used, without the NUL */
	size_t cap; /* bytes allocated */
	int oom;    /* set once an allocation failed; later appends are ignored */
} buf;

/* Appends n bytes of s; returns 0, or -1 (and sets oom) when memory ran out. */
int buf_add(buf *b, const char *s, size_t n);
/* Appends a NUL-terminated string. */
int buf_puts(buf *b, const char *s);
/* Appends printf-style output. */
int buf_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Empties the buffer, keeping its memory. */
void buf_reset(buf *b);
/* Frees the memory and zeroes the struct. */
void buf_free(buf *b);
/* The contents as a string ("" when empty). */
const char *buf_str(const buf *b);

#endif
