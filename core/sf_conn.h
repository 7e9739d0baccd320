/* sf_conn.h - the Salesforce client of the stored connection: opened with the access token kept from
 * the last run, and every token it is granted (rotated refresh tokens too) kept in the store. */
#ifndef OPTSYNC_SF_CONN_H
#define OPTSYNC_SF_CONN_H

#include "err.h"
#include "sf.h"
#include "store.h"

/* Opens the client of connection c ("sf", as loaded from s) with options o (NULL: defaults). Each
 * token granted while it is open is stored in s (sealed) before it is used: s must outlive the
 * client and must not be inside a transaction when the client may ask for a token. */
sf_client *sf_conn_open(store *s, const store_connection *c, const sf_options *o, err_t *e);

#endif
