-- wrk script for the intake benchmarks (bench/intake_api.py, bench/peer.py): the whole
-- Authorization value is an argument, so it drives Tousu ("Bearer KEY") and django-helpdesk
-- ("Token KEY") alike.
-- Usage: wrk -tN -cN -s bench/intake.lua URL -- BODIES_FILE AUTHORIZATION RUN_TAG WINDOW_S
-- One connection per thread: each thread stops itself on the first response after WINDOW_S, so
-- no request is left in flight and every complaint stored was answered. Every request carries a
-- unique Idempotency-Key (run tag, thread id, sequence) and the next of the prepared bodies.
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long sec; long usec; } bench_timeval;
int gettimeofday(bench_timeval *tv, void *tz);
]]
local tv = ffi.new("bench_timeval")

local function now()
  ffi.C.gettimeofday(tv, nil)
  return tonumber(tv.sec) + tonumber(tv.usec) * 1e-6
end

-- Main state: the threads, numbered for their keys.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

-- Thread state. The counters are globals so that done() can read them with thread:get().
local bodies, headers, tag, window, checked = {}, {}, "", 0, true
sent, ok, failed, started, stopped = 0, 0, 0, 0, 0

function init(args)
  for line in io.lines(args[1]) do
    bodies[#bodies + 1] = line
  end
  headers = { ["Content-Type"] = "application/json", ["Authorization"] = args[2] }
  tag, window = args[3], tonumber(args[4])
  checked = id ~= 1
end

function request()
  if not checked then -- wrk calls request() once on the first thread to check the script
    checked = true
    return wrk.format("POST", nil, headers, bodies[1])
  end
  if sent == 0 then started = now() end
  sent = sent + 1
  headers["Idempotency-Key"] = tag .. "-" .. id .. "-" .. sent
  return wrk.format("POST", nil, headers, bodies[(id * 37 + sent) % #bodies + 1])
end

function response(status, _, _)
  if status >= 200 and status < 300 then ok = ok + 1 else failed = failed + 1 end
  if now() - started >= window then
    stopped = now()
    wrk.thread:stop()
  end
end

function done(summary, latency, _)
  local t = { sent = 0, ok = 0, failed = 0, first = math.huge, last = 0 }
  for _, thread in ipairs(threads) do
    t.sent = t.sent + thread:get("sent")
    t.ok = t.ok + thread:get("ok")
    t.failed = t.failed + thread:get("failed")
    t.first = math.min(t.first, thread:get("started"))
    t.last = math.max(t.last, thread:get("stopped"))
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH {"sent": %d, "ok": %d, "failed": %d, "seconds": %.3f, "p50_us": %d, ' ..
    '"p99_us": %d, "max_us": %d, "socket_errors": %d}\n',
    t.sent, t.ok, t.failed, math.max(t.last - t.first, 0), latency:percentile(50),
    latency:percentile(99), latency.max, e.connect + e.read + e.write + e.timeout))
end
