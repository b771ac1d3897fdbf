-- One agent per wrk thread (run with -t N -c N): alternate timer start/stop, or log
-- back-to-back one-minute entries, or hit the bare one-INSERT endpoint. "warmup" mixes
-- entries and timers so every server worker has served each route before the measurement.
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
  starting = false
  minute = 0
  step = 0
  base = tonumber(os.getenv("BENCH_EPOCH"))
  headers = {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}
end

local function entry_request()
  minute = minute + 1
  local started = os.date("!%Y-%m-%dT%H:%M:%SZ", base + minute * 60)
  return wrk.format("POST", "/api/v1/time-entries", headers,
    '{"started_at": "' .. started .. '", "duration_minutes": 1}')
end

local function timer_request()
  if timer_id then
    local path = "/api/v1/timers/" .. timer_id .. "/stop"
    timer_id = nil
    return wrk.format("POST", path, headers, "{}")
  end
  starting = true
  return wrk.format("POST", "/api/v1/timers", headers, "{}")
end

function request()
  if mode == "bare" then
    return wrk.format("POST", "/api/insert?user=" .. os.getenv("BENCH_USER"), {}, "")
  elseif mode == "entry" then
    return entry_request()
  elseif mode == "warmup" then
    step = step + 1
    if step % 3 == 0 then
      return entry_request()
    end
    return timer_request()
  end
  return timer_request()
end

function response(status, headers, body)
  if starting then
    starting = false
    if status == 201 then
      timer_id = string.match(body, '"id":%s*(%d+)')
    end
  end
end

function done(summary, latency, requests)
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT %d %d %d %d %d\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), errors))
end
