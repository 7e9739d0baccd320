/* cmd_sync.c - `optsync sync`, `optsync resync --email`, `optsync daemon`: the sync core on demand
 * and on a timer. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "logline.h"
#include "plan_summary.h"
#include "rules.h"
#include "settings.h"
#include "store_log.h"
#include "store_sync.h"
#include "stream.h"
#include "sync.h"
#include "timefmt.h"
#include "webhook_wake.h"

/* On a terminal, one line rewritten in place; piped or under the daemon nothing but the summary. */
static void show_progress(const sync_progress *p, void *arg)
{
	FILE *f = arg;
	if (p->total > 0)
		fprintf(f, "\r\033[K%s: %ld people read, %ld/%ld applied", p->phase, p->people, p->applied,
		        p->total);
	else
		fprintf(f, "\r\033[K%s: %ld people read", p->phase, p->people);
	fflush(f);
}

typedef struct {
	FILE *out;
	char *lines[1000];
	size_t n;
	int more;
} plan_out;

static int collect_plan(const log_entry *l, void *arg)
{
	plan_out *po = arg;
	if (po->n == sizeof po->lines / sizeof po->lines[0]) {
		po->more = 1;
		return 1;
	}
	char buf[1200];
	snprintf(buf, sizeof buf, "plan: %-6s %-7s %-11s %s %s %s: %s", rules_direction_name(l->direction),
	         action_status_name(l->status), rules_action_name(l->action), l->email, l->object, l->record,
	         l->reason);
	po->lines[po->n++] = strdup(buf);
	return 0;
}

/* The same summary the dashboard's preview leads with (plan_summary.h). */
static void print_plan_summary(FILE *out, store *s, int64_t run)
{
	plan_summary ps;
	err_t e = {0};
	if (plan_summary_read(s, run, &ps, &e) < 0) {
		fprintf(out, "(no summary: %s)\n", e.msg);
		return;
	}
	fprintf(out, "what changes for people:%s\n",
	        ps.people_changes || ps.kind[PLAN_SKIP].changes ? "" : " nothing");
	for (int k = 0; k < PLAN_KINDS; k++) {
		const plan_group *g = &ps.kind[k];
		if (!g->changes)
			continue;
		fprintf(out, "  %s: %d %s%s for %d %s:", g->label, g->changes, g->unit,
		        g->changes == 1 ? "" : "s", g->people, g->people == 1 ? "person" : "people");
		for (int i = 0; i < g->n_names; i++)
			fprintf(out, "%s %s", i ? "," : "", g->names[i]);
		if (plan_group_more(g))
			fprintf(out, " and %d more", plan_group_more(g));
		fputc('\n', out);
	}
	if (ps.tags + ps.links + ps.other)
		fprintf(out, "  bookkeeping (nobody's email changes): %d tags, %d links%s\n", ps.tags,
		        ps.links, ps.other ? ", and other rows" : "");
}

/* The kind of error the last run_once met (ERR_LOCKED: another run held the lock). */
static err_kind last_kind;

static int run_once(cli_ctx *c, store *s, sync_options *o, int quiet_progress)
{
	char rate[1100];
	cli_var_path(c, "ac-rate.lock", rate, sizeof rate);
	o->rate_file = rate;
	int tty = !quiet_progress && c->err == stderr && isatty(fileno(stderr));
	if (tty) {
		o->progress = show_progress;
		o->progress_arg = c->err;
	}
	sync_summary sm;
	err_t e = {0};
	int rc = sync_run(s, o, &sm, &e);
	last_kind = e.kind;
	if (tty)
		fprintf(c->err, "\r\033[K");
	char line[600];
	if (o->dry_run && sm.run_id) {
		/* The plan: what the run would write, one line each, oldest first. */
		plan_out po = {.out = c->out};
		log_filter f = {.run = sm.run_id, .limit = 1000};
		err_t le = {0};
		store_log_query(s, &f, collect_plan, &po, &le);
		for (size_t i = po.n; i > 0; i--)
			fprintf(c->out, "%s\n", po.lines[i - 1]);
		if (po.more)
			fprintf(c->out, "(and more: optsync log --json shows the whole plan of run %lld)\n",
			        (long long)sm.run_id);
		for (size_t i = 0; i < po.n; i++)
			free(po.lines[i]);
		print_plan_summary(c->out, s, sm.run_id);
	}
	if (strcmp(sm.status, "locked") != 0) {
		sync_summary_line(&sm, line, sizeof line);
		fprintf(c->out, "%s\n", line);
		fflush(c->out);
	}
	if (rc < 0)
		return cli_fail(c, &e);
	return CLI_OK;
}

