# bench/payments.sh -- payment scenarios of bench/run.sh (sourced by it, not run alone): confirm-payment on one hot
# event and over 100 events, the same confirmations replayed, public event reads and NDJSON ingestion.
# Uses run.sh's functions and variables (measure, check, q, api, seed_scenario, BASE, API_KEY, RZP_SECRET, WORK, ...).
#
# Knobs (environment):
#   CONFIRM_MEMBERS=10000   members (and orders, and pre-signed bodies) prepared per confirm run; each body is sent
#                           once, after that wrk starts over (replays, counted apart: "wrapped" in the BENCH line)
#   CONFIRM_DURATION=5      measured seconds per confirm run (no warm-up: a body can be a first confirmation once)
#   READS_DURATION=$DURATION
#   NDJSON_LINES=100000     lines of the ingestion body; NDJSON_VALID=20000 of them new valid confirmations, the rest
#                           duplicates of those (replayed), unparsable lines and unknown orders (invalid)
#   PREP_WORKERS=16         threads of bench/prep.py
CONFIRM_MEMBERS=${CONFIRM_MEMBERS:-10000}
CONFIRM_DURATION=${CONFIRM_DURATION:-5}
READS_DURATION=${READS_DURATION:-$DURATION}
NDJSON_LINES=${NDJSON_LINES:-100000}
NDJSON_VALID=${NDJSON_VALID:-20000}
PREP_WORKERS=${PREP_WORKERS:-16}
PREP="$BENCH_DIR/prep.py"

rss_kib() { awk '/^VmRSS/{print $2}' "/proc/$HOST_PID/status"; }
hwm_kib() { awk '/^VmHWM/{print $2}' "/proc/$HOST_PID/status"; }

prepare() { # tag events members
  local out
  log "preparing $3 members + orders on $2 event(s) through the API ($1)"
  out=$(python3 "$PREP" "$BASE" "$API_KEY" "$RZP_SECRET" "$WORK" "$1" "$2" "$3" "$PREP_WORKERS") || die "prep.py failed ($1)"
  read -r n s <<<"$out"
  log "prepared $1: $n requests in $s s ($(awk -v n="$n" -v s="$s" 'BEGIN{printf "%.0f", n / s}') req/s)"
  echo "prep $1: $n requests in $s s" >>"$OUT_DIR/prep.txt"
}

attendees() { # events-file -> sum of attendeeCount read through GET /api/events/{id}
  local id
  while read -r id; do curl -fsS "$BASE/api/events/$id"; echo; done <"$1" | jq -s 'map(.attendeeCount) | add'
}

run_lua() { # tag lua seconds -> LINE, CPU (extra environment for the script already exported by the caller)
  local out="$WORK/raw/wrk_$1.txt"
  measure "wrk_$1" "$3" wrk -t "$THREADS" -c "$CONNECTIONS" -d "${3}s" --timeout 10s -s "$BENCH_DIR/wrk/$2" "$BASE" \
    || { cat "$out" >&2; die "wrk failed ($1)"; }
  cp "$out" "$OUT_DIR/"
  LINE=$(grep '^BENCH ' "$out") || { cat "$out" >&2; die "no BENCH line from wrk ($1)"; }
}

record() { # name line cpu ok errors
  printf 'pipeline\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$CONNECTIONS" "$(field rps "$2")" \
    "$(field p50_ms "$2")" "$(field p95_ms "$2")" "$(field p99_ms "$2")" "$(field max_ms "$2")" "$4" "$5" "$3" "$ROUND" "$NOISE" >>"$RESULTS"
}

