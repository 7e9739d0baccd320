/* webhook_reg.h - the dashboard's webhook address and its registration in ActiveCampaign: one home
 * for what the setup page and `optsync webhook --register` both do (webhook_reg.c). */
#ifndef OPTSYNC_WEBHOOK_REG_H
#define OPTSYNC_WEBHOOK_REG_H

#include <stddef.h>

#include "err.h"
#include "store.h"

/* Where ActiveCampaign posts: WEBHOOK_PATH then the secret. Spelled here only; the route table,
 * the receiver and the URL below all use it. */
#define WEBHOOK_PATH "/hooks/activecampaign/"

/* base (the public origin, no trailing slash) + WEBHOOK_PATH + the stored webhook secret (made
 * on first use). -1 with e when the secret cannot be read or the URL does not fit. */
int webhook_url(store *s, const char *base, char *out, size_t n, err_t *e);

/* Registers url in the ActiveCampaign account of conn for subscribe, unsubscribe and bounce from
 * every source, unless a webhook with that exact URL exists already (registering twice would
 * deliver every event twice): *existed says which. Rate-limited through rate_file. */
int webhook_register(const store_connection *conn, const char *rate_file, const char *url, int *existed,
                     err_t *e);

#endif
