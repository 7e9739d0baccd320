/* store_log.c - appending to and reading the sync log and the runs table. */
#include "store_log.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "timefmt.h"

static int fail(store *s, err_t *e, const char *what)
{
	return err_set(e, ERR_DB, "database: %s: %s", what, sqlite3_errmsg(store_db(s)));
}

/* The row and its count for the chart go in together (a savepoint works inside or outside the
 * caller's transaction). */
int store_log_append(store *s, log_entry *l, err_t *e)
{
	if (!l->at[0])
		timefmt_now_iso(l->at, sizeof l->at);
	if (sqlite3_exec(store_db(s), "SAVEPOINT log_append", NULL, NULL, NULL) != SQLITE_OK)
		return fail(s, e, "append to log");
	sqlite3_stmt *st =
	    store_stmt(s,
	               "INSERT INTO log(at,run,direction,email,object,record,action,status,reason,error)"
	               " VALUES(?,?,?,?,?,?,?,?,?,?)",
	               e);
	int rc = SQLITE_ERROR;
	if (st) {
		sqlite3_bind_text(st, 1, l->at, -1, SQLITE_TRANSIENT);
		if (l->run)
			sqlite3_bind_int64(st, 2, l->run);
		else
			sqlite3_bind_null(st, 2);
		store_bind_text(st, 3, rules_direction_name(l->direction));
		store_bind_text(st, 4, l->email);
		store_bind_text(st, 5, l->object);
		store_bind_text(st, 6, l->record);
		sqlite3_bind_text(st, 7, rules_action_name(l->action), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 8, action_status_name(l->status), -1, SQLITE_STATIC);
		store_bind_text(st, 9, l->reason);
		store_bind_text(st, 10, l->error);
		rc = sqlite3_step(st);
		store_stmt_done(s, st);
	}
	if (rc == SQLITE_DONE) {
		l->id = sqlite3_last_insert_rowid(store_db(s));
		if (l->status == ACTION_APPLIED && l->direction != RULES_DIR_NONE) {
			sqlite3_stmt *d =
			    store_stmt(s,
			               "INSERT INTO log_daily(day,direction,n) VALUES(substr(?,1,10),?,1)"
			               " ON CONFLICT(day,direction) DO UPDATE SET n=n+1",
			               e);
			rc = SQLITE_ERROR;
			if (d) {
				sqlite3_bind_text(d, 1, l->at, -1, SQLITE_TRANSIENT);
				sqlite3_bind_text(d, 2, rules_direction_name(l->direction), -1, SQLITE_STATIC);
				rc = sqlite3_step(d);
				store_stmt_done(s, d);
			}
		}
	}
	if (rc != SQLITE_DONE) {
		fail(s, e, "append to log");
		sqlite3_exec(store_db(s), "ROLLBACK TO log_append; RELEASE log_append", NULL, NULL, NULL);
		return -1;
	}
	if (sqlite3_exec(store_db(s), "RELEASE log_append", NULL, NULL, NULL) != SQLITE_OK)
		return fail(s, e, "append to log");
	return 0;
}

/* A text column, "" for NULL (a log row outside a direction may hold either). */
static const char *column_or_empty(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? (const char *)t : "";
}

int store_log_query(store *s, const log_filter *f, int (*cb)(const log_entry *, void *), void *arg, err_t *e)
{
	/* The WHERE clause names only the filters in use, so the planner can walk the matching
	 * (column, id) index backwards from before_id: fast on a million rows. Values are always bound. */
	char sql[768];
	int off = snprintf(sql, sizeof sql,
	                   "SELECT id,at,COALESCE(run,0),direction,email,object,record,action,status,"
	                   "reason,error FROM log WHERE 1");
	if (f->email)
		off += snprintf(sql + off, sizeof sql - (size_t)off, " AND email=?1");
	if (f->status)
		off += snprintf(sql + off, sizeof sql - (size_t)off, " AND status=?2");
	if (f->direction)
		off += snprintf(sql + off, sizeof sql - (size_t)off, " AND direction=?3");
	if (f->run)
		off += snprintf(sql + off, sizeof sql - (size_t)off, " AND run=?4");
	if (f->before_id)
		off += snprintf(sql + off, sizeof sql - (size_t)off, " AND id<?5");
	/* A constant list, not a value: nothing from the request reaches this text. A failed
	 * tag stays visible, since someone has to act on it. */
	if (f->people_only)
		off += snprintf(sql + off, sizeof sql - (size_t)off,
		                " AND (action IN (" STORE_LOG_PEOPLE_ACTIONS ") OR status='failed')");
	snprintf(sql + off, sizeof sql - (size_t)off, " ORDER BY id DESC LIMIT ?6");
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(store_db(s), sql, -1, &st, NULL) != SQLITE_OK)
		return fail(s, e, "read log");
	if (f->email)
		sqlite3_bind_text(st, 1, f->email, -1, SQLITE_TRANSIENT);
	if (f->status)
		sqlite3_bind_text(st, 2, f->status, -1, SQLITE_TRANSIENT);
	if (f->direction)
		sqlite3_bind_text(st, 3, f->direction, -1, SQLITE_TRANSIENT);
	if (f->run)
		sqlite3_bind_int64(st, 4, f->run);
	if (f->before_id)
		sqlite3_bind_int64(st, 5, f->before_id);
	sqlite3_bind_int(st, 6, f->limit > 0 && f->limit <= 1000 ? f->limit : 100);
	int n = 0, rc;
	err_t pe = {0};
	int64_t bad = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		log_entry l;
		memset(&l, 0, sizeof l);
		l.id = sqlite3_column_int64(st, 0);
		store_column_text(st, 1, l.at, sizeof l.at);
		l.run = sqlite3_column_int64(st, 2);
		store_column_text(st, 4, l.email, sizeof l.email);
		store_column_text(st, 5, l.object, sizeof l.object);
		store_column_text(st, 6, l.record, sizeof l.record);
		store_column_text(st, 9, l.reason, sizeof l.reason);
		store_column_text(st, 10, l.error, sizeof l.error);
		if (rules_direction_parse(column_or_empty(st, 3), &l.direction, &pe) < 0 ||
		    rules_action_parse(column_or_empty(st, 7), &l.action, &pe) < 0 ||
		    action_status_parse(column_or_empty(st, 8), &l.status, &pe) < 0) {
			bad = l.id;
			break;
		}
		n++;
		if (cb(&l, arg))
			break;
	}
	sqlite3_finalize(st);
	if (pe.msg[0])
		return err_set(e, ERR_DB, "database: read log: row %lld: %s", (long long)bad, pe.msg);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fail(s, e, "read log");
	return n;
}

