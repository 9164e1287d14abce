-- The same slow manifest: SIGTERM while the app still loads ends the
-- runner at once (143), before its time budget runs out.
local s = "x"
for _ = 1, 24 do s = s .. s end -- 16 MiB
local a, b = s .. "a", s .. "b"
local n = 0
while a < b do n = n + 1 end
return { namespace = "t", entries = { { name = "h", kind = "process.host", host = { workers = 1 } } } }
