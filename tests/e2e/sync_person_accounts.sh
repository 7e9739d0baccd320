#!/usr/bin/env bash
# sync_person_accounts.sh - an org with Person Accounts: a person account is read once (from Account,
# its mirror Contact left out), its box is written on the Account (PersonHasOptedOutOfEmail), every
# rule holds for it as for a Contact, a Lead beside it gets the same value, a Lead converted into a
# person account carries its opt-out and gets the conversion tag; sf_import makes AC contacts from
# person accounts; and an org without the feature sends the SOQL it always sent.
. "$(dirname "$0")/../lib/e2e.sh"
. "$(dirname "$0")/../lib/sandbox.sh"
stack_up
optsync() { "$BIN/optsync" "$@"; }
sbx_db() { sqlite3 "$T/sandbox.db" "PRAGMA busy_timeout=5000; $1" | tail -1; }
pa() { sbx_state "$1" | json "' '.join(str(r['HasOptedOutOfEmail']).lower() for r in d['sf'] if r['type'] == '$2')"; }
pa_id() { sbx_state "$1" | json "[r['Id'] for r in d['sf'] if r['type'] == 'PersonAccount'][0]"; }
soql_with() { sbx_db "SELECT count(*) FROM requests WHERE sys = 'sf' AND path LIKE '%$1%'"; }

# ---- an org without Person Accounts: the same SOQL as before
sbx_reset 3 0
sbx_person '{"email":"plain@example.com","ac":{"lists":{"1":1}},"sf":[{"type":"Contact"}]}'
optsync connect ac --url "$AC_URL" --key sandbox-ac-key >/dev/null || fail "connect ac"
optsync connect sf --login-url "$SF_URL" --client-id sandbox-client-id --client-secret sandbox-client-secret >/dev/null || fail "connect sf"
out=$(optsync sync 2>&1)
expect_match "off: the first sync is complete" "$out" "^sync ok \(first sync\)"
expect_eq "off: no query names IsPersonAccount" "$(soql_with IsPersonAccount)" 0
expect_eq "off: no query reads Account" "$(soql_with 'FROM%20Account')$(soql_with 'FROM+Account')" 00
expect_match "off: /checks says Person Accounts are not enabled" "$(optsync check 2>&1)" "not enabled in this org"

# ---- the same sandbox with Person Accounts on (a fresh connection detects it again)
sbx_post reset '{"seed":3,"people":0,"person_accounts":true}' >/dev/null || fail "reset with person accounts"
sbx_knobs '{"field_history":true}'
sbx_person '{"email":"pat@example.com","ac":{"lists":{"1":1,"2":1}},"sf":[{"type":"PersonAccount","first_name":"Pat","last_name":"Person"}]}'
sbx_person '{"email":"both@example.com","ac":{"lists":{"1":1}},"sf":[{"type":"PersonAccount"},{"type":"Lead"}]}'
sbx_person '{"email":"bounce@example.com","ac":{"lists":{"1":1}},"sf":[{"type":"PersonAccount"}]}'
sbx_person '{"email":"conv@example.com","ac":{"lists":{"1":1}},"sf":[{"type":"Lead","opted_out":true}]}'
sbx_person '{"email":"import@example.com","sf":[{"type":"PersonAccount","first_name":"Ima","last_name":"Port"}]}'
acc=$(pa_id pat@example.com)
mirror=$(sbx_state pat@example.com | json "[r['PersonContactId'] for r in d['sf'] if r['type'] == 'PersonAccount'][0]")

# The sandbox as Salesforce documents it: the Person fields on Account, the mirror Contact refused.
TOK=$(curl -fsS -X POST "$SF_URL/services/oauth2/token" -d grant_type=client_credentials -d client_id=sandbox-client-id -d client_secret=sandbox-client-secret)
TOKEN=$(echo "$TOK" | json "d['access_token']")
INST=$(echo "$TOK" | json "d['instance_url']")
sfget() { curl -sS -H "Authorization: Bearer $TOKEN" "$INST/services/data/v62.0/$1"; }
expect_match "sandbox: Account describe lists PersonHasOptedOutOfEmail" "$(sfget sobjects/Account/describe)" '"name": *"PersonHasOptedOutOfEmail"'
expect_match "sandbox: the mirror Contact has IsPersonAccount true" \
	"$(sfget "query?q=SELECT+Id,IsPersonAccount+FROM+Contact+WHERE+Id+=+'$mirror'")" '"IsPersonAccount": *true'
refusal=$(curl -sS -X PATCH -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
	"$INST/services/data/v62.0/sobjects/Contact/$mirror" -d '{"HasOptedOutOfEmail":true}')
expect_match "sandbox: a direct update of the mirror Contact's box is refused" "$refusal" "INVALID_FIELD_FOR_INSERT_UPDATE"

optsync connect sf --login-url "$SF_URL" --client-id sandbox-client-id --client-secret sandbox-client-secret >/dev/null || fail "reconnect sf"
optsync set sf_import all >/dev/null || fail "set sf_import all"
optsync sync --full >/dev/null 2>&1
expect_match "on: /checks says Person Accounts are enabled" "$(optsync check 2>&1)" "enabled: person accounts"
expect_eq "on: Contact reads leave the mirror Contacts out" "$(( $(soql_with 'IsPersonAccount%20%3D%20false') + $(soql_with 'IsPersonAccount+%3D+false') > 0 ))" 1
expect_eq "first sync: a converted-later Lead opted out unsubscribes its person" "$(ac_list conv@example.com 1)" 2
expect_eq "import: an AC contact made from the person account" "$(sbx_db "SELECT first_name || ' ' || last_name FROM ac_contacts WHERE email_lc = 'import@example.com'")" "Ima Port"
expect_match "import: tagged created-from-salesforce-person-account" "$(ac_tags import@example.com)" "created-from-salesforce-person-account"
expect_match "link: pat's AC contact tagged added-to-salesforce-person-account" "$(ac_tags pat@example.com)" "added-to-salesforce-person-account"

