#!/usr/bin/env bash
# sync_engine.sh - every rule of SPEC section 1 against the sandbox, on demand, asserting the state
# in both systems and the log; then the second run that writes nothing.
. "$(dirname "$0")/../lib/e2e.sh"
. "$(dirname "$0")/../lib/sandbox.sh"
stack_up

sbx_reset 7 0
# The people of this test, as a careful admin would set them up.
sbx_person '{"email":"sub@example.com","ac":{"lists":{"1":1}},"sf":[{"type":"Contact","opted_out":false}]}'
sbx_person '{"email":"Unsub@Example.com","ac":{"lists":{"1":2}},"sf":[{"type":"Contact","opted_out":false}]}'
sbx_person '{"email":"sfout@example.com","ac":{"lists":{"1":1,"2":1}},"sf":[{"type":"Lead","opted_out":true}]}'
sbx_person '{"email":"bounce@example.com","ac":{"lists":{"1":1}},"sf":[{"type":"Contact","opted_out":false}]}'
sbx_person '{"email":"soft@example.com","ac":{"lists":{"1":1}},"sf":[{"type":"Contact","opted_out":false}]}'
sbx_person '{"email":"r4@example.com","ac":{"lists":{"1":1,"2":1,"3":0}},"sf":[{"type":"Contact","opted_out":false},{"type":"Lead","opted_out":false}]}'
sbx_person '{"email":"none@example.com","ac":{"lists":{"2":1}},"sf":[{"type":"Contact","opted_out":false}]}'

optsync() { "$BIN/optsync" "$@"; }
optsync connect ac --url "$AC_URL" --key sandbox-ac-key >/dev/null
optsync connect sf --login-url "$SF_URL" --client-id sandbox-client-id --client-secret sandbox-client-secret >/dev/null

# --- first sync: a dry run writes nothing anywhere ---
before=$(sbx_writes)
out=$(optsync sync --dry-run)
expect_eq "dry run exits 0" "$?" "0"
expect_match "dry run says it is the first sync and wrote nothing" "$out" "dry run \(first sync\):.*nothing written"
expect_match "dry run prints the plan: unsub@ to be opted out in SF" "$out" "plan: ac->sf planned opt_out +unsub@example.com Contact 003"
expect_match "dry run prints the plan: sfout@ to be unsubscribed from list 2" "$out" "plan: sf->ac planned unsubscribe +sfout@example.com contact [0-9]+: "
expect_eq "dry run made no write call" "$(sbx_writes)" "$before"
expect_eq "dry run left the box of unsub@ unchecked" "$(sf_box unsub@example.com)" "False"

out=$(optsync sync)
expect_eq "first sync exits 0" "$?" "0"
# 10 = 2 list unsubscribes + 8 added-to-salesforce-* tags (one per linked record)
expect_match "first sync summary" "$out" "^sync ok \(first sync\): [0-9]+ people read; applied 1 to Salesforce, 10 to ActiveCampaign; 0 failed"
expect_eq "first sync: unsubscribed in AC -> box checked (sticky opt-out)" "$(sf_box unsub@example.com)" "True"
expect_eq "first sync: box checked in SF -> list 1 unsubscribed" "$(ac_list sfout@example.com 1)" "2"
expect_eq "first sync: box checked in SF -> list 2 unsubscribed" "$(ac_list sfout@example.com 2)" "2"
expect_eq "first sync: a subscription alone unchecks nothing, changes nothing" "$(sf_box sub@example.com)" "False"
expect_eq "first sync: subscribed person stays subscribed" "$(ac_list sub@example.com 1)" "1"
expect_match "tags: linked contact tagged added-to-salesforce-contact" "$(ac_tags sub@example.com)" "added-to-salesforce-contact"
expect_match "tags: both objects tagged for r4@" "$(ac_tags r4@example.com)" "added-to-salesforce-contact.*added-to-salesforce-lead|added-to-salesforce-lead.*added-to-salesforce-contact"

# --- a second run right after writes nothing ---
before=$(sbx_writes)
out=$(optsync sync)
expect_eq "second run exits 0" "$?" "0"
expect_match "second run applies nothing" "$out" "applied 0 to Salesforce, 0 to ActiveCampaign; 0 failed"
expect_eq "second run made no write call" "$(sbx_writes)" "$before"

# --- R2: unsubscribed from the only list -> box checked ---
sbx_event '{"type":"unsubscribe","email":"sub@example.com","list":1}'
optsync sync >/dev/null
expect_eq "R2: unsubscribe from the last list checks the box" "$(sf_box sub@example.com)" "True"
line=$(optsync log --email SUB@example.com --json --limit 1)
expect_match "R2: the log explains it (JSON line)" "$line" '"direction":"ac->sf".*"action":"opt_out".*"status":"applied"'
expect_match "R2: the log line has at, run, object, record, reason" "$line" '"at":"[0-9T:-]+Z","run":[0-9]+.*"object":"Contact","record":"003[A-Za-z0-9]+".*"reason":"[^"]*unsubscribe'

# --- R1: subscribed again -> box unchecked ---
sbx_event '{"type":"subscribe","email":"sub@example.com","list":1}'
optsync sync >/dev/null
expect_eq "R1: a new subscription unchecks the box" "$(sf_box sub@example.com)" "False"

# --- R3: hard bounce -> box checked; soft bounce -> nothing ---
sbx_event '{"type":"bounce_hard","email":"bounce@example.com"}'
sbx_event '{"type":"bounce_soft","email":"soft@example.com"}'
before=$(sbx_writes)
optsync sync >/dev/null
expect_eq "R3: a hard bounce checks the box" "$(sf_box bounce@example.com)" "True"
expect_eq "R3: a soft bounce changes nothing" "$(sf_box soft@example.com)" "False"
expect_eq "R3: exactly one write for the two bounces" "$(( $(sbx_writes) - before ))" "1"

# --- R4: box checked on the Contact -> every subscribed list to status 2, sibling Lead checked ---
sbx_event '{"type":"sf_check","email":"r4@example.com","object":"Contact"}' >/dev/null
optsync sync >/dev/null
expect_eq "R4: list 1 unsubscribed" "$(ac_list r4@example.com 1)" "2"
expect_eq "R4: list 2 unsubscribed" "$(ac_list r4@example.com 2)" "2"
expect_eq "R4: an unconfirmed list is left alone" "$(ac_list r4@example.com 3)" "0"
expect_eq "R4: every matching SF record gets the same value" "$(sf_box r4@example.com Lead)" "True"

# --- R5: unchecked in SF -> nothing in AC, logged as skipped with the reason ---
before=$(sbx_writes)
sbx_event '{"type":"sf_uncheck","email":"unsub@example.com"}'
optsync sync >/dev/null
expect_eq "R5: AC list stays unsubscribed" "$(ac_list unsub@example.com 1)" "2"
expect_eq "R5: no write to AC" "$(( $(sbx_writes) - before ))" "0"
expect_match "R5: logged as skipped with its reason" "$(optsync log --email unsub@example.com --json --limit 5)" '"action":"skip","status":"skipped","reason":"[^"]*re-subscribe'
expect_match "R5: the audit shows an accepted difference" "$(optsync audit)" "unsub@example.com .*accepted"

# --- the person who never changed stays untouched throughout ---
expect_eq "an untouched person keeps list 2" "$(ac_list none@example.com 2)" "1"
expect_eq "an untouched person keeps the box unchecked" "$(sf_box none@example.com)" "False"

# --- and once more: nothing left to write ---
before=$(sbx_writes)
optsync sync >/dev/null
expect_eq "a run after all that writes nothing" "$(sbx_writes)" "$before"
