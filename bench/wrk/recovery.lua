-- wrk script: one POST /api/batches/{id}/consume {"quantity": 1} to each batch in BENCH_IDS, each batch once; a thread
-- stops once its share of the batches has answered. For the recovery scenario: every request is an entity's first
-- command on a node that has just started, so each pays that entity's recovery from the journal.
--
-- Environment (read by every wrk thread):
--   BENCH_IDS      file with the batch ids, one per line (required); thread t of n takes lines t, t + n, t + 2n, ...
--   BENCH_THREADS  wrk's -t (required)
--   BENCH_KEY      admin API key, sent as "Authorization: Bearer <key>" (required)
--   BENCH_DONE     a directory: a thread writes thread-<n> there once its share has answered (required)
--
-- A connection that finds its thread's share all sent waits (delay()) until the thread stops: it sends nothing more,
-- so wrk's latency percentiles are the consumes' alone.
-- done() prints one machine-readable line, aggregated over all threads (the run's length is run.sh's to measure):
--   BENCH p50_ms=.. p95_ms=.. p99_ms=.. max_ms=.. requests=.. ok=.. consumes=.. versions=.. other=..
--         sock_connect=.. sock_read=.. sock_write=.. sock_timeout=..
-- ok: 200 consumes; versions: their "version" fields summed (each batch's journal length + 1 when its state was
-- recovered whole); other: any other status of a consume.

local threads = {}
local next_tid = 0

function setup(thread)
  next_tid = next_tid + 1
  thread:set("tid", next_tid)
  table.insert(threads, thread)
end

local share, sent, idle, verifying, done_dir, finished

function init(args)
  local ids_file = os.getenv("BENCH_IDS") or error("BENCH_IDS is not set")
  local key = os.getenv("BENCH_KEY") or error("BENCH_KEY is not set")
  local headers = { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. key }
  local threads_n = tonumber(os.getenv("BENCH_THREADS") or error("BENCH_THREADS is not set"))
  done_dir = os.getenv("BENCH_DONE") or error("BENCH_DONE is not set")
  share, sent = {}, 0
  local line_no = 0
  for line in io.lines(ids_file) do
    local id = line:match("^%s*(.-)%s*$")
    if id ~= "" then
      if line_no % threads_n == tid - 1 then
        table.insert(share, wrk.format("POST", "/api/batches/" .. id .. "/consume", headers, '{"quantity":1}'))
      end
      line_no = line_no + 1
    end
  end
  idle = wrk.format("GET", "/health/live")
  -- wrk calls the first thread's request() once before it starts, to check what it returns, and never sends that one.
  verifying = tid == 1
  ok, consumes, versions, other = 0, 0, 0, 0
end

function delay()
  return sent < #share and 0 or 600000
end

function request()
  if verifying then
    verifying = false
    return idle
  end
  if sent < #share then
    sent = sent + 1
    return share[sent]
  end
  return idle
end

function response(status, headers, body)
  local version = body and body:match('"version"%s*:%s*(%d+)')
  if body and body:match('"batchId"') or status ~= 200 then
    consumes = consumes + 1
    if status == 200 and version then
      ok = ok + 1
      versions = versions + tonumber(version)
    else
      other = other + 1
    end
  end
  if consumes >= #share and not finished then
    -- wrk's main thread sleeps out -d whatever the threads do: the script tells run.sh, which stops wrk with SIGINT and
    -- takes this file's modification time as the thread's end.
    finished = true
    local marker = io.open(done_dir .. "/thread-" .. tid, "w")
    marker:write(consumes, "\n")
    marker:close()
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local t = { ok = 0, consumes = 0, versions = 0, other = 0 }
  for _, thread in ipairs(threads) do
    for name, _ in pairs(t) do t[name] = t[name] + (thread:get(name) or 0) end
  end
  local e = summary.errors
  io.write(string.format(
    "BENCH p50_ms=%.2f p95_ms=%.2f p99_ms=%.2f max_ms=%.2f requests=%d ok=%d consumes=%d versions=%d other=%d sock_connect=%d sock_read=%d sock_write=%d sock_timeout=%d\n",
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    summary.requests, t.ok, t.consumes, t.versions, t.other, e.connect, e.read, e.write, e.timeout))
end
