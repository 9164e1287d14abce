-- Spawn a worker and monitor it in one call; the EXIT event carries its
-- result. (Tutorial code; the worker here is a short task.)
local function main()
  local events_ch = process.events()

  -- Spawn worker and start monitoring
  local worker_pid, err = process.spawn_monitored(
    "app.workers:task_worker",
    "app:processes"
  )
  if err then
    return nil, "spawn failed: " .. tostring(err)
  end

  -- Wait for worker to complete
  local event = events_ch:receive()

  if event.kind == process.event.EXIT then
    print("Worker exited:", event.from)
    if event.result then
      print("Result:", event.result.value)
    end
    if event.result and event.result.error then
      print("Error:", event.result.error)
    end
  end
end

return { main = main }
