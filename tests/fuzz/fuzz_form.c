/* fuzz_form.c - libFuzzer target: query strings and POST bodies into the dashboard's form parser
 * (cgi-bin/form.h), which reads every request before the route's checks; plus the escape/unescape
 * round trip that redirects and links rely on. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "form.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 70000)
		return 0;
	const char *s = (const char *)data;
	form f;
	memset(&f, 0, sizeof f);
	int rc = form_parse(&f, s, size);
	if (f.n > FORM_MAX_FIELDS)
		abort();
	for (size_t i = 0; i < f.n; i++) {
		if (!f.v[i].key || !f.v[i].val)
			abort();
		/* The first value of a key is what form_get answers. */
		const char *got = form_get(&f, f.v[i].key);
		if (!got)
			abort();
	}
	(void)rc;
	form_free(&f);

	/* form_unescape into a tight buffer never writes past it, and is NUL-terminated. */
	char tight[16];
	long n = form_unescape(s, size, tight, sizeof tight, 1);
	if (n >= 0 && ((size_t)n >= sizeof tight || tight[n] != '\0'))
		abort();

	/* encode then unescape gives the text back (for text without NUL). */
	char text[256];
	size_t tl = size < sizeof text - 1 ? size : sizeof text - 1;
	memcpy(text, s, tl);
	text[tl] = '\0';
	char enc[256 * 3 + 1], back[256];
	if (form_encode(text, enc, sizeof enc) == 0) {
		long bl = form_unescape(enc, strlen(enc), back, sizeof back, 0);
		if (bl < 0 || strcmp(back, text) != 0)
			abort();
	}
	return 0;
}
