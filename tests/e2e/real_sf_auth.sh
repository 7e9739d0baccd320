#!/usr/bin/env bash
# real_sf_auth.sh - Salesforce's token rules as documented, emulated by the sandbox: the
# client-credentials grant refused on the generic login host (the error names the fix), refresh-token
# rotation (each refresh spends the token used: the new one must be kept), and the access token kept
# between runs (one token request per session, not per run; a 401 gets a new one).
. "$(dirname "$0")/../lib/e2e.sh"
. "$(dirname "$0")/../lib/sandbox.sh"
stack_up
sbx_reset 11 6
optsync() { "$BIN/optsync" "$@"; }
optsync connect ac --url "$AC_URL" --key sandbox-ac-key >/dev/null || fail "connect ac"

# ---- client credentials on login.salesforce.com: refused, and the message says what to do
expect_match "connect sf --help: the client-credentials flow needs the My Domain URL" \
	"$(optsync connect --help 2>&1 | tr '\n' ' ')" "My Domain login URL.*not on login.salesforce.com or test.salesforce.com"
sbx_knobs '{"sf_generic_login":true}'
out=$(optsync connect sf --login-url "$SF_URL" --client-id sandbox-client-id --client-secret sandbox-client-secret 2>&1)
expect_eq "generic login host: connect sf exits 1" "$?" 1
expect_match "generic login host: Salesforce's refusal is shown" "$out" "invalid_grant: request not supported on this domain"
expect_match "generic login host: the error names the fix" "$out" "My Domain login URL \(https://YOURDOMAIN.my.salesforce.com.*or \"Connect Salesforce\" in the browser"
expect_eq "generic login host: nothing stored" "$(sqlite3 "$OPTSYNC_DB" "SELECT count(*) FROM connections WHERE system = 'sf'")" 0
sbx_knobs '{"sf_generic_login":false}'

# ---- client credentials on the My Domain host: the access token is kept between runs
optsync connect sf --login-url "$SF_URL" --client-id sandbox-client-id --client-secret sandbox-client-secret >/dev/null
expect_eq "My Domain host: connect sf exits 0" "$?" 0
expect_eq "the access token is stored sealed, with its issue time" \
	"$(sqlite3 "$OPTSYNC_DB" "SELECT typeof(access_token), access_issued_at LIKE '20%Z' FROM connections WHERE system = 'sf'")" "blob|1"
t0=$(sbx_stat sf_tokens_issued)
optsync sync >/dev/null 2>&1
expect_eq "first sync exits 0" "$?" 0
optsync sync >/dev/null 2>&1
optsync sync >/dev/null 2>&1
expect_eq "three runs after connecting: no token request (the kept token is used)" "$(($(sbx_stat sf_tokens_issued) - t0))" 0
sbx_post tokens '{"expire_access":true}' >/dev/null
optsync sync >"$T/expired.out" 2>&1
expect_eq "kept token expired: the run exits 0" "$?" 0
expect_eq "kept token expired: one new token" "$(($(sbx_stat sf_tokens_issued) - t0))" 1
optsync sync >/dev/null 2>&1
expect_eq "the new token is kept in turn" "$(($(sbx_stat sf_tokens_issued) - t0))" 1

# ---- refresh-token rotation: connect through the browser flow, then every refresh rotates
sbx_knobs '{"sf_refresh_rotation":true,"oauth_auto_approve":true}'
RT=$(sf_browser_refresh_token)
[ ${#RT} -ge 20 ] && ok "rotation: a refresh token from the browser flow" || fail "rotation: refresh token" "'$RT'"
# The sandbox itself: a refresh spends the token used.
probe=$(curl -s "$SF_URL/services/oauth2/token" --data grant_type=refresh_token --data-urlencode "refresh_token=$RT" \
	--data client_id=sandbox-client-id --data client_secret=sandbox-client-secret)
RT2=$(printf '%s' "$probe" | json "d.get('refresh_token','')")
[ -n "$RT2" ] && [ "$RT2" != "$RT" ] && ok "sandbox rotation: a refresh answers a new refresh token" || fail "sandbox rotation: new refresh token" "$probe"
expect_match "sandbox rotation: the used one is refused afterwards" "$(curl -s "$SF_URL/services/oauth2/token" --data grant_type=refresh_token \
	--data-urlencode "refresh_token=$RT" --data client_id=sandbox-client-id --data client_secret=sandbox-client-secret)" '"error":"invalid_grant"'
optsync connect sf --login-url "$SF_URL" --client-id sandbox-client-id --client-secret sandbox-client-secret --refresh-token "$RT2" >/dev/null
expect_eq "rotation: connect sf with the refresh token exits 0" "$?" 0
r0=$(sbx_stat sf_refresh_rotated)
for i in 1 2 3; do
	sbx_post tokens '{"expire_access":true}' >/dev/null
	optsync sync >"$T/rot$i.out" 2>&1
	expect_eq "rotation: run $i after connecting (access token expired each time) exits 0" "$?" 0
done
optsync check >"$T/check.out" 2>&1
expect_eq "rotation: check passes after three rotations" "$?" 0
expect_eq "rotation: each run's refresh rotated the token (3 runs + 1 check)" "$(($(sbx_stat sf_refresh_rotated) - r0))" 4
expect_match "rotation: connect's own refresh spent the given token (refused now)" "$(curl -s "$SF_URL/services/oauth2/token" --data grant_type=refresh_token \
	--data-urlencode "refresh_token=$RT2" --data client_id=sandbox-client-id --data client_secret=sandbox-client-secret)" '"error":"invalid_grant"'
if grep -qF "$RT2" "$OPTSYNC_DB" "$OPTSYNC_DB-wal" 2>/dev/null; then fail "rotation: no refresh token in clear in the database"; else ok "rotation: no refresh token in clear in the database"; fi
