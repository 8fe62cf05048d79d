-- wrk script: POST /api/public/events/{eventId}/confirm-payment replaying pre-signed bodies (bench/prep.py).
--
-- Environment:
--   BENCH_BODIES   file of "<eventId>\t<json body>" lines (required)
--   BENCH_THREADS  wrk's -t (each thread sends its own slice of the file, so every body goes out once
--                  before any is sent again; after its slice a thread starts over: those are replays)
--   BENCH_SENT     optional: done() writes there the lines that certainly reached the host (see done())
--   BENCH_CONNECTIONS  wrk's -c (for BENCH_SENT)
--
-- done() prints one line aggregated over all threads:
--   BENCH rps=.. p50_ms=.. p95_ms=.. p99_ms=.. max_ms=.. requests=.. ok=.. first=.. replayed=.. c409=.. c4xx=..
--         c5xx=.. unparsed=.. sock_connect=.. sock_read=.. sock_write=.. sock_timeout=.. non2xx=.. wrapped=..
-- first: 200 with "replayed":false (a new paid registration); replayed: 200 with "replayed":true.

local threads = {}
local next_tid = 0

function setup(thread)
  next_tid = next_tid + 1
  thread:set("tid", next_tid)
  table.insert(threads, thread)
end

local reqs
i = 0   -- global: done() reads it through thread:get

function init(args)
  local file = os.getenv("BENCH_BODIES") or error("BENCH_BODIES is not set")
  local n = tonumber(os.getenv("BENCH_THREADS") or "1")
  local headers = { ["Content-Type"] = "application/json" }
  reqs = {}
  local k = 0
  for line in io.lines(file) do
    k = k + 1
    if (k - 1) % n == (tid or 1) - 1 then
      local ev, body = line:match("^([^\t]+)\t(.*)$")
      if ev then table.insert(reqs, wrk.format("POST", "/api/public/events/" .. ev .. "/confirm-payment", headers, body)) end
    end
  end
  if #reqs == 0 then error("no bodies in " .. file) end
  i = 0
  ok, first, replayed, c409, c4xx, c5xx, unparsed, wrapped = 0, 0, 0, 0, 0, 0, 0, 0
end

function request()
  i = i + 1
  if i > #reqs then i = 1; wrapped = wrapped + 1 end
  return reqs[i]
end

function response(status, headers, body)
  if status == 200 then
    ok = ok + 1
    if body:find('"replayed":false', 1, true) then first = first + 1
    elseif body:find('"replayed":true', 1, true) then replayed = replayed + 1
    else unparsed = unparsed + 1 end
  elseif status == 409 then c409 = c409 + 1
  elseif status >= 500 then c5xx = c5xx + 1
  elseif status >= 400 then c4xx = c4xx + 1 end
end

function done(summary, latency, requests)
  local t = { ok = 0, first = 0, replayed = 0, c409 = 0, c4xx = 0, c5xx = 0, unparsed = 0, wrapped = 0 }
  for _, thread in ipairs(threads) do
    for name, _ in pairs(t) do t[name] = t[name] + (thread:get(name) or 0) end
  end
  -- BENCH_SENT: the bodies that certainly reached the host (a thread's slice up to where it stopped, less the last
  -- two requests of each of its connections, which may have been cut off), for the replay scenario.
  local sent_file = os.getenv("BENCH_SENT")
  if sent_file then
    local n = #threads
    local per_conn = math.ceil(tonumber(os.getenv("BENCH_CONNECTIONS") or "64") / n)
    local reached = {}
    for k, thread in ipairs(threads) do
      reached[k] = (thread:get("wrapped") or 0) > 0 and math.huge or (thread:get("i") or 0) - 2 * per_conn
    end
    local out, k, pos = io.open(sent_file, "w"), 0, {}
    for line in io.lines(os.getenv("BENCH_BODIES")) do
      k = k + 1
      local t = (k - 1) % n + 1
      pos[t] = (pos[t] or 0) + 1
      if pos[t] <= reached[t] then out:write(line, "\n") end
    end
    out:close()
  end
  local seconds = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    "BENCH rps=%.1f p50_ms=%.2f p95_ms=%.2f p99_ms=%.2f max_ms=%.2f requests=%d ok=%d first=%d replayed=%d c409=%d c4xx=%d c5xx=%d unparsed=%d sock_connect=%d sock_read=%d sock_write=%d sock_timeout=%d non2xx=%d wrapped=%d ok_qty=0\n",
    summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    summary.requests, t.ok, t.first, t.replayed, t.c409, t.c4xx, t.c5xx, t.unparsed,
    e.connect, e.read, e.write, e.timeout, e.status, t.wrapped))
end
