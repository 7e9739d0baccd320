#!/bin/bash
# sandbox_api.sh - the sandbox's emulated ActiveCampaign and Salesforce APIs, its control API, fault
# knobs, webhook delivery and console, through the real nginx (asserting the state, not only codes).
. "$(dirname "$0")/../lib/e2e.sh"
stack_up

C=$SANDBOX_CONTROL
KEY=sandbox-ac-key
CID=sandbox-client-id
SEC=sandbox-client-secret

ctl() { # ctl METHOD PATH [JSON]
	if [ -n "${3:-}" ]; then
		curl -s -X "$1" -H 'Content-Type: application/json' --data-binary "$3" "$C$2"
	else
		curl -s -X "$1" "$C$2"
	fi
}
ac() { curl -s -H "Api-Token: $KEY" "$@"; }
code_of() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
token() { # token -> "ACCESS INSTANCE_URL"
	curl -s -X POST "$SF_URL/services/oauth2/token" -d grant_type=client_credentials -d "client_id=$CID" \
		-d "client_secret=$SEC" | json 'd["access_token"] + " " + d["instance_url"]'
}
soql() { # soql "SOQL" -> JSON of the first page
	curl -s -G -H "Authorization: Bearer $AT" "$INST/services/data/v62.0/query" --data-urlencode "q=$1"
}

# --- reset and seed ------------------------------------------------------------------------------
ctl POST /reset '{"seed":7,"people":250}' >"$T/info.json"
expect_match "reset answers with counts" "$(cat "$T/info.json")" '"ac_contacts":[1-9][0-9]+'
first=$(ac "$AC_URL/api/3/contacts?limit=5" | json '",".join(c["email"] for c in d["contacts"])')
ctl POST /reset '{"seed":7,"people":250}' >/dev/null
again=$(ac "$AC_URL/api/3/contacts?limit=5" | json '",".join(c["email"] for c in d["contacts"])')
expect_eq "seeding is deterministic" "$again" "$first"
# the functional checks below go faster than AC's 5/s: the limit has its own section
ctl POST /knobs '{"ac_rate_limit":0}' >/dev/null
expect_match "the seed has mixed-case emails in Salesforce" \
	"$(sqlite3 "$T/sandbox.db" "SELECT count(*) FROM sf_records WHERE email <> lower(email)")" '^[1-9]'
expect_match "the seed has converted Leads" \
	"$(sqlite3 "$T/sandbox.db" "SELECT count(*) FROM sf_records WHERE is_converted = 1")" '^[1-9]'
expect_match "the seed has a Lead and a Contact with one email" \
	"$(sqlite3 "$T/sandbox.db" "SELECT count(*) FROM (SELECT lower(email) e FROM sf_records WHERE email IS NOT NULL GROUP BY e HAVING count(DISTINCT type) = 2)")" '^[1-9]'
expect_match "the seed has two Contacts with one email" \
	"$(sqlite3 "$T/sandbox.db" "SELECT count(*) FROM (SELECT lower(email) e FROM sf_records WHERE type = 'Contact' AND is_converted = 0 GROUP BY e HAVING count(*) > 1)")" '^[1-9]'
expect_match "the seed has Salesforce people without email" \
	"$(sqlite3 "$T/sandbox.db" "SELECT count(*) FROM sf_records WHERE email IS NULL")" '^[1-9]'
expect_match "the seed has unsubscribed and bounced list members" \
	"$(sqlite3 "$T/sandbox.db" "SELECT count(DISTINCT status) FROM ac_contact_lists WHERE status IN (2, 3)")" '^2$'

# --- ActiveCampaign: auth, paging, filters --------------------------------------------------------
expect_eq "AC without Api-Token is 403" "$(code_of "$AC_URL/api/3/users/me")" 403
expect_eq "AC with a wrong Api-Token is 403" "$(code_of -H 'Api-Token: nope' "$AC_URL/api/3/users/me")" 403
expect_eq "AC users/me" "$(ac "$AC_URL/api/3/users/me" | json 'd["user"]["id"]')" 1
expect_eq "AC unknown path is 404 JSON" "$(ac "$AC_URL/api/3/nothing-here" | json '"message" in d')" True

ac "$AC_URL/api/3/contacts?orders%5Bid%5D=ASC&limit=100" >"$T/p1.json"
expect_eq "meta.total is a string" "$(json 'type(d["meta"]["total"]).__name__' <"$T/p1.json")" str
expect_eq "contact ids are strings" "$(json 'all(type(c["id"]) is str for c in d["contacts"])' <"$T/p1.json")" True
expect_match "udate carries the account offset" "$(json 'd["contacts"][0]["udate"]' <"$T/p1.json")" \
	'^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:]{8}-06:00$'
total=$(json 'int(d["meta"]["total"])' <"$T/p1.json")
# walk every page with id_greater
seen=0 last=0 pages=0 ascending=True
while :; do
	ac "$AC_URL/api/3/contacts?orders%5Bid%5D=ASC&limit=100&id_greater=$last" >"$T/page.json"
	n=$(json 'len(d["contacts"])' <"$T/page.json")
	[ "$n" -eq 0 ] && break
	ok_page=$(json "all(int(c['id']) > $last for c in d['contacts']) and [int(c['id']) for c in d['contacts']] == sorted(int(c['id']) for c in d['contacts'])" <"$T/page.json")
	[ "$ok_page" = True ] || ascending=False
	last=$(json 'd["contacts"][-1]["id"]' <"$T/page.json")
	seen=$((seen + n)) pages=$((pages + 1))
	[ $pages -gt 20 ] && break
done
expect_eq "id_greater paging reads every contact once" "$seen" "$total"
expect_eq "id_greater pages ascend" "$ascending" True
expect_eq "limit is capped at 100" "$(ac "$AC_URL/api/3/contacts?limit=500" | json 'len(d["contacts"])')" 100
expect_eq "offset pages too" "$(ac "$AC_URL/api/3/contacts?limit=10&offset=10" | json 'd["contacts"][0]["id"]')" \
	"$(json 'd["contacts"][10]["id"]' <"$T/p1.json")"

email=$(json 'd["contacts"][3]["email"]' <"$T/p1.json")
id3=$(json 'd["contacts"][3]["id"]' <"$T/p1.json")
upper=$(printf '%s' "$email" | tr 'a-z' 'A-Z')
expect_eq "email= ignores case" "$(ac -G "$AC_URL/api/3/contacts" --data-urlencode "email=$upper" | json 'd["contacts"][0]["id"]')" "$id3"
udate=$(json 'd["contacts"][3]["udate"]' <"$T/p1.json")
expect_eq "filters[updated_after] is inclusive" \
	"$(ac -G "$AC_URL/api/3/contacts" --data-urlencode "filters[updated_after]=$udate" --data-urlencode "limit=100" |
		json "any(c['id'] == '$id3' for c in d['contacts'])")" True
expect_eq "filters[updated_after] leaves older contacts out" \
	"$(ac -G "$AC_URL/api/3/contacts" --data-urlencode "filters[updated_after]=$udate" --data-urlencode "limit=100" |
		json "all(c['udate'] >= '$udate' for c in d['contacts'])")" True
