-- wrk script for Detour's benchmark (distribution/bench/bench.sh).
--
-- Usage: wrk ... -s load.lua URL -- BODY_FILE ACCEPT [RATE_PER_S CONNECTIONS]
--   BODY_FILE   the JSON body POSTed on every request
--   ACCEPT      the Accept header (text/event-stream for streams, application/json otherwise)
--   RATE_PER_S  optional: a fixed total rate. wrk is closed-loop; with delay() every connection
--               waits a random pause (mean = CONNECTIONS / RATE) before each request, so the
--               connections together offer about RATE requests per second and a request almost
--               never queues behind another. wrk starts each request's clock when it writes the
--               request, after the pause, so the pause never counts as latency.
-- done() prints one machine-readable line that bench.sh parses.

local body_file, accept, rate, conns = nil, "application/json", nil, 1
local req
local mean_ms

function init(args)
   body_file = args[1]
   accept = args[2] or accept
   rate = tonumber(args[3])
   conns = tonumber(args[4]) or 1
   local f = assert(io.open(body_file, "rb"))
   local body = f:read("*a")
   f:close()
   wrk.method = "POST"
   wrk.body = body
   wrk.headers["Content-Type"] = "application/json"
   wrk.headers["Accept"] = accept
   wrk.headers["Authorization"] = "Bearer bench-client"
   req = wrk.format()
   if rate and rate > 0 then
      mean_ms = 1000.0 * conns / rate
      math.randomseed(os.time())
      -- Defined only for fixed-rate runs: wrk checks for delay() after init(), and a closed-loop
      -- run without it skips the per-request timer entirely.
      delay = function()
         -- Uniform on [0.5, 1.5] x mean: keeps the mean rate while de-synchronising connections.
         return math.floor(mean_ms * (0.5 + math.random()))
      end
   end
end

function request()
   return req
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      "BENCH_RESULT requests=%d duration_us=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d " ..
      "err_connect=%d err_read=%d err_write=%d err_timeout=%d err_status=%d\n",
      summary.requests, summary.duration,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
      e.connect, e.read, e.write, e.timeout, e.status))
end
