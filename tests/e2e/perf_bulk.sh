#!/bin/bash
# perf_bulk.sh - ActiveCampaign writes through bulk import above ac_bulk_threshold: link tags and R4
# unsubscribes in calls of 250, each contact's result read back from import/info before its action
# is applied, a failed contact retried per contact, 400 "Rate limit exceeded" waited out, no
# unknown email ever sent (an import would create it), names never written, and below the
# threshold the per-contact calls as before. Counts the AC write calls against the floors.
. "$(dirname "$0")/../lib/e2e.sh"
. "$(dirname "$0")/../lib/sandbox.sh"
stack_up
optsync() { "$BIN/optsync" "$@"; }
SB=$T/sandbox.db

# Calls to AC that are not reads (every POST/PUT/DELETE), since the last stats reset.
ac_writes() { curl -fsS "$SANDBOX_CONTROL/stats" | json "sum(n for k, n in d['paths'].get('ac', {}).items() if not k.startswith(('GET', 'HEAD')))"; }
ac_posts() { curl -fsS "$SANDBOX_CONTROL/stats" | json "sum(n for k, n in d['paths'].get('ac', {}).items() if k.startswith('POST') and k.endswith('$1'))"; }
stat() { curl -fsS "$SANDBOX_CONTROL/stats" | json "d.get('$1', 0)"; }
big_post() { # big_post PATH JSON: a control POST too long for one argument
	printf '%s' "$2" >"$T/big.json"
	curl -fsS -X POST -H 'Content-Type: application/json' --data-binary @"$T/big.json" "$SANDBOX_CONTROL/$1" >/dev/null ||
		fail "sandbox $1"
}
stats_reset() { curl -fsS -X POST "$SANDBOX_CONTROL/stats/reset" >/dev/null; }
tagged() { sqlite3 "$SB" "SELECT count(*) FROM ac_contact_tags ct JOIN ac_contacts c ON c.id = ct.contact JOIN ac_tags t ON t.id = ct.tag WHERE t.tag = 'added-to-salesforce-contact' AND c.email_lc LIKE '$1%'"; }
log_rows() { # log_rows EMAIL-PREFIX ACTION [REASON-TEXT]: applied log rows of that action for those people
	sqlite3 "$OPTSYNC_DB" "SELECT count(*) FROM log WHERE email LIKE '$1%' AND action = '$2' AND status = 'applied' AND instr(coalesce(reason, ''), '${3:-}') > 0"
}
people() { # people PREFIX COUNT [LISTS-JSON]: AC contacts with first and last names, each with a Contact
	local p='{"people":[' i lists=${3:-'{"1":1}'}
	for i in $(seq 1 "$2"); do
		p="$p{\"email\":\"$1$i@example.com\",\"first_name\":\"First$i\",\"last_name\":\"Last$i\",\"ac\":{\"lists\":$lists},\"sf\":[{\"type\":\"Contact\",\"first_name\":\"First$i\",\"last_name\":\"Last$i\",\"opted_out\":false}]},"
	done
	big_post people "${p%,}]}"
}

sbx_reset 3 0
people tag 200
optsync connect ac --url "$AC_URL" --key sandbox-ac-key >/dev/null
optsync connect sf --login-url "$SF_URL" --client-id sandbox-client-id --client-secret sandbox-client-secret >/dev/null
names_before=$(sqlite3 "$SB" "SELECT group_concat(email_lc || ':' || first_name || ':' || last_name) FROM ac_contacts ORDER BY id")
contacts_before=$(sqlite3 "$SB" "SELECT count(*) FROM ac_contacts")
stats_reset

