#!/usr/bin/env bash
# System test: a virtual My Number card served into a real pcscd through vsmartcard's vpcd reader is read
# by MynaGate's own PC/SC transport (`mynagate card readers`) and by OpenSC as an independent client
# (opensc-tool, pkcs15-tool, and pkcs11-tool through opensc-pkcs11.so); openssl verifies what the card
# signed with the certificate OpenSC exported from it.
#
# Usage: .ci/system/pcsc.sh PATH/TO/mynagate   (or MYNAGATE=PATH .ci/system/pcsc.sh). Run as root on
# Debian/Ubuntu: missing packages are installed with apt-get. Every wait has a time limit; the processes
# started here are stopped on exit. Prints one PASS/FAIL line per check and ends with "N passed, M failed";
# the exit status is 0 only when nothing failed.
set -euo pipefail

bin=${1:-${MYNAGATE:-}}
if [ -z "$bin" ] || [ ! -x "$bin" ]; then
  echo "usage: $0 PATH/TO/mynagate (or set MYNAGATE)" >&2
  exit 2
fi
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"

packages=(pcscd vsmartcard-vpcd opensc pcsc-tools libpcsclite1 openssl)
# vpcd's first reader listens on 35963 (CHANNELID 0x8C7B in /etc/reader.conf.d/vpcd).
port=35963
reader="Virtual PCD 00 00"
atr_spaced="3B E0 00 FF 81 31 FE 45 14"
atr_colons="3b:e0:00:ff:81:31:fe:45:14"
# Secrets of a throwaway test card made here and deleted at exit. They reach the tools through the
# environment (pkcs11-tool's `env:` form, `--pin-stdin`), so they never appear in argv or in this output.
export MG_AUTH_PIN=4321 MG_SIGN_PASSWORD=TESTPW42 MG_WRONG_PIN=0000

work="$(mktemp -d /tmp/mynagate-pcsc.XXXXXX)"
card="$work/test.vcard"
passed=0
failed=0
started=()   # pids of the background processes this script started, in start order

