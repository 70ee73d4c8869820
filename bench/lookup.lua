-- wrk script for scripts/bench: GET /lookup at random points inside the
-- extent of the grids, BENCH_EXTENT="min_lon min_lat max_lon max_lat".
local extent = {}
for number in os.getenv("BENCH_EXTENT"):gmatch("%S+") do extent[#extent + 1] = tonumber(number) end
local min_lon, min_lat, max_lon, max_lat = extent[1], extent[2], extent[3], extent[4]

request = function()
  local lon = min_lon + math.random() * (max_lon - min_lon)
  local lat = min_lat + math.random() * (max_lat - min_lat)
  return wrk.format("GET", string.format("/lookup?lon=%.6f&lat=%.6f", lon, lat))
end
