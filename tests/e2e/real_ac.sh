#!/usr/bin/env bash
# real_ac.sh - ActiveCampaign as its documentation says it behaves, emulated by the sandbox: list
# statuses beyond 0-3 (91), webhook bodies as AC sends them (a local date_time, several lists in one
# unsubscribe, account-level events, the same delivery twice), https webhooks only on port 443, and
# creating POSTs whose answer is lost (no duplicate tag, no duplicate contactTag).
. "$(dirname "$0")/../lib/e2e.sh"
. "$(dirname "$0")/../lib/sandbox.sh"
stack_up
sbx_reset 13 0
optsync() { "$BIN/optsync" "$@"; }
sbx_db() { sqlite3 "$T/sandbox.db" "$1"; }

# ---- list status 91 (removed through AC's v1 API): not on the list; never fails the read or the run
sbx_person '{"email":"unsub@example.com","ac":{"lists":{"1":2}},"sf":[{"type":"Contact","opted_out":false}]}'
sbx_person '{"email":"sub@example.com","ac":{"lists":{"1":1,"2":1,"3":1}},"sf":[{"type":"Contact","opted_out":false}]}'
optsync connect ac --url "$AC_URL" --key sandbox-ac-key >/dev/null || fail "connect ac"
optsync connect sf --login-url "$SF_URL" --client-id sandbox-client-id --client-secret sandbox-client-secret >/dev/null || fail "connect sf"
url=$(optsync webhook --public-url "$BASE" --register | head -1)

# A creating POST whose answer is lost (done at AC, answered 504): looked up, not sent twice.
sbx_knobs '{"lost_answer_path":"/api/3/tags","lost_answer_count":1}'
out=$(optsync sync 2>&1)
expect_eq "first sync exits 0" "$?" 0
expect_eq "first sync: the unsubscribed person's box is checked" "$(sf_box unsub@example.com)" True
# Later runs read each changed contact's memberships (contactLists), where AC shows status 91.
sbx_person '{"email":"removed91@example.com","ac":{"lists":{"1":91,"2":1}},"sf":[{"type":"Contact","opted_out":false}]}'
sbx_person '{"email":"only91@example.com","ac":{"lists":{"1":91}},"sf":[{"type":"Lead","opted_out":false}]}'
sbx_person '{"email":"unsub2@example.com","ac":{"lists":{"1":2}},"sf":[{"type":"Contact","opted_out":false}]}'
out=$(optsync sync 2>&1)
expect_eq "status 91: the run exits 0" "$?" 0
expect_match "status 91: everyone is read and decided" "$out" "^sync ok"
expect_eq "status 91: another person's unsubscribe is written (box checked)" "$(sf_box unsub2@example.com)" True
expect_eq "status 91: a contact subscribed elsewhere stays opted in" "$(sf_box removed91@example.com)" False
expect_eq "status 91: a contact only 'removed' is not an unsubscribe" "$(sf_box only91@example.com Lead)" False
expect_eq "status 91: said once in the log" "$(sqlite3 "$OPTSYNC_DB" "SELECT count(*) FROM log WHERE reason LIKE '%status 91%'")" 1
expect_match "status 91: the log says what it means" "$(sqlite3 "$OPTSYNC_DB" "SELECT reason FROM log WHERE reason LIKE '%status 91%'")" "removed from the contact through AC's v1 API.*treated as not on that list"
expect_eq "lost answer: one POST /tags answer was lost" "$(sbx_stat lost_answers)" 1
expect_eq "lost answer: every tag name exists once" "$(sbx_db "SELECT count(*) - count(DISTINCT lower(tag)) FROM ac_tags")" 0
expect_eq "lost answer: added-to-salesforce-contact exists once" "$(sbx_db "SELECT count(*) FROM ac_tags WHERE tag = 'added-to-salesforce-contact'")" 1

# contactTags: lost once, the contact carries the tag once.
sbx_knobs '{"lost_answer_path":"/api/3/contactTags","lost_answer_count":1}'
sbx_person '{"email":"newlink@example.com","ac":{"lists":{"1":1}}}'
sbx_event '{"type":"sf_create","email":"newlink@example.com","object":"Contact","first_name":"New","last_name":"Link"}'
optsync sync >"$T/s2.out" 2>&1
expect_eq "lost contactTag answer: the run exits 0" "$?" 0
expect_eq "lost contactTag answer: lost once" "$(sbx_stat lost_answers)" 2
expect_match "lost contactTag answer: the contact is tagged" "$(ac_tags newlink@example.com)" "added-to-salesforce-contact"
expect_eq "lost contactTag answer: tagged once, no duplicate" \
	"$(sbx_db "SELECT count(*) FROM ac_contact_tags ct JOIN ac_contacts c ON c.id = ct.contact WHERE c.email = 'newlink@example.com'")" 1
sbx_knobs '{"lost_answer_path":null}'