expect_eq "a bad filters[updated_after] is refused" \
	"$(code_of -H "Api-Token: $KEY" "$AC_URL/api/3/contacts?filters%5Bupdated_after%5D=yesterday")" 400

members=$(ac "$AC_URL/api/3/contacts?listid=1&status=1&limit=100" | json 'int(d["meta"]["total"])')
expect_eq "listid+status counts the list's active members" "$members" \
	"$(sqlite3 "$T/sandbox.db" "SELECT count(*) FROM ac_contact_lists WHERE list = 1 AND status = 1")"
expect_eq "lists: three, meta.total a string" "$(ac "$AC_URL/api/3/lists" | json 'd["meta"]["total"]')" 3

# --- ActiveCampaign: writes ------------------------------------------------------------------------
ac -X POST "$AC_URL/api/3/contact/sync" -d '{"contact":{"email":"New.Person@Example.org","firstName":"New","lastName":"Person"}}' \
	-o "$T/sync.json" -w '%{http_code}' >"$T/sync.code"
expect_eq "contact/sync creates: 201" "$(cat "$T/sync.code")" 201
nid=$(json 'd["contact"]["id"]' <"$T/sync.json")
expect_eq "contact/sync again updates: 200" "$(ac -X POST "$AC_URL/api/3/contact/sync" -o /dev/null -w '%{http_code}' \
	-d '{"contact":{"email":"new.person@example.org","lastName":"Persson"}}')" 200
expect_eq "contact/sync matched the same contact" "$(ac "$AC_URL/api/3/contacts/$nid" | json 'd["contact"]["lastName"]')" Persson
before=$(ac "$AC_URL/api/3/contacts/$nid" | json 'd["contact"]["udate"]')
sleep 1.1
ac -X POST "$AC_URL/api/3/contactLists" -d "{\"contactList\":{\"list\":\"2\",\"contact\":\"$nid\",\"status\":\"1\"}}" >/dev/null
ac -X POST "$AC_URL/api/3/contactLists" -d "{\"contactList\":{\"list\":2,\"contact\":$nid,\"status\":2}}" >"$T/cl.json"
expect_eq "contactLists POST answers the membership" "$(json 'd["contactList"]["list"]' <"$T/cl.json")" 2
expect_eq "contactLists GET shows status 2" "$(ac "$AC_URL/api/3/contacts/$nid/contactLists" | json 'd["contactLists"][0]["status"]')" 2
after=$(ac "$AC_URL/api/3/contacts/$nid" | json 'd["contact"]["udate"]')
if [ "$after" \> "$before" ]; then ok "a list status change moves the contact's udate"; else fail "udate moves" "$before -> $after"; fi
expect_eq "contactLists POST to an unknown list is 422" "$(ac -X POST "$AC_URL/api/3/contactLists" -o /dev/null -w '%{http_code}' \
	-d "{\"contactList\":{\"list\":99,\"contact\":$nid,\"status\":2}}")" 422

expect_eq "tags?search= is a substring match (the decoy comes back)" \
	"$(ac "$AC_URL/api/3/tags?search=added-to-salesforce-lead" | json '[t["tag"] for t in d["tags"]]')" \
	"['added-to-salesforce-lead-legacy']"
ac -X POST "$AC_URL/api/3/tags" -d '{"tag":{"tag":"added-to-salesforce-lead","tagType":"contact","description":"optsync"}}' >"$T/tag.json"
tid=$(json 'd["tag"]["id"]' <"$T/tag.json")
expect_eq "a duplicate tag is 422" "$(ac -X POST "$AC_URL/api/3/tags" -o /dev/null -w '%{http_code}' \
	-d '{"tag":{"tag":"added-to-salesforce-lead","tagType":"contact"}}')" 422
ac -X POST "$AC_URL/api/3/contactTags" -d "{\"contactTag\":{\"contact\":\"$nid\",\"tag\":\"$tid\"}}" >/dev/null
ac -X POST "$AC_URL/api/3/contactTags" -d "{\"contactTag\":{\"contact\":\"$nid\",\"tag\":\"$tid\"}}" >/dev/null
expect_eq "a tag is on a contact once" "$(ac "$AC_URL/api/3/contacts/$nid/contactTags" | json 'len(d["contactTags"])')" 1
expect_eq "the repeated add is counted" "$(ctl GET /stats | json 'd["ac_contact_tags_duplicate"]')" 1
bounced=$(sqlite3 "$T/sandbox.db" "SELECT contact FROM ac_bounce_logs LIMIT 1")
expect_match "bounceLogs of a bounced contact" "$(ac "$AC_URL/api/3/contacts/$bounced/bounceLogs" | json 'd["bounceLogs"][0]["contact"]')" "^$bounced\$"
expect_eq "an unknown contact is 404" "$(code_of -H "Api-Token: $KEY" "$AC_URL/api/3/contacts/999999")" 404

# --- ActiveCampaign: rate limit and the one-second high-water mark --------------------------------
ctl POST /knobs '{"ac_rate_limit":5}' >/dev/null
ctl POST /stats/reset >/dev/null
sleep 1.1
pids=""
for i in $(seq 1 12); do
	curl -s -o /dev/null -D "$T/rl.$i" -H "Api-Token: $KEY" "$AC_URL/api/3/users/me" &
	pids="$pids $!"
done
wait $pids # only the curls: the stack's servers are background jobs of this shell too
n429=$(grep -l '^HTTP/1.1 429' "$T"/rl.* | wc -l)
expect_eq "12 requests at once: 7 answered 429" "$n429" 7
expect_match "a 429 carries Retry-After" "$(cat $(grep -l '^HTTP/1.1 429' "$T"/rl.* | head -1))" 'Retry-After: [1-9]'
expect_eq "stats: ac_429" "$(ctl GET /stats | json 'd["ac_429"]')" 7
expect_eq "stats: the peak counts every arrival" "$(ctl GET /stats | json 'd["ac_max_per_second"]')" 12
sleep 1.1
ctl POST /stats/reset >/dev/null
for i in $(seq 1 9); do
	ac -o /dev/null "$AC_URL/api/3/users/me"
	sleep 0.3
done
peak=$(ctl GET /stats | json 'd["ac_max_per_second"]')
if [ "$peak" -ge 3 ] && [ "$peak" -le 4 ]; then ok "a request every 0.3 s peaks at 3-4 per second ($peak)"; else fail "paced peak" "$peak"; fi
expect_eq "paced requests are never refused" "$(ctl GET /stats | json 'd["ac_429"]')" 0
ctl POST /knobs '{"ac_rate_limit":0}' >/dev/null

# --- ActiveCampaign: forced statuses, malformed, oversized ----------------------------------------
ctl POST /knobs '{"status_code":503,"status_count":1,"status_target":"ac"}' >/dev/null
expect_eq "status_code 503 once" "$(code_of -H "Api-Token: $KEY" "$AC_URL/api/3/lists")" 503
expect_eq "then success" "$(code_of -H "Api-Token: $KEY" "$AC_URL/api/3/lists")" 200
expect_eq "the count cleared the knob" "$(ctl GET /knobs | json 'd["status_code"]')" 0
ctl POST /knobs '{"malformed":"ac","malformed_count":1}' >/dev/null
if ac "$AC_URL/api/3/lists" | python3 -c 'import json,sys; json.load(sys.stdin)' 2>/dev/null; then
	fail "malformed truncates the JSON"
