#!/bin/sh
# run.sh start|stop - `make run` / `make stop`: the whole product on http://127.0.0.1:8080 from var/.
STACK_ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$STACK_ROOT/tools/stack.sh"
VAR=${OPTSYNC_VAR:-$STACK_ROOT/var}
PORT=${PORT:-8080}
case "$1" in
start)
	mkdir -p "$VAR"
	chmod 0700 "$VAR"
	stack_start "$VAR" "$PORT" daemon || exit 1
	sleep 0.3
	if ! stack__alive "$VAR/run/daemon.pid"; then
		echo "note: the sync daemon is not running; see $VAR/log/daemon.log"
	fi
	echo "optsync is running: http://127.0.0.1:$PORT/   (stop with: make stop)"
	# Until an administrator exists, the first-run form asks for this code: only whoever can read
	# var/ (the person who ran make run) can create the administrator.
	if [ -f "$VAR/setup-code" ]; then
		echo "first visit: the setup code is $(cat "$VAR/setup-code")   (also in $VAR/setup-code, mode 0600)"
	fi
	;;
stop)
	stack_stop "$VAR"
	echo "optsync stopped"
	;;
*) echo "usage: run.sh start|stop" >&2; exit 2 ;;
esac
