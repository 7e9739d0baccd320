/* inject.c - fault injection driven by the knobs: latency, rate limit, forced statuses, random
 * errors, malformed and oversized answers. */
#include "sbx.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int target_hits(const sbx_req *r, const char *target)
{
	if (!target)
		return 0;
	int ac = r->sys == SBX_SYS_AC, sf = r->sys == SBX_SYS_SF || r->sys == SBX_SYS_SF_AUTH;
	if (strcmp(target, "any") == 0)
		return ac || sf;
	if (strcmp(target, "ac") == 0)
		return ac;
	if (strcmp(target, "sf") == 0)
		return sf;
	return 0;
}

void sbx_inject_latency(sbx_req *r)
{
	int64_t ms = sbx_knob_int("latency_ms");
	if (ms <= 0 || !target_hits(r, sbx_knob_str("latency_target")))
		return;
	struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L}, rem;
	while (nanosleep(&ts, &rem) != 0 && errno == EINTR)
		ts = rem;
}

/* Uses up one shot of a counted trigger; clears the trigger after the last one. */
static void consume(sbx_req *r, const char *trigger, const char *count_name, int is_int)
{
	int64_t n = sbx_knob_int(count_name);
	if (n <= 0)
		return;
	n--;
	sbx_knob_set_json(r->app->db, count_name, json_object_new_int64(n));
	if (n == 0)
		sbx_knob_set_json(r->app->db, trigger, is_int ? json_object_new_int(0) : NULL);
}

static void answer_status(sbx_req *r, int code)
{
	r->no_inject = 1;
	if (code == 502 || code == 504) {
		char html[512];
		snprintf(html, sizeof html,
		         "<html>\r\n<head><title>%d %s</title></head>\r\n<body>\r\n<center><h1>%d "
		         "%s</h1></center>\r\n"
		         "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n",
		         code, sbx_http_reason(code), code, sbx_http_reason(code));
		sbx_resp_text(r, code, "text/html", html);
		return;
	}
	if (r->sys == SBX_SYS_SF) {
		switch (code) {
		case 401:
			sbx_resp_error(r, 401, "INVALID_SESSION_ID", "Session expired or invalid");
			return;
		case 403:
			sbx_resp_error(r, 403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.");
			return;
		case 404:
			sbx_resp_error(r, 404, "NOT_FOUND", "The requested resource does not exist");
			return;
		case 500:
			sbx_resp_error(
			    r, 500, "UNKNOWN_EXCEPTION",
			    "An unexpected error occurred. Please include this ErrorId if you contact "
			    "support: "
			    "1234567890-12345 (-1234567890)");
			return;
		case 503:
			sbx_resp_error(r, 503, "SERVER_UNAVAILABLE",
			               "Server temporarily unavailable, please try again");
			return;
		default:
			sbx_resp_error(r, code, "UNKNOWN_EXCEPTION", "%s", sbx_http_reason(code));
			return;
		}
	}
	if (r->sys == SBX_SYS_SF_AUTH) {
		sbx_resp_error(r, code, code >= 500 ? "temporarily_unavailable" : "invalid_request", "%s",
		               sbx_http_reason(code));
		return;
	}
	sbx_resp_error(r, code, "ERROR", "%s", sbx_http_reason(code));
}

int sbx_inject_before(sbx_req *r)
{
	int retry_after = 0;
	int admitted = sbx_stats_arrival(r, &retry_after);
	if (r->sys != SBX_SYS_AC && r->sys != SBX_SYS_SF && r->sys != SBX_SYS_SF_AUTH)
		return 0;
	if (sbx_knob_int("latency_ms") > 0 && target_hits(r, sbx_knob_str("latency_target")))
		sbx_counter_add(r->app->db, "injected_latency", 1);
	if (!admitted) {
		char ra[16];
		snprintf(ra, sizeof ra, "%d", retry_after);
		sbx_resp_header(r, "Retry-After", ra);
		sbx_resp_error(r, 429, "RATE_LIMITED", "Too Many Requests");
		r->no_inject = 1;
		return 1;
	}
	int code = (int)sbx_knob_int("status_code");
	const char *only = sbx_knob_str("status_path");
	if (code >= 400 && target_hits(r, sbx_knob_str("status_target")) &&
	    (!only || strstr(r->full_path, only))) {
		consume(r, "status_code", "status_count", 1);
		sbx_counter_add(r->app->db, "injected_errors", 1);
		if (code == 429) {
			char ra[16];
			snprintf(ra, sizeof ra, "%lld", (long long)sbx_knob_int("retry_after_s"));
			sbx_resp_header(r, "Retry-After", ra);
		}
		answer_status(r, code);
		return 1;
	}
	double rate = sbx_knob_num("error_rate");
	if (rate > 0 && target_hits(r, sbx_knob_str("error_target")) && sbx_fault_rand01(r->app) < rate) {
		sbx_counter_add(r->app->db, "injected_errors", 1);
		answer_status(r, 503);
		return 1;
	}
	return 0;
}

/* wrong_types: every value comes back with another JSON type than documented: arrays become
 * objects keyed by position, numeric strings become numbers, other strings become one-element
 * arrays, numbers and booleans become strings. */
static json_object *flip_types(json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_object: {
		json_object *o = json_object_new_object();
		json_object_object_foreach(v, k, c)
		{
			json_object_object_add(o, k, flip_types(c));
		}
		return o;
	}
	case json_type_array: {
		json_object *o = json_object_new_object();
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			char key[24];
			snprintf(key, sizeof key, "%zu", i);
			json_object_object_add(o, key, flip_types(json_object_array_get_idx(v, i)));
		}
		return o;
	}
	case json_type_string: {
		const char *s = json_object_get_string(v);
		char *end;
		long long x = strtoll(s, &end, 10);
		if (*s && !*end)
			return json_object_new_int64(x);
		json_object *a = json_object_new_array();
		json_object_array_add(a, json_object_new_string(s));
		return a;
	}
	case json_type_int:
		return sbx_jstrf("%lld", (long long)json_object_get_int64(v));
	case json_type_boolean:
		return sbx_jstr(json_object_get_boolean(v) ? "true" : "false");
	case json_type_double:
		return sbx_jstrf("%g", json_object_get_double(v));
	default:
		return NULL;
	}
}