else ok "malformed truncates the JSON"; fi
ctl POST /knobs '{"oversized":"ac","oversized_bytes":3000000,"oversized_count":1}' >/dev/null
expect_eq "oversized answers 3 MB" "$(ac -o /dev/null -w '%{size_download}' "$AC_URL/api/3/lists")" 3000000
expect_eq "unknown knobs are refused" "$(ctl POST /knobs '{"nope":1}' | json 'd["code"]')" BAD_KNOB

# --- Salesforce: OAuth ------------------------------------------------------------------------------
expect_eq "token: wrong secret is invalid_client" "$(curl -s -X POST "$SF_URL/services/oauth2/token" -d grant_type=client_credentials \
	-d "client_id=$CID" -d client_secret=bad | json 'd["error"]')" invalid_client
expect_eq "token: unknown client is invalid_client_id" "$(curl -s -X POST "$SF_URL/services/oauth2/token" \
	-d grant_type=client_credentials -d client_id=who -d client_secret=x | json 'd["error"]')" invalid_client_id
expect_eq "token: an unknown grant is unsupported_grant_type" "$(curl -s -X POST "$SF_URL/services/oauth2/token" \
	-d grant_type=password -d "client_id=$CID" | json 'd["error"]')" unsupported_grant_type
read -r AT INST <<<"$(token)"
expect_match "instance_url is its own base, not the login URL" "$INST" "^$BASE/sandbox/sf/instance\$"
expect_eq "data calls on the login URL are 404" "$(code_of -H "Authorization: Bearer $AT" "$SF_URL/services/data/v62.0/limits")" 404

# web-server flow with PKCE, through the approval page
verifier=$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')
challenge=$(python3 -c "import hashlib,base64,sys; print(base64.urlsafe_b64encode(hashlib.sha256(b'$verifier').digest()).rstrip(b'=').decode())")
cb="http://127.0.0.1:9/setup/sf/callback"
page=$(curl -s -G "$SF_URL/services/oauth2/authorize" --data-urlencode response_type=code --data-urlencode "client_id=$CID" \
	--data-urlencode "redirect_uri=$cb" --data-urlencode "state=st8" --data-urlencode "code_challenge=$challenge" \
	--data-urlencode code_challenge_method=S256)
expect_match "authorize shows an approval form" "$page" '<form method="post"'
loc=$(curl -s -o /dev/null -w '%{redirect_url}' -X POST "$SF_URL/services/oauth2/authorize" --data-urlencode response_type=code \
	--data-urlencode "client_id=$CID" --data-urlencode "redirect_uri=$cb" --data-urlencode state=st8 \
	--data-urlencode "code_challenge=$challenge" --data-urlencode code_challenge_method=S256 --data-urlencode decision=allow)
expect_match "Allow redirects with code and state" "$loc" "^$cb\\?code=aPrx[A-Za-z0-9]+%3D%3D&state=st8\$"
authcode=$(python3 -c "import urllib.parse,sys; print(urllib.parse.parse_qs(urllib.parse.urlparse('$loc').query)['code'][0])")
curl -s -X POST "$SF_URL/services/oauth2/token" --data-urlencode grant_type=authorization_code --data-urlencode "code=$authcode" \
	--data-urlencode "client_id=$CID" --data-urlencode "redirect_uri=$cb" --data-urlencode "code_verifier=$verifier" >"$T/code.json"
refresh=$(json 'd.get("refresh_token", "")' <"$T/code.json")
expect_match "the code exchange gives a refresh token" "$refresh" '^5Aep861'
expect_eq "a used code is refused" "$(curl -s -X POST "$SF_URL/services/oauth2/token" --data-urlencode grant_type=authorization_code \
	--data-urlencode "code=$authcode" --data-urlencode "client_id=$CID" --data-urlencode "redirect_uri=$cb" \
	--data-urlencode "code_verifier=$verifier" | json 'd["error"]')" invalid_grant
expect_match "the refresh token grant" "$(curl -s -X POST "$SF_URL/services/oauth2/token" -d grant_type=refresh_token \
	--data-urlencode "refresh_token=$refresh" -d "client_id=$CID" -d "client_secret=$SEC" | json 'd["token_type"]')" '^Bearer$'

# --- Salesforce: query ------------------------------------------------------------------------------
soql "SELECT Id, Email, HasOptedOutOfEmail, SystemModstamp FROM Contact ORDER BY SystemModstamp LIMIT 1" >"$T/q1.json"
expect_match "SystemModstamp looks like Salesforce's" "$(json 'd["records"][0]["SystemModstamp"]' <"$T/q1.json")" \
	'^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.000\+0000$'
expect_match "records carry attributes" "$(json 'd["records"][0]["attributes"]["url"]' <"$T/q1.json")" \
	'^/services/data/v62.0/sobjects/Contact/003[A-Za-z0-9]{15}$'
expect_eq "MALFORMED_QUERY for what is not SOQL" "$(soql "SELECT FROM Contact" | json 'd[0]["errorCode"]')" MALFORMED_QUERY
expect_eq "AND and OR need parentheses" "$(soql "SELECT Id FROM Contact WHERE Email = 'a' OR Email = 'b' AND IsDeleted = false" | json 'd[0]["errorCode"]')" MALFORMED_QUERY
expect_eq "quoted datetimes are INVALID_FIELD" "$(soql "SELECT Id FROM Contact WHERE SystemModstamp > '2020-01-01T00:00:00Z'" | json 'd[0]["errorCode"]')" INVALID_FIELD
expect_eq "unknown objects are INVALID_TYPE" "$(soql "SELECT Id FROM Account" | json 'd[0]["errorCode"]')" INVALID_TYPE
apos=$(sqlite3 "$T/sandbox.db" "SELECT email FROM sf_records WHERE email LIKE '%''%' AND deleted = 0 LIMIT 1")
esc=$(printf '%s' "$apos" | sed "s/'/\\\\'/g")
expect_match "string escapes (\\') and case-insensitive Email =" \
	"$(soql "SELECT Id, Email FROM Contact WHERE Email = '$(printf '%s' "$esc" | tr 'a-z' 'A-Z')' OR Email = 'x'" | json 'd["totalSize"]')$(soql "SELECT Id FROM Lead WHERE Email = '$esc'" | json 'd["totalSize"]')" '[1-9]'
two=$(sqlite3 "$T/sandbox.db" "SELECT group_concat(quote(id), ',') FROM (SELECT id FROM sf_records WHERE type = 'Contact' AND deleted = 0 LIMIT 2)")
expect_eq "Id IN (...)" "$(soql "SELECT Id FROM Contact WHERE Id IN ($two)" | json 'd["totalSize"]')" 2
expect_eq "Lead IsConverted = false AND SystemModstamp >" "$(soql "SELECT Id FROM Lead WHERE IsConverted = false AND SystemModstamp > 2000-01-01T00:00:00Z" | json 'd["totalSize"]')" \
	"$(sqlite3 "$T/sandbox.db" "SELECT count(*) FROM sf_records WHERE type = 'Lead' AND deleted = 0 AND is_converted = 0")"
