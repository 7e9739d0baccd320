#!/usr/bin/env bash
# sync_health.sh - honest health (issue 10, point 10): a run that left work undone (a side
# unreadable, an action failed) is no success anywhere: not in `optsync check`, not on /status, not
# in /metrics' last-success gauge, and `optsync sync` exits 1 saying why.
. "$(dirname "$0")/../lib/e2e.sh"
. "$(dirname "$0")/../lib/sandbox.sh"
stack_up

optsync() { "$BIN/optsync" "$@"; }
last_sync() { optsync check --json | json "[c['$1'] for c in d['checks'] if c['id']=='last_sync'][0]"; }
gauge() { curl -s "$BASE/metrics" | awk '$1=="optsync_last_success_timestamp_seconds"{print $2}'; }
runs_partial() { curl -s "$BASE/metrics" | awk '$1=="optsync_runs_total{status=\"partial\"}"{print $2}'; }

sbx_reset 7 0
sbx_person '{"email":"ann@example.com","ac":{"lists":{"1":1}},"sf":[{"type":"Contact","opted_out":false}]}'
sbx_person '{"email":"bob@example.com","ac":{"lists":{"1":1}},"sf":[{"type":"Contact","opted_out":false}]}'
optsync connect ac --url "$AC_URL" --key sandbox-ac-key >/dev/null
optsync connect sf --login-url "$SF_URL" --client-id sandbox-client-id --client-secret sandbox-client-secret >/dev/null

# --- 1. Salesforce unreadable: the very first run is partial ---
sbx_knobs '{"error_rate":1,"error_target":"sf"}'
out=$(optsync sync 2>&1)
rc=$?
sbx_knobs '{"error_rate":0}'
expect_eq "SF unreadable: sync exits 1" "$rc" "1"
expect_match "SF unreadable: the summary says partial" "$out" "sync partial"
expect_match "SF unreadable: and says why (Salesforce)" "$out" "Salesforce"
expect_eq "after only a partial run: the last_sync check is no pass" "$(last_sync status)" "warn"
expect_match "after only a partial run: no successful sync is claimed" "$(last_sync detail)" "no sync has finished without work left undone"
expect_match "after only a partial run: the check says the last run was partial" "$(last_sync detail)" "last run .*partial"
expect_eq "after only a partial run: /metrics last success is 0" "$(gauge)" "0"
expect_eq "after only a partial run: /metrics counts it partial" "$(runs_partial)" "1"

# --- 2. a clean run: a success ---
out=$(optsync sync 2>&1)
expect_eq "clean run exits 0" "$?" "0"
expect_eq "after a clean run: the last_sync check passes" "$(last_sync status)" "pass"
ok_at=$(gauge)
if [ "${ok_at:-0}" -gt 0 ]; then ok "after a clean run: /metrics has its end time"; else fail "after a clean run: /metrics last success" "got '$ok_at'"; fi

# --- 3. a run where an action fails for good: partial, and no newer success anywhere ---
sleep 1.1
id=$(sbx_state ann@example.com | json "[r['Id'] for r in d['sf'] if r['type']=='Contact'][0]")
sbx_knobs "{\"fail_always\":{\"id\":\"$id\",\"code\":\"FIELD_CUSTOM_VALIDATION_EXCEPTION\",\"message\":\"Blocked by a rule\"}}"
sbx_event '{"type":"unsubscribe","email":"ann@example.com","list":1}'
out=$(optsync sync 2>&1)
rc=$?
expect_eq "an action failed: sync exits 1" "$rc" "1"
expect_match "an action failed: the summary says partial and 1 failed" "$out" "sync partial: .* 1 failed"
expect_match "an action failed: and says why" "$out" "failed for good"
expect_eq "after a failed action: /metrics keeps the earlier success" "$(gauge)" "$ok_at"
expect_eq "after a failed action: the last_sync check warns" "$(last_sync status)" "warn"
expect_match "after a failed action: the check names the partial run and its cause" "$(last_sync detail)" "last run .*partial.*failed for good"

# /status shows the earlier run as the last success, not the partial one.
PW='correct horse battery'
printf '%s\n' "$PW" | optsync user add admin --role admin >/dev/null
J=$T/jar
curl -s -c "$J" -b "$J" -o "$T/login.html" "$BASE/login"
tok=$(grep -o 'name="csrf" value="[0-9a-f]*"' "$T/login.html" | head -1 | sed 's/.*value="//;s/"$//')
curl -s -c "$J" -b "$J" -o /dev/null -H "Origin: $BASE" -H "Sec-Fetch-Site: same-origin" \
	--data-urlencode "csrf=$tok" --data-urlencode name=admin --data-urlencode "password=$PW" "$BASE/login"
ok_iso=$(sqlite3 -readonly "$OPTSYNC_DB" "SELECT ended_at FROM runs WHERE status='ok' ORDER BY id DESC LIMIT 1")
partial_iso=$(sqlite3 -readonly "$OPTSYNC_DB" "SELECT ended_at FROM runs WHERE status='partial' ORDER BY id DESC LIMIT 1")
page=$(curl -s -b "$J" "$BASE/status")
shown=$(printf '%s' "$page" | grep -o 'id="last-success">[^<]*' | sed 's/.*>//')
expect_eq "/status: last success is the clean run, not the partial one" "$shown" "$(printf '%s' "$ok_iso" | sed 's/T/ /; s/Z$/ UTC/')"
expect_match "/status: the partial run is said to have left work undone" "$page" "left work undone"
[ "$ok_iso" != "$partial_iso" ] || fail "the two runs end at different times"
