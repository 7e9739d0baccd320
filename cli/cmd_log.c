/* cmd_log.c - `optsync log [--email E] [--limit N] [--json]`: the sync log, newest first. */
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "rules.h"
#include "store_log.h"

typedef struct {
	FILE *out;
	int json;
} log_out;

static void add_str(json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, v && *v ? json_object_new_string(v) : NULL);
}

static int print_entry(const log_entry *l, void *arg)
{
	log_out *lo = arg;
	if (lo->json) {
		json_object *o = json_object_new_object();
		add_str(o, "at", l->at);
		json_object_object_add(o, "run", l->run ? json_object_new_int64(l->run) : NULL);
		add_str(o, "direction", rules_direction_name(l->direction));
		add_str(o, "email", l->email);
		add_str(o, "object", l->object);
		add_str(o, "record", l->record);
		add_str(o, "action", rules_action_name(l->action));
		add_str(o, "status", action_status_name(l->status));
		add_str(o, "reason", l->reason);
		add_str(o, "error", l->error);
		fprintf(lo->out, "%s\n",
		        json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
		                                              JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	} else {
		fprintf(lo->out, "%s  %-6s %-8s %-30s %-7s %-18s %-11s %s%s%s\n", l->at,
		        l->direction != RULES_DIR_NONE ? rules_direction_name(l->direction) : "-",
		        action_status_name(l->status), l->email[0] ? l->email : "-",
		        l->object[0] ? l->object : "-", l->record[0] ? l->record : "-",
		        rules_action_name(l->action), l->reason, l->error[0] ? " | error: " : "", l->error);
	}
	return 0;
}

int cmd_log(cli_ctx *c, int argc, char **argv)
{
	if (cli_wants_help(argc, argv))
		return cli_help(c, "log");
	static const struct option o[] = {{"email", required_argument, NULL, 'e'},
	                                  {"limit", required_argument, NULL, 'l'},
	                                  {"json", no_argument, NULL, 'j'},
	                                  {NULL, 0, NULL, 0}};
	const char *email = NULL;
	long limit = 50;
	int json = 0, ch;
	while ((ch = getopt_long(argc, argv, "", o, NULL)) != -1) {
		char *end;
		switch (ch) {
		case 'e':
			email = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'l':
			limit = strtol(optarg, &end, 10);
			if (*end || limit < 1 || limit > 1000) {
				fprintf(c->err, "optsync: log: --limit is a number from 1 to 1000\n");
				return CLI_USAGE;
			}
			break;
		default:
			return cli_usage(c, "log");
		}
	}
	if (optind != argc)
		return cli_usage(c, "log");
	err_t e = {0};
	char norm[RULES_EMAIL_MAX + 1];
	if (email && rules_normalize_email(email, norm, sizeof norm, &e) < 0) {
		fprintf(c->err, "optsync: log: --email: %s\n", e.msg);
		return CLI_USAGE;
	}
	store *s;
	if (cli_open_store(c, &s) < 0)
		return CLI_FAIL;
	log_filter f = {.email = email ? norm : NULL, .limit = (int)limit};
	log_out lo = {.out = c->out, .json = json};
	int n = store_log_query(s, &f, print_entry, &lo, &e);
	store_close(s);
	if (n < 0)
		return cli_fail(c, &e);
	if (n == 0 && !json)
		fprintf(c->out, "no log entries%s%s\n", email ? " for " : "", email ? norm : "");
	return CLI_OK;
}
