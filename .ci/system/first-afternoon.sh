#!/usr/bin/env bash
# Browser test of an organisation's first afternoon (issue 21 item 7): `mynagate serve` on an empty data
# directory, trusting a TEST JPKI hierarchy made here (`mynagate pki init`) that also issues the first
# imported person's virtual card; then headless Chromium (.ci/system/first_afternoon_test.py) sets the
# server up with the code it printed, imports the people, lays out the building, and the card is
# enrolled at the desk (`mynagate card enroll`) and let in at the entrance (`mynagate door run`).
# Screenshots are kept in
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
pki="$(mktemp -d)"
# The first person of the HR export the test imports: the same name and birth date, as J-LIS would issue.
"$bin" pki init "$pki/ca" >/dev/null
printf '1234\nFIRST2026\n' | "$bin" pki issue "$pki/ca" --out "$pki/A00001.vcard" --name "社員 0001" --birth 19900101 --pin-stdin >/dev/null
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
  rm -rf "$data" "$log" "$pki"
}
trap cleanup EXIT

MYNAGATE_TRUST_ANCHORS="$pki/ca" "$bin" serve --data "$data" --port "$port" >"$log" 2>&1 &
server_pid=$!
for _ in $(seq 1 240); do
  if curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1; then break; fi
  kill -0 "$server_pid" 2>/dev/null || { echo "serve exited early:"; cat "$log"; exit 1; }
  sleep 0.5
done
code="$(awk '/not set up yet/ { for (i = 1; i <= NF; i++) if ($i == "code") { print $(i + 1); exit } }' "$log")"
[ -n "$code" ] || { echo "serve printed no setup code:"; tail -n 20 "$log"; exit 1; }
echo "serve on port $port (empty data directory); screenshots in $shots"
timeout 420 "$py" "$here/first_afternoon_test.py" "http://127.0.0.1:$port" "$code" "$shots" "$bin" "$pki/A00001.vcard"
