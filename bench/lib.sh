#!/bin/sh
# bench/lib.sh - what the bench scripts (run.sh, ac_bulk.sh, ac_idle.sh) share, sourced after they
# set ROOT, BIN and T and define die: a private stack on a free port, the sandbox's control calls,
# the CLI on one store, and people loaded from bench/people.awk. Not run on its own.

# kv FILE KEY: the value of KEY=VALUE anywhere in FILE (every line is given a leading space, so a
# key that starts a line is found too)
kv() { sed 's/^/ /' "$1" 2>/dev/null | sed -n "s/.* $2=\([^ ]*\).*/\1/p" | head -1; }
# jnum NAME: a top-level number of the sandbox's stats
jnum() { curl -fsS "$CTL/stats" | grep -o "\"$1\":[0-9]*" | head -1 | cut -d: -f2; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "-"; else printf "%.2f", a / b }'; }
post() { curl -fsS -X POST -H 'Content-Type: application/json' "$CTL/$1" --data-binary "$2"; }
postf() { curl -fsS -X POST -H 'Content-Type: application/json' "$CTL/$1" --data-binary "@$2"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
# osync DB ARGS...: the CLI on one store
osync() {
	db=$1
	shift
	OPTSYNC_DB=$db OPTSYNC_KEY_FILE=$(dirname "$db")/secret.key "$BIN/optsync" "$@"
}
connect() {
	osync "$1" connect ac --url "$BASE/sandbox/ac" --key sandbox-ac-key >/dev/null &&
		osync "$1" connect sf --login-url "$BASE/sandbox/sf" --client-id sandbox-client-id \
			--client-secret sandbox-client-secret >/dev/null
}
# calls_of SUMMARY_LINE: "AC SF SECONDS" from the sync summary
calls_of() { printf '%s\n' "$1" | sed -n 's/.*ActiveCampaign \([0-9]*\), Salesforce \([0-9]*\); \([0-9.]*\) s.*/\1 \2 \3/p'; }
# sandbox_reset PEOPLE: a fresh org (seeded demo people, 0 for none) with lists 4 and 5 added, so
# every person can be on five lists (the sandbox seeds three; there is no list-creating call)
sandbox_reset() {
	post reset "{\"seed\":1,\"people\":$1}" >/dev/null || die "sandbox reset"
	sqlite3 -cmd '.timeout 5000' "$T/sandbox.db" "INSERT OR IGNORE INTO ac_lists(id, name, stringid, cdate_ms)
		VALUES(4, 'Bench list 4', 'bench-4', 0), (5, 'Bench list 5', 'bench-5', 0);" || die "adding lists 4 and 5"
}
# load PREFIX FROM TO MODE [COUNTS] [TAGGED]: people into the sandbox, 1,000 per call (nginx takes
# 256 KB); TAGGED 0 leaves their AC contacts without the added-to-salesforce-contact tag
load() {
	i=$2
	while [ "$i" -lt "$3" ]; do
		j=$((i + 1000))
		[ $j -gt "$3" ] && j=$3
		awk -f bench/people.awk -v prefix="$1" -v from=$i -v to=$j -v mode="$4" -v counts="${5:-}" \
			-v tagged="${6:-1}" >"$T/people.json"
		postf people "$T/people.json" >/dev/null || die "loading people $1$i..$1$j"
		i=$j
	done
}
# floor COUNTS: pages of 100 to read every list's members of status 1, 2 and 3
floor_of() { awk '$2 >= 1 && $2 <= 3 { f += int(($3 + 99) / 100) } END { print f + 0 }' "$1"; }
events() { # events TYPE PREFIX FROM TO [LIST]
	awk -v t="$1" -v p="$2" -v a="$3" -v b="$4" -v l="${5:-}" 'BEGIN { printf "{\"events\":["
		for (i = a; i < b; i++) printf "%s{\"type\":\"%s\",\"email\":\"%s%d@bench.example\"%s}", (i > a ? "," : ""), t, p, i, (l != "" ? ",\"list\":" l : "")
		print "]}" }' >"$T/events.json"
	postf event "$T/events.json" >/dev/null || die "sandbox events $1 $2"
}
start_stack() { # start_stack DIR: on a free random port, sets PORT BASE CTL
	tries=0
	while :; do
		PORT=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 12000))
		stack_start "$1" $PORT >"$T/stack-start.log" 2>&1 && break
		tries=$((tries + 1))
		stack_stop "$1"
		[ $tries -ge 5 ] && { cat "$T/stack-start.log" >&2; die "the stack does not start"; }
	done
	BASE=http://127.0.0.1:$PORT
	CTL=$BASE/sandbox/control
}
