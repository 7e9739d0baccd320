/* sf_calls.c - Salesforce API calls for N Email Opt Out writes through optsync's own client
 * (core/sf.c), the way the engine's apply step makes them: sf_update_bool with the bulk_threshold
 * setting choosing sObject Collections (200 per call) or Bulk API 2.0. The record ids come from
 * SOQL queries of the sandbox org first (those calls are counted apart); the sandbox answers at most
 * 50,000 rows per query, so each object is read in both Id orders and the two halves merged.
 *
 *   sf_calls LOGIN_URL N BULK_THRESHOLD [VALUE]
 *
 * VALUE is 1 (check, default) or 0. Prints key=value pairs: n, threshold, path (composite|bulk),
 * read_calls, write_calls, ok, failed, not_sent, seconds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "sf.h"

typedef struct {
	char id[SF_ID_MAX];
	const char *object;
} rec_id;

typedef struct {
	rec_id *r;
	size_t n, cap;
	const char *obj;
} id_list;

static int on_rec(json_object *rec, void *ud, err_t *e)
{
	id_list *l = ud;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 4096;
		rec_id *r = realloc(l->r, cap * sizeof *r);
		if (!r)
			return err_set(e, ERR_INTERNAL, "out of memory");
		l->r = r;
		l->cap = cap;
	}
	if (sf_rec_str(rec, "Id", l->r[l->n].id, SF_ID_MAX) == 1)
		l->r[l->n++].object = l->obj;
	return 0;
}

static int cmp_rec(const void *a, const void *b)
{
	return strcmp(((const rec_id *)a)->id, ((const rec_id *)b)->id);
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: sf_calls LOGIN_URL N BULK_THRESHOLD [VALUE]\n");
		return 2;
	}
	long n = strtol(argv[2], NULL, 10), threshold = strtol(argv[3], NULL, 10);
	int value = argc > 4 ? atoi(argv[4]) != 0 : 1;
	if (n < 1 || threshold < 0)
		return 2;
	sf_config cfg = {.login_url = argv[1],
	                 .client_id = "sandbox-client-id",
	                 .client_secret = "sandbox-client-secret",
	                 .api_version = "v62.0"};
	sf_options o;
	sf_options_default(&o);
	o.bulk_threshold = (int)threshold;
	err_t e = {0};
	sf_client *c = sf_open_opts(&cfg, &o, &e);
	id_list l = {0};
	if (!c) {
		fprintf(stderr, "sf_calls: %s\n", e.msg);
		return 1;
	}
	static const char *const objects[] = {"Contact", "Lead"};
	for (int i = 0; i < 4; i++) {
		char soql[128];
		l.obj = objects[i / 2];
		snprintf(soql, sizeof soql, "SELECT Id FROM %s ORDER BY Id%s", l.obj, i % 2 ? " DESC" : "");
		if (sf_query(c, soql, on_rec, &l, NULL, &e) < 0) {
			fprintf(stderr, "sf_calls: %s\n", e.msg);
			return 1;
		}
	}
	/* The two halves overlap when an object has fewer than 100,000 records: keep each id once. */
	qsort(l.r, l.n, sizeof *l.r, cmp_rec);
	size_t k = 0;
	for (size_t i = 0; i < l.n; i++)
		if (k == 0 || strcmp(l.r[i].id, l.r[k - 1].id) != 0)
			l.r[k++] = l.r[i];
	if (k < (size_t)n) {
		fprintf(stderr, "sf_calls: the org has only %zu records, %ld asked\n", k, n);
		return 1;
	}
	l.n = (size_t)n;
	sf_stats before, after;
	sf_get_stats(c, &before);
	sf_update *u = calloc(l.n, sizeof *u);
	sf_result *res = calloc(l.n, sizeof *res);
	if (!u || !res)
		return 1;
	for (size_t i = 0; i < l.n; i++)
		u[i] = (sf_update){.object = l.r[i].object, .id = l.r[i].id, .value = value};
	int64_t t0 = bu_mono_ns();
	int rc = sf_update_bool(c, "HasOptedOutOfEmail", u, l.n, res, &e);
	double secs = (double)(bu_mono_ns() - t0) / 1e9;
	sf_get_stats(c, &after);
	long ok = 0, failed = 0, not_sent = 0;
	for (size_t i = 0; i < l.n; i++) {
		ok += res[i].status == SF_RES_OK;
		failed += res[i].status == SF_RES_FAILED || res[i].status == SF_RES_RETRY;
		not_sent += res[i].status == SF_RES_NOT_SENT;
	}
	if (rc < 0)
		fprintf(stderr, "sf_calls: %s\n", e.msg);
	printf("n=%ld threshold=%ld path=%s read_calls=%ld write_calls=%ld ok=%ld failed=%ld not_sent=%ld "
	       "seconds=%.2f\n",
	       n, threshold, n > threshold ? "bulk" : "composite", before.calls, after.calls - before.calls,
	       ok, failed, not_sent, secs);
	free(u);
	free(res);
	free(l.r);
	sf_close(c);
	return rc < 0 ? 1 : 0;
}
