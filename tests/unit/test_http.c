/* test_http.c - the HTTP layer against a scripted HTTP server on a random loopback port (in a thread). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ac.h"
#include "http.h"
#include "redact.h"
#include "sf.h"
#include "timefmt.h"

#include <sodium.h>

/* The request (or text) starts with the given prefix. */
#define assert_prefix(s, p) assert_int_equal(strncmp((s), (p), strlen(p)), 0)

/* --- a scripted server ---------------------------------------------------------------------------- */

#define MAX_STEPS 16
#define REQ_MAX 65536

typedef struct {
	int status;
	const char *headers; /* extra header lines, each ending in \r\n */
	const char *body;    /* NULL: empty */
	size_t body_len;     /* 0: strlen(body) */
	long content_length; /* -1: body_len; else announced (may lie, for truncation) */
	size_t fill;         /* > 0: send this many 'x' bytes as the body (chunked, no length) */
	int delay_ms;        /* wait before answering */
	int close_after;     /* close the connection after this answer */
} step;

typedef struct {
	int lfd, port;
	pthread_t th;
	step steps[MAX_STEPS];
	int nsteps;
	int served;      /* requests answered (or at least read) */
	int connections; /* accepted connections */
	char req[MAX_STEPS][REQ_MAX];
	size_t sent_fill; /* bytes of a fill body the client accepted */
	volatile int stop;
} tserver;

static int read_request(int fd, char *buf, size_t cap, size_t *len)
{
	size_t n = 0;
	char *end = NULL;
	while (!end) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, 3000) <= 0)
			return -1;
		ssize_t r = recv(fd, buf + n, cap - 1 - n, 0);
		if (r <= 0)
			return -1;
		n += (size_t)r;
		buf[n] = '\0';
		end = strstr(buf, "\r\n\r\n");
		if (!end && n + 1 >= cap)
			return -1;
	}
	size_t head = (size_t)(end + 4 - buf), clen = 0;
	for (char *l = buf; l && l < end; l = strstr(l, "\r\n") ? strstr(l, "\r\n") + 2 : NULL)
		if (strncasecmp(l, "Content-Length:", 15) == 0)
			clen = (size_t)strtoul(l + 15, NULL, 10);
	while (n < head + clen && n + 1 < cap) {
		ssize_t r = recv(fd, buf + n, cap - 1 - n, 0);
		if (r <= 0)
			return -1;
		n += (size_t)r;
	}
	buf[n] = '\0';
	*len = n;
	return 0;
}

static int send_all(int fd, const char *b, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, b, n, MSG_NOSIGNAL);
		if (w <= 0)
			return -1;
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

static const char *reason(int st)
{
	switch (st) {
	case 200:
		return "OK";
	case 201:
		return "Created";
	case 401:
		return "Unauthorized";
	case 404:
		return "Not Found";
	case 429:
		return "Too Many Requests";
	case 503:
		return "Service Unavailable";
	default:
		return "Status";
	}
}

static void answer(tserver *s, int fd, const step *st, int *close_it)
{
	char head[2048];
	size_t blen = st->body ? (st->body_len ? st->body_len : strlen(st->body)) : 0;
	if (st->delay_ms > 0) {
		struct timespec ts = {st->delay_ms / 1000, (st->delay_ms % 1000) * 1000000L};
		nanosleep(&ts, NULL);
	}
	if (st->fill) {
		snprintf(head, sizeof head,
		         "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n%s"
		         "Transfer-Encoding: chunked\r\n\r\n",
		         st->status, reason(st->status), st->headers ? st->headers : "");
		if (send_all(fd, head, strlen(head)) < 0)
			return;
		char chunk[16384 + 32];
		size_t left = st->fill;
		while (left > 0) {
			size_t c = left > 16384 ? 16384 : left;
			int hl = snprintf(chunk, sizeof chunk, "%zx\r\n", c);
			memset(chunk + hl, 'x', c);
			memcpy(chunk + hl + c, "\r\n", 2);
			if (send_all(fd, chunk, (size_t)hl + c + 2) < 0)
				break;
			s->sent_fill += c;
			left -= c;
		}
		if (left == 0)
			send_all(fd, "0\r\n\r\n", 5);
		*close_it = 1;
		return;
	}
	long clen = st->content_length > 0 ? st->content_length : (long)blen;
	snprintf(head, sizeof head,
	         "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n%sContent-Length: %ld\r\n%s\r\n",
	         st->status, reason(st->status), st->headers ? st->headers : "", clen,
	         st->close_after ? "Connection: close\r\n" : "");
	if (send_all(fd, head, strlen(head)) == 0 && blen)
		send_all(fd, st->body, blen);
	*close_it = st->close_after || (st->content_length > 0 && (size_t)st->content_length != blen);
}

static void *serve(void *arg)
{
	tserver *s = arg;
	while (!s->stop) {
		struct pollfd p = {.fd = s->lfd, .events = POLLIN};
		if (poll(&p, 1, 50) <= 0)
			continue;
		int fd = accept(s->lfd, NULL, NULL);
		if (fd < 0)
			continue;
		s->connections++;
		int close_it = 0;
		while (!close_it && !s->stop && s->served < MAX_STEPS) {
			size_t len;
			int i = s->served;
			if (read_request(fd, s->req[i], REQ_MAX, &len) < 0)
				break;
			s->served++;
			const step *st = &s->steps[i < s->nsteps ? i : s->nsteps - 1];
			answer(s, fd, st, &close_it);
		}
		close(fd);
	}
	return NULL;
}

static void server_start(tserver *s)
{
	s->lfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(s->lfd >= 0);
	int one = 1;
	setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s->lfd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(s->lfd, 16), 0);
	socklen_t al = sizeof a;
	getsockname(s->lfd, (struct sockaddr *)&a, &al);
	s->port = ntohs(a.sin_port);
	assert_int_equal(pthread_create(&s->th, NULL, serve, s), 0);
}

static void server_stop(tserver *s)
{
	s->stop = 1;
	pthread_join(s->th, NULL);
	close(s->lfd);
}

static tserver *new_server(void)
{
	tserver *s = calloc(1, sizeof *s);
	assert_non_null(s);
	return s;
}

static void url_of(const tserver *s, const char *path, char *out, size_t n)
{
	snprintf(out, n, "http://127.0.0.1:%d%s", s->port, path);
}

