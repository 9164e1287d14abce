-- Ignores CANCEL in one of several ways.
local time = require("time")

local function main(how)
  if how == "blocked" then
    channel.new():receive()              -- blocked forever
  elseif how == "sleeping" then
    time.sleep("20s")
  elseif how == "busy" then
    while true do end                    -- never yields
  elseif how == "slow" then
    time.sleep("300ms")                  -- ignores CANCEL, then returns
    return "still here"
  end
end

return { main = main }
