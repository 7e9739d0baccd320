/* sf_conn.c - opening the Salesforce client of the stored connection, and keeping its tokens. */
#include "sf_conn.h"

#include <stdio.h>

#include "timefmt.h"

static int keep_tokens(const sf_token *t, void *ud, err_t *e)
{
	char issued[32];
	timefmt_iso_ms(t->issued_at_ms > 0 ? (int64_t)t->issued_at_ms : timefmt_now_ms(), issued, sizeof issued);
	return store_sf_tokens_save(ud, t->access_token, t->instance_url, issued, t->refresh_token, e);
}

sf_client *sf_conn_open(store *s, const store_connection *c, const sf_options *o, err_t *e)
{
	sf_config cfg = {.login_url = c->url,
	                 .client_id = c->client_id,
	                 .client_secret = c->secret,
	                 .refresh_token = c->refresh_token[0] ? c->refresh_token : NULL,
	                 .api_version = c->api_version,
	                 .access_token = c->access_token,
	                 .instance_url = c->instance_url};
	sf_client *sf = sf_open_opts(&cfg, o, e);
	if (sf)
		sf_on_token(sf, keep_tokens, s);
	return sf;
}