/* A client with small delays so the retry tests run in milliseconds. */
static http_client *fast_client(int retries)
{
	http_options o;
	http_options_default(&o);
	o.system = "ActiveCampaign";
	o.retries = retries;
	o.backoff_ms = 10;
	o.backoff_max_ms = 40;
	o.connect_timeout_ms = 2000;
	o.timeout_ms = 3000;
	err_t e;
	http_client *h = http_new(&o, &e);
	assert_non_null(h);
	return h;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int get(http_client *h, const char *url, const char *op, http_response *rs, err_t *e)
{
	http_request rq = {.method = "GET", .url = url, .op = op};
	return http_do(h, &rq, rs, e);
}

/* --- tests ---------------------------------------------------------------------------------------- */

static void refused_connection(void **state)
{
	(void)state;
	/* A port that was just free and has nobody listening. */
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(fd, (struct sockaddr *)&a, sizeof a);
	socklen_t al = sizeof a;
	getsockname(fd, (struct sockaddr *)&a, &al);
	close(fd);
	char url[128];
	snprintf(url, sizeof url, "http://127.0.0.1:%d/api/3/users/me", ntohs(a.sin_port));

	http_client *h = fast_client(2);
	http_response rs;
	err_t e;
	assert_int_equal(get(h, url, "GET /api/3/users/me", &rs, &e), -1);
	assert_int_equal(e.kind, ERR_NETWORK);
	assert_non_null(
	    strstr(e.msg, "ActiveCampaign: GET /api/3/users/me: connection refused (http://127.0.0.1:"));
	assert_null(strstr(e.msg, "/api/3/users/me)")); /* origin only, no path in the parenthesis */
	assert_int_equal(rs.attempts, 3);
	http_stats st;
	http_get_stats(h, &st);
	assert_int_equal(st.retries, 2);
	http_response_free(&rs);
	http_free(h);
}

static void total_timeout(void **state)
{
	(void)state;
	tserver *s = new_server();
	s->steps[0] = (step){.status = 200, .body = "{}", .delay_ms = 1500, .content_length = -1};
	s->nsteps = 1;
	server_start(s);
	http_options o;
	http_options_default(&o);
	o.system = "Salesforce";
	o.retries = 0;
	o.timeout_ms = 300;
	http_client *h = http_new(&o, NULL);
	char url[128];
	url_of(s, "/slow", url, sizeof url);
	http_response rs;
	err_t e;
	double t0 = now_s();
	assert_int_equal(get(h, url, "query", &rs, &e), -1);
	double dt = now_s() - t0;
	assert_int_equal(e.kind, ERR_NETWORK);
	assert_non_null(strstr(e.msg, "Salesforce: query: timed out"));
	assert_true(dt < 1.2);
	http_response_free(&rs);
	http_free(h);
	server_stop(s);
	free(s);
}

static void rate_limited_then_ok(void **state)
{
	(void)state;
	tserver *s = new_server();
	s->steps[0] =
	    (step){.status = 429, .headers = "Retry-After: 1\r\n", .body = "{\"message\":\"slow down\"}"};
	s->steps[1] = (step){.status = 200, .body = "{\"user\":{\"username\":\"admin\"}}"};
	s->nsteps = 2;
	server_start(s);
	http_client *h = fast_client(3);
	char url[128];
	url_of(s, "/api/3/users/me", url, sizeof url);
	http_response rs;
	err_t e;
	double t0 = now_s();
	assert_int_equal(get(h, url, "GET /api/3/users/me", &rs, &e), 0);
	double dt = now_s() - t0;
	assert_true(dt >= 1.0); /* Retry-After honoured, not the 10 ms backoff */
	assert_true(dt < 2.5);
	assert_int_equal(rs.status, 200);
	assert_int_equal(rs.attempts, 2);
	assert_string_equal(rs.body, "{\"user\":{\"username\":\"admin\"}}");
	http_stats st;
	http_get_stats(h, &st);
	assert_int_equal(st.rate_limited, 1);
	assert_int_equal(st.calls, 2);
	http_response_free(&rs);
	http_free(h);
	server_stop(s);
	free(s);
}

static void rate_limited_capped_and_exhausted(void **state)
{
	(void)state;
	tserver *s = new_server();
	s->steps[0] = (step){.status = 429, .headers = "Retry-After: 3600\r\n", .body = "{}"};
	s->nsteps = 1;
	server_start(s);
	http_client *h = fast_client(1);
	http_options o = *http_get_options(h);
	o.retry_after_max_s = 1;
	http_set_options(h, &o);
	char url[128];
	url_of(s, "/x", url, sizeof url);
	http_response rs;
	err_t e;
	double t0 = now_s();
	assert_int_equal(get(h, url, "GET /x", &rs, &e), -1);
	double dt = now_s() - t0;
	assert_true(dt >= 1.0 && dt < 2.5); /* the hour was capped to a second */
	assert_int_equal(e.kind, ERR_RATE_LIMITED);
	assert_int_equal(e.http_status, 429);
	assert_int_equal(e.retry_after, 1);
	assert_int_equal(rs.retry_after, 3600);
	assert_int_equal(rs.attempts, 2);
	http_response_free(&rs);
	http_free(h);
	server_stop(s);
	free(s);
}

static int hook_calls;
static int count_hook(void *ud, err_t *e)
{
	(void)ud;
	(void)e;
	hook_calls++;
	return 0;
}

static void server_error_then_ok(void **state)
{
	(void)state;
	tserver *s = new_server();
	s->steps[0] = (step){.status = 503, .body = "<html>busy</html>"};
	s->steps[1] = (step){.status = 503, .body = ""};
	s->steps[2] = (step){.status = 200, .body = "[]"};
	s->nsteps = 3;
	server_start(s);
	http_client *h = fast_client(3);
	http_options o = *http_get_options(h);
	o.before_attempt = count_hook;
	http_set_options(h, &o);
	hook_calls = 0;
	char url[128];
	url_of(s, "/services/data/v62.0/limits", url, sizeof url);
	http_response rs;
	err_t e;
	assert_int_equal(get(h, url, "limits", &rs, &e), 0);
	assert_int_equal(rs.attempts, 3);
	assert_int_equal(hook_calls, 3);     /* the rate-limit hook runs before every attempt */
	assert_int_equal(s->connections, 1); /* one kept-alive connection for all three */
	http_response_free(&rs);
	http_free(h);
	server_stop(s);
	free(s);
}

static void server_error_exhausted_and_no_retry(void **state)
{
	(void)state;
	tserver *s = new_server();
	s->steps[0] = (step){.status = 503, .body = "{\"message\":\"down for maintenance\"}"};
	s->nsteps = 1;
	server_start(s);
	http_client *h = fast_client(2);
	char url[128];
	url_of(s, "/x", url, sizeof url);
	http_response rs;
	err_t e;
	assert_int_equal(get(h, url, "GET /x", &rs, &e), -1);
	assert_int_equal(e.kind, ERR_SERVER);
	assert_int_equal(e.http_status, 503);
	assert_int_equal(rs.attempts, 3);
	assert_non_null(
	    strstr(e.msg, "ActiveCampaign: GET /x: {\"message\":\"down for maintenance\"} (HTTP 503)"));
	http_response_free(&rs);
	/* A write marked no_retry is sent once. */
	http_request rq = {
	    .method = "POST", .url = url, .op = "POST /x", .body = "{}", .body_len = 2, .no_retry = 1};
	assert_int_equal(http_do(h, &rq, &rs, &e), -1);
	assert_int_equal(rs.attempts, 1);
	http_response_free(&rs);
	http_free(h);
	server_stop(s);
	free(s);
}

static void malformed_and_truncated_json(void **state)
{
	(void)state;
	tserver *s = new_server();
	s->steps[0] = (step){.status = 200, .body = "<html>not json</html>"};
	s->steps[1] = (step){.status = 200, .body = "{\"contacts\":[{\"id\":\"1\",\"email\":\"a@b"};
	s->steps[2] = (step){.status = 200, .body = "{\"a\":1} trailing"};
	s->steps[3] = (step){.status = 200, .body = ""};
	s->steps[4] =
	    (step){.status = 200, .body = "{\"contacts\":{\"id\":\"1\"},\"meta\":{\"total\":\"7\"}}"};
	s->nsteps = 5;
	server_start(s);
	http_client *h = fast_client(0);
	char url[128];
	url_of(s, "/api/3/contacts", url, sizeof url);
	http_response rs;
	err_t e;
	json_object *j;
	const char *want[] = {"not valid JSON", "truncated", "unexpected data after byte", "empty response"};
	for (int i = 0; i < 4; i++) {
		assert_int_equal(get(h, url, "GET /api/3/contacts", &rs, &e), 0);
		assert_int_equal(http_json(h, &rs, "GET /api/3/contacts", &j, &e), -1);
		assert_null(j);
		assert_int_equal(e.kind, ERR_BAD_RESPONSE);
		assert_non_null(strstr(e.msg, "ActiveCampaign: GET /api/3/contacts: "));
		assert_non_null(strstr(e.msg, want[i]));
		http_response_free(&rs);
	}
	/* Valid JSON of the wrong shape: the helpers refuse the types, they do not crash. */
	assert_int_equal(get(h, url, "GET /api/3/contacts", &rs, &e), 0);
	assert_int_equal(http_json(h, &rs, "GET /api/3/contacts", &j, &e), 0);
	assert_null(json_get(j, "contacts", json_type_array));
	char buf[16];
	long n = 0;
	assert_int_equal(json_get_long(json_get(j, "meta", json_type_object), "total", &n), 1);
	assert_int_equal(n, 7);
	assert_int_equal(json_get_str(j, "contacts", buf, sizeof buf), -1);
	assert_int_equal(json_get_str(j, "missing", buf, sizeof buf), 0);
	json_object_put(j);
	http_response_free(&rs);
	http_free(h);
	server_stop(s);
	free(s);
}

static void json_helpers(void **state)
{
	(void)state;
	json_object *j = json_tokener_parse("{\"id\":42,\"s\":\"7\",\"b\":\"true\",\"t\":true,\"n\":null,"
	                                    "\"x\":[1],\"long\":\"0123456789abcdef\",\"bad\":\"12z\"}");
	char buf[8];
	long v;
	int b;
	assert_int_equal(json_get_str(j, "id", buf, sizeof buf), 1);
	assert_string_equal(buf, "42");
	assert_int_equal(json_get_str(j, "n", buf, sizeof buf), 0);
	assert_int_equal(json_get_str(j, "x", buf, sizeof buf), -1);
	assert_int_equal(json_get_str(j, "long", buf, sizeof buf), -1); /* does not fit: refused, not cut */
	assert_int_equal(json_get_long(j, "s", &v), 1);
	assert_int_equal(v, 7);
	assert_int_equal(json_get_long(j, "bad", &v), -1);
	assert_int_equal(json_get_bool(j, "b", &b), 1);
	assert_int_equal(b, 1);
	assert_int_equal(json_get_bool(j, "t", &b), 1);
	assert_int_equal(json_get_bool(j, "x", &b), -1);
	assert_int_equal(json_get_bool(j, "nope", &b), 0);
	assert_null(json_get(NULL, "a", json_type_object));
	json_object_put(j);
}

static void truncated_body(void **state)
{
	(void)state;
	tserver *s = new_server();
	/* Announces 100 bytes, sends 14, closes. */
	s->steps[0] = (step){.status = 200, .body = "{\"records\":[{\"", .content_length = 100};
	s->nsteps = 1;
	server_start(s);
	http_client *h = fast_client(1);
	char url[128];
	url_of(s, "/q", url, sizeof url);
	http_response rs;
	err_t e;
	assert_int_equal(get(h, url, "query", &rs, &e), -1);
	assert_int_equal(e.kind, ERR_NETWORK);
	assert_non_null(strstr(e.msg, "response truncated"));
	assert_int_equal(rs.attempts, 2); /* a cut connection is worth one more try */
	http_response_free(&rs);
	http_free(h);
	server_stop(s);
	free(s);
}

static void oversized_body(void **state)
{
	(void)state;
	tserver *s = new_server();
	/* No Content-Length (chunked): the cap must stop the read part way. */
	s->steps[0] = (step){.status = 200, .fill = 64u << 20};
	/* An announced length above the cap is refused before any body byte. */
	s->steps[1] = (step){.status = 200, .body = "{}", .content_length = 50L << 20};
	s->nsteps = 2;
	server_start(s);
	http_client *h = fast_client(2);
	http_options o = *http_get_options(h);
	o.max_body = 1u << 20;
	http_set_options(h, &o);
	char url[128];
	url_of(s, "/big", url, sizeof url);
	http_response rs;
	err_t e;
	assert_int_equal(get(h, url, "GET /big", &rs, &e), -1);
	assert_int_equal(e.kind, ERR_BAD_RESPONSE);
	assert_non_null(strstr(e.msg, "response larger than 1048576 bytes"));
	assert_int_equal(rs.attempts, 1); /* not retried */
	assert_true(rs.len <= (1u << 20));
	assert_true(s->sent_fill < (16u << 20)); /* we stopped reading long before the 64 MiB */
	http_response_free(&rs);
	assert_int_equal(get(h, url, "GET /big", &rs, &e), -1);
	assert_int_equal(e.kind, ERR_BAD_RESPONSE);
	assert_non_null(strstr(e.msg, "response larger than"));
	http_response_free(&rs);
	http_free(h);
	server_stop(s);
	free(s);
}

static void secrets_redacted(void **state)
{
	(void)state;
	const char *key = "ac0ffee5ecret/key+abc";
	tserver *s = new_server();
	/* A server that echoes the key back in plain, JSON-escaped and URL-encoded forms. */
	s->steps[0] =
	    (step){.status = 401,
	           .body = "{\"message\":\"bad key ac0ffee5ecret\\/key+abc or ac0ffee5ecret%2Fkey%2Babc\"}"};
	s->nsteps = 1;
	server_start(s);
	http_client *h = fast_client(0);
	assert_int_equal(http_set_secret(h, 0, key), 0);
	char url[256];
	snprintf(url, sizeof url, "http://127.0.0.1:%d/api/3/users/me?api_key=%s", s->port,
	         "ac0ffee5ecret%2Fkey%2Babc");
	http_response rs;
	err_t e;
	assert_int_equal(get(h, url, "GET /api/3/users/me", &rs, &e), -1);
	assert_int_equal(e.kind, ERR_AUTH);
	assert_null(strstr(e.msg, "ac0ffee5"));
	assert_non_null(strstr(e.msg, REDACT_MARK));
	http_response_free(&rs);
	/* Messages the clients build themselves go through the same filter. */
	http_fail(h, &e, ERR_AUTH, "token", "rejected %s", key);
	assert_string_equal(e.msg, "ActiveCampaign: token: rejected [redacted]");
	http_free(h);
	server_stop(s);
	free(s);
}

static void redact_cases(void **state)
{
	(void)state;
	redactor r = {0};
	assert_int_equal(redact_set(&r, 0, "s3cr3t-T0ken"), 0);
	assert_int_equal(redact_set(&r, 1, "abc"), 0); /* too short to be a secret: ignored */
	char b[64];
	snprintf(b, sizeof b, "a s3cr3t-T0ken b s3cr3t-T0ken abc");
	redact_buf(&r, b, sizeof b);
	assert_string_equal(b, "a [redacted] b [redacted] abc");
	/* A message cut in the middle of the secret loses the cut piece too. */
	snprintf(b, sizeof b, "token was s3cr3t-T0");
	redact_buf(&r, b, sizeof b);
	assert_string_equal(b, "token was [redacted]");
	/* The mark is longer than a short secret: the buffer bound holds. */
	assert_int_equal(redact_set(&r, 2, "k3y!"), 0);
	char small[12];
	snprintf(small, sizeof small, "k3y!k3y!k3y");
	redact_buf(&r, small, sizeof small);
	assert_null(strstr(small, "k3y!"));
	assert_true(strlen(small) < sizeof small);
	/* Rotating a slot forgets the old value. */
	assert_int_equal(redact_set(&r, 0, "newtoken99"), 0);
	snprintf(b, sizeof b, "s3cr3t-T0ken newtoken99");
	redact_buf(&r, b, sizeof b);
	assert_string_equal(b, "s3cr3t-T0ken [redacted]");
	redact_clear(&r);
}

static void plain_http_only_to_loopback(void **state)
{
	(void)state;
	http_client *h = fast_client(3);
	http_response rs;
	err_t e;
	const char *bad[] = {"http://example.com/api/3/users/me", "http://10.0.0.1/x",
	                     "http://127.0.0.1.evil.com/x", "ftp://127.0.0.1/x", "gopher://localhost/"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		assert_int_equal(get(h, bad[i], "GET /x", &rs, &e), -1);
		assert_int_equal(e.kind, ERR_CONFIG);
		http_response_free(&rs);
	}
	assert_non_null(strstr(e.msg, "ActiveCampaign: GET /x: "));
	http_stats st;
	http_get_stats(h, &st);
	assert_int_equal(st.calls, 0); /* nothing went out */
	err_t ue;
	assert_int_equal(http_url_allowed("http://localhost:8080/x", &ue), 0);
	assert_int_equal(http_url_allowed("http://127.1.2.3/x", &ue), 0);
	assert_int_equal(http_url_allowed("http://[::1]:99/x", &ue), 0);
	assert_int_equal(http_url_allowed("https://acct.api-us1.com", &ue), 0);
	assert_int_equal(http_url_allowed("http://example.com", &ue), -1);
	assert_int_equal(ue.kind, ERR_CONFIG);
	http_free(h);
}

static void headers_and_body_sent(void **state)
{
	(void)state;
	tserver *s = new_server();
	s->steps[0] = (step){.status = 200, .body = "{}"};
	s->steps[1] = (step){
	    .status = 201, .body = "{\"ok\":true}", .headers = "Sforce-Limit-Info: api-usage=18/15000\r\n"};
	s->nsteps = 2;
	server_start(s);
	http_client *h = fast_client(0);
	char url[128];
	url_of(s, "/api/3/users/me", url, sizeof url);
	const char *hd1[] = {"Api-Token: k-123456", NULL};
	http_request rq = {.method = "GET", .url = url, .op = "GET /api/3/users/me", .headers = hd1};
	http_response rs;
	err_t e;
	assert_int_equal(http_do(h, &rq, &rs, &e), 0);
	http_response_free(&rs);
	url_of(s, "/services/data/v62.0/composite/sobjects", url, sizeof url);
	const char *hd2[] = {"Authorization: Bearer 00Dxx!tok", NULL};
	const char *body = "{\"allOrNone\":false,\"records\":[]}";
	http_request rq2 = {.method = "PATCH",
	                    .url = url,
	                    .op = "composite",
	                    .headers = hd2,
	                    .body = body,
	                    .body_len = strlen(body)};
	assert_int_equal(http_do(h, &rq2, &rs, &e), 0);
	assert_int_equal(rs.status, 201);
	assert_string_equal(rs.limit_info, "api-usage=18/15000");
	assert_string_equal(rs.content_type, "application/json");
	http_response_free(&rs);

	assert_prefix(s->req[0], "GET /api/3/users/me HTTP/1.1\r\n");
	assert_non_null(strstr(s->req[0], "\r\nApi-Token: k-123456\r\n"));
	assert_non_null(strstr(s->req[0], "\r\nAccept: application/json\r\n"));
	assert_null(strstr(s->req[0], "Authorization"));
	assert_int_equal(strncmp(s->req[1], "PATCH /services/data/v62.0/composite/sobjects HTTP/1.1\r\n", 56),
	                 0);
	assert_non_null(strstr(s->req[1], "\r\nAuthorization: Bearer 00Dxx!tok\r\n"));
	assert_non_null(strstr(s->req[1], "\r\nContent-Type: application/json\r\n"));
	assert_null(strstr(s->req[1], "Api-Token"));
	assert_null(strstr(s->req[1], "Expect:"));
	const char *sent_body = strstr(s->req[1], "\r\n\r\n");
	assert_non_null(sent_body);
	assert_string_equal(sent_body + 4, body);
	http_free(h);
	server_stop(s);
	free(s);
}

static void urlencode(void **state)
{
	(void)state;
	char out[64];
	assert_int_equal(http_urlencode("2024-01-02T03:04:05+01:00", out, sizeof out), 0);
	assert_string_equal(out, "2024-01-02T03%3A04%3A05%2B01%3A00");
	assert_int_equal(http_urlencode("a b&c=d", out, sizeof out), 0);
	assert_string_equal(out, "a%20b%26c%3Dd");
	assert_int_equal(http_urlencode("aaaa", out, 4), -1);
	http_url_origin("https://user:pw@x.example.com:8443/a/b?c=d", out, sizeof out);
	assert_string_equal(out, "https://x.example.com:8443");
}

/* --- the clients on top, against the same scripted server ------------------------------------------- */

static sf_options fast_sf_options(void)
{
	sf_options o;
	sf_options_default(&o);
	o.http.retries = 0;
	o.http.backoff_ms = 10;
	o.lock_retries = 0;
	o.lock_retry_ms = 10;
	o.bulk_poll_ms = 10;
	return o;
}

static char token_body[2][256];

/* The token answers name the scripted server itself as the instance. */
static void token_answers(tserver *s)
{
	snprintf(token_body[0], sizeof token_body[0],
	         "{\"access_token\":\"00Dtok!AAA111\",\"instance_url\":\"http://"
	         "127.0.0.1:%d\",\"token_type\":\"Bearer\"}",
	         s->port);
	snprintf(token_body[1], sizeof token_body[1],
	         "{\"access_token\":\"00Dtok!BBB222\",\"instance_url\":\"http://127.0.0.1:%d/"
	         "\",\"token_type\":\"Bearer\"}",
	         s->port);
}

static sf_client *sf_for(tserver *s, const char *refresh, const sf_options *o)
{
	char login[64];
	url_of(s, "", login, sizeof login);
	sf_config cfg = {.login_url = login,
	                 .client_id = "cid-1",
	                 .client_secret = "csecret-XYZ/+=",
	                 .refresh_token = refresh};
	err_t e;
	sf_client *c = sf_open_opts(&cfg, o, &e);
	assert_non_null(c);
	return c;
}

static const char *body_of(const char *req)
{
	const char *b = strstr(req, "\r\n\r\n");
	return b ? b + 4 : "";
}

static void sf_token_refused(void **state)
{
	(void)state;
	tserver *s = new_server();
	s->steps[0] = (step){
	    .status = 400,
	    .body = "{\"error\":\"invalid_client\",\"error_description\":\"invalid client credentials\"}"};
	s->nsteps = 1;
	server_start(s);
	sf_options o = fast_sf_options();
	sf_client *c = sf_for(s, NULL, &o);
	err_t e;
	assert_int_equal(sf_authenticate(c, &e), -1);
	assert_int_equal(e.kind, ERR_AUTH);
	assert_string_equal(e.msg, "Salesforce: token: invalid_client: invalid client credentials");
	assert_prefix(s->req[0], "POST /services/oauth2/token HTTP/1.1\r\n");
	assert_non_null(strstr(s->req[0], "Content-Type: application/x-www-form-urlencoded"));
	assert_string_equal(
	    body_of(s->req[0]),
	    "grant_type=client_credentials&client_id=cid-1&client_secret=csecret-XYZ%2F%2B%3D");
	sf_close(c);
	server_stop(s);
	free(s);
}

static int count_rec(json_object *rec, void *ud, err_t *e)
{
	char id[32];
	if (sf_rec_str(rec, "Id", id, sizeof id) != 1)
		return err_set(e, ERR_BAD_RESPONSE, "record without a string Id");
	(*(int *)ud)++;
	return 0;
}

static void sf_query_pages_and_refresh(void **state)
{
	(void)state;
	tserver *s = new_server();
	server_start(s);
	token_answers(s);
	s->steps[0] = (step){.status = 200, .body = token_body[0]};
	s->steps[1] = (step){
	    .status = 401,
	    .body = "[{\"message\":\"Session expired or invalid\",\"errorCode\":\"INVALID_SESSION_ID\"}]"};
	s->steps[2] = (step){.status = 200, .body = token_body[1]};
	s->steps[3] = (step){
	    .status = 200,
	    .headers = "Sforce-Limit-Info: api-usage=120/15000\r\n",
	    .body = "{\"totalSize\":3,\"done\":false,\"nextRecordsUrl\":\"/services/data/v62.0/query/"
	            "01gD0-2000\","
	            "\"records\":[{\"attributes\":{\"type\":\"Contact\"},\"Id\":\"003000000000001AAA\"},"
	            "{\"attributes\":{\"type\":\"Contact\"},\"Id\":\"003000000000002AAA\"}]}"};
	s->steps[4] =
	    (step){.status = 200,
	           .headers = "Sforce-Limit-Info: api-usage=121/15000\r\n",
	           .body = "{\"totalSize\":3,\"done\":true,\"records\":[{\"Id\":\"003000000000003AAA\"}]}"};
	s->nsteps = 5;
	sf_options o = fast_sf_options();
	sf_client *c = sf_for(s, "5Aep-refresh-TOKEN", &o);
	int n = 0;
	long total = 0;
	err_t e;
	assert_int_equal(
	    sf_query(c, "SELECT Id FROM Contact WHERE Email = 'a\\'b@x.org'", count_rec, &n, &total, &e), 0);
	assert_int_equal(n, 3);
	assert_int_equal(total, 3);
	/* The refresh_token grant, a 401, one new token, the same query again, then the next page by its
	 * path. */
	assert_non_null(
	    strstr(body_of(s->req[0]), "grant_type=refresh_token&refresh_token=5Aep-refresh-TOKEN"));
	assert_non_null(strstr(s->req[1], "Authorization: Bearer 00Dtok!AAA111\r\n"));
	assert_non_null(strstr(s->req[3], "Authorization: Bearer 00Dtok!BBB222\r\n"));
	assert_prefix(s->req[3], "GET /services/data/v62.0/query?q=SELECT%20Id%20FROM%20Contact%20WHERE");
	assert_prefix(s->req[4], "GET /services/data/v62.0/query/01gD0-2000 HTTP/1.1");
	sf_stats st;
	sf_get_stats(c, &st);
	assert_int_equal(st.token_requests, 2);
	assert_int_equal(st.calls, 5);
	long used, max;
	assert_int_equal(sf_api_usage(c, &used, &max), 0);
	assert_int_equal(used, 121);
	assert_int_equal(max, 15000);
	char want[64];
	url_of(s, "", want, sizeof want);
	assert_string_equal(sf_instance_url(c), want); /* trailing slash dropped */
	sf_close(c);
	server_stop(s);
	free(s);
}

static void sf_second_401_and_bad_next(void **state)
{
	(void)state;
	tserver *s = new_server();
	server_start(s);
	token_answers(s);
	const char *expired =
	    "[{\"message\":\"Session expired or invalid\",\"errorCode\":\"INVALID_SESSION_ID\"}]";
	s->steps[0] = (step){.status = 200, .body = token_body[0]};
	s->steps[1] = (step){.status = 401, .body = expired};
	s->steps[2] = (step){.status = 200, .body = token_body[0]};
	s->steps[3] = (step){.status = 401, .body = expired};
	s->steps[4] = (step){.status = 200,
	                     .body = "{\"totalSize\":9,\"done\":false,\"nextRecordsUrl\":\"https://"
	                             "evil.example.com/steal\",\"records\":[]}"};
	s->steps[5] =
	    (step){.status = 200, .body = "{\"totalSize\":1,\"done\":true,\"records\":[{\"Id\":[1]}]}"};
	s->nsteps = 6;
	sf_options o = fast_sf_options();
	sf_client *c = sf_for(s, NULL, &o);
	int n = 0;
	err_t e;
	assert_int_equal(sf_query(c, "SELECT Id FROM Lead", count_rec, &n, NULL, &e), -1);
	assert_int_equal(e.kind, ERR_AUTH);
	assert_string_equal(
	    e.msg,
	    "Salesforce: query Lead: INVALID_SESSION_ID: Session expired or invalid after token refresh");
	assert_int_equal(sf_query(c, "SELECT Id FROM Lead", count_rec, &n, NULL, &e), -1);
	assert_int_equal(e.kind, ERR_BAD_RESPONSE);
	assert_non_null(strstr(e.msg, "nextRecordsUrl"));
	assert_int_equal(s->served, 5); /* the foreign URL was not followed */
	/* A record of the wrong shape: the callback refuses, the query stops with its error. */
	assert_int_equal(sf_query(c, "SELECT Id FROM Lead", count_rec, &n, NULL, &e), -1);
	assert_string_equal(e.msg, "record without a string Id");
	sf_close(c);
	server_stop(s);
	free(s);
}

static void sf_composite_by_position(void **state)
{
	(void)state;
	tserver *s = new_server();
	server_start(s);
	token_answers(s);
	s->steps[0] = (step){.status = 200, .body = token_body[0]};
	s->steps[1] = (step){
	    .status = 200,
	    .body = "[{\"id\":\"003000000000001AAA\",\"success\":true,\"errors\":[]},"
	            "{\"success\":false,\"errors\":[{\"statusCode\":\"UNABLE_TO_LOCK_ROW\",\"message\":"
	            "\"unable to obtain exclusive access to this record\",\"fields\":[]}]},"
	            "{\"success\":false,\"errors\":[{\"statusCode\":\"CANNOT_UPDATE_CONVERTED_LEAD\","
	            "\"message\":\"cannot reference converted lead\",\"fields\":[]}]}]"};
	s->nsteps = 2;
	sf_options o = fast_sf_options();
	sf_client *c = sf_for(s, NULL, &o);
	sf_update u[3] = {{"Contact", "003000000000001AAA", 1},
	                  {"Contact", "003000000000002AAA", 1},
	                  {"Lead", "00Q000000000003AAA", 0}};
	sf_result r[3];
	err_t e;
	assert_int_equal(sf_update_bool(c, "HasOptedOutOfEmail", u, 3, r, &e), 0);
	assert_int_equal(r[0].status, SF_RES_OK);
	assert_int_equal(r[1].status, SF_RES_RETRY);
	assert_string_equal(r[1].code, "UNABLE_TO_LOCK_ROW");
	assert_int_equal(r[2].status, SF_RES_FAILED);
	assert_string_equal(r[2].code, "CANNOT_UPDATE_CONVERTED_LEAD");
	assert_prefix(s->req[1], "PATCH /services/data/v62.0/composite/sobjects HTTP/1.1");
	assert_string_equal(body_of(s->req[1]), "{\"allOrNone\":false,\"records\":["
	                                        "{\"attributes\":{\"type\":\"Contact\"},\"id\":"
	                                        "\"003000000000001AAA\",\"HasOptedOutOfEmail\":true},"
	                                        "{\"attributes\":{\"type\":\"Contact\"},\"id\":"
	                                        "\"003000000000002AAA\",\"HasOptedOutOfEmail\":true},"
	                                        "{\"attributes\":{\"type\":\"Lead\"},\"id\":"
	                                        "\"00Q000000000003AAA\",\"HasOptedOutOfEmail\":false}]}");
	sf_close(c);
	server_stop(s);
	free(s);

	/* With one lock retry, only the locked record is sent again. */
	s = new_server();
	server_start(s);
	token_answers(s);
	s->steps[0] = (step){.status = 200, .body = token_body[0]};
	s->steps[1] = (step){.status = 200,
	                     .body = "[{\"id\":\"003000000000001AAA\",\"success\":true,\"errors\":[]},"
	                             "{\"success\":false,\"errors\":[{\"statusCode\":\"UNABLE_TO_LOCK_ROW\","
	                             "\"message\":\"locked\"}]},"
	                             "{\"success\":false,\"errors\":[{\"statusCode\":\"CANNOT_UPDATE_"
	                             "CONVERTED_LEAD\",\"message\":\"converted\"}]}]"};
	s->steps[2] =
	    (step){.status = 200, .body = "[{\"id\":\"003000000000002AAA\",\"success\":true,\"errors\":[]}]"};
	s->steps[3] = (step){.status = 200, .body = "[{\"success\":true},{\"success\":true}]"};
	s->nsteps = 4;
	o.lock_retries = 1;
	c = sf_for(s, NULL, &o);
	assert_int_equal(sf_update_bool(c, "HasOptedOutOfEmail", u, 3, r, &e), 0);
	assert_int_equal(r[0].status, SF_RES_OK);
	assert_int_equal(r[1].status, SF_RES_OK);
	assert_int_equal(r[2].status, SF_RES_FAILED);
	assert_non_null(
	    strstr(body_of(s->req[2]),
	           "\"records\":[{\"attributes\":{\"type\":\"Contact\"},\"id\":\"003000000000002AAA\""));
	assert_null(strstr(body_of(s->req[2]), "003000000000001AAA"));
	/* A result list that does not match the request one for one is refused. */
	assert_int_equal(sf_update_bool(c, "HasOptedOutOfEmail", u, 3, r, &e), -1);
	assert_int_equal(e.kind, ERR_BAD_RESPONSE);
	assert_int_equal(r[0].status, SF_RES_NOT_SENT);
	/* Bad input never reaches the wire. */
	sf_update badid = {"Contact", "003'; DROP", 1};
	assert_int_equal(sf_update_bool(c, "HasOptedOutOfEmail", &badid, 1, r, &e), -1);
	assert_int_equal(e.kind, ERR_USAGE);
	assert_int_equal(s->served, 4);
	sf_close(c);
	server_stop(s);
	free(s);
}

static void sf_bulk_job(void **state)
{
	(void)state;
	tserver *s = new_server();
	server_start(s);
	token_answers(s);
	s->steps[0] = (step){.status = 200, .body = token_body[0]};
	/* The Open jobs are listed before the creation (so a lost answer can be told apart). */
	s->steps[1] = (step){.status = 200, .body = "{\"done\":true,\"records\":[]}"};
	s->steps[2] =
	    (step){.status = 200,
	           .body = "{\"id\":\"750000000000001AAA\",\"state\":\"Open\",\"object\":\"Contact\"}"};
	s->steps[3] = (step){.status = 201, .body = NULL};
	s->steps[4] =
	    (step){.status = 200, .body = "{\"id\":\"750000000000001AAA\",\"state\":\"UploadComplete\"}"};
	s->steps[5] =
	    (step){.status = 200, .body = "{\"id\":\"750000000000001AAA\",\"state\":\"InProgress\"}"};
	s->steps[6] = (step){
	    .status = 200,
	    .body = "{\"id\":\"750000000000001AAA\",\"state\":\"JobComplete\",\"numberRecordsFailed\":1}"};
	s->steps[7] = (step){.status = 200,
	                     .body = "\"sf__Id\",\"sf__Error\",Id,HasOptedOutOfEmail\n"
	                             "\"\",\"UNABLE_TO_LOCK_ROW:unable to obtain exclusive access to this "
	                             "record:--\",003000000000002AAA,true\n"};
	s->nsteps = 8;
	sf_options o = fast_sf_options();
	o.bulk_threshold = 2;
	sf_client *c = sf_for(s, NULL, &o);
	sf_update u[3] = {{"Contact", "003000000000001AAA", 1},
	                  {"Contact", "003000000000002AAA", 1},
	                  {"Contact", "003000000000003AAA", 0}};
	sf_result r[3];
	err_t e;
	assert_int_equal(sf_update_bool(c, "HasOptedOutOfEmail", u, 3, r, &e), 0);
	assert_int_equal(r[0].status, SF_RES_OK);
	assert_int_equal(r[1].status, SF_RES_RETRY);
	assert_string_equal(r[1].code, "UNABLE_TO_LOCK_ROW");
	assert_string_equal(r[1].message, "unable to obtain exclusive access to this record:--");
	assert_int_equal(r[2].status, SF_RES_OK);
	assert_prefix(s->req[1], "GET /services/data/v62.0/jobs/ingest?jobType=V2Ingest HTTP/1.1");
	assert_prefix(s->req[2], "POST /services/data/v62.0/jobs/ingest HTTP/1.1");
	assert_non_null(strstr(body_of(s->req[2]), "\"operation\":\"update\""));
	assert_prefix(s->req[3], "PUT /services/data/v62.0/jobs/ingest/750000000000001AAA/batches HTTP/1.1");
	assert_non_null(strstr(s->req[3], "Content-Type: text/csv\r\n"));
	assert_string_equal(body_of(s->req[3]), "Id,HasOptedOutOfEmail\n003000000000001AAA,"
	                                        "true\n003000000000002AAA,true\n003000000000003AAA,false\n");
	assert_prefix(s->req[4], "PATCH /services/data/v62.0/jobs/ingest/750000000000001AAA HTTP/1.1");
	assert_string_equal(body_of(s->req[4]), "{\"state\":\"UploadComplete\"}");
	assert_prefix(s->req[7],
	              "GET /services/data/v62.0/jobs/ingest/750000000000001AAA/failedResults/ HTTP/1.1");
	assert_non_null(strstr(s->req[7], "Accept: text/csv\r\n"));
	sf_close(c);
	server_stop(s);
	free(s);
}

static void sf_describe_and_limits(void **state)
{
	(void)state;
	tserver *s = new_server();
	server_start(s);
	token_answers(s);
	s->steps[0] = (step){.status = 200, .body = token_body[0]};
	s->steps[1] = (step){
	    .status = 200,
	    .body = "{\"name\":\"Lead\",\"fields\":[{\"name\":\"Id\",\"type\":\"id\",\"updateable\":false},"
	            "{\"name\":\"HasOptedOutOfEmail\",\"type\":\"boolean\",\"updateable\":true}]}"};
	s->steps[2] = (step){.status = 200, .body = "{\"name\":\"Lead\",\"fields\":\"oops\"}"};
	s->steps[3] =
	    (step){.status = 200, .body = "{\"DailyApiRequests\":{\"Max\":15000,\"Remaining\":14000}}"};
	s->nsteps = 4;
	sf_options o = fast_sf_options();
	sf_client *c = sf_for(s, NULL, &o);
	sf_field_info fi;
	err_t e;
	assert_int_equal(sf_describe_field(c, "Lead", "HasOptedOutOfEmail", &fi, &e), 0);
	assert_int_equal(fi.found, 1);
	assert_int_equal(fi.updateable, 1);
	assert_string_equal(fi.type, "boolean");
	assert_prefix(s->req[1], "GET /services/data/v62.0/sobjects/Lead/describe HTTP/1.1");
	assert_int_equal(sf_describe_field(c, "Lead", "HasOptedOutOfEmail", &fi, &e), -1);
	assert_int_equal(e.kind, ERR_BAD_RESPONSE);
	long max, rem;
	assert_int_equal(sf_limits(c, &max, &rem, &e), 0);
	assert_int_equal(max, 15000);
	assert_int_equal(rem, 14000);
	assert_int_equal(sf_describe_field(c, "Lead/../x", "HasOptedOutOfEmail", &fi, &e), -1);
	assert_int_equal(e.kind, ERR_USAGE);
	sf_close(c);
	server_stop(s);
	free(s);
}

/* The SOQL of a GET /query request, URL-decoded ("" when the request is something else). */
static void soql_of(const char *req, char *out, size_t n)
{
	const char *q = strstr(req, "/query?q=");
	size_t o = 0;
	if (q)
		for (q += 9; *q && *q != ' ' && o + 1 < n; q++) {
			unsigned v;
			if (*q == '%' && sscanf(q + 1, "%2x", &v) == 1) {
				out[o++] = (char)v;
				q += 2;
			} else {
				out[o++] = *q == '+' ? ' ' : *q;
			}
		}
	out[o] = '\0';
}

typedef struct {
	sf_record r[4];
	int n;
} rec_bag;

static int keep_rec(const sf_record *r, void *ud, err_t *e)
{
	(void)e;
	rec_bag *b = ud;
	if (b->n < 4)
		b->r[b->n++] = *r;
	return 0;
}

typedef struct {
	sf_box_change ch[4];
	int n;
} change_bag;

static int keep_change(const sf_box_change *ch, void *ud, err_t *e)
{
	(void)e;
	change_bag *b = ud;
	if (b->n < 4)
		b->ch[b->n++] = *ch;
	return 0;
}

/* The typed reads: the SOQL each sends (exactly what the engine always sent), paging, the records
 * handed over, a bad record failing the read, history's rows and its INVALID_TYPE. */
static void sf_typed_reads(void **state)
{
	(void)state;
	tserver *s = new_server();
	server_start(s);
	token_answers(s);
	s->steps[0] = (step){.status = 200, .body = token_body[0]};
	s->steps[1] = (step){
	    .status = 200,
	    .body =
	        "{\"totalSize\":2,\"done\":false,\"nextRecordsUrl\":\"/services/data/v62.0/query/01gX-1\","
	        "\"records\":[{\"Id\":\"003000000000001AAA\",\"Email\":\"A@x.org\",\"HasOptedOutOfEmail\":"
	        "true,"
	        "\"SystemModstamp\":\"2026-01-02T03:04:05.000+0000\"}]}"};
	s->steps[2] =
	    (step){.status = 200,
	           .body = "{\"totalSize\":2,\"done\":true,\"records\":[{\"Id\":\"003000000000002AAA\","
	                   "\"HasOptedOutOfEmail\":false,\"FirstName\":\"Bo\"}]}"};
	s->steps[3] =
	    (step){.status = 200,
	           .body = "{\"totalSize\":1,\"done\":true,\"records\":[{\"Id\":\"00Q000000000003AAA\","
	                   "\"IsConverted\":true,\"ConvertedContactId\":\"003000000000002AAA\"}]}"};
	s->steps[4] =
	    (step){.status = 200,
	           .body = "{\"totalSize\":1,\"done\":true,\"records\":[{\"Id\":\"003000000000002AAA\","
	                   "\"HasOptedOutOfEmail\":\"maybe\"}]}"};
	s->steps[5] =
	    (step){.status = 200,
	           .body = "{\"totalSize\":3,\"done\":true,\"records\":["
	                   "{\"LeadId\":\"00Q000000000003AAA\",\"CreatedDate\":\"2026-01-02T03:04:05.000+"
	                   "0000\",\"NewValue\":true},"
	                   "{\"LeadId\":\"00Q000000000003AAA\",\"CreatedDate\":\"2026-01-01T03:04:05.000+"
	                   "0000\",\"NewValue\":\"odd\"},"
	                   "{\"CreatedDate\":\"2026-01-01T03:04:05.000+0000\",\"NewValue\":false}]}"};
	s->steps[6] = (step){.status = 400,
	                     .body = "[{\"message\":\"sObject type 'ContactHistory' is not supported.\","
	                             "\"errorCode\":\"INVALID_TYPE\"}]"};
	s->steps[7] =
	    (step){.status = 500, .body = "[{\"message\":\"boom\",\"errorCode\":\"UNKNOWN_EXCEPTION\"}]"};
	s->nsteps = 8;
	sf_options o = fast_sf_options();
	sf_client *c = sf_for(s, NULL, &o);
	err_t e;
	char soql[2048];
	int64_t since;
	assert_int_equal(timefmt_parse("2026-01-02T03:04:05.678Z", &since), 0);

	rec_bag b = {0};
	assert_int_equal(sf_read_changed(c, SF_CONTACT, since, keep_rec, &b, &e), 0);
	soql_of(s->req[1], soql, sizeof soql);
	assert_string_equal(soql, "SELECT Id, Email, HasOptedOutOfEmail, FirstName, LastName, CreatedDate, "
	                          "SystemModstamp FROM Contact WHERE SystemModstamp >= 2026-01-02T03:04:05Z "
	                          "ORDER BY SystemModstamp");
	assert_prefix(s->req[2], "GET /services/data/v62.0/query/01gX-1 HTTP/1.1");
	assert_int_equal(b.n, 2);
	assert_string_equal(b.r[0].id, "003000000000001AAA");
	assert_string_equal(b.r[0].email, "A@x.org");
	assert_int_equal(b.r[0].opted_out, 1);
	assert_string_equal(b.r[0].modstamp, "2026-01-02T03:04:05.000+0000");
	assert_int_equal(b.r[1].opted_out, 0);
	assert_string_equal(b.r[1].first_name, "Bo");
	assert_int_equal(b.r[1].object, SF_CONTACT);

	/* A hostile address: escaped into one literal. */
	b.n = 0;
	assert_int_equal(sf_read_by_email(c, SF_LEAD, "o'brien\\' OR Id != '@x.org", keep_rec, &b, &e), 0);
	soql_of(s->req[3], soql, sizeof soql);
	assert_string_equal(soql, "SELECT Id, Email, HasOptedOutOfEmail, FirstName, LastName, CreatedDate, "
	                          "SystemModstamp, IsConverted, ConvertedContactId FROM Lead WHERE Email = "
	                          "'o\\'brien\\\\\\' OR Id != \\'@x.org' ORDER BY SystemModstamp");
	assert_int_equal(b.n, 1);
	assert_int_equal(b.r[0].object, SF_LEAD);
	assert_int_equal(b.r[0].is_converted, 1);
	assert_string_equal(b.r[0].converted_contact_id, "003000000000002AAA");

	/* A record whose box is not a boolean fails the read, naming it. */
	b.n = 0;
	assert_int_equal(sf_read_by_id(c, SF_CONTACT, "003000000000002AAA", keep_rec, &b, &e), -1);
	assert_int_equal(e.kind, ERR_BAD_RESPONSE);
	assert_string_equal(e.msg, "Salesforce: query Contact: HasOptedOutOfEmail is not a boolean");
	assert_int_equal(b.n, 0);
	soql_of(s->req[4], soql, sizeof soql);
	assert_string_equal(soql, "SELECT Id, Email, HasOptedOutOfEmail, FirstName, LastName, CreatedDate, "
	                          "SystemModstamp FROM Contact WHERE Id = '003000000000002AAA' ORDER BY "
	                          "SystemModstamp");

	/* History: an id that is no Salesforce id is not asked about; unusable rows are skipped. */
	const char *ids[] = {"00Q000000000003AAA", "x') OR Id != ('", "00Q000000000004AAA"};
	change_bag cb = {0};
	assert_int_equal(sf_read_box_history(c, SF_LEAD, ids, 3, keep_change, &cb, &e), 0);
	soql_of(s->req[5], soql, sizeof soql);
	assert_string_equal(soql,
	                    "SELECT LeadId, CreatedDate, NewValue FROM LeadHistory WHERE Field = "
	                    "'HasOptedOutOfEmail' AND LeadId IN ('00Q000000000003AAA','00Q000000000004AAA') "
	                    "ORDER BY CreatedDate DESC");
	assert_int_equal(cb.n, 1);
	assert_string_equal(cb.ch[0].id, "00Q000000000003AAA");
	assert_int_equal(cb.ch[0].opted_out, 1);
	int64_t at;
	assert_int_equal(timefmt_parse("2026-01-02T03:04:05Z", &at), 0);
	assert_true(cb.ch[0].at_ms == at);
	/* No history tracking: 1, and the cause in e. Another failure: -1. */
	const char *cids[] = {"003000000000001AAA"};
	assert_int_equal(sf_read_box_history(c, SF_CONTACT, cids, 1, keep_change, &cb, &e), 1);
	assert_non_null(strstr(e.msg, "INVALID_TYPE"));
	assert_int_equal(sf_read_box_history(c, SF_CONTACT, cids, 1, keep_change, &cb, &e), -1);
	assert_int_equal(e.kind, ERR_SERVER);
	/* Nothing to ask (no valid id) or too much: no call. */
	const char *bad[] = {"nope"};
	assert_int_equal(sf_read_box_history(c, SF_CONTACT, bad, 1, keep_change, &cb, &e), 0);
	const char *many[SF_HISTORY_IDS_MAX + 1];
	for (size_t i = 0; i <= SF_HISTORY_IDS_MAX; i++)
		many[i] = "003000000000001AAA";
	assert_int_equal(
	    sf_read_box_history(c, SF_CONTACT, many, SF_HISTORY_IDS_MAX + 1, keep_change, &cb, &e), -1);
	assert_int_equal(e.kind, ERR_USAGE);
	assert_int_equal(s->served, 8);
	sf_close(c);
	server_stop(s);
	free(s);
}

static void soql_escape(void **state)
{
	(void)state;
	char out[64];
	assert_int_equal(sf_soql_escape("o'brien\\x\n\"q\"", out, sizeof out), 0);
	assert_string_equal(out, "o\\'brien\\\\x\\n\\\"q\\\"");
	assert_int_equal(sf_soql_escape("plain@example.com", out, sizeof out), 0);
	assert_string_equal(out, "plain@example.com");
	assert_int_equal(sf_soql_escape("''''", out, 8), -1);
}

static void pkce(void **state)
{
	(void)state;
	sf_config cfg = {
	    .login_url = "https://login.salesforce.com/", .client_id = "3MVG9 id", .client_secret = "x"};
	sf_pkce p, q;
	err_t e;
	assert_int_equal(sf_pkce_begin(&cfg, "https://optsync.example.org/setup/sf/callback", &p, &e), 0);
	assert_int_equal(sf_pkce_begin(&cfg, "https://optsync.example.org/setup/sf/callback", &q, &e), 0);
	assert_int_equal(strlen(p.verifier), 43);
	assert_true(strlen(p.state) >= 32);
	assert_string_not_equal(p.verifier, q.verifier);
	assert_string_not_equal(p.state, q.state);
	unsigned char d[crypto_hash_sha256_BYTES];
	char ch[64], want[1024];
	crypto_hash_sha256(d, (const unsigned char *)p.verifier, strlen(p.verifier));
	sodium_bin2base64(ch, sizeof ch, d, sizeof d, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	snprintf(
	    want, sizeof want,
	    "https://login.salesforce.com/services/oauth2/authorize?response_type=code&client_id=3MVG9%%20id"
	    "&redirect_uri=https%%3A%%2F%%2Foptsync.example.org%%2Fsetup%%2Fsf%%2Fcallback&state=%s"
	    "&code_challenge=%s&code_challenge_method=S256",
	    p.state, ch);
	assert_string_equal(p.url, want);
	assert_null(strstr(p.url, p.verifier));
	assert_true(sf_pkce_state_ok(p.state, p.state));
	assert_false(sf_pkce_state_ok(p.state, q.state));
	assert_false(sf_pkce_state_ok(p.state, ""));
	assert_false(sf_pkce_state_ok("", ""));
	assert_int_equal(sf_pkce_begin(&cfg, "http://example.com/cb", &p, &e), -1);
	assert_int_equal(e.kind, ERR_CONFIG);
}

static void pkce_exchange(void **state)
{
	(void)state;
	tserver *s = new_server();
	server_start(s);
	char ok[300];
	snprintf(ok, sizeof ok,
	         "{\"access_token\":\"00Dx!tok\",\"refresh_token\":\"5Aep861-new-refresh\",\"instance_url\":"
	         "\"http://127.0.0.1:%d\"}",
	         s->port);
	s->steps[0] = (step){.status = 200, .body = ok};
	s->steps[1] = (step){
	    .status = 400,
	    .body = "{\"error\":\"invalid_grant\",\"error_description\":\"invalid authorization code\"}"};
	s->nsteps = 2;
	sf_options o = fast_sf_options();
	sf_client *c = sf_for(s, NULL, &o);
	char rt[128];
	err_t e;
	assert_int_equal(sf_pkce_exchange(c, "aPrxCODE==", "http://127.0.0.1/cb", "verifier-0123456789", rt,
	                                  sizeof rt, &e),
	                 0);
	assert_string_equal(rt, "5Aep861-new-refresh");
	assert_string_equal(body_of(s->req[0]),
	                    "grant_type=authorization_code&code=aPrxCODE%3D%3D&client_id=cid-1&client_secret="
	                    "csecret-XYZ%2F%2B%3D"
	                    "&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcb&code_verifier=verifier-0123456789");
	assert_int_equal(sf_pkce_exchange(c, "aPrxCODE==", "http://127.0.0.1/cb", "verifier-0123456789", rt,
	                                  sizeof rt, &e),
	                 -1);
	assert_int_equal(e.kind, ERR_AUTH);
	assert_string_equal(e.msg, "Salesforce: token: invalid_grant: invalid authorization code");
	sf_close(c);
	server_stop(s);
	free(s);
}

static ac_client *ac_for(tserver *s)
{
	char base[64];
	url_of(s, "/api/3/", base, sizeof base);
	ac_options o;
	ac_options_default(&o);
	o.http.retries = 0;
	err_t e;
	ac_client *c = ac_open_opts(base, "ac-KEY-0123456789", NULL, &o, &e);
	assert_non_null(c);
	return c;
}

static int collect_ids(const ac_contact *ct, void *ud, err_t *e)
{
	long *last = ud;
	long id = strtol(ct->id, NULL, 10);
	if (id != *last + 1)
		return err_set(e, ERR_INTERNAL, "id %ld after %ld", id, *last);
	*last = id;
	return 0;
}

static void ac_calls_and_paging(void **state)
{
	(void)state;
	tserver *s = new_server();
	/* A full page of 100 contacts, then one more. */
	size_t cap = 100 * 200 + 200, len = 0;
	char *page1 = malloc(cap);
	len += (size_t)snprintf(page1 + len, cap - len, "{\"contacts\":[");
	for (int i = 1; i <= 100; i++)
		len += (size_t)snprintf(
		    page1 + len, cap - len,
		    "%s{\"id\":\"%d\",\"email\":\"p%d@example.org\",\"udate\":\"2024-01-02T03:04:05-05:00\","
		    "\"bounced_hard\":\"0\",\"firstName\":null}",
		    i > 1 ? "," : "", i, i);
	snprintf(page1 + len, cap - len, "],\"meta\":{\"total\":\"101\"}}");
	s->steps[0] = (step){.status = 200, .body = "{\"user\":{\"username\":\"admin\",\"id\":\"1\"}}"};
	s->steps[1] = (step){.status = 200, .body = page1};
	s->steps[2] = (step){.status = 200,
	                     .body = "{\"contacts\":[{\"id\":\"101\",\"email\":\"last@example.org\","
	                             "\"bounced_hard\":\"2\"}],\"meta\":{\"total\":\"101\"}}"};
	s->steps[3] = (step){.status = 200,
	                     .body = "{\"contacts\":[{\"id\":\"7\",\"email\":[\"not\",\"a "
	                             "string\"]}],\"meta\":{\"total\":\"1\"}}"};
	s->steps[4] =
	    (step){.status = 200,
	           .body = "{\"contacts\":[{\"id\":\"9\"},{\"id\":\"8\"}],\"meta\":{\"total\":\"2\"}}"};
	s->steps[5] = (step){.status = 200, .body = "{\"contactList\":{\"id\":\"5\"},\"contacts\":[]}"};
	s->steps[6] = (step){.status = 200,
	                     .body = "{\"contactLists\":[{\"contact\":\"7\",\"list\":\"1\",\"status\":\"1\","
	                             "\"id\":\"11\",\"udate\":\"2024-01-02T03:04:05-05:00\"},"
	                             "{\"contact\":\"7\",\"list\":\"2\",\"status\":2,\"id\":\"12\"}]}"};
	s->nsteps = 7;
	server_start(s);
	ac_client *c = ac_for(s);
	char user[64];
	err_t e;
	assert_int_equal(ac_users_me(c, user, sizeof user, &e), 0);
	assert_string_equal(user, "admin");
	assert_prefix(s->req[0], "GET /api/3/users/me HTTP/1.1\r\n");
	assert_non_null(strstr(s->req[0], "\r\nApi-Token: ac-KEY-0123456789\r\n"));

	long last = 0, total = 0;
	assert_int_equal(
	    ac_contacts_updated_since(c, "2024-01-02T03:04:05-05:00", collect_ids, &last, &total, &e), 0);
	assert_int_equal(last, 101);
	assert_int_equal(total, 101);
	assert_non_null(
	    strstr(s->req[1], "GET /api/3/contacts?filters%5Bupdated_after%5D=2024-01-02T03%3A04%3A05-05%3A00"
	                      "&orders%5Bid%5D=ASC&id_greater=0&limit=100 HTTP/1.1"));
	assert_non_null(strstr(s->req[2], "&id_greater=100&limit=100 HTTP/1.1"));

	/* Wrong types and out-of-order ids are bad responses, not crashes or endless loops. */
	last = 6;
	assert_int_equal(ac_contacts_of_list(c, "3", 1, collect_ids, &last, NULL, &e), -1);
	assert_int_equal(e.kind, ERR_BAD_RESPONSE);
	assert_string_equal(e.msg, "ActiveCampaign: GET /api/3/contacts: unexpected response: bad \"email\"");
	assert_non_null(strstr(s->req[3], "GET /api/3/contacts?listid=3&status=1&orders%5Bid%5D=ASC"));
	last = 8;
	assert_int_equal(ac_contacts_updated_since(c, NULL, collect_ids, &last, NULL, &e), -1);
	assert_int_equal(e.kind, ERR_BAD_RESPONSE);

	assert_int_equal(ac_contact_list_set(c, "7", "3", 2, &e), 0);
	assert_string_equal(body_of(s->req[5]),
	                    "{\"contactList\":{\"list\":\"3\",\"contact\":\"7\",\"status\":\"2\"}}");

	ac_contact_list *cl;
	size_t n;
	assert_int_equal(ac_contact_lists(c, "7", &cl, &n, &e), 0);
	assert_int_equal(n, 2);
	assert_int_equal(cl[0].status, 1);
	assert_int_equal(cl[1].status, 2);
	assert_string_equal(cl[1].list, "2");
	free(cl);
	assert_int_equal(ac_contact_lists(c, "7/../../x", &cl, &n, &e), -1);
	assert_int_equal(e.kind, ERR_USAGE);
	assert_null(cl);

	ac_stats st;
	ac_get_stats(c, &st);
	assert_int_equal(st.calls, 7);
	ac_close(c);
	server_stop(s);
	free(s);
	free(page1);
}

static void ac_rate_setting(void **state)
{
	(void)state;
	ac_options o;
	ac_options_default(&o);
	assert_int_equal(o.rate.max_starts, 5);
	assert_int_equal(o.rate.window_ms + o.rate.slack_ms, 1100);
	ac_options_rate(&o, 4.5); /* the setting's default: 5 per 1.111 s */
	assert_int_equal(o.rate.window_ms, 1000);
	assert_int_equal(o.rate.slack_ms, 111);
	ac_options_rate(&o, 5); /* never closer than 100 ms to AC's own limit */
	assert_int_equal(o.rate.slack_ms, 100);
	ac_options_rate(&o, 1);
	assert_int_equal(o.rate.slack_ms, 4000);
	ac_options_rate(&o, 50); /* out of range: clamped */
	assert_int_equal(o.rate.slack_ms, 100);
}

static void ac_tags_and_errors(void **state)
{
	(void)state;
	tserver *s = new_server();
	/* "contains" search finds a longer name: not a match, so the tag is created. */
	s->steps[0] = (step){.status = 200,
	                     .body = "{\"tags\":[{\"id\":\"4\",\"tag\":\"added-to-salesforce-lead-old\","
	                             "\"tagType\":\"contact\"}],\"meta\":{\"total\":\"1\"}}"};
	s->steps[1] = (step){
	    .status = 201,
	    .body = "{\"tag\":{\"id\":\"16\",\"tag\":\"added-to-salesforce-lead\",\"tagType\":\"contact\"}}"};
	s->steps[2] = (step){
	    .status = 200,
	    .body =
	        "{\"tags\":[{\"id\":\"16\",\"tag\":\"Added-To-Salesforce-Lead\",\"tagType\":\"contact\"}]}"};
	s->steps[3] =
	    (step){.status = 404, .body = "{\"message\":\"No Result found for Subscriber with id 121\"}"};
	s->steps[4] = (step){
	    .status = 422,
	    .body = "{\"errors\":[{\"title\":\"Missing attribute\",\"detail\":\"contact\",\"source\":{}}]}"};
	s->steps[5] = (step){
	    .status = 200,
	    .body =
	        "{\"webhooks\":[{\"id\":\"1\",\"name\":\"optsync\",\"url\":\"https://x/hooks/activecampaign/"
	        "s\",\"events\":[\"subscribe\",\"unsubscribe\"],\"sources\":[\"public\",\"system\"],"
	        "\"listid\":\"0\"}],\"meta\":{\"total\":\"1\"}}"};
	s->nsteps = 6;
	server_start(s);
	ac_client *c = ac_for(s);
	ac_tag t;
	int created;
	err_t e;
	assert_int_equal(ac_tag_ensure(c, "added-to-salesforce-lead", "optsync", &t, &created, &e), 0);
	assert_int_equal(created, 1);
	assert_string_equal(t.id, "16");
	assert_non_null(
	    strstr(s->req[0], "GET /api/3/tags?filters%5Bsearch%5D%5Beq%5D=added-to-salesforce-lead&filters%5Btag_type%5D=contact&limit=100&offset=0 HTTP/1.1"));
	assert_string_equal(body_of(s->req[1]), "{\"tag\":{\"tag\":\"added-to-salesforce-lead\",\"tagType\":"
	                                        "\"contact\",\"description\":\"optsync\"}}");
	assert_int_equal(ac_tag_ensure(c, "added-to-salesforce-lead", "optsync", &t, &created, &e), 0);
	assert_int_equal(created, 0);
	ac_bounce_log *b;
	size_t n;
	assert_int_equal(ac_bounce_logs(c, "121", &b, &n, &e), -1);
	assert_int_equal(e.kind, ERR_NOT_FOUND);
	assert_string_equal(e.msg, "ActiveCampaign: GET /api/3/contacts/121/bounceLogs: No Result found for "
	                           "Subscriber with id 121 (HTTP 404)");
	assert_int_equal(ac_contact_tag_add(c, "7", "16", &e), -1);
	assert_int_equal(e.kind, ERR_INVALID_REQUEST);
	assert_non_null(strstr(e.msg, "Missing attribute: contact (HTTP 422)"));
	ac_webhook *w;
	assert_int_equal(ac_webhooks(c, &w, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_string_equal(w[0].events, "subscribe,unsubscribe");
	free(w);
	ac_close(c);
	server_stop(s);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(refused_connection),
	    cmocka_unit_test(total_timeout),
	    cmocka_unit_test(rate_limited_then_ok),
	    cmocka_unit_test(rate_limited_capped_and_exhausted),
	    cmocka_unit_test(server_error_then_ok),
	    cmocka_unit_test(server_error_exhausted_and_no_retry),
	    cmocka_unit_test(malformed_and_truncated_json),
	    cmocka_unit_test(json_helpers),
	    cmocka_unit_test(truncated_body),
	    cmocka_unit_test(oversized_body),
	    cmocka_unit_test(secrets_redacted),
	    cmocka_unit_test(redact_cases),
	    cmocka_unit_test(plain_http_only_to_loopback),
	    cmocka_unit_test(headers_and_body_sent),
	    cmocka_unit_test(urlencode),
	    cmocka_unit_test(sf_token_refused),
	    cmocka_unit_test(sf_query_pages_and_refresh),
	    cmocka_unit_test(sf_second_401_and_bad_next),
	    cmocka_unit_test(sf_composite_by_position),
	    cmocka_unit_test(sf_bulk_job),
	    cmocka_unit_test(sf_describe_and_limits),
	    cmocka_unit_test(soql_escape),
	    cmocka_unit_test(sf_typed_reads),
	    cmocka_unit_test(pkce),
	    cmocka_unit_test(pkce_exchange),
	    cmocka_unit_test(ac_calls_and_paging),
	    cmocka_unit_test(ac_tags_and_errors),
	    cmocka_unit_test(ac_rate_setting),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
