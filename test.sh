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

pg_bin=$(find_pg_bin || true)
if [ -z "$pg_bin" ]; then
  log "no initdb found: installing PostgreSQL from apt"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y postgresql
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

pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/pipeline-pg.XXXXXX")
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
trap cleanup EXIT
trap 'exit 130' INT TERM

as_pg "$pg_bin/initdb" -D "$pg_data" --auth=trust -U postgres --encoding=UTF8 --no-instructions >/dev/null

port=55432
while port_in_use "$port"; do
  port=$((port + 1))
  [ "$port" -lt 55532 ] || { log "no free port in 55432..55531"; exit 1; }
done

# fsync stays on: the tests check durability claims, so the database must make real ones.
pg_opts="-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$pg_dir"
pg_opts+=" -c fsync=on -c synchronous_commit=on -c max_connections=300 -c shared_buffers=128MB"
as_pg "$pg_bin/pg_ctl" -D "$pg_data" -l "$pg_dir/postgres.log" -o "$pg_opts" -w -t 60 start >/dev/null || {
  log "PostgreSQL did not start:"; cat "$pg_dir/postgres.log" >&2; exit 1;
}
pg_started=1

for _ in $(seq 1 60); do
  as_pg "$pg_bin/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres && break
  sleep 0.5
done
as_pg "$pg_bin/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres || { log "PostgreSQL is not ready"; exit 1; }
log "$("$pg_bin/postgres" --version) on 127.0.0.1:$port"

export PIPELINE_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres;Pooling=true"

test_log="$pg_dir/dotnet-test.log"
set +e
dotnet test Pipeline.sln -c Release "$@" 2>&1 | tee "$test_log"
code=${PIPESTATUS[0]}
set -e

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

cleanup
trap - EXIT

if [ "$assemblies" -eq 0 ]; then
  echo "tests: no test summary (the build failed or no test matched), dotnet test exited with $code"
else
  echo "tests: $passed passed, $failed failed"
fi
exit "$code"
