/* cmd_user.c - `optsync user add NAME --role admin|viewer`, the password read from stdin. */
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "setup_code.h"

static int valid_name(const char *n)
{
	size_t len = strlen(n);
	if (len == 0 || len > 64)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)n[i]) && !strchr("._-@", n[i]))
			return 0;
	return 1;
}

int cmd_user(cli_ctx *c, int argc, char **argv)
{
	if (cli_wants_help(argc, argv))
		return cli_help(c, "user");
	if (argc < 3 || strcmp(argv[1], "add") != 0)
		return cli_usage(c, "user");
	static const struct option opts[] = {{"role", required_argument, NULL, 'r'}, {NULL, 0, NULL, 0}};
	const char *role = NULL;
	int ch;
	argc--;
	argv++;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'r')
			role = optarg;
		else
			return cli_usage(c, "user");
	}
	if (!role || optind != argc - 1)
		return cli_usage(c, "user");
	const char *name = argv[optind];
	if (!valid_name(name)) {
		fprintf(c->err, "optsync: user: a name has 1 to 64 letters, digits or . _ - @\n");
		return CLI_USAGE;
	}
	if (strcmp(role, "admin") != 0 && strcmp(role, "viewer") != 0) {
		fprintf(c->err, "optsync: user: --role is admin or viewer\n");
		return CLI_USAGE;
	}
	char pw[1024];
	if (!c->in || !fgets(pw, sizeof pw, c->in)) {
		fprintf(c->err, "optsync: user: give the password on standard input\n");
		return CLI_FAIL;
	}
	pw[strcspn(pw, "\r\n")] = '\0';
	store *s;
	if (cli_open_store(c, &s) < 0)
		return CLI_FAIL;
	err_t e = {0};
	int rc = store_user_add(s, name, role, pw, &e);
	store_close(s);
	memset(pw, 0, sizeof pw);
	if (rc < 0)
		return cli_fail(c, &e);
	/* An administrator exists now: the first-run code has no use left. */
	if (strcmp(role, "admin") == 0 && setup_code_remove(c->db, &e) < 0)
		fprintf(c->err, "optsync: user: %s\n", e.msg);
	fprintf(c->out, "user %s added (%s)\n", name, role);
	return CLI_OK;
}
