-- The tutorial's "Default Behavior (trap_links=false)" worker; it reports
-- its options to `observer` instead of printing them.
local function worker_main(observer)
  local events_ch = process.events()

  -- trap_links is false by default
  local opts = process.get_options()
  process.send(observer, "trap_links", opts.trap_links)

  -- Spawn linked worker that will fail
  local child_pid, err = process.spawn_linked("app.workers:error_worker", "app:processes")

  -- When child errors, THIS process terminates
  -- We never reach this point
  local event = events_ch:receive()
  return "UNREACHABLE: got " .. tostring(event.kind)
end

return { main = worker_main }
