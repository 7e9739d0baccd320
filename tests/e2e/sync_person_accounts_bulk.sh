#!/usr/bin/env bash
# sync_person_accounts_bulk.sh - above bulk_threshold, person accounts are written through a Bulk API
# 2.0 job on Account (PersonHasOptedOutOfEmail): 230 person accounts whose AC contacts unsubscribe
# in one run make one Account job, every box is checked, the log has one row per person; a mixed run
# of Contacts, Leads and person accounts above the threshold makes one job per object. The sandbox's
# ingest refuses the mirror Contact's box as its REST path does.
. "$(dirname "$0")/../lib/e2e.sh"
. "$(dirname "$0")/../lib/sandbox.sh"
stack_up
optsync() { "$BIN/optsync" "$@"; }
sbx_db() { sqlite3 "$T/sandbox.db" "PRAGMA busy_timeout=5000; $1" | tail -1; }
big_post() {
	printf '%s' "$2" >"$T/big.json"
	curl -fsS -X POST -H 'Content-Type: application/json' --data-binary @"$T/big.json" "$SANDBOX_CONTROL/$1" >/dev/null ||
		fail "sandbox $1"
}
people() { # people PREFIX N TYPE: AC contacts on list 1, each with one SF record of TYPE, box clear
	local p='{"people":[' i
	for i in $(seq 1 "$2"); do
		p="$p{\"email\":\"$1$i@example.com\",\"ac\":{\"lists\":{\"1\":1}},\"sf\":[{\"type\":\"$3\",\"opted_out\":false}]},"
	done
	big_post people "${p%,}]}"
}
# every AC contact of PREFIX unsubscribed from list 1 now, as AC keeps it (udate moves)
unsubscribe_all() {
	sbx_db "UPDATE ac_contact_lists SET status = 2, udate_ms = CAST(strftime('%s','now') AS INTEGER) * 1000
		WHERE contact IN (SELECT id FROM ac_contacts WHERE email_lc LIKE '$1%')" >/dev/null
	sbx_db "UPDATE ac_contacts SET udate_ms = CAST(strftime('%s','now') AS INTEGER) * 1000 WHERE email_lc LIKE '$1%'" >/dev/null
}
jobs_of() { sbx_db "SELECT count(*) FROM sf_jobs WHERE object = '$1' AND rid > $2"; }
last_job() { sbx_db "SELECT coalesce(max(rid), 0) FROM sf_jobs"; }
applied_rows() { # applied_rows PREFIX OBJECT: distinct people with an applied opt_out on OBJECT
	optsync log --json --limit 1000 | python3 -c "
import json, sys
rows = [json.loads(l) for l in sys.stdin if l.strip()]
mine = [r for r in rows if r['email'].startswith('$1') and r['object'] == '$2' and r['action'] == 'opt_out' and r['status'] == 'applied']
print(len(mine), len({r['email'] for r in mine}))"
}

sbx_post reset '{"seed":3,"people":0,"person_accounts":true}' >/dev/null || fail "reset with person accounts"
people pa 230 PersonAccount
optsync connect ac --url "$AC_URL" --key sandbox-ac-key >/dev/null || fail "connect ac"
optsync connect sf --login-url "$SF_URL" --client-id sandbox-client-id --client-secret sandbox-client-secret >/dev/null || fail "connect sf"
optsync set bulk_threshold 200 >/dev/null || fail "set bulk_threshold 200"
out=$(optsync sync 2>&1)
expect_match "first sync of 230 person accounts" "$out" "^sync ok \(first sync\): 230 people read"

# ---- 230 unsubscribes in one run: one Bulk job on Account
unsubscribe_all pa
j0=$(last_job)
out=$(optsync sync 2>&1)
expect_match "the run is complete" "$out" "^sync ok"
expect_eq "one Bulk API job, on Account" "$(jobs_of Account "$j0")/$(sbx_db "SELECT count(*) FROM sf_jobs WHERE rid > $j0")" 1/1
expect_eq "the job completed with 230 records, none failed" \
	"$(sbx_db "SELECT state || ' ' || processed || ' ' || failed FROM sf_jobs WHERE rid > $j0")" "Processed 230 0"
expect_eq "its CSV names the Account's person field" \
	"$(sbx_db "SELECT substr(CAST(data AS TEXT), 1, instr(CAST(data AS TEXT), char(10)) - 1) FROM sf_jobs WHERE rid > $j0")" "Id,PersonHasOptedOutOfEmail"
expect_eq "no composite call wrote them" "$(sbx_db "SELECT count(*) FROM requests WHERE sys = 'sf' AND method = 'PATCH' AND path LIKE '%composite/sobjects%'")" 0
expect_eq "every person account's box is checked" \
	"$(sbx_db "SELECT sum(opted_out) || '/' || count(*) FROM sf_records WHERE account_id IS NOT NULL AND email LIKE 'pa%'")" 230/230
