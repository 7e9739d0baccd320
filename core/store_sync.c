/* store_sync.c - the engine's state between runs, behind prepared statements. */
#include "store_sync.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "timefmt.h"

static int fail(store *s, err_t *e, const char *what)
{
	return err_set(e, ERR_DB, "database: %s: %s", what, sqlite3_errmsg(store_db(s)));
}

static sqlite3_stmt *prep(store *s, const char *sql, err_t *e, const char *what)
{
	(void)what;
	return store_stmt(s, sql, e);
}

/* Steps a statement that returns no row; finalizes it. */
static int done(store *s, sqlite3_stmt *st, err_t *e, const char *what)
{
	if (!st)
		return -1;
	int rc = sqlite3_step(st);
	if (rc != SQLITE_DONE) {
		fail(s, e, what);
		store_stmt_done(s, st);
		return -1;
	}
	store_stmt_done(s, st);
	return 0;
}

int store_begin(store *s, err_t *e)
{
	return sqlite3_exec(store_db(s), "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK
	           ? 0
	           : fail(s, e, "begin");
}

int store_commit(store *s, err_t *e)
{
	return sqlite3_exec(store_db(s), "COMMIT", NULL, NULL, NULL) == SQLITE_OK ? 0 : fail(s, e, "commit");
}

void store_rollback(store *s)
{
	sqlite3_exec(store_db(s), "ROLLBACK", NULL, NULL, NULL);
}

/* ---- run lock ---- */

/* Whether this process holds the run lock now: the row's pid alone cannot tell a run of ours (the
 * dashboard runs syncs in threads) from a dead run whose pid was reused by this process. */
static pthread_mutex_t lock_mu = PTHREAD_MUTEX_INITIALIZER;
static int lock_held_here;

int store_lock_take(store *s, const char *holder, char *held, size_t n, err_t *e)
{
	if (store_begin(s, e) < 0)
		return -1;
	sqlite3_stmt *st = prep(s, "SELECT holder,pid,since FROM run_lock WHERE id=1", e, "read run lock");
	if (!st) {
		store_rollback(s);
		return -1;
	}
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		pid_t pid = (pid_t)sqlite3_column_int(st, 1);
		/* The lock names a process on this machine: a live one keeps it, a dead one (killed
		 * mid-run) loses it; this process keeps it while one of its threads runs. */
		pthread_mutex_lock(&lock_mu);
		int ours_busy = lock_held_here;
		pthread_mutex_unlock(&lock_mu);
		int alive = pid == getpid() ? ours_busy : pid > 0 && (kill(pid, 0) == 0 || errno == EPERM);
		if (alive) {
			snprintf(held, n, "pid %d (%s) since %s", (int)pid,
			         (const char *)sqlite3_column_text(st, 0),
			         (const char *)sqlite3_column_text(st, 2));
			store_stmt_done(s, st);
			store_rollback(s);
			return 0;
		}
	}
	store_stmt_done(s, st);
	char now[32];
	timefmt_now_iso(now, sizeof now);
	st = prep(s, "INSERT OR REPLACE INTO run_lock(id,holder,pid,since) VALUES(1,?,?,?)", e,
	          "take run lock");
	if (st) {
		store_bind_text(st, 1, holder);
		sqlite3_bind_int(st, 2, (int)getpid());
		store_bind_text(st, 3, now);
	}
	if (done(s, st, e, "take run lock") < 0) {
		store_rollback(s);
		return -1;
	}
	/* Set before the commit: another thread of ours that reads the row next must find it held. */
	pthread_mutex_lock(&lock_mu);
	lock_held_here = 1;
	pthread_mutex_unlock(&lock_mu);
	if (store_commit(s, e) < 0) {
		pthread_mutex_lock(&lock_mu);
		lock_held_here = 0;
		pthread_mutex_unlock(&lock_mu);
		return -1;
	}
	return 1;
}

