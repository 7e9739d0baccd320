/* main.c - sandbox.fcgi: a FastCGI program emulating the ActiveCampaign v3 and Salesforce REST APIs. */
#include "owner.h"
#include "sbx.h"

#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <fcgiapp.h>
#include <sodium.h>

static volatile sig_atomic_t g_stop;
static int g_listen_fd = -1;

static void on_term(int sig)
{
	(void)sig;
	g_stop = 1;
	FCGX_ShutdownPending();
	/* wakes accept() so the loop can finish */
	if (g_listen_fd >= 0)
		shutdown(g_listen_fd, SHUT_RDWR);
}

static void usage(void)
{
	fprintf(
	    stderr,
	    "usage: sandbox.fcgi --socket PATH --db PATH [--seed N] [--people N] [--socket-group NAME]\n"
	    "  --seed N    reset the database to the demo org made from seed N (default: only when empty)\n"
	    "  --people N  how many demo people (default 300)\n"
	    "  --person-accounts  seed with Person Accounts on (some Contacts are person accounts)\n"
	    "  --socket-group NAME  group of the socket (mode 0660), e.g. the web server's\n");
}

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* HTTP_HOST as sent, if it only holds host[:port] characters; anything else falls back to the server. */
static void public_base(sbx_req *r)
{
	const char *host = sbx_req_env(r, "HTTP_HOST");
	char safe[256] = "";
	if (host && strlen(host) < sizeof safe) {
		int ok = 1;
		for (const char *p = host; *p; p++)
			ok &= isalnum((unsigned char)*p) || strchr(".-:[]_", *p) != NULL;
		if (ok && *host)
			snprintf(safe, sizeof safe, "%s", host);
	}
	/* Debian's fastcgi_params pass $host, without the port: add SERVER_PORT back */
	const char *port = sbx_req_env(r, "SERVER_PORT");
	const char *bracket = strrchr(safe, ']');
	const char *colon = strrchr(safe, ':');
	int has_port = colon && (!bracket || colon > bracket);
	if (*safe && !has_port && port && *port && strcmp(port, "80") != 0 && strlen(port) < 6 &&
	    strspn(port, "0123456789") == strlen(port)) {
		size_t n = strlen(safe);
		snprintf(safe + n, sizeof safe - n, ":%s", port);
	}
	if (!*safe) {
		const char *sn = sbx_req_env(r, "SERVER_ADDR"), *sp = sbx_req_env(r, "SERVER_PORT");
		snprintf(safe, sizeof safe, "%s:%s", sn ? sn : "127.0.0.1", sp ? sp : "80");
		for (char *p = safe; *p; p++)
			if (!(isalnum((unsigned char)*p) || strchr(".-:[]", *p)))
				*p = '_';
	}
	snprintf(r->base, sizeof r->base, "http://%s/sandbox", safe);
}

/* Reads exactly CONTENT_LENGTH bytes; answers 411/413/400 itself and returns -1 when it cannot. */
static int read_body(sbx_req *r, FCGX_Stream *in)
{
	const char *cl = sbx_req_env(r, "CONTENT_LENGTH");
	if (!cl || !*cl)
		return 0;
	for (const char *p = cl; *p; p++)
		if (!isdigit((unsigned char)*p) || p - cl > 12) {
			sbx_resp_error(r, 400, "BAD_REQUEST", "Invalid Content-Length");
			return -1;
		}
	long long n = strtoll(cl, NULL, 10);
	long cap = SBX_BODY_MAX;
	if (r->sys == SBX_SYS_SF && strstr(r->path, "/jobs/ingest/") && strstr(r->path, "/batches"))
		cap = SBX_CSV_MAX;
	if (n > cap) {
		sbx_resp_error(r, 413, "REQUEST_ENTITY_TOO_LARGE",
		               "Request body of %lld bytes exceeds the limit of %ld", n, cap);
		return -1;
	}
	r->body = malloc((size_t)n + 1);
	if (!r->body) {
		sbx_resp_error(r, 500, "UNKNOWN_EXCEPTION", "out of memory");
		return -1;
	}
	size_t got = 0;
	while (got < (size_t)n) {
		int k =
		    FCGX_GetStr(r->body + got, (int)((size_t)n - got > 65536 ? 65536 : (size_t)n - got), in);
		if (k <= 0)
			break;
		got += (size_t)k;
	}
	r->body[got] = '\0';
	r->body_len = got;
	if (got != (size_t)n) {
		sbx_resp_error(r, 400, "BAD_REQUEST", "Request body ended after %zu of %lld bytes", got, n);
		return -1;
	}
	return 0;
}

