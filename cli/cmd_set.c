/* cmd_set.c - `optsync set KEY VALUE`. */
#include <stdio.h>

#include "cli.h"
#include "settings.h"

int cmd_set(cli_ctx *c, int argc, char **argv)
{
	if (cli_wants_help(argc, argv)) {
		cli_help(c, "set");
		fprintf(c->out, "\nsettings:\n");
		for (const setting_def *d = settings_all(); d->key; d++)
			fprintf(c->out, "  %-15s %s (default %s)\n", d->key, d->description,
			        *d->def ? d->def : "none");
		return CLI_OK;
	}
	if (argc != 3)
		return cli_usage(c, "set");
	err_t e = {0};
	char value[600];
	store *s;
	if (cli_open_store(c, &s) < 0)
		return CLI_FAIL;
	int rc = settings_set(s, argv[1], argv[2], value, sizeof value, &e);
	store_close(s);
	if (rc < 0) {
		cli_fail(c, &e);
		return e.kind == ERR_USAGE ? CLI_USAGE : CLI_FAIL;
	}
	fprintf(c->out, "%s = %s\n", argv[1], value);
	return CLI_OK;
}
