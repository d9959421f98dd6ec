#!/usr/bin/env bash
# Browser tests: `mynagate demo` in the background, then headless Chromium driven by Python selenium
# (.ci/system/browser_test.py) signs in, enrolls, suspends, reads the event log, in Japanese and English.
# Usage: browser.sh PATH-TO-mynagate
set -euo pipefail
bin="${1:?usage: browser.sh PATH-TO-mynagate}"
here="$(cd "$(dirname "$0")" && pwd)"
# Debian's python3-selenium belongs to Debian's Python; another python3 may come first on PATH.
py=/usr/bin/python3
[ -x "$py" ] || py="$(command -v python3)"

# A Japanese font, so the screenshots show the text rather than empty boxes.
if ! command -v chromedriver >/dev/null || ! "$py" -c 'import selenium' 2>/dev/null || ! fc-list :lang=ja 2>/dev/null | grep -q .; then
  export DEBIAN_FRONTEND=noninteractive
  timeout 600 apt-get install -y -qq chromium chromium-driver python3-selenium fonts-ipafont-gothic >/tmp/mynagate-browser-apt.log 2>&1 || {
    timeout 600 apt-get update -qq >>/tmp/mynagate-browser-apt.log 2>&1
    timeout 600 apt-get install -y -qq chromium chromium-driver python3-selenium fonts-ipafont-gothic >>/tmp/mynagate-browser-apt.log 2>&1
  }
fi

data="$(mktemp -d)"
shots="$(mktemp -d)"
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

"$bin" demo --data "$data" --port "$port" --tap-interval 0.5 >"$log" 2>&1 &
server_pid=$!

# The demo makes 50+ virtual cards and enrolls them before it listens.
for _ in $(seq 1 600); do
  if curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1; then break; fi
  kill -0 "$server_pid" 2>/dev/null || { echo "demo exited early:"; cat "$log"; exit 1; }
  sleep 0.5
done
curl -fsS "http://127.0.0.1:$port/health" >/dev/null || { echo "demo did not answer /health"; tail -n 40 "$log"; exit 1; }

echo "demo on port $port; screenshots in $shots"
timeout 300 "$py" "$here/browser_test.py" "http://127.0.0.1:$port" "$data/demo-logins.json" "$shots"
