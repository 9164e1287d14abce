-- The tutorial's chain_root_main; instead of sleeping 100ms it waits for
-- "go" from `observer` (which monitors every node first).
local function chain_root_main(observer)
  local go = process.listen("go")

  -- Spawn first child
  local child_pid, err = process.spawn_linked("app.workers:chain_node", "app:processes",
    4, observer) -- depth remaining
  if err then
    error("spawn failed: " .. tostring(err))
  end

  -- Wait for chain to build
  go:receive()

  -- Trigger cascade - all linked processes die
  error("CHAIN_ROOT_FAILURE")
end

return { main = chain_root_main }
