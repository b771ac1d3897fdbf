-- One agent per wrk thread (run with -t N -c N): alternate timer start/stop, or log
-- back-to-back one-minute entries, or hit the bare one-INSERT endpoint.
local tokens = {}
for token in string.gmatch(os.getenv("BENCH_TOKENS") or "", "[^,]+") do
  tokens[#tokens + 1] = token
end
local mode = os.getenv("BENCH_MODE") or "timer"
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("token", tokens[counter])
  thread:set("index", counter)
end

function init(args)
  timer_id = nil
  minute = 0
  base = tonumber(os.getenv("BENCH_EPOCH"))
  headers = {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}
end

function request()
  if mode == "bare" then
    return wrk.format("POST", "/insert?user=" .. os.getenv("BENCH_USER"), {}, "")
  elseif mode == "entry" then
    minute = minute + 1
    local started = os.date("!%Y-%m-%dT%H:%M:%SZ", base + minute * 60)
    return wrk.format("POST", "/api/v1/time-entries", headers,
      '{"started_at": "' .. started .. '", "duration_minutes": 1}')
  elseif timer_id then
    local path = "/api/v1/timers/" .. timer_id .. "/stop"
    timer_id = nil
    return wrk.format("POST", path, headers, "{}")
  else
    return wrk.format("POST", "/api/v1/timers", headers, "{}")
  end
end

function response(status, headers, body)
  if mode == "timer" and status == 201 then
    timer_id = string.match(body, '"id":%s*(%d+)')
  end
end

function done(summary, latency, requests)
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT %d %d %d %d %d\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), errors))
end
