/* cmd_show.c - `optsync show --email ADDRESS [--json]`: one person on both sides as optsync last
 * read them, and the sentence that explains the box (the words /contacts shows: contact_view). */
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "contact_view.h"
#include "rules.h"
#include "snapshot.h"
#include "timefmt.h"

/* Text that came from either API, printed with control characters (a terminal's escape
 * sequences) replaced, so a hostile name or tag cannot rewrite the admin's screen. */
static void put_clean(FILE *f, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		fputc(*p < 0x20 || *p == 0x7f ? '?' : *p, f);
}

static void line(FILE *f, const char *label, const char *value)
{
	fprintf(f, "%-16s", label);
	put_clean(f, value);
	fputc('\n', f);
}

static void print_tag(const char *name, void *ud)
{
	FILE *f = ud;
	fputs("                  tag ", f);
	put_clean(f, name);
	fputc('\n', f);
}

static void print_text(FILE *f, const contact_view *v)
{
	char buf[1400], t[48];
	line(f, "person", v->email);
	snprintf(buf, sizeof buf, "%s %s", v->state, v->why);
	line(f, "box", buf);
	if (v->different)
		line(f, "",
		     "The two sides differ: on purpose after a box was unchecked in Salesforce (only the "
		     "person can re-subscribe), otherwise the next sync or a resync settles it.");
	if (v->linked && v->link.failed[0]) {
		timefmt_human(v->link.failed_at, t, sizeof t);
		snprintf(buf, sizeof buf, "not decided since %s: %s", t, v->link.failed);
		line(f, "failed", buf);
	}
	if (v->ac_found) {
		timefmt_human(v->ac.udate, t, sizeof t);
		snprintf(buf, sizeof buf, "contact %s, changed %s, %s", v->ac.id, t,
		         v->ac.bounced_hard ? "hard-bounced" : "not bounced");
		line(f, "ActiveCampaign", buf);
		for (size_t i = 0; i < v->n_lists; i++) {
			snprintf(buf, sizeof buf, "list %s: %s", v->lists[i].id,
			         contact_view_list_status(v->lists[i].status));
			line(f, "", buf);
		}
		if (!v->n_lists)
			line(f, "", "on no list");
		tags_each(v->ac.tags, print_tag, f);
	} else {
		line(f, "ActiveCampaign", "no contact with this address has been read");
	}
	if (v->n_sf == 0)
		line(f, "Salesforce", "no Contact or Lead with this address has been read");
	for (int i = 0; i < v->n_sf; i++) {
		const sf_snapshot *r = &v->sf[i];
		timefmt_human(r->modstamp, t, sizeof t);
		snprintf(buf, sizeof buf, "%s %s: Email Opt Out %s%s%s%s, modified %s", r->object, r->id,
		         r->opted_out ? "checked" : "unchecked", r->is_converted ? ", converted to " : "",
		         r->is_converted ? r->converted_contact_id : "", r->linked ? ", linked" : "", t);
		line(f, i == 0 ? "Salesforce" : "", buf);
	}
	if (v->linked) {
		snprintf(buf, sizeof buf, "ActiveCampaign contact %s, last rule %s",
		         v->link.ac_contact_id[0] ? v->link.ac_contact_id : "none",
		         v->link.last_rule[0] ? v->link.last_rule : "none yet");
		line(f, "link", buf);
	}
	fprintf(f, "(as optsync last read both sides; `optsync resync --email ADDRESS` reads them again)\n");
}

static json_object *str_or_null(const char *s)
{
	return s && *s ? json_object_new_string(s) : NULL;
}

static void json_tag(const char *name, void *ud)
{
	json_object_array_add(ud, json_object_new_string(name));
}

