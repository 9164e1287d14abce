-- Start monitoring an already running process, then cancel it with a
-- 100ms deadline for cleanup. (Tutorial code.)
local function main()
  local time = require("time")
  local events_ch = process.events()

  -- Spawn without monitoring
  local worker_pid, err = process.spawn(
    "app.workers:long_worker",
    "app:processes"
  )
  if err then
    return nil, "spawn failed: " .. tostring(err)
  end

  -- Start monitoring later
  local ok, monitor_err = process.monitor(worker_pid)
  if monitor_err then
    return nil, "monitor failed: " .. tostring(monitor_err)
  end

  -- Cancel the worker
  time.sleep("5ms")
  process.cancel(worker_pid, "100ms")

  -- Receive EXIT event
  local event = events_ch:receive()
  if event.kind == process.event.EXIT then
    print("Worker terminated:", event.from)
    print("Result:", event.result.value or event.result.error)
  end
end

return { main = main }
