#!/bin/sh
# bench/ac_idle.sh OUT - the AC watermark over closed seconds, on a private stack of its own:
#   L1  first sync of N people on 5 lists, every one newly linked: AC calls, seconds (N is
#       BENCH_FIRST_SYNC_PEOPLE, 10000 by default; 100000 is the issue's measured run)
#   I1  an idle sync after a first sync of N tagged people whose udates share one second (an import
#       two minutes before): calls, AC and SF
#   O1  one change a second after 1,000 contacts changed in one second (the burst read by a run
#       after its second closed): AC calls
# BENCH_AC_IDLE_STAGES (default "l i o") picks stages. Alone: BIN=bin sh bench/ac_idle.sh /tmp/idle.txt
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
OUTF=${1:?usage: bench/ac_idle.sh OUTFILE}
STACK_ROOT=$ROOT
BIN=${BIN:-$ROOT/bin}
case "$BIN" in /*) ;; *) BIN=$ROOT/$BIN ;; esac
export STACK_ROOT BIN
. "$ROOT/tools/stack.sh"
N=${BENCH_FIRST_SYNC_PEOPLE:-10000}
STAGES=${BENCH_AC_IDLE_STAGES:-l i o}
T=$(mktemp -d /tmp/optsync-bench-idle.XXXXXX) || exit 1
chmod 0711 "$T"
trap 'stack_stop "$T" 2>/dev/null; rm -rf "$T"' EXIT
die() {
	echo "bench/ac_idle.sh: $*" >&2
	exit 1
}
[ -x "$BIN/optsync" ] && [ -x "$BIN/sandbox.fcgi" ] || die "run make all first"
. "$ROOT/bench/lib.sh"
start_stack "$T"
sbsql() { sqlite3 -cmd '.timeout 5000' "$T/sandbox.db" "$1"; }
reset() { # reset DIR: a fresh org with lists 4 and 5 and a new store DIR/optsync.db (DB)
	sandbox_reset 0
	mkdir -p "$1"
	DB=$1/optsync.db
	connect "$DB" || die "connect"
}
pin() { sbsql "UPDATE ac_contacts SET udate_ms = ((CAST(strftime('%s','now') AS INTEGER) - $1) * 1000) WHERE ${2:-1}"; }
run() { # run KEY: one sync, stats reset before; KEY_ac KEY_sf KEY_s
	curl -fsS -X POST "$CTL/stats/reset" >/dev/null
	line=$(osync "$DB" sync) || die "sync ($1): $line"
	echo "$line" >"$T/$1.log"
	set -- "$1" $(calls_of "$line")
	echo " $1_ac=$2 $1_sf=$3 $1_s=$4" >>"$OUTF"
}
echo "n=$N" >"$OUTF"
for st in $STAGES; do
	case $st in
	l)
		reset "$T/l"
		rm -f "$T/counts"
		load n 0 "$N" mix "$T/counts" 0
		pin 120
		run l1
		echo " l1_floor_reads=$(floor_of "$T/counts") l1_floor_writes=$(((N + 249) / 250))" >>"$OUTF"
		;;
	i)
		reset "$T/i"
		load t 0 "$N" mix
		pin 120
		run i0
		run i1
		;;
	o)
		reset "$T/o"
		load o 0 1001 one
		pin 120
		run o0
		pin 0 "email_lc != 'o1000@bench.example'"
		sleep 12 # the burst's second closes (ac_clock_margin_s 10) before the run that reads it
		run o1
		sleep 1
		pin 0 "email_lc = 'o1000@bench.example'"
		run o2
		;;
	esac
done
cat "$OUTF"
