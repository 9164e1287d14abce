-- A manifest whose every loop step is a few instructions on 16 MiB strings:
-- the instruction budget alone would allow days; the time budget (5 s)
-- stops the load with status 2.
local s = "x"
for _ = 1, 24 do s = s .. s end -- 16 MiB
local a, b = s .. "a", s .. "b"
local n = 0
while a < b do n = n + 1 end
return { namespace = "t", entries = { { name = "h", kind = "process.host", host = { workers = 1 } } } }
