-- wrk script: GET a random entry of ids.txt, through Logbook (BENCH_PATH=api) or the bare
-- baseline worker (BENCH_PATH=bare).
local ids = {}
for line in io.lines(os.getenv("BENCH_IDS")) do ids[#ids + 1] = line end
local token = os.getenv("BENCH_TOKEN")
local bare = os.getenv("BENCH_PATH") == "bare"
request = function()
	local id = ids[math.random(#ids)]
	if bare then
		return wrk.format("GET", "/bare/?id=" .. id)
	end
	return wrk.format("GET", "/api/v1/entries/" .. id, { ["Authorization"] = "Bearer " .. token })
end
