#!/usr/bin/env bash
# The test command: starts a throwaway PostgreSQL (installing it from apt when missing), runs every test of
# the solution against it and SQLite, and tears the cluster down whatever happens.
# Extra arguments go to `dotnet test`, e.g. ./test.sh --filter FullyQualifiedName~Journal
set -euo pipefail

cd "$(dirname "$0")"

log() { printf 'test.sh: %s\n' "$*" >&2; }

find_pg_bin() {
  local initdb
  initdb=$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -z "$initdb" ]; then
    initdb=$(command -v initdb || true)
  fi
  [ -n "$initdb" ] && dirname "$initdb"
}

# What the suite needs from Debian: PostgreSQL, and the tools the ticket tests read PDFs and QR codes with.
missing=()
pg_bin=$(find_pg_bin || true)
[ -n "$pg_bin" ] || missing+=(postgresql)
command -v pdftoppm >/dev/null 2>&1 && command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
command -v zbarimg >/dev/null 2>&1 || missing+=(zbar-tools)
if [ "${#missing[@]}" -gt 0 ]; then
  log "installing from apt: ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
  pg_bin=$(find_pg_bin || true)
  [ -n "$pg_bin" ] || { log "PostgreSQL installed but initdb not found"; exit 1; }
fi

# initdb and postgres refuse to run as root: run them as the postgres user then.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then
    (cd "$pg_dir" && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Under /tmp, not $TMPDIR: the postgres user must be able to reach it.
pg_dir=$(mktemp -d /tmp/pipeline-pg.XXXXXX)
chmod 700 "$pg_dir"
[ "$(id -u)" -ne 0 ] || chown postgres: "$pg_dir"
pg_data="$pg_dir/data"
pg_started=0

cleanup() {
  if [ "$pg_started" -eq 1 ]; then
    as_pg "$pg_bin/pg_ctl" -D "$pg_data" stop -m immediate >/dev/null 2>&1 || true
    pg_started=0
  fi
  rm -rf "$pg_dir"
}
test_pid=""
# dotnet test runs vstest and a test host under it: stop that whole tree, deepest first, by process id.
descendants() {
  local child
  for child in $(ps -o pid= --ppid "$1" 2>/dev/null); do
    descendants "$child"
    echo "$child"
  done
}
on_signal() {
  if [ -n "$test_pid" ]; then
    kill $(descendants "$test_pid") "$test_pid" 2>/dev/null || true
  fi
  exit 130
}
trap cleanup EXIT
trap on_signal INT TERM

as_pg "$pg_bin/initdb" -D "$pg_data" --auth=trust -U postgres --encoding=UTF8 --no-instructions >/dev/null

# fsync stays on: the tests check durability claims, so the database must make real ones.
start_pg() {
  local opts="-c listen_addresses=127.0.0.1 -c port=$1 -c unix_socket_directories=$pg_dir"
  opts+=" -c fsync=on -c synchronous_commit=on -c max_connections=300 -c shared_buffers=128MB"
  as_pg "$pg_bin/pg_ctl" -D "$pg_data" -l "$pg_dir/postgres.log" -o "$opts" -w -t 60 start >/dev/null 2>&1
}

# Another run (or anything else) may hold a port, or take it between the check and the start: try the next one.
pg_started=1 # from here on, cleanup stops whatever did start
port=55432
until ! port_in_use "$port" && start_pg "$port"; do
  port=$((port + 1))
  [ "$port" -lt 55532 ] || { log "PostgreSQL did not start on any port in 55432..55531:"; cat "$pg_dir/postgres.log" >&2; exit 1; }
done

for _ in $(seq 1 60); do
  as_pg "$pg_bin/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres && break
  sleep 0.5
done
as_pg "$pg_bin/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres || { log "PostgreSQL is not ready"; exit 1; }
log "$("$pg_bin/postgres" --version) on 127.0.0.1:$port"

export PIPELINE_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres;Pooling=true"

# In the background with `wait`, so a signal reaches the traps at once instead of after the whole test run.
test_log="$pg_dir/dotnet-test.log"
: >"$test_log" # exists before tail opens it, whoever starts first
dotnet test Pipeline.sln -c Release "$@" >"$test_log" 2>&1 &
test_pid=$!
tail -n +1 -f --pid="$test_pid" "$test_log" &
tail_pid=$!
set +e
wait "$test_pid"
code=$?
set -e
test_pid=""
wait "$tail_pid" || true

# One line per test assembly, e.g. "Passed!  - Failed:     0, Passed:   120, Skipped:     0, Total:   120, ...".
summary=$({ grep -E '(Passed|Failed)! +- Failed: *[0-9]+, Passed: *[0-9]+' "$test_log" || true; } \
  | sed -E 's/.*Failed: *([0-9]+), Passed: *([0-9]+).*/\2 \1/' \
  | awk '{ p += $1; f += $2; n++ } END { printf "%d %d %d", p, f, n }')
read -r passed failed assemblies <<<"$summary"
if [ "$assemblies" -eq 0 ]; then
  # With a verbose console logger the summary is a block: "Total tests: N", "     Passed: N", "     Failed: N".
  summary=$(awk '/^Total tests: *[0-9]+/ { n++ } n && /^ +Passed: *[0-9]+/ { p += $2 } n && /^ +Failed: *[0-9]+/ { f += $2 }
    END { printf "%d %d %d", p, f, n }' "$test_log")
  read -r passed failed assemblies <<<"$summary"
fi

if [ "$code" -ne 0 ]; then
  # The server's own account of a failed run (too many clients, deadlocks, crashes) goes before its log is removed.
  echo "PostgreSQL's errors during the run, duplicate keys and dropped test databases left out (last 30):"
  grep -E 'ERROR|FATAL|PANIC|deadlock' "$pg_dir/postgres.log" | grep -v -e 'duplicate key' -e 'due to administrator command' | tail -n 30 || true
fi

cleanup
trap - EXIT

if [ "$assemblies" -eq 0 ]; then
  echo "tests: no test summary (the build failed or no test matched), dotnet test exited with $code"
else
  echo "tests: $passed passed, $failed failed"
fi
exit "$code"
