#!/bin/bash
# web_pages.sh - the dashboard end to end through nginx: first run, sign-in, every page with its
# expected content, the CSRF and origin checks, viewers kept read-only, the webhook receiver
# (200/404/400/405), body caps (413), login throttling, logout, and with the sandbox: connect both
# sides, test the connections, preview and confirm the first sync.
. "$(dirname "$0")/../lib/e2e.sh"
. "$(dirname "$0")/../lib/web.sh"
stack_up

A=$T/admin.jar
V=$T/viewer.jar
PW='correct horse battery'

# Read-only: a read-write sqlite3 that closes last would checkpoint and remove the WAL file (see the
# last case below).
db() { sqlite3 -readonly "$OPTSYNC_DB" "$1" 2>>"$T/sqlite.err"; }

# ---- liveness and the headers every answer carries
expect_eq "healthz answers" "$(get "$T/none" /healthz)" 200
expect_eq "healthz body" "$(body)" "ok"
expect_match "CSP on every answer" "$(header Content-Security-Policy)" "default-src 'none'.*frame-ancestors 'none'"
expect_eq "X-Frame-Options DENY" "$(header X-Frame-Options)" "DENY"
expect_eq "Cache-Control no-store" "$(header Cache-Control)" "no-store"

# ---- first run
expect_eq "a page without a session redirects" "$(get "$A" /status)" 303
expect_eq "to the login page, keeping the target" "$(header Location)" "/login?next=%2Fstatus"
expect_eq "login page" "$(get "$A" /login)" 200
expect_match "first run asks for the administrator" "$(body)" "Create the administrator"
expect_match "login form cookie is HttpOnly, SameSite=Strict" "$(header Set-Cookie)" "^optsync_login=[0-9a-f]{64}; Path=/; Max-Age=3600; HttpOnly; SameSite=Strict$"
tok=$(csrf)
expect_eq "first-run POST without a token is refused" \
	"$(post "$A" /login --data-urlencode name=admin --data-urlencode "password=$PW" --data-urlencode "password2=$PW")" 403
expect_eq "first-run POST from another site is refused" \
	"$(req "$A" POST /login -H "Origin: http://evil.example" --data-urlencode "csrf=$tok" --data-urlencode name=admin --data-urlencode "password=$PW" --data-urlencode "password2=$PW")" 403
expect_eq "no user was created by refused posts" "$(db 'SELECT count(*) FROM users')" 0
expect_eq "short password refused" \
	"$(post "$A" /login --data-urlencode "csrf=$tok" --data-urlencode "code=$(cat "$T/setup-code")" --data-urlencode name=admin --data-urlencode "password=short" --data-urlencode "password2=short")" 422
expect_eq "first run creates the admin (with the setup code)" \
	"$(post "$A" /login --data-urlencode "csrf=$tok" --data-urlencode "code=$(cat "$T/setup-code")" --data-urlencode name=admin --data-urlencode "password=$PW" --data-urlencode "password2=$PW")" 303
expect_match "session cookie on loopback http" "$(header Set-Cookie | grep optsync_session)" "^optsync_session=[0-9a-f]{64}; Path=/; Max-Age=[0-9]+; HttpOnly; SameSite=Strict$"
sid=$(header Set-Cookie | grep optsync_session | sed 's/^optsync_session=//; s/;.*//')
expect_eq "admin stored with role admin" "$(db "SELECT role FROM users WHERE name='admin'")" admin
expect_eq "only the session id's hash is stored" "$(db "SELECT count(*) FROM sessions WHERE id='$sid'")" 0
expect_eq "one session row" "$(db "SELECT count(*) FROM sessions")" 1
expect_eq "signed in: /login moves on" "$(get "$A" /login)" 303

