/* sf_bulk.c - Bulk API 2.0 ingest (update of Contact/Lead): create job, upload CSV once, UploadComplete,
 * poll, successful/failed/unprocessed results. Records are processed at UploadComplete; the job shows
 * InProgress for bulk_poll_count polls before JobComplete. */
#include "sf_schema.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JOB_COLS                                                                                             \
	"id, object, operation, state, line_ending, delimiter, content_type, api_version, created_ms, "      \
	"modstamp_ms,"                                                                                       \
	" processed, failed, polls, error_message"

static json_object *job_json(sbx_req *r, sqlite3_stmt *st, int full)
{
	char t[40];
	const char *state = (const char *)sqlite3_column_text(st, 3);
	int64_t polls = sqlite3_column_int64(st, 12);
	/* "Processed" is internal: the records are done, the job says InProgress a while longer */
	int shown_done = strcmp(state, "Processed") == 0 && polls > sbx_knob_int("bulk_poll_count");
	const char *shown =
	    strcmp(state, "Processed") == 0 ? (shown_done ? "JobComplete" : "InProgress") : state;
	json_object *o = json_object_new_object();
	const char *id = (const char *)sqlite3_column_text(st, 0);
	json_object_object_add(o, "id", sbx_jstr(id));
	json_object_object_add(o, "operation", sbx_jcol_text(st, 2));
	json_object_object_add(o, "object", sbx_jcol_text(st, 1));
	char usr[19];
	sbx_sf_make_id("005", 1, usr);
	json_object_object_add(o, "createdById", sbx_jstr(usr));
	sbx_fmt_sf_time(sqlite3_column_int64(st, 8), t, sizeof t);
	json_object_object_add(o, "createdDate", sbx_jstr(t));
	sbx_fmt_sf_time(sqlite3_column_int64(st, 9), t, sizeof t);
	json_object_object_add(o, "systemModstamp", sbx_jstr(t));
	json_object_object_add(o, "state", sbx_jstr(shown));
	if (sqlite3_column_type(st, 13) != SQLITE_NULL)
		json_object_object_add(o, "errorMessage", sbx_jcol_text(st, 13));
	json_object_object_add(o, "concurrencyMode", sbx_jstr("Parallel"));
	json_object_object_add(o, "contentType", sbx_jcol_text(st, 6));
	const char *ver = (const char *)sqlite3_column_text(st, 7);
	json_object_object_add(o, "apiVersion", json_object_new_double(strtod(ver + 1, NULL)));
	if (strcmp(state, "Open") == 0)
		json_object_object_add(o, "contentUrl",
		                       sbx_jstrf("services/data/%s/jobs/ingest/%s/batches", ver, id));
	json_object_object_add(o, "lineEnding", sbx_jcol_text(st, 4));
	json_object_object_add(o, "columnDelimiter", sbx_jcol_text(st, 5));
	if (full) {
		int done = shown_done;
		json_object_object_add(o, "jobType", sbx_jstr("V2Ingest"));
		json_object_object_add(o, "numberRecordsProcessed",
		                       sbx_jint(done ? sqlite3_column_int64(st, 10) : 0));
		json_object_object_add(o, "numberRecordsFailed",
		                       sbx_jint(done ? sqlite3_column_int64(st, 11) : 0));
		json_object_object_add(o, "retries", sbx_jint(0));
		json_object_object_add(o, "totalProcessingTime", sbx_jint(done ? 120 : 0));
		json_object_object_add(o, "apiActiveProcessingTime", sbx_jint(done ? 80 : 0));
		json_object_object_add(o, "apexProcessingTime", sbx_jint(0));
	}
	(void)r;
	return o;
}

static sqlite3_stmt *job_row(sbx_req *r, const char *id)
{
	sqlite3_stmt *st = sbx_db_prep(r->app->db, "SELECT " JOB_COLS " FROM sf_jobs WHERE id = ?1");
	if (!st)
		return NULL;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		sbx_resp_error(r, 404, "NOT_FOUND", "The requested resource does not exist");
		return NULL;
	}
	return st;
}

static void answer_job(sbx_req *r, const char *id, int full, int status)
{
	sqlite3_stmt *st = job_row(r, id);
	if (!st)
		return;
	sbx_resp_json(r, status, job_json(r, st, full));
	sqlite3_finalize(st);
}

