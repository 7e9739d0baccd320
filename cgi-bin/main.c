/* main.c - bin/optsync.fcgi: the dashboard's FastCGI responder. A Unix socket (mode 0660), a fixed
 * pool of worker threads each with its own store handle, and a clean stop on SIGTERM: the listening
 * socket is shut so accept returns, in-flight requests finish, then the process exits 0. */
#include <errno.h>
#include <fcgiapp.h>
#include <grp.h>
#include <limits.h>
#include <libgen.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "logline.h"
#include "owner.h"
#include "setup_code.h"
#include "spool.h"
#include "store.h"
#include "store_web.h"
#include "timefmt.h"
#include "tpl.h"
#include "web.h"

#define MAX_THREADS 64

typedef struct {
	const char *socket_path, *db_path, *key_path, *group, *templates, *log_file;
	int threads;
} options;

static atomic_int stopping;
static int listen_fd = -1;
static pthread_mutex_t accept_mu = PTHREAD_MUTEX_INITIALIZER;
static web_app app;

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logf_(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	logline_v(LOGLINE_INFO, "optsync.fcgi", fmt, ap);
	va_end(ap);
}

static void usage(void)
{
	fprintf(stderr,
	        "usage: optsync.fcgi --socket PATH [--db PATH] [--socket-group GROUP] [--threads N]\n"
	        "                    [--templates DIR] [--key-file PATH] [--log-file PATH]\n"
	        "  --db defaults to $OPTSYNC_DB, then var/optsync.db; the key file to $OPTSYNC_KEY_FILE,\n"
	        "  then secret.key beside the database; templates to $OPTSYNC_TEMPLATES, then the\n"
	        "  templates/ folder of the source tree this program was built in. Without --log-file the\n"
	        "  lines go to stderr (journald's level prefix under systemd); with it, SIGHUP reopens it.\n");
}

static int parse_options(int argc, char **argv, options *o)
{
	memset(o, 0, sizeof *o);
	o->db_path = getenv("OPTSYNC_DB");
	o->key_path = getenv("OPTSYNC_KEY_FILE");
	o->templates = getenv("OPTSYNC_TEMPLATES");
	o->threads = 4;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage();
			exit(0);
		}
		if (!v) {
			fprintf(stderr, "optsync.fcgi: %s needs a value\n", a);
			return -1;
		}
		if (strcmp(a, "--socket") == 0)
			o->socket_path = v;
		else if (strcmp(a, "--db") == 0)
			o->db_path = v;
		else if (strcmp(a, "--socket-group") == 0)
			o->group = v;
		else if (strcmp(a, "--templates") == 0)
			o->templates = v;
		else if (strcmp(a, "--key-file") == 0)
			o->key_path = v;
		else if (strcmp(a, "--log-file") == 0)
			o->log_file = v;
		else if (strcmp(a, "--threads") == 0) {
			char *end;
			long n = strtol(v, &end, 10);
			if (*end || n < 1 || n > MAX_THREADS) {
				fprintf(stderr, "optsync.fcgi: --threads must be 1 to %d\n", MAX_THREADS);
				return -1;
			}
			o->threads = (int)n;
		} else {
			fprintf(stderr, "optsync.fcgi: unknown option %s\n", a);
			return -1;
		}
		i++;
	}
	if (!o->socket_path) {
		fprintf(stderr, "optsync.fcgi: --socket PATH is required\n");
		return -1;
	}
	if (!o->db_path || !*o->db_path)
		o->db_path = "var/optsync.db";
	return 0;
}

/* The templates folder: given, or found beside the binary (bin/ and build-x/bin/ both sit in the
 * source tree). */
static int find_templates(const char *given, char *out, size_t n)
{
	if (given && *given) {
		snprintf(out, n, "%s", given);
		return 0;
	}
	char exe[PATH_MAX];
	ssize_t l = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (l > 0) {
		exe[l] = '\0';
		char *dir = dirname(exe);
		const char *rel[] = {"/../templates", "/../../templates", "/../share/optsync/templates"};
		for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
			char cand[PATH_MAX + 64];
			struct stat st;
			snprintf(cand, sizeof cand, "%s%s", dir, rel[i]);
			if (stat(cand, &st) == 0 && S_ISDIR(st.st_mode)) {
				snprintf(out, n, "%s", cand);
				return 0;
			}
		}
	}
	snprintf(out, n, "templates");
	return 0;
}

