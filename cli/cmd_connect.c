/* cmd_connect.c - `optsync connect ac|sf`: verify credentials against the real service, then store them. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "connect.h"

/* Malformed arguments are usage errors (exit 2); a refusal by the service is a failure (exit 1). */
static int finish(cli_ctx *c, store *s, int rc, const err_t *e)
{
	store_close(s);
	if (rc == 0)
		return CLI_OK;
	cli_fail(c, e);
	return e->kind == ERR_USAGE ? CLI_USAGE : CLI_FAIL;
}

static int connect_ac_cmd(cli_ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"url", required_argument, NULL, 'u'}, {"key", required_argument, NULL, 'k'}, {NULL, 0, NULL, 0}};
	const char *url = NULL, *key = NULL;
	int ch;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'u')
			url = optarg;
		else if (ch == 'k')
			key = optarg;
		else
			return cli_usage(c, "connect");
	}
	char keybuf[512];
	int got = cli_secret_arg(c, key, "OPTSYNC_AC_KEY", keybuf, sizeof keybuf);
	if (got < 0)
		return CLI_FAIL;
	key = got ? keybuf : NULL;
	if (!url || !key || optind != argc)
		return cli_usage(c, "connect");
	store *s;
	if (cli_open_store(c, &s) < 0)
		return CLI_FAIL;
	char rate[1100];
	cli_var_path(c, "ac-rate.lock", rate, sizeof rate);
	err_t e = {0};
	store_connection conn;
	int rc = connect_ac(s, url, key, rate, &conn, &e);
	if (rc == 0)
		fprintf(c->out, "ActiveCampaign: connected to %s as %s\n", conn.url, conn.account);
	return finish(c, s, rc, &e);
}

static int connect_sf_cmd(cli_ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"login-url", required_argument, NULL, 'l'},     {"client-id", required_argument, NULL, 'i'},
	    {"client-secret", required_argument, NULL, 's'}, {"refresh-token", required_argument, NULL, 'r'},
	    {"api-version", required_argument, NULL, 'v'},   {NULL, 0, NULL, 0}};
	connect_sf_args a = {0};
	int ch;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'l':
			a.login_url = optarg;
			break;
		case 'i':
			a.client_id = optarg;
			break;
		case 's':
			a.client_secret = optarg;
			break;
		case 'r':
			a.refresh_token = optarg;
			break;
		case 'v':
			a.api_version = optarg;
			break;
		default:
			return cli_usage(c, "connect");
		}
	}
	char secret[512], refresh[1100];
	int gs = cli_secret_arg(c, a.client_secret, "OPTSYNC_SF_CLIENT_SECRET", secret, sizeof secret);
	int gr =
	    gs < 0 ? -1
	           : cli_secret_arg(c, a.refresh_token, "OPTSYNC_SF_REFRESH_TOKEN", refresh, sizeof refresh);
	if (gs < 0 || gr < 0)
		return CLI_FAIL;
	a.client_secret = gs ? secret : NULL;
	a.refresh_token = gr ? refresh : NULL;
	if (!a.login_url || !a.client_id || !a.client_secret || optind != argc)
		return cli_usage(c, "connect");
	store *s;
	if (cli_open_store(c, &s) < 0)
		return CLI_FAIL;
	err_t e = {0};
	store_connection conn;
	int rc = connect_sf(s, &a, &conn, &e);
	if (rc == 0)
		fprintf(c->out, "Salesforce: connected through %s; data at %s\n", conn.url,
		        conn.instance_url);
	return finish(c, s, rc, &e);
}

int cmd_connect(cli_ctx *c, int argc, char **argv)
{
	if (cli_wants_help(argc, argv))
		return cli_help(c, "connect");
	if (argc < 2)
		return cli_usage(c, "connect");
	if (strcmp(argv[1], "ac") == 0)
		return connect_ac_cmd(c, argc - 1, argv + 1);
	if (strcmp(argv[1], "sf") == 0)
		return connect_sf_cmd(c, argc - 1, argv + 1);
	fprintf(c->err, "optsync: connect: say 'ac' or 'sf', not '%s'\n", argv[1]);
	return cli_usage(c, "connect");
}
