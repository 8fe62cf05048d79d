#!/usr/bin/env bash
# deploy/local-cluster.sh -- a throwaway three-node Pipeline cluster on this machine, for trying out failover,
# load balancing and the cluster view by hand.
#
#   deploy/local-cluster.sh start        # PostgreSQL + 3 hosts (+ nginx on :5100 when installed); prints the URLs
#   deploy/local-cluster.sh status       # which processes run, and GET /api/admin/cluster
#   deploy/local-cluster.sh kill 2       # SIGKILL node-2 (a crash: its leases expire and are taken over)
#   deploy/local-cluster.sh term 2       # SIGTERM node-2 (a graceful stop: it drains and hands its work back)
#   deploy/local-cluster.sh restart 2    # start node-2 again (after kill or term)
#   deploy/local-cluster.sh env          # export lines for the `pipeline` tool (PIPELINE_URL, PIPELINE_API_KEY)
#   deploy/local-cluster.sh stop         # stop everything and delete the state dir (KEEP=1 keeps it)
#
# What `start` does: initdb a PostgreSQL cluster as the postgres user in $STATE_DIR/pg (127.0.0.1 only, trust auth,
# durable commits), publish Pipeline.Host (Release) once into $STATE_DIR/app, and start three hosts on
# 127.0.0.1:$BASE_PORT+1..3 named node-1..node-3, all on that database (Pipeline:Storage:Provider=Postgres) with one
# shared admin key and shared Razorpay and ticket secrets (generated into $STATE_DIR/cluster.env). The hosts run from
# the repository root, so config/pipeline.json applies as in any deployment; everything else comes from the
# environment. Logs and pid files live in $STATE_DIR (node-N.log, node-N.pid, pg/postgres.log).
#
# Knobs (environment):
#   STATE_DIR=/tmp/pipeline-cluster   everything the cluster writes (under /tmp: the postgres user must reach it)
#   BASE_PORT=5100                    nodes listen on BASE_PORT+1..+3, nginx (when installed) on BASE_PORT
#   PG_PORT=55440                     first port tried for PostgreSQL (the next free one is taken)
#   NODES=3                           how many hosts
#   WITH_NGINX=auto                   auto: start nginx with deploy/nginx.conf when installed; 0: never; 1: required
#   HOST_ENV=                         extra NAME=value settings for every host, space-separated, e.g.
#                                     HOST_ENV="Pipeline__Pipelines__LeaseDuration=00:00:05 Pipeline__Node__GoneAfter=00:00:06"
#   NO_BUILD=0                        1 = reuse the app already published in $STATE_DIR/app
#   KEEP=0                            1 = `stop` keeps $STATE_DIR (logs, database files)
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE_DIR=${STATE_DIR:-/tmp/pipeline-cluster}
BASE_PORT=${BASE_PORT:-5100}
PG_PORT_FIRST=${PG_PORT:-55440}
NODES=${NODES:-3}
WITH_NGINX=${WITH_NGINX:-auto}
HOST_ENV=${HOST_ENV:-}
NO_BUILD=${NO_BUILD:-0}
KEEP=${KEEP:-0}