# Once per run, before the first measured confirmation: FIRST_WARMUP seconds of confirmations on an event of their own (the
# bodies are one-shot, so the measured ones cannot be used), as pgbench and the consume scenarios get their warm-up.
# Without it the first round measured the JIT compiling the confirm path, which the preparation never runs.
confirm_warmup() {
  [[ $FIRST_WARMUP -gt 0 && -s $WORK/confirm-warm.bodies && -z ${CONFIRM_WARMED:-} ]] || return 0
  CONFIRM_WARMED=1
  log "pipeline confirm: warm-up ${FIRST_WARMUP}s on an event of its own"
  BENCH_BODIES="$WORK/confirm-warm.bodies" BENCH_THREADS="$THREADS" run_lua confirm_warmup confirm.lua "$FIRST_WARMUP"
}

confirm_scenario() { # name (confirm-hot | confirm-spread) tag: bodies in $WORK/<tag>.bodies
  local name=$1 tag=$2 line a0 a1 first replayed ok c409 c4xx c5xx sock unparsed wrapped cutoff
  confirm_warmup
  wait_quiet "pipeline-$name"
  a0=$(attendees "$WORK/$tag.events")
  q pipeline "CHECKPOINT" >/dev/null
  log "round $ROUND, pipeline $name: measuring ${CONFIRM_DURATION}s, $(wc -l <"$WORK/$tag.bodies") pre-signed bodies"
  BENCH_BODIES="$WORK/$tag.bodies" BENCH_THREADS="$THREADS" BENCH_SENT="$WORK/$tag.sent" BENCH_CONNECTIONS="$CONNECTIONS" \
    run_lua "$name" confirm.lua "$CONFIRM_DURATION"
  line=$LINE; sleep 1
  log "$line"; log "CPU: $CPU"
  a1=$(attendees "$WORK/$tag.events")
  first=$(field first "$line"); replayed=$(field replayed "$line"); ok=$(field ok "$line"); c409=$(field c409 "$line")
  c4xx=$(field c4xx "$line"); c5xx=$(field c5xx "$line"); unparsed=$(field unparsed "$line"); wrapped=$(field wrapped "$line")
  sock=$(( $(field sock_connect "$line") + $(field sock_read "$line") + $(field sock_write "$line") + $(field sock_timeout "$line") ))
  echo "round $ROUND, pipeline $name" >>"$CHECKS"
  check "no 5xx, no 4xx/409, no socket errors" $(( c5xx + c4xx + c409 + sock + unparsed > 0 )) \
    "5xx=$c5xx 409=$c409 other4xx=$c4xx socket=$sock unparsed200=$unparsed"
  cutoff=$(( a1 - a0 - first ))
  check "attendeeCount delta over the events (API) = first confirmations seen (+ <= $CONNECTIONS cut off)" \
    $(( cutoff < 0 || cutoff > CONNECTIONS )) "attendeeCount delta=$((a1 - a0)), 200 replayed:false=$first, replayed:true=$replayed (bodies wrapped $wrapped times)"
  record "$name" "$line" "$CPU" "$ok" $((c5xx + c4xx + c409 + sock))
  printf '%s\t%s\t%s\t%s\t%s\n' "$ROUND" "$name" "$first" "$replayed" "$CONFIRM_DURATION" >>"$OUT_DIR/confirm_first.tsv"
}

replay_scenario() { # tag of a confirm run: its bodies that reached the host ($WORK/<tag>.sent) are sent again
  local tag=$1 line a0 a1 first c4xx c5xx c409 sock
  wait_quiet "pipeline-replay"
  a0=$(attendees "$WORK/$tag.events")
  log "round $ROUND, pipeline replay: ${CONFIRM_DURATION}s of the $(wc -l <"$WORK/$tag.sent") bodies confirmed by confirm-hot"
  BENCH_BODIES="$WORK/$tag.sent" BENCH_THREADS="$THREADS" run_lua replay confirm.lua "$CONFIRM_DURATION"
  line=$LINE; sleep 1
  log "$line"; log "CPU: $CPU"
  a1=$(attendees "$WORK/$tag.events")
  first=$(field first "$line"); c409=$(field c409 "$line"); c4xx=$(field c4xx "$line"); c5xx=$(field c5xx "$line")
  sock=$(( $(field sock_connect "$line") + $(field sock_read "$line") + $(field sock_write "$line") + $(field sock_timeout "$line") ))
  echo "round $ROUND, pipeline replay" >>"$CHECKS"
  # The sent list (confirm.lua's BENCH_SENT) leaves out each connection's last two requests, yet every run so far has
  # shown exactly one body there that confirm-hot never confirmed (wrk seems to call request() once without sending
  # it); its first confirmation happens here: allow up to one per connection, attendeeCount must move by exactly those.
  check "replays: 200 replayed:true (<= $CONNECTIONS first confirmations of cut-off bodies), attendeeCount moves only by those, no errors" \
    $(( first > CONNECTIONS || a1 - a0 != first || c409 + c4xx + c5xx + sock > 0 )) \
    "replayed:true=$(field replayed "$line"), replayed:false=$first, attendeeCount delta=$((a1 - a0)), 409=$c409 4xx=$c4xx 5xx=$c5xx socket=$sock"
  record replay "$line" "$CPU" "$(field ok "$line")" $((c5xx + c4xx + c409 + sock))
}

