-- One node of a linked chain, driven by `spec`, a list of actions whose
-- first item is this node's own (spec.tag names the chain in error texts):
--   "fail"             sleep 20 ms, then end with an error
--   "ok"               return "fine" at once
--   "link_then_block"  spawn_linked a node running the rest of the list, then
--                      block forever without ever calling process.events()
local time = require("time")

local function main(spec)
  local action = spec[1]
  if action == "fail" then
    time.sleep("20ms")
    error("leaf failed: " .. tostring(spec.tag), 0)
  elseif action == "ok" then
    return "fine"
  elseif action == "link_then_block" then
    -- spawn a linked child with the rest of the spec, then block forever
    -- without ever calling process.events()
    local rest = table.move(spec, 2, #spec, 1, { tag = spec.tag })
    assert(process.spawn_linked("app:node", "app:processes", rest))
    channel.new():receive()
  end
  error("unknown action " .. tostring(action))
end

return { main = main }