expect_eq "COUNT()" "$(soql "SELECT COUNT() FROM Lead" | json 'd["totalSize"]')" \
	"$(sqlite3 "$T/sandbox.db" "SELECT count(*) FROM sf_records WHERE type = 'Lead' AND deleted = 0")"

ctl POST /knobs '{"sf_page_size":40}' >/dev/null
soql "SELECT Id, Email FROM Contact ORDER BY SystemModstamp" >"$T/page.json"
ctotal=$(json 'd["totalSize"]' <"$T/page.json")
got=$(json 'len(d["records"])' <"$T/page.json")
ids=$(json '"\n".join(r["Id"] for r in d["records"])' <"$T/page.json")
expect_match "a first page with nextRecordsUrl" "$(json 'd["nextRecordsUrl"]' <"$T/page.json")" '^/services/data/v62.0/query/01g[A-Za-z0-9]{15}-40$'
pages=1
while [ "$(json 'd["done"]' <"$T/page.json")" = False ] && [ $pages -lt 50 ]; do
	next=$(json 'd["nextRecordsUrl"]' <"$T/page.json")
	curl -s -H "Authorization: Bearer $AT" "$INST$next" >"$T/page.json"
	got=$((got + $(json 'len(d["records"])' <"$T/page.json")))
	ids="$ids
$(json '"\n".join(r["Id"] for r in d["records"])' <"$T/page.json")"
	pages=$((pages + 1))
done
expect_eq "nextRecordsUrl pages add up to totalSize" "$got" "$ctotal"
expect_eq "no record twice across pages" "$(printf '%s\n' "$ids" | sort | uniq -d | wc -l)" 0
expect_eq "a bad locator is INVALID_QUERY_LOCATOR" "$(curl -s -H "Authorization: Bearer $AT" \
	"$INST/services/data/v62.0/query/01gSb0000000099AAA-40" | json 'd[0]["errorCode"]')" INVALID_QUERY_LOCATOR
ctl POST /knobs '{"sf_page_size":2000}' >/dev/null

# --- Salesforce: limits, describe ------------------------------------------------------------------
curl -s -D "$T/lim.h" -H "Authorization: Bearer $AT" "$INST/services/data/v62.0/limits" >"$T/lim.json"
expect_match "Sforce-Limit-Info on data answers" "$(cat "$T/lim.h")" 'Sforce-Limit-Info: api-usage=[0-9]+/15000'
expect_eq "limits: DailyApiRequests" "$(json 'd["DailyApiRequests"]["Max"]' <"$T/lim.json")" 15000
ctl POST /knobs '{"sf_api_max":100,"sf_api_used":100}' >/dev/null
expect_eq "past the daily max: REQUEST_LIMIT_EXCEEDED" "$(curl -s -H "Authorization: Bearer $AT" "$INST/services/data/v62.0/limits" | json 'd[0]["errorCode"]')" REQUEST_LIMIT_EXCEEDED
ctl POST /knobs '{"sf_api_max":15000,"sf_api_used":0}' >/dev/null
describe() { curl -s -H "Authorization: Bearer $AT" "$INST/services/data/v62.0/sobjects/$1/describe" |
	json "[f['updateable'] for f in d['fields'] if f['name'] == 'HasOptedOutOfEmail']"; }
expect_eq "describe: HasOptedOutOfEmail updateable on Lead" "$(describe Lead)" "[True]"
ctl POST /knobs '{"field_access":{"Contact":"read","Lead":"none"}}' >/dev/null
expect_eq "field_access read: not updateable" "$(describe Contact)" "[False]"
expect_eq "field_access none: invisible" "$(describe Lead)" "[]"
ctl POST /knobs '{"field_access":null}' >/dev/null

# --- Salesforce: composite with one failed record, converted Lead, history -------------------------
ctl POST /knobs '{"field_history":true}' >/dev/null
ctl POST /people '{"email":"composite.one@example.com","sf":[{"type":"Contact"},{"type":"Contact"},{"type":"Contact"}]}' >"$T/people.json"
read -r c1 c2 c3 <<<"$(json '" ".join(d["created_sf_ids"])' <"$T/people.json")"
conv=$(sqlite3 "$T/sandbox.db" "SELECT id FROM sf_records WHERE is_converted = 1 LIMIT 1")
ctl POST /knobs "{\"fail_once\":{\"id\":\"$c2\",\"code\":\"UNABLE_TO_LOCK_ROW\"}}" >/dev/null
body=$(python3 -c "import json; print(json.dumps({'allOrNone': False, 'records': [
 {'attributes': {'type': 'Contact'}, 'id': '$c1', 'HasOptedOutOfEmail': True},
 {'attributes': {'type': 'Contact'}, 'id': '$c2', 'HasOptedOutOfEmail': True},
 {'attributes': {'type': 'Contact'}, 'id': '$c3', 'HasOptedOutOfEmail': True},
 {'attributes': {'type': 'Lead'}, 'id': '$conv', 'HasOptedOutOfEmail': True}]}))")
curl -s -X PATCH -H "Authorization: Bearer $AT" -H 'Content-Type: application/json' --data-binary "$body" \
	"$INST/services/data/v62.0/composite/sobjects" >"$T/comp.json"
expect_eq "composite: results in request order" "$(json '[r["success"] for r in d]' <"$T/comp.json")" "[True, False, True, False]"
expect_eq "composite: the failed record has no id" "$(json '"id" in d[1]' <"$T/comp.json")" False
expect_eq "composite: UNABLE_TO_LOCK_ROW" "$(json 'd[1]["errors"][0]["statusCode"]' <"$T/comp.json")" UNABLE_TO_LOCK_ROW
expect_eq "composite: CANNOT_UPDATE_CONVERTED_LEAD" "$(json 'd[3]["errors"][0]["statusCode"]' <"$T/comp.json")" CANNOT_UPDATE_CONVERTED_LEAD
expect_eq "composite: the state in Salesforce" "$(ctl GET '/state?email=composite.one@example.com' | json '[r["HasOptedOutOfEmail"] for r in d["sf"]]')" "[True, False, True]"
expect_eq "fail_once is used up" "$(ctl GET /knobs | json 'd["fail_once"]')" None
curl -s -X PATCH -H "Authorization: Bearer $AT" -H 'Content-Type: application/json' \
	--data-binary "{\"allOrNone\":false,\"records\":[{\"attributes\":{\"type\":\"Contact\"},\"id\":\"$c2\",\"HasOptedOutOfEmail\":true}]}" \
	"$INST/services/data/v62.0/composite/sobjects" >"$T/comp2.json"
