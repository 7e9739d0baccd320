/* pa_detect.h - when a run asks Salesforce again whether the org has Person Accounts, and the
 * answer kept with the watermarks. An org can turn the feature on at any time (never off: Salesforce
 * cannot disable it), so the engine re-describes Account at most once a day, or at the next run
 * after /checks saw an answer other than the stored one: the idle sync stays at its calls. */
#ifndef OPTSYNC_PA_DETECT_H
#define OPTSYNC_PA_DETECT_H

#include <stdint.h>

#include "err.h"
#include "store.h"

/* How long a stored answer is trusted before a run asks again. */
#define PA_DETECT_EVERY_MS (24LL * 3600 * 1000)

/* The stored answer. */
typedef struct {
	int known;        /* an answer is stored */
	int on;           /* that answer: the org has Person Accounts */
	int64_t asked_ms; /* when it was asked, this machine's clock (0: ask at the next run) */
} pa_state;

/* Pure: whether a run must describe Account again: nothing known, a first sync or a full run, the
 * answer older than PA_DETECT_EVERY_MS, or asked "in the future" (the clock was set back). */
int pa_detect_due(const pa_state *st, int first_or_full, int64_t now_ms);

/* The stored answer (known 0 when none). Returns 0, or -1 with e. */
int pa_state_load(store *s, pa_state *st, err_t *e);

/* Keeps a fresh answer, asked at asked_ms. Returns 0, or -1 with e. */
int pa_state_save(store *s, int on, int64_t asked_ms, err_t *e);

/* /checks asked Salesforce and got `on`: when it differs from the stored answer, the next run asks
 * again (the stored answer stays, so that run sees the change). Returns 0, or -1 with e. */
int pa_note_observed(store *s, int on, err_t *e);

#endif