int cmd_sync(cli_ctx *c, int argc, char **argv)
{
	if (cli_wants_help(argc, argv))
		return cli_help(c, "sync");
	static const struct option o[] = {
	    {"dry-run", no_argument, NULL, 'n'}, {"full", no_argument, NULL, 'f'}, {NULL, 0, NULL, 0}};
	sync_options so = {.trigger = "cli"};
	int ch;
	while ((ch = getopt_long(argc, argv, "", o, NULL)) != -1) {
		if (ch == 'n')
			so.dry_run = 1;
		else if (ch == 'f')
			so.full = 1;
		else
			return cli_usage(c, "sync");
	}
	if (optind != argc)
		return cli_usage(c, "sync");
	store *s;
	if (cli_open_store(c, &s) < 0)
		return CLI_FAIL;
	int rc = run_once(c, s, &so, 0);
	store_close(s);
	return rc;
}

int cmd_resync(cli_ctx *c, int argc, char **argv)
{
	if (cli_wants_help(argc, argv))
		return cli_help(c, "resync");
	static const struct option o[] = {{"email", required_argument, NULL, 'e'}, {NULL, 0, NULL, 0}};
	const char *email = NULL;
	int ch;
	while ((ch = getopt_long(argc, argv, "", o, NULL)) != -1) {
		if (ch == 'e')
			email = optarg;
		else
			return cli_usage(c, "resync");
	}
	if (!email || optind != argc)
		return cli_usage(c, "resync");
	char norm[RULES_EMAIL_MAX + 1];
	err_t e = {0};
	if (rules_normalize_email(email, norm, sizeof norm, &e) < 0) {
		fprintf(c->err, "optsync: resync: --email: %s\n", e.msg);
		return CLI_USAGE;
	}
	store *s;
	if (cli_open_store(c, &s) < 0)
		return CLI_FAIL;
	sync_options so = {.trigger = "resync", .email = norm};
	int rc = run_once(c, s, &so, 0);
	store_close(s);
	return rc;
}

static volatile sig_atomic_t stop_requested;

/* The daemon's webhook wake-up as a targeted run (trigger webhook) for the people the pending
 * events name: 1 when it ran and finished ok, 0 when it ran and did not (or the lock was held), -1
 * when it must be a poll run instead (poll_why says why). handled_upto is the newest event of the
 * last targeted run that finished ok: an older one still pending was not applied by it, and goes to
 * a poll run rather than round the same targeted run again. */
static int webhook_run(cli_ctx *c, store *s, int64_t *handled_upto, char *poll_why, size_t why_n)
{
	static webhook_wake w; /* 50 KB of addresses: off the stack */
	webhook_wake_init(&w);
	err_t e = {0};
	int gathered = webhook_wake_gather(s, &w, &e);
	if (gathered == 0 && w.events == 0)
		return 1; /* applied meanwhile by another run: nothing to do */
	if (gathered < 0)
		snprintf(poll_why, why_n, "%s", e.msg);
	else if (w.poll)
		snprintf(poll_why, why_n, "%s", w.why);
	else if (w.first_id <= *handled_upto)
		snprintf(poll_why, why_n, "event %lld outlived the targeted run for it",
		         (long long)w.first_id);
	else
		poll_why[0] = '\0';
	if (poll_why[0])
		return -1;
	const char *emails[WEBHOOK_WAKE_PEOPLE];
	for (size_t i = 0; i < w.n; i++)
		emails[i] = w.emails[i];
	sync_options so = {.trigger = "webhook", .emails = emails, .n_emails = w.n};
	char pre[48];
	fprintf(c->out,
	        "%swebhook: %ld event(s), %zu person(s): ", logline_prefix(LOGLINE_INFO, pre, sizeof pre),
	        w.events, w.n);
	int ok = run_once(c, s, &so, 1) == CLI_OK;
	if (last_kind == ERR_LOCKED)
		fprintf(c->out, "a run holds the lock; the events wait for the next run\n");
	fflush(c->out);
	if (ok)
		*handled_upto = w.last_id;
	return ok;
}

