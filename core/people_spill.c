/* people_spill.c - where a run keeps the people it has read but is not working on: a private,
 * unnamed SQLite database (a temporary file SQLite deletes on close), so the engine's memory stays
 * one batch of people however many a run reads.
 *
 * This is scratch space for one run, not the product's storage: nothing here outlives the process,
 * which is why it is a connection of its own and not part of the store's interface. */
#include "people_spill.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

struct spill {
	sqlite3 *db;
	sqlite3_stmt *put, *get, *next, *first;
};

/* ---- a person as bytes ----
 * The structs are copied whole, then runs of zero bytes are squeezed: the fixed-size text fields
 * are mostly empty, and a copy whole cannot forget a field that is added later. The bytes are read
 * back by this same process only. */

typedef struct {
	unsigned char *p;
	size_t n, cap;
	int oom;
} bytes;

static void put_byte(bytes *b, unsigned char c)
{
	if (b->oom)
		return;
	if (b->n == b->cap) {
		size_t nc = b->cap ? b->cap * 2 : 512;
		unsigned char *q = realloc(b->p, nc);
		if (!q) {
			b->oom = 1;
			return;
		}
		b->p = q;
		b->cap = nc;
	}
	b->p[b->n++] = c;
}

/* 0x00 N stands for N zero bytes (1..255); any other byte stands for itself. */
static void squeeze(bytes *b, const void *src, size_t n)
{
	const unsigned char *s = src;
	for (size_t i = 0; i < n;) {
		if (s[i]) {
			put_byte(b, s[i++]);
			continue;
		}
		size_t run = 1;
		while (i + run < n && run < 255 && s[i + run] == 0)
			run++;
		put_byte(b, 0);
		put_byte(b, (unsigned char)run);
		i += run;
	}
}

typedef struct {
	const unsigned char *p;
	size_t n, at;
	size_t zeros; /* zero bytes still owed by the last run */
} reader;

static int unsqueeze(reader *r, void *dst, size_t n)
{
	unsigned char *d = dst;
	for (size_t i = 0; i < n;) {
		if (r->zeros) {
			size_t k = r->zeros < n - i ? r->zeros : n - i;
			memset(d + i, 0, k);
			i += k;
			r->zeros -= k;
			continue;
		}
		if (r->at >= r->n)
			return -1;
		unsigned char c = r->p[r->at++];
		if (c) {
			d[i++] = c;
			continue;
		}
		if (r->at >= r->n || r->p[r->at] == 0)
			return -1;
		r->zeros = r->p[r->at++];
	}
	return 0;
}

static int encode(const work_person *p, bytes *b)
{
	work_person head;
	memcpy(&head, p, sizeof head); /* padding too: it is squeezed with the rest */
	head.lists = NULL;
	head.sf = NULL;
	head.events = NULL;
	head.next = NULL;
	head.cap_lists = head.n_lists;
	head.cap_sf = head.n_sf;
	head.cap_events = head.n_events;
	squeeze(b, &head, sizeof head);
	if (p->n_lists)
		squeeze(b, p->lists, p->n_lists * sizeof *p->lists);
	if (p->n_sf)
		squeeze(b, p->sf, p->n_sf * sizeof *p->sf);
	if (p->n_events)
		squeeze(b, p->events, p->n_events * sizeof *p->events);
	return b->oom ? -1 : 0;
}

static void *take_array(reader *r, size_t n, size_t size, int *bad)
{
	if (!n || *bad)
		return NULL;
	void *a = calloc(n, size);
	if (!a || unsqueeze(r, a, n * size) < 0) {
		free(a);
		*bad = 1;
		return NULL;
	}
	return a;
}

static work_person *decode(const void *blob, size_t n)
{
	reader r = {.p = blob, .n = n};
	work_person *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	int bad = unsqueeze(&r, p, sizeof *p) < 0;
	p->next = NULL;
	p->lists = take_array(&r, p->n_lists, sizeof *p->lists, &bad);
	p->sf = take_array(&r, p->n_sf, sizeof *p->sf, &bad);
	p->events = take_array(&r, p->n_events, sizeof *p->events, &bad);
	p->email[sizeof p->email - 1] = '\0';
	if (bad || r.zeros || r.at != r.n) {
		person_free(p);
		return NULL;
	}
	return p;
}

/* ---- the table ---- */

static int db_err(spill *sp, err_t *e, const char *what)
{
	return err_set(e, ERR_DB, "run scratch space: %s: %s", what,
	               sp && sp->db ? sqlite3_errmsg(sp->db) : "cannot open");
}

