#!/usr/bin/env bash
# The API contract (issue 16): what the running server says about itself (/openapi.yaml) must be a valid
# OpenAPI document, and the server must answer as that document says.
#
# 1. The demo organisation is made once (common.bash), then `mynagate serve` runs on it.
# 2. /openapi.yaml, fetched from the running server (the document clients get, not the fragments), is
#    validated with openapi-spec-validator.
# 3. schemathesis runs against the server once per identity — admin, security, hr (the demo's hr account
#    is a designated vault handler), a plain employee, and a door (token from POST
#    /api/v1/doors/entrance/token as admin) — each over the operations it may use: the role tables the
#    role-matrix test checks (api_contract_roles.py reads them). Each identity gets its own copy of the
#    demo's data directory and its own server, so what one identity's run changes (lockdown, a revoked
#    door token, a retired employee, the sign-in rate limit) cannot lock the next one out.
#    Checks: every schemathesis check (`--checks all`: not_a_server_error, status_code_conformance,
#    content_type_conformance, response_headers_conformance, response_schema_conformance,
#    negative_data_rejection, positive_data_acceptance, missing_required_header, unsupported_method,
#    ...), plus no_input_echo (api_contract_hooks.py): an error text repeats nothing the client sent.
#    Fixed seed (CONTRACT_SEED), fixed examples per operation (CONTRACT_EXAMPLES), a time bound per
#    identity (CONTRACT_SECONDS) so the script stays within about 6 minutes on 2 cores.
#
# Usage: .ci/system/api-contract.sh PATH/TO/mynagate. Needs python3 with venv and PyPI (pinned
# versions below). CONTRACT_IDENTITIES (default "admin security hr employee door") runs fewer.
# Per identity: operations, test cases, failures; the failures themselves are in the output and in
# $CONTRACT_REPORTS (default: a directory under /tmp, kept) as JUnit XML. Ends with "N passed, M failed";
# exit status 0 only when nothing failed.
set -euo pipefail

bin=${1:-${MYNAGATE:-}}
if [ -z "$bin" ] || [ ! -x "$bin" ]; then
  echo "usage: $0 PATH/TO/mynagate (or set MYNAGATE)" >&2
  exit 2
fi
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
here="$(cd "$(dirname "$0")" && pwd)"

# Pinned: a new schemathesis release brings new checks and new data; a change of verdict must come
# from a change of MynaGate or of these pins, never from the day CI ran.
SCHEMATHESIS_VERSION=4.32.5
SPEC_VALIDATOR_VERSION=0.9.0
seed=${CONTRACT_SEED:-16}
examples=${CONTRACT_EXAMPLES:-25}
seconds=${CONTRACT_SECONDS:-45}
identities=${CONTRACT_IDENTITIES:-admin security hr employee door}

# shellcheck source=common.bash
. "$here/common.bash"

work="$(mktemp -d /tmp/mynagate-api-contract.XXXXXX)"
reports=${CONTRACT_REPORTS:-"$(mktemp -d /tmp/mynagate-api-contract-reports.XXXXXX)"}
mkdir -p "$reports"
data="$work/demo"
demo_data="$data"
server_pid=""
cleanup() {
  stop_pid "$server_pid" TERM
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port="$(free_port)"
base="http://127.0.0.1:$port"

# The tools in a virtual environment of their own: the machine's Python packages stay as they were.
# The demo organisation is made meanwhile (virtual cards take a while in a debug build).
(python3 -m venv "$work/venv" && "$work/venv/bin/pip" install -q --disable-pip-version-check \
  "schemathesis==$SCHEMATHESIS_VERSION" "openapi-spec-validator==$SPEC_VALIDATOR_VERSION") >"$work/pip.log" 2>&1 &
pip_pid=$!
make_demo_organisation
echo "demo organisation made (${SECONDS}s)"
if wait "$pip_pid"; then
  pass "schemathesis $SCHEMATHESIS_VERSION and openapi-spec-validator $SPEC_VALIDATOR_VERSION installed"
else
  tail -n 20 "$work/pip.log"; fail "pip install schemathesis==$SCHEMATHESIS_VERSION openapi-spec-validator==$SPEC_VALIDATOR_VERSION"; summary; exit 1
fi
st="$work/venv/bin/schemathesis"
login() { awk -v r="$1" '$1 == r && $3 == "/" { print $2 " " $4; exit }' "$work/demo.log"; }

# Starts the plain server on a fresh copy of the demo's data (no state left by an earlier identity).
start_copy() { # name
  stop_pid "$server_pid" TERM; server_pid=""
  rm -rf "$work/data-$1"; cp -a "$demo_data" "$work/data-$1"
  data="$work/data-$1"
  if start_server; then return 0; fi
  tail -n 30 "$work/serve.log"; return 1
}

# Signs in; prints "session-id csrf-token". The password goes to curl on stdin, not in argv.
sign_in() { # username password
  local jar="$work/jar-$1"
  rm -f "$jar"
  printf '{"username":"%s","password":"%s"}' "$1" "$2" |
    curl -sS --max-time 10 -c "$jar" -H 'Content-Type: application/json' --data-binary @- "$base/api/v1/session" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["csrfToken"])' >"$work/csrf-$1" || return 1
  echo "$(awk '$6 == "mynagate_session" { print $7 }' "$jar") $(cat "$work/csrf-$1")"
}

