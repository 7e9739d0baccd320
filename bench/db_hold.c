/* db_hold.c - keeps one SQLite connection to an optsync database open until SIGTERM, so the run of
 * `optsync` commands between benchmarks never closes the last connection and deletes the WAL under
 * optsync.fcgi (see store_lock_check.c: before bb87a1b a second store_open in the dashboard's
 * process dropped that process's lock on the file).
 *
 *   db_hold DB */
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	sqlite3 *db;
	if (argc != 2 || sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		fprintf(stderr, "usage: db_hold DB (an existing database)\n");
		return 2;
	}
	sqlite3_busy_timeout(db, 10000);
	/* The first read takes the shared lock a connection in WAL mode keeps while it is open. */
	if (sqlite3_exec(db, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL) != SQLITE_OK) {
		fprintf(stderr, "db_hold: %s\n", sqlite3_errmsg(db));
		return 1;
	}
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	while (!stop)
		pause();
	sqlite3_close(db);
	return 0;
}
