/* checks.h - the troubleshooting checks as the dashboard shows them (/checks, /checks.json). The
 * checks that need only the store are computed here; those that need the APIs (field access, tags,
 * webhook registration, API headroom) come from the sync engine's checks once core provides them,
 * and say "not available yet" until then. */
#ifndef OPTSYNC_WEB_CHECKS_H
#define OPTSYNC_WEB_CHECKS_H

#include "web.h"

#define CHECKS_MAX 24

typedef struct {
	char id[32]; /* stable key for scripts: "ac_connection", "last_sync", ... */
	char name[96];
	char status[8];   /* pass | warn | fail */
	char detail[512]; /* what was found */
	char fix[512];    /* what to do, in words ("" when nothing) */
} web_check;

/* Runs every check; returns how many were written to out (at most max). */
int checks_run(web_req *r, web_check *out, int max);

#endif
