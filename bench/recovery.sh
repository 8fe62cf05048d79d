# bench/recovery.sh -- the recovery scenario of bench/run.sh (sourced by it, not run alone): how fast a node that has
# just started serves its first RECOVERY_SERVED distinct entities out of a journal of RECOVERY_ENTITIES batches of
# RECOVERY_EVENTS events each (1,000,000 events over 100,000 entities by default, issue 16).
#
# The journal is written straight into PostgreSQL as the host writes it (JournalSerializer's JSON, its manifests and
# serializer id), with the read side's batches and the projection's checkpoint past it: a cluster whose read side is
# caught up and whose entities are all out of memory, as after a restart. Going through the API would take minutes and
# leave the entities in memory. The host is then restarted (a cold node) and one consume of 1 goes to each of
# RECOVERY_SERVED batches drawn at random, CONNECTIONS at a time (wrk/recovery.lua): each is that entity's first command,
# so each pays its recovery (the journal's read of its events, their replay) before its write.
#
# Knobs: RECOVERY_ENTITIES (100000), RECOVERY_EVENTS (10: BatchCreated, then 9 consumes), RECOVERY_SERVED (10000).
RECOVERY_ENTITIES=${RECOVERY_ENTITIES:-100000}
RECOVERY_EVENTS=${RECOVERY_EVENTS:-10}
RECOVERY_SERVED=${RECOVERY_SERVED:-10000}
RECOVERY_QUANTITY=1000000
RECOVERY_SERIALIZER=4711   # JournalSerializer.Id, stored with every event
RECOVERY_LUA="$BENCH_DIR/wrk/recovery.lua"

recovery_seed() { # -> seconds it took
  local t0 at='2026-12-05T00:00:00.000Z'
  t0=$(date +%s.%N)
  q pipeline "
    INSERT INTO event_journal (created, deleted, persistence_id, sequence_number, message, manifest, identifier, writer_uuid)
    SELECT (extract(epoch FROM now()) * 1000)::bigint, false, 'batch/bat_rec' || b, s,
           convert_to(CASE WHEN s = 1
             THEN json_build_object('id', 'bat_rec' || b, 'sku', 'bench-recovery', 'quantity', $RECOVERY_QUANTITY, 'at', '$at')
             ELSE json_build_object('quantity', 1, 'remaining', $RECOVERY_QUANTITY - (s - 1), 'version', s, 'at', '$at') END::text, 'UTF8'),
           CASE WHEN s = 1 THEN 'BatchCreated' ELSE 'BatchConsumed' END, $RECOVERY_SERIALIZER, 'bench-recovery'
      FROM generate_series(1, $RECOVERY_ENTITIES) b CROSS JOIN generate_series(1, $RECOVERY_EVENTS) s
     ORDER BY b, s;
    INSERT INTO batches (id, sku, quantity, remaining, version, created_at)
    SELECT 'bat_rec' || b, 'bench-recovery', $RECOVERY_QUANTITY, $RECOVERY_QUANTITY - ($RECOVERY_EVENTS - 1), $RECOVERY_EVENTS, now()
      FROM generate_series(1, $RECOVERY_ENTITIES) b;
    INSERT INTO projection_checkpoints (name, ordering) SELECT 'journal', max(ordering) FROM event_journal
    ON CONFLICT (name) DO UPDATE SET ordering = excluded.ordering, gaps = '[]', updated_at = now();" >/dev/null
  # What autovacuum would have done to a journal this size long before a restart: the planner's statistics.
  q pipeline "ANALYZE event_journal" >/dev/null
  q pipeline "ANALYZE batches" >/dev/null
  q pipeline "CHECKPOINT" >/dev/null
  awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'
}

