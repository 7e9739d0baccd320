#!/usr/bin/env bash
# sec_auth.sh - no one gets in: the route table (read from cgi-bin/routes.c, so a new route is
# covered the day it is added) has no public page beyond the known ones; every POST route is tried
# without a session, with a viewer session, without a CSRF token, with another session's token,
# from a cross-site Origin and with Sec-Fetch-Site: cross-site, and nothing changes; redirects
# refuse other sites and header injection; /static/ refuses path traversal; templates are not served.
. "$(dirname "$0")/../lib/e2e.sh"
. "$(dirname "$0")/../lib/web.sh"
stack_up

PW='correct horse battery'
db() { sqlite3 -readonly "$OPTSYNC_DB" "$1" 2>>"$T/sqlite.err"; }
# A fingerprint of everything a POST could change.
state() {
	db "SELECT group_concat(key||'='||value) FROM (SELECT key, value FROM settings WHERE key <> 'webhook_secret' ORDER BY key);
	    SELECT group_concat(name||':'||role) FROM (SELECT name, role FROM users ORDER BY name);
	    SELECT count(*) FROM connections; SELECT count(*) FROM runs; SELECT count(*) FROM log;" | md5sum
}
signin() { # signin JAR NAME
	req "$1" GET /login >/dev/null
	post "$1" /login --data "csrf=$(csrf)" --data "name=$2" --data-urlencode "password=$PW" >/dev/null
	req "$1" GET /status >/dev/null
}

printf '%s\n' "$PW" | "$BIN/optsync" user add admin --role admin >/dev/null
printf '%s\n' "$PW" | "$BIN/optsync" user add vera --role viewer >/dev/null
signin "$T/a1" admin
A1=$(csrf)
signin "$T/a2" admin
A2=$(csrf)
signin "$T/v" vera
V=$(csrf)
[ -n "$A1" ] && [ -n "$A2" ] && [ -n "$V" ] && [ "$A1" != "$A2" ] && ok "two admin sessions and a viewer session, each with its own token" ||
	fail "sessions" "tokens '$A1' '$A2' '$V'"

# ---- the route table
ROUTES=$(sed -n 's/^[[:space:]]*{"\(\/[^"]*\)",[[:space:]]*\([^,]*\),[[:space:]]*\([^,]*\),.*/\1|\2|\3/p' "$STACK_ROOT/cgi-bin/routes.c" | tr -d ' ')
n_routes=$(echo "$ROUTES" | grep -c .)
[ "$n_routes" -ge 20 ] && ok "read $n_routes routes from cgi-bin/routes.c" || fail "route table parse" "$n_routes routes"
# Routes that need no session, and why: liveness, the login form, metrics (this machine only), the
# OAuth callback (single-use state) and the webhook (secret in the path).
public=$(echo "$ROUTES" | awk -F'|' '$3 !~ /NEED_LOGIN|NEED_ADMIN/ {print $1" "$2}' | sort | tr '\n' ';')
expect_eq "the only routes without a session are the known ones" "$public" \
	"/healthz M_GET;/hooks/activecampaign/ M_POST;/login M_GET;/login M_POST;/metrics M_GET;/oauth/salesforce/callback M_GET;"

gets=$(echo "$ROUTES" | awk -F'|' '$2 ~ /M_GET/ && $3 ~ /NEED_LOGIN|NEED_ADMIN/ {print $1}')
for p in $gets; do
	st=$(req "$T/none" GET "$p")
	loc=$(header Location)
	if [ "$st" = 303 ] && [ "${loc#/login?next=}" != "$loc" ]; then ok "GET $p without a session: to /login"; else fail "GET $p without a session" "$st $loc"; fi
	# A viewer looks at everything: no sign-in redirect, no 403 ("/" itself moves on to a page).
	st=$(req "$T/v" GET "$p")
	loc=$(header Location)
	if [ "$st" != 403 ] && [ "${loc#/login}" = "$loc" ]; then ok "GET $p as a viewer: $st"; else fail "GET $p as a viewer" "$st $loc"; fi
done
expect_eq "/metrics from this machine without a session (loopback is allowed)" "$(req "$T/none" GET /metrics)" 200

