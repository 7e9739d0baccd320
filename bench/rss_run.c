/* rss_run.c - runs a command and writes what it cost: wall time, user and system CPU, peak RSS
 * (wait4's rusage of the child), so the engine's own CPU can be told apart from time spent
 * waiting on the network or the rate limiter.
 *
 *   rss_run OUTFILE COMMAND [ARG...]
 *
 * The command's output passes through; OUTFILE gets one line of key=value pairs: rc, wall_ms,
 * user_s, sys_s, cpu_s, maxrss_kb. Exits with the command's status. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_util.h"

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: rss_run OUTFILE COMMAND [ARG...]\n");
		return 2;
	}
	int64_t t0 = bu_mono_ns();
	pid_t pid = fork();
	if (pid < 0) {
		perror("rss_run: fork");
		return 1;
	}
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		fprintf(stderr, "rss_run: %s: %s\n", argv[2], strerror(errno));
		_exit(127);
	}
	int status = 0;
	struct rusage ru;
	while (wait4(pid, &status, 0, &ru) < 0)
		if (errno != EINTR) {
			perror("rss_run: wait4");
			return 1;
		}
	double wall = (double)(bu_mono_ns() - t0) / 1e6;
	double user = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
	double sys = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	int rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	FILE *f = fopen(argv[1], "w");
	if (!f) {
		perror(argv[1]);
		return 1;
	}
	fprintf(f, "rc=%d wall_ms=%.0f user_s=%.2f sys_s=%.2f cpu_s=%.2f maxrss_kb=%ld\n", rc, wall, user,
	        sys, user + sys, ru.ru_maxrss);
	fclose(f);
	return rc;
}
