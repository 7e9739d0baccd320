#!/usr/bin/env bash
# rel_crash.sh - crash safety: `optsync sync` and the daemon are killed with SIGKILL at moments the
# test draws at random over the length of a run, restarted, and the final state of both systems is
# compared with a control run of the same scenario on a fresh sandbox: no lost opt-out, no write
# that changed a value twice, no duplicate tag or contact, no stuck run lock, nothing left queued.
# Sizes come from the environment so `make soak` runs the long version (tests/soak/soak.mk):
#   REL_CRASH_ROUNDS (scenario rounds, alternating CLI and daemon), REL_CRASH_KILLS (kills to land),
#   REL_CRASH_PEOPLE (people in the scenario).
. "$(dirname "$0")/../lib/e2e.sh"
. "$(dirname "$0")/../lib/sandbox.sh"
stack_up

ROUNDS=${REL_CRASH_ROUNDS:-2}
KILLS=${REL_CRASH_KILLS:-8}
PEOPLE=${REL_CRASH_PEOPLE:-12}
SBX_DB=$T/sandbox.db

# ---- the scenario: the same people, connection, first sync, events and second sync every time
people_json() {
	local p='{"people":[' i
	for i in $(seq 1 "$PEOPLE"); do
		case $((i % 6)) in
		0) p="$p{\"email\":\"p$i@example.com\",\"ac\":{\"lists\":{\"1\":1}},\"sf\":[{\"type\":\"Contact\",\"opted_out\":false}]}," ;;
		1) p="$p{\"email\":\"p$i@example.com\",\"ac\":{\"lists\":{\"1\":1,\"2\":1}},\"sf\":[{\"type\":\"Contact\",\"opted_out\":false},{\"type\":\"Lead\",\"opted_out\":false}]}," ;;
		2) p="$p{\"email\":\"p$i@example.com\",\"ac\":{\"lists\":{\"1\":2}},\"sf\":[{\"type\":\"Contact\",\"opted_out\":false}]}," ;;
		3) p="$p{\"email\":\"p$i@example.com\",\"ac\":{\"lists\":{\"1\":1,\"3\":1}},\"sf\":[{\"type\":\"Lead\",\"opted_out\":true}]}," ;;
		4) p="$p{\"email\":\"p$i@example.com\",\"ac\":{\"lists\":{\"2\":3}},\"sf\":[{\"type\":\"Contact\",\"opted_out\":false}]}," ;;
		5) p="$p{\"email\":\"p$i@example.com\",\"ac\":{\"lists\":{\"2\":1}},\"sf\":[{\"type\":\"Contact\",\"opted_out\":false}]}," ;;
		esac
	done
	echo "${p%,}]}"
}
# Changes made between the two syncs: every rule fires for some people.
events_json() {
	local e='{"events":[' i
	for i in $(seq 1 "$PEOPLE"); do
		case $((i % 6)) in
		0) e="$e{\"type\":\"unsubscribe\",\"email\":\"p$i@example.com\",\"list\":1}," ;;            # R2
		1) [ $((i % 12)) -eq 1 ] && e="$e{\"type\":\"bounce_hard\",\"email\":\"p$i@example.com\"}," ;; # R3
		2) e="$e{\"type\":\"subscribe\",\"email\":\"p$i@example.com\",\"list\":1}," ;;              # R1
		5) e="$e{\"type\":\"sf_check\",\"email\":\"p$i@example.com\"}," ;;                           # R4
		esac
	done
	# (No record created in Salesforce here: importing one stops the run today, see rel_faults.sh.)
	echo "${e%,}]}"
}
PEOPLE_JSON=$(people_json)
EVENTS_JSON=$(events_json)

# Fresh sandbox with the scenario's people and knobs; a fresh optsync database in folder $1.
scenario_begin() {
	sbx_reset 23 0
	sbx_knobs '{"field_history":true,"ac_rate_limit":5}'
	sbx_person "$PEOPLE_JSON"
	mkdir -p "$T/$1"
	export OPTSYNC_DB="$T/$1/optsync.db" OPTSYNC_KEY_FILE="$T/$1/secret.key"
	"$BIN/optsync" connect ac --url "$AC_URL" --key sandbox-ac-key >/dev/null || fail "$1: connect ac"
	"$BIN/optsync" connect sf --login-url "$SF_URL" --client-id sandbox-client-id \
		--client-secret sandbox-client-secret >/dev/null || fail "$1: connect sf"
	"$BIN/optsync" set sf_import new >/dev/null
	"$BIN/optsync" set ac_rate 5 >/dev/null
}

