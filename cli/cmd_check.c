/* cmd_check.c - `optsync check [--json]` and `optsync audit [--csv]`. */
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "checks.h"
#include "cli.h"
#include "sync.h"

int cmd_check(cli_ctx *c, int argc, char **argv)
{
	if (cli_wants_help(argc, argv))
		return cli_help(c, "check");
	static const struct option o[] = {{"json", no_argument, NULL, 'j'}, {NULL, 0, NULL, 0}};
	int json = 0, ch;
	while ((ch = getopt_long(argc, argv, "", o, NULL)) != -1) {
		if (ch != 'j')
			return cli_usage(c, "check");
		json = 1;
	}
	if (optind != argc)
		return cli_usage(c, "check");
	store *s;
	if (cli_open_store(c, &s) < 0)
		return CLI_FAIL;
	char rate[1100];
	cli_var_path(c, "ac-rate.lock", rate, sizeof rate);
	check_result r[CHECKS_MAX];
	err_t e = {0};
	int n = checks_run(s, rate, r, CHECKS_MAX, &e);
	store_close(s);
	if (n < 0)
		return cli_fail(c, &e);
	check_status worst = checks_worst(r, n);
	if (json) {
		json_object *root = json_object_new_object(), *arr = json_object_new_array();
		for (int i = 0; i < n; i++) {
			json_object *o1 = json_object_new_object();
			json_object_object_add(o1, "id", json_object_new_string(r[i].id));
			json_object_object_add(o1, "title", json_object_new_string(r[i].title));
			json_object_object_add(o1, "status",
			                       json_object_new_string(check_status_name(r[i].status)));
			json_object_object_add(o1, "detail", json_object_new_string(r[i].detail));
			json_object_object_add(o1, "fix", json_object_new_string(r[i].fix));
			json_object_array_add(arr, o1);
		}
		json_object_object_add(root, "status", json_object_new_string(check_status_name(worst)));
		json_object_object_add(root, "checks", arr);
		fprintf(c->out, "%s\n",
		        json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
		                                                 JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(root);
	} else {
		for (int i = 0; i < n; i++) {
			fprintf(c->out, "%-4s  %s: %s\n", check_status_name(r[i].status), r[i].title,
			        r[i].detail);
			if (r[i].fix[0])
				fprintf(c->out, "      fix: %s\n", r[i].fix);
		}
	}
	if (worst == CHECK_FAIL) {
		fprintf(c->err, "optsync: check: at least one check failed\n");
		return CLI_FAIL;
	}
	return CLI_OK;
}

/* RFC 4180 field: quoted when it holds a comma, quote or line break; a leading =,+,-,@ is
 * prefixed with ' so a spreadsheet does not run it as a formula. */
static void csv_field(FILE *f, const char *s, int last)
{
	int formula = s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@';
	if (formula || strpbrk(s, ",\"\r\n")) {
		fputc('"', f);
		if (formula)
			fputc('\'', f);
		for (; *s; s++) {
			if (*s == '"')
				fputc('"', f);
			fputc(*s, f);
		}
		fputc('"', f);
	} else {
		fputs(s, f);
	}
	fputc(last ? '\n' : ',', f);
}

typedef struct {
	FILE *out;
	int csv;
} audit_out;

static int print_row(const audit_row *r, void *arg)
{
	audit_out *ao = arg;
	if (ao->csv) {
		csv_field(ao->out, r->email, 0);
		csv_field(ao->out, r->sf_side, 0);
		csv_field(ao->out, r->ac_side, 0);
		csv_field(ao->out, r->accepted ? "accepted" : "error", 0);
		csv_field(ao->out, r->reason, 1);
	} else {
		fprintf(ao->out, "%-36s SF %-10s AC %-10s %-8s %s\n", r->email, r->sf_side, r->ac_side,
		        r->accepted ? "accepted" : "error", r->reason);
	}
	return 0;
}

int cmd_audit(cli_ctx *c, int argc, char **argv)
{
	if (cli_wants_help(argc, argv))
		return cli_help(c, "audit");
	static const struct option o[] = {{"csv", no_argument, NULL, 'c'}, {NULL, 0, NULL, 0}};
	int csv = 0, ch;
	while ((ch = getopt_long(argc, argv, "", o, NULL)) != -1) {
		if (ch != 'c')
			return cli_usage(c, "audit");
		csv = 1;
	}
	if (optind != argc)
		return cli_usage(c, "audit");
	store *s;
	if (cli_open_store(c, &s) < 0)
		return CLI_FAIL;
	audit_out ao = {.out = c->out, .csv = csv};
	if (csv)
		fprintf(c->out, "email,salesforce,activecampaign,kind,reason\n");
	err_t e = {0};
	int n = sync_audit(s, print_row, &ao, &e);
	store_close(s);
	if (n < 0)
		return cli_fail(c, &e);
	if (!csv)
		fprintf(c->out, "%d %s whose two sides disagree\n", n, n == 1 ? "person" : "people");
	return CLI_OK;
}
