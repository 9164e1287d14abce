-- Tutorial "Send Cancel Signal" + "Handle Cancellation": the worker serves
-- messages until CANCEL, cleans up, returns; the canceller gets the EXIT.
local time = require("time")

local function check(cond, what, detail)
  if not cond then
    error("FAILED " .. what .. (detail ~= nil and (": " .. tostring(detail)) or ""), 2)
  end
  print("ok " .. what)
end

local function main()
  local me = process.pid()
  local events_ch = process.events()
  local inbox = process.inbox()

  local worker_pid, err = process.spawn_monitored("app.workers:long_worker", "app:processes", me)
  if err then return nil, "spawn failed: " .. tostring(err) end
  for _, job in ipairs({ "job-1", "job-2" }) do
    process.send(worker_pid, "work", job)
    local reply = inbox:receive()
    check(reply:topic() == "handled" and reply:payload():data() == job, "worker handled " .. job)
  end
  time.sleep("5ms")

  local ok, cancel_err = process.cancel(worker_pid, "100ms")
  if cancel_err then return nil, "cancel failed: " .. tostring(cancel_err) end
  check(ok == true, "cancel(worker_pid, '100ms') -> true")

  local event = events_ch:receive()
  check(event.kind == process.event.EXIT and event.from == worker_pid, "Worker cancelled: EXIT received")
  check(event.result.value == "cancelled gracefully", "the worker returned normally after cleanup")
  -- cleanup() sent its message before the worker ended: already delivered.
  local r = channel.select({ inbox:case_receive(), default = true })
  check(not r.default and r.value:topic() == "cleanup", "cleanup ran before the EXIT")
end

return { main = main }
