/* ac.c - AC v3 front: the Api-Token check, the route table, and the answers all resources share. */
#include "sbx.h"
#include "sbx_ac.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sbx_ac_auth_ok(sbx_req *r)
{
	const char *key = sbx_req_env(r, "HTTP_API_TOKEN");
	const char *want = sbx_knob_str("ac_api_key");
	return key && want && strcmp(key, want) == 0;
}

/* AC's validation errors: {"errors":[{"title","detail","code","source":{"pointer"}}]} */
void sbx_ac_422(sbx_req *r, int status, const char *title, const char *code, const char *pointer)
{
	json_object *e = json_object_new_object();
	json_object_object_add(e, "title", sbx_jstr(title));
	json_object_object_add(e, "detail", sbx_jstr(""));
	json_object_object_add(e, "code", sbx_jstr(code));
	if (pointer) {
		json_object *src = json_object_new_object();
		json_object_object_add(src, "pointer", sbx_jstr(pointer));
		json_object_object_add(e, "source", src);
	}
	json_object *arr = json_object_new_array();
	json_object_array_add(arr, e);
	json_object *o = json_object_new_object();
	json_object_object_add(o, "errors", arr);
	sbx_resp_json(r, status, o);
}

void sbx_ac_no_subscriber(sbx_req *r, const char *id)
{
	sbx_resp_error(r, 404, "NOT_FOUND", "No Result found for Subscriber with id %s", id);
}

void sbx_ac_link(sbx_req *r, json_object *links, const char *kind, const char *id, const char *what)
{
	char url[700];
	snprintf(url, sizeof url, "%s/ac/api/3/%s/%s/%s", r->base, kind, id, what);
	json_object_object_add(links, what, sbx_jstr(url));
}

json_object *sbx_ac_time_or_null(int64_t ms, int present)
{
	if (!present)
		return NULL;
	char t[40];
	sbx_fmt_ac_time(ms, t, sizeof t);
	return sbx_jstr(t);
}

int sbx_ac_valid_email(const char *e)
{
	size_t n = strlen(e);
	const char *at = strchr(e, '@');
	if (n < 3 || n > 254 || !at || at == e || strchr(at + 1, '@') || !strchr(at + 1, '.') || at[1] == '.')
		return 0;
	for (const char *p = e; *p; p++)
		if (isspace((unsigned char)*p) || *p == ',' || *p == '<' || *p == '>')
			return 0;
	return e[n - 1] != '.';
}

/* limit (default 20, at most 100: AC caps pages) and offset of a collection request. */
void sbx_ac_page_args(const sbx_req *r, int64_t *limit, int64_t *offset)
{
	char v[32], *end;
	*limit = 20;
	*offset = 0;
	if (sbx_req_query(r, "limit", v, sizeof v) && *v) {
		*limit = strtoll(v, &end, 10);
		if (*end || *limit <= 0)
			*limit = 20;
		if (*limit > 100)
			*limit = 100;
	}
	if (sbx_req_query(r, "offset", v, sizeof v) && *v) {
		*offset = strtoll(v, &end, 10);
		if (*end || *offset < 0)
			*offset = 0;
	}
}

/* The checks of the rows with an id: a positive number into r->id, else AC's "No Result found". */
static int contact_id(sbx_req *r)
{
	if (sbx_parse_id(r->cap[0], &r->id))
		return 1;
	sbx_ac_no_subscriber(r, r->cap[0]);
	return 0;
}

static int tag_id(sbx_req *r)
{
	if (sbx_parse_id(r->cap[0], &r->id))
		return 1;
	sbx_resp_error(r, 404, "NOT_FOUND", "No Result found for Tag with id %s", r->cap[0]);
	return 0;
}

static int contact_tag_id(sbx_req *r)
{
	if (sbx_parse_id(r->cap[0], &r->id))
		return 1;
	sbx_resp_error(r, 404, "NOT_FOUND", "No Result found for ContactTag with id %s", r->cap[0]);
	return 0;
}

static int webhook_id(sbx_req *r)
{
	if (sbx_parse_id(r->cap[0], &r->id))
		return 1;
	sbx_resp_error(r, 404, "NOT_FOUND", "No Result found for Webhook with id %s", r->cap[0]);
	return 0;
}

