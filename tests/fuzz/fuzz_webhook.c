/* fuzz_webhook.c - libFuzzer target: ActiveCampaign webhook bodies into webhook_parse (core/webhook.h),
 * the parser the receiver runs on every unauthenticated POST before storing it, and form_decode on
 * each component. Checks the promises of the header on top of what the sanitizers catch. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "webhook.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > WEBHOOK_BODY_MAX)
		return 0;
	/* Not NUL-terminated on purpose: the receiver passes (body, len). */
	char *body = malloc(size ? size : 1);
	if (!body)
		return 0;
	memcpy(body, data, size);
	webhook_event ev;
	err_t e;
	memset(&e, 0, sizeof e);
	if (webhook_parse(body, size, &ev, &e) == 0) {
		/* Every field is a terminated string inside its buffer. */
		if (memchr(ev.type_name, 0, sizeof ev.type_name) == NULL || memchr(ev.email, 0, sizeof ev.email) == NULL ||
		    memchr(ev.date_time, 0, sizeof ev.date_time) == NULL || memchr(ev.list, 0, sizeof ev.list) == NULL ||
		    memchr(ev.reason, 0, sizeof ev.reason) == NULL || memchr(ev.contact_id, 0, sizeof ev.contact_id) == NULL ||
		    memchr(ev.first_name, 0, sizeof ev.first_name) == NULL ||
		    memchr(ev.last_name, 0, sizeof ev.last_name) == NULL ||
		    memchr(ev.bounce_type, 0, sizeof ev.bounce_type) == NULL)
			abort();
		/* An accepted subscribe/unsubscribe/bounce always names a contact email and a type. */
		if (!ev.type_name[0])
			abort();
		if (ev.type != WEBHOOK_OTHER && !ev.email[0])
			abort();
	} else if (!e.msg[0]) {
		abort(); /* a refusal always says why */
	}
	/* Each '&'-separated component through form_decode, into a small and a large buffer. */
	size_t start = 0;
	for (size_t i = 0; i <= size; i++) {
		if (i == size || body[i] == '&') {
			char small[8], big[512];
			int a = form_decode(body + start, i - start, small, sizeof small);
			int b = form_decode(body + start, i - start, big, sizeof big);
			if (a == 0 && (b != 0 || strcmp(small, big) != 0))
				abort(); /* what fits in 8 bytes decodes the same in 512 */
			if (b == 0 && strlen(big) >= sizeof big)
				abort();
			start = i + 1;
		}
	}
	free(body);
	return 0;
}
