-- Tutorial "Monitor Existing Process": spawn, monitor later, cancel with a
-- 100ms deadline, then the EXIT event arrives.
local time = require("time")

local function check(cond, what, detail)
  if not cond then
    error("FAILED " .. what .. (detail ~= nil and (": " .. tostring(detail)) or ""), 2)
  end
  print("ok " .. what)
end

-- The tutorial's sequence; returns the EXIT event.
local function monitor_and_cancel(stubborn)
  local events_ch = process.events()
  local worker_pid, err = process.spawn("app.workers:long_worker", "app:processes", stubborn)
  if err then error("spawn failed: " .. tostring(err)) end
  local ok, monitor_err = process.monitor(worker_pid)
  if monitor_err then error("monitor failed: " .. tostring(monitor_err)) end
  check(ok == true, "monitor(worker_pid) -> true")
  time.sleep("5ms")
  check(process.cancel(worker_pid, "100ms") == true, "cancel(worker_pid, '100ms') -> true")
  local event = events_ch:receive()
  check(event.kind == process.event.EXIT and event.from == worker_pid, "Worker terminated: EXIT received")
  return event
end

local function main()
  local event = monitor_and_cancel(false)
  check(event.result.value == "cancelled" and event.result.error == nil,
    "a worker that handles CANCEL exits normally")
  event = monitor_and_cancel(true)
  local e = event.result.error
  check(e and e:message() == "cancel deadline exceeded" and errors.is(e, errors.TIMEOUT),
    "a worker that ignores CANCEL is ended at the deadline")
end

return { main = main }
