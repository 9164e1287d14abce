-- Sends every message's single payload back to its sender, same topic,
-- until a "stop" message arrives.
local function main()
  local inbox = process.inbox()
  while true do
    local msg = inbox:receive()
    if msg:topic() == "stop" then return end
    process.send(msg:from(), msg:topic(), msg:payload():data())
  end
end

return { main = main }
