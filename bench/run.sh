#!/usr/bin/env bash
# bench/run.sh -- consume throughput of the batches API over HTTP against a durable PostgreSQL, next to the
# classic row-locking design ("seed": UPDATE batches ... WHERE remaining >= q, one transaction per request)
# measured with pgbench on the same PostgreSQL cluster in the same run.
#
#   bench/run.sh                    # from anywhere; needs root or sudo only to install missing packages
#
# What it does (see bench/README.md): installs wrk/jq/curl/PostgreSQL when missing; starts a throwaway
# PostgreSQL cluster in a temp dir (127.0.0.1, free port, fsync=on, synchronous_commit=on); publishes and
# starts Pipeline.Host (Release) against it; then, ROUNDS times, each scenario with wrk through HTTP and right
# after it its pgbench twin (as many clients as wrk has connections, database "seed" of the same cluster):
#   hot     one batch, every connection consumes from it            (pgbench twin: B_hot.sql)
#   spread  100 batches, each request picks one at random            (pgbench twin: B_100.sql)
# then once
#   deplete a batch of DEPLETE_QTY hammered until empty: never oversold (correctness only, not timed)
# with correctness checks after every run, and prints the medians and the ratio. Everything is torn down on exit.
#
# Knobs (environment):
#   DURATION=15        measured seconds per scenario (wrk -d, pgbench -T)
#   WARMUP=3           unmeasured seconds before each scenario (confirm: once per run, on an event of its own)
#   FIRST_WARMUP=15    unmeasured seconds before a scenario's first round instead (confirm: its one warm-up): a fresh
#                      host spends about a third of its CPU compiling (tiered JIT) for its first 10-30 s under load
#   CONNECTIONS=64     wrk connections = pgbench clients
#   THREADS=2          wrk threads = pgbench threads (-j)
#   QMAX=5             quantities per consume are uniform in 1..QMAX (the pgbench scripts use random(1, 5))
#   SHARD_COUNT=       Pipeline__Entities__ShardCount (empty = the host's default)
#   MAX_BATCH_SIZE=    Pipeline__Entities__MaxBatchSize (empty = the host's default)
#   CONN_OPTIONS="Max Auto Prepare=20"   appended to the host's Npgsql connection string
#   HOST_ENV=          extra NAME=value settings for the host, space-separated, e.g.
#                      HOST_ENV="Pipeline__Entities__VerifyAfter=00:00:01"
#   SCENARIOS="hot spread confirm-hot confirm-spread replay reads deplete ndjson webhooks tickets recovery"   (the last
#                      five run once, after the rounds; the payment scenarios and their knobs are in bench/payments.sh:
#                      confirm-hot / confirm-spread  confirm-payment, pre-signed bodies, 1 event / 100 events
#                                                    (pgbench twins A_hot.sql / A_100.sql)
#                      replay   the bodies confirm-hot confirmed, sent again (all "replayed": true)
#                      reads    GET /api/events/{id}
#                      ndjson   one POST /api/ingest/payments of NDJSON_LINES lines
#                      webhooks deliveries/s to a local receiver of the messages the other scenarios left (paused till then)
#                      tickets  the backlog of tickets the confirmations left, throttles raised: sends/s
#                      recovery a restarted host serving its first 10,000 distinct entities of a 1,000,000-event
#                               journal (bench/recovery.sh, its knobs in its header; last: it restarts the host))
#   SEED=1             0 = skip the pgbench baseline
#   DEPLETE_QTY=1000   size of the batch the deplete check empties
#   FSYNC_TEST=1       0 = skip the short pg_test_fsync (the disk's commit ceiling, for the record)
#   SHARED_DIR=<repo>/../shared   where bench/pgbench/{schema,reset,B_hot,B_100}.sql live
#   OUT_DIR=bench/results/<UTC timestamp>   summary.md, results.tsv and raw outputs (git-ignored)
#   PG_BIN=            PostgreSQL bin dir (default: newest /usr/lib/postgresql/*/bin)
#   KEEP=0             1 = keep the temp dir (logs, data dir) after exit
#   PROFILE=           a run's tag, e.g. wrk_confirm-hot or wrk_hot: samples the host's thread stacks with dotnet-trace
#                      (dotnet-sampled-thread-time, ~100 Hz, wall clock: waiting threads count too; over the middle of that run; `dotnet tool install -g dotnet-trace`) and adds the
#                      top methods (exclusive and inclusive) to the summary; the .nettrace stays in OUT_DIR
#   PERF=              run tags, space-separated (wrk_hot, wrk_confirm-spread, ndjson, webhooks, tickets): samples the host on CPU
#                      with Linux perf (`perf record -F 499 -g`, package linux-perf) over each such run's sampled window, and
#                      writes perf_<tag>.txt to OUT_DIR: samples by library, then methods by their own and by inclusive
#                      samples. JIT-compiled methods are named from the runtime's perf map: the host then runs with
#                      DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 (every run of it, so all compare)
#   PG_STATEMENTS=0    1 = load pg_stat_statements and list the host's 12 costliest statements (total time, calls,
#                      mean) in the summary: where PostgreSQL's time per request goes; and per run (its sampled window
#                      alone, the webhooks scenario's window included) in statements_<run>.txt, beside pg_by_run.txt
#                      (commits, rows and buffers a second, and the busiest tables' inserts, updates and HOT share;
#                      always written)
#   PRIORITY=0         scheduling priority (nice, -20..19; < 0 needs root) of PostgreSQL, the host, wrk and pgbench,
#                      e.g. -10 on a box shared with other jobs so that those get a small share of the CPU during a
#                      run. Each is started in its own session and, where the kernel groups by session
#                      (sched_autogroup_enabled=1, where plain nice has no effect across sessions), its autogroup
#                      gets the same nice value.
#   ROUNDS=3           rounds; each runs every scenario on Pipeline then on the seed, back to back, so both
#                      see the same conditions; the tables report the median round of each (all rounds in results.tsv)
#   QUIET_MAX=15       before each run wait until the whole box uses at most this % of one core (2 s sample) ...
#   QUIET_WAIT=60      ... for at most this many seconds, then measure anyway; runs during which other processes
#   NOISE_MAX=20       took more than NOISE_MAX % of one core are flagged in the summary
set -euo pipefail
export PATH="$PATH:$HOME/.dotnet/tools"   # dotnet-trace (PROFILE), when installed as a global tool

