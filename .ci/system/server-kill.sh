#!/usr/bin/env bash
# Fault test for the server (issue 15): two door agents (`mynagate door run`) upload a steady stream of
# taps while the SERVER is killed with `kill -9` several times mid-upload and restarted on the same data
# directory. The agents run throughout (they decide offline while the server is gone).
#
# What must hold at the end:
# - every event the agents committed ends on the server exactly once: the ids in both outboxes are saved
#   just before each kill (those events are committed on the agents' disks; whatever the server did with
#   them, it acknowledged none it did not keep), and each must be on the server; and as no agent is
#   killed, every tap fed was decided, so each door holds exactly the taps fed to it, with distinct ids
#   and one door.decision record each;
# - the event log's hash chain verifies (`mynagate audit verify`) after all the kills;
# - both agents emptied their outboxes and exited by themselves at the end of their input.
#
# Usage: .ci/system/server-kill.sh PATH/TO/mynagate. SERVER_KILL_TAPS (per door, default 1500) and
# SERVER_KILL_KILLS (default 4) change the size. Every wait is bounded; everything started is stopped on
# exit. Ends with "N passed, M failed"; exit status 0 only when nothing failed.
set -euo pipefail

bin=${1:-${MYNAGATE:-}}
if [ -z "$bin" ] || [ ! -x "$bin" ]; then
  echo "usage: $0 PATH/TO/mynagate (or set MYNAGATE)" >&2
  exit 2
fi
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
command -v sqlite3 >/dev/null || { echo "sqlite3 is needed"; exit 2; }

per_door=${SERVER_KILL_TAPS:-1500}
kills=${SERVER_KILL_KILLS:-4}
doors=(entrance office-2f)
# shellcheck source=common.bash
. "$(dirname "$0")/common.bash"

work="$(mktemp -d /tmp/mynagate-server-kill.XXXXXX)"
data="$work/server"
server_pid=""
agent_pids=()