static void create_job(sbx_req *r)
{
	json_object *b = sbx_req_json_body(r);
	if (!b)
		return;
	char object[64] = "", op[32] = "", ctype[16] = "CSV", le[8] = "LF", delim[16] = "COMMA";
	sbx_jget_text(b, "object", object, sizeof object);
	sbx_jget_text(b, "operation", op, sizeof op);
	sbx_jget_text(b, "contentType", ctype, sizeof ctype);
	sbx_jget_text(b, "lineEnding", le, sizeof le);
	sbx_jget_text(b, "columnDelimiter", delim, sizeof delim);
	json_object_put(b);
	const sbx_sf_object *o = sbx_sf_object_find(object);
	if (!o || !o->writable) {
		sbx_resp_error(r, 400, "INVALIDJOB", "InvalidJob : Invalid object: %s", object);
		return;
	}
	if (strcmp(op, "update") != 0) {
		sbx_resp_error(r, 400, "INVALIDJOB",
		               "InvalidJob : the sandbox supports operation 'update' only (got '%s')", op);
		return;
	}
	if (strcmp(ctype, "CSV") != 0 || (strcmp(le, "LF") && strcmp(le, "CRLF")) ||
	    strcmp(delim, "COMMA") != 0) {
		sbx_resp_error(r, 400, "INVALIDJOB",
		               "InvalidJob : contentType CSV, lineEnding LF or CRLF and columnDelimiter "
		               "COMMA are supported");
		return;
	}
	char id[19];
	sbx_sf_make_id("750", sbx_db_next_serial(r->app->db, "job"), id);
	sqlite3_stmt *st = sbx_db_prep(
	    r->app->db, "INSERT INTO sf_jobs(id, object, operation, state, line_ending, delimiter,"
	                " content_type, api_version, created_ms, modstamp_ms)"
	                " VALUES(?1, ?2, 'update', 'Open', ?3, ?4, ?5, ?6, ?7, ?7)");
	if (!st)
		return;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, o->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, le, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, delim, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, ctype, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 6, r->sf_version, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 7, r->now_ms);
	sqlite3_step(st);
	sqlite3_finalize(st);
	sbx_counter_add(r->app->db, "bulk_jobs", 1);
	answer_job(r, id, 0, 200);
}

static void upload(sbx_req *r)
{
	const char *id = r->cap[0]; /* normalised by job_id */
	sqlite3_stmt *st = job_row(r, id);
	if (!st)
		return;
	int open = strcmp((const char *)sqlite3_column_text(st, 3), "Open") == 0;
	sqlite3_finalize(st);
	if (!r->content_type || strncmp(r->content_type, "text/csv", 8) != 0) {
		sbx_resp_error(r, 400, "INVALIDJOB", "InvalidJob : Content-Type must be text/csv");
		return;
	}
	if (!open) {
		sbx_resp_error(r, 400, "INVALIDJOBSTATE",
		               "Job is not in Open state: data can only be uploaded to an open job");
		return;
	}
	st = sbx_db_prep(r->app->db, "UPDATE sf_jobs SET data = ?2, uploaded = uploaded + 1, modstamp_ms = ?3"
	                             " WHERE id = ?1 AND uploaded = 0");
	if (!st)
		return;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_blob(st, 2, r->body ? r->body : "", (int)r->body_len, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, r->now_ms);
	sqlite3_step(st);
	sqlite3_finalize(st);
	if (sqlite3_changes(r->app->db) == 0) {
		sbx_resp_error(
		    r, 400, "BULK_API_ERROR",
		    "Found multiple contents for job: <%s>, please 'Close' / 'Abort' / 'Delete' the "
		    "current Job then "
		    "create a new Job and make sure you only do 'PUT' once on a given Job.",
		    id);
		return;
	}
	sbx_resp_text(r, 201, "text/plain; charset=utf-8", "");
}

/* One CSV field from *pp (RFC 4180 quoting); returns 1 at end of line, 0 if more fields follow, -1 on error.
 */
static int csv_field(const char **pp, const char *end, sbx_buf *out, const char *eol)
{
	const char *p = *pp;
	out->len = 0;
	sbx_buf_puts(out, "");
	if (out->p)
		out->p[0] = '\0';
	if (p < end && *p == '"') {
		p++;
		for (;;) {
			if (p >= end)
				return -1;
			if (*p == '"') {
				if (p + 1 < end && p[1] == '"') {
					sbx_buf_put(out, "\"", 1);
					p += 2;
					continue;
				}
				p++;
				break;
			}
			sbx_buf_put(out, p, 1);
			p++;
		}
	} else {
		while (p < end && *p != ',' && *p != '\n' && *p != '\r') {
			if (*p == '"')
				return -1;
			sbx_buf_put(out, p, 1);
			p++;
		}
	}
	if (p >= end) {
		*pp = p;
		return 1;
	}
	if (*p == ',') {
		*pp = p + 1;
		return 0;
	}
	size_t el = strlen(eol);
	if ((size_t)(end - p) >= el && strncmp(p, eol, el) == 0) {
		*pp = p + el;
		return 1;
	}
	return -1;
}

