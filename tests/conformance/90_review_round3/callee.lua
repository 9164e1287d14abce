-- Returns its context's cfg.role (or its first argument when asked to echo).
local ctx = require("ctx")
return { main = function(mode, ...)
  if mode == "echo" then return select("#", ...) end
  return ctx.get("cfg").role
end }
