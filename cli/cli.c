/* cli.c - global options, the command table and the shared helpers of every command. */
#include "cli.h"
#include "version.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "owner.h"

static const cli_command commands[] = {
    {"connect", cmd_connect,
     "connect ac --url URL --key KEY\n"
     "       optsync connect sf --login-url URL --client-id ID --client-secret SECRET [--refresh-token T] "
     "[--api-version vNN.N]",
     "Verify and store the credentials of one side. Give a secret as - to read it from standard input,"
     " or leave it out and set OPTSYNC_AC_KEY, OPTSYNC_SF_CLIENT_SECRET or OPTSYNC_SF_REFRESH_TOKEN:"
     " a secret on the command line is visible in ps and the shell history. Without a refresh token,"
     " Salesforce is reached with the client-credentials flow, which Salesforce accepts only on the"
     " org's My Domain login URL (https://YOURDOMAIN.my.salesforce.com), not on login.salesforce.com"
     " or test.salesforce.com; with a refresh token (from \"Connect Salesforce\" on /setup) any login"
     " URL works."},
    {"set", cmd_set, "set KEY VALUE", "Change a setting (sf_import, interval, sf_api_share, ...)."},
    {"sync", cmd_sync, "sync [--dry-run] [--full]", "Run one sync pass and print a one-line summary."},
    {"daemon", cmd_daemon, "daemon [--interval SECONDS] [--log-file PATH] [--no-stream]",
     "Sync on a timer and when webhook events arrive; with --log-file, SIGHUP reopens the file."},
    {"resync", cmd_resync, "resync --email ADDRESS",
     "Re-read both sides for one person and apply the rules."},
    {"check", cmd_check, "check [--json]", "Run the troubleshooting checks; exit 1 if any fails."},
    {"show", cmd_show, "show --email ADDRESS [--json]",
     "Show one person on both sides as optsync last read them, and why the box is what it is."},
    {"log", cmd_log, "log [--email E] [--limit N] [--json]", "Show the sync log, newest first."},
    {"audit", cmd_audit, "audit [--csv]", "List every linked person whose two sides disagree."},
    {"user", cmd_user, "user add NAME --role admin|viewer",
     "Add a dashboard user; password read from stdin."},
    {"webhook", cmd_webhook, "webhook [--public-url URL] [--register]",
     "Print the webhook URL; --register creates it in ActiveCampaign."},
    {NULL, NULL, NULL, NULL},
};

const cli_command *cli_commands(void)
{
	return commands;
}

const cli_command *cli_find(const char *name)
{
	for (const cli_command *k = commands; k->name; k++)
		if (strcmp(k->name, name) == 0)
			return k;
	return NULL;
}

int cli_usage(cli_ctx *c, const char *cmd)
{
	const cli_command *k = cmd ? cli_find(cmd) : NULL;
	if (k)
		fprintf(c->err, "optsync: usage: optsync [--db PATH] %s\n", k->usage);
	else
		fprintf(c->err, "optsync: usage: optsync [--db PATH] [--key-file PATH] COMMAND [ARGS] "
		                "(optsync --help lists the commands)\n");
	return CLI_USAGE;
}

int cli_fail(cli_ctx *c, const err_t *e)
{
	fprintf(c->err, "optsync: %s\n", e->msg[0] ? e->msg : "failed (no message)");
	return CLI_FAIL;
}

int cli_wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return 0;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return 1;
	}
	return 0;
}

int cli_help(cli_ctx *c, const char *cmd)
{
	const cli_command *k = cli_find(cmd);
	fprintf(c->out, "usage: optsync [--db PATH] %s\n\n%s\n", k->usage, k->help);
	return CLI_OK;
}

static void print_overview(FILE *f)
{
	fprintf(
	    f,
	    "optsync keeps Salesforce Email Opt Out in step with ActiveCampaign.\n\n"
	    "usage: optsync [--db PATH] [--key-file PATH] COMMAND [ARGS]\n\n"
	    "  --version        the version of this build\n"
	    "  --db PATH        database file (default $OPTSYNC_DB or var/optsync.db)\n"
	    "  --key-file PATH  secret key file (default $OPTSYNC_KEY_FILE or secret.key beside the db)\n\n"
	    "commands:\n");
	for (const cli_command *k = commands; k->name; k++)
		fprintf(f, "  %-8s %s\n", k->name, k->help);
	fprintf(f, "\n'optsync COMMAND --help' shows a command's options.\n");
}

int cli_open_store(cli_ctx *c, store **s)
{
	err_t e = {0};
	if (store_open(s, c->db, c->key_file, &e) < 0) {
		cli_fail(c, &e);
		return -1;
	}
	return 0;
}

int cli_main(cli_ctx *c, int argc, char **argv)
{
	if (!c->db)
		c->db = getenv("OPTSYNC_DB");
	if (!c->db || !*c->db)
		c->db = "var/optsync.db";
	if (!c->key_file)
		c->key_file = getenv("OPTSYNC_KEY_FILE");
	if (c->key_file && !*c->key_file)
		c->key_file = NULL;

	/* Global options stop at the first word that is not one: that is the command. */
	int i = 1;
	while (i < argc && argv[i][0] == '-') {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			print_overview(c->out);
			return CLI_OK;
		} else if (strcmp(a, "--version") == 0) {
			fprintf(c->out, "optsync %s\n", optsync_version);
			return CLI_OK;
		} else if (strcmp(a, "--db") == 0 || strcmp(a, "--key-file") == 0) {
			if (i + 1 >= argc || !*argv[i + 1]) {
				fprintf(c->err, "optsync: %s needs a path\n", a);
				return cli_usage(c, NULL);
			}
			if (a[2] == 'd')
				c->db = argv[i + 1];
			else
				c->key_file = argv[i + 1];
			i += 2;
		} else if (strncmp(a, "--db=", 5) == 0 && a[5]) {
			c->db = a + 5;
			i++;
		} else if (strncmp(a, "--key-file=", 11) == 0 && a[11]) {
			c->key_file = a + 11;
			i++;
		} else {
			fprintf(c->err, "optsync: unknown option %s\n", a);
			return cli_usage(c, NULL);
		}
	}
	if (i >= argc) {
		fprintf(c->err, "optsync: no command given\n");
		return cli_usage(c, NULL);
	}
	const cli_command *k = cli_find(argv[i]);
	if (!k) {
		fprintf(c->err, "optsync: unknown command '%s'\n", argv[i]);
		return cli_usage(c, NULL);
	}
	/* Root running a command against a database that the dashboard's user owns would leave
	 * root-owned -wal, -shm or key files the dashboard can no longer open: become that user
	 * first, before anything is opened (owner.h). */
	if (c->become_owner) {
		err_t e = {0};
		char who[64];
		if (owner_become(c->db, who, sizeof who, &e) < 0)
			return cli_fail(c, &e);
	}
	/* Each command sees argv[0] = its name, like a program of its own (getopt_long wants that). */
	optind = 0;
	opterr = 0;
	return k->fn(c, argc - i, argv + i);
}

void cli_var_path(const cli_ctx *c, const char *name, char *buf, size_t n)
{
	const char *slash = strrchr(c->db, '/');
	if (!slash)
		snprintf(buf, n, "%s", name);
	else
		snprintf(buf, n, "%.*s/%s", (int)(slash - c->db), c->db, name);
}
