/* sf_write.c - Salesforce writes of HasOptedOutOfEmail: composite (200 a call) and, above
 * bulk_threshold, Bulk API 2.0 ingest jobs (created once even after a lost answer). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <sodium.h>

#include "sf_int.h"
#include "sysutil.h"

/* --- updates -------------------------------------------------------------------------------------- */

int sf_error_is_transient(const char *code)
{
	static const char *const transient[] = {
	    "UNABLE_TO_LOCK_ROW", "REQUEST_RUNNING_TOO_LONG",         "SERVER_UNAVAILABLE",
	    "QUERY_TIMEOUT",      "TXN_SECURITY_NO_ACCESS_TEMPORARY", NULL};
	for (const char *const *p = transient; code && *p; p++)
		if (strcmp(code, *p) == 0)
			return 1;
	return 0;
}

static void set_result(sf_result *r, sf_res_status st, const char *code, const char *msg)
{
	r->status = st;
	snprintf(r->code, sizeof r->code, "%s", code ? code : "");
	snprintf(r->message, sizeof r->message, "%s", msg ? msg : "");
}

/* A record of the store's object name as Salesforce takes it: a person account is an Account and its
 * box is PersonHasOptedOutOfEmail (its mirror Contact refuses the write); the others as named, with
 * the caller's field. */
static const char *wire_object(const char *object)
{
	return strcmp(object, "PersonAccount") == 0 ? "Account" : object;
}

static const char *wire_field(const char *object, const char *field)
{
	return strcmp(object, "PersonAccount") == 0 ? SF_PERSON_BOX_FIELD : field;
}

static int check_updates(sf_client *c, const char *field, const sf_update *u, size_t n, const char *op,
                         err_t *e)
{
	if (!sf_valid_name(field, 80))
		return http_fail(c->h, e, ERR_USAGE, op, "bad field name");
	for (size_t i = 0; i < n; i++)
		if (!sf_valid_name(u[i].object, 80) || !sf_valid_id(u[i].id))
			return http_fail(c->h, e, ERR_USAGE, op, "record %zu: bad object or id '%.20s'", i,
			                 u[i].id ? u[i].id : "");
	return 0;
}

/* One composite call for the records idx[0..k) of u; fills their results by position. */
static int composite_once(sf_client *c, const char *field, const sf_update *u, const size_t *idx, size_t k,
                          sf_result *res, err_t *e)
{
	const char *op = "update records";
	char path[96];
	snprintf(path, sizeof path, "/services/data/%s/composite/sobjects", c->version);
	json_object *body = json_object_new_object(), *recs = json_object_new_array();
	json_object_object_add(body, "allOrNone", json_object_new_boolean(0));
	for (size_t i = 0; i < k; i++) {
		const sf_update *x = &u[idx[i]];
		json_object *r = json_object_new_object(), *a = json_object_new_object();
		json_object_object_add(a, "type", json_object_new_string(wire_object(x->object)));
		json_object_object_add(r, "attributes", a);
		json_object_object_add(r, "id", json_object_new_string(x->id));
		json_object_object_add(r, wire_field(x->object, field), json_object_new_boolean(x->value ? 1 : 0));
		json_object_array_add(recs, r);
	}
	json_object_object_add(body, "records", recs);
	json_object *j;
	int rc = sf_json(c, "PATCH", path, json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN), op,
	                 &j, e);
	json_object_put(body);
	if (rc < 0)
		return -1;
	if (!json_object_is_type(j, json_type_array) || json_object_array_length(j) != k) {
		json_object_put(j);
		return sf_bad(c, e, op, "not one result per record");
	}
	/* Results come in request order; a failed one has no id, so position is the only key. */
	for (size_t i = 0; i < k && rc == 0; i++) {
		json_object *r = json_object_array_get_idx(j, i);
		int ok;
		if (json_get_bool(r, "success", &ok) != 1) {
			rc = sf_bad(c, e, op, "a result without success");
			break;
		}
		if (ok) {
			set_result(&res[idx[i]], SF_RES_OK, NULL, NULL);
			continue;
		}
		char code[64] = "", msg[256] = "";
		json_object *errs = json_get(r, "errors", json_type_array);
		json_object *e0 =
		    errs && json_object_array_length(errs) ? json_object_array_get_idx(errs, 0) : NULL;
		if (json_get_str(e0, "statusCode", code, sizeof code) < 0)
			snprintf(code, sizeof code, "UNKNOWN");
		if (json_get_str(e0, "message", msg, sizeof msg) < 0)
			msg[0] = '\0';
		if (!code[0])
			snprintf(code, sizeof code, "UNKNOWN");
		set_result(&res[idx[i]], sf_error_is_transient(code) ? SF_RES_RETRY : SF_RES_FAILED, code,
		           msg);
	}
	json_object_put(j);
	return rc;
}

