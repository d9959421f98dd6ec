#!/usr/bin/env bash
# System test: the README's first command. `mynagate demo` starts the server on SQLite with a small demo
# organisation and simulated door traffic; this script waits for /health, signs in with a login the demo
# printed, waits until the event log holds simulated door decisions, checks the hash chain with
# `mynagate audit verify` while the demo runs and again after it stopped.
#
# The demo seeds weeks of attendance history as door.decision records with `door:` actors, before it
# prints its logins and starts the simulated doors: only decisions after the sequence number read once
# the logins are printed count as simulated taps (as door-faults.sh and door-reader.sh do with seq0).
#
# Usage: .ci/system/demo.sh PATH/TO/mynagate. Every wait is bounded; the demo is stopped on exit.
# Ends with "N passed, M failed"; exit status 0 only when nothing failed.
set -euo pipefail

bin=${1:-${MYNAGATE:-}}
if [ -z "$bin" ] || [ ! -x "$bin" ]; then
  echo "usage: $0 PATH/TO/mynagate (or set MYNAGATE)" >&2
  exit 2
fi
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
command -v sqlite3 >/dev/null || { echo "sqlite3 is needed"; exit 2; }

passed=0
failed=0
pass() { echo "PASS $*"; passed=$((passed + 1)); }
fail() { echo "FAIL $*"; failed=$((failed + 1)); }
summary() { echo "$passed passed, $failed failed"; }

work="$(mktemp -d /tmp/mynagate-demo.XXXXXX)"
data="$work/data"
demo_pid=""

stop_demo() {
  [ -n "$demo_pid" ] || return 0
  kill -TERM "$demo_pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$demo_pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$demo_pid" 2>/dev/null || true
  wait "$demo_pid" 2>/dev/null || true
  demo_pid=""
}
cleanup() {
  stop_demo
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()' 2>/dev/null \
  || echo $((20000 + RANDOM % 20000)); }
port="$(free_port)"
base="http://127.0.0.1:$port"

"$bin" demo --data "$data" --port "$port" --people 10 --tap-interval 0.2 >"$work/demo.log" 2>&1 &
demo_pid=$!

# Making ten virtual cards (RSA keys) and enrolling them takes a while in a debug build.
health=""
for _ in $(seq 1 900); do
  health="$(curl -fsS --max-time 2 "$base/health" 2>/dev/null || true)"
  [ -n "$health" ] && break
  kill -0 "$demo_pid" 2>/dev/null || break
  sleep 0.2
done
if echo "$health" | grep -q '"status":"ok"' && echo "$health" | grep -q '"database":"sqlite"'; then
  pass "demo answers /health on SQLite"
else
  tail -n 30 "$work/demo.log" || true
  fail "demo answers /health ($health)"
  summary
  exit 1
fi

# The logins are printed after the server starts; give the printing a moment.
login=""
for _ in $(seq 1 50); do
  login="$(awk '$1 == "security" && $3 == "/" { print $2 " " $4; exit }' "$work/demo.log")"
  [ -n "$login" ] && break
  sleep 0.2
done
user="${login%% *}"
password="${login#* }"
if [ -n "$login" ] && grep -q "MynaGate demo: http://127.0.0.1:$port/" "$work/demo.log"; then
  pass "demo printed its URL and logins"
else
  fail "demo printed its URL and logins"
fi
# The seeding is over (the logins are printed after it): what is in the log now is not a simulated tap.
db="$data/mynagate.sqlite"
seq0="$(sqlite3 -cmd ".timeout 5000" "$db" "SELECT COALESCE(MAX(sequence), 0) FROM audit_records;" 2>/dev/null || true)"
seeded="$(sqlite3 -cmd ".timeout 5000" "$db" "SELECT COUNT(*) FROM audit_records WHERE kind = 'door.decision' AND actor LIKE 'door:%';" 2>/dev/null || true)"
if [ -n "$seq0" ] && [ "$seq0" -gt 0 ]; then
  pass "event log read before the simulated doors: sequence $seq0, $seeded seeded door decisions"
else
  fail "event log sequence before the simulated doors ($seq0)"
  seq0=0
fi

# Sign in: the password goes to curl on stdin, not in argv.
jar="$work/cookies"
status="$(printf '{"username":"%s","password":"%s"}' "$user" "$password" |
  curl -sS --max-time 10 -o "$work/session.json" -w '%{http_code}' -c "$jar" -H 'Content-Type: application/json' --data-binary @- "$base/api/v1/session" || true)"
if [ "$status" = 200 ]; then
  pass "signed in as $user with the printed password"
else
  fail "sign-in as $user (HTTP $status)"
fi

