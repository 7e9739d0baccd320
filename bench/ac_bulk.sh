#!/bin/sh
# bench/ac_bulk.sh OUT - ActiveCampaign writes through bulk import, on a private stack of its own:
#   F1  first sync of N people on 5 lists, every one newly linked (not tagged yet): AC calls, AC
#       write calls, seconds, against the floor (members by list and status in pages of 100, plus
#       one import per 250 tags)
#   F2  R4 for N Salesforce boxes checked (people on list 1): AC calls, write calls, seconds
# Writes key=value lines to OUT (f1_* and f2_*). With BENCH_AC_BULK_BEFORE=1 each is run a second
# time with ac_bulk_threshold 1000000 (the per-contact calls, as before bulk import): b1_*, b2_*;
# that adds about N / 4.5 seconds for each. run.sh calls it for `make bench`; alone:
#   BIN=bin sh bench/ac_bulk.sh /tmp/ac_bulk.txt
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
OUTF=${1:?usage: bench/ac_bulk.sh OUTFILE}
STACK_ROOT=$ROOT
BIN=${BIN:-$ROOT/bin}
case "$BIN" in /*) ;; *) BIN=$ROOT/$BIN ;; esac
export STACK_ROOT BIN
. "$ROOT/tools/stack.sh"
N=${BENCH_AC_BULK_PEOPLE:-1000}
BEFORE=${BENCH_AC_BULK_BEFORE:-0}
T=$(mktemp -d /tmp/optsync-bench-bulk.XXXXXX) || exit 1
chmod 0711 "$T"
trap 'stack_stop "$T" 2>/dev/null; rm -rf "$T"' EXIT
die() {
	echo "bench/ac_bulk.sh: $*" >&2
	exit 1
}
[ -x "$BIN/optsync" ] && [ -x "$BIN/sandbox.fcgi" ] || die "run make all first"

tries=0
while :; do
	PORT=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 12000))
	stack_start "$T" $PORT >"$T/stack-start.log" 2>&1 && break
	tries=$((tries + 1))
	stack_stop "$T"
	[ $tries -ge 5 ] && { cat "$T/stack-start.log" >&2; die "the stack does not start"; }
done
BASE=http://127.0.0.1:$PORT
CTL=$BASE/sandbox/control

post() { curl -fsS -X POST -H 'Content-Type: application/json' "$CTL/$1" --data-binary "$2"; }
postf() { curl -fsS -X POST -H 'Content-Type: application/json' "$CTL/$1" --data-binary "@$2"; }
# stat EXPR: a python expression of the sandbox's stats (d)
stat() { curl -fsS "$CTL/stats" | python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
WRITES="sum(n for k, n in d['paths'].get('ac', {}).items() if not k.startswith(('GET', 'HEAD')))"
osync() {
	OPTSYNC_DB=$DB OPTSYNC_KEY_FILE=$(dirname "$DB")/secret.key "$BIN/optsync" "$@"
}
reset() { # reset DIR: a fresh org with lists 4 and 5 (the sandbox seeds three) and a new store
	post reset '{"seed":1,"people":0}' >/dev/null || die "sandbox reset"
	sqlite3 -cmd '.timeout 5000' "$T/sandbox.db" "INSERT OR IGNORE INTO ac_lists(id, name, stringid, cdate_ms)
		VALUES(4, 'Bench list 4', 'bench-4', 0), (5, 'Bench list 5', 'bench-5', 0);" || die "lists 4 and 5"
	mkdir -p "$1"
	DB=$1/optsync.db
	osync connect ac --url "$BASE/sandbox/ac" --key sandbox-ac-key >/dev/null &&
		osync connect sf --login-url "$BASE/sandbox/sf" --client-id sandbox-client-id \
			--client-secret sandbox-client-secret >/dev/null || die "connect"
}
load() { # load PREFIX MODE TAGGED [COUNTS]
	i=0
	while [ "$i" -lt "$N" ]; do
		j=$((i + 1000))
		[ $j -gt "$N" ] && j=$N
		awk -f bench/people.awk -v prefix="$1" -v from=$i -v to=$j -v mode="$2" -v tagged="$3" \
			-v counts="${4:-}" >"$T/people.json"
		postf people "$T/people.json" >/dev/null || die "loading people"
		i=$j
	done
}
# run KEY: one sync with the stats reset before it; KEY_ac, KEY_sf, KEY_s, KEY_writes, KEY_imports
run() {
	curl -fsS -X POST "$CTL/stats/reset" >/dev/null
	line=$(osync sync) || die "sync ($1): $line"
	echo "$line" >"$T/$1.log"
	set -- "$1" $(printf '%s\n' "$line" | sed -n 's/.*ActiveCampaign \([0-9]*\), Salesforce \([0-9]*\); \([0-9.]*\) s.*/\1 \2 \3/p')
	echo "$1_ac=$2 $1_sf=$3 $1_s=$4 $1_writes=$(stat "$WRITES") $1_imports=$(stat "d.get('ac_imports', 0)") $1_applied=$(printf '%s\n' "$line" | sed -n 's/.*Salesforce, \([0-9]*\) to ActiveCampaign.*/\1/p')" >>"$OUTF"
}

echo "n=$N" >"$OUTF"
for pass in f b; do
	[ $pass = b ] && [ "$BEFORE" != 1 ] && break
	# F1: first sync, every person newly linked
	reset "$T/${pass}1"
	[ $pass = b ] && osync set ac_bulk_threshold 1000000 >/dev/null
	rm -f "$T/counts"
	load n mix 0 "$T/counts"
	run ${pass}1
	floor=$(awk '$2 >= 1 && $2 <= 3 { f += int(($3 + 99) / 100) } END { print f + 0 }' "$T/counts")
	echo "${pass}1_floor_reads=$floor ${pass}1_floor_writes=$(((N + 249) / 250))" >>"$OUTF"
	# F2: R4 for N boxes of people on list 1, linked and tagged already
	reset "$T/${pass}2"
	[ $pass = b ] && osync set ac_bulk_threshold 1000000 >/dev/null
	load r one 1
	osync sync >/dev/null || die "first sync (R4)"
	awk -v n="$N" 'BEGIN { printf "{\"events\":["
		for (i = 0; i < n; i++) printf "%s{\"type\":\"sf_check\",\"email\":\"r%d@bench.example\"}", (i ? "," : ""), i
		print "]}" }' >"$T/events.json"
	postf event "$T/events.json" >/dev/null || die "sf_check events"
	run ${pass}2
	echo "${pass}2_floor_writes=$(((N + 249) / 250))" >>"$OUTF"
done
cat "$OUTF"
