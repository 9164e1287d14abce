-- Chain node spawns next node and links (tutorial code). One addition: it
-- tells the observer it is up, so the observer can watch it die.
local function chain_node_main(depth)
  local time = require("time")
  process.send("chain.observer", "node_up", depth)

  if depth > 0 then
    -- Spawn next in chain
    local child_pid, err = process.spawn_linked(
      "app.workers:chain_node",
      "app:processes",
      depth - 1
    )
    if err then
      error("spawn failed: " .. tostring(err))
    end
  end

  -- Wait for parent to die (triggers our death via LINK_DOWN)
  time.sleep("5s")
end

return { main = chain_node_main }