# The state that matters, read straight from the sandbox's database (ids and times left out: they
# differ from one reset to the next; row order is creation order, the same each time).
dump_state() {
	sqlite3 -readonly "$SBX_DB" <<-'SQL'
	.mode list
	SELECT 'sf', type, lower(email), opted_out, is_converted FROM sf_records WHERE deleted = 0 ORDER BY rid;
	SELECT 'sf-changes', r.type, lower(r.email), count(h.rid) FROM sf_records r
	  LEFT JOIN sf_history h ON h.parent_id = r.id GROUP BY r.rid ORDER BY r.rid;
	SELECT 'ac', c.email_lc, c.first_name, c.last_name, c.bounced_hard FROM ac_contacts c ORDER BY c.email_lc;
	SELECT 'ac-list', c.email_lc, l.list, l.status FROM ac_contact_lists l JOIN ac_contacts c ON c.id = l.contact
	  ORDER BY c.email_lc, l.list;
	SELECT 'ac-tag', c.email_lc, t.tag FROM ac_contact_tags ct JOIN ac_contacts c ON c.id = ct.contact
	  JOIN ac_tags t ON t.id = ct.tag ORDER BY c.email_lc, t.tag;
	SELECT 'tag-defs', tag, count(*) FROM ac_tags GROUP BY tag ORDER BY tag;
	SELECT 'changes', name, n FROM counters WHERE name IN ('ac_contact_list_changes', 'ac_contacts_created',
	  'ac_tags_created', 'ac_contact_tags_added', 'ac_contact_tags_duplicate') ORDER BY name;
	SQL
}

now_ms() { date +%s%3N; }

# ---- control: the scenario once, without a kill
scenario_begin control
t0=$(now_ms)
"$BIN/optsync" sync >"$T/control.out" 2>&1
expect_eq "control: first sync exits 0" "$?" 0
t1=$(now_ms)
sbx_event "$EVENTS_JSON"
"$BIN/optsync" sync >>"$T/control.out" 2>&1
expect_eq "control: second sync exits 0" "$?" 0
t2=$(now_ms)
D1=$((t1 - t0)) D2=$((t2 - t1))
echo "# control run: first sync $D1 ms, second $D2 ms"
dump_state >"$T/control.state"
expect_match "control: the scenario has opt-outs in Salesforce" "$(grep -c '^sf|.*|1|0$' "$T/control.state")" '^[1-9]'
expect_match "control: the scenario changed Salesforce boxes" "$(grep -c '^sf-changes|.*|[1-9]$' "$T/control.state")" '^[1-9]'

# ---- the killed runs
LANDED=0    # kills that hit a running process
MISSED=0    # drawn moments after the run had already ended
KILL_LOG=$T/kills.txt
: >"$KILL_LOG"
per_phase=$(((KILLS + 2 * ROUNDS - 1) / (2 * ROUNDS)))

# cli_until_done NKILLS SPAN_MS: runs `optsync sync`, killing it NKILLS times at random moments in
# 0..SPAN_MS, then lets runs finish until one exits 0.
cli_until_done() {
	local want=$1 span=$2 got=0 tries=0 pid d rc t0
	while [ $got -lt "$want" ] && [ $tries -lt $((want * 8)) ]; do
		tries=$((tries + 1))
		d=$(((RANDOM * 32768 + RANDOM) % (span + 1)))
		t0=$(now_ms)
		"$BIN/optsync" sync >>"$T/crash.out" 2>&1 &
		pid=$!
		sleep "$(printf '%d.%03d' $((d / 1000)) $((d % 1000)))"
		if kill -KILL "$pid" 2>/dev/null; then
			wait "$pid" 2>/dev/null
			got=$((got + 1))
			echo "cli $d" >>"$KILL_LOG"
		else
			wait "$pid"
			MISSED=$((MISSED + 1))
			# Less is left to do after each kill: draw the next moment within this shorter run.
			d=$(($(now_ms) - t0))
			[ "$d" -gt 100 ] && [ "$d" -lt "$span" ] && span=$d
		fi
	done
	LANDED=$((LANDED + got))
	for tries in 1 2 3 4 5 6; do
		"$BIN/optsync" sync >>"$T/crash.out" 2>&1 && return 0
		sleep 1
	done
	return 1
}

