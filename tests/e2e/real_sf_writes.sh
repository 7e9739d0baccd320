#!/usr/bin/env bash
# real_sf_writes.sh - Salesforce writes and reads as documented, emulated by the sandbox: a Bulk API
# 2.0 job whose creation answer is lost is found and used, not created twice; an org without
# history tracking (no ContactHistory type) is asked once a run, not once per 100 records.
. "$(dirname "$0")/../lib/e2e.sh"
. "$(dirname "$0")/../lib/sandbox.sh"
stack_up
optsync() { "$BIN/optsync" "$@"; }
sbx_db() { sqlite3 "$T/sandbox.db" "PRAGMA busy_timeout=5000; $1" | tail -1; }
boxes() { sbx_state "$1" | json "'%d %d' % (sum(1 for r in d['sf'] if r['HasOptedOutOfEmail']), sum(1 for r in d['sf'] if not r['HasOptedOutOfEmail']))"; }

sbx_reset 19 0
sbx_person '{"email":"bulk@example.com","ac":{"lists":{"1":1}}}'
python3 -c "import json; print(json.dumps({'events':[{'type':'sf_create','object':'Lead','email':'bulk@example.com','last_name':'Bulk%d'%i} for i in range(250)]}))" >"$T/leads.json"
curl -fsS -X POST -H 'Content-Type: application/json' "$SANDBOX_CONTROL/event" --data-binary @"$T/leads.json" >/dev/null || fail "sandbox: 250 Leads"
people=""
# Salesforce-only people: their box changes cost no ActiveCampaign call.
for i in $(seq 1 250); do people="$people{\"email\":\"hist$i@example.com\",\"sf\":[{\"type\":\"Contact\",\"opted_out\":false}]},"; done
sbx_post people "{\"people\":[${people%,}]}" >/dev/null || fail "sandbox: 250 people"
optsync connect ac --url "$AC_URL" --key sandbox-ac-key >/dev/null || fail "connect ac"
optsync connect sf --login-url "$SF_URL" --client-id sandbox-client-id --client-secret sandbox-client-secret >/dev/null || fail "connect sf"
optsync set bulk_threshold 200 >/dev/null
optsync sync >/dev/null 2>&1
expect_eq "first sync exits 0" "$?" 0

# ---- Bulk API 2.0: the job creation's answer is lost (the job exists, the client got a 504)
sbx_knobs '{"lost_answer_path":"/jobs/ingest","lost_answer_count":1}'
sbx_event '{"type":"unsubscribe","email":"bulk@example.com","list":1}'
jobs0=$(sbx_db "SELECT count(*) FROM sf_jobs")
upd0=$(sbx_stat sf_records_updated)
out=$(optsync sync 2>&1)
expect_eq "lost job answer: the run exits 0" "$?" 0
expect_eq "lost job answer: the answer was lost once" "$(sbx_stat lost_answers)" 1
expect_eq "lost job answer: one job, not two" "$(($(sbx_db "SELECT count(*) FROM sf_jobs") - jobs0))" 1
expect_eq "lost job answer: no job left Open" "$(sbx_db "SELECT count(*) FROM sf_jobs WHERE state = 'Open'")" 0
expect_eq "lost job answer: all 250 Leads checked" "$(boxes bulk@example.com)" "250 0"
expect_eq "lost job answer: each record written once" "$(($(sbx_stat sf_records_updated) - upd0))" 250
sbx_knobs '{"lost_answer_path":null}'

# ---- no history tracking in the org: ContactHistory does not exist (INVALID_TYPE)
sbx_knobs '{"history_objects":false}'
tok=$(curl -fsS "$SF_URL/services/oauth2/token" -d grant_type=client_credentials -d client_id=sandbox-client-id -d client_secret=sandbox-client-secret)
AT=$(printf '%s' "$tok" | json 'd["access_token"]')
INST=$(printf '%s' "$tok" | json 'd["instance_url"]')
expect_match "sandbox: ContactHistory is then an unknown type (INVALID_TYPE)" \
	"$(curl -s -G -H "Authorization: Bearer $AT" "$INST/services/data/v62.0/query" --data-urlencode "q=SELECT ContactId FROM ContactHistory")" \
	"sObject type 'ContactHistory' is not supported.*INVALID_TYPE"
evs=""
for i in $(seq 1 250); do evs="$evs{\"type\":\"sf_check\",\"email\":\"hist$i@example.com\"},"; done
sbx_post event "{\"events\":[${evs%,}]}" >/dev/null || fail "sandbox: 250 boxes checked"
h0=$(sbx_stat soql_history_queries)
out=$(optsync sync 2>&1)
expect_eq "no history type: the run exits 0" "$?" 0
expect_eq "no history type: the change is seen (the box read as checked)" "$(sqlite3 "$OPTSYNC_DB" "SELECT count(*) FROM sf_records WHERE email LIKE 'hist%' AND opted_out = 1")" 250
expect_eq "no history type: asked once in the run, not once per 100 records" "$(($(sbx_stat soql_history_queries) - h0))" 1

# ---- with history tracking: asked per 100 changed records, and the times used
sbx_knobs '{"history_objects":true,"field_history":true}'
evs=""
for i in $(seq 1 250); do evs="$evs{\"type\":\"sf_uncheck\",\"email\":\"hist$i@example.com\"},"; done
sbx_post event "{\"events\":[${evs%,}]}" >/dev/null || fail "sandbox: 250 boxes unchecked"
h0=$(sbx_stat soql_history_queries)
optsync sync >/dev/null 2>&1
expect_eq "history on: the run exits 0" "$?" 0
expect_eq "history on: three history queries for 250 changed Contacts" "$(($(sbx_stat soql_history_queries) - h0))" 3
expect_eq "history on: the boxes stay unchecked (R5)" "$(sf_box hist1@example.com)$(sf_box hist250@example.com)" FalseFalse
