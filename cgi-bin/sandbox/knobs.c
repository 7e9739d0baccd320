/* knobs.c - fault and behaviour knobs: one table gives each knob's type, range, default and help. */
#include "sbx.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	sbx_knob_info info;
	double min, max;
	const char *dflt; /* JSON text */
	const char *const *choices;
} knob_spec;

static const char *const targets[] = {"ac", "sf", "any", NULL};
static const char *const date_formats[] = {"offset", "local", NULL};
static const char *const malformed_kinds[] = {"truncated", "not_json", "wrong_types", "empty", "html", NULL};

static const knob_spec specs[] = {
    {{"error_rate", 'n', "share (0..1) of AC/SF API requests answered 503 at random"}, 0, 1, "0", NULL},
    {{"error_target", 't', "which API error_rate hits: ac, sf or any"}, 0, 0, "\"any\"", targets},
    {{"record_error_rate", 'n', "share (0..1) of composite/bulk records failing with UNABLE_TO_LOCK_ROW"},
     0,
     1,
     "0",
     NULL},
    {{"latency_ms", 'i', "added delay before each API answer"}, 0, 60000, "0", NULL},
    {{"latency_target", 't', "which API latency_ms slows: ac, sf or any"}, 0, 0, "\"any\"", targets},
    {{"ac_rate_limit", 'i', "AC requests allowed in any one-second window (0 = no limit)"},
     0,
     100000,
     "5",
     NULL},
    {{"token_lifetime_s", 'i', "lifetime of SF access tokens"}, 1, 2592000, "7200", NULL},
    {{"fail_once", 'j',
      "{\"id\":\"003...\",\"code\":\"UNABLE_TO_LOCK_ROW\"} or a list: fail that record's next write"},
     0,
     0,
     "null",
     NULL},
    {{"fail_always", 'j', "same shape: fail every write of that record"}, 0, 0, "null", NULL},
    {{"sf_api_max", 'i', "SF DailyApiRequests Max (Sforce-Limit-Info)"}, 1, 1e9, "15000", NULL},
    {{"sf_api_used", 'i', "SF API requests used today (setting it moves the counter)"}, 0, 1e9, "0", NULL},
    {{"sf_page_size", 'i', "SOQL query page size (records per page before nextRecordsUrl)"},
     1,
     2000,
     "2000",
     NULL},
    {{"field_history", 'b', "field history tracking on HasOptedOutOfEmail (ContactHistory/LeadHistory rows)"},
     0,
     0,
     "false",
     NULL},
    {{"person_accounts", 'b',
      "Person Accounts enabled: Account has IsPersonAccount and the Person* fields, mirror Contacts"},
     0,
     0,
     "false",
     NULL},
    {{"history_objects", 'b',
      "ContactHistory and LeadHistory exist (history tracking on the objects); false: INVALID_TYPE"},
     0,
     0,
     "true",
     NULL},
    {{"malformed", 't', "mangle the JSON answers of ac, sf or any (null = off)"}, 0, 0, "null", targets},
    {{"malformed_kind", 's', "truncated, not_json, wrong_types, empty or html"},
     0,
     0,
     "\"truncated\"",
     malformed_kinds},
    {{"malformed_count", 'i', "how many answers to mangle (0 = until cleared)"}, 0, 1e6, "0", NULL},
    {{"oversized", 't', "answer ac, sf or any with an oversized JSON body (null = off)"},
     0,
     0,
     "null",
     targets},
    {{"oversized_bytes", 'i', "size of the oversized body"}, 1, 1073741824, "33554432", NULL},
    {{"oversized_count", 'i', "how many answers to blow up (0 = until cleared)"}, 0, 1e6, "0", NULL},
    {{"status_code", 'i', "force this HTTP status (400..599, 0 = off)"}, 0, 599, "0", NULL},
    {{"status_count", 'i', "how many answers get status_code (0 = until cleared)"}, 0, 1e6, "0", NULL},
    {{"status_target", 't', "which API status_code hits: ac, sf or any"}, 0, 0, "\"any\"", targets},
    {{"status_path", 's', "only paths containing this text get status_code (null = all)"},
     0,
     0,
     "null",
     NULL},
    {{"lost_answer_path", 's', "POSTs to paths containing this are done, then answered 504 (null = off)"},
     0,
     0,
     "null",
     NULL},
    {{"lost_answer_count", 'i', "how many answers to lose (0 = until cleared)"}, 0, 1e6, "0", NULL},
    {{"retry_after_s", 'i', "Retry-After sent with a forced 429"}, 0, 3600, "1", NULL},
    {{"clock_skew_s", 'i', "the sandbox clock runs this many seconds ahead (negative: behind)"},
     -1e8,
     1e8,
     "0",
     NULL},
    {{"ac_utc_offset_min", 'i', "AC account time zone offset in minutes (udate, date_time)"},
     -840,
     840,
     "-360",
     NULL},
    {{"ac_import_rate_limit", 'i', "AC bulk imports of several contacts allowed per window (AC: 100 a minute; 0 = no limit)"},
     0,
     100000,
     "100",
     NULL},
    {{"ac_import_window_s", 'i', "the window of ac_import_rate_limit in seconds (AC: 60)"}, 1, 3600, "60", NULL},
    {{"ac_import_poll_count", 'i', "GETs of import/info (after its first second) that still say active"},
     0,
     1000,
     "1",
     NULL},
    {{"ac_import_fail_email", 's', "this email fails in every bulk import (listed in failure, not written)"},
     0,
     0,
     "null",
     NULL},
    {{"bulk_poll_count", 'i', "GETs of a bulk job that still say InProgress"}, 0, 1000, "1", NULL},
    {{"sf_refresh_rotation", 'b',
      "refresh-token rotation: each refresh answers a new refresh token and invalidates the one used"},
     0,
     0,
     "false",
     NULL},
    {{"sf_generic_login", 'b',
      "the login URL acts as login.salesforce.com: the client-credentials grant is refused there"},
     0,
     0,
     "false",
     NULL},
    {{"oauth_auto_approve", 'b', "authorize redirects at once instead of showing the approval page"},
     0,
     0,
     "false",
     NULL},
    {{"sf_callback_url", 's', "the only redirect_uri accepted (null = any)"}, 0, 0, "null", NULL},
    {{"field_access", 'j',
      "{\"Contact\":\"edit\"|\"read\"|\"none\",\"Lead\":...} access to HasOptedOutOfEmail"},
     0,
     0,
     "{\"Contact\":\"edit\",\"Lead\":\"edit\"}",
     NULL},
    {{"stream_cdc", 'b', "Change Data Capture on for Contact and Lead; false: /data/ subscriptions refused (403)"},
     0,
     0,
     "true",
     NULL},
    {{"stream_pushtopic", 'b', "PushTopics may be created (false: POST sobjects/PushTopic answers 403)"},
     0,
     0,
     "true",
     NULL},
    {{"stream_hold_ms", 'i', "longest a /meta/connect waits for an event (gives way to other requests)"},
     0,
     10000,
     "3000",
     NULL},
    {{"stream_replay_too_old", 'b', "a subscription from a stored replay id answers 400 (outside retention)"},
     0,
     0,
     "false",
     NULL},
    {{"stream_deny", 'i', "the next N /meta/connect answer 403::Unknown client (the server forgot the client)"},
     0,
     1000,
     "0",
     NULL},
    {{"stream_retain", 'i', "change events kept for replay (the oldest go first)"}, 1, 100000, "1000", NULL},
    {{"stream_delivery_max", 'i', "limits: DailyDeliveredPlatformEvents Max (CDC's daily event delivery allocation)"},
     0,
     1e9,
     "50000",
     NULL},
    {{"stream_delivery_remaining", 'i',
      "limits: DailyDeliveredPlatformEvents Remaining; each CDC event delivered takes one, at 0 /meta/connect "
      "answers 403::Organization total events daily limit exceeded"},
     0,
     1e9,
     "50000",
     NULL},
    {{"pushtopic_delivery_max", 'i', "limits: DailyDurableStreamingApiEvents Max (PushTopic's allocation)"},
     0,
     1e9,
     "50000",
     NULL},
    {{"pushtopic_delivery_remaining", 'i',
      "limits: DailyDurableStreamingApiEvents Remaining; each PushTopic event delivered takes one"},
     0,
     1e9,
     "50000",
     NULL},
    {{"webhook_drop", 'b', "lose every webhook (recorded as dropped, not sent)"}, 0, 0, "false", NULL},
    {{"webhook_repeat", 'i', "send each webhook this many times, unchanged (AC delivers at least once)"},
     1,
     5,
     "1",
     NULL},
    {{"webhook_date_format", 's',
      "date_time of webhooks: offset (ISO 8601 with the account's offset) or local"},
     0,
     0,
     "\"offset\"",
     date_formats},
    {{"webhook_delay_ms", 'i', "wait before delivering each webhook"}, 0, 60000, "0", NULL},
    {{"webhook_timeout_ms", 'i', "timeout of a webhook POST"}, 100, 60000, "5000", NULL},
    {{"ac_api_key", 's', "the AC Api-Token accepted"}, 0, 0, "\"" SBX_AC_KEY_DEFAULT "\"", NULL},
    {{"sf_client_id", 's', "the SF connected app consumer key"},
     0,
     0,
     "\"" SBX_SF_CLIENT_ID_DEFAULT "\"",
     NULL},
    {{"sf_client_secret", 's', "the SF connected app consumer secret"},
     0,
     0,
     "\"" SBX_SF_CLIENT_SECRET_DEFAULT "\"",
     NULL},
    {{NULL, 0, NULL}, 0, 0, NULL, NULL},
};