int store_lock_release(store *s, err_t *e)
{
	pthread_mutex_lock(&lock_mu);
	lock_held_here = 0;
	pthread_mutex_unlock(&lock_mu);
	sqlite3_stmt *st = prep(s, "DELETE FROM run_lock WHERE id=1 AND pid=?", e, "release run lock");
	if (st)
		sqlite3_bind_int(st, 1, (int)getpid());
	return done(s, st, e, "release run lock");
}

/* ---- watermarks ---- */

int store_watermark_get(store *s, const char *name, char *value, size_t n, err_t *e)
{
	sqlite3_stmt *st = prep(s, "SELECT value FROM watermarks WHERE name=?", e, "read watermark");
	if (!st)
		return -1;
	store_bind_text(st, 1, name);
	int rc = sqlite3_step(st), found = 0;
	value[0] = '\0';
	if (rc == SQLITE_ROW) {
		store_column_text(st, 0, value, n);
		found = 1;
	}
	store_stmt_done(s, st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? found : fail(s, e, "read watermark");
}

int store_watermark_set(store *s, const char *name, const char *value, err_t *e)
{
	char now[32];
	timefmt_now_iso(now, sizeof now);
	sqlite3_stmt *st = prep(s, "INSERT OR REPLACE INTO watermarks(name,value,updated_at) VALUES(?,?,?)",
	                        e, "write watermark");
	if (st) {
		store_bind_text(st, 1, name);
		store_bind_text(st, 2, value);
		store_bind_text(st, 3, now);
	}
	return done(s, st, e, "write watermark");
}

int store_watermarks_clear(store *s, err_t *e)
{
	return done(s, prep(s, "DELETE FROM watermarks", e, "clear watermarks"), e, "clear watermarks");
}

/* ---- events ---- */

int store_event_add(store *s, stored_event *ev, err_t *e)
{
	if (!ev->received_at[0])
		timefmt_now_iso(ev->received_at, sizeof ev->received_at);
	/* The body's hash is the delivery's identity: AC sends no delivery id, and repeats a delivery
	 * unchanged. */
	unsigned char h[32];
	char hex[65];
	crypto_generichash(h, sizeof h, (const unsigned char *)ev->payload, strlen(ev->payload), NULL, 0);
	sodium_bin2hex(hex, sizeof hex, h, sizeof h);
	ev->duplicate = 0;
	sqlite3_stmt *st =
	    prep(s,
	         "INSERT INTO events(source,kind,email,occurred_at,received_at,payload,dedupe)"
	         " VALUES(?,?,?,?,?,?,?) ON CONFLICT(dedupe) DO NOTHING",
	         e, "store event");
	if (st) {
		store_bind_text(st, 1, ev->source);
		store_bind_text(st, 2, ev->kind);
		store_bind_text(st, 3, ev->email);
		store_bind_text(st, 4, ev->occurred_at);
		store_bind_text(st, 5, ev->received_at);
		sqlite3_bind_text(st, 6, ev->payload, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 7, hex, -1, SQLITE_TRANSIENT);
	}
	if (done(s, st, e, "store event") < 0)
		return -1;
	if (sqlite3_changes(store_db(s)) == 0) {
		ev->duplicate = 1;
		ev->id = 0;
		return 0;
	}
	ev->id = sqlite3_last_insert_rowid(store_db(s));
	return 0;
}

int store_events_pending(store *s, int limit, int (*cb)(const stored_event *, void *), void *arg, err_t *e)
{
	sqlite3_stmt *st =
	    prep(s,
	         "SELECT id,source,kind,COALESCE(email,''),COALESCE(occurred_at,''),received_at,payload"
	         " FROM events WHERE processed_at IS NULL ORDER BY id LIMIT ?",
	         e, "read events");
	if (!st)
		return -1;
	sqlite3_bind_int(st, 1, limit);
	int rc, n = 0;
	stored_event ev;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&ev, 0, sizeof ev);
		ev.id = sqlite3_column_int64(st, 0);
		store_column_text(st, 1, ev.source, sizeof ev.source);
		store_column_text(st, 2, ev.kind, sizeof ev.kind);
		store_column_text(st, 3, ev.email, sizeof ev.email);
		store_column_text(st, 4, ev.occurred_at, sizeof ev.occurred_at);
		store_column_text(st, 5, ev.received_at, sizeof ev.received_at);
		store_column_text(st, 6, ev.payload, sizeof ev.payload);
		n++;
		if (cb(&ev, arg))
			break;
	}
	store_stmt_done(s, st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? n : fail(s, e, "read events");
}

