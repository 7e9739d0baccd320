/* main.c - the optsync program: hands argv to cli_main with the real streams. */
#include <stdio.h>

#include "cli.h"

int main(int argc, char **argv)
{
	cli_ctx c = {.out = stdout, .err = stderr, .in = stdin, .become_owner = 1};
	return cli_main(&c, argc, argv);
}
