-- wrk script for scripts/bench: GET /tiles/households/15/x/y.mvt at random
-- tiles inside the extent of the grids, BENCH_EXTENT="min_lon min_lat max_lon max_lat".
local extent = {}
for number in os.getenv("BENCH_EXTENT"):gmatch("%S+") do extent[#extent + 1] = tonumber(number) end
local min_lon, min_lat, max_lon, max_lat = extent[1], extent[2], extent[3], extent[4]
local z = 15
local n = 2 ^ z

request = function()
  local lon = min_lon + math.random() * (max_lon - min_lon)
  local lat = math.rad(min_lat + math.random() * (max_lat - min_lat))
  local x = math.floor((lon + 180) / 360 * n)
  local y = math.floor((1 - math.log(math.tan(lat) + 1 / math.cos(lat)) / math.pi) / 2 * n)
  return wrk.format("GET", string.format("/tiles/households/%d/%d/%d.mvt", z, x, y))
end
