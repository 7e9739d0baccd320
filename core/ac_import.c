/* ac_import.c - AC's bulk contact importer (typed: contacts in, a batch id out; per-contact results
 * out), with AC's limits: 250 contacts and 400,000 bytes a call, 100 imports a minute. */
#include "ac_import.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ac_int.h"
#include "sysutil.h"

void ac_import_options_default(ac_import_options *o)
{
	memset(o, 0, sizeof *o);
	o->rate_wait_max_ms = 65000; /* AC counts imports per minute: one whole window and a margin */
	o->first_wait_ms = 1000;
}

static json_object *contact_json(const ac_import_contact *ct)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "email", json_object_new_string(ct->email));
	if (ct->n_tags) {
		json_object *t = json_object_new_array();
		for (size_t i = 0; i < ct->n_tags; i++)
			json_object_array_add(t, json_object_new_string(ct->tags[i]));
		json_object_object_add(o, "tags", t);
	}
	if (ct->n_unsubscribe) {
		json_object *u = json_object_new_array();
		for (size_t i = 0; i < ct->n_unsubscribe; i++) {
			json_object *l = json_object_new_object();
			json_object_object_add(l, "listid", json_object_new_string(ct->unsubscribe[i]));
			json_object_array_add(u, l);
		}
		json_object_object_add(o, "unsubscribe", u);
	}
	return o;
}

static int rate_limited(const err_t *ce)
{
	return ce->http_status == 400 && strstr(ce->msg, "Rate limit exceeded") != NULL;
}

int ac_bulk_import(ac_client *c, const ac_import_contact *in, size_t n, const ac_import_options *o,
                   size_t *taken, char batch_id[AC_BATCH_MAX], err_t *e)
{
	const char *op = "POST /api/3/import/bulk_import";
	ac_import_options d;
	if (!o) {
		ac_import_options_default(&d);
		o = &d;
	}
	*taken = 0;
	batch_id[0] = '\0';
	if (n == 0)
		return http_fail(ac_http(c), e, ERR_USAGE, op, "no contacts to import");
	json_object *body = json_object_new_object(), *arr = json_object_new_array();
	json_object_object_add(body, "contacts", arr);
	if (o->exclude_automations)
		json_object_object_add(body, "exclude_automations", json_object_new_boolean(1));
	/* {"contacts":[...]} and the flag: the frame's bytes, then each contact and its comma. */
	size_t bytes = 64;
	size_t k = 0;
	for (; k < n && k < AC_IMPORT_MAX; k++) {
		const ac_import_contact *ct = &in[k];
		if (!ct->email || !*ct->email || ct->n_unsubscribe > AC_IMPORT_LISTS_MAX) {
			json_object_put(body);
			return http_fail(ac_http(c), e, ERR_USAGE, op, "contact %zu: no email or too many lists", k);
		}
		json_object *j = contact_json(ct);
		size_t len = strlen(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN |
		                                                          JSON_C_TO_STRING_NOSLASHESCAPE)) + 1;
		if (bytes + len > AC_IMPORT_BYTES) {
			json_object_put(j);
			if (k == 0) {
				json_object_put(body);
				return http_fail(ac_http(c), e, ERR_USAGE, op, "one contact is larger than an import");
			}
			break;
		}
		bytes += len;
		json_object_array_add(arr, j);
	}
	/* Sending an import again is safe: every contact in it exists and what it sets (a tag, status 2)
	 * is the same the second time, so the HTTP layer may retry a 5xx or a timeout. */
	long waited = 0, wait = o->first_wait_ms > 0 ? o->first_wait_ms : 1000;
	json_object *j = NULL;
	int rc;
	for (;;) {
		err_t ce = {0};
		rc = ac_call(c, "POST", "/import/bulk_import", body, op, 0, &j, &ce);
		if (rc == 0)
			break;
		if (!rate_limited(&ce)) {
			if (e)
				*e = ce;
			break;
		}
		if (waited + wait > o->rate_wait_max_ms) {
			rc = http_fail(ac_http(c), e, ERR_RATE_LIMITED, op,
			               "Rate limit exceeded (100 imports a minute), still after %ld ms", waited);
			break;
		}
		sleep_ms(wait);
		waited += wait;
		wait = wait * 2 > 16000 ? 16000 : wait * 2;
	}
	json_object_put(body);
	if (rc < 0)
		return -1;
	if (json_get_str(j, "batchId", batch_id, AC_BATCH_MAX) <= 0 || !batch_id[0]) {
		json_object_put(j);
		batch_id[0] = '\0';
		return http_fail(ac_http(c), e, ERR_BAD_RESPONSE, op, "unexpected response: no \"batchId\"");
	}
	json_object_put(j);
	*taken = k;
	return 0;
}

