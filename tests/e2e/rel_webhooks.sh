#!/usr/bin/env bash
# rel_webhooks.sh - webhook durability: many ActiveCampaign webhooks fired at the receiver through
# nginx from several connections while the daemon is killed with SIGKILL and restarted over and
# over; every one is answered 200, stored (rows in the events table) and applied once (processed,
# and each person's Salesforce box changed once at most). REL_WEBHOOKS sets the count (make soak:
# 10000), REL_WEBHOOK_PEOPLE the people they are spread over.
. "$(dirname "$0")/../lib/e2e.sh"
. "$(dirname "$0")/../lib/sandbox.sh"
stack_up

N=${REL_WEBHOOKS:-1500}
P=${REL_WEBHOOK_PEOPLE:-10}
SECS=${REL_WEBHOOK_SECONDS:-10} # the burst is spread over this long, so the daemon dies many times in it
db() { sqlite3 -readonly "$OPTSYNC_DB" "$1" 2>>"$T/sqlite.err"; }

sbx_reset 41 0
sbx_knobs '{"field_history":true}'
people='{"people":['
for i in $(seq 1 "$P"); do
	people="$people{\"email\":\"w$i@example.com\",\"ac\":{\"lists\":{\"1\":1}},\"sf\":[{\"type\":\"Contact\",\"opted_out\":false}]},"
