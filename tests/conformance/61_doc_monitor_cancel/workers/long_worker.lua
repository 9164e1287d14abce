-- Works in 10 ms steps until cancelled. With `stubborn`, it ignores CANCEL
-- (and is force-terminated when the deadline passes).
local time = require("time")

local function main(stubborn)
  local events = process.events()
  while true do
    local r = channel.select({ events:case_receive(), default = true })
    if not r.default and r.value.kind == process.event.CANCEL and not stubborn then
      return "cancelled"
    end
    time.sleep("10ms")
  end
end

return { main = main }
