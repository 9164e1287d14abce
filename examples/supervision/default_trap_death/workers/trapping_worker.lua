-- With trap_links = true: LINK_DOWN instead of death. (Tutorial code.)
local function worker_main()
  -- Enable trap_links
  process.set_options({ trap_links = true })
  local events_ch = process.events()

  -- Spawn linked worker that will fail
  local child_pid, err = process.spawn_linked(
    "app.workers:error_worker",
    "app:processes"
  )

  -- Wait for LINK_DOWN event
  local event = events_ch:receive()
  if event.kind == process.event.LINK_DOWN then
    print("Child failed, handling gracefully")
    return "LINK_DOWN_RECEIVED"
  end
end

return { main = worker_main }
