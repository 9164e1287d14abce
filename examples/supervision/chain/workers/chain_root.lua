-- Chain root: A -> B -> C -> D -> E (tutorial code).
local function chain_root_main()
  local time = require("time")

  -- Spawn first child
  local child_pid, err = process.spawn_linked(
    "app.workers:chain_node",
    "app:processes",
    4 -- depth remaining
  )
  if err then
    error("spawn failed: " .. tostring(err))
  end

  -- Wait for chain to build
  time.sleep("100ms")

  -- Trigger cascade - all linked processes die
  print("Chain root: failing now")
  error("CHAIN_ROOT_FAILURE")
end

return { main = chain_root_main }
