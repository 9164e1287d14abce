-- Waits for CANCEL, optionally spends `cleanup_ms` cleaning up, then returns
-- the fields of the CANCEL event (a normal exit).
local time = require("time")

local function main(cleanup_ms)
  local ev = process.events():receive()
  if cleanup_ms then time.sleep(cleanup_ms) end
  return { kind = ev.kind, from = ev.from, deadline = ev.deadline, has_deadline = ev.deadline ~= nil }
end

return { main = main }
