#!/usr/bin/env bash
# sync_faults.sh - the engine when things go wrong and when volume goes up: an outage in the middle
# of a run and the recovery with nothing lost, a record locked once, 450 changes in at most 3
# composite calls, 60 AC unsubscribes under the 5 requests/second limit, queued rows with words this
# version does not know (failed and logged, never applied).
. "$(dirname "$0")/../lib/e2e.sh"
. "$(dirname "$0")/../lib/sandbox.sh"
stack_up
optsync() { "$BIN/optsync" "$@"; }

sbx_reset 11 0
people='{"people":['
for i in $(seq 1 451); do people="$people{\"email\":\"bulk$i@example.com\",\"ac\":{\"lists\":{\"1\":1}},\"sf\":[{\"type\":\"Contact\",\"opted_out\":false}]},"; done
for i in $(seq 1 60); do people="$people{\"email\":\"rate$i@example.com\",\"ac\":{\"lists\":{\"2\":1}},\"sf\":[{\"type\":\"Contact\",\"opted_out\":false}]},"; done
for i in 1 2 3 4 5; do people="$people{\"email\":\"out$i@example.com\",\"ac\":{\"lists\":{\"3\":1}},\"sf\":[{\"type\":\"Contact\",\"opted_out\":false}]},"; done
people="${people%,}]}"
sbx_person "$people"
optsync connect ac --url "$AC_URL" --key sandbox-ac-key >/dev/null
optsync connect sf --login-url "$SF_URL" --client-id sandbox-client-id --client-secret sandbox-client-secret >/dev/null
# The first sync links and tags every contact (one AC call each): it takes its time.
optsync sync >/dev/null
expect_eq "first sync of 516 people finishes" "$?" "0"

# --- Salesforce down while writing: nothing lost, applied on recovery ---
evs='{"events":['
for i in 1 2 3 4 5; do evs="$evs{\"type\":\"unsubscribe\",\"email\":\"out$i@example.com\",\"list\":3},"; done
sbx_event "${evs%,}]}"
sbx_knobs '{"status_code":503,"status_count":0,"status_target":"sf","status_path":"composite"}'
out=$(optsync sync 2>&1)
expect_eq "a run with Salesforce writes failing exits 1" "$?" "1"
expect_match "it says what is left" "$out" "5 queued for retry"
expect_eq "the box is not checked yet" "$(sf_box out3@example.com)" "False"
expect_match "the log says retrying with the cause" "$(optsync log --email out3@example.com --json --limit 1)" '"status":"retrying".*"error":"[^"]*503'
sbx_knobs '{"status_code":0}'
out=$(optsync sync 2>&1)
expect_eq "after recovery the run exits 0" "$?" "0"
for i in 1 2 3 4 5; do
	expect_eq "out$i: opt-out applied after the outage" "$(sf_box out$i@example.com)" "True"
done

# --- ActiveCampaign down while reading: the run says so and keeps nothing half-done ---
sbx_knobs '{"status_code":503,"status_count":0,"status_target":"ac","status_path":"contacts"}'
out=$(optsync sync 2>&1)
expect_eq "a run with ActiveCampaign unreadable exits 1" "$?" "1"
expect_match "the message names ActiveCampaign and the cause" "$out" "ActiveCampaign.*503"
sbx_knobs '{"status_code":0}'
optsync sync >/dev/null
expect_eq "the next run is clean" "$?" "0"

# --- one record locked once (UNABLE_TO_LOCK_ROW): applied, nothing lost ---
id=$(sbx_state bulk451@example.com | json "d['sf'][0]['Id']")
sbx_knobs "{\"fail_once\":{\"id\":\"$id\",\"code\":\"UNABLE_TO_LOCK_ROW\"}}"
failed_before=$(sbx_stat composite_failed_records)
sbx_event '{"type":"unsubscribe","email":"bulk451@example.com","list":1}'
optsync sync >/dev/null || optsync sync >/dev/null
expect_eq "the locked record failed once at Salesforce" "$(( $(sbx_stat composite_failed_records) - failed_before ))" "1"
expect_eq "the locked record is checked in the end" "$(sf_box bulk451@example.com)" "True"

