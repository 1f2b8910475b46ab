-- wrk script: a bearer token (BENCH_TOKEN), or a random one per request of the lines
-- of the file BENCH_TOKENS; a JSON body (BENCH_BODY) and a method (BENCH_METHOD).
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

local tokens = {}
if tokens_file and tokens_file ~= "" then
  for line in io.lines(tokens_file) do
    if line ~= "" then tokens[#tokens + 1] = line end
  end
  math.randomseed(os.time())
  request = function()
    wrk.headers["Authorization"] = "Bearer " .. tokens[math.random(#tokens)]
    return wrk.format()
  end
end

non2xx = 0  -- a global: done() reads each thread's count with thread:get
local counters = {}
setup = function(thread) counters[#counters + 1] = thread end
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
