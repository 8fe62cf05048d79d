#!/usr/bin/env bash
# deploy/hot-entity-bench.sh -- how throughput on ONE hot entity changes when its commands are spread over the nodes
# of a cluster, measured with wrk against a throwaway three-node cluster (deploy/local-cluster.sh).
#
#   deploy/hot-entity-bench.sh            # ~2 minutes; needs wrk (apt-get install wrk), curl, dotnet, PostgreSQL
#
# Every request is POST /api/batches/{id}/consume {"quantity": 1} (admin key, rate limits off). Modes, each with the
# same wrk shape (THREADS threads, CONNECTIONS connections, WARMUP s unmeasured, then DURATION s measured):
#   one           one batch, every connection to node-1                    (the hot entity on one node; what routing
#                                                                            every command of a key to its owner gives)
#   spread        one batch, connections spread evenly over node-1..3      (no sticky routing: every node forwards to
#                                                                            the batch's one owner through cluster sharding)
#   keyed         three batches, each node's connections on a batch of its own (disjoint keys)
#   lb-rr         one batch through nginx, round robin over the three nodes (spread, plus the proxy hop)
#   lb-key        one batch through nginx with `hash $request_uri consistent`: routing by key at the balancer, so
#                 every command of the batch reaches the same node (one, plus the proxy hop). Needs nginx.
# For each: requests/s, latency percentiles, status counts (any 5xx is a failure: an owned entity never refuses for
# contention), and from the nodes' /metrics the batch entities' journal writes and commands committed during the
# measured window (commands per write: the group commit).
#
# Modes run in ROUNDS rounds, back to back, so each mode sees the same
# conditions; every row is printed with the machine's 1-minute load average when it started (other jobs skew figures).
#
# Knobs: DURATION=10 WARMUP=3 CONNECTIONS=48 THREADS=3 ROUNDS=1 MODES="one spread keyed lb-rr lb-key"
#        STATE_DIR=/tmp/pipeline-hotbench BASE_PORT=5200 (nodes on 5201..5203), KEEP_CLUSTER=0 (1: leave it running)
set -euo pipefail

DURATION=${DURATION:-10}
WARMUP=${WARMUP:-3}
CONNECTIONS=${CONNECTIONS:-48}
THREADS=${THREADS:-3}
ROUNDS=${ROUNDS:-1}
MODES=${MODES:-"one spread keyed lb-rr lb-key"}
KEEP_CLUSTER=${KEEP_CLUSTER:-0}
export STATE_DIR=${STATE_DIR:-/tmp/pipeline-hotbench}
export BASE_PORT=${BASE_PORT:-5200}
export WITH_NGINX=0

DEPLOY=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CLUSTER="$DEPLOY/local-cluster.sh"
LUA="$DEPLOY/wrk/hot-consume.lua"
BASE_ENV="Pipeline__RateLimits__Enabled=false Logging__LogLevel__Default=Warning"

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
command -v wrk >/dev/null || { log "wrk is not installed (apt-get install wrk)"; exit 1; }

HOST_ENV=$BASE_ENV "$CLUSTER" start >/dev/null
stop_lb() { [[ -f $STATE_DIR/lb/nginx.pid ]] && kill -QUIT "$(cat "$STATE_DIR/lb/nginx.pid")" 2>/dev/null || true; }
if [[ $KEEP_CLUSTER -eq 1 ]]; then trap stop_lb EXIT; else trap 'stop_lb; "$CLUSTER" stop' EXIT; fi
KEY=$(sed -n 's/^Pipeline__Admin__ApiKey=//p' "$STATE_DIR/cluster.env")
node() { echo "127.0.0.1:$((BASE_PORT + $1))"; }
LB_RR="127.0.0.1:$((BASE_PORT + 10))"
LB_KEY="127.0.0.1:$((BASE_PORT + 11))"