# daemon_until_done NKILLS SPAN_MS: the daemon (interval 1 s), killed NKILLS times at random moments
# and restarted each time; then stopped cleanly, and runs are finished from the command line.
daemon_until_done() {
	local want=$1 span=$2 got=0 pid d tries
	for got in $(seq 1 "$want"); do
		"$BIN/optsync" daemon --interval 1 >>"$T/daemon.out" 2>&1 &
		pid=$!
		d=$(((RANDOM * 32768 + RANDOM) % (span + 1)))
		sleep "$(printf '%d.%03d' $((d / 1000)) $((d % 1000)))"
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		echo "daemon $d" >>"$KILL_LOG"
	done
	LANDED=$((LANDED + want))
	# One clean daemon stint, stopped with SIGTERM, which must release the lock on its way out.
	"$BIN/optsync" daemon --interval 1 >>"$T/daemon.out" 2>&1 &
	pid=$!
	sleep 1
	kill -TERM "$pid"
	wait "$pid"
	for tries in 1 2 3 4 5 6; do
		"$BIN/optsync" sync >>"$T/crash.out" 2>&1 && return 0
		sleep 1
	done
	return 1
}

for round in $(seq 1 "$ROUNDS"); do
	scenario_begin "round$round"
	if [ $((round % 2)) -eq 1 ]; then how=cli_until_done; else how=daemon_until_done; fi
	$how "$per_phase" "$D1" || fail "round $round: the first sync finishes after the kills" "$(tail -3 "$T/crash.out")"
	sbx_event "$EVENTS_JSON"
	$how "$per_phase" "$D2" || fail "round $round: the second sync finishes after the kills" "$(tail -3 "$T/crash.out")"
	dump_state >"$T/round$round.state"
	if diff "$T/control.state" "$T/round$round.state" >"$T/round$round.diff"; then
		ok "round $round ($how): both systems end exactly as after the clean run"
	else
		fail "round $round ($how): final state differs from the clean run" "$(head -c 600 "$T/round$round.diff" | tr '\n' ' ')"
	fi
	# Nothing lost on the way: every opt-out of the control run is there (said separately from the
	# diff above so a failure names the kind of damage).
	lost=$(grep '^sf|.*|1|0$' "$T/control.state" | while read -r l; do grep -qxF "$l" "$T/round$round.state" || echo "$l"; done)
	expect_eq "round $round: no opt-out lost" "$lost" ""
	dup=$(grep '^tag-defs|' "$T/round$round.state" | grep -v '|1$')
	expect_eq "round $round: no tag created twice" "$dup" ""
	# No write changed a value more often than in the clean run: Salesforce boxes (field history),
	# AC list statuses, contacts, tags (the sandbox counts only writes that change something).
	expect_eq "round $round: Salesforce boxes changed as often as in the clean run" \
		"$(grep '^sf-changes|' "$T/round$round.state" | md5sum)" "$(grep '^sf-changes|' "$T/control.state" | md5sum)"
	expect_eq "round $round: AC list statuses, contacts and tags changed as often as in the clean run" \
		"$(grep '^changes|' "$T/round$round.state" | tr '\n' ' ')" "$(grep '^changes|' "$T/control.state" | tr '\n' ' ')"
	db() { sqlite3 -readonly "$OPTSYNC_DB" "$1" 2>>"$T/sqlite.err"; }
	expect_eq "round $round: optsync's database is intact" "$(db 'PRAGMA integrity_check')" ok
	expect_eq "round $round: nothing left queued" "$(db "SELECT count(*) FROM actions WHERE status IN ('pending','retrying','failed')")" 0
	lock=$(db 'SELECT pid FROM run_lock')
	if [ -z "$lock" ] || ! kill -0 "$lock" 2>/dev/null; then ok "round $round: no live run lock left behind"; else fail "round $round: run lock held by live pid $lock"; fi
	before=$(sbx_writes)
	out=$("$BIN/optsync" sync 2>&1)
	expect_eq "round $round: the next run is not refused (no stuck lock)" "$?" 0
	expect_eq "round $round: the next run writes nothing" "$(sbx_writes)" "$before"
	# A run killed mid-way cannot end its row; once another run has taken the lock from the dead
	# process, nothing should still show as running on /status and in optsync_runs_running.
	expect_eq "round $round: no run row left 'running' after recovery" "$(db "SELECT count(*) FROM runs WHERE status='running'")" 0
done

echo "# kills landed: $LANDED (drawn after the run had ended: $MISSED); moments (ms) in $KILL_LOG:"
sort -k2 -n "$KILL_LOG" | awk '{printf "%s:%s ", $1, $2} END {print ""}' | sed 's/^/# /'
[ "$LANDED" -ge "$KILLS" ] && ok "$LANDED SIGKILLs landed on running syncs and daemons (asked for $KILLS)" ||
	fail "kills landed" "$LANDED of $KILLS"
