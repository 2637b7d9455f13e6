-- wrk script for Detour's soak (distribution/bench/soak.sh): a fixed rate, and every answer checked.
--
-- Usage: wrk ... -s soak.lua URL -- BODY_FILE KIND RATE_PER_S CONNECTIONS
--   BODY_FILE   the JSON body POSTed on every request
--   KIND        json (the answer must be a chat.completion) or sse (an event stream ending with
--               data: [DONE] and no error event in it)
--   RATE_PER_S  the total rate: each connection pauses a random 0.5-1.5 x CONNECTIONS / RATE before
--               each request (as load.lua does), so the connections together offer about RATE
--   CONNECTIONS the connection count given to wrk
-- Unlike load.lua it defines response(), which costs wrk a little per answer: fine at a soak's
-- rate, not for the benchmark's closed loops. done() prints one line that soak.sh parses.

local body_file, kind, rate, conns
local req
local mean_ms
local threads = {}

-- Per thread (each wrk thread has its own copy of this script): answers that were not 2xx, by
-- status, and 2xx answers whose body was not a whole answer; the first few, for the report.
bad_status = 0
bad_body = 0
statuses = ""
first_bad = ""
bad_at = {}   -- seconds since the load's start -> answers lost that second
local t0

function setup(thread)
   table.insert(threads, thread)
end

function init(args)
   body_file = args[1]
   kind = args[2] or "json"
   rate = tonumber(args[3])
   conns = tonumber(args[4]) or 1
   local f = assert(io.open(body_file, "rb"))
   local body = f:read("*a")
   f:close()
   wrk.method = "POST"
   wrk.body = body
   wrk.headers["Content-Type"] = "application/json"
   wrk.headers["Accept"] = (kind == "sse") and "text/event-stream" or "application/json"
   req = wrk.format()
   mean_ms = 1000.0 * conns / rate
   math.randomseed(os.time() + conns)
   t0 = os.time()
end

function delay()
   return math.floor(mean_ms * (0.5 + math.random()))
end

function request()
   return req
end

local function note(what, body)
   local t = os.time() - t0
   bad_at[t] = (bad_at[t] or 0) + 1
   if #first_bad < 2000 then
      first_bad = first_bad .. "t+" .. t .. "s " .. what .. ": " .. string.sub(body or "", 1, 300) .. "\n"
   end
end

function response(status, headers, body)
   if status < 200 or status > 299 then
      bad_status = bad_status + 1
      statuses = statuses .. status .. " "
      note("status " .. status, body)
   elseif kind == "sse" then
      if not string.find(body, "data: [DONE]", 1, true) or string.find(body, "data: {\"error\"", 1, true) then
         bad_body = bad_body + 1
         note("stream", body)
      end
   elseif not string.find(body, "\"chat.completion\"", 1, true) then
      bad_body = bad_body + 1
      note("answer", body)
   end
end

function done(summary, latency, requests)
   local bs, bb, st, fb, at = 0, 0, "", "", {}
   for _, t in ipairs(threads) do
      bs = bs + t:get("bad_status")
      bb = bb + t:get("bad_body")
      st = st .. t:get("statuses")
      fb = fb .. t:get("first_bad")
      for sec, n in pairs(t:get("bad_at")) do at[sec] = (at[sec] or 0) + n end
   end
   local secs = {}
   for sec, n in pairs(at) do table.insert(secs, sec .. ":" .. n) end
   -- Statuses as "503x12 502x3".
   local counts, order = {}, {}
   for s in string.gmatch(st, "%d+") do
      if not counts[s] then table.insert(order, s); counts[s] = 0 end
      counts[s] = counts[s] + 1
   end
   local parts = {}
   for _, s in ipairs(order) do table.insert(parts, s .. "x" .. counts[s]) end
   local e = summary.errors
   io.write(string.format(
      "SOAK_RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d max_us=%d err_connect=%d err_read=%d " ..
      "err_write=%d err_timeout=%d bad_status=%d bad_body=%d statuses=%s bad_at=%s\n",
      summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
      e.connect, e.read, e.write, e.timeout, bs, bb, (#parts > 0) and table.concat(parts, ",") or "-",
      (#secs > 0) and table.concat(secs, ",") or "-"))
   if #fb > 0 then
      io.write("SOAK_FIRST_BAD\n" .. fb)
   end
end