void ac_import_result_free(ac_import_result *r)
{
	free(r->success);
	free(r->failure);
	memset(r, 0, sizeof *r);
}

/* Copies the strings (or numbers) of j[key] into a malloc'd array of fixed-size slots. */
static int read_strings(ac_client *c, json_object *j, const char *key, void **out, size_t *n, size_t slot,
                        const char *op, err_t *e)
{
	*out = NULL;
	*n = 0;
	json_object *a;
	if (!json_object_object_get_ex(j, key, &a) || json_object_is_type(a, json_type_null))
		return 0;
	if (!json_object_is_type(a, json_type_array))
		return http_fail(ac_http(c), e, ERR_BAD_RESPONSE, op, "unexpected response: bad \"%s\"", key);
	size_t len = json_object_array_length(a);
	if (len > 100000)
		return http_fail(ac_http(c), e, ERR_BAD_RESPONSE, op, "unexpected response: %zu in \"%s\"", len, key);
	if (len == 0)
		return 0;
	char *p = calloc(len, slot);
	if (!p)
		return http_fail(ac_http(c), e, ERR_INTERNAL, op, "out of memory");
	for (size_t i = 0; i < len; i++) {
		json_object *v = json_object_array_get_idx(a, i);
		if (!json_object_is_type(v, json_type_string) && !json_object_is_type(v, json_type_int)) {
			free(p);
			return http_fail(ac_http(c), e, ERR_BAD_RESPONSE, op, "unexpected response: bad item in \"%s\"",
			                 key);
		}
		snprintf(p + i * slot, slot, "%s", json_object_get_string(v));
	}
	*out = p;
	*n = len;
	return 0;
}

int ac_import_info(ac_client *c, const char *batch_id, ac_import_result *out, err_t *e)
{
	const char *op = "GET /api/3/import/info";
	memset(out, 0, sizeof *out);
	char enc[AC_BATCH_MAX * 3], path[AC_BATCH_MAX * 3 + 32];
	if (!batch_id || !*batch_id || http_urlencode(batch_id, enc, sizeof enc) < 0)
		return http_fail(ac_http(c), e, ERR_USAGE, op, "bad batch id");
	snprintf(path, sizeof path, "/import/info?batchId=%s", enc);
	json_object *j;
	if (ac_call(c, "GET", path, NULL, op, 0, &j, e) < 0)
		return -1;
	json_object *st;
	int rc = 0;
	if (!json_object_object_get_ex(j, "status", &st) || json_object_is_type(st, json_type_boolean) ||
	    json_object_is_type(st, json_type_null)) {
		/* AC: asked too soon, the status is false */
		snprintf(out->status, sizeof out->status, "false");
		out->state = AC_IMPORT_PENDING;
	} else if (!json_object_is_type(st, json_type_string)) {
		rc = http_fail(ac_http(c), e, ERR_BAD_RESPONSE, op, "unexpected response: bad \"status\"");
	} else {
		snprintf(out->status, sizeof out->status, "%s", json_object_get_string(st));
		if (strcmp(out->status, "completed") == 0)
			out->state = AC_IMPORT_DONE;
		else if (strcmp(out->status, "failed") == 0 || strcmp(out->status, "interrupted") == 0)
			out->state = AC_IMPORT_FAILED;
		else
			out->state = AC_IMPORT_PENDING; /* waiting, claimed, active, and any word AC adds */
	}
	if (rc == 0 && out->state == AC_IMPORT_DONE &&
	    (read_strings(c, j, "success", (void **)&out->success, &out->n_success, AC_ID_MAX, op, e) < 0 ||
	     read_strings(c, j, "failure", (void **)&out->failure, &out->n_failure, AC_EMAIL_MAX, op, e) < 0))
		rc = -1;
	json_object_put(j);
	if (rc < 0)
		ac_import_result_free(out);
	return rc;
}

int ac_import_wait(ac_client *c, const char *batch_id, long max_wait_ms, ac_import_result *out, err_t *e)
{
	long waited = 0, wait = 1000;
	memset(out, 0, sizeof *out);
	for (;;) {
		long w = wait < max_wait_ms - waited ? wait : max_wait_ms - waited;
		if (w > 0) {
			sleep_ms(w);
			waited += w;
		}
		if (ac_import_info(c, batch_id, out, e) < 0)
			return -1;
		if (out->state != AC_IMPORT_PENDING || waited >= max_wait_ms)
			return 0;
		ac_import_result_free(out);
		wait = wait * 2 > 8000 ? 8000 : wait * 2;
	}
}
