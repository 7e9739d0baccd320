/* secret_arg.c - where `connect` reads a secret from: "-" means one line of standard input, and a
 * missing option falls back to an environment variable, so secrets stay out of `ps` and history. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cli_secret_arg(cli_ctx *c, const char *given, const char *env, char *out, size_t n)
{
	out[0] = '\0';
	if (given && strcmp(given, "-") == 0) {
		if (!c->in || !fgets(out, (int)n, c->in)) {
			fprintf(c->err, "optsync: connect: no secret on standard input\n");
			return -1;
		}
		out[strcspn(out, "\r\n")] = '\0';
		return 1;
	}
	const char *v = given ? given : env ? getenv(env) : NULL;
	if (!v || !*v)
		return 0;
	snprintf(out, n, "%s", v);
	return 1;
}