# ---- webhooks: one unsubscribe from every list at once (list 0, list[][id] each)
sbx_event '{"type":"unsubscribe","email":"sub@example.com","one_webhook":true,"wait":true}'
body=$(curl -fsS "$SANDBOX_CONTROL/deliveries?limit=1" | json 'd["deliveries"][0]["body"]')
expect_match "sandbox: one webhook, account-level (list=0)" "$body" "(^|&)list=0(&|$)"
expect_eq "sandbox: naming each list in list[][id]" "$(printf '%s' "$body" | grep -o 'list%5B%5D%5Bid%5D=[0-9]*' | tr '\n' ' ')" "list%5B%5D%5Bid%5D=1 list%5B%5D%5Bid%5D=2 list%5B%5D%5Bid%5D=3 "
optsync sync >/dev/null 2>&1
expect_eq "one webhook for three lists: stored once" "$(sqlite3 "$OPTSYNC_DB" "SELECT count(*) FROM events WHERE email = 'sub@example.com'")" 1
expect_eq "one webhook for three lists: applied (box checked)" "$(sf_box sub@example.com)" True
expect_eq "one webhook for three lists: processed" "$(sqlite3 "$OPTSYNC_DB" "SELECT count(*) FROM events WHERE email = 'sub@example.com' AND processed_at IS NOT NULL")" 1

# ---- the same delivery twice: stored and applied once
sbx_person '{"email":"twice@example.com","ac":{"lists":{"1":1}},"sf":[{"type":"Contact","opted_out":false}]}'
optsync sync >/dev/null 2>&1
sbx_knobs '{"webhook_repeat":2}'
sbx_event '{"type":"unsubscribe","email":"twice@example.com","list":1,"wait":true}'
expect_eq "sandbox: the delivery went twice" "$(curl -fsS "$SANDBOX_CONTROL/deliveries?limit=2" | json 'len([x for x in d["deliveries"] if x["state"] == "delivered" and "twice%40example.com" in x["body"]])')" 2
expect_eq "the same delivery twice: stored once" "$(sqlite3 "$OPTSYNC_DB" "SELECT count(*) FROM events WHERE email = 'twice@example.com'")" 1
optsync sync >/dev/null 2>&1
expect_eq "the same delivery twice: applied (box checked)" "$(sf_box twice@example.com)" True
expect_eq "the same delivery twice: one opt_out in the log" "$(sqlite3 "$OPTSYNC_DB" "SELECT count(*) FROM log WHERE email = 'twice@example.com' AND action = 'opt_out' AND status = 'applied'")" 1
sbx_knobs '{"webhook_repeat":1}'

# ---- a date_time without offset is the account's local time (offset learned from udate)
expect_eq "the account's offset was learned from AC's udates" "$(sqlite3 "$OPTSYNC_DB" "SELECT value FROM watermarks WHERE name = 'ac_utc_offset_min'")" -360
sbx_knobs '{"webhook_date_format":"local"}'
sbx_event '{"type":"subscribe","email":"twice@example.com","list":2,"wait":true}'
body=$(curl -fsS "$SANDBOX_CONTROL/deliveries?limit=1" | json 'd["deliveries"][0]["body"]')
expect_match "sandbox: a local date_time (no offset)" "$body" "date_time=[0-9]{4}-[0-9]{2}-[0-9]{2}\+[0-9]{2}%3A[0-9]{2}%3A[0-9]{2}&"
optsync sync >/dev/null 2>&1
expect_eq "local date_time: the later subscription wins (box unchecked)" "$(sf_box twice@example.com)" False
sbx_knobs '{"webhook_date_format":"offset"}'

# ---- https webhooks only on port 443
out=$(optsync webhook --public-url https://optsync.example.com:8443 --register 2>&1)
expect_eq "port 8443: webhook --register exits 1" "$?" 1
expect_match "port 8443: the message says why" "$out" "only on port 443.*names port 8443"
expect_eq "port 8443: nothing registered" "$(sbx_db "SELECT count(*) FROM ac_webhooks WHERE url LIKE '%:8443%'")" 0
# The calls just before may have spent this second's 5 requests: a 429 is waited out, as a client would.
for try in 1 2 3; do
	code=$(curl -s -o "$T/wh.json" -w '%{http_code}' -X POST -H 'Api-Token: sandbox-ac-key' -H 'Content-Type: application/json' \
		-d '{"webhook":{"name":"x","url":"https://optsync.example.com:8443/hooks/x","events":["subscribe"],"sources":["public"]}}' "$AC_URL/api/3/webhooks")
	[ "$code" = 429 ] || break
	sleep 1
done
expect_eq "sandbox: an https webhook on another port is refused (422)" "$code" 422
expect_match "sandbox: saying why" "$(cat "$T/wh.json")" "port 443"
optsync webhook --public-url "$BASE" >/dev/null
