-- Registers the given names for itself, reports, then waits for a message:
-- ends normally, or with an error when the message's payload is "fail".
local function main(parent, names)
  for _, n in ipairs(names) do assert(process.registry.register(n)) end
  process.send(parent, "registered")
  local msg = process.inbox():receive()
  if msg:payload() and msg:payload():data() == "fail" then error("holder asked to fail", 0) end
  return "bye"
end

return { main = main }