#define FIRST SBX_CHECK_FIRST

/* Every path under /ac/api/3/. A contact's or webhook's id that is not a number is refused
 * whatever the method (FIRST); a tag's or contact tag's only under the methods they answer, so a
 * wrong method there is a 405 first. */
/* clang-format off */
static const sbx_route ac_routes[] = {
	/* pattern                   methods                handler                     check           flags */
	{"users/me",                 SBX_READ,              sbx_ac_users_me,            NULL,           0},
	{"contacts",                 SBX_READ,              sbx_ac_contacts_list,       NULL,           0},
	{"contacts",                 SBX_POST,              sbx_ac_contacts_post,       NULL,           0},
	{"contact/sync",             SBX_POST,              sbx_ac_contact_sync,        NULL,           0},
	{"contacts/{}",              SBX_READ,              sbx_ac_contact_get,         contact_id,     FIRST},
	{"contacts/{}",              SBX_PUT | SBX_POST,    sbx_ac_contact_update,      contact_id,     FIRST},
	{"contacts/{}",              SBX_DELETE,            sbx_ac_contact_delete,      contact_id,     FIRST},
	{"contacts/{}/contactLists", SBX_READ,              sbx_ac_contact_lists_get,   contact_id,     0},
	{"contacts/{}/contactTags",  SBX_READ,              sbx_ac_contact_tags_get,    contact_id,     0},
	{"contacts/{}/bounceLogs",   SBX_READ,              sbx_ac_bounce_logs_get,     contact_id,     0},
	{"contactLists",             SBX_POST,              sbx_ac_contact_lists_post,  NULL,           0},
	{"lists",                    SBX_READ,              sbx_ac_lists_get,           NULL,           0},
	{"lists/{}",                 SBX_READ,              sbx_ac_list_get,            NULL,           0},
	{"tags",                     SBX_READ,              sbx_ac_tags_get,            NULL,           0},
	{"tags",                     SBX_POST,              sbx_ac_tags_post,           NULL,           0},
	{"tags/{}",                  SBX_READ,              sbx_ac_tag_get,             tag_id,         0},
	{"contactTags",              SBX_POST,              sbx_ac_contact_tags_post,   NULL,           0},
	{"contactTags/{}",           SBX_DELETE,            sbx_ac_contact_tag_delete,  contact_tag_id, 0},
	{"webhooks",                 SBX_READ,              sbx_ac_webhooks_get,        NULL,           0},
	{"webhooks",                 SBX_POST,              sbx_ac_webhooks_post,       NULL,           0},
	{"webhooks/{}",              SBX_READ | SBX_DELETE, sbx_ac_webhook_one,         webhook_id,     FIRST},
	{"webhooks/{}",              SBX_PUT,               sbx_ac_webhook_put,         webhook_id,     FIRST},
	{"webhook/events",           SBX_READ,              sbx_ac_webhook_events_get,  NULL,           0},
	{"import/bulk_import",       SBX_POST,              sbx_ac_import_post,         NULL,           0},
	{"import/info",              SBX_READ,              sbx_ac_import_info,         NULL,           0},
	{NULL, 0, NULL, NULL, 0},
};
/* clang-format on */

void sbx_ac_route(sbx_req *r)
{
	const char *p = r->path + 3; /* after "/ac" */
	if (strncmp(p, "/api/3/", 7) != 0) {
		sbx_resp_error(r, 404, "NOT_FOUND", "Not Found");
		return;
	}
	if (!sbx_ac_auth_ok(r)) {
		sbx_resp_error(r, 403, "FORBIDDEN", "No Result found for User with api_key");
		return;
	}
	switch (sbx_route_run(r, ac_routes, p + 7)) {
	case SBX_ROUTE_DONE:
		return;
	case SBX_ROUTE_NO_METHOD:
		sbx_resp_error(r, 405, "METHOD_NOT_ALLOWED", "Method Not Allowed");
		return;
	case SBX_ROUTE_NO_PATH:
		sbx_resp_error(r, 404, "NOT_FOUND", "Not Found");
		return;
	}
}
