-- wrk script: every request is a different, valid booking. Request k books listing
-- ids[k % #listings] for pet pets[k % #pets], one night at today + first_day + (k / #pets),
-- so no pet ever has two stays on one night. k is spread over wrk's threads.
-- Env: WRK_LISTINGS (a file of ids), WRK_PETS (a file of "pet-id owner-token" lines: each pet
-- is booked by its owner), WRK_FIRST_DAY (days from today), WRK_TODAY (day number of today,
-- days since 1970-01-01).
local listings, pets, tokens = {}, {}, {}
for l in io.lines(os.getenv("WRK_LISTINGS")) do listings[#listings + 1] = l end
for l in io.lines(os.getenv("WRK_PETS")) do
  local id, tok = l:match("^(%S+)%s+(%S+)$")
  pets[#pets + 1] = id
  tokens[#tokens + 1] = tok
end
local first = tonumber(os.getenv("WRK_FIRST_DAY") or "1")
local today = tonumber(os.getenv("WRK_TODAY"))

-- globals, not locals: wrk's setup() and done() reach them through thread:set/get
threads = {}
counter, tid, nthreads = 0, 0, 1

function setup(thread)
  thread:set("tid", #threads)
  threads[#threads + 1] = thread
end

function init(args)
  nthreads = 8 -- an upper bound on wrk's -t: ids stay distinct across threads
end

local function date(daynum)
  return os.date("!%Y-%m-%d", daynum * 86400)
end

function request()
  local k = counter * nthreads + tid
  counter = counter + 1
  local l = listings[(k % #listings) + 1]
  local p = pets[(k % #pets) + 1]
  local token = tokens[(k % #pets) + 1]
  local d = today + first + math.floor(k / #pets)
  local body = string.format('{"listing_id":"%s","pet_ids":["%s"],"start_date":"%s","end_date":"%s"}',
    l, p, date(d), date(d + 1))
  return wrk.format("POST", "/api/v1/orders",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}, body)
end

created, refused, failed = 0, 0, 0
function response(status, headers, body)
  if status == 201 then created = created + 1
  elseif status == 409 then refused = refused + 1
  else failed = failed + 1 end
end

function done(summary, latency, requests)
  local c, r, f = 0, 0, 0
  for _, t in ipairs(threads) do
    c = c + t:get("created"); r = r + t:get("refused"); f = f + t:get("failed")
  end
  local e = summary.errors
  local errors = e.connect + e.read + e.write + e.timeout + f
  local secs = summary.duration / 1e6
  io.write(string.format("PBRESULT %.0f %.2f %.2f %d %d\n", summary.requests / secs,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, errors, summary.requests))
  io.write(string.format("PBNOTE %d booked, %d fully booked\n", c, r))
end

function teardown() end
