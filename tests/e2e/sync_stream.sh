#!/usr/bin/env bash
# sync_stream.sh - Salesforce change events (Streaming API) -> the daemon -> ActiveCampaign in
# seconds: a box checked in the sandbox's Salesforce is an AC unsubscribe in under 3 s (the
# daemon's interval is an hour, so only the stream can do it); a daemon killed mid-stream resumes
# from the stored replay id and misses nothing; a replay id too old and a forgotten client fall
# back to a poll run with a clear log line; optsync's own writes come back with its client id in
# changeOrigin and are not read again; with Change Data Capture off, a PushTopic.
. "$(dirname "$0")/../lib/e2e.sh"
. "$(dirname "$0")/../lib/sandbox.sh"
. "$(dirname "$0")/../lib/stream.sh"
stack_up
optsync() { "$BIN/optsync" "$@"; }

sbx_reset 5 0
for i in 1 2 3 4 5 6 7; do
	sbx_person "{\"email\":\"s$i@example.com\",\"ac\":{\"lists\":{\"1\":1}},\"sf\":[{\"type\":\"Contact\",\"opted_out\":false}]}"
done
sbx_person '{"email":"lead1@example.com","ac":{"lists":{"1":1}},"sf":[{"type":"Lead","opted_out":false}]}'
optsync connect ac --url "$AC_URL" --key sandbox-ac-key >/dev/null
optsync connect sf --login-url "$SF_URL" --client-id sandbox-client-id --client-secret sandbox-client-secret >/dev/null
optsync sync >/dev/null
expect_eq "first sync exits 0" "$?" "0"

: >"$T/daemon.log"
start_daemon
expect_match "the daemon subscribed to Change Data Capture" "$(cat "$T/daemon.log")" \
	"change events: subscribed \(Change Data Capture: /data/ContactChangeEvent, /data/LeadChangeEvent\)"

# --- a box checked in Salesforce: the AC unsubscribe in under 3 s ---
for i in $(seq 1 100); do # the daemon's first (timer) run is over
	grep -q "Z sync ok" "$T/daemon.log" && break
	sleep 0.1
done
wm_before=$(sqlite3 "$OPTSYNC_DB" "SELECT group_concat(name || '=' || value) FROM watermarks WHERE name IN ('ac', 'sf')")
sbx_event '{"type":"sf_check","email":"s1@example.com"}'
ms=$(wait_list s1@example.com 2)
expect_eq "R4 through the stream: list 1 unsubscribed" "$(ac_list s1@example.com 1)" "2"
[ "$ms" -lt 3000 ] && ok "box checked -> AC unsubscribe in $ms ms (< 3 s; the interval is an hour)" ||
	fail "stream latency" "$ms ms"
expect_match "the daemon logged a targeted run for the event" "$(cat "$T/daemon.log")" \
	"change events: 1 event\(s\), 1 record\(s\): sync ok: .*1 to ActiveCampaign"
expect_eq "the run is recorded like any other, trigger stream" \
	"$(sqlite3 "$OPTSYNC_DB" "SELECT count(*) > 0 FROM runs WHERE trigger='stream' AND status='ok'")" "1"
expect_match "the sync log has the unsubscribe" "$(optsync log --email s1@example.com --json)" '"action":"unsubscribe"'
expect_eq "the targeted run moved no watermark (records changed before it are the poll's)" \
	"$(sqlite3 "$OPTSYNC_DB" "SELECT group_concat(name || '=' || value) FROM watermarks WHERE name IN ('ac', 'sf')")" "$wm_before"
# a Lead's event too
sbx_event '{"type":"sf_check","email":"lead1@example.com"}'
wait_list lead1@example.com 2 >/dev/null
expect_eq "a Lead's change event: list 1 unsubscribed" "$(ac_list lead1@example.com 1)" "2"
sleep 0.5
rp=$(sqlite3 "$OPTSYNC_DB" "SELECT value FROM watermarks WHERE name='sf_stream_replay:/data/ContactChangeEvent'")
expect_match "the replay id is stored after the run" "$rp" '^[0-9]+$'

