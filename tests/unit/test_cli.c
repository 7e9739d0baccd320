/* test_cli.c - the command line: usage errors exit 2 with a usage line, --help exits 0, the
 * commands of the foundation do their work against a temporary database. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "store.h"

static char dir[64], db[128];
static char outbuf[8192], errbuf[8192];

/* Runs optsync with the words of line (split on spaces) and stdin text; captures out and err. */
static int run(const char *line, const char *stdin_text)
{
	char copy[1024];
	snprintf(copy, sizeof copy, "optsync --db %s %s", db, line);
	char *argv[64];
	int argc = 0;
	for (char *tok = strtok(copy, " "); tok && argc < 63; tok = strtok(NULL, " "))
		argv[argc++] = tok;
	argv[argc] = NULL;
	FILE *out = fmemopen(outbuf, sizeof outbuf, "w");
	FILE *err = fmemopen(errbuf, sizeof errbuf, "w");
	FILE *in = stdin_text ? fmemopen((void *)stdin_text, strlen(stdin_text), "r") : NULL;
	memset(outbuf, 0, sizeof outbuf);
	memset(errbuf, 0, sizeof errbuf);
	cli_ctx c = {.out = out, .err = err, .in = in};
	int rc = cli_main(&c, argc, argv);
	fclose(out);
	fclose(err);
	if (in)
		fclose(in);
	return rc;
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/optsync-cli-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(db, sizeof db, "%s/optsync.db", dir);
	unsetenv("OPTSYNC_DB");
	unsetenv("OPTSYNC_KEY_FILE");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static void usage_errors_exit_2(void **state)
{
	(void)state;
	static const char *bad[] = {
	    "",
	    "nosuch",
	    "--bogus sync",
	    "connect",
	    "connect xx",
	    "connect ac --url https://a.api-us1.com",
	    "connect ac --key k",
	    "connect ac --url https://a.api-us1.com --key k extra",
	    "connect sf --login-url https://login.salesforce.com --client-id x",
	    "set",
	    "set interval",
	    "set interval 5",
	    "set nosuch 1",
	    "set sf_import maybe",
	    "sync --nope",
	    "sync extra",
	    "daemon --interval 0",
	    "daemon --interval abc",
	    "resync",
	    "resync --email",
	    "check --csv",
	    "log --limit 0",
	    "log --limit x",
	    "audit --json",
	    "user",
	    "user add",
	    "user add ada",
	    "user add ada --role god",
	    "user delete ada --role admin",
	    "webhook --nope",
	    "connect ac --url http://acme.api-us1.com --key k",
	    "connect ac --url https://a.api-us1.com --key bad\x01key",
	    "connect sf --login-url https://login.salesforce.com --client-id x --client-secret y "
	    "--api-version 62",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int rc = run(bad[i], NULL);
		if (rc != 2)
			fail_msg("'optsync %s' exited %d, not 2 (stderr: %s)", bad[i], rc, errbuf);
		assert_non_null(strstr(errbuf, "optsync"));
		assert_string_equal(outbuf, "");
	}
}

static void help_everywhere(void **state)
{
	(void)state;
	static const char *cmds[] = {"connect", "set", "sync",  "daemon", "resync",
	                             "check",   "log", "audit", "user",   "webhook"};
	assert_int_equal(run("--help", NULL), 0);
	assert_non_null(strstr(outbuf, "commands:"));
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
		char line[64];
		snprintf(line, sizeof line, "%s --help", cmds[i]);
		assert_int_equal(run(line, NULL), 0);
		assert_non_null(strstr(outbuf, "usage: optsync"));
		assert_non_null(strstr(outbuf, cmds[i]));
	}
}

static void set_stores_canonical_values(void **state)
{
	(void)state;
	assert_int_equal(run("set sf_api_share 0.80", NULL), 0);
	assert_string_equal(outbuf, "sf_api_share = 0.8\n");
	assert_int_equal(run("set sf_import ALL", NULL), 0);
	struct stat st;
	assert_int_equal(stat(db, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	store *s;
	err_t e = {0};
	assert_int_equal(store_open(&s, db, NULL, &e), 0);
	char v[16];
	assert_int_equal(store_setting_get(s, "sf_import", v, sizeof v, "new", &e), 1);
	assert_string_equal(v, "all");
	assert_int_equal(store_setting_get(s, "sf_api_share", v, sizeof v, "", &e), 1);
	assert_string_equal(v, "0.8");
	store_close(s);
}

static void user_add_reads_stdin(void **state)
{
	(void)state;
	assert_int_equal(run("user add ada --role admin", "a long passphrase\n"), 0);
	assert_int_equal(run("user add ada --role viewer", "another passphrase\n"), 1);
	assert_non_null(strstr(errbuf, "exists already"));
	assert_int_equal(run("user add bob --role viewer", ""), 1);
	store *s;
	err_t e = {0};
	assert_int_equal(store_open(&s, db, NULL, &e), 0);
	char role[16];
	int64_t id;
	assert_int_equal(store_user_check(s, "ada", "a long passphrase", role, sizeof role, &id, &e), 1);
	assert_string_equal(role, "admin");
	store_close(s);
}

static void connect_failure_names_system_and_cause(void **state)
{
	(void)state;
	/* Port 9 (discard) on loopback: nothing listens, the connection is refused at once. */
	assert_int_equal(run("connect ac --url http://127.0.0.1:9 --key abc123", NULL), 1);
	assert_non_null(strstr(errbuf, "ActiveCampaign"));
	assert_null(strstr(errbuf, "abc123"));
	assert_int_equal(
	    run("connect sf --login-url http://127.0.0.1:9 --client-id id --client-secret s3cr3tvalue", NULL),
	    1);
	assert_non_null(strstr(errbuf, "Salesforce"));
	assert_null(strstr(errbuf, "s3cr3tvalue"));
	/* Nothing half-saved. */
	store *s;
	err_t e = {0};
	assert_int_equal(store_open(&s, db, NULL, &e), 0);
	store_connection c;
	assert_int_equal(store_connection_load(s, "ac", &c, &e), 0);
	assert_int_equal(store_connection_load(s, "sf", &c, &e), 0);
	store_close(s);
}

static void db_from_environment(void **state)
{
	(void)state;
	char envdb[160];
	snprintf(envdb, sizeof envdb, "%s/env.db", dir);
	setenv("OPTSYNC_DB", envdb, 1);
	char *argv[] = {"optsync", "set", "interval", "60", NULL};
	cli_ctx c = {.out = fopen("/dev/null", "w"), .err = fopen("/dev/null", "w")};
	assert_int_equal(cli_main(&c, 4, argv), 0);
	fclose(c.out);
	fclose(c.err);
	unsetenv("OPTSYNC_DB");
	assert_int_equal(access(envdb, F_OK), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(usage_errors_exit_2, setup, teardown),
	    cmocka_unit_test_setup_teardown(help_everywhere, setup, teardown),
	    cmocka_unit_test_setup_teardown(set_stores_canonical_values, setup, teardown),
	    cmocka_unit_test_setup_teardown(user_add_reads_stdin, setup, teardown),
	    cmocka_unit_test_setup_teardown(connect_failure_names_system_and_cause, setup, teardown),
	    cmocka_unit_test_setup_teardown(db_from_environment, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
