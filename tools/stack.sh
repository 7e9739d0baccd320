#!/bin/sh
# stack.sh - start and stop one optsync stack (sandbox + dashboard FastCGI programs + nginx, and
# optionally the daemon) in a folder of its own. Used by `make run` (folder var/) and the tests
# (a temporary folder). Sourced: defines stack_start and stack_stop.
#   stack_start DIR PORT [daemon]   -> 0 when nginx answers /healthz on 127.0.0.1:PORT
#   stack_stop DIR                  -> stops exactly what stack_start started (pid files in DIR/run)

STACK_ROOT=${STACK_ROOT:-$(cd "$(dirname "$0")/.." 2>/dev/null && pwd)}

stack__alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# stack__spawn NAME DIR CMD... : starts CMD detached, output to DIR/log/NAME.log, pid to DIR/run/NAME.pid
stack__spawn() {
	name=$1 dir=$2
	shift 2
	if stack__alive "$dir/run/$name.pid"; then
		echo "$name already running (pid $(cat "$dir/run/$name.pid"))"
		return 0
	fi
	# In a subshell, so the program is no job of the caller's shell (a test's `wait` must not
	# wait for the servers) and is adopted by init when the subshell ends.
	(
		setsid "$@" >>"$dir/log/$name.log" 2>&1 </dev/null &
		echo $! >"$dir/run/$name.pid"
	)
}

stack__wait_socket() {
	i=0
	while [ ! -S "$1" ]; do
		i=$((i + 1))
		[ $i -gt 100 ] && return 1
		sleep 0.05
	done
}

stack_start() {
	dir=$1 port=$2 with_daemon=${3:-}
	bin=${BIN:-$STACK_ROOT/bin}
	case "$bin" in /*) ;; *) bin=$STACK_ROOT/$bin ;; esac
	mkdir -p "$dir/run" "$dir/log" "$dir/nginx/tmp"
	# nginx workers run as nobody when nginx starts as root: they must reach the sockets and the
	# static files, and may not be able to traverse the folders above $dir (a home folder, a
	# private temporary folder). So, as root, both live in a folder of their own under /tmp
	# (mode 0711; sockets 0660 with group nogroup), named in $dir/run/pub.
	group_opt=""
	user_line=""
	pub=$dir/run
	if [ "$(id -u)" -eq 0 ]; then
		# nginx's workers get a group of their own for the sockets (Debian's www-data), not the
		# nogroup every other unprivileged process shares.
		sgroup=nogroup
		getent group www-data >/dev/null 2>&1 && getent passwd www-data >/dev/null 2>&1 && sgroup=www-data
		group_opt="--socket-group $sgroup"
		if [ "$sgroup" = www-data ]; then user_line="user www-data www-data;"; else user_line="user nobody nogroup;"; fi
		if [ -f "$dir/run/pub" ] && [ -d "$(cat "$dir/run/pub")" ]; then
			pub=$(cat "$dir/run/pub")
		else
			pub=$(mktemp -d /tmp/optsync-pub.XXXXXX) || return 1
			echo "$pub" >"$dir/run/pub"
		fi
		chmod 0711 "$pub"
	fi
	rm -rf "$pub/static"
	mkdir -p "$pub/tmp"
	cp -r "$STACK_ROOT/static" "$pub/static"
	chmod -R a+rX "$pub/static"
	[ -x "$bin/sandbox.fcgi" ] || { echo "stack: $bin/sandbox.fcgi is not built" >&2; return 1; }
	[ -x "$bin/optsync.fcgi" ] || { echo "stack: $bin/optsync.fcgi is not built" >&2; return 1; }
	if ! stack__alive "$dir/run/sandbox.pid"; then
		rm -f "$pub/sandbox.sock"
		seed=""
		[ -f "$dir/sandbox.db" ] || seed="--seed ${SANDBOX_SEED:-1}"
		stack__spawn sandbox "$dir" "$bin/sandbox.fcgi" --socket "$pub/sandbox.sock" --db "$dir/sandbox.db" $seed $group_opt
	fi
	if ! stack__alive "$dir/run/optsync.pid"; then
		rm -f "$pub/optsync.sock"
		stack__spawn optsync "$dir" env OPTSYNC_DB="$dir/optsync.db" "$bin/optsync.fcgi" --socket "$pub/optsync.sock" --db "$dir/optsync.db" $group_opt
	fi
	stack__wait_socket "$pub/sandbox.sock" || { echo "stack: sandbox did not start; see $dir/log/sandbox.log" >&2; return 1; }
	stack__wait_socket "$pub/optsync.sock" || { echo "stack: dashboard did not start; see $dir/log/optsync.log" >&2; return 1; }
	if ! stack__alive "$dir/run/nginx.pid"; then
		sh "$STACK_ROOT/tools/nginx-conf.sh" local "$STACK_ROOT" "$dir/nginx" "$port" |
			sed -e "s#$dir/nginx/sandbox.sock#$pub/sandbox.sock#; s#$dir/nginx/optsync.sock#$pub/optsync.sock#" \
			    -e "s#alias $dir/nginx/static/#alias $pub/static/#" -e "s#$dir/nginx/tmp/#$pub/tmp/#" \
			    -e "s#^pid .*#pid $dir/run/nginx.pid;#" -e "s#^worker_processes 1;#worker_processes 1;\n$user_line#" \
			>"$dir/nginx/nginx.conf"
		nginx -p "$dir/nginx" -c "$dir/nginx/nginx.conf" -e "$dir/nginx/error.log" ||
			{ echo "stack: nginx did not start (port $port in use?); see $dir/nginx/error.log" >&2; return 1; }
	else
		echo "nginx already running (pid $(cat "$dir/run/nginx.pid"))"
	fi
	i=0
	until curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 100 ] && { echo "stack: http://127.0.0.1:$port/healthz does not answer" >&2; return 1; }
		sleep 0.05
	done
	if [ -n "$with_daemon" ]; then
		stack__spawn daemon "$dir" env OPTSYNC_DB="$dir/optsync.db" "$bin/optsync" daemon
	fi
	return 0
}

stack_stop() {
	dir=$1
	for name in daemon nginx optsync sandbox; do
		f="$dir/run/$name.pid"
		[ -f "$f" ] || continue
		pid=$(cat "$f")
		if kill -0 "$pid" 2>/dev/null; then
			kill -TERM "$pid" 2>/dev/null
			i=0
			while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
			kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
		fi
		rm -f "$f"
	done
	rm -f "$dir/run/sandbox.sock" "$dir/run/optsync.sock"
	if [ -f "$dir/run/pub" ]; then
		pub=$(cat "$dir/run/pub")
		case "$pub" in /tmp/optsync-pub.*) rm -rf "$pub" ;; esac
		rm -f "$dir/run/pub"
	fi
}