static json_object *g_knobs;
static sbx_knob_info g_info[sizeof specs / sizeof specs[0]];

const sbx_knob_info *sbx_knobs_info(void)
{
	for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++)
		g_info[i] = specs[i].info;
	return g_info;
}

static const knob_spec *spec_of(const char *name)
{
	for (const knob_spec *s = specs; s->info.name; s++)
		if (strcmp(s->info.name, name) == 0)
			return s;
	return NULL;
}

const char *sbx_knob_default(const char *name)
{
	const knob_spec *s = spec_of(name);
	return s ? s->dflt : NULL;
}

static void set_defaults(void)
{
	json_object_put(g_knobs);
	g_knobs = json_object_new_object();
	for (const knob_spec *s = specs; s->info.name; s++)
		json_object_object_add(g_knobs, s->info.name, json_tokener_parse(s->dflt));
}

static void save(sqlite3 *db)
{
	json_object *copy = NULL;
	json_object_deep_copy(g_knobs, &copy, NULL);
	json_object_object_del(copy, "sf_api_used"); /* lives in counters */
	sbx_meta_set(db, "knobs", json_object_to_json_string_ext(copy, JSON_C_TO_STRING_PLAIN));
	json_object_put(copy);
}

int sbx_knobs_load(sqlite3 *db)
{
	set_defaults();
	char *saved = NULL;
	if (sbx_meta_get(db, "knobs", &saved)) {
		json_object *o = json_tokener_parse(saved);
		if (o && json_object_is_type(o, json_type_object)) {
			json_object_object_foreach(o, k, v)
			{
				if (spec_of(k))
					json_object_object_add(g_knobs, k, json_object_get(v));
			}
		}
		json_object_put(o);
		free(saved);
	}
	return 0;
}