void sbx_inject_after(sbx_req *r)
{
	if (r->no_inject)
		return;
	/* The write was done and committed, and the answer is lost on the way back (a proxy timing
	 * out): what a client must survive without doing the write twice. */
	const char *lost = sbx_knob_str("lost_answer_path");
	if (lost && *lost && strcmp(r->method, "POST") == 0 && strstr(r->full_path, lost) &&
	    r->status >= 200 && r->status < 300) {
		consume(r, "lost_answer_path", "lost_answer_count", 0);
		sbx_counter_add(r->app->db, "lost_answers", 1);
		answer_status(r, 504);
		return;
	}
	if (target_hits(r, sbx_knob_str("oversized"))) {
		consume(r, "oversized", "oversized_count", 0);
		sbx_counter_add(r->app->db, "oversized_sent", 1);
		r->oversize = sbx_knob_int("oversized_bytes");
		r->ctype = "application/json;charset=UTF-8";
		return;
	}
	if (!target_hits(r, sbx_knob_str("malformed")) || !r->ctype || !strstr(r->ctype, "json"))
		return;
	consume(r, "malformed", "malformed_count", 0);
	sbx_counter_add(r->app->db, "malformed_sent", 1);
	const char *kind = sbx_knob_str("malformed_kind");
	if (!kind || strcmp(kind, "truncated") == 0) {
		size_t keep = r->out.len / 2;
		if (keep >= r->out.len && keep)
			keep--;
		r->out.len = keep;
		if (r->out.p)
			r->out.p[keep] = '\0';
	} else if (strcmp(kind, "not_json") == 0) {
		r->out.len = 0;
		sbx_buf_puts(&r->out, "Service is being upgraded, please come back later.\n");
	} else if (strcmp(kind, "html") == 0) {
		r->out.len = 0;
		r->ctype = "text/html; charset=utf-8";
		sbx_buf_puts(&r->out, "<!DOCTYPE html><html><head><title>Maintenance</title></head>"
		                      "<body><h1>Down for maintenance</h1></body></html>\n");
	} else if (strcmp(kind, "empty") == 0) {
		r->out.len = 0;
		if (r->out.p)
			r->out.p[0] = '\0';
	} else if (strcmp(kind, "wrong_types") == 0) {
		json_object *o = r->out.p ? json_tokener_parse(r->out.p) : NULL;
		if (o) {
			json_object *f = flip_types(o);
			json_object_put(o);
			int st = r->status;
			const char *ct = r->ctype;
			sbx_resp_json(r, st, f);
			r->ctype = ct;
		}
	}
}
