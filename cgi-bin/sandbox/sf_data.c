/* sf_data.c - Salesforce REST data API under the instance URL: versions, query, describe, sObject
 * rows, sObject Collections update, limits; API usage accounting (Sforce-Limit-Info). */
#include "sf_schema.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const releases[][2] = {
    {"55.0", "Summer '22"}, {"56.0", "Winter '23"}, {"57.0", "Spring '23"}, {"58.0", "Summer '23"},
    {"59.0", "Winter '24"}, {"60.0", "Spring '24"}, {"61.0", "Summer '24"}, {"62.0", "Winter '25"},
    {"63.0", "Spring '25"}, {"64.0", "Summer '25"}};
#define NRELEASES (sizeof releases / sizeof releases[0])

static int version_ok(const char *v)
{
	/* vNN.N, from v31.0 (oldest the sandbox answers) to the newest listed */
	if (v[0] != 'v' || !isdigit((unsigned char)v[1]) || !isdigit((unsigned char)v[2]) || v[3] != '.' ||
	    !isdigit((unsigned char)v[4]) || v[5])
		return 0;
	int major = (v[1] - '0') * 10 + (v[2] - '0');
	return major >= 31 && major <= 64 && v[4] == '0';
}

static void versions(sbx_req *r)
{
	json_object *arr = json_object_new_array();
	for (size_t i = 0; i < NRELEASES; i++) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "label", sbx_jstr(releases[i][1]));
		json_object_object_add(o, "url", sbx_jstrf("/services/data/v%s", releases[i][0]));
		json_object_object_add(o, "version", sbx_jstr(releases[i][0]));
		json_object_array_add(arr, o);
	}
	sbx_resp_json(r, 200, arr);
}

static void resources(sbx_req *r)
{
	json_object *o = json_object_new_object();
	static const char *const names[] = {"sobjects", "query", "queryAll", "composite",
	                                    "limits",   "jobs",  NULL};
	for (int i = 0; names[i]; i++)
		json_object_object_add(o, names[i],
		                       sbx_jstrf("/services/data/%s/%s", r->sf_version, names[i]));
	sbx_resp_json(r, 200, o);
}

static const char *soap_type(char t)
{
	switch (t) {
	case 'i':
	case 'r':
	case 'u':
		return "tns:ID";
	case 'b':
		return "xsd:boolean";
	case 'd':
		return "xsd:dateTime";
	case 'D':
		return "xsd:date";
	case 'a':
		return "xsd:anyType";
	default:
		return "xsd:string";
	}
}

static const char *field_type_name(char t)
{
	switch (t) {
	case 'i':
		return "id";
	case 'r':
	case 'u':
		return "reference";
	case 'b':
		return "boolean";
	case 'd':
		return "datetime";
	case 'D':
		return "date";
	case 'e':
		return "email";
	case 'p':
		return "phone";
	case 'k':
		return "picklist";
	case 'a':
		return "anyType";
	default:
		return "string";
	}
}

