-- wrk script: GET /api/events/{eventId} (public read), the event drawn uniformly from BENCH_IDS (one id a line).
-- done() prints: BENCH rps=.. p50_ms=.. p95_ms=.. p99_ms=.. max_ms=.. requests=.. ok=.. c4xx=.. c5xx=.. sock_*=.. non2xx=..
local threads = {}
local next_tid = 0
function setup(thread) next_tid = next_tid + 1; thread:set("tid", next_tid); table.insert(threads, thread) end
local reqs
function init(args)
  local file = os.getenv("BENCH_IDS") or error("BENCH_IDS is not set")
  reqs = {}
  for line in io.lines(file) do
    local id = line:match("^%s*(.-)%s*$")
    if id ~= "" then table.insert(reqs, wrk.format("GET", "/api/events/" .. id)) end
  end
  math.randomseed(os.time() * 1000 + (tid or 0) * 7919)
  ok, c4xx, c5xx = 0, 0, 0
end
function request() return reqs[math.random(#reqs)] end
function response(status, headers, body)
  if status == 200 then ok = ok + 1 elseif status >= 500 then c5xx = c5xx + 1 elseif status >= 400 then c4xx = c4xx + 1 end
end
function done(summary, latency, requests)
  local t = { ok = 0, c4xx = 0, c5xx = 0 }
  for _, thread in ipairs(threads) do for name, _ in pairs(t) do t[name] = t[name] + (thread:get(name) or 0) end end
  local e = summary.errors
  io.write(string.format(
    "BENCH rps=%.1f p50_ms=%.2f p95_ms=%.2f p99_ms=%.2f max_ms=%.2f requests=%d ok=%d c4xx=%d c5xx=%d c409=0 unparsed=0 sock_connect=%d sock_read=%d sock_write=%d sock_timeout=%d non2xx=%d ok_qty=0\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    summary.requests, t.ok, t.c4xx, t.c5xx, e.connect, e.read, e.write, e.timeout, e.status))
end