log() { printf 'local-cluster: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

find_pg_bin() { local i; i=$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1 || true); [[ -n $i ]] && dirname "$i"; }
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# initdb and postgres refuse to run as root: run them as the postgres user then.
as_pg() {
  if [[ $EUID -eq 0 ]]; then
    (cd "$STATE_DIR" && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

node_port() { echo $((BASE_PORT + $1)); }
node_url() { echo "http://127.0.0.1:$(node_port "$1")"; }
node_pid() { [[ -f $STATE_DIR/node-$1.pid ]] && cat "$STATE_DIR/node-$1.pid"; }
alive() { [[ -n ${1:-} ]] && kill -0 "$1" 2>/dev/null; }

# ------------------------------------------------------------------------------------------ PostgreSQL
start_postgres() {
  local pg_bin port
  pg_bin=$(find_pg_bin || true)
  if [[ -z $pg_bin ]]; then
    log "installing PostgreSQL (apt)"
    local sudo_cmd=(); [[ $EUID -eq 0 ]] || sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -qq
    "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
    pg_bin=$(find_pg_bin || true)
    [[ -n $pg_bin ]] || die "PostgreSQL installed but initdb not found"
  fi
  echo "$pg_bin" >"$STATE_DIR/pg_bin"
  mkdir -p "$STATE_DIR/pg"
  chmod 700 "$STATE_DIR/pg"
  [[ $EUID -ne 0 ]] || chown postgres: "$STATE_DIR/pg"
  as_pg "$pg_bin/initdb" -D "$STATE_DIR/pg/data" --auth=trust -U postgres --encoding=UTF8 --no-instructions >/dev/null
  port=$PG_PORT_FIRST
  local opts
  while :; do
    if ! port_in_use "$port"; then
      opts="-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$STATE_DIR/pg"
      opts+=" -c fsync=on -c synchronous_commit=on -c max_connections=300 -c shared_buffers=128MB"
      if as_pg "$pg_bin/pg_ctl" -D "$STATE_DIR/pg/data" -l "$STATE_DIR/pg/postgres.log" -o "$opts" -w -t 60 start >/dev/null 2>&1; then
        break
      fi
    fi
    port=$((port + 1))
    [[ $port -lt $((PG_PORT_FIRST + 100)) ]] || { cat "$STATE_DIR/pg/postgres.log" >&2; die "PostgreSQL did not start"; }
  done
  echo "$port" >"$STATE_DIR/pg_port"
  as_pg "$pg_bin/psql" -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -c "CREATE DATABASE pipeline" >/dev/null
  log "$("$pg_bin/postgres" --version) on 127.0.0.1:$port, database pipeline"
}

stop_postgres() {
  [[ -f $STATE_DIR/pg_bin && -d $STATE_DIR/pg/data ]] || return 0
  as_pg "$(cat "$STATE_DIR/pg_bin")/pg_ctl" -D "$STATE_DIR/pg/data" -m fast -w stop >/dev/null 2>&1 || true
}

# ------------------------------------------------------------------------------------------ hosts
write_cluster_env() {
  # One admin key and one set of secrets for every node: any node must accept any request and verify any
  # signature another node made (tickets, Razorpay).
  cat >"$STATE_DIR/cluster.env" <<EOF
ASPNETCORE_ENVIRONMENT=Production
Pipeline__Storage__Provider=Postgres
Pipeline__Storage__ConnectionString=Host=127.0.0.1;Port=$(cat "$STATE_DIR/pg_port");Database=pipeline;Username=postgres;Maximum Pool Size=50
Pipeline__Admin__ApiKey=${PIPELINE_API_KEY:-admin-$(secret)}
Pipeline__Razorpay__KeySecret=$(secret)
Pipeline__Razorpay__WebhookSecret=$(secret)
Pipeline__Tickets__SigningKey=$(secret)
Pipeline__WhatsApp__Mode=Sandbox
EOF
  chmod 600 "$STATE_DIR/cluster.env"
}

secret() { head -c 24 /dev/urandom | base64 | tr -d '/+='; }
admin_key() { sed -n 's/^Pipeline__Admin__ApiKey=//p' "$STATE_DIR/cluster.env"; }

publish() {
  if [[ $NO_BUILD -eq 1 && -f $STATE_DIR/app/Pipeline.Host.dll ]]; then
    return 0
  fi
  log "publishing Pipeline.Host (Release) into $STATE_DIR/app"
  dotnet publish "$REPO/Pipeline.Host/Pipeline.Host.csproj" -c Release -o "$STATE_DIR/app" --nologo -v quiet >"$STATE_DIR/publish.log" 2>&1 \
    || { tail -n 30 "$STATE_DIR/publish.log" >&2; die "publish failed (full log: $STATE_DIR/publish.log)"; }
}

start_node() {
  local n=$1 pid
  pid=$(node_pid "$n" || true)
  if alive "$pid"; then
    log "node-$n already runs (pid $pid)"
    return 0
  fi
  port_in_use "$(node_port "$n")" && die "port $(node_port "$n") is taken (set BASE_PORT)"
  local env_args=()
  while IFS= read -r line; do [[ -n $line ]] && env_args+=("$line"); done <"$STATE_DIR/cluster.env"
  env_args+=("Pipeline__Node__Name=node-$n")
  for kv in $HOST_ENV; do env_args+=("$kv"); done
  # Own session (setsid), so a Ctrl-C in this terminal does not reach the hosts; `stop` ends them by pid.
  (cd "$REPO" && exec setsid env "${env_args[@]}" dotnet "$STATE_DIR/app/Pipeline.Host.dll" --urls "$(node_url "$n")" \
    >>"$STATE_DIR/node-$n.log" 2>&1 </dev/null) &
  echo $! >"$STATE_DIR/node-$n.pid"
}

wait_ready() {
  local n=$1 deadline=$((SECONDS + 60))
  until curl -fsS -o /dev/null "$(node_url "$n")/health/ready" 2>/dev/null; do
    alive "$(node_pid "$n")" || { tail -n 20 "$STATE_DIR/node-$n.log" >&2; die "node-$n exited (log: $STATE_DIR/node-$n.log)"; }
    [[ $SECONDS -lt $deadline ]] || die "node-$n not ready within 60 s (log: $STATE_DIR/node-$n.log)"
    sleep 0.3
  done
}

signal_node() { # signal n
  local pid; pid=$(node_pid "$2" || true)
  alive "$pid" || { log "node-$2 is not running"; return 0; }
  local start; start=$(date +%s.%N)
  kill -"$1" "$pid"
  while alive "$pid"; do
    awk -v s="$start" -v n="$(date +%s.%N)" 'BEGIN { exit !(n - s < 60) }' || die "node-$2 (pid $pid) still runs 60 s after SIG$1"
    sleep 0.05
  done
  log "node-$2 (pid $pid) exited $(awk -v s="$start" -v n="$(date +%s.%N)" 'BEGIN { printf "%.2f", n - s }') s after SIG$1"
}

# ------------------------------------------------------------------------------------------ nginx
start_nginx() {
  [[ $WITH_NGINX != 0 ]] || return 0
  if ! command -v nginx >/dev/null; then
    [[ $WITH_NGINX != 1 ]] || die "WITH_NGINX=1 but nginx is not installed (apt-get install nginx-light)"
    log "nginx not installed: no load balancer (apt-get install nginx-light, then start again)"
    return 0
  fi
  mkdir -p "$STATE_DIR/nginx"
  # The example config with this run's ports; relative paths in it resolve against the prefix (-p).
  sed -e "s/127\.0\.0\.1:5101/127.0.0.1:$(node_port 1)/; s/127\.0\.0\.1:5102/127.0.0.1:$(node_port 2)/; s/127\.0\.0\.1:5103/127.0.0.1:$(node_port 3)/" \
      -e "s/listen 127\.0\.0\.1:5100/listen 127.0.0.1:$BASE_PORT/" \
      "$REPO/deploy/nginx.conf" >"$STATE_DIR/nginx/nginx.conf"
  # NGINX in the environment means "inherited sockets" to nginx (binary upgrade), and it would not daemonize.
  env -u NGINX nginx -p "$STATE_DIR/nginx/" -c "$STATE_DIR/nginx/nginx.conf" -e "$STATE_DIR/nginx/error.log" \
    || die "nginx did not start (see $STATE_DIR/nginx/error.log)"
  log "nginx on http://127.0.0.1:$BASE_PORT (round robin over the nodes)"
}

stop_nginx() {
  local pid_file=$STATE_DIR/nginx/nginx.pid
  [[ -f $pid_file ]] || return 0
  local pid; pid=$(cat "$pid_file")
  alive "$pid" && kill -QUIT "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do alive "$pid" || break; sleep 0.1; done
}

# ------------------------------------------------------------------------------------------ commands
print_env() {
  echo "export PIPELINE_URL=$(node_url 1) PIPELINE_API_KEY=$(admin_key)"
}

cmd_start() {
  command -v dotnet >/dev/null || die "dotnet (SDK 10) is not installed"
  [[ ! -f $STATE_DIR/pg_port ]] || die "a cluster already runs from $STATE_DIR (deploy/local-cluster.sh stop first)"
  mkdir -p "$STATE_DIR"
  chmod 755 "$STATE_DIR"
  publish
  start_postgres
  write_cluster_env
  local n
  for n in $(seq 1 "$NODES"); do start_node "$n"; done
  for n in $(seq 1 "$NODES"); do wait_ready "$n"; done
  if [[ $NODES -eq 3 ]]; then start_nginx; fi
  echo
  for n in $(seq 1 "$NODES"); do echo "node-$n  $(node_url "$n")   (pid $(node_pid "$n"), log $STATE_DIR/node-$n.log)"; done
  [[ -f $STATE_DIR/nginx/nginx.pid ]] && echo "nginx   http://127.0.0.1:$BASE_PORT  (round robin, no sticky sessions)"
  echo "postgres Host=127.0.0.1;Port=$(cat "$STATE_DIR/pg_port");Database=pipeline;Username=postgres"
  echo
  echo "admin key: $(admin_key)"
  echo "  $(print_env)"
  echo "  dotnet run --project Pipeline.Cli -- cluster nodes"
  echo "stop with: deploy/local-cluster.sh stop"
}

cmd_stop() {
  [[ -d $STATE_DIR ]] || { log "nothing to stop ($STATE_DIR does not exist)"; return 0; }
  stop_nginx
  local pid_file n pid
  # SIGTERM all at once (each drains for at most Pipeline:Pipelines:DrainTimeout), then wait for each.
  for pid_file in "$STATE_DIR"/node-*.pid; do
    [[ -f $pid_file ]] || continue
    pid=$(cat "$pid_file"); alive "$pid" && kill -TERM "$pid" 2>/dev/null || true
  done
  for pid_file in "$STATE_DIR"/node-*.pid; do
    [[ -f $pid_file ]] || continue
    pid=$(cat "$pid_file")
    for _ in $(seq 1 400); do alive "$pid" || break; sleep 0.1; done
    if alive "$pid"; then log "pid $pid did not stop in 40 s: SIGKILL"; kill -KILL "$pid" 2>/dev/null || true; fi
    rm -f "$pid_file"
  done
  stop_postgres
  if [[ $KEEP -eq 1 ]]; then
    rm -f "$STATE_DIR/pg_port"
    log "stopped; kept $STATE_DIR"
  else
    rm -rf "$STATE_DIR"
    log "stopped and removed $STATE_DIR"
  fi
}

cmd_status() {
  [[ -f $STATE_DIR/cluster.env ]] || die "no cluster in $STATE_DIR"
  local n pid
  for n in $(seq 1 "$NODES"); do
    pid=$(node_pid "$n" || true)
    if alive "$pid"; then echo "node-$n  $(node_url "$n")  pid $pid"; else echo "node-$n  $(node_url "$n")  not running"; fi
  done
  for n in $(seq 1 "$NODES"); do
    if curl -fsS -H "Authorization: Bearer $(admin_key)" "$(node_url "$n")/api/admin/cluster" 2>/dev/null \
        | { if command -v jq >/dev/null; then jq -r '.nodes[] | "\(.name)\t\(.status)\theartbeat \(.lastHeartbeat)\tin flight \(.inFlight)"'; else cat; fi; }; then
      return 0
    fi
  done
  log "no node answers GET /api/admin/cluster"
}

case ${1:-} in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  env) print_env ;;
  kill) [[ -n ${2:-} ]] || die "usage: $0 kill N"; signal_node KILL "$2" ;;
  term) [[ -n ${2:-} ]] || die "usage: $0 term N"; signal_node TERM "$2" ;;
  restart)
    [[ -n ${2:-} ]] || die "usage: $0 restart N"
    signal_node TERM "$2"; start_node "$2"; wait_ready "$2"; log "node-$2 serves on $(node_url "$2")" ;;
  *) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