static void describe(sbx_req *r, const sbx_sf_object *o)
{
	json_object *d = json_object_new_object();
	json_object_object_add(d, "name", sbx_jstr(o->name));
	json_object_object_add(d, "label", sbx_jstr(o->label));
	json_object_object_add(d, "labelPlural", sbx_jstrf("%ss", o->label));
	json_object_object_add(d, "keyPrefix", sbx_jstr(o->prefix));
	json_object_object_add(d, "custom", sbx_jbool(0));
	json_object_object_add(d, "queryable", sbx_jbool(1));
	json_object_object_add(d, "retrieveable", sbx_jbool(1));
	json_object_object_add(d, "searchable", sbx_jbool(o->writable));
	json_object_object_add(d, "createable", sbx_jbool(o->writable));
	json_object_object_add(d, "updateable", sbx_jbool(o->writable));
	json_object_object_add(d, "deletable", sbx_jbool(o->writable));
	json_object *fields = json_object_new_array();
	for (const sbx_sf_field *f = o->fields; f->name; f++) {
		if (o->writable && sbx_sf_field_access(o->name, f->name) == 0)
			continue; /* field-level security: invisible */
		json_object *j = json_object_new_object();
		json_object_object_add(j, "name", sbx_jstr(f->name));
		json_object_object_add(j, "label", sbx_jstr(f->label ? f->label : f->name));
		json_object_object_add(j, "type", sbx_jstr(field_type_name(f->type)));
		json_object_object_add(j, "soapType", sbx_jstr(soap_type(f->type)));
		json_object_object_add(j, "length", sbx_jint(f->length));
		json_object_object_add(j, "nillable", sbx_jbool(f->nillable));
		json_object_object_add(j, "createable", sbx_jbool(sbx_sf_field_updateable(o, f)));
		json_object_object_add(j, "updateable", sbx_jbool(sbx_sf_field_updateable(o, f)));
		json_object_object_add(j, "filterable", sbx_jbool(f->type != 'a'));
		json_object_object_add(j, "sortable", sbx_jbool(f->type != 'a'));
		json_object_object_add(j, "calculated", sbx_jbool(0));
		json_object_object_add(j, "custom", sbx_jbool(0));
		json_object_object_add(j, "defaultedOnCreate", sbx_jbool(f->type == 'b' || f->type == 'd'));
		json_object *refs = json_object_new_array();
		if (f->ref)
			json_object_array_add(refs, sbx_jstr(f->ref));
		json_object_object_add(j, "referenceTo", refs);
		json_object_object_add(j, "relationshipName", NULL);
		json_object_array_add(fields, j);
	}
	json_object_object_add(d, "fields", fields);
	json_object *urls = json_object_new_object();
	json_object_object_add(urls, "sobject",
	                       sbx_jstrf("/services/data/%s/sobjects/%s", r->sf_version, o->name));
	json_object_object_add(urls, "describe",
	                       sbx_jstrf("/services/data/%s/sobjects/%s/describe", r->sf_version, o->name));
	json_object_object_add(urls, "rowTemplate",
	                       sbx_jstrf("/services/data/%s/sobjects/%s/{ID}", r->sf_version, o->name));
	json_object_object_add(d, "urls", urls);
	sbx_resp_json(r, 200, d);
}

static void sobject_get(sbx_req *r, const sbx_sf_object *o, const char *id_in)
{
	char id[19];
	if (sbx_sf_norm_id(id_in, id) != 0 || strncmp(id, o->prefix, 3) != 0) {
		sbx_resp_error(r, 404, "NOT_FOUND",
		               "Provided external ID field does not exist or is not accessible: %.40s",
		               id_in);
		return;
	}
	sbx_buf sql = {0};
	sbx_buf_puts(&sql, "SELECT ");
	int n = 0;
	for (const sbx_sf_field *f = o->fields; f->name; f++) {
		if (o->writable && sbx_sf_field_access(o->name, f->name) == 0)
			continue;
		sbx_buf_printf(&sql, "%s%s", n++ ? ", " : "", f->col);
	}
	sbx_buf_printf(&sql, " FROM %s AND %s = ?1", o->from_all, o->fields[0].col); /* Id */
	sqlite3_stmt *st = sql.oom ? NULL : sbx_db_prep(r->app->db, sql.p);
	sbx_buf_free(&sql);
	if (!st)
		return;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		sbx_resp_error(r, 404, "NOT_FOUND", "The requested resource does not exist");
		return;
	}
	json_object *rec = json_object_new_object(), *attrs = json_object_new_object();
	char url[160];
	sbx_sf_record_url(r->sf_version, o->name, id, url, sizeof url);
	json_object_object_add(attrs, "type", sbx_jstr(o->name));
	json_object_object_add(attrs, "url", sbx_jstr(url));
	json_object_object_add(rec, "attributes", attrs);
	int deleted = 0, col = 0;
	for (const sbx_sf_field *f = o->fields; f->name; f++) {
		if (o->writable && sbx_sf_field_access(o->name, f->name) == 0)
			continue;
		if (strcmp(f->name, "IsDeleted") == 0)
			deleted = sqlite3_column_int(st, col);
		json_object_object_add(rec, f->name, sbx_sf_value_json(f, st, col++));
	}
	sqlite3_finalize(st);
	if (deleted) {
		json_object_put(rec);
		sbx_resp_error(r, 404, "ENTITY_IS_DELETED", "entity is deleted");
		return;
	}
	sbx_resp_json(r, 200, rec);
}