DURATION=${DURATION:-15}
WARMUP=${WARMUP:-3}
FIRST_WARMUP=${FIRST_WARMUP:-15}
declare -A WARMED=()   # scenarios that had their first warm-up
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
QMAX=${QMAX:-5}
SHARD_COUNT=${SHARD_COUNT:-}
MAX_BATCH_SIZE=${MAX_BATCH_SIZE:-}
CONN_OPTIONS=${CONN_OPTIONS-"Max Auto Prepare=20"}
HOST_ENV=${HOST_ENV:-}
SCENARIOS=${SCENARIOS:-"hot spread confirm-hot confirm-spread replay reads deplete ndjson webhooks tickets recovery"}
SEED=${SEED:-1}
DEPLETE_QTY=${DEPLETE_QTY:-1000}
FSYNC_TEST=${FSYNC_TEST:-1}
KEEP=${KEEP:-0}
QUIET_MAX=${QUIET_MAX:-15}
PRIORITY=${PRIORITY:-0}
QUIET_WAIT=${QUIET_WAIT:-60}
NOISE_MAX=${NOISE_MAX:-20}
ROUNDS=${ROUNDS:-3}
SEED_ROWS=${SEED_ROWS:-100000}   # as pg-baseline.sh: pre-existing registrations (not used by the B_* scripts)

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_DIR/.." && pwd)
SHARED_DIR=${SHARED_DIR:-$REPO/../shared}
OUT_DIR=${OUT_DIR:-$BENCH_DIR/results/$(date -u +%Y%m%dT%H%M%SZ)}
LUA="$BENCH_DIR/wrk/consume.lua"
HOT_QUANTITY=1000000000000     # the API's maximum, as the seed's batches (reset.sql)
SPREAD_BATCHES=100

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ------------------------------------------------------------------------------------------ prerequisites
SUDO=()
[[ $EUID -eq 0 ]] || SUDO=(sudo)
APT_UPDATED=0
apt_install() {
  if [[ $APT_UPDATED -eq 0 ]]; then "${SUDO[@]}" apt-get update -qq; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq "$@" >/dev/null
}
for tool in wrk jq curl; do
  command -v "$tool" >/dev/null || { log "installing $tool (apt)"; apt_install "$tool"; }
done
if [[ -n ${PERF:-} ]] && ! command -v perf >/dev/null; then log "installing perf (apt)"; apt_install linux-perf; fi
find_pg_bin() { local i; i=$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1 || true); [[ -n $i ]] && dirname "$i"; }
PG_BIN=${PG_BIN:-$(find_pg_bin || true)}
if [[ -z $PG_BIN ]]; then log "installing PostgreSQL (apt)"; apt_install postgresql; PG_BIN=$(find_pg_bin || true); fi
[[ -n $PG_BIN && -x $PG_BIN/pgbench ]] || die "no PostgreSQL binaries (initdb, pgbench) found"
command -v dotnet >/dev/null || die "dotnet (SDK 10) is not installed"
if [[ $SEED -eq 1 ]]; then
  for f in schema.sql reset.sql B_hot.sql B_100.sql; do
    [[ -f $SHARED_DIR/bench/pgbench/$f ]] || die "missing $SHARED_DIR/bench/pgbench/$f (set SHARED_DIR, or SEED=0 to skip the baseline)"
  done
fi

NICE=(nice -n "$PRIORITY")
LAUNCH=()                                      # prefix of every process that is measured
[[ $PRIORITY -eq 0 ]] || LAUNCH=(setsid "${NICE[@]}")
prioritize() { # pid: gives the autogroup (session) of the process the nice value too
  [[ $PRIORITY -ne 0 && -w /proc/$1/autogroup ]] || return 0
  echo "$PRIORITY" 2>/dev/null >"/proc/$1/autogroup" || log "could not set the autogroup nice of pid $1"
}

# initdb and postgres refuse to run as root.
if [[ $EUID -eq 0 ]]; then
  PG_USER=postgres
  id "$PG_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$PG_USER"
  as_pg() { runuser -u "$PG_USER" -- "$@"; }
  as_pg_niced=("${NICE[@]}" runuser -u "$PG_USER" --)
else
  PG_USER=$(id -un)
  as_pg() { "$@"; }
  as_pg_niced=("${NICE[@]}")
fi

# ------------------------------------------------------------------------------------------ temp dir, teardown
WORK=$(mktemp -d "${TMPDIR:-/tmp}/pipeline-bench.XXXXXX")
chmod 755 "$WORK"
mkdir -p "$WORK/pgdata" "$WORK/raw" "$WORK/pglog"
chown "$PG_USER" "$WORK/pgdata" "$WORK/pglog" 2>/dev/null || true
chmod 700 "$WORK/pgdata"
mkdir -p "$OUT_DIR"

