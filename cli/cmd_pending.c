/* cmd_pending.c - argument parsing of the commands whose work lands with the sync engine; each says
 * plainly that it cannot run yet rather than pretending. Moves to cmd_<name>.c as each is built. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Parses flags-only commands: every option in opts is a flag or takes a value; returns CLI_OK or
 * CLI_USAGE. */
static int parse_only(cli_ctx *c, const char *cmd, int argc, char **argv, const struct option *opts)
{
	if (cli_wants_help(argc, argv))
		return -1;
	int ch;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1)
		if (ch == '?' || ch == ':')
			return cli_usage(c, cmd);
	if (optind != argc)
		return cli_usage(c, cmd);
	return CLI_OK;
}




int cmd_check(cli_ctx *c, int argc, char **argv)
{
	static const struct option o[] = {{"json", no_argument, NULL, 'j'}, {0}};
	int rc = parse_only(c, "check", argc, argv, o);
	return rc < 0 ? cli_help(c, "check") : rc ? rc : cli_not_yet(c, "check");
}

int cmd_audit(cli_ctx *c, int argc, char **argv)
{
	static const struct option o[] = {{"csv", no_argument, NULL, 'c'}, {0}};
	int rc = parse_only(c, "audit", argc, argv, o);
	return rc < 0 ? cli_help(c, "audit") : rc ? rc : cli_not_yet(c, "audit");
}

int cmd_webhook(cli_ctx *c, int argc, char **argv)
{
	static const struct option o[] = {{"public-url", required_argument, NULL, 'u'},
					  {"register", no_argument, NULL, 'r'},
					  {0}};
	int rc = parse_only(c, "webhook", argc, argv, o);
	return rc < 0 ? cli_help(c, "webhook") : rc ? rc : cli_not_yet(c, "webhook");
}
