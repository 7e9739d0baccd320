#!/usr/bin/env bash
# sec_oauth.sh - "Connect Salesforce" finishes only in the browser that started it (issue 11.6).
# The flow's state travels through Salesforce and can leak (a shared link, a log, a shoulder): with
# it alone, a stranger who signs in to their own org at the authorize page could connect the
# dashboard to that org. The start sets a short-lived cookie (SameSite=Lax, so it survives the
# cross-site return; HttpOnly; Path only the callback) whose hash is kept with the state; the
# callback refuses, and says why, when the cookie is missing or another. Here the flow is started
# in one cookie jar and its callback tried from others (refused, nothing connected), then from the
# same jar (connected).
. "$(dirname "$0")/../lib/e2e.sh"
. "$(dirname "$0")/../lib/sandbox.sh"
. "$(dirname "$0")/../lib/web.sh"
stack_up

PW='correct horse battery'
db() { sqlite3 -readonly "$OPTSYNC_DB" "$1" 2>>"$T/sqlite.err"; }
sf_rows() { db "SELECT count(*) FROM connections WHERE system='sf'"; }
login() { # login JAR
	get "$1" /login >/dev/null
	post "$1" /login --data "csrf=$(csrf)" --data name=admin --data-urlencode "password=$PW" >/dev/null
}
# start JAR: "Connect Salesforce" in that browser, through the sandbox's authorize page (auto
# approve: the person signs in and allows); prints the callback path Salesforce sends it back to.
start() {
	get "$1" /setup >/dev/null
	post "$1" /setup/sf-oauth --data "csrf=$(csrf)" --data-urlencode "login_url=$SF_URL" \
		--data client_id=sandbox-client-id --data client_secret=sandbox-client-secret --data api_version=v62.0 >/dev/null
	cp "$T/head" "$T/start-head"
	local go cb
	go=$(grep -o 'href="[^"]*" id="go-salesforce"' "$T/body" | sed 's/^href="//; s/" id=.*//; s/&amp;/\&/g')
	cb=$(curl -s -o /dev/null -w '%{redirect_url}' "$go")
	printf '%s' "${cb#"$BASE"}"
}
# only_oauth JAR OUT: the cookies a cross-site return from Salesforce carries (SameSite=Strict
# keeps the session back; curl knows no SameSite, so the session cookie is left out by hand).
only_oauth() { grep -v 'optsync_session\|optsync_login' "$1" >"$2"; }
tried=0 refused=0
attack() { # attack NAME STATUS: refused means 403, the page says why, and Salesforce is not connected
	tried=$((tried + 1))
	if [ "$2" = 403 ] && grep -q 'started in another browser' "$T/body" && [ "$(sf_rows)" = 0 ]; then
		refused=$((refused + 1))
		ok "$1"
	else
		fail "$1" "status $2, sf connections $(sf_rows), page: $(grep -o '<p[^>]*>[^<]*' "$T/body" | head -3 | tr '\n' ' ')"
	fi
}

printf '%s\n' "$PW" | "$BIN/optsync" user add admin --role admin >/dev/null
A=$T/a.jar C=$T/c.jar
login "$A"
login "$C"
sbx_knobs '{"oauth_auto_approve":true}'

cbA=$(start "$A")
expect_match "Salesforce sends the browser back with code and state" "$cbA" '^/oauth/salesforce/callback\?.*code=.*state=|^/oauth/salesforce/callback\?.*state=.*code='
setc=$(grep -i '^Set-Cookie: optsync_oauth=' "$T/start-head" | tr -d '\r')
expect_match "the start sets the browser's flow cookie: random, SameSite=Lax, HttpOnly" "$setc" \
	'^Set-Cookie: optsync_oauth=[0-9a-f]{64}; Path=/oauth/salesforce/callback; Max-Age=[0-9]+; HttpOnly; SameSite=Lax$'
age=$(printf '%s' "$setc" | sed 's/.*Max-Age=\([0-9]*\).*/\1/')
[ "${age:-0}" -ge 60 ] && [ "${age:-0}" -le 600 ] && ok "the cookie lives minutes ($age s)" || fail "cookie lifetime" "$age"
expect_match "its path is the callback only" "$(grep optsync_oauth "$A" | cut -f3)" '^/oauth/salesforce/callback$'
va=$(grep optsync_oauth "$A" | cut -f7)
# (Over https it is __Secure-optsync-oauth and Secure: test_web_cookie.)

# C, the admin's other browser, starts a flow of its own: it holds a valid cookie, for another flow.
cbC=$(start "$C")
attack "callback from a browser with no cookie at all" "$(get "$T/n1.jar" "$cbA")"
attack "callback with a made-up flow cookie" "$(curl -s -o "$T/body" -w '%{http_code}' -b "optsync_oauth=$(printf '0%.0s' $(seq 64))" "$BASE$cbA")"
attack "callback with an empty flow cookie" "$(curl -s -o "$T/body" -w '%{http_code}' -b 'optsync_oauth=' "$BASE$cbA")"
attack "callback with the cookie one character off" "$(curl -s -o "$T/body" -w '%{http_code}' -b "optsync_oauth=${va%?}$([ "${va: -1}" = 0 ] && echo 1 || echo 0)" "$BASE$cbA")"
only_oauth "$C" "$T/c-cross.jar"
attack "callback from another signed-in browser with its own flow's cookie" "$(get "$T/c-cross.jar" "$cbA")"
attack "the session cookie of the admin without the flow cookie" \
	"$(grep -v optsync_oauth "$A" >"$T/a-session.jar"; get "$T/a-session.jar" "$cbA")"
expect_eq "OAuth attacks refused ($refused of $tried)" "$refused" "$tried"
expect_match "the dashboard logs the refusal" "$(cat "$T/log/optsync.log")" 'another browser'

# The same browser, as it comes back from Salesforce (the flow cookie, no session): connected.
only_oauth "$A" "$T/a-cross.jar"
expect_eq "the callback in the browser that started the flow connects" "$(get "$T/a-cross.jar" "$cbA")" 200
expect_match "and says so" "$(cat "$T/body")" 'connected through the browser'
expect_eq "Salesforce is connected with a refresh token" "$(db "SELECT refresh_token IS NOT NULL FROM connections WHERE system='sf'")" 1
expect_match "the flow cookie is removed" "$(header Set-Cookie)" '^optsync_oauth=; Path=/oauth/salesforce/callback; Max-Age=0'
expect_eq "the same callback again is refused (single use)" "$(get "$T/a-cross.jar" "$cbA")" 400
only_oauth "$C" "$T/c-cross.jar"
expect_eq "C's own flow still finishes in C" "$(get "$T/c-cross.jar" "$cbC")" 200