reads_scenario() { # events-file
  local line c4xx c5xx sock
  wait_quiet "pipeline-reads"
  log "round $ROUND, pipeline reads: GET /api/events/{id} over $(wc -l <"$1") events, ${READS_DURATION}s"
  BENCH_IDS="$1" run_lua reads reads.lua "$READS_DURATION"
  line=$LINE
  log "$line"; log "CPU: $CPU"
  c4xx=$(field c4xx "$line"); c5xx=$(field c5xx "$line")
  sock=$(( $(field sock_connect "$line") + $(field sock_read "$line") + $(field sock_write "$line") + $(field sock_timeout "$line") ))
  echo "round $ROUND, pipeline reads" >>"$CHECKS"
  check "reads: every response 200" $(( c4xx + c5xx + sock > 0 )) "200s=$(field ok "$line"), 4xx=$c4xx, 5xx=$c5xx, socket=$sock"
  record reads "$line" "$CPU" "$(field ok "$line")" $((c4xx + c5xx + sock))
}

ndjson_prepare() { # builds $WORK/ndjson.body from the ndjson tag's orders: NDJSON_VALID valid lines, the rest mixed
  python3 - "$WORK/ndjson.orders" "$WORK/ndjson.body" "$NDJSON_LINES" "$WORK/ndjson.expected" <<'PY'
import json, random, sys
orders = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
total = int(sys.argv[3]); random.seed(7)
lines, exp = [], {"confirmed": 0, "replayed": 0, "invalid": 0}
valid = [json.dumps({"id": p, "order_id": o, "amount": int(a), "currency": c, "status": "captured"}, separators=(",", ":"))
         for _, o, p, a, c in orders]
lines += valid; exp["confirmed"] = len(valid)
rest = total - len(valid)
for k in range(rest):
    r = k % 4
    if r < 2: lines.append(random.choice(valid)); exp["replayed"] += 1
    elif r == 2: lines.append('{"id": "pay_broken", "order_id": '); exp["invalid"] += 1
    else:
        lines.append(json.dumps({"id": f"pay_unknown{k}", "order_id": f"order_unknown{k}", "amount": 50000, "currency": "INR", "status": "captured"}))
        exp["invalid"] += 1
# duplicates after their first occurrence: shuffle the tail only
head, tail = lines[:len(valid)], lines[len(valid):]
random.shuffle(tail)
open(sys.argv[2], "w").write("\n".join(head + tail) + "\n")
open(sys.argv[4], "w").write(f'{exp["confirmed"]} {exp["replayed"]} {exp["invalid"]}\n')
PY
}

