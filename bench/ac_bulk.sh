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

. "$ROOT/bench/lib.sh"
start_stack "$T"
# stat EXPR: a python expression of the sandbox's stats (d)
stat() { curl -fsS "$CTL/stats" | python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
WRITES="sum(n for k, n in d['paths'].get('ac', {}).items() if not k.startswith(('GET', 'HEAD')))"
reset() { # reset DIR: a fresh org with lists 4 and 5 and a new store DIR/optsync.db (DB)
	sandbox_reset 0
	mkdir -p "$1"
	DB=$1/optsync.db
	connect "$DB" || die "connect"
}
# run KEY: one sync with the stats reset before it; KEY_ac, KEY_sf, KEY_s, KEY_writes, KEY_imports
run() {
	curl -fsS -X POST "$CTL/stats/reset" >/dev/null
	line=$(osync "$DB" sync) || die "sync ($1): $line"
	echo "$line" >"$T/$1.log"
	set -- "$1" $(calls_of "$line")
	echo "$1_ac=$2 $1_sf=$3 $1_s=$4 $1_writes=$(stat "$WRITES") $1_imports=$(stat "d.get('ac_imports', 0)") $1_applied=$(printf '%s\n' "$line" | sed -n 's/.*Salesforce, \([0-9]*\) to ActiveCampaign.*/\1/p')" >>"$OUTF"
}

echo "n=$N" >"$OUTF"
for pass in f b; do
	[ $pass = b ] && [ "$BEFORE" != 1 ] && break
	# F1: first sync, every person newly linked
	reset "$T/${pass}1"
	[ $pass = b ] && osync "$DB" set ac_bulk_threshold 1000000 >/dev/null
	rm -f "$T/counts"
	load n 0 "$N" mix "$T/counts" 0
	run ${pass}1
	floor=$(floor_of "$T/counts")
	echo "${pass}1_floor_reads=$floor ${pass}1_floor_writes=$(((N + 249) / 250))" >>"$OUTF"
	# F2: R4 for N boxes of people on list 1, linked and tagged already
	reset "$T/${pass}2"
	[ $pass = b ] && osync "$DB" set ac_bulk_threshold 1000000 >/dev/null
	load r 0 "$N" one
	osync "$DB" sync >/dev/null || die "first sync (R4)"
	events sf_check r 0 "$N"
	run ${pass}2
	echo "${pass}2_floor_writes=$(((N + 249) / 250))" >>"$OUTF"
done
cat "$OUTF"