cleanup() {
  for p in "${agent_pids[@]}"; do stop_pid "$p" KILL; done
  stop_pid "$server_pid" TERM
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port="$(free_port)"
base="http://127.0.0.1:$port"

# The demo organisation (common.bash), then the plain server on its data.
make_demo_organisation

if start_server; then pass "server started on the demo's data"; else tail -n 30 "$work/serve.log"; fail "server started"; summary; exit 1; fi

db="$data/mynagate.sqlite"
# The demo seeds attendance history as door.decision records of its own; only the agents' count here.
seq0="$(sqlite3 -cmd ".timeout 5000" "$db" "SELECT COALESCE(MAX(sequence), 0) FROM audit_records;")"

for d in "${doors[@]}"; do
  if echo "$password" | "$bin" door register --server "$base" --door "$d" --username admin --password-stdin --out "$work/$d.json" >/dev/null; then
    pass "door $d registered"
  else
    fail "door $d registered"; summary; exit 1
  fi
done

# A steady stream (about 100 taps a second per door) so that uploads are under way at every kill; the
# five enrolled cards and one that is not enrolled.
cards=(E0001.vcard E0002.vcard E0003.vcard E0004.vcard E0005.vcard SPARE-1.vcard)
for i in $(seq 0 $((per_door - 1))); do echo "${cards[$((i % 6))]}"; done >"$work/taps"
for d in "${doors[@]}"; do
  python3 -c '
import sys, time
for line in open(sys.argv[1]):
    sys.stdout.write(line); sys.stdout.flush(); time.sleep(0.01)
' "$work/taps" | "$bin" door run "$work/$d.json" --data "$work/agent-$d" --vcard-dir "$data/cards" --poll-seconds 1 \
    >/dev/null 2>>"$work/agent-$d.log" &
  agent_pids+=($!)
done

# Ids of the events the agents committed (their outboxes), saved just before each kill.
saved="$work/saved.sqlite"
sqlite3 "$saved" "CREATE TABLE ids (id TEXT PRIMARY KEY);"
save_outboxes() {
  for d in "${doors[@]}"; do
    local outbox="$work/agent-$d/door.sqlite"
    [ -f "$outbox" ] || continue
    sqlite3 -cmd ".timeout 5000" "$saved" "ATTACH '$outbox' AS agent; INSERT OR IGNORE INTO ids SELECT upper(id) FROM agent.outbox;"
  done
}
server_count() { sqlite3 -cmd ".timeout 5000" "$db" "SELECT COUNT(*) FROM door_events;"; }

for k in $(seq 1 "$kills"); do
  sleep "$(python3 -c 'import random; print(round(random.uniform(1.5, 3), 2))')"
  before="$(server_count)"
  save_outboxes
  stop_pid "$server_pid" KILL; server_pid=""
  echo "server killed with -9 ($k of $kills): $before events on the server, $(sqlite3 "$saved" "SELECT COUNT(*) FROM ids;") outbox ids saved so far"
  sleep 1
  if start_server; then :; else tail -n 30 "$work/serve.log"; fail "server restarted after kill $k"; summary; exit 1; fi
done
pass "server killed with -9 and restarted $kills times"

# The agents read to the end of their input, empty their outboxes and exit by themselves.
for i in "${!doors[@]}"; do
  d="${doors[$i]}"; pid="${agent_pids[$i]}"
  finished=""
  for _ in $(seq 1 1500); do
    if ! kill -0 "$pid" 2>/dev/null; then finished=yes; break; fi
    sleep 0.2
  done
  if [ -n "$finished" ] && wait "$pid"; then pass "agent $d finished its input and exited"; else fail "agent $d finished its input"; tail -n 20 "$work/agent-$d.log"; stop_pid "$pid" KILL; fi
  agent_pids[$i]=""
done

total=$((per_door * ${#doors[@]}))
for d in "${doors[@]}"; do
  n="$(sqlite3 -cmd ".timeout 5000" "$db" "SELECT COUNT(*) FROM door_events WHERE door = '$d';")"
  distinct="$(sqlite3 -cmd ".timeout 5000" "$db" "SELECT COUNT(DISTINCT upper(id)) FROM door_events WHERE door = '$d';")"
  [ "$n" -eq "$per_door" ] && [ "$distinct" -eq "$per_door" ] && pass "door $d: the server holds all $per_door taps once each" \
    || fail "door $d: the server holds $n events ($distinct distinct ids), not $per_door"
  pending="$(sqlite3 "$work/agent-$d/door.sqlite" "SELECT COUNT(*) FROM outbox;")"
  [ "$pending" -eq 0 ] && pass "door $d: outbox empty" || fail "door $d: outbox holds $pending events"
done
logged="$(sqlite3 -cmd ".timeout 5000" "$db" "SELECT COUNT(*) FROM audit_records WHERE kind = 'door.decision' AND sequence > $seq0;")"
logged_ids="$(sqlite3 -cmd ".timeout 5000" "$db" "SELECT COUNT(DISTINCT json_extract(details, '\$.eventId')) FROM audit_records WHERE kind = 'door.decision' AND sequence > $seq0;")"
[ "$logged" -eq "$total" ] && [ "$logged_ids" -eq "$total" ] && pass "event log has $logged door.decision records, distinct event ids" \
  || fail "event log has $logged door.decision records ($logged_ids distinct event ids), not $total"
saved_count="$(sqlite3 "$saved" "SELECT COUNT(*) FROM ids;")"
missing="$(sqlite3 -cmd ".timeout 5000" "$saved" "ATTACH '$db' AS server; SELECT COUNT(*) FROM ids WHERE id NOT IN (SELECT upper(id) FROM server.door_events);")"
[ "$saved_count" -gt 0 ] && [ "$missing" -eq 0 ] && pass "every one of the $saved_count outbox ids saved before the kills is on the server" \
  || fail "$missing of the $saved_count outbox ids saved before the kills are not on the server"

if out="$("$bin" audit verify --data "$data" 2>&1)" && echo "$out" | grep -q '^intact'; then
  pass "audit verify after the kills: $out"
else
  fail "audit verify after the kills: $out"
fi

summary
[ "$failed" -eq 0 ]