static json_object *record_error(const char *code, const char *msg, const char *field)
{
	json_object *e = json_object_new_object();
	json_object_object_add(e, "statusCode", sbx_jstr(code));
	json_object_object_add(e, "message", sbx_jstr(msg));
	json_object *fields = json_object_new_array();
	if (field && *field)
		json_object_array_add(fields, sbx_jstr(field));
	json_object_object_add(e, "fields", fields);
	return e;
}

static void sobject_patch(sbx_req *r, const sbx_sf_object *o, const char *id_in)
{
	json_object *body = sbx_req_json_body(r);
	if (!body)
		return;
	char code[64], msg[512], field[96], id[19];
	if (sbx_sf_update_record(r, o->name, id_in, body, code, sizeof code, msg, sizeof msg, field,
	                         sizeof field, id) != 0) {
		json_object *arr = json_object_new_array(), *e = json_object_new_object();
		json_object_object_add(e, "message", sbx_jstr(msg));
		json_object_object_add(e, "errorCode", sbx_jstr(code));
		json_object *fields = json_object_new_array();
		if (*field)
			json_object_array_add(fields, sbx_jstr(field));
		json_object_object_add(e, "fields", fields);
		json_object_array_add(arr, e);
		int status = strcmp(code, "INVALID_CROSS_REFERENCE_KEY") == 0 ? 404 : 400;
		sbx_resp_json(r, status, arr);
	} else {
		sbx_resp_text(r, 204, "application/json;charset=UTF-8", "");
	}
	json_object_put(body);
}

