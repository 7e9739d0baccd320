/* logline.h - one line per event for the long-running programs (dashboard, daemon): with the
 * journal holding stderr (systemd sets JOURNAL_STREAM) a syslog level prefix journald reads ("<3>",
 * "<4>", "<6>") and no time of our own; otherwise a UTC timestamp first. Where a log file is given,
 * stderr and stdout go to it, and SIGHUP (logrotate) has it reopened before the next line. */
#ifndef OPTSYNC_LOGLINE_H
#define OPTSYNC_LOGLINE_H

#include <stdarg.h>
#include <stddef.h>

#include "err.h"

typedef enum { LOGLINE_ERR = 3, LOGLINE_WARNING = 4, LOGLINE_INFO = 6 } logline_level;

/* Sends stdout and stderr to path (appended, created 0640) from now on; remembered for reopening. */
int logline_file(const char *path, err_t *e);

/* Asks for the log file to be reopened before the next line (safe in a signal handler). */
void logline_hup(void);

/* Reopens the log file now if that was asked; returns 1 when it did, 0 when not asked, -1 on error. */
int logline_reopen_if_asked(err_t *e);

/* The start of a line at this level: "<6>" under the journal, "2026-12-03T10:00:00Z " otherwise. */
const char *logline_prefix(logline_level level, char *buf, size_t n);

/* Writes "PREFIX" prog ": " message "\n" to stderr in one write. */
void logline(logline_level level, const char *prog, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void logline_v(logline_level level, const char *prog, const char *fmt, va_list ap);

#endif
