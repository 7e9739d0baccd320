#!/usr/bin/env bash
# sync_person_accounts_later.sh - an org that turns Person Accounts on after optsync has run: the
# engine asks again once a day (here: the stored time set back 25 h) or at the run after /checks saw
# the change, or at the run after a Contact write was refused, with no full run; one clear log line; every person account read from the start under
# its own watermark, its person decided with the first sync's rules (opt-out sticky: a subscription
# newer than a checked box does not uncheck it); a Contact known from before that became a person
# contact is left out (no refused write); the runs before it ask nothing more than they did.
. "$(dirname "$0")/../lib/e2e.sh"
. "$(dirname "$0")/../lib/sandbox.sh"
stack_up
optsync() { "$BIN/optsync" "$@"; }
sbx_db() { sqlite3 "$T/sandbox.db" "PRAGMA busy_timeout=5000; $1" | tail -1; }
osql() { sqlite3 "$OPTSYNC_DB" "PRAGMA busy_timeout=5000; $1" | tail -1; }
pa() { sbx_state "$1" | json "' '.join(str(r['HasOptedOutOfEmail']).lower() for r in d['sf'] if r['type'] == '$2')"; }
account_reads() { sbx_db "SELECT count(*) FROM requests WHERE sys = 'sf' AND (path LIKE '%FROM%20Account%' OR path LIKE '%FROM+Account%')"; }
describes() { sbx_db "SELECT count(*) FROM requests WHERE sys = 'sf' AND path LIKE '%sobjects/Account/describe%'"; }
sf_calls() { sed -n 's/.*API calls: ActiveCampaign \([0-9]*\), Salesforce \([0-9]*\);.*/\2/p' <<<"$1"; }

# start PHASE: a fresh store and an org without Person Accounts, where was@ (to become a person
# account's contact) and plain@ are Contacts; a first sync, an idle one, then the feature on.
start() {
	sbx_reset 3 0
	sbx_knobs '{"person_accounts":true}'
	sbx_person '{"email":"was@example.com","ac":{"lists":{"1":1}},"sf":[{"type":"PersonAccount"}]}'
	sbx_knobs '{"person_accounts":false}' # with the feature off, was@ is a plain Contact
	sbx_person '{"email":"plain@example.com","ac":{"lists":{"1":1}},"sf":[{"type":"Contact"}]}'
	rm -f "$OPTSYNC_DB" "$OPTSYNC_DB-wal" "$OPTSYNC_DB-shm"
	optsync connect ac --url "$AC_URL" --key sandbox-ac-key >/dev/null || fail "$1: connect ac"
	optsync connect sf --login-url "$SF_URL" --client-id sandbox-client-id --client-secret sandbox-client-secret >/dev/null || fail "$1: connect sf"
	out=$(optsync sync 2>&1)
	expect_match "$1: the first sync, Person Accounts off, is complete" "$out" "^sync ok \(first sync\)"
	expect_eq "$1: was@ was read as a Contact" "$(osql "SELECT object FROM sf_records WHERE email = 'was@example.com'")" Contact
	expect_eq "$1: the answer is kept: off" "$(osql "SELECT value FROM watermarks WHERE name = 'sf_person_accounts'")" 0
	out=$(optsync sync 2>&1)
	IDLE_SF=$(sf_calls "$out")
	sbx_knobs '{"person_accounts":true}' # the org turns the feature on
}

# seed: people arrive as person accounts; was@'s AC contact unsubscribes.
seed() {
	sbx_person '{"email":"late-out@example.com","ac":{"lists":{"1":1}},"sf":[{"type":"PersonAccount","opted_out":true}]}'
	sbx_person '{"email":"late-conflict@example.com","ac":{"lists":{"1":1}},"sf":[{"type":"PersonAccount","opted_out":true}]}'
	# its box was checked an hour before the AC subscription: by times alone the subscription wins
	sbx_db "UPDATE sf_records SET modstamp_ms = modstamp_ms - 3600000, modified_ms = modified_ms - 3600000 WHERE lower(email) = 'late-conflict@example.com'" >/dev/null
	sbx_person '{"email":"late-ac@example.com","ac":{"lists":{"1":2}},"sf":[{"type":"PersonAccount"}]}'
	sbx_person '{"email":"late-in@example.com","ac":{"lists":{"1":1}},"sf":[{"type":"PersonAccount"}]}'
	sbx_event '{"type":"unsubscribe","email":"was@example.com"}'
}