int store_event_done(store *s, int64_t id, err_t *e)
{
	char now[32];
	timefmt_now_iso(now, sizeof now);
	sqlite3_stmt *st = prep(s, "UPDATE events SET processed_at=? WHERE id=?", e, "mark event");
	if (st) {
		store_bind_text(st, 1, now);
		sqlite3_bind_int64(st, 2, id);
	}
	return done(s, st, e, "mark event");
}

static int count_of(store *s, const char *sql, const char *bind, err_t *e)
{
	sqlite3_stmt *st = prep(s, sql, e, "count");
	if (!st)
		return -1;
	if (bind)
		store_bind_text(st, 1, bind);
	int n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
	store_stmt_done(s, st);
	return n < 0 ? fail(s, e, "count") : n;
}

int store_events_pending_count(store *s, err_t *e)
{
	return count_of(s, "SELECT count(*) FROM events WHERE processed_at IS NULL", NULL, e);
}

/* ---- snapshots ---- */

#define SF_COLS                                                                                              \
	"id,object,COALESCE(email,''),opted_out,is_converted,COALESCE(converted_contact_id,''),"             \
	"COALESCE(modstamp,''),COALESCE(created_date,''),linked"

static void read_sf(sqlite3_stmt *st, sf_snapshot *r)
{
	memset(r, 0, sizeof *r);
	store_column_text(st, 0, r->id, sizeof r->id);
	store_column_text(st, 1, r->object, sizeof r->object);
	store_column_text(st, 2, r->email, sizeof r->email);
	r->opted_out = sqlite3_column_int(st, 3);
	r->is_converted = sqlite3_column_int(st, 4);
	store_column_text(st, 5, r->converted_contact_id, sizeof r->converted_contact_id);
	store_column_text(st, 6, r->modstamp, sizeof r->modstamp);
	store_column_text(st, 7, r->created_date, sizeof r->created_date);
	r->linked = sqlite3_column_int(st, 8);
}

int store_sf_get(store *s, const char *id, sf_snapshot *r, err_t *e)
{
	sqlite3_stmt *st = prep(s, "SELECT " SF_COLS " FROM sf_records WHERE id=?", e, "read SF record");
	if (!st)
		return -1;
	store_bind_text(st, 1, id);
	int rc = sqlite3_step(st), found = 0;
	if (rc == SQLITE_ROW) {
		read_sf(st, r);
		found = 1;
	}
	store_stmt_done(s, st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? found : fail(s, e, "read SF record");
}

int store_sf_put(store *s, const sf_snapshot *r, err_t *e)
{
	char now[32];
	timefmt_now_iso(now, sizeof now);
	sqlite3_stmt *st = prep(
	    s,
	    "INSERT OR REPLACE INTO sf_records(id,object,email,opted_out,is_converted,converted_contact_id,"
	    "modstamp,created_date,seen_at,linked) VALUES(?,?,?,?,?,?,?,?,?,?)",
	    e, "save SF record");
	if (st) {
		store_bind_text(st, 1, r->id);
		store_bind_text(st, 2, r->object);
		store_bind_text(st, 3, r->email);
		sqlite3_bind_int(st, 4, r->opted_out);
		sqlite3_bind_int(st, 5, r->is_converted);
		store_bind_text(st, 6, r->converted_contact_id);
		store_bind_text(st, 7, r->modstamp);
		store_bind_text(st, 8, r->created_date);
		store_bind_text(st, 9, now);
		sqlite3_bind_int(st, 10, r->linked);
	}
	return done(s, st, e, "save SF record");
}

int store_sf_forget(store *s, const char *id, err_t *e)
{
	sqlite3_stmt *st = prep(s, "DELETE FROM sf_records WHERE id=?", e, "forget SF record");
	if (st)
		store_bind_text(st, 1, id);
	return done(s, st, e, "forget SF record");
}

int store_sf_by_email(store *s, const char *email, sf_snapshot *out, int max, err_t *e)
{
	sqlite3_stmt *st =
	    prep(s, "SELECT " SF_COLS " FROM sf_records WHERE email=? ORDER BY id", e, "read SF records");
	if (!st)
		return -1;
	store_bind_text(st, 1, email);
	int rc, n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < max)
		read_sf(st, &out[n++]);
	store_stmt_done(s, st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? n : fail(s, e, "read SF records");
}

int store_sf_by_email_all(store *s, const char *email, sf_snapshot **out, size_t *n, err_t *e)
{
	*out = NULL;
	*n = 0;
	sqlite3_stmt *st =
	    prep(s, "SELECT " SF_COLS " FROM sf_records WHERE email=? ORDER BY id", e, "read SF records");
	if (!st)
		return -1;
	store_bind_text(st, 1, email);
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			size_t nc = cap ? cap * 2 : 8;
			sf_snapshot *a = realloc(*out, nc * sizeof *a);
			if (!a) {
				store_stmt_done(s, st);
				free(*out);
				*out = NULL;
				*n = 0;
				return err_set(e, ERR_INTERNAL, "read SF records of %s: out of memory",
				               email);
			}
			*out = a;
			cap = nc;
		}
		read_sf(st, &(*out)[(*n)++]);
	}
	store_stmt_done(s, st);
	if (rc == SQLITE_DONE)
		return 0;
	free(*out);
	*out = NULL;
	*n = 0;
	return fail(s, e, "read SF records");
}

