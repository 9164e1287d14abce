-- Waits for a "stop" message, then ends normally or with an error.
local function main()
  local msg = process.inbox():receive()
  if msg:payload() and msg:payload():data() == "fail" then error("waiter asked to fail", 0) end
  return "stopped"
end

return { main = main }
