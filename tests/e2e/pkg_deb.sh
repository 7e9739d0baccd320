#!/usr/bin/env bash
# pkg_deb.sh - `make deb`: the package's metadata and files, its units (systemd-analyze verify), its
# man page and completion, then the installed programs (extracted into a scratch root) running the
# whole stack against the sandbox.
. "$(dirname "$0")/../lib/e2e.sh"
. "$(dirname "$0")/../lib/sandbox.sh"
cd "$STACK_ROOT" || exit 1
deb=$(make --no-print-directory deb 2>"$T/deb.err" | tail -1)
if [ ! -f "$deb" ]; then
	fail "make deb builds a package" "$(tail -5 "$T/deb.err")"
	exit 1
fi
ok "make deb builds $deb"
info=$(dpkg-deb --info "$deb")
expect_match "package: named optsync" "$info" "Package: optsync"
expect_match "package: a version from git" "$info" "Version: 0\.[0-9]+~g[0-9a-f]+"
for lib in libcurl4 libsqlite3-0 libsodium23 libjson-c5 libfcgi libctemplate; do
	expect_match "package: depends on $lib" "$(printf '%s' "$info" | grep '^ Depends:')" "$lib"
done
expect_match "package: maintainer scripts" "$info" "postinst.*|prerm|postrm"
contents=$(dpkg-deb --contents "$deb" | awk '{print $NF}')
for f in ./usr/bin/optsync ./usr/bin/optsync.fcgi ./usr/share/optsync/templates/layout.tpl ./usr/share/optsync/static/ \
	./usr/share/man/man1/optsync.1.gz ./usr/share/bash-completion/completions/optsync \
	./lib/systemd/system/optsync-web.service ./lib/systemd/system/optsync-daemon.service \
	./lib/systemd/system/optsync-sync.service ./lib/systemd/system/optsync-sync.timer \
	./etc/optsync/optsync.env ./etc/optsync/nginx-optsync.conf ./etc/logrotate.d/optsync; do
	printf '%s\n' "$contents" | grep -qx -- "$f" && ok "package holds $f" || fail "package holds $f"
done
expect_eq "package: files owned by root" "$(dpkg-deb --contents "$deb" | awk '{print $2}' | sort -u)" "root/root"
R=$T/root
dpkg-deb -x "$deb" "$R"
dpkg-deb -e "$deb" "$R/DEBIAN"
expect_eq "package: the configs are conffiles (never overwritten when changed)" "$(sort "$R/DEBIAN/conffiles" | tr '\n' ' ')" \
	"/etc/logrotate.d/optsync /etc/optsync/nginx-optsync.conf /etc/optsync/optsync.env "
for s in postinst prerm postrm; do sh -n "$R/DEBIAN/$s" && ok "maintainer script $s parses" || fail "maintainer script $s parses"; done
expect_match "postinst: creates the optsync system user" "$(cat "$R/DEBIAN/postinst")" "adduser --system"
if command -v lintian >/dev/null; then
	lintian --no-tag-display-limit "$deb" >"$T/lintian.out" 2>&1
	expect_eq "lintian: no error" "$(grep -c '^E:' "$T/lintian.out")" 0
else
	echo "# lintian is not installed: not run"
fi

# ---- dpkg itself, into a scratch root (its scripts honour $DPKG_ROOT): install, upgrade keeping a
# changed config, remove keeping the data, purge deleting it and the user
D=$T/dpkgroot
mkdir -p "$D/etc" "$D/var/lib/dpkg/info" "$D/var/lib/dpkg/updates" "$D/usr/sbin"
touch "$D/var/lib/dpkg/status"
for f in passwd group shadow gshadow; do grep -E '^(root|nogroup|www-data|adm):' "/etc/$f" >"$D/etc/$f"; done
dpk() { dpkg --root="$D" --force-script-chrootless --force-depends "$@" >>"$T/dpkg.out" 2>&1; }
dpk -i "$deb"
expect_eq "dpkg: installed" "$(dpkg --root="$D" -s optsync 2>/dev/null | sed -n 's/^Status: //p')" "install ok installed"
expect_match "dpkg: the optsync system user created" "$(grep '^optsync:' "$D/etc/passwd")" "^optsync:x:[0-9]+:[0-9]+::/var/lib/optsync:/usr/sbin/nologin$"
expect_eq "dpkg: /var/lib/optsync 0700, owned by optsync" "$(stat -c '%a %u' "$D/var/lib/optsync")" "700 $(awk -F: '$1 == "optsync" {print $3}' "$D/etc/passwd")"
echo "OPTSYNC_DB=/srv/optsync/optsync.db # changed by the admin" >>"$D/etc/optsync/optsync.env"
dpk -i "$deb"
expect_match "dpkg: an upgrade keeps the changed config" "$(cat "$D/etc/optsync/optsync.env")" "changed by the admin"
touch "$D/var/lib/optsync/optsync.db"
dpk -r optsync
expect_eq "dpkg: remove takes the programs" "$(ls "$D/usr/bin" 2>/dev/null | wc -l)" 0
expect_eq "dpkg: remove keeps the data" "$(ls "$D/var/lib/optsync")" optsync.db
dpk -P optsync
expect_eq "dpkg: purge deletes the data" "$(ls -d "$D/var/lib/optsync" 2>/dev/null | wc -l)" 0
expect_eq "dpkg: purge deletes the user" "$(grep -c '^optsync:' "$D/etc/passwd")" 0
expect_eq "dpkg: purge deletes the config" "$(ls -d "$D/etc/optsync" 2>/dev/null | wc -l)" 0