static void read_ac(sqlite3_stmt *st, ac_snapshot *c)
{
	memset(c, 0, sizeof *c);
	store_column_text(st, 0, c->id, sizeof c->id);
	store_column_text(st, 1, c->email, sizeof c->email);
	store_column_text(st, 2, c->udate, sizeof c->udate);
	c->bounced_hard = sqlite3_column_int(st, 3);
	store_column_text(st, 4, c->lists, sizeof c->lists);
	store_column_text(st, 5, c->tags, sizeof c->tags);
}

static int ac_one(store *s, const char *sql, const char *key, ac_snapshot *c, err_t *e)
{
	sqlite3_stmt *st = prep(s, sql, e, "read AC contact");
	if (!st)
		return -1;
	store_bind_text(st, 1, key);
	int rc = sqlite3_step(st), found = 0;
	if (rc == SQLITE_ROW) {
		read_ac(st, c);
		found = 1;
	}
	store_stmt_done(s, st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? found : fail(s, e, "read AC contact");
}

int store_ac_get(store *s, const char *id, ac_snapshot *c, err_t *e)
{
	return ac_one(s,
	              "SELECT id,COALESCE(email,''),COALESCE(udate,''),bounced_hard,lists,tags FROM "
	              "ac_contacts WHERE id=?",
	              id, c, e);
}

int store_ac_by_email(store *s, const char *email, ac_snapshot *c, err_t *e)
{
	return ac_one(
	    s,
	    "SELECT id,COALESCE(email,''),COALESCE(udate,''),bounced_hard,lists,tags FROM ac_contacts"
	    " WHERE email=? ORDER BY CAST(id AS INTEGER) LIMIT 1",
	    email, c, e);
}

int store_ac_put(store *s, const ac_snapshot *c, err_t *e)
{
	char now[32];
	timefmt_now_iso(now, sizeof now);
	sqlite3_stmt *st =
	    prep(s,
	         "INSERT OR REPLACE INTO ac_contacts(id,email,udate,bounced_hard,lists,tags,seen_at)"
	         " VALUES(?,?,?,?,?,?,?)",
	         e, "save AC contact");
	if (st) {
		store_bind_text(st, 1, c->id);
		store_bind_text(st, 2, c->email);
		store_bind_text(st, 3, c->udate);
		sqlite3_bind_int(st, 4, c->bounced_hard);
		sqlite3_bind_text(st, 5, c->lists[0] ? c->lists : "{}", -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 6, c->tags[0] ? c->tags : "[]", -1, SQLITE_TRANSIENT);
		store_bind_text(st, 7, now);
	}
	return done(s, st, e, "save AC contact");
}

static void read_person(sqlite3_stmt *st, person_link *p)
{
	store_column_text(st, 0, p->email, sizeof p->email);
	store_column_text(st, 1, p->ac_contact_id, sizeof p->ac_contact_id);
	store_column_text(st, 2, p->last_rule, sizeof p->last_rule);
	store_column_text(st, 3, p->failed, sizeof p->failed);
	store_column_text(st, 4, p->failed_at, sizeof p->failed_at);
}

int store_person_get(store *s, const char *email, person_link *p, err_t *e)
{
	sqlite3_stmt *st =
	    prep(s,
	         "SELECT email,COALESCE(ac_contact_id,''),COALESCE(last_rule,''),COALESCE(failed,''),"
	         "COALESCE(failed_at,'') FROM people WHERE email=?",
	         e, "read person");
	if (!st)
		return -1;
	store_bind_text(st, 1, email);
	int rc = sqlite3_step(st), found = 0;
	memset(p, 0, sizeof *p);
	if (rc == SQLITE_ROW) {
		read_person(st, p);
		found = 1;
	}
	store_stmt_done(s, st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? found : fail(s, e, "read person");
}

int store_person_put(store *s, const person_link *p, err_t *e)
{
	char now[32];
	timefmt_now_iso(now, sizeof now);
	sqlite3_stmt *st =
	    prep(s,
	         "INSERT INTO people(email,ac_contact_id,last_rule,first_seen,updated_at) VALUES(?,?,?,?,?)"
	         " ON CONFLICT(email) DO UPDATE SET ac_contact_id=excluded.ac_contact_id,"
	         " last_rule=excluded.last_rule, updated_at=excluded.updated_at",
	         e, "save person");
	if (st) {
		store_bind_text(st, 1, p->email);
		store_bind_text(st, 2, p->ac_contact_id);
		store_bind_text(st, 3, p->last_rule);
		store_bind_text(st, 4, now);
		store_bind_text(st, 5, now);
	}
	return done(s, st, e, "save person");
}

int store_person_set_failed(store *s, const char *email, const char *reason, err_t *e)
{
	char now[32];
	timefmt_now_iso(now, sizeof now);
	if (!reason) {
		sqlite3_stmt *st = prep(
		    s, "UPDATE people SET failed=NULL, failed_at=NULL WHERE email=? AND failed IS NOT NULL",
		    e, "clear failed person");
		if (st)
			store_bind_text(st, 1, email);
		return done(s, st, e, "clear failed person");
	}
	sqlite3_stmt *st =
	    prep(s,
	         "INSERT INTO people(email,first_seen,updated_at,failed,failed_at) VALUES(?1,?3,?3,?2,?3)"
	         " ON CONFLICT(email) DO UPDATE SET failed=excluded.failed,"
	         " failed_at=COALESCE(people.failed_at, excluded.failed_at), updated_at=excluded.updated_at",
	         e, "mark failed person");
	if (st) {
		store_bind_text(st, 1, email);
		store_bind_text(st, 2, reason);
		store_bind_text(st, 3, now);
	}
	return done(s, st, e, "mark failed person");
}

int store_people_failed(store *s, int limit, int (*cb)(const person_link *p, void *arg), void *arg, err_t *e)
{
	int total = count_of(s, "SELECT count(*) FROM people WHERE failed IS NOT NULL", NULL, e);
	if (total <= 0 || !cb)
		return total;
	sqlite3_stmt *st = prep(
	    s,
	    "SELECT email,COALESCE(ac_contact_id,''),COALESCE(last_rule,''),failed,COALESCE(failed_at,'')"
	    " FROM people WHERE failed IS NOT NULL ORDER BY failed_at, email LIMIT ?",
	    e, "read failed people");
	if (!st)
		return -1;
	sqlite3_bind_int(st, 1, limit);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		person_link p;
		memset(&p, 0, sizeof p);
		read_person(st, &p);
		if (cb(&p, arg))
			break;
	}
	store_stmt_done(s, st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? total : fail(s, e, "read failed people");
}

int store_ac_count(store *s, err_t *e)
{
	return count_of(s, "SELECT count(*) FROM ac_contacts", NULL, e);
}

int store_emails_all(store *s, int (*cb)(const char *, void *), void *arg, err_t *e)
{
	sqlite3_stmt *st =
	    prep(s,
	         "SELECT email FROM sf_records WHERE email IS NOT NULL AND email<>'' UNION"
	         " SELECT email FROM ac_contacts WHERE email IS NOT NULL AND email<>'' ORDER BY 1",
	         e, "list emails");
	if (!st)
		return -1;
	return store_each_text(s, st, cb, arg, e, "list emails");
}

/* ---- actions ---- */

int store_action_add(store *s, queued_action *a, err_t *e)
{
	char now[32];
	timefmt_now_iso(now, sizeof now);
	sqlite3_stmt *st = prep(
	    s,
	    "INSERT INTO actions(run_id,direction,email,object,record,action,value,rule,reason,status,"
	    "attempts,next_attempt_at,error,created_at,updated_at) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
	    e, "queue action");
	if (st) {
		sqlite3_bind_int64(st, 1, a->run_id);
		store_bind_text(st, 2, rules_direction_name(a->direction));
		store_bind_text(st, 3, a->email);
		store_bind_text(st, 4, a->object);
		/* "" is a real value here: the AC contact an earlier create action will make. */
		sqlite3_bind_text(st, 5, a->record, -1, SQLITE_TRANSIENT);
		store_bind_text(st, 6, rules_action_name(a->action));
		store_bind_text(st, 7, a->value);
		store_bind_text(st, 8, a->rule);
		store_bind_text(st, 9, a->reason);
		store_bind_text(st, 10, action_status_name(a->status));
		sqlite3_bind_int(st, 11, a->attempts);
		store_bind_text(st, 12, a->next_attempt_at[0] ? a->next_attempt_at : now);
		store_bind_text(st, 13, a->error);
		store_bind_text(st, 14, now);
		store_bind_text(st, 15, now);
	}
	if (done(s, st, e, "queue action") < 0)
		return -1;
	a->id = sqlite3_last_insert_rowid(store_db(s));
	return 0;
}

int store_action_update(store *s, const queued_action *a, err_t *e)
{
	char now[32];
	timefmt_now_iso(now, sizeof now);
	sqlite3_stmt *st =
	    prep(s,
	         "UPDATE actions SET status=?,attempts=?,next_attempt_at=?,error=?,updated_at=?,run_id=? "
	         "WHERE id=?",
	         e, "update action");
	if (st) {
		store_bind_text(st, 1, action_status_name(a->status));
		sqlite3_bind_int(st, 2, a->attempts);
		store_bind_text(st, 3, a->next_attempt_at);
		store_bind_text(st, 4, a->error);
		store_bind_text(st, 5, now);
		sqlite3_bind_int64(st, 6, a->run_id);
		sqlite3_bind_int64(st, 7, a->id);
	}
	return done(s, st, e, "update action");
}

/* The row's direction (column 2), action (6) and status (10) into a's enums. A word that does not
 * parse, a row with no direction, or an SF write whose value is not the one its action sets (the
 * engine writes from the action) leaves a->invalid saying so. */
static void action_states_parse(sqlite3_stmt *st, queued_action *a)
{
	err_t e = {0};
	/* What does not parse stays a harmless value: no side, nothing to write. */
	a->direction = RULES_DIR_NONE;
	a->action = RULES_ACT_SKIP;
	if (rules_direction_parse((const char *)sqlite3_column_text(st, 2), &a->direction, &e) == 0 &&
	    a->direction == RULES_DIR_NONE)
		err_set(&e, ERR_DB, "no direction");
	if (!e.msg[0])
		rules_action_parse((const char *)sqlite3_column_text(st, 6), &a->action, &e);
	if (!e.msg[0])
		action_status_parse((const char *)sqlite3_column_text(st, 10), &a->status, &e);
	if (!e.msg[0] && (a->action == RULES_ACT_OPT_OUT || a->action == RULES_ACT_OPT_IN) &&
	    strcmp(a->value, a->action == RULES_ACT_OPT_OUT ? "true" : "false") != 0)
		err_set(&e, ERR_DB, "value '%.32s' does not match action %s", a->value,
		        rules_action_name(a->action));
	if (e.msg[0])
		snprintf(a->invalid, sizeof a->invalid, "queued action %lld: %s", (long long)a->id, e.msg);
}

int store_actions_due(store *s, const char *now, int64_t after_id, int limit,
                      int (*cb)(const queued_action *, void *), void *arg, err_t *e)
{
	sqlite3_stmt *st =
	    prep(s,
	         "SELECT id,COALESCE(run_id,0),direction,email,object,record,action,COALESCE(value,''),"
	         "COALESCE(rule,''),COALESCE(reason,''),status,attempts,COALESCE(next_attempt_at,''),"
	         "COALESCE(error,'') FROM actions WHERE status IN ('pending','retrying')"
	         " AND (next_attempt_at IS NULL OR next_attempt_at <= ?) AND id > ? ORDER BY id LIMIT ?",
	         e, "read action queue");
	if (!st)
		return -1;
	store_bind_text(st, 1, now);
	sqlite3_bind_int64(st, 2, after_id);
	sqlite3_bind_int(st, 3, limit);
	int rc, n = 0;
	queued_action a;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&a, 0, sizeof a);
		a.id = sqlite3_column_int64(st, 0);
		a.run_id = sqlite3_column_int64(st, 1);
		store_column_text(st, 3, a.email, sizeof a.email);
		store_column_text(st, 4, a.object, sizeof a.object);
		store_column_text(st, 5, a.record, sizeof a.record);
		store_column_text(st, 7, a.value, sizeof a.value);
		store_column_text(st, 8, a.rule, sizeof a.rule);
		store_column_text(st, 9, a.reason, sizeof a.reason);
		action_states_parse(st, &a);
		a.attempts = sqlite3_column_int(st, 11);
		store_column_text(st, 12, a.next_attempt_at, sizeof a.next_attempt_at);
		store_column_text(st, 13, a.error, sizeof a.error);
		n++;
		if (cb(&a, arg))
			break;
	}
	store_stmt_done(s, st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? n : fail(s, e, "read action queue");
}

int store_actions_count(store *s, action_status status, err_t *e)
{
	return count_of(s, "SELECT count(*) FROM actions WHERE status=?", action_status_name(status), e);
}

int store_action_exists(store *s, const char *record, rules_action action, const char *value, err_t *e)
{
	sqlite3_stmt *st = prep(s,
	                        "SELECT 1 FROM actions WHERE record=? AND action=? AND COALESCE(value,'')=?"
	                        " AND status IN ('pending','retrying') LIMIT 1",
	                        e, "read action queue");
	if (!st)
		return -1;
	store_bind_text(st, 1, record);
	store_bind_text(st, 2, rules_action_name(action));
	sqlite3_bind_text(st, 3, value ? value : "", -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	store_stmt_done(s, st);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : fail(s, e, "read action queue");
}

int store_action_applied_since(store *s, const char *record, rules_action action, const char *value,
                               const char *since, err_t *e)
{
	sqlite3_stmt *st = prep(s,
	                        "SELECT 1 FROM actions WHERE record=? AND action=? AND COALESCE(value,'')=?"
	                        " AND status='applied' AND updated_at >= ? LIMIT 1",
	                        e, "read action queue");
	if (!st)
		return -1;
	store_bind_text(st, 1, record);
	store_bind_text(st, 2, rules_action_name(action));
	sqlite3_bind_text(st, 3, value ? value : "", -1, SQLITE_TRANSIENT);
	store_bind_text(st, 4, since);
	int rc = sqlite3_step(st);
	store_stmt_done(s, st);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : fail(s, e, "read action queue");
}