json_object *sbx_knobs_get_all(void)
{
	if (!g_knobs)
		set_defaults();
	return g_knobs;
}

static json_object *raw(const char *name)
{
	json_object *v = NULL;
	json_object_object_get_ex(sbx_knobs_get_all(), name, &v);
	return v;
}

int64_t sbx_knob_int(const char *name)
{
	json_object *v = raw(name);
	if (!v)
		return 0;
	if (json_object_is_type(v, json_type_boolean))
		return json_object_get_boolean(v);
	return json_object_get_int64(v);
}

double sbx_knob_num(const char *name)
{
	json_object *v = raw(name);
	return v ? json_object_get_double(v) : 0;
}

const char *sbx_knob_str(const char *name)
{
	json_object *v = raw(name);
	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

json_object *sbx_knob_obj(const char *name)
{
	return raw(name);
}

void sbx_knob_set_json(sqlite3 *db, const char *name, json_object *v)
{
	json_object_object_add(sbx_knobs_get_all(), name, v);
	save(db);
}

void sbx_knobs_reset(sqlite3 *db)
{
	set_defaults();
	save(db);
}

static int valid_code(const char *s)
{
	if (!*s || strlen(s) > 64)
		return 0;
	for (; *s; s++)
		if (!(isupper((unsigned char)*s) || isdigit((unsigned char)*s) || *s == '_'))
			return 0;
	return 1;
}

/* fail_once / fail_always: one {"id","code","message"} or a list of them; stored as a list. */
static json_object *check_fails(json_object *v, char *msg, size_t msgsz)
{
	json_object *list = json_object_new_array();
	int n = json_object_is_type(v, json_type_array) ? (int)json_object_array_length(v) : 1;
	for (int i = 0; i < n; i++) {
		json_object *it =
		    json_object_is_type(v, json_type_array) ? json_object_array_get_idx(v, i) : v;
		char id[64] = "", code[80] = "UNABLE_TO_LOCK_ROW", norm[19];
		if (!json_object_is_type(it, json_type_object) || !sbx_jget_text(it, "id", id, sizeof id) ||
		    sbx_sf_norm_id(id, norm) != 0) {
			snprintf(msg, msgsz,
			         "each failure needs \"id\": a 15- or 18-character Salesforce id");
			json_object_put(list);
			return NULL;
		}
		sbx_jget_text(it, "code", code, sizeof code);
		if (!valid_code(code)) {
			snprintf(msg, msgsz, "\"code\" must look like UNABLE_TO_LOCK_ROW");
			json_object_put(list);
			return NULL;
		}
		json_object *e = json_object_new_object();
		json_object_object_add(e, "id", sbx_jstr(norm));
		json_object_object_add(e, "code", sbx_jstr(code));
		char m[256];
		if (sbx_jget_text(it, "message", m, sizeof m))
			json_object_object_add(e, "message", sbx_jstr(m));
		json_object_array_add(list, e);
	}
	return list;
}

static json_object *check_access(json_object *v, char *msg, size_t msgsz)
{
	json_object *out = json_object_new_object();
	json_object_object_add(out, "Contact", sbx_jstr("edit"));
	json_object_object_add(out, "Lead", sbx_jstr("edit"));
	if (!json_object_is_type(v, json_type_object))
		goto bad;
	json_object_object_foreach(v, k, val)
	{
		const char *s = json_object_is_type(val, json_type_string) ? json_object_get_string(val) : "";
		if ((strcmp(k, "Contact") && strcmp(k, "Lead") && strcmp(k, "Account")) ||
		    (strcmp(s, "edit") && strcmp(s, "read") && strcmp(s, "none")))
			goto bad;
		json_object_object_add(out, k, sbx_jstr(s));
	}
	return out;
bad:
	snprintf(msg, msgsz, "field_access is {\"Contact\":\"edit\"|\"read\"|\"none\", \"Lead\": ..., \"Account\": ...}");
	json_object_put(out);
	return NULL;
}

/* Validates one knob value; returns a new reference to store, or NULL with msg. */
static json_object *check_value(const knob_spec *s, json_object *v, char *msg, size_t msgsz)
{
	const char *name = s->info.name;
	if (!v) {
		if (s->info.type == 't' || s->info.type == 's' || s->info.type == 'j')
			return json_tokener_parse(s->dflt);
		return json_tokener_parse(s->dflt);
	}
	switch (s->info.type) {
	case 'b':
		if (json_object_is_type(v, json_type_boolean))
			return json_object_get(v);
		snprintf(msg, msgsz, "%s must be true or false", name);
		return NULL;
	case 'i': {
		double d;
		if (json_object_is_type(v, json_type_int))
			d = (double)json_object_get_int64(v);
		else if (json_object_is_type(v, json_type_double) &&
		         json_object_get_double(v) == floor(json_object_get_double(v)))
			d = json_object_get_double(v);
		else {
			snprintf(msg, msgsz, "%s must be an integer", name);
			return NULL;
		}
		if (d < s->min || d > s->max) {
			snprintf(msg, msgsz, "%s must be between %.0f and %.0f", name, s->min, s->max);
			return NULL;
		}
		if (strcmp(name, "status_code") == 0 && d != 0 && d < 400) {
			snprintf(msg, msgsz, "status_code must be 0 or 400..599");
			return NULL;
		}
		return json_object_new_int64((int64_t)d);
	}
	case 'n': {
		if (!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_double)) {
			snprintf(msg, msgsz, "%s must be a number", name);
			return NULL;
		}
		double d = json_object_get_double(v);
		if (d < s->min || d > s->max) {
			snprintf(msg, msgsz, "%s must be between %g and %g", name, s->min, s->max);
			return NULL;
		}
		return json_object_new_double(d);
	}
	case 's':
	case 't': {
		if (!json_object_is_type(v, json_type_string) || json_object_get_string_len(v) > 1000) {
			snprintf(msg, msgsz, "%s must be a string (or null)", name);
			return NULL;
		}
		const char *str = json_object_get_string(v);
		if (s->choices) {
			int ok = 0;
			for (int i = 0; s->choices[i]; i++)
				ok |= strcmp(s->choices[i], str) == 0;
			if (!ok) {
				snprintf(msg, msgsz, "%s: \"%s\" is not one of the allowed values", name,
				         str);
				return NULL;
			}
		}
		if ((strcmp(name, "ac_api_key") == 0 || strcmp(name, "sf_client_id") == 0 ||
		     strcmp(name, "sf_client_secret") == 0) &&
		    !*str) {
			snprintf(msg, msgsz, "%s must not be empty", name);
			return NULL;
		}
		return json_object_get(v);
	}
	case 'j':
		if (strcmp(name, "field_access") == 0)
			return check_access(v, msg, msgsz);
		return check_fails(v, msg, msgsz);
	}
	snprintf(msg, msgsz, "%s: unsupported", name);
	return NULL;
}