int store_run_begin(store *s, run_record *r, err_t *e)
{
	if (!r->started_at[0])
		timefmt_now_iso(r->started_at, sizeof r->started_at);
	sqlite3_stmt *st =
	    store_stmt(s, "INSERT INTO runs(trigger,started_at,status,dry_run) VALUES(?,?,'running',?)", e);
	if (!st)
		return fail(s, e, "start run");
	sqlite3_bind_text(st, 1, r->trigger, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, r->started_at, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 3, r->dry_run);
	int rc = sqlite3_step(st);
	store_stmt_done(s, st);
	if (rc != SQLITE_DONE)
		return fail(s, e, "start run");
	r->id = sqlite3_last_insert_rowid(store_db(s));
	snprintf(r->status, sizeof r->status, "running");
	return 0;
}

int store_runs_close_interrupted(store *s, int64_t current, err_t *e)
{
	char now[32];
	timefmt_now_iso(now, sizeof now);
	sqlite3_stmt *st = store_stmt(
	    s,
	    "UPDATE runs SET status='interrupted', ended_at=?, error='the process running it stopped"
	    " before the end (killed or crashed); what it had stored is kept and the rest is"
	    " done by the next run' WHERE status='running' AND id<>?",
	    e);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, now, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, current);
	int rc = sqlite3_step(st);
	store_stmt_done(s, st);
	return rc == SQLITE_DONE ? sqlite3_changes(store_db(s)) : fail(s, e, "close interrupted runs");
}

int store_run_end(store *s, run_record *r, err_t *e)
{
	if (!r->ended_at[0])
		timefmt_now_iso(r->ended_at, sizeof r->ended_at);
	sqlite3_stmt *st = store_stmt(
	    s,
	    "UPDATE runs SET ended_at=?,status=?,people=?,applied_ac_sf=?,applied_sf_ac=?,failed=?,"
	    "skipped=?,calls_ac=?,calls_sf=?,error=?,rate_limited_ac=?,rate_limited_sf=? WHERE id=?",
	    e);
	if (!st)
		return fail(s, e, "end run");
	sqlite3_bind_text(st, 1, r->ended_at, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, r->status, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 3, r->people);
	sqlite3_bind_int(st, 4, r->applied_ac_sf);
	sqlite3_bind_int(st, 5, r->applied_sf_ac);
	sqlite3_bind_int(st, 6, r->failed);
	sqlite3_bind_int(st, 7, r->skipped);
	sqlite3_bind_int(st, 8, r->calls_ac);
	sqlite3_bind_int(st, 9, r->calls_sf);
	store_bind_text(st, 10, r->error);
	sqlite3_bind_int(st, 11, r->rate_limited_ac);
	sqlite3_bind_int(st, 12, r->rate_limited_sf);
	sqlite3_bind_int64(st, 13, r->id);
	int rc = sqlite3_step(st);
	store_stmt_done(s, st);
	return rc == SQLITE_DONE ? 0 : fail(s, e, "end run");
}

static void read_run(sqlite3_stmt *st, run_record *r)
{
	memset(r, 0, sizeof *r);
	r->id = sqlite3_column_int64(st, 0);
	store_column_text(st, 1, r->trigger, sizeof r->trigger);
	store_column_text(st, 2, r->started_at, sizeof r->started_at);
	store_column_text(st, 3, r->ended_at, sizeof r->ended_at);
	store_column_text(st, 4, r->status, sizeof r->status);
	r->dry_run = sqlite3_column_int(st, 5);
	r->people = sqlite3_column_int(st, 6);
	r->applied_ac_sf = sqlite3_column_int(st, 7);
	r->applied_sf_ac = sqlite3_column_int(st, 8);
	r->failed = sqlite3_column_int(st, 9);
	r->skipped = sqlite3_column_int(st, 10);
	r->calls_ac = sqlite3_column_int(st, 11);
	r->calls_sf = sqlite3_column_int(st, 12);
	store_column_text(st, 13, r->error, sizeof r->error);
	r->rate_limited_ac = sqlite3_column_int(st, 14);
	r->rate_limited_sf = sqlite3_column_int(st, 15);
}