# picked_up PHASE OUT: the run that noticed, and what it did.
picked_up() {
	expect_match "$1: the run is complete" "$2" "^sync ok"
	expect_eq "$1: the org was described again" "$(describes)" "$((DESCRIBES + 1))"
	expect_eq "$1: one clear log line says Person Accounts are now enabled" \
		"$(optsync log --json --limit 500 | grep -c 'Person Accounts are now enabled in this org')" 1
	expect_eq "$1: first-sync rules: late-out's checked box unsubscribes AC" "$(ac_list late-out@example.com 1)" 2
	expect_eq "$1: first-sync rules: late-conflict's box stays checked (opt-out sticky)" "$(pa late-conflict@example.com PersonAccount)" true
	expect_eq "$1: first-sync rules: late-conflict's AC unsubscribed" "$(ac_list late-conflict@example.com 1)" 2
	expect_eq "$1: late-ac's box checked (AC unsubscribed)" "$(pa late-ac@example.com PersonAccount)" true
	expect_eq "$1: late-in left as it is" "$(pa late-in@example.com PersonAccount)$(ac_list late-in@example.com 1)" false1
	expect_eq "$1: was@'s unsubscribe checked its person account" "$(pa was@example.com PersonAccount)" true
	expect_eq "$1: no refused write on the Contact that became a person contact" \
		"$(optsync log --email was@example.com --json --limit 20 | grep -c '"status":"failed"')" 0
	expect_eq "$1: the Contact that became a person contact is no longer kept: the store names the PersonAccount only" \
		"$(osql "SELECT group_concat(object) FROM sf_records WHERE email = 'was@example.com'")" PersonAccount
	expect_match "$1: optsync show names was@'s PersonAccount and no Contact" "$(optsync show --email was@example.com)" "PersonAccount"
	expect_eq "  (no Contact line)" "$(optsync show --email was@example.com | grep -c 'Contact 003')" 0
	expect_eq "$1: the person-account watermark is stored" "$(osql "SELECT count(*) FROM watermarks WHERE name = 'sf_person_account' AND value LIKE '20%'")" 1
	before=$(sbx_writes)
	out=$(optsync sync 2>&1)
	expect_match "$1: the next run is complete" "$out" "^sync ok"
	expect_eq "$1: the next run writes nothing" "$(sbx_writes)" "$before"
	expect_eq "$1: the line is not said again" "$(optsync log --json --limit 500 | grep -c 'Person Accounts are now enabled in this org')" 1
	expect_eq "$1: the next run describes nothing" "$(describes)" "$((DESCRIBES + 1))"
	# with the feature on, a run reads Account too: one query more than before, no describe
	expect_eq "$1: the idle run costs one Salesforce call more (the Account query)" "$(sf_calls "$out")" "$((IDLE_SF + 1))"
}

# ---- noticed at the run after the stored answer is a day old
start daily
DESCRIBES=$(describes)
reads=$(account_reads)
osql "UPDATE watermarks SET value = '$(( ($(date +%s) - 3600) * 1000 ))' WHERE name = 'sf_person_accounts_asked_ms'" >/dev/null
sbx_event '{"type":"unsubscribe","email":"plain@example.com"}'
out=$(optsync sync 2>&1)
expect_match "daily: an hour-old answer: the run is complete" "$out" "^sync ok"
expect_eq "daily: an hour-old answer: no describe" "$(describes)" "$DESCRIBES"
expect_eq "daily: an hour-old answer: Account not read" "$(account_reads)" "$reads"
expect_eq "daily: the Contact's unsubscribe still reached Salesforce" "$(sf_box plain@example.com)" True
seed
osql "UPDATE watermarks SET value = '$(( ($(date +%s) - 25 * 3600) * 1000 ))' WHERE name = 'sf_person_accounts_asked_ms'" >/dev/null
out=$(optsync sync 2>&1)
picked_up daily "$out"

# ---- noticed at the run after /checks saw the change
start checks
seed
expect_match "checks: /checks says Person Accounts are enabled" "$(optsync check 2>&1)" "enabled: person accounts"
expect_match "checks: /checks counts the person-account tags" "$(optsync check 2>&1)" "eight optsync tags"
DESCRIBES=$(describes)
out=$(optsync sync 2>&1)
picked_up checks "$out"

# ---- noticed at the run after a Contact write was refused (the answer an hour old, not due)
start refused
seed
osql "UPDATE watermarks SET value = '$(( ($(date +%s) - 3600) * 1000 ))' WHERE name = 'sf_person_accounts_asked_ms'" >/dev/null
DESCRIBES=$(describes)
out=$(optsync sync 2>&1)
expect_match "refused: the run writing was@'s old Contact is partial" "$out" "^sync partial"
expect_eq "refused: no describe in that run (the answer is an hour old)" "$(describes)" "$DESCRIBES"
expect_match "refused: the Contact write was refused and logged failed" \
	"$(optsync log --email was@example.com --json --limit 20)" '"status":"failed"'
expect_eq "refused: the next run is told to ask again" \
	"$(osql "SELECT value FROM watermarks WHERE name = 'sf_person_accounts_asked_ms'")" 0
out=$(optsync sync 2>&1)
expect_match "refused: the next run is complete" "$out" "^sync ok"
expect_eq "refused: it described Account" "$(describes)" "$((DESCRIBES + 1))"
expect_eq "refused: one clear log line says Person Accounts are now enabled" \
	"$(optsync log --json --limit 500 | grep -c 'Person Accounts are now enabled in this org')" 1
expect_eq "refused: was@'s unsubscribe checked its person account" "$(pa was@example.com PersonAccount)" true
expect_eq "refused: late-out's checked box unsubscribes AC" "$(ac_list late-out@example.com 1)" 2

echo "# sync_person_accounts_later: $E2E_PASS passed, $E2E_FAIL failed"