static void write_response(sbx_req *r, FCGX_Stream *out)
{
	char head[320], date[64];
	/* Date from the sandbox's own clock (clock_skew_s included), the clock its udates come from,
	 * as AC's servers send theirs: nginx keeps a Date the application sent. */
	time_t now = (time_t)(r->now_ms / 1000);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	int n = snprintf(head, sizeof head,
	                 "Status: %d %s\r\nContent-Type: %s\r\nCache-Control: no-store\r\nDate: %s\r\n",
	                 r->status, sbx_http_reason(r->status),
	                 r->ctype ? r->ctype : "application/json;charset=UTF-8", date);
	FCGX_PutStr(head, n, out);
	if (r->hdr.len)
		FCGX_PutStr(r->hdr.p, (int)r->hdr.len, out);
	if (!r->oversize) {
		n = snprintf(head, sizeof head, "Content-Length: %zu\r\n", r->out.len);
		FCGX_PutStr(head, n, out);
	}
	FCGX_PutStr("\r\n", 2, out);
	if (strcmp(r->method, "HEAD") == 0)
		return;
	if (r->oversize) {
		/* a valid JSON document, just far too big */
		static char pad[65536];
		memset(pad, 'x', sizeof pad);
		FCGX_PutStr("{\"padding\":\"", 12, out);
		int64_t left = r->oversize > 14 ? r->oversize - 14 : 0;
		while (left > 0 && !g_stop) {
			int k = left > (int64_t)sizeof pad ? (int)sizeof pad : (int)left;
			if (FCGX_PutStr(pad, k, out) < 0)
				break;
			left -= k;
		}
		FCGX_PutStr("\"}", 2, out);
		return;
	}
	size_t off = 0;
	while (off < r->out.len) {
		int k = (int)(r->out.len - off > 1 << 20 ? 1 << 20 : r->out.len - off);
		if (FCGX_PutStr(r->out.p + off, k, out) < 0)
			break;
		off += (size_t)k;
	}
}

static void handle(sbx_app *app, FCGX_Request *fr)
{
	sbx_req r;
	memset(&r, 0, sizeof r);
	r.app = app;
	r.envp = fr->envp;
	const char *m = sbx_req_env(&r, "REQUEST_METHOD");
	r.method = m && *m ? m : "GET";
	const char *uri = sbx_req_env(&r, "REQUEST_URI");
	if (!uri || !*uri)
		uri = sbx_req_env(&r, "DOCUMENT_URI");
	if (!uri)
		uri = "/";
	const char *q = strchr(uri, '?');
	size_t plen = q ? (size_t)(q - uri) : strlen(uri);
	const char *qs = sbx_req_env(&r, "QUERY_STRING");
	r.query = qs ? qs : (q ? q + 1 : "");
	r.content_type = sbx_req_env(&r, "CONTENT_TYPE");
	public_base(&r);
	r.now_ms = sbx_now_ms();
	int64_t t0 = mono_ms();

	int early = 0;
	if (plen >= sizeof r.full_path || strlen(r.query) >= SBX_URI_MAX) {
		r.sys = SBX_SYS_NONE;
		sbx_resp_error(&r, 414, "URI_TOO_LONG", "Request URI too long");
		early = 1;
		plen = 0;
	}
	memcpy(r.full_path, uri, plen);
	r.full_path[plen] = '\0';
	const char *rel = r.full_path;
	if (plen >= 8 && memcmp(rel, "/sandbox", 8) == 0 && (rel[8] == '/' || rel[8] == '\0'))
		rel += 8;
	sbx_str_copy(r.path, sizeof r.path, rel);
	if (!early)
		r.sys = sbx_route_classify(r.path);
	if (!early && read_body(&r, fr->in) != 0)
		early = 1;
	if (!early)
		sbx_inject_latency(&r);

	sbx_db_exec(app->db, "BEGIN IMMEDIATE", NULL);
	if (!early && !sbx_inject_before(&r))
		sbx_route_dispatch(&r);
	else if (early)
		sbx_stats_arrival(&r, &(int){0});
	if (r.status == 0)
		sbx_resp_error(&r, 500, "UNKNOWN_EXCEPTION",
		               "the sandbox did not answer this request (a sandbox bug)");
	sbx_inject_after(&r);
	if (r.out.oom || r.hdr.oom) {
		r.hdr.len = 0;
		r.oversize = 0;
		sbx_resp_text(&r, 500, "text/plain", "out of memory\n");
	}
	sbx_stats_finish(&r, mono_ms() - t0);
	if (sbx_db_exec(app->db, "COMMIT", NULL) != 0)
		sbx_db_exec(app->db, "ROLLBACK", NULL);
	if (r.deliveries) {
		sbx_webhook_kick();
		if (r.wait_deliveries)
			sbx_webhook_wait_idle(app->db, 10000);
	}
	write_response(&r, fr->out);
	free(r.body);
	sbx_buf_free(&r.out);
	sbx_buf_free(&r.hdr);
}

