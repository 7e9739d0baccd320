#!/usr/bin/env bash
# run_stop.sh - what `make run` and `make stop` do (tools/run.sh), in a folder of the test's own on
# a free port: a page is served, a second start starts no second copy, stop leaves no process.
# Started as root (CI), the dashboard and the timer run as an unprivileged system user that owns
# var/, and root's own `bin/optsync` commands afterwards leave no file the dashboard cannot open.
. "$(dirname "$0")/../lib/e2e.sh"
export OPTSYNC_VAR="$T/var" PORT=$((20000 + RANDOM % 12000))
# The temporary folder is root's 0700: open it for passing through, as a checkout folder is.
chmod 0711 "$T"
uid_of() { awk '/^Uid:/ {print $2}' "/proc/$1/status" 2>/dev/null; }
out=$(sh "$STACK_ROOT/tools/run.sh" start 2>&1)
expect_eq "run.sh start exits 0" "$?" "0"
expect_match "it prints the URL" "$out" "http://127.0.0.1:$PORT/"
expect_match "it prints the first-run setup code" "$out" "setup code is [A-Z2-9]{5}-[A-Z2-9]{5}-[A-Z2-9]{5}-[A-Z2-9]{5}"
expect_eq "the setup code file is the owner's only" "$(stat -c %a "$OPTSYNC_VAR/setup-code" 2>&1)" 600
code=$(curl -s -o "$T/page.html" -w '%{http_code}' "http://127.0.0.1:$PORT/login")
expect_eq "a page is served" "$code" "200"
expect_match "the page is the dashboard's" "$(cat "$T/page.html")" "optsync"
if [ "$(id -u)" -eq 0 ]; then
	U=${OPTSYNC_USER:-optsync}
	uid=$(id -u "$U" 2>/dev/null)
	[ -n "$uid" ] && [ "$uid" != 0 ] && ok "the system user $U exists (uid $uid)" || fail "system user" "$U: '$uid'"
	expect_match "start says who runs it" "$out" "run as $U"
	expect_eq "var/ belongs to $U" "$(stat -c %U "$OPTSYNC_VAR")" "$U"
	expect_eq "the dashboard runs as $U" "$(uid_of "$(cat "$OPTSYNC_VAR/run/optsync.pid")")" "$uid"
	expect_eq "the timer (daemon) runs as $U" "$(uid_of "$(cat "$OPTSYNC_VAR/run/daemon.pid")")" "$uid"
	expect_eq "the sandbox runs as $U" "$(uid_of "$(cat "$OPTSYNC_VAR/run/sandbox.pid")")" "$uid"
	expect_eq "the socket keeps nginx's group" "$(stat -c %G "$(cat "$OPTSYNC_VAR/run/pub")/optsync.sock")" www-data
	# Root's commands afterwards: each becomes the owner of var/ before opening anything.
	printf 'correct horse battery\n' | OPTSYNC_DB="$OPTSYNC_VAR/optsync.db" "$BIN/optsync" user add admin --role admin >"$T/cli.out" 2>&1
	expect_eq "root: optsync user add works" "$?" 0
	OPTSYNC_DB="$OPTSYNC_VAR/optsync.db" "$BIN/optsync" set interval 120 >>"$T/cli.out" 2>&1
	expect_eq "root: optsync set interval 120 works" "$?" 0
	expect_eq "and it is stored" "$(sqlite3 -readonly "$OPTSYNC_VAR/optsync.db" "SELECT value FROM settings WHERE key='interval'" 2>&1)" 120
	OPTSYNC_DB="$OPTSYNC_VAR/optsync.db" "$BIN/optsync" sync >>"$T/cli.out" 2>&1
	expect_eq "root: optsync sync opens the database (it fails only for the missing connections)" \
		"$(grep -ci 'readonly\|unable to open\|permission denied' "$T/cli.out")" 0
	OPTSYNC_DB="$OPTSYNC_VAR/optsync.db" "$BIN/optsync" check --json >"$T/check.json" 2>>"$T/cli.out"
	expect_match "root: optsync check reads the database" "$(cat "$T/check.json")" '"database'
	rootfiles=$(find "$OPTSYNC_VAR" -user root ! -path "$OPTSYNC_VAR/run*" ! -path "$OPTSYNC_VAR/log*" ! -path "$OPTSYNC_VAR/nginx*" | tr '\n' ' ')
	expect_eq "no root-owned file beside the database" "$rootfiles" ""
	expect_eq "the WAL is $U's" "$(stat -c %U "$OPTSYNC_VAR/optsync.db-wal" 2>&1)" "$U"
	expect_eq "the key file is $U's, 0600" "$(stat -c '%U %a' "$OPTSYNC_VAR/secret.key" 2>&1)" "$U 600"
	# The dashboard still writes: a sign-in stores a session, and the session opens a page.
	J=$T/jar
	curl -s -c "$J" -b "$J" -o "$T/login.html" "http://127.0.0.1:$PORT/login"
	tok=$(grep -o 'name="csrf" value="[0-9a-f]*"' "$T/login.html" | head -1 | sed 's/.*value="//;s/"$//')
	code=$(curl -s -c "$J" -b "$J" -o /dev/null -w '%{http_code}' -H "Origin: http://127.0.0.1:$PORT" -H 'Sec-Fetch-Site: same-origin' \
		--data "csrf=$tok" --data name=admin --data-urlencode 'password=correct horse battery' "http://127.0.0.1:$PORT/login")
	expect_eq "the dashboard signs the admin in after root's commands (a write)" "$code" 303
	expect_eq "and the session opens /status" "$(curl -s -b "$J" -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/status")" 200
	expect_match "the dashboard's log has no database error" "$(grep -ci 'readonly\|unable to open\|permission denied' "$OPTSYNC_VAR/log/optsync.log")" '^0$'
else
	ok "# not root: no user to switch to (the root case runs in CI)"
fi
pids=$(cat "$OPTSYNC_VAR"/run/*.pid | sort | tr '\n' ' ')
out=$(sh "$STACK_ROOT/tools/run.sh" start 2>&1)
expect_match "a second start says it is running" "$out" "already running"
expect_eq "a second start starts no second copy" "$(cat "$OPTSYNC_VAR"/run/*.pid | sort | tr '\n' ' ')" "$pids"
alive=0
for p in $pids; do kill -0 "$p" 2>/dev/null && alive=$((alive + 1)); done
[ "$alive" -ge 3 ] && ok "sandbox, dashboard and nginx run ($alive processes)" || fail "processes alive" "$alive"
sh "$STACK_ROOT/tools/run.sh" stop >/dev/null
sleep 0.3
left=0
for p in $pids; do kill -0 "$p" 2>/dev/null && left=$((left + 1)); done
expect_eq "stop leaves no process behind" "$left" "0"
expect_eq "no pid file left" "$(ls "$OPTSYNC_VAR"/run/*.pid 2>/dev/null | wc -l)" "0"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/healthz")
expect_eq "nothing answers on the port any more" "$code" "000"
