-- Works in 10 ms steps until it is cancelled, then cleans up and returns.
local function main()
  local time = require("time")
  local events_ch = process.events()
  local steps = 0
  while true do
    local result = channel.select { events_ch:case_receive(), default = true }
    if not result.default and result.value.kind == process.event.CANCEL then
      print("Long worker: cancel received after " .. steps .. " steps, cleaning up")
      return "cancelled"
    end
    steps = steps + 1
    time.sleep("10ms")
  end
end

return { main = main }