# --- 200 newly linked contacts on a first sync: one import, every result read back -------------
out=$(optsync sync 2>&1)
expect_eq "first sync of 200 newly linked people exits 0" "$?" 0
expect_match "200 applied to ActiveCampaign" "$out" "applied 0 to Salesforce, 200 to ActiveCampaign"
expect_eq "200 contacts carry the link tag" "$(tagged tag)" 200
expect_eq "one bulk import for 200 contacts" "$(sbx_stat ac_imports)" 1
expect_eq "no contactTags call" "$(ac_posts contactTags)" 0
w=$(ac_writes)
[ "$w" -le 2 ] && ok "tagging 200 contacts took $w AC write calls (goal <= 2)" || fail "AC write calls for 200 tags" "$w"
expect_match "import/info was read before the actions were applied" "$(stat ac_import_info_calls)" '^[1-9]'
expect_eq "200 log rows: one per person and tag, applied through the import" "$(log_rows tag tag '(bulk import)')" 200
expect_eq "no contact was created by the import" "$(stat ac_import_contacts_created)" 0
expect_eq "no name or field was written by the import" "$(stat ac_import_fields_written)" 0
expect_eq "names are as they were" \
	"$(sqlite3 "$SB" "SELECT group_concat(email_lc || ':' || first_name || ':' || last_name) FROM ac_contacts ORDER BY id")" "$names_before"
expect_eq "exclude_automations is not sent (AC runs the automations, as for contactTags)" \
	"$(sqlite3 "$SB" "SELECT count(*) FROM ac_imports WHERE exclude_automations = 1")" 0
out=$(optsync sync 2>&1)
expect_eq "a second run exits 0" "$?" 0
expect_eq "a second run sends no import" "$(sbx_stat ac_imports)" 1
echo "# first sync of 200: $(grep -o 'API calls: ActiveCampaign [0-9]*' <<<"$out" | head -1)"

# --- below the threshold: the per-contact calls, as before --------------------------------------
people small 20
stats_reset
out=$(optsync sync 2>&1)
expect_eq "20 newly linked people: exits 0" "$?" 0
expect_eq "20 below the threshold of 50: no import" "$(sbx_stat ac_imports)" 0
expect_eq "20 below the threshold: one contactTags call each" "$(ac_posts contactTags)" 20
expect_eq "20 tagged" "$(tagged small)" 20
expect_eq "their log rows do not name the import" "$(log_rows small tag '(bulk import)')" 0

# --- a contact that fails in the import is tried again alone -----------------------------------
optsync set ac_bulk_threshold 10 >/dev/null
out=$(optsync set ac_bulk_threshold 9 2>&1)
expect_eq "ac_bulk_threshold below 10 is refused (usage, exit 2)" "$?" 2
expect_match "the refusal says what is accepted" "$out" "from 10 to 1000000"
people fail 15
sbx_knobs '{"ac_import_fail_email":"fail7@example.com"}'
stats_reset
out=$(optsync sync 2>&1)
expect_eq "a run with one contact failing in the import exits 0" "$?" 0
expect_eq "one import" "$(sbx_stat ac_imports)" 1
expect_eq "the failed contact alone went through contactTags" "$(ac_posts contactTags)" 1
expect_eq "all 15 tagged" "$(tagged fail)" 15
expect_eq "fail7 tagged" "$(ac_tags fail7@example.com)" "added-to-salesforce-contact"
expect_eq "14 applied through the import" "$(log_rows fail tag '(bulk import)')" 14
expect_eq "15 applied in all: fail7 per contact" "$(log_rows fail tag)" 15
sbx_knobs '{"ac_import_fail_email":null}'

# --- 400 "Rate limit exceeded": waited out ------------------------------------------------------
sbx_knobs '{"ac_import_rate_limit":1,"ac_import_window_s":10}'
people rate 12
# One import of two known contacts (no field: nothing changes) takes the window's one import (once
# the import of the section above has left the window).
for i in $(seq 1 15); do
	code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Api-Token: sandbox-ac-key' -H 'Content-Type: application/json' \
		-d '{"contacts":[{"email":"tag1@example.com"},{"email":"tag2@example.com"}]}' "$AC_URL/api/3/import/bulk_import")
	[ "$code" = 200 ] && break
	sleep 1