# --- killed mid-stream: the events while it is down are replayed on restart ---
kill -KILL "$dpid"
wait "$dpid" 2>/dev/null
sbx_event '{"type":"sf_check","email":"s2@example.com"}'
sbx_event '{"type":"sf_check","email":"s3@example.com"}'
sleep 0.3
expect_eq "while the daemon is down nothing reaches AC" "$(ac_list s2@example.com 1)" "1"
start_daemon
wait_list s3@example.com 2 >/dev/null
expect_eq "after SIGKILL and restart: s2 replayed and unsubscribed" "$(ac_list s2@example.com 1)" "2"
expect_eq "after SIGKILL and restart: s3 replayed and unsubscribed" "$(ac_list s3@example.com 1)" "2"
expect_eq "no poll run was needed (the interval is an hour)" \
	"$(grep -c 'poll run instead of events' "$T/daemon.log")" "0"

# --- the server forgets the client (403::Unknown client): rehandshake, and a poll run says so ---
sbx_knobs '{"stream_deny":1}'
for i in $(seq 1 100); do
	grep -q "forgot the streaming client" "$T/daemon.log" && break
	sleep 0.1
done
expect_match "403 Unknown client: a clear line and a poll run" "$(cat "$T/daemon.log")" \
	"change events: Salesforce forgot the streaming client .*403::Unknown client.*falling back to a poll run"
for i in $(seq 1 100); do
	grep -q "poll run instead of events" "$T/daemon.log" && break
	sleep 0.1
done
expect_match "the poll run ran" "$(cat "$T/daemon.log")" "change events: poll run instead of events .*: sync ok"
sbx_event '{"type":"sf_check","email":"s4@example.com"}'
wait_list s4@example.com 2 >/dev/null
expect_eq "after the rehandshake events flow again" "$(ac_list s4@example.com 1)" "2"

# --- a replay id too old (outside retention): a poll run, then new events only ---
stop_daemon
sbx_event '{"type":"sf_check","email":"s5@example.com"}'
sbx_knobs '{"stream_replay_too_old":true}'
start_daemon
for i in $(seq 1 100); do
	grep -q "no longer retained" "$T/daemon.log" && break
	sleep 0.1
done
expect_match "replay id too old: a clear line" "$(cat "$T/daemon.log")" \
	"change events: replay id [0-9]+ of /data/ContactChangeEvent is no longer retained by Salesforce; falling back to a poll run"
wait_list s5@example.com 2 >/dev/null
expect_eq "the poll run caught what the stream could not replay" "$(ac_list s5@example.com 1)" "2"
expect_match "/checks-side status records the gap" \
	"$(sqlite3 "$OPTSYNC_DB" "SELECT value FROM watermarks WHERE name='sf_stream_gap'")" "no longer retained"
sbx_knobs '{"stream_replay_too_old":false}'

# --- optsync's own write comes back as an event: its changeOrigin names optsync, no run reads it ---
sbx_db() { sqlite3 "$T/sandbox.db" "PRAGMA busy_timeout=5000; $1" | tail -1; }
s1id=$(sbx_state s1@example.com | json "d['sf'][0]['Id']")
expect_eq "a change made in Salesforce's UI (the console) has no changeOrigin" \
	"$(sbx_db "SELECT origin FROM sf_stream_events WHERE record_id = '$s1id' ORDER BY replay LIMIT 1")" ""
stream_runs() { sqlite3 "$OPTSYNC_DB" "SELECT count(*) FROM runs WHERE trigger='stream'"; }
runs0=$(stream_runs)
sbx_event '{"type":"unsubscribe","email":"s7@example.com"}'
for i in $(seq 1 50); do # the daemon may hold the lock for a moment
	optsync sync >/dev/null 2>&1 && break
	sleep 0.2
