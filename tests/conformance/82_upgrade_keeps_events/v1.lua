local time = require("time")
return { main = function()
  local a = process.spawn_monitored("app:quick", "app:processes", 1)
  time.sleep("50ms")                -- a's EXIT waits: events() not called yet
  process.upgrade("app:v2", a)
end }