expect_eq "the log: one applied opt_out row per person, object PersonAccount" "$(applied_rows pa PersonAccount)" "230 230"
before=$(sbx_writes)
optsync sync >/dev/null 2>&1
expect_eq "the next run writes nothing" "$(sbx_writes)" "$before"

# ---- the sandbox's ingest refuses the mirror Contact's box, as its REST path does
TOK=$(curl -fsS -X POST "$SF_URL/services/oauth2/token" -d grant_type=client_credentials -d client_id=sandbox-client-id -d client_secret=sandbox-client-secret)
TOKEN=$(echo "$TOK" | json "d['access_token']")
INST=$(echo "$TOK" | json "d['instance_url']")/services/data/v62.0
sfreq() { curl -sS -X "$1" -H "Authorization: Bearer $TOKEN" -H "Content-Type: ${4:-application/json}" "$INST/$2" ${3:+--data-binary "$3"}; }
mirror=$(sbx_db "SELECT id FROM sf_records WHERE email = 'pa1@example.com'")
account=$(sbx_db "SELECT account_id FROM sf_records WHERE email = 'pa1@example.com'")
bulk_one() { # bulk_one OBJECT CSV: a job of that CSV, closed; prints its failedResults
	local job
	job=$(sfreq POST jobs/ingest "{\"object\":\"$1\",\"operation\":\"update\",\"contentType\":\"CSV\",\"lineEnding\":\"LF\"}" | json "d['id']")
	printf '%s\n' "$2" | curl -sS -X PUT -H "Authorization: Bearer $TOKEN" -H 'Content-Type: text/csv' --data-binary @- "$INST/jobs/ingest/$job/batches" >/dev/null
	sfreq PATCH "jobs/ingest/$job" '{"state":"UploadComplete"}' >/dev/null
	sfreq GET "jobs/ingest/$job" >/dev/null
	sfreq GET "jobs/ingest/$job" >/dev/null
	sfreq GET "jobs/ingest/$job/failedResults/"
}
expect_match "ingest: the mirror Contact's box refused, as by REST" "$(bulk_one Contact "Id,HasOptedOutOfEmail
$mirror,false")" "INVALID_FIELD_FOR_INSERT_UPDATE"
expect_eq "ingest: the mirror Contact's refusal changed nothing" "$(sbx_db "SELECT opted_out FROM sf_records WHERE id = '$mirror'")" 1
expect_eq "ingest: the Account's person field accepted" "$(bulk_one Account "Id,PersonHasOptedOutOfEmail
$account,false" | wc -l)" 1
expect_eq "ingest: the Account's box written" "$(sbx_db "SELECT opted_out FROM sf_records WHERE id = '$mirror'")" 0

# ---- a mixed run above the threshold: one job per object
sbx_post reset '{"seed":3,"people":0,"person_accounts":true}' >/dev/null || fail "reset again"
rm -f "$OPTSYNC_DB" "$OPTSYNC_DB-wal" "$OPTSYNC_DB-shm"
optsync connect ac --url "$AC_URL" --key sandbox-ac-key >/dev/null
optsync connect sf --login-url "$SF_URL" --client-id sandbox-client-id --client-secret sandbox-client-secret >/dev/null
optsync set bulk_threshold 200 >/dev/null
people mc 80 Contact
people ml 80 Lead
people mp 80 PersonAccount
out=$(optsync sync 2>&1)
expect_match "mixed: first sync of 240 people" "$out" "^sync ok \(first sync\): 240 people read"
unsubscribe_all m
j0=$(last_job)
out=$(optsync sync 2>&1)
expect_match "mixed: the run is complete" "$out" "^sync ok"
expect_eq "mixed: one job each for Contact, Lead and Account, no other" \
	"$(jobs_of Contact "$j0") $(jobs_of Lead "$j0") $(jobs_of Account "$j0") $(sbx_db "SELECT count(*) FROM sf_jobs WHERE rid > $j0")" "1 1 1 3"
expect_eq "mixed: every box checked" "$(sbx_db "SELECT sum(opted_out) || '/' || count(*) FROM sf_records WHERE email LIKE 'm%'")" 240/240
expect_eq "mixed: the log has one row per Contact" "$(applied_rows mc Contact)" "80 80"
expect_eq "mixed: the log has one row per Lead" "$(applied_rows ml Lead)" "80 80"
expect_eq "mixed: the log has one row per person account" "$(applied_rows mp PersonAccount)" "80 80"

echo "# sync_person_accounts_bulk: $E2E_PASS passed, $E2E_FAIL failed"