/* Orders update positions by object name, then by position, so that records of one type sit
 * together. */
typedef struct {
	const sf_update *u;
	size_t i;
} obj_pos;

static int cmp_obj_pos(const void *a, const void *b)
{
	const obj_pos *x = a, *y = b;
	int c = strcmp(x->u[x->i].object, y->u[y->i].object);
	if (c)
		return c;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* Salesforce processes a collection as one "chunk" per run of records of the same type and refuses
 * a request of more than 10 chunks ("Cannot have more than 10 chunks in a single operation"; REST
 * API Developer Guide, "Update Records Using sObject Collections"). Queue order interleaves
 * Contacts and Leads, so the records are grouped by object first: a call of 200 then holds one
 * chunk per object type in it (two or three), whatever the order of the queue. Results are still
 * written to res by each record's own position. */
int sf_composite_update_bool(sf_client *c, const char *field, const sf_update *u, size_t n, sf_result *res,
                             err_t *e)
{
	for (size_t i = 0; i < n; i++)
		set_result(&res[i], SF_RES_NOT_SENT, NULL, NULL);
	if (check_updates(c, field, u, n, "update records", e) < 0)
		return -1;
	size_t *idx = malloc((n ? n : 1) * sizeof *idx);
	obj_pos *order = malloc((n ? n : 1) * sizeof *order);
	if (!idx || !order) {
		free(idx);
		free(order);
		return http_fail(c->h, e, ERR_INTERNAL, "update records", "out of memory");
	}
	for (size_t i = 0; i < n; i++)
		order[i] = (obj_pos){u, i};
	qsort(order, n, sizeof *order, cmp_obj_pos);
	int rc = 0;
	for (size_t start = 0; start < n && rc == 0; start += (size_t)c->o.chunk) {
		size_t k = n - start < (size_t)c->o.chunk ? n - start : (size_t)c->o.chunk;
		for (size_t i = 0; i < k; i++)
			idx[i] = order[start + i].i;
		rc = composite_once(c, field, u, idx, k, res, e);
		/* Resend just the records refused for a passing reason (a lock held by another job). */
		for (int round = 0; rc == 0 && round < c->o.lock_retries; round++) {
			size_t m = 0;
			for (size_t i = start; i < start + k; i++)
				if (res[order[i].i].status == SF_RES_RETRY)
					idx[m++] = order[i].i;
			if (m == 0)
				break;
			sleep_ms(c->o.lock_retry_ms);
			rc = composite_once(c, field, u, idx, m, res, e);
		}
	}
	free(order);
	free(idx);
	return rc;
}

/* --- Bulk API 2.0 --------------------------------------------------------------------------------- */

/* Reads one CSV field starting at *p (RFC 4180: quotes, doubled quotes inside); copies up to n-1
 * bytes into out. Sets *eol at the end of a row. Returns 0, or -1 at the end of the text. */
static int csv_field(const char **p, const char *end, char *out, size_t n, int *eol)
{
	const char *s = *p;
	size_t o = 0;
	*eol = 0;
	if (s >= end)
		return -1;
	if (*s == '"') {
		s++;
		while (s < end) {
			if (*s == '"') {
				if (s + 1 < end && s[1] == '"') {
					if (o + 1 < n)
						out[o++] = '"';
					s += 2;
					continue;
				}
				s++;
				break;
			}
			if (o + 1 < n)
				out[o++] = *s;
			s++;
		}
	} else {
		while (s < end && *s != ',' && *s != '\n' && *s != '\r') {
			if (o + 1 < n)
				out[o++] = *s;
			s++;
		}
	}
	out[o] = '\0';
	if (s < end && *s == ',') {
		s++;
	} else {
		if (s < end && *s == '\r')
			s++;
		if (s < end && *s == '\n')
			s++;
		*eol = 1;
	}
	if (s >= end)
		*eol = 1;
	*p = s;
	return 0;
}

typedef struct {
	const char *id;
	size_t i;
} id_ix;

static int cmp_id_ix(const void *a, const void *b)
{
	return strcmp(((const id_ix *)a)->id, ((const id_ix *)b)->id);
}

/* Marks the rows of a results CSV (failedResults or successfulResults) in res, matching by the Id
 * column we uploaded (the answer's order is not guaranteed). */
static int apply_results_csv(sf_client *c, const char *csv, size_t len, const id_ix *ix, size_t nix,
                             int failed, sf_result *res, const char *op, err_t *e)
{
	const char *p = csv, *end = csv + len;
	int col_id = -1, col_err = -1, col = 0, eol = 0;
	char f[1024];
	/* Header row. */
	while (!eol && csv_field(&p, end, f, sizeof f, &eol) == 0) {
		if (strcmp(f, "Id") == 0)
			col_id = col;
		else if (strcmp(f, "sf__Error") == 0)
			col_err = col;
		col++;
	}
	if (len == 0)
		return 0;
	if (col_id < 0 || (failed && col_err < 0))
		return sf_bad(c, e, op, "results CSV without Id or sf__Error column");
	while (p < end) {
		char id[32] = "", err[1024] = "";
		col = 0;
		eol = 0;
		while (!eol && csv_field(&p, end, f, sizeof f, &eol) == 0) {
			if (col == col_id)
				snprintf(id, sizeof id, "%s", f);
			else if (col == col_err)
				snprintf(err, sizeof err, "%s", f);
			col++;
		}
		if (!id[0])
			continue;
		id_ix key = {.id = id};
		const id_ix *hit = bsearch(&key, ix, nix, sizeof *ix, cmp_id_ix);
		if (!hit)
			continue;
		/* Step back to the first of equal ids, then mark them all. */
		while (hit > ix && strcmp(hit[-1].id, id) == 0)
			hit--;
		for (; hit < ix + nix && strcmp(hit->id, id) == 0; hit++) {
			if (!failed) {
				set_result(&res[hit->i], SF_RES_OK, NULL, NULL);
				continue;
			}
			/* sf__Error reads "CODE:message:fields". */
			char code[64];
			size_t cl = strcspn(err, ":");
			snprintf(code, sizeof code, "%.*s", (int)(cl < sizeof code ? cl : sizeof code - 1),
			         err);
			const char *msg = err[cl] ? err + cl + 1 : "";
			set_result(&res[hit->i], sf_error_is_transient(code) ? SF_RES_RETRY : SF_RES_FAILED,
			           code[0] ? code : "UNKNOWN", msg);
		}
	}
	return 0;
}

static int bulk_results(sf_client *c, const char *job, const char *kind, const id_ix *ix, size_t nix,
                        int failed, sf_result *res, err_t *e)
{
	char path[160], op[64];
	snprintf(op, sizeof op, "bulk job %s %s", job, kind);
	snprintf(path, sizeof path, "/services/data/%s/jobs/ingest/%s/%s/", c->version, job, kind);
	http_response rs;
	if (sf_call(c, "GET", path, NULL, NULL, "text/csv", op, &rs, e) < 0) {
		http_response_free(&rs);
		return -1;
	}
	int rc = apply_results_csv(c, rs.body ? rs.body : "", rs.len, ix, nix, failed, res, op, e);
	http_response_free(&rs);
	return rc;
}

/* Job ids, for telling which Open job appeared. */
typedef struct {
	char (*ids)[32];
	size_t n, cap;
} id_set;

static void id_set_free(id_set *s)
{
	free(s->ids);
	memset(s, 0, sizeof *s);
}

static int id_set_has(const id_set *s, const char *id)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->ids[i], id) == 0)
			return 1;
	return 0;
}

