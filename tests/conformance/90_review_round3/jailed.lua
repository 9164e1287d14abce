-- Runs under a scope set by main.lua; returns what it saw, one line each.
local ctx = require("ctx")
return { main = function(mode)
  local seen = {}
  if mode == "exec" then -- scope: process.exec + process.host only
    local v, err = process.exec("app:callee", "app:h")
    seen[#seen + 1] = "exec without spawn rights: " .. tostring(v) .. " " .. tostring(err)
    -- ctx.get gives a copy: changing it changes neither ctx nor what children inherit
    ctx.get("cfg").role = "admin"
    seen[#seen + 1] = "ctx after changing a copy: " .. ctx.get("cfg").role
    seen[#seen + 1] = "a child inherits: " .. tostring(process.exec("app:callee", "app:h"))
  else -- scope: spawn, host, context; registering "public.*" only
    local sp = process.with_context({})
    local ok, err = sp:with_name("secret.conf90"):spawn("app:callee", "app:h")
    seen[#seen + 1] = "named spawn as secret.*: " .. tostring(ok) .. " " .. tostring(err)
    ok = sp:with_name("public.conf90"):spawn("app:callee", "app:h")
    seen[#seen + 1] = "named spawn as public.*: " .. tostring(ok ~= nil)
  end
  return table.concat(seen, "\n")
end }
