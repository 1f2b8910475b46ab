-- wrk script: a bearer token (BENCH_TOKEN), or a random one per request of the lines
-- of the file BENCH_TOKENS; a JSON body (BENCH_BODY) and a method (BENCH_METHOD);
-- BENCH_PATHS, a file of request paths (with their query strings), one a line: each
-- request takes the next line, in turn (each thread from its own starting line).
-- Prints one JSON line at the end: rps, latency percentiles (ms), errors (socket
-- errors, timeouts and responses outside 2xx; non2xx counts the latter alone).
local token = os.getenv("BENCH_TOKEN")
local tokens_file = os.getenv("BENCH_TOKENS")
local body = os.getenv("BENCH_BODY")
local method = os.getenv("BENCH_METHOD") or "GET"

wrk.method = method
if token and token ~= "" then wrk.headers["Authorization"] = "Bearer " .. token end
if body and body ~= "" then
  wrk.body = body
  wrk.headers["Content-Type"] = "application/json"
end

local function lines(file)
  local found = {}
  if file and file ~= "" then
    for line in io.lines(file) do
      if line ~= "" then found[#found + 1] = line end
    end
  end
  return found
end

local tokens = lines(tokens_file)
local paths = lines(os.getenv("BENCH_PATHS"))
offset = 0  -- a global: setup() gives each thread its own starting line
local sent = 0
if #tokens > 0 or #paths > 0 then
  math.randomseed(os.time())
  request = function()
    if #tokens > 0 then
      wrk.headers["Authorization"] = "Bearer " .. tokens[math.random(#tokens)]
    end
    if #paths == 0 then return wrk.format() end
    local path = paths[(offset + sent) % #paths + 1]
    sent = sent + 1
    return wrk.format(nil, path)
  end
end

non2xx = 0  -- a global: done() reads each thread's count with thread:get
local counters = {}
setup = function(thread)
  counters[#counters + 1] = thread
  thread:set("offset", (#counters - 1) * 7)
end
response = function(status, headers, body)
  if status < 200 or status >= 300 then non2xx = non2xx + 1 end
end

done = function(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local bad = 0
  for _, thread in ipairs(counters) do bad = bad + (thread:get("non2xx") or 0) end
  io.write(string.format(
    '{"requests": %d, "rps": %.1f, "p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f, ' ..
    '"errors": %d, "non2xx": %d}\n',
    summary.requests, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write +
      summary.errors.timeout + bad, bad))
end
