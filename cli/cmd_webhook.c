/* cmd_webhook.c - `optsync webhook [--public-url URL] [--register]`: the secret webhook URL, and its
 * registration in ActiveCampaign for subscribe, unsubscribe and bounce events. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "settings.h"
#include "store_web.h"
#include "url.h"
#include "webhook_reg.h"

int cmd_webhook(cli_ctx *c, int argc, char **argv)
{
	if (cli_wants_help(argc, argv))
		return cli_help(c, "webhook");
	static const struct option o[] = {{"public-url", required_argument, NULL, 'u'},
	                                  {"register", no_argument, NULL, 'r'},
	                                  {NULL, 0, NULL, 0}};
	const char *public_url = NULL;
	int reg = 0, ch;
	while ((ch = getopt_long(argc, argv, "", o, NULL)) != -1) {
		if (ch == 'u')
			public_url = optarg;
		else if (ch == 'r')
			reg = 1;
		else
			return cli_usage(c, "webhook");
	}
	if (optind != argc)
		return cli_usage(c, "webhook");
	err_t e = {0};
	char base[600] = "";
	store *s;
	if (cli_open_store(c, &s) < 0)
		return CLI_FAIL;
	int rc = CLI_OK;
	if (public_url && settings_set(s, "public_url", public_url, base, sizeof base, &e) < 0) {
		store_close(s);
		cli_fail(c, &e);
		return e.kind == ERR_USAGE ? CLI_USAGE : CLI_FAIL;
	} else if (!public_url && store_setting_get(s, "public_url", base, sizeof base, "", &e) < 0) {
		rc = CLI_FAIL;
	}
	if (rc == CLI_OK && !base[0]) {
		fprintf(c->err,
		        "optsync: webhook: no public URL yet: give --public-url https://YOUR-HOST (where "
		        "ActiveCampaign reaches this dashboard)\n");
		store_close(s);
		return CLI_FAIL;
	}
	char url[800];
	if (rc == CLI_OK && webhook_url(s, base, url, sizeof url, &e) < 0)
		rc = CLI_FAIL;
	if (rc == CLI_OK)
		fprintf(c->out, "%s\n", url);
	if (rc == CLI_OK && reg && url_check_webhook_base(base, &e) < 0)
		rc = CLI_FAIL;
	if (rc == CLI_OK && reg) {
		store_connection conn;
		int have = store_connection_load(s, "ac", &conn, &e);
		if (have <= 0) {
			if (have == 0)
				err_set(&e, ERR_CONFIG,
				        "ActiveCampaign is not connected: run optsync connect ac first");
			rc = CLI_FAIL;
		} else {
			char rate[1100];
			int exists = 0;
			cli_var_path(c, "ac-rate.lock", rate, sizeof rate);
			if (webhook_register(&conn, rate, url, &exists, &e) < 0)
				rc = CLI_FAIL;
			else
				fprintf(c->out,
				        "%s in ActiveCampaign for subscribe, unsubscribe and bounce\n",
				        exists ? "already registered" : "registered");
			memset(&conn, 0, sizeof conn);
		}
	}
	store_close(s);
	return rc == CLI_OK ? CLI_OK : cli_fail(c, &e);
}
