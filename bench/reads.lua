-- wrk script of the mixed read load: 60 % searches, 40 % details of random listings.
-- A search is one of 6 cities x species (dog, cat) x a start date in the next 30 days with
-- 1-5 nights x 1-2 pets x 3 sorts (10,800 distinct pages); a detail is a random id of
-- WRK_IDS (a file, one id per line). With WRK_ACCEPT_GZIP=1 every request says
-- "Accept-Encoding: gzip, deflate, br" as browsers do (search pages then come compressed).
-- Prints the PBRESULT line of report.lua, which it loads (BENCH_DIR names the folder) and whose
-- request() it replaces.
dofile((os.getenv("BENCH_DIR") or "bench") .. "/report.lua")
local ids = {}
for line in io.lines(os.getenv("WRK_IDS")) do ids[#ids + 1] = line end
local cities = { "%E5%8C%97%E4%BA%AC", "%E4%B8%8A%E6%B5%B7", "%E5%B9%BF%E5%B7%9E",
                 "%E6%B7%B1%E5%9C%B3", "%E6%88%90%E9%83%BD", "%E6%9D%AD%E5%B7%9E" }
local species = { "dog", "cat" }
local sorts = { "rating", "price_asc", "price_desc" }
local day = 86400
local headers = os.getenv("WRK_ACCEPT_GZIP") == "1" and { ["Accept-Encoding"] = "gzip, deflate, br" } or {}

local function date(offset_days)
  return os.date("!%Y-%m-%d", os.time() + offset_days * day)
end

-- the dates are fixed for the run (a run that crosses midnight keeps its days)
local starts = {}
for d = 1, 35 do starts[d] = date(d) end

function setup(thread)
  thread:set("seed", math.random(1, 1e9))
end

function init(args)
  math.randomseed(seed or os.time())
end

function request()
  if math.random(100) <= 60 then
    local s = math.random(30)
    local path = string.format("/api/v1/listings?city=%s&species=%s&start_date=%s&end_date=%s&pets=%d&sort=%s",
      cities[math.random(#cities)], species[math.random(#species)], starts[s], starts[s + math.random(5)],
      math.random(2), sorts[math.random(#sorts)])
    return wrk.format("GET", path, headers)
  end
  return wrk.format("GET", "/api/v1/listings/" .. ids[math.random(#ids)], headers)
end