ndjson_scenario() {
  local hwm0 hwm1 t out="$WORK/raw/ndjson_response.ndjson" sampler peak a0 a1 e_conf e_rep e_inv got
  read -r e_conf e_rep e_inv <"$WORK/ndjson.expected"
  wait_quiet "pipeline-ndjson"
  a0=$(attendees "$WORK/ndjson.events")
  hwm0=$(hwm_kib)
  ( p=0; while kill -0 "$HOST_PID" 2>/dev/null; do r=$(rss_kib); (( r > p )) && p=$r && echo "$p" >"$WORK/rss_peak"; sleep 0.1; done ) &
  sampler=$!
  echo "$(rss_kib)" >"$WORK/rss_peak"
  log "ndjson: POST /api/ingest/payments, $NDJSON_LINES lines ($(du -h "$WORK/ndjson.body" | cut -f1)), RSS before $(( $(rss_kib) / 1024 )) MiB"
  local c0 c1; c0=$(mktemp); c1=$(mktemp); cpu_snap >"$c0"; perf_begin ndjson
  t=$(curl -sS -o "$out" -w '%{http_code} %{time_total}' -X POST -H "Authorization: Bearer $API_KEY" \
        -H "Content-Type: application/x-ndjson" --data-binary @"$WORK/ndjson.body" "$BASE/api/ingest/payments") || die "ndjson POST failed"
  perf_end ndjson; cpu_snap >"$c1"; CPU=$(cpu_split "$c0" "$c1"); rm -f "$c0" "$c1"
  kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null || true
  peak=$(cat "$WORK/rss_peak"); hwm1=$(hwm_kib)
  read -r code secs <<<"$t"
  sleep 1
  a1=$(attendees "$WORK/ndjson.events")
  got=$(jq -rs '[length, (map(select(.outcome == "confirmed")) | length), (map(select(.outcome == "replayed")) | length),
                 (map(select(.outcome == "invalid")) | length), ([.[].line] == [range(1; length + 1)])] | @tsv' "$out")
  read -r n conf rep inv ordered <<<"$got"
  local lps; lps=$(awk -v n="$NDJSON_LINES" -v s="$secs" 'BEGIN{printf "%.1f", n / s}')
  log "ndjson: HTTP $code, $secs s, $lps lines/s; outcomes confirmed=$conf replayed=$rep invalid=$inv; RSS peak during $((peak / 1024)) MiB, VmHWM $((hwm0 / 1024)) -> $((hwm1 / 1024)) MiB; CPU: $CPU"
  echo "ndjson" >>"$CHECKS"
  check "ndjson: 200, one result line per input line in order, outcomes as built" \
    $(( code != 200 || n != NDJSON_LINES || conf != e_conf || rep != e_rep || inv != e_inv )) \
    "HTTP $code, $n result lines (in order: $ordered), confirmed=$conf/$e_conf replayed=$rep/$e_rep invalid=$inv/$e_inv"
  check "ndjson: attendeeCount delta = confirmed lines" $(( a1 - a0 != e_conf )) "delta=$((a1 - a0)), confirmed=$e_conf"
  NOISE=$(sed -n 's/.*other \([0-9]*\)%.*/\1/p' <<<"$CPU"); NOISE=${NOISE:-0}
  printf 'pipeline\tndjson\t1\t%s\t-\t-\t-\t-\t%s\t%s\t%s\t%s\t%s\n' "$lps" "$n" "$((NDJSON_LINES - n))" "$CPU" "$ROUND" "$NOISE" >>"$RESULTS"
  NDJSON_MEM="RSS before $((hwm0 / 1024)) MiB peak so far (VmHWM), peak during ingestion $((peak / 1024)) MiB (VmRSS sampled every 0.1 s), VmHWM after $((hwm1 / 1024)) MiB"
  echo "ndjson: $NDJSON_MEM" >>"$OUT_DIR/prep.txt"
}

seed_counter_confirm="SELECT sum(attendee_count) FROM events"