# alive PID: the process exists and is not a zombie (an unreaped child still answers kill -0).
alive() { [ -r "/proc/$1/status" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status"; }

# stop_pid PID: TERM, up to 5 s to exit, then KILL; always reaped, since every pid here is our child.
stop_pid() {
  local pid=$1
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do
    alive "$pid" || break
    sleep 0.1
  done
  alive "$pid" && kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local i
  for ((i = ${#started[@]} - 1; i >= 0; i--)); do stop_pid "${started[$i]}"; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

summary() { echo "$passed passed, $failed failed"; }

# check NAME FUNCTION [ARGS]: runs a check function (non-zero status = mismatch) and reports it. Check
# functions chain their steps with && or `|| return 1` because `set -e` does not apply inside `if`.
check() {
  local name=$1
  shift
  if "$@" >"$work/check.log" 2>&1; then
    echo "PASS $name"
    passed=$((passed + 1))
  else
    echo "FAIL $name"
    sed -e 's/^/    | /' "$work/check.log" | tail -n 30
    failed=$((failed + 1))
  fi
}

# A failed precondition makes the remaining checks meaningless: report it and stop.
require() {
  local before=$failed
  check "$@"
  if [ "$failed" != "$before" ]; then
    summary
    exit 1
  fi
}

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

opensc_module() {
  local path
  for path in /usr/lib/x86_64-linux-gnu/opensc-pkcs11.so /usr/lib/aarch64-linux-gnu/opensc-pkcs11.so \
    /usr/lib/opensc-pkcs11.so /usr/lib64/opensc-pkcs11.so /usr/lib/*/pkcs11/opensc-pkcs11.so; do
    [ -f "$path" ] && { echo "$path"; return 0; }
  done
  return 1
}

# ---------------------------------------------------------------- setup

install_packages() {
  local missing=()
  local p
  for p in "${packages[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  [ "${#missing[@]}" = 0 ] && { echo "all installed"; return 0; }
  echo "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  timeout 600 apt-get update -qq || return 1
  timeout 600 apt-get install -y -qq "${missing[@]}" >/dev/null || return 1
}

readers_ready() { timeout 10 "$bin" card readers 2>/dev/null | grep -qF "$reader:"; }

start_pcscd() {
  [ -f /etc/reader.conf.d/vpcd ] || { echo "/etc/reader.conf.d/vpcd missing"; return 1; }
  # pcscd answering is what counts (start-pcscd.sh may have started it for `swift test`); `pidof` is
  # not used because it also lists zombies and is not on every minimal image.
  if timeout 10 "$bin" card readers >/dev/null 2>&1; then
    echo "using the running pcscd"
  else
    # Foreground mode under our own control: no systemd in a container, and the trap can stop it.
    pcscd --foreground >"$work/pcscd.log" 2>&1 &
    started+=($!)
    echo "started pcscd (pid $!)"
  fi
  wait_for 20 readers_ready || { echo "no reader \"$reader\" within 20 s:"; timeout 10 "$bin" card readers; return 1; }
}

reader_is_empty() {
  local out
  out="$(timeout 10 "$bin" card readers)" || return 1
  echo "$out"
  grep -qxF "$reader: no card" <<<"$out"
}

make_card() {
  local out
  out="$(printf '%s\n%s\n' "$MG_AUTH_PIN" "$MG_SIGN_PASSWORD" | timeout 120 "$bin" vcard new "$card" --pin-stdin 2>&1)" \
    || { echo "$out"; return 1; }
  echo "$out"
  [ -s "$card" ] || { echo "no card file written"; return 1; }
  # The command's own output must not show the PINs it was given.
  if grep -qF -e "$MG_AUTH_PIN" -e "$MG_SIGN_PASSWORD" <<<"$out"; then echo "a PIN appears in the output"; return 1; fi
}

serve_connected() { grep -qF "card in vpcd at 127.0.0.1:$port" "$work/serve.log"; }

start_serve() {
  # Not under `timeout`: a KILL to `timeout` would leave the server running; the EXIT trap stops it.
  "$bin" vcard serve "$card" --port "$port" >"$work/serve.log" 2>&1 &
  serve_pid=$!
  started+=("$serve_pid")
  wait_for 20 serve_connected || { echo "vcard serve did not connect within 20 s:"; cat "$work/serve.log"; return 1; }
  cat "$work/serve.log"
}

# ---------------------------------------------------------------- checks

readers_show_card() {
  local out
  wait_for 10 bash -c "timeout 10 '$bin' card readers | grep -qF '$reader: card present'" || true
  out="$(timeout 10 "$bin" card readers)" || return 1
  echo "$out"
  grep -qxF "$reader: card present, ATR $atr_spaced" <<<"$out"
}

readers_json_show_card() {
  local out
  out="$(timeout 10 "$bin" card readers --json)" || return 1
  echo "$out"
  grep -qF "{\"atr\":\"${atr_spaced// /}\",\"cardPresent\":true,\"exclusive\":false,\"inUse\":false,\"mute\":false,\"name\":\"$reader\"}" <<<"$out"
}

opensc_reader_index() {
  timeout 15 opensc-tool -l | awk -v r="$reader" 'index($0, r) { print $1; exit }'
}

opensc_atr() {
  local out
  out="$(timeout 30 opensc-tool -r "$idx" -a 2>&1)" || { echo "$out"; return 1; }
  echo "$out"
  grep -qixF "$atr_colons" <<<"$out"
}

opensc_driver() {
  local out
  out="$(timeout 30 opensc-tool -r "$idx" -n 2>&1)" || { echo "$out"; return 1; }
  echo "$out"
  grep -qx "jpki" <<<"$out"
}

pkcs15_dump() {
  timeout 60 pkcs15-tool -r "$idx" -D >"$work/dump.txt" 2>&1 || { cat "$work/dump.txt"; return 1; }
}

pkcs15_pins() {
  pkcs15_dump || return 1
  grep -E '^PIN|Tries left' "$work/dump.txt"
  grep -qxF "PIN [User Authentication PIN]" "$work/dump.txt" &&
    grep -qxF "PIN [Digital Signature PIN]" "$work/dump.txt" &&
    [ "$(tries_left "User Authentication PIN")" = 3 ] &&
    [ "$(tries_left "Digital Signature PIN")" = 5 ]
}

# tries_left LABEL: the "Tries left" value under a PIN's block in the last dump.
tries_left() {
  awk -v l="PIN [$1]" '$0 == l { inpin = 1; next } /^[^ \t]/ { inpin = 0 } inpin && /Tries left/ { print $NF; exit }' "$work/dump.txt"
}

pkcs15_certificates() {
  local label
  [ -s "$work/dump.txt" ] || pkcs15_dump || return 1
  grep -E '^X\.509 Certificate' "$work/dump.txt"
  [ "$(grep -cE '^X\.509 Certificate \[' "$work/dump.txt")" = 4 ] || return 1
  for label in "User Authentication Certificate" "Digital Signature Certificate" \
    "User Authentication Certificate CA" "Digital Signature Certificate CA"; do
    grep -qxF "X.509 Certificate [$label]" "$work/dump.txt" || { echo "missing: $label"; return 1; }
  done
}

export_auth_certificate() {
  timeout 60 pkcs15-tool -r "$idx" --read-certificate 01 -o "$work/auth.pem" &&
    openssl x509 -in "$work/auth.pem" -noout -subject -serial -dates &&
    openssl x509 -in "$work/auth.pem" -noout -subject -nameopt RFC2253 | grep -qE '^subject=CN=[^,]+,C=JP$' &&
    openssl x509 -in "$work/auth.pem" -pubkey -noout >"$work/auth.pub" &&
    openssl pkey -pubin -in "$work/auth.pub" -noout -text | grep -q "Public-Key: (2048 bit)"
}

pkcs11_tokens() {
  local out
  out="$(timeout 60 pkcs11-tool --module "$module" -L 2>&1)" || { echo "$out"; return 1; }
  echo "$out"
  grep -qF "token label        : JPKI (User Authentication PIN)" <<<"$out" &&
    grep -qF "token label        : JPKI (Digital Signature PIN)" <<<"$out"
}

pkcs11_sign() { # TOKEN-LABEL PIN-VARIABLE KEY-ID OUTPUT
  timeout 60 pkcs11-tool --module "$module" --token-label "$1" --login --pin "env:$2" \
    --sign --mechanism SHA256-RSA-PKCS --id "$3" -i "$work/data.bin" -o "$4"
}

wrong_pin_refused() {
  local out
  if out="$(pkcs11_sign "JPKI (User Authentication PIN)" MG_WRONG_PIN 01 "$work/wrong.sig" 2>&1)"; then
    echo "$out"
    echo "a wrong PIN was accepted"
    return 1
  fi
  echo "$out"
  grep -qF "CKR_PIN_INCORRECT" <<<"$out" && pkcs15_dump || return 1
  echo "tries left: $(tries_left "User Authentication PIN")"
  [ "$(tries_left "User Authentication PIN")" = 2 ]
}

auth_signature() {
  pkcs11_sign "JPKI (User Authentication PIN)" MG_AUTH_PIN 01 "$work/auth.sig" &&
    [ "$(stat -c %s "$work/auth.sig")" = 256 ]
}

openssl_verifies() {
  openssl dgst -sha256 -verify "$work/auth.pub" -signature "$work/auth.sig" "$work/data.bin"
}

tampered_data_fails() {
  printf 'tampered' >>"$work/tampered.bin"
  cat "$work/data.bin" >>"$work/tampered.bin"
  if openssl dgst -sha256 -verify "$work/auth.pub" -signature "$work/auth.sig" "$work/tampered.bin"; then
    echo "the signature verified over different data"
    return 1
  fi
}

tries_restored() {
  pkcs15_dump && [ "$(tries_left "User Authentication PIN")" = 3 ] && echo "tries left: 3"
}

signing_key() {
  timeout 60 pkcs11-tool --module "$module" --token-label "JPKI (Digital Signature PIN)" --login \
    --pin env:MG_SIGN_PASSWORD --read-object --type cert --id 02 -o "$work/sign.der" &&
    openssl x509 -inform DER -in "$work/sign.der" -noout -subject &&
    openssl x509 -inform DER -in "$work/sign.der" -pubkey -noout >"$work/sign.pub" &&
    pkcs11_sign "JPKI (Digital Signature PIN)" MG_SIGN_PASSWORD 02 "$work/sign.sig" &&
    openssl dgst -sha256 -verify "$work/sign.pub" -signature "$work/sign.sig" "$work/data.bin"
}

# mynagate card trace through PC/SC: the survey and a VERIFY of the auth PIN recorded from the vpcd reader
# (docs/CARD.md, "APDU traces"): the header names the reader, T=1 and the ATR; the PIN is a length-free
# marker and its bytes appear nowhere; the file reads back (`card trace` checks that before writing); the file is complete; the tries are back to 3 afterwards.
card_trace() {
  local out="$work/vpcd.trace" pin_hex
  pin_hex="$(printf '%s' "$MG_AUTH_PIN" | od -An -tx1 | tr 'a-f' 'A-F' | sed 's/^ *//')"
  printf '%s\n' "$MG_AUTH_PIN" | timeout 60 "$bin" card trace --reader "$reader" --out "$out" --verify auth --pin-stdin ||
    { cat "$out" 2>/dev/null; return 1; }
  head -n 12 "$out"
  # MYNAGATE_TRACE_OUT=FILE keeps the file: how Tests/MynaCardTests/Traces/vpcd-verify-auth.trace is re-recorded.
  if [ -n "${MYNAGATE_TRACE_OUT:-}" ]; then cp "$out" "$MYNAGATE_TRACE_OUT"; fi
  [ "$(head -n 1 "$out")" = "# mynagate-apdu-trace 2" ] &&
    grep -qxF "# reader: $reader" "$out" && grep -qxF "# protocol: T=1" "$out" &&
    grep -qxF "# atr: $atr_spaced" "$out" && grep -qxF "# result: completed" "$out" || { echo "header incomplete"; return 1; }
  grep -qxF ">> 00 20 00 80 [PIN redacted]" "$out" || { echo "no redacted VERIFY"; return 1; }
  if grep -q '^>> [0-9A-F][0-9A-F] 2[0145CD] .*bytes redacted' "$out"; then echo "a PIN's length is in the trace"; return 1; fi
  if grep -qF "$pin_hex" "$out"; then echo "the PIN's bytes ($pin_hex) are in the trace"; return 1; fi
  [ "$(grep -c '^>> ' "$out")" = "$(grep -c '^<< ' "$out")" ] || { echo "unanswered command"; return 1; }
  pkcs15_dump && [ "$(tries_left "User Authentication PIN")" = 3 ]
}

# pkcs11_selftest TOKEN-LABEL PIN-VARIABLE KEY-LABEL: OpenSC's own self-test (`pkcs11-tool --test
# --login`) on one token, its output checked line by line: pkcs11-tool exits 0 even when it counts errors
# ("1 errors"), so the exit status alone proves nothing. Expected on a JPKI card (docs/CARD.md, "OpenSC's
# self-test"): random bytes from the card's GET CHALLENGE, a signature with every RSA mechanism the test
# tries, each verified, and decryption skipped because OpenSC's jpki driver offers signing only
# (card-jpki.c accepts SC_SEC_OPERATION_SIGN alone); then "No errors".
pkcs11_selftest() {
  local out mech signatures verified
  out="$(timeout 300 pkcs11-tool --module "$module" --token-label "$1" --test --login --pin "env:$2" 2>&1)" ||
    { echo "$out"; echo "pkcs11-tool --test exited non-zero"; return 1; }
  echo "$out"
  # No line may report an error, and the closing count must be OpenSC's "No errors".
  if grep -qE 'ERR|failed|[0-9]+ errors' <<<"$out"; then echo "the self-test reported an error"; return 1; fi
  [ "$(tail -n 1 <<<"$out")" = "No errors" ] || { echo "last line is not \"No errors\""; return 1; }
  grep -qF "C_GenerateRandom" <<<"$out" && grep -qxF "  seems to be OK" <<<"$out" || { echo "C_GenerateRandom not OK"; return 1; }
  grep -qxF "  testing key 0 ($3) " <<<"$out" || { echo "the signature test did not use \"$3\""; return 1; }
  grep -qxF "  all 4 signature functions seem to work" <<<"$out" || return 1
  signatures="$(sed -n '/^Signatures/,/^Verify/p' <<<"$out")"
  verified="$(sed -n '/^Verify/,/^Decryption/p' <<<"$out")"
  for mech in RSA-PKCS SHA1-RSA-PKCS MD5-RSA-PKCS RIPEMD160-RSA-PKCS SHA256-RSA-PKCS; do
    grep -qxF "    $mech: OK" <<<"$signatures" || { echo "no signature with $mech"; return 1; }
  done
  # pkcs11-tool 0.23's verify pass lists these four (not SHA256-RSA-PKCS).
  for mech in RSA-PKCS SHA1-RSA-PKCS MD5-RSA-PKCS RIPEMD160-RSA-PKCS; do
    grep -qxF "    $mech: OK" <<<"$verified" || { echo "$mech signature not verified"; return 1; }
  done
  grep -qxF "  testing key 0 ($3) -- can't be used to decrypt, skipping" <<<"$out" || { echo "decryption not skipped as expected"; return 1; }
}

card_leaves() {
  stop_pid "$serve_pid"
  echo "vcard serve output:"
  cat "$work/serve.log"
  wait_for 10 reader_is_empty
}

# ---------------------------------------------------------------- run

require "system packages installed (${packages[*]})" install_packages
module="$(opensc_module)" || { echo "FAIL opensc-pkcs11.so not found"; failed=$((failed + 1)); summary; exit 1; }
require "pcscd running with the vpcd reader \"$reader\"" start_pcscd
require "\"$reader\" is empty before the test card is served" reader_is_empty
require "mynagate vcard new makes a test card (PINs from stdin, not echoed)" make_card
require "mynagate vcard serve puts the card into vpcd on port $port" start_serve
check "mynagate card readers: \"$reader\" holds a card with ATR $atr_spaced" readers_show_card
check "mynagate card readers --json reports the card" readers_json_show_card
# Under `set -e` a hung opensc-tool (another client holding a reader) would end the script silently;
# the empty index is reported by the next check instead.
idx="$(opensc_reader_index)" || idx=""
require "OpenSC sees \"$reader\"" test -n "$idx"
check "opensc-tool -a reads ATR $atr_colons" opensc_atr
check "opensc-tool -n: OpenSC binds its jpki driver" opensc_driver
check "pkcs15-tool -D lists both PINs (tries left 3 and 5)" pkcs15_pins
check "pkcs15-tool -D lists the four certificates" pkcs15_certificates
check "pkcs15-tool --read-certificate 01 exports the auth certificate (CN=…, C=JP, RSA-2048)" export_auth_certificate
check "pkcs11-tool -L shows one token per PIN" pkcs11_tokens
printf 'MynaGate door tap %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$work/data.bin"
check "pkcs11-tool: a wrong auth PIN is refused by the card (CKR_PIN_INCORRECT, tries left 2)" wrong_pin_refused
check "pkcs11-tool signs with the auth key (SHA256-RSA-PKCS, 256 bytes)" auth_signature
check "openssl verifies the signature with the exported certificate's key" openssl_verifies
check "openssl rejects the same signature over other data" tampered_data_fails
check "a correct PIN restores the auth PIN's tries to 3" tries_restored
check "signing password: private signing certificate read and its key's signature verified" signing_key
check "mynagate card trace --reader: survey + VERIFY recorded from PC/SC (T=1, PIN hidden with its length)" card_trace
check "pkcs11-tool --test --login (auth token): random, 5 signature mechanisms signed and verified, No errors" \
  pkcs11_selftest "JPKI (User Authentication PIN)" MG_AUTH_PIN "User Authentication Key"
check "pkcs11-tool --test --login (signing token): random, 5 signature mechanisms signed and verified, No errors" \
  pkcs11_selftest "JPKI (Digital Signature PIN)" MG_SIGN_PASSWORD "Digital Signature Key"
# p11test (OpenSC's PKCS#11 conformance test) is not run: Debian 12's opensc 0.23 package does not ship it
# (`dpkg -L opensc`, `apt-cache search p11test` find nothing), and this script installs only Debian packages.
check "stopping vcard serve takes the card out of \"$reader\"" card_leaves

summary
[ "$failed" = 0 ]
