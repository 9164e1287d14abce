-- Spawn and link in one call; with trap_links the parent survives its
-- child's failure and gets LINK_DOWN instead. (Tutorial code.)
local function parent_main()
  -- Enable trap_links to handle child death
  process.set_options({ trap_links = true })
  local events_ch = process.events()

  -- Spawn and link to child
  local child_pid, err = process.spawn_linked(
    "app.workers:child_worker",
    "app:processes"
  )
  if err then
    return nil, "spawn_linked failed: " .. tostring(err)
  end

  -- If child dies, we receive LINK_DOWN
  local event = events_ch:receive()
  if event.kind == process.event.LINK_DOWN then
    print("Child died:", event.from)
    print("Reason:", event.result.error)
  end
end

return { main = parent_main }