/* PATCH composite/sobjects: up to 200 records, results in request order; a failed record has no id. */
static void composite_update(sbx_req *r)
{
	json_object *body = sbx_req_json_body(r), *records, *aon;
	if (!body)
		return;
	int all_or_none = json_object_object_get_ex(body, "allOrNone", &aon) && json_object_get_boolean(aon);
	if (!json_object_object_get_ex(body, "records", &records) ||
	    !json_object_is_type(records, json_type_array)) {
		sbx_resp_error(r, 400, "INVALID_FIELD",
		               "No records were sent: the body needs \"records\": [ ... ]");
		goto out;
	}
	size_t n = json_object_array_length(records);
	if (n > 200) {
		sbx_resp_error(r, 400, "EXCEEDED_ID_LIMIT",
		               "record limit reached. cannot submit more than 200 records into this call");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		json_object *rec = json_object_array_get_idx(records, i), *attrs, *type;
		if (!json_object_is_type(rec, json_type_object) ||
		    !json_object_object_get_ex(rec, "attributes", &attrs) ||
		    !json_object_object_get_ex(attrs, "type", &type) ||
		    !json_object_is_type(type, json_type_string)) {
			sbx_resp_error(r, 400, "INVALID_TYPE", "Must send a concrete entity type.");
			goto out;
		}
		const sbx_sf_object *o = sbx_sf_object_find(json_object_get_string(type));
		if (!o || !o->writable) {
			sbx_resp_error(r, 400, "INVALID_TYPE", "sObject type '%.60s' is not supported.",
			               json_object_get_string(type));
			goto out;
		}
	}
	/* A run of records of one type is a chunk, and Salesforce processes at most 10 per request (REST
	 * API Developer Guide, sObject Collections). The guide does not show the refusal's body: this
	 * answers a 400 with the text Salesforce uses for the same limit elsewhere, and writes nothing. */
	size_t chunks = 0;
	const char *prev = NULL;
	for (size_t i = 0; i < n; i++) {
		json_object *attrs, *type;
		json_object_object_get_ex(json_object_array_get_idx(records, i), "attributes", &attrs);
		json_object_object_get_ex(attrs, "type", &type);
		const char *t = json_object_get_string(type);
		if (!prev || strcmp(prev, t) != 0)
			chunks++;
		prev = t;
	}
	if (chunks > 10) {
		sbx_counter_add(r->app->db, "composite_refused_chunks", 1);
		sbx_resp_error(
		    r, 400, "INVALID_BATCH_REQUEST",
		    "Cannot have more than 10 chunks in a single operation. Please rearrange the data "
		    "to reduce chunking.");
		goto out;
	}
	sbx_counter_add(r->app->db, "composite_calls", 1);
	sbx_counter_add(r->app->db, "composite_records", (int64_t)n);
	sbx_db_exec(r->app->db, "SAVEPOINT composite", NULL);
	json_object *results = json_object_new_array();
	int any_failed = 0;
	for (size_t i = 0; i < n; i++) {
		json_object *rec = json_object_array_get_idx(records, i), *attrs, *type, *idv = NULL;
		json_object_object_get_ex(rec, "attributes", &attrs);
		json_object_object_get_ex(attrs, "type", &type);
		json_object_object_get_ex(rec, "id", &idv);
		if (!idv)
			json_object_object_get_ex(rec, "Id", &idv);
		const char *id_in =
		    idv && json_object_is_type(idv, json_type_string) ? json_object_get_string(idv) : NULL;
		char code[64], msg[512], field[96], id[19];
		json_object *res = json_object_new_object();
		if (sbx_sf_update_record(r, json_object_get_string(type), id_in, rec, code, sizeof code, msg,
		                         sizeof msg, field, sizeof field, id) == 0) {
			json_object_object_add(res, "id", sbx_jstr(id));
			json_object_object_add(res, "success", sbx_jbool(1));
			json_object_object_add(res, "errors", json_object_new_array());
		} else {
			any_failed = 1;
			sbx_counter_add(r->app->db, "composite_failed_records", 1);
			json_object_object_add(res, "success", sbx_jbool(0));
			json_object *errs = json_object_new_array();
			json_object_array_add(errs, record_error(code, msg, field));
			json_object_object_add(res, "errors", errs);
		}
		json_object_array_add(results, res);
	}
	if (all_or_none && any_failed) {
		sbx_db_exec(r->app->db, "ROLLBACK TO composite", NULL);
		for (size_t i = 0; i < n; i++) {
			json_object *res = json_object_array_get_idx(results, i), *ok;
			json_object_object_get_ex(res, "success", &ok);
			if (!json_object_get_boolean(ok)) {
				continue;
			}
			json_object_object_del(res, "id");
			json_object_object_add(res, "success", sbx_jbool(0));
			json_object *errs = json_object_new_array();
			json_object_array_add(
			    errs, record_error("ALL_OR_NONE_OPERATION_ROLLED_BACK",
			                       "Record rolled back because not all records were valid and "
			                       "the request was using AllOrNone header",
			                       NULL));
			json_object_object_add(res, "errors", errs);
		}
	}
	sbx_db_exec(r->app->db, "RELEASE composite", NULL);
	sbx_resp_json(r, 200, results);
out:
	json_object_put(body);
}

