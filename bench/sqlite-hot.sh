#!/usr/bin/env bash
# bench/sqlite-hot.sh -- hot consume on the embedded default: one host on SQLite (Development, rate limits off) in a
# temp folder, one batch, every wrk connection consuming 1 from it (deploy/wrk/hot-consume.lua).
#
#   bench/sqlite-hot.sh            # ~1 minute; needs wrk (apt-get install wrk), curl, jq, the .NET 10 SDK
#
# Knobs: DURATION=10 WARMUP=3 CONNECTIONS=64 THREADS=2 ROUNDS=3 PORT=5290 KEEP=0 (1: keep the temp folder)
# Prints one line per round (req/s, latency percentiles, status counts) and the host's peak RSS.
set -euo pipefail

DURATION=${DURATION:-10}
WARMUP=${WARMUP:-3}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
ROUNDS=${ROUNDS:-3}
PORT=${PORT:-5290}
KEY=dev-admin-key-change-me   # config/pipeline.Development.json
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LUA="$REPO/deploy/wrk/hot-consume.lua"
WORK=$(mktemp -d /tmp/pipeline-sqlite-hot.XXXXXX)
HOST_PID=

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
cleanup() {
  [[ -n $HOST_PID ]] && kill "$HOST_PID" 2>/dev/null && wait "$HOST_PID" 2>/dev/null || true
  [[ ${KEEP:-0} -eq 1 ]] && log "kept $WORK" || rm -rf "$WORK"
}
trap cleanup EXIT
for tool in wrk curl jq dotnet; do command -v "$tool" >/dev/null || { log "$tool is not installed"; exit 1; }; done

log "publishing Pipeline.Host (Release) to $WORK/host"
dotnet publish "$REPO/Pipeline.Host" -c Release -o "$WORK/host" --nologo -v quiet >/dev/null
cp -r "$REPO/config" "$WORK/"   # the host reads config/ from its working directory

(cd "$WORK" && ASPNETCORE_ENVIRONMENT=Development \
  Pipeline__Storage__Provider=Sqlite Pipeline__Storage__ConnectionString="Data Source=$WORK/pipeline.db" \
  Pipeline__RateLimits__Enabled=false \
  exec "$WORK/host/Pipeline.Host" --urls "http://127.0.0.1:$PORT" >"$WORK/host.log" 2>&1) &
HOST_PID=$!
for _ in $(seq 1 120); do
  curl -fs "http://127.0.0.1:$PORT/health/ready" >/dev/null 2>&1 && break
  kill -0 "$HOST_PID" 2>/dev/null || { log "host exited; see $WORK/host.log"; KEEP=1; exit 1; }
  sleep 0.5
done
log "host up (pid $HOST_PID) on SQLite $WORK/pipeline.db"

batch() {
  curl -fs -X POST "http://127.0.0.1:$PORT/api/batches" -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
    -d '{"sku": "hot", "quantity": 100000000}' | jq -r .id
}

printf '%-6s %10s %8s %8s %8s %8s %8s %6s %6s\n' round req/s p50_ms p90_ms p99_ms max_ms requests 5xx errors
for round in $(seq 1 "$ROUNDS"); do
  id=$(batch)
  TARGETS="127.0.0.1:$PORT" BATCHES=$id KEY=$KEY wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" -s "$LUA" \
    "http://127.0.0.1:$PORT" >/dev/null
  line=$(TARGETS="127.0.0.1:$PORT" BATCHES=$id KEY=$KEY wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" -s "$LUA" \
    "http://127.0.0.1:$PORT" | grep '^HOT')
  field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $line"; }
  printf '%-6s %10s %8s %8s %8s %8s %8s %6s %6s\n' "$round" "$(field rps)" "$(field p50_ms)" "$(field p90_ms)" \
    "$(field p99_ms)" "$(field max_ms)" "$(field requests)" "$(field c5xx)" "$(field errors)"
done
log "host peak RSS: $(awk '/VmHWM/ {printf "%.0f MiB", $2 / 1024}' "/proc/$HOST_PID/status")"
