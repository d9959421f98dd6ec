#!/usr/bin/env bash
# Browser test of an organisation's first afternoon (issue 21 item 7): `mynagate serve` on an empty data
# directory, then headless Chromium (.ci/system/first_afternoon_test.py) sets it up with the code the
# server printed and signs in as the first administrator. Screenshots are kept in
# ${MYNAGATE_ARTEFACTS:-.ci-artefacts}/first-afternoon (CI's artefacts; the directory is git-ignored).
# Usage: first-afternoon.sh PATH-TO-mynagate. Ends with "N passed, M failed".
set -euo pipefail
bin="${1:?usage: first-afternoon.sh PATH-TO-mynagate}"
here="$(cd "$(dirname "$0")" && pwd)"
py=/usr/bin/python3
[ -x "$py" ] || py="$(command -v python3)"
if ! command -v chromedriver >/dev/null || ! "$py" -c 'import selenium' 2>/dev/null; then
  echo "chromium, chromedriver and python3-selenium are needed (browser.sh installs them)"; exit 2
fi
data="$(mktemp -d)"
shots="${MYNAGATE_ARTEFACTS:-$PWD/.ci-artefacts}/first-afternoon"
rm -rf "$shots" && mkdir -p "$shots"
port="$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
log="$data.log"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$data" "$log"
}
trap cleanup EXIT

"$bin" serve --data "$data" --port "$port" >"$log" 2>&1 &
server_pid=$!
for _ in $(seq 1 240); do
  if curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1; then break; fi
  kill -0 "$server_pid" 2>/dev/null || { echo "serve exited early:"; cat "$log"; exit 1; }
  sleep 0.5
done
code="$(awk '/not set up yet/ { for (i = 1; i <= NF; i++) if ($i == "code") { print $(i + 1); exit } }' "$log")"
[ -n "$code" ] || { echo "serve printed no setup code:"; tail -n 20 "$log"; exit 1; }
echo "serve on port $port (empty data directory); screenshots in $shots"
timeout 300 "$py" "$here/first_afternoon_test.py" "http://127.0.0.1:$port" "$code" "$shots"
