#!/usr/bin/env bash
# System test: how MynaGate shares a card reader with other programs and copes with a reader that does
# not carry extended-length APDUs, through a real pcscd with vsmartcard's vpcd (docs/TESTING.md, "Reader
# sharing and extended-length fallback"; docs/CARD.md, "Readers").
#
#  1. A card served with `vcard serve --refuse-extended` (the reader answers 67 00 to every extended
#     APDU) and `--drop-extended` (the reader garbles one: a 1-byte answer with no status word): `mynagate card cert` still reads the
#     whole auth certificate, byte for byte, with the APDU count of one refused try plus 256-byte reads.
#  2. Two PC/SC clients on one reader: opensc-tool selects the text application over and over while
#     `mynagate card cert` reads the JPKI certificate; every read is right (PC/SC transactions).
#  3. After `mynagate card sign` presented the auth PIN, another client cannot sign with the key: the
#     connection was closed with a reset (the emulator keeps a verified PIN across applications, as
#     soltia48/myna-card's README describes the card).
#
# Usage: .ci/system/pcsc-sharing.sh PATH/TO/mynagate. Uses vpcd's second reader ("Virtual PCD 00 01",
# port 35964) so that it never meets .ci/system/pcsc.sh on the first. Prints PASS/FAIL per check.
set -euo pipefail

bin=${1:-${MYNAGATE:-}}
if [ -z "$bin" ] || [ ! -x "$bin" ]; then
  echo "usage: $0 PATH/TO/mynagate (or set MYNAGATE)" >&2
  exit 2
fi
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=common.bash
. "$here/common.bash"

port=35964
reader="Virtual PCD 00 01"
export MG_AUTH_PIN=4321 MG_SIGN_PASSWORD=TESTPW42
work="$(mktemp -d /tmp/mynagate-sharing.XXXXXX)"
card="$work/test.vcard"
serve_pid=""
loop_pid=""