int sbx_knobs_update(sqlite3 *db, json_object *in, char *msg, size_t msgsz)
{
	if (!json_object_is_type(in, json_type_object)) {
		snprintf(msg, msgsz, "knobs must be a JSON object");
		return -1;
	}
	/* validate everything first so a bad value changes nothing */
	json_object *staged = json_object_new_object();
	json_object_object_foreach(in, k, v)
	{
		const knob_spec *s = spec_of(k);
		if (!s) {
			snprintf(msg, msgsz, "unknown knob \"%s\"", k);
			json_object_put(staged);
			return -1;
		}
		json_object *nv = check_value(s, v, msg, msgsz);
		if (!nv && v) {
			json_object_put(staged);
			return -1;
		}
		json_object_object_add(staged, k, nv);
	}
	/* a trigger set without its count runs until cleared */
	static const char *const triggers[][2] = {{"status_code", "status_count"},
	                                          {"malformed", "malformed_count"},
	                                          {"oversized", "oversized_count"}};
	for (size_t i = 0; i < sizeof triggers / sizeof triggers[0]; i++)
		if (json_object_object_get_ex(staged, triggers[i][0], NULL) &&
		    !json_object_object_get_ex(staged, triggers[i][1], NULL))
			json_object_object_add(staged, triggers[i][1], json_object_new_int(0));
	json_object_object_foreach(staged, k2, v2)
	{
		if (strcmp(k2, "sf_api_used") == 0)
			sbx_counter_set(db, "sf_api_used", json_object_get_int64(v2));
		json_object_object_add(g_knobs, k2, json_object_get(v2));
	}
	json_object_put(staged);
	save(db);
	return 0;
}
