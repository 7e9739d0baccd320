/* ui_metrics.c - GET /metrics: Prometheus text format (version 0.0.4). Counters come from the
 * store, so they survive restarts and agree with what /status shows. */
#include <stdio.h>
#include <string.h>

#include "store_sync.h"
#include "store_web.h"
#include "stream.h"
#include "timefmt.h"
#include "ui.h"

static void metric(buf *b, const char *name, const char *type, const char *help)
{
	buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

int ui_metrics(web_req *r)
{
	store_web_numbers n;
	err_t e = {0};
	if (store_web_numbers_read(r->st, &n, &e) < 0) {
		web_log(r, "metrics: %s", e.msg);
		return web_text(r, 503, "text/plain; charset=utf-8", "# store unavailable\n");
	}
	buf *b = &r->out;
	buf_reset(b);
	metric(b, "optsync_up", "gauge", "1 while the dashboard answers.");
	buf_puts(b, "optsync_up 1\n");

	metric(b, "optsync_runs_total", "counter", "Sync runs by final status.");
	buf_printf(b, "optsync_runs_total{status=\"ok\"} %ld\n", n.runs_ok);
	buf_printf(b, "optsync_runs_total{status=\"partial\"} %ld\n", n.runs_partial);
	buf_printf(b, "optsync_runs_total{status=\"failed\"} %ld\n", n.runs_failed);
	buf_printf(b, "optsync_runs_total{status=\"dry-run\"} %ld\n", n.runs_dry);
	metric(b, "optsync_runs_running", "gauge", "Runs that have started and not ended.");
	buf_printf(b, "optsync_runs_running %ld\n", n.runs_running);

	static const rules_direction dirs[2] = {RULES_DIR_AC_TO_SF, RULES_DIR_SF_TO_AC};
	/* The order the series have always been printed in (planned is a log state, never queued). */
	static const action_status sts[5] = {ACTION_PENDING, ACTION_RETRYING, ACTION_APPLIED, ACTION_FAILED,
	                                     ACTION_SKIPPED};
	metric(b, "optsync_actions", "gauge", "Actions in the queue by direction and status.");
	for (int d = 0; d < 2; d++)
		for (int s = 0; s < 5; s++)
			buf_printf(b, "optsync_actions{direction=\"%s\",status=\"%s\"} %ld\n",
			           rules_direction_name(dirs[d]), action_status_name(sts[s]),
			           n.actions[dirs[d]][sts[s]]);
	metric(b, "optsync_queue_depth", "gauge", "Actions waiting to be applied (pending and retrying).");
	long depth = 0;
	for (int d = 0; d < 2; d++)
		depth += n.actions[dirs[d]][ACTION_PENDING] + n.actions[dirs[d]][ACTION_RETRYING];
	buf_printf(b, "optsync_queue_depth %ld\n", depth);

	metric(b, "optsync_last_success_timestamp_seconds", "gauge",
	       "End of the last run that finished ok, with no work left undone (0: never).");
	int64_t ms = 0;
	if (*n.last_success_at && timefmt_parse(n.last_success_at, &ms) < 0)
		ms = 0;
	buf_printf(b, "optsync_last_success_timestamp_seconds %lld\n", (long long)(ms / 1000));

	metric(b, "optsync_api_calls_total", "counter", "API calls made by sync runs, per side.");
	buf_printf(b, "optsync_api_calls_total{side=\"ac\"} %ld\n", n.calls_ac);
	buf_printf(b, "optsync_api_calls_total{side=\"sf\"} %ld\n", n.calls_sf);

	metric(b, "optsync_api_rate_limited_total", "counter",
	       "429 answers received by sync runs, per side.");
	buf_printf(b, "optsync_api_rate_limited_total{side=\"ac\"} %ld\n", n.rate_limited_ac);
	buf_printf(b, "optsync_api_rate_limited_total{side=\"sf\"} %ld\n", n.rate_limited_sf);

	metric(b, "optsync_webhook_events_total", "counter",
	       "ActiveCampaign webhook events received and stored.");
	buf_printf(b, "optsync_webhook_events_total %ld\n", n.events_total);
	metric(b, "optsync_webhook_events_pending", "gauge",
	       "Stored events the sync engine has not applied yet.");
	buf_printf(b, "optsync_webhook_events_pending %ld\n", n.events_pending);
	metric(b, "optsync_sessions", "gauge", "Dashboard sessions in the store.");
	buf_printf(b, "optsync_sessions %ld\n", n.sessions);
	stream_status ss;
	if (stream_status_read(r->st, &ss, &e) == 0) {
		metric(b, "optsync_sf_change_events_total", "counter",
		       "Salesforce change events the daemon received and covered with a run.");
		buf_printf(b, "optsync_sf_change_events_total %ld\n", ss.events);
		metric(b, "optsync_sf_change_events_echoes_total", "counter",
		       "Of those, echoes of optsync's own writes (changeOrigin client=optsync), not read.");
		buf_printf(b, "optsync_sf_change_events_echoes_total %ld\n", ss.echoes);
		metric(b, "optsync_sf_change_events_subscribed", "gauge",
		       "1 while the daemon is subscribed to Salesforce's change events.");
		buf_printf(b, "optsync_sf_change_events_subscribed %d\n", strcmp(ss.state, "subscribed") == 0);
	}
	r->ctype = "text/plain; version=0.0.4; charset=utf-8";
	r->status = 200;
	return 200;
}
