/* webhook_reg.c - the webhook URL and its registration in ActiveCampaign, for the dashboard and
 * the CLI alike. */
#include "webhook_reg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ac.h"
#include "store_web.h"

int webhook_url(store *s, const char *base, char *out, size_t n, err_t *e)
{
	char secret[128];
	if (store_web_webhook_secret(s, secret, sizeof secret, e) < 0)
		return -1;
	int w = snprintf(out, n, "%s%s%s", base, WEBHOOK_PATH, secret);
	if (w < 0 || (size_t)w >= n)
		return err_set(e, ERR_INTERNAL, "webhook URL longer than %zu characters", n - 1);
	return 0;
}

int webhook_register(const store_connection *conn, const char *rate_file, const char *url, int *existed,
                     err_t *e)
{
	*existed = 0;
	ac_client *ac = ac_open(conn->url, conn->secret, rate_file, e);
	if (!ac)
		return -1;
	ac_webhook *hooks = NULL;
	size_t nh = 0;
	int rc = ac_webhooks(ac, &hooks, &nh, e);
	for (size_t i = 0; rc == 0 && i < nh; i++)
		if (strcmp(hooks[i].url, url) == 0)
			*existed = 1;
	free(hooks);
	if (rc == 0 && !*existed) {
		static const char *const events[] = {"subscribe", "unsubscribe", "bounce", NULL};
		static const char *const sources[] = {"public", "admin", "api", "system", NULL};
		ac_webhook made;
		/* list "0": every list of the account. */
		rc = ac_webhook_create(ac, "optsync", url, events, sources, "0", &made, e);
	}
	ac_close(ac);
	return rc;
}
