-- Tutorial "Spawn with Monitoring": spawn_monitored, then the EXIT event
-- carries from = worker pid and result.value / result.error.
local function check(cond, what, detail)
  if not cond then
    error("FAILED " .. what .. (detail ~= nil and (": " .. tostring(detail)) or ""), 2)
  end
  print("ok " .. what)
end

local function main()
  local events_ch = process.events()

  local worker_pid, err = process.spawn_monitored("app.workers:task_worker", "app:processes")
  if err then return nil, "spawn failed: " .. tostring(err) end
  local event = events_ch:receive()
  check(event.kind == process.event.EXIT, "EXIT event received")
  check(event.from == worker_pid, "Worker exited: event.from is the worker's pid")
  check(event.result and event.result.value == "task done" and event.result.error == nil,
    "Result: the worker's return value")

  worker_pid, err = process.spawn_monitored("app.workers:error_worker", "app:processes")
  if err then return nil, "spawn failed: " .. tostring(err) end
  event = events_ch:receive()
  check(event.kind == process.event.EXIT and event.from == worker_pid, "EXIT of the failing worker")
  check(event.result and event.result.error and tostring(event.result.error) == "task failed",
    "Error: result.error holds the worker's error")
end

return { main = main }
