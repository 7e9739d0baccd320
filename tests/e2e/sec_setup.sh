#!/usr/bin/env bash
# sec_setup.sh - a fresh install cannot be taken over, and /setup gives nothing away: the first-run
# form creates the administrator only with the setup code that only the machine's owner can read
# (setup-code beside the database, 0600), and the code dies once an administrator exists;
# `optsync user add` still works from the shell. A changed ActiveCampaign or Salesforce URL on
# /setup with the secret left blank does not send the stored secret to the new host (a listener
# stands in for it). (The OAuth callback's binding to the browser is sec_oauth.sh.)
. "$(dirname "$0")/../lib/e2e.sh"
. "$(dirname "$0")/../lib/sandbox.sh"
. "$(dirname "$0")/../lib/web.sh"
stack_up

PW='correct horse battery'
db() { sqlite3 -readonly "$OPTSYNC_DB" "$1" 2>>"$T/sqlite.err"; }
first_run() { # first_run JAR CODE NAME: the first-run form as a stranger would fill it
	req "$1" GET /login >/dev/null
	post "$1" /login --data "csrf=$(csrf)" --data-urlencode "code=$2" --data-urlencode "name=$3" \
		--data-urlencode "password=$PW" --data-urlencode "password2=$PW"
}
tried=0 refused=0
attack() { # attack NAME STATUS EXPECTED
	tried=$((tried + 1))
	if [ "$2" = "$3" ]; then refused=$((refused + 1)); ok "$1"; else fail "$1" "expected $3, got $2"; fi
}

# ---- 11.1 first-run takeover
CODE_FILE=$T/setup-code
[ -f "$CODE_FILE" ] && ok "the dashboard wrote a setup code beside the database" || fail "setup code file" "missing"
expect_eq "the setup code file is 0600" "$(stat -c %a "$CODE_FILE" 2>&1)" 600
CODE=$(cat "$CODE_FILE" 2>/dev/null)
expect_match "the code has 20 symbols in 4 groups" "$CODE" '^[A-Z2-9]{5}-[A-Z2-9]{5}-[A-Z2-9]{5}-[A-Z2-9]{5}$'
expect_match "the dashboard's log says where the code is" "$(cat "$T/log/optsync.log")" "setup code .* is in $CODE_FILE"
req "$T/s" GET /login >/dev/null
expect_match "the first-run form asks for the setup code" "$(cat "$T/body")" 'name="code"'
attack "first run without a code: refused" "$(first_run "$T/s" "" eve)" 403
attack "first run with a made-up code: refused" "$(first_run "$T/s" "AAAAA-AAAAA-AAAAA-AAAAA" eve)" 403
attack "first run with the code minus its last symbol: refused" "$(first_run "$T/s" "${CODE%?}" eve)" 403
attack "first run with the code plus a symbol: refused" "$(first_run "$T/s" "${CODE}A" eve)" 403
attack "first run with the code's first group only: refused" "$(first_run "$T/s" "${CODE%%-*}" eve)" 403
attack "first run with a code in the query string only: refused" \
	"$(req "$T/s" GET /login >/dev/null; post "$T/s" "/login?code=$CODE" --data "csrf=$(csrf)" --data name=eve --data-urlencode "password=$PW" --data-urlencode "password2=$PW")" 403
expect_eq "no user after the refused first runs" "$(db 'SELECT count(*) FROM users')" 0
expect_match "the refusal says where the code is" "$(cat "$T/body")" 'setup-code'
expect_eq "the code is unchanged by wrong tries" "$(cat "$CODE_FILE")" "$CODE"
expect_eq "first run with the code (lower case, spaces for dashes) creates the admin" \
	"$(first_run "$T/a" "$(echo "$CODE" | tr 'A-Z-' 'a-z ')" admin)" 303
expect_eq "one administrator" "$(db "SELECT group_concat(name||':'||role) FROM users")" "admin:admin"
[ ! -e "$CODE_FILE" ] && ok "the code file is gone once the admin exists" || fail "code file" "still there"
attack "the old code creates no second administrator" "$(first_run "$T/s2" "$CODE" eve)" 403
expect_eq "still one user" "$(db 'SELECT count(*) FROM users')" 1
expect_match "the form is the sign-in form now" "$(req "$T/s3" GET /login; cat "$T/body")" 'id="sign-in"'
# From the shell, without any code: `optsync user add` on a fresh database.
mkdir -p "$T/other"
printf 'XXXXX-XXXXX-XXXXX-XXXXX\n' >"$T/other/setup-code"
chmod 600 "$T/other/setup-code"
expect_eq "optsync user add creates the first admin from the shell" \
	"$(printf '%s\n' "$PW" | "$BIN/optsync" --db "$T/other/optsync.db" user add root --role admin >/dev/null 2>&1; echo $?)" 0
[ ! -e "$T/other/setup-code" ] && ok "user add removes the setup code too" || fail "user add and the code" "file left"

# ---- 11.5 a stored secret is never sent to a new host
# A listener stands in for the attacker's host: it records every byte it is sent.
LPORT=$((20000 + RANDOM % 12000))
python3 - "$LPORT" "$T/listener.bytes" >/dev/null 2>&1 <<'PY' &
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(16)
open(sys.argv[2], "wb").close()
while True:
    c, _ = s.accept(); c.settimeout(2)
    try:
        data = c.recv(65536)
        with open(sys.argv[2], "ab") as f: f.write(data)
        c.sendall(b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    except Exception: pass
    c.close()
PY
LPID=$!
trap 'kill $LPID 2>/dev/null; e2e_cleanup' EXIT
for i in $(seq 50); do [ -f "$T/listener.bytes" ] && break; sleep 0.1; done
req "$T/a" GET /setup >/dev/null
TOK=$(csrf)
expect_eq "the admin connects both sides to the sandbox" "$(post "$T/a" /setup/sandbox --data "csrf=$TOK")" 303
NEW="http://127.0.0.1:$LPORT"
attack "AC URL changed to another host, key left blank: refused" \
	"$(post "$T/a" /setup/ac --data "csrf=$TOK" --data-urlencode "url=$NEW" --data key=)" 422
expect_match "the refusal asks for the key again" "$(cat "$T/body")" 'type the (API key|secret) again'
attack "SF login URL changed to another host, secret left blank: refused" \
	"$(post "$T/a" /setup/sf --data "csrf=$TOK" --data-urlencode "login_url=$NEW" --data client_id=sandbox-client-id --data client_secret= --data api_version=v62.0)" 422
attack "Connect Salesforce with another login host, secret left blank: refused" \
	"$(post "$T/a" /setup/sf-oauth --data "csrf=$TOK" --data-urlencode "login_url=$NEW" --data client_id=sandbox-client-id --data client_secret= --data api_version=v62.0)" 422
attack "AC URL with only the port changed, key left blank: refused" \
	"$(post "$T/a" /setup/ac --data "csrf=$TOK" --data-urlencode "url=http://127.0.0.1:$LPORT/sandbox/ac" --data key=)" 422
sleep 0.3
expect_eq "the other host received nothing at all" "$(wc -c <"$T/listener.bytes")" 0
expect_eq "the same AC host with the key left blank still saves" \
	"$(post "$T/a" /setup/ac --data "csrf=$TOK" --data-urlencode "url=$AC_URL" --data key=)" 303
expect_eq "the same SF host with the secret left blank still saves" \
	"$(post "$T/a" /setup/sf --data "csrf=$TOK" --data-urlencode "login_url=$SF_URL" --data client_id=sandbox-client-id --data client_secret= --data api_version=v62.0)" 303