int main(int argc, char **argv)
{
	const char *sock = NULL, *dbpath = NULL, *group = NULL;
	long long seed = -1, people = 300;
	int person_accounts = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--socket") == 0 && i + 1 < argc)
			sock = argv[++i];
		else if (strcmp(argv[i], "--db") == 0 && i + 1 < argc)
			dbpath = argv[++i];
		else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
			seed = strtoll(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--socket-group") == 0 && i + 1 < argc)
			group = argv[++i];
		else if (strcmp(argv[i], "--person-accounts") == 0)
			person_accounts = 1;
		else if (strcmp(argv[i], "--people") == 0 && i + 1 < argc)
			people = strtoll(argv[++i], NULL, 10);
		else {
			usage();
			return 2;
		}
	}
	if (!sock || !dbpath || seed < -1 || people < 0 || people > 100000) {
		usage();
		return 2;
	}
	if (sodium_init() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		fprintf(stderr, "sandbox: library initialisation failed\n");
		return 1;
	}
	if (FCGX_Init() != 0) {
		fprintf(stderr, "sandbox: FCGX_Init failed\n");
		return 1;
	}
	struct stat stt;
	if (stat(sock, &stt) == 0 && S_ISSOCK(stt.st_mode))
		unlink(sock);
	mode_t old = umask(0117);
	g_listen_fd = FCGX_OpenSocket(sock, 64);
	umask(old);
	if (g_listen_fd < 0) {
		fprintf(stderr, "sandbox: cannot listen on %s: %s\n", sock, strerror(errno));
		return 1;
	}
	if (chmod(sock, 0660) != 0) {
		fprintf(stderr, "sandbox: chmod %s: %s\n", sock, strerror(errno));
		return 1;
	}
	if (group) {
		struct group *g = getgrnam(group);
		if (!g || chown(sock, (uid_t)-1, g->gr_gid) != 0) {
			fprintf(stderr, "sandbox: socket group %s: %s\n", group,
			        g ? strerror(errno) : "no such group");
			return 1;
		}
	}
	/* As the dashboard does: the socket as root, then the owner of the database's folder. */
	err_t e;
	err_clear(&e);
	char who[64];
	if (owner_become(dbpath, who, sizeof who, &e) < 0) {
		fprintf(stderr, "sandbox: %s\n", e.msg);
		return 1;
	}
	sbx_app app;
	memset(&app, 0, sizeof app);
	app.rng = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	if (sbx_db_open(&app, dbpath, &e) != 0) {
		fprintf(stderr, "sandbox: %s\n", e.msg);
		return 1;
	}
	sbx_knobs_load(app.db);
	app.listen_fd = g_listen_fd;
	int empty = sbx_db_int(app.db, "SELECT count(*) FROM ac_lists", 0) == 0;
	if (seed >= 0 || empty) {
		if (sbx_db_exec(app.db, "BEGIN IMMEDIATE", &e) != 0 ||
		    sbx_seed_reset(&app, seed >= 0 ? (uint64_t)seed : 1, (int)people, &e) != 0 ||
		    (person_accounts && sbx_seed_person_accounts(&app, &e) != 0) ||
		    sbx_db_exec(app.db, "COMMIT", &e) != 0) {
			fprintf(stderr, "sandbox: seed: %s\n", e.msg);
			return 1;
		}
	}

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_term;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (sbx_webhook_start(dbpath) != 0) {
		fprintf(stderr, "sandbox: cannot start the webhook sender\n");
		return 1;
	}
	fprintf(stderr, "sandbox: listening on %s, db %s\n", sock, dbpath);

	FCGX_Request fr;
	FCGX_InitRequest(&fr, g_listen_fd, 0);
	while (!g_stop) {
		if (FCGX_Accept_r(&fr) < 0)
			break;
		handle(&app, &fr);
		FCGX_Finish_r(&fr);
	}
	sbx_webhook_stop();
	if (g_listen_fd >= 0)
		close(g_listen_fd);
	unlink(sock);
	sbx_db_close(&app);
	curl_global_cleanup();
	fprintf(stderr, "sandbox: stopped\n");
	return 0;
}
