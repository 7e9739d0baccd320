#!/usr/bin/env bash
# rel_faults.sh - the fault matrix against the sandbox. Each case gives one person an opt-out, breaks
# something (connection refused, slow answers, 429 storm, 503 bursts, expired token, revoked refresh
# token, malformed and truncated JSON, a 100 MB answer, per-record refusals, API share above the
# limit, a full or read-only database), checks what the run said and that nothing was decided on a
# half-read, then heals it and checks the final state of both systems: the opt-out arrives.
. "$(dirname "$0")/../lib/e2e.sh"
. "$(dirname "$0")/../lib/sandbox.sh"
stack_up

now_ms() { date +%s%3N; }
# run_sync: one `optsync sync`; sets RC, OUT (stdout+stderr) and DUR (ms).
run_sync() {
	local t0
	t0=$(now_ms)
	OUT=$("$BIN/optsync" sync 2>&1)
	RC=$?
	DUR=$(($(now_ms) - t0))
	echo "$OUT" >>"$T/runs.out"
}
# until_ok [N]: runs until one exits 0 (at most N runs, one second apart).
until_ok() {
	local i
	for i in $(seq 1 "${1:-8}"); do
		run_sync
		[ "$RC" -eq 0 ] && return 0
		sleep 1
	done
	return 1
}
heal() {
	sbx_knobs '{"error_rate":0,"latency_ms":0,"status_code":0,"malformed":null,"oversized":null,"fail_once":null,"fail_always":null,"token_lifetime_s":7200}'
}
unsub() { sbx_event "{\"type\":\"unsubscribe\",\"email\":\"$1@example.com\",\"list\":1}"; }
sfcheck() { sbx_event "{\"type\":\"sf_check\",\"email\":\"$1@example.com\"}"; }
db() { sqlite3 -readonly "$OPTSYNC_DB" "$1" 2>>"$T/sqlite.err"; }
log_of() { "$BIN/optsync" log --email "$1@example.com" --json --limit "${2:-5}"; }

CASES="refused sfrefused slow storm burst expired tokapi bad1 bad2 bad3 bad4 bad5 bad6 bad7 bad8 bad9 bad10 huge lock perm share full ro imp"
sbx_reset 31 0
people='{"people":['
for c in $CASES; do
	people="$people{\"email\":\"$c@example.com\",\"ac\":{\"lists\":{\"1\":1}},\"sf\":[{\"type\":\"Contact\",\"opted_out\":false}]},"
done
sbx_person "${people%,}]}"
"$BIN/optsync" connect ac --url "$AC_URL" --key sandbox-ac-key >/dev/null
"$BIN/optsync" connect sf --login-url "$SF_URL" --client-id sandbox-client-id --client-secret sandbox-client-secret >/dev/null
"$BIN/optsync" set ac_rate 5 >/dev/null
run_sync
expect_eq "first sync of the fault people exits 0" "$RC" 0

# ---- connection refused (ActiveCampaign's host down): nothing decided, then applied
unsub refused
sqlite3 "$OPTSYNC_DB" "UPDATE connections SET url='http://127.0.0.1:1/sandbox/ac' WHERE system='ac'"
run_sync
expect_eq "refused: the run exits 1" "$RC" 1
expect_match "refused: the message names ActiveCampaign and the connection" "$OUT" "ActiveCampaign.*([Cc]onnect|refused)"
[ "$DUR" -lt 30000 ] && ok "refused: gives up within 30 s ($DUR ms)" || fail "refused: took $DUR ms"
expect_eq "refused: nothing decided on a half-read (box still unchecked)" "$(sf_box refused@example.com)" False
sqlite3 "$OPTSYNC_DB" "UPDATE connections SET url='$AC_URL' WHERE system='ac'"
until_ok
expect_eq "refused: after recovery the run exits 0" "$RC" 0
expect_eq "refused: the opt-out arrived in Salesforce" "$(sf_box refused@example.com)" True

# ---- connection refused (Salesforce's instance down): no AC write decided from a half-read
sfcheck sfrefused
inst=$(db "SELECT instance_url FROM connections WHERE system='sf'")
sqlite3 "$OPTSYNC_DB" "UPDATE connections SET url='http://127.0.0.1:1/sandbox/sf', instance_url='http://127.0.0.1:1/x' WHERE system='sf'"
run_sync
expect_eq "sf refused: the run exits 1" "$RC" 1
expect_match "sf refused: the message names Salesforce" "$OUT" "Salesforce"
expect_eq "sf refused: AC list left alone" "$(ac_list sfrefused@example.com 1)" 1
sqlite3 "$OPTSYNC_DB" "UPDATE connections SET url='$SF_URL', instance_url='$inst' WHERE system='sf'"
until_ok
expect_eq "sf refused: after recovery the AC list is unsubscribed" "$(ac_list sfrefused@example.com 1)" 2