static void limits(sbx_req *r)
{
	int64_t max = sbx_knob_int("sf_api_max"), used = sbx_counter_get(r->app->db, "sf_api_used");
	json_object *o = json_object_new_object();
	struct {
		const char *name;
		int64_t max, remaining;
	} rows[] = {{"DailyApiRequests", max, max - used > 0 ? max - used : 0},
	            {"DailyAsyncApexExecutions", 250000, 250000},
	            {"DailyBulkApiBatches", 15000, 15000 - sbx_counter_get(r->app->db, "bulk_jobs")},
	            {"DailyBulkV2QueryFileStorageMB", 976562, 976562},
	            {"DailyBulkV2QueryJobs", 10000, 10000},
	            /* event deliveries to CometD clients: CDC with platform events, PushTopic apart */
	            {"DailyDeliveredPlatformEvents", sbx_knob_int("stream_delivery_max"),
	             sbx_knob_int("stream_delivery_remaining")},
	            {"DailyDurableStreamingApiEvents", sbx_knob_int("pushtopic_delivery_max"),
	             sbx_knob_int("pushtopic_delivery_remaining")},
	            {"DataStorageMB", 1024, 1000},
	            {"FileStorageMB", 1024, 1024}};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		json_object *l = json_object_new_object();
		json_object_object_add(l, "Max", sbx_jint(rows[i].max));
		json_object_object_add(l, "Remaining", sbx_jint(rows[i].remaining));
		json_object_object_add(o, rows[i].name, l);
	}
	sbx_resp_json(r, 200, o);
}

static void not_allowed(sbx_req *r, const char *allowed)
{
	sbx_resp_error(r, 405, "METHOD_NOT_ALLOWED", "HTTP Method '%s' not allowed. Allowed are %s",
	               r->method, allowed);
}

static void run_query(sbx_req *r, int all_rows)
{
	char *q = malloc(SBX_URI_MAX);
	if (!q)
		return;
	if (!sbx_req_query(r, "q", q, SBX_URI_MAX) || !*q)
		sbx_resp_error(r, 400, "MALFORMED_QUERY", "A query string has to be specified");
	else
		sbx_soql_run(r, q, all_rows);
	free(q);
}

static void query(sbx_req *r)
{
	run_query(r, 0);
}

static void query_all(sbx_req *r)
{
	run_query(r, 1);
}

static void next_page(sbx_req *r)
{
	sbx_soql_next_page(r, r->cap[0]);
}

/* The check of the sobjects rows: an object the schema has (sf_schema.c). */
static int object_known(sbx_req *r)
{
	if (sbx_sf_object_find(r->cap[0]))
		return 1;
	sbx_resp_error(r, 404, "NOT_FOUND", "The requested resource does not exist");
	return 0;
}

static void object_describe(sbx_req *r)
{
	describe(r, sbx_sf_object_find(r->cap[0]));
}

/* GET sobjects/{type}: the basic info SF answers; optsync only needs it to exist. */
static void object_info(sbx_req *r)
{
	json_object *info = json_object_new_object();
	json_object_object_add(info, "objectDescribe", json_object_new_object());
	json_object_object_add(info, "recentItems", json_object_new_array());
	sbx_resp_json(r, 200, info);
}

static void record_get(sbx_req *r)
{
	sobject_get(r, sbx_sf_object_find(r->cap[0]), r->cap[1]);
}

static void record_patch(sbx_req *r)
{
	const sbx_sf_object *o = sbx_sf_object_find(r->cap[0]);
	if (o->writable)
		sobject_patch(r, o, r->cap[1]);
	else
		not_allowed(r, "GET,HEAD");
}

#define FIRST SBX_CHECK_FIRST

/* Data calls after the version, once authenticated and counted. An unknown object is a 404
 * whatever the method (FIRST). */
