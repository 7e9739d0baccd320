/* logline.c - the services' log lines: journald's level prefix or a timestamp, and SIGHUP reopening. */
#include "logline.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "timefmt.h"

static char log_path[1024];
static volatile sig_atomic_t reopen_asked;
static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;

static int open_onto_std(const char *path, err_t *e)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0)
		return err_set(e, ERR_IO, "log file %s: %s", path, strerror(errno));
	fflush(stdout);
	fflush(stderr);
	if (dup2(fd, STDOUT_FILENO) < 0 || dup2(fd, STDERR_FILENO) < 0) {
		int err = errno;
		close(fd);
		return err_set(e, ERR_IO, "log file %s: %s", path, strerror(err));
	}
	close(fd);
	return 0;
}

int logline_file(const char *path, err_t *e)
{
	if (!path || !*path || strlen(path) >= sizeof log_path)
		return err_set(e, ERR_USAGE, "log file: a path of at most %zu bytes", sizeof log_path - 1);
	if (open_onto_std(path, e) < 0)
		return -1;
	snprintf(log_path, sizeof log_path, "%s", path);
	return 0;
}

void logline_hup(void)
{
	reopen_asked = 1;
}

int logline_reopen_if_asked(err_t *e)
{
	if (!reopen_asked)
		return 0;
	reopen_asked = 0;
	if (!log_path[0])
		return 0;
	/* logrotate has moved the file away: a new one at the same path takes the lines from now on. */
	return open_onto_std(log_path, e) < 0 ? -1 : 1;
}

static int under_journal(void)
{
	const char *j = getenv("JOURNAL_STREAM");
	return j && *j && !log_path[0];
}

const char *logline_prefix(logline_level level, char *buf, size_t n)
{
	if (under_journal()) {
		snprintf(buf, n, "<%d>", (int)level);
	} else {
		char now[40];
		timefmt_now_iso(now, sizeof now);
		snprintf(buf, n, "%s ", now);
	}
	return buf;
}

void logline_v(logline_level level, const char *prog, const char *fmt, va_list ap)
{
	char msg[2048], pre[48], line[2200];
	vsnprintf(msg, sizeof msg, fmt, ap);
	pthread_mutex_lock(&log_mu);
	err_t e = {0};
	int re = logline_reopen_if_asked(&e);
	logline_prefix(level, pre, sizeof pre);
	if (re == 1) {
		int k = snprintf(line, sizeof line, "%s%s: log file %s reopened\n", pre, prog, log_path);
		if (k > 0 && write(STDERR_FILENO, line, (size_t)k) < 0)
			(void)0; /* nowhere left to say it */
	}
	int k = snprintf(line, sizeof line, "%s%s: %s%s%s\n", pre, prog, re < 0 ? e.msg : "", re < 0 ? "; " : "",
	                 msg);
	if (k > (int)sizeof line - 1)
		k = (int)sizeof line - 1;
	if (k > 0 && write(STDERR_FILENO, line, (size_t)k) < 0)
		(void)0;
	pthread_mutex_unlock(&log_mu);
}

void logline(logline_level level, const char *prog, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	logline_v(level, prog, fmt, ap);
	va_end(ap);
}