# ---- slow answers (latency): the run waits and finishes
unsub slow
sbx_knobs '{"latency_ms":1500,"latency_target":"sf"}'
run_sync
heal
expect_eq "slow: a run with 1.5 s per Salesforce answer exits 0" "$RC" 0
[ "$DUR" -ge 3000 ] && ok "slow: the latency was felt ($DUR ms)" || fail "slow: the run took only $DUR ms"
expect_eq "slow: the opt-out arrived" "$(sf_box slow@example.com)" True

# ---- 429 storm from ActiveCampaign: Retry-After honoured, nothing lost, still under 5/s
sfcheck storm
curl -fsS -X POST "$SANDBOX_CONTROL/stats/reset" >/dev/null
sbx_knobs '{"status_code":429,"status_target":"ac","status_count":12,"retry_after_s":1}'
until_ok 10
expect_eq "429 storm: a run finishes" "$RC" 0
heal
expect_match "429 storm: the sandbox sent the 429s" "$(sbx_stat ac_429)" '^(1[2-9]|[2-9][0-9])$'
expect_eq "429 storm: the unsubscribe arrived" "$(ac_list storm@example.com 1)" 2
max=$(sbx_stat ac_max_per_second)
[ "$max" -le 5 ] && ok "429 storm: still at most 5 AC requests a second (saw $max)" || fail "429 storm: $max AC requests in one second"

# ---- 503 bursts on both systems, a third of all answers
unsub burst
sfcheck burst
sbx_knobs '{"error_rate":0.3,"error_target":"any"}'
until_ok 12
expect_eq "503 bursts: a run finishes despite a third of the answers failing" "$RC" 0
heal
until_ok
expect_eq "503 bursts: the opt-out arrived in Salesforce" "$(sf_box burst@example.com)" True
expect_eq "503 bursts: the unsubscribe arrived in AC" "$(ac_list burst@example.com 1)" 2

# ---- access token expiring in the middle of a run (1 s lifetime, slow answers)
unsub expired
before=$(sbx_stat sf_tokens_issued)
curl -fsS -X POST -H 'Content-Type: application/json' "$SANDBOX_CONTROL/tokens" -d '{"expire_access":true}' >/dev/null
sbx_knobs '{"token_lifetime_s":1,"latency_ms":700,"latency_target":"sf"}'
run_sync
heal
expect_eq "expired token: the run exits 0" "$RC" 0
expect_match "expired token: new tokens were fetched" "$(($(sbx_stat sf_tokens_issued) - before))" '^[2-9]|^[1-9][0-9]'
expect_eq "expired token: the opt-out arrived" "$(sf_box expired@example.com)" True

# ---- refresh token revoked: connect through OAuth (PKCE), revoke, and the CLI says so and stops
O=$T/oauth
mkdir -p "$O"
verifier=$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
challenge=$(printf '%s' "$verifier" | python3 -c "import sys,hashlib,base64;print(base64.urlsafe_b64encode(hashlib.sha256(sys.stdin.buffer.read()).digest()).decode().rstrip('='))")
sbx_knobs '{"oauth_auto_approve":true}'
loc=$(curl -s -o /dev/null -w '%{redirect_url}' -G "$SF_URL/services/oauth2/authorize" --data-urlencode response_type=code \
	--data-urlencode client_id=sandbox-client-id --data-urlencode redirect_uri=http://127.0.0.1/cb --data-urlencode state=s1 \
	--data-urlencode "code_challenge=$challenge" --data-urlencode code_challenge_method=S256)
code=$(printf '%s' "$loc" | python3 -c "import sys,urllib.parse as u;print(u.parse_qs(u.urlparse(sys.stdin.read()).query).get('code',[''])[0])")
RT=$(curl -fsS "$SF_URL/services/oauth2/token" --data grant_type=authorization_code --data-urlencode "code=$code" \
	--data-urlencode redirect_uri=http://127.0.0.1/cb --data-urlencode "code_verifier=$verifier" \
	--data client_id=sandbox-client-id --data client_secret=sandbox-client-secret | json "d.get('refresh_token','')")
if [ -z "$RT" ]; then
	fail "oauth: the sandbox gave a refresh token" "authorize answered $loc"