# --- 450 changes to Salesforce in at most 3 composite calls ---
evs='{"events":['
for i in $(seq 1 450); do evs="$evs{\"type\":\"unsubscribe\",\"email\":\"bulk$i@example.com\",\"list\":1},"; done
sbx_event "${evs%,}]}"
calls=$(sbx_stat composite_calls)
recs=$(sbx_stat composite_records)
out=$(optsync sync)
expect_eq "450 unsubscribes: the run exits 0" "$?" "0"
expect_match "450 applied to Salesforce" "$out" "applied 450 to Salesforce"
n=$(( $(sbx_stat composite_calls) - calls ))
[ "$n" -le 3 ] && ok "450 changes took $n composite calls (at most 3)" || fail "450 changes took $n composite calls"
expect_eq "450 records written" "$(( $(sbx_stat composite_records) - recs ))" "450"
expect_eq "the last of them is checked" "$(sf_box bulk450@example.com)" "True"

# --- 60 AC unsubscribes (R4) under the 5 requests/second limit ---
# The per-contact calls' pace is what is checked here: 60 is above the default ac_bulk_threshold
# (50), so the bulk path (tests/e2e/perf_bulk.sh) is set out of the way.
optsync set ac_bulk_threshold 1000 >/dev/null
curl -fsS -X POST "$SANDBOX_CONTROL/stats/reset" >/dev/null
evs='{"events":['
for i in $(seq 1 60); do evs="$evs{\"type\":\"sf_check\",\"email\":\"rate$i@example.com\"},"; done
sbx_event "${evs%,}]}"
start=$(date +%s)
out=$(optsync sync)
expect_eq "60 checked boxes: the run exits 0" "$?" "0"
expect_match "60 applied to ActiveCampaign" "$out" "applied 0 to Salesforce, 60 to ActiveCampaign"
expect_eq "60 list writes reached AC" "$(sbx_stat ac_contact_list_writes)" "60"
max=$(sbx_stat ac_max_per_second)
[ "$max" -le 5 ] && ok "at most 5 AC requests in any second (saw $max)" || fail "AC rate" "$max requests in one second"
expect_eq "no 429 from AC" "$(sbx_stat ac_429)" "0"
expect_eq "rate60: list 2 unsubscribed" "$(ac_list rate60@example.com 2)" "2"
echo "# 60 AC unsubscribes took $(( $(date +%s) - start )) s"

# --- a queued row whose words this version does not know: failed and logged, never guessed at ---
db() { sqlite3 "$OPTSYNC_DB" "$1"; }
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
db "INSERT INTO actions(direction,email,object,record,action,value,status,attempts,created_at,updated_at)
    VALUES('ac->sf','out1@example.com','Contact','003bogus','opt-out','true','pending',0,'$now','$now'),
          ('sf-ac','out2@example.com','contact','1','unsubscribe','1','pending',0,'$now','$now')"
before=$(sbx_writes)
out=$(optsync sync 2>&1)
expect_match "the unreadable rows count as failed" "$out" "2 failed"
expect_eq "nothing was written for them" "$(sbx_writes)" "$before"
expect_match "the unknown action is named on its row" "$(db "SELECT status||' '||error FROM actions WHERE record='003bogus'")" \
	"^failed queued action [0-9]+: unknown action 'opt-out'$"
expect_match "the unknown direction is named on its row" "$(db "SELECT status||' '||error FROM actions WHERE direction='sf-ac'")" \
	"^failed queued action [0-9]+: unknown direction 'sf-ac'$"
expect_eq "the stored words are left as they were" "$(db "SELECT count(*) FROM actions WHERE action='opt-out' OR direction='sf-ac'")" "2"
expect_match "the log says so" "$(optsync log --limit 20 2>&1)" "failed +out1@example.com .*unknown action 'opt-out'"
out=$(optsync sync 2>&1)
expect_match "the next run does not try them again" "$out" "0 failed"
# /metrics counts the queue by the stored words, the row in the unknown direction left out.
metrics=$(curl -s "$BASE/metrics")
for d in 'ac->sf' 'sf->ac'; do
	for st in pending retrying applied failed skipped; do
		expect_eq "/metrics: $d $st" "$(printf '%s\n' "$metrics" | awk -v k="optsync_actions{direction=\"$d\",status=\"$st\"}" '$1==k{print $2}')" \
			"$(db "SELECT count(*) FROM actions WHERE direction='$d' AND status='$st'")"
	done
done
expect_eq "/metrics: queue depth" "$(printf '%s\n' "$metrics" | awk '$1=="optsync_queue_depth"{print $2}')" \
	"$(db "SELECT count(*) FROM actions WHERE direction IN ('ac->sf','sf->ac') AND status IN ('pending','retrying')")"
