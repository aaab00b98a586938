-- wrk reporter: one machine-readable line with throughput, p50/p99 (ms), errors, requests.
-- Optional per-scenario request shaping comes from environment variables:
--   WRK_METHOD, WRK_BODY, WRK_HEADER_AUTH (a bearer token), WRK_CONTENT_TYPE.
local method = os.getenv("WRK_METHOD")
local body = os.getenv("WRK_BODY")
local auth = os.getenv("WRK_HEADER_AUTH")
local ctype = os.getenv("WRK_CONTENT_TYPE")

wrk.method = method or "GET"
if body and body ~= "" then
  wrk.body = body
  wrk.headers["Content-Type"] = ctype or "application/json"
end
if auth and auth ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. auth
end

-- WRK_IDS (a file of ids, one per line) with WRK_PATH_PREFIX: each request asks for
-- WRK_PATH_PREFIX .. <a random id>, so many different keys are exercised.
local ids_file = os.getenv("WRK_IDS")
local prefix = os.getenv("WRK_PATH_PREFIX") or "/"
local ids = {}
if ids_file and ids_file ~= "" then
  for line in io.lines(ids_file) do ids[#ids + 1] = line end
  math.randomseed(os.time())
  function request()
    return wrk.format(nil, prefix .. ids[math.random(#ids)])
  end
end

local non2xx = 0
function response(status, headers, body)
  if status >= 400 then non2xx = non2xx + 1 end
end

function done(summary, latency, requests)
  local e = summary.errors
  local errors = e.connect + e.read + e.write + e.status + e.timeout
  local secs = summary.duration / 1e6
  io.write(string.format("PBRESULT %.0f %.2f %.2f %d %d\n", summary.requests / secs,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, errors, summary.requests))
end