# --- 1. The document itself ---
if start_copy document && curl -fsS --max-time 10 "$base/openapi.yaml" -o "$work/openapi.yaml"; then
  pass "the server serves /openapi.yaml ($(wc -l <"$work/openapi.yaml") lines)"
else
  fail "the server serves /openapi.yaml"; summary; exit 1
fi
cp "$work/openapi.yaml" "$reports/openapi.yaml"
if out="$("$work/venv/bin/openapi-spec-validator" "$work/openapi.yaml" 2>&1)"; then
  pass "openapi-spec-validator: /openapi.yaml is a valid OpenAPI document"
else
  echo "$out" | head -n 12
  fail "openapi-spec-validator: /openapi.yaml is not a valid OpenAPI document (above; also in $reports/openapi.yaml)"
fi

# --- 2. schemathesis, per identity ---
# Excluded for every identity, and why:
# - DELETE /api/v1/session signs the identity out: every later case would test the sign-in wall only.
# - GET /api/v1/doors/{id}/push is a WebSocket; schemathesis speaks plain HTTP only.
excluded=("DELETE /api/v1/session" "GET /api/v1/doors/{id}/push")

figures=()
for who in $identities; do
  echo; echo "=== schemathesis as $who (${SECONDS}s)"
  if ! start_copy "$who"; then fail "$who: server started on a copy of the demo data"; continue; fi
  headers=()
  config="$work/schemathesis-$who.toml"
  # 410 (a contractor package deleted once its batch closed) is a resource's state, like 404 and 409.
  # 422 is this API's declared answer to a body that is well-formed but refused by a rule a schema cannot
  # state (a wrong password, a My Number whose check digit fails, an expired card): schema-valid data may
  # get it. Every other refusal of schema-valid data (400, 415) still fails positive_data_acceptance.
  # Stateful links come from Location headers only: schemathesis' dependency analysis pairs path
  # parameters by name alone, and every resource here names its key `id` — it sent a door's id
  # ("mynumber-room") as a vault request's UUID and reported the 400 as valid data refused.
  cat >"$config" <<'TOML'
[checks.positive_data_acceptance]
expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "410", "422", "429", "5xx"]

# 413 refuses a body over a route's limit (more than 1,000 door events): a refusal like 400.
[checks.negative_data_rejection]
expected-statuses = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429", "5xx"]

[phases.stateful.inference]
algorithms = ["location-headers"]

TOML
  if [ "$who" = door ]; then
    # The door's token comes from an administrator; the token is bound to its door, so the door's
    # operations are tested at that door (a random door id would test only the 403).
    read -r login_user login_password <<<"$(login admin)"
    read -r sid csrf <<<"$(sign_in "$login_user" "$login_password")" || true
    door_token="$(curl -sS --max-time 10 -X POST -H "Cookie: mynagate_session=$sid" -H "X-CSRF-Token: $csrf" \
      "$base/api/v1/doors/entrance/token" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])' || true)"
    # Signed out again: the door identity carries no session.
    curl -sS --max-time 10 -o /dev/null -X DELETE -H "Cookie: mynagate_session=$sid" -H "X-CSRF-Token: $csrf" "$base/api/v1/session" || true
    if [ -z "$door_token" ]; then fail "door: a token for door entrance issued by admin"; continue; fi
    headers=(-H "Authorization: Bearer $door_token")
    cat >>"$config" <<'TOML'
