/* spool.c - durable files for webhook events the database could not take at once. A file holds
 * one event: five header lines (source, kind, email, occurred_at, received_at) and the raw body. */
#include "spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "timefmt.h"

#define SPOOL_PREFIX "ev-"
#define SPOOL_SUFFIX ".spool"
#define CLAIM_PREFIX "claim-"

void spool_dir(const char *db_path, char *out, size_t n)
{
	const char *slash = strrchr(db_path, '/');
	if (!slash)
		snprintf(out, n, "webhook-spool");
	else
		snprintf(out, n, "%.*s/webhook-spool", (int)(slash - db_path), db_path);
}

/* Header fields stay on their line: control characters become spaces. */
static void clean(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = ' ';
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int spool_put(const char *dir, const stored_event *ev, err_t *e)
{
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return err_set(e, ERR_IO, "webhook spool %s: %s", dir, strerror(errno));
	stored_event c = *ev;
	clean(c.source);
	clean(c.kind);
	clean(c.email);
	clean(c.occurred_at);
	clean(c.received_at);
	char head[1024], tmp[1200], final[1200];
	int hl = snprintf(head, sizeof head, "%s\n%s\n%s\n%s\n%s\n", c.source, c.kind, c.email, c.occurred_at,
	                  c.received_at);
	/* Names sort in arrival order: milliseconds, then a per-process sequence and the pid. */
	static unsigned seq;
	unsigned n = __atomic_add_fetch(&seq, 1, __ATOMIC_RELAXED);
	long long ms = (long long)timefmt_now_ms();
	snprintf(tmp, sizeof tmp, "%s/tmp-%lld-%u-%d", dir, ms, n, (int)getpid());
	snprintf(final, sizeof final, "%s/" SPOOL_PREFIX "%015lld-%08u-%d" SPOOL_SUFFIX, dir, ms, n,
	         (int)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return err_set(e, ERR_IO, "webhook spool %s: %s", tmp, strerror(errno));
	if (write_all(fd, head, (size_t)hl) < 0 || write_all(fd, c.payload, strlen(c.payload)) < 0 ||
	    fsync(fd) < 0) {
		err_set(e, ERR_IO, "webhook spool %s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		return -1;
	}
	close(fd);
	if (rename(tmp, final) < 0) {
		err_set(e, ERR_IO, "webhook spool %s: %s", final, strerror(errno));
		unlink(tmp);
		return -1;
	}
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads one spooled file into ev; 0 or -1. */
static int read_event(const char *path, stored_event *ev)
{
	memset(ev, 0, sizeof *ev);
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	char *fields[5] = {ev->source, ev->kind, ev->email, ev->occurred_at, ev->received_at};
	size_t sizes[5] = {sizeof ev->source, sizeof ev->kind, sizeof ev->email, sizeof ev->occurred_at,
	                   sizeof ev->received_at};
	char line[1024];
	for (int i = 0; i < 5; i++) {
		if (!fgets(line, sizeof line, f)) {
			fclose(f);
			return -1;
		}
		line[strcspn(line, "\n")] = '\0';
		snprintf(fields[i], sizes[i], "%s", line);
	}
	size_t n = fread(ev->payload, 1, sizeof ev->payload - 1, f);
	ev->payload[n] = '\0';
	fclose(f);
	return 0;
}

/* A claim ("claim-PID-SEQ-ev-....spool") whose process died before storing its event goes back
 * under its own name, so a crash between claiming and storing loses nothing. */
static void release_dead_claim(const char *dir, const char *name)
{
	if (strncmp(name, CLAIM_PREFIX, strlen(CLAIM_PREFIX)) != 0)
		return;
	int pid = atoi(name + strlen(CLAIM_PREFIX));
	const char *orig = strstr(name, "-" SPOOL_PREFIX);
	if (pid <= 0 || !orig || kill(pid, 0) == 0 || errno != ESRCH)
		return;
	char from[1400], to[1400];
	snprintf(from, sizeof from, "%s/%s", dir, name);
	snprintf(to, sizeof to, "%s/%s", dir, orig + 1);
	rename(from, to);
}

int spool_drain(const char *dir, store *s, int max, err_t *e)
{
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : err_set(e, ERR_IO, "webhook spool %s: %s", dir, strerror(errno));
	char *names[256];
	int n = 0;
	struct dirent *de;
	while (n < 256 && (de = readdir(d))) {
		release_dead_claim(dir, de->d_name);
		size_t l = strlen(de->d_name), sl = strlen(SPOOL_SUFFIX);
		if (strncmp(de->d_name, SPOOL_PREFIX, strlen(SPOOL_PREFIX)) != 0 || l <= sl ||
		    strcmp(de->d_name + l - sl, SPOOL_SUFFIX) != 0)
			continue;
		if (!(names[n] = strdup(de->d_name)))
			break;
		n++;
	}
	closedir(d);
	qsort(names, (size_t)n, sizeof names[0], by_name);
	int moved = 0, rc = 0;
	static unsigned claims;
	for (int i = 0; i < n && moved < max && rc == 0; i++) {
		char path[1400], claim[1500];
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		/* Claim the file before reading it: the request handler and the drainer thread (or two
		 * processes) may list the same files, and only the one whose rename succeeds stores
		 * the event, so it is stored once. */
		unsigned seq = __atomic_add_fetch(&claims, 1, __ATOMIC_RELAXED);
		snprintf(claim, sizeof claim, "%s/" CLAIM_PREFIX "%d-%u-%s", dir, (int)getpid(), seq,
		         names[i]);
		if (rename(path, claim) < 0)
			continue;
		stored_event ev;
		if (read_event(claim, &ev) < 0) {
			/* Unreadable: set aside, never retried forever, never silently lost. */
			char bad[1500];
			snprintf(bad, sizeof bad, "%s.bad", path);
			rename(claim, bad);
			continue;
		}
		if (store_event_add(s, &ev, e) < 0) {
			rename(claim, path); /* back in line for the next drain */
			rc = -1;
			break;
		}
		unlink(claim);
		moved++;
	}
	for (int i = 0; i < n; i++)
		free(names[i]);
	return rc < 0 && moved == 0 ? -1 : moved;
}
