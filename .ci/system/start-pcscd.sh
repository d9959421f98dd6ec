#!/usr/bin/env bash
# Starts pcscd (with vsmartcard's vpcd reader) as a daemon for the PC/SC tests in `swift test`, unless one
# is already running. Called by .ci/run before `swift test`; the daemon lives until the machine goes away.
# A container has no systemd and no socket activation, so pcscd is started by hand. pcscd reads the vpcd
# reader from /etc/reader.conf.d/vpcd at start, so it must start after vsmartcard-vpcd is installed.
set -euo pipefail

if [ ! -f /etc/reader.conf.d/vpcd ]; then
  echo "start-pcscd: vsmartcard-vpcd is not installed (/etc/reader.conf.d/vpcd missing)" >&2
  exit 1
fi
# pcscd writes its pid file when it runs as a daemon; a live pid there plus its socket means it is up.
if [ -S /run/pcscd/pcscd.comm ] && [ -r /run/pcscd/pcscd.pid ] && kill -0 "$(cat /run/pcscd/pcscd.pid)" 2>/dev/null; then
  echo "start-pcscd: pcscd already running (pid $(cat /run/pcscd/pcscd.pid))"
  exit 0
fi
# Without -f pcscd daemonizes itself and returns; its socket appears when it is ready.
pcscd
for _ in $(seq 1 50); do
  if [ -S /run/pcscd/pcscd.comm ]; then
    echo "start-pcscd: pcscd ready"
    exit 0
  fi
  sleep 0.2
done
echo "start-pcscd: pcscd did not create /run/pcscd/pcscd.comm within 10 s" >&2
exit 1