/* The Open update jobs of object (created by this client's user, when known): GET /jobs/ingest
 * ("Get All Jobs", Bulk API 2.0), following nextRecordsUrl for at most 20 pages. */
static int open_jobs(sf_client *c, const char *object, id_set *out, err_t *e)
{
	char path[1024];
	snprintf(path, sizeof path, "/services/data/%s/jobs/ingest?jobType=V2Ingest", c->version);
	for (int page = 0; page < 20; page++) {
		json_object *j;
		if (sf_json(c, "GET", path, NULL, "list bulk jobs", &j, e) < 0)
			return -1;
		json_object *recs = json_get(j, "records", json_type_array);
		for (size_t i = 0; recs && i < json_object_array_length(recs); i++) {
			json_object *r = json_object_array_get_idx(recs, i);
			char id[32], st[32], obj[96], oper[32], by[24];
			if (json_get_str(r, "id", id, sizeof id) <= 0 || !sf_valid_id(id) ||
			    json_get_str(r, "state", st, sizeof st) <= 0 || strcmp(st, "Open") != 0 ||
			    json_get_str(r, "object", obj, sizeof obj) <= 0 || strcmp(obj, object) != 0 ||
			    json_get_str(r, "operation", oper, sizeof oper) <= 0 ||
			    strcmp(oper, "update") != 0)
				continue;
			if (c->user_id[0] && json_get_str(r, "createdById", by, sizeof by) > 0 &&
			    strcmp(by, c->user_id) != 0)
				continue;
			if (out->n == out->cap) {
				size_t cap = out->cap ? out->cap * 2 : 16;
				void *p = realloc(out->ids, cap * sizeof *out->ids);
				if (!p) {
					json_object_put(j);
					return http_fail(c->h, e, ERR_INTERNAL, "list bulk jobs",
					                 "out of memory");
				}
				out->ids = p;
				out->cap = cap;
			}
			snprintf(out->ids[out->n++], sizeof out->ids[0], "%s", id);
		}
		char next[900] = "";
		int more = json_get_str(j, "nextRecordsUrl", next, sizeof next) > 0 && next[0] == '/';
		json_object_put(j);
		if (!more)
			return 0;
		snprintf(path, sizeof path, "%s", next);
	}
	return 0;
}

