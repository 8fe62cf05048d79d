-- wrk script for deploy/hot-entity-bench.sh: every request is POST /api/batches/{id}/consume {"quantity": 1}.
-- Thread i connects to node TARGETS[i mod #TARGETS] and consumes from BATCHES[i mod #BATCHES], so one run can put
-- every connection on one node, spread one batch over all nodes, or give each node a batch of its own.
--
-- Environment:
--   TARGETS  comma-separated host:port of the nodes, e.g. 127.0.0.1:5201,127.0.0.1:5202,127.0.0.1:5203 (required)
--   BATCHES  comma-separated batch ids (required)
--   KEY      admin API key (required)
--
-- done() prints one line: HOT rps=.. p50_ms=.. p90_ms=.. p99_ms=.. max_ms=.. requests=.. ok=.. c409=.. c5xx=.. errors=..

local function split(text)
  local out = {}
  for part in string.gmatch(text, "([^,]+)") do table.insert(out, part) end
  return out
end

local threads = {}
local count = 0

function setup(thread)
  local targets = split(os.getenv("TARGETS") or error("TARGETS is not set"))
  local batches = split(os.getenv("BATCHES") or error("BATCHES is not set"))
  local target = targets[(count % #targets) + 1]
  local host, port = target:match("^(.+):(%d+)$")
  thread.addr = wrk.lookup(host, port)[1]
  thread:set("batch", batches[(count % #batches) + 1])
  count = count + 1
  table.insert(threads, thread)
end

local rendered

function init(args)
  local key = os.getenv("KEY") or error("KEY is not set")
  rendered = wrk.format("POST", "/api/batches/" .. batch .. "/consume",
    { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. key }, '{"quantity":1}')
  ok, c409, c5xx = 0, 0, 0
end

function request()
  return rendered
end

function response(status, headers, body)
  if status == 200 then
    ok = ok + 1
  elseif status == 409 then
    c409 = c409 + 1
  elseif status >= 500 then
    c5xx = c5xx + 1
  end
end

function done(summary, latency, requests)
  local t_ok, t_409, t_5xx = 0, 0, 0
  for _, thread in ipairs(threads) do
    t_ok = t_ok + thread:get("ok")
    t_409 = t_409 + thread:get("c409")
    t_5xx = t_5xx + thread:get("c5xx")
  end
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("HOT rps=%.1f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f requests=%d ok=%d c409=%d c5xx=%d errors=%d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    summary.requests, t_ok, t_409, t_5xx, errors))
end
