/* fuzz_sf_json.c - libFuzzer target: Salesforce answers into the SF client's readers.
 * The Bulk API result CSV reader of core/sf_write.c is static, so that source is compiled into this
 * target (#include "sf_write.c"); the rest is the client's shared readers (sf_int.h): error bodies
 * (sf_detail: OAuth and REST shapes), the Sforce-Limit-Info header (sf_note_limit_info), Bulk API
 * 2.0 result CSVs (apply_results_csv) and, through http_json, a
 * query page read with the record accessors and the typed readers (sf_parse_record,
 * sf_parse_box_change) the engine uses. The composite results and the query
 * page loop are read inline after the HTTP call in composite_once()/sf_query() and are not
 * reachable here. */
#include "sf_write.c"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sf_client *fuzz_client(void)
{
	static sf_client *c;
	if (!c) {
		err_t e;
		memset(&e, 0, sizeof e);
		sf_config cfg = {.login_url = "http://127.0.0.1:9", .client_id = "fuzz", .client_secret = "fuzz"};
		c = sf_open(&cfg, &e);
		if (!c)
			abort();
	}
	return c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 1 << 20)
		return 0;
	sf_client *c = fuzz_client();
	char *body = malloc(size + 1);
	if (!body)
		return 0;
	memcpy(body, data, size);
	body[size] = '\0';

	char detail[400];
	sf_detail(body, size, detail, sizeof detail);
	if (!memchr(detail, 0, sizeof detail))
		abort();

	/* The header value as libcurl would hand it over: a C string. */
	char limit[128];
	snprintf(limit, sizeof limit, "%s", body);
	sf_note_limit_info(c, limit);
	long used, max;
	if (sf_api_usage(c, &used, &max) == 0 && (used < 0 || max <= 0))
		abort();

	/* A Bulk API results CSV against three uploaded ids (sorted, as bulk_job sorts them). */
	static const char *const ids[] = {"003000000000001AAA", "003000000000002AAA", "00Q000000000003AAA"};
	id_ix ix[3];
	sf_result res[3];
	for (size_t i = 0; i < 3; i++) {
		ix[i].id = ids[i];
		ix[i].i = i;
		set_result(&res[i], SF_RES_NOT_SENT, NULL, NULL);
	}
	for (int failed = 0; failed < 2; failed++) {
		err_t e;
		memset(&e, 0, sizeof e);
		apply_results_csv(c, body, size, ix, 3, failed, res, "bulk job fuzz", &e);
		for (size_t i = 0; i < 3; i++)
			if (res[i].status > SF_RES_RETRY || !memchr(res[i].code, 0, sizeof res[i].code) ||
			    !memchr(res[i].message, 0, sizeof res[i].message))
				abort();
	}

	/* A query page or a token answer, read with the accessors the engine and the client use. */
	http_response rs;
	memset(&rs, 0, sizeof rs);
	rs.status = 200;
	rs.body = body;
	rs.len = size;
	json_object *j = NULL;
	err_t e;
	memset(&e, 0, sizeof e);
	if (http_json(c->h, &rs, "query Contact", &j, &e) == 0) {
		int done;
		long total;
		char next[2048], s[256];
		json_get_bool(j, "done", &done);
		json_get_long(j, "totalSize", &total);
		json_get_str(j, "nextRecordsUrl", next, sizeof next);
		json_get_str(j, "access_token", s, sizeof s);
		json_get_str(j, "instance_url", s, sizeof s);
		json_object *recs = json_get(j, "records", json_type_array);
		for (size_t i = 0; recs && i < json_object_array_length(recs) && i < 2000; i++) {
			json_object *r = json_object_array_get_idx(recs, i);
			char id[SF_ID_MAX], email[256], stamp[40];
			int box, conv;
			sf_rec_str(r, "Id", id, sizeof id);
			sf_rec_str(r, "Email", email, sizeof email);
			sf_rec_str(r, "SystemModstamp", stamp, sizeof stamp);
			sf_rec_bool(r, "HasOptedOutOfEmail", &box);
			sf_rec_bool(r, "IsConverted", &conv);
			/* The typed readers the engine goes through (sf_read.c): a value or an error, and
			 * every string field terminated. */
			sf_record rec;
			sf_box_change ch;
			err_t re;
			memset(&re, 0, sizeof re);
			if (sf_parse_record(r, (sf_object)(i % 2), &rec, &re) < 0
			        ? !re.msg[0]
			        : !memchr(rec.email, 0, sizeof rec.email) ||
			              !memchr(rec.modstamp, 0, sizeof rec.modstamp))
				abort();
			if (sf_parse_box_change(r, (sf_object)(i % 2), &ch) == 1 &&
			    (!ch.id[0] || ch.opted_out > 1))
				abort();
		}
		/* Composite results: one object per record with success / errors[0].statusCode. */
		for (size_t i = 0; json_object_is_type(j, json_type_array) && i < json_object_array_length(j) && i < 200; i++) {
			json_object *r = json_object_array_get_idx(j, i), *errs = json_get(r, "errors", json_type_array);
			int ok;
			char code[64];
			json_get_bool(r, "success", &ok);
			if (errs && json_object_array_length(errs))
				json_get_str(json_object_array_get_idx(errs, 0), "statusCode", code, sizeof code);
		}
	} else if (!e.msg[0]) {
		abort();
	}
	json_object_put(j);
	free(body);
	return 0;
}