# tickets: the paid registrations of the confirm runs are a backlog of the ticket pipeline (render the PDF, upload
# and send through the sandbox WhatsApp sender: Pipeline__WhatsApp__Mode=Sandbox, messages recorded locally). The throttles
# (config/pipeline.json: whatsapp 80/s, tickets 200/s) are raised through PUT /api/admin/pipelines/{name}, then the
# whatsapp pipeline's processed counter is sampled over TICKETS_SECONDS; the backlog is the paid registrations
# (attendeeCount summed over every prepared event) less the tickets sent.
TICKETS_SECONDS=${TICKETS_SECONDS:-10}
pipeline_stat() { # name -> "processed failed ready"
  api GET "/api/admin/pipelines/$1" | jq -r '[.processed, .failed, (.queue.ready // .queueDepth // 0)] | @tsv'
}
tickets_scenario() {
  local p0 f0 r0 p1 f1 r1 t0 t1 rate
  for p in tickets whatsapp; do api PUT "/api/admin/pipelines/$p" '{"ratePerSecond": 100000}' >/dev/null; done
  sleep 2
  read -r p0 f0 r0 < <(pipeline_stat whatsapp); t0=$(date +%s.%N)
  log "tickets: throttles raised; whatsapp processed=$p0 failed=$f0 ready=$r0; sampling ${TICKETS_SECONDS}s"
  local c0 c1; c0=$(mktemp); c1=$(mktemp); cpu_snap >"$c0"; pg_snap_begin tickets; perf_begin tickets
  sleep "$TICKETS_SECONDS"
  perf_end tickets; cpu_snap >"$c1"; pg_snap_end tickets "$TICKETS_SECONDS"; CPU=$(cpu_split "$c0" "$c1"); rm -f "$c0" "$c1"
  read -r p1 f1 r1 < <(pipeline_stat whatsapp); t1=$(date +%s.%N)
  local paid=0 e; for e in "$WORK"/*.events; do paid=$(( paid + $(attendees "$e") )); done
  rate=$(awk -v a="$p0" -v b="$p1" -v s="$t0" -v e="$t1" 'BEGIN{printf "%.1f", (b - a) / (e - s)}')
  log "tickets: whatsapp processed $p0 -> $p1 ($rate/s), failed $f0 -> $f1, ready $r0 -> $r1; CPU: $CPU"
  echo "tickets" >>"$CHECKS"
  check "tickets: none failed while sending" $(( f1 > f0 )) \
    "failed $f0 -> $f1; paid registrations $paid, tickets sent $p1, backlog at the end $((paid - p1)) (0 = the rate is a lower bound)"
  NOISE=$(sed -n 's/.*other \([0-9]*\)%.*/\1/p' <<<"$CPU"); NOISE=${NOISE:-0}
  printf 'pipeline\ttickets\t-\t%s\t-\t-\t-\t-\t%s\t%s\t%s\t%s\t%s\n' "$rate" "$((p1 - p0))" "$((f1 - f0))" "$CPU" "$ROUND" "$NOISE" >>"$RESULTS"
}