expect_eq "composite: the retry goes through" "$(json 'd[0]["success"]' <"$T/comp2.json")" True
expect_eq "field history rows for the changes" "$(soql "SELECT ContactId, NewValue FROM ContactHistory WHERE Field = 'HasOptedOutOfEmail' AND ContactId IN ('$c1','$c2','$c3')" | json 'd["totalSize"]')" 3
expect_eq "allOrNone rolls back" "$(curl -s -X PATCH -H "Authorization: Bearer $AT" -H 'Content-Type: application/json' \
	--data-binary "{\"allOrNone\":true,\"records\":[{\"attributes\":{\"type\":\"Contact\"},\"id\":\"$c1\",\"HasOptedOutOfEmail\":false},{\"attributes\":{\"type\":\"Lead\"},\"id\":\"$conv\",\"HasOptedOutOfEmail\":false}]}" \
	"$INST/services/data/v62.0/composite/sobjects" | json 'd[0]["errors"][0]["statusCode"]')" ALL_OR_NONE_OPERATION_ROLLED_BACK
# Salesforce processes a collection in one chunk per run of one type, at most 10 a request.
lead=$(sqlite3 "$T/sandbox.db" "SELECT id FROM sf_records WHERE type = 'Lead' AND is_converted = 0 LIMIT 1")
body=$(python3 -c "import json; print(json.dumps({'allOrNone': False, 'records': [
 {'attributes': {'type': t}, 'id': i, 'HasOptedOutOfEmail': True} for t, i in [('Contact', '$c1'), ('Lead', '$lead')] * 6][:11]}))")
curl -s -o "$T/chunks.json" -w '%{http_code}' -X PATCH -H "Authorization: Bearer $AT" -H 'Content-Type: application/json' \
	--data-binary "$body" "$INST/services/data/v62.0/composite/sobjects" >"$T/chunks.code"
expect_eq "composite: 11 type chunks refused with 400" "$(cat "$T/chunks.code")" 400
expect_match "composite: the refusal says why" "$(cat "$T/chunks.json")" "Cannot have more than 10 chunks in a single operation"
expect_eq "composite: nothing written by a refused request" "$(sqlite3 "$T/sandbox.db" "SELECT opted_out FROM sf_records WHERE id = '$lead'")" 0
body=$(python3 -c "import json; print(json.dumps({'allOrNone': False, 'records': [
 {'attributes': {'type': t}, 'id': i, 'HasOptedOutOfEmail': False} for t, i in [('Contact', '$c1'), ('Lead', '$lead')] * 5]}))")
expect_eq "composite: 10 type chunks accepted" "$(curl -s -X PATCH -H "Authorization: Bearer $AT" -H 'Content-Type: application/json' \
	--data-binary "$body" "$INST/services/data/v62.0/composite/sobjects" | json 'all(r["success"] for r in d)')" True
# Straight to the FastCGI socket: for bodies nginx would buffer to disk, and for what nginx never sends.
cat >"$T/fcgi.py" <<'PYEOF'
import socket, struct, sys
def rec(t, body, rid=1):
    out = b""
    for i in range(0, max(len(body), 1), 65535):
        chunk = body[i:i + 65535]
        out += struct.pack(">BBHHBx", 1, t, rid, len(chunk), 0) + chunk
    return out
def nv(k, v):
    k, v = k.encode(), v.encode()
    f = lambda n: struct.pack(">B", n) if n < 128 else struct.pack(">I", n | 0x80000000)
    return f(len(k)) + f(len(v)) + k + v
sock_path, method, uri, clen, body_file = sys.argv[1:6]
body = open(body_file, "rb").read() if body_file != "-" else b""
params = {"REQUEST_METHOD": method, "REQUEST_URI": uri, "DOCUMENT_URI": uri.split("?")[0],
          "QUERY_STRING": uri.split("?", 1)[1] if "?" in uri else "", "CONTENT_TYPE": "application/json",
          "HTTP_HOST": "127.0.0.1", "SERVER_PORT": "80"}
for kv in sys.argv[6:]:
    k, v = kv.split("=", 1)
    params[k] = v
if clen != "-":
    params["CONTENT_LENGTH"] = clen
s = socket.socket(socket.AF_UNIX)
s.connect(sock_path)
data = rec(1, struct.pack(">HB5x", 1, 0)) + rec(4, b"".join(nv(k, v) for k, v in params.items())) + rec(4, b"")
if body:
    data += rec(5, body)
data += rec(5, b"")
s.sendall(data)
buf = b""
while True:
    d = s.recv(65536)
    if not d:
        break
    buf += d
out, i = b"", 0
while i + 8 <= len(buf):
    _, t, _, n, pad = struct.unpack(">BBHHBx", buf[i:i + 8])
    if t == 6:
        out += buf[i + 8:i + 8 + n]
    i += 8 + n + pad
head, _, rest = out.partition(b"\r\n\r\n")
status = [l for l in head.split(b"\r\n") if l.startswith(b"Status:")][0].split()[1].decode()
print(status, rest.decode(errors="replace")[:300])
PYEOF
SOCK="$(cat "$T/run/pub" 2>/dev/null || echo "$T/run")/sandbox.sock"
fcgi() { python3 "$T/fcgi.py" "$SOCK" "$@"; }
python3 -c "import json; print(json.dumps({'records': [{'attributes': {'type': 'Contact'}, 'id': '$c1', 'HasOptedOutOfEmail': True}] * 201}))" >"$T/201.json"
expect_match "composite over 200 records is refused" \
	"$(fcgi PATCH /sandbox/sf/instance/services/data/v62.0/composite/sobjects "$(wc -c <"$T/201.json")" "$T/201.json" "HTTP_AUTHORIZATION=Bearer $AT")" \
	'^400 .*EXCEEDED_ID_LIMIT'
head -c 2200000 /dev/zero | tr '\0' 'a' >"$T/big.txt"
expect_match "a body over 2 MB is 413 from the sandbox itself" \
	"$(fcgi POST /sandbox/ac/api/3/contact/sync 2200000 "$T/big.txt" "HTTP_API_TOKEN=$KEY")" '^413 '
expect_match "a negative CONTENT_LENGTH is refused" "$(fcgi POST /sandbox/control/event -5 -)" '^400 '
printf '{"type":"x"' >"$T/short.json"
expect_match "a body shorter than CONTENT_LENGTH is refused" "$(fcgi POST /sandbox/control/event 100 "$T/short.json")" '^400 '
expect_match "a query string over the cap is 414" "$(fcgi GET "/sandbox/control/info?q=$(head -c 17000 /dev/zero | tr '\0' 'q')" - -)" '^414 '
expect_eq "stats: composite calls" "$(ctl GET /stats | json 'd["composite_calls"]')" 4

# --- Salesforce: Bulk API 2.0 ----------------------------------------------------------------------
ctl POST /knobs "{\"fail_once\":{\"id\":\"$c3\",\"code\":\"UNABLE_TO_LOCK_ROW\"}}" >/dev/null
job=$(curl -s -X POST -H "Authorization: Bearer $AT" -H 'Content-Type: application/json' \
	-d '{"object":"Contact","operation":"update","contentType":"CSV","lineEnding":"LF"}' \
	"$INST/services/data/v62.0/jobs/ingest" | json 'd["id"]')