# ---- every page renders with its content
expect_eq "/ redirects" "$(get "$A" /)" 303
expect_eq "/ goes to setup while not connected" "$(header Location)" "/setup"
expect_eq "/status renders" "$(get "$A" /status)" 200
expect_match "/status has the log, runs and chart" "$(body)" 'id="log-table".*|Recent runs'
expect_match "/status has the chart" "$(body)" '<svg class="chart"'
expect_match "/status shows the user and role" "$(body)" 'admin <span class="badge badge-muted">admin</span>'
expect_eq "/setup renders" "$(get "$A" /setup)" 200
expect_match "/setup has both connection forms" "$(body | tr '\n' ' ')" 'action="/setup/ac".*action="/setup/sf"'
expect_match "/setup offers the sandbox on loopback" "$(body)" 'Use the sandbox'
expect_match "/setup: sf_import is a choice of its three values" "$(body | tr '\n' ' ')" '<select name="sf_import"[^>]*><option value="none">none</option><option value="new" selected>new</option><option value="all">all</option></select>'
expect_match "/setup: each setting says its default" "$(body | tr '\n' ' ')" 'seconds between timer runs \(30 to 86400\); default: 300'
expect_match "/setup: the default of an unset URL is said as none" "$(body | tr '\n' ' ')" 'for the webhook\); default: none'
expect_match "/setup: the client-credentials flow needs the My Domain URL" "$(body | tr '\n' ' ')" 'id="sf-login-hint">Save and verify uses the client-credentials flow, which Salesforce accepts only on your org.s <strong>My Domain</strong>'
if body | grep -q 'name="login_url" value="https://login.salesforce.com"'; then fail "/setup does not pre-fill login.salesforce.com"; else ok "/setup does not pre-fill login.salesforce.com"; fi
expect_match "/setup shows the webhook URL to admins" "$(body)" "$BASE/hooks/activecampaign/[0-9a-f]{64}"
hook=$(body | grep -o "/hooks/activecampaign/[0-9a-f]*" | head -1)
expect_eq "/contacts renders" "$(get "$A" /contacts)" 200
expect_match "/contacts asks for an address" "$(body)" 'Type an email address'
expect_eq "/contacts?email= renders" "$(get "$A" '/contacts?email=%20Nobody%40Example.COM%20')" 200
expect_match "/contacts normalises the address" "$(body)" '<h2>nobody@example.com</h2>'
expect_eq "/checks renders" "$(get "$A" /checks)" 200
expect_match "/checks lists the database check" "$(body)" 'Database integrity'
expect_match "/checks says what to fix" "$(body)" 'Fix:'
expect_eq "/checks.json answers" "$(get "$A" /checks.json)" 200
expect_eq "/checks.json is JSON with checks" "$(body | json 'len(d["checks"]) >= 5 and "ok" in d')" True
expect_eq "/checks.json reports the missing connection" "$(body | json '[c["status"] for c in d["checks"] if c["id"]=="ac_connection"][0]')" fail
expect_eq "/audit renders" "$(get "$A" /audit)" 200
expect_match "/audit" "$(body)" '<h1>Audit</h1>'
expect_match "/audit with nothing to audit" "$(body)" 'id="audit-none"'
expect_eq "/audit.csv answers" "$(get "$A" /audit.csv)" 200
expect_eq "/audit.csv is CSV with its header" "$(head -1 "$T/body" | tr -d '\r')" "email,activecampaign,salesforce,accepted,reason"
expect_match "/audit.csv is a download" "$(header Content-Disposition)" 'attachment; filename="optsync-audit.csv"'
expect_eq "/users renders" "$(get "$A" /users)" 200
expect_match "/users lists the admin" "$(body)" '<td>admin <span class="badge badge-muted">you</span>'
expect_eq "/metrics answers" "$(get "$A" /metrics)" 200
expect_match "/metrics is Prometheus text" "$(body)" '^# HELP optsync_up'
expect_match "/metrics counts runs" "$(body)" 'optsync_runs_total\{status="ok"\} 0'
expect_eq "/status/progress.json" "$(get "$A" /status/progress.json)" 200
expect_eq "progress is JSON" "$(body | json 'd["running"]')" False
expect_eq "unknown page 404" "$(get "$A" /nope)" 404
expect_eq "wrong method 405" "$(req "$A" POST /status -H "Origin: $BASE")" 405
expect_match "405 says what is allowed" "$(header Allow)" "GET, HEAD"
expect_eq "HEAD works like GET" "$(curl -s -o /dev/null -w '%{http_code}' -I "$BASE/healthz")" 200

