# Shared by the door fault scripts (door-faults.sh, server-kill.sh); sourced, never run (.ci/run runs
# only *.sh). The caller sets `bin` (the mynagate binary), `work` (its temporary directory), `data`
# (the server's data directory), `port` and `base` (the server's address), and `server_pid`.

passed=0
failed=0
pass() { echo "PASS $*"; passed=$((passed + 1)); }
fail() { echo "FAIL $*"; failed=$((failed + 1)); }
summary() { echo "$passed passed, $failed failed"; }

# Stops a process with a signal, waits up to 10 s, then kills it.
stop_pid() { # pid signal
  local pid=$1
  [ -n "$pid" ] || return 0
  kill "-$2" "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()' 2>/dev/null \
  || echo $((20000 + RANDOM % 20000)); }

# Waits (up to 3 minutes) until the server at $base reports healthy; fails at once if it exited.
wait_health() {
  for _ in $(seq 1 900); do
    curl -fsS --max-time 2 "$base/health" >/dev/null 2>&1 && return 0
    kill -0 "$server_pid" 2>/dev/null || return 1
    sleep 0.2
  done
  return 1
}

# The demo makes an organisation, enrolled virtual cards and an administrator; then it is stopped and
# the plain server runs on the same data directory (start_server), so no simulated taps mix with the
# agents'. Sets `password` to the administrator's; exits the script when the demo does not come up.
make_demo_organisation() {
  "$bin" demo --data "$data" --port "$port" --people 5 --tap-interval 0 >"$work/demo.log" 2>&1 &
  server_pid=$!
  if ! wait_health; then
    tail -n 30 "$work/demo.log" || true
    fail "demo organisation created"; summary; exit 1
  fi
  password=""
  for _ in $(seq 1 100); do
    password="$(awk '$1 == "admin" && $3 == "/" { print $4; exit }' "$work/demo.log")"
    [ -n "$password" ] && break
    sleep 0.2
  done
  stop_pid "$server_pid" TERM; server_pid=""
}

start_server() {
  "$bin" serve --data "$data" --port "$port" >>"$work/serve.log" 2>&1 &
  server_pid=$!
  wait_health
}
