-- The tutorial's parent_main, returning what it saw instead of printing.
local function parent_main()
  -- Enable trap_links to handle child death
  process.set_options({ trap_links = true })
  local events_ch = process.events()

  -- Spawn and link to child
  local child_pid, err = process.spawn_linked("app.workers:child_worker", "app:processes")
  if err then
    return nil, "spawn_linked failed: " .. tostring(err)
  end

  -- If child dies, we receive LINK_DOWN
  local event = events_ch:receive()
  if event.kind == process.event.LINK_DOWN then
    return { child = child_pid, from = event.from, error = tostring(event.result.error) }
  end
  return nil, "unexpected event " .. tostring(event.kind)
end

return { main = parent_main }