# ---- CSRF on every POST
get "$A" /setup >/dev/null
tok=$(csrf)
expect_eq "POST without the token is refused" "$(post "$A" /setup/settings --data interval=120)" 403
expect_eq "POST with a wrong token is refused" "$(post "$A" /setup/settings --data "csrf=00$tok" --data interval=120)" 403
expect_eq "POST from another origin is refused" \
	"$(req "$A" POST /setup/settings -H "Origin: http://evil.example" --data "csrf=$tok" --data interval=120)" 403
expect_eq "POST marked cross-site is refused" \
	"$(req "$A" POST /setup/settings -H "Sec-Fetch-Site: cross-site" --data "csrf=$tok" --data interval=120)" 403
expect_eq "nothing was saved" "$(db "SELECT count(*) FROM settings WHERE key='interval'")" 0
expect_eq "POST with the token saves" "$(post "$A" /setup/settings --data "csrf=$tok" --data interval=120 --data sf_import=NONE)" 303
expect_eq "the setting is stored" "$(db "SELECT value FROM settings WHERE key='interval'")" 120
expect_eq "the value is stored canonical" "$(db "SELECT value FROM settings WHERE key='sf_import'")" none
expect_eq "a bad value is refused" "$(post "$A" /setup/settings --data "csrf=$tok" --data interval=5)" 422
expect_match "with the reason" "$(body)" 'interval must be a whole number'
# The dashboard and `optsync set` go through one core function (settings_set): the same bad value
# is refused by both, in the same words, and neither stores anything.
same_refusal() { # same_refusal KEY VALUE
	local code page cli rc
	code=$(post "$A" /setup/settings --data "csrf=$tok" --data-urlencode "$1=$2")
	page=$(python3 -c 'import html, re, sys
m = re.search(r"<div class=\"box box-error\" role=\"alert\">(.*?)</div>", open(sys.argv[1]).read(), re.S)
print(html.unescape(m.group(1)) if m else "")' "$T/body")
	cli=$("$BIN/optsync" set "$1" "$2" 2>&1 >/dev/null)
	rc=$?
	expect_eq "$1=$2: the dashboard refuses it" "$code" 422
	expect_eq "$1=$2: optsync set refuses it (exit 2)" "$rc" 2
	if [ -n "$page" ]; then expect_eq "$1=$2: in the same words" "optsync: $page" "$cli"; else fail "$1=$2: the page shows why" "no error box"; fi
}
same_refusal interval 5
same_refusal sf_import maybe
same_refusal sf_api_share 2
same_refusal retry_limit 0
same_refusal ac_rate "<b>9</b>"
same_refusal public_url "ftp://example.com"
same_refusal allowed_hosts "bad host!"
expect_eq "none of them was stored" \
	"$(db "SELECT group_concat(key||'='||value, ' ') FROM (SELECT * FROM settings WHERE key IN ('interval','sf_import','sf_api_share','retry_limit','ac_rate','public_url','allowed_hosts') ORDER BY key)")" \
	"interval=120 sf_import=none"
expect_eq "a form that is not urlencoded is refused" \
	"$(post "$A" /setup/settings -H 'Content-Type: text/plain' --data-binary "csrf=$tok")" 415
expect_eq "a malformed escape is refused" "$(post "$A" /setup/settings --data-binary "csrf=$tok&interval=%zz")" 400

# ---- body caps
head -c 70000 /dev/zero | tr '\0' 'a' >"$T/big"
expect_eq "a body over the cap is 413" "$(post "$A" /setup/settings --data-binary "@$T/big")" 413
expect_eq "a lying Content-Length is refused" "$(curl -s -o /dev/null -w '%{http_code}' -b "$A" -H "Origin: $BASE" -H 'Content-Type: application/x-www-form-urlencoded' -H 'Content-Length: 99999999' --data-binary 'x=1' "$BASE/setup/settings")" 413

# ---- viewers look, and change nothing
expect_eq "admin adds a viewer" "$(post "$A" /users/add --data "csrf=$tok" --data name=vera --data role=viewer --data-urlencode "password=$PW")" 303
expect_eq "viewer stored" "$(db "SELECT role FROM users WHERE name='vera'")" viewer
get "$V" /login >/dev/null
vt=$(csrf)
expect_eq "viewer signs in" "$(post "$V" /login --data "csrf=$vt" --data name=vera --data-urlencode "password=$PW")" 303
expect_eq "viewer sees status" "$(get "$V" /status)" 200
expect_eq "viewer sees setup" "$(get "$V" /setup)" 200
vt=$(csrf)
expect_match "viewer's setup forms are disabled" "$(body)" 'name="url" value="" placeholder="https://ACCOUNT.api-us1.com" required disabled'
expect_match "viewer does not see the webhook secret" "$(body | grep -c '/hooks/activecampaign/')" '^0$'
expect_eq "viewer cannot change settings" "$(post "$V" /setup/settings --data "csrf=$vt" --data interval=600)" 403
expect_eq "the setting kept its value" "$(db "SELECT value FROM settings WHERE key='interval'")" 120
expect_eq "viewer cannot add users" "$(post "$V" /users/add --data "csrf=$vt" --data name=eve --data role=admin --data-urlencode "password=$PW")" 403
expect_eq "viewer cannot start a sync" "$(post "$V" /status/sync --data "csrf=$vt")" 403
expect_eq "viewer may sign out" "$(post "$V" /logout --data "csrf=$vt")" 303
expect_eq "after logout the session is gone" "$(get "$V" /status)" 303

# ---- login throttling (a browser that never signed in as vera: no device cookie)
X=$T/stranger
get "$X" /login >/dev/null
xt=$(csrf)
for i in 1 2 3 4; do
	st=$(post "$X" /login --data "csrf=$xt" --data name=vera --data "password=wrong-$i")
done
expect_eq "wrong passwords are refused" "$st" 403
expect_eq "the fifth try, within the delay the fourth began, is throttled" "$(post "$X" /login --data "csrf=$xt" --data name=vera --data-urlencode "password=$PW")" 429
expect_match "with Retry-After" "$(header Retry-After)" '^[0-9]+$'
expect_eq "another name from the same address still signs in" "$(post "$X" /login --data "csrf=$xt" --data name=admin --data-urlencode "password=$PW")" 303

# ---- the AC webhook receiver
wh='type=unsubscribe&date_time=2026-11-26T09%3A15%3A00-06%3A00&initiated_by=admin&list=3&contact%5Bid%5D=42&contact%5Bemail%5D=Jane.Doe%40Example.com&unsubscribe%5Breason%5D=too+many'
expect_eq "webhook with the secret is 200" "$(req "$T/none" POST "$hook" --data "$wh")" 200
expect_eq "the event is stored raw" "$(db "SELECT kind||' '||email||' '||occurred_at FROM events")" "unsubscribe jane.doe@example.com 2026-11-26T09:15:00-06:00"
expect_eq "with its payload" "$(db "SELECT payload FROM events")" "$wh"
expect_eq "a wrong secret is 404" "$(req "$T/none" POST /hooks/activecampaign/0000 --data "$wh")" 404
expect_eq "no secret is 404" "$(req "$T/none" POST /hooks/activecampaign/x --data "$wh")" 404
expect_eq "a body without a type is 400" "$(req "$T/none" POST "$hook" --data 'contact%5Bemail%5D=a%40b.c')" 400
expect_eq "a malformed body is 400" "$(req "$T/none" POST "$hook" --data-binary 'type=%zz')" 400
expect_eq "GET on the webhook is 405" "$(get "$T/none" "$hook")" 405
head -c 17000 /dev/zero | tr '\0' 'a' | sed 's/^/type=bounce\&contact%5Bemail%5D=a%40b.c\&x=/' >"$T/hookbig"
expect_eq "an oversized webhook is 413" "$(req "$T/none" POST "$hook" --data-binary "@$T/hookbig")" 413
expect_eq "refused bodies stored nothing" "$(db 'SELECT count(*) FROM events')" 1
expect_eq "metrics count the event" "$(get "$A" /metrics >/dev/null; body | grep '^optsync_webhook_events_total')" "optsync_webhook_events_total 1"

# ---- the sandbox: connect both sides, test them, preview and confirm the first sync
get "$A" /setup >/dev/null
tok=$(csrf)
st=$(post "$A" /setup/sandbox --data "csrf=$tok")
expect_eq "Use the sandbox connects both sides" "$st" 303
if [ "$st" = 303 ]; then
	get "$A" /setup >/dev/null
	expect_match "setup shows both connected" "$(body | grep -c 'conn conn-ok')" '^2$'
	expect_match "the secret is shown only as its hint" "$(body)" 'placeholder="••••-key"'
	expect_eq "the stored key is sealed" "$(db "SELECT count(*) FROM connections WHERE CAST(secret AS TEXT) LIKE '%sandbox-ac-key%'")" 0
	expect_eq "Test connection (AC)" "$(post "$A" /setup/test --data "csrf=$tok" --data which=ac)" 200
	expect_match "says who AC answered for" "$(body)" 'ActiveCampaign answers'
	expect_eq "Test connection (SF)" "$(post "$A" /setup/test --data "csrf=$tok" --data which=sf)" 200
	expect_match "says Salesforce answered" "$(body)" 'Salesforce answers'
	get "$A" /checks.json >/dev/null
	expect_eq "checks: both connections pass" "$(body | json '" ".join(c["status"] for c in d["checks"] if c["id"] in ("ac_connection","sf_connection"))')" "pass pass"
	expect_eq "checks: every check ran" "$(body | json 'len(d["checks"]) >= 8')" True
	# Connect Salesforce through the browser: web-server flow with PKCE, callback by state.
	curl -s -o /dev/null -X POST -H 'Content-Type: application/json' -d '{"oauth_auto_approve": true}' "$SANDBOX_CONTROL/knobs"
	expect_eq "Connect Salesforce starts the flow" "$(post "$A" /setup/sf-oauth --data "csrf=$tok" --data-urlencode "login_url=$SF_URL" --data client_id=sandbox-client-id --data client_secret=sandbox-client-secret --data api_version=v62.0)" 200
	go=$(grep -o 'id="go-salesforce"' "$T/body" >/dev/null && grep -o 'href="[^"]*" id="go-salesforce"' "$T/body" | sed 's/^href="//; s/" id=.*//; s/&amp;/\&/g')
	expect_match "to the authorize URL with PKCE and state" "$go" "^$SF_URL/services/oauth2/authorize\?.*code_challenge_method=S256"
	cb=$(curl -s -o /dev/null -w '%{redirect_url}' "$go")
	expect_match "the sandbox sends the browser back with a code" "$cb" "^$BASE/oauth/salesforce/callback\?.*code="
	cbpath=${cb#"$BASE"}
	# As after a cross-site redirect: the flow's SameSite=Lax cookie comes back, the Strict session does not.
	grep -v 'optsync_session\|optsync_login' "$A" >"$T/a-return.jar"
	expect_eq "the callback (flow cookie, no session cookie) connects" "$(get "$T/a-return.jar" "$cbpath")" 200
	expect_match "and says so" "$(body)" 'connected through the browser'
	expect_eq "the refresh token is stored, sealed" "$(db "SELECT refresh_token IS NOT NULL FROM connections WHERE system='sf'")" 1
	expect_eq "the same callback twice is refused" "$(get "$T/a-return.jar" "$cbpath")" 400
	expect_eq "/ goes to status once connected" "$(get "$A" / >/dev/null; header Location)" /status
	get "$A" /status >/dev/null
	expect_match "the first sync is offered as a preview" "$(body)" 'Preview the first sync'
	expect_eq "preview starts" "$(post "$A" /status/preview --data "csrf=$tok")" 303
	for i in $(seq 1 120); do
		get "$A" /status/progress.json >/dev/null
		[ "$(body | json 'd["running"]')" = False ] && break
		sleep 0.5
	done
	expect_eq "the preview finished" "$(body | json 'd["running"]')" False
	expect_eq "the preview wrote nothing (dry run)" "$(db "SELECT count(*) FROM log WHERE status='applied'")" 0
	get "$A" /status >/dev/null
	expect_match "the preview shows its plan and Confirm" "$(body)" 'id="confirm"'
	expect_eq "confirm starts the real run" "$(post "$A" /status/confirm --data "csrf=$tok")" 303
	for i in $(seq 1 240); do
		get "$A" /status/progress.json >/dev/null
		[ "$(body | json 'd["running"]')" = False ] && break
		sleep 0.5
	done
	expect_eq "the first sync finished" "$(body | json 'd["running"]')" False
	expect_eq "without an error" "$(body | json 'd["error"]')" ""
	expect_eq "the first sync is marked done" "$(db "SELECT count(*) FROM watermarks WHERE name='first_sync_done'")" 1
	get "$A" /status >/dev/null
	expect_match "status lists the run" "$(body)" '<td>dashboard</td>'
	expect_match "after the first sync admins get Resync now" "$(body)" 'id="resync-all"'
	W=$T/viewer2.jar
	post "$A" /users/add --data "csrf=$tok" --data name=walt --data role=viewer --data-urlencode "password=$PW" >/dev/null
	get "$W" /login >/dev/null
	wt=$(csrf)
	expect_eq "a second viewer signs in" "$(post "$W" /login --data "csrf=$wt" --data name=walt --data-urlencode "password=$PW")" 303
	get "$W" /status >/dev/null
	wt=$(csrf)
	expect_eq "viewers get no Resync now" "$(body | grep -c 'id="resync-all"')" 0
	expect_eq "and cannot start one" "$(post "$W" /status/sync --data "csrf=$wt")" 403
	email=$(db "SELECT email FROM log WHERE status='applied' AND email<>'' LIMIT 1")
	if [ -n "$email" ]; then
		expect_eq "the person's page renders" "$(get "$A" "/contacts?email=$email")" 200
		expect_match "with history" "$(body)" 'badge badge-applied'
		expect_eq "Resync this contact" "$(post "$A" /contacts/resync --data "csrf=$tok" --data-urlencode "email=$email")" 200
		expect_match "reports the resync" "$(body)" 'Resynced:'
		expect_eq "/audit after the first sync" "$(get "$A" /audit)" 200
		expect_match "says how many disagree" "$(body)" '[0-9]+ people disagree'
		expect_eq "viewer cannot use the audit fix" "$(post "$W" /audit/fix --data "csrf=$wt" --data-urlencode "email=$email")" 403
		expect_eq "viewer sees the person" "$(get "$W" "/contacts?email=$email")" 200
		expect_eq "without the resync button" "$(body | grep -c 'id="resync-one"')" 0
	else
		fail "the first sync applied changes" "no applied log row"
	fi
fi

# ---- a webhook while another writer holds the database: answered at once, spooled to a file,
# moved into the events table by the drainer when the lock is gone
python3 -c "import sqlite3,time,sys; c=sqlite3.connect(sys.argv[1], isolation_level=None); c.execute('BEGIN IMMEDIATE'); time.sleep(3); c.execute('COMMIT')" "$OPTSYNC_DB" &
locker=$!
sleep 0.5
wh2='type=subscribe&date_time=2026-11-26T10%3A00%3A00-06%3A00&list=1&contact%5Bid%5D=43&contact%5Bemail%5D=spooled%40example.com'
t0=$(date +%s%N)
st=$(req "$T/none" POST "$hook" --data "$wh2")
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
expect_eq "webhook during a held lock still answers 200" "$st" 200
expect_match "within a second ($ms ms)" "$ms" '^[0-9]{1,3}$'
expect_eq "the event waits in the spool" "$(ls "$T/webhook-spool" 2>/dev/null | grep -c '\.spool$')" 1
wait "$locker"
for i in $(seq 1 30); do
	[ "$(ls "$T/webhook-spool" 2>/dev/null | grep -c '\.spool$')" = 0 ] && break
	sleep 0.2
done
expect_eq "the drainer moves it into the database" "$(ls "$T/webhook-spool" 2>/dev/null | grep -c '\.spool$')" 0
expect_eq "where it is stored" "$(db "SELECT count(*) FROM events WHERE email='spooled@example.com'")" 1

# ---- another process closing the database must not cut the dashboard off its WAL
# (sqlite3 here stands for the CLI and the daemon, which open and close the same file.)
get "$A" /setup >/dev/null
tok=$(csrf)
sqlite3 "$OPTSYNC_DB" 'SELECT count(*) FROM users' >/dev/null
post "$A" /setup/settings --data "csrf=$tok" --data interval=333 >/dev/null
expect_eq "a write after another process closed the database is visible to it" "$(db "SELECT value FROM settings WHERE key='interval'")" 333
