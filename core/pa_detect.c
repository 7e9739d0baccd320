/* pa_detect.c - whether the org has Person Accounts, as the engine keeps it: when to ask again (pure)
 * and the two watermark rows that hold the answer (sf_person_accounts, sf_person_accounts_asked_ms). */
#include "pa_detect.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_sync.h"

#define KEY_ON "sf_person_accounts"
#define KEY_ASKED "sf_person_accounts_asked_ms"

int pa_detect_due(const pa_state *st, int first_or_full, int64_t now_ms)
{
	if (!st->known || first_or_full || st->asked_ms <= 0)
		return 1;
	/* A clock set back would otherwise postpone the next question by however far it went. */
	if (st->asked_ms > now_ms)
		return 1;
	return now_ms - st->asked_ms >= PA_DETECT_EVERY_MS;
}

int pa_state_load(store *s, pa_state *st, err_t *e)
{
	char v[32] = "";
	memset(st, 0, sizeof *st);
	int have = store_watermark_get(s, KEY_ON, v, sizeof v, e);
	if (have < 0)
		return -1;
	st->known = have;
	st->on = have && strcmp(v, "1") == 0;
	have = store_watermark_get(s, KEY_ASKED, v, sizeof v, e);
	if (have < 0)
		return -1;
	/* An answer stored before the time was kept (an older optsync) counts as asked long ago. */
	st->asked_ms = have ? strtoll(v, NULL, 10) : 0;
	return 0;
}

int pa_state_save(store *s, int on, int64_t asked_ms, err_t *e)
{
	char v[32];
	snprintf(v, sizeof v, "%lld", (long long)asked_ms);
	if (store_watermark_set(s, KEY_ON, on ? "1" : "0", e) < 0 ||
	    store_watermark_set(s, KEY_ASKED, v, e) < 0)
		return -1;
	return 0;
}

int pa_note_observed(store *s, int on, err_t *e)
{
	pa_state st;
	if (pa_state_load(s, &st, e) < 0)
		return -1;
	if (!st.known || st.on == on)
		return 0;
	return store_watermark_set(s, KEY_ASKED, "0", e);
}