# ---- R2: AC unsubscribe -> the box checked on the Account (the mirror is the same row)
mirror_patches=$(sbx_db "SELECT count(*) FROM requests WHERE sys = 'sf' AND method = 'PATCH' AND path LIKE '%sobjects/Contact/$mirror%'")
sbx_event '{"type":"unsubscribe","email":"pat@example.com"}'
optsync sync >/dev/null 2>&1
expect_eq "R2: PersonHasOptedOutOfEmail checked on the person account" "$(pa pat@example.com PersonAccount)" "true"
expect_eq "R2: written on the Account, not the Contact" "$(sbx_db "SELECT count(*) FROM requests WHERE sys = 'sf' AND method = 'PATCH' AND path LIKE '%sobjects/Contact/$mirror%'")" "$mirror_patches"
expect_match "R2: the composite call named the Account" "$(sbx_db "SELECT count(*) FROM requests WHERE sys = 'sf' AND method = 'PATCH' AND path LIKE '%composite/sobjects%'")" "^[1-9]"
expect_match "R2: the log names the object PersonAccount" "$(optsync log --email pat@example.com --json --limit 5)" '"object":"PersonAccount"'
# ---- R1: opt back in at AC -> the box unchecked
sbx_event '{"type":"subscribe","email":"pat@example.com","list":1}'
optsync sync >/dev/null 2>&1
expect_eq "R1: the person account's box unchecked" "$(pa pat@example.com PersonAccount)" "false"
# ---- R4: the box checked on the Account -> AC unsubscribed from every list
sbx_event "{\"type\":\"sf_check\",\"id\":\"$acc\"}"
optsync sync >/dev/null 2>&1
expect_eq "R4: AC unsubscribed from both lists" "$(ac_list pat@example.com 1)$(ac_list pat@example.com 2)" 22
# ---- R5: the box unchecked on the Account -> nothing in AC (only the person re-subscribes), skipped
sbx_event "{\"type\":\"sf_uncheck\",\"id\":\"$acc\"}"
optsync sync >/dev/null 2>&1
expect_eq "R5: the person account's box is unchecked" "$(pa pat@example.com PersonAccount)" "false"
expect_eq "R5: AC still unsubscribed from both lists" "$(ac_list pat@example.com 1)$(ac_list pat@example.com 2)" 22
expect_match "R5: logged as skipped, the reason naming the PersonAccount" "$(optsync log --email pat@example.com --json --limit 3)" '"status":"skipped","reason":"Email Opt Out unchecked on PersonAccount 001'
# /contacts' view (optsync show shares it) names the object PersonAccount; the audit keeps R5's difference
expect_match "show: the record is a PersonAccount" "$(optsync show --email pat@example.com)" "PersonAccount"
expect_match "show --json: object PersonAccount" "$(optsync show --email pat@example.com --json)" '"object": *"PersonAccount"'
expect_match "audit CSV: pat's difference accepted (R5)" "$(optsync audit --csv)" "pat@example.com,opted_in,opted_out,accepted,.*\\(R5\\)"
# ---- R3: a hard bounce
sbx_event '{"type":"bounce_hard","email":"bounce@example.com"}'
optsync sync >/dev/null 2>&1
expect_eq "R3: the hard-bounced person account checked" "$(pa bounce@example.com PersonAccount)" "true"
# ---- a person account and a Lead with one email get the same value
sbx_event '{"type":"unsubscribe","email":"both@example.com"}'
optsync sync >/dev/null 2>&1
expect_eq "same value: the person account checked" "$(pa both@example.com PersonAccount)" "true"
expect_eq "same value: the Lead checked" "$(pa both@example.com Lead)" "true"
# ---- a Lead converted into a person account carries its opt-out and gets the tag
sbx_person '{"email":"lead2pa@example.com","ac":{"lists":{"1":1}},"sf":[{"type":"Lead"}]}'
optsync sync >/dev/null 2>&1
sbx_event '{"type":"sf_check","email":"lead2pa@example.com"}'
optsync sync >/dev/null 2>&1
sbx_event '{"type":"convert_lead","email":"lead2pa@example.com","person_account":true}'
expect_eq "convert: the Lead's ConvertedAccountId is the new person account" \
	"$(sbx_state lead2pa@example.com | json "[r['ConvertedAccountId'] for r in d['sf'] if r['type'] == 'Lead'][0] == [r['Id'] for r in d['sf'] if r['type'] == 'PersonAccount'][0]")" True
out=$(optsync sync 2>&1)
expect_match "convert: the run is complete" "$out" "^sync ok"
expect_eq "convert: the person account keeps the Lead's opt-out" "$(pa lead2pa@example.com PersonAccount)" "true"
expect_match "convert: tagged salesforce-lead-converted-to-person-account" "$(ac_tags lead2pa@example.com)" "salesforce-lead-converted-to-person-account"
before=$(sbx_writes)
optsync sync >/dev/null
expect_eq "a run after all that writes nothing" "$(sbx_writes)" "$before"

