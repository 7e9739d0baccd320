#!/usr/bin/env bash
# sec_login.sh - sign-ins are throttled without letting strangers lock anyone out: per account with
# growing delays (never a hard lock: the right password from a new session works once the delay
# has passed), per client address as a second key, atomically across the dashboard's workers; a
# browser that signed in before keeps getting in while strangers fail from the same address; an
# unknown name costs as long as a known one (a dummy Argon2id verification); old rows are purged.
. "$(dirname "$0")/../lib/e2e.sh"
stack_up

PW='correct horse battery'
for u in admin:admin vera:viewer ted:viewer; do
	printf '%s\n' "$PW" | "$BIN/optsync" user add "${u%%:*}" --role "${u#*:}" >/dev/null
done
db() { sqlite3 "$OPTSYNC_DB" "$1" 2>>"$T/sqlite.err"; }
tried=0 refused=0
attack() { # attack NAME STATUS EXPECTED
	tried=$((tried + 1))
	if [ "$2" = "$3" ]; then refused=$((refused + 1)); ok "$1"; else fail "$1" "expected $3, got $2"; fi
}
# login JAR NAME PASSWORD: one sign-in from the browser whose cookies are in JAR; prints the status.
login() {
	# A sign-in form: a browser whose session ended (its device cookie, if any, stays).
	[ -f "$1" ] && sed -i '/optsync_session/d' "$1"
	curl -s -b "$1" -c "$1" -o "$1.body" "$BASE/login"
	local tok
	tok=$(grep -o 'name="csrf" value="[0-9a-f]*"' "$1.body" | head -1 | sed 's/.*value="//;s/"$//')
	curl -s -b "$1" -c "$1" -D "$1.head" -o "$1.body" -w '%{http_code}' -H "Origin: $BASE" \
		--data "csrf=$tok" --data-urlencode "name=$2" --data-urlencode "password=$3" "$BASE/login"
}
# The admin's own browser signs in once: from now on it holds a device cookie.
expect_eq "the admin signs in from their browser" "$(login "$T/own" admin "$PW")" 303
grep -q optsync_device "$T/own" && ok "the browser got a device cookie" || fail "device cookie" "none"

# ---- unknown names take as long as known ones
tk="" tu=""
for i in 1 2 3; do
	curl -s -c "$T/t$i" -o "$T/body" "$BASE/login"
	tok=$(grep -o 'name="csrf" value="[0-9a-f]*"' "$T/body" | head -1 | sed 's/.*value="//;s/"$//')
	tk="$tk $(curl -s -b "$T/t$i" -o /dev/null -w '%{time_total}' -H "Origin: $BASE" --data "csrf=$tok" --data name=vera --data password=wrong-password "$BASE/login")"
	tu="$tu $(curl -s -b "$T/t$i" -o /dev/null -w '%{time_total}' -H "Origin: $BASE" --data "csrf=$tok" --data "name=nobody$i" --data password=wrong-password "$BASE/login")"
done
med() { echo "$@" | tr ' ' '\n' | grep . | sort -n | sed -n 2p; }
mk=$(med $tk)
mu=$(med $tu)
echo "# wrong password, known name: median ${mk}s of$tk; unknown name: median ${mu}s of$tu"
python3 -c "import sys; k,u=float(sys.argv[1]),float(sys.argv[2]); sys.exit(0 if 0.5 <= u/k <= 2 else 1)" "$mk" "$mu" &&
	ok "an unknown name takes as long as a known one (${mu}s against ${mk}s)" || fail "timing of unknown names" "${mu}s against ${mk}s"
attack "the unknown name's timing tells nothing (ratio within 0.5-2)" "$(python3 -c "import sys; k,u=float(sys.argv[1]),float(sys.argv[2]); print('same' if 0.5 <= u/k <= 2 else 'differs')" "$mk" "$mu")" same

# ---- per account: growing delays, not a lock
for i in 1 2 3 4; do login "$T/x" admin "wrong $i" >/dev/null; done
attack "the 5th wrong password for admin at once: 429" "$(login "$T/x" admin "wrong 5")" 429
ra=$(grep -i '^Retry-After:' "$T/x.head" | tr -dc 0-9)
expect_eq "with Retry-After: 1 (the delay has begun to grow)" "$ra" 1
# Two more failures, each once the wait is over: the delay doubles (1, 2, then 4 s).
sleep 1.2
expect_eq "a wrong password once the 1 s wait is over is checked again" "$(login "$T/x" admin "wrong 6")" 403
sleep 2.2
login "$T/x" admin "wrong 7" >/dev/null
attack "the next wrong password at once: 429" "$(login "$T/x" admin "wrong 8")" 429
ra=$(grep -i '^Retry-After:' "$T/x.head" | tr -dc 0-9)
[ "${ra:-0}" -ge 3 ] && ok "the delay grew to $ra s" || fail "growing delay" "Retry-After '$ra'"
attack "the right password from a new session during the delay: 429 (no password oracle)" "$(login "$T/new1" admin "$PW")" 429
expect_eq "the admin's own browser gets in at once all the same" "$(login "$T/own" admin "$PW")" 303
sleep $((ra + 1))
expect_eq "the right password from a new session once the delay passed: in (no hard lock)" "$(login "$T/new2" admin "$PW")" 303

# ---- atomic across workers: 10 parallel guesses on one account, at most the free 3 + 1 get through
for i in $(seq 10); do login "$T/p$i" ted "parallel $i" >"$T/par.$i" & done
wait
statuses=$(for f in "$T"/par.*; do cat "$f"; echo; done)
passed=$(echo "$statuses" | grep -c 403)
limited=$(echo "$statuses" | grep -c 429)
echo "# 10 parallel guesses for ted: $passed checked, $limited refused unchecked"
[ "$passed" -le 4 ] && [ $((passed + limited)) -eq 10 ] && ok "parallel guesses: at most 4 of 10 checked ($passed)" || fail "parallel guesses" "$passed checked, $limited refused"
tried=$((tried + 1)); [ "$passed" -le 4 ] && refused=$((refused + 1))

# ---- per address: strangers with made-up names from the admin's own address
fails=0 first429=0
for i in $(seq 40); do
	st=$(login "$T/s" "stranger$i" "guess $i")
	if [ "$st" = 429 ]; then first429=$i; break; fi
	fails=$((fails + 1))
done
[ "$first429" -gt 0 ] && ok "made-up names from one address are slowed after $fails failures" || fail "address throttle" "40 made-up names never throttled"
attack "a new stranger name from that address: 429" "$(login "$T/s" stranger-new "guess")" 429
attack "even the admin's password from a new session there: 429" "$(login "$T/new3" admin "$PW")" 429
expect_eq "the admin's own browser on the same address gets in at once" "$(login "$T/own" admin "$PW")" 303
expect_eq "the address is counted as one key" "$(db "SELECT count(*) FROM login_throttle WHERE key LIKE 'addr:%'")" 1
# A row untouched for a day is purged by the next attempt.
db "INSERT INTO login_throttle(key,failures,last_at,until) VALUES('acct:old',9,$(($(date +%s) * 1000 - 90000000)),0)"
login "$T/own" admin "$PW" >/dev/null
expect_eq "a day-old throttle row is purged" "$(db "SELECT count(*) FROM login_throttle WHERE key='acct:old'")" 0
echo "# $tried attacks tried, $refused refused"