expect_match "bulk: a job" "$job" '^750'
printf 'Id,HasOptedOutOfEmail\n%s,false\n%s,false\n' "$c1" "$c3" >"$T/bulk.csv"
expect_eq "bulk: upload 201" "$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H "Authorization: Bearer $AT" -H 'Content-Type: text/csv' \
	--data-binary @"$T/bulk.csv" "$INST/services/data/v62.0/jobs/ingest/$job/batches")" 201
expect_eq "bulk: a second upload is refused" "$(curl -s -X PUT -H "Authorization: Bearer $AT" -H 'Content-Type: text/csv' \
	--data-binary @"$T/bulk.csv" "$INST/services/data/v62.0/jobs/ingest/$job/batches" | json 'd[0]["errorCode"]')" BULK_API_ERROR
expect_eq "bulk: UploadComplete" "$(curl -s -X PATCH -H "Authorization: Bearer $AT" -H 'Content-Type: application/json' \
	-d '{"state":"UploadComplete"}' "$INST/services/data/v62.0/jobs/ingest/$job" | json 'd["state"]')" UploadComplete
state=""
for i in 1 2 3 4 5; do
	state=$(curl -s -H "Authorization: Bearer $AT" "$INST/services/data/v62.0/jobs/ingest/$job" | json 'd["state"]+" "+str(d["numberRecordsProcessed"])+" "+str(d["numberRecordsFailed"])')
	case "$state" in JobComplete*) break ;; esac
done
expect_eq "bulk: JobComplete after polling" "$state" "JobComplete 2 1"
curl -s -H "Authorization: Bearer $AT" "$INST/services/data/v62.0/jobs/ingest/$job/failedResults/" >"$T/failed.csv"
expect_eq "bulk: failedResults header" "$(head -1 "$T/failed.csv")" '"sf__Id","sf__Error",Id,HasOptedOutOfEmail'
expect_match "bulk: failedResults row" "$(sed -n 2p "$T/failed.csv")" "^\"$c3\",\"UNABLE_TO_LOCK_ROW:.*\",\"$c3\",\"false\"\$"
expect_eq "bulk: successfulResults" "$(curl -s -H "Authorization: Bearer $AT" "$INST/services/data/v62.0/jobs/ingest/$job/successfulResults/" | sed -n 2p)" "\"$c1\",\"false\",\"$c1\",\"false\""
expect_eq "bulk: the state in Salesforce" "$(ctl GET '/state?email=composite.one@example.com' | json '[r["HasOptedOutOfEmail"] for r in d["sf"]]')" "[False, True, True]"

# --- Salesforce: 401 after the token lifetime ---------------------------------------------------------
ctl POST /knobs '{"token_lifetime_s":1}' >/dev/null
read -r AT INST <<<"$(token)"
expect_eq "a fresh token works" "$(code_of -H "Authorization: Bearer $AT" "$INST/services/data/v62.0/limits")" 200
sleep 1.5
curl -s -o "$T/401.json" -w '%{http_code}' -H "Authorization: Bearer $AT" "$INST/services/data/v62.0/limits" >"$T/401.code"
expect_eq "after its lifetime: 401" "$(cat "$T/401.code")" 401
expect_eq "401 says INVALID_SESSION_ID" "$(json 'd[0]["errorCode"]' <"$T/401.json")" INVALID_SESSION_ID
ctl POST /knobs '{"token_lifetime_s":7200}' >/dev/null
read -r AT INST <<<"$(token)"
ctl POST /tokens '{"expire_access":true}' >/dev/null
expect_eq "control/tokens expires tokens at once" "$(code_of -H "Authorization: Bearer $AT" "$INST/services/data/v62.0/limits")" 401
read -r AT INST <<<"$(token)"

# --- webhooks: delivered to a listener the way AC sends them --------------------------------------
# The listener takes a free port from the kernel and says which: a random guess can collide with
# another stack of a parallel run, and then the webhooks go to someone else.
cat >"$T/listener.py" <<'EOF'
import http.server, os, sys
out, portfile = sys.argv[1], sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(n).decode()
        with open(out, "a") as f:
            f.write(self.path + " " + self.headers.get("Content-Type", "") + " " + body + "\n")
        self.send_response(200)
        self.end_headers()
    def log_message(self, *a):
        pass
