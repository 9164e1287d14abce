-- A short task: works for a moment and returns its result.
local function main()
  local time = require("time")
  print("Task worker started")
  time.sleep("50ms")
  return "task done"
end

return { main = main }