static long read_fcgx(void *ctx, char *dst, size_t n)
{
	FCGX_Stream *in = ctx;
	int want = n > INT_MAX ? INT_MAX : (int)n;
	int got = FCGX_GetStr(dst, want, in);
	return got < 0 ? -1 : got;
}

static int write_fcgx(void *ctx, const char *p, size_t n)
{
	FCGX_Stream *out = ctx;
	while (n > 0) {
		int chunk = n > INT_MAX ? INT_MAX : (int)n;
		if (FCGX_PutStr(p, chunk, out) != chunk)
			return -1;
		p += chunk;
		n -= (size_t)chunk;
	}
	return 0;
}

static void *worker(void *arg)
{
	(void)arg;
	store *st = NULL;
	err_t e = {0};
	if (store_open(&st, app.db_path, app.key_path, &e) < 0 || store_web_init(st, &e) < 0) {
		logf_("worker cannot open the store: %s", e.msg);
		store_close(st);
		return NULL;
	}
	FCGX_Request req;
	if (FCGX_InitRequest(&req, listen_fd, FCGI_FAIL_ACCEPT_ON_INTR) != 0) {
		logf_("FCGX_InitRequest failed");
		store_close(st);
		return NULL;
	}
	for (;;) {
		pthread_mutex_lock(&accept_mu);
		int rc = atomic_load(&stopping) ? -1 : FCGX_Accept_r(&req);
		pthread_mutex_unlock(&accept_mu);
		if (rc < 0) {
			if (atomic_load(&stopping))
				break;
			logf_("accept failed: %s", strerror(errno));
			struct timespec ts = {0, 100 * 1000 * 1000};
			nanosleep(&ts, NULL);
			continue;
		}
		web_req r;
		web_req_init(&r, &app, st, req.envp);
		web_serve(&r, read_fcgx, req.in);
		if (web_send(&r, write_fcgx, req.out) < 0)
			web_log(&r, "the client went away before the answer was written");
		web_req_free(&r);
		FCGX_Finish_r(&req);
	}
	FCGX_Free(&req, 0);
	store_close(st);
	return NULL;
}

/* Moves webhook events spooled while the database was busy into the store, every two seconds. */
static void *drainer(void *arg)
{
	store *st = arg;
	char dir[1100];
	spool_dir(app.db_path, dir, sizeof dir);
	while (!atomic_load(&stopping)) {
		for (int i = 0; i < 10 && !atomic_load(&stopping); i++) {
			struct timespec ts = {0, 200 * 1000 * 1000};
			nanosleep(&ts, NULL);
		}
		err_t e = {0};
		int n = spool_drain(dir, st, 200, &e);
		if (n < 0 && e.kind != ERR_DB)
			logf_("webhook spool: %s", e.msg);
		else if (n > 0)
			logf_("webhook spool: %d event%s moved into the database", n, n == 1 ? "" : "s");
	}
	store_close(st);
	return NULL;
}

/* Without any user, the first-run form asks for a code only the machine's owner can read: written
 * beside the database and its path logged (the systemd journal, make run's log). Once a user
 * exists the code has no use and is removed. */
static void first_run_code(store *st, const char *db_path)
{
	err_t e = {0};
	char path[1100];
	setup_code_path(db_path, path, sizeof path);
	int users = store_user_count(st, &e);
	if (users < 0) {
		logf_("%s", e.msg);
		return;
	}
	if (users > 0) {
		if (setup_code_remove(db_path, &e) < 0)
			logf_("%s", e.msg);
		return;
	}
	if (setup_code_ensure(db_path, &e) < 0)
		logf_("%s", e.msg);
	else
		logf_("first run: no user yet; the setup code for the first-run form is in %s (or use "
		      "optsync user add NAME --role admin)",
		      path);
}