cleanup() {
  stop_pid "$loop_pid" TERM
  stop_pid "$serve_pid" TERM
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_for SECONDS COMMAND...: polls until the command succeeds.
wait_for() {
  local seconds=$1
  shift
  local deadline=$((SECONDS + seconds))
  until "$@"; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.2
  done
}

check() { # NAME FUNCTION [ARGS]
  local name=$1
  shift
  if "$@" >"$work/check.log" 2>&1; then pass "$name"; else
    fail "$name"
    sed -e 's/^/    | /' "$work/check.log" | tail -n 30
  fi
}

card_present() { timeout 10 "$bin" card readers 2>/dev/null | grep -qF "$reader: card present"; }
reader_empty() { timeout 10 "$bin" card readers 2>/dev/null | grep -qxF "$reader: no card"; }

serve() { # extra flags for vcard serve
  stop_pid "$serve_pid" TERM
  wait_for 20 reader_empty || { echo "\"$reader\" did not empty"; return 1; }
  "$bin" vcard serve "$card" --port "$port" "$@" >"$work/serve.log" 2>&1 &
  serve_pid=$!
  wait_for 20 card_present || { echo "no card in \"$reader\":"; cat "$work/serve.log"; return 1; }
}

# read_certificate: one `card cert` in a new process (so nothing is remembered from an earlier one);
# compares the bytes and prints the APDU count.
read_certificate() {
  local out
  timeout 60 "$bin" card cert --reader "$reader" --out "$work/got.der" 2>"$work/err.log" \
    || { cat "$work/err.log"; return 1; }
  cmp "$work/got.der" "$work/expected.der" || return 1
  out="$(timeout 60 "$bin" card cert --reader "$reader" --json)" || return 1
  sed -E 's/.*"apdus":([0-9]+).*/\1/' <<<"$out"
}

short_reads() { echo $(( ($(stat -c %s "$work/expected.der") - 8 + 255) / 256 )); }

reads_with() { # EXPECTED-APDUS
  local n
  n="$(read_certificate)" || return 1
  echo "APDUs: $n, expected $1"
  [ "$n" = "$1" ]
}

opensc_index() { timeout 15 opensc-tool -l | awk -v r="$reader" 'index($0, r) { print $1; exit }'; }

interleaved_reads() {
  local idx i count
  idx="$(opensc_index)"
  [ -n "$idx" ] || { echo "OpenSC does not list \"$reader\""; return 1; }
  # Another program: selects the text application as fast as it can (each run also binds its driver,
  # which sends SELECTs of its own). pcscd makes it wait while one of our transactions is open.
  (
    while true; do
      opensc-tool -r "$idx" -s "00 A4 04 0C 0A D3 92 10 00 31 00 01 01 04 08" >>"$work/other.log" 2>&1 || true
    done
  ) &
  loop_pid=$!
  for i in $(seq 1 15); do
    timeout 60 "$bin" card cert --reader "$reader" --out "$work/got.der" 2>"$work/err.log" \
      || { echo "read $i failed:"; cat "$work/err.log"; return 1; }
    cmp "$work/got.der" "$work/expected.der" || { echo "read $i differs"; return 1; }
  done
  stop_pid "$loop_pid" TERM
  loop_pid=""
  count="$(grep -c 'SW1=0x90, SW2=0x00' "$work/other.log" || true)"
  echo "15 reads right; the other client's SELECT succeeded $count times meanwhile"
  [ "$count" -ge 5 ]
}

no_sign_after_pin() {
  local idx out
  printf 'door tap\n' >"$work/data.bin"
  printf '%s\n' "$MG_AUTH_PIN" | timeout 60 "$bin" card sign --reader "$reader" --key auth --in "$work/data.bin" \
    --pin-stdin --out "$work/sig.bin" || return 1
  [ "$(stat -c %s "$work/sig.bin")" = 256 ] || return 1
  idx="$(opensc_index)"
  # SELECT JPKI, SELECT the auth key EF 0017, COMPUTE DIGITAL SIGNATURE over a SHA-256 DigestInfo.
  out="$(timeout 30 opensc-tool -r "$idx" \
    -s "00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01" -s "00 A4 02 0C 02 00 17" \
    -s "80 2A 00 80 33 30 31 30 0D 06 09 60 86 48 01 65 03 04 02 01 05 00 04 20 $(printf '01 %.0s' $(seq 1 32))00" 2>&1)" || true
  echo "$out"
  grep -qF "SW1=0x69, SW2=0x82" <<<"$out"
}

# ---------------------------------------------------------------- run

if ! bash "$here/start-pcscd.sh"; then fail "pcscd with the vpcd reader"; summary; exit 1; fi
if ! printf '%s\n%s\n' "$MG_AUTH_PIN" "$MG_SIGN_PASSWORD" | timeout 120 "$bin" vcard new "$card" --pin-stdin >/dev/null 2>&1 \
  || ! timeout 60 "$bin" card cert --vcard "$card" --out "$work/expected.der" 2>/dev/null; then
  fail "a test card and its auth certificate"; summary; exit 1
fi
if ! wait_for 20 bash -c "timeout 10 '$bin' card readers | grep -qF '$reader:'"; then
  fail "pcscd lists \"$reader\""; summary; exit 1
fi
n=$(short_reads)

check "a reader carrying extended APDUs: card cert reads the certificate in 4 APDUs" serve
check "  … one extended READ after the header" reads_with 4
check "vcard serve --refuse-extended (67 00) puts the card in \"$reader\"" serve --refuse-extended
check "  … card cert falls back to 256-byte reads: $((4 + n)) APDUs, bytes equal" reads_with $((4 + n))
check "vcard serve --drop-extended (garbled answer) puts the card in \"$reader\"" serve --drop-extended
# The garbled answer counts as an APDU here (bytes came back), unlike the in-process transport's failure.
check "  … card cert falls back after the garbled answer and selects the file again: $((6 + n)) APDUs, bytes equal" reads_with $((6 + n))
check "a plain card again" serve
check "opensc-tool selecting the text application meanwhile does not disturb 15 certificate reads" interleaved_reads
check "after card sign presented the PIN, another client's SIGN is refused (6982): the card was reset" no_sign_after_pin

summary
[ "$failed" = 0 ]