/* One ingest job for the records idx[0..k) (all of one object). */
static int bulk_job(sf_client *c, const char *field, const sf_update *u, const size_t *idx, size_t k,
                    sf_result *res, err_t *e)
{
	const char *object = wire_object(u[idx[0]].object);
	field = wire_field(u[idx[0]].object, field);
	char op[96], path[160], job[32], state[32];
	snprintf(op, sizeof op, "bulk update %s", object);
	/* 1. Create the job. */
	json_object *body = json_object_new_object();
	json_object_object_add(body, "object", json_object_new_string(object));
	json_object_object_add(body, "operation", json_object_new_string("update"));
	json_object_object_add(body, "contentType", json_object_new_string("CSV"));
	json_object_object_add(body, "lineEnding", json_object_new_string("LF"));
	json_object_object_add(body, "columnDelimiter", json_object_new_string("COMMA"));
	snprintf(path, sizeof path, "/services/data/%s/jobs/ingest", c->version);
	json_object *j;
	/* A creation whose answer was lost (a timeout, a 5xx from a proxy) may have made the job, and a
	 * second POST would make another. So each POST goes once; after a passing failure the Open jobs
	 * are listed again, and a job of this object that was not Open before is the one the lost POST
	 * made: it is used. Only when there is none is the POST sent again. */
	id_set before = {0};
	int rc = open_jobs(c, object, &before, e);
	for (int attempt = 0; rc == 0; attempt++) {
		err_t ce = {0};
		c->once = 1;
		rc = sf_json(c, "POST", path, json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN),
		             op, &j, &ce);
		c->once = 0;
		if (rc == 0) {
			if (json_get_str(j, "id", job, sizeof job) <= 0 || !sf_valid_id(job))
				rc = sf_bad(c, e, op, "no job id");
			json_object_put(j);
			break;
		}
		id_set after = {0};
		if (!err_is_transient(&ce) || attempt >= c->o.http.retries ||
		    open_jobs(c, object, &after, e) < 0) {
			if (e && ce.kind)
				*e = ce;
			id_set_free(&after);
			break;
		}
		size_t fresh = 0;
		for (size_t i = 0; i < after.n; i++)
			if (!id_set_has(&before, after.ids[i])) {
				fresh++;
				snprintf(job, sizeof job, "%s", after.ids[i]);
			}
		id_set_free(&after);
		if (fresh == 1) {
			rc = 0;
			break;
		}
		if (fresh > 1) {
			rc = http_fail(
			    c->h, e, ERR_SERVER, op,
			    "the job creation's answer was lost and %zu new Open jobs of %s appeared: "
			    "not guessing which is ours (the records are tried again next run)",
			    fresh, object);
			break;
		}
		rc = 0; /* none made: the POST goes again */
	}
	id_set_free(&before);
	json_object_put(body);
	if (rc < 0)
		return -1;

	/* 2. Upload the CSV: ids and values are plain alphanumerics, no quoting needed. */
	size_t cap = strlen(field) + 8 + k * 26, len = 0;
	char *csv = malloc(cap);
	if (!csv)
		return http_fail(c->h, e, ERR_INTERNAL, op, "out of memory");
	len += (size_t)snprintf(csv + len, cap - len, "Id,%s\n", field);
	for (size_t i = 0; i < k; i++)
		len += (size_t)snprintf(csv + len, cap - len, "%s,%s\n", u[idx[i]].id,
		                        u[idx[i]].value ? "true" : "false");
	snprintf(path, sizeof path, "/services/data/%s/jobs/ingest/%s/batches", c->version, job);
	http_response rs;
	char opu[96];
	snprintf(opu, sizeof opu, "bulk job %s upload", job);
	rc = sf_call(c, "PUT", path, csv, "text/csv", NULL, opu, &rs, e);
	free(csv);
	http_response_free(&rs);
	if (rc < 0)
		return -1;

	/* 3. UploadComplete starts the processing. */
	snprintf(path, sizeof path, "/services/data/%s/jobs/ingest/%s", c->version, job);
	snprintf(opu, sizeof opu, "bulk job %s close", job);
	if (sf_json(c, "PATCH", path, "{\"state\":\"UploadComplete\"}", opu, &j, e) < 0)
		return -1;
	json_object_put(j);

	/* 4. Poll until a final state: soon at first (a small job is done in well under a second),
	 * then less often, up to bulk_poll_ms between polls. */
	snprintf(opu, sizeof opu, "bulk job %s", job);
	long waited = 0, step = c->o.bulk_poll_ms < 250 ? c->o.bulk_poll_ms : 250;
	long n_processed = -1, n_failed = -1;
	char errmsg[256] = "";
	for (;;) {
		if (sf_json(c, "GET", path, NULL, opu, &j, e) < 0)
			return -1;
		if (json_get_str(j, "state", state, sizeof state) <= 0) {
			json_object_put(j);
			return sf_bad(c, e, opu, "no job state");
		}
		if (json_get_str(j, "errorMessage", errmsg, sizeof errmsg) < 0)
			errmsg[0] = '\0';
		if (json_get_long(j, "numberRecordsProcessed", &n_processed) != 1)
			n_processed = -1;
		if (json_get_long(j, "numberRecordsFailed", &n_failed) != 1)
			n_failed = -1;
		json_object_put(j);
		if (!strcmp(state, "JobComplete") || !strcmp(state, "Failed") || !strcmp(state, "Aborted"))
			break;
		if (waited >= c->o.bulk_max_wait_ms)
			return http_fail(c->h, e, ERR_SERVER, opu,
			                 "still %s after %ld s; its records stay queued", state,
			                 waited / 1000);
		sleep_ms(step);
		waited += step;
		step = step * 2 < c->o.bulk_poll_ms ? step * 2 : c->o.bulk_poll_ms;
	}

	/* 5. Results by Id: failures always; successes too when the job did not complete. */
	id_ix *ix = malloc(k * sizeof *ix);
	if (!ix)
		return http_fail(c->h, e, ERR_INTERNAL, op, "out of memory");
	for (size_t i = 0; i < k; i++)
		ix[i] = (id_ix){.id = u[idx[i]].id, .i = idx[i]};
	qsort(ix, k, sizeof *ix, cmp_id_ix);
	int complete = strcmp(state, "JobComplete") == 0;
	if (complete)
		for (size_t i = 0; i < k; i++)
			set_result(&res[idx[i]], SF_RES_OK, NULL, NULL);
	else
		rc = bulk_results(c, job, "successfulResults", ix, k, 0, res, e);
	/* A complete job that says it processed every record and failed none has no failed rows to
	 * fetch: one call saved per job. Anything less certain (a count missing, fewer processed) reads
	 * them. */
	int none_failed = complete && n_failed == 0 && n_processed == (long)k;
	if (rc == 0 && !none_failed)
		rc = bulk_results(c, job, "failedResults", ix, k, 1, res, e);
	free(ix);
	if (rc == 0 && !complete)
		rc = http_fail(c->h, e, ERR_SERVER, opu, "job %s%s%s; unprocessed records stay queued", state,
		               errmsg[0] ? ": " : "", errmsg);
	return rc;
}