static int open_socket(const options *o)
{
	struct stat sb;
	if (lstat(o->socket_path, &sb) == 0 && S_ISSOCK(sb.st_mode))
		unlink(o->socket_path);
	mode_t old = umask(0117);
	listen_fd = FCGX_OpenSocket(o->socket_path, 128);
	umask(old);
	if (listen_fd < 0) {
		logf_("cannot listen on %s: %s", o->socket_path, strerror(errno));
		return -1;
	}
	if (o->group) {
		struct group *g = getgrnam(o->group);
		if (!g) {
			logf_("--socket-group %s: no such group", o->group);
			return -1;
		}
		if (chown(o->socket_path, (uid_t)-1, g->gr_gid) < 0) {
			logf_("chgrp %s %s: %s", o->group, o->socket_path, strerror(errno));
			return -1;
		}
	}
	if (chmod(o->socket_path, 0660) < 0) {
		logf_("chmod 0660 %s: %s", o->socket_path, strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	options o;
	if (parse_options(argc, argv, &o) < 0) {
		usage();
		return 2;
	}
	if (sodium_init() < 0) {
		logf_("libsodium cannot start");
		return 1;
	}
	char tdir[PATH_MAX + 64], err[512];
	find_templates(o.templates, tdir, sizeof tdir);
	if (tpl_load_dir(tdir, err, sizeof err) < 0) {
		logf_("%s", err);
		return 1;
	}

	app.db_path = o.db_path;
	app.key_path = o.key_path;
	app.rate_file = getenv("OPTSYNC_RATE_FILE");
	app.body_cap = WEB_BODY_CAP;
	app.idle_timeout = WEB_IDLE_TIMEOUT;
	app.absolute_timeout = WEB_ABSOLUTE_TIMEOUT;
	randombytes_buf(app.pre_key, sizeof app.pre_key);

	err_t le = {0};
	if (o.log_file && logline_file(o.log_file, &le) < 0) {
		logf_("%s", le.msg);
		return 1;
	}
	if (FCGX_Init() != 0) {
		logf_("FCGX_Init failed");
		return 1;
	}
	/* Every thread inherits this mask: only sigwait below sees SIGTERM/SIGINT. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* The socket first, while its folder and group may still need root; then, started as root
	 * on a database whose folder another user owns (make run), become that user before the
	 * database or anything beside it is opened (owner.h). */
	if (open_socket(&o) < 0)
		return 1;
	err_t e = {0};
	char who[64];
	int became = owner_become(o.db_path, who, sizeof who, &e);
	if (became < 0) {
		logf_("%s", e.msg);
		return 1;
	}
	if (became)
		logf_("running as %s, the owner of the database's folder", who);

	/* Open once here: migrations run before any worker starts, and a bad path fails loudly. */
	store *st = NULL;
	if (store_open(&st, o.db_path, o.key_path, &e) < 0 || store_web_init(st, &e) < 0) {
		logf_("%s", e.msg);
		store_close(st);
		return 1;
	}
	store_web_session_purge(st, (int64_t)time(NULL), WEB_IDLE_TIMEOUT, WEB_ABSOLUTE_TIMEOUT, &e);
	first_run_code(st, o.db_path);
	store_close(st);

	pthread_t th[MAX_THREADS];
	int started = 0;
	for (int i = 0; i < o.threads; i++) {
		if (pthread_create(&th[i], NULL, worker, NULL) != 0) {
			logf_("cannot start worker thread %d: %s", i, strerror(errno));
			break;
		}
		started++;
	}
	if (started == 0)
		return 1;
	pthread_t drain;
	store *dst = NULL;
	int draining = store_open(&dst, app.db_path, app.key_path, &e) == 0 &&
	               pthread_create(&drain, NULL, drainer, dst) == 0;
	if (!draining) {
		logf_("webhook spool drainer not started: %s", e.msg);
		store_close(dst);
	}
	logf_("listening on %s with %d threads (templates %s, database %s)", o.socket_path, started, tdir,
	      o.db_path);

	int sig = 0;
	/* SIGHUP (logrotate): the log file is reopened before the next line; anything else stops. */
	while (sigwait(&set, &sig) == 0 && sig == SIGHUP) {
		logline_hup();
		logf_("SIGHUP: log file reopened where one is given");
	}
	logf_("signal %d: stopping after the requests in flight", sig);
	atomic_store(&stopping, 1);
	/* shutdown() wakes the thread blocked in accept(); close() alone would not. */
	shutdown(listen_fd, SHUT_RDWR);
	for (int i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	if (draining)
		pthread_join(drain, NULL);
	close(listen_fd);
	unlink(o.socket_path);
	logf_("stopped");
	return 0;
}