[[operations]]
include-path-regex = "^/api/v1/doors/\\{id\\}/"
parameters = { "path.id" = "entrance" }
TOML
  else
    read -r login_user login_password <<<"$(login "$who")"
    if [ -z "${login_password:-}" ]; then fail "$who: the demo printed a login"; continue; fi
    if ! read -r sid csrf <<<"$(sign_in "$login_user" "$login_password")" || [ -z "$sid" ]; then
      fail "$who: signed in as $login_user"; continue
    fi
    headers=(-H "Cookie: mynagate_session=$sid" -H "X-CSRF-Token: $csrf")
  fi

  ops=()
  while IFS= read -r op; do
    skip=""
    for x in "${excluded[@]}"; do [ "$op" = "$x" ] && skip=1; done
    [ -n "$skip" ] || ops+=(--include-name "$op")
  done < <("$work/venv/bin/python" "$here/api_contract_roles.py" "$who" "$work/openapi.yaml")
  if [ "${#ops[@]}" = 0 ]; then fail "$who: operations to test (none found in the role tables and the document)"; continue; fi

  log="$reports/schemathesis-$who.log"
  set +e
  # From the work directory: schemathesis keeps its example database (.schemathesis/) in the current one.
  # One worker: with two, Hypothesis sometimes fails inside itself ("AST constructor recursion depth
  # mismatch", a race in its lambda-source cache), which is not a finding about MynaGate.
  (cd "$work" && SCHEMATHESIS_HOOKS=api_contract_hooks PYTHONPATH="$here" timeout $((seconds + 60)) \
    "$st" --config-file "$config" run "$work/openapi.yaml" --url "$base" "${headers[@]}" "${ops[@]}" \
    --checks all --seed "$seed" --max-examples "$examples" --max-time "$seconds" --workers 1 \
    --request-timeout 30 --generation-with-security-parameters false --suppress-health-check all \
    --no-color --report junit --report-junit-path "$reports/schemathesis-$who.xml") >"$log" 2>&1
  status=$?
  set -e
  # The end of schemathesis's own report: failures, warnings, the summary.
  # (At most 400 lines here: the whole log is in the reports directory.)
  if grep -q "^=* FAILURES =*$" "$log"; then
    sed -n '/^=* FAILURES =*$/,$p' "$log" | head -n 400 || true
  else
    tail -n 40 "$log"
  fi
  # Each figure may be absent (no failure, a run cut short): `|| true`, or `set -e` ends the script here
  # with no summary (it did, on a clean identity, before this line said so).
  n_ops="$(awk '/^  Tested:/ { print $2; exit }' "$log" || true)"
  cases="$( (grep -Eo '[0-9]+ generated' "$log" || true) | head -n 1 | cut -d' ' -f1)"
  failures="$( (grep -Eo '[0-9]+ unique failures?' "$log" || true) | head -n 1 | cut -d' ' -f1)"
  figures+=("$(printf '%-9s %4s operations %6s test cases %4s failures (exit %s)' "$who" "${n_ops:-?}" "${cases:-?}" "${failures:-0}" "$status")")
  if [ "$status" = 0 ]; then
    pass "schemathesis as $who: ${n_ops:-?} operations, ${cases:-?} test cases, no failures"
  else
    fail "schemathesis as $who: ${n_ops:-?} operations, ${cases:-?} test cases, ${failures:-?} failures (exit $status; log $log)"
  fi
done

echo
echo "=== per identity (seed $seed, at most $examples examples per operation and ${seconds}s per identity; reports in $reports; ${SECONDS}s in all)"
for f in "${figures[@]}"; do echo "$f"; done
summary
[ "$failed" = 0 ]
