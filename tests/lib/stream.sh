# stream.sh - what the change-stream tests share (sourced after e2e.sh and sandbox.sh): a daemon
# listening to the sandbox's change events, logging to $T/daemon.log, and the waits on its effects.

# start_daemon [INTERVAL]: the daemon (an hour by default: only the stream can be fast), once it
# has subscribed
start_daemon() {
	"$BIN/optsync" daemon --interval "${1:-3600}" >>"$T/daemon.log" 2>&1 &
	dpid=$!
	for i in $(seq 1 100); do
		grep -q "change events: subscribed" "$T/daemon.log" && break
		sleep 0.1
	done
	sleep 0.3 # the first connect is on the wire
}
stop_daemon() {
	kill -TERM "$dpid" 2>/dev/null
	for i in $(seq 1 80); do kill -0 "$dpid" 2>/dev/null || break; sleep 0.1; done
	wait "$dpid" 2>/dev/null
}
# wait_list EMAIL STATUS [TRIES of 50 ms]: waits for the AC list 1 status; prints the ms it took
wait_list() {
	local t0 i
	t0=$(date +%s%N)
	for i in $(seq 1 "${3:-200}"); do
		[ "$(ac_list "$1" 1)" = "$2" ] && break
		sleep 0.05
	done
	echo $(( ($(date +%s%N) - t0) / 1000000 ))
}
