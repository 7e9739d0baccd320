#!/usr/bin/env bash
# sec_checks.sh - /checks costs no API calls per viewer load (issue 11.8). A run of the checks makes
# about ten calls to ActiveCampaign and Salesforce; any signed-in viewer can reload the page, so a
# viewer is shown the last run while it is under 30 s old (the page says when it was taken), and
# only an administrator runs them again. The sandbox counts every request it answers.
. "$(dirname "$0")/../lib/e2e.sh"
. "$(dirname "$0")/../lib/sandbox.sh"
. "$(dirname "$0")/../lib/web.sh"
stack_up

PW='correct horse battery'
login() { # login JAR NAME
	get "$1" /login >/dev/null
	post "$1" /login --data "csrf=$(csrf)" --data "name=$2" --data-urlencode "password=$PW" >/dev/null
}
# API calls the sandbox has answered (ActiveCampaign, Salesforce data and token requests).
calls() { curl -fsS "$SANDBOX_CONTROL/stats" | json "d['requests_ac']+d['requests_sf']+d['requests_sf_auth']"; }

for u in admin:admin viewer:viewer; do
	printf '%s\n' "$PW" | "$BIN/optsync" user add "${u%%:*}" --role "${u#*:}" >/dev/null
done
A=$T/a.jar V=$T/v.jar
login "$A" admin
login "$V" viewer
get "$A" /setup >/dev/null
expect_eq "the admin connects both sides to the sandbox" "$(post "$A" /setup/sandbox --data "csrf=$(csrf)")" 303

c0=$(calls)
expect_eq "a viewer's first load of /checks" "$(get "$V" /checks)" 200
c1=$(calls)
first=$((c1 - c0))
[ "$first" -ge 5 ] && ok "the first load runs the checks ($first API calls)" || fail "first load" "$first calls"
expect_match "the page says when the results were taken" "$(cat "$T/body")" 'Results taken [0-9-]+ [0-9:]+ UTC'
expect_eq "a viewer gets no Run again button" "$(grep -c 'action="/checks/run"' "$T/body")" 0
N=10
for i in $(seq 2 $N); do
	if [ $((i % 2)) = 0 ]; then get "$V" /checks >/dev/null; else get "$V" /checks.json >/dev/null; fi
done
c2=$(calls)
expect_eq "$((N - 1)) more viewer loads within 30 s make no API call" "$((c2 - c1))" 0
echo "# API calls for $N viewer loads: $((c2 - c0)) ($first for the first, $((c2 - c1)) for the other $((N - 1)))"
expect_match "and say the results are from the saved run" "$(get "$V" /checks >/dev/null; cat "$T/body")" 's ago; taken again after 30 s'
get "$V" /checks.json >/dev/null
expect_eq "/checks.json says it is the saved run, and when" "$(json '[d["cached"], d["taken_at"][-1]]' <"$T/body")" "[True, 'Z']"

# "Run again" is an administrator's: a viewer's POST is refused before anything runs.
get "$V" /checks >/dev/null
vt=$(grep -o 'name="csrf" value="[0-9a-f]*"' "$T/body" | head -1 | sed 's/.*value="//;s/"$//')
[ -z "$vt" ] && { get "$V" /setup >/dev/null; vt=$(csrf); }
c3=$(calls)
expect_eq "a viewer's POST /checks/run (own token): 403" "$(post "$V" /checks/run --data "csrf=$vt")" 403
expect_eq "and it made no API call" "$(($(calls) - c3))" 0

get "$A" /checks >/dev/null
expect_eq "the admin sees the Run again button" "$(grep -c 'action="/checks/run"' "$T/body")" 1
at=$(csrf)
c4=$(calls)
expect_eq "the admin's Run again" "$(post "$A" /checks/run --data "csrf=$at")" 200
again=$(($(calls) - c4))
[ "$again" -ge 5 ] && ok "Run again calls the services afresh ($again API calls)" || fail "run again" "$again calls"
expect_match "its page says just now" "$(cat "$T/body")" 'Results taken .* \(just now\)'
c5=$(calls)
get "$V" /checks >/dev/null
expect_eq "a viewer right after it sees that run, no API call" "$(($(calls) - c5))" 0
