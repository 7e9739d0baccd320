#!/usr/bin/env bash
# sec_hosts.sh - only the configured hosts are served, and the sandbox and the deployment keep to
# their side: every page (and the webhook) refuses a Host that is not a loopback name, the host of
# public_url or one of allowed_hosts, before any handler runs, so a DNS-rebinding page passes no
# Origin check; nginx.conf.example names its server and refuses every other name by default.
. "$(dirname "$0")/../lib/e2e.sh"
stack_up

PW='correct horse battery'
tried=0 refused=0
attack() { # attack NAME STATUS EXPECTED
	tried=$((tried + 1))
	if [ "$2" = "$3" ]; then refused=$((refused + 1)); ok "$1"; else fail "$1" "expected $3, got $2"; fi
}
code() { curl -s -o "$T/body" -w '%{http_code}' "$@"; }
db() { sqlite3 -readonly "$OPTSYNC_DB" "$1" 2>>"$T/sqlite.err"; }
printf '%s\n' "$PW" | "$BIN/optsync" user add admin --role admin >/dev/null
J=$T/jar
curl -s -c "$J" -b "$J" -o "$T/body" "$BASE/login"
tok=$(grep -o 'name="csrf" value="[0-9a-f]*"' "$T/body" | head -1 | sed 's/.*value="//;s/"$//')
curl -s -c "$J" -b "$J" -o /dev/null -H "Origin: $BASE" --data "csrf=$tok" --data name=admin --data-urlencode "password=$PW" "$BASE/login"
curl -s -c "$J" -b "$J" -o "$T/body" "$BASE/setup"
ADMIN_TOK=$(grep -o 'name="csrf" value="[0-9a-f]*"' "$T/body" | head -1 | sed 's/.*value="//;s/"$//')
[ -n "$ADMIN_TOK" ] && ok "an admin session" || fail "admin session"
HOOK=$(grep -o "/hooks/activecampaign/[0-9a-f]*" "$T/body" | head -1)

# ---- 11.2 Host header / DNS rebinding
EVIL="rebind.attacker.test:$PORT"
attack "/metrics through a rebinding name: 421" "$(code -H "Host: $EVIL" "$BASE/metrics")" 421
expect_match "the refusal names the setting" "$(cat "$T/body")" 'allowed_hosts'
for p in / /login /healthz /status /setup /checks.json /audit.csv; do
	attack "GET $p through a rebinding name: 421" "$(code -H "Host: $EVIL" "$BASE$p")" 421
done
attack "GET /status with the admin's cookie through a rebinding name: 421" "$(code -b "$J" -H "Host: $EVIL" "$BASE/status")" 421
before=$(db "SELECT value FROM settings WHERE key='interval'")
attack "POST /setup/settings from the rebinding page's own Origin, token right: 421" \
	"$(code -b "$J" -H "Host: $EVIL" -H "Origin: http://$EVIL" -H "Sec-Fetch-Site: same-origin" --data "csrf=$ADMIN_TOK" --data interval=31 "$BASE/setup/settings")" 421
expect_eq "the setting is unchanged" "$(db "SELECT value FROM settings WHERE key='interval'")" "$before"
attack "the webhook through a rebinding name: 421" "$(code -H "Host: $EVIL" --data 'type=subscribe&contact[email]=r@example.com' "$BASE$HOOK")" 421
expect_eq "no event stored" "$(db 'SELECT count(*) FROM events')" 0
# Debian's fastcgi_params pass $host: without a Host header nginx names the server it chose.
expect_eq "no Host at all (HTTP/1.0) is answered as nginx's own server name" "$(code --http1.0 -H 'Host:' "$BASE/login")" 200
attack "a rebinding name in an absolute request line: 421" "$(code --request-target "http://$EVIL/login" "$BASE/login")" 421
for h in "localhost.attacker.test" "127.0.0.1.attacker.test" "attacker.test" "dash.example.com.attacker.test" "evil-dash.example.com"; do
	attack "Host $h: 421" "$(code -H "Host: $h" "$BASE/login")" 421
done
for h in "127.0.0.1:$PORT" "localhost:$PORT" "LocalHost" "[::1]:$PORT"; do
	expect_eq "Host $h is served" "$(code -H "Host: $h" "$BASE/healthz")" 200