done
expect_eq "echo: the CLI run checked s7's box (R1)" "$(sf_box s7@example.com)" True
s7id=$(sbx_state s7@example.com | json "d['sf'][0]['Id']")
expect_match "echo: the event of that write carries optsync's client id (Sforce-Call-Options)" \
	"$(sbx_db "SELECT origin FROM sf_stream_events WHERE record_id = '$s7id' ORDER BY replay DESC LIMIT 1")" \
	'^com/salesforce/api/rest/[0-9]+\.[0-9];client=optsync$'
for i in $(seq 1 100); do
	[ "$(sqlite3 "$OPTSYNC_DB" "SELECT value FROM watermarks WHERE name='sf_stream_echoes'")" = 1 ] && break
	sleep 0.1
done
expect_eq "echo: the daemon counted it as an echo" \
	"$(sqlite3 "$OPTSYNC_DB" "SELECT value FROM watermarks WHERE name='sf_stream_echoes'")" 1
expect_eq "echo: and read nothing for it (no targeted run)" "$(stream_runs)" "$runs0"
expect_eq "echo: its replay position is stored all the same" \
	"$(sqlite3 "$OPTSYNC_DB" "SELECT value FROM watermarks WHERE name='sf_stream_replay:/data/ContactChangeEvent'")" \
	"$(sbx_db "SELECT max(replay) FROM sf_stream_events WHERE channel = '/data/ContactChangeEvent'")"

# --- check and metrics show the stream ---
stream_check() { optsync check --json | json "[c['status']+' '+c['detail'] for c in d['checks'] if c['id']=='change_events'][0]"; }
expect_match "check: change events subscribed, last event, replay position" "$(stream_check)" \
	"^pass subscribed \(Change Data Capture.*last event 20[0-9-]+T.*replay position Contact [0-9]+, Lead [0-9]+"
expect_match "metrics count the events" "$(curl -fsS "$BASE/metrics")" "optsync_sf_change_events_total [1-9]"
expect_match "check: the echo is counted apart" "$(stream_check)" "event\(s\) \(1 of them echoes of optsync's own writes, not read\)"
expect_match "metrics count the echoes" "$(curl -fsS "$BASE/metrics")" "optsync_sf_change_events_echoes_total 1"
stop_daemon

# --- CDC off: a PushTopic on HasOptedOutOfEmail is created and events come on it ---
sbx_knobs '{"stream_cdc":false}'
: >"$T/daemon.log"
start_daemon
expect_match "CDC refused: the PushTopic fallback, said in the log" "$(cat "$T/daemon.log")" \
	"Change Data Capture refused .*trying a PushTopic"
expect_match "subscribed to the PushTopics" "$(cat "$T/daemon.log")" \
	"change events: subscribed \(PushTopic: /topic/optsyncContactOptOut, /topic/optsyncLeadOptOut\)"
sbx_event '{"type":"sf_check","email":"s6@example.com"}'
ms=$(wait_list s6@example.com 2)
expect_eq "R4 through the PushTopic" "$(ac_list s6@example.com 1)" "2"
[ "$ms" -lt 3000 ] && ok "PushTopic: box -> AC in $ms ms" || fail "PushTopic latency" "$ms ms"
stop_daemon

# --- both refused: polling only, a clear line, check warns ---
sbx_knobs '{"stream_cdc":false,"stream_pushtopic":false}'
sqlite3 "$OPTSYNC_DB" "DELETE FROM watermarks WHERE name LIKE 'sf_stream_%'"
: >"$T/daemon.log"
"$BIN/optsync" daemon --interval 3600 >>"$T/daemon.log" 2>&1 &
dpid=$!
for i in $(seq 1 100); do
	grep -q "change events: refused" "$T/daemon.log" && break
	sleep 0.1
done
expect_match "both refused: polling only, said in the log" "$(cat "$T/daemon.log")" \
	"change events: refused, polling only .*CDC refused .*PushTopic refused"
expect_match "check warns that events are refused" "$(stream_check)" "^warn refused, polling only"
stop_daemon
sbx_knobs '{"stream_cdc":true,"stream_pushtopic":true}'
