/* cli.h - the optsync command line: one function per command, dispatched from one table. */
#ifndef OPTSYNC_CLI_H
#define OPTSYNC_CLI_H

#include <stdio.h>

#include "err.h"
#include "store.h"

/* Exit codes, SPEC section 5. */
enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2 };

typedef struct {
	const char *db;       /* --db, $OPTSYNC_DB, or var/optsync.db */
	const char *key_file; /* --key-file, $OPTSYNC_KEY_FILE, or <db dir>/secret.key */
	FILE *out;            /* stdout in the program; a memory stream in tests */
	FILE *err;            /* stderr likewise */
	FILE *in;             /* stdin (passwords) */
	int become_owner;     /* as root, work as the owner of the db's folder (the program, not tests) */
} cli_ctx;

typedef int (*cli_fn)(cli_ctx *c, int argc, char **argv);

typedef struct {
	const char *name;
	cli_fn fn;
	const char *usage; /* the usage line(s) after "optsync " */
	const char *help;  /* one sentence */
} cli_command;

/* Runs optsync with argv as the program got it (argv[0] is the program name). */
int cli_main(cli_ctx *c, int argc, char **argv);

/* The command table and a lookup by name. */
const cli_command *cli_commands(void);
const cli_command *cli_find(const char *name);

/* Prints "optsync: <cmd>: usage: ..." to c->err and returns CLI_USAGE. */
int cli_usage(cli_ctx *c, const char *cmd);
/* Prints "optsync: <msg>" (the error's message) to c->err and returns CLI_FAIL. */
int cli_fail(cli_ctx *c, const err_t *e);
/* Opens the store at the resolved paths; on failure prints the error and returns -1. */
int cli_open_store(cli_ctx *c, store **s);
/* 1 when argv holds -h or --help. */
int cli_wants_help(int argc, char **argv);
/* Prints the long help of one command to c->out and returns CLI_OK. */
int cli_help(cli_ctx *c, const char *cmd);

/* A secret option of `connect` (secret_arg.c): "-" reads one line of stdin; no option reads the
 * environment variable env. 1 with out filled, 0 when there is none, -1 (message printed). */
int cli_secret_arg(cli_ctx *c, const char *given, const char *env, char *out, size_t n);

/* Commands (cmd_*.c). */
int cmd_connect(cli_ctx *c, int argc, char **argv);
int cmd_set(cli_ctx *c, int argc, char **argv);
int cmd_user(cli_ctx *c, int argc, char **argv);
int cmd_sync(cli_ctx *c, int argc, char **argv);
int cmd_daemon(cli_ctx *c, int argc, char **argv);
int cmd_resync(cli_ctx *c, int argc, char **argv);
int cmd_check(cli_ctx *c, int argc, char **argv);
int cmd_log(cli_ctx *c, int argc, char **argv);
int cmd_show(cli_ctx *c, int argc, char **argv);
int cmd_audit(cli_ctx *c, int argc, char **argv);
int cmd_webhook(cli_ctx *c, int argc, char **argv);

/* Writes "<directory of the db>/<name>" into buf (the rate-limit file, the daemon's pid file...). */
void cli_var_path(const cli_ctx *c, const char *name, char *buf, size_t n);
#endif
