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
#   spread        one batch, connections spread evenly over node-1..3      (no sticky routing: every node writes the
#                                                                            same entity; lost append races are retried)
#   keyed         three batches, each node's connections on a batch of its own (disjoint keys: no contention at all)
#   one-noverify  as `one`, after restarting the nodes with Pipeline:Entities:VerifyAfter=01:00:00, i.e. without the
#                 journal-tail read before each turn that a shared database needs: the extra an owner-only design
#                 (routing by key, single writer per key) could also drop
# For each: requests/s, latency percentiles, status counts, and from the nodes' /metrics the batch runtime's append
# conflicts, transactions and commands committed during the measured window.
#
# Knobs: DURATION=10 WARMUP=3 CONNECTIONS=48 THREADS=3 MODES="one spread keyed one-noverify"
#        STATE_DIR=/tmp/pipeline-hotbench BASE_PORT=5200 (nodes on 5201..5203), KEEP_CLUSTER=0 (1: leave it running)
set -euo pipefail

DURATION=${DURATION:-10}
WARMUP=${WARMUP:-3}
CONNECTIONS=${CONNECTIONS:-48}
THREADS=${THREADS:-3}
MODES=${MODES:-"one spread keyed one-noverify"}
KEEP_CLUSTER=${KEEP_CLUSTER:-0}
export STATE_DIR=${STATE_DIR:-/tmp/pipeline-hotbench}
export BASE_PORT=${BASE_PORT:-5200}
export NGINX=0

DEPLOY=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CLUSTER="$DEPLOY/local-cluster.sh"
LUA="$DEPLOY/wrk/hot-consume.lua"
BASE_ENV="Pipeline__RateLimits__Enabled=false Logging__LogLevel__Default=Warning"

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
command -v wrk >/dev/null || { log "wrk is not installed (apt-get install wrk)"; exit 1; }

HOST_ENV=$BASE_ENV "$CLUSTER" start >/dev/null
[[ $KEEP_CLUSTER -eq 1 ]] || trap '"$CLUSTER" stop' EXIT
KEY=$(sed -n 's/^Pipeline__Admin__ApiKey=//p' "$STATE_DIR/cluster.env")
node() { echo "127.0.0.1:$((BASE_PORT + $1))"; }

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

HOT=$(new_batch)
KEYED="$(new_batch),$(new_batch),$(new_batch)"
ALL="$(node 1),$(node 2),$(node 3)"
log "hot batch $HOT; $THREADS threads, $CONNECTIONS connections, ${WARMUP}s warm-up + ${DURATION}s per mode"

printf '%-13s %9s %8s %8s %8s %9s %7s %6s %10s %9s %9s\n' mode req/s p50_ms p90_ms p99_ms max_ms 5xx+err conflicts txns cmds/txn conflict%
run_mode() { # name targets batches
  TARGETS=$2 BATCHES=$3 KEY=$KEY wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" -s "$LUA" "http://$(node 1)" >/dev/null
  local c0 t0 k0 c1 t1 k1 line
  c0=$(counter pipeline_entity_conflicts_total); t0=$(counter pipeline_entity_transactions_total); k0=$(counter pipeline_entity_commands_committed_total)
  line=$(TARGETS=$2 BATCHES=$3 KEY=$KEY wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" -s "$LUA" "http://$(node 1)" | grep '^HOT ')
  c1=$(counter pipeline_entity_conflicts_total); t1=$(counter pipeline_entity_transactions_total); k1=$(counter pipeline_entity_commands_committed_total)
  field() { sed -E "s/.* $1=([^ ]+).*/\1/" <<<"$line"; }
  local txns=$((t1 - t0)) cmds=$((k1 - k0)) conflicts=$((c1 - c0))
  printf '%-13s %9s %8s %8s %8s %9s %7s %6s %10s %9s %9s\n' "$1" "$(field rps)" "$(field p50_ms)" "$(field p90_ms)" "$(field p99_ms)" \
    "$(field max_ms)" "$(( $(field c5xx) + $(field errors) ))" "$conflicts" "$txns" \
    "$(awk -v k="$cmds" -v t="$txns" 'BEGIN { printf "%.1f", t ? k / t : 0 }')" \
    "$(awk -v c="$conflicts" -v t="$((txns + conflicts))" 'BEGIN { printf "%.1f", t ? 100 * c / t : 0 }')"
}

for mode in $MODES; do
  case $mode in
    one) run_mode one "$(node 1)" "$HOT" ;;
    spread) run_mode spread "$ALL" "$HOT" ;;
    keyed) run_mode keyed "$ALL" "$KEYED" ;;
    one-noverify)
      for n in 1 2 3; do HOST_ENV="$BASE_ENV Pipeline__Entities__VerifyAfter=01:00:00" NO_BUILD=1 "$CLUSTER" restart "$n" 2>/dev/null; done
      run_mode one-noverify "$(node 1)" "$HOT" ;;
    *) log "unknown mode $mode"; exit 2 ;;
  esac
done
echo "(conflicts: appends refused because another node wrote the batch first, each retried; conflict% = conflicts / (transactions + conflicts))"