/* The timer's interval: --interval, else the setting. */
static long every_default(cli_ctx *c, store *s, long interval)
{
	(void)c;
	if (interval)
		return interval;
	char v[32];
	err_t e = {0};
	return store_setting_get(s, "interval", v, sizeof v, settings_find("interval")->def, &e) >= 0
	           ? atol(v)
	           : 300;
}

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void on_hup(int sig)
{
	(void)sig;
	logline_hup();
}

int cmd_daemon(cli_ctx *c, int argc, char **argv)
{
	if (cli_wants_help(argc, argv))
		return cli_help(c, "daemon");
	static const struct option o[] = {{"interval", required_argument, NULL, 'i'},
	                                  {"log-file", required_argument, NULL, 'l'},
	                                  {"no-stream", no_argument, NULL, 'S'},
	                                  {NULL, 0, NULL, 0}};
	int no_stream = 0;
	long interval = 0;
	const char *log_file = NULL;
	int ch;
	while ((ch = getopt_long(argc, argv, "", o, NULL)) != -1) {
		char *end;
		if (ch == 'l') {
			log_file = optarg;
			continue;
		}
		if (ch == 'S') {
			no_stream = 1;
			continue;
		}
		if (ch != 'i')
			return cli_usage(c, "daemon");
		interval = strtol(optarg, &end, 10);
		if (*end || interval < 1 || interval > 86400) {
			fprintf(c->err,
			        "optsync: daemon: --interval is a number of seconds from 1 to 86400\n");
			return CLI_USAGE;
		}
	}
	if (optind != argc)
		return cli_usage(c, "daemon");
	err_t le = {0};
	if (log_file && logline_file(log_file, &le) < 0) {
		cli_fail(c, &le);
		return CLI_FAIL;
	}
	store *s;
	if (cli_open_store(c, &s) < 0)
		return CLI_FAIL;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	/* SIGHUP (logrotate): the log file is reopened before the next line. */
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
	char pre[48];
	fprintf(c->out, "%sdaemon started (pid %d)\n", logline_prefix(LOGLINE_INFO, pre, sizeof pre),
	        (int)getpid());
	fflush(c->out);
	int64_t next = 0;
	int last_ok = 1;
	int64_t handled_upto = 0; /* the newest event gathered for the last targeted run that finished ok */
	char poll_why[200] = "";  /* why the last webhook wake-up became a poll run (its log line) */
	/* Salesforce's change events: a listener thread gathers the records they name; each batch is
	 * a targeted run here, under the same lock as every other run. */
	stream *st = NULL;
	if (!no_stream) {
		err_t se = {0};
		st = stream_start(c->db, c->key_file, &se);
		if (!st) {
			fprintf(c->out, "%s%s\n", logline_prefix(LOGLINE_ERR, pre, sizeof pre), se.msg);
			fflush(c->out);
		}
	}
	while (!stop_requested) {
		char sline[320];
		while (st && stream_note(st, sline, sizeof sline)) {
			fprintf(c->out, "%s%s\n", logline_prefix(LOGLINE_INFO, pre, sizeof pre), sline);
			fflush(c->out);
		}
		stream_batch *sb = NULL;
		static stream_batch batch;
		if (st && stream_take(st, &batch))
			sb = &batch;
		if (sb && (sb->n_ids > 0 || sb->poll) && !last_ok && timefmt_now_ms() < next) {
			/* after a failed run events wait for the interval, as webhooks do */
			stream_give_back(st, sb);
			sb = NULL;
		}
		if (sb) {
			int ok = 1;
			if (sb->poll || sb->n_ids > 0) {
				const char *ids[STREAM_BATCH_IDS];
				for (size_t i = 0; i < sb->n_ids; i++)
					ids[i] = sb->ids[i];
				sync_options so = {.trigger = "stream"};
				if (!sb->poll) {
					so.sf_ids = ids;
					so.n_sf_ids = sb->n_ids;
				}
				fprintf(c->out, "%s", logline_prefix(LOGLINE_INFO, pre, sizeof pre));
				if (sb->poll)
					fprintf(c->out,
					        "change events: poll run instead of events (%s): ", sb->why);
				else
					fprintf(c->out,
					        "change events: %ld event(s), %zu record(s): ", sb->events,
					        sb->n_ids);
				ok = run_once(c, s, &so, 1) == CLI_OK;
				if (last_kind == ERR_LOCKED)
					fprintf(c->out,
					        "a run holds the lock; the events wait for the next run\n");
				fflush(c->out);
				if (last_kind != ERR_LOCKED) {
					last_ok = ok;
					if (sb->poll)
						next =
						    timefmt_now_ms() + every_default(c, s, interval) * 1000;
				}
			}
			err_t de = {0};
			if (!ok || stream_done(s, sb, &de) < 0) {
				stream_give_back(st, sb);
				if (de.kind != ERR_NONE) {
					fprintf(c->out, "%s%s\n",
					        logline_prefix(LOGLINE_ERR, pre, sizeof pre), de.msg);
					fflush(c->out);
				}
				struct timespec ts = {0, 200 * 1000 * 1000};
				nanosleep(&ts, NULL);
			}
			continue;
		}
		err_t e = {0};
		long every = every_default(c, s, interval);
		/* A webhook event waiting wakes the run early: that is how webhooks reach Salesforce fast. */
		int pending = store_events_pending_count(s, &e);
		int64_t now = timefmt_now_ms();
		/* After a failed run, webhooks wait for the interval too: a side that is down is not
		 * hammered. */
		err_t re = {0};
		int reopened = logline_reopen_if_asked(&re);
		if (reopened != 0) {
			fprintf(c->out, "%s%s\n",
			        logline_prefix(reopened < 0 ? LOGLINE_ERR : LOGLINE_INFO, pre, sizeof pre),
			        reopened < 0 ? re.msg : "log file reopened");
			fflush(c->out);
		}
		if (now < next && pending > 0 && last_ok) {
			/* A targeted run for the people the events name: it leaves the timer alone, so
			 * webhooks arriving all day never starve the poll, which stays the safety net. */
			int targeted = webhook_run(c, s, &handled_upto, poll_why, sizeof poll_why);
			if (targeted >= 0) {
				last_ok = targeted;
				/* after a failed (or locked out) run webhooks wait for the interval, as
				 * before */
				if (!last_ok)
					next = timefmt_now_ms() + every * 1000;
				continue;
			}
		}
		if (now >= next || (pending > 0 && last_ok)) {
			fprintf(c->out, "%s", logline_prefix(LOGLINE_INFO, pre, sizeof pre));
			if (now < next)
				fprintf(c->out,
				        "webhook: poll run instead of a targeted one (%s): ", poll_why);
			sync_options so = {.trigger = pending > 0 && now < next ? "webhook" : "daemon"};
			last_ok = run_once(c, s, &so, 1) == CLI_OK;
			next = timefmt_now_ms() + every * 1000;
			continue;
		}
		struct timespec ts = {0, 200 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	stream_stop(st);
	fprintf(c->out, "%sdaemon stopped\n", logline_prefix(LOGLINE_INFO, pre, sizeof pre));
	store_close(s);
	return CLI_OK;
}