static void csv_quote(sbx_buf *b, const char *s)
{
	sbx_buf_put(b, "\"", 1);
	for (; s && *s; s++) {
		if (*s == '"')
			sbx_buf_put(b, "\"", 1);
		sbx_buf_put(b, s, 1);
	}
	sbx_buf_put(b, "\"", 1);
}

static void fail_job(sbx_req *r, const char *id, const char *msg)
{
	sqlite3_stmt *st = sbx_db_prep(
	    r->app->db, "UPDATE sf_jobs SET state = 'Failed', error_message = ?2, modstamp_ms = ?3"
	                " WHERE id = ?1");
	if (!st)
		return;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, msg, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, r->now_ms);
	sqlite3_step(st);
	sqlite3_finalize(st);
}

#define MAX_COLS 32

static void process(sbx_req *r, const char *id, const char *object, const char *le, const char *data,
                    size_t len)
{
	const sbx_sf_object *o = sbx_sf_object_find(object);
	const char *eol = strcmp(le, "CRLF") == 0 ? "\r\n" : "\n";
	if (!data || len == 0) {
		fail_job(r, id, "InvalidBatch : Empty CSV file");
		return;
	}
	/* the job's lineEnding must match the data, as Salesforce checks */
	const char *nl = memchr(data, '\n', len);
	if (nl && ((strcmp(le, "LF") == 0 && nl > data && nl[-1] == '\r') ||
	           (strcmp(le, "CRLF") == 0 && (nl == data || nl[-1] != '\r')))) {
		char m[160];
		snprintf(
		    m, sizeof m,
		    "ClientInputError : LineEnding is invalid on user data. Current LineEnding setting is %s",
		    le);
		fail_job(r, id, m);
		return;
	}
	const char *p = data, *end = data + len;
	sbx_buf cell = {0};
	char *cols[MAX_COLS];
	const sbx_sf_field *fields[MAX_COLS];
	int ncols = 0, id_col = -1, rc;
	do {
		rc = csv_field(&p, end, &cell, eol);
		if (rc < 0 || ncols >= MAX_COLS) {
			fail_job(r, id, "InvalidBatch : Failed to parse the CSV header");
			goto out_cols;
		}
		cols[ncols] = strdup(cell.p ? cell.p : "");
		const sbx_sf_field *f = sbx_sf_field_find(o, cols[ncols]);
		if (!f) {
			char m[200];
			snprintf(m, sizeof m, "InvalidBatch : Field name not found : %.100s", cols[ncols]);
			ncols++;
			fail_job(r, id, m);
			goto out_cols;
		}
		fields[ncols] = f;
		if (strcmp(f->name, "Id") == 0)
			id_col = ncols;
		ncols++;
	} while (rc == 0);
	if (id_col < 0) {
		fail_job(r, id, "InvalidBatch : Field name not found : Id (an update needs the Id column)");
		goto out_cols;
	}
	int64_t pos = 0, processed = 0, failed = 0;
	sqlite3_stmt *ins =
	    sbx_db_prep(r->app->db, "INSERT INTO sf_job_results(job, pos, sf_id, ok, error, row)"
	                            " VALUES(?1, ?2, ?3, ?4, ?5, ?6)");
	while (p < end && ins) {
		char *vals[MAX_COLS] = {0};
		int n = 0;
		do {
			rc = csv_field(&p, end, &cell, eol);
			if (rc < 0)
				break;
			if (n < MAX_COLS)
				vals[n++] = strdup(cell.p ? cell.p : "");
		} while (rc == 0);
		if (n == 1 && vals[0] && !*vals[0] && p >= end) {
			free(vals[0]);
			break; /* trailing newline */
		}
		json_object *rec = json_object_new_object();
		char code[64] = "", msg[512] = "", field[96], out_id[19] = "";
		int bad = rc < 0 || n != ncols;
		if (bad) {
			sbx_str_copy(code, sizeof code, "INVALID_FIELD");
			snprintf(msg, sizeof msg, "the row has %d fields, the header %d", n, ncols);
		}
		for (int i = 0; !bad && i < ncols; i++) {
			if (i == id_col || !vals[i] || !*vals[i])
				continue; /* an empty cell leaves the field as it is */
			if (strcmp(vals[i], "#N/A") == 0)
				json_object_object_add(rec, fields[i]->name, NULL);
			else if (fields[i]->type == 'b')
				json_object_object_add(rec, fields[i]->name,
				                       sbx_jstr(sbx_ieq(vals[i], "1")   ? "true"
				                                : sbx_ieq(vals[i], "0") ? "false"
				                                                        : vals[i]));
			else
				json_object_object_add(rec, fields[i]->name, sbx_jstr(vals[i]));
		}
		int ok = !bad && sbx_sf_update_record(r, o->name, vals[id_col], rec, code, sizeof code, msg,
		                                      sizeof msg, field, sizeof field, out_id) == 0;
		json_object_put(rec);
		sbx_buf row = {0};
		for (int i = 0; i < ncols; i++) {
			if (i)
				sbx_buf_put(&row, ",", 1);
			csv_quote(&row, i < n ? vals[i] : "");
		}
		char err[700];
		snprintf(err, sizeof err, "%s:%s:%s", code, msg, *field ? field : "--");
		sqlite3_reset(ins);
		sqlite3_bind_text(ins, 1, id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(ins, 2, pos++);
		sqlite3_bind_text(ins, 3, ok ? out_id : (id_col < n && vals[id_col] ? vals[id_col] : ""), -1,
		                  SQLITE_TRANSIENT);
		sqlite3_bind_int(ins, 4, ok);
		if (ok)
			sqlite3_bind_null(ins, 5);
		else
			sqlite3_bind_text(ins, 5, err, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(ins, 6, row.p ? row.p : "", -1, SQLITE_TRANSIENT);
		sqlite3_step(ins);
		sbx_buf_free(&row);
		for (int i = 0; i < n; i++)
			free(vals[i]);
		processed++;
		failed += !ok;
		if (rc < 0) {
			/* a broken line: skip to the next line ending */
			const char *skip = strstr(p, eol);
			p = skip ? skip + strlen(eol) : end;
		}
	}
	sqlite3_finalize(ins);
	sbx_counter_add(r->app->db, "bulk_records", processed);
	sqlite3_stmt *st =
	    sbx_db_prep(r->app->db, "UPDATE sf_jobs SET state = 'Processed', processed = ?2, failed = ?3,"
	                            " modstamp_ms = ?4, polls = 0 WHERE id = ?1");
	if (st) {
		sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 2, processed);
		sqlite3_bind_int64(st, 3, failed);
		sqlite3_bind_int64(st, 4, r->now_ms);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
out_cols:
	for (int i = 0; i < ncols; i++)
		free(cols[i]);
	sbx_buf_free(&cell);
}

static void patch_job(sbx_req *r)
{
	const char *id = r->cap[0]; /* normalised by job_id */
	json_object *b = sbx_req_json_body(r);
	if (!b)
		return;
	char state[32] = "";
	sbx_jget_text(b, "state", state, sizeof state);
	json_object_put(b);
	sqlite3_stmt *st = job_row(r, id);
	if (!st)
		return;
	char cur[32], object[32], le[8];
	sbx_str_copy(cur, sizeof cur, (const char *)sqlite3_column_text(st, 3));
	sbx_str_copy(object, sizeof object, (const char *)sqlite3_column_text(st, 1));
	sbx_str_copy(le, sizeof le, (const char *)sqlite3_column_text(st, 4));
	sqlite3_finalize(st);
	if (strcmp(state, "UploadComplete") == 0) {
		if (strcmp(cur, "Open") != 0) {
			sbx_resp_error(r, 409, "INVALIDJOBSTATE", "Job is not in Open state (it is %s)", cur);
			return;
		}
		st = sbx_db_prep(r->app->db, "SELECT data FROM sf_jobs WHERE id = ?1");
		if (!st)
			return;
		sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(st) == SQLITE_ROW) {
			const char *data = (const char *)sqlite3_column_blob(st, 0);
			size_t len = (size_t)sqlite3_column_bytes(st, 0);
			char *copy = malloc(len + 1);
			if (copy) {
				if (len)
					memcpy(copy, data, len);
				copy[len] = '\0';
			}
			sqlite3_finalize(st);
			process(r, id, object, le, copy, copy ? len : 0);
			free(copy);
		} else {
			sqlite3_finalize(st);
		}
		/* the answer to UploadComplete still says UploadComplete, as Salesforce does */
		st = job_row(r, id);
		if (!st)
			return;
		json_object *o = job_json(r, st, 0);
		sqlite3_finalize(st);
		const char *s = NULL;
		json_object *sv;
		if (json_object_object_get_ex(o, "state", &sv))
			s = json_object_get_string(sv);
		if (s && strcmp(s, "Failed") != 0)
			json_object_object_add(o, "state", sbx_jstr("UploadComplete"));
		sbx_resp_json(r, 200, o);
		return;
	}
	if (strcmp(state, "Aborted") == 0) {
		if (strcmp(cur, "Open") != 0 && strcmp(cur, "Processed") != 0) {
			sbx_resp_error(r, 409, "INVALIDJOBSTATE", "Job is in state %s and cannot be aborted",
			               cur);
			return;
		}
		st = sbx_db_prep(r->app->db,
		                 "UPDATE sf_jobs SET state = 'Aborted', modstamp_ms = ?2 WHERE id = ?1");
		if (st) {
			sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
			sqlite3_bind_int64(st, 2, r->now_ms);
			sqlite3_step(st);
			sqlite3_finalize(st);
		}
		answer_job(r, id, 0, 200);
		return;
	}
	sbx_resp_error(r, 400, "INVALIDJOBSTATE", "state must be UploadComplete or Aborted");
}

static void get_job(sbx_req *r)
{
	const char *id = r->cap[0]; /* normalised by job_id */
	sqlite3_stmt *st = sbx_db_prep(
	    r->app->db, "UPDATE sf_jobs SET polls = polls + 1 WHERE id = ?1 AND state = 'Processed'");
	if (st) {
		sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
	answer_job(r, id, 1, 200);
}

static void results(sbx_req *r, const char *id, int which)
{
	sqlite3_stmt *st = job_row(r, id);
	if (!st)
		return;
	char object[32];
	sbx_str_copy(object, sizeof object, (const char *)sqlite3_column_text(st, 1));
	int64_t polls = sqlite3_column_int64(st, 12);
	int done = strcmp((const char *)sqlite3_column_text(st, 3), "Processed") == 0 &&
	           polls > sbx_knob_int("bulk_poll_count");
	sqlite3_finalize(st);
	/* the header: sf__ columns, then the columns of the uploaded file */
	st = sbx_db_prep(r->app->db, "SELECT data FROM sf_jobs WHERE id = ?1");
	sbx_buf out = {0};
	if (which == 0)
		sbx_buf_puts(&out, "\"sf__Id\",\"sf__Created\"");
	else if (which == 1)
		sbx_buf_puts(&out, "\"sf__Id\",\"sf__Error\"");
	if (st) {
		sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 0) > 0) {
			const char *d = (const char *)sqlite3_column_blob(st, 0);
			int n = sqlite3_column_bytes(st, 0), k = 0;
			while (k < n && d[k] != '\n' && d[k] != '\r')
				k++;
			if (out.len)
				sbx_buf_put(&out, ",", 1);
			sbx_buf_put(&out, d, (size_t)k);
		}
		sqlite3_finalize(st);
	}
	sbx_buf_put(&out, "\n", 1);
	if (done && which != 2) {
		st = sbx_db_prep(
		    r->app->db,
		    "SELECT sf_id, error, row FROM sf_job_results WHERE job = ?1 AND ok = ?2 ORDER BY pos");
		if (st) {
			sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
			sqlite3_bind_int(st, 2, which == 0);
			while (sqlite3_step(st) == SQLITE_ROW) {
				csv_quote(&out, (const char *)sqlite3_column_text(st, 0));
				sbx_buf_put(&out, ",", 1);
				csv_quote(&out,
				          which == 0 ? "false" : (const char *)sqlite3_column_text(st, 1));
				sbx_buf_put(&out, ",", 1);
				sbx_buf_puts(&out, (const char *)sqlite3_column_text(st, 2));
				sbx_buf_put(&out, "\n", 1);
			}
			sqlite3_finalize(st);
		}
	}
	sbx_resp_text(r, 200, "text/csv", out.p ? out.p : "");
	(void)object;
	sbx_buf_free(&out);
}