# ---- the units: hardened as promised, and valid for systemd
for u in optsync-web.service optsync-daemon.service optsync-sync.service; do
	f=$R/lib/systemd/system/$u
	for k in NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes ReadWritePaths=/var/lib/optsync; do
		grep -qx "$k" "$f" && ok "$u: $k" || fail "$u: $k"
	done
done
grep -qx 'RuntimeDirectory=optsync' "$R/lib/systemd/system/optsync-web.service" && ok "web: a RuntimeDirectory" || fail "web: a RuntimeDirectory"
grep -qx 'Restart=on-failure' "$R/lib/systemd/system/optsync-daemon.service" && ok "daemon: Restart=on-failure" || fail "daemon: Restart=on-failure"
if command -v systemd-analyze >/dev/null; then
	# verify wants the programs at their paths: point the copies at the scratch root's.
	mkdir -p "$T/units"
	for u in "$R"/lib/systemd/system/*; do sed "s#/usr/bin/#$R/usr/bin/#g" "$u" >"$T/units/$(basename "$u")"; done
	# Documentation=man:optsync(1) is looked up with man: the scratch root's page.
	MANPATH=$R/usr/share/man systemd-analyze verify "$T"/units/* >"$T/verify.out" 2>&1
	rc=$?
	grep -v -e 'Failed to connect' -e 'not running' "$T/verify.out" | sed 's/^/# /' | head -10
	expect_eq "systemd-analyze verify: the units are valid" "$rc$(grep -ci 'unknown\|invalid\|bad-setting' "$T/verify.out")" "00"
else
	echo "# systemd-analyze is not installed: not run"
fi

# ---- the man page and the completion name every command and every setting
man=$(MANWIDTH=200 man -l "$R/usr/share/man/man1/optsync.1.gz" 2>/dev/null)
expect_match "man page renders" "$man" "optsync - keep the Salesforce Email Opt Out box"
cmds=$("$R/usr/bin/optsync" --help | awk '/^  [a-z]+ /{print $1}' | sort -u)
[ -n "$cmds" ] || fail "optsync --help lists commands"
settings=$(sed -n 's/^    {"\([a-z_]*\)", .*/\1/p' core/settings.c)
for w in $cmds $settings; do
	printf '%s' "$man" | grep -qw -- "$w" && ok "man page names $w" || fail "man page names $w"
	grep -qw -- "$w" "$R/usr/share/bash-completion/completions/optsync" && ok "completion knows $w" || fail "completion knows $w"
done
comp=$(bash -c ". '$R/usr/share/bash-completion/completions/optsync'; COMP_WORDS=(optsync se); COMP_CWORD=1; _optsync; echo \${COMPREPLY[*]};
	COMP_WORDS=(optsync set sf_i); COMP_CWORD=2; _optsync; echo \${COMPREPLY[*]}")
expect_eq "completion: commands, then settings" "$(printf '%s' "$comp" | tr '\n' '|')" "set|sf_import"

# ---- the installed programs: version, and the whole stack against the sandbox
expect_match "installed optsync --version" "$("$R/usr/bin/optsync" --version)" "^optsync [^ ]+$"
BIN=$R/usr/bin
export BIN
stack_up
sbx_reset 23 0
sbx_person '{"email":"pkg@example.com","ac":{"lists":{"1":2}},"sf":[{"type":"Contact","opted_out":false}]}'
"$BIN/optsync" connect ac --url "$AC_URL" --key sandbox-ac-key >/dev/null && ok "installed: connect ac" || fail "installed: connect ac"
"$BIN/optsync" connect sf --login-url "$SF_URL" --client-id sandbox-client-id --client-secret sandbox-client-secret >/dev/null &&
	ok "installed: connect sf" || fail "installed: connect sf"
"$BIN/optsync" sync >"$T/sync.out" 2>&1
expect_eq "installed: sync exits 0" "$?" 0
expect_eq "installed: the opt-out arrived in Salesforce" "$(sf_box pkg@example.com)" True
expect_match "installed dashboard answers, its version in the footer" "$(curl -s "$BASE/login")" "optsync [^ <]+ keeps Salesforce"

# ---- the installed services' log files: SIGHUP (logrotate) reopens them
wait_for() { for _ in $(seq 1 100); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done; return 1; }
"$BIN/optsync" daemon --interval 3600 --log-file "$T/daemon.log" &
dpid=$!
wait_for "$T/daemon.log" "daemon started" && ok "daemon --log-file: lines go to the file" || fail "daemon --log-file: lines go to the file"
mv "$T/daemon.log" "$T/daemon.log.1"
kill -HUP "$dpid"
wait_for "$T/daemon.log" "log file reopened" && ok "daemon: SIGHUP reopens the log file" || fail "daemon: SIGHUP reopens the log file"
kill -TERM "$dpid"; wait "$dpid" 2>/dev/null
wait_for "$T/daemon.log" "daemon stopped" && ok "daemon: the stop is logged in the new file" || fail "daemon: the stop is logged in the new file"
"$BIN/optsync.fcgi" --socket "$T/hup.sock" --db "$T/hup.db" --log-file "$T/web.log" &
wpid=$!
wait_for "$T/web.log" "listening on" && ok "optsync.fcgi --log-file: lines go to the file" || fail "optsync.fcgi --log-file: lines go to the file"
mv "$T/web.log" "$T/web.log.1"
kill -HUP "$wpid"
wait_for "$T/web.log" "reopened" && ok "optsync.fcgi: SIGHUP reopens the log file" || fail "optsync.fcgi: SIGHUP reopens the log file"
kill -0 "$wpid" 2>/dev/null && ok "optsync.fcgi: SIGHUP does not stop it" || fail "optsync.fcgi: SIGHUP does not stop it"
kill -TERM "$wpid"; wait "$wpid" 2>/dev/null
