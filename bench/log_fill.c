/* log_fill.c - fills the sync log of an optsync database with N realistic rows through the store
 * API (store_log_append), committed every 10,000 rows: the million-row log the dashboard is measured
 * on. Rows spread over the last 60 days, about ten per person, every direction, action and status.
 *
 *   log_fill DB KEY_FILE N
 *   log_fill --compare DB KEY_FILE N   (a scratch database: store_log_append, which prepares its
 *                                       INSERT for every row, against one statement reused)
 *
 * Prints key=value pairs: rows, seconds, rows_per_s (and, with --compare, the reused statement's). */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "store.h"
#include "store_log.h"
#include "store_sync.h"
#include "timefmt.h"

#define BATCH 10000

static const rules_direction dirs[] = {RULES_DIR_AC_TO_SF, RULES_DIR_SF_TO_AC};
static const rules_action actions[] = {RULES_ACT_OPT_OUT, RULES_ACT_OPT_IN, RULES_ACT_UNSUBSCRIBE,
                                       RULES_ACT_TAG,     RULES_ACT_LINK,   RULES_ACT_SKIP};
static const action_status statuses[] = {ACTION_APPLIED, ACTION_APPLIED, ACTION_APPLIED,
                                         ACTION_SKIPPED, ACTION_FAILED,  ACTION_RETRYING};

/* Row i of n: times rise with i over the last 60 days. */
static void make_row(log_entry *l, long i, long n, int64_t now)
{
	memset(l, 0, sizeof *l);
	int64_t span = 60LL * 86400 * 1000;
	timefmt_iso_ms(now - span + (int64_t)((double)span * (double)i / (double)n), l->at, sizeof l->at);
	l->run = 1 + i / 500;
	long person = (i * 7919) % (n / 10 + 1);
	snprintf(l->email, sizeof l->email, "person%ld@bench.example", person);
	int k = (int)(i % 6);
	l->direction = dirs[k == 2 || k == 3 ? 1 : 0];
	l->action = actions[k];
	l->status = statuses[(i / 6) % 6];
	snprintf(l->object, sizeof l->object, "%s", k == 2 || k == 3 ? "contact" : "Contact");
	snprintf(l->record, sizeof l->record, "003%015ld", person);
	snprintf(l->reason, sizeof l->reason,
	         "AC unsubscribe from list %ld; no list still subscribed (bench row)", i % 5 + 1);
	if (l->status == ACTION_FAILED)
		snprintf(l->error, sizeof l->error,
		         "Salesforce: UNABLE_TO_LOCK_ROW: unable to obtain exclusive access");
}

static int fill_api(store *s, long n, double *secs)
{
	err_t e = {0};
	int64_t now = bu_wall_ms(), t0 = bu_mono_ns();
	log_entry l;
	if (store_begin(s, &e) < 0)
		goto fail;
	for (long i = 0; i < n; i++) {
		make_row(&l, i, n, now);
		if (store_log_append(s, &l, &e) < 0)
			goto fail;
		if (i % BATCH == BATCH - 1 && (store_commit(s, &e) < 0 || store_begin(s, &e) < 0))
			goto fail;
	}
	if (store_commit(s, &e) < 0)
		goto fail;
	*secs = (double)(bu_mono_ns() - t0) / 1e9;
	return 0;
fail:
	fprintf(stderr, "log_fill: %s\n", e.msg);
	return -1;
}

/* The same rows with one prepared statement, reset and rebound per row. */
static int fill_reused(store *s, long n, double *secs)
{
	sqlite3 *db = store_db(s);
	sqlite3_stmt *st;
	int64_t now = bu_wall_ms(), t0 = bu_mono_ns();
	if (sqlite3_prepare_v2(
	        db,
	        "INSERT INTO log(at,run,direction,email,object,record,action,status,reason,error)"
	        " VALUES(?,?,?,?,?,?,?,?,?,?)",
	        -1, &st, NULL) != SQLITE_OK)
		return -1;
	log_entry l;
	sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	for (long i = 0; i < n; i++) {
		make_row(&l, i, n, now);
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, l.at, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 2, l.run);
		sqlite3_bind_text(st, 3, rules_direction_name(l.direction), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, l.email, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 5, l.object, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 6, l.record, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 7, rules_action_name(l.action), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 8, action_status_name(l.status), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 9, l.reason, -1, SQLITE_TRANSIENT);
		if (l.error[0])
			sqlite3_bind_text(st, 10, l.error, -1, SQLITE_TRANSIENT);
		else
			sqlite3_bind_null(st, 10);
		if (sqlite3_step(st) != SQLITE_DONE)
			break;
		if (i % BATCH == BATCH - 1)
			sqlite3_exec(db, "COMMIT; BEGIN", NULL, NULL, NULL);
	}
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	sqlite3_finalize(st);
	*secs = (double)(bu_mono_ns() - t0) / 1e9;
	return 0;
}

int main(int argc, char **argv)
{
	int compare = argc > 1 && strcmp(argv[1], "--compare") == 0;
	if (argc != 4 + compare) {
		fprintf(stderr, "usage: log_fill [--compare] DB KEY_FILE N\n");
		return 2;
	}
	const char *db = argv[1 + compare], *key = argv[2 + compare];
	long n = strtol(argv[3 + compare], NULL, 10);
	store *s;
	err_t e = {0};
	if (n < 1 || store_open(&s, db, key, &e) < 0) {
		fprintf(stderr, "log_fill: %s\n", e.msg[0] ? e.msg : "N must be at least 1");
		return 1;
	}
	double t_api = 0, t_reuse = 0;
	int rc = fill_api(s, n, &t_api);
	if (rc == 0 && compare) {
		sqlite3_exec(store_db(s), "DELETE FROM log", NULL, NULL, NULL);
		rc = fill_reused(s, n, &t_reuse);
	}
	if (rc == 0) {
		printf("rows=%ld seconds=%.2f rows_per_s=%.0f", n, t_api, (double)n / t_api);
		if (compare)
			printf(" reused_seconds=%.2f reused_rows_per_s=%.0f", t_reuse, (double)n / t_reuse);
		printf("\n");
	}
	store_close(s);
	return rc ? 1 : 0;
}