done
expect_eq "an import fills the window" "$code" 200
stats_reset
start=$(date +%s)
out=$(optsync sync 2>&1)
expect_eq "a run meeting the import rate limit exits 0" "$?" 0
expect_match "AC answered 400 Rate limit exceeded at least once" "$(sbx_stat ac_imports_rate_limited)" '^[1-9]'
expect_eq "then the import went through" "$(sbx_stat ac_imports)" 1
expect_eq "12 applied through the import" "$(log_rows rate tag '(bulk import)')" 12
expect_eq "no contactTags call" "$(ac_posts contactTags)" 0
echo "# the rate-limited import waited $(( $(date +%s) - start )) s in all"
sbx_knobs '{"ac_import_rate_limit":100,"ac_import_window_s":60}'

# --- an unknown email is never sent: Salesforce-only people are created one by one -------------
optsync set sf_import all >/dev/null
p='{"people":['
for i in $(seq 1 12); do p="$p{\"email\":\"sfonly$i@example.com\",\"ac\":null,\"sf\":[{\"type\":\"Contact\",\"first_name\":\"S$i\",\"last_name\":\"O$i\",\"opted_out\":false}]},"; done
sbx_person "${p%,}]}"
people more 12
stats_reset
out=$(optsync sync 2>&1)
expect_eq "a run creating 12 contacts and linking 12 exits 0" "$?" 0
expect_eq "the import created no contact" "$(stat ac_import_contacts_created)" 0
expect_eq "no sfonly address was in an import" \
	"$(sqlite3 "$SB" "SELECT count(*) FROM ac_imports WHERE success LIKE '%sfonly%' OR failure LIKE '%sfonly%'")" 0
expect_eq "the 12 linked went through the import" "$(log_rows more tag '(bulk import)')" 12
expect_eq "contacts in AC: those of the start, 20+15+12+12 added by hand, and the ones created through contact/sync" \
	"$(sqlite3 "$SB" "SELECT count(*) FROM ac_contacts")" "$((contacts_before + 20 + 15 + 12 + 12 + $(sbx_stat ac_contacts_created)))"
optsync set sf_import new >/dev/null

# --- R4 for 1,000 boxes ------------------------------------------------------------------------
optsync set ac_bulk_threshold 50 >/dev/null
people r4x 1000 '{"1":1,"2":1}'
optsync sync >/dev/null 2>&1
expect_eq "1000 more people linked" "$(tagged r4x)" 1000
evs='{"events":['
for i in $(seq 1 1000); do evs="$evs{\"type\":\"sf_check\",\"email\":\"r4x$i@example.com\"},"; done
big_post event "${evs%,}]}"
stats_reset
out=$(optsync sync 2>&1)
expect_eq "R4 for 1000 boxes: exits 0" "$?" 0
expect_match "2000 unsubscribes applied" "$out" "applied 0 to Salesforce, 2000 to ActiveCampaign"
expect_eq "every list of every one of them unsubscribed" \
	"$(sqlite3 "$SB" "SELECT count(*) FROM ac_contact_lists l JOIN ac_contacts c ON c.id = l.contact WHERE c.email_lc LIKE 'r4x%' AND l.status = 2")" 2000
expect_eq "no contactLists call" "$(ac_posts contactLists)" 0
w=$(ac_writes)
[ "$w" -le 8 ] && ok "R4 for 1000 boxes took $w AC write calls (floor 4, goal <= 8)" || fail "AC write calls for R4" "$w"
expect_eq "2000 log rows, one per person and list" "$(log_rows r4x unsubscribe '(bulk import)')" 2000
echo "# R4 of 1000 boxes: $(grep -o 'API calls: ActiveCampaign [0-9]*' <<<"$out" | head -1), $w writes"

echo "# perf_bulk: $E2E_PASS passed, $E2E_FAIL failed"