# webhooks: a local receiver (python3, answers 204, counts) registered as an endpoint for registration.paid and
# ticket.sent before the rounds, with the webhooks pipeline paused so that the messages pile up in the outbox during
# the other scenarios; at the end the pipeline is resumed with its throttle (500/s by default) raised and the
# receiver's count is sampled over WEBHOOK_SECONDS, with the tickets and whatsapp pipelines paused meanwhile so the
# ticket backlog the confirmations left does not compete. WEBHOOK_ENDPOINTS (1) endpoints are registered on the same
# receiver (each has its own lane of Pipeline:Webhooks:MaxInFlightPerEndpoint attempts, 4 by default), so every
# message is delivered once per endpoint. Needs Pipeline__Webhooks__AllowPrivateNetworks=true (set by run.sh).
WEBHOOK_SECONDS=${WEBHOOK_SECONDS:-10}
WEBHOOK_ENDPOINTS=${WEBHOOK_ENDPOINTS:-1}
RECEIVER_PID=
webhooks_setup() {
  cat >"$WORK/receiver.py" <<'PY'
import http.server, sys, threading
count = 0; lock = threading.Lock()
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        global count
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with lock: count += 1
        self.send_response(204); self.send_header("Content-Length", "0"); self.end_headers()
    def do_GET(self):
        b = str(count).encode(); self.send_response(200); self.send_header("Content-Length", str(len(b))); self.end_headers(); self.wfile.write(b)
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer.daemon_threads = True
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
  RECEIVER_PORT=$(free_port 59080) || die "no free port for the webhook receiver"
  python3 "$WORK/receiver.py" "$RECEIVER_PORT" >"$WORK/raw/receiver.log" 2>&1 &
  RECEIVER_PID=$!
  for _ in $(seq 1 50); do curl -fsS -o /dev/null "http://127.0.0.1:$RECEIVER_PORT/" 2>/dev/null && break; sleep 0.1; done
  api PUT /api/admin/pipelines/webhooks '{"paused": true}' >/dev/null
  local i
  for i in $(seq 1 "$WEBHOOK_ENDPOINTS"); do
    api POST /api/webhook-endpoints "{\"url\": \"http://127.0.0.1:$RECEIVER_PORT/hook$i\", \"events\": [\"registration.paid\", \"ticket.sent\"]}" >/dev/null
  done
  log "webhook receiver on 127.0.0.1:$RECEIVER_PORT (pid $RECEIVER_PID), $WEBHOOK_ENDPOINTS endpoint(s), webhooks pipeline paused"
}
webhooks_scenario() {
  local c0 c1 t0 t1 p0 f0 r0 p1 f1 r1 rate
  api PUT /api/admin/pipelines/tickets '{"paused": true}' >/dev/null
  api PUT /api/admin/pipelines/whatsapp '{"paused": true}' >/dev/null
  api PUT /api/admin/pipelines/webhooks '{"paused": false, "ratePerSecond": 100000}' >/dev/null
  sleep 2
  c0=$(curl -fsS "http://127.0.0.1:$RECEIVER_PORT/"); t0=$(date +%s.%N)
  read -r p0 f0 r0 < <(pipeline_stat webhooks)
  log "webhooks: resumed, throttle raised; received so far $c0, pipeline processed=$p0 failed=$f0; sampling ${WEBHOOK_SECONDS}s"
  local s0 s1; s0=$(mktemp); s1=$(mktemp); cpu_snap >"$s0"; pg_snap_begin webhooks; perf_begin webhooks
  sleep "$WEBHOOK_SECONDS"
  perf_end webhooks; cpu_snap >"$s1"; pg_snap_end webhooks "$WEBHOOK_SECONDS"; CPU=$(cpu_split "$s0" "$s1"); rm -f "$s0" "$s1"
  c1=$(curl -fsS "http://127.0.0.1:$RECEIVER_PORT/"); t1=$(date +%s.%N)
  read -r p1 f1 r1 < <(pipeline_stat webhooks)
  rate=$(awk -v a="$c0" -v b="$c1" -v s="$t0" -v e="$t1" 'BEGIN{printf "%.1f", (b - a) / (e - s)}')
  log "webhooks: received $c0 -> $c1 ($rate/s), pipeline processed $p0 -> $p1, failed $f0 -> $f1; CPU: $CPU"
  echo "webhooks" >>"$CHECKS"
  check "webhooks: deliveries arrived, none failed" $(( c1 <= c0 || f1 > f0 )) "received $c0 -> $c1, failed $f0 -> $f1"
  NOISE=$(sed -n 's/.*other \([0-9]*\)%.*/\1/p' <<<"$CPU"); NOISE=${NOISE:-0}
  printf 'pipeline\twebhooks\t-\t%s\t-\t-\t-\t-\t%s\t%s\t%s\t%s\t%s\n' "$rate" "$((c1 - c0))" "$((f1 - f0))" "$CPU" "$ROUND" "$NOISE" >>"$RESULTS"
  kill "$RECEIVER_PID" 2>/dev/null || true; RECEIVER_PID=
  api PUT /api/admin/pipelines/tickets '{"paused": false}' >/dev/null
  api PUT /api/admin/pipelines/whatsapp '{"paused": false}' >/dev/null
}
