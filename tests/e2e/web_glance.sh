#!/bin/bash
# web_glance.sh - the pages an admin reads at a glance, against the sandbox: the first-sync preview
# leads with what changes for people (counts, five names, "and N more") with the bookkeeping in one
# collapsed line; the /status log shows people-facing rows by default and the bookkeeping on
# ?show=all (filtered in the store: counts match the database, the pager keeps the filter); and
# `optsync show --email` (text and --json) says what the sandbox holds and what /contacts says.
. "$(dirname "$0")/../lib/e2e.sh"
. "$(dirname "$0")/../lib/web.sh"
. "$(dirname "$0")/../lib/sandbox.sh"
stack_up

A=$T/admin.jar
PW='correct horse battery'
db() { sqlite3 -readonly "$OPTSYNC_DB" "$1" 2>>"$T/sqlite.err"; }
optsync() { "$BIN/optsync" "$@"; }
# The text of the page's element with this id, tags stripped, entities of the escaper undone.
text_of() {
	python3 -c '
import html, re, sys
s = open(sys.argv[1]).read()
m = re.search(r"<(\w+)[^>]*\bid=\"" + re.escape(sys.argv[2]) + r"\"[^>]*>(.*?)</\1>", s, re.S)
print(re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", m.group(2)))).strip() if m else "")
' "$T/body" "$1"
}

sbx_reset 11 0
# 32 people unsubscribed in AC whose SF box is unchecked: 32 boxes to check on the first sync,
# each linked record also tagged (bookkeeping).
for i in $(seq -w 1 32); do
	sbx_person "{\"email\":\"out$i@example.com\",\"ac\":{\"lists\":{\"1\":2}},\"sf\":[{\"type\":\"Contact\",\"opted_out\":false}]}"
done
# One person checked in SF and subscribed to two AC lists: two unsubscribes for one person.
sbx_person '{"email":"sfout@example.com","ac":{"lists":{"1":1,"2":1}},"sf":[{"type":"Lead","opted_out":true}]}'
# One subscribed person nothing happens to.
sbx_person '{"email":"calm@example.com","ac":{"lists":{"1":1}},"sf":[{"type":"Contact","opted_out":false}]}'
# A Salesforce Contact with no AC contact: created in AC with sf_import all.
sbx_person '{"email":"sfonly@example.com","sf":[{"type":"Contact","first_name":"Sol","last_name":"Only","opted_out":false}]}'

optsync connect ac --url "$AC_URL" --key sandbox-ac-key >/dev/null || fail "connect ac"
optsync connect sf --login-url "$SF_URL" --client-id sandbox-client-id --client-secret sandbox-client-secret >/dev/null || fail "connect sf"
optsync set sf_import all >/dev/null || fail "set sf_import all"

# ---- the CLI's dry run ends with the same summary the preview leads with
out=$(optsync sync --dry-run)
expect_eq "sync --dry-run exits 0" "$?" 0
crun=$(db "SELECT max(id) FROM runs")
c5=$(db "SELECT email FROM log WHERE run=$crun AND action='opt_out' GROUP BY email ORDER BY min(id) LIMIT 5" | paste -sd, | sed 's/,/, /g')
expect_match "dry run: what changes for people" "$out" '^what changes for people:$'
expect_match "dry run: boxes to check, five names and the rest" "$out" "^  Boxes to check in Salesforce: 32 records for 32 people: $c5 and 27 more$"
expect_match "dry run: the unsubscribes" "$out" '^  Unsubscribes in ActiveCampaign: 2 list unsubscribes for 1 person: sfout@example.com$'
expect_match "dry run: the bookkeeping in one line" "$out" "^  bookkeeping \(nobody's email changes\): $(db "SELECT count(*) FROM log WHERE run=$crun AND action='tag'") tags, $(db "SELECT count(*) FROM log WHERE run=$crun AND action='link'") links$"

# ---- the administrator
get "$A" /login >/dev/null
tok=$(csrf)
expect_eq "admin created" "$(post "$A" /login --data-urlencode "csrf=$tok" --data-urlencode "code=$(cat "$T/setup-code")" --data-urlencode name=admin --data-urlencode "password=$PW" --data-urlencode "password2=$PW")" 303
get "$A" /status >/dev/null
tok=$(csrf)

# ---- the preview
expect_eq "preview starts" "$(post "$A" /status/preview --data "csrf=$tok")" 303
for i in $(seq 1 120); do
	get "$A" /status/progress.json >/dev/null
	[ "$(body | json 'd["running"]')" = False ] && break
	sleep 0.5
done
run=$(body | json 'd["run"]')
expect_eq "the preview finished" "$(body | json 'd["running"]')" False
expect_eq "the preview wrote nothing" "$(db "SELECT count(*) FROM log WHERE status='applied'")" 0
get "$A" /status >/dev/null
expect_match "the preview leads with the plan for people" "$(body | tr '\n' ' ')" 'id="first-sync".*id="plan".*id="planned"'
boxes=$(db "SELECT count(*) FROM log WHERE run=$run AND action='opt_out'")
expect_eq "the database plans 32 boxes to check" "$boxes" 32
expect_eq "boxes to check: the count" "$(text_of plan-opt_out | awk '{print $1}')" 32
expect_match "boxes to check: its words" "$(text_of plan-opt_out)" '^32 Boxes to check in Salesforce 32 records for 32 people'
first5=$(db "SELECT email FROM log WHERE run=$run AND action='opt_out' GROUP BY email ORDER BY min(id) LIMIT 5" | tr '\n' ' ')
expect_match "boxes to check: the first five names, in log order" "$(text_of plan-opt_out)" "people ${first5}and 27 more$"
expect_eq "boxes to check: five names, no more" "$(grep -o 'class="plan-name"' "$T/body" | wc -l)" \
	"$(( 5 + $(db "SELECT min(count(DISTINCT email),5) FROM log WHERE run=$run AND action='unsubscribe'") + $(db "SELECT min(count(DISTINCT email),5) FROM log WHERE run=$run AND action='create'") + $(db "SELECT min(count(DISTINCT CASE WHEN email<>'' THEN email ELSE object||' '||record END),5) FROM log WHERE run=$run AND action='skip'") ))"
expect_match "unsubscribes: two lists of one person" "$(text_of plan-unsubscribe)" '^2 Unsubscribes in ActiveCampaign 2 list unsubscribes for 1 person sfout@example.com$'
expect_match "contacts to create: the Salesforce-only person" "$(text_of plan-create)" '^1 Contacts to create in ActiveCampaign 1 contact for 1 person sfonly@example.com$'
book=$(db "SELECT count(*) FROM log WHERE run=$run AND action IN ('tag','link')")
[ "$book" -gt 30 ] && ok "the plan has bookkeeping rows ($book)" || fail "the plan has bookkeeping rows" "$book"
expect_match "bookkeeping is one collapsed line with its count" "$(body | tr '\n' ' ')" "<details class=\"plan-book\" id=\"plan-bookkeeping\"><summary>$book bookkeeping changes"
expect_eq "no plan kind for tags or links" "$(grep -c 'id="plan-tag"\|id="plan-link"' "$T/body")" 0
expect_eq "calm@ is in no plan" "$(grep -c 'calm@example.com' "$T/body")" 0

# ---- the log: people first, the bookkeeping on asking, filtered in the store
people=$(db "SELECT count(*) FROM log WHERE run=$run AND (action IN ('opt_out','opt_in','unsubscribe','create','skip') OR status='failed')")
all=$(db "SELECT count(*) FROM log WHERE run=$run")
rows() { grep -o '<td data-label="Action">[a-z_]*</td>' "$T/body" | sed 's/.*">//; s/<.*//'; }
expect_eq "/status?run= renders" "$(get "$A" "/status?run=$run")" 200
expect_eq "the default log shows every people-facing row of the run" "$(rows | wc -l)" "$people"
expect_eq "and no tag or link" "$(rows | grep -c '^tag$\|^link$')" 0
expect_match "it says what it shows, with the way to the rest" "$(text_of log-shows)" '^Showing what changed for people'
expect_match "the toggle keeps the run" "$(body)" "href=\"/status\?run=$run&amp;show=all\" id=\"show-all\""
expect_eq "show=all renders" "$(get "$A" "/status?run=$run&show=all")" 200
expect_eq "show=all fills a page (50) from the run's $all rows" "$(rows | wc -l)" 50
[ "$(rows | grep -c '^tag$')" -gt 0 ] && ok "show=all shows the tags" || fail "show=all shows the tags"
expect_match "the Show field keeps its choice" "$(body)" '<option value="all" selected>'
older=$(grep -o 'href="[^"]*" id="older"' "$T/body" | sed 's/^href="//; s/" id=.*//; s/&amp;/\&/g')
expect_match "the pager keeps show=all" "$older" "^/status\?run=$run&before=[0-9]+&show=all$"
get "$A" "$older" >/dev/null
rest=$((all - 50 > 50 ? 50 : all - 50))
expect_eq "the second page holds the next $rest rows" "$(rows | wc -l)" "$rest"
before=$(printf '%s' "$older" | sed 's/.*before=\([0-9]*\).*/\1/')
expect_eq "the tags among them are the database's older ones" "$(rows | grep -c '^tag$')" \
	"$(db "SELECT count(*) FROM (SELECT action FROM log WHERE run=$run AND id<$before ORDER BY id DESC LIMIT 50) WHERE action='tag'")"
expect_eq "a show value it does not know is the default" "$(get "$A" "/status?run=$run&show=%3Cx%3E" >/dev/null; rows | grep -c '^tag$')" 0
expect_eq "status filter and people filter together" "$(get "$A" "/status?run=$run&status=planned" >/dev/null; rows | wc -l)" \
	"$(db "SELECT min(count(*),50) FROM log WHERE run=$run AND status='planned' AND (action IN ('opt_out','opt_in','unsubscribe','create','skip') OR status='failed')")"

# ---- confirm the first sync, then `optsync show` against the sandbox's state
expect_eq "confirm starts" "$(post "$A" /status/confirm --data "csrf=$tok")" 303
for i in $(seq 1 240); do
	get "$A" /status/progress.json >/dev/null
	[ "$(body | json 'd["running"]')" = False ] && break
	sleep 0.5
done
expect_eq "the first sync finished without an error" "$(body | json 'd["error"]')" ""

P=out07@example.com
out=$(optsync show --email " Out07@Example.COM ")
expect_eq "show exits 0" "$?" 0
expect_match "show names the person (normalised)" "$out" "^person +$P$"
expect_match "show says the box and why" "$out" "box +Email Opt Out is checked on the Salesforce record\. Last decision, [0-9-]+ [0-9:]+ UTC: "
acid=$(sbx_state "$P" | json 'd["ac"]["contact"]["id"]')
sfid=$(sbx_state "$P" | json 'd["sf"][0]["Id"]')
expect_match "show: the AC contact id of the sandbox" "$out" "ActiveCampaign +contact $acid, changed "
expect_match "show: the AC list status" "$out" "list 1: unsubscribed"
expect_match "show: the tag the first sync added" "$out" "tag added-to-salesforce-contact"
expect_match "show: the SF record of the sandbox, checked" "$out" "Salesforce +Contact $sfid: Email Opt Out checked, linked"
js=$(optsync show --email "$P" --json)
expect_eq "show --json exits 0" "$?" 0
expect_eq "json: the AC contact is the sandbox's" "$(printf '%s' "$js" | json 'd["activecampaign"]["id"]')" "$acid"
expect_eq "json: list statuses are the sandbox's" "$(printf '%s' "$js" | json '",".join(l["list"]+":"+str(l["status"]) for l in d["activecampaign"]["lists"])')" \
	"$(sbx_state "$P" | json '",".join(k+":"+str(v["status"]) for k,v in sorted(d["ac"]["lists"].items()))')"
expect_eq "json: tags are the sandbox's" "$(printf '%s' "$js" | json '" ".join(sorted(d["activecampaign"]["tags"]))')" "$(ac_tags "$P")"
expect_eq "json: the SF records are the sandbox's" "$(printf '%s' "$js" | json '",".join(r["object"]+":"+r["id"]+":"+str(r["email_opt_out"]) for r in d["salesforce"])')" \
	"$(sbx_state "$P" | json '",".join(r["type"]+":"+r["Id"]+":"+str(r["HasOptedOutOfEmail"]) for r in d["sf"])')"
expect_eq "json: it says where the state comes from" "$(printf '%s' "$js" | json 'd["source"]')" snapshot
get "$A" "/contacts?email=$P" >/dev/null
expect_eq "show's sentence is the one /contacts shows" "$(printf '%s' "$js" | json 'd["sentence"]')" "$(text_of why)"
js2=$(optsync show --email sfout@example.com --json)
expect_eq "json: a Lead checked in SF, unsubscribed in AC" "$(printf '%s' "$js2" | json 'd["salesforce"][0]["object"]+" "+str(d["salesforce"][0]["email_opt_out"])+" "+",".join(l["status_name"] for l in d["activecampaign"]["lists"])')" \
	"Lead True unsubscribed,unsubscribed"
get "$A" "/contacts?email=sfout@example.com" >/dev/null
expect_eq "and the same sentence as /contacts for them" "$(printf '%s' "$js2" | json 'd["sentence"]')" "$(text_of why)"

# ---- unknown and hostile addresses
out=$(optsync show --email nobody@example.com 2>"$T/err")
expect_eq "an unknown address exits 1" "$?" 1
expect_eq "with nothing on stdout" "$out" ""
expect_match "and a clear line on stderr" "$(cat "$T/err")" "^optsync: show: optsync has not seen nobody@example.com on either side.*optsync resync --email nobody@example.com"
optsync show --email "$(head -c 5000 /dev/zero | tr '\0' a)@example.com" >/dev/null 2>"$T/err"
expect_eq "an address over 254 bytes is bad usage" "$?" 2
expect_match "said in one bounded line" "$(cat "$T/err")" "^optsync: show: --email: email: longer than 254 characters$"
optsync show --email "$(printf 'a\033[2Jb@example.com')" >/dev/null 2>"$T/err"
expect_eq "a control character is bad usage" "$?" 2
expect_eq "and is not echoed to the terminal" "$(grep -c $'\033' "$T/err")" 0
optsync show >/dev/null 2>&1
expect_eq "no --email is bad usage" "$?" 2
expect_match "show --help" "$(optsync show --help)" "usage: optsync \[--db PATH\] show --email ADDRESS \[--json\]"
expect_match "optsync --help lists show" "$(optsync --help)" "  show +Show one person"
