-- 64MB: waits a little (a message may arrive), then becomes app:small.
local time = require("time")
return { main = function(mode)
  process.inbox()
  time.sleep(30)
  process.upgrade("app:small", mode)
end }
