-- Asks the keeper which attempt this is; fails until attempt `succeed_on`.
local time = require("time")

-- The keeper is auto-started too and may not have registered yet.
local function find_keeper()
  for _ = 1, 400 do
    local pid = process.registry.lookup("keeper")
    if pid then return pid end
    time.sleep("5ms")
  end
  error("flaky: keeper not found")
end

local function main(succeed_on)
  local keeper = find_keeper()
  process.send(keeper, "attempt")
  local n = process.listen("attempt"):receive()
  if not succeed_on or n < succeed_on then error("flaky attempt " .. n .. " failed", 0) end
  process.send(keeper, "done")
end

return { main = main }
