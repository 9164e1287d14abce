-- Starts timers it never waits for, then ends: they vanish with it.
local time = require("time")

local function main()
  time.after("10s")
  time.ticker("5ms")
  return "left timers behind"
end

return { main = main }