srv = http.server.HTTPServer(("127.0.0.1", 0), H)
with open(portfile + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(portfile + ".tmp", portfile)
srv.serve_forever()
EOF
python3 "$T/listener.py" "$T/hooks.txt" "$T/hookport" 2>"$T/listener.err" &
listener=$!
trap 'rc=$?; kill $listener 2>/dev/null; (exit $rc); e2e_cleanup' EXIT
for i in $(seq 1 300); do [ -s "$T/hookport" ] && break; sleep 0.1; done
hookport=$(cat "$T/hookport" 2>/dev/null)
expect_match "webhook listener is up" "$hookport" '^[0-9]+$'
[ -n "$hookport" ] || cat "$T/listener.err" >&2
: >"$T/hooks.txt"
ac -X POST "$AC_URL/api/3/webhooks" -o "$T/wh.json" -d "{\"webhook\":{\"name\":\"optsync\",\"url\":\"http://127.0.0.1:$hookport/hooks/activecampaign/s3cret\",\"events\":[\"subscribe\",\"unsubscribe\",\"bounce\"],\"sources\":[\"public\",\"admin\",\"system\"]}}"
expect_eq "webhook created" "$(json 'd["webhook"]["events"]' <"$T/wh.json")" "['subscribe', 'unsubscribe', 'bounce']"
expect_eq "webhooks listed" "$(ac "$AC_URL/api/3/webhooks" | json 'd["meta"]["total"]')" 1
ctl POST /people '{"email":"hook.person@example.com","first_name":"Hook","last_name":"Person","ac":{"lists":{"1":1,"3":1}}}' >/dev/null
ctl POST /event '{"type":"unsubscribe","email":"Hook.Person@example.com","list":3,"reason":"too many emails","wait":true}' >"$T/ev.json"
expect_eq "event: one webhook queued" "$(json 'd["webhooks_queued"]' <"$T/ev.json")" 1
# "wait" makes the sandbox wait for its sender; a loaded machine can still be a moment behind it
wait_hook() { for _ in $(seq 1 150); do [ -s "$T/hooks.txt" ] && return; sleep 0.1; done; }
wait_hook
hook=$(cat "$T/hooks.txt")
# the sandbox's own record of the delivery says why, when the listener got nothing
expect_eq "webhook: the sandbox records the delivery as done" \
	"$(ctl GET /deliveries | json '" ".join(str(d["deliveries"][0].get(k)) for k in ("state", "http_status", "error"))')" "delivered 200 None"
expect_match "webhook: POSTed to the registered path, form-encoded" "$hook" '^/hooks/activecampaign/s3cret application/x-www-form-urlencoded '
fields=$(printf '%s' "$hook" | cut -d' ' -f3- | python3 -c 'import sys, urllib.parse; q = urllib.parse.parse_qs(sys.stdin.read().strip()); print(q["type"][0], q["contact[email]"][0], q["list"][0], q["unsubscribe[reason]"][0], q["initiated_from"][0])')
expect_eq "webhook: type, contact, list, reason, source" "$fields" "unsubscribe hook.person@example.com 3 too many emails public"
expect_match "webhook: date_time with the offset" "$(printf '%s' "$hook" | python3 -c 'import sys, urllib.parse; print(urllib.parse.parse_qs(sys.stdin.read().split(" ", 2)[2].strip())["date_time"][0])')" \
	'^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:]{8}-06:00$'
expect_eq "event: the state changed in AC" "$(ctl GET '/state?email=hook.person@example.com' | json 'd["ac"]["lists"]["3"]["status"]')" 2
: >"$T/hooks.txt"
ctl POST /event '{"type":"bounce_hard","email":"hook.person@example.com","wait":true}' >/dev/null
wait_hook
expect_match "webhook: a hard bounce" "$(cat "$T/hooks.txt")" 'type=bounce&.*bounce%5Btype%5D=hard'
expect_eq "bounce: list status 3 where it was active" "$(ctl GET '/state?email=hook.person@example.com' | json 'd["ac"]["lists"]["1"]["status"]')" 3
: >"$T/hooks.txt"
hid=$(ctl GET '/state?email=hook.person@example.com' | json 'd["ac"]["contact"]["id"]')
ac -X POST "$AC_URL/api/3/contactLists" -d "{\"contactList\":{\"list\":2,\"contact\":$hid,\"status\":1}}" >/dev/null
sleep 0.5
expect_eq "an API write fires no webhook when the sources leave api out" "$(wc -c <"$T/hooks.txt")" 0
ctl POST /knobs '{"webhook_drop":true}' >/dev/null
ctl POST /event '{"type":"subscribe","email":"hook.person@example.com","list":3,"wait":true}' >/dev/null
expect_eq "webhook_drop loses the webhook" "$(wc -c <"$T/hooks.txt")" 0
expect_eq "deliveries: the dropped one is recorded" "$(ctl GET /deliveries | json 'd["deliveries"][0]["state"]')" dropped
ctl POST /knobs '{"webhook_drop":false}' >/dev/null

# --- Salesforce-side events -------------------------------------------------------------------------
ctl POST /people '{"email":"lead.conv@example.com","ac":{"lists":{"1":1}},"sf":[{"type":"Lead","opted_out":true}]}' >"$T/lp.json"
lead=$(json 'd["created_sf_ids"][0]' <"$T/lp.json")
ctl POST /event '{"type":"convert_lead","email":"lead.conv@example.com"}' >"$T/conv.json"
expect_eq "convert_lead: the Lead is converted" "$(ctl GET '/state?email=lead.conv@example.com' | json '[(r["type"], r.get("IsConverted"), r["HasOptedOutOfEmail"]) for r in d["sf"]]')" \
	"[('Lead', True, True), ('Contact', None, True)]"
expect_eq "convert_lead: ConvertedContactId" "$(soql "SELECT ConvertedContactId FROM Lead WHERE Id = '$lead'" | json 'd["records"][0]["ConvertedContactId"]')" \
	"$(json 'd["contact"]' <"$T/conv.json")"
ctl POST /event '{"type":"sf_uncheck","email":"lead.conv@example.com"}' >/dev/null
expect_eq "sf_uncheck leaves the converted Lead alone" "$(ctl GET '/state?email=lead.conv@example.com' | json '[r["HasOptedOutOfEmail"] for r in d["sf"]]')" "[True, False]"
before=$(soql "SELECT SystemModstamp, HasOptedOutOfEmail FROM Contact WHERE Email = 'lead.conv@example.com'" | json 'd["records"][0]["SystemModstamp"]')
sleep 1.1
ctl POST /event '{"type":"sf_edit","email":"lead.conv@example.com","phone":"+1 555 0100"}' >/dev/null
expect_eq "sf_edit: an unrelated edit moves SystemModstamp only" \
	"$(soql "SELECT SystemModstamp, HasOptedOutOfEmail, Phone FROM Contact WHERE Email = 'lead.conv@example.com'" | json "(d['records'][0]['SystemModstamp'] > '$before', d['records'][0]['HasOptedOutOfEmail'], d['records'][0]['Phone'])")" \
	"(True, False, '+1 555 0100')"
expect_match "control/help describes endpoints, knobs and events" \
	"$(ctl GET /help | json '(len(d["endpoints"]), len(d["knobs"]), sorted(d["events"])[:2])')" '^\([0-9]+, [0-9]+, \[.ac_update., .bounce_hard.\]\)$'
expect_eq "a bad event is 400" "$(ctl POST /event '{"type":"dance","email":"x@example.com"}' | json 'd["code"]')" BAD_EVENT

# --- AC bulk import: AC's limits, and what an import does ---------------------------------------
imp() { curl -s -H "Api-Token: $KEY" -H 'Content-Type: application/json' --data-binary @"$1" -w '\n%{http_code}' "$AC_URL/api/3/import/bulk_import"; }
python3 -c "import json; print(json.dumps({'contacts': [{'email': 'many%d@example.com' % i} for i in range(251)]}))" >"$T/imp251.json"
out=$(imp "$T/imp251.json")
expect_eq "bulk import of 251 contacts is refused with 400" "$(tail -1 <<<"$out")" 400
expect_match "it says 250 is the most" "$(head -1 <<<"$out")" 'Up to 250 contacts'
expect_eq "nothing of it was created" "$(sqlite3 "$T/sandbox.db" "SELECT count(*) FROM ac_contacts WHERE email_lc LIKE 'many%'")" 0
python3 -c "import json; print(json.dumps({'contacts': [{'email': 'big%d@example.com' % i, 'first_name': 'x' * 2000} for i in range(200)]}))" >"$T/impbig.json"
expect_eq "a payload of 400,000 bytes or more is refused with 400" "$(imp "$T/impbig.json" | tail -1)" 400
python3 -c "import json; print(json.dumps({'contacts': [{'email': 'ok@example.com'}, {'email': 'not an email'}]}))" >"$T/impbad.json"
out=$(imp "$T/impbad.json")
expect_eq "an import with a bad email is refused whole" "$(tail -1 <<<"$out")" 400
expect_eq "the refusal names the contact by position" "$(head -1 <<<"$out" | json 'd["failureReasons"][0]["contact"]')" 1
# a known contact: first name overwritten, a new tag by name, one list left; and an unknown email
known=$(sqlite3 "$T/sandbox.db" "SELECT c.email_lc FROM ac_contacts c JOIN ac_contact_lists l ON l.contact = c.id WHERE l.status = 1 ORDER BY c.id LIMIT 1")
klist=$(sqlite3 "$T/sandbox.db" "SELECT l.list FROM ac_contacts c JOIN ac_contact_lists l ON l.contact = c.id WHERE c.email_lc = '$known' AND l.status = 1 LIMIT 1")
python3 -c "
import json
print(json.dumps({'contacts': [{'email': '$known', 'first_name': '', 'tags': ['made-by-import'], 'unsubscribe': [{'listid': '$klist'}]},
                               {'email': 'brand-new@example.com', 'tags': ['made-by-import']},
                               {'email': 'failing@example.com'}]}))" >"$T/imp3.json"
ctl POST /knobs '{"ac_import_fail_email":"failing@example.com","ac_import_poll_count":1}' >/dev/null
out=$(imp "$T/imp3.json")
expect_eq "an accepted import answers 200" "$(tail -1 <<<"$out")" 200
batch=$(head -1 <<<"$out" | json 'd["batchId"]')
expect_match "with a batchId" "$batch" '^[0-9a-f]{8}-[0-9a-f]{4}-'
expect_eq "an unknown email is created by the import (as AC does)" \
	"$(sqlite3 "$T/sandbox.db" "SELECT count(*) FROM ac_contacts WHERE email_lc = 'brand-new@example.com'")" 1
expect_eq "a field sent overwrites: the blank first name is written" \
	"$(sqlite3 "$T/sandbox.db" "SELECT first_name FROM ac_contacts WHERE email_lc = '$known'")" ""
expect_eq "the tag is created once, by name" "$(sqlite3 "$T/sandbox.db" "SELECT count(*) FROM ac_tags WHERE tag = 'made-by-import'")" 1
expect_eq "and applied to both" "$(sqlite3 "$T/sandbox.db" "SELECT count(*) FROM ac_contact_tags ct JOIN ac_tags t ON t.id = ct.tag WHERE t.tag = 'made-by-import'")" 2
expect_eq "the list named in unsubscribe is left" \
	"$(sqlite3 "$T/sandbox.db" "SELECT l.status FROM ac_contact_lists l JOIN ac_contacts c ON c.id = l.contact WHERE c.email_lc = '$known' AND l.list = $klist")" 2
expect_eq "the failing email was not created" "$(sqlite3 "$T/sandbox.db" "SELECT count(*) FROM ac_contacts WHERE email_lc = 'failing@example.com'")" 0
expect_eq "import/info within its first second: status false" "$(ac "$AC_URL/api/3/import/info?batchId=$batch" | json 'd["status"]')" False
sleep 1.1
expect_eq "then: active" "$(ac "$AC_URL/api/3/import/info?batchId=$batch" | json 'd["status"]')" active
ac "$AC_URL/api/3/import/info?batchId=$batch" >"$T/info3.json"
expect_eq "then: completed" "$(json 'd["status"]' <"$T/info3.json")" completed
kid=$(sqlite3 "$T/sandbox.db" "SELECT id FROM ac_contacts WHERE email_lc = '$known'")
nid=$(sqlite3 "$T/sandbox.db" "SELECT id FROM ac_contacts WHERE email_lc = 'brand-new@example.com'")
expect_eq "success lists the contact ids" "$(json '",".join(d["success"])' <"$T/info3.json")" "$kid,$nid"
expect_eq "failure lists the failed email" "$(json '",".join(d["failure"])' <"$T/info3.json")" "failing@example.com"
expect_eq "import/info without batchId is 400" "$(code_of -H "Api-Token: $KEY" "$AC_URL/api/3/import/info")" 400
expect_eq "import/info of an unknown batch is 404" "$(code_of -H "Api-Token: $KEY" "$AC_URL/api/3/import/info?batchId=nope")" 404
ctl POST /knobs '{"ac_import_fail_email":null,"ac_import_rate_limit":2}' >/dev/null
python3 -c "import json; print(json.dumps({'contacts': [{'email': 'brand-new@example.com'}, {'email': '$known'}]}))" >"$T/imp2.json"
expect_eq "the second import of the minute is let in (limit 2)" "$(imp "$T/imp2.json" | tail -1)" 200
out=$(imp "$T/imp2.json")
expect_eq "the third is 400" "$(tail -1 <<<"$out")" 400
expect_eq "with Rate limit exceeded" "$(head -1 <<<"$out" | json 'd["message"]')" "Rate limit exceeded."
expect_eq "the imports are counted" "$(curl -s "$C/stats" | json 'd["ac_imports"]')" 2
expect_eq "and the refusals for the rate" "$(curl -s "$C/stats" | json 'd["ac_imports_rate_limited"]')" 1
ctl POST /knobs '{"ac_import_rate_limit":100}' >/dev/null

# --- bounds ------------------------------------------------------------------------------------------
expect_eq "nginx refuses big bodies first (413)" "$(curl -s -o /dev/null -w '%{http_code}' -H "Api-Token: $KEY" -H 'Content-Type: application/json' \
	--data-binary @"$T/big.txt" "$AC_URL/api/3/contact/sync")" 413
expect_eq "an unknown SF path is 404 JSON" "$(curl -s -H "Authorization: Bearer $AT" "$INST/services/data/v62.0/nothing" | json 'd[0]["errorCode"]')" NOT_FOUND
expect_eq "stats count requests per path" "$(ctl GET /stats | json '"PATCH /sf/instance/services/data/v62.0/composite/sobjects" in d["paths"]["sf"]')" True

# --- console -------------------------------------------------------------------------------------------
expect_match "the console lists the connection details" "$(curl -s "$BASE/sandbox/")" 'sandbox-client-secret'
expect_match "the console escapes what it shows" "$(curl -s "$BASE/sandbox/?email=%3Cscript%3Ex%3C/script%3E")" '&lt;script&gt;x&lt;/script&gt;'
loc=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' -X POST "$BASE/sandbox/console/event" -d type=sf_check -d email=hook.person%40example.com)
expect_match "console forms post without JavaScript and redirect back" "$loc" '^303 .*/sandbox/\?msg='
expect_eq "a cross-origin console post is refused" "$(curl -s -o /dev/null -w '%{http_code}' -H 'Origin: http://evil.example' \
	-X POST "$BASE/sandbox/console/event" -d type=sf_check -d email=x%40example.com)" 403
curl -s -o /dev/null -X POST "$BASE/sandbox/console/knobs" -d latency_ms=0 -d error_rate=0.5 -d field_history=true
expect_eq "the console knob form sets knobs" "$(ctl GET /knobs | json 'd["error_rate"]')" 0.5
ctl POST /knobs '{"error_rate":0}' >/dev/null

kill $listener 2>/dev/null

# --- a clean stop, and nothing the sanitizers complained about ----------------------------------------
pid=$(cat "$T/run/sandbox.pid")
kill -TERM "$pid"
for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$pid" 2>/dev/null; then fail "SIGTERM stops the sandbox"; else ok "SIGTERM stops the sandbox"; fi
expect_match "it says so in its log" "$(tail -1 "$T/log/sandbox.log")" '^sandbox: stopped$'
if grep -Eq 'runtime error|AddressSanitizer|LeakSanitizer' "$T/log/sandbox.log"; then
	fail "no sanitizer reports in the sandbox log" "$(grep -E -m3 'runtime error|AddressSanitizer' "$T/log/sandbox.log")"
else
	ok "no sanitizer reports in the sandbox log"
fi
echo "# sandbox_api: $E2E_PASS passed, $E2E_FAIL failed"