spill *spill_open(err_t *e)
{
	spill *sp = calloc(1, sizeof *sp);
	if (!sp) {
		err_set(e, ERR_INTERNAL, "out of memory");
		return NULL;
	}
	/* "" is SQLite's private temporary database: a file nobody else sees, removed on close. */
	if (sqlite3_open_v2("", &sp->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK ||
	    sqlite3_exec(sp->db,
	                 "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-2048;"
	                 "PRAGMA temp_store=FILE;"
	                 "CREATE TABLE people(email TEXT PRIMARY KEY, body BLOB NOT NULL) WITHOUT ROWID;",
	                 NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(sp->db, "INSERT OR REPLACE INTO people(email, body) VALUES(?1, ?2)", -1,
	                       &sp->put, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(sp->db, "SELECT body FROM people WHERE email = ?1", -1, &sp->get, NULL) !=
	        SQLITE_OK ||
	    sqlite3_prepare_v2(sp->db,
	                       "SELECT email, body FROM people WHERE email > ?1 ORDER BY email LIMIT ?2", -1,
	                       &sp->next, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(sp->db, "SELECT email, body FROM people ORDER BY email LIMIT ?1", -1,
	                       &sp->first, NULL) != SQLITE_OK) {
		db_err(sp, e, "open");
		spill_close(sp);
		return NULL;
	}
	return sp;
}

void spill_close(spill *sp)
{
	if (!sp)
		return;
	sqlite3_finalize(sp->put);
	sqlite3_finalize(sp->get);
	sqlite3_finalize(sp->next);
	sqlite3_finalize(sp->first);
	sqlite3_close(sp->db);
	free(sp);
}

int spill_begin(spill *sp, err_t *e)
{
	if (sqlite3_exec(sp->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return db_err(sp, e, "begin");
	return 0;
}

int spill_commit(spill *sp, err_t *e)
{
	if (sqlite3_exec(sp->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		return db_err(sp, e, "commit (is the temporary directory full?)");
	return 0;
}

int spill_put(spill *sp, const work_person *p, err_t *e)
{
	bytes b = {0};
	if (encode(p, &b) < 0) {
		free(b.p);
		return err_set(e, ERR_INTERNAL, "out of memory");
	}
	sqlite3_reset(sp->put);
	sqlite3_bind_text(sp->put, 1, p->email, -1, SQLITE_STATIC);
	sqlite3_bind_blob(sp->put, 2, b.p, (int)b.n, SQLITE_STATIC);
	int rc = sqlite3_step(sp->put);
	sqlite3_reset(sp->put);
	sqlite3_clear_bindings(sp->put);
	free(b.p);
	return rc == SQLITE_DONE ? 0 : db_err(sp, e, "write (is the temporary directory full?)");
}

static work_person *row_person(sqlite3_stmt *st, int col, err_t *e)
{
	work_person *p = decode(sqlite3_column_blob(st, col), (size_t)sqlite3_column_bytes(st, col));
	if (!p)
		err_set(e, ERR_INTERNAL, "run scratch space: a person could not be read back");
	return p;
}

int spill_get(spill *sp, const char *email, work_person **out, err_t *e)
{
	*out = NULL;
	sqlite3_reset(sp->get);
	sqlite3_bind_text(sp->get, 1, email, -1, SQLITE_STATIC);
	int rc = sqlite3_step(sp->get);
	if (rc == SQLITE_ROW)
		*out = row_person(sp->get, 0, e);
	sqlite3_reset(sp->get);
	sqlite3_clear_bindings(sp->get);
	if (rc == SQLITE_ROW)
		return *out ? 1 : -1;
	return rc == SQLITE_DONE ? 0 : db_err(sp, e, "read");
}

int spill_next(spill *sp, const char *after, work_person **out, size_t max, size_t *n, err_t *e)
{
	*n = 0;
	/* NULL starts at the beginning: "" is an email here too (the people nobody can match). */
	sqlite3_stmt *st = after ? sp->next : sp->first;
	sqlite3_reset(st);
	if (after) {
		sqlite3_bind_text(st, 1, after, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)max);
	} else {
		sqlite3_bind_int64(st, 1, (sqlite3_int64)max);
	}
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		work_person *p = row_person(st, 1, e);
		if (!p)
			break;
		out[(*n)++] = p;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc == SQLITE_DONE)
		return 0;
	for (size_t i = 0; i < *n; i++)
		person_free(out[i]);
	*n = 0;
	return rc == SQLITE_ROW ? -1 : db_err(sp, e, "read");
}
