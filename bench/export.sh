#!/usr/bin/env bash
# Attendee export benchmark: rows exported per second and the host's peak memory for one export of ROWS registrations.
# Publishes the host (Release), starts it on a throwaway SQLite file (or PostgreSQL: PROVIDER=Postgres CONNECTION=...),
# seeds ROWS paid registrations straight into the read side (what the journal projection would have written: going
# through the payment API would take minutes and measure payments, not exports), runs one export through the API and
# reports: rows/s from the job's startedAt..completedAt, the host's resident memory (VmRSS) before the export, and its
# peak (VmHWM, the kernel's high-water mark) after it. Usage: bench/export.sh [ROWS] [csv|ndjson]
set -euo pipefail
ROWS=${1:-100000}
FORMAT=${2:-csv}
PROVIDER=${PROVIDER:-Sqlite}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d /tmp/pipeline-export-bench.XXXXXX)
KEY=export-bench-admin-key-0123
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL=http://127.0.0.1:$PORT
HOST_PID=
cleanup() { [ -n "$HOST_PID" ] && kill "$HOST_PID" 2>/dev/null && wait "$HOST_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

if [ "$PROVIDER" = Sqlite ]; then CONNECTION="Data Source=$WORK/pipeline.db"; fi
dotnet publish "$ROOT/Pipeline.Host" -c Release -o "$WORK/host" >/dev/null

start_host() {
  (cd "$ROOT" && ASPNETCORE_ENVIRONMENT=Production Logging__LogLevel__Default=Warning \
    Pipeline__Storage__Provider=$PROVIDER Pipeline__Storage__ConnectionString="$CONNECTION" Pipeline__Admin__ApiKey=$KEY \
    Pipeline__Razorpay__KeySecret=bench-secret Pipeline__Razorpay__WebhookSecret=bench-secret \
    Pipeline__Tickets__SigningKey=bench-signing-key-0123456789 Pipeline__WhatsApp__Mode=Sandbox Pipeline__RateLimits__Enabled=false \
    exec dotnet "$WORK/host/Pipeline.Host.dll" --urls "$URL" >"$WORK/host.log" 2>&1) &
  HOST_PID=$!
  for _ in $(seq 1 600); do curl -fs "$URL/health/live" >/dev/null 2>&1 && return; sleep 0.1; done
  echo "host did not start" >&2; cat "$WORK/host.log" >&2; exit 1
}

start_host   # creates the schema
EVENT=evt_export_bench
if [ "$PROVIDER" = Sqlite ]; then
  NOW="strftime('%Y-%m-%dT%H:%M:%fZ','now')"
  sqlite3 "$WORK/pipeline.db" <<SQL
.timeout 10000
INSERT INTO events (id, name, venue, starts_at, fee_amount, fee_currency, created_at) VALUES ('$EVENT','Bench Conf','Pune',$NOW,49900,'INR',$NOW);
WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM g WHERE n < $ROWS)
INSERT INTO members (id, name, phone, email, created_at)
SELECT 'mem_'||n, 'Member, "'||n||'"', '+9190'||printf('%08d',n), 'm'||n||'@example.com', $NOW FROM g;
WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM g WHERE n < $ROWS)
INSERT INTO registrations (id, event_id, member_id, status, order_id, payment_id, amount, currency, paid_at, checked_in_at,
  ticket_status, ticket_sent_at, whatsapp_message_id, ticket_attempts, ticket_last_error, created_at)
SELECT 'reg_'||n, '$EVENT', 'mem_'||n, 'paid', 'order_'||n, 'pay_'||n, 49900, 'INR', $NOW, NULL, 'sent', $NOW, 'wamid_'||n, 1, NULL, $NOW FROM g;
SQL
else
  psql "$PSQL_URL" -q <<SQL
INSERT INTO events (id, name, venue, starts_at, fee_amount, fee_currency, created_at) VALUES ('$EVENT','Bench Conf','Pune',now(),49900,'INR',now());
INSERT INTO members (id, name, phone, email, created_at)
SELECT 'mem_'||g, 'Member, "'||g||'"', '+9190'||lpad(g::text,8,'0'), 'm'||g||'@example.com', now() FROM generate_series(1,$ROWS) g;
INSERT INTO registrations (id, event_id, member_id, status, order_id, payment_id, amount, currency, paid_at, checked_in_at,
  ticket_status, ticket_sent_at, whatsapp_message_id, ticket_attempts, ticket_last_error, created_at)
SELECT 'reg_'||g, '$EVENT', 'mem_'||g, 'paid', 'order_'||g, 'pay_'||g, 49900, 'INR', now(), NULL, 'sent', now(), 'wamid_'||g, 1, NULL, now()
FROM generate_series(1,$ROWS) g;
SQL
fi

HOST=$(pgrep -P "$HOST_PID" -f Pipeline.Host.dll || echo "$HOST_PID")
rss() { awk -v k="$1:" '$1==k {print int($2/1024)}' "/proc/$HOST/status"; }
curl -fs "$URL/api/events/$EVENT" >/dev/null
BEFORE=$(rss VmRSS)
JOB=$(curl -fs -X POST "$URL/api/events/$EVENT/exports" -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
  -d "{\"format\":\"$FORMAT\",\"status\":\"all\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
while :; do
  STATE=$(curl -fs "$URL/api/jobs/$JOB" -H "Authorization: Bearer $KEY")
  case $(echo "$STATE" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])') in
    completed) break ;; failed) echo "export failed: $STATE" >&2; exit 1 ;; esac
  sleep 0.2
done
PEAK=$(rss VmHWM)
BYTES=$(curl -fs "$URL/api/jobs/$JOB/download" -H "Authorization: Bearer $KEY" | wc -c)
echo "$STATE" | python3 -c "
import json, sys
from datetime import datetime
j = json.load(sys.stdin)
t = lambda s: datetime.fromisoformat(s.replace('Z', '+00:00'))
seconds = (t(j['completedAt']) - t(j['startedAt'])).total_seconds()
rows = j['progress']['done']
print(f'provider=$PROVIDER format=$FORMAT rows={rows} seconds={seconds:.2f} rows_per_second={rows/seconds:,.0f} file_bytes=$BYTES rss_before_mb=$BEFORE peak_rss_mb=$PEAK')
"