int sf_bulk_update_bool(sf_client *c, const char *field, const sf_update *u, size_t n, sf_result *res,
                        err_t *e)
{
	for (size_t i = 0; i < n; i++)
		set_result(&res[i], SF_RES_NOT_SENT, NULL, NULL);
	if (check_updates(c, field, u, n, "bulk update", e) < 0)
		return -1;
	if (n == 0)
		return 0;
	size_t *idx = malloc(n * sizeof *idx);
	char *done = calloc(n, 1);
	if (!idx || !done) {
		free(idx);
		free(done);
		return http_fail(c->h, e, ERR_INTERNAL, "bulk update", "out of memory");
	}
	int rc = 0;
	/* One job per object: gather each object's records in input order. */
	for (size_t first = 0; first < n && rc == 0; first++) {
		if (done[first])
			continue;
		size_t k = 0;
		for (size_t i = first; i < n; i++)
			if (!done[i] && strcmp(u[i].object, u[first].object) == 0) {
				idx[k++] = i;
				done[i] = 1;
			}
		rc = bulk_job(c, field, u, idx, k, res, e);
	}
	free(idx);
	free(done);
	return rc;
}

int sf_update_bool(sf_client *c, const char *field, const sf_update *u, size_t n, sf_result *res, err_t *e)
{
	if (n > (size_t)c->o.bulk_threshold)
		return sf_bulk_update_bool(c, field, u, n, res, e);
	return sf_composite_update_bool(c, field, u, n, res, e);
}