else
	OPTSYNC_DB=$O/optsync.db OPTSYNC_KEY_FILE=$O/secret.key "$BIN/optsync" connect ac --url "$AC_URL" --key sandbox-ac-key >/dev/null
	OPTSYNC_DB=$O/optsync.db OPTSYNC_KEY_FILE=$O/secret.key "$BIN/optsync" connect sf --login-url "$SF_URL" \
		--client-id sandbox-client-id --client-secret sandbox-client-secret --refresh-token "$RT" >/dev/null
	expect_eq "oauth: connected with the refresh token" "$?" 0
	OPTSYNC_DB=$O/optsync.db OPTSYNC_KEY_FILE=$O/secret.key "$BIN/optsync" check >"$O/check1.out" 2>&1
	expect_eq "oauth: check passes before the revocation" "$?" 0
	curl -fsS -X POST -H 'Content-Type: application/json' "$SANDBOX_CONTROL/tokens" -d '{"expire_access":true,"revoke_refresh":true}' >/dev/null
	auth0=$(sbx_stat requests_sf_auth)
	OPTSYNC_DB=$O/optsync.db OPTSYNC_KEY_FILE=$O/secret.key "$BIN/optsync" check >"$O/check2.out" 2>&1
	expect_eq "revoked: check exits 1" "$?" 1
	expect_match "revoked: check says the refresh token was refused and what to do" "$(cat "$O/check2.out")" "invalid_grant|refresh token.*refused|connect Salesforce again"
	t0=$(now_ms)
	OPTSYNC_DB=$O/optsync.db OPTSYNC_KEY_FILE=$O/secret.key "$BIN/optsync" sync >"$O/sync.out" 2>&1
	rc=$?
	dur=$(($(now_ms) - t0))
	expect_eq "revoked: sync exits 1" "$rc" 1
	expect_match "revoked: sync names Salesforce and the refused token" "$(cat "$O/sync.out")" "Salesforce.*(invalid_grant|token)"
	[ "$dur" -lt 15000 ] && ok "revoked: sync gives up at once ($dur ms), no retry loop" || fail "revoked: sync took $dur ms"
	n=$(($(sbx_stat requests_sf_auth) - auth0))
	[ "$n" -le 4 ] && ok "revoked: $n token requests for one check and one sync (no retries forever)" || fail "revoked: $n token requests"
fi
sbx_knobs '{"oauth_auto_approve":false}'

# ---- malformed answers: every kind, each system; nothing decided from a bad read, then healed
i=0
for target in ac sf; do
	for kind in truncated not_json html empty wrong_types; do
		i=$((i + 1))
		who=bad$i
		unsub "$who"
		sbx_knobs "{\"malformed\":\"$target\",\"malformed_kind\":\"$kind\",\"malformed_count\":1}"
		run_sync
		heal
		if [ "$RC" -ne 0 ]; then
			expect_match "malformed $target $kind: a clear error" "$OUT" "(ActiveCampaign|Salesforce).*(JSON|unexpected response|empty|not)"
			expect_eq "malformed $target $kind: nothing decided from the bad read" "$(sf_box "$who@example.com")" False
		else
			ok "malformed $target $kind: read the same (a tolerated variant)"
		fi
		until_ok 4
		expect_eq "malformed $target $kind: the opt-out arrives once healed" "$(sf_box "$who@example.com")" True
	done
done
expect_match "malformed: the sandbox mangled 10 answers" "$(sbx_stat malformed_sent)" '^([1-9][0-9])$'

# ---- a 100 MB answer: capped, a clear error, bounded memory
unsub huge
sbx_knobs '{"oversized":"ac","oversized_bytes":104857600,"oversized_count":1}'
/usr/bin/time -f '%M' -o "$T/huge.rss" "$BIN/optsync" sync >"$T/huge.out" 2>&1
rc=$?
heal
expect_eq "100 MB answer: the run exits 1" "$rc" 1
expect_match "100 MB answer: the error says it is too large" "$(cat "$T/huge.out")" "ActiveCampaign.*larger than [0-9]+ bytes"
rss=$(tail -1 "$T/huge.rss")
echo "# 100 MB answer: peak RSS of the run ${rss} KiB"
[ "${rss:-999999}" -lt 262144 ] && ok "100 MB answer: memory stayed bounded (${rss} KiB)" || fail "100 MB answer: peak RSS ${rss} KiB"
expect_eq "100 MB answer: nothing decided" "$(sf_box huge@example.com)" False
until_ok
expect_eq "100 MB answer: the opt-out arrives once healed" "$(sf_box huge@example.com)" True