recovery_pass() { # tag ids-file -> one consume to each batch in the file; checks; sets PASS ("<n> in <s>s (<rate> a second, ...)")
  local tag=$1 ids=$2 out="$WORK/raw/wrk_$1.txt" done="$WORK/$1.done" served c0 c1 wrk_pid started ended seconds rate line
  served=$(wc -l <"$ids")
  # wrk sleeps out its -d however early its threads finish: each thread marks its end in $done, and SIGINT ends wrk.
  rm -rf "$done"; mkdir -p "$done"
  c0=$(mktemp); c1=$(mktemp); cpu_snap >"$c0"
  started=$(date +%s.%N)
  BENCH_IDS="$ids" BENCH_KEY="$API_KEY" BENCH_THREADS="$THREADS" BENCH_DONE="$done" \
    "${LAUNCH[@]}" wrk -t "$THREADS" -c "$CONNECTIONS" -d 600s --timeout 10s -s "$RECOVERY_LUA" "$BASE" >"$out" 2>&1 &
  wrk_pid=$!
  while [[ $(find "$done" -type f | wc -l) -lt $THREADS ]] && kill -0 "$wrk_pid" 2>/dev/null; do sleep 0.05; done
  cpu_snap >"$c1"; CPU=$(cpu_split "$c0" "$c1"); rm -f "$c0" "$c1"
  kill -INT "$wrk_pid" 2>/dev/null || true
  wait "$wrk_pid" || { cat "$out" >&2; die "wrk failed ($tag)"; }
  ended=$(find "$done" -type f -exec stat -c %.9Y {} + | sort -n | tail -n 1)
  seconds=$(awk -v a="$started" -v b="${ended:-$started}" 'BEGIN { printf "%.2f", b - a }')
  rate=$(awk -v n="$served" -v s="$seconds" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }')
  NOISE=$(sed -n 's/.*other \([0-9]*\)%.*/\1/p' <<<"$CPU"); NOISE=${NOISE:-0}
  cp "$out" "$OUT_DIR/"
  line=$(grep '^BENCH ' "$out") || { cat "$out" >&2; die "no BENCH line from wrk ($tag)"; }
  log "$tag: $served in ${seconds}s; $line"; log "CPU: $CPU"
  local ok other versions sock
  ok=$(field ok "$line"); other=$(field other "$line"); versions=$(field versions "$line")
  sock=$(( $(field sock_connect "$line") + $(field sock_read "$line") + $(field sock_write "$line") + $(field sock_timeout "$line") ))
  echo "$tag" >>"$CHECKS"
  check "every batch answered 200 once, no socket errors" $(( ok != served || other > 0 || sock > 0 )) \
    "200s=$ok of $served, other statuses=$other, socket=$sock"
  # Each batch's version after its consume is its journal's length + 1 only if its whole history was replayed.
  check "each batch recovered its $RECOVERY_EVENTS events (versions = $((RECOVERY_EVENTS + 1)) each)" \
    $(( versions != served * (RECOVERY_EVENTS + 1) )) "sum of versions=$versions, expected $((served * (RECOVERY_EVENTS + 1)))"
  printf 'pipeline\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$tag" "$CONNECTIONS" "$rate" \
    "$(field p50_ms "$line")" "$(field p95_ms "$line")" "$(field p99_ms "$line")" "$(field max_ms "$line")" \
    "$ok" "$((other + sock))" "$CPU" 1 "$NOISE" >>"$RESULTS"
  PASS="$served in ${seconds}s ($rate a second, p50/p95/p99 $(field p50_ms "$line")/$(field p95_ms "$line")/$(field p99_ms "$line") ms; CPU $CPU)"
}

recovery_scenario() {
  local seeded ready t0 first next rss errors
  log "recovery: stopping the host, writing $RECOVERY_ENTITIES batches x $RECOVERY_EVENTS events into the journal"
  stop_host
  seeded=$(recovery_seed)
  log "recovery: journal seeded in ${seeded}s ($(q pipeline "SELECT count(*) FROM event_journal") rows in event_journal)"
  # Two disjoint random draws: the first the restarted process serves, the next once its code is warm (tiered JIT),
  # still each batch's first command.
  shuf -n $((2 * RECOVERY_SERVED)) <(seq 1 "$RECOVERY_ENTITIES") | sed 's/^/bat_rec/' >"$WORK/recovery.all"
  head -n "$RECOVERY_SERVED" "$WORK/recovery.all" >"$WORK/recovery.ids"
  tail -n +$((RECOVERY_SERVED + 1)) "$WORK/recovery.all" >"$WORK/recovery-next.ids"
  wait_quiet recovery
  t0=$(date +%s.%N)
  start_host
  ready=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
  log "recovery: restarted host answering after ${ready}s; one consume to each of $RECOVERY_SERVED distinct batches, $CONNECTIONS connections"
  recovery_pass recovery "$WORK/recovery.ids"; first=$PASS
  recovery_pass recovery-next "$WORK/recovery-next.ids"; next=$PASS
  rss=$(awk '/^VmHWM/{printf "%.0f MiB", $2 / 1024}' "/proc/$HOST_PID/status")
  errors=$(grep -cE '^(fail|crit):' "$WORK/raw/host.log" || true)
  check "the restarted host logged no fail/crit entries" $(( errors > 0 )) "$errors (see host_recovery.log)"
  cp "$WORK/raw/host.log" "$OUT_DIR/host_recovery.log"
  RECOVERY_SUMMARY="journal of $((RECOVERY_ENTITIES * RECOVERY_EVENTS)) events over $RECOVERY_ENTITIES batches (written in ${seeded}s); the restarted host answered after ${ready}s; its first distinct batches: $first; the next (warm code, cold entities): $next; its peak RSS $rss"
  log "recovery: $RECOVERY_SUMMARY"
  stop_host
}