static void list_jobs(sbx_req *r)
{
	sqlite3_stmt *st = sbx_db_prep(r->app->db, "SELECT " JOB_COLS " FROM sf_jobs ORDER BY rid");
	json_object *arr = json_object_new_array();
	while (st && sqlite3_step(st) == SQLITE_ROW)
		json_object_array_add(arr, job_json(r, st, 0));
	sqlite3_finalize(st);
	json_object *o = json_object_new_object();
	json_object_object_add(o, "done", sbx_jbool(1));
	json_object_object_add(o, "records", arr);
	json_object_object_add(o, "nextRecordsUrl", NULL);
	sbx_resp_json(r, 200, o);
}

static void delete_job(sbx_req *r)
{
	const char *id = r->cap[0]; /* normalised by job_id */
	sqlite3_stmt *st = job_row(r, id);
	if (!st)
		return;
	sqlite3_finalize(st);
	sbx_db_exec(r->app->db, "SAVEPOINT deljob", NULL);
	st = sbx_db_prep(r->app->db, "DELETE FROM sf_job_results WHERE job = ?1");
	if (st) {
		sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
	st = sbx_db_prep(r->app->db, "DELETE FROM sf_jobs WHERE id = ?1");
	if (st) {
		sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
	sbx_db_exec(r->app->db, "RELEASE deljob", NULL);
	sbx_resp_text(r, 204, "text/plain", "");
}

static void successful_results(sbx_req *r)
{
	results(r, r->cap[0], 0);
}

static void failed_results(sbx_req *r)
{
	results(r, r->cap[0], 1);
}

static void unprocessed_records(sbx_req *r)
{
	results(r, r->cap[0], 2);
}

/* The check of every row with a job id: 15 or 18 characters of a 750 (job) id, left in r->cap[0]
 * in its 18-character form. */
static int job_id(sbx_req *r)
{
	char id[19];
	if (sbx_sf_norm_id(r->cap[0], id) != 0 || strncmp(id, "750", 3) != 0) {
		sbx_resp_error(r, 404, "NOT_FOUND", "The requested resource does not exist");
		return 0;
	}
	memcpy(r->cap[0], id, sizeof id);
	return 1;
}

#define FIRST SBX_CHECK_FIRST

/* clang-format off */
static const sbx_route bulk_routes[] = {
	/* pattern                             methods     handler              check   flags */
	{"jobs/ingest",                        SBX_POST,   create_job,          NULL,   0},
	{"jobs/ingest",                        SBX_READ,   list_jobs,           NULL,   0},
	{"jobs/ingest/{}",                     SBX_READ,   get_job,             job_id, FIRST},
	{"jobs/ingest/{}",                     SBX_PATCH,  patch_job,           job_id, FIRST},
	{"jobs/ingest/{}",                     SBX_DELETE, delete_job,          job_id, FIRST},
	{"jobs/ingest/{}/batches",             SBX_PUT,    upload,              job_id, FIRST},
	{"jobs/ingest/{}/successfulResults",   SBX_READ,   successful_results,  job_id, FIRST},
	{"jobs/ingest/{}/failedResults",       SBX_READ,   failed_results,      job_id, FIRST},
	{"jobs/ingest/{}/unprocessedrecords",  SBX_READ,   unprocessed_records, job_id, FIRST},
	{NULL, 0, NULL, NULL, 0},
};
/* clang-format on */

void sbx_sf_bulk_route(sbx_req *r)
{
	const char *rest = strstr(r->path, "/jobs");
	rest = rest ? rest + 1 : "";
	sbx_route_result res = sbx_route_run(r, bulk_routes, rest);
	if (res == SBX_ROUTE_DONE)
		return;
	/* Salesforce names the methods of a job and of the job list; a job's parts it just does not find */
	if (res == SBX_ROUTE_NO_METHOD && sbx_path_match(r, "jobs/ingest", rest))
		sbx_resp_error(r, 405, "METHOD_NOT_ALLOWED",
		               "HTTP Method '%s' not allowed. Allowed are GET,POST", r->method);
	else if (res == SBX_ROUTE_NO_METHOD && sbx_path_match(r, "jobs/ingest/{}", rest))
		sbx_resp_error(r, 405, "METHOD_NOT_ALLOWED",
		               "HTTP Method '%s' not allowed. Allowed are GET,PATCH,DELETE", r->method);
	else
		sbx_resp_error(r, 404, "NOT_FOUND", "The requested resource does not exist");
}