PG_STARTED=0
HOST_PID=
PERF_PID=
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_host
  [[ -z ${RECEIVER_PID:-} ]] || kill "$RECEIVER_PID" 2>/dev/null || true   # bench/payments.sh's webhook receiver
  [[ -z $PERF_PID ]] || kill -INT "$PERF_PID" 2>/dev/null || true
  if [[ $PG_STARTED -eq 1 ]]; then as_pg "$PG_BIN/pg_ctl" -D "$WORK/pgdata" -m fast -w stop >/dev/null 2>&1 || true; fi
  if [[ $KEEP -eq 1 ]]; then log "kept $WORK"; else rm -rf "$WORK"; fi
  exit "$rc"
}
stop_host() {
  if [[ -n $HOST_PID ]] && kill -0 "$HOST_PID" 2>/dev/null; then
    kill -TERM "$HOST_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$HOST_PID" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$HOST_PID" 2>/dev/null || true
    wait "$HOST_PID" 2>/dev/null || true
  fi
  HOST_PID=
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_free() { ! ss -Hltn "( sport = :$1 )" 2>/dev/null | grep -q . && ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() { local p; for p in $(seq "$1" $(( $1 + 500 ))); do port_free "$p" && { echo "$p"; return 0; }; done; return 1; }

# ------------------------------------------------------------------------------------------ PostgreSQL
log "initdb ($("$PG_BIN/postgres" --version), user $PG_USER, $WORK/pgdata)"
as_pg "$PG_BIN/initdb" -D "$WORK/pgdata" -U postgres --auth=trust -E UTF8 --locale=C >/dev/null
cat >>"$WORK/pgdata/postgresql.conf" <<EOF

# bench/run.sh: durable commits (the defaults, stated), room for pgbench clients + the host's pool
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
fsync = on
synchronous_commit = on
full_page_writes = on
max_connections = 200
shared_buffers = 256MB
EOF
if [[ ${PG_STATEMENTS:-0} -eq 1 ]]; then
  printf "shared_preload_libraries = 'pg_stat_statements'\npg_stat_statements.track = top\n" >>"$WORK/pgdata/postgresql.conf"
fi
# A port can be taken between the check and the bind (other jobs on the box): then try the next one.
PG_PORT=56431
for attempt in 1 2 3 4 5; do
  PG_PORT=$(free_port $((PG_PORT + 1))) || die "no free port for PostgreSQL"
  if "${as_pg_niced[@]}" "$PG_BIN/pg_ctl" -D "$WORK/pgdata" -l "$WORK/pglog/server.log" -o "-p $PG_PORT" -w -t 60 start >/dev/null; then break; fi
  if [[ $attempt -eq 5 ]] || ! grep -q 'could not create any TCP/IP sockets' "$WORK/pglog/server.log"; then
    cat "$WORK/pglog/server.log" >&2; die "PostgreSQL did not start"
  fi
  log "port $PG_PORT was taken meanwhile, trying another"
done
log "PostgreSQL on 127.0.0.1:$PG_PORT"
prioritize "$(head -n 1 "$WORK/pgdata/postmaster.pid")"   # pg_ctl starts the postmaster in a session of its own
PG_STARTED=1
PSQL=("$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres)
q() { "${PSQL[@]}" -d "$1" -At -c "$2"; }
"${PSQL[@]}" -d postgres -c "CREATE DATABASE pipeline" -c "CREATE DATABASE seed"
PG_SETTINGS=$(q postgres "SELECT string_agg(name || '=' || current_setting(name), ', ' ORDER BY name) FROM pg_settings
  WHERE name IN ('fsync','synchronous_commit','wal_sync_method','shared_buffers','commit_delay','max_connections','full_page_writes')")
if [[ ${PG_STATEMENTS:-0} -eq 1 ]]; then q pipeline "CREATE EXTENSION pg_stat_statements" >/dev/null; q postgres "CREATE EXTENSION pg_stat_statements" >/dev/null; fi
FSTYPE=$(findmnt -no FSTYPE -T "$WORK/pgdata" 2>/dev/null || stat -f -c %T "$WORK/pgdata")
log "PostgreSQL settings: $PG_SETTINGS (data dir on $FSTYPE)"

FSYNC_LINE="-"
if [[ $FSYNC_TEST -eq 1 ]]; then
  log "pg_test_fsync -s 1 (commit ceiling of this disk)"
  (cd "$WORK" && "$PG_BIN/pg_test_fsync" -f "$WORK/fsync.tmp" -s 1) >"$WORK/raw/pg_test_fsync.txt" 2>&1 || true
  rm -f "$WORK/fsync.tmp"
  # first "fdatasync" line = one 8 kB write + fdatasync, i.e. one WAL flush per commit
  FSYNC_LINE=$(awk '/^[[:space:]]+fdatasync[[:space:]]/{print $2 " flushes/s (8 kB write + fdatasync)"; exit}' "$WORK/raw/pg_test_fsync.txt")
  FSYNC_LINE=${FSYNC_LINE:--}
  log "pg_test_fsync: $FSYNC_LINE"
fi

# ------------------------------------------------------------------------------------------ CPU accounting
# Snapshot of utime+stime (ticks) of every process, to split the CPU of a measured run between the host,
# PostgreSQL, the load generator and the rest. /proc/PID/stat of a process sums all its threads.
cpu_snap() {
  { cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk '{
      l = index($0, "("); r = 0; for (i = length($0); i > 0; i--) if (substr($0, i, 1) == ")") { r = i; break }
      comm = substr($0, l + 1, r - l - 1); n = split(substr($0, r + 2), f, " ")
      printf "%s\t%s\t%d\n", $1, comm, f[12] + f[13] }'
  awk '/^cpu /{ printf "ALL\tidle\t%d\nALL\ttotal\t%d\n", $5 + $6, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat
}
cpu_split() { # before-file after-file -> "host 97% postgres 61% wrk 38% kernel 5% other 2% idle 2%" (% of one core; max = cores x 100)
  awk -F'\t' -v hz="$(getconf CLK_TCK)" -v cores="$(nproc)" '
    function group(c) { if (c == "Pipeline.Host") return "host"; if (c == "postgres") return "postgres";
                        if (c == "wrk") return "wrk"; if (c == "pgbench") return "pgbench";
                        if (c ~ /^(kworker|kdamond|ksoftirqd|jbd2|rcu_|migration|kswapd|kcompactd|irq\/)/) return "kernel"; return "other" }
    NR == FNR { before[$1 "\t" $2] = $3; next }
    $1 == "ALL" { d[$2] = $3 - before[$1 "\t" $2]; next }
    { g[group($2)] += $3 - (($1 "\t" $2) in before ? before[$1 "\t" $2] : 0) }
    END {
      total = d["total"]; if (total <= 0) total = 1
      # system-wide ticks cover all cores: scale so that 100% = one core
      out = ""
      split("host postgres wrk pgbench kernel other", order, " ")
      for (i = 1; i <= 6; i++) if (order[i] in g) out = out sprintf("%s %.0f%% ", order[i], 100 * cores * g[order[i]] / total)
      printf "%sidle %.0f%% (of %d00%%)\n", out, 100 * cores * d["idle"] / total, cores
    }' "$1" "$2"
}
# Other jobs on the box (builds, test suites) skew every figure: wait for a quiet box before each scenario.
box_busy() { # % of one core busy over 2 s, whole box
  local a b
  a=$(awk '/^cpu /{print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6}' /proc/stat); sleep 2
  b=$(awk '/^cpu /{print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6}' /proc/stat)
  awk -v a="$a" -v b="$b" -v c="$(nproc)" 'BEGIN { split(a, x, " "); split(b, y, " "); busy = y[1] - x[1]; all = busy + y[2] - x[2]
                                                   printf "%.0f", (all > 0 ? 100 * c * busy / all : 0) }'
}
wait_quiet() { # scenario
  local start=$SECONDS busy
  while :; do
    busy=$(box_busy)
    (( busy <= QUIET_MAX )) && { (( SECONDS - start < 3 )) || log "box quiet after $((SECONDS - start)) s"; return 0; }
    if (( SECONDS - start >= QUIET_WAIT )); then
      log "WARNING: box still busy ($busy% of a core) after ${QUIET_WAIT}s: measuring $1 anyway"; return 0
    fi
    (( SECONDS - start < 3 )) && log "box busy ($busy% of a core, e.g. $(ps -eo comm --sort=-pcpu --no-headers | head -3 | paste -sd, -)): waiting up to ${QUIET_WAIT}s"
    sleep 3
  done
}

# measure tag seconds command... : runs the load generator in the background, samples the CPU split over the
# middle of its run (the generator and its PostgreSQL sessions are gone once it ends), waits for it.
# Sets CPU; the generator's output goes to $WORK/raw/<tag>.txt.
measure() {
  local tag=$1 secs=$2 pid lead rc=0; shift 2
  "${LAUNCH[@]}" "$@" >"$WORK/raw/$tag.txt" 2>&1 &
  pid=$!
  prioritize "$pid"
  lead=$(( secs >= 6 ? 2 : 1 ))
  local window=$(( secs - 2 * lead > 0 ? secs - 2 * lead : 1 )) tracer=
  sleep "$lead"; cpu_snap >"$WORK/cpu0"; pg_snap_begin "$tag"
  if [[ -n ${PROFILE:-} && $tag == "$PROFILE" && -n $HOST_PID ]]; then
    dotnet-trace collect -p "$HOST_PID" --profile dotnet-sampled-thread-time --duration "00:00:00:$(printf '%02d' "$window")" \
      -o "$OUT_DIR/$tag.nettrace" >"$WORK/raw/trace_$tag.txt" 2>&1 &
    tracer=$!
  fi
  perf_begin "$tag"
  sleep "$window"; cpu_snap >"$WORK/cpu1"; pg_snap_end "$tag" "$window"
  perf_end "$tag"
  wait "$pid" || rc=$?
  if [[ -n $tracer ]]; then
    wait "$tracer" || true
    { cat "$WORK/raw/trace_$tag.txt"; echo "== $tag: top methods by exclusive CPU samples"; dotnet-trace report "$OUT_DIR/$tag.nettrace" topN -n 30
      echo "== $tag: top methods by inclusive CPU samples"; dotnet-trace report "$OUT_DIR/$tag.nettrace" topN -n 40 --inclusive; } \
      >"$OUT_DIR/profile_$tag.txt" 2>&1 || true
  fi
  CPU=$(cpu_split "$WORK/cpu0" "$WORK/cpu1")
  NOISE=$(sed -n 's/.*other \([0-9]*\)%.*/\1/p' <<<"$CPU"); NOISE=${NOISE:-0}
  top_commands "$WORK/cpu0" "$WORK/cpu1" >>"$OUT_DIR/cpu_by_command.txt" || true
  return "$rc"
}
# perf_begin tag / perf_end tag: around a run's sampled window, with PERF=<tag> (see the knobs) the host's samples and
# their report, perf_<tag>.txt in OUT_DIR.
perf_begin() {
  [[ -n ${PERF:-} && " $PERF " == *" $1 "* && -n $HOST_PID ]] || return 0
  perf record -F 499 -g -p "$HOST_PID" -o "$OUT_DIR/perf_$1.data" >"$WORK/raw/perf_$1.txt" 2>&1 &
  PERF_PID=$!
}
perf_end() {
  [[ -n $PERF_PID ]] || return 0
  kill -INT "$PERF_PID" 2>/dev/null || true; wait "$PERF_PID" 2>/dev/null || true; PERF_PID=
  local report=(perf report -i "$OUT_DIR/perf_$1.data" --stdio -g none --percent-limit 0.5)
  { echo "== $1: host samples by library"; "${report[@]}" --no-children --sort dso
    echo "== $1: methods by their own samples"; "${report[@]}" --no-children --sort dso,sym
    # Frames without a symbol (the runtime's native code is stripped) would fill the inclusive list: left out.
    echo "== $1: methods by inclusive samples (what they call included)"; "${report[@]}" --children --sort sym | grep -v '\] 0x'
  } 2>&1 | grep -v '^#' | grep . >"$OUT_DIR/perf_$1.txt" || true
  log "perf: $OUT_DIR/perf_$1.txt"
}
# PostgreSQL's work in a run's sampled window (the same window as the CPU split): commits and rows per second of both
# databases into $OUT_DIR/pg_by_run.txt, and with PG_STATEMENTS=1 the host's statements in that window alone (calls per
# second, mean time) into $OUT_DIR/statements_<tag>.txt: what one request costs PostgreSQL, scenario by scenario.
PG_DB_STATS="SELECT datname, xact_commit, tup_inserted + tup_updated + tup_deleted, tup_fetched, blks_hit + blks_read
               FROM pg_stat_database WHERE datname IN ('pipeline', 'seed') ORDER BY datname"
PG_TABLE_STATS="SELECT relname, n_tup_ins, n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables ORDER BY relname"
pg_snap_begin() {
  q postgres "$PG_DB_STATS" >"$WORK/pgdb0" 2>/dev/null || true
  q pipeline "$PG_TABLE_STATS" >"$WORK/pgtab0" 2>/dev/null || true
  if [[ ${PG_STATEMENTS:-0} -eq 1 ]]; then   # a copy to subtract, kept in database postgres (the whole run's list stays)
    q postgres "DROP TABLE IF EXISTS statements_before; CREATE TABLE statements_before AS
                SELECT userid, dbid, queryid, calls, total_exec_time, rows FROM pg_stat_statements" >/dev/null 2>&1 || true
  fi
}
pg_snap_end() { # tag seconds
  q postgres "$PG_DB_STATS" >"$WORK/pgdb1" 2>/dev/null || return 0
  awk -F'|' -v tag="$1" -v s="$2" 'NR == FNR { for (i = 2; i <= 5; i++) b[$1, i] = $i; next }
    { printf "%s %s: %.0f commits/s, %.0f rows written/s, %.0f rows fetched/s, %.0f buffers/s\n", tag, $1,
        ($2 - b[$1, 2]) / s, ($3 - b[$1, 3]) / s, ($4 - b[$1, 4]) / s, ($5 - b[$1, 5]) / s }' \
    "$WORK/pgdb0" "$WORK/pgdb1" >>"$OUT_DIR/pg_by_run.txt"
  # The host's busiest tables (by rows inserted and updated): rows inserted and updated a second, and the share of
  # updates that were HOT (no new index entries: the row's new version fit on its page and no indexed column changed).
  q pipeline "$PG_TABLE_STATS" >"$WORK/pgtab1" 2>/dev/null &&
    awk -F'|' -v tag="$1" -v s="$2" 'NR == FNR { i[$1] = $2; u[$1] = $3; h[$1] = $4; next }
      { di = $2 - i[$1]; du = $3 - u[$1]; dh = $4 - h[$1]
        if (di + du > 0) printf "%d\t%s   %s: %.0f inserted/s, %.0f updated/s (%.0f%% HOT)\n", di + du, tag, $1, di / s, du / s, (du > 0 ? 100 * dh / du : 0) }' \
      "$WORK/pgtab0" "$WORK/pgtab1" | sort -rn | head -6 | cut -f2- >>"$OUT_DIR/pg_by_run.txt"
  if [[ ${PG_STATEMENTS:-0} -eq 1 ]]; then
    q postgres "WITH d AS (
                  SELECT s.query, s.calls - coalesce(b.calls, 0) AS calls, s.total_exec_time - coalesce(b.total_exec_time, 0) AS ms,
                         s.rows - coalesce(b.rows, 0) AS rows
                    FROM pg_stat_statements s JOIN pg_database db ON db.oid = s.dbid AND db.datname = 'pipeline'
                    LEFT JOIN statements_before b USING (userid, dbid, queryid))
                SELECT round(ms)::text || ' ms, ' || round(calls / $2.0) || ' calls/s, ' || round((ms / greatest(calls, 1))::numeric, 3)
                       || ' ms mean, ' || round(rows / greatest(calls, 1.0), 1) || ' rows a call: ' || left(regexp_replace(query, '\s+', ' ', 'g'), 140)
                  FROM d WHERE calls > 0 ORDER BY ms DESC LIMIT 15" >"$OUT_DIR/statements_$1.txt" 2>/dev/null || true
  fi
}
top_commands() { # per command name, for the record
  echo "== $(date -u +%H:%M:%S) $tag (ticks per command over the sampled window)"
  awk -F'\t' 'NR == FNR { b[$1 "\t" $2] = $3; next } $1 != "ALL" { t[$2] += $3 - (($1 "\t" $2) in b ? b[$1 "\t" $2] : 0) }
               END { for (c in t) if (t[c] > 0) printf "%8d  %s\n", t[c], c }' "$1" "$2" | sort -rn | head -8
}

# ------------------------------------------------------------------------------------------ Pipeline host
rand_hex() { head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
API_KEY="bench-$(rand_hex)"
RZP_SECRET=$(rand_hex)   # Razorpay KeySecret: bench/prep.py signs the confirm-payment bodies with it
HOST_PORT=$(free_port 58080) || die "no free port for the host"
BASE="http://127.0.0.1:$HOST_PORT"
log "publishing Pipeline.Host (Release) to $WORK/host"
dotnet publish "$REPO/Pipeline.Host/Pipeline.Host.csproj" -c Release -o "$WORK/host" --nologo -v quiet >"$WORK/raw/publish.txt" 2>&1 \
  || { tail -30 "$WORK/raw/publish.txt" >&2; die "dotnet publish failed"; }
COMMIT=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
DIRTY=$(git -C "$REPO" status --porcelain -- Pipeline.Actors Pipeline.Host Pipeline.Streams 2>/dev/null | grep -q . && echo "+uncommitted" || true)

start_host() {
  local env=(
    ASPNETCORE_ENVIRONMENT=Production
    Pipeline__Storage__Provider=Postgres
    "Pipeline__Storage__ConnectionString=Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=pipeline${CONN_OPTIONS:+;$CONN_OPTIONS}"
    "Pipeline__Admin__ApiKey=$API_KEY"
    Pipeline__RateLimits__Enabled=false
    # Secrets the host requires outside Development; the benchmark never uses them (Razorpay in Sandbox mode).
    Pipeline__Razorpay__Mode=Sandbox
    # Tickets are rendered and "sent" through the sandbox sender (recorded locally): outside Development it must be asked for.
    Pipeline__WhatsApp__Mode=Sandbox
    "Pipeline__Razorpay__KeySecret=$RZP_SECRET"
    "Pipeline__Razorpay__WebhookSecret=$(rand_hex)"
    "Pipeline__Tickets__SigningKey=$(rand_hex)"
    # config/ is watched for changes; polling instead of inotify, whose per-user instances (128 by default)
    # other .NET processes on the box (test suites) can use up, which aborts the host at start.
    DOTNET_USE_POLLING_FILE_WATCHER=1
  )
  [[ -n $SHARD_COUNT ]] && env+=("Pipeline__Entities__ShardCount=$SHARD_COUNT")
  [[ -n $MAX_BATCH_SIZE ]] && env+=("Pipeline__Entities__MaxBatchSize=$MAX_BATCH_SIZE")
  [[ " $SCENARIOS " == *" webhooks "* ]] && env+=(Pipeline__Webhooks__AllowPrivateNetworks=true)   # the local receiver
  [[ -n ${PERF:-} ]] && env+=(DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0)   # perf names JIT-compiled code
  local extra=(); read -ra extra <<<"$HOST_ENV"; env+=("${extra[@]}")
  # The working directory is the repo root: the host reads config/ from there.
  (cd "$REPO" && exec "${LAUNCH[@]}" env "${env[@]}" "$WORK/host/Pipeline.Host" --urls "$BASE") >"$WORK/raw/host.log" 2>&1 &
  HOST_PID=$!
  prioritize "$HOST_PID"
  for _ in $(seq 1 120); do
    if curl -fsS -o /dev/null -H "Authorization: Bearer $API_KEY" "$BASE/api/batches?limit=1" 2>/dev/null; then
      log "host up (pid $HOST_PID, $BASE, shards=${SHARD_COUNT:-default}, max batch=${MAX_BATCH_SIZE:-default})"; return 0
    fi
    kill -0 "$HOST_PID" 2>/dev/null || { cat "$WORK/raw/host.log" >&2; die "host exited during start"; }
    sleep 0.5
  done
  cat "$WORK/raw/host.log" >&2; die "host did not answer within 60 s"
}

api() { # method path [json] -> body on stdout, fails on non-2xx
  curl -fsS -X "$1" -H "Authorization: Bearer $API_KEY" -H "Content-Type: application/json" ${3:+--data "$3"} "$BASE$2"
}
create_batches() { # count sku quantity file
  : >"$4"
  for i in $(seq 1 "$1"); do
    api POST /api/batches "{\"sku\":\"$2\",\"quantity\":$3}" | jq -r .id >>"$4"
  done
}
# Totals over the batches in a file, read through the API: "<batches> <sum(version-1)> <sum(quantity-remaining)> <negative> <over>"
api_totals() {
  local id
  while read -r id; do api GET "/api/batches/$id"; echo; done <"$1" \
    | jq -rs '[length, (map(.version - 1) | add), (map(.quantity - .remaining) | add),
               (map(select(.remaining < 0)) | length), (map(select(.remaining > .quantity)) | length)] | @tsv'
}
# Journal vs read model for the batches in a file, straight from PostgreSQL, once the journal projection has applied
# every journaled event: "<batches> <bad rows> <consume events> <consumed qty> <depleted messages>"; a row is bad when
# its BatchConsumed events (Akka.Persistence.Sql's event_journal, JSON payloads; 'BatchConsumed+outbox' when the row
# also carries its batch.depleted message) do not number version-1 or do not sum
# to quantity-remaining, it has no BatchCreated, or remaining < 0.
projection_caught_up() {
  local i
  for i in $(seq 1 300); do
    [[ $(q pipeline "SELECT (SELECT coalesce(max(ordering), 0) FROM event_journal)
                            <= coalesce((SELECT ordering FROM projection_checkpoints WHERE name = 'journal'), 0)") == t ]] && return 0
    sleep 0.1
  done
  log "WARNING: the journal projection did not catch up within 30 s"
}
journal_check() {
  local ids
  ids=$(jq -Rsc 'split("\n") | map(select(length > 0))' "$1")
  projection_caught_up
  q pipeline "
    WITH ids AS (SELECT unnest(ARRAY(SELECT jsonb_array_elements_text('$ids'::jsonb))) AS id),
    e AS (SELECT persistence_id, manifest, convert_from(message, 'UTF8')::jsonb AS payload FROM event_journal
           WHERE persistence_id IN (SELECT 'batch/' || id FROM ids)),
    j AS (SELECT b.id, b.quantity, b.remaining, b.version,
                 count(e.*) FILTER (WHERE e.manifest IN ('BatchConsumed', 'BatchConsumed+outbox')) AS consumes,
                 coalesce(sum((e.payload->>'quantity')::bigint) FILTER (WHERE e.manifest IN ('BatchConsumed', 'BatchConsumed+outbox')), 0) AS consumed,
                 count(e.*) FILTER (WHERE e.manifest = 'BatchCreated') AS created
            FROM ids JOIN batches b USING (id) LEFT JOIN e ON e.persistence_id = 'batch/' || b.id
           GROUP BY b.id, b.quantity, b.remaining, b.version)
    SELECT count(*),
           count(*) FILTER (WHERE consumes <> version - 1 OR consumed <> quantity - remaining OR created <> 1 OR remaining < 0),
           coalesce(sum(consumes), 0), coalesce(sum(consumed), 0),
           (SELECT count(*) FROM outbox o JOIN ids ON o.entity_id = 'batch/' || ids.id WHERE o.type = 'batch.depleted')
      FROM j" | tr '|' '\t'
}

field() { sed -n "s/.*[[:space:]]$1=\([^[:space:]]*\).*/\1/p" <<<" $2"; }   # field name line

RESULTS="$OUT_DIR/results.tsv"
printf 'system\tscenario\tconnections\trps\tp50_ms\tp95_ms\tp99_ms\tmax_ms\tok\terrors\tcpu\tround\tnoise\n' >"$RESULTS"
CHECKS="$OUT_DIR/checks.txt"; : >"$CHECKS"
FAILURES=0
check() { # description condition-result(0/1) detail
  local status=PASS; [[ $2 -eq 0 ]] || { status=FAIL; FAILURES=$((FAILURES + 1)); }
  printf '  [%s] %s: %s\n' "$status" "$1" "$3" | tee -a "$CHECKS" >&2
}

run_wrk() { # tag ids-file seconds connections -> sets LINE (the BENCH line) and CPU
  local out="$WORK/raw/wrk_$1.txt"
  BENCH_IDS="$2" BENCH_KEY="$API_KEY" BENCH_QMAX="$QMAX" \
    measure "wrk_$1" "$3" wrk -t "$THREADS" -c "$4" -d "${3}s" --timeout 10s -s "$LUA" "$BASE" || { cat "$out" >&2; die "wrk failed ($1)"; }
  cp "$out" "$OUT_DIR/"
  LINE=$(grep '^BENCH ' "$out") || { cat "$out" >&2; die "no BENCH line from wrk ($1)"; }
}

pipeline_scenario() { # name ids-file
  local name=$1 ids=$2 line cpu
  wait_quiet "pipeline-$name"
  local warmup=$WARMUP
  [[ -z ${WARMED[$name]:-} ]] && warmup=$FIRST_WARMUP && WARMED[$name]=1
  log "round $ROUND, pipeline $name: warm-up ${warmup}s"
  [[ $warmup -gt 0 ]] && run_wrk "${name}_warmup" "$ids" "$warmup" "$CONNECTIONS"
  sleep 1   # commands still in flight when wrk stopped complete server-side
  q pipeline "CHECKPOINT" >/dev/null
  read -r _ v0 q0 _ _ < <(api_totals "$ids")
  log "pipeline $name: measuring ${DURATION}s, $CONNECTIONS connections, $THREADS threads"
  run_wrk "$name" "$ids" "$DURATION" "$CONNECTIONS"
  line=$LINE cpu=$CPU
  sleep 1
  log "$line"
  log "CPU: $cpu"
  local n v1 q1 neg over
  read -r n v1 q1 neg over < <(api_totals "$ids")
  local ok ok_qty c409 c4xx c5xx unparsed sock non2xx dv dq
  ok=$(field ok "$line"); ok_qty=$(field ok_qty "$line"); c409=$(field c409 "$line"); c4xx=$(field c4xx "$line")
  c5xx=$(field c5xx "$line"); unparsed=$(field unparsed "$line"); non2xx=$(field non2xx "$line")
  sock=$(( $(field sock_connect "$line") + $(field sock_read "$line") + $(field sock_write "$line") + $(field sock_timeout "$line") ))
  dv=$((v1 - v0)); dq=$((q1 - q0))
  log "checks, pipeline $name:"
  echo "round $ROUND, pipeline $name" >>"$CHECKS"
  check "no 5xx, no unexpected 4xx/409, no socket errors" $(( c5xx + c4xx + c409 + sock + unparsed > 0 )) \
    "5xx=$c5xx 409=$c409 other4xx=$c4xx socket=$sock unparsed200=$unparsed (wrk non-2xx=$non2xx)"
  # Every 200 is a committed consume; requests cut off when wrk stops may commit without being counted (<= 1 per connection).
  check "committed consumes (API version delta) = 200s seen by wrk (+ <= $CONNECTIONS cut off)" \
    $(( dv < ok || dv - ok > CONNECTIONS )) "version delta=$dv, 200s=$ok, cut off=$((dv - ok))"
  check "consumed quantity (API remaining delta) = sum of 200s' consumed (+ <= $((CONNECTIONS * QMAX)) cut off)" \
    $(( dq < ok_qty || dq - ok_qty > CONNECTIONS * QMAX )) "remaining delta=$dq, sum consumed=$ok_qty"
  check "no batch negative or above its quantity (API)" $(( neg + over > 0 )) "$n batches, negative=$neg, above quantity=$over"
  local jn jbad jc jq jd
  read -r jn jbad jc jq jd < <(journal_check "$ids")
  check "journal = read model per batch (events, sum, seq, remaining >= 0)" $(( jbad > 0 || jn != n )) \
    "$jn batches, $jbad inconsistent, $jc consume events, $jq consumed in total"
  printf 'pipeline\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$CONNECTIONS" "$(field rps "$line")" \
    "$(field p50_ms "$line")" "$(field p95_ms "$line")" "$(field p99_ms "$line")" "$(field max_ms "$line")" \
    "$ok" "$((c5xx + c4xx + c409 + sock))" "$cpu" "$ROUND" "$NOISE" >>"$RESULTS"
}

deplete_check() { # a small batch hammered from every connection: must stop at exactly zero, never below
  local ids="$WORK/deplete.ids" line
  create_batches 1 bench-deplete "$DEPLETE_QTY" "$ids"
  log "deplete: batch of $DEPLETE_QTY, $CONNECTIONS connections, 3s"
  run_wrk deplete "$ids" 3 "$CONNECTIONS"; line=$LINE
  sleep 1
  log "$line"
  local n v q neg over ok ok_qty c409 c5xx c4xx
  read -r n v q neg over < <(api_totals "$ids")
  ok=$(field ok "$line"); ok_qty=$(field ok_qty "$line"); c409=$(field c409 "$line"); c5xx=$(field c5xx "$line"); c4xx=$(field c4xx "$line")
  local jn jbad jc jq jd
  read -r jn jbad jc jq jd < <(journal_check "$ids")
  log "checks, deplete:"
  echo "deplete" >>"$CHECKS"
  check "never oversold: remaining >= 0, consumed <= $DEPLETE_QTY" $(( neg > 0 || q > DEPLETE_QTY )) "consumed=$q of $DEPLETE_QTY, negative=$neg"
  check "emptied under load (remaining 0) and refused the rest with 409" $(( q != DEPLETE_QTY || c409 == 0 )) \
    "remaining=$((DEPLETE_QTY - q)), 200s=$ok, 409s=$c409"
  check "sum of 200s' consumed <= consumed <= it + cut off; no 5xx/other 4xx" \
    $(( ok_qty > q || q - ok_qty > CONNECTIONS * QMAX || c5xx + c4xx > 0 )) "sum of 200s=$ok_qty, consumed=$q, 5xx=$c5xx, other4xx=$c4xx"
  check "journal = read model; exactly one batch.depleted message" $(( jbad > 0 || jd != 1 )) \
    "$jbad inconsistent, $jc consume events, $jq consumed, depleted messages=$jd"
}

# ------------------------------------------------------------------------------------------ seed baseline (pgbench)
percentiles() { # pgbench per-transaction logs (3rd field = latency in us) -> "p50 p95 p99 max" in ms
  cat "$@" 2>/dev/null | awk '{print $3}' | sort -n | awk '
    { v[NR] = $1 }
    END {
      if (NR == 0) { print "- - - -"; exit }
      split("0.50 0.95 0.99", qs, " "); out = ""
      for (i = 1; i <= 3; i++) { k = int(qs[i] * NR + 0.999999); if (k < 1) k = 1; if (k > NR) k = NR; out = out sprintf("%.2f ", v[k] / 1000) }
      printf "%s%.2f\n", out, v[NR] / 1000 }'
}
seed_scenario() { # name script [counter SQL: grows by one per committed transaction]
  local name=$1 sc=$2 out="$WORK/raw/pgbench_$1.txt" j counter=${3:-"SELECT sum(version) FROM batches"}
  j=$(( CONNECTIONS < THREADS ? CONNECTIONS : THREADS ))
  wait_quiet "seed-$name"
  "${PSQL[@]}" -d seed -v seed_rows="$SEED_ROWS" -f "$SHARED_DIR/bench/pgbench/reset.sql" >/dev/null
  local pgb=("$PG_BIN/pgbench" -h 127.0.0.1 -p "$PG_PORT" -U postgres -n -M prepared -f "$SHARED_DIR/bench/pgbench/$sc.sql" -c "$CONNECTIONS" -j "$j")
  log "round $ROUND, seed $name ($sc.sql): warm-up ${WARMUP}s"
  [[ $WARMUP -gt 0 ]] && measure "pgbench_${name}_warmup" "$WARMUP" "${pgb[@]}" -T "$WARMUP" seed
  q seed "CHECKPOINT" >/dev/null
  local v0; v0=$(q seed "$counter")
  log "seed $name: measuring ${DURATION}s"
  measure "pgbench_$name" "$DURATION" "${pgb[@]}" -T "$DURATION" -P 5 --log --log-prefix="$WORK/pglog/$name" seed \
    || { cat "$out" >&2; die "pgbench failed ($name)"; }
  cp "$out" "$OUT_DIR/"
  local cpu=$CPU tps failed pct v1 txns neg
  tps=$(awk '/^tps = /{printf "%.1f", $3; exit}' "$out")
  failed=$(awk -F'[:(]' '/^number of failed transactions/{gsub(/ /, "", $2); print $2; exit}' "$out"); failed=${failed:-0}
  txns=$(awk -F': *' '/^number of transactions actually processed/{split($2, a, "/"); print a[1]; exit}' "$out")
  pct=$(percentiles "$WORK/pglog/$name".*)
  rm -f "$WORK/pglog/$name".*
  v1=$(q seed "$counter"); neg=$(q seed "SELECT count(*) FROM batches WHERE remaining < 0")
  log "seed $name: tps=$tps p50/p95/p99/max ms=$pct failed=$failed"
  log "CPU: $cpu"
  echo "round $ROUND, seed $name" >>"$CHECKS"
  check "pgbench: no failed transactions, every transaction one committed update" $(( failed > 0 || v1 - v0 != txns || neg > 0 )) \
    "failed=$failed, transactions=$txns, version delta=$((v1 - v0)), negative=$neg"
  read -r p50 p95 p99 pmax <<<"$pct"
  printf 'seed\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$CONNECTIONS" "$tps" "$p50" "$p95" "$p99" "$pmax" "$txns" "$failed" "$cpu" "$ROUND" "$NOISE" >>"$RESULTS"
}
# ------------------------------------------------------------------------------------------ rounds
# shellcheck source=payments.sh
source "$BENCH_DIR/payments.sh"
# shellcheck source=recovery.sh
source "$BENCH_DIR/recovery.sh"
for sc in $SCENARIOS; do case $sc in hot|spread|deplete|confirm-hot|confirm-spread|replay|reads|ndjson|webhooks|tickets|recovery) ;;
  *) die "unknown scenario $sc (hot, spread, deplete, confirm-hot, confirm-spread, replay, reads, ndjson, webhooks, tickets, recovery)" ;; esac; done
has() { [[ " $SCENARIOS " == *" $1 "* ]]; }
start_host
: >"$OUT_DIR/prep.txt"
for r in $(seq 1 "$ROUNDS"); do
  { has confirm-hot || has replay; } && prepare "confirm-hot-r$r" 1 "$CONFIRM_MEMBERS"
  has confirm-spread && prepare "confirm-spread-r$r" 100 "$CONFIRM_MEMBERS"
done
{ has confirm-hot || has confirm-spread; } && [[ $WARMUP -gt 0 ]] && prepare confirm-warm 1 3000
if has reads; then
  [[ -f $WORK/confirm-spread-r1.events ]] || prepare reads 100 100
  cat "$WORK"/*.events > "$WORK/reads.ids"
fi
has ndjson && { prepare ndjson 10 "$NDJSON_VALID"; ndjson_prepare; }
has webhooks && webhooks_setup
[[ " $SCENARIOS " == *" hot "* ]] && create_batches 1 bench-hot "$HOT_QUANTITY" "$WORK/hot.ids"
if [[ " $SCENARIOS " == *" spread "* ]]; then
  log "creating $SPREAD_BATCHES batches"; create_batches "$SPREAD_BATCHES" bench-spread "$HOT_QUANTITY" "$WORK/spread.ids"
fi
[[ $SEED -eq 1 ]] && "${PSQL[@]}" -d seed -f "$SHARED_DIR/bench/pgbench/schema.sql" >/dev/null
# The host stays up (idle) while pgbench runs: its CPU share is in the seed runs' CPU line.
for ROUND in $(seq 1 "$ROUNDS"); do
  for sc in $SCENARIOS; do
    case $sc in
      hot)    pipeline_scenario hot "$WORK/hot.ids";       [[ $SEED -eq 1 ]] && seed_scenario hot B_hot ;;
      spread) pipeline_scenario spread "$WORK/spread.ids"; [[ $SEED -eq 1 ]] && seed_scenario spread B_100 ;;
      confirm-hot)    confirm_scenario confirm-hot "confirm-hot-r$ROUND"
                      [[ $SEED -eq 1 ]] && seed_scenario confirm-hot A_hot "$seed_counter_confirm" ;;
      confirm-spread) confirm_scenario confirm-spread "confirm-spread-r$ROUND"
                      [[ $SEED -eq 1 ]] && seed_scenario confirm-spread A_100 "$seed_counter_confirm" ;;
      replay) has confirm-hot || confirm_scenario confirm-hot "confirm-hot-r$ROUND"   # makes the bodies confirmed
              replay_scenario "confirm-hot-r$ROUND" ;;
      reads)  reads_scenario "$WORK/reads.ids" ;;
    esac
  done
done
[[ " $SCENARIOS " == *" deplete "* ]] && deplete_check
has ndjson && { ROUND=1; ndjson_scenario; }
has webhooks && { ROUND=1; webhooks_scenario; }
has tickets && { ROUND=1; tickets_scenario; }
HOST_RSS=$(awk '/^VmHWM/{printf "%.0f MiB", $2 / 1024}' "/proc/$HOST_PID/status")
HOST_ERRORS=$(grep -cE '^(fail|crit):' "$WORK/raw/host.log" || true)
log "host peak RSS (VmHWM): $HOST_RSS; fail/crit log entries: $HOST_ERRORS"
echo "host" >>"$CHECKS"
check "host logged no fail/crit entries" $(( HOST_ERRORS > 0 )) "$HOST_ERRORS (see host.log)"
cp "$WORK/raw/host.log" "$OUT_DIR/host.log"
stop_host
# How PostgreSQL served the host: a query plan that scans whole tables shows here (seq_tup_read growing with the journal).
TABLE_STATS=$(q pipeline "SELECT relname || ': seq_scan=' || seq_scan || ' seq_tup_read=' || seq_tup_read || ' idx_scan=' || coalesce(idx_scan, 0)
                            || ' rows=' || n_live_tup FROM pg_stat_user_tables WHERE seq_scan + coalesce(idx_scan, 0) > 0
                            ORDER BY seq_tup_read DESC, relname LIMIT 6")
STATEMENTS=""
if [[ ${PG_STATEMENTS:-0} -eq 1 ]]; then
  STATEMENTS=$(q pipeline "SELECT round(total_exec_time)::text || ' ms total, ' || calls || ' calls, ' || round(mean_exec_time::numeric, 3)
                             || ' ms mean, ' || rows || ' rows: ' || left(regexp_replace(query, '\s+', ' ', 'g'), 160)
                           FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
                          WHERE d.datname = 'pipeline' ORDER BY total_exec_time DESC LIMIT 12")
fi
has recovery && { ROUND=1; recovery_scenario; }   # after the statistics above: its seeding and reads are not theirs

# ------------------------------------------------------------------------------------------ report
median_row() { # system scenario -> the results.tsv row of the median run by rps (lower median for an even count)
  awk -F'\t' -v s="$1" -v n="$2" '$1 == s && $2 == n' "$RESULTS" | sort -t$'\t' -k4,4g | awk '{ r[NR] = $0 } END { if (NR) print r[int((NR + 1) / 2)] }'
}
get() { median_row "$1" "$2" | cut -f "$3"; }
{
  echo "## bench/run.sh results ($(date -u '+%Y-%m-%d %H:%M UTC'))"
  echo
  echo "- Pipeline commit $COMMIT$DIRTY, Pipeline.Host Release, shards=${SHARD_COUNT:-default}, max batch=${MAX_BATCH_SIZE:-default}, connection string options \"${CONN_OPTIONS}\"${HOST_ENV:+, host settings $HOST_ENV}; host peak RSS (VmHWM) ${HOST_RSS:--}"
  echo "- $(nproc) cores ($(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo)), $(awk '/MemTotal/{printf "%.0f GiB", $2 / 1048576}' /proc/meminfo); wrk, host and PostgreSQL share them"
  echo "- $("$PG_BIN/postgres" --version), data on $FSTYPE: $PG_SETTINGS"
  echo "- pg_test_fsync: $FSYNC_LINE"
  echo "- priority (nice, autogroup nice) $PRIORITY for PostgreSQL, host, wrk and pgbench; ${DURATION}s measured after ${WARMUP}s warm-up; $CONNECTIONS connections/clients, $THREADS threads; q uniform in 1..$QMAX"
  echo "- Pipeline: wrk -t$THREADS -c$CONNECTIONS through HTTP/1.1 keep-alive; seed: pgbench -n -M prepared -c$CONNECTIONS -j$THREADS with ../shared/bench/pgbench/B_hot.sql, B_100.sql"
  echo
  echo "Median of $ROUNDS round(s):"
  echo
  echo "| scenario | Pipeline req/s | p50 ms | p95 ms | p99 ms | seed tps | seed p50 ms | seed p95 ms | seed p99 ms | Pipeline / seed |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  for sc in hot spread confirm-hot confirm-spread replay reads ndjson webhooks tickets recovery recovery-next; do
    prps=$(get pipeline "$sc" 4); stps=$(get seed "$sc" 4)
    [[ -n $prps || -n $stps ]] || continue
    ratio=$(awk -v a="${prps:-0}" -v b="${stps:-0}" 'BEGIN{ if (a > 0 && b > 0) printf "%.2fx", a / b; else print "-" }')
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$sc" "${prps:--}" "$(get pipeline "$sc" 5)" "$(get pipeline "$sc" 6)" "$(get pipeline "$sc" 7)" \
      "${stps:--}" "$(get seed "$sc" 5)" "$(get seed "$sc" 6)" "$(get seed "$sc" 7)" "$ratio"
  done
  echo
  echo "Every run (CPU in % of one core over the middle of the run; other = processes that are not ours nor kernel threads):"
  echo
  echo "| round | system | scenario | req/s or tps | p50 ms | p95 ms | p99 ms | CPU | noisy |"
  echo "|---:|---|---|---:|---:|---:|---:|---|---|"
  awk -F'\t' -v m="$NOISE_MAX" 'NR > 1 { printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", $12, $1, $2, $4, $5, $6, $7, $11, ($13 > m ? "yes" : "") }' "$RESULTS"
  echo
  echo "(ndjson: lines/s of one ${NDJSON_LINES}-line POST; confirm-*: every request, first confirmations and replays of wrapped bodies alike; recovery: distinct entities served a second by a restarted host.)"
  if [[ -s $OUT_DIR/confirm_first.tsv ]]; then
    echo
    echo "First confirmations (200 replayed:false) per second: $(awk -F'\t' '{ printf "%s%s r%s %.0f", (NR > 1 ? ", " : ""), $2, $1, $3 / $5 }' "$OUT_DIR/confirm_first.tsv")"
  fi
  [[ -z ${NDJSON_MEM:-} ]] || { echo; echo "NDJSON memory: $NDJSON_MEM"; }
  [[ -z ${RECOVERY_SUMMARY:-} ]] || { echo; echo "Recovery: $RECOVERY_SUMMARY"; }
  [[ -s $OUT_DIR/prep.txt ]] && { echo; echo "Preparation through the API:"; echo; sed 's/^/- /' "$OUT_DIR/prep.txt"; }
  for sc in hot spread confirm-hot confirm-spread; do
    r=$(awk -F'\t' -v n="$sc" '$2 == n && $1 == "pipeline" { p[$12] = $4 } $2 == n && $1 == "seed" { s[$12] = $4 }
          END { for (i = 1; i <= 1000; i++) if ((i in p) && (i in s) && s[i] > 0) o = o sprintf("%s%.2fx", o == "" ? "" : ", ", p[i] / s[i]); print o }' "$RESULTS")
    [[ -z $r ]] || { echo; echo "Pipeline / seed per round, $sc: $r"; }
  done
  echo
  echo "PostgreSQL table scans in database pipeline over the whole run (most rows read by sequential scans first):"
  echo
  sed 's/^/- /' <<<"${TABLE_STATS:-}"
  if [[ -n $STATEMENTS ]]; then
    echo
    echo "PostgreSQL's costliest statements for the host (pg_stat_statements, execution time only, whole run):"
    echo
    sed 's/^/- /' <<<"$STATEMENTS"
  fi
  echo
  echo "Correctness checks ($FAILURES failed):"
  echo
  echo '```'
  cat "$CHECKS"
  echo '```'
} >"$OUT_DIR/summary.md"
echo
cat "$OUT_DIR/summary.md"
log "results in $OUT_DIR"
[[ $FAILURES -eq 0 ]] || die "$FAILURES correctness check(s) failed"
