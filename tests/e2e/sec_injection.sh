#!/usr/bin/env bash
# sec_injection.sh - hostile names and emails (<script>, quotes, {{, SQL and SOQL metacharacters,
# a terminal escape) travel from the sandbox's ActiveCampaign and Salesforce and from a webhook into
# the store, the log and every page, and come out escaped: no raw markup on any page, valid JSON
# Lines from `optsync log --json`, no raw escape byte on the terminal, tables intact, and SOQL
# values escaped on the wire.
. "$(dirname "$0")/../lib/e2e.sh"
. "$(dirname "$0")/../lib/sandbox.sh"
. "$(dirname "$0")/../lib/web.sh"
stack_up

PW='correct horse battery'
db() { sqlite3 -readonly "$OPTSYNC_DB" "$1" 2>>"$T/sqlite.err"; }
urlenc() { python3 -c 'import sys,urllib.parse;print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }

# Each hostile value carries a marker the checks look for in raw form.
cat >"$T/people.json" <<'JSON'
{"people":[
 {"email":"<script>alert(11)</script>@example.com","first_name":"<script>alert(12)</script>","last_name":"\"><img src=x onerror=alert(13)>",
  "ac":{"lists":{"1":1}},"sf":[{"type":"Contact","opted_out":false,"first_name":"<script>alert(14)</script>","last_name":"'\"><svg onload=alert(15)>"}]},
 {"email":"o'brien\"x@example.com","first_name":"O'Brien","last_name":"\"Quoted\"",
  "ac":{"lists":{"1":1}},"sf":[{"type":"Lead","opted_out":false,"first_name":"Robert'); DROP TABLE log;--","last_name":"x' OR '1'='1"}]},
 {"email":"{{BASE}}{{%AUTOESCAPE}}@example.com","first_name":"{{NAME}}","last_name":"{{>LAYOUT}}",
  "ac":{"lists":{"1":1}},"sf":[{"type":"Contact","opted_out":false,"first_name":"{{CSRF}}","last_name":"{{#X}}"}]},
 {"email":"x');drop-table-log;--@example.com","first_name":"1; DELETE FROM users; --","last_name":"\\\\' OR 1=1 --",
  "ac":{"lists":{"1":1}},"sf":[{"type":"Contact","opted_out":false}]},
 {"email":"esc@example.com","first_name":"Esc\u001b[2JClear","last_name":"Bell\u0007",
  "ac":{"lists":{"1":1}},"sf":[{"type":"Contact","opted_out":false}]}
]}
JSON
sbx_reset 61 0
curl -fsS -X POST -H 'Content-Type: application/json' "$SANDBOX_CONTROL/people" --data-binary "@$T/people.json" >"$T/people.out" ||
	fail "the sandbox takes the hostile people" "$(cat "$T/people.out")"
mapfile -t EMAILS < <(python3 -c 'import json,sys;[print(p["email"].lower()) for p in json.load(open(sys.argv[1]))["people"]]' "$T/people.json")
"$BIN/optsync" connect ac --url "$AC_URL" --key sandbox-ac-key >/dev/null
"$BIN/optsync" connect sf --login-url "$SF_URL" --client-id sandbox-client-id --client-secret sandbox-client-secret >/dev/null
"$BIN/optsync" set ac_rate 5 >/dev/null
"$BIN/optsync" sync >"$T/sync1.out" 2>&1
expect_eq "first sync with hostile people exits 0" "$?" 0
for e in "${EMAILS[@]}"; do
	python3 -c 'import json,sys;print(json.dumps({"type":"unsubscribe","email":sys.argv[1],"list":1}))' "$e" >"$T/ev.json"
	curl -fsS -X POST -H 'Content-Type: application/json' "$SANDBOX_CONTROL/event" --data-binary "@$T/ev.json" >/dev/null ||
		fail "unsubscribe event for $(printf '%q' "$e")"
done
# An address with a control character is refused (rules: no space or control byte inside): said in
# the log, never propagated half-way.
curl -fsS -X POST -H 'Content-Type: application/json' "$SANDBOX_CONTROL/people" \
	--data-binary '{"email":"bad\u001b[2Jx@example.com","ac":{"lists":{"1":2}},"sf":[{"type":"Contact","opted_out":false}]}' >/dev/null
# A webhook with its own hostile address.
hook=$("$BIN/optsync" webhook --public-url "$BASE")
st=$(curl -s -o /dev/null -w '%{http_code}' "$hook" --data-urlencode type=unsubscribe --data-urlencode 'date_time=2026-11-26T09:00:00-06:00' \
	--data-urlencode list=1 --data-urlencode 'contact[id]=999' --data-urlencode 'contact[email]=<svg/onload=alert(16)>@example.com' \
	--data-urlencode 'contact[first_name]=<script>alert(17)</script>')
expect_eq "the receiver stores a hostile webhook" "$st" 200
"$BIN/optsync" sync >"$T/sync2.out" 2>&1
rc=$?
[ $rc -le 1 ] && ok "the sync with hostile values ends with a status ($rc)" || fail "sync with hostile values" "exit $rc"
for e in "${EMAILS[@]}"; do
	expect_eq "opt-out applied for $(printf '%q' "$e")" "$(sf_box "$e" "$(sbx_state "$e" | json "d['sf'][0]['type']")")" True
done
expect_eq "tables intact: users" "$(db "SELECT count(*) FROM sqlite_master WHERE name IN ('users','log','events','actions')")" 4
expect_match "the log has rows for the hostile people" "$(db "SELECT count(*) FROM log WHERE email LIKE '%script%' OR email LIKE '%brien%'")" '^[1-9]'
expect_eq "the webhook's address is stored as sent (lower-cased)" "$(db "SELECT count(*) FROM events WHERE email='<svg/onload=alert(16)>@example.com'")" 1

# ---- every page, signed in as admin, with each hostile address as a filter too
printf '%s\n' "$PW" | "$BIN/optsync" user add admin --role admin >/dev/null
J=$T/admin.jar
req "$J" GET /login >/dev/null
post "$J" /login --data "csrf=$(csrf)" --data name=admin --data-urlencode "password=$PW" >/dev/null
pages=(/status /setup /contacts /checks /audit /users /status/progress.json /checks.json /metrics)
for e in "${EMAILS[@]}" '<svg/onload=alert(16)>@example.com'; do
	pages+=("/contacts?email=$(urlenc "$e")" "/status?email=$(urlenc "$e")")
done
raw_markers='<script>alert|onerror=alert|<svg onload|<svg/onload|<img src=x'
n=0
for p in "${pages[@]}"; do
	st=$(req "$J" GET "$p")
	n=$((n + 1))
	cp "$T/body" "$T/page.$n"
	hit=$(grep -aoE "$raw_markers" "$T/body" | head -3 | tr '\n' ' ')
	if [ -z "$hit" ]; then ok "page $p ($st): no raw hostile markup"; else fail "page $p ($st) has raw markup" "$hit"; fi
done
# The values did reach the pages, escaped (so the check above is not passing on empty pages).
req "$J" GET "/contacts?email=$(urlenc "${EMAILS[0]}")" >/dev/null
expect_match "the contact page shows the <script> address escaped" "$(cat "$T/body")" '&lt;script&gt;alert\(11\)&lt;/script&gt;@example.com'
req "$J" GET "/status?email=$(urlenc "${EMAILS[1]}")" >/dev/null
expect_match "quotes come out as entities" "$(cat "$T/body")" "o(&#39;|&#x27;|&apos;)brien(&quot;|&#34;|&#x22;)x@example.com"
req "$J" GET "/contacts?email=$(urlenc "${EMAILS[2]}")" >/dev/null
expect_match "{{ in data is shown as text, not expanded" "$(cat "$T/body")" '\{\{base\}\}\{\{%autoescape\}\}@example.com'

# ---- the CLI: JSON Lines stay valid, the terminal gets no raw escape byte
"$BIN/optsync" log --json --limit 200 >"$T/log.jsonl"
bad=$(python3 -c '
import json,sys
bad=0
for line in open(sys.argv[1], encoding="utf-8", errors="strict"):
    try: json.loads(line)
    except Exception: bad+=1
print(bad)' "$T/log.jsonl")
expect_eq "every optsync log --json line parses" "$bad" 0
expect_match "the hostile address round-trips through JSON" "$(python3 -c '
import json,sys
print(sorted({json.loads(l).get("email") or "" for l in open(sys.argv[1])}))' "$T/log.jsonl")" "<script>alert\(11\)</script>@example.com"
for cmd in "log --limit 200" "audit" "audit --csv" "check"; do
	"$BIN/optsync" $cmd >"$T/cli.out" 2>&1
	if grep -aq $'\x1b' "$T/cli.out"; then fail "optsync $cmd prints a raw escape byte from the data"; else ok "optsync $cmd prints no raw escape byte"; fi
done
"$BIN/optsync" audit --csv >"$T/audit.csv" 2>&1
if grep -aqE '(^|,)[=+@-]' "$T/audit.csv"; then fail "audit --csv has a cell that starts a formula" "$(grep -aE '(^|,)[=+@-]' "$T/audit.csv" | head -2)"; else ok "audit --csv: no cell starts a formula"; fi

# ---- SOQL: a resync of the quoted address sends it escaped and touches only that person
curl -fsS -X POST "$SANDBOX_CONTROL/stats/reset" >/dev/null
"$BIN/optsync" resync --email "${EMAILS[1]}" >"$T/resync.out" 2>&1
expect_eq "resync of o'brien\"x@ exits 0" "$?" 0
q=$(curl -fsS "$SANDBOX_CONTROL/requests?sys=sf&limit=50" | json "' '.join(r['path'] for r in d['requests'] if 'query' in r['path'])")
expect_match "the SOQL literal has the quote escaped" "$(python3 -c 'import sys,urllib.parse;print(urllib.parse.unquote_plus(sys.argv[1]))' "$q")" "o\\\\'brien\\\\\"x"
expect_match "the resync read one person" "$(cat "$T/resync.out")" "1 people read|1 person"
