-- The tutorial's chain_node_main; each node also tells `observer` it is up.
local function chain_node_main(depth, observer)
  local time = require("time")
  process.send(observer, "node_up", depth)
  if depth > 0 then
    -- Spawn next in chain
    local child_pid, err = process.spawn_linked("app.workers:chain_node", "app:processes",
      depth - 1, observer)
    if err then
      error("spawn failed: " .. tostring(err))
    end
  end

  -- Wait for parent to die (triggers our death via LINK_DOWN)
  time.sleep("5s")
end

return { main = chain_node_main }