/* clang-format off */
static const sbx_route data_routes[] = {
	/* pattern               methods    handler           check         flags */
	{"query",                SBX_READ,  query,            NULL,         0},
	{"queryAll",             SBX_READ,  query_all,        NULL,         0},
	{"query/{}",             SBX_READ,  next_page,        NULL,         0},
	{"queryAll/{}",          SBX_READ,  next_page,        NULL,         0},
	{"limits",               SBX_READ,  limits,           NULL,         0},
	{"composite/sobjects",   SBX_PATCH, composite_update, NULL,         0},
	{"sobjects/PushTopic",   SBX_POST,  sbx_sf_pushtopic_create, NULL,  0},
	{"sobjects/{}/describe", SBX_READ,  object_describe,  object_known, FIRST},
	{"sobjects/{}",          SBX_READ,  object_info,      object_known, FIRST},
	{"sobjects/{}/{}",       SBX_READ,  record_get,       object_known, FIRST},
	{"sobjects/{}/{}",       SBX_PATCH, record_patch,     object_known, FIRST},
	{NULL, 0, NULL, NULL, 0},
};
/* clang-format on */

void sbx_sf_data_route(sbx_req *r)
{
	const char *p = r->path + 3; /* after "/sf" */
	if (strncmp(p, "/services/data", 14) == 0) {
		sbx_resp_error(r, 404, "NOT_FOUND",
		               "The requested resource does not exist (data calls go to the instance_url "
		               "returned with the "
		               "token, not to the login URL)");
		return;
	}
	if (strncmp(p, "/instance/cometd/", 17) == 0) {
		sbx_sf_stream_route(r);
		return;
	}
	if (strncmp(p, "/instance/services/data", 23) != 0) {
		sbx_resp_error(r, 404, "NOT_FOUND", "The requested resource does not exist");
		return;
	}
	p += 23;
	if (!*p || strcmp(p, "/") == 0) {
		versions(r);
		return;
	}
	/* "/vNN.N[/rest]" */
	const char *v = p + 1, *slash = strchr(v, '/');
	size_t vlen = slash ? (size_t)(slash - v) : strlen(v);
	if (vlen >= sizeof r->sf_version) {
		sbx_resp_error(r, 404, "NOT_FOUND", "The requested resource does not exist");
		return;
	}
	memcpy(r->sf_version, v, vlen);
	r->sf_version[vlen] = '\0';
	if (!version_ok(r->sf_version)) {
		sbx_resp_error(r, 404, "NOT_FOUND", "The requested resource does not exist");
		return;
	}
	if (!sbx_sf_auth_ok(r)) {
		sbx_resp_error(r, 401, "INVALID_SESSION_ID", "Session expired or invalid");
		return;
	}
	/* every authenticated data call counts against the daily allowance */
	sbx_counter_add(r->app->db, "sf_api_used", 1);
	int64_t used = sbx_counter_get(r->app->db, "sf_api_used"), max = sbx_knob_int("sf_api_max");
	char hv[64];
	snprintf(hv, sizeof hv, "api-usage=%lld/%lld", (long long)used, (long long)max);
	sbx_resp_header(r, "Sforce-Limit-Info", hv);
	if (used > max) {
		sbx_resp_error(r, 403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.");
		return;
	}
	const char *rest = slash ? slash + 1 : "";
	if (!*rest) {
		resources(r);
		return;
	}
	if (strncmp(rest, "jobs/", 5) == 0 || strcmp(rest, "jobs") == 0) {
		sbx_sf_bulk_route(r);
		return;
	}
	sbx_route_result res = sbx_route_run(r, data_routes, rest);
	if (res == SBX_ROUTE_DONE)
		return;
	if (res == SBX_ROUTE_NO_PATH) {
		sbx_resp_error(r, 404, "NOT_FOUND", "The requested resource does not exist");
		return;
	}
	/* SF's 405 names what the resource allows; a record of a read-only object allows no PATCH */
	const char *allowed = "GET,HEAD";
	if (sbx_path_match(r, "composite/sobjects", rest))
		allowed = "PATCH";
	else if (sbx_path_match(r, "sobjects/{}/{}", rest) && strcmp(r->cap[1], "describe") != 0 &&
	         sbx_sf_object_find(r->cap[0])->writable)
		allowed = "GET,HEAD,PATCH";
	not_allowed(r, allowed);
}
