-- wrk script: POST /api/batches/{id}/consume {"quantity": q} with q uniform in 1..BENCH_QMAX,
-- the batch id drawn uniformly from the ids in BENCH_IDS (one per line; one line = the hot batch).
--
-- Environment (read by every wrk thread):
--   BENCH_IDS   file with the batch ids, one per line (required)
--   BENCH_KEY   admin API key, sent as "Authorization: Bearer <key>" (required)
--   BENCH_QMAX  largest quantity per request (default 5, as the pgbench B_*.sql scripts)
--
-- done() prints one machine-readable line, aggregated over all threads:
--   BENCH rps=.. p50_ms=.. p95_ms=.. p99_ms=.. max_ms=.. requests=.. ok=.. ok_qty=.. c409=.. c4xx=.. c5xx=..
--         unparsed=.. sock_connect=.. sock_read=.. sock_write=.. sock_timeout=.. non2xx=..
-- ok/ok_qty: 200 responses and the sum of their "consumed" fields; c409: insufficient_quantity;
-- c4xx: any other 4xx; c5xx: 5xx; unparsed: 200s without a "consumed" field; non2xx: wrk's own count.

local threads = {}
local next_tid = 0

function setup(thread)
  next_tid = next_tid + 1
  thread:set("tid", next_tid)
  table.insert(threads, thread)
end

local requests_by_batch
local qmax

function init(args)
  local ids_file = os.getenv("BENCH_IDS") or error("BENCH_IDS is not set")
  local key = os.getenv("BENCH_KEY") or error("BENCH_KEY is not set")
  qmax = tonumber(os.getenv("BENCH_QMAX") or "5")

  local headers = {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. key,
  }
  -- Pre-render every (batch, quantity) request once: request() then only picks one.
  requests_by_batch = {}
  for line in io.lines(ids_file) do
    local id = line:match("^%s*(.-)%s*$")
    if id ~= "" then
      local rendered = {}
      for q = 1, qmax do
        rendered[q] = wrk.format("POST", "/api/batches/" .. id .. "/consume", headers, '{"quantity":' .. q .. '}')
      end
      table.insert(requests_by_batch, rendered)
    end
  end
  if #requests_by_batch == 0 then error("no batch ids in " .. ids_file) end

  math.randomseed(os.time() * 1000 + (tid or 0) * 7919)
  ok, ok_qty, c409, c4xx, c5xx, unparsed = 0, 0, 0, 0, 0, 0
end

function request()
  return requests_by_batch[math.random(#requests_by_batch)][math.random(qmax)]
end

function response(status, headers, body)
  if status == 200 then
    ok = ok + 1
    local consumed = body and body:match('"consumed"%s*:%s*(%d+)')
    if consumed then ok_qty = ok_qty + tonumber(consumed) else unparsed = unparsed + 1 end
  elseif status == 409 then
    c409 = c409 + 1
  elseif status >= 500 then
    c5xx = c5xx + 1
  elseif status >= 400 then
    c4xx = c4xx + 1
  end
end

function done(summary, latency, requests)
  local t = { ok = 0, ok_qty = 0, c409 = 0, c4xx = 0, c5xx = 0, unparsed = 0 }
  for _, thread in ipairs(threads) do
    for name, _ in pairs(t) do t[name] = t[name] + (thread:get(name) or 0) end
  end
  local seconds = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    "BENCH rps=%.1f p50_ms=%.2f p95_ms=%.2f p99_ms=%.2f max_ms=%.2f requests=%d ok=%d ok_qty=%d c409=%d c4xx=%d c5xx=%d unparsed=%d sock_connect=%d sock_read=%d sock_write=%d sock_timeout=%d non2xx=%d\n",
    summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    summary.requests, t.ok, t.ok_qty, t.c409, t.c4xx, t.c5xx, t.unparsed,
    e.connect, e.read, e.write, e.timeout, e.status))
end