posts=$(echo "$ROUTES" | awk -F'|' '$2 ~ /M_POST/ && $3 ~ /NEED_LOGIN|NEED_ADMIN/ {print $1"|"$3}')
before=$(state)
tried=0
for r in $posts; do
	p=${r%%|*}
	needs=${r#*|}
	# Plausible fields, so a refusal is the check's doing and not a missing field.
	f=(--data "interval=120" --data "which=ac" --data "name=eve" --data "role=admin" --data-urlencode "password=$PW"
		--data "email=c1@example.com" --data "url=http://127.0.0.1:1" --data "key=k" --data "id=1")
	expect_eq "POST $p without a session: 403" "$(post "$T/none" "$p" "${f[@]}")" 403
	if [ "$p" = /logout ]; then
		tried=$((tried + 1))
		continue
	fi
	case "$needs" in *NEED_ADMIN*) expect_eq "POST $p as a viewer with the viewer's token: 403" "$(post "$T/v" "$p" --data "csrf=$V" "${f[@]}")" 403 ;; esac
	expect_eq "POST $p as admin without a token: 403" "$(post "$T/a1" "$p" "${f[@]}")" 403
	expect_eq "POST $p as admin with another session's token: 403" "$(post "$T/a1" "$p" --data "csrf=$A2" "${f[@]}")" 403
	expect_eq "POST $p as admin with an empty token: 403" "$(post "$T/a1" "$p" --data "csrf=" "${f[@]}")" 403
	expect_eq "POST $p as admin, token right, Origin another site: 403" \
		"$(req "$T/a1" POST "$p" -H "Origin: http://evil.example" --data "csrf=$A1" "${f[@]}")" 403
	expect_eq "POST $p as admin, token right, Origin null: 403" \
		"$(req "$T/a1" POST "$p" -H "Origin: null" --data "csrf=$A1" "${f[@]}")" 403
	expect_eq "POST $p as admin, token right, Sec-Fetch-Site cross-site: 403" \
		"$(req "$T/a1" POST "$p" -H "Sec-Fetch-Site: cross-site" --data "csrf=$A1" "${f[@]}")" 403
	expect_eq "POST $p as admin, token in the query string only: 403" \
		"$(post "$T/a1" "$p?csrf=$A1" "${f[@]}")" 403
	tried=$((tried + 1))
done
expect_eq "nothing changed after every refused POST" "$(state)" "$before"
echo "# $tried POST routes tried up to 9 ways each"
expect_eq "the viewer may sign out" "$(post "$T/v" /logout --data "csrf=$V")" 303
expect_eq "a signed-out session is dead" "$(req "$T/v" GET /status)" 303
expect_eq "the old token of a signed-out session opens nothing" "$(post "$T/v" /setup/settings --data "csrf=$V" --data interval=120)" 403
# A session id that is not one we issued, and a tampered one.
expect_eq "a made-up session cookie opens nothing" "$(curl -s -o /dev/null -w '%{http_code}' -b "optsync_session=$(printf '%064d' 0)" "$BASE/status")" 303
sid=$(grep optsync_session "$T/a1" | tail -1 | awk '{print $7}')
expect_eq "the admin's session cookie opens /status" "$(curl -s -o /dev/null -w '%{http_code}' -b "optsync_session=$sid" "$BASE/status")" 200
last=${sid: -1}
[ "$last" = 0 ] && other=1 || other=0
expect_eq "a session cookie with one character changed opens nothing" \
	"$(curl -s -o /dev/null -w '%{http_code}' -b "optsync_session=${sid%?}$other" "$BASE/status")" 303

# ---- redirects: never off this site, never a second header
for next in '//evil.example/' '/\evil.example' '/%09/evil.example' '/%0d%0aSet-Cookie:%20x=1' 'https://evil.example/' \
	'/%2F%2Fevil.example' '%2F%2Fevil.example' '/%5Cevil.example' '/%0a/evil.example' '/%20/evil.example'; do
	req "$T/r" GET /login >/dev/null
	st=$(post "$T/r" "/login?next=$next" --data "csrf=$(csrf)" --data name=admin --data-urlencode "password=$PW")
	loc=$(header Location)
	# A browser drops tab/CR/LF and reads a backslash as a slash: what it would make of the
	# Location must still be a path on this site.
	seen=$(printf '%s' "$loc" | tr -d '\t\r\n' | tr '\\' '/')
	if [ "$st" = 303 ] && [ "${seen:0:1}" = / ] && [ "${seen:1:1}" != / ] && ! grep -qi '^x=1\|^set-cookie: *x=' "$T/head"; then
		ok "login next=$next stays on this site (Location: $(printf '%q' "$loc"))"
	else
		fail "login next=$next" "status $st, Location $(printf '%q' "$loc")"
	fi
	rm -f "$T/r"
done
st=$(req "$T/none" GET '/status%0d%0aSet-Cookie:%20x=1')
if ! grep -qi '^set-cookie: *x=' "$T/head"; then ok "a CR/LF in the path sets no header ($st)"; else fail "header injection through the path"; fi

# ---- static files and templates
for p in '/static/../../../../etc/passwd' '/static/..%2f..%2f..%2f..%2fetc%2fpasswd' '/static/%2e%2e/%2e%2e/%2e%2e/etc/passwd' \
	'/static/....//....//etc/passwd' '/static/..%252f..%252fetc%252fpasswd' '/static/../templates/layout.tpl' '/static/%2e%2e/templates/login.tpl' \
	'/templates/login.tpl' '/static/../../cgi-bin/routes.c' '/static/..\..\etc\passwd'; do
	st=$(curl -s --path-as-is -o "$T/body" -w '%{http_code}' "$BASE$p")
	if grep -q 'root:x:0:0\|{{%AUTOESCAPE\|web_routes\[\]' "$T/body"; then
		fail "GET $p serves a file outside static/" "$st"
	else
		ok "GET $p refused or harmless ($st)"
	fi
done
expect_eq "a real static file is served" "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/static/style.css")" 200
