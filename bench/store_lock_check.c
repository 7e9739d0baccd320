/* store_lock_check.c - a regression watch printed with the figures: does a second store_open in one
 * process (optsync.fcgi opens one store per worker thread, and one per background job) drop the
 * process's POSIX lock on the database file? Until bb87a1b store_open opened and closed the file
 * to create it 0600, and close() releases every fcntl lock the process holds on that file,
 * SQLite's included. Without that lock, another process closing its connection believes it is the
 * last, checkpoints and deletes the WAL: the dashboard then writes to a deleted file (webhook
 * events the daemon never sees) or reads "database disk image is malformed".
 *
 *   store_lock_check SCRATCH_DIR
 *
 * Prints: locks_after_first_open=N locks_after_second_open=N dropped=yes|no */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store.h"

static int locks_on(const char *path)
{
	struct stat sb;
	char line[256], ino[64], pid[32];
	int n = 0;
	if (stat(path, &sb) != 0)
		return -1;
	snprintf(ino, sizeof ino, ":%lu ", (unsigned long)sb.st_ino);
	snprintf(pid, sizeof pid, " %d ", (int)getpid());
	FILE *f = fopen("/proc/locks", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		n += strstr(line, ino) && strstr(line, pid);
	fclose(f);
	return n;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: store_lock_check SCRATCH_DIR\n");
		return 2;
	}
	char db[1024], key[1024], v[32];
	snprintf(db, sizeof db, "%s/lockcheck.db", argv[1]);
	snprintf(key, sizeof key, "%s/lockcheck.key", argv[1]);
	store *a, *b;
	err_t e = {0};
	if (store_open(&a, db, key, &e) < 0 || store_setting_get(a, "interval", v, sizeof v, "300", &e) < 0) {
		fprintf(stderr, "store_lock_check: %s\n", e.msg);
		return 1;
	}
	int first = locks_on(db);
	if (store_open(&b, db, key, &e) < 0) {
		fprintf(stderr, "store_lock_check: %s\n", e.msg);
		return 1;
	}
	store_setting_get(a, "interval", v, sizeof v, "300", &e);
	int second = locks_on(db);
	printf("locks_after_first_open=%d locks_after_second_open=%d dropped=%s\n", first, second,
	       first > 0 && second == 0 ? "yes" : "no");
	store_close(b);
	store_close(a);
	return 0;
}
