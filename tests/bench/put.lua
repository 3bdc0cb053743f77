-- wrk script: PUT a section save on a random entry of ids.txt (one id a line).
local ids = {}
for line in io.lines(os.getenv("BENCH_IDS")) do ids[#ids + 1] = line end
local f = io.open(os.getenv("BENCH_BODY")); local body = f:read("*a"); f:close()
local token = os.getenv("BENCH_TOKEN")
request = function()
	local id = ids[math.random(#ids)]
	return wrk.format("PUT", "/api/v1/entries/" .. id .. "/sections/shift", {
		["Authorization"] = "Bearer " .. token,
		["Content-Type"] = "application/json",
		["If-Match"] = "*",
	}, body)
end
