-- Drives the explicit-linking worker: gives it a target, waits until it is
-- linked, makes the target fail, and reports what the worker saw.
local function main()
  local events_ch = process.events()
  local target_pid = assert(process.spawn("app.workers:target", "app:processes"))
  local worker_pid = assert(process.spawn_monitored("app.workers:linker", "app:processes"))

  process.send(worker_pid, "target", target_pid)
  local msg = process.inbox():receive()
  print("Worker linked:", msg:topic() == "linked" and msg:payload():data() == worker_pid)

  process.send(target_pid, "fail")
  local event = events_ch:receive()
  print("Worker result:", event.result.value or event.result.error)
end

return { main = main }
