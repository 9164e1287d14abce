local function closer(parent, what)
  return setmetatable({}, { __close = function(_, e)
    process.send(parent, "closed", what, e and tostring(e) or "no error")
  end })
end
return { main = function(parent, mode)
  local outer <close> = closer(parent, "outer")
  if mode == "main" then
    local inner <close> = closer(parent, "inner")
    error("boom", 0)
  elseif mode == "co" then
    coroutine.spawn(function()
      local c <close> = closer(parent, "in coroutine")
      error("co boom", 0)
    end)
    channel.new():receive()
  elseif mode == "loop_close" then
    local l <close> = setmetatable({}, { __close = function() while true do end end })
    error("never reported", 0)
  elseif mode == "bad_close" then
    local b <close> = setmetatable({}, { __close = function() error("close failed", 0) end })
    error("original", 0)
  end
  return "ok"
end }