static void print_json(FILE *f, const contact_view *v)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "email", json_object_new_string(v->email));
	json_object_object_add(o, "source", json_object_new_string("snapshot"));
	char sentence[1400];
	snprintf(sentence, sizeof sentence, "%s %s", v->state, v->why);
	json_object_object_add(o, "sentence", json_object_new_string(sentence));
	json_object_object_add(o, "state", json_object_new_string(v->state));
	json_object_object_add(o, "why", json_object_new_string(v->why));
	json_object_object_add(o, "different", json_object_new_boolean(v->different));
	json_object *link = NULL;
	if (v->linked) {
		link = json_object_new_object();
		json_object_object_add(link, "ac_contact", str_or_null(v->link.ac_contact_id));
		json_object_object_add(link, "last_rule", str_or_null(v->link.last_rule));
		json_object_object_add(link, "failed", str_or_null(v->link.failed));
		json_object_object_add(link, "failed_at", str_or_null(v->link.failed_at));
	}
	json_object_object_add(o, "link", link);
	json_object *ac = NULL;
	if (v->ac_found) {
		ac = json_object_new_object();
		json_object_object_add(ac, "id", json_object_new_string(v->ac.id));
		json_object_object_add(ac, "udate", str_or_null(v->ac.udate));
		json_object_object_add(ac, "bounced_hard", json_object_new_boolean(v->ac.bounced_hard));
		json_object *lists = json_object_new_array();
		for (size_t i = 0; i < v->n_lists; i++) {
			json_object *l = json_object_new_object();
			json_object_object_add(l, "list", json_object_new_string(v->lists[i].id));
			json_object_object_add(l, "status", json_object_new_int(v->lists[i].status));
			json_object_object_add(
			    l, "status_name",
			    json_object_new_string(contact_view_list_status(v->lists[i].status)));
			json_object_array_add(lists, l);
		}
		json_object_object_add(ac, "lists", lists);
		json_object *tags = json_object_new_array();
		tags_each(v->ac.tags, json_tag, tags);
		json_object_object_add(ac, "tags", tags);
	}
	json_object_object_add(o, "activecampaign", ac);
	json_object *sf = json_object_new_array();
	for (int i = 0; i < v->n_sf; i++) {
		const sf_snapshot *r = &v->sf[i];
		json_object *x = json_object_new_object();
		json_object_object_add(x, "object", json_object_new_string(r->object));
		json_object_object_add(x, "id", json_object_new_string(r->id));
		json_object_object_add(x, "email_opt_out", json_object_new_boolean(r->opted_out));
		json_object_object_add(x, "converted", json_object_new_boolean(r->is_converted));
		json_object_object_add(x, "converted_contact", str_or_null(r->converted_contact_id));
		json_object_object_add(x, "linked", json_object_new_boolean(r->linked));
		json_object_object_add(x, "modstamp", str_or_null(r->modstamp));
		json_object_array_add(sf, x);
	}
	json_object_object_add(o, "salesforce", sf);
	fprintf(f, "%s\n",
	        json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

int cmd_show(cli_ctx *c, int argc, char **argv)
{
	if (cli_wants_help(argc, argv))
		return cli_help(c, "show");
	static const struct option o[] = {
	    {"email", required_argument, NULL, 'e'}, {"json", no_argument, NULL, 'j'}, {NULL, 0, NULL, 0}};
	const char *email = NULL;
	int json = 0, ch;
	while ((ch = getopt_long(argc, argv, "", o, NULL)) != -1) {
		if (ch == 'e')
			email = optarg;
		else if (ch == 'j')
			json = 1;
		else
			return cli_usage(c, "show");
	}
	if (!email || optind != argc)
		return cli_usage(c, "show");
	char norm[RULES_EMAIL_MAX + 1];
	err_t e = {0};
	if (rules_normalize_email(email, norm, sizeof norm, &e) < 0) {
		fprintf(c->err, "optsync: show: --email: %s\n", e.msg);
		return CLI_USAGE;
	}
	store *s;
	if (cli_open_store(c, &s) < 0)
		return CLI_FAIL;
	contact_view *v;
	int rc = contact_view_read(s, norm, &v, &e);
	store_close(s);
	if (rc < 0)
		return cli_fail(c, &e);
	if (!v->known) {
		fprintf(
		    c->err,
		    "optsync: show: optsync has not seen %s on either side (no ActiveCampaign contact,"
		    " no Salesforce record, no link); `optsync resync --email %s` reads both sides for it\n",
		    norm, norm);
		contact_view_free(v);
		return CLI_FAIL;
	}
	if (json)
		print_json(c->out, v);
	else
		print_text(c->out, v);
	contact_view_free(v);
	return CLI_OK;
}
