-- Rotates through the read paths that run.sh wrote (one per line, in LOAD_PATHS), so
-- wrk's connections spread over lists, details, searches and filtered lists; counts the
-- answers the API's response cache gave (X-Cache: hit or miss) for the hit ratio.
local paths = {}
for line in io.lines(os.getenv("LOAD_PATHS")) do
  paths[#paths + 1] = line
end

local counter = 0
local threads = {}
hits = 0
misses = 0

-- Each wrk thread has its own copy of this script; a per-thread offset keeps them apart.
function setup(thread)
  thread:set("counter", math.random(#paths))
  threads[#threads + 1] = thread
end

function request()
  counter = counter + 1
  return wrk.format("GET", paths[counter % #paths + 1])
end

function response(status, headers, body)
  local answer = headers["X-Cache"]
  if answer == "hit" then
    hits = hits + 1
  elseif answer == "miss" then
    misses = misses + 1
  end
end

function done(summary, latency, requests)
  local hit, miss = 0, 0
  for _, thread in ipairs(threads) do
    hit = hit + thread:get("hits")
    miss = miss + thread:get("misses")
  end
  if hit + miss > 0 then
    io.write(string.format("Response cache: %d hits, %d misses, hit ratio %.1f%%\n",
      hit, miss, 100 * hit / (hit + miss)))
  end
  -- The figures as JSON too, for the benchmark (python -m tests.benchmarks --mixed).
  local results = os.getenv("LOAD_RESULTS")
  if results then
    local errors = summary.errors
    local file = assert(io.open(results, "w"))
    file:write(string.format(
      '{"requests": %d, "seconds": %f, "p50_us": %f, "p99_us": %f, "hits": %d, ' ..
      '"misses": %d, "non2xx": %d, "socket_errors": %d}\n',
      summary.requests, summary.duration / 1e6, latency:percentile(50),
      latency:percentile(99), hit, miss, errors.status,
      errors.connect + errors.read + errors.write + errors.timeout))
    file:close()
  end
end