# ---- composite per-record refusals: transient (fail_once) and permanent (fail_always)
lock_id=$(sbx_state lock@example.com | json "d['sf'][0]['Id']")
perm_id=$(sbx_state perm@example.com | json "d['sf'][0]['Id']")
sbx_knobs "{\"fail_once\":{\"id\":\"$lock_id\",\"code\":\"UNABLE_TO_LOCK_ROW\"},\"fail_always\":{\"id\":\"$perm_id\",\"code\":\"FIELD_CUSTOM_VALIDATION_EXCEPTION\",\"message\":\"Blocked by a rule\"}}"
unsub lock
unsub perm
run_sync
run1=$RC
run_sync
run_sync
expect_eq "per-record: a run with a permanent refusal exits 1" "$run1" 1
expect_eq "per-record: the transient refusal is applied in the end" "$(sf_box lock@example.com)" True
expect_eq "per-record: the permanently refused record is left as it is" "$(sf_box perm@example.com)" False
expect_match "per-record: the log says failed, with the code" "$(log_of perm)" '"status":"failed".*"error":"[^"]*FIELD_CUSTOM_VALIDATION_EXCEPTION'
expect_eq "per-record: the refused action is marked failed" "$(db "SELECT status||' '||attempts FROM actions WHERE email='perm@example.com' AND action='opt_out'")" "failed 1"
expect_eq "per-record: no retry of a permanent refusal in the later runs" "$(db "SELECT count(*) FROM log WHERE email='perm@example.com' AND status='failed'")" 1
heal

# ---- Salesforce API share above the limit: writes pause, the log says so, then they resume
unsub share
sbx_knobs '{"sf_api_max":15000,"sf_api_used":14000}'
run_sync
expect_eq "API share: the box is not written while above the share" "$(sf_box share@example.com)" False
expect_match "API share: the run says writes are paused" "$OUT$(log_of share)" "paused|sf_api_share|API usage"
sbx_knobs '{"sf_api_used":0}'
until_ok
expect_eq "API share: the write resumes below the share" "$(sf_box share@example.com)" True

# ---- a full disk (a 1 KiB file-size limit: no file can grow) while the run writes: clear error, no
# corruption, then applied
unsub full
out=$(bash -c "trap '' XFSZ; ulimit -f 1; exec \"\$0\" sync" "$BIN/optsync" 2>&1)
rc=$?
echo "$out" >>"$T/runs.out"
expect_eq "disk full: the run exits 1" "$rc" 1
expect_match "disk full: the error names the database" "$out" "[Dd]atabase.*(full|disk|I/O|large)"
expect_eq "disk full: integrity_check ok after" "$(sqlite3 "$OPTSYNC_DB" 'PRAGMA integrity_check')" ok
until_ok
expect_eq "disk full: the opt-out arrives with room again" "$(sf_box full@example.com)" True

# ---- a read-only database (another user owns nothing writable): clear error, intact, applied later
unsub ro
R=$T/ro
mkdir -p "$R"
sqlite3 "$OPTSYNC_DB" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
cp "$OPTSYNC_DB" "$R/optsync.db"
cp "$OPTSYNC_KEY_FILE" "$R/secret.key"
chown -R nobody "$R"
chmod 0700 "$R"
chmod 0400 "$R/optsync.db"
out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups env OPTSYNC_DB="$R/optsync.db" OPTSYNC_KEY_FILE="$R/secret.key" "$BIN/optsync" sync 2>&1)
rc=$?
expect_eq "read-only: the run exits 1" "$rc" 1
expect_match "read-only: the error says the database cannot be written" "$out" "[Dd]atabase.*(read-?only|readonly|permission|cannot|unable)"
expect_eq "read-only: one line on stderr, no sanitizer report" "$(printf '%s\n' "$out" | grep -c 'Sanitizer\|runtime error')" 0
chmod 0600 "$R/optsync.db"
expect_eq "read-only: integrity_check ok after" "$(sqlite3 "$R/optsync.db" 'PRAGMA integrity_check')" ok
until_ok
expect_eq "read-only: the opt-out arrives from the writable database" "$(sf_box ro@example.com)" True

# ---- a record created in Salesforce after connecting (sf_import new, the default) must not stop
# the run: the same run still applies another person's opt-out.
sbx_event '{"type":"sf_create","object":"Lead","email":"imported@example.com","first_name":"Ima","last_name":"Port"}'
unsub imp
run_sync
expect_eq "import: a run with a new Salesforce Lead exits 0" "$RC" 0
expect_eq "import: it does not hold back another person's opt-out" "$(sf_box imp@example.com)" True
expect_match "import: the AC contact was created with its tag" "$(ac_tags imported@example.com)" "created-from-salesforce-lead"
echo "# fault runs: $(grep -c '^sync ' "$T/runs.out") sync summaries; sandbox: $(sbx_stat injected_errors) injected errors, $(sbx_stat malformed_sent) malformed, $(sbx_stat oversized_sent) oversized"