done
sbx_person "${people%,}]}"
"$BIN/optsync" connect ac --url "$AC_URL" --key sandbox-ac-key >/dev/null
"$BIN/optsync" connect sf --login-url "$SF_URL" --client-id sandbox-client-id --client-secret sandbox-client-secret >/dev/null
"$BIN/optsync" set ac_rate 5 >/dev/null
"$BIN/optsync" sync >/dev/null
expect_eq "first sync exits 0" "$?" 0
hook=$("$BIN/optsync" webhook --public-url "$BASE")
expect_match "the CLI gives the webhook URL" "$hook" "^$BASE/hooks/activecampaign/[0-9a-f]{64}$"
path=${hook#"$BASE"}
# The CLI runs above opened and closed the database next to the running dashboard: the dashboard
# must still be writing to the live WAL, not to files another process's close has unlinked.
expect_eq "the dashboard holds no deleted database file after CLI runs" \
	"$(ls -l "/proc/$(cat "$T/run/optsync.pid")/fd" 2>/dev/null | grep -c 'optsync.db.*(deleted)')" 0

# Odd people unsubscribe from their only list (R2: the box is checked, once); even people send
# subscribes to a list they are on already (nothing to write).
for i in $(seq 1 "$P"); do
	echo "w$i@example.com $(sbx_state "w$i@example.com" | json "d['ac']['contact']['id']") $([ $((i % 2)) -eq 1 ] && echo unsubscribe || echo subscribe)"
done >"$T/people.txt"

# The daemon, killed at random moments (0.1 to 1.5 s after each start) until the sender is done.
: >"$T/kills"
(
	while [ ! -f "$T/stop" ]; do
		"$BIN/optsync" daemon --interval 1 >>"$T/daemon.out" 2>&1 &
		pid=$!
		sleep "0.$((RANDOM % 10))$((RANDOM % 10))"
		sleep "$((RANDOM % 2))"
		kill -KILL "$pid" 2>/dev/null && echo k >>"$T/kills"
		wait "$pid" 2>/dev/null
	done
) &
killer=$!

# The sender: 4 keep-alive connections, each webhook a distinct body (its own date_time and a
# sequence number), every answer counted.
python3 - "$PORT" "$path" "$N" "$T/people.txt" "$T/sent.json" "$SECS" <<'PY'
import http.client, json, sys, threading, urllib.parse, datetime, time
port, path, n, people_file, out = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
secs = float(sys.argv[6])
start = time.monotonic()
people = [l.split() for l in open(people_file) if l.strip()]
tz = datetime.timezone(datetime.timedelta(hours=-6))
base = datetime.datetime.now(tz).replace(microsecond=0)
status = {}
lock = threading.Lock()
def body(i):
    email, cid, kind = people[i % len(people)]
    at = (base + datetime.timedelta(seconds=i // len(people))).isoformat()
    return urllib.parse.urlencode({"type": kind, "date_time": at, "initiated_by": "public", "list": "1",
        "contact[id]": cid, "contact[email]": email, "contact[fields][seq]": str(i)})
def worker(k):
    conn = None
    for i in range(k, n, 4):
        wait = start + secs * i / n - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        for attempt in range(2):
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                conn.request("POST", path, body(i), {"Content-Type": "application/x-www-form-urlencoded"})
                r = conn.getresponse(); r.read()
                code = r.status
                break
            except Exception as e:
                conn = None
                code = "conn:" + type(e).__name__
        with lock:
            status[str(code)] = status.get(str(code), 0) + 1
ts = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
t0 = datetime.datetime.now()
[t.start() for t in ts]; [t.join() for t in ts]
json.dump({"status": status, "seconds": (datetime.datetime.now() - t0).total_seconds()}, open(out, "w"))
PY
touch "$T/stop"
wait "$killer"
kills=$(wc -l <"$T/kills")
sent=$(cat "$T/sent.json")
echo "# sender: $sent; daemon SIGKILLs during the burst: $kills"
expect_eq "every one of the $N webhooks was answered 200" "$(echo "$sent" | json "d['status'].get('200', 0)")" "$N"
expect_eq "no webhook answered otherwise" "$(echo "$sent" | json "sum(v for k, v in d['status'].items() if k != '200')")" 0
[ "$kills" -ge 3 ] && ok "the daemon was killed $kills times while the webhooks came in" || fail "daemon kills" "only $kills"
# Events that met a sync holding the database were spooled to files (webhook-spool/ beside the
# database) and are moved into the table by the dashboard's drainer: give it time to finish.
spooled=$(ls "$T/webhook-spool" 2>/dev/null | wc -l)
for i in $(seq 1 120); do
	[ "$(db 'SELECT count(*) FROM events')" = "$N" ] && break
	sleep 0.5
done
echo "# spool files right after the burst: $spooled; events stored after $((i / 2)) s of draining"
expect_eq "every webhook is a row in the events table" "$(db 'SELECT count(*) FROM events')" "$N"
expect_eq "each stored once (distinct bodies)" "$(db 'SELECT count(DISTINCT payload) FROM events')" "$N"

# Apply what is left, then check everything was applied, and applied once.
rc=1
for i in 1 2 3 4 5 6; do
	"$BIN/optsync" sync >>"$T/sync.out" 2>&1
	rc=$?
	[ $rc -eq 0 ] && break
	sleep 1
done
expect_eq "the sync after the burst exits 0" "$rc" 0
expect_eq "every stored webhook is processed" "$(db 'SELECT count(*) FROM events WHERE processed_at IS NULL')" 0
expect_eq "integrity_check ok" "$(sqlite3 -readonly "$OPTSYNC_DB" 'PRAGMA integrity_check' 2>&1 | head -1)" ok
bad=""
for i in $(seq 1 "$P"); do
	want=False
	[ $((i % 2)) -eq 1 ] && want=True
	[ "$(sf_box "w$i@example.com")" = "$want" ] || bad="$bad w$i"
done
expect_eq "odd people opted out in Salesforce, even people untouched" "$bad" ""
changes=$(sqlite3 -readonly "$T/sandbox.db" "SELECT lower(r.email)||':'||count(h.rid) FROM sf_records r LEFT JOIN sf_history h ON h.parent_id = r.id GROUP BY r.rid ORDER BY r.rid" | tr '\n' ' ')
want=""
for i in $(seq 1 "$P"); do want="${want}w$i@example.com:$((i % 2)) "; done
expect_eq "each box changed once at most (applied once)" "$changes" "$want"
expect_eq "one opt_out applied per odd person in the log" "$(db "SELECT count(*) FROM log WHERE action='opt_out' AND status='applied'")" "$(((P + 1) / 2))"
