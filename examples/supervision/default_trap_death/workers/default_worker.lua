-- Default behaviour (trap_links = false): when the linked child fails,
-- this process fails too. (Tutorial code.)
local function worker_main()
  local events_ch = process.events()

  -- trap_links is false by default
  local opts = process.get_options()
  print("trap_links:", opts.trap_links) -- false

  -- Spawn linked worker that will fail
  local child_pid, err = process.spawn_linked(
    "app.workers:error_worker",
    "app:processes"
  )

  -- When child errors, THIS process terminates
  -- We never reach this point
  local event = events_ch:receive()
  print("never printed")
end

return { main = worker_main }
