-- Gracefully terminate a worker with process.cancel. (Tutorial code; the
-- worker first gets two messages to process.)
local function main()
  local time = require("time")
  local events_ch = process.events()

  -- Spawn and monitor worker
  local worker_pid, err = process.spawn_monitored(
    "app.workers:long_worker",
    "app:processes"
  )
  process.send(worker_pid, "job", "first")
  process.send(worker_pid, "job", "second")
  time.sleep("5ms")

  -- Cancel with 100ms timeout for cleanup
  local ok, cancel_err = process.cancel(worker_pid, "100ms")
  if cancel_err then
    return nil, "cancel failed: " .. tostring(cancel_err)
  end

  -- Wait for EXIT event
  local event = events_ch:receive()
  if event.kind == process.event.EXIT then
    print("Worker cancelled:", event.from)
    print("Result:", event.result.value or event.result.error)
  end
end

return { main = main }
