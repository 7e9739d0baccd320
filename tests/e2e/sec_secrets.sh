#!/usr/bin/env bash
# sec_secrets.sh - the configured secrets (the AC API key, the SF client secret, the SF refresh
# token from the OAuth flow, and the access tokens the sandbox issued) appear nowhere after a full
# run with failures: not in any log file of the stack, any page, any CLI output, nor in the database
# file and its WAL. The key file and the database are 0600, and a key file others can read is refused.
. "$(dirname "$0")/../lib/e2e.sh"
. "$(dirname "$0")/../lib/sandbox.sh"
stack_up

OUT=$T/captured
mkdir -p "$OUT"
n=0
cap() { # cap CMD...: runs an optsync command, keeps stdout+stderr for the grep
	n=$((n + 1))
	"$BIN/optsync" "$@" >"$OUT/cli.$n" 2>&1
	RC=$?
}
rnd() { head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
AK="ack$(rnd)"
CS="css$(rnd)"
sbx_reset 71 6
sbx_person '{"email":"s1@example.com","ac":{"lists":{"1":1}},"sf":[{"type":"Contact","opted_out":false}]}'
sbx_knobs "{\"ac_api_key\":\"$AK\",\"sf_client_secret\":\"$CS\",\"oauth_auto_approve\":true}"

# Salesforce through the browser flow (PKCE), as an admin would connect it: a refresh token.
verifier=$(rnd)$(rnd)
challenge=$(printf '%s' "$verifier" | python3 -c "import sys,hashlib,base64;print(base64.urlsafe_b64encode(hashlib.sha256(sys.stdin.buffer.read()).digest()).decode().rstrip('='))")
loc=$(curl -s -o /dev/null -w '%{redirect_url}' -G "$SF_URL/services/oauth2/authorize" --data-urlencode response_type=code \
	--data-urlencode client_id=sandbox-client-id --data-urlencode redirect_uri=http://127.0.0.1/cb --data-urlencode state=s1 \
	--data-urlencode "code_challenge=$challenge" --data-urlencode code_challenge_method=S256)
code=$(printf '%s' "$loc" | python3 -c "import sys,urllib.parse as u;print(u.parse_qs(u.urlparse(sys.stdin.read()).query).get('code',[''])[0])")
RT=$(curl -fsS "$SF_URL/services/oauth2/token" --data grant_type=authorization_code --data-urlencode "code=$code" \
	--data-urlencode redirect_uri=http://127.0.0.1/cb --data-urlencode "code_verifier=$verifier" \
	--data client_id=sandbox-client-id --data-urlencode "client_secret=$CS" | json "d.get('refresh_token','')")
[ ${#RT} -ge 20 ] && ok "a refresh token from the OAuth flow" || fail "refresh token" "'$RT'"

cap connect ac --url "$AC_URL" --key "${AK}wrong"
expect_eq "a wrong key is refused" "$RC" 1
cap connect ac --url "$AC_URL" --key "$AK"
# Secrets off the command line (ps, shell history): "-" reads standard input, or the environment.
mkfifo "$T/keyfifo"
"$BIN/optsync" connect ac --url "$AC_URL" --key - <"$T/keyfifo" >"$OUT/cli.stdin" 2>&1 &
cpid=$!
exec 9>"$T/keyfifo"
sleep 0.3
args=$(tr '\0' ' ' </proc/$cpid/cmdline 2>/dev/null)
expect_match "connect waits for the key on stdin, its command line is '--key -'" "$args" 'connect ac --url .* --key - $'
printf '%s\n' "$AK" >&9
exec 9>&-
wait "$cpid"
expect_eq "connect ac --key - reads the key from stdin" "$?" 0
OPTSYNC_AC_KEY="$AK" cap connect ac --url "$AC_URL"
expect_eq "connect ac reads OPTSYNC_AC_KEY when --key is left out" "$RC" 0
cap connect sf --login-url "$SF_URL" --client-id sandbox-client-id --client-secret - --refresh-token "$RT" <<<"$CS"
expect_eq "connect sf --client-secret - reads the secret from stdin" "$RC" 0
expect_match "connect --help says how to keep secrets out of ps" "$("$BIN/optsync" connect --help)" 'OPTSYNC_AC_KEY'
cap connect sf --login-url "$SF_URL" --client-id sandbox-client-id --client-secret "$CS" --refresh-token "$RT"
expect_eq "connected with the sandbox's own secrets" "$("$BIN/optsync" check --json >/dev/null 2>&1; echo $?)" 0
cap set ac_rate 5

# A full run, then runs with failures of every kind.
cap sync
sbx_event '{"type":"unsubscribe","email":"s1@example.com","list":1}'
sbx_knobs '{"error_rate":0.4,"error_target":"any"}'
cap sync
cap sync
sbx_knobs '{"error_rate":0,"status_code":401,"status_target":"sf","status_count":3}'
cap sync
sbx_knobs '{"status_code":0,"malformed":"sf","malformed_kind":"html","malformed_count":2}'
cap sync
sbx_knobs '{"malformed":null}'
curl -fsS -X POST -H 'Content-Type: application/json' "$SANDBOX_CONTROL/tokens" -d '{"expire_access":true}' >/dev/null
cap sync
cap sync --dry-run --full
cap check
cap check --json
cap log --limit 500
cap log --json --limit 500
cap audit
cap audit --csv
cap webhook --public-url "$BASE"
"$BIN/optsync" daemon --interval 1 >"$OUT/daemon.out" 2>&1 &
dpid=$!
sleep 3
kill -TERM "$dpid"
wait "$dpid"
# The key refused when others can read it.
chmod 0644 "$OPTSYNC_KEY_FILE"
cap log --limit 1
expect_eq "a key file others can read is refused" "$RC" 1
expect_match "and the message says why" "$(cat "$OUT/cli.$n")" "key"
chmod 0600 "$OPTSYNC_KEY_FILE"
# A revoked refresh token, the error it makes.
curl -fsS -X POST -H 'Content-Type: application/json' "$SANDBOX_CONTROL/tokens" -d '{"expire_access":true,"revoke_refresh":true}' >/dev/null
cap check
cap sync

# Every page, signed in as an admin, including connection tests and failures.
PW='correct horse battery'
printf '%s\n' "$PW" | "$BIN/optsync" user add admin --role admin >/dev/null
J=$T/jar
pg=0
get() { pg=$((pg + 1)); curl -s -b "$J" -c "$J" -D "$OUT/page.$pg.head" -o "$OUT/page.$pg" "$@"; }
get "$BASE/login"
tok=$(grep -o 'name="csrf" value="[0-9a-f]*"' "$OUT/page.$pg" | head -1 | sed 's/.*value="//;s/"$//')
get -H "Origin: $BASE" --data "csrf=$tok" --data name=admin --data-urlencode "password=$PW" "$BASE/login"
get "$BASE/status"
tok=$(grep -o 'name="csrf" value="[0-9a-f]*"' "$OUT/page.$pg" | head -1 | sed 's/.*value="//;s/"$//')
for p in / /setup /status /status/progress.json /contacts "/contacts?email=x@example.com" /checks /checks.json /audit /audit.csv /users /metrics /healthz; do
	get "$BASE$p"
done
get -H "Origin: $BASE" --data "csrf=$tok" --data which=ac "$BASE/setup/test"
get -H "Origin: $BASE" --data "csrf=$tok" --data which=sf "$BASE/setup/test"
get -H "Origin: $BASE" --data "csrf=$tok" --data-urlencode "url=$AC_URL" --data-urlencode "key=${AK}bad" "$BASE/setup/ac"
get "$BASE/setup"
echo "# captured $n CLI outputs and $pg pages"

# The webhook secret: shown to the admin (the CLI's webhook command, /setup), never logged or
# stored in clear. Deliveries through nginx: accepted, too large, malformed, and one spooled
# while another connection holds the write lock.
WS=$("$BIN/optsync" webhook --public-url "$BASE" 2>/dev/null | grep -o '/hooks/activecampaign/[0-9a-f]*' | head -1 | sed 's#.*/##')
[ ${#WS} -eq 64 ] && ok "the webhook secret is known to the admin" || fail "webhook secret" "'$WS'"
HURL="$BASE/hooks/activecampaign/$WS"
hook() { curl -s -o /dev/null -w '%{http_code}' "$@" "$HURL"; }
expect_eq "a webhook is accepted" "$(hook --data 'type=unsubscribe&date_time=2024-01-01T00:00:00Z&contact[email]=s1@example.com&list=1')" 200
expect_eq "a malformed webhook is refused" "$(hook --data 'list=1')" 400
head -c 70000 /dev/zero | tr '\0' a >"$T/big.body"
expect_eq "a too large webhook is refused by the dashboard" "$(hook -H 'Content-Type: application/x-www-form-urlencoded' --data-binary @"$T/big.body")" 413
python3 -c "
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None); c.execute('BEGIN IMMEDIATE'); time.sleep(2); c.execute('ROLLBACK')" "$OPTSYNC_DB" &
lockpid=$!
sleep 0.5
expect_eq "a webhook while the database is locked is answered (spooled)" "$(hook --data 'type=subscribe&date_time=2024-01-01T00:00:01Z&contact[email]=s1@example.com&list=1')" 200
wait "$lockpid"
grep -q 'spooled' "$T/log/optsync.log" && ok "the dashboard logged the spooled delivery" || fail "spool log line" "none"

# The access tokens the sandbox handed out count as secrets too.
mapfile -t ACCESS < <(sqlite3 -readonly "$T/sandbox.db" "SELECT token FROM sf_tokens WHERE kind='access'")
[ "${#ACCESS[@]}" -ge 2 ] && ok "${#ACCESS[@]} access tokens were issued during the runs" || fail "access tokens issued" "${#ACCESS[@]}"
# Everything of the stack but the sandbox's own database (the emulated services must know their
# secrets), plus everything captured above.
mapfile -t FILES < <(find "$T" -type f ! -name 'sandbox.db*' ! -path "$T/nginx/static/*" | sort)
echo "# searching ${#FILES[@]} files: $(printf '%s\n' "${FILES[@]}" | sed "s#^$T/##" | grep -v '^captured/' | tr '\n' ' ')"
# The search itself works on binary files: the sandbox's database does hold the key and token.
expect_eq "control: the search finds the key and refresh token in the sandbox's own database" \
	"$(grep -alF -e "$AK" "$T/sandbox.db"* | head -1 | grep -c .)$(grep -alF -e "$RT" "$T/sandbox.db"* | head -1 | grep -c .)" 11
hits() { grep -alF -e "$1" "${FILES[@]}" 2>/dev/null | sed "s#^$T/##" | tr '\n' ' '; }
expect_eq "the AC API key appears in no file, page, output or database" "$(hits "$AK")" ""
expect_eq "the SF client secret appears nowhere" "$(hits "$CS")" ""
expect_eq "the SF refresh token appears nowhere" "$(hits "$RT")" ""
leaked=""
for a in "${ACCESS[@]}"; do [ -n "$(hits "$a")" ] && leaked="$leaked $(hits "$a")"; done
expect_eq "no SF access token appears anywhere" "$leaked" ""
# Pages and the CLI show the webhook URL to the admin on purpose: every other file counts.
mapfile -t LOGS < <(printf '%s\n' "${FILES[@]}" | grep -v "^$OUT/")
expect_eq "the webhook secret appears in no log (nginx, dashboard, sandbox) nor in the database" \
	"$(grep -alF -e "$WS" "${LOGS[@]}" 2>/dev/null | sed "s#^$T/##" | tr '\n' ' ')" ""
expect_match "nginx logged the deliveries with the secret masked" "$(cat "$T/nginx/access.log")" 'POST /hooks/activecampaign/\[secret\] '
expect_match "the dashboard logged the refusals with the secret masked" "$(grep 'hooks' "$T/log/optsync.log" | head -3)" '/hooks/activecampaign/\[secret\]'
expect_eq "settings hold no webhook secret in clear" "$(sqlite3 -readonly "$OPTSYNC_DB" "SELECT count(*) FROM settings WHERE key='webhook_secret'")" 0
expect_match "the dashboard shows the key only as a hint" "$(cat "$OUT"/page.*)" "placeholder=\"••••"
expect_eq "the database is 0600" "$(stat -c %a "$OPTSYNC_DB")" 600
expect_eq "the key file is 0600" "$(stat -c %a "$OPTSYNC_KEY_FILE")" 600
for f in "$OPTSYNC_DB-wal" "$OPTSYNC_DB-shm"; do
	[ -f "$f" ] && expect_eq "$(basename "$f") is 0600" "$(stat -c %a "$f")" 600
done
