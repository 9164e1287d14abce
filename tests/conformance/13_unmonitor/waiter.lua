-- Waits for any message, tells its sender, then ends.
local function main()
  local msg = process.inbox():receive()
  process.send(msg:from(), "stopping")
  return "stopped"
end

return { main = main }
