#!/usr/bin/env bash
# System test: MynaGate on a real PostgreSQL, which is what lets several servers share one database
# (the scaling story: any number of `mynagate serve` behind a load balancer, one PostgreSQL).
#  1. installs PostgreSQL (Debian bookworm: postgresql-15) with apt-get when it is missing;
#  2. initialises a throwaway cluster in a temporary directory as the `postgres` user, listening on
#     127.0.0.1 on a free port only, with password authentication;
#  3. creates a user with a password and a database;
#  4. runs the server test suite against it (`MYNAGATE_TEST_DATABASE_URL`), one test at a time because
#     every test server starts from an empty schema of the same database;
#  5. starts `mynagate serve` with DATABASE_URL and checks /health reports postgresql and the printed
#     configuration hides the password.
#
# Usage: .ci/system/postgres.sh PATH/TO/mynagate. Run as root. Every wait is bounded; the cluster and
# the server are stopped on exit. Ends with "N passed, M failed"; exit status 0 only when nothing failed.
set -euo pipefail

bin=${1:-${MYNAGATE:-}}
if [ -z "$bin" ] || [ ! -x "$bin" ]; then
  echo "usage: $0 PATH/TO/mynagate (or set MYNAGATE)" >&2
  exit 2
fi
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
repo="$(cd "$(dirname "$0")/../.." && pwd)"
export PATH="$PATH:/opt/swift/usr/bin"

passed=0
failed=0
pass() { echo "PASS $*"; passed=$((passed + 1)); }
fail() { echo "FAIL $*"; failed=$((failed + 1)); }
summary() { echo "$passed passed, $failed failed"; }

work="$(mktemp -d /tmp/mynagate-postgres.XXXXXX)"
chmod 755 "$work"
pgdata="$work/cluster"
server_pid=""
pg_started=0
pgbin=""

as_postgres() { runuser -u postgres -- "$@"; }

cleanup() {
  if [ -n "$server_pid" ]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [ "$pg_started" = 1 ]; then
    as_postgres "$pgbin/pg_ctl" -D "$pgdata" -m fast -t 30 stop >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# 1. PostgreSQL binaries.
find_pgbin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
pgbin="$(find_pgbin)"
if [ -z "$pgbin" ] || [ ! -x "$pgbin/initdb" ]; then
  echo "installing postgresql"
  export DEBIAN_FRONTEND=noninteractive
  timeout 600 apt-get update -qq >"$work/apt.log" 2>&1 || true
  timeout 900 apt-get install -y -qq postgresql >>"$work/apt.log" 2>&1 || { tail -n 30 "$work/apt.log"; }
  pgbin="$(find_pgbin)"
fi
if [ -z "$pgbin" ] || [ ! -x "$pgbin/initdb" ]; then
  fail "postgresql installed"
  summary
  exit 1
fi
pass "postgresql installed ($("$pgbin/postgres" --version))"

# A free port on 127.0.0.1: ask the kernel for one.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()' 2>/dev/null \
  || echo $((20000 + RANDOM % 20000)); }
pgport="$(free_port)"

# 2. A cluster of our own: nothing of the machine's own PostgreSQL (if any) is touched.
pgpass="mg-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
printf '%s\n' "$pgpass" >"$work/pwfile"
chown postgres "$work/pwfile"
chmod 600 "$work/pwfile"
mkdir -p "$pgdata" "$work/socket" "$work/pglog"
chown postgres "$pgdata" "$work/socket" "$work/pglog"
if as_postgres "$pgbin/initdb" -D "$pgdata" -U postgres --pwfile="$work/pwfile" -A scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$work/initdb.log" 2>&1; then
  pass "initdb"
else
  tail -n 20 "$work/initdb.log"
  fail "initdb"
  summary
  exit 1
fi
if as_postgres "$pgbin/pg_ctl" -D "$pgdata" -w -t 60 -l "$work/pglog/postgres.log" \
  -o "-c listen_addresses=127.0.0.1 -p $pgport -k $work/socket -c max_connections=200 -c fsync=off" start >/dev/null; then
  pg_started=1
  pass "cluster started on 127.0.0.1:$pgport"
else
  tail -n 20 "$work/pglog/postgres.log" || true
  fail "cluster started"
  summary
  exit 1
fi

# 3. The application's user and database (the password reaches psql through PGPASSWORD, never argv).
export PGPASSWORD="$pgpass"
psql_admin() { psql -h 127.0.0.1 -p "$pgport" -U postgres -v ON_ERROR_STOP=1 -qtA "$@"; }
if psql_admin -d postgres -c "CREATE ROLE mynagate LOGIN PASSWORD '$pgpass'" -c "CREATE DATABASE mynagate OWNER mynagate" >/dev/null; then
  pass "database and user created"
else
  fail "database and user created"
fi
url="postgres://mynagate:$pgpass@127.0.0.1:$pgport/mynagate?sslmode=disable"
unset PGPASSWORD

# 4. The server test suite on PostgreSQL. The tests share the database, so one test at a time.
cd "$repo"
skip=()
if [ -d "$(swift build --show-bin-path 2>/dev/null)" ]; then skip=(--skip-build); fi
set +e
MYNAGATE_TEST_DATABASE_URL="$url" timeout 1200 swift test "${skip[@]}" --no-parallel --filter ServerTests >"$work/swift-test.log" 2>&1
status=$?
set -e
grep -E "✔|✘|passed|failed" "$work/swift-test.log" | grep -vE '^\[[0-9]+/[0-9]+\]' | tail -n 40 || true
if [ "$status" = 0 ] && grep -qE "Test run with [0-9]+ tests? (in [0-9]+ suites? )?passed" "$work/swift-test.log"; then
  pass "ServerTests on PostgreSQL ($(grep -oE 'Test run with [0-9]+ tests?' "$work/swift-test.log" | tail -n 1 | grep -oE '[0-9]+') tests)"
else
  grep -E "error|Issue recorded|✘" "$work/swift-test.log" | head -n 40 || true
  fail "ServerTests on PostgreSQL (status $status)"
fi

# 5. `mynagate serve` against it. The test suite leaves its last test's schema, with that test server's
# snapshot-signing public key, which a server without that key file rightly refuses to start on: `serve`
# starts on an empty database, as a new installation does.
export PGPASSWORD="$pgpass"
psql_admin -d mynagate -c "DROP SCHEMA public CASCADE" -c "CREATE SCHEMA public AUTHORIZATION mynagate" >/dev/null
unset PGPASSWORD
port="$(free_port)"
DATABASE_URL="$url" MYNAGATE_DATA_DIR="$work/data" "$bin" serve --host 127.0.0.1 --port "$port" >"$work/serve.log" 2>&1 &
server_pid=$!
health=""
for _ in $(seq 1 150); do
  health="$(curl -fsS --max-time 2 "http://127.0.0.1:$port/health" 2>/dev/null || true)"
  [ -n "$health" ] && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.2
done
if echo "$health" | grep -q '"database":"postgresql"'; then
  pass "mynagate serve on PostgreSQL: /health says postgresql"
else
  tail -n 40 "$work/serve.log" || true
  fail "mynagate serve on PostgreSQL: /health ($health)"
fi
if grep -q "database: PostgreSQL" "$work/serve.log" && ! grep -qF "$pgpass" "$work/serve.log"; then
  pass "the printed configuration names PostgreSQL and hides the password"
else
  fail "the printed configuration hides the password"
fi

summary
[ "$failed" = 0 ]
