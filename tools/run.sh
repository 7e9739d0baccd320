#!/bin/sh
# run.sh start|stop - `make run` / `make stop`: the whole product on http://127.0.0.1:8080 from var/.
STACK_ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$STACK_ROOT/tools/stack.sh"
VAR=${OPTSYNC_VAR:-$STACK_ROOT/var}
PORT=${PORT:-8080}
# as_user: started as root, hand var/ to an unprivileged system user (created if missing). The
# dashboard and the daemon become the owner of the database's folder by themselves (core/owner.c),
# after the sockets are made, and so does `bin/optsync` run by root later: nothing root-owned is
# left beside the database. Where that user cannot reach var/ (a folder above it closed to others,
# as /root is), everything stays root's, and it says so.
as_user() {
	[ "$(id -u)" -eq 0 ] || return 0
	user=${OPTSYNC_USER:-optsync}
	if ! getent passwd "$user" >/dev/null 2>&1; then
		useradd --system --user-group --no-create-home --home-dir /nonexistent \
			--shell /usr/sbin/nologin "$user" ||
			{ echo "note: could not create the system user $user; running as root"; return 0; }
	fi
	if ! runuser -u "$user" -- test -x "$(dirname "$VAR")" 2>/dev/null; then
		echo "note: $user cannot reach $(dirname "$VAR") (a folder above it is closed to others); running as root"
		chown -R root:root "$VAR"
		return 0
	fi
	chown -R "$user:$(id -gn "$user")" "$VAR"
	echo "the dashboard and the timer run as $user (owner of $VAR)"
}

case "$1" in
start)
	mkdir -p "$VAR"
	chmod 0700 "$VAR"
	as_user
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