# Two balancers over the same nodes: round robin, and by key (the request URI holds the batch id).
start_lb() {
  command -v nginx >/dev/null || { log "nginx is not installed: lb-rr and lb-key skipped (apt-get install nginx-light)"; return 1; }
  mkdir -p "$STATE_DIR/lb"
  local servers="server $(node 1); server $(node 2); server $(node 3); keepalive 64;"
  local proxy='proxy_http_version 1.1; proxy_set_header Connection "";'
  cat >"$STATE_DIR/lb/nginx.conf" <<NGINX
worker_processes auto;
pid nginx.pid;
error_log error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path client_body; proxy_temp_path proxy; fastcgi_temp_path fastcgi; uwsgi_temp_path uwsgi; scgi_temp_path scgi;
  upstream rr { $servers }
  upstream bykey { hash \$request_uri consistent; $servers }
  server { listen $LB_RR; location / { proxy_pass http://rr; $proxy } }
  server { listen $LB_KEY; location / { proxy_pass http://bykey; $proxy } }
}
NGINX
  env -u NGINX nginx -p "$STATE_DIR/lb/" -c "$STATE_DIR/lb/nginx.conf" -e "$STATE_DIR/lb/error.log"
}
LB=0
if [[ " $MODES " == *" lb-"* ]] && start_lb; then LB=1; fi

new_batch() {
  curl -fsS -X POST "http://$(node 1)/api/batches" -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
    -d '{"sku":"hot","quantity":1000000000000}' | sed -E 's/.*"id":"([^"]+)".*/\1/'
}

# Sum over the nodes of one batch-runtime counter from /metrics.
counter() {
  local total=0 n value
  for n in 1 2 3; do
    value=$(curl -fsS "http://$(node "$n")/metrics" | awk -v m="$1" '$1 ~ "^"m"\\{" && $1 ~ /entity="batch"/ { s += $2 } END { printf "%d", s }')
    total=$((total + value))
  done
  echo "$total"
}

ALL="$(node 1),$(node 2),$(node 3)"
log "$THREADS threads, $CONNECTIONS connections, ${WARMUP}s warm-up + ${DURATION}s per mode, fresh batches for each"

FORMAT='%-13s %5s %9s %8s %8s %8s %9s %6s %5s %9s %10s %6s %8s %9s %8s %5s\n'
printf "$FORMAT" mode round req/s p50_ms p90_ms p99_ms max_ms 5xx err conflicts recoveries txns cmds/txn conflict% events load
run_mode() { # name round targets hot|keyed
  # Fresh batches for every run: a conflict drops the entity's cached copy and replays its whole journal, so a batch
  # with a long history would make the later modes pay for the earlier ones.
  local batches
  if [[ $4 == keyed ]]; then batches="$(new_batch),$(new_batch),$(new_batch)"; else batches=$(new_batch); fi
  TARGETS=$3 BATCHES=$batches KEY=$KEY wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" -s "$LUA" "http://$(node 1)" >/dev/null
  local c0 t0 k0 r0 c1 t1 k1 r1 line load events
  load=$(cut -d' ' -f1 /proc/loadavg)
  c0=$(counter pipeline_entity_conflicts_total); t0=$(counter pipeline_entity_transactions_total)
  k0=$(counter pipeline_entity_commands_committed_total); r0=$(counter pipeline_entity_recoveries_total)
  line=$(TARGETS=$3 BATCHES=$batches KEY=$KEY wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" -s "$LUA" "http://$(node 1)" | grep '^HOT ')
  c1=$(counter pipeline_entity_conflicts_total); t1=$(counter pipeline_entity_transactions_total)
  k1=$(counter pipeline_entity_commands_committed_total); r1=$(counter pipeline_entity_recoveries_total)
  events=$(curl -fsS "http://$(node 1)/api/batches/${batches%%,*}" -H "Authorization: Bearer $KEY" | sed -E 's/.*"version":([0-9]+).*/\1/')
  field() { sed -E "s/.* $1=([^ ]+).*/\1/" <<<"$line"; }
  local txns=$((t1 - t0)) cmds=$((k1 - k0)) conflicts=$((c1 - c0))
  printf "$FORMAT" "$1" "$2" "$(field rps)" "$(field p50_ms)" "$(field p90_ms)" "$(field p99_ms)" "$(field max_ms)" \
    "$(field c5xx)" "$(field errors)" "$conflicts" "$((r1 - r0))" "$txns" \
    "$(awk -v k="$cmds" -v t="$txns" 'BEGIN { printf "%.1f", t ? k / t : 0 }')" \
    "$(awk -v c="$conflicts" -v t="$((txns + conflicts))" 'BEGIN { printf "%.1f", t ? 100 * c / t : 0 }')" "$events" "$load"
}

for round in $(seq 1 "$ROUNDS"); do
  for mode in $MODES; do
    case $mode in
      one) run_mode one "$round" "$(node 1)" hot ;;
      spread) run_mode spread "$round" "$ALL" hot ;;
      keyed) run_mode keyed "$round" "$ALL" keyed ;;
      lb-rr) [[ $LB -eq 0 ]] || run_mode lb-rr "$round" "$LB_RR" hot ;;
      lb-key) [[ $LB -eq 0 ]] || run_mode lb-key "$round" "$LB_KEY" hot ;;
      *) log "unknown mode $mode"; exit 2 ;;
    esac
  done
done
echo "(5xx: refused consumes, expected 0 (503 unavailable only while a node fails over); err: wrk socket errors;"
echo " conflicts: always 0 on the engine (one owner per entity); recoveries: batch recoveries from the journal; events: the (first) batch's version at the end)"