done
"$BIN/optsync" set public_url https://dash.example.com >/dev/null
expect_eq "the host of public_url is served" "$(code -H "Host: dash.example.com" "$BASE/healthz")" 200
expect_eq "the host of public_url with a port is served" "$(code -H "Host: Dash.Example.com:443" "$BASE/login")" 200
attack "a longer name ending in public_url's host: 421" "$(code -H "Host: x.dash.example.com" "$BASE/login")" 421
expect_eq "allowed_hosts refuses a URL" "$("$BIN/optsync" set allowed_hosts https://other.example >/dev/null 2>&1; echo $?)" 2
expect_eq "allowed_hosts takes names" "$("$BIN/optsync" set allowed_hosts 'other.example, second.example' >/dev/null 2>&1; echo $?)" 0
expect_eq "a name in allowed_hosts is served" "$(code -H "Host: second.example:8443" "$BASE/login")" 200
attack "a name not in allowed_hosts still 421" "$(code -H "Host: third.example" "$BASE/login")" 421
"$BIN/optsync" set allowed_hosts '' >/dev/null
attack "a name removed from allowed_hosts: 421" "$(code -H "Host: second.example" "$BASE/login")" 421

# nginx.conf.example: generated from the template, a named server_name, a default server refusing.
EX=$STACK_ROOT/nginx.conf.example
sh "$STACK_ROOT/tools/nginx-conf.sh" production "$STACK_ROOT" /x >"$T/example.conf"
expect_eq "nginx.conf.example is what tools/nginx-conf.sh generates" "$(diff "$T/example.conf" "$EX" >/dev/null && echo same)" same
expect_match "nginx.conf.example names its server" "$(grep -E '^\s*server_name ' "$EX" | sort -u | tr '\n' ' ')" 'server_name optsync\.example\.com;'
expect_match "nginx.conf.example has a default server" "$(cat "$EX")" 'listen 443 ssl default_server'
expect_match "the default server refuses" "$(awk '/default_server/,/}/' "$EX")" 'return 444'

# ---- 11.9 the sandbox's control API checks Origin like the dashboard
sreset() { code -X POST -H 'Content-Type: text/plain' "$@" -d '{"seed":1,"people":3}' "$SANDBOX_CONTROL/reset"; }
attack "sandbox reset from another site's page (Origin): 403" "$(sreset -H 'Origin: http://evil.example')" 403
attack "sandbox reset with Sec-Fetch-Site cross-site: 403" "$(sreset -H 'Sec-Fetch-Site: cross-site')" 403
attack "sandbox reset with Origin null: 403" "$(sreset -H 'Origin: null')" 403
attack "sandbox reset from another local port's page: 403" "$(sreset -H "Origin: http://127.0.0.1:$((PORT + 1))")" 403
attack "sandbox reset through a rebinding name, its own Origin: 421" "$(sreset -H "Host: $EVIL" -H "Origin: http://$EVIL")" 421
attack "sandbox state read through a rebinding name: 421" "$(code -H "Host: $EVIL" "$SANDBOX_CONTROL/state")" 421
expect_eq "a script on this machine still resets it" "$(sreset)" 200
expect_eq "the sandbox's own origin still resets it" "$(sreset -H "Origin: $BASE" -H 'Sec-Fetch-Site: same-origin')" 200

# ---- 11.10 the deployment: /static/ keeps HSTS, the sockets have a group of their own
awk '/location/ {inloc=1; h=0; s=0} inloc && /add_header/ {h=1} inloc && /Strict-Transport-Security/ {s=1} inloc && /^ *}/ {if (h && !s) print "missing"; inloc=0}' "$EX" >"$T/hsts"
expect_eq "every location of nginx.conf.example that sets headers repeats HSTS (/static/ included)" "$(cat "$T/hsts")" ""
if [ "$(id -u)" -eq 0 ]; then
	sock=$(cat "$T/run/pub" 2>/dev/null)/optsync.sock
	g=$(stat -c %G "$sock" 2>/dev/null)
	[ -n "$g" ] && [ "$g" != nogroup ] && ok "as root the dashboard's socket has a group of its own ($g)" || fail "socket group" "'$g'"
	expect_eq "the socket is 0660" "$(stat -c %a "$sock")" 660
fi

echo "# $tried attacks tried, $refused refused"