#define RUN_COLS                                                                                             \
	"id,trigger,started_at,COALESCE(ended_at,''),status,dry_run,people,applied_ac_sf,applied_sf_ac,"     \
	"failed,"                                                                                            \
	"skipped,calls_ac,calls_sf,COALESCE(error,''),rate_limited_ac,rate_limited_sf"

int store_runs_recent(store *s, int limit, int (*cb)(const run_record *, void *), void *arg, err_t *e)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT " RUN_COLS " FROM runs ORDER BY id DESC LIMIT ?", e);
	if (!st)
		return -1;
	sqlite3_bind_int(st, 1, limit);
	int n = 0, rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		run_record r;
		read_run(st, &r);
		n++;
		if (cb(&r, arg))
			break;
	}
	store_stmt_done(s, st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? n : fail(s, e, "read runs");
}

/* Newest run matching sql (one row of RUN_COLS): 1 found, 0 none, -1 error. */
static int run_last(store *s, const char *sql, run_record *r, err_t *e)
{
	sqlite3_stmt *st = store_stmt(s, sql, e);
	if (!st)
		return -1;
	int rc = sqlite3_step(st), found = 0;
	if (rc == SQLITE_ROW) {
		read_run(st, r);
		found = 1;
	}
	store_stmt_done(s, st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? found : fail(s, e, "read runs");
}

int store_run_last_success(store *s, run_record *r, err_t *e)
{
	/* Only ok: a partial run left work undone (a side unread, actions failed or retrying, a
	 * person not decided), so it is no success, however recent. */
	return run_last(s,
	                "SELECT " RUN_COLS " FROM runs WHERE status = 'ok' AND dry_run=0"
	                " ORDER BY id DESC LIMIT 1",
	                r, e);
}

int store_run_last_finished(store *s, run_record *r, err_t *e)
{
	return run_last(s,
	                "SELECT " RUN_COLS " FROM runs WHERE status NOT IN ('running','dry-run')"
	                " AND dry_run=0 ORDER BY id DESC LIMIT 1",
	                r, e);
}

/* Who a row is about: its email, or its record for a row without one (a Salesforce record with no
 * address is still someone). Counted and listed the same way. */
#define LOG_NAME                                                                                             \
	"CASE WHEN COALESCE(email,'')<>'' THEN email ELSE COALESCE(object,'')||' '||COALESCE(record,'') END"

int store_log_run_counts(store *s, int64_t run, int (*cb)(const char *, int, int, void *), void *arg,
                         err_t *e)
{
	sqlite3_stmt *st = store_stmt(s,
	                              "SELECT action, count(*), count(DISTINCT " LOG_NAME ") FROM log"
	                              " WHERE run=? GROUP BY action ORDER BY action",
	                              e);
	if (!st)
		return fail(s, e, "count a run's log");
	sqlite3_bind_int64(st, 1, run);
	int rc, n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		n++;
		if (cb((const char *)sqlite3_column_text(st, 0), sqlite3_column_int(st, 1),
		       sqlite3_column_int(st, 2), arg))
			break;
	}
	store_stmt_done(s, st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? n : fail(s, e, "count a run's log");
}

int store_log_run_names(store *s, int64_t run, const char *action, int limit, int (*cb)(const char *, void *),
                        void *arg, err_t *e)
{
	sqlite3_stmt *st =
	    store_stmt(s,
	               "SELECT " LOG_NAME
	               " AS name FROM log WHERE run=? AND action=? GROUP BY name ORDER BY min(id) LIMIT ?",
	               e);
	if (!st)
		return fail(s, e, "read a run's log");
	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_text(st, 2, action, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 3, limit > 0 && limit <= 100 ? limit : 5);
	return store_each_text(s, st, cb, arg, e, "read a run's log");
}

int store_log_daily(store *s, int days, int (*cb)(const char *, const char *, int, void *), void *arg,
                    err_t *e)
{
	char since[32];
	timefmt_iso_ms((timefmt_now_ms() / 86400000 - days + 1) * 86400000, since, sizeof since);
	sqlite3_stmt *st = store_stmt(
	    s, "SELECT day, direction, n FROM log_daily WHERE day >= substr(?, 1, 10) ORDER BY day", e);
	if (!st)
		return fail(s, e, "read log per day");
	sqlite3_bind_text(st, 1, since, -1, SQLITE_TRANSIENT);
	int rc, n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		n++;
		if (cb((const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1),
		       sqlite3_column_int(st, 2), arg))
			break;
	}
	store_stmt_done(s, st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? n : fail(s, e, "read log per day");
}