# Simulated doors tap every 0.2 s: wait for decisions after seq0, in the database and through the API.
count=0
for _ in $(seq 1 150); do
  count="$(sqlite3 -cmd ".timeout 5000" "$db" "SELECT COUNT(*) FROM audit_records WHERE kind = 'door.decision' AND actor LIKE 'door:%' AND sequence > $seq0;" 2>/dev/null || echo 0)"
  [ "$count" -ge 5 ] && break
  sleep 0.2
done
api="$(curl -fsS --max-time 5 -b "$jar" "$base/api/v1/events?kind=door.decision&limit=50" 2>/dev/null |
  python3 -c 'import json,sys; print(len([e for e in json.load(sys.stdin) if e.get("actor","").startswith("door:") and e.get("sequence", 0) > int(sys.argv[1])]))' "$seq0" 2>/dev/null || echo 0)"
if [ "$count" -ge 5 ] && [ "$api" -ge 1 ]; then
  pass "the event log holds simulated door decisions made after the seeding ($count after sequence $seq0; $api of the newest 50 through the API)"
else
  tail -n 20 "$work/demo.log" || true
  fail "simulated door decisions after the seeding ($count after sequence $seq0 in the database, $api through the API)"
fi

# Issue 20 item 7: the demo loads the Cabinet Office's whole table of public holidays, not one year's.
holidays="$(curl -fsS --max-time 5 -b "$jar" "$base/api/v1/holidays" 2>/dev/null |
  python3 -c 'import json,sys; h={d["date"]: d["name"] for d in json.load(sys.stdin)}; print(len(h), h.get("1955-01-01",""), h.get("2025-11-24",""), h.get("2027-11-23",""))' 2>/dev/null || echo "0")"
if [ "$holidays" = "1067 元日 休日 勤労感謝の日" ]; then
  pass "the demo's holidays are the Cabinet Office's whole table: $holidays"
else
  fail "the demo's holidays (count, 1955-01-01, 2025-11-24, 2027-11-23): $holidays"
fi

# Issue 21 item 6: the demo runs with a revocation index. One card is revoked in the demo's CRL after its
# enrollment; the sweep suspends it (the security officer's path: credential.suspended, certificateRevoked)
# and the doors refuse it with that reason.
revoked="$(awk '$1 == "revoked" && $2 == "card:" { print $3; exit }' "$work/demo.log" | sed "s/'s,//")"
suspended=""
for _ in $(seq 1 100); do
  suspended="$(sqlite3 -cmd ".timeout 5000" "$db" "SELECT json_extract(details, '$.serial') FROM audit_records WHERE kind = 'credential.suspended' AND actor = 'system:revocation-sweep' AND json_extract(details, '$.reason') = 'certificateRevoked' LIMIT 1;" 2>/dev/null || true)"
  [ -n "$suspended" ] && break
  sleep 0.2
done
owner="$(sqlite3 -cmd ".timeout 5000" "$db" "SELECT e.employee_number FROM credentials c JOIN employees e ON e.id = c.employee_id WHERE c.serial = '$suspended' AND c.state = 'suspended';" 2>/dev/null || true)"
if [ -n "$suspended" ] && [ -n "$revoked" ] && [ "$owner" = "$revoked" ]; then
  pass "the CRL sweep suspended the demo's revoked card ($revoked's), recorded as credential.suspended (certificateRevoked)"
else
  grep -i "revoked\|crl" "$work/demo.log" | tail -n 5 || true
  fail "the demo's revoked card suspended by the sweep (printed: '$revoked', suspended serial: '$suspended', its holder: '$owner')"
fi
refused=0
for _ in $(seq 1 300); do
  refused="$(sqlite3 -cmd ".timeout 5000" "$db" "SELECT COUNT(*) FROM audit_records WHERE kind = 'door.decision' AND actor LIKE 'door:%' AND json_extract(details, '$.serial') = '$suspended' AND json_extract(details, '$.outcome') = 'deny' AND json_extract(details, '$.reason') = 'credential_suspended';" 2>/dev/null || echo 0)"
  [ "$refused" -ge 1 ] && break
  sleep 0.2
done
if [ -n "$suspended" ] && [ "$refused" -ge 1 ]; then
  pass "a simulated door refused the revoked card with reason credential_suspended ($refused times)"
else
  fail "a simulated door refusing the revoked card ($refused refusals)"
fi

if out="$("$bin" audit verify --data "$data" 2>&1)" && echo "$out" | grep -q '^intact'; then
  pass "audit verify while the demo runs: $out"
else
  fail "audit verify while the demo runs: $out"
fi

stop_demo
if out="$("$bin" audit verify --data "$data" 2>&1)" && echo "$out" | grep -q '^intact'; then
  pass "audit verify after the demo stopped: $out"
else
  fail "audit verify after the demo stopped: $out"
fi

summary
[ "$failed" = 0 ]
